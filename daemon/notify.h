/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The sd_notify protocol, without libsystemd: one datagram of
 * "KEY=VALUE\n" lines to the AF_UNIX socket named by $NOTIFY_SOCKET (a
 * path, or an abstract name written with a leading '@'), and the watchdog
 * interval from $WATCHDOG_USEC / $WATCHDOG_PID.  Outside systemd (no
 * $NOTIFY_SOCKET) every call is a no-op that succeeds.
 */
#ifndef LOCKGRAPH_DAEMON_NOTIFY_H
#define LOCKGRAPH_DAEMON_NOTIFY_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

struct lg_notify {
	int fd;				/* -1: not under a service manager */
	struct sockaddr_un addr;
	socklen_t addr_len;
	uint64_t watchdog_usec;		/* 0: no watchdog asked for */
};

/*
 * Read $NOTIFY_SOCKET and $WATCHDOG_USEC (honoured only when $WATCHDOG_PID
 * is unset or this process) and open the socket.  The variables are
 * removed from the environment so that children do not inherit them.
 * Returns 0 (also when there is no $NOTIFY_SOCKET: n->fd is then -1),
 * -EINVAL for a socket name that is not absolute, abstract or that does
 * not fit, or the errno of socket().
 */
int lg_notify_open(struct lg_notify *n);

/*
 * Send @state ("READY=1\nSTATUS=..."), whole, in one datagram.  Returns 0
 * (nothing to do outside systemd) or the negative errno of sendto().
 */
int lg_notify_send(const struct lg_notify *n, const char *state);

/* Close the socket; @n may be closed twice. */
void lg_notify_close(struct lg_notify *n);

#endif /* LOCKGRAPH_DAEMON_NOTIFY_H */
