/*
 * protect.c - protected_domains: parse once, match per recipient
 *
 * Three shapes, as in mask.c: exact domains in a sorted array (binary
 * search), ".example.com" suffixes (tried in order, a handful in
 * practice), and wildcards matched with mask_glob().  "*" alone sets the
 * all flag.  Everything is lowercased when parsed.
 *
 * SPDX-License-Identifier: MIT
 */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* lib */
#include "buf.h"
#include "listfile.h"
#include "xalloc.h"

/* policy */
#include "mask.h"
#include "protect.h"

#define PROTECT_SEP	" \t\r\n,;"
#define PROTECT_SHOW	8	/* items named in the log line */

struct protect {
	int		 all;
	char		**exact;	/* sorted, lower case */
	size_t		 nexact;
	char		**suffix;	/* ".example.com" */
	size_t		 nsuffix;
	char		**glob;		/* with '*' or '?' */
	size_t		 nglob;
	size_t		 count;		/* items, files read */
	struct buf	*desc;		/* what protect_describe says */
	size_t		 shown;
};

/* State of one parse. */
struct protect_parse {
	struct protect	*p;
	size_t		 max_file_size;
	const char	*file;		/* current file, or NULL */
	unsigned int	 line;
	struct buf	*warn, *why;
};

/* protect_add - append a string to a growing array */

static void
protect_add(char ***v, size_t *n, char *s)
{
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = s;
}

/* protect_warn - one line about an item that can never match */

static void
protect_warn(struct protect_parse *pp, const char *item, const char *what)
{
	if (pp->warn == NULL)
		return;
	if (pp->file != NULL)
		buf_printf(pp->warn, "%s:%u: ", pp->file, pp->line);
	buf_puts(pp->warn, "protected_domains item \"");
	buf_append_safe(pp->warn, item, strlen(item) > 100 ? 100 :
	    strlen(item));
	buf_printf(pp->warn, "\" %s\n", what);
}

/* protect_never - why a domain pattern can never match, or NULL */

static const char *
protect_never(const char *d)
{
	const unsigned char *p;
	size_t		 len = strlen(d);

	if (strchr(d, '@') != NULL)
		return ("is an address, not a domain: it can never match "
		    "(write the domain, example.com)");
	if (d[0] == '[' && d[len - 1] == ']')
		return (NULL);			/* an address literal */
	for (p = (const unsigned char *)d; *p != '\0'; p++)
		if (*p < 0x80 && !isalnum(*p) && *p != '.' && *p != '-' &&
		    *p != '_' && *p != '*' && *p != '?')
			return ("has a character no domain has: it can "
			    "never match");
	if (len > 255)
		return ("is longer than a domain can be: it can never "
		    "match");
	if (strstr(d, "..") != NULL || d[len - 1] == '.' || d[0] == '.')
		return ("has an empty label (\"..\" or a dot at an end): it "
		    "can never match");
	return (NULL);
}

static int	protect_text(struct protect_parse *, const char *);

/* protect_file - the items of a file:PATH item */

static int
protect_file(struct protect_parse *pp, const char *item, const char *path)
{
	struct listfile		 lf;
	enum listfile_fail	 fail;
	const char		*s;
	int			 rc = 0, got;

	if (pp->file != NULL) {
		buf_printf(pp->why, "%s:%u: protected_domains: file: items do "
		    "not nest", pp->file, pp->line);
		return (-1);
	}
	switch (listfile_open(&lf, path, (off_t)pp->max_file_size)) {
	case LISTFILE_OK:
		break;
	case LISTFILE_RELATIVE:
		buf_printf(pp->why, "protected_domains: \"%s\": the path must "
		    "be absolute", item);
		return (-1);
	case LISTFILE_OPEN:
		buf_printf(pp->why, "protected_domains: %s: %s", path,
		    strerror(errno));
		return (-1);
	default:
		buf_printf(pp->why, "protected_domains: %s: not a regular file "
		    "of at most max_file_size (%zu bytes)", path,
		    pp->max_file_size);
		return (-1);
	}
	pp->file = path;
	pp->line = 0;
	while (rc == 0 && (got = listfile_next(&lf, &fail)) != 0) {
		pp->line = lf.no;
		s = lf.line + strspn(lf.line, " \t");
		if (got < 0) {
			buf_printf(pp->why, "%s:%u: %s", path, pp->line,
			    fail == LISTFILE_NUL ? "NUL byte in the line" :
			    strerror(errno));
			rc = -1;
		} else if (*s != '#') {
			rc = protect_text(pp, s);
		}
	}
	listfile_close(&lf);
	pp->file = NULL;
	return (rc);
}

/* protect_note - name an item in the description (the first few) */

static void
protect_note(struct protect *p, const char *s)
{
	if (p->shown++ < PROTECT_SHOW)
		buf_printf(p->desc, "%s%s", buf_len(p->desc) ? ", " : "", s);
}

/* protect_item - one item */

static int
protect_item(struct protect_parse *pp, char *item)
{
	struct protect	*p = pp->p;
	const char	*never;
	char		*d, *q;

	if (strncasecmp(item, "file:", 5) == 0)
		return (protect_file(pp, item, item + 5));
	for (q = item; *q != '\0'; q++)
		*q = (char)tolower((unsigned char)*q);
	p->count++;
	if (strcmp(item, "*") == 0) {
		p->all = 1;
		protect_note(p, "*");
		return (0);
	}
	d = item[0] == '@' ? item + 1 : item;
	if (d[0] == '*' && d[1] == '.' && strpbrk(d + 2, "*?") == NULL)
		d++;			/* *.example.com = .example.com */
	if ((never = protect_never(d[0] == '.' ? d + 1 : d)) != NULL ||
	    d[0] == '\0')
		protect_warn(pp, item, never ? never : "is empty");
	protect_note(p, d);
	if (strpbrk(d, "*?") != NULL)
		protect_add(&p->glob, &p->nglob, xstrdup(d));
	else if (d[0] == '.')
		protect_add(&p->suffix, &p->nsuffix, xstrdup(d));
	else
		protect_add(&p->exact, &p->nexact, xstrdup(d));
	return (0);
}

/* protect_text - the items of a value or of one line of a file */

static int
protect_text(struct protect_parse *pp, const char *s)
{
	char	*item;
	size_t	 len;
	int	 rc;

	for (;;) {
		s += strspn(s, PROTECT_SEP);
		if (*s == '\0')
			return (0);
		len = strcspn(s, PROTECT_SEP);
		item = xstrndup(s, len);
		rc = protect_item(pp, item);
		free(item);
		if (rc < 0)
			return (-1);
		s += len;
	}
}

/* protect_cmp - qsort/bsearch comparison of strings */

static int
protect_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* protect_parse - the set from its configuration text */

struct protect *
protect_parse(const char *text, size_t max_file_size, struct buf *warn,
    struct buf *why)
{
	struct protect_parse pp;
	struct protect	*p = xcalloc(1, sizeof(*p));

	p->desc = buf_new(128);
	memset(&pp, 0, sizeof(pp));
	pp.p = p;
	pp.max_file_size = max_file_size;
	pp.warn = warn;
	pp.why = why;
	if (text != NULL && protect_text(&pp, text) < 0) {
		protect_free(p);
		return (NULL);
	}
	if (p->count == 0)
		p->all = 1;		/* nothing listed: every domain */
	if (p->nexact > 1)
		qsort(p->exact, p->nexact, sizeof(*p->exact), protect_cmp);
	return (p);
}

/* protect_all - whether every domain is protected */

int
protect_all(const struct protect *p)
{
	return (p == NULL || p->all);
}

/* protect_match - is a domain protected? */

int
protect_match(const struct protect *p, const char *domain)
{
	char	*d, *q;
	size_t	 i, dl, sl;
	int	 hit = 0;

	if (protect_all(p))
		return (1);
	if (domain == NULL || *domain == '\0')
		return (0);
	d = xstrdup(domain);
	for (q = d; *q != '\0'; q++)
		*q = (char)tolower((unsigned char)*q);
	dl = strlen(d);
	if (p->nexact > 0 && bsearch(&d, p->exact, p->nexact,
	    sizeof(*p->exact), protect_cmp) != NULL)
		hit = 1;
	for (i = 0; i < p->nsuffix && !hit; i++) {
		sl = strlen(p->suffix[i]);
		hit = strcmp(d, p->suffix[i] + 1) == 0 ||
		    (dl > sl && strcmp(d + dl - sl, p->suffix[i]) == 0);
	}
	for (i = 0; i < p->nglob && !hit; i++)
		hit = mask_glob(p->glob[i], d);
	free(d);
	return (hit);
}

/* protect_describe - the set, for the log */

void
protect_describe(const struct protect *p, struct buf *out)
{
	if (p == NULL || (p->all && p->count == 0)) {
		buf_puts(out, "all domains (protected_domains is empty)");
		return;
	}
	if (p->all) {
		buf_puts(out, "all domains (protected_domains has *)");
		return;
	}
	buf_printf(out, "%zu item%s: %s", p->count, p->count == 1 ? "" : "s",
	    buf_str(p->desc));
	if (p->shown > PROTECT_SHOW)
		buf_printf(out, " and %zu more", p->shown - PROTECT_SHOW);
}

/* protect_free - free a set */

void
protect_free(struct protect *p)
{
	size_t	 i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nexact; i++)
		free(p->exact[i]);
	for (i = 0; i < p->nsuffix; i++)
		free(p->suffix[i]);
	for (i = 0; i < p->nglob; i++)
		free(p->glob[i]);
	free(p->exact);
	free(p->suffix);
	free(p->glob);
	buf_free(p->desc);
	free(p);
}
