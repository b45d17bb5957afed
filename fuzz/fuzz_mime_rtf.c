/*
 * fuzz_mime_rtf.c - RTF to text (groups, code pages, \u, \bin, fields)
 *
 * SPDX-License-Identifier: MIT
 */
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "content_private.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int	 init;
	struct buf	*out = buf_new(64);

	if (!init) {
		mime_init();
		init = 1;
	}
	rtf_to_text((const char *)data, size, out);
	if (!g_utf8_validate(out->data, (gssize)out->len, NULL))
		__builtin_trap();
	buf_free(out);
	return (0);
}
