/* test_buf.c - unit tests for lib/buf.c */

#include <signal.h>
#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"

Test(buf, append_keeps_nul_and_grows)
{
	struct buf	*b = buf_new(1);
	int		 i;

	for (i = 0; i < 1000; i++)
		buf_append(b, "ab", 2);
	cr_assert_eq(buf_len(b), 2000);
	cr_assert_eq(buf_str(b)[2000], '\0');
	cr_assert_eq(strncmp(buf_str(b), "abab", 4), 0);
	buf_free(b);
}

Test(buf, binary_safe)
{
	struct buf	*b = buf_new(4);

	buf_append(b, "a\0b", 3);
	cr_assert_eq(buf_len(b), 3);
	cr_assert_eq(memcmp(b->data, "a\0b", 3), 0);
	buf_free(b);
}

Test(buf, printf_longer_than_capacity)
{
	struct buf	*b = buf_new(2);

	buf_printf(b, "%s-%d", "0123456789012345678901234567890123456789", 42);
	cr_assert_str_eq(buf_str(b),
	    "0123456789012345678901234567890123456789-42");
	buf_printf(NULL, "no-op %d", 1);
	buf_free(b);
}

Test(buf, append_safe_escapes_controls)
{
	struct buf	*b = buf_new(8);

	buf_append_safe(b, "a\r\nb\x01\x7f\\c\td", 10);
	cr_assert_str_eq(buf_str(b), "a\\r\\nb\\x01\\x7f\\\\c d");
	cr_assert_null(strchr(buf_str(b), '\n'));
	buf_free(b);
}

Test(buf, consume_and_truncate)
{
	struct buf	*b = buf_new(8);

	buf_puts(b, "hello world");
	buf_consume(b, 6);
	cr_assert_str_eq(buf_str(b), "world");
	buf_truncate(b, 3);
	cr_assert_str_eq(buf_str(b), "wor");
	buf_consume(b, 100);
	cr_assert_eq(buf_len(b), 0);
	buf_free(b);
}

Test(buf, null_is_harmless)
{
	buf_free(NULL);
	buf_reset(NULL);
	cr_assert_str_eq(buf_str(NULL), "");
	cr_assert_eq(buf_len(NULL), 0);
}

Test(buf, commit_past_reservation_is_a_bug, .signal = SIGABRT)
{
	struct buf	*b = buf_new(16);

	(void)buf_reserve(b, 4);
	buf_commit(b, 1 << 20);
}
