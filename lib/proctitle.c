/*
 * proctitle.c - the process title, written over argv
 *
 * argv's strings and, right after them, the environment's are one block
 * of memory the kernel reports as the command line.  proctitle_init()
 * copies the environment strings to the heap (environ points at the
 * copies), after which the whole block is ours to overwrite; argv[0] is
 * kept as a copy for whoever wants the program name.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* lib */
#include "proctitle.h"
#include "xalloc.h"

extern char	**environ;

static char	*proctitle_start;	/* the block: argv[0] ... */
static size_t	 proctitle_len;		/* its bytes */
static size_t	 proctitle_used;	/* bytes the last title took */

/* proctitle_init - take over argv's and environ's strings */

void
proctitle_init(int argc, char **argv)
{
	char	*end;
	int	 i, n;

	if (argc < 1 || argv == NULL || argv[0] == NULL)
		return;
	end = argv[0] + strlen(argv[0]) + 1;
	for (i = 1; i < argc && argv[i] == end; i++)
		end = argv[i] + strlen(argv[i]) + 1;
	if (i < argc)
		return;			/* not one block: leave it alone */
	for (n = 0; environ != NULL && environ[n] != NULL; n++)
		;
	if (n > 0 && environ[0] == end) {
		char	**env = xcalloc((size_t)n + 1, sizeof(char *));

		for (i = 0; i < n; i++) {
			if (environ[i] == end)
				end = environ[i] + strlen(environ[i]) + 1;
			env[i] = xstrdup(environ[i]);
		}
		environ = env;
	}
	for (i = 1; i < argc; i++)
		argv[i] = xstrdup(argv[i]);
	proctitle_start = argv[0];
	proctitle_len = (size_t)(end - argv[0]);
	argv[0] = xstrdup(argv[0]);
}

/* proctitle_set - write a new title */

void
proctitle_set(const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (proctitle_start == NULL || proctitle_len < 2)
		return;
	va_start(ap, fmt);
	n = vsnprintf(proctitle_start, proctitle_len - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > proctitle_len - 2)
		n = (int)(proctitle_len - 2);
	/* Clear what a longer title before left (the first call: all of
	 * it), not the whole block each time: children retitle themselves
	 * with every session. */
	if (proctitle_used == 0)
		proctitle_used = proctitle_len;
	if (proctitle_used > (size_t)n)
		memset(proctitle_start + n, 0, proctitle_used - (size_t)n);
	proctitle_used = (size_t)n + 1;
}
