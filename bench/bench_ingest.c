/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bench_ingest: throughput of lockdep report ingestion on a large
 * concatenation of real reports.
 *
 * Input: the *.txt files of tests/corpus/splats (or --corpus DIR).  When
 * that directory has none, ../shared/seeds relative to the repository, then
 * /work/shared/seeds/003_a5e955c5b9b72acc.txt; the output says which.  Each
 * file is parsed on its own first: lg_splat_parse() fails a whole buffer on
 * one truncated circular report, so files that fail or hold no report are
 * left out (and listed).  The rest, each ending in a newline, make one
 * "unit", repeated until the buffer reaches --mb megabytes (default 64).
 *
 * Measured:
 *  (a) lg_splat_parse() on the whole buffer, in process: wall time
 *      (CLOCK_MONOTONIC), MB/s, reports/s, and the parser's peak memory
 *      (ru_maxrss growth; run in a forked child so it is the parser's own);
 *      best and median of --runs runs (default 3);
 *  (b) the whole `lockgraph --db DB ingest FILE` path (read, parse, import
 *      every circular report into SQLite, cycle search, commit): the buffer
 *      is written to a temporary file and build/lockgraph is run on it with
 *      fork/exec against a fresh database; wall time, CPU time and maxrss of
 *      the child (wait4), MB/s, reports/s, database size.  It is run five
 *      times on one unit (every report distinct; the figure is dominated by
 *      process start, schema creation and the commit) and --runs times on
 *      the whole buffer; the median is reported.  lockgraph is started from
 *      a launcher forked while this process is still small, so its maxrss
 *      is its own.
 *
 * Repeated copies of a report dedupe to the same classes, edges and cycles,
 * so the whole-buffer ingest measures parsing plus mostly-duplicate imports;
 * the output says so.  Timings are only printed; the exit status is non-zero
 * only for real errors (no input, out of memory, lockgraph failing).
 *
 * Usage: bench_ingest [--corpus DIR] [--lockgraph PATH] [--mb N] [--runs N]
 *		       [--keep]
 */
#include <dirent.h>
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

#include "bench_util.h"
#include "splat_parse.h"

#define SEED_FILE "/work/shared/seeds/003_a5e955c5b9b72acc.txt"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double mb(size_t bytes)
{
	return (double)bytes / (1024.0 * 1024.0);
}

/* ---- growable buffer ---------------------------------------------------- */

struct buf {
	char *p;
	size_t len, cap;
};

static int buf_append(struct buf *b, const char *data, size_t len)
{
	if (b->len + len + 1 > b->cap) {
		size_t ncap = b->cap ? b->cap : 65536;
		char *np;

		while (ncap < b->len + len + 1)
			ncap *= 2;
		np = realloc(b->p, ncap);
		if (!np)
			return -ENOMEM;
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = '\0';
	return 0;
}

static int read_file(const char *path, struct buf *out)
{
	char chunk[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int err = 0;

	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (!n)
			break;
		err = buf_append(out, chunk, (size_t)n);
		if (err)
			break;
	}
	close(fd);
	return err;
}

static int write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int err = 0;

	if (fd < 0)
		return -errno;
	while (len) {
		ssize_t n = write(fd, data, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		data += n;
		len -= (size_t)n;
	}
	if (close(fd) && !err)
		err = -errno;
	return err;
}

/* ---- the corpus ------------------------------------------------------- */

struct corpus {
	char source[PATH_MAX + 64]; /* what was used, in words */
	struct buf unit;	    /* the accepted files, concatenated */
	size_t files, skipped, reports, circular;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted paths of the *.txt files of @dir; *@n = 0 when none or absent. */
static int list_txt(const char *dir, char ***paths, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **v = NULL;
	size_t cnt = 0, cap = 0;

	*paths = NULL;
	*n = 0;
	if (!d)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		char *p;

		if (l < 5 || strcmp(de->d_name + l - 4, ".txt"))
			continue;
		if (cnt == cap) {
			char **nv;

			cap = cap ? cap * 2 : 64;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv)
				goto nomem;
			v = nv;
		}
		if (asprintf(&p, "%s/%s", dir, de->d_name) < 0)
			goto nomem;
		v[cnt++] = p;
	}
	closedir(d);
	if (cnt)
		qsort(v, cnt, sizeof(*v), cmp_str);
	*paths = v;
	*n = cnt;
	return 0;
nomem:
	closedir(d);
	while (cnt)
		free(v[--cnt]);
	free(v);
	return -ENOMEM;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Parse @path alone; append it to the unit when it parses with reports. */
static int add_file(struct corpus *c, const char *path)
{
	struct buf b = { 0 };
	struct lg_splat_list l = { 0 };
	struct lg_parse_error perr;
	int err;

	err = read_file(path, &b);
	if (err) {
		printf("  skip %s: %s\n", path, strerror(-err));
		c->skipped++;
		free(b.p);
		return err == -ENOMEM ? err : 0;
	}
	err = lg_splat_parse(b.p, b.len, &l, &perr);
	if (err == -ENOMEM) {
		free(b.p);
		return err;
	}
	if (err || !l.n) {
		if (err == -EBADMSG)
			printf("  skip %s: line %u: %s\n", path, perr.line, perr.msg);
		else
			printf("  skip %s: %s\n", path,
			       err ? strerror(-err) : "no lockdep report");
		c->skipped++;
		goto out;
	}
	for (size_t i = 0; i < l.n; i++)
		if (l.v[i].kind == LG_SPLAT_CIRCULAR)
			c->circular++;
	c->reports += l.n;
	c->files++;
	err = buf_append(&c->unit, b.p, b.len);
	if (!err && b.len && b.p[b.len - 1] != '\n')
		err = buf_append(&c->unit, "\n", 1);
	if (!err)
		err = buf_append(&c->unit, "\n", 1);
out:
	lg_splat_list_free(&l);
	free(b.p);
	return err == -ENOMEM ? err : 0;
}

static int add_dir(struct corpus *c, const char *dir)
{
	char **paths;
	size_t n;
	int err = list_txt(dir, &paths, &n);

	if (err)
		return err;
	for (size_t i = 0; i < n && !err; i++)
		err = add_file(c, paths[i]);
	free_list(paths, n);
	return err;
}

/* The repository root: two levels above build/bench/bench_ingest. */
static void repo_root(char *out, size_t size)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	snprintf(out, size, ".");
	if (n <= 0)
		return;
	exe[n] = '\0';
	for (int i = 0; i < 3; i++) {
		slash = strrchr(exe, '/');
		if (!slash)
			return;
		*slash = '\0';
	}
	snprintf(out, size, "%s", exe[0] ? exe : "/");
}

static int load_corpus(struct corpus *c, const char *dir_opt)
{
	char root[PATH_MAX], dir[PATH_MAX + 32];
	int err;

	repo_root(root, sizeof(root));
	if (dir_opt) {
		snprintf(dir, sizeof(dir), "%s", dir_opt);
	} else {
		snprintf(dir, sizeof(dir), "%s/tests/corpus/splats", root);
		if (access(dir, F_OK))
			snprintf(dir, sizeof(dir), "tests/corpus/splats");
	}
	err = add_dir(c, dir);
	if (err)
		return err;
	if (c->files) {
		snprintf(c->source, sizeof(c->source), "corpus %s", dir);
		return 0;
	}
	printf("  %s has no usable *.txt report; falling back to the seeds\n", dir);
	snprintf(dir, sizeof(dir), "%s/../shared/seeds", root);
	err = add_dir(c, dir);
	if (err)
		return err;
	if (c->files) {
		snprintf(c->source, sizeof(c->source), "fallback: seeds %s", dir);
		return 0;
	}
	err = add_file(c, SEED_FILE);
	if (err)
		return err;
	if (c->files) {
		snprintf(c->source, sizeof(c->source), "fallback: seed %s", SEED_FILE);
		return 0;
	}
	return -ENOENT;
}

/* ---- (a) the parser ---------------------------------------------------- */

struct parse_result {
	int err;
	double seconds;
	size_t reports, circular;
	long rss_delta_kb;
};

static long maxrss_kb(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) ? -1 : ru.ru_maxrss;
}

static void parse_once(const struct buf *b, struct parse_result *r)
{
	struct lg_splat_list l = { 0 };
	struct lg_parse_error perr;
	long rss0 = maxrss_kb();
	uint64_t t0;

	memset(r, 0, sizeof(*r));
	t0 = now_ns();
	r->err = lg_splat_parse(b->p, b->len, &l, &perr);
	r->seconds = (double)(now_ns() - t0) / 1e9;
	r->rss_delta_kb = maxrss_kb() - rss0;
	if (r->err == -EBADMSG)
		fprintf(stderr, "bench_ingest: parse of the buffer failed at line %u: %s\n",
			perr.line, perr.msg);
	r->reports = l.n;
	for (size_t i = 0; i < l.n; i++)
		if (l.v[i].kind == LG_SPLAT_CIRCULAR)
			r->circular++;
	lg_splat_list_free(&l);
}

static int parse_work(const void *b, void *r)
{
	parse_once(b, r);
	return 0;
}

/* One parse in a child, so that its maxrss growth is the parser's alone. */
static int parse_in_child(const struct buf *b, struct parse_result *r)
{
	ssize_t got;
	int err, status;

	err = bench_run_in_child(parse_work, b, r, sizeof(*r), &got, &status);
	if (err)
		return err;
	if (got != (ssize_t)sizeof(*r) || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return -ECHILD;
	return r->err;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int bench_parse(const struct buf *b, int runs, double *best_mbs)
{
	struct parse_result r = { 0 };
	double t[16];
	int err;

	if (runs > 16)
		runs = 16;
	for (int i = 0; i < runs; i++) {
		err = parse_in_child(b, &r);
		if (err) {
			fprintf(stderr, "bench_ingest: lg_splat_parse: %s\n",
				strerror(-err));
			return err;
		}
		t[i] = r.seconds;
		printf("  run %d: %.3f s, %.1f MB/s, %.0f reports/s, parser peak +%ld MiB\n",
		       i + 1, r.seconds, mb(b->len) / r.seconds,
		       (double)r.reports / r.seconds, r.rss_delta_kb / 1024);
	}
	qsort(t, (size_t)runs, sizeof(t[0]), cmp_double);
	printf("  lg_splat_parse: %.1f MiB, %zu reports (%zu circular): best %.3f s "
	       "= %.1f MB/s, %.0f reports/s; median %.3f s = %.1f MB/s\n",
	       mb(b->len), r.reports, r.circular, t[0], mb(b->len) / t[0],
	       (double)r.reports / t[0], t[runs / 2], mb(b->len) / t[runs / 2]);
	*best_mbs = mb(b->len) / t[0];
	return 0;
}

/* ---- (b) lockgraph ingest ---------------------------------------------- */

struct ingest_result {
	double wall, user, sys;
	long maxrss_kb;
	off_t db_bytes;
	int status;
};

static off_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : st.st_size;
}

/*
 * lockgraph is started by a launcher process forked at the very start, while
 * this process is still small: a child's ru_maxrss includes the memory of
 * the process it was forked from (the kernel keeps the old mm's high-water
 * mark across exec), and ours holds the big buffer.
 */
struct launch_req {
	char lockgraph[PATH_MAX], db[PATH_MAX], input[PATH_MAX], log[PATH_MAX];
};

struct launcher {
	pid_t pid;
	int req_fd, res_fd;
};

/* Runs one request: fork, exec, wait4; fills @r. */
static void launch_one(const struct launch_req *q, struct ingest_result *r)
{
	struct rusage ru;
	uint64_t t0;
	int status;
	pid_t pid;
	char wal[PATH_MAX + 8];

	memset(r, 0, sizeof(*r));
	unlink(q->db);
	t0 = now_ns();
	pid = fork();
	if (pid < 0) {
		r->status = -1;
		return;
	}
	if (!pid) {
		int fd = open(q->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
			close(fd);
		}
		execl(q->lockgraph, q->lockgraph, "--db", q->db, "ingest",
		      q->input, (char *)NULL);
		fprintf(stderr, "exec %s: %s\n", q->lockgraph, strerror(errno));
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			r->status = -1;
			return;
		}
	}
	r->wall = (double)(now_ns() - t0) / 1e9;
	r->user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
	r->sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	r->maxrss_kb = ru.ru_maxrss;
	r->status = status;
	snprintf(wal, sizeof(wal), "%s-wal", q->db);
	r->db_bytes = file_size(q->db) + file_size(wal);
}

static int launcher_start(struct launcher *l)
{
	int req[2], res[2];

	if (pipe(req))
		return -errno;
	if (pipe(res)) {
		int err = -errno;

		close(req[0]);
		close(req[1]);
		return err;
	}
	fflush(stdout);
	fflush(stderr);
	l->pid = fork();
	if (l->pid < 0) {
		int err = -errno;

		close(req[0]);
		close(req[1]);
		close(res[0]);
		close(res[1]);
		return err;
	}
	if (!l->pid) {
		struct launch_req q;
		struct ingest_result r;

		close(req[1]);
		close(res[0]);
		while (read(req[0], &q, sizeof(q)) == (ssize_t)sizeof(q)) {
			launch_one(&q, &r);
			if (write(res[1], &r, sizeof(r)) != (ssize_t)sizeof(r))
				_exit(EXIT_FAILURE);
		}
		_exit(EXIT_SUCCESS);
	}
	close(req[0]);
	close(res[1]);
	l->req_fd = req[1];
	l->res_fd = res[0];
	return 0;
}

static void launcher_stop(struct launcher *l)
{
	int status;

	if (l->pid <= 0)
		return;
	close(l->req_fd);
	close(l->res_fd);
	while (waitpid(l->pid, &status, 0) < 0 && errno == EINTR)
		;
	l->pid = 0;
}

/*
 * Run "@lockgraph --db @db ingest @input" (fresh database) with stdout and
 * stderr to @log.  Returns 0 (check r->status), or -errno / -ECHILD when it
 * could not be run.
 */
static int run_ingest(struct launcher *l, const char *lockgraph, const char *db,
		      const char *input, const char *log, struct ingest_result *r)
{
	static struct launch_req q;

	snprintf(q.lockgraph, sizeof(q.lockgraph), "%s", lockgraph);
	snprintf(q.db, sizeof(q.db), "%s", db);
	snprintf(q.input, sizeof(q.input), "%s", input);
	snprintf(q.log, sizeof(q.log), "%s", log);
	if (write(l->req_fd, &q, sizeof(q)) != (ssize_t)sizeof(q))
		return -ECHILD;
	if (read(l->res_fd, r, sizeof(*r)) != (ssize_t)sizeof(*r))
		return -ECHILD;
	return r->status == -1 ? -ECHILD : 0;
}

/* First @max lines of @log, indented; and how many lines it has. */
static void show_log(const char *log, int max)
{
	FILE *f = fopen(log, "r");
	char line[512];
	int n = 0;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (n++ < max)
			printf("    | %s%s", line,
			       strchr(line, '\n') ? "" : "\n");
	}
	if (n > max)
		printf("    | ... (%d lines in all)\n", n);
	fclose(f);
}

/*
 * Write @b to DIR/NAME.txt and ingest it @runs times, each into a fresh
 * database; prints every run and the median, *@mbs gets the median MB/s.
 */
static int bench_ingest_file(struct launcher *l, const char *lockgraph,
			     const char *dir, const char *name,
			     const struct buf *b, size_t reports,
			     size_t circular, int runs, double *mbs)
{
	char input[PATH_MAX], db[PATH_MAX], log[PATH_MAX];
	struct ingest_result r;
	double wall[16];
	int err;

	if (runs > 16)
		runs = 16;
	snprintf(input, sizeof(input), "%s/%s.txt", dir, name);
	snprintf(db, sizeof(db), "%s/%s.db", dir, name);
	snprintf(log, sizeof(log), "%s/%s.log", dir, name);
	err = write_file(input, b->p, b->len);
	if (err) {
		fprintf(stderr, "bench_ingest: writing %s: %s\n", input,
			strerror(-err));
		return err;
	}
	for (int i = 0; i < runs; i++) {
		err = run_ingest(l, lockgraph, db, input, log, &r);
		if (err) {
			fprintf(stderr, "bench_ingest: running %s: %s\n",
				lockgraph, strerror(-err));
			return err;
		}
		if (!i)
			show_log(log, 2);
		if (!WIFEXITED(r.status) || WEXITSTATUS(r.status)) {
			fprintf(stderr, "bench_ingest: %s ingest %s failed (%s %d)\n",
				lockgraph, input,
				WIFEXITED(r.status) ? "exit status" : "signal",
				WIFEXITED(r.status) ? WEXITSTATUS(r.status) :
						      WTERMSIG(r.status));
			show_log(log, 10);
			return -ECHILD;
		}
		wall[i] = r.wall;
		printf("  ingest %-4s run %d: %7.2f MiB, %5zu reports (%zu circular): "
		       "%.3f s wall (%.2f user, %.2f sys), %.1f MB/s, %.0f reports/s, "
		       "%.0f circular/s, lockgraph maxrss %ld MiB, db %.2f MiB\n",
		       name, i + 1, mb(b->len), reports, circular, r.wall, r.user,
		       r.sys, mb(b->len) / r.wall, (double)reports / r.wall,
		       (double)circular / r.wall, r.maxrss_kb / 1024,
		       mb((size_t)r.db_bytes));
	}
	qsort(wall, (size_t)runs, sizeof(wall[0]), cmp_double);
	*mbs = mb(b->len) / wall[runs / 2];
	printf("  ingest %-4s median of %d: %.3f s, %.1f MB/s, %.0f reports/s\n",
	       name, runs, wall[runs / 2], *mbs, (double)reports / wall[runs / 2]);
	return 0;
}

/* ---- main -------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr, "usage: bench_ingest [--corpus DIR] [--lockgraph PATH] "
		"[--mb N] [--runs N] [--keep]\n");
}

int main(int argc, char **argv)
{
	const char *corpus_dir = NULL, *lockgraph_opt = NULL;
	char lockgraph[PATH_MAX], tmpl[PATH_MAX];
	struct corpus c = { 0 };
	struct launcher launch = { 0 };
	struct buf big = { 0 };
	double target_mb = 64, parse_mbs = 0, unit_mbs = 0, big_mbs = 0;
	int runs = 3, ret = EXIT_FAILURE, err;
	size_t copies;
	bool keep = false;
	const char *tmpdir;

	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(argv[i], "--keep")) {
			keep = true;
			continue;
		}
		if (!v) {
			usage();
			return EXIT_FAILURE;
		}
		if (!strcmp(argv[i], "--corpus"))
			corpus_dir = v;
		else if (!strcmp(argv[i], "--lockgraph"))
			lockgraph_opt = v;
		else if (!strcmp(argv[i], "--mb"))
			target_mb = strtod(v, NULL);
		else if (!strcmp(argv[i], "--runs"))
			runs = atoi(v);
		else {
			usage();
			return EXIT_FAILURE;
		}
		i++;
	}
	if (runs < 1)
		runs = 1;
	if (target_mb <= 0)
		target_mb = 1;

	printf("== bench_ingest: lockdep report ingestion ==\n");
	err = launcher_start(&launch);
	if (err) {
		fprintf(stderr, "bench_ingest: fork: %s\n", strerror(-err));
		return EXIT_FAILURE;
	}
	err = load_corpus(&c, corpus_dir);
	if (err) {
		fprintf(stderr, "bench_ingest: no input reports found: %s\n",
			strerror(-err));
		goto out;
	}
	printf("  input: %s: %zu files used, %zu skipped, %zu reports "
	       "(%zu circular), %.1f KiB per copy\n", c.source, c.files,
	       c.skipped, c.reports, c.circular, (double)c.unit.len / 1024.0);

	copies = (size_t)(target_mb * 1024 * 1024 / (double)c.unit.len) + 1;
	for (size_t i = 0; i < copies; i++) {
		err = buf_append(&big, c.unit.p, c.unit.len);
		if (err) {
			fprintf(stderr, "bench_ingest: out of memory building %.0f MiB\n",
				target_mb);
			goto out;
		}
	}
	printf("  buffer: %zu copies = %.1f MiB, %zu reports (%zu circular)\n",
	       copies, mb(big.len), copies * c.reports, copies * c.circular);
	printf("  note: the copies are identical, so after the first copy every "
	       "report dedupes to the same classes/edges/cycles\n");

	printf("\n-- (a) lg_splat_parse, in process, %d run%s --\n", runs,
	       runs == 1 ? "" : "s");
	{
		struct parse_result r;

		/* The unit must parse to the sum of its files. */
		parse_once(&c.unit, &r);
		if (r.err) {
			fprintf(stderr, "bench_ingest: the concatenated files do not "
				"parse: %s\n", strerror(-r.err));
			goto out;
		}
		if (r.reports != c.reports)
			printf("  warning: one copy parses to %zu reports, the files "
			       "one by one to %zu (reports run into each other)\n",
			       r.reports, c.reports);
	}
	if (bench_parse(&big, runs, &parse_mbs))
		goto out;

	printf("\n-- (b) lockgraph --db DB ingest FILE (fork/exec, fresh database) --\n");
	err = bench_find_program("lockgraph", lockgraph_opt, lockgraph,
				 sizeof(lockgraph));
	if (err) {
		fprintf(stderr, "bench_ingest: lockgraph binary not found (%s): "
			"build it or pass --lockgraph\n", lockgraph);
		goto out;
	}
	tmpdir = getenv("TMPDIR");
	snprintf(tmpl, sizeof(tmpl), "%s/bench_ingest.XXXXXX",
		 tmpdir && *tmpdir ? tmpdir : "/tmp");
	if (!mkdtemp(tmpl)) {
		fprintf(stderr, "bench_ingest: mkdtemp %s: %s\n", tmpl,
			strerror(errno));
		goto out;
	}
	printf("  %s, files in %s\n", lockgraph, tmpl);
	err = bench_ingest_file(&launch, lockgraph, tmpl, "unit", &c.unit,
				c.reports, c.circular, 5, &unit_mbs);
	if (!err)
		err = bench_ingest_file(&launch, lockgraph, tmpl, "big", &big,
					copies * c.reports, copies * c.circular,
					runs, &big_mbs);
	if (!keep) {
		const char *names[] = { "unit.txt", "unit.db", "unit.db-wal",
					"unit.db-shm", "unit.log", "big.txt",
					"big.db", "big.db-wal", "big.db-shm",
					"big.log" };

		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			char p[PATH_MAX + 32];

			snprintf(p, sizeof(p), "%s/%s", tmpl, names[i]);
			unlink(p);
		}
		rmdir(tmpl);
	} else {
		printf("  kept %s\n", tmpl);
	}
	if (err)
		goto out;

	printf("\n== bench_ingest summary ==\n");
	printf("  %-34s %8.1f MB/s on %.1f MiB (best of %d)\n",
	       "parse only (lg_splat_parse)", parse_mbs, mb(big.len), runs);
	printf("  %-34s %8.1f MB/s on %.2f MiB (all reports distinct; "
	       "mostly fixed cost)\n", "lockgraph ingest, 1 copy", unit_mbs,
	       mb(c.unit.len));
	snprintf(tmpl, sizeof(tmpl), "lockgraph ingest, %zu copies", copies);
	printf("  %-34s %8.1f MB/s on %.1f MiB (repeats dedupe to the same "
	       "edges)\n", tmpl, big_mbs, mb(big.len));
	ret = EXIT_SUCCESS;
out:
	launcher_stop(&launch);
	free(c.unit.p);
	free(big.p);
	return ret;
}
