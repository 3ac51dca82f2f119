/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One progress line on stderr for long commands (ingest of a large console
 * log): drawn only when stderr is a terminal and the output is not JSON,
 * at once when a new stage starts (a new format), otherwise at most four
 * times a second; erased before anything else is printed.  Piped or with
 * -j, nothing.
 */
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/* Inputs smaller than this finish before a progress line would help. */
#define PROGRESS_MIN_BYTES (1 << 20)
#define PROGRESS_INTERVAL_NS 250000000LL

static struct {
	bool on;		/* this command shows progress */
	bool drawn;		/* a progress line is on the screen */
	const char *stage;	/* the format last drawn */
	struct timespec last;	/* when it was last drawn */
} progress;

static long long ns_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000000000LL +
	       (now.tv_nsec - t->tv_nsec);
}

void cli_progress_begin(size_t total)
{
	memset(&progress, 0, sizeof(progress));
	progress.on = !cli.json && isatty(STDERR_FILENO) &&
		      (!total || total >= PROGRESS_MIN_BYTES);
}

void cli_progress(const char *fmt, ...)
{
	char line[512];
	int width;
	va_list ap;

	if (!progress.on)
		return;
	if (fmt == progress.stage &&
	    ns_since(&progress.last) < PROGRESS_INTERVAL_NS)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One column short of the width: no wrap, so \r redraws it. */
	width = cli_term_width(STDERR_FILENO) - 1;
	fprintf(stderr, "\r\033[K%.*s", width > 0 ? width : 1, line);
	fflush(stderr);
	progress.drawn = true;
	progress.stage = fmt;
	clock_gettime(CLOCK_MONOTONIC, &progress.last);
}

void cli_progress_clear(void)
{
	if (!progress.drawn)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	progress.drawn = false;
}

void cli_progress_end(void)
{
	cli_progress_clear();
	progress.on = false;
}
