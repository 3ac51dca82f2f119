/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Pictures of the graph: the DOT text `lockgraph export --format dot`
 * prints, and `lockgraph show-cycle`, which draws one cycle as a circle and
 * renders it through Graphviz's dot (SVG or PNG).
 *
 * Cycle edges are red; the mission's classes (analyzer/mission.h) are
 * filled; each edge says how it was taken (modes), how often, and the
 * function that took the acquired lock (the first frame of its example
 * stack that is not lock machinery, as `lockgraph report`'s "at:").
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cli.h"
#include "cycle_report.h"
#include "mission.h"
#include "splat_print.h"

extern char **environ;

/* The longest cycle drawn as a picture (lockgraph's search stops sooner). */
#define LG_CYCLE_PICTURE_MAX 64

/* DOT string: quotes and backslashes escaped, newlines as \n. */
static void dot_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		if (*s == '\n') {
			fputs("\\n", f);
			continue;
		}
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* The function that took the lock, from its example stack; "" if none. */
static void acquiring_function(const char *frames, char *out, size_t size)
{
	struct lg_frames fr;
	const char *at;

	out[0] = '\0';
	if (!frames)
		return;
	lg_frames_split(frames, &fr);
	at = lg_print_at_frame(fr.v, fr.n);
	if (at)
		lg_frame_function(at, out, size);
	lg_frames_free(&fr);
}

/*
 * An edge's label: the function that took the acquired lock (from
 * @frames), the modes and the count; @closer adds "closes the circle" and
 * the task, for a cycle's closing edge.
 */
static void edge_label(char *label, size_t size, const char *frames,
		       const char *modes, long long count, bool closer,
		       const char *task)
{
	char func[128];
	int len;

	acquiring_function(frames, func, sizeof(func));
	len = snprintf(label, size, "%s%s%s x%lld", func, func[0] ? "\n" : "",
		       modes ? modes : "?", count);
	if (closer && len > 0 && (size_t)len < size)
		snprintf(label + len, size - (size_t)len, "\ncloses the circle%s%s",
			 task ? ": " : "", task ? task : "");
}

static const char node_style[] =
	"\tnode [shape=box, style=\"rounded,filled\", fillcolor=white, "
	"fontname=\"monospace\", fontsize=14, margin=\"0.2,0.1\"];\n";
static const char mission_fill[] = ", fillcolor=\"#fff2b3\"";

/* The whole graph, left to right: every class and edge. */
static int dot_graph(struct lg_store *s, FILE *f)
{
	sqlite3_stmt *st;
	int rc;

	fprintf(f, "digraph lockgraph {\n\trankdir=LR;\n%s"
		"\tedge [fontname=\"monospace\", fontsize=12];\n", node_style);
	if (sqlite3_prepare_v2(lg_store_db(s),
			       "SELECT c.id, c.name, EXISTS (SELECT 1 FROM "
			       "cycle_edges ce JOIN edges e ON e.id = ce.edge_id "
			       "WHERE e.from_class = c.id) FROM classes c "
			       "ORDER BY c.id", -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		fprintf(f, "\tc%lld [label=", sqlite3_column_int64(st, 0));
		dot_str(f, cli_col_text(st, 1));
		fprintf(f, "%s%s];\n", sqlite3_column_int(st, 2) ?
			", color=red, penwidth=2" : "",
			lg_mission_class(cli_col_text(st, 1)) ? mission_fill : "");
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -EIO;
	if (sqlite3_prepare_v2(lg_store_db(s),
			       "SELECT e.from_class, e.to_class, e.modes, e.count, "
			       "EXISTS (SELECT 1 FROM cycle_edges WHERE edge_id = e.id), "
			       "ts.frames FROM edges e "
			       "LEFT JOIN stacks ts ON ts.id = e.to_stack ORDER BY e.id",
			       -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char label[512];

		edge_label(label, sizeof(label), cli_col_text(st, 5),
			   cli_col_text(st, 2), sqlite3_column_int64(st, 3), false,
			   NULL);
		fprintf(f, "\tc%lld -> c%lld [label=", sqlite3_column_int64(st, 0),
			sqlite3_column_int64(st, 1));
		dot_str(f, label);
		fprintf(f, "%s];\n", sqlite3_column_int(st, 4) ?
			", color=red, fontcolor=red, penwidth=2" : "");
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

/* A coordinate without "-0.00". */
static double tidy(double x)
{
	return fabs(x) < 0.005 ? 0.0 : x;
}

/* One class of a cycle's picture and the edge leaving it. */
struct cycle_item {
	char *name, *label;
	double x, y, lx, ly;	/* class and label centres, inches */
};

/* Estimated box of @text in a monospace font of @pt points, inches. */
static void text_box(const char *text, double pt, double *w, double *h)
{
	size_t longest = 0, lines = 1, cur = 0;

	for (const char *p = text; *p; p++) {
		if (*p == '\n') {
			lines++;
			cur = 0;
			continue;
		}
		if (++cur > longest)
			longest = cur;
	}
	*w = (double)longest * pt * 0.6 / 72.0;
	*h = (double)lines * pt * 1.2 / 72.0;
}

/* Do the boxes centred at (x1,y1) and (x2,y2) overlap, with room around? */
static bool boxes_clash(double x1, double y1, double w1, double h1, double x2,
			double y2, double w2, double h2)
{
	return fabs(x1 - x2) < (w1 + w2) / 2 + 0.3 &&
	       fabs(y1 - y2) < (h1 + h2) / 2 + 0.35;
}

/*
 * Place @n classes clockwise from the top on an ellipse and each label
 * halfway to the next class, growing the ellipse until no two boxes
 * overlap (and an arrow has room between them).
 */
static void cycle_layout(struct cycle_item *it, size_t n)
{
	double w[2 * LG_CYCLE_PICTURE_MAX], h[2 * LG_CYCLE_PICTURE_MAX];
	double x[2 * LG_CYCLE_PICTURE_MAX], y[2 * LG_CYCLE_PICTURE_MAX];
	double radius = 1.5, aspect = n > 4 ? 1.5 : 1.0;

	for (size_t i = 0; i < n; i++) {
		text_box(it[i].name, 14, &w[2 * i], &h[2 * i]);
		w[2 * i] += 0.4;
		h[2 * i] += 0.2;
		text_box(it[i].label, 12, &w[2 * i + 1], &h[2 * i + 1]);
	}
	for (int round = 0; round < 100; round++, radius *= 1.08) {
		bool clash = false;

		for (size_t k = 0; k < 2 * n; k++) {
			double a = M_PI / 2 - M_PI * (double)k / (double)n;
			/* Two classes: labels off the centre, left and right. */
			double r = k % 2 && n == 2 ? radius * 0.5 :
				   k % 2 ? radius * cos(M_PI / (double)n) : radius;

			x[k] = r * aspect * cos(a);
			y[k] = r * sin(a);
		}
		for (size_t k = 0; k < 2 * n && !clash; k++)
			for (size_t j = k + 1; j < 2 * n && !clash; j++)
				clash = boxes_clash(x[k], y[k], w[k], h[k], x[j],
						    y[j], w[j], h[j]);
		if (!clash)
			break;
	}
	for (size_t i = 0; i < n; i++) {
		it[i].x = tidy(x[2 * i]);
		it[i].y = tidy(y[2 * i]);
		it[i].lx = tidy(x[2 * i + 1]);
		it[i].ly = tidy(y[2 * i + 1]);
	}
}

/*
 * Cycle @cycle as a circle, its classes clockwise in chain order from the
 * top, positions pinned for neato (dot's and circo's edge labels land on
 * the lines).  Each edge is drawn through its label box halfway along it.
 */
static int dot_cycle(struct lg_store *s, int64_t cycle, FILE *f)
{
	struct cycle_item *it = NULL;
	sqlite3_stmt *st;
	size_t n = 0;
	int64_t len;
	int rc, err = -EIO;

	if (sqlite3_prepare_v2(lg_store_db(s),
			       "SELECT status, origin, (SELECT count(*) FROM "
			       "cycle_edges WHERE cycle_id = ?1) FROM cycles "
			       "WHERE id = ?1", -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(st, 1, cycle);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		return rc == SQLITE_DONE ? -ENOENT : -EIO;
	}
	len = sqlite3_column_int64(st, 2);
	if (len < 2 || len > LG_CYCLE_PICTURE_MAX) {
		sqlite3_finalize(st);
		return len < 2 ? -EINVAL : -E2BIG;
	}
	fprintf(f, "digraph lockgraph {\n"
		"\tlayout=neato;\n\toverlap=true;\n\tsplines=false;\n"
		"\tpad=0.4;\n\tlabelloc=t;\n\tfontname=\"sans-serif\";\n"
		"\tlabel=<<font point-size=\"18\"><b>lockgraph cycle #%lld (%s, %s): "
		"%lld lock classes</b></font><br/><font point-size=\"13\">A -&gt; B: "
		"B was taken while A was held. On each arrow: the function that "
		"took B,<br/>the modes held-&gt;taken (W write, r read, R "
		"recursive read), how many times it was seen.<br/>Yellow: the "
		"mission's lock classes.</font><br/> >;\n%s"
		"\tedge [color=red, penwidth=2];\n", (long long)cycle,
		cli_col_text(st, 1), cli_col_text(st, 0), (long long)len,
		node_style);
	sqlite3_finalize(st);

	it = calloc((size_t)len, sizeof(*it));
	if (!it)
		return -ENOMEM;
	if (sqlite3_prepare_v2(lg_store_db(s),
			       "SELECT c.name, e.modes, e.count, ts.frames, e.to_task, "
			       "y.closing_edge = e.id FROM cycle_edges ce "
			       "JOIN cycles y ON y.id = ce.cycle_id "
			       "JOIN edges e ON e.id = ce.edge_id "
			       "JOIN classes c ON c.id = e.from_class "
			       "LEFT JOIN stacks ts ON ts.id = e.to_stack "
			       "WHERE ce.cycle_id = ?1 ORDER BY ce.pos", -1, &st,
			       NULL) != SQLITE_OK)
		goto cleanup;
	sqlite3_bind_int64(st, 1, cycle);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < (size_t)len) {
		char label[512];

		edge_label(label, sizeof(label), cli_col_text(st, 3),
			   cli_col_text(st, 1), sqlite3_column_int64(st, 2),
			   sqlite3_column_int(st, 5), cli_col_text(st, 4));
		it[n].name = strdup(cli_col_text(st, 0) ? cli_col_text(st, 0) : "?");
		it[n].label = strdup(label);
		n++;
		if (!it[n - 1].name || !it[n - 1].label) {
			err = -ENOMEM;
			goto cleanup;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		goto cleanup;
	err = -EINVAL;
	if (n != (size_t)len)
		goto cleanup;
	cycle_layout(it, n);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "\tc%zu [label=", i);
		dot_str(f, it[i].name);
		fprintf(f, ", pos=\"%.2f,%.2f!\", color=red, penwidth=2%s];\n",
			it[i].x, it[i].y,
			lg_mission_class(it[i].name) ? mission_fill : "");
		fprintf(f, "\tl%zu [label=", i);
		dot_str(f, it[i].label);
		fprintf(f, ", pos=\"%.2f,%.2f!\", shape=box, style=filled, "
			"fillcolor=white, penwidth=0, fontcolor=red, fontsize=12, "
			"margin=\"0.05,0.02\"];\n", it[i].lx, it[i].ly);
		fprintf(f, "\tc%zu -> l%zu [arrowhead=none];\n\tl%zu -> c%zu;\n",
			i, i, i, (i + 1) % n);
	}
	err = 0;
cleanup:
	for (size_t i = 0; i < n; i++) {
		free(it[i].name);
		free(it[i].label);
	}
	free(it);
	return err;
}

int cli_write_dot(struct lg_store *s, int64_t cycle, FILE *f)
{
	int err = cycle ? dot_cycle(s, cycle, f) : dot_graph(s, f);

	if (err)
		return err;
	fputs("}\n", f);
	return ferror(f) ? -EIO : 0;
}

/* Write all of @buf to @fd; 0 or -errno. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t w = write(fd, buf, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/*
 * Render @dot (@len bytes) with `dot -T@format` into @path: through a
 * temporary file beside it, renamed into place only when dot succeeded, so
 * a failure leaves no partial file.  Prints its own one-line error.
 */
static int render(const char *dot, size_t len, const char *format,
		  const char *path)
{
	char *tmp = NULL, *err_line = NULL, targ[16];
	posix_spawn_file_actions_t fa;
	int in[2] = { -1, -1 }, errfd = -1, fd = -1, status, err;
	char *argv[] = { "dot", targ, NULL };
	size_t cap = 0;
	mode_t mask;
	pid_t pid;
	FILE *ef;

	snprintf(targ, sizeof(targ), "-T%s", format);
	if (asprintf(&tmp, "%s.XXXXXX", path) < 0) {
		tmp = NULL;
		err = -ENOMEM;
		goto fail;
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = -errno;
		free(tmp);
		tmp = NULL;
		goto fail;
	}
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask)) {
		err = -errno;
		goto fail;
	}
	ef = tmpfile();
	errfd = ef ? dup(fileno(ef)) : -1;
	if (ef)
		fclose(ef);
	if (errfd < 0 || pipe2(in, O_CLOEXEC)) {
		err = -errno;
		goto fail;
	}
	if (posix_spawn_file_actions_init(&fa)) {
		err = -ENOMEM;
		goto fail;
	}
	posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, fd, STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, errfd, STDERR_FILENO);
	err = -posix_spawnp(&pid, "dot", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (err == -ENOENT) {
		cli_err("show-cycle: cannot render %s: Graphviz's `dot` is not "
			"installed (Debian package graphviz)", path);
		goto cleanup;
	}
	if (err)
		goto fail;
	close(in[0]);
	in[0] = -1;
	/* dot may exit early; its status says why, not a SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	err = write_all(in[1], dot, len);
	close(in[1]);
	in[1] = -1;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			err = -errno;
			goto fail;
		}
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		ef = fdopen(errfd, "r");
		if (ef) {
			errfd = -1;
			rewind(ef);
			if (getline(&err_line, &cap, ef) > 0)
				err_line[strcspn(err_line, "\n")] = '\0';
			fclose(ef);
		}
		cli_err("show-cycle: cannot render %s: dot -T%s failed%s%s", path,
			format, err_line && *err_line ? ": " : "",
			err_line ? err_line : "");
		goto cleanup;
	}
	if (err)
		goto fail;
	if (fsync(fd) || close(fd)) {
		fd = -1;
		err = -errno;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path)) {
		err = -errno;
		goto fail;
	}
	free(tmp);
	free(err_line);
	if (errfd >= 0)
		close(errfd);
	return 0;
fail:
	cli_err("show-cycle: cannot write %s: %s", path, strerror(-err));
cleanup:
	if (in[0] >= 0)
		close(in[0]);
	if (in[1] >= 0)
		close(in[1]);
	if (errfd >= 0)
		close(errfd);
	if (fd >= 0)
		close(fd);
	if (tmp)
		unlink(tmp);
	free(tmp);
	free(err_line);
	return -1;
}

int cmd_show_cycle(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "svg", required_argument, NULL, 's' },
		{ "png", required_argument, NULL, 'p' },
		{ 0 },
	};
	const char *out = NULL, *format = NULL;
	struct lg_store *s;
	char *dot = NULL, *end;
	size_t len = 0;
	int64_t id;
	FILE *f;
	int c, err, ret = EXIT_FAILURE;

	while ((c = getopt_long(argc, argv, "s:p:", opts, NULL)) != -1) {
		if (c != 's' && c != 'p')
			return LG_EXIT_USAGE;
		if (out) {
			cli_err("show-cycle: one picture at a time (--svg or --png)");
			return LG_EXIT_USAGE;
		}
		out = optarg;
		format = c == 's' ? "svg" : "png";
	}
	if (optind + 1 != argc) {
		cli_err("show-cycle: need one cycle ID (see `lockgraph cycles`)");
		return LG_EXIT_USAGE;
	}
	errno = 0;
	id = strtoll(argv[optind], &end, 10);
	if (errno || *end || id <= 0) {
		cli_err("show-cycle: '%s' is not a cycle ID", argv[optind]);
		return LG_EXIT_USAGE;
	}
	s = cli_open_store(false);
	if (!s)
		return EXIT_FAILURE;
	f = open_memstream(&dot, &len);
	if (!f) {
		cli_err("out of memory");
		goto cleanup;
	}
	err = cli_write_dot(s, id, f);
	if (fclose(f) && !err)
		err = -ENOMEM;
	if (err == -ENOENT) {
		cli_err("no cycle %lld in %s (see `lockgraph cycles`)",
			(long long)id, cli.db_path);
		goto cleanup;
	} else if (err == -E2BIG) {
		cli_err("show-cycle: cycle %lld has more than %d classes: too "
			"many to draw (see `lockgraph report %lld`)", (long long)id,
			LG_CYCLE_PICTURE_MAX, (long long)id);
		goto cleanup;
	} else if (err == -EINVAL) {
		cli_err("cycle %lld in %s: the database is damaged",
			(long long)id, cli.db_path);
		goto cleanup;
	} else if (err) {
		cli_err("%s: query failed: %s", cli.db_path,
			err == -EIO ? sqlite3_errmsg(lg_store_db(s)) :
				      strerror(-err));
		goto cleanup;
	}
	if (!out && cli.json) {
		printf("{\"cycle\":%lld,\"dot\":", (long long)id);
		json_str(stdout, dot);
		printf("}\n");
		ret = EXIT_SUCCESS;
	} else if (!out) {
		fputs(dot, stdout);
		ret = EXIT_SUCCESS;
	} else if (!render(dot, len, format, out)) {
		if (cli.json) {
			printf("{\"cycle\":%lld,\"format\":\"%s\",\"file\":",
			       (long long)id, format);
			json_str(stdout, out);
			printf("}\n");
		}
		ret = EXIT_SUCCESS;
	}
cleanup:
	free(dot);
	lg_store_close(s);
	return ret;
}
