/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Events to graph.  See capture.h.
 *
 * A chain event says: this task held these locks (bottom first) and took
 * that one.  lockdep's rules (lg_acquire_deps()) turn it into dependencies:
 * a trylock adds none, otherwise "held -> new" from the top of the stack
 * down to the first lock that was not itself a trylock.  Each dependency
 * goes through the recorder, which runs the incremental cycle check.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture.h"
#include "cycle_report.h"
#include "splat_print.h"

struct lg_capture {
	struct lg_capture_config cfg;
	struct lg_recorder *rec;
	struct lg_names *names;
	bool in_tx;
	struct lg_capture_stats stats;
};

int lg_capture_new(const struct lg_capture_config *cfg, struct lg_capture **out)
{
	struct lg_capture *c;
	int err;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->cfg = *cfg;
	c->names = lg_names_new();
	if (!c->names) {
		free(c);
		return -ENOMEM;
	}
	err = lg_recorder_open(cfg->store, &c->rec);
	if (err) {
		lg_names_free(c->names);
		free(c);
		return err;
	}
	*out = c;
	return 0;
}

void lg_capture_free(struct lg_capture *c)
{
	if (!c)
		return;
	if (c->in_tx)
		lg_store_rollback(c->cfg.store);
	lg_recorder_free(c->rec);
	lg_names_free(c->names);
	free(c);
}

const struct lg_capture_stats *lg_capture_stats(const struct lg_capture *c)
{
	return &c->stats;
}

static int begin(struct lg_capture *c)
{
	int err;

	if (c->in_tx)
		return 0;
	err = lg_store_begin(c->cfg.store);
	if (!err)
		c->in_tx = true;
	return err;
}

int lg_capture_flush(struct lg_capture *c)
{
	int err;

	if (!c->in_tx)
		return 0;
	err = lg_store_commit(c->cfg.store);
	if (err)
		return err;
	c->in_tx = false;
	c->stats.batches++;
	return 0;
}

static int bad(char *why, size_t len, const char *msg)
{
	snprintf(why, len, "%s", msg);
	return -EBADMSG;
}

static bool class_ok(const struct lg_class_ref *r)
{
	return r->kind > LG_CLASS_NONE && r->kind < LG_CLASS_KIND_COUNT &&
	       r->mode <= LG_MODE_R && r->trylock <= 1;
}

int lg_event_validate(const void *data, size_t size, char *why, size_t whylen)
{
	const struct lg_event_header *h = data;

	if (size < sizeof(*h))
		return bad(why, whylen, "shorter than an event header");
	if (h->size != size)
		return bad(why, whylen, "event size does not match its header");
	switch (h->type) {
	case LG_EV_CHAIN: {
		const struct lg_chain_event *e = data;

		if (size != sizeof(*e))
			return bad(why, whylen, "chain event of the wrong size");
		if (e->nheld > LG_HELD_MAX || e->nframes > LG_STACK_MAX)
			return bad(why, whylen, "chain event counts out of range");
		if (e->source >= LG_SRC_COUNT)
			return bad(why, whylen, "chain event from an unknown source");
		if (!class_ok(&e->acquired))
			return bad(why, whylen, "chain event with a bad lock class");
		for (unsigned int i = 0; i < e->nheld; i++)
			if (!class_ok(&e->held[i]))
				return bad(why, whylen,
					   "chain event with a bad held class");
		return 0;
	}
	case LG_EV_CLASS_NAME: {
		const struct lg_name_event *e = data;

		if (size != sizeof(*e))
			return bad(why, whylen, "name event of the wrong size");
		if (!memchr(e->name, '\0', sizeof(e->name)) || !e->name[0])
			return bad(why, whylen, "name event without a name");
		if (!class_ok(&e->class))
			return bad(why, whylen, "name event with a bad lock class");
		return 0;
	}
	default:
		return bad(why, whylen, "unknown event type");
	}
}

/*
 * The first frames of a probe's stack are the probe itself: the BPF
 * program (JIT code), the tracepoint's bpf_trace_run*() or
 * __traceiter_*(), and for mmap_lock its trace helper.  JIT code and
 * trampolines loaded after /proc/kallsyms was read have no symbol: raw
 * "0x..." frames at the top of the stack are the probe too.  Return how
 * many lead frames to drop.
 */
static size_t probe_frames(char *const *fp, size_t n)
{
	static const char *const probe[] = {
		"bpf_trace_run", "__bpf_trace_", "__traceiter_", "bpf_prog_",
		"bpf_trampoline_", "__mmap_lock_do_trace_",
	};
	size_t start = 0;

	for (size_t i = 0; i < n && i < 8; i++) {
		if (i == start && !strncmp(fp[i], "0x", 2))
			start = i + 1;
		for (size_t k = 0; k < sizeof(probe) / sizeof(probe[0]); k++)
			if (strstr(fp[i], probe[k]))
				start = i + 1;
	}
	return start;
}

/* "func" of "func+0x1a/0x40", for naming unrecognised locks. */
static void frame_function(const char *frame, char *out, size_t size)
{
	size_t len = strcspn(frame, "+ ");

	snprintf(out, size, "%.*s", (int)len, frame);
}

/*
 * Log a new cycle the way lockdep would print it, each line with the
 * sd-daemon warning prefix.  The report reads the open transaction.
 */
static void log_cycle(struct lg_capture *c, int64_t cycle_row)
{
	char *text = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *f;
	int err;

	if (!c->cfg.log)
		return;
	f = open_memstream(&text, &len);
	if (!f)
		return;
	err = lg_store_print_cycle(c->cfg.store, cycle_row, f);
	if (fclose(f) || err) {
		fprintf(c->cfg.log, "<4>lockgraphd: new cycle #%lld (its report "
			"could not be formatted: %s): see `lockgraph report "
			"%lld`\n", (long long)cycle_row, strerror(err ? -err : ENOMEM),
			(long long)cycle_row);
		free(text);
		return;
	}
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		fprintf(c->cfg.log, "<4>%s\n", line);
	free(text);
}

struct chain_ctx {
	struct lg_capture *c;
	struct lg_store_edge seen;
};

static int record_dep(lg_class_id from, lg_class_id to, unsigned int pair,
		      void *ctx)
{
	struct chain_ctx *cc = ctx;
	struct lg_store_edge seen = cc->seen;
	int64_t cycle_row = 0;
	lg_edge_id e;
	int err;

	seen.pairs = pair;
	err = lg_recorder_edge(cc->c->rec, from, to, &seen, &e, &cycle_row);
	if (err)
		return err;
	cc->c->stats.deps++;
	if (cycle_row) {
		cc->c->stats.cycles++;
		log_cycle(cc->c, cycle_row);
	}
	return 0;
}

static int record_chain(struct lg_capture *c, const struct lg_chain_event *e)
{
	char frames[LG_STACK_MAX][160], *fp[LG_STACK_MAX];
	char name[160], where[128] = "", task[40];
	struct lg_held_lock held[LG_HELD_MAX];
	struct chain_ctx cc = { .c = c };
	char *chain = NULL;
	size_t chain_len = 0, nframes = 0;
	lg_class_id acquired = LG_NONE;
	unsigned int nheld = 0, nnamed = 0;
	int64_t now = (int64_t)time(NULL);
	FILE *cf;
	int err;

	/* Symbolise once; without symbols no stack is kept (no addresses). */
	for (unsigned int i = 0; c->cfg.ks && i < e->nframes; i++) {
		lg_kallsyms_format(c->cfg.ks, e->stack[i], frames[nframes],
				   sizeof(frames[0]));
		fp[nframes] = frames[nframes];
		nframes++;
	}
	if (nframes) {
		size_t skip = probe_frames(fp, nframes);
		const char *at;

		memmove(fp, fp + skip, (nframes - skip) * sizeof(*fp));
		nframes -= skip;
		at = lg_print_at_frame(fp, nframes);

		if (at)
			frame_function(at, where, sizeof(where));
	}

	cf = open_memstream(&chain, &chain_len);
	if (!cf)
		return -ENOMEM;
	for (unsigned int i = 0; i <= e->nheld; i++) {
		const struct lg_class_ref *ref = i < e->nheld ? &e->held[i] :
								&e->acquired;
		lg_class_id id;

		/* Only the acquisition's own stack says where a lock was taken. */
		err = lg_class_name(ref, c->names, c->cfg.ks,
				    i == e->nheld && where[0] ? where : NULL, name,
				    sizeof(name));
		if (err == -ENOENT) {
			/* No stable name: leave it out, counted. */
			c->stats.unnamed++;
			if (i == e->nheld) {
				err = 0;
				goto cleanup;
			}
			continue;
		}
		if (!err)
			err = lg_recorder_class(c->rec, name, NULL, now, &id);
		if (err)
			goto cleanup;
		fprintf(cf, "%s%s", nnamed ? " -> " : "", name);
		nnamed++;
		if (i < e->nheld)
			held[nheld++] = (struct lg_held_lock){ .class_id = id,
							       .mode = ref->mode,
							       .trylock = ref->trylock };
		else
			acquired = id;
	}
	if (fclose(cf)) {
		cf = NULL;
		err = -ENOMEM;
		goto cleanup;
	}
	cf = NULL;

	snprintf(task, sizeof(task), "%.*s/%u", LG_COMM_LEN,
		 e->comm, e->pid);
	cc.seen = (struct lg_store_edge){ .count = 1, .boot = c->cfg.boot,
					  .to_task = task, .now = now };
	err = lg_store_stack(c->cfg.store, fp, nframes, &cc.seen.to_stack);
	if (!err)
		err = lg_acquire_deps(held, nheld, acquired,
				      (enum lg_mode)e->acquired.mode,
				      e->acquired.trylock, record_dep, &cc);
	if (!err)
		err = lg_store_chain(c->cfg.store, chain, 1, now);
	if (!err)
		c->stats.chains++;
cleanup:
	if (cf)
		fclose(cf);
	free(chain);
	return err;
}

int lg_capture_event(struct lg_capture *c, const void *data, size_t size)
{
	const struct lg_event_header *h = data;
	char why[96];
	int err;

	err = lg_event_validate(data, size, why, sizeof(why));
	if (err) {
		c->stats.bad_events++;
		return err;
	}
	err = begin(c);
	if (err)
		return err;
	c->stats.events++;
	if (h->type == LG_EV_CLASS_NAME) {
		const struct lg_name_event *e = data;

		return lg_names_set(c->names, &e->class, e->name);
	}
	c->stats.per_source[((const struct lg_chain_event *)data)->source]++;
	return record_chain(c, data);
}

int lg_capture_contention(struct lg_capture *c, const struct lg_class_ref *ref,
			  __u32 flags, const char *where,
			  const struct lg_contention_stats *delta)
{
	char name[160];
	lg_class_id id;
	int err;

	(void)flags;
	if (!delta->count)
		return 0;
	err = lg_class_name(ref, c->names, c->cfg.ks, where, name, sizeof(name));
	if (err)
		return err;
	err = begin(c);
	if (!err)
		err = lg_recorder_class(c->rec, name, NULL, (int64_t)time(NULL), &id);
	if (!err)
		err = lg_store_contention(c->cfg.store,
					  lg_recorder_class_row(c->rec, id),
					  c->cfg.boot, (int64_t)delta->count,
					  (int64_t)delta->total_ns,
					  (int64_t)delta->max_ns);
	return err;
}

int lg_capture_drop(struct lg_capture *c, const char *source,
		    const char *reason, uint64_t count)
{
	int err;

	if (!count)
		return 0;
	err = begin(c);
	if (!err)
		err = lg_store_drop(c->cfg.store, c->cfg.boot, source, reason,
				    (int64_t)count);
	return err;
}
