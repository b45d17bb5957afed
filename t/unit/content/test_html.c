/* test_html.c - unit tests for content/html.c */

#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "xalloc.h"
#include "content_private.h"

static struct content_msg *cm;

static void
setup(void)
{
	mime_init();
	html_init();
	cm = xcalloc(1, sizeof(*cm));
	cm->text = buf_new(64);
	cm->hidden = buf_new(64);
	cm->subject = xstrdup("");
}

static void
teardown(void)
{
	mime_free(cm);
}

TestSuite(html, .init = setup, .fini = teardown);

static const char *
html(const char *s)
{
	html_to_text(cm, s, strlen(s));
	return (buf_str(cm->text));
}

Test(html, visible_text_with_collapsed_space_and_blocks)
{
	cr_assert_str_eq(html("<html><body><p>Hello   <b>big</b>\n world</p>"
	    "<div>next&nbsp;line &amp; more</div></body></html>"),
	    "Hello big world\nnext line & more");
	cr_assert_eq(cm->signs, 0);
}

Test(html, script_style_head_are_not_text)
{
	cr_assert_str_eq(html("<head><title>t</title><style>p{}</style>"
	    "</head><body>a<script>var x=1;</script>b</body>"), "ab");
	cr_assert_eq(cm->hidden->len, 0);
}

Test(html, links_follow_the_text_on_lines_of_their_own)
{
	cr_assert_str_eq(html("<p>Click <a href=\"http://ex.example.com/x\">"
	    "here</a> or <img src=\"https://img.example.net/a.gif\" "
	    "alt=\"logo\"><a href=\"mailto:a@b.c\">mail</a></p>"
	    "<form action=\"http://f.example.org/post\"></form>"),
	    "Click here or logo mail\nhttp://ex.example.com/x\n"
	    "https://img.example.net/a.gif\nhttp://f.example.org/post\n");
	cr_assert_eq(cm->nurls, 3);
}

Test(html, relative_and_cid_links_are_not_kept)
{
	html("<a href=\"/local\">a</a><img src=\"cid:part1\">"
	    "<a href=\"javascript:x()\">b</a>");
	cr_assert_eq(cm->nurls, 0);
}

Test(html, display_none_is_hidden)
{
	cr_assert_str_eq(html("<p>buy <span style=\"display: none\">xqzt "
	    "random words</span>now</p>"), "buy now");
	cr_assert(cm->signs & CM_SIGN_HIDDEN);
	cr_assert(strstr(buf_str(cm->hidden), "random words") != NULL);
}

Test(html, visibility_hidden_and_hidden_attribute)
{
	html("<div style='visibility:hidden'>secret one</div>"
	    "<p hidden>secret two</p>shown");
	cr_assert_str_eq(buf_str(cm->text), "shown");
	cr_assert(cm->signs & CM_SIGN_HIDDEN);
}

Test(html, zero_font_size_is_tiny)
{
	cr_assert_str_eq(html("real<span style=\"font-size:0px\">junk text"
	    "</span>"), "real");
	cr_assert(cm->signs & CM_SIGN_TINY_FONT);
	cr_assert_not(cm->signs & CM_SIGN_HIDDEN);
}

Test(html, readable_font_size_is_not_tiny)
{
	html("<span style=\"font-size: 12px\">fine</span> "
	    "<span style=\"font-size:1.2em\">too</span>");
	cr_assert_str_eq(buf_str(cm->text), "fine too");
	cr_assert_eq(cm->signs, 0);
}

Test(html, white_on_white_is_invisible)
{
	cr_assert_str_eq(html("<body>ok<font color=\"#ffffff\">hash buster"
	    "</font></body>"), "ok");
	cr_assert(cm->signs & CM_SIGN_INVISIBLE);
}

Test(html, near_white_css_on_white_is_invisible)
{
	html("<p style=\"color: rgb(254,254,254)\">almost white</p>");
	cr_assert(cm->signs & CM_SIGN_INVISIBLE);
}

Test(html, white_on_dark_background_is_visible)
{
	cr_assert_str_eq(html("<table><tr><td bgcolor=\"#000000\">"
	    "<font color=white>Advertisement</font></td></tr></table>"),
	    "Advertisement");
	cr_assert_eq(cm->signs, 0);
}

Test(html, white_over_a_background_image_is_not_flagged)
{
	html("<td background=\"http://x.example/bg.gif\">"
	    "<font color=\"#fff\">on an image</font></td>");
	cr_assert_not(cm->signs & CM_SIGN_INVISIBLE);
}

Test(html, tables_do_not_inherit_font_colour)
{
	/* quirks mode: the white font around the table does not reach it */
	html("<font color=\"#ffffff\"><table><tr><td>copyright</td></tr>"
	    "</table></font>");
	cr_assert_str_eq(buf_str(cm->text), "copyright");
	cr_assert_not(cm->signs & CM_SIGN_INVISIBLE);
}

Test(html, comment_inside_a_word)
{
	cr_assert_str_eq(html("<p>V<!-- x -->iagra</p>"), "Viagra");
	cr_assert(cm->signs & CM_SIGN_COMMENT_SPLIT);
}

Test(html, comment_between_words_is_fine)
{
	cr_assert_str_eq(html("<p>one <!-- x --> two</p><!-- end -->"),
	    "one two");
	cr_assert_eq(cm->signs, 0);
}

Test(html, anchor_showing_another_domain)
{
	html("<a href=\"http://evil.example.ru/login\">"
	    "https://www.paypal.com/signin</a>");
	cr_assert(cm->signs & CM_SIGN_LINK_MISMATCH);
}

Test(html, anchor_showing_its_own_domain)
{
	html("<a href=\"http://news.example.com/a?id=1\">"
	    "www.example.com/a</a> <a href=\"http://x.example.org\">"
	    "click here</a>");
	cr_assert_not(cm->signs & CM_SIGN_LINK_MISMATCH);
}

Test(html, entities_and_utf8)
{
	cr_assert_str_eq(html("<p>caf&eacute; &#x41F;&#1088; \xe2\x82\xac"
	    "</p>"), "caf\xc3\xa9 \xd0\x9f\xd1\x80 \xe2\x82\xac");
}

Test(html, meta_charset_does_not_reinterpret)
{
	html("<meta charset=\"iso-8859-1\"><p>\xc3\xa9t\xc3\xa9</p>");
	cr_assert_str_eq(buf_str(cm->text), "\xc3\xa9t\xc3\xa9");
}

Test(html, deep_nesting_is_harmless)
{
	struct buf	*b = buf_new(1024);
	int		 i;

	for (i = 0; i < 20000; i++)
		buf_puts(b, "<div><span style=\"display:none\">");
	buf_puts(b, "deep");
	html_to_text(cm, b->data, b->len);
	buf_free(b);
	cr_assert(cm->text->len < 100);
}

Test(html, url_host_and_registrable_domain)
{
	char	 h[256], d[256];

	cr_assert_eq(html_url_host("HTTP://User:pw@WWW.Example.CO.UK:8080/x",
	    38, h, sizeof(h)), 0);
	cr_assert_str_eq(h, "www.example.co.uk");
	cr_assert_eq(html_reg_domain(h, d, sizeof(d)), 0);
	cr_assert_str_eq(d, "example.co.uk");
	cr_assert_eq(html_url_host("www.foo.com/bar", 15, h, sizeof(h)), 0);
	cr_assert_str_eq(h, "www.foo.com");
	cr_assert_eq(html_url_host("mailto:x@y.z", 12, h, sizeof(h)), -1);
	cr_assert_eq(html_url_host("http://localhost/", 17, h, sizeof(h)),
	    -1);
}

Test(html, malformed_colours_are_ignored)
{
	/* found by fuzz_mime_html: "rgb" without a parenthesis */
	html("<div style=\"font-size:.;color:rgb\x9e" "201,255,24o1F;\">x</div>"
	    "<p style=\"color:#12;background:rgb(\">y</p>");
	cr_assert_str_eq(buf_str(cm->text), "x\ny");
}

Test(html, colour_without_hash_at_the_start_of_a_value)
{
	/* found by fuzz_mime_html: read before "abc" looking for a '#' */
	html("<font color=abc>x</font><font color=\"fff\">y</font>");
	cr_assert_str_eq(buf_str(cm->text), "xy");
}
