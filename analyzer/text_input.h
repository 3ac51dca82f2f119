/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the text parsers (lockdep reports, /proc/lockdep):
 * telling text from binary input.
 */
#ifndef LOCKGRAPH_ANALYZER_TEXT_INPUT_H
#define LOCKGRAPH_ANALYZER_TEXT_INPUT_H

#include <stddef.h>

/*
 * Is @buf (@len bytes) text?  Binary means a NUL byte anywhere, or more than
 * 10% of the bytes neither printable ASCII, whitespace nor part of a valid
 * UTF-8 sequence.  Returns 0 for text (including empty input) and
 * -EMEDIUMTYPE for binary input.
 */
int lg_text_check(const char *buf, size_t len);

#endif /* LOCKGRAPH_ANALYZER_TEXT_INPUT_H */
