/* test_learner.c - unit tests for content/learner.c */

#include <math.h>
#include <signal.h>
#include <stdio.h>
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

	/* five features: one to three could never reach the margin (each
	 * weight is capped at 16 and counts 1/sqrt(300) at most), and five
	 * take a few dozen steps */
	for (i = 0; i < 100; i++) {
		vec("cheap pills free offer now");
		(void)learner_update(m, &v, 1);
	}
	for (i = 0; i < 5; i++) {
		vec("cheap pills free offer now");
		steps += learner_update(m, &v, 1);
	}
	cr_assert_eq(steps, 0);
}

Test(learner, probabilities_are_bounded)
{
	cr_assert_float_eq(learner_prob(1000.0), 1.0, 1e-12);
	cr_assert_float_eq(learner_prob(-1000.0), 0.0, 1e-12);
	cr_assert_gt(learner_spam_prob(1.0), learner_prob(1.0));
	cr_assert_float_eq(learner_xval(400), 0.05, 1e-12);
	cr_assert_float_eq(learner_xval(0), 0.0, 1e-12);
}

/* A message with fewer features than the smallest the model learned from
 * is not made louder than one of that size. */
Test(learner, few_features_are_not_amplified)
{
	cr_assert_float_eq(learner_xval(4), 1.0 / sqrt(300.0), 1e-12);
	cr_assert_float_eq(learner_xval(130), learner_xval(300), 1e-12);
	cr_assert_lt(learner_xval(301), learner_xval(300));
	vec("a b c d");
	m->w[v.idx[0]] = m->w[v.idx[1]] = 1.0f;
	m->w[v.idx[2]] = m->w[v.idx[3]] = 1.0f;
	cr_assert_float_eq(learner_margin(m, &v), 4.0 / sqrt(300.0), 1e-6);
}

/* A step on ham is twice as long as one on spam (300 features: one step
 * from an empty model already passes the margin, for either class). */
Test(learner, ham_steps_are_twice_as_long)
{
	char	 words[300 * 6];
	size_t	 o = 0;
	float	 spam_w, ham_w;
	int	 i;

	for (i = 0; i < 300; i++)
		o += (size_t)snprintf(words + o, sizeof(words) - o, "%sw%d",
		    i ? " " : "", i);
	vec(words);
	cr_assert_eq(learner_update(m, &v, 1), 1);
	spam_w = m->w[v.idx[0]];
	memset(m->w, 0, ((size_t)m->mask + 1) * sizeof(*m->w));
	cr_assert_eq(learner_update(m, &v, 0), 1);
	ham_w = m->w[v.idx[0]];
	cr_assert_gt(spam_w, 0.0f);
	cr_assert_float_eq(ham_w, -2.0f * spam_w, 1e-5);
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
