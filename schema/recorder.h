/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The recorder keeps the in-memory lock-order graph and the store in step:
 * every class and edge goes to both, every new dependency gets the
 * incremental cycle check, and every circle found is stored by its
 * canonical signature.  Used by `lockgraph ingest` and by lockgraphd.
 *
 * The caller owns the transaction (lg_store_begin/commit).  After a
 * rollback the in-memory graph is ahead of the store: free the recorder.
 */
#ifndef LOCKGRAPH_SCHEMA_RECORDER_H
#define LOCKGRAPH_SCHEMA_RECORDER_H

#include "graph.h"
#include "store.h"

struct lg_recorder;

/* What a recording changed, summed over the recorder's life. */
struct lg_recorder_counts {
	int64_t classes_added;
	int64_t edges_added;
	int64_t cycles_added;
};

/*
 * Load the graph stored in @s and return a recorder on it in *@out.
 * @s stays owned by the caller and must outlive the recorder.
 */
int lg_recorder_open(struct lg_store *s, struct lg_recorder **out);

/* Free @r (NULL allowed). */
void lg_recorder_free(struct lg_recorder *r);

struct lg_graph *lg_recorder_graph(struct lg_recorder *r);
const struct lg_recorder_counts *lg_recorder_counts(const struct lg_recorder *r);

/* Find or add class @name (store and graph); @usage may be NULL. */
int lg_recorder_class(struct lg_recorder *r, const char *name,
		      const char *usage, int64_t now, lg_class_id *id);

/* The store row of graph class @id / graph edge @e (0 if unknown). */
int64_t lg_recorder_class_row(const struct lg_recorder *r, lg_class_id id);
int64_t lg_recorder_edge_row(const struct lg_recorder *r, lg_edge_id e);

/*
 * Record one sighting @seen of the dependency @from -> @to (graph ids; the
 * class row ids in @seen are filled in here).  When it closes a deadlock
 * circle the circle is stored with origin "analyzer" and, if @cycle_row is
 * not NULL, *@cycle_row gets its row when the circle is new to the store
 * (0 when none was closed, or one already stored was closed again).
 * *@edge gets the graph edge id.  Returns 0 or a negative errno.
 */
int lg_recorder_edge(struct lg_recorder *r, lg_class_id from, lg_class_id to,
		     const struct lg_store_edge *seen, lg_edge_id *edge,
		     int64_t *cycle_row);

/*
 * Store the circle @cycle (graph ids, canonicalised here) whose closing
 * edge is @closing (LG_NONE: unknown), with @origin and @report as for
 * lg_store_cycle().  *@row gets the cycle row, *@created whether it is new.
 */
int lg_recorder_store_cycle(struct lg_recorder *r, struct lg_path *cycle,
			    lg_edge_id closing, const char *origin,
			    const char *report, int64_t now, int64_t *row,
			    bool *created);

/*
 * Store up to @max strong elementary circles through graph edge @edge
 * (see lg_graph_cycles_through()), its closing edge, that are not stored
 * yet: lg_recorder_edge() stores only the shortest circle a new
 * dependency closes.  @rows (@max entries) gets the new cycles' rows,
 * *@nrows how many.  0 or -errno.
 */
int lg_recorder_cycles_through(struct lg_recorder *r, lg_edge_id edge,
			       size_t max, int64_t now, int64_t *rows,
			       size_t *nrows);

/*
 * Search the whole graph for every strong elementary cycle (see
 * lg_graph_find_cycles()) and store the ones not stored yet.  @stats gets
 * the search's figures, including whether a limit cut it short.
 */
int lg_recorder_find_all(struct lg_recorder *r, const struct lg_cycle_limits *lim,
			 int64_t now, struct lg_cycle_stats *stats);

#endif /* LOCKGRAPH_SCHEMA_RECORDER_H */
