/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the text parsers (lockdep reports, /proc/lockdep):
 * telling text from binary input, saying where parsing failed, and small
 * character and string helpers.
 */
#ifndef LOCKGRAPH_ANALYZER_TEXT_INPUT_H
#define LOCKGRAPH_ANALYZER_TEXT_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Where parsing failed: input line (1-based) and what is wrong. */
struct lg_parse_error {
	unsigned int line;
	char msg[200];
};

/*
 * Record in @err (if not NULL) that parsing failed at input line @line, for
 * the printf-style reason @fmt (no trailing newline).
 */
void lg_parse_error_set(struct lg_parse_error *err, unsigned int line,
			const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Is @buf (@len bytes) text?  Binary means a NUL byte anywhere, or more than
 * 10% of the bytes neither printable ASCII, whitespace nor part of a valid
 * UTF-8 sequence.  Returns 0 for text (including empty input) and
 * -EMEDIUMTYPE for binary input.
 */
int lg_text_check(const char *buf, size_t len);

/*
 * lg_text_check() for console logs, which may carry stray NUL bytes (a
 * serial line's noise, a reboot): a NUL is one more byte that is not text,
 * so only a file of more than 10% such bytes is binary.
 */
int lg_log_text_check(const char *buf, size_t len);

/* Character classes without locale or signed-char surprises. */
static inline bool lg_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline bool lg_is_xdigit(char c)
{
	return lg_is_digit(c) || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

static inline bool lg_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Copy of the @n bytes at @s, NUL-terminated; NULL when out of memory. */
static inline char *lg_dup_range(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

#endif /* LOCKGRAPH_ANALYZER_TEXT_INPUT_H */
