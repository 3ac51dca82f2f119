/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The CI gate.
 *
 * lockgraph check --baseline BASE.db [--fail-on cycle,new-edge,drops]
 *   compares the run (--db) with a baseline graph.  Both are merged into a
 *   scratch in-memory database, baseline first, each followed by the
 *   whole-graph cycle search (schema/merge.h): a cycle the run adds is one
 *   the search finds only after the run's edges came in, including circles
 *   closed by a run edge together with baseline edges.  New dependencies
 *   are the run's edges the baseline does not have, or has with fewer mode
 *   pairs.  The run is inconclusive when it dropped events, when a probe
 *   source that loaded on a baseline boot loaded on no boot of the run, or
 *   when it recorded no boot at all.
 *   Exit: 0 clean, 1 new cycle or dependency, 2 inconclusive, 3 error,
 *   4 usage; --fail-on picks which findings count (default all three).
 *
 * lockgraph diff A.db B.db
 *   edges and cycles B has that A has not (added), A has that B has not
 *   (removed), and edges whose modes differ.  Exit: 0 same, 1 different,
 *   3 error, 4 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "cli.h"
#include "cycle_report.h"
#include "merge.h"

enum fail_on {
	FAIL_CYCLE = 1 << 0,
	FAIL_NEW_EDGE = 1 << 1,
	FAIL_DROPS = 1 << 2,
};

static const char *const fail_names[] = { "cycle", "new-edge", "drops" };

/* A scratch database in memory, for comparing attached ones. */
static struct lg_store *scratch_store(void)
{
	char err[LG_STORE_ERR_MAX];
	struct lg_store *s;

	if (lg_store_open(":memory:", LG_STORE_SCRATCH, &s, err)) {
		cli_err("scratch database: %s", err);
		return NULL;
	}
	return s;
}

static int attach(struct lg_store *s, const char *path, const char *name)
{
	char err[LG_STORE_ERR_MAX];

	if (lg_store_attach(s, path, name, err)) {
		cli_err("%s", err);
		return -1;
	}
	return 0;
}

static int parse_fail_on(const char *list, unsigned int *mask)
{
	char *copy = strdup(list), *save = NULL, *tok;
	int err = 0;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok && !err;
	     tok = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; i < 3 && strcmp(tok, fail_names[i]); i++)
			;
		if (i == 3) {
			cli_err("check: --fail-on: unknown finding '%s' (cycle, "
				"new-edge, drops)", tok);
			err = -EINVAL;
		}
		*mask |= 1u << i;
	}
	free(copy);
	return err;
}

/* The check's findings, as they are printed. */
struct check_run {
	struct lg_store *s;
	int64_t first_new_cycle;
	size_t new_cycles, new_edges, drops, missing;
	int64_t run_boots;
};

/* A new cycle's columns, as JSON: the scratch database's id is not. */
static const struct json_col new_cycle_json[] = {
	{ NULL, NULL }, { "signature", NULL }, { "run_cycle", NULL },
};

static int check_cycles(struct check_run *c)
{
	/* The report's number is the scratch database's: say the run's. */
	/* and how many of its edges the run does not have */
	sqlite3_stmt *st = cli_prepare(c->s, "SELECT m.id, m.signature, r.id, "
		"(SELECT count(*) FROM main.cycle_edges ce "
		" JOIN main.edges e ON e.id = ce.edge_id "
		" JOIN main.classes f ON f.id = e.from_class "
		" JOIN main.classes t ON t.id = e.to_class "
		" WHERE ce.cycle_id = m.id AND NOT EXISTS (SELECT 1 FROM "
		"  run.edges re JOIN run.classes rf ON rf.id = re.from_class "
		"  JOIN run.classes rt ON rt.id = re.to_class "
		"  WHERE rf.name = f.name AND rt.name = t.name)) "
		"FROM main.cycles m LEFT JOIN run.cycles r ON "
		"r.signature = m.signature WHERE m.id >= ?1 ORDER BY m.id",
		"comparing");
	int rc, err = 0;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, c->first_new_cycle);
	if (cli.json)
		printf(",\"new_cycles\":[");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char *report = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&report, &len);

		if (!f) {
			cli_err("out of memory");
			err = -1;
			break;
		}
		err = lg_store_print_cycle(c->s, sqlite3_column_int64(st, 0), f);
		if (fclose(f) && !err)
			err = -ENOMEM;
		if (err) {
			cli_err("printing a new cycle: %s",
				cli_store_error(c->s, err));
			free(report);
			break;
		}
		if (cli.json) {
			bool first = true;

			printf("%s{", c->new_cycles ? "," : "");
			json_row(st, new_cycle_json, JSON_COLS(new_cycle_json),
				 &first);
			json_key(stdout, "report", &first);
			json_str(stdout, report);
			printf("}");
		} else {
			printf("\nnew cycle: %s\n", cli_col_text(st, 1));
			if (sqlite3_column_type(st, 2) == SQLITE_NULL &&
			    sqlite3_column_int64(st, 3))
				printf("(closed by run edges with baseline edges: "
				       "stored in neither database)\n");
			else if (sqlite3_column_type(st, 2) == SQLITE_NULL)
				printf("(every edge is the run's, but its own "
				       "search did not store it)\n");
			else
				printf("(cycle %lld of the run: `lockgraph --db %s "
				       "report %lld`)\n", sqlite3_column_int64(st, 2),
				       cli.db_path, sqlite3_column_int64(st, 2));
			printf("%s", report);
		}
		free(report);
		c->new_cycles++;
	}
	if (cli.json)
		printf("]");
	sqlite3_finalize(st);
	return err ? -1 : cli_step_done(c->s, rc, "comparing");
}

/* A new dependency's columns, as JSON. */
static const struct json_col new_edge_json[] = {
	{ "from", NULL }, { "to", NULL }, { "modes", NULL },
	{ "baseline_modes", NULL }, { "new_modes", NULL }, { "count", NULL },
	{ "to_task", NULL }, { "to_stack", json_col_frames },
};

static int check_edges(struct check_run *c)
{
	sqlite3_stmt *st = cli_prepare(c->s,
		"SELECT f.name, t.name, e.modes, be.modes, "
		"lg_modes_minus(e.modes, be.modes), e.count, e.to_task, ts.frames "
		"FROM run.edges e JOIN run.classes f ON f.id = e.from_class "
		"JOIN run.classes t ON t.id = e.to_class "
		"LEFT JOIN run.stacks ts ON ts.id = e.to_stack "
		"LEFT JOIN base.classes bf ON bf.name = f.name "
		"LEFT JOIN base.classes bt ON bt.name = t.name "
		"LEFT JOIN base.edges be ON be.from_class = bf.id "
		"AND be.to_class = bt.id "
		"WHERE be.id IS NULL OR lg_modes_minus(e.modes, be.modes) <> '' "
		"ORDER BY e.id", "comparing");
	int rc;

	if (!st)
		return -1;
	if (cli.json)
		printf(",\"new_edges\":[");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t count = sqlite3_column_int64(st, 5);

		if (cli.json) {
			bool first = true;

			printf("%s{", c->new_edges ? "," : "");
			json_row(st, new_edge_json, JSON_COLS(new_edge_json),
				 &first);
			printf("}");
		} else {
			if (!c->new_edges)
				printf("\nnew dependencies (in the run, not in the "
				       "baseline):\n");
			printf("  %s -> %s [%s]", cli_col_text(st, 0),
			       cli_col_text(st, 1), cli_col_text(st, 2));
			if (cli_col_text(st, 3))
				printf(" new modes %s (baseline %s)",
				       cli_col_text(st, 4), cli_col_text(st, 3));
			printf(", seen %" PRId64 " time%s%s%s:\n", count,
			       count == 1 ? "" : "s",
			       cli_col_text(st, 6) ? " by " : "",
			       cli_col_text(st, 6) ? cli_col_text(st, 6) : "");
			cli_print_frames(cli_col_text(st, 7));
		}
		c->new_edges++;
	}
	if (cli.json)
		printf("]");
	sqlite3_finalize(st);
	return cli_step_done(c->s, rc, "comparing");
}

/* A drop counter's columns, as JSON. */
static const struct json_col drop_json[] = {
	{ "host", NULL }, { "boot", NULL }, { "source", NULL },
	{ "reason", NULL }, { "count", NULL },
};

/* Drops, missing sources and an empty run: what makes it inconclusive. */
static int check_coverage(struct check_run *c)
{
	sqlite3_stmt *st;
	int rc;

	st = cli_prepare(c->s, "SELECT count(*) FROM run.boots", "comparing");
	if (!st)
		return -1;
	rc = sqlite3_step(st);
	c->run_boots = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return cli_step_done(c->s, rc, "comparing");
	if (cli.json)
		printf(",\"run_boots\":%" PRId64, c->run_boots);
	else if (!c->run_boots)
		printf("\ninconclusive: the run recorded no boot\n");

	st = cli_prepare(c->s, "SELECT h.name, b.boot_id, d.source, d.reason, "
			 "d.count FROM run.drops d JOIN run.boots b "
			 "ON b.id = d.boot_id JOIN run.hosts h ON h.id = b.host_id "
			 "WHERE d.count > 0 ORDER BY b.id, d.source, d.reason",
			 "comparing");
	if (!st)
		return -1;
	if (cli.json)
		printf(",\"drops\":[");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (cli.json) {
			bool first = true;

			printf("%s{", c->drops ? "," : "");
			json_row(st, drop_json, JSON_COLS(drop_json), &first);
			printf("}");
		} else {
			printf("%sinconclusive: DROPPED %lld: %s %s (host %s boot %s)\n",
			       c->drops ? "" : "\n", sqlite3_column_int64(st, 4),
			       cli_col_text(st, 2), cli_col_text(st, 3),
			       cli_col_text(st, 0), cli_col_text(st, 1));
		}
		c->drops++;
	}
	if (cli.json)
		printf("]");
	sqlite3_finalize(st);
	if (cli_step_done(c->s, rc, "comparing"))
		return -1;

	st = cli_prepare(c->s, "SELECT DISTINCT bs.source FROM base.boot_sources bs "
			 "WHERE bs.loaded = 1 AND NOT EXISTS (SELECT 1 FROM "
			 "run.boot_sources r WHERE r.source = bs.source AND "
			 "r.loaded = 1) ORDER BY 1", "comparing");
	if (!st)
		return -1;
	if (cli.json)
		printf(",\"missing_sources\":[");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (cli.json) {
			printf("%s", c->missing ? "," : "");
			json_str(stdout, cli_col_text(st, 0));
		} else {
			printf("%sinconclusive: probe source %s loaded on a baseline "
			       "boot but on no boot of the run\n",
			       c->missing || c->drops ? "" : "\n", cli_col_text(st, 0));
		}
		c->missing++;
	}
	if (cli.json)
		printf("]");
	sqlite3_finalize(st);
	return cli_step_done(c->s, rc, "comparing");
}

/* Merge @path into the scratch store; prints the error. */
static int merge_into(struct lg_store *s, const char *path)
{
	char err[LG_STORE_ERR_MAX];
	struct lg_merge_stats ms;

	if (lg_store_merge(s, path, (int64_t)time(NULL), &ms, err)) {
		cli_err("%s", err);
		return -1;
	}
	if (ms.search.truncated)
		fprintf(stderr, "%s: warning: cycle search incomplete: %s\n",
			cli.prog, ms.search.truncated_why);
	return 0;
}

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "baseline", required_argument, NULL, 'b' },
		{ "fail-on", required_argument, NULL, 'f' },
		{ 0 },
	};
	struct check_run c = { 0 };
	const char *baseline = NULL, *verdict;
	unsigned int fail_on = 0;
	sqlite3_stmt *st;
	int ch, ret;

	while ((ch = getopt_long(argc, argv, "b:f:", opts, NULL)) != -1) {
		if (ch == 'b')
			baseline = optarg;
		else if (ch != 'f' || parse_fail_on(optarg, &fail_on))
			return LG_EXIT_GATE_USAGE;
	}
	if (optind < argc) {
		cli_err("check: unexpected argument '%s' (the run is --db)",
			argv[optind]);
		return LG_EXIT_GATE_USAGE;
	}
	if (!baseline) {
		cli_err("check: need --baseline BASE.db");
		return LG_EXIT_GATE_USAGE;
	}
	if (!fail_on)
		fail_on = FAIL_CYCLE | FAIL_NEW_EDGE | FAIL_DROPS;

	ret = LG_EXIT_GATE_ERROR;
	c.s = scratch_store();
	if (!c.s)
		return ret;
	if (merge_into(c.s, baseline))
		goto cleanup;
	/* Cycles from here on are the ones the run brings. */
	st = cli_prepare(c.s, "SELECT coalesce(max(id), 0) + 1 FROM main.cycles",
			 "comparing");
	if (!st)
		goto cleanup;
	if (sqlite3_step(st) == SQLITE_ROW)
		c.first_new_cycle = sqlite3_column_int64(st, 0);
	else
		cli_step_done(c.s, SQLITE_ERROR, "comparing");
	sqlite3_finalize(st);
	if (!c.first_new_cycle || merge_into(c.s, cli.db_path) ||
	    attach(c.s, baseline, "base") || attach(c.s, cli.db_path, "run"))
		goto cleanup;

	if (cli.json) {
		bool first = true;

		printf("{");
		json_key(stdout, "run", &first);
		json_str(stdout, cli.db_path);
		json_key(stdout, "baseline", &first);
		json_str(stdout, baseline);
		json_key(stdout, "fail_on", &first);
		printf("[");
		for (unsigned int i = 0, n = 0; i < 3; i++)
			if (fail_on & (1u << i)) {
				printf("%s", n++ ? "," : "");
				json_str(stdout, fail_names[i]);
			}
		printf("]");
	} else {
		printf("check %s against baseline %s\n", cli.db_path, baseline);
	}
	if (check_cycles(&c) || check_edges(&c) || check_coverage(&c)) {
		if (cli.json)
			printf("}\n");
		goto cleanup;
	}

	if (((fail_on & FAIL_CYCLE) && c.new_cycles) ||
	    ((fail_on & FAIL_NEW_EDGE) && c.new_edges)) {
		ret = LG_EXIT_FOUND;
		verdict = "found";
	} else if ((fail_on & FAIL_DROPS) &&
		   (c.drops || c.missing || !c.run_boots)) {
		ret = LG_EXIT_INCONCLUSIVE;
		verdict = "inconclusive";
	} else {
		ret = EXIT_SUCCESS;
		verdict = "clean";
	}
	if (cli.json) {
		printf(",\"verdict\":\"%s\",\"exit\":%d}\n", verdict, ret);
	} else {
		printf("\n%zu new cycle%s, %zu new dependenc%s, %zu drop counter%s, "
		       "%zu source%s missing: %s (exit %d)\n", c.new_cycles,
		       c.new_cycles == 1 ? "" : "s", c.new_edges,
		       c.new_edges == 1 ? "y" : "ies", c.drops,
		       c.drops == 1 ? "" : "s", c.missing,
		       c.missing == 1 ? "" : "s", verdict, ret);
	}
cleanup:
	lg_store_close(c.s);
	return ret;
}

/* A differing edge's columns, as JSON. */
static const struct json_col diff_edge_json[] = {
	{ "from", NULL }, { "to", NULL }, { "modes", NULL }, { "was", NULL },
};

/* Edges of schema @x that schema @y lacks: "+"/"-" lines or JSON. */
static int diff_edges(struct lg_store *s, const char *x, const char *y,
		      char sign, size_t *n)
{
	char sql[1024];
	sqlite3_stmt *st;
	int rc;

	snprintf(sql, sizeof(sql),
		 "SELECT f.name, t.name, e.modes, oe.modes FROM %1$s.edges e "
		 "JOIN %1$s.classes f ON f.id = e.from_class "
		 "JOIN %1$s.classes t ON t.id = e.to_class "
		 "LEFT JOIN %2$s.classes of ON of.name = f.name "
		 "LEFT JOIN %2$s.classes ot ON ot.name = t.name "
		 "LEFT JOIN %2$s.edges oe ON oe.from_class = of.id "
		 "AND oe.to_class = ot.id WHERE oe.id IS NULL %3$s ORDER BY e.id",
		 x, y, sign == '~' ? "OR lg_modes_union(e.modes, '') <> "
				     "lg_modes_union(oe.modes, '')" : "");
	st = cli_prepare(s, sql, "comparing");
	if (!st)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		bool changed = cli_col_text(st, 3) != NULL;

		if (sign == '~' && !changed)
			continue;
		if (cli.json) {
			bool first = true;

			printf("%s{", *n ? "," : "");
			/* "was" only when the modes changed. */
			json_row(st, diff_edge_json, changed ? 4 : 3, &first);
			printf("}");
		} else if (changed) {
			printf("~ edge %s -> %s [%s] was [%s]\n",
			       cli_col_text(st, 0), cli_col_text(st, 1),
			       cli_col_text(st, 2), cli_col_text(st, 3));
		} else {
			printf("%c edge %s -> %s [%s]\n", sign, cli_col_text(st, 0),
			       cli_col_text(st, 1), cli_col_text(st, 2));
		}
		(*n)++;
	}
	sqlite3_finalize(st);
	return cli_step_done(s, rc, "comparing");
}

/* A differing cycle's columns, as JSON. */
static const struct json_col diff_cycle_json[] = {
	{ "signature", NULL }, { "origin", NULL },
};

/* Cycles of schema @x whose signature schema @y lacks. */
static int diff_cycles(struct lg_store *s, const char *x, const char *y,
		       char sign, size_t *n)
{
	char sql[512];
	sqlite3_stmt *st;
	int rc;

	snprintf(sql, sizeof(sql),
		 "SELECT signature, origin FROM %1$s.cycles c WHERE NOT EXISTS "
		 "(SELECT 1 FROM %2$s.cycles WHERE signature = c.signature) "
		 "ORDER BY c.id", x, y);
	st = cli_prepare(s, sql, "comparing");
	if (!st)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (cli.json) {
			bool first = true;

			printf("%s{", *n ? "," : "");
			json_row(st, diff_cycle_json, JSON_COLS(diff_cycle_json),
				 &first);
			printf("}");
		} else {
			printf("%c cycle %s (%s)\n", sign, cli_col_text(st, 0),
			       cli_col_text(st, 1));
		}
		(*n)++;
	}
	sqlite3_finalize(st);
	return cli_step_done(s, rc, "comparing");
}

int cmd_diff(int argc, char **argv)
{
	size_t n[5] = { 0 };
	struct lg_store *s;
	int ret = LG_EXIT_GATE_ERROR, err;

	if (argc != 3) {
		cli_err("diff: need two databases: diff A.db B.db");
		return LG_EXIT_GATE_USAGE;
	}
	s = scratch_store();
	if (!s)
		return ret;
	if (attach(s, argv[1], "a") || attach(s, argv[2], "b"))
		goto cleanup;
	if (cli.json) {
		bool first = true;

		printf("{");
		json_key(stdout, "a", &first);
		json_str(stdout, argv[1]);
		json_key(stdout, "b", &first);
		json_str(stdout, argv[2]);
		printf(",\"edges\":{\"added\":[");
	} else {
		printf("--- %s\n+++ %s\n", argv[1], argv[2]);
	}
	err = diff_edges(s, "b", "a", '+', &n[0]);
	if (!err && cli.json)
		printf("],\"removed\":[");
	err = err ? err : diff_edges(s, "a", "b", '-', &n[1]);
	if (!err && cli.json)
		printf("],\"changed\":[");
	err = err ? err : diff_edges(s, "b", "a", '~', &n[2]);
	if (!err && cli.json)
		printf("]},\"cycles\":{\"added\":[");
	err = err ? err : diff_cycles(s, "b", "a", '+', &n[3]);
	if (!err && cli.json)
		printf("],\"removed\":[");
	err = err ? err : diff_cycles(s, "a", "b", '-', &n[4]);
	if (err) {
		if (cli.json)
			printf("]}}\n");
		goto cleanup;
	}
	ret = n[0] + n[1] + n[2] + n[3] + n[4] ? LG_EXIT_FOUND : EXIT_SUCCESS;
	if (cli.json)
		printf("]},\"different\":%s}\n", ret ? "true" : "false");
	else
		printf("edges: %zu added, %zu removed, %zu changed; cycles: %zu "
		       "added, %zu removed\n", n[0], n[1], n[2], n[3], n[4]);
cleanup:
	lg_store_close(s);
	return ret;
}
