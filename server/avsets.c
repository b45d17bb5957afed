/*
 * avsets.c - the AV option sets of the recipient groups
 *
 * A set is named by its keys: the group's AV keys sorted by name, as
 * "name=value" lines.  Two groups with the same text share a set, so a
 * message whose recipients are in both is scanned once for them.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "status.h"
#include "xalloc.h"

/* checks */
#include "av.h"

/* policy */
#include "policy.h"

/* server */
#include "avsets.h"

/* The sets: [0] is [av]'s (no copy), the others ours. */
static struct av_opts	**avsets_set;
static char		**avsets_name;
static size_t		 avsets_n = 1;

/* Which set each group of avsets_pol uses, by its index. */
static const struct policy *avsets_pol;
static size_t		*avsets_group;

/* avsets_check - a group's AV option on a scratch copy */

int
avsets_check(const char *name, const char *value, struct buf *why)
{
	struct av_opts	*o = av_opts_copy(av_opts_default());
	int		 rc;

	rc = av_opts_set(o, name, value, why) == WN_OK ? 0 : -1;
	av_opts_free(o);
	return (rc);
}

/* avsets_key_cmp - qsort of AV keys by name */

static int
avsets_key_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct policy_avkey *)a)->name,
	    ((const struct policy_avkey *)b)->name));
}

/* avsets_text - the name of a group's set: its keys, sorted */

static char *
avsets_text(const struct policy_group *g)
{
	struct policy_avkey *k;
	struct buf	*b = buf_new(128);
	size_t		 i;

	k = xcalloc(g->navkeys + 1, sizeof(*k));
	memcpy(k, g->avkeys, g->navkeys * sizeof(*k));
	qsort(k, g->navkeys, sizeof(*k), avsets_key_cmp);
	for (i = 0; i < g->navkeys; i++)
		buf_printf(b, "%s=%s\n", k[i].name, k[i].value);
	free(k);
	return (buf_finish(b));
}

/* avsets_clear - forget the sets */

static void
avsets_clear(void)
{
	size_t	 i;

	for (i = 1; i < avsets_n; i++) {
		av_opts_free(avsets_set[i]);
		free(avsets_name[i]);
	}
	free(avsets_set);
	free(avsets_name);
	free(avsets_group);
	avsets_set = NULL;
	avsets_name = NULL;
	avsets_group = NULL;
	avsets_n = 1;
	avsets_pol = NULL;
}

/* avsets_add - the set of a group with keys: found, or made */

static int
avsets_add(const struct policy_group *g, size_t *set_r, struct buf *why)
{
	struct av_opts	*o;
	char		*text = avsets_text(g);
	size_t		 i;

	for (i = 1; i < avsets_n; i++)
		if (strcmp(avsets_name[i], text) == 0) {
			free(text);
			*set_r = i;
			return (0);
		}
	o = av_opts_copy(av_opts_default());
	for (i = 0; i < g->navkeys; i++) {
		if (av_opts_set(o, g->avkeys[i].name, g->avkeys[i].value,
		    why) != WN_OK) {
			buf_printf(why, " ([group %s] %s)", g->name,
			    g->avkeys[i].name);
			av_opts_free(o);
			free(text);
			return (-1);
		}
	}
	avsets_set = xreallocarray(avsets_set, avsets_n + 1,
	    sizeof(*avsets_set));
	avsets_name = xreallocarray(avsets_name, avsets_n + 1,
	    sizeof(*avsets_name));
	avsets_set[avsets_n] = o;
	avsets_name[avsets_n] = text;
	*set_r = avsets_n++;
	return (0);
}

/* avsets_build - the sets of the policy in force */

int
avsets_build(struct buf *why)
{
	const struct policy *pol = policy_current;
	size_t		 i;

	avsets_clear();
	avsets_set = xcalloc(1, sizeof(*avsets_set));
	avsets_name = xcalloc(1, sizeof(*avsets_name));
	avsets_group = xcalloc(pol->ngroups + 1, sizeof(*avsets_group));
	for (i = 0; i < pol->ngroups; i++) {
		if (pol->groups[i]->navkeys == 0)
			continue;
		if (avsets_add(pol->groups[i], &avsets_group[i], why) < 0) {
			avsets_clear();
			return (-1);
		}
	}
	avsets_pol = pol;
	if (avsets_n > 1)
		log_info("av: %zu option sets (groups with their own "
		    "attachment filter or AV options)", avsets_n - 1);
	return (0);
}

/* avsets_of - the set a group uses */

size_t
avsets_of(const struct policy_group *g)
{
	size_t	 i;

	if (avsets_pol != policy_current || avsets_group == NULL)
		return (0);		/* not built for this policy */
	for (i = 0; i < avsets_pol->ngroups; i++)
		if (avsets_pol->groups[i] == g)
			return (avsets_group[i]);
	return (0);
}

/* avsets_opts - a set's options */

const struct av_opts *
avsets_opts(size_t set)
{
	if (set == 0 || set >= avsets_n)
		return (av_opts_default());
	return (avsets_set[set]);
}

/* avsets_count - how many sets */

size_t
avsets_count(void)
{
	return (avsets_n);
}
