/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "notify.h"

int lg_notify_open(struct lg_notify *n)
{
	const char *path = getenv("NOTIFY_SOCKET");
	const char *usec = getenv("WATCHDOG_USEC");
	const char *wpid = getenv("WATCHDOG_PID");
	size_t len;
	int ret = 0;

	memset(n, 0, sizeof(*n));
	n->fd = -1;
	if (usec && (!wpid || strtol(wpid, NULL, 10) == (long)getpid()))
		n->watchdog_usec = strtoull(usec, NULL, 10);
	if (!path || !path[0])
		goto out;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(n->addr.sun_path)) {
		ret = -EINVAL;
		goto out;
	}
	n->addr.sun_family = AF_UNIX;
	memcpy(n->addr.sun_path, path, len);
	if (path[0] == '@')
		n->addr.sun_path[0] = '\0'; /* abstract: no terminating NUL */
	n->addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
				  (path[0] == '/'));
	n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (n->fd < 0)
		ret = -errno;
out:
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	return ret;
}

int lg_notify_send(const struct lg_notify *n, const char *state)
{
	ssize_t len = (ssize_t)strlen(state), sent;

	if (n->fd < 0)
		return 0;
	do {
		sent = sendto(n->fd, state, (size_t)len, MSG_NOSIGNAL,
			      (const struct sockaddr *)&n->addr, n->addr_len);
	} while (sent < 0 && errno == EINTR);
	if (sent < 0)
		return -errno;
	return sent == len ? 0 : -EMSGSIZE;
}

void lg_notify_close(struct lg_notify *n)
{
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
}
