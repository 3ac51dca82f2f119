/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Recording and replaying the event stream.  See record.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* Check the header at the start of @data (@size bytes) into *@hdr. */
static int check_header(const void *data, size_t size,
			struct lg_record_header *hdr, char *why, size_t whylen)
{
	if (size < sizeof(*hdr) || memcmp(data, LG_RECORD_MAGIC, 8)) {
		snprintf(why, whylen, "not a lockgraphd recording (bad header)");
		return -EBADMSG;
	}
	memcpy(hdr, data, sizeof(*hdr));
	if (hdr->version != LG_EVENT_VERSION ||
	    hdr->header_size != sizeof(*hdr)) {
		snprintf(why, whylen, "recording format version %u, this "
			 "lockgraphd reads %u", hdr->version, LG_EVENT_VERSION);
		return -EBADMSG;
	}
	hdr->boot_id[sizeof(hdr->boot_id) - 1] = '\0';
	hdr->release[sizeof(hdr->release) - 1] = '\0';
	hdr->hostname[sizeof(hdr->hostname) - 1] = '\0';
	return 0;
}

int lg_replay_header(const char *path, struct lg_record_header *hdr,
		     char *why, size_t whylen)
{
	char buf[sizeof(*hdr)];
	size_t got;
	FILE *f;

	f = fopen(path, "rbe");
	if (!f)
		return -errno;
	got = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	return check_header(buf, got, hdr, why, whylen);
}

/*
 * The whole recording in memory: mapped when it is a regular file (no
 * copy: the events are read where the page cache has them; lg_replay()
 * lets go of what it has read, so a long recording does not grow the
 * resident set), read otherwise (a pipe).  *@len gets its size; free with
 * unmap_file().
 */
static int map_file(int fd, void **data, size_t *len, bool *mapped)
{
	size_t cap = 0, n = 0;
	struct stat stb;
	char *buf = NULL;
	ssize_t got;

	*data = NULL;
	*len = 0;
	*mapped = false;
	if (fstat(fd, &stb))
		return -errno;
	if (S_ISREG(stb.st_mode) && stb.st_size > 0) {
		void *p = mmap(NULL, (size_t)stb.st_size, PROT_READ,
			       MAP_PRIVATE, fd, 0);

		if (p != MAP_FAILED) {
			madvise(p, (size_t)stb.st_size, MADV_SEQUENTIAL);
			*data = p;
			*len = (size_t)stb.st_size;
			*mapped = true;
			return 0;
		}
	}
	for (;;) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 1 << 20;
			char *nb = realloc(buf, ncap);

			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
			cap = ncap;
		}
		got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int err = -errno;

			free(buf);
			return err;
		}
		if (!got)
			break;
		n += (size_t)got;
	}
	*data = buf;
	*len = n;
	return 0;
}

static void unmap_file(void *data, size_t len, bool mapped)
{
	if (mapped)
		munmap(data, len);
	else
		free(data);
}

int lg_replay(const char *path, struct lg_record_header *hdr, lg_replay_fn fn,
	      void *ctx, char *why, size_t whylen)
{
	/* Events are read in place; one not 8-byte aligned is copied here. */
	_Alignas(8) unsigned char aligned[LG_RECORD_EVENT_MAX];
	const size_t release_every = 16 << 20;
	struct lg_event_header eh;
	size_t offset, len = 0, released = 0, populated = 0;
	const unsigned char *data;
	void *map = NULL;
	bool mapped = false;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = map_file(fd, &map, &len, &mapped);
	close(fd);
	if (err)
		return err;
	data = map;
	err = check_header(data, len, hdr, why, whylen);
	if (err)
		goto cleanup;
	for (offset = sizeof(*hdr); offset < len; offset += eh.size) {
		const void *event = data + offset;

		/*
		 * Map the next window of the file in one call instead of a
		 * page fault every 4 KiB (ignored where the kernel lacks it).
		 */
		if (mapped && offset + LG_RECORD_EVENT_MAX > populated &&
		    populated < len) {
			size_t n = len - populated < release_every ?
				   len - populated : release_every;

			madvise((char *)map + populated, n, MADV_POPULATE_READ);
			populated += n;
		}
		if (len - offset < sizeof(eh)) {
			snprintf(why, whylen, "truncated event header at byte "
				 "offset %zu", offset);
			err = -EBADMSG;
			break;
		}
		memcpy(&eh, event, sizeof(eh));
		if (eh.size < sizeof(eh) || eh.size > LG_RECORD_EVENT_MAX) {
			snprintf(why, whylen, "corrupt event size %u at byte "
				 "offset %zu", eh.size, offset);
			err = -EBADMSG;
			break;
		}
		if (eh.size > len - offset) {
			snprintf(why, whylen, "truncated event at byte offset %zu "
				 "(%zu of %u bytes)", offset, len - offset,
				 eh.size);
			err = -EBADMSG;
			break;
		}
		if ((uintptr_t)event % 8) {
			memcpy(aligned, event, eh.size);
			event = aligned;
		}
		err = fn(event, eh.size, offset, ctx);
		if (err)
			break;
		if (mapped && offset - released >= release_every) {
			madvise((char *)map + released, release_every,
				MADV_DONTNEED);
			released += release_every;
		}
	}
cleanup:
	unmap_file(map, len, mapped);
	return err;
}
