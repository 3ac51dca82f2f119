/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target for the lockdep report parser: any input must parse or
 * fail cleanly, without crashes, leaks or undefined behaviour.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "splat_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lg_splat_list list = { NULL, 0 };
	struct lg_parse_error err;
	size_t i, k;
	int ret;

	ret = lg_splat_parse((const char *)data, size, &list, &err);
	if (ret != 0 && ret != -EBADMSG && ret != -EMEDIUMTYPE &&
	    ret != -ENOMEM)
		abort();
	if (ret != 0 && list.n)
		abort();	/* on error, out stays as it was */
	if (ret == -EBADMSG &&
	    (!err.line || !err.msg[0] || strchr(err.msg, '\n')))
		abort();
	for (i = 0; i < list.n; i++) {
		const struct lg_splat *s = &list.v[i];

		if (!s->title || !s->text || s->first_line > s->last_line ||
		    !lg_splat_kind_name(s->kind))
			abort();
		if (s->kind != LG_SPLAT_CIRCULAR)
			continue;
		if (s->ndeps < 2 || !s->trying_class || !s->held_class ||
		    strcmp(s->deps[s->ndeps - 1].class_name,
			   s->trying_class) != 0 ||
		    strcmp(s->deps[0].class_name, s->held_class) != 0)
			abort();
		for (k = 0; k < s->ndeps; k++)
			if (!s->deps[k].nframes ||
			    s->deps[k].index != (int)(s->ndeps - 1 - k))
				abort();
		(void)lg_mode_from_frames(s->deps[0].frames,
					  s->deps[0].nframes);
	}
	lg_splat_list_free(&list);
	return 0;
}
