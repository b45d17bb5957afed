/*
 * listener.c - the addresses a program accepts sessions on
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

/* lib */
#include "buf.h"
#include "conf.h"
#include "endpoint.h"
#include "xalloc.h"

/* smtp */
#include "listener.h"
#include "smtp_conf.h"

/* listeners_parse - parse the listen list */

int
listeners_parse(const char *s, struct listener **out, struct buf *why)
{
	struct listener	*l = NULL;
	char		**items;
	const char	*spec;
	size_t		 n, i;
	int		 proto;

	n = conf_list_split(s, &items);
	l = xcalloc(n + 1, sizeof(*l));
	for (i = 0; i < n; i++) {
		spec = items[i];
		proto = PROTO_AUTO;
		if (strncmp(spec, "smtp:", 5) == 0) {
			proto = PROTO_SMTP;
			spec += 5;
		} else if (strncmp(spec, "lmtp:", 5) == 0) {
			proto = PROTO_LMTP;
			spec += 5;
		} else if (strncmp(spec, "milter:", 7) == 0) {
			proto = PROTO_MILTER;	/* milter.h */
			spec += 7;
		}
		if (endpoint_parse(spec, &l[i].ep, 0, why) < 0) {
			listeners_free(l, (int)i);
			conf_list_free(items);
			return (-1);
		}
		l[i].proto = proto;
		l[i].fd = -1;
	}
	conf_list_free(items);
	*out = l;
	return ((int)n);
}

/* listeners_free - free parsed listeners (descriptors are not closed) */

void
listeners_free(struct listener *l, int n)
{
	int	 i;

	if (l == NULL)
		return;
	for (i = 0; i < n; i++)
		endpoint_free(&l[i].ep);
	free(l);
}
