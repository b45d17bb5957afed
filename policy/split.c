/*
 * split.c - recipients grouped into downstream transactions
 *
 * Linear searches: a message has at most max_recipients recipients and
 * usually a handful of distinct results.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* lib */
#include "xalloc.h"

/* policy */
#include "edit.h"
#include "split.h"

/* split_new - an empty split */

struct split *
split_new(void)
{
	return (xcalloc(1, sizeof(struct split)));
}

/* split_txn_for - the transaction of an edit and kind (made if new) */

static size_t
split_txn_for(struct split *sp, struct edit *e, int kind)
{
	const char	*key = edit_key(e);
	struct split_txn *t;
	char		*k;
	size_t		 i;

	/* edit_key's buffer is reused by the next call: keep a copy. */
	k = xstrdup(key);
	for (i = 0; i < sp->n; i++) {
		if (sp->txns[i].kind == kind &&
		    strcmp(edit_key(sp->txns[i].edit), k) == 0) {
			free(k);
			return (i);
		}
	}
	free(k);
	sp->txns = xreallocarray(sp->txns, sp->n + 1, sizeof(*sp->txns));
	t = &sp->txns[sp->n];
	memset(t, 0, sizeof(*t));
	t->edit = e;
	t->kind = kind;
	return (sp->n++);
}

/* split_add - one address into its transaction */

size_t
split_add(struct split *sp, struct edit *e, int kind, const char *addr,
    size_t owner, int own)
{
	struct split_txn *t;
	struct split_rcpt *r = NULL;
	size_t		 ti, i;

	ti = split_txn_for(sp, e, kind);
	t = &sp->txns[ti];
	for (i = 0; i < t->n; i++)
		if (strcasecmp(t->rcpts[i].addr, addr) == 0) {
			r = &t->rcpts[i];
			break;
		}
	if (r == NULL) {
		t->rcpts = xreallocarray(t->rcpts, t->n + 1,
		    sizeof(*t->rcpts));
		r = &t->rcpts[t->n++];
		memset(r, 0, sizeof(*r));
		r->addr = xstrdup(addr);
		r->own = -1;
	}
	if (own && r->own < 0)
		r->own = (ssize_t)owner;
	for (i = 0; i < r->nowners; i++)
		if (r->owners[i] == owner)
			return (ti);
	r->owners = xreallocarray(r->owners, r->nowners + 1,
	    sizeof(*r->owners));
	r->owners[r->nowners++] = owner;
	return (ti);
}

/* split_free - release a split (the edits stay) */

void
split_free(struct split *sp)
{
	size_t	 i, j;

	if (sp == NULL)
		return;
	for (i = 0; i < sp->n; i++) {
		for (j = 0; j < sp->txns[i].n; j++) {
			free(sp->txns[i].rcpts[j].addr);
			free(sp->txns[i].rcpts[j].owners);
		}
		free(sp->txns[i].rcpts);
	}
	free(sp->txns);
	free(sp);
}
