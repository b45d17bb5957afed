/*
 * fuzz_reply.c - downstream replies from a hostile SMTP/LMTP server
 *
 * The input is split into lines and fed to reply_add_line() the way
 * reply_read() does; whatever comes back, formatting must stay bounded and
 * free of CR/LF.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "reply.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const char	*p = (const char *)data, *end = p + len, *nl;
	struct reply	 r;
	struct buf	*why = buf_new(64), *out = buf_new(64);
	int		 rc = 0;

	reply_init(&r);
	while (p < end && rc >= 0) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		rc = reply_add_line(&r, p, (size_t)(nl - p), why);
		if (rc == 1) {
			buf_reset(out);
			reply_format(&r, out);
			if (memchr(out->data, '\r', buf_len(out)) ||
			    memchr(out->data, '\n', buf_len(out)) ||
			    buf_len(out) > 1300)
				abort();
			reply_free(&r);
			reply_init(&r);
			rc = 0;
		}
		p = nl + 1;
	}
	reply_free(&r);
	buf_free(why);
	buf_free(out);
	return (0);
}
