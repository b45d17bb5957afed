/*
 * avmime.c - the MIME walk of av/: leaf parts with their raw offsets
 *
 * GMime parses the message straight from the caller's bytes (a memory
 * stream over them, never a copy) with persist_stream on, so every leaf's
 * content is a substream whose bounds are offsets into the original data,
 * and every header carries its offset.  That gives, per leaf part, the raw
 * header block and the raw (still encoded) body: what the filter looks at,
 * what libclamav scans once decoded, and what "remove" replaces while it
 * copies every other byte unchanged.
 *
 * The walk is depth-first in document order, so a leaf's index is the same
 * every time the same bytes are walked with the same limits; findings
 * carry per-part statuses by that index.  Past max_parts leaves or
 * max_depth levels of nesting the walk stops and says so (limit); GMime's
 * own nesting cap is 1024, above any depth we allow.
 *
 * A leaf whose offsets cannot be trusted (content not a substream of our
 * stream, bounds out of order or overlapping the previous part) makes the
 * whole walk not "editable": remove then refuses rather than guess.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "xalloc.h"

/* av */
#include "av_private.h"

#define AVMIME_NONE	((size_t)-1)
#define AVMIME_ATTACHED	((size_t)-2)

/* avmime_init - initialise GMime once per process */

void
avmime_init(void)
{
	static int	 done;

	if (done)
		return;
	g_mime_init();
	done = 1;
}

/* avmime_hdr_min - smallest header offset in an object's header list */

static size_t
avmime_hdr_min(GMimeObject *o, size_t min)
{
	GMimeHeaderList	*hl;
	gint64		 off;
	int		 i, n;

	if ((hl = g_mime_object_get_header_list(o)) == NULL)
		return (min);
	n = g_mime_header_list_get_count(hl);
	for (i = 0; i < n; i++) {
		off = g_mime_header_get_offset(
		    g_mime_header_list_get_header_at(hl, i));
		if (off >= 0 && (size_t)off < min)
			min = (size_t)off;
	}
	return (min);
}

/* avmime_blank_before - start of the empty line that ends at body, if any */

static size_t
avmime_blank_before(const struct avmime *m, size_t body)
{
	const char	*d = m->data;

	/* Only a line that is empty counts: the byte before it must end the
	 * previous line, or the body starts right there. */
	if (body >= 3 && d[body - 1] == '\n' && d[body - 2] == '\r' &&
	    d[body - 3] == '\n')
		return (body - 2);
	if (body >= 2 && d[body - 1] == '\n' && d[body - 2] == '\n')
		return (body - 1);
	return (body);
}

/* avmime_line_start - start of the line that ends just before pos */

static size_t
avmime_line_start(const struct avmime *m, size_t pos)
{
	size_t	 p = pos;

	/* pos is the first byte of a line; step over the previous LF. */
	if (p > 0)
		p--;
	while (p > 0 && m->data[p - 1] != '\n')
		p--;
	return (p);
}

/* avmime_is_delim - is the line at p "--boundary" (white space allowed)? */

static int
avmime_is_delim(const struct avmime *m, size_t p, size_t end,
    const char *boundary)
{
	size_t	 bl = strlen(boundary);

	if (end - p < bl + 2 || m->data[p] != '-' || m->data[p + 1] != '-' ||
	    memcmp(m->data + p + 2, boundary, bl) != 0)
		return (0);
	for (p += bl + 2; p < end; p++)
		if (m->data[p] != ' ' && m->data[p] != '\t' &&
		    m->data[p] != '\r' && m->data[p] != '\n')
			return (0);
	return (1);
}

/* avmime_after_delim - a multipart child starts after its delimiter line;
 * only header-like lines (never an empty one before the headers end) can
 * lie between that line and anchor.  AVMIME_NONE when not found. */

static size_t
avmime_after_delim(const struct avmime *m, size_t anchor, size_t floor,
    const char *boundary)
{
	size_t	 line = anchor, prev;

	if (boundary == NULL)
		return (AVMIME_NONE);
	while (line > floor) {
		prev = avmime_line_start(m, line);
		if (prev < floor)
			break;
		if (avmime_is_delim(m, prev, line, boundary))
			return (line);
		line = prev;
	}
	return (AVMIME_NONE);
}

/* avmime_after_blank - an attached message starts after the empty line
 * that ends its message/rfc822 part's headers: the nearest one above the
 * first header of the message.  AVMIME_NONE when not found. */

static size_t
avmime_after_blank(const struct avmime *m, size_t anchor, size_t floor)
{
	size_t	 line = anchor, prev;

	while (line > floor) {
		prev = avmime_line_start(m, line);
		if (prev < floor)
			break;
		if (m->data[prev] == '\n' || (m->data[prev] == '\r' &&
		    prev + 1 < line && m->data[prev + 1] == '\n'))
			return (line);
		line = prev;
	}
	return (AVMIME_NONE);
}

/* avmime_lower - a lower-case copy */

static char *
avmime_lower(const char *s)
{
	char	*c = xstrdup(s);
	char	*p;

	for (p = c; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return (c);
}

/* avmime_leaf - record one leaf part
 *
 * msg_hdr is where the header block starts when the leaf is the body of a
 * message (the message and its body share one header block): 0 at the
 * top, AVMIME_ATTACHED for an attached message (found from the offsets),
 * AVMIME_NONE for a child of a multipart whose boundary is given. */

static void
avmime_leaf(struct avmime *m, GMimePart *gp, const char *sect,
    size_t msg_hdr, size_t msg_anchor, const char *boundary)
{
	struct avmime_part *p;
	GMimeDataWrapper *w;
	GMimeStream	*s;
	const char	*fn;
	char		*type;
	size_t		 floor, anchor;

	if (m->nparts >= m->max_parts) {
		m->limit = AVMIME_LIMIT_PARTS;
		return;
	}
	if (m->nparts == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 8;
		m->part = xreallocarray(m->part, m->cap, sizeof(*m->part));
	}
	floor = m->nparts > 0 && m->part[m->nparts - 1].offsets_ok ?
	    m->part[m->nparts - 1].body_end : 0;
	p = &m->part[m->nparts];
	memset(p, 0, sizeof(*p));
	p->index = (unsigned int)m->nparts++;
	p->gpart = gp;
	(void)snprintf(p->section, sizeof(p->section), "%s", sect);
	if ((fn = g_mime_part_get_filename(gp)) != NULL && *fn != '\0')
		p->filename = xstrdup(fn);
	type = g_mime_content_type_get_mime_type(
	    g_mime_object_get_content_type(GMIME_OBJECT(gp)));
	p->ctype = avmime_lower(type != NULL ? type : "text/plain");
	g_free(type);

	w = g_mime_part_get_content(gp);
	s = w != NULL ? g_mime_data_wrapper_get_stream(w) : NULL;
	if (s == NULL || !GMIME_IS_STREAM_MEM(s) ||
	    GMIME_STREAM_MEM(s)->buffer != m->array || s->bound_start < 0)
		return;
	p->body_start = (size_t)s->bound_start;
	p->body_end = s->bound_end < 0 ? m->len : (size_t)s->bound_end;
	anchor = avmime_hdr_min(GMIME_OBJECT(gp), p->body_start);
	if (msg_hdr == 0)
		p->hdr_start = 0;
	else if (msg_hdr == AVMIME_ATTACHED) {
		if (msg_anchor < anchor)
			anchor = msg_anchor;
		if (anchor == p->body_start)	/* a message with no headers */
			p->hdr_start = avmime_blank_before(m, p->body_start);
		else
			p->hdr_start = avmime_after_blank(m, anchor, floor);
	} else
		p->hdr_start = avmime_after_delim(m, anchor, floor, boundary);
	if (p->hdr_start == AVMIME_NONE) {
		p->hdr_start = 0;
		return;
	}
	p->offsets_ok = 1;
}

static void	avmime_walk(struct avmime *, GMimeObject *, const char *,
		    unsigned int, size_t, size_t, const char *);

/* avmime_message - walk the body of a message (top level or attached) */

static void
avmime_message(struct avmime *m, GMimeMessage *msg, const char *sect,
    unsigned int depth, size_t hdr)
{
	GMimeObject	*body;
	char		 sub[AVMIME_SECTION_MAX];

	if ((body = g_mime_message_get_mime_part(msg)) == NULL)
		return;
	if (GMIME_IS_MULTIPART(body)) {
		avmime_walk(m, body, sect, depth, AVMIME_NONE, AVMIME_NONE,
		    NULL);
		return;
	}
	(void)snprintf(sub, sizeof(sub), "%s%s1", sect, *sect ? "." : "");
	avmime_walk(m, body, sub, depth, hdr, avmime_hdr_min(GMIME_OBJECT(msg),
	    AVMIME_NONE), NULL);
}

/* avmime_walk - depth-first walk of one object; boundary is the parent
 * multipart's, msg_hdr/msg_anchor as for avmime_leaf() */

static void
avmime_walk(struct avmime *m, GMimeObject *o, const char *sect,
    unsigned int depth, size_t msg_hdr, size_t msg_anchor,
    const char *boundary)
{
	GMimeMultipart	*mp;
	GMimeMessage	*inner;
	const char	*b;
	char		 sub[AVMIME_SECTION_MAX];
	int		 i, n;

	if (m->limit)
		return;
	if (depth > m->max_depth) {
		m->limit = AVMIME_LIMIT_DEPTH;
		return;
	}
	if (GMIME_IS_MULTIPART(o)) {
		mp = GMIME_MULTIPART(o);
		b = g_mime_multipart_get_boundary(mp);
		n = g_mime_multipart_get_count(mp);
		for (i = 0; i < n && !m->limit; i++) {
			(void)snprintf(sub, sizeof(sub), "%s%s%d", sect,
			    *sect ? "." : "", i + 1);
			avmime_walk(m, g_mime_multipart_get_part(mp, i), sub,
			    depth + 1, AVMIME_NONE, AVMIME_NONE, b);
		}
	} else if (GMIME_IS_MESSAGE_PART(o)) {
		inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));
		if (inner != NULL)
			avmime_message(m, inner, sect, depth + 1,
			    AVMIME_ATTACHED);
	} else if (GMIME_IS_PART(o))
		avmime_leaf(m, GMIME_PART(o), sect, msg_hdr, msg_anchor,
		    boundary);
}

/* avmime_check_order - are the leaves' offsets usable for editing? */

static int
avmime_check_order(const struct avmime *m)
{
	const struct avmime_part *p;
	size_t		 i, prev_end = 0;

	for (i = 0; i < m->nparts; i++) {
		p = &m->part[i];
		if (!p->offsets_ok || p->hdr_start < prev_end ||
		    p->hdr_start > p->body_start ||
		    p->body_start > p->body_end || p->body_end > m->len)
			return (0);
		prev_end = p->body_end;
	}
	return (1);
}

/* avmime_parse - walk a message; never fails (a non-message has 0 parts) */

struct avmime *
avmime_parse(const char *data, size_t len, unsigned int max_parts,
    unsigned int max_depth)
{
	struct avmime	*m;

	avmime_init();
	m = xcalloc(1, sizeof(*m));
	m->data = data;
	m->len = len;
	m->max_parts = max_parts;
	m->max_depth = max_depth;
	if (len > G_MAXUINT)
		log_panic("avmime_parse: message of %zu bytes", len);

	/* The array borrows the caller's bytes; avmime_free gives them back
	 * without freeing them, and nothing here writes to the stream. */
	m->array = g_byte_array_new_take((guint8 *)(uintptr_t)data, len);
	m->stream = g_mime_stream_mem_new_with_byte_array(m->array);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(m->stream), FALSE);
	m->parser = g_mime_parser_new_with_stream(m->stream);
	g_mime_parser_set_persist_stream(m->parser, TRUE);
	g_mime_parser_set_format(m->parser, GMIME_FORMAT_MESSAGE);
	m->msg = g_mime_parser_construct_message(m->parser, NULL);
	if (m->msg != NULL)
		avmime_message(m, m->msg, "", 0, 0);
	m->editable = avmime_check_order(m);
	return (m);
}

/* avmime_decode - the decoded content of a leaf, appended to out */

int
avmime_decode(const struct avmime *m, size_t i, struct buf *out)
{
	GMimeDataWrapper *w;
	GMimeStream	*mem;
	GByteArray	*ba;
	int		 rc = 0;

	if (i >= m->nparts)
		log_panic("avmime_decode: part %zu of %zu", i, m->nparts);
	if ((w = g_mime_part_get_content(m->part[i].gpart)) == NULL)
		return (0);
	mem = g_mime_stream_mem_new();
	if (g_mime_data_wrapper_write_to_stream(w, mem) < 0)
		rc = -1;
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	if (ba != NULL && ba->len > 0)
		buf_append(out, ba->data, ba->len);
	g_object_unref(mem);
	return (rc);
}

/* avmime_free - release the tree and give the bytes back */

void
avmime_free(struct avmime *m)
{
	size_t	 i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nparts; i++) {
		free(m->part[i].filename);
		free(m->part[i].ctype);
	}
	free(m->part);
	if (m->msg != NULL)
		g_object_unref(m->msg);
	g_object_unref(m->parser);
	g_object_unref(m->stream);
	(void)g_byte_array_free(m->array, FALSE);
	free(m);
}
