/* test_avconf.c - unit tests for av/avconf.c: [av], options, actions */

#include <string.h>

#include <criterion/criterion.h>

#include "av_private.h"
#include "avtest.h"

static struct buf	*why;
static struct findings	*f;

static void
setup(void)
{
	why = buf_new(256);
	f = findings_new();
	log_to_stderr();
	av_conf_register();
}

static void
teardown(void)
{
	av_unload();
	conf_reset();
	findings_free(f);
	buf_free(why);
}

TestSuite(avconf, .init = setup, .fini = teardown, .timeout = 60);

/* bad - a config that conf_load must refuse, mentioning text */

static void
bad(const char *lines, const char *text)
{
	const char	*path;
	char		 conf[1024];

	(void)snprintf(conf, sizeof(conf), "[av]\n%s", lines);
	path = tu_write_file("bad.conf", conf);
	buf_reset(why);
	cr_assert_eq(conf_load(path, why), WN_PERM, "accepted: %s", lines);
	cr_assert_not_null(strstr(buf_str(why), text), "%s", buf_str(why));
}

/* infected - findings of an infected message with some names */

static void
infected(const char *const *names)
{
	avscan_reset(f);
	f->av_state = CHECK_DONE;
	for (; *names != NULL; names++)
		findings_add(&f->viruses, *names, "part 1", AV_INFECTED);
	f->av = AV_INFECTED;
}

Test(avconf, defaults_are_clamav_like_and_error_tempfails)
{
	const struct av_opts *o;

	cr_assert_str_eq(avconf.database, "/var/lib/clamav");
	cr_assert_eq(avconf.max_scan_size, 400u << 20);
	cr_assert_eq(avconf.max_file_size, 100u << 20);
	cr_assert_eq(avconf.max_recursion, 17);
	cr_assert_eq(avconf.max_files, 10000);
	cr_assert_eq(avconf.max_scan_time, 120000);
	cr_assert_eq(avconf.kill_grace, 2000);
	cr_assert_eq(avconf.max_mime_parts, 1000);
	cr_assert_eq(avconf.max_mime_depth, 100);
	cr_assert_eq(avconf.db_check_interval, 300000);
	cr_assert_eq(av_db_check_interval(), 300000);
	cr_assert(avconf.alert_encrypted);
	cr_assert_not(avconf.detect_pua);

	cr_assert_eq(avt_conf("database =\n", why), WN_OK, "%s",
	    buf_str(why));
	o = av_opts_default();
	cr_assert_eq(av_opts_mode(o), AV_MODE_MESSAGE);
	cr_assert_eq(av_opts_action(o, AV_CLEAN), AV_ACT_PASS);
	cr_assert_eq(av_opts_action(o, AV_INFECTED), AV_ACT_QUARANTINE);
	cr_assert_eq(av_opts_action(o, AV_SUSPICIOUS), AV_ACT_QUARANTINE);
	cr_assert_eq(av_opts_action(o, AV_ENCRYPTED), AV_ACT_PASS);
	cr_assert_eq(av_opts_action(o, AV_FILTERED), AV_ACT_REMOVE);
	cr_assert_eq(av_opts_action(o, AV_ERROR), AV_ACT_TEMPFAIL);
	cr_assert_eq(av_remove_fallback(o), AV_ACT_QUARANTINE);
}

Test(avconf, built_in_options_before_any_load)
{
	const struct av_opts *o = av_opts_default();

	cr_assert_eq(av_opts_action(o, AV_ERROR), AV_ACT_TEMPFAIL);
	cr_assert_eq(av_opts_action(o, AV_INFECTED), AV_ACT_QUARANTINE);
}

Test(avconf, values_from_the_file)
{
	const struct av_opts *o;

	cr_assert_eq(avt_conf("mode = combined\nremove_fallback = tempfail\n"
	    "max_scan_time = 30s\nmax_file_size = 25M\n", why), WN_OK, "%s",
	    buf_str(why));
	o = av_opts_default();
	cr_assert_eq(av_opts_mode(o), AV_MODE_COMBINED);
	/* Actions per status are the policy's; [av] keeps the defaults. */
	cr_assert_eq(av_opts_action(o, AV_INFECTED), AV_ACT_QUARANTINE);
	cr_assert_eq(av_opts_action(o, AV_ERROR), AV_ACT_TEMPFAIL);
	cr_assert_eq(av_remove_fallback(o), AV_ACT_TEMPFAIL);
	cr_assert_eq(avconf.max_scan_time, 30000);
	cr_assert_eq(avconf.max_file_size, 25u << 20);
}

Test(avconf, actions_are_the_policys)
{
	/* [av] no longer takes actions: [policy] infected.action does. */
	cr_assert_neq(avt_conf("database =\ninfected_action = cure\n", why),
	    WN_OK);
	cr_assert(strstr(buf_str(why), "infected_action") != NULL, "%s",
	    buf_str(why));
}

Test(avconf, bad_values_are_refused_with_their_line)
{
	bad("remove_fallback = remove\n", "remove_fallback cannot be remove");
	bad("remove_fallback = cure\n", "cannot be cure");

	bad("temp_directory = tmp\n", "absolute");
	bad("mode = everything\n", "combined");
	bad("max_recursion = 0\n", "out of range");
	bad("max_mime_parts = 5000\n", "out of range");
	bad("max_scan_time = 10ms\n", "out of range");
	bad("no_such_thing = 1\n", "no_such_thing");
}

Test(avconf, option_sets_for_groups)
{
	struct av_opts	*o;

	o = av_opts_copy(av_opts_default());
	cr_assert_eq(av_opts_set(o, "mode", "combined", why), WN_OK);
	cr_assert_eq(av_opts_set(o, "Infected_Action", "drop", why), WN_OK);
	cr_assert_eq(av_opts_set(o, "on_error", "quarantine", why), WN_OK);
	cr_assert_eq(av_opts_set(o, "remove_notice", "gone", why), WN_OK);
	cr_assert_eq(av_opts_mode(o), AV_MODE_COMBINED);
	cr_assert_eq(av_opts_action(o, AV_INFECTED), AV_ACT_DROP);
	cr_assert_eq(av_opts_action(o, AV_ERROR), AV_ACT_QUARANTINE);
	cr_assert_str_eq(o->notice, "gone");
	/* The default set is not changed by a copy's changes. */
	cr_assert_eq(av_opts_mode(av_opts_default()), AV_MODE_MESSAGE);
	cr_assert_eq(av_opts_set(o, "nonsense", "x", why), WN_PERM);
	cr_assert_not_null(strstr(buf_str(why), "nonsense"));
	buf_reset(why);
	cr_assert_eq(av_opts_set(o, "filtered_action", "zap", why), WN_PERM);
	cr_assert_eq(av_opts_set(o, "remove_fallback", "remove", why), WN_PERM);
	cr_assert_eq(av_opts_set(o, "filter_max_size", "big", why), WN_PERM);
	av_opts_free(o);
	av_opts_free(NULL);
}

Test(avconf, action_names_and_parsing)
{
	enum av_action	 a;
	int		 cured;

	cr_assert_str_eq(av_action_name(AV_ACT_PASS), "pass");
	cr_assert_str_eq(av_action_name(AV_ACT_REMOVE), "remove");
	cr_assert_str_eq(av_action_name(AV_ACT_TEMPFAIL), "tempfail");
	cr_assert_eq(av_action_parse("accept", &a, &cured, why), WN_OK);
	cr_assert_eq(a, AV_ACT_PASS);
	cr_assert_eq(av_action_parse("discard", &a, &cured, why), WN_OK);
	cr_assert_eq(a, AV_ACT_DROP);
	cr_assert_eq(av_action_parse("CURE", &a, &cured, why), WN_OK);
	cr_assert_eq(a, AV_ACT_REMOVE);
	cr_assert(cured);
	cr_assert_eq(av_action_parse("remove", &a, &cured, why), WN_OK);
	cr_assert_not(cured);
	cr_assert_eq(av_action_parse("nope", &a, &cured, why), WN_PERM);
}

Test(avconf, virus_name_overrides)
{
	static const char *const eicar[] = {
		"Eicar-Test-Signature.UNOFFICIAL", NULL
	};
	static const char *const both[] = {
		"Eicar-Test-Signature.UNOFFICIAL", "Win.Trojan.Agent-1", NULL
	};
	static const char *const trojan[] = { "Win.Trojan.Agent-1", NULL };
	struct av_opts	*o = av_opts_copy(av_opts_default());

	cr_assert_eq(av_opts_set(o, "virus_name_action",
	    "eicar-*:drop, Win.Trojan.*:reject; *.UNOFFICIAL:pass", why),
	    WN_OK, "%s", buf_str(why));
	cr_assert_eq(o->novr, 3);
	infected(eicar);
	/* First match wins, without regard to case. */
	cr_assert_eq(av_decide(o, f), AV_ACT_DROP);
	infected(trojan);
	cr_assert_eq(av_decide(o, f), AV_ACT_REJECT);
	/* Each name gets its own rule; the one that holds back most wins. */
	infected(both);
	cr_assert_eq(av_decide(o, f), AV_ACT_REJECT);
	/* Without rules, the status's action. */
	cr_assert_eq(av_decide(av_opts_default(), f), AV_ACT_QUARANTINE);
	av_opts_free(o);
}

Test(avconf, overrides_only_see_names_of_the_deciding_status)
{
	struct av_opts	*o = av_opts_copy(av_opts_default());

	cr_assert_eq(av_opts_set(o, "virus_name_action", "filter:*:pass",
	    why), WN_OK);
	avscan_reset(f);
	f->av_state = CHECK_DONE;
	findings_add(&f->viruses, "filter:name(*.exe)", "part 2", AV_FILTERED);
	findings_add(&f->viruses, "Eicar-Test-Signature", "part 3",
	    AV_INFECTED);
	f->av = AV_INFECTED;
	cr_assert_eq(av_decide(o, f), AV_ACT_QUARANTINE);
	f->av = AV_FILTERED;
	cr_assert_eq(av_decide(o, f), AV_ACT_PASS);
	av_opts_free(o);
}

Test(avconf, names_that_did_not_fit_keep_the_status_action)
{
	struct av_opts	*o = av_opts_copy(av_opts_default());
	char		 name[32];
	int		 i;

	cr_assert_eq(av_opts_set(o, "virus_name_action", "Eicar-*:pass",
	    why), WN_OK);
	avscan_reset(f);
	f->av_state = CHECK_DONE;
	for (i = 0; i < FINDINGS_MAX_ITEMS + 3; i++) {
		(void)snprintf(name, sizeof(name), "Eicar-%d", i);
		findings_add(&f->viruses, name, "part 1", AV_INFECTED);
	}
	f->av = AV_INFECTED;
	cr_assert_eq(av_decide(o, f), AV_ACT_QUARANTINE);
	av_opts_free(o);
}

Test(avconf, mime_limits_are_deprecated_names_of_the_index_limits)
{
	cr_assert_eq(avt_conf("database =\nmax_mime_parts = 3\n"
	    "max_mime_depth = 4\n", why), WN_OK, "%s", buf_str(why));
	cr_assert_eq(mail_limits.max_parts, 3);
	cr_assert_eq(mail_limits.max_depth, 4);
	cr_assert(strstr(conf_warnings(), "[av] max_mime_parts is deprecated: "
	    "use [content] max_parts") != NULL, "%s", conf_warnings());
	cr_assert(strstr(conf_warnings(), "use [content] max_depth") != NULL);
}
