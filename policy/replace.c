/*
 * replace.c - the notice that replaces a message (action "replace")
 *
 * Everything that comes from the message reaches the notice only through
 * the template engine (macros escaped, RFC 2047 where 8-bit) or
 * template_header_value (the copied From, To, ... fields, unfolded and
 * re-encoded), as in notify.c.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "timeutil.h"

/* policy */
#include "notify.h"
#include "policy.h"
#include "replace.h"
#include "template.h"

static const char replace_text[] =
"# The notice that replaces a message (STATUS.action = replace).\n"
"# Macros: ${sender} ${recipients} ${subject} ${status} ${action}\n"
"# ${virus} ${queue_id} ${group} ${date} ${hostname} ${client};\n"
"# ${if NAME}..${else}..${endif}.  winnowctl template-check FILE checks it.\n"
"Subject: [${status}] ${subject}\n"
"\n"
"The message from ${sender} to ${recipients}\n"
"was found to be ${status}${if virus} (${virus})${endif} by the mail\n"
"filter at ${hostname} and has been replaced by this notice.\n"
"\n"
"It arrived on ${date} with queue id ${queue_id}; the administrator can\n"
"tell you more.\n";

static struct template	*replace_builtin;

/* replace_builtin_text - the built-in template text */

const char *
replace_builtin_text(void)
{
	return (replace_text);
}

/* replace_template - the status's template, or the built-in one */

static const struct template *
replace_template(const struct policy_status *st)
{
	struct buf	*why;

	if (st != NULL && st->tmpl_replace != NULL)
		return (st->tmpl_replace);
	if (replace_builtin == NULL) {
		why = buf_new(64);
		replace_builtin = template_parse(replace_text,
		    strlen(replace_text), "(built-in)", 0, why);
		if (replace_builtin == NULL)
			log_panic("replace: built-in template: %s",
			    buf_str(why));
		buf_free(why);
	}
	return (replace_builtin);
}

/* replace_copy - one of the original's fields, re-encoded */

static void
replace_copy(const struct notify_info *ni, const char *name, struct buf *out)
{
	struct buf	*v = buf_new(128);

	if (notify_header_value(ni->header, ni->header_len, name, v)) {
		buf_printf(out, "%s: ", name);
		template_header_value(out, strlen(name) + 2, v->data,
		    buf_len(v));
		buf_puts(out, "\r\n");
	}
	buf_free(v);
}

/* replace_build - the replacement message */

int
replace_build(const struct notify_info *ni, const char *rcpts,
    const struct policy_decision *d, struct buf *out)
{
	static const char *const copied[] = {
		"From", "To", "Cc", "Date", "Reply-To", NULL
	};
	const struct policy_status *st = d->st[1] != NULL ? d->st[1] : d->st[0];
	const struct template *t = replace_template(st);
	const char	*vars[TEMPLATE_NVARS];
	struct buf	*subj = buf_new(128), *vir = buf_new(64);
	struct buf	*hdr = buf_new(512), *body = buf_new(1024);
	char		 date[64];
	unsigned int	 i, n;
	int		 eightbit;

	(void)notify_header_value(ni->header, ni->header_len, "Subject", subj);
	n = ni->f->viruses.count < FINDINGS_MAX_ITEMS ?
	    ni->f->viruses.count : FINDINGS_MAX_ITEMS;
	for (i = 0; i < n; i++)
		buf_printf(vir, "%s%s", i ? ", " : "",
		    ni->f->viruses.item[i].name);
	time_rfc5322(date, sizeof(date), ni->arrival);
	memset(vars, 0, sizeof(vars));
	vars[TEMPLATE_SENDER] = ni->sender[0] ? ni->sender : "<>";
	vars[TEMPLATE_RECIPIENTS] = rcpts;
	vars[TEMPLATE_SUBJECT] = buf_str(subj);
	vars[TEMPLATE_STATUS] = d->av != AV_NOT_SCANNED ?
	    findings_av_name(d->av) : findings_spam_name(d->spam);
	vars[TEMPLATE_ACTION] = policy_action_name(d->action);
	vars[TEMPLATE_VIRUS] = buf_str(vir);
	vars[TEMPLATE_QUEUE_ID] = ni->queue_id;
	vars[TEMPLATE_GROUP] = d->group->name;
	vars[TEMPLATE_DATE] = date;
	vars[TEMPLATE_HOSTNAME] = ni->hostname;
	vars[TEMPLATE_CLIENT] = ni->client != NULL ? ni->client : "unknown";
	template_render(t, vars, hdr, body);

	for (i = 0; copied[i] != NULL; i++)
		if (!template_has_field(t, copied[i]))
			replace_copy(ni, copied[i], out);
	if (!template_has_field(t, "Subject"))
		buf_puts(out, "Subject: [winnow] message replaced\r\n");
	buf_append(out, hdr->data, buf_len(hdr));
	buf_printf(out, "Message-ID: <%s.replaced@%s>\r\n", ni->queue_id,
	    ni->hostname);
	eightbit = mem_has_8bit(body->data, buf_len(body));
	buf_printf(out, "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: %s\r\n\r\n", eightbit ? "8bit" :
	    "7bit");
	buf_append(out, body->data, buf_len(body));
	buf_free(subj);
	buf_free(vir);
	buf_free(hdr);
	buf_free(body);
	return (eightbit);
}
