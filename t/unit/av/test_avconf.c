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
	cr_assert_str_eq(av_remove_fallback(), "quarantine");
}

Test(avconf, built_in_options_before_any_load)
{
	cr_assert_eq(av_opts_mode(av_opts_default()), AV_MODE_MESSAGE);
	cr_assert_str_eq(av_remove_fallback(), "quarantine");
}

Test(avconf, values_from_the_file)
{
	const struct av_opts *o;

	cr_assert_eq(avt_conf("mode = combined\nremove_fallback = tempfail\n"
	    "max_scan_time = 30s\nmax_file_size = 25M\n", why), WN_OK, "%s",
	    buf_str(why));
	o = av_opts_default();
	cr_assert_eq(av_opts_mode(o), AV_MODE_COMBINED);
	cr_assert_str_eq(av_remove_fallback(), "tempfail");
	cr_assert_eq(avconf.max_scan_time, 30000);
	cr_assert_eq(avconf.max_file_size, 25u << 20);
	/* The old gateways' names for the policy's actions. */
	cr_assert_eq(avt_conf("remove_fallback = pass\n", why), WN_OK);
	cr_assert_str_eq(av_remove_fallback(), "accept");
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
	bad("remove_fallback = remove\n", "remove_fallback");
	bad("remove_fallback = cure\n", "remove_fallback");

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
	cr_assert_eq(av_opts_set(o, "remove_notice", "gone", why), WN_OK);
	cr_assert_eq(av_opts_mode(o), AV_MODE_COMBINED);
	cr_assert_str_eq(o->notice, "gone");
	/* Actions are the policy's, not an AV option. */
	cr_assert_eq(av_opts_set(o, "Infected_Action", "drop", why), WN_PERM);
	/* The default set is not changed by a copy's changes. */
	cr_assert_eq(av_opts_mode(av_opts_default()), AV_MODE_MESSAGE);
	cr_assert_eq(av_opts_set(o, "nonsense", "x", why), WN_PERM);
	cr_assert_not_null(strstr(buf_str(why), "nonsense"));
	buf_reset(why);
	cr_assert_eq(av_opts_set(o, "filter_max_size", "big", why), WN_PERM);
	av_opts_free(o);
	av_opts_free(NULL);
}


Test(avconf, file_lists_and_rename_suffix)
{
	struct av_opts	*o;
	const char	*path;
	char		 conf[1024], list[512];

	(void)snprintf(list, sizeof(list), "%s", tu_write_file("names.txt",
	    "# executables\n*.exe *.scr\n\n*.pif\n"));
	(void)snprintf(conf, sizeof(conf), "[av]\ndatabase =\n"
	    "filter_names = *.bat file:%s\nrename_suffix = .blocked\n", list);
	path = tu_write_file("f.conf", conf);
	cr_assert_eq(conf_load(path, why), WN_OK, "%s", buf_str(why));
	cr_assert_eq(av_load(why), WN_OK, "%s", buf_str(why));
	o = av_opts_copy(av_opts_default());
	cr_assert_str_eq(o->incl[AVFILT_NAME][0], "*.bat");
	cr_assert_str_eq(o->incl[AVFILT_NAME][1], "*.exe");
	cr_assert_str_eq(o->incl[AVFILT_NAME][2], "*.scr");
	cr_assert_str_eq(o->incl[AVFILT_NAME][3], "*.pif");
	cr_assert_null(o->incl[AVFILT_NAME][4]);
	cr_assert_str_eq(o->rename_suffix, ".blocked");
	/* A group's own list, from a file too; its suffix. */
	cr_assert_eq(av_opts_set(o, "filter_names", list, why), WN_OK);
	cr_assert_str_eq(o->incl[AVFILT_NAME][0], list);
	(void)snprintf(conf, sizeof(conf), "file:%s", list);
	cr_assert_eq(av_opts_set(o, "filter_exclude_names", conf, why), WN_OK);
	cr_assert_str_eq(o->excl[AVFILT_NAME][2], "*.pif");
	cr_assert_eq(av_opts_set(o, "rename_suffix", ".vir", why), WN_OK);
	cr_assert_str_eq(o->rename_suffix, ".vir");
	cr_assert_eq(av_opts_set(o, "rename_suffix", "a/b", why), WN_PERM);
	cr_assert_eq(av_opts_set(o, "filter_types", "file:/nonexistent/t",
	    why), WN_PERM);
	av_opts_free(o);
	bad("filter_names = file:/nonexistent/names\n", "/nonexistent/names");
	bad("filter_exclude_types = file:relative\n", "absolute");
	bad("rename_suffix = ../x\n", "suffix");
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
