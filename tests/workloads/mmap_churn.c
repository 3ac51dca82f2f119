/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mmap_lock churn: threads of one process map anonymous memory, touch
 * every page and unmap it again, so mmap/munmap (mmap_lock for write)
 * collide with first faults on fresh VMAs (which fall back from the per-VMA
 * lock to mmap_lock for read and allocate page tables under it).  This is
 * the workload lockgraph's live test uses for mmap_lock contention and for
 * the &mm->mmap_lock -> fs_reclaim dependency.
 *
 *   mmap_churn [-T threads] [-t seconds] [-m KiB per mapping]
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static volatile int stop;
static size_t map_size = 1 << 20;

struct worker {
	pthread_t thread;
	unsigned long rounds;
	int err;
};

static void *churn(void *arg)
{
	struct worker *w = arg;
	long page = sysconf(_SC_PAGESIZE);

	while (!stop) {
		char *p = mmap(NULL, map_size, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			w->err = errno;
			return NULL;
		}
		for (size_t off = 0; off < map_size; off += (size_t)page)
			p[off] = 1;
		if (munmap(p, map_size)) {
			w->err = errno;
			return NULL;
		}
		w->rounds++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int nthreads = 4, seconds = 5, c;
	unsigned long total = 0;
	struct worker *w;

	while ((c = getopt(argc, argv, "T:t:m:")) != -1) {
		switch (c) {
		case 'T':
			nthreads = atoi(optarg);
			break;
		case 't':
			seconds = atoi(optarg);
			break;
		case 'm':
			map_size = (size_t)atol(optarg) << 10;
			break;
		default:
			fprintf(stderr, "usage: %s [-T threads] [-t seconds] "
				"[-m KiB]\n", argv[0]);
			return EXIT_FAILURE;
		}
	}
	if (nthreads <= 0 || seconds <= 0 || !map_size) {
		fprintf(stderr, "mmap_churn: threads, seconds and size must be "
			"positive\n");
		return EXIT_FAILURE;
	}
	w = calloc((size_t)nthreads, sizeof(*w));
	if (!w)
		return EXIT_FAILURE;
	for (int i = 0; i < nthreads; i++) {
		int err = pthread_create(&w[i].thread, NULL, churn, &w[i]);

		if (err) {
			fprintf(stderr, "mmap_churn: pthread_create: %s\n",
				strerror(err));
			return EXIT_FAILURE;
		}
	}
	sleep((unsigned int)seconds);
	stop = 1;
	for (int i = 0; i < nthreads; i++) {
		pthread_join(w[i].thread, NULL);
		if (w[i].err) {
			fprintf(stderr, "mmap_churn: thread %d: %s\n", i,
				strerror(w[i].err));
			return EXIT_FAILURE;
		}
		total += w[i].rounds;
	}
	printf("mmap_churn: %d threads, %d s, %lu map/touch/unmap rounds\n",
	       nthreads, seconds, total);
	free(w);
	return EXIT_SUCCESS;
}
