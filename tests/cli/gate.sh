# SPDX-License-Identifier: GPL-2.0-only
#
# The CI gate (check, diff), fleet merge and whatif, on real databases: the
# seed 003 ingest ($DB), the 6.1 guest's /proc/lockdep, the live stream
# recorded on this machine's kernel replayed by lockgraphd, and the real
# report corpus ($CDB).  Sourced by tests/cli/run.sh, which provides $LG,
# $T, $DB, $SEED, golden, expect_exit, ok, fail, skip and dump.

# check_exit CODE WHAT CMD...: the command exits CODE; output kept in $T/out.
check_exit() {
	code=$1 what=$2
	shift 2
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ $rc -eq "$code" ]; then
		ok "$what: exit $rc"
	else
		sed 's/^/#   /' "$T/out" | head -40
		sed 's/^/#   /' "$T/err"
		fail "$what: exit $rc, wanted $code"
	fi
}

# has WHAT PATTERN: $T/out has a line matching PATTERN.
has() {
	if grep -Eq -- "$2" "$T/out"; then
		ok "$1"
	else
		sed 's/^/#   /' "$T/out" | head -40
		fail "$1 (no line matching '$2')"
	fi
}

# The database contents without the merge records (their times differ).
data() { sqlite3 "$1" .dump | grep -v '^INSERT INTO merges ' | md5sum; }

PROC=tests/corpus/proc_lockdep/lockdep-6.1.192-hugetlb.txt
PDB=$T/proc.db
"$LG" --db "$PDB" ingest --host guest-6.1 "$PROC" >/dev/null 2>"$T/err" ||
	{ cat "$T/err"; fail "ingest of $PROC for the gate tests"; }
LGD=$(dirname "$LG")/lockgraphd
REC=tests/fuzz/corpus/replay/live-6.18-mmap-churn.rec
RDB=$T/replay.db
replay=no
if [ -x "$LGD" ] && "$LGD" --replay "$REC" --db "$RDB" 2>"$T/replay.log"; then
	replay=yes
	# Stacks are kept only on the boot that recorded the stream.
	grep -q "stacks are not kept" "$T/replay.log" && stacks=no || stacks=yes
	# Written with a rollback journal (a new file), left in WAL mode
	# with the -wal and -shm that readers without write access need
	# (looked at first: sqlite3(1), the last to close, removes them).
	if [ -e "$RDB-wal" ] && [ -e "$RDB-shm" ] && [ ! -e "$RDB-journal" ] &&
		[ "$(sqlite3 "$RDB" 'PRAGMA journal_mode')" = wal ]; then
		ok "a replay into a new database leaves it in WAL mode, -wal and -shm kept"
	else
		fail "a replay into a new database leaves it in WAL mode, -wal and -shm kept ($(sqlite3 "$RDB" 'PRAGMA journal_mode'); $(ls "$RDB"*))"
	fi
elif [ -x "$LGD" ]; then
	# A replay needs no privilege and no BPF: its failure is a failure.
	sed 's/^/# /' "$T/replay.log"
	fail "lockgraphd --replay $REC (the replayed live database; every test of it below is left out)"
else
	skip "the replayed live database (no $LGD: make $LGD)"
fi

# --- check -------------------------------------------------------------
golden check-same "$LG" --db "$DB" check --baseline "$DB"
golden diff-same "$LG" diff "$DB" "$DB"
if [ $replay = yes ]; then
	# The seed's circle is new against the live graph: a lockdep-style
	# report of it and its four dependencies, exit 1.
	golden check-new-cycle "$LG" --db "$DB" check --baseline "$RDB"
	golden check-new-cycle-json "$LG" --db "$DB" -j check --baseline "$RDB"
	check_exit 1 "check: new cycle fails --fail-on cycle" \
		"$LG" --db "$DB" check --baseline "$RDB" --fail-on cycle
	check_exit 1 "check: the live run has new dependencies against the seed" \
		"$LG" --db "$RDB" check --baseline "$DB"
	has "check: new dependency &mm->mmap_lock -> fs_reclaim listed with its modes" \
		'^  &mm->mmap_lock -> fs_reclaim \[W->W,r->W\], seen [0-9]+ times? by '
	if [ $stacks = yes ]; then
		has "check: the new dependency's stack (page fault under mmap_lock)" \
			'^       exc_page_fault\+0x'
	else
		has "check: a new dependency replayed on another boot says it has no stack" \
			'^       \(no stack recorded\)'
	fi
	check_exit 0 "check: new dependencies but no new cycle pass --fail-on cycle" \
		"$LG" --db "$RDB" check --baseline "$DB" --fail-on cycle
	"$LG" --db "$RDB" -j check --baseline "$DB" >"$T/out" 2>&1
	has "check -j: three new edges, verdict found, exit 1" \
		'"new_edges":\[\{"from":"&mm->mmap_lock","to":"fs_reclaim","modes":"W->W,r->W","baseline_modes":null,"new_modes":"W->W,r->W".*\],"run_boots":1,"drops":\[\],"missing_sources":\[\],"verdict":"found","exit":1\}$'
	# The guest's /proc/lockdep has no probe source: context, which
	# loaded for the live baseline, is missing from the run.
	check_exit 2 "check: a probe source of the baseline missing from the run is inconclusive" \
		"$LG" --db "$PDB" check --baseline "$RDB" --fail-on cycle,drops
	has "check: names the missing source" \
		'^inconclusive: probe source context loaded on a baseline boot but on no boot of the run$'
	"$LG" --db "$PDB" -j check --baseline "$RDB" --fail-on cycle --fail-on drops >"$T/out" 2>&1
	has "check -j: missing source, verdict inconclusive, exit 2" \
		'"fail_on":\["cycle","drops"\].*"missing_sources":\["context"\],"verdict":"inconclusive","exit":2\}$'
	check_exit 0 "check: --fail-on cycle ignores the missing source" \
		"$LG" --db "$PDB" check --baseline "$RDB" --fail-on cycle
	golden diff-seed-live "$LG" diff "$DB" "$RDB"
	golden diff-seed-live-json "$LG" -j diff "$DB" "$RDB"
fi
if [ -n "${CDB:-}" ] && [ -f "$CDB" ]; then
	# The guest's graph has no cycle and neither has the run against an
	# empty baseline; together with the corpus, its edges close circles.
	check_exit 1 "check: circles closed by run edges with baseline edges" \
		"$LG" --db "$PDB" check --baseline "$CDB" --fail-on cycle
	ncross=$(grep -c '^new cycle: ' "$T/out")
	if [ "$ncross" -gt 0 ] && [ "$("$LG" --db "$PDB" -j cycles)" = "[]" ] &&
		[ "$(grep -c '^(closed by run edges with baseline edges: stored in neither database)$' "$T/out")" = "$ncross" ]; then
		ok "check: $ncross circles in neither database alone reported, each as a lockdep report ($(grep -c '^WARNING: possible circular locking' "$T/out"))"
	else
		fail "check: circles across baseline and run ($ncross, guest alone: $("$LG" --db "$PDB" -j cycles | cut -c1-80))"
	fi
fi
# A run's circle missing from its own cycles table (a search cut short):
# not blamed on the baseline.
cp "$DB" "$T/nocycles.db"
sqlite3 "$T/nocycles.db" 'DELETE FROM cycle_edges; DELETE FROM cycles'
check_exit 1 "check: a circle of run edges the run did not store" \
	"$LG" --db "$T/nocycles.db" check --baseline "$PDB" --fail-on cycle
if grep -q "^(every edge is the run's, but its own search did not store it)$" "$T/out" &&
	! grep -q "^(closed by run edges with baseline edges" "$T/out"; then
	ok "check: a circle of the run's own edges is not said to need the baseline's"
else
	sed 's/^/# /' "$T/out" | head -20
	fail "check: a circle of the run's own edges is not said to need the baseline's"
fi
expect_exit 3 "check: a missing baseline is an error, exit 3" \
	"$T/nope.db: No such file or directory" \
	"$LG" --db "$DB" check --baseline "$T/nope.db"
expect_exit 3 "check: a baseline that is not lockgraph's, exit 3" \
	"$T/other.db: not a lockgraph database" \
	"$LG" --db "$DB" check --baseline "$T/other.db"
expect_exit 4 "check: an unknown --fail-on finding is usage, exit 4" \
	"unknown finding 'frob'" "$LG" --db "$DB" check --baseline "$DB" --fail-on cycle,frob
expect_exit 4 "check: no --baseline is usage, exit 4" "need --baseline" \
	"$LG" --db "$DB" check
expect_exit 3 "diff: a missing database, exit 3" "$T/nope.db: No such file" \
	"$LG" diff "$DB" "$T/nope.db"
expect_exit 4 "diff: one database is usage, exit 4" "need two databases" \
	"$LG" diff "$DB"
if "$LG" --help >"$T/o" &&
	grep -q '^  check:  0 clean, 1 new cycle or dependency, 2 inconclusive' "$T/o"; then
	ok "--help gives the gate's exit codes"
else
	fail "--help gives the gate's exit codes"
fi

# --- merge -------------------------------------------------------------
M=$T/merged.db
if [ $replay = yes ]; then
	golden merge "$LG" merge "$M" "$DB" "$RDB" "$PDB"
	before=$(dump "$M")
	"$LG" merge "$M" "$DB" "$RDB" "$PDB" >"$T/out" 2>&1
	if [ "$(grep -c 'already merged (merge #[123]); nothing changed$' "$T/out")" = 3 ] &&
		[ "$(dump "$M")" = "$before" ]; then
		ok "merge: the same inputs again change nothing"
	else
		cat "$T/out"
		fail "merge: the same inputs again change nothing"
	fi
	# Not only because the inputs are remembered: merging the merged
	# database into a new one, then the inputs, gives the same data.
	"$LG" merge "$T/again.db" "$M" >/dev/null &&
		"$LG" merge "$T/again.db" "$DB" "$RDB" "$PDB" >"$T/out" 2>&1
	if [ "$(data "$T/again.db")" = "$(data "$M")" ] &&
		[ "$(grep -c 'added 0 classes, 0 edges, 0 cycles' "$T/out")" = 3 ]; then
		ok "merge: re-merging inputs already in a merged database changes no data"
	else
		cat "$T/out"
		fail "merge: re-merging inputs already in a merged database changes no data"
	fi
	"$LG" --db "$M" -j edges --from '&mm->mmap_lock' --to fs_reclaim >"$T/out"
	# The live boot saw it twice, the 6.1 guest's /proc/lockdep once.
	has "merge: an edge keeps the hosts and boots that saw it" \
		'"modes":"W->W,r->W","count":3,"boots":2,"hosts":2,'
	# A later copy of the same boot (the capture ran on: every count of
	# that boot doubled) replaces the counts of that boot instead of
	# adding to them.  (Replaying the stream into the copy again is
	# refused: its sightings would count twice.)
	cp "$RDB" "$T/later.db"
	before=$(dump "$T/later.db")
	"$LGD" --replay "$REC" --db "$T/later.db" 2>"$T/err"
	rc=$?
	if [ $rc -eq 1 ] && grep -q "already has [0-9]* events in $T/later.db" "$T/err" &&
		[ "$(dump "$T/later.db")" = "$before" ]; then
		ok "replay into a database that has the boot's events: refused, unchanged"
	else
		sed 's/^/# /' "$T/err"
		fail "replay into a database that has the boot's events: refused, unchanged (exit $rc)"
	fi
	head -c $(($(stat -c %s "$REC") - 100)) "$REC" >"$T/cut.rec"
	# ... nor migrates a database of an older schema (version 3 here).
	cat schema/001_initial.sql schema/002_boot_sources.sql \
		schema/003_merges.sql | sqlite3 "$T/v3.db"
	sqlite3 "$T/v3.db" "PRAGMA user_version = 3; PRAGMA application_id = $((0x4c4b4752));"
	"$LGD" --replay "$T/cut.rec" --db "$T/v3.db" 2>"$T/err"
	rc=$?
	if [ $rc -eq 1 ] && grep -q "byte offset" "$T/err" &&
		[ "$(sqlite3 "$T/v3.db" 'PRAGMA user_version')" = 3 ]; then
		ok "a truncated recording into a schema 3 database: refused, not migrated"
	else
		sed 's/^/# /' "$T/err"
		fail "a truncated recording into a schema 3 database: refused, not migrated (exit $rc)"
	fi
	# A refused recording leaves no database behind where there was none.
	"$LGD" --replay "$T/cut.rec" --db "$T/cut.db" 2>"$T/err"
	rc=$?
	if [ $rc -eq 1 ] && grep -q "byte offset" "$T/err" && [ ! -e "$T/cut.db" ] &&
		[ ! -e "$T/cut.db-wal" ]; then
		ok "a truncated recording: refused with its offset, no database made"
	else
		sed 's/^/# /' "$T/err"
		fail "a truncated recording: refused with its offset, no database made (exit $rc)"
	fi
	# ... and an existing empty file stays empty.
	: >"$T/empty.db"
	"$LGD" --replay "$T/cut.rec" --db "$T/empty.db" 2>"$T/err"
	rc=$?
	if [ $rc -eq 1 ] && grep -q "byte offset" "$T/err" &&
		[ "$(stat -c %s "$T/empty.db")" = 0 ] && [ ! -e "$T/empty.db-wal" ]; then
		ok "a truncated recording into an empty file: refused, the file still empty"
	else
		sed 's/^/# /' "$T/err"
		fail "a truncated recording into an empty file: refused, the file still empty (exit $rc, $(stat -c %s "$T/empty.db") bytes)"
	fi
	# Another program holding the write lock past SQLite's 5 s: waited for.
	cp "$PDB" "$T/busy.db"
	(echo 'BEGIN IMMEDIATE;'; sleep 8; echo 'COMMIT;') | sqlite3 "$T/busy.db" &
	holder=$!
	sleep 1
	"$LGD" --replay "$REC" --db "$T/busy.db" 2>"$T/err"
	rc=$?
	wait $holder
	if [ $rc -eq 0 ] && grep -q "another program is writing it: waiting" "$T/err" &&
		[ "$(sqlite3 "$T/busy.db" 'SELECT count(*) FROM boot_sources WHERE events > 0')" -gt 0 ]; then
		ok "replay while another program holds the write lock for 7 s more: waits, then lands"
	else
		sed 's/^/# /' "$T/err"
		fail "replay while another program holds the write lock for 7 s more (exit $rc)"
	fi
	sqlite3 "$T/later.db" 'UPDATE edge_boots SET count = 2 * count;
		UPDATE edges SET count = 2 * count;
		UPDATE chains SET count = 2 * count;
		UPDATE boot_sources SET events = 2 * events;
		UPDATE boots SET last_seen = last_seen + 60;'
	"$LG" merge "$M" "$T/later.db" >/dev/null
	"$LG" --db "$M" -j edges --from '&mm->mmap_lock' --to fs_reclaim >"$T/out"
	has "merge: a later copy of a boot replaces its count (4 + 1 sightings, not 2 + 4 + 1)" \
		'"count":5,"boots":2,"hosts":2,'
	"$LG" --db "$M" status >"$T/out"
	has "merge: status lists the boots of every host" \
		'^boot ingest:67231:[0-9a-f]+ on guest-6.1 '
	before=$(dump "$M")
	expect_fail "merge: an input that is not lockgraph's" \
		"$T/other.db: not a lockgraph database" "$LG" merge "$M" "$T/other.db"
	expect_fail "merge: an input with a newer schema" \
		"$T/newer.db: schema version 99 is newer" "$LG" merge "$M" "$T/newer.db"
	expect_fail "merge: the output as its own input" "is the output database" \
		"$LG" merge "$M" "$M"
	if [ "$(dump "$M")" = "$before" ]; then
		ok "merge: the output unchanged after every refused input"
	else
		fail "merge: the output unchanged after every refused input"
	fi
fi
if [ -n "${CDB:-}" ] && [ -f "$CDB" ]; then
	"$LG" -j merge "$T/fleet.db" "$CDB" "$PDB" >"$T/out" 2>&1
	has "merge: the guest's /proc/lockdep closes circles with the corpus" \
		'"file":"[^"]*proc.db","merge":2,"already_merged":false,.*"cycles_added":[1-9]'
	cross=$(sqlite3 "$T/fleet.db" "SELECT count(*) FROM cycles c WHERE
		(SELECT count(DISTINCT b.host_id) FROM cycle_edges ce
		 JOIN edge_boots eb ON eb.edge_id = ce.edge_id
		 JOIN boots b ON b.id = eb.boot_id WHERE ce.cycle_id = c.id) > 1")
	if [ "${cross:-0}" -gt 0 ]; then
		ok "merge: $cross cycles have edges seen on two hosts"
	else
		fail "merge: no cycle has edges seen on two hosts"
	fi
fi

# --- whatif ------------------------------------------------------------
# hugetlbfs_file_mmap takes the inode lock under mmap_lock.
golden whatif-inode-mmap "$LG" --db "$PDB" whatif \
	--holding '&sb->s_type->i_mutex_key#6' --acquire '&mm->mmap_lock'
# The documented order is fault_mutex -> vma_lock -> i_mmap_rwsem.
golden whatif-i_mmap-vma "$LG" --db "$PDB" whatif \
	--holding '&hugetlbfs_i_mmap_rwsem_key' --acquire '&vma_lock->rw_sema'
check_exit 1 "whatif: readers both ways still close the circle (rwsem readers wait for writers)" \
	"$LG" --db "$PDB" whatif --holding '&hugetlbfs_i_mmap_rwsem_key:r' \
	--acquire '&vma_lock->rw_sema:r'
check_exit 0 "whatif: the documented order closes no circle" \
	"$LG" --db "$PDB" whatif --holding '&vma_lock->rw_sema:r' \
	--acquire '&hugetlbfs_i_mmap_rwsem_key:r'
has "whatif: says so" '^no circle: taking &hugetlbfs_i_mmap_rwsem_key \(read\) while holding &vma_lock->rw_sema \(read\)'
"$LG" --db "$PDB" -j whatif --holding '&sb->s_type->i_mutex_key#6:w' \
	--acquire '&mm->mmap_lock:r' >"$T/out"
has "whatif -j: the circle's classes in order" \
	'^\{"holding":\{"class":"&sb->s_type->i_mutex_key#6","mode":"W"\},"acquire":\{"class":"&mm->mmap_lock","mode":"r"\},"would_close":true,"observed":false,"classes":\["&mm->mmap_lock","&sb->s_type->i_mutex_key#6"\],"report":"'
# On the seed: the report's own closing dependency, with lockdep's stacks.
check_exit 1 "whatif: khugepaged's rlock(i_mmap_rwsem) under fs_reclaim" \
	"$LG" --db "$DB" whatif --holding fs_reclaim --acquire '&mapping->i_mmap_rwsem:r'
has "whatif: the observed edges' stacks are printed" '^       move_page_tables\+0x2c9/0x5ac$'
has "whatif: the asked-for acquisition comes last, read" '^  rlock\(&mapping->i_mmap_rwsem\);$'
has "whatif: an asked-for dependency seen already says so, with its own stack" \
	'^  fs_reclaim -> &mapping->i_mmap_rwsem \[W->r\]: asked about; already seen as W->r: 1 time'
has "whatif: ... taken by khugepaged" '^khugepaged/43 is trying to acquire lock:$'
if [ $replay = yes ]; then
	check_exit 1 "whatif: taking mmap_lock in reclaim (the MGLRU blind spot) on the live graph" \
		"$LG" --db "$RDB" whatif --holding fs_reclaim --acquire '&mm->mmap_lock:r'
	has "whatif: the live edge and where it was seen" \
		'^  &mm->mmap_lock -> fs_reclaim \[W->W,r->W\]: 2 times, first .*; seen on host [^ ]+ boot '
fi
check_exit 1 "whatif: a write lock taken twice is recursive locking" \
	"$LG" --db "$DB" whatif --holding fs_reclaim --acquire fs_reclaim
check_exit 0 "whatif: a reader re-taking it as a recursive reader is allowed" \
	"$LG" --db "$DB" whatif --holding fs_reclaim:r --acquire fs_reclaim:R
expect_exit 3 "whatif: an unknown class is an error, exit 3" \
	"no lock class named 'nope'" "$LG" --db "$DB" whatif --holding nope --acquire fs_reclaim
expect_exit 4 "whatif: no --acquire is usage, exit 4" "need --holding" \
	"$LG" --db "$DB" whatif --holding fs_reclaim

# --- chains, on the replayed live database ---------------------------------
if [ $replay = yes ]; then
	check_exit 0 "chains: the replayed live run's chains" "$LG" --db "$RDB" chains
	has "chains: held -> acquired with its count and depth, most seen first" \
		'^ +2 +1  [0-9-]+ [0-9:]+  &mm->mmap_lock -> fs_reclaim$'
	nlines=$(tail -n +2 "$T/out" | wc -l)
	rows=$(sqlite3 "$RDB" 'SELECT count(*) FROM chains')
	[ "$nlines" = "$rows" ] && ok "chains: one line per row of the table ($rows)" ||
		fail "chains: one line per row of the table ($nlines lines, $rows rows)"
	"$LG" --db "$RDB" -j chains --class '&mm->mmap_lock/1' >"$T/out" 2>&1
	grep -o '"classes":\[[^]]*\]' "$T/out" >"$T/arrays"
	if [ "$(wc -l <"$T/arrays")" = 2 ] &&
		[ "$(grep -c '"&mm->mmap_lock/1"' "$T/arrays")" = 2 ]; then
		ok "chains -j --class: the 2 chains holding or taking &mm->mmap_lock/1, classes as an array"
	else
		sed 's/^/#   /' "$T/out"
		fail "chains -j --class: the 2 chains holding or taking &mm->mmap_lock/1"
	fi
	check_exit 0 "chains --class --limit" "$LG" --db "$RDB" chains --class fs_reclaim --limit 1
	[ "$(tail -n +2 "$T/out" | wc -l)" = 1 ] && ok "chains --limit 1: one chain" ||
		fail "chains --limit 1: $(cat "$T/out")"
fi
expect_exit 1 "chains: an unknown class is an error" \
	"no lock class named 'nope'" "$LG" --db "$DB" chains --class nope
expect_exit 2 "chains: --limit 0 is usage" "is not a positive number" \
	"$LG" --db "$DB" chains --limit 0
