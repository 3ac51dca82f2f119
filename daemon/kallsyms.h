/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel symbols from /proc/kallsyms, loaded once: addresses become
 * "func+0x1a/0x40", the form lockdep prints and the store keeps (addresses
 * do not outlive the boot).
 */
#ifndef LOCKGRAPH_DAEMON_KALLSYMS_H
#define LOCKGRAPH_DAEMON_KALLSYMS_H

#include <stddef.h>
#include <stdint.h>

struct lg_kallsyms;

/*
 * Load @path (normally "/proc/kallsyms").  All-zero addresses (not root,
 * or kptr_restrict) give -EPERM: symbols cannot be resolved then.
 * Returns 0, -EPERM, -ENODATA (no symbols), -errno from reading, -ENOMEM.
 */
int lg_kallsyms_load(const char *path, struct lg_kallsyms **out);

void lg_kallsyms_free(struct lg_kallsyms *ks);

/*
 * Write "sym+0xoff/0xsize" (or "sym+0xoff [module]") for @addr into @buf;
 * "0x<addr>" when no symbol covers it (below the first symbol, or 64 KiB
 * and more past the last, whose size is unknown).  Returns the symbol's
 * name (owned by @ks) or NULL.
 */
const char *lg_kallsyms_format(const struct lg_kallsyms *ks, uint64_t addr,
			       char *buf, size_t size);

/* The symbol that starts exactly at @addr, or NULL. */
const char *lg_kallsyms_exact(const struct lg_kallsyms *ks, uint64_t addr);

size_t lg_kallsyms_count(const struct lg_kallsyms *ks);

#endif /* LOCKGRAPH_DAEMON_KALLSYMS_H */
