/*
 * findings.c - the findings object and the names of statuses
 *
 * Names here are user-visible (headers, logs, config values): keep them
 * stable, as DESIGN.md says.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "xalloc.h"

/* policy */
#include "findings.h"

/* findings_new - an empty findings object */

struct findings *
findings_new(void)
{
	struct findings	*f;

	f = xcalloc(1, sizeof(*f));
	f->spam_score = -1.0;
	return (f);
}

/* findings_free - release it */

void
findings_free(struct findings *f)
{
	free(f);
}

/* findings_copy_safe - copy untrusted text, truncated, without controls */

static void
findings_copy_safe(char *dst, size_t size, const char *src)
{
	size_t	 i, j;

	for (i = j = 0; src != NULL && src[i] != '\0' && j + 1 < size; i++)
		dst[j++] = ((unsigned char)src[i] < 0x20 || src[i] == 0x7f ||
		    src[i] == ';') ? '?' : src[i];
	dst[j] = '\0';
}

/* findings_add - record a named item */

void
findings_add(struct finding_list *l, const char *name, const char *detail,
    int weight)
{
	struct finding_item *it;

	if (l->count < FINDINGS_MAX_ITEMS) {
		it = &l->item[l->count];
		findings_copy_safe(it->name, sizeof(it->name), name);
		findings_copy_safe(it->detail, sizeof(it->detail), detail);
		it->weight = weight;
	}
	l->count++;
}

static const char *const findings_lang_codes[] = { "zh", "ja", "ko", "th" };

/* Declared rule names (findings_rules_declare). */
static const char *const *findings_rule_names;
static size_t	 findings_nrule_names;

/* findings_render_langs - "zh,ja" for language bits */

void
findings_render_langs(unsigned int langs, struct buf *out)
{
	size_t	 i;
	int	 any = 0;

	for (i = 0; i < sizeof(findings_lang_codes) /
	    sizeof(findings_lang_codes[0]); i++) {
		if ((langs & (1U << i)) == 0)
			continue;
		buf_printf(out, "%s%s", any ? "," : "",
		    findings_lang_codes[i]);
		any = 1;
	}
	if (!any)
		buf_puts(out, "none");
}

/* findings_lang_find - the bit of a language code, 0 if unknown */

unsigned int
findings_lang_find(const char *code)
{
	size_t	 i;

	for (i = 0; i < sizeof(findings_lang_codes) /
	    sizeof(findings_lang_codes[0]); i++)
		if (strcasecmp(code, findings_lang_codes[i]) == 0)
			return (1U << i);
	return (0);
}

/* findings_rules_declare - the rule names a check can fire */

void
findings_rules_declare(const char *const *names, size_t n)
{
	findings_rule_names = names;
	findings_nrule_names = n;
}

/* findings_rule_known - whether a rule name was declared */

int
findings_rule_known(const char *name)
{
	size_t	 i;

	if (findings_rule_names == NULL)
		return (-1);
	for (i = 0; i < findings_nrule_names; i++)
		if (strcasecmp(findings_rule_names[i], name) == 0)
			return (1);
	return (0);
}

/* findings_spam_name - user-visible spam status name */

const char *
findings_spam_name(enum spam_status s)
{
	static const char *const names[SPAM_STATUS_COUNT] = {
		"not-detected", "probable-spam", "spam", "formal", "trusted",
		"blacklisted"
	};

	if ((unsigned)s >= SPAM_STATUS_COUNT)
		log_panic("findings_spam_name: bad status %d", (int)s);
	return (names[s]);
}

/* findings_av_name - user-visible AV status name */

const char *
findings_av_name(enum av_status s)
{
	static const char *const names[AV_STATUS_COUNT] = {
		"not-scanned", "clean", "infected", "suspicious", "encrypted",
		"error", "filtered"
	};

	if ((unsigned)s >= AV_STATUS_COUNT)
		log_panic("findings_av_name: bad status %d", (int)s);
	return (names[s]);
}

/* findings_state_name - how far a check got */

const char *
findings_state_name(enum check_state s)
{
	switch (s) {
	case CHECK_NOT_RUN:
		return ("off");
	case CHECK_DONE:
		return ("done");
	case CHECK_TIMEOUT:
		return ("timeout");
	case CHECK_LIMIT:
		return ("limit");
	case CHECK_ERROR:
		return ("error");
	}
	return ("?");
}
