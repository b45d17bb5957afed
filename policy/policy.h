/*
 * policy.h - which recipients are filtered, and how
 *
 * The [policy] section holds the defaults every recipient group inherits.
 * This is the start of the policy module: it decides which recipients are
 * protected (protected_domains) and which messages are too large to filter
 * (filter_size_limit); recipients outside the filter pass unfiltered with an
 * X-Winnow-Info header saying why.
 *
 * Configuration globals are set by the master and read-only in children.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_POLICY_H
#define WINNOW_POLICY_H

#include <stddef.h>

extern char	*policy_protected_domains;	/* "" means every domain */
extern size_t	 policy_filter_size_limit;	/* 0 means no limit */

/* Register [policy]. */
void	policy_conf_register(void);

/* Whether a recipient address is in a protected domain: its domain equals
 * an entry, or is below an entry written ".example.com" or
 * "*.example.com".  Every recipient is protected when the list is empty. */
int	policy_protected(const char *rcpt);

/* Whether a message of this size is filtered at all. */
int	policy_size_filtered(size_t size);

#endif /* WINNOW_POLICY_H */
