/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the primitives and context sources share on the BPF side: the
 * per-task held-lock stack (the value type of their "held_locks" task
 * storage) and the chain key helpers.  One type because the context source
 * reads the primitives source's stacks: lockgraphd makes its
 * "prim_held_locks" map the primitives' "held_locks" (bpf_map__reuse_fd(),
 * which needs the same value size), so that an allocation orders the locks
 * the primitives source holds before fs_reclaim.  Include after vmlinux.h
 * and lockgraph.h; BPF programs only (user space never sees these values).
 */
#ifndef LOCKGRAPH_BPF_LG_COMMON_BPF_H
#define LOCKGRAPH_BPF_LG_COMMON_BPF_H

#define LG_CHAIN_SEED		0x6c6f636b67726170ULL	/* "lockgrap" */

/* errno values (not in vmlinux.h) */
#define LG_E2BIG	7
#define LG_ENOMEM	12
#define LG_EEXIST	17

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
	struct lg_held held[LG_HELD_MAX];
};

/*
 * Copy a class ref field by field.  clang 14's BPF backend drops some of
 * the stores of a plain struct assignment whose source is a constant-
 * initialised local (seen: ev->acquired = *acq lost key, kind and mode).
 */
static __always_inline void lg_ref_copy(struct lg_class_ref *dst,
					const struct lg_class_ref *src)
{
	dst->key = src->key;
	dst->kind = src->kind;
	dst->subclass = src->subclass;
	dst->mode = src->mode;
	dst->trylock = src->trylock;
	dst->pad[0] = 0;
	dst->pad[1] = 0;
	dst->pad[2] = 0;
}

static __always_inline __u64 lg_mix(__u64 h, __u64 v)
{
	h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

/*
 * The chain key of @prev (a chain's key) extended by class @c.  Both
 * sources hash the same way, so a chain has one key whichever stack it
 * came from.
 */
static __always_inline __u64 lg_chain_step(__u64 prev,
					   const struct lg_class_ref *c)
{
	__u64 bits = (__u64)c->kind | (__u64)c->subclass << 16 |
		     (__u64)c->mode << 24 | (__u64)c->trylock << 32;

	return lg_mix(lg_mix(prev, c->key), bits);
}

/* The key of the chain held[0..depth-1] (LG_CHAIN_SEED when empty). */
static __always_inline __u64 lg_top_key(const struct lg_task *t)
{
	return t->depth ? t->chain_key : LG_CHAIN_SEED;
}

#endif /* LOCKGRAPH_BPF_LG_COMMON_BPF_H */
