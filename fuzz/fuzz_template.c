/*
 * fuzz_template.c - the template engine on arbitrary bytes
 *
 * The input is parsed as a template (or, by its first byte, a one-line
 * reject text) and as the header of a message for the notification
 * helpers.  A template must parse or fail with "NAME:LINE: reason"; a
 * parsed one is rendered with hostile macro values (CR, LF, NUL-free
 * control bytes, 8-bit text, long runs), and the output must be
 * header-safe: header lines begin a field or continue one, every CR is
 * followed by LF and every LF preceded by CR, no line passes 998 bytes;
 * a one-line rendering has no CR or LF at all.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "notify.h"
#include "template.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* check_lines - CRLF only, no line over 998 bytes; header: field starts */

static void
check_lines(const struct buf *b, int header)
{
	const char	*p = b->data, *end = b->data + buf_len(b), *line = p;

	for (; p < end; p++) {
		if (*p == '\r' && (p + 1 >= end || p[1] != '\n'))
			abort();
		if (*p != '\n')
			continue;
		if (p == b->data || p[-1] != '\r')
			abort();
		if (p - 1 - line > 998)
			abort();
		if (header && line < p - 1 && line[0] != ' ' &&
		    line[0] != '\t' && memchr(line, ':', (size_t)(p - line)) ==
		    NULL)
			abort();
		line = p + 1;
	}
	if (line != end)
		abort();		/* output ends with CRLF */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static char	 longv[3000];
	const char	*vars[TEMPLATE_NVARS];
	struct template	*t;
	struct buf	*why = buf_new(128), *h = buf_new(512);
	struct buf	*b = buf_new(1024), *v = buf_new(64);
	const char	*p = (const char *)data;
	size_t		 i;
	int		 one;

	if (len == 0 || len > 65536)
		goto out;
	if (longv[0] == '\0')
		memset(longv, 'w', sizeof(longv) - 1);
	one = data[0] & 1;
	t = template_parse(p + 1, len - 1, "fuzz", one, why);
	if (t == NULL && strncmp(buf_str(why), "fuzz:", 5) != 0)
		abort();
	if (t != NULL) {
		memset(vars, 0, sizeof(vars));
		vars[TEMPLATE_SENDER] = "evil\r\nBcc: x@y\r\n";
		vars[TEMPLATE_RECIPIENTS] = longv;
		vars[TEMPLATE_SUBJECT] = "\xc3\xa4\xff\xfe\x01\x7f\n\r.";
		vars[TEMPLATE_STATUS] = "spam";
		vars[TEMPLATE_ACTION] = "quarantine";
		vars[TEMPLATE_VIRUS] = (data[0] & 2) ? "Eicar\n" : NULL;
		vars[TEMPLATE_QUEUE_ID] = "QID";
		vars[TEMPLATE_GROUP] = "All";
		if (one) {
			template_render_line(t, vars, b);
			if (memchr(b->data, '\r', buf_len(b)) != NULL ||
			    memchr(b->data, '\n', buf_len(b)) != NULL)
				abort();
		} else {
			template_render(t, vars, h, b);
			check_lines(h, 1);
			check_lines(b, 0);
		}
		template_free(t);
	}
	/* The same bytes as a message header. */
	(void)notify_is_automatic("s@x.test", p, len);
	buf_reset(v);
	if (notify_header_value(p, len, "Subject", v))
		for (i = 0; i < buf_len(v); i++)
			if (v->data[i] == '\n' && (i + 1 >= buf_len(v) ||
			    (v->data[i + 1] != ' ' && v->data[i + 1] != '\t')))
				abort();	/* unfolding kept a break */
out:
	buf_free(why);
	buf_free(h);
	buf_free(b);
	buf_free(v);
	return (0);
}
