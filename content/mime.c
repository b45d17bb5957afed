/*
 * mime.c - parse a message once with GMime and walk every part
 *
 * The walk visits multiparts, attached messages (message/rfc822 parts,
 * also when they are base64 or quoted-printable encoded, which GMime leaves
 * as leaves) and leaf parts, within three limits from [content]: max_depth
 * (nesting), max_parts (leaves examined) and max_decoded_size (decoded
 * bytes examined).  Past a limit the walk stops examining and records which
 * limit it hit; what was extracted so far is still analysed.  GMime has its
 * own nesting cap (GMIME_CRIT_NESTING_OVERFLOW), which is lower than ours
 * would ever need to be for it to matter.
 *
 * Text parts go through charset.c; HTML through html.c; RTF through rtf.c;
 * text/enriched and text/richtext through GMime's enriched-to-HTML filter
 * and then html.c.  Other leaves are only decoded when they are small
 * application/octet-stream parts, to find a GTUBE string in them.
 *
 * GMime's parser options are global; the warning callback reaches the
 * current message through mime_current, which is safe because a child
 * handles one message at a time.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* external */
#include <gmime/gmime.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "timeutil.h"
#include "xalloc.h"

#include "content_private.h"

#define MIME_MAX_URLS		256	/* link targets kept per message */
#define MIME_MAX_URL_LEN	2048	/* longer link targets are cut */
#define MIME_GTUBE_SCAN_MAX	(64 * 1024)	/* octet-stream decoded for
						 * GTUBE */

static GMimeParserOptions *mime_opts;
static struct content_msg *mime_current;

/* mime_warn - count GMime's critical parser warnings */

static void
mime_warn(gint64 offset, GMimeParserWarning code, const gchar *item,
    gpointer arg)
{
	(void)offset;
	(void)item;
	(void)arg;
	if (mime_current == NULL)
		return;
	switch (code) {
	case GMIME_CRIT_CONFLICTING_HEADER:
	case GMIME_CRIT_CONFLICTING_PARAMETER:
	case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY:
	case GMIME_CRIT_NESTING_OVERFLOW:
	case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT:
		mime_current->crit++;
		break;
	default:
		break;
	}
}

/* mime_init - GMime and parser options, once per process */

void
mime_init(void)
{
	static const char *fallback[] = { "UTF-8", "windows-1252", NULL };

	if (mime_opts != NULL)
		return;
	g_mime_init();
	mime_opts = g_mime_parser_options_new();
	g_mime_parser_options_set_rfc2047_compliance_mode(mime_opts,
	    GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_address_compliance_mode(mime_opts,
	    GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_parameter_compliance_mode(mime_opts,
	    GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_allow_addresses_without_domain(mime_opts,
	    TRUE);
	g_mime_parser_options_set_fallback_charsets(mime_opts, fallback);
	g_mime_parser_options_set_warning_callback(mime_opts, mime_warn,
	    NULL);
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

/* mime_add_part - remember a leaf or message part's type and name */

static struct cm_part *
mime_add_part(struct content_msg *cm, GMimeObject *obj, unsigned int depth)
{
	GMimeContentType *ct;
	struct cm_part	*p;
	const char	*type, *sub, *cs, *fn;
	size_t		 i;

	if (cm->nparts == cm->partcap) {
		cm->partcap = cm->partcap ? cm->partcap * 2 : 8;
		cm->parts = xreallocarray(cm->parts, cm->partcap,
		    sizeof(*cm->parts));
	}
	p = &cm->parts[cm->nparts++];
	memset(p, 0, sizeof(*p));
	p->depth = depth;
	ct = g_mime_object_get_content_type(obj);
	type = ct ? g_mime_content_type_get_media_type(ct) : NULL;
	sub = ct ? g_mime_content_type_get_media_subtype(ct) : NULL;
	(void)snprintf(p->type, sizeof(p->type), "%s/%s",
	    type ? type : "text", sub ? sub : "plain");
	for (i = 0; p->type[i] != '\0'; i++)
		p->type[i] = (char)g_ascii_tolower(p->type[i]);
	cs = ct ? g_mime_content_type_get_parameter(ct, "charset") : NULL;
	if (cs != NULL) {
		(void)snprintf(p->charset, sizeof(p->charset), "%s", cs);
		for (i = 0; p->charset[i] != '\0'; i++)
			p->charset[i] = (char)g_ascii_tolower(p->charset[i]);
		if (charset_is_eastern(p->charset))
			cm->signs |= CM_SIGN_EASTERN_CHARSET;
	}
	if (GMIME_IS_PART(obj)) {
		if ((fn = g_mime_part_get_filename(GMIME_PART(obj))) != NULL)
			p->filename = xstrndup(fn, 255);
		p->attachment = g_mime_part_is_attachment(GMIME_PART(obj));
	}
	return (p);
}

/* mime_decode - the decoded bytes of a leaf, cut at the size budget */

static GMimeStream *
mime_decode(struct content_msg *cm, GMimePart *part, const char **data,
    size_t *len)
{
	GMimeDataWrapper *dw;
	GMimeStream	*mem;
	GByteArray	*ba;
	size_t		 left;

	*data = NULL;
	*len = 0;
	if ((dw = g_mime_part_get_content(part)) == NULL)
		return (NULL);
	left = cm->lim->max_decoded > cm->decoded ?
	    cm->lim->max_decoded - cm->decoded : 0;
	if (left == 0) {
		mime_limit(cm, CM_LIMIT_SIZE, "max_decoded_size");
		return (NULL);
	}
	mem = g_mime_stream_mem_new();
	(void)g_mime_data_wrapper_write_to_stream(dw, mem);
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	*data = (const char *)ba->data;
	*len = ba->len;
	if (*len > left) {
		*len = left;
		mime_limit(cm, CM_LIMIT_SIZE, "max_decoded_size");
	}
	cm->decoded += *len;
	return (mem);
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

/* mime_enriched - text/enriched or text/richtext through GMime's filter */

static void
mime_enriched(struct content_msg *cm, const struct cm_part *p,
    const char *data, size_t len)
{
	GMimeStream	*mem, *filt;
	GMimeFilter	*f;
	GByteArray	*ba;
	struct buf	*u;

	u = buf_new(len + 16);
	(void)charset_to_utf8(p->charset, data, len, u);
	mem = g_mime_stream_mem_new();
	filt = g_mime_stream_filter_new(mem);
	f = g_mime_filter_enriched_new(strcmp(p->type, "text/richtext") == 0 ?
	    GMIME_FILTER_ENRICHED_IS_RICHTEXT : 0);
	(void)g_mime_stream_filter_add(GMIME_STREAM_FILTER(filt), f);
	g_object_unref(f);
	(void)g_mime_stream_write(filt, u->data, u->len);
	(void)g_mime_stream_flush(filt);
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	html_to_text(cm, (const char *)ba->data, ba->len);
	g_object_unref(filt);
	g_object_unref(mem);
	buf_free(u);
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

static void	mime_walk(struct content_msg *, GMimeObject *, unsigned int);
static void	mime_orphan(struct content_msg *, GMimeMultipart *,
		    unsigned int);
static void	mime_walk_message(struct content_msg *, GMimeMessage *,
		    unsigned int);

/* mime_nested - parse an encoded message/rfc822 leaf and walk it */

static void
mime_nested(struct content_msg *cm, const char *data, size_t len,
    unsigned int depth)
{
	GMimeStream	*st;
	GMimeParser	*parser;
	GMimeMessage	*inner;

	st = g_mime_stream_mem_new_with_buffer(data, len);
	parser = g_mime_parser_new_with_stream(st);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	inner = g_mime_parser_construct_message(parser, mime_opts);
	g_object_unref(parser);
	g_object_unref(st);
	if (inner == NULL)
		return;
	mime_walk_message(cm, inner, depth);
	g_object_unref(inner);
}

/* mime_leaf - examine one leaf part */

static void
mime_leaf(struct content_msg *cm, GMimePart *part, unsigned int depth)
{
	GMimeStream	*mem;
	struct cm_part	*p;
	const char	*data;
	size_t		 len;
	int		 rfc822;

	if (mime_late(cm))
		return;
	if (++cm->leaves > cm->lim->max_parts) {
		mime_limit(cm, CM_LIMIT_PARTS, "max_parts");
		return;
	}
	p = mime_add_part(cm, GMIME_OBJECT(part), depth);
	rfc822 = strcmp(p->type, "message/rfc822") == 0 ||
	    strcmp(p->type, "message/global") == 0;
	if (!mime_is_text(p) && !rfc822 && !mime_is_rtf(p, "", 0) &&
	    strcmp(p->type, "application/octet-stream") != 0)
		return;
	if ((mem = mime_decode(cm, part, &data, &len)) == NULL)
		return;
	if (rfc822) {
		if (depth + 1 > cm->lim->max_depth)
			mime_limit(cm, CM_LIMIT_DEPTH, "max_depth");
		else
			mime_nested(cm, data, len, depth + 1);
	} else if (mime_is_text(p) || mime_is_rtf(p, data, len))
		mime_text(cm, p, data, len);
	else if (len <= MIME_GTUBE_SCAN_MAX &&
	    memmem(data, len, CONTENT_GTUBE, sizeof(CONTENT_GTUBE) - 1))
		mime_rule(cm, RULE_GTUBE, "attachment");
	g_object_unref(mem);
}

/* mime_walk_message - an attached (or the top) message */

static void
mime_walk_message(struct content_msg *cm, GMimeMessage *m, unsigned int depth)
{
	GMimeObject	*body;
	const char	*subj;

	if (depth > 0 && (subj = g_mime_message_get_subject(m)) != NULL) {
		mime_text_sep(cm);
		(void)charset_to_utf8("utf-8", subj, strlen(subj), cm->text);
		buf_putc(cm->text, '\n');
	}
	if ((body = g_mime_message_get_mime_part(m)) != NULL)
		mime_walk(cm, body, depth);
}

/* mime_orphan - a multipart without boundary lines: what a reader sees
 * is its body, so read the prologue as a part of its own */

static void
mime_orphan(struct content_msg *cm, GMimeMultipart *mp, unsigned int depth)
{
	const char	*pro = g_mime_multipart_get_prologue(mp);
	GMimeStream	*st;
	GMimeParser	*parser;
	GMimeObject	*part;

	if (pro == NULL || *pro == '\0')
		return;
	cm->crit++;
	st = g_mime_stream_mem_new_with_buffer(pro, strlen(pro));
	parser = g_mime_parser_new_with_stream(st);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	part = g_mime_parser_construct_part(parser, mime_opts);
	g_object_unref(parser);
	g_object_unref(st);
	if (part == NULL)
		return;
	if (GMIME_IS_MULTIPART(part) &&
	    g_mime_multipart_get_count(GMIME_MULTIPART(part)) == 0)
		;			/* no endless regress */
	else
		mime_walk(cm, part, depth);
	g_object_unref(part);
}

/* mime_walk - visit a part and everything below it */

static void
mime_walk(struct content_msg *cm, GMimeObject *obj, unsigned int depth)
{
	GMimeMessage	*inner;
	int		 i, n;

	if (depth > cm->lim->max_depth) {
		mime_limit(cm, CM_LIMIT_DEPTH, "max_depth");
		return;
	}
	if (cm->limits & CM_LIMIT_PARTS)
		return;
	if (GMIME_IS_MULTIPART(obj)) {
		(void)mime_add_part(cm, obj, depth);
		n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));
		for (i = 0; i < n; i++)
			mime_walk(cm, g_mime_multipart_get_part(
			    GMIME_MULTIPART(obj), i), depth + 1);
		if (n == 0)
			mime_orphan(cm, GMIME_MULTIPART(obj), depth + 1);
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		(void)mime_add_part(cm, obj, depth);
		inner = g_mime_message_part_get_message(
		    GMIME_MESSAGE_PART(obj));
		if (inner != NULL)
			mime_walk_message(cm, inner, depth + 1);
	} else if (GMIME_IS_PART(obj))
		mime_leaf(cm, GMIME_PART(obj), depth);
	else
		(void)mime_add_part(cm, obj, depth);
}

/* mime_plain - a message GMime could not make sense of: text as is */

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

/* mime_blank_fix - a header block ended by a line of white space: the
 * offset of that line, or 0.  RFC 5322 would read it as folding and hide
 * the whole body in a header; readers show the body, so we do too. */

static size_t
mime_blank_fix(const char *data, size_t len)
{
	const char	*p = data, *end = data + len, *nl, *q;

	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return (0);
		if (nl == p || (nl == p + 1 && *p == '\r'))
			return (0);		/* a real empty line */
		for (q = p; q < nl && (*q == ' ' || *q == '\t' ||
		    *q == '\r'); q++)
			;
		if (q == nl && p > data) {
			/* whitespace only: does a header follow? */
			for (q = nl + 1; q < end && *q != ':' && *q != '\n' &&
			    *q != ' ' && *q != '\t'; q++)
				;
			if (q >= end || *q != ':')
				return ((size_t)(p - data));
		}
		p = nl + 1;
	}
	return (0);
}

/* mime_raw_subject - a Subject: in raw 8-bit bytes, decoded with the
 * charset the message declares for its text (GMime can only guess) */

static char *
mime_raw_subject(GMimeMessage *gm)
{
	GMimeHeaderList	*hl;
	GMimeHeader	*h;
	GMimeObject	*body;
	GMimeContentType *ct;
	const char	*raw, *cs = NULL, *p;
	struct buf	*u;
	char		*out;

	hl = g_mime_object_get_header_list(GMIME_OBJECT(gm));
	if ((h = g_mime_header_list_get_header(hl, "Subject")) == NULL ||
	    (raw = g_mime_header_get_raw_value(h)) == NULL ||
	    strstr(raw, "=?") != NULL)
		return (NULL);
	for (p = raw; *p != '\0' && (unsigned char)*p < 0x80; p++)
		;
	if (*p == '\0')
		return (NULL);		/* ASCII: GMime decoded it right */
	body = g_mime_message_get_mime_part(gm);
	while (body != NULL && GMIME_IS_MULTIPART(body) &&
	    g_mime_multipart_get_count(GMIME_MULTIPART(body)) > 0)
		body = g_mime_multipart_get_part(GMIME_MULTIPART(body), 0);
	if (body != NULL && (ct = g_mime_object_get_content_type(body)) !=
	    NULL)
		cs = g_mime_content_type_get_parameter(ct, "charset");
	if (cs == NULL || g_ascii_strcasecmp(cs, "utf-8") == 0 ||
	    g_ascii_strcasecmp(cs, "us-ascii") == 0)
		return (NULL);
	u = buf_new(strlen(raw) * 2 + 8);
	(void)charset_to_utf8(cs, raw, strlen(raw), u);
	out = g_mime_utils_header_unfold(buf_str(u));
	buf_free(u);
	return (out);
}

/* mime_clean - a copy of header text as valid UTF-8 on one line (GMime
 * passes some broken encoded words through as raw bytes) */

static char *
mime_clean(const char *s)
{
	struct buf	*u = buf_new(strlen(s) + 8);
	size_t		 i;

	(void)charset_to_utf8("utf-8", s, strlen(s), u);
	for (i = 0; i < u->len; i++)
		if (u->data[i] == '\n')
			u->data[i] = ' ';
	return (buf_finish(u));
}

/* mime_parse - parse and walk a whole message */

struct content_msg *
mime_parse(const char *data, size_t len, const struct content_limits *lim)
{
	struct content_msg *cm;
	GMimeStream	*st;
	GMimeParser	*parser;
	const char	*subj, *nl;
	char		*fixed = NULL, *raw;
	size_t		 off, i;

	if (mime_opts == NULL)
		mime_init();
	cm = xcalloc(1, sizeof(*cm));
	cm->lim = lim;
	cm->data = data;
	cm->len = len;
	cm->text = buf_new(len / 2 + 64);
	cm->hidden = buf_new(64);
	/* an mbox "From " line is not a header */
	if (len > 5 && memcmp(data, "From ", 5) == 0 &&
	    (nl = memchr(data, '\n', len)) != NULL) {
		len -= (size_t)(nl + 1 - data);
		data = nl + 1;
	}
	mime_current = cm;
	if ((off = mime_blank_fix(data, len)) != 0) {
		fixed = xmemdup(data, len);
		fixed[off] = '\n';		/* the header block ends here */
		for (i = off + 1; i < len && fixed[i] != '\n'; i++)
			fixed[i] = '\n';
		data = fixed;
	}
	st = g_mime_stream_mem_new_with_buffer(data, len);
	parser = g_mime_parser_new_with_stream(st);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	cm->gm = g_mime_parser_construct_message(parser, mime_opts);
	g_object_unref(parser);
	g_object_unref(st);
	if (cm->gm == NULL) {
		cm->subject = xstrdup("");
		mime_plain(cm, data, len);
	} else {
		if ((raw = mime_raw_subject(cm->gm)) != NULL) {
			cm->subject = mime_clean(raw);
			g_free(raw);
		} else {
			subj = g_mime_message_get_subject(cm->gm);
			cm->subject = mime_clean(subj ? subj : "");
		}
		mime_walk_message(cm, cm->gm, 0);
	}
	free(fixed);
	mime_current = NULL;
	cm->lim = NULL;
	return (cm);
}

/* mime_free - release a parsed message */

void
mime_free(struct content_msg *cm)
{
	unsigned int	 i;

	if (cm == NULL)
		return;
	if (cm->gm != NULL)
		g_object_unref(cm->gm);
	buf_free(cm->text);
	buf_free(cm->hidden);
	free(cm->subject);
	for (i = 0; i < cm->nparts; i++)
		free(cm->parts[i].filename);
	free(cm->parts);
	for (i = 0; i < cm->nurls; i++)
		free(cm->urls[i]);
	free(cm->urls);
	free(cm);
}

/* mime_header - first value of a top-level header, decoded */

const char *
mime_header(const struct content_msg *cm, const char *name)
{
	if (cm->gm == NULL)
		return (NULL);
	return (g_mime_object_get_header(GMIME_OBJECT(cm->gm), name));
}
