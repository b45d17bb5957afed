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
		"error", "filtered", "limit"
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
