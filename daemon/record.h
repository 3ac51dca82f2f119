/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The --record / --replay file: a header naming the boot, then the probe
 * events exactly as the ring buffer delivered them (struct lg_event_header
 * first, hdr.size bytes each; see bpf/lockgraph.h).  Replaying a file runs
 * the same decoder as a live capture, so the whole pipeline runs without
 * privileges.
 */
#ifndef LOCKGRAPH_DAEMON_RECORD_H
#define LOCKGRAPH_DAEMON_RECORD_H

#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

#include "lockgraph.h"

#define LG_RECORD_MAGIC "LKGRREC\n"
#define LG_RECORD_EVENT_MAX 65536 /* bytes; larger is corruption */

struct lg_record_header {
	char magic[8];		/* LG_RECORD_MAGIC */
	__u32 version;		/* LG_EVENT_VERSION */
	__u32 header_size;	/* sizeof(struct lg_record_header) */
	char boot_id[40];	/* /proc/sys/kernel/random/boot_id */
	char release[64];	/* uname -r */
	char hostname[64];
};

/* Create @path and write @hdr (magic, version and size filled in here). */
int lg_record_create(const char *path, struct lg_record_header *hdr,
		     FILE **out);

/* Append one event of @size bytes.  Returns 0 or -errno. */
int lg_record_write(FILE *f, const void *event, size_t size);

/* Called for each event of a replayed file; non-zero stops the replay. */
typedef int (*lg_replay_fn)(const void *event, size_t size, size_t offset,
			    void *ctx);

/*
 * Read and check only the header of @path into *@hdr: -EBADMSG with @why
 * as lg_replay() says, or -errno.
 */
int lg_replay_header(const char *path, struct lg_record_header *hdr,
		     char *why, size_t whylen);

/*
 * Read @path (mapped when it is a regular file, else read whole into
 * memory): check the header (into *@hdr), then pass each event to @fn
 * with its byte offset.  A file that is not a recording, of another
 * version, or truncated or corrupt fails with -EBADMSG and @why saying
 * what and at which byte offset.  Returns 0, -EBADMSG, -errno, or what @fn
 * returned.
 */
int lg_replay(const char *path, struct lg_record_header *hdr, lg_replay_fn fn,
	      void *ctx, char *why, size_t whylen);

#endif /* LOCKGRAPH_DAEMON_RECORD_H */
