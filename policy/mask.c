/*
 * mask.c - address masks and lists of them
 *
 * A list keeps its items in three shapes: exact addresses and @domain items
 * in sorted arrays (binary search: a white list of 100000 addresses costs a
 * few comparisons per lookup), and everything else - wildcards, regular
 * expressions, CIDRs - in an array tried in order.  Everything is lowercased
 * when parsed, and the address once per lookup.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/types.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* lib */
#include "addr.h"
#include "buf.h"
#include "cidr.h"
#include "listfile.h"
#include "xalloc.h"

/* policy */
#include "mask.h"

#define MASK_SEP	" \t\r\n,;"
#define MASK_WS		" \t\r\n"
#define MASK_RE_LEN	1024	/* longest regular expression */
#define MASK_RE_COST	5000	/* elements after expanding repetitions */
#define MASK_RE_DEPTH	32	/* nesting of parentheses */

enum mask_kind { MASK_GLOB, MASK_RE, MASK_IP };

struct mask_item {
	enum mask_kind	 kind;
	char		*text;		/* glob pattern, for MASK_GLOB */
	regex_t		 re;
	struct cidr	 cidr;
};

struct mask_list {
	char		**exact;	/* sorted addresses */
	size_t		 nexact;
	char		**domains;	/* sorted domains of @domain items */
	size_t		 ndomains;
	struct mask_item *items;
	size_t		 nitems;
	int		 null_sender;	/* "<>" was listed */
	int		 has_ip;
	size_t		 count;
};

/* State of one parse: where items come from, for error messages. */
struct mask_parse {
	struct mask_list *ml;
	const char	*default_domain;
	int		 flags;
	size_t		 max_file_size;
	const char	*file;		/* current file, or NULL */
	unsigned int	 line;
	struct buf	*why;
};

/* mask_lower - lowercase a string in place */

static char *
mask_lower(char *s)
{
	char	*p;

	for (p = s; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return (s);
}

/* mask_glob - wildcard match, case-insensitive, of the whole string */

int
mask_glob(const char *p, const char *s)
{
	const char	*star = NULL, *resume = NULL;

	while (*s != '\0') {
		if (*p == '*') {
			star = p++;
			resume = s;
		} else if (*p != '\0' && (*p == '?' ||
		    tolower((unsigned char)*p) == tolower((unsigned char)*s))) {
			p++;
			s++;
		} else if (star != NULL) {
			p = star + 1;
			s = ++resume;
		} else {
			return (0);
		}
	}
	while (*p == '*')
		p++;
	return (*p == '\0');
}

/* mask_fail - report a bad item, with its origin */

static void
mask_fail(struct mask_parse *mp, const char *item, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
mask_fail(struct mask_parse *mp, const char *item, const char *fmt, ...)
{
	va_list	 ap;

	if (mp->file != NULL)
		buf_printf(mp->why, "%s:%u: ", mp->file, mp->line);
	buf_puts(mp->why, "item \"");
	buf_append_safe(mp->why, item, strlen(item) > 100 ? 100 :
	    strlen(item));
	buf_puts(mp->why, "\": ");
	va_start(ap, fmt);
	buf_vprintf(mp->why, fmt, ap);
	va_end(ap);
}

/* mask_item_add - room for one more item */

static struct mask_item *
mask_item_add(struct mask_list *ml, enum mask_kind kind)
{
	struct mask_item *it;

	ml->items = xreallocarray(ml->items, ml->nitems + 1,
	    sizeof(*ml->items));
	it = &ml->items[ml->nitems++];
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	return (it);
}

/* mask_str_add - append a string to a growing array */

static void
mask_str_add(char ***v, size_t *n, char *s)
{
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = s;
}

static int	mask_parse_text(struct mask_parse *, const char *, int);

/* mask_parse_file - the items of a file:PATH item */

static int
mask_parse_file(struct mask_parse *mp, const char *item, const char *path)
{
	struct listfile		 lf;
	enum listfile_fail	 fail;
	int			 rc = 0, got;

	if (mp->file != NULL) {
		mask_fail(mp, item, "file: items do not nest");
		return (-1);
	}
	switch (listfile_open(&lf, path, (off_t)mp->max_file_size)) {
	case LISTFILE_OK:
		break;
	case LISTFILE_RELATIVE:
		mask_fail(mp, item, "the path must be absolute");
		return (-1);
	case LISTFILE_OPEN:
		mask_fail(mp, item, "cannot open: %s", strerror(errno));
		return (-1);
	case LISTFILE_TOO_LARGE:
		mask_fail(mp, item, "larger than max_file_size (%zu bytes)",
		    mp->max_file_size);
		return (-1);
	default:
		mask_fail(mp, item, "not a regular file");
		return (-1);
	}
	mp->file = path;
	mp->line = 0;
	while (rc == 0 && (got = listfile_next(&lf, &fail)) != 0) {
		mp->line = lf.no;
		if (got > 0) {
			rc = mask_parse_text(mp, lf.line, 1);
		} else if (fail == LISTFILE_NUL) {
			mask_fail(mp, "", "NUL byte in the line");
			rc = -1;
		} else {
			mask_fail(mp, item, "read error: %s", strerror(errno));
			rc = -1;
		}
	}
	listfile_close(&lf);
	mp->file = NULL;
	return (rc);
}

/* mask_has_wild - does an item use wildcards? */

static int
mask_has_wild(const char *s)
{
	return (strpbrk(s, "*?") != NULL);
}

/* mask_parse_plain - an address, @domain, local part, <> or a wildcard */

static int
mask_parse_plain(struct mask_parse *mp, char *item)
{
	struct mask_list *ml = mp->ml;
	struct mask_item *it;
	struct buf	*q;
	const char	*p;

	for (p = item; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			mask_fail(mp, item, "control character");
			return (-1);
		}
	}
	if (strcmp(item, "<>") == 0) {
		ml->null_sender = 1;
		return (0);
	}
	mask_lower(item);
	if (mask_has_wild(item)) {
		it = mask_item_add(ml, MASK_GLOB);
		it->text = xstrdup(item);
		return (0);
	}
	if (item[0] == '@') {
		if (item[1] == '\0' || strchr(item + 1, '@') != NULL) {
			mask_fail(mp, item, "not a domain");
			return (-1);
		}
		mask_str_add(&ml->domains, &ml->ndomains, xstrdup(item + 1));
		return (0);
	}
	if (strchr(item, '@') != NULL) {
		p = strrchr(item, '@');
		if (p[1] == '\0') {
			mask_fail(mp, item, "no domain after '@'");
			return (-1);
		}
		mask_str_add(&ml->exact, &ml->nexact, xstrdup(item));
		return (0);
	}
	if (mp->default_domain == NULL || *mp->default_domain == '\0') {
		mask_fail(mp, item, "a bare local part needs [policy] "
		    "default_domain");
		return (-1);
	}
	q = buf_new(strlen(item) + strlen(mp->default_domain) + 2);
	buf_printf(q, "%s@%s", item, mp->default_domain);
	mask_str_add(&ml->exact, &ml->nexact, mask_lower(buf_finish(q)));
	return (0);
}

/* mask_re_cost - how big glibc's compiled form of a regex may grow: every
 * bounded repetition copies what it repeats, and nesting multiplies; -1
 * for a back-reference (matching could take exponential time) */

static long
mask_re_cost(const char *re)
{
	long	 seq[MASK_RE_DEPTH + 1], atom = 0, n;
	int	 depth = 0, quant = 0;
	char	*end;

	seq[0] = 0;
	for (; *re != '\0'; re++) {
		/* A repetition of a repetition ("a++", "a{2}*") makes glibc
		 * copy the tree again for each: refuse it. */
		if (strchr("*+?{", *re) != NULL && quant)
			return (MASK_RE_COST + 1);
		quant = strchr("*+?{", *re) != NULL;
		switch (*re) {
		case '*':
		case '?':
			continue;
		case '+':
			/* x+ is compiled as x x*. */
			seq[depth] += atom;
			atom *= 2;
			if (seq[depth] > MASK_RE_COST)
				return (MASK_RE_COST + 1);
			continue;
		case '\\':
			if (re[1] >= '1' && re[1] <= '9')
				return (-1);
			if (re[1] != '\0')
				re++;
			atom = 1;
			break;
		case '(':
			if (depth == MASK_RE_DEPTH)
				return (MASK_RE_COST + 1);
			seq[++depth] = 0;
			atom = 0;
			continue;
		case ')':
			if (depth == 0) {
				atom = 1;
				break;
			}
			atom = seq[depth--];
			break;
		case '[':
			/* A class is one atom: skip to its closing ']'. */
			if (re[1] == '^')
				re++;
			if (re[1] == ']')
				re++;
			while (re[1] != '\0' && re[1] != ']')
				re++;
			if (re[1] == ']')
				re++;
			atom = 1;
			break;
		case '{':
			n = strtol(re + 1, &end, 10);
			if (*end == ',')
				n = isdigit((unsigned char)end[1]) ?
				    strtol(end + 1, &end, 10) : n + 1;
			if (n < 1)
				n = 1;
			if (n > MASK_RE_COST)
				return (MASK_RE_COST + 1);
			/* The atom already counted once; now n times. */
			seq[depth] += atom * (n - 1);
			atom *= n;
			re = *end == '}' ? end : re;
			if (seq[depth] > MASK_RE_COST)
				return (MASK_RE_COST + 1);
			continue;
		default:
			atom = 1;
			break;
		}
		seq[depth] += atom;
		if (seq[depth] > MASK_RE_COST)
			return (MASK_RE_COST + 1);
	}
	return (seq[0]);
}

/* mask_parse_item - one item of any kind */

static int
mask_parse_item(struct mask_parse *mp, char *item)
{
	struct mask_item *it;
	struct cidr	 c;
	char		 err[200];
	long		 cost;
	int		 rc;

	mp->ml->count++;
	if (strncasecmp(item, "re:", 3) == 0) {
		if (item[3] == '\0') {
			mask_fail(mp, item, "empty regular expression");
			return (-1);
		}
		cost = strlen(item) > MASK_RE_LEN ? MASK_RE_COST + 1 :
		    mask_re_cost(item + 3);
		if (cost < 0) {
			mask_fail(mp, item, "back-references are not "
			    "supported (matching them can take very long)");
			return (-1);
		}
		if (cost > MASK_RE_COST) {
			mask_fail(mp, item, "regular expression too large "
			    "(at most %d bytes and %d elements once "
			    "repetitions are expanded; no repetition of a "
			    "repetition)",
			    MASK_RE_LEN, MASK_RE_COST);
			return (-1);
		}
		it = mask_item_add(mp->ml, MASK_RE);
		rc = regcomp(&it->re, item + 3, REG_EXTENDED | REG_ICASE |
		    REG_NOSUB);
		if (rc != 0) {
			(void)regerror(rc, &it->re, err, sizeof(err));
			mp->ml->nitems--;	/* nothing to regfree */
			mask_fail(mp, item, "bad regular expression: %s", err);
			return (-1);
		}
		return (0);
	}
	if (strncasecmp(item, "ip:", 3) == 0) {
		if (!(mp->flags & MASK_ALLOW_IP)) {
			mask_fail(mp, item, "ip: masks match the client "
			    "address: use them in senders or lists");
			return (-1);
		}
		if (cidr_parse(item + 3, &c) < 0) {
			mask_fail(mp, item, "not an IP address or CIDR "
			    "(192.0.2.0/24, 2001:db8::/32)");
			return (-1);
		}
		it = mask_item_add(mp->ml, MASK_IP);
		it->cidr = c;
		mp->ml->has_ip = 1;
		return (0);
	}
	if (strncasecmp(item, "file:", 5) == 0) {
		mp->ml->count--;	/* counted by its items */
		if (!(mp->flags & MASK_ALLOW_FILE)) {
			mask_fail(mp, item, "file: is not allowed here");
			return (-1);
		}
		return (mask_parse_file(mp, item, item + 5));
	}
	return (mask_parse_plain(mp, item));
}

/* mask_parse_text - split a list (or one line of a file) into items */

static int
mask_parse_text(struct mask_parse *mp, const char *s, int fileline)
{
	char	*item;
	size_t	 len;
	int	 rc;

	if (fileline) {
		s += strspn(s, MASK_WS);
		if (*s == '#' || *s == '\0')
			return (0);
		if (strncasecmp(s, "re:", 3) == 0) {
			/* A regular expression is the whole line. */
			len = strcspn(s, "\r\n");
			while (len > 0 && (s[len - 1] == ' ' ||
			    s[len - 1] == '\t'))
				len--;
			item = xstrndup(s, len);
			rc = mask_parse_item(mp, item);
			free(item);
			return (rc);
		}
	}
	for (;;) {
		s += strspn(s, MASK_SEP);
		if (*s == '\0')
			return (0);
		if (strncasecmp(s, "re:", 3) == 0)
			len = strcspn(s, MASK_WS);
		else
			len = strcspn(s, MASK_SEP);
		item = xstrndup(s, len);
		rc = mask_parse_item(mp, item);
		free(item);
		if (rc < 0)
			return (-1);
		s += len;
	}
}

/* mask_cmp - qsort/bsearch comparison of strings */

static int
mask_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* mask_list_parse - a list from its configuration text */

struct mask_list *
mask_list_parse(const char *text, const char *default_domain, int flags,
    size_t max_file_size, struct buf *why)
{
	struct mask_parse mp;

	memset(&mp, 0, sizeof(mp));
	mp.ml = xcalloc(1, sizeof(*mp.ml));
	mp.default_domain = default_domain;
	mp.flags = flags;
	mp.max_file_size = max_file_size;
	mp.why = why;
	if (text != NULL && mask_parse_text(&mp, text, 0) < 0) {
		mask_list_free(mp.ml);
		return (NULL);
	}
	if (mp.ml->nexact > 1)
		qsort(mp.ml->exact, mp.ml->nexact, sizeof(char *), mask_cmp);
	if (mp.ml->ndomains > 1)
		qsort(mp.ml->domains, mp.ml->ndomains, sizeof(char *),
		    mask_cmp);
	return (mp.ml);
}

/* mask_client_parse - the client address as bytes; 0 if unusable */

static int
mask_client_parse(const char *ip, unsigned char *a, int *mapped4,
    unsigned char *a4)
{
	static const unsigned char v4mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};

	*mapped4 = 0;
	if (ip == NULL)
		return (0);
	if (strncasecmp(ip, "IPv6:", 5) == 0)
		ip += 5;
	if (inet_pton(AF_INET, ip, a) == 1)
		return (AF_INET);
	if (inet_pton(AF_INET6, ip, a) == 1) {
		if (memcmp(a, v4mapped, sizeof(v4mapped)) == 0) {
			*mapped4 = 1;
			memcpy(a4, a + 12, 4);
		}
		return (AF_INET6);
	}
	return (0);
}

/* mask_list_match - does an address or client match the list? */

int
mask_list_match(const struct mask_list *ml, const char *addr,
    const char *client_ip)
{
	unsigned char	 ca[16], c4[4];
	const char	*dom, *key;
	char		 small[ADDR_MAX + 1], *lower;
	size_t		 i, len;
	int		 fam = 0, mapped = 0, hit = 0;

	if (ml == NULL || ml->count == 0)
		return (0);
	if (addr == NULL)
		addr = "";
	if (*addr == '\0' && ml->null_sender)
		return (1);
	len = strlen(addr);
	lower = len < sizeof(small) ? memcpy(small, addr, len + 1) :
	    xstrdup(addr);
	mask_lower(lower);
	key = lower;
	if (ml->nexact > 0 && bsearch(&key, ml->exact, ml->nexact,
	    sizeof(char *), mask_cmp) != NULL)
		hit = 1;
	if (!hit && ml->ndomains > 0 && (dom = strrchr(lower, '@')) != NULL) {
		key = dom + 1;
		hit = bsearch(&key, ml->domains, ml->ndomains, sizeof(char *),
		    mask_cmp) != NULL;
	}
	if (ml->has_ip)
		fam = mask_client_parse(client_ip, ca, &mapped, c4);
	for (i = 0; !hit && i < ml->nitems; i++) {
		const struct mask_item *it = &ml->items[i];

		switch (it->kind) {
		case MASK_GLOB:
			hit = mask_glob(it->text, lower);
			break;
		case MASK_RE:
			hit = regexec(&it->re, lower, 0, NULL, 0) == 0;
			break;
		case MASK_IP:
			hit = fam != 0 && (cidr_match(&it->cidr, fam,
			    ca) || (mapped && cidr_match(&it->cidr,
			    AF_INET, c4)));
			break;
		}
	}
	if (lower != small)
		free(lower);
	return (hit);
}

/* mask_list_count - how many items */

size_t
mask_list_count(const struct mask_list *ml)
{
	return (ml != NULL ? ml->count : 0);
}

/* mask_list_free - release a list */

void
mask_list_free(struct mask_list *ml)
{
	size_t	 i;

	if (ml == NULL)
		return;
	for (i = 0; i < ml->nexact; i++)
		free(ml->exact[i]);
	free(ml->exact);
	for (i = 0; i < ml->ndomains; i++)
		free(ml->domains[i]);
	free(ml->domains);
	for (i = 0; i < ml->nitems; i++) {
		if (ml->items[i].kind == MASK_RE)
			regfree(&ml->items[i].re);
		free(ml->items[i].text);
	}
	free(ml->items);
	free(ml);
}
