/*
 * maildec.c - transfer decoding: base64, quoted-printable, uuencode
 *
 * The decoders read what the wild sends the way GMime did, so decoded
 * bytes (and the text extracted from them) stay what they were:
 *
 *	base64		characters outside the alphabet are skipped; the first
 *			'=' ends the data (what follows is ignored)
 *	QP		"=XX" with two hex digits is a byte, "=" before a line
 *			end is a soft break, any other "=" sequence is kept
 *			as it stands; an "=" or "=X" at the very end is lost
 *	uuencode	from the line after "begin ..." to a line of length 0;
 *			each line's first character is its length
 *	others		copied as they are
 *
 * Input is taken in chunks, so a cap on the output (max) also caps the
 * work and the memory for a huge part.
 *
 * SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <string.h>

/* lib */
#include "buf.h"

#include "mail_private.h"

#define MAILDEC_CHUNK	(64 * 1024)	/* input decoded per step */
#define MAILDEC_B64_END	(-1)		/* base64 state: '=' seen */
#define MAILDEC_UU_BEGIN 0x10000	/* uuencode: past the begin line */
#define MAILDEC_UU_END	0x20000		/* uuencode: the end line */

static const unsigned char maildec_b64rank[256] = {
	['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6,
	['G'] = 7, ['H'] = 8, ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12,
	['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16, ['Q'] = 17,
	['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22,
	['W'] = 23, ['X'] = 24, ['Y'] = 25, ['Z'] = 26,
	['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31,
	['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36,
	['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41,
	['p'] = 42, ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46,
	['u'] = 47, ['v'] = 48, ['w'] = 49, ['x'] = 50, ['y'] = 51,
	['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56,
	['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61,
	['9'] = 62, ['+'] = 63, ['/'] = 64,
};					/* value + 1; 0: not base64 */

/* Decoder state between chunks. */
struct maildec {
	enum mail_cte	 cte;
	int		 state;
	uint32_t	 save;
};

/* maildec_cte - the encoding a Content-Transfer-Encoding value names */

enum mail_cte
maildec_cte(const char *v)
{
	static const struct {
		const char	*name;
		enum mail_cte	 cte;
	} names[] = {
		{ "7bit", MAIL_CTE_7BIT }, { "8bit", MAIL_CTE_8BIT },
		{ "7-bit", MAIL_CTE_7BIT }, { "8-bit", MAIL_CTE_8BIT },
		{ "binary", MAIL_CTE_BINARY }, { "base64", MAIL_CTE_BASE64 },
		{ "quoted-printable", MAIL_CTE_QP },
		{ "uuencode", MAIL_CTE_UUENCODE },
		{ "x-uuencode", MAIL_CTE_UUENCODE },
		{ "x-uue", MAIL_CTE_UUENCODE }, { NULL, MAIL_CTE_DEFAULT }
	};
	size_t	 i, n;

	while (mc_lwsp(*v))
		v++;
	for (i = 0; names[i].name != NULL; i++) {
		n = strlen(names[i].name);
		if (mailctype_ncasecmp(v, names[i].name, n) == 0 &&
		    (v[n] == '\0' || mc_lwsp(v[n])))
			return (names[i].cte);
	}
	return (MAIL_CTE_DEFAULT);
}

/* maildec_base64_step - decode a chunk of base64; the first '=' ends it */

size_t
maildec_base64_step(const unsigned char *in, size_t len, unsigned char *out,
    int *state, uint32_t *save)
{
	const unsigned char *end = in + len;
	unsigned char	*o = out;
	uint32_t	 saved = *save;
	int		 n = *state;
	unsigned int	 r;

	if (n == MAILDEC_B64_END)
		return (0);
	while (in < end) {
		if ((r = maildec_b64rank[*in]) != 0) {
			saved = (saved << 6) | (r - 1);
			if (++n == 4) {
				*o++ = (unsigned char)(saved >> 16);
				*o++ = (unsigned char)(saved >> 8);
				*o++ = (unsigned char)saved;
				saved = 0;
				n = 0;
			}
		} else if (*in == '=') {
			/* the end: flush what a full quartet would give */
			if (n > 1) {
				saved <<= 6 * (4 - n);
				*o++ = (unsigned char)(saved >> 16);
				if (n > 2)
					*o++ = (unsigned char)(saved >> 8);
			}
			n = MAILDEC_B64_END;
			break;
		}
		in++;
	}
	*save = saved;
	*state = n;
	return ((size_t)(o - out));
}

/* maildec_hex - value of a hex digit */

static unsigned int
maildec_hex(int c)
{
	return (c <= '9' ? (unsigned int)(c - '0') :
	    (unsigned int)((c | 0x20) - 'a' + 10));
}

/* maildec_qp_step - decode a chunk of quoted-printable */

static size_t
maildec_qp_step(const unsigned char *in, size_t len, unsigned char *out,
    int *state, uint32_t *save)
{
	const unsigned char *end = in + len;
	unsigned char	*o = out;
	unsigned char	 c;

	while (in < end) {
		c = *in++;
		switch (*state) {
		case 0:
			if (c == '=')
				*state = 1;
			else
				*o++ = c;
			break;
		case 1:				/* after '=' */
			if (c == '\n')
				*state = 0;	/* soft break */
			else {
				*save = c;
				*state = 2;
			}
			break;
		default:			/* after '=' and one byte */
			if (isxdigit(c) && isxdigit((int)*save))
				*o++ = (unsigned char)(maildec_hex((int)*save)
				    << 4 | maildec_hex(c));
			else if (!(c == '\n' && *save == '\r')) {
				*o++ = '=';
				*o++ = (unsigned char)*save;
				*o++ = c;
			}
			*state = 0;
			break;
		}
	}
	return ((size_t)(o - out));
}

/* maildec_uu_char - the 6-bit value of a uuencoded character */

static unsigned int
maildec_uu_char(unsigned char c)
{
	return ((unsigned int)(c - ' ') & 077);
}

/* maildec_uu_step - decode a chunk of uuencoded lines (after "begin") */

static size_t
maildec_uu_step(const unsigned char *in, size_t len, unsigned char *out,
    int *state, uint32_t *save)
{
	const unsigned char *end = in + len;
	unsigned char	*o = out, b0, b1, b2, b3;
	uint32_t	 saved = *save;
	int		 i = *state & 0xff, n = (*state >> 8) & 0xff;
	int		 eoln = n == 0;

	while (in < end) {
		if (*in == '\n') {
			eoln = 1;
			in++;
			continue;
		}
		if (n == 0 || eoln) {		/* a line's length character */
			n = (int)maildec_uu_char(*in++);
			eoln = 0;
			if (n == 0) {
				*state |= MAILDEC_UU_END;
				break;
			}
			continue;
		}
		saved = (saved << 8) | *in++;
		if (++i < 4)
			continue;
		b0 = (unsigned char)(saved >> 24);
		b1 = (unsigned char)(saved >> 16);
		b2 = (unsigned char)(saved >> 8);
		b3 = (unsigned char)saved;
		*o++ = (unsigned char)(maildec_uu_char(b0) << 2 |
		    maildec_uu_char(b1) >> 4);
		if (n >= 3) {
			*o++ = (unsigned char)(maildec_uu_char(b1) << 4 |
			    maildec_uu_char(b2) >> 2);
			*o++ = (unsigned char)(maildec_uu_char(b2) << 6 |
			    maildec_uu_char(b3));
			n -= 3;
		} else if (--n >= 1) {
			*o++ = (unsigned char)(maildec_uu_char(b1) << 4 |
			    maildec_uu_char(b2) >> 2);
			n--;
		}
		i = 0;
		saved = 0;
	}
	*save = saved;
	*state = (*state & (MAILDEC_UU_BEGIN | MAILDEC_UU_END)) |
	    ((n & 0xff) << 8) | (i & 0xff);
	return ((size_t)(o - out));
}

/* maildec_uu_begin - where the lines after "begin ..." start, or len */

static size_t
maildec_uu_begin(const char *in, size_t len)
{
	const char	*p = in, *end = in + len, *nl;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if ((size_t)(end - p) > 6 && memcmp(p, "begin ", 6) == 0)
			return (nl != NULL ? (size_t)(nl + 1 - in) : len);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return (len);
}

/* maildec_chunk - decode one chunk into out */

static void
maildec_chunk(struct maildec *d, const char *in, size_t len,
    struct buf *out)
{
	unsigned char	*o;
	size_t		 n;

	o = (unsigned char *)buf_reserve(out, len + 4);
	switch (d->cte) {
	case MAIL_CTE_BASE64:
		n = maildec_base64_step((const unsigned char *)in, len, o,
		    &d->state, &d->save);
		break;
	case MAIL_CTE_QP:
		o = (unsigned char *)buf_reserve(out, len * 3 + 4);
		n = maildec_qp_step((const unsigned char *)in, len, o,
		    &d->state, &d->save);
		break;
	case MAIL_CTE_UUENCODE:
		if (d->state & MAILDEC_UU_END)
			return;
		n = maildec_uu_step((const unsigned char *)in, len, o,
		    &d->state, &d->save);
		break;
	default:
		memcpy(o, in, len);
		n = len;
		break;
	}
	buf_commit(out, n);
}

/* maildec_buf - decode len bytes of an encoding into out */

size_t
maildec_buf(enum mail_cte cte, const char *in, size_t len, struct buf *out,
    size_t max)
{
	struct maildec	 d = { cte, 0, 0 };
	size_t		 start = out->len, off = 0, n;

	if (cte == MAIL_CTE_UUENCODE) {
		off = maildec_uu_begin(in, len);
		d.state = MAILDEC_UU_BEGIN;
	}
	while (off < len && (max == 0 || out->len - start < max)) {
		n = len - off < MAILDEC_CHUNK ? len - off : MAILDEC_CHUNK;
		maildec_chunk(&d, in + off, n, out);
		off += n;
	}
	if (max != 0 && out->len - start > max)
		buf_truncate(out, start + max);
	return (out->len - start);
}

/* maildec_part - decode a part's body into out */

size_t
maildec_part(const struct mail *m, unsigned int i, struct buf *out,
    size_t max)
{
	const struct mail_part *p = &m->part[i];

	if (p->body_end <= p->body_start)
		return (0);
	return (maildec_buf(p->cte, m->data + p->body_start,
	    p->body_end - p->body_start, out, max));
}
