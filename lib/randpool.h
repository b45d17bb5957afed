/*
 * randpool.h - random bytes from the kernel, fetched in batches
 *
 * For values that must not be guessed but are drawn often (DNS query ids:
 * a getrandom(2) per query was one and a half system calls per message).
 * The bytes come from getrandom(2), 256 at a time; a forked process never
 * sees its parent's unused bytes.  Thread-safe.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_RANDPOOL_H
#define WINNOW_RANDPOOL_H

#include <stddef.h>
#include <stdint.h>

/* Fill p with n random bytes (getrandom failing is fatal). */
void		 randpool_bytes(void *p, size_t n);

/* A random 16-bit value. */
uint16_t	 randpool_u16(void);

#endif
