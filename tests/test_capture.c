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
	assert_int_equal(lg_capture_flush(cap), 0);
	assert_int_equal(lg_capture_stats(cap)->unnamed, 3);
	assert_int_equal(lg_capture_stats(cap)->unnamed_waits, 3);
	assert_int_equal(scalar(s, "SELECT count(*) FROM contention"), 0);
	assert_int_equal(scalar(s, "SELECT count(*) FROM edges"), 1);
	assert_int_equal(scalar(s, "SELECT count(*) FROM classes WHERE name "
				   "LIKE '%nrecognised%'"), 0);
	lg_capture_free(cap);
	lg_store_close(s);
}

/*
 * The contention source's classes for locks in dynamic memory: a split
 * page-table lock has lockdep's one name; a slab lock is named by what
 * lockgraphd made of its object (passed as @where), and without that name
 * (its cache not found) it is left out and its waits counted, never stored
 * under a made-up name.
 */
static void test_dynamic_lock_classes(void **state)
{
	struct lg_contention_stats waits = { .count = 5, .total_ns = 700, .max_ns = 300 };
	struct lg_class_ref pt = ref(LG_CLASS_PTLOCK, 0, 0, LG_MODE_W);
	struct lg_class_ref slab = ref(LG_CLASS_SLAB,
				       LG_SLAB_KEY(0xffffffff82a4c0e0ULL, 0x78),
				       0, LG_MODE_W);
	struct lg_capture_config cfg = { 0 };
	struct lg_capture *cap;
	struct lg_store *s;
	int64_t boot;

	(void)state;
	assert_int_equal(LG_SLAB_CACHE(slab.key), 0xffffffff82a4c0e0ULL);
	assert_int_equal(LG_SLAB_OFF(slab.key), 0x78);
	s = open_db("dynamic.db", &boot);
	cfg.store = s;
	cfg.boot = boot;
	assert_int_equal(lg_capture_new(&cfg, &cap), 0);
	assert_int_equal(lg_capture_contention(cap, &pt, LG_LCB_F_SPIN, NULL,
					       &waits), 0);
	assert_int_equal(lg_capture_contention(cap, &slab, LG_LCB_F_SPIN,
					       "&mm_struct->page_table_lock",
					       &waits), 0);
	assert_int_equal(lg_capture_contention(cap, &slab, LG_LCB_F_SPIN, NULL,
					       &waits), 0);
	assert_int_equal(lg_capture_flush(cap), 0);
	assert_int_equal(lg_capture_stats(cap)->unnamed_waits, 5);
	assert_int_equal(scalar(s, "SELECT sum(count) FROM contention"), 10);
	assert_int_equal(scalar(s, "SELECT count(*) FROM contention JOIN classes "
				   "ON classes.id = contention.class_id WHERE name IN "
				   "('ptlock_ptr(ptdesc)', "
				   "'&mm_struct->page_table_lock')"), 2);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_seed003_gives_the_cycle),
		cmocka_unit_test(test_trylock_and_recursion_add_no_edge),
		cmocka_unit_test(test_bad_events_refused),
		cmocka_unit_test(test_unnamed_locks_left_out),
		cmocka_unit_test(test_dynamic_lock_classes),
		cmocka_unit_test(test_counts_across_batches),
		cmocka_unit_test(test_lockdep_names_per_fs_type),
		cmocka_unit_test(test_kallsyms_past_last_symbol),
		cmocka_unit_test(test_lockdep_same_name_other_key),
		cmocka_unit_test(test_corrupt_recordings),
	};

	return cmocka_run_group_tests_name("capture", tests, tmpdir_setup,
					   tmpdir_teardown);
}
