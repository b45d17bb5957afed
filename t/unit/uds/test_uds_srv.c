/* test_uds_srv.c - unit tests for uds/uds_srv.c */

#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>

#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "uds_private.h"

static struct buf	*why;

static void
setup(void)
{
	why = buf_new(64);
}

static void
teardown(void)
{
	buf_free(why);
}

TestSuite(uds_srv, .init = setup, .fini = teardown);

Test(uds_srv, list_syntax)
{
	cr_assert_eq(uds_srv_check("127.0.0.1:7060 [::1]:7061, ::1 "
	    "uds.example.org", why), 0, "%s", buf_str(why));
	cr_assert_eq(uds_srv_check("", why), 0);
	cr_assert_lt(uds_srv_check("host:0", why), 0);
	cr_assert_lt(uds_srv_check("host:70000", why), 0);
	cr_assert_lt(uds_srv_check("[::1", why), 0);
	cr_assert_lt(uds_srv_check("[::1]x", why), 0);
	cr_assert_lt(uds_srv_check("host:12ab", why), 0);
	cr_assert_lt(uds_srv_check("a b c d e f g h i j k l m n o p q", why),
	    0);
}

Test(uds_srv, addresses_and_default_port)
{
	struct uds_srvset *s;
	struct sockaddr_in6 *s6;

	s = uds_srv_new("127.0.0.1 [::1]:7061", NULL, why);
	cr_assert_not_null(s, "%s", buf_str(why));
	cr_assert_eq(s->n, 2);
	cr_assert_eq(ntohs(((struct sockaddr_in *)&s->srv[0].addr)->sin_port),
	    UDS_DEFAULT_PORT);
	s6 = (struct sockaddr_in6 *)&s->srv[1].addr;
	cr_assert_eq(s6->sin6_family, AF_INET6);
	cr_assert_eq(ntohs(s6->sin6_port), 7061);
	cr_assert_str_eq(s->srv[1].st->name, "[::1]:7061");
	uds_srv_free(s);
	cr_assert_null(uds_srv_new("no-such-host.invalid", NULL, why));
}

Test(uds_srv, fastest_healthy_first_failing_last)
{
	struct uds_srvset *s = uds_srv_new("127.0.0.1:1 127.0.0.1:2 "
	    "127.0.0.1:3", NULL, why);
	size_t		 o[UDS_MAX_SERVERS];

	cr_assert_not_null(s);
	/* never answered: configured order */
	cr_assert_eq(uds_srv_order(s, 0, o), 3);
	cr_assert(o[0] == 0 && o[1] == 1 && o[2] == 2);
	uds_srv_answered(&s->srv[2], 300);
	uds_srv_answered(&s->srv[1], 900);
	(void)uds_srv_order(s, 0, o);
	cr_assert(o[0] == 2 && o[1] == 1 && o[2] == 0);
	uds_srv_timeout(&s->srv[2], 1000, 30000);
	(void)uds_srv_order(s, 1000, o);
	cr_assert(o[0] == 1 && o[1] == 0 && o[2] == 2);
	/* an answer makes it healthy again, RTT smoothed (1/8) */
	uds_srv_answered(&s->srv[2], 1100);
	cr_assert_eq(s->srv[2].st->fails, 0);
	cr_assert_eq(s->srv[2].st->srtt_us, (300 * 7 + 1100) / 8);
	cr_assert_eq(s->srv[2].st->timeouts, 1);
	cr_assert_eq(s->srv[2].st->answered, 2);
	uds_srv_free(s);
}

Test(uds_srv, one_probe_per_interval)
{
	struct uds_srvset *s = uds_srv_new("127.0.0.1:1", NULL, why);
	struct uds_server *v = &s->srv[0];

	cr_assert_not(uds_srv_probe_due(v, 0, 1000), "healthy");
	uds_srv_timeout(v, 5000, 1000);
	cr_assert_not(uds_srv_probe_due(v, 5500, 1000));
	cr_assert(uds_srv_probe_due(v, 6000, 1000));
	cr_assert_not(uds_srv_probe_due(v, 6000, 1000), "claimed once");
	cr_assert(uds_srv_probe_due(v, 7000, 1000));
	uds_srv_free(s);
}

Test(uds_srv, children_share_the_record)
{
	struct uds_srvset *s = uds_srv_new("127.0.0.1:1", NULL, why);
	pid_t		 pid;
	int		 st;

	if ((pid = fork()) == 0) {
		uds_srv_timeout(&s->srv[0], 1, 1000);
		uds_srv_answered(&s->srv[0], 42);
		_exit(0);
	}
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert_eq(s->srv[0].st->srtt_us, 42);
	cr_assert_eq(s->srv[0].st->timeouts, 1);
	uds_srv_free(s);
}

Test(uds_srv, a_reload_keeps_the_records_of_the_same_servers)
{
	struct uds_srvset *a = uds_srv_new("127.0.0.1:1 127.0.0.1:2", NULL,
	    why), *b;

	uds_srv_answered(&a->srv[1], 77);
	b = uds_srv_new("127.0.0.1:2 127.0.0.1:3", a, why);
	cr_assert_not_null(b);
	cr_assert_eq(b->srv[0].st->srtt_us, 77);
	cr_assert_eq(b->srv[1].st->srtt_us, 0);
	uds_srv_free(a);
	cr_assert_eq(b->srv[0].st->srtt_us, 77);
	uds_srv_free(b);
}
