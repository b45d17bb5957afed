/*
 * xalloc.c - allocators that never return NULL
 *
 * Every allocation in winnow goes through here so that out-of-memory has
 * exactly one outcome: a fatal log line and exit, never a NULL dereference
 * somewhere far away.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

/* lib */
#include "log.h"
#include "status.h"
#include "xalloc.h"

/* xalloc_fail - report an allocation failure and exit */

static void
xalloc_fail(const char *what, size_t len)
{
	log_fatal_code(EX_OSERR, "%s: out of memory allocating %zu bytes",
	    what, len);
}

/* xmalloc - malloc or die */

void *
xmalloc(size_t len)
{
	void	*p;

	if ((p = malloc(len ? len : 1)) == NULL)
		xalloc_fail("xmalloc", len);
	return (p);
}

/* xcalloc - calloc or die */

void *
xcalloc(size_t nmemb, size_t size)
{
	void	*p;

	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	if ((p = calloc(nmemb, size)) == NULL)
		xalloc_fail("xcalloc", nmemb * size);
	return (p);
}

/* xrealloc - realloc or die */

void *
xrealloc(void *ptr, size_t len)
{
	void	*p;

	if ((p = realloc(ptr, len ? len : 1)) == NULL)
		xalloc_fail("xrealloc", len);
	return (p);
}

/* xreallocarray - realloc an array, checking nmemb * size for overflow */

void *
xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	if (size != 0 && nmemb > SIZE_MAX / size)
		xalloc_fail("xreallocarray (overflow)", SIZE_MAX);
	return (xrealloc(ptr, nmemb * size));
}

/* xstrdup - strdup or die; NULL stays NULL */

char *
xstrdup(const char *s)
{
	return (s == NULL ? NULL : xmemdup(s, strlen(s)));
}

/* xstrndup - copy at most len bytes of s */

char *
xstrndup(const char *s, size_t len)
{
	return (xmemdup(s, strnlen(s, len)));
}

/* xmemdup - copy len bytes and terminate them */

void *
xmemdup(const void *src, size_t len)
{
	char	*p;

	if (len == SIZE_MAX)
		xalloc_fail("xmemdup (overflow)", len);
	p = xmalloc(len + 1);
	memcpy(p, src, len);
	p[len] = '\0';
	return (p);
}

/* wn_status_str - name a WN_* status */

const char *
wn_status_str(int status)
{
	switch (status) {
	case WN_OK:
		return ("ok");
	case WN_TEMP:
		return ("temporary failure");
	case WN_PERM:
		return ("permanent failure");
	default:
		return ("unknown status");
	}
}
