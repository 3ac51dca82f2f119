/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target for the --replay decoder: arbitrary bytes as a
 * recording, read by lg_replay(); every event that validates goes through
 * lg_capture_event() into an in-memory store (rolled back afterwards), so
 * the decoder, the class naming and the recorder all see fuzzed events.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "capture.h"
#include "record.h"

static struct lg_store *store;

static int feed(const void *event, size_t size, size_t offset, void *ctx)
{
	char why[96];

	(void)offset;
	if (lg_event_validate(event, size, why, sizeof(why)))
		return -1;
	return lg_capture_event(ctx, event, size) == -EBADMSG ? -1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lg_capture_config cfg = { 0 };
	struct lg_record_header hdr;
	struct lg_capture *cap;
	char path[64], why[160], err[LG_STORE_ERR_MAX];
	int64_t host;
	FILE *f;

	if (!store) {
		if (lg_store_open(":memory:", LG_STORE_SCRATCH, &store, err))
			abort();
		if (lg_store_host(store, "fuzz", 1, &host) ||
		    lg_store_boot(store, host, "fuzz-boot", NULL, "lockgraphd",
				  NULL, 1, &cfg.boot))
			abort();
	}
	cfg.store = store;
	cfg.boot = 1;
	snprintf(path, sizeof(path), "/tmp/fuzz-replay.%d", (int)getpid());
	f = fopen(path, "wb");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	if (lg_capture_new(&cfg, &cap))
		abort();
	lg_replay(path, &hdr, feed, cap, why, sizeof(why));
	/* Freeing rolls the batch back: every input starts from empty. */
	lg_capture_free(cap);
	unlink(path);
	return 0;
}
