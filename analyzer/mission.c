/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The mission's lock classes.  See mission.h.
 */
#include <string.h>

#include "mission.h"

static const char *const mission[] = {
	"&mapping->i_mmap_rwsem",
	"&hugetlbfs_i_mmap_rwsem_key",
	"&vma_lock->rw_sema",		/* the hugetlb vma_lock */
	"&resv_map->rw_sema",
	"fs_reclaim",
	"&sb->s_type->i_mutex_key",	/* inode locks: files ... */
	"&type->i_mutex_dir_key",	/* ... and directories */
	"&mm->mmap_lock",
	"&mapping->invalidate_lock",
	"&anon_vma->rwsem",
	"&hugetlb_fault_mutex_table",
};

bool lg_mission_class(const char *name)
{
	for (size_t i = 0; name && i < sizeof(mission) / sizeof(mission[0]); i++) {
		size_t len = strlen(mission[i]);

		if (!strncmp(name, mission[i], len) &&
		    (!name[len] || strchr("/#[", name[len])))
			return true;
	}
	return false;
}
