/* test_conf.c - unit tests for lib/conf.c */

#include <stdio.h>
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

/* write_bytes - a file in the test directory with len bytes, NULs too */

static const char *
write_bytes(const char *name, const char *data, size_t len)
{
	static char	 path[512];
	FILE		*fp;

	(void)snprintf(path, sizeof(path), "%s/%s", tu_tmpdir(), name);
	cr_assert_not_null(fp = fopen(path, "w"));
	cr_assert_eq(fwrite(data, 1, len, fp), len);
	cr_assert_eq(fclose(fp), 0);
	return (path);
}

Test(conf, control_characters_and_nul_are_errors_with_their_line)
{
	static const char nul[] = "[test]\nname = mx.example\0evil\n";
	struct buf	*err = buf_new(64);
	const char	*path;

	/* A bare CR in a value would reach a greeting or a header. */
	path = tu_write_file("cr.conf", "[test]\ncount = 2\nname = a\rb\n");
	cr_assert_eq(conf_load(path, err), WN_PERM);
	cr_assert(strstr(buf_str(err), ":3: control character 0x0D") != NULL,
	    "%s", buf_str(err));
	cr_assert_str_eq(t_str, "dflt");
	cr_assert_eq(t_uint, 10, "nothing applied");

	buf_reset(err);
	path = tu_write_file("esc.conf", "[test]\nname = \x1b[31m\n");
	cr_assert_eq(conf_load(path, err), WN_PERM);
	cr_assert(strstr(buf_str(err), ":2: control character 0x1B") != NULL,
	    "%s", buf_str(err));

	/* A NUL used to cut the value short without a word. */
	buf_reset(err);
	path = write_bytes("nul.conf", nul, sizeof(nul) - 1);
	cr_assert_eq(conf_load(path, err), WN_PERM);
	cr_assert(strstr(buf_str(err), ":2: a NUL byte") != NULL, "%s",
	    buf_str(err));
	cr_assert_str_eq(t_str, "dflt");

	/* Tabs, CRLF line ends and controls in comments are fine. */
	buf_reset(err);
	path = tu_write_file("ok.conf", "# odd \x01 comment\r\n[test]\r\n"
	    "name = a\tb\r\ncount = 3\r\n");
	cr_assert_eq(conf_load(path, err), WN_OK, "%s", buf_str(err));
	cr_assert_str_eq(t_str, "a\tb");
	cr_assert_eq(t_uint, 3);
	buf_free(err);
}

Test(conf, utf8_byte_order_mark_is_skipped)
{
	struct buf	*err = buf_new(64);
	const char	*path;

	path = tu_write_file("bom.conf", "\xef\xbb\xbf[test]\ncount = 7\n"
	    "bogus = 1\n");
	cr_assert_eq(conf_load(path, err), WN_PERM);
	/* line 1 is the section, fine; the error is on line 3 only */
	cr_assert(strstr(buf_str(err), ":1:") == NULL, "%s", buf_str(err));
	cr_assert(strstr(buf_str(err), ":3: unknown parameter") != NULL, "%s",
	    buf_str(err));
	buf_reset(err);
	path = tu_write_file("bom2.conf", "\xef\xbb\xbf[test]\ncount = 7\n");
	cr_assert_eq(conf_load(path, err), WN_OK, "%s", buf_str(err));
	cr_assert_eq(t_uint, 7);
	buf_free(err);
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

Test(conf, errors_sorted_by_line)
{
	const char	*path, *a, *b, *c;
	struct buf	*err = buf_new(64);

	/* The syntax error is found while reading, the others after: the
	 * report is still in the order of the file. */
	path = tu_write_file("order.conf",
	    "[test]\n"				/* 1 */
	    "count = 0\n"			/* 2: out of range */
	    "[zones]\n"				/* 3 */
	    "z = many\n"			/* 4: handler error */
	    "no equals sign here\n");		/* 5: syntax */
	cr_assert_eq(conf_load(path, err), WN_PERM);
	a = strstr(buf_str(err), "order.conf:2: ");
	b = strstr(buf_str(err), "order.conf:4: ");
	c = strstr(buf_str(err), "order.conf:5: ");
	cr_assert(a != NULL && b != NULL && c != NULL, "%s", buf_str(err));
	cr_assert(a < b && b < c, "not in line order:\n%s", buf_str(err));
	buf_free(err);
}

Test(conf, errors_sorted_after_text_already_in_buffer)
{
	const char	*path;
	struct buf	*err = buf_new(64);

	buf_puts(err, "before\n");
	path = tu_write_file("o2.conf", "[test]\nflag = maybe\nbad line\n");
	cr_assert_eq(conf_load(path, err), WN_PERM);
	cr_assert(strncmp(buf_str(err), "before\n", 7) == 0, "%s",
	    buf_str(err));
	cr_assert(strstr(buf_str(err), "o2.conf:2: ") <
	    strstr(buf_str(err), "o2.conf:3: syntax error"), "%s",
	    buf_str(err));
	buf_free(err);
}

Test(conf, suggestion_for_section_typo)
{
	const char	*path;
	struct buf	*err = buf_new(64);

	path = tu_write_file("st.conf", "[tset]\ncount = 3\n[zoens]\n"
	    "[elsewhere]\n");
	cr_assert_eq(conf_load(path, err), WN_PERM);
	cr_assert(strstr(buf_str(err), "st.conf:1: unknown section [tset] "
	    "(did you mean [test]?)") != NULL, "%s", buf_str(err));
	cr_assert(strstr(buf_str(err), "st.conf:3: unknown section [zoens] "
	    "(did you mean [zones]?)") != NULL, "%s", buf_str(err));
	cr_assert(strstr(buf_str(err), "st.conf:4: unknown section "
	    "[elsewhere]\n") != NULL, "%s", buf_str(err));
	buf_free(err);
}

Test(conf, print_nondefaults_skips_values_equal_to_default)
{
	const char	*path;
	char		*out;
	size_t		 len;
	FILE		*fp;

	/* 30000ms is 30s, YES is yes... only count and name change. */
	path = tu_write_file("eq.conf", "[test]\ntimeout = 30000ms\n"
	    "flag = off\nlimit = 10240k\nmode = TempFail\ncount = 11\n"
	    "name = dflt2\n");
	cr_assert_eq(conf_load(path, NULL), WN_OK);
	path = tu_write_file("eq.out", "");
	fp = fopen(path, "w");
	conf_print(fp, 0);
	fclose(fp);
	out = tu_read_file(path, &len);
	cr_assert_str_eq(out, "[test]\nname = dflt2\ncount = 11\n\n");
	free(out);
}

Test(conf, dump_for_programs)
{
	const char	*path;
	char		*out;
	size_t		 len;
	FILE		*fp;

	path = tu_write_file("dump.out", "");
	fp = fopen(path, "w");
	conf_dump(fp);
	fclose(fp);
	out = tu_read_file(path, &len);
	cr_assert(strstr(out, "section\ttest\t0\ttest section\n") != NULL,
	    "%s", out);
	cr_assert(strstr(out, "param\ttest\tcount\tnumber\t10\t1\t100\t\t"
	    "a number\n") != NULL, "%s", out);
	cr_assert(strstr(out, "param\ttest\ttimeout\tduration\t30s\t100\t"
	    "3600000\t\t\n") != NULL, "%s", out);
	cr_assert(strstr(out, "param\ttest\tmode\tenum\ttempfail\t\t\t"
	    "tempfail|accept|reject\t\n") != NULL, "%s", out);
	cr_assert(strstr(out, "section\tzones\t0\t\n") != NULL, "%s", out);
	free(out);
}

static char	 t_seen[64];

/* t_final - a final check that sees the file's value, and refuses "bad" */

static int
t_final(struct buf *why)
{
	const char	*v = conf_value("test", "name");

	(void)snprintf(t_seen, sizeof(t_seen), "%s", v ? v : "(null)");
	if (v != NULL && strcmp(v, "bad") == 0) {
		buf_puts(why, "name may not be bad");
		return (-1);
	}
	return (0);
}

Test(conf, final_check_sees_the_file_and_refuses_before_applying)
{
	const char	*path;
	struct buf	*err = buf_new(64);

	conf_set_final_check(t_final);
	path = tu_write_file("f1.conf", "[test]\nname = good\ncount = 5\n");
	cr_assert_eq(conf_load(path, err), WN_OK, "%s", buf_str(err));
	cr_assert_str_eq(t_seen, "good");
	cr_assert_str_eq(conf_value("test", "name"), "good");
	/* unset in the file: the check sees the default */
	path = tu_write_file("f2.conf", "[test]\ncount = 6\n");
	cr_assert_eq(conf_load(path, err), WN_OK, "%s", buf_str(err));
	cr_assert_str_eq(t_seen, "dflt");
	path = tu_write_file("f3.conf", "[test]\nname = bad\ncount = 7\n");
	cr_assert_eq(conf_load(path, err), WN_PERM);
	cr_assert(strstr(buf_str(err), "f3.conf: name may not be bad\n") !=
	    NULL, "%s", buf_str(err));
	/* nothing of f3 applied */
	cr_assert_str_eq(t_str, "dflt");
	cr_assert_eq(t_uint, 6);
	cr_assert_null(conf_value("test", "nosuch"));
	buf_free(err);
}

Test(conf, final_check_not_run_when_the_file_has_errors)
{
	const char	*path;

	conf_set_final_check(t_final);
	t_seen[0] = '\0';
	path = tu_write_file("f4.conf", "[test]\nname = x\ncount = 0\n");
	cr_assert_eq(conf_load(path, NULL), WN_PERM);
	cr_assert_str_eq(t_seen, "");
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
