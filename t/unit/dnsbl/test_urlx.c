/* test_urlx.c - unit tests for dnsbl/urlx.c: URLs, obfuscations, MIME */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <libpsl.h>

#include "dnsbl_private.h"

static psl_ctx_t	*psl;
static struct urlx	*u;

static void
setup(void)
{
	psl = psl_latest(NULL);
	cr_assert_not_null(psl);
	u = urlx_new(psl, 100, 1 << 20);
}

static void
teardown(void)
{
	urlx_free(u);
	psl_free(psl);
}

TestSuite(urlx, .init = setup, .fini = teardown);

/* hosts - the hosts found, in order, joined by spaces */

static const char *
hosts(void)
{
	static char	 out[4096];
	const char	*h;
	size_t		 i, o = 0;

	out[0] = '\0';
	for (i = 0; (h = urlx_host(u, i, NULL)) != NULL; i++)
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s",
		    i ? " " : "", h);
	return (out);
}

static const char *
scan(const char *text)
{
	urlx_text(u, text, strlen(text));
	return (hosts());
}

Test(urlx, plain_urls)
{
	cr_assert_str_eq(scan("Visit https://www.Example.COM/path?q=1 now, or "
	    "http://user:pw@login.example.net:8080/x and "
	    "ftp://files.example.org."),
	    "www.example.com login.example.net files.example.org");
}

Test(urlx, defanged_urls)
{
	cr_assert_str_eq(scan("hxxp://evil[.]example[.]com/a "
	    "hXXps://bad(.)example(dot)org h**p://x[dot]example.net "
	    "http[:]//colon.example.com/"),
	    "evil.example.com bad.example.org x.example.net "
	    "colon.example.com");
}

Test(urlx, percent_and_entities_in_hosts)
{
	cr_assert_str_eq(scan("http://%65vil%2Eexample.com/ "
	    "http://evil2&#46;example&#x2e;com/"),
	    "evil.example.com evil2.example.com");
}

Test(urlx, numeric_ipv4_forms)
{
	cr_assert_str_eq(scan("http://3325256711/ http://0xc6.0x33.0x64.0x07/ "
	    "http://0306.063.0144.07/ http://198.51.100.66:80/x"),
	    "198.51.100.7 198.51.100.66");
}

Test(urlx, idn_becomes_punycode)
{
	cr_assert_str_eq(scan("http://пример.com/ and http://BÜCHER.de/ and "
	    "http://xn--e1afmkfd.com/"),
	    "xn--e1afmkfd.com xn--bcher-kva.de");
	urlx_free(u);
	u = urlx_new(psl, 100, 1 << 20);
	/* Ideographic full stop separates labels too. */
	cr_assert_str_eq(scan("http://例え。jp/"), "xn--r8jz45g.jp");
}

Test(urlx, www_and_bare_domains_come_after_links)
{
	cr_assert_str_eq(scan("see www.first.example.com or mail me at "
	    "bob@mail.example.org, also bare.example.net and "
	    "http://link.example.com/"),
	    "link.example.com www.first.example.com mail.example.org "
	    "bare.example.net");
}

Test(urlx, bare_domains_need_a_real_tld)
{
	cr_assert_str_eq(scan("file.txt e.g. v1.2.3 Mr.Smith index.html "
	    "config.local foo.example 10.0.0.1 real.co.uk evil[.]com"),
	    "real.co.uk evil.com");
}

Test(urlx, html_links)
{
	cr_assert_str_eq(scan("<a href=\"http://a.example.com/x\">click</a>"
	    "<img src='https://img.example.net/p.gif'>"
	    "<a href=//proto-rel.example.org/>x</a>"
	    "<a href=\"//quoted-rel.example.org\">y</a>"),
	    "a.example.com img.example.net proto-rel.example.org "
	    "quoted-rel.example.org");
}

Test(urlx, duplicates_and_kind_upgrades)
{
	cr_assert_str_eq(scan("dup.example.com http://dup.example.com/ "
	    "HTTP://DUP.EXAMPLE.COM/"), "dup.example.com");
	{
		int	 kind;

		(void)urlx_host(u, 0, &kind);
		cr_assert_eq(kind, URLX_SCHEME);
	}
}

Test(urlx, junk_hosts_are_dropped)
{
	cr_assert_str_eq(scan("http:// http://-/ http://[2001:db8::1]/ "
	    "http://a..b/ http://exa mple.com/ http://%zz/ http://x/"),
	    "mple.com");
}

Test(urlx, host_norm_directly)
{
	char	 out[256];

	cr_assert_eq(urlx_host_norm("Example.COM.", 12, out, sizeof(out)), 0);
	cr_assert_str_eq(out, "example.com");
	cr_assert_eq(urlx_host_norm("a@b.example:99", 14, out, sizeof(out)),
	    0);
	cr_assert_str_eq(out, "b.example");
	cr_assert_eq(urlx_host_norm("nodot", 5, out, sizeof(out)), -1);
	cr_assert_eq(urlx_host_norm("", 0, out, sizeof(out)), -1);
	cr_assert_eq(urlx_host_norm("\xff\xfe.com", 6, out, sizeof(out)), -1,
	    "invalid UTF-8");
	cr_assert_eq(urlx_host_norm("127.1", 5, out, sizeof(out)), 0);
	cr_assert_str_eq(out, "127.0.0.1");
}

Test(urlx, the_host_limit_is_kept)
{
	struct buf	*b = buf_new(4096);
	int		 i;

	urlx_free(u);
	u = urlx_new(psl, 5, 1 << 20);
	for (i = 0; i < 20; i++)
		buf_printf(b, "http://h%d.example.com/ ", i);
	urlx_text(u, b->data, b->len);
	cr_assert_eq(urlx_count(u), 5);
	cr_assert(urlx_full(u));
	cr_assert_str_eq(urlx_host(u, 4, NULL), "h4.example.com");
	buf_free(b);
}

Test(urlx, the_scan_limit_is_kept)
{
	struct buf	*b = buf_new(4096);
	int		 i;

	urlx_free(u);
	u = urlx_new(psl, 100, 100);
	for (i = 0; i < 20; i++)
		buf_printf(b, "http://h%d.example.com/ ", i);
	urlx_text(u, b->data, b->len);
	cr_assert_lt(urlx_count(u), 6);
	buf_free(b);
}

Test(urlx, raw_message_single_part)
{
	const char	*m = "Subject: http://not-in-body.example.com/\r\n"
	    "\r\nhello http://body.example.com/\r\n";

	urlx_message(u, m, strlen(m));
	cr_assert_str_eq(hosts(), "body.example.com");
}

Test(urlx, raw_message_decodes_parts)
{
	const char	*m =
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n"
	    "preamble http://preamble.example.com/\r\n"
	    "--outer\r\n"
	    "Content-Type: multipart/alternative;\r\n boundary=inner\r\n\r\n"
	    "--inner\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
	    "Go to http://qp.exam=\r\nple.com/ and "
	    "hxxp://qp2=2Eexample=2Enet/\r\n"
	    "--inner\r\n"
	    "Content-Type: text/html\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n"
	    /* <a href="http&#58;//b64&#46;example&#46;org/">x</a> */
	    "PGEgaHJlZj0iaHR0cCYjNTg7Ly9iNjQmIzQ2O2V4YW1wbGUmIzQ2O29yZy8i\r\n"
	    "PngvYT4=\r\n"
	    "--inner--\r\n"
	    "--outer\r\n"
	    "Content-Type: application/octet-stream\r\n\r\n"
	    "http://attachment.example.com/\r\n"
	    "--outer\r\n"
	    "Content-Type: message/rfc822\r\n\r\n"
	    "Subject: inner\r\n\r\n"
	    "inner message http://rfc822.example.com/\r\n"
	    "--outer--\r\n"
	    "epilogue\r\n";

	urlx_message(u, m, strlen(m));
	cr_assert_str_eq(hosts(), "qp.example.com qp2.example.net "
	    "b64.example.org rfc822.example.com");
}

Test(urlx, raw_message_nesting_is_bounded)
{
	struct buf	*b = buf_new(8192);
	int		 i;

	for (i = 0; i < 20; i++)
		buf_printf(b, "Content-Type: multipart/mixed; boundary=b%d\r\n"
		    "\r\n--b%d\r\n", i, i);
	buf_printf(b, "Content-Type: text/plain\r\n\r\nhttp://deep.example."
	    "com/\r\n");
	urlx_message(u, b->data, b->len);
	cr_assert_eq(urlx_count(u), 0, "deeper than the limit");
	buf_free(b);
}
