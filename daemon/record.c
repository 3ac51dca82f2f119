/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Recording and replaying the event stream.  See record.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

int lg_record_create(const char *path, struct lg_record_header *hdr,
		     FILE **out)
{
	FILE *f = fopen(path, "wbe");

	*out = NULL;
	if (!f)
		return -errno;
	memcpy(hdr->magic, LG_RECORD_MAGIC, sizeof(hdr->magic));
	hdr->version = LG_EVENT_VERSION;
	hdr->header_size = sizeof(*hdr);
	if (fwrite(hdr, sizeof(*hdr), 1, f) != 1) {
		int err = -errno;

		fclose(f);
		return err ? err : -EIO;
	}
	*out = f;
	return 0;
}

int lg_record_write(FILE *f, const void *event, size_t size)
{
	if (fwrite(event, size, 1, f) != 1)
		return errno ? -errno : -EIO;
	return 0;
}

int lg_replay(const char *path, struct lg_record_header *hdr, lg_replay_fn fn,
	      void *ctx, char *why, size_t whylen)
{
	struct lg_event_header eh;
	size_t offset = 0, got;
	char *buf = NULL;
	FILE *f;
	int err = 0;

	f = fopen(path, "rbe");
	if (!f)
		return -errno;
	got = fread(hdr, 1, sizeof(*hdr), f);
	if (got != sizeof(*hdr) || memcmp(hdr->magic, LG_RECORD_MAGIC, 8)) {
		snprintf(why, whylen, "not a lockgraphd recording (bad header)");
		err = -EBADMSG;
		goto cleanup;
	}
	if (hdr->version != LG_EVENT_VERSION ||
	    hdr->header_size != sizeof(*hdr)) {
		snprintf(why, whylen, "recording format version %u, this "
			 "lockgraphd reads %u", hdr->version, LG_EVENT_VERSION);
		err = -EBADMSG;
		goto cleanup;
	}
	hdr->boot_id[sizeof(hdr->boot_id) - 1] = '\0';
	hdr->release[sizeof(hdr->release) - 1] = '\0';
	hdr->hostname[sizeof(hdr->hostname) - 1] = '\0';
	offset = sizeof(*hdr);
	buf = malloc(LG_RECORD_EVENT_MAX);
	if (!buf) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (;;) {
		got = fread(&eh, 1, sizeof(eh), f);
		if (!got && feof(f))
			break;
		if (got != sizeof(eh)) {
			snprintf(why, whylen, "truncated event header at byte "
				 "offset %zu", offset);
			err = -EBADMSG;
			break;
		}
		if (eh.size < sizeof(eh) || eh.size > LG_RECORD_EVENT_MAX) {
			snprintf(why, whylen, "corrupt event size %u at byte "
				 "offset %zu", eh.size, offset);
			err = -EBADMSG;
			break;
		}
		memcpy(buf, &eh, sizeof(eh));
		got = fread(buf + sizeof(eh), 1, eh.size - sizeof(eh), f);
		if (got != eh.size - sizeof(eh)) {
			snprintf(why, whylen, "truncated event at byte offset %zu "
				 "(%zu of %u bytes)", offset, got + sizeof(eh),
				 eh.size);
			err = -EBADMSG;
			break;
		}
		err = fn(buf, eh.size, offset, ctx);
		if (err)
			break;
		offset += eh.size;
	}
	if (!err && ferror(f))
		err = -EIO;
cleanup:
	free(buf);
	fclose(f);
	return err;
}
