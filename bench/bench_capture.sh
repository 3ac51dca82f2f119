#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# bench/bench_capture.sh BUILD_DIR: the live capture path on this host's
# kernel (issue "Capture").  Needs root, kernel BTF, bpftool and jq; when it
# cannot run it prints "bench_capture: skipped: <reason>" and exits 0.
#
#  a. BPF cost per run: with kernel.bpf_stats_enabled, lockgraphd attached
#     and an empty tp_btf program on each tracepoint it uses (same run; on
#     the contention tracepoints also a minimal program timing waits), the
#     seed 000 hugetlb loop and then mmap_churn run; each program's
#     run_time_ns / run_cnt is read from `bpftool -j prog show` over each
#     workload's window, before the daemon exits.  Only lockgraphd's own
#     programs are read: their ids come from its /proc/PID/fdinfo.  The
#     windows start after 2 s of the seed 000 loop, not measured, in which
#     lockgraphd learns what the kernel does not name (the fault mutex
#     table); parts b and d start a new lockgraphd each run, learning
#     included.
#  b. Overhead: each workload alone (detached) and under lockgraphd
#     (attached), alternated, BENCH_CAPTURE_PAIRS pairs (the seed 000
#     loop without its racer, then the same on half the pages, which
#     shares no pmd; each workload pinned to one CPU, lockgraphd not);
#     every run, the
#     medians and attached/detached.  bpf_stats is back to its old value
#     then (its clock reads would be part of the cost).
#  c. lockgraphd's peak RSS (VmHWM) during (a).
#  d. What BPF takes of the pinned workload's CPU, attached: perf samples on
#     that CPU split into lockgraph's programs, the tracepoints' BPF
#     dispatch and the rest (needs perf; skipped, saying why, without it
#     or unpinned).
#
# It prints figures, it asserts nothing; the exit status is non-zero only
# when something failed for a real reason.  What it changes
# (bpf_stats_enabled, nr_hugepages, a hugetlbfs mount) is restored at exit.
# Other work on the machine shows in each run's "others" figure: CPU time
# spent outside the workload and lockgraphd while it ran.
#
# Knobs: BENCH_CAPTURE_SECONDS (3) per run and window, BENCH_CAPTURE_PAIRS
# (5), BENCH_CAPTURE_PROCS (3) faulting processes, BENCH_CAPTURE_PAGES (512:
# a whole PUD, so the pmd page is shared), BENCH_CAPTURE_THREADS (4) for
# mmap_churn, BENCH_CAPTURE_RACER (0; 1: part b's seed 000 loop runs with
# the truncate/hole-punch racer too, as part a's always does),
# BENCH_CAPTURE_CPU (the last CPU allowed; "none": unpinned) for part b's
# workloads.

# Word splitting of $CFLAGS, $HFL, $CHURN_ARGS and id lists is wanted.
# shellcheck disable=SC2086,SC2046
set -u

if [ $# -ne 1 ]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
case $1 in
/*) build=$1 ;;
*) build=$root/$1 ;;
esac
cd "$root" || exit 1

SECONDS_RUN=${BENCH_CAPTURE_SECONDS:-3}
PAIRS=${BENCH_CAPTURE_PAIRS:-5}
PROCS=${BENCH_CAPTURE_PROCS:-3}
PAGES=${BENCH_CAPTURE_PAGES:-512}
THREADS=${BENCH_CAPTURE_THREADS:-4}
HEADROOM=64
LGD=$build/lockgraphd
TARGET_NS=100
TARGET_RATIO=0.98

echo "== bench_capture: lockgraphd on this host's kernel =="
skip() {
	echo "bench_capture: skipped: $1"
	exit 0
}
[ "$(id -u)" = 0 ] || skip "not root (BPF needs CAP_BPF and CAP_PERFMON)"
[ -x "$LGD" ] || skip "$LGD is not built"
[ -r /sys/kernel/btf/vmlinux ] || skip "kernel without BTF"
[ -w /proc/sys/kernel/bpf_stats_enabled ] ||
	skip "no kernel.bpf_stats_enabled to write"
for tool in bpftool jq gcc; do
	command -v $tool >/dev/null 2>&1 || skip "$tool is not installed"
done

T=$(mktemp -d /tmp/lg-bench-capture.XXXXXX) || exit 1
HUGE=$T/huge
HZ=$(getconf CLK_TCK)
NCPU=$(nproc)
old_stats=$(cat /proc/sys/kernel/bpf_stats_enabled)
old_pages=$(cat /proc/sys/vm/nr_hugepages 2>/dev/null || echo 0)
mounted=no
pages_set=no
dpid=
npid=

stop_pid() {
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	stop_pid "$dpid"
	stop_pid "$npid"
	echo "$old_stats" >/proc/sys/kernel/bpf_stats_enabled 2>/dev/null
	[ "$mounted" = yes ] && umount "$HUGE" 2>/dev/null
	[ "$pages_set" = yes ] &&
		echo "$old_pages" >/proc/sys/vm/nr_hugepages 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# calc EXPR: floating point arithmetic, 3 decimals.
calc() {
	awk "BEGIN { printf \"%.3f\", $1 }"
}

now() {
	date +%s.%N
}

vm_hwm() {
	awk '/^VmHWM:/ { print $2 }' /proc/"$1"/status 2>/dev/null
}

# Running, not a zombie waiting to be reaped (a zombie has no VmHWM).
alive() {
	[ -n "$(vm_hwm "$1")" ]
}

# CPU seconds (user + system) a process has used so far.
cpu_s() {
	awk -v hz="$HZ" '{ printf "%.3f", ($14 + $15) / hz }' \
		/proc/"$1"/stat 2>/dev/null
}

# CPU seconds used so far by every process outside this script's own tree
# (kernel threads included; children they reaped count through cutime).
others_s() {
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v me=$$ -v hz="$HZ" '
	{
		pid = $1
		line = $0
		sub(/^.*\) /, "", line)
		split(line, f, " ")
		ppid[pid] = f[2]
		t[pid] = f[12] + f[13] + f[14] + f[15]
	}
	END {
		for (p in t) {
			q = p
			for (d = 0; d < 64 && q != me && q > 1; d++)
				q = ppid[q]
			if (q != me)
				s += t[p]
		}
		printf "%.3f", s / hz
	}'
}

pool() {
	cat /proc/sys/vm/nr_hugepages 2>/dev/null || echo 0
}

CFLAGS="-std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror"
if ! gcc $CFLAGS tests/workloads/hugetlb_fault_loop.c -o "$T/hugetlb_fault_loop" ||
	! gcc $CFLAGS -pthread tests/workloads/mmap_churn.c -o "$T/mmap_churn"; then
	echo "bench_capture: building the workloads failed" >&2
	exit 1
fi

# The seed 000 loop needs a hugetlbfs mount and PAGES huge pages (plus
# headroom for the racer's refills).  Another process may change
# nr_hugepages while we run (a test restoring its own old value): each run
# asks for the pool again and says when it changed under it.
hugetlb=yes
hugetlb_why=
want=$((PAGES + HEADROOM))
ensure_pool() {
	[ "$(pool)" -ge "$want" ] && return 0
	pages_set=yes
	echo "$want" >/proc/sys/vm/nr_hugepages 2>/dev/null
	[ "$(pool)" -ge "$want" ]
}
if ! ensure_pool; then
	got=$(pool)
	if [ "$got" -gt $((HEADROOM + 16)) ]; then
		PAGES=$((got - HEADROOM))
		want=$got
	else
		hugetlb=no
		hugetlb_why="only $got huge pages could be reserved"
	fi
fi
if [ $hugetlb = yes ]; then
	mkdir -p "$HUGE"
	if mount -t hugetlbfs none "$HUGE" 2>"$T/mount.err"; then
		mounted=yes
	else
		hugetlb=no
		hugetlb_why="mount -t hugetlbfs: $(cat "$T/mount.err")"
	fi
fi
HFL="$T/hugetlb_fault_loop -p $PROCS -s $PAGES -f $HUGE/seed000"
HFL_ARGS="-p $PROCS -t $SECONDS_RUN -s $PAGES"
CHURN_ARGS="-T $THREADS -t $SECONDS_RUN"

# The pool's pages are slow to touch the first time on a VM (the host backs
# them then): one unmeasured round per process first.
warm_up() {
	t=$(now)
	$HFL -n 2 >"$T/warm.out" 2>&1
	echo "  (warm-up of the huge page pool: two rounds per process," \
		"$(calc "$(now) - $t") s)"
}

# Programs of lockgraph's sources, from their SEC("tp_btf/...") functions:
# "source name tracepoint" lines.
awk '
/SEC\("tp_btf\// {
	match($0, /tp_btf\/[A-Za-z0-9_]+/)
	tp = substr($0, RSTART + 7, RLENGTH - 7)
	next
}
tp != "" {
	name = "?"
	if (match($0, /BPF_PROG\([A-Za-z0-9_]+/))
		name = substr($0, RSTART + 9, RLENGTH - 9)
	else if (match($0, /^int [A-Za-z0-9_]+\(/))
		name = substr($0, RSTART + 4, RLENGTH - 5)
	src = FILENAME
	sub(/.*\//, "", src)
	sub(/\.bpf\.c$/, "", src)
	print src, name, tp
	tp = ""
}' bpf/*.bpf.c >"$T/progs"
[ -s "$T/progs" ] || skip "no tp_btf programs found in bpf/*.bpf.c"

# The BPF program ids a process holds (its prog and link fds).
prog_ids() {
	cat /proc/"$1"/fdinfo/* 2>/dev/null |
		awk '$1 == "prog_id:" { print $2 }' | sort -un | tr '\n' ' '
}

# snapshot FILE IDS: "id name run_cnt run_time_ns" of these programs.
snapshot() {
	out=$1
	shift
	bpftool -j prog show 2>/dev/null | jq -r --arg ids "$*" '
		($ids | split(" ") | map(select(length > 0) | tonumber)) as $want
		| .[] | select(.id as $i | any($want[]; . == $i))
		| "\(.id) \(.name) \(.run_cnt // 0) \(.run_time_ns // 0)"' >"$out"
}

# Programs with lockgraph's names that are not in IDS: another lockgraphd
# (another session, a test) attached while we measure.
foreign_progs() {
	bpftool -j prog show 2>/dev/null | jq -r --arg ids "$*" '
		($ids | split(" ") | map(select(length > 0) | tonumber)) as $want
		| .[] | select(.type == "tracing")
		| select(.id as $i | any($want[]; . == $i) | not) | .name' |
		awk 'NR == FNR { names[substr($2, 1, 15)] = 1; next }
		     ($1 in names) { n++ } END { print n + 0 }' "$T/progs" -
}

# start_daemon DB LOG [OPTIONS]: lockgraphd in the background (dpid), back
# once its sources are attached; non-zero with the reason in $why if not.
start_daemon() {
	db=$1
	log=$2
	shift 2
	rm -f "$db" "$db-wal" "$db-shm"
	"$LGD" --db "$db" "$@" 2>"$log" &
	dpid=$!
	i=0
	while [ $i -lt 300 ]; do
		grep -q "writing $db" "$log" 2>/dev/null && return 0
		alive "$dpid" || break
		sleep 0.05
		i=$((i + 1))
	done
	stop_pid "$dpid"
	rc=$?
	dpid=
	why="lockgraphd did not attach (exit $rc): $(grep '<[0-3]>' "$log" |
		head -n 2 | tr '\n' ' ')"
	return 1
}

# stop_daemon: SIGTERM, wait; hwm_kb is the last VmHWM seen before it
# exited (read every 50 ms while it flushes and closes).
stop_daemon() {
	hwm_kb=$(vm_hwm "$dpid")
	kill -TERM "$dpid" 2>/dev/null
	while h=$(vm_hwm "$dpid") && [ -n "$h" ]; do
		hwm_kb=$h
		sleep 0.05
	done
	wait "$dpid"
	daemon_rc=$?
	dpid=
}

# run_workload hugetlb|unshared|churn OUT [HFL_OPTS [PIN]]: one timed run
# (PIN: a command put in front, e.g. taskset); sets rate, unit, wall and
# wnote.
run_workload() {
	wnote=
	case $1 in
	hugetlb)
		set -- "$2" ${4:-} $HFL -t "$SECONDS_RUN" ${3:-}
		unit="huge pages touched/s"
		;;
	unshared)
		set -- "$2" ${4:-} $HFL -t "$SECONDS_RUN" -s "$UNSHARED_PAGES" ${3:-}
		unit="huge pages touched/s"
		;;
	churn)
		set -- "$2" ${4:-} "$T/mmap_churn" $CHURN_ARGS
		unit="rounds/s"
		;;
	esac
	out=$1
	shift
	t=$(now)
	"$@" >"$out" 2>&1
	wrc=$?
	wall=$(calc "$(now) - $t")
	case $unit in
	huge*)
		# "hugetlb_fault_loop: 3.00 s: 8 rounds, 40 huge pages touched,
		# 1 SIGBUS, 0 mmap ENOMEM; racer: 9 hole punches, 9 fills
		# (0 ENOSPC), 1 truncates": seconds rounds touched ENOMEM ENOSPC
		set -- $(awk '$1 == "hugetlb_fault_loop:" && $3 == "s:" {
			for (i = 4; i <= NF; i++) {
				if ($i == "rounds,") r = $(i - 1)
				if ($i == "touched,") t = $(i - 3)
				if ($i == "ENOMEM;") e = $(i - 2)
				if ($i == "ENOSPC),") f = substr($(i - 1), 2)
			}
			print $2, r, t, e, f
		}' "$out")
		if [ $# -eq 5 ]; then
			rate=$(calc "$3 / $1")
			rate=${rate%.*}
			wnote=" ($2 rounds"
			[ "$4" -gt 0 ] && wnote="$wnote, $4 mmap ENOMEM"
			[ "$5" -gt 0 ] && wnote="$wnote, $5 fill ENOSPC"
			wnote="$wnote)"
		else
			rate=
		fi
		;;
	*)
		rate=$(sed -n 's/^mmap_churn: .* \([0-9]*\) map\/touch\/unmap rounds$/\1/p' \
			"$out" | awk -v s="$SECONDS_RUN" '{ printf "%.0f", $1 / s }')
		;;
	esac
	[ $wrc -eq 0 ] && [ -n "$rate" ]
}

# ---------------------------------------------------------------------------
# a. BPF cost per run, and c. peak RSS
echo
echo "-- a. BPF cost per run (kernel.bpf_stats_enabled: run_time_ns / run_cnt) --"

if [ $hugetlb = yes ]; then
	warm_up
else
	echo "seed 000 loop: not run: $hugetlb_why"
fi
echo 1 >/proc/sys/kernel/bpf_stats_enabled
if ! start_daemon "$T/a.db" "$T/a.log" --duration $((4 * SECONDS_RUN + 60)); then
	case $why in
	*"exit 3"* | *"exit 4"*) skip "$why" ;;
	esac
	echo "bench_capture: $why" >&2
	exit 1
fi
ids=$(prog_ids "$dpid")
sed -n 's/^<[0-9]>lockgraphd: \(source .*\)/lockgraphd: \1/p' "$T/a.log"
echo "lockgraphd: $(echo "$ids" | wc -w) programs attached (ids $ids)"

# Empty tp_btf programs on the tracepoints of lockgraphd's loaded programs,
# for comparison: what any program costs there (the raw tracepoint call,
# bpf_stats' clock reads).  "lgnop_N tracepoint" lines in $T/nops.
snapshot "$T/loaded" $ids
awk 'NR == FNR { tp[substr($2, 1, 15)] = $3; next }
     ($2 in tp) && !seen[tp[$2]]++ { print "lgnop_" n++, tp[$2] }' \
	"$T/progs" "$T/loaded" >"$T/nops"
nop=no
nop_ids=
nop_why=
if command -v clang >/dev/null 2>&1 && [ -r /usr/include/bpf/libbpf.h ]; then
	{
		echo '/* SPDX-License-Identifier: GPL-2.0-only */'
		echo '#define SEC(n) __attribute__((section(n), used))'
		echo 'char LICENSE[] SEC("license") = "GPL";'
		awk '{ printf "SEC(\"tp_btf/%s\") int %s(void *ctx) { return 0; }\n", $2, $1 }' \
			"$T/nops"
		# The least a program that times waits does: begin keeps its
		# time in a per-CPU slot, end adds the wait to a per-CPU sum.
		# Written without headers (map type 6: per-CPU array; helpers
		# 1: map lookup, 5: ktime_get_ns).
		if grep -q ' contention_begin$' "$T/nops" &&
			grep -q ' contention_end$' "$T/nops"; then
			cat <<-'EOF'
			typedef unsigned int u32;
			typedef unsigned long long u64;
			static void *(*map_lookup)(void *map, const void *key) = (void *)1;
			static u64 (*ktime_ns)(void) = (void *)5;
			struct {
				int (*type)[6];
				int (*max_entries)[2];
				u32 *key;
				u64 *value;
			} lgmin_slots SEC(".maps");
			SEC("tp_btf/contention_begin") int lgmin_begin(void *ctx)
			{
				u32 k = 0;
				u64 *t = map_lookup(&lgmin_slots, &k);

				if (t)
					*t = ktime_ns();
				return 0;
			}
			SEC("tp_btf/contention_end") int lgmin_end(void *ctx)
			{
				u32 k = 0, s = 1;
				u64 *t = map_lookup(&lgmin_slots, &k);
				u64 *sum = map_lookup(&lgmin_slots, &s);

				if (t && sum)
					*sum += ktime_ns() - *t;
				return 0;
			}
			EOF
		fi
	} >"$T/nop.bpf.c"
	if clang -g -O2 -target bpf -Wall -Wno-unused-parameter -c "$T/nop.bpf.c" \
		-o "$T/nop.bpf.o" 2>"$T/nop.err" &&
		gcc $CFLAGS bench/capture_attach.c -lbpf -o "$T/capture_attach" \
			2>>"$T/nop.err"; then
		"$T/capture_attach" "$T/nop.bpf.o" >"$T/nop.log" 2>&1 &
		npid=$!
		i=0
		while [ $i -lt 100 ] && ! grep -q ready "$T/nop.log"; do
			alive "$npid" || break
			sleep 0.05
			i=$((i + 1))
		done
		if grep -q ready "$T/nop.log"; then
			nop=yes
			nop_ids=$(prog_ids "$npid")
			echo "empty tp_btf programs: $(echo "$nop_ids" | wc -w)" \
				"attached, one per tracepoint (ids $nop_ids)"
		else
			stop_pid "$npid"
			npid=
			nop_why=$(head -n 1 "$T/nop.log")
		fi
	else
		nop_why=$(head -n 1 "$T/nop.err")
	fi
else
	nop_why="needs clang and libbpf-dev"
fi
[ $nop = yes ] || echo "empty tp_btf programs: not attached: $nop_why"

# window TITLE FILE0 FILE1 SECONDS: the per-program table of one window.
window() {
	echo
	echo "$1 ($(printf '%.2f' "$4") s):"
	awk -v dt="$4" -v target=$TARGET_NS -v ncpu="$NCPU" '
	FILENAME == ARGV[1] {
		src[substr($2, 1, 15)] = $1
		tp[substr($2, 1, 15)] = $3
		if (!($1 in seen)) {
			seen[$1] = 1
			order[++nsrc] = $1
		}
		next
	}
	FILENAME == ARGV[2] { nop_tp[$1] = $2; next }
	FILENAME == ARGV[3] { c0[$1] = $3; t0[$1] = $4; next }
	{
		dc = $3 - c0[$1]
		dns = $4 - t0[$1]
		if ($2 ~ /^lgnop_/) {
			nc[nop_tp[$2]] += dc
			nt[nop_tp[$2]] += dns
			nopall += dns
			next
		}
		if ($2 ~ /^lgmin_/) {
			mc[$2] += dc
			mt[$2] += dns
			next
		}
		n++
		name[n] = $2
		cnt[n] = dc
		ns[n] = dns
		sc[src[$2]] += dc
		st[src[$2]] += dns
		all += dns
	}
	END {
		printf "  %-10s %-15s %-28s %9s %9s %7s %7s  %s\n", "source",
		       "program", "tracepoint", "runs", "runs/s", "ns/run",
		       "empty", "target"
		idle = ""
		for (i = 1; i <= n; i++) {
			if (!cnt[i]) {
				idle = idle (idle == "" ? "" : ", ") name[i]
				continue
			}
			t = tp[name[i]]
			e = nc[t] ? sprintf("%.1f", nt[t] / nc[t]) : "-"
			printf "  %-10s %-15s %-28s %9d %9.0f %7.1f %7s  < %d ns\n",
			       src[name[i]], name[i], t, cnt[i], cnt[i] / dt,
			       ns[i] / cnt[i], e, target
		}
		for (k = 1; k <= nsrc; k++) {
			s = order[k]
			if (!(s in sc))
				continue
			ntot = 0
			ttot = 0
			for (i = 1; i <= n; i++)
				if (src[name[i]] == s && nc[tp[name[i]]]) {
					t = tp[name[i]]
					ntot += cnt[i]
					ttot += nt[t] / nc[t] * cnt[i]
				}
			printf "  %-10s %-44s %9d %9.0f %7s %7s  < %d ns average\n",
			       s, "all its programs, weighted by runs", sc[s],
			       sc[s] / dt, sc[s] ? sprintf("%.1f", st[s] / sc[s]) : "-",
			       ntot ? sprintf("%.1f", ttot / ntot) : "-", target
		}
		split("lgmin_begin contention_begin lgmin_end contention_end", m)
		what["lgmin_begin"] = "lgmin_begin: a per-CPU start time"
		what["lgmin_end"] = "lgmin_end: the wait into a per-CPU sum"
		for (k = 1; k < 4; k += 2) {
			if (!mc[m[k]])
				continue
			t = m[k + 1]
			printf "  %-10s %-44s %9d %9.0f %7.1f %7s\n", "reference",
			       what[m[k]], mc[m[k]], mc[m[k]] / dt,
			       mt[m[k]] / mc[m[k]],
			       nc[t] ? sprintf("%.1f", nt[t] / nc[t]) : "-"
		}
		if (idle != "")
			printf "  no runs: %s\n", idle
		printf "  CPU in lockgraph programs: %.1f ms per second, %.2f%% of %d CPUs",
		       all / dt / 1e6, all / dt / 1e7 / ncpu, ncpu
		if (nopall)
			printf " (the empty programs: %.2f%%)", nopall / dt / 1e7 / ncpu
		printf "\n"
	}' "$T/progs" "$T/nops" "$2" "$3"
}

# lockgraphd's start, not measured: it learns in its first flushes what
# the kernel does not name (the hugetlb fault mutex table, from two of
# its mutexes' waits; until then their waits take the slow slab path).
# Part a measures the daemon as it runs afterwards, for hours.
if [ $hugetlb = yes ]; then
	$HFL -t 2 >"$T/a-start.out" 2>&1
	# the waits of its last second reach lockgraphd at its next flush
	for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
		grep -q "hugetlb fault mutexes are" "$T/a.log" && break
		sleep 0.1
	done
	if grep -q "hugetlb fault mutexes are" "$T/a.log"; then
		echo "  (lockgraphd's start: 2 s of the seed 000 loop, not measured;" \
			"it learned the fault mutex table)"
	else
		echo "  (lockgraphd's start: 2 s of the seed 000 loop, not measured;" \
			"no fault mutex table learned: kallsyms names it, no slab" \
			"classes here, the table is outside the kmalloc caches," \
			"or two of its mutexes were not contended yet)"
	fi
fi
all_ids="$ids $nop_ids"
snapshot "$T/s0" $all_ids
t0=$(now)
if [ $hugetlb = yes ]; then
	run_workload hugetlb "$T/a-hfl.out" ||
		echo "hugetlb_fault_loop failed: $(tail -n 1 "$T/a-hfl.out")"
fi
t1=$(now)
snapshot "$T/s1" $all_ids
run_workload churn "$T/a-churn.out" ||
	echo "mmap_churn failed: $(tail -n 1 "$T/a-churn.out")"
t2=$(now)
snapshot "$T/s2" $all_ids
foreign=$(foreign_progs $ids)
stop_daemon
echo "$old_stats" >/proc/sys/kernel/bpf_stats_enabled
stop_pid "$npid"
npid=

echo "(ns/run: the program; empty: an empty tp_btf program on the same" \
	"tracepoint in the same run, the floor any program pays there with" \
	"bpf_stats on; the weighted empty figure uses the program's own runs;" \
	"reference: the least a program timing waits does, one per-CPU map" \
	"slot and a clock read, on the contention tracepoints; empty and" \
	"reference programs are attached after lockgraphd's and run after them)"
if [ $hugetlb = yes ]; then
	window "seed 000 loop, hugetlb_fault_loop $HFL_ARGS" "$T/s0" "$T/s1" \
		"$(calc "$t1 - $t0")"
	sed 's/^/  # /' "$T/a-hfl.out"
fi
window "mmap_churn $CHURN_ARGS" "$T/s1" "$T/s2" "$(calc "$t2 - $t1")"
sed 's/^/  # /' "$T/a-churn.out"
echo
grep 'lockgraphd: .* events' "$T/a.log" | sed 's/^<[0-9]>/daemon: /'
[ "$foreign" -gt 0 ] &&
	echo "NOTE: $foreign programs with lockgraph's names belonged to another" \
		"process (another lockgraphd) and shared the tracepoints"

echo
echo "-- c. lockgraphd peak RSS --"
echo "VmHWM $((hwm_kb / 1024)) MiB ($hwm_kb kB) during (a), last read before" \
	"it exited (exit status $daemon_rc)"

# ---------------------------------------------------------------------------
# b. Overhead: detached and attached runs, alternated
echo
echo "-- b. overhead: workload rate attached / detached ($PAIRS pairs of" \
	"$SECONDS_RUN s, alternated; target >= $TARGET_RATIO) --"
echo "(others: CPUs used by processes other than the workload and" \
	"lockgraphd during the run, kernel threads included)"

# one_run WORKLOAD MODE: run it once, print its line, append the rate.
one_run() {
	wl=$1
	mode=$2
	extra=
	note=
	if [ "$wl" != churn ]; then
		before=$(pool)
		if [ "$before" -lt "$want" ]; then
			note="$note; nr_hugepages was $before (changed by another process)"
			ensure_pool
			warm_up
		fi
	fi
	if [ "$mode" = attached ] &&
		! start_daemon "$T/b.db" "$T/b.log" --flush-ms 1000; then
		echo "  $wl $mode: $why"
		return 1
	fi
	ours=
	[ -n "$dpid" ] && ours=$(prog_ids "$dpid")
	f0=$(foreign_progs $ours)
	dcpu0=0
	[ -n "$dpid" ] && dcpu0=$(cpu_s "$dpid")
	o0=$(others_s)
	run_workload "$wl" "$T/run.out" "$B_HFL_OPTS" "$B_PIN"
	ok=$?
	o1=$(others_s)
	dcpu=0
	[ -n "$dpid" ] && dcpu=$(calc "$(cpu_s "$dpid") - $dcpu0")
	f1=$(foreign_progs $ours)
	if [ -n "$dpid" ]; then
		stop_daemon
		ev=$(sed -n 's/.*: \([0-9]*\) events (.*/\1/p' "$T/b.log")
		extra=", lockgraphd ${dcpu} CPU s, ${ev:-?} events"
	fi
	others=$(calc "($o1 - $o0) / $wall")
	[ "$wl" != churn ] && [ "$(pool)" -lt "$want" ] &&
		note="$note; nr_hugepages changed to $(pool) during the run"
	[ $((f0 + f1)) -gt 0 ] &&
		note="$note; another lockgraphd was attached"
	if [ $ok -ne 0 ]; then
		echo "  $wl $mode: workload failed: $(tail -n 1 "$T/run.out")"
		return 1
	fi
	printf '  %-8s %-8s %9s %s%s, others %s CPU%s\n' "$wl" "$mode" "$rate" \
		"$unit" "$wnote" "$others" "$extra"
	[ -n "$note" ] && echo "    NOTE: ${note#; }"
	echo "$rate" >>"$T/rates.$wl.$mode"
	echo "$pair $mode $rate $others" >>"$T/pairs.$wl"
}

median() {
	sort -n "$1" | awk '{ v[NR] = $1 } END {
		if (NR % 2) print v[(NR + 1) / 2]
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

spread() {
	sort -n "$1" | awk '{ v[NR] = $1 } END { printf "%d-%d", v[1], v[NR] }'
}

# Beside it, the same loop on half a PUD: no pmd sharing, so no unsharing
# either, whose broadcast IPI (smp_call_function() from
# __unmap_hugepage_range(), 15% of the pinned loop's CPU here) waits for
# the other CPU to answer, fast or slow as that CPU is busy or idle: that
# run's rate is the fault path's own work.
UNSHARED_PAGES=$((PAGES / 2))
# The issue's seed 000 loop is the faulting processes alone.  With the
# racer (part a runs it, for its lock paths: it punches holes and fills
# them again) the fault rate swings far more than any probe cost: single
# pairs gave attached/detached from 0.75 to 2.1.
B_HFL_OPTS=-R
B_HFL_WHY=" (no racer)"
if [ "${BENCH_CAPTURE_RACER:-0}" = 1 ]; then
	B_HFL_OPTS=
	B_HFL_WHY=" (with the racer: BENCH_CAPTURE_RACER=1)"
fi
# Pinned to one CPU, a run's rate is the CPU work of its faults; spread
# over both, it is mostly how fast a sleeping waiter on the other CPU wakes
# up, which on this VM swung the unpinned seed 000 loop 5x with the load of
# unrelated processes (README, "Capture, latest").
B_PIN=
B_PIN_WHY=
# the highest CPU this script may run on (nproc counts only those)
last_cpu=$(awk '/^Cpus_allowed_list:/ { print $2 }' /proc/self/status |
	tr ',-' '\n\n' | sort -n | tail -n 1)
pin_cpu=${BENCH_CAPTURE_CPU:-${last_cpu:-0}}
if [ "$pin_cpu" != none ] && command -v taskset >/dev/null 2>&1; then
	B_PIN="taskset -c $pin_cpu"
	B_PIN_WHY="workloads pinned to CPU $pin_cpu (BENCH_CAPTURE_CPU=none: not)"
else
	B_PIN_WHY="workloads not pinned"
fi
echo "($B_PIN_WHY)"
status=0
workloads=churn
[ $hugetlb = yes ] && workloads="hugetlb unshared churn"
for wl in $workloads; do
	case $wl in
	hugetlb) echo "seed 000 loop: hugetlb_fault_loop $HFL_ARGS $B_HFL_OPTS$B_HFL_WHY" ;;
	unshared) echo "the same below a PUD, no pmd sharing:" \
		"hugetlb_fault_loop -p $PROCS -t $SECONDS_RUN -s $UNSHARED_PAGES $B_HFL_OPTS" ;;
	churn) echo "mmap_churn $CHURN_ARGS" ;;
	esac
	pair=1
	while [ $pair -le "$PAIRS" ]; do
		if [ $((pair % 2)) -eq 1 ]; then
			order="detached attached"
		else
			order="attached detached"
		fi
		for mode in $order; do
			one_run "$wl" "$mode" || status=1
		done
		pair=$((pair + 1))
	done
	if [ -s "$T/rates.$wl.detached" ] && [ -s "$T/rates.$wl.attached" ]; then
		md=$(median "$T/rates.$wl.detached")
		ma=$(median "$T/rates.$wl.attached")
		ratios=$(awk '{ r[$1, $2] = $3; p[$1] = 1 }
			END { for (i in p) if (r[i, "detached"] && r[i, "attached"])
				printf "%.3f\n", r[i, "attached"] / r[i, "detached"] }' \
			"$T/pairs.$wl" | sort -n | tr '\n' ' ')
		echo "  median: detached $md (runs $(spread "$T/rates.$wl.detached")), " \
			"attached $ma (runs $(spread "$T/rates.$wl.attached"))"
		echo "  attached/detached: $(calc "$ma / $md") (target >=" \
			"$TARGET_RATIO); per pair, sorted: $ratios"
		busy=$(awk '$4 >= 0.25 { n++ } END { print n + 0 }' "$T/pairs.$wl")
		[ "$busy" -gt 0 ] &&
			echo "  NOTE: in $busy of $(wc -l <"$T/pairs.$wl") runs other" \
				"processes used >= 0.25 CPU: the machine was shared"

	fi
done
[ $hugetlb = yes ] || echo "seed 000 loop: not run: $hugetlb_why"

# ---------------------------------------------------------------------------
# d. What BPF takes of the workload's CPU, attached: perf samples of the CPU
# the workload is pinned to, each counted once by its kernel call chain: in
# a lockgraph program (a bpf_prog_ frame, helpers such as the task storage
# lookup included), else in the tracepoints' BPF dispatch (bpf_trace_run*,
# __bpf_trace_*, __traceiter_*, the mmap_lock tracepoints' out-of-line
# callers: what even an empty program pays), else lockgraphd itself if it
# ran there.  Unlike part b's ratios it does not depend on how fast the
# other CPU answers the workload's IPIs, only on how much of the workload's
# own time is spent there.
echo
echo "-- d. BPF's share of the workload's CPU, attached (perf record -g" \
	"on the pinned CPU) --"
# classify: perf script -F comm,ip,sym blocks on stdin -> one summary line.
classify() {
	awk 'BEGIN { RS = ""; FS = "\n" }
	{
		n++
		split($1, h, " ")
		if (h[1] == "lockgraphd") { d++; next }
		prog = ""
		t = 0
		for (i = 2; i <= NF; i++) {
			s = $i
			sub(/^[ \t]*[0-9a-f]+ /, "", s)
			if (s ~ /^bpf_prog_/ && prog == "")
				prog = s
			else if (s ~ /^(bpf_trace_run[0-9]+|__bpf_trace_|__traceiter_|__mmap_lock_do_trace_)/)
				t = 1
		}
		if (prog != "") {
			np++
			sub(/^bpf_prog_[0-9a-f]+_/, "", prog)
			per[prog]++
		} else if (t) {
			nt++
		}
	}
	END {
		if (!n) {
			print "  no samples"
			exit
		}
		printf "  %d samples: lockgraph programs %.2f%%, tracepoint" \
		       " dispatch %.2f%%, together %.2f%%; lockgraphd %.2f%%\n",
		       n, 100 * np / n, 100 * nt / n, 100 * (np + nt) / n,
		       100 * d / n
		line = ""
		for (k = 0; k < 5; k++) {
			best = ""
			for (p in per)
				if (best == "" || per[p] > per[best])
					best = p
			if (best == "")
				break
			line = line sprintf("%s%s %.2f%%", line == "" ? "" : ", ",
					    best, 100 * per[best] / n)
			delete per[best]
		}
		if (line != "")
			print "  programs: " line
	}'
}
d_why=
if ! command -v perf >/dev/null 2>&1; then
	d_why="perf is not installed (linux-perf)"
elif [ -z "$B_PIN" ]; then
	d_why="the workloads are not pinned ($B_PIN_WHY)"
elif [ "$SECONDS_RUN" -lt 2 ]; then
	d_why="BENCH_CAPTURE_SECONDS is below 2"
fi
if [ -n "$d_why" ]; then
	echo "skipped: $d_why"
else
	for wl in $workloads; do
		if ! start_daemon "$T/d.db" "$T/d.log" --flush-ms 1000; then
			echo "  $wl: $why"
			status=1
			continue
		fi
		# from 0.5 s into the run, for all but its last half second
		(sleep 0.5 && exec perf record -q -C "$pin_cpu" -g \
			-o "$T/perf.$wl" -- sleep $((SECONDS_RUN - 1)) \
			>"$T/perf.$wl.log" 2>&1) &
		ppid_d=$!
		run_workload "$wl" "$T/d-run.out" "$B_HFL_OPTS" "$B_PIN"
		ok=$?
		wait "$ppid_d"
		prc=$?
		stop_daemon
		echo "$wl (attached, ${rate:-?} $unit):"
		if [ $ok -ne 0 ]; then
			echo "  workload failed: $(tail -n 1 "$T/d-run.out")"
			status=1
		elif [ $prc -ne 0 ]; then
			echo "  perf record failed: $(tail -n 1 "$T/perf.$wl.log")"
			status=1
		else
			perf script -i "$T/perf.$wl" -F comm,ip,sym 2>/dev/null |
				classify
		fi
	done
fi
exit $status
