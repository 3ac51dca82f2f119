/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Parser for lockdep reports: see splat_parse.h.
 *
 * The input is split into lines, and each line loses the prefixes that
 * consoles, syslog, dmesg and mail put in front of printk output.  Report
 * titles ("WARNING: possible circular locking dependency detected", the
 * older "[ INFO: ... ]" and "[ BUG: ... ]" forms) start reports; a report
 * ends at the next report's start or at the end of its backtrace.  Circular
 * reports are decoded block by block, the way print_circular_bug() prints
 * them; the other kinds keep their title, task, kernel and text.
 *
 * With printk's caller tags ("[ T1234]") the lines of a report are those
 * with the title's tag (or none), so that lines other CPUs printed in the
 * middle of a report do not break it.
 *
 * Choices the header leaves open:
 * - kernel is print_kernel_ident()'s line as printed, taint included
 *   ("4.13.0-rc5-... #1743 Not tainted"); a line the mailer wrapped is
 *   joined with one blank.
 * - Frames and "at:" are normalised to "func+0x1/0x2", with " [module]"
 *   kept and " [inline]" for inlined frames; addresses, "file.c:123" and
 *   decoder annotations are dropped, and so are "? " frames, "(unreliable)"
 *   frames and the old "0xffffffffffffffff" end markers.
 * - A report's lines are the ones rsyslog ("#012"), mailers (wrapped lines,
 *   U+00A0 for blanks, "> " quoting) and consoles left; line numbers are
 *   always those of the input.
 * - A circular report must be complete up to the end of its "-> #0" block
 *   (and its "Chain exists of:" when printed); what follows (scenario,
 *   held locks, backtrace) is optional, since mails often trim it.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "splat_parse.h"
#include "text_input.h"

#define TAG_MAX 16

struct sp_line {
	char *text;		/* prefixes stripped, NUL-terminated */
	char *t;		/* text without leading blanks */
	unsigned int no;	/* 1-based input line */
	char tag[TAG_MAX];	/* printk caller tag ("T1234") or "" */
};

struct sp_ctx {
	struct sp_line *lines;
	size_t nlines;
	char *arena;
	struct lg_parse_error *err;
	const char *tag;	/* caller tag of the report being parsed */
	size_t limit;		/* last line index of that report */
	const struct lg_parse_progress *progress;	/* or NULL */
	size_t len;		/* input bytes */
};

/* Tell the caller how far we got: every 4096 lines, every 100 reports. */
static void report_progress(const struct sp_ctx *c, size_t line,
			    size_t found, size_t decoded)
{
	if (!c->progress || !c->progress->fn)
		return;
	if (decoded ? decoded % 100 : line % 4096)
		return;
	c->progress->fn(c->progress->ctx,
			decoded ? c->len : (size_t)(c->lines[line].text - c->arena),
			c->len, found, decoded);
}

/* A "(class){usage}, at: where" lock as lockdep prints it. */
struct sp_lock {
	const char *cls;
	size_t clen;
	const char *usage;	/* "{+.+.}" or "{++++}-{3:3}" or NULL */
	size_t ulen;
	const char *rest;	/* text after the usage */
	const char *at;		/* text after ", at: " or NULL */
};

/* Frames: what a line is when read as a stack frame. */
enum sp_frame_kind {
	SP_NOT_FRAME,
	SP_FRAME_DROP,		/* "? func+...", "(unreliable)", end marker */
	SP_FRAME,
};

/* How much to trust a bare symbol with nothing else on its line. */
enum sp_bare {
	SP_BARE_NO,
	SP_BARE_GUESS,		/* when it looks like a kernel symbol */
	SP_BARE_YES,
};

/* ---------------------------------------------------------------------
 * Small string helpers (no locale, no signed-char surprises).
 */

static bool is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool is_alpha(char c)
{
	return is_upper(c) || is_lower(c);
}

static bool is_sym_char(char c)
{
	return is_alpha(c) || lg_is_digit(c) || c == '_' || c == '.' ||
	       c == '$';
}

static const char *skip_blanks(const char *s)
{
	while (lg_is_blank(*s))
		s++;
	return s;
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

/* Copy of @s without leading and trailing blanks. */
static char *dup_trimmed(const char *s, size_t n)
{
	while (n && lg_is_blank(*s)) {
		s++;
		n--;
	}
	while (n && lg_is_blank(s[n - 1]))
		n--;
	return lg_dup_range(s, n);
}

/* A line of at least @min copies of @c and nothing else. */
static bool is_rule(const char *t, char c, size_t min)
{
	size_t n = 0;

	while (t[n] == c)
		n++;
	return n >= min && t[n] == '\0';
}

/* A hex word alone on its line: an address whose lock a mailer wrapped. */
static bool is_hex_word(const char *t)
{
	size_t n = 0;

	while (lg_is_xdigit(t[n]))
		n++;
	return n >= 8 && n <= 16 && t[n] == '\0';
}

/* Parse a non-negative decimal int at @s; returns chars used or 0. */
static size_t parse_uint(const char *s, int *v)
{
	long long x = 0;
	size_t n = 0;

	while (lg_is_digit(s[n])) {
		x = x * 10 + (s[n] - '0');
		if (x > INT_MAX)
			return 0;
		n++;
	}
	if (n)
		*v = (int)x;
	return n;
}

/* Say where and why parsing failed (see lg_parse_error_set()). */
#define set_error(c, line, ...) lg_parse_error_set((c)->err, (line), __VA_ARGS__)

/* ---------------------------------------------------------------------
 * Prefixes.
 */

/* "[  123.456789]" (seconds.fraction); returns length or 0. */
static size_t match_timestamp(const char *s)
{
	size_t i = 1, d;

	if (s[0] != '[')
		return 0;
	while (s[i] == ' ')
		i++;
	for (d = 0; lg_is_digit(s[i]); i++, d++)
		;
	if (!d || s[i] != '.')
		return 0;
	for (i++, d = 0; lg_is_digit(s[i]); i++, d++)
		;
	if (!d || s[i] != ']')
		return 0;
	return i + 1;
}

/* "[ T1234]", "[T14782]", "[  C0]"; returns length or 0, sets @tag. */
static size_t match_caller(const char *s, char *tag)
{
	size_t i = 1, d, start;

	if (s[0] != '[')
		return 0;
	while (s[i] == ' ')
		i++;
	if (s[i] != 'T' && s[i] != 'C')
		return 0;
	start = i++;
	for (d = 0; lg_is_digit(s[i]); i++, d++)
		;
	if (!d || s[i] != ']' || i - start >= TAG_MAX)
		return 0;
	memcpy(tag, s + start, i - start);
	tag[i - start] = '\0';
	return i + 1;
}

/* dmesg -T: "[Tue Nov 21 19:25:29 2023]"; returns length or 0. */
static size_t match_human_time(const char *s)
{
	size_t i;
	int colons = 0;

	if (s[0] != '[' || !is_upper(s[1]) || !is_lower(s[2]) ||
	    !is_lower(s[3]) || s[4] != ' ')
		return 0;
	for (i = 5; s[i] && s[i] != ']' && i < 40; i++) {
		if (s[i] == ':')
			colons++;
		else if (!lg_is_digit(s[i]) && !is_alpha(s[i]) && s[i] != ' ')
			return 0;
	}
	return s[i] == ']' && colons == 2 ? i + 1 : 0;
}

/* "<4>"; returns length or 0. */
static size_t match_level(const char *s)
{
	size_t i = 1;

	if (s[0] != '<' || !lg_is_digit(s[1]))
		return 0;
	while (lg_is_digit(s[i]) && i < 4)
		i++;
	return s[i] == '>' ? i + 1 : 0;
}

/* /dev/kmsg records: "4,1234,5678,-;text"; returns length or 0. */
static size_t match_kmsg(const char *s)
{
	size_t i = 0;
	int field;

	for (field = 0; field < 3; field++) {
		if (!lg_is_digit(s[i]))
			return 0;
		while (lg_is_digit(s[i]))
			i++;
		if (s[i] != ',')
			return 0;
		i++;
	}
	while (s[i] && s[i] != ';' && s[i] != ' ' && i < 40)
		i++;
	return s[i] == ';' ? i + 1 : 0;
}

/* dmesg -x: "kern  :warn  : "; returns length or 0. */
static size_t match_dmesg_x(const char *s)
{
	static const char *const fac[] = {
		"kern", "user", "mail", "daemon", "auth", "syslog", "lpr",
		"news", "uucp", "cron", "authpriv", "ftp", "local0", "local1",
		"local2", "local3", "local4", "local5", "local6", "local7",
	};
	static const char *const lvl[] = {
		"emerg", "alert", "crit", "err", "warn", "notice", "info",
		"debug",
	};
	size_t i, k, n;

	for (k = 0; k < sizeof(fac) / sizeof(fac[0]); k++)
		if (starts_with(s, fac[k]))
			break;
	if (k == sizeof(fac) / sizeof(fac[0]))
		return 0;
	i = strlen(fac[k]);
	while (s[i] == ' ')
		i++;
	if (s[i++] != ':')
		return 0;
	for (k = 0; k < sizeof(lvl) / sizeof(lvl[0]); k++)
		if (starts_with(s + i, lvl[k]))
			break;
	if (k == sizeof(lvl) / sizeof(lvl[0]))
		return 0;
	i += strlen(lvl[k]);
	while (s[i] == ' ')
		i++;
	if (s[i] != ':')
		return 0;
	n = i + 1;
	return s[n] == ' ' ? n + 1 : n;
}

/* "hh:mm:ss" with optional ".frac"; returns length or 0. */
static size_t match_clock(const char *s)
{
	size_t i = 0;

	if (!lg_is_digit(s[0]) || !lg_is_digit(s[1]) || s[2] != ':' ||
	    !lg_is_digit(s[3]) || !lg_is_digit(s[4]) || s[5] != ':' ||
	    !lg_is_digit(s[6]) || !lg_is_digit(s[7]))
		return 0;
	i = 8;
	if (s[i] == '.' || s[i] == ',')
		for (i++; lg_is_digit(s[i]); i++)
			;
	return i;
}

/* "[host ]kernel: " at @s; returns length or 0. */
static size_t match_host_kernel(const char *s)
{
	size_t i = 0;

	if (!starts_with(s, "kernel:")) {
		while (s[i] && s[i] != ' ' && i < 64)
			i++;
		if (!i || s[i] != ' ')
			return 0;
		i++;
		if (!starts_with(s + i, "kernel:"))
			return 0;
	}
	i += strlen("kernel:");
	return s[i] == ' ' ? i + 1 : i;
}

/*
 * syslog and journal prefixes: "Nov 21 19:25:29 host kernel: ",
 * "2023-11-21T19:25:29.123456+00:00 host kernel: " (short-iso), "Tue
 * 2023-11-21 19:25:29 CET host kernel: " (short-full), "1700594729.123456
 * host kernel: " (short-unix).  With @after_stamp, a bare "host kernel: "
 * (journalctl -o short-monotonic) counts too.
 */
static size_t match_syslog(const char *s, bool after_stamp)
{
	size_t i = 0, n;
	bool full = false;

	/* short-full: a weekday before the ISO date */
	if (is_upper(s[0]) && is_lower(s[1]) && is_lower(s[2]) &&
	    s[3] == ' ' && lg_is_digit(s[4]) && lg_is_digit(s[5]) &&
	    lg_is_digit(s[6]) && lg_is_digit(s[7]) && s[8] == '-') {
		s += 4;
		i = 4;
		full = true;
	}
	if (!full && lg_is_digit(s[0])) {
		/* short-unix: seconds since the epoch, then host */
		for (n = 0; lg_is_digit(s[n]); n++)
			;
		if (n >= 9 && s[n] == '.' && lg_is_digit(s[n + 1])) {
			for (n++; lg_is_digit(s[n]); n++)
				;
			if (s[n] == ' ') {
				size_t k = match_host_kernel(s + n + 1);

				if (k)
					return n + 1 + k;
			}
		}
	}
	if (full) {
		size_t k = 0, tz;

		/* "YYYY-MM-DD hh:mm:ss TZ host kernel: " */
		if (!(s[4] == '-' && lg_is_digit(s[5]) && lg_is_digit(s[6]) &&
		      s[7] == '-' && lg_is_digit(s[8]) && lg_is_digit(s[9]) &&
		      s[10] == ' '))
			return 0;
		n = match_clock(s + 11);
		if (!n || s[11 + n] != ' ')
			return 0;
		k = 11 + n + 1;
		for (tz = 0; s[k + tz] && s[k + tz] != ' ' && tz < 8; tz++)
			;
		if (s[k + tz] != ' ')
			return 0;
		n = match_host_kernel(s + k + tz + 1);
		return n ? i + k + tz + 1 + n : 0;
	}
	if (is_upper(s[0]) && is_lower(s[1]) && is_lower(s[2]) &&
	    s[3] == ' ') {
		i = 4;
		while (s[i] == ' ')
			i++;
		if (!lg_is_digit(s[i]))
			return 0;
		while (lg_is_digit(s[i]))
			i++;
		if (s[i++] != ' ')
			return 0;
		n = match_clock(s + i);
		if (!n)
			return 0;
		i += n;
	} else if (lg_is_digit(s[0]) && lg_is_digit(s[1]) &&
		   lg_is_digit(s[2]) && lg_is_digit(s[3]) && s[4] == '-' &&
		   lg_is_digit(s[5]) && lg_is_digit(s[6]) && s[7] == '-' &&
		   lg_is_digit(s[8]) && lg_is_digit(s[9]) &&
		   (s[10] == 'T' || s[10] == ' ')) {
		i = 11;
		n = match_clock(s + i);
		if (!n)
			return 0;
		i += n;
		while (s[i] && s[i] != ' ' && i < 40)
			i++;	/* time zone */
	} else if (after_stamp) {
		return match_host_kernel(s);
	} else {
		return 0;
	}
	if (s[i] != ' ')
		return 0;
	n = match_host_kernel(s + i + 1);
	return n ? i + 1 + n : 0;
}

/*
 * Strip every known prefix from the line @s, in any order and any number.
 * Records the printk caller tag in @tag.  Returns the start of the text.
 */
static char *strip_prefixes(char *s, char *tag)
{
	bool stamp = false;

	tag[0] = '\0';
	for (;;) {
		char *q = (char *)skip_blanks(s);
		size_t n;

		if (*q == '>') {
			s = q + 1;
			if (*s == ' ')
				s++;
			continue;
		}
		n = match_timestamp(q);
		if (!n)
			n = match_human_time(q);
		if (n) {
			s = q + n;
			n = match_caller(s, tag);
			if (n)
				s += n;
			if (*s == ' ')
				s++;
			stamp = true;
			continue;
		}
		n = match_caller(q, tag);
		if (n) {
			s = q + n;
			if (*s == ' ')
				s++;
			continue;
		}
		n = match_level(q);
		if (!n)
			n = match_kmsg(q);
		if (!n)
			n = match_dmesg_x(q);
		if (!n)
			n = match_syslog(q, stamp);
		if (n) {
			s = q + n;
			stamp = false;
			continue;
		}
		return s;
	}
}

/* ---------------------------------------------------------------------
 * Lines.
 */

/*
 * Clean the line of @n bytes at @p in place and NUL-terminate it: each
 * U+00A0 no-break space becomes ' '; NUL bytes (serial noise) and terminal
 * escape sequences (ESC [ ... final byte, as colouring consoles and syzkaller
 * logs have them, or ESC and one byte) go.
 */
static void clean_line(char *p, size_t n)
{
	char *w = p, *end = p + n;

	while (p < end) {
		unsigned char c0 = (unsigned char)p[0];

		if (c0 == 0xc2 && p + 1 < end && (unsigned char)p[1] == 0xa0) {
			*w++ = ' ';
			p += 2;
		} else if (c0 == 0x1b && p + 1 < end && p[1] == '[') {
			for (p += 2; p < end && ((unsigned char)*p < 0x40 ||
						 (unsigned char)*p > 0x7e); p++)
				;
			if (p < end)
				p++;	/* the final byte */
		} else if (c0 == 0x1b) {
			p += p + 1 < end ? 2 : 1;
		} else if (c0 == 0) {
			p++;
		} else {
			*w++ = *p++;
		}
	}
	*w = '\0';
}

static void trim_end(char *p)
{
	size_t n = strlen(p);

	while (n && (p[n - 1] == '\r' || lg_is_blank(p[n - 1])))
		p[--n] = '\0';
}

/*
 * A console line where a kernel message follows other output without a
 * newline ("syzkaller login: [   16.305150] INFO: trying to ..."): the text
 * from its timestamp on, when that is a report's title or rule; else
 * @text.
 */
static bool title_start(const char *t);

static char *after_glued_output(char *text, char *tag)
{
	char *q = text;

	if (*text == '[' || title_start(text))
		return text;
	for (; (q = strchr(q, '[')) != NULL; q++) {
		char *r;

		if (!match_timestamp(q))
			continue;
		r = strip_prefixes(q, tag);
		if (title_start(r) || starts_with(r, "====="))
			return r;
		tag[0] = '\0';
	}
	return text;
}

/*
 * Split the input into lines and strip their prefixes.  rsyslog writes
 * the newlines inside one printk record as "#012": such a line becomes
 * several logical lines with the same input line number.
 */
static int split_lines(struct sp_ctx *c, const char *buf, size_t len)
{
	size_t n = 0, cap = 1, lineno = 0;
	char *p, *end;
	int ret = -ENOMEM;

	c->arena = malloc(len + 1);
	if (!c->arena)
		goto out;
	if (len)
		memcpy(c->arena, buf, len);
	c->arena[len] = '\0';

	/*
	 * Clean each line first (its newline stays where it was), then count
	 * the logical lines: a cleaning may join "#0", an escape and "12".
	 */
	end = c->arena + len;
	for (p = c->arena; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));

		clean_line(p, nl ? (size_t)(nl - p) : (size_t)(end - p));
		for (char *q = p; (q = strstr(q, "#012")) != NULL; q += 4)
			cap++;
		if (!nl)
			break;
		*nl = '\n';	/* clean_line() ended the line there */
		cap++;
		p = nl + 1;
	}
	c->lines = calloc(cap, sizeof(*c->lines));
	if (!c->lines)
		goto out;

	p = c->arena;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char tag[TAG_MAX];
		char *text, *q;

		if (nl)
			*nl = '\0';
		lineno++;
		trim_end(p);
		text = strip_prefixes(p, tag);
		text = after_glued_output(text, tag);
		for (;;) {
			struct sp_line *l = &c->lines[n++];

			q = strstr(text, "#012");
			if (q)
				*q = '\0';
			trim_end(text);
			l->no = (unsigned int)lineno;
			memcpy(l->tag, tag, sizeof(tag));
			l->text = text;
			l->t = (char *)skip_blanks(text);
			if (!q)
				break;
			text = q + 4;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	c->nlines = n;
	ret = 0;
out:
	return ret;
}

/* Does line @i belong to the report being parsed (caller tags)? */
static bool line_ok(const struct sp_ctx *c, size_t i)
{
	const char *tag = c->lines[i].tag;

	return !c->tag[0] || !tag[0] || strcmp(tag, c->tag) == 0;
}

/* The next line index >= @i of the report, or c->limit + 1. */
static size_t next_line(const struct sp_ctx *c, size_t i)
{
	while (i <= c->limit && !line_ok(c, i))
		i++;
	return i;
}

/* The next non-blank line index >= @i of the report, or c->limit + 1. */
static size_t next_nonblank(const struct sp_ctx *c, size_t i)
{
	for (i = next_line(c, i); i <= c->limit; i = next_line(c, i + 1))
		if (c->lines[i].t[0])
			break;
	return i;
}

/* Input line number for an error at index @i (which may be past the end). */
static unsigned int err_line(const struct sp_ctx *c, size_t i)
{
	if (i > c->limit)
		i = c->limit;
	return c->lines[i].no;
}

/* ---------------------------------------------------------------------
 * Titles.
 */

struct sp_title {
	const char *phrase;
	enum lg_splat_kind kind;
};

static const struct sp_title titles[] = {
	{ "possible circular locking dependency detected", LG_SPLAT_CIRCULAR },
	{ "possible recursive locking detected", LG_SPLAT_RECURSIVE },
	{ "inconsistent lock state", LG_SPLAT_INCONSISTENT },
	{ "possible irq lock inversion dependency detected",
	  LG_SPLAT_IRQ_INVERSION },
	{ "bad unlock balance detected!", LG_SPLAT_BAD_UNLOCK },
	{ "bad contention detected!", LG_SPLAT_BAD_CONTENTION },
	{ "held lock freed!", LG_SPLAT_HELD_FREED },
	{ "lock held when returning to user space!",
	  LG_SPLAT_HELD_RETURNING },
	{ "lock held at task exit time!", LG_SPLAT_HELD_EXIT },
	{ "suspicious RCU usage", LG_SPLAT_SUSPICIOUS_RCU },
	{ "suspicious RCU usage.", LG_SPLAT_SUSPICIOUS_RCU },
	{ "suspicious rcu_dereference_check() usage.",
	  LG_SPLAT_SUSPICIOUS_RCU },
	{ "suspicious rcu_dereference_check() usage",
	  LG_SPLAT_SUSPICIOUS_RCU },
	{ "Invalid wait context", LG_SPLAT_WRONG_CONTEXT },
	{ "Nested lock was not taken", LG_SPLAT_NESTING },
	{ "trying to register non-static key.", LG_SPLAT_NON_STATIC_KEY },
	{ "trying to register non-static key", LG_SPLAT_NON_STATIC_KEY },
};

/*
 * Is the (trimmed) line @t a lockdep report title?  Accepts
 * "WARNING: <phrase>", "BUG: <phrase>", "INFO: <phrase>" and the same in
 * "[ ... ]".
 */
static bool match_title(const char *t, enum lg_splat_kind *kind)
{
	char body[160];
	size_t n = strlen(t), k;

	if (t[0] == '[') {
		if (n < 4 || t[1] != ' ' || t[n - 1] != ']' || t[n - 2] != ' ')
			return false;
		t += 2;
		n -= 4;
	}
	if (n >= sizeof(body))
		return false;
	memcpy(body, t, n);
	body[n] = '\0';

	if (starts_with(body, "WARNING: "))
		t = body + 9;
	else if (starts_with(body, "BUG: "))
		t = body + 5;
	else if (starts_with(body, "INFO: "))
		t = body + 6;
	else
		return false;

	for (k = 0; k < sizeof(titles) / sizeof(titles[0]); k++) {
		if (strcmp(t, titles[k].phrase) == 0) {
			*kind = titles[k].kind;
			return true;
		}
	}
	if (strstr(t, "-safe -> ") &&
	    ends_with(t, "-unsafe lock order detected")) {
		*kind = LG_SPLAT_IRQ_SAFE_UNSAFE;
		return true;
	}
	if (ends_with(t, " still has locks held!") && strchr(t, '/')) {
		*kind = LG_SPLAT_HELD_EXIT;
		return true;
	}
	/*
	 * A table full: lockdep turns itself off, so the graph of that boot
	 * stops there ("BUG: MAX_LOCKDEP_ENTRIES too low!",
	 * "BUG: MAX_STACK_TRACE_ENTRIES too low!", ...).
	 */
	if (starts_with(t, "MAX_") && ends_with(t, " too low!")) {
		*kind = LG_SPLAT_LIMIT;
		return true;
	}
	return false;
}

/* Does @t look like the first half of a title a mailer wrapped? */
static bool title_start(const char *t)
{
	return starts_with(t, "[ INFO: ") || starts_with(t, "[ BUG: ") ||
	       starts_with(t, "WARNING: ") || starts_with(t, "BUG: ") ||
	       starts_with(t, "INFO: ");
}

/*
 * Is the line at index @i a title, alone or wrapped onto line @i + 1?
 * Sets *@kind, the title text in @buf (@size bytes) and *@last, the index
 * of the title's last line.
 */
static bool find_title(const struct sp_ctx *c, size_t i,
		       enum lg_splat_kind *kind, char *buf, size_t size,
		       size_t *last)
{
	const char *t = c->lines[i].t, *u;
	size_t n = strlen(t), m;

	if (match_title(t, kind)) {
		snprintf(buf, size, "%s", t);
		*last = i;
		return true;
	}
	if (i + 1 >= c->nlines || !title_start(t))
		return false;
	u = c->lines[i + 1].t;
	m = strlen(u);
	if (!m || n + 1 + m >= size)
		return false;
	memcpy(buf, t, n);
	buf[n] = ' ';
	memcpy(buf + n + 1, u, m + 1);
	if (!match_title(buf, kind))
		return false;
	*last = i + 1;
	return true;
}

/* ---------------------------------------------------------------------
 * Frames and locks.
 */

/* "0x" followed by hex digits at @s; returns length or 0. */
static size_t match_hex0x(const char *s)
{
	size_t i = 2;

	if (s[0] != '0' || s[1] != 'x' || !lg_is_xdigit(s[2]))
		return 0;
	while (lg_is_xdigit(s[i]))
		i++;
	return i;
}

/* "[<     inline     >]": how 4.x kernels printed an inlined frame. */
static size_t match_inline_bracket(const char *s)
{
	size_t i = 2;

	if (s[0] != '[' || s[1] != '<')
		return 0;
	while (s[i] == ' ')
		i++;
	if (!starts_with(s + i, "inline"))
		return 0;
	i += 6;
	while (s[i] == ' ')
		i++;
	return s[i] == '>' && s[i + 1] == ']' ? i + 2 : 0;
}

/*
 * "[<ffffffff810ebd80>]", "[c000000000e5f9e0]" or "[<     inline     >]";
 * returns length or 0.
 */
static size_t match_addr_bracket(const char *s)
{
	size_t i = 1, d = 0;

	if (match_inline_bracket(s))
		return match_inline_bracket(s);
	if (s[0] != '[')
		return 0;
	if (s[1] == '<')
		i++;
	while (lg_is_xdigit(s[i])) {
		i++;
		d++;
	}
	if (d < 4)
		return 0;
	if (s[1] == '<') {
		if (s[i] != '>')
			return 0;
		i++;
	}
	return s[i] == ']' ? i + 1 : 0;
}

/* "mm/memory.c:123" (a file:line token); returns length or 0. */
static size_t match_file_line(const char *s)
{
	size_t i = 0;
	bool dot = false;

	while (s[i] && s[i] != ':' && s[i] != ' ' && s[i] != '(' &&
	       s[i] != ')' && s[i] != '[') {
		if (s[i] == '.')
			dot = true;
		i++;
	}
	if (!i || !dot || s[i] != ':')
		return 0;
	i++;
	if (s[i] == '-')
		i++;		/* "fs/ext4/ext4_jbd2.h:-1" */
	if (!lg_is_digit(s[i]))
		return 0;
	while (lg_is_digit(s[i]))
		i++;
	return i;
}

/* A bare symbol that probably is a kernel function, not a word of prose. */
static bool looks_like_symbol(const char *s, size_t n)
{
	size_t i;
	bool lower = true, word = false;

	for (i = 0; i < n; i++)
		word |= is_alpha(s[i]) || s[i] == '_';
	if (!word)
		return false;	/* "...", a mail's elided frames */
	for (i = 0; i < n; i++) {
		if (s[i] == '_' || s[i] == '.' || lg_is_digit(s[i]))
			return true;
		if (!is_lower(s[i]))
			lower = false;
	}
	return lower && n > 1;
}

/*
 * The tail of a frame or lock line that a mailer wrapped onto a line of its
 * own: "arch/x86/mm/fault.c:1407 [inline]", "[inline]".
 */
static bool is_fragment(const char *t)
{
	size_t n = match_file_line(t);
	bool inl = false;

	if (n) {
		t = skip_blanks(t + n);
		if (starts_with(t, "(discriminator ")) {
			t = strchr(t, ')');
			if (!t)
				return false;
			t = skip_blanks(t + 1);
		}
	}
	if (starts_with(t, "[inline]")) {
		t = skip_blanks(t + 8);
		inl = true;
	} else if (!n && t[0] == '[') {
		/* a module name: "[cifs]" */
		size_t m = 1;

		while (is_sym_char(t[m]) || t[m] == '-')
			m++;
		if (m > 1 && t[m] == ']' && t[m + 1] == '\0')
			return true;
	}
	return (n || inl) && *t == '\0';
}

/* A line holding only "[<ffffffff8111b339>]" (its symbol wrapped away). */
static bool is_addr_only(const char *t)
{
	size_t n, k = 0;

	while ((n = match_addr_bracket(t)) != 0) {
		t = skip_blanks(t + n);
		k++;
	}
	return k && !*t;
}

/*
 * Read the (trimmed) line @t as a stack frame.  On SP_FRAME, *@out gets a
 * new string "func+0x1/0x2", "func+0x1/0x2 [module]" or "func [inline]"
 * (addresses, file:line and decoder annotations removed).  Returns
 * SP_NOT_FRAME, SP_FRAME_DROP, SP_FRAME, or -ENOMEM.
 */
static int parse_frame(const char *t, enum sp_bare bare, char **out)
{
	const char *p = t, *sym, *mod = NULL;
	size_t symlen, offlen = 0, modlen = 0, n;
	bool strong = false, unreliable = false, inl = false, arm = false;
	char *s;

	*out = NULL;
	while ((n = match_addr_bracket(p)) != 0) {
		if (match_inline_bracket(p))
			inl = true;
		p = skip_blanks(p + n);
		strong = true;
	}
	if (strong && !*p)
		return SP_FRAME_DROP;	/* the symbol was wrapped away */
	if (p[0] == '?' && p[1] == ' ') {
		unreliable = true;
		p = skip_blanks(p + 2);
	}
	/* ARM: "(func+0x1/0x2) from [<c0013e4c>] (caller+0x3/0x4)" */
	if (p[0] == '(' && strstr(p, ") from [<")) {
		arm = true;
		p++;
	}
	sym = p;
	n = match_hex0x(p);
	if (n) {
		p += n;
	} else {
		if (!is_alpha(*p) && *p != '_' && *p != '.' && *p != '$')
			return SP_NOT_FRAME;
		while (is_sym_char(*p))
			p++;
	}
	symlen = (size_t)(p - sym);
	if (*p == '+') {
		const char *o = p + 1;

		n = match_hex0x(o);
		if (!n)
			return SP_NOT_FRAME;
		o += n;
		if (*o == '/') {
			n = match_hex0x(o + 1);
			if (!n)
				return SP_NOT_FRAME;
			o += 1 + n;
		}
		offlen = (size_t)(o - p);
		p = o;
		strong = true;
	}
	if (arm) {
		if (*p != ')')
			return SP_NOT_FRAME;
		p = "";		/* the rest is the caller: ignore it */
	}
	p = skip_blanks(p);
	if (*p == '[' && !starts_with(p, "[inline]")) {
		const char *e = strchr(p, ']');

		if (!e || e == p + 1)
			return SP_NOT_FRAME;
		mod = p;
		modlen = (size_t)(e - p + 1);
		p = skip_blanks(e + 1);
		strong = true;
	}
	n = match_file_line(p);
	if (n) {
		p = skip_blanks(p + n);
		strong = true;
		if (starts_with(p, "(discriminator ")) {
			const char *e = strchr(p, ')');

			if (!e)
				return SP_NOT_FRAME;
			p = skip_blanks(e + 1);
		}
	} else if (*p == '(' && match_file_line(p + 1)) {
		/* decode_stacktrace.sh: "func (mm/memory.c:123)" */
		int depth = 0;

		for (; *p; p++) {
			if (*p == '(')
				depth++;
			else if (*p == ')' && --depth == 0)
				break;
		}
		if (*p != ')')
			return SP_NOT_FRAME;
		p = skip_blanks(p + 1);
		strong = true;
	}
	if (starts_with(p, "[inline]")) {
		p = skip_blanks(p + 8);
		inl = true;
		strong = true;
	}
	if (starts_with(p, "(unreliable)")) {
		p = skip_blanks(p + 12);
		unreliable = true;
	}
	if (*p)
		return SP_NOT_FRAME;
	if (!strong) {
		if (bare == SP_BARE_NO)
			return SP_NOT_FRAME;
		if (bare == SP_BARE_GUESS && !looks_like_symbol(sym, symlen))
			return SP_NOT_FRAME;
	}
	if (unreliable)
		return SP_FRAME_DROP;
	/* the old x86_64 end-of-stack marker: [<ffffffffffffffff>] 0xff...ff */
	if (match_hex0x(sym) == symlen && !offlen) {
		size_t i;

		for (i = 2; i < symlen && (sym[i] == 'f' || sym[i] == 'F'); i++)
			;
		if (i == symlen)
			return SP_FRAME_DROP;
	}

	n = symlen + offlen + (mod ? modlen + 1 : 0) + (inl ? 9 : 0);
	s = malloc(n + 1);
	if (!s)
		return -ENOMEM;
	memcpy(s, sym, symlen + offlen);
	n = symlen + offlen;
	if (mod) {
		s[n++] = ' ';
		memcpy(s + n, mod, modlen);
		n += modlen;
	}
	if (inl) {
		memcpy(s + n, " [inline]", 9);
		n += 9;
	}
	s[n] = '\0';
	*out = s;
	return SP_FRAME;
}

/* Is @t a frame line (without keeping it)? */
static bool is_frame(const char *t, enum sp_bare bare)
{
	char *f;
	int r = parse_frame(t, bare, &f);

	free(f);
	return r == SP_FRAME || r == SP_FRAME_DROP;
}

/*
 * Parse "(class){usage}" at @p: the class is the balanced parenthesised
 * group, the usage "{...}" with an optional "-{n:m}" wait-type suffix.
 */
static bool parse_class_usage(const char *p, struct sp_lock *l)
{
	const char *q;
	int depth = 0;

	if (*p != '(')
		return false;
	for (q = p; *q; q++) {
		if (*q == '(') {
			depth++;
		} else if (*q == ')' && --depth == 0) {
			break;
		}
	}
	if (*q != ')' || q[1] != '{') {
		/* unbalanced name: fall back to the last "){" */
		const char *r = NULL, *s = p;

		while ((s = strstr(s, "){")) != NULL)
			r = s++;
		if (!r)
			return false;
		q = r;
	}
	l->cls = p + 1;
	l->clen = (size_t)(q - p - 1);
	if (!l->clen)
		return false;
	q++;
	l->usage = q;
	q = strchr(q, '}');
	if (!q)
		return false;
	q++;
	if (q[0] == '-' && q[1] == '{') {
		const char *e = strchr(q, '}');

		if (e)
			q = e + 1;
	}
	l->ulen = (size_t)(q - l->usage);
	l->rest = q;
	l->at = NULL;
	if (starts_with(q, ", at: "))
		l->at = skip_blanks(q + 6);
	else if (starts_with(q, ", at:"))
		l->at = skip_blanks(q + 5);
	return true;
}

/*
 * A lock line: "[#N: ][address ](class){usage}[, at: where]", as printed
 * by print_lock() (held locks with their "#N:" index).
 */
static bool parse_lock_line(const char *t, struct sp_lock *l)
{
	const char *p = t;
	size_t n = 0;

	if (*p == '#') {
		int idx;

		n = parse_uint(p + 1, &idx);
		if (!n || p[n + 1] != ':')
			return false;
		p = skip_blanks(p + n + 2);
	}
	for (n = 0; lg_is_xdigit(p[n]); n++)
		;
	if (n >= 8 && p[n] == ' ')
		p += n + 1;
	else if (n >= 8 && p[n] == '(')
		p += n;		/* "...}-{3:3}0" style glue */
	/* %p before its first random key (early boot, 4.15 to 5.x) */
	else if (starts_with(p, "(____ptrval____) "))
		p += 17;
	else if (starts_with(p, "(ptrval) "))
		p += 9;
	p = skip_blanks(p);
	return parse_class_usage(p, l);
}

/* ---------------------------------------------------------------------
 * Tasks.
 */

/*
 * "comm/pid" ending at @end (exclusive) of a string starting at @start:
 * the comm may hold blanks and slashes, the pid is the digits after the
 * last slash.
 */
static int take_task(const char *start, const char *end, char **task,
		     int *pid)
{
	const char *s = end;
	int v;

	while (s > start && lg_is_digit(s[-1]))
		s--;
	if (s == end || s - start < 2 || s[-1] != '/')
		return -EINVAL;
	if (parse_uint(s, &v) != (size_t)(end - s))
		return -EINVAL;
	*task = dup_trimmed(start, (size_t)(s - 1 - start));
	if (!*task)
		return -ENOMEM;
	if (!**task) {
		free(*task);
		*task = NULL;
		return -EINVAL;
	}
	*pid = v;
	return 0;
}

/* Task phrases lockdep prints after "comm/pid". */
static const char *const task_markers[] = {
	" is trying to acquire lock:",
	" is trying to acquire:",
	" is trying to lock:",
	" is trying to release lock (",
	" is trying to contend lock (",
	" is freeing memory ",
	" is leaving the kernel with locks still held!",
	" is exiting with locks still held!",
	" just changed the state of lock:",
	" [HC",
	" still has locks held!",
};

/*
 * Find the task in the line @t, from any of the phrases lockdep uses.
 * Returns 1 when found, 0 when not, -ENOMEM.
 */
static int find_task(const char *t, char **task, int *pid)
{
	const char *p, *start = t;
	size_t k;
	int ret;

	/* the title "WARNING: comm/pid still has locks held!" */
	if (starts_with(t, "[ "))
		start = t + 2;
	if (starts_with(start, "WARNING: "))
		start += 9;
	else if (starts_with(start, "BUG: "))
		start += 5;
	else
		start = t;

	/* the earliest marker: "comm/pid [HC...] is trying to acquire:" */
	p = NULL;
	for (k = 0; k < sizeof(task_markers) / sizeof(task_markers[0]); k++) {
		const char *q = strstr(t, task_markers[k]);

		if (q && (!p || q < p))
			p = q;
	}
	if (p) {
		ret = take_task(start, p, task, pid);
		return ret == -ENOMEM ? ret : ret == 0;
	}
	/* "2 locks held by comm/pid:", "no locks held by comm/pid." */
	p = strstr(t, "locks held by ");
	if (p) {
		p += 14;
	} else {
		p = strstr(t, "lock held by ");
		if (p)
			p += 13;
	}
	if (p && (ends_with(p, ":") || ends_with(p, "."))) {
		ret = take_task(p, p + strlen(p) - 1, task, pid);
		return ret == -ENOMEM ? ret : ret == 0;
	}
	return 0;
}

/* ---------------------------------------------------------------------
 * Report sections after the dependency chain.
 */

static const char *const reg_names[] = {
	"RIP", "RSP", "RAX", "RBX", "RCX", "RDX", "RSI", "RDI", "RBP",
	"R08", "R09", "R10", "R11", "R12", "R13", "R14", "R15", "FS",
	"GS", "CS", "DS", "ES", "CR0", "CR2", "CR3", "CR4", "DR0", "DR1",
	"DR2", "DR3", "DR6", "DR7", "EFLAGS", "ORIG_RAX", "Code", "PKRU",
	"EIP", "ESP", "EAX", "EBX", "ECX", "EDX", "ESI", "EDI", "EBP",
};

/*
 * "ffff8800458dfa38 ffffffff82d383a9 ...": old x86 raw stack words, or a
 * register value on a line of its own.
 */
static bool is_stack_words(const char *t)
{
	size_t n, words = 0;

	while (*t) {
		for (n = 0; lg_is_xdigit(t[n]); n++)
			;
		if (n != 8 && n != 16)
			return false;
		t = skip_blanks(t + n);
		words++;
	}
	return words >= 1;	/* one: a register value wrapped away */
}

/* "66 2e 0f 1f 84 00 <48> 3d": a wrapped tail of a "Code:" line. */
static bool is_code_bytes(const char *t)
{
	size_t words = 0;

	while (*t) {
		if ((t[0] == '<' || t[0] == '(') && lg_is_xdigit(t[1]) &&
		    lg_is_xdigit(t[2]) && (t[3] == '>' || t[3] == ')'))
			t += 4;
		else if (lg_is_xdigit(t[0]) && lg_is_xdigit(t[1]) &&
			 (t[2] == ' ' || !t[2]))
			t += 2;
		else
			return false;
		t = skip_blanks(t);
		words++;
	}
	return words >= 4;
}

/* A line dump_stack() prints around the frames. */
static bool is_backtrace_line(const char *t)
{
	static const char *const heads[] = {
		"CPU: ", "Pid: ", "Hardware name:", "Workqueue:",
		"Call Trace:", "Call trace:", "Sched_ext:", "Tainted: ",
		"Stack:", "Exception stack",
	};
	size_t k, n = strlen(t);

	for (k = 0; k < sizeof(heads) / sizeof(heads[0]); k++)
		if (starts_with(t, heads[k]))
			return true;
	if (t[0] == '<' && t[n - 1] == '>' && n <= 16 && !strchr(t, ' '))
		return true;	/* <TASK>, </IRQ>, <#DF> */
	if (is_rule(t, '=', 4))
		return true;
	for (k = 0; k < sizeof(reg_names) / sizeof(reg_names[0]); k++) {
		size_t m = strlen(reg_names[k]);

		if (strncmp(t, reg_names[k], m) == 0 && t[m] == ':')
			return true;
	}
	return is_fragment(t) || is_stack_words(t) || is_code_bytes(t) ||
	       is_frame(t, SP_BARE_GUESS);
}

/* dump_stack()'s header lines, which mailers like to wrap. */
static bool is_stack_header(const char *t)
{
	return starts_with(t, "CPU: ") || starts_with(t, "Pid: ") ||
	       starts_with(t, "Hardware name:");
}

/*
 * Consume a backtrace starting at line index @i (the "stack backtrace:" or
 * "Call Trace:" line).  Returns the index of its last line.
 */
static size_t eat_backtrace(const struct sp_ctx *c, size_t i)
{
	size_t last = i;
	bool any = false;

	for (i = next_line(c, i + 1); i <= c->limit; i = next_line(c, i + 1)) {
		const char *t = c->lines[i].t;

		if (!t[0]) {
			if (any)
				break;
			continue;
		}
		if (!is_backtrace_line(t) &&
		    !(last == i - 1 && is_stack_header(c->lines[last].t)))
			break;	/* (a wrapped header's tail is kept) */
		any = true;
		last = i;
	}
	return last;
}

enum sp_trailer {
	SP_TR_NONE,
	SP_TR_LINE,
	SP_TR_CHAIN,		/* "Chain exists of:" */
	SP_TR_BACKTRACE,	/* "stack backtrace:" */
};

/* Lines print_circular_bug() prints after the chain. */
static enum sp_trailer trailer_kind(const char *t)
{
	struct sp_lock l;
	size_t n = strlen(t);
	int v;

	if (strcmp(t, "stack backtrace:") == 0)
		return SP_TR_BACKTRACE;
	if (strcmp(t, "Chain exists of:") == 0)
		return SP_TR_CHAIN;
	if (strcmp(t, "other info that might help us debug this:") == 0 ||
	    starts_with(t, "Possible unsafe locking scenario") ||
	    starts_with(t, "CPU0") || strcmp(t, "*** DEADLOCK ***") == 0 ||
	    strcmp(t, "<Interrupt>") == 0)
		return SP_TR_LINE;
	if (strspn(t, "- ") == n)
		return SP_TR_LINE;	/* "----    ----" */
	if (strstr(t, "lock(") && ends_with(t, ");"))
		return SP_TR_LINE;	/* the scenario table */
	if ((parse_uint(t, &v) &&
	     (strstr(t, " lock held by ") || strstr(t, " locks held by "))) ||
	    starts_with(t, "no locks held by "))
		return SP_TR_LINE;
	if (parse_lock_line(t, &l))
		return SP_TR_LINE;
	if (t[0] == '#' && parse_uint(t + 1, &v) && strchr(t, ':'))
		return SP_TR_LINE;	/* " #1: ffff88801c54b2b0" (wrapped) */
	if (starts_with(t, "context-{"))
		return SP_TR_LINE;
	/* the pieces of a wrapped held-lock line */
	if (is_fragment(t) || is_addr_only(t) || is_hex_word(t) ||
	    is_frame(t, SP_BARE_NO))
		return SP_TR_LINE;
	return SP_TR_NONE;
}

/* ---------------------------------------------------------------------
 * Building a report.
 */

static void dep_free(struct lg_splat_dep *d)
{
	size_t i;

	free(d->class_name);
	free(d->usage);
	for (i = 0; i < d->nframes; i++)
		free(d->frames[i]);
	free(d->frames);
}

static void splat_free(struct lg_splat *s)
{
	size_t i;

	free(s->title);
	free(s->kernel);
	free(s->task);
	free(s->trying_class);
	free(s->trying_at);
	free(s->held_class);
	free(s->held_at);
	for (i = 0; i < s->ndeps; i++)
		dep_free(&s->deps[i]);
	free(s->deps);
	for (i = 0; i < s->nchain; i++)
		free(s->chain[i]);
	free(s->chain);
	free(s->text);
	memset(s, 0, sizeof(*s));
}

/* Append @s to the array *@v of *@n strings (capacity: powers of two). */
static int push_str(char ***v, size_t *n, char *s)
{
	char **nv;

	if (*n == 0 || (*n >= 4 && (*n & (*n - 1)) == 0)) {
		size_t cap = *n ? *n * 2 : 4;

		nv = realloc(*v, cap * sizeof(**v));
		if (!nv)
			return -ENOMEM;
		*v = nv;
	}
	(*v)[(*n)++] = s;
	return 0;
}

/*
 * The lock line at index @j, or at the line after it when @j holds only
 * the lock's address.  Returns the index of the "(class)" line, or
 * SIZE_MAX when there is no lock line.
 */
static size_t lock_line_at(const struct sp_ctx *c, size_t j, struct sp_lock *l)
{
	size_t k;

	if (j > c->limit)
		return SIZE_MAX;
	if (parse_lock_line(c->lines[j].t, l))
		return j;
	if (!is_hex_word(c->lines[j].t))
		return SIZE_MAX;
	k = next_line(c, j + 1);
	if (k <= c->limit && c->lines[k].t[0] == '(' &&
	    parse_lock_line(c->lines[k].t, l))
		return k;
	return SIZE_MAX;
}

/* The normalised "at:" text @where (NULL when there is none). */
static int normalise_at(const char *where, char **out)
{
	char *f = NULL;
	int r;

	*out = NULL;
	if (!where || !*where || is_addr_only(where))
		return 0;
	r = parse_frame(where, SP_BARE_YES, &f);
	if (r < 0)
		return r;
	if (r == SP_FRAME) {
		*out = f;
		return 0;
	}
	*out = dup_trimmed(where, strlen(where));
	return *out ? 0 : -ENOMEM;
}

/*
 * The lock printed from line index *@i on: the class of the first lock
 * line, the "at:" of the last one naming the same class (syzbot repeats
 * a lock once per inlined frame).  Follows what mailers do to long lines:
 * the address alone on a line, ", at:" or its symbol on the next line,
 * a "file.c:123 [inline]" tail on a line of its own.  Advances *@i past
 * the lock.  Returns 0, -ENOENT when there is no lock line, -ENOMEM.
 */
static int take_lock(struct sp_ctx *c, size_t *i, char **cls, char **at)
{
	struct sp_lock first, l;
	const char *where;
	size_t j, k;
	int ret;

	j = lock_line_at(c, next_nonblank(c, *i), &first);
	if (j == SIZE_MAX)
		return -ENOENT;
	l = first;
	for (;;) {
		where = l.at;
		k = next_line(c, j + 1);
		if (k <= c->limit) {
			const char *t = c->lines[k].t;

			if (!l.at && strcmp(skip_blanks(l.rest), ",") == 0 &&
			    starts_with(t, "at:")) {
				where = skip_blanks(t + 3);
				j = k;
			} else if (l.at && (!*l.at || is_addr_only(l.at)) &&
				   *t && !is_fragment(t) &&
				   is_frame(t, SP_BARE_YES)) {
				where = t;
				j = k;
			}
		}
		for (k = next_line(c, j + 1);
		     k <= c->limit && is_fragment(c->lines[k].t);
		     k = next_line(c, k + 1))
			j = k;
		k = lock_line_at(c, next_line(c, j + 1), &l);
		if (k == SIZE_MAX || l.clen != first.clen ||
		    memcmp(l.cls, first.cls, l.clen) != 0)
			break;
		j = k;
	}
	*cls = lg_dup_range(first.cls, first.clen);
	if (!*cls)
		return -ENOMEM;
	ret = normalise_at(where, at);
	if (ret) {
		free(*cls);
		*cls = NULL;
		return ret;
	}
	*i = j + 1;
	return 0;
}

/*
 * The print_kernel_ident() line after the title ending at index @ti
 * ("6.1.0 #1 Not tainted"), perhaps wrapped: the lines between the title
 * and the "-----" rule, or else a first line that starts with a digit.
 * *@after gets the index after it.  Returns 0 or -ENOMEM.
 */
static int take_kernel(const struct sp_ctx *c, size_t ti, char **kernel,
		       size_t *after)
{
	size_t i, first = SIZE_MAX, last = 0, n = 0, len = 0;
	char *k;

	*kernel = NULL;
	*after = ti + 1;
	for (i = next_nonblank(c, ti + 1); i <= c->limit && n < 3;
	     i = next_nonblank(c, i + 1)) {
		if (is_rule(c->lines[i].t, '-', 4))
			break;
		if (first == SIZE_MAX)
			first = i;
		last = i;
		n++;
	}
	if (first == SIZE_MAX)
		return 0;
	if (i > c->limit || n == 3 || !is_rule(c->lines[i].t, '-', 4)) {
		if (!lg_is_digit(c->lines[first].t[0]))
			return 0;
		last = first;
	}
	for (i = first; i <= last; i = next_nonblank(c, i + 1))
		len += strlen(c->lines[i].t) + 1;
	k = malloc(len + 1);
	if (!k)
		return -ENOMEM;
	k[0] = '\0';
	for (i = first; i <= last; i = next_nonblank(c, i + 1)) {
		if (k[0])
			strcat(k, " ");
		strcat(k, c->lines[i].t);
	}
	*kernel = k;
	*after = last + 1;
	return 0;
}

/* Append block header line @t ("-> #N (class){usage}:") to @s. */
static int add_dep(struct lg_splat *s, const char *t, int *index)
{
	struct lg_splat_dep *nd, *d;
	struct sp_lock l;
	const char *p;
	size_t n;
	int idx;

	p = skip_blanks(t + 2);
	if (*p != '#')
		return -EINVAL;
	n = parse_uint(p + 1, &idx);
	if (!n)
		return -EINVAL;
	p = skip_blanks(p + 1 + n);
	if (!parse_class_usage(p, &l))
		return -EINVAL;
	if (strspn(skip_blanks(l.rest), ":") != strlen(skip_blanks(l.rest)))
		return -EINVAL;

	nd = realloc(s->deps, (s->ndeps + 1) * sizeof(*s->deps));
	if (!nd)
		return -ENOMEM;
	s->deps = nd;
	d = &s->deps[s->ndeps];
	memset(d, 0, sizeof(*d));
	d->index = idx;
	d->mode = LG_MODE_WRITE;
	d->class_name = lg_dup_range(l.cls, l.clen);
	if (!d->class_name)
		return -ENOMEM;
	if (l.ulen) {
		d->usage = lg_dup_range(l.usage, l.ulen);
		if (!d->usage) {
			free(d->class_name);
			return -ENOMEM;
		}
	}
	s->ndeps++;
	*index = idx;
	return 0;
}

/*
 * Do @a and @b name the same class?  Since 6.4 a class with a print_fn
 * (lockdep_set_lock_cmp_fn(): bcache's btree locks) has the instance's
 * state appended after a blank where a held lock is printed (the lock
 * lines, "Chain exists of:"), not in the "-> #N" headers: the names are
 * compared up to their first blank.
 */
static bool same_class(const char *a, const char *b)
{
	size_t n = strcspn(a, " ");

	return n == strcspn(b, " ") && memcmp(a, b, n) == 0;
}

/* *@p becomes a copy of @v unless it equals it; -ENOMEM. */
static int replace_str(char **p, const char *v)
{
	char *n;

	if (!strcmp(*p, v))
		return 0;
	n = strdup(v);
	if (!n)
		return -ENOMEM;
	free(*p);
	*p = n;
	return 0;
}

static bool is_dep_class(const struct lg_splat *s, const char *name)
{
	size_t k;

	for (k = 0; k < s->ndeps; k++)
		if (same_class(s->deps[k].class_name, name))
			return true;
	return false;
}

/*
 * "Chain exists of:" at line index @i: the classes on the following lines
 * up to a blank line or the scenario, joined and split at "-->".
 * Returns the index after the chain, or an error (with c->err set).
 */
static int take_chain(struct sp_ctx *c, struct lg_splat *s, size_t *i)
{
	size_t j, len = 0, cap = 0, first = c->limit + 1, k;
	char *joined = NULL, *p, *q;
	int ret = -ENOMEM;

	for (j = next_line(c, *i + 1); j <= c->limit; j = next_line(c, j + 1)) {
		const char *t = c->lines[j].t;
		size_t n = strlen(t);
		char *nj;

		if (!t[0] || trailer_kind(t) != SP_TR_NONE)
			break;
		if (first > c->limit)
			first = j;
		if (len + n + 2 > cap) {
			cap = (len + n + 2) * 2;
			nj = realloc(joined, cap);
			if (!nj)
				goto out;
			joined = nj;
		}
		if (len)
			joined[len++] = ' ';
		memcpy(joined + len, t, n);
		len += n;
		joined[len] = '\0';
	}
	*i = j;
	if (!joined) {
		set_error(c, err_line(c, j),
			  "\"Chain exists of:\" without classes");
		ret = -EBADMSG;
		goto out;
	}
	for (p = joined;; p = q + 3) {
		char *name;

		q = strstr(p, "-->");
		name = dup_trimmed(p, q ? (size_t)(q - p) : strlen(p));
		if (!name)
			goto out;
		if (push_str(&s->chain, &s->nchain, name)) {
			free(name);
			goto out;
		}
		if (!q)
			break;
	}
	ret = -EBADMSG;
	if (s->nchain < 2) {
		set_error(c, c->lines[first].no,
			  "\"Chain exists of:\" names fewer than two classes");
		goto out;
	}
	for (k = 0; k < s->nchain; k++) {
		if (!s->chain[k][0] || !is_dep_class(s, s->chain[k])) {
			set_error(c, c->lines[first].no,
				  "chain class \"%.80s\" is not in the dependency chain",
				  s->chain[k]);
			goto out;
		}
	}
	if (!same_class(s->chain[0], s->trying_class) ||
	    !same_class(s->chain[s->nchain - 1], s->held_class)) {
		set_error(c, c->lines[first].no,
			  "chain does not run from the new lock to the held one");
		goto out;
	}
	ret = 0;
out:
	free(joined);
	return ret;
}

/*
 * Parse the circular report whose title is at index @ti into @s; sets
 * s->last_line.  Returns 0, -EBADMSG (c->err set) or -ENOMEM.
 */
static int parse_circular(struct sp_ctx *c, size_t ti, struct lg_splat *s)
{
	size_t i, last, block_line = 0, first_block = 0;
	bool block_offsets = false;	/* a frame of this block had one */
	int ret = -EBADMSG, expect = -1, idx, r;
	bool found;

	/* kernel and task */
	ret = take_kernel(c, ti, &s->kernel, &i);
	if (ret)
		goto out;
	ret = -EBADMSG;
	found = false;
	for (i = next_nonblank(c, i); i <= c->limit;
	     i = next_nonblank(c, i + 1)) {
		const char *t = c->lines[i].t;

		if (is_rule(t, '-', 4) || is_rule(t, '=', 4))
			continue;
		if (ends_with(t, " is trying to acquire lock:")) {
			r = find_task(t, &s->task, &s->pid);
			if (r < 0) {
				ret = r;
				goto out;
			}
			found = r > 0;
		}
		break;
	}
	if (!found) {
		set_error(c, err_line(c, i),
			  "expected \"TASK/PID is trying to acquire lock:\"");
		goto out;
	}

	/* the lock being acquired, the lock held */
	i++;
	r = take_lock(c, &i, &s->trying_class, &s->trying_at);
	if (r == -ENOMEM) {
		ret = r;
		goto out;
	}
	if (r) {
		set_error(c, err_line(c, next_nonblank(c, i)),
			  "expected the lock being acquired");
		goto out;
	}
	i = next_nonblank(c, i);
	if (i > c->limit ||
	    strcmp(c->lines[i].t, "but task is already holding lock:") != 0) {
		set_error(c, err_line(c, i),
			  "expected \"but task is already holding lock:\"");
		goto out;
	}
	i++;
	r = take_lock(c, &i, &s->held_class, &s->held_at);
	if (r == -ENOMEM) {
		ret = r;
		goto out;
	}
	if (r) {
		set_error(c, err_line(c, next_nonblank(c, i)),
			  "expected the lock already held");
		goto out;
	}
	for (i = next_nonblank(c, i); i <= c->limit;
	     i = next_nonblank(c, i + 1)) {
		static const char depends[] =
			"which lock already depends on the new lock.";
		const char *t = c->lines[i].t;

		/* the sentence, or the part of it a mailer wrapped */
		if (!starts_with(t, "which lock already depends") &&
		    !ends_with(depends, t))
			break;
	}
	if (i > c->limit ||
	    !starts_with(c->lines[i].t, "the existing dependency chain")) {
		set_error(c, err_line(c, i),
			  "expected \"the existing dependency chain (in reverse order) is:\"");
		goto out;
	}
	if (!ends_with(c->lines[i].t, "is:")) {
		/* wrapped: "the existing dependency chain (in" / "reverse ..." */
		size_t k = next_nonblank(c, i + 1);

		if (k <= c->limit && ends_with(c->lines[k].t, "is:") &&
		    !starts_with(c->lines[k].t, "->"))
			i = k;
	}

	/*
	 * The blocks "-> #N (class){usage}:" and their frames.  A bare word
	 * is a frame while the block's frames are bare too (a page that lost
	 * the offsets); after a frame with its offset, only when it looks
	 * like a symbol, so that the prose of a mail cut after a block ends
	 * the chain instead of joining its stack.
	 */
	for (i = next_nonblank(c, i + 1); i <= c->limit;
	     i = next_nonblank(c, i + 1)) {
		const char *t = c->lines[i].t;
		struct lg_splat_dep *d;
		char *f;

		if (starts_with(t, "->")) {
			if (s->ndeps && !s->deps[s->ndeps - 1].nframes) {
				set_error(c, c->lines[block_line].no,
					  "dependency block #%d has no stack frames",
					  s->deps[s->ndeps - 1].index);
				goto out;
			}
			r = add_dep(s, t, &idx);
			if (r == -ENOMEM) {
				ret = r;
				goto out;
			}
			if (r) {
				set_error(c, c->lines[i].no,
					  "malformed dependency block header");
				goto out;
			}
			/* add_dep() counted it: ndeps > 1 unless first */
			if (s->ndeps > 1 && expect < 0) {
				set_error(c, c->lines[i].no,
					  "dependency block #%d after block #0",
					  idx);
				goto out;
			}
			if (s->ndeps > 1 && idx != expect) {
				set_error(c, c->lines[i].no,
					  "dependency block #%d out of order",
					  idx);
				goto out;
			}
			expect = idx - 1;
			if (s->ndeps == 1)
				first_block = i;
			block_line = i;
			block_offsets = false;
			continue;
		}
		if (!s->ndeps)
			break;
		if (is_fragment(t))
			continue;
		/* "...": frames a mail left out */
		if (!strcmp(t, "...") || !strcmp(t, "[...]"))
			continue;
		r = parse_frame(t, block_offsets ? SP_BARE_GUESS : SP_BARE_YES,
				&f);
		if (r < 0) {
			ret = r;
			goto out;
		}
		if (r == SP_NOT_FRAME)
			break;
		if (r == SP_FRAME_DROP)
			continue;
		d = &s->deps[s->ndeps - 1];
		block_offsets |= strstr(f, "+0x") != NULL;
		if (push_str(&d->frames, &d->nframes, f)) {
			free(f);
			ret = -ENOMEM;
			goto out;
		}
	}
	if (!s->ndeps) {
		set_error(c, err_line(c, i), "expected \"-> #N (class){...}:\"");
		goto out;
	}
	if (expect != -1) {
		set_error(c, err_line(c, i),
			  "dependency chain cut off after block #%d", expect + 1);
		goto out;
	}
	if (!s->deps[s->ndeps - 1].nframes) {
		set_error(c, c->lines[block_line].no,
			  "dependency block #%d has no stack frames",
			  s->deps[s->ndeps - 1].index);
		goto out;
	}
	if (s->ndeps < 2) {
		set_error(c, c->lines[block_line].no,
			  "dependency chain has only one block");
		goto out;
	}
	if (!same_class(s->deps[s->ndeps - 1].class_name, s->trying_class)) {
		set_error(c, c->lines[block_line].no,
			  "block #0 is not the lock being acquired (%.80s)",
			  s->trying_class);
		goto out;
	}
	if (!same_class(s->deps[0].class_name, s->held_class)) {
		set_error(c, c->lines[first_block].no,
			  "block #%d is not the lock already held", s->deps[0].index);
		goto out;
	}
	/* the classes by their names, without an instance's print_fn text */
	ret = -ENOMEM;
	if (replace_str(&s->trying_class, s->deps[s->ndeps - 1].class_name) ||
	    replace_str(&s->held_class, s->deps[0].class_name))
		goto out;
	ret = -EBADMSG;
	for (idx = 0; (size_t)idx < s->ndeps; idx++) {
		struct lg_splat_dep *d = &s->deps[idx];

		d->mode = lg_mode_from_frames(d->frames, d->nframes);
	}

	/* what follows the chain, up to the end of the backtrace */
	last = i - 1;
	while (i <= c->limit) {
		const char *t = c->lines[i].t;
		enum sp_trailer k;

		if (!t[0]) {
			i = next_line(c, i + 1);
			continue;
		}
		k = trailer_kind(t);
		if (k == SP_TR_NONE)
			break;
		if (k == SP_TR_CHAIN) {
			if (s->chain) {
				set_error(c, c->lines[i].no,
					  "second \"Chain exists of:\"");
				goto out;
			}
			last = i;
			r = take_chain(c, s, &i);
			if (r) {
				ret = r;
				goto out;
			}
			last = i - 1;
			continue;
		}
		if (k == SP_TR_BACKTRACE) {
			last = eat_backtrace(c, i);
			break;
		}
		last = i;
		i = next_line(c, i + 1);
	}
	while (last > ti && (!line_ok(c, last) || !c->lines[last].t[0]))
		last--;
	s->last_line = c->lines[last].no;
	ret = 0;
out:
	return ret;
}

/* Parse a report of another kind: title, kernel, task and extent. */
static int parse_other(struct sp_ctx *c, size_t ti, struct lg_splat *s)
{
	size_t i, bt = 0, last = ti;
	bool have_bt = false;
	int r;

	r = find_task(s->title, &s->task, &s->pid);
	if (r < 0)
		return r;
	r = take_kernel(c, ti, &s->kernel, &i);
	if (r)
		return r;
	for (i = next_line(c, ti + 1); i <= c->limit; i = next_line(c, i + 1)) {
		const char *t = c->lines[i].t;

		if (!t[0])
			continue;
		last = i;
		if (!s->task) {
			r = find_task(t, &s->task, &s->pid);
			if (r < 0)
				return r;
		}
		if (strcmp(t, "stack backtrace:") == 0) {
			bt = i;
			have_bt = true;
			break;
		}
		if (!bt && (strcmp(t, "Call Trace:") == 0 ||
			    strcmp(t, "Call trace:") == 0)) {
			bt = i;
			have_bt = true;
		}
	}
	if (have_bt)
		last = eat_backtrace(c, bt);
	s->last_line = c->lines[last].no;
	return 0;
}

/* The report's lines, from index @from to the line numbered last_line. */
static int build_text(const struct sp_ctx *c, size_t from, struct lg_splat *s)
{
	size_t i, n = 0;
	char *p;

	for (i = from; i < c->nlines && c->lines[i].no <= s->last_line; i++)
		if (line_ok(c, i))
			n += strlen(c->lines[i].text) + 1;
	s->text = malloc(n + 1);
	if (!s->text)
		return -ENOMEM;
	p = s->text;
	for (i = from; i < c->nlines && c->lines[i].no <= s->last_line; i++) {
		size_t m;

		if (!line_ok(c, i))
			continue;
		m = strlen(c->lines[i].text);
		memcpy(p, c->lines[i].text, m);
		p += m;
		*p++ = '\n';
	}
	*p = '\0';
	return 0;
}

/* Index of the "=====" line belonging to the title at @ti, or @ti. */
static size_t banner_of(const struct sp_ctx *c, size_t ti, size_t floor)
{
	size_t i = ti, steps;

	for (steps = 0; steps < 3 && i > floor; steps++) {
		i--;
		if (!line_ok(c, i))
			continue;
		return is_rule(c->lines[i].t, '=', 4) ? i : ti;
	}
	return ti;
}

struct sp_start {
	size_t title;		/* first line of the title */
	size_t last;		/* last line of the title (wrapped: + 1) */
	size_t first;		/* the "=====" banner, or the title */
	enum lg_splat_kind kind;
	char text[160];
};

static int parse_all(struct sp_ctx *c, struct lg_splat_list *res)
{
	struct sp_start *st = NULL, *nst;
	size_t i, n = 0, cap = 0, k, j, floor = 0;
	int ret = -ENOMEM;

	for (i = 0; i < c->nlines; i++) {
		struct sp_start cur;

		report_progress(c, i, n, 0);
		c->tag = c->lines[i].tag;
		c->limit = c->nlines - 1;
		if (!find_title(c, i, &cur.kind, cur.text, sizeof(cur.text),
				&cur.last))
			continue;
		cur.title = i;
		cur.first = banner_of(c, i, floor);
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			nst = realloc(st, cap * sizeof(*st));
			if (!nst)
				goto out;
			st = nst;
		}
		st[n++] = cur;
		i = cur.last;
		floor = i + 1;
	}
	if (!n) {
		ret = 0;
		goto out;
	}
	res->v = calloc(n, sizeof(*res->v));
	if (!res->v)
		goto out;

	for (k = 0; k < n; k++) {
		struct lg_splat *s = &res->v[k];

		c->tag = c->lines[st[k].title].tag;
		/*
		 * The report runs to the next one's start; with caller tags, a
		 * title another caller printed in the middle (another CPU's
		 * report) is not an end: its lines are skipped like any other
		 * caller's.
		 */
		for (j = k + 1; j < n; j++) {
			const char *tag = c->lines[st[j].title].tag;

			if (!c->tag[0] || !tag[0] || !strcmp(tag, c->tag))
				break;
		}
		c->limit = j < n ? st[j].first - 1 : c->nlines - 1;
		res->n = k + 1;
		s->kind = st[k].kind;
		s->pid = -1;
		s->first_line = c->lines[st[k].first].no;
		s->title = dup_trimmed(st[k].text, strlen(st[k].text));
		if (!s->title)
			goto out;
		if (s->kind == LG_SPLAT_CIRCULAR)
			ret = parse_circular(c, st[k].last, s);
		else
			ret = parse_other(c, st[k].last, s);
		if (ret)
			goto out;
		ret = build_text(c, st[k].first, s);
		if (ret)
			goto out;
		report_progress(c, 0, n, k + 1);
	}
	ret = 0;
out:
	free(st);
	return ret;
}

/* ---------------------------------------------------------------------
 * Public functions.
 */

const char *lg_splat_kind_name(enum lg_splat_kind kind)
{
	static const char *const names[LG_SPLAT_KIND_COUNT] = {
		[LG_SPLAT_CIRCULAR] = "circular",
		[LG_SPLAT_RECURSIVE] = "recursive",
		[LG_SPLAT_INCONSISTENT] = "inconsistent",
		[LG_SPLAT_IRQ_INVERSION] = "irq-inversion",
		[LG_SPLAT_IRQ_SAFE_UNSAFE] = "irq-safe-unsafe",
		[LG_SPLAT_BAD_UNLOCK] = "bad-unlock",
		[LG_SPLAT_BAD_CONTENTION] = "bad-contention",
		[LG_SPLAT_HELD_FREED] = "held-freed",
		[LG_SPLAT_HELD_RETURNING] = "held-returning",
		[LG_SPLAT_HELD_EXIT] = "held-exit",
		[LG_SPLAT_SUSPICIOUS_RCU] = "suspicious-rcu",
		[LG_SPLAT_WRONG_CONTEXT] = "wait-context",
		[LG_SPLAT_NESTING] = "nesting",
		[LG_SPLAT_NON_STATIC_KEY] = "non-static-key",
		[LG_SPLAT_LIMIT] = "limit",
	};

	if ((unsigned int)kind >= LG_SPLAT_KIND_COUNT)
		return "unknown";
	return names[kind];
}

int lg_splat_parse(const char *buf, size_t len, struct lg_splat_list *out,
		   struct lg_parse_error *err)
{
	return lg_splat_parse_progress(buf, len, out, err, NULL);
}

int lg_splat_parse_progress(const char *buf, size_t len,
			    struct lg_splat_list *out,
			    struct lg_parse_error *err,
			    const struct lg_parse_progress *progress)
{
	struct sp_ctx c = { .err = err, .tag = "", .progress = progress,
			    .len = len };
	struct lg_splat_list res = { NULL, 0 };
	struct lg_splat *nv;
	size_t i;
	int ret;

	if (err) {
		err->line = 0;
		err->msg[0] = '\0';
	}
	if (!out || (!buf && len))
		return -EINVAL;
	ret = lg_log_text_check(buf, len);
	if (ret) {
		if (err)
			snprintf(err->msg, sizeof(err->msg),
				 "binary input, not a text log");
		goto out;
	}
	ret = split_lines(&c, buf, len);
	if (ret)
		goto out;
	ret = parse_all(&c, &res);
	if (ret)
		goto out;
	if (res.n) {
		nv = realloc(out->v, (out->n + res.n) * sizeof(*out->v));
		if (!nv) {
			ret = -ENOMEM;
			goto out;
		}
		out->v = nv;
		memcpy(out->v + out->n, res.v, res.n * sizeof(*res.v));
		out->n += res.n;
		res.n = 0;
	}
out:
	for (i = 0; i < res.n; i++)
		splat_free(&res.v[i]);
	free(res.v);
	free(c.lines);
	free(c.arena);
	return ret;
}

void lg_splat_list_free(struct lg_splat_list *list)
{
	size_t i;

	if (!list)
		return;
	for (i = 0; i < list->n; i++)
		splat_free(&list->v[i]);
	free(list->v);
	list->v = NULL;
	list->n = 0;
}

/* The function name of frame @f, without "? ", address, offset, suffixes. */
static size_t frame_func(const char *f, const char **name)
{
	const char *p = skip_blanks(f);
	size_t n;

	while ((n = match_addr_bracket(p)) != 0)
		p = skip_blanks(p + n);
	if (p[0] == '?' && p[1] == ' ')
		p = skip_blanks(p + 2);
	while (*p == '_')
		p++;
	*name = p;
	for (n = 0; p[n] && p[n] != '+' && p[n] != ' ' && p[n] != '.' &&
		    p[n] != '('; n++)
		;
	return n;
}

static bool name_has_prefix(const char *name, size_t n, const char *prefix)
{
	size_t m = strlen(prefix);

	return n >= m && memcmp(name, prefix, m) == 0;
}

/* lockdep's own frames above the lock primitive (leading '_' removed). */
static bool lockdep_internal(const char *name, size_t n)
{
	static const char *const internal[] = {
		"lock_acquire", "check_prev_add", "check_prevs_add",
		"validate_chain", "check_noncircular", "check_irq_usage",
		"print_circular_bug", "save_trace", "add_chain_cache",
		"lookup_chain_cache_add", "check_deadlock", "mark_lock",
		"stack_trace_save", "arch_stack_walk", "dump_stack",
		"dump_stack_lvl", "show_stack", "dump_backtrace",
	};
	size_t k;

	for (k = 0; k < sizeof(internal) / sizeof(*internal); k++)
		if (strlen(internal[k]) == n &&
		    memcmp(name, internal[k], n) == 0)
			return true;
	return false;
}

/*
 * Does the stack run in interrupt context (hard or soft irq: in_interrupt())?
 * Judged by the entry and softirq frames a saved stack shows.
 */
static bool in_interrupt_stack(char *const *frames, size_t nframes)
{
	static const char *const irq_prefixes[] = {
		"do_softirq", "handle_softirqs", "invoke_softirq", "irq_exit",
		"run_ksoftirqd", "common_interrupt", "asm_common_interrupt",
		"sysvec_", "asm_sysvec_", "handle_irq", "handle_edge_irq",
		"handle_fasteoi_irq", "handle_level_irq", "do_IRQ",
		"smp_apic_timer_interrupt", "apic_timer_interrupt",
		"hrtimer_interrupt", "tasklet_action", "tasklet_hi_action",
		"call_timer_fn", "run_timer_softirq", "net_rx_action",
		"net_tx_action", "rcu_core", "el1_interrupt", "el0_interrupt",
		"gic_handle_irq",
	};
	const char *name;
	size_t i, k, n;

	for (i = 0; i < nframes; i++) {
		if (!frames[i])
			continue;
		n = frame_func(frames[i], &name);
		for (k = 0; k < sizeof(irq_prefixes) / sizeof(*irq_prefixes); k++)
			if (name_has_prefix(name, n, irq_prefixes[k]))
				return true;
	}
	return false;
}

/*
 * Beyond the header's rule: lockdep's own frames (check_prev_add,
 * validate_chain, ... which open a modern "#0" block) are skipped like
 * lock_acquire; __might_fault (might_lock_read of mmap_lock) reads;
 * rcu_lock_acquire, srcu_read_lock and seqcount reader annotations are
 * recursive reads, as lockdep takes them.  An rwlock_t's read_lock is
 * recursive only in interrupt context (lockdep's read_lock_is_recursive()
 * with queued rwlocks, every architecture that matters): the _bh forms,
 * and stacks that show an interrupt or softirq; in a task it is a plain
 * read.
 */
enum lg_mode lg_mode_from_frames(char *const *frames, size_t nframes)
{
	static const char *const read_prefixes[] = {
		"down_read", "percpu_down_read", "might_fault",
		"might_lock_read",
	};
	static const char *const rr_prefixes[] = {
		"rcu_read_lock", "rcu_lock_acquire", "srcu_read_lock",
		"srcu_lock_acquire", "seqcount_lockdep_reader_access",
	};
	static const char *const rwlock_read_prefixes[] = {
		"raw_read_lock", "read_lock", "raw_read_trylock",
		"read_trylock",
	};
	const char *name;
	size_t i, k, n;

	if (!frames)
		return LG_MODE_WRITE;
	for (i = 0; i < nframes; i++) {
		if (!frames[i])
			continue;
		n = frame_func(frames[i], &name);
		if (!n || lockdep_internal(name, n))
			continue;
		for (k = 0; k < sizeof(read_prefixes) / sizeof(*read_prefixes);
		     k++)
			if (name_has_prefix(name, n, read_prefixes[k]))
				return LG_MODE_READ;
		for (k = 0; k < sizeof(rr_prefixes) / sizeof(*rr_prefixes); k++)
			if (name_has_prefix(name, n, rr_prefixes[k]))
				return LG_MODE_RECURSIVE_READ;
		for (k = 0; k < sizeof(rwlock_read_prefixes) /
				sizeof(*rwlock_read_prefixes); k++) {
			if (!name_has_prefix(name, n, rwlock_read_prefixes[k]))
				continue;
			if ((n >= 3 && memcmp(name + n - 3, "_bh", 3) == 0) ||
			    in_interrupt_stack(frames + i + 1, nframes - i - 1))
				return LG_MODE_RECURSIVE_READ;
			return LG_MODE_READ;
		}
		return LG_MODE_WRITE;
	}
	return LG_MODE_WRITE;
}
