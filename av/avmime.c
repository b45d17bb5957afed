/*
 * avmime.c - the AV check's view of the message index: leaf parts with
 * their raw offsets, and that list across to the scan process
 *
 * The message is indexed once (mail/, by the server; a view without an
 * index is indexed here with the same limits).  Each leaf part becomes an
 * avmime_part: its IMAP-like section ("2.1"), the raw header block and the
 * raw (still encoded) body as offsets into the message, its transfer
 * encoding, declared type and file name.  That is what the filter looks
 * at, what libclamav scans once decoded, and what "remove" replaces while
 * it copies every other byte unchanged.
 *
 * The list is in document order, so a leaf's index is the same every time
 * the same bytes are indexed with the same limits; findings carry per-part
 * statuses by that index.  A limit of the index (max_parts, max_depth) or
 * more leaves than findings can hold (FINDINGS_AV_PARTS) ends the list and
 * says so.  A leaf without a body (its header block ended at a boundary)
 * has no usable offsets, and makes the list not "editable": remove then
 * refuses rather than guess.
 *
 * The scan process gets the list with each request (avmime_pack, unpack:
 * every offset checked against the message's length), so it parses no MIME
 * at all: only libclamav and libmagic read untrusted bytes there.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "xalloc.h"

/* mail */
#include "mail.h"

/* av */
#include "av_private.h"

#define AVMIME_NAME_MAX	(64 * 1024)	/* longest file name packed */

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

/* avmime_leaf - record one leaf part */

static void
avmime_leaf(struct avmime *m, const struct mail *ml, unsigned int i,
    const char *sect)
{
	const struct mail_part *mp = &ml->part[i];
	struct avmime_part *p;
	char		 type[256];

	if (m->nparts >= FINDINGS_AV_PARTS) {
		m->limit = AVMIME_LIMIT_PARTS;
		return;
	}
	if (m->nparts == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 8;
		m->part = xreallocarray(m->part, m->cap, sizeof(*m->part));
	}
	p = &m->part[m->nparts];
	memset(p, 0, sizeof(*p));
	p->index = (unsigned int)m->nparts++;
	(void)snprintf(p->section, sizeof(p->section), "%s", sect);
	if (mp->filename != NULL && *mp->filename != '\0')
		p->filename = xstrdup(mp->filename);
	(void)snprintf(type, sizeof(type), "%s/%s", mp->type, mp->subtype);
	p->ctype = avmime_lower(type);
	p->cte = mp->cte;
	p->hdr_start = mp->hdr_start;
	p->body_start = mp->body_start;
	p->body_end = mp->body_end;
	p->offsets_ok = !(mp->flags & MAIL_PART_NO_BODY);
}

/* avmime_sub - a child's section: "2" under "", "1.2" under "1" */

static void
avmime_sub(char *out, size_t size, const char *sect, unsigned int n)
{
	(void)snprintf(out, size, "%s%s%u", sect, *sect ? "." : "", n);
}

/* avmime_walk - part i and what is below it; the index past them */

static unsigned int
avmime_walk(struct avmime *m, const struct mail *ml, unsigned int i,
    const char *sect)
{
	const struct mail_part *p = &ml->part[i];
	unsigned int	 next = i + 1, n = 0;
	char		 sub[AVMIME_SECTION_MAX];

	if (p->flags & MAIL_PART_MULTIPART) {
		while (next < ml->nparts && ml->part[next].parent == i &&
		    !m->limit) {
			avmime_sub(sub, sizeof(sub), sect, ++n);
			next = avmime_walk(m, ml, next, sub);
		}
	} else if (p->flags & MAIL_PART_MESSAGE) {
		/* an attached message: a multipart body's parts are the
		 * message's own; a single body is its part 1 */
		if (next < ml->nparts && ml->part[next].parent == i) {
			if (ml->part[next].flags & MAIL_PART_MULTIPART)
				next = avmime_walk(m, ml, next, sect);
			else {
				avmime_sub(sub, sizeof(sub), sect, 1);
				next = avmime_walk(m, ml, next, sub);
			}
		}
	} else if (!m->limit)
		avmime_leaf(m, ml, i, sect);
	if ((p->flags & MAIL_PART_DEPTH) && !m->limit)
		m->limit = AVMIME_LIMIT_DEPTH;
	while (next < ml->nparts && ml->part[next].depth > p->depth)
		next++;			/* what a limit left unwalked */
	return (next);
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

/* avmime_from_mail - the leaf list of an indexed message */

struct avmime *
avmime_from_mail(const struct mail *ml)
{
	struct avmime	*m;

	m = xcalloc(1, sizeof(*m));
	m->data = ml->data;
	m->len = ml->len;
	if (ml->message && ml->nparts > 0)
		(void)avmime_walk(m, ml, 0, (ml->part[0].flags &
		    MAIL_PART_MULTIPART) ? "" : "1");
	if (ml->limits & MAIL_LIMIT_PARTS)
		m->limit = AVMIME_LIMIT_PARTS;
	else if ((ml->limits & MAIL_LIMIT_DEPTH) && !m->limit)
		m->limit = AVMIME_LIMIT_DEPTH;
	m->editable = avmime_check_order(m);
	return (m);
}

/* avmime_parse - index a message with these limits and list its leaves */

struct avmime *
avmime_parse(const char *data, size_t len, unsigned int max_parts,
    unsigned int max_depth)
{
	struct mail_limits lim = { max_parts, max_depth };
	struct mail	*ml;
	struct avmime	*m;

	ml = mail_new(data, len, &lim);
	m = avmime_from_mail(ml);
	mail_free(ml);
	return (m);
}

/* avmime_view - the leaf list of a view's message (its index, or one made
 * here with the configured limits) */

struct avmime *
avmime_view(const struct msg_view *v)
{
	struct mail	*ml;
	struct avmime	*m;

	if (v->mail != NULL)
		return (avmime_from_mail(v->mail));
	ml = mail_new(v->data, v->len, NULL);
	m = avmime_from_mail(ml);
	mail_free(ml);
	return (m);
}

/* avmime_decode - the decoded content of a leaf, appended to out */

int
avmime_decode(const struct avmime *m, size_t i, struct buf *out)
{
	const struct avmime_part *p;

	if (i >= m->nparts)
		log_panic("avmime_decode: part %zu of %zu", i, m->nparts);
	p = &m->part[i];
	if (!p->offsets_ok || p->body_end <= p->body_start)
		return (0);
	(void)maildec_buf(p->cte, m->data + p->body_start,
	    p->body_end - p->body_start, out, 0);
	return (0);
}

/* avmime_put - append a big-endian integer */

static void
avmime_put(struct buf *b, uint64_t v, int bytes)
{
	while (bytes-- > 0)
		buf_putc(b, (int)((v >> (bytes * 8)) & 0xff));
}

/* avmime_get - read a big-endian integer; -1 past the end */

static int
avmime_get(const unsigned char *p, size_t len, size_t *pos, int bytes,
    uint64_t *v)
{
	if (len - *pos < (size_t)bytes)
		return (-1);
	*v = 0;
	while (bytes-- > 0)
		*v = (*v << 8) | p[(*pos)++];
	return (0);
}

/* avmime_pack - the list for the scan process */

void
avmime_pack(const struct avmime *m, struct buf *b)
{
	const struct avmime_part *p;
	size_t		 i, n;

	avmime_put(b, (uint64_t)m->limit, 1);
	avmime_put(b, (uint64_t)m->editable, 1);
	avmime_put(b, m->nparts, 4);
	for (i = 0; i < m->nparts; i++) {
		p = &m->part[i];
		avmime_put(b, (uint64_t)p->offsets_ok, 1);
		avmime_put(b, (uint64_t)p->cte, 1);
		avmime_put(b, p->hdr_start, 8);
		avmime_put(b, p->body_start, 8);
		avmime_put(b, p->body_end, 8);
		n = strlen(p->section);
		avmime_put(b, n, 1);
		buf_append(b, p->section, n);
		n = strlen(p->ctype);
		n = n > 0xffff ? 0xffff : n;
		avmime_put(b, n, 2);
		buf_append(b, p->ctype, n);
		n = p->filename != NULL ? strlen(p->filename) : 0;
		n = n > AVMIME_NAME_MAX ? AVMIME_NAME_MAX : n;
		avmime_put(b, p->filename != NULL ? n + 1 : 0, 4);
		if (p->filename != NULL)
			buf_append(b, p->filename, n);
	}
}

/* avmime_get_str - a string of n bytes at pos, or NULL */

static char *
avmime_get_str(const unsigned char *p, size_t len, size_t *pos, size_t n)
{
	char	*s;

	if (len - *pos < n)
		return (NULL);
	s = xstrndup((const char *)p + *pos, n);
	*pos += n;
	return (s);
}

/* avmime_unpack - the scan process's copy of a list for data; NULL when
 * it does not fit the data (a bug on the other side: nothing to guess) */

struct avmime *
avmime_unpack(const unsigned char *in, size_t len, size_t *used,
    const char *data, size_t dlen)
{
	struct avmime	*m;
	struct avmime_part *p;
	uint64_t	 v, n, h, bs, be;
	size_t		 pos = 0, i;

	m = xcalloc(1, sizeof(*m));
	m->data = data;
	m->len = dlen;
	if (avmime_get(in, len, &pos, 1, &v) < 0 || v > AVMIME_LIMIT_DEPTH)
		goto bad;
	m->limit = (int)v;
	if (avmime_get(in, len, &pos, 1, &v) < 0 || v > 1)
		goto bad;
	m->editable = (int)v;
	if (avmime_get(in, len, &pos, 4, &n) < 0 || n > FINDINGS_AV_PARTS)
		goto bad;
	m->part = xcalloc(n + 1, sizeof(*m->part));
	m->cap = (size_t)n + 1;
	for (i = 0; i < n; i++) {
		p = &m->part[i];
		p->index = (unsigned int)i;
		m->nparts = i + 1;
		if (avmime_get(in, len, &pos, 1, &v) < 0 || v > 1)
			goto bad;
		p->offsets_ok = (int)v;
		if (avmime_get(in, len, &pos, 1, &v) < 0 ||
		    v > MAIL_CTE_UUENCODE)
			goto bad;
		p->cte = (enum mail_cte)v;
		if (avmime_get(in, len, &pos, 8, &h) < 0 ||
		    avmime_get(in, len, &pos, 8, &bs) < 0 ||
		    avmime_get(in, len, &pos, 8, &be) < 0 ||
		    h > bs || bs > be || be > dlen)
			goto bad;
		p->hdr_start = (size_t)h;
		p->body_start = (size_t)bs;
		p->body_end = (size_t)be;
		if (avmime_get(in, len, &pos, 1, &v) < 0 ||
		    v >= AVMIME_SECTION_MAX || len - pos < v)
			goto bad;
		memcpy(p->section, in + pos, (size_t)v);
		pos += (size_t)v;
		if (avmime_get(in, len, &pos, 2, &v) < 0 ||
		    (p->ctype = avmime_get_str(in, len, &pos, (size_t)v)) ==
		    NULL)
			goto bad;
		if (avmime_get(in, len, &pos, 4, &v) < 0 ||
		    v > AVMIME_NAME_MAX + 1)
			goto bad;
		if (v > 0 && (p->filename = avmime_get_str(in, len, &pos,
		    (size_t)v - 1)) == NULL)
			goto bad;
	}
	*used = pos;
	return (m);
bad:
	avmime_free(m);
	return (NULL);
}

/* avmime_free - release the list (never the message) */

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
	free(m);
}
