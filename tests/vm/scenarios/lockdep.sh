# SPDX-License-Identifier: GPL-2.0-only
#
# Guest scenario for the lockdep kernel (tests/vm/run.sh): the same
# workloads twice, once under lockgraphd's lockdep source and once under its
# primitives and context sources, each into its own database, with
# /proc/lockdep dumped after each.  Last (lockdep turns itself off after
# its report), the injected inversion of /data/lockgraph_abba.ko, seen by
# the primitives source and by a lockdep-source daemon (inversion.db).
# The host compares the graphs.
. /data/guest-lib.sh
SECONDS_RUN=${SECONDS_RUN:-8}

[ -e /proc/lockdep ] || { say "no /proc/lockdep: not a lockdep kernel"; exit 1; }
# Loaded before any daemon, so that lockgraphd's kallsyms names its mutexes.
abba=no
if [ -f /data/lockgraph_abba.ko ]; then
	insmod /data/lockgraph_abba.ko && abba=yes || say "insmod lockgraph_abba.ko failed"
fi
daemon_start lockdep lockdep --flush-ms 500 || exit 1
hugetlb_loop seed000-lockdep || exit 1
fs_workloads -lockdep
daemon_stop lockdep
dump_lockdep after-lockdep
daemon_start primitives primitives,context --flush-ms 500 || exit 1
prim_pid=$daemon_pid
hugetlb_loop seed000-primitives || exit 1
fs_workloads -primitives
dump_lockdep final
grep -q 'debug_locks: *1' "$OUT/lockdep_stats-final.txt" || say "lockdep turned itself off (debug_locks 0)"
if [ $abba = yes ]; then
	daemon_start inversion lockdep --flush-ms 500 || exit 1
	run_workload inversion sh -c 'echo ab >/sys/kernel/debug/lockgraph_abba &&
		echo ba >/sys/kernel/debug/lockgraph_abba'
	sleep 1
	daemon_stop inversion
fi
daemon_pid=$prim_pid
daemon_stop primitives
dmesg >"$OUT/dmesg.txt"
