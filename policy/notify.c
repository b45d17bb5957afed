/*
 * notify.c - notifications: who gets which, and their text
 *
 * Recipients are bucketed by (kind, status, group); each bucket becomes one
 * message rendered from its template.  Everything that comes from the
 * message (sender, recipients, Subject, virus names) reaches the output
 * only through the template engine's escaping and RFC 2047 encoding, and
 * the header fields we write ourselves carry only our own text and
 * addresses that the envelope parser has already checked.
 *
 * SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* lib */
#include "buf.h"
#include "conf.h"
#include "log.h"
#include "timeutil.h"
#include "xalloc.h"

/* mail */
#include "mail.h"

/* policy */
#include "notify.h"
#include "policy.h"
#include "template.h"

#define NOTIFY_VALUE_MAX	2000	/* bytes of a header value we read */

static const char notify_text_sender[] =
"# The notification the sender of a message gets (STATUS.notify = sender).\n"
"# Macros: ${sender} ${recipients} ${subject} ${status} ${action}\n"
"# ${virus} ${queue_id} ${group} ${date} ${hostname} ${client};\n"
"# ${if NAME}..${else}..${endif}.  winnowctl template-check FILE checks it.\n"
"Subject: Your message to ${recipients} was not delivered as sent\n"
"\n"
"This is the mail filter at ${hostname}.\n"
"\n"
"Your message\n"
"\n"
"  Subject:  ${subject}\n"
"  Date:     ${date}\n"
"  Queue ID: ${queue_id}\n"
"\n"
"to ${recipients} was classified as ${status}${if virus}\n"
"(${virus})${endif}.  Action taken: ${action}.\n"
"\n"
"If you believe this is a mistake, please contact the postmaster of the\n"
"recipient's domain and quote the queue ID above.\n";

static const char notify_text_recipients[] =
"# The notification the recipients get (STATUS.notify = recipients).\n"
"# Macros: ${sender} ${recipients} ${subject} ${status} ${action}\n"
"# ${virus} ${queue_id} ${group} ${date} ${hostname} ${client};\n"
"# ${if NAME}..${else}..${endif}.  winnowctl template-check FILE checks it.\n"
"Subject: A message for you was classified as ${status}\n"
"\n"
"This is the mail filter at ${hostname}.\n"
"\n"
"A message from ${sender}\n"
"\n"
"  Subject:  ${subject}\n"
"  Date:     ${date}\n"
"  Queue ID: ${queue_id}\n"
"\n"
"to ${recipients} was classified as ${status}${if virus}\n"
"(${virus})${endif}.  Action taken: ${action}.\n"
"${if action=quarantine}\n"
"Your administrator can release it from the quarantine; quote the\n"
"queue ID above.\n"
"${endif}";

static const char notify_text_admin[] =
"# The notification the admins get (STATUS.notify = admin).\n"
"# Macros: ${sender} ${recipients} ${subject} ${status} ${action}\n"
"# ${virus} ${queue_id} ${group} ${date} ${hostname} ${client};\n"
"# ${if NAME}..${else}..${endif}.  winnowctl template-check FILE checks it.\n"
"Subject: [winnow] ${status} from ${sender}: ${action}\n"
"\n"
"Queue ID:   ${queue_id}\n"
"Date:       ${date}\n"
"Client:     ${client}\n"
"Sender:     ${sender}\n"
"Recipients: ${recipients}\n"
"Group:      ${group}\n"
"Subject:    ${subject}\n"
"Status:     ${status}\n"
"${if virus}Virus:      ${virus}\n"
"${endif}Action:     ${action}\n"
"${if action=quarantine}\n"
"winnowctl quarantine show ${queue_id}\n"
"${endif}";

static struct template	*notify_builtin[POLICY_NOTIFY_NWHO];

/* notify_builtin_text - the built-in template text */

const char *
notify_builtin_text(int who)
{
	switch (who) {
	case POLICY_NOTIFY_SENDER:
		return (notify_text_sender);
	case POLICY_NOTIFY_RECIPIENTS:
		return (notify_text_recipients);
	case POLICY_NOTIFY_ADMIN:
		return (notify_text_admin);
	}
	log_panic("notify_builtin_text: %d", who);
}

/* notify_template - the template of a status for a kind */

static const struct template *
notify_template(const struct policy_status *st, int who)
{
	struct buf	*why;
	const char	*text;

	if (st->tmpl[who] != NULL)
		return (st->tmpl[who]);
	if (notify_builtin[who] == NULL) {
		why = buf_new(64);
		text = notify_builtin_text(who);
		notify_builtin[who] = template_parse(text, strlen(text),
		    "(built-in)", 0, why);
		if (notify_builtin[who] == NULL)
			log_panic("notify: built-in template: %s",
			    buf_str(why));
		buf_free(why);
	}
	return (notify_builtin[who]);
}

/* notify_header_value - the unfolded value of a header field, as the
 * message index reads header fields */

int
notify_header_value(const char *h, size_t len, const char *name,
    struct buf *out)
{
	const struct mail_field *f;
	struct mail	*m;
	size_t		 start = buf_len(out);
	int		 found = 0;

	m = mail_new(h, len, NULL);
	if ((f = mailhdr_first(m, 0, name)) != NULL) {
		mailhdr_unfold(m, f, out);
		if (buf_len(out) - start > NOTIFY_VALUE_MAX)
			buf_truncate(out, start + NOTIFY_VALUE_MAX);
		found = 1;
	}
	mail_free(m);
	return (found);
}

/* notify_is_automatic - whether a message is itself automatic */

int
notify_is_automatic(const char *sender, const char *header, size_t len)
{
	struct buf	*v = buf_new(64);
	const char	*at;
	int		 autom = 0;

	if (sender == NULL || *sender == '\0')
		autom = 1;
	else if ((at = strchr(sender, '@')) != NULL && at - sender == 13 &&
	    strncasecmp(sender, "mailer-daemon", 13) == 0)
		autom = 1;
	if (!autom && notify_header_value(header, len, "Auto-Submitted", v))
		autom = strncasecmp(buf_str(v), "no", 2) != 0 ||
		    isalnum((unsigned char)buf_str(v)[2]);
	buf_reset(v);
	if (!autom && notify_header_value(header, len, "Precedence", v))
		autom = strncasecmp(buf_str(v), "bulk", 4) == 0 ||
		    strncasecmp(buf_str(v), "junk", 4) == 0 ||
		    strncasecmp(buf_str(v), "list", 4) == 0;
	buf_free(v);
	return (autom);
}

/* One bucket: recipients with the same kind, status and group. */
struct notify_bucket {
	int		 who;
	int		 slot;
	const struct policy_decision *d;	/* the first recipient's */
	const struct policy_status *st;
	const char	**rcpts;
	size_t		 n;
};

/* notify_bucket_add - put recipient addr into its bucket */

static void
notify_bucket_add(struct notify_bucket **b, size_t *nb, int who, int slot,
    const struct policy_decision *d, const struct policy_status *st,
    const char *addr)
{
	struct notify_bucket *k;
	size_t		 i;

	for (i = 0; i < *nb; i++) {
		k = &(*b)[i];
		if (k->who == who && k->slot == slot &&
		    k->d->group == d->group)
			break;
	}
	if (i == *nb) {
		*b = xreallocarray(*b, *nb + 1, sizeof(**b));
		k = &(*b)[(*nb)++];
		memset(k, 0, sizeof(*k));
		k->who = who;
		k->slot = slot;
		k->d = d;
		k->st = st;
	}
	k->rcpts = xreallocarray(k->rcpts, k->n + 1, sizeof(*k->rcpts));
	k->rcpts[k->n++] = addr;
}

/* notify_join - addresses separated by ", " (optionally in <>) */

static void
notify_join(struct buf *out, const char *const *a, size_t n, int angle)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		buf_printf(out, angle ? "%s<%s>" : "%s%s", i ? ", " : "",
		    a[i]);
}

/* notify_viruses - the virus names, ", " between */

static void
notify_viruses(const struct findings *f, struct buf *out)
{
	unsigned int	 i, n = f->viruses.count < FINDINGS_MAX_ITEMS ?
			    f->viruses.count : FINDINGS_MAX_ITEMS;

	for (i = 0; i < n; i++)
		buf_printf(out, "%s%s", i ? ", " : "",
		    f->viruses.item[i].name);
}

/* notify_render - one notification message from its bucket */

static void
notify_render(const struct notify_info *ni, const struct notify_bucket *k,
    struct notify_msg *m, unsigned int seq)
{
	const struct template *t = notify_template(k->st, k->who);
	const char	*vars[TEMPLATE_NVARS];
	struct buf	*rc = buf_new(256), *subj = buf_new(128);
	struct buf	*vir = buf_new(64), *hdr = buf_new(1024);
	struct buf	*body = buf_new(2048), *to = buf_new(256);
	char		 date[64], now[64];

	notify_join(rc, k->rcpts, k->n, 0);
	(void)notify_header_value(ni->header, ni->header_len, "Subject", subj);
	if (k->d->av != AV_NOT_SCANNED)
		notify_viruses(ni->f, vir);
	time_rfc5322(date, sizeof(date), ni->arrival);
	time_rfc5322(now, sizeof(now), time(NULL));
	memset(vars, 0, sizeof(vars));
	vars[TEMPLATE_SENDER] = ni->sender[0] ? ni->sender : "<>";
	vars[TEMPLATE_RECIPIENTS] = buf_str(rc);
	vars[TEMPLATE_SUBJECT] = buf_str(subj);
	vars[TEMPLATE_STATUS] = policy_status_name(k->slot);
	vars[TEMPLATE_ACTION] = policy_action_name(k->d->action);
	vars[TEMPLATE_VIRUS] = buf_str(vir);
	vars[TEMPLATE_QUEUE_ID] = ni->queue_id;
	vars[TEMPLATE_GROUP] = k->d->group->name;
	vars[TEMPLATE_DATE] = date;
	vars[TEMPLATE_HOSTNAME] = ni->hostname;
	vars[TEMPLATE_CLIENT] = ni->client ? ni->client : "unknown";
	template_render(t, vars, hdr, body);

	notify_join(to, (const char *const *)m->to, m->nto, 1);
	m->data = buf_new(buf_len(hdr) + buf_len(body) + 512);
	if (!template_has_field(t, "From"))
		buf_printf(m->data, "From: Mail Filter <%s>\r\n", ni->from);
	buf_puts(m->data, "To: ");
	template_header_value(m->data, 4, to->data, buf_len(to));
	buf_puts(m->data, "\r\n");
	if (!template_has_field(t, "Subject"))
		buf_printf(m->data, "Subject: [winnow] %s\r\n",
		    policy_status_name(k->slot));
	buf_append(m->data, hdr->data, buf_len(hdr));
	buf_printf(m->data, "Date: %s\r\n", now);
	buf_printf(m->data, "Message-ID: <%s.n%u@%s>\r\n", ni->queue_id, seq,
	    ni->hostname);
	m->eightbit = mem_has_8bit(body->data, buf_len(body));
	buf_printf(m->data, "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: %s\r\n"
	    "Auto-Submitted: auto-generated\r\n\r\n",
	    m->eightbit ? "8bit" : "7bit");
	buf_append(m->data, body->data, buf_len(body));
	buf_free(rc);
	buf_free(subj);
	buf_free(vir);
	buf_free(hdr);
	buf_free(body);
	buf_free(to);
}

/* notify_envelope - who receives a bucket's notification; 0 if nobody */

static size_t
notify_envelope(const struct notify_info *ni, const struct notify_bucket *k,
    int automatic, char ***to)
{
	size_t	 i;

	switch (k->who) {
	case POLICY_NOTIFY_SENDER:
		if (automatic)
			return (0);
		*to = xcalloc(2, sizeof(**to));
		(*to)[0] = xstrdup(ni->sender);
		return (1);
	case POLICY_NOTIFY_RECIPIENTS:
		*to = xcalloc(k->n + 1, sizeof(**to));
		for (i = 0; i < k->n; i++)
			(*to)[i] = xstrdup(k->rcpts[i]);
		return (k->n);
	default:
		if (ni->admin == NULL || *ni->admin == '\0')
			return (0);
		return (conf_list_split(ni->admin, to));
	}
}

/* notify_build - the notifications of a message */

size_t
notify_build(const struct notify_info *ni, const char *const *rcpts,
    const struct policy_decision *const *d, size_t n,
    struct notify_msg **out)
{
	struct notify_bucket *b = NULL;
	struct notify_msg *msgs = NULL;
	const struct policy_status *st;
	size_t		 i, nb = 0, nm = 0;
	int		 k, who, slot, automatic;

	automatic = notify_is_automatic(ni->sender, ni->header,
	    ni->header_len);
	for (i = 0; i < n; i++) {
		if (d[i] == NULL)
			continue;
		for (k = 0; k < 2; k++) {
			if ((st = d[i]->st[k]) == NULL || st->notify == 0)
				continue;
			slot = k == 0 ? POLICY_ST_SPAM(d[i]->spam) :
			    POLICY_ST_AV(d[i]->av);
			for (who = 0; who < POLICY_NOTIFY_NWHO; who++)
				if (st->notify & (1U << who))
					notify_bucket_add(&b, &nb, who, slot,
					    d[i], st, rcpts[i]);
		}
	}
	for (i = 0; i < nb; i++) {
		struct notify_msg m;

		memset(&m, 0, sizeof(m));
		m.who = b[i].who;
		m.slot = b[i].slot;
		if ((m.nto = notify_envelope(ni, &b[i], automatic, &m.to)) ==
		    0) {
			conf_list_free(m.to);
			continue;
		}
		notify_render(ni, &b[i], &m, (unsigned int)nm + 1);
		msgs = xreallocarray(msgs, nm + 1, sizeof(*msgs));
		msgs[nm++] = m;
	}
	for (i = 0; i < nb; i++)
		free(b[i].rcpts);
	free(b);
	*out = msgs;
	return (nm);
}

/* notify_msgs_free - release built notifications */

void
notify_msgs_free(struct notify_msg *m, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		conf_list_free(m[i].to);
		buf_free(m[i].data);
	}
	free(m);
}
