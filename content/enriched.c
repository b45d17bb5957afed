/*
 * enriched.c - text/enriched (RFC 1896) and text/richtext to HTML
 *
 * The HTML goes through html.c like any HTML part, so formatting commands
 * become elements and hidden-text signs work the same way.  The mapping is
 * the one GMime's enriched filter made (its output is what the classifier
 * learned from): runs of spaces become &nbsp;, a lone line end a space, n
 * line ends n-1 <br> (every line end a <br> inside nofill; none of that in
 * richtext, where <nl> is the line break and <lt> the '<'), "<<" a '<',
 * fontfamily, color, lang and paraindent take their <param>, unknown
 * commands are dropped.  Input that ends inside a command, or with a
 * single special character, ends the conversion there.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* lib */
#include "buf.h"

#include "content_private.h"

#define ENRICHED_PARAM_MIN	15	/* "<param>" and "</param>" */

enum enriched_param {
	EP_NONE = 0, EP_FONT, EP_COLOR, EP_LANG, EP_INDENT
};

static const struct {
	const char	*cmd;
	const char	*html;
	enum enriched_param param;
} enriched_tags[] = {
	{ "bold", "<b>", EP_NONE }, { "/bold", "</b>", EP_NONE },
	{ "italic", "<i>", EP_NONE }, { "/italic", "</i>", EP_NONE },
	{ "fixed", "<tt>", EP_NONE }, { "/fixed", "</tt>", EP_NONE },
	{ "smaller", "<font size=-1>", EP_NONE },
	{ "/smaller", "</font>", EP_NONE },
	{ "bigger", "<font size=+1>", EP_NONE },
	{ "/bigger", "</font>", EP_NONE },
	{ "underline", "<u>", EP_NONE }, { "/underline", "</u>", EP_NONE },
	{ "center", "<p align=center>", EP_NONE },
	{ "/center", "</p>", EP_NONE },
	{ "flushleft", "<p align=left>", EP_NONE },
	{ "/flushleft", "</p>", EP_NONE },
	{ "flushright", "<p align=right>", EP_NONE },
	{ "/flushright", "</p>", EP_NONE },
	{ "excerpt", "<blockquote>", EP_NONE },
	{ "/excerpt", "</blockquote>", EP_NONE },
	{ "paragraph", "<p>", EP_NONE },
	{ "signature", "<address>", EP_NONE },
	{ "/signature", "</address>", EP_NONE },
	{ "comment", "<!-- ", EP_NONE }, { "/comment", " -->", EP_NONE },
	{ "np", "<hr>", EP_NONE },
	{ "fontfamily", "<font face=\"%s\">", EP_FONT },
	{ "/fontfamily", "</font>", EP_NONE },
	{ "color", "<font color=\"%s\">", EP_COLOR },
	{ "/color", "</font>", EP_NONE },
	{ "lang", "<span lang=\"%s\">", EP_LANG },
	{ "/lang", "</span>", EP_NONE },
	{ "paraindent", "<p style=\"%s\">", EP_INDENT },
	{ "/paraindent", "</p>", EP_NONE },
	{ "param", "<!-- param:", EP_NONE }, { "/param", " -->", EP_NONE },
	{ NULL, NULL, EP_NONE }
};

/* enriched_indent - paraindent's parameter as CSS */

static void
enriched_indent(const char *in, size_t len, struct buf *out)
{
	static const char *const names[] = { "left", "right", "in", "out" };
	const char	*p = in, *end = in + len, *v;
	unsigned int	 bits = 0, i;
	size_t		 n, start = out->len;

	while (p < end) {
		for (v = p; p < end && *p != ','; p++)
			;
		n = (size_t)(p - v);
		for (i = 0; i < 4; i++)
			if (n == strlen(names[i]) &&
			    strncasecmp(v, names[i], n) == 0) {
				bits |= 1U << i;
				break;
			}
		p++;
	}
	if ((bits & 4) && (bits & 8))
		bits &= ~12U;
#define SEP	(out->len > start ? "; " : "")
	if (bits & 1)
		buf_printf(out, "%smargin-left:4em", SEP);
	if (bits & 2)
		buf_printf(out, "%smargin-right:4em", SEP);
	if (bits & 4)
		buf_printf(out, "%smargin:4em", SEP);
	if (bits & 8)
		buf_printf(out, "%smargin:-4em", SEP);
#undef SEP
}

/* enriched_color - a colour name, "####,####,####", or the text itself */

static void
enriched_color(const char *in, size_t len, struct buf *out)
{
	static const char *const names[] = {
		"red", "green", "blue", "yellow", "cyan", "magenta", "black",
		"white"
	};
	const char	*p = in;
	char		*end;
	unsigned long	 v, rgb = 0;
	unsigned int	 i;

	for (i = 0; i < 8; i++)
		if (len == strlen(names[i]) && strncasecmp(in, names[i], len) ==
		    0) {
			buf_puts(out, names[i]);
			return;
		}
	for (i = 0; i < 3; i++) {
		v = strtoul(p, &end, 16);
		if (end != p + 4 || (i < 2 && *end != ',') ||
		    (i == 2 && end != in + len)) {
			buf_append(out, in, len);
			return;
		}
		rgb = (rgb << 8) | ((v >> 8) & 0xff);
		p += 5;
	}
	buf_printf(out, "#%.6lX", rgb);
}

/* enriched_param - the HTML form of a command's parameter */

static void
enriched_param(enum enriched_param kind, const char *in, size_t len,
    struct buf *out)
{
	size_t	 n;

	switch (kind) {
	case EP_INDENT:
		enriched_indent(in, len, out);
		break;
	case EP_COLOR:
		enriched_color(in, len, out);
		break;
	default:			/* font, lang: no '"', '<' or '>' */
		for (n = 0; n < len && in[n] != '"' && in[n] != '<' &&
		    in[n] != '>'; n++)
			;
		buf_append(out, in, n);
		break;
	}
}

/* enriched_command - a command at p (after '<', its '>' at gt); the
 * position to go on from, or NULL when the input ends too soon */

static const char *
enriched_command(const char *p, const char *gt, const char *end,
    int *nofill, struct buf *out)
{
	const char	*html, *fmt, *start;
	size_t		 len = (size_t)(gt - p), i;

	if (len == 6 && strncasecmp(p, "nofill", 6) == 0) {
		(*nofill)++;
		return (gt + 1);
	}
	if (len == 7 && strncasecmp(p, "/nofill", 7) == 0) {
		(*nofill)--;
		return (gt + 1);
	}
	for (i = 0; enriched_tags[i].cmd != NULL; i++)
		if (len == strlen(enriched_tags[i].cmd) &&
		    strncasecmp(p, enriched_tags[i].cmd, len) == 0)
			break;
	if (enriched_tags[i].cmd == NULL)
		return (gt + 1);		/* unknown: dropped */
	html = enriched_tags[i].html;
	if ((fmt = strstr(html, "%s")) == NULL) {
		buf_puts(out, html);
		return (gt + 1);
	}
	for (p = gt; p < end && *p != '<'; p++)
		;
	if (p == end || (size_t)(end - p) <= ENRICHED_PARAM_MIN)
		return (NULL);
	if (strncasecmp(p, "<param>", 7) != 0)
		return (p);			/* no parameter: dropped */
	start = p += 7;
	while (p < end && *p != '<')
		p++;
	if (p == end || end - p <= 8)
		return (NULL);
	if (strncasecmp(p, "</param>", 8) != 0)
		return (p + 8);
	buf_append(out, html, (size_t)(fmt - html));
	enriched_param(enriched_tags[i].param, start, (size_t)(p - start),
	    out);
	buf_puts(out, fmt + 2);
	return (p + 8);
}

/* enriched_to_html - convert len bytes of text/enriched (or richtext) */

void
enriched_to_html(const char *in, size_t len, int richtext, struct buf *out)
{
	const char	*p = in, *end = in + len, *gt;
	int		 nofill = 0;

	while (p < end) {
		while (p < end && strchr(" <>&\n", *p) == NULL)
			buf_putc(out, *p++);
		if (p + 1 >= end)
			break;			/* a special character last */
		switch (*p++) {
		case ' ':
			for (; p < end && *p == ' '; p++)
				buf_puts(out, "&nbsp;");
			buf_putc(out, ' ');
			break;
		case '\n':
			if (richtext)
				buf_putc(out, ' ');
			else if (nofill > 0)
				buf_puts(out, "<br>");
			else if (*p == '\n')
				for (; p < end && *p == '\n'; p++)
					buf_puts(out, "<br>");
			else
				buf_putc(out, ' ');
			break;
		case '>':
			buf_puts(out, "&gt;");
			break;
		case '&':
			buf_puts(out, "&amp;");
			break;
		default:			/* '<' */
			if (!richtext && *p == '<') {
				buf_puts(out, "&lt;");
				p++;
				break;
			}
			if (richtext) {
				if (end - p < 3)
					return;
				if (strncmp(p, "lt>", 3) == 0 ||
				    strncmp(p, "nl>", 3) == 0) {
					buf_puts(out, p[0] == 'l' ? "&lt;" :
					    "<br>");
					p += 3;
					break;
				}
			}
			if ((gt = memchr(p, '>', (size_t)(end - p))) == NULL ||
			    (p = enriched_command(p, gt, end, &nofill,
			    out)) == NULL)
				return;
			break;
		}
	}
}
