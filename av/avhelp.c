/*
 * avhelp.c - the scan process: started by the child, fed messages, killed
 * at the hard time bound
 *
 * Each child starts one scan process (a fork of itself, so it shares the
 * compiled engine copy-on-write) at its first message and keeps it: the
 * message bytes go through a memfd both hold, the request (length, deadline,
 * the leaf parts from the message index with their offsets, the group's
 * options) through a socketpair, and the findings come back on the same
 * socket as records (avscan.c) ending with 'E'.  Keeping the
 * process warm matters with a large database: a fork costs page tables in
 * proportion to the engine, and a fresh process faults in libclamav's
 * per-scan memory again; a warm one pays neither.
 *
 * The child waits with poll() until max_scan_time + kill_grace.  If the
 * records are not complete by then the scan process is killed (SIGKILL)
 * and the message gets the error status with CHECK_TIMEOUT; if it dies on
 * its own (a crashing parser) the message gets the error status with
 * CHECK_ERROR.  Either way the findings received so far are kept, and the
 * next message starts a new scan process.  It dies with the child
 * (PR_SET_PDEATHSIG) and is killed by av_child_exit().
 *
 * A process that inherited the state from its parent (any fork other than
 * the scan process itself) starts its own scan process and never touches
 * its parent's.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "timeutil.h"
#include "xalloc.h"

/* policy */
#include "findings.h"

/* av */
#include "av_private.h"

#define AVHELP_VERSION	3
#define AVHELP_REQ_MAX	(32 * 1024 * 1024)	/* bytes of one request: up to
						 * 1024 parts' names, options */
#define AVHELP_OUT_MAX	(16 * 1024 * 1024)	/* bytes of records */
#define AVHELP_GLOBS	4096			/* globs per list */

struct avhelp {
	pid_t		 owner;		/* the process that started it */
	pid_t		 pid;		/* the scan process, 0 if none */
	int		 sock;		/* our end of the socketpair */
	int		 memfd;		/* the message bytes */
	unsigned long	 gen;		/* the engine it was started with */
};

static struct avhelp	 avhelp = { 0, 0, -1, -1, 0 };

/* avhelp_put - append big-endian integers */

static void
avhelp_put(struct buf *b, uint64_t v, int bytes)
{
	while (bytes-- > 0)
		buf_putc(b, (int)((v >> (bytes * 8)) & 0xff));
}

/* avhelp_get - read a big-endian integer; -1 past the end */

static int
avhelp_get(const unsigned char *p, size_t len, size_t *pos, int bytes,
    uint64_t *v)
{
	if (len - *pos < (size_t)bytes)
		return (-1);
	*v = 0;
	while (bytes-- > 0)
		*v = (*v << 8) | p[(*pos)++];
	return (0);
}

/* avhelp_opts_pack - what the scan process needs of an option set */

int
avhelp_opts_pack(const struct av_opts *o, struct buf *b)
{
	char *const	*l;
	size_t		 k, n, i, sl;

	avhelp_put(b, (uint64_t)o->mode, 1);
	avhelp_put(b, (uint64_t)o->max_size, 8);
	for (k = 0; k < 2 * AVFILT_KINDS; k++) {
		l = k < AVFILT_KINDS ? o->incl[k] : o->excl[k - AVFILT_KINDS];
		for (n = 0; l != NULL && l[n] != NULL; n++)
			;
		if (n > AVHELP_GLOBS)
			return (-1);
		avhelp_put(b, n, 2);
		for (i = 0; i < n; i++) {
			if ((sl = strlen(l[i])) > 0xffff)
				return (-1);
			avhelp_put(b, sl, 2);
			buf_append(b, l[i], sl);
		}
	}
	return (0);
}

/* avhelp_opts_unpack - the scan process's copy of an option set */

int
avhelp_opts_unpack(const unsigned char *p, size_t len, struct av_opts *o)
{
	char		***l;
	uint64_t	 v, n, sl;
	size_t		 pos = 0, k, i;

	memset(o, 0, sizeof(*o));
	if (avhelp_get(p, len, &pos, 1, &v) < 0 || v > AV_MODE_COMBINED)
		return (-1);
	o->mode = (enum av_mode)v;
	if (avhelp_get(p, len, &pos, 8, &v) < 0)
		return (-1);
	o->max_size = (size_t)v;
	for (k = 0; k < 2 * AVFILT_KINDS; k++) {
		l = k < AVFILT_KINDS ? &o->incl[k] :
		    &o->excl[k - AVFILT_KINDS];
		if (avhelp_get(p, len, &pos, 2, &n) < 0 || n > AVHELP_GLOBS)
			goto bad;
		if (n == 0)
			continue;
		*l = xcalloc(n + 1, sizeof(**l));
		for (i = 0; i < n; i++) {
			if (avhelp_get(p, len, &pos, 2, &sl) < 0 ||
			    len - pos < sl)
				goto bad;
			(*l)[i] = xstrndup((const char *)p + pos, sl);
			pos += sl;
		}
	}
	if (pos == len)
		return (0);
bad:
	avconf_opts_clear(o);
	return (-1);
}

/* avhelp_read_full - exactly len bytes; 0 at a clean EOF, -1 otherwise */

static int
avhelp_read_full(int fd, void *p, size_t len)
{
	size_t	 got = 0;
	ssize_t	 n;

	while (got < len) {
		if ((n = read(fd, (char *)p + got, len - got)) < 0) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		if (n == 0)
			return (got == 0 ? 0 : -1);
		got += (size_t)n;
	}
	return (1);
}

/* avhelp_serve - one request in the scan process */

static void
avhelp_serve(int sock, int memfd, const struct av_engine *e,
    const unsigned char *p, size_t len)
{
	struct msg_view	 v;
	struct av_opts	 o;
	struct avmime	*parts;
	const unsigned char *pp;
	uint64_t	 ver, mlen, deadline, ql, pl;
	size_t		 pos = 0, used;
	char		*qid;
	void		*map = NULL;

	if (avhelp_get(p, len, &pos, 1, &ver) < 0 || ver != AVHELP_VERSION ||
	    avhelp_get(p, len, &pos, 8, &mlen) < 0 ||
	    avhelp_get(p, len, &pos, 8, &deadline) < 0 ||
	    avhelp_get(p, len, &pos, 2, &ql) < 0 || len - pos < ql ||
	    mlen > SIZE_MAX / 2)
		_exit(3);
	qid = xstrndup((const char *)p + pos, ql);
	pos += ql;
	if (avhelp_get(p, len, &pos, 4, &pl) < 0 || len - pos < pl)
		_exit(3);
	pp = p + pos;
	pos += pl;
	if (avhelp_opts_unpack(p + pos, len - pos, &o) < 0)
		_exit(3);
	if (mlen > 0 && (map = mmap(NULL, mlen, PROT_READ, MAP_SHARED, memfd,
	    0)) == MAP_FAILED)
		_exit(4);
	memset(&v, 0, sizeof(v));
	v.queue_id = qid;
	v.data = mlen > 0 ? map : "";
	v.len = mlen;
	v.deadline_ms = deadline;
	if ((parts = avmime_unpack(pp, pl, &used, v.data, v.len)) == NULL ||
	    used != pl)
		_exit(3);
	avscan_serve(&v, parts, &o, e, deadline, sock);
	avmime_free(parts);
	if (map != NULL)
		(void)munmap(map, mlen);
	avconf_opts_clear(&o);
	free(qid);
}

/* avhelp_close_others - keep no descriptor of the child's but our two
 *
 * The child may be in a session when it starts the scan process; a copy of
 * its client or downstream socket here would keep that connection open
 * after the child closed it.  syslog's socket is closed through closelog()
 * and opened again by log_init(), so it cannot end up pointing at one of
 * ours. */

static void
avhelp_close_others(int a, int b)
{
	int	 lo = a < b ? a : b, hi = a < b ? b : a;

	closelog();
	if (lo > 3)
		(void)close_range(3, (unsigned int)lo - 1, 0);
	if (hi > lo + 1)
		(void)close_range((unsigned int)lo + 1, (unsigned int)hi - 1,
		    0);
	(void)close_range((unsigned int)hi + 1, ~0U, 0);
	log_init("winnowd/avscan");
}

/* avhelp_main - the scan process: serve requests until the child goes */

static void __attribute__((noreturn))
avhelp_main(pid_t owner, int sock, int memfd, const struct av_engine *e)
{
	unsigned char	 hdr[4], *req;
	unsigned int	 seed;
	size_t		 len;

	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != owner)
		_exit(0);
	avhelp_close_others(sock, memfd);
	(void)signal(SIGPIPE, SIG_DFL);
	(void)signal(SIGTERM, SIG_DFL);
	(void)signal(SIGHUP, SIG_DFL);
	(void)signal(SIGINT, SIG_DFL);
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
		seed = (unsigned int)(getpid() ^ time_now_us());
	srand(seed);			/* libclamav's temporary names */
	/* Keep freed memory instead of faulting it in again for each file
	 * libclamav scans; large blocks still go back to the system. */
	(void)mallopt(M_TRIM_THRESHOLD, AVHELP_TRIM_THRESHOLD);
	(void)mallopt(M_MMAP_THRESHOLD, AVHELP_MMAP_THRESHOLD);
	avscan_warm(e);
	for (;;) {
		switch (avhelp_read_full(sock, hdr, sizeof(hdr))) {
		case 0:
			_exit(0);		/* the child closed: done */
		case -1:
			_exit(3);
		}
		len = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 |
		    (size_t)hdr[2] << 8 | hdr[3];
		if (len > AVHELP_REQ_MAX)
			_exit(3);
		req = xmalloc(len);
		if (avhelp_read_full(sock, req, len) != 1)
			_exit(3);
		avhelp_serve(sock, memfd, e, req, len);
		free(req);
	}
}

/* avhelp_forget - drop state inherited from another process */

static void
avhelp_forget(void)
{
	if (avhelp.owner == getpid())
		return;
	if (avhelp.sock >= 0)
		(void)close(avhelp.sock);
	if (avhelp.memfd >= 0)
		(void)close(avhelp.memfd);
	avhelp.owner = getpid();
	avhelp.pid = 0;
	avhelp.sock = avhelp.memfd = -1;
	avhelp.gen = 0;
}

/* avhelp_start - start the scan process for an engine */

static int
avhelp_start(const struct av_engine *e, struct buf *why)
{
	int	 sv[2];
	pid_t	 pid;

	if (avhelp.memfd < 0 && (avhelp.memfd = memfd_create("winnow-av",
	    MFD_CLOEXEC)) < 0) {
		buf_printf(why, "AV scan: memfd_create: %s", strerror(errno));
		return (-1);
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		buf_printf(why, "AV scan: socketpair: %s", strerror(errno));
		return (-1);
	}
	if ((pid = fork()) < 0) {
		buf_printf(why, "AV scan: fork: %s", strerror(errno));
		(void)close(sv[0]);
		(void)close(sv[1]);
		return (-1);
	}
	if (pid == 0) {
		(void)close(sv[0]);
		avhelp_main(avhelp.owner, sv[1], avhelp.memfd, e);
	}
	(void)close(sv[1]);
	avhelp.sock = sv[0];
	avhelp.pid = pid;
	avhelp.gen = e->gen;
	return (0);
}

/* avhelp_reap - collect the scan process, killing it if it lingers */

static int
avhelp_reap(uint64_t kill_at, int *status)
{
	struct timespec	 ts = { 0, 1000000 };
	pid_t		 r;

	while ((r = waitpid(avhelp.pid, status, WNOHANG)) == 0 &&
	    time_now_ms() < kill_at)
		(void)nanosleep(&ts, NULL);
	if (r == 0) {
		(void)kill(avhelp.pid, SIGKILL);
		r = waitpid(avhelp.pid, status, 0);
	}
	return (r == avhelp.pid ? 0 : -1);
}

/* avhelp_drop - the scan process is gone or must go: reap, close */

static int
avhelp_drop(uint64_t kill_at, int kill_it, int *status)
{
	int	 rc = -1;

	if (avhelp.pid > 0) {
		if (kill_it)
			(void)kill(avhelp.pid, SIGKILL);
		rc = avhelp_reap(kill_at, status);
	}
	if (avhelp.sock >= 0)
		(void)close(avhelp.sock);
	avhelp.sock = -1;
	avhelp.pid = 0;
	avhelp.gen = 0;
	return (rc);
}

/* avhelp_stop - stop this process's scan process (child exit, reload) */

void
avhelp_stop(void)
{
	int	 status;

	avhelp_forget();
	(void)avhelp_drop(time_now_ms(), 1, &status);
}

/* avhelp_ready - have a scan process for this engine before a thread starts
 * (the caller is about to start threads, after which we must not fork) */

int
avhelp_ready(const struct av_engine *e, struct buf *why)
{
	int	 status = 0;

	avhelp_forget();
	if (avhelp.pid > 0 && avhelp.gen != e->gen)
		(void)avhelp_drop(time_now_ms() + 2000, 1, &status);
	if (avhelp.pid > 0 && waitpid(avhelp.pid, &status, WNOHANG) ==
	    avhelp.pid) {
		avhelp.pid = 0;
		(void)avhelp_drop(time_now_ms() + 2000, 0, &status);
	}
	if (avhelp.pid == 0 && avhelp_start(e, why) < 0)
		return (-1);
	return (0);
}

/* avhelp_pid - the scan process, 0 if none (tests, benchmarks) */

pid_t
avhelp_pid(void)
{
	return (avhelp.owner == getpid() ? avhelp.pid : 0);
}

/* avhelp_write - the message into the memfd */

static int
avhelp_write(const char *data, size_t len, struct buf *why)
{
	size_t	 off = 0;
	ssize_t	 n;

	while (off < len) {
		if ((n = pwrite(avhelp.memfd, data + off, len - off,
		    (off_t)off)) < 0) {
			if (errno == EINTR)
				continue;
			buf_printf(why, "AV scan: memfd: %s", strerror(errno));
			return (-1);
		}
		off += (size_t)n;
	}
	if (ftruncate(avhelp.memfd, (off_t)len) < 0) {
		buf_printf(why, "AV scan: memfd: %s", strerror(errno));
		return (-1);
	}
	return (0);
}

/* avhelp_send - the request, within the deadline */

static int
avhelp_send(const struct buf *req, uint64_t kill_at)
{
	struct pollfd	 pfd;
	size_t		 off = 0;
	uint64_t	 now;
	ssize_t		 n;

	while (off < req->len) {
		if ((now = time_now_ms()) >= kill_at)
			return (1);
		pfd.fd = avhelp.sock;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, (int)(kill_at - now > 60000 ? 60000 :
		    kill_at - now)) <= 0)
			continue;
		if ((n = send(avhelp.sock, req->data + off, req->len - off,
		    MSG_DONTWAIT | MSG_NOSIGNAL)) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return (-1);
		}
		off += (size_t)n;
	}
	return (0);
}

/* avhelp_recv - records until complete (0), kill_at (1), EOF (2), bad (3) */

static int
avhelp_recv(uint64_t kill_at, struct buf *in)
{
	struct pollfd	 pfd;
	uint64_t	 now;
	ssize_t		 n;
	char		*p;
	int		 c;

	for (;;) {
		if ((now = time_now_ms()) >= kill_at)
			return (1);
		pfd.fd = avhelp.sock;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, (int)(kill_at - now > 60000 ? 60000 :
		    kill_at - now)) <= 0)
			continue;
		p = buf_reserve(in, 65536);
		if ((n = read(avhelp.sock, p, 65536)) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return (2);
		}
		if (n == 0)
			return (2);
		buf_commit(in, (size_t)n);
		if ((c = avscan_complete(in->data, in->len)) == 1)
			return (0);
		if (c < 0 || in->len > AVHELP_OUT_MAX)
			return (3);
	}
}

/* avhelp_request - the request bytes for one message */

static int
avhelp_request(const struct msg_view *v, const struct avmime *parts,
    const struct av_opts *o, uint64_t deadline, struct buf *req)
{
	const char	*qid = v->queue_id != NULL ? v->queue_id : "-";
	size_t		 ql = strlen(qid) > 255 ? 255 : strlen(qid);
	size_t		 len, at;

	avhelp_put(req, 0, 4);		/* length, filled in below */
	avhelp_put(req, AVHELP_VERSION, 1);
	avhelp_put(req, v->len, 8);
	avhelp_put(req, deadline, 8);
	avhelp_put(req, ql, 2);
	buf_append(req, qid, ql);
	at = req->len;
	avhelp_put(req, 0, 4);		/* the parts' length, below */
	avmime_pack(parts, req);
	len = req->len - at - 4;
	req->data[at] = (char)((len >> 24) & 0xff);
	req->data[at + 1] = (char)((len >> 16) & 0xff);
	req->data[at + 2] = (char)((len >> 8) & 0xff);
	req->data[at + 3] = (char)(len & 0xff);
	if (avhelp_opts_pack(o, req) < 0)
		return (-1);
	if ((len = req->len - 4) > AVHELP_REQ_MAX)
		return (-1);
	req->data[0] = (char)((len >> 24) & 0xff);
	req->data[1] = (char)((len >> 16) & 0xff);
	req->data[2] = (char)((len >> 8) & 0xff);
	req->data[3] = (char)(len & 0xff);
	return (0);
}

/* avhelp_died - why for a scan process that ended before its records */

static void
avhelp_died(int reaped, int status, struct buf *why)
{
	if (why == NULL || why->len > 0)
		return;
	if (reaped == 0 && WIFSIGNALED(status))
		buf_printf(why, "AV scan process died of signal %d",
		    WTERMSIG(status));
	else if (reaped == 0 && WIFEXITED(status))
		buf_printf(why, "AV scan process exited with status %d before "
		    "it finished", WEXITSTATUS(status));
	else
		buf_puts(why, "AV scan process lost");
}

/* avhelp_begin - hand one message to the scan process and return at
 * once: it scans while the caller does other work; 0, or -1 when it was
 * not handed over (the job then records why at avhelp_end) */

int
avhelp_begin(const struct msg_view *v, const struct avmime *parts,
    const struct av_opts *o, const struct av_engine *e, uint64_t deadline,
    uint64_t kill_at, struct avhelp_job *j, struct buf *why)
{
	struct buf	*req;
	int		 status = 0;

	memset(j, 0, sizeof(*j));
	j->start = time_now_ms();
	j->kill_at = kill_at;
	if (j->start >= deadline) {
		buf_puts(why, "AV scan: no time left before the message's "
		    "deadline");
		j->failed = AVSCAN_TIME_NAME;
		return (-1);
	}
	avhelp_forget();
	if (avhelp.pid > 0 && avhelp.gen != e->gen)
		(void)avhelp_drop(kill_at, 1, &status);
	if (avhelp.pid > 0 && waitpid(avhelp.pid, &status, WNOHANG) ==
	    avhelp.pid) {
		/* It died while idle (OOM killer, an admin): start anew. */
		log_warn("av: scan process %ld ended while idle (status %d)",
		    (long)avhelp.pid, status);
		avhelp.pid = 0;
		(void)avhelp_drop(kill_at, 0, &status);
	}
	if (avhelp.pid == 0 && avhelp_start(e, why) < 0) {
		j->failed = AVSCAN_ERROR_NAME;
		return (-1);
	}
	req = buf_new(256);
	if (avhelp_write(v->data, v->len, why) < 0 ||
	    avhelp_request(v, parts, o, deadline, req) < 0) {
		if (why != NULL && why->len == 0)
			buf_puts(why, "AV scan: request too large (options, "
			    "part names)");
		j->failed = AVSCAN_ERROR_NAME;
		buf_free(req);
		return (-1);
	}
	j->sent = avhelp_send(req, kill_at);
	buf_free(req);
	return (0);
}

/* avhelp_end - wait for the records of the message avhelp_begin handed
 * over (until its kill_at) and put them in the findings */

void
avhelp_end(struct avhelp_job *j, struct findings *f, struct buf *why)
{
	struct buf	*in;
	int		 rc, status = 0, reaped;

	f->av_state = CHECK_DONE;
	if (j->failed != NULL) {
		avscan_fail(f, j->failed);
		return;
	}
	in = buf_new(4096);
	if ((rc = j->sent) == 0)
		rc = avhelp_recv(j->kill_at, in);
	else
		rc = rc == 1 ? 1 : 2;
	(void)avscan_unpack(in->data, in->len, f, why);
	switch (rc) {
	case 0:
		break;
	case 1:
		(void)avhelp_drop(j->kill_at, 1, &status);
		buf_printf(why, "AV scan killed after %llu ms (max_scan_time "
		    "plus kill_grace)", (unsigned long long)(time_now_ms() -
		    j->start));
		avscan_fail(f, AVSCAN_TIME_NAME);
		break;
	default:
		reaped = avhelp_drop(j->kill_at, rc == 3, &status);
		if (rc == 3 && why != NULL && why->len == 0)
			buf_puts(why, "AV scan: bad result records");
		avhelp_died(reaped, status, why);
		avscan_fail(f, AVSCAN_ERROR_NAME);
		break;
	}
	buf_free(in);
}
