/*
 * rtf.c - the text of an RTF document
 *
 * A small RTF reader: groups, control words and symbols, \'hh bytes in the
 * document's code page (\ansicpg, or the \fcharset of the current font),
 * \uN Unicode with \ucN fallback skipping, \bin data skipped, and the
 * destinations a reader never sees (font and colour tables, style sheets,
 * pictures, objects, document info, \* destinations) left out.  Field
 * instructions are skipped too, except that the target of a HYPERLINK field
 * is kept on a line of its own after the text, the way html.c writes link
 * targets.  Group nesting past RTF_DEPTH_MAX shares its parent's state.
 *
 * SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* lib */
#include "buf.h"
#include "xalloc.h"

#include "content_private.h"

#define RTF_DEPTH_MAX	128
#define RTF_FONTS	64
#define RTF_PEND	512

struct rtf_state {
	unsigned int	 skip : 1;	/* destination not shown */
	unsigned int	 fonttbl : 1;	/* inside the font table */
	unsigned int	 fldinst : 1;	/* inside a field instruction */
	unsigned int	 uc;		/* fallback chars after \uN */
	unsigned int	 cp;		/* code page of \'hh bytes */
};

struct rtf {
	const unsigned char *p, *end;
	struct buf	*out;
	struct buf	*links;		/* HYPERLINK targets */
	struct buf	*fld;		/* text of the current fldinst */
	struct rtf_state st[RTF_DEPTH_MAX];
	int		 depth;
	int		 excess;
	unsigned int	 defcp;		/* \ansicpg */
	unsigned int	 skipchars;	/* fallback chars still to skip */
	int		 curfont;
	int		 nfonts;
	struct {
		int		 num;
		unsigned int	 cp;
	}		 fonts[RTF_FONTS];
	unsigned char	 pend[RTF_PEND];
	size_t		 npend;
	unsigned int	 pendcp;
	uint32_t	 hisurr;	/* pending high surrogate of \uN */
};

/* rtf_cp_name - iconv name of a Windows code page */

static void
rtf_cp_name(unsigned int cp, char *name, size_t size)
{
	switch (cp) {
	case 10000:
		(void)snprintf(name, size, "MACINTOSH");
		break;
	case 20127:
		(void)snprintf(name, size, "US-ASCII");
		break;
	case 65001:
		(void)snprintf(name, size, "UTF-8");
		break;
	default:
		(void)snprintf(name, size, "CP%u", cp);
		break;
	}
}

/* rtf_flush - convert pending bytes from their code page */

static void
rtf_flush(struct rtf *r)
{
	char	 name[16];
	size_t	 i;

	if (r->npend == 0)
		return;
	for (i = 0; i < r->npend && r->pend[i] < 0x80; i++)
		;
	if (i == r->npend)
		buf_append(r->out, r->pend, r->npend);
	else {
		rtf_cp_name(r->pendcp, name, sizeof(name));
		(void)charset_to_utf8(r->pendcp == 1252 ? "windows-1252" :
		    name, (const char *)r->pend, r->npend, r->out);
	}
	r->npend = 0;
}

/* rtf_cur - the current group's state */

static struct rtf_state *
rtf_cur(struct rtf *r)
{
	return (&r->st[r->depth - 1]);
}

/* rtf_byte - one text byte in the current code page */

static void
rtf_byte(struct rtf *r, unsigned char c)
{
	struct rtf_state *s = rtf_cur(r);

	if (r->skipchars > 0) {
		r->skipchars--;
		return;
	}
	if (c < 0x20 && c != '\t')
		return;			/* no control bytes in text */
	if (s->fldinst) {
		buf_putc(r->fld, c);
		return;
	}
	if (s->skip)
		return;
	if (r->npend > 0 && (r->pendcp != s->cp || r->npend == RTF_PEND))
		rtf_flush(r);
	r->pendcp = s->cp;
	r->pend[r->npend++] = c;
}

/* rtf_text - literal UTF-8 text (not subject to \uc skipping) */

static void
rtf_text(struct rtf *r, const char *t)
{
	struct rtf_state *s = rtf_cur(r);

	if (s->skip || s->fldinst)
		return;
	rtf_flush(r);
	buf_puts(r->out, t);
}

/* rtf_unicode - a \uN character */

static void
rtf_unicode(struct rtf *r, long n)
{
	struct rtf_state *s = rtf_cur(r);
	uint32_t	 c;
	char		 u[8];
	int		 len;

	if (n < 0)
		n += 65536;
	c = (uint32_t)n & 0xffff;
	r->skipchars = s->uc;
	if (s->skip || s->fldinst)
		return;
	if (c >= 0xd800 && c <= 0xdbff) {
		r->hisurr = c;
		return;
	}
	if (c >= 0xdc00 && c <= 0xdfff) {
		if (r->hisurr == 0)
			return;
		c = 0x10000 + ((r->hisurr - 0xd800) << 10) + (c - 0xdc00);
	}
	r->hisurr = 0;
	if (c == 0)
		return;
	rtf_flush(r);
	len = g_unichar_to_utf8(c, u);
	buf_append(r->out, u, (size_t)len);
}

/* rtf_font_cp - code page of an \fcharset value */

static unsigned int
rtf_font_cp(long cs, unsigned int def)
{
	switch (cs) {
	case 77:	return (10000);
	case 128:	return (932);
	case 129:	return (949);
	case 130:	return (1361);
	case 134:	return (936);
	case 136:	return (950);
	case 161:	return (1253);
	case 162:	return (1254);
	case 163:	return (1258);
	case 177:	return (1255);
	case 178:	return (1256);
	case 186:	return (1257);
	case 204:	return (1251);
	case 222:	return (874);
	case 238:	return (1250);
	case 254:	return (437);
	default:	return (def);
	}
}

/* rtf_is_skipdest - destinations whose text nobody reads */

static int
rtf_is_skipdest(const char *w)
{
	static const char *const dest[] = {
		"colortbl", "stylesheet", "info", "pict", "object", "header",
		"footer", "headerl", "headerr", "headerf", "footerl", "footerr",
		"footerf", "themedata", "colorschememapping", "datastore",
		"latentstyles", "xmlnstbl", "listtable", "listoverridetable",
		"rsidtbl", "generator", "filetbl", "revtbl", "pgdsctbl",
		"bkmkstart", "bkmkend", "fldtype", "datafield", "xe", "tc",
		"template", "nonshppict", "shppict", "mmathPr", "wgrffmtfilter",
		"passwordhash", "defchp", "defpap", "protusertbl", NULL
	};
	size_t	 i;

	for (i = 0; dest[i] != NULL; i++)
		if (strcmp(w, dest[i]) == 0)
			return (1);
	return (0);
}

/* rtf_field_end - keep the target of a HYPERLINK field instruction */

static void
rtf_field_end(struct rtf *r)
{
	const char	*s = r->fld->data, *q, *e;

	if ((q = strstr(s, "HYPERLINK")) != NULL &&
	    (q = strchr(q, '"')) != NULL && (e = strchr(q + 1, '"')) != NULL &&
	    e > q + 1 && e - q < 2048) {
		(void)charset_to_utf8(NULL, q + 1, (size_t)(e - q - 1),
		    r->links);
		buf_putc(r->links, '\n');
	}
	buf_reset(r->fld);
}

/* rtf_word - act on one control word */

static void
rtf_word(struct rtf *r, const char *w, int has_arg, long arg, int star)
{
	struct rtf_state *s = rtf_cur(r);
	int		 i;

	if (star && !s->skip && strcmp(w, "fldinst") != 0) {
		s->skip = 1;
		return;
	}
	if (strcmp(w, "par") == 0 || strcmp(w, "line") == 0 ||
	    strcmp(w, "sect") == 0 || strcmp(w, "page") == 0 ||
	    strcmp(w, "row") == 0)
		rtf_text(r, "\n");
	else if (strcmp(w, "tab") == 0 || strcmp(w, "cell") == 0)
		rtf_text(r, "\t");
	else if (strcmp(w, "emdash") == 0)
		rtf_text(r, "\xe2\x80\x94");
	else if (strcmp(w, "endash") == 0)
		rtf_text(r, "\xe2\x80\x93");
	else if (strcmp(w, "bullet") == 0)
		rtf_text(r, "\xe2\x80\xa2");
	else if (strcmp(w, "lquote") == 0)
		rtf_text(r, "\xe2\x80\x98");
	else if (strcmp(w, "rquote") == 0)
		rtf_text(r, "\xe2\x80\x99");
	else if (strcmp(w, "ldblquote") == 0)
		rtf_text(r, "\xe2\x80\x9c");
	else if (strcmp(w, "rdblquote") == 0)
		rtf_text(r, "\xe2\x80\x9d");
	else if (strcmp(w, "u") == 0 && has_arg)
		rtf_unicode(r, arg);
	else if (strcmp(w, "uc") == 0 && has_arg && arg >= 0 && arg < 16)
		s->uc = (unsigned int)arg;
	else if (strcmp(w, "ansicpg") == 0 && has_arg && arg > 0 &&
	    arg < 100000) {
		r->defcp = (unsigned int)arg;
		s->cp = r->defcp;
	} else if (strcmp(w, "mac") == 0)
		r->defcp = s->cp = 10000;
	else if (strcmp(w, "pc") == 0)
		r->defcp = s->cp = 437;
	else if (strcmp(w, "pca") == 0)
		r->defcp = s->cp = 850;
	else if (strcmp(w, "fonttbl") == 0)
		s->fonttbl = s->skip = 1;
	else if (strcmp(w, "f") == 0 && has_arg) {
		if (s->fonttbl) {
			r->curfont = (int)arg;
			return;
		}
		for (i = 0; i < r->nfonts; i++)
			if (r->fonts[i].num == arg)
				s->cp = r->fonts[i].cp;
	} else if ((strcmp(w, "fcharset") == 0 || strcmp(w, "cpg") == 0) &&
	    s->fonttbl && has_arg) {
		for (i = 0; i < r->nfonts; i++)
			if (r->fonts[i].num == r->curfont)
				break;
		if (i == r->nfonts && r->nfonts < RTF_FONTS)
			r->nfonts++;
		if (i < r->nfonts) {
			r->fonts[i].num = r->curfont;
			r->fonts[i].cp = w[0] == 'c' ? (unsigned int)arg :
			    rtf_font_cp(arg, r->defcp);
		}
	} else if (strcmp(w, "fldinst") == 0)
		s->fldinst = 1;
	else if (strcmp(w, "bin") == 0 && has_arg && arg > 0)
		r->p += (size_t)arg < (size_t)(r->end - r->p) ?
		    (size_t)arg : (size_t)(r->end - r->p);
	else if (rtf_is_skipdest(w))
		s->skip = 1;
}

/* rtf_control - read a control word or symbol after a backslash */

static void
rtf_control(struct rtf *r, int *star)
{
	char		 w[33];
	size_t		 n = 0;
	long		 arg = 0;
	int		 has_arg = 0, neg = 0, h, l;
	unsigned char	 c;

	if (r->p >= r->end)
		return;
	c = *r->p;
	if (!isalpha(c)) {
		r->p++;
		switch (c) {
		case '\'':
			if (r->end - r->p >= 2 && isxdigit(r->p[0]) &&
			    isxdigit(r->p[1])) {
				h = isdigit(r->p[0]) ? r->p[0] - '0' :
				    (r->p[0] | 0x20) - 'a' + 10;
				l = isdigit(r->p[1]) ? r->p[1] - '0' :
				    (r->p[1] | 0x20) - 'a' + 10;
				r->p += 2;
				rtf_byte(r, (unsigned char)(h * 16 + l));
			}
			break;
		case '*':
			*star = 1;
			return;
		case '~':
			rtf_text(r, " ");
			break;
		case '_':
			rtf_text(r, "-");
			break;
		case '\n':
		case '\r':
			rtf_text(r, "\n");
			break;
		case '{':
		case '}':
		case '\\':
			rtf_byte(r, c);
			break;
		default:
			break;
		}
		*star = 0;
		return;
	}
	while (r->p < r->end && isalpha(*r->p)) {
		if (n < sizeof(w) - 1)
			w[n++] = (char)*r->p;
		r->p++;
	}
	w[n] = '\0';
	if (r->p < r->end && *r->p == '-') {
		neg = 1;
		r->p++;
	}
	while (r->p < r->end && isdigit(*r->p)) {
		has_arg = 1;
		if (arg < 100000000)
			arg = arg * 10 + (*r->p - '0');
		r->p++;
	}
	if (neg)
		arg = -arg;
	if (r->p < r->end && *r->p == ' ')
		r->p++;
	if (r->skipchars > 0 && strcmp(w, "u") != 0 && strcmp(w, "par") != 0) {
		r->skipchars--;		/* a control word is one fallback */
		*star = 0;
		return;
	}
	rtf_word(r, w, has_arg, arg, *star);
	*star = 0;
}

/* rtf_to_text - append the text of an RTF document */

void
rtf_to_text(const char *data, size_t len, struct buf *out)
{
	struct rtf	*r;
	int		 star = 0;
	unsigned char	 c;

	r = xcalloc(1, sizeof(*r));
	r->p = (const unsigned char *)data;
	r->end = r->p + len;
	r->out = out;
	r->links = buf_new(64);
	r->fld = buf_new(64);
	r->defcp = 1252;
	r->depth = 1;
	r->st[0].uc = 1;
	r->st[0].cp = 1252;
	while (r->p < r->end) {
		c = *r->p++;
		switch (c) {
		case '{':
			if (r->depth < RTF_DEPTH_MAX) {
				r->st[r->depth] = r->st[r->depth - 1];
				r->depth++;
			} else
				r->excess++;
			r->skipchars = 0;
			break;
		case '}':
			if (r->excess > 0)
				r->excess--;
			else if (r->depth > 1) {
				if (rtf_cur(r)->fldinst &&
				    !r->st[r->depth - 2].fldinst)
					rtf_field_end(r);
				rtf_flush(r);
				r->depth--;
			}
			r->skipchars = 0;
			break;
		case '\\':
			rtf_control(r, &star);
			break;
		case '\r':
		case '\n':
			break;
		default:
			rtf_byte(r, c);
			break;
		}
	}
	rtf_flush(r);
	if (r->links->len > 0) {
		if (out->len > 0 && out->data[out->len - 1] != '\n')
			buf_putc(out, '\n');
		buf_append(out, r->links->data, r->links->len);
	}
	buf_free(r->links);
	buf_free(r->fld);
	free(r);
}
