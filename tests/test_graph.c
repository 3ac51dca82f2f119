/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests for the lock-order graph: lockdep's acquisition rules, the
 * incremental check with the read/write strong-path rule, and the full
 * cycle search.
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

#include "graph.h"

#define W LG_MODE_WRITE
#define r LG_MODE_READ
#define R LG_MODE_RECURSIVE_READ

static lg_class_id cls(struct lg_graph *g, const char *name)
{
	lg_class_id id;

	assert_int_equal(lg_graph_class(g, name, true, &id), 0);
	return id;
}

/* Add name_a -> name_b held in @ma, acquired in @mb; returns add's result. */
static int dep(struct lg_graph *g, const char *a, enum lg_mode ma,
	       const char *b, enum lg_mode mb, struct lg_path *cycle)
{
	return lg_graph_add_edge(g, cls(g, a), cls(g, b), lg_mode_pair(ma, mb),
				 NULL, NULL, cycle);
}

static void test_mode_pairs_text(void **state)
{
	unsigned int pairs = lg_mode_pair(r, W) | lg_mode_pair(W, W) |
			     lg_mode_pair(R, R);
	unsigned int back;
	char buf[64];

	(void)state;
	lg_mode_pairs_format(pairs, buf, sizeof(buf));
	assert_string_equal(buf, "W->W,r->W,R->R");
	assert_int_equal(lg_mode_pairs_parse(buf, &back), 0);
	assert_int_equal(back, pairs);
	assert_int_equal(lg_mode_pairs_parse("W->X", &back), -EINVAL);
	assert_int_equal(lg_mode_pairs_parse("W->W,", &back), -EINVAL);
	assert_int_equal(lg_mode_pairs_deps(lg_mode_pair(r, W)), LG_DEP_SN);
	assert_int_equal(lg_mode_pairs_deps(lg_mode_pair(W, R)), LG_DEP_ER);
	assert_int_equal(lg_mode_pairs_deps(lg_mode_pair(R, r)), LG_DEP_SN);
}

static void test_classes_are_interned(void **state)
{
	struct lg_graph *g = lg_graph_new();
	lg_class_id a, b, again;

	(void)state;
	assert_non_null(g);
	a = cls(g, "&mm->mmap_lock");
	b = cls(g, "fs_reclaim");
	again = cls(g, "&mm->mmap_lock");
	assert_int_equal(a, again);
	assert_int_not_equal(a, b);
	assert_int_equal(lg_graph_class(g, "nope", false, &again), -ENOENT);
	assert_string_equal(lg_graph_class_name(g, b), "fs_reclaim");
	assert_int_equal(lg_graph_nclasses(g), 2);
	/* Recursion is not an edge. */
	assert_int_equal(dep(g, "fs_reclaim", W, "fs_reclaim", W, NULL), -EINVAL);
	lg_graph_free(g);
}

struct dep_log {
	lg_class_id from[8], to[8];
	unsigned int pair[8];
	int n;
};

static int log_dep(lg_class_id from, lg_class_id to, unsigned int pair,
		   void *ctx)
{
	struct dep_log *l = ctx;

	l->from[l->n] = from;
	l->to[l->n] = to;
	l->pair[l->n++] = pair;
	return 0;
}

static void test_acquire_rules(void **state)
{
	struct lg_held_lock held[3] = {
		{ .class_id = 1, .mode = W },
		{ .class_id = 2, .mode = r, .trylock = true },
		{ .class_id = 3, .mode = W, .trylock = true },
	};
	struct dep_log l = { 0 };

	(void)state;
	/* A trylock acquisition cannot wait: no dependency at all. */
	assert_int_equal(lg_acquire_deps(held, 3, 9, W, true, log_dep, &l), 0);
	assert_int_equal(l.n, 0);

	/* Walk from the top through trylocks, stop after the first real one. */
	assert_int_equal(lg_acquire_deps(held, 3, 9, r, false, log_dep, &l), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.from[0], 3);
	assert_int_equal(l.from[1], 2);
	assert_int_equal(l.from[2], 1);
	assert_int_equal(l.pair[1], lg_mode_pair(r, r));

	/* Without trylocks only the top entry gives an edge. */
	held[1].trylock = held[2].trylock = false;
	l.n = 0;
	assert_int_equal(lg_acquire_deps(held, 3, 9, W, false, log_dep, &l), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.from[0], 3);

	/* Re-acquiring a held class is recursion, not an edge. */
	l.n = 0;
	assert_int_equal(lg_acquire_deps(held, 3, 3, W, false, log_dep, &l), 0);
	assert_int_equal(l.n, 0);
}

static void test_abba(void **state)
{
	struct lg_graph *g = lg_graph_new();
	struct lg_path c = { 0 };
	lg_edge_id ab;

	(void)state;
	assert_int_equal(dep(g, "A", W, "B", W, NULL), 0);
	ab = lg_graph_find_edge(g, cls(g, "A"), cls(g, "B"));
	assert_int_not_equal(ab, LG_NONE);
	assert_int_equal(dep(g, "B", W, "A", W, &c), 1);
	/* Classes from the new lock (A) round to the held one (B). */
	assert_int_equal(c.n, 2);
	assert_string_equal(lg_graph_class_name(g, c.classes[0]), "A");
	assert_string_equal(lg_graph_class_name(g, c.classes[1]), "B");
	assert_int_equal(c.edges[0], ab);
	assert_int_equal(c.edges[1],
			 lg_graph_find_edge(g, cls(g, "B"), cls(g, "A")));
	lg_path_free(&c);
	/* The same dependency again brings nothing new. */
	assert_int_equal(dep(g, "B", W, "A", W, &c), 0);
	lg_graph_free(g);
}

/* rwsem readers are not recursive: read-A -> write-B, read-B -> write-A. */
static void test_rwsem_readers_deadlock(void **state)
{
	struct lg_graph *g = lg_graph_new();

	(void)state;
	assert_int_equal(dep(g, "A", r, "B", W, NULL), 0);
	assert_int_equal(dep(g, "B", r, "A", W, NULL), 1);
	lg_graph_free(g);
}

/* Two non-recursive readers of one rwsem can deadlock with a writer too. */
static void test_read_read_nonrecursive(void **state)
{
	struct lg_graph *g = lg_graph_new();

	(void)state;
	assert_int_equal(dep(g, "A", W, "B", r, NULL), 0);
	assert_int_equal(dep(g, "B", W, "A", r, NULL), 1);
	lg_graph_free(g);
}

/* Recursive readers: A -(ER)-> B -(SR)-> A is not a deadlock. */
static void test_recursive_read_no_cycle(void **state)
{
	struct lg_graph *g = lg_graph_new();
	struct lg_cycle_stats st;
	struct lg_path c = { 0 };

	(void)state;
	assert_int_equal(dep(g, "A", W, "B", R, NULL), 0);
	assert_int_equal(dep(g, "B", R, "A", R, NULL), 0);
	assert_int_equal(lg_graph_find_cycles(g, NULL, NULL, NULL, &st), 0);
	assert_int_equal(st.cycles, 0);
	assert_int_equal(st.weak_cycles, 1);

	/* A new pair on an existing edge can close it: B -(EN)-> A. */
	assert_int_equal(dep(g, "B", W, "A", W, &c), 1);
	assert_int_equal(c.n, 2);
	assert_true(lg_graph_cycle_is_strong(g, &c));
	lg_path_free(&c);
	assert_int_equal(lg_graph_find_cycles(g, NULL, NULL, NULL, &st), 0);
	assert_int_equal(st.cycles, 1);
	lg_graph_free(g);
}

/* Trylock acquisitions never reach the graph. */
static void test_trylock_path_adds_no_cycle(void **state)
{
	struct lg_graph *g = lg_graph_new();
	struct lg_held_lock held[1];
	struct dep_log l = { 0 };

	(void)state;
	/* truncate: holds vma_lock, trylocks i_mmap_rwsem. */
	held[0] = (struct lg_held_lock){ .class_id = cls(g, "&vma_lock->rw_sema"),
					 .mode = W };
	assert_int_equal(dep(g, "&hugetlbfs_i_mmap_rwsem_key", W,
			     "&vma_lock->rw_sema", W, NULL), 0);
	assert_int_equal(lg_acquire_deps(held, 1,
					 cls(g, "&hugetlbfs_i_mmap_rwsem_key"),
					 W, true, log_dep, &l),
			 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(lg_graph_nedges(g), 1);
	lg_graph_free(g);
}

static void test_cycle_closed_by_last_edge(void **state)
{
	struct lg_graph *g = lg_graph_new();
	struct lg_path c = { 0 };
	lg_edge_id last;

	(void)state;
	/* seed 003's chain, the closing dependency arriving last. */
	assert_int_equal(dep(g, "&mapping->i_mmap_rwsem", r, "&vma->vm_sequence",
			     W, NULL), 0);
	assert_int_equal(dep(g, "&vma->vm_sequence", W, "&vma->vm_sequence/1", W,
			     NULL), 0);
	assert_int_equal(dep(g, "&vma->vm_sequence/1", W, "fs_reclaim", W, NULL),
			 0);
	assert_int_equal(dep(g, "unrelated", W, "fs_reclaim", W, NULL), 0);
	assert_int_equal(dep(g, "fs_reclaim", W, "&mapping->i_mmap_rwsem", r, &c),
			 1);
	last = lg_graph_find_edge(g, cls(g, "fs_reclaim"),
				  cls(g, "&mapping->i_mmap_rwsem"));
	assert_int_equal(last, lg_graph_nedges(g) - 1);
	assert_int_equal(c.n, 4);
	assert_string_equal(lg_graph_class_name(g, c.classes[0]),
			    "&mapping->i_mmap_rwsem");
	assert_string_equal(lg_graph_class_name(g, c.classes[3]), "fs_reclaim");
	assert_int_equal(c.edges[3], last);
	lg_path_free(&c);
	lg_graph_free(g);
}

struct sigs {
	char *v[16];
	int n;
};

static int collect(const struct lg_graph *g, const struct lg_path *cycle,
		   void *ctx)
{
	struct sigs *s = ctx;
	struct lg_path copy = *cycle;
	char *sig;

	/* Canonical already: canonicalising again must not move it. */
	copy.classes = malloc(cycle->n * sizeof(*copy.classes));
	copy.edges = malloc(cycle->n * sizeof(*copy.edges));
	memcpy(copy.classes, cycle->classes, cycle->n * sizeof(*copy.classes));
	memcpy(copy.edges, cycle->edges, cycle->n * sizeof(*copy.edges));
	assert_int_equal(lg_cycle_canonicalize(g, &copy, &sig), 0);
	assert_memory_equal(copy.classes, cycle->classes,
			    cycle->n * sizeof(*copy.classes));
	lg_path_free(&copy);
	s->v[s->n++] = sig;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_two_cycles_share_an_edge(void **state)
{
	struct lg_graph *g = lg_graph_new();
	struct lg_cycle_stats st;
	struct sigs s = { 0 };

	(void)state;
	assert_int_equal(dep(g, "A", W, "B", W, NULL), 0);
	assert_int_equal(dep(g, "B", W, "C", W, NULL), 0);
	assert_int_equal(dep(g, "C", W, "A", W, NULL), 1);
	/* B -> A closes a second circle through the shared edge A -> B. */
	assert_int_equal(dep(g, "B", W, "A", W, NULL), 1);
	assert_int_equal(lg_graph_find_cycles(g, NULL, collect, &s, &st), 0);
	assert_int_equal(st.cycles, 2);
	assert_int_equal(st.sccs, 1);
	assert_int_equal(st.largest_scc, 3);
	assert_false(st.truncated);
	qsort(s.v, (size_t)s.n, sizeof(s.v[0]), cmp_str);
	assert_string_equal(s.v[0], "A -> B");
	assert_string_equal(s.v[1], "A -> B -> C");
	for (int i = 0; i < s.n; i++)
		free(s.v[i]);
	lg_graph_free(g);
}

/* The one circle a full search finds: its closing edge, by name. */
static int closing_of_found(const struct lg_graph *g,
			    const struct lg_path *cycle, void *ctx)
{
	char *name = ctx;
	lg_class_id from, to;
	lg_edge_id e = lg_graph_closing_edge(g, cycle);

	assert_int_not_equal(e, LG_NONE);
	assert_int_equal(lg_graph_edge(g, e, &from, &to, NULL), 0);
	snprintf(name, 64, "%s -> %s", lg_graph_class_name(g, from),
		 lg_graph_class_name(g, to));
	return 0;
}

static void assert_closing(struct lg_graph *g, const char *want)
{
	struct lg_cycle_stats st;
	char name[64] = "";

	assert_int_equal(lg_graph_find_cycles(g, NULL, closing_of_found, name,
					      &st),
			 0);
	assert_int_equal(st.cycles, 1);
	assert_string_equal(name, want);
}

/*
 * A full search names the edge that closed a circle: the last change the
 * circle needs, which need not be its newest edge.
 */
static void test_closing_edge(void **state)
{
	struct lg_graph *g = lg_graph_new();

	(void)state;
	/* A -(W->R)-> B -(R->W)-> A: arriving by R, leaving as a reader. */
	assert_int_equal(dep(g, "A", W, "B", R, NULL), 0);
	assert_int_equal(dep(g, "B", R, "A", W, NULL), 0);
	/* The older edge gains W->W: it closes the circle. */
	assert_int_equal(dep(g, "A", W, "B", W, NULL), 1);
	assert_closing(g, "A -> B");
	lg_graph_free(g);

	g = lg_graph_new();
	assert_int_equal(dep(g, "A", W, "B", W, NULL), 0);
	assert_int_equal(dep(g, "B", W, "A", W, NULL), 1);
	/*
	 * A mode the circle does not need (strong through it too, so the
	 * check says 1 again) does not make its edge the closing one.
	 */
	assert_int_equal(dep(g, "A", W, "B", R, NULL), 1);
	assert_closing(g, "B -> A");
	lg_graph_free(g);
}

static void test_canonical_rotation(void **state)
{
	struct lg_graph *g = lg_graph_new();
	struct lg_path c = { 0 };
	char *sig;

	(void)state;
	assert_int_equal(dep(g, "zeta", W, "alpha", W, NULL), 0);
	assert_int_equal(dep(g, "alpha", W, "mu", W, NULL), 0);
	assert_int_equal(dep(g, "mu", W, "zeta", W, &c), 1);
	assert_int_equal(lg_cycle_canonicalize(g, &c, &sig), 0);
	assert_string_equal(sig, "alpha -> mu -> zeta");
	assert_string_equal(lg_graph_class_name(g, c.classes[0]), "alpha");
	/* Edges rotate with the classes: e[i] = c[i] -> c[i + 1]. */
	for (size_t i = 0; i < c.n; i++) {
		lg_class_id from, to;

		assert_int_equal(lg_graph_edge(g, c.edges[i], &from, &to, NULL), 0);
		assert_int_equal(from, c.classes[i]);
		assert_int_equal(to, c.classes[(i + 1) % c.n]);
	}
	free(sig);
	lg_path_free(&c);
	lg_graph_free(g);
}

static void test_search_bound(void **state)
{
	struct lg_graph *g = lg_graph_new();
	struct lg_cycle_limits lim = { .max_cycles = 10 };
	struct lg_cycle_stats st;
	char a[16], b[16];

	(void)state;
	/* A complete graph on 7 classes has sum C(7,k)(k-1)! = 2365 elementary cycles. */
	for (int i = 0; i < 7; i++)
		for (int k = 0; k < 7; k++) {
			if (i == k)
				continue;
			snprintf(a, sizeof(a), "L%d", i);
			snprintf(b, sizeof(b), "L%d", k);
			assert_true(dep(g, a, W, b, W, NULL) >= 0);
		}
	assert_int_equal(lg_graph_find_cycles(g, &lim, NULL, NULL, &st), 0);
	assert_true(st.truncated);
	assert_int_equal(st.cycles, 10);
	assert_non_null(strstr(st.truncated_why, "max_cycles"));

	assert_int_equal(lg_graph_find_cycles(g, NULL, NULL, NULL, &st), 0);
	assert_false(st.truncated);
	assert_int_equal(st.cycles, 2365);
	lg_graph_free(g);
}

/*
 * A walk that is strong only through a circle of its own is no new
 * circle: the new dependency F -> T closes only the weak T -(SN)-> F
 * -(ER)-> T; T -> A -> T is strong but was there before.  Likewise
 * T -(ER)-> X -> Y -> X -(SN)-> F: X reached by R, then by N only
 * through X -> Y -> X.  Both were reported as circles through a class
 * twice; a simple strong circle next to them still is one.
 */
static void test_circle_passes_a_class_once(void **state)
{
	struct lg_graph *g = lg_graph_new();
	struct lg_path c = { 0 };
	const char *longer[] = { "T", "P", "Q", "S", "U", "F" };

	(void)state;
	assert_int_equal(dep(g, "T", W, "A", W, NULL), 0);
	assert_int_equal(dep(g, "A", W, "T", W, NULL), 1);
	assert_int_equal(dep(g, "T", r, "F", W, NULL), 0);
	assert_int_equal(lg_graph_check_new_edge(g, cls(g, "F"), cls(g, "T"),
						 lg_mode_pair(W, R), &c), 0);
	assert_int_equal(dep(g, "F", W, "T", R, &c), 0);
	lg_graph_free(g);

	g = lg_graph_new();
	assert_int_equal(dep(g, "T", W, "X", R, NULL), 0);
	assert_int_equal(dep(g, "X", W, "Y", W, NULL), 0);
	assert_int_equal(dep(g, "Y", W, "X", W, NULL), 1);
	assert_int_equal(dep(g, "X", r, "F", W, NULL), 0);
	assert_int_equal(dep(g, "F", W, "T", W, &c), 0);
	lg_graph_free(g);

	/* The same, and a longer simple way round: that circle is found. */
	g = lg_graph_new();
	for (size_t i = 0; i + 1 < sizeof(longer) / sizeof(longer[0]); i++)
		assert_int_equal(dep(g, longer[i], W, longer[i + 1], W, NULL), 0);
	assert_int_equal(dep(g, "T", W, "X", R, NULL), 0);
	assert_int_equal(dep(g, "X", W, "Y", W, NULL), 0);
	assert_int_equal(dep(g, "Y", W, "X", W, NULL), 1);
	assert_int_equal(dep(g, "X", r, "F", W, NULL), 0);
	assert_int_equal(dep(g, "F", W, "T", W, &c), 1);
	assert_int_equal(c.n, 6);
	for (size_t i = 0; i < c.n; i++)
		assert_string_equal(lg_graph_class_name(g, c.classes[i]),
				    longer[i]);
	lg_path_free(&c);
	assert_int_equal(lg_graph_searches_given_up(g), 0);
	lg_graph_free(g);
}

static void test_check_new_edge_is_a_query(void **state)
{
	struct lg_graph *g = lg_graph_new();
	struct lg_path c = { 0 };

	(void)state;
	assert_int_equal(dep(g, "&mm->mmap_lock", r, "&vma_lock->rw_sema", r,
			     NULL), 0);
	assert_int_equal(dep(g, "&vma_lock->rw_sema", r,
			     "&hugetlbfs_i_mmap_rwsem_key", r, NULL), 0);
	/* What if truncate took mmap_lock under i_mmap_rwsem (write)? */
	assert_int_equal(lg_graph_check_new_edge(g,
						 cls(g, "&hugetlbfs_i_mmap_rwsem_key"),
						 cls(g, "&mm->mmap_lock"),
						 lg_mode_pair(W, W), &c),
			 1);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.edges[2], LG_NONE);
	lg_path_free(&c);
	assert_int_equal(lg_graph_nedges(g), 2);
	/* In order: no search, no circle. */
	assert_int_equal(lg_graph_check_new_edge(g, cls(g, "&mm->mmap_lock"),
						 cls(g, "&hugetlbfs_i_mmap_rwsem_key"),
						 lg_mode_pair(W, W), NULL),
			 0);
	lg_graph_free(g);
}

static void test_shortest_path(void **state)
{
	struct lg_graph *g = lg_graph_new();
	struct lg_path p = { 0 };

	(void)state;
	dep(g, "A", W, "B", W, NULL);
	dep(g, "B", W, "C", W, NULL);
	dep(g, "C", W, "D", W, NULL);
	dep(g, "A", W, "C", W, NULL);
	assert_int_equal(lg_graph_shortest_path(g, cls(g, "A"), cls(g, "D"), &p), 1);
	assert_int_equal(p.n, 3);
	assert_string_equal(lg_graph_class_name(g, p.classes[1]), "C");
	lg_path_free(&p);
	assert_int_equal(lg_graph_shortest_path(g, cls(g, "D"), cls(g, "A"), &p), 0);
	lg_graph_free(g);
}

/*
 * Property: on random graphs with random modes, the incremental check says
 * "circle" exactly when a brute-force search over simple paths (no class
 * twice, as a circle lockdep reports) finds a strong one closing a circle
 * with the new dependency.
 */
#define NR 24

static unsigned int rnd_state = 12345;

static unsigned int rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 16) & 0x7fff;
}

#define END_R (LG_DEP_ER | LG_DEP_SR)
#define START_E (LG_DEP_EN | LG_DEP_ER)

/* Every simple path on from @x (arrived by R: @by_r) to @from. */
static bool brute_dfs(unsigned int adj[NR][NR], bool on[NR], int x,
		      bool by_r, int from, unsigned int t0)
{
	for (int y = 0; y < NR; y++) {
		unsigned int d = lg_mode_pairs_deps(adj[x][y]);

		if (by_r)
			d &= START_E;
		if (!d || on[y])
			continue;
		if (y == from) {
			/* t0 starting with S may not follow an arrival by R */
			if ((t0 & START_E) || (d & ~END_R))
				return true;
			continue;
		}
		on[y] = true;
		if (((d & ~END_R) && brute_dfs(adj, on, y, false, from, t0)) ||
		    ((d & END_R) && brute_dfs(adj, on, y, true, from, t0)))
			return true;
		on[y] = false;
	}
	return false;
}

static bool brute_strong_path(unsigned int adj[NR][NR], int from, int to,
			      unsigned int t0)
{
	bool on[NR] = { false };

	on[to] = true;
	return brute_dfs(adj, on, to, t0 & END_R, from, t0);
}

/*
 * Allocation failures for the graph code, by the link's --wrap (Makefile):
 * while fail_one_in is set, each malloc, calloc or realloc fails with
 * probability 1/fail_one_in (its own generator, so the graphs stay those
 * of the plain run).
 */
void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);

static unsigned int fail_one_in;
static unsigned int fail_state = 777;

static bool fail_this_allocation(void)
{
	if (!fail_one_in)
		return false;
	fail_state = fail_state * 1103515245u + 12345u;
	return ((fail_state >> 16) & 0x7fff) % fail_one_in == 0;
}

void *__wrap_malloc(size_t size)
{
	return fail_this_allocation() ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return fail_this_allocation() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
	return fail_this_allocation() ? NULL : __real_realloc(p, size);
}

struct random_rounds {
	int circles, checks;	/* additions that said circle / in all */
	int failed;		/* additions that said -ENOMEM */
	int failed_in;		/* ... with the edge (or new modes) in */
};

/*
 * @rounds random graphs of 80 additions, each checked against the brute
 * force; with @one_in, additions fail allocations (1 in @one_in): such an
 * addition says -ENOMEM or its usual answer, and either way the order
 * invariant holds after it and the answers after it stay right.
 */
static void random_rounds(int rounds, unsigned int one_in,
			  struct random_rounds *st)
{
	for (int round = 0; round < rounds; round++) {
		struct lg_graph *g = lg_graph_new();
		unsigned int adj[NR][NR] = { { 0 } };
		lg_class_id id[NR];
		char name[16];

		assert_non_null(g);
		for (int i = 0; i < NR; i++) {
			snprintf(name, sizeof(name), "c%d", i);
			id[i] = cls(g, name);
		}
		for (int k = 0; k < 80; k++) {
			int a = (int)(rnd() % NR), b = (int)(rnd() % NR);
			/* Mostly layered (a < b), sometimes backwards. */
			enum lg_mode ma = (enum lg_mode)(rnd() % 3);
			enum lg_mode mb = (enum lg_mode)(rnd() % 3);
			unsigned int pair = lg_mode_pair(ma, mb), added, newdeps;
			bool expect = false;
			struct lg_path c = { 0 };
			int got;

			if (a == b)
				continue;
			if (a > b && rnd() % 4) {
				int t = a;

				a = b;
				b = t;
			}
			newdeps = lg_mode_pairs_deps(pair) &
				  ~lg_mode_pairs_deps(adj[a][b]);
			for (unsigned int bit = 1; bit <= LG_DEP_SR; bit <<= 1)
				if (newdeps & bit)
					expect |= brute_strong_path(adj, a, b, bit);
			/* The what-if query agrees before the edge goes in. */
			if (newdeps)
				assert_int_equal(lg_graph_check_new_edge(g, id[a], id[b],
									 pair, NULL),
						 expect);
			fail_one_in = one_in;
			got = lg_graph_add_edge(g, id[a], id[b], pair, NULL, &added,
						&c);
			fail_one_in = 0;
			assert_int_equal(lg_graph_verify_order(g), 0);
			st->checks++;
			adj[a][b] |= added;
			if (got == -ENOMEM) {
				st->failed++;
				st->failed_in += added != 0;
				assert_int_equal(lg_graph_find_edge(g, id[a], id[b]) !=
							 LG_NONE,
						 adj[a][b] != 0);
				lg_path_free(&c);
				continue;
			}
			assert_int_equal(got, expect);
			assert_int_equal(added, pair & ~(adj[a][b] & ~added));
			if (got) {
				st->circles++;
				assert_true(lg_graph_cycle_is_strong(g, &c));
				for (size_t i = 0; i < c.n; i++)
					for (size_t j = i + 1; j < c.n; j++)
						assert_int_not_equal(c.classes[i],
								     c.classes[j]);
				assert_int_equal(c.classes[0], id[b]);
				assert_int_equal(c.classes[c.n - 1], id[a]);
			}
			lg_path_free(&c);
		}
		lg_graph_free(g);
	}
}

static void test_incremental_matches_brute_force(void **state)
{
	struct random_rounds st = { 0 };

	(void)state;
	random_rounds(300, 0, &st);
	/* Both answers must have been exercised for the test to mean much. */
	assert_int_equal(st.failed, 0);
	assert_true(st.circles > 20);
	assert_true(st.checks - st.circles > 1000);
}

/*
 * Out of memory in the middle of an addition: the graph stays usable.  An
 * addition whose edge went in before an allocation failed (the circle
 * search's) still has its order relaid, so later answers stay right.
 */
static void test_add_edge_out_of_memory(void **state)
{
	struct random_rounds st = { 0 };

	(void)state;
	random_rounds(300, 6, &st);
	assert_true(st.failed > 100);
	assert_true(st.failed_in > 10);
	assert_true(st.checks - st.failed > 1000);
	assert_true(st.circles > 5);
}

/*
 * Property at scale: 1500 classes in layers, 12000 W->W edges arriving in
 * random order with classes registered at first use (the order the daemon
 * sees), a few going backwards.  With only writers every circle is a
 * deadlock, so add's answer must equal "a path from the new lock back to
 * the held one already exists", which a plain DFS over the test's own
 * adjacency answers; the order invariant must hold throughout.
 */
#define BIG 1500
#define BIG_EDGES 12000

static bool dfs_reaches(int (*adj)[16], const int *deg, int from, int to,
			unsigned char *seen, int *stack)
{
	int sp = 0;

	memset(seen, 0, BIG);
	stack[sp++] = from;
	seen[from] = 1;
	while (sp) {
		int x = stack[--sp];

		if (x == to)
			return true;
		for (int i = 0; i < deg[x]; i++)
			if (!seen[adj[x][i]]) {
				seen[adj[x][i]] = 1;
				stack[sp++] = adj[x][i];
			}
	}
	return false;
}

static void test_large_random_order(void **state)
{
	int (*adj)[16] = calloc(BIG, sizeof(*adj));
	int *deg = calloc(BIG, sizeof(*deg)), *stack = malloc(BIG * sizeof(int));
	unsigned char *seen = malloc(BIG);
	lg_class_id *id = malloc(BIG * sizeof(*id));
	bool *known = calloc(BIG, sizeof(*known));
	struct lg_graph *g = lg_graph_new();
	int circles = 0, added = 0;
	char name[16];

	(void)state;
	assert_non_null(adj);
	for (int k = 0; k < BIG_EDGES * 4 && added < BIG_EDGES; k++) {
		int a = (int)(rnd() % BIG), b, got;
		bool expect;

		/* Mostly the next few layers down; 1 in 200 backwards. */
		b = rnd() % 200 ? a + 1 + (int)(rnd() % 40) : a - 1 - (int)(rnd() % 40);
		if (b < 0 || b >= BIG || deg[a] >= 16)
			continue;
		for (int *c = (int[]){ a, b }, i = 0; i < 2; i++)
			if (!known[c[i]]) {
				snprintf(name, sizeof(name), "k%d", c[i]);
				id[c[i]] = cls(g, name);
				known[c[i]] = true;
			}
		if (lg_graph_find_edge(g, id[a], id[b]) != LG_NONE)
			continue;
		expect = dfs_reaches(adj, deg, b, a, seen, stack);
		got = lg_graph_add_edge(g, id[a], id[b], lg_mode_pair(W, W), NULL,
					NULL, NULL);
		assert_int_equal(got, expect);
		circles += got;
		adj[a][deg[a]++] = b;
		if (++added % 1000 == 0)
			assert_int_equal(lg_graph_verify_order(g), 0);
	}
	assert_int_equal(lg_graph_verify_order(g), 0);
	assert_true(added == BIG_EDGES);
	assert_true(circles > 0);
	lg_graph_free(g);
	free(adj);
	free(deg);
	free(stack);
	free(seen);
	free(id);
	free(known);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mode_pairs_text),
		cmocka_unit_test(test_classes_are_interned),
		cmocka_unit_test(test_acquire_rules),
		cmocka_unit_test(test_abba),
		cmocka_unit_test(test_rwsem_readers_deadlock),
		cmocka_unit_test(test_read_read_nonrecursive),
		cmocka_unit_test(test_recursive_read_no_cycle),
		cmocka_unit_test(test_trylock_path_adds_no_cycle),
		cmocka_unit_test(test_cycle_closed_by_last_edge),
		cmocka_unit_test(test_two_cycles_share_an_edge),
		cmocka_unit_test(test_closing_edge),
		cmocka_unit_test(test_canonical_rotation),
		cmocka_unit_test(test_search_bound),
		cmocka_unit_test(test_check_new_edge_is_a_query),
		cmocka_unit_test(test_shortest_path),
		cmocka_unit_test(test_incremental_matches_brute_force),
		cmocka_unit_test(test_add_edge_out_of_memory),
		cmocka_unit_test(test_circle_passes_a_class_once),
		cmocka_unit_test(test_large_random_order),
	};

	return cmocka_run_group_tests_name("graph", tests, NULL, NULL);
}
