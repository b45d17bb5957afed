/*
 * mailhdr.c - header fields: the end of the header, lookups, values
 *
 * mailhdr_len() is the one answer to "where does the header section end"
 * for every module that needs it without an index (the edit of the
 * outgoing message, a DSN's copy of the header, a view of a file): after
 * the first empty line, LF or CRLF.  The index (mailmime.c) ends a header
 * block at the same line, and also where a reader must (a boundary line,
 * the end of the data).
 *
 * A field's raw value is read up to a NUL byte: nothing after a NUL in a
 * field reaches a check.  Lookups compare names without regard to ASCII
 * case; the first field of a name is the one a reader shows.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

/* lib */
#include "buf.h"

#include "mail_private.h"

/* mailhdr_len - the end of the header section */

size_t
mailhdr_len(const char *data, size_t len)
{
	const char	*p = data, *end = data + len, *nl;

	if (len >= 1 && data[0] == '\n')
		return (1);
	if (len >= 2 && data[0] == '\r' && data[1] == '\n')
		return (2);
	while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (end - nl >= 2 && nl[1] == '\n')
			return ((size_t)(nl - data) + 2);
		if (end - nl >= 3 && nl[1] == '\r' && nl[2] == '\n')
			return ((size_t)(nl - data) + 3);
		p = nl + 1;
	}
	return (len);
}

/* mailhdr_is - whether a field has this name */

int
mailhdr_is(const struct mail *m, const struct mail_field *f,
    const char *name)
{
	size_t	 n = strlen(name);

	return (f->name_len == n &&
	    mailctype_ncasecmp(m->data + f->name, name, n) == 0);
}

/* mailhdr_is_mime - whether a field is a Content-* field */

int
mailhdr_is_mime(const struct mail *m, const struct mail_field *f)
{
	return (f->name_len >= 8 &&
	    mailctype_ncasecmp(m->data + f->name, "Content-", 8) == 0);
}

/* mailhdr_first - the first field of a name in a part's header block */

const struct mail_field *
mailhdr_first(const struct mail *m, unsigned int part, const char *name)
{
	const struct mail_part *p;
	unsigned int	 i;

	if (part >= m->nparts)
		return (NULL);
	p = &m->part[part];
	for (i = p->field; i < p->field + p->nfields; i++)
		if (mailhdr_is(m, &m->field[i], name))
			return (&m->field[i]);
	return (NULL);
}

/* mailhdr_last - the last field of a name in a part's header block */

const struct mail_field *
mailhdr_last(const struct mail *m, unsigned int part, const char *name)
{
	const struct mail_part *p;
	unsigned int	 i;

	if (part >= m->nparts)
		return (NULL);
	p = &m->part[part];
	for (i = p->field + p->nfields; i > p->field; i--)
		if (mailhdr_is(m, &m->field[i - 1], name))
			return (&m->field[i - 1]);
	return (NULL);
}

/* mailhdr_raw - append the raw value up to a NUL */

void
mailhdr_raw(const struct mail *m, const struct mail_field *f,
    struct buf *out)
{
	const char	*v = m->data + f->value, *z;
	size_t		 n = f->end - f->value;

	if ((z = memchr(v, '\0', n)) != NULL)
		n = (size_t)(z - v);
	buf_append(out, v, n);
}

/* mailhdr_cstr - the raw value as a string in b (appended) */

const char *
mailhdr_cstr(const struct mail *m, const struct mail_field *f, struct buf *b)
{
	size_t	 start = b->len;

	mailhdr_raw(m, f, b);
	return (b->data + start);
}

/* mailhdr_unfold_str - append a string unfolded: trimmed, no CR or LF */

void
mailhdr_unfold_str(const char *s, struct buf *out)
{
	const char	*end;

	while (mc_lwsp(*s))
		s++;
	end = s + strlen(s);
	while (end > s && mc_lwsp(end[-1]))
		end--;
	for (; s < end; s++)
		if (*s != '\r' && *s != '\n')
			buf_putc(out, *s);
}

/* mailhdr_unfold - append the value unfolded */

void
mailhdr_unfold(const struct mail *m, const struct mail_field *f,
    struct buf *out)
{
	struct buf	*raw = buf_new(f->end - f->value + 1);

	mailhdr_unfold_str(mailhdr_cstr(m, f, raw), out);
	buf_free(raw);
}

/* mailhdr_text - append the value unfolded and decoded */

void
mailhdr_text(const struct mail *m, const struct mail_field *f,
    struct buf *out)
{
	struct buf	*u = buf_new(f->end - f->value + 1);

	mailhdr_unfold(m, f, u);
	mailtext_decode(buf_str(u), out);
	buf_free(u);
}
