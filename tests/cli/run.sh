#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# CLI tests: golden outputs of every command on the seed 003 report, and the
# bad-input contract (one-line error naming the file, non-zero exit, database
# unchanged).  Usage: tests/cli/run.sh path/to/lockgraph
# Prints "ok N - what" / "not ok N - what" / "skip N - what (why)" lines.
# UPDATE_GOLDEN=1 rewrites the golden files instead of comparing.
set -u
LG=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cd "$(dirname "$0")/../.."
GOLDEN=tests/cli/golden
SEED=tests/corpus/seed-003-khugepaged.txt
T=$(mktemp -d /tmp/lg-cli.XXXXXX)
trap 'rm -rf "$T"' EXIT
n=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "skip $n - $1"; }

# Dates and ingest times change from run to run; nothing else may.
normalize() {
	sed -E -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}/DATE/g' \
		-e 's/"(first_seen|last_seen)":[0-9]+/"\1":T/g' \
		-e "s|$T|TMP|g"
}

# golden NAME CMD...: run, normalise, compare with $GOLDEN/NAME.
golden() {
	name=$1
	shift
	"$@" >"$T/out" 2>&1
	rc=$?
	normalize <"$T/out" >"$T/norm"
	echo "exit $rc" >>"$T/norm"
	if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
		cp "$T/norm" "$GOLDEN/$name"
		skip "golden $name (rewritten from this run: review the diff)"
	elif diff -u "$GOLDEN/$name" "$T/norm" >"$T/diff"; then
		ok "golden $name"
	else
		cat "$T/diff"
		fail "golden $name"
	fi
}

# expect_exit CODE WHAT PATTERN CMD...: exit CODE with one stderr line
# matching PATTERN.
expect_exit() {
	code=$1 what=$2 pattern=$3
	shift 3
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	lines=$(wc -l <"$T/err")
	if [ $rc -eq "$code" ] && [ "$lines" -eq 1 ] && grep -Eq -- "$pattern" "$T/err"; then
		ok "$what: $(cat "$T/err")"
	else
		echo "# exit $rc, stderr:"
		sed 's/^/#   /' "$T/err"
		fail "$what (wanted exit $code and one line matching '$pattern')"
	fi
}

# expect_fail WHAT PATTERN CMD...: exit 1 with one stderr line matching PATTERN.
expect_fail() {
	expect_exit 1 "$@"
}

dump() { sqlite3 "$1" .dump 2>&1 | md5sum; }

DB=$T/seed.db
mkdir -p "$GOLDEN"

# --- the seed 003 report, end to end -----------------------------------
golden ingest-003 "$LG" --db "$DB" ingest "$SEED"
golden classes "$LG" --db "$DB" classes
golden classes-json "$LG" --db "$DB" -j classes
golden edges "$LG" --db "$DB" edges
golden edges-json "$LG" --db "$DB" -j edges
golden edges-to "$LG" --db "$DB" edges --to fs_reclaim
golden cycles "$LG" --db "$DB" cycles
golden cycles-json "$LG" --db "$DB" -j cycles
golden report-1 "$LG" --db "$DB" report 1
golden path "$LG" --db "$DB" path '&mapping->i_mmap_rwsem' fs_reclaim
golden path-json "$LG" --db "$DB" -j path '&mapping->i_mmap_rwsem' fs_reclaim
golden export-dot "$LG" --db "$DB" export --format dot
golden export-json "$LG" --db "$DB" export --format json
golden show-cycle-1 "$LG" --db "$DB" show-cycle 1
golden show-cycle-1-json "$LG" --db "$DB" -j show-cycle 1
golden status "$LG" --db "$DB" status
golden status-json "$LG" --db "$DB" -j status
golden top "$LG" --db "$DB" top

# top's --sort and --boot on contention rows of three lockgraphd boots (what
# it stores per class and boot), written straight into the tables of the
# seed's database, whose own boot (an ingest) has none.  The four keys order
# the classes four ways; one boot id is a prefix of another (the exact one
# wins).
CDB=$T/contention.db
"$LG" --db "$CDB" ingest --boot 0000aaaa-0000-4000-8000-000000000000 "$SEED" >/dev/null 2>&1
if sqlite3 "$CDB" "
	INSERT INTO boots (host_id, boot_id, kernel, origin, sources, first_seen, last_seen)
	SELECT b.host_id, v.id, b.kernel, 'lockgraphd', NULL, b.first_seen, b.last_seen
	FROM boots b, (SELECT '1111aaaa-0000-4000-8000-000000000001' AS id
		       UNION ALL SELECT '1111bbbb-0000-4000-8000-000000000002'
		       UNION ALL SELECT '1111aaaa-0000-4000-8000-000000000001.2') v
	WHERE b.id = 1;
	INSERT INTO contention (class_id, boot_id, count, total_wait_ns, max_wait_ns)
	SELECT c.id, b.id, v.n, v.total, v.max
	FROM (SELECT '&mapping->i_mmap_rwsem' AS name, '1111aaaa-0000-4000-8000-000000000001' AS boot,
		     10 AS n, 5000 AS total, 4000 AS max
	      UNION ALL SELECT '&vma->vm_sequence', '1111aaaa-0000-4000-8000-000000000001', 100, 9500, 5000
	      UNION ALL SELECT 'fs_reclaim', '1111aaaa-0000-4000-8000-000000000001', 2, 9000, 8000
	      UNION ALL SELECT '&mapping->i_mmap_rwsem', '1111bbbb-0000-4000-8000-000000000002', 5, 1000, 900
	      UNION ALL SELECT 'fs_reclaim', '1111aaaa-0000-4000-8000-000000000001.2', 1, 100, 100) v
	JOIN classes c ON c.name = v.name JOIN boots b ON b.boot_id = v.boot;" 2>"$T/err"; then
	golden top-all "$LG" --db "$CDB" top
	golden top-sort-waits "$LG" --db "$CDB" top --sort waits
	golden top-sort-max-json "$LG" --db "$CDB" -j top --sort max --limit 2
	golden top-sort-avg "$LG" --db "$CDB" top --sort avg
	golden top-boot-prefix "$LG" --db "$CDB" top --boot 1111b
	golden top-boot-exact "$LG" --db "$CDB" top --boot 1111aaaa-0000-4000-8000-000000000001
	golden top-boot-longer "$LG" --db "$CDB" top --boot 1111aaaa-0000-4000-8000-000000000001.2
	golden top-boot-ingest "$LG" --db "$CDB" top --boot 0000
	expect_exit 2 "top --sort with an unknown key" "--sort 'count': not one of total, waits, max, avg" \
		"$LG" --db "$CDB" top --sort count
	expect_fail "top --boot matching two boots" "--boot '1111': more than one boot id starts with it" \
		"$LG" --db "$CDB" top --boot 1111
	expect_fail "top --boot matching none" "--boot '9': no boot with that id in .*contention.db" \
		"$LG" --db "$CDB" top --boot 9
else
	fail "top: writing contention rows for --sort and --boot: $(cat "$T/err")"
fi

# The JSON contract CI scripts rely on: ids from 1, classes in chain order.
if "$LG" --db "$DB" -j cycles >"$T/o" && grep -q '^\[{"id":1,.*"classes":\["&mapping->i_mmap_rwsem","&vma->vm_sequence","&vma->vm_sequence/1","fs_reclaim"\]}\]$' "$T/o"; then
	ok "-j cycles: cycle 1 with the khugepaged chain in order"
else
	fail "-j cycles: cycle 1 with the khugepaged chain in order"
fi
if "$LG" --db "$DB" report --original 1 >"$T/o" &&
	grep -q 'khugepaged/43 is trying to acquire lock:' "$T/o"; then
	ok "report --original prints lockdep's own text"
else
	fail "report --original prints lockdep's own text"
fi
# --- pictures through Graphviz ------------------------------------------
# The files must be what they claim: PNG magic, SVG that parses as XML
# and names every class of the cycle (XML-escaped).
mkdir "$T/pics" "$T/fakebin"
# A dot that fails the way Graphviz does, for the error path.
printf '#!/bin/sh\necho "Error: layout was not done" >&2\nexit 1\n' >"$T/fakebin/dot"
chmod +x "$T/fakebin/dot"
if command -v dot >/dev/null; then
	if "$LG" --db "$DB" show-cycle 1 --png "$T/c1.png" 2>"$T/err" &&
		[ "$(head -c 8 "$T/c1.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then
		ok "show-cycle --png writes a PNG ($(wc -c <"$T/c1.png") bytes)"
	else
		fail "show-cycle --png writes a PNG: $(cat "$T/err")"
	fi
	# Graphviz escapes '-' too: compare the parsed text, one line each.
	if "$LG" --db "$DB" show-cycle 1 --svg "$T/c1.svg" 2>"$T/err" &&
		xmllint --xpath 'string(/*)' "$T/c1.svg" >"$T/svgtext" 2>>"$T/err"; then
		missing=""
		for want in '&mapping->i_mmap_rwsem' '&vma->vm_sequence' \
			'&vma->vm_sequence/1' fs_reclaim rmap_walk_file __vma_adjust \
			__alloc_pages_nodemask 'closes the circle: khugepaged/43'; do
			grep -qxF -- "$want" "$T/svgtext" || missing="$missing '$want'"
		done
		if [ -z "$missing" ]; then
			ok "show-cycle --svg writes SVG that parses and names every class and function"
		else
			fail "show-cycle --svg: the SVG's text lacks$missing"
		fi
	else
		fail "show-cycle --svg writes SVG that parses: $(cat "$T/err")"
	fi
	expect_fail "show-cycle of a missing cycle" "no cycle 99 in $DB" \
		"$LG" --db "$DB" show-cycle 99 --png "$T/pics/none.png"
else
	skip "show-cycle --png/--svg (Graphviz's dot is not installed: scripts/install-deps.sh test)"
fi
expect_fail "show-cycle when dot fails" \
	"cannot render $T/pics/bad.png: dot -Tpng failed: Error: layout was not done" \
	env PATH="$T/fakebin:$PATH" "$LG" --db "$DB" show-cycle 1 --png "$T/pics/bad.png"
expect_fail "show-cycle without Graphviz" "cannot render $T/pics/c.png: Graphviz's .dot. is not installed" \
	env PATH=/nonexistent "$LG" --db "$DB" show-cycle 1 --png "$T/pics/c.png"
expect_fail "show-cycle into a missing directory" \
	"cannot write $T/pics/nodir/c.svg: No such file or directory" \
	"$LG" --db "$DB" show-cycle 1 --svg "$T/pics/nodir/c.svg"
"$LG" --db "$DB" show-cycle 1 --svg "$T/pics/a.svg" --png "$T/pics/a.png" 2>/dev/null
[ $? -eq 2 ] && ok "show-cycle with --svg and --png exits 2" ||
	fail "show-cycle with --svg and --png exits 2"
if [ -z "$(ls -A "$T/pics" 2>/dev/null)" ]; then
	ok "failed renders leave no file behind"
else
	fail "failed renders leave no file behind: $(ls "$T/pics")"
fi

# --- tables and progress on a terminal: a pseudo-terminal from script(1) -
# A large log: the real corpus, 4 times (1.4 MiB).
for _ in 1 2 3 4; do cat tests/corpus/splats/*.txt; done >"$T/big.log"
if command -v script >/dev/null; then
	# on_tty COLS CMD...: CMD's output on a pty COLS wide, in $T/tty.
	on_tty() {
		cols=$1
		shift
		script -qec "stty cols $cols; $*" /dev/null </dev/null | tr -d '\r' >"$T/tty"
	}
	# The widest line of $T/tty, in characters (the ellipsis is one).
	widest() { sed 's/\xe2\x80\xa6/./g' "$T/tty" | awk '{ if (length > m) m = length } END { print m + 0 }'; }

	on_tty 60 "$LG" --db "$DB" status
	if [ "$(widest)" -le 60 ] && grep -q '^boot ingest:.*(4\.13\.0-rc5-.*…$' "$T/tty" &&
		grep -q '^    no drops$' "$T/tty"; then
		ok "status on a 60-column terminal: long lines cut with an ellipsis ($(widest) columns)"
	else
		sed 's/^/# /' "$T/tty"
		fail "status on a 60-column terminal: long lines cut with an ellipsis"
	fi
	on_tty 80 "$LG" --db "$DB" top
	if [ "$(head -n 1 "$T/tty")" = "WAITS  TOTAL WAIT  MAX WAIT  AVG WAIT  BOOTS  CLASS" ] &&
		[ "$(sed -n 2p "$T/tty")" = "(no contention recorded)" ]; then
		ok "top on a terminal: columns as wide as their cells"
	else
		sed 's/^/# /' "$T/tty"
		fail "top on a terminal: columns as wide as their cells"
	fi
	on_tty 60 "$LG" --db "$DB" -j top
	if [ "$(cat "$T/tty")" = "[]" ]; then
		ok "-j top on a terminal is still JSON"
	else
		fail "-j top on a terminal is still JSON: $(cat "$T/tty")"
	fi

	# Ingest progress on a terminal: each stage with bytes and reports,
	# then erased before the result.
	on_tty 100 "$LG" --db "$T/big.db" ingest "$T/big.log"
	# Each frame starts with "erase line" (on_tty dropped the \r).
	sed 's/\x1b\[K/\n/g' "$T/tty" >"$T/frames"
	sed 's/^/# /' "$T/frames" | grep -v 'not imported' | cut -c1-120
	if grep -q "^$T/big.log: reading, [0-9.]* of 1\.[0-9] MiB$" "$T/frames" &&
		grep -q "^$T/big.log: scanning, [0-9.]* of 1\.[0-9] MiB, [0-9]* lockdep reports found$" "$T/frames" &&
		grep -q "^$T/big.log: storing, [0-9]* of 184 lockdep reports$" "$T/frames" &&
		grep -q "^$T/big.log: committing$" "$T/frames" &&
		grep -q "^$T/big.log: 184 lockdep reports, 112 circular imported; added" "$T/frames"; then
		ok "ingest of a 1.4 MiB log on a terminal: progress by stage, then the result"
	else
		fail "ingest of a 1.4 MiB log on a terminal: progress by stage, then the result"
	fi
	on_tty 100 "$LG" --db "$T/big-j.db" -j ingest "$T/big.log"
	if grep -q '^\[{"file":' "$T/tty" && ! grep -q "$(printf '\033')" "$T/tty"; then
		ok "-j ingest on a terminal: JSON, no progress"
	else
		fail "-j ingest on a terminal: JSON, no progress"
	fi
else
	skip "tables and progress on a terminal (no script(1) from bsdutils to make a pty)"
fi
"$LG" --db "$T/big-p.db" ingest "$T/big.log" >"$T/out" 2>"$T/err"
if [ $? -eq 0 ] && [ ! -s "$T/err" ] && grep -q '184 lockdep reports' "$T/out"; then
	ok "ingest piped: the result on stdout, stderr empty of progress"
else
	fail "ingest piped: stderr should be empty, got: $(head -c 200 "$T/err")"
fi

before=$(dump "$DB")
if "$LG" --db "$DB" ingest "$SEED" >"$T/o" &&
	grep -q 'already ingested (ingest #1); nothing changed' "$T/o" &&
	[ "$(dump "$DB")" = "$before" ]; then
	ok "ingesting the same file twice changes nothing"
else
	fail "ingesting the same file twice changes nothing"
fi

# --- bad input: clear error, exit 1, database unchanged ----------------
before=$(dump "$DB")
printf 'Linux version 6.1.0\nnothing to see here\n' >"$T/clean.log"
expect_fail "log with no report" "^lockgraph: $T/clean.log: no lockdep report found$" \
	"$LG" --db "$DB" ingest "$T/clean.log"
head -c 4096 /bin/ls >"$T/binary"
expect_fail "binary file" "$T/binary: binary data" "$LG" --db "$DB" ingest "$T/binary"
expect_fail "directory" "$T: Is a directory" "$LG" --db "$DB" ingest "$T"
expect_fail "missing file" "$T/nope: No such file or directory" \
	"$LG" --db "$DB" ingest "$T/nope"
# Cut inside the dependency chain: the line named is where it ends.
head -n 95 "$SEED" >"$T/truncated.txt"
expect_fail "truncated report" "^lockgraph: $T/truncated.txt:[0-9]+: " \
	"$LG" --db "$DB" ingest "$T/truncated.txt"
# A bad file among good ones: the good ones land, the bad one does not.
sed 's/-> #2 (&vma->vm_sequence\/1)/-> #7 (\&vma->vm_sequence\/1)/' "$SEED" >"$T/garbled.txt"
expect_fail "garbled chain numbering" "^lockgraph: $T/garbled.txt:[0-9]+: " \
	"$LG" --db "$DB" ingest "$T/garbled.txt"
if [ "$(dump "$DB")" = "$before" ]; then
	ok "database unchanged after every failed ingest"
else
	fail "database unchanged after every failed ingest"
fi

sqlite3 "$T/other.db" 'CREATE TABLE t (x); INSERT INTO t VALUES (1);'
expect_fail "someone else's SQLite database" "$T/other.db: not a lockgraph database" \
	"$LG" --db "$T/other.db" ingest "$SEED"
expect_fail "someone else's SQLite database (reader)" \
	"$T/other.db: not a lockgraph database" "$LG" --db "$T/other.db" cycles
cp "$DB" "$T/newer.db"
sqlite3 "$T/newer.db" 'PRAGMA user_version = 99;'
expect_fail "newer schema" "$T/newer.db: schema version 99 is newer" \
	"$LG" --db "$T/newer.db" cycles
printf 'SQLite format 3\000garbage garbage garbage\n' >"$T/fake.db"
expect_fail "file that is not a database" "$T/fake.db: " \
	"$LG" --db "$T/fake.db" ingest "$SEED"
expect_fail "reader with no database" "$T/none.db: No such file or directory" \
	"$LG" --db "$T/none.db" cycles
expect_fail "report of a missing cycle" "no cycle 99 in $DB" \
	"$LG" --db "$DB" report 99
expect_fail "path from an unknown class" "no lock class named 'nope'" \
	"$LG" --db "$DB" path nope fs_reclaim

# A read-only location: as root, permissions do not bite, so drop to nobody.
mkdir "$T/ro"
chmod 555 "$T/ro"
chmod 755 "$T"
chmod 644 "$SEED" 2>/dev/null
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	# nobody may not reach the clone: run copies from the scratch dir.
	cp "$LG" "$T/lockgraph" && cp "$SEED" "$T/seed.txt" &&
		chmod 755 "$T/lockgraph" && chmod 644 "$T/seed.txt"
	expect_fail "read-only location" "$T/ro/g.db: " setpriv --reuid=65534 \
		--regid=65534 --clear-groups "$T/lockgraph" --db "$T/ro/g.db" \
		ingest "$T/seed.txt"
elif [ "$(id -u)" != 0 ]; then
	expect_fail "read-only location" "$T/ro/g.db: " "$LG" --db "$T/ro/g.db" \
		ingest "$SEED"
else
	skip "read-only location (root without setpriv: permissions would not apply)"
fi

# Inputs of diff, check and merge keep their -wal and -shm, which readers
# without write access to the directory need (they are attached, not owned).
cp "$DB" "$T/in.db"
"$LG" --db "$T/in.db" ingest "$SEED" >/dev/null 2>&1 # already in: opened, unchanged
if [ -f "$T/in.db-wal" ] && [ -f "$T/in.db-shm" ]; then
	# diff and check: 0 or 1 (no difference, or one); merge: 0
	"$LG" diff "$T/in.db" "$DB" >/dev/null 2>&1
	rd=$?
	"$LG" --db "$DB" check --baseline "$T/in.db" >/dev/null 2>&1
	rc=$?
	"$LG" merge "$T/out.db" "$T/in.db" >/dev/null 2>&1
	rm=$?
	if [ $rd -le 1 ] && [ $rc -le 1 ] && [ $rm -eq 0 ] &&
		[ -f "$T/in.db-wal" ] && [ -f "$T/in.db-shm" ]; then
		ok "diff, check --baseline and merge leave their inputs' -wal and -shm"
	else
		fail "diff, check --baseline and merge leave their inputs' -wal and -shm (exits $rd, $rc, $rm)"
	fi
else
	fail "a writer leaves -wal and -shm for readers"
fi
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	mkdir "$T/grp" && cp "$T/in.db" "$T/in.db-wal" "$T/in.db-shm" "$T/grp/" &&
		chmod 644 "$T/grp/"* && chmod 555 "$T/grp"
	if setpriv --reuid=65534 --regid=65534 --clear-groups "$T/lockgraph" \
		--db "$T/grp/in.db" status >/dev/null 2>"$T/err"; then
		ok "a reader without write access opens the merged input"
	else
		fail "a reader without write access opens the merged input: $(cat "$T/err")"
	fi
	cp "$DB" "$T/ro.db" && chmod 444 "$T/ro.db"
	expect_fail "a database file the writer may not write" \
		"^lockgraph: $T/ro.db: Permission denied \(opening it for writing\)$" \
		setpriv --reuid=65534 --regid=65534 --clear-groups "$T/lockgraph" \
		--db "$T/ro.db" ingest "$T/seed.txt"
else
	skip "readers and writers without write access (not root with setpriv)"
fi
expect_fail "an empty database path" "^lockgraph: '': not a database file path" \
	"$LG" --db "" ingest "$SEED"
expect_fail "a database in memory" "^lockgraph: ':memory:': not a database file path" \
	"$LG" --db :memory: status
: >"$T/empty.db"
expect_fail "an empty database file" "$T/empty.db: an empty database, no lockgraph schema" \
	"$LG" --db "$T/empty.db" status
expect_fail "merge whose every input is refused" "$T/nope.db: No such file" \
	"$LG" merge "$T/new-out.db" "$T/nope.db"
if [ ! -e "$T/new-out.db" ] && [ ! -e "$T/new-out.db-wal" ]; then
	ok "merge whose every input is refused leaves no output"
else
	fail "merge whose every input is refused leaves no output"
fi
expect_exit 2 "path from a class to itself" "is a cycle" \
	"$LG" --db "$DB" path fs_reclaim fs_reclaim
expect_exit 2 "ingest --host ''" "ingest: --host: empty" \
	"$LG" --db "$DB" ingest --host "" "$SEED"
expect_exit 2 "report of an out-of-range id" "is not a cycle ID" \
	"$LG" --db "$DB" report 99999999999999999999

# A boot runs on one host: a --boot filed under another --host is refused.
HB="$T/hostboot.db"
"$LG" --db "$HB" ingest --host host-a --boot boot-x "$SEED" >/dev/null 2>&1 ||
	fail "ingest --host host-a --boot boot-x"
before=$(dump "$HB")
sed 's/khugepaged/khugepaged2/' "$SEED" >"$T/seed-other.txt"
expect_fail "ingest --boot filed under another --host" \
	"seed-other.txt: --boot boot-x is filed under host 'host-a', not 'host-b'" \
	"$LG" --db "$HB" ingest --host host-b --boot boot-x "$T/seed-other.txt"
if [ "$(dump "$HB")" = "$before" ]; then
	ok "a refused --boot changes nothing"
else
	fail "a refused --boot changes nothing"
fi
if "$LG" --db "$HB" ingest --host host-a --boot boot-x "$T/seed-other.txt" \
	>/dev/null 2>"$T/err" &&
   [ "$(sqlite3 "$HB" "SELECT count(*) FROM hosts WHERE name = 'host-b'")" = 0 ]; then
	ok "the same --boot under its own --host is taken"
else
	fail "the same --boot under its own --host is taken: $(cat "$T/err")"
fi

# Reports of two kernels in one file are two boots; with --boot, refused.
TWO=tests/corpus/splats/020-mail-quoted2-two-circular2-sb_writers-s_umount.txt
KB="$T/kernels.db"
if "$LG" --db "$KB" ingest "$TWO" >/dev/null 2>"$T/err" &&
   [ "$(sqlite3 "$KB" "SELECT count(*) FROM boots WHERE kernel LIKE '6.3.0-rc6-%' OR kernel LIKE '6.3.0-rc5-%'")" = 2 ] &&
   [ "$(sqlite3 "$KB" "SELECT count(DISTINCT boot_id) FROM edge_boots")" = 2 ]; then
	ok "reports of two kernels in one file: a boot each"
else
	fail "reports of two kernels in one file: a boot each: $(cat "$T/err")"
fi
expect_fail "ingest --boot of a file with two kernels" \
	"reports of 2 kernels .* cannot be one boot" \
	"$LG" --db "$T/kernels2.db" ingest --boot b1 "$TWO"

# /proc/lockdep: a class after itself is said, not an edge.
printf 'all lock classes:\nffffffff82a5d9b8 FD:    1 BD:    1 +.+.: A\n -> [ffffffff82a5d9b8] A\n -> [ffffffff82a5d9c8] B\n\nffffffff82a5d9c8 FD:    1 BD:    1 +.+.: B\n' >"$T/self.lockdep"
if "$LG" --db "$T/self.db" ingest "$T/self.lockdep" >"$T/out" 2>&1 &&
   grep -q '2 classes, 2 dependencies (1 of a class on itself: no edge); added 2 classes, 1 edge' "$T/out"; then
	ok "/proc/lockdep: a dependency of a class on itself is counted, not an edge"
else
	fail "/proc/lockdep: a dependency of a class on itself is counted: $(cat "$T/out")"
fi

# A damaged table: every reader says so, exit 1, no partial figure.
cp "$DB" "$T/bad.db"
sqlite3 "$T/bad.db" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
for tbl in chains cycle_edges; do
	cp "$T/bad.db" "$T/bad-$tbl.db"
	page=$(sqlite3 "$T/bad-$tbl.db" "SELECT rootpage FROM sqlite_master WHERE name = '$tbl'")
	psize=$(sqlite3 "$T/bad-$tbl.db" 'PRAGMA page_size')
	printf '\377%.0s' $(seq 100) | dd of="$T/bad-$tbl.db" bs=1 \
		seek=$(((page - 1) * psize)) conv=notrunc 2>/dev/null
done
expect_fail "status on a damaged table" "bad-chains.db: counting the graph: .*malformed" \
	"$LG" --db "$T/bad-chains.db" status
expect_fail "report on a damaged table" "cycle 1 in $T/bad-cycle_edges.db: .*(malformed|damaged)" \
	"$LG" --db "$T/bad-cycle_edges.db" report 1
expect_fail "export on a damaged table" "malformed" \
	"$LG" --db "$T/bad-cycle_edges.db" -j export --format json

"$LG" --db "$DB" frobnicate >/dev/null 2>&1
[ $? -eq 2 ] && ok "unknown command exits 2" || fail "unknown command exits 2"
amb=$("$LG" --db "$DB" s 2>&1)
rc=$?
if [ $rc -eq 2 ] && [ "$amb" = "lockgraph: 's' is ambiguous: status, show-cycle" ]; then
	ok "an ambiguous prefix exits 2 naming the commands it could be"
else
	fail "an ambiguous prefix exits 2 naming the commands it could be (exit $rc: $amb)"
fi

# --- the real-report corpus --------------------------------------------
MAN=tests/corpus/splats/MANIFEST
if [ -f "$MAN" ]; then
	CDB=$T/corpus.db
	bad=0 files=0 circ=0 other=0
	tail -n +2 "$MAN" | while IFS="$(printf '\t')" read -r file kinds chain src; do
		echo "$file $kinds"
	done >"$T/manifest"
	while read -r file kinds; do
		files=$((files + 1))
		nc=$(echo "$kinds" | tr ',' '\n' | grep -c '^circular$')
		no=$(echo "$kinds" | tr ',' '\n' | grep -vc '^circular$')
		circ=$((circ + nc)) other=$((other + no))
		if ! "$LG" --db "$CDB" -j ingest "tests/corpus/splats/$file" >"$T/j" 2>"$T/e"; then
			echo "# $file: $(cat "$T/e")"
			bad=$((bad + 1))
			continue
		fi
		if ! grep -q "\"reports_imported\":$nc,\"reports_not_imported\":$no," "$T/j"; then
			echo "# $file: expected $nc circular and $no other: $(cat "$T/j")"
			bad=$((bad + 1))
		fi
	done <"$T/manifest"
	if [ $bad -eq 0 ]; then
		ok "corpus: $files real files ingested, $circ circular imported, $other others listed as not imported"
	else
		fail "corpus: $bad of $files files did not ingest as the MANIFEST says"
	fi
	ncycles=$("$LG" --db "$CDB" -j cycles | grep -o '"id":' | wc -l)
	if [ "$ncycles" -ge 20 ]; then
		ok "corpus: $ncycles cycles stored"
	else
		fail "corpus: only $ncycles cycles stored"
	fi
else
	skip "corpus (no $MAN)"
fi
. tests/cli/gate.sh
exit 0
