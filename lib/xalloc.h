/*
 * xalloc.h - allocators that never return NULL
 *
 * Out of memory is fatal (log_fatal, EX_OSERR).  That is safe for mail: a
 * child that dies before the final reply loses nothing, the upstream retries.
 * Callers therefore never check the result.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_XALLOC_H
#define WINNOW_XALLOC_H

#include <stddef.h>

/* malloc(3) that exits on failure; xmalloc(0) returns a unique pointer. */
void	*xmalloc(size_t);

/* calloc(3) that exits on failure or on nmemb * size overflow. */
void	*xcalloc(size_t nmemb, size_t size);

/* realloc(3) that exits on failure. */
void	*xrealloc(void *, size_t);

/* reallocarray(3) that exits on failure or overflow. */
void	*xreallocarray(void *, size_t nmemb, size_t size);

/* strdup(3) that exits on failure; xstrdup(NULL) returns NULL. */
char	*xstrdup(const char *);

/* strndup(3) that exits on failure. */
char	*xstrndup(const char *, size_t);

/* memdup: copy len bytes into a new allocation with a NUL after them. */
void	*xmemdup(const void *, size_t len);

/* free(*pp) and set *pp to NULL. */
#define XFREE(pp)	do { free(*(pp)); *(pp) = NULL; } while (0)

#endif /* WINNOW_XALLOC_H */
