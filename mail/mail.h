/*
 * mail.h - the one representation of a message: header and MIME part index
 *
 * A struct mail is built once per message from its bytes (mail_new) and
 * read by every check: a header index (each field's name and raw value as
 * offsets into the message, looked up without regard to case, unfolded and
 * RFC 2047-decoded on demand) and a flat index of the MIME parts (an array
 * in document order: each part's parent, depth, header block, body range,
 * type, charset, file name, disposition, transfer encoding, boundary and
 * flags).  Nothing is copied: offsets point into the caller's bytes, which
 * must outlive the index.  Bodies are decoded on demand (mail_decode) into
 * a caller's buffer.
 *
 * How the structure is read follows GMime 3.2 (which winnow used before):
 * a boundary line ends a part also when it belongs to an enclosing
 * multipart, the line end before a boundary belongs to the boundary, an
 * unencoded message/rfc822 (rfc2822, global, news) part is read in place
 * and its message becomes the part's only child, an encoded one is a leaf
 * (MAIL_PART_ENCODED_MSG: its decoded body is a message, which a reader
 * may index with mail_new), a multipart without a boundary is all prologue.
 * A header block whose first line is no header field, and that is not an
 * mbox "From " line, makes the input "not a message" (no parts).
 *
 * Limits (struct mail_limits): at most max_parts leaf parts and as many
 * multipart or message parts (at least MAIL_MIN_CONTAINERS, so a small
 * max_parts still reaches its leaves) are indexed; past either the index
 * stops and
 * says so (MAIL_LIMIT_PARTS), and a part nested deeper than max_depth is
 * skipped with its contents (MAIL_LIMIT_DEPTH), the walk going on with its
 * siblings.  Per part the index keeps one fixed-size record; the strings
 * (type, charset, file name, ...) and the field records live in an arena
 * that mail_free releases with the rest, so a child's memory is flat from
 * one message to the next.  Header fields are indexed up to
 * MAIL_MAX_FIELDS per message.
 *
 * Errors: nothing in a message makes mail_new fail; allocation failure is
 * fatal (xmalloc).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_MAIL_H
#define WINNOW_MAIL_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define MAIL_NONE		((unsigned int)-1)
#define MAIL_MAX_PARTS_DEFAULT	200	/* [content] max_parts */
#define MAIL_MAX_DEPTH_DEFAULT	20	/* [content] max_depth */
#define MAIL_MAX_FIELDS		20000	/* header fields indexed per message */
#define MAIL_MIN_CONTAINERS	1000	/* multipart/message parts indexed at
					 * least (more when max_parts is
					 * higher) */

/* The one set of MIME limits. */
struct mail_limits {
	unsigned int	 max_parts;	/* leaf parts (and multipart/message
					 * parts: at least
					 * MAIL_MIN_CONTAINERS) */
	unsigned int	 max_depth;	/* nesting levels below the top */
};

/* The limits mail_new() uses when given none: [content] max_parts and
 * max_depth (or their deprecated [av] names), set by the modules' load. */
extern struct mail_limits mail_limits;

/* Content-Transfer-Encoding. */
enum mail_cte {
	MAIL_CTE_DEFAULT = 0,		/* none, or one we do not know */
	MAIL_CTE_7BIT,
	MAIL_CTE_8BIT,
	MAIL_CTE_BINARY,
	MAIL_CTE_BASE64,
	MAIL_CTE_QP,
	MAIL_CTE_UUENCODE,
};

/* One header field; offsets into mail->data. */
struct mail_field {
	size_t		 name;		/* the name, trailing blanks left off */
	size_t		 name_len;
	size_t		 value;		/* the raw value: after the colon ... */
	size_t		 end;		/* ... to the end of its last line,
					 * line end included */
};

#define MAIL_PART_LEAF		0x0001	/* no children: a body to decode */
#define MAIL_PART_MULTIPART	0x0002	/* children between boundaries */
#define MAIL_PART_MESSAGE	0x0004	/* message/rfc822 read in place: its
					 * one child (if it has any: an empty
					 * one has none) is the message */
#define MAIL_PART_ENCODED_MSG	0x0008	/* message/rfc822 in base64, QP or
					 * uuencode: a leaf */
#define MAIL_PART_NO_BOUNDARY	0x0010	/* multipart without a boundary */
#define MAIL_PART_NO_BODY	0x0020	/* its header block ended at a
					 * boundary line: no body at all */
#define MAIL_PART_OPEN		0x0040	/* ended with the message, not at a
					 * boundary (truncated) */
#define MAIL_PART_DEPTH		0x0080	/* a child was deeper than max_depth
					 * and was skipped */
#define MAIL_PART_ATTACHMENT	0x0100	/* Content-Disposition: attachment */
#define MAIL_PART_NO_TYPE	0x0200	/* no Content-Type field */
#define MAIL_PART_BAD_TYPE	0x0400	/* a Content-Type that does not parse
					 * (type is application/octet-stream) */
#define MAIL_PART_WS_END	0x0800	/* the top header block ended at a
					 * line of white space (see mailmime.c;
					 * GMime-era readers saw its characters
					 * as that many empty lines in front
					 * of the body) */

/* One MIME part. */
struct mail_part {
	unsigned int	 parent;	/* index of the parent, MAIL_NONE */
	unsigned int	 depth;		/* 0 for the top part */
	unsigned int	 flags;		/* MAIL_PART_* */
	unsigned int	 field;		/* its header fields: field[field] .. */
	unsigned int	 nfields;	/* ... field[field + nfields - 1] */
	enum mail_cte	 cte;
	size_t		 hdr_start;	/* the header block: from the line
					 * after the boundary (0 for the top
					 * part) ... */
	size_t		 hdr_end;	/* ... to the empty line (or the
					 * boundary line, or the end) */
	size_t		 body_start;	/* the body, still encoded; for a
					 * multipart its prologue, parts and
					 * epilogue */
	size_t		 body_end;
	size_t		 prologue_end;	/* multipart: where its prologue ends
					 * (the text before the first boundary
					 * line, all of it without one;
					 * body_start if it has no body) */
	const char	*type;		/* lower case; "text" and "plain" ... */
	const char	*subtype;	/* ... when there is no Content-Type */
	const char	*charset;	/* as given, or NULL */
	const char	*boundary;	/* multipart: as given, or NULL */
	const char	*disposition;	/* as given, or NULL */
	const char	*filename;	/* UTF-8 where it was encoded: the
					 * disposition's filename, else the
					 * type's name; NULL if neither */
};

#define MAIL_LIMIT_PARTS	0x01	/* max_parts stopped the index */
#define MAIL_LIMIT_DEPTH	0x02	/* max_depth skipped a part */
#define MAIL_LIMIT_FIELDS	0x04	/* MAIL_MAX_FIELDS: fields left out */

/* A message (or MIME entity) and its index; read-only once built. */
struct mail {
	const char	*data;		/* the caller's bytes */
	size_t		 len;
	int		 message;	/* 1: it parsed as a message (else no
					 * parts: read it as plain text) */
	size_t		 text_start;	/* where plain text starts (after an
					 * mbox "From " line) */
	struct mail_part *part;		/* in document order; part[0] is the
					 * top part */
	unsigned int	 nparts;
	unsigned int	 nleaves;
	struct mail_field *field;
	unsigned int	 nfields;
	unsigned int	 limits;	/* MAIL_LIMIT_* */
	unsigned int	 problems;	/* structure that readers may read
					 * differently: conflicting fields or
					 * parameters, a multipart without a
					 * boundary, a part without headers or
					 * body */
	struct mail_arena *arena;
};

/* Index a message (data, len): an mbox "From " line in front is skipped.
 * lim NULL means mail_limits. */
struct mail	*mail_new(const char *data, size_t len,
		    const struct mail_limits *lim);

/* Index a MIME entity (headers and body, e.g. a multipart's prologue): all
 * its fields belong to its top part. */
struct mail	*mail_new_entity(const char *data, size_t len,
		    const struct mail_limits *lim);

/* Free it; NULL is a no-op. */
void		 mail_free(struct mail *);

/* ------------------------------------------------------------------ */
/* mailhdr.c: header fields */

/* The end of the header section of data: the offset just past the first
 * empty line (CRLF or LF), or len when there is none.  The one answer to
 * "where does the header end" for every module. */
size_t		 mailhdr_len(const char *data, size_t len);

/* The first (or last) field of part's header block with this name, or
 * NULL. */
const struct mail_field *mailhdr_first(const struct mail *, unsigned int part,
		    const char *name);
const struct mail_field *mailhdr_last(const struct mail *, unsigned int part,
		    const char *name);

/* Whether a field has this name (ASCII case ignored). */
int		 mailhdr_is(const struct mail *, const struct mail_field *,
		    const char *name);

/* Append the raw value (up to a NUL, as it stands). */
void		 mailhdr_raw(const struct mail *, const struct mail_field *,
		    struct buf *out);

/* Append the value unfolded: line ends dropped, leading and trailing
 * white space trimmed (the raw value up to a NUL). */
void		 mailhdr_unfold(const struct mail *, const struct mail_field *,
		    struct buf *out);

/* Append a string unfolded the same way. */
void		 mailhdr_unfold_str(const char *, struct buf *out);

/* Append the value unfolded and decoded (RFC 2047 encoded words, raw 8-bit
 * text as UTF-8 or windows-1252): UTF-8. */
void		 mailhdr_text(const struct mail *, const struct mail_field *,
		    struct buf *out);

/* Whether a field's name starts with "Content-" (a MIME field, not one of
 * the message's own). */
int		 mailhdr_is_mime(const struct mail *,
		    const struct mail_field *);

/* ------------------------------------------------------------------ */
/* mailparam.c: parameters of Content-Type and Content-Disposition */

/* Append the value of parameter name of the last field hname of part
 * (decoded: RFC 2231, RFC 2047, continuations); 1 if found, else 0. */
int		 mailparam_get(const struct mail *, unsigned int part,
		    const char *hname, const char *name, struct buf *out);

/* ------------------------------------------------------------------ */
/* maildec.c: transfer decoding */

/* Append part's body decoded by its transfer encoding, at most max bytes
 * (0: all); returns the bytes appended. */
size_t		 maildec_part(const struct mail *, unsigned int part,
		    struct buf *out, size_t max);

/* Append len bytes decoded from a transfer encoding, at most max (0: all);
 * returns the bytes appended. */
size_t		 maildec_buf(enum mail_cte, const char *, size_t,
		    struct buf *out, size_t max);

/* The transfer encoding a value names (case ignored). */
enum mail_cte	 maildec_cte(const char *value);

/* ------------------------------------------------------------------ */
/* mailtext.c: header text */

/* Append unstructured header text (a NUL-free string) decoded to UTF-8:
 * encoded words, raw 8-bit text. */
void		 mailtext_decode(const char *text, struct buf *out);

/* The same for a phrase (display names). */
void		 mailtext_phrase(const char *text, struct buf *out);

/* Append text of unknown 8-bit charset as UTF-8 (UTF-8 if it is valid,
 * else windows-1252, bytes neither can read as '?'). */
void		 mailtext_8bit(const char *, size_t, struct buf *out);

/* ------------------------------------------------------------------ */
/* mailcs.c: charsets */

/* An iconv descriptor (iconv_t) from a MIME charset label to UTF-8, with
 * the aliases below; NULL when iconv does not know the charset. */
void		*mailcs_open(const char *label);

/* Close it; NULL is a no-op. */
void		 mailcs_close(void *);

/* Append len bytes in charset as UTF-8 through iconv (bytes it cannot
 * convert become '?'); -1 when iconv does not know the charset (nothing
 * appended), else the number of bytes that could not be converted. */
long		 mailcs_to_utf8(const char *charset, const char *, size_t,
		    struct buf *out);

/* The name iconv knows a MIME charset label by (aliases as GMime maps
 * them: "gb2312" is GBK, "ks_c_5601-1987" is EUC-KR, ...), written to out,
 * which is returned. */
const char	*mailcs_iconv_name(const char *label, char *out, size_t size);

/* Whether len bytes are valid UTF-8 without NUL; *bad_r (if not NULL) is
 * set to the offset of the first bad byte. */
int		 mailcs_utf8_valid(const char *, size_t, size_t *bad_r);

/* ------------------------------------------------------------------ */
/* mailaddr.c: addresses and message ids */

/* One entry of an address list: a mailbox (addr set) or a group. */
struct mail_addr {
	char		*name;		/* decoded display name, "" if none */
	char		*addr;		/* the addr-spec, NULL for a group */
	struct mail_addr *member;	/* a group's mailboxes */
	size_t		 nmembers;
};

struct mail_addrs {
	struct mail_addr *v;
	size_t		 n;
};

/* Append the addresses of a raw field value (RFC 5322 address-list, read
 * leniently). */
void		 mailaddr_parse(struct mail_addrs *, const char *raw);

/* Append the addresses of every field of part named name, in order. */
void		 mailaddr_fields(struct mail_addrs *, const struct mail *,
		    unsigned int part, const char *name);

/* Free the entries; the list is empty after it. */
void		 mailaddr_clear(struct mail_addrs *);

/* The msg-id of a decoded Message-ID value (without <>), malloc'd, or
 * NULL. */
char		*mailaddr_msgid(const char *value);

#endif /* WINNOW_MAIL_H */
