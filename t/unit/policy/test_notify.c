/* test_notify.c - unit tests for policy/notify.c */

#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "conf.h"
#include "findings.h"
#include "notify.h"
#include "policy.h"
#include "status.h"
#include "template.h"
#include "testutil.h"

static struct findings	*f;
static struct msg_view	 v;
static struct notify_info ni;
static const char	 hdr[] = "Subject: free\r\n money\r\nFrom: x\r\n\r\n";

static void
setup(void)
{
	policy_conf_register();
	f = findings_new();
	memset(&v, 0, sizeof(v));
	v.sender = "s@bad.test";
	memset(&ni, 0, sizeof(ni));
	ni.queue_id = "Q1";
	ni.sender = "s@bad.test";
	ni.header = hdr;
	ni.header_len = strlen(hdr);
	ni.client = "192.0.2.1";
	ni.hostname = "mx.test";
	ni.from = "filter@mx.test";
	ni.admin = "admin1@x.test, admin2@x.test";
	ni.f = f;
}

static void
teardown(void)
{
	findings_free(f);
	conf_reset();
}

TestSuite(notify, .init = setup, .fini = teardown);

/* load - a configuration that must load */

static void
load(const char *text)
{
	struct buf	*errs = buf_new(128);
	const char	*p = tu_write_file("n.conf", text);

	cr_assert_eq(conf_load(p, errs), WN_OK, "%s", buf_str(errs));
	buf_free(errs);
}

/* swap - exchange two notifications */

static void
swap(struct notify_msg *a, struct notify_msg *b)
{
	struct notify_msg t = *a;

	*a = *b;
	*b = t;
}

/* build - decisions for the recipients, then the notifications */

static size_t
build(const char *const *rcpts, size_t n, struct notify_msg **out)
{
	static struct policy_decision d[8];
	const struct policy_decision *dp[8];
	size_t		 i;

	for (i = 0; i < n; i++) {
		policy_decide(policy_current, rcpts[i], &v, f, &d[i]);
		dp[i] = &d[i];
	}
	return (notify_build(&ni, rcpts, dp, n, out));
}

Test(notify, builtin_templates_parse)
{
	struct buf	*why = buf_new(64);
	struct template	*t;
	int		 who;

	for (who = 0; who < POLICY_NOTIFY_NWHO; who++) {
		t = template_parse(notify_builtin_text(who),
		    strlen(notify_builtin_text(who)), "builtin", 0, why);
		cr_assert_not_null(t, "%s", buf_str(why));
		template_free(t);
	}
	buf_free(why);
}

Test(notify, one_per_kind_status_and_group)
{
	const char	*r[] = { "a@sales.test", "b@sales.test", "c@x.test" };
	struct notify_msg *m;
	size_t		 n;

	load("[policy]\nnotify_admin = admin1@x.test\nblacklist = s@bad.test\n"
	    "blacklisted.notify = admin, recipients\n\n"
	    "[group sales]\nrecipients = @sales.test\n");
	n = build(r, 3, &m);
	/* recipients and admin, for sales, then for All */
	cr_assert_eq(n, 4);
	cr_assert_eq(m[0].who, POLICY_NOTIFY_RECIPIENTS);
	cr_assert_eq(m[1].who, POLICY_NOTIFY_ADMIN);
	cr_assert_eq(m[2].who, POLICY_NOTIFY_RECIPIENTS);
	cr_assert_eq(m[3].who, POLICY_NOTIFY_ADMIN);
	swap(&m[0], &m[1]);
	swap(&m[2], &m[3]);
	cr_assert_eq(m[0].who, POLICY_NOTIFY_ADMIN);
	cr_assert_eq(m[0].nto, 2);	/* ni.admin */
	cr_assert(strstr(buf_str(m[0].data), "Recipients: a@sales.test, "
	    "b@sales.test\r\n"), "%s", buf_str(m[0].data));
	cr_assert(strstr(buf_str(m[0].data), "Group:      sales\r\n"));
	cr_assert(strstr(buf_str(m[0].data), "Subject:    free money\r\n"),
	    "%s", buf_str(m[0].data));
	cr_assert_eq(m[1].who, POLICY_NOTIFY_RECIPIENTS);
	cr_assert_eq(m[1].nto, 2);
	cr_assert_str_eq(m[1].to[1], "b@sales.test");
	cr_assert(strstr(buf_str(m[1].data), "To: <a@sales.test>, "
	    "<b@sales.test>\r\n"), "%s", buf_str(m[1].data));
	cr_assert(strstr(buf_str(m[1].data), "From: Mail Filter "
	    "<filter@mx.test>\r\n"));
	cr_assert(strstr(buf_str(m[1].data), "Auto-Submitted: "
	    "auto-generated\r\n"));
	cr_assert_eq(m[3].nto, 1);
	cr_assert_str_eq(m[3].to[0], "c@x.test");
	notify_msgs_free(m, n);
}

Test(notify, nothing_when_not_asked)
{
	const char	*r[] = { "a@x.test" };
	struct notify_msg *m;

	cr_assert_eq(build(r, 1, &m), 0);
	notify_msgs_free(m, 0);
}

Test(notify, never_to_automatic_senders)
{
	const char	*r[] = { "a@x.test" };
	struct notify_msg *m;
	size_t		 n;

	load("[policy]\nspam.notify = sender\n");
	f->gtube = 1;
	n = build(r, 1, &m);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(m[0].to[0], "s@bad.test");
	notify_msgs_free(m, n);
	ni.sender = "";
	cr_assert_eq(build(r, 1, &m), 0);
	ni.sender = "MAILER-DAEMON@x.test";
	cr_assert_eq(build(r, 1, &m), 0);
	ni.sender = "s@bad.test";
	ni.header = "Auto-Submitted: auto-replied\r\n\r\n";
	ni.header_len = strlen(ni.header);
	cr_assert_eq(build(r, 1, &m), 0);
	ni.header = "Precedence: bulk\r\n\r\n";
	ni.header_len = strlen(ni.header);
	cr_assert_eq(build(r, 1, &m), 0);
	ni.header = "Auto-Submitted: no\r\n\r\n";
	ni.header_len = strlen(ni.header);
	n = build(r, 1, &m);
	cr_assert_eq(n, 1);
	notify_msgs_free(m, n);
}

Test(notify, own_template_and_its_from)
{
	const char	*r[] = { "a@x.test" };
	struct notify_msg *m;
	char		 text[600];
	const char	*t, *want;
	size_t		 n;

	t = tu_write_file("own.tmpl", "From: Security <sec@x.test>\n"
	    "Subject: ${status}: ${virus}\n\nGroup ${group}.\n");
	(void)snprintf(text, sizeof(text), "[policy]\ninfected.notify = "
	    "recipients\ninfected.template_recipients = %s\n", t);
	load(text);
	f->av = AV_INFECTED;
	findings_add(&f->viruses, "EICAR", "", 0);
	n = build(r, 1, &m);
	cr_assert_eq(n, 1);
	want = "To: <a@x.test>\r\nFrom: Security <sec@x.test>\r\n"
	    "Subject: infected: EICAR\r\nDate: ";
	cr_assert(strncmp(buf_str(m[0].data), want, strlen(want)) == 0,
	    "%s", buf_str(m[0].data));
	cr_assert(strstr(buf_str(m[0].data), "\r\n\r\nGroup All.\r\n"));
	notify_msgs_free(m, n);
}

Test(notify, header_values)
{
	struct buf	*b = buf_new(64);

	cr_assert(notify_header_value(hdr, strlen(hdr), "subject", b));
	cr_assert_str_eq(buf_str(b), "free money");
	buf_reset(b);
	cr_assert_not(notify_header_value(hdr, strlen(hdr), "To", b));
	cr_assert(notify_header_value("X: a\r\n\r\nY: b\r\n", 8, "X", b));
	cr_assert_str_eq(buf_str(b), "a");
	buf_reset(b);
	cr_assert_not(notify_header_value("X: a", 4, "Y", b));
	buf_free(b);
}
