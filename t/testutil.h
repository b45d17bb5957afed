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

/*
 * A downstream SMTP/LMTP server for tests: a thread on a unix socket that
 * answers 220, EHLO/LHLO with PIPELINING, DSN and XFORWARD, 250 to every
 * command, 354 to DATA and 250 after the dot (one per recipient in LMTP
 * mode), and records every byte it receives.
 */
struct tu_sink;

/* Start a sink listening at path; lmtp selects LMTP replies. */
struct tu_sink	*tu_sink_start(const char *path, int lmtp);

/* Everything received so far, connection after connection in the order
 * they were accepted (NUL-terminated copy; caller frees). */
char		*tu_sink_received(struct tu_sink *);
