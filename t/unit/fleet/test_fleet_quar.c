/* test_fleet_quar.c - unit tests for fleet/fleet_quar.c */

#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "fleet_conf.h"
#include "fleet_key.h"
#include "fleet_quar.h"
#include "quar.h"

Test(fleet_quar, key)
{
	char	 k[FLEET_KEY_MAX];

	fleet_key_quar("n-1.a", k, sizeof(k));
	cr_assert_str_eq(k, "winnow:fleet:quar:n-1.a");
}

/* an info file's summary, as "list" shows it */
Test(fleet_quar, from_info_format_parse)
{
	struct quar_rcpt rc[2] = {
		{ "a@x.org", "g", "spam", NULL, "quarantine" },
		{ "b c@x.org", NULL, "probable-spam", "infected", "reject" },
	};
	struct quar_info qi;
	struct fleet_qent e, f;
	struct buf	*v = buf_new(64), *why = buf_new(64);

	memset(&qi, 0, sizeof(qi));
	qi.id = "03BA13C30A01806-2";
	qi.time = 1796618008;
	qi.sender = "";
	qi.subject = "50% off\tnow \xd0\x9f";
	qi.size = 812;
	qi.rcpts = rc;
	qi.nrcpts = 2;
	qi.nreleases = 1;
	qi.upstream_id = "4XyZ1";
	fleet_qent_from_info(&qi, &e);
	cr_assert_str_eq(e.to, "a@x.org, b c@x.org");
	cr_assert_str_eq(e.status, "spam probable-spam/infected");
	fleet_qent_format(&e, v);
	cr_assert_str_eq(buf_str(v), "v1 time=1796618008 size=812 "
	    "releases=1 from= to=a@x.org,%20b%20c@x.org "
	    "status=spam%20probable-spam/infected "
	    "subject=50%25%20off%09now%20\xd0\x9f upstream=4XyZ1");
	cr_assert_eq(fleet_qent_parse(qi.id, strlen(qi.id), buf_str(v),
	    buf_len(v), &f, why), 0, "%s", buf_str(why));
	cr_assert_str_eq(f.id, qi.id);
	cr_assert_eq(f.time, 1796618008);
	cr_assert_eq(f.size, 812);
	cr_assert_eq(f.releases, 1);
	cr_assert_str_eq(f.from, "");
	cr_assert_str_eq(f.to, e.to);
	cr_assert_str_eq(f.status, e.status);
	cr_assert_str_eq(f.subject, qi.subject);
	cr_assert_str_eq(f.upstream, "4XyZ1");
	fleet_qent_free(&e);
	fleet_qent_free(&f);
	buf_free(v);
	buf_free(why);
}

/* a newer node's words are skipped; missing texts are empty */
Test(fleet_quar, newer_words_and_defaults)
{
	const char	*v = "v1 time=5 size=0 releases=0 colour=red  to=x";
	struct fleet_qent e;
	struct buf	*why = buf_new(64);

	cr_assert_eq(fleet_qent_parse("A1", 2, v, strlen(v), &e, why), 0,
	    "%s", buf_str(why));
	cr_assert_str_eq(e.to, "x");
	cr_assert_str_eq(e.subject, "");
	cr_assert_str_eq(e.from, "");
	fleet_qent_free(&e);
	buf_free(why);
}

Test(fleet_quar, damaged)
{
	static const char *const bad[] = {
		"", "v1", "v2 time=1 size=1 releases=1",
		"v1time=1 size=1 releases=1",
		"v1 size=1 releases=1",			/* no time */
		"v1 time=1 releases=1",			/* no size */
		"v1 time=1 size=1",			/* no releases */
		"v1 time=01 size=1 releases=1",
		"v1 time=-1 size=1 releases=1",
		"v1 time=99999999999999999 size=1 releases=1",
		"v1 time=1 size=1 releases=1000001",
		"v1 time=1 size=1 releases=1 from=a from=b",
		"v1 time=1 size=1 releases=1 from=%4",
		"v1 time=1 size=1 releases=1 from=%zz",
		"v1 time=1 size=1 releases=1 from=%00",
		"v1 time=1 size=1 releases=1 from=%41",	/* needless */
		"v1 time=1 size=1 releases=1 from=%2c",	/* lower case */
		"v1 time=1 size=1 releases=1 bare",
		"v1 time=1 size=1 releases=1 subject=a\tb",
		NULL
	};
	struct fleet_qent e;
	struct buf	*why = buf_new(64);
	size_t		 i;

	for (i = 0; bad[i] != NULL; i++) {
		buf_reset(why);
		cr_assert_eq(fleet_qent_parse("A", 1, bad[i], strlen(bad[i]),
		    &e, why), -1, "%s", bad[i]);
		cr_assert_gt(buf_len(why), 0);
		fleet_qent_free(&e);
	}
	/* ids: letters, digits, '-' only, bounded */
	cr_assert_eq(fleet_qent_parse("a/b", 3, "v1 time=1 size=1 releases=1",
	    27, &e, why), -1);
	fleet_qent_free(&e);
	cr_assert_eq(fleet_qent_parse("", 0, "v1 time=1 size=1 releases=1",
	    27, &e, why), -1);
	fleet_qent_free(&e);
	buf_free(why);
}

/* the heartbeat's control address, both ways */
Test(fleet_quar, beat_control)
{
	struct fleet_beat b, c;
	struct buf	*t = buf_new(64), *why = buf_new(64);

	memset(&b, 0, sizeof(b));
	b.time_ms = 5;
	b.interval_ms = 1000;
	(void)strcpy(b.version, "1.0");
	(void)strcpy(b.control, "http://127.0.0.3:8080");
	fleet_beat_format(&b, t);
	cr_assert(strstr(buf_str(t), " control=http://127.0.0.3:8080") !=
	    NULL);
	cr_assert_eq(fleet_beat_parse(buf_str(t), buf_len(t), &c, why), 0);
	cr_assert_str_eq(c.control, b.control);
	cr_assert_eq(fleet_beat_parse("time=1 interval=1 control=", 26, &c,
	    why), -1);
	cr_assert_eq(fleet_control_check("", why), 0);
	cr_assert_eq(fleet_control_check("http://h:1", why), 0);
	cr_assert_eq(fleet_control_check("ftp://h:1", why), -1);
	cr_assert_eq(fleet_control_check("http://h 1", why), -1);
	buf_free(t);
	buf_free(why);
}
