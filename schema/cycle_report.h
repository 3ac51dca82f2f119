/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A stored cycle as a lockdep-style report: the edges of the cycle with
 * their stacks, tasks and where they were seen, handed to lg_print_cycle()
 * (analyzer/splat_print.h).  Used by `lockgraph report` and by lockgraphd
 * when it finds a new cycle.
 */
#ifndef LOCKGRAPH_SCHEMA_CYCLE_REPORT_H
#define LOCKGRAPH_SCHEMA_CYCLE_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "store.h"

/*
 * Write cycle @id of @s to @f in print_circular_bug()'s layout, starting
 * the chain after its closing edge (the acquisition that closed it comes
 * last, as in lockdep).  Reads through @s's connection, so it sees the
 * caller's open transaction.  Returns 0, -ENOENT (no such cycle), -EINVAL
 * (a damaged cycle or file), another -errno of SQLite's (-EIO, -EBUSY...:
 * lg_store_errmsg() says what) or -ENOMEM.
 */
int lg_store_print_cycle(struct lg_store *s, int64_t id, FILE *f);

/*
 * Write, in the same layout, the circle that a dependency asked about
 * would close: @edge_ids[0..n-1] are the observed edges (row ids) in chain
 * order, from the class that would be acquired round to the one held, and
 * the dependency asked about (held -> acquired, mode pairs @pairs) comes
 * last, as the acquisition lockdep would catch; @asked is its row when it
 * was observed already (its stack is shown), else 0.  @title stands where
 * lockdep prints the kernel version.  Returns 0, -ENOENT (no such edge),
 * -EINVAL (n == 0), -EIO (SQLite) or -ENOMEM.
 */
int lg_store_print_whatif(struct lg_store *s, const int64_t *edge_ids,
			  size_t n, int64_t asked, unsigned int pairs,
			  const char *title, FILE *f);

/* Format unix time @t as "2026-11-21 19:25:29" (UTC) into @buf (24 bytes). */
const char *lg_format_time(int64_t t, char *buf);

/* Frames split out of a stacks.frames text; owns its buffer. */
struct lg_frames {
	char **v;
	size_t n;
	char *buf;
};

/* Split newline-separated @text into @f; empty on NULL text or no memory. */
void lg_frames_split(const char *text, struct lg_frames *f);
void lg_frames_free(struct lg_frames *f);

#endif /* LOCKGRAPH_SCHEMA_CYCLE_REPORT_H */
