/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers for the commands that read the database: the graph loaded, a
 * query prepared, its columns read, stack frames as text or JSON, and a
 * row as a JSON object.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "cli.h"

struct lg_graph *cli_load_graph(struct lg_store *s, int64_t **class_rows,
				int64_t **edge_rows)
{
	struct lg_graph *g = lg_graph_new();
	int err;

	if (!g) {
		cli_err("out of memory");
		return NULL;
	}
	err = lg_store_load_graph(s, g, class_rows, edge_rows);
	if (err) {
		cli_err("%s: %s", cli.db_path, err == -ENOMEM ? "out of memory" :
			lg_store_errmsg(s));
		lg_graph_free(g);
		return NULL;
	}
	return g;
}

const char *cli_col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* The error of the last call on @s, as cli_prepare() words it. */
static void query_error(struct lg_store *s, const char *what)
{
	if (what)
		cli_err("%s: %s", what, sqlite3_errmsg(lg_store_db(s)));
	else
		cli_err("%s: query failed: %s", cli.db_path,
			sqlite3_errmsg(lg_store_db(s)));
}

sqlite3_stmt *cli_prepare(struct lg_store *s, const char *sql, const char *what)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(lg_store_db(s), sql, -1, &st, NULL) != SQLITE_OK) {
		query_error(s, what);
		return NULL;
	}
	return st;
}

const char *cli_store_error(struct lg_store *s, int err)
{
	if (err == -ENOMEM || err == -ENOENT)
		return strerror(-err);
	if (err == -EINVAL)
		return "the database is damaged";
	return lg_store_errmsg(s);
}

int cli_step_done(struct lg_store *s, int rc, const char *what)
{
	if (rc == SQLITE_DONE)
		return 0;
	query_error(s, what);
	return -EIO;
}

void cli_print_frames(const char *frames)
{
	if (!frames) {
		printf("       (no stack recorded)\n");
		return;
	}
	for (const char *q = frames; *q;) {
		const char *nl = strchr(q, '\n');
		int len = nl ? (int)(nl - q) : (int)strlen(q);

		printf("       %.*s\n", len, q);
		q += len + (nl ? 1 : 0);
	}
}

void json_list(const char *text, const char *sep)
{
	size_t seplen = strlen(sep);
	const char *p = text;

	printf("[");
	while (p && *p) {
		const char *end = strstr(p, sep);
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char *one = strndup(p, n);

		json_str(stdout, one ? one : "");
		free(one);
		p += n;
		if (end) {
			p += seplen;
			printf(",");
		}
	}
	printf("]");
}

void json_frames(const char *frames)
{
	json_list(frames, "\n");
}

void json_col_frames(sqlite3_stmt *st, int i)
{
	json_frames(cli_col_text(st, i));
}

void json_col_bool(sqlite3_stmt *st, int i)
{
	printf("%s", sqlite3_column_int(st, i) ? "true" : "false");
}

void json_row(sqlite3_stmt *st, const struct json_col *cols, size_t n,
	      bool *first)
{
	for (size_t i = 0; i < n; i++) {
		if (!cols[i].key)
			continue;
		json_key(stdout, cols[i].key, first);
		if (cols[i].print) {
			cols[i].print(st, (int)i);
			continue;
		}
		switch (sqlite3_column_type(st, (int)i)) {
		case SQLITE_INTEGER:
			printf("%lld", sqlite3_column_int64(st, (int)i));
			break;
		case SQLITE_FLOAT:
			printf("%.17g", sqlite3_column_double(st, (int)i));
			break;
		case SQLITE_NULL:
			printf("null");
			break;
		default:
			json_str(stdout, cli_col_text(st, (int)i));
		}
	}
}
