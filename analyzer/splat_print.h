/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Print a circular dependency the way lockdep's print_circular_bug() does,
 * so a kernel developer reads it without learning a new format.
 */
#ifndef LOCKGRAPH_ANALYZER_SPLAT_PRINT_H
#define LOCKGRAPH_ANALYZER_SPLAT_PRINT_H

#include <stddef.h>
#include <stdio.h>

#include "graph.h"

/* One dependency of the circle: @to acquired while @from was held. */
struct lg_print_edge {
	const char *from, *to;	     /* class names */
	const char *from_usage;	     /* lockdep usage of @from ("+.+."), or NULL */
	unsigned int pairs;	     /* lg_mode_pair() bits */
	char *const *to_frames;	     /* stack of the @to acquisition, innermost first */
	size_t nto_frames;
	char *const *from_frames;    /* stack of the @from acquisition, if known */
	size_t nfrom_frames;
	const char *to_task;	     /* "khugepaged/43", or NULL */
	const char *seen;	     /* where it was seen, one line, or NULL */
};

/*
 * The circle c[0] -> c[1] -> ... -> c[n-1] -> c[0], as @edges[i] = c[i] ->
 * c[i+1], the last one being the dependency that closes it (the task holds
 * c[n-1] and is trying to acquire c[0]).  @version_line stands where lockdep
 * prints the kernel version (may be NULL).
 */
struct lg_print_cycle {
	const char *version_line;
	const struct lg_print_edge *edges;
	size_t n;
};

/*
 * Write @c to @f in print_circular_bug()'s layout: the header, "the
 * existing dependency chain (in reverse order) is:" with one "-> #N
 * (class){usage}:" block and stack per class, "Chain exists of:" for three
 * classes or more, the CPU0/CPU1 "Possible unsafe locking scenario" and
 * "*** DEADLOCK ***", then where each edge was seen.  Where lockdep prints a
 * class's irq usage we print the lockdep usage when we have it, otherwise
 * the mode it was taken in ({W}, {r}, {R}).  Returns 0, -EINVAL (n < 2) or
 * -EIO (write error).
 */
int lg_print_cycle(FILE *f, const struct lg_print_cycle *c);

/*
 * The frame a lock was taken "at": the first frame of @frames that is not
 * lock machinery (lock_acquire, down_read, mutex_lock, _raw_spin_lock...).
 * NULL when there are no frames.
 */
const char *lg_print_at_frame(char *const *frames, size_t nframes);

/*
 * The function of @frame ("rmap_walk_file" of "rmap_walk_file+0x5a/0x147")
 * into @out (@size bytes, truncated to fit).
 */
void lg_frame_function(const char *frame, char *out, size_t size);

#endif /* LOCKGRAPH_ANALYZER_SPLAT_PRINT_H */
