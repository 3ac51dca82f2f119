/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests for the lockdep report parser (analyzer/splat_parse.c).
 * Run from the repository root: fixtures are read by relative path.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "splat_parse.h"
#include "test_util.h"

#define SEED003 "tests/corpus/seed-003-khugepaged.txt"
#define SYZBOT2 "tests/fixtures/splat-syzbot-2class.txt"
#define OLD26 "tests/fixtures/splat-old-2.6.txt"
#define RECURSIVE "tests/fixtures/splat-recursive.txt"
#define REAL2 "tests/corpus/splats/001-syzbot-circular2-i_mutex_key-mmap_sem.txt"
#define SPLATS_DIR "tests/corpus/splats"
#define REGRESS_DIR "tests/corpus/regress/splat"
#define FUZZ_CORPUS_DIR "tests/fuzz/corpus/splat"

/* ------------------------------------------------------------------ */
/* Helpers                                                            */
/* ------------------------------------------------------------------ */

static void buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static char *must_slurp(const char *path, size_t *len)
{
	char *p = slurp(path, len);

	if (!p)
		fail_msg("cannot read %s (run the tests from the repo root)",
			 path);
	return p;
}

/* Lines 1..@last of @text (each with its newline). */
static char *head_lines(const char *text, unsigned int last)
{
	struct buf b = { 0 };
	const char *p = text;
	unsigned int no;

	for (no = 1; no <= last && *p; no++) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p + 1) : strlen(p);

		buf_add(&b, p, n);
		p += n;
	}
	if (!b.p)
		buf_add(&b, "", 0);
	return b.p;
}

/* @text without lines @from..@to (1-based, inclusive). */
static char *drop_lines(const char *text, unsigned int from, unsigned int to)
{
	struct buf b = { 0 };
	const char *p = text;
	unsigned int no;

	for (no = 1; *p; no++) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p + 1) : strlen(p);

		if (no < from || no > to)
			buf_add(&b, p, n);
		p += n;
	}
	if (!b.p)
		buf_add(&b, "", 0);
	return b.p;
}

/* @text with the first occurrence of @from replaced by @to. */
static char *replace(const char *text, const char *from, const char *to)
{
	struct buf b = { 0 };
	const char *p = strstr(text, from);

	assert_non_null(p);
	buf_add(&b, text, (size_t)(p - text));
	buf_str(&b, to);
	buf_str(&b, p + strlen(from));
	return b.p;
}

/* Length of a leading "[ 2311.315400]" timestamp, or 0. */
static size_t stamp_len(const char *line)
{
	const char *e;

	if (line[0] != '[' || !(e = strchr(line, ']')) || !strchr(line, '.') ||
	    strchr(line, '.') > e)
		return 0;
	return (size_t)(e - line + 1);
}

enum xform {
	X_CALLER_AFTER_STAMP,	/* "[ 2311.315400][    T43] text" */
	X_CALLER_ONLY,		/* "[    T43] text" */
	X_SYSLOG,		/* "Aug 20 22:26:19 dbg kernel: " + line */
	X_ISO,			/* journalctl -o short-iso */
	X_MONOTONIC,		/* journalctl -o short-monotonic */
	X_LEVEL,		/* "<4>" + line */
	X_DMESG_X,		/* "kern  :warn  : " + line */
	X_QUOTE1,		/* "> " */
	X_QUOTE2,		/* ">> " */
	X_QUOTE3,		/* "> > " */
	X_CRLF,			/* "\r\n" line ends */
	X_HUMAN,		/* dmesg -T "[Sun Aug 20 22:26:19 2017] " */
	X_INDENT_NOSTAMP,	/* stamps removed, "    " indent (pasted) */
	X_FULL,			/* journalctl -o short-full */
	X_UNIX,			/* journalctl -o short-unix */
	X_COLOUR,		/* a colouring console: ESC [ ... m around */
};

/* Transform every line of @text. */
static char *transform(const char *text, enum xform x)
{
	struct buf b = { 0 };
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char *line = strndup(p, n);
		size_t sl = stamp_len(line);

		assert_non_null(line);
		switch (x) {
		case X_CALLER_AFTER_STAMP:
			if (sl) {
				buf_add(&b, line, sl);
				buf_str(&b, "[    T43]");
				buf_str(&b, line + sl);
			} else {
				buf_str(&b, line);
			}
			break;
		case X_CALLER_ONLY:
			if (sl) {
				buf_str(&b, "[    T43]");
				buf_str(&b, line + sl);
			} else {
				buf_str(&b, line);
			}
			break;
		case X_SYSLOG:
			buf_str(&b, "Aug 20 22:26:19 dbg-box kernel: ");
			buf_str(&b, line);
			break;
		case X_FULL:
			buf_str(&b, "Sun 2017-08-20 22:26:19 CEST dbg-box kernel: ");
			buf_str(&b, line);
			break;
		case X_UNIX:
			buf_str(&b, "1503260779.123456 dbg-box kernel: ");
			buf_str(&b, line);
			break;
		case X_COLOUR:
			buf_str(&b, "\033[32m");
			buf_add(&b, line, sl);
			buf_str(&b, "\033[0m\033[1;31m");
			buf_str(&b, line + sl);
			buf_str(&b, "\033[0m");
			break;

		case X_ISO:
			buf_str(&b, "2017-08-20T22:26:19.123456+02:00 dbg-box kernel: ");
			buf_str(&b, line);
			break;
		case X_MONOTONIC:
			buf_str(&b, "[ 2311.400000] dbg-box kernel: ");
			buf_str(&b, line);
			break;
		case X_LEVEL:
			buf_str(&b, "<4>");
			buf_str(&b, line);
			break;
		case X_DMESG_X:
			buf_str(&b, "kern  :warn  : ");
			buf_str(&b, line);
			break;
		case X_QUOTE1:
			buf_str(&b, "> ");
			buf_str(&b, line);
			break;
		case X_QUOTE2:
			buf_str(&b, ">> ");
			buf_str(&b, line);
			break;
		case X_QUOTE3:
			buf_str(&b, "> > ");
			buf_str(&b, line);
			break;
		case X_CRLF:
			buf_str(&b, line);
			buf_str(&b, "\r");
			break;
		case X_HUMAN:
			if (sl) {
				buf_str(&b, "[Sun Aug 20 22:26:19 2017]");
				buf_str(&b, line + sl);
			} else {
				buf_str(&b, line);
			}
			break;
		case X_INDENT_NOSTAMP:
			buf_str(&b, "    ");
			buf_str(&b, sl ? line + sl + (line[sl] == ' ') : line);
			break;
		}
		buf_str(&b, "\n");
		free(line);
		p += n;
		if (*p == '\n')
			p++;
	}
	return b.p;
}

static int parse_str(const char *text, struct lg_splat_list *l,
		     struct lg_parse_error *e)
{
	memset(e, 0, sizeof(*e));
	return lg_splat_parse(text, strlen(text), l, e);
}

/* Everything seed 003's report must give, whatever its prefixes. */
static void check_seed003(const struct lg_splat *s)
{
	static const char *const classes[] = {
		"fs_reclaim", "&vma->vm_sequence/1", "&vma->vm_sequence",
		"&mapping->i_mmap_rwsem",
	};
	static const size_t nframes[] = { 8, 13, 13, 15 };
	static const enum lg_mode modes[] = {
		LG_MODE_WRITE, LG_MODE_WRITE, LG_MODE_WRITE, LG_MODE_READ,
	};
	static const char *const first[] = {
		"fs_reclaim_acquire+0x32/0x35",
		"write_seqcount_begin_nested+0x1b/0x1d",
		"write_seqcount_begin_nested+0x1b/0x1d",
		"lock_acquire+0x176/0x19e",
	};
	static const char *const last[] = {
		"entry_SYSCALL_64_fastpath+0x18/0xad",
		"ret_from_fork+0x27/0x40",
		"ret_from_fork+0x27/0x40",
		"ret_from_fork+0x27/0x40",
	};
	size_t i;

	assert_int_equal(s->kind, LG_SPLAT_CIRCULAR);
	assert_string_equal(s->title,
			    "WARNING: possible circular locking dependency detected");
	assert_non_null(s->kernel);
	assert_string_equal(s->kernel,
			    "4.13.0-rc5-next-20170817-dbg-00039-gaf11d7500492-dirty #1743 Not tainted");
	assert_non_null(s->task);
	assert_string_equal(s->task, "khugepaged");
	assert_int_equal(s->pid, 43);
	assert_string_equal(s->trying_class, "&mapping->i_mmap_rwsem");
	assert_string_equal(s->trying_at, "rmap_walk_file+0x5a/0x147");
	assert_string_equal(s->held_class, "fs_reclaim");
	assert_string_equal(s->held_at, "fs_reclaim_acquire+0x12/0x35");
	assert_int_equal(s->ndeps, 4);
	for (i = 0; i < 4; i++) {
		const struct lg_splat_dep *d = &s->deps[i];

		assert_int_equal(d->index, 3 - (int)i);
		assert_string_equal(d->class_name, classes[i]);
		assert_non_null(d->usage);
		assert_string_equal(d->usage, i == 3 ? "{++++}" : "{+.+.}");
		assert_int_equal(d->nframes, nframes[i]);
		assert_string_equal(d->frames[0], first[i]);
		assert_string_equal(d->frames[d->nframes - 1], last[i]);
		assert_int_equal(d->mode, modes[i]);
	}
	assert_string_equal(s->deps[3].frames[1], "down_read+0x3b/0x55");
	assert_string_equal(s->deps[3].frames[6],
			    "shrink_node_memcg.constprop.71+0x3e7/0x571");
	assert_int_equal(s->nchain, 3);
	assert_string_equal(s->chain[0], "&mapping->i_mmap_rwsem");
	assert_string_equal(s->chain[1], "&vma->vm_sequence/1");
	assert_string_equal(s->chain[2], "fs_reclaim");
	assert_non_null(s->text);
	assert_non_null(strstr(s->text, "Chain exists of:\n"));
	assert_null(strstr(s->text, "2311.31"));
	assert_true(strncmp(s->text + strspn(s->text, " "), "=====", 5) == 0);
}

static void parse_seed_variant(const char *text, unsigned int first,
			       unsigned int last)
{
	struct lg_splat_list l = { 0 };
	struct lg_parse_error e;
	int ret = parse_str(text, &l, &e);

	if (ret)
		fail_msg("parse failed: %d at line %u: %s", ret, e.line, e.msg);
	assert_int_equal(l.n, 1);
	check_seed003(&l.v[0]);
	if (first) {
		assert_int_equal(l.v[0].first_line, first);
		assert_int_equal(l.v[0].last_line, last);
	}
	lg_splat_list_free(&l);
	assert_null(l.v);
	assert_int_equal(l.n, 0);
}

/* ------------------------------------------------------------------ */
/* Tests                                                              */
/* ------------------------------------------------------------------ */

static void test_kind_names(void **state)
{
	static const char *const names[LG_SPLAT_KIND_COUNT] = {
		"circular", "recursive", "inconsistent", "irq-inversion",
		"irq-safe-unsafe", "bad-unlock", "bad-contention", "held-freed",
		"held-returning", "held-exit", "suspicious-rcu", "wait-context",
		"nesting", "non-static-key", "limit",
	};
	int k;

	(void)state;
	for (k = 0; k < LG_SPLAT_KIND_COUNT; k++)
		assert_string_equal(lg_splat_kind_name((enum lg_splat_kind)k),
				    names[k]);
	assert_non_null(lg_splat_kind_name(LG_SPLAT_KIND_COUNT));
	assert_non_null(lg_splat_kind_name((enum lg_splat_kind)-1));
}

static void test_seed003(void **state)
{
	size_t len;
	char *text = must_slurp(SEED003, &len);

	(void)state;
	/* the "=====" line is 49, the last backtrace frame 170 */
	parse_seed_variant(text, 49, 170);
	free(text);
}

static void test_seed003_not_nul_terminated(void **state)
{
	struct lg_splat_list l = { 0 };
	struct lg_parse_error e;
	size_t len;
	char *text = must_slurp(SEED003, &len);
	char *copy = malloc(len);

	(void)state;
	assert_non_null(copy);
	memcpy(copy, text, len);	/* exactly len bytes, no NUL */
	assert_int_equal(lg_splat_parse(copy, len, &l, &e), 0);
	assert_int_equal(l.n, 1);
	check_seed003(&l.v[0]);
	lg_splat_list_free(&l);
	free(copy);
	free(text);
}

static void test_prefix_styles(void **state)
{
	static const enum xform xs[] = {
		X_CALLER_AFTER_STAMP, X_CALLER_ONLY, X_SYSLOG, X_ISO,
		X_MONOTONIC, X_LEVEL, X_DMESG_X, X_QUOTE1, X_QUOTE2, X_QUOTE3,
		X_CRLF, X_HUMAN, X_INDENT_NOSTAMP, X_FULL, X_UNIX, X_COLOUR,
	};
	size_t len, i;
	char *text = must_slurp(SEED003, &len);

	(void)state;
	for (i = 0; i < sizeof(xs) / sizeof(xs[0]); i++) {
		char *t = transform(text, xs[i]);

		print_message("prefix style %zu\n", i);
		parse_seed_variant(t, 49, 170);
		free(t);
	}
	/*
	 * A serial console's NUL bytes (two before every line, one in the
	 * middle of a title): noise, not binary data.  Many of them are.
	 */
	{
		struct buf b = { 0 };
		struct lg_splat_list l = { 0 };
		struct lg_parse_error e;
		const char *p = text;

		while (*p) {
			const char *nl = strchr(p, '\n');
			size_t n = nl ? (size_t)(nl - p + 1) : strlen(p);

			buf_add(&b, "\0\0", 2);
			if (n > 30 && strstr(p, "WARNING: possible circular") &&
			    strstr(p, "WARNING: possible circular") < p + n) {
				buf_add(&b, p, 20);
				buf_add(&b, "\0", 1);
				buf_add(&b, p + 20, n - 20);
			} else {
				buf_add(&b, p, n);
			}
			p += n;
		}
		assert_int_equal(lg_splat_parse(b.p, b.n, &l, &e), 0);
		assert_int_equal(l.n, 1);
		check_seed003(&l.v[0]);
		lg_splat_list_free(&l);
		memset(b.p, 0, b.n / 5);
		assert_int_equal(lg_splat_parse(b.p, b.n, &l, &e),
				 -EMEDIUMTYPE);
		free(b.p);
	}
	/* prefixes stacked: quoted syslog with caller tags, CRLF */
	{
		char *a = transform(text, X_CALLER_AFTER_STAMP);
		char *b = transform(a, X_SYSLOG);
		char *c = transform(b, X_LEVEL);
		char *d = transform(c, X_QUOTE3);
		char *e = transform(d, X_CRLF);

		parse_seed_variant(e, 49, 170);
		free(a);
		free(b);
		free(c);
		free(d);
		free(e);
	}
	free(text);
}

/* Lines another task printed in the middle of the report (caller tags). */
static void test_interleaved_callers(void **state)
{
	struct buf b = { 0 };
	size_t len;
	char *text = must_slurp(SEED003, &len);
	char *tagged = transform(text, X_CALLER_AFTER_STAMP);
	const char *p = tagged;
	unsigned int no = 0;

	(void)state;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p + 1) : strlen(p);

		buf_add(&b, p, n);
		no++;
		if (no == 55 || no == 70 || no == 104 || no == 130)
			buf_str(&b, "[ 2311.315999][  T999] usb 1-1: new device found, that is not a frame\n");
		p += n;
	}
	parse_seed_variant(b.p, 0, 0);
	free(b.p);
	free(tagged);
	free(text);
}

static void test_syzbot_two_classes(void **state)
{
	struct lg_splat_list l = { 0 };
	struct lg_parse_error e;
	const struct lg_splat *s;
	size_t len;
	char *text = must_slurp(SYZBOT2, &len);

	(void)state;
	assert_int_equal(parse_str(text, &l, &e), 0);
	assert_int_equal(l.n, 1);
	s = &l.v[0];
	assert_int_equal(s->kind, LG_SPLAT_CIRCULAR);
	assert_int_equal(s->first_line, 2);
	assert_int_equal(s->last_line, 99);	/* "</TASK>" */
	assert_string_equal(s->kernel,
			    "6.1.0-rc5-syzkaller-00008-ge01d50cbd6ee #0 Not tainted");
	assert_string_equal(s->task, "syz-executor.0");
	assert_int_equal(s->pid, 5071);
	assert_string_equal(s->trying_class, "&mm->mmap_lock");
	/* the last of the repeated lock lines, without file:line */
	assert_string_equal(s->trying_at, "__might_fault+0xb2/0x190");
	assert_string_equal(s->held_class, "&sbi->s_lock");
	assert_string_equal(s->held_at, "exfat_iterate+0x117/0xb50");
	assert_int_equal(s->ndeps, 2);
	assert_null(s->chain);
	assert_int_equal(s->nchain, 0);
	assert_int_equal(s->deps[0].index, 1);
	assert_string_equal(s->deps[0].class_name, "&sbi->s_lock");
	assert_string_equal(s->deps[0].usage, "{+.+.}-{3:3}");
	assert_int_equal(s->deps[0].nframes, 20);
	assert_string_equal(s->deps[0].frames[0], "__mutex_lock_common [inline]");
	assert_string_equal(s->deps[0].frames[1], "__mutex_lock+0x12f/0x1350");
	assert_int_equal(s->deps[0].mode, LG_MODE_WRITE);
	assert_int_equal(s->deps[1].index, 0);
	assert_string_equal(s->deps[1].class_name, "&mm->mmap_lock");
	assert_string_equal(s->deps[1].usage, "{++++}-{3:3}");
	assert_int_equal(s->deps[1].nframes, 15);
	assert_string_equal(s->deps[1].frames[14],
			    "entry_SYSCALL_64_after_hwframe+0x63/0xcd");
	/* lockdep internals skipped; might_fault is a read of mmap_lock */
	assert_int_equal(s->deps[1].mode, LG_MODE_READ);
	/* the other task's line after the report is not part of it */
	assert_null(strstr(s->text, "beyond end of device"));
	assert_non_null(strstr(s->text, "RSP: 002b"));
	lg_splat_list_free(&l);
	free(text);
}

/*
 * A real syzbot report (2019, from a mail: long lines wrapped, hashed
 * addresses), two classes, so no "Chain exists of:".  Values checked by
 * hand in the file.
 */
static void test_real_two_classes(void **state)
{
	struct lg_splat_list l = { 0 };
	struct lg_parse_error e;
	const struct lg_splat *s;
	size_t len;
	char *text = slurp(REAL2, &len);

	(void)state;
	if (!text) {
		print_message("%s missing\n", REAL2);
		skip();
	}
	assert_int_equal(lg_splat_parse(text, len, &l, &e), 0);
	assert_int_equal(l.n, 1);
	s = &l.v[0];
	assert_int_equal(s->kind, LG_SPLAT_CIRCULAR);
	assert_int_equal(s->first_line, 17);
	assert_int_equal(s->last_line, 152);	/* the "R13:" register line */
	assert_string_equal(s->kernel, "5.2.0-rc2-next-20190531 #4 Not tainted");
	assert_string_equal(s->task, "syz-executor.1");
	assert_int_equal(s->pid, 28460);
	assert_string_equal(s->trying_class, "&mm->mmap_sem#2");
	/* "at:  " + "ext4_file_write_iter+..." wrapped onto the next line */
	assert_string_equal(s->trying_at, "__do_page_fault+0x9e9/0xda0");
	assert_string_equal(s->held_class, "&sb->s_type->i_mutex_key#10");
	assert_string_equal(s->held_at, "ext4_file_write_iter+0x246/0x1070");
	assert_int_equal(s->ndeps, 2);
	assert_null(s->chain);
	assert_string_equal(s->deps[0].class_name,
			    "&sb->s_type->i_mutex_key#10");
	assert_string_equal(s->deps[0].usage, "{++++}");
	/* a wrapped "security/integrity/ima/ima_main.c:228" is no frame */
	assert_int_equal(s->deps[0].nframes, 11);
	assert_string_equal(s->deps[0].frames[0], "down_write+0x38/0xa0");
	assert_string_equal(s->deps[0].frames[1], "inode_lock [inline]");
	assert_string_equal(s->deps[0].frames[2],
			    "process_measurement+0x15ae/0x15e0");
	assert_int_equal(s->deps[0].mode, LG_MODE_WRITE);
	assert_string_equal(s->deps[1].class_name, "&mm->mmap_sem#2");
	assert_int_equal(s->deps[1].nframes, 21);
	assert_int_equal(s->deps[1].mode, LG_MODE_READ);	/* down_read */
	lg_splat_list_free(&l);
	free(text);
}

static void test_old_style(void **state)
{
	struct lg_splat_list l = { 0 };
	struct lg_parse_error e;
	const struct lg_splat *s;
	size_t len;
	char *text = must_slurp(OLD26, &len);

	(void)state;
	assert_int_equal(parse_str(text, &l, &e), 0);
	assert_int_equal(l.n, 1);
	s = &l.v[0];
	assert_int_equal(s->kind, LG_SPLAT_CIRCULAR);
	assert_string_equal(s->title,
			    "[ INFO: possible circular locking dependency detected ]");
	assert_int_equal(s->first_line, 6);
	assert_int_equal(s->last_line, 62);	/* " =====...": i386 end */
	assert_string_equal(s->kernel, "2.6.18-rc5-mm1 #4");
	assert_string_equal(s->task, "s2disk");
	assert_int_equal(s->pid, 5123);
	assert_string_equal(s->trying_class, "cpu_add_remove_lock");
	/* "at:" wrapped onto the next line by the mailer */
	assert_string_equal(s->trying_at, "mutex_lock+0x1c/0x1f");
	assert_string_equal(s->held_class, "workqueue_mutex");
	assert_int_equal(s->ndeps, 2);
	assert_string_equal(s->deps[0].usage, "{--..}");
	/* "[<ffffffff>] 0xffffffff" end markers are dropped */
	assert_int_equal(s->deps[0].nframes, 11);
	assert_int_equal(s->deps[1].nframes, 8);
	assert_string_equal(s->deps[1].frames[0], "__lock_acquire+0x727/0x8ff");
	assert_int_equal(s->deps[1].mode, LG_MODE_WRITE);
	assert_null(strstr(s->text, "Any ideas"));
	lg_splat_list_free(&l);
	free(text);
}

struct cut {
	unsigned int keep;	/* keep lines 1..keep of seed 003 */
	unsigned int line;	/* expected error line */
	const char *why;	/* part of the expected message */
};

static void expect_badmsg(const char *text, unsigned int line,
			  const char *why)
{
	struct lg_splat_list l = { 0 };
	struct lg_parse_error e;
	struct lg_splat_list keep;
	size_t len;
	char *good = must_slurp(RECURSIVE, &len);
	int ret;

	/* @out already holds a report: it must come back untouched */
	assert_int_equal(parse_str(good, &l, &e), 0);
	assert_int_equal(l.n, 1);
	keep = l;
	ret = parse_str(text, &l, &e);
	if (ret != -EBADMSG)
		fail_msg("expected -EBADMSG, got %d (line %u: %s)", ret,
			 e.line, e.msg);
	print_message("  line %u: %s\n", e.line, e.msg);
	assert_int_equal(e.line, line);
	assert_true(e.msg[0] != '\0');
	assert_null(strchr(e.msg, '\n'));
	if (why && !strstr(e.msg, why))
		fail_msg("message \"%s\" lacks \"%s\"", e.msg, why);
	assert_ptr_equal(l.v, keep.v);
	assert_int_equal(l.n, keep.n);
	assert_int_equal(l.v[0].kind, LG_SPLAT_RECURSIVE);
	lg_splat_list_free(&l);
	free(good);
}

static void test_truncated(void **state)
{
	static const struct cut cuts[] = {
		{ 50, 50, "trying to acquire" },	/* title only */
		{ 52, 52, "trying to acquire" },	/* up to the rule */
		{ 53, 53, "lock being acquired" },
		{ 55, 55, "but task is already holding" },
		{ 56, 56, "lock already held" },
		{ 60, 60, "existing dependency chain" },
		{ 63, 63, "-> #N" },
		{ 64, 64, "cut off after block #3" },	/* "-> #3" alone */
		{ 70, 70, "cut off after block #3" },
		{ 80, 80, "cut off after block #2" },
		{ 103, 103, "cut off after block #1" },
		{ 104, 104, "no stack frames" },	/* "-> #0" alone */
		{ 123, 123, "Chain exists of" },	/* header, no chain */
	};
	size_t len, i;
	char *text = must_slurp(SEED003, &len);

	(void)state;
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		char *t = head_lines(text, cuts[i].keep);

		print_message("cut after line %u\n", cuts[i].keep);
		expect_badmsg(t, cuts[i].line, cuts[i].why);
		free(t);
	}
	/* cut in the chain, then the mail goes on with prose */
	{
		char *t = head_lines(text, 80);
		char *u = malloc(strlen(t) + 64);

		assert_non_null(u);
		strcpy(u, t);
		strcat(u, "\nI trimmed the rest, sorry.\n");
		expect_badmsg(u, 82, "cut off after block #2");
		free(u);
		free(t);
	}
	free(text);
}

static void test_inconsistent(void **state)
{
	size_t len;
	char *text = must_slurp(SEED003, &len);
	char *t;

	(void)state;
	/* block #1 missing: #2 is followed by #0 (now on line 89) */
	t = drop_lines(text, 89, 103);
	expect_badmsg(t, 89, "#0 out of order");
	free(t);
	/* #0 is not the lock being acquired */
	t = replace(text, "-> #0 (&mapping->i_mmap_rwsem)", "-> #0 (&mapping->other)");
	expect_badmsg(t, 104, "block #0");
	free(t);
	/* #3 is not the lock held */
	t = replace(text, "-> #3 (fs_reclaim)", "-> #3 (fs_reclaim2)");
	expect_badmsg(t, 64, "block #3");
	free(t);
	/* a chain class that is in no block */
	t = replace(text, "--> &vma->vm_sequence/1 -->", "--> &vma->nope -->");
	expect_badmsg(t, 124, "&vma->nope");
	free(t);
	/* a chain that does not start at the new lock */
	t = replace(text, "&mapping->i_mmap_rwsem --> &vma",
		    "fs_reclaim --> &vma");
	expect_badmsg(t, 124, "chain does not run");
	free(t);
	/* a second "-> #0" block (found by fuzz_splat) */
	{
		char *h = head_lines(text, 120);
		char *b0 = drop_lines(text, 1, 103);
		char *b0only = head_lines(b0, 17);	/* lines 104..120 */
		struct buf b = { 0 };

		buf_str(&b, h);
		buf_str(&b, b0only);
		buf_str(&b, text + strlen(h));
		expect_badmsg(b.p, 121, "#0 after block #0");
		free(b.p);
		free(b0only);
		free(b0);
		free(h);
	}
	/* only one block */
	t = drop_lines(text, 64, 103);
	expect_badmsg(t, 64, "only one block");
	free(t);
	/* no task line */
	t = replace(text, "khugepaged/43 is trying to acquire lock:",
		    "khugepaged is trying to acquire lock:");
	expect_badmsg(t, 53, "trying to acquire");
	free(t);
	/* a garbled block header */
	t = replace(text, "-> #2 (&vma->vm_sequence/1){+.+.}:",
		    "-> #2 &vma->vm_sequence/1:");
	expect_badmsg(t, 74, "header");
	free(t);
	free(text);
}

/* The "Chain exists of:" line wrapped by a mailer. */
static void test_chain_wrapped(void **state)
{
	size_t len;
	char *text = must_slurp(SEED003, &len);
	char *t = replace(text,
			  "&mapping->i_mmap_rwsem --> &vma->vm_sequence/1 --> fs_reclaim\n",
			  "&mapping->i_mmap_rwsem --> &vma->vm_sequence/1\n--> fs_reclaim\n");

	(void)state;
	parse_seed_variant(t, 49, 171);
	free(t);
	free(text);
}

static void test_no_report(void **state)
{
	static const char *const texts[] = {
		"",
		"\n\n\n",
		"Hello,\n\nI think lockdep said \"WARNING: possible circular locking dependency detected\" here.\n",
		"Subject: Re: WARNING: possible recursive locking detected\n",
		"possible circular locking dependency detected\n",
		"[    0.000000] Linux version 6.1.0 (gcc 12.2.0)\n[    0.000000] Command line: console=ttyS0\n",
	};
	struct lg_splat_list l = { 0 };
	struct lg_parse_error e;
	size_t i, len;
	char *text = must_slurp(SEED003, &len);
	char *mail;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		assert_int_equal(parse_str(texts[i], &l, &e), 0);
		assert_int_equal(l.n, 0);
		assert_null(l.v);
	}
	assert_int_equal(lg_splat_parse(NULL, 0, &l, &e), 0);
	assert_int_equal(l.n, 0);
	/* the seed's mail without its report */
	mail = head_lines(text, 47);
	assert_int_equal(parse_str(mail, &l, &e), 0);
	assert_int_equal(l.n, 0);
	free(mail);
	free(text);
}

static void test_binary(void **state)
{
	struct lg_splat_list l = { 0 };
	struct lg_parse_error e;
	unsigned char junk[4096];
	size_t len, i;
	uint32_t x = 12345;
	char *text = must_slurp(SEED003, &len);
	const char *utf8 = "Grüße, 日本語 — “quoted” résumé\n";

	(void)state;
	/* one NUL byte: a console's noise, not binary (test_prefix_styles) */
	text[len / 2] = '\0';
	assert_int_not_equal(lg_splat_parse(text, len, &l, &e), -EMEDIUMTYPE);
	lg_splat_list_free(&l);
	/* one in ten is */
	for (i = 0; i < len; i += 9)
		text[i] = '\0';
	assert_int_equal(lg_splat_parse(text, len, &l, &e), -EMEDIUMTYPE);
	assert_int_equal(l.n, 0);
	for (i = 0; i < sizeof(junk); i++) {
		x = x * 1103515245 + 12345;
		junk[i] = (unsigned char)(0x80 | (x >> 16));
	}
	assert_int_equal(lg_splat_parse((char *)junk, sizeof(junk), &l, &e),
			 -EMEDIUMTYPE);
	/* 20% control characters */
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = i % 5 ? 'a' : 0x01;
	assert_int_equal(lg_splat_parse((char *)junk, sizeof(junk), &l, &e),
			 -EMEDIUMTYPE);
	/* 5% is still text */
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = i % 20 ? 'a' : 0x01;
	assert_int_equal(lg_splat_parse((char *)junk, sizeof(junk), &l, &e), 0);
	/* UTF-8 is text */
	assert_int_equal(parse_str(utf8, &l, &e), 0);
	assert_int_equal(l.n, 0);
	free(text);
}

struct title_case {
	const char *title;
	enum lg_splat_kind kind;
	const char *task;	/* from the task line or title, or NULL */
	int pid;
	const char *task_line;
};

static void test_other_kinds(void **state)
{
	static const struct title_case cases[] = {
		{ "WARNING: possible recursive locking detected",
		  LG_SPLAT_RECURSIVE, "kworker/u4:2", 88,
		  "kworker/u4:2/88 is trying to acquire lock:" },
		{ "[ INFO: possible recursive locking detected ]",
		  LG_SPLAT_RECURSIVE, "modprobe", 3011,
		  "modprobe/3011 is trying to acquire lock:" },
		{ "WARNING: inconsistent lock state", LG_SPLAT_INCONSISTENT,
		  "swapper/0", 0,
		  "swapper/0/0 [HC0[0]:SC1[1]:HE1:SE0] takes:" },
		{ "[ INFO: inconsistent lock state ]", LG_SPLAT_INCONSISTENT,
		  "ksoftirqd/1", 16,
		  "ksoftirqd/1/16 [HC0[0]:SC1[1]:HE0:SE0] takes:" },
		{ "WARNING: possible irq lock inversion dependency detected",
		  LG_SPLAT_IRQ_INVERSION, "swapper/3", 0,
		  "swapper/3/0 just changed the state of lock:" },
		{ "WARNING: HARDIRQ-safe -> HARDIRQ-unsafe lock order detected",
		  LG_SPLAT_IRQ_SAFE_UNSAFE, "syz-executor.1", 4141,
		  "syz-executor.1/4141 [HC0[0]:SC0[0]:HE0:SE1] is trying to acquire:" },
		{ "[ INFO: SOFTIRQ-safe -> SOFTIRQ-unsafe lock order detected ]",
		  LG_SPLAT_IRQ_SAFE_UNSAFE, NULL, -1, NULL },
		{ "WARNING: bad unlock balance detected!", LG_SPLAT_BAD_UNLOCK,
		  "kworker/0:1", 12,
		  "kworker/0:1/12 is trying to release lock (&x->lock) at:" },
		{ "[ BUG: bad unlock balance detected! ]", LG_SPLAT_BAD_UNLOCK,
		  NULL, -1, NULL },
		{ "WARNING: bad contention detected!", LG_SPLAT_BAD_CONTENTION,
		  "a.out", 7, "a.out/7 is trying to contend lock (l) at:" },
		{ "WARNING: held lock freed!", LG_SPLAT_HELD_FREED, "rmmod", 901,
		  "rmmod/901 is freeing memory ffff888000000000-ffff888000000fff, with a lock still held there!" },
		{ "[ BUG: held lock freed! ]", LG_SPLAT_HELD_FREED, NULL, -1,
		  NULL },
		{ "WARNING: lock held when returning to user space!",
		  LG_SPLAT_HELD_RETURNING, "syz-executor", 5000,
		  "syz-executor/5000 is leaving the kernel with locks still held!" },
		{ "[ BUG: lock held when returning to user space! ]",
		  LG_SPLAT_HELD_RETURNING, NULL, -1, NULL },
		{ "WARNING: halt/675 still has locks held!", LG_SPLAT_HELD_EXIT,
		  "halt", 675, NULL },
		{ "[ BUG: lock held at task exit time! ]", LG_SPLAT_HELD_EXIT,
		  "bash", 1547, "bash/1547 is exiting with locks still held!" },
		{ "WARNING: suspicious RCU usage", LG_SPLAT_SUSPICIOUS_RCU,
		  "swapper/0", 1, "2 locks held by swapper/0/1:" },
		{ "[ INFO: suspicious RCU usage. ]", LG_SPLAT_SUSPICIOUS_RCU,
		  "init", 1, "no locks held by init/1." },
		{ "[ INFO: suspicious rcu_dereference_check() usage. ]",
		  LG_SPLAT_SUSPICIOUS_RCU, NULL, -1, NULL },
		{ "[ BUG: Invalid wait context ]", LG_SPLAT_WRONG_CONTEXT,
		  "irq/16-PCIe PME", 56, "irq/16-PCIe PME/56 is trying to lock:" },
		{ "WARNING: Nested lock was not taken", LG_SPLAT_NESTING,
		  "kvm", 77, "kvm/77 is trying to lock:" },
		{ "[ BUG: Nested lock was not taken ]", LG_SPLAT_NESTING, NULL,
		  -1, NULL },
	};
	struct lg_splat_list l = { 0 };
	struct lg_parse_error e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct title_case *c = &cases[i];
		const struct lg_splat *s;
		char text[1024];

		snprintf(text, sizeof(text),
			 "random line before\n"
			 "[   12.000001] ==================================\n"
			 "[   12.000002] %s\n"
			 "[   12.000003] 6.1.0-rc1 #1 Not tainted\n"
			 "[   12.000004] ----------------------------------\n"
			 "[   12.000005] %s\n"
			 "[   12.000006] stack backtrace:\n"
			 "[   12.000007] CPU: 0 PID: 1 Comm: x Not tainted 6.1.0-rc1 #1\n"
			 "[   12.000008] Call Trace:\n"
			 "[   12.000009]  <TASK>\n"
			 "[   12.000010]  dump_stack_lvl+0x1/0x2\n"
			 "[   12.000011]  </TASK>\n"
			 "[   12.000012] eth0: link up\n",
			 c->title, c->task_line ? c->task_line : "");
		print_message("%s\n", c->title);
		assert_int_equal(parse_str(text, &l, &e), 0);
		assert_int_equal(l.n, 1);
		s = &l.v[0];
		assert_int_equal(s->kind, c->kind);
		assert_string_equal(s->title, c->title);
		assert_int_equal(s->first_line, 2);
		assert_int_equal(s->last_line, 12);
		assert_string_equal(s->kernel, "6.1.0-rc1 #1 Not tainted");
		if (c->task) {
			assert_non_null(s->task);
			assert_string_equal(s->task, c->task);
			assert_int_equal(s->pid, c->pid);
		}
		assert_null(s->deps);
		assert_null(s->trying_class);
		assert_null(s->chain);
		lg_splat_list_free(&l);
	}
}

static void test_recursive_fixture(void **state)
{
	struct lg_splat_list l = { 0 };
	struct lg_parse_error e;
	size_t len;
	char *text = must_slurp(RECURSIVE, &len);

	(void)state;
	assert_int_equal(parse_str(text, &l, &e), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].kind, LG_SPLAT_RECURSIVE);
	assert_string_equal(l.v[0].task, "syz-executor.2");
	assert_int_equal(l.v[0].pid, 3626);
	assert_int_equal(l.v[0].first_line, 1);
	assert_int_equal(l.v[0].last_line, 41);
	lg_splat_list_free(&l);
	free(text);
}

static void test_two_reports(void **state)
{
	struct lg_splat_list l = { 0 };
	struct lg_parse_error e;
	struct buf b = { 0 };
	size_t len1, len2;
	char *seed = must_slurp(SEED003, &len1);
	char *rec = must_slurp(RECURSIVE, &len2);

	(void)state;
	buf_str(&b, seed);	/* 172 lines, the report on 49..170 */
	buf_str(&b, "\n");	/* the seed ends without a newline */
	buf_str(&b, rec);	/* lines 173..213 */
	buf_str(&b, seed);	/* and the seed's report again */
	assert_int_equal(parse_str(b.p, &l, &e), 0);
	assert_int_equal(l.n, 3);
	check_seed003(&l.v[0]);
	assert_int_equal(l.v[0].first_line, 49);
	assert_int_equal(l.v[0].last_line, 170);
	assert_int_equal(l.v[1].kind, LG_SPLAT_RECURSIVE);
	assert_int_equal(l.v[1].first_line, 173);
	assert_int_equal(l.v[1].last_line, 213);
	check_seed003(&l.v[2]);
	assert_int_equal(l.v[2].first_line, 213 + 49);
	/* appending to a list that already holds reports */
	assert_int_equal(parse_str(rec, &l, &e), 0);
	assert_int_equal(l.n, 4);
	assert_int_equal(l.v[3].kind, LG_SPLAT_RECURSIVE);
	check_seed003(&l.v[0]);
	lg_splat_list_free(&l);

	/* a report right after another one's last frame, no blank line */
	b.n = 0;
	buf_str(&b, rec);
	buf_str(&b, strstr(seed, "[ 2311.315400] ===="));
	assert_int_equal(parse_str(b.p, &l, &e), 0);
	assert_int_equal(l.n, 2);
	lg_splat_list_free(&l);
	free(b.p);
	free(seed);
	free(rec);
}

struct mode_case {
	const char *frames[6];
	enum lg_mode mode;
};

/*
 * A minimal 6.x circular report (two blocks, no prefixes), for forms the
 * real corpus lacks.  Its block #0 ends with "g0+0x1/0x2".
 */
static const char small_report[] =
	"======================================================\n"
	"WARNING: possible circular locking dependency detected\n"
	"6.1.0 #1 Not tainted\n"
	"------------------------------------------------------\n"
	"foo/123 is trying to acquire lock:\n"
	"ffff888000000001 (&a->lock){+.+.}-{3:3}, at: fa+0x1/0x2\n"
	"\n"
	"but task is already holding lock:\n"
	"ffff888000000002 (&b->lock){+.+.}-{3:3}, at: fb+0x1/0x2\n"
	"\n"
	"which lock already depends on the new lock.\n"
	"\n"
	"\n"
	"the existing dependency chain (in reverse order) is:\n"
	"\n"
	"-> #1 (&b->lock){+.+.}-{3:3}:\n"
	"       lock_acquire+0x1/0x2\n"
	"       mutex_lock_nested+0x1/0x2\n"
	"       g1+0x1/0x2\n"
	"\n"
	"-> #0 (&a->lock){+.+.}-{3:3}:\n"
	"       check_prev_add+0x1/0x2\n"
	"       __lock_acquire+0x1/0x2\n"
	"       lock_acquire+0x1/0x2\n"
	"       down_read+0x1/0x2\n"
	"       g0+0x1/0x2\n";

/* @text parses to one circular report &b->lock -> &a->lock; returns it. */
static void expect_small(const char *text, struct lg_splat_list *l)
{
	struct lg_parse_error e;
	int ret = parse_str(text, l, &e);

	if (ret)
		fail_msg("parse failed: %d at line %u: %s", ret, e.line, e.msg);
	assert_int_equal(l->n, 1);
	assert_int_equal(l->v[0].kind, LG_SPLAT_CIRCULAR);
	assert_int_equal(l->v[0].ndeps, 2);
	assert_string_equal(l->v[0].deps[0].class_name, "&b->lock");
	assert_string_equal(l->v[0].deps[1].class_name, "&a->lock");
	assert_string_equal(l->v[0].deps[1].frames[l->v[0].deps[1].nframes - 1],
			    "g0+0x1/0x2");
}

/* Forms of real reports that the review of the parser found refused. */
static void test_report_forms(void **state)
{
	struct lg_splat_list l = { 0 };
	struct lg_parse_error e;
	char *t, *u;

	(void)state;
	/* %p before its key: "(____ptrval____) (class){...}" */
	t = replace(small_report, "ffff888000000001 (&a", "(____ptrval____) (&a");
	u = replace(t, "ffff888000000002 (&b", "(____ptrval____) (&b");
	expect_small(u, &l);
	lg_splat_list_free(&l);
	free(t);
	free(u);

	/* 6.4+: a class's print_fn appends the instance after a blank */
	t = replace(small_report, "(&a->lock){", "(&a->lock l=0 1:2){");
	u = replace(t, "(&b->lock){", "(&b->lock l=1 0:0){");
	expect_small(u, &l);
	lg_splat_list_free(&l);
	free(t);
	free(u);

	/* a mail cut after block #0 with prose, and elided frames */
	t = malloc(sizeof(small_report) + 32);
	assert_non_null(t);
	strcpy(t, small_report);
	strcat(t, "\nThanks\nBob\n");
	expect_small(t, &l);
	assert_int_equal(l.v[0].deps[1].nframes, 5);
	lg_splat_list_free(&l);
	free(t);
	t = replace(small_report, "       g1+0x1/0x2\n",
		    "       ...\n       g1+0x1/0x2\n");
	expect_small(t, &l);
	assert_int_equal(l.v[0].deps[0].nframes, 3);
	lg_splat_list_free(&l);
	free(t);

	/* a kernel message glued to a login prompt */
	t = replace(small_report, "======================================================\nWARNING",
		    "login: [   16.305150] ======================================================\nWARNING");
	expect_small(t, &l);
	lg_splat_list_free(&l);
	free(t);
	/* an empty line before a glued one is no title */
	assert_int_equal(parse_str("x\n\nlogin: [ 1.000000] INFO: trying to "
				   "register non-static key.\n", &l, &e), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].first_line, 3);
	assert_int_equal(l.v[0].kind, LG_SPLAT_NON_STATIC_KEY);
	lg_splat_list_free(&l);

	/* lockdep turned off by a full table */
	assert_int_equal(parse_str("[   185.416858][  T809] BUG: "
				   "MAX_STACK_TRACE_ENTRIES too low!\n"
				   "[   185.416860][  T809] turning off the "
				   "locking correctness validator.\n", &l, &e), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.v[0].kind, LG_SPLAT_LIMIT);
	lg_splat_list_free(&l);

	/*
	 * With caller tags, another caller's report title in the middle of
	 * a report does not cut it off: both reports are read.
	 */
	{
		struct buf b = { 0 };
		const char *p = small_report;
		int no = 0;

		while (*p) {
			const char *nl = strchr(p, '\n');
			size_t n = (size_t)(nl - p + 1);

			if (++no == 18) {
				buf_str(&b, "[  T999] ============================================\n");
				buf_str(&b, "[  T999] WARNING: possible recursive locking detected\n");
				buf_str(&b, "[  T999] 6.1.0 #1 Not tainted\n");
			}
			buf_str(&b, "[  T123] ");
			buf_add(&b, p, n);
			p += n;
		}
		assert_int_equal(parse_str(b.p, &l, &e), 0);
		assert_int_equal(l.n, 2);
		assert_int_equal(l.v[0].kind, LG_SPLAT_CIRCULAR);
		assert_int_equal(l.v[0].ndeps, 2);
		assert_int_equal(l.v[1].kind, LG_SPLAT_RECURSIVE);
		lg_splat_list_free(&l);
		free(b.p);
	}
}

static void test_mode_from_frames(void **state)
{
	static const struct mode_case cases[] = {
		{ { "lock_acquire+0x176/0x19e", "down_read+0x3b/0x55" },
		  LG_MODE_READ },
		{ { "down_write+0x3b/0x55" }, LG_MODE_WRITE },
		{ { "__lock_acquire+0x1/0x2", "lock_acquire.part.0+0x1/0x2",
		    "percpu_down_read+0x1/0x2" }, LG_MODE_READ },
		{ { "lock_acquire+0x1/0x2", "down_read_killable+0x1/0x2" },
		  LG_MODE_READ },
		{ { "down_read_trylock+0x1/0x2" }, LG_MODE_READ },
		/* an rwlock's read: r in a task, R in interrupt context */
		{ { "lock_acquire+0x1/0x2", "_raw_read_lock+0x1/0x2" },
		  LG_MODE_READ },
		{ { "_raw_read_lock_irqsave+0x1/0x2" }, LG_MODE_READ },
		{ { "lock_acquire+0x1/0x2", "_raw_read_lock+0x1/0x2",
		    "send_sigurg+0x1/0x2", "tcp_check_urg+0x1/0x2",
		    "tcp_v4_rcv+0x1/0x2", "__do_softirq+0x1/0x2" },
		  LG_MODE_RECURSIVE_READ },
		{ { "_raw_read_lock+0x1/0x2", "f+0x1/0x2",
		    "asm_sysvec_apic_timer_interrupt+0x1/0x2" },
		  LG_MODE_RECURSIVE_READ },
		{ { "_raw_read_lock_bh+0x1/0x2" }, LG_MODE_RECURSIVE_READ },
		{ { "lock_acquire+0x1/0x2", "rcu_read_lock+0x1/0x2" },
		  LG_MODE_RECURSIVE_READ },
		{ { "__rcu_read_lock+0x1/0x2" }, LG_MODE_RECURSIVE_READ },
		{ { "rcu_lock_acquire [inline]", "rcu_read_lock [inline]" },
		  LG_MODE_RECURSIVE_READ },
		{ { "read_lock_bh+0x1/0x2" }, LG_MODE_RECURSIVE_READ },
		{ { "lock_acquire+0x1/0x2", "__mutex_lock+0x1/0x2",
		    "down_read+0x1/0x2" }, LG_MODE_WRITE },
		{ { "mutex_lock_nested+0x1/0x2" }, LG_MODE_WRITE },
		{ { "_raw_spin_lock+0x1/0x2" }, LG_MODE_WRITE },
		{ { "write_seqcount_begin_nested+0x1b/0x1d" }, LG_MODE_WRITE },
		{ { "fs_reclaim_acquire+0x32/0x35" }, LG_MODE_WRITE },
		{ { "check_prev_add [inline]", "validate_chain+0x1/0x2",
		    "__lock_acquire+0x1/0x2", "lock_acquire+0x1/0x2",
		    "__might_fault+0x1/0x2" }, LG_MODE_READ },
		{ { "[<ffffffff810a6c8d>] lock_acquire+0x8d/0xb0",
		    "[<ffffffff81537c2c>] down_read+0x4c/0x70" },
		  LG_MODE_READ },
		{ { "lock_acquire+0x1/0x2" }, LG_MODE_WRITE },
		{ { NULL }, LG_MODE_WRITE },
	};
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *const *f = (char *const *)cases[i].frames;

		for (n = 0; n < 6 && cases[i].frames[n]; n++)
			;
		assert_int_equal(lg_mode_from_frames(f, n), cases[i].mode);
	}
	assert_int_equal(lg_mode_from_frames(NULL, 0), LG_MODE_WRITE);
}

/* ------------------------------------------------------------------ */
/* The real corpus: tests/corpus/splats/MANIFEST                       */
/* ------------------------------------------------------------------ */

static char **split(const char *s, const char *sep, size_t *n)
{
	char **v = NULL;
	size_t k = 0, m = strlen(sep);

	for (;;) {
		const char *e = strstr(s, sep);
		size_t len = e ? (size_t)(e - s) : strlen(s);

		v = realloc(v, (k + 1) * sizeof(*v));
		assert_non_null(v);
		v[k] = strndup(s, len);
		assert_non_null(v[k]);
		k++;
		if (!e)
			break;
		s = e + m;
	}
	*n = k;
	return v;
}

static void free_split(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static char *trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

/* Check one MANIFEST entry; returns the number of problems printed. */
static int check_manifest_entry(const char *file, const char *kinds,
				const char *chain)
{
	struct lg_splat_list l = { 0 };
	struct lg_parse_error e;
	char path[4096], **kv, **cv = NULL;
	size_t len, nk, nc = 0, i, circ = 0;
	int bad = 0, ret;
	char *text;

	snprintf(path, sizeof(path), "%s/%s", SPLATS_DIR, file);
	text = slurp(path, &len);
	if (!text) {
		print_error("%s: cannot read\n", path);
		return 1;
	}
	memset(&e, 0, sizeof(e));
	ret = lg_splat_parse(text, len, &l, &e);
	if (ret) {
		print_error("%s: parse failed %d (%s) at line %u: %s\n", file,
			    ret, strerror(-ret), e.line, e.msg);
		free(text);
		return 1;
	}
	kv = split(kinds, ",", &nk);
	if (chain && *chain)
		cv = split(chain, " || ", &nc);
	if (l.n != nk) {
		print_error("%s: %zu reports, MANIFEST says %zu (%s)\n", file,
			    l.n, nk, kinds);
		for (i = 0; i < l.n; i++)
			print_error("  report %zu: %s at lines %u-%u\n", i,
				    lg_splat_kind_name(l.v[i].kind),
				    l.v[i].first_line, l.v[i].last_line);
		bad++;
	}
	for (i = 0; i < l.n && i < nk; i++) {
		const struct lg_splat *s = &l.v[i];
		const char *want = trim(kv[i]);

		if (strcmp(lg_splat_kind_name(s->kind), want) != 0) {
			print_error("%s: report %zu is %s at line %u, MANIFEST says %s\n",
				    file, i, lg_splat_kind_name(s->kind),
				    s->first_line, want);
			bad++;
		}
		if (s->kind != LG_SPLAT_CIRCULAR)
			continue;
		if (cv && circ < nc) {
			char **dv;
			size_t nd, k;

			dv = split(cv[circ], " | ", &nd);
			if (nd != s->ndeps) {
				print_error("%s: circular report %zu has %zu blocks, MANIFEST %zu\n",
					    file, circ, s->ndeps, nd);
				bad++;
			}
			for (k = 0; k < nd && k < s->ndeps; k++) {
				if (strcmp(trim(dv[k]),
					   s->deps[k].class_name) != 0) {
					print_error("%s: circular report %zu block #%d is \"%s\", MANIFEST \"%s\"\n",
						    file, circ, s->deps[k].index,
						    s->deps[k].class_name,
						    trim(dv[k]));
					bad++;
				}
			}
			free_split(dv, nd);
		}
		circ++;
	}
	if (cv && circ != nc) {
		print_error("%s: %zu circular reports, MANIFEST chains %zu\n",
			    file, circ, nc);
		bad++;
	}
	free_split(kv, nk);
	if (cv)
		free_split(cv, nc);
	lg_splat_list_free(&l);
	free(text);
	return bad;
}

static void test_corpus_manifest(void **state)
{
	char path[4096], line[65536];
	int bad = 0, entries = 0;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/MANIFEST", SPLATS_DIR);
	f = fopen(path, "r");
	if (!f) {
		print_message("%s missing: no real-report corpus to check\n",
			      path);
		skip();
	}
	while (fgets(line, sizeof(line), f)) {
		char *fields[4] = { NULL, NULL, NULL, NULL };
		char *p = line, *chain = NULL;
		int nf = 0;

		line[strcspn(line, "\n")] = '\0';
		if (!*trim(line) || line[0] == '#')
			continue;
		while (nf < 4) {
			fields[nf++] = p;
			p = strchr(p, '\t');
			if (!p)
				break;
			*p++ = '\0';
		}
		if (strcmp(trim(fields[0]), "file") == 0)
			continue;	/* a header line */
		if (nf < 2) {
			print_error("MANIFEST: malformed line \"%s\"\n", line);
			bad++;
			continue;
		}
		if (nf >= 3) {
			chain = trim(fields[2]);
			if (strcmp(chain, "-") == 0)
				chain = NULL;
			/* three columns: the third may be the source */
			if (nf == 3 && (strstr(chain, "://") ||
					strncmp(chain, "http", 4) == 0))
				chain = NULL;
		}
		entries++;
		bad += check_manifest_entry(trim(fields[0]), trim(fields[1]),
					    chain);
	}
	fclose(f);
	print_message("MANIFEST: %d files checked, %d problems\n", entries,
		      bad);
	assert_true(entries > 0);
	assert_int_equal(bad, 0);
}

/* What every parsed report must satisfy (fuzz_splat checks the same). */
static void check_invariants(const struct lg_splat_list *l)
{
	size_t i, k;

	for (i = 0; i < l->n; i++) {
		const struct lg_splat *s = &l->v[i];

		assert_non_null(s->title);
		assert_non_null(s->text);
		assert_true(s->first_line <= s->last_line);
		if (s->kind != LG_SPLAT_CIRCULAR)
			continue;
		assert_true(s->ndeps >= 2);
		assert_string_equal(s->deps[s->ndeps - 1].class_name,
				    s->trying_class);
		assert_string_equal(s->deps[0].class_name, s->held_class);
		for (k = 0; k < s->ndeps; k++) {
			assert_true(s->deps[k].nframes > 0);
			assert_int_equal(s->deps[k].index,
					 (int)(s->ndeps - 1 - k));
		}
	}
}

struct parse_dir_stats {
	int failures, reports;
};

/* One file through the parser: must not crash or leak. */
static void parse_file(const char *path, const char *text, size_t len,
		       void *arg)
{
	struct parse_dir_stats *ds = arg;
	struct lg_splat_list l = { 0 };
	struct lg_parse_error e;
	int ret;

	ret = lg_splat_parse(text, len, &l, &e);
	if (ret && ret != -EBADMSG && ret != -EMEDIUMTYPE) {
		print_error("%s: unexpected %d\n", path, ret);
		ds->failures++;
	}
	if (ret)
		assert_int_equal(l.n, 0);
	check_invariants(&l);
	ds->reports += (int)l.n;
	lg_splat_list_free(&l);
}

/* Every file of @dir through the parser: must not crash or leak. */
static int parse_dir(const char *dir, int *parsed, int *reports)
{
	struct parse_dir_stats ds = { 0 };
	int n = for_each_file(dir, parse_file, &ds);

	*parsed = n < 0 ? 0 : n;
	*reports = ds.reports;
	return n < 0 ? -1 : ds.failures;
}

/* What the progress callback saw. */
struct progress_seen {
	size_t calls, last_bytes, last_found, last_decoded, total;
	bool ordered;	/* bytes, found and decoded never went back */
};

static void progress_cb(void *ctx, size_t bytes, size_t total, size_t found,
			size_t decoded)
{
	struct progress_seen *p = ctx;

	if (bytes < p->last_bytes || found < p->last_found ||
	    (decoded && decoded < p->last_decoded) || bytes > total ||
	    decoded > found)
		p->ordered = false;
	p->calls++;
	p->last_bytes = bytes;
	p->last_found = found;
	p->last_decoded = decoded;
	p->total = total;
}

static void add_file(const char *path, const char *text, size_t len, void *arg)
{
	(void)path;
	buf_add(arg, text, len);
}

/*
 * The real corpus 8 times: progress is reported while scanning and while
 * decoding, never going back, and the reports are those lg_splat_parse()
 * finds.
 */
static void test_progress(void **state)
{
	struct progress_seen seen = { .ordered = true };
	struct lg_parse_progress prog = { .fn = progress_cb, .ctx = &seen };
	struct lg_splat_list a = { 0 }, b = { 0 };
	struct lg_parse_error perr;
	struct buf big = { 0 };

	(void)state;
	for (int i = 0; i < 8; i++)
		assert_true(for_each_file(SPLATS_DIR, add_file, &big) > 40);
	assert_int_equal(lg_splat_parse_progress(big.p, big.n, &a, &perr, &prog), 0);
	assert_int_equal(lg_splat_parse(big.p, big.n, &b, &perr), 0);
	assert_int_equal(a.n, b.n);
	assert_true(a.n >= 8 * 46);
	for (size_t i = 0; i < a.n; i++)
		assert_int_equal(a.v[i].first_line, b.v[i].first_line);
	assert_true(seen.ordered);
	assert_int_equal(seen.total, big.n);
	/* The decode stage ends the calls: all found, most decoded. */
	assert_int_equal(seen.last_found, a.n);
	assert_int_equal(seen.last_bytes, big.n);
	assert_true(seen.last_decoded > 0 && seen.last_decoded <= a.n &&
		    a.n - seen.last_decoded < 100);
	assert_true(seen.calls > a.n / 100);
	lg_splat_list_free(&a);
	lg_splat_list_free(&b);
	free(big.p);
}

static void test_regressions(void **state)
{
	int parsed, reports, failures;

	(void)state;
	failures = parse_dir(REGRESS_DIR, &parsed, &reports);
	if (failures < 0)
		fail_msg("%s: missing (run from the source tree)", REGRESS_DIR);
	assert_int_equal(failures, 0);
	print_message("%d regression inputs\n", parsed);
}

/* The fuzz seeds are real reports: each must parse, with a report. */
static void test_fuzz_seeds(void **state)
{
	struct dirent *de;
	DIR *d = opendir(FUZZ_CORPUS_DIR);
	int n = 0;

	(void)state;
	if (!d) {
		print_message("%s: missing (run from the source tree)\n",
			      FUZZ_CORPUS_DIR);
		skip();
	}
	while ((de = readdir(d)) != NULL) {
		struct lg_splat_list l = { 0 };
		struct lg_parse_error e;
		char path[4096];
		size_t len;
		char *text;
		int ret;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", FUZZ_CORPUS_DIR,
			 de->d_name);
		text = must_slurp(path, &len);
		ret = lg_splat_parse(text, len, &l, &e);
		if (ret || !l.n)
			fail_msg("%s: %d, %zu reports (line %u: %s)", path, ret,
				 l.n, e.line, e.msg);
		lg_splat_list_free(&l);
		free(text);
		n++;
	}
	closedir(d);
	assert_true(n > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_seed003),
		cmocka_unit_test(test_seed003_not_nul_terminated),
		cmocka_unit_test(test_prefix_styles),
		cmocka_unit_test(test_interleaved_callers),
		cmocka_unit_test(test_syzbot_two_classes),
		cmocka_unit_test(test_real_two_classes),
		cmocka_unit_test(test_old_style),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_inconsistent),
		cmocka_unit_test(test_chain_wrapped),
		cmocka_unit_test(test_no_report),
		cmocka_unit_test(test_binary),
		cmocka_unit_test(test_other_kinds),
		cmocka_unit_test(test_recursive_fixture),
		cmocka_unit_test(test_two_reports),
		cmocka_unit_test(test_mode_from_frames),
		cmocka_unit_test(test_report_forms),
		cmocka_unit_test(test_corpus_manifest),
		cmocka_unit_test(test_progress),
		cmocka_unit_test(test_regressions),
		cmocka_unit_test(test_fuzz_seeds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
