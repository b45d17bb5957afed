/*
 * group.c - which group a recipient is in, and its statuses there
 *
 * The spam status comes first from what the policy itself knows - a group
 * that switched spam checks off trusts its mail, a white-listed sender is
 * trusted, a black-listed one blacklisted (white wins over black, common
 * and group lists alike) - and only then from the findings.
 *
 * The verdict on the findings is verdict_spam_opts() (verdict.h) under
 * the group's settings - detection level, rules switched off or weighed
 * otherwise, suspicious Eastern languages - on the findings as the group
 * sees them: a group with dns_checks = no (or dnsbl, rdns, spf, surbl =
 * no) does not see those network checks' results, one with uds = no not
 * the UDS answer, and one with lists = no ignores the white and black
 * lists.
 *
 * SPDX-License-Identifier: MIT
 */
#include <fnmatch.h>
#include <string.h>

/* lib */
#include "conf.h"
#include "log.h"

/* policy */
#include "mask.h"
#include "policy.h"
#include "policy_private.h"
#include "verdict.h"

/* policy_group_find - the first group that takes a recipient */

const struct policy_group *
policy_group_find(const struct policy *pol, const char *rcpt,
    const char *sender, const char *client_ip)
{
	const struct policy_group *g;
	size_t		 i;

	for (i = 0; i < pol->ngroups; i++) {
		g = pol->groups[i];
		if (g->all)
			return (g);
		if (!mask_list_match(g->recipients, rcpt, NULL))
			continue;
		if (g->senders != NULL &&
		    !mask_list_match(g->senders, sender, client_ip))
			continue;
		return (g);
	}
	log_panic("policy_group_find: no All group");
}

/* group_findings - the findings as a group sees them */

static const struct findings *
group_findings(const struct policy_group *g, const struct findings *f,
    struct findings *masked)
{
	if (g->dns_checks && g->dnsbl && g->rdns && g->spf && g->surbl &&
	    g->uds)
		return (f);
	/* The group ignores some network checks: hide those. */
	*masked = *f;
	if (!g->dns_checks)
		masked->dns_state = CHECK_NOT_RUN;
	if (!g->dns_checks || !g->dnsbl) {
		masked->dnsbl_state = CHECK_NOT_RUN;
		masked->dnsbl_rating = 0;
		memset(&masked->dnsbl, 0, sizeof(masked->dnsbl));
	}
	if (!g->dns_checks || !g->rdns) {
		masked->rdns_state = CHECK_NOT_RUN;
		masked->rdns = RDNS_NOT_CHECKED;
	}
	if (!g->dns_checks || !g->spf) {
		masked->spf_state = CHECK_NOT_RUN;
		masked->spf = SPF_NOT_CHECKED;
	}
	if (!g->dns_checks || !g->surbl) {
		masked->surbl_state = CHECK_NOT_RUN;
		masked->surbl_rating = 0;
		memset(&masked->surbl, 0, sizeof(masked->surbl));
	}
	if (!g->uds) {
		masked->uds_state = CHECK_NOT_RUN;
		masked->uds_score = 0;
		memset(&masked->uds, 0, sizeof(masked->uds));
	}
	return (masked);
}

/* group_opts - the verdict's settings of a group */

static void
group_opts(const struct policy_group *g, struct verdict_opts *o)
{
	int	 lv = g->detection_level;

	if (lv < POLICY_LEVEL_MINIMUM || lv > POLICY_LEVEL_MAXIMUM)
		log_panic("group_opts: level %d", lv);
	memset(o, 0, sizeof(*o));
	o->level = (enum detection_level)lv;
	o->probable_spam = g->probable_spam;
	o->eastern = (enum verdict_eastern)g->eastern;
	o->eastern_langs = g->eastern_langs;
	o->rules_off = (const char *const *)g->rules_off;
	o->weights = g->weights;
	o->nweights = g->nweights;
}

/* group_verdict - spam status from the findings, under the group's
 * settings (level, rules, Eastern languages) */

enum spam_status
group_verdict(const struct policy_group *g, const struct findings *f)
{
	struct findings	 masked;
	struct verdict_opts o;

	group_opts(g, &o);
	return (verdict_spam_opts(group_findings(g, f, &masked), &o));
}

/* group_points - the verdict's points, as the group sees the findings */

double
group_points(const struct policy_group *g, const struct findings *f)
{
	struct findings	 masked;
	struct verdict_opts o;

	group_opts(g, &o);
	return (verdict_points_opts(group_findings(g, f, &masked), &o));
}

/* group_spam_status - lists, switches, then the verdict */

enum spam_status
group_spam_status(const struct policy *pol, const struct policy_group *g,
    const struct msg_view *v, const struct findings *f, const char **list_r)
{
	*list_r = NULL;
	if (!g->spam_checks)
		return (SPAM_TRUSTED);
	if (!g->lists)
		return (group_verdict(g, f));
	if (mask_list_match(pol->whitelist, v->sender, v->client_addr) ||
	    mask_list_match(g->whitelist, v->sender, v->client_addr)) {
		*list_r = "whitelist";
		return (SPAM_TRUSTED);
	}
	if (mask_list_match(pol->blacklist, v->sender, v->client_addr) ||
	    mask_list_match(g->blacklist, v->sender, v->client_addr)) {
		*list_r = "blacklist";
		return (SPAM_BLACKLISTED);
	}
	return (group_verdict(g, f));
}

/* group_av_status - the AV status, unless the group does not scan */

enum av_status
group_av_status(const struct policy_group *g, const struct findings *f)
{
	if (!g->av_checks)
		return (AV_NOT_SCANNED);
	return (f->av);
}

/* policy_needs - which check families a group uses */

unsigned int
policy_needs(const struct policy_group *g)
{
	unsigned int	 need = 0;

	if (g->spam_checks)
		need |= POLICY_NEED_SPAM;
	if (g->spam_checks && g->dns_checks) {
		need |= POLICY_NEED_DNS;
		if (g->dnsbl)
			need |= POLICY_NEED_DNSBL;
		if (g->rdns)
			need |= POLICY_NEED_RDNS;
		if (g->spf)
			need |= POLICY_NEED_SPF;
		if (g->surbl)
			need |= POLICY_NEED_SURBL;
	}
	if (g->spam_checks && g->uds)
		need |= POLICY_NEED_UDS;
	if (g->av_checks)
		need |= POLICY_NEED_AV;
	return (need);
}

/* group_av_action - the AV status's action, unless a virus_name_action
 * rule of the group matches a name the scan found: each name of the
 * deciding status gets its first matching rule (or the status's action),
 * and the message gets the one that holds back most */

static int
group_av_action(const struct policy_group *g, const struct findings *f,
    enum av_status av, int status_action)
{
	const struct finding_item *it;
	size_t		 r;
	unsigned int	 i, kept;
	int		 best = -1, act;

	if (g->nvna == 0 || av == AV_NOT_SCANNED || av == AV_CLEAN ||
	    f->viruses.count == 0)
		return (status_action);
	kept = f->viruses.count < FINDINGS_MAX_ITEMS ? f->viruses.count :
	    FINDINGS_MAX_ITEMS;
	for (i = 0; i < kept; i++) {
		it = &f->viruses.item[i];
		if (it->weight != (int)av)
			continue;
		act = status_action;
		for (r = 0; r < g->nvna; r++) {
			if (fnmatch(g->vna[r].glob, it->name, FNM_CASEFOLD) ==
			    0) {
				act = g->vna[r].action;
				break;
			}
		}
		if (act > best)
			best = act;
	}
	/* Names that did not fit in the list get the status's action. */
	if (best < 0 || (f->viruses.count > kept && status_action > best))
		best = status_action;
	return (best);
}

/* group_delivers - whether an action lets the recipient have the
 * message (changed or not) */

static int
group_delivers(int act)
{
	return (act == POLICY_ACCEPT || act == POLICY_COPY ||
	    act == POLICY_RENAME || act == POLICY_REMOVE ||
	    act == POLICY_REPLACE);
}

/* policy_decision_av_action - replace the AV part of a decision */

void
policy_decision_av_action(struct policy_decision *d, int action)
{
	const struct policy_status *spam = d->st[0];
	int		 sa = spam != NULL ? spam->action : POLICY_ACCEPT;

	d->action = sa > action ? sa : action;
	d->remove = (action == POLICY_REMOVE);
	d->rename = (action == POLICY_RENAME);
	d->replace = (action == POLICY_REPLACE);
	d->deliver = (sa == POLICY_ACCEPT || sa == POLICY_COPY) &&
	    group_delivers(action);
	d->quarantine = (sa == POLICY_QUARANTINE || action ==
	    POLICY_QUARANTINE);
	if (action == POLICY_REJECT && !d->reject) {
		d->reject = 1;
		d->reject_slot = POLICY_ST_AV(d->av);
	}
	if (action == POLICY_TEMPFAIL && !d->tempfail) {
		d->tempfail = 1;
		d->tempfail_slot = POLICY_ST_AV(d->av);
	}
}

/* policy_decide - statuses and the combined actions of one recipient */

void
policy_decide(const struct policy *pol, const char *rcpt,
    const struct msg_view *v, const struct findings *f,
    struct policy_decision *d)
{
	const struct policy_status *st;
	int		 k, slot, act;

	memset(d, 0, sizeof(*d));
	d->group = policy_group_find(pol, rcpt, v->sender, v->client_addr);
	d->spam = group_spam_status(pol, d->group, v, f, &d->list);
	d->av = group_av_status(d->group, f);
	d->st[0] = &d->group->st[POLICY_ST_SPAM(d->spam)];
	d->st[1] = d->av != AV_NOT_SCANNED ?
	    &d->group->st[POLICY_ST_AV(d->av)] : NULL;
	d->action = POLICY_ACCEPT;
	d->deliver = 1;
	d->dsn = 1;
	d->reject_slot = -1;
	d->tempfail_slot = -1;
	for (k = 0; k < 2; k++) {
		if ((st = d->st[k]) == NULL)
			continue;
		slot = k == 0 ? POLICY_ST_SPAM(d->spam) : POLICY_ST_AV(d->av);
		act = k == 0 ? st->action : group_av_action(d->group, f, d->av,
		    st->action);
		if (act > d->action)
			d->action = act;
		if (!group_delivers(act))
			d->deliver = 0;
		if (act == POLICY_REMOVE)
			d->remove = 1;
		if (act == POLICY_RENAME)
			d->rename = 1;
		if (act == POLICY_REPLACE)
			d->replace = 1;
		if (act == POLICY_QUARANTINE)
			d->quarantine = 1;
		if (act == POLICY_REJECT && !d->reject) {
			d->reject = 1;
			d->reject_slot = slot;
		}
		if (act == POLICY_TEMPFAIL && !d->tempfail) {
			d->tempfail = 1;
			d->tempfail_slot = slot;
		}
		/* No DSN if any status of the message forbids one. */
		d->dsn = d->dsn && st->dsn;
		d->backup |= st->backup;
	}
}
