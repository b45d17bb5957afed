/* test_group.c - unit tests for policy/group.c: group lookup, statuses and
 * the combination of actions */

#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "conf.h"
#include "findings.h"
#include "policy.h"
#include "policy_private.h"
#include "status.h"
#include "testutil.h"
#include "verdict.h"

static struct findings	*f;
static struct msg_view	 v;

static void
setup(void)
{
	policy_conf_register();
	f = findings_new();
	memset(&v, 0, sizeof(v));
	v.sender = "someone@sender.test";
	v.client_addr = "192.0.2.10";
}

static void
teardown(void)
{
	findings_free(f);
	conf_reset();
}

TestSuite(group, .init = setup, .fini = teardown);

/* load - a configuration that must load */

static void
load(const char *text)
{
	struct buf	*errs = buf_new(128);
	const char	*p = tu_write_file("g.conf", text);

	cr_assert_eq(conf_load(p, errs), WN_OK, "%s", buf_str(errs));
	buf_free(errs);
}

/* find - the name of the group of a recipient */

static const char *
find(const char *rcpt, const char *sender, const char *ip)
{
	return (policy_group_find(policy_current, rcpt, sender, ip)->name);
}

Test(group, first_match_wins_all_catches_the_rest)
{
	load("[group vip]\nrecipients = ceo@example.com\n\n"
	    "[group staff]\nrecipients = @example.com, re:^ops-.*@\n\n"
	    "[group also-vip]\nrecipients = ceo@example.com\n");
	cr_assert_str_eq(find("ceo@example.com", "", NULL), "vip");
	cr_assert_str_eq(find("CEO@Example.com", "", NULL), "vip");
	cr_assert_str_eq(find("bob@example.com", "", NULL), "staff");
	cr_assert_str_eq(find("ops-1@other.test", "", NULL), "staff");
	cr_assert_str_eq(find("bob@other.test", "", NULL), "All");
}

Test(group, senders_narrow_a_group)
{
	load("[group internal]\nrecipients = @example.com\n"
	    "senders = @example.com, ip:10.0.0.0/8\n\n"
	    "[group external]\nrecipients = @example.com\n");
	cr_assert_str_eq(find("a@example.com", "b@example.com", "192.0.2.1"),
	    "internal");
	cr_assert_str_eq(find("a@example.com", "b@other.test", "10.1.2.3"),
	    "internal");
	cr_assert_str_eq(find("a@example.com", "b@other.test", "192.0.2.1"),
	    "external");
	cr_assert_str_eq(find("a@example.com", "", NULL), "external");
}

Test(group, lists_decide_before_findings)
{
	const struct policy_group *g;
	const char	*list;

	load("[policy]\nwhitelist = @friends.test\nblacklist = "
	    "@sender.test, ip:198.51.100.0/24, @friends.test\n\n"
	    "[group sales]\nrecipients = @sales.test\n"
	    "whitelist = someone@sender.test\n");
	f->gtube = 1;
	g = policy_group_find(policy_current, "x@other.test", v.sender, NULL);
	cr_assert_eq(group_spam_status(policy_current, g, &v, f, &list),
	    SPAM_BLACKLISTED);
	cr_assert_str_eq(list, "blacklist");
	/* The group's own white list wins over the common black list. */
	g = policy_group_find(policy_current, "x@sales.test", v.sender, NULL);
	cr_assert_eq(group_spam_status(policy_current, g, &v, f, &list),
	    SPAM_TRUSTED);
	cr_assert_str_eq(list, "whitelist");
	/* White wins over black when both list the sender. */
	v.sender = "a@friends.test";
	g = policy_group_find(policy_current, "x@other.test", v.sender, NULL);
	cr_assert_eq(group_spam_status(policy_current, g, &v, f, &list),
	    SPAM_TRUSTED);
	/* A black-listed client address. */
	v.sender = "nobody@elsewhere.test";
	v.client_addr = "198.51.100.3";
	cr_assert_eq(group_spam_status(policy_current, g, &v, f, &list),
	    SPAM_BLACKLISTED);
	v.client_addr = "192.0.2.10";
	cr_assert_eq(group_spam_status(policy_current, g, &v, f, &list),
	    SPAM_SPAM);
	cr_assert_null(list);
}

Test(group, check_switches)
{
	const struct policy_group *g;
	const char	*list;

	load("[group nospam]\nrecipients = @a.test\nspam_checks = no\n\n"
	    "[group noav]\nrecipients = @b.test\nav_checks = no\n");
	f->gtube = 1;
	f->av = AV_INFECTED;
	g = policy_group_find(policy_current, "x@a.test", v.sender, NULL);
	cr_assert_eq(group_spam_status(policy_current, g, &v, f, &list),
	    SPAM_TRUSTED);
	cr_assert_eq(group_av_status(g, f), AV_INFECTED);
	cr_assert_eq(policy_needs(g), POLICY_NEED_AV);
	g = policy_group_find(policy_current, "x@b.test", v.sender, NULL);
	cr_assert_eq(group_av_status(g, f), AV_NOT_SCANNED);
	cr_assert_eq(policy_needs(g), POLICY_NEED_SPAM | POLICY_NEED_DNS |
	    POLICY_NEED_DNS_ALL | POLICY_NEED_UDS);
	g = policy_group_find(policy_current, "x@c.test", v.sender, NULL);
	cr_assert_eq(policy_needs(g), POLICY_NEED_SPAM | POLICY_NEED_DNS |
	    POLICY_NEED_DNS_ALL | POLICY_NEED_AV | POLICY_NEED_UDS);
}

Test(group, verdict_at_the_groups_level)
{
	const struct policy_group *all, *high, *noprob, *nodns;

	load("[group high]\nrecipients = @h.test\ndetection_level = high\n\n"
	    "[group noprob]\nrecipients = @n.test\nprobable_spam = no\n\n"
	    "[group nodns]\nrecipients = @d.test\ndns_checks = no\n");
	all = policy_group_find(policy_current, "x@o.test", "", NULL);
	high = policy_group_find(policy_current, "x@h.test", "", NULL);
	noprob = policy_group_find(policy_current, "x@n.test", "", NULL);
	nodns = policy_group_find(policy_current, "x@d.test", "", NULL);
	cr_assert_eq(group_verdict(all, f), SPAM_NOT_DETECTED);
	/* 40 points: probable at standard (30/50), spam at high (20/35). */
	f->content_state = CHECK_DONE;
	f->rules_score = 40;
	cr_assert_eq(group_verdict(all, f), SPAM_PROBABLE);
	cr_assert_eq(group_verdict(high, f), SPAM_SPAM);
	cr_assert_eq(group_verdict(noprob, f), SPAM_NOT_DETECTED);
	cr_assert_eq(group_points(all, f), 40.0);
	/* A DNSBL rating of 100 blacklists - unless the group ignores DNS. */
	f->rules_score = 0;
	f->dns_state = CHECK_DONE;
	f->dnsbl_state = CHECK_DONE;
	f->dnsbl_rating = 150;
	cr_assert_eq(group_verdict(all, f), SPAM_BLACKLISTED);
	cr_assert_eq(group_verdict(nodns, f), SPAM_NOT_DETECTED);
	f->dnsbl_rating = 60;
	cr_assert_eq(group_points(all, f), 60.0);
	cr_assert_eq(group_points(nodns, f), 0.0);
	f->dnsbl_rating = 0;
	f->formal = 1;
	cr_assert_eq(group_verdict(noprob, f), SPAM_FORMAL);
	f->gtube = 1;
	cr_assert_eq(group_verdict(noprob, f), SPAM_SPAM);
}

Test(group, decide_combines_actions)
{
	struct policy_decision d;

	load("[policy]\nspam.action = quarantine\nspam.dsn = yes\n"
	    "infected.action = reject\nclean.action = copy\n"
	    "clean.to = audit@example.com\n"
	    "suspicious.action = redirect\nsuspicious.to = lab@example.com\n");
	f->gtube = 1;
	f->av = AV_CLEAN;
	policy_decide(policy_current, "a@example.com", &v, f, &d);
	cr_assert_eq(d.spam, SPAM_SPAM);
	cr_assert_eq(d.av, AV_CLEAN);
	cr_assert_eq(d.action, POLICY_QUARANTINE);
	cr_assert_not(d.deliver);
	cr_assert(d.quarantine);
	cr_assert_not(d.reject);
	cr_assert(d.dsn);

	f->av = AV_INFECTED;
	policy_decide(policy_current, "a@example.com", &v, f, &d);
	cr_assert_eq(d.action, POLICY_REJECT);
	cr_assert(d.reject && d.quarantine);
	cr_assert_eq(d.reject_slot, POLICY_ST_AV(AV_INFECTED));
	/* infected forbids a DSN, whatever spam says. */
	cr_assert_not(d.dsn);

	f->gtube = 0;
	f->av = AV_CLEAN;
	policy_decide(policy_current, "a@example.com", &v, f, &d);
	cr_assert_eq(d.spam, SPAM_NOT_DETECTED);
	cr_assert_eq(d.action, POLICY_COPY);
	cr_assert(d.deliver);
	cr_assert_not(d.quarantine || d.reject);

	f->av = AV_SUSPICIOUS;
	policy_decide(policy_current, "a@example.com", &v, f, &d);
	cr_assert_eq(d.action, POLICY_REDIRECT);
	cr_assert_not(d.deliver);

	f->av = AV_NOT_SCANNED;
	policy_decide(policy_current, "a@example.com", &v, f, &d);
	cr_assert_null(d.st[1]);
	cr_assert_eq(d.action, POLICY_ACCEPT);
	cr_assert(d.deliver);
	cr_assert_eq(d.reject_slot, -1);
}

Test(group, dns_switch_hides_network_findings)
{
	const struct policy_group *g;
	struct findings	 copy;

	load("[group nodns]\nrecipients = @a.test\ndns_checks = no\n");
	g = policy_group_find(policy_current, "x@a.test", "", NULL);
	f->dns_state = CHECK_DONE;
	f->dnsbl_rating = 150;
	copy = *f;
	(void)group_verdict(g, f);
	/* The caller's findings are not touched. */
	cr_assert_eq(memcmp(&copy, f, sizeof(copy)), 0);
	cr_assert_eq(policy_needs(g), POLICY_NEED_SPAM | POLICY_NEED_AV |
	    POLICY_NEED_UDS);
}

Test(group, av_remove_tempfail_and_cure)
{
	struct policy_decision d;

	load("[policy]\ninfected.action = cure\n");
	f->av = AV_FILTERED;
	policy_decide(policy_current, "a@example.com", &v, f, &d);
	cr_assert_eq(d.action, POLICY_REMOVE);
	cr_assert(d.deliver && d.remove);

	f->av = AV_INFECTED;
	policy_decide(policy_current, "a@example.com", &v, f, &d);
	cr_assert(d.remove, "cure means remove");

	f->av = AV_ERROR;
	policy_decide(policy_current, "a@example.com", &v, f, &d);
	cr_assert_eq(d.action, POLICY_TEMPFAIL);
	cr_assert(d.tempfail);
	cr_assert_not(d.deliver);
	cr_assert_eq(d.tempfail_slot, POLICY_ST_AV(AV_ERROR));

	/* When remove is impossible, the fallback takes its place. */
	f->av = AV_FILTERED;
	policy_decide(policy_current, "a@example.com", &v, f, &d);
	policy_decision_av_action(&d, POLICY_QUARANTINE);
	cr_assert(d.quarantine && !d.deliver && !d.remove);
}

Test(group, remove_only_where_parts_are_flagged)
{
	struct buf	*errs = buf_new(128);
	const char	*p;

	p = tu_write_file("r.conf", "[policy]\nspam.action = remove\n");
	cr_assert_neq(conf_load(p, errs), WN_OK);
	cr_assert(strstr(buf_str(errs), "r.conf:2:") != NULL, "%s",
	    buf_str(errs));
	buf_free(errs);
}

Test(group, virus_name_action_overrides_the_status)
{
	struct policy_decision d;

	load("[policy]\nvirus_name_action = Eicar-*:drop, *.Phish*:reject\n"
	    "[group lab]\nrecipients = @lab.test\nvirus_name_action =\n");
	f->av = AV_INFECTED;
	findings_add(&f->viruses, "Eicar-Test-Signature", "part 2",
	    AV_INFECTED);
	policy_decide(policy_current, "a@example.com", &v, f, &d);
	cr_assert_eq(d.action, POLICY_DROP);
	/* The lab group clears the rules: the status's action stands. */
	policy_decide(policy_current, "x@lab.test", &v, f, &d);
	cr_assert_eq(d.action, POLICY_QUARANTINE);

	/* The name that holds back most wins. */
	findings_add(&f->viruses, "Html.Phishing.Bank", "part 3",
	    AV_INFECTED);
	policy_decide(policy_current, "a@example.com", &v, f, &d);
	cr_assert_eq(d.action, POLICY_REJECT);
	cr_assert(d.reject);
}

Test(group, virus_name_action_sees_only_the_deciding_status)
{
	struct policy_decision d;

	load("[policy]\nvirus_name_action = filter:*:accept\n"
	    "filtered.action = reject\n");
	findings_add(&f->viruses, "filter:name(*.exe)", "part 2",
	    AV_FILTERED);
	findings_add(&f->viruses, "Eicar-Test-Signature", "part 3",
	    AV_INFECTED);
	f->av = AV_INFECTED;
	policy_decide(policy_current, "a@example.com", &v, f, &d);
	cr_assert_eq(d.action, POLICY_QUARANTINE);
	f->av = AV_FILTERED;
	policy_decide(policy_current, "a@example.com", &v, f, &d);
	cr_assert_eq(d.action, POLICY_ACCEPT);
}

Test(group, virus_names_that_did_not_fit_keep_the_status_action)
{
	struct policy_decision d;
	char		 name[32];
	int		 i;

	load("[policy]\nvirus_name_action = Eicar-*:accept\n");
	for (i = 0; i < FINDINGS_MAX_ITEMS + 3; i++) {
		(void)snprintf(name, sizeof(name), "Eicar-%d", i);
		findings_add(&f->viruses, name, "part 1", AV_INFECTED);
	}
	f->av = AV_INFECTED;
	policy_decide(policy_current, "a@example.com", &v, f, &d);
	cr_assert_eq(d.action, POLICY_QUARANTINE);
}

Test(group, virus_name_action_syntax)
{
	struct buf	*errs = buf_new(128);
	const char	*p;

	p = tu_write_file("v.conf", "[policy]\nvirus_name_action = Eicar\n");
	cr_assert_neq(conf_load(p, errs), WN_OK);
	cr_assert(strstr(buf_str(errs), "GLOB:ACTION") != NULL, "%s",
	    buf_str(errs));
	buf_free(errs);
}

Test(group, dns_family_switches)
{
	load("[policy]\n[group nospf]\nrecipients = @nospf.test\nspf = no\n"
	    "rdns = no\n");
	cr_assert_eq(policy_needs(policy_current->groups[0]) &
	    (POLICY_NEED_SPF | POLICY_NEED_RDNS), 0);
	cr_assert(policy_needs(policy_current->groups[0]) &
	    POLICY_NEED_SURBL);
	cr_assert(policy_needs(policy_current->groups[1]) & POLICY_NEED_SPF);
	/* 60 points of rDNS/SPF-like signs are ignored by the group. */
	f->content_state = CHECK_DONE;
	f->spf = SPF_FAIL;
	f->spf_state = CHECK_DONE;
	f->rdns = RDNS_NONE;
	f->rdns_state = CHECK_DONE;
	cr_assert_geq(group_points(policy_current->groups[1], f),
	    group_points(policy_current->groups[0], f));
}

Test(group, per_group_recognition_keys)
{
	const struct policy_group *all, *g;
	const char	*list;

	findings_rules_declare((const char *const[]){ "SUBJ_ID", "EASTERN",
	    "OBSCENE", "HTML_ONLY" }, 4);
	load("[policy]\nblacklist = @sender.test\n\n"
	    "[group quiet]\nrecipients = @q.test\nrules_off = SUBJ_ID\n"
	    "rule_weights = HTML_ONLY:40\neastern_suspicious = zh ko\n"
	    "dnsbl = no\nlists = no\nobscene_tag = [--Obscene--]\n");
	all = policy_group_find(policy_current, "x@o.test", v.sender, NULL);
	g = policy_group_find(policy_current, "x@q.test", v.sender, NULL);
	cr_assert_str_eq(g->name, "quiet");
	cr_assert_str_eq(g->obscene_tag, "[--Obscene--]");
	cr_assert_null(all->obscene_tag);
	/* lists = no: the common black list does not decide. */
	cr_assert_eq(group_spam_status(policy_current, all, &v, f, &list),
	    SPAM_BLACKLISTED);
	cr_assert_eq(group_spam_status(policy_current, g, &v, f, &list),
	    SPAM_NOT_DETECTED);
	cr_assert_null(list);
	/* rules_off and rule_weights. */
	f->content_state = CHECK_DONE;
	findings_add(&f->rules, "SUBJ_ID", "", 40);
	findings_add(&f->rules, "HTML_ONLY", "", 0);
	f->rules_score = 40;
	cr_assert_eq(group_points(all, f), 40.0);
	cr_assert_eq(group_points(g, f), 40.0);		/* 0 + 40 */
	/* Eastern: Korean text is suspicious for the group only. */
	f->eastern = 1;
	f->eastern_langs = FINDINGS_LANG_KO;
	cr_assert_eq(group_points(all, f), 40.0);
	cr_assert_eq(group_points(g, f), 40.0 + VERDICT_EASTERN_POINTS);
	f->eastern_langs = FINDINGS_LANG_JA;
	cr_assert_eq(group_points(g, f), 40.0);
	/* dnsbl = no: no rating, no blacklisting, and no DNSBL queries. */
	f->dns_state = f->dnsbl_state = CHECK_DONE;
	f->dnsbl_rating = 150;
	cr_assert_eq(group_verdict(all, f), SPAM_BLACKLISTED);
	cr_assert_neq(group_verdict(g, f), SPAM_BLACKLISTED);
	cr_assert_eq(policy_needs(g) & POLICY_NEED_DNSBL, 0);
	cr_assert_neq(policy_needs(g) & POLICY_NEED_RDNS, 0);
	cr_assert_neq(policy_needs(all) & POLICY_NEED_DNSBL, 0);
}

Test(group, per_group_keys_inherit_and_refuse)
{
	struct buf	*errs = buf_new(128);
	const char	*p;
	const struct policy_group *g;

	findings_rules_declare((const char *const[]){ "SUBJ_ID", "EASTERN" },
	    2);
	load("[policy]\nrules_off = SUBJ_ID\neastern_suspicious = all\n\n"
	    "[group a]\nrecipients = @a.test\n\n"
	    "[group b]\nrecipients = @b.test\nrules_off =\n"
	    "eastern_suspicious = none\n");
	g = policy_group_find(policy_current, "x@a.test", "", NULL);
	cr_assert_str_eq(g->rules_off[0], "SUBJ_ID");
	cr_assert_eq(g->eastern_langs, FINDINGS_LANG_ALL);
	g = policy_group_find(policy_current, "x@b.test", "", NULL);
	cr_assert_null(g->rules_off);
	cr_assert_eq(g->eastern_langs, 0);
	p = tu_write_file("bad.conf", "[group a]\nrecipients = @a.test\n"
	    "rules_off = NO_SUCH_RULE\nrule_weights = SUBJ_ID:x\n"
	    "eastern_suspicious = fr\n");
	cr_assert_eq(conf_load(p, errs), WN_PERM);
	cr_assert(strstr(buf_str(errs), ":3: [group a] rules_off: unknown "
	    "rule \"NO_SUCH_RULE\"") != NULL, "%s", buf_str(errs));
	cr_assert(strstr(buf_str(errs), ":4: ") != NULL, "%s",
	    buf_str(errs));
	cr_assert(strstr(buf_str(errs), ":5: ") != NULL, "%s",
	    buf_str(errs));
	buf_free(errs);
}
