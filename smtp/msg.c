/*
 * msg.c - the transaction: envelope, XFORWARD attributes, queue ids
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/time.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/* lib */
#include "buf.h"
#include "timeutil.h"
#include "xalloc.h"

/* spool */
#include "spool.h"

/* smtp */
#include "msg.h"

/* msg_new - an empty transaction */

struct msg *
msg_new(const char *qid)
{
	struct msg	*m;

	m = xcalloc(1, sizeof(*m));
	(void)snprintf(m->qid, sizeof(m->qid), "%s", qid);
	m->start_ms = time_now_ms();
	m->arrival = time(NULL);
	return (m);
}

/* msg_free - release a transaction and its spool */

void
msg_free(struct msg *m)
{
	size_t	 i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nrcpts; i++) {
		free(m->rcpts[i].addr);
		free(m->rcpts[i].notify);
		free(m->rcpts[i].orcpt);
		buf_free(m->rcpts[i].reply);
	}
	free(m->rcpts);
	free(m->sender);
	free(m->ret);
	free(m->envid);
	xforward_clear(&m->xf);
	spool_free(m->spool);
	free(m);
}

/* msg_add_rcpt - append a recipient */

struct rcpt *
msg_add_rcpt(struct msg *m, const char *addr)
{
	struct rcpt	*r;

	m->rcpts = xreallocarray(m->rcpts, m->nrcpts + 1, sizeof(*m->rcpts));
	r = &m->rcpts[m->nrcpts++];
	memset(r, 0, sizeof(*r));
	r->addr = xstrdup(addr);
	r->reply = buf_new(64);
	return (r);
}

/* xforward_clear - forget every attribute */

void
xforward_clear(struct xforward *xf)
{
	free(xf->name);
	free(xf->addr);
	free(xf->port);
	free(xf->proto);
	free(xf->helo);
	free(xf->ident);
	free(xf->source);
	memset(xf, 0, sizeof(*xf));
}

/* xforward_copy - copy attributes */

void
xforward_copy(struct xforward *dst, const struct xforward *src)
{
	xforward_clear(dst);
	dst->set = src->set;
	dst->name = xstrdup(src->name);
	dst->addr = xstrdup(src->addr);
	dst->port = xstrdup(src->port);
	dst->proto = xstrdup(src->proto);
	dst->helo = xstrdup(src->helo);
	dst->ident = xstrdup(src->ident);
	dst->source = xstrdup(src->source);
}

/* xforward_client - the original client: XFORWARD ADDR, else our peer */

const char *
xforward_client(const struct xforward *xf, const char *peer)
{
	const char	*a = xf->addr;

	if (a != NULL && strcasecmp(a, "[UNAVAILABLE]") != 0 &&
	    strcasecmp(a, "[TEMPUNAVAIL]") != 0)
		return (strncasecmp(a, "IPV6:", 5) == 0 ? a + 5 : a);
	return (peer);
}

/* This process's id, asked once (it was a system call per message); a
 * fork's child asks again, so two children never share it. */
static pid_t		 qid_pid;
static pthread_once_t	 qid_once = PTHREAD_ONCE_INIT;

/* qid_forked - the child has a pid of its own */

static void
qid_forked(void)
{
	qid_pid = 0;
}

/* qid_setup - register the fork handler */

static void
qid_setup(void)
{
	(void)pthread_atfork(NULL, NULL, qid_forked);
}

/* qid_new - a queue id: microseconds and pid, in hex */

void
qid_new(char *buf, size_t len)
{
	static uint64_t	 last;
	struct timeval	 tv;
	uint64_t	 us;

	(void)pthread_once(&qid_once, qid_setup);
	if (qid_pid == 0)
		qid_pid = getpid();
	(void)gettimeofday(&tv, NULL);
	us = (uint64_t)tv.tv_sec * 1000000 + (uint64_t)tv.tv_usec;
	if (us <= last)
		us = last + 1;		/* two messages in one microsecond */
	last = us;
	(void)snprintf(buf, len, "%010llX%05X",
	    (unsigned long long)(us & 0xFFFFFFFFFFULL),
	    (unsigned)qid_pid & 0xFFFFF);
}
