/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The probe sources on the running kernel.  This module, and no other,
 * includes the BPF skeletons.  It loads every source that works here, says
 * why the others did not, and hands events, drop counters and contention
 * figures to its caller.
 */
#ifndef LOCKGRAPH_DAEMON_PROBES_H
#define LOCKGRAPH_DAEMON_PROBES_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "kallsyms.h"
#include "lockgraph.h"

struct lg_probe_status {
	bool loaded;
	char reason[320]; /* why not, when !loaded */
};

struct lg_probes;

/* Called for each ring buffer event; non-zero stops lg_probes_poll(). */
typedef int (*lg_probe_event_fn)(const void *data, size_t size, void *ctx);

/* Every source, for lg_probes_open()'s @want. */
#define LG_SRC_ALL ((1u << LG_SRC_COUNT) - 1)

/*
 * Load and attach every source in @want (a mask of 1 << enum lg_source)
 * that works on this kernel; @status gets one entry per enum lg_source (a
 * source left out of @want is "not requested").  When the primitives
 * source loads, the context source reads its held-lock stacks (for the
 * allocations' held -> fs_reclaim).  Returns 0 when at least
 * one source runs, -ENOTSUP when none does (nothing to do on this kernel),
 * -EPERM when the kernel refused for want of privileges (CAP_BPF,
 * CAP_PERFMON), -ENOMEM.
 */
int lg_probes_open(const struct lg_kallsyms *ks, unsigned int want,
		   lg_probe_event_fn fn, void *ctx,
		   struct lg_probe_status status[LG_SRC_COUNT],
		   struct lg_probes **out);

/*
 * Detach the contention source's programs (its maps stay readable) and
 * wait until none still runs (an RCU grace period): what they counted is
 * final, so a last lg_probes_contention() reads it all.
 * Called when stopping.  Only that source: the others would see the
 * detaching of their own programs (fentry trampolines) as lock orders.
 */
void lg_probes_detach_contention(struct lg_probes *p);

void lg_probes_close(struct lg_probes *p);

/* Wait up to @timeout_ms for events and deliver them.  Returns the count
 * delivered or a negative errno (-EINTR on a signal). */
int lg_probes_poll(struct lg_probes *p, int timeout_ms);

/*
 * Read each loaded source's drop counters once, delivering nothing: whether
 * the maps can still be read with the privileges this process has now
 * (kernels before 6.0 with unprivileged_bpf_disabled check CAP_BPF on
 * every bpf() call, not only when loading).  Returns 0 or -errno (-EPERM).
 */
int lg_probes_check_access(struct lg_probes *p);

/* Called with the growth of a drop counter since the last call. */
typedef int (*lg_probe_drop_fn)(unsigned int source, unsigned int drop,
				__u64 delta, void *ctx);

int lg_probes_drops(struct lg_probes *p, lg_probe_drop_fn fn, void *ctx);

/*
 * Called with the contention of one lock since the last call: count and
 * total_ns are what was added since (either may be 0, not both: time
 * read after the count of its waits comes alone; a read in which either
 * went down is not delivered), max_ns the largest wait since the
 * lock's key appeared (the programs accumulate in per-CPU slots and spill
 * a slot's figures to a per-CPU ring when another key takes it; this
 * module keeps each key's totals and delivers what grew; a key in no slot
 * and idle for ten calls is forgotten once delivered).  @where is the function that
 * waited for an unrecognised lock, the lock's name for a slab one
 * ("&mm_struct->page_table_lock", "&kmalloc-512+0x20@hugetlb_fault"), or
 * NULL.
 */
typedef int (*lg_probe_contention_fn)(const struct lg_contention_key *key,
				      const struct lg_contention_stats *delta,
				      const char *where, void *ctx);

/*
 * Read every CPU's slots and spill rings, merge them into the keys'
 * totals (daemon/contmerge.h) and call @fn for each key that grew; the
 * spill entries taken are acknowledged to the programs only after the
 * merge, so an error before loses none; an acknowledgement that fails is
 * logged once and written again next time.  Returns 0, -errno of a map
 * read, -EPROTO (a spill ring overwritten: nothing taken), -ENOMEM, or
 * @fn's first error.
 */
int lg_probes_contention(struct lg_probes *p, lg_probe_contention_fn fn,
			 void *ctx);

/*
 * What the contention programs timed (every wait they matched with its
 * begin, as the last lg_probes_contention() read it) against what it
 * delivered in all.  After lg_probes_detach_contention() and a last read,
 * delivered plus the waits counted as contention_map_full drops equals
 * timed, exactly: a wait is in a slot, a spill entry or that counter,
 * once (a full spill ring keeps a slot's key and drops only the new
 * key's wait, one per drop), and delivered_ns plus refused_ns equals
 * timed_ns.  Before, delivered may trail by what is still in flight.
 */
struct lg_probe_contention_totals {
	__u64 timed, timed_ns;
	__u64 refused_ns; /* of the waits counted as contention_map_full */
	__u64 delivered, delivered_ns;
	__u64 spilled; /* slots handed to another key: spill entries read */
	/*
	 * Waits delivered as the hugetlb fault mutex: recognised by the
	 * programs (their table's range, from kallsyms or learned from
	 * earlier waits), or by their waiter here.
	 */
	__u64 fault_by_address, fault_by_waiter;
};

void lg_probes_contention_totals(const struct lg_probes *p,
				 struct lg_probe_contention_totals *t);

#endif /* LOCKGRAPH_DAEMON_PROBES_H */
