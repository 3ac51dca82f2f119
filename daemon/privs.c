/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <stdio.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "privs.h"

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

static int capget_sets(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };

	return syscall(SYS_capget, &hdr, data) ? -errno : 0;
}

static int capset_sets(uint64_t effective, uint64_t permitted,
		       uint64_t inheritable)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = {
		{ (__u32)effective, (__u32)permitted, (__u32)inheritable },
		{ (__u32)(effective >> 32), (__u32)(permitted >> 32),
		  (__u32)(inheritable >> 32) },
	};

	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

int lg_privs_get(uint64_t *effective, uint64_t *permitted)
{
	struct __user_cap_data_struct data[2] = { 0 };
	int err = capget_sets(data);

	if (err)
		return err;
	if (effective)
		*effective = data[0].effective | (uint64_t)data[1].effective << 32;
	if (permitted)
		*permitted = data[0].permitted | (uint64_t)data[1].permitted << 32;
	return 0;
}

int lg_privs_set_effective(uint64_t effective)
{
	struct __user_cap_data_struct data[2] = { 0 };
	int err = capget_sets(data);

	if (err)
		return err;
	return capset_sets(effective,
			   data[0].permitted | (uint64_t)data[1].permitted << 32,
			   data[0].inheritable |
				   (uint64_t)data[1].inheritable << 32);
}

/* The highest capability this kernel knows (40 on 5.9+). */
static int cap_last(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int last = 40;

	if (f) {
		if (fscanf(f, "%d", &last) != 1 || last < 0 || last > 63)
			last = 40;
		fclose(f);
	}
	return last;
}

int lg_privs_drop(uint64_t keep)
{
	uint64_t eff;
	int err;

	/* Ambient capabilities would survive an execve(). */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) &&
	    errno != EINVAL)
		return -errno;
	err = lg_privs_get(&eff, NULL);
	if (err)
		return err;
	if (eff & LG_CAP(CAP_SETPCAP)) {
		for (int c = cap_last(); c >= 0; c--) {
			if (keep & LG_CAP(c))
				continue;
			if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) && errno != EINVAL)
				return -errno;
		}
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	return capset_sets(keep, keep, 0);
}
