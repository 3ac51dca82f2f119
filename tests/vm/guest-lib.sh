# SPDX-License-Identifier: GPL-2.0-only
#
# Helpers for the guest scenarios (busybox sh), sourced from /data by the
# scenario scripts in tests/vm/scenarios/.  Every step prints an "LGRUN:"
# line with the guest's uptime, which the host turns into timings.

uptime_s() { cut -d' ' -f1 /proc/uptime; }
say() { lgrun_say "$* (uptime $(uptime_s))"; }

# reserve_hugepages N: reserve N huge pages; prints how many the kernel gave.
reserve_hugepages() {
	echo "$1" >/proc/sys/vm/nr_hugepages
	cat /proc/sys/vm/nr_hugepages
}

# daemon_start NAME SOURCES [ARGS...]: lockgraphd with only SOURCES into
# $OUT/NAME.db, its log in $OUT/NAME.log; waits until it writes (loading
# the primitives source takes minutes under TCG).  Returns non-zero, with
# the log on the console, when it exits first.
daemon_start() {
	name=$1 src=$2
	shift 2
	say "daemon $name: loading $src"
	lockgraphd --db "$OUT/$name.db" --sources "$src" "$@" \
		2>"$OUT/$name.log" &
	daemon_pid=$!
	while ! grep -q 'writing ' "$OUT/$name.log" 2>/dev/null; do
		if ! kill -0 "$daemon_pid" 2>/dev/null; then
			wait "$daemon_pid"
			say "daemon $name: exited $? before writing"
			cat "$OUT/$name.log"
			return 1
		fi
		sleep 1
	done
	say "daemon $name: loaded"
}

# daemon_stop NAME: SIGTERM (busybox starts background jobs with SIGINT
# ignored), wait, and say how it ended.
daemon_stop() {
	kill -TERM "$daemon_pid"
	wait "$daemon_pid"
	say "daemon $1: exit $?"
	grep -v '^<6>' "$OUT/$1.log" | head -n 20
	tail -n 1 "$OUT/$1.log"
}

# dump_lockdep TAG: /proc/lockdep, /proc/lockdep_stats, /proc/lockdep_chains
# to $OUT/{lockdep,lockdep_stats,lockdep_chains}-TAG.txt, and with
# no_hash_pointers the kallsyms lines naming the class keys inside the
# kernel image to $OUT/kallsyms-keys.txt (lockdep's "#N" suffixes are
# registration order; the key's symbol says which fs type a class is).
dump_lockdep() {
	cat /proc/lockdep_stats >"$OUT/lockdep_stats-$1.txt"
	cat /proc/lockdep >"$OUT/lockdep-$1.txt"
	cat /proc/lockdep_chains >"$OUT/lockdep_chains-$1.txt"
	grep -qw no_hash_pointers /proc/cmdline || return 0
	cat "$OUT/lockdep-$1.txt" "$OUT/lockdep_chains-$1.txt" |
		sed -n 's/^ *\(-> \)\{0,1\}\[\{0,1\}\([0-9a-f]\{16\}\)[] ].*/\2/p' |
		sort -u >/tmp/keys
	text=$(awk '$3 == "_text" { print $1; exit }' /proc/kallsyms)
	end=$(awk '$3 == "_end" { print $1; exit }' /proc/kallsyms)
	{
		awk -v lo="$text" -v hi="$end" '($1 "") >= lo && ($1 "") < hi { print $1 " 1" }' /tmp/keys
		awk -v lo="$text" -v hi="$end" '$2 ~ /^[bBdDrR]$/ &&
			($1 "") >= lo && ($1 "") < hi { print $1 " 0 " $0 }' /proc/kallsyms
	} | sort | awk '
		$2 == "0" {
			if ($1 != addr) { n = 0; addr = $1 }
			sym[n++] = substr($0, 20)
			next
		}
		{ for (i = 0; i < n; i++) print sym[i] }' | uniq >"$OUT/kallsyms-keys.txt"
}

# run_workload NAME CMD...: run it, output on the console and in
# $OUT/NAME.out, timed.
run_workload() {
	name=$1
	shift
	say "workload $name: $*"
	"$@" >"$OUT/$name.out" 2>&1
	rc=$?
	cat "$OUT/$name.out"
	say "workload $name: exit $rc"
	return $rc
}

# fs_mount: tmpfs on /mnt/tmpfs, and ext4 on a ram disk on /mnt/ext4 when
# there is one (/data/brd.ko on the cloud kernel, built in on the lockdep
# kernel; mke2fs's complaints in $OUT/mke2fs.log); $dirs lists what is
# mounted.  fs_umount undoes it.
fs_mount() {
	mkdir -p /mnt/tmpfs /mnt/ext4
	mount -t tmpfs -o size=48m tmpfs /mnt/tmpfs
	[ -b /dev/ram0 ] || [ ! -f /data/brd.ko ] ||
		insmod /data/brd.ko rd_nr=1 rd_size=65536 || say "insmod brd.ko failed"
	dirs=/mnt/tmpfs
	if [ -b /dev/ram0 ] && mke2fs -q /dev/ram0 >>"$OUT/mke2fs.log" 2>&1 &&
		mount -t ext4 /dev/ram0 /mnt/ext4; then
		dirs="$dirs /mnt/ext4"
	else
		say "no ext4 on a ram disk: tmpfs only"
	fi
}
fs_umount() {
	# (busybox here has no mountpoint)
	! grep -q ' /mnt/ext4 ' /proc/mounts || umount /mnt/ext4
	umount /mnt/tmpfs
}

# fs_workloads SUFFIX: the file-system workloads (fs_mount) under memory
# pressure, then a khugepaged collapse.  The huge pages of the hugetlb
# loop stay reserved: less memory for the hog to fill before reclaim
# starts.
fs_workloads() {
	fs_mount
	run_workload "fs-pressure$1" fs_pressure -p 2 -t 12 -s 16 -l 8 $dirs
	fs_umount
	run_workload "thp-collapse$1" thp_collapse -n 8 -t 30
}

# mglru_pressure: MGLRU on, then memory pressure that makes reclaim walk
# other processes' page tables (mm/vmscan.c walk_mm(), under
# mmap_read_trylock()): fs_pressure's hog with processes reading files
# they map on ext4 (without swap, aging walks only mms with 64 or more file
# pages mapped; tmpfs pages do not count).  Huge pages take all but about
# 128 MiB first, so that the hog reaches reclaim in seconds even under
# TCG.  /proc/vmstat before and after in $OUT/vmstat-{before,after}.txt.
mglru_pressure() {
	lru=/sys/kernel/mm/lru_gen/enabled
	[ -e $lru ] || { say "mglru: no $lru: the kernel has no MGLRU"; return 1; }
	echo y >$lru || { say "mglru: cannot turn MGLRU on"; return 1; }
	say "lru_gen enabled: $(cat $lru)"
	fs_mount
	case $dirs in
	*/mnt/ext4*) ;;
	*) fs_umount; say "mglru: no ext4 (MGLRU does not walk for mapped tmpfs pages without swap)"; return 1 ;;
	esac
	avail=$(awk '$1 == "MemAvailable:" { print int($2 / 1024) }' /proc/meminfo)
	hp=$(cat /proc/sys/vm/nr_hugepages)
	[ "$avail" -le 160 ] || reserve_hugepages $((hp + (avail - 128) / 2)) >/dev/null
	say "MemAvailable $avail MiB, then $(awk '$1 == "MemAvailable:" { print int($2 / 1024) }' /proc/meminfo) MiB with $(cat /proc/sys/vm/nr_hugepages) huge pages"
	cat /proc/vmstat >"$OUT/vmstat-before.txt"
	run_workload fs-pressure-mglru fs_pressure -p 1 -m 3 -t 12 -s 12 -l 8 /mnt/ext4
	rc=$?
	cat /proc/vmstat >"$OUT/vmstat-after.txt"
	fs_umount
	echo "$hp" >/proc/sys/vm/nr_hugepages
	return $rc
}

# hugetlb_loop NAME [ARGS...]: seed 000's loop over a 512-huge-page (1 GiB,
# pmd sharing) file, with 64 pages spare; fewer when the guest cannot
# reserve that many (said on the console).
hugetlb_loop() {
	name=$1
	shift
	got=$(reserve_hugepages 576)
	pages=512
	if [ "$got" -lt 576 ]; then
		pages=$((got - 64))
		say "only $got huge pages: the loop maps $pages (no pmd sharing)"
	fi
	[ "$pages" -ge 1 ] || return 1
	run_workload "$name" hugetlb_fault_loop -p 3 -t "$SECONDS_RUN" -s "$pages" "$@"
}
