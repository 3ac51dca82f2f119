/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hugetlb_fault_loop - the hugetlb fault loop of seed 000, with a truncate and
 * hole-punch racer (seeds 000, 001, 004).
 *
 * N processes each repeatedly mmap a hugetlbfs file MAP_SHARED, write one byte
 * to every huge page of the mapping, and munmap it.  One more process punches
 * holes in the file (fallocate PUNCH_HOLE|KEEP_SIZE), preallocates them again
 * (fallocate mode 0), and shrinks and regrows it (ftruncate) while the others
 * fault.  Every process maps the file at the same PUD-aligned (1 GiB on
 * x86_64) address, so when the mapping covers a whole PUD (-s 512 with 2 MiB
 * pages) the kernel shares the pmd page between the processes
 * (huge_pmd_share()).  That address range stays reserved with a PROT_NONE
 * placeholder between rounds, so nothing else is ever placed there.
 *
 * With both -n and -t, the faulting processes stop at whichever comes first.
 *
 * Locks exercised on a 6.1 kernel: mmap_lock, the hugetlb vma lock
 * (&vma_lock->rw_sema), i_mmap_rwsem (&hugetlbfs_i_mmap_rwsem_key),
 * hugetlb_fault_mutex_table[], the hugetlbfs inode lock, fs_reclaim.
 *
 * A fault beyond the end of the file while the racer has shrunk it raises
 * SIGBUS: the faulting process counts it and goes on to munmap.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/falloc.h>
#include <linux/magic.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROG "hugetlb_fault_loop"

/* pmd sharing needs a MAP_SHARED range covering a whole PUD (x86_64: 1 GiB) */
#define PUD_ALIGN (1UL << 30)

#define DEFAULT_PROCS 3
#define DEFAULT_SECONDS 5
#define DEFAULT_PAGES 512
#define DEFAULT_PATH "/mnt/huge/hugetlb_fault_loop"
#define RACE_PAUSE_NS 10000000L

/* Counters shared by all processes (one MAP_SHARED anonymous page). */
struct loop_stats {
	atomic_bool stop;
	atomic_ulong iterations;	/* completed mmap/touch/munmap rounds */
	atomic_ulong touched;		/* huge pages written */
	atomic_ulong sigbus;		/* rounds cut short by SIGBUS */
	atomic_ulong mmap_enomem;	/* mmap: ENOMEM (huge page reservation) */
	atomic_ulong punches;		/* fallocate(PUNCH_HOLE|KEEP_SIZE) */
	atomic_ulong fills;		/* fallocate(0) that succeeded */
	atomic_ulong fill_enospc;	/* fallocate(0) refused with ENOSPC */
	atomic_ulong truncates;		/* ftruncate shrink + regrow pairs */
};

struct loop_config {
	unsigned int procs;
	unsigned long iterations;	/* 0: run for seconds */
	unsigned int seconds;		/* 0: run for iterations */
	const char *path;
	unsigned long pages;		/* mapping size in huge pages */
	bool racer;			/* run the truncate/hole-punch process */
	unsigned long hpage;		/* huge page size in bytes */
	size_t len;			/* mapping length in bytes */
	char *addr;			/* PUD-aligned mapping address */
	struct timespec deadline;
};

static sigjmp_buf fault_env;
static volatile sig_atomic_t in_touch;

static void usage(FILE *out)
{
	fprintf(out,
		"usage: " PROG " [-p procs] [-n iterations] [-t seconds] [-f path] [-s pages] [-R]\n"
		"  -p N     faulting processes (default %d)\n"
		"  -n N     mmap/touch/munmap rounds per process\n"
		"  -t N     run for N seconds (default %d when -n is not given;\n"
		"           with -n, stop at whichever comes first)\n"
		"  -f PATH  file on a hugetlbfs mount (default %s)\n"
		"  -s N     file and mapping size in huge pages (default %d)\n"
		"  -R       no truncate/hole-punch process\n",
		DEFAULT_PROCS, DEFAULT_SECONDS, DEFAULT_PATH, DEFAULT_PAGES);
}

static int parse_ulong(const char *opt, const char *arg, unsigned long max,
		       unsigned long *val)
{
	char *end;

	errno = 0;
	*val = strtoul(arg, &end, 0);
	if (errno || end == arg || *end || arg[0] == '-' || *val > max) {
		fprintf(stderr, PROG ": invalid %s '%s'\n", opt, arg);
		return -1;
	}
	return 0;
}

static bool past_deadline(const struct loop_config *cfg)
{
	struct timespec now;

	if (!cfg->seconds)
		return false;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > cfg->deadline.tv_sec ||
	       (now.tv_sec == cfg->deadline.tv_sec &&
		now.tv_nsec >= cfg->deadline.tv_nsec);
}

static double elapsed_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) +
	       (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static void sigbus_handler(int sig)
{
	static const char msg[] = PROG ": SIGBUS outside the touch loop\n";
	ssize_t ret;

	(void)sig;
	if (in_touch)
		siglongjmp(fault_env, 1);
	ret = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)ret;
	_exit(EXIT_FAILURE);
}

/*
 * Find a PUD-aligned address range for the mapping and keep it (with the
 * unaligned slack around it) mapped PROT_NONE, so that nothing else is ever
 * placed there: the fault loop maps the file over it with MAP_FIXED and puts
 * the placeholder back after each munmap.
 */
static char *reserve_range(size_t len)
{
	size_t span = len + PUD_ALIGN;
	char *base;

	base = mmap(NULL, span, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED) {
		fprintf(stderr, PROG ": mmap(%zu bytes of address space): %s\n",
			span, strerror(errno));
		return NULL;
	}
	return (char *)(((uintptr_t)base + PUD_ALIGN - 1) & ~(PUD_ALIGN - 1));
}

/* Put the PROT_NONE placeholder back over [addr, addr + len). */
static int replace_placeholder(char *addr, size_t len)
{
	void *p = mmap(addr, len, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED,
		       -1, 0);

	if (p == MAP_FAILED) {
		fprintf(stderr, PROG ": mmap(placeholder at %p, %zu bytes): %s\n",
			(void *)addr, len, strerror(errno));
		return -1;
	}
	return 0;
}

/* One faulting process: mmap, write every huge page, munmap, repeat. */
static int fault_loop(const struct loop_config *cfg, int fd,
		      struct loop_stats *st)
{
	struct sigaction sa;
	unsigned long n;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sigbus_handler;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, NULL)) {
		fprintf(stderr, PROG ": sigaction(SIGBUS): %s\n", strerror(errno));
		return -1;
	}

	for (n = 0; !atomic_load(&st->stop); n++) {
		volatile unsigned long i = 0;
		char *p;

		if (cfg->iterations && n >= cfg->iterations)
			break;
		if (past_deadline(cfg))
			break;

		p = mmap(cfg->addr, cfg->len, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, fd, 0);
		if (p == MAP_FAILED) {
			if (errno == ENOMEM) {
				/* the huge page reservation failed */
				atomic_fetch_add(&st->mmap_enomem, 1);
				if (replace_placeholder(cfg->addr, cfg->len))
					return -1;
				sched_yield();
				continue;
			}
			fprintf(stderr, PROG ": mmap(%s, %zu bytes at %p): %s\n",
				cfg->path, cfg->len, (void *)cfg->addr,
				strerror(errno));
			return -1;
		}
		if (p != cfg->addr) {
			fprintf(stderr, PROG ": mmap(%s): placed at %p, not at %p\n",
				cfg->path, (void *)p, (void *)cfg->addr);
			munmap(p, cfg->len);
			return -1;
		}

		if (sigsetjmp(fault_env, 1) == 0) {
			in_touch = 1;
			for (i = 0; i < cfg->pages; i++)
				p[i * cfg->hpage] = (char)(i + 1);
			in_touch = 0;
		} else {
			/* beyond EOF (the racer shrank the file), or no page */
			in_touch = 0;
			atomic_fetch_add(&st->sigbus, 1);
		}
		atomic_fetch_add(&st->touched, i);

		if (munmap(p, cfg->len)) {
			fprintf(stderr, PROG ": munmap(%p, %zu): %s\n",
				(void *)p, cfg->len, strerror(errno));
			return -1;
		}
		if (replace_placeholder(cfg->addr, cfg->len))
			return -1;
		atomic_fetch_add(&st->iterations, 1);
	}
	return 0;
}

static uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

/*
 * The racer: punch a hole in a few pages, fill it again, and every eighth
 * round shrink the file to half its size and grow it back; then pause for
 * RACE_PAUSE_NS so that most fault rounds complete.
 */
static int race_loop(const struct loop_config *cfg, int fd,
		     struct loop_stats *st)
{
	uint64_t seed = 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid();
	const struct timespec pause = { .tv_nsec = RACE_PAUSE_NS };
	off_t full = (off_t)cfg->len;
	unsigned long round;

	for (round = 0; !atomic_load(&st->stop); round++) {
		unsigned long first = xorshift64(&seed) % cfg->pages;
		unsigned long count = 1 + xorshift64(&seed) % 8;
		off_t off, len;

		if (past_deadline(cfg))
			break;
		if (count > cfg->pages - first)
			count = cfg->pages - first;
		off = (off_t)first * (off_t)cfg->hpage;
		len = (off_t)count * (off_t)cfg->hpage;

		if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      off, len)) {
			fprintf(stderr,
				PROG ": fallocate(%s, PUNCH_HOLE|KEEP_SIZE, %lld, %lld): %s\n",
				cfg->path, (long long)off, (long long)len,
				strerror(errno));
			return -1;
		}
		atomic_fetch_add(&st->punches, 1);

		if (fallocate(fd, 0, off, len) == 0) {
			atomic_fetch_add(&st->fills, 1);
		} else if (errno == ENOSPC) {
			atomic_fetch_add(&st->fill_enospc, 1);
		} else {
			fprintf(stderr, PROG ": fallocate(%s, 0, %lld, %lld): %s\n",
				cfg->path, (long long)off, (long long)len,
				strerror(errno));
			return -1;
		}

		if (round % 8 == 7) {
			off_t half = (off_t)(cfg->pages / 2) * (off_t)cfg->hpage;

			if (ftruncate(fd, half)) {
				fprintf(stderr, PROG ": ftruncate(%s, %lld): %s\n",
					cfg->path, (long long)half,
					strerror(errno));
				return -1;
			}
			if (ftruncate(fd, full)) {
				fprintf(stderr, PROG ": ftruncate(%s, %lld): %s\n",
					cfg->path, (long long)full,
					strerror(errno));
				return -1;
			}
			atomic_fetch_add(&st->truncates, 1);
		}
		nanosleep(&pause, NULL);
	}
	return 0;
}

static pid_t spawn(const struct loop_config *cfg, int fd, struct loop_stats *st,
		   bool racer)
{
	pid_t pid = fork();

	if (pid < 0) {
		fprintf(stderr, PROG ": fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		int ret = racer ? race_loop(cfg, fd, st) : fault_loop(cfg, fd, st);

		_exit(ret ? EXIT_FAILURE : EXIT_SUCCESS);
	}
	return pid;
}

/* Wait for one child; returns 0 when it exited with EXIT_SUCCESS. */
static int reap(pid_t pid, const char *what)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, PROG ": waitpid(%d): %s\n", (int)pid,
				strerror(errno));
			return -1;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_SUCCESS)
		return 0;
	if (WIFSIGNALED(status))
		fprintf(stderr, PROG ": %s process %d killed by signal %d (%s)\n",
			what, (int)pid, WTERMSIG(status),
			strsignal(WTERMSIG(status)));
	else
		fprintf(stderr, PROG ": %s process %d failed (exit %d)\n", what,
			(int)pid, WEXITSTATUS(status));
	return -1;
}

int main(int argc, char **argv)
{
	struct loop_config cfg = {
		.procs = DEFAULT_PROCS,
		.path = DEFAULT_PATH,
		.pages = DEFAULT_PAGES,
		.racer = true,
	};
	struct loop_stats *st;
	struct timespec start;
	struct statfs sfs;
	struct stat sb;
	bool created = false;
	unsigned int i, started = 0;
	pid_t *pids, racer_pid = 0;
	unsigned long val;
	int fd, opt, failed = 0;

	while ((opt = getopt(argc, argv, "p:n:t:f:s:Rh")) != -1) {
		switch (opt) {
		case 'p':
			if (parse_ulong("-p", optarg, 4096, &val) || !val)
				goto bad_usage;
			cfg.procs = (unsigned int)val;
			break;
		case 'n':
			if (parse_ulong("-n", optarg, ULONG_MAX, &val) || !val)
				goto bad_usage;
			cfg.iterations = val;
			break;
		case 't':
			if (parse_ulong("-t", optarg, 86400, &val) || !val)
				goto bad_usage;
			cfg.seconds = (unsigned int)val;
			break;
		case 'f':
			cfg.path = optarg;
			break;
		case 's':
			if (parse_ulong("-s", optarg, 1UL << 24, &val) || !val)
				goto bad_usage;
			cfg.pages = val;
			break;
		case 'R':
			cfg.racer = false;
			break;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		default:
			goto bad_usage;
		}
	}
	if (optind != argc)
		goto bad_usage;
	if (!cfg.iterations && !cfg.seconds)
		cfg.seconds = DEFAULT_SECONDS;

	if (stat(cfg.path, &sb) && errno == ENOENT)
		created = true;
	fd = open(cfg.path, O_RDWR | O_CREAT, 0600);
	if (fd < 0) {
		fprintf(stderr, PROG ": open(%s): %s\n", cfg.path, strerror(errno));
		return EXIT_FAILURE;
	}
	if (fstatfs(fd, &sfs)) {
		fprintf(stderr, PROG ": fstatfs(%s): %s\n", cfg.path, strerror(errno));
		goto fail_close;
	}
	if (sfs.f_type != HUGETLBFS_MAGIC) {
		fprintf(stderr, PROG ": %s is not on a hugetlbfs mount\n", cfg.path);
		goto fail_close;
	}
	cfg.hpage = (unsigned long)sfs.f_bsize;
	if (cfg.pages > SIZE_MAX / cfg.hpage) {
		fprintf(stderr, PROG ": -s %lu huge pages is too large\n", cfg.pages);
		goto fail_close;
	}
	cfg.len = cfg.pages * cfg.hpage;
	if (ftruncate(fd, (off_t)cfg.len)) {
		fprintf(stderr, PROG ": ftruncate(%s, %zu): %s\n", cfg.path,
			cfg.len, strerror(errno));
		goto fail_close;
	}
	cfg.addr = reserve_range(cfg.len);
	if (!cfg.addr)
		goto fail_close;

	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (st == MAP_FAILED) {
		fprintf(stderr, PROG ": mmap(shared counters): %s\n", strerror(errno));
		goto fail_close;
	}
	memset(st, 0, sizeof(*st));
	pids = calloc(cfg.procs, sizeof(*pids));
	if (!pids) {
		fprintf(stderr, PROG ": calloc(%u pids): %s\n", cfg.procs,
			strerror(errno));
		goto fail_close;
	}

	printf(PROG ": %u processes%s, %lu huge pages of %lu kB (%zu MiB) at %p, "
	       "pmd sharing %s, %lu %s%s\n",
	       cfg.procs, cfg.racer ? " + truncate/hole-punch racer" : "",
	       cfg.pages, cfg.hpage >> 10, cfg.len >> 20, (void *)cfg.addr,
	       cfg.len >= PUD_ALIGN ? "possible" : "impossible (mapping < 1 GiB)",
	       cfg.iterations ? cfg.iterations : cfg.seconds,
	       cfg.iterations ? "rounds per process" : "seconds",
	       cfg.iterations && cfg.seconds ? " or the time limit" : "");
	fflush(stdout);

	clock_gettime(CLOCK_MONOTONIC, &start);
	cfg.deadline = start;
	cfg.deadline.tv_sec += cfg.seconds;

	if (cfg.racer) {
		racer_pid = spawn(&cfg, fd, st, true);
		if (racer_pid < 0)
			failed = 1;
	}
	for (i = 0; i < cfg.procs && !failed; i++) {
		pids[i] = spawn(&cfg, fd, st, false);
		if (pids[i] < 0) {
			failed = 1;
			break;
		}
		started++;
	}
	if (failed)
		atomic_store(&st->stop, true);
	for (i = 0; i < started; i++)
		if (reap(pids[i], "fault"))
			failed = 1;
	atomic_store(&st->stop, true);
	if (racer_pid > 0 && reap(racer_pid, "truncate/hole-punch"))
		failed = 1;

	printf(PROG ": %.2f s: %lu rounds, %lu huge pages touched, %lu SIGBUS, "
	       "%lu mmap ENOMEM; racer: %lu hole punches, %lu fills "
	       "(%lu ENOSPC), %lu truncates\n",
	       elapsed_since(&start), atomic_load(&st->iterations),
	       atomic_load(&st->touched), atomic_load(&st->sigbus),
	       atomic_load(&st->mmap_enomem), atomic_load(&st->punches),
	       atomic_load(&st->fills), atomic_load(&st->fill_enospc),
	       atomic_load(&st->truncates));
	if (!failed && atomic_load(&st->iterations) == 0) {
		fprintf(stderr, PROG ": no round completed\n");
		failed = 1;
	}

	free(pids);
	close(fd);
	if (created && unlink(cfg.path)) {
		fprintf(stderr, PROG ": unlink(%s): %s\n", cfg.path, strerror(errno));
		failed = 1;
	}
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;

fail_close:
	close(fd);
	if (created)
		unlink(cfg.path);
	return EXIT_FAILURE;

bad_usage:
	usage(stderr);
	return EXIT_FAILURE;
}
