/* test_quar.c - unit tests for spool/quar.c: the quarantine store, its
 * durability order, listing, release records, delete and purge */

#include <sys/stat.h>

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "buf.h"
#include "quar.h"
#include "testutil.h"

static struct buf	*why, *trace;
static char		 dir[512];

static void
setup(void)
{
	why = buf_new(128);
	trace = buf_new(512);
	(void)snprintf(dir, sizeof(dir), "%s/q", tu_tmpdir());
}

static void
teardown(void)
{
	quar_set_trace(NULL, NULL);
	buf_free(why);
	buf_free(trace);
}

TestSuite(quar, .init = setup, .fini = teardown);

/* record - the trace hook: one step per line, directory names shortened */

static int
record(const char *step, void *arg)
{
	struct buf	*b = arg;
	const char	*d = strstr(step, dir);

	if (d != NULL) {
		buf_append(b, step, (size_t)(d - step));
		buf_puts(b, "DIR");
		buf_puts(b, d + strlen(dir));
	} else {
		buf_puts(b, step);
	}
	buf_putc(b, '\n');
	return (0);
}

/* store - one entry */

static char *
store(const char *id, time_t when, const char *sender, json_t *f)
{
	struct quar_info qi;
	struct quar_rcpt r[2];
	static const char msg[] = "Subject: hi\r\n\r\nbody\r\n";
	char		*out;

	memset(&qi, 0, sizeof(qi));
	memset(r, 0, sizeof(r));
	r[0].addr = "a@example.com";
	r[0].group = "All";
	r[0].spam = "spam";
	r[0].action = "quarantine";
	r[1].addr = "b@example.com";
	r[1].group = "sales";
	r[1].spam = "not-detected";
	r[1].av = "infected";
	r[1].action = "quarantine";
	qi.id = strdup(id);
	qi.queue_id = (char *)id;
	qi.time = when;
	qi.client_addr = "192.0.2.1";
	qi.helo = "client.test";
	qi.sender = (char *)sender;
	qi.subject = "hi";
	qi.rcpts = r;
	qi.nrcpts = 2;
	qi.findings = f;
	buf_reset(why);
	cr_assert_eq(quar_store(dir, &qi, msg, sizeof(msg) - 1, why), WN_OK,
	    "%s", buf_str(why));
	out = qi.id;
	return (out);
}

Test(quar, D5_durable_in_the_right_order)
{
	char	*id;

	quar_set_trace(record, trace);
	id = store("ABC123", time(NULL), "s@x.test", NULL);
	cr_assert_str_eq(id, "ABC123");
	/* The message, then the info (the commit record), then the
	 * directory: each file fsync'd before its rename. */
	cr_assert_str_eq(buf_str(trace),
	    "write ABC123.eml.tmp\n"
	    "fsync ABC123.eml.tmp\n"
	    "rename ABC123.eml\n"
	    "write ABC123.json.tmp\n"
	    "fsync ABC123.json.tmp\n"
	    "rename ABC123.json\n"
	    "fsync-dir DIR\n");
	free(id);
}

Test(quar, round_trip)
{
	struct quar_info *qi;
	json_t		*f = json_pack("{s:b, s:[{s:s}]}", "gtube", 1,
			    "viruses", "name", "Eicar");
	char		*id, *data;
	size_t		 len;

	id = store("R1", 1700000000, "s\xff@x.test", f);
	cr_assert_eq(quar_read(dir, id, &qi, why), WN_OK, "%s", buf_str(why));
	cr_assert_str_eq(qi->id, "R1");
	cr_assert_eq(qi->time, 1700000000);
	/* Invalid UTF-8 from the message is made valid. */
	cr_assert_str_eq(qi->sender, "s?@x.test");
	cr_assert_str_eq(qi->client_addr, "192.0.2.1");
	cr_assert_eq(qi->nrcpts, 2);
	cr_assert_str_eq(qi->rcpts[1].group, "sales");
	cr_assert_str_eq(qi->rcpts[1].av, "infected");
	cr_assert_null(qi->rcpts[0].av);
	cr_assert_eq(qi->size, 21);
	cr_assert_eq(qi->nreleases, 0);
	cr_assert(strstr(qi->json, "\"Eicar\"") != NULL);
	cr_assert(strstr(qi->json, "\"gtube\": true") != NULL);
	quar_info_free(qi);
	cr_assert_eq(quar_message(dir, id, &data, &len, why), WN_OK);
	cr_assert_eq(len, 21);
	cr_assert_eq(memcmp(data, "Subject: hi\r\n", 13), 0);
	free(data);
	free(id);
	json_decref(f);
}

Test(quar, id_collisions_get_a_suffix)
{
	char	*a = store("DUP", 1, "s@x.test", NULL);
	char	*b = store("DUP", 2, "s@x.test", NULL);

	cr_assert_str_eq(a, "DUP");
	cr_assert_str_eq(b, "DUP-2");
	free(a);
	free(b);
}

/* collect - quar_each callback: ids, one per line */

static void
collect(const struct quar_info *qi, void *arg)
{
	buf_printf(arg, "%s\n", qi->id);
}

Test(quar, each_oldest_first_skips_incomplete)
{
	char	 path[600];
	FILE	*fp;

	free(store("B", 200, "s@x.test", NULL));
	free(store("A", 300, "s@x.test", NULL));
	free(store("C", 100, "s@x.test", NULL));
	/* An interrupted write: a message without info is no entry. */
	(void)snprintf(path, sizeof(path), "%s/D.eml", dir);
	fp = fopen(path, "w");
	fputs("x", fp);
	fclose(fp);
	cr_assert_eq(quar_each(dir, collect, trace, why), WN_OK);
	cr_assert_str_eq(buf_str(trace), "C\nB\nA\n");
}

Test(quar, each_on_a_missing_directory)
{
	cr_assert_eq(quar_each("/nonexistent/q", collect, trace, why), WN_OK);
	cr_assert_eq(buf_len(trace), 0);
}

Test(quar, release_records)
{
	struct quar_info *qi;
	char		*id = store("REL", 5, "s@x.test", NULL);
	int		 fd;

	fd = quar_lock(dir, id, why);
	cr_assert_geq(fd, 0, "%s", buf_str(why));
	cr_assert_eq(quar_mark_released(dir, id, "a@example.com", why), WN_OK,
	    "%s", buf_str(why));
	quar_unlock(fd);
	cr_assert_eq(quar_mark_released(dir, id, "x@example.com", why), WN_OK);
	cr_assert_eq(quar_read(dir, id, &qi, why), WN_OK);
	cr_assert_eq(qi->nreleases, 2);
	cr_assert_str_eq(qi->released_to, "x@example.com");
	cr_assert_gt(qi->released, 0);
	cr_assert_eq(qi->nrcpts, 2);	/* the rest is kept */
	quar_info_free(qi);
	free(id);
}

Test(quar, delete)
{
	struct quar_info *qi;
	char	 path[600];
	char	*id = store("DEL", 5, "s@x.test", NULL);

	cr_assert_eq(quar_delete(dir, id, why), WN_OK, "%s", buf_str(why));
	(void)snprintf(path, sizeof(path), "%s/DEL.eml", dir);
	cr_assert_neq(access(path, F_OK), 0);
	cr_assert_eq(quar_delete(dir, id, why), WN_PERM);
	cr_assert_eq(quar_read(dir, id, &qi, why), WN_PERM);
	cr_assert_null(qi);
	free(id);
}

Test(quar, purge_old_entries_and_leftovers)
{
	char		 path[600];
	size_t		 n;
	FILE		*fp;

	free(store("OLD", 1000, "s@x.test", NULL));
	free(store("NEW", time(NULL), "s@x.test", NULL));
	(void)snprintf(path, sizeof(path), "%s/LEFT.eml.tmp", dir);
	fp = fopen(path, "w");
	fclose(fp);
	cr_assert_eq(quar_purge(dir, time(NULL) - 3600, &n, why), WN_OK,
	    "%s", buf_str(why));
	cr_assert_eq(n, 1);
	cr_assert_eq(quar_each(dir, collect, trace, why), WN_OK);
	cr_assert_str_eq(buf_str(trace), "NEW\n");
	/* A fresh leftover may be a write in progress: it stays. */
	cr_assert_eq(access(path, F_OK), 0);
}

Test(quar, ids_are_checked)
{
	struct quar_info *qi;

	cr_assert(quar_id_ok("0A1B2C3D4E5F6A7-2"));
	cr_assert_not(quar_id_ok("../etc/passwd"));
	cr_assert_not(quar_id_ok("a/b"));
	cr_assert_not(quar_id_ok(""));
	cr_assert_not(quar_id_ok(NULL));
	cr_assert_eq(quar_read(dir, "../x", &qi, why), WN_PERM);
	cr_assert_null(qi);
	cr_assert_eq(quar_delete(dir, "a.b", why), WN_PERM);
	cr_assert_lt(quar_lock(dir, "a b", why), 0);
}

Test(quar, write_failure_is_temporary)
{
	struct quar_info qi;
	struct quar_rcpt r;

	FILE		*fp;

	memset(&qi, 0, sizeof(qi));
	memset(&r, 0, sizeof(r));
	r.addr = "a@x.test";
	qi.id = strdup("X");
	qi.sender = "";
	qi.rcpts = &r;
	qi.nrcpts = 1;
	/* A file where the directory should be (root writes anywhere else). */
	fp = fopen(dir, "w");
	fclose(fp);
	cr_assert_eq(quar_store(dir, &qi, "x", 1, why), WN_TEMP);
	cr_assert(strstr(buf_str(why), "not a directory") != NULL, "%s",
	    buf_str(why));
	(void)unlink(dir);
	if (geteuid() != 0) {
		buf_reset(why);
		(void)mkdir(dir, 0500);
		cr_assert_eq(quar_store(dir, &qi, "x", 1, why), WN_TEMP);
		cr_assert(strstr(buf_str(why), "Permission denied") != NULL,
		    "%s", buf_str(why));
	}
	free(qi.id);
}

Test(quar, broken_info_is_reported)
{
	char		 path[600];
	FILE		*fp;

	free(store("GOOD", 10, "s@x.test", NULL));
	(void)snprintf(path, sizeof(path), "%s/BAD.json", dir);
	fp = fopen(path, "w");
	fputs("{ not json", fp);
	fclose(fp);
	cr_assert_eq(quar_each(dir, collect, trace, why), WN_OK);
	cr_assert_str_eq(buf_str(trace), "GOOD\n");
	cr_assert(strstr(buf_str(why), "bad info file") != NULL, "%s",
	    buf_str(why));
}

/* fail_fsync_dir - the directory's fsync fails (a dying disk) */

static int
fail_fsync_dir(const char *step, void *arg)
{
	(void)arg;
	return (strncmp(step, "fsync-dir ", 10) == 0 ? -1 : 0);
}

Test(quar, D7_not_durable_means_not_stored)
{
	struct quar_info qi;
	struct quar_rcpt r;

	memset(&qi, 0, sizeof(qi));
	memset(&r, 0, sizeof(r));
	r.addr = "a@example.com";
	r.group = "All";
	r.spam = "spam";
	r.action = "quarantine";
	qi.id = strdup("FSYNC1");
	qi.queue_id = "FSYNC1";
	qi.sender = "s@x.test";
	qi.subject = "";
	qi.rcpts = &r;
	qi.nrcpts = 1;
	quar_set_trace(fail_fsync_dir, NULL);
	cr_assert_eq(quar_store(dir, &qi, "x\r\n", 3, why), WN_TEMP);
	cr_assert(strstr(buf_str(why), "fsync") != NULL, "%s", buf_str(why));
	quar_set_trace(NULL, NULL);
	/* Rolled back: nothing left to list or release twice. */
	buf_reset(trace);
	cr_assert_eq(quar_each(dir, collect, trace, why), WN_OK);
	cr_assert_eq(buf_len(trace), 0, "%s", buf_str(trace));
	free(qi.id);
}
