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
#include <bpf/libbpf.h>

#include "contention.skel.h"
#include "context.skel.h"
#include "probes.h"

struct lg_probes {
	struct lg_context *context;
	struct lg_contention *contention;
	struct ring_buffer *rb;
	lg_probe_event_fn fn;
	void *ctx;
	const struct lg_kallsyms *ks;
	int ncpus;
	__u64 last_drops[LG_SRC_COUNT][LG_DROP_COUNT];
};

static char libbpf_last[200];

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
	if (len)
		snprintf(libbpf_last, sizeof(libbpf_last), "%s", line);
	return 0;
}

static void set_reason(struct lg_probe_status *st, const char *what, int err)
{
	snprintf(st->reason, sizeof(st->reason), "%s: %s%s%s", what,
		 strerror(-err), libbpf_last[0] ? " (" : "",
		 libbpf_last[0] ? libbpf_last : "");
	if (libbpf_last[0])
		strncat(st->reason, ")", sizeof(st->reason) - strlen(st->reason) - 1);
	libbpf_last[0] = '\0';
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct lg_probes *p = ctx;

	return p->fn(data, size, p->ctx);
}

static int open_context(struct lg_probes *p, struct lg_probe_status *st)
{
	int err;

	p->context = lg_context__open();
	if (!p->context) {
		set_reason(st, "open", -errno);
		return -errno;
	}
	err = lg_context__load(p->context);
	if (err) {
		set_reason(st, "load", err);
		goto fail;
	}
	err = lg_context__attach(p->context);
	if (err) {
		set_reason(st, "attach", err);
		goto fail;
	}
	st->loaded = true;
	return 0;
fail:
	lg_context__destroy(p->context);
	p->context = NULL;
	return err;
}

static int open_contention(struct lg_probes *p, struct lg_probe_status *st)
{
	int err;

	p->contention = lg_contention__open();
	if (!p->contention) {
		set_reason(st, "open", -errno);
		return -errno;
	}
	err = lg_contention__load(p->contention);
	if (err) {
		set_reason(st, "load", err);
		goto fail;
	}
	err = lg_contention__attach(p->contention);
	if (err) {
		set_reason(st, "attach", err);
		goto fail;
	}
	st->loaded = true;
	return 0;
fail:
	lg_contention__destroy(p->contention);
	p->contention = NULL;
	return err;
}

int lg_probes_open(const struct lg_kallsyms *ks, lg_probe_event_fn fn,
		   void *ctx, struct lg_probe_status status[LG_SRC_COUNT],
		   struct lg_probes **out)
{
	struct lg_probes *p;
	int err, eperm = 0;

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
	snprintf(status[LG_SRC_LOCKDEP].reason, sizeof(status[0].reason),
		 "not built yet (tp_btf/lock_acquire source: next step)");
	snprintf(status[LG_SRC_PRIMITIVES].reason, sizeof(status[0].reason),
		 "not built yet (fentry/fexit source: next step)");

	err = open_context(p, &status[LG_SRC_CONTEXT]);
	eperm |= err == -EPERM;
	err = open_contention(p, &status[LG_SRC_CONTENTION]);
	eperm |= err == -EPERM;
	if (!p->context && !p->contention) {
		free(p);
		return eperm ? -EPERM : -ENOTSUP;
	}
	if (p->context) {
		p->rb = ring_buffer__new(bpf_map__fd(p->context->maps.events),
					 on_event, p, NULL);
		if (!p->rb) {
			err = -errno;
			lg_probes_close(p);
			return err;
		}
	}
	*out = p;
	return 0;
}

void lg_probes_close(struct lg_probes *p)
{
	if (!p)
		return;
	ring_buffer__free(p->rb);
	lg_context__destroy(p->context);
	lg_contention__destroy(p->contention);
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

int lg_probes_drops(struct lg_probes *p, lg_probe_drop_fn fn, void *ctx)
{
	int err = 0;

	if (p->context)
		err = read_drops(p, LG_SRC_CONTEXT, p->context->maps.drops, fn, ctx);
	if (!err && p->contention)
		err = read_drops(p, LG_SRC_CONTENTION, p->contention->maps.drops,
				 fn, ctx);
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

int lg_probes_contention(struct lg_probes *p, lg_probe_contention_fn fn,
			 void *ctx)
{
	struct bpf_map *map;
	struct lg_contention_key *keys = NULL, key, *prev = NULL;
	struct lg_contention_stats *vals = NULL;
	size_t nkeys = 0, cap = 0;
	int err = 0;

	if (!p->contention)
		return 0;
	map = p->contention->maps.contention;
	vals = calloc((size_t)p->ncpus, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	/* Collect the keys first: deleting while iterating restarts it. */
	while (!bpf_map__get_next_key(map, prev, &key, sizeof(key))) {
		if (nkeys == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			struct lg_contention_key *nk = realloc(keys, ncap * sizeof(*nk));

			if (!nk) {
				err = -ENOMEM;
				goto cleanup;
			}
			keys = nk;
			cap = ncap;
		}
		keys[nkeys] = key;
		prev = &keys[nkeys++];
	}
	for (size_t i = 0; i < nkeys && !err; i++) {
		struct lg_contention_stats sum = { 0 };
		char where[128];

		if (bpf_map__lookup_and_delete_elem(map, &keys[i], sizeof(keys[i]),
						    vals, sizeof(*vals) *
						    (size_t)p->ncpus, 0))
			continue;
		for (int c = 0; c < p->ncpus; c++) {
			sum.count += vals[c].count;
			sum.total_ns += vals[c].total_ns;
			if (vals[c].max_ns > sum.max_ns)
				sum.max_ns = vals[c].max_ns;
		}
		where[0] = '\0';
		if (keys[i].class.kind == LG_CLASS_ADDR)
			contention_where(p, &keys[i], where, sizeof(where));
		err = fn(&keys[i], &sum, where[0] ? where : NULL, ctx);
	}
cleanup:
	free(keys);
	free(vals);
	return err;
}
