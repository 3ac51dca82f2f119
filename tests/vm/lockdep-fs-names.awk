# SPDX-License-Identifier: GPL-2.0-only
#
# Rewrite a /proc/lockdep dump so that the classes whose key lies in a
# file_system_type carry that type's name instead of lockdep's "#N"
# registration-order suffix, as lockgraphd names them:
# "&sb->s_type->i_mutex_key#6" -> "&sb->s_type->i_mutex_key[hugetlbfs]"
# (a subclass stays: "&type->i_mutex_dir_key#4/1" ->
# "&type->i_mutex_dir_key[hugetlbfs]/1").  Needs the dump taken with
# no_hash_pointers and the kallsyms lines of the key symbols
# (tests/vm/guest-lib.sh dump_lockdep).
# usage: awk -f lockdep-fs-names.awk kallsyms-keys.txt lockdep.txt

# Hex digits to a number (8 digits at a time fit a double exactly).
function hex(s,    i, v) {
	v = 0
	for (i = 1; i <= length(s); i++)
		v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
	return v
}

# The fs type whose file_system_type holds key k (16 hex digits), or "".
function fs_of(k,    i, hi, lo) {
	hi = substr(k, 1, 8)
	lo = hex(substr(k, 9))
	for (i = 0; i < nfs; i++)
		if (fs_hi[i] == hi && lo >= fs_lo[i] && lo < fs_lo[i] + 1024)
			return fs_name[i]
	return ""
}

function rename(k, name,    fs, sub_) {
	fs = fs_of(k)
	if (fs == "")
		return name
	sub_ = ""
	if (match(name, /\/[0-9]+$/)) {
		sub_ = substr(name, RSTART)
		name = substr(name, 1, RSTART - 1)
	}
	sub(/#[0-9]+$/, "", name)
	return name "[" fs "]" sub_
}

BEGIN { nfs = 0 }

FNR == NR {
	if ($3 ~ /_fs_type$/ && length($1) == 16) {
		fs_hi[nfs] = substr($1, 1, 8)
		fs_lo[nfs] = hex(substr($1, 9))
		fs_name[nfs] = $3
		sub(/_fs_type$/, "", fs_name[nfs])
		nfs++
	}
	next
}

# "ffffffff81f11318 FD:   40 BD:   18 +.+.: NAME"
/^[0-9a-f]+ FD:/ && length($1) == 16 {
	i = index($0, ": ")
	while (j = index(substr($0, i + 2), ": "))
		i += j + 1
	print substr($0, 1, i + 1) rename($1, substr($0, i + 2))
	next
}

# " -> [ffffffff81f11318] NAME"
/^ -> \[[0-9a-f]+\] / && substr($0, 22, 2) == "] " {
	print " -> [" substr($0, 6, 16) "] " rename(substr($0, 6, 16), substr($0, 24))
	next
}

{ print }
