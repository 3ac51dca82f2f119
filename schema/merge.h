/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Merging lockgraph databases (many hosts, many boots) into one, and
 * reading another database beside the open one (`lockgraph check`, `diff`).
 *
 * Rows are matched by what they mean, never by row id: hosts by name, boots
 * by boot id, classes by name, edges by their two class names, stacks by
 * their frames, cycles by signature.  Everything counted per boot (edge
 * sightings, drops, contention, source events) is taken as the larger of
 * the two values, and an edge's count is the sum over its boots: merging a
 * later copy of the same boot replaces the older figures, and merging the
 * same input twice changes nothing.
 */
#ifndef LOCKGRAPH_SCHEMA_MERGE_H
#define LOCKGRAPH_SCHEMA_MERGE_H

#include <stdbool.h>
#include <stdint.h>

#include "graph.h"
#include "store.h"

/* What one merge did. */
struct lg_merge_stats {
	bool already;		/* this content was merged before: nothing changed */
	int64_t merge_id;	/* the merges row (this merge's or the earlier one) */
	int64_t hosts, boots, edges; /* in the input */
	int64_t classes_added, edges_added, cycles_added;
	int64_t chain_collisions; /* sightings of input chains not merged: their
				     key holds another chain (a drop) */
	struct lg_cycle_stats search; /* the whole-graph cycle search after it */
};

/*
 * Attach the lockgraph database at @path to @s's connection as schema
 * @name, read only in practice (nothing here writes it).  The file is first
 * opened on its own to check that it is lockgraph's, at this schema
 * version.  Also registers the SQL functions lg_modes_union(a, b) and
 * lg_modes_minus(a, b) (mode pairs of a not in b, "" when none) on @s.
 * Not inside a transaction.  Returns 0 or -errno with @err
 * (LG_STORE_ERR_MAX bytes) naming @path and the cause.
 */
int lg_store_attach(struct lg_store *s, const char *path, const char *name,
		    char *err);

/* Detach schema @name from @s; errors are ignored (nothing was written). */
void lg_store_detach(struct lg_store *s, const char *name);

/*
 * Merge the database at @path into @s (opened for writing, no transaction
 * open) in one transaction: hosts, boots, classes, stacks, edges with
 * their per-boot sightings (modes or'ed, examples kept), chains, drops,
 * contention, probe sources, cycles (lockdep's reports kept), ingests and
 * their reports; then the whole graph is searched for cycles, so circles
 * whose edges were seen on different hosts are stored.  The input is
 * recorded by a fingerprint of its content: the same content again sets
 * @st->already and writes nothing.  Times written are the data's own
 * (the newest sighting for cycles found by the search), so the result does
 * not depend on when the merge ran; @now is only the merge record's time.
 * Returns 0 or -errno with @err (LG_STORE_ERR_MAX bytes) saying why; on
 * error @s is as it was.
 */
int lg_store_merge(struct lg_store *s, const char *path, int64_t now,
		   struct lg_merge_stats *st, char *err);

#endif /* LOCKGRAPH_SCHEMA_MERGE_H */
