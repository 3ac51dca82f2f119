/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SQLite store of the lock-order graph.  See store.h.
 *
 * Statements are prepared once per connection and cached by their index in
 * the table below.  Writers run with journal_mode=WAL, synchronous=NORMAL
 * and foreign keys on; readers open the file read-only (query_only) and so
 * never take the write lock.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"

/* Generated from the schema .sql files by scripts/sql2c.sh. */
extern const char *const lg_schema_migrations[];
extern const size_t lg_schema_nmigrations;

enum stmt_id {
	ST_HOST_GET,
	ST_HOST_ADD,
	ST_BOOT_GET,
	ST_BOOT_ADD,
	ST_BOOT_TOUCH,
	ST_BOOT_HOST,
	ST_CLASS_GET,
	ST_CLASS_ADD,
	ST_CLASS_TOUCH,
	ST_STACK_GET,
	ST_STACK_ADD,
	ST_EDGE_GET,
	ST_EDGE_ADD,
	ST_EDGE_UPDATE,
	ST_EDGE_BOOT,
	ST_EDGE_COUNT,
	ST_CYCLE_GET,
	ST_CYCLE_ADD,
	ST_CYCLE_TOUCH,
	ST_CYCLE_EDGE,
	ST_DROP,
	ST_INGEST_FIND,
	ST_INGEST_ADD,
	ST_REPORT_ADD,
	ST_CHAIN,
	ST_CONTENTION,
	ST_BOOT_SOURCE,
	ST_COUNT,
};

static const char *const stmt_sql[ST_COUNT] = {
	[ST_HOST_GET] = "SELECT id FROM hosts WHERE name = ?1",
	[ST_HOST_ADD] = "INSERT INTO hosts (name, first_seen) VALUES (?1, ?2)",
	[ST_BOOT_GET] = "SELECT id FROM boots WHERE boot_id = ?1",
	[ST_BOOT_ADD] = "INSERT INTO boots (host_id, boot_id, kernel, origin, "
			"sources, first_seen, last_seen) "
			"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
	[ST_BOOT_TOUCH] = "UPDATE boots SET last_seen = max(last_seen, ?2), "
			  "kernel = coalesce(?3, kernel), "
			  "sources = coalesce(?4, sources) WHERE id = ?1",
	[ST_BOOT_HOST] = "SELECT h.name FROM boots b JOIN hosts h "
			 "ON h.id = b.host_id WHERE b.boot_id = ?1",
	[ST_CLASS_GET] = "SELECT id FROM classes WHERE name = ?1",
	[ST_CLASS_ADD] = "INSERT INTO classes (name, usage, first_seen, last_seen) "
			 "VALUES (?1, ?2, ?3, ?3)",
	[ST_CLASS_TOUCH] = "UPDATE classes SET last_seen = max(last_seen, ?2), "
			   "usage = coalesce(?3, usage) WHERE id = ?1",
	[ST_STACK_GET] = "SELECT id FROM stacks WHERE frames = ?1",
	[ST_STACK_ADD] = "INSERT INTO stacks (frames) VALUES (?1)",
	[ST_EDGE_GET] = "SELECT id, modes FROM edges "
			"WHERE from_class = ?1 AND to_class = ?2",
	[ST_EDGE_ADD] = "INSERT INTO edges (from_class, to_class, modes, count, "
			"first_seen, last_seen, from_stack, from_task, to_stack, "
			"to_task) VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?8, ?9)",
	[ST_EDGE_UPDATE] = "UPDATE edges SET modes = ?2, count = count + ?3, "
			   "last_seen = max(last_seen, ?4), "
			   "from_stack = coalesce(from_stack, ?5), "
			   "from_task = coalesce(from_task, ?6), "
			   "to_stack = coalesce(to_stack, ?7), "
			   "to_task = coalesce(to_task, ?8) WHERE id = ?1",
	[ST_EDGE_BOOT] = "INSERT INTO edge_boots (edge_id, boot_id, count, "
			 "first_seen, last_seen) VALUES (?1, ?2, ?3, ?4, ?4) "
			 "ON CONFLICT (edge_id, boot_id) DO UPDATE SET "
			 "count = count + excluded.count, "
			 "last_seen = max(last_seen, excluded.last_seen)",
	[ST_EDGE_COUNT] = "UPDATE edges SET count = count + ?2, "
			  "last_seen = max(last_seen, ?3) WHERE id = ?1",
	[ST_CYCLE_GET] = "SELECT id FROM cycles WHERE signature = ?1",
	[ST_CYCLE_ADD] = "INSERT INTO cycles (signature, nclasses, origin, "
			 "closing_edge, first_seen, last_seen, report) "
			 "VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)",
	/* lockdep's own report of a circle outranks our finding it. */
	[ST_CYCLE_TOUCH] = "UPDATE cycles SET last_seen = max(last_seen, ?2), "
			   "report = coalesce(report, ?3), "
			   "origin = CASE WHEN ?4 = 'lockdep' THEN 'lockdep' "
			   "ELSE origin END WHERE id = ?1",
	[ST_CYCLE_EDGE] = "INSERT INTO cycle_edges (cycle_id, pos, edge_id) "
			  "VALUES (?1, ?2, ?3)",
	[ST_DROP] = "INSERT INTO drops (boot_id, source, reason, count) "
		    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (boot_id, source, reason) "
		    "DO UPDATE SET count = count + excluded.count",
	[ST_INGEST_FIND] = "SELECT id FROM ingests WHERE content_hash = ?1 "
			   "ORDER BY id LIMIT 1",
	[ST_INGEST_ADD] = "INSERT INTO ingests (path, format, content_hash, "
			  "boot_id, at, classes_added, edges_added, cycles_added) "
			  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[ST_REPORT_ADD] = "INSERT INTO reports (ingest_id, kind, title, line, "
			  "imported, cycle_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	/* The key holding another text is a collision: no row changes. */
	[ST_CHAIN] = "INSERT INTO chains (id, classes, count, first_seen, "
		     "last_seen) VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT (id) "
		     "DO UPDATE SET count = count + excluded.count, "
		     "last_seen = max(last_seen, excluded.last_seen) "
		     "WHERE classes = excluded.classes",
	[ST_CONTENTION] = "INSERT INTO contention (class_id, boot_id, count, "
			  "total_wait_ns, max_wait_ns) VALUES (?1, ?2, ?3, ?4, ?5) "
			  "ON CONFLICT (class_id, boot_id) DO UPDATE SET "
			  "count = count + excluded.count, "
			  "total_wait_ns = total_wait_ns + excluded.total_wait_ns, "
			  "max_wait_ns = max(max_wait_ns, excluded.max_wait_ns)",
	[ST_BOOT_SOURCE] = "INSERT INTO boot_sources (boot_id, source, loaded, "
			   "reason, events) VALUES (?1, ?2, ?3, ?4, ?5) "
			   "ON CONFLICT (boot_id, source) DO UPDATE SET "
			   "loaded = excluded.loaded, reason = excluded.reason, "
			   "events = events + excluded.events",
};

struct lg_store {
	sqlite3 *db;
	bool readonly;
	bool in_tx;
	bool bulk;	/* LG_STORE_NEW_BULK on a new file: WAL at close */
	sqlite3_stmt *stmts[ST_COUNT];
	/* lg_store_stmt(): other modules' statements, by their text's address */
	struct {
		const char *sql;
		sqlite3_stmt *st;
	} others[LG_STORE_OTHER_STMTS];
	char errmsg[LG_STORE_ERR_MAX];
};

static void set_err(struct lg_store *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->errmsg, sizeof(s->errmsg), fmt, ap);
	va_end(ap);
}

/* Map a SQLite result code to -errno, keeping sqlite3_errmsg() as the text. */
static int db_err(struct lg_store *s, int rc, const char *what)
{
	set_err(s, "%s: %s", what, sqlite3_errmsg(s->db));
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_CANTOPEN:
		return -ENOENT;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return -EINVAL;
	default:
		return -EIO;
	}
}

const char *lg_store_errmsg(const struct lg_store *s)
{
	return s->errmsg;
}

struct sqlite3 *lg_store_db(struct lg_store *s)
{
	return s->db;
}

int lg_store_schema_version(void)
{
	return (int)lg_schema_nmigrations;
}

/* The first column of @sql's first row into *@value; 0 or -errno. */
static int query_int(struct lg_store *s, const char *sql, int64_t *value)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_err(s, rc, sql);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*value = sqlite3_column_int64(st, 0);
	else	/* the step's error, before finalize can replace it */
		rc = db_err(s, rc, sql);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : rc;
}

static int pragma_int(struct lg_store *s, const char *sql, int *value)
{
	int64_t v;
	int err = query_int(s, sql, &v);

	if (!err)
		*value = (int)v;
	return err;
}

int lg_store_db_error(struct lg_store *s, int rc, const char *what)
{
	return db_err(s, rc, what);
}

void lg_store_set_busy(struct lg_store *s, int (*fn)(void *ctx, int n),
		       void *ctx)
{
	sqlite3_busy_handler(s->db, fn, ctx);
}

int lg_store_data_version(struct lg_store *s, int64_t *v)
{
	return query_int(s, "PRAGMA data_version", v);
}

int64_t lg_store_count(struct lg_store *s, const char *sql)
{
	int64_t v;

	return query_int(s, sql, &v) ? -1 : v;
}

int lg_store_user_version(struct lg_store *s, int *version)
{
	return pragma_int(s, "PRAGMA user_version", version);
}

static int exec(struct lg_store *s, const char *sql)
{
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : db_err(s, rc, "exec");
}

int64_t lg_chain_key(const char *classes, size_t len)
{
	const unsigned char *p = (const unsigned char *)classes;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return (int64_t)h;
}

/* SQL lg_chain_key(text): lg_chain_key() of the text's bytes (NULL: NULL). */
static void chain_key_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *t = (const char *)sqlite3_value_text(argv[0]);

	(void)argc;
	if (!t) {
		sqlite3_result_null(ctx);
		return;
	}
	sqlite3_result_int64(ctx, lg_chain_key(t, (size_t)
					       sqlite3_value_bytes(argv[0])));
}

/* Apply the migrations from @from to the newest, one transaction each. */
static int migrate(struct lg_store *s, int from)
{
	char sql[96];
	int err;

	for (int v = from; v < (int)lg_schema_nmigrations; v++) {
		err = exec(s, "BEGIN IMMEDIATE");
		if (err)
			return err;
		err = exec(s, lg_schema_migrations[v]);
		if (!err) {
			snprintf(sql, sizeof(sql),
				 "PRAGMA user_version = %d; "
				 "PRAGMA application_id = %d",
				 v + 1, LG_STORE_APPLICATION_ID);
			err = exec(s, sql);
		}
		if (err) {
			char why[LG_STORE_ERR_MAX];

			snprintf(why, sizeof(why), "%s", s->errmsg);
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			set_err(s, "migration to schema version %d failed: %s",
				v + 1, why);
			return err;
		}
		err = exec(s, "COMMIT");
		if (err)
			return err;
	}
	return 0;
}

/*
 * Is this lockgraph's database, at a version we understand?  An empty file
 * (no tables, user_version 0) is a new database when writable.
 */
static int check_identity(struct lg_store *s, const char *path, int *version)
{
	int app = 0, tables = 0, err;

	err = pragma_int(s, "PRAGMA application_id", &app);
	if (!err)
		err = lg_store_user_version(s, version);
	if (!err)
		err = pragma_int(s, "SELECT count(*) FROM sqlite_schema", &tables);
	if (err) {
		char why[LG_STORE_ERR_MAX];

		snprintf(why, sizeof(why), "%s", s->errmsg);
		set_err(s, "%s: cannot read database: %s", path, why);
		return err;
	}
	if (app == 0 && *version == 0 && tables == 0)
		return 0;
	if (app != LG_STORE_APPLICATION_ID) {
		set_err(s, "%s: not a lockgraph database (SQLite application_id %#x)",
			path, (unsigned int)app);
		return -EINVAL;
	}
	if (*version > (int)lg_schema_nmigrations) {
		set_err(s, "%s: schema version %d is newer than this lockgraph "
			   "understands (%d)", path, *version,
			(int)lg_schema_nmigrations);
		return -EPROTO;
	}
	return 0;
}

int lg_store_open(const char *path, unsigned int flags, struct lg_store **out,
		  char *err)
{
	bool readonly = flags & LG_STORE_READONLY;
	struct lg_store *s;
	struct stat stbuf;
	int rc, ret, version = 0;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, LG_STORE_ERR_MAX, "%s: out of memory", path);
		return -ENOMEM;
	}
	s->readonly = readonly;

	/*
	 * SQLite takes "" and ":memory:" for a private database of its own
	 * that vanishes at close: whatever was written would be lost.
	 */
	if (!*path ||
	    (!strcmp(path, ":memory:") && !(flags & LG_STORE_SCRATCH))) {
		snprintf(err, LG_STORE_ERR_MAX, "'%s': not a database file path "
			 "(SQLite would keep it in memory and lose it)", path);
		ret = -EINVAL;
		goto fail;
	}

	/* SQLite would happily "open" a directory; say what it is. */
	if (stat(path, &stbuf) == 0) {
		if (S_ISDIR(stbuf.st_mode)) {
			snprintf(err, LG_STORE_ERR_MAX, "%s: is a directory", path);
			ret = -EISDIR;
			goto fail;
		}
	} else if (errno == ENOENT && !readonly) {
		s->bulk = flags & LG_STORE_NEW_BULK;
	} else {
		ret = -errno;
		snprintf(err, LG_STORE_ERR_MAX, "%s: %s%s", path, strerror(errno),
			 errno == ENOENT ? " (no database yet: ingest or run "
					   "lockgraphd first)" : "");
		goto fail;
	}

	/*
	 * A connection is used by one thread (lockgraph's programs have
	 * one): no mutex around it, and no global one around SQLite's
	 * allocator for memory statistics nobody reads.  sqlite3_config()
	 * only takes before SQLite initialises, so the first open sets it;
	 * later calls are refused, harmlessly.
	 */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	rc = sqlite3_open_v2(path, &s->db,
			     (readonly ? SQLITE_OPEN_READONLY :
					 SQLITE_OPEN_READWRITE |
						 SQLITE_OPEN_CREATE) |
				     SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc != SQLITE_OK) {
		ret = db_err(s, rc, "open");
		snprintf(err, LG_STORE_ERR_MAX, "%s: cannot open: %s", path,
			 s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		goto fail;
	}
	/*
	 * SQLite opens a file it may not write read-only, and the first
	 * write would fail naming no file: say it here.
	 */
	if (!readonly && sqlite3_db_readonly(s->db, "main") == 1) {
		ret = access(path, W_OK) && errno == EROFS ? -EROFS : -EACCES;
		snprintf(err, LG_STORE_ERR_MAX, "%s: %s (opening it for writing)",
			 path, strerror(-ret));
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, 5000);
	if (!readonly) {
		int persist = 1;

		/*
		 * Keep -wal and -shm after the writer closes: a reader without
		 * write access to the directory (the lockgraph group) can
		 * open a WAL database read-only only when both exist.
		 */
		sqlite3_file_control(s->db, "main", SQLITE_FCNTL_PERSIST_WAL,
				     &persist);
	}

	/* The schema 4 migration computes chain keys in SQL. */
	rc = sqlite3_create_function_v2(s->db, "lg_chain_key", 1,
					SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
					chain_key_fn, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		ret = db_err(s, rc, "lg_chain_key");
		snprintf(err, LG_STORE_ERR_MAX, "%s: %s", path, s->errmsg);
		goto fail;
	}
	ret = check_identity(s, path, &version);
	if (ret) {
		snprintf(err, LG_STORE_ERR_MAX, "%s", s->errmsg);
		goto fail;
	}
	if (readonly) {
		if (!version) {
			snprintf(err, LG_STORE_ERR_MAX,
				 "%s: an empty database, no lockgraph schema yet "
				 "(ingest or run lockgraphd first)", path);
			ret = -ENOENT;
			goto fail;
		}
		if (version != (int)lg_schema_nmigrations) {
			snprintf(err, LG_STORE_ERR_MAX,
				 "%s: schema version %d, this lockgraph reads %d "
				 "(open it once for writing to migrate)",
				 path, version, (int)lg_schema_nmigrations);
			ret = -EPROTO;
			goto fail;
		}
		ret = exec(s, "PRAGMA query_only = ON; PRAGMA foreign_keys = ON");
	} else {
		/*
		 * journal_size_limit: the -wal file kept for readers (above)
		 * is cut back to 16 MiB when a checkpoint resets it, and
		 * emptied when the writer closes, instead of staying as
		 * large as the largest transaction ever was.
		 */
		ret = exec(s, s->bulk ? "PRAGMA journal_mode = DELETE"
				      : "PRAGMA journal_mode = WAL");
		if (!ret)
			ret = exec(s, "PRAGMA synchronous = NORMAL; "
				      "PRAGMA journal_size_limit = 16777216; "
				      "PRAGMA cache_size = -65536; "
				      "PRAGMA foreign_keys = ON");
		if (!ret)
			ret = migrate(s, version);
	}
	if (ret) {
		snprintf(err, LG_STORE_ERR_MAX, "%s: %s", path, s->errmsg);
		goto fail;
	}
	*out = s;
	return 0;
fail:
	lg_store_close(s);
	return ret;
}

void lg_store_remove(const char *path)
{
	char aux[PATH_MAX];

	unlink(path);
	snprintf(aux, sizeof(aux), "%s-wal", path);
	unlink(aux);
	snprintf(aux, sizeof(aux), "%s-shm", path);
	unlink(aux);
}

void lg_store_close(struct lg_store *s)
{
	if (!s)
		return;
	if (s->in_tx)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	/*
	 * WAL, and a read that makes the -wal and -shm (kept: see
	 * lg_store_open()) for readers who may not create them.  A failure
	 * leaves it in rollback mode, and the next writer sets WAL.
	 */
	if (s->bulk && s->db)
		sqlite3_exec(s->db, "PRAGMA journal_mode = WAL; "
			     "SELECT count(*) FROM sqlite_master", NULL, NULL,
			     NULL);
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(s->stmts[i]);
	for (int i = 0; i < LG_STORE_OTHER_STMTS; i++)
		sqlite3_finalize(s->others[i].st);
	sqlite3_close(s->db);
	free(s);
}

int lg_store_begin(struct lg_store *s)
{
	int err = exec(s, "BEGIN IMMEDIATE");

	if (!err)
		s->in_tx = true;
	return err;
}

int lg_store_commit(struct lg_store *s)
{
	int err = exec(s, "COMMIT");

	if (!err)
		s->in_tx = false;
	return err;
}

void lg_store_rollback(struct lg_store *s)
{
	if (!s->in_tx)
		return;
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->in_tx = false;
}

/* The cached statement @id, reset and with no bindings. */
static sqlite3_stmt *stmt(struct lg_store *s, enum stmt_id id, int *err)
{
	sqlite3_stmt *st = s->stmts[id];
	int rc;

	if (!st) {
		rc = sqlite3_prepare_v3(s->db, stmt_sql[id], -1,
					SQLITE_PREPARE_PERSISTENT, &st, NULL);
		if (rc != SQLITE_OK) {
			*err = db_err(s, rc, stmt_sql[id]);
			return NULL;
		}
		s->stmts[id] = st;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

sqlite3_stmt *lg_store_stmt(struct lg_store *s, const char *sql, int *err)
{
	int i, rc;

	for (i = 0; i < LG_STORE_OTHER_STMTS && s->others[i].sql; i++) {
		if (s->others[i].sql != sql)
			continue;
		sqlite3_reset(s->others[i].st);
		sqlite3_clear_bindings(s->others[i].st);
		return s->others[i].st;
	}
	if (i == LG_STORE_OTHER_STMTS) {
		set_err(s, "%s: no room to keep another statement (%d kept)",
			sql, LG_STORE_OTHER_STMTS);
		*err = -ENOSPC;
		return NULL;
	}
	rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
				&s->others[i].st, NULL);
	if (rc != SQLITE_OK) {
		*err = db_err(s, rc, sql);
		sqlite3_finalize(s->others[i].st);
		s->others[i].st = NULL;
		return NULL;
	}
	s->others[i].sql = sql;
	return s->others[i].st;
}

static void bind_text(sqlite3_stmt *st, int i, const char *text)
{
	if (text)
		sqlite3_bind_text(st, i, text, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static void bind_id(sqlite3_stmt *st, int i, int64_t id)
{
	if (id > 0)
		sqlite3_bind_int64(st, i, id);
	else
		sqlite3_bind_null(st, i);
}

/* Step a statement that returns no rows. */
static int step_done(struct lg_store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : db_err(s, rc, what);
}

/* Step a lookup: 1 and *@id when a row came back, 0 when none. */
static int step_id(struct lg_store *s, sqlite3_stmt *st, int64_t *id,
		   const char *what)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		return 1;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : db_err(s, rc, what);
}

int lg_store_host(struct lg_store *s, const char *name, int64_t now,
		  int64_t *id)
{
	sqlite3_stmt *st;
	int err = 0, found;

	st = stmt(s, ST_HOST_GET, &err);
	if (!st)
		return err;
	bind_text(st, 1, name);
	found = step_id(s, st, id, "find host");
	if (found)
		return found < 0 ? found : 0;
	st = stmt(s, ST_HOST_ADD, &err);
	if (!st)
		return err;
	bind_text(st, 1, name);
	sqlite3_bind_int64(st, 2, now);
	err = step_done(s, st, "add host");
	if (!err)
		*id = sqlite3_last_insert_rowid(s->db);
	return err;
}

int lg_store_boot(struct lg_store *s, int64_t host_id, const char *boot_key,
		  const char *kernel, const char *origin, const char *sources,
		  int64_t now, int64_t *id)
{
	sqlite3_stmt *st;
	int err = 0, found;

	st = stmt(s, ST_BOOT_GET, &err);
	if (!st)
		return err;
	bind_text(st, 1, boot_key);
	found = step_id(s, st, id, "find boot");
	if (found < 0)
		return found;
	if (found) {
		st = stmt(s, ST_BOOT_TOUCH, &err);
		if (!st)
			return err;
		sqlite3_bind_int64(st, 1, *id);
		sqlite3_bind_int64(st, 2, now);
		bind_text(st, 3, kernel);
		bind_text(st, 4, sources);
		return step_done(s, st, "update boot");
	}
	st = stmt(s, ST_BOOT_ADD, &err);
	if (!st)
		return err;
	sqlite3_bind_int64(st, 1, host_id);
	bind_text(st, 2, boot_key);
	bind_text(st, 3, kernel);
	bind_text(st, 4, origin);
	bind_text(st, 5, sources);
	sqlite3_bind_int64(st, 6, now);
	err = step_done(s, st, "add boot");
	if (!err)
		*id = sqlite3_last_insert_rowid(s->db);
	return err;
}

int lg_store_boot_host(struct lg_store *s, const char *boot_key, char *host,
		       size_t len)
{
	const unsigned char *name;
	sqlite3_stmt *st;
	int err = 0, rc;

	st = stmt(s, ST_BOOT_HOST, &err);
	if (!st)
		return err;
	bind_text(st, 1, boot_key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		name = sqlite3_column_text(st, 0);
		snprintf(host, len, "%s", name ? (const char *)name : "");
		sqlite3_reset(st);
		return 1;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : db_err(s, rc, "find boot's host");
}

int lg_store_class(struct lg_store *s, const char *name, const char *usage,
		   int64_t now, int64_t *id, bool *created)
{
	sqlite3_stmt *st;
	int err = 0, found;

	st = stmt(s, ST_CLASS_GET, &err);
	if (!st)
		return err;
	bind_text(st, 1, name);
	found = step_id(s, st, id, "find class");
	if (found < 0)
		return found;
	if (created)
		*created = !found;
	if (found) {
		st = stmt(s, ST_CLASS_TOUCH, &err);
		if (!st)
			return err;
		sqlite3_bind_int64(st, 1, *id);
		sqlite3_bind_int64(st, 2, now);
		bind_text(st, 3, usage);
		return step_done(s, st, "update class");
	}
	st = stmt(s, ST_CLASS_ADD, &err);
	if (!st)
		return err;
	bind_text(st, 1, name);
	bind_text(st, 2, usage);
	sqlite3_bind_int64(st, 3, now);
	err = step_done(s, st, "add class");
	if (!err)
		*id = sqlite3_last_insert_rowid(s->db);
	return err;
}

int lg_store_stack(struct lg_store *s, char *const *frames, size_t nframes,
		   int64_t *id)
{
	size_t len = 0;
	sqlite3_stmt *st;
	char *text, *p;
	int err = 0, found;

	*id = 0;
	if (!nframes)
		return 0;
	for (size_t i = 0; i < nframes; i++)
		len += strlen(frames[i]) + 1;
	text = malloc(len);
	if (!text)
		return -ENOMEM;
	p = text;
	for (size_t i = 0; i < nframes; i++) {
		size_t l = strlen(frames[i]);

		memcpy(p, frames[i], l);
		p += l;
		*p++ = i + 1 < nframes ? '\n' : '\0';
	}
	st = stmt(s, ST_STACK_GET, &err);
	if (!st)
		goto cleanup;
	bind_text(st, 1, text);
	found = step_id(s, st, id, "find stack");
	if (found) {
		err = found < 0 ? found : 0;
		goto cleanup;
	}
	st = stmt(s, ST_STACK_ADD, &err);
	if (!st)
		goto cleanup;
	bind_text(st, 1, text);
	err = step_done(s, st, "add stack");
	if (!err)
		*id = sqlite3_last_insert_rowid(s->db);
cleanup:
	free(text);
	return err;
}

int lg_store_edge(struct lg_store *s, const struct lg_store_edge *e,
		  int64_t *id, bool *created, unsigned int *pairs_after)
{
	unsigned int pairs = e->pairs;
	char modes[64];
	sqlite3_stmt *st;
	int err = 0, rc;

	st = stmt(s, ST_EDGE_GET, &err);
	if (!st)
		return err;
	sqlite3_bind_int64(st, 1, e->from_class);
	sqlite3_bind_int64(st, 2, e->to_class);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *old = (const char *)sqlite3_column_text(st, 1);
		unsigned int old_pairs = 0;

		*id = sqlite3_column_int64(st, 0);
		if (!old || lg_mode_pairs_parse(old, &old_pairs)) {
			set_err(s, "edge %lld has unreadable modes '%s'",
				(long long)*id, old ? old : "");
			sqlite3_reset(st);
			return -EINVAL;
		}
		pairs |= old_pairs;
		*created = false;
	} else if (rc != SQLITE_DONE) {
		sqlite3_reset(st);
		return db_err(s, rc, "find edge");
	} else {
		*created = true;
	}
	sqlite3_reset(st);
	lg_mode_pairs_format(pairs, modes, sizeof(modes));

	if (*created) {
		st = stmt(s, ST_EDGE_ADD, &err);
		if (!st)
			return err;
		sqlite3_bind_int64(st, 1, e->from_class);
		sqlite3_bind_int64(st, 2, e->to_class);
		bind_text(st, 3, modes);
		sqlite3_bind_int64(st, 4, e->count);
		sqlite3_bind_int64(st, 5, e->now);
		bind_id(st, 6, e->from_stack);
		bind_text(st, 7, e->from_task);
		bind_id(st, 8, e->to_stack);
		bind_text(st, 9, e->to_task);
		err = step_done(s, st, "add edge");
		if (err)
			return err;
		*id = sqlite3_last_insert_rowid(s->db);
	} else {
		st = stmt(s, ST_EDGE_UPDATE, &err);
		if (!st)
			return err;
		sqlite3_bind_int64(st, 1, *id);
		bind_text(st, 2, modes);
		sqlite3_bind_int64(st, 3, e->count);
		sqlite3_bind_int64(st, 4, e->now);
		bind_id(st, 5, e->from_stack);
		bind_text(st, 6, e->from_task);
		bind_id(st, 7, e->to_stack);
		bind_text(st, 8, e->to_task);
		err = step_done(s, st, "update edge");
		if (err)
			return err;
	}
	if (pairs_after)
		*pairs_after = pairs;

	st = stmt(s, ST_EDGE_BOOT, &err);
	if (!st)
		return err;
	sqlite3_bind_int64(st, 1, *id);
	sqlite3_bind_int64(st, 2, e->boot);
	sqlite3_bind_int64(st, 3, e->count);
	sqlite3_bind_int64(st, 4, e->now);
	return step_done(s, st, "count edge for boot");
}

int lg_store_edge_seen(struct lg_store *s, int64_t edge, int64_t boot,
		       int64_t count, int64_t now)
{
	sqlite3_stmt *st;
	int err = 0;

	st = stmt(s, ST_EDGE_COUNT, &err);
	if (!st)
		return err;
	sqlite3_bind_int64(st, 1, edge);
	sqlite3_bind_int64(st, 2, count);
	sqlite3_bind_int64(st, 3, now);
	err = step_done(s, st, "count edge");
	if (err)
		return err;
	if (!sqlite3_changes(s->db)) {
		set_err(s, "edge %lld is not in the database", (long long)edge);
		return -ENOENT;
	}
	st = stmt(s, ST_EDGE_BOOT, &err);
	if (!st)
		return err;
	sqlite3_bind_int64(st, 1, edge);
	sqlite3_bind_int64(st, 2, boot);
	sqlite3_bind_int64(st, 3, count);
	sqlite3_bind_int64(st, 4, now);
	return step_done(s, st, "count edge for boot");
}

int lg_store_class_seen(struct lg_store *s, int64_t class_row, int64_t now)
{
	sqlite3_stmt *st;
	int err = 0;

	st = stmt(s, ST_CLASS_TOUCH, &err);
	if (!st)
		return err;
	sqlite3_bind_int64(st, 1, class_row);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_null(st, 3);
	return step_done(s, st, "update class");
}

int lg_store_cycle(struct lg_store *s, const char *signature,
		   const int64_t *edges, size_t n, int64_t closing_edge,
		   const char *origin, const char *report, int64_t now,
		   int64_t *id, bool *created)
{
	sqlite3_stmt *st;
	int err = 0, found;

	st = stmt(s, ST_CYCLE_GET, &err);
	if (!st)
		return err;
	bind_text(st, 1, signature);
	found = step_id(s, st, id, "find cycle");
	if (found < 0)
		return found;
	*created = !found;
	if (found) {
		st = stmt(s, ST_CYCLE_TOUCH, &err);
		if (!st)
			return err;
		sqlite3_bind_int64(st, 1, *id);
		sqlite3_bind_int64(st, 2, now);
		bind_text(st, 3, report);
		bind_text(st, 4, origin);
		return step_done(s, st, "update cycle");
	}
	st = stmt(s, ST_CYCLE_ADD, &err);
	if (!st)
		return err;
	bind_text(st, 1, signature);
	sqlite3_bind_int64(st, 2, (int64_t)n);
	bind_text(st, 3, origin);
	bind_id(st, 4, closing_edge);
	sqlite3_bind_int64(st, 5, now);
	bind_text(st, 6, report);
	err = step_done(s, st, "add cycle");
	if (err)
		return err;
	*id = sqlite3_last_insert_rowid(s->db);
	for (size_t i = 0; i < n; i++) {
		st = stmt(s, ST_CYCLE_EDGE, &err);
		if (!st)
			return err;
		sqlite3_bind_int64(st, 1, *id);
		sqlite3_bind_int64(st, 2, (int64_t)i);
		sqlite3_bind_int64(st, 3, edges[i]);
		err = step_done(s, st, "add cycle edge");
		if (err)
			return err;
	}
	return 0;
}

int lg_store_drop(struct lg_store *s, int64_t boot, const char *source,
		  const char *reason, int64_t count)
{
	sqlite3_stmt *st;
	int err = 0;

	st = stmt(s, ST_DROP, &err);
	if (!st)
		return err;
	sqlite3_bind_int64(st, 1, boot);
	bind_text(st, 2, source);
	bind_text(st, 3, reason);
	sqlite3_bind_int64(st, 4, count);
	return step_done(s, st, "count drop");
}

int lg_store_find_ingest(struct lg_store *s, const char *content_hash,
			 int64_t *id)
{
	sqlite3_stmt *st;
	int err = 0, found;

	st = stmt(s, ST_INGEST_FIND, &err);
	if (!st)
		return err;
	bind_text(st, 1, content_hash);
	found = step_id(s, st, id, "find ingest");
	if (found < 0)
		return found;
	return found ? 0 : -ENOENT;
}

int lg_store_ingest(struct lg_store *s, const struct lg_store_ingest *in,
		    int64_t *id)
{
	sqlite3_stmt *st;
	int err = 0;

	st = stmt(s, ST_INGEST_ADD, &err);
	if (!st)
		return err;
	bind_text(st, 1, in->path);
	bind_text(st, 2, in->format);
	bind_text(st, 3, in->content_hash);
	sqlite3_bind_int64(st, 4, in->boot);
	sqlite3_bind_int64(st, 5, in->now);
	sqlite3_bind_int64(st, 6, in->classes_added);
	sqlite3_bind_int64(st, 7, in->edges_added);
	sqlite3_bind_int64(st, 8, in->cycles_added);
	err = step_done(s, st, "add ingest");
	if (!err)
		*id = sqlite3_last_insert_rowid(s->db);
	return err;
}

int lg_store_report(struct lg_store *s, int64_t ingest, const char *kind,
		    const char *title, unsigned int line, bool imported,
		    int64_t cycle)
{
	sqlite3_stmt *st;
	int err = 0;

	st = stmt(s, ST_REPORT_ADD, &err);
	if (!st)
		return err;
	sqlite3_bind_int64(st, 1, ingest);
	bind_text(st, 2, kind);
	bind_text(st, 3, title);
	sqlite3_bind_int64(st, 4, line);
	sqlite3_bind_int(st, 5, imported);
	bind_id(st, 6, cycle);
	return step_done(s, st, "add report");
}

int lg_store_chain(struct lg_store *s, int64_t key, const char *classes,
		   size_t len, int64_t count, int64_t now)
{
	sqlite3_stmt *st;
	int err = 0;

	st = stmt(s, ST_CHAIN, &err);
	if (!st)
		return err;
	sqlite3_bind_int64(st, 1, key);
	sqlite3_bind_text(st, 2, classes, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, count);
	sqlite3_bind_int64(st, 4, now);
	err = step_done(s, st, "count chain");
	if (!err && !sqlite3_changes(s->db)) {
		set_err(s, "count chain: key %" PRId64 " holds another chain than "
			"'%.160s'", key, classes);
		return -EEXIST;
	}
	return err;
}

int lg_store_contention(struct lg_store *s, int64_t class_row, int64_t boot,
			int64_t count, int64_t total_ns, int64_t max_ns)
{
	sqlite3_stmt *st;
	int err = 0;

	st = stmt(s, ST_CONTENTION, &err);
	if (!st)
		return err;
	sqlite3_bind_int64(st, 1, class_row);
	sqlite3_bind_int64(st, 2, boot);
	sqlite3_bind_int64(st, 3, count);
	sqlite3_bind_int64(st, 4, total_ns);
	sqlite3_bind_int64(st, 5, max_ns);
	return step_done(s, st, "add contention");
}

int lg_store_boot_source(struct lg_store *s, int64_t boot, const char *source,
			 bool loaded, const char *reason, int64_t events)
{
	sqlite3_stmt *st;
	int err = 0;

	st = stmt(s, ST_BOOT_SOURCE, &err);
	if (!st)
		return err;
	sqlite3_bind_int64(st, 1, boot);
	bind_text(st, 2, source);
	sqlite3_bind_int(st, 3, loaded);
	bind_text(st, 4, reason);
	sqlite3_bind_int64(st, 5, events);
	return step_done(s, st, "record boot source");
}

int lg_store_load_graph(struct lg_store *s, struct lg_graph *g,
			int64_t **class_rows, int64_t **edge_rows)
{
	sqlite3_stmt *st = NULL;
	int64_t *crows = NULL, *erows = NULL;
	size_t nc = 0, ccap = 0, ecap = 0;
	int err = 0, rc;

	/* Row ids to graph ids go through the name: classes first. */
	rc = sqlite3_prepare_v2(s->db, "SELECT id, name FROM classes ORDER BY id",
				-1, &st, NULL);
	if (rc != SQLITE_OK) {
		err = db_err(s, rc, "load classes");
		goto cleanup;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		lg_class_id cid;

		if (nc == ccap) {
			int64_t *n2;

			ccap = ccap ? ccap * 2 : 256;
			n2 = realloc(crows, ccap * sizeof(*crows));
			if (!n2) {
				err = -ENOMEM;
				goto cleanup;
			}
			crows = n2;
		}
		err = lg_graph_class(g, (const char *)sqlite3_column_text(st, 1),
				     true, &cid);
		if (err)
			goto cleanup;
		crows[cid] = sqlite3_column_int64(st, 0);
		nc++;
	}
	if (rc != SQLITE_DONE) {
		err = db_err(s, rc, "load classes");
		goto cleanup;
	}
	sqlite3_finalize(st);

	/*
	 * Edges by row id (arrival order).  Class row ids are dense only when
	 * nothing was ever deleted, so join for the names' graph ids through
	 * a sorted search of crows (it is ascending).
	 */
	rc = sqlite3_prepare_v2(s->db,
				"SELECT id, from_class, to_class, modes FROM edges "
				"ORDER BY id", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		err = db_err(s, rc, "load edges");
		st = NULL;
		goto cleanup;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t ends[2] = { sqlite3_column_int64(st, 1),
				    sqlite3_column_int64(st, 2) };
		lg_class_id ids[2];
		const char *modes = (const char *)sqlite3_column_text(st, 3);
		unsigned int pairs;
		lg_edge_id eid;

		for (int k = 0; k < 2; k++) {
			size_t lo = 0, hi = nc;

			while (lo < hi) {
				size_t mid = (lo + hi) / 2;

				if (crows[mid] < ends[k])
					lo = mid + 1;
				else
					hi = mid;
			}
			if (lo == nc || crows[lo] != ends[k]) {
				set_err(s, "edge %lld names a missing class %lld",
					(long long)sqlite3_column_int64(st, 0),
					(long long)ends[k]);
				err = -EINVAL;
				goto cleanup;
			}
			ids[k] = (lg_class_id)lo;
		}
		if (!modes || lg_mode_pairs_parse(modes, &pairs) || !pairs) {
			set_err(s, "edge %lld has unreadable modes",
				(long long)sqlite3_column_int64(st, 0));
			err = -EINVAL;
			goto cleanup;
		}
		err = lg_graph_add_edge(g, ids[0], ids[1], pairs, &eid, NULL, NULL);
		if (err < 0)
			goto cleanup;
		err = 0;
		if (eid >= ecap) {
			int64_t *n2;

			ecap = ecap ? ecap * 2 : 256;
			n2 = realloc(erows, ecap * sizeof(*erows));
			if (!n2) {
				err = -ENOMEM;
				goto cleanup;
			}
			erows = n2;
		}
		erows[eid] = sqlite3_column_int64(st, 0);
	}
	if (rc != SQLITE_DONE)
		err = db_err(s, rc, "load edges");
cleanup:
	sqlite3_finalize(st);
	if (err) {
		free(crows);
		free(erows);
		return err;
	}
	*class_rows = crows;
	*edge_rows = erows;
	return 0;
}
