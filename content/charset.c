/*
 * charset.c - any charset to valid UTF-8
 *
 * Everything content/ reads downstream is valid UTF-8 with LF line ends and
 * no NUL bytes, so the HTML parser, the tokenizer and the word lists never
 * see a broken sequence.  Conversion goes through iconv (the alias
 * table of mail/mailcs.c first, so "ks_c_5601-1987" or "gb2312" read as
 * GMime read them); a byte iconv rejects
 * becomes U+FFFD and conversion goes on.  Text that is labelled UTF-8 or
 * ASCII but is not valid is decoded as windows-1252, which is what the
 * mislabelled mail of the wild nearly always is.  A charset iconv does not
 * know is handled the same way, and the caller is told.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* external */
#include <glib.h>

/* lib */
#include "buf.h"
#include "xalloc.h"

/* mail */
#include "mail.h"

#include "content_private.h"

/* windows-1252 0x80..0x9f; holes decode to U+FFFD */
static const uint16_t cp1252_hi[32] = {
	0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0xfffd, 0x017d, 0xfffd,
	0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0xfffd, 0x017e, 0x0178
};

/* charset_put - append one code point as UTF-8 */

static void
charset_put(struct buf *out, uint32_t c)
{
	char	 u[4];

	if (c < 0x80) {
		buf_putc(out, (int)c);
		return;
	}
	if (c < 0x800) {
		u[0] = (char)(0xc0 | (c >> 6));
		u[1] = (char)(0x80 | (c & 0x3f));
		buf_append(out, u, 2);
	} else if (c < 0x10000) {
		u[0] = (char)(0xe0 | (c >> 12));
		u[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		u[2] = (char)(0x80 | (c & 0x3f));
		buf_append(out, u, 3);
	} else {
		u[0] = (char)(0xf0 | (c >> 18));
		u[1] = (char)(0x80 | ((c >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((c >> 6) & 0x3f));
		u[3] = (char)(0x80 | (c & 0x3f));
		buf_append(out, u, 4);
	}
}

/* charset_seq - length of the valid UTF-8 sequence at p, 0 if invalid */

static size_t
charset_seq(const unsigned char *p, size_t left)
{
	if (p[0] < 0x80)
		return (1);
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		return (left >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0);
	if (p[0] >= 0xe0 && p[0] <= 0xef) {
		if (left < 3 || (p[1] & 0xc0) != 0x80 ||
		    (p[2] & 0xc0) != 0x80)
			return (0);
		if (p[0] == 0xe0 && p[1] < 0xa0)
			return (0);		/* overlong */
		if (p[0] == 0xed && p[1] >= 0xa0)
			return (0);		/* surrogate */
		return (3);
	}
	if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		if (left < 4 || (p[1] & 0xc0) != 0x80 ||
		    (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80)
			return (0);
		if (p[0] == 0xf0 && p[1] < 0x90)
			return (0);
		if (p[0] == 0xf4 && p[1] >= 0x90)
			return (0);
		return (4);
	}
	return (0);
}

/* charset_scan - count valid multi-byte sequences and invalid bytes */

static void
charset_scan(const char *s, size_t len, size_t *multi, size_t *bad)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t	 i = 0, n;

	*multi = *bad = 0;
	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((n = charset_seq(p + i, len - i)) == 0) {
			(*bad)++;
			i++;
		} else {
			(*multi)++;
			i += n;
		}
	}
}

/* charset_valid - whether bytes are valid UTF-8 */

static int
charset_valid(const char *s, size_t len)
{
	size_t	 multi, bad;

	charset_scan(s, len, &multi, &bad);
	return (bad == 0);
}

/* charset_utf8 - append UTF-8, replacing invalid bytes with U+FFFD */

static void
charset_utf8(const char *s, size_t len, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t	 i = 0, start = 0, n;

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((n = charset_seq(p + i, len - i)) != 0) {
			i += n;
			continue;
		}
		buf_append(out, s + start, i - start);
		charset_put(out, 0xfffd);
		start = ++i;
	}
	buf_append(out, s + start, len - start);
}

/* charset_cp1252 - append windows-1252 text as UTF-8 */

static void
charset_cp1252(const char *s, size_t len, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t	 i, start = 0;

	for (i = 0; i < len; i++) {
		if (p[i] < 0x80)
			continue;
		buf_append(out, s + start, i - start);
		charset_put(out, p[i] < 0xa0 ? cp1252_hi[p[i] - 0x80] : p[i]);
		start = i + 1;
	}
	buf_append(out, s + start, len - start);
}

/* charset_iconv - convert with iconv; U+FFFD for what it rejects */

static void
charset_iconv(iconv_t cd, const char *in, size_t len, struct buf *out)
{
	char	*ip = (char *)(uintptr_t)in, *op;
	size_t	 il = len, ol, room, r;

	(void)iconv(cd, NULL, NULL, NULL, NULL);
	while (il > 0) {
		room = il * 2 + 16;
		op = buf_reserve(out, room);
		ol = room;
		r = iconv(cd, &ip, &il, &op, &ol);
		buf_commit(out, room - ol);
		if (r != (size_t)-1)
			break;
		if (errno == E2BIG)
			continue;
		/* EILSEQ or EINVAL (truncated at the end): skip one byte */
		charset_put(out, 0xfffd);
		ip++;
		il--;
	}
	/* flush shift state (ISO-2022-*) */
	op = buf_reserve(out, 16);
	ol = 16;
	if (iconv(cd, NULL, NULL, &op, &ol) != (size_t)-1)
		buf_commit(out, 16 - ol);
}

/* charset_is_utf8 - labels that mean UTF-8 */

static int
charset_is_utf8(const char *cs)
{
	return (strcasecmp(cs, "utf-8") == 0 || strcasecmp(cs, "utf8") == 0 ||
	    strcasecmp(cs, "x-utf-8") == 0);
}

/* charset_is_plain - labels that say nothing beyond ASCII */

static int
charset_is_plain(const char *cs)
{
	static const char *const plain[] = {
		"us-ascii", "ascii", "ansi_x3.4-1968", "iso646-us", "us",
		"unknown-8bit", "x-unknown", "unknown", "default", "8bit",
		"x-user-defined", NULL
	};
	size_t	 i;

	for (i = 0; plain[i] != NULL; i++)
		if (strcasecmp(cs, plain[i]) == 0)
			return (1);
	return (0);
}

/* charset_is_latin - labels that windows-1252 decodes as well or better */

static int
charset_is_latin(const char *cs)
{
	return (strcasecmp(cs, "iso-8859-1") == 0 ||
	    strcasecmp(cs, "iso8859-1") == 0 ||
	    strcasecmp(cs, "latin1") == 0 ||
	    strcasecmp(cs, "windows-1252") == 0 ||
	    strcasecmp(cs, "cp1252") == 0);
}

/* charset_fixup - make what was appended at from: LF line ends, no NUL */

static void
charset_fixup(struct buf *out, size_t from)
{
	char	*p = out->data, *w;
	size_t	 i;

	w = p + from;
	for (i = from; i < out->len; i++) {
		if (p[i] == '\r') {
			if (i + 1 < out->len && p[i + 1] == '\n')
				continue;
			*w++ = '\n';
		} else if (p[i] == '\0')
			*w++ = ' ';
		else
			*w++ = p[i];
	}
	buf_truncate(out, (size_t)(w - p));
}

/* charset_to_utf8 - append text in some charset as clean UTF-8 */

int
charset_to_utf8(const char *charset, const char *in, size_t len,
    struct buf *out)
{
	iconv_t	 cd;
	size_t	 from = out->len;
	int	 rc = 0;

	if (charset == NULL || *charset == '\0' || charset_is_plain(charset) ||
	    charset_is_utf8(charset)) {
		size_t	 multi, bad;

		/* damaged UTF-8 keeps its good sequences; text with more bad
		 * bytes than good sequences is mislabelled windows-1252 */
		charset_scan(in, len, &multi, &bad);
		if (bad == 0)
			buf_append(out, in, len);
		else if (multi >= bad)
			charset_utf8(in, len, out);
		else
			charset_cp1252(in, len, out);
	} else if (charset_is_latin(charset))
		charset_cp1252(in, len, out);
	else if ((cd = (iconv_t)mailcs_open(charset)) == NULL) {
		rc = -1;
		if (charset_valid(in, len))
			buf_append(out, in, len);
		else
			charset_cp1252(in, len, out);
	} else {
		charset_iconv(cd, in, len, out);
		mailcs_close(cd);
		/* iconv output is valid UTF-8, but be sure of it */
		if (!charset_valid(out->data + from, out->len - from)) {
			char	*copy = xmemdup(out->data + from,
			    out->len - from);
			size_t	 n = out->len - from;

			buf_truncate(out, from);
			charset_utf8(copy, n, out);
			free(copy);
		}
	}
	charset_fixup(out, from);
	return (rc);
}

/* charset_is_eastern - CJK and Thai charset labels */

int
charset_is_eastern(const char *cs)
{
	static const char *const exact[] = {
		"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "ms936",
		"windows-936", "euc-cn", "x-euc-cn", "hz-gb-2312", "hz",
		"big5", "big5-hkscs", "x-x-big5", "cp950", "euc-tw",
		"x-euc-tw", "euc-jp", "x-euc-jp", "shift_jis", "shift-jis",
		"sjis", "x-sjis", "ms_kanji", "cp932", "windows-31j",
		"euc-kr", "x-euc-kr", "ks_c_5601-1987", "ks_c_5601",
		"ksc5601", "ksc_5601", "cp949", "uhc", "johab",
		"tis-620", "tis620", "windows-874", "cp874", "iso-8859-11",
		"x-mac-thai", "x-mac-japanese", "x-mac-korean",
		"x-mac-chinesesimp", "x-mac-chinesetrad", "csgb2312",
		"csbig5", "csshiftjis", "cseuckr", NULL
	};
	size_t	 i;

	if (cs == NULL)
		return (0);
	if (strncasecmp(cs, "iso-2022-jp", 11) == 0 ||
	    strncasecmp(cs, "iso-2022-kr", 11) == 0 ||
	    strncasecmp(cs, "iso-2022-cn", 11) == 0)
		return (1);
	for (i = 0; exact[i] != NULL; i++)
		if (strcasecmp(cs, exact[i]) == 0)
			return (1);
	return (0);
}

/* charset_eastern_lang - the language of a CJK or Thai charset label
 * (FINDINGS_LANG_*), 0 for any other */

unsigned int
charset_eastern_lang(const char *cs)
{
	static const struct {
		const char	*prefix;
		unsigned int	 lang;
	} map[] = {
		{ "gb", FINDINGS_LANG_ZH }, { "x-gbk", FINDINGS_LANG_ZH },
		{ "cp936", FINDINGS_LANG_ZH }, { "ms936", FINDINGS_LANG_ZH },
		{ "windows-936", FINDINGS_LANG_ZH },
		{ "euc-cn", FINDINGS_LANG_ZH }, { "x-euc-cn", FINDINGS_LANG_ZH },
		{ "hz", FINDINGS_LANG_ZH }, { "big5", FINDINGS_LANG_ZH },
		{ "x-x-big5", FINDINGS_LANG_ZH }, { "cp950", FINDINGS_LANG_ZH },
		{ "euc-tw", FINDINGS_LANG_ZH }, { "x-euc-tw", FINDINGS_LANG_ZH },
		{ "iso-2022-cn", FINDINGS_LANG_ZH },
		{ "x-mac-chinese", FINDINGS_LANG_ZH },
		{ "csgb", FINDINGS_LANG_ZH }, { "csbig5", FINDINGS_LANG_ZH },
		{ "euc-jp", FINDINGS_LANG_JA }, { "x-euc-jp", FINDINGS_LANG_JA },
		{ "shift", FINDINGS_LANG_JA }, { "sjis", FINDINGS_LANG_JA },
		{ "x-sjis", FINDINGS_LANG_JA }, { "ms_kanji", FINDINGS_LANG_JA },
		{ "cp932", FINDINGS_LANG_JA }, { "windows-31j", FINDINGS_LANG_JA },
		{ "iso-2022-jp", FINDINGS_LANG_JA },
		{ "x-mac-japanese", FINDINGS_LANG_JA },
		{ "csshiftjis", FINDINGS_LANG_JA },
		{ "euc-kr", FINDINGS_LANG_KO }, { "x-euc-kr", FINDINGS_LANG_KO },
		{ "ks_c", FINDINGS_LANG_KO }, { "ksc", FINDINGS_LANG_KO },
		{ "cp949", FINDINGS_LANG_KO }, { "uhc", FINDINGS_LANG_KO },
		{ "johab", FINDINGS_LANG_KO }, { "iso-2022-kr", FINDINGS_LANG_KO },
		{ "x-mac-korean", FINDINGS_LANG_KO },
		{ "cseuckr", FINDINGS_LANG_KO },
		{ "tis", FINDINGS_LANG_TH }, { "windows-874", FINDINGS_LANG_TH },
		{ "cp874", FINDINGS_LANG_TH }, { "iso-8859-11", FINDINGS_LANG_TH },
		{ "x-mac-thai", FINDINGS_LANG_TH },
	};
	size_t	 i;

	if (!charset_is_eastern(cs))
		return (0);
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strncasecmp(cs, map[i].prefix, strlen(map[i].prefix)) == 0)
			return (map[i].lang);
	return (0);
}

/* charset_eastern_cp - CJK ideographs, kana, hangul, Thai */

static int
charset_eastern_cp(uint32_t c)
{
	return ((c >= 0x0e00 && c <= 0x0e7f) ||	/* Thai */
	    (c >= 0x1100 && c <= 0x11ff) ||		/* Hangul Jamo */
	    (c >= 0x3040 && c <= 0x30ff) ||		/* kana */
	    (c >= 0x3130 && c <= 0x318f) ||		/* Hangul compat */
	    (c >= 0x3400 && c <= 0x4dbf) ||		/* CJK ext A */
	    (c >= 0x4e00 && c <= 0x9fff) ||		/* CJK */
	    (c >= 0xac00 && c <= 0xd7af) ||		/* Hangul */
	    (c >= 0xf900 && c <= 0xfaff) ||		/* CJK compat */
	    (c >= 0xff66 && c <= 0xff9f) ||		/* half-width kana */
	    (c >= 0x20000 && c <= 0x2fa1f));		/* CJK ext B.. */
}

/* charset_count - letters and Eastern code points of UTF-8 text */

void
charset_count(const char *s, size_t len, size_t *letters, size_t *eastern)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t	 i = 0, n;
	gunichar c;

	while (i < len) {
		if (p[i] < 0x80) {
			if ((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'z')
				(*letters)++;
			i++;
			continue;
		}
		if ((n = charset_seq(p + i, len - i)) == 0) {
			i++;
			continue;
		}
		c = g_utf8_get_char(s + i);
		if (charset_eastern_cp(c)) {
			(*eastern)++;
			(*letters)++;
		} else if (g_unichar_isalpha(c))
			(*letters)++;
		i += n;
	}
}

/* charset_langs - the Eastern languages of UTF-8 text, by script: Thai,
 * Hangul (Korean), kana (Japanese: its Han characters are Japanese too),
 * Han without kana (Chinese); a script counts from a tenth of the Eastern
 * characters on, so a stray symbol names no language */

unsigned int
charset_langs(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t		 i = 0, n, thai = 0, hangul = 0, kana = 0, han = 0, all;
	unsigned int	 langs = 0;
	gunichar	 c;

	while (i < len) {
		if (p[i] < 0x80 || (n = charset_seq(p + i, len - i)) == 0) {
			i++;
			continue;
		}
		c = g_utf8_get_char(s + i);
		if (c >= 0x0e00 && c <= 0x0e7f)
			thai++;
		else if ((c >= 0x1100 && c <= 0x11ff) ||
		    (c >= 0x3130 && c <= 0x318f) || (c >= 0xac00 && c <= 0xd7af))
			hangul++;
		else if ((c >= 0x3040 && c <= 0x30ff) ||
		    (c >= 0xff66 && c <= 0xff9f))
			kana++;
		else if (charset_eastern_cp(c))
			han++;
		i += n;
	}
	if ((all = thai + hangul + kana + han) == 0)
		return (0);
	if (thai * 10 >= all)
		langs |= FINDINGS_LANG_TH;
	if (hangul * 10 >= all)
		langs |= FINDINGS_LANG_KO;
	if (kana * 20 >= all)
		langs |= FINDINGS_LANG_JA;
	else if (han * 10 >= all)
		langs |= FINDINGS_LANG_ZH;
	return (langs);
}
