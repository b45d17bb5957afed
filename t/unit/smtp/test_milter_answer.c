/* test_milter_answer.c - unit tests for smtp/milter_answer.c */

#include <signal.h>
#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "milter.h"
#include "milter_wire.h"

/* replies - the commands of the packed answer, as a string */

static void
replies(const struct milter_answer *a, char *cmds, size_t len)
{
	struct buf	*out = buf_new(256), *why = buf_new(64);
	struct milter_pkt p;
	const char	*s;
	size_t		 left, k = 0;
	ssize_t		 n;

	milter_answer_pack(a, out);
	s = out->data;
	left = buf_len(out);
	while ((n = milter_wire_parse(s, left, MILTER_PKT_MAX, &p, why)) > 0 &&
	    k + 1 < len) {
		cmds[k++] = (char)p.cmd;
		s += n;
		left -= (size_t)n;
	}
	cmds[k] = '\0';
	cr_assert_eq(left, 0);
	buf_free(out);
	buf_free(why);
}

Test(milter_answer, accept_sends_mods_then_continue)
{
	struct milter_answer *a = milter_answer_new(0x1ff);
	char		 c[16];

	cr_assert_eq(milter_answer_header(a, MILTER_HDR_INS, 0, "X-A", "1"),
	    0);
	cr_assert_eq(milter_answer_header(a, MILTER_HDR_CHG, 1, "Subject",
	    " [SPAM] x\r\n\ty"), 0);
	cr_assert_eq(milter_answer_rcpt(a, 0, "a@b"), 0);
	cr_assert_eq(milter_answer_rcpt(a, 1, "c@d"), 0);
	cr_assert_eq(milter_answer_quarantine(a, "why"), 0);
	replies(a, c, sizeof(c));
	cr_assert_str_eq(c, "im-+qc");
	cr_assert_eq(milter_answer_nmods(a), 5);
	milter_answer_free(a);
}

Test(milter_answer, not_granted_is_refused)
{
	struct milter_answer *a = milter_answer_new(SMFIF_ADDHDRS);
	char		 c[16];

	cr_assert_eq(milter_answer_header(a, MILTER_HDR_CHG, 1, "X", ""), -1);
	cr_assert_eq(milter_answer_rcpt(a, 1, "x@y"), -1);
	cr_assert_eq(milter_answer_rcpt(a, 0, "x@y"), -1);
	cr_assert_eq(milter_answer_body(a, "x", 1), -1);
	cr_assert_eq(milter_answer_quarantine(a, "q"), -1);
	cr_assert_eq(milter_answer_header(a, MILTER_HDR_ADD, 0, "X", "y"), 0);
	replies(a, c, sizeof(c));
	cr_assert_str_eq(c, "hc");
	milter_answer_free(a);
}

Test(milter_answer, body_in_chunks)
{
	struct milter_answer *a = milter_answer_new(SMFIF_CHGBODY);
	static char	 big[MILTER_CHUNK * 2 + 10];
	char		 c[16];

	memset(big, 'x', sizeof(big));
	cr_assert_eq(milter_answer_body(a, big, sizeof(big)), 0);
	replies(a, c, sizeof(c));
	cr_assert_str_eq(c, "bbbc");
	milter_answer_free(a);
}

Test(milter_answer, reject_drops_mods_and_cleans_the_line)
{
	struct milter_answer *a = milter_answer_new(0x1ff);
	char		 c[16];

	(void)milter_answer_header(a, MILTER_HDR_INS, 0, "X-A", "1");
	milter_answer_final(a, MILTER_REJECT, "554 5.7.1 100% spam\r\nX");
	replies(a, c, sizeof(c));
	cr_assert_str_eq(c, "y");
	cr_assert_str_eq(milter_answer_line(a), "554 5.7.1 100  spam");
	milter_answer_final(a, MILTER_TEMPFAIL, NULL);
	replies(a, c, sizeof(c));
	cr_assert_str_eq(c, "t");
	milter_answer_final(a, MILTER_DISCARD, NULL);
	replies(a, c, sizeof(c));
	cr_assert_str_eq(c, "d");
	milter_answer_free(a);
}

Test(milter_answer, reply_code_must_match, .signal = SIGABRT)
{
	struct milter_answer *a = milter_answer_new(0);

	milter_answer_final(a, MILTER_TEMPFAIL, "554 5.7.1 no");
}
