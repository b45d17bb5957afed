/* test_verdict.c - unit tests for policy/verdict.c */

#include <math.h>
#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "findings.h"
#include "verdict.h"

static struct findings *f;

static void
setup(void)
{
	f = findings_new();
	f->content_state = CHECK_DONE;
}

static void
teardown(void)
{
	findings_free(f);
}

TestSuite(verdict, .init = setup, .fini = teardown);

/* prob - the spam probability worth pts classifier points */
static double
prob(double pts)
{
	return (1.0 / (1.0 + exp(-pts / VERDICT_LEARNER_SCALE)));
}

Test(verdict, level_names)
{
	enum detection_level l;
	int	 i;

	for (i = 0; i < DETECTION_LEVEL_COUNT; i++) {
		cr_assert_eq(verdict_level_parse(verdict_level_name(
		    (enum detection_level)i), &l), 0);
		cr_assert_eq((int)l, i);
	}
	cr_assert_eq(verdict_level_parse("Standard", &l), 0);
	cr_assert_eq(l, DETECTION_STANDARD);
	cr_assert_eq(verdict_level_parse("paranoid", &l), -1);
}

Test(verdict, thresholds_fall_with_the_level)
{
	double	 s0, p0, s, p;
	int	 i;

	verdict_thresholds(DETECTION_MINIMUM, &s0, &p0);
	for (i = 1; i < DETECTION_LEVEL_COUNT; i++) {
		verdict_thresholds((enum detection_level)i, &s, &p);
		cr_assert_lt(s, s0);
		cr_assert_lt(p, p0);
		cr_assert_lt(p, s);
		s0 = s;
		p0 = p;
	}
}

Test(verdict, learner_points)
{
	cr_assert_float_eq(verdict_learner_points(0.5), 0.0, 1e-9);
	cr_assert_float_eq(verdict_learner_points(prob(40.0)), 40.0, 1e-6);
	cr_assert_float_eq(verdict_learner_points(1.0), 100.0, 1e-9);
	cr_assert_float_eq(verdict_learner_points(0.0), -100.0, 1e-9);
	cr_assert_float_eq(verdict_learner_points(-1.0), 0.0, 1e-9);
	cr_assert_float_eq(verdict_learner_points(NAN), 0.0, 1e-9);
}

Test(verdict, clean_message_is_not_detected)
{
	f->spam_score = prob(-60.0);
	cr_assert_eq(verdict_spam(f, DETECTION_MAXIMUM, 1), SPAM_NOT_DETECTED);
}

Test(verdict, classifier_score_by_level)
{
	f->spam_score = prob(40.0);	/* 40 points */
	cr_assert_eq(verdict_spam(f, DETECTION_MINIMUM, 1), SPAM_NOT_DETECTED);
	cr_assert_eq(verdict_spam(f, DETECTION_STANDARD, 1), SPAM_PROBABLE);
	cr_assert_eq(verdict_spam(f, DETECTION_HIGH, 1), SPAM_SPAM);
	cr_assert_eq(verdict_spam(f, DETECTION_MAXIMUM, 1), SPAM_SPAM);
	f->spam_score = prob(80.0);
	cr_assert_eq(verdict_spam(f, DETECTION_MINIMUM, 1), SPAM_PROBABLE);
	cr_assert_eq(verdict_spam(f, DETECTION_STANDARD, 1), SPAM_SPAM);
	f->spam_score = 1.0;
	cr_assert_eq(verdict_spam(f, DETECTION_MINIMUM, 1), SPAM_SPAM);
}

Test(verdict, probable_spam_off_folds_into_not_detected)
{
	f->spam_score = prob(40.0);
	cr_assert_eq(verdict_spam(f, DETECTION_STANDARD, 0), SPAM_NOT_DETECTED);
	f->spam_score = prob(60.0);
	cr_assert_eq(verdict_spam(f, DETECTION_STANDARD, 0), SPAM_SPAM);
}

Test(verdict, rules_add_up)
{
	f->spam_score = prob(25.0);
	cr_assert_eq(verdict_spam(f, DETECTION_STANDARD, 1), SPAM_NOT_DETECTED);
	findings_add(&f->rules, "SUBJ_ID", "", 15);
	f->rules_score = 15;
	cr_assert_eq(verdict_spam(f, DETECTION_STANDARD, 1), SPAM_PROBABLE);
	findings_add(&f->rules, "SUBJ_SPACES", "", 20);
	f->rules_score = 35;
	cr_assert_eq(verdict_spam(f, DETECTION_STANDARD, 1), SPAM_SPAM);
	cr_assert_float_eq(verdict_points(f), 60.0, 1e-6);
}

Test(verdict, rules_alone_without_a_model)
{
	f->spam_score = -1.0;
	f->rules_score = 55;
	cr_assert_eq(verdict_spam(f, DETECTION_STANDARD, 1), SPAM_SPAM);
}

Test(verdict, gtube_is_spam_everywhere)
{
	f->gtube = 1;
	f->formal = 1;
	f->spam_score = 0.0;
	f->rules_score = -500;
	cr_assert_eq(verdict_spam(f, DETECTION_MINIMUM, 0), SPAM_SPAM);
}

Test(verdict, dnsbl_rating_blacklists_at_100)
{
	f->dns_state = CHECK_DONE;
	f->dnsbl_rating = 100;
	f->spam_score = prob(-90.0);
	cr_assert_eq(verdict_spam(f, DETECTION_MINIMUM, 1), SPAM_BLACKLISTED);
	f->dnsbl_rating = 40;		/* below: weighs in */
	f->spam_score = prob(20.0);
	cr_assert_eq(verdict_spam(f, DETECTION_STANDARD, 1), SPAM_SPAM);
	cr_assert_float_eq(verdict_points(f), 60.0, 1e-6);
}

Test(verdict, dns_findings_that_did_not_run_do_not_count)
{
	f->dns_state = CHECK_NOT_RUN;
	f->dnsbl_rating = 100;
	f->spam_score = prob(-50.0);
	cr_assert_eq(verdict_spam(f, DETECTION_MAXIMUM, 1), SPAM_NOT_DETECTED);
}

Test(verdict, surbl_rdns_spf_and_uds)
{
	f->spam_score = 0.5;
	f->dns_state = CHECK_DONE;
	f->surbl_rating = 20;
	f->rdns = RDNS_NONE;
	f->spf = SPF_FAIL;
	cr_assert_float_eq(verdict_points(f), 50.0, 1e-6);
	cr_assert_eq(verdict_spam(f, DETECTION_STANDARD, 1), SPAM_SPAM);
	f->dns_state = CHECK_NOT_RUN;
	f->uds_state = CHECK_DONE;
	f->uds_score = 30;
	cr_assert_float_eq(verdict_points(f), 30.0, 1e-6);
	cr_assert_eq(verdict_spam(f, DETECTION_STANDARD, 1), SPAM_PROBABLE);
	f->uds_state = CHECK_TIMEOUT;
	cr_assert_float_eq(verdict_points(f), 0.0, 1e-6);
}

Test(verdict, formal_mail_unless_spam_beyond_doubt)
{
	f->formal = 1;
	f->spam_score = prob(90.0);
	cr_assert_eq(verdict_spam(f, DETECTION_MAXIMUM, 1), SPAM_FORMAL);
	f->spam_score = 1.0;
	f->rules_score = 10;
	cr_assert_eq(verdict_spam(f, DETECTION_MINIMUM, 1), SPAM_SPAM);
}

Test(verdict, content_that_did_not_run_counts_nothing)
{
	f->content_state = CHECK_NOT_RUN;
	f->spam_score = 1.0;
	f->rules_score = 500;
	cr_assert_eq(verdict_spam(f, DETECTION_MAXIMUM, 1), SPAM_NOT_DETECTED);
}

Test(verdict, group_switches_rules_and_eastern)
{
	const char *const off[] = { "SUBJ_ID", NULL };
	struct verdict_opts o = { DETECTION_STANDARD, 1,
	    VERDICT_EASTERN_AS_CONTENT, off, NULL, 0, 0 };

	f->spam_score = 0.5;
	findings_add(&f->rules, "SUBJ_ID", "", 40);
	findings_add(&f->rules, "EASTERN", "text", 30);
	f->rules_score = 70;
	f->eastern = 1;
	cr_assert_float_eq(verdict_points_opts(f, &o), 30.0, 1e-6);
	o.eastern = VERDICT_EASTERN_ALLOWED;
	cr_assert_float_eq(verdict_points_opts(f, &o), 0.0, 1e-6);
	cr_assert_eq(verdict_spam_opts(f, &o), SPAM_NOT_DETECTED);
	/* content said allowed (no EASTERN rule), the group says suspicious */
	findings_free(f);
	f = findings_new();
	f->content_state = CHECK_DONE;
	f->spam_score = 0.5;
	f->eastern = 1;
	o.eastern = VERDICT_EASTERN_SUSPICIOUS;
	o.rules_off = NULL;
	cr_assert_float_eq(verdict_points_opts(f, &o), VERDICT_EASTERN_POINTS,
	    1e-6);
	cr_assert_eq(verdict_spam_opts(f, &o), SPAM_PROBABLE);
}

Test(verdict, group_can_switch_gtube_off)
{
	const char *const off[] = { "gtube", NULL };
	struct verdict_opts o = { DETECTION_STANDARD, 1,
	    VERDICT_EASTERN_AS_CONTENT, off, NULL, 0, 0 };

	f->gtube = 1;
	f->spam_score = 0.5;
	findings_add(&f->rules, "GTUBE", "raw", 1000);
	f->rules_score = 1000;
	cr_assert_eq(verdict_spam_opts(f, &o), SPAM_NOT_DETECTED);
}

Test(verdict, headers_are_rendered_safely)
{
	struct buf	*b = buf_new(64);

	verdict_render_headers(f, SPAM_PROBABLE, 42.25, b);
	cr_assert_str_eq(buf_str(b), "X-Winnow-Status: probable-spam\r\n"
	    "X-Winnow-Score: 42.2\r\n");
	buf_reset(b);
	findings_render_rules(f, b);
	cr_assert_str_eq(buf_str(b), "rules=none");
	buf_reset(b);
	findings_add(&f->rules, "SUBJ_ID", "", 15);
	findings_add(&f->rules, "FORMAL_AUTO", "auto-replied\r\nX-Evil: 1",
	    0);
	findings_render_rules(f, b);
	cr_assert_str_eq(buf_str(b), "rules=SUBJ_ID,FORMAL_AUTO("
	    "auto-replied??X-Evil:?1)");
	cr_assert_null(strchr(buf_str(b), '\r'));
	cr_assert_null(strchr(buf_str(b), '\n'));
	buf_free(b);
}

Test(verdict, rules_list_notes_what_did_not_fit)
{
	struct buf	*b = buf_new(64);
	int		 i;

	for (i = 0; i < FINDINGS_MAX_ITEMS + 3; i++)
		findings_add(&f->rules, "R", "", 1);
	findings_render_rules(f, b);
	cr_assert(strstr(buf_str(b), ",+3") != NULL);
	buf_free(b);
}

Test(verdict, group_rule_weights)
{
	const struct verdict_weight w[] = { { "SUBJ_ID", 5 },
	    { "html_only", 60 } };
	struct verdict_opts o = { DETECTION_STANDARD, 1,
	    VERDICT_EASTERN_AS_CONTENT, NULL, w, 2, 0 };

	f->content_state = CHECK_DONE;
	f->spam_score = 0.5;
	findings_add(&f->rules, "SUBJ_ID", "", 40);
	findings_add(&f->rules, "HTML_ONLY", "", 0);
	f->rules_score = 40;
	cr_assert_float_eq(verdict_points_opts(f, &o), 65.0, 1e-6);
	cr_assert_eq(verdict_spam_opts(f, &o), SPAM_SPAM);
	cr_assert_float_eq(verdict_points(f), 40.0, 1e-6);
}

Test(verdict, eastern_languages_per_group)
{
	const struct verdict_weight w[] = { { "EASTERN", 55 } };
	struct verdict_opts o = { DETECTION_STANDARD, 1,
	    VERDICT_EASTERN_LANGS, NULL, NULL, 0, FINDINGS_LANG_ZH };

	f->content_state = CHECK_DONE;
	f->spam_score = 0.5;
	f->eastern = 1;
	f->eastern_langs = FINDINGS_LANG_JA;
	/* Japanese text, a group suspicious of Chinese only: nothing. */
	cr_assert_float_eq(verdict_points_opts(f, &o), 0.0, 1e-6);
	/* Even when content's EASTERN rule fired (eastern = suspicious). */
	findings_add(&f->rules, "EASTERN", "text", 30);
	f->rules_score = 30;
	cr_assert_float_eq(verdict_points_opts(f, &o), 0.0, 1e-6);
	o.eastern_langs = FINDINGS_LANG_ZH | FINDINGS_LANG_JA;
	cr_assert_float_eq(verdict_points_opts(f, &o), 30.0, 1e-6);
	o.weights = w;
	o.nweights = 1;
	cr_assert_float_eq(verdict_points_opts(f, &o), 55.0, 1e-6);
	cr_assert_eq(verdict_spam_opts(f, &o), SPAM_SPAM);
	/* No rule in the findings: the default weight. */
	findings_free(f);
	f = findings_new();
	f->content_state = CHECK_DONE;
	f->spam_score = 0.5;
	f->eastern = 1;
	f->eastern_langs = FINDINGS_LANG_TH;
	o.weights = NULL;
	o.nweights = 0;
	o.eastern_langs = FINDINGS_LANG_TH;
	cr_assert_float_eq(verdict_points_opts(f, &o), VERDICT_EASTERN_POINTS,
	    1e-6);
}
