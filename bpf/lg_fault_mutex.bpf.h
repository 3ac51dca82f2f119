/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hugetlb fault mutexes, for the sources that recognise them (the
 * primitives and contention sources): mm/hugetlb.c's "struct mutex
 * *hugetlb_fault_mutex_table" and "static int num_fault_mutexes", set once
 * at boot.  Untyped: BTF has no variables but per-CPU ones; libbpf finds
 * them in /proc/kallsyms (kernels without KALLSYMS_ALL do not name them).
 * Include after vmlinux.h and the libbpf headers; BPF programs only.
 */
#ifndef LOCKGRAPH_BPF_LG_FAULT_MUTEX_BPF_H
#define LOCKGRAPH_BPF_LG_FAULT_MUTEX_BPF_H

extern const void hugetlb_fault_mutex_table __ksym __weak;
extern const void num_fault_mutexes __ksym __weak;

/*
 * The fault mutex table: set once and never changed, by the programs from
 * kallsyms (benign races: every writer agrees) or, where kallsyms does not
 * name it, by lockgraphd, which learns it from the mutexes' waits
 * (daemon/probes.c) and writes @lo before @hi.  A program may read them
 * in either order: a range is used only when both are set.
 */
__u64 lg_fault_mutex_lo, lg_fault_mutex_hi;

/* Is @lock one of the hugetlb fault mutexes (a kmalloc'd array)? */
static __always_inline bool lg_is_fault_mutex(__u64 lock)
{
	__u64 table = 0;
	int n = 0;

	if (!lg_fault_mutex_hi) {
		if (!lg_ksym_exists(&hugetlb_fault_mutex_table) ||
		    !lg_ksym_exists(&num_fault_mutexes))
			return false;
		if (bpf_probe_read_kernel(&table, sizeof(table),
					  &hugetlb_fault_mutex_table) ||
		    bpf_probe_read_kernel(&n, sizeof(n), &num_fault_mutexes) ||
		    !table || n <= 0)
			return false;	/* not allocated yet: ask again */
		lg_fault_mutex_lo = table;
		lg_fault_mutex_hi = table +
				    (__u64)n * bpf_core_type_size(struct mutex);
	}
	return lg_fault_mutex_lo && lock >= lg_fault_mutex_lo &&
	       lock < lg_fault_mutex_hi;
}

#endif /* LOCKGRAPH_BPF_LG_FAULT_MUTEX_BPF_H */
