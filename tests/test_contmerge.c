/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The contention reader's merge (daemon/contmerge.c) without BPF: per-CPU
 * elements of the "cont_cpu" map made by hand the way the programs of
 * bpf/contention.bpf.c leave them (a slot mid hand-over, a slot copied
 * between the addition of its count and of its time, a spill ring that
 * wraps, one that is full, one that claims more than it holds), read
 * into a real capture and SQLite store.  What the store holds must be
 * exactly what the programs timed, each wait once, its time with it.
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

#include "capture.h"
#include "contmerge.h"

#define NCPUS 2

/* The merge's sink: the capture lockgraphd's own callback feeds. */
struct sink {
	struct lg_capture *cap;
	struct lg_store *store;
	unsigned int calls;
	int fail_next; /* returned by the next call, once */
	__u64 lock[LG_CLASS_KIND_COUNT]; /* each kind's cur->lock, last call */
};

static int to_capture(struct lg_cont_seen *cur,
		      const struct lg_contention_stats *delta, void *ctx)
{
	struct sink *k = ctx;
	int err = k->fail_next;

	k->calls++;
	assert_true(delta->count || delta->total_ns);
	assert_true(cur->key.class.kind < LG_CLASS_KIND_COUNT);
	k->lock[cur->key.class.kind] = cur->lock;
	if (err) {
		k->fail_next = 0;
		return err;
	}
	return lg_capture_contention(k->cap, &cur->key.class, cur->key.flags,
				     NULL, delta);
}

static void sink_open(struct sink *k, const char *name)
{
	char err[LG_STORE_ERR_MAX];
	struct lg_capture_config cfg = { 0 };
	int64_t host, boot;

	memset(k, 0, sizeof(*k));
	assert_int_equal(lg_store_open(tmpdir_path(name), 0, &k->store, err), 0);
	assert_int_equal(lg_store_host(k->store, "merge-box", 1, &host), 0);
	assert_int_equal(lg_store_boot(k->store, host, "merge-boot", NULL,
				       "lockgraphd", NULL, 1, &boot), 0);
	cfg.store = k->store;
	cfg.boot = boot;
	assert_int_equal(lg_capture_new(&cfg, &k->cap), 0);
}

static void sink_close(struct sink *k)
{
	lg_capture_free(k->cap);
	lg_store_close(k->store);
}

/* Commit and read back @class's stored count and time. */
static void stored(struct sink *k, const char *class, int64_t *count,
		   int64_t *ns)
{
	char sql[256];

	assert_int_equal(lg_capture_flush(k->cap), 0);
	snprintf(sql, sizeof(sql), "SELECT coalesce(sum(count), 0) FROM "
		 "contention JOIN classes ON classes.id = contention.class_id "
		 "WHERE classes.name = '%s'", class);
	*count = scalar(k->store, sql);
	snprintf(sql, sizeof(sql), "SELECT coalesce(sum(total_wait_ns), 0) FROM "
		 "contention JOIN classes ON classes.id = contention.class_id "
		 "WHERE classes.name = '%s'", class);
	*ns = scalar(k->store, sql);
}

static void assert_stored(struct sink *k, const char *class, int64_t count,
			  int64_t ns)
{
	int64_t c, t;

	stored(k, class, &c, &t);
	assert_int_equal(c, count);
	assert_int_equal(t, ns);
}

/* Keys of classes named without symbols (lockdep's names). */
static struct lg_contention_key key_of(unsigned int kind, __u32 flags)
{
	struct lg_contention_key k;

	memset(&k, 0, sizeof(k));
	k.class.kind = kind;
	k.flags = flags;
	k.stack_id = -1;
	return k;
}

#define MMAP_R key_of(LG_CLASS_MMAP_LOCK, LG_LCB_F_READ)
#define PTLOCK key_of(LG_CLASS_PTLOCK, LG_LCB_F_SPIN)
#define FAULT key_of(LG_CLASS_HUGETLB_FAULT_MUTEX, LG_LCB_F_MUTEX)
#define MMAP_NAME "&mm->mmap_lock"
#define PTLOCK_NAME "ptlock_ptr(ptdesc)"
#define FAULT_NAME "&hugetlb_fault_mutex_table[i]"

/* A wait of @ns for @lock into @cpu's slot @i, as lg_account() adds it. */
static void wait_at(struct lg_cont_cpu *cpu, int i,
		    struct lg_contention_key key, __u64 lock, __u64 ns)
{
	struct lg_cont_slot *sl = &cpu->slot[i];

	cpu->timed++;
	cpu->timed_ns += ns;
	if (sl->st.count && !memcmp(&sl->key, &key, sizeof(key))) {
		sl->st.count++;
		sl->st.total_ns += ns;
		if (ns > sl->st.max_ns)
			sl->st.max_ns = ns;
		return;
	}
	/* the hand-over, whole (lg_take_slot()) */
	if (sl->st.count) {
		struct lg_cont_spill *e =
			&cpu->spill[cpu->spill_head % LG_CONT_NSPILL];

		e->key = sl->key;
		e->st = sl->st;
		cpu->spill_head++;
	}
	sl->gen++;
	sl->key = key;
	sl->lock = lock;
	sl->st.count = 1;
	sl->st.total_ns = ns;
	sl->st.max_ns = ns;
	sl->gen_done = sl->gen;
}

#define SOME_LOCK 0xffff888100042000ULL

static void wait_in(struct lg_cont_cpu *cpu, int i,
		    struct lg_contention_key key, __u64 ns)
{
	wait_at(cpu, i, key, SOME_LOCK, ns);
}

static struct lg_cont_cpu *cpus_new(void)
{
	struct lg_cont_cpu *c = calloc(NCPUS, sizeof(*c));

	assert_non_null(c);
	return c;
}

/*
 * A slot read while another key takes it: the old key's figures already
 * in the ring, the slot marked (gen ahead of gen_done).  The read skips
 * the slot and takes the entry; the next read finds the new key; every
 * wait is delivered once.
 */
static void test_slot_mid_handover(void **state)
{
	struct lg_cont_cpu *cpus = cpus_new();
	struct lg_cont_slot *sl = &cpus[0].slot[LG_CONT_SLOT_FIRST_HASHED];
	struct lg_cont_merge m;
	struct sink k;

	(void)state;
	sink_open(&k, "handover.db");
	assert_int_equal(lg_cont_merge_init(&m, NCPUS), 0);
	for (int i = 0; i < 3; i++)
		wait_in(&cpus[0], LG_CONT_SLOT_FIRST_HASHED, MMAP_R, 100);
	assert_int_equal(lg_cont_merge(&m, cpus, to_capture, &k), 0);
	assert_stored(&k, MMAP_NAME, 3, 300);
	/* one more wait, then the hand-over to the page-table lock, halfway */
	wait_in(&cpus[0], LG_CONT_SLOT_FIRST_HASHED, MMAP_R, 100);
	sl->gen++;
	cpus[0].spill[0].key = sl->key;
	cpus[0].spill[0].st = sl->st;
	cpus[0].spill_head = 1;
	sl->key = PTLOCK;
	sl->st.count = 1;
	cpus[0].timed++;
	cpus[0].timed_ns += 50;
	assert_int_equal(lg_cont_merge(&m, cpus, to_capture, &k), 0);
	assert_stored(&k, MMAP_NAME, 4, 400);
	assert_stored(&k, PTLOCK_NAME, 0, 0);
	/* the hand-over done */
	sl->st.total_ns = 50;
	sl->st.max_ns = 50;
	sl->gen_done = sl->gen;
	assert_int_equal(lg_cont_merge(&m, cpus, to_capture, &k), 0);
	assert_stored(&k, MMAP_NAME, 4, 400);
	assert_stored(&k, PTLOCK_NAME, 1, 50);
	assert_int_equal(m.timed, 5);
	assert_int_equal(m.delivered, m.timed);
	assert_int_equal(m.delivered_ns, m.timed_ns);
	assert_int_equal(m.spilled, 1);
	lg_cont_merge_free(&m);
	sink_close(&k);
	free(cpus);
}

/*
 * A slot copied between the addition of a wait's count and of its time
 * (lg_add() is two stores): the wait is counted with no time, its time
 * comes at the next read as a delta of time alone, and is stored, not
 * lost.  A read with less time than delivered (the key's figures moving
 * from a slot to a ring entry the copy missed) is skipped whole.
 */
static void test_torn_count_and_time(void **state)
{
	struct lg_cont_cpu *cpus = cpus_new();
	struct lg_cont_slot *sl = &cpus[1].slot[LG_CONT_SLOT_FAULT_MUTEX];
	struct lg_cont_merge m;
	struct sink k;

	(void)state;
	sink_open(&k, "torn.db");
	assert_int_equal(lg_cont_merge_init(&m, NCPUS), 0);
	wait_in(&cpus[1], LG_CONT_SLOT_FAULT_MUTEX, FAULT, 300);
	wait_in(&cpus[1], LG_CONT_SLOT_FAULT_MUTEX, FAULT, 200);
	assert_int_equal(lg_cont_merge(&m, cpus, to_capture, &k), 0);
	assert_stored(&k, FAULT_NAME, 2, 500);
	/* the count added, the time not yet */
	sl->st.count++;
	assert_int_equal(lg_cont_merge(&m, cpus, to_capture, &k), 0);
	assert_stored(&k, FAULT_NAME, 3, 500);
	sl->st.total_ns += 250;
	cpus[1].timed++;
	cpus[1].timed_ns += 250;
	k.calls = 0;
	assert_int_equal(lg_cont_merge(&m, cpus, to_capture, &k), 0);
	assert_int_equal(k.calls, 1);
	assert_stored(&k, FAULT_NAME, 3, 750);
	assert_int_equal(m.delivered_ns, m.timed_ns);
	/* a read with more waits but less time: not delivered at all */
	sl->st.count++;
	sl->st.total_ns -= 100;
	k.calls = 0;
	assert_int_equal(lg_cont_merge(&m, cpus, to_capture, &k), 0);
	assert_int_equal(k.calls, 0);
	assert_stored(&k, FAULT_NAME, 3, 750);
	sl->st.total_ns += 100 + 40;
	cpus[1].timed++;
	cpus[1].timed_ns += 40;
	assert_int_equal(lg_cont_merge(&m, cpus, to_capture, &k), 0);
	assert_stored(&k, FAULT_NAME, 4, 790);
	assert_int_equal(m.delivered, m.timed);
	assert_int_equal(m.delivered_ns, m.timed_ns);
	lg_cont_merge_free(&m);
	sink_close(&k);
	free(cpus);
}

/*
 * Two keys taking one slot from each other until the ring wraps, then
 * fills exactly (LG_CONT_NSPILL entries not taken): all of it read.  A
 * ring that claims more than it can hold is refused (-EPROTO) with
 * nothing taken, on every CPU: the entries of the CPU read before it, and
 * the count of spill entries, are as they were, and read once the next
 * time.
 */
static void test_ring_wrap_full_and_refused(void **state)
{
	struct lg_cont_cpu *cpus = cpus_new();
	const int slot = LG_CONT_SLOT_FIRST_HASHED + 7;
	struct lg_cont_merge m;
	struct sink k;
	__u64 head;

	(void)state;
	sink_open(&k, "ring.db");
	assert_int_equal(lg_cont_merge_init(&m, NCPUS), 0);
	for (int i = 0; i < 100; i++)
		wait_in(&cpus[0], slot, i % 2 ? PTLOCK : MMAP_R, 10);
	assert_int_equal(cpus[0].spill_head, 99);
	assert_int_equal(lg_cont_merge(&m, cpus, to_capture, &k), 0);
	assert_stored(&k, MMAP_NAME, 50, 500);
	assert_stored(&k, PTLOCK_NAME, 50, 500);
	/* past the end of the ring, up to a full one */
	for (int i = 0; i < LG_CONT_NSPILL; i++)
		wait_in(&cpus[0], slot, i % 2 ? PTLOCK : MMAP_R, 7);
	assert_int_equal(cpus[0].spill_head - m.seen_head[0], LG_CONT_NSPILL);
	assert_true(cpus[0].spill_head / LG_CONT_NSPILL >
		    m.seen_head[0] / LG_CONT_NSPILL); /* it wrapped */
	assert_int_equal(lg_cont_merge(&m, cpus, to_capture, &k), 0);
	assert_stored(&k, MMAP_NAME, 114, 948);
	assert_stored(&k, PTLOCK_NAME, 114, 948);
	assert_int_equal(m.spilled, 99 + LG_CONT_NSPILL);
	assert_int_equal(m.delivered, m.timed);
	/*
	 * CPU 0 has new entries, read first; CPU 1's head claims more than a
	 * ring holds.
	 */
	for (int i = 0; i < 5; i++)
		wait_in(&cpus[0], slot, i % 2 ? MMAP_R : FAULT, 1000);
	head = cpus[0].spill_head;
	cpus[1].spill_head = LG_CONT_NSPILL + 1;
	k.calls = 0;
	assert_int_equal(lg_cont_merge(&m, cpus, to_capture, &k), -EPROTO);
	assert_int_equal(k.calls, 0);
	assert_int_equal(m.seen_head[0], head - 5);
	assert_int_equal(m.seen_head[1], 0);
	assert_int_equal(m.spilled, 99 + LG_CONT_NSPILL);
	cpus[1].spill_head = 0;
	assert_int_equal(lg_cont_merge(&m, cpus, to_capture, &k), 0);
	assert_int_equal(m.seen_head[0], head);
	assert_int_equal(m.spilled, 99 + LG_CONT_NSPILL + 5);
	assert_stored(&k, FAULT_NAME, 3, 3000);
	assert_stored(&k, MMAP_NAME, 116, 2948);
	assert_stored(&k, PTLOCK_NAME, 114, 948);
	assert_int_equal(lg_cont_merge(&m, cpus, to_capture, &k), 0);
	assert_stored(&k, FAULT_NAME, 3, 3000);
	assert_int_equal(m.delivered, m.timed);
	assert_int_equal(m.delivered_ns, m.timed_ns);
	/* a wait the full ring refused (lg_take_slot()): timed, not read */
	cpus[1].timed++;
	cpus[1].timed_ns += 60;
	cpus[1].refused_ns += 60;
	assert_int_equal(lg_cont_merge(&m, cpus, to_capture, &k), 0);
	assert_int_equal(m.delivered + 1, m.timed);
	assert_int_equal(m.delivered_ns + m.refused_ns, m.timed_ns);
	lg_cont_merge_free(&m);
	sink_close(&k);
	free(cpus);
}

/*
 * The caller's function fails for one key: every spill entry read is
 * taken all the same (the caller acknowledges them), the later keys'
 * growth comes with the next read, nothing twice.
 */
static void test_failed_delivery_taken(void **state)
{
	struct lg_cont_cpu *cpus = cpus_new();
	const int slot = LG_CONT_SLOT_FIRST_HASHED;
	struct lg_cont_merge m;
	struct sink k;

	(void)state;
	sink_open(&k, "fail.db");
	assert_int_equal(lg_cont_merge_init(&m, NCPUS), 0);
	for (int i = 0; i < 6; i++)
		wait_in(&cpus[i % 2], slot, i % 3 ? PTLOCK : FAULT, 20);
	k.fail_next = -EIO;
	assert_int_equal(lg_cont_merge(&m, cpus, to_capture, &k), -EIO);
	assert_int_equal(m.seen_head[0], cpus[0].spill_head);
	assert_int_equal(m.seen_head[1], cpus[1].spill_head);
	assert_int_equal(lg_cont_merge(&m, cpus, to_capture, &k), 0);
	/* the failed key's growth counted as delivered, never stored */
	assert_int_equal(m.delivered, m.timed);
	{
		int64_t pc, pn, fc, fn;

		stored(&k, PTLOCK_NAME, &pc, &pn);
		stored(&k, FAULT_NAME, &fc, &fn);
		assert_true((pc == 4 && fc == 0) || (pc == 0 && fc == 2));
		assert_int_equal(pn, pc * 20);
		assert_int_equal(fn, fc * 20);
	}
	lg_cont_merge_free(&m);
	sink_close(&k);
	free(cpus);
}

/*
 * The lock address a slot keeps reaches the key (lockgraphd learns the
 * fault mutex table from it): the first one read stays, a spill entry
 * brings none, a key only ever read from the ring has none, and a key
 * forgotten and back starts again from its slot's.
 */
static void test_lock_address_from_slot(void **state)
{
	struct lg_cont_cpu *cpus = cpus_new();
	const int slot = LG_CONT_SLOT_FIRST_HASHED;
	const __u64 a = 0xffff888100000040ULL, b = 0xffff888100000080ULL;
	struct lg_cont_merge m;
	struct sink k;

	(void)state;
	sink_open(&k, "lock.db");
	assert_int_equal(lg_cont_merge_init(&m, NCPUS), 0);
	/* the page-table lock waits on CPU 0 and is spilled, unread */
	wait_at(&cpus[0], slot, PTLOCK, b, 10);
	wait_at(&cpus[0], slot, FAULT, a, 10);
	assert_int_equal(lg_cont_merge(&m, cpus, to_capture, &k), 0);
	assert_int_equal(k.lock[LG_CLASS_HUGETLB_FAULT_MUTEX], a);
	assert_int_equal(k.lock[LG_CLASS_PTLOCK], 0);
	/* the fault mutex moves to CPU 1's slot with another of its locks */
	wait_at(&cpus[0], slot, PTLOCK, b, 10);
	wait_at(&cpus[1], slot, FAULT, b, 10);
	assert_int_equal(lg_cont_merge(&m, cpus, to_capture, &k), 0);
	assert_int_equal(k.lock[LG_CLASS_HUGETLB_FAULT_MUTEX], a);
	assert_int_equal(k.lock[LG_CLASS_PTLOCK], b);
	assert_int_equal(m.delivered, m.timed);
	assert_stored(&k, FAULT_NAME, 2, 20);
	assert_stored(&k, PTLOCK_NAME, 2, 20);
	/*
	 * The fault mutex leaves CPU 1's slot and is forgotten after
	 * LG_CONT_IDLE_FLUSHES idle merges; back, it brings its new lock.
	 */
	wait_at(&cpus[1], slot, PTLOCK, b, 10);
	for (int i = 0; i <= LG_CONT_IDLE_FLUSHES; i++)
		assert_int_equal(lg_cont_merge(&m, cpus, to_capture, &k), 0);
	for (size_t i = 0; i < m.n; i++)
		assert_int_not_equal(m.keys[i].key.class.kind,
				     LG_CLASS_HUGETLB_FAULT_MUTEX);
	wait_at(&cpus[0], slot + 1, FAULT, b, 10);
	assert_int_equal(lg_cont_merge(&m, cpus, to_capture, &k), 0);
	assert_int_equal(k.lock[LG_CLASS_HUGETLB_FAULT_MUTEX], b);
	assert_int_equal(m.delivered, m.timed);
	assert_stored(&k, FAULT_NAME, 3, 30);
	lg_cont_merge_free(&m);
	sink_close(&k);
	free(cpus);
}

/* A fault mutex at @off of object @obj, of the kmalloc cache @cache. */
static int offer(struct lg_fault_table *t, __u64 cache, __u64 off, __u64 obj,
		 __u32 object_size, __u32 mutex_size, unsigned int ncpus)
{
	return lg_fault_table_offer(t, LG_SLAB_KEY(cache, off), obj + off,
				    object_size, mutex_size, ncpus);
}

/*
 * The fault mutex table from slab keys (lg_fault_table_offer()): 2
 * possible CPUs make 16 mutexes of 32 bytes, a kmalloc-512 object.  One
 * key is a candidate; the same key again, a key pointing to another
 * object, or one of another cache or of the same offset pointing to the
 * same object, is not a second witness; a key of the same cache and
 * another offset pointing to the candidate's object is.  Keys that cannot
 * be in that array are refused.
 */
static void test_fault_table_learned(void **state)
{
	const __u64 cache = 0xffffffff82a1b2c0ULL;
	const __u64 obj_a = 0xffff888104f3a000ULL, obj_b = 0xffff888104f3c200ULL;
	struct lg_fault_table t;

	(void)state;
	memset(&t, 0, sizeof(t));
	assert_int_equal(offer(&t, cache, 0x40, obj_a, 512, 32, 2), 0);
	assert_int_equal(offer(&t, cache, 0x40, obj_a, 512, 32, 2), 0);
	/* another offset, another object: the new candidate */
	assert_int_equal(offer(&t, cache, 0x100, obj_b, 512, 32, 2), 0);
	assert_int_equal(t.hi, 0);
	/* not in such an array, whatever else agrees */
	assert_int_equal(offer(&t, cache, 0x30, obj_b, 512, 32, 2),
			 -EINVAL); /* not a mutex's offset */
	assert_int_equal(offer(&t, cache, 0x200, obj_b, 512, 32, 2),
			 -EINVAL); /* past the 16 mutexes */
	assert_int_equal(offer(&t, cache, LG_SLAB_OFF_MAX, obj_b, 512, 32, 2),
			 -EINVAL); /* an offset capped (odd: never a mutex's) */
	assert_int_equal(offer(&t, cache, 0x20, obj_b, 1024, 32, 2),
			 -EINVAL); /* kmalloc-1k: not where 512 bytes go */
	assert_int_equal(offer(&t, cache, 0x20, obj_b, 256, 32, 2),
			 -EINVAL); /* too small */
	assert_int_equal(lg_fault_table_offer(&t, LG_SLAB_KEY(cache, 0x20),
					      0x10, 512, 32, 2),
			 -EINVAL); /* a lock below its offset */
	assert_int_equal(offer(&t, cache, 0x20, 0, 512, 32, 2),
			 -EINVAL); /* an object at 0 */
	assert_int_equal(offer(&t, cache, 0x20, obj_b, 512, 0, 2),
			 -EINVAL); /* no mutex size */
	assert_int_equal(offer(&t, cache, 0x20, obj_b, 512, 32, 0),
			 -EINVAL); /* no CPUs */
	assert_int_equal(t.hi, 0);
	/* the candidate's object, but from another cache or the same offset */
	assert_int_equal(offer(&t, cache + 0x40, 0x20, obj_b, 512, 32, 2), 0);
	assert_int_equal(offer(&t, cache, 0x100, obj_b, 512, 32, 2), 0);
	assert_int_equal(offer(&t, cache + 0x40, 0x100, obj_b, 512, 32, 2), 0);
	assert_int_equal(t.hi, 0);
	/* the candidate again (the last offer replaced it), then its offset */
	assert_int_equal(offer(&t, cache, 0x100, obj_b, 512, 32, 2), 0);
	assert_int_equal(offer(&t, cache, 0x100, obj_b, 512, 32, 2), 0);
	assert_int_equal(t.hi, 0);
	/* a second key of another offset in the candidate's object */
	assert_int_equal(offer(&t, cache, 0x20, obj_b, 512, 32, 2), 1);
	assert_int_equal(t.lo, obj_b);
	assert_int_equal(t.hi, obj_b + 512);
	/* learned once: nothing moves it */
	assert_int_equal(offer(&t, cache, 0x40, obj_a, 512, 32, 2), 0);
	assert_int_equal(offer(&t, cache, 0x60, obj_a, 512, 32, 2), 0);
	assert_int_equal(t.lo, obj_b);
	assert_int_equal(t.hi, obj_b + 512);
	/* 3 possible CPUs: 32 mutexes, a kmalloc-1k object */
	memset(&t, 0, sizeof(t));
	assert_int_equal(offer(&t, cache, 0x3e0, obj_a, 1024, 32, 3), 0);
	assert_int_equal(offer(&t, cache, 0x0, obj_a, 1024, 32, 3), 1);
	assert_int_equal(t.lo, obj_a);
	assert_int_equal(t.hi, obj_a + 1024);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slot_mid_handover),
		cmocka_unit_test(test_torn_count_and_time),
		cmocka_unit_test(test_ring_wrap_full_and_refused),
		cmocka_unit_test(test_failed_delivery_taken),
		cmocka_unit_test(test_lock_address_from_slot),
		cmocka_unit_test(test_fault_table_learned),
	};

	return cmocka_run_group_tests_name("contmerge", tests, tmpdir_setup,
					   tmpdir_teardown);
}
