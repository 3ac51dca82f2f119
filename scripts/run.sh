#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# `make run`: the main job.  Starts lockgraphd in the foreground on this
# host with the default database (LOCKGRAPH_DB to change it) until Ctrl-C,
# then shows what it recorded.  Needs root (CAP_BPF, CAP_PERFMON).
# Usage: scripts/run.sh path/to/lockgraphd path/to/lockgraph [lockgraphd options]
set -u
LGD=$1
LG=$2
shift 2
DB=${LOCKGRAPH_DB:-/var/lib/lockgraph/lockgraph.db}
cat <<TXT
run: lockgraphd writes $DB; stop it with Ctrl-C (or pass --duration S).
run: meanwhile, from another shell:
  $LG --db $DB status      # sources loaded (and why not), events, drops
  $LG --db $DB top         # lock contention per class
  $LG --db $DB edges --from '&mm->mmap_lock'
  $LG --db $DB cycles      # then: $LG --db $DB report ID
TXT
"$LGD" --db "$DB" "$@"
rc=$?
[ $rc -eq 0 ] && "$LG" --db "$DB" status
exit $rc
