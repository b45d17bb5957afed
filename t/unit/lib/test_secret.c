/* test_secret.c - unit tests for lib/secret.c */

#include <sys/stat.h>

#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "secret.h"
#include "testutil.h"

Test(secret, made_random_written_and_read_back)
{
	char		 a[SECRET_LEN + 1], b[SECRET_LEN + 1], got[SECRET_LEN + 1];
	char		 path[600];
	struct buf	*why = buf_new(64);
	struct stat	 st;

	secret_make(a);
	secret_make(b);
	cr_assert_eq(strlen(a), SECRET_LEN);
	cr_assert_eq(strspn(a, "0123456789abcdef"), SECRET_LEN);
	cr_assert_str_neq(a, b);
	(void)snprintf(path, sizeof(path), "%s/s", tu_tmpdir());
	cr_assert_eq(secret_read(path, got, why), WN_PERM);
	cr_assert_eq(secret_write(path, a, (gid_t)-1, why), WN_OK, "%s",
	    buf_str(why));
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0640);
	cr_assert_eq(secret_read(path, got, why), WN_OK);
	cr_assert_str_eq(got, a);
	buf_free(why);
}

Test(secret, a_damaged_file_is_no_secret)
{
	char		 got[SECRET_LEN + 1], path[600];
	struct buf	*why = buf_new(64);
	FILE		*fp;

	(void)snprintf(path, sizeof(path), "%s/bad", tu_tmpdir());
	fp = fopen(path, "w");
	(void)fputs("admin\n", fp);
	(void)fclose(fp);
	cr_assert_eq(secret_read(path, got, why), WN_PERM);
	cr_assert(strstr(buf_str(why), "--rotate") != NULL);
	buf_free(why);
}

Test(secret, equal_compares_whole_strings)
{
	cr_assert(secret_equal("abc", "abc"));
	cr_assert_not(secret_equal("abc", "abd"));
	cr_assert_not(secret_equal("abc", "ab"));
	cr_assert_not(secret_equal("ab", "abc"));
	cr_assert_not(secret_equal("", "a"));
	cr_assert(secret_equal("", ""));
}
