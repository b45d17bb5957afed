/* test_tok.c - unit tests for content/tok.c */

#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "content_private.h"

static struct content_limits lim = { 20, 200, 8 * 1024 * 1024, 0, 0 };
static struct content_msg *cm;
static struct tok_list tl;

static void
setup(void)
{
	mime_init();
	html_init();
	tok_init(&tl, 1);
}

static void
teardown(void)
{
	mime_free(cm);
	cm = NULL;
	tok_free(&tl);
}

TestSuite(tok, .init = setup, .fini = teardown);

static void
toks(const char *msg)
{
	mime_free(cm);
	cm = mime_parse(msg, strlen(msg), &lim);
	rules_run(cm, NULL, NULL);
	tok_reset(&tl);
	tok_message(cm, &tl);
}

/* has - whether a feature with this name was produced */
static int
has(const char *name)
{
	size_t	 i;

	for (i = 0; i < tl.n; i++)
		if (strcmp(tl.namebuf->data + tl.noff[i], name) == 0)
			return (1);
	return (0);
}

Test(tok, hash_is_stable_and_seeded)
{
	cr_assert_eq(tok_hash("abc", 3, 1), tok_hash("abc", 3, 1));
	cr_assert_neq(tok_hash("abc", 3, 1), tok_hash("abc", 3, 2));
	cr_assert_neq(tok_hash("abc", 3, 1), tok_hash("abd", 3, 1));
	cr_assert_neq(tok_hash("abcdefgh1", 9, 1), tok_hash("abcdefgh2", 9, 1));
	cr_assert_neq(tok_hash("", 0, 1), tok_hash("\0", 1, 1));
}

Test(tok, case_folded_unicode_words)
{
	toks("Subject: s\nContent-Type: text/plain; charset=utf-8\n\n"
	    "FREE Money \xd0\x9f\xd0\xa0\xd0\x98\xd0\x92\xd0\x95\xd0\xa2 "
	    "Stra\xc3\x9f" "e\n");
	cr_assert(has("word:free"));
	cr_assert(has("word:money"));
	cr_assert(has("word:\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"));
	cr_assert(has("word:stra\xc3\x9f" "e"));
	cr_assert_not(has("word:FREE"));
}

Test(tok, word_pairs_within_the_window)
{
	toks("Subject: s\n\none two three four five\n");
	cr_assert(has("pair:one two"));
	cr_assert(has("pair:one three"));
	cr_assert(has("pair:one four"));
	cr_assert_not(has("pair:one five"));	/* beyond the window */
	cr_assert(has("pair:four five"));
}

Test(tok, character_ngrams_collapse_white_space)
{
	toks("Subject: s\n\nab   cd\n");
	cr_assert(has("ngram:ab c"));
	cr_assert(has("ngram:b cd"));
	cr_assert_not(has("ngram:b  c"));
}

Test(tok, cjk_characters_are_words)
{
	toks("Subject: s\nContent-Type: text/plain; charset=utf-8\n\n"
	    "\xe4\xbd\xa0\xe5\xa5\xbd\n");
	cr_assert(has("word:\xe4\xbd\xa0"));
	cr_assert(has("word:\xe5\xa5\xbd"));
	cr_assert(has("pair:\xe4\xbd\xa0 \xe5\xa5\xbd"));
}

Test(tok, long_numbers_and_long_words)
{
	toks("Subject: s\n\ncall 5551234567 now "
	    "aaaaaaaaaabbbbbbbbbbccccccccccddddddddddeeeee\n");
	cr_assert(has("number:10"));
	cr_assert_not(has("word:5551234567"));
	cr_assert(has("longword:aaaaaaaa"));
}

Test(tok, header_features)
{
	toks("From: \"Big Sale\" <deals@Shop.Example.COM>\n"
	    "Reply-To: x@other.example.net\n"
	    "Message-ID: <123@mailer.example.org>\n"
	    "X-Mailer: Foo Mailer 5.0\n"
	    "Received: from relay.example.net (relay.example.net "
	    "[192.0.2.17]) by mx.example.org\n"
	    "Subject: Great offer\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=b\n\n"
	    "--b\nContent-Type: text/plain; charset=iso-8859-1\n\nhi\n"
	    "--b\nContent-Type: application/pdf; name=\"Invoice.PDF\"\n\nx\n"
	    "--b--\n");
	cr_assert(has("from:shop.example.com"));
	cr_assert(has("fromname:big"));
	cr_assert(has("replyto:other.example.net"));
	cr_assert(has("replyto_same:no"));
	cr_assert(has("msgid:mailer.example.org"));
	cr_assert(has("mailer:foo mailer 5.0"));
	cr_assert(has("rcvd:relay.example.net"));
	cr_assert(has("rcvd:mx.example.org"));
	cr_assert(has("rcvdnet:192.0.2"));
	cr_assert(has("subj:great"));
	cr_assert(has("subjpair:great offer"));
	cr_assert(has("toptype:multipart/mixed"));
	cr_assert(has("ctype:application/pdf"));
	cr_assert(has("charset:iso-8859-1"));
	cr_assert(has("attach:pdf"));
	cr_assert(has("header:x-mailer"));
	cr_assert(has("bias:"));
}

Test(tok, url_features_and_rules)
{
	toks("Subject: s\nContent-Type: text/html\n\n"
	    "<a href=\"http://www.shop.example.co.uk/x\">go</a>");
	cr_assert(has("urlhost:www.shop.example.co.uk"));
	cr_assert(has("urldomain:example.co.uk"));
	cr_assert(has("urls:1"));
	cr_assert(has("rule:HTML_ONLY"));
}

Test(tok, our_own_headers_are_not_features)
{
	toks("X-Winnow-Status: spam\nSubject: s\n\nx\n");
	cr_assert_not(has("header:x-winnow-status"));
}

Test(tok, same_message_same_features)
{
	uint64_t	 first[64];
	size_t		 n, i;

	toks("From: a@b.example\nSubject: same\n\nsame text here\n");
	n = tl.n < 64 ? tl.n : 64;
	memcpy(first, tl.h, n * sizeof(*first));
	toks("From: a@b.example\nSubject: same\n\nsame text here\n");
	for (i = 0; i < n; i++)
		cr_assert_eq(tl.h[i], first[i]);
}

Test(tok, names_are_optional)
{
	struct tok_list	 plain;

	tok_init(&plain, 0);
	cm = mime_parse("Subject: s\n\nwords\n", 19, &lim);
	tok_message(cm, &plain);
	cr_assert_gt(plain.n, 2);
	cr_assert_null(plain.noff);
	cr_assert_null(plain.namebuf);
	tok_free(&plain);
}
