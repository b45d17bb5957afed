/*
 * office.c - the text of Microsoft Word attachments
 *
 * Two formats, told apart by their first bytes:
 *
 *   .doc	an OLE2 compound file (D0 CF 11 E0 A1 B1 1A E1).  Word 97-2003
 *		(FIB wIdent 0xA5EC): the piece table (Clx) in the 0Table or
 *		1Table stream says where each run of characters lies in the
 *		WordDocument stream, 8-bit (windows-1252) or UTF-16LE.  Word
 *		6/95 (wIdent 0xA5DC): the text is the 8-bit bytes fcMin to
 *		fcMac of WordDocument, or, in a fast-saved ("complex") file,
 *		the pieces of the Clx in WordDocument itself.  An encrypted
 *		document has no text to read.
 *   .docx	a zip archive (PK\3\4) with word/document.xml: the text of its
 *		w:t elements, a line per paragraph, and the targets of its
 *		external links (word/_rels/document.xml.rels) on lines of
 *		their own, as html.c does for HTML links.
 *
 * libgsf reads both containers (GsfInfileMSOle, GsfInfileZip): it is the
 * reader of OLE2 and zip in GNOME's office programs, packaged in Debian
 * (libgsf-1-114, whose OLE2 reader got its security fixes there, e.g.
 * CVE-2024-36474 and CVE-2024-42415 in 1.14.50-1+deb12u1), and it sits on
 * GLib, which content/ links already.  Writing our own compound-file and
 * zip readers would be two more parsers of hostile input to keep right;
 * what is ours is the FIB and piece-table reading below, done with
 * explicit bounds on every offset.  The XML of .docx goes through
 * libxml2's SAX parser (no tree, no network, no entity expansion beyond
 * libxml2's own limits).
 *
 * Bounds: a stream is read only up to max bytes of text (max_decoded_size
 * left for the message) and the pieces stop at the message's deadline;
 * a container member larger than OFFICE_STREAM_MAX is not read at all.
 * Nothing in a document makes these fail: what cannot be read gives no
 * text, and the caller goes on.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* external */
#include <glib.h>
#include <gsf/gsf.h>
#include <libxml/parser.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "timeutil.h"
#include "xalloc.h"

#include "content_private.h"

#define OFFICE_STREAM_MAX	(64 * 1024 * 1024)	/* bytes of a member */
#define OFFICE_PIECES_MAX	100000			/* pieces in a Clx */
#define OFFICE_INSTR_MAX	2048			/* a field's instruction */
#define OFFICE_WORD97		0xa5ec
#define OFFICE_WORD6		0xa5dc
#define OFFICE_F_COMPLEX	0x0004
#define OFFICE_F_ENCRYPTED	0x0100
#define OFFICE_F_TABLE1		0x0200

static const unsigned char office_ole2_magic[8] = {
	0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1
};

/* windows-1252 0x80..0x9f as Unicode (0: undefined) */
static const uint16_t office_cp1252[32] = {
	0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
	0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178
};

/* The text being made and its bounds. */
struct office_out {
	struct buf	*out;
	size_t		 start;		/* out's length when we began */
	size_t		 max;		/* bytes we may add */
	uint64_t	 deadline_ms;	/* 0: none */
	int		 field;		/* inside a field's instruction */
	struct buf	*instr;		/* that instruction's text */
};

/* office_u16, office_u32 - little-endian numbers, bounds checked by the
 * caller */

static unsigned int
office_u16(const unsigned char *p)
{
	return ((unsigned int)p[0] | (unsigned int)p[1] << 8);
}

static uint32_t
office_u32(const unsigned char *p)
{
	return ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24);
}

/* office_full - whether the text has reached its bound or its time */

static int
office_full(const struct office_out *o)
{
	if (buf_len(o->out) - o->start >= o->max)
		return (1);
	return (o->deadline_ms != 0 && time_now_ms() >= o->deadline_ms);
}

/* office_put - one UTF-8 character */

static void
office_put(struct office_out *o, gunichar c)
{
	char	 u[6];
	int	 n;

	if (office_full(o))
		return;
	n = g_unichar_to_utf8(c, u);
	if (!o->field)
		buf_append(o->out, u, (size_t)n);
	else if (buf_len(o->instr) < OFFICE_INSTR_MAX)
		buf_append(o->instr, u, (size_t)n);
}

/* office_field_end - a field's instruction is done: keep the target of
 * a HYPERLINK on a line of its own, drop the rest (PAGE, TOC, ...) */

static void
office_field_end(struct office_out *o)
{
	const char	*s = buf_str(o->instr), *q, *e;

	o->field = 0;
	s += strspn(s, " ");
	if (strncasecmp(s, "HYPERLINK", 9) == 0 &&
	    (q = strchr(s, '"')) != NULL && (e = strchr(q + 1, '"')) != NULL &&
	    e > q + 1 && !office_full(o)) {
		buf_putc(o->out, '\n');
		buf_append(o->out, q + 1, (size_t)(e - q - 1));
		buf_putc(o->out, '\n');
	}
	buf_reset(o->instr);
}

/* office_char - one character of the document's text: paragraph, cell
 * and line marks become line ends, fields keep their result */

static void
office_char(struct office_out *o, gunichar c)
{
	switch (c) {
	case 0x0d: case 0x0b: case 0x0c: case 0x07:
		if (!o->field)
			office_put(o, '\n');
		return;
	case 0x09:
		office_put(o, '\t');
		return;
	case 0x13:			/* field begins: its instruction */
		o->field = 1;
		buf_reset(o->instr);
		return;
	case 0x14:			/* the field's result follows */
	case 0x15:			/* field ends */
		if (o->field)
			office_field_end(o);
		return;
	}
	if (c < 0x20 || (c >= 0xd800 && c <= 0xdfff) || c == 0xfffe ||
	    c == 0xffff)
		return;			/* objects, pictures, broken halves */
	office_put(o, c);
}

/* office_8bit - a run of 8-bit (windows-1252) text */

static void
office_8bit(struct office_out *o, const unsigned char *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n && !office_full(o); i++) {
		if (p[i] >= 0x80 && p[i] < 0xa0)
			office_char(o, office_cp1252[p[i] - 0x80] ?
			    office_cp1252[p[i] - 0x80] : 0xfffd);
		else
			office_char(o, p[i]);
	}
}

/* office_utf16 - a run of UTF-16LE text (n bytes) */

static void
office_utf16(struct office_out *o, const unsigned char *p, size_t n)
{
	size_t		 i;
	gunichar	 c, lo;

	for (i = 0; i + 1 < n && !office_full(o); i += 2) {
		c = office_u16(p + i);
		if (c >= 0xd800 && c < 0xdc00 && i + 3 < n &&
		    (lo = office_u16(p + i + 2)) >= 0xdc00 && lo < 0xe000) {
			c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
			i += 2;
		}
		office_char(o, c);
	}
}

/* office_read - a whole member of a container, if not too large */

static unsigned char *
office_read(GsfInput *in, size_t *len_r)
{
	gsf_off_t	 size = gsf_input_size(in);
	unsigned char	*b;

	if (size <= 0 || size > OFFICE_STREAM_MAX)
		return (NULL);
	b = xmalloc((size_t)size);
	if (gsf_input_read(in, (size_t)size, b) == NULL) {
		free(b);
		return (NULL);
	}
	*len_r = (size_t)size;
	return (b);
}

/* office_child - a named member of an infile, read whole */

static unsigned char *
office_child(GsfInfile *inf, const char *name, size_t *len_r)
{
	GsfInput	*in;
	unsigned char	*b;

	if ((in = gsf_infile_child_by_name(inf, name)) == NULL)
		return (NULL);
	b = office_read(in, len_r);
	g_object_unref(in);
	return (b);
}

/* office_pieces - the text the piece table (PlcPcd) of a Clx points at;
 * word97: pieces may be UTF-16 (else all 8-bit, Word 6/95) */

static int
office_pieces(struct office_out *o, const unsigned char *clx, size_t clxlen,
    const unsigned char *doc, size_t doclen, int word97)
{
	const unsigned char *plc;
	size_t		 i = 0, n, k, lcb;
	uint32_t	 cp0, cp1, fc;
	int		 compressed;

	/* Skip the Prc entries (0x01, cbGrpprl, grpprl) to the Pcdt. */
	while (i < clxlen && clx[i] == 0x01) {
		if (i + 3 > clxlen)
			return (-1);
		i += 3 + office_u16(clx + i + 1);
	}
	if (i + 5 > clxlen || clx[i] != 0x02)
		return (-1);
	lcb = office_u32(clx + i + 1);
	plc = clx + i + 5;
	if (lcb < 16 || lcb > clxlen - i - 5 || (lcb - 4) % 12 != 0)
		return (-1);
	n = (lcb - 4) / 12;
	if (n > OFFICE_PIECES_MAX)
		n = OFFICE_PIECES_MAX;
	for (k = 0; k < n && !office_full(o); k++) {
		cp0 = office_u32(plc + 4 * k);
		cp1 = office_u32(plc + 4 * (k + 1));
		fc = office_u32(plc + 4 * (n + 1) + 8 * k + 2);
		if (cp1 <= cp0)
			continue;
		compressed = !word97 || (fc & 0x40000000) != 0;
		if (word97 && compressed)
			fc = (fc & ~0x40000000U) / 2;
		if (compressed && fc < doclen)
			office_8bit(o, doc + fc, MIN(cp1 - cp0, doclen - fc));
		else if (!compressed && fc < doclen)
			office_utf16(o, doc + fc, MIN((size_t)(cp1 - cp0) * 2,
			    doclen - fc));
	}
	return (0);
}

/* office_doc97 - Word 97-2003: FIB, table stream, piece table */

static int
office_doc97(struct office_out *o, GsfInfile *ole, const unsigned char *doc,
    size_t doclen, unsigned int flags)
{
	unsigned char	*tbl;
	size_t		 tbllen, off;
	unsigned int	 csw, cslw, cbrg;
	uint32_t	 fcclx, lcbclx;
	int		 rc;

	/* FibBase (32), csw, fibRgW, cslw, fibRgLw, cbRgFcLcb, pairs. */
	off = 32;
	if (off + 2 > doclen)
		return (-1);
	csw = office_u16(doc + off);
	off += 2 + 2 * (size_t)csw;
	if (off + 2 > doclen)
		return (-1);
	cslw = office_u16(doc + off);
	off += 2 + 4 * (size_t)cslw;
	if (off + 2 > doclen)
		return (-1);
	cbrg = office_u16(doc + off);
	off += 2;
	if (cbrg <= 33 || off + 34 * 8 > doclen)
		return (-1);		/* no fcClx/lcbClx pair */
	fcclx = office_u32(doc + off + 33 * 8);
	lcbclx = office_u32(doc + off + 33 * 8 + 4);
	tbl = office_child(ole, (flags & OFFICE_F_TABLE1) ? "1Table" :
	    "0Table", &tbllen);
	if (tbl == NULL)
		return (-1);
	if (lcbclx == 0 || fcclx > tbllen || lcbclx > tbllen - fcclx)
		rc = -1;
	else
		rc = office_pieces(o, tbl + fcclx, lcbclx, doc, doclen, 1);
	free(tbl);
	return (rc);
}

/* office_doc6 - Word 6/95: fcMin..fcMac, or the Clx of a complex file */

static int
office_doc6(struct office_out *o, const unsigned char *doc, size_t doclen,
    unsigned int flags)
{
	uint32_t	 fcmin, fcmac, fcclx, lcbclx;

	if (doclen < 0x1aa)
		return (-1);
	if (flags & OFFICE_F_COMPLEX) {
		fcclx = office_u32(doc + 0x1a2);
		lcbclx = office_u32(doc + 0x1a6);
		if (lcbclx > 0 && fcclx < doclen && lcbclx <= doclen - fcclx)
			return (office_pieces(o, doc + fcclx, lcbclx, doc,
			    doclen, 0));
	}
	fcmin = office_u32(doc + 0x18);
	fcmac = office_u32(doc + 0x1c);
	if (fcmin >= fcmac || fcmin >= doclen)
		return (-1);
	office_8bit(o, doc + fcmin, MIN(fcmac, doclen) - fcmin);
	return (0);
}

/* office_doc - a Word document in an OLE2 compound file */

static int
office_doc(struct office_out *o, GsfInput *in)
{
	GsfInfile	*ole;
	GError		*err = NULL;
	unsigned char	*doc;
	size_t		 doclen;
	unsigned int	 ident, flags;
	int		 rc = -1;

	if ((ole = gsf_infile_msole_new(in, &err)) == NULL) {
		g_clear_error(&err);
		return (-1);
	}
	if ((doc = office_child(ole, "WordDocument", &doclen)) != NULL &&
	    doclen >= 32) {
		ident = office_u16(doc);
		flags = office_u16(doc + 0x0a);
		if (flags & OFFICE_F_ENCRYPTED)
			rc = -1;	/* nothing to read without the key */
		else if (ident == OFFICE_WORD97)
			rc = office_doc97(o, ole, doc, doclen, flags);
		else if (ident == OFFICE_WORD6)
			rc = office_doc6(o, doc, doclen, flags);
	}
	free(doc);
	g_object_unref(ole);
	return (rc);
}

/* State of the SAX walk of document.xml or its relationships. */
struct office_sax {
	struct office_out *o;
	int		 in_t;		/* inside w:t */
};

/* office_local - the local part of a qualified name */

static const char *
office_local(const xmlChar *name)
{
	const char	*s = (const char *)name, *c = strchr(s, ':');

	return (c != NULL ? c + 1 : s);
}

/* office_sax_start - w:t opens text, w:tab and w:br are white space */

static void
office_sax_start(void *ctx, const xmlChar *name, const xmlChar **attrs)
{
	struct office_sax *sx = ctx;
	const char	*l = office_local(name);

	(void)attrs;
	if (strcmp(l, "t") == 0)
		sx->in_t = 1;
	else if (strcmp(l, "tab") == 0)
		office_put(sx->o, '\t');
	else if (strcmp(l, "br") == 0 || strcmp(l, "cr") == 0)
		office_put(sx->o, '\n');
}

/* office_sax_end - a paragraph ends a line */

static void
office_sax_end(void *ctx, const xmlChar *name)
{
	struct office_sax *sx = ctx;
	const char	*l = office_local(name);

	if (strcmp(l, "t") == 0)
		sx->in_t = 0;
	else if (strcmp(l, "p") == 0)
		office_put(sx->o, '\n');
}

/* office_sax_text - the characters of w:t */

static void
office_sax_text(void *ctx, const xmlChar *ch, int len)
{
	struct office_sax *sx = ctx;
	size_t		 room;

	if (!sx->in_t || len <= 0 || office_full(sx->o))
		return;
	room = sx->o->max - (buf_len(sx->o->out) - sx->o->start);
	/* libxml2 hands us UTF-8; charset_to_utf8 keeps it valid (a
	 * character cut at the bound becomes U+FFFD). */
	(void)charset_to_utf8("utf-8", (const char *)ch, MIN((size_t)len,
	    room), sx->o->out);
}

/* office_rel_start - an external relationship's target, on its line */

static void
office_rel_start(void *ctx, const xmlChar *name, const xmlChar **attrs)
{
	struct office_sax *sx = ctx;
	const char	*target = NULL;
	int		 external = 0, i;

	if (strcmp(office_local(name), "Relationship") != 0 || attrs == NULL)
		return;
	for (i = 0; attrs[i] != NULL && attrs[i + 1] != NULL; i += 2) {
		if (strcmp((const char *)attrs[i], "Target") == 0)
			target = (const char *)attrs[i + 1];
		else if (strcmp((const char *)attrs[i], "TargetMode") == 0)
			external = strcmp((const char *)attrs[i + 1],
			    "External") == 0;
	}
	if (external && target != NULL && !office_full(sx->o)) {
		buf_putc(sx->o->out, '\n');
		(void)charset_to_utf8("utf-8", target, strlen(target),
		    sx->o->out);
		buf_putc(sx->o->out, '\n');
	}
}

/* office_sax_run - run a SAX handler over a member's XML */

static void
office_sax_run(struct office_out *o, const unsigned char *xml, size_t len,
    startElementSAXFunc start, endElementSAXFunc end,
    charactersSAXFunc text)
{
	xmlSAXHandler	 h;
	xmlParserCtxtPtr ctx;
	struct office_sax sx;

	if (len > INT32_MAX)
		return;
	memset(&h, 0, sizeof(h));
	h.startElement = start;
	h.endElement = end;
	h.characters = text;
	memset(&sx, 0, sizeof(sx));
	sx.o = o;
	if ((ctx = xmlCreatePushParserCtxt(&h, &sx, NULL, 0, NULL)) == NULL)
		return;
	(void)xmlCtxtUseOptions(ctx, XML_PARSE_NONET | XML_PARSE_NOERROR |
	    XML_PARSE_NOWARNING);
	(void)xmlParseChunk(ctx, (const char *)xml, (int)len, 1);
	xmlFreeParserCtxt(ctx);
}

/* office_member - word/NAME or word/_rels/NAME of a zip (by name, step
 * by step: gsf_infile_child_by_vname prints a warning for a member it
 * cannot open) */

static GsfInput *
office_member(GsfInfile *zip, const char *sub, const char *name)
{
	GsfInput	*dir, *m = NULL, *d2;

	if ((dir = gsf_infile_child_by_name(zip, "word")) == NULL)
		return (NULL);
	if (sub != NULL) {
		d2 = GSF_IS_INFILE(dir) ? gsf_infile_child_by_name(
		    GSF_INFILE(dir), sub) : NULL;
		g_object_unref(dir);
		if ((dir = d2) == NULL)
			return (NULL);
	}
	if (GSF_IS_INFILE(dir))
		m = gsf_infile_child_by_name(GSF_INFILE(dir), name);
	g_object_unref(dir);
	return (m);
}

/* office_docx - the text of word/document.xml and its link targets */

static int
office_docx(struct office_out *o, GsfInput *in)
{
	GsfInfile	*zip;
	GsfInput	*m;
	GError		*err = NULL;
	unsigned char	*xml;
	size_t		 len;
	int		 rc = -1;

	if ((zip = gsf_infile_zip_new(in, &err)) == NULL) {
		g_clear_error(&err);
		return (-1);
	}
	if ((m = office_member(zip, NULL, "document.xml")) != NULL) {
		if ((xml = office_read(m, &len)) != NULL) {
			office_sax_run(o, xml, len, office_sax_start,
			    office_sax_end, office_sax_text);
			free(xml);
			rc = 0;
		}
		g_object_unref(m);
	}
	if (rc == 0 && (m = office_member(zip, "_rels",
	    "document.xml.rels")) != NULL) {
		if ((xml = office_read(m, &len)) != NULL) {
			office_sax_run(o, xml, len, office_rel_start, NULL,
			    NULL);
			free(xml);
		}
		g_object_unref(m);
	}
	g_object_unref(zip);
	return (rc);
}

/* office_is_word - a Word document by its first bytes (OLE2 or zip);
 * office_to_text still decides whether the container holds one */

int
office_is_word(const char *data, size_t len)
{
	return ((len >= 8 && memcmp(data, office_ole2_magic, 8) == 0) ||
	    (len >= 4 && memcmp(data, "PK\x03\x04", 4) == 0));
}

/* office_glog - libgsf's complaints about a broken document are not ours
 * to print: the document simply gives less text (with -v they are
 * debug lines) */

static void
office_glog(const gchar *domain, GLogLevelFlags level, const gchar *msg,
    gpointer arg)
{
	(void)level;
	(void)arg;
	log_debug("%s: %s", domain != NULL ? domain : "libgsf", msg);
}

/* office_gprint - libgsf's zip reader prints what it expected */

static void
office_gprint(const gchar *msg)
{
	log_debug("libgsf: %s", msg);
}

/* office_to_text - the text of a .doc or .docx */

int
office_to_text(const char *data, size_t len, size_t max,
    uint64_t deadline_ms, struct buf *out)
{
	static const char *const domains[] = { "libgsf", "libgsf:msole",
		"libgsf:zip", "libgsf:utils", "libgsf:input" };
	static int	 inited;
	struct office_out o;
	size_t		 i;
	GsfInput	*in;
	int		 rc = -1;

	if (!office_is_word(data, len) || max == 0)
		return (-1);
	if (!inited) {
		gsf_init();
		for (i = 0; i < sizeof(domains) / sizeof(domains[0]); i++)
			(void)g_log_set_handler(domains[i], G_LOG_LEVEL_MASK,
			    office_glog, NULL);
		/* libgsf's gsf-infile.c warns in the default domain, which
		 * nothing else of ours uses; its zip reader g_print()s. */
		(void)g_log_set_handler(NULL, G_LOG_LEVEL_WARNING |
		    G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_MESSAGE, office_glog,
		    NULL);
		(void)g_log_set_handler("GLib-GObject", G_LOG_LEVEL_CRITICAL |
		    G_LOG_LEVEL_WARNING, office_glog, NULL);
		(void)g_set_print_handler(office_gprint);
		(void)g_set_printerr_handler(office_gprint);
		inited = 1;
	}
	memset(&o, 0, sizeof(o));
	o.out = out;
	o.start = buf_len(out);
	o.max = max;
	o.deadline_ms = deadline_ms;
	o.instr = buf_new(64);
	if ((in = gsf_input_memory_new((const guint8 *)data, (gsf_off_t)len,
	    FALSE)) != NULL) {
		rc = data[0] == 'P' ? office_docx(&o, in) : office_doc(&o, in);
		g_object_unref(in);
	}
	buf_free(o.instr);
	if (buf_len(out) > o.start && out->data[buf_len(out) - 1] != '\n')
		buf_putc(out, '\n');
	return (rc);
}
