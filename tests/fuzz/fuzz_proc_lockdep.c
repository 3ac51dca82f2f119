/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target for the /proc/lockdep parser: any input must parse or
 * fail cleanly, without crashes, leaks or undefined behaviour.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "proc_lockdep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lg_proc_lockdep p;
	struct lg_parse_error err;
	size_t i;
	int ret;

	ret = lg_proc_lockdep_parse((const char *)data, size, &p, &err);
	if (ret != 0 && ret != -EBADMSG && ret != -EMEDIUMTYPE &&
	    ret != -ENODATA && ret != -ENOMEM)
		abort();
	if (ret != 0 && (p.nclasses || p.ndeps || p.classes || p.deps))
		abort();	/* on error, out is empty */
	if (ret == 0 && !p.nclasses)
		abort();
	for (i = 0; i < p.ndeps; i++)
		if (p.deps[i].from >= p.nclasses || p.deps[i].to >= p.nclasses)
			abort();
	for (i = 0; i < p.nclasses; i++)
		if (!p.classes[i].key || !p.classes[i].name ||
		    !p.classes[i].name[0])
			abort();
	lg_proc_lockdep_free(&p);
	return 0;
}
