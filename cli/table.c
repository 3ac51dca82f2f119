/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tables for the terminal.  Piped, a table prints each cell at its
 * column's fixed printf width, the stable layout scripts and the golden
 * tests read.  On a terminal, columns are as wide as their widest cell and
 * the last column fits the terminal: cut with an ellipsis, or wrapped
 * under itself.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"

/* Narrowest the last column gets, however narrow the terminal. */
#define LAST_MIN 12

bool cli_tty(void)
{
	return !cli.json && isatty(STDOUT_FILENO);
}

int cli_term_width(int fd)
{
	struct winsize ws;
	const char *env;
	long n;

	if (!ioctl(fd, TIOCGWINSZ, &ws) && ws.ws_col > 0)
		return ws.ws_col;
	env = getenv("COLUMNS");
	n = env ? strtol(env, NULL, 10) : 0;
	return n > 0 && n < 10000 ? (int)n : 80;
}

/* Display columns of UTF-8 @s: continuation bytes take none. */
static size_t text_cols(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* Bytes of @s that fill at most @cols display columns. */
static size_t bytes_for_cols(const char *s, size_t cols)
{
	size_t i = 0, n = 0;

	while (s[i]) {
		if (((unsigned char)s[i] & 0xc0) != 0x80 && n++ == cols)
			break;
		i++;
	}
	return i;
}

void cli_print_fit(const char *indent, const char *text, int width)
{
	size_t room = width > 0 ? (size_t)width : 0;

	room = room > text_cols(indent) + 1 ? room - text_cols(indent) : 1;
	if (text_cols(text) <= room)
		printf("%s%s\n", indent, text);
	else
		printf("%s%.*s\u2026\n", indent, (int)bytes_for_cols(text, room - 1),
		       text);
}

void cli_table_init(struct cli_table *t, const struct cli_col *cols,
		    size_t ncols, const char *indent, bool wrap)
{
	memset(t, 0, sizeof(*t));
	t->cols = cols;
	t->ncols = ncols;
	t->indent = indent;
	t->wrap = wrap;
}

void cli_table_cell(struct cli_table *t, const char *fmt, ...)
{
	va_list ap;
	char *cell;

	if (t->err)
		return;
	if (t->ncells == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 32;
		char **nc = realloc(t->cells, cap * sizeof(*nc));

		if (!nc) {
			t->err = -ENOMEM;
			return;
		}
		t->cells = nc;
		t->cap = cap;
	}
	va_start(ap, fmt);
	if (vasprintf(&cell, fmt, ap) < 0) {
		t->err = -ENOMEM;
		cell = NULL;
	}
	va_end(ap);
	if (cell)
		t->cells[t->ncells++] = cell;
}

/* Pad @s to @w columns, right- or left-aligned. */
static void print_padded(const char *s, size_t w, bool right)
{
	size_t n = text_cols(s), pad = n < w ? w - n : 0;

	printf("%*s%s%*s", right ? (int)pad : 0, "", s, right ? 0 : (int)pad, "");
}

/* The piped layout: each column at its printf width and separator. */
static void print_stable(const struct cli_table *t, size_t nrows)
{
	for (size_t r = 0; r <= nrows; r++) {
		fputs(t->indent, stdout);
		for (size_t c = 0; c < t->ncols; c++) {
			const struct cli_col *col = &t->cols[c];
			const char *s = r ? t->cells[(r - 1) * t->ncols + c] :
					    col->head;

			fputs(col->sep, stdout);
			print_padded(s, (size_t)col->width, col->right);
		}
		putchar('\n');
	}
}

/*
 * The last cell @s from column @start on: cut to @room columns with an
 * ellipsis, or wrapped at spaces into lines of @room, each continuation
 * starting at @start.
 */
static void print_last(const struct cli_table *t, const char *s, size_t start,
		       size_t room)
{
	if (!t->wrap) {
		if (text_cols(s) <= room)
			fputs(s, stdout);
		else
			printf("%.*s\u2026", (int)bytes_for_cols(s, room - 1), s);
		return;
	}
	while (text_cols(s) > room) {
		size_t n = bytes_for_cols(s, room), cut = n;

		while (cut > 0 && s[cut] != ' ')
			cut--;
		if (!cut)
			cut = n;
		printf("%.*s\n%*s", (int)cut, s, (int)start, "");
		s += cut;
		while (*s == ' ')
			s++;
	}
	fputs(s, stdout);
}

/* The terminal layout: columns as wide as their widest cell. */
static int print_tty(const struct cli_table *t, size_t nrows)
{
	size_t *w = calloc(t->ncols, sizeof(*w)), start, room;
	int width = cli_term_width(STDOUT_FILENO);

	if (!w)
		return -ENOMEM;
	start = text_cols(t->indent);
	for (size_t c = 0; c < t->ncols; c++) {
		w[c] = text_cols(t->cols[c].head);
		for (size_t r = 0; r < nrows; r++) {
			size_t n = text_cols(t->cells[r * t->ncols + c]);

			if (n > w[c])
				w[c] = n;
		}
		if (c + 1 < t->ncols)
			start += w[c] + 2;
	}
	room = (size_t)width > start + LAST_MIN ? (size_t)width - start : LAST_MIN;
	for (size_t r = 0; r <= nrows; r++) {
		fputs(t->indent, stdout);
		for (size_t c = 0; c < t->ncols; c++) {
			const char *s = r ? t->cells[(r - 1) * t->ncols + c] :
					    t->cols[c].head;

			if (c + 1 == t->ncols && !*s)
				break;	/* no trailing blanks */
			if (c)
				fputs("  ", stdout);
			if (c + 1 < t->ncols)
				print_padded(s, w[c], t->cols[c].right);
			else
				print_last(t, s, start, room);
		}
		putchar('\n');
	}
	free(w);
	return 0;
}

int cli_table_print(struct cli_table *t)
{
	size_t nrows = t->ncols ? t->ncells / t->ncols : 0;
	int err = t->err;

	if (!err && t->ncells % t->ncols)
		err = -EINVAL;
	if (!err && cli_tty())
		err = print_tty(t, nrows);
	else if (!err)
		print_stable(t, nrows);
	for (size_t i = 0; i < t->ncells; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
	return err;
}
