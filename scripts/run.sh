#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# `make run`: the main job.  Until lockgraphd exists (issue: capture), the
# main job feeds the shipped real inputs into the daemon's database and
# shows what lockgraph makes of them: the khugepaged report of seed 003 and
# a /proc/lockdep dump from a 6.1 lockdep kernel after the seed 000 loop.
# Usage: scripts/run.sh path/to/lockgraph
set -eu
LG=$1
cd "$(dirname "$0")/.."
DB=${LOCKGRAPH_DB:-/var/lib/lockgraph/lockgraph.db}
if [ -z "${LOCKGRAPH_DB:-}" ] && ! mkdir -p "$(dirname "$DB")" 2>/dev/null; then
	DB=$PWD/lockgraph.db
	echo "run: cannot create /var/lib/lockgraph (not root?): using $DB"
fi
echo "run: database $DB"
"$LG" --db "$DB" ingest --host example --boot seed-003 \
	tests/corpus/seed-003-khugepaged.txt
"$LG" --db "$DB" ingest --host lockdep-guest --boot lockdep-6.1.192-hugetlb \
	tests/corpus/proc_lockdep/lockdep-6.1.192-hugetlb.txt
echo
"$LG" --db "$DB" cycles
"$LG" --db "$DB" report 1
echo
echo "Query it yourself:"
echo "  $LG --db $DB classes"
echo "  $LG --db $DB edges --from '&mm->mmap_lock'"
echo "  $LG --db $DB path '&mm->mmap_lock' fs_reclaim"
echo "  $LG --db $DB -j cycles"
echo "  $LG --db $DB export --format dot | dot -Tsvg > graph.svg"
