/*
 * fuzz_office.c - Word documents to text (.doc OLE2 piece tables, Word
 * 6/95, .docx zip and XML), through libgsf's containers
 *
 * libgsf 1.14.50 leaks its directory entry (80 bytes and its name) when
 * gsf_infile_msole_new() rejects a broken OLE2 directory; that is
 * libgsf's, bounded per message and gone when a child recycles, so its
 * leaks are suppressed here (which needs the slow unwinder: the fast one
 * stops in GLib, before libgsf's frames).  Leaks of ours still fail.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "content_private.h"

int		 LLVMFuzzerTestOneInput(const uint8_t *, size_t);
const char	*__lsan_default_suppressions(void);
const char	*__asan_default_options(void);

/* __lsan_default_suppressions - libgsf's own leaks (see above) */

const char *
__lsan_default_suppressions(void)
{
	return ("leak:libgsf-1.so\n");
}

/* __asan_default_options - whole stacks, so the suppression can match */

const char *
__asan_default_options(void)
{
	return ("fast_unwind_on_malloc=0");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf	*out = buf_new(64);

	(void)office_to_text((const char *)data, size, 65536, 0, out);
	if (buf_len(out) > 65536 + 8 ||
	    !g_utf8_validate(out->data, (gssize)out->len, NULL))
		__builtin_trap();
	buf_free(out);
	return (0);
}
