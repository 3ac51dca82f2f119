#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Run a scenario script in a QEMU guest and bring back its output.
#
# The guest is a busybox initramfs holding the given static binaries (in
# /bin) and files (in /data), and SCENARIO as /scenario.  /init mounts
# proc, sysfs, devtmpfs, debugfs, tracefs and a hugetlbfs on /mnt/huge,
# runs "sh /scenario" with the console as its output (killed after -t
# seconds), then sends everything the scenario left in /out back over a
# second serial port (a gzipped tar, base64, checked against the md5sum the
# guest computed) and reboots.
#
# usage: tests/vm/run-guest.sh [options] -k KERNEL -s SCENARIO [BINARY...]
#        tests/vm/run-guest.sh -k KERNEL -P
#   -k KERNEL   bzImage/vmlinuz to boot
#   -s SCENARIO shell script run in the guest (busybox sh); its exit status
#               is this script's
#   BINARY      static executables copied to /bin (dynamic ones are refused)
#   -f FILE     a file copied to /data (repeatable)
#   -e VAR=VAL  an environment variable for the scenario (repeatable)
#   -o DIR      where /out is unpacked, and console.log written
#               (default build/vm-run)
#   -m MIB      guest memory (default 1024)
#   -c CPUS     guest CPUs (default 2)
#   -a ARGS     more kernel command line (appended to
#               "console=ttyS0 panic=-1 no_hash_pointers")
#   -t SECONDS  scenario timeout inside the guest (default: the QEMU
#               timeout less 60 s); /out still comes back after it
#   -w SECONDS  QEMU timeout (default 600)
#   -A ACCEL    kvm, tcg or auto (default: $LG_VM_ACCEL, else auto): auto
#               boots KERNEL under KVM once without an initramfs and uses
#               KVM only when that reaches the kernel's panic (nested KVM
#               fails on some hosts: "failed to set MSR 0x10a")
#   -P          only print the accelerator auto would use, and why
#   -q          do not echo the console while the guest runs
#
# In the scenario: $OUT is /out; "lgrun_say TEXT" prints a marked line
# ("LGRUN: TEXT"); the kernel's messages go to the console as well.  Its
# background jobs start with SIGINT ignored (POSIX sh): stop them with a
# signal they handle, after they have installed their handler.
#
# Exit status: the scenario's (0..123; 124 when it timed out inside the
# guest), 124 when QEMU timed out, 125 when the guest
# did not get to run it or its output came back mangled, 2 usage, 77 kernel
# image missing (skip).  Needs qemu-system-x86, busybox-static, cpio, gzip.
set -eu

prog=run-guest.sh

kernel=
scenario=
outdir=build/vm-run
mem=1024
cpus=2
append_more=
qemu_timeout=600
scenario_timeout=
quiet=0
files=
envs=
accel=${LG_VM_ACCEL:-auto}
probe_only=0

usage() {
	sed -n '/^# usage:/,/^# image missing/s/^# \{0,1\}//p' "$0"
}

die() {
	echo "$prog: $*" >&2
	exit 125
}

nl='
'
while getopts k:s:f:e:o:m:c:a:t:w:A:Pqh opt; do
	case $opt in
	k) kernel=$OPTARG ;;
	s) scenario=$OPTARG ;;
	f) files="$files$OPTARG$nl" ;;
	e) envs="$envs$OPTARG$nl" ;;
	o) outdir=$OPTARG ;;
	m) mem=$OPTARG ;;
	c) cpus=$OPTARG ;;
	a) append_more=$OPTARG ;;
	t) scenario_timeout=$OPTARG ;;
	w) qemu_timeout=$OPTARG ;;
	A) accel=$OPTARG ;;
	P) probe_only=1 ;;
	q) quiet=1 ;;
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
if [ -z "$kernel" ] || { [ -z "$scenario" ] && [ "$probe_only" = 0 ]; }; then
	usage >&2
	exit 2
fi
[ -n "$scenario_timeout" ] || scenario_timeout=$((qemu_timeout > 120 ? qemu_timeout - 60 : qemu_timeout / 2))
for v in "$mem" "$cpus" "$qemu_timeout" "$scenario_timeout"; do
	case $v in
	'' | *[!0-9]*)
		echo "$prog: '$v' is not a number" >&2
		exit 2
		;;
	esac
done
if [ ! -f "$kernel" ]; then
	echo "$prog: SKIP: kernel image $kernel does not exist"
	exit 77
fi
case $accel in
kvm | tcg | auto) ;;
*)
	echo "$prog: -A takes kvm, tcg or auto, not '$accel'" >&2
	exit 2
	;;
esac
command -v qemu-system-x86_64 >/dev/null 2>&1 || die "qemu-system-x86_64 missing (apt-get install qemu-system-x86)"

# kvm_works: boot the kernel under KVM with no initramfs; a working KVM
# gets to "VFS: Unable to mount root fs" and panic=-1 ends QEMU at once.
# Sets $accel_why.
kvm_works() {
	if ! [ -w /dev/kvm ]; then
		accel_why="no writable /dev/kvm"
		return 1
	fi
	probe=$(mktemp "${TMPDIR:-/tmp}/run-guest-kvm.XXXXXX")
	timeout 60 qemu-system-x86_64 -accel kvm -cpu host -m 256 -nodefaults \
		-display none -no-reboot -kernel "$kernel" \
		-append "console=ttyS0 panic=-1" -serial "file:$probe" \
		>"$probe.err" 2>&1
	prc=$?
	if grep -q 'Kernel panic' "$probe"; then
		accel_why="a KVM test boot reached the kernel"
		rm -f "$probe" "$probe.err"
		return 0
	fi
	accel_why="a KVM test boot failed (exit $prc: $(grep -m1 -i 'error\|assert' "$probe.err" || echo 'no kernel output'))"
	rm -f "$probe" "$probe.err"
	return 1
}
if [ "$accel" = auto ]; then
	if kvm_works; then accel=kvm; else accel=tcg; fi
else
	accel_why="asked for"
fi
if [ "$probe_only" = 1 ]; then
	echo "$accel: $accel_why"
	exit 0
fi
[ -f "$scenario" ] || { echo "$prog: no scenario $scenario" >&2; exit 2; }
command -v cpio >/dev/null 2>&1 || die "cpio missing"
if ! [ -x /bin/busybox ] || ldd /bin/busybox >/dev/null 2>&1; then
	die "a static /bin/busybox is needed (apt-get install busybox-static)"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/run-guest.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 125' INT TERM

# --- initramfs -------------------------------------------------------------

root=$work/root
mkdir -p "$root/bin" "$root/dev" "$root/etc" "$root/proc" "$root/sys" \
	"$root/tmp" "$root/mnt/huge" "$root/data" "$root/out"
cp /bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
[ "$(id -u)" = 0 ] && mknod "$root/dev/console" c 5 1
for b in "$@"; do
	[ -x "$b" ] || die "$b is not an executable"
	if ldd "$b" >/dev/null 2>&1; then
		die "$b is dynamically linked: build it with -static"
	fi
	cp "$b" "$root/bin/"
done
printf '%s' "$files" | while IFS= read -r f; do
	[ -n "$f" ] || continue
	cp "$f" "$root/data/" || exit 1
done || die "copying the -f files failed"
cp "$scenario" "$root/scenario"
chmod 755 "$root/scenario"
printf '%s' "$envs" | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=\(.*\)$/export \1='"'"'\2'"'"'/p' \
	>"$root/etc/scenario.env"
echo "SCENARIO_TIMEOUT=$scenario_timeout" >"$root/etc/run-guest.conf"
printf '#!/bin/sh\necho "LGRUN: $*"\n' >"$root/bin/lgrun_say"
chmod 755 "$root/bin/lgrun_say"

cat >"$root/init" <<'EOF'
#!/bin/sh
# /init of run-guest.sh
/bin/busybox mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec 0</dev/console 1>/dev/console 2>&1
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t hugetlbfs hugetlbfs /mnt/huge 2>/dev/null
export OUT=/out
. /etc/run-guest.conf
set -a
. /etc/scenario.env
set +a
lgrun_say "init uptime $(cut -d' ' -f1 /proc/uptime) release $(uname -r)"
timeout -s KILL "$SCENARIO_TIMEOUT" sh /scenario
rc=$?
[ "$rc" = 137 ] && { lgrun_say "scenario killed after $SCENARIO_TIMEOUT s"; rc=124; }
lgrun_say "scenario exit $rc uptime $(cut -d' ' -f1 /proc/uptime)"
cd /out && tar -cf /tmp/out.tar . && gzip -1 /tmp/out.tar
md5=$(md5sum </tmp/out.tar.gz | cut -d' ' -f1)
stty -F /dev/ttyS1 raw -echo 115200
{
	echo "@@LGRUN-BEGIN bytes=$(wc -c </tmp/out.tar.gz) md5=$md5@@"
	base64 /tmp/out.tar.gz
	echo "@@LGRUN-END@@"
} >/dev/ttyS1
lgrun_say "done"
sync
sleep 1
reboot -f
EOF
chmod 755 "$root/init"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1) \
	>"$work/initramfs.cpio.gz"

# --- boot ------------------------------------------------------------------

mkdir -p "$outdir"
console=$outdir/console.log
data=$work/data.log
: >"$data"
: >"$console"
append="console=ttyS0 panic=-1 no_hash_pointers${append_more:+ $append_more}"
cpu=
accel_opts=$accel
[ "$accel" = kvm ] && cpu="-cpu host"
# TCG runs its vCPUs in one host thread, not one each (MTTCG, QEMU's
# default): QEMU 7.2's MTTCG can keep running a stale translation of
# code another vCPU has just patched.  Attaching or detaching BPF
# programs patches ftrace sites and jump labels (text_poke_bp: INT3
# first, then the new bytes); a vCPU that keeps the stale INT3 traps
# forever, the guest's kprobe_int3_handler rewinds it ("the breakpoint
# was removed by another CPU") and the guest reports soft lockups at
# down_write_killable+0x0 or get_arg_page+0x58 with both vCPUs looping
# in exc_int3.  Attaching all sources three times beside two exec loops
# hung every MTTCG boot and none with thread=single.
[ "$accel" = tcg ] && accel_opts="tcg,thread=single"
echo "$prog: booting $kernel ($accel_opts: $accel_why; -m $mem -smp $cpus, -append \"$append\")" >&2
if [ "$quiet" = 0 ]; then
	tail -f "$console" 2>/dev/null &
	tailpid=$!
fi
rc=0
start=$(date +%s.%N)
# shellcheck disable=SC2086
timeout "$qemu_timeout" qemu-system-x86_64 -accel "$accel_opts" $cpu -m "$mem" -smp "$cpus" \
	-nodefaults -display none -no-reboot \
	-kernel "$kernel" -initrd "$work/initramfs.cpio.gz" -append "$append" \
	-serial "file:$console" -serial "file:$data" || rc=$?
end=$(date +%s.%N)
echo "$prog: QEMU ran $(echo "$start $end" | awk '{ printf "%.1f", $2 - $1 }') s" >&2
if [ "$quiet" = 0 ]; then
	sleep 0.3
	kill "$tailpid" 2>/dev/null || true
fi
if [ "$rc" = 124 ]; then
	echo "$prog: QEMU did not finish within $qemu_timeout s (console: $console)" >&2
	exit 124
fi
[ "$rc" = 0 ] || die "QEMU failed (exit $rc; console: $console)"

# --- results ---------------------------------------------------------------

srv=$(tr -d '\r' <"$console" | sed -n 's/^LGRUN: scenario exit \([0-9]*\) .*/\1/p' | head -n 1)
[ -n "$srv" ] || die "the guest did not run the scenario (console: $console)"
hdr=$(tr -d '\r' <"$data" | grep -a '^@@LGRUN-BEGIN ' | head -n 1)
[ -n "$hdr" ] || die "no output came back over the second serial port"
want_md5=$(echo "$hdr" | sed -n 's/.* md5=\([0-9a-f]*\)@@.*/\1/p')
tr -d '\r' <"$data" | awk '/^@@LGRUN-END@@/ { exit } on { print } /^@@LGRUN-BEGIN / { on = 1 }' |
	base64 -d >"$work/out.tar.gz" || die "the output did not decode"
md5=$(md5sum <"$work/out.tar.gz" | cut -d' ' -f1)
[ "$md5" = "$want_md5" ] || die "the output arrived mangled (md5 $md5, the guest sent $want_md5)"
tar -xzf "$work/out.tar.gz" -C "$outdir"
echo "$prog: scenario exit $srv; output in $outdir (console.log and /out)" >&2
exit "$srv"
