/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests for the SQLite store and the recorder: migrations from an empty
 * file, refusing files that are not ours or too new, edges merged across
 * sightings and boots, a cycle whose edges came from different boots, a
 * rolled-back transaction leaving nothing behind, and chains keyed by the
 * hash of their text (schema 4): migrated, counted, collisions refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "test_db.h"
#include "test_util.h"

#include "recorder.h"
#include "store.h"

static void test_migrate_empty_file(void **state)
{
	const char *path = tmpdir_path("empty.db");
	char err[LG_STORE_ERR_MAX];
	struct lg_store *s;
	FILE *f;
	int v;

	(void)state;
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(lg_store_open(path, 0, &s, err), 0);
	assert_int_equal(lg_store_user_version(s, &v), 0);
	assert_int_equal(v, lg_store_schema_version());
	assert_true(v >= 2);
	assert_int_equal(scalar(s, "PRAGMA application_id"),
			 LG_STORE_APPLICATION_ID);
	assert_int_equal(scalar(s, "PRAGMA foreign_keys"), 1);
	assert_int_equal(scalar(s, "SELECT count(*) FROM sqlite_schema WHERE "
				   "type = 'table' AND name IN ('hosts', 'boots', "
				   "'classes', 'edges', 'edge_boots', 'stacks', "
				   "'chains', 'cycles', 'cycle_edges', "
				   "'contention', 'drops', 'ingests', 'reports', "
				   "'boot_sources')"),
			 14);
	lg_store_close(s);

	/* Reopening is a no-op migration; readers see the same version. */
	assert_int_equal(lg_store_open(path, LG_STORE_READONLY, &s, err), 0);
	assert_int_equal(lg_store_user_version(s, &v), 0);
	assert_int_equal(v, lg_store_schema_version());
	/* A reader cannot write. */
	assert_int_not_equal(sqlite3_exec(lg_store_db(s),
					  "INSERT INTO hosts (name, first_seen) "
					  "VALUES ('x', 0)", NULL, NULL, NULL),
			     SQLITE_OK);
	lg_store_close(s);
}

/* The migrations as built in (scripts/sql2c.sh). */
extern const char *const lg_schema_migrations[];

/* A database written by schema version 1 opens and moves up to the newest. */
static void test_migrate_from_version_1(void **state)
{
	const char *path = tmpdir_path("v1.db");
	char err[LG_STORE_ERR_MAX], sql[64];
	struct lg_store *s;
	sqlite3 *db;
	int v;

	(void)state;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, lg_schema_migrations[0], NULL, NULL,
				      NULL), SQLITE_OK);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = 1; "
		 "PRAGMA application_id = %d", LG_STORE_APPLICATION_ID);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "INSERT INTO hosts (name, first_seen) "
				      "VALUES ('old', 1)", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);

	/* A reader refuses to migrate; a writer migrates and keeps the data. */
	assert_int_equal(lg_store_open(path, LG_STORE_READONLY, &s, err), -EPROTO);
	assert_non_null(strstr(err, "schema version 1"));
	assert_int_equal(lg_store_open(path, 0, &s, err), 0);
	assert_int_equal(lg_store_user_version(s, &v), 0);
	assert_int_equal(v, lg_store_schema_version());
	assert_int_equal(scalar(s, "SELECT count(*) FROM hosts WHERE name = 'old'"),
			 1);
	assert_int_equal(scalar(s, "SELECT count(*) FROM boot_sources"), 0);
	lg_store_close(s);
}

/* lg_store_chain() of @text under its key. */
static int count_chain(struct lg_store *s, const char *text, int64_t count,
		       int64_t now)
{
	return lg_store_chain(s, lg_chain_key(text, strlen(text)), text,
			      strlen(text), count, now);
}

/* FNV-1a 64's published test vectors, and SQL's lg_chain_key() the same. */
static void test_chain_key(void **state)
{
	static const struct {
		const char *text;
		uint64_t fnv1a64;
	} vec[] = {
		{ "", 0xcbf29ce484222325ULL },
		{ "a", 0xaf63dc4c8601ec8cULL },
		{ "foobar", 0x85944171f73967e8ULL },
	};
	const char *chain = "&mm->mmap_lock -> fs_reclaim";
	char err[LG_STORE_ERR_MAX], sql[128];
	struct lg_store *s;

	(void)state;
	for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++)
		assert_int_equal(lg_chain_key(vec[i].text, strlen(vec[i].text)),
				 (int64_t)vec[i].fnv1a64);
	assert_int_equal(lg_store_open(tmpdir_path("key.db"), 0, &s, err), 0);
	snprintf(sql, sizeof(sql), "SELECT lg_chain_key('%s')", chain);
	assert_int_equal(scalar(s, sql), lg_chain_key(chain, strlen(chain)));
	assert_int_equal(scalar(s, "SELECT lg_chain_key('a')"),
			 (int64_t)0xaf63dc4c8601ec8cULL);
	lg_store_close(s);
}

/*
 * A schema 3 database's chains move to their keys with their counts and
 * times; counting one again adds to the migrated row.
 */
static void test_migrate_chains_from_version_3(void **state)
{
	const char *path = tmpdir_path("v3.db");
	const char *a = "&mm->mmap_lock -> fs_reclaim";
	const char *b = "&sb->s_type->i_mutex_key#6 -> &mm->mmap_lock -> fs_reclaim";
	char err[LG_STORE_ERR_MAX], sql[256];
	struct lg_store *s;
	sqlite3 *db;

	(void)state;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	for (int v = 0; v < 3; v++)
		assert_int_equal(sqlite3_exec(db, lg_schema_migrations[v], NULL,
					      NULL, NULL), SQLITE_OK);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = 3; "
		 "PRAGMA application_id = %d", LG_STORE_APPLICATION_ID);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	snprintf(sql, sizeof(sql), "INSERT INTO chains (classes, count, "
		 "first_seen, last_seen) VALUES ('%s', 7, 10, 20), "
		 "('%s', 2, 15, 16)", a, b);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	assert_int_equal(lg_store_open(path, 0, &s, err), 0);
	assert_int_equal(scalar(s, "SELECT count(*) FROM chains"), 2);
	snprintf(sql, sizeof(sql), "SELECT count FROM chains WHERE id = %lld "
		 "AND classes = '%s' AND first_seen = 10 AND last_seen = 20",
		 (long long)lg_chain_key(a, strlen(a)), a);
	assert_int_equal(scalar(s, sql), 7);
	snprintf(sql, sizeof(sql), "SELECT count FROM chains WHERE id = %lld "
		 "AND classes = '%s'", (long long)lg_chain_key(b, strlen(b)), b);
	assert_int_equal(scalar(s, sql), 2);
	/* No index on the text is left: the row id is the key. */
	assert_int_equal(scalar(s, "SELECT count(*) FROM sqlite_schema WHERE "
				   "tbl_name = 'chains' AND type = 'index'"), 0);
	assert_int_equal(count_chain(s, a, 3, 30), 0);
	snprintf(sql, sizeof(sql), "SELECT count FROM chains WHERE classes = '%s' "
		 "AND last_seen = 30 AND first_seen = 10", a);
	assert_int_equal(scalar(s, sql), 10);
	lg_store_close(s);
}

/*
 * Two chains whose texts have the same key: the second is refused with
 * -EEXIST and the first row keeps its text and count.  (No two real
 * texts are known to collide; the first row is written under the second
 * text's key, as a collision would leave it.)
 */
static void test_chain_key_collision(void **state)
{
	const char *text = "&mm->mmap_lock -> fs_reclaim";
	char err[LG_STORE_ERR_MAX], sql[256];
	struct lg_store *s;

	(void)state;
	assert_int_equal(lg_store_open(tmpdir_path("collide.db"), 0, &s, err), 0);
	snprintf(sql, sizeof(sql), "INSERT INTO chains (id, classes, count, "
		 "first_seen, last_seen) VALUES (%lld, 'other -> chain', 5, 1, 1)",
		 (long long)lg_chain_key(text, strlen(text)));
	assert_int_equal(sqlite3_exec(lg_store_db(s), sql, NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(count_chain(s, text, 2, 9), -EEXIST);
	assert_non_null(strstr(lg_store_errmsg(s), text));
	assert_int_equal(scalar(s, "SELECT count FROM chains WHERE classes = "
				   "'other -> chain' AND last_seen = 1"), 5);
	assert_int_equal(scalar(s, "SELECT count(*) FROM chains"), 1);
	/* A chain with its own key is counted as usual. */
	assert_int_equal(count_chain(s, "a -> b", 2, 9), 0);
	assert_int_equal(count_chain(s, "a -> b", 1, 11), 0);
	assert_int_equal(scalar(s, "SELECT count FROM chains WHERE classes = "
				   "'a -> b' AND last_seen = 11"), 3);
	lg_store_close(s);
}

static void test_wal_mode(void **state)
{
	char err[LG_STORE_ERR_MAX];
	struct lg_store *s;
	sqlite3_stmt *st;

	(void)state;
	assert_int_equal(lg_store_open(tmpdir_path("wal.db"), 0, &s, err), 0);
	assert_int_equal(sqlite3_prepare_v2(lg_store_db(s), "PRAGMA journal_mode",
					    -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	lg_store_close(s);
}

static void make_foreign_db(const char *path, const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void test_refuse_foreign_and_newer(void **state)
{
	char err[LG_STORE_ERR_MAX];
	struct lg_store *s;
	const char *path;
	FILE *f;

	(void)state;
	path = tmpdir_path("other.db");
	make_foreign_db(path, "CREATE TABLE t (x); INSERT INTO t VALUES (1);");
	assert_int_equal(lg_store_open(path, 0, &s, err), -EINVAL);
	assert_null(s);
	assert_non_null(strstr(err, "not a lockgraph database"));
	assert_non_null(strstr(err, path));

	path = tmpdir_path("newer.db");
	make_foreign_db(path, "CREATE TABLE t (x); PRAGMA application_id = "
			      "1280001874; PRAGMA user_version = 99;");
	assert_int_equal(lg_store_open(path, 0, &s, err), -EPROTO);
	assert_non_null(strstr(err, "newer"));

	path = tmpdir_path("text.db");
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("this is not a database, just text that is long enough to "
	      "have a header page worth of bytes in it......................\n",
	      f);
	fclose(f);
	assert_true(lg_store_open(path, 0, &s, err) < 0);
	assert_non_null(strstr(err, path));

	assert_int_equal(lg_store_open(tmpdir, 0, &s, err), -EISDIR);
	assert_non_null(strstr(err, "is a directory"));

	path = tmpdir_path("missing.db");
	assert_int_equal(lg_store_open(path, LG_STORE_READONLY, &s, err), -ENOENT);
	assert_int_equal(access(path, F_OK), -1); /* readers never create */
}

/* Two boots on two hosts; A -> B seen on one, B -> A on the other. */
static void test_cycle_across_boots(void **state)
{
	char err[LG_STORE_ERR_MAX];
	struct lg_recorder *r;
	struct lg_store *s;
	struct lg_cycle_stats st;
	int64_t h1, h2, b1, b2, cycle_row = 0;
	lg_class_id a, b;
	lg_edge_id e;
	char *const frames[2] = { "down_write+0x1/0x2", "do_thing+0x10/0x40" };

	(void)state;
	assert_int_equal(lg_store_open(tmpdir_path("boots.db"), 0, &s, err), 0);
	assert_int_equal(lg_store_begin(s), 0);
	assert_int_equal(lg_recorder_open(s, &r), 0);
	assert_int_equal(lg_store_host(s, "web1", 100, &h1), 0);
	assert_int_equal(lg_store_host(s, "db7", 100, &h2), 0);
	assert_int_equal(lg_store_boot(s, h1, "boot-1", "6.1.0", "lockgraphd",
				       "context", 100, &b1), 0);
	assert_int_equal(lg_store_boot(s, h2, "boot-2", "6.18.0", "lockgraphd",
				       "context", 200, &b2), 0);
	assert_int_equal(lg_recorder_class(r, "&mm->mmap_lock", NULL, 100, &a), 0);
	assert_int_equal(lg_recorder_class(r, "&sb->s_type->i_mutex_key", NULL,
					   100, &b), 0);

	struct lg_store_edge seen = {
		.pairs = lg_mode_pair(LG_MODE_READ, LG_MODE_WRITE),
		.count = 1, .boot = b1, .now = 100,
	};

	assert_int_equal(lg_store_stack(s, frames, 2, &seen.to_stack), 0);
	assert_true(seen.to_stack > 0);
	assert_int_equal(lg_recorder_edge(r, a, b, &seen, &e, &cycle_row), 0);
	assert_int_equal(cycle_row, 0);
	/* Seen again on the same boot, in another mode: merged. */
	seen.pairs = lg_mode_pair(LG_MODE_WRITE, LG_MODE_WRITE);
	seen.now = 150;
	assert_int_equal(lg_recorder_edge(r, a, b, &seen, &e, &cycle_row), 0);
	assert_int_equal(cycle_row, 0);

	seen = (struct lg_store_edge){
		.pairs = lg_mode_pair(LG_MODE_WRITE, LG_MODE_READ),
		.count = 1, .boot = b2, .now = 200,
	};
	assert_int_equal(lg_recorder_edge(r, b, a, &seen, &e, &cycle_row), 0);
	assert_true(cycle_row > 0);
	/* The same circle closed again by a new mode pair: not a new one. */
	seen.pairs = lg_mode_pair(LG_MODE_WRITE, LG_MODE_WRITE);
	assert_int_equal(lg_recorder_edge(r, b, a, &seen, &e, &cycle_row), 0);
	assert_int_equal(cycle_row, 0);
	assert_int_equal(lg_store_commit(s), 0);

	assert_int_equal(scalar(s, "SELECT count FROM edges WHERE id = 1"), 2);
	assert_int_equal(scalar(s, "SELECT modes = 'W->W,r->W' FROM edges "
				   "WHERE id = 1"), 1);
	assert_int_equal(scalar(s, "SELECT count(DISTINCT b.host_id) FROM "
				   "cycle_edges ce JOIN edge_boots eb ON "
				   "eb.edge_id = ce.edge_id JOIN boots b ON "
				   "b.id = eb.boot_id"), 2);
	assert_int_equal(scalar(s, "SELECT count(*) FROM cycles"), 1);
	assert_int_equal(scalar(s, "SELECT signature = '&mm->mmap_lock -> "
				   "&sb->s_type->i_mutex_key' FROM cycles"), 1);
	lg_recorder_free(r);

	/* A fresh recorder loads the graph; the full search adds nothing new. */
	assert_int_equal(lg_store_begin(s), 0);
	assert_int_equal(lg_recorder_open(s, &r), 0);
	assert_int_equal(lg_graph_nedges(lg_recorder_graph(r)), 2);
	assert_int_equal(lg_recorder_find_all(r, NULL, 300, &st), 0);
	assert_int_equal(st.cycles, 1);
	assert_int_equal(lg_recorder_counts(r)->cycles_added, 0);
	assert_int_equal(lg_store_commit(s), 0);
	assert_int_equal(scalar(s, "SELECT count(*) FROM cycles"), 1);
	lg_recorder_free(r);
	lg_store_close(s);
}

static void test_rollback_leaves_nothing(void **state)
{
	char err[LG_STORE_ERR_MAX];
	struct lg_store *s;
	int64_t h;

	(void)state;
	assert_int_equal(lg_store_open(tmpdir_path("rb.db"), 0, &s, err), 0);
	assert_int_equal(lg_store_begin(s), 0);
	assert_int_equal(lg_store_host(s, "gone", 1, &h), 0);
	lg_store_rollback(s);
	assert_int_equal(scalar(s, "SELECT count(*) FROM hosts"), 0);
	/* Closing with an open transaction rolls it back too. */
	assert_int_equal(lg_store_begin(s), 0);
	assert_int_equal(lg_store_host(s, "gone", 1, &h), 0);
	lg_store_close(s);
	assert_int_equal(lg_store_open(tmpdir_path("rb.db"), LG_STORE_READONLY, &s,
				       err), 0);
	assert_int_equal(scalar(s, "SELECT count(*) FROM hosts"), 0);
	lg_store_close(s);
}

static void test_drops_accumulate(void **state)
{
	char err[LG_STORE_ERR_MAX];
	struct lg_store *s;
	int64_t h, b;

	(void)state;
	assert_int_equal(lg_store_open(tmpdir_path("drops.db"), 0, &s, err), 0);
	assert_int_equal(lg_store_host(s, "h", 1, &h), 0);
	assert_int_equal(lg_store_boot(s, h, "b", NULL, "lockgraphd", NULL, 1, &b),
			 0);
	assert_int_equal(lg_store_drop(s, b, "context", "ringbuf_full", 3), 0);
	assert_int_equal(lg_store_drop(s, b, "context", "ringbuf_full", 4), 0);
	assert_int_equal(scalar(s, "SELECT count FROM drops"), 7);
	lg_store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_migrate_empty_file),
		cmocka_unit_test(test_migrate_from_version_1),
		cmocka_unit_test(test_chain_key),
		cmocka_unit_test(test_migrate_chains_from_version_3),
		cmocka_unit_test(test_chain_key_collision),
		cmocka_unit_test(test_wal_mode),
		cmocka_unit_test(test_refuse_foreign_and_newer),
		cmocka_unit_test(test_cycle_across_boots),
		cmocka_unit_test(test_rollback_leaves_nothing),
		cmocka_unit_test(test_drops_accumulate),
	};

	return cmocka_run_group_tests_name("store", tests, tmpdir_setup,
					   tmpdir_teardown);
}
