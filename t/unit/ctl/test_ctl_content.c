/* test_ctl_content.c - unit tests for ctl/ctl_learn.c and
 * ctl/ctl_classify.c (winnowctl learn / classify)
 *
 * The ctl sources are compiled into this test (the unit-test rule links the
 * module libraries only); the subcommands run with a [content] section
 * pointing at a model in the test's temporary directory. */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "conf.h"
#include "status.h"
#include "content.h"
#include "testutil.h"

#include "../../../ctl/ctl_learn.c"
#include "../../../ctl/ctl_classify.c"

static char	 model[512], out[512];

static void
setup(void)
{
	struct buf	*why = buf_new(64);
	char		 text[1024];

	(void)snprintf(model, sizeof(model), "%s/ctl.model", tu_tmpdir());
	(void)snprintf(out, sizeof(out), "%s/stdout.txt", tu_tmpdir());
	content_conf_register();
	(void)snprintf(text, sizeof(text), "[content]\nmodel = %s\n"
	    "default_model = %s/none.model\nobscene_words = "
	    "%s/data/obscene-en.txt\n", model, tu_tmpdir(), tu_srcdir());
	cr_assert_eq(conf_load(tu_write_file("ctl.conf", text), why), WN_OK,
	    "%s", buf_str(why));
	buf_free(why);
	tu_write_file("spam1", "From: x@cheap.example\nSubject: cheap pills\n\n"
	    "cheap pills free offer click here now\n");
	tu_write_file("ham1", "From: a@work.example\nSubject: agenda\n\n"
	    "the agenda for the project meeting on monday\n");
}

static void
teardown(void)
{
	conf_reset();
}

TestSuite(ctl_content, .init = setup, .fini = teardown);

/* run - call a subcommand with a NULL-terminated list, stdout to out */
static int
run(int (*fn)(int, char **), ...)
{
	char		*argv[16];
	int		 argc = 0, rc;
	va_list		 ap;

	va_start(ap, fn);
	while (argc < 15 && (argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	(void)fflush(stdout);
	cr_assert_not_null(freopen(out, "w", stdout));
	rc = fn(argc, argv);
	(void)fflush(stdout);
	return (rc);
}

/* path - a file in the temporary directory */
static char *
path(const char *name)
{
	static char	 p[4][512];
	static int	 i;

	i = (i + 1) % 4;
	(void)snprintf(p[i], sizeof(p[i]), "%s/%s", tu_tmpdir(), name);
	return (p[i]);
}

Test(ctl_content, learn_needs_a_class_and_input)
{
	cr_assert_eq(run(ctl_learn_main, "learn", path("ham1"), NULL),
	    EX_USAGE);
	cr_assert_eq(run(ctl_learn_main, "learn", "--spam", NULL), EX_USAGE);
	cr_assert_eq(run(ctl_learn_main, "learn", "--spam", "--ham",
	    path("ham1"), NULL), EX_USAGE);
	cr_assert_eq(run(ctl_learn_main, "learn", "--bits", "40", "--spam",
	    path("ham1"), NULL), EX_USAGE);
}

Test(ctl_content, help_is_printed)
{
	char	*text;
	size_t	 len;

	cr_assert_eq(run(ctl_learn_main, "learn", "--help", NULL), EX_OK);
	text = tu_read_file(out, &len);
	cr_assert(strstr(text, "Usage: winnowctl learn") != NULL);
	cr_assert(strstr(text, "Exit status") != NULL);
	free(text);
	cr_assert_eq(run(ctl_classify_main, "classify", "-h", NULL), EX_OK);
	text = tu_read_file(out, &len);
	cr_assert(strstr(text, "Usage: winnowctl classify") != NULL);
	free(text);
}

Test(ctl_content, learn_then_classify)
{
	char	*text;
	size_t	 len;
	int	 i;

	for (i = 0; i < 5; i++) {
		cr_assert_eq(run(ctl_learn_main, "learn", "--spam", "--new",
		    "--bits", "14", path("spam1"), NULL), EX_OK);
		cr_assert_eq(run(ctl_learn_main, "learn", "--ham", "-q",
		    path("ham1"), NULL), EX_OK);
	}
	cr_assert_eq(access(model, R_OK), 0);
	text = tu_read_file(out, &len);
	cr_assert_eq(len, 0, "-q printed: %s", text);	/* quiet */
	free(text);
	cr_assert_eq(run(ctl_classify_main, "classify", "-n", "3",
	    path("spam1"), NULL), EX_OK);
	text = tu_read_file(out, &len);
	cr_assert(strstr(text, "status:") != NULL, "%s", text);
	cr_assert(strstr(text, "toward spam:") != NULL);
	cr_assert(strstr(text, "X-Winnow-Status:") != NULL);
	free(text);
	cr_assert_eq(run(ctl_classify_main, "classify", "-b", path("ham1"),
	    path("spam1"), NULL), EX_OK);
	text = tu_read_file(out, &len);
	cr_assert(strstr(text, "not-detected") != NULL, "%s", text);
	cr_assert_eq(strchr(text, '\n') != NULL, 1);
	free(text);
}

Test(ctl_content, missing_inputs_and_bad_options)
{
	cr_assert_eq(run(ctl_learn_main, "learn", "--spam", "--new",
	    "/nonexistent/x", NULL), EX_NOINPUT);
	cr_assert_eq(run(ctl_classify_main, "classify", "/nonexistent/x",
	    NULL), EX_NOINPUT);
	cr_assert_eq(run(ctl_classify_main, "classify", "-l", "extreme",
	    path("ham1"), NULL), EX_USAGE);
	cr_assert_eq(run(ctl_classify_main, "classify", "-m",
	    path("ham1"), path("ham1"), NULL), EX_DATAERR);
}

Test(ctl_content, damaged_model_is_left_alone)
{
	char	*before, *after;
	size_t	 l1, l2;

	tu_write_file("ctl.model", "not a model");
	before = tu_read_file(model, &l1);
	cr_assert_eq(run(ctl_learn_main, "learn", "--spam", path("spam1"),
	    NULL), EX_DATAERR);
	after = tu_read_file(model, &l2);
	cr_assert_eq(l1, l2);
	cr_assert_eq(memcmp(before, after, l1), 0);
	free(before);
	free(after);
}

/* margin_of - a message's margin under a model file */
static double
margin_of(const char *modelpath, const char *msgname)
{
	struct content_learner *l;
	struct buf	*why = buf_new(64);
	char		*data;
	size_t		 len;
	double		 mg;

	l = content_learner_open(modelpath, NULL, 14, why);
	cr_assert_not_null(l, "%s", buf_str(why));
	data = tu_read_file(path(msgname), &len);
	mg = content_learner_margin(l, data, len);
	content_learner_close(l);
	free(data);
	buf_free(why);
	return (mg);
}

/* learn_ref - a reference model: spam1 then ham1, passes times over */
static void
learn_ref(const char *modelpath, int passes)
{
	struct content_learner *l;
	struct buf	*why = buf_new(64);
	char		*spam, *ham;
	size_t		 sl, hl;
	int		 p;

	spam = tu_read_file(path("spam1"), &sl);
	ham = tu_read_file(path("ham1"), &hl);
	l = content_learner_open(modelpath, NULL, 14, why);
	cr_assert_not_null(l, "%s", buf_str(why));
	for (p = 0; p < passes; p++) {
		if (p == 0) {
			(void)content_learner_learn(l, spam, sl, 1);
			(void)content_learner_learn(l, ham, hl, 0);
		} else {
			(void)content_learner_learn_again(l, spam, sl, 1);
			(void)content_learner_learn_again(l, ham, hl, 0);
		}
	}
	cr_assert_eq(content_learner_commit(l, why), WN_OK, "%s",
	    buf_str(why));
	content_learner_close(l);
	free(spam);
	free(ham);
	buf_free(why);
}

/* --rebuild learns the kept samples CONTENT_LEARN_PASSES times over, in
 * the order they were learned, and counts each once. */
Test(ctl_content, rebuild_learns_the_samples_in_passes)
{
	struct buf	*why = buf_new(64);
	char		 text[1024], *said;
	size_t		 len;
	double		 got, three, one;

	conf_reset();
	content_conf_register();
	(void)snprintf(text, sizeof(text), "[content]\nmodel = %s\n"
	    "default_model = %s/none.model\nsamples_dir = %s/samples\n"
	    "obscene_words = %s/data/obscene-en.txt\n", model, tu_tmpdir(),
	    tu_tmpdir(), tu_srcdir());
	cr_assert_eq(conf_load(tu_write_file("rebuild.conf", text), why),
	    WN_OK, "%s", buf_str(why));
	cr_assert_eq(run(ctl_learn_main, "learn", "--spam", "--new", "--bits",
	    "14", "--no-uds", path("spam1"), NULL), EX_OK);
	cr_assert_eq(run(ctl_learn_main, "learn", "--ham", "--no-uds",
	    path("ham1"), NULL), EX_OK);
	cr_assert_eq(run(ctl_learn_main, "learn", "--rebuild", "--new",
	    "--bits", "14", NULL), EX_OK);
	said = tu_read_file(out, &len);
	cr_assert(strstr(said, "2 kept samples") != NULL, "%s", said);
	cr_assert(strstr(said, "learned 1 spam and 1 ham") != NULL, "%s",
	    said);
	free(said);
	learn_ref(path("three.model"), CONTENT_LEARN_PASSES);
	learn_ref(path("one.model"), 1);
	got = margin_of(model, "spam1");
	three = margin_of(path("three.model"), "spam1");
	one = margin_of(path("one.model"), "spam1");
	cr_assert_float_eq(got, three, 1e-9, "rebuilt %f, three passes %f",
	    got, three);
	cr_assert_gt(fabs(got - one), 1e-3, "one pass gives the same %f",
	    one);
	buf_free(why);
}
