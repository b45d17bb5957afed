/* test_sjson.c - unit tests for stats/sjson.c */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "sjson.h"

Test(sjson, valid_text_stays)
{
	json_t	*j = sjson_str("gr\xc3\xbc\xc3\x9f");

	cr_assert_str_eq(json_string_value(j), "gr\xc3\xbc\xc3\x9f");
	json_decref(j);
}

Test(sjson, other_bytes_are_escaped)
{
	json_t	*j = sjson_str("a\xff" "b\xc3");

	cr_assert_str_eq(json_string_value(j), "a\\xFFb\\xC3");
	json_decref(j);
	j = sjson_str(NULL);
	cr_assert_str_eq(json_string_value(j), "");
	json_decref(j);
}

Test(sjson, u64_clamps)
{
	json_t	*j = sjson_u64(UINT64_MAX);

	cr_assert_eq(json_integer_value(j), INT64_MAX);
	json_decref(j);
}
