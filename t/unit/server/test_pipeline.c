/*
 * test_pipeline.c - golden transcripts through a winnowd child: smtp/sess.c
 * with server/pipeline.c as its deliver hook
 *
 * Each t/data/server/sess-*.in is what an upstream client sends.  It goes
 * through a socketpair into the real sess_run(), with reinjection to the
 * test downstream (testutil's sink).  The replies and the downstream's
 * transcript, with queue ids and dates normalised, must equal the .ref file
 * next to it.  WINNOW_UPDATE_GOLDEN=1 rewrites the .ref files.
 *
 * A sess-*.conf next to an .in is loaded for that transcript (with @TMPDIR@
 * replaced by the test's directory), on top of the test's [server]
 * settings; the quarantine it fills (@TMPDIR@/quarantine) is listed after
 * the downstream's transcript.
 *
 * The client is 192.0.2.1, in the test's xforward_hosts (192.0.2.0/25);
 * a transcript whose name has "-stranger" comes from 198.51.100.7, which
 * is not.
 */

#include <sys/socket.h>

#include <dirent.h>
#include <sys/stat.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "conf.h"
#include "log.h"
#include "reinject.h"
#include "server.h"
#include "testutil.h"
#include "xalloc.h"

struct client {
	int		 fd;
	const char	*in;
	size_t		 len;
	struct buf	*out;
};

/* client_main - send the input, collect every reply */

static void *
client_main(void *arg)
{
	struct client	*c = arg;
	char		 b[4096];
	ssize_t		 n;

	if (write(c->fd, c->in, c->len) != (ssize_t)c->len)
		return (NULL);
	while ((n = read(c->fd, b, sizeof(b))) > 0)
		buf_append(c->out, b, (size_t)n);
	return (NULL);
}

/* normalise - replace what changes from run to run */

static void
normalise(struct buf *b, const char *pattern, const char *with)
{
	regex_t		 re;
	regmatch_t	 m;
	struct buf	*out = buf_new(buf_len(b));
	const char	*p = buf_str(b);

	cr_assert_eq(regcomp(&re, pattern, REG_EXTENDED), 0);
	while (regexec(&re, p, 1, &m, 0) == 0) {
		buf_append(out, p, (size_t)m.rm_so);
		buf_puts(out, with);
		p += m.rm_eo;
	}
	buf_puts(out, p);
	buf_reset(b);
	buf_append(b, out->data, buf_len(out));
	buf_free(out);
	regfree(&re);
}

/* test_server_conf - the test's [server] settings over what is loaded */

static void
test_server_conf(void)
{
	struct buf	*why = buf_new(64);

	free(smtp_conf.myhostname);
	smtp_conf.myhostname = xstrdup("mx.test");
	free(smtp_conf.spool_dir);
	smtp_conf.spool_dir = xstrdup(tu_tmpdir());
	smtp_conf.spool_reserve = 0;
	smtp_conf.command_timeout = 3000;
	smtp_conf.message_size_limit = 100000;
	smtp_conf.max_recipients = 100;
	cr_assert_eq(server_conf_finish(why), 0);
	buf_free(why);
}

/* test_path_ok - every item of a path value is in the source tree or the
 * test's directory (or there is none) */

static int
test_path_ok(const char *value)
{
	char		**v;
	size_t		 i, n;
	int		 ok = 1;

	n = conf_list_split(value, &v);
	for (i = 0; i < n; i++)
		if (strncmp(v[i], tu_tmpdir(), strlen(tu_tmpdir())) != 0 &&
		    strncmp(v[i], tu_srcdir(), strlen(tu_srcdir())) != 0)
			ok = 0;
	conf_list_free(v);
	return (ok);
}

/* test_hermetic - every parameter whose default is a path (winnowd -d) is
 * set by the test's file (winnowd -n) to the source tree or the test's
 * directory: a transcript must not depend on what the machine has */

static void
test_hermetic(const char *conf_path)
{
	char		*dflt = NULL, *set = NULL, sect[128] = "", key[128];
	char		 want[400];
	size_t		 dlen = 0, slen = 0;
	const char	*line, *nl, *eq, *at, *end;
	FILE		*fp;
	int		 n = 0;

	cr_assert_not_null(fp = open_memstream(&dflt, &dlen));
	conf_print(fp, 1);
	(void)fclose(fp);
	cr_assert_not_null(fp = open_memstream(&set, &slen));
	conf_print(fp, 0);
	(void)fclose(fp);
	for (line = dflt; *line != '\0'; line = nl + (*nl != '\0')) {
		nl = line + strcspn(line, "\n");
		if (*line == '[') {
			(void)snprintf(sect, sizeof(sect), "%.*s",
			    (int)(nl - line), line);
			continue;
		}
		if (*line == '#' || (eq = strstr(line, " = /")) == NULL ||
		    eq > nl)
			continue;
		(void)snprintf(key, sizeof(key), "%.*s", (int)(eq - line),
		    line);
		/* the same key in the file's section, with its value */
		(void)snprintf(want, sizeof(want), "%s\n", sect);
		at = strstr(set, want);
		cr_assert_not_null(at, "%s: %s %s (default %.*s) is not set "
		    "by the test", conf_path, sect, key, (int)(nl - eq - 3),
		    eq + 3);
		(void)snprintf(want, sizeof(want), "\n%s = ", key);
		end = strstr(at + 1, "\n[");
		at = strstr(at, want);
		cr_assert(at != NULL && (end == NULL || at < end), "%s: %s %s "
		    "(default %.*s) is not set by the test", conf_path, sect,
		    key, (int)(nl - eq - 3), eq + 3);
		at += strlen(want);
		(void)snprintf(want, sizeof(want), "%.*s",
		    (int)strcspn(at, "\n"), at);
		cr_assert(test_path_ok(want), "%s: %s %s = %s is outside the "
		    "test's directories", conf_path, sect, key, want);
		n++;
	}
	cr_assert_gt(n, 4, "no path parameters found in winnowd -d");
	free(dflt);
	free(set);
}

/* test_load_conf - the configuration for one transcript (NULL: defaults) */

static void
test_load_conf(const char *in_path)
{
	char		 conf[600], outq[600], *text;
	struct buf	*why = buf_new(256), *sub = buf_new(1024);
	const char	*p, *at;
	size_t		 len;

	if (in_path != NULL)
		(void)snprintf(conf, sizeof(conf), "%.*s.conf",
		    (int)(strlen(in_path) - 3), in_path);
	/*
	 * Every transcript's configuration sends DNS to a dead loopback port
	 * (only loopback may carry test traffic) and runs the real checks:
	 * the shipped content model, AV with the attachment filter only.  It
	 * names every path, in the source tree or the test's directory, so
	 * nothing of the machine's (a learned model in /var/lib/winnow, the
	 * spool) takes part: test_hermetic() checks that.
	 */
	buf_printf(sub, "[server]\nspool_dir = %s\n"
	    "xforward_hosts = 192.0.2.0/25\n"
	    "[client]\nspool_dir = %s\n"
	    "[dns]\nresolver = 127.0.0.1:9\ntimeout = 300ms\n"
	    "[content]\nmodel = %s/learned.model\n"
	    "samples_dir = %s/samples\n"
	    "default_model = %s/data/content.model\n"
	    "obscene_words = %s/data/obscene-en.txt %s/data/obscene-ru.txt\n"
	    "[av]\ndatabase =\ntemp_directory = %s\n"
	    "[policy]\nquarantine_dir = %s/quarantine\n"
	    "backup_dir = %s/backup\n"
	    "[stats]\nmemory_dir = %s\n"
	    "[control]\nlisten =\nsecret_file = %s/control.secret\n"
	    "web_dir = %s/web\nchart_js = %s/web/none.js\n", tu_tmpdir(),
	    tu_tmpdir(), tu_tmpdir(), tu_tmpdir(), tu_srcdir(), tu_srcdir(),
	    tu_srcdir(), tu_tmpdir(), tu_tmpdir(), tu_tmpdir(), tu_tmpdir(),
	    tu_tmpdir(), tu_srcdir(), tu_srcdir());
	if (in_path != NULL && access(conf, F_OK) == 0) {
		text = tu_read_file(conf, &len);
		for (p = text; (at = strstr(p, "@TMPDIR@")) != NULL;
		    p = at + 8) {
			buf_append(sub, p, (size_t)(at - p));
			buf_puts(sub, tu_tmpdir());
		}
		buf_puts(sub, p);
		free(text);
	}
	p = tu_write_file("sess.conf", buf_str(sub));
	cr_assert_eq(server_load_config(p, why), 0, "%s: %s", p,
	    buf_str(why));
	test_hermetic(p);
	buf_reset(why);
	cr_assert_eq(server_load_modules(1, why), 0, "%s", buf_str(why));
	/* The master makes spool_dir/outq; the DSNs we owe are kept there
	 * before the dot, or the message is deferred. */
	(void)snprintf(outq, sizeof(outq), "%s/outq", tu_tmpdir());
	(void)mkdir(outq, 0700);
	server_child_init();
	test_server_conf();
	buf_free(why);
	buf_free(sub);
}

/* list_quarantine - the quarantine's info files, then empty it */

static void
list_quarantine(struct buf *got)
{
	char		 dir[400], path[800];
	struct dirent	**ents;
	char		*text;
	size_t		 len;
	int		 n, i;

	(void)snprintf(dir, sizeof(dir), "%s/quarantine", tu_tmpdir());
	if ((n = scandir(dir, &ents, NULL, alphasort)) < 0)
		return;
	buf_puts(got, "--- quarantine ---\n");
	for (i = 0; i < n; i++) {
		(void)snprintf(path, sizeof(path), "%s/%s", dir,
		    ents[i]->d_name);
		if (ents[i]->d_name[0] != '.') {
			buf_printf(got, "%s\n", ents[i]->d_name);
			if (strstr(ents[i]->d_name, ".json") != NULL) {
				text = tu_read_file(path, &len);
				buf_puts(got, text);
				buf_puts(got, "\n");
				free(text);
			}
			(void)unlink(path);
		}
		free(ents[i]);
	}
	free(ents);
	(void)rmdir(dir);
}

/* run_one - one transcript */

static void
run_one(const char *in_path, int n)
{
	char		 ref_path[600], sink_path[300];
	struct tu_sink	*sink;
	struct client	 c;
	struct buf	*got = buf_new(4096), *why = buf_new(64);
	pthread_t	 t;
	char		*in, *ref, *rx;
	size_t		 len, rlen;
	int		 sv[2];
	FILE		*fp;

	(void)snprintf(sink_path, sizeof(sink_path), "%s/sink%d", tu_tmpdir(),
	    n);
	sink = tu_sink_start(sink_path, strstr(in_path, "lmtp-out") != NULL);
	test_load_conf(in_path);
	free(smtp_conf.forward);
	smtp_conf.forward = xmalloc(strlen(sink_path) + 6);
	(void)snprintf(smtp_conf.forward, strlen(sink_path) + 6, "unix:%s",
	    sink_path);
	smtp_conf.forward_protocol = strstr(in_path, "lmtp-out") ?
	    PROTO_LMTP : PROTO_SMTP;
	cr_assert_eq(reinject_init(why), 0);

	in = tu_read_file(in_path, &len);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	c.fd = sv[1];
	c.in = in;
	c.len = len;
	c.out = buf_new(1024);
	cr_assert_eq(pthread_create(&t, NULL, client_main, &c), 0);
	(void)sess_run(sv[0], PROTO_AUTO, strstr(in_path, "-stranger") ?
	    "198.51.100.7" : "192.0.2.1", &pipeline_hooks);
	reinject_close_all();
	(void)shutdown(sv[1], SHUT_WR);
	cr_assert_eq(pthread_join(t, NULL), 0);
	close(sv[1]);

	rx = tu_sink_received(sink);
	buf_puts(got, "--- replies ---\n");
	buf_append(got, c.out->data, buf_len(c.out));
	buf_puts(got, "--- downstream ---\n");
	buf_puts(got, rx);
	list_quarantine(got);
	normalise(got, "\"spam_score\": [-+0-9.eE]+", "\"spam_score\": N");
	normalise(got, "[0-9A-F]{15}", "QID");
	normalise(got, "\"time\": [0-9]+", "\"time\": TIME");
	normalise(got, "\"date\": \"[^\"]*\"", "\"date\": \"DATE\"");
	normalise(got, "[A-Z][a-z]{2}, [0-9]+ [A-Z][a-z]{2} [0-9]{4} "
	    "[0-9:]{8} [-+][0-9]{4}", "DATE");
	normalise(got, "; [A-Z][a-z]{2}, [0-9]+ [A-Z][a-z]{2} [0-9]{4} "
	    "[0-9:]{8} [-+][0-9]{4}", "; DATE");
	normalise(got, "\r", "");

	(void)snprintf(ref_path, sizeof(ref_path), "%.*s.ref",
	    (int)(strlen(in_path) - 3), in_path);
	if (getenv("WINNOW_UPDATE_GOLDEN") != NULL) {
		fp = fopen(ref_path, "w");
		cr_assert_not_null(fp);
		fputs(buf_str(got), fp);
		fclose(fp);
	}
	ref = tu_read_file(ref_path, &rlen);
	cr_expect_str_eq(buf_str(got), ref, "%s differs from %s:\n%s",
	    in_path, ref_path, buf_str(got));
	free(ref);
	free(rx);
	free(in);
	buf_free(c.out);
	buf_free(got);
	buf_free(why);
}

Test(pipeline, golden_transcripts)
{
	char		 dir[512], path[800];
	struct dirent	**ents;
	struct buf	*why = buf_new(64);
	int		 n, i, runs = 0;

	log_open_syslog(LOG_LOCAL7);
	server_register_all();
	test_load_conf(NULL);

	(void)snprintf(dir, sizeof(dir), "%s/t/data/server", tu_srcdir());
	n = scandir(dir, &ents, NULL, alphasort);
	cr_assert_geq(n, 0, "no %s", dir);
	for (i = 0; i < n; i++) {
		size_t	 l = strlen(ents[i]->d_name);

		if (strncmp(ents[i]->d_name, "sess-", 5) == 0 && l > 3 &&
		    strcmp(ents[i]->d_name + l - 3, ".in") == 0) {
			(void)snprintf(path, sizeof(path), "%s/%s", dir,
			    ents[i]->d_name);
			run_one(path, i);
			runs++;
		}
		free(ents[i]);
	}
	free(ents);
	cr_assert_gt(runs, 3, "only %d transcripts", runs);
	buf_free(why);
}
