/*
 * mail.c - building and freeing the index of one message, its arena, and
 * the MIME limits
 *
 * The index's strings (types, charsets, file names, boundaries) come from
 * a per-message arena: a few chunks that mail_free releases at once, so
 * nothing of a message outlives it and a child that serves thousands of
 * messages does not grow.  The part and field arrays grow by realloc,
 * bounded by the limits.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

/* lib */
#include "xalloc.h"

#include "mail_private.h"

#define MAIL_CHUNK	4096	/* arena chunk, larger requests get their own */

struct mail_chunk {
	struct mail_chunk *next;
	size_t		 used, size;
	char		 data[];
};

struct mail_arena {
	struct mail_chunk *head;
};

struct mail_limits mail_limits = {
	MAIL_MAX_PARTS_DEFAULT, MAIL_MAX_DEPTH_DEFAULT
};

/* mail_alloc - memory that lives as long as the index */

void *
mail_alloc(struct mail *m, size_t n)
{
	struct mail_chunk *c = m->arena->head;
	size_t		 size;
	void		*p;

	n = (n + 15) & ~(size_t)15;
	if (c == NULL || c->size - c->used < n) {
		size = n > MAIL_CHUNK / 2 ? n : MAIL_CHUNK;
		c = xmalloc(sizeof(*c) + size);
		c->used = 0;
		c->size = size;
		if (size == n && m->arena->head != NULL) {
			/* a big one: keep filling the current chunk */
			c->next = m->arena->head->next;
			m->arena->head->next = c;
		} else {
			c->next = m->arena->head;
			m->arena->head = c;
		}
	}
	p = c->data + c->used;
	c->used += n;
	return (p);
}

/* mail_strndup - a NUL-terminated copy in the arena */

char *
mail_strndup(struct mail *m, const char *s, size_t n)
{
	char	*p = mail_alloc(m, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return (p);
}

/* mail_make - an empty index of data */

static struct mail *
mail_make(const char *data, size_t len)
{
	struct mail	*m;

	m = xcalloc(1, sizeof(*m));
	m->arena = xcalloc(1, sizeof(*m->arena));
	m->data = data != NULL ? data : "";
	m->len = data != NULL ? len : 0;
	return (m);
}

/* mail_new - index a message */

struct mail *
mail_new(const char *data, size_t len, const struct mail_limits *lim)
{
	struct mail	*m = mail_make(data, len);
	const char	*nl;

	/* an mbox "From " line is not a header */
	if (m->len > 5 && memcmp(m->data, "From ", 5) == 0 &&
	    (nl = memchr(m->data, '\n', m->len)) != NULL)
		m->text_start = (size_t)(nl + 1 - m->data);
	mailmime_build(m, lim != NULL ? lim : &mail_limits, 0);
	return (m);
}

/* mail_new_entity - index a MIME entity */

struct mail *
mail_new_entity(const char *data, size_t len, const struct mail_limits *lim)
{
	struct mail	*m = mail_make(data, len);

	mailmime_build(m, lim != NULL ? lim : &mail_limits, 1);
	return (m);
}

/* mail_free - release the index and its arena */

void
mail_free(struct mail *m)
{
	struct mail_chunk *c, *next;

	if (m == NULL)
		return;
	for (c = m->arena->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(m->arena);
	free(m->part);
	free(m->field);
	free(m);
}
