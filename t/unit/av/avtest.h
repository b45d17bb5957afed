/*
 * avtest.h - helpers for the av/ unit tests: config, EICAR, zips, messages
 *
 * Test payloads are built at run time: EICAR from its base64 text (no
 * decoded copy is ever stored), zip archives in memory (stored or deflated
 * with zlib, optionally ZipCrypto-encrypted), and MIME messages with CRLF
 * line ends.  Header-only: every test binary includes it once.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_AVTEST_H
#define WINNOW_AVTEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <zlib.h>

#include "buf.h"
#include "conf.h"
#include "findings.h"
#include "log.h"
#include "status.h"
#include "testutil.h"
#include "av.h"

#define AVT_UNUSED	__attribute__((unused))

#define AVT_EICAR_B64 \
	"WDVPIVAlQEFQWzRcUFpYNTQoUF4pN0NDKTd9JEVJQ0FSLVNUQU5EQVJELUFOVElW" \
	"SVJVUy1URVNULUZJTEUhJEgrSCo="

#define AVT_BOUNDARY	"=_winnow_test_"

/* avt_sigdir - the test signature directory */

static AVT_UNUSED const char *
avt_sigdir(void)
{
	static char	 path[512];

	(void)snprintf(path, sizeof(path), "%s/t/data/av/sigs", tu_srcdir());
	return (path);
}

/* avt_conf - load a config of some lines ([av] registered), load the engine */

static AVT_UNUSED int
avt_conf(const char *lines, struct buf *why)
{
	struct buf	*text = buf_new(512);
	const char	*path;
	int		 rc;

	buf_printf(text, "[av]\ntemp_directory = %s\n", tu_tmpdir());
	if (lines != NULL && strstr(lines, "database") == NULL)
		buf_printf(text, "database = %s\n", avt_sigdir());
	buf_puts(text, lines != NULL ? lines : "");
	path = tu_write_file("winnow.conf", buf_str(text));
	buf_free(text);
	if ((rc = conf_load(path, why)) != WN_OK)
		return (rc);
	return (av_load(why));
}

/* avt_eicar - the 68-byte EICAR test string */

static AVT_UNUSED void
avt_eicar(struct buf *out)
{
	gsize	 len;
	guchar	*d = g_base64_decode(AVT_EICAR_B64, &len);

	buf_append(out, d, len);
	g_free(d);
}

/* avt_le16, avt_le32 - little-endian fields */

static AVT_UNUSED void
avt_le16(struct buf *b, unsigned int v)
{
	buf_putc(b, (int)(v & 0xff));
	buf_putc(b, (int)((v >> 8) & 0xff));
}

static AVT_UNUSED void
avt_le32(struct buf *b, uint32_t v)
{
	avt_le16(b, v & 0xffff);
	avt_le16(b, v >> 16);
}

/* ZipCrypto ("traditional PKWARE encryption") keys. */
struct avt_zkeys {
	uint32_t	 k[3];
};

static AVT_UNUSED uint32_t
avt_crc_byte(uint32_t crc, unsigned char c)
{
	int	 i;

	crc ^= c;
	for (i = 0; i < 8; i++)
		crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	return (crc);
}

static AVT_UNUSED void
avt_zk_update(struct avt_zkeys *z, unsigned char c)
{
	z->k[0] = avt_crc_byte(z->k[0], c);
	z->k[1] = (z->k[1] + (z->k[0] & 0xff)) * 134775813u + 1;
	z->k[2] = avt_crc_byte(z->k[2], (unsigned char)(z->k[1] >> 24));
}

static AVT_UNUSED unsigned char
avt_zk_byte(const struct avt_zkeys *z)
{
	unsigned int	 t = (z->k[2] | 2) & 0xffff;

	return ((unsigned char)((t * (t ^ 1)) >> 8));
}

/* One member of a zip being built. */
struct avt_zentry {
	const char	*name;
	const void	*data;		/* stored as is, or deflated */
	size_t		 len;
	int		 deflate;
};

/* avt_deflate - raw deflate of some bytes */

static AVT_UNUSED void
avt_deflate(const void *data, size_t len, struct buf *out)
{
	z_stream	 zs;
	char		*p;
	int		 rc;

	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		abort();
	zs.next_in = (Bytef *)(uintptr_t)data;
	zs.avail_in = (uInt)len;
	do {
		p = buf_reserve(out, 65536);
		zs.next_out = (Bytef *)p;
		zs.avail_out = 65536;
		rc = deflate(&zs, Z_FINISH);
		buf_commit(out, 65536 - zs.avail_out);
	} while (rc == Z_OK);
	(void)deflateEnd(&zs);
}

/* avt_zip - a zip archive; password != NULL encrypts with ZipCrypto */

static AVT_UNUSED void
avt_zip(struct buf *out, const struct avt_zentry *e, size_t n,
    const char *password)
{
	struct buf	*cd = buf_new(256), *body = buf_new(256);
	uint32_t	*off = calloc(n, sizeof(*off)), crc = 0;
	struct avt_zkeys zk;
	size_t		 i, j, usize;
	unsigned int	 flags = password != NULL ? 1 : 0;
	unsigned char	 c, hdr[12];
	const char	*s;

	for (i = 0; i < n; i++) {
		usize = e[i].len;
		/* The same bytes as the previous member: reuse its body. */
		if (i == 0 || password != NULL || e[i].data != e[i - 1].data ||
		    e[i].len != e[i - 1].len ||
		    e[i].deflate != e[i - 1].deflate) {
			crc = (uint32_t)crc32(0L, e[i].data, (uInt)e[i].len);
			buf_reset(body);
			if (e[i].deflate)
				avt_deflate(e[i].data, e[i].len, body);
			else
				buf_append(body, e[i].data, e[i].len);
		}
		if (password != NULL) {
			struct buf *enc = buf_new(body->len + 12);

			zk.k[0] = 0x12345678u;
			zk.k[1] = 0x23456789u;
			zk.k[2] = 0x34567890u;
			for (s = password; *s != '\0'; s++)
				avt_zk_update(&zk, (unsigned char)*s);
			for (j = 0; j < 12; j++)
				hdr[j] = (unsigned char)(j * 37 + 11);
			hdr[11] = (unsigned char)(crc >> 24);
			for (j = 0; j < 12; j++) {
				c = hdr[j] ^ avt_zk_byte(&zk);
				avt_zk_update(&zk, hdr[j]);
				buf_putc(enc, c);
			}
			for (j = 0; j < body->len; j++) {
				unsigned char p = (unsigned char)body->data[j];

				buf_putc(enc, p ^ avt_zk_byte(&zk));
				avt_zk_update(&zk, p);
			}
			buf_reset(body);
			buf_append(body, enc->data, enc->len);
			buf_free(enc);
		}
		off[i] = (uint32_t)out->len;
		avt_le32(out, 0x04034b50u);
		avt_le16(out, 20);
		avt_le16(out, flags);
		avt_le16(out, e[i].deflate ? 8 : 0);
		avt_le16(out, 0);
		avt_le16(out, 0x21);
		avt_le32(out, crc);
		avt_le32(out, (uint32_t)body->len);
		avt_le32(out, (uint32_t)usize);
		avt_le16(out, (unsigned int)strlen(e[i].name));
		avt_le16(out, 0);
		buf_puts(out, e[i].name);
		buf_append(out, body->data, body->len);

		avt_le32(cd, 0x02014b50u);
		avt_le16(cd, 20);
		avt_le16(cd, 20);
		avt_le16(cd, flags);
		avt_le16(cd, e[i].deflate ? 8 : 0);
		avt_le16(cd, 0);
		avt_le16(cd, 0x21);
		avt_le32(cd, crc);
		avt_le32(cd, (uint32_t)body->len);
		avt_le32(cd, (uint32_t)usize);
		avt_le16(cd, (unsigned int)strlen(e[i].name));
		avt_le16(cd, 0);
		avt_le16(cd, 0);
		avt_le16(cd, 0);
		avt_le16(cd, 0);
		avt_le32(cd, 0);
		avt_le32(cd, off[i]);
		buf_puts(cd, e[i].name);
	}
	i = out->len;
	buf_append(out, cd->data, cd->len);
	avt_le32(out, 0x06054b50u);
	avt_le16(out, 0);
	avt_le16(out, 0);
	avt_le16(out, (unsigned int)n);
	avt_le16(out, (unsigned int)n);
	avt_le32(out, (uint32_t)cd->len);
	avt_le32(out, (uint32_t)i);
	avt_le16(out, 0);
	buf_free(cd);
	buf_free(body);
	free(off);
}

/* avt_zip_one - a zip with one stored member */

static AVT_UNUSED void
avt_zip_one(struct buf *out, const char *name, const void *data, size_t len)
{
	struct avt_zentry e = { name, data, len, 0 };

	avt_zip(out, &e, 1, NULL);
}

/* avt_zip_nested - data zipped depth times, each zip inside the next */

static AVT_UNUSED void
avt_zip_nested(struct buf *out, const void *data, size_t len, int depth)
{
	struct buf	*cur = buf_new(len), *next;
	char		 name[32];
	int		 i;

	buf_append(cur, data, len);
	for (i = 0; i < depth; i++) {
		next = buf_new(cur->len + 256);
		struct avt_zentry e = { name, cur->data, cur->len, 1 };

		(void)snprintf(name, sizeof(name), i == 0 ? "eicar.txt" :
		    "level%d.zip", i);
		avt_zip(next, &e, 1, NULL);	/* deflated: no plain EICAR */
		buf_free(cur);
		cur = next;
	}
	buf_append(out, cur->data, cur->len);
	buf_free(cur);
}

/* avt_bomb - n members, each size bytes of zeros deflated */

static AVT_UNUSED void
avt_bomb(struct buf *out, size_t n, size_t size)
{
	struct avt_zentry *e = calloc(n, sizeof(*e));
	char		*zeros = calloc(1, size), (*names)[16];
	size_t		 i;

	names = calloc(n, sizeof(*names));
	for (i = 0; i < n; i++) {
		(void)snprintf(names[i], sizeof(names[i]), "zero%zu.bin", i);
		e[i].name = names[i];
		e[i].data = zeros;
		e[i].len = size;
		e[i].deflate = 1;
	}
	avt_zip(out, e, n, NULL);
	free(names);
	free(zeros);
	free(e);
}

/* avt_msg_begin - headers of a multipart/mixed message */

static AVT_UNUSED void
avt_msg_begin(struct buf *m, const char *subject)
{
	buf_printf(m, "From: sender@example.org\r\n"
	    "To: rcpt@example.net\r\n"
	    "Subject: %s\r\n"
	    "Message-ID: <avtest@example.org>\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"" AVT_BOUNDARY "\"\r\n"
	    "\r\n"
	    "This is a multi-part message in MIME format.\r\n", subject);
}

/* avt_msg_text - a text/plain part */

static AVT_UNUSED void
avt_msg_text(struct buf *m, const char *text)
{
	buf_printf(m, "\r\n--" AVT_BOUNDARY "\r\n"
	    "Content-Type: text/plain; charset=us-ascii\r\n"
	    "\r\n%s", text);
}

/* avt_b64 - base64 in 76-column CRLF lines */

static AVT_UNUSED void
avt_b64(struct buf *m, const void *data, size_t len)
{
	gchar	*enc = g_base64_encode(data, len);
	size_t	 el = strlen(enc), i;

	for (i = 0; i < el; i += 76) {
		buf_append(m, enc + i, el - i < 76 ? el - i : 76);
		buf_puts(m, "\r\n");
	}
	g_free(enc);
}

/* avt_msg_attach - a base64 attachment */

static AVT_UNUSED void
avt_msg_attach(struct buf *m, const char *ctype, const char *filename,
    const void *data, size_t len)
{
	buf_printf(m, "\r\n--" AVT_BOUNDARY "\r\n"
	    "Content-Type: %s; name=\"%s\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "Content-Disposition: attachment; filename=\"%s\"\r\n"
	    "\r\n", ctype, filename, filename);
	avt_b64(m, data, len);
	buf_truncate(m, m->len - 2);	/* the CRLF belongs to the boundary */
}

/* avt_msg_end - the closing boundary */

static AVT_UNUSED void
avt_msg_end(struct buf *m)
{
	buf_puts(m, "\r\n--" AVT_BOUNDARY "--\r\n");
}

/* avt_lf2crlf - a file's bytes with bare LF made CRLF (msg_view form) */

static AVT_UNUSED void
avt_lf2crlf(const char *in, size_t len, struct buf *out)
{
	size_t	 i;

	for (i = 0; i < len; i++) {
		if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r'))
			buf_putc(out, '\r');
		buf_putc(out, in[i]);
	}
}

/* avt_view - a msg_view over a message in a buffer */

static AVT_UNUSED void
avt_view(struct msg_view *v, const struct buf *m)
{
	static const char *const rcpts[] = { "rcpt@example.net", NULL };
	const char	*e;

	memset(v, 0, sizeof(*v));
	v->queue_id = "TEST";
	v->sender = "sender@example.org";
	v->rcpts = rcpts;
	v->nrcpts = 1;
	v->data = m->data;
	v->len = m->len;
	e = m->len >= 4 ? memmem(m->data, m->len, "\r\n\r\n", 4) : NULL;
	v->header_len = e != NULL ? (size_t)(e - m->data) + 4 : m->len;
}

/* avt_has_name - does the findings list hold a name with this prefix? */

static AVT_UNUSED int
avt_has_name(const struct findings *f, const char *prefix)
{
	unsigned int	 i;

	for (i = 0; i < f->viruses.count && i < FINDINGS_MAX_ITEMS; i++)
		if (strncmp(f->viruses.item[i].name, prefix,
		    strlen(prefix)) == 0)
			return (1);
	return (0);
}

/* avt_names - all names, for failure messages */

static AVT_UNUSED const char *
avt_names(const struct findings *f)
{
	static char	 s[2048];
	size_t		 i, n = 0;

	s[0] = '\0';
	for (i = 0; i < f->viruses.count && i < FINDINGS_MAX_ITEMS; i++)
		n += (size_t)snprintf(s + n, n < sizeof(s) ? sizeof(s) - n : 0,
		    "%s[%s] ", f->viruses.item[i].name,
		    f->viruses.item[i].detail);
	return (s);
}

#endif /* WINNOW_AVTEST_H */
