/*
 * template.h - notification templates: text with macros
 *
 * A template is a small mail message the admin edits: header fields, an
 * empty line, the body.
 *
 *	# a comment line (only in the header part)
 *	Subject: [winnow] ${status} from ${sender}
 *
 *	A message from ${sender} to ${recipients}
 *	was found to be ${status}${if virus} (${virus})${endif}.
 *
 * ${name} is replaced by a macro's value; $$ is a dollar sign.
 * ${if name} ... ${else} ... ${endif} keeps the first part when the macro
 * is not empty, ${if name=value} when it equals value (ignoring case);
 * they nest (up to TEMPLATE_MAX_DEPTH) and may span lines of the body, but
 * a header field's must close within the field.  A directive never spans a
 * line.  Header lines starting with white space continue the field above.
 * The fields we write ourselves (To, Cc, Bcc, Date, Message-ID,
 * MIME-Version, Content-*, Auto-Submitted, Received, Return-Path) cannot be
 * set; Subject and From can.
 *
 * Rendering is header-safe: a macro's value never brings a CR, LF or other
 * control byte into a header (they are escaped as \r, \n, \xNN), header
 * values are folded and RFC 2047-encoded when they carry 8-bit text, and no
 * output line exceeds 998 bytes.  One-line templates (reject texts) get the
 * same treatment.
 *
 * Parse errors fill why with "NAME:LINE: text".  A parsed template is
 * read-only and may be shared.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_TEMPLATE_H
#define WINNOW_TEMPLATE_H

#include <stddef.h>

#include "buf.h"

#define TEMPLATE_MAX_DEPTH	8	/* nesting of ${if} */
#define TEMPLATE_VAR_MAX	1000	/* bytes of one macro value used */
#define TEMPLATE_LINES_MAX	16000	/* of ${problems} in a body */

/* The macros. */
enum template_var {
	TEMPLATE_SENDER = 0,	/* envelope sender, "<>" when null */
	TEMPLATE_RECIPIENTS,	/* the recipients concerned, ", " between */
	TEMPLATE_SUBJECT,	/* the message's Subject, unfolded */
	TEMPLATE_STATUS,	/* spam or AV status name */
	TEMPLATE_ACTION,	/* accept, copy, redirect, reject, drop,
				 * quarantine */
	TEMPLATE_VIRUS,		/* virus names, ", " between; may be empty */
	TEMPLATE_QUEUE_ID,
	TEMPLATE_GROUP,
	TEMPLATE_DATE,		/* RFC 5322 date of arrival */
	TEMPLATE_HOSTNAME,	/* ours */
	TEMPLATE_CLIENT,	/* the original client's IP address */
	TEMPLATE_ALERT,		/* alerts: problem, resolved or digest */
	TEMPLATE_PROBLEMS,	/* alerts: the problems, one per line (in
				 * the body its line breaks stay) */
	TEMPLATE_NVARS
};

struct template;

/* Parse a template from memory; name is used in error messages.  With
 * one_line, the text is a single line without header or body (a reject
 * text).  NULL with "NAME:LINE: reason" in why. */
struct template	*template_parse(const char *text, size_t len,
		    const char *name, int one_line, struct buf *why);

/* Read and parse a file of at most max_size bytes (0: no bound). */
struct template	*template_load(const char *path, size_t max_size,
		    struct buf *why);

/* Free a template; NULL is a no-op. */
void		 template_free(struct template *);

/* Render: header fields ("Name: value" CRLF lines) into header, the body
 * (CRLF lines) into body.  vars[i] may be NULL (empty). */
void		 template_render(const struct template *,
		    const char *const vars[TEMPLATE_NVARS], struct buf *header,
		    struct buf *body);

/* Render a one-line template (header-safe, no CR or LF) into out. */
void		 template_render_line(const struct template *,
		    const char *const vars[TEMPLATE_NVARS], struct buf *out);

/* Whether the template sets a header field (case-insensitive name). */
int		 template_has_field(const struct template *, const char *name);

/* A macro's name ("sender") and index (-1 if unknown). */
const char	*template_var_name(int);
int		 template_var_find(const char *, size_t len);

/* Append text to out as a header value: escaped, RFC 2047-encoded if it
 * has 8-bit bytes, folded, at most 900 bytes of text.  col is the column
 * the value starts at. */
void		 template_header_value(struct buf *out, size_t col,
		    const char *, size_t len);

#endif /* WINNOW_TEMPLATE_H */
