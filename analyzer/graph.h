/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The lock-order graph: lock classes and the dependencies between them,
 * following lockdep's rules (Documentation/locking/lockdep-design.rst).
 *
 * A node is a lock class, named the way lockdep names it
 * ("&mapping->i_mmap_rwsem", "&vma->vm_sequence/1", "fs_reclaim").  An edge
 * A -> B means B was acquired while A was held.  Each edge carries the set of
 * dependency types it was seen with, in lockdep's four kinds:
 *
 *   -(EN)->  A held by a writer, B taken by a writer or non-recursive reader;
 *   -(ER)->  A held by a writer, B taken by a recursive reader;
 *   -(SN)->  A held by a reader (recursive or not), B a writer or
 *            non-recursive reader;
 *   -(SR)->  A held by a reader, B a recursive reader.
 *
 * A circle is a deadlock only if it is "strong": no edge ending in a
 * recursive reader (-(xR)->) is followed by an edge starting from a reader
 * (-(Sx)->).  The graph has no SQLite and no libbpf in it: the store loads it,
 * the daemon and the CLI drive it, tests drive it directly.
 */
#ifndef LOCKGRAPH_ANALYZER_GRAPH_H
#define LOCKGRAPH_ANALYZER_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * How a lock was acquired: the values of lockdep's lock_acquire() "read"
 * argument, so the lockdep probe source can pass it through unchanged.
 */
enum lg_mode {
	LG_MODE_WRITE = 0,	    /* exclusive: writer, mutex, spinlock */
	LG_MODE_READ = 1,	    /* non-recursive reader (rwsem down_read) */
	LG_MODE_RECURSIVE_READ = 2, /* recursive reader (rwlock read, RCU) */
};

/*
 * Each edge keeps the set of (held mode, acquired mode) pairs it was seen
 * with: a 9-bit mask, bit (from * 3 + to).  lockdep's four dependency types
 * follow from it (a reader of either kind is "S" at the held end, only a
 * recursive reader is "R" at the acquired end).
 */
#define LG_MODE_PAIRS_ALL 0x1ffu

/* The pair bit for "held in mode @from, acquired in mode @to". */
unsigned int lg_mode_pair(enum lg_mode from, enum lg_mode to);

/* Dependency type bits, one per lockdep dependency kind. */
enum lg_dep_bit {
	LG_DEP_EN = 1 << 0,
	LG_DEP_ER = 1 << 1,
	LG_DEP_SN = 1 << 2,
	LG_DEP_SR = 1 << 3,
};

/* lockdep's dependency types (LG_DEP_* bits) of a pair mask. */
unsigned int lg_mode_pairs_deps(unsigned int pairs);

/* One-letter name of a mode: 'W', 'r' or 'R'. */
char lg_mode_char(enum lg_mode mode);

/*
 * Parse a mode letter ('W', 'r', 'R').  Returns 0 and sets *mode, or -EINVAL.
 */
int lg_mode_parse(char c, enum lg_mode *mode);

/*
 * Write the pairs of @pairs as "W->W,r->R" into @buf (at most @size bytes,
 * always NUL-terminated when @size > 0).  An empty mask gives "".
 */
void lg_mode_pairs_format(unsigned int pairs, char *buf, size_t size);

/*
 * Parse text written by lg_mode_pairs_format().  Returns 0 or -EINVAL.
 */
int lg_mode_pairs_parse(const char *text, unsigned int *pairs);

typedef uint32_t lg_class_id;
typedef uint32_t lg_edge_id;
#define LG_NONE UINT32_MAX

struct lg_graph;

/* A new, empty graph.  Returns NULL when out of memory. */
struct lg_graph *lg_graph_new(void);

/* Free @g and everything in it.  NULL is allowed. */
void lg_graph_free(struct lg_graph *g);

/*
 * Look up the class named @name, adding it when @create is true.  The graph
 * keeps its own copy of the name.  Returns 0 and sets *id, -ENOENT when
 * absent and !@create, -ENOMEM.
 */
int lg_graph_class(struct lg_graph *g, const char *name, bool create,
		   lg_class_id *id);

/* The name of class @id (owned by the graph), or NULL if out of range. */
const char *lg_graph_class_name(const struct lg_graph *g, lg_class_id id);

size_t lg_graph_nclasses(const struct lg_graph *g);
size_t lg_graph_nedges(const struct lg_graph *g);

/*
 * How many incremental checks (lg_graph_add_edge(),
 * lg_graph_check_new_edge()) gave up looking for a simple circle and
 * answered 0: see lg_graph_add_edge().  A full search
 * (lg_graph_find_cycles()) finds what they may have missed.
 */
uint64_t lg_graph_searches_given_up(const struct lg_graph *g);

/*
 * A path or cycle: classes c[0..n-1] and the edges e[i] = c[i] -> c[i+1].
 * For a cycle, e[n-1] = c[n-1] -> c[0].  Owned by the caller; free with
 * lg_path_free().
 */
struct lg_path {
	lg_class_id *classes;
	lg_edge_id *edges;
	size_t n;
};

void lg_path_free(struct lg_path *p);

/* Copy @src into the empty @dst (free it with lg_path_free()): 0, -ENOMEM. */
int lg_path_copy(struct lg_path *dst, const struct lg_path *src);

/*
 * Add the dependency @from -> @to seen with mode pairs @pairs (see
 * lg_mode_pair()); an existing edge gets the new pairs or'ed in.  Edge ids
 * are given in arrival order, so a higher id arrived later.  @from == @to
 * (recursion) is refused with -EINVAL: it is not an edge.
 *
 * This is the incremental check lockdep's check_noncircular() does, run on
 * every addition that brings a new pair: does the new dependency close a
 * circle that is a deadlock under the strong-path rule?  The graph keeps a
 * topological order of its strongly connected components (Pearce-Kelly,
 * merging components when a circle closes), so a dependency that agrees with
 * the order costs O(1) and a search only visits the classes between the two
 * ends in that order; the search itself is breadth-first from @to, so the
 * circle it finds is a shortest one.  A circle passes each class once:
 * when the shortest strong walk repeats a class (it is strong only
 * through a circle that was already there), a depth-first search over
 * simple paths looks for another, and gives up after 4M steps (counted
 * by lg_graph_searches_given_up()).
 *
 * *@edge (if not NULL) gets the edge's id; *@added (if not NULL) the pairs
 * that were new.  Returns 1 when a deadlock circle was closed (@cycle, if
 * not NULL, gets it: classes from @to round to @from, the last edge being
 * the new one), 0 when not, -EINVAL or -ENOMEM.  -ENOMEM either leaves
 * the graph as it was or, when only the circle search ran out of memory,
 * has the edge in it, in order (*@edge and *@added set), and its circle
 * unknown.
 */
int lg_graph_add_edge(struct lg_graph *g, lg_class_id from, lg_class_id to,
		      unsigned int pairs, lg_edge_id *edge, unsigned int *added,
		      struct lg_path *cycle);

/* The edge @from -> @to, or LG_NONE. */
lg_edge_id lg_graph_find_edge(const struct lg_graph *g, lg_class_id from,
			      lg_class_id to);

/* Endpoints and mode pairs of edge @e; returns -ENOENT if out of range. */
int lg_graph_edge(const struct lg_graph *g, lg_edge_id e, lg_class_id *from,
		  lg_class_id *to, unsigned int *pairs);


/*
 * Would the dependency @from -> @to with mode pairs @pairs close a deadlock
 * circle with the edges in the graph ("what if I take B while holding A")?
 * The same search lg_graph_add_edge() runs, without changing the graph; an
 * existing @from -> @to edge is not used.  Returns 1 and fills @cycle (may be
 * NULL; classes from @to round to @from, the closing edge LG_NONE when the
 * dependency is not in the graph), 0 when none, -ENOMEM.
 */
int lg_graph_check_new_edge(struct lg_graph *g, lg_class_id from,
			    lg_class_id to, unsigned int pairs,
			    struct lg_path *cycle);

/* Called for each strong elementary cycle; return non-zero to stop. */
typedef int (*lg_cycle_fn)(const struct lg_graph *g,
			   const struct lg_path *cycle, void *ctx);

/*
 * Up to @max strong elementary circles through edge @edge, depth first
 * (lg_graph_add_edge() reports one, a shortest; a dependency may close
 * many): each passed to @fn, not canonicalised (classes from the edge's
 * head round to its tail, the last edge @edge; valid during the call), the
 * same circle at most twice (once per kind of dependency the edge has that
 * ends or not in a recursive read).  A best effort: the search stops
 * after 16384 steps each way (not counted as given up: the circle the
 * check found stands).  Returns how many were passed (0 when none),
 * @fn's first non-zero value, -EINVAL (no such edge) or -ENOMEM.
 */
int lg_graph_cycles_through(struct lg_graph *g, lg_edge_id edge, size_t max,
			    lg_cycle_fn fn, void *ctx);

/*
 * Shortest path of edges from @from to @to, ignoring dependency types (this
 * answers "why does A come before B").  Returns 1 and fills @path, 0 when
 * there is none, -ENOMEM.
 */
int lg_graph_shortest_path(struct lg_graph *g, lg_class_id from,
			   lg_class_id to, struct lg_path *path);

/*
 * Is the closed walk @cycle (edges e[i], each with its mode pairs) a deadlock
 * under the strong-path rule: can a type be chosen for each edge so that no
 * -(xR)-> is followed (cyclically) by -(Sx)->?
 */
bool lg_graph_cycle_is_strong(const struct lg_graph *g,
			      const struct lg_path *cycle);

/*
 * The edge of the deadlock circle @cycle that closed it, for a circle a
 * full search found (lg_graph_find_cycles() does not know the order things
 * arrived in): of the circle's edges whose last change (insertion, or new
 * mode pairs: an edge that turned W->R into W->W can close a circle that
 * its R kept weak) the circle needs, the one changed last.  Exact when
 * that edge changed only once since; LG_NONE when an edge is unknown.
 */
lg_edge_id lg_graph_closing_edge(const struct lg_graph *g,
				 const struct lg_path *cycle);

/*
 * Rotate @cycle so that it starts at the class with the smallest name
 * (strcmp), and write its canonical signature "a -> b -> c" into a new
 * string *@signature (caller frees).  The same circle found from any
 * starting point gives the same signature.  Returns 0 or -ENOMEM.
 */
int lg_cycle_canonicalize(const struct lg_graph *g, struct lg_path *cycle,
			  char **signature);

/* Limits for lg_graph_find_cycles(); zero means the default. */
struct lg_cycle_limits {
	size_t max_cycles;    /* in all; default 100000 */
	size_t max_length;    /* classes in one cycle; default 64 */
	size_t max_steps;     /* search steps per component; default 50M */
};

struct lg_cycle_stats {
	size_t sccs;		 /* components with more than one class */
	size_t largest_scc;	 /* classes in the largest one */
	size_t cycles;		 /* strong elementary cycles reported */
	size_t weak_cycles;	 /* elementary cycles the read rule rules out */
	bool truncated;		 /* a limit was hit: the list is incomplete */
	char truncated_why[160]; /* which limit, in words */
};

/*
 * Every elementary cycle of the graph that is a deadlock under the strong
 * path rule: Tarjan's strongly connected components first, then Johnson's
 * enumeration inside each component, bounded by @limits.  Cycles are passed
 * to @fn canonicalised (see lg_cycle_canonicalize()); the path is only valid
 * during the call.  Returns 0 (check @stats->truncated), the first non-zero
 * value @fn returned, or -ENOMEM.
 */
int lg_graph_find_cycles(struct lg_graph *g, const struct lg_cycle_limits *limits,
			 lg_cycle_fn fn, void *ctx, struct lg_cycle_stats *stats);

/*
 * Check the graph's internal order (for tests): the component order list is
 * consistent, its labels grow, and every edge between two components goes
 * forward in it.  Returns 0 or -EUCLEAN.
 */
int lg_graph_verify_order(struct lg_graph *g);

/* One entry of a task's held-lock stack, bottom first. */
struct lg_held_lock {
	lg_class_id class_id;
	enum lg_mode mode;
	bool trylock;
};

/* Called for each dependency a new acquisition creates. */
typedef int (*lg_dep_fn)(lg_class_id from, lg_class_id to,
			 unsigned int pair, void *ctx);

/*
 * Apply lockdep's rules for turning an acquisition into dependencies: a
 * trylock acquisition adds none (it cannot wait); otherwise walk the held
 * stack @held[0..nheld-1] from the top, calling @fn for "held -> new" and
 * stopping after the first held entry that was not itself a trylock.
 * Re-acquiring a class that is already held is recursion and gives no edge.
 * Returns 0 or the first non-zero value of @fn.
 */
int lg_acquire_deps(const struct lg_held_lock *held, size_t nheld,
		    lg_class_id new_class, enum lg_mode new_mode,
		    bool new_trylock, lg_dep_fn fn, void *ctx);

#endif /* LOCKGRAPH_ANALYZER_GRAPH_H */
