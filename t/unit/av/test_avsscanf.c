/* test_avsscanf.c - unit tests for av/avsscanf.c: the sscanf libclamav's
 * logical signatures are parsed with */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "av_private.h"
#include "avtest.h"

/* The plain (GNU) names, as libclamav calls them: the first is
 * avsscanf.c's definition in this program, the second glibc's. */
int	plain_sscanf(const char *restrict, const char *restrict, ...)
	    __asm__("sscanf");
int	gnu_vsscanf(const char *restrict, const char *restrict, va_list)
	    __asm__("vsscanf");

static struct buf	*why;
static struct findings	*f;
static char		 dbdir[] = "/tmp/winnow-avsscanf.XXXXXX";

static void
setup(void)
{
	why = buf_new(128);
	f = findings_new();
	log_to_stderr();
	av_conf_register();
}

static void
teardown(void)
{
	av_child_exit();
	av_unload();
	conf_reset();
	findings_free(f);
	buf_free(why);
}

TestSuite(avsscanf, .init = setup, .fini = teardown, .timeout = 120);

/* glibc - what glibc's GNU sscanf answers */

static int
glibc(const char *s, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = gnu_vsscanf(s, fmt, ap);
	va_end(ap);
	return (n);
}

/* same - the definition and glibc agree on s under fmt: count and
 * every value assigned (the untouched ones keep their sentinel) */

static void
same(const char *s, const char *fmt)
{
	unsigned int	 a[2] = { 7777, 7777 }, b[2] = { 7777, 7777 };
	int		 na, nb;

	na = plain_sscanf(s, fmt, &a[0], &a[1]);
	nb = glibc(s, fmt, &b[0], &b[1]);
	cr_assert_eq(na, nb, "\"%s\" with \"%s\": %d, glibc %d", s, fmt,
	    na, nb);
	cr_assert_eq(a[0], b[0], "\"%s\" with \"%s\": first %u, glibc %u",
	    s, fmt, a[0], b[0]);
	cr_assert_eq(a[1], b[1], "\"%s\" with \"%s\": second %u, glibc %u",
	    s, fmt, a[1], b[1]);
}

Test(avsscanf, answers_as_glibc_does)
{
	static const char *const in[] = {
		"0", "1", "17", "123456789", "1234567890", "4294967295",
		"4294967296", "99999999999999999999", "007", "0&1", "12)",
		"3,4", "3,", "3,x", "3,-4", "3, 4", "3,+4", "3-4", "3-", "3--4",
		"3-4-5", "3,4,5", "", " 5", "\t5", "+5", "-5", "x", ",4",
		"5 ", "3,1234567890", "3-99999999999", "(0|1)>1,2", "0>2",
	};
	static const char *const fmt[] = {
		"%u", "%u,%u", "%u-%u", "%d", "%u %u", "%u,%d", "%x", "%u,",
	};
	size_t	 i, j;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		for (j = 0; j < sizeof(fmt) / sizeof(fmt[0]); j++)
			same(in[i], fmt[j]);
}

Test(avsscanf, answers_only_the_three_formats_itself)
{
	unsigned int	 v[2];

	cr_assert_eq(avsscanf_fast("12", "%u", v), 1);
	cr_assert_eq(v[0], 12);
	cr_assert_eq(avsscanf_fast("12,3", "%u,%u", v), 2);
	cr_assert_eq(v[1], 3);
	cr_assert_eq(avsscanf_fast("12-3", "%u-%u", v), 2);
	cr_assert_eq(avsscanf_fast("12)", "%u,%u", v), 1);
	cr_assert_eq(avsscanf_fast("12", "%d", v), -1);
	cr_assert_eq(avsscanf_fast(" 12", "%u", v), -1);
	cr_assert_eq(avsscanf_fast("+12", "%u", v), -1);
	cr_assert_eq(avsscanf_fast("1234567890", "%u", v), -1);
	cr_assert_eq(avsscanf_fast("12, 3", "%u,%u", v), -1);
	cr_assert_eq(avsscanf_fast("12", "%u,%u ", v), -1);
}

Test(avsscanf, this_program_binds_sscanf_to_it)
{
	cr_assert(avsscanf_bound(), "sscanf is not exported by the program: "
	    "libclamav would use glibc's");
}

/* lsig_db - a database of logical signatures whose expressions use each
 * form libclamav parses with sscanf: a subsignature's count ("0>2"), a
 * block with a count and a number of distinct subsignatures
 * ("(0|1)>1,2"), and a plain and ("0&1") */

static void
lsig_db(void)
{
	FILE	*fp;
	char	 path[sizeof(dbdir) + 32];

	cr_assert_not_null(mkdtemp(dbdir));
	(void)snprintf(path, sizeof(path), "%s/test.ldb", dbdir);
	cr_assert_not_null(fp = fopen(path, "w"));
	/* 5a59585751 "ZYXWQ", 4a4b4c4d4e "JKLMN", 5051525354 "PQRST" */
	fprintf(fp, "Winnow.Test.Thrice;Engine:51-255,Target:0;0>2;"
	    "5a59585751\n");
	fprintf(fp, "Winnow.Test.Both;Engine:51-255,Target:0;(0|1)>1,2;"
	    "4a4b4c4d4e;5051525354\n");
	fprintf(fp, "Winnow.Test.And;Engine:51-255,Target:0;0&1;"
	    "5051525354;5a59585751\n");
	cr_assert_eq(fclose(fp), 0);
}

/* lsig_scan - the names av_check finds in a message with this text */

static const char *
lsig_scan(const char *text)
{
	struct buf	*m = buf_new(1024);
	struct msg_view	 v;

	findings_free(f);
	f = findings_new();
	avt_msg_begin(m, "lsig");
	avt_msg_text(m, text);
	avt_msg_end(m);
	avt_view(&v, m);
	buf_reset(why);
	cr_assert_eq(av_check(&v, f, why), WN_OK, "%s", buf_str(why));
	buf_free(m);
	return (avt_names(f));
}

Test(avsscanf, libclamav_evaluates_logical_signatures_through_it)
{
	char	 conf[sizeof(dbdir) + 64], cmd[sizeof(dbdir) + 16];

	lsig_db();
	(void)snprintf(conf, sizeof(conf), "database = %s\ncache_entries = 0\n",
	    dbdir);
	cr_assert_eq(avt_conf(conf, why), WN_OK, "%s", buf_str(why));
	av_child_init();

	cr_expect_null(strstr(lsig_scan("ZYXWQ ZYXWQ and nothing else"),
	    "Winnow.Test.Thrice"), "two matches are not more than two");
	cr_expect_not_null(strstr(lsig_scan("ZYXWQ ZYXWQ ZYXWQ"),
	    "Winnow.Test.Thrice"));
	cr_expect_null(strstr(lsig_scan("JKLMN JKLMN JKLMN only"),
	    "Winnow.Test.Both"), "one distinct subsignature of two");
	cr_expect_not_null(strstr(lsig_scan("JKLMN and PQRST"),
	    "Winnow.Test.Both"));
	cr_expect_not_null(strstr(lsig_scan("PQRST then ZYXWQ"),
	    "Winnow.Test.And"));
	cr_expect_null(strstr(lsig_scan("PQRST alone"), "Winnow.Test.And"));

	(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", dbdir);
	(void)system(cmd);
}
