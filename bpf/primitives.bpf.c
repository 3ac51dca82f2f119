/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The primitives source (LG_SRC_PRIMITIVES): rwsem and mutex acquisitions
 * on production kernels without lockdep, through BPF trampolines (fentry/
 * fexit; kernels with BTF, 5.5 and later).
 *
 * What it sees: fexit of down_read{,_killable,_interruptible,_trylock},
 * down_write{,_killable,_trylock}, mutex_lock{,_interruptible,_killable,
 * _io} and mutex_trylock, when they succeeded (void, 0 for killable and
 * interruptible, 1 for trylocks; trylocks carry trylock = 1), and fentry of
 * up_read, up_write, downgrade_write and mutex_unlock.  On lockdep kernels,
 * where mutex_lock() and friends are macros, the *_nested and *_nest_lock
 * functions instead (their subclass is not used: on production kernels
 * there is none).  Programs are named after the function they attach to;
 * the loader turns autoload off for those the kernel does not have.
 *
 * Classes, from the lock's address (every read of kernel memory a checked
 * probe read, so a wrong guess costs nothing but time), first match wins:
 * - &mm->mmap_lock: the current task's mm or active_mm, or the mm it had
 *   before an exec (no read); else (further down) an mm whose owner task
 *   points back to it or is being forked (dup_mmap());
 *   a second mm's mmap_lock taken while one is held is subclass 1, as
 *   dup_mmap() tells lockdep;
 * - the inode lock: container_of(sem, struct inode, i_rwsem) whose
 *   i_data.host is the inode itself (true of every inode, also of device
 *   inodes whose i_mapping points elsewhere); key: the fs type, subclass:
 *   1 for a directory.  Each fs type's name goes to user space once;
 * - &anon_vma->rwsem: anon_vma_lock_*() lock root anon_vmas only, and a
 *   root's root is itself;
 * - &mapping->i_mmap_rwsem: mapping->host->i_mapping == mapping;
 *   &hugetlbfs_i_mmap_rwsem_key when the host's fs type is "hugetlbfs";
 * - &mapping->invalidate_lock: the same test (5.15 and later);
 * - &vma_lock->rw_sema (6.1 and later): vl->vma->vm_private_data == vl;
 *   or, for a lock whose vma is already gone (vl->vma == NULL: truncation's
 *   hugetlb_unmap_file_folio() takes it by hand, holding a reference), a
 *   plausible reference count while the task holds a hugetlb fault mutex,
 *   which that path always does (it was named lock@remove_inode_hugepages);
 * - &resv_map->rw_sema: both of its lists intact, a plausible reference
 *   count, and pages_per_hpage (CONFIG_CGROUP_HUGETLB) a power of two;
 * - &hugetlb_fault_mutex_table[i]: inside the table the kernel allocated
 *   at boot (found through kallsyms; kernels without KALLSYMS_ALL do not
 *   name it);
 * - anything else: LG_CLASS_ADDR, key the lock's address (user space names
 *   static locks from kallsyms).  A lock in dynamic memory is a class per
 *   instance: every new instance (each process's cred_guard_mutex, each
 *   trampoline's mutex) is a new chain for the chain cache and the ring
 *   buffer.
 *
 * Held locks: a stack per task in task storage, as in context.bpf.c,
 * pushed at fexit, popped at fentry of the release by lock address.
 * Nothing of a kind (rwsem, mutex) is pushed before its release programs
 * have run once (lg_armed_*), so attach order cannot leave stale entries;
 * downgrade_write() turns the entry into a read hold (no new chain).  Only
 * task context is tracked (LG_DROP_IRQ_CONTEXT; see lockdep.bpf.c): sleeping
 * locks are not taken in interrupts, but trylocks and releases can be.
 *
 * Recursion: nothing this source calls takes an rwsem or a mutex.  A
 * trampoline runs one instance of a program per CPU; a task preempted
 * inside one of these programs (preemptible kernels) makes another task's
 * event on that CPU a recursion miss of the program (bpf_prog_info's
 * recursion_misses), which user space should report with the drops.
 *
 * Costs: every rwsem/mutex operation goes through a trampoline; fexit
 * programs also make the trampoline call the function.  An acquisition
 * then costs a preempt count read, a task storage lookup, the class tests
 * (none for the task's own mmap_lock, up to about 15 probe reads for an
 * unrecognised rwsem, a range test for a mutex) and a chain cache lookup;
 * a release a search of at most LG_HELD_MAX entries.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "lockgraph.h"
#include "lg_common.bpf.h"
#include "lg_fault_mutex.bpf.h"
#include "lg_rwsem_class.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define LG_CHAIN_CACHE_ENTRIES	65536
#define LG_NAMED_TYPES		1024
#define LG_RINGBUF_BYTES	(4U << 20)

/* include/linux/sched.h: a task being created (copy_process()) */
#define LG_TASK_NEW	0x00000800

/*
 * Which release programs have run (each flag written by its own program
 * only).  Acquisitions of a kind of lock are only pushed once its release
 * programs are attached, whatever order the loader attaches the programs
 * in: an acquisition whose release could not be seen would stay on its
 * task's stack for good.
 */
__u32 lg_armed_up_read, lg_armed_up_write, lg_armed_mutex_unlock;

/*
 * The held-lock stacks (struct lg_task, lg_common.bpf.h).  The context
 * source reads them too, through the same map (see context.bpf.c).
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct lg_task);
} held_locks SEC(".maps");

/* Chain keys already sent.  Preallocated. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LG_CHAIN_CACHE_ENTRIES);
	__type(key, __u64);
	__type(value, __u8);
} chain_cache SEC(".maps");

/* File system types whose name user space has (LG_EV_CLASS_NAME sent). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LG_NAMED_TYPES);
	__type(key, __u64);
	__type(value, __u8);
} named_types SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, LG_RINGBUF_BYTES);
} events SEC(".maps");

/*
 * @v, a pointer the verifier tracks as one (a lock argument), as a plain
 * number: the chain key hashes it, and the verifier allows no arithmetic
 * on a kernel pointer.  Through the task's own storage, which costs two
 * memory accesses instead of a probe read.
 */
static __always_inline __u64 lg_number(struct lg_task *t, __u64 v)
{
	*(volatile __u64 *)&t->scratch = v;
	return *(volatile __u64 *)&t->scratch;
}

/* Recompute every entry's chain key after a class changed. */
static __always_inline void lg_rekey(struct lg_task *t)
{
	__u64 key = LG_CHAIN_SEED;
	__u32 i, depth = t->depth;

	for (i = 0; i < LG_HELD_MAX; i++) {
		if (i >= depth)
			break;
		key = lg_chain_step(key, &t->held[i].class);
		t->held[i].chain_key = key;
	}
	t->chain_key = key;
}

/*
 * Make sure user space has the name of file system type @type (an inode
 * class key).  Returns false when the ring buffer is full.
 */
static __noinline bool lg_name_fs_type(__u64 type)
{
	struct file_system_type *fs = (void *)type;
	struct lg_name_event *ev;
	const char *name;
	__u8 one = 1;

	if (!type || bpf_map_lookup_elem(&named_types, &type))
		return true;
	ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		lg_drop(LG_DROP_RINGBUF_FULL);
		return false;
	}
	/* the ring's old bytes past the name's NUL would reach --record */
	__builtin_memset(ev, 0, sizeof(*ev));
	name = BPF_CORE_READ(fs, name);
	if (!name || bpf_probe_read_kernel_str(ev->name, sizeof(ev->name),
					       name) <= 1) {
		/* nameless: user space names it from kallsyms */
		bpf_ringbuf_discard(ev, 0);
		return true;
	}
	ev->hdr.type = LG_EV_CLASS_NAME;
	ev->hdr.size = sizeof(*ev);
	ev->class.key = type;
	ev->class.kind = LG_CLASS_INODE;
	ev->class.subclass = 0;
	ev->class.mode = 0;
	ev->class.trylock = 0;
	ev->class.pad[0] = 0;
	ev->class.pad[1] = 0;
	ev->class.pad[2] = 0;
	bpf_ringbuf_submit(ev, 0);
	/* only now: whoever finds the type named finds its name sent */
	bpf_map_update_elem(&named_types, &type, &one, BPF_ANY);
	return true;
}

/*
 * Send the chain held[0..depth-1] -> @acq unless the chain cache has it
 * (see context.bpf.c), naming its inode classes' fs types first.
 */
static __always_inline void lg_send_chain(void *ctx, const struct lg_task *t,
					  __u32 depth,
					  const struct lg_class_ref *acq,
					  __u64 key)
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
		if (t->held[i].class.kind == LG_CLASS_INODE &&
		    !lg_name_fs_type(t->held[i].class.key))
			goto unsent;
	}
	if (acq->kind == LG_CLASS_INODE && !lg_name_fs_type(acq->key))
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
	lg_chain_event_submit(ctx, ev, LG_SRC_PRIMITIVES, key, depth, acq);
	return;
unsent:
	if (!err)
		bpf_map_delete_elem(&chain_cache, &key);
}

/* As context.bpf.c's lg_acquire(). */
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
	barrier_var(depth);	/* keep "<" for the 6.1 verifier */
	if (depth >= LG_HELD_MAX) {
		t->overflow++;
		lg_drop(LG_DROP_HELD_OVERFLOW);
		return;
	}
	lg_ref_copy(&t->held[depth].class, c);
	t->held[depth].instance = inst;
	t->held[depth].chain_key = key;
	t->chain_key = key;
	t->depth = depth + 1;
}

/* The topmost entry of lock @inst, or -1 (bottom-up: see context.bpf.c). */
static __always_inline int lg_find(const struct lg_task *t, __u64 inst)
{
	__u32 i, depth = t->depth;
	int found = -1;

	for (i = 0; i < LG_HELD_MAX; i++) {
		if (i >= depth)
			break;
		if (t->held[i].instance == inst)
			found = i;
	}
	return found;
}

/* Remove held[@i]; the entries above move down (see lockdep.bpf.c). */
static __always_inline void lg_remove(struct lg_task *t, __u32 i)
{
	__u32 depth = t->depth, j;
	__u64 key = LG_CHAIN_SEED;

	if (depth == 0 || depth > LG_HELD_MAX || i >= depth)
		return;
	if (i > 0 && i - 1 < LG_HELD_MAX)
		key = t->held[i - 1].chain_key;
	for (j = 0; j < LG_HELD_MAX - 1; j++) {
		if (j < i)
			continue;
		if (j + 1 >= depth)
			break;
		lg_ref_copy(&t->held[j].class, &t->held[j + 1].class);
		t->held[j].instance = t->held[j + 1].instance;
		key = lg_chain_step(key, &t->held[j].class);
		t->held[j].chain_key = key;
	}
	t->depth = depth - 1;
	t->chain_key = key;
}

/* ------------------------------------------------------------------ */
/* Recognising the lock class from the lock's address                  */

/*
 * Does the task hold a lock of class kind @kind, in mode @mode and
 * subclass @subclass (each -1: any)?
 */
static __always_inline bool lg_holds(const struct lg_task *t, __u16 kind,
				     int mode, int subclass)
{
	__u32 i, depth = t->depth;
	bool held = false;

	for (i = 0; i < LG_HELD_MAX; i++) {
		if (i >= depth)
			break;
		if (t->held[i].class.kind == kind &&
		    (mode < 0 || t->held[i].class.mode == mode) &&
		    (subclass < 0 || t->held[i].class.subclass == subclass))
			held = true;
	}
	return held;
}

/*
 * Is @mm an mm whose owner says so: its owner task's mm; or, while the
 * task holds its own mm for write (dup_mmap() does), the mm of a child
 * being forked: owner in TASK_NEW with neither mm nor active_mm set yet.
 * (Testing less for the child matched garbage: a vma lock whose vma was
 * gone, read as an mm, once had a plausible "owner".)
 */
static __always_inline bool lg_owned_mm(__u64 mm, const struct lg_task *t)
{
	struct task_struct *owner;
	__u64 owner_mm;

	if (!bpf_core_field_exists(struct mm_struct, owner))
		return false;
	owner = BPF_CORE_READ((struct mm_struct *)mm, owner);
	if (!owner)
		return false;
	owner_mm = (__u64)BPF_CORE_READ(owner, mm);
	if (owner_mm == mm)
		return true;
	if (owner_mm || !bpf_core_field_exists(owner->__state) ||
	    !lg_holds(t, LG_CLASS_MMAP_LOCK, LG_MODE_W, 0))
		return false;
	return BPF_CORE_READ(owner, __state) == LG_TASK_NEW &&
	       !BPF_CORE_READ(owner, active_mm);
}

/*
 * The class of rwsem @sem held by @task (@t its state); c->mode/trylock
 * already set.
 */
static __always_inline void lg_classify_rwsem(struct lg_class_ref *c,
					      __u64 sem,
					      struct task_struct *task,
					      struct lg_task *t)
{
	__u64 base, mm = (__u64)task->mm;

	c->key = 0;
	c->subclass = 0;

	/*
	 * The task's own mm; the one it exits from (active_mm); the one it
	 * had before exec (exit_mmap() of the old mm runs after the switch).
	 */
	if (mm && mm != t->mm) {
		t->prev_mm = t->mm;
		t->mm = mm;
	}
	base = sem - bpf_core_field_offset(struct mm_struct, mmap_lock);
	if (mm == base || (__u64)task->active_mm == base ||
	    (t->prev_mm && t->prev_mm == base)) {
		c->kind = LG_CLASS_MMAP_LOCK;
		return;
	}

	if (lg_rwsem_in_object(c, sem))
		return;

	/* another task's mm (khugepaged, /proc, ptrace), or a child's */
	base = sem - bpf_core_field_offset(struct mm_struct, mmap_lock);
	if (lg_owned_mm(base, t)) {
		c->kind = LG_CLASS_MMAP_LOCK;
		return;
	}

	if (lg_is_resv_map(c, sem))
		return;

	/*
	 * A hugetlb vma lock whose vma is gone (truncation's
	 * hugetlb_unmap_file_folio() waits for it holding a reference and a
	 * fault mutex).  Last, after the resv_map test: a private mapping's
	 * resv_map lock, also taken under a fault mutex (hugetlb_wp()), read
	 * as a vma lock can look the same (a small count, NULL after it).
	 */
	if (bpf_core_type_exists(struct hugetlb_vma_lock) &&
	    lg_holds(t, LG_CLASS_HUGETLB_FAULT_MUTEX, -1, -1)) {
		struct hugetlb_vma_lock *vl;
		int refs;

		vl = (void *)(sem - bpf_core_field_offset(struct hugetlb_vma_lock,
							  rw_sema));
		refs = BPF_CORE_READ(vl, refs.refcount.refs.counter);
		if (!BPF_CORE_READ(vl, vma) && refs > 0 && refs < (1 << 16)) {
			c->kind = LG_CLASS_VMA_LOCK;
			return;
		}
	}

	c->kind = LG_CLASS_ADDR;
	c->key = sem;
}

static __always_inline void lg_classify_mutex(struct lg_class_ref *c,
					      __u64 lock)
{
	c->subclass = 0;
	if (lg_is_fault_mutex(lock)) {
		c->kind = LG_CLASS_HUGETLB_FAULT_MUTEX;
		c->key = 0;
		return;
	}
	c->kind = LG_CLASS_ADDR;
	c->key = lock;
}

/* ------------------------------------------------------------------ */
/* Acquisitions and releases                                           */

/* The current task now holds @lock (an rwsem if @rwsem, else a mutex). */
static __always_inline void lg_acquired(void *ctx, __u64 lock, bool rwsem,
					__u8 mode, __u8 trylock)
{
	struct lg_class_ref c = {
		.mode = mode,
		.trylock = trylock,
	};
	struct task_struct *task;
	struct lg_task *t;
	__u32 i, depth;

	if (rwsem ? !lg_armed_up_read || !lg_armed_up_write :
		    !lg_armed_mutex_unlock)
		return;
	if (!lg_in_task()) {
		lg_drop(LG_DROP_IRQ_CONTEXT);
		return;
	}
	task = bpf_get_current_task_btf();
	t = bpf_task_storage_get(&held_locks, task, 0,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!t) {
		lg_drop(LG_DROP_TASK_STORAGE);
		return;
	}
	lock = lg_number(t, lock);
	/*
	 * A task cannot hold a mutex twice: a second acquisition is one
	 * mutex API's fexit inside another's (mutex_lock_io() calls
	 * mutex_lock() where the compiler did not inline it), which a
	 * single mutex_unlock() ends.
	 */
	if (!rwsem && lg_find(t, lock) >= 0)
		return;
	if (rwsem)
		lg_classify_rwsem(&c, lock, task, t);
	else
		lg_classify_mutex(&c, lock);
	if (c.kind == LG_CLASS_MMAP_LOCK) {
		depth = t->depth;
		for (i = 0; i < LG_HELD_MAX; i++) {
			if (i >= depth)
				break;
			if (t->held[i].class.kind == LG_CLASS_MMAP_LOCK &&
			    t->held[i].instance != lock)
				c.subclass = 1;	/* dup_mmap() nesting */
		}
	}
	lg_acquire(ctx, t, &c, lock);
}

/* The current task releases @lock; @armed: the calling program's flag. */
static __always_inline void lg_released(__u64 lock, __u32 *armed)
{
	struct lg_task *t;
	int i;

	if (!*armed)
		*armed = 1;
	t = bpf_task_storage_get(&held_locks, bpf_get_current_task_btf(), 0,
				 0);
	if (!lg_in_task() || !t)
		return;
	/*
	 * Not on the stack: past LG_HELD_MAX (counted there), or not kept:
	 * taken before we attached, or lost and counted where it was lost
	 * (a run the kernel skipped as a recursion, no task storage).
	 */
	i = lg_find(t, lock);
	if (i >= 0)
		lg_remove(t, (__u32)i);
	else if (t->overflow)
		t->overflow--;
}

/* A write hold of @lock becomes a read hold: no wait, no new chain. */
static __always_inline void lg_downgraded(__u64 lock)
{
	struct lg_task *t;
	int i;

	if (!lg_in_task())
		return;
	t = bpf_task_storage_get(&held_locks, bpf_get_current_task_btf(), 0,
				 0);
	if (!t)
		return;
	i = lg_find(t, lock);
	if (i < 0 || i >= LG_HELD_MAX)
		return;
	t->held[i].class.mode = LG_MODE_r;
	lg_rekey(t);
}

#define LG_RWSEM	true
#define LG_MUTEX	false

/* rwsems */

SEC("fexit/down_read")
int BPF_PROG(down_read, struct rw_semaphore *sem)
{
	lg_acquired(ctx, (__u64)sem, LG_RWSEM, LG_MODE_r, 0);
	return 0;
}

SEC("fexit/down_read_killable")
int BPF_PROG(down_read_killable, struct rw_semaphore *sem, int ret)
{
	if (!ret)
		lg_acquired(ctx, (__u64)sem, LG_RWSEM, LG_MODE_r, 0);
	return 0;
}

SEC("fexit/down_read_interruptible")
int BPF_PROG(down_read_interruptible, struct rw_semaphore *sem, int ret)
{
	if (!ret)
		lg_acquired(ctx, (__u64)sem, LG_RWSEM, LG_MODE_r, 0);
	return 0;
}

SEC("fexit/down_read_trylock")
int BPF_PROG(down_read_trylock, struct rw_semaphore *sem, int ret)
{
	if (ret == 1)
		lg_acquired(ctx, (__u64)sem, LG_RWSEM, LG_MODE_r, 1);
	return 0;
}

SEC("fexit/down_write")
int BPF_PROG(down_write, struct rw_semaphore *sem)
{
	lg_acquired(ctx, (__u64)sem, LG_RWSEM, LG_MODE_W, 0);
	return 0;
}

SEC("fexit/down_write_killable")
int BPF_PROG(down_write_killable, struct rw_semaphore *sem, int ret)
{
	if (!ret)
		lg_acquired(ctx, (__u64)sem, LG_RWSEM, LG_MODE_W, 0);
	return 0;
}

SEC("fexit/down_write_trylock")
int BPF_PROG(down_write_trylock, struct rw_semaphore *sem, int ret)
{
	if (ret == 1)
		lg_acquired(ctx, (__u64)sem, LG_RWSEM, LG_MODE_W, 1);
	return 0;
}

SEC("fentry/up_read")
int BPF_PROG(up_read, struct rw_semaphore *sem)
{
	lg_released((__u64)sem, &lg_armed_up_read);
	return 0;
}

SEC("fentry/up_write")
int BPF_PROG(up_write, struct rw_semaphore *sem)
{
	lg_released((__u64)sem, &lg_armed_up_write);
	return 0;
}

SEC("fentry/downgrade_write")
int BPF_PROG(downgrade_write, struct rw_semaphore *sem)
{
	lg_downgraded((__u64)sem);
	return 0;
}

/* rwsems, lockdep kernels (CONFIG_DEBUG_LOCK_ALLOC) */

SEC("fexit/down_read_nested")
int BPF_PROG(down_read_nested, struct rw_semaphore *sem, int subclass)
{
	lg_acquired(ctx, (__u64)sem, LG_RWSEM, LG_MODE_r, 0);
	return 0;
}

SEC("fexit/down_read_killable_nested")
int BPF_PROG(down_read_killable_nested, struct rw_semaphore *sem,
	     int subclass, int ret)
{
	if (!ret)
		lg_acquired(ctx, (__u64)sem, LG_RWSEM, LG_MODE_r, 0);
	return 0;
}

SEC("fexit/down_write_nested")
int BPF_PROG(down_write_nested, struct rw_semaphore *sem, int subclass)
{
	lg_acquired(ctx, (__u64)sem, LG_RWSEM, LG_MODE_W, 0);
	return 0;
}

SEC("fexit/down_write_killable_nested")
int BPF_PROG(down_write_killable_nested, struct rw_semaphore *sem,
	     int subclass, int ret)
{
	if (!ret)
		lg_acquired(ctx, (__u64)sem, LG_RWSEM, LG_MODE_W, 0);
	return 0;
}

SEC("fexit/_down_write_nest_lock")
int BPF_PROG(_down_write_nest_lock, struct rw_semaphore *sem,
	     struct lockdep_map *nest)
{
	lg_acquired(ctx, (__u64)sem, LG_RWSEM, LG_MODE_W, 0);
	return 0;
}

/* mutexes */

SEC("fexit/mutex_lock")
int BPF_PROG(mutex_lock, struct mutex *lock)
{
	lg_acquired(ctx, (__u64)lock, LG_MUTEX, LG_MODE_W, 0);
	return 0;
}

SEC("fexit/mutex_lock_interruptible")
int BPF_PROG(mutex_lock_interruptible, struct mutex *lock, int ret)
{
	if (!ret)
		lg_acquired(ctx, (__u64)lock, LG_MUTEX, LG_MODE_W, 0);
	return 0;
}

SEC("fexit/mutex_lock_killable")
int BPF_PROG(mutex_lock_killable, struct mutex *lock, int ret)
{
	if (!ret)
		lg_acquired(ctx, (__u64)lock, LG_MUTEX, LG_MODE_W, 0);
	return 0;
}

SEC("fexit/mutex_lock_io")
int BPF_PROG(mutex_lock_io, struct mutex *lock)
{
	lg_acquired(ctx, (__u64)lock, LG_MUTEX, LG_MODE_W, 0);
	return 0;
}

SEC("fexit/mutex_trylock")
int BPF_PROG(mutex_trylock, struct mutex *lock, int ret)
{
	if (ret == 1)
		lg_acquired(ctx, (__u64)lock, LG_MUTEX, LG_MODE_W, 1);
	return 0;
}

SEC("fentry/mutex_unlock")
int BPF_PROG(mutex_unlock, struct mutex *lock)
{
	lg_released((__u64)lock, &lg_armed_mutex_unlock);
	return 0;
}

/* mutexes, lockdep kernels (CONFIG_DEBUG_LOCK_ALLOC) */

SEC("fexit/mutex_lock_nested")
int BPF_PROG(mutex_lock_nested, struct mutex *lock, unsigned int subclass)
{
	lg_acquired(ctx, (__u64)lock, LG_MUTEX, LG_MODE_W, 0);
	return 0;
}

SEC("fexit/mutex_lock_interruptible_nested")
int BPF_PROG(mutex_lock_interruptible_nested, struct mutex *lock,
	     unsigned int subclass, int ret)
{
	if (!ret)
		lg_acquired(ctx, (__u64)lock, LG_MUTEX, LG_MODE_W, 0);
	return 0;
}

SEC("fexit/mutex_lock_killable_nested")
int BPF_PROG(mutex_lock_killable_nested, struct mutex *lock,
	     unsigned int subclass, int ret)
{
	if (!ret)
		lg_acquired(ctx, (__u64)lock, LG_MUTEX, LG_MODE_W, 0);
	return 0;
}

SEC("fexit/mutex_lock_io_nested")
int BPF_PROG(mutex_lock_io_nested, struct mutex *lock, unsigned int subclass)
{
	lg_acquired(ctx, (__u64)lock, LG_MUTEX, LG_MODE_W, 0);
	return 0;
}

SEC("fexit/_mutex_lock_nest_lock")
int BPF_PROG(_mutex_lock_nest_lock, struct mutex *lock,
	     struct lockdep_map *nest)
{
	lg_acquired(ctx, (__u64)lock, LG_MUTEX, LG_MODE_W, 0);
	return 0;
}
