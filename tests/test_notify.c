/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * daemon/notify.c against real sockets, as systemd's side binds them: a
 * path socket and an abstract one, the watchdog variables, names systemd
 * would refuse, and the no-op outside a service manager.  The daemon's use
 * of it (READY after attach, STATUS, WATCHDOG) is in tests/live/service.sh.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_util.h"

#include "notify.h"

/* Bind a datagram socket at @name ("/path" or "@abstract"). */
static int listen_at(const char *name)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	size_t n = strlen(name);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memcpy(addr.sun_path, name, n);
	if (name[0] == '@')
		addr.sun_path[0] = '\0';
	assert_int_equal(bind(fd, (struct sockaddr *)&addr,
			      (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)),
			 0);
	return fd;
}

static void expect_datagram(int fd, const char *want)
{
	char buf[512];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	assert_true(n >= 0);
	buf[n] = '\0';
	assert_string_equal(buf, want);
}

static void send_and_receive(const char *name)
{
	struct lg_notify n;
	int fd = listen_at(name);

	setenv("NOTIFY_SOCKET", name, 1);
	assert_int_equal(lg_notify_open(&n), 0);
	assert_true(n.fd >= 0);
	/* Children must not inherit it. */
	assert_null(getenv("NOTIFY_SOCKET"));
	assert_int_equal(lg_notify_send(&n, "READY=1\nSTATUS=sources context; 0 events"), 0);
	assert_int_equal(lg_notify_send(&n, "WATCHDOG=1"), 0);
	expect_datagram(fd, "READY=1\nSTATUS=sources context; 0 events");
	expect_datagram(fd, "WATCHDOG=1");
	lg_notify_close(&n);
	lg_notify_close(&n);
	close(fd);
}

static void test_path_socket(void **state)
{
	(void)state;
	send_and_receive(tmpdir_path("notify"));
}

static void test_abstract_socket(void **state)
{
	char name[64];

	(void)state;
	snprintf(name, sizeof(name), "@lockgraph-test-notify-%d", (int)getpid());
	send_and_receive(name);
}

static void test_watchdog(void **state)
{
	struct lg_notify n;
	char pid[16];

	(void)state;
	unsetenv("NOTIFY_SOCKET");
	setenv("WATCHDOG_USEC", "30000000", 1);
	assert_int_equal(lg_notify_open(&n), 0);
	assert_int_equal((int64_t)n.watchdog_usec, 30000000);
	assert_null(getenv("WATCHDOG_USEC"));

	/* Meant for another process (WATCHDOG_PID): not ours to ping. */
	snprintf(pid, sizeof(pid), "%d", (int)getpid() + 1);
	setenv("WATCHDOG_USEC", "30000000", 1);
	setenv("WATCHDOG_PID", pid, 1);
	assert_int_equal(lg_notify_open(&n), 0);
	assert_int_equal((int64_t)n.watchdog_usec, 0);

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("WATCHDOG_USEC", "2000000", 1);
	setenv("WATCHDOG_PID", pid, 1);
	assert_int_equal(lg_notify_open(&n), 0);
	assert_int_equal((int64_t)n.watchdog_usec, 2000000);
}

static void test_outside_systemd(void **state)
{
	struct lg_notify n;

	(void)state;
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(lg_notify_open(&n), 0);
	assert_int_equal(n.fd, -1);
	assert_int_equal(lg_notify_send(&n, "READY=1"), 0);
	lg_notify_close(&n);
}

static void test_bad_names(void **state)
{
	static const char *const bad[] = {
		"relative/path",
		"/a/path/longer/than/sun_path/can/hold/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	};
	struct lg_notify n;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("NOTIFY_SOCKET", bad[i], 1);
		assert_int_equal(lg_notify_open(&n), -EINVAL);
		assert_int_equal(n.fd, -1);
		assert_int_equal(lg_notify_send(&n, "READY=1"), 0);
	}
}

/* Nobody listening: the error comes back, for the daemon to log once. */
static void test_no_listener(void **state)
{
	struct lg_notify n;

	(void)state;
	setenv("NOTIFY_SOCKET", tmpdir_path("nobody-here"), 1);
	assert_int_equal(lg_notify_open(&n), 0);
	assert_int_equal(lg_notify_send(&n, "READY=1"), -ENOENT);
	lg_notify_close(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_socket),
		cmocka_unit_test(test_abstract_socket),
		cmocka_unit_test(test_watchdog),
		cmocka_unit_test(test_outside_systemd),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_no_listener),
	};

	return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
