/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lockgraph status: the graph's size, and per boot which probe sources ran
 * (and why the others did not), how many events each sent, and every drop
 * counter.  lockgraph top: lock contention per class.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cli.h"

/* On a terminal, a boot's sources and its drops are tables. */
static const struct cli_col source_cols[] = {
	{ "SOURCE", 0, false, "" },
	{ "STATE", 0, false, "" },
	{ "EVENTS", 0, true, "" },
	{ "WHY NOT LOADED", 0, false, "" },
};
static const struct cli_col drop_cols[] = {
	{ "DROPPED", 0, true, "" },
	{ "SOURCE", 0, false, "" },
	{ "REASON", 0, false, "" },
};

/* The same, as JSON. */
static const struct json_col source_json[] = {
	{ "source", NULL }, { "loaded", json_col_bool }, { "reason", NULL },
	{ "events", NULL },
};
static const struct json_col drop_json[] = {
	{ "source", NULL }, { "reason", NULL }, { "count", NULL },
};

/* Print @t if it has rows; 0 or -ENOMEM. */
static int print_rows(struct cli_table *t)
{
	return t->ncells || t->err ? cli_table_print(t) : 0;
}

/*
 * Sources and drops of boot @boot: JSON members, tables on a terminal, or
 * indented lines.
 */
static int boot_details(struct lg_store *s, int64_t boot)
{
	struct cli_table t;
	bool first = true, tty = cli_tty();
	sqlite3_stmt *st;
	int rc;

	cli_table_init(&t, source_cols, sizeof(source_cols) / sizeof(source_cols[0]),
		       "    ", true);

	if (sqlite3_prepare_v2(lg_store_db(s),
			       "SELECT source, loaded, reason, events FROM "
			       "boot_sources WHERE boot_id = ?1 ORDER BY source",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, boot);
	printf(cli.json ? ",\"sources\":[" : "");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *why = cli_col_text(st, 2) ? cli_col_text(st, 2) :
				  "(no reason recorded)";

		if (cli.json) {
			bool f = true;

			printf("%s{", first ? "" : ",");
			json_row(st, source_json, JSON_COLS(source_json), &f);
			printf("}");
		} else if (tty) {
			bool loaded = sqlite3_column_int(st, 1);

			cli_table_cell(&t, "%s", cli_col_text(st, 0));
			cli_table_cell(&t, "%s", loaded ? "loaded" : "not loaded");
			if (loaded)
				cli_table_cell(&t, "%lld", sqlite3_column_int64(st, 3));
			else
				cli_table_cell(&t, "-");
			cli_table_cell(&t, "%s", loaded ? "" : why);
		} else if (sqlite3_column_int(st, 1)) {
			printf("    source %-11s loaded, %lld events\n",
			       cli_col_text(st, 0), sqlite3_column_int64(st, 3));
		} else {
			printf("    source %-11s not loaded: %s\n",
			       cli_col_text(st, 0), why);
		}
		first = false;
	}
	sqlite3_finalize(st);
	if (print_rows(&t) || rc != SQLITE_DONE)
		return -1;
	if (sqlite3_prepare_v2(lg_store_db(s),
			       "SELECT source, reason, count FROM drops WHERE "
			       "boot_id = ?1 ORDER BY source, reason",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, boot);
	printf(cli.json ? "],\"drops\":[" : "");
	cli_table_init(&t, drop_cols, sizeof(drop_cols) / sizeof(drop_cols[0]),
		       "    ", false);
	first = true;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (cli.json) {
			bool f = true;

			printf("%s{", first ? "" : ",");
			json_row(st, drop_json, JSON_COLS(drop_json), &f);
			printf("}");
		} else if (tty) {
			cli_table_cell(&t, "%lld", sqlite3_column_int64(st, 2));
			cli_table_cell(&t, "%s", cli_col_text(st, 0));
			cli_table_cell(&t, "%s", cli_col_text(st, 1));
		} else {
			printf("    DROPPED %lld: %s %s\n",
			       sqlite3_column_int64(st, 2), cli_col_text(st, 0),
			       cli_col_text(st, 1));
		}
		first = false;
	}
	sqlite3_finalize(st);
	if (cli.json)
		printf("]");
	else if (first)
		printf("    no drops\n");
	if (print_rows(&t) || rc != SQLITE_DONE)
		return -1;
	return 0;
}

/* A line of status: whole when piped, cut to the terminal's width. */
static void status_line(const char *indent, const char *text)
{
	if (cli_tty())
		cli_print_fit(indent, text, cli_term_width(STDOUT_FILENO));
	else
		printf("%s%s\n", indent, text);
}

/* A boot's columns, as JSON (its row id is not). */
static const struct json_col boot_json[] = {
	{ NULL, NULL }, { "host", NULL }, { "boot", NULL }, { "kernel", NULL },
	{ "origin", NULL }, { "first_seen", NULL }, { "last_seen", NULL },
	{ "edges", NULL },
};

/* The graph's size: classes, edges, chains, cycles and open cycles. */
static const char *const size_sql[] = {
	"SELECT count(*) FROM classes",
	"SELECT count(*) FROM edges",
	"SELECT count(*) FROM chains",
	"SELECT count(*) FROM cycles",
	"SELECT count(*) FROM cycles WHERE status = 'open'",
};

int cmd_status(int argc, char **argv)
{
	struct lg_store *s;
	sqlite3_stmt *st = NULL;
	bool first = true;
	char t1[24], t2[24], line[1024];
	long long n[5];
	int rc, ret = EXIT_FAILURE;

	if (argc > 1) {
		cli_err("status: unexpected argument '%s'", argv[1]);
		return LG_EXIT_USAGE;
	}
	s = cli_open_store(false);
	if (!s)
		return EXIT_FAILURE;
	for (size_t i = 0; i < sizeof(n) / sizeof(n[0]); i++) {
		n[i] = lg_store_count(s, size_sql[i]);
		if (n[i] < 0) {
			cli_err("%s: counting the graph: %s", cli.db_path,
				lg_store_errmsg(s));
			goto cleanup;
		}
	}
	if (cli.json) {
		printf("{\"classes\":%lld,\"edges\":%lld,\"chains\":%lld,"
		       "\"cycles\":%lld,\"open_cycles\":%lld,\"boots\":[",
		       n[0], n[1], n[2], n[3], n[4]);
	} else {
		snprintf(line, sizeof(line), "%s: %lld classes, %lld edges, "
			 "%lld chains, %lld cycles (%lld open)", cli.db_path,
			 n[0], n[1], n[2], n[3], n[4]);
		status_line("", line);
	}
	st = cli_prepare(s, "SELECT b.id, h.name, b.boot_id, b.kernel, b.origin, "
			 "b.first_seen, b.last_seen, (SELECT count(*) FROM "
			 "edge_boots WHERE boot_id = b.id) FROM boots b "
			 "JOIN hosts h ON h.id = b.host_id ORDER BY b.id", NULL);
	if (!st)
		goto cleanup;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t boot = sqlite3_column_int64(st, 0);

		if (cli.json) {
			bool f = true;

			printf("%s{", first ? "" : ",");
			json_row(st, boot_json, JSON_COLS(boot_json), &f);
		} else {
			snprintf(line, sizeof(line), "boot %s on %s (%s, %s)",
				 cli_col_text(st, 2), cli_col_text(st, 1),
				 cli_col_text(st, 3) ? cli_col_text(st, 3) : "kernel unknown",
				 cli_col_text(st, 4));
			putchar('\n');
			status_line("", line);
			snprintf(line, sizeof(line), "%s .. %s UTC, %lld edges seen",
				 cli_time(sqlite3_column_int64(st, 5), t1),
				 cli_time(sqlite3_column_int64(st, 6), t2),
				 sqlite3_column_int64(st, 7));
			status_line("  ", line);
		}
		if (boot_details(s, boot)) {
			rc = SQLITE_ERROR;
			break;
		}
		if (cli.json)
			printf("}");
		first = false;
	}
	if (cli.json)
		printf("]}\n");
	if (cli_step_done(s, rc, NULL))
		goto cleanup;
	ret = EXIT_SUCCESS;
cleanup:
	sqlite3_finalize(st);
	lg_store_close(s);
	return ret;
}

/* top's columns; piped, the layout it always had. */
static const struct cli_col top_cols[] = {
	{ "WAITS", 10, true, "" },
	{ "TOTAL WAIT", 14, true, " " },
	{ "MAX WAIT", 12, true, " " },
	{ "AVG WAIT", 12, true, " " },
	{ "BOOTS", 5, true, " " },
	{ "CLASS", 0, false, "  " },
};

/* top's columns as JSON: the average is the integer one, total / count. */
static const struct json_col top_json[] = {
	{ "class", NULL }, { "count", NULL }, { "total_wait_ns", NULL },
	{ "max_wait_ns", NULL }, { "avg_wait_ns", NULL }, { "boots", NULL },
};

/* top --sort: the keys and the result column each orders by (largest first). */
static const struct {
	const char *key;
	const char *column;
} top_sorts[] = {
	{ "total", "total" },
	{ "waits", "waits" },
	{ "max", "max_wait" },
	{ "avg", "avg_wait" },
};

/*
 * The row id of the boot whose boot_id is @arg or, failing that, the only
 * one that starts with it, into *@row: 0, or -ENOENT (none), -EEXIST
 * (several) or -EIO (the database), each printed.
 */
static int top_boot_row(struct lg_store *s, const char *arg, int64_t *row)
{
	sqlite3_stmt *st;
	bool exact = false;
	int rc, n = 0, ret = -EIO;

	st = cli_prepare(s, "SELECT id, boot_id = ?1 FROM boots "
			 "WHERE substr(boot_id, 1, length(?1)) = ?1 "
			 "ORDER BY 2 DESC LIMIT 2",
			 "top: reading the boots");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n++ == 0) {
			*row = sqlite3_column_int64(st, 0);
			exact = sqlite3_column_int(st, 1);
		}
	}
	if (cli_step_done(s, rc, "top: reading the boots"))
		goto cleanup;
	ret = 0;
	if (n == 0) {
		cli_err("top: --boot '%s': no boot with that id in %s", arg,
			cli.db_path);
		ret = -ENOENT;
	} else if (n > 1 && !exact) {
		cli_err("top: --boot '%s': more than one boot id starts with it",
			arg);
		ret = -EEXIST;
	}
cleanup:
	sqlite3_finalize(st);
	return ret;
}

int cmd_top(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "limit", required_argument, NULL, 'n' },
		{ "sort", required_argument, NULL, 's' },
		{ "boot", required_argument, NULL, 'b' },
		{ 0 },
	};
	struct cli_table t = { 0 };
	struct lg_store *s;
	sqlite3_stmt *st = NULL;
	const char *boot = NULL, *order = top_sorts[0].column;
	int64_t boot_row = 0;
	long limit = 20;
	bool first = true;
	char sql[640], *end;
	size_t i;
	int c, rc, ret = EXIT_FAILURE;

	while ((c = getopt_long(argc, argv, "n:s:b:", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			errno = 0;
			limit = strtol(optarg, &end, 10);
			if (errno || *end || limit <= 0) {
				cli_err("top: --limit '%s' is not a positive number",
					optarg);
				return LG_EXIT_USAGE;
			}
			break;
		case 's':
			for (i = 0; i < sizeof(top_sorts) / sizeof(top_sorts[0]);
			     i++)
				if (!strcmp(optarg, top_sorts[i].key))
					break;
			if (i == sizeof(top_sorts) / sizeof(top_sorts[0])) {
				cli_err("top: --sort '%s': not one of total, "
					"waits, max, avg", optarg);
				return LG_EXIT_USAGE;
			}
			order = top_sorts[i].column;
			break;
		case 'b':
			if (!*optarg) {
				cli_err("top: --boot needs a boot id");
				return LG_EXIT_USAGE;
			}
			boot = optarg;
			break;
		default:
			return LG_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_err("top: unexpected argument '%s'", argv[optind]);
		return LG_EXIT_USAGE;
	}
	s = cli_open_store(false);
	if (!s)
		return EXIT_FAILURE;
	if (boot && top_boot_row(s, boot, &boot_row))
		goto cleanup;
	/*
	 * @order is one of top_sorts[]: no user text in the statement.  The
	 * average sorts as printed: 0 for a class with time but no waits.
	 */
	snprintf(sql, sizeof(sql),
		 "SELECT c.name, sum(t.count) AS waits, "
		 "sum(t.total_wait_ns) AS total, max(t.max_wait_ns) AS max_wait, "
		 "CASE WHEN sum(t.count) THEN sum(t.total_wait_ns) / "
		 "sum(t.count) ELSE 0 END AS avg_wait, "
		 "count(DISTINCT t.boot_id) "
		 "FROM contention t JOIN classes c ON c.id = t.class_id "
		 "WHERE ?2 IS NULL OR t.boot_id = ?2 "
		 "GROUP BY t.class_id ORDER BY %s DESC, c.name LIMIT ?1",
		 order);
	st = cli_prepare(s, sql, NULL);
	if (!st)
		goto cleanup;
	if (boot)
		sqlite3_bind_int64(st, 2, boot_row);
	sqlite3_bind_int64(st, 1, limit);
	cli_table_init(&t, top_cols, sizeof(top_cols) / sizeof(top_cols[0]), "",
		       false);
	if (cli.json)
		printf("[");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long n = sqlite3_column_int64(st, 1);
		double total = (double)sqlite3_column_int64(st, 2) / 1e3;
		double max = (double)sqlite3_column_int64(st, 3) / 1e3;

		if (cli.json) {
			bool f = true;

			printf("%s{", first ? "" : ",");
			json_row(st, top_json, JSON_COLS(top_json), &f);
			printf("}");
		} else {
			cli_table_cell(&t, "%lld", n);
			cli_table_cell(&t, "%.1f us", total);
			cli_table_cell(&t, "%.1f us", max);
			cli_table_cell(&t, "%.2f us", n ? total / (double)n : 0.0);
			cli_table_cell(&t, "%lld", sqlite3_column_int64(st, 5));
			cli_table_cell(&t, "%s", cli_col_text(st, 0));
		}
		first = false;
	}
	/* A failed query is said instead of a partial or empty table. */
	if (cli_step_done(s, rc, NULL))
		goto cleanup;
	if (cli.json) {
		printf("]\n");
	} else if (cli_table_print(&t)) {
		cli_err("out of memory");
		goto cleanup;
	}
	if (!cli.json && first)
		printf("(no contention recorded%s)\n",
		       boot ? " in that boot" : "");
	ret = EXIT_SUCCESS;
cleanup:
	sqlite3_finalize(st);
	lg_store_close(s);
	return ret;
}
