/*
 * policy.c - [policy] and [group NAME]: parameters, inheritance, loading
 *
 * [policy] has two kinds of keys.  Message-wide ones (protected_domains,
 * split_by_result, quarantine_dir, ...) are ordinary typed parameters that
 * lib/conf checks and assigns.  The others - the defaults every group
 * inherits (detection_level, the check switches, templates) and the
 * per-status keys such as "spam.action" - are checked and built here, by
 * the section handlers, because a [group] needs them all: the [policy]
 * handler keeps its entries while the file is validated, then the [group]
 * handler builds the whole new policy (reading list files and templates, so
 * their errors fail the load with FILE:LINE) and installs it when conf_load
 * applies the file.  A failed load leaves the policy in force untouched.
 *
 * Inheritance: a group starts as a copy of the [policy] defaults and
 * applies its own keys over them - first group-wide ones, then per-status
 * ones, so "template_admin" in a group covers every status of that group
 * except those the group sets explicitly ("spam.template_admin").  White
 * and black lists are not inherited: [policy]'s are common to every group
 * and a group's own add to them.
 *
 * Every key of the handlers is also in the [policy] parameter table as a
 * string, so winnowd -d documents it with its default.
 *
 * SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* lib */
#include "addr.h"
#include "buf.h"
#include "conf.h"
#include "listfile.h"
#include "log.h"
#include "xalloc.h"

/* policy */
#include "mask.h"
#include "policy.h"
#include "policy_private.h"
#include "protect.h"
#include "template.h"
#include "verdict.h"

#define POLICY_NAME_MAX	64	/* longest group name */
#define POLICY_TAG_MAX	100	/* longest subject tag */

struct policy_conf	 policy_conf;
static char		*policy_report_senders;	/* compiled in the build */
static char		*policy_report_clients;
const struct policy	*policy_current;
static struct policy	*policy_live;		/* what policy_current is */
static struct policy	*policy_staged;		/* built, not yet applied */

/* The [policy] entries of the load being validated (strings owned by
 * conf_load, valid until it returns). */
static struct conf_entry *policy_saved;
static size_t		 policy_nsaved;

static const char *const policy_compat_names[] = {
	"none", "kas", NULL
};
static const char *const policy_archive_names[] = {
	"incoming", "outgoing", "both", NULL
};
static const char *const policy_level_names[] = {
	"minimum", "standard", "high", "maximum", NULL
};
static const char *const policy_action_names[] = {
	"accept", "copy", "rename", "remove", "replace", "redirect", "drop",
	"quarantine", "reject", "tempfail", NULL
};
static const char *const policy_who_names[] = {
	"sender", "recipients", "admin"
};

/* Per-status defaults: action and dsn. */
static const struct {
	const char	*action;
	const char	*dsn;
} policy_st_def[POLICY_NSTATUS] = {
	{ "accept", "yes" },		/* not-detected */
	{ "accept", "no" },		/* probable-spam */
	{ "accept", "no" },		/* spam */
	{ "accept", "yes" },		/* formal */
	{ "accept", "yes" },		/* trusted */
	{ "accept", "no" },		/* blacklisted */
	{ "accept", "yes" },		/* clean */
	{ "quarantine", "no" },		/* infected */
	{ "quarantine", "no" },		/* suspicious */
	{ "accept", "yes" },		/* encrypted */
	{ "tempfail", "yes" },		/* error: never deliver unscanned */
	{ "remove", "yes" },		/* filtered */
	{ "quarantine", "no" },		/* limit: final, never unscanned */
};

#define POLICY_REJECT_DEFAULT	"5.7.1 Message refused by policy " \
	"(${status}${if virus}: ${virus}${endif})"

/* policy_check_addrs - conf check: a list of full addresses */

static int
policy_check_addrs(const char *value, struct buf *why)
{
	char	**v;
	size_t	 i, n;
	int	 rc = 0;

	n = conf_list_split(value, &v);
	for (i = 0; i < n && rc == 0; i++) {
		const char *a = v[i], *p;

		for (p = a; *p != '\0'; p++)
			if ((unsigned char)*p < 0x21 || *p == 0x7f ||
			    *p == '<' || *p == '>')
				break;
		/* addr_domain() is NULL for "user@": no domain at all */
		if (*p != '\0' || strchr(a, '@') == NULL || a[0] == '@' ||
		    strlen(a) > ADDR_MAX || addr_domain(a) == NULL) {
			buf_printf(why, "\"%s\" is not an address "
			    "(user@domain)", a);
			rc = -1;
		}
	}
	conf_list_free(v);
	return (rc);
}

/* policy_check_path - conf check: empty or an absolute path */

static int
policy_check_path(const char *value, struct buf *why)
{
	if (*value != '\0' && *value != '/') {
		buf_printf(why, "\"%s\" is not an absolute path", value);
		return (-1);
	}
	return (0);
}

/* policy_check_domain - conf check: empty or a domain name */

static int
policy_check_domain(const char *value, struct buf *why)
{
	const char	*p;

	for (p = value; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-') {
			buf_printf(why, "\"%s\" is not a domain name", value);
			return (-1);
		}
	}
	return (0);
}

/* policy_age - "30d" and the like in seconds; -1 if bad */

long long
policy_age(const char *s)
{
	char		*end;
	long long	 n;

	if (!isdigit((unsigned char)*s))
		return (-1);
	n = strtoll(s, &end, 10);
	if (n < 0 || n > 100000000LL)
		return (-1);
	if (*end == '\0' || strcmp(end, "s") == 0)
		return (n);
	if (strcmp(end, "m") == 0)
		return (n * 60);
	if (strcmp(end, "h") == 0)
		return (n * 3600);
	if (strcmp(end, "d") == 0)
		return (n * 86400);
	if (strcmp(end, "w") == 0)
		return (n * 7 * 86400);
	return (-1);
}

/* policy_check_age - conf check: an age */

static int
policy_check_age(const char *value, struct buf *why)
{
	if (policy_age(value) < 0) {
		buf_printf(why, "\"%s\" is not an age (30d, 12h, 2w; 0 keeps "
		    "for ever)", value);
		return (-1);
	}
	return (0);
}

/* Message-wide parameters: assigned by lib/conf. */
static const struct conf_param policy_global_params[] = {
	{ "protected_domains", CONF_STR, "", &policy_conf.protected_domains,
	    0, 0, NULL, NULL, "recipient domains that are filtered: "
	    "example.com, .example.com (and its subdomains), wildcards "
	    "(*example.com, mx?.example.org), file:PATH (items a line), * for "
	    "all; others pass unfiltered with X-Winnow-Info: not protected. "
	    "Empty: all" },
	{ "default_domain", CONF_STR, "", &policy_conf.default_domain, 0, 0,
	    NULL, policy_check_domain, "domain that qualifies bare local parts "
	    "in masks and addresses (postmaster -> postmaster@DOMAIN)" },
	{ "split_by_result", CONF_BOOL, "yes", &policy_conf.split_by_result,
	    0, 0, NULL, NULL, "recipients whose messages differ go downstream "
	    "in separate transactions; no: one message carries the headers "
	    "of every group" },
	{ "quarantine_dir", CONF_STR, "/var/spool/winnow/quarantine",
	    &policy_conf.quarantine_dir, 0, 0, NULL, policy_check_path,
	    "where the quarantine action stores messages (made on first "
	    "use; winnowctl quarantine manages it)" },
	{ "archive_dir", CONF_STR, "", &policy_conf.archive_dir, 0, 0, NULL,
	    policy_check_path, "directory that receives a copy of every "
	    "message (see archive); empty: none" },
	{ "archive_to", CONF_STR, "", &policy_conf.archive_to, 0, 0, NULL,
	    policy_check_addrs, "addresses that receive a copy of every "
	    "message (see archive); empty: none" },
	{ "archive", CONF_ENUM, "incoming", &policy_conf.archive, 0, 0,
	    policy_archive_names, NULL, "what archive_dir and archive_to get: "
	    "incoming (each message as received), outgoing (each distinct "
	    "message sent downstream), both" },
	{ "notify_admin", CONF_STR, "", &policy_conf.notify_admin, 0, 0,
	    NULL, policy_check_addrs, "the admin addresses of STATUS.notify "
	    "= admin" },
	{ "notify_from", CONF_STR, "", &policy_conf.notify_from, 0, 0, NULL,
	    policy_check_addrs, "From: of notifications (their envelope "
	    "sender is <>); empty: postmaster@myhostname" },
	{ "max_file_size", CONF_SIZE, "16M", &policy_conf.max_file_size, 1024,
	    0, NULL, NULL, "largest list (file:) or template file read; a "
	    "larger one fails the configuration load" },
	{ "backup_dir", CONF_STR, "/var/spool/winnow/backup",
	    &policy_conf.backup_dir, 0, 0, NULL, policy_check_path,
	    "where STATUS.backup = yes keeps a copy of each message that is "
	    "still delivered (quarantine format; winnowctl archive manages "
	    "it)" },
	{ "quarantine_keep", CONF_STR, "30d", &policy_conf.quarantine_keep,
	    0, 0, NULL, policy_check_age, "how long winnowctl quarantine purge "
	    "(winnow-purge.timer, daily) keeps quarantined messages; 0: for "
	    "ever" },
	{ "backup_keep", CONF_STR, "30d", &policy_conf.backup_keep, 0, 0,
	    NULL, policy_check_age, "how long winnowctl archive purge keeps "
	    "the copies in backup_dir; 0: for ever" },
	{ "archive_keep", CONF_STR, "90d", &policy_conf.archive_keep, 0, 0,
	    NULL, policy_check_age, "how long winnowctl archive purge keeps "
	    "the days of archive_dir; 0: for ever" },
	{ "report_spam", CONF_STR, "", &policy_conf.report_spam, 0, 0, NULL,
	    policy_check_addrs, "report addresses: mail to them from a "
	    "reporter (report_senders) is learned as spam (each attached "
	    "message, else the message itself) and not delivered" },
	{ "report_ham", CONF_STR, "", &policy_conf.report_ham, 0, 0, NULL,
	    policy_check_addrs, "the same, learned as ham (mail wrongly "
	    "called spam)" },
	{ "template_dsn", CONF_STR, "", &policy_conf.template_dsn, 0, 0, NULL,
	    policy_check_path, "template of the DSN's words (its Subject and "
	    "text; macros as in notification templates, ${recipients} the "
	    "refused ones); the refused recipients and the downstream's "
	    "replies follow it. Empty: the built-in text" },
	{ "compat_headers", CONF_ENUM, "none", &policy_conf.compat_headers,
	    0, 0, policy_compat_names, NULL, "kas: also write the old "
	    "product's X-Spamtest-Status-Extended (SPAM, Probable Spam, "
	    "Formal, Trusted, Blacklisted, Not detected) and X-SpamTest-Info "
	    "(Not protected, Not processed), so mail-client filters keep "
	    "working during a cut-over; inbound ones are removed" },
	{ "version_header", CONF_BOOL, "no", &policy_conf.version_header, 0,
	    0, NULL, NULL, "add X-Winnow-Version: winnow's version, the AV "
	    "engine's and its database's version and date" },
	{ "report_senders", CONF_STR, "", &policy_report_senders, 0, 0, NULL,
	    NULL, "who may send to the report addresses: sender masks "
	    "(user@dom, @dom, file:); empty: nobody. Anyone else is refused, "
	    "so nobody can poison the model" },
	{ "report_clients", CONF_STR, "", &policy_report_clients, 0, 0, NULL,
	    NULL, "and from where: ip:CIDR items the reporter's client address "
	    "must match too; empty: any address" },
	{ NULL }
};

/*
 * Group-wide keys (in [policy] as defaults, in [group NAME] as overrides)
 * and per-status keys (STATUS.key).
 */
struct pbuild;

typedef int	pkey_fn(struct pbuild *, struct policy_group *, int slot,
		    const struct conf_entry *);

#define PK_ANY		0	/* [policy] default and [group] override */
#define PK_GROUP	1	/* only in [group] */
#define PK_LIST		2	/* [policy]: common list; [group]: own */
#define PK_OWN		3	/* only in [group], the All group too */

struct pkey {
	const char	*name;
	int		 where;
	const char	*def;		/* NULL: per-status default */
	pkey_fn		*set;
	const char	*help;
};

/* State of one build. */
struct pbuild {
	struct policy	*pol;
	struct conf_errors *err;
	const char	*default_domain;
	size_t		 max_file_size;
	int		 have_admin;
	int		 in_policy;	/* applying [policy] entries */
	int		 warned_cure;	/* "cure" explained once */
	struct pbuild_tmpl {
		char			*path;
		struct template		*t;
	}		*tc;
	size_t		 ntc;
	const struct conf_entry *act_at[POLICY_NSTATUS];	/* set here */
	const struct conf_entry *to_at[POLICY_NSTATUS];
};

static int	pk_recipients(struct pbuild *, struct policy_group *, int,
		    const struct conf_entry *);
static int	pk_senders(struct pbuild *, struct policy_group *, int,
		    const struct conf_entry *);
static int	pk_level(struct pbuild *, struct policy_group *, int,
		    const struct conf_entry *);
static int	pk_switch(struct pbuild *, struct policy_group *, int,
		    const struct conf_entry *);
static int	pk_list(struct pbuild *, struct policy_group *, int,
		    const struct conf_entry *);
static int	pb_printable(const char *);
static int	pk_rules_off(struct pbuild *, struct policy_group *, int,
		    const struct conf_entry *);
static int	pk_weights(struct pbuild *, struct policy_group *, int,
		    const struct conf_entry *);
static int	pk_eastern(struct pbuild *, struct policy_group *, int,
		    const struct conf_entry *);
static int	pk_obscene(struct pbuild *, struct policy_group *, int,
		    const struct conf_entry *);
static int	pk_group_tmpl(struct pbuild *, struct policy_group *, int,
		    const struct conf_entry *);
static int	pk_action(struct pbuild *, struct policy_group *, int,
		    const struct conf_entry *);
static int	pk_vna(struct pbuild *, struct policy_group *, int,
		    const struct conf_entry *);
static int	pk_to(struct pbuild *, struct policy_group *, int,
		    const struct conf_entry *);
static int	pk_tag(struct pbuild *, struct policy_group *, int,
		    const struct conf_entry *);
static int	pk_header(struct pbuild *, struct policy_group *, int,
		    const struct conf_entry *);
static int	pk_reject(struct pbuild *, struct policy_group *, int,
		    const struct conf_entry *);
static int	pk_dsn(struct pbuild *, struct policy_group *, int,
		    const struct conf_entry *);
static int	pk_notify(struct pbuild *, struct policy_group *, int,
		    const struct conf_entry *);
static int	pk_backup(struct pbuild *, struct policy_group *, int,
		    const struct conf_entry *);
static int	pk_avkey(struct pbuild *, struct policy_group *, int,
		    const struct conf_entry *);
static int	pk_replace_tmpl(struct pbuild *, struct policy_group *, int,
		    const struct conf_entry *);
static int	pk_status_tmpl(struct pbuild *, struct policy_group *, int,
		    const struct conf_entry *);

static const struct pkey policy_group_keys[] = {
	{ "recipients", PK_GROUP, "", pk_recipients, "masks of the group's "
	    "recipients (required in [group NAME]; see INSTALL for masks)" },
	{ "senders", PK_GROUP, "", pk_senders, "masks of senders (and ip:CIDR "
	    "of clients) the group is limited to; empty: any" },
	{ "detection_level", PK_ANY, "standard", pk_level, "how eagerly mail "
	    "is called spam: minimum, standard, high, maximum" },
	{ "probable_spam", PK_ANY, "yes", pk_switch, "use the probable-spam "
	    "status (no: such mail is not-detected)" },
	{ "spam_checks", PK_ANY, "yes", pk_switch, "no: recipients of the "
	    "group get the status trusted" },
	{ "dns_checks", PK_ANY, "yes", pk_switch, "no: DNSBL, SURBL, SPF and "
	    "reverse DNS results are ignored for the group" },
	{ "rdns", PK_ANY, "yes", pk_switch, "no: the reverse DNS check is "
	    "not run or not counted for this group" },
	{ "spf", PK_ANY, "yes", pk_switch, "no: SPF is not run or not counted "
	    "for this group" },
	{ "surbl", PK_ANY, "yes", pk_switch, "no: URI blocklists are not run "
	    "or not counted for this group" },
	{ "dnsbl", PK_ANY, "yes", pk_switch, "no: DNSBL ratings are not run "
	    "or not counted for this group (nor can they blacklist)" },
	{ "uds", PK_ANY, "yes", pk_switch, "no: the UDS check ([uds]) is not "
	    "run or not counted for this group" },
	{ "av_checks", PK_ANY, "yes", pk_switch, "no: no AV status (and no AV "
	    "action) for the group" },
	{ "lists", PK_ANY, "yes", pk_switch, "no: the white and black lists "
	    "(the common ones and the group's) do not apply to the group" },
	{ "rules_off", PK_ANY, "", pk_rules_off, "rule names that weigh "
	    "nothing for this group (see [content] rules_off; a rule off "
	    "there is off everywhere)" },
	{ "rule_weights", PK_ANY, "", pk_weights, "the group's rule weights, "
	    "NAME:points, e.g. SUBJ_ID:0 EASTERN:60" },
	{ "eastern_suspicious", PK_ANY, "", pk_eastern, "Eastern languages "
	    "whose text or charsets weigh in (rule EASTERN) for this group: "
	    "any of zh ja ko th, all, or none; empty: as [content] eastern" },
	{ "obscene_tag", PK_ANY, "", pk_obscene, "text put in front of the "
	    "Subject of obscene mail (rule OBSCENE found words), e.g. "
	    "[--Obscene--]; empty: none" },
	{ "whitelist", PK_LIST, "", pk_list, "senders (masks, ip:CIDR, "
	    "file:PATH) whose mail is trusted; in [policy] for every group, "
	    "in a group in addition" },
	{ "blacklist", PK_LIST, "", pk_list, "senders whose mail is "
	    "blacklisted (the white list wins)" },
	{ "virus_name_action", PK_ANY, "", pk_vna, "per virus name: "
	    "GLOB:ACTION, ... (e.g. Eicar-*:drop); the first glob matching a "
	    "name found decides instead of the status's action" },
	{ "filter_names", PK_OWN, "", pk_avkey, "the group's own attachment "
	    "filter: file name globs (and file:PATH lists) in place of [av] "
	    "filter_names; one AV pass per distinct set of these keys" },
	{ "filter_types", PK_OWN, "", pk_avkey, "declared MIME types to "
	    "filter, in place of [av] filter_types" },
	{ "filter_real_types", PK_OWN, "", pk_avkey, "real (libmagic) types "
	    "to filter, in place of [av] filter_real_types" },
	{ "filter_max_size", PK_OWN, "", pk_avkey, "in place of [av] "
	    "filter_max_size" },
	{ "filter_exclude_names", PK_OWN, "", pk_avkey, "in place of [av] "
	    "filter_exclude_names" },
	{ "filter_exclude_types", PK_OWN, "", pk_avkey, "in place of [av] "
	    "filter_exclude_types" },
	{ "filter_exclude_real_types", PK_OWN, "", pk_avkey, "in place of "
	    "[av] filter_exclude_real_types" },
	{ "remove_notice", PK_OWN, "", pk_avkey, "in place of [av] "
	    "remove_notice" },
	{ "rename_suffix", PK_OWN, "", pk_avkey, "in place of [av] "
	    "rename_suffix" },
	{ "av_mode", PK_OWN, "", pk_avkey, "in place of [av] mode" },
	{ "template_replace", PK_ANY, "", pk_replace_tmpl, "template of the "
	    "notice that replaces a message (action replace; every status of "
	    "the group; empty: built-in)" },
	{ "template_sender", PK_ANY, "", pk_group_tmpl, "notification "
	    "template for the sender (every status; empty: built-in)" },
	{ "template_recipients", PK_ANY, "", pk_group_tmpl, "notification "
	    "template for the recipients" },
	{ "template_admin", PK_ANY, "", pk_group_tmpl, "notification "
	    "template for notify_admin" },
	{ NULL }
};

static const struct pkey policy_status_keys[] = {
	{ "action", PK_ANY, NULL, pk_action, "accept, copy, rename, remove "
	    "or replace (AV), tempfail, redirect, reject, drop or quarantine "
	    "(not-detected, trusted and clean: accept or copy)" },
	{ "to", PK_ANY, "", pk_to, "addresses for copy and redirect" },
	{ "subject_tag", PK_ANY, "", pk_tag, "text put in front of the "
	    "Subject, e.g. [SPAM]" },
	{ "header", PK_ANY, "", pk_header, "a header field to add, "
	    "\"Name: value\"" },
	{ "reject_text", PK_ANY, POLICY_REJECT_DEFAULT, pk_reject, "text of "
	    "the 554 reply for reject (macros as in templates), or file:PATH "
	    "of a file whose first line that is not a # comment is that "
	    "text" },
	{ "dsn", PK_ANY, NULL, pk_dsn, "when some recipients are refused and "
	    "others accepted, whether the sender gets a DSN" },
	{ "backup", PK_ANY, "no", pk_backup, "yes: keep a copy of the message "
	    "in backup_dir (quarantine format) and still do the action" },
	{ "notify", PK_ANY, "", pk_notify, "who is notified: sender, "
	    "recipients, admin (any of them), or none" },
	{ "template_replace", PK_ANY, "", pk_replace_tmpl, "the notice that "
	    "replaces the message for this status (action replace)" },
	{ "template_sender", PK_ANY, "", pk_status_tmpl, "the sender's "
	    "template for this status (default: the group's)" },
	{ "template_recipients", PK_ANY, "", pk_status_tmpl, "the recipients' "
	    "template for this status" },
	{ "template_admin", PK_ANY, "", pk_status_tmpl, "the admin's template "
	    "for this status" },
	{ NULL }
};

/* policy_status_name - a status slot's name */

const char *
policy_status_name(int slot)
{
	if (slot < 0 || slot >= POLICY_NSTATUS)
		log_panic("policy_status_name: slot %d", slot);
	if (slot < SPAM_STATUS_COUNT)
		return (findings_spam_name((enum spam_status)slot));
	return (findings_av_name((enum av_status)(slot - SPAM_STATUS_COUNT +
	    1)));
}

/* policy_action_find - an action by name (cure means remove), or -1 */

int
policy_action_find(const char *name)
{
	int	 i;

	if (strcasecmp(name, "cure") == 0)
		return (POLICY_REMOVE);
	for (i = 0; policy_action_names[i] != NULL; i++)
		if (strcasecmp(name, policy_action_names[i]) == 0)
			return (i);
	return (-1);
}

/* policy_action_name - an action's name */

const char *
policy_action_name(int a)
{
	if (a < 0 || a >= POLICY_NACTIONS)
		log_panic("policy_action_name: %d", a);
	return (policy_action_names[a]);
}

/* policy_slot_find - a status slot by name, -1 if unknown */

static int
policy_slot_find(const char *s, size_t len)
{
	int	 i;

	for (i = 0; i < POLICY_NSTATUS; i++)
		if (strlen(policy_status_name(i)) == len &&
		    strncasecmp(policy_status_name(i), s, len) == 0)
			return (i);
	return (-1);
}

/* pb_own - the policy owns an object from now on */

static void
pb_own(struct policy *pol, void *p, void (*free_fn)(void *))
{
	struct policy_obj *o = xcalloc(1, sizeof(*o));

	o->p = p;
	o->free_fn = free_fn;
	o->next = pol->objs;
	pol->objs = o;
}

/* pb_mask_free, pb_template_free - free functions for pb_own */

static void
pb_mask_free(void *p)
{
	mask_list_free(p);
}

static void
pb_template_free(void *p)
{
	template_free(p);
}

/* pb_masks - parse a mask list owned by the policy; NULL on error */

static const struct mask_list *
pb_masks(struct pbuild *pb, const struct conf_entry *e, int flags)
{
	struct mask_list *ml;
	struct buf	*why = buf_new(128);

	ml = mask_list_parse(e->value, pb->default_domain, flags |
	    MASK_ALLOW_FILE, pb->max_file_size, why);
	if (ml == NULL)
		conf_error(pb->err, e, "[%s] %s: %s", e->section, e->name,
		    buf_str(why));
	else
		pb_own(pb->pol, ml, pb_mask_free);
	buf_free(why);
	return (ml);
}

/* pb_template - a template file, parsed once per build; NULL on error */

static const struct template *
pb_template(struct pbuild *pb, const struct conf_entry *e, int *bad)
{
	struct template	*t;
	struct buf	*why;
	size_t		 i;

	*bad = 0;
	if (e->value[0] == '\0')
		return (NULL);			/* the built-in one */
	for (i = 0; i < pb->ntc; i++)
		if (strcmp(pb->tc[i].path, e->value) == 0)
			return (pb->tc[i].t);
	if (e->value[0] != '/') {
		conf_error(pb->err, e, "[%s] %s: \"%s\" is not an absolute "
		    "path", e->section, e->name, e->value);
		*bad = 1;
		return (NULL);
	}
	why = buf_new(128);
	if ((t = template_load(e->value, pb->max_file_size, why)) == NULL) {
		conf_error(pb->err, e, "[%s] %s: %s", e->section, e->name,
		    buf_str(why));
		*bad = 1;
	} else {
		pb_own(pb->pol, t, pb_template_free);
		pb->tc = xreallocarray(pb->tc, pb->ntc + 1, sizeof(*pb->tc));
		pb->tc[pb->ntc].path = xstrdup(e->value);
		pb->tc[pb->ntc++].t = t;
	}
	buf_free(why);
	return (t);
}

/* pb_bad - report a bad value */

static int
pb_bad(struct pbuild *pb, const struct conf_entry *e, const char *what)
{
	conf_error(pb->err, e, "[%s] %s: \"%s\" %s", e->section, e->name,
	    e->value, what);
	return (-1);
}

/* pk_recipients - the group's recipient masks */

static int
pk_recipients(struct pbuild *pb, struct policy_group *g, int slot,
    const struct conf_entry *e)
{
	(void)slot;
	if ((g->recipients = pb_masks(pb, e, 0)) == NULL)
		return (-1);
	if (mask_list_count(g->recipients) == 0)
		return (pb_bad(pb, e, "has no masks"));
	return (0);
}

/* pk_senders - the group's sender masks */

static int
pk_senders(struct pbuild *pb, struct policy_group *g, int slot,
    const struct conf_entry *e)
{
	const struct mask_list *ml;

	(void)slot;
	if ((ml = pb_masks(pb, e, MASK_ALLOW_IP)) == NULL)
		return (-1);
	g->senders = mask_list_count(ml) > 0 ? ml : NULL;
	return (0);
}

/* pk_level - detection_level */

static int
pk_level(struct pbuild *pb, struct policy_group *g, int slot,
    const struct conf_entry *e)
{
	struct buf	*why = buf_new(64);
	int		 v, rc;

	(void)slot;
	rc = conf_parse_enum(e->value, policy_level_names, &v, why);
	if (rc < 0)
		conf_error(pb->err, e, "[%s] %s: %s", e->section, e->name,
		    buf_str(why));
	else
		g->detection_level = v;
	buf_free(why);
	return (rc);
}

/* pb_bool - a yes/no value */

static int
pb_bool(struct pbuild *pb, const struct conf_entry *e, int *v)
{
	struct buf	*why = buf_new(64);
	int		 rc;

	if ((rc = conf_parse_bool(e->value, v, why)) < 0)
		conf_error(pb->err, e, "[%s] %s: %s", e->section, e->name,
		    buf_str(why));
	buf_free(why);
	return (rc);
}

/* pk_switch - probable_spam and the check switches */

static int
pk_switch(struct pbuild *pb, struct policy_group *g, int slot,
    const struct conf_entry *e)
{
	int	*target, v;

	(void)slot;
	if (strcasecmp(e->name, "probable_spam") == 0)
		target = &g->probable_spam;
	else if (strcasecmp(e->name, "spam_checks") == 0)
		target = &g->spam_checks;
	else if (strcasecmp(e->name, "dns_checks") == 0)
		target = &g->dns_checks;
	else if (strcasecmp(e->name, "rdns") == 0)
		target = &g->rdns;
	else if (strcasecmp(e->name, "spf") == 0)
		target = &g->spf;
	else if (strcasecmp(e->name, "surbl") == 0)
		target = &g->surbl;
	else if (strcasecmp(e->name, "dnsbl") == 0)
		target = &g->dnsbl;
	else if (strcasecmp(e->name, "lists") == 0)
		target = &g->lists;
	else if (strcasecmp(e->name, "uds") == 0)
		target = &g->uds;
	else
		target = &g->av_checks;
	if (pb_bool(pb, e, &v) < 0)
		return (-1);
	*target = v;
	return (0);
}

/* pk_list - a white or black list: common in [policy], own in a group */

static int
pk_list(struct pbuild *pb, struct policy_group *g, int slot,
    const struct conf_entry *e)
{
	const struct mask_list *ml;
	int		 white = strcasecmp(e->name, "whitelist") == 0;

	(void)slot;
	if ((ml = pb_masks(pb, e, MASK_ALLOW_IP)) == NULL)
		return (-1);
	if (pb->in_policy && white)
		pb->pol->whitelist = ml;
	else if (pb->in_policy)
		pb->pol->blacklist = ml;
	else if (white)
		g->whitelist = ml;
	else
		g->blacklist = ml;
	return (0);
}

/* pb_rule_name - a rule name a check declared (any, if none did) */

static int
pb_rule_name(struct pbuild *pb, const struct conf_entry *e, const char *name)
{
	if (findings_rule_known(name) != 0)
		return (0);
	conf_error(pb->err, e, "[%s] %s: unknown rule \"%s\" (winnowctl "
	    "classify and content/README.md list them)", e->section, e->name,
	    name);
	return (-1);
}

/* group_rules_free - a group's rules_off and rule_weights */

static void
group_rules_free(struct policy_group *g, int off, int weights)
{
	size_t	 i;

	if (off) {
		conf_list_free(g->rules_off);
		g->rules_off = NULL;
	}
	if (weights) {
		for (i = 0; i < g->nweights; i++)
			free((char *)g->weights[i].name);
		free(g->weights);
		g->weights = NULL;
		g->nweights = 0;
	}
}

/* pk_rules_off - rules_off of a group */

static int
pk_rules_off(struct pbuild *pb, struct policy_group *g, int slot,
    const struct conf_entry *e)
{
	char	**v;
	size_t	 i, n;

	(void)slot;
	n = conf_list_split(e->value, &v);
	for (i = 0; i < n; i++) {
		if (pb_rule_name(pb, e, v[i]) < 0) {
			conf_list_free(v);
			return (-1);
		}
	}
	group_rules_free(g, 1, 0);
	if (n > 0)
		g->rules_off = v;
	else
		conf_list_free(v);
	return (0);
}

/* pk_weights - rule_weights of a group: NAME:points, -1000..1000 */

static int
pk_weights(struct pbuild *pb, struct policy_group *g, int slot,
    const struct conf_entry *e)
{
	struct verdict_weight *w;
	char		**v, *sep, *end;
	size_t		 i, n;
	long		 pts;

	(void)slot;
	n = conf_list_split(e->value, &v);
	w = xcalloc(n + 1, sizeof(*w));
	for (i = 0; i < n; i++) {
		if ((sep = strchr(v[i], ':')) == NULL)
			sep = strchr(v[i], '=');
		if (sep != NULL)
			*sep++ = '\0';
		pts = sep != NULL ? strtol(sep, &end, 10) : 0;
		if (sep == NULL || *sep == '\0' || *end != '\0' ||
		    pts < -1000 || pts > 1000) {
			conf_error(pb->err, e, "[%s] %s: \"%s\" is not "
			    "NAME:points (-1000..1000)", e->section, e->name,
			    v[i]);
			break;
		}
		if (pb_rule_name(pb, e, v[i]) < 0)
			break;
		w[i].name = xstrdup(v[i]);
		w[i].weight = (int)pts;
	}
	conf_list_free(v);
	if (i < n) {
		while (i-- > 0)
			free((char *)w[i].name);
		free(w);
		return (-1);
	}
	group_rules_free(g, 0, 1);
	if (n > 0) {
		g->weights = w;
		g->nweights = n;
	} else {
		free(w);
	}
	return (0);
}

/* pk_eastern - eastern_suspicious: languages, all, none or empty */

static int
pk_eastern(struct pbuild *pb, struct policy_group *g, int slot,
    const struct conf_entry *e)
{
	char		**v;
	size_t		 i, n;
	unsigned int	 langs = 0, bit;
	int		 rc = 0;

	(void)slot;
	n = conf_list_split(e->value, &v);
	for (i = 0; i < n && rc == 0; i++) {
		if (strcasecmp(v[i], "all") == 0)
			langs |= FINDINGS_LANG_ALL;
		else if (strcasecmp(v[i], "none") == 0)
			continue;
		else if ((bit = findings_lang_find(v[i])) != 0)
			langs |= bit;
		else
			rc = pb_bad(pb, e, "is not a list of zh, ja, ko, th, "
			    "all or none");
	}
	conf_list_free(v);
	if (rc < 0)
		return (rc);
	g->eastern = n == 0 ? VERDICT_EASTERN_AS_CONTENT : langs == 0 ?
	    VERDICT_EASTERN_ALLOWED : VERDICT_EASTERN_LANGS;
	g->eastern_langs = langs;
	return (0);
}

/* pk_obscene - obscene_tag */

static int
pk_obscene(struct pbuild *pb, struct policy_group *g, int slot,
    const struct conf_entry *e)
{
	(void)slot;
	if (!pb_printable(e->value) || strlen(e->value) > POLICY_TAG_MAX)
		return (pb_bad(pb, e, "is not a subject tag (printable, at "
		    "most 100 bytes)"));
	free(g->obscene_tag);
	g->obscene_tag = e->value[0] ? xstrdup(e->value) : NULL;
	return (0);
}

/* pb_who - which notification a template key is for */

static int
pb_who(const char *key)
{
	const char	*w = strchr(key, '_') + 1;
	int		 i;

	for (i = 0; i < POLICY_NOTIFY_NWHO; i++)
		if (strcasecmp(w, policy_who_names[i]) == 0)
			return (i);
	log_panic("pb_who: %s", key);
}

/* pk_group_tmpl - template_WHO for every status of the group */

static int
pk_group_tmpl(struct pbuild *pb, struct policy_group *g, int slot,
    const struct conf_entry *e)
{
	const struct template *t;
	int		 who = pb_who(e->name), bad, i;

	(void)slot;
	t = pb_template(pb, e, &bad);
	if (bad)
		return (-1);
	for (i = 0; i < POLICY_NSTATUS; i++)
		g->st[i].tmpl[who] = t;
	return (0);
}

/* pk_status_tmpl - STATUS.template_WHO */

static int
pk_status_tmpl(struct pbuild *pb, struct policy_group *g, int slot,
    const struct conf_entry *e)
{
	const struct template *t;
	int		 bad;

	t = pb_template(pb, e, &bad);
	if (bad)
		return (-1);
	g->st[slot].tmpl[pb_who(strchr(e->name, '.') + 1)] = t;
	return (0);
}

/* policy_vna_check - check "GLOB:ACTION, ..." */

int
policy_vna_check(const char *value, struct buf *why)
{
	char		**v, *colon;
	size_t		 i, n;
	int		 a, rc = 0;

	n = conf_list_split(value, &v);
	for (i = 0; i < n && rc == 0; i++) {
		if ((colon = strrchr(v[i], ':')) == NULL || colon == v[i]) {
			buf_printf(why, "\"%s\" is not GLOB:ACTION", v[i]);
			rc = -1;
			break;
		}
		*colon = '\0';
		if (conf_parse_enum(colon + 1, policy_action_names, &a, why) < 0)
			rc = -1;
	}
	conf_list_free(v);
	return (rc);
}

/* group_vna_free - the compiled virus_name_action rules */

static void
group_vna_free(struct policy_group *g)
{
	size_t	 i;

	for (i = 0; i < g->nvna; i++)
		free(g->vna[i].glob);
	free(g->vna);
	g->vna = NULL;
	g->nvna = 0;
}

/* group_vna_compile - the rules of virus_name_action (checked already), so
 * no message parses them again */

static void
group_vna_compile(struct policy_group *g)
{
	char		**v, *colon;
	size_t		 i, n;

	group_vna_free(g);
	if (g->virus_name_action == NULL)
		return;
	n = conf_list_split(g->virus_name_action, &v);
	g->vna = xcalloc(n + 1, sizeof(*g->vna));
	for (i = 0; i < n; i++) {
		colon = strrchr(v[i], ':');
		*colon = '\0';
		g->vna[g->nvna].glob = xstrdup(v[i]);
		g->vna[g->nvna].action = policy_action_find(colon + 1);
		g->nvna++;
	}
	conf_list_free(v);
}

/* pk_vna - virus_name_action */

static int
pk_vna(struct pbuild *pb, struct policy_group *g, int slot,
    const struct conf_entry *e)
{
	struct buf	*why = buf_new(64);

	(void)slot;
	if (policy_vna_check(e->value, why) < 0) {
		conf_error(pb->err, e, "[%s] %s: %s", e->section, e->name,
		    buf_str(why));
		buf_free(why);
		return (-1);
	}
	buf_free(why);
	free(g->virus_name_action);
	g->virus_name_action = e->value[0] != '\0' ? xstrdup(e->value) : NULL;
	group_vna_compile(g);
	return (0);
}

/* pk_action - STATUS.action */

static int
pk_action(struct pbuild *pb, struct policy_group *g, int slot,
    const struct conf_entry *e)
{
	struct buf	*why = buf_new(64);
	int		 v;

	if (strcasecmp(e->value, "cure") == 0) {
		/* Older gateways' configurations say cure; ClamAV cannot
		 * disinfect, so the nearest thing is removing the part. */
		if (!pb->warned_cure++)
			log_warn("%s:%d: %s = cure: ClamAV cannot disinfect; "
			    "using remove (the infected part is replaced by a "
			    "notice)", e->file, e->line, e->name);
		v = POLICY_REMOVE;
	} else if (conf_parse_enum(e->value, policy_action_names, &v, why) <
	    0) {
		conf_error(pb->err, e, "[%s] %s: %s", e->section, e->name,
		    buf_str(why));
		buf_free(why);
		return (-1);
	}
	buf_free(why);
	if ((slot == POLICY_ST_SPAM(SPAM_NOT_DETECTED) ||
	    slot == POLICY_ST_SPAM(SPAM_TRUSTED) ||
	    slot == POLICY_ST_AV(AV_CLEAN)) && v != POLICY_ACCEPT &&
	    v != POLICY_COPY)
		return (pb_bad(pb, e, "is not allowed: mail that is "
		    "not-detected, trusted or clean is always delivered "
		    "(accept or copy)"));
	if (v == POLICY_REMOVE && slot != POLICY_ST_AV(AV_INFECTED) &&
	    slot != POLICY_ST_AV(AV_SUSPICIOUS) &&
	    slot != POLICY_ST_AV(AV_ENCRYPTED) &&
	    slot != POLICY_ST_AV(AV_FILTERED))
		return (pb_bad(pb, e, "is not allowed: remove replaces the "
		    "parts the AV check flagged, so it is for infected, "
		    "suspicious, encrypted and filtered"));
	if (v == POLICY_RENAME && slot != POLICY_ST_AV(AV_SUSPICIOUS) &&
	    slot != POLICY_ST_AV(AV_ENCRYPTED) &&
	    slot != POLICY_ST_AV(AV_FILTERED))
		return (pb_bad(pb, e, "is not allowed: rename delivers the "
		    "flagged parts under another file name, so it is for "
		    "filtered, suspicious and encrypted (never infected)"));
	if (v == POLICY_REPLACE && slot < SPAM_STATUS_COUNT)
		return (pb_bad(pb, e, "is not allowed: replace is an AV "
		    "action (infected, suspicious, encrypted, error, "
		    "filtered, limit)"));
	g->st[slot].action = v;
	pb->act_at[slot] = e;
	return (0);
}

/* pb_addrs - an address list, bare local parts qualified */

static int
pb_addrs(struct pbuild *pb, const struct conf_entry *e, char ***out,
    size_t *nout)
{
	struct buf	*why = buf_new(64), *q;
	char		**v;
	size_t		 i, n;

	n = conf_list_split(e->value, &v);
	for (i = 0; i < n; i++) {
		if (strchr(v[i], '@') != NULL || v[i][0] == '\0')
			continue;
		if (pb->default_domain == NULL ||
		    pb->default_domain[0] == '\0') {
			conf_list_free(v);
			buf_free(why);
			return (pb_bad(pb, e, "has a bare local part: set "
			    "[policy] default_domain or write user@domain"));
		}
		q = buf_new(64);
		buf_printf(q, "%s@%s", v[i], pb->default_domain);
		free(v[i]);
		v[i] = buf_finish(q);
	}
	for (i = 0; i < n; i++) {
		buf_reset(why);
		if (policy_check_addrs(v[i], why) < 0) {
			conf_error(pb->err, e, "[%s] %s: %s", e->section,
			    e->name, buf_str(why));
			conf_list_free(v);
			buf_free(why);
			return (-1);
		}
	}
	buf_free(why);
	*out = v;
	*nout = n;
	return (0);
}

/* pk_to - STATUS.to */

static int
pk_to(struct pbuild *pb, struct policy_group *g, int slot,
    const struct conf_entry *e)
{
	char	**v;
	size_t	 n;

	if (pb_addrs(pb, e, &v, &n) < 0)
		return (-1);
	conf_list_free(g->st[slot].to);
	g->st[slot].to = v;
	g->st[slot].nto = n;
	pb->to_at[slot] = e;
	return (0);
}

/* pb_printable - only printable characters (and 8-bit text) */

static int
pb_printable(const char *s)
{
	for (; *s != '\0'; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return (0);
	return (1);
}

/* pk_tag - STATUS.subject_tag */

static int
pk_tag(struct pbuild *pb, struct policy_group *g, int slot,
    const struct conf_entry *e)
{
	if (!pb_printable(e->value) || strlen(e->value) > POLICY_TAG_MAX)
		return (pb_bad(pb, e, "is not a subject tag (printable, at "
		    "most 100 bytes)"));
	free(g->st[slot].subject_tag);
	g->st[slot].subject_tag = e->value[0] ? xstrdup(e->value) : NULL;
	return (0);
}

/* pk_header - STATUS.header = "Name: value" */

static int
pk_header(struct pbuild *pb, struct policy_group *g, int slot,
    const struct conf_entry *e)
{
	static const char *const ours[] = {
		"X-Winnow-Status", "X-Winnow-Group", "X-Winnow-Score",
		"X-Winnow-Checks", "X-Winnow-Virus", "X-Winnow-Info",
		"X-Winnow-Version",
		"Received", "Subject", NULL
	};
	struct policy_status *st = &g->st[slot];
	const char	*v = e->value, *colon;
	size_t		 nl, i;

	free(st->header_name);
	free(st->header_value);
	st->header_name = st->header_value = NULL;
	if (*v == '\0')
		return (0);
	colon = strchr(v, ':');
	nl = colon ? (size_t)(colon - v) : 0;
	for (i = 0; i < nl; i++)
		if ((unsigned char)v[i] <= 0x20 || (unsigned char)v[i] >= 0x7f)
			break;
	if (nl == 0 || i < nl || nl > 64 || !pb_printable(colon + 1) ||
	    strlen(colon + 1) > 900)
		return (pb_bad(pb, e, "is not a header field (Name: value)"));
	for (i = 0; ours[i] != NULL; i++)
		if (strlen(ours[i]) == nl && strncasecmp(v, ours[i], nl) == 0)
			return (pb_bad(pb, e, "names a header winnow writes "
			    "itself"));
	st->header_name = xstrndup(v, nl);
	v = colon + 1;
	v += strspn(v, " \t");
	st->header_value = xstrdup(v);
	return (0);
}

/* pb_reject_bad - a bad reject text, from the file or the line */

static int
pb_reject_bad(struct pbuild *pb, const struct conf_entry *e, char *text,
    const char *what)
{
	if (text == NULL)
		return (pb_bad(pb, e, what));
	conf_error(pb->err, e, "[%s] %s: the text in %s %s", e->section,
	    e->name, e->value + 5, what);
	free(text);
	return (-1);
}

/* pb_reject_file - a reject text kept in a file the admin edits: its
 * first line that is neither empty nor a '#' comment */

static char *
pb_reject_file(struct pbuild *pb, const struct conf_entry *e,
    const char *path)
{
	struct listfile		 lf;
	enum listfile_fail	 fail;
	char			*text = NULL, *p;
	const char		*bad = NULL;
	int			 got;

	switch (listfile_open(&lf, path, (off_t)pb->max_file_size)) {
	case LISTFILE_OK:
		break;
	case LISTFILE_RELATIVE:
		bad = "not an absolute path";
		break;
	case LISTFILE_OPEN:
		bad = strerror(errno);
		break;
	default:
		bad = "not a regular file of at most max_file_size";
		break;
	}
	if (bad != NULL) {
		conf_error(pb->err, e, "[%s] %s: %s: %s", e->section, e->name,
		    path, bad);
		return (NULL);
	}
	while (text == NULL && (got = listfile_next(&lf, &fail)) > 0) {
		lf.line[strcspn(lf.line, "\r\n")] = '\0';
		for (p = lf.line; *p == ' ' || *p == '\t'; p++)
			;
		if (*p != '\0' && *p != '#')
			text = xstrdup(p);
	}
	listfile_close(&lf);
	if (text == NULL)
		conf_error(pb->err, e, "[%s] %s: %s has no text line",
		    e->section, e->name, path);
	return (text);
}

/* pk_reject - STATUS.reject_text: a one-line template, or file:PATH */

static int
pk_reject(struct pbuild *pb, struct policy_group *g, int slot,
    const struct conf_entry *e)
{
	struct template	*t;
	struct buf	*why, *name;
	const char	*v = e->value;
	char		*text = NULL;

	if (strncasecmp(v, "file:", 5) == 0) {
		if ((text = pb_reject_file(pb, e, v + 5)) == NULL)
			return (-1);
		v = text;
	}
	if (isdigit((unsigned char)v[0]) && v[1] == '.' &&
	    isdigit((unsigned char)v[2]) && v[0] != '5')
		return (pb_reject_bad(pb, e, text, "must have an enhanced code "
		    "5.X.Y (or none: 5.7.1 is added)"));
	if (isdigit((unsigned char)v[0]) && isdigit((unsigned char)v[1]) &&
	    isdigit((unsigned char)v[2]))
		return (pb_reject_bad(pb, e, text, "must not start with a reply "
		    "code (554 is added)"));
	why = buf_new(64);
	name = buf_new(64);
	buf_printf(name, "%s", e->name);
	if ((t = template_parse(v, strlen(v), buf_str(name), 1, why)) ==
	    NULL) {
		conf_error(pb->err, e, "[%s] %s: %s", e->section, e->name,
		    buf_str(why));
		buf_free(why);
		buf_free(name);
		free(text);
		return (-1);
	}
	buf_free(why);
	buf_free(name);
	free(text);
	pb_own(pb->pol, t, pb_template_free);
	g->st[slot].reject_text = t;
	return (0);
}

/* pk_dsn - STATUS.dsn */

static int
pk_dsn(struct pbuild *pb, struct policy_group *g, int slot,
    const struct conf_entry *e)
{
	int	 v;

	if (pb_bool(pb, e, &v) < 0)
		return (-1);
	g->st[slot].dsn = v;
	return (0);
}

/* pk_backup - STATUS.backup */

static int
pk_backup(struct pbuild *pb, struct policy_group *g, int slot,
    const struct conf_entry *e)
{
	int	 v;

	if (pb_bool(pb, e, &v) < 0)
		return (-1);
	g->st[slot].backup = v;
	return (0);
}

static policy_av_check_fn *policy_av_checker;

/* policy_set_av_checker - who checks a group's AV options */

void
policy_set_av_checker(policy_av_check_fn *fn)
{
	policy_av_checker = fn;
}

/* group_avkeys_free - a group's AV options */

static void
group_avkeys_free(struct policy_group *g)
{
	size_t	 i;

	for (i = 0; i < g->navkeys; i++) {
		free(g->avkeys[i].name);
		free(g->avkeys[i].value);
	}
	free(g->avkeys);
	g->avkeys = NULL;
	g->navkeys = 0;
}

/* pk_avkey - one of the group's AV options (av_mode is [av] mode) */

static int
pk_avkey(struct pbuild *pb, struct policy_group *g, int slot,
    const struct conf_entry *e)
{
	const char	*name = strcasecmp(e->name, "av_mode") == 0 ? "mode" :
			    e->name;
	struct buf	*why;
	size_t		 i;

	(void)slot;
	if (policy_av_checker != NULL) {
		why = buf_new(64);
		if (policy_av_checker(name, e->value, why) != 0) {
			conf_error(pb->err, e, "[%s] %s: %s", e->section,
			    e->name, buf_str(why));
			buf_free(why);
			return (-1);
		}
		buf_free(why);
	}
	for (i = 0; i < g->navkeys; i++)
		if (strcmp(g->avkeys[i].name, name) == 0)
			break;
	if (i == g->navkeys) {
		g->avkeys = xreallocarray(g->avkeys, g->navkeys + 1,
		    sizeof(*g->avkeys));
		g->avkeys[g->navkeys].name = xstrdup(name);
		g->avkeys[g->navkeys++].value = NULL;
	}
	free(g->avkeys[i].value);
	g->avkeys[i].value = xstrdup(e->value);
	return (0);
}

/* pk_replace_tmpl - template_replace, for every status or one */

static int
pk_replace_tmpl(struct pbuild *pb, struct policy_group *g, int slot,
    const struct conf_entry *e)
{
	const struct template *t;
	int		 bad, i;

	t = pb_template(pb, e, &bad);
	if (bad)
		return (-1);
	if (slot >= 0) {
		g->st[slot].tmpl_replace = t;
		return (0);
	}
	for (i = 0; i < POLICY_NSTATUS; i++)
		g->st[i].tmpl_replace = t;
	return (0);
}

/* pk_notify - STATUS.notify */

static int
pk_notify(struct pbuild *pb, struct policy_group *g, int slot,
    const struct conf_entry *e)
{
	char		**v;
	size_t		 i, n;
	unsigned int	 bits = 0;
	int		 w, rc = 0;

	n = conf_list_split(e->value, &v);
	for (i = 0; i < n && rc == 0; i++) {
		if (strcasecmp(v[i], "none") == 0)
			continue;
		for (w = 0; w < POLICY_NOTIFY_NWHO; w++)
			if (strcasecmp(v[i], policy_who_names[w]) == 0)
				break;
		if (w == POLICY_NOTIFY_NWHO)
			rc = pb_bad(pb, e, "is not a list of sender, "
			    "recipients, admin or none");
		else
			bits |= 1U << w;
	}
	conf_list_free(v);
	if (rc == 0 && (bits & (1U << POLICY_NOTIFY_ADMIN)) &&
	    !pb->have_admin)
		rc = pb_bad(pb, e, "asks for admin: set [policy] notify_admin");
	if (rc == 0)
		g->st[slot].notify = bits;
	return (rc);
}

/* pb_status_default - the default text of a per-status key */

static const char *
pb_status_default(const struct pkey *k, int slot)
{
	if (k->def != NULL)
		return (k->def);
	if (k->set == pk_action)
		return (policy_st_def[slot].action);
	return (policy_st_def[slot].dsn);
}

/* group_free_fields - free what a group owns (not lists or templates) */

static void
group_free_fields(struct policy_group *g)
{
	int	 i;

	free(g->name);
	free(g->virus_name_action);
	free(g->obscene_tag);
	group_rules_free(g, 1, 1);
	group_avkeys_free(g);
	group_vna_free(g);
	for (i = 0; i < POLICY_NSTATUS; i++) {
		conf_list_free(g->st[i].to);
		free(g->st[i].subject_tag);
		free(g->st[i].header_name);
		free(g->st[i].header_value);
	}
}

/* group_dup - a deep copy of a group's settings under a new name */

static struct policy_group *
group_dup(const struct policy_group *src, const char *name)
{
	struct policy_group *g = xmalloc(sizeof(*g));
	size_t		 k;
	int		 i;

	*g = *src;
	g->name = xstrdup(name);
	g->virus_name_action = xstrdup(src->virus_name_action);
	g->vna = NULL;
	g->nvna = 0;
	group_vna_compile(g);
	g->obscene_tag = xstrdup(src->obscene_tag);
	g->rules_off = NULL;
	g->weights = NULL;
	g->avkeys = NULL;
	g->navkeys = 0;
	if (src->navkeys > 0) {
		g->avkeys = xcalloc(src->navkeys, sizeof(*g->avkeys));
		for (k = 0; k < src->navkeys; k++) {
			g->avkeys[k].name = xstrdup(src->avkeys[k].name);
			g->avkeys[k].value = xstrdup(src->avkeys[k].value);
		}
		g->navkeys = src->navkeys;
	}
	if (src->rules_off != NULL) {
		for (k = 0; src->rules_off[k] != NULL; k++)
			;
		g->rules_off = xcalloc(k + 1, sizeof(*g->rules_off));
		for (k = 0; src->rules_off[k] != NULL; k++)
			g->rules_off[k] = xstrdup(src->rules_off[k]);
	}
	if (src->nweights > 0) {
		g->weights = xcalloc(src->nweights, sizeof(*g->weights));
		for (k = 0; k < src->nweights; k++) {
			g->weights[k].name = xstrdup(src->weights[k].name);
			g->weights[k].weight = src->weights[k].weight;
		}
	}
	for (i = 0; i < POLICY_NSTATUS; i++) {
		struct policy_status *st = &g->st[i];

		st->subject_tag = xstrdup(st->subject_tag);
		st->header_name = xstrdup(st->header_name);
		st->header_value = xstrdup(st->header_value);
		if (st->to != NULL) {
			st->to = xcalloc(st->nto + 1, sizeof(*st->to));
			for (k = 0; k < st->nto; k++)
				st->to[k] = xstrdup(src->st[i].to[k]);
		}
	}
	return (g);
}

/* pb_find_key - a group-wide or per-status key; *slot_r for the latter */

static const struct pkey *
pb_find_key(const char *name, int *slot_r)
{
	const char	*dot = strchr(name, '.');
	size_t		 i;

	*slot_r = -1;
	if (dot == NULL) {
		for (i = 0; policy_group_keys[i].name != NULL; i++)
			if (strcasecmp(policy_group_keys[i].name, name) == 0)
				return (&policy_group_keys[i]);
		return (NULL);
	}
	if ((*slot_r = policy_slot_find(name, (size_t)(dot - name))) < 0)
		return (NULL);
	for (i = 0; policy_status_keys[i].name != NULL; i++)
		if (strcasecmp(policy_status_keys[i].name, dot + 1) == 0)
			return (&policy_status_keys[i]);
	return (NULL);
}

/* [policy] keys declared below policy/: smtp/smtp_conf.c owns
 * filter_size_limit, which winnow-pipe reads too. */
static const char *const policy_foreign_keys[] = { "filter_size_limit", NULL };

/* pb_global - is this a message-wide [policy] parameter? */

static int
pb_global(const char *name)
{
	size_t	 i;

	for (i = 0; policy_global_params[i].name != NULL; i++)
		if (strcasecmp(policy_global_params[i].name, name) == 0)
			return (1);
	for (i = 0; policy_foreign_keys[i] != NULL; i++)
		if (strcasecmp(policy_foreign_keys[i], name) == 0)
			return (1);
	return (0);
}

/* pb_apply - apply a section's entries to a group: group-wide keys, then
 * per-status keys */

static void
pb_apply(struct pbuild *pb, struct policy_group *g,
    const struct conf_entry *ents, size_t n)
{
	const struct pkey *k;
	size_t		 i;
	int		 pass, slot;

	memset(pb->act_at, 0, sizeof(pb->act_at));
	memset(pb->to_at, 0, sizeof(pb->to_at));
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < n; i++) {
			const struct conf_entry *e = &ents[i];

			k = pb_find_key(e->name, &slot);
			if (pass == 0 && k == NULL) {
				if (!pb_global(e->name))
					conf_error(pb->err, e, "unknown "
					    "parameter \"%s\" in [%s] (see "
					    "winnowd -d)", e->name,
					    e->section);
				else if (!pb->in_policy)
					conf_error(pb->err, e, "%s is a "
					    "[policy] parameter, not one of a "
					    "group", e->name);
				continue;
			}
			if (k == NULL || (pass == 0) != (slot < 0))
				continue;
			if (k->where == PK_OWN && pb->in_policy) {
				conf_error(pb->err, e, "%s belongs in a [group "
				    "NAME] section ([av] has the one for every "
				    "group)", e->name);
				continue;
			}
			if (k->where == PK_GROUP && pb->in_policy) {
				conf_error(pb->err, e, "%s belongs in a "
				    "[group NAME] section", e->name);
				continue;
			}
			if (k->where == PK_GROUP && g->all) {
				conf_error(pb->err, e, "the All group matches "
				    "every recipient: it has no %s", e->name);
				continue;
			}
			(void)k->set(pb, g, slot, e);
		}
	}
}

/* pb_check_group - what can only be checked once a group is complete */

static void
pb_check_group(struct pbuild *pb, struct policy_group *g)
{
	const struct conf_entry *at;
	int		 i;

	for (i = 0; i < POLICY_NSTATUS; i++) {
		struct policy_status *st = &g->st[i];

		/* Report where it was set, not again in every heir. */
		if ((at = pb->act_at[i] ? pb->act_at[i] : pb->to_at[i]) ==
		    NULL)
			continue;
		if ((st->action == POLICY_COPY ||
		    st->action == POLICY_REDIRECT) && st->nto == 0)
			conf_error(pb->err, at, "group %s: %s.action = %s "
			    "needs %s.to (the addresses)", g->name,
			    policy_status_name(i),
			    policy_action_name(st->action),
			    policy_status_name(i));
	}
}

/* pb_defaults - the built-in defaults of every group */

static void
pb_defaults(struct pbuild *pb, struct policy_group *g)
{
	struct conf_entry e;
	const struct pkey *k;
	int		 slot;

	memset(g, 0, sizeof(*g));
	memset(&e, 0, sizeof(e));
	e.section = "policy";
	e.file = "(built-in defaults)";
	for (k = policy_group_keys; k->name != NULL; k++) {
		if (k->where != PK_ANY)
			continue;
		e.name = k->name;
		e.value = k->def;
		if (k->set(pb, g, -1, &e) < 0)
			log_panic("policy: bad default %s = %s", k->name,
			    k->def);
	}
	for (slot = 0; slot < POLICY_NSTATUS; slot++) {
		for (k = policy_status_keys; k->name != NULL; k++) {
			char	 name[64];

			(void)snprintf(name, sizeof(name), "%s.%s",
			    policy_status_name(slot), k->name);
			e.name = name;
			e.value = pb_status_default(k, slot);
			if (k->set(pb, g, slot, &e) < 0)
				log_panic("policy: bad default %s = %s", name,
				    e.value);
		}
	}
}

/* pb_saved_value - the text of a [policy] entry being loaded, or NULL */

static const char *
pb_saved_value(const char *name)
{
	size_t	 i;

	for (i = 0; i < policy_nsaved; i++)
		if (strcasecmp(policy_saved[i].name, name) == 0)
			return (policy_saved[i].value);
	return (NULL);
}

/* pb_saved_entry - a [policy] entry being loaded, or NULL */

static const struct conf_entry *
pb_saved_entry(const char *name)
{
	size_t	 i;

	for (i = 0; i < policy_nsaved; i++)
		if (strcasecmp(policy_saved[i].name, name) == 0)
			return (&policy_saved[i]);
	return (NULL);
}

/* pb_protect - the protected_domains set: a file that cannot be read fails
 * the load, an item that can never match is a warning */

static void
pb_protect(struct pbuild *pb)
{
	const struct conf_entry *e = pb_saved_entry("protected_domains");
	struct buf	*warn, *why;
	const char	*p, *nl;

	if (e == NULL)
		return;			/* the default: every domain */
	warn = buf_new(128);
	why = buf_new(128);
	pb->pol->protect = protect_parse(e->value, pb->max_file_size, warn,
	    why);
	if (pb->pol->protect == NULL)
		conf_error(pb->err, e, "[policy] %s", buf_str(why));
	for (p = buf_str(warn); *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		log_warn("%s:%d: %.*s", e->file, e->line, (int)(nl - p), p);
	}
	buf_free(warn);
	buf_free(why);
}

/* pb_reporters - report_senders and report_clients, compiled */

static void
pb_reporters(struct pbuild *pb)
{
	const struct conf_entry *e;
	const struct mask_list *ml;

	if ((e = pb_saved_entry("report_senders")) != NULL &&
	    (ml = pb_masks(pb, e, 0)) != NULL && mask_list_count(ml) > 0)
		pb->pol->reporters = ml;
	if ((e = pb_saved_entry("report_clients")) != NULL &&
	    (ml = pb_masks(pb, e, MASK_ALLOW_IP)) != NULL &&
	    mask_list_count(ml) > 0)
		pb->pol->report_clients = ml;
	if (pb->pol->reporters == NULL && ((e = pb_saved_entry("report_spam"))
	    != NULL || (e = pb_saved_entry("report_ham")) != NULL) &&
	    e->value[0] != '\0')
		log_warn("%s:%d: %s is set but report_senders is empty: every "
		    "report will be refused", e->file, e->line, e->name);
}

/* pb_dsn_template - template_dsn, read with the build */

static void
pb_dsn_template(struct pbuild *pb)
{
	const struct conf_entry *e = pb_saved_entry("template_dsn");
	int		 bad;

	if (e != NULL)
		pb->pol->dsn_tmpl = pb_template(pb, e, &bad);
}

/* pb_group_name_ok - [group NAME]: letters, digits, '.', '_', '-' */

static int
pb_group_name_ok(const char *name)
{
	const char	*p;

	if (*name == '\0' || strlen(name) > POLICY_NAME_MAX)
		return (0);
	for (p = name; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '_' &&
		    *p != '-')
			return (0);
	return (1);
}

/* pb_group_section - build one [group NAME] from the defaults */

static struct policy_group *
pb_group_section(struct pbuild *pb, const struct policy_group *defaults,
    const char *name, const struct conf_entry *ents, size_t n)
{
	struct policy_group *g;
	size_t		 i;

	g = group_dup(defaults, name);
	g->all = strcasecmp(name, "All") == 0;
	if (g->all) {
		free(g->name);
		g->name = xstrdup("All");
	}
	pb_apply(pb, g, ents, n);
	if (!g->all && g->recipients == NULL && n > 0) {
		for (i = 0; i < n; i++)
			if (strcasecmp(ents[i].name, "recipients") == 0)
				break;
		if (i == n)
			conf_error(pb->err, &ents[0], "[group %s] has no "
			    "recipients", name);
	}
	pb_check_group(pb, g);
	return (g);
}

/* pb_add_group - append a group to the policy */

static void
pb_add_group(struct policy *pol, struct policy_group *g)
{
	pol->groups = xreallocarray(pol->groups, pol->ngroups + 1,
	    sizeof(*pol->groups));
	pol->groups[pol->ngroups++] = g;
}

/* policy_build - a whole policy from the [policy] and [group] entries */

static struct policy *
policy_build(const struct conf_entry *gents, size_t ngents,
    struct conf_errors *err)
{
	struct pbuild	 pb;
	struct policy_group defaults, *g, *all = NULL;
	const struct conf_entry *sect;
	const char	*v;
	struct buf	*why = buf_new(64);
	size_t		 i, j, k, n;
	char		*done;

	memset(&pb, 0, sizeof(pb));
	pb.pol = xcalloc(1, sizeof(*pb.pol));
	pb.err = err;
	pb.default_domain = pb_saved_value("default_domain");
	pb.max_file_size = 16 * 1024 * 1024;
	if ((v = pb_saved_value("max_file_size")) != NULL)
		(void)conf_parse_size(v, 1024, 0, &pb.max_file_size, why);
	v = pb_saved_value("notify_admin");
	pb.have_admin = v != NULL && v[0] != '\0';
	pb_protect(&pb);
	pb_reporters(&pb);
	pb_dsn_template(&pb);

	/* [policy]: the defaults every group starts from. */
	pb_defaults(&pb, &defaults);
	defaults.name = xstrdup("policy");
	pb.in_policy = 1;
	pb_apply(&pb, &defaults, policy_saved, policy_nsaved);
	pb.in_policy = 0;
	pb_check_group(&pb, &defaults);

	/* The groups, in the order of their first section. */
	done = xcalloc(ngents + 1, 1);
	for (i = 0; i < ngents; i++) {
		const struct conf_entry **mine;

		if (done[i])
			continue;
		sect = &gents[i];
		mine = xcalloc(ngents, sizeof(*mine));
		for (j = i, n = 0; j < ngents; j++)
			if (strcmp(gents[j].section, sect->section) == 0) {
				done[j] = 1;
				mine[n++] = &gents[j];
			}
		{
			struct conf_entry *copy = xcalloc(n, sizeof(*copy));
			const char	*name = sect->section + 5;

			for (k = 0; k < n; k++)
				copy[k] = *mine[k];
			name += strspn(name, " \t");
			if (!pb_group_name_ok(name)) {
				conf_error(err, sect, "[%s]: a group name is "
				    "letters, digits, '.', '_' and '-'",
				    sect->section);
			} else {
				g = pb_group_section(&pb, &defaults, name,
				    copy, n);
				if (g->all) {
					if (all != NULL) {
						group_free_fields(all);
						free(all);
					}
					all = g;
				} else {
					pb_add_group(pb.pol, g);
				}
			}
			free(copy);
		}
		free(mine);
	}
	free(done);
	if (all == NULL)
		all = pb_group_section(&pb, &defaults, "All", NULL, 0);
	pb_add_group(pb.pol, all);

	group_free_fields(&defaults);
	for (i = 0; i < pb.ntc; i++)
		free(pb.tc[i].path);
	free(pb.tc);
	buf_free(why);
	return (pb.pol);
}

/* policy_free - free a policy and everything it owns */

void
policy_free(struct policy *pol)
{
	struct policy_obj *o, *next;
	size_t		 i;

	if (pol == NULL)
		return;
	for (i = 0; i < pol->ngroups; i++) {
		group_free_fields(pol->groups[i]);
		free(pol->groups[i]);
	}
	free(pol->groups);
	protect_free(pol->protect);
	for (o = pol->objs; o != NULL; o = next) {
		next = o->next;
		o->free_fn(o->p);
		free(o);
	}
	free(pol);
}

/* policy_section_handler - [policy]: keep the entries for the build */

static void
policy_section_handler(const struct conf_entry *ents, size_t n, int apply,
    struct conf_errors *err)
{
	(void)err;
	if (apply)
		return;
	free(policy_saved);
	policy_saved = xcalloc(n + 1, sizeof(*policy_saved));
	memcpy(policy_saved, ents, n * sizeof(*ents));
	policy_nsaved = n;
}

/* policy_group_handler - [group NAME]: build (validate) or install */

static void
policy_group_handler(const struct conf_entry *ents, size_t n, int apply,
    struct conf_errors *err)
{
	if (!apply) {
		policy_free(policy_staged);
		policy_staged = policy_build(ents, n, err);
		free(policy_saved);
		policy_saved = NULL;
		policy_nsaved = 0;
		return;
	}
	if (policy_staged == NULL) {
		/* At registration: the built-in defaults. */
		policy_staged = policy_build(NULL, 0, err);
	}
	policy_free(policy_live);
	policy_live = policy_staged;
	policy_staged = NULL;
	policy_current = policy_live;
}

/* The [policy] table: message-wide parameters, then the handler's keys
 * (as strings, for winnowd -d), built at registration. */
static struct conf_param *policy_params;
static char		**policy_doc_text;

static const struct conf_section policy_section = {
	"policy", 0, NULL, policy_section_handler,
	"defaults that every recipient group inherits, and message-wide "
	"policy settings"
};

static const struct conf_section policy_group_section = {
	"group ", 1, NULL, policy_group_handler,
	"[group NAME]: recipients (masks), optional senders, the group's own "
	"attachment filter and AV options ([av] filter_*, remove_notice, "
	"rename_suffix; av_mode for [av] mode), and any [policy] group or "
	"STATUS.key setting to override"
};

/* policy_params_build - the [policy] parameter table */

static void
policy_params_build(void)
{
	const struct pkey *k;
	size_t		 n = 0, max;
	int		 slot;

	max = sizeof(policy_global_params) / sizeof(policy_global_params[0]) +
	    sizeof(policy_group_keys) / sizeof(policy_group_keys[0]) +
	    POLICY_NSTATUS * (sizeof(policy_status_keys) /
	    sizeof(policy_status_keys[0]));
	policy_params = xcalloc(max + 1, sizeof(*policy_params));
	policy_doc_text = xcalloc(max + 1, sizeof(*policy_doc_text));
	for (; policy_global_params[n].name != NULL; n++)
		policy_params[n] = policy_global_params[n];
	for (k = policy_group_keys; k->name != NULL; k++) {
		if (k->where == PK_GROUP || k->where == PK_OWN)
			continue;
		policy_params[n].name = k->name;
		policy_params[n].type = CONF_STR;
		policy_params[n].def = k->def;
		policy_params[n].target = &policy_doc_text[n];
		policy_params[n].help = k->help;
		n++;
	}
	for (slot = 0; slot < POLICY_NSTATUS; slot++) {
		for (k = policy_status_keys; k->name != NULL; k++) {
			struct buf *name = buf_new(32);

			buf_printf(name, "%s.%s", policy_status_name(slot),
			    k->name);
			policy_params[n].name = buf_finish(name);
			policy_params[n].type = CONF_STR;
			policy_params[n].def = pb_status_default(k, slot);
			policy_params[n].target = &policy_doc_text[n];
			policy_params[n].help = k->help;
			n++;
		}
	}
}

/* policy_conf_register - register [policy] and [group NAME] */

void
policy_conf_register(void)
{
	static struct conf_section sec;

	if (policy_params == NULL)
		policy_params_build();
	sec = policy_section;
	sec.params = policy_params;
	conf_register(&sec);
	conf_register(&policy_group_section);
}

/* policy_protected - is the recipient in a protected domain? */

int
policy_protected(const char *rcpt)
{
	const struct protect *p = policy_current ? policy_current->protect :
	    NULL;

	if (protect_all(p))
		return (1);
	return (protect_match(p, addr_domain(rcpt)));
}

/* policy_protected_describe - the protected set, for the log */

void
policy_protected_describe(struct buf *out)
{
	protect_describe(policy_current ? policy_current->protect : NULL,
	    out);
}

/* policy_report_kind - is rcpt a report address, and of which kind? */

int
policy_report_kind(const char *rcpt)
{
	const char *const lists[2] = { policy_conf.report_ham,
	    policy_conf.report_spam };
	char		**v;
	size_t		 i, n;
	int		 k, hit = -1;

	for (k = 0; k < 2 && hit < 0; k++) {
		if (lists[k] == NULL || lists[k][0] == '\0')
			continue;
		n = conf_list_split(lists[k], &v);
		for (i = 0; i < n && hit < 0; i++)
			if (strcasecmp(v[i], rcpt) == 0)
				hit = k;
		conf_list_free(v);
	}
	return (hit);
}

/* policy_reporter_ok - may this sender (from this client) report? */

int
policy_reporter_ok(const char *sender, const char *client_ip)
{
	const struct policy *pol = policy_current;

	if (pol == NULL || pol->reporters == NULL || sender == NULL ||
	    sender[0] == '\0' || !mask_list_match(pol->reporters, sender,
	    NULL))
		return (0);
	return (pol->report_clients == NULL ||
	    (client_ip != NULL && mask_list_match(pol->report_clients, "",
	    client_ip)));
}
