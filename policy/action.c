/*
 * action.c - the modifications a decision makes to the message
 *
 * Our headers go on top (after the Received: trace the server adds):
 * X-Winnow-Status and X-Winnow-Group always, X-Winnow-Score, -Checks and
 * -Virus when there is something to say, then the statuses' custom header
 * fields; the statuses' subject tags go in front of the Subject (AV's
 * first).  Inbound X-Winnow-* fields are always removed, so a sender can
 * never forge our verdict.
 *
 * compat_headers = kas adds the old product's X-Spamtest-Status-Extended
 * (one per group, as it did when one message served several groups) and
 * X-SpamTest-Info, and removes inbound ones; version_header adds
 * X-Winnow-Version with winnow's version and the AV database's.
 *
 * When several groups share one message (split_by_result = no), the
 * headers carry all of them: X-Winnow-Group lists the groups,
 * X-Winnow-Status says "group=status" for each when they differ, custom
 * headers and tags are added once each.
 *
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* lib */
#include "buf.h"
#include "xalloc.h"

#include "version.h"

/* policy */
#include "edit.h"
#include "policy.h"
#include "policy_private.h"
#include "verdict.h"

static char	*action_version_info;	/* the AV engine and database */

/* policy_set_version_info - what X-Winnow-Version says of the AV side */

void
policy_set_version_info(const char *text)
{
	free(action_version_info);
	action_version_info = text != NULL && *text != '\0' ?
	    xstrdup(text) : NULL;
}

/* action_kas_status - the old product's name of a spam status */

static const char *
action_kas_status(enum spam_status s)
{
	static const char *const names[SPAM_STATUS_COUNT] = {
		"Not detected", "Probable Spam", "SPAM", "Formal", "Trusted",
		"Blacklisted"
	};

	return (names[s]);
}

/* policy_edit_strip - inbound copies of our headers go */

void
policy_edit_strip(struct edit *e)
{
	edit_remove_prefix(e, "X-Winnow-");
	if (policy_conf.compat_headers == POLICY_COMPAT_KAS)
		edit_remove_prefix(e, "X-Spamtest-");
}

/* policy_edit_info - X-Winnow-Info, and the old product's X-SpamTest-Info */

void
policy_edit_info(struct edit *e, const char *info)
{
	edit_add_header(e, "X-Winnow-Info", info);
	if (policy_conf.compat_headers != POLICY_COMPAT_KAS)
		return;
	if (strcasecmp(info, "not protected") == 0)
		edit_add_header(e, "X-SpamTest-Info", "Not protected");
	else if (strncasecmp(info, "not processed", 13) == 0)
		edit_add_header(e, "X-SpamTest-Info", "Not processed");
}

/* action_version - X-Winnow-Version */

static void
action_version(struct edit *e, struct buf *v)
{
	buf_reset(v);
	buf_puts(v, "winnow " WINNOW_VERSION);
	if (action_version_info != NULL)
		buf_printf(v, "; %s", action_version_info);
	edit_add_header(e, "X-Winnow-Version", buf_str(v));
}

/* action_status_text - "spam" or "spam; av=infected" */

static void
action_status_text(const struct policy_decision *d, struct buf *out)
{
	buf_puts(out, findings_spam_name(d->spam));
	if (d->av != AV_NOT_SCANNED)
		buf_printf(out, "; av=%s", findings_av_name(d->av));
}

/* action_seen - whether a group already appears earlier in the set */

static int
action_seen(const struct policy_decision *const *d, size_t i)
{
	size_t	 j;

	for (j = 0; j < i; j++)
		if (d[j]->group == d[i]->group)
			return (1);
	return (0);
}

/* action_add_once - add a header unless the same one is there already */

static void
action_add_once(struct edit *e, struct buf *seen, const char *name,
    const char *value)
{
	struct buf	*key = buf_new(128);

	buf_printf(key, "\n%s: %s\n", name, value);
	if (strstr(buf_str(seen), buf_str(key)) == NULL) {
		edit_add_header(e, name, value);
		buf_append(seen, key->data, buf_len(key));
	}
	buf_free(key);
}

/* action_tag_add - add a subject tag unless it is there already */

static void
action_tag_add(struct buf *tags, const char *t)
{
	const char	*p;
	size_t		 tl = strlen(t);

	for (p = buf_str(tags); (p = strstr(p, t)) != NULL; p++)
		if ((p == buf_str(tags) || p[-1] == ' ') &&
		    (p[tl] == '\0' || p[tl] == ' '))
			return;
	if (buf_len(tags) > 0)
		buf_putc(tags, ' ');
	buf_puts(tags, t);
}

/* action_tags - the subject tags of the set, each once: AV's, the
 * status's, then the obscene mark of a group that checks for spam */

static void
action_tags(const struct policy_decision *const *d, size_t n,
    const struct findings *f, struct buf *tags)
{
	size_t		 i;
	int		 k;

	for (i = 0; i < n; i++) {
		for (k = 1; k >= 0; k--)
			if (d[i]->st[k] != NULL &&
			    d[i]->st[k]->subject_tag != NULL)
				action_tag_add(tags, d[i]->st[k]->subject_tag);
		if (f->obscene && d[i]->group->obscene_tag != NULL &&
		    d[i]->group->spam_checks)
			action_tag_add(tags, d[i]->group->obscene_tag);
	}
}

/* policy_summary - X-Winnow-Score (when a check that scores ran) and
 * X-Winnow-Checks of recipients sharing one message */

void
policy_summary(const struct policy_decision *const *d, size_t n,
    const struct findings *f, int *has_score_r, double *score_r,
    struct buf *checks)
{
	struct findings	*masked = NULL;
	const char	*list = NULL;
	size_t		 i;
	int		 dns = 0, spam = 0, uds = 0;

	*has_score_r = 0;
	*score_r = 0.0;
	for (i = 0; i < n; i++) {
		dns |= d[i]->group->spam_checks && d[i]->group->dns_checks;
		spam |= d[i]->group->spam_checks;
		uds |= d[i]->group->spam_checks && d[i]->group->uds;
		if (list == NULL)
			list = d[i]->list;
	}
	/* The UDS answer is not shown to groups that do not use it. */
	if (!uds && f->uds_state != CHECK_NOT_RUN) {
		masked = xmalloc(sizeof(*masked));
		*masked = *f;
		masked->uds_state = CHECK_NOT_RUN;
		f = masked;
	}
	for (i = 0; i < n && !d[i]->group->spam_checks; i++)
		;
	if (i < n && (f->content_state != CHECK_NOT_RUN ||
	    f->uds_state != CHECK_NOT_RUN || (d[i]->group->dns_checks &&
	    f->dns_state != CHECK_NOT_RUN))) {
		*has_score_r = 1;
		*score_r = group_points(d[i]->group, f);
	}
	findings_render_checks(f, dns, spam, list, f->spam_score >= 0.0 ?
	    verdict_learner_points(f->spam_score) : NAN, checks);
	free(masked);
}

/* policy_edit - our headers and the statuses' modifications */

void
policy_edit(struct edit *e, const struct policy_decision *const *d, size_t n,
    const struct findings *f)
{
	struct buf	*v = buf_new(256);
	struct buf	*seen = buf_new(256);
	size_t		 i;
	int		 differ = 0, av = 0, avc = 0, k, has_score;
	double		 score;

	policy_edit_strip(e);
	if (n == 0) {
		buf_free(v);
		buf_free(seen);
		return;
	}
	for (i = 0; i < n; i++) {
		differ |= d[i]->spam != d[0]->spam || d[i]->av != d[0]->av;
		av |= d[i]->av != AV_NOT_SCANNED;
		avc |= d[i]->group->av_checks;
	}

	/* X-Winnow-Status */
	if (!differ) {
		action_status_text(d[0], v);
	} else {
		for (i = 0; i < n; i++) {
			if (action_seen(d, i))
				continue;
			if (buf_len(v) > 0)
				buf_puts(v, ", ");
			buf_printf(v, "%s=", d[i]->group->name);
			action_status_text(d[i], v);
		}
	}
	edit_add_header(e, "X-Winnow-Status", buf_str(v));
	if (policy_conf.compat_headers == POLICY_COMPAT_KAS)
		for (i = 0; i < n; i++)
			if (!action_seen(d, i))
				edit_add_header(e,
				    "X-Spamtest-Status-Extended",
				    action_kas_status(d[i]->spam));

	/* X-Winnow-Group */
	buf_reset(v);
	for (i = 0; i < n; i++) {
		if (action_seen(d, i))
			continue;
		if (buf_len(v) > 0)
			buf_puts(v, ", ");
		buf_puts(v, d[i]->group->name);
	}
	edit_add_header(e, "X-Winnow-Group", buf_str(v));

	/* X-Winnow-Score and X-Winnow-Checks (policy_summary, which the
	 * server's summary line uses too) */
	buf_reset(v);
	policy_summary(d, n, f, &has_score, &score, v);
	if (has_score) {
		struct buf *sc = buf_new(16);

		buf_printf(sc, "%.1f", score);
		edit_add_header(e, "X-Winnow-Score", buf_str(sc));
		buf_free(sc);
	}
	if (buf_len(v) > 0)
		edit_add_header(e, "X-Winnow-Checks", buf_str(v));
	/* X-Winnow-Virus: the AV status, and the names when there are
	 * any; "not-scanned" says plainly that no virus scan happened. */
	if (avc) {
		buf_reset(v);
		buf_puts(v, findings_av_name(f->av));
		if (av && f->viruses.count > 0) {
			buf_puts(v, ": ");
			findings_render_viruses(f, v);
		}
		edit_add_header(e, "X-Winnow-Virus", buf_str(v));
	}

	if (policy_conf.version_header)
		action_version(e, v);

	/* The statuses' own header fields and subject tags. */
	for (i = 0; i < n; i++)
		for (k = 0; k < 2; k++)
			if (d[i]->st[k] != NULL &&
			    d[i]->st[k]->header_name != NULL)
				action_add_once(e, seen,
				    d[i]->st[k]->header_name,
				    d[i]->st[k]->header_value);
	buf_reset(v);
	action_tags(d, n, f, v);
	if (buf_len(v) > 0)
		edit_subject_tag(e, buf_str(v));
	buf_free(v);
	buf_free(seen);
}
