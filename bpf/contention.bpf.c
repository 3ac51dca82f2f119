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
 * whose owner task points back to it, for khugepaged and /proc readers),
 * and so are the hugetlb fault mutexes (where kallsyms has their table).
 * Other rwsems get the primitives source's classes where their object says
 * so (lg_rwsem_class.bpf.h), so a lock has one name here and in the graph.
 * Locks in dynamic memory, which would be a new class per address without
 * end, are classed without a stack walk: a split page-table lock (a plain
 * spinlock inside a struct ptdesc of the page-table type) is
 * LG_CLASS_PTLOCK; a lock in a slab object is LG_CLASS_SLAB, keyed by its
 * cache (bpf_get_kmem_cache(), 6.13 and later) and its offset in the
 * object, which user space turns into the struct's field from BTF (the
 * caches' names come from the iter/kmem_cache program); a run-queue lock
 * (per-CPU memory) is LG_CLASS_RQ_LOCK, &rq->__lock.  Every other lock
 * is LG_CLASS_ADDR with its address as the key, which user space names
 * from kallsyms or from a representative stack in the "stacks" stack map
 * (walked when a class takes a slot and "class_stacks" has none for it;
 * also for slab classes, whose kmalloc caches are named by their waiter,
 * but not those of "typed_caches", named by struct and field).
 *
 * Figures: per CPU, in direct-mapped slots of "cont_cpu" (struct
 * lg_cont_cpu in lockgraph.h): a wait adds to its class's slot, found by a
 * hash of the key (the recognised classes have fixed slots), with no map
 * lookup or update.  Only when another key takes the slot are the old
 * key's figures, struct lg_contention_stats in nanoseconds, moved to the
 * CPU's spill ring, which user space reads and acknowledges in
 * "cont_consumed"; it keeps each key's totals, adds what the slots hold,
 * and delivers what grew.  While the ring is full, no slot is handed
 * over: the old key keeps it and the new key's wait is counted as dropped
 * (contention_map_full), so what the slots and rings hold is always
 * whole.  Each CPU also counts every wait it accounted
 * (timed, timed_ns): what user space reads must add up to that.  A wait is
 * timed from its first contention_begin to its
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
 * Costs: only on contended acquisitions, which already wait: per wait, the
 * per-CPU element (inlined lookup), the task's storage for a sleeping
 * wait, the classification's reads and one slot; map updates and stack
 * walks only when a key takes a slot (the cold path).  At the few hundred
 * waits a second of a busy machine every line touched is a cache miss:
 * README's capture figures say what that costs.
 *
 * Recursion: no map update at all in contention_end, so no map's lock.
 * What can still take a lock there is the stack walk of a class's first
 * slot (the stack map's free list); a contention_end fired inside it is
 * skipped by the kernel (counted as the program's recursion misses, which
 * lockgraphd stores as drops) and its wait, left on the CPU's stack, is
 * dropped as unbalanced later.  contention_begin creates a task's storage
 * at its first sleeping wait, as before.
 */
/*
 * The classes' guesses read with direct guarded loads where the kernel has
 * bpf_rdonly_cast() (LG_PEEK(), lg_source.bpf.h): verified on 6.18 here
 * and, without the kfunc, on the 6.1 guests.  (The primitives source keeps
 * probe reads: no kernel here loads it with the kfunc.)
 */
#define LG_PEEK_CAST 1

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "lockgraph.h"
#include "lg_source.bpf.h"
#include "lg_fault_mutex.bpf.h"
#include "lg_rwsem_class.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define LG_CLASS_STACKS		1024	/* a power of 2 */
#define LG_STACK_ENTRIES	16384
/* a spinning wait this old lost its end: no spinlock is held so long */
#define LG_SPIN_STALE_NS	1000000000ULL

/* lg_cont_waits.depth is at most LG_CONT_DEPTH */
#define LG_CONT_SLOTS	LG_CONT_DEPTH

/* Sleeping waits: per task, created at a begin. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct lg_cont_waits);
} task_waits SEC(".maps");

/*
 * Per CPU: the spinning waits (the waiter cannot sleep or migrate), the
 * totals and the slots (struct lg_cont_cpu in lockgraph.h).
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lg_cont_cpu);
} cont_cpu SEC(".maps");

/*
 * How far user space has read each CPU's spill ring (lg_cont_cpu's
 * spill_head as it last saw it); written by user space only.  lockgraphd
 * sets max_entries to the number of possible CPUs.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} cont_consumed SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, LG_STACK_ENTRIES);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, LG_STACK_MAX * sizeof(__u64));
} stacks SEC(".maps");

/*
 * The classes that have a representative stack, for every CPU: direct-
 * mapped by a hash of the class, written by the programs, so a class is
 * walked once, not on each CPU nor each time it takes a slot.  A class
 * whose entry another took is walked again.  @seq is a seqlock: odd while
 * a writer (the one whose compare-and-swap made it odd) changes the entry;
 * a reader takes the entry only when @seq was even and unchanged around
 * its reads, so a class never gets another's stack.
 */
struct lg_class_stack {
	struct lg_class_ref class;
	__u64 seq;	/* 64 bits: BPF's 32-bit atomics need -mcpu=v3 */
	__s32 id;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LG_CLASS_STACKS);
	__type(key, __u32);
	__type(value, struct lg_class_stack);
} class_stacks SEC(".maps");

/*
 * The slab caches whose locks user space names from their struct (no
 * waiter needed, so no stack walk): key the cache's id, LG_SLAB_CACHE()
 * of its name's address.  Filled by user space, only looked up here.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u8);
} typed_caches SEC(".maps");

/*
 * The names of the fs types of the inode locks classed (struct
 * lg_fs_type_name in lockgraph.h): an entry is claimed once with a
 * compare-and-swap and never changes type, so no name is ever torn or
 * another type's; no lock.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LG_FS_TYPE_NAMES);
	__type(key, __u32);
	__type(value, struct lg_fs_type_name);
} fs_type_names SEC(".maps");

/*
 * Write @fs's name into its entry @e and mark it ready.  Whoever finds the
 * entry of its type not ready yet does so too (another CPU between its
 * claim and its ready): the same bytes, so the wait being accounted never
 * reaches user space before its type's name.
 */
static __always_inline void lg_fs_type_ready(struct lg_fs_type_name *e,
					     struct file_system_type *fs)
{
	const char *name = LG_PEEK(struct file_system_type, fs, name);

	if (name &&
	    bpf_probe_read_kernel_str(e->name, sizeof(e->name), name) > 1) {
		barrier();	/* the name before ready (x86: in order) */
		e->ready = 1;
	}
}

/*
 * Make sure fs_type_names has the name of @type (an inode class key).  A
 * type whose entries are all taken by others stays unnamed ("unknown
 * fs"); one whose name cannot be read keeps its entry, never ready.
 */
static __always_inline void lg_note_fs_type(__u64 type)
{
	struct file_system_type *fs = (void *)type;
	struct lg_fs_type_name *e;
	__u32 i, slot = lg_fs_type_slot(type);
	__u64 was;

	if (!type)
		return;
	for (i = 0; i < LG_FS_TYPE_PROBES; i++) {
		__u32 at = (slot + i) & (LG_FS_TYPE_NAMES - 1);

		e = bpf_map_lookup_elem(&fs_type_names, &at);
		if (!e)
			return;
		was = e->type;
		if (!was)
			was = __sync_val_compare_and_swap(&e->type, 0, type);
		if (was && was != type)
			continue;	/* another type's */
		/* ours: claimed now (was 0), or before by any CPU */
		if (!e->ready)
			lg_fs_type_ready(e, fs);
		return;
	}
}

/* bpf_get_kmem_cache(): the slab cache of an address (6.13 and later) */
extern struct kmem_cache *bpf_get_kmem_cache(__u64 addr) __ksym __weak;

/* A wait the waiter spins through, on one CPU, unable to sleep. */
static __always_inline bool lg_spinning(__u32 flags)
{
	return (flags & LG_LCB_F_SPIN) &&
	       !(flags & (LG_LCB_F_MUTEX | LG_LCB_F_RT));
}

static __always_inline struct lg_cont_cpu *lg_cpu(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&cont_cpu, &zero);
}

/* The topmost wait for @lock, or -1. */
static __always_inline int lg_find_wait(const struct lg_cont_waits *ws,
					__u64 lock)
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

/*
 * Set by the first contention_end: until then no begin is kept.  The
 * skeleton attaches cont_begin first, and a wait begun before cont_end
 * was attached and ended in between would stay on its stack for good.
 */
__u32 lg_cont_armed;

SEC("tp_btf/contention_begin")
int BPF_PROG(cont_begin, void *lock, unsigned int flags)
{
	struct lg_cont_waits *ws = NULL;
	struct lg_cont_cpu *cpu;
	__u64 now;
	__u32 depth;

	if (!lg_cont_armed)
		return 0;
	if (lg_spinning(flags)) {
		cpu = lg_cpu();
		if (cpu)
			ws = &cpu->waits;
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
	/*
	 * A mutex's second begin (it spun, now it sleeps): the same wait.
	 * Only for mutexes and rtmutexes: a spinning wait on an address
	 * already waited for is a new one (an interrupt's read_lock of the
	 * rwlock its task spins on).
	 */
	if ((flags & (LG_LCB_F_MUTEX | LG_LCB_F_RT)) &&
	    lg_find_wait(ws, (__u64)lock) >= 0)
		return 0;
	/*
	 * Spinning waits whose end we missed (an interrupt's contention_end
	 * came while the end program was busy on this CPU, and was skipped):
	 * no spinning wait lasts this long.  The newest is tested: when it is
	 * that old, so are all below it.
	 */
	if (depth && lg_spinning(flags) &&
	    now - ws->w[(depth - 1) & (LG_CONT_SLOTS - 1)].start_ns >
		    LG_SPIN_STALE_NS) {
		lg_drop_n(LG_DROP_UNBALANCED, depth);
		ws->depth = depth = 0;
		ws->overflow = 0;
	}
	/*
	 * A new sleeping wait other than an rtmutex's (PREEMPT_RT's rwsems
	 * nest one): a task sleeps on one lock at a time, and its spins go
	 * to the CPU's stack, so waits still on its own stack lost their
	 * ends (an end skipped as a recursion, or on 6.1 one whose storage
	 * lookup found the CPU's storage busy).  They are dropped, not left
	 * to pair with a later wait on the same lock or to fill the stack.
	 * Except under a percpu rwsem's write wait: percpu_down_write()
	 * begins it, then waits for RCU, which may take a mutex
	 * (synchronize_rcu_expedited()'s exp_mutex) before it ends.
	 */
	if (depth && !lg_spinning(flags) && !(flags & LG_LCB_F_RT) &&
	    !(ws->w[(depth - 1) & (LG_CONT_SLOTS - 1)].flags &
	      LG_LCB_F_PERCPU)) {
		lg_drop_n(LG_DROP_UNBALANCED, depth);
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
	barrier_var(depth);	/* a no-op mask the verifier can follow */
	depth &= LG_CONT_SLOTS - 1;
	ws->w[depth].lock = (__u64)lock;
	ws->w[depth].start_ns = now;
	ws->w[depth].flags = flags;
	ws->w[depth].pad = 0;
	ws->depth = depth + 1;
	return 0;
}

/*
 * A split page-table lock: the spinlock inside a struct ptdesc (the
 * struct page of a page table), which is then of the page-table type.  One
 * read of the word after the lock, in the same 64-byte struct.
 */
static __always_inline bool lg_is_ptlock(__u64 lock)
{
	__u64 off_ptl;
	__u32 type;
	int pgty;

	if (!bpf_core_type_exists(struct ptdesc) ||
	    !bpf_core_enum_value_exists(enum pagetype, PGTY_table))
		return false;
	off_ptl = bpf_core_field_offset(struct ptdesc, ptl);
	pgty = bpf_core_enum_value(enum pagetype, PGTY_table);
	if (lock < off_ptl)
		return false;
	type = LG_PEEK(struct ptdesc, lock - off_ptl, __page_type);
	return type >> 24 == (__u32)pgty;
}

/*
 * A CPU's run-queue lock: the root cfs_rq inside the struct rq around it
 * points back to that rq (CONFIG_FAIR_GROUP_SCHED).  One read.  (Not
 * by the per-CPU "runqueues": the verifier finds its address in kallsyms,
 * which without CONFIG_KALLSYMS_ALL has no data symbols.)
 */
static __always_inline bool lg_is_rq_lock(__u64 lock)
{
	__u64 off, rq;

	if (!bpf_core_field_exists(struct rq, __lock) ||
	    !bpf_core_field_exists(struct cfs_rq, rq))
		return false;
	off = bpf_core_field_offset(struct rq, __lock);
	if (lock < off)
		return false;
	rq = lock - off;
	return (__u64)LG_PEEK(struct rq, rq, cfs.rq) == rq;
}

/*
 * A lock in a slab object: the cache and the lock's offset in the object
 * (slabs are naturally aligned blocks of 2^order pages, objects @size
 * apart after @red_left_pad).  The cache's fields are read directly (the
 * kfunc's pointer is a BTF one): no helper call.
 */
static __always_inline bool lg_slab_class(struct lg_class_ref *c, __u64 lock)
{
	struct kmem_cache *s;
	__u64 bytes, off, id;
	__u32 size, pad;

	if (!lg_ksym_exists(bpf_get_kmem_cache))
		return false;
	s = bpf_get_kmem_cache(lock);
	if (!s)
		return false;
	size = s->size;
	pad = s->red_left_pad;
	bytes = 4096ULL << ((s->oo.x >> 16) & 15);
	if (!size)
		return false;
	off = (lock & (bytes - 1)) % size;
	off = off >= pad ? off - pad : off;
	if (off > LG_SLAB_OFF_MAX)
		off = LG_SLAB_OFF_MAX;
	/*
	 * The cache is known by the address of its name: a number, where the
	 * verifier allows no arithmetic on @s itself.
	 */
	id = (__u64)s->name;
	c->kind = LG_CLASS_SLAB;
	c->key = LG_SLAB_KEY(id, off);
	return true;
}

/*
 * The class of a contended lock.  &mm->mmap_lock is an rwsem, so only
 * rwsem waits (read or write, nothing else) are checked.  An mm other than
 * the current one is recognised when its owner task points back to it;
 * every read of it is a checked one (LG_PEEK()), so a wrong guess is
 * harmless.
 * Other rwsems get the primitives source's classes where their object says
 * so (lg_rwsem_class.bpf.h: the inode lock per fs type, i_mmap_rwsem, the
 * hugetlb vma lock, resv_map->rw_sema, ...), the names the graph has.  A
 * plain spinlock may be a page-table lock; other locks in slab objects
 * are classed by cache and offset; a spinlock outside the slabs may be a
 * run-queue lock; the rest by address.  Returns the fixed slot of a
 * recognised class, or -1.
 */
static __always_inline int lg_classify(struct lg_class_ref *c, __u64 lock,
				       __u32 flags)
{
	const __u32 other = LG_LCB_F_SPIN | LG_LCB_F_MUTEX | LG_LCB_F_RT |
			    LG_LCB_F_PERCPU;
	/* a plain rwsem: read or write, nothing else */
	bool rwsem = (flags & (LG_LCB_F_READ | LG_LCB_F_WRITE)) &&
		     !(flags & other);
	struct task_struct *task, *owner;
	__u64 off, mm;

	if (!rwsem)
		goto not_mmap_lock;
	off = bpf_core_field_offset(struct mm_struct, mmap_lock);
	if (lock < off)
		goto not_mmap_lock;
	mm = lock - off;
	task = bpf_get_current_task_btf();
	if ((__u64)task->mm == mm)
		goto mmap_lock;
	if (!bpf_core_field_exists(struct mm_struct, owner))
		goto not_mmap_lock;
	owner = LG_PEEK(struct mm_struct, mm, owner);
	if (!owner || (__u64)LG_PEEK(struct task_struct, owner, mm) != mm)
		goto not_mmap_lock;
mmap_lock:
	c->kind = LG_CLASS_MMAP_LOCK;
	c->key = 0;
	/* readers and writers are two keys: a slot each, or they thrash */
	return flags & LG_LCB_F_WRITE ? LG_CONT_SLOT_MMAP_LOCK_W :
					LG_CONT_SLOT_MMAP_LOCK;
not_mmap_lock:
	if (rwsem &&
	    (lg_rwsem_in_object(c, lock) || lg_is_resv_map(c, lock))) {
		if (c->kind == LG_CLASS_INODE)
			lg_note_fs_type(c->key);
		return -1;
	}
	c->kind = LG_CLASS_ADDR;
	c->key = lock;
	c->subclass = 0;
	if ((flags & LG_LCB_F_MUTEX) && lg_is_fault_mutex(lock)) {
		c->kind = LG_CLASS_HUGETLB_FAULT_MUTEX;
		c->key = 0;
		return LG_CONT_SLOT_FAULT_MUTEX;
	}
	if (flags == LG_LCB_F_SPIN && lg_is_ptlock(lock)) {
		c->kind = LG_CLASS_PTLOCK;
		c->key = 0;
		return LG_CONT_SLOT_PTLOCK;
	}
	if (lg_slab_class(c, lock))
		return -1;
	if (flags == LG_LCB_F_SPIN && lg_is_rq_lock(lock)) {
		c->kind = LG_CLASS_RQ_LOCK;
		c->key = 0;
	}
	return -1;
}

/*
 * Which bits of a key's hash pick its slot: all of them (255) but for the
 * live test, which sets 1 (two slots for every unrecognised class) to
 * make keys take each other's slots all the time.
 */
const volatile __u32 lg_cont_slot_mask = LG_CONT_NSLOTS - 1;

/* The slot of @key: a recognised class's own, or a hash of the key. */
static __always_inline __u32 lg_slot_of(const struct lg_contention_key *key,
					int fixed)
{
	__u64 h;

	if (fixed >= 0)
		return fixed;
	/*
	 * All that lg_key_eq() compares: the kind's whole word, so that
	 * keys told apart by subclass alone (a directory's inode lock and a
	 * file's, of one fs type) do not fight over one slot.
	 */
	h = (key->class.key ^
	     (*(const __u64 *)&key->class.kind << 24) ^
	     ((__u64)key->flags << 48)) * 0x9e3779b97f4a7c15ULL;
	h = (h >> (64 - 8)) & lg_cont_slot_mask; /* LG_CONT_NSLOTS == 256 */
	if (h < LG_CONT_SLOT_FIRST_HASHED)
		h += LG_CONT_SLOT_FIRST_HASHED;
	return h & (LG_CONT_NSLOTS - 1);
}

/* The same key, whatever stack id either carries. */
static __always_inline bool lg_key_eq(const struct lg_contention_key *a,
				      const struct lg_contention_key *b)
{
	return a->class.key == b->class.key &&
	       *(const __u64 *)&a->class.kind == *(const __u64 *)&b->class.kind &&
	       a->flags == b->flags;
}

static __always_inline void lg_add(struct lg_contention_stats *st, __u64 count,
				   __u64 total, __u64 max)
{
	st->count += count;
	st->total_ns += total;
	if (max > st->max_ns)
		st->max_ns = max;
}

/*
 * The cold path: the spill ring entry the figures of the key leaving a
 * slot go to, or NULL when user space has not read the ring's oldest entry
 * yet (or its read index cannot be looked up).  *@head gets the ring's
 * head, which lg_take_slot() advances once the entry is written.
 */
static __always_inline struct lg_cont_spill *
lg_spill_entry(struct lg_cont_cpu *cpu, __u64 *head)
{
	__u32 id = bpf_get_smp_processor_id();
	__u64 *seen;

	*head = cpu->spill_head;
	seen = bpf_map_lookup_elem(&cont_consumed, &id);
	if (!seen || *head - *seen >= LG_CONT_NSPILL)
		return NULL;
	return &cpu->spill[*head & (LG_CONT_NSPILL - 1)];
}

/*
 * Does @c need a representative stack to be named?  Unrecognised locks
 * (static ones are named from kallsyms, but the stack costs once), and
 * slab locks but those of caches user space names by struct and field.
 */
static __always_inline bool lg_needs_stack(const struct lg_class_ref *c)
{
	__u64 cache;

	if (c->kind == LG_CLASS_ADDR)
		return true;
	if (c->kind != LG_CLASS_SLAB)
		return false;
	cache = LG_SLAB_CACHE(c->key);
	return !bpf_map_lookup_elem(&typed_caches, &cache);
}

/*
 * The representative stack of @c: from class_stacks, else walked now (the
 * waiter is the current task) and kept there.  -1 when the walk failed.
 */
static __always_inline __s32 lg_class_stack(void *ctx,
					    const struct lg_class_ref *c)
{
	const __u64 *w = (const __u64 *)c;
	struct lg_class_stack *e;
	__u64 seq;
	__s32 id;
	bool mine;
	__u32 i;

	i = (__u32)(((w[0] ^ w[1]) * 0x9e3779b97f4a7c15ULL) >> 32) &
	    (LG_CLASS_STACKS - 1);
	e = bpf_map_lookup_elem(&class_stacks, &i);
	if (e) {
		/* x86 keeps loads in order, and stores: barriers suffice */
		seq = e->seq;
		barrier();
		id = e->id;
		mine = e->class.key == c->key &&
		       *(const __u64 *)&e->class.kind == w[1];
		barrier();
		if (mine && !(seq & 1) && e->seq == seq)
			return id;
	}
	id = bpf_get_stackid(ctx, &stacks, 0);
	if (id < 0) {
		lg_drop(LG_DROP_STACK);
		return id;
	}
	if (!e)
		return id;
	seq = e->seq;
	if (seq & 1 || __sync_val_compare_and_swap(&e->seq, seq, seq + 1) != seq)
		return id;	/* another CPU writes it: kept next time */
	barrier();
	e->id = id;
	e->class.key = c->key;
	e->class.kind = c->kind;
	e->class.subclass = c->subclass;
	e->class.mode = c->mode;
	e->class.trylock = c->trylock;
	barrier();
	e->seq = seq + 2;
	return id;
}

/*
 * The cold path: give @slot to @key.  The key it held is spilled first,
 * with @gen already ahead of @gen_done so user space skips the slot until
 * the new key's figures are in (see struct lg_cont_cpu).  When the spill
 * ring is full the slot is not handed over: the old key keeps it (all of
 * its figures stay deliverable) and only this wait, of @key, is counted
 * as dropped.
 */
static __always_inline void lg_take_slot(void *ctx, struct lg_cont_cpu *cpu,
					 struct lg_cont_slot *slot,
					 const struct lg_contention_key *key,
					 __u64 lock, __u64 wait)
{
	struct lg_cont_spill *e = NULL;
	__u64 gen = slot->gen + 1, head = 0;
	__s32 id = -1;

	if (slot->st.count) {
		e = lg_spill_entry(cpu, &head);
		if (!e) {
			lg_drop(LG_DROP_CONTENTION_MAP_FULL);
			cpu->refused_ns += wait;
			return;
		}
	}
	slot->gen = gen;
	barrier();
	if (e) {
		e->key = slot->key;
		e->st = slot->st;
		barrier();
		cpu->spill_head = head + 1;
	}
	if (lg_needs_stack(&key->class))
		id = lg_class_stack(ctx, &key->class);
	slot->key = *key;
	slot->key.stack_id = id;
	slot->lock = lock;
	slot->st.count = 1;
	slot->st.total_ns = wait;
	slot->st.max_ns = wait;
	barrier();
	slot->gen_done = gen;
}

/*
 * The hot path: a wait into its class's slot, on this CPU: no map lookup
 * past the one for @cpu, no atomics (per-CPU, and the program does not
 * nest on a CPU).
 */
static __always_inline void lg_account(void *ctx, struct lg_cont_cpu *cpu,
				       __u64 lock, __u32 flags, __u64 wait)
{
	struct lg_contention_key key = {};
	struct lg_cont_slot *slot;
	int fixed;
	__u32 i;

	fixed = lg_classify(&key.class, lock, flags);
	key.flags = flags;
	key.stack_id = -1;
	i = lg_slot_of(&key, fixed);
	cpu->timed++;
	cpu->timed_ns += wait;
	barrier_var(i);	/* mask here: the 6.1 verifier loses the bounds */
	slot = &cpu->slot[i & (LG_CONT_NSLOTS - 1)];
	if (lg_key_eq(&slot->key, &key) && slot->gen == slot->gen_done &&
	    slot->st.count) {
		lg_add(&slot->st, 1, wait, wait);
		return;
	}
	lg_take_slot(ctx, cpu, slot, &key, lock, wait);
}

/* Take the wait for @lock off @ws; returns false when it is not there. */
static __always_inline bool lg_pop_wait(struct lg_cont_waits *ws, __u64 lock,
					struct lg_cont_wait *out)
{
	int i = lg_find_wait(ws, lock);

	if (i < 0 || i >= LG_CONT_SLOTS)
		return false;
	*out = ws->w[i];
	/* waits above it lost their ends: drop them, each one */
	if (i + 1 < (int)ws->depth)
		lg_drop_n(LG_DROP_UNBALANCED, ws->depth - (__u32)i - 1);
	ws->depth = i;
	return true;
}

SEC("tp_btf/contention_end")
int BPF_PROG(cont_end, void *lock, int ret)
{
	struct lg_cont_waits *cws, *tws;
	struct lg_cont_cpu *cpu = lg_cpu();
	struct lg_cont_wait w;
	__u64 now = bpf_ktime_get_ns();

	if (!lg_cont_armed)
		lg_cont_armed = 1;
	if (!cpu)
		return 0;	/* never: an array's element 0 */
	cws = &cpu->waits;
	if (lg_pop_wait(cws, (__u64)lock, &w))
		goto found;
	tws = bpf_task_storage_get(&task_waits, bpf_get_current_task_btf(), 0,
				   0);
	if (tws && lg_pop_wait(tws, (__u64)lock, &w))
		goto found;
	/*
	 * A begin past LG_CONT_SLOTS (counted there), or none kept: one
	 * before the programs were armed (outside what is measured), or one
	 * lost and counted where it was lost (a run the kernel skipped as a
	 * recursion, no task storage, a wait dropped as unended), so that
	 * the wait is not counted twice here.
	 */
	if (cws->overflow)
		cws->overflow--;
	else if (tws && tws->overflow)
		tws->overflow--;
	return 0;
found:
	lg_account(ctx, cpu, (__u64)lock, w.flags, now - w.start_ns);
	return 0;
}

/*
 * The slab caches' names for user space: "name's address, object_size,
 * name" per line, read through an iterator link (kernels with
 * iter/kmem_cache; not loaded elsewhere).
 */
SEC("iter/kmem_cache")
int cont_slab_names(struct bpf_iter__kmem_cache *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct kmem_cache *s = ctx->s;

	if (!s)
		return 0;
	BPF_SEQ_PRINTF(seq, "%lx %u %s\n", (unsigned long)s->name,
		       s->object_size, s->name);
	return 0;
}
