/*
 * avedit.c - "remove": replace flagged parts, keep every other byte
 *
 * The leaves come from the message index the scan used (the same list,
 * so leaf i is the part the findings mean), and the
 * output is built from the raw bytes: everything before a flagged part's
 * header block is copied as is, the header block is rewritten (its
 * Content-* fields are replaced by those of a text/plain notice, all other
 * fields, e.g. the From and Subject of an attached message, are kept
 * verbatim), the encoded body is replaced by the notice, and copying
 * resumes where the body ended: at the CRLF that starts the next boundary
 * line.  No part is re-serialised, so untouched parts stay byte-identical
 * and their boundaries stay where they were.
 *
 * Remove refuses (WN_PERM) whenever it would have to guess: a finding no
 * part explains (the whole-message scan saw it, or a limit or timeout cut
 * the scan short), a walk that differs from the scan's, or leaf offsets
 * that are missing or out of order.  The caller then uses remove_fallback.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <strings.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "status.h"

/* policy */
#include "findings.h"

/* av */
#include "av.h"
#include "av_private.h"

#define AVEDIT_WRAP	76	/* notice line width */
#define AVEDIT_NAMES	400	/* bytes of names in one notice */

/* avedit_line_end - end of the line starting at p (after its LF) */

static size_t
avedit_line_end(const char *h, size_t len, size_t p)
{
	const char	*lf = memchr(h + p, '\n', len - p);

	return (lf != NULL ? (size_t)(lf - h) + 1 : len);
}

/* avedit_is_field - does a line start a header field ("Name:")? */

static int
avedit_is_field(const char *l, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++) {
		if (l[i] == ':')
			return (i > 0);
		if (l[i] <= ' ' || l[i] >= 0x7f)
			return (0);
	}
	return (0);
}

/* avedit_headers - the rewritten header block of a replaced part
 *
 * Fields other than Content-* stay verbatim; lines that are no field at
 * all (junk the index passed over) go, so the result parses the same
 * everywhere. */

static void
avedit_headers(struct buf *out, const char *h, size_t len, int top)
{
	size_t		 p = 0, e;
	int		 drop = 0, have_mv = 0;

	while (p < len) {
		e = avedit_line_end(h, len, p);
		if (h[p] == '\n' || (h[p] == '\r' && p + 1 < len &&
		    h[p + 1] == '\n'))
			break;			/* the empty line */
		if (h[p] != ' ' && h[p] != '\t') {
			drop = !avedit_is_field(h + p, e - p) ||
			    (e - p >= 8 && strncasecmp(h + p, "Content-", 8) ==
			    0);
			if (e - p >= 13 && strncasecmp(h + p, "MIME-Version:",
			    13) == 0)
				have_mv = 1;
		}
		if (!drop) {
			buf_append(out, h + p, e - p);
			if (h[e - 1] != '\n')
				buf_puts(out, "\r\n");
		}
		p = e;
	}
	if (top && !have_mv)
		buf_puts(out, "MIME-Version: 1.0\r\n");
	buf_puts(out, "Content-Type: text/plain; charset=us-ascii\r\n"
	    "Content-Transfer-Encoding: 7bit\r\n"
	    "Content-Disposition: inline\r\n"
	    "\r\n");
}

/* avedit_safe - printable ASCII copy of untrusted text */

static void
avedit_safe(struct buf *out, const char *s, size_t max)
{
	size_t	 n;

	for (n = 0; s != NULL && *s != '\0' && n < max; s++, n++)
		buf_putc(out, (*s >= 0x20 && *s < 0x7f) ? *s : '?');
}

/* avedit_names - names the findings give for one part */

static void
avedit_names(struct buf *out, const struct findings *f, const char *sect)
{
	const struct finding_item *it;
	size_t		 sl = strlen(sect), start = out->len;
	unsigned int	 i;
	int		 n = 0;

	for (i = 0; i < f->viruses.count && i < FINDINGS_MAX_ITEMS; i++) {
		it = &f->viruses.item[i];
		if (strncmp(it->detail, "part ", 5) != 0 ||
		    strncmp(it->detail + 5, sect, sl) != 0 ||
		    (it->detail[5 + sl] != '\0' && it->detail[5 + sl] != ' '))
			continue;
		if (out->len - start > AVEDIT_NAMES)
			break;
		if (n++ > 0)
			buf_puts(out, ", ");
		avedit_safe(out, it->name, FINDINGS_NAME_MAX);
	}
	if (n == 0)
		buf_puts(out, "no name");
}

/* avedit_expand - the notice template with its fields filled in */

static void
avedit_expand(struct buf *out, const char *tpl, const struct findings *f,
    const struct avmime_part *p, enum av_status st)
{
	const char	*s, *e;

	for (s = tpl; *s != '\0'; s++) {
		if (*s != '{' || (e = strchr(s, '}')) == NULL) {
			avedit_safe(out, s, 1);
			continue;
		}
		if (e - s == 5 && strncmp(s, "{file", 5) == 0)
			avedit_safe(out, p->filename != NULL ? p->filename :
			    "unnamed", 200);
		else if (e - s == 5 && strncmp(s, "{type", 5) == 0)
			avedit_safe(out, p->ctype, 100);
		else if (e - s == 7 && strncmp(s, "{status", 7) == 0)
			buf_puts(out, findings_av_name(st));
		else if (e - s == 6 && strncmp(s, "{names", 6) == 0)
			avedit_names(out, f, p->section);
		else if (e - s == 5 && strncmp(s, "{part", 5) == 0)
			avedit_safe(out, p->section, AVMIME_SECTION_MAX);
		else {
			avedit_safe(out, s, 1);
			continue;
		}
		s = e;
	}
}

/* avedit_wrap - the notice as CRLF lines; none may look like a boundary */

static void
avedit_wrap(struct buf *out, const char *text, size_t len)
{
	size_t	 p = 0, n, brk;

	while (p < len) {
		while (p < len && text[p] == ' ')
			p++;
		if (p >= len)
			break;
		n = len - p;
		if (n > AVEDIT_WRAP) {
			for (brk = AVEDIT_WRAP; brk > 0 && text[p + brk] != ' ';
			    brk--)
				;
			n = brk > 0 ? brk : AVEDIT_WRAP;
		}
		if (n >= 2 && text[p] == '-' && text[p + 1] == '-')
			buf_putc(out, ' ');
		buf_append(out, text + p, n);
		p += n;
		if (p < len)
			buf_puts(out, "\r\n");
	}
}

/* avedit_part - headers and notice for one replaced part */

static void
avedit_part(struct buf *out, const struct avmime *m,
    const struct avmime_part *p, const struct av_opts *o,
    const struct findings *f, enum av_status st)
{
	struct buf	*text = buf_new(256);

	avedit_headers(out, m->data + p->hdr_start,
	    p->body_start - p->hdr_start, p->hdr_start == 0);
	avedit_expand(text, o->notice, f, p, st);
	avedit_wrap(out, text->data, text->len);
	buf_free(text);
}

/* av_remove_parts - with the [av] notice */

int
av_remove_parts(const struct msg_view *v, const struct findings *f,
    struct buf *out, struct buf *why)
{
	return (av_remove_parts_opts(v, av_opts_default(), f, out, why));
}

/* av_edit_refused - findings a part edit cannot honour: none made, or
 * one not confined to a part (remove and rename share it) */

int
av_edit_refused(const struct findings *f, struct buf *why)
{
	if (f->av_state == CHECK_NOT_RUN) {
		buf_puts(why, "the message was not scanned");
		return (1);
	}
	if (f->av_unplaced != AV_NOT_SCANNED && f->av_unplaced != AV_CLEAN) {
		buf_printf(why, "a finding (%s) is not confined to one part",
		    findings_av_name(f->av_unplaced));
		return (1);
	}
	return (0);
}

/* av_remove_parts_opts - replace every flagged part with a notice */

int
av_remove_parts_opts(const struct msg_view *v, const struct av_opts *o,
    const struct findings *f, struct buf *out, struct buf *why)
{
	const struct avmime_part *p;
	struct avmime	*m;
	enum av_status	 st;
	size_t		 i, pos = 0;
	int		 rc = WN_OK;

	if (o == NULL)
		o = av_opts_default();
	if (av_edit_refused(f, why))
		return (WN_PERM);
	for (i = 0; i < f->av_nparts && i < FINDINGS_AV_PARTS; i++)
		if (f->av_part[i] != AV_NOT_SCANNED &&
		    f->av_part[i] != AV_CLEAN)
			break;
	if (i == f->av_nparts || i == FINDINGS_AV_PARTS) {
		buf_append(out, v->data, v->len);	/* nothing flagged */
		return (WN_OK);
	}
	m = avmime_view(v);
	if (m->limit || m->nparts != f->av_nparts) {
		buf_printf(why, "the MIME structure (%zu parts) is not the "
		    "one scanned (%u parts)", m->nparts, f->av_nparts);
		rc = WN_PERM;
	} else if (!m->editable) {
		buf_puts(why, "the part boundaries are ambiguous");
		rc = WN_PERM;
	}
	for (i = 0; i < m->nparts && rc == WN_OK; i++) {
		st = i < FINDINGS_AV_PARTS ? (enum av_status)f->av_part[i] :
		    AV_NOT_SCANNED;
		if (st == AV_NOT_SCANNED || st == AV_CLEAN)
			continue;
		p = &m->part[i];
		buf_append(out, v->data + pos, p->hdr_start - pos);
		avedit_part(out, m, p, o, f, st);
		pos = p->body_end;
		/* The CRLF before the next boundary belongs to the boundary,
		 * except after an empty body, where the empty line's CRLF was
		 * both: the notice needs a line end of its own then. */
		if (pos == v->len || (v->data[pos] != '\r' &&
		    v->data[pos] != '\n'))
			buf_puts(out, "\r\n");
	}
	if (rc == WN_OK)
		buf_append(out, v->data + pos, v->len - pos);
	avmime_free(m);
	return (rc);
}
