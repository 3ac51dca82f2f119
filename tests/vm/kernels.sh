# SPDX-License-Identifier: GPL-2.0-only
#
# Where the guest kernels are, for tests/vm/run.sh and the scripts that
# fetch or build them (sourced; sh).  ../shared/vm beside the repository
# first (the team's prebuilt kernels), then the cache that
# scripts/fetch-cloud-kernel.sh and scripts/build-lockdep-kernel.sh fill:
# $LOCKGRAPH_VM_CACHE, default ${XDG_CACHE_HOME:-$HOME/.cache}/lockgraph/vm.
# The sourcing script sets $repo (the repository's top directory).
# Each lg_*_kernel function prints a path and returns 0, or prints where it
# looked and returns 1.

lg_vm_cache=${LOCKGRAPH_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lockgraph/vm}
lg_vm_shared=${LOCKGRAPH_VM_SHARED:-$repo/../shared/vm}

# lg_first PATTERN...: the last (newest by name) existing file of the globs.
lg_first() {
	found=
	for f in "$@"; do
		[ -f "$f" ] && found=$f
	done
	[ -n "$found" ] && echo "$found"
}

# Debian 12's stock cloud kernel: production config (BTF, fentry), no lockdep.
lg_cloud_kernel() {
	lg_first "$lg_vm_shared"/debian-cloud-*.vmlinuz ||
		lg_first "$lg_vm_cache"/cloud/boot/vmlinuz-*-cloud-amd64 ||
		{
			echo "no Debian cloud kernel in $lg_vm_shared or $lg_vm_cache/cloud" \
				"(scripts/fetch-cloud-kernel.sh downloads it)"
			return 1
		}
}

# The 6.1 kernel with PROVE_LOCKING and BTF (tests/vm/lockdep-kernel.config).
lg_lockdep_kernel() {
	lg_first "$lg_vm_shared"/lockdep-*.bzImage ||
		lg_first "$lg_vm_cache"/lockdep-*.bzImage ||
		{
			echo "no lockdep kernel in $lg_vm_shared or $lg_vm_cache" \
				"(scripts/build-lockdep-kernel.sh builds it, about 6 minutes on 2 cores)"
			return 1
		}
}

# lg_cloud_module KERNEL NAME OUT: the module NAME.ko (brd, loop: modules
# in Debian's config) of the cloud KERNEL found above, copied to OUT: from
# the package beside it in ../shared/vm, or from the cache's unpacked one.
lg_cloud_module() {
	case $1 in
	"$lg_vm_shared"/*)
		deb=$(lg_first "$lg_vm_shared"/linux-image-*-cloud-amd64_*.deb) || return 1
		dpkg-deb --fsys-tarfile "$deb" | tar -xOf - --wildcards "*/$2.ko" >"$3" 2>/dev/null &&
			[ -s "$3" ]
		;;
	*)
		ko=$(lg_first "$(dirname "$1")"/../lib/modules/*/kernel/drivers/*/"$2".ko) &&
			cp "$ko" "$3"
		;;
	esac
}
