/*
 * uds_lat.c - the time the UDS step adds to one message
 *
 *   uds_lat -c WINNOW.CONF [-n REPEAT] CORPUSDIR...
 *
 * With [uds] of WINNOW.CONF (servers, key_file), for every message below
 * the CORPUSDIRs: the decoded text is made first (content/, not timed:
 * winnowd makes it for its own checks), then uds_start() and uds_finish()
 * run back to back with nothing in between - the worst case, where no
 * other check overlaps the round trip - and are timed, as are the
 * signing alone (uds_message_sigs) and a bare PING round trip to the same
 * server.  Prints median, 90th and 99th percentile of each, in
 * microseconds, and the median step minus the median RTT: what the step
 * adds beyond one round trip.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "log.h"
#include "status.h"
#include "timeutil.h"
#include "xalloc.h"

#include "content.h"
#include "findings.h"
#include "mailsrc.h"

#include "uds.h"

struct series {
	uint64_t	*v;
	size_t		 n, cap;
};

/* push - one sample */

static void
push(struct series *s, uint64_t v)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		s->v = xreallocarray(s->v, s->cap, sizeof(*s->v));
	}
	s->v[s->n++] = v;
}

/* cmp - ascending */

static int
cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

/* pct - a percentile of a sorted series */

static uint64_t
pct(const struct series *s, double p)
{
	size_t	 i = (size_t)(p * (double)(s->n - 1) + 0.5);

	return (s->n ? s->v[i] : 0);
}

/* show - one line */

static uint64_t
show(const char *what, struct series *s)
{
	qsort(s->v, s->n, sizeof(*s->v), cmp);
	(void)printf("%-34s n=%-6zu median %6llu us  p90 %6llu us  p99 %6llu "
	    "us\n", what, s->n, (unsigned long long)pct(s, 0.5),
	    (unsigned long long)pct(s, 0.9), (unsigned long long)pct(s, 0.99));
	return (pct(s, 0.5));
}

/* ping_outcome - the RTT of a PING */

static void
ping_outcome(const struct uds_outcome *o, void *arg)
{
	if (o->rc == WN_OK)
		push(arg, o->rtt_us);
}

int
main(int argc, char **argv)
{
	struct buf	*why = buf_new(128);
	struct series	 step = { 0 }, sig = { 0 }, rtt = { 0 };
	struct uds_sigset set;
	struct mailsrc	*ms;
	const char	*cf = NULL, *data, *name;
	size_t		 len;
	int		 c, n, a, r, repeat = 1, hits = 0;
	uint64_t	 t0, m1, m2;

	log_init("uds_lat");
	log_to_stderr();
	while ((c = getopt(argc, argv, "c:n:")) != -1) {
		if (c == 'c')
			cf = optarg;
		else if (c == 'n')
			repeat = atoi(optarg);
		else
			return (64);
	}
	if (cf == NULL || optind >= argc) {
		(void)fprintf(stderr, "usage: uds_lat -c WINNOW.CONF [-n N] "
		    "CORPUSDIR...\n");
		return (64);
	}
	content_conf_register();
	uds_conf_register();
	if (conf_load(cf, why) != WN_OK || content_load(why) != WN_OK ||
	    uds_load(why) != WN_OK)
		log_fatal("%s", buf_str(why));
	if (!uds_enabled())
		log_fatal("%s: [uds] enable = yes and servers, please", cf);
	for (a = optind; a < argc; a++) {
		if ((ms = mailsrc_open(argv[a], why)) == NULL)
			log_fatal("%s", buf_str(why));
		while ((n = mailsrc_next(ms, &data, &len, &name, why)) != 0) {
			struct msg_view	 v;
			struct content_msg *cm;

			if (n < 0)
				continue;
			content_view_init(&v, data, len);
			cm = content_parse(&v);
			v.text = content_text(cm, &v.text_len);
			for (r = 0; r < repeat; r++) {
				struct findings *f = findings_new();
				struct uds_run *run;

				t0 = time_now_us();
				uds_message_sigs(&v, &set);
				push(&sig, time_now_us() - t0);
				t0 = time_now_us();
				run = uds_start(&v, why);
				if (run == NULL)
					log_fatal("%s", buf_str(why));
				(void)uds_finish(run, f, why);
				push(&step, time_now_us() - t0);
				hits += f->uds_score > 0;
				findings_free(f);
				(void)uds_request(UDS_OP_PING, NULL, 0, 0,
				    ping_outcome, &rtt, why);
			}
			content_msg_free(cm);
		}
		mailsrc_close(ms);
	}
	(void)printf("%d of %zu steps matched known spam\n", hits, step.n);
	(void)show("signing (uds_message_sigs)", &sig);
	m1 = show("UDS step (uds_start + uds_finish)", &step);
	m2 = show("PING round trip", &rtt);
	(void)printf("added beyond one round trip (median): %lld us\n",
	    (long long)m1 - (long long)m2);
	return (0);
}
