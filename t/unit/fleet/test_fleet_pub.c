/* test_fleet_pub.c - unit tests for fleet/fleet_pub.c */

#include <sys/stat.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "fleet_key.h"
#include "fleet_pub.h"
#include "sstore.h"
#include "status.h"
#include "svec.h"
#include "testutil.h"

#define RECV	SKEY(SM_RECEIVED, 0, 0, 0)

/* append - a record of n messages at ts */

static void
append(const char *path, int res, int64_t ts, uint64_t n)
{
	struct svec	*v = svec_new();
	struct buf	*why = buf_new(64);

	svec_add(v, RECV, n);
	cr_assert_eq(sstore_append(path, res, ts, v, why), WN_OK, "%s",
	    buf_str(why));
	svec_free(v);
	buf_free(why);
}

/* field_value - the received count HSET gives a field, or -1 */

static int64_t
field_value(const struct fleet_batch *b, const char *field)
{
	struct svec	*v;
	struct buf	*why = buf_new(64);
	size_t		 i;
	int		 k;
	int64_t		 got = -1;

	for (i = 0; i < b->n; i++) {
		if (strcmp(b->cmd[i].argv[0], "HSET") != 0)
			continue;
		for (k = 2; k + 1 < b->cmd[i].argc; k += 2) {
			if (strcmp(b->cmd[i].argv[k], field) != 0)
				continue;
			v = svec_new();
			cr_assert_eq(fleet_bucket_parse(b->cmd[i].argv[k + 1],
			    b->cmd[i].len[k + 1], v, why), 0);
			got = (int64_t)svec_get(v, RECV);
			svec_free(v);
		}
	}
	buf_free(why);
	return (got);
}

Test(fleet_pub, full_then_incremental_then_compacted)
{
	struct fleet_cursor cur;
	struct fleet_batch b;
	struct buf	*why = buf_new(64), *problems = buf_new(64);
	char		 path[4096];

	(void)snprintf(path, sizeof(path), "%s", tu_write_file("store", ""));
	(void)unlink(path);
	memset(&cur, 0, sizeof(cur));
	append(path, SRES_MINUTE, 600, 3);
	append(path, SRES_MINUTE, 660, 4);
	append(path, SRES_MINUTE, 600, 2);	/* a second record of 600 */

	/* a first look: the whole hash, in one MULTI/EXEC */
	fleet_batch_init(&b, &cur);
	cr_assert_eq(fleet_pub_stats(&b, path, "n1", why), WN_OK, "%s",
	    buf_str(why));
	cr_assert_eq(b.full, 1);
	cr_assert_eq(b.n, 4);
	cr_assert_str_eq(b.cmd[0].argv[0], "MULTI");
	cr_assert_str_eq(b.cmd[1].argv[0], "DEL");
	cr_assert_str_eq(b.cmd[1].argv[1], "winnow:fleet:stats:n1");
	cr_assert_str_eq(b.cmd[3].argv[0], "EXEC");
	cr_assert_eq(field_value(&b, "1:600"), 5);
	cr_assert_eq(field_value(&b, "1:660"), 4);
	cr_assert_eq(b.buckets, 2);
	cr_assert_eq(b.next.published, 660);
	cur = b.next;
	fleet_batch_free(&b);

	/* nothing new: nothing to send */
	fleet_batch_init(&b, &cur);
	cr_assert_eq(fleet_pub_stats(&b, path, "n1", why), WN_OK);
	cr_assert_eq(b.n, 0);
	fleet_batch_free(&b);

	/* a record of an old bucket: that bucket, summed whole */
	append(path, SRES_MINUTE, 600, 10);
	append(path, SRES_MINUTE, 720, 1);
	fleet_batch_init(&b, &cur);
	cr_assert_eq(fleet_pub_stats(&b, path, "n1", why), WN_OK);
	cr_assert_eq(b.full, 0);
	cr_assert_eq(b.n, 1);
	cr_assert_eq(field_value(&b, "1:600"), 15);
	cr_assert_eq(field_value(&b, "1:660"), -1);
	cr_assert_eq(field_value(&b, "1:720"), 1);
	cur = b.next;
	fleet_batch_free(&b);

	/* a compaction folds the minutes into their hour (a new file):
	 * the hash is replaced whole, no minute left beside the hour */
	cr_assert_eq(sstore_compact(path, 3 * 86400 + 3600, problems, why),
	    WN_OK, "%s", buf_str(why));
	fleet_batch_init(&b, &cur);
	cr_assert_eq(fleet_pub_stats(&b, path, "n1", why), WN_OK);
	cr_assert_eq(b.full, 1);
	cr_assert_eq(field_value(&b, "2:0"), 20);
	cr_assert_eq(field_value(&b, "1:600"), -1);
	fleet_batch_free(&b);
	buf_free(why);
	buf_free(problems);
}

Test(fleet_pub, a_torn_record_waits)
{
	struct fleet_cursor cur;
	struct fleet_batch b;
	struct buf	*why = buf_new(64);
	char		 path[4096];
	FILE		*f;

	(void)snprintf(path, sizeof(path), "%s", tu_write_file("store", ""));
	(void)unlink(path);
	append(path, SRES_MINUTE, 600, 3);
	memset(&cur, 0, sizeof(cur));
	fleet_batch_init(&b, &cur);
	cr_assert_eq(fleet_pub_stats(&b, path, "n1", why), WN_OK);
	cur = b.next;
	fleet_batch_free(&b);
	f = fopen(path, "a");
	(void)fputs("WNS1\001", f);		/* half a record */
	(void)fclose(f);
	fleet_batch_init(&b, &cur);
	cr_assert_eq(fleet_pub_stats(&b, path, "n1", why), WN_TEMP);
	cr_assert_eq(b.n, 0);
	cr_assert_eq(b.next.off, cur.off);	/* the cursor stays */
	fleet_batch_free(&b);
	buf_free(why);
}

Test(fleet_pub, missing_store_is_empty)
{
	struct fleet_cursor cur;
	struct fleet_batch b;
	struct buf	*why = buf_new(64);

	memset(&cur, 0, sizeof(cur));
	fleet_batch_init(&b, &cur);
	cr_assert_eq(fleet_pub_stats(&b, "/nonexistent/store", "n1", why),
	    WN_OK);
	cr_assert_eq(b.buckets, 0);
	fleet_batch_free(&b);
	buf_free(why);
}

Test(fleet_pub, cursor_both_ways)
{
	struct fleet_cursor c, d;
	struct buf	*why = buf_new(64);
	char		 path[4096];

	(void)snprintf(path, sizeof(path), "%s", tu_write_file("cursor",
	    "garbage\n"));
	cr_assert_eq(fleet_cursor_load(path, &d, why), -1);
	cr_assert_eq(d.off, 0);
	fleet_cursor_restart(&c);
	cr_assert_neq(c.epoch, 0);
	c.ino = 12345;
	c.off = 999;
	c.published = 1700000040;
	c.started = 1700000000;
	c.pid = 77;
	c.hist = 31;
	cr_assert_eq(fleet_cursor_save(path, &c, why), 0, "%s", buf_str(why));
	cr_assert_eq(fleet_cursor_load(path, &d, why), 0, "%s", buf_str(why));
	cr_assert_eq(memcmp(&c, &d, sizeof(c)), 0);
	(void)unlink(path);
	cr_assert_eq(fleet_cursor_load(path, &d, why), 0);	/* none */
	cr_assert_eq(d.epoch, 0);
	buf_free(why);
}
