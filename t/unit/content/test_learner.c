/* test_learner.c - unit tests for content/learner.c */

#include <signal.h>
#include <string.h>

#include <criterion/criterion.h>

#include "content_private.h"

static struct model *m;
static struct tok_list tl;
static struct learner_vec v;

static void
setup(void)
{
	m = model_new(16);
	tok_init(&tl, 0);
	memset(&v, 0, sizeof(v));
}

static void
teardown(void)
{
	model_free(m);
	tok_free(&tl);
	learner_vec_free(&v);
}

TestSuite(learner, .init = setup, .fini = teardown);

/* vec - a feature vector from words */
static void
vec(const char *words)
{
	char		 w[64];
	const char	*p = words, *e;

	tok_reset(&tl);
	while (*p != '\0') {
		e = strchr(p, ' ');
		if (e == NULL)
			e = p + strlen(p);
		(void)snprintf(w, sizeof(w), "%.*s", (int)(e - p), p);
		tok_add(&tl, "t", w, strlen(w));
		p = *e ? e + 1 : e;
	}
	learner_vec(m, &tl, &v);
}

Test(learner, duplicates_count_once)
{
	vec("a b a a c b");
	cr_assert_eq(v.n, 3);
	vec("a b a a c b");		/* scratch state was cleared */
	cr_assert_eq(v.n, 3);
}

Test(learner, empty_model_is_undecided)
{
	vec("free money now");
	cr_assert_float_eq(learner_margin(m, &v), 0.0, 1e-12);
	cr_assert_float_eq(learner_spam_prob(0.0), 0.5, 1e-12);
}

Test(learner, learns_to_separate)
{
	int	 i;

	for (i = 0; i < 20; i++) {
		vec("cheap pills free offer now");
		(void)learner_update(m, &v, 1);
		vec("meeting agenda for monday now");
		(void)learner_update(m, &v, 0);
	}
	vec("free cheap offer");
	cr_assert_gt(learner_margin(m, &v), 1.0);
	vec("agenda for the meeting");
	cr_assert_lt(learner_margin(m, &v), -1.0);
	cr_assert_gt(m->hdr->updates, 0);
}

Test(learner, known_messages_are_left_alone)
{
	int	 i, steps = 0;

	for (i = 0; i < 10; i++) {
		vec("spam spam spam");
		(void)learner_update(m, &v, 1);
	}
	for (i = 0; i < 5; i++) {
		vec("spam spam spam");
		steps += learner_update(m, &v, 1);
	}
	cr_assert_eq(steps, 0);
}

Test(learner, probabilities_are_bounded)
{
	cr_assert_float_eq(learner_prob(1000.0), 1.0, 1e-12);
	cr_assert_float_eq(learner_prob(-1000.0), 0.0, 1e-12);
	cr_assert_gt(learner_spam_prob(1.0), learner_prob(1.0));
	cr_assert_float_eq(learner_xval(4), 0.5, 1e-12);
	cr_assert_float_eq(learner_xval(0), 0.0, 1e-12);
}

Test(learner, weights_stay_bounded)
{
	int	 i;
	size_t	 j;

	for (i = 0; i < 2000; i++) {
		vec("x");
		m->w[v.idx[0]] = 0.0f;	/* force a step every time */
		(void)learner_update(m, &v, 1);
	}
	for (j = 0; j <= m->mask; j++)
		cr_assert_leq(m->w[j], 16.0f);
}

Test(learner, updating_a_mapped_model_is_a_bug, .signal = SIGABRT)
{
	vec("a");
	m->mapped = 1;
	(void)learner_update(m, &v, 1);
}
