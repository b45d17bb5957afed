/*
 * ctljob.c - what the control process cannot do in its loop
 *
 * A scan, a release from the quarantine, learning and a -t check of a
 * proposed configuration block (the downstream, the model's lock, loading
 * every module), so they run in libuv's thread pool while the loop goes on
 * answering the dashboard.  One at a time: a job holds ctljob_lock (so do
 * the monitor's rounds, which share the reinjection code with nothing
 * else then), which also keeps two releases of one entry in order - the
 * second finds the entry released.
 *
 * Each job is a process of its own, so untrusted input (a pasted message)
 * is parsed outside the control process, as in winnowd's children:
 *
 *   command  a program run with arguments (winnowctl, winnowd -t), its
 *            standard input from a buffer, its standard output and error
 *            captured (at most CTLJOB_OUTPUT_MAX bytes);
 *   scan     a fork that runs the checks and the policy on a message
 *            (scan.c) and writes its JSON answer to a pipe;
 *   json     winnowctl of the fleet (another node's quarantine: the
 *            list from Redis, show/release/delete/learn/explain sent to
 *            the owning node), whose JSON is the answer.  It changes
 *            nothing here and runs beside the others, without
 *            ctljob_lock: it may wait on another node whose own job
 *            waits on us.
 *   body     the same, but what it prints is the answer's body as it is
 *            (another node's stored message): its standard error goes
 *            apart (a memfd), so a warning cannot end up in the bytes,
 *            and its output may be as large as the job asks; an output
 *            that did not fit is refused (502), never cut short.
 *
 * A job that runs past [control] job_timeout is killed, and its request
 * answered 504.  The fork happens in a thread of the pool; the child does
 * only async-signal-safe calls before exec (a command) or starts afresh
 * from data it does not share with the other threads (a scan).
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>
#include <uv.h>

/* lib */
#include "buf.h"
#include "conf.h"
#include "log.h"
#include "timeutil.h"
#include "xalloc.h"

/* stats */
#include "sjson.h"

/* server */
#include "control.h"

#define CTLJOB_OUTPUT_MAX	(1024 * 1024)

enum ctljob_kind { CTLJOB_COMMAND, CTLJOB_SCAN, CTLJOB_JSON, CTLJOB_BODY };

#define CTLJOB_FLEET(k)	((k) == CTLJOB_JSON || (k) == CTLJOB_BODY)

struct ctljob {
	uv_work_t	 w;
	enum ctljob_kind kind;
	struct control_req *r;
	char		**argv;
	char		*input;
	size_t		 len;
	char		*tmpfile;	/* unlinked when done */
	ctljob_map_fn	*map;
	ctljob_answer_fn *answer;	/* shapes the answer, or NULL */
	json_t		*request;	/* the scan's */
	size_t		 out_max;	/* output kept, at most */
	const char	*type;		/* a body's Content-Type */
	int		 errfd;		/* a body's standard error, or -1 */
	/* results */
	int		 status;	/* wait status; -1 not run */
	int		 timed_out;
	int		 truncated;	/* more than out_max was written */
	char		 err[256];
	struct buf	*out;
};

static pthread_mutex_t	 ctljob_lock = PTHREAD_MUTEX_INITIALIZER;
int			 ctljob_disabled;

/* ctljob_child - in the forked process: the command, or the scan */

static void
ctljob_child(struct ctljob *j, int in, int out)
{
	if (j->kind == CTLJOB_SCAN) {
		(void)close(in);
		scan_child(j->request, out);
	}
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 ||
	    dup2(j->errfd >= 0 ? j->errfd : out, 2) < 0)
		_exit(127);
	if (in > 2)
		(void)close(in);
	if (out > 2)
		(void)close(out);
	execv(j->argv[0], j->argv);
	_exit(127);
}

/* ctljob_pump - feed the input, gather the output, until the end or the
 * deadline; 0, or -1 on the deadline */

static int
ctljob_pump(struct ctljob *j, int in, int out)
{
	struct pollfd	 p[2];
	uint64_t	 end = time_now_ms() + control_conf.job_timeout;
	size_t		 sent = 0;
	ssize_t		 n;
	char		 chunk[16384];
	int		 np, to;

	if (j->len == 0) {
		(void)close(in);
		in = -1;
	}
	while (out >= 0) {
		if (time_now_ms() >= end) {
			if (in >= 0)
				(void)close(in);
			(void)close(out);
			return (-1);
		}
		to = (int)(end - time_now_ms());
		np = 0;
		p[np].fd = out;
		p[np++].events = POLLIN;
		if (in >= 0) {
			p[np].fd = in;
			p[np++].events = POLLOUT;
		}
		if (poll(p, (nfds_t)np, to) < 0 && errno != EINTR)
			break;
		if (np > 1 && (p[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
			n = write(in, j->input + sent, j->len - sent);
			if (n > 0)
				sent += (size_t)n;
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				sent = j->len;	/* the reader went: stop */
			if (sent == j->len) {
				(void)close(in);
				in = -1;
			}
		}
		if (p[0].revents & (POLLIN | POLLERR | POLLHUP)) {
			n = read(out, chunk, sizeof(chunk));
			if (n > 0 && buf_len(j->out) + (size_t)n <= j->out_max)
				buf_append(j->out, chunk, (size_t)n);
			else if (n > 0)
				j->truncated = 1;
			else if (n == 0 || (n < 0 && errno != EAGAIN &&
			    errno != EINTR)) {
				(void)close(out);
				out = -1;
			}
		}
	}
	if (in >= 0)
		(void)close(in);
	if (out >= 0)
		(void)close(out);
	return (0);
}

/* ctljob_run - in the thread pool: the process, to its end */

static void
ctljob_run(uv_work_t *w)
{
	struct ctljob	*j = w->data;
	int		 pin[2], pout[2];
	pid_t		 pid;

	/* A fleet job waits on another node, which may be waiting on us:
	 * it runs beside the others (it changes nothing here). */
	if (!CTLJOB_FLEET(j->kind))
		(void)pthread_mutex_lock(&ctljob_lock);
	if (j->kind == CTLJOB_BODY && (j->errfd = memfd_create("ctljob-err",
	    MFD_CLOEXEC)) < 0) {
		(void)snprintf(j->err, sizeof(j->err), "memfd_create: %s",
		    strerror(errno));
		goto out;
	}
	if (pipe2(pin, O_CLOEXEC) < 0 || pipe2(pout, O_CLOEXEC) < 0) {
		(void)snprintf(j->err, sizeof(j->err), "pipe: %s",
		    strerror(errno));
		goto out;
	}
	if ((pid = fork()) < 0) {
		(void)snprintf(j->err, sizeof(j->err), "fork: %s",
		    strerror(errno));
		(void)close(pin[0]);
		(void)close(pin[1]);
		(void)close(pout[0]);
		(void)close(pout[1]);
		goto out;
	}
	if (pid == 0) {
		(void)close(pin[1]);
		(void)close(pout[0]);
		ctljob_child(j, pin[0], pout[1]);
	}
	(void)close(pin[0]);
	(void)close(pout[1]);
	(void)fcntl(pin[1], F_SETFL, O_NONBLOCK);
	if (ctljob_pump(j, pin[1], pout[0]) < 0) {
		j->timed_out = 1;
		(void)kill(pid, SIGKILL);
	}
	while (waitpid(pid, &j->status, 0) < 0 && errno == EINTR)
		;
out:
	if (j->tmpfile != NULL)
		(void)unlink(j->tmpfile);
	if (!CTLJOB_FLEET(j->kind))
		(void)pthread_mutex_unlock(&ctljob_lock);
}

/* ctljob_answer_command - a command's answer */

static void
ctljob_answer_command(struct ctljob *j)
{
	struct control_req *r = j->r;
	int		 ex = WIFEXITED(j->status) ? WEXITSTATUS(j->status) :
			    -1;

	if (j->answer != NULL) {
		j->answer(r, ex, j->out);
		return;
	}
	api_json(r, json_pack("{s:i, s:o}", "exit", ex, "output",
	    sjson_str(buf_str(j->out))));
	r->status = j->map != NULL ? j->map(ex) : ex == 0 ? MHD_HTTP_OK :
	    MHD_HTTP_INTERNAL_SERVER_ERROR;
}

/* ctljob_answer_json - a command's JSON as it printed it (the first
 * value; stderr may follow), its exit status mapped; what is not JSON
 * becomes the error's text */

static void
ctljob_answer_json(struct ctljob *j)
{
	struct control_req *r = j->r;
	int		 ex = WIFEXITED(j->status) ? WEXITSTATUS(j->status) :
			    -1;
	int		 st = j->map != NULL ? j->map(ex) : ex == 0 ?
			    MHD_HTTP_OK : MHD_HTTP_BAD_GATEWAY;
	json_t		*a;
	json_error_t	 e;
	size_t		 n = buf_len(j->out);

	a = json_loadb(j->out->data, n, JSON_DISABLE_EOF_CHECK, &e);
	if (a == NULL || !json_is_object(a)) {
		json_decref(a);
		while (n > 0 && (j->out->data[n - 1] == '\n' ||
		    j->out->data[n - 1] == ' '))
			n--;
		buf_truncate(j->out, n);
		api_error(r, st == MHD_HTTP_OK ? MHD_HTTP_BAD_GATEWAY : st,
		    n > 0 ? buf_str(j->out) : "the command said nothing");
		return;
	}
	api_json(r, a);
	r->status = st;
}

/* ctljob_answer_body - a fleet command's output as the body when it
 * succeeded and all of it was kept; else its answer as a JSON job's,
 * from what it said (its output, or its standard error) */

static void
ctljob_answer_body(struct ctljob *j)
{
	struct control_req *r = j->r;
	char		 said[1024];
	ssize_t		 n;

	if (j->truncated) {
		api_error(r, MHD_HTTP_BAD_GATEWAY, "the answer is larger than "
		    "this node keeps of it ([server] message_size_limit)");
		return;
	}
	if (WIFEXITED(j->status) && WEXITSTATUS(j->status) == 0) {
		buf_append(r->body, j->out->data, buf_len(j->out));
		r->type = j->type;
		r->status = MHD_HTTP_OK;
		return;
	}
	if (buf_len(j->out) == 0 && (n = pread(j->errfd, said, sizeof(said),
	    0)) > 0)
		buf_append(j->out, said, (size_t)n);
	ctljob_answer_json(j);
}

/* ctljob_answer_scan - the scan's JSON, as the scan process wrote it */

static void
ctljob_answer_scan(struct ctljob *j)
{
	json_t		*a;
	json_error_t	 e;

	if (!WIFEXITED(j->status) || WEXITSTATUS(j->status) != 0 ||
	    (a = json_loadb(j->out->data, buf_len(j->out), 0, &e)) == NULL) {
		log_error("control: the scan process %s", WIFSIGNALED(j->status)
		    ? "was killed by a signal" : "failed");
		api_error(j->r, MHD_HTTP_INTERNAL_SERVER_ERROR, "the scan "
		    "failed (see the log)");
		return;
	}
	if (json_object_get(a, "error") != NULL)
		j->r->status = MHD_HTTP_BAD_REQUEST;
	api_json(j->r, a);
}

/* ctljob_free - a job and all it holds (its input wiped: it may hold
 * a password) */

static void
ctljob_free(struct ctljob *j)
{
	conf_list_free(j->argv);
	if (j->input != NULL)
		explicit_bzero(j->input, j->len);
	free(j->input);
	free(j->tmpfile);
	json_decref(j->request);
	buf_free(j->out);
	if (j->errfd >= 0)
		(void)close(j->errfd);
	free(j);
}

/* ctljob_after - in the loop: answer the request */

static void
ctljob_after(uv_work_t *w, int status)
{
	struct ctljob	*j = w->data;
	struct control_req *r = j->r;

	(void)status;
	buf_reset(r->body);
	if (j->err[0] != '\0') {
		log_error("control: %s", j->err);
		api_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, j->err);
	} else if (j->timed_out) {
		log_warn("control: %s %s took longer than [control] "
		    "job_timeout: stopped", r->method, r->path);
		api_error(r, MHD_HTTP_GATEWAY_TIMEOUT, "this took longer than "
		    "[control] job_timeout and was stopped");
	} else if (j->kind == CTLJOB_COMMAND) {
		ctljob_answer_command(j);
	} else if (j->kind == CTLJOB_JSON) {
		ctljob_answer_json(j);
	} else if (j->kind == CTLJOB_BODY) {
		ctljob_answer_body(j);
	} else {
		ctljob_answer_scan(j);
	}
	ctljob_free(j);
	control_job_done(r);
}

/* ctljob_start - queue a job for a request */

static void
ctljob_start(struct ctljob *j, struct control_req *r)
{
	j->r = r;
	j->w.data = j;
	j->out = buf_new(4096);
	j->status = -1;
	r->job = j;
	if (ctljob_disabled || uv_queue_work(uv_default_loop(), &j->w, ctljob_run,
	    ctljob_after) != 0) {
		r->job = NULL;
		api_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "cannot start the "
		    "job");
		if (j->tmpfile != NULL)
			(void)unlink(j->tmpfile);
		ctljob_free(j);
	}
}

/* ctljob_new - a job of kind running argv, input copied for its
 * standard input */

static struct ctljob *
ctljob_new(enum ctljob_kind kind, char **argv, const char *input,
    size_t len)
{
	struct ctljob	*j = xcalloc(1, sizeof(*j));

	j->kind = kind;
	j->argv = argv;
	j->out_max = CTLJOB_OUTPUT_MAX;
	j->errfd = -1;
	if (len > 0) {
		j->input = xmalloc(len);
		memcpy(j->input, input, len);
		j->len = len;
	}
	return (j);
}

/* ctljob_command - run a program for a request */

void
ctljob_command(struct control_req *r, char **argv, const char *input,
    size_t len, const char *tmpfile, ctljob_map_fn *map)
{
	struct ctljob	*j = ctljob_new(CTLJOB_COMMAND, argv, input, len);

	j->tmpfile = tmpfile != NULL ? xstrdup(tmpfile) : NULL;
	j->map = map;
	ctljob_start(j, r);
}

/* ctljob_json - run a fleet command for a request: its JSON is the
 * answer */

void
ctljob_json(struct control_req *r, char **argv, const char *input,
    size_t len, ctljob_map_fn *map)
{
	struct ctljob	*j = ctljob_new(CTLJOB_JSON, argv, input, len);

	j->map = map;
	ctljob_start(j, r);
}

/* ctljob_body - run a fleet command for a request: what it prints is
 * the answer's body, of type type (at most max bytes) */

void
ctljob_body(struct control_req *r, char **argv, const char *input,
    size_t len, ctljob_map_fn *map, const char *type, size_t max)
{
	struct ctljob	*j = ctljob_new(CTLJOB_BODY, argv, input, len);

	j->map = map;
	j->type = type;
	if (max > j->out_max)
		j->out_max = max;
	ctljob_start(j, r);
}

/* ctljob_command_answer - run a program for a request whose answer fn
 * makes from its exit status and output */

void
ctljob_command_answer(struct control_req *r, char **argv, const char *input,
    size_t len, ctljob_answer_fn *fn)
{
	struct ctljob	*j = ctljob_new(CTLJOB_COMMAND, argv, input, len);

	j->answer = fn;
	ctljob_start(j, r);
}

/* ctljob_scan - scan a message for a request */

void
ctljob_scan(struct control_req *r, json_t *request)
{
	struct ctljob	*j = xcalloc(1, sizeof(*j));

	j->kind = CTLJOB_SCAN;
	j->out_max = CTLJOB_OUTPUT_MAX;
	j->errfd = -1;
	j->request = json_incref(request);
	ctljob_start(j, r);
}

struct ctljob_locked {
	uv_work_t	 w;
	void		(*fn)(void);
};

static int	 ctljob_monitor_busy;

/* ctljob_locked_run - fn under the job lock */

static void
ctljob_locked_run(uv_work_t *w)
{
	struct ctljob_locked *l = w->data;

	(void)pthread_mutex_lock(&ctljob_lock);
	l->fn();
	(void)pthread_mutex_unlock(&ctljob_lock);
}

/* ctljob_locked_done - free it */

static void
ctljob_locked_done(uv_work_t *w, int status)
{
	(void)status;
	free(w->data);
	ctljob_monitor_busy = 0;
}

/* ctljob_locked - run fn in the pool under the lock, unless the last
 * round still runs */

void
ctljob_locked(void (*fn)(void))
{
	struct ctljob_locked *l;

	if (ctljob_monitor_busy)
		return;
	l = xcalloc(1, sizeof(*l));
	l->fn = fn;
	l->w.data = l;
	ctljob_monitor_busy = 1;
	if (uv_queue_work(uv_default_loop(), &l->w, ctljob_locked_run,
	    ctljob_locked_done) != 0) {
		ctljob_monitor_busy = 0;
		free(l);
	}
}
