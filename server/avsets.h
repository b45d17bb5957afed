/*
 * avsets.h - the AV option sets of the recipient groups (server/avsets.c)
 *
 * A group with AV options of its own ([group] filter_names, ...,
 * av_mode) scans with a copy of the [av] options that has them applied;
 * groups with the same options share one set, and every other group uses
 * [av]'s (set 0).  The master builds the sets after each load (children
 * inherit them); per message the pipeline runs one AV pass per distinct
 * set its recipients' groups use.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_AVSETS_H
#define WINNOW_AVSETS_H

#include <stddef.h>

#include "buf.h"

struct av_opts;
struct policy_group;

/* The policy's checker of a group's AV options (policy_set_av_checker):
 * av_opts_set on a scratch copy of [av]'s; 0 or -1 with why. */
int		 avsets_check(const char *name, const char *value,
		    struct buf *why);

/* Build the sets of policy_current's groups after av_load(); 0, or -1
 * with why (a group's value that no longer applies, e.g. a file: list
 * that went away between validation and load). */
int		 avsets_build(struct buf *why);

/* The set a group scans with (0: [av]'s). */
size_t		 avsets_of(const struct policy_group *);

/* A set's options (set 0: av_opts_default()). */
const struct av_opts *avsets_opts(size_t set);

/* How many sets there are (at least 1). */
size_t		 avsets_count(void);

#endif /* WINNOW_AVSETS_H */
