/* test_policy.c - unit tests for policy/policy.c */

#include <criterion/criterion.h>

#include "conf.h"
#include "policy.h"
#include "status.h"
#include "testutil.h"

static void
setup(void)
{
	policy_conf_register();
}

TestSuite(policy, .init = setup, .fini = conf_reset);

Test(policy, everything_protected_by_default)
{
	cr_assert(policy_protected("a@example.com"));
	cr_assert(policy_protected("postmaster"));
}

Test(policy, protected_domains)
{
	const char	*p;

	p = tu_write_file("p.conf", "[policy]\nprotected_domains = "
	    "example.com, .example.net; *.example.org\n");
	cr_assert_eq(conf_load(p, NULL), WN_OK);
	cr_assert(policy_protected("a@example.com"));
	cr_assert(policy_protected("a@EXAMPLE.COM"));
	cr_assert_not(policy_protected("a@sub.example.com"));
	cr_assert(policy_protected("a@example.net"));
	cr_assert(policy_protected("a@mx.example.net"));
	cr_assert_not(policy_protected("a@badexample.net"));
	cr_assert(policy_protected("a@x.example.org"));
	cr_assert_not(policy_protected("a@other.com"));
	cr_assert_not(policy_protected("postmaster"));
}

Test(policy, size_limit)
{
	const char	*p;

	cr_assert(policy_size_filtered(20 * 1024 * 1024));
	cr_assert_not(policy_size_filtered(20 * 1024 * 1024 + 1));
	p = tu_write_file("s.conf", "[policy]\nfilter_size_limit = 0\n");
	cr_assert_eq(conf_load(p, NULL), WN_OK);
	cr_assert(policy_size_filtered((size_t)1 << 40));
}
