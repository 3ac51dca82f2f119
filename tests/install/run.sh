#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# `make install` into a DESTDIR: the tree it produces, the systemd units
# (systemd-analyze verify), the man pages (groff warnings, man -l), and
# lockgraph-boot on real inputs: the seed 003 report as a console log, the
# real /proc/lockdep dump, this machine's own kernel log, and (as root,
# where BPF loads) a live start/finish around a workload.
# Usage: tests/install/run.sh BUILD
# Prints "ok N - ..." / "not ok N - ..." / "skip N - ..." lines.
set -u
BUILD=$1
cd "$(dirname "$0")/../.." || exit 1
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; }
skip() { n=$((n + 1)); echo "skip $n - $1"; }
check() { # check DESCRIPTION COMMAND...: ok when COMMAND succeeds
	d=$1
	shift
	if "$@"; then ok "$d"; else fail "$d"; fi
}

T=$(mktemp -d /tmp/lg-install.XXXXXX)
trap 'rm -rf "$T"' EXIT
D=$T/dest

if ! make --no-print-directory BUILD="$BUILD" install DESTDIR="$D" PREFIX=/usr \
	>"$T/make.log" 2>&1; then
	sed 's/^/# /' "$T/make.log"
	fail "make install DESTDIR=... PREFIX=/usr"
	exit 0
fi
(cd "$D" && find . ! -type d | sort) >"$T/tree"
sed 's/^/# /' "$T/tree"
cat >"$T/want" <<'TREE'
./usr/bin/lockgraph
./usr/lib/systemd/system/lockgraph-boot-ingest.service
./usr/lib/systemd/system/lockgraphd-early.service
./usr/lib/systemd/system/lockgraphd.service
./usr/lib/sysusers.d/lockgraph.conf
./usr/libexec/lockgraph/lockgraph-boot
./usr/sbin/lockgraphd
./usr/share/man/man8/lockgraph.8
./usr/share/man/man8/lockgraphd.8
TREE
check "make install DESTDIR=... PREFIX=/usr installs the programs, man pages, units and sysusers.d entry" \
	cmp -s "$T/tree" "$T/want"
"$D/usr/sbin/lockgraphd" --help >"$T/help" 2>&1 && "$D/usr/bin/lockgraph" --help >/dev/null 2>&1
check "the installed lockgraphd and lockgraph run (--help)" [ $? -eq 0 ]
[ "$(stat -c %a "$D/usr/sbin/lockgraphd" "$D/usr/libexec/lockgraph/lockgraph-boot" \
	"$D/usr/lib/systemd/system/lockgraphd.service" | tr '\n' ' ')" = "755 755 644 " ]
check "modes: programs 0755, units 0644" [ $? -eq 0 ]
grep -q "^LOCKGRAPHD=\${LOCKGRAPHD:-/usr/sbin/lockgraphd}$" "$D/usr/libexec/lockgraph/lockgraph-boot" &&
	grep -q "^ExecStart=/usr/sbin/lockgraphd " "$D/usr/lib/systemd/system/lockgraphd.service" &&
	grep -q "^ExecStop=/usr/libexec/lockgraph/lockgraph-boot finish " \
		"$D/usr/lib/systemd/system/lockgraph-boot-ingest.service"
check "installed files name the installed paths (PREFIX, not DESTDIR)" [ $? -eq 0 ]

# --- the units
U=$D/usr/lib/systemd/system
unit_has() { grep -qx "$2" "$U/$1"; }
unit_has lockgraphd.service "Type=notify" &&
	unit_has lockgraphd.service "StateDirectory=lockgraph" &&
	unit_has lockgraphd.service "WatchdogSec=30" &&
	unit_has lockgraphd.service "NoNewPrivileges=yes"
check "lockgraphd.service: Type=notify, StateDirectory=lockgraph, WatchdogSec, NoNewPrivileges" [ $? -eq 0 ]
# Every exit status the unit will not restart for is one lockgraphd documents.
codes=$(sed -n 's/^RestartPreventExitStatus=//p' "$U/lockgraphd.service")
if [ "$codes" = "2 3 4" ] && grep -q "3 no probe source can run" "$T/help" &&
	grep -q "^.B 3$" man/lockgraphd.8; then
	ok "RestartPreventExitStatus=$codes: 3 is lockgraphd's documented 'kernel unsupported' (--help, lockgraphd(8))"
else
	fail "RestartPreventExitStatus=$codes matches lockgraphd's documented codes"
fi
amb=$(sed -n 's/^AmbientCapabilities=//p' "$U/lockgraphd.service")
bnd=$(sed -n 's/^CapabilityBoundingSet=//p' "$U/lockgraphd.service")
if [ -n "$amb" ] && [ "$amb" = "$bnd" ]; then
	ok "capability bounding set = ambient set = '$amb'"
else
	fail "capability bounding set = ambient set = '$amb'"
fi
unit_has lockgraphd-early.service "DefaultDependencies=no" &&
	grep -q "^Before=sysinit.target" "$U/lockgraphd-early.service" &&
	unit_has lockgraphd-early.service "WantedBy=sysinit.target" &&
	[ "$(sed -n '/^\[Service\]/,/^\[Install\]/p' "$U/lockgraphd-early.service")" = \
	  "$(sed -n '/^\[Service\]/,/^\[Install\]/p' "$U/lockgraphd.service")" ]
check "lockgraphd-early.service: DefaultDependencies=no, Before=sysinit.target, the same [Service]" [ $? -eq 0 ]

if command -v systemd-analyze >/dev/null; then
	# The units as installed, but with the DESTDIR paths, so that verify
	# finds the programs and (MANPATH) the man pages they name.
	scripts/gen-install.sh "$T/verify" "$D/usr/bin" "$D/usr/sbin" "$D/usr/libexec/lockgraph"
	same=yes
	for f in "$T"/verify/*.service; do
		sed "s|$D||g" "$f" | cmp -s - "$U/$(basename "$f")" || same=no
	done
	# verify exits 0 on a value it ignores: any output is a failure.
	(cd "$T" && MANPATH=$D/usr/share/man systemd-analyze verify "$T"/verify/*.service) \
		>"$T/verify.log" 2>&1
	rc=$?
	sed 's/^/# /' "$T/verify.log"
	if [ $rc -eq 0 ] && [ ! -s "$T/verify.log" ] && [ $same = yes ]; then
		ok "systemd-analyze verify: the three units, silent"
	else
		fail "systemd-analyze verify (exit $rc, same as installed: $same)"
	fi
	(cd "$T/verify" && systemd-analyze security --offline=yes --no-pager \
		./lockgraphd.service 2>&1 | tail -n 1 | sed 's/^/# /')
	# The check can fail: a unit with a value systemd ignores is caught.
	mkdir "$T/bad"
	sed 's/^Type=notify/Type=notfy/' "$T/verify/lockgraphd.service" >"$T/bad/lockgraphd.service"
	(cd "$T" && MANPATH=$D/usr/share/man systemd-analyze verify "$T/bad/lockgraphd.service") \
		>"$T/bad.log" 2>&1
	check "systemd-analyze verify flags a broken copy: $(head -n 1 "$T/bad.log")" \
		grep -q "Type\|notfy" "$T/bad.log"
else
	skip "systemd-analyze verify (systemd-analyze is not installed)"
fi

# --- the man pages
for page in lockgraphd lockgraph; do
	groff -man -Tutf8 -ww -z "$D/usr/share/man/man8/$page.8" >"$T/groff.log" 2>&1
	rc=$?
	sed 's/^/# /' "$T/groff.log"
	if [ $rc -eq 0 ] && [ ! -s "$T/groff.log" ]; then
		ok "$page(8): groff -man -ww gives no warning"
	else
		fail "$page(8): groff -man -ww gives no warning"
	fi
	MANWIDTH=80 man -l "$D/usr/share/man/man8/$page.8" 2>"$T/man.err" >"$T/man.txt"
	check "$page(8): man -l renders NAME and EXIT STATUS ($(wc -l <"$T/man.txt") lines)" \
		grep -q "^EXIT STATUS" "$T/man.txt"
done
printf '.TH X 8\n.SH NAME\n.XX undefined\n' >"$T/bad.8"
groff -man -Tutf8 -ww -z "$T/bad.8" >"$T/groff.log" 2>&1
check "the groff check can fail: $(head -n 1 "$T/groff.log")" [ -s "$T/groff.log" ]
if command -v mandoc >/dev/null; then
	mandoc -Tlint -Wwarning "$D"/usr/share/man/man8/*.8 >"$T/mandoc.log" 2>&1
	rc=$?
	sed 's/^/# /' "$T/mandoc.log"
	check "mandoc -Tlint: no warning" [ $rc -eq 0 ]
else
	skip "mandoc -Tlint (mandoc is not installed; groff checked the pages)"
fi

# --- lockgraph-boot finish on real inputs, without a daemon
BOOT=$D/usr/libexec/lockgraph/lockgraph-boot
export LOCKGRAPH="$D/usr/bin/lockgraph" LOCKGRAPHD="$D/usr/sbin/lockgraphd"
CI=$T/ci.db
SEED=tests/corpus/seed-003-khugepaged.txt
PROC=tests/corpus/proc_lockdep/lockdep-6.1.192-hugetlb.txt
"$BOOT" finish --db "$CI" --state "$T/state" --console "$SEED" --proc-lockdep "$PROC" \
	--host ci-guest --boot ci-boot-1 >"$T/finish.log" 2>&1
rc=$?
sed 's/^/# /' "$T/finish.log"
cycles=$("$LOCKGRAPH" --db "$CI" cycles 2>&1)
classes=$(sqlite3 "$CI" "SELECT count(*) FROM classes" 2>&1)
boots=$(sqlite3 "$CI" "SELECT b.boot_id || ' ' || h.name FROM boots b JOIN hosts h ON h.id = b.host_id" 2>&1)
if [ $rc -eq 0 ] && echo "$cycles" | grep -q "&mapping->i_mmap_rwsem -> &vma->vm_sequence" &&
	[ "$classes" -ge 434 ] && [ "$boots" = "ci-boot-1 ci-guest" ]; then
	ok "finish: seed 003 as console log + the real /proc/lockdep: the khugepaged cycle, $classes classes, one boot 'ci-boot-1' of ci-guest"
else
	echo "$cycles $classes $boots" | sed 's/^/# /'
	fail "finish on seed 003 and /proc/lockdep (exit $rc)"
fi
"$BOOT" finish --db "$CI" --state "$T/state" --console "$SEED" --proc-lockdep "$PROC" \
	--host ci-guest --boot ci-boot-1 >"$T/again.log" 2>&1
rc=$?
if [ $rc -eq 0 ] && [ "$(grep -c 'already ingested' "$T/again.log")" = 2 ] &&
	[ "$(sqlite3 "$CI" "SELECT count(*) FROM classes")" = "$classes" ]; then
	ok "finish twice: nothing changes ($(grep -c 'already ingested' "$T/again.log") files already ingested)"
else
	fail "finish twice: nothing changes ($(grep -c 'already ingested' "$T/again.log") files already ingested)"
fi
"$BOOT" finish --db "$CI" --state "$T/state" --console /bin/true --proc-lockdep /dev/null \
	--host ci-guest --boot ci-boot-1 >"$T/bad.log" 2>&1
rc=$?
sed 's/^/# /' "$T/bad.log"
if [ $rc -eq 1 ] && grep -q "/bin/true: binary data" "$T/bad.log" && grep -q "/dev/null" "$T/bad.log"; then
	ok "finish with a binary console log and an empty /proc/lockdep: exit 1, each named"
else
	fail "finish with a binary console log and an empty /proc/lockdep: exit 1, each named"
fi
if dmesg >"$T/dmesg.txt" 2>/dev/null && [ -s "$T/dmesg.txt" ]; then
	"$BOOT" finish --db "$T/dmesg.db" --state "$T/state" --host ci-guest \
		--boot ci-boot-2 >"$T/dmesg.log" 2>&1
	rc=$?
	sed 's/^/# /' "$T/dmesg.log"
	if [ -e /proc/lockdep ]; then
		check "finish with this kernel's own log and /proc/lockdep (exit $rc)" [ $rc -eq 0 ]
	else
		if [ $rc -eq 0 ] && grep -q "no lockdep report: nothing to ingest" "$T/dmesg.log" &&
			grep -q "no /proc/lockdep" "$T/dmesg.log"; then
			ok "finish with this kernel's own log (dmesg, no lockdep report: a clean boot) and no /proc/lockdep: exit 0"
		else
			fail "finish with this kernel's own log (dmesg, no lockdep report: a clean boot) and no /proc/lockdep: exit 0"
		fi
	fi
else
	skip "finish from dmesg (the kernel log is not readable here: dmesg_restrict and not root)"
fi

# start when lockgraphd cannot run: its own reason and exit status, no pid
# file left behind (a directory as the database; without privileges it
# stops earlier, at exit 4).
mkdir "$T/a-directory"
"$BOOT" start --db "$T/a-directory" --state "$T/s2" >"$T/start-bad.log" 2>&1
rc=$?
sed 's/^/# /' "$T/start-bad.log"
if { [ $rc -eq 1 ] && grep -q "a-directory: is a directory" "$T/start-bad.log"; } ||
	{ [ $rc -eq 4 ] && grep -q "missing CAP_BPF" "$T/start-bad.log"; }; then
	if [ ! -e "$T/s2/lockgraphd.pid" ] && grep -q "lockgraphd did not start (exit $rc)" "$T/start-bad.log"; then
		ok "start when lockgraphd cannot run: exit $rc with its reason"
	else
		fail "start when lockgraphd cannot run: pid file left or no message"
	fi
else
	fail "start when lockgraphd cannot run (exit $rc)"
fi

# --- start/finish around a live workload (root, BPF)
if [ "$(id -u)" != 0 ] || [ ! -r /sys/kernel/btf/vmlinux ]; then
	skip "lockgraph-boot start/finish live (needs root and kernel BTF)"
	exit 0
fi
gcc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -pthread \
	tests/workloads/mmap_churn.c -o "$T/mmap_churn" || { fail "building mmap_churn"; exit 0; }
# The database from the kernel command line, as an initramfs hook has it.
LIVE=$T/live.db
echo "console=ttyS0 panic=-1 lockgraph.db=$LIVE quiet" >"$T/cmdline"
LOCKGRAPH_CMDLINE=$T/cmdline "$BOOT" start --state "$T/run" --flush-ms 200 >"$T/start.log" 2>&1
rc=$?
sed 's/^/# /' "$T/start.log"
case $rc in
0) ;;
3 | 4)
	# EPERM is this host's refusal; the verifier's (EACCES, EINVAL,
	# E2BIG) is ours and a failure
	if grep -Eq "source [a-z]+: not loaded: (load|attach): (Permission denied|Invalid argument|Argument list too long)" "$T/start.log"; then
		fail "lockgraph-boot start: the verifier refused a program (exit $rc)"
		exit 0
	fi
	skip "lockgraph-boot start/finish live (lockgraphd could not load a source here: exit $rc)"
	exit 0
	;;
*)
	fail "lockgraph-boot start (exit $rc)"
	exit 0
	;;
esac
pid=$(cat "$T/run/lockgraphd.pid")
if [ "$(cat "$T/run/db")" = "$LIVE" ] && kill -0 "$pid"; then
	ok "start (lockgraph.db= from the kernel command line) returned with lockgraphd (pid $pid) attached, writing $(cat "$T/run/db")"
else
	fail "start (lockgraph.db= from the kernel command line) returned with lockgraphd (pid $pid) attached, writing $(cat "$T/run/db")"
fi
"$T/mmap_churn" -T 2 -t 2 >/dev/null 2>&1
"$BOOT" finish --state "$T/run" --console "$SEED" --proc-lockdep "$PROC" \
	>"$T/finish-live.log" 2>&1
rc=$?
sed 's/^/# /' "$T/finish-live.log"
this_boot=$(cat /proc/sys/kernel/random/boot_id)
row=$(sqlite3 "$LIVE" "SELECT origin || ' ' || count(*) FROM boots GROUP BY origin" 2>&1)
if [ $rc -eq 0 ] && ! kill -0 "$pid" 2>/dev/null &&
	grep -q "lockgraphd stopped: .*lockgraphd: .* events" "$T/finish-live.log" &&
	[ "$row" = "lockgraphd 1" ] &&
	[ "$(sqlite3 "$LIVE" "SELECT boot_id FROM boots")" = "$this_boot" ] &&
	[ "$(sqlite3 "$LIVE" "SELECT sum(events) FROM boot_sources")" -gt 0 ] &&
	[ "$(sqlite3 "$LIVE" "SELECT count(*) FROM edge_boots")" -ge 1039 ] &&
	"$LOCKGRAPH" --db "$LIVE" cycles >"$T/live-cycles.txt" &&
	grep -q "&mapping->i_mmap_rwsem" "$T/live-cycles.txt"; then
	ok "finish stopped lockgraphd cleanly and put the live edges, the report's cycle and /proc/lockdep under this boot ($this_boot)"
else
	echo "$row" | sed 's/^/# /'
	fail "live start/finish (exit $rc)"
fi
exit 0
