/*
 * child.c - one filtering process: accept, serve, retire
 *
 * A child drops its privileges first thing, then waits on every listener
 * with epoll, serves one session at a time, and tells the master IDLE or
 * BUSY through its slot of the shared scoreboard (waking the master only
 * when idle children run short).  Recycling is the child's own job:
 * after max_messages (plus jitter) it finishes its session and exits, as it
 * does after max_idle without work or when the master asks it to stop.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

/* lib */
#include "log.h"
#include "proctitle.h"
#include "timeutil.h"

/* smtp */
#include "milter.h"
#include "notice.h"
#include "reinject.h"

/* server */
#include "server.h"

/* Free heap above which a child gives pages back after a session */
#define CHILD_TRIM_FREE	(4 * 1024 * 1024)

static volatile sig_atomic_t	 child_stopping;
static struct scoreboard	*child_sb;
static struct slot		*child_slot;
static int			 child_wake_fd = -1;

/* child_sig - SIGTERM/SIGHUP: finish the current session, then exit */

static void
child_sig(int sig)
{
	(void)sig;
	child_stopping = 1;
}

/* child_over_limit - whether the client already holds its share of the
 * pool (max_connections_per_client); if so it is told 421 and let go */

static int
child_over_limit(int fd, const char *peer)
{
	char	 msg[300];
	int	 n;

	if (server_conf.max_connections_per_client == 0 ||
	    strcmp(peer, "local") == 0 ||
	    scoreboard_peer_count(child_sb, peer) <=
	    server_conf.max_connections_per_client)
		return (0);
	log_warn("[%s] already holds %u sessions: 421 (see "
	    "max_connections_per_client)", peer,
	    server_conf.max_connections_per_client);
	n = snprintf(msg, sizeof(msg), "421 4.7.0 %s Error: too many "
	    "connections from your address\r\n", smtp_conf.hostname);
	(void)write(fd, msg, (size_t)n);
	return (1);
}

/* child_state - publish our state; wake the master if spares run low */

static void
child_state(int state)
{
	unsigned int	 want;
	char		 c = 1;

	if (state == CHILD_BUSY && child_slot->state != CHILD_BUSY)
		child_slot->busy_since = time_now_ms();
	child_slot->state = state;
	proctitle_set("winnowd: child %s", state == CHILD_BUSY ? "busy" :
	    "idle");
	if (state != CHILD_BUSY)
		return;
	child_slot->served = 1;
	child_slot->nbusy++;
	want = server_conf.min_spare > 0 ? server_conf.min_spare : 1;
	if (scoreboard_idle(child_sb) < want)
		(void)write(child_wake_fd, &c, 1);	/* full pipe: awake */
}

/* child_note_message - a message's filtering starts (qid) or ends (NULL):
 * the slot says which, the title too */

void
child_note_message(const char *qid)
{
	size_t	 i;

	if (child_slot == NULL)
		return;
	if (qid == NULL) {
		child_slot->qid[0] = '\0';
		child_slot->messages++;
		proctitle_set("winnowd: child busy");
		return;
	}
	child_slot->msg_since = time_now_ms();
	for (i = 0; i + 1 < LIVE_QID_MAX && qid[i] != '\0'; i++)
		child_slot->qid[i] = qid[i];
	child_slot->qid[i] = '\0';
	proctitle_set("winnowd: child busy %s 0.0s", qid);
}

/* child_note_stage - a stage of the message ended: the title says how long
 * it has taken so far */

void
child_note_stage(void)
{
	char	 qid[LIVE_QID_MAX];
	size_t	 i;

	if (child_slot == NULL || child_slot->qid[0] == '\0')
		return;
	for (i = 0; i < LIVE_QID_MAX; i++)
		qid[i] = child_slot->qid[i];
	qid[LIVE_QID_MAX - 1] = '\0';
	proctitle_set("winnowd: child busy %s %.1fs", qid,
	    (double)(time_now_ms() - child_slot->msg_since) / 1000.0);
}

/* child_retry_busy - sending from outq counts as busy (no spare) */

static void
child_retry_busy(int on)
{
	child_state(on ? CHILD_BUSY : CHILD_IDLE);
}

/* child_unblock - the master forked us with every signal blocked, so none
 * could reach its handlers in us; ours are in place now */

static void
child_unblock(void)
{
	sigset_t	 none;

	(void)sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
}

/* child_signals - our signal dispositions */

static void
child_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = child_sig;
	(void)sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	(void)sigaction(SIGPIPE, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	(void)sigaction(SIGCHLD, &sa, NULL);
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
}

/* child_peer - the peer address as text */

static void
child_peer(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	if (ss->ss_family == AF_INET)
		(void)inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->
		    sin_addr, buf, (socklen_t)len);
	else if (ss->ss_family == AF_INET6)
		(void)inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->
		    sin6_addr, buf, (socklen_t)len);
	else
		(void)snprintf(buf, len, "local");
}

/* child_trim - give free heap back when there is much of it */

static void
child_trim(void)
{
	struct mallinfo2 mi = mallinfo2();

	if (mi.fordblks > CHILD_TRIM_FREE)
		(void)malloc_trim(0);
}

/* child_serve - accept one connection on a listener and serve it; returns
 * the messages accepted, or -1 when there was no connection (another
 * child took it) */

static int
child_serve(const struct listener *l)
{
	struct sockaddr_storage ss;
	socklen_t	 sl = sizeof(ss);
	unsigned int	 n;
	char		 peer[64];
	int		 fd, on = 1, proto;

	do {
		fd = accept4(l->fd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
	} while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return (-1);
	if (ss.ss_family != AF_UNIX)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on,
		    sizeof(on));
	proto = l->proto == PROTO_AUTO ? server_conf.protocol : l->proto;
	child_peer(&ss, peer, sizeof(peer));
	(void)snprintf(child_slot->peer, sizeof(child_slot->peer), "%s", peer);
	child_state(CHILD_BUSY);
	if (child_over_limit(fd, peer)) {
		(void)close(fd);
		n = 0;
	} else if (proto == PROTO_MILTER) {
		n = milter_run(fd, peer, &pipeline_milter_hooks);
	} else {
		n = sess_run(fd, proto, peer, &pipeline_hooks);
	}
	child_slot->peer[0] = '\0';
	/* What a session's messages took (their index, text, HTML parse,
	 * spool) is freed by now: give the heap's free pages back, so an idle
	 * child is small again after a big message.  Only after a big one:
	 * trimming after every session cost each message three madvise
	 * calls, a brk and the page faults of the next message. */
	child_trim();
	child_state(CHILD_IDLE);
	return ((int)n);
}

/* child_drain - leave the wait queues, then serve what is already ours */

static unsigned int
child_drain(int ep, struct listener *l, int nl)
{
	unsigned int	 served = 0;
	int		 i, n, got;

	/* From here on new connections wake the other children. */
	(void)close(ep);
	do {
		got = 0;
		for (i = 0; i < nl; i++) {
			while ((n = child_serve(&l[i])) >= 0) {
				served += (unsigned int)n;
				got = 1;
			}
		}
	} while (got);
	return (served);
}

/* child_main - serve sessions until used up, idle too long, or told to stop */

void
child_main(struct listener *l, int nl, struct scoreboard *sb,
    unsigned int slot, int wake_fd)
{
	struct epoll_event ev, events[8];
	unsigned int	 limit, served = 0, wait;
	uint64_t	 idle_since, now, left;
	int		 ep, i, n;

	child_sb = sb;
	child_slot = &sb->slot[slot];
	child_wake_fd = wake_fd;
	log_init("winnowd/child");
	child_signals();
	child_unblock();
	if (getppid() == 1)
		exit(EX_OK);			/* the master is already gone */
	server_child_init();
	/*
	 * Keep up to 2 MB of freed heap instead of giving it back at once:
	 * each message allocates and frees buffers of 64 kB and more (the
	 * session's, the spool's), and with glibc's default a free at the
	 * top of the heap can return the memory (brk) only for the next
	 * message to fault it in again - which perf showed as soon as the
	 * heap's layout moved a little.
	 */
	(void)mallopt(M_TRIM_THRESHOLD, 2 * 1024 * 1024);

	if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		log_fatal("epoll_create1: %s", strerror(errno));
	for (i = 0; i < nl; i++) {
		memset(&ev, 0, sizeof(ev));
		/*
		 * EPOLLEXCLUSIVE wakes one idle child per connection instead
		 * of all of them.  The price: a child that leaves (SIGTERM,
		 * max_idle, max_messages) may have taken the wakeup for a
		 * connection it did not accept; child_drain() serves those
		 * before the child exits, so none is stranded.
		 */
		ev.events = EPOLLIN | EPOLLEXCLUSIVE;
		ev.data.u32 = (uint32_t)i;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, l[i].fd, &ev) < 0)
			log_fatal("epoll_ctl: %s", strerror(errno));
	}

	limit = server_conf.max_messages;
	if (limit > 0 && server_conf.max_messages_jitter > 0) {
		srandom((unsigned int)(getpid() ^ time_now_us()));
		limit += (unsigned int)random() %
		    (server_conf.max_messages_jitter + 1);
	}
	child_state(CHILD_IDLE);
	idle_since = time_now_ms();
	while (!child_stopping && (limit == 0 || served < limit)) {
		/* Between sessions: DSNs and notifications left in outq. */
		wait = notice_retry(&child_stopping, child_retry_busy);
		if (child_stopping)
			break;
		if (server_conf.max_idle != 0) {
			now = time_now_ms();
			left = idle_since + server_conf.max_idle > now ?
			    idle_since + server_conf.max_idle - now : 0;
			if (left == 0) {
				log_debug("idle for max_idle, exiting");
				break;
			}
			if (left < wait)
				wait = (unsigned int)left;
		}
		n = epoll_wait(ep, events, 8, (int)wait);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			log_fatal("epoll_wait: %s", strerror(errno));
		for (i = 0; i < n; i++) {
			int	 m = child_serve(&l[events[i].data.u32]);

			if (m > 0)
				served += (unsigned int)m;
		}
		if (n > 0)
			idle_since = time_now_ms();
	}
	served += child_drain(ep, l, nl);
	reinject_close_all();
	server_child_exit();
	log_debug("exiting after %u messages", served);
	exit(EX_OK);
}
