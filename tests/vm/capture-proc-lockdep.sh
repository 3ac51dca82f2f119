#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Boot a lockdep kernel in QEMU (TCG), run the seed 000 hugetlb fault loop
# (tests/workloads/hugetlb_fault_loop.c) in it, and capture the kernel's
# /proc/lockdep_stats, /proc/lockdep and /proc/lockdep_chains, plus the
# /proc/kallsyms lines that resolve the class keys, as test fixtures.
#
# usage: tests/vm/capture-proc-lockdep.sh [options] [KERNEL]
#   KERNEL      bzImage with CONFIG_PROVE_LOCKING
#               (default /work/shared/vm/lockdep-6.1.192.bzImage)
#   -o DIR      output directory (default build/proc_lockdep)
#   -m MIB      guest memory (default 2048: a 1 GiB PUD-aligned hugetlb
#               mapping, needed for pmd sharing, needs 512 huge pages of
#               2 MiB, more than a 1024 MiB guest can reserve)
#   -p N        faulting processes (default 3)
#   -t SECONDS  workload run time (default 5)
#   -s PAGES    hugetlbfs file and mapping size in huge pages (default 512;
#               /init reserves PAGES + 64, and lowers PAGES, with a message,
#               when the guest cannot reserve that many)
#   -T TAG      file name tag (default hugetlb)
#   -H          keep hashed pointers (no "no_hash_pointers"): class keys
#               read "(____ptrval____)" or as hashes, as in most CI logs;
#               no kallsyms file
#   -c CHANNEL  where the guest writes the dumps: "uart" (default: a second
#               serial port that carries nothing else) or "console" (ttyS0,
#               shared with kernel messages; console loglevel is lowered
#               while dumping)
#   -w SECONDS  QEMU timeout (default 900)
#   -k          keep the console log in DIR even without a lockdep splat
#
# Files written to DIR (RELEASE is the guest's uname -r):
#   lockdep-RELEASE-TAG.txt, lockdep_stats-RELEASE-TAG.txt,
#   lockdep_chains-RELEASE-TAG.txt, kallsyms-RELEASE-keys.txt (not with -H),
#   console-RELEASE.txt (when the kernel printed a lockdep splat, or -k).
# A summary (command line, workload, timings, lockdep_stats) goes to stdout.
#
# Every section is checked against the line count, byte count and md5sum
# the guest computed before sending it.
#
# Exit status: 0 captured, 1 failed, 2 usage, 77 kernel image missing (skip).
# Needs qemu-system-x86, busybox-static, cpio, gcc and libc6-dev; installs
# the missing ones with apt-get when run as root.
set -eu

prog=capture-proc-lockdep.sh
repo=$(cd "$(dirname "$0")/../.." && pwd)

outdir=build/proc_lockdep
mem=2048
procs=3
seconds=5
pages=512
tag=hugetlb
hashed=0
channel=uart
qemu_timeout=900
keep_console=0
headroom=64

usage() {
	sed -n '/^# usage:/,/^# the missing/s/^# \{0,1\}//p' "$0"
}

die() {
	echo "$prog: $*" >&2
	exit 1
}

while getopts o:m:p:t:s:T:Hc:w:kh opt; do
	case $opt in
	o) outdir=$OPTARG ;;
	m) mem=$OPTARG ;;
	p) procs=$OPTARG ;;
	t) seconds=$OPTARG ;;
	s) pages=$OPTARG ;;
	T) tag=$OPTARG ;;
	H) hashed=1 ;;
	c) channel=$OPTARG ;;
	w) qemu_timeout=$OPTARG ;;
	k) keep_console=1 ;;
	h)
		usage
		exit 0
		;;
	*)
		usage >&2
		exit 2
		;;
	esac
done
shift $((OPTIND - 1))
[ $# -le 1 ] || {
	usage >&2
	exit 2
}
kernel=${1:-/work/shared/vm/lockdep-6.1.192.bzImage}

for v in "$mem" "$procs" "$seconds" "$pages" "$qemu_timeout"; do
	case $v in
	'' | *[!0-9]*)
		echo "$prog: '$v' is not a number" >&2
		exit 2
		;;
	esac
done
case $channel in
uart | console) ;;
*)
	echo "$prog: -c takes uart or console, not '$channel'" >&2
	exit 2
	;;
esac

if [ ! -f "$kernel" ]; then
	echo "$prog: SKIP: kernel image $kernel does not exist" \
		"(build it as /work/shared/vm/README.md says, or pass its path)"
	exit 77
fi

# --- host tools ------------------------------------------------------------

need_pkgs=""
command -v qemu-system-x86_64 >/dev/null 2>&1 || need_pkgs="$need_pkgs qemu-system-x86"
if ! [ -x /bin/busybox ] || ldd /bin/busybox >/dev/null 2>&1; then
	need_pkgs="$need_pkgs busybox-static"	# missing, or the dynamic busybox
fi
command -v cpio >/dev/null 2>&1 || need_pkgs="$need_pkgs cpio"
command -v gzip >/dev/null 2>&1 || need_pkgs="$need_pkgs gzip"
command -v gcc >/dev/null 2>&1 || need_pkgs="$need_pkgs gcc"
[ -f /usr/lib/x86_64-linux-gnu/libc.a ] || need_pkgs="$need_pkgs libc6-dev"
if [ -n "$need_pkgs" ]; then
	[ "$(id -u)" = 0 ] || die "missing Debian packages:$need_pkgs (run as root to install them)"
	echo "$prog: installing$need_pkgs"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $need_pkgs >/dev/null
fi
if ldd /bin/busybox >/dev/null 2>&1; then
	die "/bin/busybox is dynamically linked; install busybox-static"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/capture-proc-lockdep.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 1' INT TERM

# --- static workload -------------------------------------------------------

root=$work/initramfs
mkdir -p "$root/bin" "$root/dev" "$root/etc" "$root/proc" "$root/sys" \
	"$root/tmp" "$root/mnt/huge"
gcc -std=c11 -static -O2 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -o "$root/bin/hugetlb_fault_loop" \
	"$repo/tests/workloads/hugetlb_fault_loop.c" ||
	die "building tests/workloads/hugetlb_fault_loop.c failed"

# --- initramfs -------------------------------------------------------------

cp /bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
# The kernel opens /dev/console before running /init; without root we cannot
# create the node, and /init reopens its output on devtmpfs instead.
[ "$(id -u)" = 0 ] && mknod "$root/dev/console" c 5 1

if [ "$channel" = uart ]; then
	data_dev=/dev/ttyS1
else
	data_dev=/dev/console
fi
cat >"$root/etc/capture.conf" <<EOF
PROCS=$procs
SECONDS_RUN=$seconds
PAGES=$pages
HEADROOM=$headroom
DATA_DEV=$data_dev
CHANNEL=$channel
EOF

cat >"$root/init" <<'EOF'
#!/bin/sh
# /init of capture-proc-lockdep.sh: run the hugetlb fault loop, dump lockdep.
/bin/busybox mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec 0</dev/console 1>/dev/console 2>&1
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t hugetlbfs hugetlbfs /mnt/huge
. /etc/capture.conf

say() { echo "LOCKGRAPH-CAPTURE: $*"; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }
finish() {
	say "done"
	sync
	sleep 1
	reboot -f
}

say "init uptime $(uptime_s) release $(uname -r)"
say "cmdline $(cat /proc/cmdline)"
[ -e /proc/lockdep ] || { say "ERROR no /proc/lockdep"; finish; }

want=$((PAGES + HEADROOM))
echo "$want" >/proc/sys/vm/nr_hugepages
got=$(cat /proc/sys/vm/nr_hugepages)
say "nr_hugepages requested $want got $got"
pages=$PAGES
if [ "$got" -lt "$want" ]; then
	pages=$((got - HEADROOM))
	say "WARNING only $got huge pages could be reserved: workload uses -s $pages"
fi
[ "$pages" -ge 1 ] || { say "ERROR no huge pages"; finish; }
grep -E '^(MemTotal|MemFree|HugePages_Total|HugePages_Free|Hugepagesize)' /proc/meminfo

args="-p $PROCS -t $SECONDS_RUN -f /mnt/huge/hugetlb_fault_loop -s $pages"
say "workload args $args"
t0=$(uptime_s)
hugetlb_fault_loop $args
rc=$?
t1=$(uptime_s)
say "workload exit $rc uptime $t0 $t1"
grep -E '^(HugePages_Total|HugePages_Free)' /proc/meminfo

# Snapshot everything before sending anything, so the counts below describe
# exactly what is sent.
cat /proc/lockdep_stats >/tmp/lockdep_stats
cat /proc/lockdep >/tmp/lockdep
cat /proc/lockdep_chains >/tmp/lockdep_chains
sections="lockdep_stats lockdep lockdep_chains"

# With no_hash_pointers the class keys are addresses: send the data symbols
# of kallsyms (and _text, _end), and the host keeps those the keys resolve to.
if grep -qw no_hash_pointers /proc/cmdline; then
	awk '$2 ~ /^[bBdDrR]$/ || $3 == "_text" || $3 == "_end"' /proc/kallsyms \
		>/tmp/kallsyms_data
	sections="$sections kallsyms_data"
fi

[ "$CHANNEL" = console ] && echo 1 >/proc/sys/kernel/printk
[ "$CHANNEL" = uart ] && stty -F "$DATA_DEV" raw -echo 115200
for s in $sections; do
	info="lines=$(wc -l </tmp/$s) bytes=$(wc -c </tmp/$s) md5=$(md5sum </tmp/$s | cut -d' ' -f1)"
	say "section $s $info uptime $(uptime_s)"
	{
		echo "@@LOCKGRAPH-BEGIN $s $info@@"
		cat "/tmp/$s"
		echo "@@LOCKGRAPH-END $s@@"
	} >"$DATA_DEV"
done
[ "$CHANNEL" = console ] && echo 7 >/proc/sys/kernel/printk
say "dump uptime $(uptime_s)"
finish
EOF
chmod 755 "$root/init"

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1) \
	>"$work/initramfs.cpio.gz"

# --- boot ------------------------------------------------------------------

append="console=ttyS0 panic=-1"
[ "$hashed" = 1 ] || append="$append no_hash_pointers"
console=$work/console.log
data=$work/data.log
: >"$data"
echo "$prog: booting $kernel (-m $mem, -append \"$append\"), workload" \
	"-p $procs -t $seconds -s $pages, data over $channel"
start=$(date +%s.%N)
rc=0
timeout "$qemu_timeout" qemu-system-x86_64 -accel tcg -m "$mem" -smp 2 \
	-nodefaults -display none -no-reboot \
	-kernel "$kernel" -initrd "$work/initramfs.cpio.gz" -append "$append" \
	-serial "file:$console" -serial "file:$data" || rc=$?
end=$(date +%s.%N)
wall=$(echo "$start $end" | awk '{ printf "%.1f", $2 - $1 }')
[ "$channel" = console ] && data=$console
if [ "$rc" = 124 ]; then
	tail -n 30 "$console" >&2
	die "QEMU did not finish within $qemu_timeout s"
fi
[ "$rc" = 0 ] || {
	tail -n 30 "$console" >&2
	die "QEMU failed (exit $rc)"
}
grep -q '^LOCKGRAPH-CAPTURE: done' "$console" || {
	tail -n 30 "$console" >&2
	die "the guest did not finish (see the console above)"
}
if grep -q '^LOCKGRAPH-CAPTURE: ERROR' "$console"; then
	grep '^LOCKGRAPH-CAPTURE: ERROR' "$console" >&2
	die "the guest reported an error"
fi

# --- extract and check -----------------------------------------------------

cap() { # the value after "LOCKGRAPH-CAPTURE: $1 " in the console log
	sed -n "s/^LOCKGRAPH-CAPTURE: $1 //p" "$console" | tr -d '\r' | head -n 1
}
release=$(cap init | awk '{ print $4 }')
[ -n "$release" ] || die "no kernel release in the console log"
mkdir -p "$outdir"

extract() { # section name, output file
	hdr=$(tr -d '\r' <"$data" | grep -a "@@LOCKGRAPH-BEGIN $1 " | head -n 1)
	[ -n "$hdr" ] || die "section $1 missing from the $channel output"
	want_lines=$(echo "$hdr" | sed -n 's/.* lines=\([0-9]*\) .*/\1/p')
	want_bytes=$(echo "$hdr" | sed -n 's/.* bytes=\([0-9]*\) .*/\1/p')
	want_md5=$(echo "$hdr" | sed -n 's/.* md5=\([0-9a-f]*\)@@.*/\1/p')
	tr -d '\r' <"$data" | awk -v b="@@LOCKGRAPH-BEGIN $1 " -v e="@@LOCKGRAPH-END $1@@" '
		index($0, e) { exit }
		on { print }
		index($0, b) { on = 1 }' >"$2.tmp"
	lines=$(wc -l <"$2.tmp")
	bytes=$(wc -c <"$2.tmp")
	md5=$(md5sum <"$2.tmp" | cut -d' ' -f1)
	if [ "$lines" != "$want_lines" ] || [ "$bytes" != "$want_bytes" ] ||
		[ "$md5" != "$want_md5" ]; then
		rm -f "$2.tmp"
		die "section $1 arrived mangled: $lines lines, $bytes bytes, md5 $md5;" \
			"the guest sent $want_lines lines, $want_bytes bytes, md5 $want_md5" \
			"(with -c console, kernel messages can interleave: use -c uart)"
	fi
	mv "$2.tmp" "$2"
	echo "$prog: $2: $lines lines, $bytes bytes, md5 $md5"
}

extract lockdep_stats "$outdir/lockdep_stats-$release-$tag.txt"
extract lockdep "$outdir/lockdep-$release-$tag.txt"
extract lockdep_chains "$outdir/lockdep_chains-$release-$tag.txt"

# The kallsyms lines of the data symbols that the class keys fall in, for
# the keys inside the kernel image (_text to _end); keys elsewhere (per-cpu
# data, dynamically registered keys) stay unresolved.
resolve_keys() { # /proc/lockdep, /proc/lockdep_chains, kallsyms data symbols
	text=$(awk '$3 == "_text" { print $1; exit }' "$3")
	end=$(awk '$3 == "_end" { print $1; exit }' "$3")
	if [ -z "$text" ] || [ -z "$end" ]; then
		die "no _text or _end in kallsyms"
	fi
	cat "$1" "$2" |
		sed -n 's/^ *\(-> \)\{0,1\}\[\{0,1\}\([0-9a-f]\{16\}\)[] ].*/\2/p' |
		LC_ALL=C sort -u >"$work/keys"
	awk -v lo="$text" -v hi="$end" '($1 "") >= lo && ($1 "") < hi' \
		"$work/keys" >"$work/keys.in"
	{
		awk '{ print $1 " 1" }' "$work/keys.in"
		awk -v lo="$text" -v hi="$end" '$2 ~ /^[bBdDrR]$/ &&
			($1 "") >= lo && ($1 "") < hi { print $1 " 0 " $0 }' "$3"
	} | LC_ALL=C sort | awk '
		$2 == "0" {
			if ($1 != addr) { n = 0; addr = $1 }
			sym[n++] = substr($0, 20)
			next
		}
		{ for (i = 0; i < n; i++) print sym[i] }' | uniq
}
if [ "$hashed" = 0 ]; then
	extract kallsyms_data "$work/kallsyms_data"
	keys_file=$outdir/kallsyms-$release-keys.txt
	resolve_keys "$outdir/lockdep-$release-$tag.txt" \
		"$outdir/lockdep_chains-$release-$tag.txt" "$work/kallsyms_data" \
		>"$keys_file"
	echo "$prog: $keys_file: $(wc -l <"$keys_file") symbols for" \
		"$(wc -l <"$work/keys.in") of $(wc -l <"$work/keys") class keys" \
		"(the others are outside the kernel image)"
fi

splat=0
if tr -d '\r' <"$console" | grep -Eq \
	'(WARNING|INFO|BUG): (possible|inconsistent|suspicious|lock held|held lock|bad unlock|nested lock|sleeping function)'; then
	splat=1
fi
if [ "$splat" = 1 ] || [ "$keep_console" = 1 ]; then
	tr -d '\r' <"$console" >"$outdir/console-$release.txt"
	echo "$prog: $outdir/console-$release.txt: console log" \
		"$([ "$splat" = 1 ] && echo '(lockdep splat found)')"
fi

stat_of() { # a /proc/lockdep_stats value
	sed -n "s/^ *$1: *\([0-9]*\).*/\1/p" "$outdir/lockdep_stats-$release-$tag.txt"
}
boot=$(cap init | awk '{ print $2 }')
wl=$(cap "workload exit" | awk '{ printf "%.2f", $4 - $3 }')
echo "--- capture summary"
echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "kernel: $kernel ($release), md5 $(md5sum <"$kernel" | cut -d' ' -f1)"
echo "qemu: qemu-system-x86_64 -accel tcg -m $mem -smp 2 -nodefaults -display none -no-reboot"
echo "cmdline: $(cap cmdline)"
echo "huge pages: $(cap nr_hugepages)"
echo "workload: hugetlb_fault_loop $(cap 'workload args')"
tr -d '\r' <"$console" | grep '^hugetlb_fault_loop: ' || true
echo "boot to /init: $boot s (guest uptime)"
echo "workload: $wl s (guest uptime)"
echo "QEMU wall time: $wall s"
echo "lock-classes: $(stat_of lock-classes)"
echo "direct dependencies: $(stat_of 'direct dependencies')"
echo "dependency chains: $(stat_of 'dependency chains')"
echo "debug_locks: $(stat_of debug_locks)"
echo "lockdep splat on the console: $([ "$splat" = 1 ] && echo yes || echo no)"
