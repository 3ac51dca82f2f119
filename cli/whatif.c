/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lockgraph whatif --holding A[:w|r|R] --acquire B[:w|r|R]: would taking B
 * while holding A close a deadlock circle with what was observed?  The
 * answer is lockdep's own check_noncircular() with its strong-path rule for
 * readers (lg_graph_check_new_edge()), on the stored graph, without
 * changing it.  A circle is printed as lockdep would print it, with the
 * stacks of the observed dependencies.
 *
 * Exit status: 0 no circle would close, 1 one would, 3 error, 4 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cycle_report.h"

/* A class and the mode it is held or taken in. */
struct lock_spec {
	char *name;
	enum lg_mode mode;
};

static const char *mode_word(enum lg_mode m)
{
	return m == LG_MODE_WRITE ? "write" :
	       m == LG_MODE_READ ? "read" : "recursive read";
}

/* "CLASS", "CLASS:w", "CLASS:r" or "CLASS:R" (w and W are the same). */
static int parse_spec(const char *opt, const char *text, struct lock_spec *sp)
{
	size_t len = strlen(text);

	sp->mode = LG_MODE_WRITE;
	if (len > 2 && text[len - 2] == ':' && strchr("wWrR", text[len - 1])) {
		if (text[len - 1] != 'w')
			lg_mode_parse(text[len - 1], &sp->mode);
		len -= 2;
	}
	if (!len) {
		cli_err("whatif: %s needs a lock class name", opt);
		return -EINVAL;
	}
	sp->name = strndup(text, len);
	return sp->name ? 0 : -ENOMEM;
}

/* JSON of what was asked. */
static void json_spec(const char *key, const struct lock_spec *sp, bool *first)
{
	bool f = true;

	json_key(stdout, key, first);
	printf("{");
	json_key(stdout, "class", &f);
	json_str(stdout, sp->name);
	printf(",\"mode\":\"%c\"}", lg_mode_char(sp->mode));
}

/*
 * Re-taking a held class is not an edge: lockdep reports it as recursive
 * locking unless a reader re-takes it as a recursive reader.
 */
static int same_class(const struct lock_spec *h, const struct lock_spec *a)
{
	bool ok = h->mode != LG_MODE_WRITE && a->mode == LG_MODE_RECURSIVE_READ;
	bool first = true;

	if (cli.json) {
		printf("{");
		json_spec("holding", h, &first);
		json_spec("acquire", a, &first);
		printf(",\"would_close\":false,\"recursive_locking\":%s}\n",
		       ok ? "false" : "true");
	} else if (ok) {
		printf("taking %s as a recursive reader while holding it for "
		       "%s is allowed: no dependency, no circle\n", a->name,
		       mode_word(h->mode));
	} else {
		printf("taking %s (%s) while holding it (%s) is recursive "
		       "locking: lockdep reports \"possible recursive locking "
		       "detected\"\n", a->name, mode_word(a->mode),
		       mode_word(h->mode));
	}
	return ok ? EXIT_SUCCESS : LG_EXIT_FOUND;
}

int cmd_whatif(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "holding", required_argument, NULL, 'H' },
		{ "acquire", required_argument, NULL, 'a' },
		{ 0 },
	};
	struct lock_spec held = { 0 }, want = { 0 };
	int64_t *class_rows = NULL, *edge_rows = NULL, *observed = NULL;
	struct lg_path cycle = { 0 };
	struct lg_graph *g = NULL;
	struct lg_store *s = NULL;
	lg_class_id from, to;
	lg_edge_id asked;
	unsigned int pair;
	char *report = NULL, title[512];
	size_t len = 0;
	FILE *f = NULL;
	int c, err, ret = LG_EXIT_GATE_USAGE;

	while ((c = getopt_long(argc, argv, "H:a:", opts, NULL)) != -1) {
		struct lock_spec *sp = c == 'H' ? &held : &want;

		if (c != 'H' && c != 'a')
			goto cleanup;
		if (sp->name) {
			cli_err("whatif: --%s given twice",
				c == 'H' ? "holding" : "acquire");
			goto cleanup;
		}
		if (parse_spec(c == 'H' ? "--holding" : "--acquire", optarg, sp))
			goto cleanup;
	}
	if (optind < argc) {
		cli_err("whatif: unexpected argument '%s'", argv[optind]);
		goto cleanup;
	}
	if (!held.name || !want.name) {
		cli_err("whatif: need --holding CLASS[:w|r|R] and --acquire "
			"CLASS[:w|r|R]");
		goto cleanup;
	}

	ret = LG_EXIT_GATE_ERROR;
	s = cli_open_store(false);
	if (!s)
		goto cleanup;
	g = cli_load_graph(s, &class_rows, &edge_rows);
	if (!g)
		goto cleanup;
	for (int k = 0; k < 2; k++) {
		const char *name = k ? want.name : held.name;

		if (lg_graph_class(g, name, false, k ? &to : &from)) {
			cli_err("no lock class named '%s' in %s (see `lockgraph "
				"classes`)", name, cli.db_path);
			goto cleanup;
		}
	}
	if (from == to) {
		ret = same_class(&held, &want);
		goto cleanup;
	}
	pair = lg_mode_pair(held.mode, want.mode);
	err = lg_graph_check_new_edge(g, from, to, pair, &cycle);
	if (err < 0) {
		cli_err("whatif: %s", strerror(-err));
		goto cleanup;
	}
	snprintf(title, sizeof(title), "lockgraph whatif: %s (%c) taken while "
		 "holding %s (%c)", want.name, lg_mode_char(want.mode), held.name,
		 lg_mode_char(held.mode));
	if (!err) {
		if (cli.json) {
			bool first = true;

			printf("{");
			json_spec("holding", &held, &first);
			json_spec("acquire", &want, &first);
			printf(",\"would_close\":false}\n");
		} else {
			printf("no circle: taking %s (%s) while holding %s (%s) "
			       "agrees with every dependency in %s\n", want.name,
			       mode_word(want.mode), held.name, mode_word(held.mode),
			       cli.db_path);
		}
		ret = EXIT_SUCCESS;
		goto cleanup;
	}

	/* cycle: classes from @to round to @from; its last edge is the new one. */
	observed = calloc(cycle.n, sizeof(*observed));
	f = open_memstream(&report, &len);
	if (!observed || !f) {
		cli_err("out of memory");
		goto cleanup;
	}
	for (size_t i = 0; i + 1 < cycle.n; i++)
		observed[i] = edge_rows[cycle.edges[i]];
	asked = lg_graph_find_edge(g, from, to);
	err = lg_store_print_whatif(s, observed, cycle.n - 1,
				    asked == LG_NONE ? 0 : edge_rows[asked], pair,
				    title, f);
	if (fclose(f) && !err)
		err = -ENOMEM;
	f = NULL;
	if (err) {
		cli_err("whatif: %s: %s", cli.db_path,
			cli_store_error(s, err));
		goto cleanup;
	}
	if (cli.json) {
		bool first = true;

		printf("{");
		json_spec("holding", &held, &first);
		json_spec("acquire", &want, &first);
		printf(",\"would_close\":true,\"observed\":%s",
		       asked == LG_NONE ? "false" : "true");
		json_key(stdout, "classes", &first);
		printf("[");
		for (size_t i = 0; i < cycle.n; i++) {
			printf("%s", i ? "," : "");
			json_str(stdout, lg_graph_class_name(g, cycle.classes[i]));
		}
		printf("]");
		json_key(stdout, "report", &first);
		json_str(stdout, report);
		printf("}\n");
	} else {
		printf("taking %s (%s) while holding %s (%s) would close a "
		       "circle of %zu classes%s:\n", want.name,
		       mode_word(want.mode), held.name, mode_word(held.mode),
		       cycle.n, asked == LG_NONE ? "" :
		       " (and that dependency was seen already)");
		for (size_t i = 0; i < cycle.n; i++)
			printf("  %s ->\n", lg_graph_class_name(g, cycle.classes[i]));
		printf("  %s\n\n%s", want.name, report);
	}
	ret = LG_EXIT_FOUND;
cleanup:
	if (f)
		fclose(f);
	free(report);
	free(observed);
	lg_path_free(&cycle);
	lg_graph_free(g);
	free(class_rows);
	free(edge_rows);
	lg_store_close(s);
	free(held.name);
	free(want.name);
	return ret;
}
