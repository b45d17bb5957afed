/*
 * milter_answer.c - the modifications and the final reply to one message
 *
 * The deliver hook fills an answer; the session packs it after the end of
 * the message.  Modifications are kept as packets in the order given,
 * which is the order the MTA applies them in.  A modification the MTA did
 * not grant is refused here, so the caller can fall back (never send what
 * the MTA would treat as a protocol violation and answer with its default
 * action).
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "xalloc.h"

/* smtp */
#include "milter.h"
#include "milter_wire.h"

struct milter_answer {
	uint32_t	 actions;
	struct buf	*mods;		/* packets */
	size_t		 nmods;
	enum milter_final final;
	struct buf	*line;		/* reply line, "" for none */
};

/* milter_answer_new - an empty answer */

struct milter_answer *
milter_answer_new(uint32_t actions)
{
	struct milter_answer *a = xcalloc(1, sizeof(*a));

	a->actions = actions;
	a->mods = buf_new(256);
	a->line = buf_new(128);
	a->final = MILTER_ACCEPT;
	return (a);
}

/* milter_answer_free - release it; NULL is a no-op */

void
milter_answer_free(struct milter_answer *a)
{
	if (a == NULL)
		return;
	buf_free(a->mods);
	buf_free(a->line);
	free(a);
}

/* milter_answer_actions - what the MTA granted */

uint32_t
milter_answer_actions(const struct milter_answer *a)
{
	return (a->actions);
}

/* milter_answer_value - a header value as the MTAs want it: folded with
 * LF, no CR, no leading space (the MTA writes "Name: value") */

static void
milter_answer_value(struct buf *v, const char *s)
{
	while (*s == ' ')
		s++;
	for (; *s != '\0'; s++)
		if (*s != '\r')
			buf_putc(v, *s);
	while (buf_len(v) > 0 && (v->data[buf_len(v) - 1] == '\n' ||
	    v->data[buf_len(v) - 1] == ' ' || v->data[buf_len(v) - 1] == '\t'))
		buf_truncate(v, buf_len(v) - 1);
}

/* milter_answer_header - add, insert or change a header field */

int
milter_answer_header(struct milter_answer *a, int op, uint32_t index,
    const char *name, const char *value)
{
	struct buf	*v;
	uint32_t	 need = op == MILTER_HDR_CHG ? SMFIF_CHGHDRS :
			    SMFIF_ADDHDRS;

	if (!(a->actions & need))
		return (-1);
	v = buf_new(128);
	milter_answer_value(v, value);
	if (op == MILTER_HDR_ADD)
		milter_wire_pack_str(a->mods, SMFIR_ADDHEADER, name,
		    buf_str(v), (char *)NULL);
	else
		milter_wire_pack_u32_str(a->mods, op == MILTER_HDR_INS ?
		    SMFIR_INSHEADER : SMFIR_CHGHEADER, index, name, buf_str(v),
		    (char *)NULL);
	buf_free(v);
	a->nmods++;
	return (0);
}

/* milter_answer_rcpt - add or delete a recipient */

int
milter_answer_rcpt(struct milter_answer *a, int add, const char *addr)
{
	struct buf	*v;

	if (!(a->actions & (add ? SMFIF_ADDRCPT : SMFIF_DELRCPT)))
		return (-1);
	v = buf_new(64);
	buf_printf(v, "<%s>", addr);
	milter_wire_pack_str(a->mods, add ? SMFIR_ADDRCPT : SMFIR_DELRCPT,
	    buf_str(v), (char *)NULL);
	buf_free(v);
	a->nmods++;
	return (0);
}

/* milter_answer_body - the new body, in chunks */

int
milter_answer_body(struct milter_answer *a, const char *p, size_t len)
{
	size_t	 n;

	if (!(a->actions & SMFIF_CHGBODY))
		return (-1);
	if (len == 0)
		milter_wire_pack(a->mods, SMFIR_REPLBODY, NULL, 0);
	for (; len > 0; p += n, len -= n) {
		n = len > MILTER_CHUNK ? MILTER_CHUNK : len;
		milter_wire_pack(a->mods, SMFIR_REPLBODY, p, n);
	}
	a->nmods++;
	return (0);
}

/* milter_answer_quarantine - hold the message in the MTA's quarantine */

int
milter_answer_quarantine(struct milter_answer *a, const char *reason)
{
	if (!(a->actions & SMFIF_QUARANTINE))
		return (-1);
	milter_wire_pack_str(a->mods, SMFIR_QUARANTINE, reason, (char *)NULL);
	a->nmods++;
	return (0);
}

/* milter_answer_final - the one final reply */

void
milter_answer_final(struct milter_answer *a, enum milter_final f,
    const char *line)
{
	buf_reset(a->line);
	a->final = f;
	if (line == NULL)
		return;
	if ((f == MILTER_REJECT && line[0] != '5') ||
	    (f == MILTER_TEMPFAIL && line[0] != '4') ||
	    f == MILTER_ACCEPT || f == MILTER_DISCARD)
		log_panic("milter_answer_final: reply \"%s\" for final %d",
		    line, (int)f);
	/* One line (CR or LF would break the MTA's reply), at most 510
	 * bytes, no '%' (Sendmail reads the text as a format). */
	for (; *line != '\0' && *line != '\r' && *line != '\n' &&
	    buf_len(a->line) < 510; line++)
		buf_putc(a->line, *line == '%' ? ' ' : *line);
}

/* milter_answer_get_final - the final reply decided */

enum milter_final
milter_answer_get_final(const struct milter_answer *a)
{
	return (a->final);
}

/* milter_answer_line - its reply line ("" for the MTA's own) */

const char *
milter_answer_line(const struct milter_answer *a)
{
	return (buf_str(a->line));
}

/* milter_answer_nmods - how many modifications */

size_t
milter_answer_nmods(const struct milter_answer *a)
{
	return (a->nmods);
}

/* milter_answer_pack - the packets to send */

void
milter_answer_pack(const struct milter_answer *a, struct buf *out)
{
	int	 cmd;

	switch (a->final) {
	case MILTER_ACCEPT:
		buf_append(out, a->mods->data, buf_len(a->mods));
		milter_wire_pack(out, SMFIR_CONTINUE, NULL, 0);
		return;
	case MILTER_DISCARD:
		milter_wire_pack(out, SMFIR_DISCARD, NULL, 0);
		return;
	case MILTER_REJECT:
	case MILTER_TEMPFAIL:
		if (buf_len(a->line) > 0) {
			milter_wire_pack_str(out, SMFIR_REPLYCODE,
			    buf_str(a->line), (char *)NULL);
			return;
		}
		cmd = a->final == MILTER_REJECT ? SMFIR_REJECT :
		    SMFIR_TEMPFAIL;
		milter_wire_pack(out, cmd, NULL, 0);
		return;
	}
}
