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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

/* lib */
#include "log.h"
#include "timeutil.h"

/* server */
#include "server.h"

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

/* scoreboard_idle - idle or starting children that are not stopping */

unsigned int
scoreboard_idle(const struct scoreboard *sb)
{
	unsigned int	 i, n = 0;

	for (i = 0; i < sb->nslots; i++) {
		const struct slot *sl = &sb->slot[i];

		if ((sl->state == CHILD_IDLE || sl->state == CHILD_STARTING) &&
		    !sl->stopping)
			n++;
	}
	return (n);
}

/* child_state - publish our state; wake the master if spares run low */

static void
child_state(int state)
{
	unsigned int	 want;
	char		 c = 1;

	child_slot->state = state;
	if (state != CHILD_BUSY)
		return;
	child_slot->served = 1;
	want = server_conf.min_spare > 0 ? server_conf.min_spare : 1;
	if (scoreboard_idle(child_sb) < want)
		(void)write(child_wake_fd, &c, 1);	/* full pipe: awake */
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

/* child_main - serve sessions until used up, idle too long, or told to stop */

void
child_main(struct listener *l, int nl, struct scoreboard *sb,
    unsigned int slot, int wake_fd)
{
	struct epoll_event ev, events[8];
	struct sockaddr_storage ss;
	socklen_t	 sl;
	unsigned int	 limit, served = 0;
	char		 peer[64];
	int		 ep, i, n, fd, on = 1, proto;

	child_sb = sb;
	child_slot = &sb->slot[slot];
	child_wake_fd = wake_fd;
	log_init("winnowd/child");
	child_signals();
	if (getppid() == 1)
		exit(EX_OK);			/* the master is already gone */
	server_child_init();

	if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		log_fatal("epoll_create1: %s", strerror(errno));
	for (i = 0; i < nl; i++) {
		memset(&ev, 0, sizeof(ev));
		/*
		 * Not EPOLLEXCLUSIVE: that wakes one child per connection,
		 * and a child that is leaving (SIGTERM from a reload or from
		 * spare trimming, max_idle) may take the wakeup and exit
		 * without accepting, leaving the connection in the backlog
		 * until the next one arrives.  Every idle child wakes;
		 * one accept4() wins, the others get EAGAIN.
		 */
		ev.events = EPOLLIN;
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
	while (!child_stopping && (limit == 0 || served < limit)) {
		n = epoll_wait(ep, events, 8, server_conf.max_idle ?
		    (int)server_conf.max_idle : -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			log_fatal("epoll_wait: %s", strerror(errno));
		if (n == 0) {
			log_debug("idle for max_idle, exiting");
			break;
		}
		for (i = 0; i < n && !child_stopping; i++) {
			sl = sizeof(ss);
			fd = accept4(l[events[i].data.u32].fd,
			    (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
			if (fd < 0)
				continue;	/* another child took it */
			if (ss.ss_family != AF_UNIX)
				(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY,
				    &on, sizeof(on));
			proto = l[events[i].data.u32].proto;
			if (proto == PROTO_AUTO)
				proto = server_conf.protocol;
			child_peer(&ss, peer, sizeof(peer));
			child_state(CHILD_BUSY);
			served += sess_run(fd, proto, peer);
			child_state(CHILD_IDLE);
		}
	}
	reinject_close_all();
	server_child_exit();
	log_debug("exiting after %u messages", served);
	exit(EX_OK);
}
