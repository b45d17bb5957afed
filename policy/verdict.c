/*
 * verdict.c - the spam status of a message from its findings
 *
 * See verdict.h for the scale and the order of the decision.  Everything
 * here is pure: the same findings and settings always give the same
 * status, which is what lets the policy call it per recipient group.
 *
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* lib */
#include "buf.h"
#include "log.h"

/* policy */
#include "findings.h"
#include "verdict.h"

#define VERDICT_RDNS_NONE	10
#define VERDICT_RDNS_MISMATCH	5
#define VERDICT_SPF_FAIL	20
#define VERDICT_SPF_SOFTFAIL	5

static const struct {
	const char	*name;
	double		 spam;
	double		 probable;
} verdict_levels[DETECTION_LEVEL_COUNT] = {
	[DETECTION_MINIMUM] = { "minimum", 100.0, 70.0 },
	[DETECTION_STANDARD] = { "standard", 50.0, 30.0 },
	[DETECTION_HIGH] = { "high", 35.0, 20.0 },
	[DETECTION_MAXIMUM] = { "maximum", 20.0, 10.0 },
};

/* verdict_level_name - a level's name */

const char *
verdict_level_name(enum detection_level l)
{
	if ((unsigned)l >= DETECTION_LEVEL_COUNT)
		log_panic("verdict_level_name: bad level %d", (int)l);
	return (verdict_levels[l].name);
}

/* verdict_level_parse - a level from its name */

int
verdict_level_parse(const char *s, enum detection_level *l)
{
	int	 i;

	for (i = 0; i < DETECTION_LEVEL_COUNT; i++)
		if (strcasecmp(s, verdict_levels[i].name) == 0) {
			*l = (enum detection_level)i;
			return (0);
		}
	return (-1);
}

/* verdict_thresholds - spam and probable-spam thresholds of a level */

void
verdict_thresholds(enum detection_level l, double *spam, double *probable)
{
	if ((unsigned)l >= DETECTION_LEVEL_COUNT)
		log_panic("verdict_thresholds: bad level %d", (int)l);
	*spam = verdict_levels[l].spam;
	*probable = verdict_levels[l].probable;
}

/* verdict_learner_points - the classifier's probability as points */

double
verdict_learner_points(double p)
{
	double	 pts;

	if (p < 0.0 || isnan(p))
		return (0.0);
	if (p >= 1.0)
		return (VERDICT_CERTAIN);
	if (p <= 0.0)
		return (-VERDICT_CERTAIN);
	pts = VERDICT_LEARNER_SCALE * log(p / (1.0 - p));
	if (pts > VERDICT_CERTAIN)
		pts = VERDICT_CERTAIN;
	else if (pts < -VERDICT_CERTAIN)
		pts = -VERDICT_CERTAIN;
	return (pts);
}

/* verdict_rule_off - whether a group switched a rule off */

static int
verdict_rule_off(const struct verdict_opts *o, const char *name)
{
	size_t	 i;

	for (i = 0; o->rules_off != NULL && o->rules_off[i] != NULL; i++)
		if (strcasecmp(o->rules_off[i], name) == 0)
			return (1);
	return (0);
}

/* verdict_weight - a rule's weight for a group: its own, or the one in
 * the findings (def) */

static int
verdict_weight(const struct verdict_opts *o, const char *name, int def)
{
	size_t	 i;

	for (i = 0; o->weights != NULL && i < o->nweights; i++)
		if (strcasecmp(o->weights[i].name, name) == 0)
			return (o->weights[i].weight);
	return (def);
}

/* verdict_eastern_points - what Eastern text adds under the group's
 * settings, on top of the other rules (the findings' EASTERN rule, if
 * any, is counted here and not with them) */

static double
verdict_eastern_points(const struct findings *f,
    const struct verdict_opts *o, const struct finding_item *rule)
{
	int	 w = verdict_weight(o, "EASTERN", rule != NULL ? rule->weight :
		    VERDICT_EASTERN_POINTS);

	if (verdict_rule_off(o, "EASTERN"))
		return (0.0);
	switch (o->eastern) {
	case VERDICT_EASTERN_AS_CONTENT:
		return (rule != NULL ? w : 0.0);
	case VERDICT_EASTERN_ALLOWED:
		return (0.0);
	case VERDICT_EASTERN_SUSPICIOUS:
		return (f->eastern || rule != NULL ? w : 0.0);
	case VERDICT_EASTERN_LANGS:
		return ((f->eastern_langs & o->eastern_langs) != 0 ? w : 0.0);
	}
	return (0.0);
}

/* verdict_rules_points - rules_score adjusted for a group's settings */

static double
verdict_rules_points(const struct findings *f, const struct verdict_opts *o)
{
	const struct finding_item *eastern = NULL;
	double	 pts = f->rules_score;
	unsigned int i, n;

	n = f->rules.count < FINDINGS_MAX_ITEMS ? f->rules.count :
	    FINDINGS_MAX_ITEMS;
	for (i = 0; i < n; i++) {
		const struct finding_item *it = &f->rules.item[i];

		if (strcmp(it->name, "EASTERN") == 0) {
			eastern = it;
			pts -= it->weight;	/* verdict_eastern_points */
			continue;
		}
		if (verdict_rule_off(o, it->name))
			pts -= it->weight;
		else
			pts += verdict_weight(o, it->name, it->weight) -
			    it->weight;
	}
	return (pts + verdict_eastern_points(f, o, eastern));
}

/* verdict_net_points - DNSBL below blacklisting, SURBL, rDNS, SPF, UDS */

static double
verdict_net_points(const struct findings *f)
{
	double	 pts = 0.0;

	if (f->dns_state != CHECK_NOT_RUN) {
		if (f->dnsbl_rating < VERDICT_CERTAIN)
			pts += f->dnsbl_rating;
		pts += f->surbl_rating;
		if (f->rdns == RDNS_NONE)
			pts += VERDICT_RDNS_NONE;
		else if (f->rdns == RDNS_MISMATCH)
			pts += VERDICT_RDNS_MISMATCH;
		if (f->spf == SPF_FAIL)
			pts += VERDICT_SPF_FAIL;
		else if (f->spf == SPF_SOFTFAIL)
			pts += VERDICT_SPF_SOFTFAIL;
	}
	if (f->uds_state == CHECK_DONE)
		pts += f->uds_score > VERDICT_CERTAIN ? VERDICT_CERTAIN :
		    f->uds_score;
	return (pts);
}

/* verdict_points_opts - all the evidence as points */

double
verdict_points_opts(const struct findings *f, const struct verdict_opts *o)
{
	double	 pts = 0.0;

	if (f->content_state != CHECK_NOT_RUN) {
		pts += verdict_learner_points(f->spam_score);
		pts += verdict_rules_points(f, o);
	}
	return (pts + verdict_net_points(f));
}

/* verdict_points - points under default settings */

double
verdict_points(const struct findings *f)
{
	struct verdict_opts o = { DETECTION_STANDARD, 1,
	    VERDICT_EASTERN_AS_CONTENT, NULL, NULL, 0, 0 };

	return (verdict_points_opts(f, &o));
}

/* verdict_spam_opts - the status under a group's settings */

enum spam_status
verdict_spam_opts(const struct findings *f, const struct verdict_opts *o)
{
	double	 pts, spam, probable;

	verdict_thresholds(o->level, &spam, &probable);
	if (f->gtube && !verdict_rule_off(o, "GTUBE"))
		return (SPAM_SPAM);
	if (f->dns_state != CHECK_NOT_RUN &&
	    f->dnsbl_rating >= VERDICT_CERTAIN)
		return (SPAM_BLACKLISTED);
	pts = verdict_points_opts(f, o);
	if (f->formal && pts < VERDICT_CERTAIN)
		return (SPAM_FORMAL);
	if (pts >= spam)
		return (SPAM_SPAM);
	if (pts >= probable)
		return (o->probable_spam ? SPAM_PROBABLE : SPAM_NOT_DETECTED);
	return (SPAM_NOT_DETECTED);
}

/* verdict_spam - the status at a detection level */

enum spam_status
verdict_spam(const struct findings *f, enum detection_level level,
    int probable_spam)
{
	struct verdict_opts o = { level, probable_spam,
	    VERDICT_EASTERN_AS_CONTENT, NULL, NULL, 0, 0 };

	return (verdict_spam_opts(f, &o));
}

/* verdict_render_headers - X-Winnow-Status and X-Winnow-Score */

void
verdict_render_headers(const struct findings *f, enum spam_status s,
    double points, struct buf *out)
{
	(void)f;
	if (isnan(points))
		points = 0.0;
	buf_printf(out, "X-Winnow-Status: %s\r\n", findings_spam_name(s));
	buf_printf(out, "X-Winnow-Score: %.1f\r\n", points);
}
