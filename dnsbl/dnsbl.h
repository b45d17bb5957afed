/*
 * dnsbl.h - the network checks: DNSBL, reverse DNS, SPF and SURBL
 *
 * All DNS of one message is in flight at once under one deadline.  The
 * server calls dnsbl_start() as soon as the message is spooled (and, when it
 * can, after content/ filled msg_view.text); that returns at once, having
 * handed every query to a per-message DNS worker thread.  The server then
 * runs its local checks (content, AV) while the answers arrive, and calls
 * dnsbl_finish(), which waits at most until the DNS deadline and fills the
 * dnsbl part of struct findings.  dnsbl_check() is both in one call.
 * Nothing here blocks longer than the deadline, whatever the
 * DNS servers do: a silent server yields CHECK_TIMEOUT findings, not delay.
 *
 * Life cycle (see findings.h):
 *	dnsbl_conf_register()	master, before conf_load: [dns], [dnsbl],
 *				[surbl], [spf]
 *	dnsbl_load(why)		master, after each conf_load: zones,
 *				resolvers (/etc/resolv.conf when [dns]
 *				resolver is empty), public suffixes
 *	dnsbl_child_init()	each child after fork: its DNS cache
 *	dnsbl_start / dnsbl_finish (or dnsbl_check) per message
 *
 * Memory: the msg_view passed to dnsbl_start() is copied (so set its text
 * before the call: URLs come from view->text when content/ filled it, else
 * from the text parts of the message index, view->mail or one indexed from
 * data), but what it points to (data, text, mail) must stay valid and
 * unchanged until dnsbl_finish() or dnsbl_abort() returns.  The
 * run belongs to the caller until one of those two, which free it.  At
 * most one run per child is expected at a time; do not fork() (other than
 * fork+exec) between dnsbl_start() and dnsbl_finish(): the worker thread
 * holds locks a forked copy would never see released.
 *
 * Errors: dnsbl_start() never fails; dnsbl_finish() returns WN_OK when the
 * checks ran (timeouts, DNS failures and limits are findings, logged, with
 * CHECK_TIMEOUT / CHECK_ERROR / CHECK_LIMIT states), and WN_TEMP only when
 * this process could not run them at all (no socket, no thread), with the
 * reason in why.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_DNSBL_H
#define WINNOW_DNSBL_H

#include "buf.h"
#include "findings.h"

/* Check families; policy's per-group switches choose among them
 * (dns_checks: DNSBL_F_DNSBL, rdns: DNSBL_F_RDNS, spf: DNSBL_F_SPF,
 * surbl: DNSBL_F_SURBL).  Run the union over the recipients' groups and
 * let each group read only the families it wants.  Families the
 * configuration disables ([dns] rdns = no, [spf] enable = no, empty
 * [dnsbl] or [surbl]) never run. */
#define DNSBL_F_DNSBL	0x01	/* client, Received: IPs in [dnsbl] */
#define DNSBL_F_RDNS	0x02	/* client PTR, forward-confirmed */
#define DNSBL_F_SPF	0x04	/* MAIL FROM (HELO if <>) SPF */
#define DNSBL_F_SURBL	0x08	/* domains of URLs in [surbl] */
#define DNSBL_F_ALL	0x0f

struct dnsbl_opts {
	unsigned int	 families;	/* DNSBL_F_* to run */
	unsigned int	 timeout_ms;	/* 0: [dns] timeout; capped
					 * by view->deadline_ms */
};

struct dnsbl_run;

/* Register the [dns], [dnsbl], [surbl] and [spf] sections. */
void		 dnsbl_conf_register(void);

/* Build the zone tables, resolver list and public-suffix data from the
 * loaded configuration (master, before fork; on reload, build anew and
 * swap).  WN_PERM with a reason when they are unusable. */
int		 dnsbl_load(struct buf *why);

/* Per-child set-up after fork: an empty DNS cache of [dns] cache_size. */
void		 dnsbl_child_init(void);

/* Send every query of one message and return at once.  opts NULL means
 * every family.  Never NULL. */
struct dnsbl_run *dnsbl_start(const struct msg_view *,
		    const struct dnsbl_opts *, struct buf *why);

/* Wait for the answers (until the deadline at most), fill f's dnsbl part,
 * and free the run.  WN_OK, or WN_TEMP with why (see above). */
int		 dnsbl_finish(struct dnsbl_run *, struct findings *,
		    struct buf *why);

/* Stop a run whose results are no longer wanted, and free it.  NULL is a
 * no-op. */
void		 dnsbl_abort(struct dnsbl_run *);

/* dnsbl_start + dnsbl_finish with every family, in one call. */
int		 dnsbl_check(const struct msg_view *, struct findings *,
		    struct buf *why);


/* Drop every entry of this child's DNS cache (tests, benchmarks). */
void		 dnsbl_cache_flush(void);

#endif /* WINNOW_DNSBL_H */
