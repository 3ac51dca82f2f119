/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The contention source (LG_SRC_CONTENTION): how often and how long tasks
 * wait for locks, per lock class, like /proc/lock_stat and seed 000's wait
 * figures.  Kernels >= 5.19, no lockdep needed.
 *
 * What it sees: lock:contention_begin(lock, flags) and
 * lock:contention_end(lock, ret), which the slow paths of spinlocks,
 * rwlocks, mutexes, rwsems, percpu rwsems and rtmutexes emit around a wait.
 * An uncontended acquisition emits nothing and costs nothing here.
 *
 * Classes: &mm->mmap_lock is recognised (the current task's mm, or any mm
 * whose owner task points back to it, for khugepaged and /proc readers);
 * every other lock is LG_CLASS_ADDR with its address as the key, which user
 * space names from kallsyms or from the representative stack kept in
 * "contention_stack" (class -> id in the "stacks" stack map; the first
 * contention of each class records it).
 *
 * Figures: the per-CPU hash "contention", key struct lg_contention_key
 * (stack_id always -1), value struct lg_contention_stats in nanoseconds,
 * cumulative: user space sums count and total_ns over the CPUs, takes the
 * largest max_ns and subtracts what it read last time.  It does not drain
 * the map, so a class pays one insertion here per run, not one per flush
 * (a key idle for ten flushes is taken out once the map is half full).  A wait is timed from its first contention_begin to its
 * contention_end: a mutex reports begin twice (optimistic spinning, then
 * sleeping), and the second one is part of the same wait.  The key's
 * flags are the first begin's, except that LCB_F_SPIN is dropped from a
 * mutex's (it only says the waiter spun first), so a mutex has one key.
 *
 * Waits nest: a task waiting for an rwsem or mutex can contend on the
 * lock's wait_lock, and an interrupt can contend on a spinlock while its
 * task spins.  Pure spinning waits (spinlocks, rwlocks: the waiter cannot
 * sleep or migrate) are kept in a per-CPU stack, sleeping waits in a
 * per-task stack, LG_CONT_SLOTS deep each; ends are matched by lock
 * address, so a lost begin or end cannot pair the wrong waits.
 *
 * Costs: only on contended acquisitions, which already wait: a few map
 * operations per wait, and a stack walk when a class first shows up.  At
 * the few hundred waits a second of a busy machine every map touched is a
 * cache miss: README's capture figures say what that costs.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "lockgraph.h"
#include "lg_source.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define LG_CONT_SLOTS		4
#define LG_CONTENTION_ENTRIES	16384
#define LG_STACK_ENTRIES	16384
/* a spinning wait this old lost its end: no spinlock is held so long */
#define LG_SPIN_STALE_NS	1000000000ULL

struct lg_wait {
	__u64 lock;
	__u64 start_ns;
	__u32 flags;		/* LG_LCB_F_* of the first begin */
	__u32 pad;
};

struct lg_waits {
	__u32 depth;		/* w[] in use, <= LG_CONT_SLOTS */
	__u32 overflow;		/* begins past LG_CONT_SLOTS, untracked */
	struct lg_wait w[LG_CONT_SLOTS];
};

/* Sleeping waits: per task, created at a begin. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct lg_waits);
} task_waits SEC(".maps");

/* Spinning waits: per CPU (the waiter cannot sleep or migrate). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lg_waits);
} cpu_waits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, LG_CONTENTION_ENTRIES);
	__type(key, struct lg_contention_key);
	__type(value, struct lg_contention_stats);
} contention SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, LG_STACK_ENTRIES);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, LG_STACK_MAX * sizeof(__u64));
} stacks SEC(".maps");

/*
 * One representative stack per class: class -> stack id in "stacks".  LRU:
 * unrecognised locks in dynamic memory (page table locks, per-object
 * mutexes) are new classes without end, and an old class's stack is only
 * needed until user space has read that class's figures.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LG_CONTENTION_ENTRIES);
	__type(key, struct lg_class_ref);
	__type(value, __s32);
} contention_stack SEC(".maps");

/* A wait the waiter spins through, on one CPU, unable to sleep. */
static __always_inline bool lg_spinning(__u32 flags)
{
	return (flags & LG_LCB_F_SPIN) &&
	       !(flags & (LG_LCB_F_MUTEX | LG_LCB_F_RT));
}

static __always_inline struct lg_waits *lg_cpu_waits(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&cpu_waits, &zero);
}

/* The topmost wait for @lock, or -1. */
static __always_inline int lg_find_wait(const struct lg_waits *ws, __u64 lock)
{
	__u32 i, depth = ws->depth;
	int found = -1;

	/* bottom-up, keeping the last match: the verifier can bound that */
	for (i = 0; i < LG_CONT_SLOTS; i++) {
		if (i >= depth)
			break;
		if (ws->w[i].lock == lock)
			found = i;
	}
	return found;
}

SEC("tp_btf/contention_begin")
int BPF_PROG(cont_begin, void *lock, unsigned int flags)
{
	struct lg_waits *ws;
	__u64 now;
	__u32 depth;

	if (lg_spinning(flags)) {
		ws = lg_cpu_waits();
	} else {
		ws = bpf_task_storage_get(&task_waits,
					  bpf_get_current_task_btf(), 0,
					  BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (!ws)
			lg_drop(LG_DROP_TASK_STORAGE);
	}
	if (!ws)
		return 0;
	now = bpf_ktime_get_ns();
	depth = ws->depth;
	if (depth > LG_CONT_SLOTS)
		return 0;	/* never: only this file writes depth */
	/* a mutex's second begin (it spun, now it sleeps): the same wait */
	if (lg_find_wait(ws, (__u64)lock) >= 0)
		return 0;
	/*
	 * Spinning waits whose end we missed (an interrupt's contention_end
	 * came while the end program was busy on this CPU, and was skipped):
	 * no spinning wait lasts this long.
	 */
	if (depth && lg_spinning(flags) &&
	    now - ws->w[0].start_ns > LG_SPIN_STALE_NS) {
		lg_drop(LG_DROP_UNBALANCED);
		ws->depth = depth = 0;
		ws->overflow = 0;
	}
	barrier_var(depth);	/* keep ">=": the 6.1 verifier needs it */
	if (depth >= LG_CONT_SLOTS) {
		ws->overflow++;
		lg_drop(LG_DROP_CONTENTION_NESTED);
		return 0;
	}
	if (flags & LG_LCB_F_MUTEX)
		flags &= ~LG_LCB_F_SPIN;
	ws->w[depth].lock = (__u64)lock;
	ws->w[depth].start_ns = now;
	ws->w[depth].flags = flags;
	ws->w[depth].pad = 0;
	ws->depth = depth + 1;
	return 0;
}

/*
 * The class of a contended lock.  &mm->mmap_lock is an rwsem, so only
 * rwsem waits (read or write, nothing else) are checked.  An mm other than
 * the current one is recognised when its owner task points back to it;
 * every read of it is a checked probe read, so a wrong guess is harmless.
 */
static __always_inline void lg_classify(struct lg_class_ref *c, __u64 lock,
					__u32 flags)
{
	const __u32 other = LG_LCB_F_SPIN | LG_LCB_F_MUTEX | LG_LCB_F_RT |
			    LG_LCB_F_PERCPU;
	struct task_struct *task, *owner;
	__u64 off, mm;

	c->kind = LG_CLASS_ADDR;
	c->key = lock;
	if (!(flags & (LG_LCB_F_READ | LG_LCB_F_WRITE)) || (flags & other))
		return;
	off = bpf_core_field_offset(struct mm_struct, mmap_lock);
	if (lock < off)
		return;
	mm = lock - off;
	task = bpf_get_current_task_btf();
	if ((__u64)task->mm == mm)
		goto mmap_lock;
	if (!bpf_core_field_exists(struct mm_struct, owner))
		return;
	owner = BPF_CORE_READ((struct mm_struct *)mm, owner);
	if (!owner || (__u64)BPF_CORE_READ(owner, mm) != mm)
		return;
mmap_lock:
	c->kind = LG_CLASS_MMAP_LOCK;
	c->key = 0;
}

static __always_inline void lg_account(void *ctx, __u64 lock, __u32 flags,
				       __u64 wait)
{
	struct lg_contention_key key = {};
	struct lg_contention_stats *st, init = {
		.count = 1,
		.total_ns = wait,
		.max_ns = wait,
	};
	long err;
	__s32 id;

	lg_classify(&key.class, lock, flags);
	key.flags = flags;
	key.stack_id = -1;

	/* per-CPU values: no other writer, no atomics needed */
	st = bpf_map_lookup_elem(&contention, &key);
	if (st) {
		st->count++;
		st->total_ns += wait;
		if (wait > st->max_ns)
			st->max_ns = wait;
		return;
	}
	err = bpf_map_update_elem(&contention, &key, &init, BPF_NOEXIST);
	if (err == -LG_EEXIST) {
		/* another CPU added the key: add to our CPU's value */
		st = bpf_map_lookup_elem(&contention, &key);
		if (st) {
			st->count++;
			st->total_ns += wait;
			if (wait > st->max_ns)
				st->max_ns = wait;
		}
		return;
	}
	if (err) {
		lg_drop(LG_DROP_CONTENTION_MAP_FULL);
		return;
	}

	/*
	 * A new key (or one user space took out, idle): make sure the class has
	 * its representative stack.  Only here, not on every wait: each map
	 * touched on this path is a cache miss or two.
	 */
	if (bpf_map_lookup_elem(&contention_stack, &key.class))
		return;
	id = bpf_get_stackid(ctx, &stacks, 0);
	if (id >= 0)
		bpf_map_update_elem(&contention_stack, &key.class, &id,
				    BPF_NOEXIST);
	else
		lg_drop(LG_DROP_STACK);
}

/* Take the wait for @lock off @ws; returns false when it is not there. */
static __always_inline bool lg_pop_wait(struct lg_waits *ws, __u64 lock,
					struct lg_wait *out)
{
	int i = lg_find_wait(ws, lock);

	if (i < 0 || i >= LG_CONT_SLOTS)
		return false;
	*out = ws->w[i];
	/* waits above it lost their ends: drop them */
	if (i + 1 < (int)ws->depth)
		lg_drop(LG_DROP_UNBALANCED);
	ws->depth = i;
	return true;
}

SEC("tp_btf/contention_end")
int BPF_PROG(cont_end, void *lock, int ret)
{
	struct lg_waits *cws, *tws;
	struct lg_wait w;
	__u64 now = bpf_ktime_get_ns();

	cws = lg_cpu_waits();
	if (cws && lg_pop_wait(cws, (__u64)lock, &w))
		goto found;
	tws = bpf_task_storage_get(&task_waits, bpf_get_current_task_btf(), 0,
				   0);
	if (tws && lg_pop_wait(tws, (__u64)lock, &w))
		goto found;
	/* a begin past LG_CONT_SLOTS, or one before we attached */
	if (cws && cws->overflow)
		cws->overflow--;
	else if (tws && tws->overflow)
		tws->overflow--;
	else
		lg_drop(LG_DROP_UNBALANCED);
	return 0;
found:
	lg_account(ctx, (__u64)lock, w.flags, now - w.start_ns);
	return 0;
}
