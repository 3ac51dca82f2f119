/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Text or binary: see text_input.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "text_input.h"

/* Length of the valid UTF-8 sequence at @s (@n bytes left), or 0. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t need, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		need = 2;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (s[0] == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if (n < need)
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < need; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return need;
}

static bool is_text_ascii(unsigned char c)
{
	return (c >= 0x20 && c < 0x7f) || c == '\t' || c == '\n' ||
	       c == '\r' || c == '\f' || c == '\v';
}

static int text_check(const char *buf, size_t len, bool nul_is_binary)
{
	const unsigned char *s = (const unsigned char *)buf;
	size_t i = 0, bad = 0, n;

	while (i < len) {
		if (s[i] == 0 && nul_is_binary)
			return -EMEDIUMTYPE;
		if (s[i] < 0x80) {
			if (!is_text_ascii(s[i]))
				bad++;
			i++;
			continue;
		}
		n = utf8_seq_len(s + i, len - i);
		if (n) {
			i += n;
		} else {
			bad++;
			i++;
		}
	}
	/* bad * 10 > len, without overflow */
	return bad > len / 10 ? -EMEDIUMTYPE : 0;
}

int lg_text_check(const char *buf, size_t len)
{
	return text_check(buf, len, true);
}

int lg_log_text_check(const char *buf, size_t len)
{
	return text_check(buf, len, false);
}

void lg_parse_error_set(struct lg_parse_error *err, unsigned int line,
			const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}
