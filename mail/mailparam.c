/*
 * mailparam.c - Content-Type and Content-Disposition values: type,
 * subtype, parameters
 *
 * Values are read from the field's decoded text, leniently (the way GMime
 * read them, so names and charsets come out as before):
 *
 *	- a parameter value runs to the next ';' unless it is quoted, so
 *	  name=my file.pdf is "my file.pdf";
 *	- an unclosed quoted string keeps its opening quote;
 *	- RFC 2231: name*=charset'lang'%XX.., and continuations name*0=,
 *	  name*1*=.. joined in the order of their numbers, decoded from the
 *	  first one's charset (kept as they are when that fails);
 *	- RFC 2047 encoded words inside a plain value are decoded;
 *	- a parameter that does not parse is skipped up to the next ';'.
 *
 * Two parameters of one name with different values count as a conflict
 * (what different readers may resolve differently); the first one is the
 * one returned.
 *
 * SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* lib */
#include "buf.h"
#include "xalloc.h"

#include "mail_private.h"

/* An RFC 2231 parameter whose value comes in numbered pieces. */
struct mailparam_split {
	char		*name;
	char		*charset;	/* of the first piece seen, or NULL */
	size_t		 slot;		/* its place in the list */
	struct {
		int	 id;
		char	*value;
	}		*piece;
	size_t		 npieces;
};

/* mailparam_type - "type/subtype" at *in */

int
mailparam_type(const char **in, char **type, char **sub)
{
	const char	*p = *in, *s;

	*type = *sub = NULL;
	(void)mailctype_skip_cfws(&p);
	for (s = p; *p != '\0' && mc_ttoken(*p); p++)
		;
	*type = xstrndup(s, (size_t)(p - s));
	(void)mailctype_skip_cfws(&p);
	if (*p++ != '/')
		goto bad;
	(void)mailctype_skip_cfws(&p);
	for (s = p; *p != '\0' && mc_ttoken(*p); p++)
		;
	if (p == s)
		goto bad;
	*sub = xstrndup(s, (size_t)(p - s));
	*in = p;
	return (0);
bad:
	free(*type);
	*type = NULL;
	return (-1);
}

/* mailparam_token - a parameter name (no '*'), or NULL */

static char *
mailparam_token(const char **in)
{
	const char	*p = *in, *s;

	(void)mailctype_skip_cfws(&p);
	for (s = p; mc_ttoken(*p) && *p != '*'; p++)
		;
	if (p == s)
		return (NULL);
	*in = p;
	return (xstrndup(s, (size_t)(p - s)));
}

/* mailparam_int - a piece number */

static int
mailparam_int(const char **in)
{
	const char	*p;
	int		 n = 0;

	(void)mailctype_skip_cfws(in);
	for (p = *in; isdigit((unsigned char)*p); p++) {
		if (n > (0x7fffffff - 9) / 10) {
			while (isdigit((unsigned char)*p))
				p++;
			break;
		}
		n = n * 10 + (*p - '0');
	}
	*in = p;
	return (n);
}

/* mailparam_quoted - a quoted string at *in (unclosed: with its quote) */

static char *
mailparam_quoted(const char **in)
{
	const char	*p = *in, *s;
	char		*out, *r, *w;
	int		 esc = 0;

	(void)mailctype_skip_cfws(&p);
	if (*p != '"') {
		*in = p;
		return (NULL);
	}
	s = p++;
	while (*p != '\0' && *p != '"')
		if (*p++ == '\\' && *p != '\0') {
			esc = 1;
			p++;
		}
	if (*p == '"')
		out = xstrndup(s + 1, (size_t)(p++ - s - 1));
	else
		out = xstrndup(s, (size_t)(p - s));
	*in = p;
	if (esc) {
		for (r = w = out; *r != '\0';) {
			if (*r == '\\')
				r++;
			if (*r != '\0')
				*w++ = *r++;
		}
		*w = '\0';
	}
	return (out);
}

/* mailparam_loose - a value up to ';', trailing white space left off */

static char *
mailparam_loose(const char **in)
{
	const char	*p = *in, *s;

	(void)mailctype_skip_cfws(&p);
	s = p;
	while (*p != '\0' && *p != ';')
		p++;
	while (p > s && mc_lwsp(p[-1]))
		p--;
	if (p == s)
		return (NULL);
	*in = p;
	return (xstrndup(s, (size_t)(p - s)));
}

/* mailparam_value - a parameter's value */

static char *
mailparam_value(const char **in)
{
	(void)mailctype_skip_cfws(in);
	if (**in == '"')
		return (mailparam_quoted(in));
	return (mailparam_loose(in));
}

/* mailparam_hex - %XX decoding in place */

static void
mailparam_hex(char *s)
{
	char	*w = s;

#define HV(c)	(isdigit((unsigned char)(c)) ? (c) - '0' : \
	    tolower((unsigned char)(c)) - 'a' + 10)
	while (*s != '\0') {
		if (*s == '%' && isxdigit((unsigned char)s[1]) &&
		    isxdigit((unsigned char)s[2])) {
			*w++ = (char)(HV(s[1]) * 16 + HV(s[2]));
			s += 3;
		} else
			*w++ = *s++;
	}
	*w = '\0';
#undef HV
}

/* mailparam_charset - "charset'lang'" in front of an RFC 2231 value:
 * the charset (malloc'd, or NULL) and *in moved past it */

static char *
mailparam_charset(const char **in)
{
	const char	*p = *in, *q;
	char		*cs;

	if ((q = strchr(p, '\'')) == NULL)
		return (NULL);
	cs = xstrndup(p, (size_t)(q - p));
	if ((p = strchr(q + 1, '\'')) != NULL)
		*in = p + 1;
	else
		*in = q + strlen(q);	/* no second quote: no value */
	return (cs);
}

/* mailparam_convert - a decoded RFC 2231 value to UTF-8 (as it is when
 * that cannot be done) */

static char *
mailparam_convert(const char *charset, char *in)
{
	struct buf	*b;
	long		 bad;

	if (charset == NULL || mailctype_casecmp(charset, "utf-8") == 0 ||
	    mailctype_casecmp(charset, "us-ascii") == 0)
		return (in);
	b = buf_new(strlen(in) * 2 + 8);
	if ((bad = mailcs_to_utf8(charset, in, strlen(in), b)) != 0) {
		buf_free(b);
		return (in);
	}
	free(in);
	return (buf_finish(b));
}

/* mailparam_add - append a parameter */

static void
mailparam_add(struct mailparam_list *l, char *name, char *value)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	l->v[l->n].name = name;
	l->v[l->n].value = value;
	l->n++;
}

/* mailparam_one - read one parameter; 0, or -1 (*in unmoved) when it does
 * not parse */

static int
mailparam_one(const char **in, char **name_r, char **value_r, int *id,
    int *enc)
{
	const char	*p = *in;
	char		*name, *value = NULL;
	struct buf	*b;
	int		 rfc2231 = 0;

	*id = -1;
	*enc = 0;
	name = mailparam_token(&p);
	(void)mailctype_skip_cfws(&p);
	if (*p == '*') {
		rfc2231 = 1;
		p++;
		(void)mailctype_skip_cfws(&p);
		if (*p == '=')
			*enc = 1;
		else {
			*id = mailparam_int(&p);
			(void)mailctype_skip_cfws(&p);
			if (*p == '*') {
				p++;
				*enc = 1;
				(void)mailctype_skip_cfws(&p);
			}
		}
	}
	if (name == NULL)
		p = *in;
	if (*p == '=') {
		p++;
		value = mailparam_value(&p);
		if (!rfc2231 && value != NULL && strstr(value, "=?") != NULL) {
			b = buf_new(strlen(value) + 8);
			mailtext_decode(value, b);
			free(value);
			value = buf_finish(b);
		}
	}
	if (name == NULL || value == NULL) {
		/* the caller goes on from where this one started */
		free(name);
		free(value);
		return (-1);
	}
	*in = p;
	*name_r = name;
	*value_r = value;
	return (0);
}

/* mailparam_split_add - one numbered piece of an RFC 2231 parameter */

static void
mailparam_split_add(struct mailparam_split *s, char *value, int id, int enc)
{
	s->piece = xreallocarray(s->piece, s->npieces + 1, sizeof(*s->piece));
	if (enc)
		mailparam_hex(value);
	s->piece[s->npieces].id = id;
	s->piece[s->npieces].value = value;
	s->npieces++;
}

/* mailparam_join - put the pieces together in the order of their ids */

static char *
mailparam_join(struct mailparam_split *s)
{
	struct buf	*b = buf_new(64);
	size_t		 i, j;
	int		 id;
	char		*v;

	for (i = 1; i < s->npieces; i++) {	/* stable */
		id = s->piece[i].id;
		v = s->piece[i].value;
		for (j = i; j > 0 && s->piece[j - 1].id > id; j--)
			s->piece[j] = s->piece[j - 1];
		s->piece[j].id = id;
		s->piece[j].value = v;
	}
	for (i = 0; i < s->npieces; i++) {
		buf_puts(b, s->piece[i].value);
		free(s->piece[i].value);
	}
	free(s->piece);
	return (mailparam_convert(s->charset, buf_finish(b)));
}

/* mailparam_parse - the parameter list after the first ';' */

void
mailparam_parse(const char *in, struct mailparam_list *l)
{
	struct mailparam_split *sp = NULL;
	const char	*p = in, *v;
	char		*name, *value, *cs;
	size_t		 nsp = 0, i, j;
	int		 id, enc;

	do {
		(void)mailctype_skip_cfws(&p);
		if (*p == '\0')
			break;
		if (mailparam_one(&p, &name, &value, &id, &enc) < 0) {
			(void)mailctype_skip_cfws(&p);
			if (*p == ';')
				continue;
			break;
		}
		if (id != -1) {
			for (i = 0; i < nsp; i++)
				if (mailctype_casecmp(sp[i].name, name) == 0)
					break;
			if (i == nsp) {
				sp = xreallocarray(sp, nsp + 1, sizeof(*sp));
				memset(&sp[nsp], 0, sizeof(*sp));
				sp[nsp].name = name;
				sp[nsp].slot = l->n;
				v = value;
				if (enc && (cs = mailparam_charset(&v)) !=
				    NULL) {
					sp[nsp].charset = cs;
					v = xstrdup(v);
					free(value);
					value = (char *)v;
				}
				mailparam_split_add(&sp[nsp], value, id, enc);
				mailparam_add(l, xstrdup(name), NULL);
				nsp++;
			} else {
				mailparam_split_add(&sp[i], value, id, enc);
				free(name);
			}
		} else if (enc) {
			v = value;
			cs = mailparam_charset(&v);
			v = xstrdup(v);
			free(value);
			mailparam_hex((char *)v);
			mailparam_add(l, name, mailparam_convert(cs,
			    (char *)v));
			free(cs);
		} else
			mailparam_add(l, name, value);
		(void)mailctype_skip_cfws(&p);
	} while (*p++ == ';');
	for (i = 0; i < nsp; i++) {
		l->v[sp[i].slot].value = mailparam_join(&sp[i]);
		free(sp[i].name);
		free(sp[i].charset);
	}
	free(sp);
	for (i = 0; i < l->n; i++)
		for (j = i + 1; j < l->n; j++)
			if (mailctype_casecmp(l->v[i].name, l->v[j].name) ==
			    0) {
				if (strcmp(l->v[i].value, l->v[j].value) != 0)
					l->conflicts++;
				break;
			}
}

/* mailparam_find - the first parameter of a name, or NULL */

const char *
mailparam_find(const struct mailparam_list *l, const char *name)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		if (mailctype_casecmp(l->v[i].name, name) == 0)
			return (l->v[i].value);
	return (NULL);
}

/* mailparam_clear - free the parameters */

void
mailparam_clear(struct mailparam_list *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].value);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* mailparam_get - a parameter of the last field hname of a part */

int
mailparam_get(const struct mail *m, unsigned int part, const char *hname,
    const char *name, struct buf *out)
{
	const struct mail_field *f;
	struct mailparam_list l = { NULL, 0, 0, 0 };
	struct buf	*v;
	const char	*p, *val;
	char		*type, *sub;
	int		 found = 0;

	if ((f = mailhdr_last(m, part, hname)) == NULL)
		return (0);
	v = buf_new(f->end - f->value + 1);
	mailhdr_text(m, f, v);
	p = buf_str(v);
	if (mailctype_casecmp(hname, "Content-Type") == 0) {
		if (mailparam_type(&p, &type, &sub) < 0)
			goto out;
		free(type);
		free(sub);
		(void)mailctype_skip_cfws(&p);
	}
	while (*p != '\0' && *p != ';')
		p++;
	if (*p++ == ';' && *p != '\0') {
		mailparam_parse(p, &l);
		if ((val = mailparam_find(&l, name)) != NULL) {
			buf_puts(out, val);
			found = 1;
		}
		mailparam_clear(&l);
	}
out:
	buf_free(v);
	return (found);
}
