/*
 * mailcs.c - charset names and conversion to UTF-8
 *
 * Conversion goes through glibc's iconv.  MIME labels are first mapped to
 * the names iconv knows, with the aliases GMime used (so text decodes as
 * it did before): "gb2312" and "euc-cn" are read as GBK (a superset that
 * mislabelled mail needs), the Korean labels as EUC-KR, "iso8859_1" and
 * the like as "iso-8859-1", "windows-cp1252" and "microsoft-1252" as
 * CP1252, the Shift_JIS spellings as "shift-jis".  A byte iconv cannot
 * convert becomes '?' and conversion goes on; an incomplete sequence at the
 * end is dropped.
 *
 * The UTF-8 check is GLib's: no NUL, no overlong form, no surrogate,
 * nothing above U+10FFFF.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* lib */
#include "buf.h"

#include "mail_private.h"

#define MAILCS_NAME_MAX	64

/* Labels iconv knows by another name. */
static const struct {
	const char	*label;
	const char	*iconv;
} mailcs_alias[] = {
	{ "utf-8", "UTF-8" }, { "utf8", "UTF-8" },
	{ "iso-10646-1", "UCS-2BE" }, { "iso_10646-1", "UCS-2BE" },
	{ "iso10646-1", "UCS-2BE" }, { "iso-10646", "UCS-2BE" },
	{ "iso_10646", "UCS-2BE" }, { "iso10646", "UCS-2BE" },
	{ "ks_c_5601-1987", "EUC-KR" }, { "5601", "EUC-KR" },
	{ "ksc-5601", "EUC-KR" }, { "ksc-5601-1987", "EUC-KR" },
	{ "ksc-5601_1987", "EUC-KR" }, { "ks_c_5861-1992", "EUC-KR" },
	{ "euckr-0", "EUC-KR" },
	{ "big5-0", "BIG5" }, { "big5.eten-0", "BIG5" },
	{ "big5hkscs-0", "BIG5HKSCS" },
	{ "gb2312", "GBK" }, { "gb-2312", "GBK" }, { "gb2312-0", "GBK" },
	{ "gb2312-80", "GBK" }, { "gb2312.1980-0", "GBK" },
	{ "euc-cn", "GBK" }, { "gbk-0", "GBK" },
	{ "gb18030-0", "gb18030" },
	{ "eucjp-0", "eucJP" }, { "ujis-0", "ujis" },
	{ NULL, NULL }
};

static const char *const mailcs_sjis[] = {
	"shift-jis", "shift_jis", "sjis", "shift_jis-2004", "shift_jisx0213",
	"jisx0208.1983-0", "jisx0212.1990-0", "pck", NULL
};

/* mailcs_iso - "iso8859_1", "iso-2022-jp": iconv's spelling, or NULL */

static const char *
mailcs_iso(const char *low, char *out, size_t size)
{
	const char	*p = low + 3;
	char		*e;
	unsigned long	 iso, cp;

	if (*p == '-' || *p == '_')
		p++;
	iso = strtoul(p, &e, 10);
	if (e == p)
		return (low);		/* not "iso" and a number */
	if (iso == 10646) {
		(void)snprintf(out, size, "iso-10646");
		return (out);
	}
	p = e;
	if (*p == '-' || *p == '_')
		p++;
	cp = strtoul(p, &e, 10);
	if (e > p)
		(void)snprintf(out, size, "iso-%lu-%lu", iso, cp);
	else
		(void)snprintf(out, size, "iso-%lu-%s", iso, p);
	return (out);
}

/* mailcs_iconv_name - the name iconv knows a label by */

const char *
mailcs_iconv_name(const char *label, char *out, size_t size)
{
	char	 low[MAILCS_NAME_MAX];
	size_t	 i;

	(void)snprintf(low, sizeof(low), "%s", label);
	mailctype_lower(low);
	for (i = 0; mailcs_alias[i].label != NULL; i++)
		if (strcmp(low, mailcs_alias[i].label) == 0) {
			(void)snprintf(out, size, "%s", mailcs_alias[i].iconv);
			return (out);
		}
	if (strncmp(low, "iso", 3) == 0) {
		if (mailcs_iso(low, out, size) == out)
			return (out);
		(void)snprintf(out, size, "%s", low);
		return (out);
	}
	if (strncmp(low, "windows-", 8) == 0 ||
	    strncmp(low, "microsoft-", 10) == 0) {
		i = low[0] == 'w' ? 8 : 10;
		if (strncmp(low + i, "cp", 2) == 0)
			i += 2;
		(void)snprintf(out, size, "CP%s", low + i);
		return (out);
	}
	for (i = 0; mailcs_sjis[i] != NULL; i++)
		if (strcmp(low, mailcs_sjis[i]) == 0) {
			(void)snprintf(out, size, "shift-jis");
			return (out);
		}
	(void)snprintf(out, size, "%s", label);
	return (out);
}

/* mailcs_open - an iconv descriptor from a label to UTF-8, or NULL */

void *
mailcs_open(const char *charset)
{
	char	 name[MAILCS_NAME_MAX];
	iconv_t	 cd;

	if (charset == NULL)
		return (NULL);
	if (mailctype_casecmp(charset, "x-unknown") == 0)
		charset = "iso-8859-1";
	cd = iconv_open("UTF-8", mailcs_iconv_name(charset, name,
	    sizeof(name)));
	return (cd == (iconv_t)-1 ? NULL : (void *)cd);
}

/* mailcs_close - close a descriptor from mailcs_open */

void
mailcs_close(void *cd)
{
	if (cd != NULL)
		(void)iconv_close((iconv_t)cd);
}

/* mailcs_convert - convert through cd into out; bytes not converted */

long
mailcs_convert(void *cd, const char *in, size_t len, struct buf *out)
{
	char	*ip = (char *)(uintptr_t)in, *op;
	size_t	 inleft = len, outleft, room;
	long	 bad = 0;

	room = len * 2 + 16;
	op = buf_reserve(out, room);
	outleft = room;
	while (inleft > 0) {
		if (iconv((iconv_t)cd, &ip, &inleft, &op, &outleft) !=
		    (size_t)-1)
			break;
		if (errno == EINVAL) {		/* cut short at the end */
			bad += (long)inleft;
			break;
		}
		if (errno == E2BIG || outleft == 0) {
			buf_commit(out, room - outleft);
			room = inleft * 2 + 16;
			op = buf_reserve(out, room);
			outleft = room;
			continue;
		}
		/* EILSEQ (or anything else): one byte it cannot read */
		*op++ = '?';
		outleft--;
		ip++;
		inleft--;
		bad++;
	}
	while (iconv((iconv_t)cd, NULL, NULL, &op, &outleft) == (size_t)-1 &&
	    errno == E2BIG) {
		buf_commit(out, room - outleft);
		room = 16;
		op = buf_reserve(out, room);
		outleft = room;
	}
	buf_commit(out, room - outleft);
	return (bad);
}

/* mailcs_to_utf8 - convert len bytes of charset into out */

long
mailcs_to_utf8(const char *charset, const char *in, size_t len,
    struct buf *out)
{
	void	*cd;
	long	 bad;

	if ((cd = mailcs_open(charset)) == NULL)
		return (-1);
	bad = mailcs_convert(cd, in, len, out);
	mailcs_close(cd);
	return (bad);
}

/* mailcs_utf8_valid - GLib's notion of valid UTF-8 */

int
mailcs_utf8_valid(const char *s, size_t len, size_t *bad_r)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t		 i = 0, n, k;
	uint32_t	 c, min;

	while (i < len) {
		c = p[i];
		if (c == 0)
			goto bad;
		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			n = 1;
			min = 0x80;
			c &= 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2;
			min = 0x800;
			c &= 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3;
			min = 0x10000;
			c &= 0x07;
		} else
			goto bad;
		if (len - i <= n)
			goto bad;
		for (k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				goto bad;
			c = (c << 6) | (p[i + k] & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c & 0xfffff800) == 0xd800)
			goto bad;
		i += n + 1;
	}
	return (1);
bad:
	if (bad_r != NULL)
		*bad_r = i;
	return (0);
}
