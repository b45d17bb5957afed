/*
 * test_mreply.c - server/mreply.c through a whole milter connection:
 * smtp/milter.c with pipeline_milter_hooks, the decisions of a policy made
 * of lists (no check module needed), and the replies winnowd sends
 *
 * Each test builds what an MTA sends (negotiation, connect, MAIL, RCPTs,
 * headers, body, end of message), runs the real milter_run() on a
 * socketpair, and reads the replies back as a string of command letters
 * with what they carry.
 */

#include <sys/socket.h>

#include <dirent.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "conf.h"
#include "milter.h"
#include "milter_wire.h"
#include "reinject.h"
#include "server.h"
#include "testutil.h"
#include "xalloc.h"

struct client {
	int		 fd;
	struct buf	*in, *out;
};

/* client_main - send the conversation, collect every reply */

static void *
client_main(void *arg)
{
	struct client	*c = arg;
	char		 b[4096];
	ssize_t		 n;

	if (write(c->fd, c->in->data, buf_len(c->in)) !=
	    (ssize_t)buf_len(c->in))
		return (NULL);
	(void)shutdown(c->fd, SHUT_WR);
	while ((n = read(c->fd, b, sizeof(b))) > 0)
		buf_append(c->out, b, (size_t)n);
	return (NULL);
}

/* load - [dns], [content], [av] for tests, then the test's own text */

static void
load(const char *extra)
{
	struct buf	*why = buf_new(256), *t = buf_new(1024);
	char		 fwd[300];

	server_register_all();
	buf_printf(t, "[server]\nspool_dir = %s\nspool_reserve = 0\n"
	    "myhostname = mx.test\n[dns]\nresolver = 127.0.0.1:9\n"
	    "timeout = 100ms\n[content]\ndefault_model = %s/data/"
	    "content.model\nobscene_words = %s/data/obscene-en.txt\n[av]\n"
	    "database =\n[policy]\nquarantine_dir = %s\n%s", tu_tmpdir(),
	    tu_srcdir(), tu_srcdir(), tu_tmpdir(), extra);
	cr_assert_eq(server_load_config(tu_write_file("m.conf", buf_str(t)),
	    why), 0, "%s", buf_str(why));
	cr_assert_eq(server_load_modules(1, why), 0, "%s", buf_str(why));
	(void)snprintf(fwd, sizeof(fwd), "unix:%s/sink", tu_tmpdir());
	free(smtp_conf.forward);
	smtp_conf.forward = xstrdup(fwd);
	(void)tu_sink_start(fwd + 5, 0);
	server_child_init();
	buf_free(why);
	buf_free(t);
}

/* message - the packets of one message from sender to the rcpts */

static void
message(struct buf *b, uint32_t actions, const char *sender, ...)
{
	unsigned char	 neg[12] = { 0, 0, 0, 6 };
	const char	*r;
	char		 addr[128];
	va_list		 ap;

	neg[7] = (unsigned char)actions;
	neg[6] = (unsigned char)(actions >> 8);
	neg[11] = 0xff;
	neg[10] = 0xff;
	neg[9] = 0x1f;
	milter_wire_pack(b, SMFIC_OPTNEG, neg, sizeof(neg));
	milter_wire_pack(b, SMFIC_CONNECT, "client.test\0004\0\031192.0.2.9",
	    25);
	(void)snprintf(addr, sizeof(addr), "<%s>", sender);
	milter_wire_pack_str(b, SMFIC_MAIL, addr, (char *)NULL);
	va_start(ap, sender);
	while ((r = va_arg(ap, const char *)) != NULL) {
		(void)snprintf(addr, sizeof(addr), "<%s>", r);
		milter_wire_pack_str(b, SMFIC_RCPT, addr, (char *)NULL);
	}
	va_end(ap);
	milter_wire_pack_str(b, SMFIC_HEADER, "From", sender, (char *)NULL);
	milter_wire_pack_str(b, SMFIC_HEADER, "Subject", "offer",
	    (char *)NULL);
	milter_wire_pack_str(b, SMFIC_HEADER, "X-Winnow-Status", "forged",
	    (char *)NULL);
	milter_wire_pack(b, SMFIC_EOH, NULL, 0);
	milter_wire_pack(b, SMFIC_BODY, "a plain note\r\n", 14);
	milter_wire_pack(b, SMFIC_BODYEOB, NULL, 0);
	milter_wire_pack(b, SMFIC_QUIT, NULL, 0);
}

/* converse - run the conversation; the replies as "O c +<x> y:554 ..." */

static char *
converse(struct buf *in)
{
	struct client	 c;
	struct milter_pkt p;
	struct buf	*s = buf_new(256), *why = buf_new(64);
	pthread_t	 t;
	const char	*d;
	size_t		 left, i;
	ssize_t		 n;
	int		 sv[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	c.fd = sv[1];
	c.in = in;
	c.out = buf_new(1024);
	cr_assert_eq(pthread_create(&t, NULL, client_main, &c), 0);
	(void)milter_run(sv[0], "192.0.2.1", &pipeline_milter_hooks);
	cr_assert_eq(pthread_join(t, NULL), 0);
	close(sv[1]);
	reinject_close_all();
	d = c.out->data;
	left = buf_len(c.out);
	while ((n = milter_wire_parse(d, left, MILTER_PKT_MAX, &p, why)) > 0) {
		buf_putc(s, p.cmd);
		if (p.cmd == SMFIR_ADDRCPT || p.cmd == SMFIR_DELRCPT ||
		    p.cmd == SMFIR_REPLYCODE)
			buf_printf(s, ":%s", p.data);
		if (p.cmd == SMFIR_INSHEADER || p.cmd == SMFIR_CHGHEADER) {
			buf_printf(s, ":%u:%s=", milter_wire_u32(p.data),
			    p.data + 4);
			for (i = 4 + strlen(p.data + 4) + 1; i < p.len &&
			    p.data[i] != '\0'; i++)
				buf_putc(s, p.data[i]);
		}
		buf_putc(s, ' ');
		d += n;
		left -= (size_t)n;
	}
	buf_free(c.out);
	buf_free(why);
	return (buf_finish(s));
}

static char *
run(const char *conf, uint32_t actions, const char *sender, const char *r1,
    const char *r2)
{
	struct buf	*in = buf_new(1024);
	char		*out;

	load(conf);
	message(in, actions, sender, r1, r2, (char *)NULL);
	out = converse(in);
	buf_free(in);
	return (out);
}

#define ALL	0x13f

Test(mreply, clean_message_gets_our_headers_and_loses_the_forged_one)
{
	char	*r = run("", ALL, "a@example.org", "b@example.com", NULL);

	cr_assert(strncmp(r, "O c ", 4) == 0, "%s", r);
	cr_assert(strstr(r, "m:1:X-Winnow-Status=not-detected") != NULL ||
	    (strstr(r, "m:1:X-Winnow-Status= ") != NULL &&
	    strstr(r, "i:0:X-Winnow-Status=not-detected") != NULL), "%s", r);
	cr_assert(strstr(r, ":X-Winnow-Group=All") != NULL, "%s", r);
	cr_assert(r[strlen(r) - 2] == 'c', "%s", r);
	free(r);
}

Test(mreply, everyone_refused_is_a_reject_with_our_text)
{
	char	*r = run("blacklist = spam@bad.test\nblacklisted.action = "
	    "reject\n", ALL, "spam@bad.test", "b@example.com",
	    "c@example.com");

	cr_assert(strstr(r, "y:554 5.7.1 Message refused by policy "
	    "(blacklisted)") != NULL, "%s", r);
	cr_assert(strstr(r, " i:") == NULL && strstr(r, " -:") == NULL, "%s",
	    r);
	free(r);
}

Test(mreply, one_refused_is_deleted_the_other_gets_it)
{
	char	*r = run("blacklist = spam@bad.test\nblacklisted.action = "
	    "accept\nblacklisted.subject_tag = [BL]\n[group sales]\n"
	    "recipients = *@sales.test\nblacklisted.action = reject\n", ALL,
	    "spam@bad.test", "a@sales.test", "b@example.com");

	cr_assert(strstr(r, "-:<a@sales.test> ") != NULL, "%s", r);
	cr_assert(strstr(r, "m:1:Subject=[BL] offer") != NULL, "%s", r);
	cr_assert(r[strlen(r) - 2] == 'c', "%s", r);
	free(r);
}

Test(mreply, dropped_for_everyone_is_a_discard)
{
	char	*r = run("blacklist = spam@bad.test\nblacklisted.action = "
	    "drop\n", ALL, "spam@bad.test", "b@example.com", NULL);

	cr_assert_str_eq(r, "O c d ");
	free(r);
}

Test(mreply, quarantine_in_the_mta)
{
	char	*r = run("blacklist = spam@bad.test\nblacklisted.action = "
	    "quarantine\n[server]\nmilter_quarantine = mta\n", ALL,
	    "spam@bad.test", "b@example.com", NULL);

	cr_assert(strstr(r, "q ") != NULL && r[strlen(r) - 2] == 'c', "%s",
	    r);
	cr_assert(strstr(r, " -:") == NULL, "%s", r);
	free(r);
}

Test(mreply, quarantine_in_winnow_discards)
{
	char	*r = run("blacklist = spam@bad.test\nblacklisted.action = "
	    "quarantine\n", ALL, "spam@bad.test", "b@example.com", NULL);

	cr_assert_str_eq(r, "O c d ");
	free(r);
}

Test(mreply, redirect_adds_and_deletes)
{
	char	*r = run("blacklist = spam@bad.test\nblacklisted.action = "
	    "redirect\nblacklisted.to = abuse@example.com\n", ALL,
	    "spam@bad.test", "b@example.com", NULL);

	cr_assert(strstr(r, "+:<abuse@example.com> ") != NULL, "%s", r);
	cr_assert(strstr(r, "-:<b@example.com> ") != NULL, "%s", r);
	cr_assert(r[strlen(r) - 2] == 'c', "%s", r);
	free(r);
}

Test(mreply, tempfail_defers_the_message)
{
	char	*r = run("blacklist = spam@bad.test\nblacklisted.action = "
	    "tempfail\n", ALL, "spam@bad.test", "b@example.com",
	    "c@example.com");

	cr_assert(strstr(r, "y:451 4.7.0 Message held back") != NULL, "%s",
	    r);
	free(r);
}

Test(mreply, redirect_without_rcpt_rights_defers)
{
	char	*r = run("blacklist = spam@bad.test\nblacklisted.action = "
	    "redirect\nblacklisted.to = abuse@example.com\n", SMFIF_ADDHDRS,
	    "spam@bad.test", "b@example.com", NULL);

	cr_assert(strstr(r, "y:451 4.3.0 Temporary failure") != NULL, "%s",
	    r);
	cr_assert(strstr(r, " +:") == NULL, "%s", r);
	free(r);
}

Test(mreply, report_from_a_stranger_is_deleted_the_other_gets_it)
{
	char	*r = run("report_spam = spam-report@example.com\n"
	    "report_senders = @example.com\n", ALL, "a@example.org",
	    "spam-report@example.com", "b@example.com");

	cr_assert(strstr(r, "-:<spam-report@example.com> ") != NULL, "%s", r);
	cr_assert(strstr(r, "-:<b@example.com>") == NULL, "%s", r);
	cr_assert(r[strlen(r) - 2] == 'c', "%s", r);
	free(r);
}

Test(mreply, report_from_a_reporter_is_learned_and_not_delivered)
{
	char	 conf[1024], model[512];
	char	*r;

	(void)snprintf(model, sizeof(model), "%s/learned.model", tu_tmpdir());
	(void)snprintf(conf, sizeof(conf), "report_spam = "
	    "spam-report@example.com\nreport_senders = @example.com\n"
	    "[content]\nmodel = %s\nsamples_dir = %s/samples\n", model,
	    tu_tmpdir());
	(void)unlink(model);
	r = run(conf, ALL, "boss@example.com", "spam-report@example.com",
	    NULL);
	cr_assert_str_eq(r, "O c d ");
	cr_assert(access(model, F_OK) == 0, "no model at %s", model);
	free(r);
}

/* count_json - the entries (ID.json) a store directory holds */

static int
count_json(const char *dir)
{
	DIR		*d;
	struct dirent	*e;
	size_t		 len;
	int		 n = 0;

	if ((d = opendir(dir)) == NULL)
		return (0);
	while ((e = readdir(d)) != NULL)
		if ((len = strlen(e->d_name)) > 5 &&
		    strcmp(e->d_name + len - 5, ".json") == 0)
			n++;
	(void)closedir(d);
	return (n);
}

Test(mreply, backup_is_kept_and_the_message_delivered)
{
	char	 conf[1024], dir[512];
	char	*r;

	(void)snprintf(dir, sizeof(dir), "%s/backup", tu_tmpdir());
	(void)snprintf(conf, sizeof(conf), "backup_dir = %s\n"
	    "blacklist = spam@bad.test\nblacklisted.action = accept\n"
	    "blacklisted.backup = yes\n", dir);
	r = run(conf, ALL, "spam@bad.test", "b@example.com", NULL);
	cr_assert(r[strlen(r) - 2] == 'c', "%s", r);
	cr_assert(strstr(r, " -:") == NULL, "%s", r);
	cr_assert_eq(count_json(dir), 1);
	free(r);
}
