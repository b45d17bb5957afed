/*
 * template.c - notification templates: text with macros
 *
 * A template parses into a tree: header fields, each with a list of nodes,
 * and the body's list.  A node is literal text, a macro, or a conditional
 * with two lists.  The parser keeps an explicit stack of open ${if}s (no
 * recursion on input), counts lines for its errors, and refuses control
 * bytes other than tab and newline, so everything in the output that is
 * not a macro's value is the admin's clean text.  Macro values go through
 * buf_append_safe() and, in headers, RFC 2047 and folding.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "xalloc.h"

/* policy */
#include "template.h"

#define TEMPLATE_LINE_MAX	998	/* RFC 5322 line limit, without CRLF */
#define TEMPLATE_HDR_MAX	900	/* text of one header value we keep */
#define TEMPLATE_FOLD		76	/* fold header values near here */
#define TEMPLATE_EW_RAW		45	/* raw bytes per RFC 2047 word */
#define TEMPLATE_NAME_MAX	64	/* longest header field name */

enum tnode_kind { TN_TEXT, TN_VAR, TN_IF };

struct tnode {
	enum tnode_kind	 kind;
	char		*text;		/* TN_TEXT; TN_IF: compared value */
	size_t		 len;
	int		 var;		/* TN_VAR, TN_IF */
	struct tnode	*then, *els;	/* TN_IF */
	struct tnode	*next;
};

struct tfield {
	char		*name;
	struct tnode	*value;
};

struct template {
	struct tfield	*fields;
	size_t		 nfields;
	struct tnode	*body;
	int		 one_line;
};

static const char *const template_vars[TEMPLATE_NVARS] = {
	"sender", "recipients", "subject", "status", "action", "virus",
	"queue_id", "group", "date", "hostname", "client", "alert", "problems"
};

/* Header fields a template may not set: we write them. */
static const char *const template_reserved[] = {
	"To", "Cc", "Bcc", "Date", "Message-ID", "MIME-Version",
	"Content-Type", "Content-Transfer-Encoding", "Content-Disposition",
	"Auto-Submitted", "Received", "Return-Path", NULL
};

/* Parser state for one list of nodes. */
struct tp {
	const char	*name;		/* file name for errors */
	struct buf	*why;
	int		 in_header;	/* directives must close in the field */
};

struct tp_frame {
	struct tnode	*ifn;
	struct tnode	**tail;		/* where the enclosing list continues */
	int		 in_else;
	unsigned int	 line;
};

/* template_var_name - a macro's name */

const char *
template_var_name(int v)
{
	if (v < 0 || v >= TEMPLATE_NVARS)
		log_panic("template_var_name: %d", v);
	return (template_vars[v]);
}

/* template_var_find - a macro's index by name, -1 if unknown */

int
template_var_find(const char *s, size_t len)
{
	int	 i;

	for (i = 0; i < TEMPLATE_NVARS; i++)
		if (strlen(template_vars[i]) == len &&
		    strncasecmp(template_vars[i], s, len) == 0)
			return (i);
	return (-1);
}

/* tnode_free - free a list of nodes */

static void
tnode_free(struct tnode *n)
{
	struct tnode	*next;

	while (n != NULL) {
		next = n->next;
		tnode_free(n->then);
		tnode_free(n->els);
		free(n->text);
		free(n);
		n = next;
	}
}

/* template_free - release a template */

void
template_free(struct template *t)
{
	size_t	 i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nfields; i++) {
		free(t->fields[i].name);
		tnode_free(t->fields[i].value);
	}
	free(t->fields);
	tnode_free(t->body);
	free(t);
}

/* tp_error - report a parse error at a line */

static int
tp_error(struct tp *tp, unsigned int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
tp_error(struct tp *tp, unsigned int line, const char *fmt, ...)
{
	va_list	 ap;

	buf_printf(tp->why, "%s:%u: ", tp->name, line);
	va_start(ap, fmt);
	buf_vprintf(tp->why, fmt, ap);
	va_end(ap);
	return (-1);
}

/* tp_node - append a node to a list */

static struct tnode *
tp_node(struct tnode ***tail, enum tnode_kind kind)
{
	struct tnode	*n = xcalloc(1, sizeof(*n));

	n->kind = kind;
	**tail = n;
	*tail = &n->next;
	return (n);
}

/* tp_text - append literal text (nothing if empty) */

static void
tp_text(struct tnode ***tail, const char *s, size_t len)
{
	struct tnode	*n;

	if (len == 0)
		return;
	n = tp_node(tail, TN_TEXT);
	n->text = xstrndup(s, len);
	n->len = len;
}

/* tp_trim - strip white space around a directive */

static void
tp_trim(const char **s, size_t *len)
{
	while (*len > 0 && isspace((unsigned char)**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && isspace((unsigned char)(*s)[*len - 1]))
		(*len)--;
}

/* tp_unknown - the error for an unknown macro name */

static int
tp_unknown(struct tp *tp, unsigned int line, const char *s, size_t len)
{
	int	 i;

	tp_error(tp, line, "unknown macro ${");
	buf_append_safe(tp->why, s, len > 40 ? 40 : len);
	buf_puts(tp->why, "} (known:");
	for (i = 0; i < TEMPLATE_NVARS; i++)
		buf_printf(tp->why, " %s", template_vars[i]);
	buf_puts(tp->why, ")");
	return (-1);
}

/* tp_if - the ${if name} or ${if name=value} directive */

static int
tp_if(struct tp *tp, unsigned int line, const char *s, size_t len,
    struct tnode *n)
{
	const char	*eq = memchr(s, '=', len);
	size_t		 nl = eq ? (size_t)(eq - s) : len;
	const char	*v;
	size_t		 vl;

	v = s;
	tp_trim(&v, &nl);
	if (nl == 0)
		return (tp_error(tp, line, "${if} needs a macro name"));
	if ((n->var = template_var_find(v, nl)) < 0)
		return (tp_unknown(tp, line, v, nl));
	if (eq != NULL) {
		v = eq + 1;
		vl = len - (size_t)(eq + 1 - s);
		tp_trim(&v, &vl);
		n->text = xstrndup(v, vl);
		n->len = vl;
	}
	return (0);
}

/* tp_directive - one ${...}: macro, if, else or endif */

static int
tp_directive(struct tp *tp, unsigned int line, const char *s, size_t len,
    struct tnode ***tail, struct tp_frame *stack, int *depth)
{
	struct tnode	*n;
	struct tp_frame	*f;
	int		 v;

	tp_trim(&s, &len);
	if (len == 2 && strncasecmp(s, "if", 2) == 0)
		return (tp_error(tp, line, "${if} needs a macro name"));
	if (len >= 3 && strncasecmp(s, "if", 2) == 0 &&
	    isspace((unsigned char)s[2])) {
		if (*depth >= TEMPLATE_MAX_DEPTH)
			return (tp_error(tp, line, "${if} nested deeper than "
			    "%d", TEMPLATE_MAX_DEPTH));
		n = tp_node(tail, TN_IF);
		if (tp_if(tp, line, s + 3, len - 3, n) < 0)
			return (-1);
		f = &stack[(*depth)++];
		f->ifn = n;
		f->tail = *tail;
		f->in_else = 0;
		f->line = line;
		*tail = &n->then;
		return (0);
	}
	if (len == 4 && strncasecmp(s, "else", 4) == 0) {
		if (*depth == 0)
			return (tp_error(tp, line, "${else} without ${if}"));
		f = &stack[*depth - 1];
		if (f->in_else)
			return (tp_error(tp, line, "second ${else} for the "
			    "${if} of line %u", f->line));
		f->in_else = 1;
		*tail = &f->ifn->els;
		return (0);
	}
	if (len == 5 && strncasecmp(s, "endif", 5) == 0) {
		if (*depth == 0)
			return (tp_error(tp, line, "${endif} without ${if}"));
		f = &stack[--(*depth)];
		*tail = f->tail;
		return (0);
	}
	if ((v = template_var_find(s, len)) < 0)
		return (tp_unknown(tp, line, s, len));
	n = tp_node(tail, TN_VAR);
	n->var = v;
	return (0);
}

/* tp_list - parse text with directives into a list of nodes */

static int
tp_list(struct tp *tp, const char *s, size_t len, unsigned int line,
    struct tnode **head)
{
	struct tp_frame	 stack[TEMPLATE_MAX_DEPTH];
	struct tnode	**tail = head;
	const char	*close;
	size_t		 i = 0, start = 0;
	int		 depth = 0;

	while (i < len) {
		if (s[i] == '\n') {
			line++;
			i++;
			continue;
		}
		if (s[i] != '$' || i + 1 >= len || (s[i + 1] != '$' &&
		    s[i + 1] != '{')) {
			i++;
			continue;
		}
		if (s[i + 1] == '$') {
			tp_text(&tail, s + start, i + 1 - start);
			i += 2;
			start = i;
			continue;
		}
		tp_text(&tail, s + start, i - start);
		close = memchr(s + i + 2, '}', len - i - 2);
		if (close == NULL || memchr(s + i, '\n', (size_t)(close -
		    (s + i))) != NULL)
			return (tp_error(tp, line, "unterminated ${ (a "
			    "directive ends with } on the same line)"));
		if (tp_directive(tp, line, s + i + 2, (size_t)(close - (s + i +
		    2)), &tail, stack, &depth) < 0)
			return (-1);
		i = (size_t)(close - s) + 1;
		start = i;
	}
	tp_text(&tail, s + start, len - start);
	if (depth > 0)
		return (tp_error(tp, stack[depth - 1].line, "${if} is not "
		    "closed with ${endif}%s", tp->in_header ? " in its header "
		    "field" : ""));
	return (0);
}

/* tp_field_name - length of a valid field name before ':' (0 if none) */

static size_t
tp_field_name(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len && s[i] != ':'; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return (0);
	return (i < len ? i : 0);
}

/* tp_field - one header field of the template (with continuations) */

static int
tp_field(struct tp *tp, struct template *t, const char *s, size_t len,
    unsigned int line)
{
	struct tfield	*f;
	size_t		 nl, i;
	char		*val;
	int		 rc;

	if ((nl = tp_field_name(s, len)) == 0)
		return (tp_error(tp, line, "not a header field (a template "
		    "starts with fields such as \"Subject: text\", then an "
		    "empty line, then the body)"));
	if (nl > TEMPLATE_NAME_MAX)
		return (tp_error(tp, line, "field name longer than %d bytes",
		    TEMPLATE_NAME_MAX));
	for (i = 0; template_reserved[i] != NULL; i++)
		if (strlen(template_reserved[i]) == nl &&
		    strncasecmp(s, template_reserved[i], nl) == 0)
			return (tp_error(tp, line, "%s: is written by winnow "
			    "itself and cannot be set", template_reserved[i]));
	for (i = 0; i < t->nfields; i++)
		if (strlen(t->fields[i].name) == nl &&
		    strncasecmp(s, t->fields[i].name, nl) == 0)
			return (tp_error(tp, line, "%.*s: set twice", (int)nl,
			    s));
	t->fields = xreallocarray(t->fields, t->nfields + 1,
	    sizeof(*t->fields));
	f = &t->fields[t->nfields++];
	f->name = xstrndup(s, nl);
	f->value = NULL;
	/* Unfold: a line break before white space is not part of the value. */
	val = xstrndup(s + nl + 1, len - nl - 1);
	for (i = 0; val[i] != '\0'; i++)
		if (val[i] == '\n')
			val[i] = ' ';
	tp->in_header = 1;
	rc = tp_list(tp, val, strlen(val), line, &f->value);
	tp->in_header = 0;
	free(val);
	return (rc);
}

/* tp_check_bytes - only printable text, tabs and newlines */

static int
tp_check_bytes(struct tp *tp, const char *s, size_t len)
{
	unsigned int	 line = 1;
	size_t		 i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n')
			line++;
		else if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f)
			return (tp_error(tp, line, "control character 0x%02x",
			    c));
	}
	return (0);
}

/* tp_header - the header part: fields until the first empty line */

static int
tp_header(struct tp *tp, struct template *t, const char *s, size_t len,
    size_t *body_r, unsigned int *line_r)
{
	size_t		 pos = 0, ll, fstart = 0;
	unsigned int	 line = 0, fline = 0;
	int		 infield = 0;
	const char	*nl;

	for (;;) {
		line++;
		if (pos >= len)
			return (tp_error(tp, line, "no empty line between the "
			    "header fields and the body"));
		nl = memchr(s + pos, '\n', len - pos);
		ll = nl ? (size_t)(nl - (s + pos)) : len - pos;
		if (ll > TEMPLATE_LINE_MAX)
			return (tp_error(tp, line, "line longer than %d bytes",
			    TEMPLATE_LINE_MAX));
		if (ll > 0 && (s[pos] == ' ' || s[pos] == '\t')) {
			if (!infield)
				return (tp_error(tp, line, "continuation line "
				    "without a header field above"));
		} else {
			if (infield && tp_field(tp, t, s + fstart, pos - 1 -
			    fstart, fline) < 0)
				return (-1);
			infield = 0;
			if (ll == 0)
				break;
			if (s[pos] != '#') {
				if (tp_field_name(s + pos, ll) == 0)
					return (tp_field(tp, t, s + pos, ll,
					    line));	/* the error */
				infield = 1;
				fstart = pos;
				fline = line;
			}
		}
		pos += ll + 1;
	}
	*body_r = pos + 1;
	*line_r = line + 1;
	return (0);
}

/* tp_body_lines - refuse body lines longer than the limit */

static int
tp_body_lines(struct tp *tp, const char *s, size_t len, unsigned int line)
{
	const char	*p = s, *end = s + len, *nl;

	for (; p < end; p = nl + 1, line++) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (nl - p > TEMPLATE_LINE_MAX)
			return (tp_error(tp, line, "line longer than %d bytes",
			    TEMPLATE_LINE_MAX));
	}
	return (0);
}

/* template_parse - a template from memory */

struct template *
template_parse(const char *text, size_t len, const char *name, int one_line,
    struct buf *why)
{
	struct template	*t;
	struct tp	 tp;
	struct buf	*clean;
	size_t		 i, body = 0;
	unsigned int	 bline = 1;
	int		 rc;

	memset(&tp, 0, sizeof(tp));
	tp.name = name;
	tp.why = why;
	if (memchr(text, '\0', len) != NULL) {
		tp_error(&tp, 1, "NUL byte in the template");
		return (NULL);
	}
	if (tp_check_bytes(&tp, text, len) < 0)
		return (NULL);
	/* Line ends: CRLF or LF; a CR elsewhere is dropped. */
	clean = buf_new(len + 1);
	for (i = 0; i < len; i++)
		if (text[i] != '\r')
			buf_putc(clean, text[i]);
	t = xcalloc(1, sizeof(*t));
	t->one_line = one_line;
	if (one_line) {
		while (buf_len(clean) > 0 &&
		    clean->data[buf_len(clean) - 1] == '\n')
			buf_truncate(clean, buf_len(clean) - 1);
		if (memchr(clean->data, '\n', buf_len(clean)) != NULL)
			rc = tp_error(&tp, 1, "a one-line text has a line "
			    "break");
		else
			rc = tp_list(&tp, clean->data, buf_len(clean), 1,
			    &t->body);
	} else if ((rc = tp_header(&tp, t, clean->data, buf_len(clean), &body,
	    &bline)) == 0) {
		if (body > buf_len(clean))
			body = buf_len(clean);
		rc = tp_body_lines(&tp, clean->data + body, buf_len(clean) -
		    body, bline);
		if (rc == 0)
			rc = tp_list(&tp, clean->data + body, buf_len(clean) -
			    body, bline, &t->body);
	}
	buf_free(clean);
	if (rc < 0) {
		template_free(t);
		return (NULL);
	}
	return (t);
}

/* template_load - read and parse a template file */

struct template *
template_load(const char *path, size_t max_size, struct buf *why)
{
	struct template	*t;
	struct stat	 st;
	struct buf	*b;
	FILE		*fp;
	size_t		 n;

	if ((fp = fopen(path, "r")) == NULL) {
		buf_printf(why, "%s: cannot open: %s", path, strerror(errno));
		return (NULL);
	}
	if (fstat(fileno(fp), &st) < 0 || !S_ISREG(st.st_mode)) {
		buf_printf(why, "%s: not a regular file", path);
		(void)fclose(fp);
		return (NULL);
	}
	if (max_size > 0 && (size_t)st.st_size > max_size) {
		buf_printf(why, "%s: larger than max_file_size (%zu bytes)",
		    path, max_size);
		(void)fclose(fp);
		return (NULL);
	}
	b = buf_new(4096);
	while ((n = fread(buf_reserve(b, 4096), 1, 4096, fp)) > 0) {
		buf_commit(b, n);
		if (max_size > 0 && buf_len(b) > max_size)
			break;
	}
	if (ferror(fp) || (max_size > 0 && buf_len(b) > max_size)) {
		buf_printf(why, "%s: %s", path, ferror(fp) ? "read error" :
		    "larger than max_file_size");
		(void)fclose(fp);
		buf_free(b);
		return (NULL);
	}
	(void)fclose(fp);
	t = template_parse(b->data, buf_len(b), path, 0, why);
	buf_free(b);
	return (t);
}

/* template_has_field - does the template set this header field? */

int
template_has_field(const struct template *t, const char *name)
{
	size_t	 i;

	for (i = 0; i < t->nfields; i++)
		if (strcasecmp(t->fields[i].name, name) == 0)
			return (1);
	return (0);
}

/* tr_value - a macro's value, or "" */

static const char *
tr_value(const char *const vars[TEMPLATE_NVARS], int v)
{
	return (vars[v] != NULL ? vars[v] : "");
}

/* tr_lines - a multi-line value in the body: each line escaped, the line
 * breaks kept (at most TEMPLATE_LINES_MAX bytes) */

static void
tr_lines(const char *v, struct buf *out)
{
	const char	*nl;
	size_t		 left = TEMPLATE_LINES_MAX, len;

	while (*v != '\0' && left > 0) {
		nl = strchr(v, '\n');
		len = nl != NULL ? (size_t)(nl - v) : strlen(v);
		if (len > left)
			len = left;
		buf_append_safe(out, v, len);
		left -= len;
		if (nl == NULL)
			break;
		buf_putc(out, '\n');
		v = nl + 1;
	}
}

/* tr_list - render a list of nodes; macro values are escaped (in the body
 * a multi-line macro keeps its line breaks) */

static void
tr_list(const struct tnode *n, const char *const vars[TEMPLATE_NVARS],
    int body, struct buf *out)
{
	const char	*v;
	size_t		 vl;

	for (; n != NULL; n = n->next) {
		switch (n->kind) {
		case TN_TEXT:
			buf_append(out, n->text, n->len);
			break;
		case TN_VAR:
			v = tr_value(vars, n->var);
			if (body && n->var == TEMPLATE_PROBLEMS) {
				tr_lines(v, out);
				break;
			}
			vl = strlen(v);
			buf_append_safe(out, v, vl > TEMPLATE_VAR_MAX ?
			    TEMPLATE_VAR_MAX : vl);
			break;
		case TN_IF:
			v = tr_value(vars, n->var);
			if (n->text != NULL ? strcasecmp(v, n->text) == 0 :
			    *v != '\0')
				tr_list(n->then, vars, body, out);
			else
				tr_list(n->els, vars, body, out);
			break;
		}
	}
}

/* template_b64 - RFC 2047 "B" encoding of a few bytes */

static void
template_b64(struct buf *out, const unsigned char *p, size_t len)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned int	 v;
	size_t		 i;

	for (i = 0; i + 2 < len; i += 3) {
		v = (unsigned int)p[i] << 16 | (unsigned int)p[i + 1] << 8 |
		    p[i + 2];
		buf_putc(out, tab[v >> 18]);
		buf_putc(out, tab[(v >> 12) & 63]);
		buf_putc(out, tab[(v >> 6) & 63]);
		buf_putc(out, tab[v & 63]);
	}
	if (len - i == 1) {
		v = (unsigned int)p[i] << 16;
		buf_putc(out, tab[v >> 18]);
		buf_putc(out, tab[(v >> 12) & 63]);
		buf_puts(out, "==");
	} else if (len - i == 2) {
		v = (unsigned int)p[i] << 16 | (unsigned int)p[i + 1] << 8;
		buf_putc(out, tab[v >> 18]);
		buf_putc(out, tab[(v >> 12) & 63]);
		buf_putc(out, tab[(v >> 6) & 63]);
		buf_putc(out, '=');
	}
}

/* template_header_value - a header value: safe, encoded, folded */

void
template_header_value(struct buf *out, size_t col, const char *s, size_t len)
{
	struct buf	*safe = buf_new(len + 16);
	const unsigned char *p;
	size_t		 i, n, w, eight = 0;

	buf_append_safe(safe, s, len);
	if (buf_len(safe) > TEMPLATE_HDR_MAX) {
		/* Do not cut a UTF-8 sequence in two. */
		n = TEMPLATE_HDR_MAX;
		while (n > 0 && ((unsigned char)safe->data[n] & 0xc0) == 0x80)
			n--;
		buf_truncate(safe, n);
		buf_puts(safe, "...");
	}
	p = (const unsigned char *)safe->data;
	for (i = 0; i < buf_len(safe); i++)
		eight += (p[i] & 0x80) != 0;
	if (eight > 0) {
		/* Encoded words of whole UTF-8 characters, one per line. */
		for (i = 0; i < buf_len(safe); i += n) {
			n = buf_len(safe) - i;
			if (n > TEMPLATE_EW_RAW) {
				n = TEMPLATE_EW_RAW;
				while (n > 1 && (p[i + n] & 0xc0) == 0x80)
					n--;
			}
			if (i > 0)
				buf_puts(out, "\r\n ");
			buf_puts(out, "=?UTF-8?B?");
			template_b64(out, p + i, n);
			buf_puts(out, "?=");
		}
		buf_free(safe);
		return;
	}
	/* Plain text: fold at spaces once past the column limit. */
	for (i = 0; i < buf_len(safe); i += w) {
		if (safe->data[i] == ' ')
			w = 1 + strcspn(safe->data + i + 1, " ");
		else
			w = strcspn(safe->data + i, " ");
		if (safe->data[i] == ' ' && col + w > TEMPLATE_FOLD &&
		    col > 1) {
			buf_puts(out, "\r\n");	/* the space folds */
			col = 0;
		}
		buf_append(out, safe->data + i, w);
		col += w;
	}
	buf_free(safe);
}

/* template_body_out - body text with CRLF line ends, no line over 998 */

static void
template_body_out(struct buf *out, const char *s, size_t len)
{
	size_t	 i, col = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '\n') {
			buf_puts(out, "\r\n");
			col = 0;
			continue;
		}
		if (col == TEMPLATE_LINE_MAX) {
			buf_puts(out, "\r\n");
			col = 0;
		}
		buf_putc(out, s[i]);
		col++;
	}
	if (len > 0 && s[len - 1] != '\n')
		buf_puts(out, "\r\n");
}

/* template_render - header fields and body */

void
template_render(const struct template *t,
    const char *const vars[TEMPLATE_NVARS], struct buf *header,
    struct buf *body)
{
	struct buf	*tmp = buf_new(1024);
	size_t		 i;

	for (i = 0; i < t->nfields; i++) {
		buf_reset(tmp);
		tr_list(t->fields[i].value, vars, 0, tmp);
		buf_printf(header, "%s:", t->fields[i].name);
		/* The admin's leading space is the usual one after ':'. */
		buf_putc(header, ' ');
		while (buf_len(tmp) > 0 && tmp->data[0] == ' ')
			buf_consume(tmp, 1);
		template_header_value(header, strlen(t->fields[i].name) + 2,
		    tmp->data, buf_len(tmp));
		buf_puts(header, "\r\n");
	}
	buf_reset(tmp);
	tr_list(t->body, vars, 1, tmp);
	template_body_out(body, tmp->data, buf_len(tmp));
	buf_free(tmp);
}

/* template_render_line - a one-line template, header-safe */

void
template_render_line(const struct template *t,
    const char *const vars[TEMPLATE_NVARS], struct buf *out)
{
	struct buf	*tmp = buf_new(256);
	size_t		 i;

	tr_list(t->body, vars, 0, tmp);
	/* Escaped values cannot hold CR/LF; the text itself had none. */
	for (i = 0; i < buf_len(tmp); i++)
		if (tmp->data[i] == '\r' || tmp->data[i] == '\n')
			log_panic("template_render_line: line break");
	buf_append(out, tmp->data, buf_len(tmp) > TEMPLATE_HDR_MAX ?
	    TEMPLATE_HDR_MAX : buf_len(tmp));
	buf_free(tmp);
}
