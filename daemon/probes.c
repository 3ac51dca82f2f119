/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Loading the probe sources.  See probes.h.
 *
 * Each source is tried on its own, so one that the verifier or the kernel
 * refuses does not stop the others.  libbpf's messages are kept (the last
 * warning) to say why a source did not load, and otherwise stay quiet.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "contention.skel.h"
#include "context.skel.h"
#include "lockdep.skel.h"
#include "primitives.skel.h"
#include "contmerge.h"
#include "probes.h"

/* One loaded probe source. */
struct source {
	void *skel;
	struct bpf_object *obj;
	struct bpf_map *events; /* NULL: the source sends no events */
	struct bpf_map *drops;
	void (*destroy)(void *skel);
	void (*detach)(void *skel);
};

/* A slab cache, from the contention source's iter/kmem_cache program. */
struct slab_cache {
	__u64 addr; /* LG_SLAB_CACHE() of its name's address: the cache's id */
	unsigned int object_size;
	bool merged; /* other caches' objects are in it too (sysfs aliases) */
	__s32 type_id;	 /* the objects' struct in BTF, or -1 */
	char name[64];
	char type[80];	 /* its name */
};

struct lg_probes {
	struct source src[LG_SRC_COUNT];
	struct lg_contention *contention; /* also src[LG_SRC_CONTENTION] */
	struct ring_buffer *rb;
	lg_probe_event_fn fn;
	void *ctx;
	const struct lg_kallsyms *ks;
	int ncpus;	/* possible CPUs, the per-CPU maps' values */
	__u32 *cpu_id;	/* the ids of those CPUs, in that order */
	__u32 cpu_ids;	/* the highest id plus one: cont_consumed's size */
	__u64 last_drops[LG_SRC_COUNT][LG_DROP_COUNT];
	struct lg_cont_merge cont; /* contention keys read (contmerge.h) */
	struct lg_cont_cpu *cont_cpu; /* the per-CPU slots, as read */
	__u64 *cont_acked; /* per CPU: the spill head cont_consumed holds */
	struct slab_cache *slabs; /* sorted by addr */
	size_t nslabs;
	struct btf *btf; /* vmlinux: attach points, slab objects' fields */
	int btf_err;	 /* errno of loading it, when btf is NULL */
	bool slab_warned; /* a failure to read the slab caches was logged */
	bool typed_warned; /* a failure to fill typed_caches was logged */
	bool ack_warned; /* a failed cont_consumed update was logged */
	/* the fault mutex table, learned from waits (fault_mutex_learn()) */
	struct lg_fault_table fault;
	__s64 mutex_size; /* sizeof(struct mutex) from BTF; 0: not looked up */
	__u64 fault_by_address, fault_by_waiter; /* waits delivered */
};

struct slab_cache;
static int read_slabs(struct lg_probes *p);
static void slab_struct(const struct btf *btf, struct slab_cache *sc);

static char libbpf_last[200];
static char libbpf_verifier[200]; /* why the verifier refused a program */ /* libbpf's first warning since reset */

/*
 * The verifier's own words from a load log libbpf prints: the last line
 * before its statistics ("processed N insns", ...), into libbpf_verifier.
 */
static void keep_verifier_error(const char *fmt, va_list ap)
{
	static const char *const stats[] = {
		"processed ", "verification time", "stack depth", "-- END",
	};
	char *log = NULL, *end, *at;
	va_list copy;
	int n;

	va_copy(copy, ap);
	n = vasprintf(&log, fmt, copy);
	va_end(copy);
	if (n < 0)
		return;
	end = strstr(log, "-- END PROG LOAD LOG --");
	while (end && end > log) {
		size_t k, len;

		*end = '\0';
		at = strrchr(log, '\n');
		at = at ? at + 1 : log;
		len = strlen(at);
		for (k = 0; len && k < sizeof(stats) / sizeof(stats[0]); k++)
			if (!strncmp(at, stats[k], strlen(stats[k])))
				break;
		if (len && k == sizeof(stats) / sizeof(stats[0])) {
			/* and the instruction it refused, the line before */
			char *insn = at > log + 1 ? at - 2 : NULL;

			while (insn && insn > log && insn[-1] != '\n')
				insn--;
			if (insn && at - insn > 1)
				snprintf(libbpf_verifier, sizeof(libbpf_verifier),
					 "%s (%.*s)", at, (int)(at - insn - 1), insn);
			else
				snprintf(libbpf_verifier, sizeof(libbpf_verifier),
					 "%s", at);
			break;
		}
		end = at > log ? at - 1 : NULL;
	}
	free(log);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	char line[512];
	size_t len;

	if (level == LIBBPF_DEBUG)
		return 0;
	if (strstr(fmt, "BEGIN PROG LOAD LOG"))
		keep_verifier_error(fmt, ap);
	vsnprintf(line, sizeof(line), fmt, ap);
	len = strlen(line);
	while (len && line[len - 1] == '\n')
		line[--len] = '\0';
	/* The first warning names the cause; later ones only sum up. */
	if (len && !libbpf_last[0])
		snprintf(libbpf_last, sizeof(libbpf_last), "%s", line);
	return 0;
}

static void set_reason(struct lg_probe_status *st, const char *what, int err)
{
	/*
	 * A __weak __ksym that vmlinux lacks (every kernel lacks one of
	 * __preempt_count and pcpu_hot) sends libbpf through the modules' BTF,
	 * and libbpf before 1.3 fails when that listing is refused.
	 */
	const char *hint = strstr(libbpf_last, "failed to iterate BTF objects: -1") ?
		": libbpf needs CAP_SYS_ADMIN to list module BTF" : "";

	snprintf(st->reason, sizeof(st->reason), "%s: %s%s%s%s%s%s%s", what,
		 strerror(-err), libbpf_last[0] ? " (" : "",
		 libbpf_last[0] ? libbpf_last : "", hint,
		 libbpf_verifier[0] ? "; verifier: " : "", libbpf_verifier,
		 libbpf_last[0] ? ")" : "");
	libbpf_last[0] = '\0';
	libbpf_verifier[0] = '\0';
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct lg_probes *p = ctx;

	return p->fn(data, size, p->ctx);
}

/*
 * Before loading: a tracepoint the kernel does not have is a reason in
 * plain words (lock_acquire exists only with CONFIG_LOCKDEP); an fentry or
 * fexit target it does not have (the *_nested variants exist only on
 * lockdep kernels) is simply not loaded.
 */
static int prepare_programs(struct bpf_object *obj, const struct lg_probes *p,
			    struct lg_probe_status *st)
{
	const struct btf *btf = p->btf;
	struct bpf_program *prog;
	int loaded = 0;

	if (!btf) {
		int err = p->btf_err;

		/* libbpf says ESRCH when it found no vmlinux BTF anywhere */
		if (err == ESRCH || err == ENOENT)
			snprintf(st->reason, sizeof(st->reason),
				 "the kernel has no BTF (no /sys/kernel/btf/vmlinux: "
				 "built without CONFIG_DEBUG_INFO_BTF)");
		else
			snprintf(st->reason, sizeof(st->reason),
				 "the kernel's BTF (/sys/kernel/btf/vmlinux) "
				 "cannot be read: %s", strerror(err));
		return -ENOTSUP;
	}
	bpf_object__for_each_program(prog, obj) {
		const char *sec = bpf_program__section_name(prog);
		const char *target = strchr(sec, '/');
		char type[128];

		if (!target)
			continue;
		target++;
		if (!strncmp(sec, "tp_btf/", 7)) {
			snprintf(type, sizeof(type), "btf_trace_%s", target);
			if (btf__find_by_name_kind(btf, type, BTF_KIND_TYPEDEF) < 0) {
				snprintf(st->reason, sizeof(st->reason),
					 "this kernel has no %s tracepoint%s",
					 target, !strcmp(target, "lock_acquire") ?
					 " (CONFIG_LOCKDEP is off)" : "");
				return -ENOTSUP;
			}
		} else if (!strncmp(sec, "iter/", 5)) {
			/* iter/kmem_cache: 6.13 and later; optional */
			snprintf(type, sizeof(type), "bpf_iter__%s", target);
			if (btf__find_by_name_kind(btf, type, BTF_KIND_STRUCT) < 0)
				bpf_program__set_autoload(prog, false);
			continue;
		} else if (!strncmp(sec, "fentry/", 7) || !strncmp(sec, "fexit/", 6)) {
			if (btf__find_by_name_kind(btf, target, BTF_KIND_FUNC) < 0) {
				bpf_program__set_autoload(prog, false);
				continue;
			}
		}
		loaded++;
	}
	if (!loaded) {
		snprintf(st->reason, sizeof(st->reason),
			 "none of its attach points exist in this kernel");
		return -ENOTSUP;
	}
	return 0;
}

/* Before loading the source @skel: nothing for most. */
static int no_setup(void *skel, const struct lg_probes *p,
		    struct lg_probe_status *st)
{
	(void)skel;
	(void)p;
	(void)st;
	return 0;
}

/*
 * The context source's allocation programs read the primitives source's
 * held-lock stacks when that source loaded (it is opened first): its
 * prim_held_locks map becomes the primitives' held_locks.
 */
static int context_setup(void *skel, const struct lg_probes *p,
			 struct lg_probe_status *st);

/* The contention source: one spill ring read index per possible CPU. */
static int contention_setup(void *skel, const struct lg_probes *p,
			    struct lg_probe_status *st)
{
	struct lg_contention *cont = skel;
	const char *mask = getenv("LOCKGRAPH_CONT_SLOT_MASK");
	int err;

#ifndef __x86_64__
	/*
	 * The programs hand a slot over to another key with plain stores
	 * ordered by compiler barriers only, and the reader relies on
	 * seeing them in program order: x86-64's store order.  Elsewhere
	 * the reader could count a wait twice or not at all.
	 */
	(void)cont;
	(void)mask;
	(void)err;
	(void)p;
	snprintf(st->reason, sizeof(st->reason),
		 "its per-CPU slots rely on x86-64's store order (compiler "
		 "barriers only, no release/acquire), which this "
		 "architecture does not give");
	return -ENOTSUP;
#endif

	/* indexed by CPU id: sparse ids ("0-3,8-11") leave holes */
	err = bpf_map__set_max_entries(cont->maps.cont_consumed, p->cpu_ids);
	if (err) {
		set_reason(st, "sizing cont_consumed", err);
		return err;
	}
	/* fewer slots, for the live test of the spill rings */
	if (mask && *mask)
		cont->rodata->lg_cont_slot_mask =
			(__u32)strtoul(mask, NULL, 0) & (LG_CONT_NSLOTS - 1);
	return 0;
}

/*
 * open_<name>(): open, prepare, set up (@setup), load and attach one
 * skeleton.
 */
#define DEFINE_SOURCE(name, setup)					\
static void destroy_##name(void *skel)					\
{									\
	lg_##name##__destroy(skel);					\
}									\
									\
static void detach_##name(void *skel)					\
{									\
	lg_##name##__detach(skel);					\
}									\
									\
static int open_##name(const struct lg_probes *p, struct source *src,	\
		       struct lg_probe_status *st)			\
{									\
	struct lg_##name *skel = lg_##name##__open();			\
	int err;							\
									\
	if (!skel) {							\
		err = -errno;						\
		set_reason(st, "open", err);				\
		return err;						\
	}								\
	err = prepare_programs(skel->obj, p, st);			\
	if (!err)							\
		err = setup(skel, p, st);				\
	if (!err) {							\
		err = lg_##name##__load(skel);				\
		if (err)						\
			set_reason(st, "load", err);			\
	}								\
	if (!err) {							\
		err = lg_##name##__attach(skel);			\
		if (err)						\
			set_reason(st, "attach", err);			\
	}								\
	if (err) {							\
		lg_##name##__destroy(skel);				\
		return err;						\
	}								\
	src->skel = skel;						\
	src->obj = skel->obj;						\
	src->events = bpf_object__find_map_by_name(skel->obj, "events");	\
	src->drops = bpf_object__find_map_by_name(skel->obj, "drops");	\
	src->destroy = destroy_##name;					\
	src->detach = detach_##name;					\
	st->loaded = true;						\
	return 0;							\
}

DEFINE_SOURCE(lockdep, no_setup)
DEFINE_SOURCE(primitives, no_setup)
DEFINE_SOURCE(context, context_setup)
DEFINE_SOURCE(contention, contention_setup)

static int context_setup(void *skel, const struct lg_probes *p,
			 struct lg_probe_status *st)
{
	const struct lg_primitives *prim = p->src[LG_SRC_PRIMITIVES].skel;
	struct lg_context *ctx = skel;
	int err;

	if (!prim)
		return 0;
	err = bpf_map__reuse_fd(ctx->maps.prim_held_locks,
				bpf_map__fd(prim->maps.held_locks));
	if (err) {
		set_reason(st, "sharing the primitives source's held locks",
			   err);
		return err;
	}
	ctx->rodata->lg_with_primitives = true;
	return 0;
}

/*
 * The ids of the possible CPUs (/sys/devices/system/cpu/possible, e.g.
 * "0-3,8-11"), in the order the per-CPU maps give their values, into
 * p->cpu_id (p->ncpus of them, libbpf's count), and the highest plus one
 * into p->cpu_ids: a per-CPU map's value i is CPU p->cpu_id[i]'s, and an
 * array a program indexes with bpf_get_smp_processor_id() needs
 * p->cpu_ids entries.  0, -ENOMEM, or -EINVAL when the file does not
 * parse or disagrees with libbpf.
 */
static int possible_cpu_ids(struct lg_probes *p)
{
	FILE *f = fopen("/sys/devices/system/cpu/possible", "re");
	unsigned int lo, hi, n = 0;
	int c = ',', err = -EINVAL;

	if (!f)
		return -errno;
	p->cpu_id = calloc((size_t)p->ncpus, sizeof(*p->cpu_id));
	if (!p->cpu_id) {
		fclose(f);
		return -ENOMEM;
	}
	while (c == ',' && fscanf(f, "%u", &lo) == 1) {
		hi = lo;
		c = fgetc(f);
		if (c == '-' && fscanf(f, "%u", &hi) == 1)
			c = fgetc(f);
		if (hi < lo || hi - lo >= (unsigned int)p->ncpus - n)
			break;
		for (unsigned int id = lo; id <= hi; id++)
			p->cpu_id[n++] = id;
		p->cpu_ids = hi + 1;
	}
	if ((c == '\n' || c == EOF) && n == (unsigned int)p->ncpus)
		err = 0;
	fclose(f);
	return err;
}

int lg_probes_open(const struct lg_kallsyms *ks, unsigned int want,
		   lg_probe_event_fn fn, void *ctx,
		   struct lg_probe_status status[LG_SRC_COUNT],
		   struct lg_probes **out)
{
	static int (*const open_source[LG_SRC_COUNT])(const struct lg_probes *,
						       struct source *,
						       struct lg_probe_status *) = {
		[LG_SRC_LOCKDEP] = open_lockdep,
		[LG_SRC_PRIMITIVES] = open_primitives,
		[LG_SRC_CONTEXT] = open_context,
		[LG_SRC_CONTENTION] = open_contention,
	};
	struct lg_probes *p;
	int err = 0, nloaded = 0, eperm = 0;

	*out = NULL;
	memset(status, 0, sizeof(*status) * LG_SRC_COUNT);
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->fn = fn;
	p->ctx = ctx;
	p->ks = ks;
	p->ncpus = libbpf_num_possible_cpus();
	err = p->ncpus <= 0 ? -EINVAL : possible_cpu_ids(p);
	if (err) {
		fprintf(stderr, "<3>lockgraphd: cannot read the possible CPUs "
			"(/sys/devices/system/cpu/possible): %s\n",
			strerror(-err));
		free(p->cpu_id);
		free(p);
		return err;
	}
	libbpf_set_print(libbpf_print);
	/* one copy for every source's checks and the slab locks' names */
	p->btf = btf__load_vmlinux_btf();
	if (!p->btf)
		p->btf_err = errno;
	for (unsigned int s = 0; s < LG_SRC_COUNT; s++) {
		if (!(want & (1u << s))) {
			snprintf(status[s].reason, sizeof(status[s].reason),
				 "not requested (--sources)");
			continue;
		}
		libbpf_last[0] = '\0';
		libbpf_verifier[0] = '\0';
		err = open_source[s](p, &p->src[s], &status[s]);
		eperm |= err == -EPERM || err == -EACCES;
		nloaded += !err;
		if (err || !p->src[s].events)
			continue;
		if (!p->rb)
			p->rb = ring_buffer__new(bpf_map__fd(p->src[s].events),
						 on_event, p, NULL);
		else if (ring_buffer__add(p->rb, bpf_map__fd(p->src[s].events),
					  on_event, p))
			p->rb = NULL;
		if (!p->rb) {
			err = -errno;
			lg_probes_close(p);
			return err;
		}
	}
	if (!nloaded) {
		lg_probes_close(p);
		return eperm ? -EPERM : -ENOTSUP;
	}
	p->contention = p->src[LG_SRC_CONTENTION].skel;
	/* slab locks are named by their object's fields (p->btf: it loaded) */
	if (p->contention)
		read_slabs(p); /* -ENOTSUP before 6.13: slab locks unnamed */
	*out = p;
	return 0;
}

void lg_probes_detach_contention(struct lg_probes *p)
{
	struct source *src = &p->src[LG_SRC_CONTENTION];

	if (!src->skel)
		return;
	src->detach(src->skel);
	/*
	 * A program already running on another CPU when its link went may
	 * still be writing a slot (one caught mid hand-over would be
	 * skipped by the last read).  Tracing programs run inside RCU read
	 * sections, and membarrier(MEMBARRIER_CMD_GLOBAL) is a
	 * synchronize_rcu(): after it none is left.  Without it, a pause far
	 * longer than any program runs.
	 */
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0))
		usleep(100 * 1000);
}

void lg_probes_close(struct lg_probes *p)
{
	if (!p)
		return;
	ring_buffer__free(p->rb);
	for (unsigned int s = 0; s < LG_SRC_COUNT; s++)
		if (p->src[s].skel)
			p->src[s].destroy(p->src[s].skel);
	lg_cont_merge_free(&p->cont);
	free(p->cont_cpu);
	free(p->cont_acked);
	free(p->cpu_id);
	free(p->slabs);
	btf__free(p->btf);
	free(p);
}

int lg_probes_poll(struct lg_probes *p, int timeout_ms)
{
	if (!p->rb) {
		usleep((useconds_t)timeout_ms * 1000);
		return 0;
	}
	return ring_buffer__poll(p->rb, timeout_ms);
}

static int read_drops(struct lg_probes *p, unsigned int source,
		      struct bpf_map *map, lg_probe_drop_fn fn, void *ctx)
{
	__u64 *vals;
	int err = 0;

	vals = calloc((size_t)p->ncpus, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (__u32 i = 0; i < LG_DROP_COUNT && !err; i++) {
		__u64 sum = 0;

		if (i == LG_DROP_RECURSION) /* the kernel's count: below */
			continue;
		if (bpf_map__lookup_elem(map, &i, sizeof(i), vals,
					 sizeof(*vals) * (size_t)p->ncpus, 0))
			continue;
		for (int c = 0; c < p->ncpus; c++)
			sum += vals[c];
		if (sum > p->last_drops[source][i])
			err = fn(source, i, sum - p->last_drops[source][i], ctx);
		p->last_drops[source][i] = sum;
	}
	free(vals);
	return err;
}

/*
 * The kernel skips a tp_btf program that is already running on the CPU
 * and counts it in the program's recursion_misses: events lost like any
 * other drop.
 */
static int read_recursion_misses(struct lg_probes *p, unsigned int source,
				 lg_probe_drop_fn fn, void *ctx)
{
	__u64 *last = &p->last_drops[source][LG_DROP_RECURSION], sum = 0;
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, p->src[source].obj) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		memset(&info, 0, sizeof(info));
		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
			sum += info.recursion_misses;
	}
	if (sum <= *last)
		return 0;
	sum -= *last;
	*last += sum;
	return fn(source, LG_DROP_RECURSION, sum, ctx);
}

int lg_probes_check_access(struct lg_probes *p)
{
	__u32 key = 0;
	__u64 *vals;
	int err = 0;

	vals = calloc((size_t)p->ncpus, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (unsigned int s = 0; s < LG_SRC_COUNT && !err; s++)
		if (p->src[s].drops &&
		    bpf_map__lookup_elem(p->src[s].drops, &key, sizeof(key), vals,
					 sizeof(*vals) * (size_t)p->ncpus, 0))
			err = -errno;
	free(vals);
	return err;
}

int lg_probes_drops(struct lg_probes *p, lg_probe_drop_fn fn, void *ctx)
{
	int err = 0;

	for (unsigned int s = 0; s < LG_SRC_COUNT && !err; s++) {
		if (p->src[s].drops)
			err = read_drops(p, s, p->src[s].drops, fn, ctx);
		if (!err && p->src[s].obj)
			err = read_recursion_misses(p, s, fn, ctx);
	}
	return err;
}

/* The function that waited for an unrecognised lock, from its stack. */
static void contention_where(struct lg_probes *p, __s32 stack_id, char *out,
			     size_t size)
{
	__u64 ips[LG_STACK_MAX] = { 0 };
	char frames[LG_STACK_MAX][128], *fp[LG_STACK_MAX];
	size_t n = 0;
	const char *at;

	out[0] = '\0';
	if (!p->ks || stack_id < 0)
		return;
	if (bpf_map__lookup_elem(p->contention->maps.stacks, &stack_id,
				 sizeof(stack_id), ips, sizeof(ips), 0))
		return;
	for (; n < LG_STACK_MAX && ips[n]; n++) {
		lg_kallsyms_format(p->ks, ips[n], frames[n], sizeof(frames[n]));
		fp[n] = frames[n];
	}
	/*
	 * The stack starts in the tracepoint and BPF machinery, then the lock's
	 * slow path: the waiter is the first frame past both.  Addresses with
	 * no real symbol (JIT code resolves to a section marker) are skipped.
	 */
	for (size_t i = 0; i < n; i++) {
		static const char *const skip[] = {
			"bpf", "trace", "probestub", "_slowpath", "_contended",
			"rwsem_down_", "schedule", "queued_", "mutex_lock",
			"down_read", "down_write", "_raw_", "lock_acquire",
			"osq_lock", "percpu_down", "rt_mutex", "rt_spin",
			"__start_", "__stop_",
		};
		const char *f = fp[i];
		bool skipped = !strncmp(f, "0x", 2); /* no symbol at all */

		for (size_t k = 0; k < sizeof(skip) / sizeof(skip[0]); k++)
			if (strstr(f, skip[k]))
				skipped = true;
		if (skipped)
			continue;
		at = f;
		snprintf(out, size, "%.*s", (int)strcspn(at, "+ "), at);
		return;
	}
}

static int slab_cmp(const void *a, const void *b)
{
	__u64 x = ((const struct slab_cache *)a)->addr;
	__u64 y = ((const struct slab_cache *)b)->addr;

	return x < y ? -1 : x > y;
}

/*
 * How many other caches SLUB merged into cache @name (their objects share
 * its slabs): /sys/kernel/slab/NAME/aliases; 0 when unknown.
 */
static int slab_aliases(const char *name)
{
	char path[128];
	FILE *f;
	int n = 0;

	snprintf(path, sizeof(path), "/sys/kernel/slab/%s/aliases", name);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%d", &n) != 1)
		n = 0;
	fclose(f);
	return n;
}

/*
 * The slab caches now, from the iterator program: "name's address,
 * object_size, name" per line; whether others were merged into each, from
 * sysfs.  -ENOTSUP when the kernel has no iter/kmem_cache.
 */
static int read_slabs_once(struct lg_probes *p)
{
	struct bpf_link *link = p->contention->links.cont_slab_names;
	struct slab_cache *slabs = NULL;
	size_t n = 0, cap = 0, len = 0, bufcap = 0, typed_fail = 0;
	char *buf = NULL, *line, *save = NULL;
	__u8 one = 1;
	ssize_t got;
	int fd, err = 0, typed_err = 0;

	if (!link)
		return -ENOTSUP;
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0)
		return -errno;
	for (;;) {
		if (bufcap - len < 4096) {
			char *nb = realloc(buf, bufcap + 65536);

			if (!nb) {
				err = -ENOMEM;
				goto cleanup;
			}
			buf = nb;
			bufcap += 65536;
		}
		got = read(fd, buf + len, bufcap - len - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			err = -errno;
			goto cleanup;
		}
		if (!got)
			break;
		len += (size_t)got;
	}
	if (!buf)
		goto cleanup;
	buf[len] = '\0';
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct slab_cache sc = { 0 };
		unsigned long long addr;

		if (sscanf(line, "%llx %u %63s", &addr, &sc.object_size,
			   sc.name) != 3)
			continue;
		sc.addr = LG_SLAB_CACHE((__u64)addr);
		sc.merged = slab_aliases(sc.name) > 0;
		slab_struct(p->btf, &sc);
		/* its locks are named by field: the programs walk no stack */
		if (sc.type_id >= 0 &&
		    bpf_map__update_elem(p->contention->maps.typed_caches,
					 &sc.addr, sizeof(sc.addr), &one,
					 sizeof(one), BPF_ANY)) {
			typed_err = -errno;
			typed_fail++;
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			struct slab_cache *ns = realloc(slabs, ncap * sizeof(*ns));

			if (!ns) {
				err = -ENOMEM;
				goto cleanup;
			}
			slabs = ns;
			cap = ncap;
		}
		slabs[n++] = sc;
	}
	if (typed_err && !p->typed_warned) {
		fprintf(stderr, "<4>lockgraphd: contention: %zu slab caches "
			"not marked in typed_caches (%s): the programs walk a "
			"stack for their locks\n", typed_fail,
			strerror(-typed_err));
		p->typed_warned = true;
	}
	if (n)
		qsort(slabs, n, sizeof(*slabs), slab_cmp);
	free(p->slabs);
	p->slabs = slabs;
	p->nslabs = n;
	slabs = NULL;
cleanup:
	free(slabs);
	free(buf);
	close(fd);
	return err;
}

/*
 * read_slabs_once(), its first failure logged with the cause (slab locks
 * then stay unnamed, counted as unnamed_lock drops); -ENOTSUP, a kernel
 * without iter/kmem_cache, is the one silent case.
 */
static int read_slabs(struct lg_probes *p)
{
	int err = read_slabs_once(p);

	if (err && err != -ENOTSUP && !p->slab_warned) {
		fprintf(stderr, "<4>lockgraphd: contention: the slab caches "
			"cannot be read (%s): slab locks stay unnamed\n",
			strerror(-err));
		p->slab_warned = true;
	}
	return err;
}

/* Struct types whose start is the lock itself, not a container of one. */
static bool btf_is_lock_type(const char *name)
{
	static const char *const locks[] = {
		"spinlock", "raw_spinlock", "qspinlock", "rwlock", "qrwlock",
		"mutex", "rw_semaphore", "percpu_rw_semaphore", "semaphore",
		"rt_mutex", "rt_mutex_base", "rt_rw_base", "rwbase_rt",
	};

	for (size_t i = 0; i < sizeof(locks) / sizeof(locks[0]); i++)
		if (!strcmp(name, locks[i]))
			return true;
	return false;
}

/*
 * Append to @path the members of @type_id that hold byte @off: "->a.b[2].c"
 * (anonymous members add nothing), down to a lock type or a plain field.
 */
static void btf_field_path(const struct btf *btf, __u32 type_id, __u32 off,
			   char *path, size_t size, int depth)
{
	const struct btf_type *t;
	size_t len = strlen(path);
	int id = btf__resolve_type(btf, type_id);

	t = id < 0 ? NULL : btf__type_by_id(btf, (__u32)id);
	if (!t || depth > 8 || len + 1 >= size)
		return;
	if (btf_is_array(t)) {
		const struct btf_array *a = btf_array(t);
		__s64 esz = btf__resolve_size(btf, a->type);

		if (esz <= 0)
			return;
		snprintf(path + len, size - len, "[%u]", off / (__u32)esz);
		btf_field_path(btf, a->type, off % (__u32)esz, path, size,
			       depth + 1);
		return;
	}
	if (!btf_is_composite(t))
		return;
	if (!off && btf_is_lock_type(btf__name_by_offset(btf, t->name_off)))
		return;
	for (__u16 i = 0; i < btf_vlen(t); i++) {
		const struct btf_member *m = btf_members(t) + i;
		__u32 moff = btf_member_bit_offset(t, i) / 8;
		__s64 msz = btf__resolve_size(btf, m->type);
		const char *name = btf__name_by_offset(btf, m->name_off);

		if (msz <= 0 || off < moff || off >= moff + (__u64)msz)
			continue;
		if (name && name[0])
			snprintf(path + len, size - len, "%s%s",
				 depth ? "." : "->", name);
		btf_field_path(btf, m->type, off - moff, path, size,
			       depth + (name && name[0]));
		return;
	}
}

/*
 * The struct of @sc's objects in the kernel's BTF, named like the cache
 * (mm_struct, ext4_inode_cache -> ext4_inode_info, sighand_cache ->
 * sighand_struct, proc_inode_cache -> proc_inode) and no larger than its
 * objects, into @sc->type_id and @sc->type; none for kmalloc caches and
 * caches other caches were merged into (their objects are of any kind).
 */
static void slab_struct(const struct btf *btf, struct slab_cache *sc)
{
	char base[64], cand[4][80];
	size_t blen = strlen(sc->name);

	sc->type_id = -1;
	if (!btf || sc->merged || !strncmp(sc->name, "kmalloc-", 8))
		return;
	if (blen > 6 && !strcmp(sc->name + blen - 6, "_cache"))
		blen -= 6;
	snprintf(base, sizeof(base), "%.*s", (int)blen, sc->name);
	snprintf(cand[0], sizeof(cand[0]), "%s", sc->name);
	snprintf(cand[1], sizeof(cand[1]), "%s_info", base);
	snprintf(cand[2], sizeof(cand[2]), "%s_struct", base);
	snprintf(cand[3], sizeof(cand[3]), "%s", base);
	for (size_t i = 0; i < 4; i++) {
		__s32 id = btf__find_by_name_kind(btf, cand[i], BTF_KIND_STRUCT);
		const struct btf_type *t;

		t = id < 0 ? NULL : btf__type_by_id(btf, (__u32)id);
		if (!t || t->size > sc->object_size)
			continue;
		sc->type_id = id;
		snprintf(sc->type, sizeof(sc->type), "%s", cand[i]);
		return;
	}
}

/*
 * The name of a lock at @off in an object of @sc: "&mm_struct->
 * page_table_lock" when the objects' struct is known (slab_struct()); else
 * the cache, the offset when the objects are all of one kind, and the
 * waiter @where: "&ext4_groupinfo_4k+0x8@ext4_mb_load_buddy",
 * "&kmalloc-512@hugetlb_fault", "&pool_workqueue(merged)@__queue_work".
 */
static void slab_lock_name(const struct lg_probes *p,
			   const struct slab_cache *sc, unsigned int off,
			   const char *where, char *out, size_t size)
{
	bool generic = sc->merged || !strncmp(sc->name, "kmalloc-", 8);

	if (sc->type_id >= 0) {
		snprintf(out, size, "&%s", sc->type);
		btf_field_path(p->btf, (__u32)sc->type_id, off, out, size, 0);
		if (strchr(out, '>'))
			return;
	}
	if (generic)
		snprintf(out, size, "&%s%s%s%s", sc->name,
			 sc->merged && strncmp(sc->name, "kmalloc-", 8) ?
			 "(merged)" : "", where && where[0] ? "@" : "",
			 where && where[0] ? where : "");
	else if (where && where[0])
		snprintf(out, size, "&%s+0x%x@%s", sc->name, off, where);
	else
		snprintf(out, size, "&%s+0x%x", sc->name, off);
}

/*
 * Is the mutex of @cur, waited for in @waiter, one of the hugetlb fault
 * mutexes?  The programs recognise them by address where kallsyms names
 * their table; without CONFIG_KALLSYMS_ALL it has no data symbols, and the
 * table is a kmalloc'd array (a slab object, or past 32 possible CPUs a
 * large kmalloc outside any slab).  A mutex in dynamic memory waited for
 * in one of the functions that take a fault mutex (mm/hugetlb.c,
 * fs/hugetlbfs/inode.c, mm/userfaultfd.c), which take no other mutex
 * there, is one.  The caller checks the memory: a kmalloc cache, or no
 * slab and no symbol.
 */
static bool fault_mutex_waiter(const struct lg_cont_seen *cur,
			       const char *waiter)
{
	static const char *const takers[] = {
		"hugetlb_fault", "hugetlb_wp", "hugetlbfs_fallocate",
		"remove_inode_hugepages",
		/* userfaultfd, when not inlined into mfill_atomic_copy() */
		"mfill_atomic_hugetlb", "__mcopy_atomic_hugetlb",
	};
	size_t len = strcspn(waiter, "."); /* "hugetlb_wp.isra.0" */

	if (!(cur->key.flags & LG_LCB_F_MUTEX))
		return false;
	for (size_t i = 0; i < sizeof(takers) / sizeof(takers[0]); i++)
		if (strlen(takers[i]) == len && !strncmp(waiter, takers[i], len))
			return true;
	return false;
}

/* The slab cache whose id (LG_SLAB_CACHE()) is @addr, as last read. */
static const struct slab_cache *slab_find(const struct lg_probes *p,
					  __u64 addr)
{
	struct slab_cache want = { .addr = addr };

	return p->nslabs ? bsearch(&want, p->slabs, p->nslabs, sizeof(want),
				   slab_cmp) : NULL;
}

/*
 * A slab lock's name into @cur->where, or its recognised kind into
 * @cur->kind_as; the caches are read again once per call when the lock's
 * is not known (a cache created since).
 */
static void slab_where(struct lg_probes *p, struct lg_cont_seen *cur,
		       bool *reread)
{
	const struct slab_cache *sc = NULL;
	char waiter[128];

	for (int pass = 0; pass < 2 && !sc; pass++) {
		if (pass && (*reread || read_slabs(p)))
			break;
		*reread |= pass;
		sc = slab_find(p, LG_SLAB_CACHE(cur->key.class.key));
	}
	cur->where[0] = '\0';
	if (!sc)
		return; /* unnamed: counted by the caller */
	contention_where(p, cur->stack_id, waiter, sizeof(waiter));
	if (!strncmp(sc->name, "kmalloc-", 8) &&
	    fault_mutex_waiter(cur, waiter)) {
		cur->kind_as = LG_CLASS_HUGETLB_FAULT_MUTEX;
		return;
	}
	slab_lock_name(p, sc, (unsigned int)LG_SLAB_OFF(cur->key.class.key),
		       waiter, cur->where, sizeof(cur->where));
}

/*
 * An inode lock's fs type name into @cur->where, as the contention
 * programs read it from the type (fs_type_names); "" when they have not
 * (every entry it could have is another type's, or its name is still
 * being written).
 */
static void fs_type_where(struct lg_probes *p, struct lg_cont_seen *cur)
{
	__u64 type = cur->key.class.key;
	__u32 slot = lg_fs_type_slot(type);
	struct lg_fs_type_name e;

	cur->where[0] = '\0';
	for (__u32 i = 0; type && i < LG_FS_TYPE_PROBES; i++) {
		__u32 at = (slot + i) & (LG_FS_TYPE_NAMES - 1);

		if (bpf_map__lookup_elem(p->contention->maps.fs_type_names,
					 &at, sizeof(at), &e, sizeof(e), 0) ||
		    !e.type)
			return;
		if (e.type != type)
			continue;
		if (e.ready) {
			e.name[sizeof(e.name) - 1] = '\0';
			snprintf(cur->where, sizeof(cur->where), "%s", e.name);
		}
		return;
	}
}

/*
 * One source's lg_fault_mutex_lo/hi (its .bss), unless it has a range:
 * @lo first, so that a program that sees @hi sees @lo (x86's store order;
 * the programs also take a range only when both are set).
 */
static void fault_range_write(__u64 *lo_var, __u64 *hi_var, __u64 lo,
			      __u64 hi)
{
	if (*hi_var)
		return;
	*lo_var = lo;
	__atomic_store_n(hi_var, hi, __ATOMIC_RELEASE);
}

/*
 * The hugetlb fault mutex table's range into the programs of every source
 * that recognises its mutexes (lg_fault_mutex.bpf.h).
 */
static void fault_mutex_tell(struct lg_probes *p, __u64 lo, __u64 hi)
{
	struct lg_primitives *prim = p->src[LG_SRC_PRIMITIVES].skel;
	struct lg_contention *cont = p->contention;

	if (cont && cont->bss)
		fault_range_write(&cont->bss->lg_fault_mutex_lo,
				  &cont->bss->lg_fault_mutex_hi, lo, hi);
	if (prim && prim->bss)
		fault_range_write(&prim->bss->lg_fault_mutex_lo,
				  &prim->bss->lg_fault_mutex_hi, lo, hi);
}

/*
 * Learn where the hugetlb fault mutex table is from @cur, a slab key that
 * its waiter showed to be one of the fault mutexes, with the address of
 * one of its locks from a slot (contmerge.h's lg_fault_table_offer()), and
 * tell the programs.  Kernels whose kallsyms names the table need none of
 * this (the programs read it); here they class those mutexes by slab
 * cache and offset, bpf_get_kmem_cache() on every wait (30-45 ns of
 * cont_end), where a known range is two compares.
 */
static void fault_mutex_learn(struct lg_probes *p,
			      const struct lg_cont_seen *cur)
{
	const struct slab_cache *sc;

	if (p->fault.hi || !cur->lock || !p->btf)
		return;
	if (!p->mutex_size) {
		__s32 id = btf__find_by_name_kind(p->btf, "mutex",
						  BTF_KIND_STRUCT);

		p->mutex_size = id < 0 ? -1 : btf__resolve_size(p->btf,
								(__u32)id);
	}
	sc = slab_find(p, LG_SLAB_CACHE(cur->key.class.key));
	if (!sc || p->mutex_size <= 0 || p->mutex_size > UINT32_MAX ||
	    lg_fault_table_offer(&p->fault, cur->key.class.key, cur->lock,
				 sc->object_size, (__u32)p->mutex_size,
				 (unsigned int)p->ncpus) != 1)
		return;
	fault_mutex_tell(p, p->fault.lo, p->fault.hi);
	fprintf(stderr, "<6>lockgraphd: contention: the hugetlb fault mutexes "
		"are the %llu of a %s object, as two of their waits showed: "
		"the programs class them by address from now on\n",
		(unsigned long long)((p->fault.hi - p->fault.lo) /
				     (__u64)p->mutex_size), sc->name);
}

/* What lg_probes_contention()'s merge delivers to: its caller's @fn. */
struct cont_deliver_ctx {
	struct lg_probes *p;
	lg_probe_contention_fn fn;
	void *ctx;
	bool reread; /* the slab caches were read again in this call */
};

/*
 * A key whose figures grew, to the caller's function, with the waiter's
 * name for an unrecognised lock, the object's field for a slab one or the
 * fs type for an inode lock (looked up once per key).
 */
static int cont_deliver(struct lg_cont_seen *cur,
			const struct lg_contention_stats *delta, void *arg)
{
	struct cont_deliver_ctx *d = arg;

	if (!cur->named && cur->key.class.kind == LG_CLASS_ADDR) {
		contention_where(d->p, cur->stack_id, cur->where,
				 sizeof(cur->where));
		cur->named = true;
		if (fault_mutex_waiter(cur, cur->where) && d->p->ks &&
		    !lg_kallsyms_exact(d->p->ks, cur->key.class.key))
			cur->kind_as = LG_CLASS_HUGETLB_FAULT_MUTEX;
	} else if (!cur->named && cur->key.class.kind == LG_CLASS_SLAB) {
		slab_where(d->p, cur, &d->reread);
		cur->named = cur->where[0] || cur->kind_as;
	} else if (!cur->named && cur->key.class.kind == LG_CLASS_INODE) {
		fs_type_where(d->p, cur);
		cur->named = cur->where[0];
	}
	if (cur->kind_as == LG_CLASS_HUGETLB_FAULT_MUTEX) {
		d->p->fault_by_waiter += delta->count;
		if (cur->key.class.kind == LG_CLASS_SLAB)
			fault_mutex_learn(d->p, cur);
	} else if (cur->key.class.kind == LG_CLASS_HUGETLB_FAULT_MUTEX) {
		d->p->fault_by_address += delta->count;
	}
	if (cur->kind_as) {
		struct lg_contention_key as = cur->key;

		as.class.kind = cur->kind_as;
		as.class.key = 0;
		as.class.subclass = 0;
		return d->fn(&as, delta, NULL, d->ctx);
	}
	return d->fn(&cur->key, delta, cur->where[0] ? cur->where : NULL,
		     d->ctx);
}

/* The reader's buffers, at its first call; all or none. */
static int cont_alloc(struct lg_probes *p)
{
	int err;

	p->cont_cpu = calloc((size_t)p->ncpus, sizeof(*p->cont_cpu));
	p->cont_acked = calloc((size_t)p->ncpus, sizeof(*p->cont_acked));
	err = p->cont_cpu && p->cont_acked ? 0 : -ENOMEM;
	if (!err)
		err = lg_cont_merge_init(&p->cont, p->ncpus);
	if (err) {
		free(p->cont_cpu);
		free(p->cont_acked);
		p->cont_cpu = NULL;
		p->cont_acked = NULL;
	}
	return err;
}

/*
 * Every CPU's element read at once, merged (contmerge.h), and only then
 * the spill entries taken acknowledged in cont_consumed: a failure before
 * leaves them in the rings, read again next time.  An acknowledgement
 * that fails is written again at the next call (the ring stays fuller
 * meanwhile, nothing is counted twice).
 */
int lg_probes_contention(struct lg_probes *p, lg_probe_contention_fn fn,
			 void *ctx)
{
	struct cont_deliver_ctx d = { .p = p, .fn = fn, .ctx = ctx };
	__u32 zero = 0;
	int err, ack = 0;

	if (!p->contention)
		return 0;
	if (!p->cont_cpu) {
		err = cont_alloc(p);
		if (err)
			return err;
	}
	if (bpf_map__lookup_elem(p->contention->maps.cont_cpu, &zero,
				 sizeof(zero), p->cont_cpu,
				 sizeof(*p->cont_cpu) * (size_t)p->ncpus, 0))
		return -errno;
	err = lg_cont_merge(&p->cont, p->cont_cpu, cont_deliver, &d);
	for (__u32 c = 0; c < (__u32)p->ncpus; c++) {
		__u64 head = p->cont.seen_head[c];

		if (head == p->cont_acked[c])
			continue;
		if (bpf_map__update_elem(p->contention->maps.cont_consumed,
					 &p->cpu_id[c], sizeof(p->cpu_id[c]),
					 &head, sizeof(head), 0)) {
			ack = ack ? ack : -errno;
			continue;
		}
		p->cont_acked[c] = head;
	}
	/*
	 * Not an error of the batch: the entries stay in their ring, which
	 * is fuller meanwhile, and are acknowledged again next time.
	 */
	if (ack && !p->ack_warned) {
		fprintf(stderr, "<4>lockgraphd: contention: acknowledging spill "
			"entries: %s (retried at every batch)\n",
			strerror(-ack));
		p->ack_warned = true;
	}
	return err;
}

void lg_probes_contention_totals(const struct lg_probes *p,
				 struct lg_probe_contention_totals *t)
{
	t->timed = p->cont.timed;
	t->timed_ns = p->cont.timed_ns;
	t->refused_ns = p->cont.refused_ns;
	t->delivered = p->cont.delivered;
	t->delivered_ns = p->cont.delivered_ns;
	t->spilled = p->cont.spilled;
	t->fault_by_address = p->fault_by_address;
	t->fault_by_waiter = p->fault_by_waiter;
}
