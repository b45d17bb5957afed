/*
 * findings_render.c - the text of the findings in X-Winnow-Checks and
 * X-Winnow-Virus
 *
 * One renderer per fact, so what winnowd writes into a message, what
 * "winnowctl classify" prints and what the log says are the same text.
 * Everything written is header-safe: names come from findings_add() (no
 * CR, LF or control bytes) and rule names are restricted further.
 *
 * SPDX-License-Identifier: MIT
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

/* lib */
#include "buf.h"

/* findings */
#include "findings.h"

static const char *const render_rdns[] = {
	"none", "ok", "mismatch", "none", "temperror"
};
static const char *const render_spf[] = {
	"none", "pass", "fail", "softfail", "neutral", "none", "temperror",
	"permerror"
};

/* render_safe_char - one character of a name, '?' unless it is safe */

static void
render_safe_char(struct buf *out, unsigned char c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' ||
	    c == ':' || c == '@' || c == '/')
		buf_putc(out, c);
	else
		buf_putc(out, '?');
}

/* render_safe - a rule name or detail, restricted to safe characters */

static void
render_safe(struct buf *out, const char *s)
{
	for (; *s != '\0'; s++)
		render_safe_char(out, (unsigned char)*s);
}

/* render_uds_detail - "exact" or "20 of 32": safe characters and
 * spaces */

static void
render_uds_detail(struct buf *out, const char *s)
{
	for (; *s != '\0'; s++)
		if (*s == ' ')
			buf_putc(out, ' ');
		else
			render_safe_char(out, (unsigned char)*s);
}

/* findings_render_list - "name(weight),name(weight)" or "none" */

void
findings_render_list(const struct finding_list *l, int weights,
    struct buf *out)
{
	unsigned int	 i, n = l->count < FINDINGS_MAX_ITEMS ? l->count :
			    FINDINGS_MAX_ITEMS;

	if (l->count == 0) {
		buf_puts(out, "none");
		return;
	}
	for (i = 0; i < n; i++) {
		buf_printf(out, "%s%s", i ? "," : "", l->item[i].name);
		if (weights)
			buf_printf(out, "(%d)", l->item[i].weight);
	}
	if (l->count > n)
		buf_printf(out, ",+%u", l->count - n);
}

/* findings_render_dns - "dnsbl=...; rdns=...; spf=...; surbl=...[; dns=
 * STATE]" */

void
findings_render_dns(const struct findings *f, struct buf *out)
{
	buf_puts(out, "dnsbl=");
	findings_render_list(&f->dnsbl, 1, out);
	if (f->rdns != RDNS_NOT_CHECKED && (size_t)f->rdns <
	    sizeof(render_rdns) / sizeof(render_rdns[0]))
		buf_printf(out, "; rdns=%s", render_rdns[f->rdns]);
	if (f->spf != SPF_NOT_CHECKED && (size_t)f->spf <
	    sizeof(render_spf) / sizeof(render_spf[0]))
		buf_printf(out, "; spf=%s", render_spf[f->spf]);
	buf_puts(out, "; surbl=");
	findings_render_list(&f->surbl, 1, out);
	if (f->dns_state != CHECK_DONE)
		buf_printf(out, "; dns=%s", findings_state_name(f->dns_state));
}

/* findings_render_rules - "rules=NAME(detail),..." or "rules=none" */

void
findings_render_rules(const struct findings *f, struct buf *out)
{
	unsigned int	 i, n;

	buf_puts(out, "rules=");
	n = f->rules.count < FINDINGS_MAX_ITEMS ? f->rules.count :
	    FINDINGS_MAX_ITEMS;
	if (n == 0) {
		buf_puts(out, "none");
		return;
	}
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(out, ',');
		render_safe(out, f->rules.item[i].name);
		if (f->rules.item[i].detail[0] != '\0') {
			buf_putc(out, '(');
			render_safe(out, f->rules.item[i].detail);
			buf_putc(out, ')');
		}
	}
	if (f->rules.count > n)
		buf_printf(out, ",+%u", f->rules.count - n);
}

/* render_uds_has - whether the UDS list has an item of this name */

static int
render_uds_has(const struct finding_list *l, const char *name)
{
	unsigned int	 i, n = l->count < FINDINGS_MAX_ITEMS ? l->count :
			    FINDINGS_MAX_ITEMS;

	for (i = 0; i < n; i++)
		if (strcmp(l->item[i].name, name) == 0)
			return (1);
	return (0);
}

/* findings_render_uds - "uds=hit(KIND[,DETAIL]/...)", "uds=none", "ham",
 * "unknown", or the state when no server answered */

void
findings_render_uds(const struct findings *f, struct buf *out)
{
	const struct finding_list *l = &f->uds;
	unsigned int	 i, n = l->count < FINDINGS_MAX_ITEMS ? l->count :
			    FINDINGS_MAX_ITEMS;
	int		 hits = 0;

	buf_puts(out, "uds=");
	if (f->uds_state != CHECK_DONE) {
		buf_puts(out, findings_state_name(f->uds_state));
		return;
	}
	for (i = 0; i < n; i++) {
		if (l->item[i].weight <= 0)
			continue;
		buf_puts(out, hits++ ? "/" : "hit(");
		render_safe(out, l->item[i].name);
		if (l->item[i].detail[0] != '\0') {
			buf_putc(out, ',');
			render_uds_detail(out, l->item[i].detail);
		}
	}
	if (hits > 0)
		buf_putc(out, ')');
	else if (render_uds_has(l, "ham"))
		buf_puts(out, "ham");
	else if (render_uds_has(l, "unknown"))
		buf_puts(out, "unknown");
	else
		buf_puts(out, "none");
}

/* findings_render_checks - the X-Winnow-Checks value ("" when nothing ran):
 * the list that decided, the DNS checks when dns, UDS, the classifier's
 * points and the rules when spam */

void
findings_render_checks(const struct findings *f, int dns, int spam,
    const char *list, double classifier, struct buf *out)
{
	const char	*sep = "";

	if (list != NULL) {
		buf_printf(out, "list=%s", list);
		sep = "; ";
	}
	if (dns && f->dns_state != CHECK_NOT_RUN) {
		buf_puts(out, sep);
		findings_render_dns(f, out);
		sep = "; ";
	}
	if (spam && f->uds_state != CHECK_NOT_RUN) {
		buf_puts(out, sep);
		findings_render_uds(f, out);
		sep = "; ";
	}
	/* The classifier's share, so a status reached with no rule is
	 * never a mystery (a share that rounds to 0.0 explains nothing). */
	if (spam && f->content_state != CHECK_NOT_RUN && !isnan(classifier) &&
	    fabs(classifier) >= 0.05) {
		buf_printf(out, "%sclassifier=%+.1f", sep, classifier);
		sep = "; ";
	}
	if (spam && f->content_state != CHECK_NOT_RUN) {
		buf_puts(out, sep);
		findings_render_rules(f, out);
	}
}

/* findings_render_viruses - "name (part), name (part)[, and N more]" */

void
findings_render_viruses(const struct findings *f, struct buf *out)
{
	const struct finding_list *l = &f->viruses;
	unsigned int	 i, n = l->count < FINDINGS_MAX_ITEMS ? l->count :
			    FINDINGS_MAX_ITEMS;

	for (i = 0; i < n; i++) {
		buf_printf(out, "%s%s", i ? ", " : "", l->item[i].name);
		if (l->item[i].detail[0] != '\0')
			buf_printf(out, " (%s)", l->item[i].detail);
	}
	if (l->count > n)
		buf_printf(out, ", and %u more", l->count - n);
}
