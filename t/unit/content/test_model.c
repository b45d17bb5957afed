/* test_model.c - unit tests for content/model.c: save, load, map, checks,
 * atomic replacement */

#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "status.h"
#include "content_private.h"
#include "testutil.h"

static struct buf *why;
static char	 path[512];

static void
setup(void)
{
	why = buf_new(128);
	(void)snprintf(path, sizeof(path), "%s/m.model", tu_tmpdir());
}

static void
teardown(void)
{
	buf_free(why);
}

TestSuite(model, .init = setup, .fini = teardown);

static struct model *
saved(unsigned int bits, float w0)
{
	struct model	*m = model_new(bits);

	m->w[0] = w0;
	m->w[m->mask] = -w0;
	m->hdr->nspam = 3;
	m->hdr->nham = 4;
	cr_assert_eq(model_save(m, path, why), WN_OK, "%s", buf_str(why));
	return (m);
}

Test(model, size_is_fixed_by_bits)
{
	struct model	*m = saved(12, 1.5f);
	struct stat	 st;

	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq((size_t)st.st_size, MODEL_HDR_SIZE + 4096 * 4);
	/* learning more does not make it grow */
	m->w[7] = 2.0f;
	m->hdr->nspam += 1000;
	cr_assert_eq(model_save(m, path, why), WN_OK);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq((size_t)st.st_size, MODEL_HDR_SIZE + 4096 * 4);
	model_free(m);
}

Test(model, save_then_map_and_load)
{
	struct model	*m = saved(12, 1.5f), *r, *l;

	r = model_map(path, why);
	cr_assert_not_null(r, "%s", buf_str(why));
	cr_assert(r->mapped);
	cr_assert_eq(r->bits, 12);
	cr_assert_eq(r->w[0], 1.5f);
	cr_assert_eq(r->w[4095], -1.5f);
	cr_assert_eq(r->hdr->nspam, 3);
	cr_assert_eq(r->hdr->nham, 4);
	l = model_load(path, why);
	cr_assert_not_null(l, "%s", buf_str(why));
	cr_assert_not(l->mapped);
	cr_assert_eq(l->w[0], 1.5f);
	l->w[1] = 9.0f;			/* private copy is writable */
	model_free(l);
	model_free(r);
	model_free(m);
}

Test(model, damaged_files_are_refused)
{
	struct model	*m = saved(12, 1.5f);
	int		 fd;
	float		 bad = 99.0f;

	/* flip a weight behind the checksum's back */
	fd = open(path, O_WRONLY);
	cr_assert_geq(fd, 0);
	cr_assert_eq(pwrite(fd, &bad, sizeof(bad), MODEL_HDR_SIZE + 400),
	    (ssize_t)sizeof(bad));
	(void)close(fd);
	cr_assert_null(model_map(path, why));
	cr_assert(strstr(buf_str(why), "checksum") != NULL);
	buf_reset(why);
	cr_assert_null(model_load(path, why));

	/* truncated */
	cr_assert_eq(model_save(m, path, why), WN_OK);
	cr_assert_eq(truncate(path, MODEL_HDR_SIZE + 100), 0);
	buf_reset(why);
	cr_assert_null(model_map(path, why));
	cr_assert(strstr(buf_str(why), "truncated") != NULL);

	/* not a model at all */
	tu_write_file("junk.model", "this is not a model file at all, no, "
	    "not at all; it only has to be longer than a model header to get "
	    "past the size check and reach the magic number check, so here "
	    "is some more text.");
	(void)snprintf(path, sizeof(path), "%s/junk.model", tu_tmpdir());
	buf_reset(why);
	cr_assert_null(model_map(path, why));
	cr_assert(strstr(buf_str(why), "not a winnow") != NULL);
	model_free(m);
}

Test(model, other_feature_version_is_refused)
{
	struct model	*m = model_new(12);

	m->hdr->features = TOK_FEATURE_VERSION + 1;
	cr_assert_eq(model_save(m, path, why), WN_OK);
	cr_assert_null(model_map(path, why));
	cr_assert(strstr(buf_str(why), "features version") != NULL);
	model_free(m);
}

Test(model, missing_file)
{
	cr_assert_null(model_map("/nonexistent/x.model", why));
	cr_assert(strstr(buf_str(why), "No such file") != NULL);
}

Test(model, atomic_swap_keeps_old_readers_whole)
{
	struct model	*m = saved(12, 1.0f), *old, *now;
	DIR		*d;
	struct dirent	*e;
	int		 n = 0;

	old = model_map(path, why);
	cr_assert_not_null(old);
	cr_assert_not(model_changed(old, path));
	m->w[0] = 2.0f;
	cr_assert_eq(model_save(m, path, why), WN_OK);
	/* the old mapping still reads the old, complete model */
	cr_assert_eq(old->w[0], 1.0f);
	cr_assert_eq(old->w[4095], -1.0f);
	cr_assert(model_changed(old, path));
	now = model_map(path, why);
	cr_assert_eq(now->w[0], 2.0f);
	/* no temporary file is left behind */
	d = opendir(tu_tmpdir());
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, "m.model", 7) == 0)
			n++;
	(void)closedir(d);
	cr_assert_eq(n, 1);
	model_free(now);
	model_free(old);
	model_free(m);
}

Test(model, save_to_an_unwritable_place_fails_cleanly)
{
	struct model	*m = model_new(12);

	cr_assert_eq(model_save(m, "/nonexistent/dir/x.model", why), WN_TEMP);
	cr_assert_gt(buf_len(why), 0);
	model_free(m);
}

Test(model, saving_a_mapped_model_is_a_bug, .signal = SIGABRT)
{
	struct model	*m = saved(12, 1.0f), *r;

	r = model_map(path, why);
	(void)model_save(r, path, why);
	model_free(m);
}
