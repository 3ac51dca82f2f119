/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Stored cycles as lockdep-style reports.  See cycle_report.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "cycle_report.h"
#include "splat_print.h"

const char *lg_format_time(int64_t t, char *buf)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, 24, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, 24, "%lld", (long long)t);
	return buf;
}

void lg_frames_split(const char *text, struct lg_frames *f)
{
	size_t count = 1;
	char *save = NULL, *tok;

	memset(f, 0, sizeof(*f));
	if (!text || !*text)
		return;
	for (const char *p = text; *p; p++)
		count += *p == '\n';
	f->v = calloc(count, sizeof(*f->v));
	f->buf = strdup(text);
	if (!f->v || !f->buf) {
		free(f->v);
		free(f->buf);
		memset(f, 0, sizeof(*f));
		return;
	}
	for (tok = strtok_r(f->buf, "\n", &save); tok && f->n < count;
	     tok = strtok_r(NULL, "\n", &save))
		f->v[f->n++] = tok;
}

void lg_frames_free(struct lg_frames *f)
{
	free(f->v);
	free(f->buf);
	memset(f, 0, sizeof(*f));
}

struct edge_row {
	int64_t edge_id;
	char *from, *to, *usage, *to_usage, *modes, *to_task, *seen;
	struct lg_frames to_frames, from_frames;
};

/* What fill_row() reads, from edges e and the joins below. */
#define EDGE_ROW_COLUMNS						\
	"e.id, f.name, t.name, f.usage, e.modes, e.to_task, ts.frames, "	\
	"fs.frames, e.count, e.first_seen, t.usage"
#define EDGE_ROW_JOINS							\
	"JOIN classes f ON f.id = e.from_class "				\
	"JOIN classes t ON t.id = e.to_class "				\
	"LEFT JOIN stacks ts ON ts.id = e.to_stack "			\
	"LEFT JOIN stacks fs ON fs.id = e.from_stack "

/*
 * The queries, kept prepared by the store (lg_store_stmt(): lockgraphd
 * prints a report for every circle it finds; preparing these joins for
 * each took a fifth of a replay's CPU).
 */
static const char sql_seen[] =
	"SELECT h.name, b.boot_id, b.kernel, eb.count "
	"FROM edge_boots eb JOIN boots b ON b.id = eb.boot_id "
	"JOIN hosts h ON h.id = b.host_id WHERE eb.edge_id = ?1 "
	"ORDER BY eb.first_seen, b.id";
static const char sql_cycle[] =
	"SELECT closing_edge, status, origin, first_seen "
	"FROM cycles WHERE id = ?1";
static const char sql_cycle_edges[] =
	"SELECT " EDGE_ROW_COLUMNS " FROM cycle_edges ce "
	"JOIN edges e ON e.id = ce.edge_id " EDGE_ROW_JOINS
	"WHERE ce.cycle_id = ?1 ORDER BY ce.pos";
static const char sql_edge[] =
	"SELECT " EDGE_ROW_COLUMNS " FROM edges e " EDGE_ROW_JOINS
	"WHERE e.id = ?1";

static const char *col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* "3 times, first ...; seen on host H boot B (kernel); ..." */
static char *seen_text(struct lg_store *s, int64_t edge_id, int64_t count,
		       int64_t first_seen)
{
	sqlite3_stmt *st;
	char *buf = NULL, t1[24];
	size_t len = 0;
	FILE *f;
	int nboots = 0, err;

	f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	fprintf(f, "%lld time%s, first %s; seen on", (long long)count,
		count == 1 ? "" : "s", lg_format_time(first_seen, t1));
	st = lg_store_stmt(s, sql_seen, &err);
	if (st) {
		sqlite3_bind_int64(st, 1, edge_id);
		while (sqlite3_step(st) == SQLITE_ROW) {
			if (nboots < 3)
				fprintf(f, "%s host %s boot %s%s%s%s",
					nboots ? ";" : "", col_text(st, 0),
					col_text(st, 1),
					col_text(st, 2) ? " (" : "",
					col_text(st, 2) ? col_text(st, 2) : "",
					col_text(st, 2) ? ")" : "");
			nboots++;
		}
		sqlite3_reset(st);
	}
	if (nboots > 3)
		fprintf(f, "; and %d more boots", nboots - 3);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void free_rows(struct edge_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].from);
		free(rows[i].to);
		free(rows[i].usage);
		free(rows[i].to_usage);
		free(rows[i].modes);
		free(rows[i].to_task);
		free(rows[i].seen);
		lg_frames_free(&rows[i].to_frames);
		lg_frames_free(&rows[i].from_frames);
	}
	free(rows);
}

/* One edge row from a statement selecting EDGE_ROW_COLUMNS. */
static void fill_row(struct lg_store *s, sqlite3_stmt *st, struct edge_row *r)
{
	memset(r, 0, sizeof(*r));
	r->edge_id = sqlite3_column_int64(st, 0);
	r->from = dup_or_null(col_text(st, 1));
	r->to = dup_or_null(col_text(st, 2));
	r->usage = dup_or_null(col_text(st, 3));
	r->modes = dup_or_null(col_text(st, 4));
	r->to_task = dup_or_null(col_text(st, 5));
	lg_frames_split(col_text(st, 6), &r->to_frames);
	lg_frames_split(col_text(st, 7), &r->from_frames);
	r->seen = seen_text(s, r->edge_id, sqlite3_column_int64(st, 8),
			    sqlite3_column_int64(st, 9));
	r->to_usage = dup_or_null(col_text(st, 10));
}

/* @r as the printer wants it; @e points into @r. */
static void to_print_edge(const struct edge_row *r, struct lg_print_edge *e)
{
	e->from = r->from;
	e->to = r->to;
	e->from_usage = r->usage;
	if (lg_mode_pairs_parse(r->modes ? r->modes : "", &e->pairs))
		e->pairs = lg_mode_pair(LG_MODE_WRITE, LG_MODE_WRITE);
	e->to_frames = r->to_frames.v;
	e->nto_frames = r->to_frames.n;
	e->from_frames = r->from_frames.v;
	e->nfrom_frames = r->from_frames.n;
	e->to_task = r->to_task;
	e->seen = r->seen;
}

int lg_store_print_cycle(struct lg_store *s, int64_t id, FILE *f)
{
	struct edge_row *rows = NULL;
	struct lg_print_edge *edges = NULL;
	struct lg_print_cycle pc = { 0 };
	char version[160], t1[24];
	int64_t closing;
	size_t n = 0, cap = 0, start = 0;
	sqlite3_stmt *st = NULL;
	int rc, err = -EIO;

	st = lg_store_stmt(s, sql_cycle, &err);
	if (!st)
		goto cleanup;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		err = rc == SQLITE_DONE ? -ENOENT :
			lg_store_db_error(s, rc, "reading the cycle");
		goto cleanup;
	}
	closing = sqlite3_column_int64(st, 0);
	snprintf(version, sizeof(version),
		 "lockgraph cycle #%lld (%s, %s), first seen %s UTC",
		 (long long)id, col_text(st, 2), col_text(st, 1),
		 lg_format_time(sqlite3_column_int64(st, 3), t1));
	sqlite3_reset(st);

	st = lg_store_stmt(s, sql_cycle_edges, &err);
	if (!st)
		goto cleanup;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct edge_row *r;

		if (n == cap) {
			struct edge_row *nr;

			cap = cap ? cap * 2 : 8;
			nr = realloc(rows, cap * sizeof(*rows));
			if (!nr) {
				err = -ENOMEM;
				goto cleanup;
			}
			rows = nr;
		}
		r = &rows[n++];
		fill_row(s, st, r);
		if (r->edge_id == closing)
			start = n; /* print from the edge after the closing one */
	}
	if (rc != SQLITE_DONE) {
		err = lg_store_db_error(s, rc, "reading the cycle's edges");
		goto cleanup;
	}
	err = -EINVAL;
	if (n < 2)
		goto cleanup;
	err = -ENOMEM;
	edges = calloc(n, sizeof(*edges));
	if (!edges)
		goto cleanup;
	for (size_t i = 0; i < n; i++)
		to_print_edge(&rows[(start + i) % n], &edges[i]);
	pc.version_line = version;
	pc.edges = edges;
	pc.n = n;
	err = lg_print_cycle(f, &pc);
cleanup:
	if (st)
		sqlite3_reset(st);
	free(edges);
	free_rows(rows, n);
	return err;
}

int lg_store_print_whatif(struct lg_store *s, const int64_t *edge_ids,
			  size_t n, int64_t asked, unsigned int pairs,
			  const char *title, FILE *f)
{
	struct edge_row *rows = NULL;
	struct lg_print_edge *edges = NULL;
	struct lg_print_cycle pc = { 0 };
	sqlite3_stmt *st = NULL;
	char *seen = NULL;
	size_t got = 0, want = n + (asked > 0);
	int rc, err = -EINVAL;

	if (!n)
		return -EINVAL;
	rows = calloc(want, sizeof(*rows));
	edges = calloc(n + 1, sizeof(*edges));
	err = -ENOMEM;
	if (!rows || !edges)
		goto cleanup;
	st = lg_store_stmt(s, sql_edge, &err);
	if (!st)
		goto cleanup;
	for (got = 0; got < want; got++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, got < n ? edge_ids[got] : asked);
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW) {
			err = rc == SQLITE_DONE ? -ENOENT :
				lg_store_db_error(s, rc, "reading the edges");
			goto cleanup;
		}
		fill_row(s, st, &rows[got]);
		to_print_edge(&rows[got], &edges[got]);
	}
	/*
	 * The dependency asked about closes it: last edge's end -> first's
	 * start, with the stack it was seen with when it was.
	 */
	if (asked > 0) {
		err = -ENOMEM;
		if (asprintf(&seen, "asked about; already seen as %s: %s",
			     rows[n].modes ? rows[n].modes : "?",
			     rows[n].seen ? rows[n].seen : "?") < 0) {
			seen = NULL;
			goto cleanup;
		}
	} else {
		edges[n].from = rows[n - 1].to;
		edges[n].to = rows[0].from;
		edges[n].from_usage = rows[n - 1].to_usage;
	}
	edges[n].pairs = pairs;
	edges[n].seen = seen ? seen : "never seen: the dependency asked about";
	pc.version_line = title;
	pc.edges = edges;
	pc.n = n + 1;
	err = lg_print_cycle(f, &pc);
cleanup:
	if (st)
		sqlite3_reset(st);
	free(seen);
	free(edges);
	free_rows(rows, got);
	return err;
}
