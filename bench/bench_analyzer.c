/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bench_analyzer: cost of the lock-order graph on synthetic graphs shaped
 * like lockdep's.
 *
 * Shape.  Classes sit in layers (24 by default): the outermost locks
 * (&mm->mmap_lock, sb_writers, i_rwsem, ...) at the top, leaf spinlocks at
 * the bottom, lower layers holding more classes.  Every dependency goes down
 * (held in a higher layer, taken in a lower one), to the next layer most
 * often (geometric skew), and 15% of them go to a few hub classes
 * (fs_reclaim, &rq->__lock, &obj_hash[i].lock, rcu_read_lock, ...) that end
 * up with in-degrees in the tens of thousands.  Non-leaf classes get ~10
 * out-edges on average.  Mode pairs are mostly W->W, then r->W, and a few
 * with recursive readers (rcu_read_lock is always taken as 'R').  On top of
 * that a handful of circles are injected as back edges between nearby
 * layers: 2-, 3-, 4- and 5-class strong ones (all W->W) and one 2-class
 * circle the read rule rules out (W->R then R->W).
 *
 * Arrival.  The edges are shuffled and fed to lg_graph_add_edge() one by
 * one; a class is registered (lg_graph_class()) when it is first seen, as
 * the ingest path and the daemon do, so the graph's topological order starts
 * out unrelated to the layers ("random" order).  A second run registers every
 * class top layer first before the first edge ("topo" order: the best case,
 * nearly every edge agrees with the order).
 *
 * Measured, per size, each in a fresh child process (fork) so that
 * ru_maxrss belongs to that size alone:
 *  - incremental check: every lg_graph_add_edge() call timed with
 *    clock_gettime(CLOCK_MONOTONIC) (~20-30 ns of the figure is the clock);
 *    median, p99, p99.9, max, and the edges reported as closing a circle;
 *  - what-if: lg_graph_check_new_edge() on a sample of random class pairs
 *    (W->W) on the final graph, median/p99/max and how many hit a circle;
 *  - full search: lg_graph_find_cycles() with the default limits on the
 *    final graph: time, cycles, SCCs, largest SCC, truncated or not;
 *  - memory: ru_maxrss before the graph is built (the benchmark's own arrays
 *    already touched) and after; the difference is the graph.
 *
 * Timings are printed next to the targets, never asserted: the exit status
 * is non-zero only for real errors (out of memory, an API error, a child
 * that died).
 *
 * Usage: bench_analyzer [--sizes C:E,C:E...] [--seed N] [--queries N]
 *			  [--order random|topo|both]
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "graph.h"

#define NLAYERS 24
#define HUB_SHARE_PCT 15
#define NAME_LEN 64

/* ---- time and memory --------------------------------------------------- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static long maxrss_kb(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return -1;
	return ru.ru_maxrss;
}

/* ---- percentiles ------------------------------------------------------- */

struct dist {
	size_t n;
	uint64_t median, p99, p999, max, over_10us;
	double mean;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sorts @v in place. */
static void dist_of(uint64_t *v, size_t n, struct dist *d)
{
	uint64_t sum = 0;

	memset(d, 0, sizeof(*d));
	d->n = n;
	if (!n)
		return;
	qsort(v, n, sizeof(*v), cmp_u64);
	for (size_t i = 0; i < n; i++) {
		sum += v[i];
		if (v[i] > 10000)
			d->over_10us++;
	}
	d->mean = (double)sum / (double)n;
	d->median = v[n / 2];
	d->p99 = v[(n - 1) * 99 / 100];
	d->p999 = v[(n - 1) * 999 / 1000];
	d->max = v[n - 1];
}

/* "812 ns", "12.3 us", "4.56 ms", "1.23 s" */
static const char *fmt_ns(double ns, char *buf, size_t size)
{
	if (ns < 1e3)
		snprintf(buf, size, "%.0f ns", ns);
	else if (ns < 1e6)
		snprintf(buf, size, "%.1f us", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, size, "%.2f ms", ns / 1e6);
	else
		snprintf(buf, size, "%.2f s", ns / 1e9);
	return buf;
}

static void print_dist(const char *what, const struct dist *d)
{
	char a[32], b[32], c[32], e[32], f[32];

	printf("  %-26s n=%-8zu median %-9s p99 %-9s p99.9 %-9s max %-9s mean %-9s >10us %" PRIu64 "\n",
	       what, d->n, fmt_ns((double)d->median, a, sizeof(a)),
	       fmt_ns((double)d->p99, b, sizeof(b)),
	       fmt_ns((double)d->p999, c, sizeof(c)),
	       fmt_ns((double)d->max, e, sizeof(e)),
	       fmt_ns(d->mean, f, sizeof(f)), d->over_10us);
}

/* ---- the synthetic graph ----------------------------------------------- */

struct hub {
	const char *name;
	int layer;		/* negative: counted from the bottom */
	enum lg_mode taken;	/* how it is acquired */
};

static const struct hub hubs[] = {
	{ "fs_reclaim", 8, LG_MODE_WRITE },
	{ "rcu_read_lock", 12, LG_MODE_RECURSIVE_READ },
	{ "&p->pi_lock", -5, LG_MODE_WRITE },
	{ "&rq->__lock", -4, LG_MODE_WRITE },
	{ "&base->lock", -3, LG_MODE_WRITE },
	{ "&zone->lock", -2, LG_MODE_WRITE },
	{ "&obj_hash[i].lock", -1, LG_MODE_WRITE },
	{ "pool_lock", -1, LG_MODE_WRITE },
};
#define NHUBS (sizeof(hubs) / sizeof(hubs[0]))

/* Real outer-lock names for the first classes of the top layers. */
static const char *const top_names[] = {
	"&mm->mmap_lock", "sb_writers#3", "&type->i_mutex_dir_key#4",
	"&sb->s_type->i_mutex_key#10", "cpu_hotplug_lock", "cgroup_mutex",
	"rtnl_mutex", "&of->mutex", "&p->lock", "&ctx->uring_lock",
	"sb_internal", "kn->active#4", "&tty->legacy_mutex",
	"&mapping->invalidate_lock", "&ei->i_data_sem", "jbd2_handle",
};

static const char *const structs[] = {
	"sb", "inode", "mapping", "dev", "q", "ctx", "sk", "table", "rdev",
	"hctx", "net", "bdev", "ei", "fs_info", "tree", "cache", "pool", "wq",
};

static const char *const fields[] = {
	"lock", "mutex", "rwsem", "list_lock", "wait_lock", "state_lock",
	"i_lock", "tree_lock", "lru_lock", "seqlock", "mtx", "spinlock",
};

struct pair_key_set {
	uint64_t *slots; /* key + 1, 0 = empty */
	size_t cap;	 /* power of two */
};

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

/* Returns the slot of @key: found (slots[i] == key + 1) or the empty one. */
static size_t set_slot(const struct pair_key_set *s, uint64_t key)
{
	size_t i = mix64(key) & (s->cap - 1);

	while (s->slots[i] && s->slots[i] != key + 1)
		i = (i + 1) & (s->cap - 1);
	return i;
}

struct synth_edge {
	uint32_t from, to; /* synthetic class numbers */
	uint16_t pairs;
};

struct synth {
	uint32_t nclasses;
	size_t nedges, cap;
	char (*names)[NAME_LEN];
	uint8_t *layer;
	uint32_t layer_start[NLAYERS + 1];
	uint32_t hub_class[NHUBS];
	int hub_layer[NHUBS];
	uint8_t *is_hub;		/* class -> hub index + 1, 0 none */
	struct synth_edge *edges;
	struct pair_key_set set;
	size_t injected_strong, injected_weak;
	uint32_t injected_len[16];
};

static void synth_free(struct synth *s)
{
	free(s->names);
	free(s->layer);
	free(s->is_hub);
	free(s->edges);
	free(s->set.slots);
	memset(s, 0, sizeof(*s));
}

/* Add @from -> @to unless present; *@idx gets the edge's index. */
static int synth_add(struct synth *s, uint32_t from, uint32_t to,
		     unsigned int pairs, size_t *idx)
{
	uint64_t key = ((uint64_t)from << 32) | to;
	size_t slot = set_slot(&s->set, key);

	if (s->set.slots[slot]) {
		for (size_t i = 0; idx && i < s->nedges; i++)
			if (s->edges[i].from == from && s->edges[i].to == to) {
				*idx = i;
				break;
			}
		return 1;
	}
	if (s->nedges >= s->cap)
		return -ENOSPC;
	s->set.slots[slot] = key + 1;
	s->edges[s->nedges] = (struct synth_edge){ from, to, (uint16_t)pairs };
	if (idx)
		*idx = s->nedges;
	s->nedges++;
	return 0;
}

static unsigned int pick_pairs(struct rng *r, const struct synth *s,
			       uint32_t from, uint32_t to)
{
	enum lg_mode held = LG_MODE_WRITE, taken = LG_MODE_WRITE;
	uint32_t x = rng_below(r, 100);

	if (s->is_hub[from])
		held = hubs[s->is_hub[from] - 1].taken;
	if (s->is_hub[to])
		taken = hubs[s->is_hub[to] - 1].taken;
	if (held == LG_MODE_WRITE && taken == LG_MODE_WRITE) {
		if (x < 85)
			;		/* W->W */
		else if (x < 95)
			held = LG_MODE_READ;	/* r->W: under down_read */
		else if (x < 98)
			taken = LG_MODE_READ;	/* W->r */
		else
			held = LG_MODE_RECURSIVE_READ; /* R->W */
	}
	return lg_mode_pair(held, taken);
}

/* A random class of @layer that is not a hub. */
static uint32_t pick_in_layer(struct rng *r, const struct synth *s, int layer)
{
	uint32_t lo = s->layer_start[layer], n = s->layer_start[layer + 1] - lo;

	for (;;) {
		uint32_t c = lo + rng_below(r, n);

		if (!s->is_hub[c])
			return c;
	}
}

/*
 * Inject a circle of @k classes in consecutive layers: forward edges
 * c0 -> c1 -> ... -> c(k-1) and the back edge c(k-1) -> c0.  @weak makes a
 * 2-circle W->R then R->W, which the read rule rules out.
 */
static int inject_cycle(struct rng *r, struct synth *s, uint32_t k, bool weak)
{
	uint32_t c[8];
	int l0 = 3 + (int)rng_below(r, NLAYERS - 6 - k);
	size_t idx;
	int err;

	for (uint32_t i = 0; i < k; i++)
		c[i] = pick_in_layer(r, s, l0 + (int)i);
	for (uint32_t i = 0; i + 1 < k; i++) {
		unsigned int p = weak ? lg_mode_pair(LG_MODE_WRITE,
						     LG_MODE_RECURSIVE_READ) :
					lg_mode_pair(LG_MODE_WRITE, LG_MODE_WRITE);

		err = synth_add(s, c[i], c[i + 1], p, &idx);
		if (err < 0)
			return err;
		s->edges[idx].pairs = (uint16_t)p;
	}
	err = synth_add(s, c[k - 1], c[0],
			weak ? lg_mode_pair(LG_MODE_RECURSIVE_READ, LG_MODE_WRITE) :
			       lg_mode_pair(LG_MODE_WRITE, LG_MODE_WRITE), NULL);
	if (err)
		return err < 0 ? err : -EEXIST;
	if (weak) {
		s->injected_weak++;
	} else {
		s->injected_len[s->injected_strong++] = k;
	}
	return 0;
}

static int synth_build(struct synth *s, uint32_t nclasses, size_t nedges,
		       uint64_t seed)
{
	static const uint32_t cycle_len[] = { 2, 2, 2, 3, 3, 4, 5, 5 };
	uint32_t weight_sum = 0, nonleaf;
	struct rng r;
	int err;

	memset(s, 0, sizeof(*s));
	rng_seed(&r, seed);
	s->nclasses = nclasses;
	s->cap = nedges;
	s->names = calloc(nclasses, sizeof(*s->names));
	s->layer = calloc(nclasses, sizeof(*s->layer));
	s->is_hub = calloc(nclasses, sizeof(*s->is_hub));
	s->edges = calloc(nedges, sizeof(*s->edges));
	for (s->set.cap = 1024; s->set.cap < nedges * 2; s->set.cap *= 2)
		;
	s->set.slots = calloc(s->set.cap, sizeof(*s->set.slots));
	if (!s->names || !s->layer || !s->is_hub || !s->edges || !s->set.slots)
		return -ENOMEM;

	/* Layer l gets a share proportional to l + 4: leaves are many. */
	for (int l = 0; l < NLAYERS; l++)
		weight_sum += (uint32_t)l + 4;
	for (int l = 0; l < NLAYERS; l++) {
		uint64_t n = (uint64_t)nclasses * ((uint32_t)l + 4) / weight_sum;

		s->layer_start[l + 1] = s->layer_start[l] + (uint32_t)n;
	}
	s->layer_start[NLAYERS] = nclasses;
	for (int l = 0; l < NLAYERS; l++) {
		if (s->layer_start[l + 1] - s->layer_start[l] < NHUBS + 8)
			return -EINVAL; /* too few classes for the layers */
		for (uint32_t c = s->layer_start[l]; c < s->layer_start[l + 1]; c++)
			s->layer[c] = (uint8_t)l;
	}
	/* Names: real ones for hubs and the top, lockdep-like for the rest. */
	for (uint32_t c = 0; c < nclasses; c++)
		snprintf(s->names[c], NAME_LEN, "&%s->%s#%u/L%u",
			 structs[rng_below(&r, sizeof(structs) / sizeof(structs[0]))],
			 fields[rng_below(&r, sizeof(fields) / sizeof(fields[0]))],
			 c, s->layer[c]);
	for (size_t i = 0; i < sizeof(top_names) / sizeof(top_names[0]); i++) {
		uint32_t c = s->layer_start[i % 3] + (uint32_t)(i / 3);

		snprintf(s->names[c], NAME_LEN, "%s", top_names[i]);
	}
	for (size_t h = 0; h < NHUBS; h++) {
		int l = hubs[h].layer < 0 ? NLAYERS + hubs[h].layer : hubs[h].layer;
		/* Past the top names, and two hubs of a layer apart. */
		uint32_t c = s->layer_start[l] + 6 + (uint32_t)h;

		s->hub_layer[h] = l;
		s->hub_class[h] = c;
		s->is_hub[c] = (uint8_t)(h + 1);
		snprintf(s->names[c], NAME_LEN, "%s", hubs[h].name);
	}

	/* The circles first, so that their forward edges are W->W. */
	for (size_t i = 0; i < sizeof(cycle_len) / sizeof(cycle_len[0]); i++) {
		err = inject_cycle(&r, s, cycle_len[i], false);
		if (err)
			return err;
	}
	err = inject_cycle(&r, s, 2, true);
	if (err)
		return err;

	/* The bulk: random non-leaf source, downward target. */
	nonleaf = s->layer_start[NLAYERS - 1];
	while (s->nedges < nedges) {
		uint32_t from = rng_below(&r, nonleaf), to;
		int lf = s->layer[from], lt;

		if (rng_below(&r, 100) < HUB_SHARE_PCT) {
			size_t h = rng_below(&r, NHUBS);

			if (s->hub_layer[h] <= lf)
				continue;
			to = s->hub_class[h];
		} else {
			lt = lf + 1;
			while (lt < NLAYERS - 1 && rng_below(&r, 100) < 45)
				lt++;
			to = pick_in_layer(&r, s, lt);
		}
		err = synth_add(s, from, to, pick_pairs(&r, s, from, to), NULL);
		if (err < 0)
			return err;
	}

	/* Arrival order: a fixed-seed shuffle. */
	for (size_t i = s->nedges; i > 1; i--) {
		size_t j = (size_t)(rng_next(&r) % i);
		struct synth_edge t = s->edges[i - 1];

		s->edges[i - 1] = s->edges[j];
		s->edges[j] = t;
	}
	return 0;
}

/* ---- one size, in a child --------------------------------------------- */

enum reg_order { ORDER_RANDOM, ORDER_TOPO };

/* What a child hands back to the parent through a pipe. */
struct result {
	int err;
	uint32_t nclasses;
	size_t nedges_wanted, nedges;
	enum reg_order order;
	struct dist add, whatif, reg;
	size_t cycles_closed, add_failures, whatif_hits;
	double build_s, search_s;
	struct lg_cycle_stats stats;
	long rss_before_kb, rss_after_kb, rss_final_kb;
	size_t injected_strong, injected_weak;
};

struct slow_edge {
	uint64_t ns;
	size_t index;	   /* arrival number, 0-based */
	uint32_t from, to; /* synthetic */
	uint32_t out_from, in_from, out_to, in_to; /* degrees at the end */
};

struct bench_cfg {
	uint32_t nclasses;
	size_t nedges;
	uint64_t seed;
	size_t queries;
	enum reg_order order;
};

static int count_cycle(const struct lg_graph *g, const struct lg_path *cycle,
		       void *ctx)
{
	size_t *hist = ctx;

	(void)g;
	hist[cycle->n < 15 ? cycle->n : 15]++;
	return 0;
}

static int run_size(const struct bench_cfg *cfg, struct result *res)
{
	struct synth s;
	struct lg_graph *g = NULL;
	lg_class_id *gid = NULL;
	uint32_t *degree_out = NULL, *degree_in = NULL;
	uint64_t *t_add = NULL, *t_reg = NULL, *t_q = NULL, t0;
	size_t nreg = 0, hist[16] = { 0 };
	struct slow_edge slow[6] = { 0 };
	char b1[32];
	int err;

	memset(res, 0, sizeof(*res));
	res->nclasses = cfg->nclasses;
	res->nedges_wanted = cfg->nedges;
	res->order = cfg->order;
	t0 = now_ns();
	err = synth_build(&s, cfg->nclasses, cfg->nedges, cfg->seed);
	if (err) {
		fprintf(stderr, "bench_analyzer: building the synthetic graph: %s\n",
			strerror(-err));
		goto out;
	}
	res->injected_strong = s.injected_strong;
	res->injected_weak = s.injected_weak;
	printf("  generated %u classes, %zu edges in %s (seed %" PRIu64 ")\n",
	       s.nclasses, s.nedges, fmt_ns((double)(now_ns() - t0), b1, sizeof(b1)),
	       cfg->seed);

	err = -ENOMEM;
	gid = malloc(s.nclasses * sizeof(*gid));
	degree_out = calloc(s.nclasses, sizeof(*degree_out));
	degree_in = calloc(s.nclasses, sizeof(*degree_in));
	t_add = malloc(s.nedges * sizeof(*t_add));
	t_reg = malloc(s.nclasses * sizeof(*t_reg));
	t_q = malloc((cfg->queries + 1) * sizeof(*t_q));
	g = lg_graph_new();
	if (!gid || !degree_out || !degree_in || !t_add || !t_reg || !t_q || !g)
		goto out;
	/* Touch everything the benchmark owns, so maxrss after - before is
	 * the graph. */
	memset(gid, 0xff, s.nclasses * sizeof(*gid));
	memset(t_add, 0, s.nedges * sizeof(*t_add));
	memset(t_reg, 0, s.nclasses * sizeof(*t_reg));
	memset(t_q, 0, (cfg->queries + 1) * sizeof(*t_q));
	for (size_t i = 0; i < s.nedges; i++) {
		degree_out[s.edges[i].from]++;
		degree_in[s.edges[i].to]++;
	}
	res->rss_before_kb = maxrss_kb();

	t0 = now_ns();
	if (cfg->order == ORDER_TOPO) {
		for (uint32_t c = 0; c < s.nclasses; c++) {
			uint64_t a = now_ns();

			err = lg_graph_class(g, s.names[c], true, &gid[c]);
			t_reg[nreg++] = now_ns() - a;
			if (err)
				goto api_fail;
		}
	}
	for (size_t i = 0; i < s.nedges; i++) {
		const struct synth_edge *e = &s.edges[i];
		struct lg_path cycle = { 0 };
		uint32_t ends[2] = { e->from, e->to };
		uint64_t a, dt;
		int ret;

		for (int k = 0; k < 2; k++) {
			if (gid[ends[k]] != LG_NONE)
				continue;
			a = now_ns();
			err = lg_graph_class(g, s.names[ends[k]], true, &gid[ends[k]]);
			t_reg[nreg++] = now_ns() - a;
			if (err)
				goto api_fail;
		}
		a = now_ns();
		ret = lg_graph_add_edge(g, gid[e->from], gid[e->to], e->pairs,
					NULL, NULL, &cycle);
		dt = now_ns() - a;
		t_add[i] = dt;
		if (ret < 0) {
			res->add_failures++;
			err = ret;
			fprintf(stderr, "bench_analyzer: lg_graph_add_edge(%s -> %s): %s\n",
				s.names[e->from], s.names[e->to], strerror(-ret));
			goto out;
		}
		if (ret == 1) {
			res->cycles_closed++;
			lg_path_free(&cycle);
		}
		/* Keep the slowest few, sorted descending. */
		if (dt > slow[5].ns) {
			int k = 5;

			while (k > 0 && slow[k - 1].ns < dt) {
				slow[k] = slow[k - 1];
				k--;
			}
			slow[k] = (struct slow_edge){ .ns = dt, .index = i,
						      .from = e->from,
						      .to = e->to };
		}
	}
	res->build_s = (double)(now_ns() - t0) / 1e9;
	res->rss_after_kb = maxrss_kb();
	res->nedges = lg_graph_nedges(g);

	dist_of(t_add, s.nedges, &res->add);
	dist_of(t_reg, nreg, &res->reg);
	print_dist("lg_graph_add_edge", &res->add);
	print_dist("lg_graph_class (register)", &res->reg);
	printf("  build total %.2f s; edges closing a circle: %zu "
	       "(injected: %zu strong, %zu weak)\n", res->build_s,
	       res->cycles_closed, s.injected_strong, s.injected_weak);
	printf("  slowest additions (arrival #, class [layer, out/in degree in the "
	       "final graph]):\n");
	for (int k = 0; k < 6 && slow[k].ns; k++) {
		uint32_t f = slow[k].from, t = slow[k].to;

		printf("    %-9s #%-7zu %s [L%u %u/%u] -> %s [L%u %u/%u]\n",
		       fmt_ns((double)slow[k].ns, b1, sizeof(b1)), slow[k].index,
		       s.names[f],
		       s.layer[f], degree_out[f], degree_in[f], s.names[t],
		       s.layer[t], degree_out[t], degree_in[t]);
	}

	/* What-if queries on random pairs of classes. */
	{
		struct rng r;
		size_t nq = 0;

		rng_seed(&r, cfg->seed ^ 0x5eed);
		for (size_t i = 0; i < cfg->queries; i++) {
			uint32_t a = rng_below(&r, s.nclasses);
			uint32_t b = rng_below(&r, s.nclasses);
			struct lg_path cycle = { 0 };
			uint64_t q0;
			int ret;

			if (a == b || gid[a] == LG_NONE || gid[b] == LG_NONE)
				continue;
			q0 = now_ns();
			ret = lg_graph_check_new_edge(g, gid[a], gid[b],
						      lg_mode_pair(LG_MODE_WRITE,
								   LG_MODE_WRITE),
						      &cycle);
			t_q[nq++] = now_ns() - q0;
			if (ret < 0) {
				err = ret;
				fprintf(stderr, "bench_analyzer: lg_graph_check_new_edge: %s\n",
					strerror(-ret));
				goto out;
			}
			if (ret == 1) {
				res->whatif_hits++;
				lg_path_free(&cycle);
			}
		}
		dist_of(t_q, nq, &res->whatif);
		print_dist("lg_graph_check_new_edge", &res->whatif);
		printf("  what-if queries that would close a circle: %zu of %zu\n",
		       res->whatif_hits, nq);
	}

	/* The full search. */
	t0 = now_ns();
	err = lg_graph_find_cycles(g, NULL, count_cycle, hist, &res->stats);
	res->search_s = (double)(now_ns() - t0) / 1e9;
	if (err < 0) {
		fprintf(stderr, "bench_analyzer: lg_graph_find_cycles: %s\n",
			strerror(-err));
		goto out;
	}
	err = 0;
	printf("  lg_graph_find_cycles %.3f s: %zu strong cycles, %zu weak, "
	       "%zu SCCs, largest %zu classes, %s%s%s\n", res->search_s,
	       res->stats.cycles, res->stats.weak_cycles, res->stats.sccs,
	       res->stats.largest_scc,
	       res->stats.truncated ? "TRUNCATED (" : "complete",
	       res->stats.truncated ? res->stats.truncated_why : "",
	       res->stats.truncated ? ")" : "");
	printf("  strong cycle lengths:");
	for (int k = 2; k < 16; k++)
		if (hist[k])
			printf(" %d%s:%zu", k, k == 15 ? "+" : "", hist[k]);
	printf("\n");
	res->rss_final_kb = maxrss_kb();
	printf("  maxrss: %ld KiB before the graph, %ld KiB after building "
	       "(graph +%ld KiB, %.0f B/edge), %ld KiB after the search\n",
	       res->rss_before_kb, res->rss_after_kb,
	       res->rss_after_kb - res->rss_before_kb,
	       res->nedges ? (double)(res->rss_after_kb - res->rss_before_kb) *
				     1024.0 / (double)res->nedges : 0.0,
	       res->rss_final_kb);
	goto out;

api_fail:
	fprintf(stderr, "bench_analyzer: lg_graph_class: %s\n", strerror(-err));
out:
	res->err = err;
	lg_graph_free(g);
	free(gid);
	free(degree_out);
	free(degree_in);
	free(t_add);
	free(t_reg);
	free(t_q);
	synth_free(&s);
	return err;
}

static int run_size_work(const void *cfg, void *res)
{
	return run_size(cfg, res);
}

/* Run one size in a child; its result comes back through a pipe. */
static int run_child(const struct bench_cfg *cfg, struct result *res)
{
	ssize_t got;
	int err, status;

	memset(res, 0, sizeof(*res));
	err = bench_run_in_child(run_size_work, cfg, res, sizeof(*res), &got,
				 &status);
	if (err)
		return err;
	if (WIFSIGNALED(status)) {
		fprintf(stderr, "bench_analyzer: child for %u/%zu killed by signal %d\n",
			cfg->nclasses, cfg->nedges, WTERMSIG(status));
		return -ECHILD;
	}
	if (got != (ssize_t)sizeof(*res))
		return -EIO;
	if (res->err)
		return res->err;
	return WEXITSTATUS(status) ? -ECHILD : 0;
}

/* ---- summary ----------------------------------------------------------- */

static const char *order_name(enum reg_order o)
{
	return o == ORDER_TOPO ? "topo" : "random";
}

static void print_summary(const struct result *res, size_t n)
{
	char a[32], b[32], c[32], d[32], e[32], f[32];

	printf("\n== bench_analyzer summary ==\n");
	printf("%-15s %-6s %-9s %-9s %-9s %-9s %-7s %-6s %-9s %-9s %-8s %-6s %-5s %-6s %s\n",
	       "classes/edges", "order", "add p50", "add p99", "add p99.9",
	       "add max", "build s", "closed", "wif p50", "wif p99", "search s",
	       "cycles", "SCCs", "maxSCC", "graph RSS");
	for (size_t i = 0; i < n; i++) {
		const struct result *r = &res[i];
		char sz[32];

		if (r->err) {
			printf("%u/%zu: FAILED (%s)\n", r->nclasses,
			       r->nedges_wanted, strerror(-r->err));
			continue;
		}
		snprintf(sz, sizeof(sz), "%u/%zu", r->nclasses, r->nedges);
		printf("%-15s %-6s %-9s %-9s %-9s %-9s %-7.2f %-6zu %-9s %-9s %-8.3f %-6zu %-5zu %-6zu %ld MiB%s\n",
		       sz, order_name(r->order),
		       fmt_ns((double)r->add.median, a, sizeof(a)),
		       fmt_ns((double)r->add.p99, b, sizeof(b)),
		       fmt_ns((double)r->add.p999, c, sizeof(c)),
		       fmt_ns((double)r->add.max, d, sizeof(d)), r->build_s,
		       r->cycles_closed,
		       fmt_ns((double)r->whatif.median, e, sizeof(e)),
		       fmt_ns((double)r->whatif.p99, f, sizeof(f)),
		       r->search_s, r->stats.cycles, r->stats.sccs,
		       r->stats.largest_scc,
		       (r->rss_after_kb - r->rss_before_kb) / 1024,
		       r->stats.truncated ? " (search truncated)" : "");
	}
	printf("(add = one lg_graph_add_edge call; closed = additions that reported "
	       "a new deadlock circle;\n wif = lg_graph_check_new_edge on random "
	       "pairs; cycles = strong cycles lg_graph_find_cycles reported)\n");

	printf("\n%-32s %-36s %s\n", "target", "figure", "status");
	for (size_t i = 0; i < n; i++) {
		const struct result *r = &res[i];
		char what[64], fig[64];

		if (r->err)
			continue;
		snprintf(what, sizeof(what), "p99 incremental check < 10 us");
		snprintf(fig, sizeof(fig), "%s (%u/%zu %s)",
			 fmt_ns((double)r->add.p99, a, sizeof(a)), r->nclasses,
			 r->nedges, order_name(r->order));
		printf("%-32s %-36s %s\n", what, fig,
		       r->add.p99 < 10000 ? "met" : "MISSED");
	}
	for (size_t i = 0; i < n; i++) {
		const struct result *r = &res[i];
		char fig[64];

		if (r->err || r->nclasses < 100000)
			continue;
		snprintf(fig, sizeof(fig), "%.3f s (%u/%zu %s)%s", r->search_s,
			 r->nclasses, r->nedges, order_name(r->order),
			 r->stats.truncated ? " truncated" : "");
		printf("%-32s %-36s %s\n", "full search 100k/1M < 1 s", fig,
		       r->search_s < 1.0 && !r->stats.truncated ? "met" : "MISSED");
	}
	for (size_t i = 0; i < n; i++) {
		const struct result *r = &res[i];
		char fig[64];
		bool ok = !r->err && !r->add_failures &&
			  r->nedges == r->nedges_wanted;

		if (r->nedges_wanted < 1000000)
			continue;
		snprintf(fig, sizeof(fig), "%zu of %zu edges (%s)", r->nedges,
			 r->nedges_wanted, order_name(r->order));
		printf("%-32s %-36s %s\n", "1M edges with no failure", fig,
		       ok ? "met" : "MISSED");
	}
}

/* ---- main -------------------------------------------------------------- */

#define MAX_RUNS 16

static int parse_sizes(const char *arg, uint32_t *cls, size_t *edg, size_t *n)
{
	const char *p = arg;

	*n = 0;
	while (*p) {
		char *end;
		unsigned long c, e;

		errno = 0;
		c = strtoul(p, &end, 10);
		if (errno || end == p || *end != ':' || !c || c > 10000000)
			return -EINVAL;
		p = end + 1;
		e = strtoul(p, &end, 10);
		if (errno || end == p || (*end && *end != ','))
			return -EINVAL;
		if (*n >= MAX_RUNS / 2)
			return -E2BIG;
		cls[*n] = (uint32_t)c;
		edg[*n] = e;
		(*n)++;
		p = *end ? end + 1 : end;
	}
	return *n ? 0 : -EINVAL;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_analyzer [--sizes C:E[,C:E...]] [--seed N] "
		"[--queries N] [--order random|topo|both]\n");
}

int main(int argc, char **argv)
{
	uint32_t cls[MAX_RUNS / 2] = { 10000, 100000 };
	size_t edg[MAX_RUNS / 2] = { 100000, 1000000 }, nsizes = 2, nres = 0;
	struct result res[MAX_RUNS];
	uint64_t seed = 20240601;
	size_t queries = 10000;
	bool orders[2] = { true, true };
	int failed = 0;

	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(argv[i], "--sizes") && v) {
			if (parse_sizes(v, cls, edg, &nsizes)) {
				usage();
				return EXIT_FAILURE;
			}
		} else if (!strcmp(argv[i], "--seed") && v) {
			seed = strtoull(v, NULL, 0);
		} else if (!strcmp(argv[i], "--queries") && v) {
			queries = strtoul(v, NULL, 0);
		} else if (!strcmp(argv[i], "--order") && v) {
			orders[ORDER_RANDOM] = !strcmp(v, "random") || !strcmp(v, "both");
			orders[ORDER_TOPO] = !strcmp(v, "topo") || !strcmp(v, "both");
			if (!orders[0] && !orders[1]) {
				usage();
				return EXIT_FAILURE;
			}
		} else {
			usage();
			return EXIT_FAILURE;
		}
		i++;
	}

	printf("== bench_analyzer: lock-order graph, synthetic lockdep-shaped graphs ==\n");
	printf("%d layers, %zu hubs taking %d%% of the edges, 8 injected strong "
	       "circles + 1 weak; edges arrive shuffled\n", NLAYERS, NHUBS,
	       HUB_SHARE_PCT);
	printf("order 'random': classes registered at first use (topological "
	       "order starts unrelated to the layers);\n"
	       "order 'topo': classes registered top layer first (best case)\n");
	for (size_t i = 0; i < nsizes; i++) {
		for (int o = 0; o < 2; o++) {
			struct bench_cfg cfg = {
				.nclasses = cls[i], .nedges = edg[i], .seed = seed,
				.queries = queries, .order = (enum reg_order)o,
			};
			int err;

			if (!orders[o])
				continue;
			printf("\n-- %u classes, %zu edges, order %s --\n", cls[i],
			       edg[i], order_name(cfg.order));
			err = run_child(&cfg, &res[nres]);
			if (err) {
				fprintf(stderr, "bench_analyzer: %u/%zu %s: %s\n",
					cls[i], edg[i], order_name(cfg.order),
					strerror(-err));
				res[nres].err = err;
				res[nres].nclasses = cls[i];
				res[nres].nedges_wanted = edg[i];
				failed = 1;
			}
			nres++;
		}
	}
	print_summary(res, nres);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
