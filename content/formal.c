/*
 * formal.c - formal mail: bounces, receipts, auto-replies, virus notices
 *
 * Formal mail is what machines send about other mail.  It is not spam, and
 * filtering it as spam loses bounces and receipts people wait for, so it
 * gets its own status (policy/verdict.c decides when strong spam evidence
 * still wins).  The signs, each a FORMAL_* rule:
 *
 *	FORMAL_DSN		multipart/report; report-type=delivery-status,
 *				a message/delivery-status part, or a bounce
 *				subject from MAILER-DAEMON/postmaster or <>
 *	FORMAL_MDN		report-type=disposition-notification or a
 *				message/disposition-notification part
 *	FORMAL_AUTO		Auto-Submitted: with any value but "no"
 *				(RFC 3834)
 *	FORMAL_NULL_SENDER	envelope sender <> (Return-Path: <> when the
 *				message comes from a file)
 *	FORMAL_AUTOREPLY	X-Autoreply/X-Autorespond, Precedence:
 *				auto_reply, or a vacation subject
 *	FORMAL_VIRUS		a virus subject from a gateway role address,
 *				a null sender or an auto-submitted message
 *
 * SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

/* lib */
#include "buf.h"

/* mail */
#include "mail.h"

#include "content_private.h"

/* formal_prefix - a subject that starts (after "Re:"s) with one of list */

static int
formal_prefix(const char *s, const char *const *list)
{
	size_t	 i;

	while (*s == ' ' || *s == '\t')
		s++;
	for (i = 0; list[i] != NULL; i++)
		if (strncasecmp(s, list[i], strlen(list[i])) == 0)
			return (1);
	return (0);
}

/* formal_contains - a subject that contains one of list */

static int
formal_contains(const char *s, const char *const *list)
{
	size_t	 i;

	for (i = 0; list[i] != NULL; i++)
		if (strcasestr(s, list[i]) != NULL)
			return (1);
	return (0);
}

/* formal_from_role - a From: local part that names a mail system role */

static int
formal_from_role(struct content_msg *cm)
{
	static const char *const roles[] = {
		"mailer-daemon", "postmaster", "mail-daemon", "maildaemon",
		"virus", "antivirus", "anti-virus", "amavis", "mailscanner",
		"scanner", "mailsweeper", "quarantine", "mail-gateway",
		"mailguard", "clamav", "noreply-av", NULL
	};
	const char	*a;
	size_t		 i, n;

	if (!mime_is_message(cm) || cm->from.n < 1 ||
	    (a = cm->from.v[0].addr) == NULL)
		return (0);
	/* a prefix: virusalert@, postmaster-gw@, mailer-daemon@ */
	for (i = 0; roles[i] != NULL; i++) {
		n = strlen(roles[i]);
		if (strncasecmp(a, roles[i], n) == 0)
			return (1);
	}
	return (0);
}

/* formal_report - multipart/report and its parts */

static void
formal_report(struct content_msg *cm)
{
	struct buf	*rt;
	unsigned int	 i;

	if (mime_is_message(cm) && strcmp(cm->mail->part[0].type,
	    "multipart") == 0 && strcmp(cm->mail->part[0].subtype, "report") ==
	    0) {
		rt = buf_new(32);
		if (mailparam_get(cm->mail, 0, "Content-Type", "report-type",
		    rt)) {
			if (strcasecmp(buf_str(rt), "disposition-notification")
			    == 0)
				mime_rule(cm, RULE_FORMAL_MDN, "report");
			else if (strcasecmp(buf_str(rt), "delivery-status") ==
			    0)
				mime_rule(cm, RULE_FORMAL_DSN, "report");
		}
		buf_free(rt);
	}
	for (i = 0; i < cm->nparts; i++) {
		if (cm->parts[i].depth > 2)
			continue;
		if (strcmp(cm->parts[i].type, "message/delivery-status") == 0 ||
		    strcmp(cm->parts[i].type,
		    "message/global-delivery-status") == 0)
			mime_rule(cm, RULE_FORMAL_DSN, "part");
		else if (strcmp(cm->parts[i].type,
		    "message/disposition-notification") == 0)
			mime_rule(cm, RULE_FORMAL_MDN, "part");
	}
}

/* formal_detect - fire the FORMAL_* rules; 1 if the message is formal */

int
formal_detect(struct content_msg *cm, const struct msg_view *view)
{
	static const char *const bounce[] = {
		"undelivered mail", "undeliverable", "delivery status "
		"notification", "mail delivery failed", "failure notice",
		"returned mail", "delivery failure", "nondeliverable",
		"non-delivery", "delivery has failed", "mail system error",
		"delivery notification", "undeliverable mail",
		"could not send message", NULL
	};
	static const char *const vacation[] = {
		"auto:", "automatic reply", "autoreply", "auto-reply",
		"auto reply", "auto response", "autoresponse",
		"out of office", "out of the office", "vacation:",
		"away from my mail", "abwesenheitsnotiz",
		"r\xc3\xa9ponse automatique",
		"\xd0\xb0\xd0\xb2\xd1\x82\xd0\xbe\xd0\xbe"
		"\xd1\x82\xd0\xb2\xd0\xb5\xd1\x82",	/* автоответ */
		NULL
	};
	static const char *const virus[] = {
		"virus", "infected", "malware", "worm found",
		"banned attachment", "quarantined", NULL
	};
	const char	*v, *subj = cm->subject;
	int		 null_sender = 0, autosub = 0, role;

	formal_report(cm);
	if ((v = mime_header(cm, "Auto-Submitted")) != NULL) {
		while (*v == ' ' || *v == '\t')
			v++;
		if (*v != '\0' && strncasecmp(v, "no", 2) != 0) {
			autosub = 1;
			mime_rule(cm, RULE_FORMAL_AUTO, v);
		}
	}
	if (view != NULL && view->sender != NULL)
		null_sender = view->sender[0] == '\0';
	else if ((v = mime_header(cm, "Return-Path")) != NULL) {
		while (*v == ' ' || *v == '\t')
			v++;
		null_sender = strncmp(v, "<>", 2) == 0;
	}
	if (null_sender)
		mime_rule(cm, RULE_FORMAL_NULL_SENDER, NULL);
	role = formal_from_role(cm);
	if ((null_sender || role) && formal_contains(subj, bounce))
		mime_rule(cm, RULE_FORMAL_DSN, "subject");
	if (mime_header(cm, "X-Autoreply") != NULL ||
	    mime_header(cm, "X-Autorespond") != NULL ||
	    ((v = mime_header(cm, "Precedence")) != NULL &&
	    strcasestr(v, "auto_reply") != NULL) ||
	    formal_prefix(subj, vacation))
		mime_rule(cm, RULE_FORMAL_AUTOREPLY, NULL);
	if ((role || null_sender || autosub) && formal_contains(subj, virus))
		mime_rule(cm, RULE_FORMAL_VIRUS, NULL);
	cm->formal = (cm->rules & (1ULL << RULE_FORMAL_DSN |
	    1ULL << RULE_FORMAL_MDN | 1ULL << RULE_FORMAL_AUTO |
	    1ULL << RULE_FORMAL_NULL_SENDER | 1ULL << RULE_FORMAL_AUTOREPLY |
	    1ULL << RULE_FORMAL_VIRUS)) != 0;
	return (cm->formal);
}
