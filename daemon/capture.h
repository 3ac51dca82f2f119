/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One capture session: events from the probe sources (the ring buffer, or
 * a --replay file: the same decoder) become classes, edges, chains and
 * cycles in the store, in batched transactions.  No libbpf here: tests
 * drive it with hand-built events.
 */
#ifndef LOCKGRAPH_DAEMON_CAPTURE_H
#define LOCKGRAPH_DAEMON_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/types.h>

#include "classes.h"
#include "kallsyms.h"
#include "lockgraph.h"
#include "recorder.h"
#include "store.h"

struct lg_capture_stats {
	uint64_t events;	   /* decoded */
	uint64_t bad_events;	   /* refused by the decoder */
	uint64_t chains;	   /* chain events */
	uint64_t deps;		   /* dependencies they gave (before dedup) */
	uint64_t cycles;	   /* new deadlock circles found */
	uint64_t unnamed;	   /* locks left out: no stable name */
	uint64_t unnamed_waits;	   /* contention waits left out so */
	uint64_t unnamed_ns;	   /* and their time */
	uint64_t per_source[LG_SRC_COUNT]; /* events per source; contention:
					      the waits it counted */
	uint64_t batches;	   /* transactions committed */
	uint64_t chain_collisions; /* chain sightings not stored: their key
				      holds another chain (a drop) */
};

struct lg_capture;

/* Where the capture writes and what it names things with. */
struct lg_capture_config {
	struct lg_store *store;	    /* open for writing; caller owns */
	const struct lg_kallsyms *ks; /* may be NULL: stacks stay addresses */
	int64_t boot;		    /* boot row the sightings belong to */
	FILE *log;		    /* new cycles are reported here, lockdep-style,
				       "<4>" on each line (may be NULL) */
	bool in_transaction;	    /* the caller began a transaction on @store:
				       the capture adopts it (first flush
				       commits it, free rolls it back) */
	bool only_shortest;	    /* store only the shortest circle each new
				       dependency closes (lockdep's one), not
				       up to 16 more through it */
};

/*
 * Start a capture: loads the stored graph.  Returns 0 or a negative errno
 * (the store's message in lg_store_errmsg()).
 */
int lg_capture_new(const struct lg_capture_config *cfg, struct lg_capture **out);

/* Roll back anything not flushed and free @c (NULL allowed). */
void lg_capture_free(struct lg_capture *c);

/*
 * Decode and record one event of @size bytes.  A malformed event is
 * counted (stats.bad_events) and refused with -EBADMSG, leaving the store
 * untouched; a store failure is returned as its -errno.  A transaction is
 * opened on the first event after a flush.
 */
int lg_capture_event(struct lg_capture *c, const void *data, size_t size);

/* Commit what has been recorded since the last flush. */
int lg_capture_flush(struct lg_capture *c);

/*
 * Add contention figures for @ref (per-CPU values already summed); @where
 * names an unrecognised lock by its acquiring function (may be NULL).
 * Goes into the current transaction.  A @delta of time without waits (the
 * time of waits counted in an earlier delta) is added too; a lock with no
 * stable name is counted in stats.unnamed (once per delta with waits),
 * unnamed_waits and unnamed_ns instead.
 */
int lg_capture_contention(struct lg_capture *c, const struct lg_class_ref *ref,
			  __u32 flags, const char *where,
			  const struct lg_contention_stats *delta);

/* Add @count to the drop counter @reason of @source (current transaction). */
int lg_capture_drop(struct lg_capture *c, const char *source,
		    const char *reason, uint64_t count);

const struct lg_capture_stats *lg_capture_stats(const struct lg_capture *c);

/*
 * Check the fixed part of an event: header type and size, counts within
 * bounds, class kinds and modes known.  Returns 0 or -EBADMSG with a
 * reason in @why (at least 96 bytes; NULL with @whylen 0 when not wanted).
 */
int lg_event_validate(const void *data, size_t size, char *why, size_t whylen);

#endif /* LOCKGRAPH_DAEMON_CAPTURE_H */
