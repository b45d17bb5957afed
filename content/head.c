/*
 * head.c - the message's own header fields as the rules and the tokenizer
 * read them: subject, addresses, message id, decoded values
 *
 * Values come from the message index (mail/), decoded as GMime decoded
 * them before: the subject is the last Subject field's, the address lists
 * are every From (To, Cc, Reply-To) field's entries in order, the message
 * id the last Message-ID field's, and mime_header() gives the first field
 * of a name, unfolded and decoded.  Only the message's own fields count,
 * not its Content-* fields (those describe its body part).  A Subject in
 * raw 8-bit bytes is read in the charset the message declares for its
 * text, not guessed.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* lib */
#include "buf.h"
#include "xalloc.h"

/* mail */
#include "mail.h"

#include "content_private.h"

/* Decoded values mime_header() has handed out. */
struct head_cache {
	struct {
		char	*name;
		char	*value;		/* NULL: no such field */
	}		*v;
	size_t		 n;
};

/* head_clean - header text as valid UTF-8 on one line (broken encoded
 * words can decode to anything) */

static char *
head_clean(const char *s)
{
	struct buf	*u = buf_new(strlen(s) + 8);
	size_t		 i;

	(void)charset_to_utf8("utf-8", s, strlen(s), u);
	for (i = 0; i < u->len; i++)
		if (u->data[i] == '\n')
			u->data[i] = ' ';
	return (buf_finish(u));
}

/* head_subject - the decoded last Subject of a message, or NULL */

struct buf *
head_subject(const struct mail *m, unsigned int part)
{
	const struct mail_field *f;
	struct buf	*b;

	if ((f = mailhdr_last(m, part, "Subject")) == NULL)
		return (NULL);
	b = buf_new(f->end - f->value + 16);
	mailhdr_text(m, f, b);
	return (b);
}

/* head_raw_subject - a Subject in raw 8-bit bytes, decoded with the
 * charset the message declares for its first text (or NULL) */

static char *
head_raw_subject(const struct mail *m)
{
	const struct mail_field *f;
	const char	*raw, *p, *cs;
	struct buf	*b, *u, *out;
	unsigned int	 i = 0;

	if ((f = mailhdr_first(m, 0, "Subject")) == NULL)
		return (NULL);
	b = buf_new(f->end - f->value + 1);
	mailhdr_raw(m, f, b);
	raw = buf_str(b);
	for (p = raw; *p != '\0' && (unsigned char)*p < 0x80; p++)
		;
	if (strstr(raw, "=?") != NULL || *p == '\0') {
		buf_free(b);		/* encoded words or ASCII: decoded */
		return (NULL);
	}
	while ((m->part[i].flags & MAIL_PART_MULTIPART) &&
	    i + 1 < m->nparts && m->part[i + 1].parent == i)
		i++;			/* the first part of a multipart */
	cs = m->part[i].charset;
	if (cs == NULL || strcasecmp(cs, "utf-8") == 0 ||
	    strcasecmp(cs, "us-ascii") == 0) {
		buf_free(b);
		return (NULL);
	}
	u = buf_new(b->len * 2 + 8);
	(void)charset_to_utf8(cs, raw, b->len, u);
	out = buf_new(u->len + 1);
	mailhdr_unfold_str(buf_str(u), out);
	buf_free(u);
	buf_free(b);
	return (buf_finish(out));
}

/* head_read - subject, addresses and message id of the top message */

void
head_read(struct content_msg *cm)
{
	const struct mail *m = cm->mail;
	const struct mail_field *f;
	struct buf	*s;
	char		*raw;

	cm->head = xcalloc(1, sizeof(*cm->head));
	if ((raw = head_raw_subject(m)) != NULL) {
		cm->subject = head_clean(raw);
		free(raw);
	} else if ((s = head_subject(m, 0)) != NULL) {
		cm->subject = head_clean(buf_str(s));
		buf_free(s);
	} else
		cm->subject = xstrdup("");
	mailaddr_fields(&cm->from, m, 0, "From");
	mailaddr_fields(&cm->to, m, 0, "To");
	mailaddr_fields(&cm->cc, m, 0, "Cc");
	mailaddr_fields(&cm->reply_to, m, 0, "Reply-To");
	if ((f = mailhdr_last(m, 0, "Message-ID")) != NULL) {
		s = buf_new(f->end - f->value + 1);
		mailhdr_text(m, f, s);
		cm->msgid = mailaddr_msgid(buf_str(s));
		buf_free(s);
	}
}

/* mime_header - the first value of one of the message's own fields */

const char *
mime_header(const struct content_msg *cm, const char *name)
{
	struct head_cache *hc;
	const struct mail_field *f;
	struct buf	*b;
	size_t		 i;

	if (cm->mail == NULL || !cm->mail->message || cm->mail->nparts == 0 ||
	    strncasecmp(name, "Content-", 8) == 0)
		return (NULL);
	if ((hc = cm->head) == NULL)
		return (NULL);
	for (i = 0; i < hc->n; i++)
		if (strcasecmp(hc->v[i].name, name) == 0)
			return (hc->v[i].value);
	hc->v = xreallocarray(hc->v, hc->n + 1, sizeof(*hc->v));
	hc->v[hc->n].name = xstrdup(name);
	hc->v[hc->n].value = NULL;
	if ((f = mailhdr_first(cm->mail, 0, name)) != NULL) {
		b = buf_new(f->end - f->value + 1);
		mailhdr_text(cm->mail, f, b);
		hc->v[hc->n].value = buf_finish(b);
	}
	return (hc->v[hc->n++].value);
}

/* head_free - free the addresses, the id and the kept values */

void
head_free(struct content_msg *cm)
{
	size_t	 i;

	mailaddr_clear(&cm->from);
	mailaddr_clear(&cm->to);
	mailaddr_clear(&cm->cc);
	mailaddr_clear(&cm->reply_to);
	free(cm->msgid);
	if (cm->head != NULL) {
		for (i = 0; i < cm->head->n; i++) {
			free(cm->head->v[i].name);
			free(cm->head->v[i].value);
		}
		free(cm->head->v);
		free(cm->head);
	}
}
