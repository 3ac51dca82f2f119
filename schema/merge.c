/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Merging lockgraph databases.  See merge.h.
 *
 * The input is ATTACHed as schema "src" and copied with INSERT ... SELECT
 * statements that join on names; upserts keep the larger per-boot figure,
 * so every statement can run twice with no effect.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "merge.h"
#include "recorder.h"

/* lg_modes_union(a, b): the mode pairs of both, as lg_mode_pairs_format(). */
static void modes_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv,
		     bool minus)
{
	unsigned int pairs[2] = { 0, 0 };
	char buf[64];

	(void)argc;
	for (int i = 0; i < 2; i++) {
		const char *t = (const char *)sqlite3_value_text(argv[i]);

		if (t && lg_mode_pairs_parse(t, &pairs[i])) {
			char msg[96];

			snprintf(msg, sizeof(msg), "unreadable edge modes '%.40s'", t);
			sqlite3_result_error(ctx, msg, -1);
			return;
		}
	}
	lg_mode_pairs_format(minus ? pairs[0] & ~pairs[1] : pairs[0] | pairs[1],
			     buf, sizeof(buf));
	sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
}

static void modes_union(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	modes_fn(ctx, argc, argv, false);
}

static void modes_minus(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	modes_fn(ctx, argc, argv, true);
}

int lg_store_attach(struct lg_store *s, const char *path, const char *name,
		    char *err)
{
	sqlite3 *db = lg_store_db(s);
	const char *main_path = sqlite3_db_filename(db, "main");
	struct lg_store *check = NULL;
	struct stat a, b;
	sqlite3_stmt *st = NULL;
	char sql[64];
	int ret, rc;

	/* Is it ours, at our schema version?  Says why not, naming @path. */
	ret = lg_store_open(path, LG_STORE_READONLY, &check, err);
	lg_store_close(check);
	if (ret)
		return ret;
	if (main_path && *main_path && !stat(main_path, &a) && !stat(path, &b) &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
		snprintf(err, LG_STORE_ERR_MAX,
			 "%s: is the output database", path);
		return -EINVAL;
	}
	rc = sqlite3_create_function_v2(db, "lg_modes_union", 2,
					SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
					modes_union, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_create_function_v2(db, "lg_modes_minus", 2,
						SQLITE_UTF8 | SQLITE_DETERMINISTIC,
						NULL, modes_minus, NULL, NULL, NULL);
	snprintf(sql, sizeof(sql), "ATTACH DATABASE ?1 AS %s", name);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	if (rc == SQLITE_OK) {
		int persist = 1;

		/*
		 * As a writer's own database does (lg_store_open()): when
		 * this connection is the input's last, its close would
		 * checkpoint and delete the -wal and -shm that the
		 * lockgraph group's readers need to open it read-only.
		 */
		rc = sqlite3_file_control(db, name, SQLITE_FCNTL_PERSIST_WAL,
					  &persist);
	}
	if (rc != SQLITE_OK)
		snprintf(err, LG_STORE_ERR_MAX, "%s: cannot attach: %s", path,
			 sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return rc == SQLITE_OK ? 0 : -EIO;
}

void lg_store_detach(struct lg_store *s, const char *name)
{
	char sql[64];

	snprintf(sql, sizeof(sql), "DETACH DATABASE %s", name);
	sqlite3_exec(lg_store_db(s), sql, NULL, NULL, NULL);
}

/*
 * The input's content, by names: what the fingerprint is taken over.  Row
 * ids differ between databases holding the same content, names do not.
 */
static const char *const fingerprint_sql[] = {
	"SELECT name, first_seen FROM src.hosts ORDER BY name",
	"SELECT h.name, b.boot_id, b.kernel, b.origin, b.sources, b.first_seen, "
	"b.last_seen FROM src.boots b JOIN src.hosts h ON h.id = b.host_id "
	"ORDER BY b.boot_id",
	"SELECT name, usage, first_seen, last_seen FROM src.classes ORDER BY name",
	"SELECT f.name, t.name, e.modes, e.count, e.first_seen, e.last_seen, "
	"fs.frames, e.from_task, ts.frames, e.to_task FROM src.edges e "
	"JOIN src.classes f ON f.id = e.from_class "
	"JOIN src.classes t ON t.id = e.to_class "
	"LEFT JOIN src.stacks fs ON fs.id = e.from_stack "
	"LEFT JOIN src.stacks ts ON ts.id = e.to_stack ORDER BY 1, 2",
	"SELECT f.name, t.name, b.boot_id, eb.count, eb.first_seen, eb.last_seen "
	"FROM src.edge_boots eb JOIN src.edges e ON e.id = eb.edge_id "
	"JOIN src.classes f ON f.id = e.from_class "
	"JOIN src.classes t ON t.id = e.to_class "
	"JOIN src.boots b ON b.id = eb.boot_id ORDER BY 1, 2, 3",
	"SELECT classes, count, first_seen, last_seen FROM src.chains ORDER BY 1",
	"SELECT signature, status, origin, first_seen, last_seen, report "
	"FROM src.cycles ORDER BY 1",
	"SELECT c.name, b.boot_id, x.count, x.total_wait_ns, x.max_wait_ns "
	"FROM src.contention x JOIN src.classes c ON c.id = x.class_id "
	"JOIN src.boots b ON b.id = x.boot_id ORDER BY 1, 2",
	"SELECT b.boot_id, d.source, d.reason, d.count FROM src.drops d "
	"JOIN src.boots b ON b.id = d.boot_id ORDER BY 1, 2, 3",
	"SELECT b.boot_id, x.source, x.loaded, x.reason, x.events "
	"FROM src.boot_sources x JOIN src.boots b ON b.id = x.boot_id "
	"ORDER BY 1, 2",
	"SELECT i.content_hash, b.boot_id, i.path, i.format, i.at, r.line, "
	"r.kind, r.title, r.imported FROM src.ingests i "
	"JOIN src.boots b ON b.id = i.boot_id "
	"LEFT JOIN src.reports r ON r.ingest_id = i.id ORDER BY 1, 2, 5, 6",
};

/* Join fragments: a src edge's row in main, by its class names. */
#define SRC_EDGE_IN_MAIN(e, me)						\
	"JOIN src.classes f_" e " ON f_" e ".id = " e ".from_class "	\
	"JOIN src.classes t_" e " ON t_" e ".id = " e ".to_class "	\
	"JOIN main.classes mf_" e " ON mf_" e ".name = f_" e ".name "	\
	"JOIN main.classes mt_" e " ON mt_" e ".name = t_" e ".name "	\
	"JOIN main.edges " me " ON " me ".from_class = mf_" e ".id "	\
	"AND " me ".to_class = mt_" e ".id "
#define SRC_BOOT_IN_MAIN(col)						\
	"JOIN src.boots sb ON sb.id = " col " "				\
	"JOIN main.boots mb ON mb.boot_id = sb.boot_id "

/* The copy, in dependency order.  Each statement may run twice. */
static const char *const merge_sql[] = {
	"INSERT INTO main.hosts (name, first_seen) "
	"SELECT name, first_seen FROM src.hosts WHERE true ORDER BY id "
	"ON CONFLICT (name) DO UPDATE SET "
	"first_seen = min(first_seen, excluded.first_seen)",

	/* A boot id names one boot: the first host that brought it keeps it. */
	"INSERT INTO main.boots (host_id, boot_id, kernel, origin, sources, "
	"first_seen, last_seen) "
	"SELECT mh.id, b.boot_id, b.kernel, b.origin, b.sources, b.first_seen, "
	"b.last_seen FROM src.boots b JOIN src.hosts h ON h.id = b.host_id "
	"JOIN main.hosts mh ON mh.name = h.name WHERE true ORDER BY b.id "
	"ON CONFLICT (boot_id) DO UPDATE SET "
	"kernel = coalesce(kernel, excluded.kernel), "
	"sources = coalesce(sources, excluded.sources), "
	"first_seen = min(first_seen, excluded.first_seen), "
	"last_seen = max(last_seen, excluded.last_seen)",

	"INSERT INTO main.classes (name, usage, first_seen, last_seen) "
	"SELECT name, usage, first_seen, last_seen FROM src.classes "
	"WHERE true ORDER BY id "
	"ON CONFLICT (name) DO UPDATE SET usage = coalesce(usage, excluded.usage), "
	"first_seen = min(first_seen, excluded.first_seen), "
	"last_seen = max(last_seen, excluded.last_seen)",

	"INSERT OR IGNORE INTO main.stacks (frames) "
	"SELECT frames FROM src.stacks ORDER BY id",

	/* New edges in the input's arrival order; counts come from the boots. */
	"INSERT INTO main.edges (from_class, to_class, modes, count, first_seen, "
	"last_seen, from_stack, from_task, to_stack, to_task) "
	"SELECT mf.id, mt.id, e.modes, 0, e.first_seen, e.last_seen, "
	"(SELECT id FROM main.stacks WHERE frames = fs.frames), e.from_task, "
	"(SELECT id FROM main.stacks WHERE frames = ts.frames), e.to_task "
	"FROM src.edges e JOIN src.classes f ON f.id = e.from_class "
	"JOIN src.classes t ON t.id = e.to_class "
	"JOIN main.classes mf ON mf.name = f.name "
	"JOIN main.classes mt ON mt.name = t.name "
	"LEFT JOIN src.stacks fs ON fs.id = e.from_stack "
	"LEFT JOIN src.stacks ts ON ts.id = e.to_stack WHERE true ORDER BY e.id "
	"ON CONFLICT (from_class, to_class) DO UPDATE SET "
	"modes = lg_modes_union(modes, excluded.modes), "
	"first_seen = min(first_seen, excluded.first_seen), "
	"last_seen = max(last_seen, excluded.last_seen), "
	"from_stack = coalesce(from_stack, excluded.from_stack), "
	"from_task = coalesce(from_task, excluded.from_task), "
	"to_stack = coalesce(to_stack, excluded.to_stack), "
	"to_task = coalesce(to_task, excluded.to_task)",

	"INSERT INTO main.edge_boots (edge_id, boot_id, count, first_seen, "
	"last_seen) SELECT me.id, mb.id, eb.count, eb.first_seen, eb.last_seen "
	"FROM src.edge_boots eb JOIN src.edges e ON e.id = eb.edge_id "
	SRC_EDGE_IN_MAIN("e", "me") SRC_BOOT_IN_MAIN("eb.boot_id")
	"WHERE true ON CONFLICT (edge_id, boot_id) DO UPDATE SET "
	"count = max(count, excluded.count), "
	"first_seen = min(first_seen, excluded.first_seen), "
	"last_seen = max(last_seen, excluded.last_seen)",

	/* An edge's count is its sightings summed over the boots that saw it. */
	"UPDATE main.edges SET count = (SELECT sum(count) FROM main.edge_boots "
	"WHERE edge_id = edges.id) WHERE EXISTS (SELECT 1 FROM main.edge_boots "
	"WHERE edge_id = edges.id)",

	/*
	 * Chains carry no boot: the larger count stands.  A chain's id is the
	 * key of its text (lg_chain_key()), the same in every database, so
	 * matching ids is matching content; an id holding another text is a
	 * key collision, left out here and counted by count_collisions().
	 */
	"INSERT INTO main.chains (id, classes, count, first_seen, last_seen) "
	"SELECT id, classes, count, first_seen, last_seen FROM src.chains "
	"WHERE true ORDER BY id ON CONFLICT (id) DO UPDATE SET "
	"count = max(count, excluded.count), "
	"first_seen = min(first_seen, excluded.first_seen), "
	"last_seen = max(last_seen, excluded.last_seen) "
	"WHERE classes = excluded.classes",

	"INSERT INTO main.contention (class_id, boot_id, count, total_wait_ns, "
	"max_wait_ns) SELECT mc.id, mb.id, x.count, x.total_wait_ns, "
	"x.max_wait_ns FROM src.contention x "
	"JOIN src.classes c ON c.id = x.class_id "
	"JOIN main.classes mc ON mc.name = c.name "
	SRC_BOOT_IN_MAIN("x.boot_id")
	"WHERE true ON CONFLICT (class_id, boot_id) DO UPDATE SET "
	"count = max(count, excluded.count), "
	"total_wait_ns = max(total_wait_ns, excluded.total_wait_ns), "
	"max_wait_ns = max(max_wait_ns, excluded.max_wait_ns)",

	"INSERT INTO main.drops (boot_id, source, reason, count) "
	"SELECT mb.id, d.source, d.reason, d.count FROM src.drops d "
	SRC_BOOT_IN_MAIN("d.boot_id")
	"WHERE true ON CONFLICT (boot_id, source, reason) DO UPDATE SET "
	"count = max(count, excluded.count)",

	"INSERT INTO main.boot_sources (boot_id, source, loaded, reason, events) "
	"SELECT mb.id, x.source, x.loaded, x.reason, x.events "
	"FROM src.boot_sources x " SRC_BOOT_IN_MAIN("x.boot_id")
	"WHERE true ON CONFLICT (boot_id, source) DO UPDATE SET "
	"loaded = max(loaded, excluded.loaded), "
	"reason = coalesce(reason, excluded.reason), "
	"events = max(events, excluded.events)",

	/* lockdep's own report of a circle outranks our finding it. */
	"INSERT INTO main.cycles (signature, nclasses, status, origin, "
	"closing_edge, first_seen, last_seen, report) "
	"SELECT c.signature, c.nclasses, c.status, c.origin, "
	"(SELECT me.id FROM src.edges e " SRC_EDGE_IN_MAIN("e", "me")
	"WHERE e.id = c.closing_edge), c.first_seen, c.last_seen, c.report "
	"FROM src.cycles c WHERE true ORDER BY c.id "
	"ON CONFLICT (signature) DO UPDATE SET "
	"origin = CASE WHEN excluded.origin = 'lockdep' THEN 'lockdep' "
	"ELSE origin END, report = coalesce(report, excluded.report), "
	"first_seen = min(first_seen, excluded.first_seen), "
	"last_seen = max(last_seen, excluded.last_seen)",

	/* The same signature has the same edges at the same positions. */
	"INSERT OR IGNORE INTO main.cycle_edges (cycle_id, pos, edge_id) "
	"SELECT mc.id, ce.pos, me.id FROM src.cycle_edges ce "
	"JOIN src.cycles c ON c.id = ce.cycle_id "
	"JOIN main.cycles mc ON mc.signature = c.signature "
	"JOIN src.edges e ON e.id = ce.edge_id " SRC_EDGE_IN_MAIN("e", "me")
	"ORDER BY ce.cycle_id, ce.pos",

	"INSERT INTO main.ingests (path, format, content_hash, boot_id, at, "
	"classes_added, edges_added, cycles_added) "
	"SELECT i.path, i.format, i.content_hash, mb.id, i.at, i.classes_added, "
	"i.edges_added, i.cycles_added FROM src.ingests i "
	SRC_BOOT_IN_MAIN("i.boot_id")
	"WHERE NOT EXISTS (SELECT 1 FROM main.ingests x WHERE "
	"x.content_hash = i.content_hash AND x.boot_id = mb.id) ORDER BY i.id",

	"INSERT INTO main.reports (ingest_id, kind, title, line, imported, "
	"cycle_id) SELECT mi.id, r.kind, r.title, r.line, r.imported, "
	"(SELECT mc.id FROM src.cycles sc JOIN main.cycles mc "
	"ON mc.signature = sc.signature WHERE sc.id = r.cycle_id) "
	"FROM src.reports r JOIN src.ingests i ON i.id = r.ingest_id "
	SRC_BOOT_IN_MAIN("i.boot_id")
	"JOIN main.ingests mi ON mi.id = (SELECT min(id) FROM main.ingests "
	"WHERE content_hash = i.content_hash AND boot_id = mb.id) "
	"WHERE NOT EXISTS (SELECT 1 FROM main.reports x WHERE "
	"x.ingest_id = mi.id AND x.line = r.line AND x.kind = r.kind) "
	"ORDER BY r.id",
};

/* One integer from @sql (which has no parameters), or -1. */
/* "<rows>:<fnv-1a 64>" over every row of fingerprint_sql into @out. */
static int fingerprint(sqlite3 *db, char out[48], char *err)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	int64_t rows = 0;

	for (size_t q = 0; q < sizeof(fingerprint_sql) / sizeof(*fingerprint_sql); q++) {
		sqlite3_stmt *st = NULL;
		int rc = sqlite3_prepare_v2(db, fingerprint_sql[q], -1, &st, NULL);

		while (rc == SQLITE_OK || rc == SQLITE_ROW) {
			rc = sqlite3_step(st);
			if (rc != SQLITE_ROW)
				break;
			int ncol = sqlite3_column_count(st);

			rows++;
			for (int i = 0; i < ncol; i++) {
				const unsigned char *t = sqlite3_column_text(st, i);
				/* NULL and "" differ: a NULL hashes as one 0x01. */
				unsigned char sep[2] = { t ? 0 : 1, 0x1f };

				for (; t && *t; t++)
					h = (h ^ *t) * 0x100000001b3ULL;
				for (int k = 0; k < 2; k++)
					h = (h ^ sep[k]) * 0x100000001b3ULL;
			}
			h = (h ^ 0x1e) * 0x100000001b3ULL;
		}
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE) {
			snprintf(err, LG_STORE_ERR_MAX, "reading the input: %s",
				 sqlite3_errmsg(db));
			return -EIO;
		}
		h = (h ^ 0x1d) * 0x100000001b3ULL;
	}
	snprintf(out, 48, "%" PRId64 ":%016" PRIx64, rows, h);
	return 0;
}

/*
 * The input's chains whose key holds another chain in the output (hash
 * collisions, not merged) into ms->chain_collisions (their sightings),
 * counted as the drop (newest input boot, "merge", "chain_key_collision").
 */
static int count_collisions(struct lg_store *s, struct lg_merge_stats *ms,
			    char *err)
{
	sqlite3 *db = lg_store_db(s);
	sqlite3_stmt *st = NULL;
	int rc;

	ms->chain_collisions = lg_store_count(s, "SELECT coalesce(sum(c.count), "
					      "0) FROM src.chains c JOIN "
					      "main.chains m ON m.id = c.id "
					      "WHERE m.classes <> c.classes");
	if (ms->chain_collisions < 0) {
		snprintf(err, LG_STORE_ERR_MAX, "reading the chains: %s",
			 lg_store_errmsg(s));
		return -EIO;
	}
	if (!ms->chain_collisions)
		return 0;
	rc = sqlite3_prepare_v2(db, "INSERT INTO main.drops (boot_id, source, "
				"reason, count) SELECT mb.id, 'merge', "
				"'chain_key_collision', ?1 FROM src.boots sb "
				"JOIN main.boots mb ON mb.boot_id = sb.boot_id "
				"WHERE true ORDER BY sb.last_seen DESC, sb.id DESC "
				"LIMIT 1 ON CONFLICT (boot_id, source, reason) "
				"DO UPDATE SET count = max(count, excluded.count)",
				-1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, ms->chain_collisions);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		snprintf(err, LG_STORE_ERR_MAX, "counting chain key collisions: "
			 "%s", sqlite3_errmsg(db));
		return -EIO;
	}
	if (!sqlite3_changes(db)) {
		snprintf(err, LG_STORE_ERR_MAX, "%" PRId64 " chain sightings "
			 "collide with other chains' keys and the input has no "
			 "boot to count them on", ms->chain_collisions);
		return -EEXIST;
	}
	return 0;
}

static int exec_sql(sqlite3 *db, const char *sql, const char *what, char *err)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK)
		return 0;
	snprintf(err, LG_STORE_ERR_MAX, "%s: %s", what, sqlite3_errmsg(db));
	return -EIO;
}

/* The merge record of @fp: 1 and *@id when there is one, 0, or -EIO. */
static int find_merge(sqlite3 *db, const char *fp, int64_t *id)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT id FROM main.merges WHERE "
			       "fingerprint = ?1", -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, fp, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -EIO;
}

static int record_merge(sqlite3 *db, const char *path, const char *fp,
			int64_t now, struct lg_merge_stats *ms)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db, "INSERT INTO main.merges (path, fingerprint, "
				"at, hosts, boots, edges, classes_added, "
				"edges_added, cycles_added) VALUES (?1, ?2, ?3, "
				"?4, ?5, ?6, ?7, ?8, ?9)", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, fp, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, now);
		sqlite3_bind_int64(st, 4, ms->hosts);
		sqlite3_bind_int64(st, 5, ms->boots);
		sqlite3_bind_int64(st, 6, ms->edges);
		sqlite3_bind_int64(st, 7, ms->classes_added);
		sqlite3_bind_int64(st, 8, ms->edges_added);
		sqlite3_bind_int64(st, 9, ms->cycles_added);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -EIO;
	ms->merge_id = sqlite3_last_insert_rowid(db);
	return 0;
}

int lg_store_merge(struct lg_store *s, const char *path, int64_t now,
		   struct lg_merge_stats *ms, char *err)
{
	sqlite3 *db = lg_store_db(s);
	char *orig_err = err;
	struct lg_recorder *rec = NULL;
	int64_t classes0, edges0, cycles0, newest;
	char fp[48], why[LG_STORE_ERR_MAX];
	int ret, found;

	memset(ms, 0, sizeof(*ms));
	ret = lg_store_attach(s, path, "src", err);
	if (ret)
		return ret;
	err = why; /* named with @path at the end */
	ret = lg_store_begin(s);
	if (ret) {
		snprintf(err, LG_STORE_ERR_MAX, "%s", lg_store_errmsg(s));
		goto detach;
	}
	ret = fingerprint(db, fp, err);
	if (ret)
		goto rollback;
	found = find_merge(db, fp, &ms->merge_id);
	if (found < 0) {
		snprintf(err, LG_STORE_ERR_MAX, "reading the merge records: %s",
			 sqlite3_errmsg(db));
		ret = found;
		goto rollback;
	}
	ms->hosts = lg_store_count(s, "SELECT count(*) FROM src.hosts");
	ms->boots = lg_store_count(s, "SELECT count(*) FROM src.boots");
	ms->edges = lg_store_count(s, "SELECT count(*) FROM src.edges");
	if (found) {
		ms->already = true;
		lg_store_rollback(s);
		goto detach;
	}
	classes0 = lg_store_count(s, "SELECT count(*) FROM main.classes");
	edges0 = lg_store_count(s, "SELECT count(*) FROM main.edges");
	cycles0 = lg_store_count(s, "SELECT count(*) FROM main.cycles");
	for (size_t i = 0; i < sizeof(merge_sql) / sizeof(*merge_sql); i++) {
		ret = exec_sql(db, merge_sql[i], "merging", err);
		if (ret)
			goto rollback;
	}

	ret = count_collisions(s, ms, err);
	if (ret)
		goto rollback;

	/* Circles whose edges came from different inputs. */
	ret = lg_recorder_open(s, &rec);
	if (!ret) {
		newest = lg_store_count(s, "SELECT coalesce(max(last_seen), 0) "
					"FROM main.edges");
		ret = lg_recorder_find_all(rec, NULL, newest, &ms->search);
	}
	if (ret) {
		snprintf(err, LG_STORE_ERR_MAX, "searching the merged graph for "
			 "cycles: %s", ret == -ENOMEM ? "out of memory" :
			 lg_store_errmsg(s));
		goto rollback;
	}
	ms->classes_added = lg_store_count(s, "SELECT count(*) FROM main.classes") -
			    classes0;
	ms->edges_added = lg_store_count(s, "SELECT count(*) FROM main.edges") -
			  edges0;
	ms->cycles_added = lg_store_count(s, "SELECT count(*) FROM main.cycles") -
			   cycles0;
	ret = record_merge(db, path, fp, now, ms);
	if (ret) {
		snprintf(err, LG_STORE_ERR_MAX, "recording the merge: %s",
			 sqlite3_errmsg(db));
		goto rollback;
	}
	ret = lg_store_commit(s);
	if (ret) {
		snprintf(err, LG_STORE_ERR_MAX, "%s", lg_store_errmsg(s));
		goto rollback;
	}
	goto detach;
rollback:
	lg_store_rollback(s);
detach:
	lg_recorder_free(rec);
	lg_store_detach(s, "src");
	if (ret)
		snprintf(orig_err, LG_STORE_ERR_MAX, "%s: %s", path, why);
	return ret;
}
