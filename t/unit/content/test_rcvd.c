/* test_rcvd.c - unit tests for content/rcvd.c: which Received names are
 * the receiver's own lookup, and the RCVD_FROM_DOMAIN rule it drives */

#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "content_private.h"

static struct content_limits lim = { 20, 200, 8 * 1024 * 1024, 0, 0 };
static struct content_msg *cm;

static void
setup(void)
{
	mime_init();
	html_init();
}

static void
teardown(void)
{
	mime_free(cm);
	cm = NULL;
}

TestSuite(rcvd, .init = setup, .fini = teardown);

/* in_domain - parse a message with this Received value; whether rcvd
 * names dom */
static int
in_domain(const char *received, const char *dom)
{
	char	 m[2048];

	(void)snprintf(m, sizeof(m), "Received: %s\nFrom: News "
	    "<news@mailings.%s>\nTo: a@example.org\nSubject: hello\n\n"
	    "text\n", received, dom);
	mime_free(cm);
	cm = mime_parse(m, strlen(m), &lim);
	return (rcvd_names_domain(cm, dom));
}

Test(rcvd, sendmail_lookup_names_the_domain)
{
	cr_assert(in_domain("from pebble.foxsports.com (pebble.foxsports.com "
	    "[206.15.104.27])\n\tby mx.example.org (8.12.2) with SMTP id x\n"
	    "\tfor <a@example.org>; Fri, 6 Sep 2002 11:29:04 -0500",
	    "foxsports.com"));
}

Test(rcvd, folded_and_may_be_forged_comment)
{
	cr_assert(in_domain("from mail.espial.com (m209-202-100-82.espial.com"
	    "\n    [209.202.100.82] (may be forged)) by webnote.net (8.9.3)",
	    "espial.com"));
	cr_assert(in_domain("from x (IDENT:root@mail5.inb-productions.com "
	    "[65.162.84.129]) by mx.example.org", "inb-productions.com"));
}

Test(rcvd, helo_names_are_the_senders_words)
{
	/* the HELO outside the comment, qmail's and CommuniGate's HELO in
	 * it, Exim's helo=: all chosen by the sender */
	cr_assert_not(in_domain("from mail.example.com (dsl-1-2.isp.net "
	    "[1.2.3.4]) by mx.example.org", "example.com"));
	cr_assert_not(in_domain("from unknown (HELO example.com) "
	    "(211.213.123.8) by mx.example.org with SMTP", "example.com"));
	cr_assert_not(in_domain("from [213.1.45.14] (HELO npsul.example.com)"
	    " by mx.example.org", "example.com"));
	cr_assert_not(in_domain("from dialpool.isp.net ([210.214.173.49] "
	    "helo=example.com) by mx.example.org with smtp (Exim 4.05)",
	    "example.com"));
}

Test(rcvd, another_domain_or_a_suffix_is_not_it)
{
	cr_assert_not(in_domain("from a.b (mail.notexample.com [1.2.3.4]) "
	    "by mx", "example.com"));
	cr_assert_not(in_domain("from a.b (mail.example.com.evil.net "
	    "[1.2.3.4]) by mx", "example.com"));
	cr_assert_not(in_domain("(qmail 8509 invoked by uid 0); 23 Aug 2002",
	    "example.com"));
	cr_assert_not(in_domain("from a.b (mail.example.com", "example.com"));
}

Test(rcvd, rule_fires_on_the_from_domain)
{
	static const char msg[] = "Received: from a.b (out1.mailings.example"
	    ".com [192.0.2.1]) by mx.example.org\nFrom: x@news.example.com\n"
	    "Subject: hi\n\ntext\n";

	cm = mime_parse(msg, strlen(msg), &lim);
	rules_run(cm, NULL, NULL);
	cr_assert(cm->rules & (1ULL << RULE_RCVD_FROM_DOMAIN));
	cr_assert(rules_table[RULE_RCVD_FROM_DOMAIN].unlearned);
}
