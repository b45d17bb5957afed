/*
 * test_count.c - unit tests for server/count.c: what a message through
 * the real session and pipeline adds to the counters and the history
 */

#include <sys/socket.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "conf.h"
#include "history.h"
#include "live.h"
#include "reinject.h"
#include "server.h"
#include "svec.h"
#include "testutil.h"
#include "xalloc.h"

struct client {
	int		 fd;
	const char	*in;
	struct buf	*out;
};

/* client_main - send the input, collect every reply */

static void *
client_main(void *arg)
{
	struct client	*c = arg;
	char		 b[4096];
	ssize_t		 n;

	if (write(c->fd, c->in, strlen(c->in)) != (ssize_t)strlen(c->in))
		return (NULL);
	while ((n = read(c->fd, b, sizeof(b))) > 0)
		buf_append(c->out, b, (size_t)n);
	return (NULL);
}

static const char session[] =
    "EHLO client.test\r\n"
    "MAIL FROM:<a@example.org>\r\n"
    "RCPT TO:<b@example.com>\r\n"
    "RCPT TO:<c@example.com>\r\n"
    "DATA\r\n"
    "Subject: test\r\n\r\n"
    "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\r\n"
    ".\r\n"
    "MAIL FROM:<d@example.org>\r\n"
    "RCPT TO:<b@example.com>\r\n"
    "DATA\r\n"
    "Subject: lunch\r\n\r\nAt noon?\r\n"
    ".\r\n"
    "MAIL FROM:<e@example.org>\r\n"
    "RCPT TO:<b@example.com>\r\n"
    "DATA\r\n"
    "Subject: bare\r\n\r\nbare\nline\r\n"
    ".\r\n"
    "QUIT\r\n";

static struct history_entry	 seen[4];
static int			 nseen;

static void
keep(const struct history_entry *e, void *arg)
{
	(void)arg;
	if (nseen < 4)
		seen[nseen++] = *e;
}

Test(count, messages_through_the_pipeline)
{
	struct buf	*why = buf_new(256), *conf = buf_new(512);
	struct tu_sink	*sink;
	struct client	 c;
	struct svec	*v = svec_new();
	pthread_t	 t;
	char		 sp[600];
	const char	*p;
	unsigned int	 all;
	int		 sv[2];

	buf_printf(conf, "[server]\nbare_newline = reject\n"
	    "[dns]\nresolver = 127.0.0.1:9\ntimeout = 300ms\n"
	    "[content]\ndefault_model = %s/data/content.model\n"
	    "obscene_words = %s/data/obscene-en.txt\n[av]\ndatabase =\n"
	    "[policy]\ndns_checks = no\n", tu_srcdir(), tu_srcdir());
	server_register_all();
	p = tu_write_file("count.conf", buf_str(conf));
	cr_assert_eq(server_load_config(p, why), 0, "%s", buf_str(why));
	cr_assert_eq(server_load_modules(1, why), 0, "%s", buf_str(why));
	server_child_init();
	free(smtp_conf.spool_dir);
	smtp_conf.spool_dir = xstrdup(tu_tmpdir());
	smtp_conf.spool_reserve = 0;
	(void)snprintf(sp, sizeof(sp), "%s/sink", tu_tmpdir());
	sink = tu_sink_start(sp, 0);
	free(smtp_conf.forward);
	smtp_conf.forward = xmalloc(strlen(sp) + 6);
	(void)snprintf(smtp_conf.forward, strlen(sp) + 6, "unix:%s", sp);
	cr_assert_eq(reinject_init(why), 0);
	server_live = live_create(NULL, 16, (gid_t)-1, why);

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	c.fd = sv[1];
	c.in = session;
	c.out = buf_new(1024);
	cr_assert_eq(pthread_create(&t, NULL, client_main, &c), 0);
	(void)sess_run(sv[0], PROTO_AUTO, "192.0.2.1", &pipeline_hooks);
	reinject_close_all();
	(void)shutdown(sv[1], SHUT_WR);
	cr_assert_eq(pthread_join(t, NULL), 0);
	(void)close(sv[1]);
	free(tu_sink_received(sink));

	live_counted(server_live, v);
	all = svec_group(v, "All");
	cr_assert_eq(svec_get(v, SKEY(SM_RECEIVED, 0, 0, 0)), 2, "%s",
	    buf_str(c.out));
	cr_assert_eq(svec_sum(v, SM_MSGS, (int)all, 2, -1, -1), 1,
	    "the GTUBE message is spam");
	cr_assert_eq(svec_sum(v, SM_RCPTS, (int)all, 2, -1, -1), 2);
	cr_assert_eq(svec_sum(v, SM_MSGS, (int)all, 0, -1, -1), 1);
	cr_assert_eq(svec_get(v, SKEY(SM_REPLY, 2, SREPLY_DATA, 0)), 2);
	cr_assert_eq(svec_get(v, SKEY(SM_REPLY, 5, SREPLY_SESSION, 0)), 1,
	    "the bare line end is the session's own refusal");
	cr_assert_eq(svec_sum(v, SM_MSG_LAT, -1, -1, -1, -1), 2);
	cr_assert_eq(svec_sum(v, SM_CHECK, SCHECK_CONTENT, 1, -1, -1), 2);
	cr_assert_eq(svec_sum(v, SM_CHECK_LAT, SLAT_CONTENT, -1, -1, -1), 2);
	(void)history_each(server_live, 0, NULL, keep, NULL);
	cr_assert_eq(nseen, 2);
	cr_assert_str_eq(seen[0].sender, "a@example.org");
	cr_assert_str_eq(seen[0].rcpts, "b@example.com, c@example.com");
	cr_assert_str_eq(seen[0].statuses, "All=spam");
	cr_assert(seen[0].score10 != HISTORY_NO_SCORE);
	cr_assert(strstr(seen[0].checks, "rules=") != NULL, "%s",
	    seen[0].checks);
	cr_assert(strncmp(seen[0].reply, "250 ", 4) == 0, "%s", seen[0].reply);
	cr_assert_str_eq(seen[1].statuses, "All=not-detected");
	svec_free(v);
	buf_free(c.out);
	buf_free(conf);
	buf_free(why);
}
