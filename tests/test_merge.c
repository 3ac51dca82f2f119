/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests for merging databases (schema/merge.h), on the seed 003
 * report's circle split between two hosts: the circle appears only in the
 * merge, merging again changes nothing, a later copy of a boot replaces its
 * counts instead of adding to them, and modes seen on different hosts are
 * or'ed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "test_db.h"
#include "test_util.h"

#include "merge.h"
#include "recorder.h"
#include "splat_parse.h"

#define SEED "tests/corpus/seed-003-khugepaged.txt"
#define KHUGEPAGED "&mapping->i_mmap_rwsem -> &vma->vm_sequence -> " \
		   "&vma->vm_sequence/1 -> fs_reclaim"

static struct lg_splat_list seed;

static int setup(void **state)
{
	struct lg_parse_error perr = { 0 };
	size_t len;
	char *text;
	int err;

	if (tmpdir_setup(state))
		return -1;
	text = slurp(SEED, &len);
	if (!text)
		return -1;
	err = lg_splat_parse(text, len, &seed, &perr);
	free(text);
	return err || seed.n != 1 || seed.v[0].ndeps != 4 ? -1 : 0;
}

static int teardown(void **state)
{
	lg_splat_list_free(&seed);
	return tmpdir_teardown(state);
}

/*
 * Record dependencies [lo, hi) of the seed's circle (dependency i goes from
 * class i to class i + 1, with the stack of block #(i + 1) as ingest reads
 * it) into @path as seen @count times on boot @boot of @host.  @pairs 0
 * takes the mode from the stack.
 */
static void record(const char *path, const char *host, const char *boot,
		   size_t lo, size_t hi, int64_t count, unsigned int pairs)
{
	const struct lg_splat *sp = &seed.v[0];
	size_t n = sp->ndeps;
	char err[LG_STORE_ERR_MAX];
	struct lg_recorder *r;
	struct lg_store *s;
	lg_class_id c[4];
	int64_t h, b;

	assert_int_equal(lg_store_open(path, 0, &s, err), 0);
	assert_int_equal(lg_store_begin(s), 0);
	assert_int_equal(lg_recorder_open(s, &r), 0);
	assert_int_equal(lg_store_host(s, host, 1000, &h), 0);
	assert_int_equal(lg_store_boot(s, h, boot, NULL, "lockgraphd", NULL, 1000,
				       &b), 0);
	for (size_t k = 0; k < n; k++)
		assert_int_equal(lg_recorder_class(r, sp->deps[n - 1 - k].class_name,
						   NULL, 1000, &c[k]), 0);
	for (size_t i = lo; i < hi; i++) {
		const struct lg_splat_dep *d = &sp->deps[n - 1 - (i + 1) % n];
		struct lg_store_edge seen = {
			.pairs = pairs ? pairs : lg_mode_pair(LG_MODE_WRITE, d->mode),
			.count = count, .boot = b, .now = 1000 + (int64_t)i,
		};
		lg_edge_id e;

		assert_int_equal(lg_store_stack(s, d->frames, d->nframes,
						&seen.to_stack), 0);
		assert_int_equal(lg_recorder_edge(r, c[i], c[(i + 1) % n], &seen, &e,
						  NULL), 0);
	}
	assert_int_equal(lg_store_commit(s), 0);
	lg_recorder_free(r);
	lg_store_close(s);
}

static struct lg_store *open_out(const char *name)
{
	char err[LG_STORE_ERR_MAX];
	struct lg_store *s;

	assert_int_equal(lg_store_open(tmpdir_path(name), 0, &s, err), 0);
	return s;
}

static void merge_ok(struct lg_store *s, const char *path,
		     struct lg_merge_stats *ms)
{
	char err[LG_STORE_ERR_MAX];
	int ret = lg_store_merge(s, path, 5000, ms, err);

	if (ret)
		fail_msg("merge %s: %s", path, err);
}

static void test_cycle_across_hosts(void **state)
{
	struct lg_merge_stats ms;
	struct lg_store *s;

	(void)state;
	record(tmpdir_path("web1.db"), "web1", "boot-web1", 0, 2, 1, 0);
	record(tmpdir_path("db7.db"), "db7", "boot-db7", 2, 4, 1, 0);
	s = open_out("fleet.db");
	merge_ok(s, tmpdir_path("web1.db"), &ms);
	assert_false(ms.already);
	assert_int_equal(ms.edges_added, 2);
	assert_int_equal(ms.cycles_added, 0);
	merge_ok(s, tmpdir_path("db7.db"), &ms);
	/* record() names all four classes in each input. */
	assert_int_equal(ms.classes_added, 0);
	assert_int_equal(ms.edges_added, 2);
	assert_int_equal(ms.cycles_added, 1);
	assert_int_equal(ms.search.cycles, 1);
	assert_int_equal(scalar(s, "SELECT signature = '" KHUGEPAGED "' AND "
				   "origin = 'analyzer' FROM cycles"), 1);
	assert_int_equal(scalar(s, "SELECT count(DISTINCT b.host_id) FROM "
				   "cycle_edges ce JOIN edge_boots eb ON "
				   "eb.edge_id = ce.edge_id JOIN boots b ON "
				   "b.id = eb.boot_id"), 2);
	/* Every edge kept its stack; the closing one is khugepaged's. */
	assert_int_equal(scalar(s, "SELECT count(*) FROM edges WHERE "
				   "to_stack IS NOT NULL"), 4);
	assert_int_equal(scalar(s, "SELECT s.frames LIKE 'lock_acquire+0x176/0x19e' || char(10) || 'down_read+%' || "
				   "char(10) || 'rmap_walk_file+0x5a/0x147%' FROM "
				   "edges e JOIN classes t ON t.id = e.to_class "
				   "JOIN stacks s ON s.id = e.to_stack WHERE "
				   "t.name = '&mapping->i_mmap_rwsem'"), 1);
	assert_int_equal(scalar(s, "SELECT count(*) FROM merges"), 2);
	lg_store_close(s);
}

static void test_merge_twice_and_later_copy(void **state)
{
	struct lg_merge_stats ms;
	struct lg_store *s;
	int changes;

	(void)state;
	record(tmpdir_path("a.db"), "web1", "boot-a", 0, 4, 1, 0);
	s = open_out("twice.db");
	merge_ok(s, tmpdir_path("a.db"), &ms);
	assert_int_equal(ms.merge_id, 1);
	changes = sqlite3_total_changes(lg_store_db(s));
	merge_ok(s, tmpdir_path("a.db"), &ms);
	assert_true(ms.already);
	assert_int_equal(ms.merge_id, 1);
	assert_int_equal(sqlite3_total_changes(lg_store_db(s)), changes);

	/* The same boot seen twice more: a later copy, not more sightings. */
	record(tmpdir_path("a.db"), "web1", "boot-a", 0, 4, 2, 0);
	merge_ok(s, tmpdir_path("a.db"), &ms);
	assert_false(ms.already);
	assert_int_equal(ms.edges_added, 0);
	assert_int_equal(ms.cycles_added, 0);
	assert_int_equal(scalar(s, "SELECT min(count) = 3 AND max(count) = 3 "
				   "FROM edges"), 1);
	assert_int_equal(scalar(s, "SELECT count(*) FROM edge_boots"), 4);
	assert_int_equal(scalar(s, "SELECT count(*) FROM cycles"), 1);
	lg_store_close(s);
}

static void test_modes_or_across_hosts(void **state)
{
	struct lg_merge_stats ms;
	struct lg_store *s;

	(void)state;
	/* khugepaged takes i_mmap_rwsem for read under fs_reclaim; another
	 * host is said to take it for write there. */
	record(tmpdir_path("r.db"), "web1", "boot-r", 3, 4, 1, 0);
	record(tmpdir_path("w.db"), "db7", "boot-w", 3, 4, 1,
	       lg_mode_pair(LG_MODE_WRITE, LG_MODE_WRITE));
	s = open_out("modes.db");
	merge_ok(s, tmpdir_path("r.db"), &ms);
	merge_ok(s, tmpdir_path("w.db"), &ms);
	assert_int_equal(scalar(s, "SELECT modes = 'W->W,W->r' AND count = 2 "
				   "FROM edges"), 1);
	lg_store_close(s);
}

/* Count @count sightings of chain @text at @now into the database @path. */
static void add_chain(const char *path, const char *text, int64_t count,
		      int64_t now)
{
	char err[LG_STORE_ERR_MAX];
	struct lg_store *s;

	assert_int_equal(lg_store_open(path, 0, &s, err), 0);
	assert_int_equal(lg_store_chain(s, lg_chain_key(text, strlen(text)), text,
					strlen(text), count, now), 0);
	lg_store_close(s);
}

/*
 * Chains are matched across databases by their key, the hash of their
 * text: the same chain from two hosts is one row (the larger count); a
 * key that holds another text in the output (a collision, planted here as
 * no two real texts are known to collide) is not merged but counted as a
 * drop of the input's boot, and the input merged again changes nothing.
 */
static void test_chains_by_key(void **state)
{
	const char *other = "&mm->mmap_lock -> &mm->mmap_lock/1";
	struct lg_merge_stats ms;
	struct lg_store *s;
	sqlite3 *db;
	char sql[256];
	int changes;

	(void)state;
	record(tmpdir_path("ca.db"), "web1", "boot-ca", 0, 2, 1, 0);
	add_chain(tmpdir_path("ca.db"), KHUGEPAGED, 5, 1100);
	record(tmpdir_path("cb.db"), "db7", "boot-cb", 2, 4, 1, 0);
	add_chain(tmpdir_path("cb.db"), KHUGEPAGED, 8, 1200);
	add_chain(tmpdir_path("cb.db"), other, 3, 1200);

	s = open_out("chains.db");
	merge_ok(s, tmpdir_path("ca.db"), &ms);
	assert_int_equal(ms.chain_collisions, 0);
	/* The output already has another text under @other's key. */
	snprintf(sql, sizeof(sql), "INSERT INTO chains (id, classes, count, "
		 "first_seen, last_seen) VALUES (%lld, 'x -> y', 1, 1, 1)",
		 (long long)lg_chain_key(other, strlen(other)));
	db = lg_store_db(s);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	merge_ok(s, tmpdir_path("cb.db"), &ms);
	assert_int_equal(ms.chain_collisions, 3);
	assert_int_equal(scalar(s, "SELECT count(*) FROM chains"), 2);
	assert_int_equal(scalar(s, "SELECT count FROM chains WHERE classes = '"
				   KHUGEPAGED "' AND first_seen = 1100 AND "
				   "last_seen = 1200"), 8);
	assert_int_equal(scalar(s, "SELECT count FROM chains WHERE classes = "
				   "'x -> y'"), 1);
	assert_int_equal(scalar(s, "SELECT d.count FROM drops d JOIN boots b ON "
				   "b.id = d.boot_id WHERE b.boot_id = 'boot-cb' "
				   "AND d.source = 'merge' AND "
				   "d.reason = 'chain_key_collision'"), 3);
	changes = sqlite3_total_changes(db);
	merge_ok(s, tmpdir_path("cb.db"), &ms);
	assert_true(ms.already);
	assert_int_equal(sqlite3_total_changes(db), changes);
	lg_store_close(s);
}

static void test_refuse_bad_input(void **state)
{
	char err[LG_STORE_ERR_MAX];
	struct lg_merge_stats ms;
	struct lg_store *s;

	(void)state;
	s = open_out("refuse.db");
	assert_int_equal(lg_store_merge(s, SEED, 5000, &ms, err), -EINVAL);
	assert_non_null(strstr(err, SEED));
	assert_int_equal(lg_store_merge(s, tmpdir_path("refuse.db"), 5000, &ms,
					err), -EINVAL);
	assert_non_null(strstr(err, "is the output database"));
	assert_int_equal(lg_store_merge(s, tmpdir_path("none.db"), 5000, &ms,
					err), -ENOENT);
	assert_int_equal(scalar(s, "SELECT count(*) FROM merges"), 0);
	lg_store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cycle_across_hosts),
		cmocka_unit_test(test_merge_twice_and_later_copy),
		cmocka_unit_test(test_modes_or_across_hosts),
		cmocka_unit_test(test_chains_by_key),
		cmocka_unit_test(test_refuse_bad_input),
	};

	return cmocka_run_group_tests_name("merge", tests, setup, teardown);
}
