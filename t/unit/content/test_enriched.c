/* test_enriched.c - unit tests for content/enriched.c (each expected
 * output is also what GMime's enriched filter gives) */

#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "content_private.h"

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

TestSuite(enriched, .init = setup, .fini = teardown);

static const char *
conv(const char *in, int richtext)
{
	buf_reset(b);
	enriched_to_html(in, strlen(in), richtext, b);
	return (buf_str(b));
}

Test(enriched, formatting_and_line_ends)
{
	cr_assert_str_eq(conv("<bold>Now</bold> is\nthe\n\n\ntime.", 0),
	    "<b>Now</b> is the<br><br>time.");
	cr_assert_str_eq(conv("a  b<<c>d&e.", 0), "a&nbsp; b&lt;c&gt;d&amp;e.");
	cr_assert_str_eq(conv("<nofill>a\nb\n</nofill>x.", 0),
	    "a<br>b<br>x.");
	cr_assert_str_eq(conv("<unknown>x</unknown>.", 0), "x.");
}

Test(enriched, parameters)
{
	cr_assert_str_eq(conv("<color><param>red</param>hot</color> ", 0),
	    "<font color=\"red\">hot</font>");
	cr_assert_str_eq(conv("<color><param>ffff,0000,0000</param>x</color> "
	    , 0), "<font color=\"#FF0000\">x</font>");
	cr_assert_str_eq(conv("<paraindent><param>left,right</param>p"
	    "</paraindent> ", 0),
	    "<p style=\"margin-left:4em; margin-right:4em\">p</p>");
	cr_assert_str_eq(conv("<fontfamily><param>A\"B</param>t</fontfamily> ",
	    0), "<font face=\"A\">t</font>");
}

Test(enriched, richtext)
{
	cr_assert_str_eq(conv("a<nl>b<lt>c\nd.", 1), "a<br>b&lt;c d.");
}

Test(enriched, input_ending_too_soon_ends_there)
{
	cr_assert_str_eq(conv("text\n", 0), "text", "a last line end");
	cr_assert_str_eq(conv("x <bold", 0), "x ", "a command cut short");
	cr_assert_str_eq(conv("<color><param>red", 0), "");
}
