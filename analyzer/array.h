/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Growing arrays, the one helper every module of lockgraph uses for them.
 */
#ifndef LOCKGRAPH_ANALYZER_ARRAY_H
#define LOCKGRAPH_ANALYZER_ARRAY_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/*
 * Make the array *@p of *@cap elements of @elsz bytes hold at least @need,
 * doubling its capacity (from 8); new elements are zeroed.  On -ENOMEM
 * *@p and *@cap are unchanged.
 */
static inline int lg_array_grow(void **p, size_t *cap, size_t need,
				size_t elsz)
{
	size_t ncap = *cap ? *cap : 8;
	void *np;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	np = realloc(*p, ncap * elsz);
	if (!np)
		return -ENOMEM;
	memset((char *)np + *cap * elsz, 0, (ncap - *cap) * elsz);
	*p = np;
	*cap = ncap;
	return 0;
}

#endif /* LOCKGRAPH_ANALYZER_ARRAY_H */
