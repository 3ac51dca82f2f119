#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# bench/run.sh BUILD_DIR: run the benchmarks built in BUILD_DIR (`make bench`
# does `bench/run.sh build`), after a header naming the machine.  Extra
# arguments for a benchmark go in BENCH_ANALYZER_ARGS / BENCH_INGEST_ARGS /
# BENCH_REPLAY_ARGS; bench_capture.sh (live BPF capture: root only, else it
# says it skipped) takes BENCH_CAPTURE_* variables (see the script).
#
# The benchmarks only print timings; the exit status is non-zero when one of
# them fails for a real reason (a missing binary, an error, a crash).

set -u

if [ $# -ne 1 ]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi
build=$1
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
cd "$root" || exit 1

cpu=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n 1)
[ -n "$cpu" ] || cpu=$(uname -m)
echo "== lockgraph benchmarks =="
echo "date:    $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "host:    $(uname -n)"
echo "kernel:  $(uname -srm)"
echo "cpu:     $cpu, $(nproc) online CPUs"
echo "memory:  $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
echo "commit:  $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
     "$(git -C "$root" status --porcelain 2>/dev/null | grep -q . && echo '(dirty tree)')"
load=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load:    $load (1/5/15 min; other work on the machine makes the tails noisy)"
echo "build:   $build ($("${CC:-gcc}" --version 2>/dev/null | head -n 1))"
echo

status=0
for b in bench_analyzer bench_ingest bench_replay bench_capture; do
	bin=$build/bench/$b
	[ $b = bench_capture ] && bin=$here/bench_capture.sh
	if [ ! -x "$bin" ]; then
		echo "$0: $bin not built" >&2
		status=1
		continue
	fi
	case $b in
	bench_analyzer) args=${BENCH_ANALYZER_ARGS:-} ;;
	bench_ingest) args="--lockgraph $build/lockgraph ${BENCH_INGEST_ARGS:-}" ;;
	bench_replay) args="--lockgraphd $build/lockgraphd ${BENCH_REPLAY_ARGS:-}" ;;
	bench_capture) args=$build ;;
	esac
	start=$(date +%s)
	# shellcheck disable=SC2086 # word splitting of args is wanted
	"$bin" $args
	rc=$?
	echo "-- $b: exit status $rc, $(($(date +%s) - start)) s --"
	echo
	[ $rc -eq 0 ] || status=1
done
exit $status
