/* test_golden.c - golden files: text extraction of t/data/content/\*.in
 *
 * Each *.in message is parsed and walked with the default limits; what
 * came out (subject, parts, signs, limits, links, text, hidden text) is
 * rendered as below and compared with the *.ref beside it.  After a
 * deliberate change, regenerate the references with
 *	WINNOW_GOLDEN_UPDATE=1 build/t/unit/content/test_golden
 * and review the diff.  A mismatch leaves the actual output in the test's
 * temporary directory and prints the diff command.
 */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "content_private.h"
#include "testutil.h"

static struct content_limits lim = { 20, 200, 8 * 1024 * 1024, 0, 0 };

/* render - the golden form of one parsed message */
static void
render(const struct content_msg *cm, struct buf *o)
{
	static const char *const signs[] = {
		"hidden", "tiny-font", "invisible", "comment-split",
		"link-mismatch", "charset-unknown", "eastern-charset"
	};
	unsigned int	 i;
	int		 r;

	buf_printf(o, "subject: %s\n", cm->subject);
	buf_puts(o, "parts:");
	for (i = 0; i < cm->nparts; i++) {
		buf_printf(o, "\n  %u %s", cm->parts[i].depth,
		    cm->parts[i].type);
		if (cm->parts[i].charset[0] != '\0')
			buf_printf(o, " charset=%s", cm->parts[i].charset);
		if (cm->parts[i].filename != NULL)
			buf_printf(o, " name=\"%s\"", cm->parts[i].filename);
		if (cm->parts[i].attachment)
			buf_puts(o, " attachment");
	}
	buf_puts(o, "\nsigns:");
	for (i = 0; i < sizeof(signs) / sizeof(signs[0]); i++)
		if (cm->signs & (1U << i))
			buf_printf(o, " %s", signs[i]);
	buf_puts(o, "\nrules:");
	for (r = 0; r < RULE_COUNT; r++)
		if (cm->rules & (1ULL << r))
			buf_printf(o, " %s", rules_table[r].name);
	buf_printf(o, "\nlimits: %u\nhtml: %u plain: %u eastern: %zu\nurls:\n",
	    cm->limits, cm->html_parts, cm->plain_parts, cm->eastern_chars);
	for (i = 0; i < cm->nurls; i++)
		buf_printf(o, "  %s\n", cm->urls[i]);
	buf_puts(o, "text:\n");
	buf_append(o, cm->text->data, cm->text->len);
	buf_puts(o, "\nhidden:\n");
	buf_append(o, cm->hidden->data, cm->hidden->len);
	buf_puts(o, "\n");
}

/* golden_one - compare (or update) one file; 0 if it matches */
static int
golden_one(const char *dir, const char *name, int update)
{
	char		 in[2048], ref[2048], out[2048];
	char		*data, *want;
	size_t		 len, wlen;
	struct content_msg *cm;
	struct buf	*o = buf_new(4096);
	FILE		*fp;
	int		 rc = 0;

	(void)snprintf(in, sizeof(in), "%s/%s", dir, name);
	(void)snprintf(ref, sizeof(ref), "%s/%.*s.ref", dir,
	    (int)(strlen(name) - 3), name);
	data = tu_read_file(in, &len);
	cm = mime_parse(data, len, &lim);
	rules_run(cm, NULL, NULL);
	(void)formal_detect(cm, NULL);
	render(cm, o);
	mime_free(cm);
	free(data);
	if (update) {
		fp = fopen(ref, "w");
		cr_assert_not_null(fp);
		(void)fwrite(o->data, 1, o->len, fp);
		(void)fclose(fp);
	} else {
		want = tu_read_file(ref, &wlen);
		if (wlen != o->len || memcmp(want, o->data, wlen) != 0) {
			(void)snprintf(out, sizeof(out), "%s/%.*s.out",
			    tu_tmpdir(), (int)(strlen(name) - 3), name);
			fp = fopen(out, "w");
			(void)fwrite(o->data, 1, o->len, fp);
			(void)fclose(fp);
			cr_log_error("%s differs: diff -u %s %s", name, ref,
			    out);
			rc = 1;
		}
		free(want);
	}
	buf_free(o);
	return (rc);
}

Test(golden, text_extraction_of_samples)
{
	char		 dir[1024];
	DIR		*d;
	struct dirent	*e;
	int		 n = 0, bad = 0, update;
	size_t		 l;

	mime_init();
	html_init();
	update = getenv("WINNOW_GOLDEN_UPDATE") != NULL;
	(void)snprintf(dir, sizeof(dir), "%s/t/data/content", tu_srcdir());
	cr_assert_not_null(d = opendir(dir), "%s", dir);
	while ((e = readdir(d)) != NULL) {
		l = strlen(e->d_name);
		if (l < 4 || strcmp(e->d_name + l - 3, ".in") != 0)
			continue;
		bad += golden_one(dir, e->d_name, update);
		n++;
	}
	(void)closedir(d);
	cr_assert_gt(n, 40, "only %d golden files", n);
	cr_assert_eq(bad, 0, "%d of %d golden files differ", bad, n);
}
