/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Parser for a /proc/lockdep dump: the whole dependency graph of one boot of
 * a CONFIG_PROVE_LOCKING kernel.  Its shape (kernel/locking/lockdep_proc.c):
 *
 *   all lock classes:
 *   ffffffff82a5d9b8 OPS:      20 FD:   45 BD:    1 +.+.: cgroup_mutex
 *    -> [ffffffff82a5da18] cgroup_mutex.wait_lock
 *    -> [ffffffff83a2c4f0] &obj_hash[i].lock
 *
 * OPS only with CONFIG_DEBUG_LOCKDEP, FD/BD and the usage only with
 * PROVE_LOCKING.  Keys are printed with %p: hashed, "(____ptrval____)", or
 * real addresses with no_hash_pointers.  Names carry lockdep's "#N" version
 * and "/N" subclass suffixes, which make them unique within one dump.
 * The " -> " lines are direct dependencies (distance 1) of the class above.
 * /proc/lockdep does not say whether either end was taken for read.
 */
#ifndef LOCKGRAPH_ANALYZER_PROC_LOCKDEP_H
#define LOCKGRAPH_ANALYZER_PROC_LOCKDEP_H

#include <stddef.h>

#include "text_input.h" /* struct lg_parse_error */

struct lg_proc_class {
	char *key;   /* as printed: "ffffffff82a5d9b8", "(____ptrval____)" */
	char *name;  /* "cgroup_mutex", "&sb->s_type->i_mutex_key#6" */
	char *usage; /* "+.+." or NULL */
	long ops;    /* -1 when not printed */
	long fd, bd; /* -1 when not printed */
};

struct lg_proc_dep {
	size_t from; /* index into classes */
	size_t to;   /* index into classes */
};

struct lg_proc_lockdep {
	struct lg_proc_class *classes;
	size_t nclasses;
	struct lg_proc_dep *deps;
	size_t ndeps;
};

/*
 * Parse a /proc/lockdep dump in @buf (@len bytes).  A dependency whose
 * target class has no class line of its own is still kept (the class is
 * added with its key and name).  Lines that are neither a class line, a
 * dependency line, the header nor blank fail the parse with -EBADMSG and
 * @err set; binary input fails with -EMEDIUMTYPE; input with no class line
 * at all fails with -ENODATA.  Returns 0 or a negative errno; on error @out
 * is empty.
 */
int lg_proc_lockdep_parse(const char *buf, size_t len,
			  struct lg_proc_lockdep *out,
			  struct lg_parse_error *err);

/* Free everything in @p and reset it to empty. */
void lg_proc_lockdep_free(struct lg_proc_lockdep *p);

#endif /* LOCKGRAPH_ANALYZER_PROC_LOCKDEP_H */
