/*
 * reply.c - SMTP/LMTP replies from the downstream
 *
 * The downstream is a peer too, and a hostile or broken one must not be
 * able to crash or stall us (OpenSMTPD CVE-2020-8794 was a multi-line reply
 * bug): lines are bounded by REPLY_MAX_LINE, replies by REPLY_MAX_LINES,
 * every line must carry the same three-digit code, and anything else is a
 * malformed reply, which the caller treats as a temporary failure.
 *
 * SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* lib */
#include "buf.h"
#include "status.h"
#include "stream.h"

/* smtp */
#include "reply.h"

/* reply_parse_line - split "250-text" / "250 text" / "250" */

int
reply_parse_line(const char *s, size_t len, int *code, int *more,
    const char **text)
{
	if (len < 3 || s[0] < '2' || s[0] > '5' || !isdigit((unsigned char)s[1])
	    || !isdigit((unsigned char)s[2]))
		return (-1);
	if (len > 3 && s[3] != ' ' && s[3] != '-')
		return (-1);
	*code = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
	*more = (len > 3 && s[3] == '-');
	*text = s + (len > 3 ? 4 : 3);
	return (0);
}

/* reply_init - an empty reply */

void
reply_init(struct reply *r)
{
	r->code = 0;
	r->enh[0] = '\0';
	r->text = buf_new(128);
	r->nlines = 0;
}

/* reply_free - release it */

void
reply_free(struct reply *r)
{
	buf_free(r->text);
	r->text = NULL;
}

/* reply_enhanced - length of an enhanced status code "x.y.z" at s */

static size_t
reply_enhanced(const char *s, size_t len, int code)
{
	size_t	 i = 0;
	int	 part;

	if (len < 5 || s[0] - '0' != code / 100 || s[1] != '.')
		return (0);
	for (part = 0, i = 2; part < 2; part++) {
		size_t	 n = 0;

		while (i < len && isdigit((unsigned char)s[i]) && n < 3) {
			i++;
			n++;
		}
		if (n == 0)
			return (0);
		if (part == 0) {
			if (i >= len || s[i] != '.')
				return (0);
			i++;
		}
	}
	if (i < len && s[i] != ' ')
		return (0);
	return (i);
}

/* reply_add_line - add one line of a reply */

int
reply_add_line(struct reply *r, const char *s, size_t len, struct buf *why)
{
	const char	*text;
	size_t		 tlen, elen;
	int		 code, more;

	if (reply_parse_line(s, len, &code, &more, &text) < 0) {
		buf_puts(why, "malformed reply from downstream: \"");
		buf_append_safe(why, s, len > 80 ? 80 : len);
		buf_puts(why, "\"");
		return (-1);
	}
	if (r->nlines > 0 && code != r->code) {
		buf_printf(why, "reply code changed from %d to %d within one "
		    "reply", r->code, code);
		return (-1);
	}
	if (++r->nlines > REPLY_MAX_LINES) {
		buf_printf(why, "reply longer than %d lines", REPLY_MAX_LINES);
		return (-1);
	}
	r->code = code;
	tlen = len - (size_t)(text - s);
	if (r->nlines == 1 && (elen = reply_enhanced(text, tlen, code)) > 0 &&
	    elen < sizeof(r->enh)) {
		memcpy(r->enh, text, elen);
		r->enh[elen] = '\0';
	}
	if (r->nlines > 1)
		buf_putc(r->text, '\n');
	buf_append(r->text, text, tlen);
	return (more ? 0 : 1);
}

/* reply_read - read a complete reply from the downstream */

int
reply_read(struct stream *st, struct reply *r, struct buf *why)
{
	struct buf	*line = buf_new(256);
	ssize_t		 n;
	int		 crlf, rc;

	buf_reset(r->text);
	r->code = 0;
	r->enh[0] = '\0';
	r->nlines = 0;
	for (;;) {
		n = stream_getline(st, line, REPLY_MAX_LINE, &crlf);
		if (n == STREAM_TOOLONG) {
			buf_printf(why, "reply line longer than %d bytes",
			    REPLY_MAX_LINE);
			rc = WN_TEMP;
			break;
		}
		if (n < 0) {
			buf_printf(why, "reading reply: %s",
			    stream_strerror(st));
			rc = WN_TEMP;
			break;
		}
		if ((rc = reply_add_line(r, line->data, (size_t)n, why)) < 0) {
			rc = WN_TEMP;
			break;
		}
		if (rc == 1) {
			rc = WN_OK;
			break;
		}
	}
	buf_free(line);
	return (rc);
}

/* reply_format - the reply's first line, safe for headers and logs, always
 * with an enhanced status code */

void
reply_format(const struct reply *r, struct buf *out)
{
	const char	*t = buf_str(r->text), *nl;
	size_t		 len;

	nl = strchr(t, '\n');
	len = nl ? (size_t)(nl - t) : strlen(t);
	if (len > 300)
		len = 300;
	buf_printf(out, "%03d ", r->code);
	if (r->enh[0] == '\0' && r->code >= 200)
		buf_printf(out, "%d.0.0 ", r->code / 100);	/* always one */
	buf_append_safe(out, t, len);
}
