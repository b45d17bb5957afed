/* test_office.c - unit tests for content/office.c: the text of Word
 * documents (files made by bench/office-gen.py; antiword and catdoc read
 * the same text from the .doc files) */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "content_private.h"
#include "testutil.h"

static struct buf	*out;

static void
setup(void)
{
	out = buf_new(256);
}

static void
teardown(void)
{
	buf_free(out);
}

TestSuite(office, .init = setup, .fini = teardown);

/* text - the text of t/data/content/office/NAME, bounded by max */

static int
text(const char *name, size_t max)
{
	char		 path[1024], *data;
	size_t		 len;
	int		 rc;

	(void)snprintf(path, sizeof(path), "%s/t/data/content/office/%s",
	    tu_srcdir(), name);
	data = tu_read_file(path, &len);
	buf_reset(out);
	rc = office_to_text(data, len, max, 0, out);
	free(data);
	return (rc);
}

Test(office, word97_8bit_pieces)
{
	cr_assert_eq(text("sample.doc", 1 << 20), 0);
	cr_assert_str_eq(buf_str(out), "Dear friend,\nBuy cheap meds at "
	    "http://pills.example.test/buy now.\nPrices \xe2\x82\xac" "5 only "
	    "\xe2\x80\x93 limited offer.\n");
}

Test(office, word97_utf16_pieces)
{
	cr_assert_eq(text("unicode.doc", 1 << 20), 0);
	cr_assert_str_eq(buf_str(out), "Gr\xc3\xbc\xc3\x9f" "e aus "
	    "M\xc3\xbcnchen\n\xe4\xbd\xa0\xe5\xa5\xbd \xd0\xbf\xd1\x80\xd0\xb8"
	    "\xd0\xb2\xd0\xb5\xd1\x82\n");
}

Test(office, word6)
{
	cr_assert_eq(text("sample6.doc", 1 << 20), 0);
	cr_assert(strstr(buf_str(out), "Buy cheap meds at http://pills."
	    "example.test/buy now.\n") != NULL, "%s", buf_str(out));
	cr_assert(strstr(buf_str(out), "\xe2\x82\xac" "5") != NULL);
}

Test(office, docx_text_and_links)
{
	cr_assert_eq(text("sample.docx", 1 << 20), 0);
	cr_assert(strstr(buf_str(out), "Dear friend,\nBuy cheap meds at "
	    "http://pills.example.test/buy now.\n") != NULL, "%s",
	    buf_str(out));
	/* the link target of the relationship, on its own line */
	cr_assert(strstr(buf_str(out), "\nhttp://pills.example.test/buy\n") !=
	    NULL, "%s", buf_str(out));
	cr_assert_eq(text("unicode.docx", 1 << 20), 0);
	cr_assert(strstr(buf_str(out), "M\xc3\xbcnchen\n") != NULL);
}

Test(office, bounded_by_max)
{
	cr_assert_eq(text("sample.doc", 10), 0);
	cr_assert_leq(buf_len(out), 11);		/* and the line end */
	cr_assert(g_utf8_validate(out->data, (gssize)out->len, NULL));
	cr_assert_eq(text("unicode.docx", 3), 0);
	cr_assert_leq(buf_len(out), 4 + 3);
	cr_assert(g_utf8_validate(out->data, (gssize)out->len, NULL));
}

Test(office, not_word_and_broken)
{
	char	 junk[600];

	buf_reset(out);
	cr_assert_eq(office_to_text("hello", 5, 100, 0, out), -1);
	cr_assert_eq(buf_len(out), 0);
	/* the OLE2 magic and nothing behind it */
	memset(junk, 0, sizeof(junk));
	memcpy(junk, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8);
	cr_assert_eq(office_to_text(junk, sizeof(junk), 100, 0, out), -1);
	/* a zip header and nothing behind it */
	cr_assert_eq(office_to_text("PK\x03\x04xxxx", 8, 100, 0, out), -1);
	cr_assert_eq(buf_len(out), 0);
}

Test(office, truncated_documents_give_no_crash)
{
	char		 path[1024], *data;
	size_t		 len, cut;

	(void)snprintf(path, sizeof(path), "%s/t/data/content/office/"
	    "sample.doc", tu_srcdir());
	data = tu_read_file(path, &len);
	for (cut = 0; cut < len; cut += 97) {
		buf_reset(out);
		(void)office_to_text(data, cut, 1 << 20, 0, out);
		cr_assert(g_utf8_validate(out->data, (gssize)out->len, NULL));
	}
	free(data);
}
