#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# The early-attach recipe for the guest harness, in a real QEMU guest:
# lockgraph-boot start first thing in the busybox /init of
# tests/vm/run-guest.sh, with the database from "lockgraph.db=" on the
# kernel command line, an mmap churn, then lockgraph-boot finish (the
# guest's dmesg and /proc/lockdep), and lockgraph status on the result.
# In `make test` with Debian's cloud kernel (about 1.5 minutes under TCG);
# the lockdep kernel takes about 5 (the verifier loading four sources):
#   tests/install/guest-boot.sh BUILD_DIR [KERNEL]
# Uses the static lockgraphd, lockgraph and mmap_churn of `make static`.
# Prints ok/not ok/skip.
set -u
cd "$(dirname "$0")/../.." || exit 1
repo=$PWD
BUILD=${1:-build}
# shellcheck source=tests/vm/kernels.sh
. tests/vm/kernels.sh
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; }
if [ $# -ge 2 ]; then
	KERNEL=$2
elif ! KERNEL=$(lg_cloud_kernel); then
	echo "skip 1 - guest boot: $KERNEL"
	exit 0
fi
[ -r "$KERNEL" ] || { echo "skip 1 - guest boot: no kernel $KERNEL"; exit 0; }
command -v qemu-system-x86_64 >/dev/null || { echo "skip 1 - guest boot: no qemu-system-x86_64"; exit 0; }
S=$BUILD/static
for b in lockgraphd lockgraph mmap_churn; do
	# make test builds them (a failed static link fails make); make check
	# and check-asan do not
	[ -x "$S/$b" ] || { echo "skip 1 - guest boot: $S/$b is not built (make static)"; exit 0; }
done

G=$BUILD/guest-boot
rm -rf "$G" && mkdir -p "$G" || exit 1
make --no-print-directory install DESTDIR="$PWD/$G/dest" PREFIX=/usr >/dev/null || exit 1
cat >"$G/scenario.sh" <<'SCENARIO'
export LOCKGRAPHD=/bin/lockgraphd LOCKGRAPH=/bin/lockgraph
sh /data/lockgraph-boot start --state /run/lockgraph
lgrun_say "start exit $?"
/bin/mmap_churn -T 2 -t 3 >/dev/null 2>&1
sh /data/lockgraph-boot finish --state /run/lockgraph
lgrun_say "finish exit $?"
/bin/lockgraph --db /out/boot.db status >/out/status.txt 2>&1
cp /run/lockgraph/lockgraphd.log /out/
SCENARIO
tests/vm/run-guest.sh -q -k "$KERNEL" -s "$G/scenario.sh" \
	-f "$G/dest/usr/libexec/lockgraph/lockgraph-boot" -a "lockgraph.db=/out/boot.db" \
	-o "$G/out" -w 1200 "$S/lockgraphd" "$S/lockgraph" "$S/mmap_churn" \
	>"$G/run.log" 2>&1
rc=$?
sed 's/^/# /' "$G/run.log"
grep "LGRUN\|lockgraph-boot" "$G/out/console.log" | sed 's/^/# guest: /'
grep -v "^<4>" "$G/out/lockgraphd.log" 2>/dev/null | sed 's/^/# lockgraphd: /'
sed 's/^/# status: /' "$G/out/status.txt" 2>/dev/null
case $rc in 77) echo "skip 1 - guest boot: run-guest.sh says the kernel is missing"; exit 0 ;; esac
if [ $rc -eq 0 ] && grep -q "LGRUN: start exit 0" "$G/out/console.log" &&
	grep -q "lockgraph-boot: lockgraphd (pid [0-9]*) attached in" "$G/out/console.log"; then
	ok "start in the guest's /init: attached, database from lockgraph.db= on the command line"
else
	fail "start in the guest (run-guest.sh exit $rc)"
fi
if grep -q "LGRUN: finish exit 0" "$G/out/console.log" &&
	grep -q "lockgraphd stopped: .* events" "$G/out/console.log" &&
	! grep -q "^<3>" "$G/out/lockgraphd.log"; then
	ok "finish stopped the daemon cleanly"
else
	fail "finish stopped the daemon cleanly"
fi
if [ -e "$G/out/status.txt" ] && grep -q "lockgraphd)" "$G/out/status.txt" &&
	grep -Eq "source [a-z]+ +loaded, [1-9][0-9]* events" "$G/out/status.txt" &&
	grep -q "proc-lockdep.txt: /proc/lockdep dump: [0-9]* classes\|no /proc/lockdep" "$G/out/console.log"; then
	ok "one boot row: live events from the sources, and the guest's /proc/lockdep where it has one"
else
	fail "the boot's database: live events and /proc/lockdep"
fi
exit 0
