/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Short-key hash map.  See keymap.h.  Linear probing at most half full;
 * a slot is never 0 once used (its arena offset is stored plus one).
 */
#include <stdlib.h>
#include <string.h>

#include "keymap.h"

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static uint64_t key_hash(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ len, w;

	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&w, p, 8);
		h = mix(h ^ w);
	}
	if (len) {
		w = 0;
		memcpy(&w, p, len);
		h = mix(h ^ w);
	}
	return h;
}

/* Words of arena an entry with a key of @len bytes takes. */
static size_t entry_words(size_t len)
{
	return (offsetof(struct lg_keymap_slot, key) + len + 7) / 8;
}

static struct lg_keymap_slot *entry_at(const struct lg_keymap *m, uint64_t slot)
{
	return (struct lg_keymap_slot *)(m->arena + (uint32_t)slot - 1);
}

void lg_keymap_free(struct lg_keymap *m)
{
	free(m->slots);
	free(m->arena);
	memset(m, 0, sizeof(*m));
}

void lg_keymap_clear(struct lg_keymap *m)
{
	if (m->n)
		memset(m->slots, 0, m->cap * sizeof(*m->slots));
	m->n = 0;
	m->len = 0;
}

/* The slot index of @key, or of the empty slot where it would go. */
static size_t probe(const struct lg_keymap *m, uint64_t h, const void *key,
		    size_t len)
{
	size_t mask = m->cap - 1;
	uint64_t tag = h >> 32;

	for (size_t i = h & mask;; i = (i + 1) & mask) {
		uint64_t s = m->slots[i];
		const struct lg_keymap_slot *e;

		if (!s)
			return i;
		if (s >> 32 != tag)
			continue;
		e = entry_at(m, s);
		if (e->hash == h && e->len == len && !memcmp(e->key, key, len))
			return i;
	}
}

int64_t *lg_keymap_find(const struct lg_keymap *m, const void *key, size_t len)
{
	uint64_t s;

	if (!m->n || len > LG_KEYMAP_KEY_MAX)
		return NULL;
	s = m->slots[probe(m, key_hash(key, len), key, len)];
	return s ? &entry_at(m, s)->value : NULL;
}

static int grow(struct lg_keymap *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 64, mask = ncap - 1;
	uint64_t *slots;

	slots = calloc(ncap, sizeof(*slots));
	if (!slots)
		return -1;
	for (size_t i = 0; i < m->cap; i++) {
		uint64_t s = m->slots[i];
		size_t k;

		if (!s)
			continue;
		for (k = entry_at(m, s)->hash & mask; slots[k]; k = (k + 1) & mask)
			;
		slots[k] = s;
	}
	free(m->slots);
	m->slots = slots;
	m->cap = ncap;
	return 0;
}

uint64_t lg_keymap_hash(const void *key, size_t len)
{
	return key_hash(key, len);
}

void lg_keymap_prefetch_slot(const struct lg_keymap *m, uint64_t hash)
{
	if (m->cap)
		__builtin_prefetch(&m->slots[hash & (m->cap - 1)]);
}

void lg_keymap_prefetch_entry(const struct lg_keymap *m, uint64_t hash)
{
	uint64_t s = m->cap ? m->slots[hash & (m->cap - 1)] : 0;

	if (s && s >> 32 == hash >> 32)
		__builtin_prefetch(entry_at(m, s));
}

int64_t *lg_keymap_get(struct lg_keymap *m, const void *key, size_t len,
		       int *added)
{
	return lg_keymap_get_hashed(m, key, len, key_hash(key, len), added);
}

int64_t *lg_keymap_get_hashed(struct lg_keymap *m, const void *key, size_t len,
			      uint64_t h, int *added)
{
	struct lg_keymap_slot *e;
	size_t i, words;

	if (added)
		*added = 0;
	if (len > LG_KEYMAP_KEY_MAX)
		return NULL;
	if ((m->n + 1) * 2 > m->cap && grow(m))
		return NULL;
	i = probe(m, h, key, len);
	if (m->slots[i])
		return &entry_at(m, m->slots[i])->value;
	words = entry_words(len);
	if (m->len + words > m->arena_cap) {
		size_t ncap = m->arena_cap ? m->arena_cap * 2 : 512;
		uint64_t *na;

		while (ncap < m->len + words)
			ncap *= 2;
		if (ncap > UINT32_MAX)
			return NULL;
		na = realloc(m->arena, ncap * 8);
		if (!na)
			return NULL;
		m->arena = na;
		m->arena_cap = ncap;
	}
	e = (struct lg_keymap_slot *)(m->arena + m->len);
	e->hash = h;
	e->value = 0;
	e->len = (uint32_t)len;
	memcpy(e->key, key, len);
	m->slots[i] = (h >> 32) << 32 | (m->len + 1);
	m->len += words;
	m->n++;
	if (added)
		*added = 1;
	return &e->value;
}

struct lg_keymap_slot *lg_keymap_next(const struct lg_keymap *m, size_t *i)
{
	struct lg_keymap_slot *e;

	if (*i >= m->len)
		return NULL;
	e = (struct lg_keymap_slot *)(m->arena + *i);
	*i += entry_words(e->len);
	return e;
}
