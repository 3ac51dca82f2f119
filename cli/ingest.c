/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lockgraph ingest: lockdep reports from console logs, dmesg, journal
 * exports and mailed bug reports, and /proc/lockdep dumps.
 *
 * Each file is one transaction: it lands whole or not at all.  A circular
 * report becomes its classes, its edges (with the stack of each "-> #N"
 * block) and the cycle lockdep reported; every other lockdep report kind is
 * listed as not imported.  A /proc/lockdep dump becomes every class and
 * direct dependency of that boot.  After the edges land, the whole graph is
 * searched for cycles, so a new edge that closes circles with edges seen on
 * other boots or hosts is caught too.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "proc_lockdep.h"
#include "recorder.h"
#include "splat_parse.h"

enum ingest_format { FMT_AUTO, FMT_SPLAT, FMT_PROC };

struct ingest_opts {
	enum ingest_format format;
	const char *host;
	const char *boot;
};

/* Bytes per read(), so a large file's reading shows progress. */
#define READ_CHUNK (4 << 20)

#define MIB(n) ((double)(n) / (1 << 20))

/*
 * Read all of @path ("-" for stdin) into a NUL-terminated buffer; the
 * progress line (if any) shows how much.
 */
static int read_input(const char *path, char **out, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	struct stat st;
	char *buf = NULL;
	int fd, err = 0;

	fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		goto cleanup;
	}
	if (S_ISDIR(st.st_mode)) {
		err = -EISDIR;
		goto cleanup;
	}
	if (S_ISREG(st.st_mode) && st.st_size > 0)
		cap = (size_t)st.st_size + 1;
	cli_progress_begin(S_ISREG(st.st_mode) ? (size_t)st.st_size : 0);
	buf = malloc(cap);
	if (!buf) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (;;) {
		ssize_t r;

		if (n + 1 >= cap) {
			char *nb = realloc(buf, cap * 2);

			if (!nb) {
				err = -ENOMEM;
				goto cleanup;
			}
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n - 1 < READ_CHUNK ? cap - n - 1 :
						READ_CHUNK);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto cleanup;
		}
		if (!r)
			break;
		n += (size_t)r;
		if (S_ISREG(st.st_mode))
			cli_progress("%s: reading, %.1f of %.1f MiB", path,
				     MIB(n), MIB(st.st_size));
		else
			cli_progress("%s: reading, %.1f MiB", path, MIB(n));
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
cleanup:
	free(buf);
	if (fd != STDIN_FILENO)
		close(fd);
	return err;
}

/* "<bytes>:<FNV-1a 64>" of the content, to notice a file ingested twice. */
static void content_hash(const char *buf, size_t len, char out[48])
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)buf[i]) * 0x100000001b3ULL;
	snprintf(out, 48, "%zu:%016" PRIx64, len, h);
}

static bool looks_like_proc_lockdep(const char *buf)
{
	const char *p = buf;

	while (*p == '\n' || *p == ' ')
		p++;
	return !strncmp(p, "all lock classes:", 17) ||
	       strstr(buf, "\nall lock classes:") != NULL;
}

/*
 * lockdep's usage characters of a class, the way /proc/lockdep prints them
 * ("+.+."): reports print them in braces, newer kernels add the wait type
 * ("{++++}-{3:3}").  Writes the bare characters into @buf.
 */
static const char *usage_chars(const char *usage, char *buf, size_t size)
{
	const char *open, *close;

	if (!usage)
		return NULL;
	open = strchr(usage, '{');
	close = open ? strchr(open, '}') : NULL;
	if (!open || !close)
		snprintf(buf, size, "%s", usage);
	else
		snprintf(buf, size, "%.*s", (int)(close - open - 1), open + 1);
	return buf[0] ? buf : NULL;
}

struct ingest_run {
	const char *path;
	struct lg_store *store;
	struct lg_recorder *rec;
	int64_t boot, now;
	size_t reports_imported, reports_other;
	size_t self_deps;	/* /proc/lockdep: a class after itself */
};

static int stack_row(struct ingest_run *run, char *const *frames, size_t n,
		     int64_t *row)
{
	return lg_store_stack(run->store, frames, n, row);
}

/*
 * One circular report.  Block #k names class c[k]; block #k's stack (k >= 1)
 * is where c[k] was taken while c[k-1] was held; block #0's stack is the
 * acquisition that closes the circle: c[N] held, c[0] wanted.  lockdep does
 * not print how the held end was taken, so that end is recorded as W.
 */
static int import_circular(struct ingest_run *run, const struct lg_splat *sp,
			   int64_t *cycle_row)
{
	size_t n = sp->ndeps;
	struct lg_path cycle = { 0 };
	char task[96];
	int64_t held_stack = 0;
	bool created;
	int err = -ENOMEM;

	cycle.classes = calloc(n, sizeof(*cycle.classes));
	cycle.edges = calloc(n, sizeof(*cycle.edges));
	if (!cycle.classes || !cycle.edges)
		goto cleanup;
	cycle.n = n;
	for (size_t k = 0; k < n; k++) {
		const struct lg_splat_dep *d = &sp->deps[n - 1 - k];
		char usage[64];

		err = lg_recorder_class(run->rec, d->class_name,
					usage_chars(d->usage, usage, sizeof(usage)),
					run->now, &cycle.classes[k]);
		if (err)
			goto cleanup;
	}
	if (sp->task && sp->pid >= 0)
		snprintf(task, sizeof(task), "%s/%d", sp->task, sp->pid);
	else
		snprintf(task, sizeof(task), "%s", sp->task ? sp->task : "");
	if (sp->held_at) {
		char *const at[1] = { sp->held_at };

		err = stack_row(run, at, 1, &held_stack);
		if (err)
			goto cleanup;
	}
	for (size_t k = 1; k <= n; k++) {
		/* k == n is the closing dependency, block #0. */
		const struct lg_splat_dep *d = &sp->deps[k == n ? n - 1 : n - 1 - k];
		struct lg_store_edge seen = {
			.pairs = lg_mode_pair(LG_MODE_WRITE, d->mode),
			.count = 1,
			.boot = run->boot,
			.now = run->now,
		};
		lg_class_id from = cycle.classes[k - 1];
		lg_class_id to = cycle.classes[k % n];

		err = stack_row(run, d->frames, d->nframes, &seen.to_stack);
		if (err)
			goto cleanup;
		if (k == n) {
			seen.from_stack = held_stack;
			seen.to_task = task[0] ? task : NULL;
		}
		if (from == to) {
			cli_err("%s:%u: the report's chain takes %s twice in a row",
				run->path, sp->first_line,
				lg_graph_class_name(lg_recorder_graph(run->rec),
						    from));
			err = -EBADMSG;
			goto cleanup;
		}
		err = lg_recorder_edge(run->rec, from, to, &seen,
				       &cycle.edges[k - 1], NULL);
		if (err)
			goto cleanup;
	}
	err = lg_recorder_store_cycle(run->rec, &cycle, cycle.edges[n - 1],
				      "lockdep", sp->text, run->now, cycle_row,
				      &created);
cleanup:
	lg_path_free(&cycle);
	return err;
}

static int import_proc(struct ingest_run *run, const struct lg_proc_lockdep *p)
{
	lg_class_id *ids;
	int err = 0;

	ids = calloc(p->nclasses + 1, sizeof(*ids));
	if (!ids)
		return -ENOMEM;
	for (size_t i = 0; i < p->nclasses && !err; i++)
		err = lg_recorder_class(run->rec, p->classes[i].name,
					p->classes[i].usage, run->now, &ids[i]);
	for (size_t i = 0; i < p->ndeps && !err; i++) {
		/* /proc/lockdep does not say which ends were readers. */
		struct lg_store_edge seen = {
			.pairs = lg_mode_pair(LG_MODE_WRITE, LG_MODE_WRITE),
			.count = 1,
			.boot = run->boot,
			.now = run->now,
		};
		lg_edge_id e;

		/* nesting lockdep allowed (a nest_lock, a subclass it
		 * merged): never an edge, but said */
		if (ids[p->deps[i].from] == ids[p->deps[i].to]) {
			run->self_deps++;
			continue;
		}
		err = lg_recorder_edge(run->rec, ids[p->deps[i].from],
				       ids[p->deps[i].to], &seen, &e, NULL);
	}
	free(ids);
	return err;
}

/* The parser's progress, on the progress line. */
static void parse_progress(void *ctx, size_t bytes, size_t total, size_t found,
			   size_t decoded)
{
	const char *path = ctx;

	if (decoded)
		cli_progress("%s: %zu lockdep reports found, %zu decoded",
			     path, found, decoded);
	else
		cli_progress("%s: scanning, %.1f of %.1f MiB, %zu lockdep "
			     "reports found", path, MIB(bytes), MIB(total), found);
}

/* Print a store error once, at the boundary. */
static void store_error(const struct ingest_run *run, int err)
{
	if (err == -ENOMEM)
		cli_err("%s: out of memory", run->path);
	else
		cli_err("%s: storing into %s: %s", run->path, cli.db_path,
			lg_store_errmsg(run->store));
}

/*
 * The part of a report's kernel line that names the build:
 * "6.3.0-rc6 #1" of "6.3.0-rc6 #1 Not tainted" (the taint may change within
 * one boot).  Its length in @kernel.
 */
static size_t kernel_build_len(const char *kernel)
{
	const char *t = strstr(kernel, " Not tainted");

	if (!t)
		t = strstr(kernel, " Tainted:");
	return t ? (size_t)(t - kernel) : strlen(kernel);
}

/*
 * The kernels of @splats' reports, one each (the first report's kernel
 * line kept for each): reports of different kernels come from different
 * boots.  *@kernels gets NULL or an array of @splats->n pointers into the
 * reports, of which *@n differ; report i's kernel is (*@which)[i] (0 when
 * it printed none).  0 or -ENOMEM.
 */
static int report_kernels(const struct lg_splat_list *splats,
			  const char ***kernels, size_t **which, size_t *n)
{
	*n = 0;
	*kernels = calloc(splats->n + 1, sizeof(**kernels));
	*which = calloc(splats->n + 1, sizeof(**which));
	if (!*kernels || !*which) {
		free(*kernels);
		free(*which);
		*kernels = NULL;
		*which = NULL;
		return -ENOMEM;
	}
	for (size_t i = 0; i < splats->n; i++) {
		const char *k = splats->v[i].kernel;
		size_t j, len;

		if (!k)
			continue;
		len = kernel_build_len(k);
		for (j = 0; j < *n; j++)
			if (kernel_build_len((*kernels)[j]) == len &&
			    !memcmp((*kernels)[j], k, len))
				break;
		if (j == *n)
			(*kernels)[(*n)++] = k;
		(*which)[i] = j;
	}
	return 0;
}

static int ingest_file(const char *path, const struct ingest_opts *o,
		       bool *first_json)
{
	struct ingest_run run = { .path = path, .now = (int64_t)time(NULL) };
	struct lg_splat_list splats = { 0 };
	struct lg_proc_lockdep proc = { 0 };
	struct lg_parse_error perr = { 0 };
	struct lg_cycle_stats stats = { 0 };
	struct lg_store_ingest in = { 0 };
	enum ingest_format fmt = o->format;
	int64_t host, ingest_id, *cycle_rows = NULL, *boots = NULL;
	char hash[48], boot_key[96], filed_host[256];
	const char **kernels = NULL;
	size_t len = 0, *kernel_of = NULL, nkernels = 0;
	char *buf = NULL;
	int err, ret = EXIT_FAILURE;

	err = read_input(path, &buf, &len);
	if (err) {
		cli_err("%s: %s", path, strerror(-err));
		return EXIT_FAILURE;
	}
	if (fmt == FMT_AUTO)
		fmt = looks_like_proc_lockdep(buf) ? FMT_PROC : FMT_SPLAT;
	if (fmt == FMT_PROC)
		err = lg_proc_lockdep_parse(buf, len, &proc, &perr);
	else
		err = lg_splat_parse_progress(buf, len, &splats, &perr,
					      &(struct lg_parse_progress){
						      .fn = parse_progress,
						      .ctx = (void *)path });
	if (err == -EBADMSG) {
		cli_err("%s:%u: %s", path, perr.line, perr.msg);
		goto cleanup;
	} else if (err == -EMEDIUMTYPE) {
		cli_err("%s: binary data, not a kernel log or /proc/lockdep dump",
			path);
		goto cleanup;
	} else if (err == -ENODATA) {
		cli_err("%s: no lock class lines: not a /proc/lockdep dump", path);
		goto cleanup;
	} else if (err) {
		cli_err("%s: %s", path, strerror(-err));
		goto cleanup;
	}
	if (fmt == FMT_SPLAT && !splats.n) {
		cli_err("%s: no lockdep report found", path);
		goto cleanup;
	}

	run.store = cli_open_store(true);
	if (!run.store)
		goto cleanup;
	content_hash(buf, len, hash);
	err = lg_store_find_ingest(run.store, hash, &ingest_id);
	if (!err) {
		cli_progress_end();
		if (cli.json) {
			printf("%s{\"file\":", *first_json ? "" : ",");
			json_str(stdout, path);
			printf(",\"already_ingested\":%" PRId64 "}", ingest_id);
			*first_json = false;
		} else {
			printf("%s: already ingested (ingest #%" PRId64
			       "); nothing changed\n", path, ingest_id);
		}
		ret = EXIT_SUCCESS;
		goto cleanup;
	} else if (err != -ENOENT) {
		store_error(&run, err);
		goto cleanup;
	}

	err = lg_store_begin(run.store);
	if (err) {
		store_error(&run, err);
		goto cleanup;
	}
	err = lg_recorder_open(run.store, &run.rec);
	if (!err)
		err = report_kernels(&splats, &kernels, &kernel_of, &nkernels);
	if (err)
		goto store_fail;
	if (o->boot && nkernels > 1) {
		cli_progress_end();
		cli_err("%s: reports of %zu kernels ('%.*s', '%.*s'%s) cannot be "
			"one boot: ingest without --boot (a boot for each "
			"kernel) or split the file; nothing changed", path,
			nkernels, (int)kernel_build_len(kernels[0]), kernels[0],
			(int)kernel_build_len(kernels[1]), kernels[1],
			nkernels > 2 ? ", ..." : "");
		goto rollback;
	}
	if (o->host && o->boot) {
		err = lg_store_boot_host(run.store, o->boot, filed_host,
					 sizeof(filed_host));
		if (err < 0)
			goto store_fail;
		if (err && strcmp(filed_host, o->host)) {
			cli_progress_end();
			cli_err("%s: --boot %s is filed under host '%s', not "
				"'%s' (a boot runs on one host); nothing "
				"changed", path, o->boot, filed_host, o->host);
			goto rollback;
		}
	}
	err = lg_store_host(run.store, o->host ? o->host : "(unknown)", run.now,
			    &host);
	if (err)
		goto store_fail;
	/*
	 * A boot for each kernel the reports name: "ingest:<hash>" for the
	 * first (and for a file with none), "ingest:<hash>:K" for the K-th.
	 */
	boots = calloc(nkernels + 1, sizeof(*boots));
	if (!boots) {
		err = -ENOMEM;
		goto store_fail;
	}
	for (size_t k = 0; k < (nkernels ? nkernels : 1) && !err; k++) {
		if (k)
			snprintf(boot_key, sizeof(boot_key), "ingest:%s:%zu",
				 hash, k + 1);
		else
			snprintf(boot_key, sizeof(boot_key), "ingest:%s", hash);
		err = lg_store_boot(run.store, host,
				    o->boot ? o->boot : boot_key, kernels[k],
				    "ingest", NULL, run.now, &boots[k]);
	}
	if (err)
		goto store_fail;
	run.boot = boots[0];

	cycle_rows = calloc(splats.n + 1, sizeof(*cycle_rows));
	if (!cycle_rows) {
		err = -ENOMEM;
		goto store_fail;
	}
	for (size_t i = 0; i < splats.n; i++) {
		if (splats.v[i].kind != LG_SPLAT_CIRCULAR) {
			run.reports_other++;
			continue;
		}
		run.boot = boots[kernel_of[i]];
		err = import_circular(&run, &splats.v[i], &cycle_rows[i]);
		if (err == -EBADMSG)
			goto rollback;
		if (err)
			goto store_fail;
		run.reports_imported++;
		cli_progress("%s: storing, %zu of %zu lockdep reports", path,
			     i + 1, splats.n);
	}
	if (fmt == FMT_PROC) {
		err = import_proc(&run, &proc);
		if (err)
			goto store_fail;
	}
	cli_progress("%s: searching the graph for cycles", path);
	err = lg_recorder_find_all(run.rec, NULL, run.now, &stats);
	if (err)
		goto store_fail;

	in.path = path;
	in.format = fmt == FMT_PROC ? "proc-lockdep" : "splat";
	in.content_hash = hash;
	in.boot = boots[0];
	in.now = run.now;
	in.classes_added = lg_recorder_counts(run.rec)->classes_added;
	in.edges_added = lg_recorder_counts(run.rec)->edges_added;
	in.cycles_added = lg_recorder_counts(run.rec)->cycles_added;
	err = lg_store_ingest(run.store, &in, &ingest_id);
	for (size_t i = 0; i < splats.n && !err; i++) {
		const struct lg_splat *sp = &splats.v[i];

		err = lg_store_report(run.store, ingest_id,
				      lg_splat_kind_name(sp->kind), sp->title,
				      sp->first_line, sp->kind == LG_SPLAT_CIRCULAR,
				      cycle_rows[i]);
	}
	if (!err) {
		cli_progress("%s: committing", path);
		err = lg_store_commit(run.store);
	}
	if (err)
		goto store_fail;
	cli_progress_end();

	if (cli.json) {
		bool first = true;

		printf("%s{", *first_json ? "" : ",");
		*first_json = false;
		json_key(stdout, "file", &first);
		json_str(stdout, path);
		json_key(stdout, "format", &first);
		json_str(stdout, in.format);
		printf(",\"ingest\":%" PRId64 ",\"reports_imported\":%zu,"
		       "\"reports_not_imported\":%zu,\"classes_added\":%" PRId64
		       ",\"edges_added\":%" PRId64 ",\"cycles_added\":%" PRId64
		       ",\"cycle_search_truncated\":%s",
		       ingest_id, run.reports_imported, run.reports_other,
		       in.classes_added, in.edges_added, in.cycles_added,
		       stats.truncated ? "true" : "false");
		if (fmt == FMT_PROC)
			printf(",\"dependencies_on_itself\":%zu", run.self_deps);
		printf(",\"not_imported\":[");
		first = true;
		for (size_t i = 0; i < splats.n; i++) {
			bool f2 = true;

			if (splats.v[i].kind == LG_SPLAT_CIRCULAR)
				continue;
			printf("%s{", first ? "" : ",");
			first = false;
			json_key(stdout, "line", &f2);
			printf("%u", splats.v[i].first_line);
			json_key(stdout, "kind", &f2);
			json_str(stdout, lg_splat_kind_name(splats.v[i].kind));
			json_key(stdout, "title", &f2);
			json_str(stdout, splats.v[i].title);
			printf("}");
		}
		printf("]}");
	} else {
		if (fmt == FMT_PROC) {
			printf("%s: /proc/lockdep dump: %zu class%s, %zu "
			       "dependenc%s", path, proc.nclasses,
			       proc.nclasses == 1 ? "" : "es", proc.ndeps,
			       proc.ndeps == 1 ? "y" : "ies");
			if (run.self_deps)
				printf(" (%zu of a class on itself: no edge)",
				       run.self_deps);
		} else
			printf("%s: %zu lockdep report%s, %zu circular imported",
			       path, splats.n, splats.n == 1 ? "" : "s",
			       run.reports_imported);
		printf("; added %" PRId64 " class%s, %" PRId64 " edge%s, %" PRId64
		       " cycle%s (ingest #%" PRId64 ")\n",
		       in.classes_added, in.classes_added == 1 ? "" : "es",
		       in.edges_added, in.edges_added == 1 ? "" : "s",
		       in.cycles_added, in.cycles_added == 1 ? "" : "s", ingest_id);
		for (size_t i = 0; i < splats.n; i++)
			if (splats.v[i].kind != LG_SPLAT_CIRCULAR)
				printf("%s:%u: not imported: %s report (%s)\n", path,
				       splats.v[i].first_line,
				       lg_splat_kind_name(splats.v[i].kind),
				       splats.v[i].title);
		if (stats.truncated)
			printf("%s: cycle search incomplete: %s\n", path,
			       stats.truncated_why);
	}
	ret = EXIT_SUCCESS;
	goto cleanup;

store_fail:
	store_error(&run, err);
rollback:
	lg_store_rollback(run.store);
cleanup:
	cli_progress_end();
	free(cycle_rows);
	free(boots);
	free(kernels);
	free(kernel_of);
	lg_recorder_free(run.rec);
	lg_store_close(run.store);
	lg_splat_list_free(&splats);
	lg_proc_lockdep_free(&proc);
	free(buf);
	return ret;
}

int cmd_ingest(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "host", required_argument, NULL, 'H' },
		{ "boot", required_argument, NULL, 'b' },
		{ 0 },
	};
	struct ingest_opts o = { .format = FMT_AUTO };
	bool first_json = true;
	int c, ret = EXIT_SUCCESS;

	while ((c = getopt_long(argc, argv, "f:H:b:", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (!strcmp(optarg, "auto"))
				o.format = FMT_AUTO;
			else if (!strcmp(optarg, "splat"))
				o.format = FMT_SPLAT;
			else if (!strcmp(optarg, "proc-lockdep"))
				o.format = FMT_PROC;
			else {
				cli_err("ingest: unknown format '%s' (auto, splat, "
					"proc-lockdep)", optarg);
				return LG_EXIT_USAGE;
			}
			break;
		case 'H':
			o.host = optarg;
			break;
		case 'b':
			o.boot = optarg;
			break;
		default:
			return LG_EXIT_USAGE;
		}
		if ((c == 'H' || c == 'b') && !*optarg) {
			cli_err("ingest: --%s: empty", c == 'H' ? "host" : "boot");
			return LG_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		cli_err("ingest: no input file (use - for standard input)");
		return LG_EXIT_USAGE;
	}
	if (cli.json)
		printf("[");
	for (int i = optind; i < argc; i++)
		if (ingest_file(argv[i], &o, &first_json) != EXIT_SUCCESS)
			ret = EXIT_FAILURE;
	if (cli.json)
		printf("]\n");
	return ret;
}
