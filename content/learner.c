/*
 * learner.c - online logistic regression over hashed binary features
 *
 * The approach that led the TREC 2005-2007 spam tracks (Goodman & Yih 2006;
 * Cormack's on-line logistic regression; Sculley & Wachman's relaxed online
 * SVM): every distinct feature of a message is a binary input, the margin
 * is the sum of their weights (scaled by 1/sqrt(n) so long and short
 * messages speak equally loud), the spam probability is the logistic of
 * the margin, and learning a message is a gradient step on its log loss.
 *
 * Learning uses a thick threshold (Sculley's relaxed online SVM in spirit):
 * a message already on the right side by LEARN_MARGIN is left alone, one
 * that is not gets up to LEARN_ITERS steps.  That makes the update cheap
 * for the easy majority and lets learning the same mailbox twice do no
 * harm.
 *
 * A step on a ham message is LEARN_HAM_WEIGHT times as long as one on
 * spam, for every way of learning (winnowctl learn, the quarantine, the
 * report addresses, the fleet): a ham marked spam costs more than a spam
 * let through, and in five-split cross-validation, with the batch
 * builds' CONTENT_LEARN_PASSES passes, it ranked better and marked fewer
 * ham at the standard level (content/README.md, "Tried for the held-back
 * goal").
 *
 * Features hash to 2^bits weights; collisions simply share a weight.
 *
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* lib */
#include "log.h"
#include "xalloc.h"

#include "content_private.h"

#define LEARN_RATE	16.0	/* step size (of the normalised input) */
#define LEARN_MARGIN	3.0	/* |margin| that counts as known */
#define LEARN_ITERS	4	/* steps at most per message */
#define LEARN_HAM_WEIGHT 2.0	/* a ham step's length, relative to spam */
#define LEARN_MIN_FEATURES 300	/* feature count learner_xval never
				 * scales beyond (learner_xval) */
#define WEIGHT_MAX	16.0f	/* weights are kept within +-WEIGHT_MAX */
#define CALIB_SLOPE	1.35	/* margin to log-odds (Platt scaling fitted on
				 * cross-validated margins, prior left out) */

/* Set of weight indices seen in the current message (one per process). */
static uint64_t	*learner_seen;
static unsigned int learner_seen_bits;

/* learner_xval - the input value of each present feature: 1/sqrt(n), but
 * never more than for LEARN_MIN_FEATURES features.  The smallest message
 * of the development corpus has 302 distinct features; a shorter one
 * (a one-line notice, a test probe: ~130) is outside what the model
 * learned, and 1/sqrt(n) would let the few structural features every
 * message has (header:to, urls:0, ...) speak for it ever louder - with the
 * three-pass model a two-line probe scored +36 points.  Below the floor a
 * message counts as one padded with features the model knows nothing
 * about. */

double
learner_xval(size_t n)
{
	if (n == 0)
		return (0.0);
	return (1.0 / sqrt((double)(n > LEARN_MIN_FEATURES ? n :
	    LEARN_MIN_FEATURES)));
}

/* learner_vec - distinct weight indices of a feature list */

void
learner_vec(const struct model *m, const struct tok_list *tl,
    struct learner_vec *v)
{
	uint32_t	 idx;
	size_t		 i;

	if (learner_seen_bits != m->bits) {
		free(learner_seen);
		learner_seen = xcalloc(((size_t)1 << m->bits) / 64 + 1,
		    sizeof(*learner_seen));
		learner_seen_bits = m->bits;
	}
	if (v->cap < tl->n) {
		v->cap = tl->n;
		v->idx = xreallocarray(v->idx, v->cap, sizeof(*v->idx));
		v->src = xreallocarray(v->src, v->cap, sizeof(*v->src));
	}
	v->n = 0;
	for (i = 0; i < tl->n; i++) {
		idx = (uint32_t)(tl->h[i] ^ (tl->h[i] >> 32)) & m->mask;
		if (learner_seen[idx / 64] & (1ULL << (idx % 64)))
			continue;
		learner_seen[idx / 64] |= 1ULL << (idx % 64);
		/* The weight is a cache miss in the 4 MB model: start the
		 * load now, learner_margin reads it after the loop. */
		__builtin_prefetch(&m->w[idx]);
		v->src[v->n] = (uint32_t)i;
		v->idx[v->n++] = idx;
	}
	for (i = 0; i < v->n; i++)
		learner_seen[v->idx[i] / 64] = 0;
}

/* learner_margin - log-odds of spam */

double
learner_margin(const struct model *m, const struct learner_vec *v)
{
	double	 s = 0.0;
	size_t	 i;

	for (i = 0; i < v->n; i++)
		s += m->w[v->idx[i]];
	return (s * learner_xval(v->n));
}

/* learner_prob - logistic of a margin */

double
learner_prob(double margin)
{
	if (margin > 40.0)
		return (1.0);
	if (margin < -40.0)
		return (0.0);
	return (1.0 / (1.0 + exp(-margin)));
}

/* learner_spam_prob - calibrated spam probability of a margin */

double
learner_spam_prob(double margin)
{
	return (learner_prob(CALIB_SLOPE * margin));
}

/* learner_update - learn one message; returns the steps taken */

int
learner_update(struct model *m, const struct learner_vec *v, int spam)
{
	double	 x = learner_xval(v->n), margin, g;
	float	 w;
	size_t	 i;
	int	 it;

	if (m->mapped)
		log_panic("learner_update: model is mapped read-only");
	for (it = 0; it < LEARN_ITERS; it++) {
		margin = learner_margin(m, v);
		if (spam ? margin >= LEARN_MARGIN : margin <= -LEARN_MARGIN)
			break;
		g = LEARN_RATE * ((spam ? 1.0 : 0.0) - learner_prob(margin)) *
		    x * (spam ? 1.0 : LEARN_HAM_WEIGHT);
		for (i = 0; i < v->n; i++) {
			w = m->w[v->idx[i]] + (float)g;
			if (w > WEIGHT_MAX)
				w = WEIGHT_MAX;
			else if (w < -WEIGHT_MAX)
				w = -WEIGHT_MAX;
			m->w[v->idx[i]] = w;
		}
		m->hdr->updates++;
	}
	return (it);
}

/* learner_vec_free - release a vector's arrays */

void
learner_vec_free(struct learner_vec *v)
{
	free(v->idx);
	free(v->src);
	memset(v, 0, sizeof(*v));
}
