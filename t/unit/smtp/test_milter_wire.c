/* test_milter_wire.c - unit tests for smtp/milter_wire.c */

#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "milter_wire.h"

static struct buf	*why;

static void
setup(void)
{
	why = buf_new(64);
}

static void
teardown(void)
{
	buf_free(why);
}

TestSuite(milter_wire, .init = setup, .fini = teardown);

Test(milter_wire, whole_packet)
{
	static const char in[] = "\0\0\0\x06Hhelo\0rest";
	struct milter_pkt p;

	cr_assert_eq(milter_wire_parse(in, sizeof(in) - 1, 100, &p, why), 10);
	cr_assert_eq(p.cmd, 'H');
	cr_assert_eq(p.len, 5);
	cr_assert_str_eq(p.data, "helo");
}

Test(milter_wire, needs_more_at_every_cut)
{
	static const char in[] = "\0\0\0\x06Hhelo\0";
	struct milter_pkt p;
	size_t		 cut;

	for (cut = 0; cut < sizeof(in) - 1; cut++)
		cr_assert_eq(milter_wire_parse(in, cut, 100, &p, why), 0,
		    "cut at %zu", cut);
}

Test(milter_wire, zero_length_is_an_error)
{
	struct milter_pkt p;

	cr_assert_eq(milter_wire_parse("\0\0\0\0Q", 5, 100, &p, why), -1);
	cr_assert(strstr(buf_str(why), "length 0") != NULL);
}

Test(milter_wire, lying_length_over_the_limit)
{
	struct milter_pkt p;

	/* 2 GiB announced: refused at once, not waited for */
	cr_assert_eq(milter_wire_parse("\x7f\xff\xff\xffLx", 6,
	    MILTER_PKT_MAX, &p, why), -1);
	cr_assert(strstr(buf_str(why), "limit") != NULL);
	buf_reset(why);
	cr_assert_eq(milter_wire_parse("\0\0\0\x65Lx", 6, 100, &p, why), -1);
}

Test(milter_wire, strings)
{
	const char	*v[4];

	cr_assert_eq(milter_wire_strings("a\0bc\0\0", 6, v, 4), 3);
	cr_assert_str_eq(v[0], "a");
	cr_assert_str_eq(v[1], "bc");
	cr_assert_str_eq(v[2], "");
	cr_assert_eq(milter_wire_strings("", 0, v, 4), 0);
}

Test(milter_wire, strings_without_nul_or_too_many)
{
	const char	*v[2];

	cr_assert_eq(milter_wire_strings("abc", 3, v, 2), -1);
	cr_assert_eq(milter_wire_strings("a\0b", 3, v, 2), -1);
	cr_assert_eq(milter_wire_strings("a\0b\0c\0", 6, v, 2), -1);
}

Test(milter_wire, pack_round_trip)
{
	struct buf	*b = buf_new(64);
	struct milter_pkt p;
	const char	*v[3];

	milter_wire_pack_u32_str(b, SMFIR_INSHEADER, 3, "X-A", "b c",
	    (char *)NULL);
	cr_assert_eq(milter_wire_parse(b->data, buf_len(b), 100, &p, why),
	    (ssize_t)buf_len(b));
	cr_assert_eq(p.cmd, 'i');
	cr_assert_eq(milter_wire_u32(p.data), 3);
	cr_assert_eq(milter_wire_strings(p.data + 4, p.len - 4, v, 3), 2);
	cr_assert_str_eq(v[0], "X-A");
	cr_assert_str_eq(v[1], "b c");
	buf_reset(b);
	milter_wire_pack(b, SMFIR_CONTINUE, NULL, 0);
	cr_assert_eq(buf_len(b), 5);
	cr_assert_eq(memcmp(b->data, "\0\0\0\x01" "c", 5), 0);
	buf_free(b);
}
