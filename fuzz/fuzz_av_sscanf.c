/*
 * fuzz_av_sscanf.c - avsscanf.c's sscanf against glibc's, on any input
 *
 * The first input byte picks the format (the three the fast path answers
 * itself and some it must hand to glibc); the rest, NUL-terminated, is the
 * string.  The sscanf this program exports (avsscanf.c: what libclamav's
 * logical-signature evaluation calls) must return what glibc's GNU vsscanf
 * returns and assign the same values, or the target aborts.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "av_private.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	plain_sscanf(const char *restrict, const char *restrict, ...)
	    __asm__("sscanf");
int	gnu_vsscanf(const char *restrict, const char *restrict, va_list)
	    __asm__("vsscanf");

/* fuzz_glibc - glibc's answer */

static int
fuzz_glibc(const char *s, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = gnu_vsscanf(s, fmt, ap);
	va_end(ap);
	return (n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const char *const fmt[] = {
		"%u", "%u,%u", "%u-%u", "%u %u", "%d", "%u,", "%x",
	};
	unsigned int	 a[2] = { 7777, 7777 }, b[2] = { 7777, 7777 };
	const char	*f;
	char		*s;
	int		 na, nb;

	if (len == 0)
		return (0);
	f = fmt[data[0] % (sizeof(fmt) / sizeof(fmt[0]))];
	if ((s = malloc(len)) == NULL)
		return (0);
	memcpy(s, data + 1, len - 1);
	s[len - 1] = '\0';
	na = plain_sscanf(s, f, &a[0], &a[1]);
	nb = fuzz_glibc(s, f, &b[0], &b[1]);
	if (na != nb || a[0] != b[0] || a[1] != b[1])
		abort();
	free(s);
	return (0);
}
