/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * capture_attach OBJECT: load a BPF object, attach every program in it
 * (each by its SEC() name, as a skeleton would), print "ready" and keep
 * them attached until SIGINT or SIGTERM.
 *
 * bench/bench_capture.sh uses it to attach empty tp_btf programs to the
 * tracepoints lockgraph's sources use, so that their cost under bpf_stats
 * is measured in the same run as the real programs'.  It is not built by
 * the Makefile (it needs libbpf, the benchmarks do not): the script builds
 * it with gcc into a temporary directory.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct bpf_object *obj;
	struct bpf_program *prog;
	int err, n = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s OBJECT.bpf.o\n", argv[0]);
		return 2;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	libbpf_set_print(quiet);

	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "capture_attach: open %s: %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "capture_attach: load %s: %s\n", argv[1],
			strerror(-err));
		bpf_object__close(obj);
		return 1;
	}
	bpf_object__for_each_program(prog, obj) {
		/* Links stay open until the process exits. */
		if (!bpf_program__attach(prog)) {
			fprintf(stderr, "capture_attach: attach %s: %s\n",
				bpf_program__name(prog), strerror(errno));
			bpf_object__close(obj);
			return 1;
		}
		n++;
	}
	printf("ready: %d programs attached\n", n);
	fflush(stdout);
	while (!stop)
		pause();
	bpf_object__close(obj);
	return 0;
}
