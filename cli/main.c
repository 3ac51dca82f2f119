/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lockgraph: query and feed the lock-order graph.
 *
 *   lockgraph [--db PATH] [-j] COMMAND [ARGS]
 *
 * Commands are matched by unambiguous prefix, like bpftool's.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cycle_report.h"

#define LOCKGRAPH_VERSION "0.1.0"

struct cli cli = {
	.db_path = LG_STORE_DEFAULT_PATH,
};

static const struct cli_cmd commands[] = {
	{ "status", cmd_status, "status" },
	{ "classes", cmd_classes, "classes" },
	{ "chains", cmd_chains, "chains [--class CLASS] [--limit N]" },
	{ "edges", cmd_edges, "edges [--from CLASS] [--to CLASS]" },
	{ "cycles", cmd_cycles, "cycles" },
	{ "report", cmd_report, "report ID [--original]" },
	{ "path", cmd_path, "path CLASS_A CLASS_B" },
	{ "export", cmd_export, "export --format dot|json" },
	{ "show-cycle", cmd_show_cycle, "show-cycle ID [--svg FILE | --png FILE]" },
	{ "top", cmd_top, "top [--sort total|waits|max|avg] [--boot ID] [--limit N]" },
	{ "ingest", cmd_ingest,
	  "ingest [--format auto|splat|proc-lockdep] [--host NAME] [--boot ID] FILE..." },
	{ "check", cmd_check, "check --baseline BASE.db [--fail-on cycle,new-edge,drops]" },
	{ "diff", cmd_diff, "diff A.db B.db" },
	{ "merge", cmd_merge, "merge OUT.db IN.db..." },
	{ "whatif", cmd_whatif, "whatif --holding CLASS[:w|r|R] --acquire CLASS[:w|r|R]" },
};

void cli_err(const char *fmt, ...)
{
	va_list ap;

	cli_progress_clear();
	fprintf(stderr, "%s: ", cli.prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

struct lg_store *cli_open_store(bool write)
{
	char err[LG_STORE_ERR_MAX];
	struct lg_store *s;

	if (lg_store_open(cli.db_path, write ? 0 : LG_STORE_READONLY, &s, err)) {
		cli_err("%s", err);
		return NULL;
	}
	return s;
}

const char *cli_time(int64_t t, char *buf)
{
	return lg_format_time(t, buf);
}

void json_str(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

void json_key(FILE *f, const char *key, bool *first)
{
	if (!*first)
		fputc(',', f);
	*first = false;
	json_str(f, key);
	fputc(':', f);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [OPTIONS] COMMAND [ARGS]\n"
		"\n"
		"Query and feed the lock-order graph lockgraphd builds.\n"
		"\n"
		"Commands:\n",
		cli.prog);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %s\n", commands[i].usage);
	fprintf(f,
		"\n"
		"Options:\n"
		"  -d, --db PATH   database (default %s)\n"
		"  -j, --json      JSON output\n"
		"  -h, --help      this help\n"
		"  -V, --version   version\n"
		"\n"
		"Exit status: 0 success, 1 error (bad input, database, or path found\n"
		"  no path), 2 usage;\n"
		"  check:  0 clean, 1 new cycle or dependency, 2 inconclusive (events\n"
		"          dropped, a probe source missing, or no boot in the run),\n"
		"          3 error, 4 usage\n"
		"  diff:   0 same graph, 1 different, 3 error, 4 usage\n"
		"  whatif: 0 no circle would close, 1 one would, 3 error, 4 usage\n",
		LG_STORE_DEFAULT_PATH);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	const struct cli_cmd *match = NULL;
	const char *env;
	size_t len;
	int c;

	cli.prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	env = getenv("LOCKGRAPH_DB");
	if (env && *env)
		cli.db_path = env;
	while ((c = getopt_long(argc, argv, "+d:jhV", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			cli.db_path = optarg;
			break;
		case 'j':
			cli.json = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		case 'V':
			printf("lockgraph %s (schema %d)\n", LOCKGRAPH_VERSION,
			       lg_store_schema_version());
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return LG_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return LG_EXIT_USAGE;
	}
	len = strlen(argv[optind]);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strncmp(commands[i].name, argv[optind], len))
			continue;
		if (match && strlen(commands[i].name) != len) {
			char names[256] = "";

			for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
				if (!strncmp(commands[k].name, argv[optind], len))
					snprintf(names + strlen(names),
						 sizeof(names) - strlen(names), "%s%s",
						 names[0] ? ", " : "", commands[k].name);
			cli_err("'%s' is ambiguous: %s", argv[optind], names);
			return LG_EXIT_USAGE;
		}
		match = &commands[i];
		if (strlen(commands[i].name) == len)
			break;
	}
	if (!match) {
		cli_err("unknown command '%s' (try --help)", argv[optind]);
		return LG_EXIT_USAGE;
	}
	/* The handler sees its own name as argv[0], like a program. */
	optind++;
	argc -= optind - 1;
	argv += optind - 1;
	optind = 0;
	return match->fn(argc, argv);
}
