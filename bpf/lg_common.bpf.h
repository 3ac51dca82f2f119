/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the primitives and context sources share on the BPF side: the
 * per-task held-lock stack (the value type of their "held_locks" task
 * storage) and its chain key.  One type because the context source
 * reads the primitives source's stacks: lockgraphd makes its
 * "prim_held_locks" map the primitives' "held_locks" (bpf_map__reuse_fd(),
 * which needs the same value size), so that an allocation orders the locks
 * the primitives source holds before fs_reclaim.  Include after vmlinux.h,
 * bpf_helpers.h and lockgraph.h; BPF programs only (user space never sees
 * these values).
 */
#ifndef LOCKGRAPH_BPF_LG_COMMON_BPF_H
#define LOCKGRAPH_BPF_LG_COMMON_BPF_H

#include "lg_source.bpf.h"

struct lg_held {
	struct lg_class_ref class;
	__u64 instance;		/* primitives: the lock's address; context:
				 * the mm for mmap_lock, enum lg_reclaim */
	__u64 chain_key;	/* primitives: key of held[0..this one], so
				 * that a pop restores the key without
				 * rehashing; context: unused */
};

/* Per-task state: only the task itself writes it. */
struct lg_task {
	__u32 depth;		/* held[] entries in use, <= LG_HELD_MAX */
	__u32 overflow;		/* acquisitions beyond LG_HELD_MAX, untracked */
	__u64 chain_key;	/* key of held[0..depth-1] */
	__u64 scratch;		/* primitives: see lg_number() */
	__u64 mm, prev_mm;	/* primitives: the task's mm, the one before */
	__u32 reclaim_nofs;	/* context: bit per lg_reclaim, began without
				 * __GFP_FS */
	__u32 pad;
	__u64 alloc_key;	/* context: the chain_key of held locks whose
				 * "held -> fs_reclaim" chain is in its chain
				 * cache (0: none yet), so that repeated
				 * allocations under the same locks skip the
				 * cache lookup */
	struct lg_held held[LG_HELD_MAX];
};

/* The key of the chain held[0..depth-1] (LG_CHAIN_SEED when empty). */
static __always_inline __u64 lg_top_key(const struct lg_task *t)
{
	return t->depth ? t->chain_key : LG_CHAIN_SEED;
}

#endif /* LOCKGRAPH_BPF_LG_COMMON_BPF_H */
