/* test_avrename.c - unit tests for av/avrename.c: rename */

#include <string.h>

#include <criterion/criterion.h>

#include "av_private.h"
#include "avtest.h"

static struct buf	*why, *out;
static struct findings	*f;

static void
setup(void)
{
	why = buf_new(128);
	out = buf_new(4096);
	f = findings_new();
	log_to_stderr();
	av_conf_register();
}

static void
teardown(void)
{
	av_child_exit();
	av_unload();
	conf_reset();
	findings_free(f);
	buf_free(out);
	buf_free(why);
}

TestSuite(avrename, .init = setup, .fini = teardown, .timeout = 60);

/* flag - findings as a scan would leave them, some parts flagged */

static void
flag(const struct buf *m, const int *parts, size_t n, enum av_status st)
{
	struct avmime	*w;
	size_t		 i;

	w = avmime_parse(m->data, m->len, 1000, 100);
	avscan_reset(f);
	f->av_state = CHECK_DONE;
	f->av_nparts = (unsigned int)w->nparts;
	for (i = 0; i < n; i++)
		f->av_part[parts[i]] = (unsigned char)st;
	avscan_finish(f);
	avmime_free(w);
}

/* renamed - av_rename_parts over m into out */

static int
renamed(const struct buf *m, const struct av_opts *o)
{
	struct msg_view	 v;

	avt_view(&v, m);
	buf_reset(out);
	buf_reset(why);
	return (av_rename_parts(&v, o, f, out, why));
}

Test(avrename, filtered_attachment_gets_the_suffix_and_keeps_its_bytes)
{
	struct buf	*m = buf_new(8192);
	struct avmime	*a, *b;
	const int	 parts[] = { 1 };
	size_t		 i;

	cr_assert_eq(avt_conf("", why), WN_OK, "%s", buf_str(why));
	avt_msg_begin(m, "two parts");
	avt_msg_text(m, "Hello,\r\nsee attached.\r\n");
	avt_msg_attach(m, "application/octet-stream", "invoice.pdf.exe",
	    "MZ\x90\0binary", 9);
	avt_msg_end(m);
	flag(m, parts, 1, AV_FILTERED);
	cr_assert_eq(renamed(m, NULL), WN_OK, "%s", buf_str(why));
	cr_assert_not_null(strstr(out->data, "\"invoice.pdf.exe.vir\""), "%s",
	    out->data);
	cr_assert_null(strstr(out->data, "\"invoice.pdf.exe\""), "%s",
	    out->data);
	/* the same parts, the same bodies */
	a = avmime_parse(m->data, m->len, 1000, 100);
	b = avmime_parse(out->data, out->len, 1000, 100);
	cr_assert_eq(a->nparts, b->nparts);
	for (i = 0; i < a->nparts; i++)
		cr_assert(a->part[i].body_end - a->part[i].body_start ==
		    b->part[i].body_end - b->part[i].body_start &&
		    memcmp(m->data + a->part[i].body_start, out->data +
		    b->part[i].body_start, a->part[i].body_end -
		    a->part[i].body_start) == 0, "body %zu differs", i);
	cr_assert_str_eq(b->part[1].filename, "invoice.pdf.exe.vir");
	cr_assert_str_eq(b->part[1].ctype, "application/octet-stream");
	cr_assert_str_eq(b->part[0].ctype, "text/plain");
	avmime_free(a);
	avmime_free(b);
	buf_free(m);
}

Test(avrename, every_form_of_the_name_goes)
{
	struct buf	*m = buf_new(2048);
	struct av_opts	*o;
	struct avmime	*b;
	const int	 parts[] = { 0 };

	cr_assert_eq(avt_conf("rename_suffix = .blocked\n", why), WN_OK,
	    "%s", buf_str(why));
	buf_puts(m, "From: a@example.org\r\n"
	    "Content-Type: application/x-msdownload; charset=\"a;b\";\r\n"
	    "\tname*0=\"se\"; name*1=\"tup.exe\"\r\n"
	    "Content-Disposition: attachment;\r\n"
	    " filename*=utf-8''r%C3%A9sum%C3%A9.exe; size=9\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "\r\n"
	    "TVqQAAMAAAAEAAAA\r\n");
	flag(m, parts, 1, AV_SUSPICIOUS);
	cr_assert_eq(renamed(m, NULL), WN_OK, "%s", buf_str(why));
	cr_assert_null(strstr(out->data, "name*0"), "%s", out->data);
	cr_assert_null(strstr(out->data, "filename*=utf-8''r%C3%A9sum%C3%A9.exe;"),
	    "%s", out->data);
	cr_assert_not_null(strstr(out->data, "charset=\"a;b\""), "%s",
	    out->data);
	cr_assert_not_null(strstr(out->data, "size=9"), "%s", out->data);
	cr_assert_not_null(strstr(out->data, "TVqQAAMAAAAEAAAA\r\n"));
	b = avmime_parse(out->data, out->len, 1000, 100);
	cr_assert_str_eq(b->part[0].filename, "r\xc3\xa9sum\xc3\xa9.exe.blocked",
	    "%s", out->data);
	avmime_free(b);
	/* a group's own suffix */
	o = av_opts_copy(av_opts_default());
	cr_assert_eq(av_opts_set(o, "rename_suffix", ".quarantined", why),
	    WN_OK);
	cr_assert_eq(renamed(m, o), WN_OK, "%s", buf_str(why));
	cr_assert_not_null(strstr(out->data, ".exe.quarantined"), "%s",
	    out->data);
	av_opts_free(o);
	buf_free(m);
}

Test(avrename, a_part_without_a_name_gets_one_and_a_disposition)
{
	struct buf	*m = buf_new(2048);
	const int	 parts[] = { 1 };

	cr_assert_eq(avt_conf("", why), WN_OK, "%s", buf_str(why));
	buf_puts(m, "From: a@example.org\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
	    "--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
	    "--b\r\nContent-Type: application/x-sh\r\n\r\necho x\r\n"
	    "--b--\r\n");
	flag(m, parts, 1, AV_FILTERED);
	cr_assert_eq(renamed(m, NULL), WN_OK, "%s", buf_str(why));
	cr_assert_not_null(strstr(out->data, "Content-Type: application/x-sh;"
	    "\r\n\tname=\"part-2.vir\"\r\nContent-Disposition: attachment;\r\n"
	    "\tfilename=\"part-2.vir\"\r\n\r\necho x\r\n--b--\r\n"), "%s",
	    out->data);
	buf_free(m);
}

Test(avrename, refuses_to_guess)
{
	struct buf	*m = buf_new(1024);

	cr_assert_eq(avt_conf("", why), WN_OK, "%s", buf_str(why));
	avt_msg_begin(m, "x");
	avt_msg_text(m, "hi\r\n");
	avt_msg_end(m);
	avscan_reset(f);
	cr_assert_eq(renamed(m, NULL), WN_PERM);	/* not scanned */
	f->av_state = CHECK_DONE;
	f->av_nparts = 7;
	f->av_part[3] = AV_FILTERED;
	avscan_finish(f);
	cr_assert_eq(renamed(m, NULL), WN_PERM);	/* another structure */
	cr_assert_not_null(strstr(buf_str(why), "not the one scanned"));
	buf_free(m);
}
