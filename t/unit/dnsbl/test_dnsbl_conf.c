/* test_dnsbl_conf.c - dnsbl/dnsbl_conf.c: sections, zones, dnsbl_load */

#include <sys/socket.h>
#include <netinet/in.h>

#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "conf.h"
#include "dnsbl.h"
#include "dnsbl_private.h"
#include "status.h"
#include "testutil.h"

static struct buf	*err;

static void
setup(void)
{
	conf_reset();
	dnsbl_conf_register();
	err = buf_new(256);
}

static void
teardown(void)
{
	buf_free(err);
	conf_reset();
}

TestSuite(dnsbl_conf, .init = setup, .fini = teardown);

static int
load(const char *text)
{
	buf_reset(err);
	return (conf_load(tu_write_file("w.conf", text), err));
}

Test(dnsbl_conf, defaults)
{
	cr_assert_eq(load(""), WN_OK);
	cr_assert_eq(dnsbl_timeout_ms, 5000);
	cr_assert_eq(dnsbl_query_timeout_ms, 1000);
	cr_assert_eq(dnsbl_retries, 2);
	cr_assert_str_eq(dnsbl_resolver, "");
	cr_assert_eq(dnsbl_cache_size, 10000);
	cr_assert_eq(dnsbl_received_hops, 1);
	cr_assert_eq(dnsbl_max_surbl_domains, 20);
	cr_assert_eq(dnsbl_max_queries, 300);
	cr_assert(spfc_enable);
	cr_assert_eq(spfc_max_mech, 10);
	cr_assert_eq(spfc_max_void, 2);
	cr_assert_eq(dnsbl_load(err), WN_OK, "%s", buf_str(err));
	cr_assert_eq(dnsbl_cfg->ndnsbl, 0);
	cr_assert_geq(dnsbl_cfg->res.nservers, 1, "from /etc/resolv.conf");
	cr_assert_not_null(dnsbl_cfg->psl);
}

Test(dnsbl_conf, zones_and_resolvers)
{
	cr_assert_eq(load("[dns]\nresolver = 127.0.0.1:15399, [::1]:53\n"
	    "timeout = 2500ms\n[dnsbl]\nZen.Example.ORG = 100 127.0.0.2 "
	    "127.0.0.3\nweak.example.net = 40\n[surbl]\n"
	    "multi.surbl.example = 100 &8\n[spf]\nenable = no\n"), WN_OK,
	    "%s", buf_str(err));
	cr_assert_eq(dnsbl_load(err), WN_OK, "%s", buf_str(err));
	cr_assert_eq(dnsbl_timeout_ms, 2500);
	cr_assert_not(spfc_enable);
	cr_assert_eq(dnsbl_cfg->res.nservers, 2);
	cr_assert_eq(dnsbl_cfg->ndnsbl, 2);
	cr_assert_str_eq(dnsbl_cfg->dnsbl[0].name, "zen.example.org");
	cr_assert_eq(dnsbl_cfg->dnsbl[0].rating, 100);
	cr_assert_eq(dnsbl_cfg->dnsbl[0].ncodes, 2);
	cr_assert_eq(dnsbl_cfg->dnsbl[1].rating, 40);
	cr_assert_eq(dnsbl_cfg->nsurbl, 1);
	cr_assert_eq(dnsbl_cfg->surbl[0].codes[0].kind, RBL_CODE_MASK);
	cr_assert_eq(dnsbl_cfg->res.query_timeout_ms, 1000);
}

Test(dnsbl_conf, bad_lines_are_reported_with_line_numbers)
{
	cr_assert_eq(load("[dnsbl]\nbl.example = lots\nnot_a_zone = 10\n"
	    "ok.example = 2000\nfine.example = 10 10.0.0.1\n[dns]\n"
	    "resolver = dns.example.com\ntimeout = 1h\n"), WN_PERM);
	cr_assert_not_null(strstr(buf_str(err), ":2: [dnsbl] bl.example"),
	    "%s", buf_str(err));
	cr_assert_not_null(strstr(buf_str(err), ":3: [dnsbl] \"not_a_zone\" "
	    "is not a DNS zone name"));
	cr_assert_not_null(strstr(buf_str(err), ":4: [dnsbl] ok.example: "
	    "2000 is out of range"));
	cr_assert_not_null(strstr(buf_str(err), ":5: [dnsbl] fine.example: "
	    "bad return code"));
	cr_assert_not_null(strstr(buf_str(err), ":7: [dns] resolver"));
	cr_assert_not_null(strstr(buf_str(err), ":8: [dns] timeout"));
}

Test(dnsbl_conf, a_failed_reload_keeps_the_zones)
{
	cr_assert_eq(load("[dnsbl]\nbl1.example = 60\n"), WN_OK);
	cr_assert_eq(dnsbl_load(err), WN_OK);
	cr_assert_eq(load("[dnsbl]\nbl1.example = x\n"), WN_PERM);
	cr_assert_eq(dnsbl_load(err), WN_OK);
	cr_assert_eq(dnsbl_cfg->ndnsbl, 1);
	cr_assert_eq(dnsbl_cfg->dnsbl[0].rating, 60);
	/* A good reload replaces them. */
	cr_assert_eq(load("[dnsbl]\nbl2.example = 30\nbl3.example = 30\n"),
	    WN_OK);
	cr_assert_eq(dnsbl_load(err), WN_OK);
	cr_assert_eq(dnsbl_cfg->ndnsbl, 2);
}

Test(dnsbl_conf, a_missing_suffix_list_is_fatal_to_the_load)
{
	cr_assert_eq(load("[dns]\npublic_suffix_list = /nonexistent/psl.dat\n"),
	    WN_OK);
	cr_assert_eq(dnsbl_load(err), WN_PERM);
	cr_assert_not_null(strstr(buf_str(err), "public_suffix_list"));
}

Test(dnsbl_conf, a_suffix_list_file)
{
	cr_assert_eq(load("[dns]\npublic_suffix_list = "
	    "/usr/share/publicsuffix/public_suffix_list.dat\n"), WN_OK);
	cr_assert_eq(dnsbl_load(err), WN_OK, "%s", buf_str(err));
}
