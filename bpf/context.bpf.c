/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The context source (LG_SRC_CONTEXT): lock orders that stock kernels show
 * through tracepoints alone, without lockdep and without BPF trampolines.
 *
 * What it sees:
 * - mmap_lock:mmap_lock_acquire_returned / mmap_lock_released: every
 *   mmap_lock acquisition and release, with the mm and read/write.  The
 *   class is &mm->mmap_lock (LG_CLASS_MMAP_LOCK, key 0) for every mm; the
 *   mm is kept per held entry as the instance, to pair releases and to see
 *   mmap_write_downgrade().
 * - vmscan: direct, memcg and node reclaim begin/end, and kswapd wake/sleep:
 *   the task holds the fs_reclaim pseudo-lock (LG_CLASS_FS_RECLAIM, W) in
 *   between, as lockdep's fs_reclaim_acquire() says.
 * - kmem: mm_page_alloc, kmalloc and kmem_cache_alloc: lockdep's
 *   might_alloc() rule.  An allocation that may enter fs reclaim
 *   (__GFP_DIRECT_RECLAIM and __GFP_FS, outside PF_MEMALLOC and
 *   PF_MEMALLOC_NOFS/NOIO scopes) made while locks are held records
 *   held -> fs_reclaim, and pushes nothing: nothing is held afterwards.
 *   With the primitives source loaded, "held" is its stack (every rwsem
 *   and mutex: &vma_lock->rw_sema, the fault mutexes, the inode locks...),
 *   read from its task storage (lg_might_alloc()).
 *
 * Each task's held locks are a stack in task storage.  A chain (the held
 * classes plus the new one) goes to user space through the "events" ring
 * buffer only the first time its key misses the "chain_cache" hash.
 *
 * What it cannot see: the mmap_lock tracepoints fire the same way for
 * mmap_read_trylock()/mmap_write_trylock() as for the blocking calls, so
 * an mmap_lock acquisition is reported with trylock 0 (the event's stack
 * shows the call site) except in reclaim, where it is a trylock
 * (lg_reclaim_trylock(): MGLRU's page table walks).  Neither do they carry
 * lockdep's subclass: a second mm's mmap_lock taken while one is held is
 * reported as subclass 1, which is what dup_mmap()'s
 * mmap_write_lock_nested(SINGLE_DEPTH_NESTING) tells lockdep.  Allocations
 * that fail, or that no tracepoint reports, are not seen.
 *
 * Costs: the kmem tracepoints are hot (about 1M/s in a fault loop).  For a
 * task that holds no tracked lock they cost two bit tests and a per-CPU
 * hint (alloc_hint) that says so, checked against the task's context
 * switch count: only its first allocation after a switch or a change of
 * its locks looks its task storage up (never creating it).  A task that
 * never took a tracked lock has no storage and looks it up every time.  A
 * task that holds locks adds a compare with the held locks of its last
 * allocation, and when they differ, a read of current->flags and a chain
 * cache lookup; once that chain is sent, the hint covers it too.  Nothing
 * on that path writes to shared memory unless the chain is new, or to the
 * task's own storage but that one key.  The mmap_lock and reclaim
 * programs write only the current task's own storage (and clear their
 * CPU's hint); an mmap_lock acquisition in reclaim (rare) adds a lookup in
 * the primitives source's stack.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "lockgraph.h"
#include "lg_common.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/*
 * ___GFP_*_BIT live in an anonymous enum, which CO-RE cannot relocate; the
 * values have been the same since 4.4.  __GFP_NOLOCKDEP is not checked: it
 * is 0 on kernels without lockdep, the only ones this source is for.
 */
#define LG_GFP_FS		(1U << 7)
#define LG_GFP_DIRECT_RECLAIM	(1U << 10)
#define LG_GFP_MAY_FS_RECLAIM	(LG_GFP_FS | LG_GFP_DIRECT_RECLAIM)

/* include/linux/sched.h: #defines, not in BTF; unchanged for years. */
#define LG_PF_MEMALLOC		0x00000800
#define LG_PF_MEMALLOC_NOFS	0x00040000
#define LG_PF_MEMALLOC_NOIO	0x00080000
#define LG_PF_NO_FS_RECLAIM	(LG_PF_MEMALLOC | LG_PF_MEMALLOC_NOFS | \
				 LG_PF_MEMALLOC_NOIO)

#define LG_CHAIN_CACHE_ENTRIES	65536
#define LG_RINGBUF_BYTES	(4U << 20)

/*
 * The instance of an fs_reclaim entry: which reclaim the task is in, so
 * that each *_end pops its own begin.
 */
enum lg_reclaim {
	LG_RECLAIM_DIRECT = 1,
	LG_RECLAIM_MEMCG = 2,
	LG_RECLAIM_NODE = 3,
	LG_RECLAIM_KSWAPD = 4,
};

/*
 * Each task's held locks (struct lg_task, lg_common.bpf.h): mmap_lock and
 * fs_reclaim, @instance the mm or enum lg_reclaim.  @chain_key is kept
 * rather than recomputed so that the allocation path extends it with one
 * hash step and no indexing (the 6.1 verifier cannot bound
 * held[depth - 1]); the entries' own chain_key is not kept here.
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct lg_task);
} held_locks SEC(".maps");

/*
 * The primitives source's held-lock stacks: lockgraphd hands this map the
 * primitives' "held_locks" before loading (bpf_map__reuse_fd()) and sets
 * lg_with_primitives; otherwise it is an empty map of its own.  Never
 * created here, and of its entries only alloc_key is written here (see
 * lg_might_alloc()): the primitives source keeps the rest.
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct lg_task);
} prim_held_locks SEC(".maps");

/* Set before load: prim_held_locks is the primitives source's. */
const volatile bool lg_with_primitives;

/*
 * Chain keys already sent.  Preallocated: an insert from the allocation
 * tracepoints must not allocate (it would recurse into the allocator).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LG_CHAIN_CACHE_ENTRIES);
	__type(key, __u64);
	__type(value, __u8);
} chain_cache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, LG_RINGBUF_BYTES);
} events SEC(".maps");

/*
 * Per CPU: that the running task's sleeping allocations record nothing
 * now, so that they skip even its task storage lookup (most of what an
 * allocation program costs a task that holds nothing: README, part d of
 * the capture bench).  An allocation that may enter fs reclaim records
 * nothing when its task holds no tracked lock, or holds the locks under
 * which its last allocation found its chain sent (alloc_key);
 * lg_might_alloc() notes that here with the task's context switch count.
 * The hint is good while that count stands (the task has not been
 * switched out since, so it ran nowhere else) and no program of this
 * source changed the task's storage on this CPU: each one that may clears
 * the hint first (lg_task_create(), lg_task_lookup()).  Only sleeping
 * allocations (__GFP_DIRECT_RECLAIM: never in an interrupt) and those
 * task-context programs touch it, and tracepoint programs run with
 * preemption off, so no two programs use a CPU's hint at once.  Not with
 * the primitives source loaded: its stack changes in its own programs.
 */
struct lg_alloc_hint {
	__u64 task;		/* the task_struct; 0: none */
	__u64 start_time;	/* its start time: no new task at that address */
	__u64 switches;		/* its nvcsw + nivcsw */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lg_alloc_hint);
} alloc_hint SEC(".maps");

static __always_inline struct lg_alloc_hint *lg_alloc_hint(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&alloc_hint, &zero);
}

/* The current task's storage may change: its CPU's hint goes. */
static __always_inline void lg_alloc_hint_clear(void)
{
	struct lg_alloc_hint *h;

	if (lg_with_primitives)
		return;
	h = lg_alloc_hint();
	if (h)
		h->task = 0;
}

static __always_inline __u64 lg_switches(const struct task_struct *task)
{
	return task->nvcsw + task->nivcsw;
}

/* Recompute the chain key after an entry changed or went. */
static __always_inline void lg_rekey(struct lg_task *t)
{
	__u64 key = LG_CHAIN_SEED;
	__u32 i, depth = t->depth;

	for (i = 0; i < LG_HELD_MAX; i++) {
		if (i >= depth)
			break;
		key = lg_chain_step(key, &t->held[i].class);
	}
	t->chain_key = key;
}

/*
 * Send the chain held[0..depth-1] -> @acq unless the chain cache has it.
 * On a miss the event is reserved first, then the key inserted: a key
 * gets into the cache only with an event that will be submitted, so a key
 * in the cache is a chain sent (or being sent by the CPU that inserted
 * it), and no key ever leaves it.  A concurrent sender of the same chain
 * sees -EEXIST and discards its event; a full ring buffer inserts nothing,
 * so the chain is sent the next time it happens.  Returns true when the
 * key is in the cache, false when the chain could not be sent or the cache
 * is full (then it is sent at every miss).
 */
static __always_inline bool lg_send_chain(void *ctx, const struct lg_task *t,
					  __u32 depth,
					  const struct lg_class_ref *acq,
					  __u64 key)
{
	struct lg_chain_event *ev;
	__u8 one = 1;
	__u32 i;
	long err;

	if (bpf_map_lookup_elem(&chain_cache, &key))
		return true;
	ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		lg_drop(LG_DROP_RINGBUF_FULL);
		return false;
	}
	err = bpf_map_update_elem(&chain_cache, &key, &one, BPF_NOEXIST);
	if (err == -LG_EEXIST) {
		bpf_ringbuf_discard(ev, 0);
		return true;
	}
	if (err == -LG_E2BIG || err == -LG_ENOMEM)
		lg_drop(LG_DROP_CHAIN_CACHE_FULL);
	if (depth > LG_HELD_MAX)
		depth = LG_HELD_MAX;

	for (i = 0; i < LG_HELD_MAX; i++) {
		if (i < depth)
			lg_ref_copy(&ev->held[i], &t->held[i].class);
		else
			__builtin_memset(&ev->held[i], 0, sizeof(ev->held[i]));
	}
	lg_chain_event_submit(ctx, ev, LG_SRC_CONTEXT, key, depth, acq);
	return !err;
}

/*
 * The task acquires @c (instance @inst): the chain held[] -> @c if it holds
 * anything, then push.  Past LG_HELD_MAX only a count is kept, so that the
 * matching releases still balance.
 */
static __always_inline void lg_acquire(void *ctx, struct lg_task *t,
				       const struct lg_class_ref *c, __u64 inst)
{
	__u32 depth = t->depth;
	__u64 key;

	if (depth > LG_HELD_MAX)
		return;		/* never: only this file writes depth */
	key = lg_chain_step(lg_top_key(t), c);
	if (depth)
		lg_send_chain(ctx, t, depth, c, key);
	/*
	 * Keep the "<" test: clang would fold it into "== LG_HELD_MAX", from
	 * which the 6.1 verifier learns no bound for the index below.
	 */
	barrier_var(depth);
	if (depth >= LG_HELD_MAX) {
		t->overflow++;
		lg_drop(LG_DROP_HELD_OVERFLOW);
		return;
	}
	lg_ref_copy(&t->held[depth].class, c);
	t->held[depth].instance = inst;
	t->chain_key = key;
	t->depth = depth + 1;
}

/*
 * The topmost entry of @kind and instance @inst, or -1.  (The loops here
 * run bottom-up and keep the last match: an index counted down from depth
 * is more than the verifier can bound.)
 */
static __always_inline int lg_find(const struct lg_task *t, __u16 kind,
				   __u64 inst)
{
	__u32 i, depth = t->depth;
	int found = -1;

	for (i = 0; i < LG_HELD_MAX; i++) {
		if (i >= depth)
			break;
		if (t->held[i].class.kind == kind &&
		    t->held[i].instance == inst)
			found = i;
	}
	return found;
}

/* Remove held[@i] (not necessarily the top: releases can be unordered). */
static __always_inline void lg_remove(struct lg_task *t, __u32 i)
{
	__u32 depth = t->depth, j;

	if (depth == 0 || depth > LG_HELD_MAX || i >= depth)
		return;
	for (j = 0; j < LG_HELD_MAX - 1; j++) {
		if (j < i)
			continue;
		if (j + 1 >= depth)
			break;
		lg_ref_copy(&t->held[j].class, &t->held[j + 1].class);
		t->held[j].instance = t->held[j + 1].instance;
	}
	t->depth = depth - 1;
	lg_rekey(t);
}

/*
 * A release of @kind/@inst: pop it, or if it is not on the stack it went
 * past LG_HELD_MAX (overflow, counted there) or its acquisition was not
 * kept: taken before we looked, or lost and counted where it was lost (a
 * run the kernel skipped as a recursion, no task storage).  Not counted
 * again here.
 */
static __always_inline void lg_release(struct lg_task *t, __u16 kind,
				       __u64 inst)
{
	int i = lg_find(t, kind, inst);

	if (i >= 0)
		lg_remove(t, (__u32)i);
	else if (t->overflow)
		t->overflow--;
}

/*
 * The current task's storage, created if it has none, for a program about
 * to change it.
 */
static __always_inline struct lg_task *lg_task_create(void)
{
	struct lg_task *t;

	lg_alloc_hint_clear();
	t = bpf_task_storage_get(&held_locks, bpf_get_current_task_btf(), 0,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!t)
		lg_drop(LG_DROP_TASK_STORAGE);
	return t;
}

/* The current task's storage, or NULL, for a program about to change it. */
static __always_inline struct lg_task *lg_task_lookup(void)
{
	lg_alloc_hint_clear();
	return bpf_task_storage_get(&held_locks, bpf_get_current_task_btf(), 0,
				    0);
}

/*
 * Older kernels (Debian 12's 6.1 among them) pass the memcg path as the
 * mmap_lock tracepoints' second argument: (mm, memcg_path, write, success)
 * where 6.18 has (mm, write, success).  Their trace event has a field for
 * it, which tells the two apart at load time.
 */
struct trace_event_raw_mmap_lock___memcg_path {
	__u32 __data_loc_memcg_path;
} __attribute__((preserve_access_index));

#define LG_MMAP_LOCK_HAS_PATH						\
	bpf_core_field_exists(struct trace_event_raw_mmap_lock___memcg_path, \
			      __data_loc_memcg_path)

/*
 * Argument @n of a tp_btf program.  In asm so that clang cannot merge the
 * two layouts' loads into one load at a computed offset: the verifier only
 * takes context loads at constant offsets.
 */
#define LG_CTX_ARG(ctx, n) ({						\
	__u64 __v;							\
	asm volatile("%0 = *(u64 *)(%1 + " #n " * 8)"			\
		     : "=r"(__v) : "r"(ctx));				\
	__v;								\
})

/*
 * Was the mmap_lock of @mm, just taken by @task in reclaim (fs_reclaim
 * held, or a reclaim without __GFP_FS under way), taken with a trylock?
 * The tracepoints cannot say (see above), and reclaim does take mmap_locks:
 * MGLRU's aging walks the page tables of other processes with
 * mmap_read_trylock() (mm/vmscan.c walk_mm(), 6.1 and later, from kswapd
 * and from direct reclaim).  Reclaim may only ever trylock an mmap_lock;
 * that is the kernel's rule: every page fault allocates under its mmap_lock
 * (&mm->mmap_lock -> fs_reclaim, recorded by this source), so reclaim
 * blocking on an mmap_lock is exactly the inversion lockdep reports, and a
 * task in direct reclaim may hold that very mmap_lock itself, even for
 * write (walk_mm()'s comment).  Recorded as blocking, the walk would be a
 * false fs_reclaim -> &mm->mmap_lock (and &mm->mmap_lock ->
 * &mm->mmap_lock/1 from a fault's reclaim) closing a false cycle with the
 * faults' edge on every host with MGLRU on.
 *
 * With the primitives source loaded, its stack knows: its fexit of
 * down_read_trylock()/down_write_trylock() ran before this tracepoint, so
 * the topmost entry for this rwsem's address carries the real trylock
 * bit, and a blocking mmap_lock in reclaim still makes its edge.  Without
 * it (or with no such entry: its stack overflowed, or its programs were
 * not armed yet), the rule: a trylock.  What the rule can hide is that
 * very bug, a kernel path (a shrinker, a driver) that blocks on an
 * mmap_lock in reclaim: its chain is still sent and stored, without the
 * edge.  Called only for an acquisition in reclaim, off the hot path.
 */
static __always_inline __u8 lg_reclaim_trylock(struct task_struct *task,
					       __u64 mm)
{
	const struct lg_task *p;
	__u64 sem;
	__u32 i, depth;
	__u8 trylock = 1;

	if (!lg_with_primitives)
		return 1;
	p = bpf_task_storage_get(&prim_held_locks, task, 0, 0);
	if (!p)
		return 1;
	sem = mm + bpf_core_field_offset(struct mm_struct, mmap_lock);
	depth = p->depth;
	for (i = 0; i < LG_HELD_MAX; i++) {
		if (i >= depth)
			break;
		if (p->held[i].instance == sem)
			trylock = p->held[i].class.trylock;
	}
	return trylock;
}

SEC("tp_btf/mmap_lock_acquire_returned")
int mmap_acquired(unsigned long long *ctx)
{
	struct lg_class_ref c = {
		.kind = LG_CLASS_MMAP_LOCK,
	};
	__u64 inst = ctx[0];	/* struct mm_struct * */
	bool write, success;
	struct lg_task *t;
	__u32 i, depth;
	int downgrade = -1;
	bool in_reclaim;

	if (LG_MMAP_LOCK_HAS_PATH) {
		write = LG_CTX_ARG(ctx, 2);
		success = LG_CTX_ARG(ctx, 3);
	} else {
		write = LG_CTX_ARG(ctx, 1);
		success = LG_CTX_ARG(ctx, 2);
	}
	if (!success)
		return 0;
	c.mode = write ? LG_MODE_W : LG_MODE_r;
	t = lg_task_create();
	if (!t)
		return 0;
	depth = t->depth;
	/* in reclaim: fs_reclaim held, or a reclaim without __GFP_FS */
	in_reclaim = t->reclaim_nofs;
	for (i = 0; i < LG_HELD_MAX; i++) {
		if (i >= depth)
			break;
		if (t->held[i].class.kind == LG_CLASS_FS_RECLAIM)
			in_reclaim = true;
		if (t->held[i].class.kind != LG_CLASS_MMAP_LOCK)
			continue;
		if (t->held[i].instance != inst)
			c.subclass = 1;	/* another mm's: dup_mmap() nesting */
		else if (!write && t->held[i].class.mode == LG_MODE_W)
			downgrade = i;
	}
	/*
	 * mmap_write_downgrade() reports a read acquisition and never
	 * releases the write hold: the held entry turns into a read hold.
	 * It waits for nothing, so it is no new chain either.
	 */
	if (downgrade >= 0 && downgrade < LG_HELD_MAX) {
		t->held[downgrade].class.mode = LG_MODE_r;
		lg_rekey(t);
		return 0;
	}
	if (in_reclaim)
		c.trylock = lg_reclaim_trylock(bpf_get_current_task_btf(), inst);
	lg_acquire(ctx, t, &c, inst);
	return 0;
}

/* Only the mm, the first argument on every kernel, is needed here. */
SEC("tp_btf/mmap_lock_released")
int mmap_released(unsigned long long *ctx)
{
	struct lg_task *t = lg_task_lookup();

	if (t)	/* none: see lg_release() */
		lg_release(t, LG_CLASS_MMAP_LOCK, ctx[0]);
	return 0;
}

/*
 * Entering reclaim: fs_reclaim_acquire() takes the pseudo-lock only when
 * the reclaim may enter the filesystem (@gfp has __GFP_FS; the tracepoints
 * report the gfp after the task's NOFS/NOIO scope is applied).
 */
static __always_inline void lg_reclaim_begin(void *ctx, gfp_t gfp,
					     enum lg_reclaim which)
{
	struct lg_class_ref c = {
		.kind = LG_CLASS_FS_RECLAIM,
		.mode = LG_MODE_W,
	};
	struct lg_task *t = lg_task_create();

	if (!t)
		return;
	if (!(gfp & LG_GFP_FS)) {
		t->reclaim_nofs |= 1U << which;
		return;
	}
	lg_acquire(ctx, t, &c, which);
}

static __always_inline void lg_reclaim_end(enum lg_reclaim which)
{
	struct lg_task *t = lg_task_lookup();

	if (!t)
		return;
	if (t->reclaim_nofs & (1U << which)) {
		t->reclaim_nofs &= ~(1U << which);
		return;
	}
	lg_release(t, LG_CLASS_FS_RECLAIM, which);
}

SEC("tp_btf/mm_vmscan_direct_reclaim_begin")
int BPF_PROG(drcl_begin, int order, gfp_t gfp)
{
	lg_reclaim_begin(ctx, gfp, LG_RECLAIM_DIRECT);
	return 0;
}

SEC("tp_btf/mm_vmscan_direct_reclaim_end")
int BPF_PROG(drcl_end, unsigned long nr_reclaimed)
{
	lg_reclaim_end(LG_RECLAIM_DIRECT);
	return 0;
}

SEC("tp_btf/mm_vmscan_memcg_reclaim_begin")
int BPF_PROG(memcg_rcl_begin, int order, gfp_t gfp)
{
	lg_reclaim_begin(ctx, gfp, LG_RECLAIM_MEMCG);
	return 0;
}

SEC("tp_btf/mm_vmscan_memcg_reclaim_end")
int BPF_PROG(memcg_rcl_end, unsigned long nr_reclaimed)
{
	lg_reclaim_end(LG_RECLAIM_MEMCG);
	return 0;
}

SEC("tp_btf/mm_vmscan_node_reclaim_begin")
int BPF_PROG(node_rcl_begin, int nid, int order, gfp_t gfp)
{
	lg_reclaim_begin(ctx, gfp, LG_RECLAIM_NODE);
	return 0;
}

SEC("tp_btf/mm_vmscan_node_reclaim_end")
int BPF_PROG(node_rcl_end, unsigned long nr_reclaimed)
{
	lg_reclaim_end(LG_RECLAIM_NODE);
	return 0;
}

/*
 * kswapd holds fs_reclaim (balance_pgdat(): fs_reclaim_acquire(GFP_KERNEL))
 * from its wake to its sleep.  It can wake again without sleeping: then it
 * already holds it.
 */
SEC("tp_btf/mm_vmscan_kswapd_wake")
int BPF_PROG(kswapd_wake, int nid, int zid, int order)
{
	struct lg_class_ref c = {
		.kind = LG_CLASS_FS_RECLAIM,
		.mode = LG_MODE_W,
	};
	struct lg_task *t = lg_task_create();

	if (!t || lg_find(t, LG_CLASS_FS_RECLAIM, LG_RECLAIM_KSWAPD) >= 0)
		return 0;
	lg_acquire(ctx, t, &c, LG_RECLAIM_KSWAPD);
	return 0;
}

SEC("tp_btf/mm_vmscan_kswapd_sleep")
int BPF_PROG(kswapd_sleep, int nid)
{
	lg_reclaim_end(LG_RECLAIM_KSWAPD);
	return 0;
}

/*
 * lockdep's might_alloc(): an allocation that may enter fs reclaim orders
 * the held locks before fs_reclaim (the top one and the trylocks above the
 * first blocking one, as user space's lg_acquire_deps() has it).  This runs
 * for every allocation, so the order of the tests matters: gfp bits first
 * (free), then the CPU's hint (alloc_hint, without the primitives source),
 * then the task's storage without creating it (a task that never took a
 * tracked lock has none), then whether the last allocation under the same
 * held locks found its chain in the cache (t->alloc_key: the cache never
 * lets a key go once it was sent, so the chain lookup is skipped), then
 * current->flags.  Only a new chain writes anything, and only to the
 * preallocated chain cache, the ring buffer and the drop counters; past
 * the lookup, the key goes to t->alloc_key, a plain store into the task's
 * storage (the primitives source's with it loaded: the field is this
 * source's alone).  Where the task records nothing (nothing held, the
 * chain sent; not for its flags, which change without a program seeing
 * it, nor for a failed storage lookup) the hint says so for its next
 * allocations.  Nothing here allocates or takes an rwsem or a mutex.
 *
 * Whose stack: with the primitives source loaded (lg_with_primitives) its
 * stack, which holds every rwsem and mutex the task took, mmap_lock among
 * them, in the order taken; this source's own then adds nothing an
 * allocation can see but fs_reclaim, held only inside reclaim, where
 * PF_MEMALLOC stops the rule anyway.  Using one stack, not both, keeps a
 * lower mmap_lock from passing for the top one (a false direct
 * dependency).  Without the primitives source, this source's own stack.
 */
static __always_inline void lg_might_alloc(void *ctx, gfp_t gfp)
{
	struct lg_class_ref c = {
		.kind = LG_CLASS_FS_RECLAIM,
		.mode = LG_MODE_W,
	};
	struct lg_alloc_hint *h = NULL;
	struct task_struct *task;
	struct lg_task *t;
	__u64 switches = 0;
	__u32 depth;

	if ((gfp & LG_GFP_MAY_FS_RECLAIM) != LG_GFP_MAY_FS_RECLAIM)
		return;
	task = bpf_get_current_task_btf();
	if (lg_with_primitives) {
		t = bpf_task_storage_get(&prim_held_locks, task, 0, 0);
	} else {
		h = lg_alloc_hint();
		switches = lg_switches(task);
		if (h && h->task == (__u64)task && h->switches == switches &&
		    h->start_time == task->start_time)
			return;
		t = bpf_task_storage_get(&held_locks, task, 0, 0);
	}
	/*
	 * No hint for a NULL: before 6.2 the lookup also fails while the
	 * CPU's task storage is busy (another BPF program in it).
	 */
	if (!t)
		return;
	depth = t->depth;
	if (depth > LG_HELD_MAX)
		return;		/* never: only the sources write depth */
	/* nothing held, or the last allocation under these found its chain */
	if (depth == 0 || t->alloc_key == t->chain_key)
		goto nothing;
	/* current_gfp_context() and __need_reclaim(): no fs reclaim here */
	if (task->flags & LG_PF_NO_FS_RECLAIM)
		return;
	if (!lg_send_chain(ctx, t, depth, &c, lg_chain_step(t->chain_key, &c)))
		return;
	t->alloc_key = t->chain_key;
nothing:
	/* until the task is switched out or changes what it holds */
	if (h) {
		h->task = (__u64)task;
		h->start_time = task->start_time;
		h->switches = switches;
	}
}

SEC("tp_btf/mm_page_alloc")
int BPF_PROG(page_alloc, struct page *page, unsigned int order, gfp_t gfp,
	     int migratetype)
{
	lg_might_alloc(ctx, gfp);
	return 0;
}

/*
 * The slab tracepoints have had these arguments since 6.1, when each got
 * its own trace event with a node field; before, their gfp was elsewhere,
 * and these two programs do nothing rather than misread it (mm_page_alloc
 * still sees the slabs' pages).
 */
SEC("tp_btf/kmalloc")
int BPF_PROG(kmalloc, unsigned long call_site, const void *ptr,
	     size_t bytes_req, size_t bytes_alloc, gfp_t gfp, int node)
{
	if (bpf_core_field_exists(struct trace_event_raw_kmalloc, node))
		lg_might_alloc(ctx, gfp);
	return 0;
}

SEC("tp_btf/kmem_cache_alloc")
int BPF_PROG(cache_alloc, unsigned long call_site, const void *ptr,
	     struct kmem_cache *s, gfp_t gfp, int node)
{
	if (bpf_core_field_exists(struct trace_event_raw_kmem_cache_alloc,
				  node))
		lg_might_alloc(ctx, gfp);
	return 0;
}
