/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Everything that crosses between the BPF probe sources and lockgraphd:
 * ring buffer events, map keys and values, and the numbers both sides must
 * agree on.  Fixed-width types only; this header is included by the .bpf.c
 * files (after vmlinux.h) and by the daemon (after <linux/types.h>).  The
 * same structs are the format of a --record file, so a change here is a
 * format change: bump LG_EVENT_VERSION.
 */
#ifndef LOCKGRAPH_BPF_LOCKGRAPH_H
#define LOCKGRAPH_BPF_LOCKGRAPH_H

#define LG_EVENT_VERSION 1

#define LG_HELD_MAX 12	   /* held locks tracked per task */
#define LG_STACK_MAX 32	   /* kernel frames in a chain event */
#define LG_NAME_MAX 64	   /* a class name sent from the kernel */
#define LG_COMM_LEN 16

/* The probe sources (bpf/<name>.bpf.c). */
enum lg_source {
	LG_SRC_LOCKDEP = 0,
	LG_SRC_PRIMITIVES = 1,
	LG_SRC_CONTEXT = 2,
	LG_SRC_CONTENTION = 3,
	LG_SRC_COUNT,
};

/*
 * How a probe names a lock class.  The kinds the probes recognise get
 * lockdep's names in user space (lg_class_kind_name()); LG_CLASS_LOCKDEP
 * carries lockdep's own key and (once, in an LG_EV_CLASS_NAME event) name;
 * LG_CLASS_ADDR is a lock nothing recognised: its address, which user space
 * names from kallsyms (static locks) or by where it was taken.
 */
enum lg_class_kind {
	LG_CLASS_NONE = 0,
	LG_CLASS_MMAP_LOCK = 1,	       /* &mm->mmap_lock */
	LG_CLASS_FS_RECLAIM = 2,       /* fs_reclaim (reclaim in progress) */
	LG_CLASS_I_MMAP_RWSEM = 3,     /* &mapping->i_mmap_rwsem */
	LG_CLASS_HUGETLBFS_I_MMAP = 4, /* &hugetlbfs_i_mmap_rwsem_key */
	LG_CLASS_VMA_LOCK = 5,	       /* &vma_lock->rw_sema (hugetlb) */
	LG_CLASS_RESV_MAP = 6,	       /* &resv_map->rw_sema (hugetlb) */
	LG_CLASS_INODE = 7,	       /* inode lock; key: fs type, subclass: dir */
	LG_CLASS_INVALIDATE_LOCK = 8,  /* &mapping->invalidate_lock */
	LG_CLASS_ANON_VMA = 9,	       /* &anon_vma->rwsem */
	LG_CLASS_LOCKDEP = 10,	       /* lockdep key + subclass */
	LG_CLASS_ADDR = 11,	       /* unrecognised lock at address key */
	/*
	 * Added for the primitives source: the hugetlb fault mutexes, an
	 * array allocated at boot (so no kallsyms name per lock); one class
	 * for all of them, key 0, as lockdep has it.
	 */
	LG_CLASS_HUGETLB_FAULT_MUTEX = 12, /* &hugetlb_fault_mutex_table[i] */
	/*
	 * Added for the contention source's locks in dynamic memory, which
	 * would otherwise be a new LG_CLASS_ADDR per address.
	 * LG_CLASS_SLAB: a lock inside a slab object; key: the low 48 bits
	 * of the address of its kmem_cache's name (one per cache: the
	 * cache's id, LG_SLAB_CACHE()) and the lock's offset in the object
	 * in the top 16 (LG_SLAB_KEY()).  Not "a kernel address with its top
	 * bits put back": with 5-level paging they are not all ones.
	 * LG_CLASS_PTLOCK: a split page-table lock, key 0 (lockdep's
	 * "ptlock_ptr(ptdesc)").
	 */
	LG_CLASS_SLAB = 13,
	LG_CLASS_PTLOCK = 14,
	/* a CPU's run-queue lock (per-CPU memory, no symbol), key 0 */
	LG_CLASS_RQ_LOCK = 15,	       /* &rq->__lock */
	LG_CLASS_KIND_COUNT,
};

/* Lock primitive families, as lock:contention_begin's flags tell them. */
#define LG_LCB_F_SPIN	(1U << 0)
#define LG_LCB_F_READ	(1U << 1)
#define LG_LCB_F_WRITE	(1U << 2)
#define LG_LCB_F_RT	(1U << 3)
#define LG_LCB_F_PERCPU	(1U << 4)
#define LG_LCB_F_MUTEX	(1U << 5)

/* Acquisition modes: lockdep's lock_acquire() "read" values. */
#define LG_MODE_W 0 /* write / exclusive */
#define LG_MODE_r 1 /* non-recursive read */
#define LG_MODE_R 2 /* recursive read */

/*
 * A lock class as a probe identifies it.  @key is 0 for the kinds that are
 * one class each (mmap_lock, fs_reclaim, ...), the fs type (struct
 * file_system_type *) for LG_CLASS_INODE, lockdep's key for
 * LG_CLASS_LOCKDEP, and the lock's address for LG_CLASS_ADDR.  Never an
 * instance address otherwise: all mm's share &mm->mmap_lock.
 */
struct lg_class_ref {
	__u64 key;
	__u16 kind;	/* enum lg_class_kind */
	__u8 subclass;	/* lockdep subclass; inode locks: 1 directory, 0 not */
	__u8 mode;	/* LG_MODE_* */
	__u8 trylock;	/* 1: taken by a trylock (adds no dependency) */
	__u8 pad[3];
};

enum lg_event_type {
	LG_EV_CHAIN = 1,      /* struct lg_chain_event */
	LG_EV_CLASS_NAME = 2, /* struct lg_name_event */
};

struct lg_event_header {
	__u32 type; /* enum lg_event_type */
	__u32 size; /* bytes of the whole event, header included */
};

/*
 * A held-lock chain not seen before (the BPF chain cache missed): the task
 * held @held[0..nheld-1] (bottom first) and acquired @acquired.  @stack
 * holds @nframes kernel return addresses of the acquisition (innermost
 * first); @stack_err is bpf_get_stack()'s error when it failed.
 */
struct lg_chain_event {
	struct lg_event_header hdr;
	__u64 timestamp_ns;	/* bpf_ktime_get_ns() */
	__u64 chain_key;	/* the BPF chain cache key */
	__u32 pid, tgid;
	char comm[LG_COMM_LEN];
	__u8 source;		/* enum lg_source */
	__u8 nheld;
	__u8 nframes;
	__u8 pad;
	__s32 stack_err;
	struct lg_class_ref held[LG_HELD_MAX];
	struct lg_class_ref acquired;
	__u64 stack[LG_STACK_MAX];
};

/* The name of a class the kernel knows and user space cannot derive. */
struct lg_name_event {
	struct lg_event_header hdr;
	struct lg_class_ref class; /* mode/trylock unused */
	char name[LG_NAME_MAX];
};

/* Contention per class: key and per-CPU value of the contention map. */
struct lg_contention_key {
	struct lg_class_ref class; /* mode: 0; trylock: 0 */
	__u32 flags;		   /* LG_LCB_F_* of the lock */
	__s32 stack_id;		   /* a representative stack (stack map), or < 0 */
};

struct lg_contention_stats {
	__u64 count;
	__u64 total_ns;
	__u64 max_ns;
};

/*
 * The contention source's names of the file system types of the inode
 * locks it classed (LG_CLASS_INODE's key), for user space: an array map
 * "fs_type_names" of LG_FS_TYPE_NAMES entries.  A type's entry is the
 * first of LG_FS_TYPE_PROBES from lg_fs_type_slot() that holds it or was
 * free: the programs claim a free one with a compare-and-swap of @type,
 * write @name, then set @ready.  An entry is never given to another type,
 * so one that is ready never changes again; user space reads only those.
 */
#define LG_FS_TYPE_NAMES 64	/* a power of 2 */
#define LG_FS_TYPE_PROBES 8
struct lg_fs_type_name {
	__u64 type;	/* struct file_system_type *, 0: free */
	__u32 ready;	/* 1: @name is written */
	__u32 pad;
	char name[24];	/* its ->name, NUL-terminated */
};

static inline __u32 lg_fs_type_slot(__u64 type)
{
	return (__u32)((type * 0x9e3779b97f4a7c15ULL) >> 58) &
	       (LG_FS_TYPE_NAMES - 1);
}

/* LG_CLASS_SLAB's key: a kmem_cache (its name's address), an offset. */
#define LG_SLAB_OFF_MAX 0xffffULL /* larger offsets are this */
#define LG_SLAB_KEY(cache, off) \
	(((__u64)(cache) & 0x0000ffffffffffffULL) | ((__u64)(off) << 48))
#define LG_SLAB_CACHE(key) ((key) & 0x0000ffffffffffffULL)
#define LG_SLAB_OFF(key) ((key) >> 48)

/*
 * The contention source's per-CPU state: one element of the per-CPU array
 * "cont_cpu".  The spinning waits under way on the CPU, what the CPU
 * accounted ever (@timed waits of @timed_ns in all: what the figures
 * delivered must add up to), and LG_CONT_NSLOTS direct-mapped slots where
 * waits are accumulated per class without a hash lookup.
 *
 * A slot holds one key's figures since it took the slot.  When another key
 * needs the slot, the program moves the figures into the next entry of
 * the CPU's spill ring and counts it in @spill_head; user space takes the
 * entries it has not seen yet, adds them to its own per-key totals, and
 * writes how far it read into the array "cont_consumed" (one per CPU).
 * While the ring is full of entries not yet read, no slot is handed over:
 * the key in it keeps it, and the wait of the key that wanted it is
 * counted as dropped (LG_DROP_CONTENTION_MAP_FULL, one per wait), its
 * time in @refused_ns.  So every wait timed, and its time, is in a slot, a
 * spill entry or those counters, once.
 * No lock, no map update.
 *
 * User space reads the element in address order (one copy per CPU): the
 * ring head, the ring, then the slots.  A slot being handed over is marked
 * by @gen != @gen_done (@gen is written first, before the spill, and
 * @gen_done last, at the two ends of the slot) and skipped: figures moved
 * between reading the head and reading the slot are read next time, never
 * counted twice.  (x86's store order; a weaker one would need barriers.)
 * The key in a slot or spill entry carries the stack id of the class's
 * representative stack when the program walked one (key.stack_id; not part
 * of the key's identity).  A slot also keeps the address of the lock its
 * key's first wait there was for (@lock, between @gen_done and @gen like
 * every field user space takes from it): from one of the hugetlb fault
 * mutexes lockgraphd learns where their table is on kernels that do not
 * name it, and tells the programs (lg_fault_mutex.bpf.h).
 */
#define LG_CONT_DEPTH	4	/* nested waits tracked per CPU or task */
#define LG_CONT_NSLOTS	256	/* slots per CPU, a power of 2 */
#define LG_CONT_NSPILL	128	/* spill ring entries per CPU, a power of 2 */
/* the recognised classes' fixed slots (mmap_lock: read, write) */
#define LG_CONT_SLOT_MMAP_LOCK	0
#define LG_CONT_SLOT_MMAP_LOCK_W 1
#define LG_CONT_SLOT_PTLOCK	2
#define LG_CONT_SLOT_FAULT_MUTEX 3
#define LG_CONT_SLOT_FIRST_HASHED 4

struct lg_cont_wait {
	__u64 lock;
	__u64 start_ns;
	__u32 flags;		/* LG_LCB_F_* of the first begin */
	__u32 pad;
};

struct lg_cont_waits {
	__u32 depth;		/* w[] in use, <= LG_CONT_DEPTH */
	__u32 overflow;		/* begins past LG_CONT_DEPTH, untracked */
	struct lg_cont_wait w[LG_CONT_DEPTH];
};

struct lg_cont_slot {
	__u64 gen_done;
	struct lg_contention_key key;
	__u64 lock; /* the lock of the key's first wait in the slot */
	struct lg_contention_stats st;
	__u64 gen;
};

struct lg_cont_spill {
	struct lg_contention_key key;
	struct lg_contention_stats st;
};

struct lg_cont_cpu {
	__u64 timed;		/* waits accounted on this CPU */
	__u64 timed_ns;		/* and their time */
	__u64 refused_ns;	/* the time of those a full spill ring refused */
	struct lg_cont_waits waits; /* spinning waits on this CPU */
	__u64 spill_head;	/* entries ever written to spill[] */
	struct lg_cont_spill spill[LG_CONT_NSPILL]; /* [n % LG_CONT_NSPILL] */
	struct lg_cont_slot slot[LG_CONT_NSLOTS];
};

/*
 * Events lost or not tracked: a per-CPU array of __u64 indexed by this,
 * one per source (map "drops" in each object).  User space sums the CPUs
 * and stores every counter; none is ever silent.
 */
enum lg_drop {
	LG_DROP_RINGBUF_FULL = 0,  /* bpf_ringbuf_reserve() failed */
	LG_DROP_HELD_OVERFLOW = 1, /* more than LG_HELD_MAX locks held */
	LG_DROP_CHAIN_CACHE_FULL = 2, /* chain cache full: sent, not cached */
	LG_DROP_STACK = 3,	   /* bpf_get_stack() failed */
	/*
	 * A contention wait whose end never came (an end the kernel
	 * skipped, a wait left unended under a newer one).  A release or
	 * an end with nothing kept to match is not counted: its acquisition
	 * or begin was either before the programs were armed or counted
	 * where it was lost.
	 */
	LG_DROP_UNBALANCED = 4,
	LG_DROP_TASK_STORAGE = 5,  /* no per-task state could be had */
	LG_DROP_CONTENTION_MAP_FULL = 6, /* contention spill ring full (waits) */
	/*
	 * Added for the contention source: a contention_begin nested deeper
	 * than the source tracks (its wait is not measured).
	 */
	LG_DROP_CONTENTION_NESTED = 7,
	/*
	 * Added for the lockdep and primitives sources: an acquisition in
	 * hardirq, serving-softirq or NMI context, which they do not track
	 * (only task context is; see bpf/lockdep.bpf.c).
	 */
	LG_DROP_IRQ_CONTEXT = 8,
	/*
	 * Added for the lockdep source: an acquisition by a task that has no
	 * held-lock state yet, at a point where creating it could deadlock
	 * (state is created at a task's first blocking sleeping-lock
	 * acquisition; until then its spinlocks are not tracked).
	 */
	LG_DROP_NO_TASK_STATE = 9,
	/*
	 * Counted by the kernel, not by the programs: runs of a program
	 * skipped because it was already running on that CPU (a probed
	 * tracepoint fired inside a BPF helper; bpf_prog_info's
	 * recursion_misses).  lockgraphd reads it for each source.
	 */
	LG_DROP_RECURSION = 10,
	LG_DROP_COUNT,
};

#endif /* LOCKGRAPH_BPF_LOCKGRAPH_H */
