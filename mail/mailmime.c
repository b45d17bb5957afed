/*
 * mailmime.c - the MIME structure of a message: header blocks, boundaries,
 * parts
 *
 * One forward pass over the bytes, recursive over the nesting (bounded by
 * max_depth: a deeper part is passed over as a body).  How lines are read
 * is GMime 3.2's, so parts begin and end where they did:
 *
 *	header block	lines up to an empty line; a line starting with space
 *			or tab continues the field before it; a line that is
 *			no field (no colon, or white space inside the name)
 *			before the first field is passed over inside a part,
 *			ends the parse at the top of a message (not a message)
 *			unless it is an mbox "From " line, and is dropped with
 *			its continuations after the first field; a boundary
 *			line ends the block (the part then has no body); at
 *			the top of a message a line of white space followed by
 *			a line that is no field ends it too (readers show what
 *			follows as the body, and so does the filter)
 *	boundary	"--" boundary, optionally "--", then only white space;
 *			the boundary of any enclosing multipart ends a part
 *			as well (a truncated inner multipart); the line end
 *			before a boundary line belongs to it
 *	multipart	prologue, parts, "--boundary--", epilogue; an empty
 *			part ("--b" right after "--b") is passed over; with no
 *			boundary parameter everything is prologue
 *	message		message/rfc822, rfc2822, global and news are read in
 *			place unless their transfer encoding is base64,
 *			quoted-printable or uuencode
 *	types		the dispatch (multipart or not) reads the raw field;
 *			the type recorded is the decoded field's, application/
 *			octet-stream when it does not parse; without a field,
 *			text/plain (message/rfc822 inside multipart/digest)
 *
 * What readers may read differently is counted in mail->problems as GMime
 * counted its critical warnings: a field repeated with another value
 * (any field in a part; From, To, Subject, ... of a message), a parameter
 * repeated with another value, a multipart without a boundary, a part with
 * neither header nor body.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "xalloc.h"

#include "mail_private.h"

/* Where a scan ended (GMime's BoundaryType). */
enum {
	MAILMIME_B_NONE = 0,
	MAILMIME_B_EOS,		/* the end of the data */
	MAILMIME_B_IMM,		/* "--b" of the innermost multipart */
	MAILMIME_B_IMM_END,		/* "--b--" of the innermost multipart */
	MAILMIME_B_PARENT,		/* "--b" of an enclosing multipart */
	MAILMIME_B_PARENT_END,	/* "--b--" of an enclosing multipart */
};

/* How a header block ended. */
enum {
	MAILMIME_H_CONTENT = 0,	/* at an empty line or the end: a body
				 * follows */
	MAILMIME_H_BOUNDARY,		/* at a boundary line: no body */
	MAILMIME_H_ERROR,		/* no header block (not a message) */
};

/* One enclosing multipart's boundary: "--" boundary "--". */
struct mm_bound {
	const char	*s;
	size_t		 len;		/* of "--" boundary */
};

/* The state of one pass. */
struct mm {
	struct mail	*m;
	const char	*d;
	size_t		 len;
	size_t		 pos;		/* where reading goes on */
	unsigned int	 max_parts, max_depth;
	struct mm_bound	*stack;
	size_t		 nstack, capstack;
	int		 boundary;	/* MAILMIME_B_* of the last scan */
	int		 stop;		/* max_parts: index no more */
	int		 wsend;		/* the top block ended at white space */
	unsigned int	 ncontainers;
	/* the last header block */
	size_t		 hstart, hend;
	unsigned int	 hfield, hnfields;
};

static void	mailmime_multipart(struct mm *, unsigned int);
static void	mailmime_construct(struct mm *, unsigned int parent,
		    unsigned int depth, int top, int entity, size_t hstart,
		    int state);

/* mailmime_is_boundary - line [s, s+len) is boundary b[0..blen) and white
 * space */

static int
mailmime_is_boundary(const char *s, size_t len, const char *b, size_t blen)
{
	size_t	 i;

	if (blen > len || memcmp(s, b, blen) != 0)
		return (0);
	for (i = blen; i < len; i++)
		if (!mc_lwsp(s[i]))
			return (0);
	return (1);
}

/* mailmime_check - what boundary the line [s, s+len) is (MAILMIME_B_NONE
 * if none) */

static int
mailmime_check(const struct mm *mm, const char *s, size_t len)
{
	size_t	 i;

	if (len > 0 && s[len - 1] == '\r')
		len--;
	if (len < 2 || s[0] != '-' || s[1] != '-')
		return (MAILMIME_B_NONE);
	for (i = mm->nstack; i > 0; i--) {
		if (mailmime_is_boundary(s, len, mm->stack[i - 1].s,
		    mm->stack[i - 1].len + 2))
			return (i == mm->nstack ? MAILMIME_B_IMM_END :
			    MAILMIME_B_PARENT_END);
		if (mailmime_is_boundary(s, len, mm->stack[i - 1].s,
		    mm->stack[i - 1].len))
			return (i == mm->nstack ? MAILMIME_B_IMM :
			    MAILMIME_B_PARENT);
	}
	return (MAILMIME_B_NONE);
}

/* mailmime_push - enter a multipart */

static void
mailmime_push(struct mm *mm, const char *boundary)
{
	size_t	 n = strlen(boundary);
	char	*s;

	if (mm->nstack == mm->capstack) {
		mm->capstack = mm->capstack ? mm->capstack * 2 : 8;
		mm->stack = xreallocarray(mm->stack, mm->capstack,
		    sizeof(*mm->stack));
	}
	s = mail_alloc(mm->m, n + 5);
	memcpy(s, "--", 2);
	memcpy(s + 2, boundary, n);
	memcpy(s + 2 + n, "--", 3);
	mm->stack[mm->nstack].s = s;
	mm->stack[mm->nstack].len = n + 2;
	mm->nstack++;
}

/* mailmime_line_end - the end of the line at p: after its LF, or len */

static size_t
mailmime_line_end(const struct mm *mm, size_t p)
{
	const char	*nl = memchr(mm->d + p, '\n', mm->len - p);

	return (nl != NULL ? (size_t)(nl - mm->d) + 1 : mm->len);
}

/* mailmime_content - read a body up to a boundary line or the end; its end
 * (the line end before the boundary left out) */

static size_t
mailmime_content(struct mm *mm)
{
	size_t	 start = mm->pos, p = mm->pos, e, n, strip;
	int	 b = MAILMIME_B_EOS;

	while (p < mm->len) {
		e = mailmime_line_end(mm, p);
		n = e - p - (mm->d[e - 1] == '\n');
		if ((b = mailmime_check(mm, mm->d + p, n)) != MAILMIME_B_NONE)
			break;
		b = MAILMIME_B_EOS;
		p = e;
	}
	mm->pos = p;
	mm->boundary = b;
	if (b == MAILMIME_B_EOS || p == start)
		return (p);
	/* GMime drops CRLF when the boundary line ends in CRLF, else LF */
	e = mailmime_line_end(mm, p);
	strip = e - 1 > p && mm->d[e - 1] == '\n' && mm->d[e - 2] == '\r' ?
	    2 : (e == mm->len && mm->d[e - 1] == '\r' ? 2 : 1);
	return (strip <= p - start ? p - strip : p);
}

/* mailmime_skip_line - past the current line; -1 at the end without a LF */

static int
mailmime_skip_line(struct mm *mm)
{
	const char	*nl = memchr(mm->d + mm->pos, '\n', mm->len - mm->pos);

	if (nl == NULL) {
		mm->pos = mm->len;
		return (-1);
	}
	mm->pos = (size_t)(nl - mm->d) + 1;
	return (0);
}

/* mailmime_full - whether an array of n (grown by mailmime_grow) is full:
 * 0, 16, 32, 64, ... */

static int
mailmime_full(unsigned int n)
{
	return (n == 0 || (n >= 16 && (n & (n - 1)) == 0));
}

/* mailmime_grow - the size to grow a full array of n to */

static unsigned int
mailmime_grow(unsigned int n)
{
	return (n == 0 ? 16 : 2 * n);
}

/* mailmime_field - parse the field text [s, e): add it if it is a field */

static int
mailmime_field(struct mm *mm, size_t s, size_t e)
{
	const char	*d = mm->d;
	struct mail_field *f;
	size_t		 p, n;
	int		 blank = 0;

	for (p = s; p < e && d[p] != ':'; p++) {
		if (mc_blank(d[p]))
			blank = 1;
		else if (blank || mc_ctrl(d[p]))
			return (0);
	}
	if (p >= e) {
		/* no colon: a field name that ran to the end of the data */
		if (e < mm->len)
			return (0);
		n = p - s;
	} else
		n = p - s;
	while (n > 0 && mc_blank(d[s + n - 1]))
		n--;
	if (mm->m->nfields >= MAIL_MAX_FIELDS) {
		mm->m->limits |= MAIL_LIMIT_FIELDS;
		return (1);
	}
	if (mailmime_full(mm->m->nfields))
		mm->m->field = xreallocarray(mm->m->field,
		    mailmime_grow(mm->m->nfields), sizeof(*mm->m->field));
	f = &mm->m->field[mm->m->nfields++];
	f->name = s;
	f->name_len = n;
	f->value = p < e ? p + 1 : e;
	f->end = e;
	mm->hnfields++;
	return (1);
}

/* mailmime_ws_end - at the top of a message, a line of white space followed by
 * a line that is no field ends the header (readers show the rest) */

static int
mailmime_ws_end(const struct mm *mm, size_t line, size_t e)
{
	const char	*d = mm->d;
	size_t		 q;

	for (q = line; q < e && (d[q] == ' ' || d[q] == '\t' ||
	    d[q] == '\r'); q++)
		;
	if (q == line || q >= mm->len || d[q] != '\n')
		return (0);
	for (q = e; q < mm->len && d[q] != ':' && d[q] != '\n' &&
	    d[q] != ' ' && d[q] != '\t'; q++)
		;
	return (q >= mm->len || d[q] != ':');
}

/* mailmime_headers - read a header block at pos; MAILMIME_H_* */

static int
mailmime_headers(struct mm *mm, int toplevel, int message, int wsfix)
{
	const char	*d = mm->d;
	size_t		 p = mm->pos, line, e, q, fstart = (size_t)-1;
	int		 folded = 0, blank, valid, eoln, first = 1;

	mm->hstart = p;
	mm->hfield = mm->m->nfields;
	mm->hnfields = 0;
	mm->boundary = MAILMIME_B_NONE;
	if (p >= mm->len)
		return (MAILMIME_H_ERROR);
	while (p < mm->len) {
		line = p;
		e = mailmime_line_end(mm, p);
		if (folded && !mc_blank(d[p])) {
			(void)mailmime_field(mm, fstart, p);
			fstart = (size_t)-1;
			folded = 0;
		}
		eoln = d[p] == '\n' || (d[p] == '\r' && p + 1 < mm->len &&
		    d[p + 1] == '\n');
		if (eoln) {
			if (fstart != (size_t)-1)
				(void)mailmime_field(mm, fstart, p);
			mm->hend = line;
			mm->pos = e;
			return (MAILMIME_H_CONTENT);
		}
		if (wsfix && !first && mailmime_ws_end(mm, line, e)) {
			if (fstart != (size_t)-1)
				(void)mailmime_field(mm, fstart, line);
			mm->hend = line;
			mm->pos = e;
			mm->wsend = 1;
			return (MAILMIME_H_CONTENT);
		}
		valid = 1;
		if (fstart == (size_t)-1) {	/* a field name to scan */
			blank = 0;
			for (q = p; q < mm->len && d[q] != ':'; q++) {
				if (mc_blank(d[q]))
					blank = 1;
				else if (blank || mc_ctrl(d[q])) {
					valid = 0;
					break;
				}
			}
			if (q >= mm->len)
				return (MAILMIME_H_ERROR); /* ends in a name */
			if (q == p)
				valid = 0;		/* ":" first */
			if (!valid && mm->hnfields == 0 && toplevel &&
			    (!message || q - p < 5 || !(strncmp(d + p, "From ",
			    5) == 0 || (d[p] == '>' && q - p >= 6 &&
			    strncmp(d + p + 1, "From ", 5) == 0))))
				return (MAILMIME_H_ERROR); /* no message */
		}
		first = 0;
		if (e == mm->len && d[e - 1] != '\n') {
			/* the last line, without a line end */
			if (fstart == (size_t)-1)
				fstart = line;
			(void)mailmime_field(mm, fstart, e);
			mm->hend = e;
			mm->pos = e;
			return (MAILMIME_H_CONTENT);
		}
		if ((mm->boundary = mailmime_check(mm, d + line, e - line)) !=
		    MAILMIME_B_NONE) {
			if (mm->hnfields == 0)
				mm->m->problems++;	/* no header, no body */
			mm->hend = line;
			mm->pos = line;
			return (MAILMIME_H_BOUNDARY);
		}
		if (!valid && mm->hnfields == 0 && fstart == (size_t)-1) {
			p = e;		/* junk before the first field */
			continue;
		}
		if (fstart == (size_t)-1)
			fstart = line;
		folded = 1;
		p = e;
	}
	if (fstart != (size_t)-1)
		(void)mailmime_field(mm, fstart, mm->len);
	mm->hend = mm->len;
	mm->pos = mm->len;
	return (MAILMIME_H_CONTENT);
}

/* mailmime_raw_last - the raw value of the last field of a name in the block
 * just read (up to a NUL), or NULL */

static const char *
mailmime_raw_last(const struct mm *mm, const char *name, struct buf *b)
{
	unsigned int	 i;

	for (i = mm->hfield + mm->hnfields; i > mm->hfield; i--)
		if (mailhdr_is(mm->m, &mm->m->field[i - 1], name))
			return (mailhdr_cstr(mm->m, &mm->m->field[i - 1], b));
	return (NULL);
}

/* mailmime_dispatch - what the raw Content-Type makes of a part: multipart (1),
 * a message read in place (2), or a leaf (0) */

static int
mailmime_dispatch(const struct mm *mm, int digest, int *encoded)
{
	struct buf	*b = buf_new(128);
	const char	*v;
	char		*type = NULL, *sub = NULL;
	int		 kind = 0;
	unsigned int	 i;

	*encoded = 0;
	v = mailmime_raw_last(mm, "Content-Type", b);
	if (v == NULL || mailparam_type(&v, &type, &sub) < 0) {
		type = xstrdup(digest ? "message" : "text");
		sub = xstrdup(digest ? "rfc822" : "plain");
	}
	if (mailctype_casecmp(type, "multipart") == 0)
		kind = 1;
	else if (mailctype_casecmp(type, "message") == 0 &&
	    (mailctype_casecmp(sub, "rfc822") == 0 ||
	    mailctype_casecmp(sub, "rfc2822") == 0 ||
	    mailctype_casecmp(sub, "global") == 0 ||
	    mailctype_casecmp(sub, "news") == 0)) {
		kind = 2;
		/* the first transfer encoding field decides */
		for (i = mm->hfield; i < mm->hfield + mm->hnfields; i++) {
			if (!mailhdr_is(mm->m, &mm->m->field[i],
			    "Content-Transfer-Encoding"))
				continue;
			buf_reset(b);
			switch (maildec_cte(mailhdr_cstr(mm->m,
			    &mm->m->field[i], b))) {
			case MAIL_CTE_QP:
			case MAIL_CTE_BASE64:
			case MAIL_CTE_UUENCODE:
				*encoded = 1;
				kind = 0;
				break;
			default:
				break;
			}
			break;
		}
	}
	free(type);
	free(sub);
	buf_free(b);
	return (kind);
}

/* mailmime_byname - order fields by name (case ignored), then position */

static int
mailmime_byname(const void *a, const void *b, void *arg)
{
	const struct mail *m = arg;
	const struct mail_field *f = &m->field[*(const unsigned int *)a];
	const struct mail_field *g = &m->field[*(const unsigned int *)b];
	size_t		 n = f->name_len < g->name_len ? f->name_len :
			    g->name_len;
	int		 d;

	if ((d = mailctype_ncasecmp(m->data + f->name, m->data + g->name,
	    n)) != 0)
		return (d);
	if (f->name_len != g->name_len)
		return (f->name_len < g->name_len ? -1 : 1);
	return (f < g ? -1 : f > g);
}

/* mailmime_single - whether a message may have a field only once */

static int
mailmime_single(const struct mail *m, const struct mail_field *f)
{
	static const char *const single[] = {
		"bcc", "cc", "date", "from", "in-reply-to", "message-id",
		"references", "reply-to", "sender", "subject", "to", NULL
	};
	size_t	 k;

	for (k = 0; single[k] != NULL; k++)
		if (mailhdr_is(m, f, single[k]))
			return (1);
	return (0);
}

/* mailmime_conflicts - fields repeated with another value than the
 * first of their name, as GMime warned: from..to are the block; top: only
 * the Content-* fields (mime) or only the others (a message's own, where
 * only RFC 5322's single fields count) belong to the object */

static void
mailmime_conflicts(struct mm *mm, unsigned int from, unsigned int to,
    int mime, int top)
{
	const struct mail *m = mm->m;
	const struct mail_field *first;
	struct buf	*a = buf_new(128), *b = buf_new(128);
	unsigned int	*ix, n = 0, i, j;

	ix = xcalloc(to - from + 1, sizeof(*ix));
	for (i = from; i < to; i++)
		if (!top || mailhdr_is_mime(m, &m->field[i]) == mime)
			ix[n++] = i;
	qsort_r(ix, n, sizeof(*ix), mailmime_byname, (void *)(uintptr_t)m);
	for (i = 0; i < n; i = j) {
		first = &m->field[ix[i]];
		for (j = i + 1; j < n && m->field[ix[j]].name_len ==
		    first->name_len && mailctype_ncasecmp(m->data +
		    first->name, m->data + m->field[ix[j]].name,
		    first->name_len) == 0; j++) {
			if (top && !mime && !mailmime_single(m, first))
				continue;
			buf_reset(a);
			buf_reset(b);
			if (strcmp(mailhdr_cstr(m, first, a), mailhdr_cstr(m,
			    &m->field[ix[j]], b)) != 0)
				mm->m->problems++;
		}
	}
	free(ix);
	buf_free(a);
	buf_free(b);
}

/* mailmime_type - the recorded type, charset, boundary and name of a part from
 * its last Content-Type (every occurrence is parsed, for the count of
 * conflicting parameters) */

static void
mailmime_type(struct mm *mm, unsigned int self, int digest, int top)
{
	struct mail_part *p = &mm->m->part[self];
	struct mailparam_list l;
	struct buf	*v = buf_new(256);
	const char	*s;
	char		*type, *sub;
	unsigned int	 i;
	int		 found = 0;

	for (i = p->field; i < p->field + p->nfields; i++) {
		if (!mailhdr_is(mm->m, &mm->m->field[i], "Content-Type"))
			continue;
		found = 1;
		buf_reset(v);
		mailhdr_text(mm->m, &mm->m->field[i], v);
		s = buf_str(v);
		memset(&l, 0, sizeof(l));
		p->flags &= ~MAIL_PART_BAD_TYPE;
		p->charset = p->boundary = NULL;
		p->filename = NULL;
		if (mailparam_type(&s, &type, &sub) < 0) {
			p->type = "application";
			p->subtype = "octet-stream";
			p->flags |= MAIL_PART_BAD_TYPE;
			continue;
		}
		mailctype_lower(type);
		mailctype_lower(sub);
		p->type = mail_strndup(mm->m, type, strlen(type));
		p->subtype = mail_strndup(mm->m, sub, strlen(sub));
		free(type);
		free(sub);
		(void)mailctype_skip_cfws(&s);
		while (*s != '\0' && *s != ';')
			s++;
		if (*s++ != ';' || *s == '\0')
			continue;
		mailparam_parse(s, &l);
		mm->m->problems += l.conflicts;
		if ((s = mailparam_find(&l, "charset")) != NULL)
			p->charset = mail_strndup(mm->m, s, strlen(s));
		if ((s = mailparam_find(&l, "boundary")) != NULL)
			p->boundary = mail_strndup(mm->m, s, strlen(s));
		if ((s = mailparam_find(&l, "name")) != NULL)
			p->filename = mail_strndup(mm->m, s, strlen(s));
		mailparam_clear(&l);
	}
	if (!found) {
		p->type = digest ? "message" : "text";
		p->subtype = digest ? "rfc822" : "plain";
		p->flags |= MAIL_PART_NO_TYPE;
	}
	(void)top;
	buf_free(v);
}

/* mailmime_disposition - disposition, filename, attachment flag, transfer
 * encoding from the last fields of each */

static void
mailmime_disposition(struct mm *mm, unsigned int self)
{
	struct mail_part *p = &mm->m->part[self];
	struct mailparam_list l;
	struct buf	*v = buf_new(256);
	const char	*s, *fn = NULL, *e;
	const char	*b;
	unsigned int	 i;

	for (i = p->field; i < p->field + p->nfields; i++) {
		if (mailhdr_is(mm->m, &mm->m->field[i],
		    "Content-Transfer-Encoding")) {
			buf_reset(v);
			mailhdr_text(mm->m, &mm->m->field[i], v);
			p->cte = maildec_cte(buf_str(v));
			continue;
		}
		if (!mailhdr_is(mm->m, &mm->m->field[i],
		    "Content-Disposition"))
			continue;
		buf_reset(v);
		mailhdr_text(mm->m, &mm->m->field[i], v);
		s = buf_str(v);
		for (e = s; *e != '\0' && *e != ';'; e++)
			;
		for (b = s; b < e && (*b == ' ' || (*b >= '\t' && *b <= '\r'));
		    b++)
			;
		while (e > b && (e[-1] == ' ' || (e[-1] >= '\t' && e[-1] <=
		    '\r')))
			e--;
		p->disposition = mail_strndup(mm->m, b, (size_t)(e - b));
		fn = NULL;
		for (s = e; *s != '\0' && *s != ';'; s++)
			;
		if (*s++ != ';' || *s == '\0')
			continue;
		memset(&l, 0, sizeof(l));
		mailparam_parse(s, &l);
		mm->m->problems += l.conflicts;
		if ((s = mailparam_find(&l, "filename")) != NULL)
			fn = mail_strndup(mm->m, s, strlen(s));
		mailparam_clear(&l);
	}
	if (p->disposition != NULL &&
	    mailctype_casecmp(p->disposition, "attachment") == 0)
		p->flags |= MAIL_PART_ATTACHMENT;
	if (fn != NULL)
		p->filename = fn;
	buf_free(v);
}

/* mailmime_record - add a part for the header block just read; MAIL_NONE when
 * a limit stops it */

static unsigned int
mailmime_record(struct mm *mm, unsigned int parent, unsigned int depth,
    int leaf, size_t hstart, int top)
{
	struct mail	*m = mm->m;
	struct mail_part *p;
	unsigned int	 self;
	int		 digest = 0;

	if (leaf ? m->nleaves >= mm->max_parts :
	    mm->ncontainers >= (mm->max_parts > MAIL_MIN_CONTAINERS ?
	    mm->max_parts : MAIL_MIN_CONTAINERS)) {
		m->limits |= MAIL_LIMIT_PARTS;
		mm->stop = 1;
		return (MAIL_NONE);
	}
	if (mailmime_full(m->nparts))
		m->part = xreallocarray(m->part, mailmime_grow(m->nparts),
		    sizeof(*m->part));
	self = m->nparts++;
	if (leaf)
		m->nleaves++;
	else
		mm->ncontainers++;
	p = &m->part[self];
	memset(p, 0, sizeof(*p));
	p->parent = parent;
	p->depth = depth;
	p->flags = leaf ? MAIL_PART_LEAF : 0;
	p->field = mm->hfield;
	p->nfields = mm->hnfields;
	p->hdr_start = hstart;
	p->hdr_end = mm->hend;
	if (parent == MAIL_NONE && mm->wsend)
		p->flags |= MAIL_PART_WS_END;
	p->body_start = p->body_end = p->prologue_end = mm->pos;
	if (parent != MAIL_NONE && strcmp(m->part[parent].type,
	    "multipart") == 0 && strcmp(m->part[parent].subtype, "digest") ==
	    0)
		digest = 1;
	mailmime_type(mm, self, digest, top);
	mailmime_disposition(mm, self);
	mailmime_conflicts(mm, p->field, p->field + p->nfields, 1, top);
	return (self);
}

/* mailmime_skip - a part deeper than max_depth: read over its body */

static void
mailmime_skip(struct mm *mm, unsigned int parent, int state)
{
	mm->m->limits |= MAIL_LIMIT_DEPTH;
	if (parent != MAIL_NONE)
		mm->m->part[parent].flags |= MAIL_PART_DEPTH;
	mm->m->nfields = mm->hfield;
	if (state == MAILMIME_H_CONTENT)
		(void)mailmime_content(mm);
}

/* mailmime_message - a message read in place: its header block and body */

static void
mailmime_message(struct mm *mm, unsigned int self, unsigned int depth)
{
	size_t	 e, n;
	int	 b, state;

	if (mm->nstack > 0) {
		/* an empty message/rfc822 part */
		if (mm->pos >= mm->len) {
			mm->boundary = MAILMIME_B_EOS;
			return;
		}
		e = mailmime_line_end(mm, mm->pos);
		n = e - mm->pos - (mm->d[e - 1] == '\n');
		b = mailmime_check(mm, mm->d + mm->pos, n);
		if (b != MAILMIME_B_NONE) {
			mm->boundary = b;
			return;
		}
	}
	if ((state = mailmime_headers(mm, 0, 0, 0)) == MAILMIME_H_ERROR) {
		mm->boundary = MAILMIME_B_EOS;
		mm->m->nfields = mm->hfield;
		return;
	}
	mailmime_conflicts(mm, mm->hfield, mm->hfield + mm->hnfields, 0, 1);
	mailmime_construct(mm, self, depth + 1, 1, 0, mm->hstart, state);
}

/* mailmime_leaf - a leaf's body, or the message in a message/rfc822 part */

static void
mailmime_leaf(struct mm *mm, unsigned int self, unsigned int depth, int kind,
    int state)
{
	struct mail_part *p;
	size_t	 end;

	if (state != MAILMIME_H_CONTENT) {
		mm->m->part[self].flags |= MAIL_PART_NO_BODY;
		return;
	}
	if (kind == 2) {
		mailmime_message(mm, self, depth);
		p = &mm->m->part[self];
		p->body_end = mm->stop ? mm->len : mm->pos;
		return;
	}
	end = mailmime_content(mm);
	p = &mm->m->part[self];
	p->body_end = end;
	if (mm->boundary == MAILMIME_B_EOS)
		p->flags |= MAIL_PART_OPEN;
}

/* mailmime_construct - the part whose header block was just read (at hstart,
 * ending as state says), and everything in it */

static void
mailmime_construct(struct mm *mm, unsigned int parent, unsigned int depth,
    int top, int entity, size_t hstart, int state)
{
	unsigned int	 self;
	int		 kind, encoded, digest = 0;

	if (parent != MAIL_NONE && strcmp(mm->m->part[parent].type,
	    "multipart") == 0 && strcmp(mm->m->part[parent].subtype,
	    "digest") == 0)
		digest = 1;
	kind = mailmime_dispatch(mm, digest, &encoded);
	if (depth > mm->max_depth) {
		mailmime_skip(mm, parent, state);
		return;
	}
	self = mailmime_record(mm, parent, depth, kind == 0, hstart,
	    top && !entity);
	if (self == MAIL_NONE)
		return;
	if (encoded)
		mm->m->part[self].flags |= MAIL_PART_ENCODED_MSG;
	if (kind == 1) {
		mm->m->part[self].flags |= MAIL_PART_MULTIPART;
		if (state == MAILMIME_H_CONTENT)
			mailmime_multipart(mm, self);
		else
			mm->m->part[self].flags |= MAIL_PART_NO_BODY;
		return;
	}
	if (kind == 2)
		mm->m->part[self].flags |= MAIL_PART_MESSAGE;
	mailmime_leaf(mm, self, depth, kind, state);
}

/* mailmime_subparts - the parts of a multipart, after its first boundary */

static int
mailmime_subparts(struct mm *mm, unsigned int self)
{
	size_t	 hstart;
	int	 state;

	do {
		if (mm->stop)
			break;
		if (mailmime_skip_line(mm) < 0) {
			mm->boundary = MAILMIME_B_EOS;
			break;
		}
		hstart = mm->pos;
		state = mailmime_headers(mm, 0, 0, 0);
		if (state == MAILMIME_H_ERROR) {
			mm->m->nfields = mm->hfield;
			mm->boundary = MAILMIME_B_EOS;
			break;
		}
		if (state == MAILMIME_H_BOUNDARY && mm->hnfields == 0) {
			if (mm->boundary == MAILMIME_B_IMM)
				continue;	/* an empty part */
			break;
		}
		mailmime_construct(mm, self, mm->m->part[self].depth + 1, 0, 0,
		    hstart, state);
	} while (mm->boundary == MAILMIME_B_IMM);
	return (mm->boundary);
}

/* mailmime_immediate - whether the line at pos is the innermost boundary */

static int
mailmime_immediate(const struct mm *mm, int end)
{
	size_t	 e, n;

	if (mm->nstack == 0 || mm->pos >= mm->len)
		return (0);
	e = mailmime_line_end(mm, mm->pos);
	n = e - mm->pos - (mm->d[e - 1] == '\n');
	return (mailmime_is_boundary(mm->d + mm->pos, n,
	    mm->stack[mm->nstack - 1].s,
	    mm->stack[mm->nstack - 1].len + (end ? 2 : 0)));
}

/* mailmime_multipart - a multipart's body: prologue, parts, epilogue */

static void
mailmime_multipart(struct mm *mm, unsigned int self)
{
	struct mail_part *p = &mm->m->part[self];
	const char	*boundary = p->boundary;
	size_t		 end;

	if (boundary == NULL) {
		mm->m->problems++;
		p->flags |= MAIL_PART_NO_BOUNDARY;
		p->body_end = p->prologue_end = mailmime_content(mm);
		if (mm->boundary == MAILMIME_B_EOS)
			p->flags |= MAIL_PART_OPEN;
		return;
	}
	mailmime_push(mm, boundary);
	end = mailmime_content(mm);
	mm->m->part[self].prologue_end = end;
	if (mm->boundary == MAILMIME_B_IMM)
		mm->boundary = mailmime_subparts(mm, self);
	p = &mm->m->part[self];
	if (mm->stop) {
		p->body_end = mm->len;
		p->flags |= MAIL_PART_OPEN;
		mm->nstack--;
		return;
	}
	if (mm->boundary == MAILMIME_B_IMM_END) {
		(void)mailmime_skip_line(mm);
		mm->nstack--;
		p->body_end = mailmime_content(mm);
		return;
	}
	mm->nstack--;
	p->body_end = mm->pos;
	p->flags |= MAIL_PART_OPEN;
	if (mm->boundary == MAILMIME_B_PARENT_END && mailmime_immediate(mm, 1))
		mm->boundary = MAILMIME_B_IMM_END;
	else if (mm->boundary == MAILMIME_B_PARENT && mailmime_immediate(mm, 0))
		mm->boundary = MAILMIME_B_IMM;
}

/* mailmime_build - index a message (entity 0) or a MIME entity */

void
mailmime_build(struct mail *m, const struct mail_limits *lim, int entity)
{
	struct mm	 mm;

	memset(&mm, 0, sizeof(mm));
	mm.m = m;
	mm.d = m->data;
	mm.len = m->len;
	mm.pos = m->text_start;
	mm.max_parts = lim->max_parts;
	mm.max_depth = lim->max_depth;
	if (mailmime_headers(&mm, 1, !entity, !entity) == MAILMIME_H_ERROR) {
		m->nfields = 0;
		free(mm.stack);
		return;
	}
	m->message = 1;
	if (!entity)
		mailmime_conflicts(&mm, mm.hfield, mm.hfield + mm.hnfields, 0,
		    1);
	mailmime_construct(&mm, MAIL_NONE, 0, 1, entity, 0, MAILMIME_H_CONTENT);
	free(mm.stack);
}
