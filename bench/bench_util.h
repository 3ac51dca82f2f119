/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the benchmarks.  Each bench/bench_*.c is a program of
 * its own, so these are static functions in a header.
 */
#ifndef LOCKGRAPH_BENCH_BENCH_UTIL_H
#define LOCKGRAPH_BENCH_BENCH_UTIL_H

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Run @work(@arg, @out) in a forked child, so that what it costs (maxrss
 * above all) is its own, and copy the @size-byte result it leaves in @out
 * back to the parent's @out through a pipe.  The child flushes stdout and
 * exits with EXIT_SUCCESS when @work returned 0 and the whole result was
 * written, EXIT_FAILURE otherwise.
 *
 * Returns 0 once the child is reaped, with *@got the bytes read back (a
 * whole result when it equals @size) and *@status its wait status, or
 * -errno when pipe(), fork() or waitpid() failed.
 */
static int bench_run_in_child(int (*work)(const void *arg, void *out),
			      const void *arg, void *out, size_t size,
			      ssize_t *got, int *status)
{
	int fd[2];
	pid_t pid;

	*got = -1;
	*status = 0;
	if (pipe(fd))
		return -errno;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		int err = -errno;

		close(fd[0]);
		close(fd[1]);
		return err;
	}
	if (pid == 0) {
		ssize_t put;
		int err;

		close(fd[0]);
		err = work(arg, out);
		fflush(stdout);
		put = write(fd[1], out, size);
		_exit(put == (ssize_t)size && !err ? EXIT_SUCCESS :
						     EXIT_FAILURE);
	}
	close(fd[1]);
	*got = read(fd[0], out, size);
	close(fd[0]);
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

/* ---- PRNG: splitmix64-seeded xoshiro256** ------------------------------ */

struct rng {
	uint64_t s[4];
};

static __attribute__((unused)) uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static __attribute__((unused)) void rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static __attribute__((unused)) uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static __attribute__((unused)) uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t res = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

/* Uniform in [0, n); n > 0.  The modulo bias is irrelevant here. */
static __attribute__((unused)) uint32_t rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)((rng_next(r) >> 32) % n);
}

/*
 * The path of the project program @name ("lockgraph", "lockgraphd") into
 * @out: @opt when given, else the build directory this benchmark runs from
 * (build/bench/bench_x -> build/@name), else build/@name.  Returns 0 when
 * it is executable, or -errno.
 */
static __attribute__((unused)) int bench_find_program(const char *name,
						      const char *opt, char *out,
						      size_t size)
{
	char exe[PATH_MAX];
	ssize_t n;
	char *slash;

	if (opt) {
		snprintf(out, size, "%s", opt);
		return access(out, X_OK) ? -errno : 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		for (int i = 0; i < 2 && (slash = strrchr(exe, '/')); i++)
			*slash = '\0';
		snprintf(out, size, "%s/%s", exe, name);
		if (!access(out, X_OK))
			return 0;
	}
	snprintf(out, size, "build/%s", name);
	return access(out, X_OK) ? -errno : 0;
}

#endif /* LOCKGRAPH_BENCH_BENCH_UTIL_H */
