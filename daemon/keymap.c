/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Short-key hash map.  See keymap.h.  Linear probing at most half full;
 * the stored hash is never 0, so 0 marks an empty slot.
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
	return h ? h : 1;
}

void lg_keymap_free(struct lg_keymap *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = m->n = 0;
}

void lg_keymap_clear(struct lg_keymap *m)
{
	if (m->n)
		memset(m->slots, 0, m->cap * sizeof(*m->slots));
	m->n = 0;
}

static struct lg_keymap_slot *probe(const struct lg_keymap *m, uint64_t h,
				    const void *key, size_t len)
{
	size_t mask = m->cap - 1;

	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct lg_keymap_slot *s = &m->slots[i];

		if (!s->hash || (s->hash == h && s->len == len &&
				 !memcmp(s->key, key, len)))
			return s;
	}
}

int64_t *lg_keymap_find(const struct lg_keymap *m, const void *key, size_t len)
{
	struct lg_keymap_slot *s;

	if (!m->cap || len > LG_KEYMAP_KEY_MAX)
		return NULL;
	s = probe(m, key_hash(key, len), key, len);
	return s->hash ? &s->value : NULL;
}

static int grow(struct lg_keymap *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 64;
	struct lg_keymap_slot *old = m->slots, *slots;
	size_t ocap = m->cap;

	slots = calloc(ncap, sizeof(*slots));
	if (!slots)
		return -1;
	m->slots = slots;
	m->cap = ncap;
	for (size_t i = 0; i < ocap; i++)
		if (old[i].hash)
			*probe(m, old[i].hash, old[i].key, old[i].len) = old[i];
	free(old);
	return 0;
}

int64_t *lg_keymap_get(struct lg_keymap *m, const void *key, size_t len,
		       int *added)
{
	struct lg_keymap_slot *s;
	uint64_t h;

	if (added)
		*added = 0;
	if (len > LG_KEYMAP_KEY_MAX)
		return NULL;
	if ((m->n + 1) * 2 > m->cap && grow(m))
		return NULL;
	h = key_hash(key, len);
	s = probe(m, h, key, len);
	if (!s->hash) {
		s->hash = h;
		s->len = (uint32_t)len;
		memcpy(s->key, key, len);
		s->value = 0;
		m->n++;
		if (added)
			*added = 1;
	}
	return &s->value;
}

struct lg_keymap_slot *lg_keymap_next(const struct lg_keymap *m, size_t *i)
{
	for (; *i < m->cap; (*i)++)
		if (m->slots[*i].hash)
			return &m->slots[(*i)++];
	return NULL;
}
