/* test_surbl.c - dnsbl/surbl.c: registered domains and URI lists */

#include <string.h>

#include <criterion/criterion.h>
#include <libpsl.h>

#include "dnsbl_private.h"
#include "dnstest.h"
#include "findings.h"

#define P_UNBOUND	15330

DT_SERVERS({ "unbound", P_UNBOUND, 0, "" })

static const char *conf_text =
    "[dns]\n"
    "resolver = 127.0.0.1:15330\n"
    "timeout = 3s\n"
    "max_surbl_domains = 5\n"
    "[surbl]\n"
    "multi.surbl.test = 100\n"
    "uribl.test = 50 127.0.0.2\n";

static const char *
reduce(const char *host)
{
	static char	 out[256];
	psl_ctx_t	*psl = psl_latest(NULL);
	int		 rc;

	rc = surbl_reduce(psl, host, out, sizeof(out));
	psl_free(psl);
	return (rc == 0 ? out : "-");
}

Test(surbl, registered_domains)
{
	cr_assert_str_eq(reduce("www.spam-example.com"), "spam-example.com");
	cr_assert_str_eq(reduce("a.b.c.evil.co.uk"), "evil.co.uk");
	cr_assert_str_eq(reduce("evil.co.uk"), "evil.co.uk");
	cr_assert_str_eq(reduce("x.y.blogspot.com"), "y.blogspot.com");
	cr_assert_str_eq(reduce("sub.xn--e1afmkfd.com"), "xn--e1afmkfd.com");
	cr_assert_str_eq(reduce("co.uk"), "-");
	cr_assert_str_eq(reduce("com"), "-");
	cr_assert_str_eq(reduce("198.51.100.66"), "198.51.100.66");
	cr_assert_str_eq(reduce("192.168.1.1"), "-");
	cr_assert_str_eq(reduce("127.0.0.1"), "-");
}

Test(surbl, known_tlds)
{
	psl_ctx_t	*psl = psl_latest(NULL);

	cr_assert(surbl_known_tld(psl, "example.com"));
	cr_assert(surbl_known_tld(psl, "example.co.uk"));
	cr_assert(surbl_known_tld(psl, "example.xn--p1ai"));
	cr_assert_not(surbl_known_tld(psl, "file.txt"));
	cr_assert_not(surbl_known_tld(psl, "index.html"));
	cr_assert_not(surbl_known_tld(psl, "x.test"));
	cr_assert_not(surbl_known_tld(psl, "x."));
	psl_free(psl);
}

static struct findings *
run_text(const char *text)
{
	struct findings	*f = findings_new();
	struct dnsbl_opts o = { DNSBL_F_SURBL, 0 };
	struct msg_view	 v = dt_view(NULL, "", NULL, NULL);
	struct buf	*why = buf_new(64);

	dt_config(conf_text);
	v.text = text;
	v.text_len = strlen(text);
	cr_assert_eq(dnsbl_finish(dnsbl_start(&v, &o, why), f, why), WN_OK,
	    "%s", buf_str(why));
	buf_free(why);
	return (f);
}

Test(surbl, listed_domains_add_their_zone_ratings)
{
	struct findings	*f;

	f = run_text("Buy now at http://www.Spam-Example.com/buy and "
	    "hxxp://shop.evil[.]co[.]uk/ today; phish-example.net is nice\n");
	cr_assert_eq(f->surbl_state, CHECK_DONE);
	cr_assert_eq(f->surbl_rating, 150);
	cr_assert_eq(f->surbl.count, 2);
	cr_assert_str_eq(f->surbl.item[0].name, "multi.surbl.test");
	cr_assert_str_eq(f->surbl.item[0].detail,
	    "spam-example.com=127.0.0.2");
	cr_assert_eq(f->surbl.item[0].weight, 100);
	cr_assert_str_eq(f->surbl.item[1].name, "uribl.test");
	cr_assert_str_eq(f->surbl.item[1].detail,
	    "phish-example.net=127.0.0.2", "127.0.0.8 is not counted there");
	findings_free(f);
}

Test(surbl, ip_and_idn_hosts)
{
	struct findings	*f;

	f = run_text("http://198.51.100.66/x and http://пример.com/\n");
	cr_assert_eq(f->surbl_rating, 100);
	cr_assert_eq(f->surbl.count, 1);
	cr_assert_str_eq(f->surbl.item[0].detail, "198.51.100.66=127.0.0.2");
	findings_free(f);
}

Test(surbl, clean_text)
{
	struct findings	*f;

	f = run_text("Nothing to see at http://www.example.org/ here.\n");
	cr_assert_eq(f->surbl_state, CHECK_DONE);
	cr_assert_eq(f->surbl_rating, 0);
	cr_assert_eq(f->surbl.count, 0);
	findings_free(f);
}

Test(surbl, the_domain_limit_is_a_limit_state)
{
	struct findings	*f;

	/* Six domains, five checked: the listed sixth is not seen. */
	f = run_text("http://a1.example.com/ http://a2.example.net/ "
	    "http://a3.example.org/ http://a4.example.info/ "
	    "http://a5.example.biz/ http://spam-example.com/\n");
	cr_assert_eq(f->surbl_state, CHECK_LIMIT);
	cr_assert_eq(f->surbl_rating, 0);
	findings_free(f);
}
