/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Graph and store in step.  See recorder.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "recorder.h"

struct lg_recorder {
	struct lg_store *store;
	struct lg_graph *graph;
	int64_t *class_rows; /* graph class id -> row */
	size_t class_cap;
	int64_t *edge_rows;  /* graph edge id -> row */
	size_t edge_cap;
	struct lg_recorder_counts counts;
};

int lg_recorder_open(struct lg_store *s, struct lg_recorder **out)
{
	struct lg_recorder *r;
	int err = -ENOMEM;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->store = s;
	r->graph = lg_graph_new();
	if (!r->graph)
		goto cleanup;
	err = lg_store_load_graph(s, r->graph, &r->class_rows, &r->edge_rows);
	if (err)
		goto cleanup;
	r->class_cap = lg_graph_nclasses(r->graph);
	r->edge_cap = lg_graph_nedges(r->graph);
	*out = r;
	return 0;
cleanup:
	lg_recorder_free(r);
	return err;
}

void lg_recorder_free(struct lg_recorder *r)
{
	if (!r)
		return;
	lg_graph_free(r->graph);
	free(r->class_rows);
	free(r->edge_rows);
	free(r);
}

struct lg_graph *lg_recorder_graph(struct lg_recorder *r)
{
	return r->graph;
}

const struct lg_recorder_counts *lg_recorder_counts(const struct lg_recorder *r)
{
	return &r->counts;
}

int64_t lg_recorder_class_row(const struct lg_recorder *r, lg_class_id id)
{
	return id < lg_graph_nclasses(r->graph) ? r->class_rows[id] : 0;
}

int64_t lg_recorder_edge_row(const struct lg_recorder *r, lg_edge_id e)
{
	return e < lg_graph_nedges(r->graph) ? r->edge_rows[e] : 0;
}

int lg_recorder_class(struct lg_recorder *r, const char *name,
		      const char *usage, int64_t now, lg_class_id *id)
{
	bool created;
	int64_t row;
	int err;

	err = lg_store_class(r->store, name, usage, now, &row, &created);
	if (err)
		return err;
	err = lg_graph_class(r->graph, name, true, id);
	if (err)
		return err;
	err = lg_array_grow((void **)&r->class_rows, &r->class_cap,
			    (size_t)*id + 1, sizeof(*r->class_rows));
	if (err)
		return err;
	r->class_rows[*id] = row;
	if (created)
		r->counts.classes_added++;
	return 0;
}

int lg_recorder_store_cycle(struct lg_recorder *r, struct lg_path *cycle,
			    lg_edge_id closing, const char *origin,
			    const char *report, int64_t now, int64_t *row,
			    bool *created)
{
	int64_t *edges;
	char *sig = NULL;
	int err;

	err = lg_cycle_canonicalize(r->graph, cycle, &sig);
	if (err)
		return err;
	edges = malloc(cycle->n * sizeof(*edges));
	if (!edges) {
		free(sig);
		return -ENOMEM;
	}
	for (size_t i = 0; i < cycle->n; i++)
		edges[i] = lg_recorder_edge_row(r, cycle->edges[i]);
	err = lg_store_cycle(r->store, sig, edges, cycle->n,
			     closing == LG_NONE ? 0 : lg_recorder_edge_row(r, closing),
			     origin, report, now, row, created);
	if (!err && *created)
		r->counts.cycles_added++;
	free(edges);
	free(sig);
	return err;
}

int lg_recorder_edge(struct lg_recorder *r, lg_class_id from, lg_class_id to,
		     const struct lg_store_edge *seen, lg_edge_id *edge,
		     int64_t *cycle_row)
{
	struct lg_store_edge rec = *seen;
	struct lg_path cycle = { 0 };
	bool created, cycle_created;
	int64_t row, crow = 0;
	int ret, err;

	if (cycle_row)
		*cycle_row = 0;
	rec.from_class = lg_recorder_class_row(r, from);
	rec.to_class = lg_recorder_class_row(r, to);
	if (!rec.from_class || !rec.to_class || from == to)
		return -EINVAL;
	err = lg_store_edge(r->store, &rec, &row, &created, NULL);
	if (err)
		return err;
	ret = lg_graph_add_edge(r->graph, from, to, seen->pairs, edge, NULL,
				&cycle);
	if (ret < 0)
		return ret;
	err = lg_array_grow((void **)&r->edge_rows, &r->edge_cap,
			    (size_t)*edge + 1, sizeof(*r->edge_rows));
	if (err)
		goto cleanup;
	r->edge_rows[*edge] = row;
	if (created)
		r->counts.edges_added++;
	if (ret == 1) {
		err = lg_recorder_store_cycle(r, &cycle, *edge, "analyzer", NULL,
					      seen->now, &crow, &cycle_created);
		/* a known circle closed again (another mode pair) is not new */
		if (!err && cycle_row && cycle_created)
			*cycle_row = crow;
	}
cleanup:
	lg_path_free(&cycle);
	return err;
}

/* Where a found circle goes: lg_recorder_find_all(), _cycles_through(). */
struct store_ctx {
	struct lg_recorder *r;
	int64_t now;
	lg_edge_id closing;	/* LG_NONE: lg_graph_closing_edge() */
	int64_t *rows;		/* new rows (NULL: not wanted) */
	size_t nrows;
};

static int store_found(const struct lg_graph *g, const struct lg_path *cycle,
		       void *ctx)
{
	struct store_ctx *c = ctx;
	struct lg_path copy = { 0 };
	lg_edge_id closing = c->closing;
	bool created;
	int64_t row;
	int err;

	err = lg_path_copy(&copy, cycle);
	if (err)
		return err;
	if (closing == LG_NONE)
		closing = lg_graph_closing_edge(g, &copy);
	err = lg_recorder_store_cycle(c->r, &copy, closing, "analyzer", NULL,
				      c->now, &row, &created);
	lg_path_free(&copy);
	if (!err && created && c->rows)
		c->rows[c->nrows++] = row;
	return err;
}

int lg_recorder_cycles_through(struct lg_recorder *r, lg_edge_id edge,
			       size_t max, int64_t now, int64_t *rows,
			       size_t *nrows)
{
	struct store_ctx t = { .r = r, .now = now, .closing = edge,
			       .rows = rows };
	int ret;

	ret = lg_graph_cycles_through(r->graph, edge, max, store_found, &t);
	*nrows = t.nrows;
	return ret < 0 ? ret : 0;
}

int lg_recorder_find_all(struct lg_recorder *r, const struct lg_cycle_limits *lim,
			 int64_t now, struct lg_cycle_stats *stats)
{
	struct store_ctx ctx = { .r = r, .now = now, .closing = LG_NONE };

	return lg_graph_find_cycles(r->graph, lim, store_found, &ctx, stats);
}
