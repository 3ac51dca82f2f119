/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Names for the lock classes the probes report (struct lg_class_ref):
 * lockdep's names wherever lockdep has one, so that graphs from lockdep CI
 * boots and from production hosts merge into one graph.
 */
#ifndef LOCKGRAPH_DAEMON_CLASSES_H
#define LOCKGRAPH_DAEMON_CLASSES_H

#include <stddef.h>
#include <linux/types.h>

#include "kallsyms.h"
#include "lockgraph.h"

/* Names the kernel sent (LG_EV_CLASS_NAME): lockdep classes, fs types. */
struct lg_names;

struct lg_names *lg_names_new(void);
void lg_names_free(struct lg_names *n);

/*
 * Remember @name for @ref's (kind, key); the subclass does not matter.  A
 * name already given to other keys of the same kind is told apart as
 * lockdep does, "#N" (N-1 keys had it before), unless the key lies in a
 * file_system_type (lg_class_name()).
 */
int lg_names_set(struct lg_names *n, const struct lg_class_ref *ref,
		 const char *name);

/*
 * Write the class name of @ref into @buf:
 *  - the recognised kinds: lockdep's names ("&mm->mmap_lock", "fs_reclaim",
 *    "&vma_lock->rw_sema", ...), "/N" for a subclass as lockdep prints it
 *    ("&mm->mmap_lock/1"); inode locks as lockdep's key name with the
 *    filesystem type, "&sb->s_type->i_mutex_key[hugetlbfs]" (directories:
 *    "&type->i_mutex_dir_key[...]"), where lockdep would add a "#N" that
 *    depends on registration order; the type's name is the one a name
 *    event gave, else @where (the contention source's), else from its
 *    symbol;
 *  - lockdep classes: the name lockdep gave, "/N" for a subclass, and the
 *    fs type ("[hugetlbfs]") when the key lies in a file_system_type,
 *    where lockdep would add a registration-order "#N";
 *  - other locks: the symbol of a static lock ("rtnl_mutex"), else
 *    "lock@<where>" with @where the acquiring function, never a raw
 *    address;
 *  - locks in slab objects (the contention source): @where, the name
 *    lockgraphd made of the object's struct and field or of the cache
 *    and offset ("&mm_struct->page_table_lock"); split page-table locks
 *    as lockdep's "ptlock_ptr(ptdesc)".
 * Returns 0, -ENOENT for an unrecognised lock with neither symbol nor
 * @where, a slab lock without @where, or a lockdep class whose name never arrived and whose key has no
 * symbol (no stable name: the caller leaves it out and counts it), or
 * -EINVAL for a kind out of range.
 */
int lg_class_name(const struct lg_class_ref *ref, const struct lg_names *names,
		  const struct lg_kallsyms *ks, const char *where, char *buf,
		  size_t size);

/* "context", "contention", ... */
const char *lg_source_name(unsigned int source);

/* "ringbuf_full", "held_overflow", ... */
const char *lg_drop_name(unsigned int drop);

#endif /* LOCKGRAPH_DAEMON_CLASSES_H */
