/*
 * fuzz_squery.c - the control API's statistics query
 *
 * The input is what /api/v1/stats takes from the query string: a period,
 * a grouping and a unit, separated by NUL bytes.  A period that parses
 * must give a sane range (from before to, at most SQUERY_MAX_BUCKETS
 * buckets) and a table over an empty store; one that does not must say
 * why.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "squery.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char		*in = malloc(len + 3), *by, *unit;
	struct squery	 q;
	struct sseries	*ss;
	struct stable	*tb;
	struct buf	*why = buf_new(64), *out = buf_new(256);

	memcpy(in, data, len);
	in[len] = in[len + 1] = in[len + 2] = '\0';
	by = in + strlen(in) + 1;
	if (by > in + len)
		by = in + len + 1;
	unit = by + strlen(by) + 1;
	if (unit > in + len + 1)
		unit = in + len + 2;
	if (squery_period(in, 1715769000, &q, why) < 0) {
		if (buf_len(why) == 0)
			abort();
		goto out;
	}
	if (q.from >= q.to)
		abort();
	if (*by != '\0' && squery_by(by, &q.by, why) < 0)
		goto out;
	if (*unit != '\0' && squery_unit(unit, &q.unit, why) < 0)
		goto out;
	if ((ss = squery_run(&q, "/nonexistent/store", NULL, why)) == NULL)
		abort();
	if (ss->n == 0 || ss->n > SQUERY_MAX_BUCKETS)
		abort();
	tb = squery_table(&q, ss);
	squery_csv(&q, tb, out);
	squery_table_free(tb);
	squery_free(ss);
out:
	free(in);
	buf_free(why);
	buf_free(out);
	return (0);
}
