/*
 * fuzz_mail.c - the message index (mail/) on one untrusted message
 *
 * Builds the index as a message and as a MIME entity with small limits
 * (so the limit paths are walked too), then reads everything a check can
 * read from it: every field unfolded and decoded, every address list,
 * every part's parameters and decoded body.  Invariants are checked: every
 * offset inside the data and in order, every parent before its child and
 * one level up, the limits kept, no NUL in decoded header text.
 * (Decoded text is UTF-8 as iconv writes it, which may hold code points
 * above U+10FFFF from a broken message; readers clean it as they must.)
 *
 * SPDX-License-Identifier: MIT
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mail.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* check - the invariants of an index */

static void
check(const struct mail *m, const struct mail_limits *lim)
{
	const struct mail_part *p;
	const struct mail_field *f;
	unsigned int	 i, leaves = 0, others = 0;

	for (i = 0; i < m->nfields; i++) {
		f = &m->field[i];
		if (f->name + f->name_len > f->value || f->value > f->end ||
		    f->end > m->len)
			__builtin_trap();
	}
	for (i = 0; i < m->nparts; i++) {
		p = &m->part[i];
		if (p->hdr_start > p->hdr_end || p->hdr_end > p->body_start ||
		    p->body_start > p->body_end || p->body_end > m->len ||
		    p->field + p->nfields > m->nfields)
			__builtin_trap();
		if (i == 0 ? p->parent != MAIL_NONE || p->depth != 0 :
		    p->parent >= i || m->part[p->parent].depth + 1 != p->depth)
			__builtin_trap();
		if (p->depth > lim->max_depth || p->type == NULL ||
		    p->subtype == NULL)
			__builtin_trap();
		if (p->flags & MAIL_PART_LEAF)
			leaves++;
		else
			others++;
	}
	if (leaves != m->nleaves || leaves > lim->max_parts ||
	    others > (lim->max_parts > MAIL_MIN_CONTAINERS ? lim->max_parts :
	    MAIL_MIN_CONTAINERS))
		__builtin_trap();
}

/* read_all - everything a check may ask of an index */

static void
read_all(const struct mail *m)
{
	struct mail_addrs l = { NULL, 0 };
	struct buf	*b = buf_new(256);
	unsigned int	 i;
	char		*id;

	for (i = 0; i < m->nfields; i++) {
		buf_reset(b);
		mailhdr_text(m, &m->field[i], b);
		if (memchr(b->data, '\0', b->len) != NULL)
			__builtin_trap();	/* text is a string */
		buf_reset(b);
		mailhdr_raw(m, &m->field[i], b);
		mailaddr_parse(&l, buf_str(b));
		mailaddr_clear(&l);
		if ((id = mailaddr_msgid(buf_str(b))) != NULL)
			free(id);
	}
	for (i = 0; i < m->nparts; i++) {
		buf_reset(b);
		(void)mailparam_get(m, i, "Content-Type", "report-type", b);
		(void)mailparam_get(m, i, "Content-Disposition", "size", b);
		buf_reset(b);
		if (m->part[i].flags & MAIL_PART_LEAF)
			(void)maildec_part(m, i, b, 256 * 1024);
	}
	buf_free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct mail_limits lim = { 32, 6 };
	struct mail	*m;

	m = mail_new((const char *)data, size, &lim);
	check(m, &lim);
	read_all(m);
	if (mailhdr_len((const char *)data, size) > size)
		__builtin_trap();
	mail_free(m);
	m = mail_new_entity((const char *)data, size, &lim);
	check(m, &lim);
	read_all(m);
	mail_free(m);
	return (0);
}
