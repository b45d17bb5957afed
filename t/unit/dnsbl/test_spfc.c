/* test_spfc.c - SPF through libspf2 over our resolver (real zones) */

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>

#include <string.h>

#include <criterion/criterion.h>
#include <spf2/spf.h>

#include "dnsbl_private.h"
#include "dnstest.h"
#include "timeutil.h"

#define P_UNBOUND	15320
#define P_SILENT	15321

DT_SERVERS(
	{ "unbound", P_UNBOUND, 0, "" },
	{ "silent", P_SILENT, 0, "" })

static unsigned int	 max_mech = 10;

static struct spfc_out
spf(const char *server, const char *sender, const char *helo,
    const char *client, unsigned int deadline)
{
	struct resolver_conf c;
	struct resolver	*r;
	struct spfc_req	 req;
	struct spfc_out	 out;
	struct ipaddr	 ip;

	memset(&c, 0, sizeof(c));
	cr_assert_eq(resolver_parse_servers(server, &c, NULL), 0);
	c.query_timeout_ms = 1000;
	c.retries = 1;
	c.max_queries = 300;
	c.edns_size = 1232;
	cr_assert_eq(ipaddr_parse(client, strlen(client), &ip), 0);
	r = resolver_new(&c, NULL, time_now_ms() + deadline, NULL);
	memset(&req, 0, sizeof(req));
	req.sender = sender;
	req.helo = helo;
	req.ip = &ip;
	req.max_mech = max_mech;
	req.max_void = 2;
	req.max_mx = 10;
	req.max_ptr = 10;
	req.receiver = "mx.winnow.test";
	spfc_init();
	spfc_eval(r, &req, &out);
	resolver_free(r);
	return (out);
}

#define U	"127.0.0.1:15320"

#define SPF_IS(sender, client, want) do {				\
	struct spfc_out o_ = spf(U, sender, "helo.example", client, 5000);\
	cr_assert_eq(o_.result, want, "%s from %s: %s, want %s (%s)",	\
	    sender, client, spfc_result_name(o_.result),		\
	    spfc_result_name(want), o_.why);				\
} while (0)

Test(spfc, mapping_of_libspf2_results)
{
	cr_assert_eq(spfc_map(SPF_RESULT_PASS, 0, 0, 0), SPF_PASS);
	cr_assert_eq(spfc_map(SPF_RESULT_FAIL, 1, 1, 0), SPF_FAIL);
	cr_assert_eq(spfc_map(SPF_RESULT_SOFTFAIL, 0, 0, 0), SPF_SOFTFAIL);
	cr_assert_eq(spfc_map(SPF_RESULT_NEUTRAL, 0, 0, 0), SPF_NEUTRAL);
	cr_assert_eq(spfc_map(SPF_RESULT_NONE, 0, 0, 0), SPF_NONE);
	cr_assert_eq(spfc_map(SPF_RESULT_TEMPERROR, 0, 0, 0), SPF_TEMPERROR);
	cr_assert_eq(spfc_map(SPF_RESULT_PERMERROR, 0, 0, 0), SPF_PERMERROR);
	/* INVALID: libspf2 never got to evaluate a record. */
	cr_assert_eq(spfc_map(SPF_RESULT_INVALID, 1, 0, 0), SPF_TEMPERROR);
	cr_assert_eq(spfc_map(SPF_RESULT_INVALID, 0, 1, 0), SPF_PERMERROR);
	cr_assert_eq(spfc_map(SPF_RESULT_INVALID, 0, 0, 0), SPF_NONE);
	cr_assert_eq(spfc_map(SPF_RESULT_INVALID, 1, 1, 0), SPF_TEMPERROR);
	/* Our limits override whatever libspf2 concluded. */
	cr_assert_eq(spfc_map(SPF_RESULT_PASS, 0, 0, 1), SPF_PERMERROR);
	cr_assert_eq(spfc_map(99, 0, 0, 0), SPF_NONE);
	cr_assert_str_eq(spfc_result_name(SPF_SOFTFAIL), "softfail");
	cr_assert_str_eq(spfc_result_name(SPF_TEMPERROR), "temperror");
}

Test(spfc, basic_results)
{
	SPF_IS("a@pass.spf.test", "192.0.2.3", SPF_PASS);
	SPF_IS("a@pass.spf.test", "2001:db8::5", SPF_PASS);
	SPF_IS("a@pass.spf.test", "198.51.100.1", SPF_FAIL);
	SPF_IS("a@fail.spf.test", "192.0.2.3", SPF_FAIL);
	SPF_IS("a@softfail.spf.test", "192.0.2.3", SPF_SOFTFAIL);
	SPF_IS("a@neutral.spf.test", "192.0.2.3", SPF_NEUTRAL);
}

Test(spfc, none_without_a_record)
{
	SPF_IS("a@none.spf.test", "192.0.2.3", SPF_NONE);
	SPF_IS("a@nxdomain.spf.test", "192.0.2.3", SPF_NONE);
	SPF_IS("a@notspf.spf.test", "192.0.2.3", SPF_NONE);
	SPF_IS("a@[192.0.2.3]", "192.0.2.3", SPF_NONE);
	SPF_IS("nodomain", "192.0.2.3", SPF_NONE);
}

Test(spfc, broken_records_are_permerror)
{
	SPF_IS("a@permerror.spf.test", "192.0.2.3", SPF_PERMERROR);
	SPF_IS("a@badip.spf.test", "192.0.2.3", SPF_PERMERROR);
	SPF_IS("a@multiple.spf.test", "192.0.2.3", SPF_PERMERROR);
}

Test(spfc, include_and_redirect)
{
	SPF_IS("a@include.spf.test", "192.0.2.3", SPF_PASS);
	SPF_IS("a@include.spf.test", "192.0.2.4", SPF_FAIL);
	SPF_IS("a@inclnone.spf.test", "192.0.2.3", SPF_PERMERROR);
	SPF_IS("a@redirect.spf.test", "192.0.2.3", SPF_PASS);
	SPF_IS("a@redirect.spf.test", "198.51.100.9", SPF_FAIL);
}

Test(spfc, S5_macros)
{
	SPF_IS("alice@macro.spf.test", "192.0.2.3", SPF_PASS);
	SPF_IS("bob@macro.spf.test", "192.0.2.3", SPF_FAIL);
	SPF_IS("alice@macro.spf.test", "192.0.2.4", SPF_FAIL);
}

Test(spfc, mx_ptr_and_a)
{
	SPF_IS("a@mx.spf.test", "192.0.2.3", SPF_PASS);
	SPF_IS("a@mx.spf.test", "192.0.2.4", SPF_FAIL);
	SPF_IS("a@ptr.spf.test", "192.0.2.3", SPF_PASS);
	SPF_IS("a@ptr.spf.test", "192.0.2.4", SPF_FAIL);
	SPF_IS("a@amech.spf.test", "192.0.2.3", SPF_PASS);
}

Test(spfc, S5_loops_are_permerror)
{
	SPF_IS("a@loop.spf.test", "192.0.2.3", SPF_PERMERROR);
}

Test(spfc, S5_more_than_ten_lookups_is_permerror)
{
	struct spfc_out o = spf(U, "a@toomany.spf.test", NULL, "192.0.2.3",
	    5000);

	cr_assert_eq(o.result, SPF_PERMERROR, "%s", spfc_result_name(o.result));
	cr_assert_eq(o.lookups, 11, "the sender's record + 10 terms");
	cr_assert_str_eq(o.why, "too many DNS lookups");
	SPF_IS("a@tenok.spf.test", "192.0.2.3", SPF_PASS);
}

Test(spfc, lookups_count_across_includes)
{
	/* 3 includes with 3 a: each = 12 terms, each record alone is fine. */
	SPF_IS("a@nested.spf.test", "192.0.2.3", SPF_PERMERROR);
	/* With room for 12 terms the same record passes. */
	max_mech = 12;
	SPF_IS("a@nested.spf.test", "192.0.2.3", SPF_PASS);
	max_mech = 11;
	SPF_IS("a@nested.spf.test", "192.0.2.3", SPF_PERMERROR);
}

Test(spfc, S5_void_lookup_limit)
{
	struct spfc_out o = spf(U, "a@void.spf.test", NULL, "192.0.2.3", 5000);

	cr_assert_eq(o.result, SPF_PERMERROR);
	cr_assert_eq(o.voids, 3);
	cr_assert_str_eq(o.why, "too many void lookups");
	SPF_IS("a@void2.spf.test", "192.0.2.3", SPF_PASS);
}

Test(spfc, the_explanation_lookup_is_not_a_term)
{
	SPF_IS("a@exp.spf.test", "192.0.2.3", SPF_FAIL);
}

Test(spfc, dns_failures_are_temperror)
{
	SPF_IS("a@temp.spf.test", "192.0.2.3", SPF_TEMPERROR);
	SPF_IS("a@x.refused.test", "192.0.2.3", SPF_TEMPERROR);
}

Test(spfc, null_sender_checks_the_helo)
{
	struct spfc_out o;

	o = spf(U, "", "helo.spf.test", "192.0.2.3", 5000);
	cr_assert_eq(o.result, SPF_PASS, "%s", spfc_result_name(o.result));
	o = spf(U, "", "helo.spf.test", "192.0.2.4", 5000);
	cr_assert_eq(o.result, SPF_FAIL);
	o = spf(U, "", NULL, "192.0.2.3", 5000);
	cr_assert_eq(o.result, SPF_NONE);
	o = spf(U, "", "[192.0.2.3]", "192.0.2.3", 5000);
	cr_assert_eq(o.result, SPF_NONE);
}

Test(spfc, S3_a_silent_server_gives_temperror_by_the_deadline)
{
	uint64_t	 t0 = time_now_ms();
	struct spfc_out	 o;

	o = spf("127.0.0.1:15321", "a@pass.spf.test", "x.example",
	    "192.0.2.3", 400);
	cr_assert_eq(o.result, SPF_TEMPERROR);
	cr_assert(o.timeout);
	cr_assert_lt(time_now_ms() - t0, 500);
}
