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

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "contention.skel.h"
#include "context.skel.h"
#include "lockdep.skel.h"
#include "primitives.skel.h"
#include "probes.h"

/* One loaded probe source. */
struct source {
	void *skel;
	struct bpf_object *obj;
	struct bpf_map *events; /* NULL: the source sends no events */
	struct bpf_map *drops;
	void (*destroy)(void *skel);
};

/*
 * A key of the contention map as the last flush read it: the per-CPU
 * figures summed, and for how many flushes they have not changed.
 */
struct cont_seen {
	struct lg_contention_key key;
	struct lg_contention_stats sum;
	unsigned int idle;
	bool named;	 /* where[] was looked up (unrecognised locks) */
	char where[128]; /* the waiter: its stack may leave the LRU */
};

/* Flushes without a wait after which a key may be taken out of the map. */
#define LG_CONT_IDLE_FLUSHES 10

struct lg_probes {
	struct source src[LG_SRC_COUNT];
	struct lg_contention *contention; /* also src[LG_SRC_CONTENTION] */
	struct ring_buffer *rb;
	lg_probe_event_fn fn;
	void *ctx;
	const struct lg_kallsyms *ks;
	int ncpus;
	__u64 last_drops[LG_SRC_COUNT][LG_DROP_COUNT];
	struct cont_seen *cont; /* contention keys read, sorted by key */
	size_t cont_n;
};

static char libbpf_last[200]; /* libbpf's first warning since reset */

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	char line[512];
	size_t len;

	if (level == LIBBPF_DEBUG)
		return 0;
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

	snprintf(st->reason, sizeof(st->reason), "%s: %s%s%s%s%s", what,
		 strerror(-err), libbpf_last[0] ? " (" : "",
		 libbpf_last[0] ? libbpf_last : "", hint,
		 libbpf_last[0] ? ")" : "");
	libbpf_last[0] = '\0';
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
static int prepare_programs(struct bpf_object *obj, struct lg_probe_status *st)
{
	struct bpf_program *prog;
	struct btf *btf;
	int loaded = 0;

	btf = btf__load_vmlinux_btf();
	if (!btf) {
		int err = errno;

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
				btf__free(btf);
				return -ENOTSUP;
			}
		} else if (!strncmp(sec, "fentry/", 7) || !strncmp(sec, "fexit/", 6)) {
			if (btf__find_by_name_kind(btf, target, BTF_KIND_FUNC) < 0) {
				bpf_program__set_autoload(prog, false);
				continue;
			}
		}
		loaded++;
	}
	btf__free(btf);
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
	err = prepare_programs(skel->obj, st);				\
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
	st->loaded = true;						\
	return 0;							\
}

DEFINE_SOURCE(lockdep, no_setup)
DEFINE_SOURCE(primitives, no_setup)
DEFINE_SOURCE(context, context_setup)
DEFINE_SOURCE(contention, no_setup)

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
	if (p->ncpus <= 0) {
		free(p);
		return -EINVAL;
	}
	libbpf_set_print(libbpf_print);
	for (unsigned int s = 0; s < LG_SRC_COUNT; s++) {
		if (!(want & (1u << s))) {
			snprintf(status[s].reason, sizeof(status[s].reason),
				 "not requested (--sources)");
			continue;
		}
		libbpf_last[0] = '\0';
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
		free(p);
		return eperm ? -EPERM : -ENOTSUP;
	}
	p->contention = p->src[LG_SRC_CONTENTION].skel;
	*out = p;
	return 0;
}

void lg_probes_close(struct lg_probes *p)
{
	if (!p)
		return;
	ring_buffer__free(p->rb);
	for (unsigned int s = 0; s < LG_SRC_COUNT; s++)
		if (p->src[s].skel)
			p->src[s].destroy(p->src[s].skel);
	free(p->cont);
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
static void contention_where(struct lg_probes *p,
			     const struct lg_contention_key *key, char *out,
			     size_t size)
{
	__u64 ips[LG_STACK_MAX] = { 0 };
	char frames[LG_STACK_MAX][128], *fp[LG_STACK_MAX];
	__s32 stack_id;
	size_t n = 0;
	const char *at;

	out[0] = '\0';
	if (!p->ks || bpf_map__lookup_elem(p->contention->maps.contention_stack,
					   &key->class, sizeof(key->class),
					   &stack_id, sizeof(stack_id), 0))
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

/* Order of contention keys, for bsearch() and qsort(). */
static int cont_cmp(const void *a, const void *b)
{
	return memcmp(&((const struct cont_seen *)a)->key,
		      &((const struct cont_seen *)b)->key,
		      sizeof(struct lg_contention_key));
}

/* The per-CPU values of one key, summed (max: the largest). */
static void cont_sum(const struct lg_contention_stats *vals, int ncpus,
		     struct lg_contention_stats *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (int c = 0; c < ncpus; c++) {
		sum->count += vals[c].count;
		sum->total_ns += vals[c].total_ns;
		if (vals[c].max_ns > sum->max_ns)
			sum->max_ns = vals[c].max_ns;
	}
}

/*
 * The figures of @cur since @prev read them (@prev NULL: since the key
 * was added), to @fn with the waiter's name for an unrecognised lock
 * (looked up once per key).
 * max_ns is the largest since the key was added: the store keeps maxima.
 */
static int cont_deliver(struct lg_probes *p, lg_probe_contention_fn fn,
			void *ctx, struct cont_seen *cur,
			const struct cont_seen *prev)
{
	struct lg_contention_stats delta = cur->sum;

	if (prev) {
		delta.count -= prev->sum.count;
		delta.total_ns -= prev->sum.total_ns;
	}
	if (!delta.count)
		return 0;
	if (!cur->named && cur->key.class.kind == LG_CLASS_ADDR) {
		contention_where(p, &cur->key, cur->where, sizeof(cur->where));
		cur->named = true;
	}
	return fn(&cur->key, &delta, cur->where[0] ? cur->where : NULL, ctx);
}

int lg_probes_contention(struct lg_probes *p, lg_probe_contention_fn fn,
			 void *ctx)
{
	struct bpf_map *map;
	struct cont_seen *cur = NULL, *prev;
	struct lg_contention_key key, *prevk = NULL;
	struct lg_contention_stats *vals = NULL;
	size_t n = 0, cap = 0, kept = 0;
	size_t evict_above;
	int err = 0;

	if (!p->contention)
		return 0;
	map = p->contention->maps.contention;
	evict_above = bpf_map__max_entries(map) / 2;
	vals = calloc((size_t)p->ncpus, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	while (!bpf_map__get_next_key(map, prevk, &key, sizeof(key))) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			struct cont_seen *nc = realloc(cur, ncap * sizeof(*nc));

			if (!nc) {
				err = -ENOMEM;
				goto cleanup;
			}
			cur = nc;
			cap = ncap;
		}
		cur[n].key = key;
		prevk = &cur[n++].key;
	}
	if (n)
		qsort(cur, n, sizeof(*cur), cont_cmp);
	for (size_t i = 0; i < n && !err; i++) {
		bool evict;

		/* a key listed twice (an iteration that restarted): once */
		if (i && !cont_cmp(&cur[i], &cur[i - 1]))
			continue;
		prev = p->cont_n ? bsearch(&cur[i], p->cont, p->cont_n,
					   sizeof(*cur), cont_cmp) : NULL;
		if (bpf_map__lookup_elem(map, &cur[i].key, sizeof(cur[i].key),
					 vals, sizeof(*vals) * (size_t)p->ncpus, 0))
			continue; /* deleted since: never by the programs */
		cont_sum(vals, p->ncpus, &cur[i].sum);
		cur[i].idle = prev && prev->sum.count == cur[i].sum.count ?
			prev->idle + 1 : 0;
		cur[i].named = prev && prev->named;
		if (cur[i].named)
			memcpy(cur[i].where, prev->where, sizeof(cur[i].where));
		else
			cur[i].where[0] = '\0';
		/*
		 * Keys stay, so a class costs the programs one insertion (and
		 * one stack walk) per run, not one per flush.  Only when the
		 * map is half full are keys idle for a while taken out:
		 * unrecognised locks in dynamic memory make new keys without
		 * end.  The delete returns the last figures.
		 */
		evict = n > evict_above && cur[i].idle >= LG_CONT_IDLE_FLUSHES;
		if (evict && !bpf_map__lookup_and_delete_elem(map, &cur[i].key,
							      sizeof(cur[i].key), vals,
							      sizeof(*vals) *
							      (size_t)p->ncpus, 0))
			cont_sum(vals, p->ncpus, &cur[i].sum);
		else
			evict = false;
		err = cont_deliver(p, fn, ctx, &cur[i], prev);
		if (!evict)
			cur[kept++] = cur[i];
	}
	if (err)
		goto cleanup;
	/* What was read this time is what the next flush subtracts. */
	free(p->cont);
	p->cont = cur;
	p->cont_n = kept;
	cur = NULL;
cleanup:
	free(cur);
	free(vals);
	return err;
}
