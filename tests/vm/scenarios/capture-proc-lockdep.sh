# SPDX-License-Identifier: GPL-2.0-only
#
# Guest scenario: seed 000's hugetlb fault loop on a lockdep kernel, then
# /proc/lockdep, /proc/lockdep_stats, /proc/lockdep_chains and the kallsyms
# lines of the class keys to /out: the fixtures of tests/corpus/proc_lockdep/.
#
#   tests/vm/run-guest.sh -k ../shared/vm/lockdep-6.1.192.bzImage -m 2048 \
#       -s tests/vm/scenarios/capture-proc-lockdep.sh -f tests/vm/guest-lib.sh \
#       -o build/proc_lockdep build/static/hugetlb_fault_loop
#
# -e PROCS=N, -e SECONDS_RUN=N, -e PAGES=N (default 3, 5, 512: a 1 GiB
# PUD-aligned mapping for pmd sharing, which needs -m 2048), -e TAG=NAME
# (file name tag, default hugetlb).  run-guest.sh boots with
# no_hash_pointers, so the keys are real addresses that kallsyms resolves.
. /data/guest-lib.sh
PROCS=${PROCS:-3} SECONDS_RUN=${SECONDS_RUN:-5} PAGES=${PAGES:-512} TAG=${TAG:-hugetlb}

[ -e /proc/lockdep ] || { say "no /proc/lockdep: not a lockdep kernel"; exit 1; }
got=$(reserve_hugepages $((PAGES + 64)))
say "nr_hugepages $got"
if [ "$got" -lt $((PAGES + 64)) ]; then
	PAGES=$((got - 64))
	say "only $got huge pages: the loop maps $PAGES"
fi
[ "$PAGES" -ge 1 ] || exit 1
run_workload seed000 hugetlb_fault_loop -p "$PROCS" -t "$SECONDS_RUN" -s "$PAGES" || exit 1
release=$(uname -r)
dump_lockdep "$release-$TAG"
[ -f "$OUT/kallsyms-keys.txt" ] && mv "$OUT/kallsyms-keys.txt" "$OUT/kallsyms-$release-keys.txt"
cat "$OUT/lockdep_stats-$release-$TAG.txt"
