/* test_avedit.c - unit tests for av/avedit.c: remove */

#include <dirent.h>
#include <sys/stat.h>
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

TestSuite(avedit, .init = setup, .fini = teardown, .timeout = 60);

/* flag - findings as a scan would leave them, with some parts flagged */

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

/* same_parts - unflagged parts are byte-identical in a and b */

static const char *label = "";

static void
same_parts(const struct buf *a, const struct buf *b)
{
	struct avmime	*wa, *wb;
	size_t		 i, la, lb;

	wa = avmime_parse(a->data, a->len, 1000, 100);
	wb = avmime_parse(b->data, b->len, 1000, 100);
	cr_assert_eq(wa->nparts, wb->nparts, "%s: parts %zu -> %zu", label,
	    wa->nparts, wb->nparts);
	cr_assert(wb->editable);
	for (i = 0; i < wa->nparts; i++) {
		const struct avmime_part *pa = &wa->part[i], *pb = &wb->part[i];

		if (f->av_part[i] != AV_NOT_SCANNED) {
			cr_assert_str_eq(pb->ctype, "text/plain");
			continue;
		}
		la = pa->body_end - pa->hdr_start;
		lb = pb->body_end - pb->hdr_start;
		cr_assert_eq(la, lb, "part %zu: %zu -> %zu bytes", i, la, lb);
		cr_assert(memcmp(a->data + pa->hdr_start,
		    b->data + pb->hdr_start, la) == 0, "part %zu differs", i);
	}
	avmime_free(wa);
	avmime_free(wb);
}

/* removed - av_remove_parts over a buffer into out */

static int
removed(const struct buf *m)
{
	struct msg_view	 v;

	avt_view(&v, m);
	buf_reset(out);
	buf_reset(why);
	return (av_remove_parts(&v, f, out, why));
}

Test(avedit, scanned_eicar_is_replaced_and_the_rest_is_intact)
{
	struct buf	*m = buf_new(8192), *e = buf_new(128);
	struct msg_view	 v;
	const char	*p;

	cr_assert_eq(avt_conf("", why), WN_OK, "%s", buf_str(why));
	av_child_init();
	avt_eicar(e);
	avt_msg_begin(m, "three parts");
	avt_msg_text(m, "Hello,\r\nsee attached.\r\n");
	avt_msg_attach(m, "application/octet-stream", "eicar.com.txt",
	    e->data, e->len);
	avt_msg_attach(m, "application/pdf", "report.pdf", "%PDF-1.4 x", 10);
	avt_msg_end(m);
	avt_view(&v, m);
	cr_assert_eq(av_check(&v, f, why), WN_OK);
	cr_assert_eq(f->av, AV_INFECTED);
	cr_assert_eq(removed(m), WN_OK, "%s", buf_str(why));

	/* Everything before the infected part's headers is unchanged. */
	p = strstr(m->data, "Content-Type: application/octet-stream");
	cr_assert_not_null(p);
	cr_assert(memcmp(out->data, m->data, (size_t)(p - m->data)) == 0);
	/* The rest of the message from the next boundary on is unchanged. */
	p = strstr(m->data, "\r\n--" AVT_BOUNDARY "\r\nContent-Type: "
	    "application/pdf");
	cr_assert_not_null(p);
	cr_assert_geq(out->len, m->len - (size_t)(p - m->data));
	cr_assert(memcmp(out->data + out->len - (m->len - (size_t)(p -
	    m->data)), p, m->len - (size_t)(p - m->data)) == 0);
	same_parts(m, out);
	cr_assert_not_null(strstr(out->data, "eicar.com.txt"));
	cr_assert_not_null(strstr(out->data, "Eicar-Test-Signature"));
	cr_assert_not_null(strstr(out->data, "infected"));

	/* The result parses, and scans clean. */
	avt_view(&v, out);
	cr_assert_eq(av_check(&v, f, why), WN_OK);
	cr_assert_eq(f->av, AV_CLEAN, "%s", avt_names(f));
	buf_free(m);
	buf_free(e);
}

Test(avedit, single_part_message_keeps_its_other_headers)
{
	struct buf	*m = buf_new(1024);
	const int	 parts[] = { 0 };
	const char	*exp;

	buf_puts(m, "From: a@example.org\r\n"
	    "Subject: the bad thing\r\n"
	    "Content-Type: application/octet-stream;\r\n"
	    "\tname=\"bad.exe\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "X-Other: kept\r\n"
	    "\r\n"
	    "TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n");
	flag(m, parts, 1, AV_FILTERED);
	cr_assert_eq(removed(m), WN_OK, "%s", buf_str(why));
	exp = "From: a@example.org\r\n"
	    "Subject: the bad thing\r\n"
	    "X-Other: kept\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=us-ascii\r\n"
	    "Content-Transfer-Encoding: 7bit\r\n"
	    "Content-Disposition: inline\r\n"
	    "\r\n";
	cr_assert(strncmp(out->data, exp, strlen(exp)) == 0, "%s", out->data);
	cr_assert_null(strstr(out->data, "TVqQ"));
	cr_assert_null(strstr(out->data, "\tname="));
	cr_assert_not_null(strstr(out->data, "bad.exe"));
	cr_assert(out->len >= 2 && out->data[out->len - 1] == '\n');
	buf_free(m);
}

Test(avedit, attached_message_part_is_replaced_inside)
{
	struct buf	*m = buf_new(4096);
	const int	 parts[] = { 2 };

	buf_puts(m, "From: a@example.org\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=outer\r\n\r\n"
	    "--outer\r\nContent-Type: text/plain\r\n\r\nsee inside\r\n"
	    "--outer\r\nContent-Type: message/rfc822\r\n\r\n"
	    "From: inner@example.org\r\nSubject: inner\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=inner\r\n\r\n"
	    "--inner\r\nContent-Type: text/plain\r\n\r\ninner text\r\n"
	    "--inner\r\nContent-Type: application/zip; name=a.zip\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\nUEsDBAoAAAAAAA==\r\n"
	    "--inner--\r\n"
	    "--outer\r\nContent-Type: text/plain\r\n\r\nlast part\r\n"
	    "--outer--\r\n");
	flag(m, parts, 1, AV_INFECTED);
	cr_assert_eq(f->av_nparts, 4);
	cr_assert_eq(removed(m), WN_OK, "%s", buf_str(why));
	same_parts(m, out);
	cr_assert_null(strstr(out->data, "UEsDBAoAAAAAAA=="));
	cr_assert_not_null(strstr(out->data, "Subject: inner\r\n"));
	cr_assert_not_null(strstr(out->data, "--inner--\r\n--outer\r\n"));
	buf_free(m);
}

Test(avedit, parts_without_headers_or_with_junk_headers)
{
	struct buf	*m = buf_new(2048);
	const int	 parts[] = { 0, 1, 2 };

	buf_puts(m, "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
	    "--b\r\n\r\nno headers here\r\n"
	    "--b\r\njunk line\r\n\r\nbody after junk\r\n"
	    "--b\r\nX-Foo: bar\r\nmore junk\r\n\r\nbody two\r\n"
	    "--b\r\nContent-Type: text/plain\r\n\r\nkept\r\n"
	    "--b--\r\n");
	flag(m, parts, 3, AV_FILTERED);
	cr_assert_eq(f->av_nparts, 4);
	cr_assert_eq(removed(m), WN_OK, "%s", buf_str(why));
	same_parts(m, out);
	cr_assert_null(strstr(out->data, "no headers here"));
	cr_assert_null(strstr(out->data, "junk"), "%s", out->data);
	cr_assert_not_null(strstr(out->data, "--b\r\nX-Foo: bar\r\n"
	    "Content-Type: text/plain; charset=us-ascii\r\n"), "%s",
	    out->data);
	cr_assert_not_null(strstr(out->data, "--b\r\nContent-Type: "
	    "text/plain; charset=us-ascii\r\n"));
	buf_free(m);
}

Test(avedit, a_part_gmime_does_not_see_is_left_alone)
{
	struct buf	*m = buf_new(2048);
	const int	 parts[] = { 0 };

	/* GMime drops a part whose first line is not a header and that has
	 * no empty line: it is no leaf, so it can never be flagged, and it
	 * stays as it is (the whole-message scan still covers its bytes). */
	buf_puts(m, "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
	    "--b\r\nContent-Type: text/plain\r\n\r\nfirst\r\n"
	    "--b\r\nnot a header\r\nmore\r\n"
	    "--b--\r\n");
	flag(m, parts, 1, AV_FILTERED);
	cr_assert_eq(f->av_nparts, 1);
	cr_assert_eq(removed(m), WN_OK, "%s", buf_str(why));
	cr_assert_not_null(strstr(out->data, "--b\r\nnot a header\r\nmore"
	    "\r\n--b--\r\n"));
	buf_free(m);
}

Test(avedit, refuses_what_it_cannot_do_safely)
{
	struct buf	*m = buf_new(2048);
	const int	 parts[] = { 0 };

	avt_msg_begin(m, "x");
	avt_msg_text(m, "x\r\n");
	avt_msg_end(m);
	avscan_reset(f);
	cr_assert_eq(removed(m), WN_PERM);
	cr_assert_not_null(strstr(buf_str(why), "not scanned"));

	flag(m, parts, 1, AV_INFECTED);
	f->av_unplaced = AV_ERROR;
	cr_assert_eq(removed(m), WN_PERM);
	cr_assert_not_null(strstr(buf_str(why), "not confined"));

	flag(m, parts, 1, AV_INFECTED);
	f->av_nparts = 2;
	cr_assert_eq(removed(m), WN_PERM);
	cr_assert_not_null(strstr(buf_str(why), "not the one scanned"));
	cr_assert_eq(out->len, 0);
	buf_free(m);
}

Test(avedit, nothing_flagged_copies_the_message)
{
	struct buf	*m = buf_new(2048);

	avt_msg_begin(m, "x");
	avt_msg_text(m, "x\r\n");
	avt_msg_end(m);
	flag(m, NULL, 0, AV_CLEAN);
	cr_assert_eq(removed(m), WN_OK);
	cr_assert_eq(out->len, m->len);
	cr_assert(memcmp(out->data, m->data, m->len) == 0);
	buf_free(m);
}

Test(avedit, notice_text_is_safe)
{
	struct buf	*m = buf_new(2048), *t = buf_new(256);
	const int	 parts[] = { 1 };
	struct av_opts	*o;
	struct msg_view	 v;

	avt_msg_begin(m, "x");
	avt_msg_text(m, "x\r\n");
	buf_puts(m, "\r\n--" AVT_BOUNDARY "\r\n"
	    "Content-Type: application/octet-stream\r\n"
	    "Content-Disposition: attachment; filename*=utf-8''"
	    "--" AVT_BOUNDARY "--%0D%0AX-Injected:%20yes%C3%A9.exe\r\n"
	    "\r\nAAAA");
	avt_msg_end(m);
	flag(m, parts, 1, AV_FILTERED);
	o = av_opts_copy(av_opts_default());
	cr_assert_eq(av_opts_set(o, "remove_notice", "{file} was removed: "
	    "{status} ({names}) from part {part}, a {type}.", why), WN_OK);
	avt_view(&v, m);
	cr_assert_eq(av_remove_parts_opts(&v, o, f, out, why), WN_OK, "%s",
	    buf_str(why));
	same_parts(m, out);
	cr_assert_null(strstr(out->data, "\r\nX-Injected"));
	cr_assert_null(strstr(out->data, "\r\n--" AVT_BOUNDARY "--\r\n"
	    "X-Injected"));
	cr_assert_not_null(strstr(out->data, "\r\n --" AVT_BOUNDARY
	    "--??X-Injected: yes??.exe was"), "%s", out->data);
	cr_assert_not_null(strstr(out->data, "filtered (no name)"));
	cr_assert_not_null(strstr(out->data, "from part 2, a "
	    "application/octet-stream.\r\n--" AVT_BOUNDARY "--\r\n"), "%s",
	    out->data);
	av_opts_free(o);
	buf_free(m);
	buf_free(t);
}

/* edit_sample - flag every other leaf of a sample and remove them */

static int
edit_sample(const char *path)
{
	struct buf	*m = buf_new(65536), *raw;
	struct avmime	*w;
	char		*data;
	size_t		 len, i;
	int		 parts[FINDINGS_AV_PARTS], n = 0, rc;

	data = tu_read_file(path, &len);
	avt_lf2crlf(data, len, m);
	free(data);
	w = avmime_parse(m->data, m->len, 1000, 100);
	if (!w->editable || w->limit || w->nparts < 2) {
		avmime_free(w);
		buf_free(m);
		return (0);
	}
	for (i = 1; i < w->nparts; i += 2)
		parts[n++] = (int)i;
	avmime_free(w);
	flag(m, parts, (size_t)n, AV_INFECTED);
	raw = m;
	label = path;
	rc = removed(raw);
	cr_assert_eq(rc, WN_OK, "%s: %s", path, buf_str(why));
	same_parts(m, out);
	buf_free(m);
	return (1);
}

/* edit_dir - every file of a sample folder */

static int
edit_dir(const char *dir)
{
	struct dirent	*de;
	struct stat	 st;
	char		 path[1024];
	int		 n = 0;
	DIR		*d;

	if ((d = opendir(dir)) == NULL)
		return (0);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		(void)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			n += edit_sample(path);
	}
	(void)closedir(d);
	return (n);
}

Test(avedit, mime_samples_keep_their_other_parts, .timeout = 120)
{
	/* The project's shared sample folder is used too when it is there
	 * (developer machines); the tree's own samples always are. */
	static const char *const dirs[] = {
		"mime4j/testmsgs", "mime4j/mimetools-testmsgs", "gmime",
		"mimekit/messages", "python-email", "mailparser",
		"spamassassin/nice", "spamassassin/spam", NULL
	};
	char		 dir[512];
	size_t		 i;
	int		 n;

	(void)snprintf(dir, sizeof(dir), "%s/t/data/av/mime", tu_srcdir());
	n = edit_dir(dir);
	cr_assert_geq(n, 8, "only %d samples edited", n);
	for (i = 0; dirs[i] != NULL; i++) {
		(void)snprintf(dir, sizeof(dir), "%s/../shared/mime-samples/%s",
		    tu_srcdir(), dirs[i]);
		n += edit_dir(dir);
	}
	cr_log_info("%d samples edited", n);
}
