/*
 * avhdr.c - the X-Winnow-Virus header text
 *
 *	X-Winnow-Virus: infected; Eicar-Test-Signature (part 2 (eicar.zip));
 *	    filter:name(*.exe) (part 3 (invoice.pdf.exe)); +2 more
 *
 * The status comes first, then each name the findings kept with the part
 * it was found in.  Names come from the signature database and details
 * carry file names from the message, so every byte outside printable
 * ASCII becomes '?' (findings_add already took out controls and ';'), and
 * the value stops before AV_HEADER_MAX bytes with a count of what was left
 * out.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

/* lib */
#include "buf.h"

/* policy */
#include "findings.h"

/* av */
#include "av.h"
#include "av_private.h"

#define AVHDR_FOLD	78

/* avhdr_safe - printable ASCII only */

static void
avhdr_safe(struct buf *out, const char *s)
{
	for (; *s != '\0'; s++)
		buf_putc(out, (*s >= 0x20 && *s < 0x7f && *s != ';') ? *s :
		    '?');
}

/* av_header_value - the value of X-Winnow-Virus */

void
av_header_value(const struct findings *f, struct buf *out)
{
	const struct finding_item *it;
	struct buf	*item = buf_new(256);
	size_t		 start = out->len;
	unsigned int	 i, kept, shown = 0;

	buf_puts(out, findings_av_name(f->av));
	kept = f->viruses.count < FINDINGS_MAX_ITEMS ? f->viruses.count :
	    FINDINGS_MAX_ITEMS;
	for (i = 0; i < kept; i++) {
		it = &f->viruses.item[i];
		buf_reset(item);
		buf_puts(item, "; ");
		avhdr_safe(item, it->name);
		if (it->detail[0] != '\0') {
			buf_puts(item, " (");
			avhdr_safe(item, it->detail);
			buf_putc(item, ')');
		}
		/* Leave room for "; +NNNNNNNNNN more". */
		if (out->len - start + item->len + 20 > AV_HEADER_MAX)
			break;
		buf_append(out, item->data, item->len);
		shown++;
	}
	if (f->viruses.count > shown)
		buf_printf(out, "; +%u more", f->viruses.count - shown);
	buf_free(item);
}

/* av_header_field - "X-Winnow-Virus: value" folded, CRLF-terminated */

void
av_header_field(const struct findings *f, struct buf *out)
{
	struct buf	*v = buf_new(256);
	const char	*p, *semi;
	size_t		 col, n;
	int		 first = 1;

	av_header_value(f, v);
	buf_puts(out, "X-Winnow-Virus: ");
	col = strlen("X-Winnow-Virus: ");
	p = v->data;
	while (*p != '\0') {
		/* One item: up to and including the next "; " separator; the
		 * fold replaces the space after it. */
		semi = strstr(p, "; ");
		n = semi != NULL ? (size_t)(semi - p) + 1 : strlen(p);
		if (!first && col + 1 + n > AVHDR_FOLD) {
			buf_puts(out, "\r\n\t");
			col = 8;
		} else if (!first) {
			buf_putc(out, ' ');
			col++;
		}
		buf_append(out, p, n);
		col += n;
		p += n;
		if (*p == ' ')
			p++;
		first = 0;
	}
	buf_puts(out, "\r\n");
	buf_free(v);
}
