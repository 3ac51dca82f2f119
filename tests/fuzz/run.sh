#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Run libFuzzer targets: tests/fuzz/run.sh SECONDS FUZZER...
#
# Each FUZZER (build-fuzz/fuzz_NAME) runs for SECONDS on a copy of its seed
# corpus tests/fuzz/corpus/NAME, in a temporary directory, so the corpus in
# the repository is never changed.  Crash, leak, timeout and OOM inputs are
# copied to tests/fuzz/crashes/NAME/ (turn them into regression inputs under
# tests/corpus/regress/NAME/).  Prints one summary line per fuzzer and exits
# non-zero when any fuzzer failed or found something.
set -u
cd "$(dirname "$0")/../.." || exit 1

if [ $# -lt 2 ]; then
	echo "usage: $0 SECONDS FUZZER..." >&2
	exit 2
fi
seconds=$1
shift
case "$seconds" in
'' | *[!0-9]*)
	echo "run.sh: SECONDS must be a number, not '$seconds'" >&2
	exit 2
	;;
esac

work=$(mktemp -d "${TMPDIR:-/tmp}/lockgraph-fuzz.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT INT TERM

status=0
for fuzzer in "$@"; do
	base=$(basename "$fuzzer")
	name=${base#fuzz_}
	seeds=tests/fuzz/corpus/$name
	if [ ! -x "$fuzzer" ]; then
		echo "FAIL $base: $fuzzer is not built"
		status=1
		continue
	fi
	mkdir -p "$work/$name/corpus" "$work/$name/artifacts"
	if [ -d "$seeds" ]; then
		cp -R "$seeds/." "$work/$name/corpus/"
	else
		echo "note $base: no seed corpus $seeds"
	fi
	log=$work/$name/log
	"$fuzzer" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 \
		-max_len=131072 -print_final_stats=1 \
		-artifact_prefix="$work/$name/artifacts/" \
		"$work/$name/corpus" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)
	cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' "$log" | tail -n 1)
	found=$(find "$work/$name/artifacts" -type f | wc -l)
	if [ "$rc" -ne 0 ] || [ "$found" -ne 0 ]; then
		status=1
		mkdir -p "tests/fuzz/crashes/$name"
		cp "$work/$name/artifacts/"* "tests/fuzz/crashes/$name/" 2>/dev/null
		echo "FAIL $base: exit $rc, $found crash input(s) copied to tests/fuzz/crashes/$name/"
		grep -m 1 -A 12 'ERROR: \|runtime error\|deadly signal\|Timeout\|out-of-memory' "$log"
	else
		echo "ok   $base: ${runs:-?} runs in ${seconds}s, cov ${cov:-?}, no crashes"
	fi
done
exit $status
