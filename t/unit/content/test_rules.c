/* test_rules.c - unit tests for content/rules.c: every named rule, each
 * with a message that fires it and one that does not */

#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "content_private.h"

static struct content_limits lim = { 20, 200, 8 * 1024 * 1024, 0, 0 };
static struct content_msg *cm;
static struct wordlist *obscene;

static void
setup(void)
{
	mime_init();
	html_init();
	obscene = wordlist_from_text("fuck*\nshit\n\xd0\xb1\xd0\xbb\xd1\x8f"
	    "\xd0\xb4*\n");
}

static void
teardown(void)
{
	mime_free(cm);
	cm = NULL;
	wordlist_free(obscene);
}

TestSuite(rules, .init = setup, .fini = teardown);

/* fires - run the rules on a message; whether rule id fired */
static int
fires(const char *msg, enum rule_id id)
{
	mime_free(cm);
	cm = mime_parse(msg, strlen(msg), &lim);
	rules_run(cm, NULL, obscene);
	return ((cm->rules & (1ULL << id)) != 0);
}

/* subj - a message with this subject */
static const char *
subj(const char *s)
{
	static char	 m[1024];

	(void)snprintf(m, sizeof(m), "From: a@example.com\nSubject: %s\n\n"
	    "text\n", s);
	return (m);
}

Test(rules, table_is_complete_and_names_unique)
{
	int	 i, j;

	for (i = 0; i < RULE_COUNT; i++) {
		cr_assert_not_null(rules_table[i].name);
		cr_assert_not_null(rules_table[i].help);
		cr_assert_eq(rules_find(rules_table[i].name), i);
		for (j = i + 1; j < RULE_COUNT; j++)
			cr_assert_str_neq(rules_table[i].name,
			    rules_table[j].name);
	}
	cr_assert_eq(rules_find("gtube"), RULE_GTUBE);
	cr_assert_eq(rules_find("NO_SUCH_RULE"), -1);
}

Test(rules, configure_switches_and_weights)
{
	struct rules_conf rc;
	struct buf	*why = buf_new(64);

	cr_assert_eq(rules_configure(&rc, "SUBJ_ID, html_only", "SUBJ_LONG:42 "
	    "FROM_DIGITS=-5", why), 0);
	cr_assert_eq(rc.on[RULE_SUBJ_ID], 0);
	cr_assert_eq(rc.on[RULE_HTML_ONLY], 0);
	cr_assert_eq(rc.on[RULE_GTUBE], 1);
	cr_assert_eq(rc.weight[RULE_SUBJ_LONG], 42);
	cr_assert_eq(rc.weight[RULE_FROM_DIGITS], -5);
	cr_assert_eq(rc.weight[RULE_GTUBE], rules_table[RULE_GTUBE].weight);
	cr_assert_eq(rules_configure(&rc, "NOPE", NULL, why), -1);
	cr_assert(strstr(buf_str(why), "NOPE") != NULL);
	cr_assert_eq(rules_configure(&rc, NULL, "SUBJ_LONG", why), -1);
	cr_assert_eq(rules_configure(&rc, NULL, "SUBJ_LONG:x", why), -1);
	cr_assert_eq(rules_configure(&rc, NULL, "SUBJ_LONG:5000", why), -1);
	buf_free(why);
}

Test(rules, gtube)
{
	cr_assert(fires("Subject: t\n\nXJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-"
	    "STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\n", RULE_GTUBE));
	cr_assert_not(fires("Subject: t\n\nXJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-"
	    "STANDARD-ANTI-UBE-TEST-EMAIL*C.34\n", RULE_GTUBE));
}

Test(rules, gtube_in_quoted_printable_text)
{
	cr_assert(fires("Subject: t\nContent-Transfer-Encoding: "
	    "quoted-printable\n\nXJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD=\n"
	    "-ANTI-UBE-TEST-EMAIL*C.34X\n", RULE_GTUBE));
}

Test(rules, undisclosed_recipients)
{
	cr_assert(fires("To: undisclosed-recipients:;\nSubject: x\n\nx\n",
	    RULE_UNDISC_RCPT));
	cr_assert(fires("To: Undisclosed Recipients <a@b.c>\n\nx\n",
	    RULE_UNDISC_RCPT));
	cr_assert(fires("To: Friends: ;\n\nx\n", RULE_UNDISC_RCPT));
	cr_assert_not(fires("To: Bob <bob@example.com>\n\nx\n",
	    RULE_UNDISC_RCPT));
	cr_assert_not(fires("To: Team: a@example.com, b@example.com;\n\nx\n",
	    RULE_UNDISC_RCPT));
}

Test(rules, from_digits)
{
	cr_assert(fires("From: 12a1mailbot1@web.de\n\nx\n", RULE_FROM_DIGITS));
	cr_assert(fires("From: \"x\" <kx7w9q2@example.net>\n\nx\n",
	    RULE_FROM_DIGITS));
	cr_assert_not(fires("From: john1975@example.net\n\nx\n",
	    RULE_FROM_DIGITS));
	cr_assert_not(fires("From: jane.doe@example.net\n\nx\n",
	    RULE_FROM_DIGITS));
}

Test(rules, to_digits)
{
	cr_assert(fires("To: <dcek1a1@netsgo.com>\n\nx\n", RULE_TO_DIGITS));
	cr_assert_not(fires("To: <dcek@netsgo.com>\n\nx\n", RULE_TO_DIGITS));
}

Test(rules, address_without_domain)
{
	cr_assert(fires("From: someone\nTo: a@example.com\n\nx\n",
	    RULE_ADDR_NO_DOMAIN));
	cr_assert(fires("From: a@example.com\nTo: <user>\n\nx\n",
	    RULE_ADDR_NO_DOMAIN));
	cr_assert_not(fires("From: a@example.com\nTo: b@example.com\n\nx\n",
	    RULE_ADDR_NO_DOMAIN));
}

Test(rules, long_subject)
{
	char	 s[300];

	memset(s, 'a', 251);
	s[251] = '\0';
	cr_assert(fires(subj(s), RULE_SUBJ_LONG));
	s[250] = '\0';
	cr_assert_not(fires(subj(s), RULE_SUBJ_LONG));
}

Test(rules, long_subject_counts_characters_not_bytes)
{
	char	 s[700];
	int	 i;

	/* 200 two-byte characters: 400 bytes, 200 characters */
	for (i = 0; i < 200; i++)
		memcpy(s + 2 * i, "\xc3\xa9", 2);
	s[400] = '\0';
	cr_assert_not(fires(subj(s), RULE_SUBJ_LONG));
}

Test(rules, subject_spaces)
{
	cr_assert(fires(subj("Toner cartridges      NOAZ"), RULE_SUBJ_SPACES));
	cr_assert(fires(subj("F R E E money"), RULE_SUBJ_SPACES));
	cr_assert_not(fires(subj("Re: the plan for  Monday"),
	    RULE_SUBJ_SPACES));
	cr_assert_not(fires(subj("I am a B student"), RULE_SUBJ_SPACES));
}

Test(rules, subject_dots)
{
	cr_assert(fires(subj("URGENT HELP.............."), RULE_SUBJ_DOTS));
	cr_assert(fires(subj("V.I.A.G.R.A now"), RULE_SUBJ_DOTS));
	cr_assert_not(fires(subj("Well... maybe....."), RULE_SUBJ_DOTS));
	cr_assert_not(fires(subj("Meet at 10 a.m. today"), RULE_SUBJ_DOTS));
}

Test(rules, subject_id_or_timestamp)
{
	cr_assert(fires(subj("take advantage of this offer        24344"),
	    RULE_SUBJ_ID));
	cr_assert(fires(subj("Hottest babes!       4139YAEk3--9"),
	    RULE_SUBJ_ID));
	cr_assert(fires(subj("Offer Time:11:43:57 PM"), RULE_SUBJ_ID));
	cr_assert_not(fires(subj("[use Perl] Headlines for 2002-10-08"),
	    RULE_SUBJ_ID));
	cr_assert_not(fires(subj("Re: [Bug 1234] crash"), RULE_SUBJ_ID));
	cr_assert_not(fires(subj("12345"), RULE_SUBJ_ID));
	cr_assert_not(fires(subj("upgrade to gcc-3.2.1"), RULE_SUBJ_ID));
}

Test(rules, eastern_text_and_charsets)
{
	cr_assert(fires("Subject: x\nContent-Type: text/plain; charset=big5\n"
	    "\nabc\n", RULE_EASTERN));
	cr_assert(fires("Subject: =?gb2312?B?xOO6ww==?=\n\nhello\n",
	    RULE_EASTERN));
	cr_assert(fires("Subject: x\nContent-Type: text/plain; charset=utf-8\n"
	    "\n\xe4\xbd\xa0\xe5\xa5\xbd\xe4\xbd\xa0\xe5\xa5\xbd\xe4\xbd\xa0"
	    "\xe5\xa5\xbd\xe4\xbd\xa0\xe5\xa5\xbd\xe4\xbd\xa0\xe5\xa5\xbd\n",
	    RULE_EASTERN));
	cr_assert(cm->eastern);
	/* a single name in a signature is not Eastern text */
	cr_assert_not(fires("Subject: x\nContent-Type: text/plain; "
	    "charset=utf-8\n\nRegards, \xe7\x8e\x8b and a long English "
	    "message body follows here\n", RULE_EASTERN));
	cr_assert_not(fires(subj("plain"), RULE_EASTERN));
}

Test(rules, obscene_words)
{
	cr_assert(fires(subj("what the FUCKING hell"), RULE_OBSCENE));
	cr_assert_str_eq(cm->detail[RULE_OBSCENE], "1");
	cr_assert(fires("Subject: x\n\nshit and \xd0\x91\xd0\xbb\xd1\x8f\xd0"
	    "\xb4\xd1\x8c\n", RULE_OBSCENE));
	cr_assert_str_eq(cm->detail[RULE_OBSCENE], "2");
	cr_assert_not(fires(subj("shitake mushrooms"), RULE_OBSCENE));
	cr_assert_not(fires(subj("Scunthorpe"), RULE_OBSCENE));
}

Test(rules, html_signs_become_rules)
{
	const char *hdr = "Subject: x\nContent-Type: text/html\n\n";
	char	 m[512];

	(void)snprintf(m, sizeof(m), "%s<p>a<span style=\"display:none\">"
	    "zzzz</span></p>", hdr);
	cr_assert(fires(m, RULE_HTML_HIDDEN));
	cr_assert(fires(m, RULE_HTML_ONLY));
	(void)snprintf(m, sizeof(m), "%s<p>a<font style=\"font-size:0\">"
	    "zzzz</font></p>", hdr);
	cr_assert(fires(m, RULE_HTML_TINY_FONT));
	(void)snprintf(m, sizeof(m), "%s<p>a<font color=white>zzzz</font>"
	    "</p>", hdr);
	cr_assert(fires(m, RULE_HTML_INVISIBLE));
	(void)snprintf(m, sizeof(m), "%s<p>Vi<!-- -->agra</p>", hdr);
	cr_assert(fires(m, RULE_HTML_COMMENT_SPLIT));
	(void)snprintf(m, sizeof(m), "%s<a href=\"http://a.example.ru/\">"
	    "http://www.bank.example.com/</a>", hdr);
	cr_assert(fires(m, RULE_HTML_LINK_MISMATCH));
	(void)snprintf(m, sizeof(m), "%s<p>clean <b>html</b></p>", hdr);
	cr_assert_not(fires(m, RULE_HTML_HIDDEN));
	cr_assert_not(fires(m, RULE_HTML_TINY_FONT));
	cr_assert_not(fires(m, RULE_HTML_INVISIBLE));
	cr_assert_not(fires(m, RULE_HTML_COMMENT_SPLIT));
	cr_assert_not(fires(m, RULE_HTML_LINK_MISMATCH));
}

Test(rules, html_only_not_with_a_text_alternative)
{
	cr_assert_not(fires("Subject: x\nMIME-Version: 1.0\nContent-Type: "
	    "multipart/alternative; boundary=a\n\n--a\nContent-Type: "
	    "text/plain\n\nhi\n--a\nContent-Type: text/html\n\n<p>hi</p>\n"
	    "--a--\n", RULE_HTML_ONLY));
}

Test(rules, charset_unknown)
{
	cr_assert(fires("Subject: x\nContent-Type: text/plain; charset="
	    "x-klingon\n\nqapla\n", RULE_CHARSET_UNKNOWN));
	cr_assert_not(fires("Subject: x\nContent-Type: text/plain; charset="
	    "koi8-r\n\nx\n", RULE_CHARSET_UNKNOWN));
}

Test(rules, mime_broken)
{
	cr_assert(fires("Subject: x\nMIME-Version: 1.0\nContent-Type: "
	    "multipart/mixed\n\nno boundary\n", RULE_MIME_BROKEN));
	cr_assert_not(fires("Subject: x\nMIME-Version: 1.0\nContent-Type: "
	    "multipart/mixed; boundary=b\n\n--b\n\nx\n--b--\n",
	    RULE_MIME_BROKEN));
}

Test(rules, eastern_languages)
{
	/* Han without kana: Chinese. */
	cr_assert(fires("Subject: x\nContent-Type: text/plain; charset=utf-8\n"
	    "\n\xe4\xbd\xa0\xe5\xa5\xbd\xe4\xbd\xa0\xe5\xa5\xbd\xe4\xbd\xa0"
	    "\xe5\xa5\xbd\xe4\xbd\xa0\xe5\xa5\xbd\xe4\xbd\xa0\xe5\xa5\xbd\n",
	    RULE_EASTERN));
	cr_assert_eq(cm->eastern_langs, FINDINGS_LANG_ZH);
	/* Han with kana: Japanese ("nihongo no tekisuto desu" x2). */
	cr_assert(fires("Subject: x\nContent-Type: text/plain; charset=utf-8\n"
	    "\n\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe3\x83\x86"
	    "\xe3\x82\xad\xe3\x82\xb9\xe3\x83\x88\xe3\x81\xa7\xe3\x81\x99"
	    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe3\x83\x86"
	    "\xe3\x82\xad\xe3\x82\xb9\xe3\x83\x88\xe3\x81\xa7\xe3\x81\x99\n",
	    RULE_EASTERN));
	cr_assert_eq(cm->eastern_langs, FINDINGS_LANG_JA);
	/* Hangul: Korean ("hangug-eo" x4). */
	cr_assert(fires("Subject: x\nContent-Type: text/plain; charset=utf-8\n"
	    "\n\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4 \xed\x95\x9c\xea\xb5\xad"
	    "\xec\x96\xb4 \xed\x95\x9c\xea\xb5\xad\xec\x96\xb4 \xed\x95\x9c"
	    "\xea\xb5\xad\xec\x96\xb4\n", RULE_EASTERN));
	cr_assert_eq(cm->eastern_langs, FINDINGS_LANG_KO);
	/* Only a charset label says which. */
	cr_assert(fires("Subject: x\nContent-Type: text/plain; "
	    "charset=tis-620\n\nabc\n", RULE_EASTERN));
	cr_assert_eq(cm->eastern_langs, FINDINGS_LANG_TH);
	cr_assert(fires("Subject: =?euc-kr?B?xOO6ww==?=\n\nhello\n",
	    RULE_EASTERN));
	cr_assert_neq(cm->eastern_langs & FINDINGS_LANG_KO, 0);
	cr_assert_not(fires(subj("plain"), RULE_EASTERN));
	cr_assert_eq(cm->eastern_langs, 0);
}
