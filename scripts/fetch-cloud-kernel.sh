#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Download Debian's current cloud kernel package (the one
# linux-image-cloud-amd64 depends on) with apt-get and unpack it into the
# guest-kernel cache, for tests/vm/run.sh on a machine without ../shared/vm.
# A kernel already in the cache at the current version is kept as it is.
#
# usage: scripts/fetch-cloud-kernel.sh
#   Cache: $LOCKGRAPH_VM_CACHE/cloud, default
#   ${XDG_CACHE_HOME:-$HOME/.cache}/lockgraph/vm/cloud: boot/vmlinuz-*,
#   lib/modules/* (brd, loop, ... are modules there) and the .deb.
# Prints the kernel's path.  Exit status: 0, 1 failed (the reason on
# stderr).  Needs apt-get and dpkg-deb (Debian); root only when the package
# lists must be fetched first (apt-get update).
set -eu
prog=fetch-cloud-kernel.sh
repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/tests/vm/kernels.sh"
die() {
	echo "$prog: $*" >&2
	exit 1
}

meta=linux-image-cloud-amd64
command -v apt-get >/dev/null 2>&1 || die "no apt-get: this script needs Debian"
if ! apt-cache show "$meta" >/dev/null 2>&1; then
	[ "$(id -u)" = 0 ] || die "apt does not know $meta: run apt-get update as root"
	apt-get update -qq || die "apt-get update failed"
fi
# The versioned image the meta package depends on, e.g.
# linux-image-6.1.0-56-cloud-amd64 (= 6.1.192-2)
dep=$(apt-cache depends "$meta" | sed -n 's/^ *Depends: \(linux-image-[0-9].*-cloud-amd64\)$/\1/p' | head -n 1)
[ -n "$dep" ] || die "cannot tell which kernel $meta depends on (apt-cache depends $meta)"
release=${dep#linux-image-}
cache=$lg_vm_cache/cloud
if [ -f "$cache/boot/vmlinuz-$release" ]; then
	echo "$prog: $dep already in $cache" >&2
	echo "$cache/boot/vmlinuz-$release"
	exit 0
fi

mkdir -p "$lg_vm_cache"
tmp=$(mktemp -d "$lg_vm_cache/fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "$prog: downloading $dep" >&2
(cd "$tmp" && apt-get download -q "$dep" >&2) || die "apt-get download $dep failed"
deb=$(ls "$tmp"/*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || die "apt-get download $dep left no .deb"
mkdir "$tmp/x"
dpkg-deb -x "$deb" "$tmp/x" || die "dpkg-deb -x $(basename "$deb") failed"
[ -f "$tmp/x/boot/vmlinuz-$release" ] || die "$(basename "$deb") holds no boot/vmlinuz-$release"
mv "$deb" "$tmp/x/"
# Replace an older kernel only once the new one is complete.
rm -rf "$cache"
mv "$tmp/x" "$cache"
echo "$prog: $dep in $cache" >&2
echo "$cache/boot/vmlinuz-$release"
