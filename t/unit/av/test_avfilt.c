/* test_avfilt.c - unit tests for av/avfilt.c: the attachment filter */

#include <string.h>

#include <criterion/criterion.h>

#include "av_private.h"
#include "avtest.h"

static struct buf	*why, *reason;
static struct av_opts	*o;

static void
setup(void)
{
	why = buf_new(64);
	reason = buf_new(64);
	log_to_stderr();
	av_conf_register();
	o = av_opts_copy(av_opts_default());
}

static void
teardown(void)
{
	av_opts_free(o);
	av_child_exit();
	av_unload();
	conf_reset();
	buf_free(reason);
	buf_free(why);
}

TestSuite(avfilt, .init = setup, .fini = teardown, .timeout = 60);

/* set - an option that must be accepted */

static void
set(const char *name, const char *value)
{
	buf_reset(why);
	cr_assert_eq(av_opts_set(o, name, value, why), WN_OK, "%s: %s", name,
	    buf_str(why));
}

/* match - filter a part described by its name, type, real type, size */

static int
match(const char *name, const char *type, const char *real, size_t size)
{
	struct avfilt_info in = { name, type, real, size };

	buf_reset(reason);
	return (avfilt_match(o, &in, reason));
}

Test(avfilt, nothing_configured_filters_nothing)
{
	cr_assert_not(avfilt_active(o));
	cr_assert_not(match("a.exe", "application/x-msdownload",
	    "application/x-dosexec", 1 << 30));
}

Test(avfilt, name_globs_case_and_double_extensions)
{
	set("filter_names", "*.exe, *.pdf.*, *.???.scr");
	cr_assert(avfilt_active(o));
	cr_assert(match("setup.exe", NULL, NULL, 0));
	cr_assert_str_eq(buf_str(reason), "name(*.exe)");
	cr_assert(match("INVOICE.PDF.EXE", NULL, NULL, 0));
	cr_assert(match("invoice.pdf.zip", NULL, NULL, 0));
	cr_assert_str_eq(buf_str(reason), "name(*.pdf.*)");
	cr_assert(match("photo.jpg.scr", NULL, NULL, 0));
	cr_assert_not(match("invoice.pdf", NULL, NULL, 0));
	cr_assert_not(match("exe.txt", NULL, NULL, 0));
	cr_assert_not(match(NULL, NULL, NULL, 0));
	cr_assert_str_eq(buf_str(reason), "");
}

Test(avfilt, names_are_matched_as_windows_opens_them)
{
	struct buf	*n = buf_new(64);

	set("filter_names", "*.exe");
	cr_assert(match("setup.exe.", NULL, NULL, 0));
	cr_assert(match("setup.exe  . ", NULL, NULL, 0));
	cr_assert(match("C:\\Users\\x\\setup.exe", NULL, NULL, 0));
	cr_assert(match("../../setup.exe", NULL, NULL, 0));
	avfilt_norm_name("dir/sub\\file.txt. .", n);
	cr_assert_str_eq(buf_str(n), "file.txt");
	buf_free(n);
}

Test(avfilt, declared_and_real_types)
{
	set("filter_types", "application/x-msdownload application/x-ms*");
	set("filter_real_types", "application/x-dosexec");
	cr_assert(match("a.bin", "application/x-msdos-program", NULL, 10));
	cr_assert_str_eq(buf_str(reason), "type(application/x-ms*)");
	cr_assert(match("a.bin", "application/octet-stream",
	    "application/x-dosexec", 10));
	cr_assert_str_eq(buf_str(reason), "real(application/x-dosexec)");
	cr_assert_not(match("a.bin", "application/octet-stream",
	    "application/zip", 10));
	cr_assert(avfilt_needs_real(o));
}

Test(avfilt, size_limit)
{
	set("filter_max_size", "1k");
	cr_assert(avfilt_active(o));
	cr_assert_not(match("a", NULL, NULL, 1024));
	cr_assert(match("a", NULL, NULL, 1025));
	cr_assert_str_eq(buf_str(reason), "size(>1024)");
}

Test(avfilt, exclude_lists_win)
{
	set("filter_names", "*");
	set("filter_max_size", "10");
	set("filter_exclude_names", "*.txt *.pdf");
	set("filter_exclude_types", "text/*");
	set("filter_exclude_real_types", "image/png");
	cr_assert(match("a.doc", "application/msword", NULL, 1));
	cr_assert_not(match("a.txt", "application/octet-stream", NULL, 1));
	cr_assert_not(match("a.doc", "text/plain", NULL, 1));
	cr_assert_not(match("a.doc", "application/msword", "image/png", 1));
	cr_assert_not(match(NULL, "text/plain", NULL, 100));
	cr_assert(match(NULL, "application/zip", NULL, 100));
}

Test(avfilt, libmagic_real_types)
{
	struct buf	*t = buf_new(64), *z = buf_new(256);
	static const unsigned char pe[64] = { 'M', 'Z', 0x90, 0 };

	avfilt_real_type(pe, sizeof(pe), t);
	cr_assert_str_eq(buf_str(t), "application/x-dosexec");
	buf_reset(t);
	avt_zip_one(z, "a.txt", "hello", 5);
	avfilt_real_type(z->data, z->len, t);
	cr_assert_str_eq(buf_str(t), "application/zip");
	buf_reset(t);
	avfilt_real_type("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", 15, t);
	cr_assert_str_eq(buf_str(t), "application/pdf");
	buf_reset(t);
	avfilt_real_type("plain words\n", 12, t);
	cr_assert_str_eq(buf_str(t), "text/plain");
	buf_free(t);
	buf_free(z);
}

Test(avfilt, the_check_filters_by_real_type_and_size)
{
	struct buf	*m = buf_new(4096), *pdf = buf_new(4096);
	struct findings	*f = findings_new();
	struct msg_view	 v;
	static const unsigned char pe[256] = { 'M', 'Z', 0x90, 0 };

	cr_assert_eq(avt_conf("filter_real_types = application/x-dosexec\n"
	    "filter_max_size = 2k\n", why), WN_OK, "%s", buf_str(why));
	av_child_init();
	buf_puts(pdf, "%PDF-1.4\n");
	while (pdf->len < 3000)
		buf_puts(pdf, "% padding line of a large document\n");
	avt_msg_begin(m, "real types");
	avt_msg_text(m, "three attachments\r\n");
	avt_msg_attach(m, "application/pdf", "harmless.pdf", pe, sizeof(pe));
	avt_msg_attach(m, "application/pdf", "big.pdf", pdf->data, pdf->len);
	avt_msg_attach(m, "image/png", "small.png", "\x89PNG\r\n\x1a\n", 8);
	avt_msg_end(m);
	avt_view(&v, m);
	cr_assert_eq(av_check(&v, f, why), WN_OK);
	cr_assert_eq(f->av, AV_FILTERED, "%s", avt_names(f));
	cr_assert_eq(f->av_nparts, 4);
	cr_assert_eq(f->av_part[0], AV_NOT_SCANNED);
	cr_assert_eq(f->av_part[1], AV_FILTERED);
	cr_assert_eq(f->av_part[2], AV_FILTERED);
	cr_assert_eq(f->av_part[3], AV_NOT_SCANNED);
	cr_assert(avt_has_name(f, "filter:real(application/x-dosexec)"));
	cr_assert(avt_has_name(f, "filter:size(>2048)"));
	findings_free(f);
	buf_free(pdf);
	buf_free(m);
}

Test(avfilt, group_options_change_the_filter)
{
	struct buf	*m = buf_new(4096);
	struct findings	*f = findings_new();
	struct msg_view	 v;

	cr_assert_eq(avt_conf("", why), WN_OK, "%s", buf_str(why));
	av_child_init();
	avt_msg_begin(m, "group");
	avt_msg_attach(m, "application/octet-stream", "tool.exe", "MZ", 2);
	avt_msg_end(m);
	avt_view(&v, m);
	cr_assert_eq(av_check(&v, f, why), WN_OK);
	cr_assert_eq(f->av, AV_CLEAN);
	set("filter_names", "*.exe");
	cr_assert_eq(av_check_opts(&v, o, f, why), WN_OK);
	cr_assert_eq(f->av, AV_FILTERED);
	findings_free(f);
	buf_free(m);
}
