/*
 * master.c - listeners, the child pool, signals
 *
 * The master is kept small and dull, as Postfix's is: it binds, forks,
 * reaps, counts idle children and throttles.  It never reads a byte of
 * mail: untrusted input is parsed only in children, which drop privileges
 * before they accept anything.
 *
 * Signals only write a byte to a self-pipe; the main loop polls that pipe,
 * the wake pipe (children write to it when idle children run short; their
 * states are in the shared scoreboard) and - only when every child has been
 * busy, with the pool at max_children, for busy_grace - the listeners, to
 * answer new connections with a quick 421 4.3.2 instead of leaving the MTA
 * to time out.  Within the grace a new connection waits in the listen
 * queue, where a child that finishes its session takes it (Postfix's
 * master leaves them there too): a child still counts busy for a moment
 * after its 221, and a pool exactly at the MTA's maxproc must not answer
 * 421 at that boundary.
 *
 *   SIGHUP   re-read the configuration; if it is valid, start a new
 *            generation of children and retire the old one gracefully; if
 *            not, log why and keep running as before.
 *   SIGTERM  stop accepting, let sessions finish for up to exit_delay,
 *   SIGINT   then kill what is left (the upstream retries) and exit.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

/* lib */
#include "buf.h"
#include "conf.h"
#include "log.h"
#include "proctitle.h"
#include "timeutil.h"
#include "xalloc.h"

/* checks: what the master loaded, for the status */
#include "av.h"
#include "content.h"

/* stats */
#include "live.h"
#include "tally.h"

/* server */
#include "control.h"
#include "server.h"

struct mchild {
	pid_t		 pid;
	uint32_t	 generation;
	unsigned int	 slot;		/* in the scoreboard */
};

static struct mchild	*master_kids;
static size_t		 master_nkids, master_capkids;
static struct listener	*master_l;
static int		 master_nl;
static char		*master_listen_text;
static uint32_t		 master_gen = 1;
static int		 master_sigpipe[2] = { -1, -1 };
static int		 master_wake[2] = { -1, -1 };
static struct scoreboard *master_sb;
static uint64_t		 master_throttle_until;
static uint64_t		 master_busy_warned;
static uint64_t		 master_full_since;	/* every child busy since */
static uint32_t		 master_full_moves;	/* sessions begun, then */
static const char	*master_config;
static uid_t		 master_uid;
static gid_t		 master_gid;
static int		 master_drop;	/* children switch user */
static struct live_info	 master_info;	/* what the live file says */
/* The helper processes: started when wanted, restarted when they end (after
 * a pause when they died young), stopped and started again on a reload. */
struct mhelper {
	const char	*name;
	int		(*wanted)(void);
	void		(*prepare)(void);	/* as root, NULL */
	void		(*main)(void) __attribute__((noreturn));
	pid_t		 pid;
	uint64_t	 started;
	uint64_t	 after;		/* throttle */
};

static struct mhelper	 master_helpers[] = {
	{ "control", control_wanted, control_prepare, control_main, 0, 0, 0 },
	{ "fleet", fleet_wanted, fleet_prepare, fleet_main, 0, 0, 0 },
};
#define MASTER_NHELPERS	(sizeof(master_helpers) / sizeof(master_helpers[0]))

static void	master_one_line(struct buf *);
static uint64_t		 master_published;

/* master_sig - note a signal for the main loop */

static void
master_sig(int sig)
{
	unsigned char	 c = (unsigned char)sig;
	int		 saved = errno;

	(void)write(master_sigpipe[1], &c, 1);
	errno = saved;
}

/* master_signals - install handlers */

static void
master_signals(void)
{
	struct sigaction sa;

	if (pipe2(master_sigpipe, O_CLOEXEC | O_NONBLOCK) < 0)
		log_fatal("pipe: %s", strerror(errno));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = master_sig;
	sa.sa_flags = SA_RESTART;
	(void)sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGHUP, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGCHLD, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	(void)sigaction(SIGPIPE, &sa, NULL);
}

/* master_user - look up the unprivileged user and group */

static void
master_user(void)
{
	struct passwd	*pw;
	struct group	*gr;

	master_drop = 0;
	if (geteuid() != 0) {
		log_debug("not started as root: children run as uid %ld",
		    (long)geteuid());
		return;
	}
	if (server_conf.user[0] == '\0')
		log_fatal_code(EX_CONFIG, "[server] user is empty: winnowd "
		    "will not filter mail as root");
	if ((pw = getpwnam(server_conf.user)) == NULL)
		log_fatal_code(EX_NOUSER, "[server] user \"%s\" does not exist;"
		    " create it (adduser --system --group %s) or set user= to "
		    "an existing unprivileged account", server_conf.user,
		    server_conf.user);
	if (pw->pw_uid == 0)
		log_fatal_code(EX_CONFIG, "[server] user \"%s\" is root: "
		    "choose an unprivileged account", server_conf.user);
	master_uid = pw->pw_uid;
	master_gid = pw->pw_gid;
	if (server_conf.group[0] != '\0') {
		if ((gr = getgrnam(server_conf.group)) == NULL)
			log_fatal_code(EX_NOUSER, "[server] group \"%s\" does "
			    "not exist", server_conf.group);
		master_gid = gr->gr_gid;
	}
	master_drop = 1;
}

/* master_outq_dir - spool_dir/outq (DSNs and notifications to send),
 * it and its files owned by the user */

static int
master_outq_dir(struct buf *why)
{
	char		 dir[PATH_MAX], path[PATH_MAX];
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;

	(void)snprintf(dir, sizeof(dir), "%s/outq", smtp_conf.spool_dir);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		buf_printf(why, "cannot create %s: %s", dir, strerror(errno));
		return (-1);
	}
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		buf_printf(why, "%s is not a directory", dir);
		return (-1);
	}
	if (!master_drop || st.st_uid == master_uid)
		return (0);
	/* user changed: hand the queue over, files and all */
	if (chown(dir, master_uid, master_gid) < 0) {
		buf_printf(why, "cannot give %s to %s: %s", dir,
		    server_conf.user, strerror(errno));
		return (-1);
	}
	if ((d = opendir(dir)) == NULL)
		return (0);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' && snprintf(path, sizeof(path),
		    "%s/%s", dir, de->d_name) < (int)sizeof(path))
			(void)lchown(path, master_uid, master_gid);
	(void)closedir(d);
	return (0);
}

/* master_spool_dir - create the spool directory, owned by the user */

static int
master_spool_dir(struct buf *why)
{
	struct stat	 st;

	if (mkdir(smtp_conf.spool_dir, 0700) < 0 && errno != EEXIST) {
		buf_printf(why, "cannot create spool_dir %s: %s",
		    smtp_conf.spool_dir, strerror(errno));
		return (-1);
	}
	if (stat(smtp_conf.spool_dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		buf_printf(why, "spool_dir %s is not a directory",
		    smtp_conf.spool_dir);
		return (-1);
	}
	if (master_drop && (st.st_uid != master_uid ||
	    (st.st_mode & 0777) != 0700) &&
	    (chown(smtp_conf.spool_dir, master_uid, master_gid) < 0 ||
	    chmod(smtp_conf.spool_dir, 0700) < 0)) {
		buf_printf(why, "cannot give spool_dir %s to %s: %s",
		    smtp_conf.spool_dir, server_conf.user, strerror(errno));
		return (-1);
	}
	return (master_outq_dir(why));
}

/* master_bind - open every configured listener */

static int
master_bind(struct listener **lp, int *nlp, struct buf *why)
{
	struct listener	*l;
	int		 n, i;

	if ((n = listeners_parse(server_conf.listen, &l, why)) < 0)
		return (-1);
	for (i = 0; i < n; i++) {
		l[i].fd = endpoint_listen(&l[i].ep,
		    (int)server_conf.listen_backlog, why);
		if (l[i].fd < 0) {
			while (--i >= 0)
				(void)close(l[i].fd);
			listeners_free(l, n);
			return (-1);
		}
		(void)fcntl(l[i].fd, F_SETFL, fcntl(l[i].fd, F_GETFL) |
		    O_NONBLOCK);
	}
	*lp = l;
	*nlp = n;
	return (0);
}

/* master_unbind - stop listening and close listeners */

static void
master_unbind(struct listener *l, int n)
{
	int	 i;

	for (i = 0; i < n; i++) {
		/* Children hold copies of the descriptor: shutdown() stops
		 * the socket listening for all of them, so new connections are
		 * refused at once instead of waiting in a backlog that nobody
		 * will accept from. */
		if (l[i].fd >= 0 && l[i].ep.kind == ENDPOINT_TCP)
			(void)shutdown(l[i].fd, SHUT_RDWR);
		if (l[i].fd >= 0)
			(void)close(l[i].fd);
		if (l[i].ep.kind == ENDPOINT_UNIX)
			(void)unlink(l[i].ep.path);
	}
	listeners_free(l, n);
}

/* master_drop_privileges - in a new child: become the unprivileged user */

static void
master_drop_privileges(void)
{
	if (!master_drop)
		return;
	if (setgroups(1, &master_gid) < 0 ||
	    setresgid(master_gid, master_gid, master_gid) < 0 ||
	    setresuid(master_uid, master_uid, master_uid) < 0)
		log_fatal_code(EX_OSERR, "cannot switch to user %s: %s",
		    server_conf.user, strerror(errno));
	if (setresuid(0, 0, 0) == 0)
		log_fatal_code(EX_OSERR, "could regain root after dropping "
		    "privileges: refusing to run");
}

/* master_slot_alloc - a free scoreboard slot, or -1 */

static int
master_slot_alloc(void)
{
	unsigned int	 i;

	for (i = 0; i < SCOREBOARD_SLOTS; i++) {
		if (master_sb->slot[i].state != CHILD_FREE)
			continue;
		memset((void *)&master_sb->slot[i], 0, sizeof(struct slot));
		master_sb->slot[i].state = CHILD_STARTING;
		master_sb->slot[i].generation = master_gen;
		if (i >= master_sb->nslots)
			master_sb->nslots = i + 1;
		return ((int)i);
	}
	return (-1);
}

/* master_spawn - start one child of the current generation */

static void
master_spawn(void)
{
	struct mchild	*k;
	sigset_t	 all, old;
	pid_t		 pid;
	int		 slot;

	if ((slot = master_slot_alloc()) < 0) {
		log_error("no free scoreboard slot (%d children alive?)",
		    SCOREBOARD_SLOTS);
		return;
	}
	/* Signals wait until the child has its own handlers: a SIGTERM for
	 * a child that arrived before that ran the master's handler, which
	 * wrote "SIGTERM" into the master's self-pipe - and a reload storm
	 * stopped the whole daemon. */
	(void)sigfillset(&all);
	(void)sigprocmask(SIG_BLOCK, &all, &old);
	if ((pid = fork()) < 0) {
		(void)sigprocmask(SIG_SETMASK, &old, NULL);
		log_error("fork: %s; will try again", strerror(errno));
		master_sb->slot[slot].state = CHILD_FREE;
		master_throttle_until = time_now_ms() + 1000;
		return;
	}
	if (pid == 0) {
		(void)close(master_sigpipe[0]);
		(void)close(master_sigpipe[1]);
		(void)close(master_wake[0]);
		control_close_fds();
		master_sb->slot[slot].pid = getpid();
		master_drop_privileges();
		child_main(master_l, master_nl, master_sb, (unsigned int)slot,
		    master_wake[1]);
	}
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	master_sb->slot[slot].pid = pid;
	if (master_nkids == master_capkids) {
		master_capkids = master_capkids ? master_capkids * 2 : 16;
		master_kids = xreallocarray(master_kids, master_capkids,
		    sizeof(*master_kids));
	}
	k = &master_kids[master_nkids++];
	memset(k, 0, sizeof(*k));
	k->pid = pid;
	k->generation = master_gen;
	k->slot = (unsigned int)slot;
}

/* master_helper_spawn - start a helper process when it is wanted */

static void
master_helper_spawn(struct mhelper *h)
{
	pid_t	 pid;
	int	 i;

	if (h->pid != 0 || !h->wanted() || time_now_ms() < h->after)
		return;
	if ((pid = fork()) < 0) {
		log_error("fork of the %s process: %s", h->name,
		    strerror(errno));
		h->after = time_now_ms() + 1000;
		return;
	}
	if (pid == 0) {
		(void)close(master_sigpipe[0]);
		(void)close(master_sigpipe[1]);
		(void)close(master_wake[0]);
		(void)close(master_wake[1]);
		for (i = 0; i < master_nl; i++)
			(void)close(master_l[i].fd);
		if (h->main != control_main)
			control_close_fds();
		if (h->prepare != NULL)
			h->prepare();
		master_drop_privileges();
		h->main();
	}
	h->pid = pid;
	h->started = time_now_ms();
}

/* master_helpers_spawn - start every helper that is wanted */

static void
master_helpers_spawn(void)
{
	size_t	 i;

	for (i = 0; i < MASTER_NHELPERS; i++)
		master_helper_spawn(&master_helpers[i]);
}

/* master_helper_reaped - a helper ended: start another, after a pause
 * when it died young */

static int
master_helper_reaped(pid_t pid, int status)
{
	struct mhelper	*h = NULL;
	size_t		 i;

	for (i = 0; i < MASTER_NHELPERS; i++)
		if (pid != 0 && master_helpers[i].pid == pid)
			h = &master_helpers[i];
	if (h == NULL)
		return (0);
	h->pid = 0;
	if (WIFSIGNALED(status) && WTERMSIG(status) != SIGTERM)
		log_warn("%s process %ld killed by signal %d", h->name,
		    (long)pid, WTERMSIG(status));
	else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		log_warn("%s process %ld exited with status %d", h->name,
		    (long)pid, WEXITSTATUS(status));
	if (time_now_ms() - h->started < 10000 &&
	    (WIFSIGNALED(status) ? WTERMSIG(status) != SIGTERM :
	    WEXITSTATUS(status) != 0))
		h->after = time_now_ms() + (server_conf.
		    throttle_delay > 1000 ? server_conf.throttle_delay : 1000);
	return (1);
}

/* master_helpers_stop - ask the helpers to go (reload, stop) */

static void
master_helpers_stop(void)
{
	size_t	 i;

	for (i = 0; i < MASTER_NHELPERS; i++)
		if (master_helpers[i].pid != 0)
			(void)kill(master_helpers[i].pid, SIGTERM);
}

/* master_helpers_alive - how many helpers run */

static int
master_helpers_alive(void)
{
	size_t	 i;
	int	 n = 0;

	for (i = 0; i < MASTER_NHELPERS; i++)
		n += master_helpers[i].pid != 0;
	return (n);
}

/* master_helpers_kill - SIGKILL the helpers still there */

static void
master_helpers_kill(void)
{
	size_t	 i;

	for (i = 0; i < MASTER_NHELPERS; i++)
		if (master_helpers[i].pid != 0)
			(void)kill(master_helpers[i].pid, SIGKILL);
}

/* master_slot - the scoreboard slot of a child */

static struct slot *
master_slot(const struct mchild *k)
{
	return (&master_sb->slot[k->slot]);
}

/* master_find - the record of a child */

static struct mchild *
master_find(pid_t pid)
{
	size_t	 i;

	for (i = 0; i < master_nkids; i++)
		if (master_kids[i].pid == pid)
			return (&master_kids[i]);
	return (NULL);
}

/* master_clean_after - a child died without cleaning up: remove what it
 * left, as the children's user in a short-lived process, so root never
 * walks a tree that user can change under it (reaped like any process
 * that is not a child: master_find does not know it) */

static void
master_clean_after(pid_t dead)
{
	pid_t	 pid;

	if ((pid = fork()) < 0) {
		log_warn("fork: %s; what child %ld left is removed at the "
		    "next start", strerror(errno), (long)dead);
		return;
	}
	if (pid > 0)
		return;
	(void)signal(SIGHUP, SIG_DFL);
	(void)signal(SIGTERM, SIG_DFL);
	(void)signal(SIGINT, SIG_DFL);
	(void)signal(SIGCHLD, SIG_DFL);
	(void)close(master_sigpipe[0]);
	(void)close(master_sigpipe[1]);
	master_drop_privileges();
	server_child_gone(dead);
	_exit(0);
}

/* master_reap - collect exited children, throttle on bad starts */

static void
master_reap(void)
{
	struct mchild	*k;
	struct slot	*sl;
	pid_t		 pid;
	int		 status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (master_helper_reaped(pid, status))
			continue;
		if ((k = master_find(pid)) == NULL)
			continue;
		sl = master_slot(k);
		tally_child_exit(server_live, WIFSIGNALED(status) ||
		    WEXITSTATUS(status) != 0);
		if (WIFSIGNALED(status))
			log_warn("child %ld killed by signal %d%s", (long)pid,
			    WTERMSIG(status), sl->state == CHILD_BUSY ?
			    " during a session (the upstream will retry)" : "");
		else if (WEXITSTATUS(status) != 0)
			log_warn("child %ld exited with status %d", (long)pid,
			    WEXITSTATUS(status));
		if (WIFSIGNALED(status) || WEXITSTATUS(status) != 0)
			master_clean_after(pid);
		if ((WIFSIGNALED(status) || WEXITSTATUS(status) != 0) &&
		    !sl->served && !sl->stopping &&
		    server_conf.throttle_delay > 0) {
			log_warn("child %ld died before serving anything: "
			    "pausing child creation for %us (throttle_delay)",
			    (long)pid, server_conf.throttle_delay / 1000);
			master_throttle_until = time_now_ms() +
			    server_conf.throttle_delay;
		}
		sl->state = CHILD_FREE;
		*k = master_kids[--master_nkids];
	}
}

/* master_drain_wake - empty the wake pipe (the scoreboard has the news) */

static void
master_drain_wake(void)
{
	char	 junk[256];

	while (read(master_wake[0], junk, sizeof(junk)) > 0)
		;
}

/* master_counts - children of the current generation, and idle ones */

static void
master_counts(size_t *total, size_t *idle)
{
	size_t	 i;

	*total = *idle = 0;
	for (i = 0; i < master_nkids; i++) {
		const struct slot *sl = master_slot(&master_kids[i]);

		if (sl->stopping)
			continue;
		(*total)++;
		if (sl->state != CHILD_BUSY)
			(*idle)++;
	}
}

/* master_adjust - keep between min_spare and max_spare idle children */

static void
master_adjust(void)
{
	size_t	 total, idle, i;

	master_counts(&total, &idle);
	if (time_now_ms() >= master_throttle_until) {
		/* At least one child must be there to accept. */
		while ((idle < server_conf.min_spare || total == 0) &&
		    total < server_conf.max_children) {
			master_spawn();
			total++;
			idle++;
		}
	}
	for (i = 0; i < master_nkids && idle > server_conf.max_spare; i++) {
		struct slot *sl = master_slot(&master_kids[i]);

		if (sl->state == CHILD_IDLE && !sl->stopping) {
			sl->stopping = 1;
			(void)kill(master_kids[i].pid, SIGTERM);
			idle--;
		}
	}
}

/* master_busy_reply - all children busy: a quick 421 */

static void
master_busy_reply(int lfd)
{
	char	 msg[300];
	int	 fd, n;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC |
	    SOCK_NONBLOCK)) >= 0) {
		n = snprintf(msg, sizeof(msg), "421 4.3.2 %s Service busy, "
		    "try again later\r\n", smtp_conf.hostname);
		(void)write(fd, msg, (size_t)n);
		(void)close(fd);
		if (time_now_ms() - master_busy_warned > 60000) {
			master_busy_warned = time_now_ms();
			log_warn("all %u children are busy: new connections "
			    "get 421 4.3.2; raise max_children if the machine "
			    "has room", server_conf.max_children);
		}
	}
}

/* master_moves - how many sessions the children have begun (a sum that
 * wraps; only changes matter) */

static uint32_t
master_moves(void)
{
	uint32_t	 n = 0;
	size_t		 i;

	for (i = 0; i < master_nkids; i++)
		n += master_slot(&master_kids[i])->nbusy;
	return (n);
}

/* master_saturated - whether the pool has been full for busy_grace with no
 * child taking a new session (then the master answers new connections);
 * *timeout_r: how long to sleep */

static int
master_saturated(size_t total, size_t idle, int *timeout_r)
{
	uint64_t	 now = time_now_ms(), grace = server_conf.busy_grace;
	uint32_t	 moves = master_moves();

	*timeout_r = 1000;
	if (idle > 0 || total < server_conf.max_children) {
		master_full_since = 0;
		return (0);
	}
	if (master_full_since == 0 || moves != master_full_moves) {
		/* Full, but a child just took a connection: the queue
		 * moves, so the grace starts again. */
		master_full_since = now;
		master_full_moves = moves;
	}
	if (now - master_full_since >= grace)
		return (1);
	if (master_full_since + grace - now < 1000)
		*timeout_r = (int)(master_full_since + grace - now);
	return (0);
}

/* master_stop_generation - ask children of older generations to leave */

static void
master_stop_generation(uint32_t keep)
{
	size_t	 i;

	for (i = 0; i < master_nkids; i++) {
		if (master_kids[i].generation == keep ||
		    master_slot(&master_kids[i])->stopping)
			continue;
		master_slot(&master_kids[i])->stopping = 1;
		(void)kill(master_kids[i].pid, SIGTERM);
	}
}

/* master_reload - SIGHUP: new configuration, new children */

static void
master_reload(void)
{
	struct buf	*why = buf_new(256);
	struct listener	*nl;
	int		 nnl;

	log_info("reloading configuration from %s", master_config ?
	    master_config : "(built-in defaults)");
	master_info.reload_time = (int64_t)time(NULL);
	if (server_load_config(master_config, why) < 0) {
		master_one_line(why);
		log_error("reload failed, still running on the previous "
		    "configuration: %s", buf_str(why));
		master_info.reload_ok = 0;
		(void)snprintf(master_info.reload_text,
		    sizeof(master_info.reload_text), "%s", buf_str(why));
		master_published = 0;
		buf_free(why);
		return;
	}
	master_info.reload_ok = 1;
	master_info.reload_text[0] = '\0';
	if (strcmp(master_listen_text, server_conf.listen) != 0) {
		master_unbind(master_l, master_nl);
		master_l = NULL;
		master_nl = 0;
		buf_reset(why);
		if (master_bind(&nl, &nnl, why) < 0) {
			log_error("reload: cannot listen: %s; not accepting "
			    "mail until fixed and reloaded", buf_str(why));
		} else {
			master_l = nl;
			master_nl = nnl;
		}
		free(master_listen_text);
		master_listen_text = xstrdup(server_conf.listen);
	}
	master_user();
	buf_reset(why);
	if (master_spool_dir(why) < 0)
		log_error("reload: %s", buf_str(why));
	buf_reset(why);
	if (control_bind(master_config, master_gid, master_drop, why) < 0)
		log_error("reload: control: %s", buf_str(why));
	master_helpers_stop();		/* they start again, reconfigured */
	buf_reset(why);
	if (server_load_modules(0, why) < 0)
		log_error("reload: %s; that module keeps its previous data",
		    buf_str(why));
	master_gen++;
	master_stop_generation(master_gen);
	master_throttle_until = 0;
	master_published = 0;
	log_notice("configuration reloaded; generation %u", master_gen);
	buf_free(why);
}

/* master_shutdown - SIGTERM: drain and exit */

static void
master_shutdown(void)
{
	uint64_t	 until = time_now_ms() + server_conf.exit_delay;
	size_t		 i;

	log_info("stopping: waiting up to %us for %zu children",
	    server_conf.exit_delay / 1000, master_nkids);
	master_unbind(master_l, master_nl);
	master_l = NULL;
	master_nl = 0;
	for (i = 0; i < master_nkids; i++)
		(void)kill(master_kids[i].pid, SIGTERM);
	master_helpers_stop();
	while ((master_nkids > 0 || master_helpers_alive()) &&
	    time_now_ms() < until) {
		(void)usleep(20000);
		master_reap();
	}
	master_helpers_kill();
	for (i = 0; i < master_nkids; i++) {
		log_warn("child %ld still busy after exit_delay: killing it "
		    "(the upstream will retry its message)",
		    (long)master_kids[i].pid);
		(void)kill(master_kids[i].pid, SIGKILL);
	}
	while ((master_nkids > 0 || master_helpers_alive()) &&
	    waitpid(-1, NULL, 0) > 0)
		master_reap();
	rollup_stop();
	if (server_conf.pidfile[0] != '\0')
		(void)unlink(server_conf.pidfile);
	log_info("stopped");
}

/* master_pidfile - record our pid */

static void
master_pidfile(void)
{
	FILE	*fp;

	if (server_conf.pidfile[0] == '\0')
		return;
	if ((fp = fopen(server_conf.pidfile, "w")) == NULL ||
	    fprintf(fp, "%ld\n", (long)getpid()) < 0 || fclose(fp) != 0)
		log_fatal_code(EX_CANTCREAT, "cannot write pidfile %s: %s",
		    server_conf.pidfile, strerror(errno));
}

/* master_one_line - the errors of a failed load on one line */

static void
master_one_line(struct buf *b)
{
	struct buf	*l = buf_new(buf_len(b) + 64);
	size_t		 i;

	while (buf_len(b) > 0 && b->data[buf_len(b) - 1] == '\n')
		buf_truncate(b, buf_len(b) - 1);
	for (i = 0; i < buf_len(b); i++) {
		if (b->data[i] == '\n')
			buf_puts(l, "; ");
		else
			buf_putc(l, b->data[i]);
	}
	buf_reset(b);
	buf_append(b, l->data, buf_len(l));
	buf_free(l);
}

/* master_publish - what the live file's header says, at most once a
 * second (saturated: every child busy at max_children) */

static void
master_publish(int saturated)
{
	struct content_model_info mi;
	struct av_db_info ai;

	if (saturated && master_info.saturated_since == 0) {
		master_info.saturated_since = (int64_t)time(NULL);
		master_published = 0;
	} else if (!saturated && master_info.saturated_since != 0) {
		master_info.saturated_since = 0;
		master_published = 0;
	}
	if (master_published != 0 && time_now_ms() - master_published < 1000)
		return;
	master_published = time_now_ms();
	master_info.master_pid = getpid();
	master_info.generation = master_gen;
	master_info.max_children = server_conf.max_children;
	av_db_info(&ai);
	master_info.av_signatures = ai.signatures;
	master_info.av_version = ai.version;
	master_info.av_time = ai.time;
	content_model_info(&mi);
	(void)snprintf(master_info.model_path, sizeof(master_info.model_path),
	    "%s", mi.path != NULL ? mi.path : "");
	master_info.model_mtime = mi.mtime;
	rollup_info(&master_info);
	live_set_info(server_live, &master_info);
}

/* master_handle_signals - act on what the self-pipe says */

static int
master_handle_signals(void)
{
	unsigned char	 sigs[64];
	ssize_t		 n, i;
	int		 reload = 0, stop = 0;

	while ((n = read(master_sigpipe[0], sigs, sizeof(sigs))) > 0) {
		for (i = 0; i < n; i++) {
			if (sigs[i] == SIGHUP)
				reload = 1;
			else if (sigs[i] == SIGTERM || sigs[i] == SIGINT)
				stop = 1;
		}
	}
	master_reap();
	if (stop)
		return (1);
	if (reload)
		master_reload();
	return (0);
}

/* master_main - run the master */

int
master_main(const char *config_path, int foreground, void (*ready)(void))
{
	struct pollfd	 pfd[67];
	struct buf	*why = buf_new(256);
	size_t		 total, idle;
	int		 npfd, i, timeout, saturated;

	(void)foreground;
	master_config = config_path;
	log_init("winnowd/master");
	proctitle_set("winnowd: master");
	master_signals();
	master_user();
	if (master_spool_dir(why) < 0)
		log_fatal_code(EX_CANTCREAT, "%s", buf_str(why));
	master_info.started = (int64_t)time(NULL);
	master_info.reload_ok = 1;
	if (master_bind(&master_l, &master_nl, why) < 0)
		log_fatal_code(EX_UNAVAILABLE, "cannot listen: %s",
		    buf_str(why));
	buf_reset(why);
	if (control_bind(master_config, master_gid, master_drop, why) < 0)
		log_error("control: %s; the control process runs without a "
		    "listener", buf_str(why));
	buf_reset(why);
	if (server_load_modules(1, why) < 0)
		log_fatal_code(EX_CONFIG, "%s", buf_str(why));
	master_listen_text = xstrdup(server_conf.listen);
	master_pidfile();
	if (pipe2(master_wake, O_CLOEXEC | O_NONBLOCK) < 0)
		log_fatal("wake pipe: %s", strerror(errno));
	/* The live file holds the scoreboard, the counters, the history. */
	rollup_start(master_uid, master_gid, master_drop);
	master_sb = live_scoreboard(server_live);
	master_publish(0);
	log_notice("started: listening on %s, forwarding to %s (%s), "
	    "children %u..%u", server_conf.listen, smtp_conf.forward,
	    smtp_conf.forward_protocol == PROTO_LMTP ? "lmtp" : "smtp",
	    server_conf.start_children, server_conf.max_children);
	/* Up: from here on the log goes where it should (children inherit
	 * that). */
	if (ready != NULL)
		ready();
	for (i = 0; i < (int)server_conf.start_children; i++)
		master_spawn();

	for (;;) {
		if (server_check_databases()) {
			master_gen++;
			master_stop_generation(master_gen);
			master_published = 0;
		}
		master_adjust();
		master_counts(&total, &idle);
		saturated = master_saturated(total, idle, &timeout);
		rollup_tick(0);
		master_publish(saturated);
		master_helpers_spawn();
		npfd = 0;
		pfd[npfd].fd = master_sigpipe[0];
		pfd[npfd++].events = POLLIN;
		pfd[npfd].fd = master_wake[0];
		pfd[npfd++].events = POLLIN;
		pfd[npfd].fd = control_reload_fd();
		pfd[npfd++].events = POLLIN;
		for (i = 0; saturated && i < master_nl && npfd < 67; i++) {
			pfd[npfd].fd = master_l[i].fd;
			pfd[npfd++].events = POLLIN;
		}
		if (master_throttle_until > time_now_ms() &&
		    master_throttle_until - time_now_ms() < (uint64_t)timeout)
			timeout = (int)(master_throttle_until - time_now_ms());
		if (poll(pfd, (nfds_t)npfd, timeout) < 0 && errno != EINTR)
			log_fatal("poll: %s", strerror(errno));
		if (pfd[1].revents & POLLIN)
			master_drain_wake();
		if ((pfd[0].revents & POLLIN) && master_handle_signals())
			break;
		if ((pfd[2].revents & POLLIN) && control_reload_asked()) {
			log_notice("reload asked through the control API");
			master_reload();
		}
		for (i = 3; i < npfd; i++)
			if (pfd[i].revents & POLLIN) {
				/* Look again: a child may have just freed up
				 * and will take the connection itself. */
				master_counts(&total, &idle);
				if (idle == 0)
					master_busy_reply(pfd[i].fd);
				else
					(void)usleep(1000);
			}
	}
	master_shutdown();
	buf_free(why);
	return (EX_OK);
}
