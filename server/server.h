/*
 * server.h - winnowd's internal interfaces
 *
 * winnowd is a master (master.c) that binds the listeners, loads the shared
 * data and keeps a pool of children (child.c).  Each child serves one
 * SMTP/LMTP session at a time (sess.c): it frames DATA (framer.c) into a
 * spool, runs the checks and the policy (pipeline.c), reinjects the result
 * downstream (reinject.c, with stuff.c framing the output and reply.c
 * parsing the downstream's replies), and only then answers upstream.
 *
 * This header is private to the program (and its tests and fuzz targets).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_SERVER_H
#define WINNOW_SERVER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "endpoint.h"
#include "stream.h"

struct spool;

/*
 * Configuration: [server] (server_conf.c).  Set by the master, read-only in
 * children.
 */
enum proto { PROTO_AUTO, PROTO_SMTP, PROTO_LMTP };
enum bare_newline { BARE_NORMALIZE, BARE_REJECT };
enum on_error { ON_ERROR_TEMPFAIL, ON_ERROR_ACCEPT, ON_ERROR_REJECT };

struct server_conf {
	char		*listen;
	int		 protocol;		/* enum proto, default for listen */
	char		*forward;
	int		 forward_protocol;	/* PROTO_SMTP or PROTO_LMTP */
	char		*myhostname;
	char		*user;
	char		*group;
	char		*pidfile;
	char		*spool_dir;
	size_t		 spool_memory_limit;
	size_t		 spool_reserve;
	char		*syslog_facility;
	unsigned int	 start_children;
	unsigned int	 max_children;
	unsigned int	 min_spare;
	unsigned int	 max_spare;
	unsigned int	 max_messages;
	unsigned int	 max_messages_jitter;
	unsigned int	 max_idle;		/* ms */
	unsigned int	 exit_delay;		/* ms */
	unsigned int	 throttle_delay;	/* ms */
	unsigned int	 listen_backlog;
	size_t		 message_size_limit;
	unsigned int	 max_recipients;
	size_t		 max_line_length;
	int		 bare_newline;		/* enum bare_newline */
	unsigned int	 command_timeout;	/* ms */
	unsigned int	 data_timeout;		/* ms */
	unsigned int	 max_errors;
	unsigned int	 forward_connect_timeout;	/* ms */
	unsigned int	 forward_timeout;		/* ms */
	unsigned int	 forward_data_done_timeout;	/* ms */
	unsigned int	 forward_reuse_time;		/* ms */
	unsigned int	 forward_reuse_limit;
	unsigned int	 message_deadline;	/* ms, 0: none */
	unsigned int	 notice_retry;		/* ms */
	unsigned int	 notice_lifetime;	/* ms */
	int		 on_error;		/* enum on_error */
};

extern struct server_conf server_conf;
extern char		 server_hostname[256];	/* myhostname or gethostname */

/* Register [server]; call before conf_load. */
void	server_conf_register(void);

/* After conf_load: derived values (hostname); 0, or -1 with why. */
int	server_conf_finish(struct buf *why);

/* One configured listener. */
struct listener {
	struct endpoint	 ep;
	int		 proto;		/* enum proto */
	int		 fd;
};

/* Parse server_conf.listen into an array; returns the count or -1. */
int	listeners_parse(const char *, struct listener **, struct buf *why);
void	listeners_free(struct listener *, int n);

/*
 * framer.c - DATA from the wire to canonical message bytes
 */
struct framer {
	int		 state;
	size_t		 line_len;	/* bytes in the current line so far */
	size_t		 max_line;	/* 0: no limit */
	size_t		 size;		/* canonical bytes produced */
	size_t		 max_size;	/* 0: no limit */
	int		 bare_seen;	/* a bare CR or LF was normalised */
	int		 too_long;	/* a line exceeded max_line */
	int		 too_big;	/* size exceeded max_size */
	int		 done;		/* end of data seen */
	struct buf	*out;		/* canonical bytes (caller drains) */
};

/* Set up a framer for one DATA phase. */
void	framer_init(struct framer *, struct buf *out, size_t max_line,
	    size_t max_size);

/* Consume wire bytes up to and including the end-of-data line; returns
 * how many were consumed (less than len only when done). */
size_t	framer_feed(struct framer *, const char *, size_t len);

/*
 * stuff.c - canonical CRLF framing and dot-stuffing for output
 */
struct stuffer {
	int		 bol;		/* at beginning of a line */
	int		 cr;		/* last byte was a CR not yet resolved */
};

void	stuff_init(struct stuffer *);

/* Append len bytes to out with every bare CR or LF made CRLF and every
 * line starting with '.' stuffed. */
void	stuff_feed(struct stuffer *, struct buf *out, const char *, size_t);

/* Close the data: a final CRLF if needed, then ".\r\n". */
void	stuff_finish(struct stuffer *, struct buf *out);

/*
 * reply.c - SMTP/LMTP replies from the downstream
 */
#define REPLY_MAX_LINES	100
#define REPLY_MAX_LINE	2048

struct reply {
	int		 code;		/* 3 digits; 0 if none */
	char		 enh[16];	/* "2.0.0" if present, else "" */
	struct buf	*text;		/* the lines' text (after the code and
					 * the enhanced code), joined with \n */
	unsigned int	 nlines;
};

/* Parse one reply line: code, whether more lines follow, where the text
 * starts.  0 or -1 if it is not a reply line. */
int	reply_parse_line(const char *, size_t len, int *code, int *more,
	    const char **text);

void	reply_init(struct reply *);
void	reply_free(struct reply *);

/* Add one line to a reply being read; returns 1 when the reply is
 * complete, 0 when more lines are needed, -1 on a malformed reply (why). */
int	reply_add_line(struct reply *, const char *, size_t, struct buf *why);

/* Read one whole reply from a stream; WN_OK or WN_TEMP with why. */
int	reply_read(struct stream *, struct reply *, struct buf *why);

/* One line, header- and log-safe: "250 2.0.0 text" (first line only). */
void	reply_format(const struct reply *, struct buf *out);

/*
 * The transaction: envelope and message of one MAIL..DATA.
 */
struct xforward {
	int		 set;		/* an XFORWARD was received */
	char		*name, *addr, *port, *proto, *helo, *ident, *source;
};

struct rcpt {
	char		*addr;
	char		*notify;	/* NOTIFY= value, or NULL */
	char		*orcpt;		/* ORCPT= value (xtext), or NULL */
	/* results */
	int		 code;		/* final reply code for this recipient */
	struct buf	*reply;		/* its reply line ("250 2.0.0 ...") */
	int		 group;		/* index of its delivery group */
};

enum body_type { BODY_UNSPEC, BODY_7BIT, BODY_8BITMIME };

struct msg {
	char		 qid[20];
	char		*sender;
	size_t		 size_decl;	/* SIZE= from MAIL, 0 if none */
	int		 body;		/* enum body_type */
	int		 smtputf8;
	char		*ret;		/* RET= */
	char		*envid;		/* ENVID= (xtext as received) */
	struct rcpt	*rcpts;
	size_t		 nrcpts;
	struct xforward	 xf;		/* attributes for this transaction */
	struct spool	*spool;
	const char	*bypass;	/* deliver unfiltered, marked with
					 * this X-Winnow-Info (not owned) */
	uint64_t	 start_ms;
	time_t		 arrival;
};

struct msg	*msg_new(const char *qid);
void		 msg_free(struct msg *);
struct rcpt	*msg_add_rcpt(struct msg *, const char *addr);
void		 xforward_clear(struct xforward *);
void		 xforward_copy(struct xforward *, const struct xforward *);

/* A new queue id (hex, unique per host). */
void		 qid_new(char *buf, size_t len);

/*
 * reinject.c - SMTP/LMTP client to the forward endpoint
 */
struct reinject;

/* One downstream transaction's envelope and content. */
struct edit_seg;

struct reinject_txn {
	const struct msg *msg;
	const char	*sender;	/* usually msg->sender */
	struct rcpt	**rcpts;	/* recipients to deliver */
	size_t		 nrcpts;
	const struct edit_seg *segs;	/* the content, in order */
	size_t		 nsegs;
	size_t		 size;		/* total bytes of the segments */
	int		 eightbit;	/* content has 8-bit bytes */
	/* results */
	int		 prepared;	/* DATA accepted, body sent, no dot */
	int		 naccepted;	/* recipients accepted at RCPT */
	int		 ntempfail;	/* recipients temp-failed so far */
	struct reinject	*conn;		/* connection carrying it */
	struct buf	*last;		/* last downstream reply, for logs */
};

/* Set up / release a transaction's result fields. */
void		 reinject_txn_init(struct reinject_txn *);
void		 reinject_txn_free(struct reinject_txn *);

/* Get a connection to the forward endpoint (the cached one if it is still
 * good).  NULL with why on failure. */
struct reinject	*reinject_open(struct buf *why);

/* Give a connection back: cached for reuse when reusable, else closed. */
void		 reinject_release(struct reinject *, int reusable);

/* Close every cached connection (QUIT). */
void		 reinject_close_all(void);

/* Send the envelope and, if any recipient is accepted (and none was
 * temp-failed, unless allow_tempfail), DATA and the body, without the final
 * dot.  Each recipient's code and reply are set from the downstream.  WN_OK when the
 * envelope phase completed (look at the per-recipient results), WN_TEMP on
 * a connection failure or timeout (why). */
int		 reinject_prepare(struct reinject *, struct reinject_txn *,
		    int allow_tempfail, struct buf *why);

/* Send the final dot and read the reply (SMTP: one, LMTP: one per accepted
 * recipient) into the per-recipient results.  WN_OK or WN_TEMP (why; the
 * message may or may not have been delivered). */
int		 reinject_commit(struct reinject *, struct reinject_txn *,
		    struct buf *why);

/* Bound every wait on this connection by an absolute deadline on the
 * monotonic clock (0: none); reinject_release() clears it. */
void		 reinject_set_deadline(struct reinject *, uint64_t deadline_ms);

/* Abandon a transaction: RSET before DATA, or drop the connection after
 * DATA so the downstream discards the message. */
void		 reinject_abort(struct reinject *, struct reinject_txn *);

/* The downstream's host for a DSN's Remote-MTA, or NULL. */
const char	*reinject_peer_host(void);

/* The downstream's name for logs ("tcp:127.0.0.1:10026"). */
const char	*reinject_peer(const struct reinject *);

/* Initialise per-process state (parse the forward endpoint). */
int		 reinject_init(struct buf *why);

/*
 * dsn.c - RFC 3464 delivery status notifications
 */
struct dsn_rcpt {
	const char	*addr;
	const char	*orcpt;		/* xtext or NULL */
	const char	*reply;		/* downstream reply line */
	int		 code;
};

/* Build a DSN for failed recipients of msg into out (headers and body,
 * CRLF).  headers_only: include only the header of the original (RET=HDRS
 * or a large message). */
void	dsn_build(struct buf *out, const struct msg *, const char *data,
	    size_t len, size_t header_len, const struct dsn_rcpt *, size_t n,
	    const char *remote, const char *qid);

/* Whether a recipient wants a failure DSN (NOTIFY absent or has FAILURE). */
int	dsn_wanted(const struct rcpt *);

/*
 * pipeline.c - from a spooled message to per-recipient replies
 */
struct sess_info {
	const char	*peer_addr;	/* who connected to us */
	const char	*helo;		/* what it said in HELO/EHLO/LHLO */
	int		 lmtp;		/* the upstream speaks LMTP */
	int		 esmtp;
};

/* Run checks, policy and reinjection for msg; fills each recipient's code
 * and reply.  For SMTP the caller answers with pipeline's *reply_r.  When
 * msg->bypass is set, no check runs and every recipient not yet decided
 * goes downstream unfiltered with "X-Winnow-Info: <bypass>". */
void	pipeline_run(const struct sess_info *, struct msg *,
	    struct buf *reply_r);

/* Send what pipeline_run left for after the reply - the DSN for refused
 * recipients and the notifications - so that they never delay the
 * upstream's answer (a before-queue proxy may be waiting). */
void	pipeline_after_reply(int answered);

/* winnowd: DSNs and notifications go through spool_dir/outq (not in
 * winnow-pipe, which has no one to send them again). */
extern int	pipeline_outq;

/* Between sessions (children of winnowd): send what spool_dir/outq holds
 * that is due, ending early when *stop is set, telling busy(1) / busy(0)
 * around any send; returns the milliseconds until the next look. */
unsigned int	pipeline_retry(const volatile sig_atomic_t *stop,
		    void (*busy)(int));

/*
 * sess.c - one SMTP/LMTP session from the upstream
 */
/* Serve a connection; returns the number of messages accepted.  The
 * descriptor is closed. */
unsigned int	sess_run(int fd, int proto, const char *peer);

/* What the session does with a received message: pipeline_run in winnowd;
 * winnow-pipe relays it to winnowd instead (pipe-client/). */
typedef void	sess_deliver_fn(const struct sess_info *, struct msg *,
		    struct buf *reply_r);
extern sess_deliver_fn	*sess_deliver;

/* What the session does once the replies to a message are written and
 * flushed: pipeline_after_reply in winnowd (NULL: nothing). */
typedef void	sess_after_fn(int answered);
extern sess_after_fn	*sess_after_reply;

/*
 * child.c and master.c
 */
/*
 * The scoreboard: one slot per child, in memory the master shares with its
 * children (MAP_SHARED, made before the first fork).  A child writes its
 * own slot's state without a system call; it wakes the master (one byte on
 * a pipe) only when it takes a connection and too few idle children are
 * left, so the master sleeps through ordinary traffic.
 */
enum child_state {
	CHILD_FREE = 0,		/* slot unused */
	CHILD_STARTING,		/* forked, not yet accepting */
	CHILD_IDLE,		/* waiting for a connection */
	CHILD_BUSY,		/* in a session */
};

#define SCOREBOARD_SLOTS	8192

struct slot {
	volatile pid_t		 pid;
	volatile uint32_t	 generation;
	volatile int		 state;		/* enum child_state */
	volatile int		 served;	/* has taken a connection */
	volatile int		 stopping;	/* the master asked it to go */
};

struct scoreboard {
	volatile unsigned int	 nslots;	/* high-water mark of slots */
	struct slot		 slot[SCOREBOARD_SLOTS];
};

/* Idle (or starting) children not asked to stop, per the scoreboard. */
unsigned int	scoreboard_idle(const struct scoreboard *);

/* Run a child until it is used up, idle too long, or told to stop. */
void	child_main(struct listener *, int nlisteners,
	    struct scoreboard *, unsigned int slot, int wake_fd)
	    __attribute__((noreturn));

/* Run the master: returns the process exit status. */
int	master_main(const char *config_path, int foreground);

/* Load [server] and module sections from path (NULL: built-in defaults);
 * 0 or -1 with the errors in why. */
int	server_load_config(const char *path, struct buf *why);

/* Register every configuration section of every module. */
void	server_register_all(void);

/* Build the modules' shared data in the master (AV engine, DNS lists);
 * 0, or -1 with why (the previous data stays in use). */
int	server_load_modules(int startup, struct buf *why);

/* Look for new AV signatures now and then; 1 if a new engine is in. */
int	server_check_databases(void);

/* Per-child initialisation of modules (after fork), and clean-up. */
void	server_child_init(void);
void	server_child_exit(void);

#endif /* WINNOW_SERVER_H */
