/*
 * submit.c - send a message winnow made itself downstream
 *
 * One transaction on a connection from reinject_open(): prepare (envelope,
 * DATA, body), then the final dot only if the envelope went through.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/uio.h>

#include <stdlib.h>
#include <string.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "status.h"
#include "xalloc.h"

/* smtp */
#include "msg.h"
#include "reinject.h"
#include "submit.h"

/* notify_send_message - one transaction of our own */

int
submit_message(const char *qid, const char *sender, char *const *rcpts,
    size_t nrcpts, const struct iovec *segs, size_t nsegs, int eightbit,
    enum fate *fates_r, struct buf *why)
{
	struct reinject_txn t;
	struct reinject	*conn;
	struct rcpt	**rp;
	struct msg	*m;
	size_t		 i, ok = 0, temp = 0;
	int		 rc;

	m = msg_new(qid);
	m->sender = xstrdup(sender);
	m->body = eightbit ? BODY_8BITMIME : BODY_7BIT;
	rp = xcalloc(nrcpts + 1, sizeof(*rp));
	for (i = 0; i < nrcpts; i++)
		rp[i] = msg_add_rcpt(m, rcpts[i]);
	/* msg_add_rcpt may move the array: take the pointers afterwards. */
	for (i = 0; i < nrcpts; i++)
		rp[i] = &m->rcpts[i];
	reinject_txn_init(&t);
	t.msg = m;
	t.sender = m->sender;
	t.rcpts = rp;
	t.nrcpts = nrcpts;
	t.segs = segs;
	t.nsegs = nsegs;
	for (i = 0; i < nsegs; i++)
		t.size += segs[i].iov_len;
	t.eightbit = eightbit;
	rc = WN_TEMP;
	if ((conn = reinject_open(0, why)) == NULL)
		goto out;
	if (reinject_prepare(conn, &t, 1, why) != WN_OK) {
		reinject_abort(conn, &t);
		reinject_release(conn, 0);
		goto out;
	}
	if (!t.prepared) {
		reinject_release(conn, 1);
	} else if (reinject_commit(conn, &t, why) != WN_OK) {
		reinject_release(conn, 0);
	} else {
		reinject_release(conn, 1);
	}
	for (i = 0; i < nrcpts; i++) {
		if (m->rcpts[i].fate == FATE_DELIVERED)
			ok++;
		else if (m->rcpts[i].fate != FATE_REFUSED)
			temp++;
		if (m->rcpts[i].fate != FATE_DELIVERED && buf_len(why) == 0)
			buf_printf(why, "<%s>: %s", m->rcpts[i].addr,
			    buf_str(m->rcpts[i].reply));
	}
	rc = ok == nrcpts ? WN_OK : temp > 0 ? WN_TEMP : WN_PERM;
out:
	for (i = 0; fates_r != NULL && i < nrcpts; i++)
		fates_r[i] = m->rcpts[i].fate;
	reinject_txn_free(&t);
	free(rp);
	msg_free(m);
	return (rc);
}
