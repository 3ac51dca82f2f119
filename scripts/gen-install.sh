#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Write what `make install` installs with the install paths filled in: the
# systemd units from systemd/*.in and libexec/lockgraph-boot.
# lockgraphd-early.service gets lockgraphd.service's [Service] section, so
# the two never drift apart.
# Usage: scripts/gen-install.sh OUTDIR BINDIR SBINDIR LIBEXECDIR
set -eu
[ $# -eq 4 ] || { echo "usage: $0 OUTDIR BINDIR SBINDIR LIBEXECDIR" >&2; exit 2; }
out=$1 bindir=$2 sbindir=$3 libexecdir=$4
top=$(dirname "$0")/..
mkdir -p "$out"
subst() {
	sed -e "s|@BINDIR@|$bindir|g" -e "s|@SBINDIR@|$sbindir|g" \
	    -e "s|@LIBEXECDIR@|$libexecdir|g" "$@"
}
subst "$top/systemd/lockgraphd.service.in" >"$out/lockgraphd.service"
subst "$top/systemd/lockgraph-boot-ingest.service.in" \
	>"$out/lockgraph-boot-ingest.service"
# The [Service] section: from its header up to the next section.
awk '/^\[/ { in_svc = ($0 == "[Service]") } in_svc' "$out/lockgraphd.service" \
	>"$out/service.section"
awk -v f="$out/service.section" '
	$0 == "@SERVICE@" { while ((getline l < f) > 0) print l; next }
	{ print }' "$top/systemd/lockgraphd-early.unit.in" \
	>"$out/lockgraphd-early.service"
rm -f "$out/service.section"
subst "$top/libexec/lockgraph-boot" >"$out/lockgraph-boot"
chmod 755 "$out/lockgraph-boot"
