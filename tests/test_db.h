/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading a test's store back: the first column of the first row of @sql.
 */
#ifndef LOCKGRAPH_TESTS_TEST_DB_H
#define LOCKGRAPH_TESTS_TEST_DB_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store.h"

/* The integer @sql gives on @s, or -1 when it gives no row. */
static inline int64_t scalar(struct lg_store *s, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	assert_int_equal(sqlite3_prepare_v2(lg_store_db(s), sql, -1, &st, NULL),
			 SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

#endif /* LOCKGRAPH_TESTS_TEST_DB_H */
