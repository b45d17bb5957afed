/*
 * ctl_uds.c - winnowctl uds: report, withdraw and look up signatures,
 * probe the servers, make keys
 *
 *	winnowctl uds add [-w WEIGHT] FILE|DIR|MBOX...	report spam
 *	winnowctl uds delete [-w WEIGHT] FILE...	withdraw a report
 *	winnowctl uds ham FILE...			mark ham-confirmed
 *	winnowctl uds check FILE...			what a server says
 *	winnowctl uds probe [-n N]			each server's RTT
 *	winnowctl uds stats				each server's counters
 *	winnowctl uds keygen [-C NAME] [-k KEYFILE]	a key file
 *
 * A message is signed exactly as winnowd signs it: content/ decodes its
 * text (the same parse winnowd runs) and uds_message_sigs() makes the
 * items under the [uds] key_file's hashing key.  Writes are signed with the
 * key file's client secret and go to every write server; the check goes to
 * the fastest server that answers, as in winnowd.
 *
 * uds_learn_*() are the hooks of winnowctl learn: when [uds] has servers
 * and the key file a client, every message learned as spam is added and
 * every message learned as ham marks its signatures ham-confirmed.
 *
 * SPDX-License-Identifier: MIT
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

/* external */
#include <sodium.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "status.h"

/* findings */
#include "findings.h"

/* content */
#include "content.h"
#include "mailsrc.h"

/* uds */
#include "uds.h"

/* ctl */
#include "ctl.h"
#include "ctl_uds.h"

#define UDS_PROBES_DEFAULT	3
#define UDS_PROBES_MAX		1000

static const char ctl_uds_help[] =
"Usage: winnowctl uds add [-q] [-w WEIGHT] FILE|DIR|MBOX...\n"
"       winnowctl uds delete [-q] [-w WEIGHT] FILE|DIR|MBOX...\n"
"       winnowctl uds ham [-q] FILE|DIR|MBOX...\n"
"       winnowctl uds check [-q] FILE|DIR|MBOX...\n"
"       winnowctl uds probe [-n N]\n"
"       winnowctl uds stats\n"
"       winnowctl uds keygen [-C CLIENT] [-k KEYFILE]\n"
"\n"
"UDS tells winnowd whether a message is known spam: winnow-udsd keeps the\n"
"signatures of reported spam (keyed digests and min-hashes of the text,\n"
"of the set of link domains and of attachments; never the text itself)\n"
"and winnowd asks it about every message.\n"
"\n"
"  add      report the messages as spam to every write server ([uds]\n"
"           write_servers, else servers); WEIGHT (default 1) counts\n"
"           towards winnow-udsd's threshold\n"
"  delete   take WEIGHT away from their signatures (0, the default:\n"
"           forget them)\n"
"  ham      mark their signatures, and the spam signatures that look like\n"
"           them, ham-confirmed: they no longer count (for mail that\n"
"           shares a spam's pictures or wording, such as shop receipts)\n"
"  check    ask the servers about each message, as winnowd does, and\n"
"           print what matched (the X-Winnow-Checks text) and the points\n"
"  probe    send N (default 3) pings to each server and print its round\n"
"           trip times and whether its store answers (the old uds-rtts)\n"
"  stats    each server's counters\n"
"  keygen   print a new key file: a new hash_key (or the one of KEYFILE:\n"
"           a site's hosts must share it), client CLIENT (default this\n"
"           host's name) and a new secret; and the line for winnow-udsd's\n"
"           clients file\n"
"\n"
"add, delete and ham need [uds] key_file with a client and its secret,\n"
"and the client's line in winnow-udsd's clients file.  winnowctl learn\n"
"--spam and --ham do add and ham too when they are possible.\n"
"\n"
"Exit status: 0 done; 64 usage error; 66 an input could not be read;\n"
"69 a server did not answer or refused; 78 configuration error.\n";

/* ctl_uds_sign - the items of a message, as winnowd makes them */

void
ctl_uds_sign(const char *data, size_t len, struct uds_sigset *set)
{
	struct msg_view	 v;
	struct content_msg *cm;

	content_view_init(&v, data, len);
	cm = content_parse(&v);
	v.text = content_text(cm, &v.text_len);
	uds_message_sigs(&v, set);
	content_msg_free(cm);
}

struct ctl_uds_run {
	unsigned int	 op;
	unsigned int	 weight;
	int		 quiet;
	const char	*name;		/* the message */
	const struct uds_sigset *set;
	unsigned long	 sent, failed, refused, hits;
};

/* ctl_uds_items - "text:hit(12 of 32) links:miss" */

static void
ctl_uds_items(const struct uds_sigset *set, const struct uds_reply *a,
    struct buf *out)
{
	unsigned int	 i;

	for (i = 0; i < a->nitems && i < set->nitems; i++) {
		buf_printf(out, "%s%s:%s", i ? " " : "",
		    uds_wire_kind_name(set->item[i].kind),
		    uds_wire_result_name(a->item[i].result));
		if (a->item[i].result != UDS_R_MISS &&
		    a->item[i].result != UDS_R_UNKNOWN)
			buf_printf(out, "(%s, count %u, hits %u)",
			    a->item[i].votes == UDS_VOTES_EXACT ? "exact" : "",
			    a->item[i].count, a->item[i].hits);
		if (a->item[i].votes != UDS_VOTES_EXACT &&
		    a->item[i].votes > 0)
			buf_printf(out, "[%u of %d]", a->item[i].votes,
			    UDS_SHINGLES);
	}
}

/* ctl_uds_outcome - print what one server said about one message */

static void
ctl_uds_outcome(const struct uds_outcome *o, void *arg)
{
	struct ctl_uds_run *r = arg;
	struct findings	*f;
	struct buf	*b;

	r->sent++;
	if (o->rc != WN_OK) {
		r->failed++;
		(void)fprintf(stderr, "winnowctl uds: %s: %s: %s\n", r->name,
		    o->server, o->why);
		return;
	}
	if (o->reply.status == UDS_ST_UNAVAILABLE && r->op == UDS_OP_CHECK) {
		if (!r->quiet)
			(void)printf("%s: uds=unknown points=0 (%s: its store "
			    "does not answer)\n", r->name, o->server);
		return;
	}
	if (o->reply.status != UDS_ST_OK) {
		r->refused++;
		(void)fprintf(stderr, "winnowctl uds: %s: %s: %s\n", r->name,
		    o->server, uds_wire_status_name(o->reply.status));
		return;
	}
	b = buf_new(128);
	if (r->op == UDS_OP_CHECK) {
		f = findings_new();
		uds_score(r->set, &o->reply, uds_max_points(), f);
		findings_render_uds(f, b);
		if (f->uds_score > 0)
			r->hits++;
		if (!r->quiet)
			(void)printf("%s: %s points=%u (%s, %.3f ms)\n",
			    r->name, buf_str(b), f->uds_score, o->server,
			    (double)o->rtt_us / 1000.0);
		findings_free(f);
	} else if (!r->quiet) {
		ctl_uds_items(r->set, &o->reply, b);
		(void)printf("%s: %s: %s\n", r->name, o->server, buf_str(b));
	}
	buf_free(b);
}

/* ctl_uds_path - every message of one input */

static int
ctl_uds_path(struct ctl_uds_run *r, const char *path)
{
	struct mailsrc	*ms;
	struct uds_sigset set;
	struct buf	*why = buf_new(128);
	const char	*data, *name;
	size_t		 len;
	int		 n, rc = EX_OK;

	if ((ms = mailsrc_open(path, why)) == NULL) {
		(void)fprintf(stderr, "winnowctl uds: %s\n", buf_str(why));
		buf_free(why);
		return (EX_NOINPUT);
	}
	while ((n = mailsrc_next(ms, &data, &len, &name, why)) != 0) {
		if (n < 0) {
			(void)fprintf(stderr, "winnowctl uds: %s\n",
			    buf_str(why));
			buf_reset(why);
			rc = EX_NOINPUT;
			continue;
		}
		ctl_uds_sign(data, len, &set);
		r->name = name;
		r->set = &set;
		if (set.nitems == 0) {
			if (!r->quiet)
				(void)printf("%s: no signature (too little "
				    "text)\n", name);
			continue;
		}
		buf_reset(why);
		if (uds_request(r->op, &set, UDS_FLAG_SPAM, r->weight,
		    ctl_uds_outcome, r, why) == WN_PERM) {
			(void)fprintf(stderr, "winnowctl uds: %s\n",
			    buf_str(why));
			rc = EX_CONFIG;
			break;
		}
	}
	mailsrc_close(ms);
	buf_free(why);
	return (rc);
}

/* ctl_uds_messages - add, delete, ham, check */

static int
ctl_uds_messages(unsigned int op, int argc, char **argv)
{
	struct ctl_uds_run r;
	char		*end;
	int		 c, i, rc = EX_OK, prc;

	memset(&r, 0, sizeof(r));
	r.op = op;
	r.weight = op == UDS_OP_ADD ? 1 : 0;
	optind = 0;
	while ((c = getopt(argc, argv, "qw:h")) != -1) {
		switch (c) {
		case 'q':
			r.quiet = 1;
			break;
		case 'w':
			r.weight = (unsigned int)strtoul(optarg, &end, 10);
			if (*end != '\0' || r.weight > 65535) {
				(void)fprintf(stderr, "winnowctl uds: -w takes "
				    "0..65535\n");
				return (EX_USAGE);
			}
			break;
		case 'h':
			(void)fputs(ctl_uds_help, stdout);
			return (EX_OK);
		default:
			(void)fputs(ctl_uds_help, stderr);
			return (EX_USAGE);
		}
	}
	if (optind >= argc) {
		(void)fprintf(stderr, "winnowctl uds %s: name the messages\n",
		    uds_wire_op_name(op));
		return (EX_USAGE);
	}
	for (i = optind; i < argc; i++) {
		prc = ctl_uds_path(&r, argv[i]);
		if (prc == EX_CONFIG)
			return (prc);
		if (prc != EX_OK)
			rc = prc;
	}
	if (op == UDS_OP_CHECK && !r.quiet && r.sent > 1)
		(void)printf("%lu of %lu checked known (%lu without an "
		    "answer)\n", r.hits, r.sent - r.failed, r.failed);
	if (rc == EX_OK && (r.failed > 0 || r.refused > 0))
		rc = EX_UNAVAILABLE;
	return (rc);
}

/* ctl_uds_probe_one - one ping's outcome */

struct ctl_probe {
	const char	*server[16];
	uint64_t	*rtt[16];
	size_t		 n[16];
	int		 up[16];
	size_t		 nsrv;
	size_t		 tries;
};

static void
ctl_uds_probe_one(const struct uds_outcome *o, void *arg)
{
	struct ctl_probe *p = arg;
	size_t		 i;

	for (i = 0; i < p->nsrv; i++)
		if (strcmp(p->server[i], o->server) == 0)
			break;
	if (i == p->nsrv) {
		if (p->nsrv == 16)
			return;
		p->server[p->nsrv] = o->server;
		p->rtt[p->nsrv] = calloc(p->tries, sizeof(uint64_t));
		p->nsrv++;
	}
	if (o->rc == WN_OK && o->reply.status == UDS_ST_OK &&
	    p->rtt[i] != NULL && p->n[i] < p->tries) {
		p->rtt[i][p->n[i]++] = o->rtt_us;
		p->up[i] = o->reply.store_up;
	}
}

/* ctl_u64_cmp - ascending */

static int
ctl_u64_cmp(const void *a, const void *b)
{
	uint64_t	 x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

/* ctl_uds_probe - winnowctl uds probe */

static int
ctl_uds_probe(int argc, char **argv)
{
	struct ctl_probe p;
	struct buf	*why = buf_new(128);
	size_t		 i, k;
	char		*end;
	int		 c, rc = EX_OK;

	memset(&p, 0, sizeof(p));
	p.tries = UDS_PROBES_DEFAULT;
	optind = 0;
	while ((c = getopt(argc, argv, "n:h")) != -1) {
		if (c == 'n') {
			p.tries = strtoul(optarg, &end, 10);
			if (*end != '\0' || p.tries < 1 ||
			    p.tries > UDS_PROBES_MAX) {
				(void)fprintf(stderr, "winnowctl uds probe: -n "
				    "takes 1..%d\n", UDS_PROBES_MAX);
				buf_free(why);
				return (EX_USAGE);
			}
		} else {
			(void)fputs(ctl_uds_help, c == 'h' ? stdout : stderr);
			buf_free(why);
			return (c == 'h' ? EX_OK : EX_USAGE);
		}
	}
	for (k = 0; k < p.tries; k++)
		if (uds_request(UDS_OP_PING, NULL, 0, 0, ctl_uds_probe_one, &p,
		    why) == WN_PERM) {
			(void)fprintf(stderr, "winnowctl uds probe: %s\n",
			    buf_str(why));
			buf_free(why);
			return (EX_CONFIG);
		}
	for (i = 0; i < p.nsrv; i++) {
		if (p.n[i] == 0) {
			(void)printf("%s unavailable: no answer to %zu "
			    "pings\n", p.server[i], p.tries);
			rc = EX_UNAVAILABLE;
		} else {
			qsort(p.rtt[i], p.n[i], sizeof(uint64_t), ctl_u64_cmp);
			(void)printf("%s available rtt=%.3fms (min %.3f, "
			    "%zu of %zu answered) store=%s\n", p.server[i],
			    (double)p.rtt[i][p.n[i] / 2] / 1000.0,
			    (double)p.rtt[i][0] / 1000.0, p.n[i], p.tries,
			    p.up[i] ? "up" : "DOWN");
			if (!p.up[i])
				rc = EX_UNAVAILABLE;
		}
		free(p.rtt[i]);
	}
	buf_free(why);
	return (rc);
}

/* ctl_uds_stats_one - print one server's counters */

static void
ctl_uds_stats_one(const struct uds_outcome *o, void *arg)
{
	unsigned int	 i;
	int		*rc = arg;

	if (o->rc != WN_OK || o->reply.status != UDS_ST_OK) {
		(void)printf("%s: %s\n", o->server, o->rc != WN_OK ? o->why :
		    uds_wire_status_name(o->reply.status));
		*rc = EX_UNAVAILABLE;
		return;
	}
	(void)printf("%s:\n", o->server);
	for (i = 0; i < o->reply.nstats; i++)
		(void)printf("  %-14s %llu\n",
		    uds_wire_stat_name(o->reply.stat[i].id),
		    (unsigned long long)o->reply.stat[i].value);
}

/* ctl_uds_stats - winnowctl uds stats */

static int
ctl_uds_stats(void)
{
	struct buf	*why = buf_new(128);
	int		 rc = EX_OK;

	if (uds_request(UDS_OP_STATS, NULL, 0, 0, ctl_uds_stats_one, &rc,
	    why) == WN_PERM) {
		(void)fprintf(stderr, "winnowctl uds stats: %s\n",
		    buf_str(why));
		rc = EX_CONFIG;
	}
	buf_free(why);
	return (rc);
}

/* ctl_uds_keygen - winnowctl uds keygen */

static int
ctl_uds_keygen(int argc, char **argv)
{
	uint8_t		 hk[UDS_KEY_LEN], sk[UDS_KEY_LEN];
	char		 hx[2 * UDS_KEY_LEN + 1], sx[2 * UDS_KEY_LEN + 1];
	char		 host[UDS_WIRE_NAME_MAX + 1];
	const char	*client = NULL, *from = NULL;
	struct buf	*why;
	int		 c;

	optind = 0;
	while ((c = getopt(argc, argv, "C:k:h")) != -1) {
		if (c == 'C')
			client = optarg;
		else if (c == 'k')
			from = optarg;
		else {
			(void)fputs(ctl_uds_help, c == 'h' ? stdout : stderr);
			return (c == 'h' ? EX_OK : EX_USAGE);
		}
	}
	if (client == NULL) {
		if (gethostname(host, sizeof(host)) < 0)
			(void)snprintf(host, sizeof(host), "client");
		host[sizeof(host) - 1] = '\0';
		host[strcspn(host, ".")] = '\0';
		client = host;
	}
	if (strlen(client) == 0 || strlen(client) > UDS_WIRE_NAME_MAX ||
	    strspn(client, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX"
	    "YZ0123456789._-") != strlen(client)) {
		(void)fprintf(stderr, "winnowctl uds keygen: \"%s\" is not a "
		    "client name (1..%d of letters, digits, . _ -)\n", client,
		    UDS_WIRE_NAME_MAX);
		return (EX_USAGE);
	}
	why = buf_new(128);
	if (from != NULL) {
		if (uds_hash_key_read(from, hk, why) != WN_OK) {
			(void)fprintf(stderr, "winnowctl uds keygen: %s\n",
			    buf_str(why));
			buf_free(why);
			return (EX_NOINPUT);
		}
	} else
		randombytes_buf(hk, sizeof(hk));
	buf_free(why);
	randombytes_buf(sk, sizeof(sk));
	(void)sodium_bin2hex(hx, sizeof(hx), hk, sizeof(hk));
	(void)sodium_bin2hex(sx, sizeof(sx), sk, sizeof(sk));
	(void)printf("# [uds] key_file of %s (chmod 600; hash_key is the "
	    "site's: every host of one\n# UDS store needs the same, so make "
	    "the others with -k THIS_FILE)\nhash_key = %s\nclient = %s\n"
	    "secret = %s\n# the line for winnow-udsd's clients_file:\n"
	    "# %s %s add,delete,ham\n", client, hx, client, sx, client, sx);
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(sx, sizeof(sx));
	return (EX_OK);
}

/* ctl_uds_load - UDS, and content for the subcommands that sign */

static int
ctl_uds_load(int sign)
{
	struct buf	*why = buf_new(128);
	int		 rc = EX_OK;

	if (uds_load(why) != WN_OK) {
		(void)fprintf(stderr, "winnowctl uds: %s\n", buf_str(why));
		rc = EX_CONFIG;
	} else if (sign && content_load(why) != WN_OK) {
		(void)fprintf(stderr, "winnowctl uds: %s\n", buf_str(why));
		rc = EX_CONFIG;
	}
	buf_free(why);
	return (rc);
}

/* ctl_uds_main - winnowctl uds */

int
ctl_uds_main(int argc, char **argv)
{
	static const struct {
		const char	*name;
		unsigned int	 op;
	} ops[] = {
		{ "add", UDS_OP_ADD }, { "delete", UDS_OP_DELETE },
		{ "ham", UDS_OP_HAM }, { "check", UDS_OP_CHECK },
	};
	size_t		 i;
	int		 rc;

	if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0) {
		(void)fputs(ctl_uds_help, argc < 2 ? stderr : stdout);
		return (argc < 2 ? EX_USAGE : EX_OK);
	}
	if (strcmp(argv[1], "keygen") == 0)
		return (ctl_uds_keygen(argc - 1, argv + 1));
	if (strcmp(argv[1], "probe") == 0 || strcmp(argv[1], "stats") == 0) {
		if ((rc = ctl_uds_load(0)) != EX_OK)
			return (rc);
		return (argv[1][0] == 'p' ? ctl_uds_probe(argc - 1, argv + 1) :
		    ctl_uds_stats());
	}
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(argv[1], ops[i].name) == 0) {
			if ((rc = ctl_uds_load(1)) != EX_OK)
				return (rc);
			return (ctl_uds_messages(ops[i].op, argc - 1,
			    argv + 1));
		}
	(void)fprintf(stderr, "winnowctl uds: unknown command \"%s\" "
	    "(winnowctl uds --help)\n", argv[1]);
	return (EX_USAGE);
}

/* What winnowctl learn reports to UDS. */
struct ctl_uds_learn {
	int		 spam;
	unsigned long	 messages, unsigned_msgs, failed, refused;
};

/* ctl_uds_learn_outcome - count, and say why a server did not take it */

static void
ctl_uds_learn_outcome(const struct uds_outcome *o, void *arg)
{
	struct ctl_uds_learn *l = arg;

	if (o->rc != WN_OK) {
		if (l->failed++ == 0)
			(void)fprintf(stderr, "winnowctl learn: uds: %s: %s\n",
			    o->server, o->why);
	} else if (o->reply.status != UDS_ST_OK) {
		if (l->refused++ == 0)
			(void)fprintf(stderr, "winnowctl learn: uds: %s: %s\n",
			    o->server, uds_wire_status_name(o->reply.status));
	}
}

/* ctl_uds_learn_open - NULL when UDS cannot take reports here */

struct ctl_uds_learn *
ctl_uds_learn_open(int spam, int quiet)
{
	struct ctl_uds_learn *l;
	struct buf	*why = buf_new(128);

	if (!uds_can_write(why)) {
		if (!quiet && buf_len(why) > 0)
			(void)fprintf(stderr, "winnowctl learn: uds: not "
			    "reported: %s\n", buf_str(why));
		buf_free(why);
		return (NULL);
	}
	buf_free(why);
	l = calloc(1, sizeof(*l));
	if (l != NULL)
		l->spam = spam;
	return (l);
}

/* ctl_uds_learn_msg - report one message learned */

void
ctl_uds_learn_msg(struct ctl_uds_learn *l, const char *data, size_t len)
{
	struct uds_sigset set;
	struct buf	*why;

	if (l == NULL)
		return;
	ctl_uds_sign(data, len, &set);
	l->messages++;
	if (set.nitems == 0) {
		l->unsigned_msgs++;
		return;
	}
	why = buf_new(64);
	(void)uds_request(l->spam ? UDS_OP_ADD : UDS_OP_HAM, &set,
	    UDS_FLAG_SPAM, l->spam ? 1 : 0, ctl_uds_learn_outcome, l, why);
	buf_free(why);
}

/* ctl_uds_learn_close - the summary; 0, or -1 when reports were lost */

int
ctl_uds_learn_close(struct ctl_uds_learn *l, int quiet)
{
	int	 rc;

	if (l == NULL)
		return (0);
	if (!quiet)
		(void)printf("uds: %lu message%s reported as %s (%lu without "
		    "a signature, %lu answers missing, %lu refused)\n",
		    l->messages - l->unsigned_msgs, l->messages -
		    l->unsigned_msgs == 1 ? "" : "s", l->spam ? "spam" :
		    "ham-confirmed", l->unsigned_msgs, l->failed, l->refused);
	rc = l->failed > 0 || l->refused > 0 ? -1 : 0;
	free(l);
	return (rc);
}
