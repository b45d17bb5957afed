/* test_action.c - unit tests for policy/action.c: our headers and the
 * statuses' modifications */

#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "conf.h"
#include "edit.h"
#include "mail.h"
#include "findings.h"
#include "policy.h"
#include "status.h"
#include "testutil.h"

static struct findings	*f;
static struct msg_view	 v;
static const char	 msg[] = "Subject: hello\r\n"
			    "X-Winnow-Status: trusted\r\n"
			    "x-winnow-group: forged\r\n\r\nbody\r\n";

static void
setup(void)
{
	policy_conf_register();
	f = findings_new();
	memset(&v, 0, sizeof(v));
	v.sender = "s@bad.test";
	v.client_addr = "192.0.2.1";
}

static void
teardown(void)
{
	findings_free(f);
	conf_reset();
}

TestSuite(action, .init = setup, .fini = teardown);

/* load - a configuration that must load */

static void
load(const char *text)
{
	struct buf	*errs = buf_new(128);
	const char	*p = tu_write_file("a.conf", text);

	cr_assert_eq(conf_load(p, errs), WN_OK, "%s", buf_str(errs));
	buf_free(errs);
}

/* render - the edited message for some recipients' decisions */

static char *
render(const char *const *rcpts, size_t n)
{
	struct policy_decision d[8];
	const struct policy_decision *dp[8];
	const struct iovec *segs;
	struct edit	*e;
	struct buf	*out = buf_new(512);
	size_t		 i, ns;

	for (i = 0; i < n; i++) {
		policy_decide(policy_current, rcpts[i], &v, f, &d[i]);
		dp[i] = &d[i];
	}
	e = edit_new(msg, strlen(msg), mailhdr_len(msg, strlen(msg)));
	policy_edit(e, dp, n, f);
	ns = edit_segments(e, &segs);
	for (i = 0; i < ns; i++)
		buf_append(out, segs[i].iov_base, segs[i].iov_len);
	edit_free(e);
	return (buf_finish(out));
}

Test(action, always_status_and_group_never_inbound)
{
	const char	*r[] = { "a@example.com" };
	char		*m = render(r, 1);

	/* No scan ran: the header says so rather than implying "clean". */
	cr_assert_str_eq(m, "X-Winnow-Status: not-detected\r\n"
	    "X-Winnow-Group: All\r\nX-Winnow-Virus: not-scanned\r\n"
	    "Subject: hello\r\n\r\nbody\r\n");
	free(m);
}

Test(action, score_checks_virus)
{
	const char	*r[] = { "a@example.com" };
	char		*m;

	f->spam_score = 0.5;
	f->dns_state = CHECK_DONE;
	f->dnsbl_rating = 60;
	findings_add(&f->dnsbl, "bl.test", "127.0.0.2", 60);
	f->rdns = RDNS_OK;
	f->spf = SPF_PASS;
	f->content_state = CHECK_DONE;
	f->rules_score = 10;
	findings_add(&f->rules, "SUBJ_LONG", "", 10);
	f->av = AV_INFECTED;
	findings_add(&f->viruses, "Eicar-Test-Signature", "part 2", 0);
	m = render(r, 1);
	/* 60 DNSBL points (+10 content rules): spam at standard. */
	cr_assert(strstr(m, "X-Winnow-Status: spam; av=infected\r\n"),
	    "%s", m);
	cr_assert(strstr(m, "X-Winnow-Score: 70.0\r\n"), "%s", m);
	/* (folded below 78 columns) */
	cr_assert(strstr(m, "X-Winnow-Checks: dnsbl=bl.test(60); rdns=ok; "
	    "spf=pass; surbl=none;\r\n\trules=SUBJ_LONG\r\n"), "%s", m);
	cr_assert(strstr(m, "X-Winnow-Virus: infected: Eicar-Test-Signature "
	    "(part 2)\r\n"), "%s", m);
	free(m);
}

Test(action, no_dns_no_score_when_switched_off)
{
	const char	*r[] = { "a@example.com" };
	char		*m;

	load("[policy]\ndns_checks = no\nav_checks = no\n");
	f->dns_state = CHECK_DONE;
	f->content_state = CHECK_DONE;
	f->rules_score = 5;
	f->av = AV_INFECTED;
	findings_add(&f->viruses, "X", "", 0);
	m = render(r, 1);
	cr_assert_null(strstr(m, "dnsbl="), "%s", m);
	cr_assert_null(strstr(m, "X-Winnow-Virus"), "%s", m);
	cr_assert_null(strstr(m, "av="), "%s", m);
	cr_assert(strstr(m, "X-Winnow-Score: 5.0"), "%s", m);
	free(m);
	load("[policy]\nspam_checks = no\n");
	m = render(r, 1);
	cr_assert(strstr(m, "X-Winnow-Status: trusted"), "%s", m);
	cr_assert_null(strstr(m, "X-Winnow-Score"), "%s", m);
	free(m);
}

Test(action, tags_and_custom_headers)
{
	const char	*r[] = { "a@example.com" };
	char		*m;

	load("[policy]\nspam.subject_tag = [SPAM]\n"
	    "spam.header = X-Spam-Flag: YES\n"
	    "infected.subject_tag = [VIRUS]\ninfected.action = accept\n");
	f->gtube = 1;
	f->av = AV_INFECTED;
	m = render(r, 1);
	cr_assert(strstr(m, "X-Spam-Flag: YES\r\n"), "%s", m);
	cr_assert(strstr(m, "Subject: [VIRUS] [SPAM] hello\r\n"), "%s", m);
	free(m);
}

Test(action, merged_headers_for_split_off)
{
	const char	*r[] = { "a@sales.test", "b@example.com",
			    "c@sales.test" };
	char		*m;

	load("[policy]\nsplit_by_result = no\nblacklist = s@bad.test\n"
	    "blacklisted.header = X-Spam-Flag: YES\n\n"
	    "[group sales]\nrecipients = @sales.test\nspam_checks = no\n"
	    "trusted.subject_tag = [OK]\ntrusted.header = X-Spam-Flag: YES\n");
	m = render(r, 3);
	cr_assert(strstr(m, "X-Winnow-Status: sales=trusted, "
	    "All=blacklisted\r\n"), "%s", m);
	cr_assert(strstr(m, "X-Winnow-Group: sales, All\r\n"), "%s", m);
	/* The same header once, the tag once. */
	cr_assert(strstr(m, "X-Spam-Flag: YES\r\n"), "%s", m);
	cr_assert_null(strstr(strstr(m, "X-Spam-Flag") + 1, "X-Spam-Flag"),
	    "%s", m);
	cr_assert(strstr(m, "Subject: [OK] hello\r\n"), "%s", m);
	free(m);
}

Test(action, header_values_are_safe)
{
	const char	*r[] = { "a@example.com" };
	char		*m;

	f->av = AV_INFECTED;
	/* findings_add makes names safe, but try a raw one too. */
	strcpy(f->viruses.item[0].name, "Evil\r\nBcc: victim@x.test");
	f->viruses.count = 1;
	m = render(r, 1);
	cr_assert_null(strstr(m, "\r\nBcc:"), "%s", m);
	free(m);
}
