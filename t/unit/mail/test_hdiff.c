/* test_hdiff.c - unit tests for mail/hdiff.c */

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <criterion/criterion.h>

#include "hdiff.h"

#define S(x)	x, sizeof(x) - 1

/* apply - the operations applied to old, as the MTAs do (test model) */

static void
apply(const char *old, const struct hdiff *ops, size_t n, char *out,
    size_t outlen)
{
	char	 f[64][256];
	size_t	 nf = 0, i, k, occ;
	const char *p = old, *nl;

	while (*p != '\0' && *p != '\r') {
		nl = strstr(p, "\r\n");
		while (nl[2] == ' ' || nl[2] == '\t')
			nl = strstr(nl + 2, "\r\n");
		(void)snprintf(f[nf++], 256, "%.*s", (int)(nl + 2 - p), p);
		p = nl + 2;
	}
	for (i = 0; i < n; i++) {
		size_t	 nlen = strlen(ops[i].name);

		if (ops[i].op == HDIFF_INSERT) {
			memmove(f[ops[i].index + 1], f[ops[i].index],
			    (nf - ops[i].index) * 256);
			(void)snprintf(f[ops[i].index], 256, "%s:%s\r\n",
			    ops[i].name, ops[i].value);
			nf++;
			continue;
		}
		for (k = 0, occ = 0; k < nf; k++) {
			if (strncasecmp(f[k], ops[i].name, nlen) != 0 ||
			    f[k][nlen] != ':' || ++occ != ops[i].index)
				continue;
			if (ops[i].op == HDIFF_DELETE) {
				memmove(f[k], f[k + 1], (nf - k - 1) * 256);
				nf--;
			} else {
				(void)snprintf(f[k], 256, "%s:%s\r\n",
				    ops[i].name, ops[i].value);
			}
			break;
		}
	}
	out[0] = '\0';
	for (k = 0, i = 0; k < nf; k++)
		i += (size_t)snprintf(out + i, outlen - i, "%s", f[k]);
	(void)snprintf(out + i, outlen - i, "\r\n");
}

static void
check(const char *old, const char *new, size_t want_ops)
{
	struct hdiff	*ops;
	char		 out[8192];
	size_t		 n;

	n = hdiff_make(old, strlen(old), new, strlen(new), &ops);
	apply(old, ops, n, out, sizeof(out));
	cr_assert_str_eq(out, new);
	if (want_ops != (size_t)-1)
		cr_assert_eq(n, want_ops, "%zu operations", n);
	hdiff_free(ops, n);
}

Test(hdiff, same_is_nothing)
{
	check("A: 1\r\nB: 2\r\n\r\n", "A: 1\r\nB: 2\r\n\r\n", 0);
}

Test(hdiff, added_at_the_top)
{
	check("A: 1\r\n\r\n", "X-Winnow-Status: spam\r\nX-W: 2\r\nA: 1\r\n"
	    "\r\n", 2);
}

Test(hdiff, inbound_ours_removed_and_ours_added)
{
	/* the first inbound field changed into ours, the second deleted */
	check("X-Winnow-Status: forged\r\nA: 1\r\nX-Winnow-Status: b\r\n\r\n",
	    "X-Winnow-Status: clean\r\nA: 1\r\n\r\n", 2);
	/* deletions before insertions: the inserted field is not hit */
	check("A: 1\r\nX-W: forged\r\n\r\n", "X-W: ours\r\nA: 1\r\n\r\n",
	    2);
}

Test(hdiff, subject_changed_in_place)
{
	struct hdiff	*ops;
	size_t		 n;

	n = hdiff_make(S("Received: a\r\nSubject: hi\r\n\tthere\r\n\r\nbody"),
	    S("Received: a\r\nSubject: [SPAM] hi\r\n\tthere\r\n\r\n"), &ops);
	cr_assert_eq(n, 1);
	cr_assert_eq(ops[0].op, HDIFF_CHANGE);
	cr_assert_eq(ops[0].index, 1);
	cr_assert_str_eq(ops[0].name, "Subject");
	cr_assert_str_eq(ops[0].value, " [SPAM] hi\r\n\tthere");
	hdiff_free(ops, n);
}

Test(hdiff, second_of_a_name)
{
	check("R: 1\r\nR: 2\r\nR: 3\r\n\r\n", "R: 1\r\nR: two\r\nR: 3\r\n\r\n",
	    1);
	check("R: 1\r\nR: 2\r\nR: 3\r\n\r\n", "R: 1\r\nR: 3\r\n\r\n", 1);
}

Test(hdiff, anything_to_anything)
{
	check("A: 1\r\nB: 2\r\nC: 3\r\n\r\n", "C: 3\r\nB: x\r\nD: 4\r\n\r\n",
	    (size_t)-1);
	check("A: 1\r\n\r\n", "\r\n", 1);
	check("\r\n", "A: 1\r\n\r\n", 1);
}
