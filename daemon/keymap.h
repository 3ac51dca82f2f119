/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small open-addressing hash map from short byte keys (up to
 * LG_KEYMAP_KEY_MAX bytes, copied in) to 64-bit values: the capture's
 * caches of lock-class names and of the chains counted in a batch.  The
 * entries (key and value) live in one arena in insertion order; the table
 * itself is 8-byte slots (a tag of the hash and the entry's place), so a
 * map of a few hundred thousand chains stays within the CPU's caches.
 * No deletion; lg_keymap_clear() empties it, keeping its memory.
 */
#ifndef LOCKGRAPH_DAEMON_KEYMAP_H
#define LOCKGRAPH_DAEMON_KEYMAP_H

#include <stddef.h>
#include <stdint.h>

#define LG_KEYMAP_KEY_MAX 52

/* One entry, in the arena: @len bytes of key after the header. */
struct lg_keymap_slot {
	uint64_t hash;
	int64_t value;
	uint32_t len;
	unsigned char key[];
};

struct lg_keymap {
	uint64_t *slots; /* hash tag << 32 | (arena offset in 8 bytes + 1); 0: empty */
	size_t cap;	 /* a power of two, or 0 */
	size_t n;
	uint64_t *arena; /* the entries, 8-byte aligned */
	size_t len, arena_cap; /* in 8-byte words */
};

/* Free the memory of @m (a zeroed map needs no setup). */
void lg_keymap_free(struct lg_keymap *m);

/* Forget every key, keeping the memory. */
void lg_keymap_clear(struct lg_keymap *m);

/*
 * The value slot of @key (@len bytes, at most LG_KEYMAP_KEY_MAX), or NULL
 * when absent.  The pointer is valid until the next insertion.
 */
int64_t *lg_keymap_find(const struct lg_keymap *m, const void *key, size_t len);

/*
 * The value slot of @key, added with value 0 when absent (*@added tells,
 * may be NULL).  Returns NULL when out of memory or @len is too long.  The
 * pointer is valid until the next insertion.
 */
int64_t *lg_keymap_get(struct lg_keymap *m, const void *key, size_t len,
		       int *added);

/*
 * lg_keymap_get() in steps, for a caller with other work to do while the
 * map's memory is fetched: the hash of @key (lg_keymap_hash()), a
 * prefetch of its slot, later of its entry (which reads the slot), then
 * lg_keymap_get_hashed().  The prefetches only hint the CPU.
 */
uint64_t lg_keymap_hash(const void *key, size_t len);
void lg_keymap_prefetch_slot(const struct lg_keymap *m, uint64_t hash);
void lg_keymap_prefetch_entry(const struct lg_keymap *m, uint64_t hash);
int64_t *lg_keymap_get_hashed(struct lg_keymap *m, const void *key, size_t len,
			      uint64_t hash, int *added);

/*
 * Iterate in insertion order: for (i = 0; (s = lg_keymap_next(m, &i));)
 * ...  The entries are valid until the next insertion.
 */
struct lg_keymap_slot *lg_keymap_next(const struct lg_keymap *m, size_t *i);

#endif /* LOCKGRAPH_DAEMON_KEYMAP_H */
