/* test_split.c - unit tests for policy/split.c: recipients grouped into
 * transactions by result */

#include <string.h>

#include <criterion/criterion.h>

#include "edit.h"
#include "split.h"

static const char	 msg[] = "Subject: s\r\n\r\nbody\r\n";

/* mk - an edit with one header */

static struct edit *
mk(const char *value)
{
	struct edit	*e = edit_new(msg, strlen(msg), 14);

	edit_add_header(e, "X-Winnow-Status", value);
	return (e);
}

Test(split, same_result_one_transaction)
{
	struct split	*sp = split_new();
	struct edit	*a = mk("spam"), *b = mk("spam"), *c = mk("clean");

	cr_assert_eq(split_add(sp, a, SPLIT_DELIVER, "a@x.test", 0, 1), 0);
	cr_assert_eq(split_add(sp, b, SPLIT_DELIVER, "b@x.test", 1, 1), 0);
	cr_assert_eq(split_add(sp, c, SPLIT_DELIVER, "c@x.test", 2, 1), 1);
	cr_assert_eq(sp->n, 2);
	cr_assert_eq(sp->txns[0].n, 2);
	cr_assert_eq(sp->txns[0].edit, a);
	cr_assert_eq(sp->txns[1].n, 1);
	cr_assert_eq(sp->txns[1].rcpts[0].own, 2);
	split_free(sp);
	edit_free(a);
	edit_free(b);
	edit_free(c);
}

Test(split, tags_and_removals_count)
{
	struct split	*sp = split_new();
	struct edit	*a = mk("spam"), *b = mk("spam");

	edit_subject_tag(b, "[SPAM]");
	(void)split_add(sp, a, SPLIT_DELIVER, "a@x.test", 0, 1);
	(void)split_add(sp, b, SPLIT_DELIVER, "b@x.test", 1, 1);
	cr_assert_eq(sp->n, 2);
	split_free(sp);
	edit_free(a);
	edit_free(b);
}

Test(split, kinds_never_share)
{
	struct split	*sp = split_new();
	struct edit	*a = mk("spam");

	(void)split_add(sp, a, SPLIT_DELIVER, "a@x.test", 0, 1);
	(void)split_add(sp, a, SPLIT_EXTRA, "audit@x.test", 0, 0);
	(void)split_add(sp, a, SPLIT_DELIVER, "trap@x.test", 0, 0);
	cr_assert_eq(sp->n, 2);
	cr_assert_eq(sp->txns[0].kind, SPLIT_DELIVER);
	cr_assert_eq(sp->txns[0].n, 2);
	cr_assert_eq(sp->txns[0].rcpts[1].own, -1);
	cr_assert_eq(sp->txns[1].kind, SPLIT_EXTRA);
	split_free(sp);
	edit_free(a);
}

Test(split, an_address_once_with_its_owners)
{
	struct split	*sp = split_new();
	struct edit	*a = mk("spam");
	const struct split_rcpt *r;

	(void)split_add(sp, a, SPLIT_DELIVER, "trap@x.test", 0, 0);
	(void)split_add(sp, a, SPLIT_DELIVER, "TRAP@x.test", 3, 0);
	(void)split_add(sp, a, SPLIT_DELIVER, "trap@x.test", 3, 0);
	(void)split_add(sp, a, SPLIT_DELIVER, "trap@x.test", 5, 1);
	cr_assert_eq(sp->txns[0].n, 1);
	r = &sp->txns[0].rcpts[0];
	cr_assert_eq(r->nowners, 3);
	cr_assert_eq(r->owners[0], 0);
	cr_assert_eq(r->owners[1], 3);
	cr_assert_eq(r->owners[2], 5);
	cr_assert_eq(r->own, 5);
	split_free(sp);
	edit_free(a);
}

Test(split, free_null)
{
	split_free(NULL);
}
