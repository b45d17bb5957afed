/*
 * fleet_quar.c - a quarantine entry's summary in the fleet's index, both
 * ways
 *
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* lib */
#include "buf.h"
#include "xalloc.h"

/* spool */
#include "quar.h"

/* fleet */
#include "fleet_key.h"
#include "fleet_quar.h"

#define FLEET_QNUM_MAX	((int64_t)1 << 50)

/* fleet_key_quar - the quarantine hash of a node */

void
fleet_key_quar(const char *node, char *out, size_t n)
{
	(void)snprintf(out, n, "winnow:fleet:quar:%s", node);
}

/* fleet_qent_from_info - the summary "list" shows */

void
fleet_qent_from_info(const struct quar_info *qi, struct fleet_qent *e)
{
	struct buf	*to = buf_new(64), *st = buf_new(64);
	size_t		 i;

	memset(e, 0, sizeof(*e));
	(void)snprintf(e->id, sizeof(e->id), "%s", qi->id);
	e->time = (int64_t)qi->time;
	e->size = qi->size;
	e->releases = (unsigned int)qi->nreleases;
	for (i = 0; i < qi->nrcpts; i++) {
		buf_printf(to, "%s%s", i ? ", " : "", qi->rcpts[i].addr);
		buf_printf(st, "%s%s", i ? " " : "", qi->rcpts[i].spam ?
		    qi->rcpts[i].spam : "-");
		if (qi->rcpts[i].av != NULL && qi->rcpts[i].av[0] != '\0')
			buf_printf(st, "/%s", qi->rcpts[i].av);
	}
	e->from = xstrdup(qi->sender ? qi->sender : "");
	e->to = xstrdup(buf_str(to));
	e->status = xstrdup(buf_str(st));
	e->subject = xstrdup(qi->subject ? qi->subject : "");
	e->upstream = xstrdup(qi->upstream_id ? qi->upstream_id : "");
	buf_free(to);
	buf_free(st);
}

/* fleet_qtext - a TEXT word: name=, then the value percent-encoded */

static void
fleet_qtext(struct buf *out, const char *name, const char *s)
{
	const unsigned char *p;

	buf_printf(out, " %s=", name);
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p <= ' ' || *p == '%' || *p == 0x7f)
			buf_printf(out, "%%%02X", *p);
		else
			buf_append(out, (const char *)p, 1);
}

/* fleet_qent_format - an entry's value */

void
fleet_qent_format(const struct fleet_qent *e, struct buf *out)
{
	buf_printf(out, "v1 time=%" PRId64 " size=%" PRIu64 " releases=%u",
	    e->time, e->size, e->releases);
	fleet_qtext(out, "from", e->from ? e->from : "");
	fleet_qtext(out, "to", e->to ? e->to : "");
	fleet_qtext(out, "status", e->status ? e->status : "");
	fleet_qtext(out, "subject", e->subject ? e->subject : "");
	fleet_qtext(out, "upstream", e->upstream ? e->upstream : "");
}

/* fleet_qhex - a hex digit's value, or -1 */

static int
fleet_qhex(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* fleet_qdecode - a TEXT value of n bytes: NULL if damaged (a bad or
 * needless escape, a NUL, a byte that should have been escaped) */

static char *
fleet_qdecode(const char *s, size_t n)
{
	char	*d = xmalloc(n + 1);
	size_t	 i, k = 0;
	int	 hi, lo, c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '%') {
			if (i + 2 >= n)
				goto bad;
			if ((hi = fleet_qhex(s[i + 1])) < 0 ||
			    (lo = fleet_qhex(s[i + 2])) < 0)
				goto bad;
			c = hi * 16 + lo;
			/* Only what the encoder escapes, so a value has
			 * one spelling. */
			if (c == 0 || (c > ' ' && c != '%' && c != 0x7f))
				goto bad;
			i += 2;
		} else if (c <= ' ' || c == 0x7f)
			goto bad;
		d[k++] = (char)c;
	}
	d[k] = '\0';
	return (d);
bad:
	free(d);
	return (NULL);
}

/* fleet_qword - one "name=value" word; 0, or -1 */

static int
fleet_qword(const char *w, size_t n, struct fleet_qent *e, int *seen)
{
	static const char *const texts[] = {
		"from", "to", "status", "subject", "upstream"
	};
	const char	*eq = memchr(w, '=', n);
	char		**slot[5];
	size_t		 kl, vl, k;
	int64_t		 v;

	if (eq == NULL)
		return (n == 2 && memcmp(w, "v1", 2) == 0 ? 0 : -1);
	kl = (size_t)(eq - w);
	vl = n - kl - 1;
	slot[0] = &e->from;
	slot[1] = &e->to;
	slot[2] = &e->status;
	slot[3] = &e->subject;
	slot[4] = &e->upstream;
	for (k = 0; k < 5; k++) {
		if (kl != strlen(texts[k]) || memcmp(w, texts[k], kl) != 0)
			continue;
		if (*slot[k] != NULL)
			return (-1);		/* given twice */
		return ((*slot[k] = fleet_qdecode(eq + 1, vl)) == NULL ? -1 :
		    0);
	}
	if (kl == 4 && memcmp(w, "time", 4) == 0) {
		if (fleet_key_num(eq + 1, vl, FLEET_QNUM_MAX, &v) < 0)
			return (-1);
		e->time = v;
		*seen |= 1;
	} else if (kl == 4 && memcmp(w, "size", 4) == 0) {
		if (fleet_key_num(eq + 1, vl, FLEET_QNUM_MAX, &v) < 0)
			return (-1);
		e->size = (uint64_t)v;
		*seen |= 2;
	} else if (kl == 8 && memcmp(w, "releases", 8) == 0) {
		if (fleet_key_num(eq + 1, vl, 1000000, &v) < 0)
			return (-1);
		e->releases = (unsigned int)v;
		*seen |= 4;
	}
	return (0);			/* a newer node's word */
}

/* fleet_qent_parse - a field and its value */

int
fleet_qent_parse(const char *id, size_t idlen, const char *s, size_t len,
    struct fleet_qent *e, struct buf *why)
{
	size_t		 i, j, k;
	int		 seen = 0;
	char		**fill[5];

	memset(e, 0, sizeof(*e));
	for (k = 0; k < idlen; k++)
		if (!((id[k] >= '0' && id[k] <= '9') || (id[k] >= 'a' &&
		    id[k] <= 'z') || (id[k] >= 'A' && id[k] <= 'Z') ||
		    id[k] == '-'))
			break;
	if (idlen == 0 || idlen >= sizeof(e->id) || k < idlen) {
		buf_printf(why, "bad quarantine id \"");
		buf_append_safe(why, id, idlen > 40 ? 40 : idlen);
		buf_printf(why, "\"");
		return (-1);
	}
	memcpy(e->id, id, idlen);
	if (len > FLEET_QVALUE_MAX || len < 2 || memcmp(s, "v1", 2) != 0 ||
	    (len > 2 && s[2] != ' ')) {
		buf_printf(why, "entry %s: not a v1 index value", e->id);
		return (-1);
	}
	for (i = 0; i < len; i = j) {
		if (s[i] == ' ') {
			j = i + 1;
			continue;
		}
		for (j = i; j < len && s[j] != ' '; j++)
			;
		if (fleet_qword(s + i, j - i, e, &seen) < 0) {
			buf_printf(why, "entry %s: bad word \"", e->id);
			buf_append_safe(why, s + i, j - i > 40 ? 40 : j - i);
			buf_printf(why, "\"");
			return (-1);
		}
	}
	if (seen != 7) {
		buf_printf(why, "entry %s: no time=, size= or releases=",
		    e->id);
		return (-1);
	}
	fill[0] = &e->from;
	fill[1] = &e->to;
	fill[2] = &e->status;
	fill[3] = &e->subject;
	fill[4] = &e->upstream;
	for (k = 0; k < 5; k++)
		if (*fill[k] == NULL)
			*fill[k] = xstrdup("");
	return (0);
}

/* fleet_qent_free - its strings */

void
fleet_qent_free(struct fleet_qent *e)
{
	free(e->from);
	free(e->to);
	free(e->status);
	free(e->subject);
	free(e->upstream);
	e->from = e->to = e->status = e->subject = e->upstream = NULL;
}
