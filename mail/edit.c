/*
 * edit.c - what the filter changes in a message, as a list of segments
 *
 * The header section is split into fields (a line not starting with space
 * or tab begins a field; continuation lines belong to it).  Fields are kept
 * as ranges of the original unless removed or rewritten.  Rewritten and
 * added text lives in buffers owned by the edit.
 *
 * A message whose first line is neither a header field nor the empty line
 * has no header section: all of it is body, and the fields we add are
 * followed by the empty line it lacked (else its first line would become
 * a header field downstream).
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "xalloc.h"

/* mail */
#include "edit.h"
#include "mail.h"

#define EDIT_FOLD	78	/* fold added headers near this column */

struct edit {
	const char	*data;
	size_t		 len, header_len;
	struct buf	*added;		/* our header lines, CRLF */
	char		**remove;	/* name prefixes to drop */
	size_t		 nremove;
	char		*subject_tag;
	struct buf	*subject;	/* rewritten Subject field */
	int		 no_header;	/* data is body text only */
	struct iovec	*segs;
	size_t		 nsegs, cap;
	struct buf	*key;
};

/* edit_starts_field - whether the line at p starts a header field:
 * printable ASCII other than ':' (RFC 5322 ftext), optional white space
 * (obsolete syntax), then ':' */

static int
edit_starts_field(const char *p, const char *end)
{
	const char	*q = p;

	while (q < end && *q > ' ' && *q < 0x7f && *q != ':')
		q++;
	if (q == p)
		return (0);
	while (q < end && (*q == ' ' || *q == '\t'))
		q++;
	return (q < end && *q == ':');
}

/* edit_no_header - whether data has no header section at all: its first
 * line is neither a header field nor the empty line (a message of body
 * text only, "hello\r\n") */

static int
edit_no_header(const char *data, size_t len)
{
	const char	*end = data + len, *nl;

	if (len == 0 || (len >= 2 && data[0] == '\r' && data[1] == '\n'))
		return (0);
	nl = memchr(data, '\n', len);
	return (!edit_starts_field(data, nl != NULL ? nl : end));
}

/* edit_new - an edit that changes nothing yet */

struct edit *
edit_new(const char *data, size_t len, size_t header_len)
{
	struct edit	*e;

	e = xcalloc(1, sizeof(*e));
	e->data = data;
	e->len = len;
	e->header_len = header_len > len ? len : header_len;
	/* Body text only: no field of it may be taken for a header, and
	 * what we add needs the empty line after it (edit_build). */
	if ((e->no_header = edit_no_header(data, len)))
		e->header_len = 0;
	e->added = buf_new(256);
	e->key = buf_new(256);
	return (e);
}

/* edit_free - release it */

void
edit_free(struct edit *e)
{
	size_t	 i;

	if (e == NULL)
		return;
	buf_free(e->added);
	for (i = 0; i < e->nremove; i++)
		free(e->remove[i]);
	free(e->remove);
	free(e->subject_tag);
	buf_free(e->subject);
	free(e->segs);
	buf_free(e->key);
	free(e);
}

/* edit_fold_safe - append untrusted text to a header, safe and folded */

static void
edit_fold_safe(struct buf *out, size_t col, const char *s)
{
	const char	*p;
	size_t		 wlen;

	for (p = s; *p != '\0';) {
		wlen = strcspn(p, " \t");
		if (col + wlen > EDIT_FOLD && col > 1) {
			if (buf_len(out) > 0 && out->data[buf_len(out) - 1] ==
			    ' ')
				buf_truncate(out, buf_len(out) - 1);
			buf_puts(out, "\r\n\t");
			col = 1;
		}
		buf_append_safe(out, p, wlen);
		col += wlen;
		p += wlen;
		if (*p != '\0') {
			buf_putc(out, ' ');
			col++;
			p += strspn(p, " \t");
		}
	}
}

/* edit_add_header - add "Name: value" at the top */

void
edit_add_header(struct edit *e, const char *name, const char *value)
{
	buf_puts(e->added, name);
	buf_puts(e->added, ": ");
	edit_fold_safe(e->added, strlen(name) + 2, value);
	buf_puts(e->added, "\r\n");
}

/* edit_add_raw - add trusted, already formatted header text */

void
edit_add_raw(struct edit *e, const char *s, size_t len)
{
	buf_append(e->added, s, len);
}

/* edit_remove_prefix - drop original fields whose name starts with prefix */

void
edit_remove_prefix(struct edit *e, const char *prefix)
{
	e->remove = xreallocarray(e->remove, e->nremove + 1,
	    sizeof(*e->remove));
	e->remove[e->nremove++] = xstrdup(prefix);
}

/* edit_subject_tag - tag the Subject */

void
edit_subject_tag(struct edit *e, const char *tag)
{
	free(e->subject_tag);
	e->subject_tag = (tag != NULL && *tag != '\0') ? xstrdup(tag) : NULL;
}

/* edit_seg_add - append a segment, merging with a contiguous previous one */

static void
edit_seg_add(struct edit *e, const char *p, size_t len)
{
	struct iovec	*last;

	if (len == 0)
		return;
	if (e->nsegs > 0) {
		last = &e->segs[e->nsegs - 1];
		if ((const char *)last->iov_base + last->iov_len == p) {
			last->iov_len += len;
			return;
		}
	}
	if (e->nsegs == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 16;
		e->segs = xreallocarray(e->segs, e->cap, sizeof(*e->segs));
	}
	e->segs[e->nsegs].iov_base = (void *)p;
	e->segs[e->nsegs].iov_len = len;
	e->nsegs++;
}

/* edit_field_end - end of the header field starting at p */

static const char *
edit_field_end(const char *p, const char *end)
{
	const char	*nl;

	for (;;) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			return (end);
		p = nl + 1;
		if (p >= end || (*p != ' ' && *p != '\t'))
			return (p);
	}
}

/* edit_removed - whether a field name is on the removal list */

static int
edit_removed(const struct edit *e, const char *field, size_t flen)
{
	size_t	 i, n;

	for (i = 0; i < e->nremove; i++) {
		n = strlen(e->remove[i]);
		if (flen >= n && strncasecmp(field, e->remove[i], n) == 0)
			return (1);
	}
	return (0);
}

/* edit_is_field - whether a field has this exact name */

static int
edit_is_field(const char *field, size_t flen, const char *name)
{
	size_t	 n = strlen(name);

	return (flen > n && strncasecmp(field, name, n) == 0 &&
	    field[n] == ':');
}

/* edit_tag_subject - build the tagged Subject field from the original */

static void
edit_tag_subject(struct edit *e, const char *field, size_t flen)
{
	const char	*v = field + 8, *end = field + flen;

	buf_free(e->subject);
	e->subject = buf_new(flen + 64);
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	if ((size_t)(end - v) >= strlen(e->subject_tag) &&
	    strncmp(v, e->subject_tag, strlen(e->subject_tag)) == 0) {
		buf_append(e->subject, field, flen);	/* already tagged */
		return;
	}
	buf_puts(e->subject, "Subject: ");
	buf_append_safe(e->subject, e->subject_tag, strlen(e->subject_tag));
	buf_putc(e->subject, ' ');
	buf_append(e->subject, v, (size_t)(end - v));
}

/* edit_build - compute the segments */

static void
edit_build(struct edit *e)
{
	const char	*p = e->data, *hend = e->data + e->header_len;
	const char	*fend, *colon;
	int		 have_subject = 0;

	e->nsegs = 0;
	buf_free(e->subject);
	e->subject = NULL;
	edit_seg_add(e, e->added->data, buf_len(e->added));
	while (p < hend) {
		if (hend - p >= 2 && p[0] == '\r' && p[1] == '\n')
			break;			/* the empty line */
		fend = edit_field_end(p, hend);
		colon = memchr(p, ':', (size_t)(fend - p));
		if (colon != NULL && edit_removed(e, p, (size_t)(fend - p))) {
			p = fend;
			continue;
		}
		if (e->subject_tag != NULL && !have_subject &&
		    edit_is_field(p, (size_t)(fend - p), "Subject")) {
			have_subject = 1;
			edit_tag_subject(e, p, (size_t)(fend - p));
			edit_seg_add(e, e->subject->data, buf_len(e->subject));
			p = fend;
			continue;
		}
		edit_seg_add(e, p, (size_t)(fend - p));
		p = fend;
	}
	if (e->subject_tag != NULL && !have_subject) {
		e->subject = buf_new(64);
		buf_puts(e->subject, "Subject: ");
		buf_append_safe(e->subject, e->subject_tag,
		    strlen(e->subject_tag));
		buf_puts(e->subject, "\r\n");
		edit_seg_add(e, e->subject->data, buf_len(e->subject));
	}
	/* Fields on top of body text need the empty line between them, or
	 * the first body line would read as one more header field. */
	if (e->no_header && e->nsegs > 0)
		edit_seg_add(e, "\r\n", 2);
	edit_seg_add(e, p, (size_t)(e->data + e->len - p));
}

/* edit_segments - the output as segments */

size_t
edit_segments(struct edit *e, const struct iovec **segs)
{
	edit_build(e);
	*segs = e->segs;
	return (e->nsegs);
}

/* edit_size - total output bytes */

size_t
edit_size(struct edit *e)
{
	size_t	 i, n = 0;

	edit_build(e);
	for (i = 0; i < e->nsegs; i++)
		n += e->segs[i].iov_len;
	return (n);
}

/* edit_key - equal for edits with equal output */

const char *
edit_key(struct edit *e)
{
	size_t	 i;

	buf_reset(e->key);
	/* Which bytes the edit starts from (the message, or a cleaned copy). */
	buf_printf(e->key, "--data: %p %zu\n", (const void *)e->data, e->len);
	buf_append(e->key, e->added->data, buf_len(e->added));
	buf_puts(e->key, "\n--remove:");
	for (i = 0; i < e->nremove; i++)
		buf_printf(e->key, " %s", e->remove[i]);
	buf_printf(e->key, "\n--tag: %s", e->subject_tag ? e->subject_tag :
	    "");
	return (buf_str(e->key));
}
