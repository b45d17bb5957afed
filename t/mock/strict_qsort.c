/*
 * strict_qsort.c - qsort() that refuses a NULL array, linked into the tests
 * that name it in their mocks.mk
 *
 * The C standard wants qsort's array to be a valid pointer even when it has
 * no elements, and glibc declares it nonnull: a NULL base is undefined
 * behaviour that only UBSan reports.  This fake makes a plain test build
 * catch it too (abort with a message), then hands every valid call to the
 * C library's qsort.
 *
 * SPDX-License-Identifier: MIT
 */
#include <dlfcn.h>
#include <stdio.h>

/* Not <stdlib.h>: its qsort is declared nonnull, and the compiler would
 * then drop the very test this file exists for. */
void	abort(void) __attribute__((noreturn));
void	qsort(void *, size_t, size_t, int (*)(const void *, const void *));

typedef void	qsort_fn(void *, size_t, size_t,
		    int (*)(const void *, const void *));

/* qsort - abort on a NULL array, else the C library's qsort */

void
qsort(void *base, size_t n, size_t size,
    int (*cmp)(const void *, const void *))
{
	static qsort_fn	*real;

	if (base == NULL) {
		(void)fprintf(stderr, "qsort: NULL array (%zu elements): "
		    "undefined behaviour\n", n);
		abort();
	}
	if (real == NULL &&
	    (real = (qsort_fn *)dlsym(RTLD_NEXT, "qsort")) == NULL)
		abort();
	real(base, n, size, cmp);
}
