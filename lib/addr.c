/*
 * addr.c - envelope addresses, ESMTP parameters and xtext
 *
 * Deliberately lenient where real MTAs are (missing angle brackets, a space
 * after the colon, local parts without a domain for postmaster and for
 * default_domain qualification later) and strict where it matters for
 * safety: no control bytes, bounded length, balanced quotes and brackets.
 *
 * SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <string.h>

/* lib */
#include "addr.h"
#include "buf.h"
#include "xalloc.h"

/* addr_parse_path - parse an envelope path and find its parameters */

int
addr_parse_path(const char *s, char **addr_r, const char **params_r,
    struct buf *why)
{
	const char	*p, *start, *end;
	int		 quoted = 0, bracket;
	size_t		 len, i;

	while (*s == ' ')
		s++;
	bracket = (*s == '<');
	start = p = s + bracket;
	for (; *p != '\0'; p++) {
		if (quoted && *p == '\\' && p[1] != '\0') {
			p++;
			continue;
		}
		if (*p == '"')
			quoted = !quoted;
		else if (!quoted && bracket && *p == '>')
			break;
		else if (!quoted && !bracket && *p == ' ')
			break;
	}
	if (quoted) {
		buf_puts(why, "unbalanced quotes in address");
		return (-1);
	}
	if (bracket && *p != '>') {
		buf_puts(why, "missing '>' after address");
		return (-1);
	}
	end = p;
	if (*start == '@') {			/* source route: @a,@b:user@x */
		p = memchr(start, ':', (size_t)(end - start));
		if (p == NULL) {
			buf_puts(why, "bad source route in address");
			return (-1);
		}
		start = p + 1;
	}
	len = (size_t)(end - start);
	if (len > ADDR_MAX) {
		buf_printf(why, "address longer than %d bytes", ADDR_MAX);
		return (-1);
	}
	for (i = 0, quoted = 0; i < len; i++) {
		unsigned char c = (unsigned char)start[i];

		if (c < 0x20 || c == 0x7f) {
			buf_puts(why, "control character in address");
			return (-1);
		}
		if (c == '"')
			quoted = !quoted;
		else if (!quoted && (c == '<' || c == '>' || c == ' ')) {
			buf_puts(why, "bad character in address");
			return (-1);
		}
	}
	if (len > 0 && (start[len - 1] == '@' || start[0] == '@')) {
		buf_puts(why, "empty local part or domain in address");
		return (-1);
	}
	p = end + bracket;
	if (*p != '\0' && *p != ' ') {
		buf_puts(why, "garbage after address");
		return (-1);
	}
	while (*p == ' ')
		p++;
	*addr_r = xstrndup(start, len);
	*params_r = p;
	return (0);
}

/* addr_domain - the part after the last '@' */

const char *
addr_domain(const char *addr)
{
	const char	*at = strrchr(addr, '@');

	return (at != NULL && at[1] != '\0' ? at + 1 : NULL);
}

/* addr_hexval - value of a hex digit, -1 if not one (upper case only) */

static int
addr_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	if (c >= 'a' && c <= 'f')		/* lenient: seen in the wild */
		return (c - 'a' + 10);
	return (-1);
}

/* addr_xtext_decode - decode xtext */

int
addr_xtext_decode(const char *s, size_t len, struct buf *out)
{
	size_t	 i;
	int	 hi, lo;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '+') {
			if (i + 2 >= len)
				return (-1);
			hi = addr_hexval((unsigned char)s[i + 1]);
			lo = addr_hexval((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0)
				return (-1);
			buf_putc(out, hi << 4 | lo);
			i += 2;
		} else if (c < 33 || c > 126 || c == '=') {
			return (-1);
		} else {
			buf_putc(out, c);
		}
	}
	return (0);
}

/* addr_xtext_encode - encode bytes as xtext */

void
addr_xtext_encode(const char *s, size_t len, struct buf *out)
{
	size_t	 i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 33 || c > 126 || c == '+' || c == '=')
			buf_printf(out, "+%02X", c);
		else
			buf_putc(out, c);
	}
}

/* addr_param_next - the next "KEY=VALUE" of an ESMTP parameter list */

int
addr_param_next(const char **cursor, const char **key, size_t *klen,
    const char **val, size_t *vlen)
{
	const char	*p = *cursor, *eq, *end;

	while (*p == ' ')
		p++;
	if (*p == '\0') {
		*cursor = p;
		return (0);
	}
	end = p + strcspn(p, " ");
	eq = memchr(p, '=', (size_t)(end - p));
	*key = p;
	if (eq != NULL) {
		*klen = (size_t)(eq - p);
		*val = eq + 1;
		*vlen = (size_t)(end - eq - 1);
	} else {
		*klen = (size_t)(end - p);
		*val = NULL;
		*vlen = 0;
	}
	*cursor = end;
	return (1);
}
