/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the parser unit tests: a growable NUL-terminated
 * buffer, reading a whole file, and going through the files of a corpus
 * directory.  Test-only code, so the functions are static and each test
 * program gets its own copy.
 */
#ifndef LOCKGRAPH_TESTS_TEST_UTIL_H
#define LOCKGRAPH_TESTS_TEST_UTIL_H

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

struct buf {
	char *p;
	size_t n, cap;
};

/* Append @n bytes at @s to @b, keeping it NUL-terminated. */
static __attribute__((unused)) void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < b->n + n + 1)
			cap *= 2;
		b->p = realloc(b->p, cap);
		assert_non_null(b->p);
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

/* Whole file, NUL-terminated; NULL when it cannot be read. */
static __attribute__((unused)) char *slurp(const char *path, size_t *len)
{
	struct buf b = { 0 };
	char chunk[65536];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	if (!b.p)
		buf_add(&b, "", 0);
	*len = b.n;
	return b.p;
}

/*
 * Call @fn(path, text, len, @arg) for every regular file of @dir whose name
 * does not start with '.', with its contents as slurp() reads them (which
 * must succeed).  Returns how many files it read, or -1 when @dir cannot
 * be opened.
 */
static __attribute__((unused)) int for_each_file(const char *dir,
			 void (*fn)(const char *path, const char *text,
				    size_t len, void *arg),
			 void *arg)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL) {
		char path[4096];
		struct stat st;
		size_t len;
		char *text;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		text = slurp(path, &len);
		assert_non_null(text);
		fn(path, text, len, arg);
		free(text);
		n++;
	}
	closedir(d);
	return n;
}

/*
 * A scratch directory for a group of tests: use tmpdir_setup and
 * tmpdir_teardown as the cmocka group fixtures, tmpdir_path() for files in
 * it (two results may be held at once).
 */
static char tmpdir[64];

static __attribute__((unused)) int tmpdir_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/lg-test.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static __attribute__((unused)) int tmpdir_teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static __attribute__((unused)) const char *tmpdir_path(const char *name)
{
	static char path[2][128];
	static int k;

	k ^= 1;
	snprintf(path[k], sizeof(path[k]), "%s/%s", tmpdir, name);
	return path[k];
}

#endif /* LOCKGRAPH_TESTS_TEST_UTIL_H */
