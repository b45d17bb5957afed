/* test_uds_wire.c - unit tests for uds/uds_wire.c, and its golden files */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <sodium.h>

#include "buf.h"
#include "status.h"
#include "testutil.h"
#include "uds_wire.h"

static uint8_t	 key[UDS_KEY_LEN];
static struct buf *why;

static void
setup(void)
{
	cr_assert(sodium_init() >= 0);
	memset(key, 0x42, sizeof(key));
	why = buf_new(64);
}

static void
teardown(void)
{
	buf_free(why);
}

TestSuite(uds_wire, .init = setup, .fini = teardown);

/* a_req - a request with n items, the first a text with shingles */

static void
a_req(struct uds_req *q, unsigned int op, unsigned int n)
{
	unsigned int	 i, j;

	memset(q, 0, sizeof(*q));
	q->op = (uint8_t)op;
	q->id = 0xdeadbeef;
	q->nitems = (uint8_t)n;
	for (i = 0; i < n; i++) {
		q->item[i].kind = i == 0 ? UDS_KIND_TEXT : UDS_KIND_ATTACH;
		memset(q->item[i].digest, (int)(i + 1), UDS_DIGEST_LEN);
		if (i == 0) {
			q->item[i].nshingles = UDS_SHINGLES;
			for (j = 0; j < UDS_SHINGLES; j++)
				q->item[i].shingle[j] = 0x0102030405060708ULL *
				    (j + 1);
		}
	}
	if (uds_wire_op_writes(op)) {
		q->flag = UDS_FLAG_SPAM;
		q->weight = 3;
		(void)snprintf(q->client, sizeof(q->client), "mx1");
		q->time = 1700000000;
	}
}

Test(uds_wire, check_round_trip)
{
	struct uds_req	 q, r;
	uint8_t		 pkt[UDS_WIRE_MAX];
	int		 n;

	a_req(&q, UDS_OP_CHECK, 3);
	n = uds_wire_pack_req(&q, NULL, pkt, why);
	cr_assert_eq(n, 8 + 1 + (2 + 16 + 32 * 8) + 2 * (2 + 16));
	cr_assert_eq(memcmp(pkt, "WU\1\1\xde\xad\xbe\xef", 8), 0);
	cr_assert_eq(uds_wire_unpack_req(pkt, (size_t)n, &r, why), WN_OK,
	    "%s", buf_str(why));
	cr_assert_eq(r.op, UDS_OP_CHECK);
	cr_assert_eq(r.id, 0xdeadbeef);
	cr_assert_eq(r.nitems, 3);
	cr_assert_eq(r.item[0].nshingles, UDS_SHINGLES);
	cr_assert_eq(r.item[0].shingle[31], 0x0102030405060708ULL * 32);
	cr_assert_eq(memcmp(r.item[2].digest, q.item[2].digest,
	    UDS_DIGEST_LEN), 0);
	cr_assert_eq(r.item[2].kind, UDS_KIND_ATTACH);
}

Test(uds_wire, write_is_signed_and_verified)
{
	struct uds_req	 q, r;
	uint8_t		 pkt[UDS_WIRE_MAX], other[UDS_KEY_LEN];
	int		 n;

	a_req(&q, UDS_OP_ADD, 2);
	cr_assert_lt(uds_wire_pack_req(&q, NULL, pkt, why), 0);
	n = uds_wire_pack_req(&q, key, pkt, why);
	cr_assert_gt(n, 0);
	cr_assert_eq(uds_wire_unpack_req(pkt, (size_t)n, &r, why), WN_OK,
	    "%s", buf_str(why));
	cr_assert_str_eq(r.client, "mx1");
	cr_assert_eq(r.time, 1700000000);
	cr_assert_eq(r.weight, 3);
	cr_assert_eq(r.mac_off, (size_t)n - UDS_MAC_LEN);
	cr_assert(uds_wire_verify(pkt, &r, key));
	memset(other, 0x43, sizeof(other));
	cr_assert_not(uds_wire_verify(pkt, &r, other));
	/* every byte the MAC covers matters */
	pkt[20] ^= 1;
	cr_assert_eq(uds_wire_unpack_req(pkt, (size_t)n, &r, why), WN_OK);
	cr_assert_not(uds_wire_verify(pkt, &r, key));
}

Test(uds_wire, a_check_is_never_verified)
{
	struct uds_req	 q, r;
	uint8_t		 pkt[UDS_WIRE_MAX];
	int		 n;

	a_req(&q, UDS_OP_CHECK, 1);
	n = uds_wire_pack_req(&q, key, pkt, why);
	cr_assert_eq(uds_wire_unpack_req(pkt, (size_t)n, &r, why), WN_OK);
	cr_assert_not(uds_wire_verify(pkt, &r, key));
}

Test(uds_wire, every_truncation_is_refused)
{
	struct uds_req	 q, r;
	uint8_t		 pkt[UDS_WIRE_MAX];
	int		 n, len;

	a_req(&q, UDS_OP_HAM, 4);
	n = uds_wire_pack_req(&q, key, pkt, why);
	for (len = 0; len < n; len++) {
		buf_reset(why);
		cr_assert_eq(uds_wire_unpack_req(pkt, (size_t)len, &r, why),
		    WN_PERM, "%d bytes of %d parsed", len, n);
		cr_assert_gt(buf_len(why), 0);
	}
}

Test(uds_wire, trailing_and_oversized_are_refused)
{
	struct uds_req	 q, r;
	uint8_t		 pkt[UDS_WIRE_MAX + 100];
	int		 n;

	a_req(&q, UDS_OP_CHECK, 1);
	n = uds_wire_pack_req(&q, NULL, pkt, why);
	pkt[n] = 0;
	cr_assert_eq(uds_wire_unpack_req(pkt, (size_t)n + 1, &r, why),
	    WN_PERM);
	cr_assert(strstr(buf_str(why), "after") != NULL, "%s", buf_str(why));
	buf_reset(why);
	memset(pkt + n, 0, sizeof(pkt) - (size_t)n);
	cr_assert_eq(uds_wire_unpack_req(pkt, UDS_WIRE_MAX + 1, &r, why),
	    WN_PERM);
}

Test(uds_wire, bad_fields_are_refused)
{
	struct uds_req	 q, r;
	uint8_t		 pkt[UDS_WIRE_MAX];
	int		 n;

	a_req(&q, UDS_OP_CHECK, 2);
	n = uds_wire_pack_req(&q, NULL, pkt, why);
	pkt[0] = 'X';				/* magic */
	cr_assert_eq(uds_wire_unpack_req(pkt, (size_t)n, &r, why), WN_PERM);
	pkt[0] = 'W';
	pkt[2] = 2;				/* version */
	cr_assert_eq(uds_wire_unpack_req(pkt, (size_t)n, &r, why), WN_PERM);
	cr_assert(strstr(buf_str(why), "version 2") != NULL, "%s",
	    buf_str(why));
	pkt[2] = 1;
	pkt[3] = 9;				/* op */
	cr_assert_eq(uds_wire_unpack_req(pkt, (size_t)n, &r, why), WN_PERM);
	pkt[3] = UDS_OP_CHECK;
	pkt[8] = UDS_WIRE_MAX_ITEMS + 1;	/* nitems */
	cr_assert_eq(uds_wire_unpack_req(pkt, (size_t)n, &r, why), WN_PERM);
	pkt[8] = 2;
	pkt[9] = 9;				/* kind */
	cr_assert_eq(uds_wire_unpack_req(pkt, (size_t)n, &r, why), WN_PERM);
	pkt[9] = UDS_KIND_LINKS;		/* shingles on links */
	cr_assert_eq(uds_wire_unpack_req(pkt, (size_t)n, &r, why), WN_PERM);
	pkt[9] = UDS_KIND_TEXT;
	pkt[10] = 31;				/* not 0 or 32 */
	cr_assert_eq(uds_wire_unpack_req(pkt, (size_t)n, &r, why), WN_PERM);
	pkt[10] = 32;
	cr_assert_eq(uds_wire_unpack_req(pkt, (size_t)n, &r, why), WN_OK);
}

Test(uds_wire, pack_refuses_what_does_not_fit)
{
	struct uds_req	 q;
	uint8_t		 pkt[UDS_WIRE_MAX];
	unsigned int	 i;

	a_req(&q, UDS_OP_CHECK, UDS_WIRE_MAX_ITEMS);
	for (i = 0; i < UDS_WIRE_MAX_ITEMS; i++) {
		q.item[i].kind = UDS_KIND_TEXT;
		q.item[i].nshingles = UDS_SHINGLES;
	}
	cr_assert_lt(uds_wire_pack_req(&q, NULL, pkt, why), 0);
	cr_assert(strstr(buf_str(why), "does not fit") != NULL);
	a_req(&q, UDS_OP_ADD, 1);
	(void)snprintf(q.client, sizeof(q.client), "bad name");
	cr_assert_lt(uds_wire_pack_req(&q, key, pkt, why), 0);
}

Test(uds_wire, replies_round_trip)
{
	struct uds_reply a, b;
	uint8_t		 pkt[UDS_WIRE_MAX];
	int		 n;

	memset(&a, 0, sizeof(a));
	a.op = UDS_OP_CHECK;
	a.id = 7;
	a.nitems = 2;
	a.item[0].result = UDS_R_HIT;
	a.item[0].votes = 20;
	a.item[0].count = 3;
	a.item[0].hits = 100000;
	a.item[1].result = UDS_R_HAM;
	a.item[1].votes = UDS_VOTES_EXACT;
	a.item[1].flag = UDS_FLAG_HAM;
	n = uds_wire_pack_reply(&a, pkt);
	cr_assert_eq(n, 8 + 2 + 2 * 12);
	cr_assert_eq(uds_wire_unpack_reply(pkt, (size_t)n, &b, why), WN_OK);
	cr_assert_eq(b.id, 7);
	cr_assert_eq(b.op, UDS_OP_CHECK);
	cr_assert_eq(b.item[0].hits, 100000);
	cr_assert_eq(b.item[1].result, UDS_R_HAM);
	cr_assert_eq(b.item[1].votes, UDS_VOTES_EXACT);
	for (; n > 0; n--)
		cr_assert_eq(uds_wire_unpack_reply(pkt, (size_t)n - 1, &b, why),
		    WN_PERM);

	memset(&a, 0, sizeof(a));
	a.op = UDS_OP_STATS;
	a.nstats = 2;
	a.stat[0].id = UDS_STAT_CHECKS;
	a.stat[0].value = 1ULL << 40;
	a.stat[1].id = UDS_STAT_STORE_UP;
	a.stat[1].value = 1;
	n = uds_wire_pack_reply(&a, pkt);
	cr_assert_eq(uds_wire_unpack_reply(pkt, (size_t)n, &b, why), WN_OK);
	cr_assert_eq(b.stat[0].value, 1ULL << 40);

	memset(&a, 0, sizeof(a));
	a.op = UDS_OP_ADD;
	a.status = UDS_ST_UNAVAILABLE;
	a.nitems = 3;			/* not sent with a refusal */
	n = uds_wire_pack_reply(&a, pkt);
	cr_assert_eq(n, 9);
	cr_assert_eq(uds_wire_unpack_reply(pkt, (size_t)n, &b, why), WN_OK);
	cr_assert_eq(b.status, UDS_ST_UNAVAILABLE);
	cr_assert_eq(b.nitems, 0);
}

Test(uds_wire, a_request_is_not_a_reply)
{
	struct uds_req	 q;
	struct uds_reply b;
	uint8_t		 pkt[UDS_WIRE_MAX];
	int		 n;

	a_req(&q, UDS_OP_PING, 0);
	n = uds_wire_pack_req(&q, NULL, pkt, why);
	cr_assert_eq(n, 8);
	cr_assert_eq(uds_wire_unpack_reply(pkt, (size_t)n, &b, why), WN_PERM);
}

/* golden - decode a datagram into text */

static void
golden(const uint8_t *p, size_t len, struct buf *out)
{
	struct uds_req	 q;
	struct uds_reply a;
	struct buf	*w = buf_new(64);
	unsigned int	 i;

	if (uds_wire_unpack_req(p, len, &q, w) == WN_OK) {
		buf_printf(out, "request %s id=%08x items=%u",
		    uds_wire_op_name(q.op), q.id, q.nitems);
		if (uds_wire_op_writes(q.op))
			buf_printf(out, " flag=%u weight=%u client=%s "
			    "time=%u mac_off=%zu", q.flag, q.weight, q.client,
			    q.time, q.mac_off);
		for (i = 0; i < q.nitems; i++)
			buf_printf(out, "\n  %s shingles=%u digest0=%02x",
			    uds_wire_kind_name(q.item[i].kind),
			    q.item[i].nshingles, q.item[i].digest[0]);
	} else {
		buf_printf(out, "not a request: %s\n", buf_str(w));
		buf_reset(w);
		if (uds_wire_unpack_reply(p, len, &a, w) == WN_OK) {
			buf_printf(out, "reply %s id=%08x status=%s items=%u "
			    "stats=%u", uds_wire_op_name(a.op), a.id,
			    uds_wire_status_name(a.status), a.nitems,
			    a.nstats);
			for (i = 0; i < a.nitems; i++)
				buf_printf(out, "\n  %s votes=%u count=%u "
				    "hits=%u", uds_wire_result_name(
				    a.item[i].result), a.item[i].votes,
				    a.item[i].count, a.item[i].hits);
		} else
			buf_printf(out, "not a reply: %s", buf_str(w));
	}
	buf_putc(out, '\n');
	buf_free(w);
}

/* unhex - the bytes of a hex text (white space and # comments skipped) */

static size_t
unhex(const char *s, uint8_t *out, size_t max)
{
	size_t	 n = 0;
	int	 hi = -1, v;

	for (; *s != '\0' && n < max; s++) {
		if (*s == '#') {
			while (*s != '\0' && *s != '\n')
				s++;
			if (*s == '\0')
				break;
			continue;
		}
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else
			continue;
		if (hi < 0)
			hi = v;
		else {
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	return (n);
}

Test(uds_wire, golden_files)
{
	char		 dir[600], path[900], ref[900];
	struct dirent	**ents;
	uint8_t		 pkt[UDS_WIRE_MAX + 64];
	int		 n, i, seen = 0;

	(void)snprintf(dir, sizeof(dir), "%s/t/data/uds", tu_srcdir());
	n = scandir(dir, &ents, NULL, alphasort);
	cr_assert_geq(n, 0, "%s", dir);
	for (i = 0; i < n; i++) {
		const char *nm = ents[i]->d_name;
		size_t	 l = strlen(nm), len, rlen;
		char	*in, *want;
		struct buf *got = buf_new(256);
		FILE	*fp;

		if (l < 4 || strcmp(nm + l - 3, ".in") != 0) {
			free(ents[i]);
			continue;
		}
		(void)snprintf(path, sizeof(path), "%s/%s", dir, nm);
		(void)snprintf(ref, sizeof(ref), "%s/%.*s.ref", dir,
		    (int)(l - 3), nm);
		in = tu_read_file(path, &len);
		len = unhex(in, pkt, sizeof(pkt));
		golden(pkt, len, got);
		if (getenv("WINNOW_UPDATE_GOLDEN") != NULL &&
		    (fp = fopen(ref, "w")) != NULL) {
			(void)fputs(buf_str(got), fp);
			(void)fclose(fp);
		}
		want = tu_read_file(ref, &rlen);
		cr_expect_str_eq(buf_str(got), want, "%s", nm);
		free(in);
		free(want);
		buf_free(got);
		free(ents[i]);
		seen++;
	}
	free(ents);
	cr_assert_geq(seen, 8);
}
