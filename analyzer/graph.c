/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The lock-order graph and its cycle checks.  See graph.h for the rules.
 *
 * Layout: classes and edges live in flat arrays indexed by id; each class has
 * a growable list of outgoing and incoming edge ids.  Two open-addressing
 * hash tables map a class name to its id and a (from, to) pair to its edge.
 *
 * Incremental checks keep a topological order of the strongly connected
 * components (SCCs) of the graph, so that a new dependency that agrees with
 * the order needs no search at all.  Components are a union-find over
 * classes.  The order is an order-maintenance list (Dietz and Sleator): a
 * doubly linked list of component roots, each with a 64-bit label that
 * grows along the list, relabelled locally when two neighbours run out of
 * room.  A dependency that goes against the order gets a two-way search
 * (Haeupler, Kavitha, Mathew, Sen and Tarjan, "Incremental cycle detection,
 * topological ordering, and strong component maintenance", TALG 2012):
 * forward from the new lock and backward from the held one, one class at a
 * time, inside the window of labels between them.  If one side runs out
 * before they meet there is no circle, and only that side moves: the
 * backward set to just before the new lock, or the forward set to just
 * after the held one.  If they meet, a circle closed: both sets are
 * completed, lockdep's strong-path search runs inside them, and the
 * components on the circle merge into one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "graph.h"

struct lg_id_list {
	uint32_t *v;
	uint32_t n, cap;
};

struct lg_class {
	char *name;
	uint32_t hash;
	struct lg_id_list out; /* edge ids */
	struct lg_id_list in;  /* edge ids */
};

struct lg_edge {
	lg_class_id from, to;
	uint16_t pairs;
	uint16_t prev_pairs;	/* before its last change (0: inserted) */
	uint32_t changed;	/* g->changes at its last change */
};

struct lg_graph {
	struct lg_class *classes;
	size_t nclasses, classes_cap;
	struct lg_edge *edges;
	size_t nedges, edges_cap;

	uint32_t *name_slots; /* class id + 1, 0 = empty */
	size_t name_cap;      /* power of two */
	uint32_t *edge_slots; /* edge id + 1, 0 = empty */
	size_t edge_cap;      /* power of two */
	uint32_t changes;     /* edge insertions and mode gains (saturates) */

	/*
	 * SCC order: union-find parent; at each root, its label and its
	 * neighbours in the order list.
	 */
	uint32_t *comp_parent;
	uint64_t *label;
	uint32_t *lprev, *lnext;
	uint32_t list_head, list_tail;

	/* Search scratch, sized to 2 * classes (one per search state). */
	uint64_t *mark;	       /* generation stamp per state */
	uint32_t *prev_state;  /* BFS parent state */
	uint32_t *prev_edge;   /* edge used to reach the state */
	uint32_t *queue;
	uint64_t generation;   /* 64 bits: never wraps */
	size_t scratch_cap;    /* classes the scratch arrays cover */
	uint64_t gave_up;      /* simple-path searches past their budget */

	/* Two-way search scratch: component lists and class stacks. */
	struct lg_id_list fwd, bwd, stack_f, stack_b;
	uint64_t *comp_mark; /* per class id (used at roots): stamp */
	uint32_t *comp_flag; /* bit 0 forward, bit 1 backward */
};

static void list_insert_after(struct lg_graph *g, uint32_t pos, uint32_t r);
static void label_run(struct lg_graph *g, uint32_t first, uint32_t last,
		      uint64_t count);

/* ---- modes ------------------------------------------------------------ */

unsigned int lg_mode_pair(enum lg_mode from, enum lg_mode to)
{
	return 1u << ((unsigned int)from * 3 + (unsigned int)to);
}

static unsigned int pair_dep(unsigned int from, unsigned int to)
{
	bool shared = from != LG_MODE_WRITE;
	bool recursive = to == LG_MODE_RECURSIVE_READ;

	if (shared)
		return recursive ? LG_DEP_SR : LG_DEP_SN;
	return recursive ? LG_DEP_ER : LG_DEP_EN;
}

unsigned int lg_mode_pairs_deps(unsigned int pairs)
{
	unsigned int deps = 0;

	for (unsigned int i = 0; i < 9; i++)
		if (pairs & (1u << i))
			deps |= pair_dep(i / 3, i % 3);
	return deps;
}

char lg_mode_char(enum lg_mode mode)
{
	switch (mode) {
	case LG_MODE_READ:
		return 'r';
	case LG_MODE_RECURSIVE_READ:
		return 'R';
	default:
		return 'W';
	}
}

int lg_mode_parse(char c, enum lg_mode *mode)
{
	switch (c) {
	case 'W':
		*mode = LG_MODE_WRITE;
		return 0;
	case 'r':
		*mode = LG_MODE_READ;
		return 0;
	case 'R':
		*mode = LG_MODE_RECURSIVE_READ;
		return 0;
	}
	return -EINVAL;
}

void lg_mode_pairs_format(unsigned int pairs, char *buf, size_t size)
{
	size_t len = 0;

	if (!size)
		return;
	buf[0] = '\0';
	for (unsigned int i = 0; i < 9; i++) {
		if (!(pairs & (1u << i)))
			continue;
		if (len + 6 >= size)
			break;
		len += (size_t)snprintf(buf + len, size - len, "%s%c->%c",
					len ? "," : "", lg_mode_char(i / 3),
					lg_mode_char(i % 3));
	}
}

int lg_mode_pairs_parse(const char *text, unsigned int *pairs)
{
	unsigned int mask = 0;
	const char *p = text;
	enum lg_mode a, b;

	while (*p) {
		if (lg_mode_parse(p[0], &a) || p[1] != '-' || p[2] != '>' ||
		    lg_mode_parse(p[3], &b))
			return -EINVAL;
		mask |= lg_mode_pair(a, b);
		p += 4;
		if (*p == ',' && p[1])
			p++;
		else if (*p)
			return -EINVAL;
	}
	*pairs = mask;
	return 0;
}

/* ---- small containers ------------------------------------------------- */

static int id_list_push(struct lg_id_list *l, uint32_t v)
{
	if (l->n == l->cap) {
		uint32_t ncap = l->cap ? l->cap * 2 : 4;
		uint32_t *nv = realloc(l->v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n++] = v;
	return 0;
}

/* Make room for @n ids in @l, so that pushes up to @n cannot fail. */
static int id_list_reserve(struct lg_id_list *l, uint32_t n)
{
	uint32_t *nv;

	if (n <= l->cap)
		return 0;
	nv = realloc(l->v, n * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	l->v = nv;
	l->cap = n;
	return 0;
}

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static uint32_t hash_pair(lg_class_id a, lg_class_id b)
{
	uint64_t x = ((uint64_t)a << 32) | b;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return (uint32_t)x;
}

/* ---- graph ------------------------------------------------------------ */

struct lg_graph *lg_graph_new(void)
{
	struct lg_graph *g = calloc(1, sizeof(struct lg_graph));

	if (g)
		g->list_head = g->list_tail = LG_NONE;
	return g;
}

void lg_graph_free(struct lg_graph *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->nclasses; i++) {
		free(g->classes[i].name);
		free(g->classes[i].out.v);
		free(g->classes[i].in.v);
	}
	free(g->classes);
	free(g->edges);
	free(g->name_slots);
	free(g->edge_slots);
	free(g->comp_parent);
	free(g->label);
	free(g->lprev);
	free(g->lnext);
	free(g->mark);
	free(g->prev_state);
	free(g->prev_edge);
	free(g->queue);
	free(g->fwd.v);
	free(g->bwd.v);
	free(g->stack_f.v);
	free(g->stack_b.v);
	free(g->comp_mark);
	free(g->comp_flag);
	free(g);
}

size_t lg_graph_nclasses(const struct lg_graph *g)
{
	return g->nclasses;
}

size_t lg_graph_nedges(const struct lg_graph *g)
{
	return g->nedges;
}

uint64_t lg_graph_searches_given_up(const struct lg_graph *g)
{
	return g->gave_up;
}

const char *lg_graph_class_name(const struct lg_graph *g, lg_class_id id)
{
	return id < g->nclasses ? g->classes[id].name : NULL;
}

static int rehash_names(struct lg_graph *g, size_t cap)
{
	uint32_t *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < g->nclasses; i++) {
		size_t s = g->classes[i].hash & (cap - 1);

		while (slots[s])
			s = (s + 1) & (cap - 1);
		slots[s] = (uint32_t)i + 1;
	}
	free(g->name_slots);
	g->name_slots = slots;
	g->name_cap = cap;
	return 0;
}

/* Make room for one more class in every per-class array. */
static int reserve_class(struct lg_graph *g)
{
	size_t need = g->nclasses + 1;
	size_t cap = g->classes_cap;
	int err;

	if (need > cap) {
		size_t ncap = cap;

		err = lg_array_grow((void **)&g->classes, &ncap, need,
				    sizeof(*g->classes));
		if (err)
			return err;
		ncap = cap;
		err = lg_array_grow((void **)&g->comp_parent, &ncap, need,
				    sizeof(*g->comp_parent));
		if (err)
			return err;
		ncap = cap;
		err = lg_array_grow((void **)&g->label, &ncap, need,
				    sizeof(*g->label));
		if (err)
			return err;
		ncap = cap;
		err = lg_array_grow((void **)&g->lprev, &ncap, need,
				    sizeof(*g->lprev));
		if (err)
			return err;
		ncap = cap;
		err = lg_array_grow((void **)&g->lnext, &ncap, need,
				    sizeof(*g->lnext));
		if (err)
			return err;
		ncap = cap;
		err = lg_array_grow((void **)&g->comp_mark, &ncap, need,
				    sizeof(*g->comp_mark));
		if (err)
			return err;
		ncap = cap;
		err = lg_array_grow((void **)&g->comp_flag, &ncap, need,
				    sizeof(*g->comp_flag));
		if (err)
			return err;
		g->classes_cap = ncap;
	}
	if ((g->nclasses + 1) * 2 > g->name_cap)
		return rehash_names(g, g->name_cap ? g->name_cap * 2 : 64);
	return 0;
}

int lg_graph_class(struct lg_graph *g, const char *name, bool create,
		   lg_class_id *id)
{
	uint32_t h = hash_str(name);
	struct lg_class *c;
	size_t s;
	int err;

	if (g->name_cap) {
		for (s = h & (g->name_cap - 1); g->name_slots[s];
		     s = (s + 1) & (g->name_cap - 1)) {
			c = &g->classes[g->name_slots[s] - 1];
			if (c->hash == h && !strcmp(c->name, name)) {
				*id = g->name_slots[s] - 1;
				return 0;
			}
		}
	}
	if (!create)
		return -ENOENT;
	if (g->nclasses >= LG_NONE - 1)
		return -ENOSPC;
	err = reserve_class(g);
	if (err)
		return err;
	c = &g->classes[g->nclasses];
	memset(c, 0, sizeof(*c));
	c->name = strdup(name);
	if (!c->name)
		return -ENOMEM;
	c->hash = h;
	for (s = h & (g->name_cap - 1); g->name_slots[s];
	     s = (s + 1) & (g->name_cap - 1))
		;
	g->name_slots[s] = (uint32_t)g->nclasses + 1;
	g->comp_parent[g->nclasses] = (uint32_t)g->nclasses;
	g->comp_mark[g->nclasses] = 0;
	g->comp_flag[g->nclasses] = 0;
	*id = (lg_class_id)g->nclasses++;
	/* A class with no edges can go anywhere: the end of the order. */
	list_insert_after(g, g->list_tail, *id);
	label_run(g, *id, *id, 1);
	return 0;
}

static int rehash_edges(struct lg_graph *g, size_t cap)
{
	uint32_t *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < g->nedges; i++) {
		size_t s = hash_pair(g->edges[i].from, g->edges[i].to) & (cap - 1);

		while (slots[s])
			s = (s + 1) & (cap - 1);
		slots[s] = (uint32_t)i + 1;
	}
	free(g->edge_slots);
	g->edge_slots = slots;
	g->edge_cap = cap;
	return 0;
}

lg_edge_id lg_graph_find_edge(const struct lg_graph *g, lg_class_id from,
			      lg_class_id to)
{
	if (!g->edge_cap)
		return LG_NONE;
	for (size_t s = hash_pair(from, to) & (g->edge_cap - 1); g->edge_slots[s];
	     s = (s + 1) & (g->edge_cap - 1)) {
		const struct lg_edge *e = &g->edges[g->edge_slots[s] - 1];

		if (e->from == from && e->to == to)
			return g->edge_slots[s] - 1;
	}
	return LG_NONE;
}

int lg_graph_edge(const struct lg_graph *g, lg_edge_id e, lg_class_id *from,
		  lg_class_id *to, unsigned int *pairs)
{
	if (e >= g->nedges)
		return -ENOENT;
	if (from)
		*from = g->edges[e].from;
	if (to)
		*to = g->edges[e].to;
	if (pairs)
		*pairs = g->edges[e].pairs;
	return 0;
}

void lg_path_free(struct lg_path *p)
{
	if (!p)
		return;
	free(p->classes);
	free(p->edges);
	p->classes = NULL;
	p->edges = NULL;
	p->n = 0;
}

int lg_path_copy(struct lg_path *dst, const struct lg_path *src)
{
	dst->classes = malloc(src->n * sizeof(*dst->classes));
	dst->edges = malloc(src->n * sizeof(*dst->edges));
	if (!dst->classes || !dst->edges) {
		lg_path_free(dst);
		return -ENOMEM;
	}
	dst->n = src->n;
	memcpy(dst->classes, src->classes, src->n * sizeof(*src->classes));
	memcpy(dst->edges, src->edges, src->n * sizeof(*src->edges));
	return 0;
}

/* ---- components and their order ---------------------------------------- */

static uint32_t comp_find(struct lg_graph *g, uint32_t c)
{
	uint32_t root = c;

	while (g->comp_parent[root] != root)
		root = g->comp_parent[root];
	while (g->comp_parent[c] != root) {
		uint32_t next = g->comp_parent[c];

		g->comp_parent[c] = root;
		c = next;
	}
	return root;
}

static uint64_t comp_label(struct lg_graph *g, uint32_t c)
{
	return g->label[comp_find(g, c)];
}

static void list_unlink(struct lg_graph *g, uint32_t r)
{
	uint32_t p = g->lprev[r], n = g->lnext[r];

	if (p != LG_NONE)
		g->lnext[p] = n;
	else
		g->list_head = n;
	if (n != LG_NONE)
		g->lprev[n] = p;
	else
		g->list_tail = p;
}

/* Link root @r after @pos (LG_NONE: at the head); labels are the caller's. */
static void list_insert_after(struct lg_graph *g, uint32_t pos, uint32_t r)
{
	uint32_t n = pos == LG_NONE ? g->list_head : g->lnext[pos];

	g->lprev[r] = pos;
	g->lnext[r] = n;
	if (pos != LG_NONE)
		g->lnext[pos] = r;
	else
		g->list_head = r;
	if (n != LG_NONE)
		g->lprev[n] = r;
	else
		g->list_tail = r;
}

/* Room to leave between labels, so that later insertions rarely relabel. */
#define LABEL_GAP (1ULL << 32)
#define LABEL_MIN_STEP 64

/*
 * Give the run of @count list nodes @first..@last labels that grow along
 * the list, strictly between their neighbours' labels.  Where the
 * neighbours leave too little room the run widens, doubling, into the
 * nodes around it, which are relabelled too: the order-maintenance step.
 */
static void label_run(struct lg_graph *g, uint32_t first, uint32_t last,
		      uint64_t count)
{
	uint64_t lo, hi, step, want = count;

	for (;;) {
		bool at_head = g->lprev[first] == LG_NONE;
		bool at_tail = g->lnext[last] == LG_NONE;

		lo = at_head ? 0 : g->label[g->lprev[first]];
		hi = at_tail ? UINT64_MAX : g->label[g->lnext[last]];
		/* Appending or prepending keeps a regular gap. */
		if (at_tail && !at_head && hi - lo > (count + 1) * LABEL_GAP) {
			hi = lo + (count + 1) * LABEL_GAP;
			break;
		}
		if (at_head && !at_tail && hi - lo > (count + 1) * LABEL_GAP) {
			lo = hi - (count + 1) * LABEL_GAP;
			break;
		}
		if ((hi - lo) / (count + 1) >= LABEL_MIN_STEP ||
		    (at_head && at_tail))
			break;
		for (uint64_t k = 0; k < want && g->lprev[first] != LG_NONE; k++) {
			first = g->lprev[first];
			count++;
		}
		for (uint64_t k = 0; k < want && g->lnext[last] != LG_NONE; k++) {
			last = g->lnext[last];
			count++;
		}
		want = count;
	}
	step = (hi - lo) / (count + 1);
	for (uint64_t i = 1; i <= count; i++, first = g->lnext[first])
		g->label[first] = lo + step * i;
}

/* ---- strong-path search ----------------------------------------------- */

static int ensure_scratch(struct lg_graph *g)
{
	size_t cap = g->scratch_cap;
	size_t need = g->nclasses;

	if (need <= cap)
		return 0;
	cap = cap ? cap : 64;
	while (cap < need)
		cap *= 2;
	free(g->mark);
	free(g->prev_state);
	free(g->prev_edge);
	free(g->queue);
	/*
	 * Fresh marks are zero, which no generation is: the counter keeps
	 * running, so stamps in comp_mark stay distinct from new ones.
	 */
	g->mark = calloc(cap * 2, sizeof(*g->mark));
	g->prev_state = malloc(cap * 2 * sizeof(*g->prev_state));
	g->prev_edge = malloc(cap * 2 * sizeof(*g->prev_edge));
	g->queue = malloc(cap * 2 * sizeof(*g->queue));
	/*
	 * The two-way search pushes each class at most once per side, and
	 * each component once: with these reserved it cannot fail, so an
	 * edge once inserted always has its order relaid.
	 */
	if (!g->mark || !g->prev_state || !g->prev_edge || !g->queue ||
	    id_list_reserve(&g->fwd, (uint32_t)cap) ||
	    id_list_reserve(&g->bwd, (uint32_t)cap) ||
	    id_list_reserve(&g->stack_f, (uint32_t)cap) ||
	    id_list_reserve(&g->stack_b, (uint32_t)cap)) {
		g->scratch_cap = 0;
		return -ENOMEM;
	}
	g->scratch_cap = cap;
	return 0;
}

/*
 * A new stamp for marks.  The counter is 64 bits wide so that it never
 * wraps: a wrap cleared every stamp, including the two-way search's
 * component stamps that the strong search after it still reads.
 */
static uint64_t next_generation(struct lg_graph *g)
{
	return ++g->generation;
}

/* A stamp for an edge's change, in order; saturates (never reorders). */
static uint32_t next_change(struct lg_graph *g)
{
	if (g->changes < UINT32_MAX)
		g->changes++;
	return g->changes;
}

#define DEPS_END_R (LG_DEP_ER | LG_DEP_SR)
#define DEPS_START_S (LG_DEP_SN | LG_DEP_SR)
#define DEPS_START_E (LG_DEP_EN | LG_DEP_ER)

/*
 * Build the circle found by the search: states are class * 2 + "arrived by
 * an edge ending in a recursive reader".  The path runs from @to (the start)
 * to the state @end at @from; the closing edge is @closing.
 */
static int build_cycle(struct lg_graph *g, uint32_t end, lg_edge_id closing,
		       struct lg_path *cycle)
{
	size_t n = 1;

	for (uint32_t s = end; g->prev_state[s] != UINT32_MAX; s = g->prev_state[s])
		n++;
	cycle->classes = malloc(n * sizeof(*cycle->classes));
	cycle->edges = malloc(n * sizeof(*cycle->edges));
	if (!cycle->classes || !cycle->edges) {
		lg_path_free(cycle);
		return -ENOMEM;
	}
	cycle->n = n;
	cycle->edges[n - 1] = closing;
	for (uint32_t s = end, i = (uint32_t)n - 1;; s = g->prev_state[s], i--) {
		cycle->classes[i] = s / 2;
		if (g->prev_state[s] == UINT32_MAX)
			break;
		cycle->edges[i - 1] = g->prev_edge[s];
	}
	return 0;
}

#define SIDE_FWD 1u
#define SIDE_BWD 2u

/* Is class @x's component inside the window, and (if @only_gen) in the
 * backward set of the two-way search stamped @only_gen? */
static bool in_window(struct lg_graph *g, lg_class_id x, uint64_t lo,
		      uint64_t hi, uint64_t only_gen)
{
	uint32_t r = comp_find(g, x);

	if (g->label[r] < lo || g->label[r] > hi)
		return false;
	return !only_gen ||
	       (g->comp_mark[r] == only_gen && (g->comp_flag[r] & SIDE_BWD));
}

/*
 * Does the walk the breadth-first search built, ending in state @end,
 * pass a class twice?  (Marks classes with a new stamp.)
 */
static bool walk_repeats(struct lg_graph *g, uint32_t end)
{
	uint64_t gen = next_generation(g);

	for (uint32_t s = end; s != UINT32_MAX; s = g->prev_state[s]) {
		if (g->mark[(s / 2) * 2] == gen)
			return true;
		g->mark[(s / 2) * 2] = gen;
	}
	return false;
}

/* Depth-first steps a simple-path search may take before it gives up. */
#define SIMPLE_SEARCH_BUDGET (1u << 22)
/* ... and lg_graph_cycles_through(), a best effort after the check's own */
#define THROUGH_BUDGET (1u << 14)

/*
 * Depth first over simple paths from @to (state @start_r) to @from, on the
 * strong-path rules and in the window of strong_search(): each path found
 * goes to @fn as a circle (classes from @to round to @from, the last edge
 * @closing), until @fn returns non-zero (returned) or the search is done
 * (0).  Exponential at worst, it stops after @budget steps (counted, with
 * @count_give_up: see lg_graph_searches_given_up()).  The stack lives in the
 * search scratch: queue[] the states, prev_state[] the next out-edge to
 * try at each depth, prev_edge[] the edge that led there.
 */
static int simple_paths(struct lg_graph *g, lg_class_id from, lg_class_id to,
			uint32_t start_r, bool end_needs_n, uint64_t lo,
			uint64_t hi, uint64_t only_gen, lg_edge_id closing,
			lg_cycle_fn fn, void *ctx, uint32_t budget,
			bool count_give_up)
{
	uint64_t gen = next_generation(g);
	int depth = 0, ret;

	g->queue[0] = to * 2 + start_r;
	g->prev_state[0] = 0;
	g->prev_edge[0] = LG_NONE;
	g->mark[to * 2] = gen;	/* on the path */
	while (depth >= 0) {
		uint32_t s = g->queue[depth], ns;
		lg_class_id x = s / 2;
		const struct lg_id_list *out = &g->classes[x].out;
		const struct lg_edge *e;
		lg_edge_id ei;
		unsigned int d;

		if (g->prev_state[depth] >= out->n) {
			g->mark[x * 2] = 0;	/* off the path */
			depth--;
			continue;
		}
		if (!budget--) {
			g->gave_up += count_give_up;
			return 0;
		}
		ei = out->v[g->prev_state[depth]++];
		e = &g->edges[ei];
		d = lg_mode_pairs_deps(e->pairs);
		if (s & 1)
			d &= DEPS_START_E;
		if (!d || ei == closing)
			continue;
		if (e->to == from) {
			size_t n = (size_t)depth + 2;
			struct lg_path c = { 0 };

			if (end_needs_n && !(d & ~DEPS_END_R))
				continue;
			c.classes = malloc(n * sizeof(*c.classes));
			c.edges = malloc(n * sizeof(*c.edges));
			if (!c.classes || !c.edges) {
				lg_path_free(&c);
				return -ENOMEM;
			}
			c.n = n;
			for (int k = 0; k <= depth; k++) {
				c.classes[k] = g->queue[k] / 2;
				if (k)
					c.edges[k - 1] = g->prev_edge[k];
			}
			c.classes[n - 1] = from;
			c.edges[n - 2] = ei;
			c.edges[n - 1] = closing;
			ret = fn(g, &c, ctx);
			lg_path_free(&c);
			if (ret)
				return ret;
			continue;
		}
		if (g->mark[e->to * 2] == gen ||
		    !in_window(g, e->to, lo, hi, only_gen))
			continue;
		/* Arriving by N dominates arriving by R. */
		ns = e->to * 2 + ((d & ~DEPS_END_R) ? 0u : 1u);
		depth++;
		g->queue[depth] = ns;
		g->prev_state[depth] = 0;
		g->prev_edge[depth] = ei;
		g->mark[e->to * 2] = gen;
	}
	return 0;
}

/* simple_paths()' callback for the first circle only: moved to @ctx. */
static int take_first(const struct lg_graph *g, const struct lg_path *c,
		      void *ctx)
{
	struct lg_path *out = ctx;
	int err;

	(void)g;
	if (!out)
		return 1;
	err = lg_path_copy(out, c);
	return err ? err : 1;
}

/*
 * The exact search, for when the breadth-first one found only a walk that
 * passes a class twice: that walk was strong only through a circle of its
 * own (one that already existed: the new dependency adds nothing to it),
 * so it is no answer, but a simple strong path may still exist that the
 * breadth-first marks hid.  1 (and @cycle), 0 or -ENOMEM.
 */
static int simple_search(struct lg_graph *g, lg_class_id from, lg_class_id to,
			 uint32_t start_r, bool end_needs_n, uint64_t lo,
			 uint64_t hi, uint64_t only_gen, lg_edge_id closing,
			 struct lg_path *cycle)
{
	return simple_paths(g, from, to, start_r, end_needs_n, lo, hi,
			    only_gen, closing, take_first, cycle,
			    SIMPLE_SEARCH_BUDGET, true);
}

/*
 * Breadth-first search for a strong path from @to back to @from that closes
 * a deadlock circle with a new dependency of types @deps, visiting only
 * classes whose component label lies in [@lo, @hi] (and, if @only_gen, that
 * reach @from: the backward set of the two-way search).  A circle passes
 * each class once (as lockdep's, which visits a class once): the first
 * walk found is the answer when it is simple, and when it is not,
 * simple_search() looks for a simple one.  Returns 1 (and the circle in
 * @cycle if not NULL), 0 or -ENOMEM.
 */
static int strong_search(struct lg_graph *g, lg_class_id from, lg_class_id to,
			 unsigned int deps, uint64_t lo, uint64_t hi,
			 uint64_t only_gen, lg_edge_id closing,
			 struct lg_path *cycle)
{
	/*
	 * The new dependency's type t0 decides how the path may start (after
	 * an -(xR)-> only -(Ex)-> may follow) and end (an -(xR)-> into @from
	 * may not be followed by t0 = -(Sx)->).  Two searches cover every t0:
	 * one per value of "t0 ends in R".
	 */
	for (int start_r = 0; start_r < 2; start_r++) {
		unsigned int t0 = deps & (start_r ? DEPS_END_R : ~DEPS_END_R);
		bool end_needs_n;
		uint64_t gen;
		uint32_t head = 0, tail = 0, s0;
		int err;

		if (!t0)
			continue;
		/* Any t0 starting with E accepts every arrival at @from. */
		end_needs_n = !(t0 & DEPS_START_E);
		err = ensure_scratch(g);
		if (err)
			return err;
		gen = next_generation(g);
		s0 = to * 2 + (uint32_t)start_r;
		g->mark[s0] = gen;
		g->prev_state[s0] = UINT32_MAX;
		g->queue[tail++] = s0;
		while (head < tail) {
			uint32_t s = g->queue[head++];
			lg_class_id x = s / 2;
			bool only_e = s & 1;
			const struct lg_id_list *out = &g->classes[x].out;

			for (uint32_t i = 0; i < out->n; i++) {
				const struct lg_edge *e = &g->edges[out->v[i]];
				unsigned int d = lg_mode_pairs_deps(e->pairs);

				if (only_e)
					d &= DEPS_START_E;
				if (!d)
					continue;
				if (e->to == from) {
					if (end_needs_n && !(d & ~DEPS_END_R))
						continue;
					/* Record the arrival, then build. */
					g->prev_state[from * 2] = s;
					g->prev_edge[from * 2] = out->v[i];
					if (walk_repeats(g, from * 2)) {
						err = simple_search(g, from, to,
							(uint32_t)start_r,
							end_needs_n, lo, hi,
							only_gen, closing, cycle);
						if (err)
							return err;
						goto next_start;
					}
					if (!cycle)
						return 1;
					err = build_cycle(g, from * 2, closing,
							  cycle);
					return err ? err : 1;
				}
				/* a circle passes @to once: at its start */
				if (e->to == to ||
				    !in_window(g, e->to, lo, hi, only_gen))
					continue;
				for (int r = 0; r < 2; r++) {
					uint32_t ns = e->to * 2 + (uint32_t)r;
					unsigned int want = r ? DEPS_END_R : ~DEPS_END_R;

					if (!(d & want))
						continue;
					/* Arriving by N dominates arriving by R. */
					if (g->mark[ns] == gen ||
					    (r && g->mark[e->to * 2] == gen))
						continue;
					g->mark[ns] = gen;
					g->prev_state[ns] = s;
					g->prev_edge[ns] = out->v[i];
					g->queue[tail++] = ns;
				}
			}
		}
next_start:;
	}
	return 0;
}

/* ---- the two-way search ------------------------------------------------ */

struct two_way {
	lg_class_id from, to;
	uint64_t lo, hi;	/* the window: labels of to's and from's components */
	uint64_t gen;		/* stamp of this search's marks */
	bool met;		/* a component is in both sets: a circle */
};

/* Visit class @x on side @side: mark it, stack it, flag its component. */
static int tw_visit(struct lg_graph *g, struct two_way *tw, lg_class_id x,
		    uint32_t side)
{
	struct lg_id_list *stack = side == SIDE_FWD ? &g->stack_f : &g->stack_b;
	struct lg_id_list *comps = side == SIDE_FWD ? &g->fwd : &g->bwd;
	uint32_t slot = x * 2 + (side == SIDE_FWD ? 0 : 1);
	uint32_t r;
	int err;

	if (g->mark[slot] == tw->gen)
		return 0;
	g->mark[slot] = tw->gen;
	err = id_list_push(stack, x);
	if (err)
		return err;
	r = comp_find(g, x);
	if (g->comp_mark[r] != tw->gen) {
		g->comp_mark[r] = tw->gen;
		g->comp_flag[r] = 0;
	}
	if (g->comp_flag[r] & side)
		return 0;
	g->comp_flag[r] |= side;
	if (g->comp_flag[r] & (side ^ (SIDE_FWD | SIDE_BWD)))
		tw->met = true;
	return id_list_push(comps, r);
}

/* Expand one class of side @side: forward along out edges, backward in. */
static int tw_step(struct lg_graph *g, struct two_way *tw, uint32_t side)
{
	struct lg_id_list *stack = side == SIDE_FWD ? &g->stack_f : &g->stack_b;
	lg_class_id x = stack->v[--stack->n];
	const struct lg_id_list *adj =
		side == SIDE_FWD ? &g->classes[x].out : &g->classes[x].in;
	int err;

	for (uint32_t i = 0; i < adj->n; i++) {
		const struct lg_edge *e = &g->edges[adj->v[i]];
		lg_class_id y = side == SIDE_FWD ? e->to : e->from;

		if (!in_window(g, y, tw->lo, tw->hi, 0))
			continue;
		err = tw_visit(g, tw, y, side);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Search forward from @to and backward from @from at the same pace inside
 * the window.  Stops when one side runs out before they meet (returns that
 * side: its component list is complete) or when they meet (returns 0 with
 * tw->met; with @complete both sides are then run to the end).
 */
static int two_way(struct lg_graph *g, struct two_way *tw, bool complete,
		   uint32_t *exhausted)
{
	int err;

	*exhausted = 0;
	err = ensure_scratch(g);
	if (err)
		return err;
	tw->gen = next_generation(g);
	tw->met = false;
	g->fwd.n = g->bwd.n = g->stack_f.n = g->stack_b.n = 0;
	err = tw_visit(g, tw, tw->to, SIDE_FWD);
	if (!err)
		err = tw_visit(g, tw, tw->from, SIDE_BWD);
	while (!err && !tw->met && g->stack_f.n && g->stack_b.n) {
		err = tw_step(g, tw, SIDE_FWD);
		if (!err && !tw->met && g->stack_b.n)
			err = tw_step(g, tw, SIDE_BWD);
	}
	if (err)
		return err;
	if (!tw->met) {
		*exhausted = g->stack_f.n ? SIDE_BWD : SIDE_FWD;
		return 0;
	}
	while (complete && !err && g->stack_f.n)
		err = tw_step(g, tw, SIDE_FWD);
	while (complete && !err && g->stack_b.n)
		err = tw_step(g, tw, SIDE_BWD);
	return err;
}

int lg_graph_check_new_edge(struct lg_graph *g, lg_class_id from,
			    lg_class_id to, unsigned int pairs,
			    struct lg_path *cycle)
{
	struct two_way tw = { .from = from, .to = to };
	unsigned int deps = lg_mode_pairs_deps(pairs);
	uint32_t exhausted;
	int err;

	if (from >= g->nclasses || to >= g->nclasses || from == to)
		return 0;
	tw.lo = comp_label(g, to);
	tw.hi = comp_label(g, from);
	if (tw.hi < tw.lo)
		return 0;
	if (tw.lo == tw.hi)
		return strong_search(g, from, to, deps, tw.lo, tw.hi, 0, LG_NONE,
				     cycle);
	/* Against the order: is there any path back at all? */
	err = two_way(g, &tw, false, &exhausted);
	if (err || !tw.met)
		return err;
	/*
	 * A path exists; is one strong?  The breadth-first search stops at
	 * the first answer, which is cheaper here than completing the
	 * backward set to narrow it (measured: bench/bench_analyzer).
	 */
	return strong_search(g, from, to, deps, tw.lo, tw.hi, 0, LG_NONE, cycle);
}

struct through_ctx {
	lg_cycle_fn fn;
	void *ctx;
	size_t max, found;
};

static int count_through(const struct lg_graph *g, const struct lg_path *c,
			 void *ctx)
{
	struct through_ctx *t = ctx;
	int ret = t->fn(g, c, t->ctx);

	if (ret)
		return ret;
	return ++t->found >= t->max ? 1 : 0;
}

int lg_graph_cycles_through(struct lg_graph *g, lg_edge_id edge, size_t max,
			    lg_cycle_fn fn, void *ctx)
{
	struct through_ctx t = { .fn = fn, .ctx = ctx, .max = max };
	lg_class_id from, to;
	unsigned int deps;
	uint64_t l;
	int err;

	if (edge >= g->nedges)
		return -EINVAL;
	from = g->edges[edge].from;
	to = g->edges[edge].to;
	deps = lg_mode_pairs_deps(g->edges[edge].pairs);
	if (!max || comp_find(g, from) != comp_find(g, to))
		return 0;
	l = comp_label(g, from);
	err = ensure_scratch(g);
	if (err)
		return err;
	/* as strong_search(): one search per value of "t0 ends in R" */
	for (uint32_t start_r = 0; start_r < 2 && t.found < max; start_r++) {
		unsigned int t0 = deps & (start_r ? DEPS_END_R : ~DEPS_END_R);

		if (!t0)
			continue;
		err = simple_paths(g, from, to, start_r, !(t0 & DEPS_START_E),
				   l, l, 0, edge, count_through, &t,
				   THROUGH_BUDGET, false);
		if (err < 0 || (err && t.found < max))
			return err;	/* -ENOMEM, or @fn's own value */
	}
	return (int)t.found;
}

/* ---- keeping the order ------------------------------------------------- */

static int cmp_label(const void *a, const void *b, void *ctx)
{
	const struct lg_graph *g = ctx;
	uint64_t x = g->label[*(const uint32_t *)a];
	uint64_t y = g->label[*(const uint32_t *)b];

	return x < y ? -1 : x > y;
}

enum place { PLACE_AFTER, PLACE_BEFORE };

/*
 * Unlink the components @v[0..n-1] (roots), sort them by label and link
 * them back in that order just after (PLACE_AFTER) or just before
 * (PLACE_BEFORE) @at, which is not in @v; @at LG_NONE means the head for
 * PLACE_AFTER and the tail for PLACE_BEFORE.  Then label them.
 */
static void move_run(struct lg_graph *g, enum place place, uint32_t at,
		     uint32_t *v, uint32_t n)
{
	uint32_t pos;

	if (!n)
		return;
	qsort_r(v, n, sizeof(*v), cmp_label, g);
	for (uint32_t i = 0; i < n; i++)
		list_unlink(g, v[i]);
	if (place == PLACE_AFTER)
		pos = at;
	else
		pos = at == LG_NONE ? g->list_tail : g->lprev[at];
	for (uint32_t i = 0; i < n; i++) {
		list_insert_after(g, pos, v[i]);
		pos = v[i];
	}
	label_run(g, v[0], v[n - 1], n);
}

/*
 * The order after adding @from -> @to against it.  No circle: move the side
 * the two-way search exhausted (the backward set to just before @to's
 * component, or the forward set to just after @from's).  A circle: the
 * components in both sets (C) merge; the rest of the backward set goes,
 * then C, just before the window, the rest of the forward set just after
 * it.  Nothing in the window outside both sets has an edge into the
 * backward set or out of the forward set, so every edge stays in order.
 */
static int relayout(struct lg_graph *g, const struct two_way *tw,
		    uint32_t exhausted)
{
	uint32_t rt = comp_find(g, tw->to), rf = comp_find(g, tw->from);
	uint32_t before, after, merged = LG_NONE, nb = 0, nf = 0;

	if (exhausted == SIDE_BWD) {
		move_run(g, PLACE_BEFORE, rt, g->bwd.v, g->bwd.n);
		return 0;
	}
	if (exhausted == SIDE_FWD) {
		move_run(g, PLACE_AFTER, rf, g->fwd.v, g->fwd.n);
		return 0;
	}
	before = g->lprev[rt];
	after = g->lnext[rf];
	/* Split off C; B \ C and F \ C stay in place in their lists. */
	for (uint32_t i = 0; i < g->bwd.n; i++) {
		uint32_t r = g->bwd.v[i];

		if (!(g->comp_flag[r] & SIDE_FWD)) {
			g->bwd.v[nb++] = r;
			continue;
		}
		list_unlink(g, r);
		if (merged == LG_NONE)
			merged = r;
		else
			g->comp_parent[r] = merged;
	}
	for (uint32_t i = 0; i < g->fwd.n; i++)
		if (!(g->comp_flag[g->fwd.v[i]] & SIDE_BWD))
			g->fwd.v[nf++] = g->fwd.v[i];
	/* B \ C, then the merged component, just before the window. */
	if (nb) {
		move_run(g, PLACE_AFTER, before, g->bwd.v, nb);
		before = g->bwd.v[nb - 1];
	}
	list_insert_after(g, before, merged);
	label_run(g, merged, merged, 1);
	/* F \ C at the end of the window: before whatever followed it. */
	move_run(g, PLACE_BEFORE, after, g->fwd.v, nf);
	return 0;
}

int lg_graph_add_edge(struct lg_graph *g, lg_class_id from, lg_class_id to,
		      unsigned int pairs, lg_edge_id *edge, unsigned int *added,
		      struct lg_path *cycle)
{
	struct two_way tw = { .from = from, .to = to };
	unsigned int new_pairs, new_deps;
	uint32_t exhausted;
	lg_edge_id id;
	int ret, err;

	if (from >= g->nclasses || to >= g->nclasses || from == to ||
	    !(pairs & LG_MODE_PAIRS_ALL) || (pairs & ~LG_MODE_PAIRS_ALL))
		return -EINVAL;
	if (added)
		*added = 0;
	id = lg_graph_find_edge(g, from, to);
	if (id != LG_NONE) {
		struct lg_edge *e = &g->edges[id];
		uint64_t l;

		if (edge)
			*edge = id;
		new_pairs = pairs & ~e->pairs;
		new_deps = lg_mode_pairs_deps(new_pairs) &
			   ~lg_mode_pairs_deps(e->pairs);
		if (new_pairs) {
			e->prev_pairs = e->pairs;
			e->changed = next_change(g);
		}
		e->pairs |= new_pairs;
		if (added)
			*added = new_pairs;
		/* An existing edge between components is already in order. */
		if (!new_deps || comp_find(g, from) != comp_find(g, to))
			return 0;
		l = comp_label(g, from);
		return strong_search(g, from, to, new_deps, l, l, 0, id, cycle);
	}

	if (g->nedges >= LG_NONE - 1)
		return -ENOSPC;
	/* Every allocation that can fail comes before the edge goes in. */
	err = ensure_scratch(g);
	if (err)
		return err;
	err = lg_array_grow((void **)&g->edges, &g->edges_cap, g->nedges + 1,
		   sizeof(*g->edges));
	if (err)
		return err;
	if ((g->nedges + 1) * 2 > g->edge_cap) {
		err = rehash_edges(g, g->edge_cap ? g->edge_cap * 2 : 64);
		if (err)
			return err;
	}
	id = (lg_edge_id)g->nedges;
	err = id_list_push(&g->classes[from].out, id);
	if (err)
		return err;
	err = id_list_push(&g->classes[to].in, id);
	if (err) {
		g->classes[from].out.n--;
		return err;
	}
	g->edges[id] = (struct lg_edge){ .from = from, .to = to,
					 .pairs = (uint16_t)pairs,
					 .changed = next_change(g) };
	for (size_t s = hash_pair(from, to) & (g->edge_cap - 1);;
	     s = (s + 1) & (g->edge_cap - 1)) {
		if (!g->edge_slots[s]) {
			g->edge_slots[s] = id + 1;
			break;
		}
	}
	g->nedges++;
	if (edge)
		*edge = id;
	if (added)
		*added = pairs;

	tw.lo = comp_label(g, to);
	tw.hi = comp_label(g, from);
	if (tw.hi < tw.lo)
		return 0;
	if (tw.hi == tw.lo)
		return strong_search(g, from, to, lg_mode_pairs_deps(pairs),
				     tw.lo, tw.hi, 0, id, cycle);
	err = two_way(g, &tw, true, &exhausted);
	if (err)
		return err;	/* never: ensure_scratch() reserved its lists */
	ret = 0;
	if (tw.met)
		ret = strong_search(g, from, to, lg_mode_pairs_deps(pairs), tw.lo,
				    tw.hi, tw.gen, id, cycle);
	/* Even when the strong search failed: the edge is in the graph. */
	err = relayout(g, &tw, exhausted);
	if (err) {
		lg_path_free(cycle);
		return err;
	}
	return ret;
}

int lg_graph_verify_order(struct lg_graph *g)
{
	size_t n = 0;

	for (uint32_t r = g->list_head, p = LG_NONE; r != LG_NONE;
	     p = r, r = g->lnext[r], n++) {
		if (g->comp_parent[r] != r || g->lprev[r] != p)
			return -EUCLEAN;
		if (p != LG_NONE && g->label[p] >= g->label[r])
			return -EUCLEAN;
	}
	for (size_t i = 0; i < g->nclasses; i++)
		n -= comp_find(g, (uint32_t)i) == i;
	if (n)
		return -EUCLEAN;
	for (size_t i = 0; i < g->nedges; i++)
		if (comp_label(g, g->edges[i].from) > comp_label(g, g->edges[i].to))
			return -EUCLEAN;
	return 0;
}

/* ---- queries ---------------------------------------------------------- */

int lg_graph_shortest_path(struct lg_graph *g, lg_class_id from,
			   lg_class_id to, struct lg_path *path)
{
	uint64_t gen;
	uint32_t head = 0, tail = 0;
	int err;

	if (from >= g->nclasses || to >= g->nclasses || from == to)
		return 0;
	err = ensure_scratch(g);
	if (err)
		return err;
	gen = next_generation(g);
	g->mark[from * 2] = gen;
	g->prev_state[from * 2] = UINT32_MAX;
	g->queue[tail++] = from * 2;
	while (head < tail) {
		uint32_t s = g->queue[head++];
		const struct lg_id_list *out = &g->classes[s / 2].out;

		for (uint32_t i = 0; i < out->n; i++) {
			lg_class_id y = g->edges[out->v[i]].to;

			if (g->mark[y * 2] == gen)
				continue;
			g->mark[y * 2] = gen;
			g->prev_state[y * 2] = s;
			g->prev_edge[y * 2] = out->v[i];
			if (y != to) {
				g->queue[tail++] = y * 2;
				continue;
			}
			/* A path, not a cycle: drop the closing slot. */
			err = build_cycle(g, y * 2, LG_NONE, path);
			if (err)
				return err;
			return 1;
		}
	}
	return 0;
}

/*
 * lg_graph_cycle_is_strong() with edge @cycle->edges[@at] taken with mode
 * pairs @at_pairs instead of its own (@at past the end: none replaced).
 */
static bool strong_with(const struct lg_graph *g, const struct lg_path *cycle,
			size_t at, unsigned int at_pairs)
{
	static const unsigned int types[4] = { LG_DEP_EN, LG_DEP_ER, LG_DEP_SN,
					       LG_DEP_SR };

	if (!cycle->n)
		return false;
	for (size_t i = 0; i < cycle->n; i++)
		if (cycle->edges[i] >= g->nedges)
			return false;
#define EDGE_DEPS(i)                                                        \
	lg_mode_pairs_deps((i) == at ? at_pairs : g->edges[cycle->edges[i]].pairs)
	for (int t0 = 0; t0 < 4; t0++) {
		unsigned int first, cur;

		first = EDGE_DEPS(0);
		if (!(first & types[t0]))
			continue;
		cur = types[t0];
		for (size_t i = 1; i < cycle->n && cur; i++) {
			unsigned int d = EDGE_DEPS(i), next = 0;

			/* After an edge ending in R, only E may start. */
			if (cur & ~DEPS_END_R)
				next |= d;
			if (cur & DEPS_END_R)
				next |= d & DEPS_START_E;
			cur = next;
		}
		if (!cur)
			continue;
		if ((cur & ~DEPS_END_R) || (types[t0] & DEPS_START_E))
			return true;
	}
#undef EDGE_DEPS
	return false;
}

bool lg_graph_cycle_is_strong(const struct lg_graph *g,
			      const struct lg_path *cycle)
{
	return strong_with(g, cycle, SIZE_MAX, 0);
}

lg_edge_id lg_graph_closing_edge(const struct lg_graph *g,
				 const struct lg_path *cycle)
{
	lg_edge_id newest = LG_NONE;
	uint32_t below = UINT32_MAX;

	for (size_t i = 0; i < cycle->n; i++)
		if (cycle->edges[i] >= g->nedges)
			return LG_NONE;
	/* Edges from the last changed down; at most n rounds. */
	for (size_t round = 0; round < cycle->n; round++) {
		const struct lg_edge *e;
		size_t at = SIZE_MAX;

		for (size_t i = 0; i < cycle->n; i++) {
			e = &g->edges[cycle->edges[i]];
			if (e->changed < below &&
			    (at == SIZE_MAX ||
			     e->changed > g->edges[cycle->edges[at]].changed))
				at = i;
		}
		if (at == SIZE_MAX)
			break;
		e = &g->edges[cycle->edges[at]];
		if (newest == LG_NONE)
			newest = cycle->edges[at];
		if (!e->prev_pairs || !strong_with(g, cycle, at, e->prev_pairs))
			return cycle->edges[at];
		below = e->changed;
	}
	return newest;
}

int lg_cycle_canonicalize(const struct lg_graph *g, struct lg_path *cycle,
			  char **signature)
{
	size_t k = 0, len = 0, n = cycle->n;
	lg_class_id *classes;
	lg_edge_id *edges;
	char *sig, *p;

	for (size_t i = 1; i < n; i++)
		if (strcmp(g->classes[cycle->classes[i]].name,
			   g->classes[cycle->classes[k]].name) < 0)
			k = i;
	classes = malloc(n * sizeof(*classes));
	edges = malloc(n * sizeof(*edges));
	if (!classes || !edges) {
		free(classes);
		free(edges);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		classes[i] = cycle->classes[(k + i) % n];
		edges[i] = cycle->edges[(k + i) % n];
		len += strlen(g->classes[classes[i]].name) + 4;
	}
	memcpy(cycle->classes, classes, n * sizeof(*classes));
	memcpy(cycle->edges, edges, n * sizeof(*edges));
	free(classes);
	free(edges);
	if (!signature)
		return 0;
	sig = malloc(len + 1);
	if (!sig)
		return -ENOMEM;
	p = sig;
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "%s%s", i ? " -> " : "",
			     g->classes[cycle->classes[i]].name);
	*signature = sig;
	return 0;
}

/* ---- every elementary cycle ------------------------------------------- */

/*
 * Tarjan's strongly connected components, iteratively: @scc[class] gets the
 * component number, @nscc the count.  Uses the search scratch.
 */
static int tarjan(struct lg_graph *g, uint32_t *scc, uint32_t *nscc)
{
	size_t n = g->nclasses;
	uint32_t *index = NULL, *low = NULL, *iter = NULL, *call = NULL;
	uint32_t *stack = NULL, next = 0, sp = 0, cp = 0, count = 0;
	int err = -ENOMEM;

	index = malloc(n * sizeof(*index));
	low = malloc(n * sizeof(*low));
	iter = malloc(n * sizeof(*iter));
	call = malloc(n * sizeof(*call));
	stack = malloc(n * sizeof(*stack));
	if (n && (!index || !low || !iter || !call || !stack))
		goto cleanup;
	for (size_t i = 0; i < n; i++) {
		index[i] = UINT32_MAX;
		scc[i] = UINT32_MAX;
	}
	for (uint32_t root = 0; root < n; root++) {
		if (index[root] != UINT32_MAX)
			continue;
		call[cp++] = root;
		index[root] = low[root] = next++;
		iter[root] = 0;
		stack[sp++] = root;
		while (cp) {
			uint32_t v = call[cp - 1];
			const struct lg_id_list *out = &g->classes[v].out;

			if (iter[v] < out->n) {
				uint32_t w = g->edges[out->v[iter[v]++]].to;

				if (index[w] == UINT32_MAX) {
					index[w] = low[w] = next++;
					iter[w] = 0;
					stack[sp++] = w;
					call[cp++] = w;
				} else if (scc[w] == UINT32_MAX &&
					   index[w] < low[v]) {
					low[v] = index[w];
				}
				continue;
			}
			cp--;
			if (cp && low[v] < low[call[cp - 1]])
				low[call[cp - 1]] = low[v];
			if (low[v] == index[v]) {
				uint32_t w;

				do {
					w = stack[--sp];
					scc[w] = count;
				} while (w != v);
				count++;
			}
		}
	}
	*nscc = count;
	err = 0;
cleanup:
	free(index);
	free(low);
	free(iter);
	free(call);
	free(stack);
	return err;
}

/* Johnson's circuit enumeration inside one component. */
struct johnson {
	struct lg_graph *g;
	const struct lg_cycle_limits *lim;
	struct lg_cycle_stats *stats;
	lg_cycle_fn fn;
	void *ctx;

	uint32_t m;	       /* classes in the component */
	lg_class_id *global;   /* local index -> class id */
	uint32_t *adj_start;   /* CSR: local out edges */
	uint32_t *adj_to;
	lg_edge_id *adj_edge;
	bool *blocked;
	struct lg_id_list *blist;
	struct lg_id_list unblock_stack;

	uint32_t s;		/* current start */
	uint32_t *path;		/* local classes on the path */
	lg_edge_id *path_edge;	/* edge from path[i] to path[i + 1] */
	uint32_t depth;
	size_t steps;
	struct lg_path scratch;
	int stop;		/* non-zero: stop everything */
	bool comp_stop;		/* the step limit ended this component */
};

static void set_truncated(struct lg_cycle_stats *st, const char *why)
{
	if (!st->truncated)
		snprintf(st->truncated_why, sizeof(st->truncated_why), "%s", why);
	st->truncated = true;
}

static int johnson_unblock(struct johnson *j, uint32_t u)
{
	int err;

	j->unblock_stack.n = 0;
	err = id_list_push(&j->unblock_stack, u);
	while (!err && j->unblock_stack.n) {
		uint32_t x = j->unblock_stack.v[--j->unblock_stack.n];

		if (!j->blocked[x])
			continue;
		j->blocked[x] = false;
		for (uint32_t i = 0; i < j->blist[x].n && !err; i++)
			err = id_list_push(&j->unblock_stack, j->blist[x].v[i]);
		j->blist[x].n = 0;
	}
	return err;
}

static int johnson_emit(struct johnson *j)
{
	struct lg_path *c = &j->scratch;
	int ret;

	c->n = j->depth;
	for (uint32_t i = 0; i < j->depth; i++) {
		c->classes[i] = j->global[j->path[i]];
		c->edges[i] = j->path_edge[i];
	}
	if (!lg_graph_cycle_is_strong(j->g, c)) {
		j->stats->weak_cycles++;
		return 0;
	}
	ret = lg_cycle_canonicalize(j->g, c, NULL);
	if (ret)
		return ret;
	j->stats->cycles++;
	ret = j->fn ? j->fn(j->g, c, j->ctx) : 0;
	if (ret)
		return ret;
	if (j->stats->cycles >= j->lim->max_cycles) {
		set_truncated(j->stats, "cycle limit reached (max_cycles)");
		return 1;
	}
	return 0;
}

/* Returns 1 when a circuit through the start was found below @v. */
static int johnson_circuit(struct johnson *j, uint32_t v)
{
	bool found = false;
	int err;

	j->path[j->depth++] = v;
	j->blocked[v] = true;
	for (uint32_t i = j->adj_start[v]; i < j->adj_start[v + 1]; i++) {
		uint32_t w = j->adj_to[i];

		if (w < j->s)
			continue;
		if (++j->steps > j->lim->max_steps) {
			set_truncated(j->stats, "search step limit reached (max_steps)");
			j->comp_stop = true;
			break;
		}
		j->path_edge[j->depth - 1] = j->adj_edge[i];
		if (w == j->s) {
			found = true;
			err = johnson_emit(j);
			if (err) {
				j->stop = err;
				break;
			}
		} else if (!j->blocked[w]) {
			if (j->depth >= j->lim->max_length) {
				/* Too long to follow: treat as found, so that
				 * blocking never hides a shorter circuit. */
				set_truncated(j->stats, "cycle length limit reached (max_length)");
				found = true;
				continue;
			}
			if (johnson_circuit(j, w) > 0)
				found = true;
			if (j->stop || j->comp_stop)
				break;
		}
	}
	if (found || j->stop || j->comp_stop) {
		err = johnson_unblock(j, v);
		if (err && !j->stop)
			j->stop = err;
	} else {
		for (uint32_t i = j->adj_start[v]; i < j->adj_start[v + 1]; i++) {
			uint32_t w = j->adj_to[i];
			bool present = false;

			if (w < j->s)
				continue;
			for (uint32_t k = 0; k < j->blist[w].n; k++)
				if (j->blist[w].v[k] == v)
					present = true;
			if (!present && id_list_push(&j->blist[w], v)) {
				j->stop = -ENOMEM;
				break;
			}
		}
	}
	j->depth--;
	return found;
}

static int johnson_component(struct johnson *j, const uint32_t *scc,
			     uint32_t comp, uint32_t *local)
{
	struct lg_graph *g = j->g;
	uint32_t m = j->m, ne = 0;
	int err = -ENOMEM;

	/* Local numbering and a compact adjacency of the component. */
	for (uint32_t i = 0; i < m; i++)
		local[j->global[i]] = i;
	j->adj_start = calloc(m + 1, sizeof(*j->adj_start));
	for (uint32_t i = 0; j->adj_start && i < m; i++) {
		const struct lg_id_list *out = &g->classes[j->global[i]].out;

		for (uint32_t k = 0; k < out->n; k++)
			if (scc[g->edges[out->v[k]].to] == comp)
				ne++;
	}
	j->adj_to = malloc((ne + 1) * sizeof(*j->adj_to));
	j->adj_edge = malloc((ne + 1) * sizeof(*j->adj_edge));
	j->blocked = calloc(m, sizeof(*j->blocked));
	j->blist = calloc(m, sizeof(*j->blist));
	j->path = malloc(m * sizeof(*j->path));
	j->path_edge = malloc(m * sizeof(*j->path_edge));
	j->scratch.classes = malloc(m * sizeof(*j->scratch.classes));
	j->scratch.edges = malloc(m * sizeof(*j->scratch.edges));
	if (!j->adj_start || !j->adj_to || !j->adj_edge || !j->blocked ||
	    !j->blist || !j->path || !j->path_edge || !j->scratch.classes ||
	    !j->scratch.edges)
		goto cleanup;
	ne = 0;
	for (uint32_t i = 0; i < m; i++) {
		const struct lg_id_list *out = &g->classes[j->global[i]].out;

		j->adj_start[i] = ne;
		for (uint32_t k = 0; k < out->n; k++) {
			lg_class_id to = g->edges[out->v[k]].to;

			if (scc[to] != comp)
				continue;
			j->adj_to[ne] = local[to];
			j->adj_edge[ne++] = out->v[k];
		}
	}
	j->adj_start[m] = ne;
	j->steps = 0;
	j->comp_stop = false;
	for (j->s = 0; j->s < m && !j->stop && !j->comp_stop; j->s++) {
		for (uint32_t i = j->s; i < m; i++) {
			j->blocked[i] = false;
			j->blist[i].n = 0;
		}
		j->depth = 0;
		johnson_circuit(j, j->s);
	}
	err = 0;
cleanup:
	free(j->adj_start);
	free(j->adj_to);
	free(j->adj_edge);
	free(j->blocked);
	for (uint32_t i = 0; j->blist && i < m; i++)
		free(j->blist[i].v);
	free(j->blist);
	free(j->path);
	free(j->path_edge);
	lg_path_free(&j->scratch);
	j->adj_start = j->adj_to = NULL;
	j->adj_edge = NULL;
	j->blocked = NULL;
	j->blist = NULL;
	j->path = NULL;
	j->path_edge = NULL;
	return err;
}

int lg_graph_find_cycles(struct lg_graph *g, const struct lg_cycle_limits *limits,
			 lg_cycle_fn fn, void *ctx, struct lg_cycle_stats *stats)
{
	struct lg_cycle_limits lim = { 0 };
	struct lg_cycle_stats local_stats;
	struct johnson j = { 0 };
	uint32_t *scc = NULL, *size = NULL, *order = NULL, *start = NULL;
	uint32_t *local = NULL, nscc = 0;
	size_t n = g->nclasses;
	int err = -ENOMEM;

	if (!stats)
		stats = &local_stats;
	memset(stats, 0, sizeof(*stats));
	if (limits)
		lim = *limits;
	if (!lim.max_cycles)
		lim.max_cycles = 100000;
	if (!lim.max_length)
		lim.max_length = 64;
	if (!lim.max_steps)
		lim.max_steps = 50000000;

	scc = malloc((n + 1) * sizeof(*scc));
	local = malloc((n + 1) * sizeof(*local));
	if (!scc || !local)
		goto cleanup;
	err = tarjan(g, scc, &nscc);
	if (err)
		goto cleanup;
	err = -ENOMEM;
	size = calloc(nscc + 1, sizeof(*size));
	start = calloc(nscc + 2, sizeof(*start));
	order = malloc((n + 1) * sizeof(*order));
	if (!size || !start || !order)
		goto cleanup;
	/* Bucket the classes by component, in class id order. */
	for (size_t i = 0; i < n; i++)
		size[scc[i]]++;
	for (uint32_t c = 0; c < nscc; c++)
		start[c + 1] = start[c] + size[c];
	for (size_t i = 0; i < n; i++)
		order[start[scc[i]]++] = (uint32_t)i;
	for (uint32_t c = nscc; c > 0; c--)
		start[c] = start[c - 1];
	start[0] = 0;

	j.g = g;
	j.lim = &lim;
	j.stats = stats;
	j.fn = fn;
	j.ctx = ctx;
	err = 0;
	for (uint32_t c = 0; c < nscc && !j.stop; c++) {
		if (size[c] < 2)
			continue;
		stats->sccs++;
		if (size[c] > stats->largest_scc)
			stats->largest_scc = size[c];
		j.m = size[c];
		j.global = order + start[c];
		err = johnson_component(&j, scc, c, local);
		if (err)
			goto cleanup;
	}
	/*
	 * A step limit ends one component and the rest are still searched;
	 * the cycle limit ends the search (1, not an error); anything else
	 * is the callback's value or an error.
	 */
	if (j.stop && !(j.stop == 1 && stats->truncated))
		err = j.stop;
cleanup:
	free(j.unblock_stack.v);
	free(scc);
	free(local);
	free(size);
	free(start);
	free(order);
	return err;
}

/* ---- lockdep's acquisition rules --------------------------------------- */

int lg_acquire_deps(const struct lg_held_lock *held, size_t nheld,
		    lg_class_id new_class, enum lg_mode new_mode,
		    bool new_trylock, lg_dep_fn fn, void *ctx)
{
	if (new_trylock)
		return 0;
	for (size_t i = nheld; i-- > 0;) {
		const struct lg_held_lock *h = &held[i];
		int ret;

		if (h->class_id != new_class) {
			ret = fn(h->class_id, new_class,
				 lg_mode_pair(h->mode, new_mode), ctx);
			if (ret)
				return ret;
		}
		if (!h->trylock)
			break;
	}
	return 0;
}
