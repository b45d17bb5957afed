/* test_avhdr.c - unit tests for av/avhdr.c: X-Winnow-Virus */

#include <string.h>

#include <criterion/criterion.h>

#include "av_private.h"
#include "avtest.h"

static struct buf	*out;
static struct findings	*f;

static void
setup(void)
{
	out = buf_new(256);
	f = findings_new();
}

static void
teardown(void)
{
	findings_free(f);
	buf_free(out);
}

TestSuite(avhdr, .init = setup, .fini = teardown);

Test(avhdr, statuses_alone)
{
	av_header_value(f, out);
	cr_assert_str_eq(buf_str(out), "not-scanned");
	buf_reset(out);
	f->av = AV_CLEAN;
	av_header_value(f, out);
	cr_assert_str_eq(buf_str(out), "clean");
	buf_reset(out);
	av_header_field(f, out);
	cr_assert_str_eq(buf_str(out), "X-Winnow-Virus: clean\r\n");
}

Test(avhdr, names_with_their_parts)
{
	f->av = AV_INFECTED;
	findings_add(&f->viruses, "Eicar-Test-Signature.UNOFFICIAL",
	    "part 2 (eicar.zip)", AV_INFECTED);
	findings_add(&f->viruses, "filter:name(*.exe)",
	    "part 3 (invoice.pdf.exe)", AV_FILTERED);
	av_header_value(f, out);
	cr_assert_str_eq(buf_str(out), "infected; "
	    "Eicar-Test-Signature.UNOFFICIAL (part 2 (eicar.zip)); "
	    "filter:name(*.exe) (part 3 (invoice.pdf.exe))");
}

Test(avhdr, untrusted_bytes_cannot_break_the_header)
{
	f->av = AV_FILTERED;
	findings_add(&f->viruses, "filter:name(*.exe)",
	    "part 2 (a\r\nX-Injected: yes;\x01\xc3\xa9.exe)", AV_FILTERED);
	av_header_field(f, out);
	cr_assert_null(strstr(buf_str(out), "\r\nX-Injected"));
	cr_assert_not_null(strstr(buf_str(out), "a??X-Injected: yes???"
	    "?.exe"), "%s", buf_str(out));
	/* Only printable ASCII, the fold and the final CRLF. */
	for (size_t i = 0; i < out->len; i++) {
		unsigned char c = (unsigned char)out->data[i];

		cr_assert(c == '\r' || c == '\n' || c == '\t' ||
		    (c >= 0x20 && c < 0x7f), "byte %02x at %zu", c, i);
	}
}

Test(avhdr, long_lists_are_cut_and_counted)
{
	char		 name[96], detail[96];
	int		 i;

	f->av = AV_INFECTED;
	for (i = 0; i < 40; i++) {
		memset(name, 'N', sizeof(name));
		(void)snprintf(name + 70, sizeof(name) - 70, "-%d", i);
		(void)snprintf(detail, sizeof(detail), "part %d (file-%d.bin)",
		    i + 1, i);
		findings_add(&f->viruses, name, detail, AV_INFECTED);
	}
	av_header_value(f, out);
	cr_assert_leq(out->len, AV_HEADER_MAX);
	cr_assert_not_null(strstr(buf_str(out), " more"));
	cr_assert_not_null(strstr(buf_str(out), "; +3"), "%s", buf_str(out));
}

Test(avhdr, field_is_folded_below_78_columns)
{
	const char	*p, *e;
	int		 i;

	f->av = AV_INFECTED;
	for (i = 0; i < 6; i++)
		findings_add(&f->viruses, "Win.Trojan.SomethingLong-123456",
		    "part 2 (a-rather-long-attachment-name.zip)", AV_INFECTED);
	av_header_field(f, out);
	cr_assert(strncmp(buf_str(out), "X-Winnow-Virus: infected;", 25) ==
	    0);
	for (p = buf_str(out); *p != '\0'; p = e + 2) {
		cr_assert_not_null(e = strstr(p, "\r\n"));
		cr_assert_leq(e - p, 78, "line of %d: %.*s", (int)(e - p),
		    (int)(e - p), p);
		cr_assert(p == buf_str(out) || *p == '\t');
		cr_assert(e == p || e[-1] != ' ', "trailing blank");
	}
}
