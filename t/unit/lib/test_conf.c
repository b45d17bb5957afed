/* test_conf.c - unit tests for lib/conf.c */

#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "conf.h"
#include "status.h"
#include "testutil.h"

static char		*t_str;
static unsigned int	 t_uint, t_time;
static int		 t_bool, t_enum;
static size_t		 t_size;
static const char *const t_modes[] = { "tempfail", "accept", "reject", NULL };

static const struct conf_param t_params[] = {
	{ "name", CONF_STR, "dflt", &t_str, 0, 0, NULL, NULL, "a string" },
	{ "count", CONF_UINT, "10", &t_uint, 1, 100, NULL, NULL, "a number" },
	{ "flag", CONF_BOOL, "no", &t_bool, 0, 0, NULL, NULL, NULL },
	{ "timeout", CONF_TIME, "30s", &t_time, 100, 3600000, NULL, NULL,
	    NULL },
	{ "limit", CONF_SIZE, "10M", &t_size, 1024, 0, NULL, NULL, NULL },
	{ "mode", CONF_ENUM, "tempfail", &t_enum, 0, 0, t_modes, NULL, NULL },
	{ NULL }
};

static const struct conf_section t_section = {
	"test", 0, t_params, NULL, "test section"
};

static unsigned int	 t_zones;
static int		 t_zone_sum;

/* t_zone_handler - a free-form section: zone = rating */

static void
t_zone_handler(const struct conf_entry *e, size_t n, int apply,
    struct conf_errors *err)
{
	unsigned int	 v;
	size_t		 i;
	int		 sum = 0;
	struct buf	*why = buf_new(32);

	for (i = 0; i < n; i++) {
		buf_reset(why);
		if (conf_parse_uint(e[i].value, 0, 1000, &v, why) < 0)
			conf_error(err, &e[i], "%s: %s", e[i].name,
			    buf_str(why));
		sum += (int)v;
	}
	if (apply) {
		t_zones = (unsigned int)n;
		t_zone_sum = sum;
	}
	buf_free(why);
}

static const struct conf_section t_zone_section = {
	"zones", 0, NULL, t_zone_handler, NULL
};

static void
setup(void)
{
	conf_register(&t_section);
	conf_register(&t_zone_section);
}

static void
teardown(void)
{
	conf_reset();
}

TestSuite(conf, .init = setup, .fini = teardown);

Test(conf, defaults_apply_at_registration)
{
	cr_assert_str_eq(t_str, "dflt");
	cr_assert_eq(t_uint, 10);
	cr_assert_eq(t_bool, 0);
	cr_assert_eq(t_time, 30000);
	cr_assert_eq(t_size, 10 * 1024 * 1024);
	cr_assert_eq(t_enum, 0);
	cr_assert_eq(conf_load(NULL, NULL), WN_OK);
	cr_assert_eq(t_uint, 10);
}

Test(conf, valid_file_sets_values)
{
	const char	*path;
	struct buf	*err = buf_new(64);

	path = tu_write_file("ok.conf",
	    "# comment\n"
	    "[test]\n"
	    "name = \"  spaced  \"\n"
	    "count=42\n"
	    "flag = yes\n"
	    "timeout = 250ms\n"
	    "limit = 64k\n"
	    "mode = Reject\n"
	    "[zones]\n"
	    "bl1.test = 60\n"
	    "bl2.test = 50\n");
	cr_assert_eq(conf_load(path, err), WN_OK, "%s", buf_str(err));
	cr_assert_str_eq(t_str, "  spaced  ");
	cr_assert_eq(t_uint, 42);
	cr_assert_eq(t_bool, 1);
	cr_assert_eq(t_time, 250);
	cr_assert_eq(t_size, 65536);
	cr_assert_eq(t_enum, 2);
	cr_assert_eq(t_zones, 2);
	cr_assert_eq(t_zone_sum, 110);
	buf_free(err);
}

Test(conf, continuation_lines_join)
{
	const char	*path;

	path = tu_write_file("cont.conf", "[test]\nname = a,\n  b,\n\tc\n");
	cr_assert_eq(conf_load(path, NULL), WN_OK);
	cr_assert_str_eq(t_str, "a, b, c");
}

Test(conf, every_error_reported_with_line_and_nothing_applied)
{
	const char	*path;
	struct buf	*err = buf_new(64);

	path = tu_write_file("bad.conf",
	    "[test]\n"				/* 1 */
	    "count = 1000\n"			/* 2: out of range */
	    "flag = maybe\n"			/* 3: not a bool */
	    "max_chidren = 3\n"			/* 4: unknown */
	    "this line is wrong\n"		/* 5: syntax */
	    "timeout = 5 parsecs\n"		/* 6: bad unit */
	    "name = x\n"			/* 7: ok */
	    "name = y\n"			/* 8: duplicate */
	    "[nosuch]\n"			/* 9 */
	    "a = b\n"				/* 10: unknown section */
	    "[zones]\n"				/* 11 */
	    "bl.test = lots\n");		/* 12: handler error */
	cr_assert_eq(conf_load(path, err), WN_PERM);
	cr_assert(strstr(buf_str(err), "bad.conf:2: [test] count: 1000 is "
	    "out of range (1..100)") != NULL, "%s", buf_str(err));
	cr_assert(strstr(buf_str(err), "bad.conf:3: ") != NULL);
	cr_assert(strstr(buf_str(err), "bad.conf:4: unknown parameter "
	    "\"max_chidren\" in [test]") != NULL, "%s", buf_str(err));
	cr_assert(strstr(buf_str(err), "bad.conf:5: syntax error") != NULL,
	    "%s", buf_str(err));
	cr_assert(strstr(buf_str(err), "bad.conf:6: ") != NULL);
	cr_assert(strstr(buf_str(err), "bad.conf:8: [test] name is set "
	    "again (first at line 7)") != NULL, "%s", buf_str(err));
	cr_assert(strstr(buf_str(err), "bad.conf:9: unknown section "
	    "[nosuch]") != NULL, "%s", buf_str(err));
	cr_assert(strstr(buf_str(err), "bad.conf:12: bl.test") != NULL,
	    "%s", buf_str(err));
	/* Nothing applied: still the defaults. */
	cr_assert_str_eq(t_str, "dflt");
	cr_assert_eq(t_uint, 10);
	cr_assert_eq(t_zones, 0);
	buf_free(err);
}

Test(conf, failed_reload_keeps_previous_values)
{
	const char	*good, *bad;

	good = tu_write_file("good.conf", "[test]\ncount = 7\n");
	cr_assert_eq(conf_load(good, NULL), WN_OK);
	cr_assert_eq(t_uint, 7);
	bad = tu_write_file("bad.conf", "[test]\ncount = 0\n");
	cr_assert_eq(conf_load(bad, NULL), WN_PERM);
	cr_assert_eq(t_uint, 7);
}

Test(conf, empty_unknown_section_reported)
{
	const char	*path;
	struct buf	*err = buf_new(64);

	path = tu_write_file("e.conf", "[test]\ncount = 3\n\n[nothing]\n");
	cr_assert_eq(conf_load(path, err), WN_PERM);
	cr_assert(strstr(buf_str(err), "e.conf:4: unknown section "
	    "[nothing]") != NULL, "%s", buf_str(err));
	buf_free(err);
}

Test(conf, suggestion_for_typo)
{
	const char	*path;
	struct buf	*err = buf_new(64);

	path = tu_write_file("typo.conf", "[test]\ncuont = 3\n");
	cr_assert_eq(conf_load(path, err), WN_PERM);
	cr_assert(strstr(buf_str(err), "did you mean \"count\"") != NULL,
	    "%s", buf_str(err));
	buf_free(err);
}

Test(conf, missing_file_is_temporary)
{
	struct buf	*err = buf_new(64);

	cr_assert_eq(conf_load("/nonexistent/winnow.conf", err), WN_TEMP);
	cr_assert(strstr(buf_str(err), "cannot open") != NULL);
	buf_free(err);
}

Test(conf, inline_semicolon_is_data)
{
	const char	*path;

	path = tu_write_file("semi.conf", "[test]\nname = a@x; b@y\n");
	cr_assert_eq(conf_load(path, NULL), WN_OK);
	cr_assert_str_eq(t_str, "a@x; b@y");
}

Test(conf, units)
{
	unsigned int	 ms;
	size_t		 sz;

	cr_assert_eq(conf_parse_time("2", 0, 0, &ms, NULL), 0);
	cr_assert_eq(ms, 2000);
	cr_assert_eq(conf_parse_time("5m", 0, 0, &ms, NULL), 0);
	cr_assert_eq(ms, 300000);
	cr_assert_eq(conf_parse_time("1d", 0, 0, &ms, NULL), 0);
	cr_assert_eq(ms, 86400000);
	cr_assert_eq(conf_parse_time("-1s", 0, 0, &ms, NULL), -1);
	cr_assert_eq(conf_parse_time("99999999d", 0, 0, &ms, NULL), -1);
	cr_assert_eq(conf_parse_size("1G", 0, 0, &sz, NULL), 0);
	cr_assert_eq(sz, 1UL << 30);
	cr_assert_eq(conf_parse_size("10 MB", 0, 0, &sz, NULL), 0);
	cr_assert_eq(sz, 10UL << 20);
	cr_assert_eq(conf_parse_size("10x", 0, 0, &sz, NULL), -1);
}

Test(conf, list_split)
{
	char	**v;

	cr_assert_eq(conf_list_split(" a, b;c\n d ,, ", &v), 4);
	cr_assert_str_eq(v[0], "a");
	cr_assert_str_eq(v[3], "d");
	cr_assert_null(v[4]);
	conf_list_free(v);
	cr_assert_eq(conf_words_split("/bin/x -a,b  c", &v), 3);
	cr_assert_str_eq(v[1], "-a,b");
	conf_list_free(v);
}

Test(conf, print_nondefaults)
{
	const char	*path;
	char		*out;
	size_t		 len;
	FILE		*fp;

	path = tu_write_file("p.conf", "[test]\ncount = 5\n[zones]\nz = 1\n");
	cr_assert_eq(conf_load(path, NULL), WN_OK);
	fp = fopen(tu_write_file("out", ""), "w");
	conf_print(fp, 0);
	fclose(fp);
	out = tu_read_file(tu_write_file("dummy", ""), &len);
	free(out);
	path = tu_write_file("out2", "");
	fp = fopen(path, "w");
	conf_print(fp, 0);
	fclose(fp);
	out = tu_read_file(path, &len);
	cr_assert_str_eq(out, "[test]\ncount = 5\n\n[zones]\nz = 1\n\n");
	free(out);
}

/* An old section whose key is a deprecated spelling of test.count. */
static unsigned int	 t_old;

static const struct conf_param t_old_params[] = {
	{ "old_count", CONF_UINT, "500", &t_old, 1, 1000, NULL, NULL,
	    "deprecated: use [test] count" },
	{ NULL }
};

static const struct conf_section t_old_section = {
	"old", 0, t_old_params, NULL, NULL
};

/* old_setup - register [old] and the deprecation */

static void
old_setup(void)
{
	conf_register(&t_old_section);
	conf_deprecate("old", "old_count", "test", "count");
}

Test(conf, a_deprecated_key_sets_the_new_one_and_warns)
{
	struct buf	*err = buf_new(64);

	old_setup();
	cr_assert_eq(conf_load(tu_write_file("d.conf", "[old]\nold_count = 7\n"),
	    err), WN_OK, "%s", buf_str(err));
	cr_assert_eq(t_uint, 7, "the new key takes the old one's value");
	cr_assert_eq(t_old, 7);
	cr_assert(conf_is_set("old", "old_count"));
	cr_assert_not(conf_is_set("test", "count"));
	cr_assert(strstr(conf_warnings(), "d.conf:2: [old] old_count is "
	    "deprecated: use [test] count") != NULL, "%s", conf_warnings());
	buf_free(err);
}

Test(conf, the_new_key_wins_over_its_deprecated_spelling)
{
	struct buf	*err = buf_new(64);

	old_setup();
	cr_assert_eq(conf_load(tu_write_file("e.conf", "[test]\ncount = 3\n"
	    "[old]\nold_count = 9\n"), err), WN_OK, "%s", buf_str(err));
	cr_assert_eq(t_uint, 3);
	cr_assert_neq(conf_warnings()[0], '\0');
	cr_assert_eq(conf_load(NULL, err), WN_OK);
	cr_assert_eq(t_uint, 10, "defaults again");
	cr_assert_str_eq(conf_warnings(), "", "no warnings without the key");
	buf_free(err);
}

Test(conf, a_deprecated_value_must_suit_the_new_key)
{
	struct buf	*err = buf_new(64);

	old_setup();
	cr_assert_eq(conf_load(tu_write_file("f.conf", "[old]\nold_count = "
	    "500\n"), err), WN_PERM);
	cr_assert(strstr(buf_str(err), "f.conf:2: [old] old_count (as [test] "
	    "count)") != NULL, "%s", buf_str(err));
	cr_assert_eq(t_uint, 10, "nothing applied");
	buf_free(err);
}

Test(conf, a_deprecated_key_is_no_default_to_show)
{
	char	*out = NULL;
	size_t	 len = 0;
	FILE	*fp;

	old_setup();
	cr_assert(fp = open_memstream(&out, &len));
	conf_print(fp, 1);
	(void)fclose(fp);
	cr_assert(strstr(out, "count = 10") != NULL, "%s", out);
	cr_assert(strstr(out, "old_count") == NULL, "%s", out);
	free(out);
}
