/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lockgraph merge OUT.db IN.db...: the graphs of many hosts and boots in
 * one database, keeping where each edge was seen, then the whole-graph
 * cycle search, so circles whose edges were seen on different hosts show
 * up.  Each input is one transaction; the same input merged twice changes
 * nothing (schema/merge.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "merge.h"

static void print_result(const char *path, const struct lg_merge_stats *ms,
			 bool *first_json)
{
	if (cli.json) {
		bool f = true;

		printf("%s{", *first_json ? "" : ",");
		*first_json = false;
		json_key(stdout, "file", &f);
		json_str(stdout, path);
		printf(",\"merge\":%" PRId64 ",\"already_merged\":%s", ms->merge_id,
		       ms->already ? "true" : "false");
		printf(",\"hosts\":%" PRId64 ",\"boots\":%" PRId64 ",\"edges\":%" PRId64,
		       ms->hosts, ms->boots, ms->edges);
		if (!ms->already)
			printf(",\"classes_added\":%" PRId64 ",\"edges_added\":%" PRId64
			       ",\"cycles_added\":%" PRId64
			       ",\"cycle_search_truncated\":%s", ms->classes_added,
			       ms->edges_added, ms->cycles_added,
			       ms->search.truncated ? "true" : "false");
		printf("}");
		return;
	}
	if (ms->already) {
		printf("%s: already merged (merge #%" PRId64 "); nothing changed\n",
		       path, ms->merge_id);
		return;
	}
	printf("%s: %" PRId64 " host%s, %" PRId64 " boot%s, %" PRId64 " edge%s; "
	       "added %" PRId64 " class%s, %" PRId64 " edge%s, %" PRId64
	       " cycle%s (merge #%" PRId64 ")\n", path,
	       ms->hosts, ms->hosts == 1 ? "" : "s",
	       ms->boots, ms->boots == 1 ? "" : "s",
	       ms->edges, ms->edges == 1 ? "" : "s",
	       ms->classes_added, ms->classes_added == 1 ? "" : "es",
	       ms->edges_added, ms->edges_added == 1 ? "" : "s",
	       ms->cycles_added, ms->cycles_added == 1 ? "" : "s", ms->merge_id);
	if (ms->search.truncated)
		printf("%s: cycle search incomplete: %s\n", path,
		       ms->search.truncated_why);
}

int cmd_merge(int argc, char **argv)
{
	char err[LG_STORE_ERR_MAX];
	struct lg_merge_stats ms;
	bool first_json = true;
	struct lg_store *s;
	int ret = EXIT_SUCCESS, merged = 0;
	bool created;

	if (argc < 3 || argv[1][0] == '-') {
		cli_err("merge: need the output database and at least one input: "
			"merge OUT.db IN.db...");
		return LG_EXIT_USAGE;
	}
	created = access(argv[1], F_OK) && errno == ENOENT;
	if (lg_store_open(argv[1], 0, &s, err)) {
		cli_err("%s", err);
		return EXIT_FAILURE;
	}
	if (cli.json)
		printf("[");
	for (int i = 2; i < argc; i++) {
		if (lg_store_merge(s, argv[i], (int64_t)time(NULL), &ms, err)) {
			if (cli.json)
				fflush(stdout);
			cli_err("%s", err);
			ret = EXIT_FAILURE;
			continue;
		}
		print_result(argv[i], &ms, &first_json);
		merged++;
	}
	if (cli.json)
		printf("]\n");
	lg_store_close(s);
	if (created && !merged)	/* every input refused: leave no empty output */
		lg_store_remove(argv[1]);
	return ret;
}
