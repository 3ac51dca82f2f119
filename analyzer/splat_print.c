/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lockdep-style circular dependency reports.  The layout follows
 * print_circular_bug(), print_circular_bug_entry() and
 * print_circular_lock_scenario() in kernel/locking/lockdep.c.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "splat_print.h"

static const char *const machinery[] = {
	"lock_acquire", "__lock_acquire", "lock_acquire.", "down_read",
	"down_write", "__down_", "up_read", "downgrade_write", "mutex_lock",
	"__mutex_lock", "mutex_trylock", "_raw_", "__raw_", "rwsem_",
	"percpu_down_", "lock_map_acquire", "might_lock", "__might_",
	"rt_mutex_lock", "rt_spin_lock", "ww_mutex_lock", "do_raw_",
	/* annotations that take a pseudo-lock or a seqcount for lockdep */
	"fs_reclaim_acquire", "write_seqcount_begin", "raw_write_seqcount_begin",
	/* lockdep itself, in old kernels' stacks */
	"validate_chain", "check_prev",
};

static bool is_machinery(const char *frame)
{
	for (size_t i = 0; i < sizeof(machinery) / sizeof(machinery[0]); i++)
		if (!strncmp(frame, machinery[i], strlen(machinery[i])))
			return true;
	return false;
}

const char *lg_print_at_frame(char *const *frames, size_t nframes)
{
	for (size_t i = 0; i < nframes; i++)
		if (!is_machinery(frames[i]))
			return frames[i];
	return nframes ? frames[0] : NULL;
}

void lg_frame_function(const char *frame, char *out, size_t size)
{
	size_t len = strcspn(frame, "+ ");

	snprintf(out, size, "%.*s", (int)len, frame);
}

/* The mode one end of @pairs was in: write wins, then read. */
static enum lg_mode end_mode(unsigned int pairs, bool from_end)
{
	static const enum lg_mode order[3] = { LG_MODE_WRITE, LG_MODE_READ,
					       LG_MODE_RECURSIVE_READ };

	for (int k = 0; k < 3; k++)
		for (int other = 0; other < 3; other++) {
			enum lg_mode a = from_end ? order[k] : (enum lg_mode)other;
			enum lg_mode b = from_end ? (enum lg_mode)other : order[k];

			if (pairs & lg_mode_pair(a, b))
				return order[k];
		}
	return LG_MODE_WRITE;
}

static void print_class(FILE *f, const char *name, const char *usage,
			enum lg_mode mode)
{
	if (usage)
		fprintf(f, "(%s){%s}", name, usage);
	else
		fprintf(f, "(%s){%c}", name, lg_mode_char(mode));
}

static void print_frames(FILE *f, char *const *frames, size_t n)
{
	if (!n) {
		fprintf(f, "       (no stack recorded)\n");
		return;
	}
	for (size_t i = 0; i < n; i++)
		fprintf(f, "       %s\n", frames[i]);
}

static const char *lock_word(enum lg_mode mode)
{
	return mode == LG_MODE_WRITE ? "lock" : "rlock";
}

int lg_print_cycle(FILE *f, const struct lg_print_cycle *c)
{
	const struct lg_print_edge *closing, *before;
	size_t n = c->n;
	const char *source, *target, *parent, *at;
	enum lg_mode source_mode, target_mode;

	if (n < 2 || !c->edges)
		return -EINVAL;
	closing = &c->edges[n - 1];
	before = &c->edges[n - 2];
	source = closing->to;	  /* the lock being acquired */
	target = closing->from;	  /* the lock held that closes the circle */
	parent = before->from;	  /* the class before target in the chain */
	source_mode = end_mode(closing->pairs, false);
	target_mode = end_mode(closing->pairs, true);

	fprintf(f, "\n======================================================\n");
	fprintf(f, "WARNING: possible circular locking dependency detected\n");
	if (c->version_line)
		fprintf(f, "%s\n", c->version_line);
	fprintf(f, "------------------------------------------------------\n");
	fprintf(f, "%s is trying to acquire lock:\n",
		closing->to_task ? closing->to_task : "task");
	print_class(f, source, c->edges[0].from_usage, source_mode);
	at = lg_print_at_frame(closing->to_frames, closing->nto_frames);
	fprintf(f, "%s%s\n", at ? ", at: " : "", at ? at : "");
	fprintf(f, "\nbut task is already holding lock:\n");
	print_class(f, target, closing->from_usage, target_mode);
	at = lg_print_at_frame(closing->from_frames, closing->nfrom_frames);
	fprintf(f, "%s%s\n", at ? ", at: " : "", at ? at : "");
	fprintf(f, "\nwhich lock already depends on the new lock.\n\n");
	fprintf(f, "\nthe existing dependency chain (in reverse order) is:\n");

	/* -> #N for c[n-1] down to #1 for c[1]: the edge into each class. */
	for (size_t k = n - 1; k >= 1; k--) {
		const struct lg_print_edge *e = &c->edges[k - 1];
		const char *usage = k < n - 1 ? c->edges[k].from_usage :
						closing->from_usage;

		fprintf(f, "\n-> #%zu ", k);
		print_class(f, e->to, usage, end_mode(e->pairs, false));
		fprintf(f, ":\n");
		print_frames(f, e->to_frames, e->nto_frames);
	}
	fprintf(f, "\n-> #0 ");
	print_class(f, source, c->edges[0].from_usage, source_mode);
	fprintf(f, ":\n");
	print_frames(f, closing->to_frames, closing->nto_frames);

	fprintf(f, "\nother info that might help us debug this:\n\n");
	if (n >= 3)
		fprintf(f, "Chain exists of:\n  %s --> %s --> %s\n\n", source,
			parent, target);
	fprintf(f, " Possible unsafe locking scenario:\n\n");
	fprintf(f, "       CPU0                    CPU1\n");
	fprintf(f, "       ----                    ----\n");
	fprintf(f, "  %s(%s);\n", lock_word(target_mode), target);
	fprintf(f, "                               %s(%s);\n",
		lock_word(end_mode(before->pairs, true)), parent);
	fprintf(f, "                               %s(%s);\n",
		lock_word(end_mode(before->pairs, false)), target);
	fprintf(f, "  %s(%s);\n", lock_word(source_mode), source);
	fprintf(f, "\n *** DEADLOCK ***\n\n");

	fprintf(f, "where each dependency was seen:\n");
	for (size_t i = 0; i < n; i++) {
		char modes[64];

		lg_mode_pairs_format(c->edges[i].pairs, modes, sizeof(modes));
		fprintf(f, "  %s -> %s [%s]: %s\n", c->edges[i].from,
			c->edges[i].to, modes,
			c->edges[i].seen ? c->edges[i].seen : "(no record)");
	}
	return ferror(f) ? -EIO : 0;
}
