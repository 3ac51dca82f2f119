# SPDX-License-Identifier: GPL-2.0-only
#
# Guest scenario for Debian's cloud kernel (tests/vm/run.sh): seed 000's
# hugetlb fault loop with the truncate/hole-punch racer, once without and
# once under lockgraphd (primitives, context and contention sources), then
# the file-system and khugepaged workloads under lockgraphd.  Leaves
# cloud.db, the daemon's log and each workload's output in /out.
. /data/guest-lib.sh
SECONDS_RUN=${SECONDS_RUN:-10}

hugetlb_loop seed000-bare || exit 1
daemon_start cloud primitives,context,contention --flush-ms 500 || exit 1
hugetlb_loop seed000 || exit 1
fs_workloads ""
daemon_stop cloud
