/* test_mailmime.c - unit tests for mail/mailmime.c: the MIME structure,
 * and golden files of the index of every t/data/content/\*.in
 *
 * The golden form (t/data/mail/\*.ref) lists each part: its parent, depth,
 * flags, type, charset, file name, disposition, transfer encoding, the
 * offsets of its header block and body and the names of its fields.  After
 * a deliberate change regenerate them with
 *	WINNOW_GOLDEN_UPDATE=1 build/t/unit/mail/test_mailmime
 * and review the diff.  (The structure was checked against GMime 3.2 over
 * the development corpus when mail/ was written; see its commit.)
 */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "mail.h"
#include "testutil.h"

static struct mail	*m;

static void
teardown(void)
{
	mail_free(m);
	m = NULL;
}

TestSuite(mailmime, .fini = teardown);

/* idx - index a string */

static void
idx(const char *s)
{
	mail_free(m);
	m = mail_new(s, strlen(s), NULL);
}

/* body - a part's raw body as a string (static) */

static const char *
body(unsigned int i)
{
	static char	 out[256];

	(void)snprintf(out, sizeof(out), "%.*s",
	    (int)(m->part[i].body_end - m->part[i].body_start),
	    m->data + m->part[i].body_start);
	return (out);
}

Test(mailmime, multipart_parts_and_the_line_end_before_a_boundary)
{
	idx("Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
	    "prologue\r\n--b\r\nContent-Type: text/plain\r\n\r\none\r\n"
	    "--b\r\n\r\ntwo\r\n--b--\r\nepilogue\r\n");
	cr_assert_eq(m->nparts, 3);
	cr_assert(m->part[0].flags & MAIL_PART_MULTIPART);
	cr_assert_str_eq(m->part[0].boundary, "b");
	cr_assert_eq(m->part[0].prologue_end - m->part[0].body_start, 8);
	cr_assert_str_eq(body(1), "one");
	cr_assert_str_eq(body(2), "two");
	cr_assert(m->part[2].flags & MAIL_PART_NO_TYPE);
	cr_assert_eq(m->part[1].parent, 0);
	cr_assert_eq(m->part[2].depth, 1);
	cr_assert(strncmp(m->data + m->part[1].hdr_start, "Content-Type", 12)
	    == 0, "the header block starts after the boundary line");
	cr_assert_eq(m->part[0].body_end, m->len,
	    "the epilogue is the multipart's");
}

Test(mailmime, an_outer_boundary_ends_an_inner_part)
{
	idx("Content-Type: multipart/mixed; boundary=o\n\n--o\n"
	    "Content-Type: multipart/alternative; boundary=i\n\n--i\n\n"
	    "inner, never closed\n--o\n\nnext\n--o--\n");
	cr_assert_eq(m->nparts, 4);
	cr_assert_str_eq(body(2), "inner, never closed");
	cr_assert(m->part[1].flags & MAIL_PART_OPEN);
	cr_assert_eq(m->part[3].parent, 0);
	cr_assert_str_eq(body(3), "next");
}

Test(mailmime, empty_parts_and_parts_without_a_body)
{
	idx("Content-Type: multipart/mixed; boundary=b\n\n--b\n--b\n"
	    "Content-Type: text/html\n--b\n\nthird\n--b--\n");
	cr_assert_eq(m->nparts, 3, "the empty part is passed over");
	cr_assert(m->part[1].flags & MAIL_PART_NO_BODY);
	cr_assert_str_eq(body(2), "third");
	cr_assert_eq(m->problems, 1, "a part with neither header nor body");
}

Test(mailmime, attached_messages)
{
	idx("Content-Type: multipart/mixed; boundary=b\n\n--b\n"
	    "Content-Type: message/rfc822\n\nSubject: inner\n"
	    "Content-Type: text/plain\n\ninner body\n--b\n"
	    "Content-Type: message/rfc822\nContent-Transfer-Encoding: base64"
	    "\n\nU3ViamVjdDogeAoKeQo=\n--b--\n");
	cr_assert_eq(m->nparts, 4);
	cr_assert(m->part[1].flags & MAIL_PART_MESSAGE);
	cr_assert_eq(m->part[2].parent, 1);
	cr_assert_eq(m->part[2].depth, 2);
	cr_assert_not_null(mailhdr_first(m, 2, "Subject"),
	    "the message's fields are its top part's");
	cr_assert_str_eq(body(2), "inner body");
	cr_assert(m->part[3].flags & MAIL_PART_ENCODED_MSG);
	cr_assert(m->part[3].flags & MAIL_PART_LEAF);
}

Test(mailmime, digest_parts_are_messages)
{
	idx("Content-Type: multipart/digest; boundary=d\n\n--d\n\n"
	    "Subject: one\n\nbody one\n--d--\n");
	cr_assert_str_eq(m->part[1].type, "message");
	cr_assert(m->part[1].flags & MAIL_PART_MESSAGE);
	cr_assert_eq(m->nparts, 3);
}

Test(mailmime, multipart_without_boundary_is_all_prologue)
{
	idx("Content-Type: multipart/mixed\n\nSubject: x\n\ntext\n");
	cr_assert(m->part[0].flags & MAIL_PART_NO_BOUNDARY);
	cr_assert_eq(m->nparts, 1);
	cr_assert_eq(m->part[0].prologue_end, m->len);
	cr_assert_eq(m->problems, 1);
}

Test(mailmime, multipart_without_body_has_empty_prologue)
{
	/* the inner header block ends at the outer boundary line */
	idx("Content-Type: multipart/mixed; boundary=b\n\n--b\n"
	    "Content-Type: multipart/alternative; boundary=x\n--b--\n");
	cr_assert_eq(m->nparts, 2);
	cr_assert(m->part[1].flags & MAIL_PART_NO_BODY);
	cr_assert_eq(m->part[1].prologue_end, m->part[1].body_start);
}

Test(mailmime, type_names_and_parameters)
{
	idx("Content-Type: Text/HTML; Charset=\"ISO-8859-1\"; name=a.htm\n"
	    "Content-Disposition: Attachment; filename*=utf-8''r%C3%A9.htm\n"
	    "Content-Transfer-Encoding: Quoted-Printable\n\n<p>\n");
	cr_assert_str_eq(m->part[0].type, "text");
	cr_assert_str_eq(m->part[0].subtype, "html");
	cr_assert_str_eq(m->part[0].charset, "ISO-8859-1");
	cr_assert_str_eq(m->part[0].filename, "r\xc3\xa9.htm");
	cr_assert_str_eq(m->part[0].disposition, "Attachment");
	cr_assert(m->part[0].flags & MAIL_PART_ATTACHMENT);
	cr_assert_eq(m->part[0].cte, MAIL_CTE_QP);
	idx("Content-Type: garbage\n\nx\n");
	cr_assert_str_eq(m->part[0].type, "application");
	cr_assert(m->part[0].flags & MAIL_PART_BAD_TYPE);
}

Test(mailmime, conflicting_fields_and_parameters_are_problems)
{
	idx("Subject: a\nSubject: b\nX-A: 1\nX-A: 2\n"
	    "Content-Type: text/plain; charset=a; charset=b\n\nx\n");
	cr_assert_eq(m->problems, 2, "Subject (a singleton) and charset");
}

Test(mailmime, white_space_line_then_no_field_ends_the_header)
{
	idx("Subject: x\n \nthis is body text\n");
	cr_assert(m->part[0].flags & MAIL_PART_WS_END);
	cr_assert_str_eq(body(0), "this is body text\n");
	idx("Subject: x\n \nTo: y\n\nbody\n");
	cr_assert_not(m->part[0].flags & MAIL_PART_WS_END,
	    "a folded empty continuation before a field");
}

Test(mailmime, boundaries_match_the_whole_line)
{
	idx("Content-Type: multipart/mixed; boundary=b\n\n--b\n\n"
	    "--bb is not it\n--b  \t\n\nsecond\n--b--\n");
	cr_assert_eq(m->nparts, 3);
	cr_assert_str_eq(body(1), "--bb is not it");
}

/* golden_render - the golden form of an index */

static void
golden_render(const struct mail *x, struct buf *o)
{
	const struct mail_part *p;
	unsigned int	 i, k;

	buf_printf(o, "message %d nparts %u nleaves %u nfields %u limits %u "
	    "problems %u text_start %zu\n", x->message, x->nparts, x->nleaves,
	    x->nfields, x->limits, x->problems, x->text_start);
	for (i = 0; i < x->nparts; i++) {
		p = &x->part[i];
		buf_printf(o, "%u parent %d depth %u flags %#x %s/%s cte %d",
		    i, p->parent == MAIL_NONE ? -1 : (int)p->parent, p->depth,
		    p->flags, p->type, p->subtype, (int)p->cte);
		if (p->charset != NULL)
			buf_printf(o, " charset=%s", p->charset);
		if (p->boundary != NULL)
			buf_printf(o, " boundary=%s", p->boundary);
		if (p->disposition != NULL)
			buf_printf(o, " disposition=%s", p->disposition);
		if (p->filename != NULL)
			buf_printf(o, " filename=\"%s\"", p->filename);
		buf_printf(o, "\n  header %zu-%zu body %zu-%zu", p->hdr_start,
		    p->hdr_end, p->body_start, p->body_end);
		if (p->flags & MAIL_PART_MULTIPART)
			buf_printf(o, " prologue-end %zu", p->prologue_end);
		buf_puts(o, "\n  fields:");
		for (k = p->field; k < p->field + p->nfields; k++)
			buf_printf(o, " %.*s", (int)x->field[k].name_len,
			    x->data + x->field[k].name);
		buf_puts(o, "\n");
	}
}

/* golden_one - compare (or update) one file; 0 if it matches */

static int
golden_one(const char *in, const char *ref, int update)
{
	struct buf	*o = buf_new(4096);
	char		*data, *want, out[2048];
	size_t		 len, wlen;
	struct mail	*x;
	FILE		*fp;
	int		 rc = 0;

	data = tu_read_file(in, &len);
	x = mail_new(data, len, NULL);
	golden_render(x, o);
	mail_free(x);
	free(data);
	if (update) {
		cr_assert_not_null(fp = fopen(ref, "w"));
		(void)fwrite(o->data, 1, o->len, fp);
		(void)fclose(fp);
	} else {
		want = tu_read_file(ref, &wlen);
		if (wlen != o->len || memcmp(want, o->data, wlen) != 0) {
			(void)snprintf(out, sizeof(out), "%s/%s.out",
			    tu_tmpdir(), strrchr(ref, '/') + 1);
			fp = fopen(out, "w");
			(void)fwrite(o->data, 1, o->len, fp);
			(void)fclose(fp);
			cr_log_error("diff -u %s %s", ref, out);
			rc = 1;
		}
		free(want);
	}
	buf_free(o);
	return (rc);
}

Test(mailmime, golden_index_of_the_content_samples)
{
	char		 dir[1024], in[2048], ref[2048];
	struct dirent	*e;
	size_t		 l;
	int		 n = 0, bad = 0;
	DIR		*d;

	(void)snprintf(dir, sizeof(dir), "%s/t/data/content", tu_srcdir());
	cr_assert_not_null(d = opendir(dir), "%s", dir);
	while ((e = readdir(d)) != NULL) {
		l = strlen(e->d_name);
		if (l < 4 || strcmp(e->d_name + l - 3, ".in") != 0)
			continue;
		(void)snprintf(in, sizeof(in), "%s/%s", dir, e->d_name);
		(void)snprintf(ref, sizeof(ref), "%s/t/data/mail/%.*s.ref",
		    tu_srcdir(), (int)(l - 3), e->d_name);
		bad += golden_one(in, ref,
		    getenv("WINNOW_GOLDEN_UPDATE") != NULL);
		n++;
	}
	(void)closedir(d);
	cr_assert_gt(n, 40, "only %d samples", n);
	cr_assert_eq(bad, 0, "%d of %d golden files differ", bad, n);
}
