/* test_content.c - unit tests for content/content.c: life cycle, the check,
 * learning, model refresh, explanations */

#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "conf.h"
#include "status.h"
#include "findings.h"
#include "content.h"
#include "testutil.h"

#define GTUBE \
	"XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"

static const char *spam_msgs[] = {
	"From: deals@cheap.example\nSubject: cheap pills online\n\n"
	"Buy cheap pills online now, best price, free shipping, click here\n",
	"From: win@lotto.example\nSubject: you won the lottery\n\n"
	"You won money, claim your free prize now, click here\n",
	"From: deals@cheap.example\nSubject: free offer\n\n"
	"Free offer, cheap price, order now and save money, click here\n",
};
static const char *ham_msgs[] = {
	"From: alice@work.example\nSubject: meeting agenda\n\n"
	"Hi team, the agenda for Monday's meeting is attached. Thanks, Alice\n",
	"From: bob@work.example\nSubject: Re: build failure\n\n"
	"The build failed on the test server; I pushed a fix to the branch.\n",
	"From: alice@work.example\nSubject: lunch\n\n"
	"Shall we meet for lunch after the project review on Tuesday?\n",
};

static struct buf *why;
static char	 model[512];

static void
setup(void)
{
	why = buf_new(128);
	(void)snprintf(model, sizeof(model), "%s/learned.model", tu_tmpdir());
	content_conf_register();
}

static void
teardown(void)
{
	content_unload();
	conf_reset();
	buf_free(why);
}

TestSuite(content, .init = setup, .fini = teardown);

/* learn - build a small model at path */
static void
learn(const char *path, int rounds)
{
	struct content_learner *l;
	size_t		 i;
	int		 r;

	l = content_learner_open(path, NULL, 16, why);
	cr_assert_not_null(l, "%s", buf_str(why));
	for (r = 0; r < rounds; r++)
		for (i = 0; i < 3; i++) {
			(void)content_learner_learn(l, spam_msgs[i],
			    strlen(spam_msgs[i]), 1);
			(void)content_learner_learn(l, ham_msgs[i],
			    strlen(ham_msgs[i]), 0);
		}
	cr_assert_eq(content_learner_commit(l, why), WN_OK, "%s",
	    buf_str(why));
	content_learner_close(l);
}

/* configure - load a [content] section (plus the model and the shipped
 * word lists, by their paths in the source tree) */
static void
configure(const char *extra)
{
	char	 text[2048];

	(void)snprintf(text, sizeof(text), "[content]\nmodel = %s\n"
	    "default_model = %s\nobscene_words = %s/data/obscene-en.txt "
	    "%s/data/obscene-ru.txt\n%s", model, model, tu_srcdir(),
	    tu_srcdir(), extra);
	cr_assert_eq(conf_load(tu_write_file("w.conf", text), why), WN_OK,
	    "%s", buf_str(why));
	cr_assert_eq(content_load(why), WN_OK, "%s", buf_str(why));
}

/* check - run content_check on a message into a fresh findings */
static struct findings *
check(const char *msg, const char *sender)
{
	struct msg_view	 v;
	struct findings	*f = findings_new();

	content_view_init(&v, msg, strlen(msg));
	v.sender = sender;
	cr_assert_eq(content_check(&v, f, why), WN_OK);
	return (f);
}

/* rule - whether findings list a rule */
static int
rule(const struct findings *f, const char *name)
{
	unsigned int	 i;

	for (i = 0; i < f->rules.count && i < FINDINGS_MAX_ITEMS; i++)
		if (strcmp(f->rules.item[i].name, name) == 0)
			return (1);
	return (0);
}

Test(content, gtube_is_spam_at_every_level)
{
	struct findings	*f;

	learn(model, 1);
	configure("");
	f = check("Subject: test\n\n" GTUBE "\n", "a@example.com");
	cr_assert_eq(f->content_state, CHECK_DONE);
	cr_assert(f->gtube);
	cr_assert(rule(f, "GTUBE"));
	findings_free(f);
}

Test(content, classifier_scores_with_the_mapped_model)
{
	struct findings	*fs, *fh;

	learn(model, 5);
	configure("");
	fs = check("From: deals@cheap.example\nSubject: cheap free offer\n\n"
	    "cheap pills, free prize money, click here now\n", "x@y.example");
	fh = check("From: alice@work.example\nSubject: agenda\n\n"
	    "the agenda for the project meeting on Monday\n", "x@y.example");
	cr_assert_gt(fs->spam_score, 0.5);
	cr_assert_lt(fh->spam_score, 0.5);
	findings_free(fs);
	findings_free(fh);
}

Test(content, no_model_means_no_score)
{
	struct findings	*f;

	(void)snprintf(model, sizeof(model), "%s/absent.model", tu_tmpdir());
	configure("");
	f = check("Subject: x\n\nhello\n", NULL);
	cr_assert_eq(f->content_state, CHECK_DONE);
	cr_assert_lt(f->spam_score, 0.0);
	findings_free(f);
}

Test(content, parse_once_then_analyze)
{
	struct content_msg *cm;
	struct msg_view	 v;
	struct findings	*f = findings_new();
	const char	*msg = "Subject: x\nContent-Type: text/html\n\n"
	    "<p>Hello <a href=\"http://a.example.com/\">you</a></p>";
	const char	*t;
	size_t		 n;

	learn(model, 1);
	configure("");
	content_view_init(&v, msg, strlen(msg));
	cm = content_parse(&v);
	t = content_text(cm, &n);
	cr_assert_str_eq(t, "Hello you\nhttp://a.example.com/\n");
	cr_assert_eq(n, strlen(t));
	v.text = t;
	v.text_len = n;
	cr_assert_eq(content_analyze(cm, &v, f, why), WN_OK);
	cr_assert(rule(f, "HTML_ONLY"));
	content_msg_free(cm);
	findings_free(f);
}

Test(content, rules_off_and_weights_apply)
{
	struct findings	*f;

	learn(model, 1);
	configure("rules_off = UNDISC_RCPT\nrule_weights = SUBJ_ID:33\n");
	f = check("To: undisclosed-recipients:;\nSubject: hello        "
	    "77123\n\nx\n", NULL);
	cr_assert_not(rule(f, "UNDISC_RCPT"));
	cr_assert(rule(f, "SUBJ_ID"));
	cr_assert(rule(f, "SUBJ_SPACES"));
	cr_assert_eq(f->rules_score, 33 + 20);
	findings_free(f);
}

Test(content, bad_rule_name_is_a_config_error)
{
	char	 text[256];

	(void)snprintf(text, sizeof(text), "[content]\nrules_off = NOPE\n");
	cr_assert_eq(conf_load(tu_write_file("bad.conf", text), why), WN_PERM);
	cr_assert(strstr(buf_str(why), "bad.conf:2") != NULL, "%s",
	    buf_str(why));
	cr_assert(strstr(buf_str(why), "NOPE") != NULL);
}

Test(content, missing_word_list_fails_the_load)
{
	char	 text[256];

	(void)snprintf(text, sizeof(text), "[content]\nobscene_words = "
	    "/nonexistent/words.txt\n");
	cr_assert_eq(conf_load(tu_write_file("w2.conf", text), why), WN_OK);
	cr_assert_eq(content_load(why), WN_PERM);
	cr_assert(strstr(buf_str(why), "/nonexistent/words.txt") != NULL);
}

Test(content, files_are_used_where_configured_only)
{
	char	 text[1024], cwd[1024];

	/* The shipped paths under DATADIR, not installed here: once the
	 * daemon looked in $WINNOW_SRCDIR/data and ./data instead. */
	if (access(DATADIR "/obscene-en.txt", F_OK) == 0 ||
	    access(DATADIR "/content.model", F_OK) == 0)
		cr_skip_test("winnow is installed in " DATADIR);
	cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
	cr_assert_eq(setenv("WINNOW_SRCDIR", tu_srcdir(), 1), 0);
	cr_assert_eq(chdir(tu_srcdir()), 0);	/* ./data exists here */
	(void)snprintf(text, sizeof(text), "[content]\nmodel = %s/none\n"
	    "default_model = " DATADIR "/content.model\nobscene_words = "
	    DATADIR "/obscene-en.txt\n", tu_tmpdir());
	cr_assert_eq(conf_load(tu_write_file("w3.conf", text), why), WN_OK);
	cr_assert_eq(content_load(why), WN_PERM);
	cr_assert(strstr(buf_str(why), DATADIR "/obscene-en.txt") != NULL,
	    "%s", buf_str(why));
	(void)snprintf(text, sizeof(text), "[content]\nmodel = %s/none\n"
	    "default_model = " DATADIR "/content.model\nobscene_words =\n",
	    tu_tmpdir());
	cr_assert_eq(conf_load(tu_write_file("w4.conf", text), why), WN_OK);
	buf_reset(why);
	cr_assert_eq(content_load(why), WN_OK, "%s", buf_str(why));
	{
		struct content_model_info info;

		content_model_info(&info);
		cr_assert_null(info.path, "mapped %s", info.path);
	}
	cr_assert_eq(chdir(cwd), 0);
}

Test(content, eastern_allowed_marks_only)
{
	struct findings	*f;
	const char	*msg = "Subject: x\nContent-Type: text/plain; "
	    "charset=big5\n\nabc\n";

	learn(model, 1);
	configure("eastern = allowed\n");
	f = check(msg, NULL);
	cr_assert(f->eastern);
	cr_assert_not(rule(f, "EASTERN"));
	findings_free(f);
}

Test(content, eastern_suspicious_weighs_in)
{
	struct findings	*f;
	const char	*msg = "Subject: x\nContent-Type: text/plain; "
	    "charset=big5\n\nabc\n";

	learn(model, 1);
	configure("eastern = suspicious\n");
	f = check(msg, NULL);
	cr_assert(f->eastern);
	cr_assert(rule(f, "EASTERN"));
	cr_assert_geq(f->rules_score, 30);
	findings_free(f);
}

Test(content, obscene_marks_and_formal_is_found)
{
	struct findings	*f;

	learn(model, 1);
	configure("");
	f = check("Subject: what the fuck\n\nx\n", NULL);
	cr_assert(f->obscene);
	cr_assert_eq(f->rules_score, 0);
	findings_free(f);
	f = check("Auto-Submitted: auto-replied\nSubject: away\n\nx\n",
	    "boss@example.com");
	cr_assert(f->formal);
	cr_assert(rule(f, "FORMAL_AUTO"));
	findings_free(f);
}

Test(content, limit_is_reported_and_still_scored)
{
	struct findings	*f;
	struct buf	*m = buf_new(1024);
	int		 i;

	learn(model, 1);
	configure("max_parts = 2\n");
	buf_puts(m, "Subject: x\nMIME-Version: 1.0\nContent-Type: "
	    "multipart/mixed; boundary=b\n\n");
	for (i = 0; i < 4; i++)
		buf_puts(m, "--b\nContent-Type: text/plain\n\ncheap pills\n");
	buf_puts(m, "--b--\n");
	f = check(buf_str(m), NULL);
	cr_assert_eq(f->content_state, CHECK_LIMIT);
	cr_assert(rule(f, "MIME_LIMIT"));
	cr_assert_geq(f->spam_score, 0.0);
	findings_free(f);
	buf_free(m);
}

Test(content, deadline_is_a_timeout_not_an_error)
{
	struct findings	*f = findings_new();
	struct msg_view	 v;
	const char	*m = "Subject: x\n\ncheap pills\n";

	learn(model, 1);
	configure("");
	content_view_init(&v, m, strlen(m));
	v.deadline_ms = 1;		/* long past */
	cr_assert_eq(content_check(&v, f, why), WN_OK);
	cr_assert_eq(f->content_state, CHECK_TIMEOUT);
	cr_assert(rule(f, "MIME_LIMIT"));
	findings_free(f);
}

Test(content, disabled_does_not_run)
{
	struct findings	*f;

	configure("enable = no\n");
	f = check("Subject: x\n\n" GTUBE "\n", NULL);
	cr_assert_eq(f->content_state, CHECK_NOT_RUN);
	cr_assert_not(f->gtube);
	findings_free(f);
}

Test(content, learner_holds_a_lock)
{
	struct content_learner *l;
	char		 lock[600];
	int		 fd;

	l = content_learner_open(model, NULL, 12, why);
	cr_assert_not_null(l);
	(void)snprintf(lock, sizeof(lock), "%s.lock", model);
	fd = open(lock, O_RDWR);
	cr_assert_geq(fd, 0);
	cr_assert_eq(flock(fd, LOCK_EX | LOCK_NB), -1);
	cr_assert_eq(errno, EWOULDBLOCK);
	content_learner_close(l);
	cr_assert_eq(flock(fd, LOCK_EX | LOCK_NB), 0);
	(void)close(fd);
}

Test(content, learner_starts_from_the_base_model)
{
	struct content_learner *l;
	char		 base[600];
	uint64_t	 ns, nh;

	(void)snprintf(base, sizeof(base), "%s/base.model", tu_tmpdir());
	learn(base, 2);
	l = content_learner_open(model, base, 0, why);
	cr_assert_not_null(l, "%s", buf_str(why));
	content_learner_counts(l, &ns, &nh);
	cr_assert_eq(ns, 6);
	cr_assert_eq(nh, 6);
	cr_assert_eq(content_learner_learn(l, spam_msgs[0],
	    strlen(spam_msgs[0]), 1) >= 0, 1);
	content_learner_counts(l, &ns, &nh);
	cr_assert_eq(ns, 7);
	content_learner_close(l);
	/* nothing was committed: the learned path still does not exist */
	cr_assert_neq(access(model, F_OK), 0);
}

Test(content, damaged_model_is_not_overwritten_by_learning)
{
	tu_write_file("learned.model", "garbage that is not a model");
	cr_assert_null(content_learner_open(model, NULL, 0, why));
	cr_assert_gt(buf_len(why), 0);
}

Test(content, children_pick_up_a_newly_learned_model)
{
	struct content_model_info info;
	struct findings	*f;

	learn(model, 1);
	configure("model_check_interval = 1ms\n");
	content_child_init();
	content_model_info(&info);
	cr_assert_eq(info.nspam, 3);
	learn(model, 1);	/* a new file, renamed over the old one */
	(void)usleep(5000);
	f = check("Subject: x\n\ny\n", NULL);
	findings_free(f);
	content_model_info(&info);
	cr_assert_eq(info.nspam, 6);
	cr_assert_str_eq(info.path, model);
}

Test(content, explain_lists_features_both_ways)
{
	struct content_contrib sp[5], hm[5];
	struct content_msg *cm;
	struct msg_view	 v;
	size_t		 ns = 5, nh = 5;
	double		 margin;
	const char	*msg = "From: deals@cheap.example\nSubject: cheap "
	    "agenda\n\ncheap pills for the meeting agenda\n";

	learn(model, 5);
	configure("");
	content_view_init(&v, msg, strlen(msg));
	cm = content_parse(&v);
	margin = content_explain(cm, sp, &ns, hm, &nh);
	cr_assert_gt(ns, 0);
	cr_assert_gt(nh, 0);
	cr_assert_gt(sp[0].weight, 0.0);
	cr_assert_lt(hm[0].weight, 0.0);
	cr_assert(ns < 2 || sp[0].weight >= sp[1].weight);
	cr_assert(strchr(sp[0].name, ':') != NULL);
	cr_assert(margin > -100.0 && margin < 100.0);
	content_msg_free(cm);
}

Test(content, view_of_a_file)
{
	struct msg_view	 v;
	const char	*m = "From x  Mon Jan  1 00:00:00 2024\n"
	    "Subject: a\n\nb\n";

	content_view_init(&v, m, strlen(m));
	cr_assert_eq(v.header_len, strlen(m) - 2);
	cr_assert_null(v.sender);
	cr_assert_not_null(v.rcpts);
	cr_assert_null(v.rcpts[0]);
}
