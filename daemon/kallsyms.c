/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * /proc/kallsyms, sorted by address, looked up by binary search.  A
 * symbol's size is the distance to the next one (what the kernel's own
 * "func+0x1/0x40" output uses).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kallsyms.h"

struct sym {
	uint64_t addr;
	char *name;   /* "func" or "func [module]" */
	size_t name_len; /* of "func" alone */
};

/* How far past the last symbol an address may still be that symbol's. */
#define LAST_SYM_SPAN 0x10000

struct lg_kallsyms {
	struct sym *v;
	size_t n;
};

static int cmp_sym(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int lg_kallsyms_load(const char *path, struct lg_kallsyms **out)
{
	struct lg_kallsyms *ks;
	size_t cap = 0, nonzero = 0;
	char line[512];
	FILE *f;
	int err = 0;

	*out = NULL;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	ks = calloc(1, sizeof(*ks));
	if (!ks) {
		fclose(f);
		return -ENOMEM;
	}
	while (fgets(line, sizeof(line), f)) {
		char type, name[256], module[128] = "";
		unsigned long long addr;
		struct sym *s;
		int k;

		k = sscanf(line, "%llx %c %255s [%127[^]]]", &addr, &type, name,
			   module);
		if (k < 3)
			continue;
		/* Code and data symbols; skip absolute and section markers. */
		if (type == 'a' || type == 'A' || type == 'U')
			continue;
		if (ks->n == cap) {
			size_t ncap = cap ? cap * 2 : 65536;
			struct sym *nv = realloc(ks->v, ncap * sizeof(*nv));

			if (!nv) {
				err = -ENOMEM;
				goto fail;
			}
			ks->v = nv;
			cap = ncap;
		}
		s = &ks->v[ks->n];
		s->addr = addr;
		s->name_len = strlen(name);
		if (module[0] && asprintf(&s->name, "%s [%s]", name, module) < 0)
			s->name = NULL;
		else if (!module[0])
			s->name = strdup(name);
		if (!s->name) {
			err = -ENOMEM;
			goto fail;
		}
		ks->n++;
		nonzero += addr != 0;
	}
	if (ferror(f)) {
		err = -EIO;
		goto fail;
	}
	fclose(f);
	f = NULL;
	if (!ks->n) {
		err = -ENODATA;
		goto fail;
	}
	if (!nonzero) {
		err = -EPERM;
		goto fail;
	}
	qsort(ks->v, ks->n, sizeof(*ks->v), cmp_sym);
	*out = ks;
	return 0;
fail:
	if (f)
		fclose(f);
	lg_kallsyms_free(ks);
	return err;
}

void lg_kallsyms_free(struct lg_kallsyms *ks)
{
	if (!ks)
		return;
	for (size_t i = 0; i < ks->n; i++)
		free(ks->v[i].name);
	free(ks->v);
	free(ks);
}

size_t lg_kallsyms_count(const struct lg_kallsyms *ks)
{
	return ks ? ks->n : 0;
}

/* Index of the last symbol at or below @addr, or -1. */
static long find(const struct lg_kallsyms *ks, uint64_t addr)
{
	size_t lo = 0, hi = ks ? ks->n : 0;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (ks->v[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (long)lo - 1;
}

const char *lg_kallsyms_format(const struct lg_kallsyms *ks, uint64_t addr,
			       char *buf, size_t size)
{
	long i = find(ks, addr);
	const struct sym *s;
	uint64_t next;

	if (i < 0) {
		snprintf(buf, size, "0x%" PRIx64, addr);
		return NULL;
	}
	s = &ks->v[i];
	next = (size_t)i + 1 < ks->n ? ks->v[i + 1].addr : s->addr;
	/*
	 * Past the last symbol nothing says where it ends: further than
	 * LAST_SYM_SPAN is not that symbol (BPF programs and trampolines
	 * loaded after the table was read, module space with no module
	 * loaded: a kernel without modules ends with __init_scratch_end).
	 */
	if ((next <= addr && (size_t)i + 1 < ks->n) ||
	    ((size_t)i + 1 == ks->n && addr - s->addr >= LAST_SYM_SPAN)) {
		snprintf(buf, size, "0x%" PRIx64, addr);
		return NULL;
	}
	if (next > s->addr)
		snprintf(buf, size, "%.*s+0x%" PRIx64 "/0x%" PRIx64 "%s",
			 (int)s->name_len, s->name, addr - s->addr,
			 next - s->addr, s->name + s->name_len);
	else
		snprintf(buf, size, "%.*s+0x%" PRIx64 "%s", (int)s->name_len,
			 s->name, addr - s->addr, s->name + s->name_len);
	return s->name;
}

const char *lg_kallsyms_exact(const struct lg_kallsyms *ks, uint64_t addr)
{
	long i = find(ks, addr);

	if (i < 0 || ks->v[i].addr != addr)
		return NULL;
	return ks->v[i].name;
}
