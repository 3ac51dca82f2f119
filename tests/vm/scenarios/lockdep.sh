# SPDX-License-Identifier: GPL-2.0-only
#
# Guest scenario for the lockdep kernel (tests/vm/run.sh): the same
# workloads twice, once under lockgraphd's lockdep source and once under its
# primitives source, each into its own database, with /proc/lockdep dumped
# after each.  The host compares the three graphs.
. /data/guest-lib.sh
SECONDS_RUN=${SECONDS_RUN:-8}

[ -e /proc/lockdep ] || { say "no /proc/lockdep: not a lockdep kernel"; exit 1; }
daemon_start lockdep lockdep --flush-ms 500 || exit 1
hugetlb_loop seed000-lockdep || exit 1
fs_workloads -lockdep
daemon_stop lockdep
dump_lockdep after-lockdep
daemon_start primitives primitives,context --flush-ms 500 || exit 1
hugetlb_loop seed000-primitives || exit 1
fs_workloads -primitives
daemon_stop primitives
dump_lockdep final
grep -q 'debug_locks: *1' "$OUT/lockdep_stats-final.txt" || say "lockdep turned itself off (debug_locks 0)"
dmesg >"$OUT/dmesg.txt"
