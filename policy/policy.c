/*
 * policy.c - [policy] defaults, protected domains and the size limit
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* lib */
#include "addr.h"
#include "conf.h"
#include "xalloc.h"

/* policy */
#include "policy.h"

char	*policy_protected_domains;
size_t	 policy_filter_size_limit;

static const struct conf_param policy_params[] = {
	{ "protected_domains", CONF_STR, "", &policy_protected_domains, 0, 0,
	    NULL, NULL, "recipient domains that are filtered (example.com, "
	    ".example.com for its subdomains too); others pass unfiltered "
	    "with X-Winnow-Info: not protected. Empty: all" },
	{ "filter_size_limit", CONF_SIZE, "20M", &policy_filter_size_limit, 0,
	    0, NULL, NULL, "larger messages pass unfiltered with "
	    "X-Winnow-Info: not scanned (size) (0: no limit)" },
	{ NULL }
};

static const struct conf_section policy_section = {
	"policy", 0, policy_params, NULL,
	"defaults that every recipient group inherits"
};

/* policy_conf_register - register [policy] */

void
policy_conf_register(void)
{
	conf_register(&policy_section);
}

/* policy_domain_match - does domain match one protected_domains entry? */

static int
policy_domain_match(const char *domain, const char *entry)
{
	size_t	 dl = strlen(domain), el;

	if (entry[0] == '*' && entry[1] == '.')
		entry++;
	if (entry[0] != '.')
		return (strcasecmp(domain, entry) == 0);
	el = strlen(entry);
	if (strcasecmp(domain, entry + 1) == 0)
		return (1);
	return (dl > el && strcasecmp(domain + dl - el, entry) == 0);
}

/* policy_protected - is the recipient in a protected domain? */

int
policy_protected(const char *rcpt)
{
	const char	*domain;
	char		**list;
	size_t		 i, n;
	int		 hit = 0;

	if (policy_protected_domains == NULL ||
	    policy_protected_domains[0] == '\0')
		return (1);
	if ((domain = addr_domain(rcpt)) == NULL)
		return (0);
	n = conf_list_split(policy_protected_domains, &list);
	for (i = 0; i < n && !hit; i++)
		hit = policy_domain_match(domain, list[i]);
	conf_list_free(list);
	return (hit);
}

/* policy_size_filtered - is a message of this size filtered? */

int
policy_size_filtered(size_t size)
{
	return (policy_filter_size_limit == 0 ||
	    size <= policy_filter_size_limit);
}
