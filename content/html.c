/*
 * html.c - HTML to the text a reader sees, plus links and hidden-text signs
 *
 * libxml2's HTML parser (Debian's libxml2, maintained, fuzzed upstream and
 * in OSS-Fuzz) runs in SAX mode, so no tree is built and memory stays flat
 * whatever the input.  It repairs tag soup the way its HTML 4 rules say,
 * decodes entities, and is fed UTF-8 with HTML_PARSE_IGNORE_ENC so a
 * <meta charset> cannot make it reinterpret text charset.c already
 * converted.
 *
 * We keep a small stack of element states (inherited as CSS would):
 * skipped (script, style, head), hidden (display:none, visibility:hidden,
 * opacity:0, the hidden attribute, mso-hide:all), tiny font (font-size 0 or
 * 1px/1pt), text colour and background colour (bgcolor, CSS colours), and
 * <pre>.  Visible text goes to the message's text with white space
 * collapsed and block elements on new lines; text that is hidden, tiny or
 * coloured like its background goes to cm->hidden and raises a sign.  A
 * comment between two letters ("V<!-- -->iagra") raises CM_SIGN_COMMENT_SPLIT
 * and the letters stay joined, as a reader sees them.  Link targets
 * (a/area href, img src, form action) are collected and written on lines of
 * their own after the part's text; an anchor whose text shows another
 * registrable domain than its target raises CM_SIGN_LINK_MISMATCH.
 *
 * Stylesheets (<style> rules by class) are not evaluated: only inline
 * style attributes and presentational attributes count.
 *
 * SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* external */
#include <libpsl.h>
#include <libxml/HTMLparser.h>
#include <libxml/xmlerror.h>

/* lib */
#include "buf.h"
#include "xalloc.h"

#include "content_private.h"

#define HTML_STACK_MAX	256		/* element states tracked */
#define HTML_CHUNK	(64 * 1024)	/* bytes fed to libxml2 at once */
#define HTML_HIDDEN_MIN	3		/* hidden chars before a sign */

#define H_SKIP		0x01		/* no text at all (script, head) */
#define H_HIDDEN	0x02		/* display:none and friends */
#define H_TINY		0x04		/* font too small to read */
#define H_PRE		0x08		/* white space kept */
#define H_COLOR		0x10		/* colour set explicitly */
#define H_OVERFLOW	0x20		/* overflow:hidden */
#define H_ZEROHEIGHT	0x40		/* height 0 */
#define H_BGIMAGE	0x80		/* background is an image: its
					 * colour is unknown */

#define WHITE		0xffffffU
#define BLACK		0x000000U

struct html_el {
	char		 name[12];	/* tag, lower case, truncated */
	unsigned int	 flags;
	uint32_t	 color;		/* 0xRRGGBB */
	uint32_t	 bg;
};

struct html_ctx {
	struct content_msg *cm;
	struct buf	*out;
	struct html_el	 st[HTML_STACK_MAX];
	int		 depth;		/* entries in st */
	int		 excess;	/* pushes past HTML_STACK_MAX */
	int		 ws;		/* pending: 0 none, 1 space, 2 line */
	int		 at_start;	/* nothing written for this part */
	int		 last_alnum;	/* last visible char was a letter */
	int		 comment_split;	/* a comment right after a letter */
	char		*href;		/* open anchor's target */
	size_t		 anchor_start;	/* where its text began in out */
	size_t		 hidden, tiny, invis;	/* chars by kind */
	uint32_t	 body_color;	/* <body text=...> */
};

static const psl_ctx_t *html_psl;

/* html_silent - libxml2 error sink: parse errors of spam are not news */

static void
html_silent(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

/* html_silent_s - structured error sink */

static void
html_silent_s(void *ctx, xmlErrorPtr err)
{
	(void)ctx;
	(void)err;
}

/* html_init - libxml2 and libpsl set-up, once per process */

void
html_init(void)
{
	xmlInitParser();
	xmlSetGenericErrorFunc(NULL, html_silent);
	xmlSetStructuredErrorFunc(NULL, html_silent_s);
	if (html_psl == NULL)
		html_psl = psl_builtin();
}

/* html_url_host - the host of a URL (or of "www.x.y/..."), lower case */

int
html_url_host(const char *url, size_t len, char *out, size_t size)
{
	const char	*p = url, *end = url + len, *h, *s;
	size_t		 n, i;

	for (s = p; s < end && s - p < 16 && (isalnum((unsigned char)*s) ||
	    *s == '+' || *s == '-' || *s == '.'); s++)
		;
	if (end - s >= 3 && s[0] == ':' && s[1] == '/' && s[2] == '/')
		p = s + 3;
	else if (end - p >= 2 && p[0] == '/' && p[1] == '/')
		p += 2;
	else if (s < end && *s == ':')
		return (-1);			/* mailto:, cid:, javascript: */
	for (h = p; h < end && *h != '/' && *h != '?' && *h != '#' &&
	    (unsigned char)*h > ' '; h++)
		if (*h == '@')
			p = h + 1;		/* user:pass@ */
	for (h = p; h < end && *h != '/' && *h != '?' && *h != '#' &&
	    *h != ':' && *h != '\\' && (unsigned char)*h > ' '; h++)
		;
	n = (size_t)(h - p);
	while (n > 0 && p[n - 1] == '.')
		n--;
	if (n == 0 || n >= size || memchr(p, '.', n) == NULL)
		return (-1);
	for (i = 0; i < n; i++) {
		if (p[i] == '[' || p[i] == '"' || p[i] == '\'' || p[i] == '<')
			return (-1);
		out[i] = (char)tolower((unsigned char)p[i]);
	}
	out[n] = '\0';
	return (0);
}

/* html_reg_domain - the registrable domain of a host */

int
html_reg_domain(const char *host, char *out, size_t size)
{
	const char	*r;

	if (html_psl == NULL)
		html_psl = psl_builtin();
	r = html_psl ? psl_registrable_domain(html_psl, host) : NULL;
	if (r == NULL)
		r = host;
	if (strlen(r) >= size)
		return (-1);
	(void)memcpy(out, r, strlen(r) + 1);
	return (0);
}

/* html_hex - value of a hex digit, -1 if none */

static int
html_hex(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	return (-1);
}

/* html_color - parse a colour value; 0 and *rgb, or -1 */

static int
html_color(const char *v, uint32_t *rgb)
{
	static const struct {
		const char	*name;
		uint32_t	 rgb;
	} named[] = {
		{ "white", 0xffffff }, { "black", 0x000000 },
		{ "red", 0xff0000 }, { "green", 0x008000 },
		{ "blue", 0x0000ff }, { "yellow", 0xffff00 },
		{ "silver", 0xc0c0c0 }, { "gray", 0x808080 },
		{ "grey", 0x808080 }, { "maroon", 0x800000 },
		{ "navy", 0x000080 }, { "purple", 0x800080 },
		{ "teal", 0x008080 }, { "olive", 0x808000 },
		{ "lime", 0x00ff00 }, { "aqua", 0x00ffff },
		{ "cyan", 0x00ffff }, { "fuchsia", 0xff00ff },
		{ "magenta", 0xff00ff }, { "orange", 0xffa500 },
		{ "snow", 0xfffafa }, { "ivory", 0xfffff0 },
		{ "whitesmoke", 0xf5f5f5 }, { "ghostwhite", 0xf8f8ff },
		{ "floralwhite", 0xfffaf0 }, { "azure", 0xf0ffff },
		{ "mintcream", 0xf5fffa }, { "seashell", 0xfff5ee },
		{ "honeydew", 0xf0fff0 }, { "aliceblue", 0xf0f8ff },
		{ "lightyellow", 0xffffe0 }, { "linen", 0xfaf0e6 },
		{ "beige", 0xf5f5dc }, { "oldlace", 0xfdf5e6 },
		{ NULL, 0 }
	};
	unsigned int	 r, g, b, i;
	size_t		 n;
	int		 d[6], hash = 0;
	const char	*par;

	while (*v == ' ' || *v == '\t' || *v == '"' || *v == '\'')
		v++;
	if (*v == '#') {
		v++;
		hash = 1;
	}
	for (n = 0; n < 6 && (d[n] = html_hex((unsigned char)v[n])) >= 0; n++)
		;
	if (n == 6 && html_hex((unsigned char)v[6]) < 0) {
		*rgb = (uint32_t)(d[0] << 20 | d[1] << 16 | d[2] << 12 |
		    d[3] << 8 | d[4] << 4 | d[5]);
		return (0);
	}
	if (n == 3 && html_hex((unsigned char)v[3]) < 0 && hash) {
		*rgb = (uint32_t)(d[0] * 0x110000 + d[1] * 0x1100 +
		    d[2] * 0x11);
		return (0);
	}
	if (strncasecmp(v, "rgb", 3) == 0 && (par = strchr(v, '(')) != NULL &&
	    sscanf(par, "(%u , %u , %u", &r, &g, &b) == 3) {
		*rgb = (r > 255 ? 255 : r) << 16 | (g > 255 ? 255 : g) << 8 |
		    (b > 255 ? 255 : b);
		return (0);
	}
	for (i = 0; named[i].name != NULL; i++) {
		n = strlen(named[i].name);
		if (strncasecmp(v, named[i].name, n) == 0 &&
		    !isalpha((unsigned char)v[n])) {
			*rgb = named[i].rgb;
			return (0);
		}
	}
	return (-1);
}

/* html_near - whether two colours are too close to tell apart */

static int
html_near(uint32_t a, uint32_t b)
{
	int	 dr, dg, db;

	dr = (int)((a >> 16) & 0xff) - (int)((b >> 16) & 0xff);
	dg = (int)((a >> 8) & 0xff) - (int)((b >> 8) & 0xff);
	db = (int)(a & 0xff) - (int)(b & 0xff);
	return (abs(dr) + abs(dg) + abs(db) <= 30);
}

/* html_font_tiny - a CSS font-size too small to read */

static int
html_font_tiny(const char *v)
{
	double	 x;
	char	*end;

	x = strtod(v, &end);
	if (end == v)
		return (0);
	while (*end == ' ')
		end++;
	if (x <= 0.0)
		return (1);
	if (strncasecmp(end, "px", 2) == 0 || strncasecmp(end, "pt", 2) == 0)
		return (x <= 1.0);
	if (strncasecmp(end, "em", 2) == 0 || strncasecmp(end, "rem", 3) == 0)
		return (x <= 0.1);
	if (*end == '%')
		return (x <= 10.0);
	return (*end == '\0' || *end == ';' ? x <= 1.0 : 0);
}

/* html_style - apply one inline style attribute to an element state */

static void
html_style(struct html_el *el, const char *style)
{
	char		 prop[32], val[96];
	const char	*p = style, *c, *e;
	size_t		 n, i;
	uint32_t	 rgb;

	while (*p != '\0') {
		if ((e = strchr(p, ';')) == NULL)
			e = p + strlen(p);
		if ((c = memchr(p, ':', (size_t)(e - p))) == NULL)
			goto next;
		while (p < c && isspace((unsigned char)*p))
			p++;
		n = (size_t)(c - p);
		while (n > 0 && isspace((unsigned char)p[n - 1]))
			n--;
		if (n == 0 || n >= sizeof(prop))
			goto next;
		for (i = 0; i < n; i++)
			prop[i] = (char)tolower((unsigned char)p[i]);
		prop[n] = '\0';
		for (c++; c < e && isspace((unsigned char)*c); c++)
			;
		n = (size_t)(e - c);
		if (n >= sizeof(val))
			n = sizeof(val) - 1;
		for (i = 0; i < n; i++)
			val[i] = (char)tolower((unsigned char)c[i]);
		val[n] = '\0';
		if (strcmp(prop, "display") == 0 &&
		    strncmp(val, "none", 4) == 0)
			el->flags |= H_HIDDEN;
		else if (strcmp(prop, "visibility") == 0 &&
		    (strncmp(val, "hidden", 6) == 0 ||
		    strncmp(val, "collapse", 8) == 0))
			el->flags |= H_HIDDEN;
		else if (strcmp(prop, "opacity") == 0 && strtod(val, NULL) <=
		    0.05 && isdigit((unsigned char)val[0]))
			el->flags |= H_HIDDEN;
		else if (strcmp(prop, "mso-hide") == 0 &&
		    strncmp(val, "all", 3) == 0)
			el->flags |= H_HIDDEN;
		else if (strcmp(prop, "font-size") == 0 && html_font_tiny(val))
			el->flags |= H_TINY;
		else if (strcmp(prop, "color") == 0 &&
		    html_color(val, &rgb) == 0) {
			el->color = rgb;
			el->flags |= H_COLOR;
		} else if ((strcmp(prop, "background-color") == 0 ||
		    strcmp(prop, "background") == 0) &&
		    html_color(val, &rgb) == 0) {
			el->bg = rgb;
			el->flags &= ~H_BGIMAGE;
		} else if ((strcmp(prop, "background-image") == 0 ||
		    strcmp(prop, "background") == 0) &&
		    strstr(val, "url(") != NULL)
			el->flags |= H_BGIMAGE;
		else if (strcmp(prop, "overflow") == 0 &&
		    strncmp(val, "hidden", 6) == 0)
			el->flags |= H_OVERFLOW;
		else if ((strcmp(prop, "max-height") == 0 ||
		    strcmp(prop, "height") == 0) && strtod(val, NULL) == 0.0 &&
		    val[0] == '0')
			el->flags |= H_ZEROHEIGHT;
next:
		p = *e ? e + 1 : e;
	}
	if ((el->flags & (H_OVERFLOW | H_ZEROHEIGHT)) ==
	    (H_OVERFLOW | H_ZEROHEIGHT))
		el->flags |= H_HIDDEN;
}

/* html_is_block - elements that start a new line */

static int
html_is_block(const char *n)
{
	static const char *const block[] = {
		"p", "div", "br", "tr", "li", "ul", "ol", "table", "h1", "h2",
		"h3", "h4", "h5", "h6", "blockquote", "hr", "dd", "dt", "dl",
		"pre", "form", "center", "address", "section", "article",
		"header", "footer", "nav", "aside", "main", "tbody", "thead",
		"tfoot", "caption", "fieldset", "legend", "option", "title",
		"body", "html", NULL
	};
	size_t	 i;

	for (i = 0; block[i] != NULL; i++)
		if (strcmp(n, block[i]) == 0)
			return (1);
	return (0);
}

/* html_is_skip - elements whose content a reader never sees */

static int
html_is_skip(const char *n)
{
	return (strcmp(n, "script") == 0 || strcmp(n, "style") == 0 ||
	    strcmp(n, "head") == 0 || strcmp(n, "title") == 0 ||
	    strcmp(n, "template") == 0 || strcmp(n, "iframe") == 0 ||
	    strcmp(n, "object") == 0 || strcmp(n, "xml") == 0);
}

/* html_top - the current element state */

static struct html_el *
html_top(struct html_ctx *h)
{
	return (&h->st[h->depth - 1]);
}

/* html_flush_ws - write pending white space before visible text */

static void
html_flush_ws(struct html_ctx *h)
{
	if (h->ws == 0 || h->at_start) {
		h->ws = 0;
		return;
	}
	buf_putc(h->out, h->ws == 2 ? '\n' : ' ');
	h->ws = 0;
	h->last_alnum = 0;
}

/* html_is_space - white space for collapsing (ASCII and no-break space) */

static size_t
html_is_space(const unsigned char *p, size_t left)
{
	if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f')
		return (1);
	if (left >= 2 && p[0] == 0xc2 && p[1] == 0xa0)
		return (2);
	if (left >= 3 && p[0] == 0xe2 && p[1] == 0x80 &&
	    (p[2] == 0x8b || p[2] == 0x8c || p[2] == 0x8d))
		return (3);		/* zero-width space/joiners: drop */
	return (0);
}

/* html_visible - append text a reader sees */

static void
html_visible(struct html_ctx *h, const unsigned char *s, size_t len, int pre)
{
	size_t	 i = 0, n, start;

	while (i < len) {
		if ((n = html_is_space(s + i, len - i)) != 0) {
			if (n == 3)
				;		/* zero width: nothing */
			else if (pre && s[i] == '\n')
				h->ws = 2;
			else if (h->ws == 0)
				h->ws = 1;
			i += n;
			continue;
		}
		if (h->ws != 0)
			html_flush_ws(h);
		if (h->comment_split && h->last_alnum &&
		    (isalnum(s[i]) || s[i] >= 0x80))
			h->cm->signs |= CM_SIGN_COMMENT_SPLIT;
		h->comment_split = 0;
		start = i;
		while (i < len && html_is_space(s + i, len - i) == 0)
			i++;
		buf_append(h->out, s + start, i - start);
		h->last_alnum = isalnum(s[i - 1]) || s[i - 1] >= 0x80;
		h->at_start = 0;
	}
}

/* html_chars - SAX text callback */

static void
html_chars(void *ctx, const xmlChar *ch, int len)
{
	struct html_ctx	*h = ctx;
	struct html_el	*el;
	size_t		 i, vis = 0;
	int		 kind = 0;

	if (len <= 0 || h->depth == 0)
		return;
	el = html_top(h);
	if (el->flags & H_SKIP)
		return;
	if (el->flags & H_HIDDEN)
		kind = 1;
	else if (el->flags & H_TINY)
		kind = 2;
	else if ((el->flags & (H_COLOR | H_BGIMAGE)) == H_COLOR &&
	    html_near(el->color, el->bg))
		kind = 3;
	if (kind == 0) {
		html_visible(h, ch, (size_t)len, (el->flags & H_PRE) != 0);
		return;
	}
	for (i = 0; i < (size_t)len; i++)
		if (!isspace(ch[i]))
			vis++;
	if (vis == 0)
		return;
	if (h->cm->hidden->len > 0)
		buf_putc(h->cm->hidden, ' ');
	buf_append(h->cm->hidden, ch, (size_t)len);
	if (kind == 1)
		h->hidden += vis;
	else if (kind == 2)
		h->tiny += vis;
	else
		h->invis += vis;
}

/* html_is_link - link targets worth keeping (web and ftp) */

static int
html_is_link(const char *u)
{
	while (*u == ' ' || *u == '\t' || *u == '\n')
		u++;
	return (strncasecmp(u, "http://", 7) == 0 ||
	    strncasecmp(u, "https://", 8) == 0 ||
	    strncasecmp(u, "ftp://", 6) == 0 ||
	    strncasecmp(u, "www.", 4) == 0 || strncmp(u, "//", 2) == 0);
}

/* html_anchor_end - close an open anchor: check its text against it */

static void
html_anchor_end(struct html_ctx *h)
{
	char		 th[256], hh[256], td[256], hd[256];
	const char	*t;
	size_t		 n;

	if (h->href == NULL)
		return;
	t = h->out->data + h->anchor_start;
	n = h->out->len - h->anchor_start;
	while (n > 0 && isspace((unsigned char)*t))
		t++, n--;
	while (n > 0 && isspace((unsigned char)t[n - 1]))
		n--;
	if (n > 4 && n < 256 && memchr(t, ' ', n) == NULL &&
	    (memmem(t, n, "://", 3) != NULL ||
	    strncasecmp(t, "www.", 4) == 0) &&
	    html_url_host(t, n, th, sizeof(th)) == 0 &&
	    html_url_host(h->href, strlen(h->href), hh, sizeof(hh)) == 0 &&
	    html_reg_domain(th, td, sizeof(td)) == 0 &&
	    html_reg_domain(hh, hd, sizeof(hd)) == 0 && strcmp(td, hd) != 0)
		h->cm->signs |= CM_SIGN_LINK_MISMATCH;
	free(h->href);
	h->href = NULL;
}

/* html_attr - value of an attribute, or NULL */

static const char *
html_attr(const xmlChar **attrs, const char *name)
{
	size_t	 i;

	for (i = 0; attrs != NULL && attrs[i] != NULL; i += 2)
		if (strcasecmp((const char *)attrs[i], name) == 0)
			return (attrs[i + 1] ? (const char *)attrs[i + 1] :
			    "");
	return (NULL);
}

/* html_start - SAX start-element callback */

static void
html_start(void *ctx, const xmlChar *xname, const xmlChar **attrs)
{
	struct html_ctx	*h = ctx;
	struct html_el	*el;
	const char	*name = (const char *)xname, *v;
	uint32_t	 rgb;

	if (h->depth >= HTML_STACK_MAX) {
		h->excess++;
		return;
	}
	el = &h->st[h->depth];
	*el = h->st[h->depth - 1];
	el->flags &= ~(H_OVERFLOW | H_ZEROHEIGHT);
	(void)snprintf(el->name, sizeof(el->name), "%s", name);
	h->depth++;
	if (html_is_skip(name))
		el->flags |= H_SKIP;
	if (strcmp(name, "pre") == 0 || strcmp(name, "textarea") == 0)
		el->flags |= H_PRE;
	/* quirks mode, which mail HTML nearly always is: a table does not
	 * inherit the font colour around it */
	if (strcmp(name, "table") == 0) {
		el->color = h->body_color;
		el->flags &= ~H_COLOR;
	}
	if (html_is_block(name)) {
		h->ws = 2;
		h->comment_split = 0;
	} else if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0) {
		if (h->ws == 0)
			h->ws = 1;
		h->comment_split = 0;
	}
	if (attrs == NULL)
		return;
	if (html_attr(attrs, "hidden") != NULL)
		el->flags |= H_HIDDEN;
	if ((v = html_attr(attrs, "bgcolor")) != NULL &&
	    html_color(v, &rgb) == 0) {
		el->bg = rgb;
		el->flags &= ~H_BGIMAGE;
	}
	if ((v = html_attr(attrs, "background")) != NULL && *v != '\0')
		el->flags |= H_BGIMAGE;
	if ((v = html_attr(attrs, strcmp(name, "body") == 0 ? "text" :
	    "color")) != NULL && html_color(v, &rgb) == 0) {
		el->color = rgb;
		el->flags |= H_COLOR;
		if (strcmp(name, "body") == 0)
			h->body_color = rgb;
	}
	if ((v = html_attr(attrs, "style")) != NULL)
		html_style(el, v);
	if (strcmp(name, "a") == 0 || strcmp(name, "area") == 0) {
		html_anchor_end(h);
		if ((v = html_attr(attrs, "href")) != NULL && html_is_link(v)) {
			mime_add_url(h->cm, v, strlen(v));
			if (strcmp(name, "a") == 0) {
				h->href = xstrdup(v);
				h->anchor_start = h->out->len;
			}
		}
	} else if (strcmp(name, "img") == 0) {
		if ((v = html_attr(attrs, "src")) != NULL && html_is_link(v))
			mime_add_url(h->cm, v, strlen(v));
		if ((v = html_attr(attrs, "alt")) != NULL && *v != '\0' &&
		    (el->flags & (H_SKIP | H_HIDDEN)) == 0) {
			if (h->ws == 0)
				h->ws = 1;
			html_visible(h, (const unsigned char *)v, strlen(v), 0);
			h->ws = 1;
		}
	} else if (strcmp(name, "form") == 0) {
		if ((v = html_attr(attrs, "action")) != NULL &&
		    html_is_link(v))
			mime_add_url(h->cm, v, strlen(v));
	}
}

/* html_end - SAX end-element callback: pop to the matching element */

static void
html_end(void *ctx, const xmlChar *xname)
{
	struct html_ctx	*h = ctx;
	const char	*name = (const char *)xname;
	char		 key[12];
	int		 i;

	if (h->excess > 0) {
		h->excess--;
		return;
	}
	(void)snprintf(key, sizeof(key), "%s", name);
	for (i = h->depth - 1; i > 0; i--)
		if (strcmp(h->st[i].name, key) == 0)
			break;
	if (i == 0)
		return;
	h->depth = i;
	if (strcmp(name, "a") == 0)
		html_anchor_end(h);
	if (html_is_block(name)) {
		h->ws = 2;
		h->comment_split = 0;
	}
}

/* html_comment - SAX comment callback: note comments inside words */

static void
html_comment(void *ctx, const xmlChar *value)
{
	struct html_ctx	*h = ctx;

	(void)value;
	if (h->last_alnum && h->ws == 0)
		h->comment_split = 1;
}

/* html_to_text - visible text, hidden text, links and signs of HTML */

void
html_to_text(struct content_msg *cm, const char *html, size_t len)
{
	htmlSAXHandler	 sax;
	htmlParserCtxtPtr ctxt;
	struct html_ctx	*h;
	unsigned int	 url0 = cm->nurls, i;
	size_t		 off, n;

	memset(&sax, 0, sizeof(sax));
	sax.startElement = html_start;
	sax.endElement = html_end;
	sax.characters = html_chars;
	sax.ignorableWhitespace = html_chars;
	sax.cdataBlock = html_chars;
	sax.comment = html_comment;
	h = xcalloc(1, sizeof(*h));
	h->cm = cm;
	h->out = cm->text;
	h->at_start = 1;
	h->depth = 1;
	(void)snprintf(h->st[0].name, sizeof(h->st[0].name), "#root");
	h->st[0].color = BLACK;
	h->st[0].bg = WHITE;
	h->body_color = BLACK;
	ctxt = htmlCreatePushParserCtxt(&sax, h, NULL, 0, NULL,
	    XML_CHAR_ENCODING_UTF8);
	if (ctxt == NULL)
		goto out;
	(void)htmlCtxtUseOptions(ctxt, HTML_PARSE_RECOVER |
	    HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
	    HTML_PARSE_NODEFDTD | HTML_PARSE_IGNORE_ENC);
	for (off = 0; off < len; off += n) {
		n = len - off > HTML_CHUNK ? HTML_CHUNK : len - off;
		if ((htmlParseChunk(ctxt, html + off, (int)n, 0) != 0 &&
		    ctxt->disableSAX) || mime_late(cm))
			break;
	}
	(void)htmlParseChunk(ctxt, NULL, 0, 1);
	htmlFreeParserCtxt(ctxt);
out:
	html_anchor_end(h);
	if (h->hidden >= HTML_HIDDEN_MIN)
		cm->signs |= CM_SIGN_HIDDEN;
	if (h->tiny >= HTML_HIDDEN_MIN)
		cm->signs |= CM_SIGN_TINY_FONT;
	if (h->invis >= HTML_HIDDEN_MIN)
		cm->signs |= CM_SIGN_INVISIBLE;
	/* the part's link targets, each on a line of its own */
	for (i = url0; i < cm->nurls; i++) {
		if (cm->text->len > 0 &&
		    cm->text->data[cm->text->len - 1] != '\n')
			buf_putc(cm->text, '\n');
		buf_puts(cm->text, cm->urls[i]);
		buf_putc(cm->text, '\n');
	}
	free(h);
}
