/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Parser for /proc/lockdep dumps: see proc_lockdep.h.
 *
 * Each class line (l_show() in kernel/locking/lockdep_proc.c) is
 *
 *   "%p" [" OPS:%8ld"] [" FD:%5ld BD:%5ld"] " %s" ": " name
 *
 * and each of its direct dependencies " -> [%p] name".  A class is known
 * by its key and name together: with hashed or "(____ptrval____)" keys the
 * name tells classes apart, with real addresses both do.  A class printed
 * twice (the dump is read in pieces while lockdep runs) is merged, and
 * a dependency printed twice is kept once.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc_lockdep.h"
#include "text_input.h"

/* Open-addressing hash tables of indices + 1 (0 = empty). */
struct pl_table {
	size_t *slot;
	size_t mask;	/* size - 1, size a power of two */
	size_t used;
};

struct pl_ctx {
	struct lg_proc_lockdep res;
	size_t class_cap, dep_cap;
	struct pl_table classes;	/* by key and name */
	struct pl_table deps;		/* by (from, to) */
	struct lg_parse_error *err;
};

static const char *skip_blanks(const char *s, const char *end)
{
	while (s < end && lg_is_blank(*s))
		s++;
	return s;
}

/* Say where and why parsing failed (see lg_parse_error_set()). */
#define set_error(c, line, ...) lg_parse_error_set((c)->err, (line), __VA_ARGS__)

static uint64_t hash_bytes(uint64_t h, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t hash_class(const char *key, size_t klen, const char *name,
			   size_t nlen)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	h = hash_bytes(h, key, klen);
	h = hash_bytes(h, "", 1);
	return hash_bytes(h, name, nlen);
}

static uint64_t hash_dep(size_t from, size_t to)
{
	uint64_t h = (uint64_t)from * 0x9e3779b97f4a7c15ULL;

	h ^= (uint64_t)to + 0x632be59bd9b4e019ULL + (h << 6) + (h >> 2);
	h *= 0xff51afd7ed558ccdULL;
	return h ^ (h >> 33);
}

static int table_init(struct pl_table *t)
{
	t->mask = 63;
	t->used = 0;
	t->slot = calloc(t->mask + 1, sizeof(*t->slot));
	return t->slot ? 0 : -ENOMEM;
}

/*
 * Double @t when half full; @rehash gives the hash of an entry (index).
 */
static int table_grow(struct pl_table *t, const struct pl_ctx *c,
		      uint64_t (*rehash)(const struct pl_ctx *, size_t))
{
	size_t *ns, nmask, i, j;

	if ((t->used + 1) * 2 <= t->mask + 1)
		return 0;
	if (t->mask > SIZE_MAX / 4)
		return -ENOMEM;
	nmask = t->mask * 2 + 1;
	ns = calloc(nmask + 1, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	for (i = 0; i <= t->mask; i++) {
		if (!t->slot[i])
			continue;
		j = (size_t)rehash(c, t->slot[i] - 1) & nmask;
		while (ns[j])
			j = (j + 1) & nmask;
		ns[j] = t->slot[i];
	}
	free(t->slot);
	t->slot = ns;
	t->mask = nmask;
	return 0;
}

static uint64_t class_rehash(const struct pl_ctx *c, size_t idx)
{
	const struct lg_proc_class *k = &c->res.classes[idx];

	return hash_class(k->key, strlen(k->key), k->name, strlen(k->name));
}

static uint64_t dep_rehash(const struct pl_ctx *c, size_t idx)
{
	const struct lg_proc_dep *d = &c->res.deps[idx];

	return hash_dep(d->from, d->to);
}

/*
 * The class with @key and @name, added (ops, fd, bd -1, no usage) when
 * absent.  *@idx gets its index, *@added whether it is new.
 */
static int get_class(struct pl_ctx *c, const char *key, size_t klen,
		     const char *name, size_t nlen, size_t *idx, bool *added)
{
	struct lg_proc_class *k;
	size_t j;
	int ret;

	ret = table_grow(&c->classes, c, class_rehash);
	if (ret)
		return ret;
	j = (size_t)hash_class(key, klen, name, nlen) & c->classes.mask;
	while (c->classes.slot[j]) {
		k = &c->res.classes[c->classes.slot[j] - 1];
		if (strlen(k->key) == klen && !memcmp(k->key, key, klen) &&
		    strlen(k->name) == nlen && !memcmp(k->name, name, nlen)) {
			*idx = c->classes.slot[j] - 1;
			*added = false;
			return 0;
		}
		j = (j + 1) & c->classes.mask;
	}
	if (c->res.nclasses == c->class_cap) {
		size_t cap = c->class_cap ? c->class_cap * 2 : 64;
		struct lg_proc_class *nv;

		if (cap > SIZE_MAX / sizeof(*nv))
			return -ENOMEM;
		nv = realloc(c->res.classes, cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		c->res.classes = nv;
		c->class_cap = cap;
	}
	k = &c->res.classes[c->res.nclasses];
	memset(k, 0, sizeof(*k));
	k->ops = k->fd = k->bd = -1;
	k->key = lg_dup_range(key, klen);
	k->name = lg_dup_range(name, nlen);
	if (!k->key || !k->name) {
		free(k->key);
		free(k->name);
		return -ENOMEM;
	}
	*idx = c->res.nclasses++;
	c->classes.slot[j] = *idx + 1;
	c->classes.used++;
	*added = true;
	return 0;
}

/* Add the dependency @from -> @to unless it is there already. */
static int add_dep(struct pl_ctx *c, size_t from, size_t to)
{
	struct lg_proc_dep *d;
	size_t j;
	int ret;

	ret = table_grow(&c->deps, c, dep_rehash);
	if (ret)
		return ret;
	j = (size_t)hash_dep(from, to) & c->deps.mask;
	while (c->deps.slot[j]) {
		d = &c->res.deps[c->deps.slot[j] - 1];
		if (d->from == from && d->to == to)
			return 0;
		j = (j + 1) & c->deps.mask;
	}
	if (c->res.ndeps == c->dep_cap) {
		size_t cap = c->dep_cap ? c->dep_cap * 2 : 256;
		struct lg_proc_dep *nv;

		if (cap > SIZE_MAX / sizeof(*nv))
			return -ENOMEM;
		nv = realloc(c->res.deps, cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		c->res.deps = nv;
		c->dep_cap = cap;
	}
	d = &c->res.deps[c->res.ndeps];
	d->from = from;
	d->to = to;
	c->deps.slot[j] = ++c->res.ndeps;
	c->deps.used++;
	return 0;
}

/* A key as %p prints it: hex digits, or a parenthesised word. */
static bool valid_key(const char *k, size_t n)
{
	size_t i;

	if (!n)
		return false;
	if (k[0] == '(')
		return n >= 3 && k[n - 1] == ')' && !memchr(k + 1, '(', n - 2);
	if (n > 2 && k[0] == '0' && k[1] == 'x') {
		k += 2;
		n -= 2;
	}
	for (i = 0; i < n; i++)
		if (!lg_is_xdigit(k[i]))
			return false;
	return true;
}

/* "TAG:" followed by blanks and a decimal number. */
static bool take_field(const char **p, const char *end, const char *tag,
		       long *v)
{
	const char *q = *p;
	size_t n = strlen(tag);
	long x = 0;

	if ((size_t)(end - q) < n || memcmp(q, tag, n) != 0)
		return false;
	q = skip_blanks(q + n, end);
	if (q == end || !lg_is_digit(*q))
		return false;
	while (q < end && lg_is_digit(*q)) {
		if (x > (LONG_MAX - 9) / 10)
			return false;
		x = x * 10 + (*q++ - '0');
	}
	if (q < end && !lg_is_blank(*q) && *q != ':')
		return false;	/* ':' ends "OPS: n: name" (no PROVE_LOCKING) */
	*v = x;
	*p = skip_blanks(q, end);
	return true;
}

/* " -> [key] name" */
static int parse_dep_line(struct pl_ctx *c, const char *p, const char *end,
			  size_t from, unsigned int no)
{
	const char *key, *ke;
	size_t to;
	bool added;

	key = p + 1;			/* after '[' */
	ke = memchr(key, ']', (size_t)(end - key));
	if (!ke || !valid_key(key, (size_t)(ke - key))) {
		set_error(c, no, "malformed key in dependency line");
		return -EBADMSG;
	}
	p = ke + 1;
	if (p == end || *p != ' ') {
		set_error(c, no, "dependency line without a class name");
		return -EBADMSG;
	}
	p = skip_blanks(p, end);
	if (p == end) {
		set_error(c, no, "dependency line without a class name");
		return -EBADMSG;
	}
	if (get_class(c, key, (size_t)(ke - key), p, (size_t)(end - p), &to,
		      &added))
		return -ENOMEM;
	return add_dep(c, from, to);
}

/* "key [OPS: n] [FD: n BD: n usage]: name" */
static int parse_class_line(struct pl_ctx *c, const char *p, const char *end,
			    size_t *idx, unsigned int no)
{
	const char *key = p, *ke, *usage, *ue, *name;
	long ops = -1, fd = -1, bd = -1;
	struct lg_proc_class *k;
	bool added;

	/* without PROVE_LOCKING (and OPS:) the ':' follows the key */
	while (p < end && !lg_is_blank(*p) && *p != ':')
		p++;
	ke = p;
	if (!valid_key(key, (size_t)(ke - key)) || p == end) {
		set_error(c, no, "unrecognised line");
		return -EBADMSG;
	}
	p = skip_blanks(p, end);
	take_field(&p, end, "OPS:", &ops);
	if (take_field(&p, end, "FD:", &fd) &&
	    !take_field(&p, end, "BD:", &bd)) {
		set_error(c, no, "class line with FD: but no BD:");
		return -EBADMSG;
	}
	usage = p;
	while (p < end && (*p == '+' || *p == '-' || *p == '.' || *p == '?'))
		p++;
	ue = p;
	p = skip_blanks(p, end);
	if (p == end || *p != ':') {
		set_error(c, no, "unrecognised line");
		return -EBADMSG;
	}
	name = skip_blanks(p + 1, end);
	if (name == end) {
		set_error(c, no, "class line without a class name");
		return -EBADMSG;
	}
	if (get_class(c, key, (size_t)(ke - key), name, (size_t)(end - name),
		      idx, &added))
		return -ENOMEM;
	k = &c->res.classes[*idx];
	if (ue > usage) {
		char *u = lg_dup_range(usage, (size_t)(ue - usage));

		if (!u)
			return -ENOMEM;
		free(k->usage);
		k->usage = u;
	}
	k->ops = ops;
	k->fd = fd;
	k->bd = bd;
	return 0;
}

void lg_proc_lockdep_free(struct lg_proc_lockdep *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nclasses; i++) {
		free(p->classes[i].key);
		free(p->classes[i].name);
		free(p->classes[i].usage);
	}
	free(p->classes);
	free(p->deps);
	memset(p, 0, sizeof(*p));
}

int lg_proc_lockdep_parse(const char *buf, size_t len,
			  struct lg_proc_lockdep *out,
			  struct lg_parse_error *err)
{
	struct pl_ctx c = { .err = err };
	const char *p = buf, *end = buf + len;
	size_t cur = 0, nclass_lines = 0;
	bool have_cur = false;
	unsigned int no = 0;
	int ret;

	if (out)
		memset(out, 0, sizeof(*out));
	if (err) {
		err->line = 0;
		err->msg[0] = '\0';
	}
	if (!out || (!buf && len))
		return -EINVAL;
	ret = lg_text_check(buf, len);
	if (ret) {
		set_error(&c, 0, "binary input, not a /proc/lockdep dump");
		goto out;
	}
	ret = table_init(&c.classes);
	if (ret)
		goto out;
	ret = table_init(&c.deps);
	if (ret)
		goto out;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end, *s;

		no++;
		while (e > p && (e[-1] == '\r' || lg_is_blank(e[-1])))
			e--;
		s = skip_blanks(p, e);
		if (s == e) {
			/* blank */
		} else if ((size_t)(e - s) == 17 &&
			   memcmp(s, "all lock classes:", 17) == 0) {
			/* header */
		} else if (s > p && e - s > 3 && memcmp(s, "-> [", 4) == 0) {
			if (!have_cur) {
				set_error(&c, no,
					  "dependency line before any class line");
				ret = -EBADMSG;
				goto out;
			}
			ret = parse_dep_line(&c, s + 3, e, cur, no);
			if (ret)
				goto out;
		} else if (s == p) {
			ret = parse_class_line(&c, s, e, &cur, no);
			if (ret)
				goto out;
			have_cur = true;
			nclass_lines++;
		} else {
			set_error(&c, no, "unrecognised line");
			ret = -EBADMSG;
			goto out;
		}
		p = nl ? nl + 1 : end;
	}
	if (!nclass_lines) {
		set_error(&c, 0, "no lock class line");
		ret = -ENODATA;
		goto out;
	}
	*out = c.res;
	memset(&c.res, 0, sizeof(c.res));
	ret = 0;
out:
	lg_proc_lockdep_free(&c.res);
	free(c.classes.slot);
	free(c.deps.slot);
	return ret;
}
