/* test_stuff.c - unit tests for server/stuff.c */

#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "dotstuff.h"
#include "framer.h"

/* stuff_all - stuff a whole input in chunks of step bytes */

static void
stuff_all(const char *in, size_t len, size_t step, struct buf *out)
{
	struct dotstuff	 st;
	size_t		 off, n;

	dotstuff_init(&st);
	for (off = 0; off < len; off += n) {
		n = len - off < step ? len - off : step;
		dotstuff_feed(&st, out, in + off, n);
	}
	dotstuff_finish(&st, out);
}

Test(stuff, P2_dots_are_stuffed)
{
	struct buf	*out = buf_new(64);

	stuff_all(".a\r\nb\r\n.\r\n..\r\n", 14, 100, out);
	cr_assert_str_eq(buf_str(out), "..a\r\nb\r\n..\r\n...\r\n.\r\n");
	buf_free(out);
}

Test(stuff, bare_line_ends_become_crlf)
{
	struct buf	*out = buf_new(64);
	size_t		 step;

	for (step = 1; step < 6; step++) {
		buf_reset(out);
		stuff_all("a\nb\rc\r\n.\n", 9, step, out);
		cr_assert_str_eq(buf_str(out), "a\r\nb\r\nc\r\n..\r\n.\r\n",
		    "step %zu: %s", step, buf_str(out));
	}
	buf_free(out);
}

Test(stuff, missing_final_crlf_is_added)
{
	struct buf	*out = buf_new(64);

	stuff_all("no newline", 10, 3, out);
	cr_assert_str_eq(buf_str(out), "no newline\r\n.\r\n");
	buf_reset(out);
	stuff_all("", 0, 1, out);
	cr_assert_str_eq(buf_str(out), ".\r\n");
	buf_reset(out);
	stuff_all("ends in CR\r", 11, 1, out);
	cr_assert_str_eq(buf_str(out), "ends in CR\r\n.\r\n");
	buf_free(out);
}

Test(stuff, P2_framer_round_trip)
{
	static const char msg[] = "Subject: x\r\n\r\n.\r\n..\r\n.x\r\nend\r\n";
	struct buf	*wire = buf_new(64), *back = buf_new(64);
	struct framer	 f;

	stuff_all(msg, sizeof(msg) - 1, 7, wire);
	framer_init(&f, back, 0, 0);
	cr_assert_eq(framer_feed(&f, wire->data, buf_len(wire)),
	    buf_len(wire));
	cr_assert(f.done);
	cr_assert_str_eq(buf_str(back), msg);
	buf_free(wire);
	buf_free(back);
}
