/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests for the /proc/lockdep parser (analyzer/proc_lockdep.c).
 * Run from the repository root: fixtures are read by relative path.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "proc_lockdep.h"
#include "test_util.h"

#define PROC_DIR "tests/corpus/proc_lockdep"
#define REAL_DUMP PROC_DIR "/lockdep-6.1.192-hugetlb.txt"
#define REGRESS_DIR "tests/corpus/regress/proc_lockdep"
#define FUZZ_CORPUS_DIR "tests/fuzz/corpus/proc_lockdep"

/*
 * The shape l_show() prints (kernel/locking/lockdep_proc.c) with
 * CONFIG_DEBUG_LOCKDEP (OPS:) and CONFIG_PROVE_LOCKING (FD:, BD:).
 */
static const char small_ops[] =
	"all lock classes:\n"
	"ffffffff82a5d9b8 OPS:      20 FD:   45 BD:    1 +.+.: cgroup_mutex\n"
	" -> [ffffffff82a5da18] cgroup_mutex.wait_lock\n"
	" -> [ffffffff83a2c4f0] &obj_hash[i].lock\n"
	"\n"
	"ffffffff82a5da18 OPS:       3 FD:    1 BD:    2 ....: cgroup_mutex.wait_lock\n"
	"\n"
	"ffffffff81f11318 OPS:    1234 FD:   40 BD:   18 +.+.: &sb->s_type->i_mutex_key#6\n"
	" -> [ffffffff82a5da18] cgroup_mutex.wait_lock\n"
	" -> [ffffffff82d4e250] &hugetlbfs_i_mmap_rwsem_key\n"
	"\n"
	"ffffffff81ed7590 OPS:       7 FD:    1 BD:    1 -.-.: subsys mutex#15\n"
	" -> [ffffffffc0a1b2c0] xfs_iunlink_key+0x0/0x10 [xfs]\n"
	"\n"
	"ffffffff82216e21 OPS:       2 FD:    3 BD:    4 ++++: &mm->mmap_lock/1\n"
	"\n";

/* Without DEBUG_LOCKDEP and with %p hiding the keys. */
static const char small_ptrval[] =
	"all lock classes:\n"
	"(____ptrval____) FD:   45 BD:    1 +.+.: cgroup_mutex\n"
	" -> [(____ptrval____)] cgroup_mutex.wait_lock\n"
	" -> [(____ptrval____)] &obj_hash[i].lock\n"
	"\n"
	"(____ptrval____) FD:    1 BD:    2 ....: cgroup_mutex.wait_lock\n"
	"\n"
	"(____ptrval____) FD:    1 BD:    2 ....: &obj_hash[i].lock\n"
	"\n";

/* Hashed keys (the %p default), CRLF line ends, no FD/BD. */
static const char small_hashed_crlf[] =
	"all lock classes:\r\n"
	"000000004a2c3b1d ++++: &mm->mmap_lock\r\n"
	" -> [00000000d1e2f3a4] fs_reclaim\r\n"
	"\r\n"
	"00000000d1e2f3a4 +.+.: fs_reclaim\r\n"
	"\r\n";

static int parse_str(const char *text, struct lg_proc_lockdep *p,
		     struct lg_parse_error *e)
{
	memset(e, 0, sizeof(*e));
	return lg_proc_lockdep_parse(text, strlen(text), p, e);
}

/* Index of the class named @name, or -1. */
static long find_class(const struct lg_proc_lockdep *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->nclasses; i++)
		if (strcmp(p->classes[i].name, name) == 0)
			return (long)i;
	return -1;
}

static const struct lg_proc_class *must_class(const struct lg_proc_lockdep *p,
					      const char *name)
{
	long i = find_class(p, name);

	if (i < 0)
		fail_msg("no class \"%s\"", name);
	return &p->classes[i];
}

static bool has_dep(const struct lg_proc_lockdep *p, const char *from,
		    const char *to)
{
	long f = find_class(p, from), t = find_class(p, to);
	size_t i;

	if (f < 0 || t < 0)
		return false;
	for (i = 0; i < p->ndeps; i++)
		if (p->deps[i].from == (size_t)f && p->deps[i].to == (size_t)t)
			return true;
	return false;
}

static size_t deps_from(const struct lg_proc_lockdep *p, const char *from)
{
	long f = find_class(p, from);
	size_t i, n = 0;

	for (i = 0; i < p->ndeps; i++)
		if (p->deps[i].from == (size_t)f)
			n++;
	return n;
}

static void assert_empty(const struct lg_proc_lockdep *p)
{
	assert_null(p->classes);
	assert_null(p->deps);
	assert_int_equal(p->nclasses, 0);
	assert_int_equal(p->ndeps, 0);
}

/* ------------------------------------------------------------------ */

static void test_small_with_ops(void **state)
{
	struct lg_proc_lockdep p;
	struct lg_parse_error e;
	const struct lg_proc_class *k;

	(void)state;
	assert_int_equal(parse_str(small_ops, &p, &e), 0);
	assert_int_equal(p.nclasses, 8);
	assert_int_equal(p.ndeps, 5);
	/* classes in order of first appearance, dep targets included */
	assert_string_equal(p.classes[0].name, "cgroup_mutex");
	assert_string_equal(p.classes[1].name, "cgroup_mutex.wait_lock");
	assert_string_equal(p.classes[2].name, "&obj_hash[i].lock");
	k = &p.classes[0];
	assert_string_equal(k->key, "ffffffff82a5d9b8");
	assert_string_equal(k->usage, "+.+.");
	assert_int_equal(k->ops, 20);
	assert_int_equal(k->fd, 45);
	assert_int_equal(k->bd, 1);
	/* first met as a dependency target, then its own line filled it in */
	k = must_class(&p, "cgroup_mutex.wait_lock");
	assert_string_equal(k->key, "ffffffff82a5da18");
	assert_string_equal(k->usage, "....");
	assert_int_equal(k->ops, 3);
	assert_int_equal(k->fd, 1);
	assert_int_equal(k->bd, 2);
	/* a target without a class line of its own is kept */
	k = must_class(&p, "&obj_hash[i].lock");
	assert_string_equal(k->key, "ffffffff83a2c4f0");
	assert_null(k->usage);
	assert_int_equal(k->ops, -1);
	assert_int_equal(k->fd, -1);
	assert_int_equal(k->bd, -1);
	k = must_class(&p, "&sb->s_type->i_mutex_key#6");
	assert_int_equal(k->ops, 1234);
	/* names with blanks: the rest of the line */
	k = must_class(&p, "subsys mutex#15");
	assert_string_equal(k->usage, "-.-.");
	must_class(&p, "xfs_iunlink_key+0x0/0x10 [xfs]");
	must_class(&p, "&mm->mmap_lock/1");
	assert_true(has_dep(&p, "cgroup_mutex", "cgroup_mutex.wait_lock"));
	assert_true(has_dep(&p, "cgroup_mutex", "&obj_hash[i].lock"));
	assert_true(has_dep(&p, "&sb->s_type->i_mutex_key#6",
			    "cgroup_mutex.wait_lock"));
	assert_true(has_dep(&p, "&sb->s_type->i_mutex_key#6",
			    "&hugetlbfs_i_mmap_rwsem_key"));
	assert_true(has_dep(&p, "subsys mutex#15",
			    "xfs_iunlink_key+0x0/0x10 [xfs]"));
	assert_false(has_dep(&p, "cgroup_mutex.wait_lock", "cgroup_mutex"));
	lg_proc_lockdep_free(&p);
	assert_empty(&p);
	lg_proc_lockdep_free(&p);	/* twice is fine */
	lg_proc_lockdep_free(NULL);
}

static void test_small_ptrval(void **state)
{
	struct lg_proc_lockdep p;
	struct lg_parse_error e;
	const struct lg_proc_class *k;

	(void)state;
	assert_int_equal(parse_str(small_ptrval, &p, &e), 0);
	/* the keys are all alike: the names tell the classes apart */
	assert_int_equal(p.nclasses, 3);
	assert_int_equal(p.ndeps, 2);
	k = must_class(&p, "cgroup_mutex");
	assert_string_equal(k->key, "(____ptrval____)");
	assert_int_equal(k->ops, -1);
	assert_int_equal(k->fd, 45);
	k = must_class(&p, "&obj_hash[i].lock");
	assert_string_equal(k->usage, "....");
	assert_int_equal(k->bd, 2);
	assert_true(has_dep(&p, "cgroup_mutex", "&obj_hash[i].lock"));
	lg_proc_lockdep_free(&p);
}

/*
 * Without PROVE_LOCKING l_show() prints no FD/BD, usage or dependencies:
 * "key: name", and with DEBUG_LOCKDEP "key OPS:    n: name".
 */
static void test_without_prove_locking(void **state)
{
	struct lg_proc_lockdep p;
	struct lg_parse_error e;
	const struct lg_proc_class *k;

	(void)state;
	assert_int_equal(parse_str("all lock classes:\n"
				   "ffffffff82a5d9b8: cgroup_mutex\n"
				   "ffffffff82a5da18 OPS:      20: subsys mutex#15\n"
				   "(____ptrval____): fs_reclaim\n",
				   &p, &e), 0);
	assert_int_equal(p.nclasses, 3);
	assert_int_equal(p.ndeps, 0);
	k = must_class(&p, "cgroup_mutex");
	assert_string_equal(k->key, "ffffffff82a5d9b8");
	assert_null(k->usage);
	assert_int_equal(k->ops, -1);
	assert_int_equal(k->fd, -1);
	k = must_class(&p, "subsys mutex#15");
	assert_int_equal(k->ops, 20);
	assert_int_equal(k->bd, -1);
	k = must_class(&p, "fs_reclaim");
	assert_string_equal(k->key, "(____ptrval____)");
	lg_proc_lockdep_free(&p);
}

static void test_small_hashed_crlf(void **state)
{
	struct lg_proc_lockdep p;
	struct lg_parse_error e;
	const struct lg_proc_class *k;

	(void)state;
	assert_int_equal(parse_str(small_hashed_crlf, &p, &e), 0);
	assert_int_equal(p.nclasses, 2);
	assert_int_equal(p.ndeps, 1);
	k = must_class(&p, "&mm->mmap_lock");
	assert_string_equal(k->key, "000000004a2c3b1d");
	assert_string_equal(k->usage, "++++");
	assert_int_equal(k->fd, -1);
	assert_int_equal(k->bd, -1);
	k = must_class(&p, "fs_reclaim");
	assert_string_equal(k->usage, "+.+.");
	assert_true(has_dep(&p, "&mm->mmap_lock", "fs_reclaim"));
	lg_proc_lockdep_free(&p);
}

/* A class printed twice (read in pieces while lockdep ran) is merged. */
static void test_duplicates_merged(void **state)
{
	struct lg_proc_lockdep p;
	struct lg_parse_error e;
	struct buf b = { 0 };

	(void)state;
	buf_add(&b, small_ops, strlen(small_ops));
	buf_add(&b, small_ops + strlen("all lock classes:\n"),
		strlen(small_ops) - strlen("all lock classes:\n"));
	assert_int_equal(parse_str(b.p, &p, &e), 0);
	assert_int_equal(p.nclasses, 8);
	assert_int_equal(p.ndeps, 5);
	lg_proc_lockdep_free(&p);
	free(b.p);
}

struct bad_case {
	const char *text;
	int ret;
	unsigned int line;
};

static void test_errors(void **state)
{
	static const struct bad_case cases[] = {
		{ "", -ENODATA, 0 },
		{ "\n\n", -ENODATA, 0 },
		{ "all lock classes:\n", -ENODATA, 0 },
		{ "all lock classes:\n -> [ffffffff81eea9a0] fs_reclaim\n",
		  -EBADMSG, 2 },
		{ "all lock classes:\nffffffff81eea9a0 FD:    1 BD:  106 +.+.: fs_reclaim\nthis is not lockdep\n",
		  -EBADMSG, 3 },
		{ "ffffffff81eea9a0 FD:    1 BD:  106 +.+.: \n", -EBADMSG, 1 },
		{ "ffffffff81eea9a0 FD:    1 BD:  106 +.+.\n", -EBADMSG, 1 },
		{ "zzzzzzzzzzzzzzzz FD:    1 BD:  106 +.+.: fs_reclaim\n",
		  -EBADMSG, 1 },
		{ "ffffffff81eea9a0 FD:    1 +.+.: fs_reclaim\n", -EBADMSG, 1 },
		{ "ffffffff81eea9a0 FD:    1 BD:  106 +.+.: fs_reclaim\n -> [ffffffff81eea9a0 fs_reclaim\n",
		  -EBADMSG, 2 },
		{ "ffffffff81eea9a0 FD:    1 BD:  106 +.+.: fs_reclaim\n -> [ffffffff81eea9a0]\n",
		  -EBADMSG, 2 },
		{ "ffffffff81eea9a0 FD:    1 BD:  106 +.+.: fs_reclaim\n -> [xyz] fs_reclaim\n",
		  -EBADMSG, 2 },
		/* /proc/lockdep_stats and /proc/lockdep_chains are not it */
		{ " lock-classes:                          434 [max: 8192]\n",
		  -EBADMSG, 1 },
		{ "all lock chains:\nirq_context: 0\n[ffffffff81eea9a0] fs_reclaim\n",
		  -EBADMSG, 1 },
		{ "ab\0cd", -EMEDIUMTYPE, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lg_proc_lockdep p = { (void *)1, 1, (void *)1, 1 };
		struct lg_parse_error e;
		size_t len = strlen(cases[i].text);
		int ret;

		if (cases[i].ret == -EMEDIUMTYPE)
			len = 5;
		memset(&e, 0, sizeof(e));
		ret = lg_proc_lockdep_parse(cases[i].text, len, &p, &e);
		print_message("case %zu: %d line %u: %s\n", i, ret, e.line,
			      e.msg);
		assert_int_equal(ret, cases[i].ret);
		if (ret == -EBADMSG) {
			assert_int_equal(e.line, cases[i].line);
			assert_true(e.msg[0] != '\0');
			assert_null(strchr(e.msg, '\n'));
		}
		assert_empty(&p);
	}
}

/* Everything the real dump (6.1.192, seed 000 workload) must give. */
static void check_real_dump(const struct lg_proc_lockdep *p, bool ptrval)
{
	static const char *const mission_deps[][2] = {
		/* all 21 listed in tests/corpus/proc_lockdep/README.md */
		{ "&mm->mmap_lock", "&vma_lock->rw_sema" },
		{ "&mm->mmap_lock", "&hugetlb_fault_mutex_table[i]" },
		{ "&mm->mmap_lock", "&hugetlbfs_i_mmap_rwsem_key" },
		{ "&mm->mmap_lock", "&sb->s_type->i_mutex_key#6" },
		{ "&mm->mmap_lock", "fs_reclaim" },
		{ "&mm->mmap_lock", "&mapping->i_mmap_rwsem" },
		{ "&mm->mmap_lock", "&mm->mmap_lock/1" },
		{ "&mm->mmap_lock/1", "fs_reclaim" },
		{ "&mm->mmap_lock/1", "&mapping->i_mmap_rwsem" },
		{ "&hugetlb_fault_mutex_table[i]", "&vma_lock->rw_sema" },
		{ "&hugetlb_fault_mutex_table[i]", "&hugetlbfs_i_mmap_rwsem_key" },
		{ "&hugetlb_fault_mutex_table[i]", "&resv_map->lock" },
		{ "&hugetlb_fault_mutex_table[i]", "fs_reclaim" },
		{ "&vma_lock->rw_sema", "&hugetlbfs_i_mmap_rwsem_key" },
		{ "&vma_lock->rw_sema", "&resv_map->lock" },
		{ "&vma_lock->rw_sema", "fs_reclaim" },
		{ "&sb->s_type->i_mutex_key#6", "&hugetlb_fault_mutex_table[i]" },
		{ "&sb->s_type->i_mutex_key#6", "&hugetlbfs_i_mmap_rwsem_key" },
		{ "&sb->s_type->i_mutex_key#6", "&resv_map->lock" },
		{ "&sb->s_type->i_mutex_key#6", "fs_reclaim" },
		{ "&hugetlbfs_i_mmap_rwsem_key", "fs_reclaim" },
	};
	const struct lg_proc_class *k;
	size_t i;

	/* lockdep_stats: "lock-classes: 434"; 1039 " -> " lines, all distinct */
	assert_int_equal(p->nclasses, 434);
	assert_int_equal(p->ndeps, 1039);
	for (i = 0; i < p->nclasses; i++)
		assert_non_null(p->classes[i].usage); /* all have a line */

	/* spot checks, by hand from the file (line numbers of that file) */
	k = must_class(p, "&mm->mmap_lock");		/* line 1562 */
	assert_string_equal(k->key, ptrval ? "(____ptrval____)" :
						"ffffffff82216e20");
	assert_string_equal(k->usage, "++++");
	assert_int_equal(k->ops, -1);	/* no CONFIG_DEBUG_LOCKDEP */
	assert_int_equal(k->fd, 57);
	assert_int_equal(k->bd, 15);
	k = must_class(p, "fs_reclaim");		/* line 547 */
	assert_string_equal(k->usage, "+.+.");
	assert_int_equal(k->fd, 1);
	assert_int_equal(k->bd, 106);
	k = must_class(p, "&hugetlbfs_i_mmap_rwsem_key");	/* line 1842 */
	if (!ptrval)
		assert_string_equal(k->key, "ffffffff82d4e250");
	assert_int_equal(k->fd, 15);
	assert_int_equal(k->bd, 21);
	k = must_class(p, "&vma_lock->rw_sema");	/* line 1874 */
	if (!ptrval)
		assert_string_equal(k->key, "ffffffff82d469c0");
	assert_string_equal(k->usage, "++++");
	assert_int_equal(k->fd, 27);
	assert_int_equal(k->bd, 20);
	/* lines 1875-1887: 13 direct dependencies, the first one: */
	assert_int_equal(deps_from(p, "&vma_lock->rw_sema"), 13);
	assert_true(has_dep(p, "&vma_lock->rw_sema",
			    "&hugetlbfs_i_mmap_rwsem_key"));
	assert_true(has_dep(p, "&vma_lock->rw_sema", "&p->pi_lock"));
	assert_false(has_dep(p, "&hugetlbfs_i_mmap_rwsem_key",
			     "&vma_lock->rw_sema"));
	must_class(p, "&sb->s_type->i_mutex_key#6");
	must_class(p, "subsys mutex#15");
	must_class(p, "per_cpu_ptr(&cgroup_rstat_cpu_lock, cpu)");
	for (i = 0; i < sizeof(mission_deps) / sizeof(mission_deps[0]); i++)
		if (!has_dep(p, mission_deps[i][0], mission_deps[i][1]))
			fail_msg("no dependency %s -> %s", mission_deps[i][0],
				 mission_deps[i][1]);
}

static char *real_dump(size_t *len)
{
	char *text = slurp(REAL_DUMP, len);

	if (!text) {
		print_message("%s missing: no real /proc/lockdep dump\n",
			      REAL_DUMP);
		skip();
	}
	return text;
}

static void test_real_dump(void **state)
{
	struct lg_proc_lockdep p;
	struct lg_parse_error e;
	size_t len, i, class_lines = 0, dep_lines = 0;
	char *text = real_dump(&len);
	const char *s;

	(void)state;
	/* count the lines independently of the parser */
	for (s = text; *s; s += strcspn(s, "\n") + (s[strcspn(s, "\n")] != 0)) {
		if (strncmp(s, " -> [", 5) == 0)
			dep_lines++;
		else if (*s != '\n' && *s != ' ' &&
			 strncmp(s, "all lock classes:", 17) != 0)
			class_lines++;
	}
	assert_int_equal(class_lines, 434);
	assert_int_equal(dep_lines, 1039);

	assert_int_equal(lg_proc_lockdep_parse(text, len, &p, &e), 0);
	check_real_dump(&p, false);
	for (i = 0; i < p.ndeps; i++) {
		assert_true(p.deps[i].from < p.nclasses);
		assert_true(p.deps[i].to < p.nclasses);
	}
	lg_proc_lockdep_free(&p);
	free(text);
}

/* The same dump as most CI logs print it: every key "(____ptrval____)". */
static void test_real_dump_ptrval(void **state)
{
	struct lg_proc_lockdep p;
	struct lg_parse_error e;
	struct buf b = { 0 };
	size_t len;
	char *text = real_dump(&len);
	const char *s = text;

	(void)state;
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s + 1) : strlen(s);
		size_t h = strspn(s, "0123456789abcdef");

		if (strncmp(s, " -> [", 5) == 0) {
			const char *e2 = strchr(s, ']');

			buf_add(&b, " -> [(____ptrval____)", 21);
			buf_add(&b, e2, n - (size_t)(e2 - s));
		} else if (h == 16 && s[16] == ' ') {
			buf_add(&b, "(____ptrval____)", 16);
			buf_add(&b, s + 16, n - 16);
		} else {
			buf_add(&b, s, n);
		}
		s += n;
	}
	assert_non_null(strstr(b.p, "(____ptrval____) FD:"));
	assert_int_equal(lg_proc_lockdep_parse(b.p, b.n, &p, &e), 0);
	check_real_dump(&p, true);
	lg_proc_lockdep_free(&p);
	free(b.p);
	free(text);
}

/* Not NUL-terminated, and cut at every byte of the first kilobyte. */
static void test_real_dump_cuts(void **state)
{
	struct lg_proc_lockdep p;
	struct lg_parse_error e;
	size_t len, cut;
	char *text = real_dump(&len);

	(void)state;
	for (cut = 0; cut < 1024 && cut < len; cut++) {
		char *copy = malloc(cut ? cut : 1);
		int ret;

		assert_non_null(copy);
		memcpy(copy, text, cut);
		ret = lg_proc_lockdep_parse(copy, cut, &p, &e);
		/* a cut line is still a line (a shorter name, a short key) */
		assert_true(ret == 0 || ret == -ENODATA || ret == -EBADMSG);
		if (ret)
			assert_empty(&p);
		lg_proc_lockdep_free(&p);
		free(copy);
	}
	free(text);
}

/* The other files of that capture are not /proc/lockdep. */
static void test_other_proc_files(void **state)
{
	static const char *const others[] = {
		PROC_DIR "/lockdep_stats-6.1.192-hugetlb.txt",
		PROC_DIR "/lockdep_chains-6.1.192-hugetlb.txt",
		PROC_DIR "/kallsyms-6.1.192-keys.txt",
	};
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		struct lg_proc_lockdep p;
		struct lg_parse_error e;
		char *text = slurp(others[i], &len);

		if (!text)
			fail_msg("%s: cannot read", others[i]);
		assert_int_equal(lg_proc_lockdep_parse(text, len, &p, &e),
				 -EBADMSG);
		assert_int_equal(e.line, 1);
		assert_empty(&p);
		free(text);
	}
}

/* One file through the parser: must not crash or leak. */
static void parse_file(const char *path, const char *text, size_t len,
		       void *must_parse)
{
	struct lg_proc_lockdep p;
	struct lg_parse_error e;
	int ret;

	ret = lg_proc_lockdep_parse(text, len, &p, &e);
	if (*(bool *)must_parse && ret)
		fail_msg("%s: %d at line %u: %s", path, ret, e.line, e.msg);
	assert_true(ret == 0 || ret == -EBADMSG || ret == -ENODATA ||
		    ret == -EMEDIUMTYPE);
	lg_proc_lockdep_free(&p);
}

/* Every file of @dir through the parser: must not crash or leak. */
static int walk_dir(const char *dir, bool must_parse)
{
	return for_each_file(dir, parse_file, &must_parse);
}

static void test_regressions(void **state)
{
	int n;

	(void)state;
	n = walk_dir(REGRESS_DIR, false);
	if (n < 0)
		fail_msg("%s: missing (run from the source tree)", REGRESS_DIR);
	print_message("%d regression inputs\n", n);
}

static void test_fuzz_seeds(void **state)
{
	int n;

	(void)state;
	n = walk_dir(FUZZ_CORPUS_DIR, true);
	if (n < 0) {
		print_message("%s: missing (run from the source tree)\n",
			      FUZZ_CORPUS_DIR);
		skip();
	}
	assert_true(n > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_with_ops),
		cmocka_unit_test(test_small_ptrval),
		cmocka_unit_test(test_without_prove_locking),
		cmocka_unit_test(test_small_hashed_crlf),
		cmocka_unit_test(test_duplicates_merged),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_real_dump),
		cmocka_unit_test(test_real_dump_ptrval),
		cmocka_unit_test(test_real_dump_cuts),
		cmocka_unit_test(test_other_proc_files),
		cmocka_unit_test(test_regressions),
		cmocka_unit_test(test_fuzz_seeds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
