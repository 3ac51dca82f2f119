/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The rwsems recognised from their address alone, with CO-RE container_of
 * checks (every read a checked one, LG_PEEK(), so a wrong guess costs a
 * failed test, never a fault): the inode lock, anon_vma->rwsem,
 * i_mmap_rwsem (of hugetlbfs or not), invalidate_lock, the hugetlb vma
 * lock and resv_map->rw_sema.  For the sources that class rwsems:
 * primitives (at acquisition, with its task state for &mm->mmap_lock) and
 * contention (at a wait), so that a lock has one class name in the graph
 * and in `lockgraph top`.  Include after vmlinux.h and the libbpf headers;
 * BPF programs only.
 */
#ifndef LOCKGRAPH_BPF_LG_RWSEM_CLASS_BPF_H
#define LOCKGRAPH_BPF_LG_RWSEM_CLASS_BPF_H

/* include/uapi/linux/stat.h */
#define LG_S_IFMT	00170000
#define LG_S_IFDIR	0040000

/* Set once and never changed (benign races: every writer agrees). */
__u64 lg_hugetlbfs_type;	/* struct file_system_type * of "hugetlbfs" */

/* Is @type the hugetlbfs file system type?  Read its name once. */
static __always_inline bool lg_is_hugetlbfs(__u64 type)
{
	char name[16] = {};
	const char *p;

	if (!type)
		return false;
	if (lg_hugetlbfs_type)
		return type == lg_hugetlbfs_type;
	p = LG_PEEK(struct file_system_type, type, name);
	if (!p || bpf_probe_read_kernel_str(name, sizeof(name), p) != 10)
		return false;
	if (name[0] != 'h' || name[1] != 'u' || name[2] != 'g' ||
	    name[3] != 'e' || name[4] != 't' || name[5] != 'l' ||
	    name[6] != 'b' || name[7] != 'f' || name[8] != 's')
		return false;
	lg_hugetlbfs_type = type;
	return true;
}

/* Is @mapping an address_space its host inode points back to? */
static __always_inline __u64 lg_mapping_host(__u64 mapping)
{
	struct inode *host = LG_PEEK(struct address_space, mapping, host);

	if (!host || (__u64)LG_PEEK(struct inode, host, i_mapping) != mapping)
		return 0;
	return (__u64)host;
}

/* Is @list an intact list_head (its next's prev points back)? */
static __always_inline bool lg_list_ok(__u64 list)
{
	struct list_head *next = LG_PEEK(struct list_head, list, next);

	return next && (__u64)LG_PEEK(struct list_head, next, prev) == list;
}

/*
 * Is @sem the rwsem of an object that says so: an inode's i_rwsem (class
 * key its fs type, subclass 1 for a directory), an anon_vma root's rwsem,
 * a mapping's i_mmap_rwsem or invalidate_lock, or a hugetlb vma lock whose
 * vma points back to it?  Sets c->kind, c->key and c->subclass then.
 */
static __always_inline bool lg_rwsem_in_object(struct lg_class_ref *c,
					       __u64 sem)
{
	__u64 base, host;

	c->key = 0;
	c->subclass = 0;

	/* inode->i_rwsem */
	base = sem - bpf_core_field_offset(struct inode, i_rwsem);
	if ((__u64)LG_PEEK(struct inode, base, i_data.host) == base) {
		umode_t mode = LG_PEEK(struct inode, base, i_mode);

		c->kind = LG_CLASS_INODE;
		/* a number, not a pointer the verifier allows no hash of */
		c->key = (__u64)BPF_CORE_READ((struct inode *)base, i_sb,
					      s_type);
		c->subclass = (mode & LG_S_IFMT) == LG_S_IFDIR;
		return true;
	}

	/* anon_vma->rwsem: the root's */
	base = sem - bpf_core_field_offset(struct anon_vma, rwsem);
	if ((__u64)LG_PEEK(struct anon_vma, base, root) == base) {
		c->kind = LG_CLASS_ANON_VMA;
		return true;
	}

	/* mapping->i_mmap_rwsem */
	base = sem - bpf_core_field_offset(struct address_space, i_mmap_rwsem);
	host = lg_mapping_host(base);
	if (host) {
		__u64 type = (__u64)BPF_CORE_READ((struct inode *)host, i_sb,
						  s_type);

		c->kind = lg_is_hugetlbfs(type) ? LG_CLASS_HUGETLBFS_I_MMAP :
						  LG_CLASS_I_MMAP_RWSEM;
		return true;
	}

	/* mapping->invalidate_lock (5.15 and later) */
	if (bpf_core_field_exists(struct address_space, invalidate_lock)) {
		base = sem - bpf_core_field_offset(struct address_space,
						   invalidate_lock);
		if (lg_mapping_host(base)) {
			c->kind = LG_CLASS_INVALIDATE_LOCK;
			return true;
		}
	}

	/* the hugetlb vma lock (6.1 and later) */
	if (bpf_core_type_exists(struct hugetlb_vma_lock)) {
		struct vm_area_struct *vma;

		base = sem - bpf_core_field_offset(struct hugetlb_vma_lock,
						   rw_sema);
		vma = LG_PEEK(struct hugetlb_vma_lock, base, vma);
		if (vma && (__u64)LG_PEEK(struct vm_area_struct, vma,
					  vm_private_data) == base) {
			c->kind = LG_CLASS_VMA_LOCK;
			return true;
		}
	}
	return false;
}

/*
 * Is @sem a resv_map's rw_sema (private hugetlb mappings)?  Nothing points
 * back to a resv_map, so its fields must look right: a plausible count, a
 * power-of-2 pages_per_hpage (with CONFIG_CGROUP_HUGETLB) and two intact
 * lists.  Sets c->kind, key and subclass 0 then.
 */
static __always_inline bool lg_is_resv_map(struct lg_class_ref *c, __u64 sem)
{
	unsigned long pages;
	__u64 base;
	int refs;

	if (!bpf_core_field_exists(struct resv_map, rw_sema))
		return false;
	base = sem - bpf_core_field_offset(struct resv_map, rw_sema);
	refs = LG_PEEK(struct resv_map, base, refs.refcount.refs.counter);
	/* only with CONFIG_CGROUP_HUGETLB */
	pages = 2;
	if (bpf_core_field_exists(struct resv_map, pages_per_hpage))
		pages = LG_PEEK(struct resv_map, base, pages_per_hpage);
	if (refs > 0 && refs < (1 << 24) && pages > 1 &&
	    !(pages & (pages - 1)) &&
	    lg_list_ok(base + bpf_core_field_offset(struct resv_map, regions)) &&
	    lg_list_ok(base + bpf_core_field_offset(struct resv_map,
						    region_cache))) {
		c->kind = LG_CLASS_RESV_MAP;
		c->key = 0;
		c->subclass = 0;
		return true;
	}
	return false;
}

#endif /* LOCKGRAPH_BPF_LG_RWSEM_CLASS_BPF_H */
