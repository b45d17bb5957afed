/* test_uds_key.c - unit tests for uds/uds_key.c */

#include <sys/stat.h>

#include <string.h>

#include <criterion/criterion.h>
#include <sodium.h>

#include "buf.h"
#include "status.h"
#include "testutil.h"
#include "uds.h"
#include "uds_private.h"

#define HEX64 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static struct buf	*why;

static void
setup(void)
{
	cr_assert(sodium_init() >= 0);
	why = buf_new(64);
}

static void
teardown(void)
{
	buf_free(why);
}

TestSuite(uds_key, .init = setup, .fini = teardown);

/* parse - a key file's text */

static int
parse(const char *t, struct uds_keyfile *k)
{
	buf_reset(why);
	return (uds_key_parse(t, strlen(t), "key", k, why));
}

Test(uds_key, a_full_file)
{
	struct uds_keyfile k;

	cr_assert_eq(parse("# keys\n\nhash_key = " HEX64 "\nclient = mx1\r\n"
	    "secret=" HEX64 "\n", &k), WN_OK, "%s", buf_str(why));
	cr_assert(k.have_client);
	cr_assert_str_eq(k.client, "mx1");
	cr_assert_eq(k.hash_key[1], 0x11);
	cr_assert_eq(k.secret[31], 0xff);
}

Test(uds_key, hash_key_alone_asks_only)
{
	struct uds_keyfile k;

	cr_assert_eq(parse("hash_key = " HEX64 "\n", &k), WN_OK);
	cr_assert_not(k.have_client);
}

Test(uds_key, problems_say_where)
{
	struct uds_keyfile k;

	cr_assert_eq(parse("client = mx1\n", &k), WN_PERM);
	cr_assert(strstr(buf_str(why), "no hash_key") != NULL);
	cr_assert_eq(parse("hash_key = " HEX64 "\nclient = mx1\n", &k),
	    WN_PERM);
	cr_assert(strstr(buf_str(why), "go together") != NULL);
	cr_assert_eq(parse("hash_key = 1234\n", &k), WN_PERM);
	cr_assert(strstr(buf_str(why), "key:1: hash_key must be 64 hex") !=
	    NULL, "%s", buf_str(why));
	cr_assert_eq(parse("\nhash_key = " HEX64 "\nclient = a b\n", &k),
	    WN_PERM);
	cr_assert(strstr(buf_str(why), "key:3:") != NULL, "%s",
	    buf_str(why));
	cr_assert_eq(parse("password = x\n", &k), WN_PERM);
	cr_assert(strstr(buf_str(why), "unknown key") != NULL);
	cr_assert_eq(parse("hash_key\n", &k), WN_PERM);
}

Test(uds_key, a_file_others_may_read_is_refused)
{
	struct uds_keyfile k;
	const char	*p = tu_write_file("uds.key", "hash_key = " HEX64 "\n");

	cr_assert_eq(chmod(p, 0644), 0);
	cr_assert_eq(uds_key_read(p, &k, why), WN_PERM);
	cr_assert(strstr(buf_str(why), "chmod 600") != NULL);
	cr_assert_eq(chmod(p, 0600), 0);
	buf_reset(why);
	cr_assert_eq(uds_key_read(p, &k, why), WN_OK, "%s", buf_str(why));
	cr_assert_eq(uds_key_read("/nonexistent/uds.key", &k, why), WN_PERM);
}

Test(uds_key, hash_key_read)
{
	uint8_t		 hk[UDS_KEY_LEN];
	const char	*p = tu_write_file("hk", "hash_key = " HEX64 "\n");

	cr_assert_eq(chmod(p, 0600), 0);
	cr_assert_eq(uds_hash_key_read(p, hk, why), WN_OK);
	cr_assert_eq(hk[0], 0x00);
	cr_assert_eq(hk[2], 0x22);
}

Test(uds_key, the_default_key_is_fixed)
{
	struct uds_keyfile a, b;

	uds_key_default(&a);
	uds_key_default(&b);
	cr_assert_eq(memcmp(a.hash_key, b.hash_key, UDS_KEY_LEN), 0);
	cr_assert_not(a.have_client);
}
