/*
 * rules.c - the named rules: header heuristics, HTML and MIME signs, GTUBE,
 * Eastern text, obscene words
 *
 * Every rule has a stable upper-case name (it appears in X-Winnow-Checks
 * and in rules_off / rule_weights), a default weight in verdict points
 * (100 points alone make spam at the standard level, see policy/verdict.h)
 * and a one-line help.  Weights were set from how often each rule fires on
 * the ham and the spam of the development corpus (bench/accuracy prints the
 * table); the learner also sees every fired rule as a feature, so a rule's
 * weight only matters for the part of the decision the rules make on their
 * own.  OBSCENE and the FORMAL_* rules weigh nothing: obscene words only
 * mark a message, formal mail has its own status.
 *
 * SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* external */
#include <glib.h>

/* lib */
#include "buf.h"
#include "conf.h"

#include "content_private.h"

#define SUBJ_LONG_CHARS		250	/* longer subjects fire SUBJ_LONG */
#define SUBJ_SPACE_RUN		5	/* white-space run in a subject */
#define SUBJ_DOT_RUN		6	/* dot run in a subject */
#define SUBJ_GAPPY_RUN		4	/* "V I A G R A", "F.R.E.E" */
#define EASTERN_MIN_CHARS	10	/* CJK/Thai chars for Eastern text */

const struct rule_def rules_table[RULE_COUNT] = {
	[RULE_GTUBE] = { "GTUBE", 1000,
	    "the GTUBE test string is in the message" },
	[RULE_UNDISC_RCPT] = { "UNDISC_RCPT", 10,
	    "To: names undisclosed recipients or an empty group" },
	[RULE_FROM_DIGITS] = { "FROM_DIGITS", 3,
	    "From: local part mixes digits and letters (a1b2c3)" },
	[RULE_TO_DIGITS] = { "TO_DIGITS", 0,
	    "To: local part mixes digits and letters (a1b2c3)" },
	[RULE_ADDR_NO_DOMAIN] = { "ADDR_NO_DOMAIN", 10,
	    "From: or To: holds an address without a domain" },
	[RULE_SUBJ_LONG] = { "SUBJ_LONG", 10,
	    "Subject: is longer than 250 characters" },
	[RULE_SUBJ_SPACES] = { "SUBJ_SPACES", 20,
	    "Subject: has a run of spaces or spaced-out letters" },
	[RULE_SUBJ_DOTS] = { "SUBJ_DOTS", 5,
	    "Subject: has a run of dots or dotted-out letters" },
	[RULE_SUBJ_ID] = { "SUBJ_ID", 15,
	    "Subject: ends in a digit ID or carries a timestamp" },
	[RULE_EASTERN] = { "EASTERN", 30,
	    "Chinese, Japanese, Korean or Thai text or charset "
	    "(only with eastern = suspicious)" },
	[RULE_OBSCENE] = { "OBSCENE", 0,
	    "obscene words from the content DB (marks, never blocks)" },
	[RULE_HTML_HIDDEN] = { "HTML_HIDDEN", 3,
	    "HTML text hidden by display:none, visibility:hidden, ..." },
	[RULE_HTML_TINY_FONT] = { "HTML_TINY_FONT", 10,
	    "HTML text in a font too small to read" },
	[RULE_HTML_INVISIBLE] = { "HTML_INVISIBLE", 10,
	    "HTML text in the colour of its background" },
	[RULE_HTML_COMMENT_SPLIT] = { "HTML_COMMENT_SPLIT", 20,
	    "an HTML comment splits a word (V<!-- -->iagra)" },
	[RULE_HTML_LINK_MISMATCH] = { "HTML_LINK_MISMATCH", 10,
	    "a link's text shows another domain than its target" },
	[RULE_HTML_ONLY] = { "HTML_ONLY", 3,
	    "HTML without a plain-text alternative" },
	[RULE_CHARSET_UNKNOWN] = { "CHARSET_UNKNOWN", 5,
	    "a part names a charset nobody knows" },
	[RULE_MIME_BROKEN] = { "MIME_BROKEN", 5,
	    "MIME structure that parsers read differently" },
	[RULE_MIME_LIMIT] = { "MIME_LIMIT", 0,
	    "a [content] limit stopped the analysis (detail: which)" },
	[RULE_FORMAL_DSN] = { "FORMAL_DSN", 0,
	    "delivery status notification (bounce)" },
	[RULE_FORMAL_MDN] = { "FORMAL_MDN", 0,
	    "message disposition notification (read receipt)" },
	[RULE_FORMAL_AUTO] = { "FORMAL_AUTO", 0,
	    "Auto-Submitted: auto-generated, auto-replied, ..." },
	[RULE_FORMAL_NULL_SENDER] = { "FORMAL_NULL_SENDER", 0,
	    "null envelope sender <>" },
	[RULE_FORMAL_AUTOREPLY] = { "FORMAL_AUTOREPLY", 0,
	    "vacation or other automatic reply" },
	[RULE_FORMAL_VIRUS] = { "FORMAL_VIRUS", 0,
	    "virus notification from a mail gateway" },
};

/* rules_find - index of a rule name (case-insensitive), -1 if unknown */

int
rules_find(const char *name)
{
	int	 i;

	for (i = 0; i < RULE_COUNT; i++)
		if (strcasecmp(rules_table[i].name, name) == 0)
			return (i);
	return (-1);
}

/* rules_configure - switches and weights from [content] */

int
rules_configure(struct rules_conf *rc, const char *off, const char *weights,
    struct buf *why)
{
	char		**items = NULL, *sep, *end;
	size_t		 n, i;
	long		 w;
	int		 id, rc_ = 0;

	for (i = 0; i < RULE_COUNT; i++) {
		rc->on[i] = 1;
		rc->weight[i] = rules_table[i].weight;
	}
	n = conf_list_split(off ? off : "", &items);
	for (i = 0; i < n; i++) {
		if ((id = rules_find(items[i])) < 0) {
			buf_printf(why, "rules_off: unknown rule \"%s\"",
			    items[i]);
			rc_ = -1;
			break;
		}
		rc->on[id] = 0;
	}
	conf_list_free(items);
	if (rc_ < 0)
		return (rc_);
	n = conf_list_split(weights ? weights : "", &items);
	for (i = 0; i < n; i++) {
		if ((sep = strchr(items[i], ':')) == NULL)
			sep = strchr(items[i], '=');
		if (sep == NULL) {
			buf_printf(why, "rule_weights: \"%s\" is not "
			    "NAME:weight", items[i]);
			rc_ = -1;
			break;
		}
		*sep++ = '\0';
		w = strtol(sep, &end, 10);
		if ((id = rules_find(items[i])) < 0 || *sep == '\0' ||
		    *end != '\0' || w < -1000 || w > 1000) {
			buf_printf(why, "rule_weights: bad entry \"%s:%s\" "
			    "(known rule, weight -1000..1000)", items[i], sep);
			rc_ = -1;
			break;
		}
		rc->weight[id] = (int)w;
	}
	conf_list_free(items);
	return (rc_);
}

/* rules_local_mixed - a local part that alternates digits and letters */

static int
rules_local_mixed(const char *addr)
{
	const char	*p;
	int		 prev = 0, cur, flips = 0, digits = 0, letters = 0;

	for (p = addr; *p != '\0' && *p != '@'; p++) {
		if (isdigit((unsigned char)*p))
			cur = 1, digits++;
		else if (isalpha((unsigned char)*p))
			cur = 2, letters++;
		else
			continue;
		if (prev != 0 && cur != prev)
			flips++;
		prev = cur;
	}
	return (digits > 0 && letters > 0 && flips >= 3);
}

/* rules_addrs - examine an address list: digits and domains */

static void
rules_addrs(struct content_msg *cm, const struct mail_addr *l, size_t n,
    enum rule_id mix, int depth)
{
	const char	*a;
	size_t		 i;

	if (depth > 2)
		return;
	for (i = 0; i < n && i < 64; i++) {
		if (l[i].addr == NULL) {	/* a group */
			rules_addrs(cm, l[i].member, l[i].nmembers, mix,
			    depth + 1);
			continue;
		}
		a = l[i].addr;
		if (*a == '\0')
			continue;
		if (strchr(a, '@') == NULL)
			mime_rule(cm, RULE_ADDR_NO_DOMAIN, NULL);
		else if (rules_local_mixed(a))
			mime_rule(cm, mix, NULL);
	}
}

/* rules_undisclosed - To: names undisclosed recipients */

static int
rules_undisclosed(const char *to)
{
	const char	*p;

	if (to == NULL)
		return (0);
	if (strcasestr(to, "undisclosed") != NULL &&
	    strcasestr(to, "recipient") != NULL)
		return (1);
	/* an empty group: "Some name: ;" */
	if ((p = strchr(to, ':')) != NULL && strchr(to, '@') == NULL) {
		for (p++; *p == ' ' || *p == '\t'; p++)
			;
		return (*p == ';');
	}
	return (0);
}

/* rules_gappy - need single characters in a row, each separated by sep */

static int
rules_gappy(const char *s, char sep, int need)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t	 i, last = 0;
	int	 run = 0;

	for (i = 0; p[i] != '\0'; i++) {
		if (!isalnum(p[i]) || isalnum(p[i + 1]) ||
		    (i > 0 && isalnum(p[i - 1])))
			continue;
		if (run > 0 && i == last + 2 && p[i - 1] == (unsigned char)sep)
			run++;
		else
			run = 1;
		last = i;
		if (run >= need)
			return (1);
	}
	return (0);
}

/* rules_run_of - longest run of a set of characters */

static int
rules_run_of(const char *s, const char *set)
{
	int	 run = 0, best = 0;

	for (; *s != '\0'; s++) {
		if (strchr(set, *s) != NULL)
			run++;
		else
			run = 0;
		if (run > best)
			best = run;
	}
	return (best);
}

/* rules_subj_id - a timestamp anywhere in the subject, or a trailing
 * token that is a long number or a digit/letter jumble (hash busters such
 * as "18070" or "4179uKlj5-057SXua") */

static int
rules_subj_id(const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *e, *t;
	size_t	 n, digits = 0, letters = 0, flips = 0, dashes = 0;
	int	 prev = 0, cur;

	for (t = p; *t != '\0'; t++)
		if (isdigit(t[0]) && isdigit(t[1]) && t[2] == ':' &&
		    isdigit(t[3]) && isdigit(t[4]) && t[5] == ':' &&
		    isdigit(t[6]) && isdigit(t[7]))
			return (1);
	n = strlen(s);
	while (n > 0 && isspace(p[n - 1]))
		n--;
	e = p + n;
	for (t = e; t > p && !isspace(t[-1]); t--)
		;
	if (t == p || e - t < 5)
		return (0);		/* the subject is one word */
	for (; t < e; t++) {
		if (isdigit(*t))
			cur = 1, digits++;
		else if (isalpha(*t))
			cur = 2, letters++;
		else if (*t == '-') {
			dashes++;
			continue;
		}
		else
			return (0);
		if (prev != 0 && cur != prev)
			flips++;
		prev = cur;
	}
	if (letters == 0)		/* dates have dashes */
		return (dashes == 0 && digits >= 5 && digits <= 20);
	return (digits >= 3 && letters >= 2 && flips >= 2 &&
	    digits + letters >= 7);
}

/* rules_subject - the Subject: heuristics */

static void
rules_subject(struct content_msg *cm)
{
	const char	*s = cm->subject;

	if (g_utf8_strlen(s, -1) > SUBJ_LONG_CHARS)
		mime_rule(cm, RULE_SUBJ_LONG, NULL);
	if (rules_run_of(s, " \t") >= SUBJ_SPACE_RUN ||
	    rules_gappy(s, ' ', SUBJ_GAPPY_RUN))
		mime_rule(cm, RULE_SUBJ_SPACES, NULL);
	if (rules_run_of(s, ".") >= SUBJ_DOT_RUN ||
	    rules_gappy(s, '.', SUBJ_GAPPY_RUN))
		mime_rule(cm, RULE_SUBJ_DOTS, NULL);
	if (rules_subj_id(s))
		mime_rule(cm, RULE_SUBJ_ID, NULL);
}

/* rules_header_charsets - Eastern charsets in encoded words of headers;
 * their languages go into *langs */

static int
rules_header_charsets(const char *hdr, size_t len, unsigned int *langs)
{
	int		 found = 0;

	const char	*p = hdr, *end = hdr + len, *q;
	char		 cs[40];
	size_t		 n;

	while (p + 2 < end && (p = memmem(p, (size_t)(end - p), "=?", 2)) !=
	    NULL) {
		p += 2;
		for (q = p; q < end && *q != '?' && *q != '*' && q - p < 39;
		    q++)
			;
		n = (size_t)(q - p);
		(void)memcpy(cs, p, n);
		cs[n] = '\0';
		if (charset_is_eastern(cs)) {
			*langs |= charset_eastern_lang(cs);
			found = 1;
		}
	}
	return (found);
}

/* rules_eastern_langs - which Eastern languages: the scripts of the text
 * and subject, else the charset labels of the parts */

static void
rules_eastern_langs(struct content_msg *cm, unsigned int header_langs)
{
	unsigned int	 i;

	cm->eastern_langs |= charset_langs(cm->subject, strlen(cm->subject)) |
	    charset_langs(cm->text->data, cm->text->len);
	if (cm->eastern_langs != 0)
		return;
	for (i = 0; i < cm->nparts; i++)
		cm->eastern_langs |= charset_eastern_lang(cm->parts[i].charset);
	cm->eastern_langs |= header_langs;
}

/* rules_eastern - Eastern text or charsets anywhere */

static void
rules_eastern(struct content_msg *cm)
{
	size_t	 letters = 0, eastern = 0, hlen;
	unsigned int hlangs = 0;

	charset_count(cm->subject, strlen(cm->subject), &letters, &eastern);
	letters += cm->letters;
	eastern += cm->eastern_chars;
	if (eastern >= EASTERN_MIN_CHARS && eastern * 5 >= letters)
		cm->eastern = 1;
	if (cm->signs & CM_SIGN_EASTERN_CHARSET)
		cm->eastern = 1;
	/* the header block: up to the first empty line */
	hlen = mailhdr_len(cm->data, cm->len);
	if (rules_header_charsets(cm->data, hlen, &hlangs))
		cm->eastern = 1;
	if (cm->eastern) {
		rules_eastern_langs(cm, hlangs);
		mime_rule(cm, RULE_EASTERN, eastern > 0 ? "text" : "charset");
	}
}

/* rules_signs - rules from what text extraction noticed */

static void
rules_signs(struct content_msg *cm)
{
	static const struct {
		unsigned int	 sign;
		enum rule_id	 rule;
	} map[] = {
		{ CM_SIGN_HIDDEN, RULE_HTML_HIDDEN },
		{ CM_SIGN_TINY_FONT, RULE_HTML_TINY_FONT },
		{ CM_SIGN_INVISIBLE, RULE_HTML_INVISIBLE },
		{ CM_SIGN_COMMENT_SPLIT, RULE_HTML_COMMENT_SPLIT },
		{ CM_SIGN_LINK_MISMATCH, RULE_HTML_LINK_MISMATCH },
		{ CM_SIGN_CHARSET_UNKNOWN, RULE_CHARSET_UNKNOWN },
	};
	size_t	 i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (cm->signs & map[i].sign)
			mime_rule(cm, map[i].rule, NULL);
	if (cm->html_parts > 0 && cm->plain_parts == 0)
		mime_rule(cm, RULE_HTML_ONLY, NULL);
	if (cm->crit > 0)
		mime_rule(cm, RULE_MIME_BROKEN, NULL);
}

/* rules_gtube - the GTUBE string in the raw message or decoded text */

static void
rules_gtube(struct content_msg *cm)
{
	static const char gtube[] = CONTENT_GTUBE;

	if (memmem(cm->data, cm->len, gtube, sizeof(gtube) - 1) != NULL)
		mime_rule(cm, RULE_GTUBE, "raw");
	else if (memmem(cm->text->data, cm->text->len, gtube,
	    sizeof(gtube) - 1) != NULL)
		mime_rule(cm, RULE_GTUBE, "text");
}

/* rules_run - evaluate every rule on a parsed message */

void
rules_run(struct content_msg *cm, const struct msg_view *view,
    const struct wordlist *obscene)
{
	char		 d[32];
	unsigned int	 n;

	(void)view;
	rules_gtube(cm);
	rules_signs(cm);
	rules_eastern(cm);
	rules_subject(cm);
	if (mime_is_message(cm)) {
		if (rules_undisclosed(mime_header(cm, "To")))
			mime_rule(cm, RULE_UNDISC_RCPT, NULL);
		rules_addrs(cm, cm->from.v, cm->from.n, RULE_FROM_DIGITS, 0);
		rules_addrs(cm, cm->to.v, cm->to.n, RULE_TO_DIGITS, 0);
	}
	if (obscene != NULL) {
		n = wordlist_count(obscene, cm->subject, strlen(cm->subject),
		    NULL, 0) + wordlist_count(obscene, cm->text->data,
		    cm->text->len, NULL, 0);
		if (n > 0) {
			(void)snprintf(d, sizeof(d), "%u", n);
			mime_rule(cm, RULE_OBSCENE, d);
		}
	}
}
