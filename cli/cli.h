/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The lockgraph command line: shared state and the command handlers.
 * Handlers return an exit status (EXIT_SUCCESS, EXIT_FAILURE, or
 * LG_EXIT_USAGE) and print their own one-line errors to stderr.
 */
#ifndef LOCKGRAPH_CLI_H
#define LOCKGRAPH_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "store.h"

#define LG_EXIT_USAGE 2

/*
 * The gate commands (check, diff, whatif) answer with their exit status, so
 * errors move up: 0 clean / no difference / no circle, 1 found, 2
 * inconclusive (check: events dropped or a probe source missing), 3 error
 * (database, I/O, bad input), 4 usage.
 */
#define LG_EXIT_FOUND 1
#define LG_EXIT_INCONCLUSIVE 2
#define LG_EXIT_GATE_ERROR 3
#define LG_EXIT_GATE_USAGE 4

struct cli {
	const char *db_path;
	bool json;
	const char *prog;
};

extern struct cli cli;

/* A command: name and handler, bpftool style (prefixes match). */
struct cli_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
};

/* Print "lockgraph: " + message to stderr. */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Open the database for reading (@write false) or writing; prints the
 * error and returns NULL on failure.
 */
struct lg_store *cli_open_store(bool write);

/* Format unix time @t as "2026-11-21 19:25:29" (UTC) into @buf (24 bytes). */
const char *cli_time(int64_t t, char *buf);

/* JSON output helpers. */
void json_str(FILE *f, const char *s);
void json_key(FILE *f, const char *key, bool *first);
/* Newline-separated stack @frames as a JSON array of strings, on stdout. */
void json_frames(const char *frames);

int cmd_classes(int argc, char **argv);
int cmd_edges(int argc, char **argv);
int cmd_cycles(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_path(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_ingest(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_whatif(int argc, char **argv);

#endif /* LOCKGRAPH_CLI_H */
