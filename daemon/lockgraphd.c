/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lockgraphd: watch the running kernel's lock acquisitions and build the
 * persistent lock-order graph.
 *
 *   lockgraphd [--db PATH] [--duration S] [--record FILE] [--host NAME]
 *              [--sources LIST]
 *   lockgraphd --replay FILE [--db PATH] [--host NAME]
 *
 * Exit status (for systemd's RestartPreventExitStatus=):
 *   0 stopped cleanly, 1 error, 2 usage, 3 no probe source can run on this
 *   kernel, 4 missing privileges (CAP_BPF / CAP_PERFMON).
 * Logs go to stderr with sd-daemon "<N>" priority prefixes.  Under systemd
 * (Type=notify) it says READY=1 once the sources are attached, the
 * database is open and every capability is given up, then STATUS= after
 * each batch and WATCHDOG=1 from the event loop.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "notify.h"
#include "privs.h"
#include "probes.h"
#include "record.h"

#define EXIT_USAGE 2
#define EXIT_UNSUPPORTED 3
#define EXIT_NOPERM 4

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct opts {
	const char *db;
	const char *record;
	const char *replay;
	const char *host;
	double duration;
	int flush_ms;
	unsigned int sources;	/* mask of 1 << enum lg_source */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Which of CAP_BPF / CAP_PERFMON is missing (CAP_SYS_ADMIN covers both). */
static const char *missing_capability(void)
{
	uint64_t eff;

	if (lg_privs_get(&eff, NULL))
		return NULL;
	if (eff & LG_CAP(CAP_SYS_ADMIN))
		return NULL;
	if (!(eff & LG_CAP(CAP_BPF)))
		return "CAP_BPF";
	if (!(eff & LG_CAP(CAP_PERFMON)))
		return "CAP_PERFMON";
	return NULL;
}

static void read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (!f)
		return;
	if (fgets(buf, (int)size, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/*
 * Open the database, creating the default directory when it is missing.
 * @flags: LG_STORE_NEW_BULK for a replay (one transaction).
 */
static struct lg_store *open_store(const char *path, unsigned int flags)
{
	char err[LG_STORE_ERR_MAX];
	struct lg_store *s;

	if (!strcmp(path, LG_STORE_DEFAULT_PATH))
		mkdir("/var/lib/lockgraph", 0750);
	if (lg_store_open(path, flags, &s, err)) {
		fprintf(stderr, "<3>lockgraphd: %s\n", err);
		return NULL;
	}
	return s;
}

struct run {
	const struct opts *o;
	struct lg_store *store;
	struct lg_capture *cap;
	FILE *record;
	int fatal; /* a store error: stop */
	uint64_t logged_bad;
	uint64_t drops; /* every drop counted into the database */
	uint64_t last_per_source[LG_SRC_COUNT];
	double flush_seconds; /* spent writing batches */
	const struct lg_notify *sd; /* the service manager, live only */
	bool busy_said;	/* waiting for another writer was logged */
};

/*
 * Another program (lockgraph ingest or merge of a large input) holds the
 * database's write lock: wait for it, 10 ms at a time, up to 10 minutes,
 * instead of SQLite's 5 s and a failed batch that would stop the daemon.
 * The service manager's watchdog is told we live meanwhile; events the
 * ring buffer cannot hold are counted as its drops.
 */
#define BUSY_SLEEP_US 10000
#define BUSY_TRIES (10 * 60 * 100)
static int on_busy(void *ctx, int n)
{
	struct run *r = ctx;

	if (n >= BUSY_TRIES || stop)
		return 0;
	if (!n && !r->busy_said) {
		fprintf(stderr, "<5>lockgraphd: %s: another program is writing "
			"it: waiting (up to 10 minutes)\n", r->o->db);
		r->busy_said = true;
	}
	if (r->sd && n % 500 == 499)
		lg_notify_send(r->sd, "WATCHDOG=1");
	usleep(BUSY_SLEEP_US);
	return 1;
}

static void store_fail(struct run *r, const char *what, int err)
{
	fprintf(stderr, "<3>lockgraphd: %s: %s: %s (%s)\n", r->o->db, what,
		lg_store_errmsg(r->store), strerror(-err));
	r->fatal = err;
}

static int on_live_event(const void *data, size_t size, void *ctx)
{
	struct run *r = ctx;
	int err;

	/*
	 * Validated first, so that the recording holds only events a
	 * replay takes: one refused here would make it refuse the file.
	 */
	if (r->record && !lg_event_validate(data, size, NULL, 0)) {
		err = lg_record_write(r->record, data, size);
		if (err) {
			fprintf(stderr, "<3>lockgraphd: %s: %s\n", r->o->record,
				strerror(-err));
			r->fatal = err;
			return err;
		}
	}
	err = lg_capture_event(r->cap, data, size);
	if (err == -EBADMSG) {
		/* Counted and stored as a drop; said, a few times. */
		if (r->logged_bad++ < 5) {
			char why[96];

			lg_event_validate(data, size, why, sizeof(why));
			fprintf(stderr, "<4>lockgraphd: refused an event of %zu "
				"bytes: %s\n", size, why);
		}
		return 0;
	}
	if (err) {
		store_fail(r, "recording an event", err);
		return err;
	}
	return 0;
}

static int on_drop(unsigned int source, unsigned int drop, __u64 delta,
		   void *ctx)
{
	struct run *r = ctx;

	r->drops += delta;
	return lg_capture_drop(r->cap, lg_source_name(source),
			       lg_drop_name(drop), delta);
}

static int on_contention(const struct lg_contention_key *key,
			 const struct lg_contention_stats *delta,
			 const char *where, void *ctx)
{
	struct run *r = ctx;

	return lg_capture_contention(r->cap, &key->class, key->flags, where,
				     delta);
}

/* Drain counters into the open batch and commit it. */
static int flush(struct run *r, struct lg_probes *p, int64_t boot)
{
	const struct lg_capture_stats *st = lg_capture_stats(r->cap);
	static uint64_t last_bad, last_unnamed, last_collisions;
	double t0 = now_s();
	int err = 0;

	if (p)
		err = lg_probes_drops(p, on_drop, r);
	if (!err && p)
		err = lg_probes_contention(p, on_contention, r);
	if (!err && st->bad_events > last_bad) {
		err = lg_capture_drop(r->cap, "daemon", "bad_event",
				      st->bad_events - last_bad);
		r->drops += st->bad_events - last_bad;
		last_bad = st->bad_events;
	}
	if (!err && st->unnamed > last_unnamed) {
		err = lg_capture_drop(r->cap, "daemon", "unnamed_lock",
				      st->unnamed - last_unnamed);
		r->drops += st->unnamed - last_unnamed;
		last_unnamed = st->unnamed;
	}
	for (unsigned int s = 0; !err && s < LG_SRC_COUNT; s++) {
		if (st->per_source[s] == r->last_per_source[s])
			continue;
		err = lg_store_boot_source(r->store, boot, lg_source_name(s), true,
					   NULL, (int64_t)(st->per_source[s] -
							   r->last_per_source[s]));
		r->last_per_source[s] = st->per_source[s];
	}
	if (!err)
		err = lg_capture_flush(r->cap);
	/* Written as drops by the flush itself (chains whose key collided). */
	if (!err && st->chain_collisions > last_collisions) {
		r->drops += st->chain_collisions - last_collisions;
		last_collisions = st->chain_collisions;
	}
	if (err)
		store_fail(r, "writing a batch", err);
	r->flush_seconds += now_s() - t0;
	return err;
}

/* Add the host and boot rows in the open transaction. */
static int add_boot(struct run *r, const char *host, const char *boot_id,
		    const char *release, const char *sources, int64_t *boot)
{
	int64_t host_row = 0, now = (int64_t)time(NULL);
	char filed[256];
	int err;

	/* A boot runs on one host: a hostname changed since is not filed. */
	err = lg_store_boot_host(r->store, boot_id, filed, sizeof(filed));
	if (err < 0)
		return err;
	if (err && strcmp(filed, host))
		fprintf(stderr, "<5>lockgraphd: boot %s is filed under host "
			"'%s'; it stays there (the host is '%s' now)\n",
			boot_id, filed, host);
	if (!err)
		err = lg_store_host(r->store, host, now, &host_row);
	else
		err = 0;
	if (!err)
		err = lg_store_boot(r->store, host_row, boot_id, release,
				    "lockgraphd", sources, now, boot);
	return err;
}

static int record_boot(struct run *r, const char *host, const char *boot_id,
		       const char *release, const char *sources, int64_t *boot)
{
	int err;

	err = lg_store_begin(r->store);
	if (!err)
		err = add_boot(r, host, boot_id, release, sources, boot);
	if (!err)
		err = lg_store_commit(r->store);
	if (err) {
		lg_store_rollback(r->store);
		store_fail(r, "recording the boot", err);
	}
	return err;
}

static void log_summary(const struct run *r, double seconds)
{
	const struct lg_capture_stats *st = lg_capture_stats(r->cap);

	fprintf(stderr,
		"<6>lockgraphd: %.1f s: %" PRIu64 " events (%" PRIu64
		" chains, %" PRIu64 " refused), %" PRIu64 " dependencies, %" PRIu64
		" new cycles, %" PRIu64 " batches (%.2f s writing them)\n",
		seconds, st->events, st->chains, st->bad_events, st->deps,
		st->cycles, st->batches, r->flush_seconds);
}

/*
 * The contention programs' own count of the waits they timed against what
 * reached the store: any difference is a loss somewhere in between.
 */
static void log_contention(const struct run *r, const struct lg_probes *p)
{
	const struct lg_capture_stats *st = lg_capture_stats(r->cap);
	struct lg_probe_contention_totals t;

	lg_probes_contention_totals(p, &t);
	fprintf(stderr,
		"<6>lockgraphd: contention: %" PRIu64 " waits (%" PRIu64
		" ns) timed by the programs, %" PRIu64 " (%" PRIu64
		" ns) read from their slots and %" PRIu64
		" spill entries, %" PRIu64 " (%" PRIu64
		" ns) of them left out unnamed, %" PRIu64
		" ns refused by a full spill ring\n",
		(uint64_t)t.timed, (uint64_t)t.timed_ns,
		(uint64_t)t.delivered, (uint64_t)t.delivered_ns,
		(uint64_t)t.spilled, st->unnamed_waits, st->unnamed_ns,
		(uint64_t)t.refused_ns);
	if (t.fault_by_address || t.fault_by_waiter)
		fprintf(stderr,
			"<6>lockgraphd: contention: hugetlb fault mutex waits: "
			"%" PRIu64 " classed by the programs, %" PRIu64
			" by their waiter\n",
			(uint64_t)t.fault_by_address,
			(uint64_t)t.fault_by_waiter);
}

struct replay_ctx {
	struct run *r;
	const char *path;
	char why[160];
};

/*
 * Check the event at byte @offset of the recording; when it is refused,
 * say why in @rc->why.  0 or -EBADMSG.
 */
static int replay_validate(struct replay_ctx *rc, const void *data,
			   size_t size, size_t offset)
{
	char why[96];
	int err;

	err = lg_event_validate(data, size, why, sizeof(why));
	if (err)
		snprintf(rc->why, sizeof(rc->why), "%s at byte offset %zu", why,
			 offset);
	return err;
}

static int on_replay_event(const void *data, size_t size, size_t offset,
			   void *ctx)
{
	struct replay_ctx *rc = ctx;
	int err;

	err = lg_capture_event(rc->r->cap, data, size);
	if (err == -EBADMSG)
		return replay_validate(rc, data, size, offset);
	if (err) {
		store_fail(rc->r, "recording an event", err);
		return err;
	}
	return stop ? -EINTR : 0;
}

/* The first pass over a recording (validate_first()): events checked only. */
static int on_validate_event(const void *data, size_t size, size_t offset,
			     void *ctx)
{
	int err = replay_validate(ctx, data, size, offset);

	return err ? err : stop ? -EINTR : 0;
}

/*
 * Opening @path for writing migrates a database of an older schema, or
 * writes the schema into an existing file that has none (an empty file),
 * for good: the replay would change it even if an event then refused the
 * file, and it is not removed since it existed before.  Such a database
 * (a read-only open says -EPROTO, or -ENOENT while the file exists) gets
 * the whole recording checked first.  0, or the first pass's error.
 */
static int validate_first(const struct opts *o, struct replay_ctx *rc)
{
	struct lg_record_header hdr;
	char err[LG_STORE_ERR_MAX];
	struct lg_store *s;
	int ret;

	ret = lg_store_open(o->db, LG_STORE_READONLY, &s, err);
	lg_store_close(s);
	if (ret != -EPROTO && !(ret == -ENOENT && !access(o->db, F_OK)))
		return 0;
	return lg_replay(o->replay, &hdr, on_validate_event, rc, rc->why,
			 sizeof(rc->why));
}

/*
 * The events @boot already has in the store (boot_sources): a live
 * capture's or an earlier replay's.  Into *@n; 0 or -errno.
 */
static int boot_events(struct lg_store *s, int64_t boot, int64_t *n)
{
	char sql[96];

	snprintf(sql, sizeof(sql), "SELECT coalesce(sum(events), 0) FROM "
		 "boot_sources WHERE boot_id = %lld", (long long)boot);
	*n = lg_store_count(s, sql);
	return *n < 0 ? -EIO : 0;
}

static void replay_error(const struct opts *o, int err, const char *why)
{
	if (err == -EBADMSG)
		fprintf(stderr, "<3>lockgraphd: %s: %s\n", o->replay, why);
	else
		fprintf(stderr, "<3>lockgraphd: %s: %s\n", o->replay,
			strerror(-err));
}

static int run_replay(const struct opts *o)
{
	struct run r = { .o = o };
	struct replay_ctx rc = { .r = &r, .path = o->replay };
	struct lg_capture_config cfg = { .log = stderr };
	struct lg_record_header hdr;
	struct lg_kallsyms *ks = NULL;
	char this_boot[40];
	double t0 = now_s();
	int64_t boot, had;
	bool created = false;
	struct stat stbuf;
	int err, ret = EXIT_FAILURE;

	/* read twice (the header, then the events): a pipe cannot be */
	if (stat(o->replay, &stbuf) == 0 && !S_ISREG(stbuf.st_mode)) {
		fprintf(stderr, "<3>lockgraphd: %s: not a regular file (the "
			"recording is read more than once): save it to a file "
			"first\n", o->replay);
		return EXIT_FAILURE;
	}
	/* The header first: stack addresses mean something only on the boot
	 * that recorded them.  lg_replay() reads it again below. */
	err = lg_replay_header(o->replay, &hdr, rc.why, sizeof(rc.why));
	if (err) {
		replay_error(o, err, rc.why);
		return EXIT_FAILURE;
	}
	read_line("/proc/sys/kernel/random/boot_id", this_boot, sizeof(this_boot));
	if (hdr.boot_id[0] && !strcmp(hdr.boot_id, this_boot) &&
	    lg_kallsyms_load("/proc/kallsyms", &ks))
		ks = NULL;
	if (!ks)
		fprintf(stderr, "<5>lockgraphd: %s: recorded on another boot: "
			"stacks are not kept\n", o->replay);

	err = validate_first(o, &rc);
	if (err) {
		replay_error(o, err, rc.why);
		goto cleanup;
	}
	created = access(o->db, F_OK) && errno == ENOENT;
	r.store = open_store(o->db, LG_STORE_NEW_BULK);
	if (!r.store)
		goto cleanup;
	lg_store_set_busy(r.store, on_busy, &r);
	/*
	 * One transaction for the boot row and every event: the replay lands
	 * whole or not at all (a corrupt event rolls everything back).
	 */
	err = lg_store_begin(r.store);
	if (!err)
		err = add_boot(&r, o->host ? o->host :
				   hdr.hostname[0] ? hdr.hostname : "unknown",
			       hdr.boot_id[0] ? hdr.boot_id : "unknown-boot",
			       hdr.release[0] ? hdr.release : NULL, NULL, &boot);
	if (!err)
		err = boot_events(r.store, boot, &had);
	if (err) {
		lg_store_rollback(r.store);
		store_fail(&r, "recording the boot", err);
		goto cleanup;
	}
	/*
	 * A live capture of that boot into this database, or this very
	 * recording replayed before: its sightings would count twice.
	 */
	if (had) {
		lg_store_rollback(r.store);
		fprintf(stderr, "<3>lockgraphd: %s: boot %s already has %lld "
			"events in %s (a live capture or an earlier replay): "
			"replaying would count them twice; replay into a new "
			"database and `lockgraph merge` it instead\n",
			o->replay, hdr.boot_id[0] ? hdr.boot_id : "unknown-boot",
			(long long)had, o->db);
		goto cleanup;
	}
	cfg.store = r.store;
	cfg.ks = ks;
	cfg.boot = boot;
	cfg.in_transaction = true;
	err = lg_capture_new(&cfg, &r.cap);
	if (err) {
		lg_store_rollback(r.store);
		store_fail(&r, "loading the stored graph", err);
		goto cleanup;
	}
	err = lg_replay(o->replay, &hdr, on_replay_event, &rc, rc.why,
			sizeof(rc.why));
	if (err) {
		if (!r.fatal)
			replay_error(o, err, rc.why);
		goto cleanup;
	}
	if (flush(&r, NULL, boot))
		goto cleanup;
	log_summary(&r, now_s() - t0);
	ret = EXIT_SUCCESS;
cleanup:
	lg_capture_free(r.cap);
	lg_store_close(r.store);
	lg_kallsyms_free(ks);
	/* a refused replay leaves no database it made */
	if (ret != EXIT_SUCCESS && r.store && created)
		lg_store_remove(o->db);
	return ret;
}

/* Tell the service manager @msg; the first failure is logged. */
static void notify(const struct lg_notify *n, const char *msg)
{
	static bool said;
	int err = lg_notify_send(n, msg);

	if (err && !said) {
		fprintf(stderr, "<4>lockgraphd: notifying the service manager: "
			"%s\n", strerror(-err));
		said = true;
	}
}

/* "READY=1\n" and the like, then STATUS= with the figures of the run. */
static void notify_status(const struct lg_notify *n, const struct run *r,
			  const char *prefix, const char *sources)
{
	const struct lg_capture_stats *st = lg_capture_stats(r->cap);
	char msg[512];

	snprintf(msg, sizeof(msg),
		 "%sSTATUS=sources %s; %" PRIu64 " events, %" PRIu64
		 " drops, %" PRIu64 " new cycles", prefix, sources, st->events,
		 r->drops, st->cycles);
	notify(n, msg);
}

/*
 * Once the probes are attached nothing needs a capability: give them all
 * up.  Kernels before 6.0 with unprivileged_bpf_disabled ask for CAP_BPF
 * on every map read too: there CAP_BPF alone is kept, and said.
 */
static int drop_privileges(struct lg_probes *p)
{
	uint64_t eff, prm, keep = 0;
	int err;

	err = lg_privs_get(&eff, &prm);
	if (!err)
		err = lg_privs_set_effective(0);
	if (!err && lg_probes_check_access(p) == -EPERM) {
		keep = prm & (prm & LG_CAP(CAP_BPF) ? LG_CAP(CAP_BPF) :
						      LG_CAP(CAP_SYS_ADMIN));
		fprintf(stderr, "<5>lockgraphd: this kernel checks CAP_BPF on "
			"every map read: keeping %s alone\n",
			keep & LG_CAP(CAP_BPF) ? "CAP_BPF" : "CAP_SYS_ADMIN");
	}
	if (!err)
		err = lg_privs_set_effective(eff);
	if (!err)
		err = lg_privs_drop(keep);
	if (err) {
		fprintf(stderr, "<3>lockgraphd: giving up capabilities: %s\n",
			strerror(-err));
		return err;
	}
	fprintf(stderr, "<6>lockgraphd: probes attached; capabilities given "
		"up%s\n", keep ? " but one" : "");
	return 0;
}

static int run_live(const struct opts *o)
{
	struct run r = { .o = o };
	struct lg_probe_status status[LG_SRC_COUNT];
	struct lg_capture_config cfg = { 0 };
	struct lg_record_header hdr = { 0 };
	struct lg_kallsyms *ks = NULL;
	struct lg_probes *p = NULL;
	struct lg_notify sd;
	struct utsname uts;
	char boot_id[40], host[64], sources[128] = "";
	double t0, last_flush, last_ping, ping_s;
	int64_t boot = 0;
	const char *cap;
	int err, ret = EXIT_FAILURE;

	err = lg_notify_open(&sd);
	r.sd = &sd;
	if (err)
		fprintf(stderr, "<4>lockgraphd: NOTIFY_SOCKET: %s: not "
			"notifying the service manager\n", strerror(-err));
	/* systemd's watchdog: a ping every half of its interval. */
	ping_s = (double)sd.watchdog_usec / 2e6;
	cap = missing_capability();
	if (cap) {
		fprintf(stderr, "<3>lockgraphd: missing %s: run as root or grant "
			"CAP_BPF and CAP_PERFMON\n", cap);
		lg_notify_close(&sd);
		return EXIT_NOPERM;
	}
	err = lg_kallsyms_load("/proc/kallsyms", &ks);
	if (err)
		fprintf(stderr, "<4>lockgraphd: /proc/kallsyms: %s: stacks will "
			"not be kept\n", strerror(-err));

	r.store = open_store(o->db, 0);
	if (!r.store)
		goto cleanup;
	lg_store_set_busy(r.store, on_busy, &r);
	cfg.store = r.store;
	cfg.ks = ks;
	cfg.log = stderr;
	/* The capture needs a boot row; sources are filled in below. */
	read_line("/proc/sys/kernel/random/boot_id", boot_id, sizeof(boot_id));
	if (!boot_id[0])
		snprintf(boot_id, sizeof(boot_id), "unknown-boot");
	if (o->host)
		snprintf(host, sizeof(host), "%s", o->host);
	else if (gethostname(host, sizeof(host)))
		snprintf(host, sizeof(host), "unknown");
	uname(&uts);

	err = lg_probes_open(ks, o->sources, on_live_event, &r, status, &p);
	for (unsigned int s = 0; s < LG_SRC_COUNT; s++) {
		if (status[s].loaded) {
			fprintf(stderr, "<6>lockgraphd: source %s: loaded\n",
				lg_source_name(s));
			snprintf(sources + strlen(sources),
				 sizeof(sources) - strlen(sources), "%s%s",
				 sources[0] ? "," : "", lg_source_name(s));
		} else {
			fprintf(stderr, "<5>lockgraphd: source %s: not loaded: %s\n",
				lg_source_name(s), status[s].reason);
		}
	}
	if (err == -EPERM) {
		fprintf(stderr, "<3>lockgraphd: the kernel refused every probe "
			"source for want of privileges (CAP_BPF, CAP_PERFMON)\n");
		ret = EXIT_NOPERM;
		goto cleanup;
	}
	if (err == -ENOTSUP) {
		fprintf(stderr, "<3>lockgraphd: no probe source can run on this "
			"kernel\n");
		ret = EXIT_UNSUPPORTED;
		goto cleanup;
	}
	if (err) {
		fprintf(stderr, "<3>lockgraphd: loading the probes: %s\n",
			strerror(-err));
		goto cleanup;
	}
	if (record_boot(&r, host, boot_id, uts.release, sources, &boot))
		goto cleanup;
	for (unsigned int s = 0; s < LG_SRC_COUNT; s++) {
		err = lg_store_boot_source(r.store, boot, lg_source_name(s),
					   status[s].loaded,
					   status[s].loaded ? NULL : status[s].reason,
					   0);
		if (err) {
			store_fail(&r, "recording the sources", err);
			goto cleanup;
		}
	}
	cfg.boot = boot;
	err = lg_capture_new(&cfg, &r.cap);
	if (err) {
		store_fail(&r, "loading the stored graph", err);
		goto cleanup;
	}
	if (o->record) {
		snprintf(hdr.boot_id, sizeof(hdr.boot_id), "%s", boot_id);
		snprintf(hdr.release, sizeof(hdr.release), "%s", uts.release);
		snprintf(hdr.hostname, sizeof(hdr.hostname), "%s", host);
		err = lg_record_create(o->record, &hdr, &r.record);
		if (err) {
			fprintf(stderr, "<3>lockgraphd: %s: %s\n", o->record,
				strerror(-err));
			goto cleanup;
		}
	}
	if (drop_privileges(p))
		goto cleanup;
	fprintf(stderr, "<6>lockgraphd: writing %s (boot %s); query it with "
		"`lockgraph --db %s status`\n", o->db, boot_id, o->db);
	notify_status(&sd, &r, "READY=1\n", sources);

	t0 = last_flush = last_ping = now_s();
	while (!stop && !r.fatal) {
		double t;

		err = lg_probes_poll(p, 100);
		if (err < 0 && err != -EINTR) {
			fprintf(stderr, "<3>lockgraphd: reading events: %s\n",
				strerror(-err));
			break;
		}
		t = now_s();
		if (o->duration > 0 && t - t0 >= o->duration)
			stop = 1;
		if (stop || (t - last_flush) * 1000 >= o->flush_ms) {
			if (flush(&r, p, boot))
				break;
			last_flush = t;
			notify_status(&sd, &r, "", sources);
		}
		if (ping_s > 0 && t - last_ping >= ping_s) {
			notify(&sd, "WATCHDOG=1");
			last_ping = t;
		}
	}
	notify(&sd, "STOPPING=1");
	if (!r.fatal) {
		/* Events that arrived while stopping; every wait, final. */
		lg_probes_detach_contention(p);
		lg_probes_poll(p, 0);
		if (!flush(&r, p, boot))
			ret = EXIT_SUCCESS;
	}
	/* before the summary, which stays the last line (lockgraph-boot) */
	if (status[LG_SRC_CONTENTION].loaded)
		log_contention(&r, p);
	log_summary(&r, now_s() - t0);
cleanup:
	if (r.record && fclose(r.record)) {
		fprintf(stderr, "<3>lockgraphd: %s: %s\n", o->record,
			strerror(errno));
		ret = EXIT_FAILURE;
	}
	lg_probes_close(p);
	lg_capture_free(r.cap);
	lg_store_close(r.store);
	lg_kallsyms_free(ks);
	lg_notify_close(&sd);
	return ret;
}

/* "lockdep,primitives" -> a mask of sources; 0 when a name is unknown. */
static unsigned int parse_sources(const char *list)
{
	unsigned int mask = 0;
	const char *p = list;

	while (*p) {
		size_t len = strcspn(p, ",");
		unsigned int s;

		for (s = 0; s < LG_SRC_COUNT; s++)
			if (strlen(lg_source_name(s)) == len &&
			    !strncmp(p, lg_source_name(s), len))
				break;
		if (s == LG_SRC_COUNT)
			return 0;
		mask |= 1u << s;
		p += len + (p[len] == ',');
	}
	return mask;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: lockgraphd [OPTIONS]\n"
		"\n"
		"Record which lock classes the running kernel takes while holding\n"
		"which others, into the lock-order graph database.\n"
		"\n"
		"  -d, --db PATH       database (default %s)\n"
		"  -t, --duration S    stop after S seconds (default: until SIGINT/SIGTERM)\n"
		"  -r, --record FILE   also write the raw event stream to FILE\n"
		"  -R, --replay FILE   read a recorded stream instead of the kernel\n"
		"  -H, --host NAME     host name to record (default: this host's)\n"
		"  -f, --flush-ms N    write a batch every N ms (default 1000)\n"
		"  -s, --sources LIST  load only these probe sources (comma-separated:\n"
		"                      lockdep, primitives, context, contention;\n"
		"                      default: every one that works here)\n"
		"  -h, --help\n"
		"\n"
		"Exit status: 0 stopped, 1 error, 2 usage, 3 no probe source can run\n"
		"on this kernel, 4 missing privileges (CAP_BPF, CAP_PERFMON).\n",
		LG_STORE_DEFAULT_PATH);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "duration", required_argument, NULL, 't' },
		{ "record", required_argument, NULL, 'r' },
		{ "replay", required_argument, NULL, 'R' },
		{ "host", required_argument, NULL, 'H' },
		{ "flush-ms", required_argument, NULL, 'f' },
		{ "sources", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct opts o = { .db = LG_STORE_DEFAULT_PATH, .flush_ms = 1000,
			  .sources = LG_SRC_ALL };
	struct sigaction sa = { .sa_handler = on_signal };
	char *end;
	long lval;
	int c;

	while ((c = getopt_long(argc, argv, "d:t:r:R:H:f:s:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o.db = optarg;
			break;
		case 't':
			o.duration = strtod(optarg, &end);
			if (*end || o.duration <= 0) {
				fprintf(stderr, "<3>lockgraphd: --duration: '%s' is "
					"not a positive number of seconds\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'r':
			o.record = optarg;
			break;
		case 'R':
			o.replay = optarg;
			break;
		case 'H':
			o.host = optarg;
			break;
		case 'f':
			errno = 0;
			lval = strtol(optarg, &end, 10);
			if (errno || *end || lval <= 0 || lval > INT_MAX) {
				fprintf(stderr, "<3>lockgraphd: --flush-ms: '%s' is "
					"not a positive number of ms (at most "
					"%d)\n", optarg, INT_MAX);
				return EXIT_USAGE;
			}
			o.flush_ms = (int)lval;
			break;
		case 's':
			o.sources = parse_sources(optarg);
			if (!o.sources) {
				fprintf(stderr, "<3>lockgraphd: --sources: '%s' is "
					"not a list of lockdep, primitives, context, "
					"contention\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "<3>lockgraphd: unexpected argument '%s'\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	if (o.replay && o.record) {
		fprintf(stderr, "<3>lockgraphd: --replay and --record together "
			"make no sense\n");
		return EXIT_USAGE;
	}
	/* The database, its -wal and -shm: 0640, for the lockgraph group. */
	umask(027);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	return o.replay ? run_replay(&o) : run_live(&o);
}
