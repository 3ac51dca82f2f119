#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Every libFuzzer target over its seed corpus (tests/fuzz/corpus/NAME) and
# its regression inputs (tests/corpus/regress/NAME), each input run once
# (-runs=0, no fuzzing): a crash, an abort, a leak or a sanitizer report
# is a failure.  Usage: tests/fuzz/corpora.sh FUZZ_BUILD_DIR
# Prints "ok N - ..." / "not ok N - ..." / "skip N - ..." lines.
set -u
cd "$(dirname "$0")/../.." || exit 1
dir=${1:-build-fuzz}
n=0
log=$(mktemp)
art=$(mktemp -d)
trap 'rm -rf "$log" "$art"' EXIT

for name in splat proc_lockdep replay; do
	n=$((n + 1))
	fuzzer=$dir/fuzz_$name
	if [ ! -x "$fuzzer" ]; then
		echo "skip $n - fuzz_$name over its corpus (no $fuzzer: make $fuzzer)"
		continue
	fi
	dirs=tests/fuzz/corpus/$name
	inputs=$(find "$dirs" -type f | wc -l)
	if [ -d "tests/corpus/regress/$name" ]; then
		dirs="$dirs tests/corpus/regress/$name"
		inputs=$((inputs + $(find "tests/corpus/regress/$name" -type f ! -name '.*' | wc -l)))
	fi
	# shellcheck disable=SC2086 # $dirs: the corpus directories
	# (a crashing input's copy goes to $art, not the working directory)
	if "$fuzzer" -runs=0 -artifact_prefix="$art/" $dirs >"$log" 2>&1 && grep -q '^Done [0-9]* runs' "$log"; then
		echo "ok $n - fuzz_$name over its corpus: $inputs inputs, $(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log") runs"
	else
		tail -n 30 "$log" | sed 's/^/# /'
		echo "not ok $n - fuzz_$name over its corpus ($inputs inputs)"
	fi
done
exit 0
