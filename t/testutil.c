/*
 * testutil.c - helpers shared by the criterion unit tests
 *
 * criterion forks a process per test, so each test gets its own temporary
 * directory, removed by an atexit handler in that process.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* lib */
#include "log.h"
#include "xalloc.h"

#include "testutil.h"

static char	 tu_dir[256];

/* tu_cleanup - remove the temporary directory */

static void
tu_cleanup(void)
{
	char	 cmd[300];

	if (tu_dir[0] == '\0')
		return;
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tu_dir);
	if (system(cmd) != 0)
		(void)fprintf(stderr, "could not remove %s\n", tu_dir);
}

/* tu_tmpdir - a private directory for this test */

const char *
tu_tmpdir(void)
{
	const char	*base = getenv("TMPDIR");

	if (tu_dir[0] != '\0')
		return (tu_dir);
	(void)snprintf(tu_dir, sizeof(tu_dir), "%s/winnow-unit.XXXXXX",
	    base ? base : "/tmp");
	if (mkdtemp(tu_dir) == NULL)
		log_fatal("mkdtemp %s failed", tu_dir);
	(void)atexit(tu_cleanup);
	return (tu_dir);
}

/* tu_write_file - create a file with some text */

const char *
tu_write_file(const char *name, const char *text)
{
	static char	 path[512];
	FILE		*fp;

	(void)snprintf(path, sizeof(path), "%s/%s", tu_tmpdir(), name);
	if ((fp = fopen(path, "w")) == NULL ||
	    fputs(text, fp) == EOF || fclose(fp) == EOF)
		log_fatal("cannot write %s", path);
	return (path);
}

/* tu_read_file - slurp a file */

char *
tu_read_file(const char *path, size_t *len_r)
{
	FILE	*fp;
	char	*data;
	long	 len;

	if ((fp = fopen(path, "rb")) == NULL)
		log_fatal("cannot open %s", path);
	(void)fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	rewind(fp);
	data = xmalloc((size_t)len + 1);
	if (fread(data, 1, (size_t)len, fp) != (size_t)len)
		log_fatal("cannot read %s", path);
	data[len] = '\0';
	(void)fclose(fp);
	*len_r = (size_t)len;
	return (data);
}

/* tu_srcdir - top of the source tree */

const char *
tu_srcdir(void)
{
	const char	*d = getenv("WINNOW_SRCDIR");

	return (d != NULL ? d : ".");
}
