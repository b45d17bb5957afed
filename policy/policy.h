/*
 * policy.h - recipient groups, lists, statuses and actions
 *
 * What the admin configures and what happens to each message, per
 * recipient.  [policy] holds the defaults; every [group NAME] overrides any
 * of them and inherits the rest.  Groups are ordered as in the file; a
 * recipient belongs to the first group whose recipients (and, if given,
 * senders) match; the built-in group "All" matches everyone and comes last
 * ([group All] may change its settings, not its place).
 *
 * For each recipient the group decides two statuses from the findings: a
 * spam status (spam, probable-spam, formal, trusted, blacklisted,
 * not-detected) and, when the AV check ran, an AV status (clean, infected,
 * suspicious, encrypted, error, filtered).  Each status has its own action
 * (accept, copy, redirect, reject, drop, quarantine) and modifications
 * (subject tag, a custom header), and may ask for notifications.  The two
 * actions combine (policy_decide): the recipient gets the message only if
 * both allow it; quarantine and reject happen if either asks; copy and
 * redirect addresses add up.
 *
 * Life cycle: policy_conf_register() before conf_load(); the [policy] and
 * [group] handlers build a complete new policy while the file is validated
 * (reading list files and templates, so a bad one makes the whole load fail
 * with FILE:LINE) and install it when the load is applied; policy_current
 * is then read-only (children inherit it across fork).
 *
 * Configuration globals are set by the master and read-only in children.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_POLICY_H
#define WINNOW_POLICY_H

#include <stddef.h>

#include "buf.h"
#include "findings.h"

struct edit;
struct mask_list;
struct protect;
struct template;
struct verdict_weight;

/* [policy] parameters that are not per group. */
struct policy_conf {
	char		*protected_domains;	/* "" means every domain */
	char		*default_domain;
	int		 split_by_result;
	char		*quarantine_dir;
	char		*archive_dir;		/* "" off */
	char		*archive_to;		/* "" off */
	int		 archive;		/* enum policy_archive */
	char		*notify_admin;
	char		*notify_from;		/* "" postmaster@myhostname */
	size_t		 max_file_size;
	char		*backup_dir;		/* STATUS.backup copies */
	char		*quarantine_keep;	/* ages ("30d", "0": forever) */
	char		*backup_keep;
	char		*archive_keep;
	char		*report_spam;		/* report addresses, "" none */
	char		*report_ham;
	char		*template_dsn;		/* "" built-in */
	int		 compat_headers;	/* enum policy_compat */
	int		 version_header;	/* X-Winnow-Version */
};

enum policy_compat {
	POLICY_COMPAT_NONE = 0,
	POLICY_COMPAT_KAS,	/* also X-Spamtest-Status-Extended and
				 * X-SpamTest-Info, as the old product */
};

extern struct policy_conf policy_conf;

/* Kept for the code that predates struct policy_conf. */
#define policy_protected_domains	policy_conf.protected_domains

enum policy_archive {
	POLICY_ARCHIVE_INCOMING,	/* each message as it came in */
	POLICY_ARCHIVE_OUTGOING,	/* each distinct message sent on */
	POLICY_ARCHIVE_BOTH,
};

/* Actions, weakest first: the stronger names a combined decision. */
enum policy_action {
	POLICY_ACCEPT = 0,
	POLICY_COPY,
	POLICY_RENAME,		/* AV: deliver with the flagged parts' file
				 * names given [av] rename_suffix (.vir) */
	POLICY_REMOVE,		/* AV: deliver with the flagged parts replaced */
	POLICY_REPLACE,		/* AV: deliver a notice from a template in
				 * place of the whole message */
	POLICY_REDIRECT,
	POLICY_DROP,
	POLICY_QUARANTINE,
	POLICY_REJECT,
	POLICY_TEMPFAIL,	/* 4xx: the sender tries again later */
	POLICY_NACTIONS
};

/* Detection levels of the spam verdict. */
enum policy_level {
	POLICY_LEVEL_MINIMUM = 0,
	POLICY_LEVEL_STANDARD,
	POLICY_LEVEL_HIGH,
	POLICY_LEVEL_MAXIMUM,
};

/* Status slots: the six spam statuses (enum spam_status values), then the
 * six AV statuses clean..filtered. */
#define POLICY_ST_SPAM(s)	((int)(s))
#define POLICY_ST_AV(a)		(SPAM_STATUS_COUNT + (int)(a) - 1)
#define POLICY_NSTATUS		(SPAM_STATUS_COUNT + AV_STATUS_COUNT - 1)

/* Who is notified. */
#define POLICY_NOTIFY_SENDER		0
#define POLICY_NOTIFY_RECIPIENTS	1
#define POLICY_NOTIFY_ADMIN		2
#define POLICY_NOTIFY_NWHO		3

/* What one status does in one group. */
struct policy_status {
	int		 action;	/* enum policy_action */
	char		**to;		/* copy/redirect addresses */
	size_t		 nto;
	char		*subject_tag;	/* NULL: none */
	char		*header_name;	/* custom header, NULL: none */
	char		*header_value;
	const struct template *reject_text;	/* "5.7.1 ..." for the 554
					 * reply (a one-line template) */
	int		 dsn;		/* a refusal may cause a DSN */
	int		 backup;	/* keep a copy in backup_dir */
	unsigned int	 notify;	/* bits 1 << POLICY_NOTIFY_* */
	const struct template *tmpl[POLICY_NOTIFY_NWHO];	/* NULL:
					 * built-in */
	const struct template *tmpl_replace;	/* action replace; NULL:
					 * built-in (notify_builtin_replace) */
};

/* One [group] AV option (av_opts_set's names: filter_names, ...,
 * remove_notice, rename_suffix, and mode written av_mode). */
struct policy_avkey {
	char		*name;
	char		*value;
};

/* One virus_name_action rule. */
struct policy_vna {
	char		*glob;
	int		 action;	/* enum policy_action */
};

struct policy_group {
	char		*name;
	int		 all;		/* the built-in All group */
	const struct mask_list *recipients;	/* NULL for All */
	const struct mask_list *senders;	/* NULL: any sender */
	int		 detection_level;	/* enum policy_level */
	int		 probable_spam;
	int		 spam_checks;
	int		 dns_checks;
	int		 rdns;		/* each DNS family, within dns_checks */
	int		 spf;
	int		 surbl;
	int		 dnsbl;		/* DNSBL ratings, within dns_checks */
	int		 uds;		/* the UDS check, within spam_checks */
	int		 av_checks;
	int		 lists;		/* white and black lists apply */
	char		**rules_off;	/* rules that weigh nothing here,
					 * NULL-terminated, or NULL */
	struct verdict_weight *weights;	/* rule_weights (verdict.h) */
	size_t		 nweights;
	int		 eastern;	/* enum verdict_eastern */
	unsigned int	 eastern_langs;	/* FINDINGS_LANG_*: suspicious ones */
	char		*obscene_tag;	/* subject tag of obscene mail, or
					 * NULL */
	struct policy_avkey *avkeys;	/* the group's own AV options, by
					 * name; the server makes an option
					 * set of them */
	size_t		 navkeys;
	const struct mask_list *whitelist;	/* the group's own lists */
	const struct mask_list *blacklist;
	char		*virus_name_action;	/* "GLOB:ACTION, ..." or NULL */
	struct policy_vna *vna;		/* the same, compiled when built */
	size_t		 nvna;
	struct policy_status st[POLICY_NSTATUS];
};

struct policy_obj;

struct policy {
	struct policy_group **groups;	/* in order; the last is All */
	size_t		 ngroups;
	const struct mask_list *whitelist;	/* common lists: every group */
	const struct mask_list *blacklist;
	struct protect	*protect;	/* protected_domains (protect.h) */
	const struct mask_list *reporters;	/* report_senders */
	const struct mask_list *report_clients;	/* report_clients */
	const struct template *dsn_tmpl;	/* template_dsn, or NULL:
					 * the built-in text */
	struct policy_obj *objs;	/* what the policy owns (lists,
					 * templates) */
};

/* The policy in force (never NULL after policy_conf_register). */
extern const struct policy *policy_current;

/* What happens for one recipient. */
struct policy_decision {
	const struct policy_group *group;
	enum spam_status spam;
	enum av_status	 av;		/* AV_NOT_SCANNED: no AV action */
	const char	*list;		/* "whitelist"/"blacklist" or NULL */
	const struct policy_status *st[2];	/* spam's, AV's (or NULL) */
	int		 action;	/* the stronger of the two actions */
	int		 deliver;	/* the recipient gets the message */
	int		 reject;	/* refused with 554 and reject_text */
	int		 quarantine;	/* a copy goes to the quarantine */
	int		 dsn;		/* a refusal may cause a DSN */
	int		 backup;	/* a copy goes to backup_dir */
	int		 reject_slot;	/* the status that refused, or -1 */
	int		 remove;	/* the AV-flagged parts are replaced */
	int		 rename;	/* ... their file names get a suffix */
	int		 replace;	/* the message becomes a notice */
	int		 tempfail;	/* answered 4xx */
	int		 tempfail_slot;	/* the status that tempfailed, or -1 */
};

/* Register [policy] and [group NAME]; sets the defaults at once. */
void		 policy_conf_register(void);

/* Whether a recipient address is in a protected domain (protect.h: an
 * exact domain, ".example.com" and "*.example.com" with its subdomains,
 * wildcards, file: lists, "*").  Every recipient is protected when the
 * list is empty or has "*". */
int		 policy_protected(const char *rcpt);

/* The protected set in one line, for the log at start and reload. */
void		 policy_protected_describe(struct buf *out);

/* The group of a recipient: the first whose recipients match rcpt and
 * whose senders (if any) match the sender or the client address. */
const struct policy_group *policy_group_find(const struct policy *,
		    const char *rcpt, const char *sender,
		    const char *client_ip);

/* Decide a recipient's statuses and actions from the findings. */
void		 policy_decide(const struct policy *, const char *rcpt,
		    const struct msg_view *, const struct findings *,
		    struct policy_decision *);

/* Replace the AV part of a decision by another action (when "remove"
 * cannot be done, the remove_fallback), recomputing what the recipient
 * gets. */
void		 policy_decision_av_action(struct policy_decision *, int action);

/* An age of the retention keys ("30d", "12h", "2w", "90m", "45s"; "0"
 * keeps for ever) in seconds; -1 if it is not one. */
long long	 policy_age(const char *);

/* Report addresses: 1 if rcpt is a report_spam address, 0 if report_ham,
 * -1 if neither. */
int		 policy_report_kind(const char *rcpt);

/* Whether a sender (and client address) may report: the sender matches
 * report_senders and, when report_clients is set, the client matches it
 * too.  Nobody may when report_senders is empty. */
int		 policy_reporter_ok(const char *sender, const char *client_ip);

/* Who checks a [group]'s AV options (the server: av_opts_set on a copy
 * of the defaults); without one they are taken as written (winnowctl). */
typedef int	 policy_av_check_fn(const char *name, const char *value,
		    struct buf *why);
void		 policy_set_av_checker(policy_av_check_fn *);

/* Check a virus_name_action value ("GLOB:ACTION, ..."); 0 or -1 with why. */
int		 policy_vna_check(const char *, struct buf *why);

/* Whether any of these groups wants the DNS, UDS, spam or AV checks at all
 * (the checks of a family nobody needs are skipped). */
#define POLICY_NEED_SPAM	0x01
#define POLICY_NEED_DNS		0x02
#define POLICY_NEED_AV		0x04
#define POLICY_NEED_DNSBL	0x08	/* the DNS families, with NEED_DNS */
#define POLICY_NEED_RDNS	0x10
#define POLICY_NEED_SPF		0x20
#define POLICY_NEED_SURBL	0x40
#define POLICY_NEED_DNS_ALL	(POLICY_NEED_DNSBL | POLICY_NEED_RDNS | \
				 POLICY_NEED_SPF | POLICY_NEED_SURBL)
#define POLICY_NEED_UDS		0x80	/* the fuzzy-hash service */
unsigned int	 policy_needs(const struct policy_group *);

/* Add our headers and modifications for the decisions of the recipients
 * that share one message (n is 1 with split_by_result = yes): inbound
 * X-Winnow-* are removed, X-Winnow-Status and X-Winnow-Group always added,
 * X-Winnow-Score, -Checks and -Virus when there is something to say, then
 * the statuses' custom headers and subject tags. */
void		 policy_edit(struct edit *,
		    const struct policy_decision *const *, size_t n,
		    const struct findings *);

/* Inbound copies of our headers removed (X-Winnow-*, and X-Spamtest-*
 * with compat_headers = kas): for a recipient the policy did not decide;
 * policy_edit does it itself. */
void		 policy_edit_strip(struct edit *);

/* X-Winnow-Info: info (and with compat_headers = kas X-SpamTest-Info:
 * "Not protected" or "Not processed" where the old product said so). */
void		 policy_edit_info(struct edit *, const char *info);

/* What X-Winnow-Version says after "winnow VERSION" (the AV engine and
 * database, set by the server when it loads them; NULL: nothing). */
void		 policy_set_version_info(const char *);

/* What X-Winnow-Score and X-Winnow-Checks say for recipients sharing one
 * message (policy_edit writes them; the server's summary line too):
 * *has_score_r when a check that scores ran, then *score_r its points;
 * the checks text appended to checks. */
void		 policy_summary(const struct policy_decision *const *,
		    size_t n, const struct findings *, int *has_score_r,
		    double *score_r, struct buf *checks);

/* Names, for logs, headers and JSON. */
const char	*policy_action_name(int);

/* An action by name ("cure" means remove), or -1. */
int		 policy_action_find(const char *);
const char	*policy_status_name(int slot);

#endif /* WINNOW_POLICY_H */
