/* test_uds.c - uds/uds.c: points, and the check against scripted servers */

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <sodium.h>

#include "buf.h"
#include "conf.h"
#include "findings.h"
#include "status.h"
#include "testutil.h"
#include "timeutil.h"
#include "uds.h"
#include "uds_private.h"

#include "fakeuds.h"

static struct findings	*f;
static struct buf	*why;

static const char text[] =
"Dear friend, we have a special offer for you today only. Our company\n"
"sells the finest watches at prices that nobody else can match anywhere\n"
"in the world. Every order ships within two days.\n";

static void
setup(void)
{
	cr_assert(sodium_init() >= 0);
	f = findings_new();
	why = buf_new(64);
	uds_conf_register();
}

static void
teardown(void)
{
	findings_free(f);
	buf_free(why);
	uds_unload();
	conf_reset();
}

TestSuite(uds, .init = setup, .fini = teardown, .timeout = 20);

/* load - [uds] from text */

static int
load(const char *conf)
{
	const char	*p = tu_write_file("winnow.conf", conf);

	buf_reset(why);
	if (conf_load(p, why) != WN_OK)
		return (WN_PERM);
	return (uds_load(why));
}

/* a_set - a set with a text, a links and an image item */

static void
a_set(struct uds_sigset *s, int has_text)
{
	uds_sigset_init(s);
	if (has_text)
		s->item[s->nitems++].kind = UDS_KIND_TEXT;
	s->item[s->nitems++].kind = UDS_KIND_LINKS;
	s->item[s->nitems++].kind = UDS_KIND_IMAGE;
}

/* answer - a reply with these results and votes */

static void
answer(struct uds_reply *a, unsigned int n, const unsigned int *res,
    const unsigned int *votes)
{
	unsigned int	 i;

	memset(a, 0, sizeof(*a));
	a->nitems = (uint8_t)n;
	for (i = 0; i < n; i++) {
		a->item[i].result = (uint8_t)res[i];
		a->item[i].votes = (uint8_t)votes[i];
	}
}

Test(uds, points_of_an_answer)
{
	struct uds_sigset s;
	struct uds_reply a;
	struct buf	*b = buf_new(64);
	unsigned int	 r1[] = { UDS_R_HIT, UDS_R_MISS, UDS_R_MISS };
	unsigned int	 v1[] = { 8, 0, 0 };

	a_set(&s, 1);
	answer(&a, 3, r1, v1);
	uds_score(&s, &a, 60, f);
	cr_assert_eq(f->uds_state, CHECK_DONE);
	cr_assert_eq(f->uds_score, 30, "8 of 32 is half the points");
	findings_render_uds(f, b);
	cr_assert_str_eq(buf_str(b), "uds=hit(text,8 of 32)");

	findings_free(f);
	f = findings_new();
	v1[0] = 20;
	r1[2] = UDS_R_HIT;
	v1[2] = UDS_VOTES_EXACT;
	answer(&a, 3, r1, v1);
	uds_score(&s, &a, 60, f);
	cr_assert_eq(f->uds_score, 60);
	buf_reset(b);
	findings_render_uds(f, b);
	cr_assert_str_eq(buf_str(b), "uds=hit(text,20 of 32/image,exact)");
	buf_free(b);
}

Test(uds, links_count_only_without_a_text_item)
{
	struct uds_sigset s;
	struct uds_reply a;
	unsigned int	 r[] = { UDS_R_HIT, UDS_R_MISS };
	unsigned int	 v[] = { UDS_VOTES_EXACT, 0 };
	unsigned int	 r3[] = { UDS_R_MISS, UDS_R_HIT, UDS_R_MISS };
	unsigned int	 v3[] = { 0, UDS_VOTES_EXACT, 0 };

	a_set(&s, 0);
	answer(&a, 2, r, v);
	uds_score(&s, &a, 60, f);
	cr_assert_eq(f->uds_score, 30);
	findings_free(f);
	f = findings_new();
	a_set(&s, 1);
	answer(&a, 3, r3, v3);
	uds_score(&s, &a, 60, f);
	cr_assert_eq(f->uds_score, 0);
}

Test(uds, ham_confirmed_text_outweighs_the_rest)
{
	struct uds_sigset s;
	struct uds_reply a;
	struct buf	*b = buf_new(64);
	unsigned int	 r[] = { UDS_R_HAM, UDS_R_MISS, UDS_R_HIT };
	unsigned int	 v[] = { 12, 0, UDS_VOTES_EXACT };

	a_set(&s, 1);
	answer(&a, 3, r, v);
	uds_score(&s, &a, 60, f);
	cr_assert_eq(f->uds_score, 0);
	findings_render_uds(f, b);
	cr_assert_str_eq(buf_str(b), "uds=ham");
	buf_free(b);
}

Test(uds, below_threshold_and_unknown_count_nothing)
{
	struct uds_sigset s;
	struct uds_reply a;
	struct buf	*b = buf_new(64);
	unsigned int	 r[] = { UDS_R_BELOW, UDS_R_UNKNOWN, UDS_R_MISS };
	unsigned int	 v[] = { UDS_VOTES_EXACT, 0, 0 };

	a_set(&s, 1);
	answer(&a, 3, r, v);
	uds_score(&s, &a, 60, f);
	cr_assert_eq(f->uds_score, 0);
	findings_render_uds(f, b);
	cr_assert_str_eq(buf_str(b), "uds=unknown");
	buf_free(b);
}

Test(uds, off_does_nothing)
{
	struct msg_view	 v;
	struct uds_run	*run;

	cr_assert_eq(load("[uds]\nenable = no\n"), WN_OK);
	memset(&v, 0, sizeof(v));
	v.text = text;
	v.text_len = strlen(text);
	run = uds_start(&v, why);
	cr_assert_not_null(run);
	cr_assert_eq(uds_finish(run, f, why), WN_OK);
	cr_assert_eq(f->uds_state, CHECK_NOT_RUN);
}

Test(uds, configuration_problems)
{
	const char	*k;
	char		 conf[256];

	cr_assert_eq(load("[uds]\nenable = yes\n"), WN_PERM);
	cr_assert(strstr(buf_str(why), "needs servers") != NULL);
	cr_assert_eq(load("[uds]\nservers = 127.0.0.1:0\n"), WN_PERM);
	cr_assert_eq(load("[uds]\nservers = 127.0.0.1\nkey_file = "
	    "/nonexistent/key\n"), WN_PERM);
	cr_assert(strstr(buf_str(why), "/nonexistent/key") != NULL);
	k = tu_write_file("k", "hash_key = 00\n");
	(void)chmod(k, 0600);
	(void)snprintf(conf, sizeof(conf), "[uds]\nservers = 127.0.0.1\n"
	    "key_file = %s\n", k);
	cr_assert_eq(load(conf), WN_PERM);
	cr_assert(strstr(buf_str(why), ":1: hash_key") != NULL, "%s",
	    buf_str(why));
}

/* view - a view of the sample text */

static void
view(struct msg_view *v, uint64_t deadline)
{
	memset(v, 0, sizeof(*v));
	v->queue_id = "TESTQID";
	v->text = text;
	v->text_len = strlen(text);
	v->deadline_ms = deadline;
}

Test(uds, a_known_message)
{
	struct fake	*srv = fake_start(FAKE_ANSWER);
	struct msg_view	 v;
	struct uds_run	*run;
	char		 conf[256];

	(void)snprintf(conf, sizeof(conf), "[uds]\nenable = yes\nservers = "
	    "127.0.0.1:%d\n", srv->port);
	cr_assert_eq(load(conf), WN_OK, "%s", buf_str(why));
	cr_assert(uds_enabled());
	view(&v, 0);
	run = uds_start(&v, why);
	cr_assert_not_null(run);
	cr_assert_eq(uds_finish(run, f, why), WN_OK);
	cr_assert_eq(f->uds_state, CHECK_DONE);
	cr_assert_eq(f->uds_score, 60);
	cr_assert_eq(srv->requests, 1);
	fake_stop(srv);
}

Test(uds, no_server_answers_within_the_deadline)
{
	struct fake	*a1 = fake_start(FAKE_SILENT);
	struct fake	*a2 = fake_start(FAKE_SILENT);
	struct msg_view	 v;
	struct uds_run	*run;
	struct buf	*b = buf_new(32);
	char		 conf[256];
	uint64_t	 t0;

	(void)snprintf(conf, sizeof(conf), "[uds]\nenable = yes\nservers = "
	    "127.0.0.1:%d 127.0.0.1:%d\ntimeout = 5s\nserver_timeout = "
	    "100ms\n", a1->port, a2->port);
	cr_assert_eq(load(conf), WN_OK, "%s", buf_str(why));
	t0 = time_now_ms();
	view(&v, t0 + 400);		/* the message's deadline comes first */
	run = uds_start(&v, why);
	cr_assert_eq(uds_finish(run, f, why), WN_OK);
	cr_assert_lt(time_now_ms() - t0, 600);
	cr_assert_eq(f->uds_state, CHECK_TIMEOUT);
	cr_assert_eq(f->uds_score, 0);
	findings_render_uds(f, b);
	cr_assert_str_eq(buf_str(b), "uds=timeout");
	buf_free(b);
	fake_stop(a1);
	fake_stop(a2);
}

Test(uds, a_store_that_is_down_answers_unknown)
{
	struct fake	*srv = fake_start(FAKE_UNAVAILABLE);
	struct msg_view	 v;
	struct uds_run	*run;
	struct buf	*b = buf_new(32);
	char		 conf[256];

	(void)snprintf(conf, sizeof(conf), "[uds]\nenable = yes\nservers = "
	    "127.0.0.1:%d\n", srv->port);
	cr_assert_eq(load(conf), WN_OK);
	view(&v, 0);
	run = uds_start(&v, why);
	cr_assert_eq(uds_finish(run, f, why), WN_OK);
	cr_assert_eq(f->uds_state, CHECK_DONE);
	cr_assert_eq(f->uds_score, 0);
	findings_render_uds(f, b);
	cr_assert_str_eq(buf_str(b), "uds=unknown");
	buf_free(b);
	fake_stop(srv);
}

Test(uds, too_little_text_asks_nothing)
{
	struct fake	*srv = fake_start(FAKE_ANSWER);
	struct msg_view	 v;
	struct uds_run	*run;
	char		 conf[256];

	(void)snprintf(conf, sizeof(conf), "[uds]\nenable = yes\nservers = "
	    "127.0.0.1:%d\n", srv->port);
	cr_assert_eq(load(conf), WN_OK);
	view(&v, 0);
	v.text = "thanks";
	v.text_len = 6;
	run = uds_start(&v, why);
	cr_assert_eq(uds_finish(run, f, why), WN_OK);
	cr_assert_eq(f->uds_state, CHECK_DONE);
	cr_assert_eq(f->uds.count, 0);
	cr_assert_eq(srv->requests, 0);
	fake_stop(srv);
}

/* outcome - collect a tool request's outcomes */

static void
outcome(const struct uds_outcome *o, void *arg)
{
	int	*n = arg;

	if (o->rc == WN_OK)
		(*n)++;
}

Test(uds, tools_write_to_every_write_server)
{
	struct fake	*a1 = fake_start(FAKE_ANSWER);
	struct fake	*a2 = fake_start(FAKE_ANSWER);
	struct uds_sigset s;
	char		 conf[512];
	const char	*k;
	int		 n = 0;

	k = tu_write_file("key", "hash_key = 0000000000000000000000000000"
	    "000000000000000000000000000000000000\nclient = t\nsecret = "
	    "1111111111111111111111111111111111111111111111111111111111111111"
	    "\n");
	(void)chmod(k, 0600);
	(void)snprintf(conf, sizeof(conf), "[uds]\nservers = 127.0.0.1:%d "
	    "127.0.0.1:%d\nkey_file = %s\n", a1->port, a2->port, k);
	cr_assert_eq(load(conf), WN_OK, "%s", buf_str(why));
	cr_assert(uds_can_write(why));
	uds_sigset_init(&s);
	uds_sig_text(uds_state->sigkey, &s, text, strlen(text));
	cr_assert_eq(uds_request(UDS_OP_ADD, &s, UDS_FLAG_SPAM, 1, outcome,
	    &n, why), WN_OK);
	cr_assert_eq(n, 2);
	cr_assert_eq(a1->requests + a2->requests, 2);
	n = 0;
	cr_assert_eq(uds_request(UDS_OP_CHECK, &s, 0, 0, outcome, &n, why),
	    WN_OK);
	cr_assert_eq(n, 1, "a check goes to one server");
	fake_stop(a1);
	fake_stop(a2);
}

Test(uds, writes_need_a_client)
{
	struct uds_sigset s;

	cr_assert_eq(load("[uds]\nservers = 127.0.0.1\n"), WN_OK);
	cr_assert_not(uds_can_write(why));
	uds_sigset_init(&s);
	cr_assert_eq(uds_request(UDS_OP_ADD, &s, 0, 1, outcome, NULL, why),
	    WN_PERM);
	cr_assert(strstr(buf_str(why), "client and secret") != NULL);
}

/* mime - a message with a short text and an attachment of n bytes of c,
 * base64 */

static char *
mime(const char *type, int c, size_t n)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	struct buf	*b = buf_new(8192);
	size_t		 i;

	buf_printf(b, "From: a@example.org\r\nSubject: x\r\nMIME-Version: "
	    "1.0\r\nContent-Type: multipart/mixed; boundary=\"bb\"\r\n\r\n"
	    "--bb\r\nContent-Type: text/plain\r\n\r\nsee the file\r\n--bb\r\n"
	    "Content-Type: %s\r\nContent-Transfer-Encoding: base64\r\n"
	    "Content-Disposition: attachment; filename=\"f\"\r\n\r\n", type);
	/* n bytes of c, base64 (3 bytes give 4 characters) */
	for (i = 0; i < n / 3; i++) {
		unsigned int v = (unsigned int)(c & 0xff) * 0x10101;

		buf_putc(b, b64[v >> 18 & 63]);
		buf_putc(b, b64[v >> 12 & 63]);
		buf_putc(b, b64[v >> 6 & 63]);
		buf_putc(b, b64[v & 63]);
		if (i % 19 == 18)
			buf_puts(b, "\r\n");
	}
	buf_puts(b, "\r\n--bb--\r\n");
	return (buf_finish(b));
}

Test(uds, attachments_and_images_from_the_message)
{
	struct uds_sigset a, b, c;
	struct msg_view	 v;
	char		*m1 = mime("image/png", 'x', 3000);
	char		*m2 = mime("image/png", 'x', 3000);
	char		*m3 = mime("application/pdf", 'x', 3000);
	char		*m4 = mime("image/png", 'x', 300);

	cr_assert_eq(load("[uds]\n"), WN_OK);
	memset(&v, 0, sizeof(v));
	v.data = m1;
	v.len = strlen(m1);
	uds_message_sigs(&v, &a);
	cr_assert_eq(a.nitems, 1, "the text is too short, the image is not");
	cr_assert_eq(a.item[0].kind, UDS_KIND_IMAGE);
	v.data = m2;
	v.len = strlen(m2);
	uds_message_sigs(&v, &b);
	cr_assert_eq(memcmp(a.item[0].digest, b.item[0].digest,
	    UDS_DIGEST_LEN), 0);
	v.data = m3;
	v.len = strlen(m3);
	uds_message_sigs(&v, &c);
	cr_assert_eq(c.item[0].kind, UDS_KIND_ATTACH);
	cr_assert_neq(memcmp(a.item[0].digest, c.item[0].digest,
	    UDS_DIGEST_LEN), 0);
	v.data = m4;
	v.len = strlen(m4);
	uds_message_sigs(&v, &c);
	cr_assert_eq(c.nitems, 0, "300 bytes are too few");
	cr_assert_eq(c.skipped, 1);
	free(m1);
	free(m2);
	free(m3);
	free(m4);
}
