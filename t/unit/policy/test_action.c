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
#include "version.h"

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

Test(action, obscene_tag_per_group)
{
	const char	*r[] = { "a@example.com" }, *o[] = { "b@other.test" };
	char		*m;

	load("[group mark]\nrecipients = @example.com\n"
	    "obscene_tag = [--Obscene--]\nspam.subject_tag = [SPAM]\n");
	m = render(r, 1);
	cr_assert(strstr(m, "Subject: hello\r\n"), "%s", m);
	free(m);
	f->obscene = 1;
	m = render(r, 1);
	cr_assert(strstr(m, "Subject: [--Obscene--] hello\r\n"), "%s", m);
	free(m);
	m = render(o, 1);
	cr_assert(strstr(m, "Subject: hello\r\n"), "%s", m);
	free(m);
	f->gtube = 1;
	m = render(r, 1);
	cr_assert(strstr(m, "Subject: [SPAM] [--Obscene--] hello\r\n"), "%s",
	    m);
	free(m);
}

Test(action, compat_headers_kas)
{
	const char	*r[] = { "a@example.com", "b@other.test" };
	const char	 in[] = "Subject: hi\r\nX-Spamtest-Status-Extended: "
			    "Not detected\r\nX-SpamTest-Info: forged\r\n\r\nb\r\n";
	const struct policy_decision *dp[2];
	struct policy_decision d[2];
	const struct iovec *segs;
	struct edit	*e;
	struct buf	*out = buf_new(256);
	size_t		 i, ns;

	load("[policy]\ncompat_headers = kas\nsplit_by_result = no\n\n"
	    "[group s]\nrecipients = @example.com\nspam_checks = no\n");
	f->gtube = 1;
	for (i = 0; i < 2; i++) {
		policy_decide(policy_current, r[i], &v, f, &d[i]);
		dp[i] = &d[i];
	}
	e = edit_new(in, strlen(in), mailhdr_len(in, strlen(in)));
	policy_edit(e, dp, 2, f);
	policy_edit_info(e, "not processed (av check failed)");
	ns = edit_segments(e, &segs);
	for (i = 0; i < ns; i++)
		buf_append(out, segs[i].iov_base, segs[i].iov_len);
	cr_assert(strstr(buf_str(out), "X-Spamtest-Status-Extended: Trusted"
	    "\r\n"), "%s", buf_str(out));
	cr_assert(strstr(buf_str(out), "X-Spamtest-Status-Extended: SPAM\r\n"),
	    "%s", buf_str(out));
	cr_assert(strstr(buf_str(out), "X-SpamTest-Info: Not processed\r\n"),
	    "%s", buf_str(out));
	cr_assert_null(strstr(buf_str(out), "forged"), "%s", buf_str(out));
	cr_assert_null(strstr(buf_str(out), "Not detected"), "%s",
	    buf_str(out));
	edit_free(e);
	buf_free(out);
}

Test(action, version_header)
{
	const char	*r[] = { "a@example.com" };
	char		*m;

	m = render(r, 1);
	cr_assert_null(strstr(m, "X-Winnow-Version"), "%s", m);
	free(m);
	load("[policy]\nversion_header = yes\n");
	policy_set_version_info("ClamAV 1.0.0, database 27000 of 2024-01-01");
	m = render(r, 1);
	cr_assert(strstr(m, "X-Winnow-Version: winnow " WINNOW_VERSION
	    "; ClamAV 1.0.0, database 27000 of 2024-01-01\r\n"), "%s", m);
	free(m);
}
