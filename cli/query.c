/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Read-only commands: classes, chains, edges, cycles, report, path, export.
 * They open the database read-only, so they never block lockgraphd.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "cli.h"
#include "cycle_report.h"

/*
 * Open the store read-only and prepare @sql on it into *@st.  Returns the
 * store, or NULL (the error printed, nothing left open) on failure.
 */
static struct lg_store *open_for_query(const char *sql, sqlite3_stmt **st)
{
	struct lg_store *s = cli_open_store(false);

	if (!s)
		return NULL;
	*st = cli_prepare(s, sql, NULL);
	if (!*st) {
		lg_store_close(s);
		return NULL;
	}
	return s;
}

/* Finish a row loop: EXIT_SUCCESS when it ended cleanly. */
static int query_done(struct lg_store *s, int rc)
{
	return cli_step_done(s, rc, NULL) ? EXIT_FAILURE : EXIT_SUCCESS;
}

/*
 * Print every row of @st, then finalize it: with -j a JSON array of
 * objects (the columns @cols), else @text_row(NULL) (the header) and
 * @text_row(st) for each row.  EXIT_SUCCESS, or EXIT_FAILURE when the
 * query failed (said once).
 */
static int print_rows(struct lg_store *s, sqlite3_stmt *st,
		      const struct json_col *cols, size_t ncols,
		      void (*text_row)(sqlite3_stmt *st))
{
	bool first = true;
	int rc, ret;

	if (cli.json)
		printf("[");
	else
		text_row(NULL);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (cli.json) {
			bool f = true;

			printf("%s{", first ? "" : ",");
			json_row(st, cols, ncols, &f);
			printf("}");
		} else {
			text_row(st);
		}
		first = false;
	}
	if (cli.json)
		printf("]\n");
	ret = query_done(s, rc);
	sqlite3_finalize(st);
	return ret;
}

/* No options: refuse stray arguments. */
static int no_args(int argc, char **argv)
{
	if (argc > 1) {
		cli_err("%s: unexpected argument '%s'", argv[0], argv[1]);
		return LG_EXIT_USAGE;
	}
	return 0;
}

/* The row id of class @name, or 0 (with an error printed). */
static int64_t class_row(struct lg_store *s, const char *name)
{
	sqlite3_stmt *st = cli_prepare(s, "SELECT id FROM classes WHERE name = ?1",
				       NULL);
	int64_t id = 0;

	if (!st)
		return 0;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	else
		cli_err("no lock class named '%s' in %s (see `lockgraph classes`)",
			name, cli.db_path);
	sqlite3_finalize(st);
	return id;
}

/* The columns of classes, as JSON. */
static const struct json_col class_json[] = {
	{ "id", NULL }, { "name", NULL }, { "usage", NULL }, { "out", NULL },
	{ "in", NULL }, { "first_seen", NULL }, { "last_seen", NULL },
};

static void class_text_row(sqlite3_stmt *st)
{
	char t1[24];

	if (!st) {
		printf("%5s %5s %5s  %-10s %-19s  %s\n", "ID", "OUT", "IN",
		       "USAGE", "FIRST SEEN", "CLASS");
		return;
	}
	printf("%5lld %5lld %5lld  %-10s %-19s  %s\n",
	       sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 3),
	       sqlite3_column_int64(st, 4),
	       cli_col_text(st, 2) ? cli_col_text(st, 2) : "-",
	       cli_time(sqlite3_column_int64(st, 5), t1), cli_col_text(st, 1));
}

int cmd_classes(int argc, char **argv)
{
	struct lg_store *s;
	sqlite3_stmt *st;
	int ret;

	ret = no_args(argc, argv);
	if (ret)
		return ret;
	s = open_for_query("SELECT c.id, c.name, c.usage, "
			   "(SELECT count(*) FROM edges "
			   "WHERE from_class = c.id), "
			   "(SELECT count(*) FROM edges WHERE to_class = c.id), "
			   "c.first_seen, c.last_seen FROM classes c "
			   "ORDER BY c.name", &st);
	if (!s)
		return EXIT_FAILURE;
	ret = print_rows(s, st, class_json, JSON_COLS(class_json),
			 class_text_row);
	lg_store_close(s);
	return ret;
}

/* A chain's text "a -> b -> new" as a JSON array of class names. */
static void json_col_chain(sqlite3_stmt *st, int i)
{
	json_list(cli_col_text(st, i), " -> ");
}

/* The columns of chains, as JSON. */
static const struct json_col chain_json[] = {
	{ "id", NULL }, { "count", NULL }, { "first_seen", NULL },
	{ "last_seen", NULL }, { "classes", json_col_chain },
};

static void chain_text_row(sqlite3_stmt *st)
{
	const char *text, *p;
	char t1[24];
	int depth = 0;

	if (!st) {
		printf("%8s %5s  %-19s  %s\n", "COUNT", "DEPTH", "FIRST SEEN",
		       "HELD -> ACQUIRED");
		return;
	}
	/* the held locks: one fewer than the classes */
	text = cli_col_text(st, 4);
	for (p = text; p && (p = strstr(p, " -> ")); p += 4)
		depth++;
	printf("%8lld %5d  %-19s  %s\n", sqlite3_column_int64(st, 1), depth,
	       cli_time(sqlite3_column_int64(st, 2), t1), text ? text : "");
}

int cmd_chains(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "class", required_argument, NULL, 'c' },
		{ "limit", required_argument, NULL, 'n' },
		{ 0 },
	};
	const char *class = NULL;
	struct lg_store *s;
	sqlite3_stmt *st;
	long long limit = -1;
	char *end;
	int c, ret = EXIT_FAILURE;

	while ((c = getopt_long(argc, argv, "c:n:", opts, NULL)) != -1) {
		if (c == 'c') {
			class = optarg;
		} else if (c == 'n') {
			errno = 0;
			limit = strtoll(optarg, &end, 10);
			if (errno || *end || limit <= 0) {
				cli_err("chains: --limit '%s' is not a positive "
					"number", optarg);
				return LG_EXIT_USAGE;
			}
		} else {
			return LG_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_err("chains: unexpected argument '%s'", argv[optind]);
		return LG_EXIT_USAGE;
	}
	s = cli_open_store(false);
	if (!s)
		return EXIT_FAILURE;
	if (class && !class_row(s, class))
		goto cleanup;
	/* the class as one whole element of the chain, not a substring */
	st = cli_prepare(s, "SELECT id, count, first_seen, last_seen, classes "
			 "FROM chains WHERE ?1 IS NULL OR "
			 "instr(' -> ' || classes || ' -> ', ' -> ' || ?1 || ' -> ') "
			 "ORDER BY count DESC, classes LIMIT ?2", NULL);
	if (!st)
		goto cleanup;
	sqlite3_bind_text(st, 1, class, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, limit);
	ret = print_rows(s, st, chain_json, JSON_COLS(chain_json),
			 chain_text_row);
cleanup:
	lg_store_close(s);
	return ret;
}

/* The columns of edges, as JSON. */
static const struct json_col edge_json[] = {
	{ "id", NULL }, { "from", NULL }, { "to", NULL }, { "modes", NULL },
	{ "count", NULL }, { "boots", NULL }, { "hosts", NULL },
	{ "first_seen", NULL }, { "last_seen", NULL }, { "to_task", NULL },
	{ "to_stack", json_col_frames }, { "from_stack", json_col_frames },
};

static void edge_text_row(sqlite3_stmt *st)
{
	char t1[24];

	if (!st) {
		printf("%5s  %-12s %6s %5s %5s  %-19s  %s\n", "ID", "MODES",
		       "COUNT", "BOOTS", "HOSTS", "FIRST SEEN", "FROM -> TO");
		return;
	}
	printf("%5lld  %-12s %6lld %5lld %5lld  %-19s  %s -> %s\n",
	       sqlite3_column_int64(st, 0), cli_col_text(st, 3),
	       sqlite3_column_int64(st, 4), sqlite3_column_int64(st, 5),
	       sqlite3_column_int64(st, 6),
	       cli_time(sqlite3_column_int64(st, 7), t1), cli_col_text(st, 1),
	       cli_col_text(st, 2));
}

int cmd_edges(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ 0 },
	};
	const char *from = NULL, *to = NULL;
	struct lg_store *s;
	sqlite3_stmt *st;
	int c, ret = EXIT_FAILURE;

	while ((c = getopt_long(argc, argv, "f:t:", opts, NULL)) != -1) {
		if (c == 'f')
			from = optarg;
		else if (c == 't')
			to = optarg;
		else
			return LG_EXIT_USAGE;
	}
	if (optind < argc) {
		cli_err("edges: unexpected argument '%s'", argv[optind]);
		return LG_EXIT_USAGE;
	}
	s = cli_open_store(false);
	if (!s)
		return EXIT_FAILURE;
	if ((from && !class_row(s, from)) || (to && !class_row(s, to)))
		goto cleanup;
	st = cli_prepare(s, "SELECT e.id, f.name, t.name, e.modes, e.count, "
			 "(SELECT count(*) FROM edge_boots WHERE edge_id = e.id), "
			 "(SELECT count(DISTINCT b.host_id) FROM edge_boots eb "
			 " JOIN boots b ON b.id = eb.boot_id WHERE eb.edge_id = e.id), "
			 "e.first_seen, e.last_seen, e.to_task, ts.frames, fs.frames "
			 "FROM edges e JOIN classes f ON f.id = e.from_class "
			 "JOIN classes t ON t.id = e.to_class "
			 "LEFT JOIN stacks ts ON ts.id = e.to_stack "
			 "LEFT JOIN stacks fs ON fs.id = e.from_stack "
			 "WHERE (?1 IS NULL OR f.name = ?1) AND (?2 IS NULL OR t.name = ?2) "
			 "ORDER BY e.id", NULL);
	if (!st)
		goto cleanup;
	sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, to, -1, SQLITE_STATIC);
	ret = print_rows(s, st, edge_json, JSON_COLS(edge_json), edge_text_row);
cleanup:
	lg_store_close(s);
	return ret;
}

/*
 * Print the class names of cycle @id in chain order, JSON or " -> ".
 * 0, or -EIO with the error printed.
 */
static int print_cycle_classes(struct lg_store *s, int64_t id, bool json)
{
	sqlite3_stmt *st;
	int rc, err, n = 0;

	st = cli_prepare(s, "SELECT c.name FROM cycle_edges ce "
			 "JOIN edges e ON e.id = ce.edge_id "
			 "JOIN classes c ON c.id = e.from_class "
			 "WHERE ce.cycle_id = ?1 ORDER BY ce.pos", NULL);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	if (json)
		printf("[");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (json) {
			printf("%s", n ? "," : "");
			json_str(stdout, cli_col_text(st, 0));
		} else {
			printf("%s%s", n ? " -> " : "", cli_col_text(st, 0));
		}
		n++;
	}
	if (json)
		printf("]");
	err = cli_step_done(s, rc, NULL);
	sqlite3_finalize(st);
	return err;
}

/* The columns of cycles, as JSON (the length is not printed). */
static const struct json_col cycle_json[] = {
	{ "id", NULL }, { "status", NULL }, { "origin", NULL }, { NULL, NULL },
	{ "first_seen", NULL }, { "last_seen", NULL },
};

int cmd_cycles(int argc, char **argv)
{
	struct lg_store *s;
	sqlite3_stmt *st;
	bool first = true, failed = false;
	char t1[24];
	int rc, ret;

	ret = no_args(argc, argv);
	if (ret)
		return ret;
	s = open_for_query("SELECT id, status, origin, nclasses, first_seen, "
			   "last_seen FROM cycles ORDER BY id", &st);
	if (!s)
		return EXIT_FAILURE;
	if (cli.json)
		printf("[");
	else
		printf("%4s  %-7s %-8s %3s  %-19s  %s\n", "ID", "STATUS", "ORIGIN",
		       "LEN", "FIRST SEEN", "CHAIN");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);

		if (cli.json) {
			bool f = true;

			printf("%s{", first ? "" : ",");
			json_row(st, cycle_json, JSON_COLS(cycle_json), &f);
			json_key(stdout, "classes", &f);
		} else {
			printf("%4lld  %-7s %-8s %3lld  %-19s  ", (long long)id,
			       cli_col_text(st, 1), cli_col_text(st, 2),
			       sqlite3_column_int64(st, 3),
			       cli_time(sqlite3_column_int64(st, 4), t1));
		}
		if (print_cycle_classes(s, id, cli.json)) {
			failed = true;	/* said */
			break;
		}
		printf(cli.json ? "}" : "\n");
		first = false;
	}
	if (cli.json)
		printf("]\n");
	ret = failed ? EXIT_FAILURE : query_done(s, rc);
	sqlite3_finalize(st);
	lg_store_close(s);
	return ret;
}

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "original", no_argument, NULL, 'o' },
		{ 0 },
	};
	char *end, *text = NULL;
	bool original = false;
	size_t len = 0;
	int64_t id;
	struct lg_store *s;
	sqlite3_stmt *st = NULL;
	FILE *f;
	int c, rc, err, ret = EXIT_FAILURE;

	while ((c = getopt_long(argc, argv, "o", opts, NULL)) != -1) {
		if (c != 'o')
			return LG_EXIT_USAGE;
		original = true;
	}
	if (optind + 1 != argc) {
		cli_err("report: need one cycle ID (see `lockgraph cycles`)");
		return LG_EXIT_USAGE;
	}
	errno = 0;
	id = strtoll(argv[optind], &end, 10);
	if (errno || *end || id <= 0) {
		cli_err("report: '%s' is not a cycle ID", argv[optind]);
		return LG_EXIT_USAGE;
	}
	s = open_for_query("SELECT report FROM cycles WHERE id = ?1", &st);
	if (!s)
		return EXIT_FAILURE;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		if (rc == SQLITE_DONE)
			cli_err("no cycle %lld in %s (see `lockgraph cycles`)",
				(long long)id, cli.db_path);
		else
			cli_step_done(s, rc, NULL);
		goto cleanup;
	}
	if (original) {
		if (!cli_col_text(st, 0)) {
			cli_err("cycle %lld was found by lockgraph, not imported "
				"from a lockdep report: it has no original text",
				(long long)id);
			goto cleanup;
		}
		if (cli.json) {
			printf("{\"id\":%lld,\"original\":", (long long)id);
			json_str(stdout, cli_col_text(st, 0));
			printf("}\n");
		} else {
			printf("%s\n", cli_col_text(st, 0));
		}
		ret = EXIT_SUCCESS;
		goto cleanup;
	}
	f = cli.json ? open_memstream(&text, &len) : stdout;
	if (!f) {
		cli_err("out of memory");
		goto cleanup;
	}
	err = lg_store_print_cycle(s, id, f);
	if (cli.json && fclose(f) && !err)
		err = -ENOMEM;
	if (err) {
		cli_err("cycle %lld in %s: %s", (long long)id, cli.db_path,
			cli_store_error(s, err));
		goto cleanup;
	}
	if (cli.json) {
		bool first = true;

		printf("{");
		json_key(stdout, "id", &first);
		printf("%lld", (long long)id);
		json_key(stdout, "classes", &first);
		if (print_cycle_classes(s, id, true))
			goto cleanup;
		json_key(stdout, "report", &first);
		json_str(stdout, text);
		printf("}\n");
	}
	ret = EXIT_SUCCESS;
cleanup:
	free(text);
	sqlite3_finalize(st);
	lg_store_close(s);
	return ret;
}

/* The columns of a path's dependencies, as JSON. */
static const struct json_col path_json[] = {
	{ "from", NULL }, { "to", NULL }, { "modes", NULL }, { "count", NULL },
	{ "to_task", NULL }, { "to_stack", json_col_frames },
};

int cmd_path(int argc, char **argv)
{
	struct lg_graph *g = NULL;
	int64_t *class_rows = NULL, *edge_rows = NULL;
	struct lg_path p = { 0 };
	lg_class_id a, b;
	struct lg_store *s;
	sqlite3_stmt *st = NULL;
	int err, ret = EXIT_FAILURE;

	if (argc != 3) {
		cli_err("path: need two classes: path CLASS_A CLASS_B");
		return LG_EXIT_USAGE;
	}
	if (!strcmp(argv[1], argv[2])) {
		cli_err("path: '%s' twice: a path from a class back to itself is "
			"a cycle (see `lockgraph cycles`)", argv[1]);
		return LG_EXIT_USAGE;
	}
	s = cli_open_store(false);
	if (!s)
		return EXIT_FAILURE;
	if (!class_row(s, argv[1]) || !class_row(s, argv[2]))
		goto cleanup;
	g = cli_load_graph(s, &class_rows, &edge_rows);
	if (!g)
		goto cleanup;
	if (lg_graph_class(g, argv[1], false, &a) ||
	    lg_graph_class(g, argv[2], false, &b))
		goto cleanup;
	err = lg_graph_shortest_path(g, a, b, &p);
	if (err < 0) {
		cli_err("path: %s", strerror(-err));
		goto cleanup;
	}
	if (!err) {
		if (cli.json)
			printf("null\n");
		else
			printf("no path: %s is never held, directly or through other "
			       "locks, when %s is taken\n", argv[1], argv[2]);
		goto cleanup;
	}
	st = cli_prepare(s, "SELECT f.name, t.name, e.modes, e.count, e.to_task, "
			 "ts.frames FROM edges e "
			 "JOIN classes f ON f.id = e.from_class "
			 "JOIN classes t ON t.id = e.to_class "
			 "LEFT JOIN stacks ts ON ts.id = e.to_stack WHERE e.id = ?1",
			 NULL);
	if (!st)
		goto cleanup;
	if (cli.json)
		printf("[");
	else
		printf("%s -> %s: %zu dependenc%s\n", argv[1], argv[2], p.n - 1,
		       p.n == 2 ? "y" : "ies");
	for (size_t i = 0; i + 1 < p.n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, edge_rows[p.edges[i]]);
		if (sqlite3_step(st) != SQLITE_ROW) {
			cli_err("%s: edge %lld vanished", cli.db_path,
				(long long)edge_rows[p.edges[i]]);
			goto cleanup;
		}
		if (cli.json) {
			bool f = true;

			printf("%s{", i ? "," : "");
			json_row(st, path_json, JSON_COLS(path_json), &f);
			printf("}");
			continue;
		}
		printf("\n#%zu %s -> %s [%s] seen %lld time%s%s%s:\n", i,
		       cli_col_text(st, 0), cli_col_text(st, 1), cli_col_text(st, 2),
		       sqlite3_column_int64(st, 3),
		       sqlite3_column_int64(st, 3) == 1 ? "" : "s",
		       cli_col_text(st, 4) ? ", by " : "",
		       cli_col_text(st, 4) ? cli_col_text(st, 4) : "");
		cli_print_frames(cli_col_text(st, 5));
	}
	if (cli.json)
		printf("]\n");
	ret = EXIT_SUCCESS;
cleanup:
	sqlite3_finalize(st);
	lg_path_free(&p);
	lg_graph_free(g);
	free(class_rows);
	free(edge_rows);
	lg_store_close(s);
	return ret;
}

/* The columns of export's edges, as JSON. */
static const struct json_col export_edge_json[] = {
	{ "id", NULL }, { "from", NULL }, { "to", NULL }, { "modes", NULL },
	{ "count", NULL }, { "first_seen", NULL }, { "last_seen", NULL },
};

/* Every row of @sql as a JSON object of @n @cols, comma-separated. */
static int export_rows(struct lg_store *s, const char *sql,
		       const struct json_col *cols, size_t n)
{
	sqlite3_stmt *st = cli_prepare(s, sql, NULL);
	bool first = true;
	int rc;

	if (!st)
		return EXIT_FAILURE;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		bool f = true;

		printf("%s{", first ? "" : ",");
		json_row(st, cols, n, &f);
		printf("}");
		first = false;
	}
	sqlite3_finalize(st);
	return query_done(s, rc);
}

static int export_json(struct lg_store *s)
{
	sqlite3_stmt *st;
	bool first = true;
	int rc, ret;

	printf("{\"schema\":%d,\"classes\":[", lg_store_schema_version());
	if (export_rows(s, "SELECT id, name, usage FROM classes ORDER BY id",
			class_json, 3))
		return EXIT_FAILURE;
	printf("],\"edges\":[");
	if (export_rows(s, "SELECT id, from_class, to_class, modes, count, "
			"first_seen, last_seen FROM edges ORDER BY id",
			export_edge_json, JSON_COLS(export_edge_json)))
		return EXIT_FAILURE;
	printf("],\"cycles\":[");
	st = cli_prepare(s, "SELECT id, status, origin FROM cycles ORDER BY id", NULL);
	if (!st)
		return EXIT_FAILURE;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		bool f = true;

		printf("%s{", first ? "" : ",");
		json_row(st, cycle_json, 3, &f);
		json_key(stdout, "classes", &f);
		if (print_cycle_classes(s, sqlite3_column_int64(st, 0), true)) {
			sqlite3_finalize(st);
			return EXIT_FAILURE;	/* said */
		}
		printf("}");
		first = false;
	}
	printf("]}\n");
	ret = query_done(s, rc);
	sqlite3_finalize(st);
	return ret;
}

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ 0 },
	};
	const char *format = NULL;
	struct lg_store *s;
	int c, ret;

	while ((c = getopt_long(argc, argv, "f:", opts, NULL)) != -1) {
		if (c != 'f')
			return LG_EXIT_USAGE;
		format = optarg;
	}
	if (!format)
		format = cli.json ? "json" : "dot";
	if (strcmp(format, "dot") && strcmp(format, "json")) {
		cli_err("export: unknown format '%s' (dot, json)", format);
		return LG_EXIT_USAGE;
	}
	if (optind < argc) {
		cli_err("export: unexpected argument '%s'", argv[optind]);
		return LG_EXIT_USAGE;
	}
	s = cli_open_store(false);
	if (!s)
		return EXIT_FAILURE;
	if (strcmp(format, "dot")) {
		ret = export_json(s);
	} else if (cli_write_dot(s, 0, stdout)) {
		cli_err("%s: query failed: %s", cli.db_path,
			sqlite3_errmsg(lg_store_db(s)));
		ret = EXIT_FAILURE;
	} else {
		ret = EXIT_SUCCESS;
	}
	lg_store_close(s);
	return ret;
}
