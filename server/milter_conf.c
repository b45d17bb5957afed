/*
 * milter_conf.c - [server] parameters of milter listeners, and what a
 * policy asks that a milter cannot do
 *
 * A milter answers with one message for all recipients (server/mreply.c).
 * A policy that would send different messages to different recipients
 * (split_by_result = yes with several groups), or copies of the message
 * as received (archive = incoming or both with archive_to), cannot be
 * followed to the letter behind a milter listener; milter_conf_check()
 * says so with a warning at every load - winnowd -t shows it - and what
 * winnowd does instead.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>

/* lib */
#include "buf.h"
#include "conf.h"
#include "log.h"

/* policy */
#include "policy.h"

/* smtp */
#include "listener.h"
#include "smtp_conf.h"

/* server */
#include "server.h"

struct milter_conf	 milter_conf;

static const char *const milter_quar_names[] = { "winnow", "mta", NULL };

static const struct conf_param milter_params[] = {
	{ "milter_quarantine", CONF_ENUM, "winnow", &milter_conf.quarantine,
	    0, 0, milter_quar_names, NULL, "on a milter listener, where a "
	    "quarantined recipient's message goes: winnow (our quarantine_dir; "
	    "the recipient is deleted from the MTA's copy, which is discarded "
	    "when no recipient is left) or mta (the MTA's hold queue through "
	    "SMFIR_QUARANTINE: the whole message, every recipient, waits "
	    "there - postsuper -H, sendmail -qQ)" },
	{ NULL }
};

static const struct conf_section milter_section = {
	"server", 0, milter_params, NULL,
	"the daemon, its children, the SMTP/LMTP sessions and reinjection"
};

/* milter_conf_register - register the milter part of [server] */

void
milter_conf_register(void)
{
	conf_register(&milter_section);
}

/* milter_conf_listening - whether the listen list has a milter listener */

static int
milter_conf_listening(void)
{
	struct listener	*l;
	struct buf	*why = buf_new(64);
	int		 n, i, any = 0;

	n = listeners_parse(server_conf.listen, &l, why);
	for (i = 0; i < n; i++)
		any |= l[i].proto == PROTO_MILTER;
	if (n >= 0)
		listeners_free(l, n);
	buf_free(why);
	return (any);
}

/* milter_conf_check - warn about what a milter cannot do of the policy */

void
milter_conf_check(void)
{
	if (!milter_conf_listening())
		return;
	if (policy_conf.split_by_result && policy_current->ngroups > 1)
		log_warn("[policy] split_by_result = yes asks for a message "
		    "per result, but a milter listener (listen = milter:...) "
		    "answers with one message for all recipients: there, "
		    "recipients of different groups or statuses share one "
		    "message with every group's headers and subject tags, and "
		    "AV removal for one means removal for all (as with "
		    "split_by_result = no); refused recipients are deleted "
		    "from the MTA's copy and get a DSN, a deferral for one "
		    "defers the message. Use an SMTP/LMTP listener "
		    "(content_filter) where each recipient must get its own "
		    "result; set split_by_result = no to silence this");
	if (policy_conf.archive_to != NULL && policy_conf.archive_to[0] &&
	    policy_conf.archive != POLICY_ARCHIVE_OUTGOING)
		log_warn("[policy] archive = %s with archive_to: a milter "
		    "listener can only add archive_to as recipients of the "
		    "message as it goes out, not send the message as it came "
		    "in", policy_conf.archive == POLICY_ARCHIVE_INCOMING ?
		    "incoming" : "both");
}
