/*
 * fuzz_uds_wire.c - the UDS packet parsers on hostile datagrams, and the
 * signature normaliser on hostile text
 *
 * Every input is given to both unpackers (a datagram reaches winnow-udsd
 * as a request and winnowd's client as a reply).  What unpacks must pack
 * again to the very same bytes (MAC aside, which packing recomputes), so
 * the format has one spelling and the parser reads no byte twice or not
 * at all.  The same bytes are then read as a decoded text and signed:
 * the items must stay within their limits.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "buf.h"
#include "status.h"
#include "uds_sig.h"
#include "uds_wire.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* fuzz_req - unpack, repack, compare */

static void
fuzz_req(const uint8_t *p, size_t len)
{
	static const uint8_t key[UDS_KEY_LEN];
	struct uds_req	 q;
	uint8_t		 out[UDS_WIRE_MAX];
	int		 n;

	if (uds_wire_unpack_req(p, len, &q, NULL) != WN_OK)
		return;
	if (q.nitems > UDS_WIRE_MAX_ITEMS)
		abort();
	n = uds_wire_pack_req(&q, key, out, NULL);
	if (n < 0 || (size_t)n != len)
		abort();
	if (memcmp(out, p, uds_wire_op_writes(q.op) ? q.mac_off : len) != 0)
		abort();
	(void)uds_wire_verify(p, &q, key);
}

/* fuzz_reply - unpack, repack, compare */

static void
fuzz_reply(const uint8_t *p, size_t len)
{
	struct uds_reply a;
	uint8_t		 out[UDS_WIRE_MAX];
	int		 n;

	if (uds_wire_unpack_reply(p, len, &a, NULL) != WN_OK)
		return;
	n = uds_wire_pack_reply(&a, out);
	if (n < 0 || (size_t)n != len || memcmp(out, p, len) != 0)
		abort();
}

/* fuzz_text - sign the bytes as a text */

static void
fuzz_text(const uint8_t *p, size_t len)
{
	static struct uds_sigkey k;
	static int	 ready;
	struct uds_sigset s;
	uint8_t		 hk[UDS_KEY_LEN];
	unsigned int	 i;

	if (!ready) {
		if (sodium_init() < 0)
			abort();
		memset(hk, 1, sizeof(hk));
		uds_sigkey_derive(&k, hk);
		ready = 1;
	}
	uds_sigset_init(&s);
	uds_sig_text(&k, &s, (const char *)p, len);
	(void)uds_sig_part(&k, &s, UDS_KIND_IMAGE, p, len);
	if (s.nitems > 3)
		abort();
	for (i = 0; i < s.nitems; i++)
		if (s.item[i].nshingles != 0 &&
		    s.item[i].nshingles != UDS_SHINGLES)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	fuzz_req(p, len);
	fuzz_reply(p, len);
	fuzz_text(p, len);
	return (0);
}
