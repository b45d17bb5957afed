/* test_policy.c - unit tests for policy/policy.c: [policy], [group NAME],
 * inheritance, lists and their errors */

#include <sys/stat.h>

#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "conf.h"
#include "mask.h"
#include "policy.h"
#include "policy_private.h"
#include "status.h"
#include "testutil.h"

static struct buf	*errs;

static void
setup(void)
{
	policy_conf_register();
	errs = buf_new(256);
}

static void
teardown(void)
{
	buf_free(errs);
	conf_reset();
}

TestSuite(policy, .init = setup, .fini = teardown);

/* load - a configuration that must load */

static void
load(const char *text)
{
	const char	*p = tu_write_file("p.conf", text);

	buf_reset(errs);
	cr_assert_eq(conf_load(p, errs), WN_OK, "%s", buf_str(errs));
}

/* refuse - a configuration that must fail with this text at this line */

static void
refuse(const char *text, int line, const char *reason)
{
	const char	*p = tu_write_file("bad.conf", text);
	char		 want[600];

	buf_reset(errs);
	cr_assert_eq(conf_load(p, errs), WN_PERM, "accepted:\n%s", text);
	(void)snprintf(want, sizeof(want), "%s:%d: ", p, line);
	cr_assert(strstr(buf_str(errs), want) != NULL, "no \"%s\" in:\n%s",
	    want, buf_str(errs));
	cr_assert(strstr(buf_str(errs), reason) != NULL, "no \"%s\" in:\n%s",
	    reason, buf_str(errs));
}

/* group - a group of the current policy by name */

static const struct policy_group *
group(const char *name)
{
	size_t	 i;

	for (i = 0; i < policy_current->ngroups; i++)
		if (strcmp(policy_current->groups[i]->name, name) == 0)
			return (policy_current->groups[i]);
	cr_assert_fail("no group %s", name);
	return (NULL);
}

Test(policy, everything_protected_by_default)
{
	cr_assert(policy_protected("a@example.com"));
	cr_assert(policy_protected("postmaster"));
}

Test(policy, protected_domains)
{
	load("[policy]\nprotected_domains = example.com, .example.net; "
	    "*.example.org\n");
	cr_assert(policy_protected("a@example.com"));
	cr_assert(policy_protected("a@EXAMPLE.COM"));
	cr_assert_not(policy_protected("a@sub.example.com"));
	cr_assert(policy_protected("a@example.net"));
	cr_assert(policy_protected("a@mx.example.net"));
	cr_assert_not(policy_protected("a@badexample.net"));
	cr_assert(policy_protected("a@x.example.org"));
	cr_assert_not(policy_protected("a@other.com"));
	cr_assert_not(policy_protected("postmaster"));
}

Test(policy, builtin_defaults)
{
	const struct policy_group *g;

	cr_assert_eq(policy_current->ngroups, 1);
	g = policy_current->groups[0];
	cr_assert_str_eq(g->name, "All");
	cr_assert(g->all);
	cr_assert_eq(g->detection_level, POLICY_LEVEL_STANDARD);
	cr_assert(g->spam_checks && g->dns_checks && g->av_checks);
	cr_assert(g->probable_spam);
	cr_assert_eq(g->st[POLICY_ST_SPAM(SPAM_SPAM)].action, POLICY_ACCEPT);
	cr_assert_eq(g->st[POLICY_ST_AV(AV_INFECTED)].action,
	    POLICY_QUARANTINE);
	cr_assert_eq(g->st[POLICY_ST_AV(AV_FILTERED)].action,
	    POLICY_REMOVE);
	/* A limit is final: never a retried 451, never delivered unscanned
	 * unless a group says limit.action = accept (issue 19). */
	cr_assert_eq(g->st[POLICY_ST_AV(AV_LIMIT)].action,
	    POLICY_QUARANTINE);
	cr_assert_eq(g->st[POLICY_ST_AV(AV_SUSPICIOUS)].action,
	    POLICY_QUARANTINE);
	/* A scan that failed never lets the message through. */
	cr_assert_eq(g->st[POLICY_ST_AV(AV_ERROR)].action, POLICY_TEMPFAIL);
	/* No DSN for spam-like or infected mail unless configured. */
	cr_assert_not(g->st[POLICY_ST_SPAM(SPAM_SPAM)].dsn);
	cr_assert_not(g->st[POLICY_ST_SPAM(SPAM_PROBABLE)].dsn);
	cr_assert_not(g->st[POLICY_ST_SPAM(SPAM_BLACKLISTED)].dsn);
	cr_assert_not(g->st[POLICY_ST_AV(AV_INFECTED)].dsn);
	cr_assert(g->st[POLICY_ST_SPAM(SPAM_NOT_DETECTED)].dsn);
	cr_assert_not_null(g->st[POLICY_ST_SPAM(SPAM_SPAM)].reject_text);
	cr_assert(policy_conf.split_by_result);
	cr_assert_str_eq(policy_conf.quarantine_dir,
	    "/var/spool/winnow/quarantine");
}

Test(policy, status_names)
{
	cr_assert_str_eq(policy_status_name(POLICY_ST_SPAM(SPAM_PROBABLE)),
	    "probable-spam");
	cr_assert_str_eq(policy_status_name(POLICY_ST_SPAM(SPAM_NOT_DETECTED)),
	    "not-detected");
	cr_assert_str_eq(policy_status_name(POLICY_ST_AV(AV_CLEAN)), "clean");
	cr_assert_str_eq(policy_status_name(POLICY_ST_AV(AV_FILTERED)),
	    "filtered");
	cr_assert_str_eq(policy_status_name(POLICY_ST_AV(AV_LIMIT)), "limit");
	cr_assert_eq(POLICY_NSTATUS, 13);	/* limit: issue 19 */
	cr_assert_str_eq(policy_action_name(POLICY_QUARANTINE), "quarantine");
}

Test(policy, groups_in_order_all_last)
{
	load("[group All]\nspam.action = drop\n\n"
	    "[group sales]\nrecipients = @sales.test\n\n"
	    "[group support]\nrecipients = @support.test\n");
	cr_assert_eq(policy_current->ngroups, 3);
	cr_assert_str_eq(policy_current->groups[0]->name, "sales");
	cr_assert_str_eq(policy_current->groups[1]->name, "support");
	cr_assert_str_eq(policy_current->groups[2]->name, "All");
	cr_assert_eq(group("All")->st[POLICY_ST_SPAM(SPAM_SPAM)].action,
	    POLICY_DROP);
	cr_assert_eq(group("sales")->st[POLICY_ST_SPAM(SPAM_SPAM)].action,
	    POLICY_ACCEPT);
}

Test(policy, inheritance)
{
	const struct policy_group *s, *a;

	load("[policy]\n"
	    "detection_level = high\n"
	    "spam.action = quarantine\n"
	    "spam.subject_tag = [SPAM]\n"
	    "probable-spam.header = X-Spam-Flag: maybe\n"
	    "av_checks = no\n"
	    "\n"
	    "[group sales]\n"
	    "recipients = *@sales.test\n"
	    "spam.action = reject\n"
	    "spam.reject_text = 5.7.0 No spam for sales\n"
	    "detection_level = maximum\n"
	    "av_checks = yes\n");
	s = group("sales");
	a = group("All");
	/* Overridden */
	cr_assert_eq(s->st[POLICY_ST_SPAM(SPAM_SPAM)].action, POLICY_REJECT);
	cr_assert_eq(s->detection_level, POLICY_LEVEL_MAXIMUM);
	cr_assert(s->av_checks);
	/* Inherited */
	cr_assert_str_eq(s->st[POLICY_ST_SPAM(SPAM_SPAM)].subject_tag,
	    "[SPAM]");
	cr_assert_str_eq(s->st[POLICY_ST_SPAM(SPAM_PROBABLE)].header_name,
	    "X-Spam-Flag");
	cr_assert_str_eq(s->st[POLICY_ST_SPAM(SPAM_PROBABLE)].header_value,
	    "maybe");
	/* All has the [policy] values */
	cr_assert_eq(a->st[POLICY_ST_SPAM(SPAM_SPAM)].action,
	    POLICY_QUARANTINE);
	cr_assert_eq(a->detection_level, POLICY_LEVEL_HIGH);
	cr_assert_not(a->av_checks);
	/* Copies, not shared strings */
	cr_assert_neq(s->st[POLICY_ST_SPAM(SPAM_SPAM)].subject_tag,
	    a->st[POLICY_ST_SPAM(SPAM_SPAM)].subject_tag);
}

Test(policy, group_templates_cover_statuses_unless_set)
{
	const struct policy_group *s, *a;
	const char	*t1, *t2;
	char		 text[1200];

	t1 = tu_write_file("t1.tmpl", "Subject: one\n\nbody ${status}\n");
	t1 = strdup(t1);
	t2 = tu_write_file("t2.tmpl", "Subject: two\n\nbody ${group}\n");
	(void)snprintf(text, sizeof(text), "[policy]\n"
	    "spam.template_admin = %s\n"
	    "notify_admin = admin@example.com\n"
	    "\n"
	    "[group sales]\n"
	    "recipients = @sales.test\n"
	    "infected.template_admin = %s\n"
	    "template_admin = %s\n"
	    "spam.notify = admin, sender\n", t1, t1, t2);
	load(text);
	s = group("sales");
	a = group("All");
	cr_assert_not_null(a->st[POLICY_ST_SPAM(SPAM_SPAM)].tmpl[
	    POLICY_NOTIFY_ADMIN]);
	cr_assert_null(a->st[POLICY_ST_SPAM(SPAM_PROBABLE)].tmpl[
	    POLICY_NOTIFY_ADMIN]);
	/* The group-wide key wins over the inherited per-status one... */
	cr_assert_eq(s->st[POLICY_ST_SPAM(SPAM_SPAM)].tmpl[POLICY_NOTIFY_ADMIN],
	    s->st[POLICY_ST_SPAM(SPAM_FORMAL)].tmpl[POLICY_NOTIFY_ADMIN]);
	cr_assert_neq(s->st[POLICY_ST_SPAM(SPAM_SPAM)].tmpl[
	    POLICY_NOTIFY_ADMIN], a->st[POLICY_ST_SPAM(SPAM_SPAM)].tmpl[
	    POLICY_NOTIFY_ADMIN]);
	/* ...but not over the group's own per-status one. */
	cr_assert_eq(s->st[POLICY_ST_AV(AV_INFECTED)].tmpl[POLICY_NOTIFY_ADMIN],
	    a->st[POLICY_ST_SPAM(SPAM_SPAM)].tmpl[POLICY_NOTIFY_ADMIN]);
	cr_assert_eq(s->st[POLICY_ST_SPAM(SPAM_SPAM)].notify,
	    (1U << POLICY_NOTIFY_ADMIN) | (1U << POLICY_NOTIFY_SENDER));
	free((char *)t1);
}

Test(policy, lists_common_and_own)
{
	load("[policy]\nwhitelist = @friends.test\n"
	    "blacklist = ip:192.0.2.0/24\n"
	    "\n[group sales]\nrecipients = @sales.test\n"
	    "blacklist = spammer@bad.test\n");
	cr_assert(mask_list_match(policy_current->whitelist, "a@friends.test",
	    NULL));
	cr_assert(mask_list_match(policy_current->blacklist, "x@y.test",
	    "192.0.2.9"));
	cr_assert(mask_list_match(group("sales")->blacklist,
	    "spammer@bad.test", NULL));
	cr_assert_null(group("All")->blacklist);
	cr_assert_null(group("sales")->whitelist);
}

Test(policy, copy_and_redirect_addresses)
{
	const struct policy_status *st;

	load("[policy]\ndefault_domain = example.com\n"
	    "spam.action = copy\nspam.to = audit, boss@example.org\n");
	st = &group("All")->st[POLICY_ST_SPAM(SPAM_SPAM)];
	cr_assert_eq(st->nto, 2);
	cr_assert_str_eq(st->to[0], "audit@example.com");
	cr_assert_str_eq(st->to[1], "boss@example.org");
}

Test(policy, errors_name_their_line)
{
	refuse("[policy]\nspam.acton = reject\n", 2, "unknown parameter");
	refuse("[policy]\n\nrecipients = @x.test\n", 3, "[group NAME]");
	refuse("[group x]\nrecipients = @x.test\nsplit_by_result = no\n", 3,
	    "[policy] parameter");
	refuse("[policy]\nspam.action = explode\n", 2, "not one of");
	refuse("[policy]\nnot-detected.action = reject\n", 2,
	    "always delivered");
	refuse("[policy]\ntrusted.action = quarantine\n", 2,
	    "always delivered");
	refuse("[policy]\nspam.action = redirect\n", 2, "needs spam.to");
	refuse("[group x]\nrecipients = @x.test\n\nspam.action = copy\n", 4,
	    "needs spam.to");
	refuse("[policy]\nspam.notify = admin\n", 2, "notify_admin");
	refuse("[policy]\nspam.notify = everyone\n", 2, "not a list");
	refuse("[policy]\nspam.header = Bad Header: x\n", 2,
	    "not a header field");
	refuse("[policy]\nspam.header = X-Winnow-Status: x\n", 2,
	    "winnow writes itself");
	refuse("[policy]\nspam.reject_text = 4.7.1 later\n", 2,
	    "enhanced code 5");
	refuse("[policy]\nspam.reject_text = 554 5.7.1 no\n", 2,
	    "reply code");
	refuse("[policy]\nspam.reject_text = no ${nothing}\n", 2,
	    "unknown macro");
	refuse("[policy]\ndetection_level = paranoid\n", 2, "not one of");
	refuse("[policy]\nspam_checks = maybe\n", 2, "not yes or no");
	refuse("[group sales]\nspam.action = drop\n", 2, "has no recipients");
	refuse("[group x]\nrecipients = @x.test\n[group All]\n"
	    "recipients = @y.test\n", 4, "matches every recipient");
	refuse("[group bad/name]\nrecipients = @x.test\n", 2, "group name");
	refuse("[group x]\nrecipients = ip:192.0.2.1\n", 2, "client address");
	refuse("[group x]\nrecipients = \n", 2, "has no masks");
	refuse("[policy]\nwhitelist = local\n", 2, "default_domain");
	refuse("[policy]\nspam.to = local\n", 2, "default_domain");
	refuse("[policy]\nspam.subject_tag = \"\x01\"\n", 2, "subject tag");
	refuse("[policy]\nquarantine_dir = relative\n", 2, "absolute path");
	refuse("[policy]\nnotify_admin = nobody\n", 2, "not an address");
}

Test(policy, every_address_key_refuses_an_empty_domain)
{
	/* "user@" has no domain: refused with its line, never a crash */
	refuse("[policy]\nnotify_admin = postmaster@\n", 2, "not an address");
	refuse("[policy]\nnotify_from = x@\n", 2, "not an address");
	refuse("[policy]\n\narchive_to = a@example.org, b@\n", 3,
	    "not an address");
	refuse("[policy]\nspam.action = copy\nspam.to = user@\n", 3,
	    "not an address");
	refuse("[policy]\ninfected.action = redirect\ninfected.to = @\n", 3,
	    "not an address");
	refuse("[group x]\nrecipients = @x.test\nspam.action = redirect\n"
	    "spam.to = user@\n", 4, "not an address");
	refuse("[policy]\ndefault_domain = example.com\n"
	    "spam.action = copy\nspam.to = audit, a@b@\n", 4,
	    "not an address");
	/* and the policy in force is still the built-in one */
	cr_assert_eq(policy_current->ngroups, 1);
}

Test(policy, list_file_errors_name_both_lines)
{
	const char	*list;
	char		 text[700], want[600];

	list = tu_write_file("white.txt", "a@b.test\n\nre:(\n");
	(void)snprintf(want, sizeof(want), "%s:3: item \"re:(\"", list);
	(void)snprintf(text, sizeof(text), "[policy]\n# comment\n"
	    "whitelist = file:%s\n", list);
	refuse(text, 3, want);
}

Test(policy, template_errors_name_both_lines)
{
	const char	*t;
	char		 text[700], want[600];

	t = tu_write_file("bad.tmpl", "Subject: x\n\nline\n${if virus}\n");
	(void)snprintf(want, sizeof(want), "%s:4: ${if} is not closed", t);
	(void)snprintf(text, sizeof(text), "[policy]\n\n\n"
	    "infected.template_sender = %s\n", t);
	refuse(text, 4, want);
	refuse("[policy]\ntemplate_admin = /nonexistent/t.tmpl\n", 2,
	    "cannot open");
}

Test(policy, failed_load_keeps_the_policy)
{
	const struct policy *before;
	const char	*p;

	load("[group sales]\nrecipients = @sales.test\n");
	before = policy_current;
	p = tu_write_file("x.conf", "[group sales]\nrecipients = @sales.test\n"
	    "spam.action = nonsense\n");
	cr_assert_eq(conf_load(p, errs), WN_PERM);
	cr_assert_eq(policy_current, before);
	cr_assert_eq(policy_current->ngroups, 2);
	/* A later good load replaces it. */
	load("[policy]\n");
	cr_assert_eq(policy_current->ngroups, 1);
}

Test(policy, list_files_are_reread_on_load)
{
	const char	*list;
	char		 text[600];

	list = tu_write_file("black.txt", "first@x.test\n");
	(void)snprintf(text, sizeof(text), "[policy]\nblacklist = file:%s\n",
	    list);
	load(text);
	cr_assert(mask_list_match(policy_current->blacklist, "first@x.test",
	    NULL));
	(void)tu_write_file("black.txt", "second@x.test\n");
	load(text);
	cr_assert_not(mask_list_match(policy_current->blacklist,
	    "first@x.test", NULL));
	cr_assert(mask_list_match(policy_current->blacklist, "second@x.test",
	    NULL));
}

Test(policy, documented_keys)
{
	FILE		*fp = tmpfile();
	char		 line[512];
	int		 action = 0, dsn = 0, level = 0;

	conf_print(fp, 1);
	rewind(fp);
	while (fgets(line, sizeof(line), fp) != NULL) {
		action += strcmp(line, "infected.action = quarantine\n") == 0;
		dsn += strcmp(line, "spam.dsn = no\n") == 0;
		level += strcmp(line, "detection_level = standard\n") == 0;
	}
	fclose(fp);
	cr_assert_eq(action, 1);
	cr_assert_eq(dsn, 1);
	cr_assert_eq(level, 1);
}

Test(policy, protected_domains_star_means_all)
{
	load("[policy]\nprotected_domains = *\n");
	cr_assert(policy_protected("a@example.com"));
	cr_assert(policy_protected("a@anything.test"));
	cr_assert(policy_protected("postmaster"));
}

Test(policy, protected_domains_globs)
{
	load("[policy]\nprotected_domains = *example.com mx?.example.org\n");
	cr_assert(policy_protected("a@example.com"));
	cr_assert(policy_protected("a@badexample.com"));
	cr_assert(policy_protected("a@sub.EXAMPLE.com"));
	cr_assert(policy_protected("a@mx1.example.org"));
	cr_assert_not(policy_protected("a@mx10.example.org"));
	cr_assert_not(policy_protected("a@example.net"));
}

Test(policy, protected_domains_file)
{
	const char	*f = tu_write_file("prot.txt", "# ours\n"
	    "example.com\n.example.net, *.example.org\n\n");
	char		 text[600];

	(void)snprintf(text, sizeof(text), "[policy]\nprotected_domains = "
	    "file:%s other.test\n", f);
	load(text);
	cr_assert(policy_protected("a@example.com"));
	cr_assert(policy_protected("a@mx.example.net"));
	cr_assert(policy_protected("a@x.example.org"));
	cr_assert(policy_protected("a@other.test"));
	cr_assert_not(policy_protected("a@example.info"));
}

Test(policy, protected_domains_file_missing)
{
	refuse("[policy]\nprotected_domains = file:/nonexistent/prot\n", 2,
	    "/nonexistent/prot");
	refuse("[policy]\nprotected_domains = file:relative\n", 2,
	    "absolute");
}

Test(policy, protected_domains_described)
{
	struct buf	*b = buf_new(64);

	policy_protected_describe(b);
	cr_assert(strstr(buf_str(b), "all domains") != NULL, "%s",
	    buf_str(b));
	load("[policy]\nprotected_domains = example.com .example.net\n");
	buf_reset(b);
	policy_protected_describe(b);
	cr_assert_str_eq(buf_str(b), "2 items: example.com, .example.net");
	load("[policy]\nprotected_domains = example.com *\n");
	buf_reset(b);
	policy_protected_describe(b);
	cr_assert(strstr(buf_str(b), "all domains") != NULL, "%s",
	    buf_str(b));
	buf_free(b);
}

Test(policy, reject_text_and_dsn_from_files)
{
	char		 rf[512], bf[512], df[512], text[2048];

	(void)snprintf(rf, sizeof(rf), "%s", tu_write_file("reject.txt",
	    "# our words\n\n5.7.1 Spam from ${sender} is not wanted here\n"));
	(void)snprintf(bf, sizeof(bf), "%s", tu_write_file("bad-reject.txt",
	    "554 no\n"));
	(void)snprintf(df, sizeof(df), "%s", tu_write_file("dsn.tmpl",
	    "Subject: Returned: ${subject}\n\nWe refused it, ${sender}.\n"));

	(void)snprintf(text, sizeof(text), "[policy]\nspam.reject_text = "
	    "file:%s\ntemplate_dsn = %s\n", rf, df);
	load(text);
	cr_assert_not_null(policy_current->groups[0]->st[POLICY_ST_SPAM(
	    SPAM_SPAM)].reject_text);
	cr_assert_not_null(policy_current->dsn_tmpl);
	(void)snprintf(text, sizeof(text), "[policy]\nspam.reject_text = "
	    "file:%s\n", bf);
	refuse(text, 2, "must not start with a reply code");
	refuse("[policy]\nspam.reject_text = file:/nonexistent/r\n", 2,
	    "/nonexistent/r");
	refuse("[policy]\ntemplate_dsn = /nonexistent/d\n", 2,
	    "/nonexistent/d");
	/* a directory, and a FIFO nobody writes (refused at once, not
	 * waited on) */
	refuse("[policy]\nspam.reject_text = file:/tmp\n", 2,
	    "not a regular file");
	(void)snprintf(rf, sizeof(rf), "%s/reject.fifo", tu_tmpdir());
	cr_assert_eq(mkfifo(rf, 0600), 0);
	(void)snprintf(text, sizeof(text), "[policy]\nspam.reject_text = "
	    "file:%s\n", rf);
	refuse(text, 2, "not a regular file");
}

Test(policy, replace_is_for_av_statuses)
{
	refuse("[policy]\nspam.action = replace\n", 2,
	    "infected, suspicious, encrypted, error, filtered, limit");
	load("[policy]\nlimit.action = replace\n");
}

Test(policy, report_addresses_and_reporters)
{
	load("[policy]\nreport_spam = spam-report@example.com\n"
	    "report_ham = ham-report@example.com, fp@example.com\n"
	    "report_senders = @example.com, boss@partner.test\n"
	    "report_clients = ip:192.0.2.0/24\n");
	cr_assert_eq(policy_report_kind("spam-report@example.com"), 1);
	cr_assert_eq(policy_report_kind("SPAM-Report@example.com"), 1);
	cr_assert_eq(policy_report_kind("fp@example.com"), 0);
	cr_assert_eq(policy_report_kind("other@example.com"), -1);
	cr_assert(policy_reporter_ok("a@example.com", "192.0.2.7"));
	cr_assert(policy_reporter_ok("boss@partner.test", "192.0.2.7"));
	cr_assert_not(policy_reporter_ok("a@example.com", "198.51.100.1"));
	cr_assert_not(policy_reporter_ok("a@example.com", NULL));
	cr_assert_not(policy_reporter_ok("x@partner.test", "192.0.2.7"));
	cr_assert_not(policy_reporter_ok("", "192.0.2.7"));
	/* nobody without report_senders */
	load("[policy]\nreport_spam = spam-report@example.com\n");
	cr_assert_not(policy_reporter_ok("a@example.com", "192.0.2.7"));
}
