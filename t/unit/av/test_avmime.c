/* test_avmime.c - unit tests for av/avmime.c: the MIME walk */

#include <string.h>

#include <criterion/criterion.h>

#include "xalloc.h"
#include "av_private.h"
#include "avtest.h"

static void
setup(void)
{
	log_to_stderr();
	av_conf_register();
}

static void
teardown(void)
{
	conf_reset();
}

TestSuite(avmime, .init = setup, .fini = teardown, .timeout = 60);

/* sample - a file of t/data/av/mime with CRLF line ends */

static struct buf *
sample(const char *name)
{
	struct buf	*m = buf_new(4096);
	char		 path[512], *data;
	size_t		 len;

	(void)snprintf(path, sizeof(path), "%s/t/data/av/mime/%s",
	    tu_srcdir(), name);
	data = tu_read_file(path, &len);
	avt_lf2crlf(data, len, m);
	free(data);
	return (m);
}

/* raw - the raw bytes of a leaf's body as a string */

static char *
raw(const struct avmime *m, size_t i)
{
	return (xstrndup(m->data + m->part[i].body_start,
	    m->part[i].body_end - m->part[i].body_start));
}

Test(avmime, leaves_in_order_with_sections_names_and_offsets)
{
	struct buf	*m = sample("alternative-related.eml");
	struct avmime	*w;
	char		*s;

	w = avmime_parse(m->data, m->len, 100, 10);
	cr_assert_eq(w->nparts, 4);
	cr_assert(w->editable);
	cr_assert_eq(w->limit, 0);
	cr_assert_str_eq(w->part[0].section, "1.1");
	cr_assert_str_eq(w->part[0].ctype, "text/plain");
	cr_assert_str_eq(w->part[1].section, "1.2.1");
	cr_assert_str_eq(w->part[1].ctype, "text/html");
	cr_assert_str_eq(w->part[2].section, "1.2.2");
	cr_assert_str_eq(w->part[2].ctype, "image/png");
	cr_assert_str_eq(w->part[3].section, "2");
	cr_assert_str_eq(w->part[3].filename, "r\xc3\xa9sum\xc3\xa9.pdf");
	s = raw(w, 3);
	cr_assert_str_eq(s, "JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PC9UeXBlL0NhdGFs"
	    "b2c+PgplbmRvYmoK");
	free(s);
	/* The header block of a part starts right after its boundary. */
	cr_assert(strncmp(m->data + w->part[3].hdr_start - 9, "--mixed\r\n",
	    9) == 0);
	cr_assert(strncmp(m->data + w->part[3].hdr_start, "Content-Type: "
	    "application/pdf", 29) == 0);
	avmime_free(w);
	buf_free(m);
}

Test(avmime, attached_messages_and_single_part_bodies)
{
	struct buf	*m = sample("rfc822-inside.eml");
	struct avmime	*w;
	char		*s;

	w = avmime_parse(m->data, m->len, 100, 10);
	cr_assert_eq(w->nparts, 4);
	cr_assert(w->editable);
	cr_assert_str_eq(w->part[0].section, "1");
	cr_assert_str_eq(w->part[1].section, "2.1");
	cr_assert_str_eq(w->part[2].section, "2.2");
	cr_assert_str_eq(w->part[2].filename, "data.bin");
	cr_assert_str_eq(w->part[3].section, "3.1");
	/* A single-part attached message: its header block is the
	 * message's, from its first header on. */
	cr_assert(strncmp(m->data + w->part[3].hdr_start, "From: d@example.com",
	    19) == 0);
	s = raw(w, 3);
	cr_assert_str_eq(s, "just a body");
	free(s);
	avmime_free(w);
	buf_free(m);
}

Test(avmime, single_part_message_header_block_is_the_message_header)
{
	struct buf	*m = sample("single-part-base64.eml");
	struct avmime	*w;

	w = avmime_parse(m->data, m->len, 100, 10);
	cr_assert_eq(w->nparts, 1);
	cr_assert_eq(w->part[0].hdr_start, 0);
	cr_assert_str_eq(w->part[0].filename, "archive.zip");
	cr_assert_str_eq(w->part[0].ctype, "application/zip");
	cr_assert(strncmp(m->data + w->part[0].body_start, "UEsFBg", 6) == 0);
	avmime_free(w);
	buf_free(m);
}

Test(avmime, decode_base64_qp_and_uuencode)
{
	struct buf	*m = sample("uuencode-part.eml"), *d = buf_new(64);
	struct avmime	*w;

	w = avmime_parse(m->data, m->len, 100, 10);
	cr_assert_eq(w->nparts, 2);
	cr_assert_eq(avmime_decode(w, 0, d), 0);
	cr_assert_eq(d->len, 3);
	cr_assert(memcmp(d->data, "hi\n", 3) == 0);
	buf_reset(d);
	cr_assert_eq(avmime_decode(w, 1, d), 0);
	cr_assert_eq(d->len, 4);
	cr_assert(memcmp(d->data, "caf\xe9", 4) == 0);
	avmime_free(w);
	buf_free(m);

	m = sample("rfc822-inside.eml");
	w = avmime_parse(m->data, m->len, 100, 10);
	buf_reset(d);
	cr_assert_eq(avmime_decode(w, 2, d), 0);
	cr_assert_eq(d->len, 10);
	cr_assert(memcmp(d->data, "\0\1\2\3\4\5\6\7\10\11", 10) == 0);
	avmime_free(w);
	buf_free(m);
	buf_free(d);
}

Test(avmime, part_limit_stops_the_walk)
{
	struct buf	*m = sample("alternative-related.eml");
	struct avmime	*w;

	w = avmime_parse(m->data, m->len, 2, 10);
	cr_assert_eq(w->nparts, 2);
	cr_assert_eq(w->limit, AVMIME_LIMIT_PARTS);
	avmime_free(w);
	buf_free(m);
}

Test(avmime, depth_limit_stops_the_walk)
{
	struct buf	*m = buf_new(65536);
	struct avmime	*w;
	int		 i, depth = 60;

	buf_puts(m, "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=b0\r\n\r\n");
	for (i = 1; i < depth; i++)
		buf_printf(m, "--b%d\r\nContent-Type: multipart/mixed; "
		    "boundary=b%d\r\n\r\n", i - 1, i);
	buf_printf(m, "--b%d\r\nContent-Type: text/plain\r\n\r\ndeep\r\n",
	    depth - 1);
	for (i = depth - 1; i >= 0; i--)
		buf_printf(m, "--b%d--\r\n", i);

	w = avmime_parse(m->data, m->len, 100, 100);
	cr_assert_eq(w->limit, 0);
	cr_assert_eq(w->nparts, 1);
	avmime_free(w);
	w = avmime_parse(m->data, m->len, 100, 20);
	cr_assert_eq(w->limit, AVMIME_LIMIT_DEPTH);
	cr_assert_eq(w->nparts, 0);
	avmime_free(w);
	buf_free(m);
}

Test(avmime, not_a_message_and_empty_input)
{
	struct avmime	*w;

	w = avmime_parse("", 0, 100, 10);
	cr_assert_eq(w->nparts, 0);
	avmime_free(w);
	w = avmime_parse("just text, no header\r\n", 22, 100, 10);
	cr_assert_leq(w->nparts, 1);
	avmime_free(w);
}

Test(avmime, the_callers_bytes_are_not_copied_or_freed)
{
	struct buf	*m = sample("double-extension.eml");
	struct avmime	*w;
	char		*copy = xmemdup(m->data, m->len);

	w = avmime_parse(m->data, m->len, 100, 10);
	cr_assert_eq(w->nparts, 3);
	cr_assert_eq(w->data, m->data);
	cr_assert_str_eq(w->part[1].filename, "invoice.pdf.exe");
	cr_assert_str_eq(w->part[2].filename, "report.doc.  ");
	avmime_free(w);
	/* Still ours, unchanged, and freeable by us (buf_free below). */
	cr_assert(memcmp(copy, m->data, m->len) == 0);
	free(copy);
	buf_free(m);
}

Test(avmime, the_list_the_scan_process_gets_is_the_same)
{
	struct buf	*m = sample("rfc822-inside.eml"), *b = buf_new(256);
	struct avmime	*w, *u;
	size_t		 i, used;

	w = avmime_parse(m->data, m->len, 100, 10);
	avmime_pack(w, b);
	u = avmime_unpack((const unsigned char *)b->data, b->len, &used,
	    m->data, m->len);
	cr_assert_not_null(u);
	cr_assert_eq(used, b->len);
	cr_assert_eq(u->nparts, w->nparts);
	cr_assert_eq(u->editable, w->editable);
	for (i = 0; i < w->nparts; i++) {
		cr_assert_str_eq(u->part[i].section, w->part[i].section);
		cr_assert_eq(u->part[i].body_start, w->part[i].body_start);
		cr_assert_eq(u->part[i].cte, w->part[i].cte);
	}
	cr_assert_str_eq(u->part[2].filename, "data.bin");
	avmime_free(u);
	/* offsets past the message are refused */
	u = avmime_unpack((const unsigned char *)b->data, b->len, &used,
	    m->data, 10);
	cr_assert_null(u);
	avmime_free(w);
	buf_free(b);
	buf_free(m);
}

Test(avmime, a_view_uses_its_index)
{
	struct buf	*m = sample("alternative-related.eml");
	struct mail_limits lim = { 2, 20 };
	struct msg_view	 v;
	struct mail	*ml;
	struct avmime	*w;

	memset(&v, 0, sizeof(v));
	v.data = m->data;
	v.len = m->len;
	ml = mail_new(m->data, m->len, &lim);
	v.mail = ml;
	w = avmime_view(&v);
	cr_assert_eq(w->nparts, 2, "the index's limit");
	cr_assert_eq(w->limit, AVMIME_LIMIT_PARTS);
	avmime_free(w);
	mail_free(ml);
	v.mail = NULL;
	w = avmime_view(&v);
	cr_assert_eq(w->nparts, 4, "indexed with the configured limits");
	avmime_free(w);
	buf_free(m);
}
