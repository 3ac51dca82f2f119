/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon's capabilities: what it has, and giving them up once its
 * probes are attached.  Only lockgraphd.c calls this; it has no libbpf.
 */
#ifndef LOCKGRAPH_DAEMON_PRIVS_H
#define LOCKGRAPH_DAEMON_PRIVS_H

#include <stdint.h>

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

#define LG_CAP(c) (1ULL << (c))

/* This thread's effective and permitted sets (either may be NULL). */
int lg_privs_get(uint64_t *effective, uint64_t *permitted);

/*
 * Set the effective set to @effective (a subset of the permitted set);
 * the permitted set is kept, so this can be undone.  Returns 0 or -errno.
 */
int lg_privs_set_effective(uint64_t effective);

/*
 * Give up every capability but @keep, for good: the ambient set is
 * cleared, the bounding set is cut to @keep where CAP_SETPCAP allows it
 * (systemd has already cut it to the unit's CapabilityBoundingSet=),
 * no_new_privs is set, and the effective, permitted and inheritable sets
 * become @keep, @keep and empty.  Returns 0 or the -errno of the first
 * step that failed (the process may then hold fewer capabilities than
 * before, never more).
 */
int lg_privs_drop(uint64_t keep);

#endif /* LOCKGRAPH_DAEMON_PRIVS_H */
