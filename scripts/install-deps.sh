#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Install the Debian packages lockgraph needs to build, test and run, when
# they are missing.  Usage: scripts/install-deps.sh
# build|test|run|bench|fuzz|vm|kernel
# (vm: the QEMU guest tests and the static binaries they run; kernel: what
# scripts/build-lockdep-kernel.sh needs.)  Needs root (apt-get) only when
# something is missing.
set -eu

pkgs="gcc make pkg-config libsqlite3-dev sqlite3 clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev"
# The guests: static links need libc6-dev's libc.a and the -dev archives
# above; the lockdep guest's test module (tests/vm/build-abba.sh) the
# kernel source and what `make modules_prepare` runs.
vm="libc6-dev qemu-system-x86 busybox-static cpio linux-source-6.1 flex bison bc libssl-dev xz-utils"
case "${1:-build}" in
build | run) ;;
# graphviz, xmllint: show-cycle's pictures; systemd-analyze, man, groff,
# useradd and setpriv: the service and install tests; mandoc lints the man
# pages.
test) pkgs="$pkgs libcmocka-dev clang libclang-rt-14-dev graphviz libxml2-utils systemd man-db groff-base mandoc passwd util-linux $vm" ;;
# jq reads bpftool's JSON, taskset pins the workloads, perf splits their
# CPU time (bench/bench_capture.sh).
bench) pkgs="$pkgs jq util-linux linux-perf" ;;
fuzz) pkgs="$pkgs clang libclang-rt-14-dev" ;;
vm) pkgs="$pkgs $vm" ;;
kernel) pkgs="linux-source-6.1 build-essential bc flex bison libelf-dev libssl-dev dwarves xz-utils cpio" ;;
*)
	echo "install-deps.sh: unknown profile '$1' (build, test, run, bench, fuzz, vm, kernel)" >&2
	exit 2
	;;
esac

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "install-deps.sh: missing Debian packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "install-deps.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
