#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Build the lockdep guest kernel from Debian's linux-source-6.1:
# `make tinyconfig`, the fragment tests/vm/lockdep-kernel.config
# (PROVE_LOCKING, LOCK_STAT, BTF, BPF JIT, hugetlbfs, ext4, ram disk),
# `make olddefconfig`, `make bzImage`; into the guest-kernel cache, for
# tests/vm/run.sh on a machine without ../shared/vm.  About 6 minutes on
# 2 cores.  A kernel already in the cache, built from the same source
# version and fragment, is kept as it is.
#
# usage: scripts/build-lockdep-kernel.sh [-j JOBS]
#   Cache: $LOCKGRAPH_VM_CACHE, default ${XDG_CACHE_HOME:-$HOME/.cache}/lockgraph/vm:
#   lockdep-VERSION.bzImage, lockdep-VERSION.config (the full config).
# Prints the bzImage's path.  Exit status: 0, 1 failed (the reason, and
# the end of the build log, on stderr).  The packages it needs are
# scripts/install-deps.sh's "kernel" profile (installed when run as root).
set -eu
prog=build-lockdep-kernel.sh
repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/tests/vm/kernels.sh"
die() {
	echo "$prog: $*" >&2
	exit 1
}

jobs=2
while getopts j: opt; do
	case $opt in
	j) jobs=$OPTARG ;;
	*)
		sed -n 's/^# usage: /usage: /p' "$0" >&2
		exit 2
		;;
	esac
done

"$repo/scripts/install-deps.sh" kernel || die "the kernel build's Debian packages are missing"
tarball=$(ls /usr/src/linux-source-6.1.tar.xz 2>/dev/null) ||
	die "no /usr/src/linux-source-6.1.tar.xz (apt-get install linux-source-6.1)"
version=$(dpkg-query -W -f='${Version}' linux-source-6.1 | sed 's/-.*//')
fragment=$repo/tests/vm/lockdep-kernel.config
stamp=$(md5sum <"$fragment" | cut -c1-8)
out=$lg_vm_cache/lockdep-$version.bzImage
if [ -f "$out" ] && [ "$(cat "$out.stamp" 2>/dev/null)" = "$stamp" ]; then
	echo "$prog: $out is built from linux-source-6.1 $version and this fragment" >&2
	echo "$out"
	exit 0
fi

mkdir -p "$lg_vm_cache"
tmp=$(mktemp -d "$lg_vm_cache/build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
log=$tmp/build.log
echo "$prog: unpacking $tarball ($version)" >&2
tar -xJf "$tarball" -C "$tmp" || die "unpacking $tarball failed"
src=$(ls -d "$tmp"/linux-source-6.1* | head -n 1)
start=$(date +%s)
{
	make -C "$src" tinyconfig &&
		(cd "$src" && scripts/kconfig/merge_config.sh -m .config "$fragment") &&
		make -C "$src" olddefconfig &&
		make -C "$src" -j"$jobs" bzImage
} >"$log" 2>&1 || {
	tail -n 30 "$log" >&2
	die "the kernel build failed (the end of its log is above)"
}
# The fragment's options must have survived olddefconfig.
missing=$(grep '^CONFIG_.*=y$' "$fragment" | while read -r opt; do
	grep -qx "$opt" "$src/.config" || echo "${opt%=y}"
done)
[ -z "$missing" ] || echo "$prog: warning: not in the built config:" $missing >&2
cp "$src/arch/x86/boot/bzImage" "$out.tmp"
cp "$src/.config" "$lg_vm_cache/lockdep-$version.config"
mv "$out.tmp" "$out"
echo "$stamp" >"$out.stamp"
echo "$prog: built $out in $(($(date +%s) - start)) s" >&2
echo "$out"
