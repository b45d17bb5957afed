/* test_edit.c - unit tests for policy/edit.c */

#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "edit.h"
#include "mail.h"

/* render - concatenate an edit's segments */

static void
render(struct edit *e, struct buf *out)
{
	const struct iovec *s;
	size_t		 n, i;

	n = edit_segments(e, &s);
	for (i = 0; i < n; i++)
		buf_append(out, s[i].iov_base, s[i].iov_len);
}

static const char msg[] =
    "Received: from a\r\n"
    "X-Winnow-Status: spam\r\n"
    "\tcontinued\r\n"
    "Subject: hello\r\n"
    " world\r\n"
    "x-winnow-score: 99\r\n"
    "To: b@example.com\r\n"
    "\r\n"
    "Body X-Winnow-Status: stays\r\n";

Test(edit, header_len)
{
	cr_assert_eq(mailhdr_len(msg, sizeof(msg) - 1),
	    strstr(msg, "\r\n\r\n") - msg + 4);
	cr_assert_eq(mailhdr_len("\r\nbody", 6), 2);
	cr_assert_eq(mailhdr_len("A: b\r\n", 6), 6);
}

Test(edit, body_without_header_gets_the_empty_line)
{
	static const char body[] = "Hello there: a body line\r\n"
	    "no colon here\r\n\r\nlast\r\n";
	static const char text[] = "just text\r\nSubject: body too\r\n";
	struct edit	*e;
	struct buf	*out = buf_new(256);

	/* "Hello there:" has a space in its name: not a field. */
	e = edit_new(body, sizeof(body) - 1, mailhdr_len(body,
	    sizeof(body) - 1));
	edit_add_header(e, "X-Winnow-Status", "clean");
	render(e, out);
	cr_assert_str_eq(buf_str(out), "X-Winnow-Status: clean\r\n\r\n"
	    "Hello there: a body line\r\nno colon here\r\n\r\n"
	    "last\r\n");
	cr_assert_eq(edit_size(e), buf_len(out));
	edit_free(e);

	/* A tag on a message without a Subject: ours, then the empty line;
	 * the body's "Subject:" line is body and stays as it was. */
	buf_reset(out);
	e = edit_new(text, sizeof(text) - 1, mailhdr_len(text,
	    sizeof(text) - 1));
	edit_subject_tag(e, "[SPAM]");
	edit_remove_prefix(e, "Subject");
	render(e, out);
	cr_assert_str_eq(buf_str(out), "Subject: [SPAM]\r\n\r\njust text\r\n"
	    "Subject: body too\r\n");
	edit_free(e);

	/* Untouched, it stays byte for byte; an empty header is not "none". */
	buf_reset(out);
	e = edit_new(text, sizeof(text) - 1, sizeof(text) - 1);
	render(e, out);
	cr_assert_str_eq(buf_str(out), text);
	edit_free(e);
	buf_reset(out);
	e = edit_new("\r\nbody\r\n", 8, 2);
	edit_add_header(e, "X-A", "b");
	render(e, out);
	cr_assert_str_eq(buf_str(out), "X-A: b\r\n\r\nbody\r\n");
	edit_free(e);
	buf_free(out);
}

Test(edit, untouched_is_byte_identical)
{
	struct edit	*e;
	struct buf	*out = buf_new(256);

	e = edit_new(msg, sizeof(msg) - 1, mailhdr_len(msg,
	    sizeof(msg) - 1));
	render(e, out);
	cr_assert_eq(buf_len(out), sizeof(msg) - 1);
	cr_assert_eq(memcmp(out->data, msg, sizeof(msg) - 1), 0);
	cr_assert_eq(edit_size(e), sizeof(msg) - 1);
	edit_free(e);
	buf_free(out);
}

Test(edit, remove_prefix_with_continuations)
{
	struct edit	*e;
	struct buf	*out = buf_new(256);

	e = edit_new(msg, sizeof(msg) - 1, mailhdr_len(msg,
	    sizeof(msg) - 1));
	edit_remove_prefix(e, "X-Winnow-");
	render(e, out);
	cr_assert_str_eq(buf_str(out),
	    "Received: from a\r\n"
	    "Subject: hello\r\n"
	    " world\r\n"
	    "To: b@example.com\r\n"
	    "\r\n"
	    "Body X-Winnow-Status: stays\r\n");
	edit_free(e);
	buf_free(out);
}

Test(edit, added_headers_are_safe_and_folded)
{
	struct edit	*e;
	struct buf	*out = buf_new(256);
	const char	*p;

	e = edit_new("\r\nbody\r\n", 8, 2);
	edit_add_header(e, "X-Test", "evil\r\nInjected: yes and a long long "
	    "long long long long long long long long long long long value");
	render(e, out);
	p = buf_str(out);
	cr_assert(strstr(p, "\r\nInjected:") == NULL, "%s", p);
	cr_assert(strstr(p, "X-Test: evil\\r\\nInjected: yes") == p, "%s", p);
	cr_assert(strstr(p, "\r\n\t") != NULL, "not folded: %s", p);
	cr_assert(strstr(p, " \r\n") == NULL, "trailing space: %s", p);
	edit_free(e);
	buf_free(out);
}

Test(edit, subject_tag)
{
	struct edit	*e;
	struct buf	*out = buf_new(256);

	e = edit_new(msg, sizeof(msg) - 1, mailhdr_len(msg,
	    sizeof(msg) - 1));
	edit_subject_tag(e, "[SPAM]");
	render(e, out);
	cr_assert(strstr(buf_str(out), "Subject: [SPAM] hello\r\n world\r\n")
	    != NULL, "%s", buf_str(out));
	edit_free(e);

	buf_reset(out);
	e = edit_new("Subject: [SPAM] x\r\n\r\n", 21, 21);
	edit_subject_tag(e, "[SPAM]");
	render(e, out);
	cr_assert_str_eq(buf_str(out), "Subject: [SPAM] x\r\n\r\n");
	edit_free(e);

	buf_reset(out);
	e = edit_new("From: a\r\n\r\nb", 12, 11);
	edit_subject_tag(e, "[SPAM]");
	render(e, out);
	cr_assert_str_eq(buf_str(out), "From: a\r\nSubject: [SPAM]\r\n\r\nb");
	edit_free(e);
	buf_free(out);
}

Test(edit, key_distinguishes_results)
{
	struct edit	*a, *b, *c;

	a = edit_new(msg, sizeof(msg) - 1, 10);
	b = edit_new(msg, sizeof(msg) - 1, 10);
	c = edit_new(msg, sizeof(msg) - 1, 10);
	edit_add_header(a, "X-Winnow-Info", "not protected");
	edit_add_header(b, "X-Winnow-Info", "not protected");
	edit_subject_tag(c, "[SPAM]");
	cr_assert_str_eq(edit_key(a), edit_key(b));
	cr_assert_str_neq(edit_key(a), edit_key(c));
	edit_free(a);
	edit_free(b);
	edit_free(c);
}
