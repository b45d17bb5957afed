/* test_mail.c - unit tests for mail/mail.c: building, limits, freeing */

#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "mail.h"

/* nested - n multiparts, one inside the other, a text leaf at the bottom */

static struct buf *
nested(int n)
{
	struct buf	*b = buf_new(4096);
	int		 i;

	buf_puts(b, "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=b0\r\n\r\n");
	for (i = 1; i < n; i++)
		buf_printf(b, "--b%d\r\nContent-Type: multipart/mixed; "
		    "boundary=b%d\r\n\r\n", i - 1, i);
	buf_printf(b, "--b%d\r\nContent-Type: text/plain\r\n\r\ndeep\r\n",
	    n - 1);
	for (i = n - 1; i >= 0; i--)
		buf_printf(b, "--b%d--\r\n", i);
	return (b);
}

/* flat - a multipart of n text parts */

static struct buf *
flat(int n)
{
	struct buf	*b = buf_new(4096);
	int		 i;

	buf_puts(b, "Content-Type: multipart/mixed; boundary=x\r\n\r\n");
	for (i = 0; i < n; i++)
		buf_printf(b, "--x\r\nContent-Type: text/plain\r\n\r\n%d\r\n",
		    i);
	buf_puts(b, "--x--\r\n");
	return (b);
}

Test(mail, the_callers_bytes_are_indexed_in_place)
{
	static const char msg[] = "Subject: hi\r\n\r\nbody\r\n";
	struct mail	*m = mail_new(msg, sizeof(msg) - 1, NULL);

	cr_assert(m->message);
	cr_assert_eq(m->data, msg, "no copy");
	cr_assert_eq(m->nparts, 1);
	cr_assert_eq(m->nleaves, 1);
	cr_assert_str_eq(m->part[0].type, "text");
	cr_assert_str_eq(m->part[0].subtype, "plain");
	cr_assert(m->part[0].flags & MAIL_PART_NO_TYPE);
	cr_assert_eq(m->part[0].parent, MAIL_NONE);
	cr_assert(strncmp(msg + m->part[0].body_start, "body\r\n", 6) == 0);
	cr_assert_eq(m->part[0].body_end, sizeof(msg) - 1);
	mail_free(m);
	mail_free(NULL);
}

Test(mail, mbox_from_line_is_not_a_header)
{
	static const char msg[] = "From a@b.example Thu Aug 22 13:17:22 2002\n"
	    "Subject: s\n\nbody\n";
	struct mail	*m = mail_new(msg, sizeof(msg) - 1, NULL);

	cr_assert(m->message);
	cr_assert_eq(m->text_start, strchr(msg, '\n') + 1 - msg);
	cr_assert_eq(m->nfields, 1);
	mail_free(m);
}

Test(mail, not_a_message)
{
	struct mail	*m;

	m = mail_new("just text, no header\r\n", 22, NULL);
	cr_assert_not(m->message);
	cr_assert_eq(m->nparts, 0);
	mail_free(m);
	m = mail_new("", 0, NULL);
	cr_assert_not(m->message);
	mail_free(m);
	m = mail_new(NULL, 0, NULL);
	cr_assert_not(m->message);
	mail_free(m);
	/* a header name that runs to the end of the data */
	m = mail_new("Subject: x\r\nfoo", 15, NULL);
	cr_assert_not(m->message);
	mail_free(m);
}

Test(mail, an_entity_has_no_mbox_line_and_owns_all_fields)
{
	static const char e[] = "Content-Type: text/html\r\nX-A: b\r\n\r\n<p>x";
	struct mail	*m = mail_new_entity(e, sizeof(e) - 1, NULL);

	cr_assert(m->message);
	cr_assert_str_eq(m->part[0].subtype, "html");
	cr_assert_eq(m->part[0].nfields, 2);
	mail_free(m);
	m = mail_new_entity("From x\r\n\r\n", 10, NULL);
	cr_assert_not(m->message, "a From line is only a message's");
	mail_free(m);
}

Test(mail, part_limit_stops_the_index)
{
	struct mail_limits lim = { 3, 20 };
	struct buf	*b = flat(10);
	struct mail	*m = mail_new(b->data, b->len, &lim);

	cr_assert(m->limits & MAIL_LIMIT_PARTS);
	cr_assert_eq(m->nleaves, 3);
	cr_assert_eq(m->nparts, 4);
	cr_assert(m->part[0].flags & MAIL_PART_OPEN);
	mail_free(m);
	lim.max_parts = 10;
	m = mail_new(b->data, b->len, &lim);
	cr_assert_eq(m->limits, 0);
	cr_assert_eq(m->nleaves, 10);
	mail_free(m);
	buf_free(b);
}

Test(mail, depth_limit_skips_the_deep_part_only)
{
	struct mail_limits lim = { 200, 5 };
	struct buf	*b = nested(10);
	struct mail	*m;
	unsigned int	 i;

	m = mail_new(b->data, b->len, &lim);
	cr_assert(m->limits & MAIL_LIMIT_DEPTH);
	cr_assert_eq(m->nleaves, 0);
	for (i = 0; i < m->nparts; i++)
		cr_assert_leq(m->part[i].depth, 5);
	cr_assert(m->part[m->nparts - 1].flags & MAIL_PART_DEPTH);
	mail_free(m);
	buf_free(b);

	/* a sibling after the deep part is still indexed */
	b = buf_new(1024);
	buf_puts(b, "Content-Type: multipart/mixed; boundary=a\r\n\r\n"
	    "--a\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
	    "--b\r\nContent-Type: text/plain\r\n\r\ntoo deep\r\n--b--\r\n"
	    "--a\r\nContent-Type: text/html\r\n\r\n<p>after\r\n--a--\r\n");
	lim.max_depth = 1;
	m = mail_new(b->data, b->len, &lim);
	cr_assert(m->limits & MAIL_LIMIT_DEPTH);
	cr_assert_eq(m->nleaves, 1);
	cr_assert_str_eq(m->part[m->nparts - 1].subtype, "html");
	mail_free(m);
	buf_free(b);
}

Test(mail, many_empty_multiparts_are_bounded)
{
	struct buf	*b = buf_new(1 << 20);
	struct mail	*m;
	int		 i;

	buf_puts(b, "Content-Type: multipart/mixed; boundary=x\r\n\r\n");
	for (i = 0; i < 20000; i++)
		buf_puts(b, "--x\r\nContent-Type: multipart/mixed\r\n\r\n");
	buf_puts(b, "--x--\r\n");
	m = mail_new(b->data, b->len, NULL);
	cr_assert(m->limits & MAIL_LIMIT_PARTS);
	cr_assert_leq(m->nparts, MAIL_MIN_CONTAINERS);
	mail_free(m);
	buf_free(b);
}

Test(mail, the_default_limits_are_contents)
{
	cr_assert_eq(mail_limits.max_parts, MAIL_MAX_PARTS_DEFAULT);
	cr_assert_eq(mail_limits.max_depth, MAIL_MAX_DEPTH_DEFAULT);
}
