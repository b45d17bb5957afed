/*
 * testutil.h - helpers shared by the criterion unit tests
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_TESTUTIL_H
#define WINNOW_TESTUTIL_H

#include <stddef.h>

/* A fresh private directory for this test process (removed at exit). */
const char	*tu_tmpdir(void);

/* Write text to a new file in tu_tmpdir(); returns its path (static). */
const char	*tu_write_file(const char *name, const char *text);

/* Read a whole file; *len_r gets its size.  Caller frees. */
char		*tu_read_file(const char *path, size_t *len_r);

/* The source tree's top directory (for t/data). */
const char	*tu_srcdir(void);

#endif /* WINNOW_TESTUTIL_H */
