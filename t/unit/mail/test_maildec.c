/* test_maildec.c - unit tests for mail/maildec.c: transfer decoding */

#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "mail.h"

static struct buf	*b;

static void
setup(void)
{
	b = buf_new(64);
}

static void
teardown(void)
{
	buf_free(b);
}

TestSuite(maildec, .init = setup, .fini = teardown);

/* dec - decode a string */

static const char *
dec(enum mail_cte cte, const char *in, size_t max)
{
	buf_reset(b);
	(void)maildec_buf(cte, in, strlen(in), b, max);
	return (buf_str(b));
}

Test(maildec, encoding_names)
{
	cr_assert_eq(maildec_cte(" Base64 "), MAIL_CTE_BASE64);
	cr_assert_eq(maildec_cte("quoted-printable"), MAIL_CTE_QP);
	cr_assert_eq(maildec_cte("x-uue"), MAIL_CTE_UUENCODE);
	cr_assert_eq(maildec_cte("8-bit"), MAIL_CTE_8BIT);
	cr_assert_eq(maildec_cte("base64x"), MAIL_CTE_DEFAULT);
	cr_assert_eq(maildec_cte(""), MAIL_CTE_DEFAULT);
}

Test(maildec, base64)
{
	cr_assert_str_eq(dec(MAIL_CTE_BASE64, "SGVs\r\nbG8g d29y!bGQ=", 0),
	    "Hello world", "junk and line ends skipped");
	cr_assert_str_eq(dec(MAIL_CTE_BASE64, "YQ==YWJj", 0), "a",
	    "the first '=' ends the data");
	cr_assert_str_eq(dec(MAIL_CTE_BASE64, "YWJjZGVm", 4), "abcd");
}

Test(maildec, quoted_printable)
{
	cr_assert_str_eq(dec(MAIL_CTE_QP, "caf=E9 =\r\nau=\nlait", 0),
	    "caf\xe9 aulait", "soft breaks, CRLF or LF");
	cr_assert_str_eq(dec(MAIL_CTE_QP, "a=zz b=e9", 0), "a=zz b\xe9",
	    "broken escapes kept, lower-case hex read");
	cr_assert_str_eq(dec(MAIL_CTE_QP, "end=", 0), "end");
}

Test(maildec, uuencode)
{
	cr_assert_str_eq(dec(MAIL_CTE_UUENCODE,
	    "junk\nbegin 644 a.txt\n#:&D*\n`\nend\n", 0), "hi\n");
	cr_assert_str_eq(dec(MAIL_CTE_UUENCODE,
	    "begin 644 a.txt\r\n#:&D*\r\n`\r\nend\r\n", 0), "hi\n",
	    "CRLF lines");
	cr_assert_str_eq(dec(MAIL_CTE_UUENCODE, "#:&D*\n", 0), "",
	    "nothing without a begin line");
}

Test(maildec, other_encodings_are_copied)
{
	cr_assert_str_eq(dec(MAIL_CTE_8BIT, "caf\xe9=41", 0), "caf\xe9=41");
	cr_assert_str_eq(dec(MAIL_CTE_DEFAULT, "abcdef", 3), "abc");
}

Test(maildec, a_parts_body)
{
	static const char msg[] = "Content-Type: multipart/mixed; boundary=b"
	    "\n\n--b\nContent-Transfer-Encoding: base64\n\nAAECAwQFBgcICQ==\n"
	    "--b--\n";
	struct mail	*m = mail_new(msg, sizeof(msg) - 1, NULL);

	cr_assert_eq(maildec_part(m, 1, b, 0), 10);
	cr_assert(memcmp(b->data, "\0\1\2\3\4\5\6\7\10\11", 10) == 0);
	mail_free(m);
}
