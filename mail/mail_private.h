/*
 * mail_private.h - what the files of mail/ share (never included from
 * outside mail/)
 *
 *	mail.c		mail_new, mail_free, the arena, the limits
 *	mailhdr.c	header blocks: fields, the end of the header, lookups
 *	mailmime.c	the MIME structure: boundaries, parts, limits
 *	mailparam.c	Content-Type / Content-Disposition and parameters
 *	maildec.c	base64, quoted-printable, uuencode
 *	mailtext.c	RFC 2047 header text, raw 8-bit text
 *	mailcs.c	charset names and conversion to UTF-8 (iconv)
 *	mailaddr.c	address lists, message ids
 *	mailctype.c	the character classes of RFC 5322 / 2045
 *
 * The lexical helpers work on NUL-terminated strings, as header values are
 * read up to a NUL.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_MAIL_PRIVATE_H
#define WINNOW_MAIL_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "mail.h"

/* mailctype.c: character classes */
#define MC_CTRL		0x01	/* 0-31, 127 */
#define MC_LWSP		0x02	/* space, tab, CR, LF */
#define MC_TSPECIAL	0x04	/* RFC 2045 tspecials and controls */
#define MC_SPECIAL	0x08	/* RFC 5322 specials */
#define MC_SPACE	0x10	/* space */
#define MC_DSPECIAL	0x20	/* not in a domain literal */
#define MC_ASCII	0x40	/* below 128 */
#define MC_BLANK	0x80	/* space, tab */

extern const unsigned char mailctype[256];

#define MC_IS(c, t)	((mailctype[(unsigned char)(c)] & (t)) != 0)
#define mc_ctrl(c)	MC_IS(c, MC_CTRL)
#define mc_lwsp(c)	MC_IS(c, MC_LWSP)
#define mc_blank(c)	MC_IS(c, MC_BLANK)
#define mc_ascii(c)	MC_IS(c, MC_ASCII)
#define mc_ttoken(c)	(!MC_IS(c, MC_TSPECIAL | MC_LWSP | MC_CTRL))
#define mc_atom(c)	(!MC_IS(c, MC_SPECIAL | MC_SPACE | MC_CTRL))
#define mc_dtext(c)	(!MC_IS(c, MC_DSPECIAL))

/* mailctype.c: lexical helpers over NUL-terminated text */
int		 mailctype_skip_lwsp(const char **);
int		 mailctype_skip_comment(const char **);
int		 mailctype_skip_cfws(const char **);
int		 mailctype_skip_quoted(const char **);
int		 mailctype_skip_atom(const char **);
int		 mailctype_skip_word(const char **);
int		 mailctype_casecmp(const char *, const char *);
int		 mailctype_ncasecmp(const char *, const char *, size_t);
void		 mailctype_lower(char *);

/* mail.c: the per-message arena */
void		*mail_alloc(struct mail *, size_t);
char		*mail_strndup(struct mail *, const char *, size_t);

/* mailhdr.c */
const char	*mailhdr_cstr(const struct mail *, const struct mail_field *,
		    struct buf *);

/* mailparam.c: a parameter list parsed from a (decoded) field value */
struct mailparam {
	char		*name;
	char		*value;
};

struct mailparam_list {
	struct mailparam *v;
	size_t		 n, cap;
	unsigned int	 conflicts;	/* same name, other value */
};

/* The type and subtype at the start of a Content-Type value (malloc'd);
 * 0, or -1 (*type and *sub NULL) when it does not parse. */
int		 mailparam_type(const char **, char **type, char **sub);
void		 mailparam_parse(const char *, struct mailparam_list *);
const char	*mailparam_find(const struct mailparam_list *, const char *);
void		 mailparam_clear(struct mailparam_list *);

/* mailmime.c */
void		 mailmime_build(struct mail *, const struct mail_limits *,
		    int entity);

/* maildec.c: decoders that keep state between calls */
size_t		 maildec_base64_step(const unsigned char *, size_t,
		    unsigned char *, int *state, uint32_t *save);

/* mailtext.c */
void		 mailtext_decode_len(const char *, size_t, struct buf *out);

/* mailcs.c */
long		 mailcs_convert(void *cd, const char *, size_t,
		    struct buf *out);

#endif /* WINNOW_MAIL_PRIVATE_H */
