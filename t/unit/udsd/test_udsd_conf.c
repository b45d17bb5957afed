/* test_udsd_conf.c - unit tests for udsd/udsd_conf.c */

#include <sys/stat.h>

#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "conf.h"
#include "status.h"
#include "testutil.h"
#include "udsd.h"

#define S64 "1111111111111111111111111111111111111111111111111111111111111111"

static struct buf	*why;

static void
setup(void)
{
	why = buf_new(64);
	udsd_conf_register();
}

static void
teardown(void)
{
	buf_free(why);
	conf_reset();
}

TestSuite(udsd_conf, .init = setup, .fini = teardown);

/* clients - a clients file from text */

static struct udsd_clients *
clients(const char *text, mode_t mode)
{
	const char	*p = tu_write_file("clients", text);

	cr_assert_eq(chmod(p, mode), 0);
	buf_reset(why);
	return (udsd_clients_load(p, why));
}

Test(udsd_conf, defaults)
{
	cr_assert_eq(conf_load(NULL, why), WN_OK);
	cr_assert_str_eq(udsd_conf_store(), "lmdb");
	cr_assert_eq(udsd_conf.votes, 8);
	cr_assert_eq(udsd_conf.threshold, 1);
	cr_assert_eq(udsd_conf.ttl_ms, 30U * 86400 * 1000);
	cr_assert_str_eq(udsd_conf.listen, "127.0.0.1:7060 [::1]:7060");
}

Test(udsd_conf, bad_values_say_where)
{
	const char	*p = tu_write_file("u.conf", "[udsd]\nlisten = "
	    "127.0.0.1\nstore = berkeley\nallow = 10.0.0.0/40\n"
	    "redis = ftp:x\n");

	cr_assert_eq(conf_load(p, why), WN_PERM);
	cr_assert(strstr(buf_str(why), "u.conf:2:") != NULL, "%s",
	    buf_str(why));
	cr_assert(strstr(buf_str(why), "u.conf:3:") != NULL);
	cr_assert(strstr(buf_str(why), "u.conf:4:") != NULL);
	cr_assert(strstr(buf_str(why), "u.conf:5:") != NULL);
}

Test(udsd_conf, a_clients_file)
{
	struct udsd_clients *cl = clients("# who may write\n\nmx1 " S64 "\n"
	    "trap\t" S64 "\tadd\nro " S64 " ham, delete\n", 0600);
	const struct udsd_client *c;

	cr_assert_not_null(cl, "%s", buf_str(why));
	cr_assert_eq(cl->n, 3);
	c = udsd_clients_find(cl, "trap");
	cr_assert_not_null(c);
	cr_assert_eq(c->ops, 1U << UDS_OP_ADD);
	cr_assert_eq(c->secret[0], 0x11);
	c = udsd_clients_find(cl, "ro");
	cr_assert_eq(c->ops, 1U << UDS_OP_HAM | 1U << UDS_OP_DELETE);
	cr_assert_eq(udsd_clients_find(cl, "mx1")->ops, 1U << UDS_OP_ADD |
	    1U << UDS_OP_DELETE | 1U << UDS_OP_HAM);
	cr_assert_null(udsd_clients_find(cl, "nobody"));
	udsd_clients_free(cl);
}

Test(udsd_conf, clients_file_problems)
{
	cr_assert_null(clients("mx1 " S64 "\n", 0644));
	cr_assert(strstr(buf_str(why), "chmod 600") != NULL);
	cr_assert_null(clients("mx1 1234\n", 0600));
	cr_assert(strstr(buf_str(why), "clients:1:") != NULL);
	cr_assert_null(clients("a " S64 "\na " S64 "\n", 0600));
	cr_assert(strstr(buf_str(why), "clients:2: client a twice") != NULL,
	    "%s", buf_str(why));
	cr_assert_null(clients("bad/name " S64 "\n", 0600));
	cr_assert_null(clients("x " S64 " add,burn\n", 0600));
	cr_assert_null(udsd_clients_load("/nonexistent", why));
	cr_assert_not_null(udsd_clients_load("", why), "empty: nobody");
}
