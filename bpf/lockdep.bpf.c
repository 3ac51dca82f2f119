/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The lockdep source (LG_SRC_LOCKDEP): every lock acquisition that lockdep
 * itself validates, with lockdep's own class, on kernels built with
 * CONFIG_LOCKDEP (CI and debug kernels).
 *
 * What it sees: tp_btf/lock_acquire(lock, subclass, trylock, read, check,
 * nest_lock, ip) and tp_btf/lock_release(lock, ip), the raw arguments of
 * lock_acquire()/lock_release() (the formatted tracepoint merges read 1
 * and 2).  The class is lockdep's: LG_CLASS_LOCKDEP with key lock->key and
 * the subclass; the mode is lockdep's "read" (0 W, 1 r, 2 R).  Before the
 * first chain event that names a key, an LG_EV_CLASS_NAME carries
 * lock->name; "named_keys" remembers which keys were named (a key is only
 * marked once its name event is in the ring buffer, so no chain can reach
 * user space before the name of one of its keys).
 *
 * Like lockdep: acquisitions with check == 0 (rcu_read_lock() and other
 * annotations lockdep does not validate) and of novalidate-class locks
 * (&dev->mutex) are skipped; a static lock's key is the lock itself
 * (lockdep assigns it so at first use, after this tracepoint); and an
 * acquisition with a nest_lock, of the class on top of the stack, is merged
 * into that entry (mm_take_all_locks() and friends), to be released by
 * class.
 *
 * Each task's held locks are a stack in task storage; releases pop by lock
 * instance (the struct lockdep_map), searching from the top.  Nothing is
 * pushed before lock_release's program has run once (lg_armed): whatever
 * order the loader attaches the two in, no acquisition is kept whose
 * release could not be seen.  A release that matches nothing is ignored,
 * not counted: releases of check == 0 acquisitions and of the BPF
 * machinery's own locks are normal here.
 *
 * Not tracked (counted in "drops"):
 * - hardirq, serving-softirq and NMI context (LG_DROP_IRQ_CONTEXT).  BPF
 *   runs one instance of a program per CPU: an interrupt arriving while
 *   lock_release's program runs in task context would have its own release
 *   skipped by the kernel (prog->active) and leave a stale entry behind.
 *   Task context alone is always consistent: its programs are only ever
 *   skipped for locks taken inside this source's own programs.
 * - a task's acquisitions before its first blocking acquisition of a
 *   sleeping lock (LG_DROP_NO_TASK_STATE): creating task storage allocates,
 *   and lock_acquire fires inside the allocators' own locks.  A caller that
 *   may sleep holds no spinlock, so that is where state is created.
 * What it does not follow: lock_downgrade() and lock_set_class() change a
 * held lock without a tracepoint; a downgraded rwsem stays W on the stack.
 *
 * Recursion: the tracepoints fire for the locks BPF itself takes (task
 * storage, hash buckets, the ring buffer, rcu_read_lock() in the program
 * runner).  Inside lock_acquire's program the kernel skips nested
 * lock_acquire runs (counted as the program's recursion misses); nested
 * lock_release runs find nothing of theirs on the stack and change
 * nothing.  lock_release's program takes no lock once it has the task's
 * storage, and never reserves ring buffer space, so it cannot deadlock
 * against the acquire side.
 *
 * Costs: lock_acquire fires for every lock.  The path for a task that holds
 * locks: check, a per-CPU preempt count read, a task storage lookup, a
 * load of lock->key, the chain key (two hash steps) and a chain cache
 * lookup; the stack walk and the ring buffer only for a chain not seen
 * before.  lock_release: three compares for rcu_read_unlock() and friends
 * (most releases), else a task storage lookup and a search of at most
 * LG_HELD_MAX entries; popping the top rehashes nothing (each entry keeps
 * its chain key).
 *
 * 6.1 compatibility: vmlinux.h from a kernel without lockdep has an empty
 * struct lockdep_map, so the fields read here are a CO-RE flavour, checked
 * with bpf_core_field_exists (on such kernels the tracepoints do not exist
 * and the object fails to load, with libbpf saying so).  Loops run
 * bottom-up with "<" bounds, as context.bpf.c explains.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "lockgraph.h"
#include "lg_source.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define LG_CHAIN_CACHE_ENTRIES	65536
#define LG_NAMED_KEYS		16384	/* lockdep's MAX_LOCKDEP_KEYS is 8192 */
#define LG_RINGBUF_BYTES	(4U << 20)

/* The fields of a lockdep kernel's struct lockdep_map that are read here. */
struct lockdep_map___lockdep {
	struct lock_class_key *key;
	const char *name;
	__u8 wait_type_inner;
} __attribute__((preserve_access_index));

/* Not in vmlinux.h without lockdep; the value is 3 or 4 by config. */
enum lockdep_wait_type___lg {
	LD_WAIT_SLEEP___lg = 3,
};

#define LG_LOCKDEP_MAP_HAS_KEY						\
	bpf_core_field_exists(struct lockdep_map___lockdep, key)

/*
 * lockdep_set_novalidate_class() locks (&dev->mutex and a few others):
 * lockdep turns their check off itself, after the tracepoint.  Untyped:
 * BTF has no variables but per-CPU ones; libbpf finds it in kallsyms.
 */
extern const void __lockdep_no_validate__ __ksym __weak;

/*
 * rcu_read_lock() and friends (check == 0, never on the stack): about four
 * in five lock_release calls in a fault loop.  Recognised by address before
 * anything else, they cost lock_release's program three compares.
 */
extern const void rcu_lock_map __ksym __weak;
extern const void rcu_sched_lock_map __ksym __weak;
extern const void rcu_bh_lock_map __ksym __weak;

/*
 * Set by lock_release's program the first time it runs.  Until then
 * lock_acquire's program pushes nothing: the two programs are attached one
 * after the other, and an acquisition seen while releases are not would
 * stay on its task's stack for good.
 */
__u32 lg_armed;

struct lg_held {
	struct lg_class_ref class;
	__u64 instance;		/* the struct lockdep_map *; 0 once released
				 * while merged acquisitions remain */
	__u64 chain_key;	/* key of held[0..this one]: a pop of the
				 * top restores the key without rehashing */
	__u32 count;		/* acquisitions it stands for (nest_lock) */
	__u32 pad;
};

/* Per-task state: only the task itself writes it. */
struct lg_task {
	__u32 depth;		/* held[] entries in use, <= LG_HELD_MAX */
	__u32 merged;		/* entries with count > 1 or instance 0 */
	__u64 chain_key;	/* key of held[0..depth-1] */
	__u64 scratch;		/* see lg_number() */
	struct lg_held held[LG_HELD_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct lg_task);
} held_locks SEC(".maps");

/* Chain keys already sent.  Preallocated: nothing here may allocate. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LG_CHAIN_CACHE_ENTRIES);
	__type(key, __u64);
	__type(value, __u8);
} chain_cache SEC(".maps");

/* Lockdep keys whose name user space has (LG_EV_CLASS_NAME sent). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LG_NAMED_KEYS);
	__type(key, __u64);
	__type(value, __u8);
} named_keys SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, LG_RINGBUF_BYTES);
} events SEC(".maps");

/* The key of the chain held[0..depth-1] (LG_CHAIN_SEED when empty). */
static __always_inline __u64 lg_top_key(const struct lg_task *t)
{
	return t->depth ? t->chain_key : LG_CHAIN_SEED;
}

/*
 * @v, a pointer the verifier tracks as one, as a plain number: the chain
 * key hashes it, and the verifier allows no arithmetic on a kernel
 * pointer.  Through the task's own storage: two memory accesses, no probe
 * read.
 */
static __always_inline __u64 lg_number(struct lg_task *t, __u64 v)
{
	*(volatile __u64 *)&t->scratch = v;
	return *(volatile __u64 *)&t->scratch;
}

/*
 * lockdep's key of lock @l.  A static lock (DEFINE_MUTEX() and friends)
 * has no key until lockdep first registers it, after this tracepoint: then
 * its key is the lock itself (assign_lock_key()), so that is the key here
 * too.
 */
static __always_inline __u64 lg_key_of(struct lg_task *t,
				       struct lockdep_map___lockdep *l)
{
	__u64 key = (__u64)l->key;

	return lg_number(t, key ? key : (__u64)l);
}

/* Released by class, not instance: see lg_release(). */
static __always_inline bool lg_is_merged(const struct lg_held *h)
{
	return h->count > 1 || !h->instance;
}

/*
 * Make sure user space has the name of lockdep key @key, read from the
 * lock @inst (a held or being-acquired struct lockdep_map, so alive).
 * Returns false when the ring buffer is full: the chain must wait.
 */
static __noinline bool lg_name_key(__u64 key, __u64 inst)
{
	struct lockdep_map___lockdep *l = (void *)inst;
	struct lg_name_event *ev;
	const char *name;
	__u8 one = 1;

	if (!LG_LOCKDEP_MAP_HAS_KEY)
		return true;
	if (bpf_map_lookup_elem(&named_keys, &key))
		return true;
	ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		lg_drop(LG_DROP_RINGBUF_FULL);
		return false;
	}
	/* the ring's old bytes past the name's NUL would reach --record */
	__builtin_memset(ev, 0, sizeof(*ev));
	name = BPF_CORE_READ(l, name);
	if (!name || bpf_probe_read_kernel_str(ev->name, sizeof(ev->name),
					       name) <= 1) {
		/* nameless: user space names the class from its key */
		bpf_ringbuf_discard(ev, 0);
		return true;
	}
	ev->hdr.type = LG_EV_CLASS_NAME;
	ev->hdr.size = sizeof(*ev);
	ev->class.key = key;
	ev->class.kind = LG_CLASS_LOCKDEP;
	ev->class.subclass = 0;
	ev->class.mode = 0;
	ev->class.trylock = 0;
	ev->class.pad[0] = 0;
	ev->class.pad[1] = 0;
	ev->class.pad[2] = 0;
	bpf_ringbuf_submit(ev, 0);
	/* only now: whoever finds the key named finds its name sent */
	bpf_map_update_elem(&named_keys, &key, &one, BPF_ANY);
	return true;
}

/*
 * Send the chain held[0..depth-1] -> @acq (lock @inst) unless the chain
 * cache has it, naming its keys first.  The key goes into the cache before
 * the event, so a concurrent sender of the same chain stays quiet; if the
 * ring buffer is full it is taken out again, to be sent next time.
 */
static __always_inline void lg_send_chain(void *ctx, const struct lg_task *t,
					  __u32 depth,
					  const struct lg_class_ref *acq,
					  __u64 inst, __u64 key)
{
	struct lg_chain_event *ev;
	__u8 one = 1;
	__u32 i;
	long err;

	if (bpf_map_lookup_elem(&chain_cache, &key))
		return;
	err = bpf_map_update_elem(&chain_cache, &key, &one, BPF_NOEXIST);
	if (err == -LG_EEXIST)
		return;
	if (err == -LG_E2BIG || err == -LG_ENOMEM)
		lg_drop(LG_DROP_CHAIN_CACHE_FULL);
	if (depth > LG_HELD_MAX)
		depth = LG_HELD_MAX;

	for (i = 0; i < LG_HELD_MAX; i++) {
		if (i >= depth)
			break;
		if (!lg_name_key(t->held[i].class.key, t->held[i].instance))
			goto unsent;
	}
	if (!lg_name_key(acq->key, inst))
		goto unsent;

	ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		lg_drop(LG_DROP_RINGBUF_FULL);
		goto unsent;
	}
	for (i = 0; i < LG_HELD_MAX; i++) {
		if (i < depth)
			lg_ref_copy(&ev->held[i], &t->held[i].class);
		else
			__builtin_memset(&ev->held[i], 0, sizeof(ev->held[i]));
	}
	lg_chain_event_submit(ctx, ev, LG_SRC_LOCKDEP, key, depth, acq);
	return;
unsent:
	if (!err)
		bpf_map_delete_elem(&chain_cache, &key);
}

/*
 * The task acquires @c (lock @inst): the chain held[] -> @c if it holds
 * anything, then push.  Past LG_HELD_MAX the acquisition is counted and
 * not pushed; its release then matches nothing, which is ignored.
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
		lg_send_chain(ctx, t, depth, c, inst, key);
	/* keep the "<" test: see context.bpf.c (6.1 verifier bounds) */
	barrier_var(depth);
	if (depth >= LG_HELD_MAX) {
		lg_drop(LG_DROP_HELD_OVERFLOW);
		return;
	}
	lg_ref_copy(&t->held[depth].class, c);
	t->held[depth].instance = inst;
	t->held[depth].chain_key = key;
	t->held[depth].count = 1;
	t->held[depth].pad = 0;
	t->chain_key = key;
	t->depth = depth + 1;
}

/*
 * lockdep's nest_lock rule: an acquisition under a nest lock of the class
 * already on top of the stack only counts a reference on that entry (no
 * chain, no push).  Returns true when merged.
 */
static __always_inline bool lg_nest_merge(struct lg_task *t,
					  const struct lg_class_ref *c)
{
	__u64 top = t->depth;	/* 64-bit: no zero-extension to lose bounds */

	top -= 1;		/* 0 - 1 wraps: out of range below */
	barrier_var(top);
	if (top >= LG_HELD_MAX)
		return false;
	if (t->held[top].class.key != c->key ||
	    t->held[top].class.subclass != c->subclass)
		return false;
	if (!lg_is_merged(&t->held[top]))
		t->merged++;
	t->held[top].count++;
	return true;
}

/*
 * Remove held[@i] (not necessarily the top: releases can be unordered).
 * The entries above it move down and get their chain keys again, from
 * held[i - 1]'s; popping the top rehashes nothing.
 */
static __always_inline void lg_remove(struct lg_task *t, __u32 i)
{
	__u32 depth = t->depth, j;
	__u64 key = LG_CHAIN_SEED;

	if (depth == 0 || depth > LG_HELD_MAX || i >= depth)
		return;
	if (lg_is_merged(&t->held[i]))
		t->merged--;
	if (i > 0 && i - 1 < LG_HELD_MAX)
		key = t->held[i - 1].chain_key;
	for (j = 0; j < LG_HELD_MAX - 1; j++) {
		if (j < i)
			continue;
		if (j + 1 >= depth)
			break;
		lg_ref_copy(&t->held[j].class, &t->held[j + 1].class);
		t->held[j].instance = t->held[j + 1].instance;
		t->held[j].count = t->held[j + 1].count;
		key = lg_chain_step(key, &t->held[j].class);
		t->held[j].chain_key = key;
	}
	t->depth = depth - 1;
	t->chain_key = key;
}

/* One acquisition of held[@i] ends (found by instance or by class). */
static __always_inline void lg_put(struct lg_task *t, int i, bool by_instance)
{
	bool was;

	if (i < 0 || i >= LG_HELD_MAX)
		return;
	if (t->held[i].count > 1) {
		was = lg_is_merged(&t->held[i]);
		t->held[i].count--;
		if (by_instance)
			t->held[i].instance = 0;
		if (was && !lg_is_merged(&t->held[i]))
			t->merged--;
		return;
	}
	lg_remove(t, (__u32)i);
}

/*
 * The release of lock @lock: the topmost entry of that instance, or else
 * (merged acquisitions) the topmost merged entry of its class key.
 */
static __always_inline void lg_release(struct lg_task *t,
				       struct lockdep_map *lock)
{
	struct lockdep_map___lockdep *l = (void *)lock;
	__u32 i, depth = t->depth;
	__u64 inst = (__u64)lock, key;
	int found = -1;

	for (i = 0; i < LG_HELD_MAX; i++) {
		if (i >= depth)
			break;
		if (t->held[i].instance == inst)
			found = i;
	}
	if (found >= 0) {
		lg_put(t, found, true);
		return;
	}
	if (!t->merged || !LG_LOCKDEP_MAP_HAS_KEY)
		return;
	key = lg_key_of(t, l);
	for (i = 0; i < LG_HELD_MAX; i++) {
		if (i >= depth)
			break;
		if (t->held[i].class.key == key &&
		    (t->held[i].count > 1 || !t->held[i].instance))
			found = i;
	}
	lg_put(t, found, false);
}

static __always_inline bool lg_is_rcu_map(struct lockdep_map *lock)
{
	__u64 l = (__u64)lock;

	return (lg_ksym_exists(&rcu_lock_map) && l == (__u64)&rcu_lock_map) ||
	       (lg_ksym_exists(&rcu_sched_lock_map) &&
		l == (__u64)&rcu_sched_lock_map) ||
	       (lg_ksym_exists(&rcu_bh_lock_map) &&
		l == (__u64)&rcu_bh_lock_map);
}

/*
 * May the caller sleep here?  A blocking acquisition of a sleeping lock
 * (mutex, rwsem: lockdep's LD_WAIT_SLEEP) means it holds no spinlock and
 * has interrupts on, so allocating task storage cannot deadlock.
 */
static __always_inline bool lg_may_sleep(struct lockdep_map___lockdep *l,
					 int trylock)
{
	if (trylock)
		return false;
	if (!bpf_core_field_exists(l->wait_type_inner) ||
	    !bpf_core_enum_value_exists(enum lockdep_wait_type___lg,
					LD_WAIT_SLEEP___lg))
		return false;
	return l->wait_type_inner ==
	       bpf_core_enum_value(enum lockdep_wait_type___lg,
				   LD_WAIT_SLEEP___lg);
}

SEC("tp_btf/lock_acquire")
int BPF_PROG(lock_acquire, struct lockdep_map *lock, unsigned int subclass,
	     int trylock, int read, int check, struct lockdep_map *nest_lock,
	     unsigned long ip)
{
	struct lockdep_map___lockdep *l = (void *)lock;
	struct task_struct *task;
	struct lg_class_ref c = {
		.kind = LG_CLASS_LOCKDEP,
	};
	struct lg_task *t;

	if (!check || !lg_armed || !LG_LOCKDEP_MAP_HAS_KEY)
		return 0;
	if (!lg_in_task()) {
		lg_drop(LG_DROP_IRQ_CONTEXT);
		return 0;
	}
	task = bpf_get_current_task_btf();
	t = bpf_task_storage_get(&held_locks, task, 0, 0);
	if (!t) {
		if (!lg_may_sleep(l, trylock)) {
			lg_drop(LG_DROP_NO_TASK_STATE);
			return 0;
		}
		t = bpf_task_storage_get(&held_locks, task, 0,
					 BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (!t) {
			lg_drop(LG_DROP_TASK_STORAGE);
			return 0;
		}
	}
	c.key = lg_key_of(t, l);
	if (lg_ksym_exists(&__lockdep_no_validate__) &&
	    c.key == (__u64)&__lockdep_no_validate__)
		return 0;
	c.subclass = subclass;
	c.mode = read >= LG_MODE_R ? LG_MODE_R : read;
	c.trylock = trylock ? 1 : 0;
	if (nest_lock && t->depth && lg_nest_merge(t, &c))
		return 0;
	lg_acquire(ctx, t, &c, (__u64)lock);
	return 0;
}

SEC("tp_btf/lock_release")
int BPF_PROG(lock_release, struct lockdep_map *lock, unsigned long ip)
{
	struct lg_task *t;

	if (!lg_armed)
		lg_armed = 1;
	if (lg_is_rcu_map(lock))
		return 0;
	t = bpf_task_storage_get(&held_locks, bpf_get_current_task_btf(), 0,
				 0);
	if (!t || !t->depth)
		return 0;
	if (!lg_in_task())
		return 0;
	lg_release(t, lock);
	return 0;
}
