/*
 * tally.c - one message into the counters and the history ring
 *
 * Called once per message by the server's report stage, after every
 * recipient has its outcome.  All it does is additions into the live
 * file (a few dozen atomic adds) and one history entry: no system call,
 * no lock, no allocation.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

/* lib */
#include "buf.h"

/* stats */
#include "history.h"
#include "live.h"
#include "svec.h"
#include "tally.h"

#define TALLY_CELLS	32	/* distinct cells one message counts in */

/* tally_fate_name - a counted fate's name */

const char *
tally_fate_name(unsigned int f)
{
	static const char *const names[SFATE_N] = {
		"delivered", "disposed", "refused", "deferred"
	};

	return (f < SFATE_N ? names[f] : "?");
}

/* tally_cells - recipients per cell, messages once per distinct cell */

static void
tally_cells(struct live *l, const struct tally_msg *m)
{
	uint32_t	 seen[TALLY_CELLS], key;
	size_t		 i, k, n = 0;
	unsigned int	 g;

	for (i = 0; i < m->nrcpts; i++) {
		const struct tally_rcpt *r = &m->rc[i];

		g = live_group(l, r->group != NULL ? r->group : "none");
		key = SKEY_CELL(0, g, r->spam & 0xf, r->av & 0xf,
		    r->action & 0xff);
		live_add(l, key | SKEY(SM_RCPTS, 0, 0, 0), 1);
		for (k = 0; k < n && seen[k] != key; k++)
			;
		if (k < n)
			continue;
		if (n < TALLY_CELLS)
			seen[n++] = key;
		live_add(l, key | SKEY(SM_MSGS, 0, 0, 0), 1);
		live_add(l, key | SKEY(SM_BYTES, 0, 0, 0), m->size);
	}
}

/* tally_fates - replies, fates, downstream failures */

static void
tally_fates(struct live *l, const struct tally_msg *m)
{
	size_t		 i;
	int		 down_temp = 0, cls;

	if (!m->lmtp && m->reply != NULL && m->reply[0] >= '2' &&
	    m->reply[0] <= '5')
		live_add(l, SKEY(SM_REPLY, m->reply[0] - '0', SREPLY_DATA, 0),
		    1);
	for (i = 0; i < m->nrcpts; i++) {
		const struct tally_rcpt *r = &m->rc[i];

		cls = r->code / 100;
		if (m->lmtp && cls >= 2 && cls <= 5)
			live_add(l, SKEY(SM_REPLY, cls, SREPLY_DATA, 0), 1);
		live_add(l, SKEY(SM_FATE, r->fate & 0xff, r->by_policy != 0,
		    0), 1);
		if (!r->downstream)
			continue;
		if (r->fate == SFATE_DEFERRED) {
			live_add(l, SKEY(SM_DOWNSTREAM, SDOWN_TEMPFAIL, 0, 0),
			    1);
			down_temp = 1;
		} else if (r->fate == SFATE_REFUSED) {
			live_add(l, SKEY(SM_DOWNSTREAM, SDOWN_REFUSED, 0, 0),
			    1);
		}
	}
	if (down_temp)
		live_add(l, SKEY(SM_DOWNSTREAM, SDOWN_MSG_TEMPFAIL, 0, 0), 1);
}

/* tally_checks - check states and timings, the message's time */

static void
tally_checks(struct live *l, const struct tally_msg *m)
{
	unsigned int	 i;

	for (i = 0; i < SCHECK_N; i++)
		if (m->state[i] != 0)
			live_add(l, SKEY(SM_CHECK, i, m->state[i], 0), 1);
	for (i = 0; i < SLAT_N; i++) {
		if (!m->check_ran[i])
			continue;
		live_add(l, SKEY(SM_CHECK_LAT, i, svec_bucket(m->check_us[i]),
		    0), 1);
		live_add(l, SKEY(SM_CHECK_LAT_SUM, i, 0, 0), m->check_us[i]);
	}
	live_add(l, SKEY(SM_MSG_LAT, svec_bucket(m->duration_us), 0, 0), 1);
	live_add(l, SKEY(SM_MSG_LAT_SUM, 0, 0, 0), m->duration_us);
	if (m->quarantine != 0)
		live_add(l, SKEY(SM_QUAR, m->quarantine < 0, 0, 0), 1);
	live_add(l, SKEY(SM_ARCHIVE, 0, 0, 0), m->archived);
	live_add(l, SKEY(SM_ARCHIVE, 1, 0, 0), m->archive_failed);
}

/* tally_join - a list into a fixed field, "+N more" when it is full */

static void
tally_join(char *dst, size_t size, const char *const *items, size_t n)
{
	char	 more[32];
	size_t	 i, len = 0, l, ml;

	dst[0] = '\0';
	for (i = 0; i < n; i++) {
		l = strlen(items[i]);
		ml = (size_t)snprintf(more, sizeof(more), ", +%zu more",
		    n - i);
		if (len + (i ? 2 : 0) + l + (i + 1 < n ? ml : 0) >= size) {
			if (len + ml < size)
				(void)snprintf(dst + len, size - len, "%s",
				    i ? more : more + 2);
			return;
		}
		len += (size_t)snprintf(dst + len, size - len, "%s%s",
		    i ? ", " : "", items[i]);
	}
}

/* tally_history_groups - "group=spam/clean, ..." and the action names */

static void
tally_history_groups(const struct tally_msg *m, struct history_entry *e)
{
	struct buf	*st = buf_new(128), *ac = buf_new(64);
	unsigned int	 acts = 0;
	size_t		 i, k;

	for (i = 0; i < m->nrcpts; i++) {
		const struct tally_rcpt *r = &m->rc[i];

		e->spam_mask |= (uint16_t)(1u << (r->spam & 0xf));
		e->av_mask |= (uint16_t)(1u << (r->av & 0xf));
		e->action_mask |= (uint16_t)(1u << (r->action & 0xf));
		for (k = 0; k < i; k++)
			if (((m->rc[k].group == NULL && r->group == NULL) ||
			    (m->rc[k].group != NULL && r->group != NULL &&
			    strcmp(m->rc[k].group, r->group) == 0)) &&
			    m->rc[k].spam == r->spam && m->rc[k].av == r->av)
				break;
		if (k == i) {
			buf_printf(st, "%s%s=%s", buf_len(st) ? ", " : "",
			    r->group != NULL ? r->group : "none",
			    svec_spam_name((unsigned)r->spam));
			if (r->av != 0)
				buf_printf(st, "/%s",
				    svec_av_name((unsigned)r->av));
		}
		if (!(acts & (1u << (r->action & 0xf)))) {
			acts |= 1u << (r->action & 0xf);
			buf_printf(ac, "%s%s", buf_len(ac) ? ", " : "",
			    svec_action_name((unsigned)r->action));
		}
	}
	history_copy(e->statuses, sizeof(e->statuses), buf_str(st));
	history_copy(e->actions, sizeof(e->actions), buf_str(ac));
	buf_free(st);
	buf_free(ac);
}

/* tally_history - the message's entry in the ring */

static void
tally_history(struct live *l, const struct tally_msg *m)
{
	struct history_entry e;
	struct timeval	 tv;
	const char	*addrs[64];
	size_t		 i, n;

	memset(&e, 0, sizeof(e));
	(void)gettimeofday(&tv, NULL);
	e.time_ms = (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
	e.size = m->size > UINT32_MAX ? UINT32_MAX : (uint32_t)m->size;
	e.nrcpt = (uint32_t)m->nrcpts;
	e.duration_ms = (uint32_t)(m->duration_us / 1000);
	e.score10 = m->has_score ? (int32_t)(m->score * 10.0 +
	    (m->score < 0 ? -0.5 : 0.5)) : HISTORY_NO_SCORE;
	history_copy(e.qid, sizeof(e.qid), m->qid);
	history_copy(e.upstream, sizeof(e.upstream), m->upstream);
	history_copy(e.client, sizeof(e.client), m->client);
	history_copy(e.sender, sizeof(e.sender), m->sender);
	n = m->nrcpts < 64 ? m->nrcpts : 64;
	for (i = 0; i < n; i++)
		addrs[i] = m->rc[i].addr;
	tally_join(e.rcpts, sizeof(e.rcpts), addrs, n);
	if (m->nrcpts > n && strlen(e.rcpts) + 24 < sizeof(e.rcpts))
		(void)snprintf(e.rcpts + strlen(e.rcpts), sizeof(e.rcpts) -
		    strlen(e.rcpts), ", +%zu more", m->nrcpts - n);
	tally_history_groups(m, &e);
	history_copy(e.checks, sizeof(e.checks), m->checks);
	if (m->reply != NULL) {
		history_copy(e.reply, sizeof(e.reply), m->reply);
	} else if (m->nrcpts > 0) {
		/* LMTP: the first recipient's reply code stands for all */
		(void)snprintf(e.reply, sizeof(e.reply), "%d (LMTP, per "
		    "recipient)", m->rc[0].code);
	}
	e.reply_code = (uint16_t)(m->reply != NULL ? (m->reply[0] - '0') *
	    100 : m->nrcpts > 0 ? m->rc[0].code : 0);
	history_add(l, &e);
}

/* tally_message - count a message and remember it */

void
tally_message(struct live *l, const struct tally_msg *m)
{
	if (l == NULL)
		return;
	live_add(l, SKEY(SM_RECEIVED, 0, 0, 0), 1);
	live_add(l, SKEY(SM_RECEIVED_BYTES, 0, 0, 0), m->size);
	tally_cells(l, m);
	tally_fates(l, m);
	tally_checks(l, m);
	tally_history(l, m);
}

/* tally_session_reply - the session refused a message itself */

void
tally_session_reply(struct live *l, int code)
{
	if (l != NULL && code / 100 >= 2 && code / 100 <= 5)
		live_add(l, SKEY(SM_REPLY, code / 100, SREPLY_SESSION, 0), 1);
}

/* tally_notice - a DSN or notification went out (or did not) */

void
tally_notice(struct live *l, int retry, int rc)
{
	if (l != NULL)
		live_add(l, SKEY(SM_NOTICE, retry != 0, rc == 0 ? 0 :
		    rc == -1 ? 1 : 2, 0), 1);
}

/* tally_child_exit - a child ended */

void
tally_child_exit(struct live *l, int crashed)
{
	if (l != NULL)
		live_add(l, SKEY(SM_CHILD_EXIT, crashed != 0, 0, 0), 1);
}
