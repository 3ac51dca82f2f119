/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the text parsers (lockdep reports, /proc/lockdep):
 * telling text from binary input, and saying where parsing failed.
 */
#ifndef LOCKGRAPH_ANALYZER_TEXT_INPUT_H
#define LOCKGRAPH_ANALYZER_TEXT_INPUT_H

#include <stddef.h>

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

#endif /* LOCKGRAPH_ANALYZER_TEXT_INPUT_H */
