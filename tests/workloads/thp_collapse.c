/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * thp_collapse - make khugepaged collapse small pages into a huge page
 * (seed 003: khugepaged's locks against reclaim).
 *
 *   thp_collapse [-n MiB] [-t seconds]
 *
 * Maps -n MiB of anonymous memory aligned to 2 MiB, faults it in as small
 * pages (MADV_NOHUGEPAGE), then asks for huge pages (MADV_HUGEPAGE) and
 * waits, at most -t seconds, until khugepaged has collapsed at least one
 * range: AnonHugePages of the mapping in /proc/self/smaps.  Makes
 * khugepaged scan every 100 ms first (/sys/kernel/mm/transparent_hugepage/
 * khugepaged/).  Exit status: 0 collapsed, 1 not within the time or an
 * error, 2 usage.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PROG "thp_collapse"
#define HPAGE (2UL << 20)
#define KHP "/sys/kernel/mm/transparent_hugepage/"

static void set_knob(const char *path, const char *val)
{
	FILE *f = fopen(path, "we");

	if (!f || fputs(val, f) < 0 || fclose(f))
		fprintf(stderr, PROG ": %s: %s (going on)\n", path, strerror(errno));
}

/* AnonHugePages of the mapping at @addr, in kB; -1 when not found. */
static long anon_huge_kb(uintptr_t addr)
{
	char line[256];
	int in = 0;
	long kb = -1;
	FILE *f = fopen("/proc/self/smaps", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
			in = addr >= lo && addr < hi;
		else if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	unsigned long mib = 8, seconds = 30;
	double t0;
	char *base, *p;
	size_t len;
	long kb = 0;
	int c;

	while ((c = getopt(argc, argv, "n:t:h")) != -1) {
		char *end;
		unsigned long v;

		if (c == 'h' || c == '?') {
			fprintf(c == 'h' ? stdout : stderr,
				"usage: " PROG " [-n MiB] [-t seconds]\n");
			return c == 'h' ? 0 : 2;
		}
		v = strtoul(optarg, &end, 10);
		if (*end || !v || v > 65536) {
			fprintf(stderr, PROG ": -%c: '%s' is not a positive number\n",
				c, optarg);
			return 2;
		}
		if (c == 'n')
			mib = v;
		else
			seconds = v;
	}
	len = (mib << 20) & ~(HPAGE - 1);
	if (!len) {
		fprintf(stderr, PROG ": -n must be 2 MiB or more\n");
		return 2;
	}
	set_knob(KHP "enabled", "madvise");
	set_knob(KHP "khugepaged/scan_sleep_millisecs", "100");
	set_knob(KHP "khugepaged/alloc_sleep_millisecs", "100");
	set_knob(KHP "khugepaged/pages_to_scan", "4096");

	base = mmap(NULL, len + HPAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED) {
		fprintf(stderr, PROG ": mmap: %s\n", strerror(errno));
		return 1;
	}
	p = (char *)(((uintptr_t)base + HPAGE - 1) & ~(HPAGE - 1));
	if (madvise(p, len, MADV_NOHUGEPAGE)) {
		fprintf(stderr, PROG ": madvise(MADV_NOHUGEPAGE): %s\n", strerror(errno));
		return 1;
	}
	for (size_t o = 0; o < len; o += 4096)
		p[o] = (char)o;
	if (madvise(p, len, MADV_HUGEPAGE)) {
		fprintf(stderr, PROG ": madvise(MADV_HUGEPAGE): %s\n", strerror(errno));
		return 1;
	}
	t0 = now();
	while (now() - t0 < (double)seconds) {
		kb = anon_huge_kb((uintptr_t)p);
		if (kb > 0)
			break;
		usleep(100000);
	}
	if (kb <= 0) {
		printf(PROG ": no collapse of %lu MiB within %lu s (AnonHugePages %ld kB)\n",
		       (unsigned long)(len >> 20), seconds, kb);
		return 1;
	}
	printf(PROG ": khugepaged collapsed %ld kB of %lu MiB after %.1f s\n", kb,
	       (unsigned long)(len >> 20), now() - t0);
	return 0;
}
