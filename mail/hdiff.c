/*
 * hdiff.c - header changes from one header section to another
 *
 * Fields are split at line starts that are not continuations (SP or HT);
 * the walk is greedy over both lists, which is exact for what edits do
 * (add at the top, drop, rewrite in place) and correct, if longer, for
 * anything else.  See hdiff.h for the order of the operations.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* lib */
#include "xalloc.h"

/* mail */
#include "hdiff.h"

struct hdiff_field {
	const char	*p;
	size_t		 len;		/* with its CRLF */
	size_t		 namelen;	/* up to ':' (len: none) */
};

/* hdiff_split - the fields of a header section */

static size_t
hdiff_split(const char *s, size_t len, struct hdiff_field **out)
{
	struct hdiff_field *f = NULL;
	const char	*end = s + len, *nl, *colon;
	size_t		 n = 0, cap = 0;

	while (s < end && !(*s == '\n' || (*s == '\r' && s + 1 < end &&
	    s[1] == '\n'))) {
		const char *start = s;

		do {
			nl = memchr(s, '\n', (size_t)(end - s));
			s = nl == NULL ? end : nl + 1;
		} while (s < end && (*s == ' ' || *s == '\t'));
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			f = xreallocarray(f, cap, sizeof(*f));
		}
		f[n].p = start;
		f[n].len = (size_t)(s - start);
		colon = memchr(start, ':', f[n].len);
		f[n].namelen = colon ? (size_t)(colon - start) : f[n].len;
		n++;
	}
	*out = f;
	return (n);
}

/* hdiff_eq - the same bytes */

static int
hdiff_eq(const struct hdiff_field *a, const struct hdiff_field *b)
{
	return (a->len == b->len && memcmp(a->p, b->p, a->len) == 0);
}

/* hdiff_same_name - the same field name (case-insensitive) */

static int
hdiff_same_name(const struct hdiff_field *a, const struct hdiff_field *b)
{
	return (a->namelen == b->namelen &&
	    strncasecmp(a->p, b->p, a->namelen) == 0);
}

/* hdiff_in - whether f occurs in v[from..n) */

static int
hdiff_in(const struct hdiff_field *f, const struct hdiff_field *v,
    size_t from, size_t n)
{
	for (; from < n; from++)
		if (hdiff_eq(f, &v[from]))
			return (1);
	return (0);
}

/* hdiff_value - a field's value: after the colon, without the final line
 * end */

static char *
hdiff_value(const struct hdiff_field *f)
{
	size_t	 a = f->namelen < f->len ? f->namelen + 1 : f->len;
	size_t	 b = f->len;

	if (b > a && f->p[b - 1] == '\n')
		b--;
	if (b > a && f->p[b - 1] == '\r')
		b--;
	return (xstrndup(f->p + a, b - a));
}

/* hdiff_occurrence - which of its name a field is (1-based) */

static size_t
hdiff_occurrence(const struct hdiff_field *v, size_t i)
{
	size_t	 k, n = 1;

	for (k = 0; k < i; k++)
		n += hdiff_same_name(&v[k], &v[i]);
	return (n);
}

/* hdiff_add - one operation */

static void
hdiff_add(struct hdiff **ops, size_t *n, enum hdiff_op op, size_t index,
    const struct hdiff_field *name, char *value)
{
	*ops = xreallocarray(*ops, *n + 1, sizeof(**ops));
	(*ops)[*n].op = op;
	(*ops)[*n].index = index;
	(*ops)[*n].name = xstrndup(name->p, name->namelen);
	(*ops)[*n].value = value;
	(*n)++;
}

/* hdiff_make - the operations from old to new */

size_t
hdiff_make(const char *old, size_t oldlen, const char *new, size_t newlen,
    struct hdiff **ops_r)
{
	struct hdiff_field *o, *w;
	struct hdiff	*chg = NULL, *ins = NULL, *all;
	size_t		 no, nw, i = 0, j = 0, nchg = 0, nins = 0, k;

	no = hdiff_split(old, oldlen, &o);
	nw = hdiff_split(new, newlen, &w);
	while (i < no || j < nw) {
		if (i < no && j < nw && hdiff_eq(&o[i], &w[j])) {
			i++;
			j++;
		} else if (i < no && !hdiff_in(&o[i], w, j, nw)) {
			if (j < nw && hdiff_same_name(&o[i], &w[j]) &&
			    !hdiff_in(&w[j], o, i, no)) {
				hdiff_add(&chg, &nchg, HDIFF_CHANGE,
				    hdiff_occurrence(o, i), &o[i],
				    hdiff_value(&w[j]));
				j++;
			} else {
				hdiff_add(&chg, &nchg, HDIFF_DELETE,
				    hdiff_occurrence(o, i), &o[i],
				    xstrdup(""));
			}
			i++;
		} else if (j < nw) {
			hdiff_add(&ins, &nins, HDIFF_INSERT, j, &w[j],
			    hdiff_value(&w[j]));
			j++;
		} else {
			i++;		/* cannot be: o[i] in w[j..] */
		}
	}
	/* Changes from the bottom up, then insertions from the top down. */
	all = xcalloc(nchg + nins + 1, sizeof(*all));
	for (k = 0; k < nchg; k++)
		all[k] = chg[nchg - 1 - k];
	for (k = 0; k < nins; k++)
		all[nchg + k] = ins[k];
	free(chg);
	free(ins);
	free(o);
	free(w);
	*ops_r = all;
	return (nchg + nins);
}

/* hdiff_free - release operations */

void
hdiff_free(struct hdiff *ops, size_t n)
{
	size_t	 i;

	if (ops == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(ops[i].name);
		free(ops[i].value);
	}
	free(ops);
}
