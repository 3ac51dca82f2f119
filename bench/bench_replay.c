/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bench_replay: the daemon's capture path without the kernel, on a large
 * synthetic recording (the --record / --replay format of daemon/record.h).
 *
 * The recording is shaped like a probe stream:
 *  - --classes lock classes (default 300): lockdep classes (LG_CLASS_LOCKDEP
 *    keys, lockdep-style names such as "&sb->s_type->i_lock_key#12", some
 *    with subclasses), each named once by an LG_EV_CLASS_NAME event before
 *    its first use, as the kernel side does; the recognised kinds
 *    (mmap_lock, fs_reclaim, i_mmap_rwsem, the hugetlb vma lock, ...);
 *    inode locks of six filesystem types (named by LG_EV_CLASS_NAME) and
 *    16 unrecognised static locks (LG_CLASS_ADDR).
 *  - Every class has a rank and about 8 successors a few ranks below it;
 *    a chain event is a walk down that order: 1 to 4 held locks
 *    (35/30/20/15%) and the acquired one, so edges are mostly consistent
 *    and the graph mostly acyclic.  One event in 200000 (at least 4, all
 *    in the second half of the file) acquires the first held class's
 *    predecessor instead, which closes circles.  Modes follow each
 *    class's kind (mutexes and spinlocks W, rwsems W or r, rwlocks/RCU W
 *    or R); 5% of acquisitions and 3% of held entries are trylocks.
 *  - 10 to 14 kernel frames per chain: two probe frames (bpf_trace_run2,
 *    __traceiter_*) that the daemon strips, then one of 6 call sites per
 *    acquired class.  On a root shell the frames are real text addresses
 *    of this boot's /proc/kallsyms, otherwise made up.
 *  - Repeats: the BPF chain cache (65536 entries) sends a chain once per
 *    boot until it fills, then every miss.  The walks repeat the short
 *    chains often and the long ones rarely; the output says how many
 *    events carry a chain (classes and modes) seen before in the file.
 *
 * Measured in one run, on the same file (in the page cache: just written):
 *  (i)  the raw cost of reading and decoding the stream: lg_replay() with
 *       only lg_event_validate() per event, in this process; median of 3;
 *  (ii) `lockgraphd --replay FILE --db NEW` end to end (fork/exec, wall
 *       time, CPU time and peak RSS from wait4), twice: with the recording
 *       marked as from another boot (the daemon keeps no stacks: no
 *       kallsyms) and, when /proc/kallsyms has addresses, marked as from
 *       this boot (every stack symbolised and stored, as on a live
 *       capture);
 *  and (ii)/(i) for each.  lockgraphd reads the file once (its header,
 *  then every event, checked and recorded in one transaction that a bad
 *  event rolls back whole), so (ii) includes (i) once.  The generator
 *  runs in a forked child so that this process, and
 *  the lockgraphd it forks, stay small (a child's ru_maxrss starts from
 *  its parent's).
 *
 * Timings are only printed; the exit status is non-zero only for real
 * errors (lockgraphd failing, a write error).
 *
 * Usage: bench_replay [--events N] [--classes N] [--lockgraphd PATH]
 *		       [--seed N] [--dir DIR] [--keep]
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "bench_util.h"
#include "capture.h"
#include "record.h"

#define DEFAULT_EVENTS 1000000
#define DEFAULT_CLASSES 300
#define NSUCC 8		/* successors per class */
#define RANK_WINDOW 24	/* successors lie within this many ranks below */
#define NSITES 6	/* call sites per acquired class */
#define SITE_FRAMES 12	/* frames of a call site */
#define CYCLE_EVERY 200000
#define MIN_CYCLES 4
#define NKINDS 8	/* recognised kinds with one class each */
#define NFS 6
#define NADDR 16
#define NTASKS 32
#define FOREIGN_BOOT "bench-replay-another-boot"

/* ---- small helpers ------------------------------------------------------ */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double mib(uint64_t bytes)
{
	return (double)bytes / (1024.0 * 1024.0);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* ---- kernel text addresses from /proc/kallsyms ------------------------- */

struct ksyms {
	uint64_t *text;	/* sorted text symbol addresses (vmlinux only) */
	size_t ntext;
	uint64_t *data;	/* data symbols: static locks for LG_CLASS_ADDR */
	size_t ndata;
	uint64_t probe[2]; /* bpf_trace_run2, a __traceiter_ */
};

static int push(uint64_t **v, size_t *n, size_t *cap, uint64_t x)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 4096;
		uint64_t *nv = realloc(*v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*n)++] = x;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Text and data symbol addresses of vmlinux.  Returns 0 with ntext > 0
 * when addresses are readable (root, kptr_restrict allowing), else leaves
 * @ks empty.
 */
static void ksyms_load(struct ksyms *ks)
{
	size_t tcap = 0, dcap = 0;
	char line[512];
	FILE *f = fopen("/proc/kallsyms", "re");

	memset(ks, 0, sizeof(*ks));
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long addr;
		char type, name[256];

		if (strchr(line, '['))
			continue; /* modules */
		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3 || !addr)
			continue;
		if (!strcmp(name, "bpf_trace_run2"))
			ks->probe[0] = addr;
		else if (!ks->probe[1] && !strncmp(name, "__traceiter_", 12))
			ks->probe[1] = addr;
		if ((type == 't' || type == 'T') &&
		    push(&ks->text, &ks->ntext, &tcap, addr))
			break;
		if ((type == 'd' || type == 'D' || type == 'b' || type == 'B') &&
		    push(&ks->data, &ks->ndata, &dcap, addr))
			break;
	}
	fclose(f);
	if (ks->ntext < 1024) {
		free(ks->text);
		free(ks->data);
		memset(ks, 0, sizeof(*ks));
		return;
	}
	qsort(ks->text, ks->ntext, sizeof(*ks->text), cmp_u64);
}

static void ksyms_free(struct ksyms *ks)
{
	free(ks->text);
	free(ks->data);
}

/* A return address inside a text symbol (or a made-up one). */
static uint64_t text_addr(const struct ksyms *ks, struct rng *r)
{
	size_t i;
	uint64_t gap;

	if (!ks->ntext)
		return 0xffffffff81000000ULL + (rng_next(r) & 0xffffff);
	i = rng_below(r, (uint32_t)ks->ntext - 1);
	gap = ks->text[i + 1] - ks->text[i];
	if (gap < 2)
		return ks->text[i];
	if (gap > 0x201)
		gap = 0x201;
	return ks->text[i] + 1 + rng_below(r, (uint32_t)(gap - 1));
}

/* ---- the synthetic stream ---------------------------------------------- */

enum mode_kind { MK_EXCL, MK_RWSEM, MK_RWLOCK };

struct bclass {
	struct lg_class_ref ref;
	enum mode_kind mk;
	bool needs_name, named;
	char name[LG_NAME_MAX];
	unsigned int succ[NSUCC], nsucc;
	unsigned int pred; /* a class that has this one as a successor */
	bool has_pred;
	uint64_t sites[NSITES][SITE_FRAMES];
};

struct gen_opts {
	char path[PATH_MAX];
	char boot_id[40];
	size_t events;
	unsigned int classes;
	uint64_t seed;
};

struct gen_result {
	uint64_t events, chain_events, name_events, bytes;
	uint64_t repeats;	/* chain events whose chain was seen before */
	uint64_t inversions;	/* events closing a circle on purpose */
	uint64_t held_hist[5];
	unsigned int nclasses;
	bool real_addrs;
	double seconds;
	int err;
};

static const char *const lockdep_names[] = {
	"&sb->s_type->i_lock_key", "&(&zone->lock)->rlock", "&rq->__lock",
	"&p->pi_lock", "&mapping->private_lock", "&ei->i_data_sem",
	"&sbi->s_writepages_rwsem", "&journal->j_state_lock", "&dentry->d_lock",
	"&lruvec->lru_lock", "&pgdat->kswapd_wait", "&cgrp->pidlist_mutex",
	"rcu_read_lock", "&xa->xa_lock", "&wq->mutex", "&q->queue_lock",
	"&mm->page_table_lock", "&n->list_lock", "&ep->mtx",
	"&sb->s_umount_key", "&type->s_vfs_rename_key", "sb_writers",
	"&tsk->futex_exit_mutex", "&sig->cred_guard_mutex", "&f->f_pos_lock",
	"&pipe->mutex", "&ctx->uring_lock", "&dev->mutex", "&hb->lock",
	"tasklist_lock", "&tty->ldisc_sem", "&u->iolock",
};

static const char *const fs_names[NFS] = {
	"ext4", "xfs", "tmpfs", "hugetlbfs", "proc", "btrfs",
};

static const char *const comms[] = {
	"khugepaged", "kswapd0", "kworker/0:1", "kworker/u4:2", "systemd",
	"hugetlb_fault_l", "mmap_churn", "postgres", "java", "cc1", "git",
	"kcompactd0", "jbd2/vda-8", "rcu_preempt", "sshd", "make",
};

static void set_name(struct bclass *c, unsigned int idx)
{
	size_t n = sizeof(lockdep_names) / sizeof(lockdep_names[0]);
	unsigned int round = idx / (unsigned int)n;

	if (round)
		snprintf(c->name, sizeof(c->name), "%s#%u",
			 lockdep_names[idx % n], round + 1);
	else
		snprintf(c->name, sizeof(c->name), "%s", lockdep_names[idx % n]);
}

/* Swap class @c into rank @rank of @perm (rank -> class). */
static void move_rank(unsigned int *perm, unsigned int n, unsigned int c,
		      unsigned int rank)
{
	for (unsigned int i = 0; i < n; i++) {
		if (perm[i] == c) {
			perm[i] = perm[rank];
			perm[rank] = c;
			return;
		}
	}
}

/* Build the classes, their order and call sites; returns how many. */
static unsigned int make_classes(struct bclass *cl, unsigned int want,
				 const struct ksyms *ks, struct rng *r)
{
	static const enum lg_class_kind kinds[NKINDS] = {
		LG_CLASS_MMAP_LOCK, LG_CLASS_FS_RECLAIM, LG_CLASS_I_MMAP_RWSEM,
		LG_CLASS_HUGETLBFS_I_MMAP, LG_CLASS_VMA_LOCK, LG_CLASS_RESV_MAP,
		LG_CLASS_INVALIDATE_LOCK, LG_CLASS_ANON_VMA,
	};
	unsigned int n = 0, nld = 0, first_addr, *perm;

	/* the recognised kinds; a second mm's mmap_lock is subclass 1 */
	for (size_t i = 0; i < NKINDS; i++) {
		cl[n].ref.kind = (__u16)kinds[i];
		cl[n].mk = kinds[i] == LG_CLASS_FS_RECLAIM ? MK_EXCL : MK_RWSEM;
		n++;
	}
	cl[n] = cl[0];
	cl[n++].ref.subclass = 1;
	/* inode locks: file and directory of each filesystem type */
	for (unsigned int i = 0; i < NFS * 2; i++, n++) {
		cl[n].ref.kind = LG_CLASS_INODE;
		cl[n].ref.key = 0xffffffff8a000000ULL + (i / 2) * 0x140;
		cl[n].ref.subclass = (__u8)(i & 1);
		cl[n].mk = MK_RWSEM;
		cl[n].needs_name = true;
		snprintf(cl[n].name, sizeof(cl[n].name), "%s", fs_names[i / 2]);
	}
	/* unrecognised static locks */
	first_addr = n;
	for (unsigned int i = 0; i < NADDR; i++, n++) {
		cl[n].ref.kind = LG_CLASS_ADDR;
		cl[n].ref.key = ks->ndata ?
			ks->data[rng_below(r, (uint32_t)ks->ndata)] :
			0xffffffff8e000000ULL + i * 0x40;
		cl[n].mk = MK_EXCL;
	}
	/* lockdep classes, some with a subclass */
	while (n < want) {
		struct bclass *c = &cl[n];

		c->ref.kind = LG_CLASS_LOCKDEP;
		c->ref.key = 0xffffffff8c000000ULL + (uint64_t)nld * 0x40;
		set_name(c, nld);
		c->needs_name = true;
		c->mk = rng_below(r, 10) < 6 ? MK_EXCL :
			rng_below(r, 2) ? MK_RWSEM : MK_RWLOCK;
		n++;
		if (n < want && rng_below(r, 8) == 0) {
			cl[n] = *c;
			cl[n].ref.subclass = 1;
			n++;
		}
		nld++;
	}

	/* ranks: a random order, mmap_lock near the top, fs_reclaim midway */
	perm = malloc(n * sizeof(*perm));
	if (!perm)
		return 0;
	for (unsigned int i = 0; i < n; i++)
		perm[i] = i;
	for (unsigned int i = n - 1; i > 0; i--) {
		unsigned int j = rng_below(r, i + 1), t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	/*
	 * mmap_lock near the top and its nested subclass right below (the
	 * daemon names both "&mm->mmap_lock": the nesting is recursion);
	 * fs_reclaim midway; the static locks are the leaves, one after the
	 * other (without kallsyms the daemon names them all "unrecognised
	 * lock": kept together they cannot make a false circle).
	 */
	move_rank(perm, n, 0, 1);
	move_rank(perm, n, NKINDS, 2);
	move_rank(perm, n, 1, n / 2);
	for (unsigned int i = 0; i < NADDR; i++)
		move_rank(perm, n, first_addr + i, n - NADDR + i);
	/* successors: within RANK_WINDOW ranks below, leaves have none */
	for (unsigned int rank = 0; rank + 1 < n; rank++) {
		struct bclass *c = &cl[perm[rank]];
		unsigned int span = n - 1 - rank;

		if (span > RANK_WINDOW)
			span = RANK_WINDOW;
		c->nsucc = span < NSUCC ? span : NSUCC;
		for (unsigned int k = 0; k < c->nsucc; k++) {
			unsigned int s = perm[rank + 1 + rng_below(r, span)];

			c->succ[k] = s;
			if (!cl[s].has_pred) {
				cl[s].pred = perm[rank];
				cl[s].has_pred = true;
			}
		}
	}
	free(perm);
	/* call sites: innermost frame first */
	for (unsigned int i = 0; i < n; i++)
		for (unsigned int s = 0; s < NSITES; s++)
			for (unsigned int f = 0; f < SITE_FRAMES; f++)
				cl[i].sites[s][f] = text_addr(ks, r);
	return n;
}

static __u8 pick_mode(const struct bclass *c, struct rng *r)
{
	unsigned int x = rng_below(r, 100);

	switch (c->mk) {
	case MK_RWSEM:
		return x < 35 ? LG_MODE_r : LG_MODE_W;
	case MK_RWLOCK:
		return x < 60 ? LG_MODE_R : LG_MODE_W;
	default:
		return LG_MODE_W;
	}
}

/* Open-addressing set of 64-bit chain hashes (0 is never stored). */
struct hset {
	uint64_t *v;
	size_t mask;
};

static int hset_init(struct hset *h, size_t n)
{
	size_t cap = 1024;

	while (cap < n * 2)
		cap <<= 1;
	h->v = calloc(cap, sizeof(*h->v));
	h->mask = cap - 1;
	return h->v ? 0 : -ENOMEM;
}

/* Returns true when @x was already in the set. */
static bool hset_add(struct hset *h, uint64_t x)
{
	size_t i;

	x |= 1;
	for (i = (size_t)(x * 0x9e3779b97f4a7c15ULL) & h->mask; h->v[i];
	     i = (i + 1) & h->mask)
		if (h->v[i] == x)
			return true;
	h->v[i] = x;
	return false;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

static int emit_name(FILE *f, struct bclass *c, struct gen_result *res)
{
	struct lg_name_event e;
	int err;

	memset(&e, 0, sizeof(e));
	e.hdr.type = LG_EV_CLASS_NAME;
	e.hdr.size = sizeof(e);
	e.class = c->ref;
	e.class.subclass = 0;
	snprintf(e.name, sizeof(e.name), "%s", c->name);
	err = lg_record_write(f, &e, sizeof(e));
	if (err)
		return err;
	c->named = true;
	res->events++;
	res->name_events++;
	res->bytes += sizeof(e);
	return 0;
}

/* Name every class sharing @c's key (subclasses) once, before first use. */
static int ensure_named(FILE *f, struct bclass *cl, unsigned int n,
			struct bclass *c, struct gen_result *res)
{
	if (!c->needs_name || c->named)
		return 0;
	for (unsigned int i = 0; i < n; i++)
		if (cl[i].ref.kind == c->ref.kind && cl[i].ref.key == c->ref.key &&
		    &cl[i] != c)
			cl[i].named = true;
	return emit_name(f, c, res);
}

/*
 * One chain event: a walk of 1-4 held classes down the order, then the
 * acquired one; with @invert, the acquired class is the first held one's
 * predecessor instead (closing a circle once that edge exists).
 */
static int emit_chain(FILE *f, struct bclass *cl, unsigned int n,
		      const struct ksyms *ks, struct rng *r, bool invert,
		      uint64_t ts, struct hset *seen, struct gen_result *res)
{
	static const unsigned int depth_pct[4] = { 35, 65, 85, 100 };
	unsigned int held[LG_HELD_MAX], nheld, want, x, acq = 0, site, nf = 0;
	struct lg_chain_event e;
	uint64_t h = 0xcbf29ce484222325ULL;
	int err;

	x = rng_below(r, 100);
	for (want = 1; want < 4 && x >= depth_pct[want - 1]; want++)
		;
	do {
		unsigned int cur = rng_below(r, n);

		nheld = 0;
		held[nheld++] = cur;
		while (nheld < want && cl[cur].nsucc) {
			cur = cl[cur].succ[rng_below(r, cl[cur].nsucc)];
			held[nheld++] = cur;
		}
		if (invert) {
			if (!cl[held[0]].has_pred)
				continue;
			acq = cl[held[0]].pred;
			break;
		}
		if (!cl[cur].nsucc)
			continue;
		acq = cl[cur].succ[rng_below(r, cl[cur].nsucc)];
		break;
	} while (1);

	for (unsigned int i = 0; i < nheld; i++) {
		err = ensure_named(f, cl, n, &cl[held[i]], res);
		if (err)
			return err;
	}
	err = ensure_named(f, cl, n, &cl[acq], res);
	if (err)
		return err;

	memset(&e, 0, sizeof(e));
	e.hdr.type = LG_EV_CHAIN;
	e.hdr.size = sizeof(e);
	e.timestamp_ns = ts;
	x = rng_below(r, NTASKS);
	e.pid = 100 + x * 37;
	e.tgid = e.pid;
	snprintf(e.comm, sizeof(e.comm), "%s",
		 comms[x % (sizeof(comms) / sizeof(comms[0]))]);
	e.source = LG_SRC_LOCKDEP;
	e.nheld = (__u8)nheld;
	for (unsigned int i = 0; i < nheld; i++) {
		e.held[i] = cl[held[i]].ref;
		e.held[i].mode = pick_mode(&cl[held[i]], r);
		e.held[i].trylock = rng_below(r, 100) < 3;
	}
	e.acquired = cl[acq].ref;
	e.acquired.mode = invert ? LG_MODE_W : pick_mode(&cl[acq], r);
	e.acquired.trylock = !invert && rng_below(r, 100) < 5;
	if (invert)
		for (unsigned int i = 0; i < nheld; i++)
			e.held[i].mode = LG_MODE_W;
	/* the context source reports only the kinds it recognises */
	if (e.acquired.kind != LG_CLASS_LOCKDEP && e.acquired.kind != LG_CLASS_ADDR)
		e.source = LG_SRC_CONTEXT;

	if (ks->probe[0] && ks->probe[1]) {
		e.stack[nf++] = ks->probe[0] + 0x4c;
		e.stack[nf++] = ks->probe[1] + 0x33;
	}
	site = rng_below(r, NSITES);
	for (unsigned int i = 0, len = 8 + rng_below(r, 5); i < len; i++)
		e.stack[nf++] = cl[acq].sites[site][i];
	e.nframes = (__u8)nf;

	for (unsigned int i = 0; i < nheld; i++)
		h = fnv(h, &e.held[i], sizeof(e.held[i]));
	h = fnv(h, &e.acquired, sizeof(e.acquired));
	e.chain_key = h;
	if (hset_add(seen, h))
		res->repeats++;

	err = lg_record_write(f, &e, sizeof(e));
	if (err)
		return err;
	res->events++;
	res->chain_events++;
	res->bytes += sizeof(e);
	res->held_hist[nheld]++;
	res->inversions += invert;
	return 0;
}

static int generate(const void *arg, void *out)
{
	const struct gen_opts *o = arg;
	struct gen_result *res = out;
	struct lg_record_header hdr;
	struct hset seen = { 0 };
	struct bclass *cl;
	struct ksyms ks;
	struct rng r;
	uint64_t t0 = now_ns(), ts = 1000000000ULL;
	uint64_t every, next_inversion;
	FILE *f = NULL;
	int err;

	memset(res, 0, sizeof(*res));
	rng_seed(&r, o->seed);
	ksyms_load(&ks);
	res->real_addrs = ks.ntext > 0;
	cl = calloc(o->classes + 2, sizeof(*cl));
	err = cl && !hset_init(&seen, o->events) ? 0 : -ENOMEM;
	if (!err) {
		res->nclasses = make_classes(cl, o->classes, &ks, &r);
		if (!res->nclasses)
			err = -ENOMEM;
	}
	memset(&hdr, 0, sizeof(hdr));
	snprintf(hdr.boot_id, sizeof(hdr.boot_id), "%s", o->boot_id);
	snprintf(hdr.release, sizeof(hdr.release), "bench_replay");
	snprintf(hdr.hostname, sizeof(hdr.hostname), "bench-replay");
	if (!err)
		err = lg_record_create(o->path, &hdr, &f);
	if (!err)
		setvbuf(f, NULL, _IOFBF, 1 << 20);
	res->bytes = sizeof(hdr);
	/* the inversions come in the second half: their edges exist by then */
	every = o->events / CYCLE_EVERY > MIN_CYCLES ? o->events / CYCLE_EVERY :
						       MIN_CYCLES;
	every = o->events / 2 / (every + 1);
	next_inversion = o->events / 2 + every;
	while (!err && res->events < o->events) {
		bool invert = res->events >= next_inversion;

		if (invert)
			next_inversion += every;

		ts += 200 + rng_below(&r, 20000);
		err = emit_chain(f, cl, res->nclasses, &ks, &r, invert, ts,
				 &seen, res);
	}
	if (f && fclose(f) && !err)
		err = -errno;
	res->seconds = (double)(now_ns() - t0) / 1e9;
	res->err = err;
	free(seen.v);
	free(cl);
	ksyms_free(&ks);
	return err;
}

/* ---- (i) reading and decoding ------------------------------------------ */

struct decode_ctx {
	uint64_t events, bytes, bad;
};

static int decode_only(const void *event, size_t size, size_t offset, void *ctx)
{
	struct decode_ctx *d = ctx;
	char why[96];

	(void)offset;
	if (lg_event_validate(event, size, why, sizeof(why)))
		d->bad++;
	d->events++;
	d->bytes += size;
	return 0;
}

/* ---- (ii) lockgraphd --replay ------------------------------------------ */

struct daemon_run {
	double wall, user, sys;
	long maxrss_kb;
	int status;
};

static int run_lockgraphd(const char *lockgraphd, const char *file,
			  const char *db, const char *log, struct daemon_run *dr)
{
	struct rusage ru;
	uint64_t t0;
	pid_t pid;

	memset(dr, 0, sizeof(*dr));
	fflush(stdout);
	fflush(stderr);
	t0 = now_ns();
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execl(lockgraphd, lockgraphd, "--replay", file, "--db", db,
		      (char *)NULL);
		fprintf(stderr, "exec %s: %s\n", lockgraphd, strerror(errno));
		_exit(127);
	}
	while (wait4(pid, &dr->status, 0, &ru) < 0)
		if (errno != EINTR)
			return -errno;
	dr->wall = (double)(now_ns() - t0) / 1e9;
	dr->user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
	dr->sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	dr->maxrss_kb = ru.ru_maxrss;
	return 0;
}

static void show_log(const char *log, int max)
{
	FILE *f = fopen(log, "re");
	char line[512];
	int n = 0;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (n++ < max)
			printf("      | %s%s", line, strchr(line, '\n') ? "" : "\n");
	if (n > max)
		printf("      | ... (%d lines in all)\n", n);
	fclose(f);
}

static long long count_rows(sqlite3 *db, const char *table)
{
	char sql[128];
	sqlite3_stmt *st;
	long long n = -1;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void show_db(const char *path)
{
	static const char *const tables[] = {
		"classes", "edges", "chains", "stacks", "cycles",
	};
	struct stat st, wal;
	char walpath[PATH_MAX + 8];
	sqlite3 *db;

	snprintf(walpath, sizeof(walpath), "%s-wal", path);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return;
	}
	printf("      database:");
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		printf(" %lld %s%s", count_rows(db, tables[i]), tables[i],
		       i + 1 < sizeof(tables) / sizeof(tables[0]) ? "," : "");
	sqlite3_close(db);
	if (!stat(path, &st))
		printf("; %.1f MiB (+ %.1f MiB WAL)", mib((uint64_t)st.st_size),
		       stat(walpath, &wal) ? 0.0 : mib((uint64_t)wal.st_size));
	printf("\n");
}

static int set_boot_id(const char *path, const char *boot_id)
{
	struct lg_record_header hdr;
	int fd = open(path, O_RDWR | O_CLOEXEC);
	int err = 0;

	if (fd < 0)
		return -errno;
	if (pread(fd, &hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr)) {
		err = -EIO;
	} else {
		memset(hdr.boot_id, 0, sizeof(hdr.boot_id));
		snprintf(hdr.boot_id, sizeof(hdr.boot_id), "%s", boot_id);
		if (pwrite(fd, &hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr))
			err = -EIO;
	}
	close(fd);
	return err;
}

static void read_boot_id(char *buf, size_t size)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	buf[0] = '\0';
	if (!f)
		return;
	if (fgets(buf, (int)size, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/*
 * One lockgraphd --replay of @file into a fresh @db; prints its line and
 * sets *@rate (events/s).  Returns 0 or -ECHILD when it failed.
 */
static int bench_daemon(const char *lockgraphd, const char *what,
			const char *file, const char *dir, const char *tag,
			uint64_t events, double decode_rate, double *rate)
{
	char db[PATH_MAX], log[PATH_MAX], path[PATH_MAX + 8];
	struct daemon_run dr;
	int err;

	snprintf(db, sizeof(db), "%s/%s.db", dir, tag);
	snprintf(log, sizeof(log), "%s/%s.log", dir, tag);
	unlink(db);
	snprintf(path, sizeof(path), "%s-wal", db);
	unlink(path);
	err = run_lockgraphd(lockgraphd, file, db, log, &dr);
	if (err) {
		fprintf(stderr, "bench_replay: running %s: %s\n", lockgraphd,
			strerror(-err));
		return -ECHILD;
	}
	if (!WIFEXITED(dr.status) || WEXITSTATUS(dr.status)) {
		printf("  (ii) %s: lockgraphd failed (%s %d)\n", what,
		       WIFEXITED(dr.status) ? "exit status" : "signal",
		       WIFEXITED(dr.status) ? WEXITSTATUS(dr.status) :
					      WTERMSIG(dr.status));
		show_log(log, 10);
		return -ECHILD;
	}
	*rate = (double)events / dr.wall;
	printf("  (ii) %s:\n"
	       "      %.2f s wall (%.2f user, %.2f sys): %.0f events/s, %.2f us "
	       "an event; (ii)/(i) = %.4f; lockgraphd peak RSS %ld MiB\n",
	       what, dr.wall, dr.user, dr.sys, *rate, 1e6 / *rate,
	       *rate / decode_rate, dr.maxrss_kb / 1024);
	show_log(log, 3);
	show_db(db);
	return 0;
}

/* Remove what this program wrote in @dir, then @dir. */
static void remove_dir(const char *dir)
{
	static const char *const names[] = {
		"stream.rec", "other-boot.db", "other-boot.db-wal",
		"other-boot.db-shm", "other-boot.log", "this-boot.db",
		"this-boot.db-wal", "this-boot.db-shm", "this-boot.log",
	};
	char path[PATH_MAX + 32];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	if (rmdir(dir))
		fprintf(stderr, "bench_replay: could not remove %s: %s\n", dir,
			strerror(errno));
}

/* ---- main -------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr, "usage: bench_replay [--events N] [--classes N] "
		"[--lockgraphd PATH] [--seed N] [--dir DIR] [--keep]\n");
}

static int parse_size(const char *s, size_t min, size_t max, size_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -EINVAL;
	*out = (size_t)v;
	return 0;
}

int main(int argc, char **argv)
{
	static struct gen_opts go = { .events = DEFAULT_EVENTS,
				      .classes = DEFAULT_CLASSES, .seed = 1 };
	const char *lockgraphd_opt = NULL, *dir_opt = NULL;
	char lockgraphd[PATH_MAX], dir[PATH_MAX], this_boot[40];
	struct gen_result gr;
	struct decode_ctx dc;
	struct lg_record_header hdr;
	double rates[3], decode_rate, rate;
	bool keep = false;
	ssize_t got;
	int status, err, ret = EXIT_FAILURE;

	for (int i = 1; i < argc; i++) {
		size_t v;

		if (!strcmp(argv[i], "--events") && i + 1 < argc) {
			if (parse_size(argv[++i], 1000, 100000000, &go.events))
				goto bad_usage;
		} else if (!strcmp(argv[i], "--classes") && i + 1 < argc) {
			if (parse_size(argv[++i], 64, 100000, &v))
				goto bad_usage;
			go.classes = (unsigned int)v;
		} else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
			if (parse_size(argv[++i], 0, SIZE_MAX, &v))
				goto bad_usage;
			go.seed = v;
		} else if (!strcmp(argv[i], "--lockgraphd") && i + 1 < argc) {
			lockgraphd_opt = argv[++i];
		} else if (!strcmp(argv[i], "--dir") && i + 1 < argc) {
			dir_opt = argv[++i];
		} else if (!strcmp(argv[i], "--keep")) {
			keep = true;
		} else {
			goto bad_usage;
		}
	}
	if (bench_find_program("lockgraphd", lockgraphd_opt, lockgraphd,
			       sizeof(lockgraphd))) {
		fprintf(stderr, "bench_replay: lockgraphd not found (%s): build it "
			"(make) or pass --lockgraphd\n", lockgraphd);
		return EXIT_FAILURE;
	}
	snprintf(dir, sizeof(dir), "%s/lg-bench-replay.XXXXXX",
		 dir_opt ? dir_opt : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir)) {
		fprintf(stderr, "bench_replay: mkdtemp %s: %s\n", dir,
			strerror(errno));
		return EXIT_FAILURE;
	}
	snprintf(go.path, sizeof(go.path), "%s/stream.rec", dir);
	snprintf(go.boot_id, sizeof(go.boot_id), "%s", FOREIGN_BOOT);
	read_boot_id(this_boot, sizeof(this_boot));

	printf("== bench_replay: the capture path on a synthetic recording ==\n");
	err = bench_run_in_child(generate, &go, &gr, sizeof(gr), &got, &status);
	if (err || got != (ssize_t)sizeof(gr) || gr.err) {
		fprintf(stderr, "bench_replay: generating %s failed: %s\n", go.path,
			strerror(err ? -err : gr.err ? -gr.err : EIO));
		goto cleanup;
	}
	printf("recording: %" PRIu64 " events (%" PRIu64 " chains, %" PRIu64
	       " class names), %.1f MiB, written in %.2f s\n"
	       "  %u classes (%u recognised kinds, %d inode classes of %d fs "
	       "types, %d unrecognised static locks, the rest lockdep classes)\n"
	       "  held locks per chain: 1: %" PRIu64 ", 2: %" PRIu64 ", 3: %"
	       PRIu64 ", 4: %" PRIu64 "; %" PRIu64 " events close a circle on "
	       "purpose\n"
	       "  %" PRIu64 " chain events (%.1f%%) repeat a chain seen before in "
	       "the file (as when the BPF chain cache is full), %" PRIu64
	       " distinct\n"
	       "  stacks: %s\n",
	       gr.events, gr.chain_events, gr.name_events, mib(gr.bytes),
	       gr.seconds, gr.nclasses, NKINDS + 1, NFS * 2, NFS, NADDR, gr.held_hist[1],
	       gr.held_hist[2], gr.held_hist[3], gr.held_hist[4], gr.inversions,
	       gr.repeats, 100.0 * (double)gr.repeats / (double)gr.chain_events,
	       gr.chain_events - gr.repeats,
	       gr.real_addrs ? "10-14 frames of this boot's kernel text "
			       "(/proc/kallsyms), 6 call sites per acquired class" :
			       "10-14 made-up frames (/proc/kallsyms has no "
			       "addresses here: not root?)");

	/* (i) */
	for (int run = 0; run < 3; run++) {
		char why[160] = "";
		uint64_t t0 = now_ns();
		double s;

		memset(&dc, 0, sizeof(dc));
		err = lg_replay(go.path, &hdr, decode_only, &dc, why, sizeof(why));
		s = (double)(now_ns() - t0) / 1e9;
		if (err) {
			fprintf(stderr, "bench_replay: lg_replay %s: %s\n", go.path,
				err == -EBADMSG ? why : strerror(-err));
			goto cleanup;
		}
		rates[run] = (double)dc.events / s;
		printf("  (i)  lg_replay + lg_event_validate, run %d: %.3f s, "
		       "%.0f events/s, %.0f MiB/s%s\n", run + 1, s, rates[run],
		       mib(dc.bytes) / s, dc.bad ? " (some events refused!)" : "");
	}
	qsort(rates, 3, sizeof(rates[0]), cmp_double);
	decode_rate = rates[1];
	printf("  (i)  median: %.0f events/s (the ceiling for (ii): lockgraphd "
	       "decodes every event too)\n", decode_rate);

	/* (ii) */
	if (bench_daemon(lockgraphd, "lockgraphd --replay, recording from "
			 "another boot (no kallsyms: stacks not kept)", go.path,
			 dir, "other-boot", gr.events, decode_rate, &rate))
		goto cleanup;
	if (gr.real_addrs && this_boot[0]) {
		err = set_boot_id(go.path, this_boot);
		if (err) {
			fprintf(stderr, "bench_replay: %s: %s\n", go.path,
				strerror(-err));
			goto cleanup;
		}
		if (bench_daemon(lockgraphd, "lockgraphd --replay, recording "
				 "from this boot (stacks symbolised and stored, "
				 "as live)", go.path, dir, "this-boot", gr.events,
				 decode_rate, &rate))
			goto cleanup;
	} else {
		printf("  (ii) this boot: not run (no kernel addresses in "
		       "/proc/kallsyms)\n");
	}
	printf("  targets: 5000000 events/s end to end, (ii)/(i) >= 0.5\n");
	ret = EXIT_SUCCESS;
cleanup:
	if (keep)
		printf("kept: %s\n", dir);
	else
		remove_dir(dir);
	return ret;

bad_usage:
	usage();
	return 2;
}
