/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The lock-order graph store: one SQLite database in WAL mode, one writer
 * (the daemon or an ingest), any number of readers (the CLI).  The schema is
 * the .sql files beside this header, applied as forward migrations on open
 * and versioned with PRAGMA user_version; PRAGMA application_id marks the
 * file as lockgraph's.
 *
 * Every function returns 0 or a negative errno.  SQLite failures come back
 * as -EIO (-EBUSY when locked, -ENOSPC when full, -EROFS when read-only)
 * with the cause in lg_store_errmsg(); nothing here prints.
 */
#ifndef LOCKGRAPH_SCHEMA_STORE_H
#define LOCKGRAPH_SCHEMA_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "graph.h"

struct lg_store;
struct sqlite3;
struct sqlite3_stmt;

/* 'LKGR' */
#define LG_STORE_APPLICATION_ID 0x4c4b4752

/* The daemon's database, the CLI's default. */
#define LG_STORE_DEFAULT_PATH "/var/lib/lockgraph/lockgraph.db"

#define LG_STORE_ERR_MAX 320

enum lg_store_flags {
	LG_STORE_READONLY = 1 << 0, /* open for reading: never creates or migrates */
	LG_STORE_SCRATCH = 1 << 1,  /* path ":memory:" on purpose: a scratch
				       database that goes at close */
	LG_STORE_NEW_BULK = 1 << 2, /* a writer that, when it creates the
				       file, fills it before anyone reads
				       it: see lg_store_open() */
};

/*
 * Open the database at @path.  Writers create it when missing and migrate
 * it to the current schema; readers need it to exist at the current
 * version and open it read-only, so they never block the writer.  A file
 * that is not a SQLite database, a SQLite database that is not lockgraph's,
 * or one with a schema newer than this program is refused.  On failure
 * *@out is NULL and @err (LG_STORE_ERR_MAX bytes) says why, naming @path.
 * A writer refuses a file it may not write (-EACCES or -EROFS), and
 * every caller an empty path or ":memory:" (-EINVAL: SQLite would keep
 * such a database in memory and lose it) unless it asks for that with
 * LG_STORE_SCRATCH.
 * A database is in WAL mode, so that readers never wait for the writer;
 * but a writer with LG_STORE_NEW_BULK that creates the file uses a
 * rollback journal until lg_store_close() turns WAL on: its pages are
 * written once, not into the WAL and again by the checkpoint, and being
 * new they need no journal (a replay into a new database: 12-15% less
 * time).  Readers of such a file wait for its writer meanwhile.
 * Returns 0, -ENOENT, -EACCES, -EROFS, -EINVAL (not ours, or no file),
 * -EPROTO (newer schema), -EIO or -ENOMEM.
 */
int lg_store_open(const char *path, unsigned int flags, struct lg_store **out,
		  char *err);

/* Close @s (NULL allowed); an open transaction is rolled back. */
void lg_store_close(struct lg_store *s);

/*
 * Remove the closed database file @path with its -wal and -shm: for a
 * run that made it and then wrote nothing that should stay.
 */
void lg_store_remove(const char *path);

/* The last error's text, for logging at the boundary.  Never NULL. */
const char *lg_store_errmsg(const struct lg_store *s);

/*
 * For modules that run their own statements on lg_store_db(@s): keep
 * "@what: <SQLite's message>" of the failed call (result code @rc) as
 * lg_store_errmsg() and return it as -errno (-EIO when no closer one;
 * -EINVAL for a damaged file, -EBUSY, -ENOSPC, ...).  Call it before the
 * statement is finalized or another call replaces the message.
 */
int lg_store_db_error(struct lg_store *s, int rc, const char *what);

/*
 * A statement of another module's, prepared on lg_store_db(@s) once and
 * kept until lg_store_close(), for queries run often (a cycle's report for
 * every circle lockgraphd finds).  @sql is the key by its address: a
 * string literal.  Returned reset and with no bindings; the caller steps
 * it, then resets it (an unfinished one keeps its read open), and never
 * finalizes it.  At most LG_STORE_OTHER_STMTS texts; NULL with -errno in
 * *@err (-ENOSPC past that; lg_store_errmsg() says why).
 */
#define LG_STORE_OTHER_STMTS 8
struct sqlite3_stmt *lg_store_stmt(struct lg_store *s, const char *sql,
				   int *err);

/* The schema version this program writes, and the one @s has. */
int lg_store_schema_version(void);
int lg_store_user_version(struct lg_store *s, int *version);

/*
 * The integer in the first column of the first row of @sql (a count, for
 * one), or -1 when the query fails or has no row (lg_store_errmsg() says
 * why).
 */
int64_t lg_store_count(struct lg_store *s, const char *sql);

/* The SQLite handle, for read queries (the CLI).  Owned by @s. */
struct sqlite3 *lg_store_db(struct lg_store *s);

/*
 * SQLite's PRAGMA data_version of @s's connection into *@v: it changes
 * when another connection commits, never on this one's own commits.
 * Returns 0 or -errno (lg_store_errmsg()).
 */
int lg_store_data_version(struct lg_store *s, int64_t *v);

/*
 * While another connection holds the write lock, call @fn(@ctx, n) with
 * n = 0, 1, 2... instead of waiting the default 5 s: a non-zero return
 * tries again, 0 gives up (the call then fails with -EBUSY).
 */
void lg_store_set_busy(struct lg_store *s, int (*fn)(void *ctx, int n),
		       void *ctx);

/* One transaction: everything between begin and commit lands or nothing. */
int lg_store_begin(struct lg_store *s);
int lg_store_commit(struct lg_store *s);
void lg_store_rollback(struct lg_store *s);

/* Find or add the host @name; *@id gets its row id. */
int lg_store_host(struct lg_store *s, const char *name, int64_t now,
		  int64_t *id);

/*
 * Find or add the boot @boot_key ("/proc/sys/kernel/random/boot_id" or
 * "ingest:<hash>") of host @host_id; updates last_seen (and kernel/sources
 * when given).  @origin is "lockgraphd" or "ingest".  A boot found keeps
 * the host it is filed under, whatever @host_id says.
 */
int lg_store_boot(struct lg_store *s, int64_t host_id, const char *boot_key,
		  const char *kernel, const char *origin, const char *sources,
		  int64_t now, int64_t *id);

/*
 * The name of the host that boot @boot_key is filed under, into @host
 * (@len bytes, truncated): 1, or 0 when there is no such boot; -errno on a
 * database error.  A boot runs on one host: lg_store_boot() of a known
 * boot keeps the host it has.
 */
int lg_store_boot_host(struct lg_store *s, const char *boot_key, char *host,
		       size_t len);

/*
 * Find or add the class @name; @usage (lockdep's usage string, may be NULL)
 * replaces the stored one when given.  *@created tells whether it is new.
 */
int lg_store_class(struct lg_store *s, const char *name, const char *usage,
		   int64_t now, int64_t *id, bool *created);

/*
 * Find or add the stack of @nframes symbolised frames (innermost first).
 * No frames: *@id = 0 (store NULL).
 */
int lg_store_stack(struct lg_store *s, char *const *frames, size_t nframes,
		   int64_t *id);

/* One sighting of a dependency, for lg_store_edge(). */
struct lg_store_edge {
	int64_t from_class, to_class;	/* class row ids */
	unsigned int pairs;		/* lg_mode_pair() bits seen */
	int64_t count;			/* times seen (>= 1) */
	int64_t boot;			/* boot row id */
	int64_t from_stack, to_stack;	/* stack row ids or 0 */
	const char *from_task, *to_task; /* "comm/pid" or NULL */
	int64_t now;
};

/*
 * Record a sighting of an edge: adds it (with the example stacks and tasks)
 * or merges modes, count, last_seen and missing examples into the existing
 * row, and counts it for the boot.  *@id gets the edge row, *@created
 * whether it is new, *@pairs_after (may be NULL) the modes now stored.
 */
int lg_store_edge(struct lg_store *s, const struct lg_store_edge *e,
		  int64_t *id, bool *created, unsigned int *pairs_after);

/*
 * Add @count sightings at @now to the stored edge row @edge, for @boot too:
 * the write-behind of a capture that counted them in memory.  -ENOENT when
 * the row does not exist.
 */
int lg_store_edge_seen(struct lg_store *s, int64_t edge, int64_t boot,
		       int64_t count, int64_t now);

/* Mark class row @class_row as seen at @now. */
int lg_store_class_seen(struct lg_store *s, int64_t class_row, int64_t now);

/*
 * Record a cycle by its canonical @signature: @edges[0..n-1] in chain order
 * (edge i from class i to class i + 1).  An existing signature only gets
 * last_seen, the report when it had none, and origin "lockdep" when lockdep
 * reported a circle the analyzer had found.  @origin is "analyzer" or
 * "lockdep"; @report (may be NULL) is the lockdep text imported.
 */
int lg_store_cycle(struct lg_store *s, const char *signature,
		   const int64_t *edges, size_t n, int64_t closing_edge,
		   const char *origin, const char *report, int64_t now,
		   int64_t *id, bool *created);

/* Add to the drop counter of (@boot, @source, @reason). */
int lg_store_drop(struct lg_store *s, int64_t boot, const char *source,
		  const char *reason, int64_t count);

/* The ingest that had this content hash, or -ENOENT. */
int lg_store_find_ingest(struct lg_store *s, const char *content_hash,
			 int64_t *id);

/* One ingest and what it changed. */
struct lg_store_ingest {
	const char *path, *format, *content_hash;
	int64_t boot, now;
	int64_t classes_added, edges_added, cycles_added;
};

int lg_store_ingest(struct lg_store *s, const struct lg_store_ingest *in,
		    int64_t *id);

/* One report an ingest found; @cycle 0 when none. */
int lg_store_report(struct lg_store *s, int64_t ingest, const char *kind,
		    const char *title, unsigned int line, bool imported,
		    int64_t cycle);

/*
 * The key of the chain text @classes (@len bytes): its row id in
 * `chains`.  FNV-1a 64 of the bytes, as a signed integer; the SQL function
 * lg_chain_key(text), registered on every connection lg_store_open()
 * makes, computes the same.
 */
int64_t lg_chain_key(const char *classes, size_t len);

/*
 * Count @count sightings of the held-lock chain @classes (@len bytes,
 * "a -> b -> new", held bottom first, then the acquired class) under its
 * @key, which must be lg_chain_key(@classes, @len) (the caller has it: it
 * writes a batch's chains in key order).  -EEXIST when that key holds
 * another chain (a hash collision: nothing is written, lg_store_errmsg()
 * names the chain).
 */
int lg_store_chain(struct lg_store *s, int64_t key, const char *classes,
		   size_t len, int64_t count, int64_t now);

/*
 * Add contention figures for class @class_row on @boot: @count more waits
 * totalling @total_ns, the longest @max_ns.
 */
int lg_store_contention(struct lg_store *s, int64_t class_row, int64_t boot,
			int64_t count, int64_t total_ns, int64_t max_ns);

/*
 * Record whether probe source @source loaded on @boot (and why not), and
 * add @events to the events it sent.
 */
int lg_store_boot_source(struct lg_store *s, int64_t boot, const char *source,
			 bool loaded, const char *reason, int64_t events);

/*
 * Load the stored graph into the empty @g: classes and edges in row order
 * (so edge arrival order is kept).  *@class_rows and *@edge_rows (caller
 * frees) map graph ids to row ids.
 */
int lg_store_load_graph(struct lg_store *s, struct lg_graph *g,
			int64_t **class_rows, int64_t **edge_rows);

#endif /* LOCKGRAPH_SCHEMA_STORE_H */
