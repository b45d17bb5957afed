/* test_udsd_req.c - one datagram through udsd/udsd_req.c: who may ask and
 * write, malformed, oversized, spoofed and replayed datagrams */

#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <sodium.h>
#include <uv.h>

#include "buf.h"
#include "conf.h"
#include "status.h"
#include "testutil.h"
#include "udsd.h"

#define S64 "2222222222222222222222222222222222222222222222222222222222222222"

static struct udsd_store st;
static int		 srv, cli;
static struct sockaddr_in cli_sa;
static uint8_t		 secret[UDS_KEY_LEN];

/* udp - a UDP socket on 127.0.0.1, its address into sin */

static int
udp(struct sockaddr_in *sin)
{
	socklen_t	 sl = sizeof(*sin);
	int		 fd = socket(AF_INET, SOCK_DGRAM, 0);

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)sin, sizeof(*sin)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)sin, &sl), 0);
	return (fd);
}

static void
setup_with(const char *extra)
{
	struct buf	*why = buf_new(64);
	struct sockaddr_in sin;
	char		 conf[1024];
	const char	*cf;

	cr_assert(sodium_init() >= 0);
	memset(secret, 0x22, sizeof(secret));
	cf = tu_write_file("clients", "mx1 " S64 "\nro " S64 " ham\n");
	cr_assert_eq(chmod(cf, 0600), 0);
	udsd_conf_register();
	(void)snprintf(conf, sizeof(conf), "[udsd]\nlmdb_path = %s/u.lmdb\n"
	    "lmdb_size = 16M\nclients_file = %s\n%s", tu_tmpdir(), cf, extra);
	cr_assert_eq(conf_load(tu_write_file("u.conf", conf), why), WN_OK,
	    "%s", buf_str(why));
	st.ops = &udsd_lmdb_ops;
	cr_assert_eq(st.ops->open(&st, uv_default_loop(), why), WN_OK);
	cr_assert_eq(udsd_req_init(&st, why), WN_OK, "%s", buf_str(why));
	srv = udp(&sin);
	cli = udp(&cli_sa);
	buf_free(why);
}

static void
setup(void)
{
	setup_with("");
}

TestSuite(udsd_req, .init = setup, .timeout = 30);

/* send_raw - a datagram from the client; the reply, or -1 for none */

static int
send_raw(const uint8_t *p, size_t len, int truncated, struct uds_reply *a)
{
	struct pollfd	 pfd = { cli, POLLIN, 0 };
	uint8_t		 in[UDS_WIRE_MAX];
	ssize_t		 n;

	udsd_req_handle(p, len, truncated, (struct sockaddr *)&cli_sa,
	    sizeof(cli_sa), srv);
	st.ops->flush(&st);
	udsd_net_flush();
	if (poll(&pfd, 1, 200) <= 0)
		return (-1);
	n = recv(cli, in, sizeof(in), 0);
	cr_assert_eq(uds_wire_unpack_reply(in, (size_t)n, a, NULL), WN_OK);
	return (0);
}

/* send_req - pack (and sign) a request and send it */

static int
send_req(struct uds_req *q, const uint8_t *key, struct uds_reply *a)
{
	uint8_t		 pkt[UDS_WIRE_MAX];
	int		 n = uds_wire_pack_req(q, key, pkt, NULL);

	cr_assert_gt(n, 0);
	return (send_raw(pkt, (size_t)n, 0, a));
}

/* req - a request of one attachment item */

static void
req(struct uds_req *q, unsigned int op, const char *client)
{
	memset(q, 0, sizeof(*q));
	q->op = (uint8_t)op;
	q->id = randombytes_random();
	q->nitems = 1;
	q->item[0].kind = UDS_KIND_ATTACH;
	memset(q->item[0].digest, 0x77, UDS_DIGEST_LEN);
	if (uds_wire_op_writes(op)) {
		(void)snprintf(q->client, sizeof(q->client), "%s", client);
		q->time = (uint32_t)time(NULL);
		q->weight = 1;
	}
}

Test(udsd_req, ping_check_add_stats)
{
	struct uds_req	 q;
	struct uds_reply a;
	unsigned int	 i;

	req(&q, UDS_OP_PING, NULL);
	cr_assert_eq(send_req(&q, NULL, &a), 0);
	cr_assert_eq(a.id, q.id);
	cr_assert_eq(a.store_up, 1);
	req(&q, UDS_OP_CHECK, NULL);
	cr_assert_eq(send_req(&q, NULL, &a), 0);
	cr_assert_eq(a.item[0].result, UDS_R_MISS);
	req(&q, UDS_OP_ADD, "mx1");
	cr_assert_eq(send_req(&q, secret, &a), 0);
	cr_assert_eq(a.status, UDS_ST_OK);
	cr_assert_eq(a.item[0].result, UDS_R_HIT);
	req(&q, UDS_OP_CHECK, NULL);
	cr_assert_eq(send_req(&q, NULL, &a), 0);
	cr_assert_eq(a.item[0].result, UDS_R_HIT);
	req(&q, UDS_OP_STATS, NULL);
	cr_assert_eq(send_req(&q, NULL, &a), 0);
	for (i = 0; i < a.nstats; i++) {
		if (a.stat[i].id == UDS_STAT_CHECKS)
			cr_assert_eq(a.stat[i].value, 2);
		if (a.stat[i].id == UDS_STAT_WRITES)
			cr_assert_eq(a.stat[i].value, 1);
		if (a.stat[i].id == UDS_STAT_SIGNATURES)
			cr_assert_eq(a.stat[i].value, 1);
	}
	cr_assert_eq(a.nstats, UDS_STAT_STORE_UP);
}

Test(udsd_req, writes_are_authenticated)
{
	struct uds_req	 q;
	struct uds_reply a;
	uint8_t		 wrong[UDS_KEY_LEN];

	memset(wrong, 0x23, sizeof(wrong));
	req(&q, UDS_OP_ADD, "mx1");
	cr_assert_eq(send_req(&q, wrong, &a), 0);
	cr_assert_eq(a.status, UDS_ST_DENIED, "a spoofed MAC");
	req(&q, UDS_OP_ADD, "nobody");
	cr_assert_eq(send_req(&q, secret, &a), 0);
	cr_assert_eq(a.status, UDS_ST_DENIED, "an unknown client");
	req(&q, UDS_OP_ADD, "ro");
	cr_assert_eq(send_req(&q, secret, &a), 0);
	cr_assert_eq(a.status, UDS_ST_DENIED, "ro may only mark ham");
	req(&q, UDS_OP_HAM, "ro");
	cr_assert_eq(send_req(&q, secret, &a), 0);
	cr_assert_eq(a.status, UDS_ST_OK);
	req(&q, UDS_OP_ADD, "mx1");
	q.time -= 3600;
	cr_assert_eq(send_req(&q, secret, &a), 0);
	cr_assert_eq(a.status, UDS_ST_DENIED, "an old clock");
	req(&q, UDS_OP_CHECK, NULL);
	cr_assert_eq(send_req(&q, NULL, &a), 0);
	cr_assert_eq(a.item[0].result, UDS_R_HAM, "nothing was added");
	cr_assert_eq(udsd_stat[UDS_STAT_DENIED], 4);
}

Test(udsd_req, a_replayed_write_is_refused)
{
	struct uds_req	 q;
	struct uds_reply a;
	uint8_t		 pkt[UDS_WIRE_MAX];
	int		 n;

	req(&q, UDS_OP_ADD, "mx1");
	n = uds_wire_pack_req(&q, secret, pkt, NULL);
	cr_assert_eq(send_raw(pkt, (size_t)n, 0, &a), 0);
	cr_assert_eq(a.status, UDS_ST_OK);
	cr_assert_eq(a.item[0].count, 1);
	cr_assert_eq(send_raw(pkt, (size_t)n, 0, &a), 0);
	cr_assert_eq(a.status, UDS_ST_DENIED);
	req(&q, UDS_OP_CHECK, NULL);
	cr_assert_eq(send_req(&q, NULL, &a), 0);
	cr_assert_eq(a.item[0].count, 1, "counted once");
}

Test(udsd_req, bad_datagrams)
{
	struct uds_req	 q;
	struct uds_reply a;
	uint8_t		 pkt[UDS_WIRE_MAX + 10];
	int		 n;

	/* not UDS, a reply, oversized or cut by the kernel: no answer */
	cr_assert_lt(send_raw((const uint8_t *)"hello", 5, 0, &a), 0);
	req(&q, UDS_OP_CHECK, NULL);
	n = uds_wire_pack_req(&q, NULL, pkt, NULL);
	pkt[3] |= UDS_OP_REPLY;
	cr_assert_lt(send_raw(pkt, (size_t)n, 0, &a), 0);
	pkt[3] &= ~UDS_OP_REPLY;
	cr_assert_lt(send_raw(pkt, (size_t)n, 1, &a), 0);
	memset(pkt + n, 0, sizeof(pkt) - (size_t)n);
	cr_assert_lt(send_raw(pkt, UDS_WIRE_MAX + 1, 0, &a), 0);
	/* a readable header: answered "bad", never longer than it came */
	cr_assert_eq(send_raw(pkt, (size_t)n - 3, 0, &a), 0);
	cr_assert_eq(a.status, UDS_ST_BAD);
	cr_assert_eq(a.id, q.id);
	/* another version: answered so */
	pkt[2] = 2;
	cr_assert_eq(send_raw(pkt, (size_t)n, 0, &a), 0);
	cr_assert_eq(a.status, UDS_ST_VERSION);
	cr_assert_eq(udsd_stat[UDS_STAT_BAD], 6);
}

Test(udsd_req, strangers_get_nothing)
{
	struct uds_req	 q;
	struct uds_reply a;

	conf_reset();
	udsd_req_init(&st, NULL);
	setup_with("allow = 10.0.0.0/8\n");
	req(&q, UDS_OP_PING, NULL);
	cr_assert_lt(send_req(&q, NULL, &a), 0);
}

Test(udsd_req, one_source_flooding)
{
	struct sockaddr_in other;
	struct pollfd	 pfd = { 0, POLLIN, 0 };
	struct uds_req	 q;
	uint8_t		 pkt[UDS_WIRE_MAX];
	int		 i, n, answered = 0, fd2;

	conf_reset();
	setup_with("query_rate = 10\nquery_burst = 20\n");
	req(&q, UDS_OP_PING, NULL);
	for (i = 0; i < 1000; i++) {
		q.id = (uint32_t)i;
		n = uds_wire_pack_req(&q, NULL, pkt, NULL);
		udsd_req_handle(pkt, (size_t)n, 0,
		    (struct sockaddr *)&cli_sa, sizeof(cli_sa), srv);
		udsd_net_flush();
	}
	pfd.fd = cli;
	while (poll(&pfd, 1, 100) > 0 && recv(cli, pkt, sizeof(pkt), 0) > 0)
		answered++;
	cr_assert_geq(answered, 20);
	cr_assert_leq(answered, 25, "%d answered", answered);
	cr_assert_geq(udsd_stat[UDS_STAT_RATE], 975);
	/* another client (another address) is served all the while */
	fd2 = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&other, 0, sizeof(other));
	other.sin_family = AF_INET;
	other.sin_addr.s_addr = htonl(0x7f000002);
	cr_assert_eq(bind(fd2, (struct sockaddr *)&other, sizeof(other)), 0);
	{
		socklen_t sl = sizeof(other);

		cr_assert_eq(getsockname(fd2, (struct sockaddr *)&other, &sl),
		    0);
	}
	n = uds_wire_pack_req(&q, NULL, pkt, NULL);
	udsd_req_handle(pkt, (size_t)n, 0, (struct sockaddr *)&other,
	    sizeof(other), srv);
	udsd_net_flush();
	pfd.fd = fd2;
	cr_assert_eq(poll(&pfd, 1, 500), 1);
}
