/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fs_pressure - file writes and truncates under memory pressure, so that
 * page cache allocations enter reclaim while the inode lock is held
 * (seeds 002, 003: i_rwsem and friends against fs_reclaim).
 *
 *   fs_pressure [-p writers] [-m mappers] [-t seconds] [-s MiB per file]
 *               [-l MiB left] DIR...
 *
 * Each of the writer processes per DIR (tmpfs, ext4 on a ram disk, ...)
 * writes a file of -s MiB in 64 KiB pieces, shrinks it to half and to
 * nothing with ftruncate, punches a hole, and starts over.  Each of the -m
 * mapper processes per DIR (default none) writes a file of -s MiB, maps it
 * shared and reads every page of it over and over: file pages mapped in
 * several processes, which reclaim takes and faults read back in (under
 * the mmap_lock), and which MGLRU's aging finds by walking those processes'
 * page tables (mm/vmscan.c walk_mm(): it needs an mm with 64 or more file
 * pages mapped when there is no swap).  One more process
 * keeps anonymous memory allocated and touched until only -l MiB of
 * MemAvailable is left (no swap in the guests: reclaim has only the page
 * cache to take), and gives it back when a write fails for want of memory.
 * The hog runs with oom_score_adj 1000 so that the OOM killer, if it comes,
 * takes it and not a writer.  Prints what each did.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROG "fs_pressure"
#define PIECE (64 << 10)
#define HOG_CHUNK (4UL << 20)
#define HOG_CHUNKS_MAX 4096

struct stats {
	atomic_ulong rounds;	 /* files written, shrunk and emptied */
	atomic_ulong mib;	 /* MiB written */
	atomic_ulong write_err;	 /* writes refused (ENOSPC, ENOMEM) */
	atomic_ulong hog_mib;	 /* the most the hog held */
	atomic_ulong hog_chunks; /* chunks it gave back */
	atomic_ulong map_passes; /* mapped files read through */
};

static volatile sig_atomic_t stop;

static void on_alarm(int sig)
{
	(void)sig;
	stop = 1;
}

/* MemAvailable from /proc/meminfo, in MiB; -1 when unreadable. */
static long mem_available_mib(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb < 0 ? -1 : kb >> 10;
}

/* Pages reclaim scanned so far (/proc/vmstat pgscan_*), or 0. */
static unsigned long pages_scanned(void)
{
	char name[64];
	unsigned long v, sum = 0;
	FILE *f = fopen("/proc/vmstat", "re");

	if (!f)
		return 0;
	while (fscanf(f, "%63s %lu", name, &v) == 2)
		if (!strncmp(name, "pgscan_", 7))
			sum += v;
	fclose(f);
	return sum;
}

static void hog(long left_mib, struct stats *st)
{
	static char *chunk[HOG_CHUNKS_MAX];
	unsigned long n = 0, most = 0;
	FILE *f = fopen("/proc/self/oom_score_adj", "we");

	if (f) {
		fputs("1000\n", f);
		fclose(f);
	}
	while (!stop) {
		long avail = mem_available_mib();

		if (avail > left_mib && n < HOG_CHUNKS_MAX) {
			/* the kernel zeroes the pages: faster than memset
			 * under TCG */
			char *p = mmap(NULL, HOG_CHUNK, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
				       -1, 0);

			if (p != MAP_FAILED)
				chunk[n++] = p;
		} else if (avail >= 0 && avail < left_mib / 2 && n) {
			munmap(chunk[--n], HOG_CHUNK);
			st->hog_chunks++;
		} else {
			/* keep what we hold resident and recently used */
			for (unsigned long i = 0; i < n && !stop; i++)
				for (size_t o = 0; o < HOG_CHUNK; o += 4096)
					chunk[i][o]++;
			usleep(20000);
		}
		if (n > most)
			most = n;
	}
	st->hog_mib = most * (HOG_CHUNK >> 20);
}

static int writer(const char *dir, unsigned int id, size_t file_mib,
		  struct stats *st)
{
	static char buf[PIECE];
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/" PROG ".%u", dir, id);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		return -1;
	}
	memset(buf, (int)id, sizeof(buf));
	while (!stop) {
		size_t done = 0, size = file_mib << 20;

		while (done < size && !stop) {
			ssize_t w = pwrite(fd, buf, PIECE, (off_t)done);

			if (w < 0) {
				if (errno != ENOSPC && errno != ENOMEM &&
				    errno != EINTR) {
					fprintf(stderr, PROG ": write %s: %s\n",
						path, strerror(errno));
					close(fd);
					return -1;
				}
				st->write_err++;
				break;
			}
			done += (size_t)w;
		}
		st->mib += done >> 20;
		/* truncate_pagecache under the inode lock, twice */
		if (ftruncate(fd, (off_t)(done / 2)) ||
		    fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
			      (off_t)(done / 4)) ||
		    ftruncate(fd, 0)) {
			if (errno != EOPNOTSUPP && errno != EINTR) {
				fprintf(stderr, PROG ": truncate %s: %s\n", path,
					strerror(errno));
				close(fd);
				return -1;
			}
		}
		st->rounds++;
	}
	close(fd);
	unlink(path);
	return 0;
}

/*
 * Write a file of @file_mib MiB in @dir, then read every page of it through
 * a shared mapping until stopped.
 */
static int mapper(const char *dir, unsigned int id, size_t file_mib,
		  struct stats *st)
{
	static char buf[PIECE];
	size_t size = file_mib << 20, done = 0;
	long page = sysconf(_SC_PAGESIZE);
	volatile unsigned long sum = 0;
	char path[4096];
	char *map;
	int fd;

	snprintf(path, sizeof(path), "%s/" PROG ".map.%u", dir, id);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		return -1;
	}
	memset(buf, (int)id + 1, sizeof(buf));
	while (done < size) {
		ssize_t w = pwrite(fd, buf, PIECE, (off_t)done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			fprintf(stderr, PROG ": write %s: %s\n", path,
				w < 0 ? strerror(errno) : "short write");
			close(fd);
			unlink(path);
			return -1;
		}
		done += (size_t)w;
	}
	map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		fprintf(stderr, PROG ": mmap %s: %s\n", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	while (!stop) {
		for (size_t o = 0; o < size && !stop; o += (size_t)page)
			sum += (unsigned char)map[o];
		st->map_passes++;
	}
	munmap(map, size);
	close(fd);
	unlink(path);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: " PROG " [-p writers] [-m mappers] [-t seconds] "
		   "[-s MiB per file] [-l MiB left] DIR...\n"
		   "  -p N  writer processes per DIR (default 2)\n"
		   "  -m N  mapper processes per DIR (default 0)\n"
		   "  -t N  seconds to run (default 5)\n"
		   "  -s N  file size in MiB (default 16)\n"
		   "  -l N  MemAvailable the hog leaves, MiB (default 96)\n");
}

int main(int argc, char **argv)
{
	unsigned long procs = 2, maps = 0, seconds = 5, file_mib = 16,
		      left_mib = 96;
	struct sigaction sa = { .sa_handler = on_alarm };
	struct stats *st;
	pid_t *pids, hog_pid = 0;
	unsigned int npids = 0, ndirs;
	int c, status, ret = EXIT_SUCCESS;
	unsigned long scanned = pages_scanned();

	while ((c = getopt(argc, argv, "p:m:t:s:l:h")) != -1) {
		char *end;
		unsigned long v;

		if (c == 'h') {
			usage(stdout);
			return EXIT_SUCCESS;
		}
		if (c == '?') {
			usage(stderr);
			return 2;
		}
		v = strtoul(optarg, &end, 10);
		if (*end || !v || v > 100000) {
			fprintf(stderr, PROG ": -%c: '%s' is not a positive number\n",
				c, optarg);
			return 2;
		}
		if (c == 'p')
			procs = v;
		else if (c == 'm')
			maps = v;
		else if (c == 't')
			seconds = v;
		else if (c == 's')
			file_mib = v;
		else
			left_mib = v;
	}
	if (optind == argc) {
		usage(stderr);
		return 2;
	}
	ndirs = (unsigned int)(argc - optind);
	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pids = calloc(ndirs * (procs + maps) + 1, sizeof(*pids));
	if (st == MAP_FAILED || !pids) {
		fprintf(stderr, PROG ": out of memory\n");
		return EXIT_FAILURE;
	}
	memset(st, 0, sizeof(*st));
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	printf(PROG ": %lu writers and %lu mappers of %lu MiB files in each of "
	       "%u directories, hog leaving %lu MiB (MemAvailable %ld MiB), "
	       "%lu s\n",
	       procs, maps, file_mib, ndirs, left_mib, mem_available_mib(),
	       seconds);
	fflush(stdout);
	for (unsigned int d = 0; d < ndirs; d++)
		for (unsigned long p = 0; p <= procs + maps; p++) {
			pid_t pid;
			int err;

			if (p == procs + maps && d)
				break; /* one hog */
			pid = fork();
			if (pid < 0) {
				fprintf(stderr, PROG ": fork: %s\n", strerror(errno));
				stop = 1;
				break;
			}
			if (!pid) {
				alarm((unsigned int)seconds);
				if (p == procs + maps) {
					hog((long)left_mib, st);
					_exit(EXIT_SUCCESS);
				}
				if (p < procs)
					err = writer(argv[optind + d],
						     (unsigned int)p, file_mib,
						     st);
				else
					err = mapper(argv[optind + d],
						     (unsigned int)(p - procs),
						     file_mib, st);
				_exit(err ? EXIT_FAILURE : EXIT_SUCCESS);
			}
			if (p == procs + maps)
				hog_pid = pid;
			pids[npids++] = pid;
		}
	for (unsigned int i = 0; i < npids; i++) {
		if (waitpid(pids[i], &status, 0) < 0)
			continue;
		if (pids[i] == hog_pid && WIFSIGNALED(status) &&
		    WTERMSIG(status) == SIGKILL) {
			printf(PROG ": the hog was killed (OOM killer)\n");
		} else if (WIFSIGNALED(status)) {
			fprintf(stderr, PROG ": process %d killed by signal %d\n",
				(int)pids[i], WTERMSIG(status));
			ret = EXIT_FAILURE;
		} else if (WEXITSTATUS(status)) {
			ret = EXIT_FAILURE;
		}
	}
	printf(PROG ": %lu rounds, %lu MiB written, %lu writes refused, "
	       "%lu mapped files read through; hog held up to %lu MiB, gave "
	       "back %lu chunks; reclaim scanned %lu pages\n",
	       (unsigned long)st->rounds, (unsigned long)st->mib,
	       (unsigned long)st->write_err, (unsigned long)st->map_passes,
	       (unsigned long)st->hog_mib,
	       (unsigned long)st->hog_chunks, pages_scanned() - scanned);
	free(pids);
	return ret;
}
