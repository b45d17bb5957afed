/* test_rdns.c - dnsbl/rdns.c: PTR and forward confirmation, real zones */

#include <string.h>

#include <criterion/criterion.h>

#include "dnsbl_private.h"
#include "dnstest.h"
#include "findings.h"

#define P_UNBOUND	15325
#define P_SILENT	15326

DT_SERVERS(
	{ "unbound", P_UNBOUND, 0, "" },
	{ "silent", P_SILENT, 0, "" })

static struct findings *
rdns(const char *server, const char *client, const char *extra)
{
	struct findings	*f = findings_new();
	struct dnsbl_opts o = { DNSBL_F_RDNS, 0 };
	struct msg_view	 v = dt_view(client, "", NULL, NULL);
	struct buf	*why = buf_new(64), *c = buf_new(256);

	buf_printf(c, "[dns]\nresolver = %s\ntimeout = 500ms\n"
	    "query_timeout = 200ms\n%s", server, extra);
	dt_config(buf_str(c));
	cr_assert_eq(dnsbl_finish(dnsbl_start(&v, &o, why), f, why), WN_OK);
	buf_free(why);
	buf_free(c);
	return (f);
}

#define U	"127.0.0.1:15325"

Test(rdns, confirmed)
{
	struct findings	*f = rdns(U, "192.0.2.3", "");

	cr_assert_eq(f->rdns, RDNS_OK);
	cr_assert_eq(f->rdns_state, CHECK_DONE);
	findings_free(f);
}

Test(rdns, a_second_ptr_name_confirms)
{
	struct findings	*f = rdns(U, "192.0.2.2", "");

	cr_assert_eq(f->rdns, RDNS_OK, "other.good.test confirms, "
	    "two.good.test does not");
	findings_free(f);
}

Test(rdns, mismatch)
{
	struct findings	*f = rdns(U, "192.0.2.4", "");

	cr_assert_eq(f->rdns, RDNS_MISMATCH);
	findings_free(f);
}

Test(rdns, no_ptr)
{
	struct findings	*f = rdns(U, "192.0.2.5", "");

	cr_assert_eq(f->rdns, RDNS_NONE);
	cr_assert_eq(f->rdns_state, CHECK_DONE);
	findings_free(f);
}

Test(rdns, ipv6)
{
	struct findings	*f = rdns(U, "2001:db8::2", "");

	cr_assert_eq(f->rdns, RDNS_OK);
	findings_free(f);
	f = rdns(U, "2001:db8::1", "");
	cr_assert_eq(f->rdns, RDNS_MISMATCH);
	findings_free(f);
}

Test(rdns, timeout)
{
	struct findings	*f = rdns("127.0.0.1:15326", "192.0.2.3", "");

	cr_assert_eq(f->rdns, RDNS_TEMPERROR);
	cr_assert_eq(f->rdns_state, CHECK_TIMEOUT);
	findings_free(f);
}

Test(rdns, private_clients_are_not_checked)
{
	struct findings	*f = rdns(U, "10.1.2.3", "");

	cr_assert_eq(f->rdns, RDNS_NOT_CHECKED);
	cr_assert_eq(f->rdns_state, CHECK_NOT_RUN);
	findings_free(f);
}

Test(rdns, switched_off)
{
	struct findings	*f = rdns(U, "192.0.2.3", "rdns = no\n");

	cr_assert_eq(f->rdns_state, CHECK_NOT_RUN);
	findings_free(f);
}
