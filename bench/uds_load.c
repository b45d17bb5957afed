/*
 * uds_load.c - queries per second a winnow-udsd answers on loopback
 *
 *   uds_load [-R] -s ADDR:PORT [-k KEYFILE] [-c INFLIGHT] [-t SECONDS]
 *            [-w WARMUP] [-p PID]... CORPUSDIR...
 *
 * Signs every message below the CORPUSDIRs as winnowd does (content/'s
 * text, uds_message_sigs under the key file's hashing key, or the public
 * key) into CHECK datagrams, then sends them round-robin over one
 * connected UDP socket, keeping INFLIGHT (default 256) unanswered at
 * most, in batches of 64 (sendmmsg/recvmmsg), for SECONDS (default 5)
 * after WARMUP seconds (default 1).  Prints the answers per second, the
 * datagrams lost, and for each -p PID (the server, Redis) the CPU it used
 * over the measurement, from /proc/PID/stat: answers per CPU-second of
 * the server is the figure "queries per second per core", whatever else
 * runs on the machine.
 *
 * -R sends rspamd's fuzzy CHECK instead (protocol version 4, unencrypted:
 * version, command, shingle count, flag, value, tag, a 64-byte digest and
 * 32 64-bit shingles, in the host's byte order as rspamd packs them: 332
 * bytes), made from the same messages' UDS items (so rspamd's storage
 * finds none of them: every query is a miss for it).
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
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
#include "mailsrc.h"

#include "uds.h"
#include "uds_sig.h"
#include "uds_wire.h"

#define BATCH	64
#define MAXPID	4

struct pkt {
	uint8_t	 b[UDS_WIRE_MAX];
	size_t	 len;
};

static struct pkt	*pkts;
static size_t		 npkts, cappkts;
static int		 rspamd;

/* rspamd_pkt - an rspamd fuzzy v4 shingle CHECK of a text item */

static size_t
rspamd_pkt(const struct uds_item *it, uint32_t tag, uint8_t *b)
{
	int32_t		 value = 0;
	unsigned int	 i;

	b[0] = 4;			/* RSPAMD_FUZZY_VERSION */
	b[1] = 0;			/* FUZZY_CHECK */
	b[2] = UDS_SHINGLES;
	b[3] = 0;
	memcpy(b + 4, &value, 4);
	memcpy(b + 8, &tag, 4);
	for (i = 0; i < 4; i++)
		memcpy(b + 12 + 16 * i, it->digest, 16);
	memcpy(b + 76, it->shingle, 8 * UDS_SHINGLES);
	return (76 + 8 * UDS_SHINGLES);
}

/* cpu_ticks - utime + stime of a process */

static unsigned long long
cpu_ticks(int pid)
{
	char		 path[64], buf[1024], *p;
	unsigned long long ut = 0, st = 0;
	FILE		*fp;
	int		 i;

	(void)snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if ((fp = fopen(path, "r")) == NULL)
		return (0);
	if (fgets(buf, sizeof(buf), fp) == NULL) {
		(void)fclose(fp);
		return (0);
	}
	(void)fclose(fp);
	if ((p = strrchr(buf, ')')) == NULL)
		return (0);
	/* fields after the name: state is 3; utime 14, stime 15 */
	for (i = 3; i < 14 && p != NULL; i++)
		p = strchr(p + 1, ' ');
	if (p == NULL || sscanf(p, " %llu %llu", &ut, &st) != 2)
		return (0);
	return (ut + st);
}

/* load_corpus - one CHECK datagram per message with a signature */

static void
load_corpus(const char *dir)
{
	struct mailsrc	*ms;
	struct buf	*why = buf_new(64);
	struct uds_sigset set;
	struct uds_req	 q;
	struct msg_view	 v;
	struct content_msg *cm;
	const char	*data, *name;
	size_t		 len;
	int		 n;

	if ((ms = mailsrc_open(dir, why)) == NULL)
		log_fatal("%s", buf_str(why));
	while ((n = mailsrc_next(ms, &data, &len, &name, why)) != 0) {
		if (n < 0)
			continue;
		content_view_init(&v, data, len);
		cm = content_parse(&v);
		v.text = content_text(cm, &v.text_len);
		uds_message_sigs(&v, &set);
		content_msg_free(cm);
		if (set.nitems == 0)
			continue;
		if (npkts == cappkts) {
			cappkts = cappkts ? cappkts * 2 : 1024;
			pkts = xreallocarray(pkts, cappkts, sizeof(*pkts));
		}
		if (rspamd) {
			const struct uds_item *t = uds_sigset_find(&set,
			    UDS_KIND_TEXT);

			if (t != NULL && t->nshingles)
				pkts[npkts].len = rspamd_pkt(t,
				    (uint32_t)npkts, pkts[npkts].b), npkts++;
			continue;
		}
		memset(&q, 0, sizeof(q));
		q.op = UDS_OP_CHECK;
		q.id = (uint32_t)npkts;
		q.nitems = (uint8_t)set.nitems;
		memcpy(q.item, set.item, set.nitems * sizeof(q.item[0]));
		n = uds_wire_pack_req(&q, NULL, pkts[npkts].b, why);
		if (n > 0)
			pkts[npkts++].len = (size_t)n;
	}
	mailsrc_close(ms);
	buf_free(why);
}

/* connect_to - a connected, non-blocking UDP socket */

static int
connect_to(const char *addr)
{
	struct sockaddr_in sin;
	char		 host[64];
	const char	*c = strrchr(addr, ':');
	int		 fd, big = 8 << 20;

	if (c == NULL || (size_t)(c - addr) >= sizeof(host))
		log_fatal("-s %s: not ADDR:PORT", addr);
	memcpy(host, addr, (size_t)(c - addr));
	host[c - addr] = '\0';
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)atoi(c + 1));
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1)
		log_fatal("-s %s: not an IPv4 address", addr);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		log_fatal("connect: %s", strerror(errno));
	return (fd);
}

int
main(int argc, char **argv)
{
	struct buf	*why = buf_new(128);
	struct mmsghdr	 out[BATCH], in[BATCH];
	struct iovec	 oiov[BATCH], iiov[BATCH];
	static uint8_t	 ibuf[BATCH][UDS_WIRE_MAX + 1];
	const char	*server = NULL, *keyfile = NULL;
	unsigned long long t0[MAXPID], t1[MAXPID], answered = 0, sent = 0,
			 lost = 0, hits = 0;
	uint64_t	 start, mstart = 0, last_answer, now, end;
	double		 secs = 5, warm = 1, el;
	size_t		 inflight_max = 256, inflight = 0, next = 0, i;
	int		 pid[MAXPID], npid = 0, c, fd, n, measuring = 0;
	char		 conf[512];
	FILE		*fp;

	log_init("uds_load");
	log_to_stderr();
	while ((c = getopt(argc, argv, "Rs:k:c:t:w:p:")) != -1) {
		switch (c) {
		case 'R':
			rspamd = 1;
			break;
		case 's':
			server = optarg;
			break;
		case 'k':
			keyfile = optarg;
			break;
		case 'c':
			inflight_max = strtoul(optarg, NULL, 10);
			break;
		case 't':
			secs = atof(optarg);
			break;
		case 'w':
			warm = atof(optarg);
			break;
		case 'p':
			if (npid < MAXPID)
				pid[npid++] = atoi(optarg);
			break;
		default:
			return (64);
		}
	}
	if (server == NULL || optind >= argc) {
		(void)fprintf(stderr, "usage: uds_load -s ADDR:PORT [-k KEY] "
		    "[-c N] [-t S] [-w S] [-p PID]... CORPUSDIR...\n");
		return (64);
	}
	content_conf_register();
	uds_conf_register();
	(void)snprintf(conf, sizeof(conf), "/tmp/uds_load.%d.conf",
	    (int)getpid());
	if ((fp = fopen(conf, "w")) == NULL)
		log_fatal("%s: %s", conf, strerror(errno));
	(void)fprintf(fp, "[uds]\nkey_file = %s\n", keyfile ? keyfile : "");
	(void)fclose(fp);
	if (conf_load(conf, why) != WN_OK || content_load(why) != WN_OK ||
	    uds_load(why) != WN_OK)
		log_fatal("%s", buf_str(why));
	(void)unlink(conf);
	for (c = optind; c < argc; c++)
		load_corpus(argv[c]);
	if (npkts == 0)
		log_fatal("no message with a signature");
	fd = connect_to(server);
	for (i = 0; i < BATCH; i++) {
		iiov[i].iov_base = ibuf[i];
		iiov[i].iov_len = sizeof(ibuf[i]);
		memset(&in[i], 0, sizeof(in[i]));
		in[i].msg_hdr.msg_iov = &iiov[i];
		in[i].msg_hdr.msg_iovlen = 1;
	}
	start = last_answer = time_now_ms();
	end = start + (uint64_t)((warm + secs) * 1000);
	while ((now = time_now_ms()) < end) {
		if (!measuring && now >= start + (uint64_t)(warm * 1000)) {
			measuring = 1;
			mstart = now;
			answered = hits = 0;
			for (c = 0; c < npid; c++)
				t0[c] = cpu_ticks(pid[c]);
		}
		/* fill the window */
		while (inflight + BATCH <= inflight_max) {
			for (i = 0; i < BATCH; i++) {
				struct pkt *p = &pkts[next++ % npkts];

				oiov[i].iov_base = p->b;
				oiov[i].iov_len = p->len;
				memset(&out[i], 0, sizeof(out[i]));
				out[i].msg_hdr.msg_iov = &oiov[i];
				out[i].msg_hdr.msg_iovlen = 1;
			}
			n = sendmmsg(fd, out, BATCH, 0);
			if (n <= 0)
				break;
			inflight += (size_t)n;
			sent += (unsigned long long)n;
		}
		n = recvmmsg(fd, in, BATCH, 0, NULL);
		if (n > 0) {
			for (c = 0; c < n; c++) {
				/* a HIT somewhere in the answer */
				uint8_t *b = ibuf[c];
				unsigned int k, ni;

				if (rspamd) {
					int32_t v;

					if (in[c].msg_len >= 16) {
						memcpy(&v, b, 4);
						hits += v > 0;
					}
					continue;
				}
				if (in[c].msg_len < 10 || b[8] != 0)
					continue;
				ni = b[9];
				for (k = 0; k < ni &&
				    10 + 12 * k < in[c].msg_len; k++)
					if (b[10 + 12 * k] == UDS_R_HIT) {
						hits++;
						break;
					}
			}
			answered += (unsigned long long)n;
			inflight -= (size_t)n > inflight ? inflight : (size_t)n;
			last_answer = now;
		} else if (now - last_answer > 100 && inflight > 0) {
			lost += inflight;	/* dropped: start over */
			inflight = 0;
			last_answer = now;
		} else {
			struct pollfd pfd = { fd, POLLIN, 0 };

			(void)poll(&pfd, 1, 1);
		}
	}
	el = (double)(time_now_ms() - mstart) / 1000.0;
	for (c = 0; c < npid; c++)
		t1[c] = cpu_ticks(pid[c]);
	(void)printf("messages %zu, in flight %zu, %.1f s: %.0f answers/s, "
	    "%.1f%% of them with a hit, %llu lost of %llu sent\n", npkts,
	    inflight_max, el, (double)answered / el,
	    answered ? 100.0 * (double)hits / (double)answered : 0.0, lost,
	    sent);
	for (c = 0; c < npid; c++) {
		double cpu = (double)(t1[c] - t0[c]) /
		    (double)sysconf(_SC_CLK_TCK);

		(void)printf("pid %d: %.2f CPU-seconds (%.0f%% of a core): "
		    "%.0f answers per CPU-second\n", pid[c], cpu,
		    100.0 * cpu / el, cpu > 0 ? (double)answered / cpu : 0.0);
	}
	return (0);
}
