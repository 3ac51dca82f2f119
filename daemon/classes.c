/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Lock class names.  See classes.h.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classes.h"

/*
 * A name belongs to a key: lockdep's subclass only appends "/N".  lockdep
 * gives one name to several keys ("lock": five of them on a 6.1 kernel)
 * and prints the later ones as "lock#2", "lock#3" in registration order;
 * @nth counts the keys that had this lockdep name before this one, in the
 * order lockgraphd saw them, so that they stay apart.
 */
struct name_entry {
	__u64 key;
	__u16 kind;
	unsigned int nth;
	char *name;
};

struct lg_names {
	struct name_entry *v;
	size_t n, cap;
};

struct lg_names *lg_names_new(void)
{
	return calloc(1, sizeof(struct lg_names));
}

void lg_names_free(struct lg_names *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++)
		free(n->v[i].name);
	free(n->v);
	free(n);
}

static struct name_entry *names_find(const struct lg_names *n,
				     const struct lg_class_ref *ref)
{
	for (size_t i = 0; n && i < n->n; i++)
		if (n->v[i].key == ref->key && n->v[i].kind == ref->kind)
			return &n->v[i];
	return NULL;
}

int lg_names_set(struct lg_names *n, const struct lg_class_ref *ref,
		 const char *name)
{
	struct name_entry *e = names_find(n, ref);
	char *copy = strdup(name);

	if (!copy)
		return -ENOMEM;
	if (e) {
		free(e->name);
		e->name = copy;
		return 0;
	}
	if (n->n == n->cap) {
		size_t ncap = n->cap ? n->cap * 2 : 64;
		struct name_entry *nv = realloc(n->v, ncap * sizeof(*nv));

		if (!nv) {
			free(copy);
			return -ENOMEM;
		}
		n->v = nv;
		n->cap = ncap;
	}
	n->v[n->n] = (struct name_entry){ .key = ref->key, .kind = ref->kind,
					  .name = copy };
	for (size_t i = 0; i < n->n; i++)
		n->v[n->n].nth += n->v[i].kind == ref->kind &&
				  !strcmp(n->v[i].name, copy);
	n->n++;
	return 0;
}

static const char *const kind_names[LG_CLASS_KIND_COUNT] = {
	[LG_CLASS_MMAP_LOCK] = "&mm->mmap_lock",
	[LG_CLASS_FS_RECLAIM] = "fs_reclaim",
	[LG_CLASS_I_MMAP_RWSEM] = "&mapping->i_mmap_rwsem",
	[LG_CLASS_HUGETLBFS_I_MMAP] = "&hugetlbfs_i_mmap_rwsem_key",
	[LG_CLASS_VMA_LOCK] = "&vma_lock->rw_sema",
	[LG_CLASS_RESV_MAP] = "&resv_map->rw_sema",
	[LG_CLASS_INVALIDATE_LOCK] = "&mapping->invalidate_lock",
	[LG_CLASS_ANON_VMA] = "&anon_vma->rwsem",
	[LG_CLASS_HUGETLB_FAULT_MUTEX] = "&hugetlb_fault_mutex_table[i]",
	[LG_CLASS_PTLOCK] = "ptlock_ptr(ptdesc)",
	[LG_CLASS_RQ_LOCK] = "&rq->__lock",
};

/*
 * A fs type's name: sent by the kernel side (a name event, or @where from
 * the contention source), else "hugetlbfs" from its symbol
 * "hugetlbfs_fs_type".
 */
static void fs_type_name(const struct lg_class_ref *ref,
			 const struct lg_names *names,
			 const struct lg_kallsyms *ks, const char *where,
			 char *out, size_t size)
{
	const struct name_entry *e = names_find(names, ref);
	const char *sym;
	size_t len;

	if (e) {
		snprintf(out, size, "%s", e->name);
		return;
	}
	if (where && where[0]) {
		snprintf(out, size, "%s", where);
		return;
	}
	sym = ks ? lg_kallsyms_exact(ks, ref->key) : NULL;
	if (!sym) {
		snprintf(out, size, "unknown fs");
		return;
	}
	len = strcspn(sym, " ");
	if (len > 8 && !strncmp(sym + len - 8, "_fs_type", 8))
		len -= 8;
	snprintf(out, size, "%.*s", (int)len, sym);
}

int lg_class_name(const struct lg_class_ref *ref, const struct lg_names *names,
		  const struct lg_kallsyms *ks, const char *where, char *buf,
		  size_t size)
{
	const struct name_entry *e;
	const char *sym;
	char fs[64];

	if (ref->kind == LG_CLASS_NONE || ref->kind >= LG_CLASS_KIND_COUNT)
		return -EINVAL;
	switch (ref->kind) {
	case LG_CLASS_INODE:
		fs_type_name(ref, names, ks, where, fs, sizeof(fs));
		snprintf(buf, size, "%s[%s]",
			 ref->subclass ? "&type->i_mutex_dir_key" :
					 "&sb->s_type->i_mutex_key", fs);
		return 0;
	case LG_CLASS_LOCKDEP:
		e = names_find(names, ref);
		/*
		 * lockdep gives one name to the keys of every fs type
		 * ("&sb->s_type->i_mutex_key") and tells them apart with a
		 * "#N" of registration order.  A key inside a
		 * file_system_type gets that type's name instead, as the
		 * primitives source names inode locks.
		 */
		fs[0] = '\0';
		if (e && ks) {
			char where_sym[160];
			const char *in = lg_kallsyms_format(ks, ref->key, where_sym,
							    sizeof(where_sym));
			size_t len = in ? strcspn(in, " ") : 0;

			if (len > 8 && !strncmp(in + len - 8, "_fs_type", 8))
				snprintf(fs, sizeof(fs), "[%.*s]", (int)(len - 8), in);
		}
		/* a file system's key is told apart by its type already */
		if (e && e->nth && !fs[0])
			snprintf(fs, sizeof(fs), "#%u", e->nth + 1);
		if (e && ref->subclass)
			snprintf(buf, size, "%s%s/%u", e->name, fs, ref->subclass);
		else if (e)
			snprintf(buf, size, "%s%s", e->name, fs);
		else if (ks && (sym = lg_kallsyms_exact(ks, ref->key)))
			snprintf(buf, size, "lockdep key %.*s", (int)strcspn(sym, " "),
				 sym);
		else
			return -ENOENT; /* its name event was lost: no name */
		return 0;
	case LG_CLASS_SLAB:
		/* the object's field or cache+offset, from lockgraphd's probes */
		if (!where)
			return -ENOENT;
		snprintf(buf, size, "%s", where);
		return 0;
	case LG_CLASS_ADDR:
		sym = ks ? lg_kallsyms_exact(ks, ref->key) : NULL;
		if (sym)
			snprintf(buf, size, "%.*s", (int)strcspn(sym, " "), sym);
		else if (where)
			snprintf(buf, size, "lock@%s", where);
		else
			return -ENOENT; /* one name for all would invent cycles */
		return 0;
	default:
		/* lockdep's "/N": e.g. dup_mmap() takes the child's mm as 1. */
		if (ref->subclass)
			snprintf(buf, size, "%s/%u", kind_names[ref->kind],
				 ref->subclass);
		else
			snprintf(buf, size, "%s", kind_names[ref->kind]);
		return 0;
	}
}

const char *lg_source_name(unsigned int source)
{
	static const char *const names[LG_SRC_COUNT] = {
		[LG_SRC_LOCKDEP] = "lockdep",
		[LG_SRC_PRIMITIVES] = "primitives",
		[LG_SRC_CONTEXT] = "context",
		[LG_SRC_CONTENTION] = "contention",
	};

	return source < LG_SRC_COUNT ? names[source] : "unknown";
}

const char *lg_drop_name(unsigned int drop)
{
	static const char *const names[LG_DROP_COUNT] = {
		[LG_DROP_RINGBUF_FULL] = "ringbuf_full",
		[LG_DROP_HELD_OVERFLOW] = "held_overflow",
		[LG_DROP_CHAIN_CACHE_FULL] = "chain_cache_full",
		[LG_DROP_STACK] = "stack_failed",
		[LG_DROP_UNBALANCED] = "unbalanced_release",
		[LG_DROP_TASK_STORAGE] = "task_storage",
		[LG_DROP_CONTENTION_MAP_FULL] = "contention_map_full",
		[LG_DROP_CONTENTION_NESTED] = "contention_nested",
		[LG_DROP_IRQ_CONTEXT] = "irq_context",
		[LG_DROP_NO_TASK_STATE] = "no_task_state",
		[LG_DROP_RECURSION] = "recursion_miss",
	};

	return drop < LG_DROP_COUNT && names[drop] ? names[drop] : "unknown";
}
