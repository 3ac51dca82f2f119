# SPDX-License-Identifier: GPL-2.0-only
#
# Guest scenario for Debian's cloud kernel (tests/vm/run.sh): seed 000's
# hugetlb fault loop with the truncate/hole-punch racer, once without and
# once under lockgraphd (primitives, context and contention sources), then
# the file-system and khugepaged workloads under lockgraphd.  Last, MGLRU
# on (Debian's kernel has it, off by default) and memory pressure that
# makes reclaim walk page tables under mmap_read_trylock(), under the same
# daemon and one with the context and contention sources alone
# (mglru-context.db).  Leaves cloud.db, the daemons' logs and each
# workload's output in /out.
. /data/guest-lib.sh
SECONDS_RUN=${SECONDS_RUN:-10}

hugetlb_loop seed000-bare || exit 1
daemon_start cloud primitives,context,contention --flush-ms 500 || exit 1
hugetlb_loop seed000 || exit 1
fs_workloads ""
cloud_pid=$daemon_pid
daemon_start mglru-context context,contention --flush-ms 500 || exit 1
mglru_pressure || say "mglru: no MGLRU run"
daemon_stop mglru-context
daemon_pid=$cloud_pid
daemon_stop cloud
