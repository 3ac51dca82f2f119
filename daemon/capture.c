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

#include "array.h"
#include "capture.h"
#include "keymap.h"
#include "cycle_report.h"
#include "splat_print.h"

/* A chain of the batch to write: its key and its counter. */
struct chain_row {
	int64_t key;
	struct lg_keymap_slot *slot;
};

/*
 * A chain sighting not counted yet.  Counting is a lookup in a map of a
 * few hundred thousand chains, two cache misses that would stall each
 * event; in this queue the map's slot and then its entry are prefetched
 * while later events are decoded, and the count lands CHAIN_QUEUE events
 * later (always before the batch is written).
 */
#define CHAIN_QUEUE 16

/*
 * Circles stored and reported per new dependency beside the shortest one
 * its check found (lockdep reports one; lockgraph ingest and merge search
 * the whole graph).  A bound: in a dense graph one dependency can close
 * thousands, each a row and a report.
 */
#define LG_MORE_CIRCLES 16
struct queued_chain {
	uint64_t hash;
	uint32_t n;
	uint32_t ids[LG_HELD_MAX + 1];
};

/*
 * In front of class_refs: the last (key, kind, subclass) seen at each of
 * 1 << REF_CACHE_BITS places, with its value there, so the few hundred
 * references a stream repeats cost a multiply and a compare each.
 */
#define REF_CACHE_BITS 9
struct ref_cache {
	uint64_t key;
	uint16_t kind;
	uint8_t subclass;
	uint8_t used;
	int64_t value;	/* as in class_refs, never 0 */
};

/* What the capture knows of a graph edge this session. */
struct edge_memo {
	int64_t pending;  /* sightings counted since the last flush */
	bool written;	  /* its row got a sighting with examples this session */
};

struct lg_capture {
	struct lg_capture_config cfg;
	struct lg_recorder *rec;
	struct lg_names *names;
	bool in_tx;
	struct lg_capture_stats stats;

	/*
	 * Write-behind.  A dependency seen before in this session only counts
	 * in memory; lg_capture_flush() writes the counts once per batch.
	 * The first sighting of an edge in a session goes to the store whole
	 * (modes, example stacks and tasks), as does any new mode pair.
	 */
	struct lg_keymap class_refs; /* (key, kind, subclass) -> class id + 1,
					-1: no stable name, 0: not known yet */
	struct ref_cache ref_cache[1 << REF_CACHE_BITS];
	struct lg_keymap chains;     /* class ids of a chain -> sightings */
	struct edge_memo *edges;     /* by graph edge id */
	size_t edges_cap;
	lg_edge_id *dirty_edges;     /* edges with pending sightings */
	size_t ndirty_edges, dirty_edges_cap;
	uint8_t *class_seen;	     /* by graph class id: seen this batch */
	size_t class_seen_cap;
	lg_class_id *dirty_classes;
	size_t ndirty_classes, dirty_classes_cap;
	int64_t batch_now;	     /* latest event time of the batch */
	struct queued_chain queue[CHAIN_QUEUE]; /* a ring, oldest at qhead */
	unsigned int qhead, qlen;
	struct chain_row *chain_rows; /* write_chains()' scratch */
	size_t chain_rows_cap;
	int64_t data_version;	     /* the store's, at the last catch_up() */
	bool caught_up;		     /* catch_up() has run once */
};

static int catch_up(struct lg_capture *c);

int lg_capture_new(const struct lg_capture_config *cfg, struct lg_capture **out)
{
	struct lg_capture *c;
	int err;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->cfg = *cfg;
	c->in_tx = cfg->in_transaction;
	c->names = lg_names_new();
	if (!c->names) {
		free(c);
		return -ENOMEM;
	}
	err = lg_recorder_open(cfg->store, &c->rec);
	if (!err && c->in_tx)
		err = catch_up(c);	/* begin() will not: the caller did */
	if (err) {
		lg_recorder_free(c->rec);
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
	lg_keymap_free(&c->class_refs);
	lg_keymap_free(&c->chains);
	free(c->edges);
	free(c->dirty_edges);
	free(c->class_seen);
	free(c->dirty_classes);
	free(c->chain_rows);
	free(c);
}

const struct lg_capture_stats *lg_capture_stats(const struct lg_capture *c)
{
	return &c->stats;
}

/*
 * Search the whole graph for circles and store those not stored yet:
 * edges written by another program (lockgraph ingest or merge, another
 * lockgraphd) may close a circle with ours, and loading a graph adds its
 * edges without reporting the circles they close.
 */
static int search_all(struct lg_capture *c, const char *why)
{
	const struct lg_recorder_counts *rc = lg_recorder_counts(c->rec);
	int64_t before = rc->cycles_added;
	struct lg_cycle_stats cs;
	int err;

	err = lg_recorder_find_all(c->rec, NULL, (int64_t)time(NULL), &cs);
	if (err)
		return err;
	c->stats.cycles += (uint64_t)(rc->cycles_added - before);
	if (c->cfg.log && rc->cycles_added > before)
		fprintf(c->cfg.log, "<4>lockgraphd: %lld cycles %s, not stored "
			"before: see `lockgraph cycles`\n",
			(long long)(rc->cycles_added - before), why);
	if (c->cfg.log && cs.truncated)
		fprintf(c->cfg.log, "<4>lockgraphd: cycle search incomplete: "
			"%s\n", cs.truncated_why);
	return 0;
}

/*
 * At the start of a transaction: once, the circles the stored graph
 * already closes; then, whenever another connection has committed since
 * (PRAGMA data_version), the graph is loaded again (its ids may all
 * change: every cache keyed by them is emptied; a batch's counts were
 * written by the flush before) and searched again.  Without it an edge
 * another writer added is missing from our graph, and a circle it closes
 * with ours is never found.
 */
static int catch_up(struct lg_capture *c)
{
	struct lg_recorder *rec;
	int64_t v;
	int err;

	err = lg_store_data_version(c->cfg.store, &v);
	if (err)
		return err;
	if (!c->caught_up) {
		c->caught_up = true;
		c->data_version = v;
		return search_all(c, "closed in the stored graph");
	}
	if (v == c->data_version)
		return 0;
	c->data_version = v;
	err = lg_recorder_open(c->cfg.store, &rec);
	if (err)
		return err;
	lg_recorder_free(c->rec);
	c->rec = rec;
	lg_keymap_clear(&c->class_refs);
	memset(c->ref_cache, 0, sizeof(c->ref_cache));
	if (c->edges)
		memset(c->edges, 0, c->edges_cap * sizeof(*c->edges));
	if (c->class_seen)
		memset(c->class_seen, 0,
		       c->class_seen_cap * sizeof(*c->class_seen));
	c->ndirty_edges = c->ndirty_classes = 0;
	return search_all(c, "closed with another writer's edges");
}

static int begin(struct lg_capture *c)
{
	int err;

	if (c->in_tx)
		return 0;
	err = lg_store_begin(c->cfg.store);
	if (err)
		return err;
	c->in_tx = true;
	return catch_up(c);
}

/* "a -> b -> c" of the chain of class ids @ids; its length in *@len. */
static int chain_text(struct lg_capture *c, const uint32_t *ids, size_t n,
		      char *buf, size_t size, size_t *len)
{
	struct lg_graph *g = lg_recorder_graph(c->rec);
	size_t at = 0;

	for (size_t i = 0; i < n; i++) {
		const char *name = lg_graph_class_name(g, ids[i]);
		size_t w;

		if (!name)
			return -EINVAL;
		w = strlen(name);
		if (at + w + 5 > size)
			return -ENAMETOOLONG;
		if (i) {
			memcpy(buf + at, " -> ", 4);
			at += 4;
		}
		memcpy(buf + at, name, w);
		at += w;
	}
	buf[at] = '\0';
	*len = at;
	return 0;
}

/* Count the oldest queued chain sighting. */
static int count_oldest_chain(struct lg_capture *c)
{
	struct queued_chain *q = &c->queue[c->qhead];
	int64_t *count;

	count = lg_keymap_get_hashed(&c->chains, q->ids, q->n * sizeof(q->ids[0]),
				     q->hash, NULL);
	if (!count)
		return -ENOMEM;
	(*count)++;
	c->qhead = (c->qhead + 1) % CHAIN_QUEUE;
	c->qlen--;
	return 0;
}

/* Queue a sighting of the chain @ids (@n classes); see struct queued_chain. */
static int queue_chain(struct lg_capture *c, const uint32_t *ids, uint32_t n)
{
	struct queued_chain *q;
	int err;

	if (c->qlen == CHAIN_QUEUE) {
		err = count_oldest_chain(c);
		if (err)
			return err;
	}
	q = &c->queue[(c->qhead + c->qlen++) % CHAIN_QUEUE];
	q->n = n;
	memcpy(q->ids, ids, n * sizeof(ids[0]));
	q->hash = lg_keymap_hash(ids, n * sizeof(ids[0]));
	lg_keymap_prefetch_slot(&c->chains, q->hash);
	if (c->qlen > CHAIN_QUEUE / 2)
		lg_keymap_prefetch_entry(&c->chains,
			c->queue[(c->qhead + c->qlen - 1 - CHAIN_QUEUE / 2) %
				 CHAIN_QUEUE].hash);
	return 0;
}

static int cmp_chain_row(const void *a, const void *b)
{
	const struct chain_row *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key;
}

/*
 * Write the chains counted in the batch, in key order (appends to the
 * table's B-tree rather than random inserts).  A key that holds another
 * chain is a collision: those sightings are counted as a drop.
 */
static int write_chains(struct lg_capture *c)
{
	char text[(LG_HELD_MAX + 1) * 168];
	struct lg_keymap_slot *slot;
	uint64_t collided = 0;
	size_t i = 0, n = 0, len;
	int err;

	while (c->qlen) {
		err = count_oldest_chain(c);
		if (err)
			return err;
	}
	err = lg_array_grow((void **)&c->chain_rows, &c->chain_rows_cap,
			    c->chains.n, sizeof(*c->chain_rows));
	if (err)
		return err;
	while ((slot = lg_keymap_next(&c->chains, &i))) {
		err = chain_text(c, (const uint32_t *)slot->key,
				 slot->len / sizeof(uint32_t), text, sizeof(text),
				 &len);
		if (err)
			return err;
		c->chain_rows[n++] = (struct chain_row){
			.key = lg_chain_key(text, len), .slot = slot };
	}
	if (n)	/* chain_rows is NULL before the first chain */
		qsort(c->chain_rows, n, sizeof(*c->chain_rows), cmp_chain_row);
	for (i = 0; i < n; i++) {
		/* in key order the entries are scattered: fetch ahead */
		if (i + CHAIN_QUEUE < n)
			__builtin_prefetch(c->chain_rows[i + CHAIN_QUEUE].slot);
		slot = c->chain_rows[i].slot;
		err = chain_text(c, (const uint32_t *)slot->key,
				 slot->len / sizeof(uint32_t), text, sizeof(text),
				 &len);
		if (!err)
			err = lg_store_chain(c->cfg.store, c->chain_rows[i].key,
					     text, len, slot->value, c->batch_now);
		if (err == -EEXIST) {
			collided += (uint64_t)slot->value;
			err = 0;
		}
		if (err)
			return err;
	}
	lg_keymap_clear(&c->chains);
	if (!collided)
		return 0;
	c->stats.chain_collisions += collided;
	return lg_store_drop(c->cfg.store, c->cfg.boot, "daemon",
			     "chain_key_collision", (int64_t)collided);
}

/* Write what the batch counted in memory: edges, classes, chains. */
static int write_behind(struct lg_capture *c)
{
	struct lg_store *s = c->cfg.store;
	int err;

	for (; c->ndirty_edges; c->ndirty_edges--) {
		lg_edge_id e = c->dirty_edges[c->ndirty_edges - 1];

		err = lg_store_edge_seen(s, lg_recorder_edge_row(c->rec, e),
					 c->cfg.boot, c->edges[e].pending,
					 c->batch_now);
		if (err)
			return err;
		c->edges[e].pending = 0;
	}
	for (; c->ndirty_classes; c->ndirty_classes--) {
		lg_class_id id = c->dirty_classes[c->ndirty_classes - 1];

		err = lg_store_class_seen(s, lg_recorder_class_row(c->rec, id),
					  c->batch_now);
		if (err)
			return err;
		c->class_seen[id] = 0;
	}
	return write_chains(c);
}

int lg_capture_flush(struct lg_capture *c)
{
	int err;

	if (!c->in_tx)
		return 0;
	err = write_behind(c);
	if (err)
		return err;
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

/*
 * Log a new cycle the way lockdep would print it, each line with the
 * sd-daemon warning prefix.  The report reads the open transaction.
 */
static void log_cycle(struct lg_capture *c, int64_t cycle_row)
{
	char *text = NULL, *out = NULL, *line, *save = NULL;
	size_t len = 0, outlen = 0;
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
	/* One write for the report: the log is often unbuffered stderr. */
	f = open_memstream(&out, &outlen);
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		fprintf(f ? f : c->cfg.log, "<4>%s\n", line);
	if (f && !fclose(f))
		fwrite(out, 1, outlen, c->cfg.log);
	free(out);
	free(text);
}

/* An event's stack, symbolised on first need (most events never need it). */
struct event_stack {
	const struct lg_chain_event *e;
	bool symbolised, stored;
	char frames[LG_STACK_MAX][160];
	char *fp[LG_STACK_MAX];
	size_t nframes;
	char where[128];	/* the acquiring function, or "" */
	int64_t row;		/* stacks row, 0: none */
};

static void symbolise(struct lg_capture *c, struct event_stack *st)
{
	const struct lg_chain_event *e = st->e;

	if (st->symbolised)
		return;
	st->symbolised = true;
	/* Without symbols no stack is kept (no addresses). */
	for (unsigned int i = 0; c->cfg.ks && i < e->nframes; i++) {
		lg_kallsyms_format(c->cfg.ks, e->stack[i], st->frames[st->nframes],
				   sizeof(st->frames[0]));
		st->fp[st->nframes] = st->frames[st->nframes];
		st->nframes++;
	}
	if (st->nframes) {
		size_t skip = probe_frames(st->fp, st->nframes);
		const char *at;

		memmove(st->fp, st->fp + skip, (st->nframes - skip) * sizeof(*st->fp));
		st->nframes -= skip;
		at = lg_print_at_frame(st->fp, st->nframes);
		if (at)
			lg_frame_function(at, st->where, sizeof(st->where));
	}
}

/* Remember that class @id was seen in this batch. */
static int class_seen(struct lg_capture *c, lg_class_id id)
{
	int err;

	err = lg_array_grow((void **)&c->class_seen, &c->class_seen_cap,
			 (size_t)id + 1, sizeof(*c->class_seen));
	if (err)
		return err;
	if (c->class_seen[id])
		return 0;
	err = lg_array_grow((void **)&c->dirty_classes, &c->dirty_classes_cap,
			 c->ndirty_classes + 1, sizeof(*c->dirty_classes));
	if (err)
		return err;
	c->class_seen[id] = 1;
	c->dirty_classes[c->ndirty_classes++] = id;
	return 0;
}

/* Find or add the class @name; a class the graph has is in the store. */
static int named_class(struct lg_capture *c, const char *name, int64_t now,
		       lg_class_id *id)
{
	if (!lg_graph_class(lg_recorder_graph(c->rec), name, false, id))
		return class_seen(c, *id);
	return lg_recorder_class(c->rec, name, NULL, now, id);
}

/*
 * The class of @ref as named without a stack: *@id, or LG_NONE when it has
 * no stable name that way.  Cached by (key, kind, subclass) until a name
 * event arrives.
 */
static int ref_class(struct lg_capture *c, const struct lg_class_ref *ref,
		     int64_t now, lg_class_id *id)
{
	unsigned char key[sizeof(ref->key) + sizeof(ref->kind) + 1];
	uint64_t mix = (ref->key ^ (uint64_t)ref->kind << 48 ^
			(uint64_t)ref->subclass << 40) * 0x9e3779b97f4a7c15ULL;
	struct ref_cache *rc = &c->ref_cache[mix >> (64 - REF_CACHE_BITS)];
	char name[160];
	int64_t *v;
	int err;

	if (rc->used && rc->key == ref->key && rc->kind == ref->kind &&
	    rc->subclass == ref->subclass) {
		if (rc->value < 0) {
			*id = LG_NONE;
			return 0;
		}
		*id = (lg_class_id)(rc->value - 1);
		return class_seen(c, *id);
	}
	*rc = (struct ref_cache){ .key = ref->key, .kind = ref->kind,
				  .subclass = ref->subclass };
	memcpy(key, &ref->key, sizeof(ref->key));
	memcpy(key + sizeof(ref->key), &ref->kind, sizeof(ref->kind));
	key[sizeof(key) - 1] = ref->subclass;
	v = lg_keymap_get(&c->class_refs, key, sizeof(key), NULL);
	if (!v)
		return -ENOMEM;
	if (*v > 0) {
		rc->value = *v;
		rc->used = 1;
		*id = (lg_class_id)(*v - 1);
		return class_seen(c, *id);
	}
	if (*v < 0) {
		rc->value = *v;
		rc->used = 1;
		*id = LG_NONE;
		return 0;
	}
	err = lg_class_name(ref, c->names, c->cfg.ks, NULL, name, sizeof(name));
	if (err == -ENOENT) {
		*v = -1;
		*id = LG_NONE;
		return 0;
	}
	if (!err)
		err = lg_recorder_class(c->rec, name, NULL, now, id);
	if (err)
		return err;
	*v = (int64_t)*id + 1;
	return 0;
}

/*
 * The class of @ref at the acquisition of @st's event: an unrecognised
 * lock without a symbol is named after its acquiring function.
 */
static int acquired_class(struct lg_capture *c, const struct lg_class_ref *ref,
			  struct event_stack *st, int64_t now, lg_class_id *id)
{
	char name[160];
	int err;

	err = ref_class(c, ref, now, id);
	if (err || *id != LG_NONE)
		return err;
	symbolise(c, st);
	if (!st->where[0])
		return 0;
	err = lg_class_name(ref, c->names, c->cfg.ks, st->where, name,
			    sizeof(name));
	if (err == -ENOENT)
		return 0;
	return err ? err : named_class(c, name, now, id);
}

struct chain_ctx {
	struct lg_capture *c;
	struct event_stack *st;
	struct lg_store_edge seen;
	char task[40];		/* "comm/pid", made on first need */
};

/* A sighting of an edge already written this session: count it. */
static int count_edge(struct lg_capture *c, lg_edge_id e)
{
	int err;

	if (!c->edges[e].pending) {
		err = lg_array_grow((void **)&c->dirty_edges, &c->dirty_edges_cap,
				 c->ndirty_edges + 1, sizeof(*c->dirty_edges));
		if (err)
			return err;
		c->dirty_edges[c->ndirty_edges++] = e;
	}
	c->edges[e].pending++;
	return 0;
}

static int record_dep(lg_class_id from, lg_class_id to, unsigned int pair,
		      void *ctx)
{
	struct chain_ctx *cc = ctx;
	struct lg_capture *c = cc->c;
	struct lg_store_edge seen = cc->seen;
	struct lg_graph *g = lg_recorder_graph(c->rec);
	int64_t cycle_row = 0;
	unsigned int pairs;
	lg_edge_id e;
	int err;

	c->stats.deps++;
	e = lg_graph_find_edge(g, from, to);
	if (e != LG_NONE && e < c->edges_cap && c->edges[e].written &&
	    !lg_graph_edge(g, e, NULL, NULL, &pairs) && (pairs & pair) == pair)
		return count_edge(c, e);

	/* New to this session: the whole sighting, with its example stack. */
	if (!cc->st->stored) {
		symbolise(c, cc->st);
		err = lg_store_stack(c->cfg.store, cc->st->fp, cc->st->nframes,
				     &cc->st->row);
		if (err)
			return err;
		cc->st->stored = true;
	}
	if (!cc->task[0])
		snprintf(cc->task, sizeof(cc->task), "%.*s/%u", LG_COMM_LEN,
			 cc->st->e->comm, cc->st->e->pid);
	seen.to_task = cc->task;
	seen.to_stack = cc->st->row;
	seen.pairs = pair;
	err = lg_recorder_edge(c->rec, from, to, &seen, &e, &cycle_row);
	if (err)
		return err;
	err = lg_array_grow((void **)&c->edges, &c->edges_cap, (size_t)e + 1,
			 sizeof(*c->edges));
	if (err)
		return err;
	c->edges[e].written = true;
	if (cycle_row) {
		int64_t more[LG_MORE_CIRCLES];
		size_t nmore;

		c->stats.cycles++;
		log_cycle(c, cycle_row);
		/* the check named a shortest circle; a few more, each reported */
		err = lg_recorder_cycles_through(c->rec, e,
						 c->cfg.only_shortest ? 0 :
						 LG_MORE_CIRCLES,
						 seen.now, more, &nmore);
		if (err)
			return err;
		for (size_t i = 0; i < nmore; i++) {
			c->stats.cycles++;
			log_cycle(c, more[i]);
		}
	}
	return 0;
}

static int record_chain(struct lg_capture *c, const struct lg_chain_event *e)
{
	struct lg_held_lock held[LG_HELD_MAX];
	struct event_stack st;
	struct chain_ctx cc = { .c = c, .st = &st };
	uint32_t ids[LG_HELD_MAX + 1];
	lg_class_id acquired = LG_NONE;
	unsigned int nheld = 0, nnamed = 0;
	int64_t now = (int64_t)time(NULL);
	int err;

	if (now > c->batch_now)
		c->batch_now = now;
	/* Not zeroed whole: its frames are written only when symbolised. */
	st.e = e;
	st.symbolised = st.stored = false;
	st.nframes = 0;
	st.where[0] = '\0';
	st.row = 0;
	for (unsigned int i = 0; i < e->nheld; i++) {
		const struct lg_class_ref *ref = &e->held[i];
		lg_class_id id;

		err = ref_class(c, ref, now, &id);
		if (err)
			return err;
		if (id == LG_NONE) {
			/* No stable name: leave it out, counted. */
			c->stats.unnamed++;
			continue;
		}
		ids[nnamed++] = id;
		held[nheld++] = (struct lg_held_lock){ .class_id = id,
						       .mode = e->held[i].mode,
						       .trylock = e->held[i].trylock };
	}
	err = acquired_class(c, &e->acquired, &st, now, &acquired);
	if (err)
		return err;
	if (acquired == LG_NONE) {
		c->stats.unnamed++;
		return 0;
	}
	ids[nnamed++] = acquired;

	cc.seen = (struct lg_store_edge){ .count = 1, .boot = c->cfg.boot,
					  .now = now };
	err = lg_acquire_deps(held, nheld, acquired,
			      (enum lg_mode)e->acquired.mode,
			      e->acquired.trylock, record_dep, &cc);
	if (err)
		return err;
	err = queue_chain(c, ids, nnamed);
	if (err)
		return err;
	c->stats.chains++;
	return 0;
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

		/* Names decide classes: forget what was named without it. */
		lg_keymap_clear(&c->class_refs);
		memset(c->ref_cache, 0, sizeof(c->ref_cache));
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
	if (!delta->count && !delta->total_ns)
		return 0;
	err = lg_class_name(ref, c->names, c->cfg.ks, where, name, sizeof(name));
	if (err == -ENOENT) {
		/* No stable name (no symbols, no waiter): counted, as for chains. */
		c->stats.unnamed += delta->count ? 1 : 0;
		c->stats.unnamed_waits += delta->count;
		c->stats.unnamed_ns += delta->total_ns;
		return 0;
	}
	if (err)
		return err;
	err = begin(c);
	if (!err)
		err = named_class(c, name, (int64_t)time(NULL), &id);
	if (!err)
		err = lg_store_contention(c->cfg.store,
					  lg_recorder_class_row(c->rec, id),
					  c->cfg.boot, (int64_t)delta->count,
					  (int64_t)delta->total_ns,
					  (int64_t)delta->max_ns);
	if (!err)
		c->stats.per_source[LG_SRC_CONTENTION] += delta->count;
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
