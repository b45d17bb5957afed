/*
 * findings.h - what the checks found out about one message
 *
 * This is the contract between the check modules (dnsbl/, uds/, content/,
 * av/) and the policy that turns findings into a status per recipient group.
 * A check reads the message through a struct msg_view and writes only into
 * its own part of struct findings; it never sends or answers mail.  Check
 * modules include lib/ headers and this file, nothing else of ours.
 *
 * Memory: the msg_view and everything it points to belong to the server and
 * stay valid for the whole check.  struct findings is allocated and freed by
 * the server (findings_new/findings_free); checks may keep nothing pointing
 * into it after they return.
 *
 * Each check module offers the same life cycle, and the server wires it as
 * one row of its table of checks (server/checks.c): register its
 * [sections] (master), load its shared read-only data after the
 * configuration is loaded and before fork (on reload: build anew, then
 * swap), per-child set-up after fork, and per message start / finish /
 * abort.  Its entry points return WN_OK when it ran (even if it found
 * nothing), WN_TEMP when it could not do its job, with the reason in why:
 * the server then records the failure in `failed` (FINDINGS_FAILED_*),
 * and on_error applies to the recipients whose groups depend on that
 * check, for the statuses that depend on it; the other checks' findings
 * stand.  A check that hits a limit or a deadline is not a failure: it
 * records CHECK_LIMIT / CHECK_TIMEOUT in its state and returns WN_OK, so
 * the policy can decide.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_FINDINGS_H
#define WINNOW_FINDINGS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct mail;

/* The message as every check sees it (read-only). */
struct msg_view {
	const char	*queue_id;	/* for log lines */
	const char	*client_addr;	/* original client IP (XFORWARD ADDR,
					 * else the peer), NULL if unknown */
	const char	*client_name;	/* its reverse name, NULL if unknown */
	const char	*helo;		/* its HELO name, NULL if unknown */
	const char	*sender;	/* envelope sender, "" for <> */
	const char *const *rcpts;	/* envelope recipients, NULL-terminated */
	size_t		 nrcpts;
	const char	*data;		/* the whole message: headers, blank
					 * line, body; CRLF line ends; no dot
					 * stuffing; not NUL-terminated */
	size_t		 len;
	size_t		 header_len;	/* bytes up to and including the blank
					 * line (== len if there is no body) */
	const struct mail *mail;	/* the message's header and MIME part
					 * index (mail.h), built once for all
					 * checks; NULL: a check indexes the
					 * data itself (tools, tests) */
	const char	*text;		/* decoded text of the text parts and
					 * HTML (UTF-8, link targets on lines
					 * of their own), filled by content/
					 * before the other checks run; NULL
					 * when not available */
	size_t		 text_len;
	uint64_t	 deadline_ms;	/* time_now_ms() limit for all checks */
};

/* How far a check got. */
enum check_state {
	CHECK_NOT_RUN = 0,	/* disabled or not needed */
	CHECK_DONE,		/* ran to completion */
	CHECK_TIMEOUT,		/* gave up at a deadline */
	CHECK_LIMIT,		/* gave up at a size/count limit */
	CHECK_ERROR,		/* failed; details were logged */
};

/* Spam statuses (DESIGN names: spam, probable-spam, formal, trusted,
 * blacklisted, not-detected). */
enum spam_status {
	SPAM_NOT_DETECTED = 0,
	SPAM_PROBABLE,
	SPAM_SPAM,
	SPAM_FORMAL,
	SPAM_TRUSTED,
	SPAM_BLACKLISTED,
	SPAM_STATUS_COUNT
};

/* Anti-virus statuses (clean, infected, suspicious, encrypted, error,
 * filtered); AV_NOT_SCANNED when the AV check did not run. */
enum av_status {
	AV_NOT_SCANNED = 0,
	AV_CLEAN,
	AV_INFECTED,
	AV_SUSPICIOUS,
	AV_ENCRYPTED,
	AV_ERROR,
	AV_FILTERED,
	AV_STATUS_COUNT
};

enum rdns_result {
	RDNS_NOT_CHECKED = 0,
	RDNS_OK,		/* PTR exists and forward-confirms */
	RDNS_MISMATCH,		/* PTR exists, forward does not confirm */
	RDNS_NONE,		/* no PTR */
	RDNS_TEMPERROR,		/* DNS failure or timeout */
};

enum spf_result {
	SPF_NOT_CHECKED = 0,
	SPF_PASS, SPF_FAIL, SPF_SOFTFAIL, SPF_NEUTRAL, SPF_NONE,
	SPF_TEMPERROR, SPF_PERMERROR,
};

#define FINDINGS_MAX_ITEMS	16	/* listed zones, viruses, rules kept */
#define FINDINGS_DNSBL_BLACKLIST 100	/* dnsbl_rating that blacklists */
#define FINDINGS_NAME_MAX	96
#define FINDINGS_AV_PARTS	1024	/* MIME leaf parts whose AV status is kept */

/* One named hit with a weight: a DNSBL zone, a rule, a virus name. */
struct finding_item {
	char	 name[FINDINGS_NAME_MAX];
	char	 detail[FINDINGS_NAME_MAX];	/* "127.0.0.2", part name */
	int	 weight;
};

struct finding_list {
	unsigned int	 count;		/* items found (may exceed the array) */
	struct finding_item item[FINDINGS_MAX_ITEMS];
};

/* The Eastern languages content/ tells apart (findings.eastern_langs),
 * by script (Han without kana is Chinese) and by charset label. */
#define FINDINGS_LANG_ZH	0x01	/* Chinese */
#define FINDINGS_LANG_JA	0x02	/* Japanese */
#define FINDINGS_LANG_KO	0x04	/* Korean */
#define FINDINGS_LANG_TH	0x08	/* Thai */
#define FINDINGS_LANG_ALL	0x0f

/* Which checks failed as a whole (findings.failed). */
#define FINDINGS_FAILED_CONTENT	0x01
#define FINDINGS_FAILED_DNS	0x02
#define FINDINGS_FAILED_AV	0x04
#define FINDINGS_FAILED_UDS	0x08

struct findings {
	unsigned int	 failed;	/* FINDINGS_FAILED_* */

	/* dnsbl/: network checks */
	enum check_state dns_state;	/* the worst of the four below */
	enum check_state dnsbl_state;	/* per family: NOT_RUN when switched */
	enum check_state rdns_state;	/* off or nothing to check (no     */
	enum check_state spf_state;	/* public client IP, no URL list), */
	enum check_state surbl_state;	/* TIMEOUT at the DNS deadline     */
	unsigned int	 dnsbl_rating;	/* sum of ratings of listing zones;
					 * >= FINDINGS_DNSBL_BLACKLIST means
					 * Blacklisted */
	struct finding_list dnsbl;	/* zone, return code, rating */
	enum rdns_result rdns;
	enum spf_result	 spf;
	unsigned int	 surbl_rating;
	struct finding_list surbl;	/* zone, listed domain, rating */

	/* uds/: fuzzy-hash service */
	enum check_state uds_state;	/* DONE: a server answered */
	unsigned int	 uds_score;	/* 0..100 confidence of known spam */
	struct finding_list uds;	/* what matched: kind ("text",
					 * "links", "attachment", "image")
					 * with "exact" or "V of N" shingles
					 * and its points; or "ham" (ham-
					 * confirmed) or "unknown" (the
					 * server's store did not answer),
					 * weight 0 */

	/* content/: MIME, rules, classifier */
	enum check_state content_state;
	int		 gtube;		/* the GTUBE test string is present */
	int		 formal;	/* DSN, receipt, auto-reply, ... */
	int		 obscene;	/* obscene words (mark only) */
	int		 eastern;	/* CJK/Thai text or charsets */
	unsigned int	 eastern_langs;	/* FINDINGS_LANG_*: which ones */
	double		 spam_score;	/* classifier, 0.0 (ham) .. 1.0 (spam);
					 * negative when not computed */
	int		 rules_score;	/* sum of rule weights */
	struct finding_list rules;	/* rule name, weight */

	/* av/: anti-virus and attachment filter */
	enum check_state av_state;	/* how far the scan got */
	enum av_status	 av;		/* the message's status (worst found) */
	struct finding_list viruses;	/* virus or filter name, part */
	unsigned int	 av_nparts;	/* MIME leaf parts walked, in order */
	unsigned char	 av_part[FINDINGS_AV_PARTS];	/* enum av_status of
					 * each leaf part (AV_NOT_SCANNED when
					 * nothing was found in it) */
	enum av_status	 av_unplaced;	/* worst status that no single part
					 * explains, AV_NOT_SCANNED if none;
					 * av/ can only remove parts when none */
};

/* A zeroed findings object (spam_score < 0, every state NOT_RUN). */
struct findings	*findings_new(void);

/* Free it; NULL is a no-op. */
void		 findings_free(struct findings *);

/* Record a named item in a list (name and detail are truncated and made
 * header-safe); the count goes on past the array. */
void		 findings_add(struct finding_list *, const char *name,
		    const char *detail, int weight);

/* The text of the findings, header-safe (findings_render.c): one renderer
 * per fact, used for the headers winnowd writes, "winnowctl classify" and
 * the logs alike. */
/* "name(weight),..." (weights != 0) or "name,...", "none" when empty. */
void		 findings_render_list(const struct finding_list *,
		    int weights, struct buf *out);
/* "dnsbl=...; rdns=...; spf=...; surbl=...[; dns=STATE]" */
void		 findings_render_dns(const struct findings *, struct buf *out);
/* "uds=hit(text,20 of 32)", "uds=hit(text,exact/image)", "uds=none",
 * "uds=ham", "uds=unknown", "uds=timeout", "uds=error" */
void		 findings_render_uds(const struct findings *, struct buf *out);
/* "rules=NAME(detail),..." or "rules=none" */
void		 findings_render_rules(const struct findings *,
		    struct buf *out);
/* The X-Winnow-Checks value: "list=LIST" when a list decided, the DNS
 * part when dns, the UDS part, the classifier's share of the points
 * ("classifier=+35.4"; classifier is NAN when it did not run; nothing
 * when it rounds to 0.0) and the rules when spam ("" if nothing ran). */
void		 findings_render_checks(const struct findings *, int dns,
		    int spam, const char *list, double classifier,
		    struct buf *out);
/* The names in X-Winnow-Virus: "name (part), ..., and N more". */
void		 findings_render_viruses(const struct findings *,
		    struct buf *out);

/* The findings as a JSON object (jansson; the caller owns the
 * reference). */
struct json_t	*findings_json(const struct findings *);

/* Language codes ("zh", "ja", "ko", "th") of FINDINGS_LANG_* bits, ","
 * between, "none" for 0; and the bit of one code (0 if unknown). */
void		 findings_render_langs(unsigned int, struct buf *out);
unsigned int	 findings_lang_find(const char *);

/* The names of the rules a check can fire (content/ declares its table at
 * registration), so the policy can check per-group rule names:
 * findings_rule_known is 1 or 0, or -1 when no check declared any. */
void		 findings_rules_declare(const char *const *names, size_t n);
int		 findings_rule_known(const char *name);

/* The DESIGN's user-visible names of statuses. */
const char	*findings_spam_name(enum spam_status);
const char	*findings_av_name(enum av_status);
const char	*findings_state_name(enum check_state);

#endif /* WINNOW_FINDINGS_H */
