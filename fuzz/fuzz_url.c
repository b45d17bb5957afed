/*
 * fuzz_url.c - URL and domain extraction from hostile text and MIME
 *
 * The first input byte picks the entry point: decoded text (as content/
 * hands it over), a raw message (indexed by mail/, its text parts decoded),
 * or a single host for the normaliser.  Every
 * host found is then reduced with the public-suffix list as surbl.c does.
 * Hosts must come out as valid lower-case names.
 *
 * SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libpsl.h>

#include "dnsbl_private.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* fuzz_check_host - what urlx promises about a host */

static void
fuzz_check_host(const char *h)
{
	char	 norm[DNS_NAME_MAX + 1];
	size_t	 i;

	if (strlen(h) == 0 || strlen(h) > DNS_NAME_MAX)
		abort();
	for (i = 0; h[i] != '\0'; i++)
		if (!islower((unsigned char)h[i]) &&
		    !isdigit((unsigned char)h[i]) && h[i] != '.' &&
		    h[i] != '-' && h[i] != '_')
			abort();
	if (dnsmsg_name(h, norm, sizeof(norm)) < 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static psl_ctx_t *psl;
	struct urlx	*u;
	char		 out[DNS_NAME_MAX + 1];
	const char	*h;
	size_t		 i;

	if (psl == NULL && (psl = psl_latest(NULL)) == NULL)
		abort();
	if (len < 1)
		return (0);
	u = urlx_new(psl, 200, 1 << 20);
	switch (data[0] % 3) {
	case 0:
		urlx_text(u, (const char *)data + 1, len - 1);
		break;
	case 1:
		urlx_message(u, (const char *)data + 1, len - 1);
		break;
	default:
		if (urlx_host_norm((const char *)data + 1, len - 1, out,
		    sizeof(out)) == 0)
			fuzz_check_host(out);
		break;
	}
	for (i = 0; (h = urlx_host(u, i, NULL)) != NULL; i++) {
		fuzz_check_host(h);
		if (surbl_reduce(psl, h, out, sizeof(out)) == 0)
			fuzz_check_host(out);
	}
	urlx_free(u);
	return (0);
}
