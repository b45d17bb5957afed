/* test_content_conf.c - unit tests for content/content_conf.c */

#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "conf.h"
#include "status.h"
#include "content_private.h"
#include "testutil.h"

static struct buf *why;

static void
setup(void)
{
	why = buf_new(128);
	content_conf_register();
}

static void
teardown(void)
{
	conf_reset();
	buf_free(why);
}

TestSuite(content_conf, .init = setup, .fini = teardown);

Test(content_conf, defaults)
{
	cr_assert_eq(conf_load(NULL, why), WN_OK);
	cr_assert_eq(content_conf.enable, 1);
	cr_assert_eq(content_conf.max_depth, 20);
	cr_assert_eq(content_conf.max_parts, 200);
	cr_assert_eq(content_conf.max_decoded_size, 8 * 1024 * 1024);
	cr_assert_eq(content_conf.eastern, CONTENT_EASTERN_ALLOWED);
	cr_assert_eq(content_conf.model_check_ms, 10000);
	cr_assert(strstr(content_conf.default_model, "content.model") != NULL);
	cr_assert(strstr(content_conf.obscene_words, "obscene-ru.txt") != NULL);
}

Test(content_conf, values_and_bounds)
{
	cr_assert_eq(conf_load(tu_write_file("a.conf", "[content]\n"
	    "max_decoded_size = 64k\neastern = suspicious\nmax_depth = 5\n"),
	    why), WN_OK, "%s", buf_str(why));
	cr_assert_eq(content_conf.max_decoded_size, 65536);
	cr_assert_eq(content_conf.eastern, CONTENT_EASTERN_SUSPICIOUS);
	cr_assert_eq(content_conf.max_depth, 5);
	cr_assert_eq(conf_load(tu_write_file("b.conf", "[content]\n"
	    "max_depth = 0\neastern = maybe\nrule_weights = X:1\n"), why),
	    WN_PERM);
	cr_assert(strstr(buf_str(why), "b.conf:2") != NULL, "%s",
	    buf_str(why));
	cr_assert(strstr(buf_str(why), "b.conf:3") != NULL);
	cr_assert(strstr(buf_str(why), "b.conf:4") != NULL);
}

Test(content_conf, printed_with_defaults)
{
	char	*out = NULL;
	size_t	 len = 0;
	FILE	*fp = open_memstream(&out, &len);

	conf_print(fp, 1);
	(void)fclose(fp);
	cr_assert(strstr(out, "[content]") != NULL);
	cr_assert(strstr(out, "max_decoded_size") != NULL);
	free(out);
}
