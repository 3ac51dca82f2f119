/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What every probe source shares on the BPF side: the "drops" counters
 * (lockgraphd reads them by that name), errno values, the chain key hash,
 * and the tail of sending a chain event.  Include after vmlinux.h,
 * bpf_helpers.h and lockgraph.h; BPF programs only.
 */
#ifndef LOCKGRAPH_BPF_LG_SOURCE_BPF_H
#define LOCKGRAPH_BPF_LG_SOURCE_BPF_H

#define LG_CHAIN_SEED		0x6c6f636b67726170ULL	/* "lockgrap" */

/* bpf_ksym_exists() of libbpf 1.2 and later */
#define lg_ksym_exists(sym) ({						\
	_Static_assert(!__builtin_constant_p(!!(sym)),			\
		       #sym " should be marked as __weak");		\
	!!(sym);							\
})

/* 6.2 and later (what libbpf 1.4's bpf_core_cast() calls) */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;

/*
 * LG_PEEK(type, addr, field): @field (one load: "a.b" is fine, not a
 * chain of pointers) of the @type object at @addr, a number that need not
 * point at one: a read that faults gives 0.  For the guesses that class a
 * lock from the object around it.  In a source that defines LG_PEEK_CAST
 * to 1 before including this, on an x86 kernel with bpf_rdonly_cast(),
 * the read is a load the JIT guards (BPF_PROBE_MEM, inline) when @addr
 * lies below LG_PEEK_TOP; otherwise a bpf_probe_read_kernel() call
 * (BPF_CORE_READ()).  The limit keeps the vsyscall page out: a guarded
 * load that faults there is taken for a user access and oopses (SMAP),
 * where bpf_probe_read_kernel() refuses it; a guessed pointer read from
 * a wrong object can be any number.  A pointer read the first way stays
 * a pointer to the verifier, which allows comparing it but no arithmetic
 * on it (no hash): read such a field with BPF_CORE_READ().
 */
#ifndef LG_PEEK_CAST
#define LG_PEEK_CAST 0
#endif
#if defined(__TARGET_ARCH_x86)
/* x86-64's MODULES_END: the fixmap, the vsyscall page in it, lie above */
#define LG_PEEK_TOP	0xffffffffff000000ULL
#else
#define LG_PEEK_TOP	0ULL	/* not vouched for elsewhere: probe reads */
#endif
#define LG_PEEK(type, addr, field) ({					\
	__u64 __lg_a = (__u64)(addr);					\
	(LG_PEEK_CAST && lg_ksym_exists(bpf_rdonly_cast) &&		\
	 __lg_a < LG_PEEK_TOP) ?					\
		((type *)bpf_rdonly_cast((void *)__lg_a,		\
				bpf_core_type_id_kernel(type)))->field : \
		BPF_CORE_READ((type *)__lg_a, field);			\
})

/* errno values (not in vmlinux.h) */
#define LG_E2BIG	7
#define LG_ENOMEM	12
#define LG_EEXIST	17

/* Per-CPU counters of everything lost, by enum lg_drop. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LG_DROP_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

static __always_inline void lg_drop_n(__u32 what, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&drops, &what);

	if (v)
		__sync_fetch_and_add(v, n);
}

static __always_inline void lg_drop(__u32 what)
{
	lg_drop_n(what, 1);
}

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

/*
 * Fill in and send the chain event @ev (reserved from the ring buffer, its
 * held[] already copied): task, @source, @key, the @depth held locks, the
 * acquired @acq and the kernel stack (a failed stack walk is counted and
 * the event still sent).
 */
static __always_inline void lg_chain_event_submit(void *ctx,
						  struct lg_chain_event *ev,
						  __u8 source, __u64 key,
						  __u32 depth,
						  const struct lg_class_ref *acq)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	long ret;

	ev->hdr.type = LG_EV_CHAIN;
	ev->hdr.size = sizeof(*ev);
	ev->timestamp_ns = bpf_ktime_get_ns();
	ev->chain_key = key;
	ev->pid = (__u32)pid_tgid;
	ev->tgid = pid_tgid >> 32;
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	ev->source = source;
	ev->nheld = depth;
	ev->pad = 0;
	lg_ref_copy(&ev->acquired, acq);
	/* bpf_get_stack() zeroes what it does not fill, on error too */
	ret = bpf_get_stack(ctx, ev->stack, sizeof(ev->stack), 0);
	if (ret < 0) {
		lg_drop(LG_DROP_STACK);
		ev->nframes = 0;
		ev->stack_err = ret;
	} else {
		ev->nframes = ret / sizeof(ev->stack[0]);
		ev->stack_err = 0;
	}
	bpf_ringbuf_submit(ev, 0);
}

/* include/linux/preempt.h: the context bits of preempt_count() */
#define LG_PC_SOFTIRQ_OFFSET	0x00000100	/* serving a softirq */
#define LG_PC_HARDIRQ_MASK	0x000f0000
#define LG_PC_NMI_MASK		0x00f00000
#define LG_PC_NOT_TASK		(LG_PC_NMI_MASK | LG_PC_HARDIRQ_MASK | \
				 LG_PC_SOFTIRQ_OFFSET)

/*
 * preempt_count() on x86: the per-CPU __preempt_count (6.1, and 6.18 again),
 * pcpu_hot.preempt_count in the kernels between (6.2 on; not tested here).
 * Whichever the kernel lacks is 0 (weak), its branch dead code to the
 * verifier.
 */
extern int __preempt_count __ksym __weak;

struct pcpu_hot___lg {
	int preempt_count;
} __attribute__((preserve_access_index));

extern struct pcpu_hot___lg pcpu_hot __ksym __weak;

/*
 * Task context: not in NMI or hardirq, not serving a softirq (a task with
 * bottom halves disabled is still in task context, as lockdep sees it).
 * Kernels where neither preempt count is known count as task context.
 */
static __always_inline bool lg_in_task(void)
{
	if (lg_ksym_exists(&__preempt_count)) {
		int *pc = bpf_this_cpu_ptr(&__preempt_count);

		return !(*pc & LG_PC_NOT_TASK);
	}
	if (lg_ksym_exists(&pcpu_hot)) {
		struct pcpu_hot___lg *hot = bpf_this_cpu_ptr(&pcpu_hot);

		return !(hot->preempt_count & LG_PC_NOT_TASK);
	}
	return true;
}

#endif /* LOCKGRAPH_BPF_LG_SOURCE_BPF_H */
