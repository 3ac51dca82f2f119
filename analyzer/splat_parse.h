/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Parser for lockdep reports ("splats") in console logs, dmesg, journal
 * exports and mailed bug reports.
 *
 * Input lines may carry any of the prefixes kernels and tools put in front
 * of printk output: "[ 2311.315400] ", caller tags "[ T1234]" / "[  C0]",
 * syslog/journal "Mon DD hh:mm:ss host kernel: ", "<4>" levels, mail quoting
 * "> " (several levels), and mail-mangled line breaks (seed 003: the
 * timestamp alone on one line, its text on the next).  The parser strips
 * them and recognises every lockdep report kind; only "possible circular
 * locking dependency detected" reports are decoded into a dependency chain.
 */
#ifndef LOCKGRAPH_ANALYZER_SPLAT_PARSE_H
#define LOCKGRAPH_ANALYZER_SPLAT_PARSE_H

#include <stddef.h>

#include "graph.h"
#include "text_input.h" /* struct lg_parse_error */

enum lg_splat_kind {
	LG_SPLAT_CIRCULAR,	   /* possible circular locking dependency detected */
	LG_SPLAT_RECURSIVE,	   /* possible recursive locking detected */
	LG_SPLAT_INCONSISTENT,	   /* inconsistent lock state */
	LG_SPLAT_IRQ_INVERSION,	   /* possible irq lock inversion dependency detected */
	LG_SPLAT_IRQ_SAFE_UNSAFE,  /* XXX-safe -> XXX-unsafe lock order detected */
	LG_SPLAT_BAD_UNLOCK,	   /* bad unlock balance detected! */
	LG_SPLAT_BAD_CONTENTION,   /* bad contention detected! */
	LG_SPLAT_HELD_FREED,	   /* held lock freed! */
	LG_SPLAT_HELD_RETURNING,   /* lock held when returning to user space! */
	LG_SPLAT_HELD_EXIT,	   /* lock held at task exit time! */
	LG_SPLAT_SUSPICIOUS_RCU,   /* suspicious RCU usage */
	LG_SPLAT_WRONG_CONTEXT,	   /* Invalid wait context */
	LG_SPLAT_NESTING,	   /* nested lock was not taken / other lockdep BUG */
	LG_SPLAT_NON_STATIC_KEY,   /* trying to register non-static key. */
	LG_SPLAT_LIMIT,		   /* MAX_... too low!: lockdep turned itself off */
	LG_SPLAT_KIND_COUNT,
};

/* Short name of a kind ("circular", "recursive", ...); never NULL. */
const char *lg_splat_kind_name(enum lg_splat_kind kind);

/* One "-> #N (class){usage}:" block of a circular report. */
struct lg_splat_dep {
	int index;	     /* N */
	char *class_name;    /* "&vma->vm_sequence/1" */
	char *usage;	     /* "{+.+.}" or "{++++}-{3:3}" as printed, or NULL */
	enum lg_mode mode;   /* from the lock primitive in the frames */
	char **frames;	     /* "rmap_walk_file+0x5a/0x147"; "? " frames dropped */
	size_t nframes;
};

struct lg_splat {
	enum lg_splat_kind kind;
	char *title;		  /* "WARNING: possible circular locking ..." */
	unsigned int first_line;  /* 1-based line of the "=====" or title */
	unsigned int last_line;	  /* last line that belongs to the report */
	char *kernel;		  /* "4.13.0-rc5-next-... #1743 Not tainted" or NULL */
	char *task;		  /* "khugepaged" or NULL */
	int pid;		  /* 43, or -1 */

	/* Circular reports only; NULL / 0 for the other kinds. */
	char *trying_class;	  /* the lock being acquired */
	char *trying_at;	  /* its "at:" symbol, "rmap_walk_file+0x5a/0x147" */
	char *held_class;	  /* the lock already held that closes the circle */
	char *held_at;
	struct lg_splat_dep *deps; /* as printed: #N first, #0 last */
	size_t ndeps;
	char **chain;		  /* "Chain exists of:" classes, or NULL */
	size_t nchain;

	char *text;		  /* the report's lines, prefixes stripped */
};

struct lg_splat_list {
	struct lg_splat *v;
	size_t n;
};

/*
 * Find and parse every lockdep report in @buf (@len bytes, need not be
 * NUL-terminated).  Appends the reports to @out in input order.
 *
 * A circular report must be complete and consistent: blocks numbered N..0,
 * at least two of them, #0 naming the lock being acquired, #N the held one,
 * each block with at least one frame, and a "Chain exists of:" line (when
 * present) naming classes of the chain.  A truncated or garbled circular
 * report fails the whole parse with -EBADMSG and @err set (line and reason).
 * Binary input (NUL bytes, or mostly non-text) fails with -EMEDIUMTYPE.
 * Input with no lockdep report at all returns 0 with @out->n == 0 (the
 * caller decides whether that is an error).  Returns 0, -EBADMSG,
 * -EMEDIUMTYPE or -ENOMEM; on error @out is left as it was.
 */
int lg_splat_parse(const char *buf, size_t len, struct lg_splat_list *out,
		   struct lg_parse_error *err);

/*
 * How far a long parse got, for a progress display.  @fn is called every
 * few thousand lines while the input is scanned for reports (@bytes of
 * @total scanned, @found reports so far, @decoded 0), then after every
 * hundred reports decoded (@bytes == @total, @decoded of @found).
 */
struct lg_parse_progress {
	void (*fn)(void *ctx, size_t bytes, size_t total, size_t found,
		   size_t decoded);
	void *ctx;
};

/* lg_splat_parse(), telling @progress (may be NULL) how far it got. */
int lg_splat_parse_progress(const char *buf, size_t len,
			    struct lg_splat_list *out,
			    struct lg_parse_error *err,
			    const struct lg_parse_progress *progress);

/* Free everything in @list and reset it to empty. */
void lg_splat_list_free(struct lg_splat_list *list);

/*
 * The acquisition mode a stack shows: the first lock primitive below
 * lock_acquire (down_read* -> read, rcu_read_lock* -> recursive read,
 * _raw_read_lock* -> read in a task, recursive read for the _bh forms and
 * in interrupt context, everything else -> write).
 */
enum lg_mode lg_mode_from_frames(char *const *frames, size_t nframes);

#endif /* LOCKGRAPH_ANALYZER_SPLAT_PARSE_H */
