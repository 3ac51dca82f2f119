#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Live test on this host's kernel: lockgraphd with the probe sources that
# load here, while seed 000's hugetlbfs loop and an mmap churn run, then the
# CLI's view of what it recorded.  Needs root and BPF; anything missing is a
# printed skip, never a silent pass.
# Usage: tests/live/run.sh path/to/lockgraphd path/to/lockgraph
# Prints "ok N - ..." / "not ok N - ..." / "skip N - ..." lines.
set -u
LGD=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
LG=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
cd "$(dirname "$0")/../.."
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "skip $n - $1"; }
skip_all() { skip "live capture: $1"; exit 0; }
# The kernel refusing BPF (EPERM: lockdown, capabilities) is this host's;
# the verifier refusing a program (EACCES, EINVAL, E2BIG) is ours.
verifier_refused() {
	grep -Eq "source [a-z]+: not loaded: (load|attach): (Permission denied|Invalid argument|Argument list too long)" "$@"
}

[ -x "$LGD" ] || skip_all "lockgraphd is not built ($LGD)"
[ "$(id -u)" = 0 ] || skip_all "not root: BPF needs CAP_BPF and CAP_PERFMON"
[ -r /sys/kernel/btf/vmlinux ] || skip_all "kernel without BTF"

T=$(mktemp -d /tmp/lg-live.XXXXXX)
HUGE=$T/huge
old_pages=$(cat /proc/sys/vm/nr_hugepages 2>/dev/null || echo 0)
cleanup() {
	umount "$HUGE" 2>/dev/null
	echo "$old_pages" >/proc/sys/vm/nr_hugepages 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

CFLAGS="-std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror"
gcc $CFLAGS tests/workloads/hugetlb_fault_loop.c -o "$T/hugetlb_fault_loop" ||
	{ fail "building the hugetlb workload"; exit 0; }
gcc $CFLAGS -pthread tests/workloads/mmap_churn.c -o "$T/mmap_churn" ||
	{ fail "building the mmap churn workload"; exit 0; }

DB=$T/live.db
"$LGD" --db "$DB" --duration 9 --flush-ms 500 --record "$T/live.rec" \
	2>"$T/daemon.log" &
pid=$!
# Wait until the sources are attached (the daemon says where it writes).
for _ in $(seq 50); do
	grep -q "writing $DB" "$T/daemon.log" 2>/dev/null && break
	kill -0 $pid 2>/dev/null || break
	sleep 0.1
done
if ! grep -q "writing $DB" "$T/daemon.log"; then
	wait $pid
	rc=$?
	sed 's/^/# /' "$T/daemon.log"
	case $rc in
	3 | 4) verifier_refused "$T/daemon.log" ||
		skip_all "lockgraphd could not load a probe source here (exit $rc)" ;;
	esac
	fail "lockgraphd started (exit $rc)"
	exit 0
fi

hugetlb=no
mkdir -p "$HUGE"
if echo 64 >/proc/sys/vm/nr_hugepages 2>/dev/null &&
	[ "$(cat /proc/sys/vm/nr_hugepages)" -ge 16 ] &&
	mount -t hugetlbfs none "$HUGE" 2>/dev/null; then
	hugetlb=yes
	"$T/hugetlb_fault_loop" -p 3 -t 5 -s 16 -f "$HUGE/seed000" >"$T/hugetlb.log" 2>&1 &
fi
"$T/mmap_churn" -T 4 -t 5 >"$T/churn.log" 2>&1
# A few forks: dup_mmap() takes the child's mmap_lock as subclass 1.
for _ in $(seq 20); do /bin/true; done
wait
sed 's/^/# daemon: /' "$T/daemon.log"
sed 's/^/# workload: /' "$T/churn.log"
[ $hugetlb = yes ] && sed 's/^/# workload: /' "$T/hugetlb.log" ||
	echo "# hugetlbfs or huge pages unavailable: the seed 000 loop did not run"

if grep -q "lockgraphd: .* events" "$T/daemon.log"; then
	ok "lockgraphd ran for its --duration and stopped cleanly"
else
	fail "lockgraphd ran for its --duration and stopped cleanly"
fi

# The dependency the context source sees: page tables allocated (GFP_KERNEL,
# may enter fs reclaim) under mmap_lock, lockdep's might_alloc rule.
"$LG" --db "$DB" -j edges --from '&mm->mmap_lock' --to fs_reclaim >"$T/edge.json" 2>&1
sed 's/^/# /' "$T/edge.json" | cut -c1-400
if grep -q '"from":"&mm->mmap_lock","to":"fs_reclaim"' "$T/edge.json"; then
	ok "edge &mm->mmap_lock -> fs_reclaim recorded"
else
	fail "edge &mm->mmap_lock -> fs_reclaim recorded"
fi
if grep -Eq '"to_stack":\["[a-z_]+[a-z0-9_.]*\+0x[0-9a-f]+/0x[0-9a-f]+' "$T/edge.json"; then
	ok "its stack is symbolised (func+off/size frames)"
else
	fail "its stack is symbolised (func+off/size frames)"
fi

if "$LG" --db "$DB" -j edges --from '&mm->mmap_lock' --to '&mm->mmap_lock/1' \
	>"$T/fork.json" 2>&1 && grep -q '"to_stack":\["dup_mmap+' "$T/fork.json"; then
	ok "fork's &mm->mmap_lock -> &mm->mmap_lock/1, taken in dup_mmap"
else
	fail "fork's &mm->mmap_lock -> &mm->mmap_lock/1, taken in dup_mmap"
fi

"$LG" --db "$DB" top >"$T/top.txt" 2>&1
sed 's/^/# /' "$T/top.txt"
"$LG" --db "$DB" -j top >"$T/top.json" 2>&1
top_rc=$?
if grep -Eq '"class":"&mm->mmap_lock","count":[1-9]' "$T/top.json"; then
	ok "contention on &mm->mmap_lock counted"
else
	fail "contention on &mm->mmap_lock counted"
fi
# The seed 000 loop's rwsems and fault mutexes under contention carry the
# graph's names (the primitives source's classes), not the slab object
# they sit in.
named=$(grep -Eo '"class":"(&hugetlbfs_i_mmap_rwsem_key|&sb->s_type->i_mutex_key\[hugetlbfs\]|&vma_lock->rw_sema|&type->i_mutex_dir_key\[hugetlbfs\]|&hugetlb_fault_mutex_table\[i\])"' \
	"$T/top.json" | sort -u | tr '\n' ' ')
as_slab=$(grep -Eo '"class":"&hugetlbfs_inode_info->vfs_inode\.(i_rwsem|i_data\.i_mmap_rwsem)"' \
	"$T/top.json" | tr '\n' ' ')
if [ $top_rc -ne 0 ]; then
	fail "contention on hugetlbfs locks named as in the graph: lockgraph top exited $top_rc: $(head -n 1 "$T/top.json")"
elif [ $hugetlb = no ]; then
	skip "contention on hugetlbfs locks named as in the graph (the seed 000 loop did not run)"
elif [ -n "$as_slab" ]; then
	fail "contention on hugetlbfs locks named as in the graph: $as_slab"
elif [ -z "$named" ]; then
	skip "contention on hugetlbfs locks named as in the graph (none of them was contended in this run)"
else
	ok "contention on hugetlbfs locks named as in the graph: $named"
fi
# The fault mutexes are classed by the programs, by the table's range:
# from kallsyms where it names the table, else learned by lockgraphd from
# two of their waits, which needs bpf_get_kmem_cache() (slab classes) and
# a table in a kmalloc cache (8 KiB at most): 8 mutexes per possible CPU,
# rounded up to a power of 2, of the kernel's struct mutex.
fault_by_programs=$(sed -n 's/.*hugetlb fault mutex waits: \([0-9]*\) classed by the programs.*/\1/p' \
	"$T/daemon.log")
table_bytes=$(awk -F, -v m="$(bpftool btf dump file /sys/kernel/btf/vmlinux 2>/dev/null |
	sed -n "s/.*STRUCT 'mutex' size=\([0-9]*\).*/\1/p" | head -n 1)" '
	{ for (i = 1; i <= NF; i++) { k = split($i, r, "-");
		c += k == 2 ? r[2] - r[1] + 1 : 1 } }
	END { n = 1; while (n < 8 * c) n *= 2; print (m > 0 ? n * m : 0) }' \
	/sys/devices/system/cpu/possible)
if ! grep -q '"class":"&hugetlb_fault_mutex_table\[i\]"' "$T/top.json"; then
	skip "fault mutex waits classed by the programs (none was contended in this run)"
elif grep -q ' hugetlb_fault_mutex_table$' /proc/kallsyms; then
	if [ "${fault_by_programs:-0}" -gt 0 ]; then
		ok "fault mutex waits classed by the programs: $fault_by_programs (kallsyms names the table)"
	else
		fail "fault mutex waits classed by the programs: '$fault_by_programs' (kallsyms names the table)"
	fi
elif ! grep -q ' bpf_get_kmem_cache$' /proc/kallsyms; then
	skip "fault mutex waits classed by the programs (kallsyms names no table and the kernel has no bpf_get_kmem_cache)"
elif [ "$table_bytes" -eq 0 ] || [ "$table_bytes" -gt 8192 ]; then
	skip "fault mutex waits classed by the programs (a table of $table_bytes bytes: not in a kmalloc cache, or no struct mutex in BTF)"
elif grep -q 'the hugetlb fault mutexes are the [0-9]* of a kmalloc-[^ ]* object' "$T/daemon.log" &&
	[ "${fault_by_programs:-0}" -gt 0 ]; then
	ok "fault mutex waits classed by the programs: $fault_by_programs, by the table lockgraphd learned"
else
	fail "fault mutex waits classed by the programs: '$fault_by_programs', the table learned: $(grep -c 'hugetlb fault mutexes are' "$T/daemon.log")"
fi
# Run-queue locks (per-CPU memory, no symbol here) are lockdep's
# &rq->__lock, not one class per waiter.
by_waiter=$(grep -Eo '"class":"lock@(raw_spin_rq_lock[a-z_]*|_raw_spin_rq_lock[a-z_]*|__task_rq_lock)"' \
	"$T/top.json" | tr '\n' ' ')
if [ $top_rc -ne 0 ]; then
	fail "run-queue locks are &rq->__lock: lockgraph top exited $top_rc"
elif [ -n "$by_waiter" ]; then
	fail "run-queue locks are &rq->__lock, not $by_waiter"
elif grep -q '"class":"&rq->__lock"' "$T/top.json"; then
	ok "run-queue locks are &rq->__lock"
else
	skip "run-queue locks are &rq->__lock (none was contended in this run)"
fi
waits=$(sqlite3 "$DB" 'SELECT coalesce(sum(count), 0) FROM contention')
cevents=$(sqlite3 "$DB" "SELECT coalesce(sum(events), 0) FROM boot_sources
	WHERE source = 'contention'")
if [ "$waits" -gt 0 ] && [ "$waits" = "$cevents" ]; then
	ok "the contention source's events are the waits it counted ($waits)"
else
	fail "the contention source's events ($cevents) are the waits it counted ($waits)"
fi

# No wait lost or counted twice between the programs' per-CPU slots, their
# spill rings, lockgraphd's reads and the store: the programs' own count of
# the waits they timed (read once they are detached) is what lockgraphd
# read, and that is what the store holds plus what it left out unnamed,
# in waits and in nanoseconds; what a full spill ring refused is counted as
# dropped waits, and their nanoseconds in lockgraphd's line.
# check_totals LOG DB WHAT [spills]: with "spills", slots must have been
# handed over (spill entries read) too.
check_totals() {
	log=$1 db=$2 what=$3 want=${4:-}
	line=$(grep -o 'contention: [0-9]* waits ([0-9]* ns) timed by the programs, [0-9]* ([0-9]* ns) read from their slots and [0-9]* spill entries, [0-9]* ([0-9]* ns) of them left out unnamed, [0-9]* ns refused' "$log")
	set -- $(echo "$line" | tr -c '0-9\n' ' ')
	timed=${1:-} timed_ns=${2:-} read=${3:-} read_ns=${4:-} spilled=${5:-}
	unnamed=${6:-} unnamed_ns=${7:-} refused_ns=${8:-}
	stored=$(sqlite3 "$db" 'SELECT coalesce(sum(count), 0) FROM contention')
	stored_ns=$(sqlite3 "$db" 'SELECT coalesce(sum(total_wait_ns), 0) FROM contention')
	full=$(sqlite3 "$db" "SELECT coalesce(sum(count), 0) FROM drops
		WHERE source = 'contention' AND reason = 'contention_map_full'")
	if [ -n "$refused_ns" ] && [ "$timed" -gt 0 ] &&
		[ "$timed" = $((read + full)) ] && [ "$read" = $((stored + unnamed)) ] &&
		[ "$timed_ns" = $((read_ns + refused_ns)) ] &&
		{ [ "$full" -gt 0 ] || [ "$refused_ns" = 0 ]; } &&
		[ "$stored_ns" = $((read_ns - unnamed_ns)) ] &&
		{ [ "$want" != spills ] || [ "$spilled" -gt 0 ]; }; then
		ok "$what: every wait the programs timed is stored or counted: $timed waits, $timed_ns ns ($spilled spill entries, $unnamed unnamed of $unnamed_ns ns, $full of $refused_ns ns refused by a full ring)"
	else
		echo "# daemon: '$line'; stored $stored waits, $stored_ns ns; full-ring drops $full"
		fail "$what: every wait the programs timed is stored or counted (timed ${timed:-?}, read ${read:-?}, stored $stored, ${spilled:-?} spill entries)"
	fi
}
check_totals "$T/daemon.log" "$DB" "256 slots"

# The same with two slots for every class not recognised: keys take each
# other's slots all the time, so the spill rings carry most figures.
LOCKGRAPH_CONT_SLOT_MASK=1 "$LGD" --db "$T/spill.db" --duration 6 \
	--flush-ms 300 --sources contention 2>"$T/spill.log" &
for _ in $(seq 50); do
	grep -q "writing $T/spill.db" "$T/spill.log" 2>/dev/null && break
	sleep 0.1
done
[ $hugetlb = yes ] &&
	"$T/hugetlb_fault_loop" -p 3 -t 4 -s 16 -f "$HUGE/seed000b" >/dev/null 2>&1 &
"$T/mmap_churn" -T 4 -t 4 >/dev/null 2>&1
wait
sed 's/^/# spill run: /' "$T/spill.log" | grep -v "source .*: not loaded"
check_totals "$T/spill.log" "$T/spill.db" "2 slots" spills

# A boot runs on one host: a later run under another hostname keeps it there.
"$LGD" --db "$T/spill.db" --duration 1 --sources context \
	--host lg-renamed-host 2>"$T/rename.log"
rc=$?
filed=$(sqlite3 "$T/spill.db" "SELECT count(*) FROM hosts WHERE name = 'lg-renamed-host'")
if [ $rc -eq 0 ] && [ "$filed" = 0 ] &&
	grep -q "is filed under host '.*'; it stays there (the host is 'lg-renamed-host' now)" "$T/rename.log"; then
	ok "a boot stays with its host when the hostname changes (logged)"
else
	sed 's/^/# /' "$T/rename.log"
	fail "a boot stays with its host when the hostname changes (exit $rc, $filed rows)"
fi

"$LG" --db "$DB" status >"$T/status.txt" 2>&1
sed 's/^/# /' "$T/status.txt"
if grep -q "source context *loaded" "$T/status.txt" &&
	grep -q "source primitives *not loaded: ." "$T/status.txt" &&
	grep -q "source lockdep *not loaded: ." "$T/status.txt"; then
	ok "status names the sources that did not load, and why"
else
	fail "status names the sources that did not load, and why"
fi
if grep -q "no drops\|DROPPED" "$T/status.txt"; then
	ok "status shows the drop counters"
else
	fail "status shows the drop counters"
fi
# On a terminal (a pty from script(1)): top's columns line up under their
# headings and fit the width (the class column keeps 12 at least), status's
# tables fit the width, the reasons wrapped, not lost.
if command -v script >/dev/null; then
	script -qec "stty cols 72; $LG --db $DB top" /dev/null </dev/null | tr -d '\r' >"$T/top.tty"
	sed 's/^/# tty: /' "$T/top.tty"
	col=$(head -n 1 "$T/top.tty" | awk '{ print index($0, "CLASS") }')
	if [ "$(wc -l <"$T/top.tty")" -ge 2 ] && [ "$col" -gt 0 ] &&
		sed 's/\xe2\x80\xa6/./g' "$T/top.tty" | awk -v c="$col" '
			length > 72 && length > c - 1 + 12 { bad = 1 }
			NR > 1 && (substr($0, c - 2, 2) != "  " || substr($0, c, 1) == " ") { bad = 1 }
			END { exit bad }'; then
		ok "top on a 72-column terminal: every class starts under CLASS, no line wider"
	else
		fail "top on a 72-column terminal: every class starts under CLASS, no line wider"
	fi
	script -qec "stty cols 64; $LG --db $DB status" /dev/null </dev/null | tr -d '\r' >"$T/status.tty"
	sed 's/^/# tty: /' "$T/status.tty"
	# The first source that did not load: its reason, wrapped lines joined.
	nl=$("$LG" --db "$DB" -j status | grep -o '"source":"[a-z]*","loaded":false,"reason":"[^"\\]*"' | head -n 1)
	src=$(echo "$nl" | sed 's/^"source":"//; s/".*//')
	why=$(echo "$nl" | sed 's/.*"reason":"//; s/"$//')
	got=$(awk -v s="$src" '$1 == s && $2 == "not" { on = 1; sub(/^ *[a-z]+ +not loaded +- +/, ""); printf "%s", $0; next }
		on && /^     / { sub(/^ +/, " "); printf "%s", $0; next } { on = 0 }' "$T/status.tty")
	if [ "$got" = "$why" ] && grep -q '^    SOURCE  *STATE  *EVENTS  *WHY NOT LOADED$' "$T/status.tty" &&
		sed 's/\xe2\x80\xa6/./g' "$T/status.tty" | awk 'length > 64 { bad = 1 } END { exit bad }'; then
		ok "status on a 64-column terminal: sources as a table${src:+, the reason of $src wrapped whole}"
	else
		echo "# reason: '$why'"
		echo "# joined: '$got'"
		fail "status on a 64-column terminal: sources as a table, reasons wrapped whole"
	fi
else
	n=$((n + 1))
	echo "skip $n - tables on a terminal (no script(1) from bsdutils to make a pty)"
fi

# The recording replays, without privileges' help, to the same graph.
edges_of() {
	sqlite3 "$1" "SELECT f.name || ' -> ' || t.name || ' ' || e.modes FROM edges e
		JOIN classes f ON f.id = e.from_class JOIN classes t ON t.id = e.to_class
		ORDER BY 1"
}
if "$LGD" --replay "$T/live.rec" --db "$T/replay.db" 2>"$T/replay.log" &&
	[ -n "$(edges_of "$DB")" ] && [ "$(edges_of "$DB")" = "$(edges_of "$T/replay.db")" ]; then
	ok "--record then --replay gives the same edges ($(edges_of "$DB" | wc -l))"
else
	sed 's/^/# /' "$T/replay.log"
	fail "--record then --replay gives the same edges"
fi
# The CI gate on the live database.  What it must answer is worked out here
# from the tables, independently of `lockgraph check`.
live_drops=$(sqlite3 "$DB" 'SELECT coalesce(sum(count), 0) FROM drops')
"$LG" --db "$DB" check --baseline "$DB" >"$T/check.txt" 2>&1
rc=$?
want=0
[ "$live_drops" -gt 0 ] && want=2
sed 's/^/# /' "$T/check.txt" | tail -5
if [ $rc -eq $want ] && { [ $want -eq 0 ] || grep -q "^inconclusive: DROPPED" "$T/check.txt"; }; then
	ok "check of the live database against itself: exit $rc ($live_drops events dropped)"
else
	fail "check of the live database against itself: exit $rc, wanted $want ($live_drops events dropped)"
fi
"$LG" --db "$T/seed.db" ingest tests/corpus/seed-003-khugepaged.txt >/dev/null
"$LG" --db "$DB" check --baseline "$T/seed.db" --fail-on new-edge >"$T/check.txt" 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -q '^  &mm->mmap_lock -> fs_reclaim \[' "$T/check.txt" &&
	grep -Eq '^       [a-z_]+[a-z0-9_.]*\+0x[0-9a-f]+/0x[0-9a-f]+$' "$T/check.txt"; then
	ok "check against the seed 003 baseline: exit 1, the new &mm->mmap_lock -> fs_reclaim with its stack"
else
	sed 's/^/# /' "$T/check.txt" | head -30
	fail "check against the seed 003 baseline: exit $rc, wanted 1 and the new edge"
fi
if [ -f "$T/replay.db" ]; then
	missing=$(sqlite3 "$DB" "ATTACH '$T/replay.db' AS r; SELECT count(DISTINCT source)
		FROM main.boot_sources WHERE loaded = 1 AND source NOT IN
		(SELECT source FROM r.boot_sources WHERE loaded = 1)")
	rdrops=$(sqlite3 "$T/replay.db" 'SELECT coalesce(sum(count), 0) FROM drops')
	want=0
	[ "$missing" -gt 0 ] || [ "$rdrops" -gt 0 ] && want=2
	"$LG" --db "$T/replay.db" check --baseline "$DB" >"$T/check.txt" 2>&1
	rc=$?
	sed 's/^/# /' "$T/check.txt" | tail -4
	if [ $rc -eq $want ]; then
		ok "check of the replay against the live baseline: exit $rc ($missing sources missing, $rdrops drops)"
	else
		fail "check of the replay against the live baseline: exit $rc, wanted $want ($missing sources missing, $rdrops drops)"
	fi
fi
"$LG" --db "$DB" whatif --holding fs_reclaim --acquire '&mm->mmap_lock' >"$T/whatif.txt" 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -q '^WARNING: possible circular locking dependency detected$' "$T/whatif.txt" &&
	grep -Eq '^       [a-z_]+[a-z0-9_.]*\+0x[0-9a-f]+/0x[0-9a-f]+$' "$T/whatif.txt"; then
	ok "whatif: mmap_lock taken in reclaim would close a circle, shown with the observed edge's stack"
else
	sed 's/^/# /' "$T/whatif.txt" | head -30
	fail "whatif --holding fs_reclaim --acquire &mm->mmap_lock: exit $rc, wanted 1 with the stack"
fi
size=$(stat -c %s "$T/live.rec")
head -c $((size - 100)) "$T/live.rec" >"$T/cut.rec"
"$LGD" --replay "$T/cut.rec" --db "$T/cut.db" 2>"$T/cut.log"
rc=$?
if [ $rc -eq 1 ] && grep -q "truncated event at byte offset" "$T/cut.log" &&
	[ "$(sqlite3 "$T/cut.db" 'SELECT count(*) FROM edges' 2>/dev/null || echo 0)" = 0 ]; then
	ok "a truncated recording is refused with its byte offset: $(cat "$T/cut.log")"
else
	sed 's/^/# /' "$T/cut.log"
	fail "a truncated recording is refused with its byte offset (exit $rc)"
fi

# Without the capabilities: one line naming the missing one, exit 4.
if command -v setpriv >/dev/null; then
	# nobody may not reach the clone: run a copy from the scratch dir.
	chmod 755 "$T" && cp "$LGD" "$T/lockgraphd" && chmod 755 "$T/lockgraphd"
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$T/lockgraphd" --db "$T/nobody.db" --duration 1 2>"$T/nocap.log"
	rc=$?
	if [ $rc -eq 4 ] && [ "$(wc -l <"$T/nocap.log")" -eq 1 ] &&
		grep -q "missing CAP_BPF" "$T/nocap.log"; then
		ok "without privileges: exit 4, $(cat "$T/nocap.log")"
	else
		sed 's/^/# /' "$T/nocap.log"
		fail "without privileges: exit 4 naming the capability (exit $rc)"
	fi
else
	n=$((n + 1))
	echo "skip $n - without privileges (no setpriv)"
fi

# SIGKILL mid-run loses at most the last batch; the database stays sound.
"$LGD" --db "$T/kill.db" --flush-ms 200 2>"$T/kill.log" &
pid=$!
"$T/mmap_churn" -T 4 -t 2 >/dev/null 2>&1
kill -9 $pid
wait $pid 2>/dev/null
# What the killed run's batches (every 200 ms for 2 s) put there, before
# anything else opens it (sqlite3 would make a missing file).
if [ -s "$T/kill.db" ]; then
	check=$(sqlite3 "$T/kill.db" 'PRAGMA integrity_check' 2>&1)
	kept=$(sqlite3 "$T/kill.db" 'SELECT count(*) FROM chains' 2>&1)
	events=$(sqlite3 "$T/kill.db" 'SELECT coalesce(sum(events), 0) FROM boot_sources' 2>&1)
else
	check="no database" kept=0 events=0
fi
"$LGD" --db "$T/kill.db" --duration 1 2>>"$T/kill.log"
rc=$?
if [ "$check" = ok ] && [ $rc -eq 0 ] && [ "$kept" -gt 0 ] 2>/dev/null &&
	[ "$events" -gt 0 ] 2>/dev/null; then
	ok "after SIGKILL: integrity_check ok, the killed run's $kept chains and $events events kept, restart works"
else
	sed 's/^/# /' "$T/kill.log"
	fail "after SIGKILL: integrity_check '$check', $kept chains and $events events kept, restart exit $rc"
fi
exit 0
