/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests for the mission's class list (analyzer/mission.c), on the
 * real /proc/lockdep dump of the hugetlb guest and the seed 003 report.
 * Run from the repository root: fixtures are read by relative path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mission.h"
#include "proc_lockdep.h"
#include "splat_parse.h"
#include "test_util.h"

#define REAL_DUMP "tests/corpus/proc_lockdep/lockdep-6.1.192-hugetlb.txt"
#define SEED_003 "tests/corpus/seed-003-khugepaged.txt"

/* Every class of the dump the list picks, sorted. */
static const char *const dump_mission[] = {
	"&anon_vma->rwsem",
	"&hugetlb_fault_mutex_table[i]",
	"&hugetlbfs_i_mmap_rwsem_key",
	"&mapping->i_mmap_rwsem",
	"&mm->mmap_lock",
	"&mm->mmap_lock/1",
	"&sb->s_type->i_mutex_key",
	"&sb->s_type->i_mutex_key#2",
	"&sb->s_type->i_mutex_key#3",
	"&sb->s_type->i_mutex_key#4",
	"&sb->s_type->i_mutex_key#5",
	"&sb->s_type->i_mutex_key#6",
	"&type->i_mutex_dir_key",
	"&type->i_mutex_dir_key#2/1",
	"&type->i_mutex_dir_key#3",
	"&type->i_mutex_dir_key#4",
	"&type->i_mutex_dir_key#4/1",
	"&type->i_mutex_dir_key/1",
	"&vma_lock->rw_sema",
	"fs_reclaim",
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The 434 classes of the hugetlb guest: exactly the mission's are picked. */
static void test_real_dump(void **state)
{
	struct lg_proc_lockdep p = { 0 };
	struct lg_parse_error perr;
	const char **got;
	size_t len, n = 0;
	char *text;

	(void)state;
	text = slurp(REAL_DUMP, &len);
	assert_non_null(text);
	assert_int_equal(lg_proc_lockdep_parse(text, len, &p, &perr), 0);
	assert_true(p.nclasses > 400);
	got = calloc(p.nclasses, sizeof(*got));
	assert_non_null(got);
	for (size_t i = 0; i < p.nclasses; i++)
		if (lg_mission_class(p.classes[i].name))
			got[n++] = p.classes[i].name;
	qsort(got, n, sizeof(*got), cmp_str);
	assert_int_equal(n, sizeof(dump_mission) / sizeof(dump_mission[0]));
	for (size_t i = 0; i < n; i++)
		assert_string_equal(got[i], dump_mission[i]);
	free(got);
	lg_proc_lockdep_free(&p);
	free(text);
}

/* Seed 003: i_mmap_rwsem and fs_reclaim are, the vm_sequence locks not. */
static void test_seed_003(void **state)
{
	struct lg_splat_list l = { 0 };
	struct lg_parse_error perr;
	const struct lg_splat *sp;
	char *text;
	size_t len;

	(void)state;
	text = slurp(SEED_003, &len);
	assert_non_null(text);
	assert_int_equal(lg_splat_parse(text, len, &l, &perr), 0);
	assert_int_equal(l.n, 1);
	sp = &l.v[0];
	assert_int_equal(sp->ndeps, 4);
	for (size_t i = 0; i < sp->ndeps; i++) {
		const char *name = sp->deps[i].class_name;
		bool want = !strcmp(name, "&mapping->i_mmap_rwsem") ||
			    !strcmp(name, "fs_reclaim");

		assert_int_equal(lg_mission_class(name), want);
	}
	lg_splat_list_free(&l);
	free(text);
}

/* Names that only look alike are not the mission's. */
static void test_near_misses(void **state)
{
	(void)state;
	assert_false(lg_mission_class(NULL));
	assert_false(lg_mission_class(""));
	assert_false(lg_mission_class("&resv_map->lock"));
	assert_false(lg_mission_class("fs_reclaim_lock"));
	assert_false(lg_mission_class("&mm->mmap_lockx"));
	assert_true(lg_mission_class("&resv_map->rw_sema"));
	assert_true(lg_mission_class("&mapping->invalidate_lock"));
	assert_true(lg_mission_class("&sb->s_type->i_mutex_key[hugetlbfs]"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_dump),
		cmocka_unit_test(test_seed_003),
		cmocka_unit_test(test_near_misses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
