#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Build tests/vm/abba/lockgraph_abba.ko (the injected ABBA inversion)
# for the lockdep guest kernel whose full config is CONFIG: Debian's
# linux-source-6.1 configured with it and `make modules_prepare`d once into
# the guest-kernel cache (about 2 minutes), then the module (seconds).
# The config has no MODVERSIONS and no module signing: a module built from
# the same source and config loads into that kernel.
#
# usage: tests/vm/build-abba.sh CONFIG OUTDIR
# Prints the .ko's path.  Exit status: 0 built, 1 failed (reason and log
# end on stderr), 77 linux-source-6.1 is not installed (skip).
set -eu
prog=build-abba.sh
repo=$(cd "$(dirname "$0")/../.." && pwd)
. "$repo/tests/vm/kernels.sh"
[ $# -eq 2 ] || { sed -n 's/^# usage: /usage: /p' "$0" >&2; exit 2; }
config=$1 outdir=$2
tarball=/usr/src/linux-source-6.1.tar.xz
if ! [ -f "$tarball" ]; then
	echo "$prog: no $tarball (scripts/install-deps.sh kernel)"
	exit 77
fi
version=$(dpkg-query -W -f='${Version}' linux-source-6.1 | sed 's/-.*//')
tree=$lg_vm_cache/modules-$version-$(md5sum <"$config" | cut -c1-8)
mkdir -p "$outdir"
log=$outdir/build-abba.log
: >"$log"
fail() {
	tail -n 20 "$log" >&2
	echo "$prog: $*" >&2
	exit 1
}

if ! [ -f "$tree/.prepared" ]; then
	mkdir -p "$lg_vm_cache"
	tmp=$(mktemp -d "$lg_vm_cache/modules.XXXXXX")
	tar -xJf "$tarball" -C "$tmp" >>"$log" 2>&1 || fail "unpacking $tarball failed"
	src=$(ls -d "$tmp"/linux-source-6.1*)
	cp "$config" "$src/.config"
	make -C "$src" olddefconfig >>"$log" 2>&1 || fail "make olddefconfig failed"
	make -C "$src" -j2 modules_prepare >>"$log" 2>&1 || fail "make modules_prepare failed"
	touch "$src/.prepared"
	rm -rf "$tree"
	mv "$src" "$tree"
	rm -rf "$tmp"
fi
rm -rf "$outdir/abba"
cp -r "$repo/tests/vm/abba" "$outdir/abba"
make -C "$tree" M="$outdir/abba" modules >>"$log" 2>&1 || fail "building the module failed"
echo "$outdir/abba/lockgraph_abba.ko"
