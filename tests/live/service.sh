#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# lockgraphd as lockgraphd.service runs it, without systemd as PID 1: a
# non-root user (made here, removed after) with exactly the unit's
# AmbientCapabilities= / CapabilityBoundingSet= under setpriv, and
# no_new_privs; tests/live/notify_listen.c plays systemd's notify socket
# (abstract, as $NOTIFY_SOCKET) with a watchdog.  Checks: READY=1 from the
# daemon's pid once its sources are attached, CapEff/CapPrm/CapAmb all 0
# after it, events still consumed after the drop (STATUS grows while a
# workload runs), WATCHDOG=1 and STOPPING=1, the database and its -wal and
# -shm 0640 in the daemon's group, `lockgraph status` for a member of that
# group (while the daemon writes and after it stopped) and a refusal for a
# user outside it.  Needs root, setpriv, useradd and BPF; anything missing
# is a printed skip.
# Usage: tests/live/service.sh path/to/lockgraphd path/to/lockgraph
# Prints "ok N - ..." / "not ok N - ..." / "skip N - ..." lines.
set -u
LGD=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
LG=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
cd "$(dirname "$0")/../.." || exit 1
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; }
skip_all() { n=$((n + 1)); echo "skip $n - service: $1"; exit 0; }
# The kernel refusing BPF (EPERM: lockdown, capabilities) is this host's;
# the verifier refusing a program (EACCES, EINVAL, E2BIG) is ours.
verifier_refused() {
	grep -Eq "source [a-z]+: not loaded: (load|attach): (Permission denied|Invalid argument|Argument list too long)" "$@"
}
check() { # check DESCRIPTION COMMAND...: ok when COMMAND succeeds
	d=$1
	shift
	if "$@"; then ok "$d"; else fail "$d"; fi
}

[ -x "$LGD" ] || skip_all "lockgraphd is not built ($LGD)"
[ "$(id -u)" = 0 ] || skip_all "not root: cannot make test users or grant capabilities"
for c in setpriv useradd groupadd userdel groupdel; do
	command -v $c >/dev/null || skip_all "no $c"
done
[ -r /sys/kernel/btf/vmlinux ] || skip_all "kernel without BTF"

# The unit's capabilities, in setpriv's spelling: CAP_BPF -> +bpf.
UNIT=systemd/lockgraphd.service.in
amb=$(sed -n 's/^AmbientCapabilities=//p' "$UNIT")
bnd=$(sed -n 's/^CapabilityBoundingSet=//p' "$UNIT")
[ -n "$amb" ] && [ "$amb" = "$bnd" ] || {
	fail "the unit's ambient and bounding sets are one set ('$amb' / '$bnd')"
	exit 0
}
caps=$(echo "$amb" | tr '[:upper:]' '[:lower:]' | sed -e 's/cap_/+/g' -e 's/ /,/g')

T=$(mktemp -d /tmp/lg-svc.XXXXXX)
chmod 755 "$T"
G=lgt$$g DU=lgt$$d RU=lgt$$r
cleanup() {
	userdel "$DU" 2>/dev/null
	userdel "$RU" 2>/dev/null
	groupdel "$G" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
groupadd -r "$G" && useradd -r -M -N -g "$G" -s /usr/sbin/nologin "$DU" &&
	useradd -r -M -N -G "$G" -s /usr/sbin/nologin "$RU" || {
	fail "creating the test users and group"
	exit 0
}
# As StateDirectory=lockgraph with User= and Group= and mode 0750.
STATE=$T/state
mkdir "$STATE" && chown "$DU:$G" "$STATE" && chmod 750 "$STATE"
DB=$STATE/lockgraph.db

CFLAGS="-std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror"
gcc $CFLAGS tests/live/notify_listen.c -o "$T/notify_listen" ||
	{ fail "building notify_listen"; exit 0; }
gcc $CFLAGS -pthread tests/workloads/mmap_churn.c -o "$T/mmap_churn" ||
	{ fail "building the mmap churn workload"; exit 0; }
# The test users may not reach the clone: copies in the scratch directory.
cp "$LGD" "$T/lockgraphd" && cp "$LG" "$T/lockgraph" && chmod 755 "$T/lockgraphd" "$T/lockgraph"

as_reader() { # a member of the daemon's group, not root
	setpriv --reuid="$RU" --regid="$(id -g "$RU")" --init-groups "$@"
}

# The unit's user, group, capabilities and NoNewPrivileges=yes.
"$T/notify_listen" "@lockgraph-test-$$" 2000000 \
	setpriv --reuid="$DU" --regid="$G" --init-groups --inh-caps="-all,$caps" \
	--ambient-caps="-all,$caps" --bounding-set="-all,$caps" --no-new-privs \
	"$T/lockgraphd" --db "$DB" --duration 10 --flush-ms 500 \
	>"$T/notify.log" 2>"$T/daemon.log" &
lpid=$!
for _ in $(seq 100); do
	grep -q "READY=1" "$T/notify.log" 2>/dev/null && break
	kill -0 $lpid 2>/dev/null || break
	sleep 0.1
done
pid=$(sed -n 's/^child pid //p' "$T/notify.log")
if ! grep -q "READY=1" "$T/notify.log"; then
	wait $lpid
	rc=$?
	sed 's/^/# /' "$T/daemon.log" "$T/notify.log"
	case $rc in
	3 | 4) verifier_refused "$T/daemon.log" ||
		skip_all "lockgraphd could not load a probe source as the unit's user (exit $rc)" ;;
	esac
	fail "READY=1 under the unit's capabilities (exit $rc)"
	exit 0
fi
status=$(cat /proc/"$pid"/status 2>/dev/null)
ready=$(grep "READY=1" "$T/notify.log")
ready_msg=${ready%%:*}
ready_status=$(grep "^$ready_msg: STATUS=" "$T/notify.log")
echo "# as $DU with $caps (no_new_privs): $ready / $ready_status"
if echo "$ready" | grep -q "pid $pid:" &&
	echo "$ready_status" | grep -q "STATUS=sources [a-z,]*context" &&
	grep -q "source context: loaded" "$T/daemon.log" &&
	grep -q "capabilities given up" "$T/daemon.log"; then
	ok "READY=1 from the daemon's pid $pid, after its sources were attached ($(echo "$ready_status" | sed 's/.*STATUS=//'))"
else
	fail "READY=1 from the daemon's pid $pid after attach"
fi
echo "$status" | grep -E "^(Uid|Cap|NoNewPrivs)" | sed 's/^/# /'
if [ "$(echo "$status" | sed -n 's/^Uid:\t\([0-9]*\).*/\1/p')" = "$(id -u "$DU")" ] &&
	echo "$status" | grep -q "^CapEff:	0000000000000000" &&
	echo "$status" | grep -q "^CapPrm:	0000000000000000" &&
	echo "$status" | grep -q "^CapInh:	0000000000000000" &&
	echo "$status" | grep -q "^CapAmb:	0000000000000000" &&
	echo "$status" | grep -q "^NoNewPrivs:	1"; then
	ok "after READY: uid $DU, CapEff/CapPrm/CapInh/CapAmb 0, NoNewPrivs 1"
else
	fail "after READY: every capability given up"
fi
events_at() { echo "$1" | sed -n 's/.*; \([0-9]*\) events.*/\1/p'; }
ev0=$(events_at "$ready_status")

# While it writes: a member of the group reads; mmap churn makes events.
as_reader "$T/lockgraph" --db "$DB" status >"$T/reader1.txt" 2>&1
rc1=$?
"$T/mmap_churn" -T 4 -t 4 >/dev/null 2>&1
for _ in $(seq 20); do /bin/true; done
wait $lpid
rc=$?
sed 's/^/# daemon: /' "$T/daemon.log"
grep -v WATCHDOG "$T/notify.log" | sed 's/^/# notify: /'
last=$(grep "STATUS=" "$T/notify.log" | tail -n 1)
ev1=$(events_at "$last")
if [ -n "$ev0" ] && [ -n "$ev1" ] && [ "$ev1" -gt "$ev0" ]; then
	ok "events consumed after the capabilities were dropped: STATUS went from $ev0 to $ev1 events"
else
	fail "events consumed after the capabilities were dropped: STATUS went from $ev0 to $ev1 events"
fi
wd=$(sed -n "/READY=1/,\$p" "$T/notify.log" | grep -c "WATCHDOG=1")
if [ "$wd" -ge 1 ] && grep -q "STOPPING=1" "$T/notify.log" && [ $rc -eq 0 ]; then
	ok "WATCHDOG=1 from the event loop after READY ($wd pings, WATCHDOG_USEC=2000000), STOPPING=1, exit 0"
else
	fail "WATCHDOG=1 from the event loop after READY ($wd pings, WATCHDOG_USEC=2000000), STOPPING=1, exit 0"
fi

# No root sqlite3 before the readers: the last read-write connection to
# close removes -wal and -shm, which the group's readers need.
modes=$(stat -c '%n %a %U %G' "$DB" "$DB-wal" "$DB-shm" 2>&1)
echo "$modes" | sed "s|$STATE/|# |"
if [ "$(echo "$modes" | awk '{print $2, $3, $4}' | sort -u)" = "640 $DU $G" ] &&
	[ "$(echo "$modes" | wc -l)" = 3 ]; then
	ok "lockgraph.db, -wal and -shm: 0640, owner $DU, group $G"
else
	fail "lockgraph.db, -wal and -shm: 0640, owner $DU, group $G"
fi
sed 's/^/# reader: /' "$T/reader1.txt"
if [ $rc1 -eq 0 ] && grep -q "source context *loaded" "$T/reader1.txt"; then
	ok "a member of $G, not root, runs lockgraph status while the daemon writes"
else
	fail "a member of $G, not root, runs lockgraph status while the daemon writes"
fi
as_reader "$T/lockgraph" --db "$DB" status >"$T/reader2.txt" 2>&1 &&
	as_reader "$T/lockgraph" --db "$DB" -j edges >"$T/edges.json" 2>&1 &&
	as_reader "$T/lockgraph" --db "$DB" -j top >"$T/top.json" 2>&1
rc=$?
sed 's/^/# reader: /' "$T/reader2.txt"
if [ $rc -eq 0 ] && grep -q "source context *loaded" "$T/reader2.txt" &&
	grep -Eq '"to_stack":\["[a-z_]+[a-z0-9_.]*\+0x[0-9a-f]+/0x[0-9a-f]+' "$T/edges.json"; then
	ok "... and after it stopped: status, and edges with symbolised stacks (CAP_SYSLOG): $(grep -o '"from"' "$T/edges.json" | wc -l) edges"
else
	fail "... and after it stopped: status, and edges with symbolised stacks (CAP_SYSLOG): $(grep -o '"from"' "$T/edges.json" | wc -l) edges"
fi
# Contention is drained from a BPF map with bpf() calls: they work after the drop.
check "contention on &mm->mmap_lock read from the map after the drop: $(grep -o '"class":"&mm->mmap_lock","count":[0-9]*' "$T/top.json")" \
	grep -Eq '"class":"&mm->mmap_lock","count":[1-9]' "$T/top.json"
setpriv --reuid=65534 --regid=65534 --clear-groups "$T/lockgraph" --db "$DB" status \
	>"$T/nobody.txt" 2>&1
rc=$?
if [ $rc -eq 1 ] && [ "$(wc -l <"$T/nobody.txt")" -eq 1 ] && grep -q "Permission denied" "$T/nobody.txt"; then
	ok "a user outside the group: exit 1, $(cat "$T/nobody.txt")"
else
	fail "a user outside the group: exit 1, $(cat "$T/nobody.txt")"
fi
if [ "$(stat -c %a "$DB" "$DB-wal" "$DB-shm" | sort -u)" = 640 ] &&
	[ "$(sqlite3 "$DB" 'PRAGMA integrity_check')" = ok ]; then
	ok "after the readers: still 0640, integrity_check ok"
else
	fail "after the readers: still 0640, integrity_check ok"
fi

# Why CAP_SYSLOG is in the set: without it /proc/kallsyms has no addresses.
if [ "$(cat /proc/sys/kernel/kptr_restrict)" = 0 ] &&
	[ "$(cat /proc/sys/kernel/perf_event_paranoid)" -le 1 ]; then
	n=$((n + 1))
	echo "skip $n - without CAP_SYSLOG (kptr_restrict 0 and perf_event_paranoid <= 1 show addresses to all)"
else
	nosys=$(echo "$caps" | sed -e 's/+syslog//' -e 's/,,*/,/g' -e 's/^,//' -e 's/,$//')
	setpriv --reuid="$DU" --regid="$G" --init-groups --inh-caps="-all,$nosys" \
		--ambient-caps="-all,$nosys" --bounding-set="-all,$nosys" --no-new-privs \
		"$T/lockgraphd" --db "$STATE/nosyslog.db" --duration 2 2>"$T/nosyslog.log"
	rc=$?
	sed 's/^/# /' "$T/nosyslog.log"
	# Unnamed locks are counted then, never fatal: it runs its duration.
	if [ $rc -eq 0 ] && grep -q "/proc/kallsyms: .*stacks will not be kept" "$T/nosyslog.log" &&
		! grep -q "^<3>" "$T/nosyslog.log"; then
		ok "without CAP_SYSLOG: $(grep kallsyms "$T/nosyslog.log"), and it still runs (exit 0)"
	else
		fail "without CAP_SYSLOG: the kallsyms warning, then a clean run (exit $rc)"
	fi
fi
exit 0
