/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The contention reader's bookkeeping, without BPF: what one read of every
 * CPU's element of the contention source's "cont_cpu" map (struct
 * lg_cont_cpu, copied out by daemon/probes.c) adds to each key's totals,
 * and what grew since the last delivery.  Spill entries are taken for
 * good (added to the key's spilled figures); slots count only for the read
 * that saw them; a slot being handed over (gen != gen_done) is skipped
 * and read next time.  The spill entries a merge took are in @seen_head:
 * the caller acknowledges them to the programs (cont_consumed) only after
 * lg_cont_merge() returned, so an error before that loses nothing.
 */
#ifndef LOCKGRAPH_DAEMON_CONTMERGE_H
#define LOCKGRAPH_DAEMON_CONTMERGE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "lockgraph.h"

/*
 * A key as the merges know it: its spill entries added up, what was
 * delivered (the most read so far), and for how many merges nothing new
 * was delivered.
 */
struct lg_cont_seen {
	struct lg_contention_key key;	/* stack_id: -1 */
	struct lg_contention_stats spilled; /* from the spill rings, in all */
	struct lg_contention_stats sum; /* delivered: the most read so far */
	unsigned int idle;
	__s32 stack_id;	 /* a representative stack, or -1 */
	__u64 lock;	 /* the address of one of its locks (from a slot:
			    the first wait's there), or 0 */
	bool in_slot;	 /* in a CPU's slot at the last read */
	bool named;	 /* where[] was looked up (the caller's) */
	__u16 kind_as;	 /* the caller's: the recognised kind the lock
			    turned out to be (0: the key's own) */
	char where[160]; /* the caller's name for the lock */
};

/* Merges without a wait after which a key in no slot is forgotten. */
#define LG_CONT_IDLE_FLUSHES 10

struct lg_cont_merge {
	int ncpus;
	struct lg_cont_seen *keys; /* sorted by key (stack id aside) */
	size_t n;
	__u64 *seen_head; /* per CPU: spill entries taken (merged) */
	__u64 timed, timed_ns; /* what the programs accounted, last read */
	__u64 refused_ns; /* the time of the waits a full ring refused */
	__u64 delivered, delivered_ns; /* what went to the callback */
	__u64 spilled; /* spill entries taken */
};

/*
 * Called with a key whose figures grew: @delta's count and total_ns are
 * the growth (either may be 0, not both), max_ns the largest wait since
 * the key appeared.  @cur->where and @cur->named are the callee's to fill.
 * Non-zero is returned by lg_cont_merge() (the key's growth counts as
 * delivered all the same).
 */
typedef int (*lg_cont_merge_fn)(struct lg_cont_seen *cur,
				const struct lg_contention_stats *delta,
				void *ctx);

/* Set up @m for @ncpus CPUs.  Returns 0 or -ENOMEM (@m then empty). */
int lg_cont_merge_init(struct lg_cont_merge *m, int ncpus);

/* Free what @m holds (a zeroed or freed @m is fine). */
void lg_cont_merge_free(struct lg_cont_merge *m);

/*
 * Merge one read of every CPU's element, @cpus[0..ncpus-1] (the caller's
 * copy), into @m and call @fn for each key whose figures grew.  A key's
 * read counts only when neither its count nor its time went down since the
 * last delivery (a read that raced a hand-over: the key is read again next
 * time).  Returns 0; -EPROTO when a CPU's ring head is more than
 * LG_CONT_NSPILL ahead of what was taken (entries overwritten: never, by
 * the programs' rule) or -ENOMEM, both with nothing taken and @m as it
 * was; or @fn's first error, with everything read taken (what the later
 * keys grew by is delivered next time).
 */
int lg_cont_merge(struct lg_cont_merge *m, const struct lg_cont_cpu *cpus,
		  lg_cont_merge_fn fn, void *ctx);

/*
 * The hugetlb fault mutex table, learned from its mutexes' waits where
 * kallsyms does not name it: mm/hugetlb.c allocates it once at boot,
 * kmalloc_array(num_fault_mutexes, sizeof(struct mutex)) with
 * num_fault_mutexes = roundup_pow_of_two(8 * num_possible_cpus()), so a
 * kmalloc object holding exactly that array, found from the address of
 * one of its mutexes less the mutex's offset in the object.  A slab key
 * mixes every object of its cache with a lock at its offset, so one key
 * is only a candidate: the table is taken when a second key of the same
 * cache, at another offset, points to the same object.  What remains
 * possible: another object of that cache with contended mutexes at two
 * such offsets, whose keys were taken for fault mutexes by their waiter
 * (one stack per key); the range learned is then wrong for good, and
 * that object's mutexes are counted as fault mutexes.
 */
struct lg_fault_table {
	__u64 cand_lo, cand_key; /* the candidate and the key it came from */
	__u64 lo, hi;		 /* the table once learned, else 0 */
};

/*
 * Offer @t a slab key (LG_SLAB_KEY()) its waiter showed to be a fault
 * mutex, with the address of one of its locks, @lock (the first wait of
 * the key in a slot), the cache's @object_size, sizeof(struct mutex) and
 * the number of possible CPUs.  Returns 1 when the table was just learned
 * (@t->lo and @t->hi set, the array's bytes), 0 when it was not (yet),
 * or -EINVAL when the key cannot be one of the table's mutexes: an offset
 * capped, not a multiple of the mutex size or past the array, a cache
 * whose objects are not the array's size or larger but under twice it
 * (a kmalloc size class the array would be allocated from), an object
 * that would start at 0 or below, or a mutex size or CPU count of 0.
 * Once learned, it only returns 0.
 */
int lg_fault_table_offer(struct lg_fault_table *t, __u64 key, __u64 lock,
			 __u32 object_size, __u32 mutex_size,
			 unsigned int ncpus);

#endif /* LOCKGRAPH_DAEMON_CONTMERGE_H */
