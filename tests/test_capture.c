/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The capture pipeline without privileges: hand-built probe events, written
 * to a recording and replayed through the same decoder lockgraphd runs on
 * the ring buffer, into a real SQLite store.  Seed 003's chains must give
 * the khugepaged cycle; trylocks no edge; malformed events and corrupt
 * recordings must be refused without touching the store.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "test_db.h"
#include "test_util.h"

#include "capture.h"
#include "record.h"
#include "recorder.h"

static struct lg_class_ref ref(unsigned int kind, __u64 key, unsigned int sub,
			       unsigned int mode)
{
	return (struct lg_class_ref){ .key = key, .kind = (__u16)kind,
				      .subclass = (__u8)sub, .mode = (__u8)mode };
}

#define VM_SEQ_KEY 0xffffffff82a1b2c0ULL

static struct lg_name_event name_event(__u64 key, unsigned int sub,
				       const char *name)
{
	struct lg_name_event e = { 0 };

	e.hdr.type = LG_EV_CLASS_NAME;
	e.hdr.size = sizeof(e);
	e.class = ref(LG_CLASS_LOCKDEP, key, sub, 0);
	snprintf(e.name, sizeof(e.name), "%s", name);
	return e;
}

static struct lg_chain_event chain_event(const struct lg_class_ref *held,
					 unsigned int nheld,
					 struct lg_class_ref acquired,
					 const char *comm, __u32 pid)
{
	struct lg_chain_event e = { 0 };

	e.hdr.type = LG_EV_CHAIN;
	e.hdr.size = sizeof(e);
	e.pid = e.tgid = pid;
	snprintf(e.comm, sizeof(e.comm), "%s", comm);
	e.source = LG_SRC_LOCKDEP;
	e.nheld = (__u8)nheld;
	memcpy(e.held, held, nheld * sizeof(*held));
	e.acquired = acquired;
	return e;
}

/* Seed 003 as a lockdep source would have sent it. */
static void write_seed003_recording(const char *path)
{
	struct lg_record_header hdr = { .boot_id = "seed-003-boot",
					.release = "4.13.0-rc5",
					.hostname = "khugepaged-box" };
	struct lg_class_ref immap = ref(LG_CLASS_I_MMAP_RWSEM, 0, 0, LG_MODE_r);
	struct lg_class_ref seq = ref(LG_CLASS_LOCKDEP, VM_SEQ_KEY, 0, LG_MODE_W);
	struct lg_class_ref seq1 = ref(LG_CLASS_LOCKDEP, VM_SEQ_KEY, 1, LG_MODE_W);
	struct lg_class_ref reclaim = ref(LG_CLASS_FS_RECLAIM, 0, 0, LG_MODE_W);
	struct lg_name_event n = name_event(VM_SEQ_KEY, 0, "&vma->vm_sequence");
	struct lg_chain_event e;
	FILE *f;

	assert_int_equal(lg_record_create(path, &hdr, &f), 0);
	assert_int_equal(lg_record_write(f, &n, sizeof(n)), 0);
	e = chain_event(&immap, 1, seq, "init", 1);
	assert_int_equal(lg_record_write(f, &e, sizeof(e)), 0);
	e = chain_event(&seq, 1, seq1, "init", 1);
	assert_int_equal(lg_record_write(f, &e, sizeof(e)), 0);
	e = chain_event(&seq1, 1, reclaim, "mremap", 812);
	assert_int_equal(lg_record_write(f, &e, sizeof(e)), 0);
	/* The same chain again: one more sighting, no new edge. */
	assert_int_equal(lg_record_write(f, &e, sizeof(e)), 0);
	e = chain_event(&reclaim, 1, immap, "khugepaged", 43);
	assert_int_equal(lg_record_write(f, &e, sizeof(e)), 0);
	assert_int_equal(fclose(f), 0);
}

struct feed {
	struct lg_capture *cap;
	int events;
};

static int feed_event(const void *data, size_t size, size_t offset, void *ctx)
{
	struct feed *fd = ctx;

	(void)offset;
	fd->events++;
	return lg_capture_event(fd->cap, data, size);
}

static struct lg_store *open_db(const char *name, int64_t *boot)
{
	char err[LG_STORE_ERR_MAX];
	struct lg_store *s;
	int64_t host;

	assert_int_equal(lg_store_open(tmpdir_path(name), 0, &s, err), 0);
	assert_int_equal(lg_store_host(s, "khugepaged-box", 1, &host), 0);
	assert_int_equal(lg_store_boot(s, host, "seed-003-boot", NULL,
				       "lockgraphd", NULL, 1, boot), 0);
	return s;
}

static void test_replay_seed003_gives_the_cycle(void **state)
{
	struct lg_record_header hdr;
	struct lg_capture_config cfg = { 0 };
	struct feed fd = { 0 };
	struct lg_store *s;
	char why[160] = "", *names = NULL, *log = NULL;
	size_t loglen = 0;
	sqlite3_stmt *st;
	size_t len = 0;
	FILE *mf;
	int64_t boot;

	(void)state;
	write_seed003_recording(tmpdir_path("seed003.rec"));
	s = open_db("seed003.db", &boot);
	cfg.store = s;
	cfg.boot = boot;
	cfg.log = open_memstream(&log, &loglen);
	assert_non_null(cfg.log);
	assert_int_equal(lg_capture_new(&cfg, &fd.cap), 0);
	assert_int_equal(lg_replay(tmpdir_path("seed003.rec"), &hdr, feed_event,
				   &fd, why, sizeof(why)), 0);
	assert_string_equal(hdr.boot_id, "seed-003-boot");
	assert_int_equal(fd.events, 6);
	assert_int_equal(lg_capture_flush(fd.cap), 0);
	assert_int_equal(lg_capture_stats(fd.cap)->chains, 5);
	assert_int_equal(lg_capture_stats(fd.cap)->cycles, 1);
	/* The daemon's log says it the way lockdep would. */
	fclose(cfg.log);
	assert_non_null(strstr(log, "<4>WARNING: possible circular locking "
				    "dependency detected\n"));
	assert_non_null(strstr(log, "<4>khugepaged/43 is trying to acquire lock:\n"));
	assert_non_null(strstr(log, "<4>  &mapping->i_mmap_rwsem --> "
				    "&vma->vm_sequence/1 --> fs_reclaim\n"));
	assert_non_null(strstr(log, "<4> *** DEADLOCK ***\n"));
	free(log);

	assert_int_equal(scalar(s, "SELECT count(*) FROM edges"), 4);
	assert_int_equal(scalar(s, "SELECT count(*) FROM chains"), 4);
	assert_int_equal(scalar(s, "SELECT count FROM chains WHERE classes = "
				   "'&vma->vm_sequence/1 -> fs_reclaim'"), 2);
	assert_int_equal(scalar(s, "SELECT count(*) FROM cycles"), 1);
	/* The closing edge came from khugepaged, held fs_reclaim, wanted a read. */
	assert_int_equal(scalar(s, "SELECT count(*) FROM edges e JOIN classes f "
				   "ON f.id = e.from_class JOIN classes t ON "
				   "t.id = e.to_class WHERE f.name = 'fs_reclaim' "
				   "AND t.name = '&mapping->i_mmap_rwsem' AND "
				   "e.modes = 'W->r' AND e.to_task = "
				   "'khugepaged/43'"), 1);
	assert_int_equal(sqlite3_prepare_v2(lg_store_db(s),
					    "SELECT c.name FROM cycle_edges ce "
					    "JOIN edges e ON e.id = ce.edge_id "
					    "JOIN classes c ON c.id = e.from_class "
					    "ORDER BY ce.pos", -1, &st, NULL),
			 SQLITE_OK);
	mf = open_memstream(&names, &len);
	while (sqlite3_step(st) == SQLITE_ROW)
		fprintf(mf, "%s|", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	fclose(mf);
	assert_string_equal(names, "&mapping->i_mmap_rwsem|&vma->vm_sequence|"
				   "&vma->vm_sequence/1|fs_reclaim|");
	free(names);
	lg_capture_free(fd.cap);
	lg_store_close(s);
}

static void test_trylock_and_recursion_add_no_edge(void **state)
{
	struct lg_capture_config cfg = { 0 };
	struct lg_class_ref vma = ref(LG_CLASS_VMA_LOCK, 0, 0, LG_MODE_W);
	struct lg_class_ref immap = ref(LG_CLASS_HUGETLBFS_I_MMAP, 0, 0, LG_MODE_W);
	struct lg_capture *cap;
	struct lg_chain_event e;
	struct lg_store *s;
	int64_t boot;

	(void)state;
	s = open_db("trylock.db", &boot);
	cfg.store = s;
	cfg.boot = boot;
	assert_int_equal(lg_capture_new(&cfg, &cap), 0);
	/* truncate: holds vma_lock, trylocks i_mmap_rwsem. */
	immap.trylock = 1;
	e = chain_event(&vma, 1, immap, "truncate", 7);
	assert_int_equal(lg_capture_event(cap, &e, sizeof(e)), 0);
	/* Taking a class that is already held is recursion. */
	e = chain_event(&vma, 1, vma, "fault", 8);
	assert_int_equal(lg_capture_event(cap, &e, sizeof(e)), 0);
	assert_int_equal(lg_capture_flush(cap), 0);
	assert_int_equal(scalar(s, "SELECT count(*) FROM edges"), 0);
	assert_int_equal(scalar(s, "SELECT count(*) FROM chains"), 2);

	/* A subclass is another class, named as lockdep does (fork). */
	vma = ref(LG_CLASS_MMAP_LOCK, 0, 0, LG_MODE_W);
	e = chain_event(&vma, 1, ref(LG_CLASS_MMAP_LOCK, 0, 1, LG_MODE_W), "sh",
			9);
	assert_int_equal(lg_capture_event(cap, &e, sizeof(e)), 0);
	assert_int_equal(lg_capture_flush(cap), 0);
	assert_int_equal(scalar(s, "SELECT count(*) FROM edges e JOIN classes t "
				   "ON t.id = e.to_class WHERE t.name = "
				   "'&mm->mmap_lock/1'"), 1);
	lg_capture_free(cap);
	lg_store_close(s);
}

static void test_bad_events_refused(void **state)
{
	struct lg_capture_config cfg = { 0 };
	struct lg_class_ref a = ref(LG_CLASS_MMAP_LOCK, 0, 0, LG_MODE_r);
	struct lg_capture *cap;
	struct lg_chain_event e;
	struct lg_store *s;
	char why[96];
	int64_t boot;

	(void)state;
	s = open_db("bad.db", &boot);
	cfg.store = s;
	cfg.boot = boot;
	assert_int_equal(lg_capture_new(&cfg, &cap), 0);
	e = chain_event(&a, 1, ref(LG_CLASS_FS_RECLAIM, 0, 0, LG_MODE_W), "x", 1);
	e.nheld = LG_HELD_MAX + 1;
	assert_int_equal(lg_capture_event(cap, &e, sizeof(e)), -EBADMSG);
	e.nheld = 1;
	e.acquired.kind = LG_CLASS_KIND_COUNT;
	assert_int_equal(lg_capture_event(cap, &e, sizeof(e)), -EBADMSG);
	e.acquired.kind = LG_CLASS_FS_RECLAIM;
	e.held[0].mode = 7;
	assert_int_equal(lg_capture_event(cap, &e, sizeof(e)), -EBADMSG);
	e.held[0].mode = LG_MODE_r;
	assert_int_equal(lg_capture_event(cap, &e, sizeof(e) - 1), -EBADMSG);
	e.hdr.type = 99;
	assert_int_equal(lg_event_validate(&e, sizeof(e), why, sizeof(why)),
			 -EBADMSG);
	assert_string_equal(why, "unknown event type");
	assert_int_equal(lg_capture_stats(cap)->bad_events, 4);
	assert_int_equal(lg_capture_flush(cap), 0);
	assert_int_equal(scalar(s, "SELECT count(*) FROM classes"), 0);

	/* A good one after them still lands; drops are counted, not lost. */
	e.hdr.type = LG_EV_CHAIN;
	assert_int_equal(lg_capture_event(cap, &e, sizeof(e)), 0);
	assert_int_equal(lg_capture_drop(cap, "context", "ringbuf_full", 5), 0);
	assert_int_equal(lg_capture_flush(cap), 0);
	assert_int_equal(scalar(s, "SELECT count(*) FROM edges"), 1);
	assert_int_equal(scalar(s, "SELECT count FROM drops WHERE source = "
				   "'context' AND reason = 'ringbuf_full'"), 5);
	lg_capture_free(cap);
	lg_store_close(s);
}

/* Without symbols, an unrecognised lock has no stable name: left out. */
static void test_unnamed_locks_left_out(void **state)
{
	struct lg_contention_stats waits = { .count = 3, .total_ns = 900, .max_ns = 500 };
	struct lg_capture_config cfg = { 0 };
	struct lg_class_ref held[2] = {
		ref(LG_CLASS_MMAP_LOCK, 0, 0, LG_MODE_r),
		ref(LG_CLASS_ADDR, 0xffff888012345678ULL, 0, LG_MODE_W),
	};
	struct lg_capture *cap;
	struct lg_chain_event e;
	struct lg_store *s;
	int64_t boot;

	(void)state;
	s = open_db("unnamed.db", &boot);
	cfg.store = s;
	cfg.boot = boot;
	assert_int_equal(lg_capture_new(&cfg, &cap), 0);
	/* Held and unnamed: the mmap_lock below it still gives its edge. */
	e = chain_event(held, 2, ref(LG_CLASS_FS_RECLAIM, 0, 0, LG_MODE_W), "a", 1);
	assert_int_equal(lg_capture_event(cap, &e, sizeof(e)), 0);
	/* Acquired and unnamed: nothing to record. */
	e = chain_event(held, 1, ref(LG_CLASS_ADDR, 0xffff888087654321ULL, 0,
				     LG_MODE_W), "b", 2);
	assert_int_equal(lg_capture_event(cap, &e, sizeof(e)), 0);
	/*
	 * Contention on it, with no waiting function either: counted too,
	 * not an error (it stopped lockgraphd's first batch without
	 * /proc/kallsyms, and in a QEMU guest).
	 */
	assert_int_equal(lg_capture_contention(cap, &held[1], 0, NULL, &waits), 0);
	/* time that comes after its waits: counted, but no lock more */
	waits.count = 0;
	waits.total_ns = 40;
	assert_int_equal(lg_capture_contention(cap, &held[1], 0, NULL, &waits), 0);
	assert_int_equal(lg_capture_flush(cap), 0);
	assert_int_equal(lg_capture_stats(cap)->unnamed, 3);
	assert_int_equal(lg_capture_stats(cap)->unnamed_waits, 3);
	assert_int_equal(lg_capture_stats(cap)->unnamed_ns, 940);
	assert_int_equal(scalar(s, "SELECT count(*) FROM contention"), 0);
	assert_int_equal(scalar(s, "SELECT count(*) FROM edges"), 1);
	assert_int_equal(scalar(s, "SELECT count(*) FROM classes WHERE name "
				   "LIKE '%nrecognised%'"), 0);
	lg_capture_free(cap);
	lg_store_close(s);
}

/*
 * The contention source's classes for locks in dynamic memory: a split
 * page-table lock and a run-queue lock have lockdep's one name each; a
 * slab lock is named by what lockgraphd made of its object (passed as
 * @where), and without that name (its cache not found) it is left out and
 * its waits counted, never stored under a made-up name.
 */
static void test_dynamic_lock_classes(void **state)
{
	struct lg_contention_stats waits = { .count = 5, .total_ns = 700, .max_ns = 300 };
	struct lg_class_ref pt = ref(LG_CLASS_PTLOCK, 0, 0, LG_MODE_W);
	struct lg_class_ref rq = ref(LG_CLASS_RQ_LOCK, 0, 0, LG_MODE_W);
	struct lg_class_ref slab = ref(LG_CLASS_SLAB,
				       LG_SLAB_KEY(0xffffffff82a4c0e0ULL, 0x78),
				       0, LG_MODE_W);
	struct lg_capture_config cfg = { 0 };
	struct lg_capture *cap;
	struct lg_store *s;
	int64_t boot;

	(void)state;
	assert_int_equal(LG_SLAB_CACHE(slab.key), 0x0000ffff82a4c0e0ULL);
	/* 5-level paging: the top bits need not be ones; the id is the same */
	assert_int_equal(LG_SLAB_CACHE(LG_SLAB_KEY(0xff11ffff82a4c0e0ULL, 0x78)),
			 LG_SLAB_CACHE(0xff11ffff82a4c0e0ULL));
	assert_int_equal(LG_SLAB_OFF(LG_SLAB_KEY(0xff11ffff82a4c0e0ULL, 0x78)),
			 0x78);
	assert_int_equal(LG_SLAB_OFF(slab.key), 0x78);
	s = open_db("dynamic.db", &boot);
	cfg.store = s;
	cfg.boot = boot;
	assert_int_equal(lg_capture_new(&cfg, &cap), 0);
	assert_int_equal(lg_capture_contention(cap, &pt, LG_LCB_F_SPIN, NULL,
					       &waits), 0);
	assert_int_equal(lg_capture_contention(cap, &rq, LG_LCB_F_SPIN, NULL,
					       &waits), 0);
	assert_int_equal(lg_capture_contention(cap, &slab, LG_LCB_F_SPIN,
					       "&mm_struct->page_table_lock",
					       &waits), 0);
	assert_int_equal(lg_capture_contention(cap, &slab, LG_LCB_F_SPIN, NULL,
					       &waits), 0);
	assert_int_equal(lg_capture_flush(cap), 0);
	assert_int_equal(lg_capture_stats(cap)->unnamed_waits, 5);
	assert_int_equal(scalar(s, "SELECT sum(count) FROM contention"), 15);
	assert_int_equal(scalar(s, "SELECT count(*) FROM contention JOIN classes "
				   "ON classes.id = contention.class_id WHERE name IN "
				   "('ptlock_ptr(ptdesc)', '&rq->__lock', "
				   "'&mm_struct->page_table_lock')"), 3);
	lg_capture_free(cap);
	lg_store_close(s);
}

/*
 * Sightings counted in memory between flushes must all reach the store:
 * across batches, across a restart (a new capture on the stored graph),
 * with a new mode pair on a known edge, and when a name event turns an
 * unnamed lock into a class.
 */
static void test_counts_across_batches(void **state)
{
	struct lg_capture_config cfg = { 0 };
	struct lg_class_ref mm = ref(LG_CLASS_MMAP_LOCK, 0, 0, LG_MODE_r);
	struct lg_class_ref reclaim = ref(LG_CLASS_FS_RECLAIM, 0, 0, LG_MODE_W);
	struct lg_class_ref seq = ref(LG_CLASS_LOCKDEP, VM_SEQ_KEY, 0, LG_MODE_W);
	struct lg_name_event n = name_event(VM_SEQ_KEY, 0, "&vma->vm_sequence");
	struct lg_capture *cap;
	struct lg_chain_event e;
	struct lg_store *s;
	int64_t boot;

	(void)state;
	s = open_db("batches.db", &boot);
	cfg.store = s;
	cfg.boot = boot;
	e = chain_event(&mm, 1, reclaim, "a", 1);
	for (int session = 0; session < 2; session++) {
		assert_int_equal(lg_capture_new(&cfg, &cap), 0);
		for (int batch = 0; batch < 3; batch++) {
			for (int i = 0; i <= batch; i++)
				assert_int_equal(lg_capture_event(cap, &e,
								  sizeof(e)), 0);
			assert_int_equal(lg_capture_flush(cap), 0);
		}
		if (session == 1) {
			/* The held mmap_lock taken for write: a new pair. */
			e.held[0].mode = LG_MODE_W;
			assert_int_equal(lg_capture_event(cap, &e, sizeof(e)), 0);
			assert_int_equal(lg_capture_event(cap, &e, sizeof(e)), 0);
			/* Unnamed until its name arrives: then an edge. */
			e = chain_event(&seq, 1, reclaim, "b", 2);
			assert_int_equal(lg_capture_event(cap, &e, sizeof(e)), 0);
			assert_int_equal(lg_capture_event(cap, &n, sizeof(n)), 0);
			assert_int_equal(lg_capture_event(cap, &e, sizeof(e)), 0);
			assert_int_equal(lg_capture_flush(cap), 0);
			assert_int_equal(lg_capture_stats(cap)->unnamed, 1);
		}
		lg_capture_free(cap);
	}
	assert_int_equal(scalar(s, "SELECT count FROM edges e JOIN classes f "
				   "ON f.id = e.from_class WHERE f.name = "
				   "'&mm->mmap_lock'"), 14);
	assert_int_equal(scalar(s, "SELECT count(*) FROM edges e JOIN classes f "
				   "ON f.id = e.from_class WHERE f.name = "
				   "'&mm->mmap_lock' AND e.modes = 'W->W,r->W'"), 1);
	assert_int_equal(scalar(s, "SELECT eb.count FROM edge_boots eb JOIN edges "
				   "e ON e.id = eb.edge_id JOIN classes f ON "
				   "f.id = e.from_class WHERE f.name = "
				   "'&mm->mmap_lock'"), 14);
	assert_int_equal(scalar(s, "SELECT count FROM chains WHERE classes = "
				   "'&mm->mmap_lock -> fs_reclaim'"), 14);
	/* The unnamed sighting made a chain of the acquired lock alone. */
	assert_int_equal(scalar(s, "SELECT count FROM chains WHERE classes = "
				   "'fs_reclaim'"), 1);
	assert_int_equal(scalar(s, "SELECT count FROM edges e JOIN classes f "
				   "ON f.id = e.from_class WHERE f.name = "
				   "'&vma->vm_sequence'"), 1);
	assert_int_equal(scalar(s, "SELECT count(*) FROM edges"), 2);
	lg_store_close(s);
}

/*
 * Another program writes the reverse edge while the capture runs: the
 * circle it closes with the capture's edge is found at the next batch,
 * and a stored graph's circle is found by a capture that loads it.
 */
/*
 * One dependency closing two circles: T -> A -> F and T -> B -> C -> F,
 * then F -> T.  The check reports the shortest; the other is stored and
 * reported too (DESIGN.md: never stop after the first cycle), unless the
 * capture was asked for only the shortest (lockdep's way).
 */
static void test_dependency_closing_two_circles(void **state)
{
	struct lg_class_ref t = ref(LG_CLASS_MMAP_LOCK, 0, 0, LG_MODE_WRITE);
	struct lg_class_ref a = ref(LG_CLASS_I_MMAP_RWSEM, 0, 0, LG_MODE_WRITE);
	struct lg_class_ref b = ref(LG_CLASS_VMA_LOCK, 0, 0, LG_MODE_WRITE);
	struct lg_class_ref c = ref(LG_CLASS_RESV_MAP, 0, 0, LG_MODE_WRITE);
	struct lg_class_ref f = ref(LG_CLASS_FS_RECLAIM, 0, 0, LG_MODE_WRITE);
	const struct lg_class_ref *deps[][2] = {
		{ &t, &a }, { &a, &f }, { &t, &b }, { &b, &c }, { &c, &f },
		{ &f, &t },
	};

	(void)state;
	for (int only = 0; only < 2; only++) {
		struct lg_capture_config cfg = { .only_shortest = only };
		char *log = NULL, db[32];
		struct lg_capture *cap;
		struct lg_store *s;
		size_t loglen = 0;
		int64_t boot;

		snprintf(db, sizeof(db), "two-circles-%d.db", only);
		s = open_db(db, &boot);
		cfg.store = s;
		cfg.boot = boot;
		cfg.log = open_memstream(&log, &loglen);
		assert_non_null(cfg.log);
		assert_int_equal(lg_capture_new(&cfg, &cap), 0);
		for (size_t i = 0; i < sizeof(deps) / sizeof(deps[0]); i++) {
			struct lg_chain_event e =
				chain_event(deps[i][0], 1, *deps[i][1], "t", 1);

			assert_int_equal(lg_capture_event(cap, &e, sizeof(e)), 0);
		}
		assert_int_equal(lg_capture_flush(cap), 0);
		assert_int_equal(fclose(cfg.log), 0);
		assert_int_equal(lg_capture_stats(cap)->cycles, only ? 1 : 2);
		assert_int_equal(scalar(s, "SELECT count(*) FROM cycles"),
				 only ? 1 : 2);
		assert_int_equal(scalar(s, "SELECT count(*) FROM cycles WHERE "
					   "nclasses = 3"), 1);
		assert_int_equal(scalar(s, "SELECT count(*) FROM cycles WHERE "
					   "nclasses = 4"), only ? 0 : 1);
		/* each stored circle reported once, lockdep-style */
		{
			size_t reports = 0;

			for (const char *p = log;
			     (p = strstr(p, "possible circular locking")); p++)
				reports++;
			assert_int_equal(reports, only ? 1 : 2);
		}
		free(log);
		lg_capture_free(cap);
		lg_store_close(s);
	}
}

static void test_other_writer_closes_a_cycle(void **state)
{
	struct lg_capture_config cfg = { 0 };
	struct lg_class_ref mm = ref(LG_CLASS_MMAP_LOCK, 0, 0, LG_MODE_r);
	struct lg_class_ref reclaim = ref(LG_CLASS_FS_RECLAIM, 0, 0, LG_MODE_W);
	struct lg_store_edge seen = { .count = 1, .now = 2 };
	char err[LG_STORE_ERR_MAX];
	struct lg_recorder *rec;
	struct lg_capture *cap;
	struct lg_chain_event e;
	struct lg_store *s, *other;
	lg_class_id a, b;
	lg_edge_id edge;
	int64_t boot;

	(void)state;
	s = open_db("other-writer.db", &boot);
	cfg.store = s;
	cfg.boot = boot;
	/*
	 * Another writer (lockgraph ingest, say) loads the graph before the
	 * capture's first batch lands, then writes fs_reclaim ->
	 * &mm->mmap_lock: no circle in its graph.
	 */
	assert_int_equal(lg_store_open(tmpdir_path("other-writer.db"), 0,
				       &other, err), 0);
	assert_int_equal(lg_recorder_open(other, &rec), 0);
	assert_int_equal(lg_capture_new(&cfg, &cap), 0);
	e = chain_event(&mm, 1, reclaim, "a", 1);
	assert_int_equal(lg_capture_event(cap, &e, sizeof(e)), 0);
	assert_int_equal(lg_capture_flush(cap), 0);
	assert_int_equal(lg_store_begin(other), 0);
	assert_int_equal(lg_recorder_class(rec, "fs_reclaim", NULL, 2, &a), 0);
	assert_int_equal(lg_recorder_class(rec, "&mm->mmap_lock", NULL, 2, &b), 0);
	seen.boot = boot;
	seen.pairs = lg_mode_pair(LG_MODE_WRITE, LG_MODE_WRITE);
	assert_int_equal(lg_recorder_edge(rec, a, b, &seen, &edge, NULL), 0);
	assert_int_equal(lg_store_commit(other), 0);
	lg_recorder_free(rec);
	lg_store_close(other);
	assert_int_equal(scalar(s, "SELECT count(*) FROM cycles"), 0);

	/* The capture's next batch sees the other writer's edge. */
	assert_int_equal(lg_capture_event(cap, &e, sizeof(e)), 0);
	assert_int_equal(lg_capture_flush(cap), 0);
	assert_int_equal(scalar(s, "SELECT count(*) FROM cycles"), 1);
	assert_int_equal(lg_capture_stats(cap)->cycles, 1);
	/* Its caches were emptied with the graph: counts still add up. */
	assert_int_equal(lg_capture_event(cap, &e, sizeof(e)), 0);
	assert_int_equal(lg_capture_flush(cap), 0);
	assert_int_equal(scalar(s, "SELECT e.count FROM edges e JOIN classes f "
				   "ON f.id = e.from_class WHERE f.name = "
				   "'&mm->mmap_lock'"), 3);
	lg_capture_free(cap);

	/* A stored circle not in cycles (as a crash could leave): found. */
	assert_int_equal(sqlite3_exec(lg_store_db(s), "DELETE FROM cycle_edges; "
				      "DELETE FROM cycles", NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(lg_capture_new(&cfg, &cap), 0);
	assert_int_equal(lg_capture_event(cap, &e, sizeof(e)), 0);
	assert_int_equal(lg_capture_flush(cap), 0);
	assert_int_equal(scalar(s, "SELECT count(*) FROM cycles"), 1);
	lg_capture_free(cap);
	lg_store_close(s);
}

/* lockdep's shared key names get the fs type the key lies in. */
static void test_lockdep_names_per_fs_type(void **state)
{
	struct lg_class_ref hug = ref(LG_CLASS_LOCKDEP, 0xffffffff82a000b8ULL, 0, 0);
	struct lg_class_ref proc = ref(LG_CLASS_LOCKDEP, 0xffffffff82b000b8ULL, 0, 0);
	struct lg_class_ref other = ref(LG_CLASS_LOCKDEP, 0xffffffff82c00010ULL, 0, 0);
	struct lg_kallsyms *ks;
	struct lg_names *n = lg_names_new();
	char buf[160];
	FILE *f;

	(void)state;
	f = fopen(tmpdir_path("kallsyms"), "w");
	assert_non_null(f);
	fputs("ffffffff82a00000 d hugetlbfs_fs_type\n"
	      "ffffffff82a00100 d something_else\n"
	      "ffffffff82b00000 d proc_fs_type\n"
	      "ffffffff82b00100 d more\n"
	      "ffffffff82c00000 d __key.37\n"
	      "ffffffff82c00100 d last\n", f);
	fclose(f);
	assert_int_equal(lg_kallsyms_load(tmpdir_path("kallsyms"), &ks), 0);
	assert_int_equal(lg_names_set(n, &hug, "&sb->s_type->i_mutex_key"), 0);
	assert_int_equal(lg_names_set(n, &proc, "&sb->s_type->i_mutex_key"), 0);
	assert_int_equal(lg_names_set(n, &other, "&vma_lock->rw_sema"), 0);
	assert_int_equal(lg_class_name(&hug, n, ks, NULL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "&sb->s_type->i_mutex_key[hugetlbfs]");
	assert_int_equal(lg_class_name(&proc, n, ks, NULL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "&sb->s_type->i_mutex_key[proc]");
	assert_int_equal(lg_class_name(&other, n, ks, NULL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "&vma_lock->rw_sema");
	/* Without symbols, the name is lockdep's as it is. */
	assert_int_equal(lg_class_name(&hug, n, NULL, NULL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "&sb->s_type->i_mutex_key");
	/* The primitives source names the same lock the same way. */
	hug.kind = LG_CLASS_INODE;
	hug.key = 0xffffffff82a00000ULL;
	assert_int_equal(lg_class_name(&hug, n, ks, NULL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "&sb->s_type->i_mutex_key[hugetlbfs]");
	/*
	 * The contention source's name of the type read from the kernel
	 * (@where), for a kernel without data symbols; a name event's wins.
	 */
	assert_int_equal(lg_class_name(&hug, n, NULL, "hugetlbfs", buf,
				       sizeof(buf)), 0);
	assert_string_equal(buf, "&sb->s_type->i_mutex_key[hugetlbfs]");
	assert_int_equal(lg_class_name(&hug, n, NULL, "", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "&sb->s_type->i_mutex_key[unknown fs]");
	hug.subclass = 1;
	assert_int_equal(lg_names_set(n, &hug, "ext4"), 0);
	assert_int_equal(lg_class_name(&hug, n, NULL, "hugetlbfs", buf,
				       sizeof(buf)), 0);
	assert_string_equal(buf, "&type->i_mutex_dir_key[ext4]");
	lg_names_free(n);
	lg_kallsyms_free(ks);
}

/*
 * Five lockdep keys are named "lock" on the 6.1 lockdep kernel (the static
 * mutex of __lru_add_drain_all(), per-cpu local_locks, ...): merged into one
 * class they made a false "(work_completion)(work) -> lock -> ..." cycle.
 */
static void test_lockdep_same_name_other_key(void **state)
{
	struct lg_class_ref a = ref(LG_CLASS_LOCKDEP, 0xffff88807d7e9700ULL, 0, 0);
	struct lg_class_ref b = ref(LG_CLASS_LOCKDEP, 0xffffffff81eea838ULL, 0, 0);
	struct lg_class_ref c = ref(LG_CLASS_LOCKDEP, 0xffffffff81edaab0ULL, 1, 0);
	struct lg_names *n = lg_names_new();
	char buf[160];

	(void)state;
	assert_int_equal(lg_names_set(n, &a, "lock"), 0);
	assert_int_equal(lg_names_set(n, &b, "lock"), 0);
	assert_int_equal(lg_names_set(n, &c, "lock"), 0);
	/* the same key named again keeps its place */
	assert_int_equal(lg_names_set(n, &b, "lock"), 0);
	assert_int_equal(lg_class_name(&a, n, NULL, NULL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "lock");
	assert_int_equal(lg_class_name(&b, n, NULL, NULL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "lock#2");
	assert_int_equal(lg_class_name(&c, n, NULL, NULL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "lock#3/1");
	lg_names_free(n);
}

/*
 * An address far past the last symbol is no symbol's: the Debian cloud
 * kernel with no module loaded ends with __init_scratch_end, and BPF JIT
 * code in module space read as "__init_scratch_end+0x25e141e5".
 */
static void test_kallsyms_past_last_symbol(void **state)
{
	struct lg_kallsyms *ks;
	char buf[160];
	FILE *f;

	(void)state;
	f = fopen(tmpdir_path("kallsyms"), "w");
	assert_non_null(f);
	fputs("ffffffff81000000 T _text\n"
	      "ffffffff81000100 T down_write\n"
	      "ffffffff81000170 T down_read\n"
	      "ffffffff83400000 B __init_scratch_end\n", f);
	fclose(f);
	assert_int_equal(lg_kallsyms_load(tmpdir_path("kallsyms"), &ks), 0);
	assert_string_equal(lg_kallsyms_format(ks, 0xffffffff81000105ULL, buf,
					       sizeof(buf)), "down_write");
	assert_string_equal(buf, "down_write+0x5/0x70");
	assert_non_null(lg_kallsyms_format(ks, 0xffffffff83400010ULL, buf,
					   sizeof(buf)));
	assert_string_equal(buf, "__init_scratch_end+0x10");
	assert_null(lg_kallsyms_format(ks, 0xffffffffc0a1e1e5ULL, buf,
				       sizeof(buf)));
	assert_string_equal(buf, "0xffffffffc0a1e1e5");
	lg_kallsyms_free(ks);
}

static int count_only(const void *data, size_t size, size_t offset, void *ctx)
{
	(void)data;
	(void)size;
	(void)offset;
	++*(int *)ctx;
	return 0;
}

static void test_corrupt_recordings(void **state)
{
	const char *good = tmpdir_path("good.rec"), *cut = tmpdir_path("cut.rec");
	struct lg_record_header hdr;
	char why[160], cmd[512];
	int n = 0;
	FILE *f;

	(void)state;
	write_seed003_recording(good);
	/* Cut in the middle of the third event. */
	snprintf(cmd, sizeof(cmd), "head -c %zu '%s' > '%s'",
		 sizeof(struct lg_record_header) + sizeof(struct lg_name_event) +
			 sizeof(struct lg_chain_event) + 100,
		 good, cut);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(lg_replay(cut, &hdr, count_only, &n, why, sizeof(why)),
			 -EBADMSG);
	assert_int_equal(n, 2);
	assert_non_null(strstr(why, "truncated event at byte offset"));

	/* A size that cannot be. */
	f = fopen(cut, "r+b");
	assert_non_null(f);
	assert_int_equal(fseek(f, (long)sizeof(struct lg_record_header) + 4,
			       SEEK_SET), 0);
	fputc(0xff, f);
	fputc(0xff, f);
	fputc(0xff, f);
	fclose(f);
	n = 0;
	assert_int_equal(lg_replay(cut, &hdr, count_only, &n, why, sizeof(why)),
			 -EBADMSG);
	assert_non_null(strstr(why, "corrupt event size"));
	assert_non_null(strstr(why, "byte offset 184"));

	/* Not a recording at all. */
	assert_int_equal(lg_replay("tests/corpus/seed-003-khugepaged.txt", &hdr,
				   count_only, &n, why, sizeof(why)),
			 -EBADMSG);
	assert_non_null(strstr(why, "not a lockgraphd recording"));
	assert_int_equal(lg_replay(tmpdir_path("none.rec"), &hdr, count_only, &n,
				   why, sizeof(why)),
			 -ENOENT);
}

/*
 * A chain whose key already holds another chain's text (a hash collision,
 * planted: no two real chain texts are known to collide) is not merged
 * into it: its sightings are counted as the drop chain_key_collision,
 * and the other chains of the batch land as usual.
 */
static void test_chain_key_collision_is_a_drop(void **state)
{
	const char *text = "&mm->mmap_lock -> fs_reclaim";
	struct lg_capture_config cfg = { 0 };
	struct lg_class_ref mm = ref(LG_CLASS_MMAP_LOCK, 0, 0, LG_MODE_r);
	struct lg_class_ref reclaim = ref(LG_CLASS_FS_RECLAIM, 0, 0, LG_MODE_W);
	struct lg_capture *cap;
	struct lg_chain_event e;
	struct lg_store *s;
	char sql[256];
	int64_t boot;

	(void)state;
	s = open_db("collide.db", &boot);
	snprintf(sql, sizeof(sql), "INSERT INTO chains (id, classes, count, "
		 "first_seen, last_seen) VALUES (%lld, 'x -> y', 4, 1, 1)",
		 (long long)lg_chain_key(text, strlen(text)));
	assert_int_equal(sqlite3_exec(lg_store_db(s), sql, NULL, NULL, NULL),
			 SQLITE_OK);
	cfg.store = s;
	cfg.boot = boot;
	assert_int_equal(lg_capture_new(&cfg, &cap), 0);
	e = chain_event(&mm, 1, reclaim, "a", 1);
	for (int i = 0; i < 3; i++)
		assert_int_equal(lg_capture_event(cap, &e, sizeof(e)), 0);
	e = chain_event(&reclaim, 0, reclaim, "a", 1);
	assert_int_equal(lg_capture_event(cap, &e, sizeof(e)), 0);
	assert_int_equal(lg_capture_flush(cap), 0);
	assert_int_equal(lg_capture_stats(cap)->chain_collisions, 3);
	assert_int_equal(scalar(s, "SELECT count FROM drops WHERE source = "
				   "'daemon' AND reason = 'chain_key_collision'"), 3);
	assert_int_equal(scalar(s, "SELECT count FROM chains WHERE classes = "
				   "'x -> y' AND last_seen = 1"), 4);
	assert_int_equal(scalar(s, "SELECT count FROM chains WHERE classes = "
				   "'fs_reclaim'"), 1);
	assert_int_equal(scalar(s, "SELECT count(*) FROM chains"), 2);
	/* The edge itself is not a chain: counted as usual. */
	assert_int_equal(scalar(s, "SELECT count FROM edges"), 3);
	lg_capture_free(cap);
	lg_store_close(s);
}

/* ---- a replay's whole database, against the golden dump ---------------- */

#define GOLDEN "tests/fixtures/replay-synthetic.dump"
#define SYN_TEXT 0xffffffff81000000ULL	/* fake kernel text, 0x100 a function */
#define SYN_DATA 0xffffffff82000000ULL	/* fake static locks, 0x40 apart */
#define SYN_KEYS 0xffffffff83000000ULL	/* lockdep keys, 0x40 apart */
#define SYN_LOCKDEP 40
#define SYN_FUNCS 24

static uint64_t syn_rand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/*
 * The kallsyms the synthetic recording is symbolised with: the probe's own
 * functions (stripped), lock primitives, call sites, three static locks.
 */
static void write_syn_kallsyms(const char *path)
{
	static const char *const text[] = {
		"bpf_trace_run2", "__traceiter_lock_acquire", "down_write",
		"mutex_lock", "_raw_spin_lock",
	};
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	for (size_t i = 0; i < 5; i++)
		fprintf(f, "%016llx T %s\n",
			(unsigned long long)(SYN_TEXT + i * 0x100), text[i]);
	for (int i = 0; i < SYN_FUNCS; i++)
		fprintf(f, "%016llx T site_%02d\n",
			(unsigned long long)(SYN_TEXT + (5 + (unsigned)i) * 0x100), i);
	fprintf(f, "%016llx T _etext\n",
		(unsigned long long)(SYN_TEXT + (5 + SYN_FUNCS) * 0x100));
	for (int i = 0; i < 3; i++)
		fprintf(f, "%016llx d static_lock_%d\n",
			(unsigned long long)(SYN_DATA + (unsigned)i * 0x40), i);
	fprintf(f, "%016llx d data_end\n", (unsigned long long)(SYN_DATA + 0x100));
	assert_int_equal(fclose(f), 0);
}

/* Class @i of the synthetic recording, in rank order (0 is taken first). */
static struct lg_class_ref syn_class(unsigned int i, unsigned int mode)
{
	static const unsigned int kinds[] = {
		LG_CLASS_MMAP_LOCK, LG_CLASS_I_MMAP_RWSEM, LG_CLASS_VMA_LOCK,
		LG_CLASS_RESV_MAP, LG_CLASS_HUGETLB_FAULT_MUTEX, LG_CLASS_FS_RECLAIM,
	};

	if (i < 6)
		return ref(kinds[i], 0, 0, mode);
	if (i < 6 + SYN_LOCKDEP)
		return ref(LG_CLASS_LOCKDEP, SYN_KEYS + (i - 6) / 2 * 0x40,
			   (i - 6) % 2, mode);
	/* three static locks, three dynamic ones (named by their caller) */
	i -= 6 + SYN_LOCKDEP;
	return ref(LG_CLASS_ADDR, i < 3 ? SYN_DATA + i * 0x40 :
				  0xffff888012340000ULL + i * 0x1000, 0, mode);
}

#define SYN_CLASSES (6 + SYN_LOCKDEP + 6)

/*
 * A deterministic stream shaped like the probes': held stacks of 1 to 4
 * locks mostly in rank order with a few inversions (cycles), trylocks,
 * read and write modes, chains repeated (the same held list and acquired
 * lock again, from other tasks and call sites), lockdep names sent before
 * first use except one key named only half-way (unnamed until then),
 * stacks with and without frames, and two malformed events.
 */
static void write_syn_recording(const char *path, unsigned int nevents)
{
	struct lg_record_header hdr = { .boot_id = "synthetic-boot",
					.release = "6.18.0-synthetic",
					.hostname = "synthetic" };
	static struct lg_chain_event pool[256];
	bool named[SYN_LOCKDEP / 2] = { false };
	unsigned int npool = 0;
	uint64_t x = 0x2545f4914f6cdd1dULL;
	FILE *f;

	assert_int_equal(lg_record_create(path, &hdr, &f), 0);
	for (unsigned int n = 0; n < nevents; n++) {
		struct lg_class_ref held[4];
		struct lg_chain_event e;
		unsigned int nheld = 1 + (unsigned int)(syn_rand(&x) % 4);
		unsigned int r = (unsigned int)(syn_rand(&x) % (SYN_CLASSES - 8));

		if (npool && syn_rand(&x) % 100 < 60) {
			e = pool[syn_rand(&x) % npool];
		} else {
			for (unsigned int k = 0; k < nheld; k++) {
				held[k] = syn_class(r, (unsigned int)(syn_rand(&x) % 3));
				held[k].trylock = syn_rand(&x) % 100 < 5;
				r += 1 + (unsigned int)(syn_rand(&x) % 2);
			}
			/* now and then the inversion: taken above the bottom */
			if (syn_rand(&x) % 100 < 2 && held[0].kind != LG_CLASS_ADDR)
				r = r > 4 ? r - 4 - nheld * 2 : 0;
			e = chain_event(held, nheld,
					syn_class(r % SYN_CLASSES,
						  (unsigned int)(syn_rand(&x) % 2)),
					"task", 0);
			e.acquired.trylock = syn_rand(&x) % 100 < 4;
			if (npool < 256)
				pool[npool++] = e;
		}
		e.source = (__u8)(syn_rand(&x) % 3);
		e.pid = e.tgid = 100 + (__u32)(syn_rand(&x) % 7);
		snprintf(e.comm, sizeof(e.comm), "task%u", e.pid % 5);
		e.nframes = syn_rand(&x) % 10 ? 4 : 0;
		e.stack_err = e.nframes ? 0 : -14;
		e.stack[0] = SYN_TEXT + 0x10;		/* bpf_trace_run2 */
		e.stack[1] = SYN_TEXT + 0x100 + 0x20;	/* __traceiter_ */
		e.stack[2] = SYN_TEXT + (2 + syn_rand(&x) % 3) * 0x100 + 0x8;
		e.stack[3] = SYN_TEXT + (5 + syn_rand(&x) % SYN_FUNCS) * 0x100 +
			     syn_rand(&x) % 0x100;
		/* the lockdep names, each before first use but one */
		for (unsigned int k = 0; k <= e.nheld; k++) {
			const struct lg_class_ref *c = k < e.nheld ? &e.held[k] :
								     &e.acquired;
			unsigned int key = (unsigned int)((c->key - SYN_KEYS) / 0x40);
			struct lg_name_event ne;
			char name[32];

			if (c->kind != LG_CLASS_LOCKDEP || named[key] ||
			    (key == 5 && n < nevents / 2))
				continue;
			named[key] = true;
			/* two keys share a name: told apart as lockdep does */
			snprintf(name, sizeof(name), "&syn->lock_%u",
				 key == 7 ? 3 : key);
			ne = name_event(c->key, 0, name);
			assert_int_equal(lg_record_write(f, &ne, sizeof(ne)), 0);
		}
		if (n == nevents / 3 || n == nevents / 3 * 2) {
			struct lg_chain_event bad = e;

			bad.nheld = LG_HELD_MAX + 1;
			assert_int_equal(lg_record_write(f, &bad, sizeof(bad)), 0);
		}
		assert_int_equal(lg_record_write(f, &e, sizeof(e)), 0);
	}
	assert_int_equal(fclose(f), 0);
}

/* Every row @sql gives, cells joined by '|', one line each, into @out. */
static void dump_rows(struct lg_store *s, const char *sql, FILE *out)
{
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_prepare_v2(lg_store_db(s), sql, -1, &st, NULL),
			 SQLITE_OK);
	fprintf(out, "## %s\n", sql);
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (int i = 0; i < sqlite3_column_count(st); i++) {
			const unsigned char *t = sqlite3_column_text(st, i);

			fprintf(out, "%s", i ? "|" : "");
			for (const unsigned char *c = t; c && *c; c++) {
				if (*c == '\n')
					fputs("\\n", out);
				else
					fputc(*c, out);
			}
			if (!t)
				fputs("NULL", out);
		}
		fputc('\n', out);
	}
	assert_int_equal(sqlite3_finalize(st), SQLITE_OK);
}

/*
 * What a replay leaves in the database, by names and in arrival order, and
 * the capture's counters; times (wall clock) are left out.
 */
static void dump_db(struct lg_store *s, const struct lg_capture_stats *st,
		    FILE *out)
{
	static const char *const sql[] = {
		"SELECT id, name, usage FROM classes ORDER BY id",
		"SELECT e.id, f.name, t.name, e.modes, e.count, fs.frames, "
		"e.from_task, ts.frames, e.to_task FROM edges e "
		"JOIN classes f ON f.id = e.from_class "
		"JOIN classes t ON t.id = e.to_class "
		"LEFT JOIN stacks fs ON fs.id = e.from_stack "
		"LEFT JOIN stacks ts ON ts.id = e.to_stack ORDER BY e.id",
		"SELECT edge_id, boot_id, count FROM edge_boots ORDER BY 1, 2",
		"SELECT id, frames FROM stacks ORDER BY id",
		"SELECT classes, count FROM chains ORDER BY classes",
		("SELECT id, signature, nclasses, status, origin, closing_edge, "
		 "report FROM cycles ORDER BY id"),
		"SELECT cycle_id, pos, edge_id FROM cycle_edges ORDER BY 1, 2",
		"SELECT boot_id, source, reason, count FROM drops ORDER BY 1, 2, 3",
	};

	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++)
		dump_rows(s, sql[i], out);
	fprintf(out, "## stats\nevents %llu bad %llu chains %llu deps %llu "
		"cycles %llu unnamed %llu batches %llu sources %llu %llu %llu\n",
		(unsigned long long)st->events, (unsigned long long)st->bad_events,
		(unsigned long long)st->chains, (unsigned long long)st->deps,
		(unsigned long long)st->cycles, (unsigned long long)st->unnamed,
		(unsigned long long)st->batches,
		(unsigned long long)st->per_source[0],
		(unsigned long long)st->per_source[1],
		(unsigned long long)st->per_source[2]);
}

/* Is @p a "2026-11-22 00:44:27" time (19 characters)? */
static bool is_time(const char *p)
{
	static const char shape[] = "dddd-dd-dd dd:dd:dd";

	for (size_t i = 0; i < sizeof(shape) - 1; i++)
		if (shape[i] == 'd' ? p[i] < '0' || p[i] > '9' : p[i] != shape[i])
			return false;
	return true;
}

/* The cycle reports logged, each time in them written "T". */
static void dump_log(const char *log, FILE *out)
{
	fprintf(out, "## log\n");
	for (const char *p = log; *p; p++) {
		if (is_time(p)) {
			fputc('T', out);
			p += 18;
		} else {
			fputc(*p, out);
		}
	}
}

static int feed_batches(const void *data, size_t size, size_t offset,
			void *ctx)
{
	struct feed *fd = ctx;
	int err;

	(void)offset;
	err = lg_capture_event(fd->cap, data, size);
	if (err == -EBADMSG)
		err = 0;
	/* a batch every 700 events, as a live capture flushes */
	if (!err && ++fd->events % 700 == 0)
		err = lg_capture_flush(fd->cap);
	return err;
}

/*
 * One replay of the synthetic recording, in batches, with stacks
 * symbolised: the database and counters must be exactly the golden dump
 * (made by the capture before the chain memo and keyed chains: the same
 * edges, chains, classes, counts, cycles, drops and stacks).  Regenerate
 * it only for a change that means to change what is stored:
 * LG_GOLDEN_WRITE=1 build/tests/test_capture.
 */
static void test_replay_contents_golden(void **state)
{
	const char *rec = tmpdir_path("syn.rec");
	char why[160] = "", *got = NULL, *log = NULL, *want;
	const char *rewritten;
	struct lg_capture_config cfg = { 0 };
	struct lg_record_header hdr;
	struct lg_kallsyms *ks;
	struct feed fd = { 0 };
	size_t gotlen = 0, loglen = 0, wantlen;
	struct lg_store *s;
	int64_t boot;
	FILE *out;

	(void)state;
	write_syn_kallsyms(tmpdir_path("syn.kallsyms"));
	assert_int_equal(lg_kallsyms_load(tmpdir_path("syn.kallsyms"), &ks), 0);
	write_syn_recording(rec, 6000);
	s = open_db("syn.db", &boot);
	cfg.store = s;
	cfg.boot = boot;
	cfg.ks = ks;
	/* the whole database pinned: lockdep's one circle per dependency */
	cfg.only_shortest = true;
	cfg.log = open_memstream(&log, &loglen);
	assert_non_null(cfg.log);
	assert_int_equal(lg_capture_new(&cfg, &fd.cap), 0);
	assert_int_equal(lg_replay(rec, &hdr, feed_batches, &fd, why,
				   sizeof(why)), 0);
	assert_int_equal(lg_capture_drop(fd.cap, "daemon", "unnamed_lock",
					 lg_capture_stats(fd.cap)->unnamed), 0);
	assert_int_equal(lg_capture_flush(fd.cap), 0);
	assert_int_equal(fclose(cfg.log), 0);

	out = open_memstream(&got, &gotlen);
	assert_non_null(out);
	dump_db(s, lg_capture_stats(fd.cap), out);
	dump_log(log, out);
	assert_int_equal(fclose(out), 0);
	/* What the dump must at least show, golden or not. */
	assert_true(lg_capture_stats(fd.cap)->cycles > 0);
	assert_true(lg_capture_stats(fd.cap)->unnamed > 0);
	assert_int_equal(lg_capture_stats(fd.cap)->bad_events, 2);
	assert_true(scalar(s, "SELECT count(*) FROM stacks") > 0);
	assert_true(scalar(s, "SELECT count(*) FROM classes WHERE name LIKE "
			      "'lock@site_%'") > 0);
	assert_true(scalar(s, "SELECT max(count) FROM chains") > 1);
	/* Every chain under the key of its text (schema 4). */
	assert_int_equal(scalar(s, "SELECT count(*) FROM chains WHERE "
				   "id <> lg_chain_key(classes)"), 0);
	rewritten = getenv("LG_GOLDEN_WRITE");
	if (rewritten) {
		out = fopen(GOLDEN, "w");
		assert_non_null(out);
		fputs(got, out);
		assert_int_equal(fclose(out), 0);
	}
	want = slurp(GOLDEN, &wantlen);
	if (!want)
		fail_msg("%s: cannot read", GOLDEN);
	if (!rewritten && (wantlen != gotlen || memcmp(want, got, gotlen))) {
		size_t i = 0, line = 1;

		while (i < gotlen && i < wantlen && want[i] == got[i])
			line += want[i++] == '\n';
		while (i && want[i - 1] != '\n')
			i--;
		fail_msg("%s: the replay's database differs from line %zu: "
			 "wanted \"%.160s\", got \"%.160s\"", GOLDEN, line,
			 want + i, got + i);
	}
	free(want);
	free(got);
	free(log);
	lg_capture_free(fd.cap);
	lg_kallsyms_free(ks);
	lg_store_close(s);
	if (rewritten) {
		/* a file written from what it is compared with proves nothing */
		print_message("%s rewritten from this run (LG_GOLDEN_WRITE): "
			      "review its diff\n", GOLDEN);
		skip();
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_seed003_gives_the_cycle),
		cmocka_unit_test(test_trylock_and_recursion_add_no_edge),
		cmocka_unit_test(test_bad_events_refused),
		cmocka_unit_test(test_dependency_closing_two_circles),
		cmocka_unit_test(test_unnamed_locks_left_out),
		cmocka_unit_test(test_dynamic_lock_classes),
		cmocka_unit_test(test_counts_across_batches),
		cmocka_unit_test(test_other_writer_closes_a_cycle),
		cmocka_unit_test(test_lockdep_names_per_fs_type),
		cmocka_unit_test(test_kallsyms_past_last_symbol),
		cmocka_unit_test(test_lockdep_same_name_other_key),
		cmocka_unit_test(test_corrupt_recordings),
		cmocka_unit_test(test_chain_key_collision_is_a_drop),
		cmocka_unit_test(test_replay_contents_golden),
	};

	return cmocka_run_group_tests_name("capture", tests, tmpdir_setup,
					   tmpdir_teardown);
}
