#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Run every unit test binary (cmocka) and the CLI golden tests for each build
# directory given (build, build-asan), the live capture, service and install
# tests and the QEMU guest tests once, then print one summary line:
#   "tests: N passed, N failed, N skipped"
# Exits non-zero when anything failed.
set -u
cd "$(dirname "$0")/.."
passed=0 failed=0 skipped=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# tap LABEL COMMAND...: a script printing ok/not ok/skip lines; count them.
# A script that exits non-zero (it stopped on an error, before the lines
# it would have printed) is one failure more, and so is one that printed
# no line at all.
tap() {
	label=$1
	echo "== $label"
	shift
	"$@" >"$log" 2>&1
	rc=$?
	cat "$log"
	p=$(grep -c '^ok ' "$log") f=$(grep -c '^not ok ' "$log") s=$(grep -c '^skip ' "$log")
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	if [ $rc -ne 0 ]; then
		echo "FAIL: $label: $1 exited $rc"
		failed=$((failed + 1))
	elif [ $((p + f + s)) -eq 0 ]; then
		echo "FAIL: $label: $1 printed no ok, not ok or skip line"
		failed=$((failed + 1))
	fi
}

count() { # $1 = label, output in $log
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
	s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
}

for build in "$@"; do
	echo "== unit tests ($build)"
	for t in "$build"/tests/test_*; do
		case "$t" in *.o | *.d) continue ;; esac
		[ -x "$t" ] || continue
		"$t" >"$log" 2>&1
		rc=$?
		cat "$log"
		count
		# cmocka exits non-zero for a failed test (counted above) and
		# for what no count says: a failed group setup, a crash.
		if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
			echo "FAIL: $t exited $rc with no failed test counted"
			failed=$((failed + 1))
		elif [ $rc -eq 0 ] && [ $((p + s)) -eq 0 ]; then
			echo "FAIL: $t ran no test"
			failed=$((failed + 1))
		fi
	done
	tap "CLI golden tests ($build)" tests/cli/run.sh "$build/lockgraph"
done
# The live capture test needs the real kernel and BPF: run it once, with
# the first build (it skips, saying why, where it cannot run).
tap "live capture test ($1)" tests/live/run.sh "$1/lockgraphd" "$1/lockgraph"
# The service as its unit runs it, and the installed tree: once too.
tap "kernel without BTF ($1)" tests/live/no-btf.sh "$1/lockgraphd"
tap "service test ($1)" tests/live/service.sh "$1/lockgraphd" "$1/lockgraph"
tap "install test ($1)" tests/install/run.sh "$1"
# The QEMU guest tests (real kernels; skip, saying why, where no kernel
# image or QEMU is found): once, with the first build's static binaries.
tap "guest tests ($1)" tests/vm/run.sh "$1"
# The libFuzzer targets over their corpora, each input once (make test
# builds them in build-fuzz).
tap "fuzz targets over their corpora" tests/fuzz/corpora.sh build-fuzz
tap "early attach in a guest ($1)" tests/install/guest-boot.sh "$1"
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
