/* test_framer.c - unit tests for server/framer.c */

#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "framer.h"

/* frame - run a whole input through a framer, in chunks of step bytes */

static size_t
frame(const char *in, size_t len, size_t step, struct framer *f,
    struct buf *out)
{
	size_t	 off = 0, n;

	framer_init(f, out, 0, 0);
	while (off < len && !f->done) {
		n = len - off < step ? len - off : step;
		off += framer_feed(f, in + off, n);
	}
	return (off);
}

struct fcase {
	const char	*in;
	size_t		 inlen;		/* every case ends with the end of data */
	const char	*out;		/* canonical message */
	size_t		 outlen;
	int		 bare;
};

#define C(in, out, consumed, bare) \
	{ in, sizeof(in) - 1, out, sizeof(out) - 1, bare }

static const struct fcase cases[] = {
	C(".\r\n", "", 0, 0),
	C("a\r\n.\r\n", "a\r\n", 0, 0),
	C("..x\r\n.\r\n", ".x\r\n", 0, 0),
	C("..\r\n.\r\n", ".\r\n", 0, 0),
	C("a\nb\r\n.\r\n", "a\r\nb\r\n", 0, 1),
	C("a\rb\r\n.\r\n", "a\r\nb\r\n", 0, 1),
	/* Smuggling attempts: none of these ends the data. */
	C("a\n.\nMAIL\r\n.\r\n", "a\r\n.\r\nMAIL\r\n", 0, 1),
	C("a\n.\r\nMAIL\r\n.\r\n", "a\r\n.\r\nMAIL\r\n", 0, 1),
	C("a\r.\r\nMAIL\r\n.\r\n", "a\r\n.\r\nMAIL\r\n", 0, 1),
	C("a\r\n.\rMAIL\r\n.\r\n", "a\r\n\r\nMAIL\r\n", 0, 1),
	C("a\r\n\0.\r\nMAIL\r\n.\r\n", "a\r\n\0.\r\nMAIL\r\n", 0, 0),
	C("a\r\n.\0\r\nMAIL\r\n.\r\n", "a\r\n\0\r\nMAIL\r\n", 0, 0),
	C("a\r\n.\r\r\nM\r\n.\r\n", "a\r\n\r\n\r\nM\r\n", 0, 1),
	C("a\r\r\n.\r\r\nM\r\n.\r\n", "a\r\n\r\n\r\n\r\nM\r\n", 0, 1),
	C("a\r\n.\nM\r\n.\r\n", "a\r\n\r\nM\r\n", 0, 1),
};

Test(framer, P1_table_whole_and_bytewise)
{
	struct framer	 f;
	struct buf	*out = buf_new(64);
	size_t		 i, step, used;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (step = 1; step <= cases[i].inlen; step += 
		    (step < 4 ? 1 : cases[i].inlen)) {
			buf_reset(out);
			used = frame(cases[i].in, cases[i].inlen, step, &f, out);
			cr_assert(f.done, "case %zu step %zu: no end", i, step);
			cr_assert_eq(used, cases[i].inlen,
			    "case %zu step %zu: consumed %zu", i, step, used);
			cr_assert_eq(buf_len(out), cases[i].outlen,
			    "case %zu step %zu: len %zu", i, step, buf_len(out));
			cr_assert_eq(memcmp(out->data, cases[i].out,
			    cases[i].outlen), 0, "case %zu step %zu", i, step);
			cr_assert_eq(f.bare_seen, cases[i].bare, "case %zu", i);
		}
	}
	buf_free(out);
}

Test(framer, nul_bytes_are_data)
{
	static const char in[] = "a\r\n\0.\r\nM\r\n.\r\n";
	static const char want[] = "a\r\n\0.\r\nM\r\n";
	struct framer	 f;
	struct buf	*out = buf_new(64);

	(void)frame(in, sizeof(in) - 1, 1, &f, out);
	cr_assert(f.done);
	cr_assert_eq(buf_len(out), sizeof(want) - 1);
	cr_assert_eq(memcmp(out->data, want, sizeof(want) - 1), 0);
	buf_free(out);
}

Test(framer, P1_output_never_has_bare_line_ends)
{
	static const char in[] = "x\ry\nz\r\r\n\n\r.\r\r.\n.\r\n.\r\n";
	struct framer	 f;
	struct buf	*out = buf_new(64);
	size_t		 i;

	(void)frame(in, sizeof(in) - 1, 3, &f, out);
	cr_assert(f.done);
	for (i = 0; i < buf_len(out); i++) {
		if (out->data[i] == '\r')
			cr_assert(i + 1 < buf_len(out) && out->data[i + 1] ==
			    '\n', "bare CR at %zu", i);
		if (out->data[i] == '\n')
			cr_assert(i > 0 && out->data[i - 1] == '\r',
			    "bare LF at %zu", i);
	}
	buf_free(out);
}

Test(framer, stops_after_end_and_leaves_the_rest)
{
	static const char in[] = "a\r\n.\r\nQUIT\r\n";
	struct framer	 f;
	struct buf	*out = buf_new(64);

	framer_init(&f, out, 0, 0);
	cr_assert_eq(framer_feed(&f, in, sizeof(in) - 1), 6);
	cr_assert(f.done);
	buf_free(out);
}

Test(framer, size_limit_stops_storing_but_finds_the_end)
{
	static const char in[] = "0123456789\r\n0123456789\r\n.\r\n";
	struct framer	 f;
	struct buf	*out = buf_new(64);

	framer_init(&f, out, 0, 15);
	cr_assert_eq(framer_feed(&f, in, sizeof(in) - 1), sizeof(in) - 1);
	cr_assert(f.done);
	cr_assert(f.too_big);
	cr_assert_leq(buf_len(out), 15);
	buf_free(out);
}

Test(framer, line_limit)
{
	static const char ok[] = "12345\r\n.\r\n";
	static const char bad[] = "123456\r\n.\r\n";
	struct framer	 f;
	struct buf	*out = buf_new(64);

	framer_init(&f, out, 5, 0);
	(void)framer_feed(&f, ok, sizeof(ok) - 1);
	cr_assert(f.done && !f.too_long);
	framer_init(&f, out, 5, 0);
	(void)framer_feed(&f, bad, sizeof(bad) - 1);
	cr_assert(f.done && f.too_long);
	buf_free(out);
}

Test(framer, incomplete_input_is_not_done)
{
	static const char in[] = "a\r\n.\r";
	struct framer	 f;
	struct buf	*out = buf_new(64);

	framer_init(&f, out, 0, 0);
	cr_assert_eq(framer_feed(&f, in, sizeof(in) - 1), sizeof(in) - 1);
	cr_assert_not(f.done);
	cr_assert_eq(framer_feed(&f, "\n", 1), 1);
	cr_assert(f.done);
	cr_assert_str_eq(buf_str(out), "a\r\n");
	buf_free(out);
}
