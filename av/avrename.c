/*
 * avrename.c - "rename": flagged parts keep their bytes, not their names
 *
 * The old gateways' FilteredNameAction=rename: a filtered attachment is
 * delivered, but under a name no mail client opens with a double click
 * ("invoice.pdf.exe" becomes "invoice.pdf.exe.vir").  The message is
 * walked as the scan walked it (leaf i is the part the findings mean, as
 * in avedit.c), and each flagged part's header block is rewritten: in its
 * Content-Type and Content-Disposition fields every name / filename
 * parameter (plain, quoted, RFC 2231 extended or continued) goes and one
 * of each is written with the decoded name plus the suffix - quoted when
 * it is printable ASCII, else RFC 2231 UTF-8 - and a Content-Disposition
 * is added when there was none.  Every other field and parameter, the
 * body and all other parts stay byte for byte.
 *
 * Like remove, rename refuses (WN_PERM) rather than guess: a finding no
 * part explains, a walk that differs from the scan's, ambiguous part
 * boundaries.  The caller then uses [av] remove_fallback.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>
#include <strings.h>

/* lib */
#include "buf.h"
#include "status.h"

/* policy */
#include "findings.h"

/* av */
#include "av.h"
#include "av_private.h"

#define AVRENAME_NAME_MAX	200	/* bytes of a name kept */

/* avrename_line_end - end of the line starting at p (after its LF) */

static size_t
avrename_line_end(const char *h, size_t len, size_t p)
{
	const char	*lf = memchr(h + p, '\n', len - p);

	return (lf != NULL ? (size_t)(lf - h) + 1 : len);
}

/* avrename_is_name_param - a name / filename parameter, in any form
 * (name, name*, name*0, name*0*, filename...) */

static int
avrename_is_name_param(const char *p, size_t len)
{
	size_t	 n;

	while (len > 0 && (*p == ' ' || *p == '\t' || *p == '\r' ||
	    *p == '\n')) {
		p++;
		len--;
	}
	if (len >= 8 && strncasecmp(p, "filename", 8) == 0)
		n = 8;
	else if (len >= 4 && strncasecmp(p, "name", 4) == 0)
		n = 4;
	else
		return (0);
	while (n < len && (p[n] == '*' || (p[n] >= '0' && p[n] <= '9')))
		n++;
	while (n < len && (p[n] == ' ' || p[n] == '\t'))
		n++;
	return (n < len && p[n] == '=');
}

/* avrename_param - append "; param=NEW" (quoted, or RFC 2231 UTF-8) */

static void
avrename_param(struct buf *out, const char *param, const char *name)
{
	const unsigned char *s;
	int		 plain = 1;

	for (s = (const unsigned char *)name; *s != '\0'; s++)
		if (*s < 0x20 || *s >= 0x7f || *s == '"' || *s == '\\')
			plain = 0;
	if (plain) {
		buf_printf(out, ";\r\n\t%s=\"%s\"", param, name);
		return;
	}
	buf_printf(out, ";\r\n\t%s*=utf-8''", param);
	for (s = (const unsigned char *)name; *s != '\0'; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr("!#$&+-.^_`|~", *s))
			buf_putc(out, (char)*s);
		else
			buf_printf(out, "%%%02X", *s);
	}
}

/* avrename_field - one Content-Type or Content-Disposition field with
 * its name parameters replaced by param="NEW" */

static void
avrename_field(struct buf *out, const char *f, size_t len, const char *param,
    const char *name)
{
	size_t	 i, start = 0, end = len;
	int	 q = 0, esc = 0, first = 1;

	while (end > 0 && (f[end - 1] == '\n' || f[end - 1] == '\r'))
		end--;
	for (i = 0; i <= end; i++) {
		if (i < end && q) {
			if (esc)
				esc = 0;
			else if (f[i] == '\\')
				esc = 1;
			else if (f[i] == '"')
				q = 0;
			continue;
		}
		if (i < end && f[i] == '"') {
			q = 1;
			continue;
		}
		if (i < end && f[i] != ';')
			continue;
		/* f[start, i) is the field's name and value, or one
		 * parameter (with the ';' in front of it) */
		if (first || !avrename_is_name_param(f + start + 1,
		    i - start - 1))
			buf_append(out, f + start, i - start);
		first = 0;
		start = i;
	}
	avrename_param(out, param, name);
	buf_puts(out, "\r\n");
}

/* avrename_headers - a flagged part's header block, its names renamed */

static void
avrename_headers(struct buf *out, const char *h, size_t len,
    const char *name)
{
	size_t		 p = 0, e, f;
	int		 disp = 0;

	while (p < len) {
		e = avrename_line_end(h, len, p);
		if (h[p] == '\n' || (h[p] == '\r' && p + 1 < len &&
		    h[p + 1] == '\n'))
			break;			/* the empty line */
		/* the whole field: this line and its continuations */
		for (f = e; f < len && (h[f] == ' ' || h[f] == '\t'); )
			f = avrename_line_end(h, len, f);
		if (f - p >= 13 && strncasecmp(h + p, "Content-Type:", 13) ==
		    0)
			avrename_field(out, h + p, f - p, "name", name);
		else if (f - p >= 20 && strncasecmp(h + p,
		    "Content-Disposition:", 20) == 0) {
			avrename_field(out, h + p, f - p, "filename", name);
			disp = 1;
		} else {
			buf_append(out, h + p, f - p);
			if (h[f - 1] != '\n')
				buf_puts(out, "\r\n");
		}
		p = f;
	}
	if (!disp) {
		buf_puts(out, "Content-Disposition: attachment");
		avrename_param(out, "filename", name);
		buf_puts(out, "\r\n");
	}
	buf_append(out, h + p, len - p);	/* the empty line */
}

/* avrename_name - the new name: the decoded one (or one made from the
 * part's place) plus the suffix */

static void
avrename_name(struct buf *out, const struct avmime_part *p,
    const char *suffix)
{
	const char	*s = p->filename;
	size_t		 n;

	if (s == NULL || *s == '\0') {
		buf_printf(out, "part-%s", p->section);
	} else {
		/* no path, no controls */
		if (strrchr(s, '/') != NULL)
			s = strrchr(s, '/') + 1;
		if (strrchr(s, '\\') != NULL)
			s = strrchr(s, '\\') + 1;
		for (n = 0; s[n] != '\0' && n < AVRENAME_NAME_MAX; n++)
			buf_putc(out, (unsigned char)s[n] < 0x20 ||
			    s[n] == 0x7f ? '_' : s[n]);
	}
	buf_puts(out, suffix);
}

/* av_rename_parts - every flagged part under its name plus the suffix */

int
av_rename_parts(const struct msg_view *v, const struct av_opts *o,
    const struct findings *f, struct buf *out, struct buf *why)
{
	const struct avmime_part *p;
	struct avmime	*m;
	struct buf	*name;
	enum av_status	 st;
	size_t		 i, pos = 0;
	int		 rc = WN_OK;

	if (o == NULL)
		o = av_opts_default();
	if (av_edit_refused(f, why))
		return (WN_PERM);
	m = avmime_view(v);
	if (m->limit || m->nparts != f->av_nparts) {
		buf_printf(why, "the MIME structure (%zu parts) is not the "
		    "one scanned (%u parts)", m->nparts, f->av_nparts);
		rc = WN_PERM;
	} else if (!m->editable) {
		buf_puts(why, "the part boundaries are ambiguous");
		rc = WN_PERM;
	}
	name = buf_new(64);
	for (i = 0; i < m->nparts && rc == WN_OK; i++) {
		st = i < FINDINGS_AV_PARTS ? (enum av_status)f->av_part[i] :
		    AV_NOT_SCANNED;
		if (st == AV_NOT_SCANNED || st == AV_CLEAN)
			continue;
		p = &m->part[i];
		/* A single-part message's header block is the message's
		 * own: its Content-* fields are renamed the same way. */
		buf_append(out, v->data + pos, p->hdr_start - pos);
		buf_reset(name);
		avrename_name(name, p, o->rename_suffix != NULL ?
		    o->rename_suffix : ".vir");
		avrename_headers(out, v->data + p->hdr_start,
		    p->body_start - p->hdr_start, buf_str(name));
		pos = p->body_start;
	}
	if (rc == WN_OK)
		buf_append(out, v->data + pos, v->len - pos);
	buf_free(name);
	avmime_free(m);
	return (rc);
}
