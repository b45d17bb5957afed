/* test_findings_render.c - unit tests for findings/findings_render.c */

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "findings.h"

static struct findings	*f;
static struct buf	*b;

static void
setup(void)
{
	f = findings_new();
	b = buf_new(128);
}

static void
teardown(void)
{
	findings_free(f);
	buf_free(b);
}

TestSuite(findings_render, .init = setup, .fini = teardown);

Test(findings_render, dns_part_is_header_safe_and_bounded)
{
	char	 name[32];
	int	 i;

	f->dns_state = CHECK_TIMEOUT;
	for (i = 0; i < 20; i++) {
		(void)snprintf(name, sizeof(name), "z%d.test", i);
		findings_add(&f->dnsbl, name, "", 5);
	}
	f->rdns = RDNS_NONE;
	f->spf = SPF_TEMPERROR;
	findings_add(&f->surbl, "evil\r\nX-Injected: 1", "", 100);
	findings_render_dns(f, b);
	cr_assert_null(strchr(buf_str(b), '\r'));
	cr_assert_null(strchr(buf_str(b), '\n'));
	cr_assert_not_null(strstr(buf_str(b), ",+4; rdns=none; "
	    "spf=temperror; surbl=evil??X-Injected: 1(100); dns=timeout"),
	    "%s", buf_str(b));
}

Test(findings_render, checks_only_what_ran_and_was_wanted)
{
	findings_render_checks(f, 1, 1, NULL, NAN, b);
	cr_assert_str_eq(buf_str(b), "");
	f->content_state = CHECK_DONE;
	findings_add(&f->rules, "SUBJ_ALL_CAPS", "", 10);
	findings_add(&f->rules, "bad name\x01", "de tail", 5);
	f->dns_state = CHECK_DONE;
	findings_add(&f->dnsbl, "bl1.test", "127.0.0.2", 60);
	f->spf = SPF_PASS;
	findings_render_checks(f, 1, 1, "whitelist", NAN, b);
	cr_assert_str_eq(buf_str(b), "list=whitelist; dnsbl=bl1.test(60); "
	    "spf=pass; surbl=none; rules=SUBJ_ALL_CAPS,bad?name?(de?tail)");
	buf_reset(b);
	/* A group without the DNS checks: what winnowctl classify prints. */
	findings_render_checks(f, 0, 1, NULL, NAN, b);
	cr_assert_str_eq(buf_str(b), "rules=SUBJ_ALL_CAPS,bad?name?(de?tail)");
}

Test(findings_render, classifier_share_before_the_rules)
{
	f->content_state = CHECK_DONE;
	f->spam_score = 0.9;
	findings_render_checks(f, 0, 1, NULL, 35.44, b);
	cr_assert_str_eq(buf_str(b), "classifier=+35.4; rules=none");
	buf_reset(b);
	findings_render_checks(f, 0, 1, NULL, -12.0, b);
	cr_assert_str_eq(buf_str(b), "classifier=-12.0; rules=none");
	buf_reset(b);
	/* nothing when the share rounds to 0.0 */
	findings_render_checks(f, 0, 1, NULL, 0.04, b);
	cr_assert_str_eq(buf_str(b), "rules=none");
	buf_reset(b);
	/* not for a group without the spam checks */
	findings_render_checks(f, 0, 0, NULL, 35.4, b);
	cr_assert_str_eq(buf_str(b), "");
}

Test(findings_render, viruses)
{
	int	 i;

	for (i = 0; i < FINDINGS_MAX_ITEMS + 2; i++)
		findings_add(&f->viruses, "Eicar-Test-Signature",
		    i == 0 ? "part 2" : "", 0);
	findings_render_viruses(f, b);
	cr_assert(strncmp(buf_str(b), "Eicar-Test-Signature (part 2), "
	    "Eicar-Test-Signature, ", 53) == 0, "%s", buf_str(b));
	cr_assert(strstr(buf_str(b), ", and 2 more") != NULL, "%s",
	    buf_str(b));
}

Test(findings_render, uds_says_what_matched)
{
	findings_render_uds(f, b);
	cr_assert_str_eq(buf_str(b), "uds=off");
	buf_reset(b);
	f->uds_state = CHECK_DONE;
	findings_render_uds(f, b);
	cr_assert_str_eq(buf_str(b), "uds=none");
	buf_reset(b);
	findings_add(&f->uds, "text", "12 of 32", 45);
	findings_add(&f->uds, "image", "exact", 60);
	findings_render_checks(f, 0, 1, NULL, NAN, b);
	cr_assert_str_eq(buf_str(b), "uds=hit(text,12 of 32/image,exact)");
	buf_reset(b);
	/* a group without the spam checks does not show it */
	findings_render_checks(f, 0, 0, NULL, NAN, b);
	cr_assert_str_eq(buf_str(b), "");
	f->uds_state = CHECK_TIMEOUT;
	findings_render_uds(f, b);
	cr_assert_str_eq(buf_str(b), "uds=timeout");
	buf_reset(b);
	f->uds_state = CHECK_DONE;
	memset(&f->uds, 0, sizeof(f->uds));
	findings_add(&f->uds, "unknown", "", 0);
	findings_render_uds(f, b);
	cr_assert_str_eq(buf_str(b), "uds=unknown");
}

Test(findings_render, uds_detail_is_header_safe)
{
	f->uds_state = CHECK_DONE;
	findings_add(&f->uds, "te\r\nxt", "1\r\n2", 5);
	findings_render_uds(f, b);
	cr_assert_null(strchr(buf_str(b), '\r'));
	cr_assert_null(strchr(buf_str(b), '\n'));
}
