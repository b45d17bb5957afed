/* test_udsd_keyset.c - unit tests for udsd/udsd_keyset.c */

#include <stdlib.h>

#include <criterion/criterion.h>

#include "udsd.h"

Test(udsd_keyset, add_has_del_and_grow)
{
	struct udsd_keyset *s = udsd_keyset_new(0);
	uint64_t	 i;

	for (i = 0; i < 100000; i++)
		udsd_keyset_add(s, i * 7);	/* small, as min-hashes */
	cr_assert_eq(udsd_keyset_count(s), 100000);
	for (i = 0; i < 100000; i++)
		cr_assert(udsd_keyset_has(s, i * 7));
	for (i = 0; i < 100000; i += 2)
		udsd_keyset_del(s, i * 7);
	cr_assert_eq(udsd_keyset_count(s), 50000);
	for (i = 0; i < 100000; i++)
		cr_assert_eq(udsd_keyset_has(s, i * 7), (int)(i & 1),
		    "key %llu", (unsigned long long)i);
	udsd_keyset_add(s, 14);		/* deleted above: back in, once */
	udsd_keyset_add(s, 14);
	cr_assert_eq(udsd_keyset_count(s), 50001);
	udsd_keyset_del(s, 123456789);	/* absent: nothing happens */
	cr_assert_eq(udsd_keyset_count(s), 50001);
	udsd_keyset_free(s);
}

Test(udsd_keyset, zero_is_a_key_too)
{
	struct udsd_keyset *s = udsd_keyset_new(10);

	cr_assert_not(udsd_keyset_has(s, 0));
	udsd_keyset_add(s, 0);
	cr_assert(udsd_keyset_has(s, 0));
	udsd_keyset_del(s, 0);
	cr_assert_not(udsd_keyset_has(s, 0));
	udsd_keyset_free(s);
}
