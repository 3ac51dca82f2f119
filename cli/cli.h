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

#include <sqlite3.h>

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
/*
 * @text cut at each @sep as a JSON array of strings, on stdout (NULL or ""
 * is []).
 */
void json_list(const char *text, const char *sep);
/* Newline-separated stack @frames as a JSON array of strings, on stdout. */
void json_frames(const char *frames);

/*
 * The stored graph, loaded for lg_graph_*() (cli/rows.c): returns it
 * (caller frees with lg_graph_free()), or NULL with the error printed.
 * *@class_rows and *@edge_rows map graph ids to row ids; the caller frees
 * them, also after a failure.
 */
struct lg_graph *cli_load_graph(struct lg_store *s, int64_t **class_rows,
				int64_t **edge_rows);

/*
 * Rows of a query (cli/rows.c).  cli_col_text(): column @i of the current
 * row as text, NULL for NULL; owned by @st until its next step.
 */
const char *cli_col_text(sqlite3_stmt *st, int i);

/*
 * Prepare @sql on @s.  On failure prints "@what: <SQLite's error>" (@what
 * NULL: "<db>: query failed: <SQLite's error>") and returns NULL; the
 * caller finalizes the statement.
 */
sqlite3_stmt *cli_prepare(struct lg_store *s, const char *sql, const char *what);

/*
 * The words for -errno @err of a schema/ function that reads through @s
 * (lg_store_print_cycle() and the like): its SQLite message, or what
 * -ENOMEM, -ENOENT and -EINVAL (damaged) mean.
 */
const char *cli_store_error(struct lg_store *s, int err);

/*
 * The end of a row loop whose last sqlite3_step() returned @rc: 0 when it
 * is SQLITE_DONE, else the error printed as cli_prepare() does and -EIO.
 */
int cli_step_done(struct lg_store *s, int rc, const char *what);

/* Newline-separated stack @frames, indented, one a line; NULL says none. */
void cli_print_frames(const char *frames);

/*
 * A column of a row printed by json_row(): its key (NULL: not printed)
 * and how its value is printed (NULL: by its SQLite type, an integer as a
 * number, text as a string, NULL as null).
 */
struct json_col {
	const char *key;
	void (*print)(sqlite3_stmt *st, int i);
};

/* Hooks for json_col: stack frames as an array of strings; 0/1 as a bool. */
void json_col_frames(sqlite3_stmt *st, int i);
void json_col_bool(sqlite3_stmt *st, int i);

/*
 * Print the first @n columns of @st's current row, described by @cols,
 * as members of the JSON object being written to stdout (json_key()
 * keeps @first); the caller writes the braces and any other member.
 */
void json_row(sqlite3_stmt *st, const struct json_col *cols, size_t n,
	      bool *first);

#define JSON_COLS(cols) (sizeof(cols) / sizeof((cols)[0]))

/* Is stdout a terminal (and the output not JSON)? */
bool cli_tty(void);

/* Columns of the terminal on @fd ($COLUMNS, else 80, when unknown). */
int cli_term_width(int fd);

/* Print @indent and @text in @width columns, cut with an ellipsis. */
void cli_print_fit(const char *indent, const char *text, int width);

/*
 * A progress line on stderr (cli/progress.c), for one long command at a
 * time.  cli_progress_begin() decides whether to show one: stderr a
 * terminal, not -j, and @total input bytes unknown (0) or at least 1 MiB.
 * cli_progress() redraws it, printf-style: at once when @fmt differs from
 * the last one drawn (a new stage), else at most four times a second.
 * cli_progress_clear() erases it before other output (cli_err() does);
 * cli_progress_end() erases it for good.
 */
void cli_progress_begin(size_t total);
void cli_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_progress_clear(void);
void cli_progress_end(void);

/* A column of a table (cli/table.c). */
struct cli_col {
	const char *head;
	int width;		/* piped: printf's minimum width (0 last) */
	bool right;		/* right-aligned (numbers) */
	const char *sep;	/* piped: the text before the column */
};

/*
 * A table: cells added row by row, printed at once.  Piped (or -j), each
 * cell is printed at its column's width and separator: the stable layout.
 * On a terminal, columns are as wide as their widest cell, two spaces
 * apart, and the last one fits the terminal: wrapped under itself (@wrap)
 * or cut with an ellipsis.
 */
struct cli_table {
	const struct cli_col *cols;
	size_t ncols;
	const char *indent;	/* before every line */
	bool wrap;
	char **cells;		/* row-major, owned */
	size_t ncells, cap;
	int err;		/* the first failure of cli_table_cell() */
};

void cli_table_init(struct cli_table *t, const struct cli_col *cols,
		    size_t ncols, const char *indent, bool wrap);

/* Add the next cell, printf-style; a failure is kept for print. */
void cli_table_cell(struct cli_table *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Print @t (heading, then rows) to stdout and free its cells.  Returns 0,
 * -ENOMEM (a cell could not be stored: nothing printed) or -EINVAL (the
 * cells do not fill whole rows).
 */
int cli_table_print(struct cli_table *t);

/*
 * Write the graph as DOT to @f: cycle @cycle drawn as a circle, or the
 * whole graph when @cycle is 0.  Cycle edges red, the mission's classes
 * filled, each edge labelled with the function that took the acquired
 * lock, its modes and count.  Returns 0, -ENOENT (no such cycle), -EINVAL
 * (a damaged cycle), -E2BIG (a cycle too long to draw), -ENOMEM or -EIO
 * (SQLite: sqlite3_errmsg(), or a write error on @f).
 */
int cli_write_dot(struct lg_store *s, int64_t cycle, FILE *f);

int cmd_classes(int argc, char **argv);
int cmd_chains(int argc, char **argv);
int cmd_edges(int argc, char **argv);
int cmd_cycles(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_path(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_ingest(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_show_cycle(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_whatif(int argc, char **argv);

#endif /* LOCKGRAPH_CLI_H */
