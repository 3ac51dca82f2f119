/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The contention reader's merge of per-CPU slots and spill rings into
 * per-key totals.  See contmerge.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "contmerge.h"

/* A key's figures as one read found them: a spill entry or a slot. */
struct cont_read {
	struct lg_contention_key key;	/* stack_id: the entry's */
	struct lg_contention_stats st;
	__u64 lock;	/* a slot's: the lock of its key's first wait, or 0 */
	bool in_slot;
};

int lg_cont_merge_init(struct lg_cont_merge *m, int ncpus)
{
	memset(m, 0, sizeof(*m));
	if (ncpus <= 0)
		return -EINVAL;
	m->seen_head = calloc((size_t)ncpus, sizeof(*m->seen_head));
	if (!m->seen_head)
		return -ENOMEM;
	m->ncpus = ncpus;
	return 0;
}

void lg_cont_merge_free(struct lg_cont_merge *m)
{
	free(m->keys);
	free(m->seen_head);
	memset(m, 0, sizeof(*m));
}

/* Add @v to @sum (max: the largest). */
static void cont_add(struct lg_contention_stats *sum,
		     const struct lg_contention_stats *v)
{
	sum->count += v->count;
	sum->total_ns += v->total_ns;
	if (v->max_ns > sum->max_ns)
		sum->max_ns = v->max_ns;
}

/* Order of what a read found, by key (stack ids aside), for qsort(). */
static int read_cmp(const void *a, const void *b)
{
	return memcmp(&((const struct cont_read *)a)->key,
		      &((const struct cont_read *)b)->key,
		      offsetof(struct lg_contention_key, stack_id));
}

/*
 * Every CPU's spill entries not taken yet and the keys in its slots (a
 * slot being handed over is skipped), into @out (ncpus * (LG_CONT_NSPILL +
 * LG_CONT_NSLOTS) entries at most), @n of them.  Nothing in @m changes.
 */
static int read_cpus(const struct lg_cont_merge *m,
		     const struct lg_cont_cpu *cpus, struct cont_read *out,
		     size_t *n)
{
	*n = 0;
	for (int c = 0; c < m->ncpus; c++) {
		const struct lg_cont_cpu *cpu = &cpus[c];
		__u64 head = cpu->spill_head, from = m->seen_head[c];

		/* the programs never overwrite an entry not taken: never */
		if (head - from > LG_CONT_NSPILL)
			return -EPROTO;
		for (; from < head; from++) {
			const struct lg_cont_spill *e =
				&cpu->spill[from & (LG_CONT_NSPILL - 1)];

			out[*n].key = e->key;
			out[*n].st = e->st;
			out[*n].lock = 0;
			out[(*n)++].in_slot = false;
		}
		for (int i = 0; i < LG_CONT_NSLOTS; i++) {
			const struct lg_cont_slot *sl = &cpu->slot[i];

			if (sl->gen != sl->gen_done || !sl->st.count)
				continue;
			out[*n].key = sl->key;
			out[*n].st = sl->st;
			out[*n].lock = sl->lock;
			out[(*n)++].in_slot = true;
		}
	}
	return 0;
}

/*
 * What was read for one key (@r[0..nr-1]) into @cur: spill entries add to
 * its spilled figures for good, slots only to this read's @now.  A stack
 * id an entry brings is kept, and so is the first lock address a slot
 * brings.
 */
static void cont_take(struct lg_cont_seen *cur, const struct cont_read *r,
		      size_t nr, struct lg_contention_stats *now)
{
	cur->in_slot = false;
	memset(now, 0, sizeof(*now));
	for (size_t i = 0; i < nr; i++) {
		if (r[i].in_slot) {
			cont_add(now, &r[i].st);
			cur->in_slot = true;
		} else {
			cont_add(&cur->spilled, &r[i].st);
		}
		if (cur->stack_id < 0 && r[i].key.stack_id >= 0)
			cur->stack_id = r[i].key.stack_id;
		if (!cur->lock)
			cur->lock = r[i].lock;
	}
	cont_add(now, &cur->spilled);
}

/*
 * @cur's figures now are @now; what grew since the last delivery goes to
 * @fn.  A read with less count or less time than delivered (a slot handed
 * over between the copy of its CPU's ring head and the copy of the slot,
 * or a slot copied while its count and time were being added to) is
 * skipped whole: @cur->sum never goes down, and count and time always
 * move together, so the time of waits is never delivered without them
 * being counted, nor lost.  max_ns is the largest since the key appeared.
 */
static int cont_deliver(struct lg_cont_merge *m, struct lg_cont_seen *cur,
			const struct lg_contention_stats *now,
			lg_cont_merge_fn fn, void *ctx)
{
	struct lg_contention_stats delta;

	if (now->max_ns > cur->sum.max_ns)
		cur->sum.max_ns = now->max_ns;
	if (now->count < cur->sum.count || now->total_ns < cur->sum.total_ns)
		return 0;	/* read again next time */
	delta.count = now->count - cur->sum.count;
	delta.total_ns = now->total_ns - cur->sum.total_ns;
	delta.max_ns = cur->sum.max_ns;
	cur->idle = delta.count ? 0 : cur->idle + 1;
	if (!delta.count && !delta.total_ns)
		return 0;
	cur->sum.count = now->count;
	cur->sum.total_ns = now->total_ns;
	m->delivered += delta.count;
	m->delivered_ns += delta.total_ns;
	return fn(cur, &delta, ctx);
}

int lg_cont_merge(struct lg_cont_merge *m, const struct lg_cont_cpu *cpus,
		  lg_cont_merge_fn fn, void *ctx)
{
	struct lg_cont_seen *next = NULL;
	struct cont_read *rd = NULL;
	size_t nrd = 0, n = 0, cap, i, j;
	__u64 timed = 0, timed_ns = 0, refused_ns = 0;
	int err = 0;

	rd = calloc((size_t)m->ncpus * (LG_CONT_NSPILL + LG_CONT_NSLOTS),
		    sizeof(*rd));
	if (!rd)
		return -ENOMEM;
	err = read_cpus(m, cpus, rd, &nrd);
	if (err)
		goto cleanup;
	qsort(rd, nrd, sizeof(*rd), read_cmp);
	cap = m->n + nrd;
	next = calloc(cap ? cap : 1, sizeof(*next));
	if (!next) {
		err = -ENOMEM;
		goto cleanup;
	}
	/* Nothing fails past here but @fn: take what was read. */
	for (int c = 0; c < m->ncpus; c++) {
		timed += cpus[c].timed;
		timed_ns += cpus[c].timed_ns;
		refused_ns += cpus[c].refused_ns;
		m->spilled += cpus[c].spill_head - m->seen_head[c];
		m->seen_head[c] = cpus[c].spill_head;
	}
	m->timed = timed;
	m->timed_ns = timed_ns;
	m->refused_ns = refused_ns;
	/* Merge the keys known (m->keys, sorted) with the keys read. */
	for (i = 0, j = 0; i < m->n || j < nrd;) {
		struct lg_contention_stats now;
		struct lg_cont_seen *cur = &next[n];
		size_t k = j;
		int cmp;

		if (i == m->n)
			cmp = 1;
		else if (j == nrd)
			cmp = -1;
		else
			cmp = memcmp(&m->keys[i].key, &rd[j].key,
				     offsetof(struct lg_contention_key, stack_id));
		if (cmp <= 0) {
			*cur = m->keys[i++];
		} else {
			memset(cur, 0, sizeof(*cur));
			cur->key = rd[j].key;
			cur->key.stack_id = -1;
			cur->stack_id = -1;
		}
		if (cmp >= 0)
			while (k < nrd && !read_cmp(&rd[k], &rd[j]))
				k++;
		cont_take(cur, rd + j, k - j, &now);
		j = k;
		/* after a failure, keys are still taken: delivered next time */
		if (!err)
			err = cont_deliver(m, cur, &now, fn, ctx);
		/*
		 * A key in no slot whose figures were all delivered and that
		 * has had no wait for a while is forgotten (unrecognised
		 * locks in dynamic memory make new keys without end); if it
		 * comes back, its figures start from zero again.
		 */
		if (!err && !cur->in_slot && cur->idle >= LG_CONT_IDLE_FLUSHES &&
		    cur->sum.count == cur->spilled.count &&
		    cur->sum.total_ns == cur->spilled.total_ns)
			continue;
		n++;
	}
	/* What was taken from the rings is only here now: keep it. */
	free(m->keys);
	m->keys = next;
	m->n = n;
	next = NULL;
cleanup:
	free(next);
	free(rd);
	return err;
}

int lg_fault_table_offer(struct lg_fault_table *t, __u64 key, __u64 lock,
			 __u32 object_size, __u32 mutex_size,
			 unsigned int ncpus)
{
	__u64 off = LG_SLAB_OFF(key), n = 1, bytes, lo;

	if (t->hi)
		return 0;
	while (n < 8ULL * ncpus)
		n <<= 1;
	bytes = n * mutex_size;
	/* kmalloc's size classes: the array is over half of its object */
	if (!mutex_size || !ncpus || off >= LG_SLAB_OFF_MAX ||
	    off % mutex_size || off + mutex_size > bytes ||
	    bytes > object_size || object_size >= 2 * bytes || lock <= off)
		return -EINVAL;
	lo = lock - off;
	/* a second witness: the same object, cache and lo, another offset */
	if (lo != t->cand_lo ||
	    LG_SLAB_CACHE(key) != LG_SLAB_CACHE(t->cand_key) ||
	    off == LG_SLAB_OFF(t->cand_key)) {
		t->cand_lo = lo;
		t->cand_key = key;
		return 0;
	}
	t->lo = lo;
	t->hi = lo + bytes;
	return 1;
}
