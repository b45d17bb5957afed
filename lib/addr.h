/*
 * addr.h - envelope addresses, ESMTP parameters and xtext
 *
 * Parsers for the untrusted parts of MAIL, RCPT and XFORWARD.  They never
 * modify their input; results are allocated (caller frees) and each failure
 * leaves a reason in why suitable for a 501 reply text.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_ADDR_H
#define WINNOW_ADDR_H

#include <stddef.h>

#include "buf.h"

#define ADDR_MAX	512	/* longest path we accept (RFC 5321: 256) */

/* Parse "<local@domain> PARAMS" (angle brackets optional, a source route
 * "@a,@b:" dropped).  *addr_r gets the address ("" for <>), *params_r points
 * into s at the parameters.  0, or -1 with a reason. */
int		 addr_parse_path(const char *s, char **addr_r,
		    const char **params_r, struct buf *why);

/* The domain of an address (after the last '@'), or NULL. */
const char	*addr_domain(const char *);

/* Decode RFC 3461 xtext ("+2B"-style escapes) into out.  0 or -1 if malformed. */
int		 addr_xtext_decode(const char *, size_t len, struct buf *out);

/* Encode bytes as xtext into out. */
void		 addr_xtext_encode(const char *, size_t len, struct buf *out);

/* Iterate over ESMTP parameters "KEY[=VALUE]" separated by spaces: returns
 * 1 with key, klen, val and vlen set (val NULL when no '='), 0 at the end.
 * *cursor starts at the parameter string. */
int		 addr_param_next(const char **cursor, const char **key,
		    size_t *klen, const char **val, size_t *vlen);

#endif /* WINNOW_ADDR_H */
