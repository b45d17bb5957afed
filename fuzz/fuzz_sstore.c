/*
 * fuzz_sstore.c - a damaged statistics store
 *
 * The input is a store file ([stats] dir/store): every record that passes
 * the checks is decoded (svec_unpack), merged and packed again, and the
 * packed form must decode to the same counters; whatever the bytes, the
 * problems found are one line each naming the file.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sstore.h"
#include "status.h"
#include "svec.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* fuzz_record - each good record: pack, unpack, compare */

static void
fuzz_record(int res, int64_t ts, const struct svec *v, void *arg)
{
	struct svec	*all = arg, *back = svec_new();
	struct buf	*b = buf_new(256), *why = buf_new(64);
	uint32_t	 key;
	uint64_t	 val;
	size_t		 i;

	(void)ts;
	if (sstore_res_seconds(res) == 0)
		abort();
	svec_merge(all, v);
	svec_pack(v, b);
	if (svec_unpack(back, b->data, buf_len(b), why) != WN_OK ||
	    svec_count(back) != svec_count(v))
		abort();
	for (i = 0; i < svec_count(v); i++) {
		svec_at(v, i, &key, &val);
		if (SMETRIC_HAS_GROUP(SKEY_METRIC(key)))
			continue;	/* group indexes may differ */
		if (svec_get(back, key) != val)
			abort();
	}
	svec_free(back);
	buf_free(b);
	buf_free(why);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct svec	*all = svec_new();
	struct buf	*problems = buf_new(64);
	const char	*p, *nl;

	sstore_parse("store", (const char *)data, len, fuzz_record, all,
	    problems);
	for (p = buf_str(problems); *p != '\0'; p = nl + 1) {
		if (strncmp(p, "store: offset ", 14) != 0)
			abort();
		if ((nl = strchr(p, '\n')) == NULL)
			abort();
	}
	svec_free(all);
	buf_free(problems);
	return (0);
}
