/*
 * mime.c - walk the message index (mail/) and extract the text of every
 * part
 *
 * The index of the message (built once, by the server, and carried in the
 * msg_view) gives every part in document order; the walk visits
 * multiparts, attached messages (message/rfc822 parts, and also those in
 * base64 or quoted-printable, which the index keeps as leaves: their
 * decoded bytes are indexed here and walked as a message of their own) and
 * leaf parts, within three limits from [content]: max_depth (nesting),
 * max_parts (leaves examined) and max_decoded_size (decoded bytes
 * examined).  Past a limit the walk stops examining and records which
 * limit it hit; what was extracted so far is still analysed.  A multipart
 * without boundary lines is read through its prologue (what a reader
 * shows), indexed as a MIME entity of its own.
 *
 * Text parts go through charset.c; HTML through html.c; RTF through rtf.c;
 * Word documents (by type, file name, or an octet-stream's first bytes)
 * through office.c unless [content] office_text = no;
 * text/enriched and text/richtext through enriched.c and then html.c.
 * Other leaves are only decoded when they are small application/octet-
 * stream parts, to find a GTUBE string in them.  The message's own header
 * fields (subject, addresses, the fields rules read) are head.c's.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "timeutil.h"
#include "xalloc.h"

/* mail */
#include "mail.h"

#include "content_private.h"

#define MIME_MAX_URLS		256	/* link targets kept per message */
#define MIME_MAX_URL_LEN	2048	/* longer link targets are cut */
#define MIME_GTUBE_SCAN_MAX	(64 * 1024)	/* octet-stream decoded for
						 * GTUBE */

/* mime_init - load iconv's converters for the common charsets once, in
 * the master before it forks, so children share them */

void
mime_init(void)
{
	static const char *const common[] = {
		"UTF-8", "windows-1252", "iso-8859-1", "iso-8859-15",
		"koi8-r", "gb2312", "big5", "shift_jis", "euc-kr", NULL
	};
	static int	 done;
	size_t		 i;

	if (done)
		return;
	done = 1;
	for (i = 0; common[i] != NULL; i++)
		mailcs_close(mailcs_open(common[i]));
}

/* mime_rule - fire a rule, keeping the first detail */

void
mime_rule(struct content_msg *cm, enum rule_id id, const char *detail)
{
	if (cm->rules & (1ULL << id))
		return;
	cm->rules |= 1ULL << id;
	if (detail != NULL)
		(void)snprintf(cm->detail[id], sizeof(cm->detail[id]), "%s",
		    detail);
}

/* mime_limit - note that a limit stopped the walk */

static void
mime_limit(struct content_msg *cm, unsigned int which, const char *param)
{
	if ((cm->limits & which) == 0)
		cm->limits |= which;
	mime_rule(cm, RULE_MIME_LIMIT, param);
}

/* mime_late - stop at the message's deadline, recording it once */

int
mime_late(struct content_msg *cm)
{
	if (cm->limits & CM_LIMIT_TIME)
		return (1);
	if (cm->lim == NULL || cm->lim->deadline_ms == 0 ||
	    time_now_ms() < cm->lim->deadline_ms)
		return (0);
	mime_limit(cm, CM_LIMIT_TIME, "deadline");
	return (1);
}

/* mime_add_url - record a link target once */

void
mime_add_url(struct content_msg *cm, const char *url, size_t len)
{
	unsigned int	 i;

	while (len > 0 && (*url == ' ' || *url == '\t' || *url == '\n'))
		url++, len--;
	while (len > 0 && (url[len - 1] == ' ' || url[len - 1] == '\n' ||
	    url[len - 1] == '\t'))
		len--;
	if (len == 0 || cm->nurls >= MIME_MAX_URLS)
		return;
	if (len > MIME_MAX_URL_LEN) {
		len = MIME_MAX_URL_LEN;
		while (len > 0 && ((unsigned char)url[len] & 0xc0) == 0x80)
			len--;		/* do not cut a UTF-8 sequence */
	}
	for (i = 0; i < cm->nurls; i++)
		if (strncmp(cm->urls[i], url, len) == 0 &&
		    cm->urls[i][len] == '\0')
			return;
	if (cm->nurls == cm->urlcap) {
		cm->urlcap = cm->urlcap ? cm->urlcap * 2 : 8;
		cm->urls = xreallocarray(cm->urls, cm->urlcap,
		    sizeof(*cm->urls));
	}
	cm->urls[cm->nurls] = xstrndup(url, len);
	/* a link target never carries a line break into the text */
	for (i = 0; cm->urls[cm->nurls][i] != '\0'; i++)
		if (cm->urls[cm->nurls][i] == '\n' ||
		    cm->urls[cm->nurls][i] == '\r')
			cm->urls[cm->nurls][i] = ' ';
	cm->nurls++;
}

/* mime_url_end - where a URL in plain text ends (trailing punctuation
 * belongs to the sentence) */

static const char *
mime_url_end(const char *p, const char *end)
{
	const char	*q;

	for (q = p; q < end && (unsigned char)*q > ' ' && *q != '"' &&
	    *q != '<' && *q != '>' && *q != ')' && *q != ']' && *q != '\'';
	    q++)
		;
	while (q > p && (q[-1] == '.' || q[-1] == ',' || q[-1] == ';' ||
	    q[-1] == ':' || q[-1] == '!' || q[-1] == '?'))
		q--;
	return (q);
}

/* mime_scan_urls - find http(s):// and www. links in plain text */

static void
mime_scan_urls(struct content_msg *cm, const char *s, size_t len)
{
	const char	*p, *end = s + len, *q;

	for (p = s; p + 4 < end; p++) {
		if ((*p | 0x20) == 'h' && (size_t)(end - p) > 8 &&
		    (strncasecmp(p, "http://", 7) == 0 ||
		    strncasecmp(p, "https://", 8) == 0)) {
			q = mime_url_end(p, end);
			mime_add_url(cm, p, (size_t)(q - p));
			p = q - 1;
		} else if ((*p | 0x20) == 'w' &&
		    strncasecmp(p, "www.", 4) == 0 &&
		    (p == s || (unsigned char)p[-1] <= ' ' || p[-1] == '(' ||
		    p[-1] == '<' || p[-1] == '"')) {
			q = mime_url_end(p, end);
			if (q - p > 5 &&
			    memchr(p + 4, '.', (size_t)(q - p - 4)) != NULL)
				mime_add_url(cm, p, (size_t)(q - p));
			p = q - 1;
		}
	}
}

/* mime_text_sep - start a new part's text on a fresh line */

static void
mime_text_sep(struct content_msg *cm)
{
	if (cm->text->len > 0 && cm->text->data[cm->text->len - 1] != '\n')
		buf_putc(cm->text, '\n');
}

/* mime_add_part - remember a part's type, charset and name */

static struct cm_part *
mime_add_part(struct content_msg *cm, const struct mail *m, unsigned int i,
    unsigned int depth)
{
	const struct mail_part *mp = &m->part[i];
	struct cm_part	*p;
	size_t		 n;

	if (cm->nparts == cm->partcap) {
		cm->partcap = cm->partcap ? cm->partcap * 2 : 8;
		cm->parts = xreallocarray(cm->parts, cm->partcap,
		    sizeof(*cm->parts));
	}
	p = &cm->parts[cm->nparts++];
	memset(p, 0, sizeof(*p));
	p->depth = depth;
	(void)snprintf(p->type, sizeof(p->type), "%s/%s", mp->type,
	    mp->subtype);
	if (mp->charset != NULL) {
		(void)snprintf(p->charset, sizeof(p->charset), "%s",
		    mp->charset);
		for (n = 0; p->charset[n] != '\0'; n++)
			if (p->charset[n] >= 'A' && p->charset[n] <= 'Z')
				p->charset[n] = (char)(p->charset[n] + 32);
		if (charset_is_eastern(p->charset))
			cm->signs |= CM_SIGN_EASTERN_CHARSET;
	}
	if (mp->flags & MAIL_PART_LEAF) {
		if (mp->filename != NULL && *mp->filename != '\0')
			p->filename = xstrndup(mp->filename, 255);
		p->attachment = (mp->flags & MAIL_PART_ATTACHMENT) != 0;
	}
	return (p);
}

/* mime_decode - the decoded bytes of a leaf into out, cut at the size
 * budget; -1 when there is nothing to read */

static int
mime_decode(struct content_msg *cm, const struct mail *m, unsigned int i,
    struct buf *out)
{
	size_t	 left, n;

	if (m->part[i].flags & MAIL_PART_NO_BODY)
		return (-1);
	left = cm->lim->max_decoded > cm->decoded ?
	    cm->lim->max_decoded - cm->decoded : 0;
	if (left == 0) {
		mime_limit(cm, CM_LIMIT_SIZE, "max_decoded_size");
		return (-1);
	}
	if ((m->part[i].flags & MAIL_PART_WS_END) && m->part[i].cte !=
	    MAIL_CTE_BASE64 && m->part[i].cte != MAIL_CTE_UUENCODE) {
		/* the white space that ended the header block: as many empty
		 * lines in front of the body, as GMime-era readers saw it */
		n = m->part[i].body_start - m->part[i].hdr_end - 1;
		while (n-- > 0)
			buf_putc(out, '\n');
	}
	(void)maildec_part(m, i, out, left + 1);
	if (out->len > left) {
		buf_truncate(out, left);
		mime_limit(cm, CM_LIMIT_SIZE, "max_decoded_size");
	}
	cm->decoded += out->len;
	return (0);
}

/* mime_enriched - text/enriched or text/richtext through HTML */

static void
mime_enriched(struct content_msg *cm, const struct cm_part *p,
    const char *data, size_t len)
{
	struct buf	*u, *h;

	u = buf_new(len + 16);
	(void)charset_to_utf8(p->charset, data, len, u);
	h = buf_new(u->len * 2 + 16);
	enriched_to_html(u->data, u->len, strcmp(p->type, "text/richtext") ==
	    0, h);
	html_to_text(cm, h->data, h->len);
	buf_free(h);
	buf_free(u);
}

/* mime_is_rtf - RTF by type, file name or magic */

static int
mime_is_rtf(const struct cm_part *p, const char *data, size_t len)
{
	size_t	 n;

	if (strcmp(p->type, "text/rtf") == 0 ||
	    strcmp(p->type, "application/rtf") == 0 ||
	    strcmp(p->type, "application/x-rtf") == 0)
		return (1);
	if (p->filename != NULL && (n = strlen(p->filename)) > 4 &&
	    strcasecmp(p->filename + n - 4, ".rtf") == 0)
		return (1);
	return (len >= 5 && memcmp(data, "{\\rtf", 5) == 0);
}

/* mime_is_office - a Word document by type or file name (its bytes
 * decide: office_to_text reads only OLE2 and zip containers) */

static int
mime_is_office(const struct cm_part *p)
{
	static const char *const types[] = {
		"application/msword", "application/vnd.ms-word",
		"application/vnd.openxmlformats-officedocument."
		    "wordprocessingml.document",
		"application/vnd.ms-word.document.macroenabled.12",
		"application/x-msword", NULL
	};
	static const char *const exts[] = { ".doc", ".docx", ".docm", ".dot",
		".dotx", NULL };
	size_t	 i, n, e;

	for (i = 0; types[i] != NULL; i++)
		if (strcmp(p->type, types[i]) == 0)
			return (1);
	n = p->filename != NULL ? strlen(p->filename) : 0;
	for (i = 0; exts[i] != NULL; i++)
		if (n > (e = strlen(exts[i])) &&
		    strcasecmp(p->filename + n - e, exts[i]) == 0)
			return (1);
	return (0);
}

/* mime_office - the text of a Word attachment, within what is left of
 * max_decoded_size and the deadline */

static void
mime_office(struct content_msg *cm, const char *data, size_t len)
{
	size_t	 left, start;

	left = cm->lim->max_decoded > cm->decoded ?
	    cm->lim->max_decoded - cm->decoded : 0;
	if (left == 0) {
		mime_limit(cm, CM_LIMIT_SIZE, "max_decoded_size");
		return;
	}
	mime_text_sep(cm);
	start = cm->text->len;
	if (office_to_text(data, len, left, cm->lim->deadline_ms, cm->text) <
	    0 && cm->text->len == start)
		return;
	cm->decoded += cm->text->len - start;
	mime_scan_urls(cm, cm->text->data + start, cm->text->len - start);
	charset_count(cm->text->data + start, cm->text->len - start,
	    &cm->letters, &cm->eastern_chars);
}

/* mime_text - append one decoded text leaf to the message's text */

static void
mime_text(struct content_msg *cm, struct cm_part *p, const char *data,
    size_t len)
{
	struct buf	*u;
	size_t		 start;

	mime_text_sep(cm);
	start = cm->text->len;
	if (mime_is_rtf(p, data, len)) {
		rtf_to_text(data, len, cm->text);
		mime_scan_urls(cm, cm->text->data + start,
		    cm->text->len - start);
	} else if (strcmp(p->type, "text/html") == 0 ||
	    strcmp(p->type, "application/xhtml+xml") == 0) {
		cm->html_parts++;
		u = buf_new(len + 16);
		if (charset_to_utf8(p->charset, data, len, u) < 0)
			cm->signs |= CM_SIGN_CHARSET_UNKNOWN;
		html_to_text(cm, u->data, u->len);
		buf_free(u);
	} else if (strcmp(p->type, "text/enriched") == 0 ||
	    strcmp(p->type, "text/richtext") == 0) {
		mime_enriched(cm, p, data, len);
	} else {
		cm->plain_parts++;
		if (charset_to_utf8(p->charset, data, len, cm->text) < 0)
			cm->signs |= CM_SIGN_CHARSET_UNKNOWN;
		mime_scan_urls(cm, cm->text->data + start,
		    cm->text->len - start);
	}
	charset_count(cm->text->data + start, cm->text->len - start,
	    &cm->letters, &cm->eastern_chars);
}

/* mime_is_text - leaves whose content is text for the classifier */

static int
mime_is_text(const struct cm_part *p)
{
	if (strncmp(p->type, "text/", 5) == 0)
		return (1);
	return (strcmp(p->type, "message/delivery-status") == 0 ||
	    strcmp(p->type, "message/disposition-notification") == 0 ||
	    strcmp(p->type, "message/feedback-report") == 0 ||
	    strcmp(p->type, "application/rtf") == 0 ||
	    strcmp(p->type, "application/x-rtf") == 0 ||
	    strcmp(p->type, "application/xhtml+xml") == 0);
}

/* mime_skip - the index just past part i and everything below it */

static unsigned int
mime_skip(const struct mail *m, unsigned int i)
{
	unsigned int	 j = i + 1;

	while (j < m->nparts && m->part[j].depth > m->part[i].depth)
		j++;
	return (j);
}

static unsigned int mime_walk(struct content_msg *, const struct mail *,
		    unsigned int, unsigned int);
static void	mime_walk_message(struct content_msg *, const struct mail *,
		    unsigned int, unsigned int);

/* mime_sub_limits - the limits left for an index made inside the walk
 * (an attached message, a prologue) whose top part is at depth */

static void
mime_sub_limits(const struct content_msg *cm, unsigned int depth,
    struct mail_limits *l)
{
	l->max_parts = cm->lim->max_parts > cm->leaves ?
	    cm->lim->max_parts - cm->leaves : 0;
	l->max_depth = cm->lim->max_depth - depth;
}

/* mime_sub_done - what an inner index adds: its problems, its limit */

static void
mime_sub_done(struct content_msg *cm, const struct mail *sub)
{
	cm->crit += sub->problems;
	if (sub->limits & MAIL_LIMIT_PARTS)
		mime_limit(cm, CM_LIMIT_PARTS, "max_parts");
}

/* mime_nested - index an encoded message/rfc822 leaf and walk it */

static void
mime_nested(struct content_msg *cm, const char *data, size_t len,
    unsigned int depth)
{
	struct mail_limits lim;
	struct mail	*sub;

	mime_sub_limits(cm, depth, &lim);
	sub = mail_new(data, len, &lim);
	if (sub->message && sub->nparts > 0) {
		mime_walk_message(cm, sub, 0, depth);
		mime_sub_done(cm, sub);
	} else
		cm->crit += sub->problems;
	mail_free(sub);
}

/* mime_leaf - examine one leaf part */

static void
mime_leaf(struct content_msg *cm, const struct mail *m, unsigned int i,
    unsigned int depth)
{
	struct cm_part	*p;
	struct buf	*dec;
	int		 rfc822, office;

	if (mime_late(cm))
		return;
	if (++cm->leaves > cm->lim->max_parts) {
		mime_limit(cm, CM_LIMIT_PARTS, "max_parts");
		return;
	}
	p = mime_add_part(cm, m, i, depth);
	rfc822 = strcmp(p->type, "message/rfc822") == 0 ||
	    strcmp(p->type, "message/global") == 0;
	office = !cm->lim->office_off && (mime_is_office(p) ||
	    strcmp(p->type, "application/octet-stream") == 0);
	if (!mime_is_text(p) && !rfc822 && !mime_is_rtf(p, "", 0) &&
	    !office && strcmp(p->type, "application/octet-stream") != 0)
		return;
	dec = buf_new(m->part[i].body_end - m->part[i].body_start + 16);
	if (mime_decode(cm, m, i, dec) < 0) {
		buf_free(dec);
		return;
	}
	if (rfc822) {
		if (depth + 1 > cm->lim->max_depth)
			mime_limit(cm, CM_LIMIT_DEPTH, "max_depth");
		else
			mime_nested(cm, dec->data, dec->len, depth + 1);
	} else if (mime_is_text(p) || mime_is_rtf(p, dec->data, dec->len))
		mime_text(cm, p, dec->data, dec->len);
	else if (office && office_is_word(dec->data, dec->len))
		mime_office(cm, dec->data, dec->len);
	else if (dec->len <= MIME_GTUBE_SCAN_MAX &&
	    memmem(dec->data, dec->len, CONTENT_GTUBE,
	    sizeof(CONTENT_GTUBE) - 1))
		mime_rule(cm, RULE_GTUBE, "attachment");
	buf_free(dec);
}

/* mime_walk_message - an attached (or the top) message: its subject goes
 * into the text, then its body */

static void
mime_walk_message(struct content_msg *cm, const struct mail *m,
    unsigned int top, unsigned int base)
{
	struct buf	*subj;

	if (base + m->part[top].depth > 0 &&
	    (subj = head_subject(m, top)) != NULL) {
		mime_text_sep(cm);
		(void)charset_to_utf8("utf-8", subj->data, subj->len, cm->text);
		buf_putc(cm->text, '\n');
		buf_free(subj);
	}
	(void)mime_walk(cm, m, top, base);
}

/* mime_orphan - a multipart without boundary lines: what a reader sees
 * is its body, so read the prologue as a part of its own */

static void
mime_orphan(struct content_msg *cm, const struct mail *m, unsigned int i,
    unsigned int depth)
{
	const struct mail_part *p = &m->part[i];
	struct mail_limits lim;
	struct mail	*sub;
	struct buf	*pro;
	size_t		 k;

	if (p->prologue_end <= p->body_start)
		return;
	pro = buf_new(p->prologue_end - p->body_start + 1);
	for (k = p->body_start; k < p->prologue_end; k++) {
		if (m->data[k] == '\0')
			break;
		if (m->data[k] == '\r' && k + 1 < p->prologue_end &&
		    m->data[k + 1] == '\n')
			continue;	/* CRLF read as LF */
		buf_putc(pro, m->data[k]);
	}
	if (pro->len == 0) {
		buf_free(pro);
		return;
	}
	cm->crit++;
	if (depth > cm->lim->max_depth) {
		mime_limit(cm, CM_LIMIT_DEPTH, "max_depth");
		buf_free(pro);
		return;
	}
	mime_sub_limits(cm, depth, &lim);
	sub = mail_new_entity(pro->data, pro->len, &lim);
	if (sub->message && sub->nparts > 0 &&
	    !((sub->part[0].flags & MAIL_PART_MULTIPART) &&
	    (sub->nparts == 1 || sub->part[1].parent != 0))) {
		(void)mime_walk(cm, sub, 0, depth);
		mime_sub_done(cm, sub);
	} else
		cm->crit += sub->problems;
	mail_free(sub);
	buf_free(pro);
}

/* mime_walk - visit part i and everything below it; the index past it */

static unsigned int
mime_walk(struct content_msg *cm, const struct mail *m, unsigned int i,
    unsigned int base)
{
	const struct mail_part *p = &m->part[i];
	unsigned int	 depth = base + p->depth, next = i + 1, n = 0;

	if (cm->limits & CM_LIMIT_PARTS)
		return (m->nparts);
	if (p->flags & MAIL_PART_MULTIPART) {
		(void)mime_add_part(cm, m, i, depth);
		while (next < m->nparts && m->part[next].parent == i) {
			next = mime_walk(cm, m, next, base);
			n++;
		}
		if (n == 0)
			mime_orphan(cm, m, i, depth + 1);
	} else if (p->flags & MAIL_PART_MESSAGE) {
		(void)mime_add_part(cm, m, i, depth);
		if (next < m->nparts && m->part[next].parent == i) {
			mime_walk_message(cm, m, next, base);
			next = mime_skip(m, next);
		}
	} else
		mime_leaf(cm, m, i, depth);
	if (p->flags & MAIL_PART_DEPTH)
		mime_limit(cm, CM_LIMIT_DEPTH, "max_depth");
	return (cm->limits & CM_LIMIT_PARTS ? m->nparts : next);
}

/* mime_plain - input that is not a message: its text as it is */

static void
mime_plain(struct content_msg *cm, const char *data, size_t len)
{
	if (len > cm->lim->max_decoded) {
		len = cm->lim->max_decoded;
		mime_limit(cm, CM_LIMIT_SIZE, "max_decoded_size");
	}
	cm->decoded = len;
	(void)charset_to_utf8(NULL, data, len, cm->text);
	mime_scan_urls(cm, cm->text->data, cm->text->len);
	charset_count(cm->text->data, cm->text->len, &cm->letters,
	    &cm->eastern_chars);
}

/* mime_parse_mail - walk an indexed message */

struct content_msg *
mime_parse_mail(const struct mail *m, const struct content_limits *lim)
{
	struct content_msg *cm;

	cm = xcalloc(1, sizeof(*cm));
	cm->lim = lim;
	cm->mail = m;
	cm->data = m->data;
	cm->len = m->len;
	cm->text = buf_new(m->len / 2 + 64);
	cm->hidden = buf_new(64);
	cm->crit = m->problems;
	if (!m->message || m->nparts == 0) {
		cm->subject = xstrdup("");
		mime_plain(cm, m->data + m->text_start,
		    m->len - m->text_start);
	} else {
		head_read(cm);
		mime_walk_message(cm, m, 0, 0);
		if (m->limits & MAIL_LIMIT_PARTS)
			mime_limit(cm, CM_LIMIT_PARTS, "max_parts");
	}
	cm->lim = NULL;
	return (cm);
}

/* mime_parse - index a message and walk it (tools, tests) */

struct content_msg *
mime_parse(const char *data, size_t len, const struct content_limits *lim)
{
	struct mail_limits ml = { lim->max_parts, lim->max_depth };
	struct content_msg *cm;
	struct mail	*m;

	m = mail_new(data, len, &ml);
	cm = mime_parse_mail(m, lim);
	cm->own = m;
	return (cm);
}

/* mime_free - release a parsed message */

void
mime_free(struct content_msg *cm)
{
	unsigned int	 i;

	if (cm == NULL)
		return;
	head_free(cm);
	buf_free(cm->text);
	buf_free(cm->hidden);
	free(cm->subject);
	for (i = 0; i < cm->nparts; i++)
		free(cm->parts[i].filename);
	free(cm->parts);
	for (i = 0; i < cm->nurls; i++)
		free(cm->urls[i]);
	free(cm->urls);
	mail_free(cm->own);
	free(cm);
}
