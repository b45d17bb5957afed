/*
 * framer.c - DATA from the wire to canonical message bytes
 *
 * The only end of data is <CR><LF>.<CR><LF> (the DATA command's own line
 * end counts as the first <CR><LF>).  Every other line ending - a bare LF,
 * a bare CR - ends a line but can never end the message, so no sequence
 * from the SMTP smuggling literature (\n.\n, \n.\r\n, \r.\r\n, \r\n.\r,
 * \r\n\x00.\r\n, ...) can split one transaction into two.  Bare line ends
 * are normalised to CRLF and flagged, so the session can reject them when
 * bare_newline = reject.
 *
 * A leading dot is removed only from lines that follow a real CRLF: a
 * client stuffs only those, so a dot after a bare CR or LF is data.
 *
 * The output (canonical CRLF, unstuffed) goes to f->out, which the caller
 * drains into the spool.  Past max_size nothing more is stored but the
 * state machine keeps running, so the end of data is still found and the
 * session stays in step with its peer.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

/* lib */
#include "buf.h"
#include "log.h"

/* smtp */
#include "framer.h"

enum {
	FR_BOL_CRLF,	/* line start after CRLF (or after DATA) */
	FR_BOL,		/* line start after a bare CR or LF */
	FR_DOT,		/* "." at FR_BOL_CRLF */
	FR_DOT_CR,	/* ".\r" at FR_BOL_CRLF */
	FR_TEXT,	/* inside a line */
	FR_CR,		/* a CR inside or at the end of a line */
};

/* framer_init - set up a framer for one DATA phase */

void
framer_init(struct framer *f, struct buf *out, size_t max_line,
    size_t max_size)
{
	memset(f, 0, sizeof(*f));
	f->state = FR_BOL_CRLF;
	f->out = out;
	f->max_line = max_line;
	f->max_size = max_size;
}

/* framer_emit - store canonical bytes, unless past the size limit */

static void
framer_emit(struct framer *f, const char *p, size_t len)
{
	if (len == 0)
		return;
	f->size += len;
	if (f->max_size != 0 && f->size > f->max_size)
		f->too_big = 1;
	if (!f->too_big)
		buf_append(f->out, p, len);
}

/* framer_eol - end the current line with CRLF */

static void
framer_eol(struct framer *f, int bare)
{
	framer_emit(f, "\r\n", 2);
	f->line_len = 0;
	if (bare)
		f->bare_seen = 1;
}

/* framer_text - account for line content */

static void
framer_text(struct framer *f, const char *p, size_t len)
{
	f->line_len += len;
	if (f->max_line != 0 && f->line_len > f->max_line)
		f->too_long = 1;
	framer_emit(f, p, len);
}

/* framer_feed - consume wire bytes, stop after the end of data */

size_t
framer_feed(struct framer *f, const char *p, size_t len)
{
	size_t	 i = 0, start;
	char	 c;

	while (i < len && !f->done) {
		c = p[i];
		switch (f->state) {
		case FR_BOL_CRLF:
			if (c == '.') {
				f->state = FR_DOT;
				i++;
				continue;
			}
			f->state = FR_TEXT;
			continue;		/* same byte as text */
		case FR_BOL:
			f->state = FR_TEXT;
			continue;
		case FR_DOT:
			if (c == '\r') {
				f->state = FR_DOT_CR;
				i++;
				continue;
			}
			f->state = FR_TEXT;	/* the dot was stuffing */
			continue;
		case FR_DOT_CR:
			if (c == '\n') {
				f->done = 1;	/* <CRLF>.<CRLF> */
				i++;
				continue;
			}
			framer_eol(f, 1);	/* "." then a bare CR */
			f->state = FR_BOL;
			continue;
		case FR_CR:
			if (c == '\n') {
				framer_eol(f, 0);
				f->state = FR_BOL_CRLF;
				i++;
				continue;
			}
			framer_eol(f, 1);	/* bare CR */
			f->state = FR_BOL;
			continue;
		case FR_TEXT:
			start = i;
			while (i < len && p[i] != '\r' && p[i] != '\n')
				i++;
			framer_text(f, p + start, i - start);
			if (i == len)
				continue;
			if (p[i] == '\r') {
				f->state = FR_CR;
			} else {
				framer_eol(f, 1);	/* bare LF */
				f->state = FR_BOL;
			}
			i++;
			continue;
		default:
			log_panic("framer_feed: bad state %d", f->state);
		}
	}
	return (i);
}
