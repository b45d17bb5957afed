/*
 * content_private.h - what the files of content/ share among themselves
 *
 * Never included from outside content/ (STYLE.md).  The pipeline of one
 * message is
 *
 *	mime.c		walk of every part of the message index, limits
 *	head.c		the message's own fields: subject, addresses, values
 *	enriched.c	text/enriched and text/richtext to HTML
 *	charset.c	any charset to valid UTF-8
 *	html.c		HTML to visible text, links, hidden-text signs (libxml2)
 *	rtf.c		RTF to text
 *	office.c	Word documents (.doc, .docx) to text (libgsf)
 *	rules.c		named rules: header heuristics, signs, GTUBE, Eastern
 *	formal.c	DSN, MDN, auto-replies, virus notices
 *	wordlist.c	obscene word lists (part of the content DB)
 *	tok.c		features: words, word pairs, character n-grams, headers
 *	model.c		the fixed-size model file: map, load, atomic save
 *	learner.c	online logistic regression over hashed features
 *	content.c	life cycle, check entry point, learning entry points
 *	samples.c	the learned messages, kept for a rebuild
 *
 * All text inside content/ is UTF-8 with LF line ends.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_CONTENT_PRIVATE_H
#define WINNOW_CONTENT_PRIVATE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* external: GLib's Unicode tables (classes, case) */
#include <glib.h>

/* lib */
#include "buf.h"

/* mail */
#include "mail.h"

/* findings */
#include "findings.h"

#include "content.h"

/* The GTUBE test string (SpamAssassin rules/20_body_tests.cf). */
#define CONTENT_GTUBE \
	"XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"

/* [content] parameters (content_conf.c); read-only after conf_load(). */
struct content_conf {
	int		 enable;
	char		*model;			/* learned model (read/write) */
	char		*default_model;		/* shipped model (cold start) */
	char		*obscene_words;		/* list of word-list files */
	unsigned int	 max_depth;		/* MIME nesting walked */
	unsigned int	 max_parts;		/* leaf parts examined */
	size_t		 max_decoded_size;	/* decoded bytes examined */
	int		 eastern;		/* CONTENT_EASTERN_* */
	char		*rules_off;		/* rule names switched off */
	char		*rule_weights;		/* NAME:weight overrides */
	unsigned int	 model_check_ms;	/* how often to look for a
						 * newer model file */
	int		 office_text;		/* text of Word attachments */
	char		*samples_dir;		/* learned messages kept */
	unsigned int	 samples_max;		/* per class */
};

extern struct content_conf content_conf;

enum {
	CONTENT_EASTERN_ALLOWED = 0,
	CONTENT_EASTERN_SUSPICIOUS,
};

/* ------------------------------------------------------------------ */
/* rules.c: the named rules */

enum rule_id {
	RULE_GTUBE = 0,
	RULE_UNDISC_RCPT,
	RULE_FROM_DIGITS,
	RULE_TO_DIGITS,
	RULE_ADDR_NO_DOMAIN,
	RULE_SUBJ_LONG,
	RULE_SUBJ_SPACES,
	RULE_SUBJ_DOTS,
	RULE_SUBJ_ID,
	RULE_EASTERN,
	RULE_OBSCENE,
	RULE_HTML_HIDDEN,
	RULE_HTML_TINY_FONT,
	RULE_HTML_INVISIBLE,
	RULE_HTML_COMMENT_SPLIT,
	RULE_HTML_LINK_MISMATCH,
	RULE_HTML_ONLY,
	RULE_CHARSET_UNKNOWN,
	RULE_MIME_BROKEN,
	RULE_MIME_LIMIT,
	RULE_FORMAL_DSN,
	RULE_FORMAL_MDN,
	RULE_FORMAL_AUTO,
	RULE_FORMAL_NULL_SENDER,
	RULE_FORMAL_AUTOREPLY,
	RULE_FORMAL_VIRUS,
	RULE_COUNT
};

struct rule_def {
	const char	*name;
	int		 weight;	/* default, in verdict points */
	const char	*help;
};

/* The rule table, in enum order. */
extern const struct rule_def rules_table[RULE_COUNT];

/* Effective switches and weights after [content] rules_off/rule_weights. */
struct rules_conf {
	unsigned char	 on[RULE_COUNT];
	int		 weight[RULE_COUNT];
};

/* Fill rc from the two config strings; -1 with why on a bad name. */
int		 rules_configure(struct rules_conf *rc, const char *off,
		    const char *weights, struct buf *why);

/* The rule named name, or -1. */
int		 rules_find(const char *name);

struct content_msg;
struct wordlist;

/* Evaluate the header and sign rules of a parsed message. */
void		 rules_run(struct content_msg *, const struct msg_view *,
		    const struct wordlist *obscene);

/* ------------------------------------------------------------------ */
/* mime.c: one parsed message */

#define CM_LIMIT_DEPTH	0x01		/* max_depth reached */
#define CM_LIMIT_PARTS	0x02		/* max_parts reached */
#define CM_LIMIT_SIZE	0x04		/* max_decoded_size reached */
#define CM_LIMIT_TIME	0x08		/* the message's deadline passed */

/* HTML and charset signs found while extracting text. */
#define CM_SIGN_HIDDEN		0x001	/* display:none, visibility:hidden */
#define CM_SIGN_TINY_FONT	0x002	/* font-size 0 or 1px */
#define CM_SIGN_INVISIBLE	0x004	/* text colour ~ background colour */
#define CM_SIGN_COMMENT_SPLIT	0x008	/* a comment inside a word */
#define CM_SIGN_LINK_MISMATCH	0x010	/* anchor text names another host */
#define CM_SIGN_CHARSET_UNKNOWN	0x020	/* a charset iconv does not know */
#define CM_SIGN_EASTERN_CHARSET	0x040	/* CJK/Thai charset label */

struct cm_part {
	char		 type[64];	/* "text/html", lower case */
	char		 charset[40];	/* lower case, "" if none */
	char		*filename;	/* UTF-8, or NULL */
	unsigned int	 depth;
	int		 attachment;
};

struct head_cache;

struct content_msg {
	const struct mail *mail;	/* the index walked (the view's) */
	struct mail	*own;		/* the index when we made it */
	const char	*data;		/* the raw message (the view's) */
	size_t		 len;
	struct buf	*text;		/* msg_view.text: visible text of all
					 * parts, then link targets */
	struct buf	*hidden;	/* text hidden by HTML tricks */
	char		*subject;	/* decoded, UTF-8, never NULL */
	struct cm_part	*parts;
	unsigned int	 nparts, partcap;
	char		**urls;		/* link targets, UTF-8 */
	unsigned int	 nurls, urlcap;
	unsigned int	 limits;	/* CM_LIMIT_* */
	unsigned int	 signs;		/* CM_SIGN_* */
	unsigned int	 html_parts, plain_parts;
	unsigned int	 crit;		/* structure readers may read
					 * differently (mail->problems, and
					 * what the walk adds) */
	unsigned int	 leaves;
	size_t		 decoded;	/* decoded bytes examined */
	size_t		 eastern_chars;	/* CJK/Thai code points in text */
	size_t		 letters;	/* letters in text */
	int		 eastern;	/* CJK/Thai text or charsets */
	unsigned int	 eastern_langs;	/* FINDINGS_LANG_* seen */
	int		 formal;	/* formal_detect() said so */
	uint64_t	 rules;		/* bit per enum rule_id that fired */
	char		 detail[RULE_COUNT][FINDINGS_NAME_MAX];
	const struct content_limits *lim;	/* during mime_parse() only */
	/* the top message's own fields (head.c); empty if not a message */
	struct mail_addrs from, to, cc, reply_to;
	char		*msgid;		/* the id of the last Message-ID */
	struct head_cache *head;	/* values mime_header() returned */
};

struct content_limits {
	unsigned int	 max_depth;
	unsigned int	 max_parts;
	size_t		 max_decoded;
	uint64_t	 deadline_ms;	/* time_now_ms() limit, 0: none */
	int		 office_off;	/* [content] office_text = no */
};

/* One-time set-up (master, before fork): iconv's common converters. */
void		 mime_init(void);

/* Whether the walk must stop: the deadline has passed (records it). */
int		 mime_late(struct content_msg *);

/* Walk an indexed message (the index must outlive the result); never
 * fails (what is not a message is read as plain text). */
struct content_msg *mime_parse_mail(const struct mail *,
		    const struct content_limits *);

/* Index a message and walk it (the result owns the index). */
struct content_msg *mime_parse(const char *data, size_t len,
		    const struct content_limits *);

/* Free it; NULL is a no-op. */
void		 mime_free(struct content_msg *);

/* Record a link target (deduplicated, capped). */
void		 mime_add_url(struct content_msg *, const char *, size_t);

/* Whether the message parsed as a message (else it was read as text). */
#define mime_is_message(cm)	((cm)->mail != NULL && (cm)->mail->message && \
	(cm)->mail->nparts > 0)

/* Fire a rule with an optional detail. */
void		 mime_rule(struct content_msg *, enum rule_id, const char *);

/* ------------------------------------------------------------------ */
/* head.c: the message's own fields */

/* The first value of a field of the top message (not a Content-* field),
 * unfolded and decoded; NULL if there is none.  Valid until mime_free(). */
const char	*mime_header(const struct content_msg *, const char *name);

/* Read the top message's subject, addresses and message id into cm. */
void		 head_read(struct content_msg *);

/* The decoded subject (last Subject field) of the message whose top part
 * is part, or NULL if it has none; the caller frees it. */
struct buf	*head_subject(const struct mail *, unsigned int part);

/* Free what head_read() and mime_header() kept. */
void		 head_free(struct content_msg *);

/* ------------------------------------------------------------------ */
/* enriched.c */

/* Append text/enriched (richtext 0) or text/richtext as HTML. */
void		 enriched_to_html(const char *, size_t, int richtext,
		    struct buf *out);

/* ------------------------------------------------------------------ */
/* charset.c */

/* Append len bytes in charset (NULL: unknown/ASCII) to out as valid UTF-8
 * with LF line ends; returns 0, or -1 if the charset was unknown (the text
 * is then decoded as UTF-8 or else windows-1252). */
int		 charset_to_utf8(const char *charset, const char *in,
		    size_t len, struct buf *out);

/* Whether a charset label names a Chinese, Japanese, Korean or Thai
 * encoding. */
int		 charset_is_eastern(const char *charset);

/* The language (FINDINGS_LANG_*) of a CJK or Thai charset label, else 0. */
unsigned int	 charset_eastern_lang(const char *charset);

/* The Eastern languages (FINDINGS_LANG_*) of UTF-8 text, by script. */
unsigned int	 charset_langs(const char *, size_t);

/* Count letters and CJK/Thai code points in UTF-8 text. */
void		 charset_count(const char *, size_t, size_t *letters,
		    size_t *eastern);

/* ------------------------------------------------------------------ */
/* html.c */

/* Append the visible text of UTF-8 HTML to cm->text, hidden text to
 * cm->hidden, links to cm->urls (and, on lines of their own, to cm->text
 * after the part's text), and set CM_SIGN_* bits. */
void		 html_to_text(struct content_msg *, const char *, size_t);

/* One-time libxml2 set-up. */
void		 html_init(void);

/* The registrable domain of a host (libpsl), into out; 0 or -1. */
int		 html_reg_domain(const char *host, char *out, size_t size);

/* Extract the host of a URL (lower case) into out; 0 or -1. */
int		 html_url_host(const char *url, size_t len, char *out,
		    size_t size);

/* ------------------------------------------------------------------ */
/* office.c */

/* Whether the bytes start like a Word document (OLE2 or zip). */
int		 office_is_word(const char *, size_t);

/* Append the text of a Word document (.doc: Word 97-2003 or 6/95; .docx)
 * to out as UTF-8, at most max bytes, stopping at deadline_ms (0: none);
 * 0, or -1 when it is not one or cannot be read. */
int		 office_to_text(const char *, size_t, size_t max,
		    uint64_t deadline_ms, struct buf *out);

/* ------------------------------------------------------------------ */
/* rtf.c */

/* Append the text of an RTF document to out as UTF-8. */
void		 rtf_to_text(const char *, size_t, struct buf *out);

/* ------------------------------------------------------------------ */
/* formal.c */

/* Fire the FORMAL_* rules that match; returns 1 if the message is formal. */
int		 formal_detect(struct content_msg *, const struct msg_view *);

/* ------------------------------------------------------------------ */
/* wordlist.c */

struct wordlist;

/* Load the files of a space/comma separated list; NULL with why on error.
 * Missing files are an error. */
struct wordlist	*wordlist_load(const char *paths, struct buf *why);

/* Load from a string (one entry per line; tests). */
struct wordlist	*wordlist_from_text(const char *text);

/* Count the words of UTF-8 text found in the list; the first is copied
 * to first (if not NULL). */
unsigned int	 wordlist_count(const struct wordlist *, const char *, size_t,
		    char *first, size_t firstsize);

/* Number of entries. */
size_t		 wordlist_size(const struct wordlist *);

void		 wordlist_free(struct wordlist *);

/* ------------------------------------------------------------------ */
/* tok.c: features */

#define TOK_FEATURE_VERSION	5	/* bump when features change */

struct tok_list {
	uint64_t	*h;		/* feature hashes (may repeat) */
	size_t		 n, cap;
	int		 names;		/* keep names (explain mode) */
	struct buf	*namebuf;	/* NUL-separated names */
	size_t		*noff;		/* offset of each name */
};

void		 tok_init(struct tok_list *, int keep_names);
void		 tok_reset(struct tok_list *);
void		 tok_free(struct tok_list *);

/* All features of a parsed message (after rules_run). */
void		 tok_message(const struct content_msg *, struct tok_list *);

/* Hash bytes (seeded, 64 bits). */
uint64_t	 tok_hash(const void *, size_t, uint64_t seed);

/* Add one feature from a prefix and a value. */
void		 tok_add(struct tok_list *, const char *prefix, const char *,
		    size_t);

/* ------------------------------------------------------------------ */
/* model.c: the model file */

#define MODEL_MAGIC		"WNCMODEL"
#define MODEL_VERSION		1
#define MODEL_HDR_SIZE		128
#define MODEL_BITS_MIN		12
#define MODEL_BITS_MAX		26
#define MODEL_BITS_DEFAULT	20

struct model_hdr {
	char		 magic[8];	/* MODEL_MAGIC */
	uint32_t	 version;	/* MODEL_VERSION */
	uint32_t	 endian;	/* 0x01020304 as written */
	uint32_t	 bits;		/* 2^bits weights */
	uint32_t	 features;	/* TOK_FEATURE_VERSION */
	uint64_t	 nspam;		/* messages learned */
	uint64_t	 nham;
	uint64_t	 updates;	/* weight updates made */
	int64_t	 	 mtime;		/* unix time of the last learn */
	uint32_t	 checksum;	/* of the weights */
	uint32_t	 hdr_size;	/* MODEL_HDR_SIZE */
	char		 reserved[MODEL_HDR_SIZE - 64];
};

struct model {
	struct model_hdr *hdr;
	float		*w;		/* 2^bits weights */
	uint32_t	 mask;		/* 2^bits - 1 */
	unsigned int	 bits;
	size_t		 size;		/* bytes of header + weights */
	int		 mapped;	/* read-only mmap (else malloc) */
	dev_t		 dev;		/* of the file it came from */
	ino_t		 ino;
	char		*path;
};

/* A zeroed writable model of 2^bits weights. */
struct model	*model_new(unsigned int bits);

/* Map a model file read-only (shared page cache), checked. */
struct model	*model_map(const char *path, struct buf *why);

/* Read a model file into private writable memory, checked. */
struct model	*model_load(const char *path, struct buf *why);

/* A private writable model from a copy of len bytes, checked; what
 * names them in why. */
struct model	*model_from_bytes(const void *, size_t len, const char *what,
		    struct buf *why);

/* Write to a temporary file beside path, fsync, rename over path. */
int		 model_save(struct model *, const char *path,
		    struct buf *why);

/* Whether path now names another file than the one m came from. */
int		 model_changed(const struct model *, const char *path);

void		 model_free(struct model *);

/* ------------------------------------------------------------------ */
/* learner.c */

struct learner_vec {
	uint32_t	*idx;		/* unique weight indices */
	uint32_t	*src;		/* index into the tok_list per idx */
	size_t		 n, cap;
};

/* Reduce features to unique weight indices of model m. */
void		 learner_vec(const struct model *, const struct tok_list *,
		    struct learner_vec *);

/* Margin (log-odds) of a vector. */
double		 learner_margin(const struct model *,
		    const struct learner_vec *);

/* Learn one example; returns the number of update steps made. */
int		 learner_update(struct model *, const struct learner_vec *,
		    int spam);

/* Logistic of a margin (the learner's own loss). */
double		 learner_prob(double margin);

/* Calibrated spam probability of a margin (what findings carry). */
double		 learner_spam_prob(double margin);

void		 learner_vec_free(struct learner_vec *);

/* The value each present feature has (binary features, length
 * normalised). */
double		 learner_xval(size_t n);

#endif /* WINNOW_CONTENT_PRIVATE_H */
