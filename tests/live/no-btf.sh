#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# lockgraphd on a kernel whose BTF cannot be found: every source says why
# in one line, the daemon exits 3 ("kernel unsupported", which the unit's
# RestartPreventExitStatus keeps systemd from restarting) and the database
# gets no boot row.  The kernel here has BTF, so the test hides it the way
# a kernel built without CONFIG_DEBUG_INFO_BTF looks to libbpf: an empty
# tmpfs over /sys/kernel/btf in a private mount namespace (unshare -m), so
# btf__load_vmlinux_btf() finds nothing.  Needs root and unshare(1).
# Usage: tests/live/no-btf.sh path/to/lockgraphd
set -u
LGD=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; }
skip_all() { n=$((n + 1)); echo "skip $n - kernel without BTF: $1"; exit 0; }

[ -x "$LGD" ] || skip_all "lockgraphd is not built ($LGD)"
[ "$(id -u)" = 0 ] || skip_all "not root: hiding /sys/kernel/btf needs a mount namespace"
command -v unshare >/dev/null || skip_all "no unshare(1) (util-linux)"
[ -d /sys/kernel/btf ] || skip_all "no /sys/kernel/btf to hide"
# Where else libbpf (btf__load_vmlinux_btf) looks: a kernel without BTF
# in /sys can still have it there.
r=$(uname -r)
for f in /boot/vmlinux-$r /lib/modules/$r/vmlinux-$r /lib/modules/$r/build/vmlinux \
	/usr/lib/modules/$r/kernel/vmlinux /usr/lib/debug/boot/vmlinux-$r \
	/usr/lib/debug/boot/vmlinux-$r.debug /usr/lib/debug/lib/modules/$r/vmlinux; do
	[ -e "$f" ] && skip_all "libbpf would find the BTF in $f"
done

T=$(mktemp -d /tmp/lg-nobtf.XXXXXX)
trap 'rm -rf "$T"' EXIT
unshare -m sh -c 'mount --make-rprivate / && mount -t tmpfs none /sys/kernel/btf &&
	exec "$0" --db "$1" --duration 2' "$LGD" "$T/db" >"$T/out" 2>"$T/log"
rc=$?
sed 's/^/# /' "$T/log"
if [ $rc -eq 3 ]; then
	ok "exit 3 (no probe source can run) without the kernel's BTF"
else
	fail "exit 3 (no probe source can run) without the kernel's BTF: exit $rc"
fi
nbtf=$(grep -c "source [a-z]*: not loaded: the kernel has no BTF (no /sys/kernel/btf/vmlinux: built without CONFIG_DEBUG_INFO_BTF)$" "$T/log")
if [ "$nbtf" -eq 4 ] && grep -q "no probe source can run on this kernel" "$T/log"; then
	ok "each of the 4 sources says the kernel has no BTF, then one line for the exit"
else
	fail "each of the 4 sources says the kernel has no BTF ($nbtf lines)"
fi
if [ ! -e "$T/db" ] ||
	[ "$(sqlite3 "$T/db" 'SELECT count(*) FROM boots' 2>&1)" = 0 ]; then
	ok "no boot row written"
else
	fail "no boot row written: $(sqlite3 "$T/db" 'SELECT * FROM boots' 2>&1)"
fi
# The same binary with the BTF visible gets past that point (a control, so
# that the checks above cannot pass for another reason).
"$LGD" --db "$T/db2" --duration 1 --sources contention >"$T/out2" 2>"$T/log2"
rc2=$?
if grep -q "source contention: loaded" "$T/log2"; then
	ok "control: with the BTF visible the contention source loads (exit $rc2)"
elif grep -q "source contention: not loaded" "$T/log2"; then
	echo "skip $((n = n + 1)) - control: the contention source does not load here either: $(grep 'source contention' "$T/log2")"
else
	fail "control run: $(tail -1 "$T/log2")"
fi
exit 0
