/*
 * fuzz_mime_html.c - HTML to text (libxml2 SAX, styles, colours, links)
 *
 * The input is treated as one HTML part already converted to UTF-8 (the
 * way mime.c hands it over), so the fuzzer spends its time in html.c.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xalloc.h"
#include "content_private.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int	 init;
	struct content_msg *cm;
	struct buf	*u;

	if (!init) {
		mime_init();
		html_init();
		init = 1;
	}
	cm = xcalloc(1, sizeof(*cm));
	cm->text = buf_new(64);
	cm->hidden = buf_new(64);
	cm->subject = xstrdup("");
	u = buf_new(size + 1);
	(void)charset_to_utf8("utf-8", (const char *)data, size, u);
	html_to_text(cm, u->data, u->len);
	if (!g_utf8_validate(cm->text->data, (gssize)cm->text->len, NULL))
		__builtin_trap();
	buf_free(u);
	mime_free(cm);
	return (0);
}
