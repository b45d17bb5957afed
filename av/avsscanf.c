/*
 * avsscanf.c - sscanf with a fast path for libclamav's logical signatures
 *
 * At the end of every object it scans, libclamav evaluates every logical
 * signature of every matcher it used (cli_exp_eval -> cli_ac_chklsig), and
 * it parses each signature's expression anew each time: two or more
 * sscanf(expr, "%u") per signature, 10,000 or more calls per object with
 * the 5,000 logical signatures of bench/av-gen.py (daily.cvd has more).
 * glibc's general scanf machinery (a FILE set up on the string, strlen,
 * strtoull, the format interpreter) was a quarter of the scan process's
 * CPU in perf, more than the pattern matching itself.
 *
 * This file defines sscanf.  The executable exports it (libclamav refers
 * to sscanf, so the linker puts the executable's definition in its dynamic
 * symbol table), and the dynamic linker binds libclamav's calls to it:
 * ELF interposition, as an allocator replaces malloc.  It answers the three
 * formats libclamav's matchers use, "%u", "%u,%u" and "%u-%u", itself
 * when each number it converts starts with a digit and has at most nine
 * digits (no sign, no leading blank, no overflow): for those inputs the
 * answer is by construction the one glibc gives (the same count, the same
 * values, nothing else assigned).  Every other call - another format, a
 * blank, a sign, ten digits or more, a second number that does not start
 * with a digit - goes to vsscanf, unchanged.
 *
 * SPDX-License-Identifier: MIT
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "av_private.h"

#define AVSSCANF_DIGITS	9	/* < 10^9 fits an unsigned int */

/* The names the symbols must have.  In C99 and later <stdio.h> redirects
 * sscanf and vsscanf to __isoc99_sscanf and __isoc99_vsscanf (the scanf
 * without GNU's old "%as"): that is what winnow's own calls use, and this
 * file must not replace it.  libclamav calls the GNU sscanf by its plain
 * name, which is the one defined here, and the fallback is the GNU
 * vsscanf, so every call libclamav makes still gets the semantics it was
 * built for. */
int	avsscanf_sscanf(const char *restrict, const char *restrict, ...)
	    __asm__("sscanf");
int	avsscanf_vsscanf_gnu(const char *restrict, const char *restrict,
	    va_list) __asm__("vsscanf");

/* avsscanf_num - an unsigned decimal at s of 1..AVSSCANF_DIGITS digits:
 * its length (0: not one the fast path may answer) */

static size_t
avsscanf_num(const char *s, unsigned int *v)
{
	size_t	 n;

	*v = 0;
	for (n = 0; s[n] >= '0' && s[n] <= '9'; n++) {
		if (n == AVSSCANF_DIGITS)
			return (0);
		*v = *v * 10 + (unsigned int)(s[n] - '0');
	}
	return (n);
}

/* avsscanf_fast - the fast path: the count sscanf returns and the values
 * in v[], or -1 when vsscanf must answer */

int
avsscanf_fast(const char *s, const char *fmt, unsigned int v[2])
{
	size_t	 n, m;
	char	 sep;

	if (fmt[0] != '%' || fmt[1] != 'u')
		return (-1);
	if (fmt[2] == '\0')
		sep = '\0';
	else if ((fmt[2] == ',' || fmt[2] == '-') && fmt[3] == '%' &&
	    fmt[4] == 'u' && fmt[5] == '\0')
		sep = fmt[2];
	else
		return (-1);
	if ((n = avsscanf_num(s, &v[0])) == 0)
		return (-1);
	if (sep == '\0' || s[n] != sep)
		return (1);	/* glibc: the literal does not match, or the
				 * input ended after a conversion */
	if ((m = avsscanf_num(s + n + 1, &v[1])) == 0)
		return (-1);
	return (2);
}

/* avsscanf_sscanf - sscanf, as libclamav (and any other caller of the
 * plain name in this process) calls it */

int
avsscanf_sscanf(const char *restrict s, const char *restrict fmt, ...)
{
	unsigned int	 v[2];
	va_list		 ap;
	int		 n, i;

	va_start(ap, fmt);
	if ((n = avsscanf_fast(s, fmt, v)) < 0)
		n = avsscanf_vsscanf_gnu(s, fmt, ap);
	else
		for (i = 0; i < n; i++)
			*va_arg(ap, unsigned int *) = v[i];
	va_end(ap);
	return (n);
}

/* avsscanf_bound - do this process's calls of sscanf (libclamav's among
 * them) reach the definition above */

int
avsscanf_bound(void)
{
	return (dlsym(RTLD_DEFAULT, "sscanf") == (void *)avsscanf_sscanf);
}
