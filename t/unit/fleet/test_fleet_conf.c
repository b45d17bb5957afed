/* test_fleet_conf.c - unit tests for fleet/fleet_conf.c */

#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "conf.h"
#include "fleet_conf.h"
#include "status.h"
#include "testutil.h"

Test(fleet_conf, redis_url)
{
	struct fleet_url u;
	struct buf	*why = buf_new(64);

	cr_assert_eq(fleet_url_parse("redis://10.0.0.5:6380/3", &u, why), 0,
	    "%s", buf_str(why));
	cr_assert_eq(u.sentinel, 0);
	cr_assert_eq(u.naddr, 1);
	cr_assert_str_eq(u.addr[0].host, "10.0.0.5");
	cr_assert_eq(u.addr[0].port, 6380);
	cr_assert_eq(u.db, 3);
	cr_assert_eq(fleet_url_parse("redis://redis.example.net", &u, why), 0);
	cr_assert_str_eq(u.addr[0].host, "redis.example.net");
	cr_assert_eq(u.addr[0].port, 6379);
	cr_assert_eq(u.db, 0);
	cr_assert_eq(fleet_url_parse("redis://[::1]:7000/0", &u, why), 0,
	    "%s", buf_str(why));
	cr_assert_str_eq(u.addr[0].host, "::1");
	cr_assert_eq(u.addr[0].port, 7000);
	buf_free(why);
}

Test(fleet_conf, sentinel_url)
{
	struct fleet_url u;
	struct buf	*why = buf_new(64);

	cr_assert_eq(fleet_url_parse("sentinel://a:26379,b,[fe80::1]:5000/"
	    "mymaster/2", &u, why), 0, "%s", buf_str(why));
	cr_assert_eq(u.sentinel, 1);
	cr_assert_eq(u.naddr, 3);
	cr_assert_str_eq(u.addr[1].host, "b");
	cr_assert_eq(u.addr[1].port, 26379);
	cr_assert_str_eq(u.addr[2].host, "fe80::1");
	cr_assert_eq(u.addr[2].port, 5000);
	cr_assert_str_eq(u.master, "mymaster");
	cr_assert_eq(u.db, 2);
	buf_free(why);
}

Test(fleet_conf, bad_urls)
{
	static const char *const bad[] = {
		"", "http://x", "redis://", "redis://a:0", "redis://a:65536",
		"redis://a:x", "redis://a,b", "redis://a/16", "redis://a/x",
		"redis://a b", "redis://::1", "redis://[::1", "redis://[::1]x",
		"sentinel://a,b", "sentinel://a,b/", "sentinel://a,,b/m",
		"sentinel://a,/m", "sentinel://a/m/99", "sentinel://a/ m",
		"sentinel://1,2,3,4,5,6,7,8,9/m", NULL
	};
	struct fleet_url u;
	struct buf	*why = buf_new(64);
	size_t		 i;

	for (i = 0; bad[i] != NULL; i++) {
		buf_reset(why);
		cr_assert_eq(fleet_url_parse(bad[i], &u, why), -1, "%s",
		    bad[i]);
		cr_assert(buf_len(why) > 0, "%s", bad[i]);
	}
	buf_free(why);
}

Test(fleet_conf, node_names)
{
	struct buf	*why = buf_new(64);
	char		 long_name[80];

	cr_assert_eq(fleet_node_check("mx-1.example_2", why), 0);
	cr_assert_eq(fleet_node_check("a:b", why), -1);
	cr_assert_eq(fleet_node_check("a b", why), -1);
	memset(long_name, 'a', 65);
	long_name[65] = '\0';
	cr_assert_eq(fleet_node_check(long_name, why), -1);
	long_name[64] = '\0';
	cr_assert_eq(fleet_node_check(long_name, why), 0);
	buf_free(why);
}

Test(fleet_conf, the_file_and_t)
{
	struct buf	*why = buf_new(64);
	const char	*pw = tu_write_file("pw", "s3cret\nignored\n");
	const char	*p;
	char		*got;
	char		 text[512];

	conf_reset();
	conf_set_partial(1);
	fleet_conf_register();
	cr_assert_eq(fleet_conf_on(), 0);
	cr_assert_eq(fleet_password(&got, why), 0);
	cr_assert_null(got);
	(void)snprintf(text, sizeof(text), "[fleet]\nredis = sentinel://"
	    "127.0.0.1:26379/m\nnode = n1\npassword_file = %s\n"
	    "heartbeat = 2s\n", pw);
	p = tu_write_file("w.conf", text);
	cr_assert_eq(conf_load(p, why), WN_OK, "%s", buf_str(why));
	cr_assert_eq(fleet_conf_on(), 1);
	cr_assert_str_eq(fleet_node(), "n1");
	cr_assert_eq(fleet_conf.heartbeat, 2000);
	cr_assert_eq(fleet_password(&got, why), 0, "%s", buf_str(why));
	cr_assert_str_eq(got, "s3cret");
	free(got);
	/* -t: a bad URL, node or missing password file is an error of
	 * the file, naming the key */
	p = tu_write_file("w.conf", "[fleet]\nredis = redis://a,b\n");
	buf_reset(why);
	cr_assert_neq(conf_load(p, why), WN_OK);
	cr_assert(strstr(buf_str(why), "redis") != NULL, "%s", buf_str(why));
	p = tu_write_file("w.conf", "[fleet]\nnode = a/b\n");
	buf_reset(why);
	cr_assert_neq(conf_load(p, why), WN_OK);
	p = tu_write_file("w.conf",
	    "[fleet]\npassword_file = /nonexistent/x\n");
	buf_reset(why);
	cr_assert_neq(conf_load(p, why), WN_OK);
	cr_assert(strstr(buf_str(why), "/nonexistent/x") != NULL, "%s",
	    buf_str(why));
	buf_free(why);
}

Test(fleet_conf, node_defaults_to_the_host_name)
{
	char	 host[256];

	conf_reset();
	fleet_conf_register();
	cr_assert_eq(gethostname(host, sizeof(host)), 0);
	host[64] = '\0';
	if (strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-") == strlen(host))
		cr_assert_str_eq(fleet_node(), host);
	cr_assert_eq(fleet_node_check(fleet_node(), NULL), 0);
}
