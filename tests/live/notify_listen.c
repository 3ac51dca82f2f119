/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A stand-in for systemd's side of the sd_notify protocol, for tests on a
 * machine where systemd is not PID 1: bind a datagram socket (a path, or
 * an abstract name given with a leading '@'), run COMMAND with
 * NOTIFY_SOCKET (and WATCHDOG_USEC / WATCHDOG_PID when USEC > 0) set, and
 * print each line of each datagram as it arrives:
 *   msg N pid P: KEY=VALUE
 * with the sender's pid from SO_PASSCRED, as systemd checks it.  Ends with
 *   exit STATUS
 * and exits with COMMAND's status (128 + signal when killed).
 *
 * usage: notify_listen SOCKET USEC COMMAND [ARG...]
 */
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static int nmsg;

/* Print every datagram waiting; returns how many. */
static int drain(int fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int got = 0;

	while (poll(&pfd, 1, got ? 0 : timeout_ms) > 0) {
		char buf[4096], cbuf[CMSG_SPACE(sizeof(struct ucred))];
		struct iovec iov = { buf, sizeof(buf) - 1 };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = cbuf,
				     .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *c;
		pid_t pid = -1;
		ssize_t n = recvmsg(fd, &mh, 0);
		char *line, *save;

		if (n < 0)
			break;
		buf[n] = '\0';
		for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
			if (c->cmsg_level == SOL_SOCKET &&
			    c->cmsg_type == SCM_CREDENTIALS)
				pid = ((struct ucred *)(void *)CMSG_DATA(c))->pid;
		nmsg++;
		for (line = strtok_r(buf, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			printf("msg %d pid %d: %s\n", nmsg, (int)pid, line);
		fflush(stdout);
		got++;
	}
	return got;
}

int main(int argc, char **argv)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	socklen_t len;
	int fd, one = 1, status = 0;
	pid_t child;
	size_t n;

	if (argc < 4) {
		fprintf(stderr, "usage: notify_listen SOCKET USEC COMMAND [ARG...]\n");
		return 2;
	}
	n = strlen(argv[1]);
	if (n >= sizeof(addr.sun_path)) {
		fprintf(stderr, "notify_listen: %s: name too long\n", argv[1]);
		return 2;
	}
	memcpy(addr.sun_path, argv[1], n);
	if (argv[1][0] == '@')
		addr.sun_path[0] = '\0';
	else
		unlink(argv[1]);
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, len) ||
	    setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one))) {
		fprintf(stderr, "notify_listen: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	/* Any user may send, as to systemd's own socket. */
	if (argv[1][0] == '/')
		chmod(argv[1], 0777);
	child = fork();
	if (child < 0) {
		perror("notify_listen: fork");
		return 1;
	}
	if (child == 0) {
		char pid[16];

		setenv("NOTIFY_SOCKET", argv[1], 1);
		if (strtoul(argv[2], NULL, 10) > 0) {
			snprintf(pid, sizeof(pid), "%d", (int)getpid());
			setenv("WATCHDOG_USEC", argv[2], 1);
			setenv("WATCHDOG_PID", pid, 1);
		}
		execvp(argv[3], argv + 3);
		fprintf(stderr, "notify_listen: %s: %s\n", argv[3], strerror(errno));
		_exit(127);
	}
	printf("child pid %d\n", (int)child);
	fflush(stdout);
	while (waitpid(child, &status, WNOHANG) == 0)
		drain(fd, 100);
	drain(fd, 0);
	status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	printf("exit %d\n", status);
	if (argv[1][0] == '/')
		unlink(argv[1]);
	return status;
}
