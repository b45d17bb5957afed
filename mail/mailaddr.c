/*
 * mailaddr.c - address lists (From, To, Cc, Reply-To) and message ids
 *
 * An address list is read leniently, as RFC 7103 asks and as GMime did
 * (whose results the classifier learned): display names with unquoted
 * dots and commas, "user@example.com <user@example.com>", extra angle
 * brackets, addresses without a domain, a name in a trailing comment,
 * obsolete routes, groups ("Friends: a@b, c@d;").  An entry that does not
 * parse is skipped up to the next comma.  Display names are decoded
 * (RFC 2047, raw 8-bit text); addr-specs are kept as written, without
 * their comments and folding.  Punycode domains stay ASCII.
 *
 * Everything works on NUL-terminated text; the caller owns the lists
 * (mailaddr_clear).
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

/* lib */
#include "buf.h"
#include "xalloc.h"

#include "mail_private.h"

static int	mailaddr_list(struct mail_addrs *, const char **, int group);

/* mailaddr_add - append an entry */

static struct mail_addr *
mailaddr_add(struct mail_addrs *l)
{
	struct mail_addr *a;

	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	a = &l->v[l->n++];
	memset(a, 0, sizeof(*a));
	return (a);
}

/* mailaddr_unquote - drop quotes and backslashes in place */

static void
mailaddr_unquote(char *s)
{
	char	*r = s, *w = s;
	int	 esc = 0;

	while (*r != '\0') {
		if (*r == '\\') {
			if (esc)
				*w++ = *r;
			r++;
			esc = !esc;
		} else if (*r == '"') {
			if (esc) {
				*w++ = *r;
				esc = 0;
			}
			r++;
		} else {
			*w++ = *r++;
			esc = 0;
		}
	}
	*w = '\0';
}

/* mailaddr_isspace - C white space, as g_strstrip trims it */

static int
mailaddr_isspace(int c)
{
	return (c == ' ' || (c >= '\t' && c <= '\r'));
}

/* mailaddr_name - a display name decoded: raw 8-bit, quotes, encoded
 * words, surrounding white space */

static char *
mailaddr_name(const char *name, size_t len)
{
	struct buf	*raw = buf_new(len + 8), *out;
	char		*s, *e;

	if (!mailcs_utf8_valid(name, len, NULL))
		mailtext_8bit(name, len, raw);
	else
		buf_append(raw, name, len);
	mailaddr_unquote(raw->data);
	out = buf_new(len + 8);
	mailtext_phrase(raw->data, out);
	buf_free(raw);
	s = buf_finish(out);
	for (e = s; mailaddr_isspace((unsigned char)*e); e++)
		;
	memmove(s, e, strlen(e) + 1);
	for (e = s + strlen(s); e > s && mailaddr_isspace((unsigned char)
	    e[-1]); e--)
		;
	*e = '\0';
	return (s);
}

/* mailaddr_comment_name - the decoded text of a comment at *in, or "" */

static int
mailaddr_comment_name(const char **in, char **name)
{
	const char	*p = *in, *c;

	(void)mailctype_skip_lwsp(&p);
	if (*p != '(') {
		*in = p;
		*name = xstrdup("");
		return (0);
	}
	c = p;
	if (!mailctype_skip_comment(&p)) {
		*in = p;
		return (-1);
	}
	*name = mailaddr_name(c + 1, (size_t)(p - 1 - (c + 1)));
	*in = p;
	return (0);
}

/* mailaddr_local - a local part: words joined by dots */

static int
mailaddr_local(struct buf *s, const char **in)
{
	const char	*p = *in, *w;

	for (;;) {
		w = p;
		if (!mailctype_skip_word(&p) ||
		    !mailcs_utf8_valid(w, (size_t)(p - w), NULL))
			goto bad;
		buf_append(s, w, (size_t)(p - w));
		if (!mailctype_skip_cfws(&p))
			goto bad;
		if (*p != '.')
			break;
		buf_putc(s, *p++);
		if (!mailctype_skip_cfws(&p) || *p == '\0')
			goto bad;
	}
	*in = p;
	return (0);
bad:
	*in = p;
	return (-1);
}

/* mailaddr_dotatom - a domain of atoms; a trailing dot is dropped */

static int
mailaddr_dotatom(struct buf *s, const char **in, const char *sentinels)
{
	const char	*p = *in, *a, *c;

	for (;;) {
		if (!mc_atom(*p))
			goto bad;
		for (a = p; mc_atom(*p); p++)
			;
		if (!mailcs_utf8_valid(a, (size_t)(p - a), NULL))
			goto bad;
		buf_append(s, a, (size_t)(p - a));
		c = p;
		if (!mailctype_skip_cfws(&p))
			goto bad;
		if (*p != '.') {
			p = c;
			break;
		}
		p++;
		if (!mailctype_skip_cfws(&p))
			goto bad;
		if (*p == '\0' || strchr(sentinels, *p) != NULL)
			break;
		buf_putc(s, '.');
	}
	*in = p;
	return (0);
bad:
	*in = p;
	return (-1);
}

/* mailaddr_literal - a domain literal "[...]" */

static int
mailaddr_literal(struct buf *s, const char **in)
{
	const char	*p = *in + 1, *t;

	buf_putc(s, '[');
	(void)mailctype_skip_lwsp(&p);
	for (;;) {
		for (t = p; *p != '\0' && mc_dtext(*p); p++)
			;
		buf_append(s, t, (size_t)(p - t));
		(void)mailctype_skip_lwsp(&p);
		if (*p == '\0' || (*p != ']' && !mc_dtext(*p))) {
			*in = p;
			return (-1);
		}
		if (*p == ']')
			break;
	}
	buf_putc(s, ']');
	*in = p + 1;
	return (0);
}

/* mailaddr_spec - an addr-spec; a local part alone is one too */

static int
mailaddr_spec(const char **in, const char *sentinels, char **spec)
{
	const char	*p = *in;
	struct buf	*s = buf_new(64);
	int		 rc;

	*spec = NULL;
	if (mailaddr_local(s, &p) < 0)
		goto bad;
	if (*p == '\0' || strchr(sentinels, *p) != NULL)
		goto good;
	if (*p != '@')
		goto bad;
	buf_putc(s, *p++);
	if (*p == '\0' || !mailctype_skip_cfws(&p) || *p == '\0')
		goto bad;
	rc = *p == '[' ? mailaddr_literal(s, &p) :
	    mailaddr_dotatom(s, &p, sentinels);
	if (rc < 0)
		goto bad;
good:
	*spec = buf_finish(s);
	*in = p;
	return (0);
bad:
	buf_free(s);
	*in = p;
	return (-1);
}

/* mailaddr_domain - an obsolete route's domain (read and dropped) */

static int
mailaddr_domain(const char **in)
{
	const char	*p = *in, *save;
	int		 got = 0;

	while (*p != '\0') {
		(void)mailctype_skip_cfws(&p);
		if (*p == '[') {
			p++;
			while (*p != '\0' && *p != ']')
				p++;
			if (*p == ']')
				p++;
			got = 1;
		} else if (mc_atom(*p)) {
			while (mc_atom(*p))
				p++;
			got = 1;
		} else
			break;
		save = p;
		(void)mailctype_skip_cfws(&p);
		if (*p != '.') {
			p = save;
			break;
		}
		p++;
	}
	*in = p;
	return (got ? 0 : -1);
}

/* mailaddr_route - skip "@a,@b:" in front of an addr-spec */

static int
mailaddr_route(const char **in)
{
	const char	*p = *in;

	do {
		p++;
		if (mailaddr_domain(&p) < 0)
			goto bad;
		(void)mailctype_skip_cfws(&p);
		if (*p == ',') {
			p++;
			(void)mailctype_skip_cfws(&p);
			while (*p == ',') {
				p++;
				(void)mailctype_skip_cfws(&p);
			}
		}
	} while (*p == '@');
	(void)mailctype_skip_cfws(&p);
	if (*p != ':')
		goto bad;
	*in = p;
	return (0);
bad:
	while (*p != '\0' && *p != ':' && *p != '>')
		p++;
	*in = p;
	return (-1);
}

/* mailaddr_angle - "<addr-spec>" (extra brackets allowed) */

static int
mailaddr_angle(const char **in, char *name, struct mail_addrs *l)
{
	const char	*p = *in + 1;
	struct mail_addr *a;
	char		*spec = NULL;

	while (*p == '<')
		p++;
	if (*p == '\0' || !mailctype_skip_cfws(&p))
		goto bad;
	if (*p == '@') {
		if (mailaddr_route(&p) < 0 || *p != ':')
			goto bad;
		p++;
		if (!mailctype_skip_cfws(&p))
			goto bad;
	}
	if (mailaddr_spec(&p, ",>;", &spec) < 0 ||
	    !mailctype_skip_cfws(&p))
		goto bad;
	while (*p == '>')
		p++;
	a = mailaddr_add(l);
	a->name = name;
	a->addr = spec;
	*in = p;
	return (0);
bad:
	free(spec);
	free(name);
	*in = p;
	return (-1);
}

/* mailaddr_group - the members of a group, after its ':' */

static void
mailaddr_group(const char **in, struct mail_addr *g)
{
	struct mail_addrs m = { NULL, 0 };
	const char	*p = *in + 1;

	while (*p == ':' || mc_lwsp(*p))
		p++;
	if (*p != '\0') {
		(void)mailaddr_list(&m, &p, 1);
		if (*p != ';')
			while (*p != '\0' && *p != ';')
				p++;
		else
			p++;
	}
	g->member = m.v;
	g->nmembers = m.n;
	*in = p;
}

/* mailaddr_mailbox - an addr-spec with an optional comment as its name */

static int
mailaddr_mailbox(const char **in, const char *start, const char *sentinels,
    struct mail_addrs *l, int *angle)
{
	const char	*p = start;
	struct mail_addr *a;
	char		*spec, *name;

	*angle = 0;
	if (mailaddr_spec(&p, sentinels, &spec) < 0)
		goto bad;
	if (mailaddr_comment_name(&p, &name) < 0) {
		free(spec);
		goto bad;
	}
	if (sentinels[1] != '\0') {	/* after '@': maybe "a@b <a@b>" */
		if (!mailctype_skip_cfws(&p)) {
			free(spec);
			free(name);
			goto bad;
		}
		if (*p == '<') {
			free(spec);
			free(name);
			*angle = 1;
			*in = p;
			return (0);
		}
	}
	if (*p == '>' && (sentinels[1] != '\0' || *p != '\0'))
		p++;
	a = mailaddr_add(l);
	a->name = name;
	a->addr = spec;
	*in = p;
	return (0);
bad:
	*in = p;
	return (-1);
}

/* mailaddr_one - one entry of a list (a mailbox or a group) */

static int
mailaddr_one(const char **in, struct mail_addrs *l)
{
	const char	*p = *in, *start, *q, *e;
	size_t		 length = 0;
	int		 words = 0, trimq = 0, angle;
	char		 sent[2];

	if (!mailctype_skip_cfws(&p) || *p == '\0')
		goto bad;
	start = p;
	while (*p != '\0') {
		if (*p == '"') {
			q = p;
			if (!mailctype_skip_quoted(&p)) {
				p = q + 1;
				(void)mailctype_skip_lwsp(&p);
				if (!mailctype_skip_atom(&p))
					break;
				if (start == q)
					trimq = 1;
			}
		} else if (!mailctype_skip_atom(&p))
			break;
		length = (size_t)(p - start);
		for (;;) {		/* unquoted dots in a name */
			if (!mailctype_skip_cfws(&p))
				goto bad;
			if (*p != '.')
				break;
			p++;
			length = (size_t)(p - start);
		}
		words++;
		if (*p == ',' && words > 1) {	/* unquoted commas too */
			p++;
			length = (size_t)(p - start);
			if (!mailctype_skip_cfws(&p))
				goto bad;
		}
	}
	if (!mailctype_skip_cfws(&p))
		goto bad;
	if (*p == '\0' || *p == ',' || *p == '>' || *p == ';') {
		sent[0] = *p != '\0' ? *p : ',';
		sent[1] = '\0';
		if (mailaddr_mailbox(&p, start, sent, l, &angle) < 0)
			goto bad;
		*in = p;
		return (0);
	}
	if (*p == ':') {
		struct mail_addr *g = mailaddr_add(l);

		if (trimq) {
			start++;
			length--;
		}
		g->name = length > 0 ? mailaddr_name(start, length) :
		    xstrdup("");
		mailaddr_group(&p, g);
		*in = p;
		return (0);
	}
	if (*p == '@') {
		if (mailaddr_mailbox(&p, start, ",>;", l, &angle) < 0)
			goto bad;
		if (!angle) {
			*in = p;
			return (0);
		}
		for (e = p; e > start && mc_lwsp(e[-1]); e--)
			;
		length = (size_t)(e - start);
	}
	if (*p == '<') {
		if (trimq) {
			start++;
			length--;
		}
		if (mailaddr_angle(&p, length > 0 ? mailaddr_name(start,
		    length) : xstrdup(""), l) < 0)
			goto bad;
		*in = p;
		return (0);
	}
bad:
	*in = p;
	return (-1);
}

/* mailaddr_list - entries up to the end (or a group's ';') */

static int
mailaddr_list(struct mail_addrs *l, const char **in, int group)
{
	const char	*p;

	if (!mailctype_skip_cfws(in))
		return (-1);
	p = *in;
	if (*p == '\0')
		return (-1);
	while (*p != '\0') {
		if (group && *p == ';')
			break;
		if (mailaddr_one(&p, l) < 0)
			while (*p != '\0' && *p != ',' && (!group ||
			    *p != ';'))
				p++;
		for (;;) {
			if (!mailctype_skip_cfws(&p)) {
				*in = p;
				return (-1);
			}
			if (*p != ',')
				break;
			p++;
		}
	}
	*in = p;
	return (0);
}

/* mailaddr_parse - append the addresses of a raw value */

void
mailaddr_parse(struct mail_addrs *l, const char *raw)
{
	const char	*p = raw;

	(void)mailaddr_list(l, &p, 0);
}

/* mailaddr_fields - the addresses of every field of a name */

void
mailaddr_fields(struct mail_addrs *l, const struct mail *m,
    unsigned int part, const char *name)
{
	const struct mail_part *p;
	struct buf	*v;
	unsigned int	 i;

	if (part >= m->nparts)
		return;
	p = &m->part[part];
	v = buf_new(256);
	for (i = p->field; i < p->field + p->nfields; i++) {
		if (!mailhdr_is(m, &m->field[i], name))
			continue;
		buf_reset(v);
		mailaddr_parse(l, mailhdr_cstr(m, &m->field[i], v));
	}
	buf_free(v);
}

/* mailaddr_free_one - free an entry's strings and members */

static void
mailaddr_free_one(struct mail_addr *a)
{
	size_t	 i;

	free(a->name);
	free(a->addr);
	for (i = 0; i < a->nmembers; i++)
		mailaddr_free_one(&a->member[i]);
	free(a->member);
}

/* mailaddr_clear - free every entry */

void
mailaddr_clear(struct mail_addrs *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		mailaddr_free_one(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* mailaddr_word - a quoted string or an atom at *in (cfws skipped) */

static const char *
mailaddr_word(const char **in)
{
	const char	*p = *in, *w;

	(void)mailctype_skip_cfws(&p);
	w = p;
	if (*p == '"') {
		for (p++; *p != '\0' && *p != '"'; p++)
			if (*p == '\\' && p[1] != '\0')
				p++;
		if (*p == '"')
			p++;
	} else if (mc_atom(*p))
		while (mc_atom(*p))
			p++;
	else {
		*in = p;
		return (NULL);
	}
	*in = p;
	return (w);
}

/* mailaddr_msgid_spec - "local@domain" of a msg-id, or NULL */

static char *
mailaddr_msgid_spec(const char **in)
{
	const char	*p, *w, *save;
	struct buf	*s = buf_new(64);
	size_t		 before;

	(void)mailctype_skip_cfws(in);
	p = *in;
	if ((w = mailaddr_word(&p)) == NULL)
		goto bad;
	buf_append(s, w, (size_t)(p - w));
	(void)mailctype_skip_cfws(&p);
	while (*p == '.') {
		buf_putc(s, *p++);
		if ((w = mailaddr_word(&p)) == NULL)
			goto bad;
		buf_append(s, w, (size_t)(p - w));
		(void)mailctype_skip_cfws(&p);
	}
	if (*p++ != '@')
		goto bad;
	buf_putc(s, '@');
	before = s->len;
	while (*p != '\0') {
		(void)mailctype_skip_cfws(&p);
		if (*p == '[') {
			for (w = p++; *p != '\0' && *p != ']'; p++)
				;
			if (*p == ']')
				p++;
			buf_append(s, w, (size_t)(p - w));
		} else if (mc_atom(*p)) {
			for (w = p; mc_atom(*p); p++)
				;
			buf_append(s, w, (size_t)(p - w));
		} else {
			if (s->len > before && s->data[s->len - 1] == '.')
				buf_truncate(s, s->len - 1);
			break;
		}
		save = p;
		(void)mailctype_skip_cfws(&p);
		if (*p != '.') {
			p = save;
			break;
		}
		buf_putc(s, '.');
		p++;
	}
	if (s->len == before)
		goto bad;
	*in = p;
	return (buf_finish(s));
bad:
	buf_free(s);
	return (NULL);
}

/* mailaddr_msgid - the id of a Message-ID value */

char *
mailaddr_msgid(const char *value)
{
	const char	*p = value, *q;
	char		*id;

	(void)mailctype_skip_cfws(&p);
	if (*p == '<')
		p++;
	(void)mailctype_skip_cfws(&p);
	if ((id = mailaddr_msgid_spec(&p)) != NULL)
		return (id);
	for (q = p; *q != '\0' && *q != '>'; q++)
		;
	return (xstrndup(p, (size_t)(q - p)));
}
