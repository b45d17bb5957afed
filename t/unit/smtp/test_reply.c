/* test_reply.c - unit tests for server/reply.c */

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "status.h"
#include "stream.h"
#include "reply.h"

static int
add(struct reply *r, const char *line, struct buf *why)
{
	return (reply_add_line(r, line, strlen(line), why));
}

Test(reply, single_and_multi_line)
{
	struct reply	 r;
	struct buf	*why = buf_new(32), *f = buf_new(32);

	reply_init(&r);
	cr_assert_eq(add(&r, "250-mx.example", why), 0);
	cr_assert_eq(add(&r, "250-PIPELINING", why), 0);
	cr_assert_eq(add(&r, "250 SIZE 100", why), 1);
	cr_assert_eq(r.code, 250);
	cr_assert_eq(r.nlines, 3);
	cr_assert_str_eq(buf_str(r.text), "mx.example\nPIPELINING\nSIZE 100");
	reply_format(&r, f);
	cr_assert_str_eq(buf_str(f), "250 2.0.0 mx.example");
	reply_free(&r);
	buf_free(why);
	buf_free(f);
}

Test(reply, enhanced_code_kept)
{
	struct reply	 r;
	struct buf	*why = buf_new(32), *f = buf_new(32);

	reply_init(&r);
	cr_assert_eq(add(&r, "550 5.1.1 <x@y>: no such user", why), 1);
	cr_assert_str_eq(r.enh, "5.1.1");
	reply_format(&r, f);
	cr_assert_str_eq(buf_str(f), "550 5.1.1 <x@y>: no such user");
	reply_free(&r);
	buf_free(why);
	buf_free(f);
}

Test(reply, bare_code)
{
	struct reply	 r;

	reply_init(&r);
	cr_assert_eq(add(&r, "354", NULL), 1);
	cr_assert_eq(r.code, 354);
	reply_free(&r);
}

Test(reply, N8_malformed_lines_refused)
{
	static const char *const bad[] = {
		"", "25", "abc def", "2500 x", "250x", "650 no", "150 no",
		"25a ok"
	};
	struct reply	 r;
	struct buf	*why = buf_new(32);
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		reply_init(&r);
		cr_assert_eq(add(&r, bad[i], why), -1, "accepted \"%s\"",
		    bad[i]);
		reply_free(&r);
	}
	buf_free(why);
}

Test(reply, code_change_refused)
{
	struct reply	 r;
	struct buf	*why = buf_new(32);

	reply_init(&r);
	cr_assert_eq(add(&r, "250-a", why), 0);
	cr_assert_eq(add(&r, "550 b", why), -1);
	cr_assert(strstr(buf_str(why), "changed") != NULL);
	reply_free(&r);
	buf_free(why);
}

Test(reply, N8_too_many_lines_refused)
{
	struct reply	 r;
	struct buf	*why = buf_new(32);
	int		 i, rc = 0;

	reply_init(&r);
	for (i = 0; i < REPLY_MAX_LINES + 5 && rc == 0; i++)
		rc = add(&r, "250-x", why);
	cr_assert_eq(rc, -1);
	reply_free(&r);
	buf_free(why);
}

Test(reply, N8_read_from_stream_with_hostile_peer)
{
	struct reply	 r;
	struct stream	*st;
	struct buf	*why = buf_new(32);
	char		 big[5000];
	int		 sv[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	memset(big, 'x', sizeof(big));
	memcpy(big, "250 ", 4);
	cr_assert_eq(write(sv[1], big, sizeof(big)), (ssize_t)sizeof(big));
	cr_assert_eq(write(sv[1], "\r\n", 2), 2);
	st = stream_new(sv[0]);
	stream_set_timeout(st, 2000);
	reply_init(&r);
	cr_assert_eq(reply_read(st, &r, why), WN_TEMP);
	cr_assert(strstr(buf_str(why), "longer") != NULL, "%s",
	    buf_str(why));
	reply_free(&r);
	stream_free(st);
	close(sv[1]);
	buf_free(why);
}

Test(reply, read_times_out_on_silence)
{
	struct reply	 r;
	struct stream	*st;
	struct buf	*why = buf_new(32);
	int		 sv[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cr_assert_eq(write(sv[1], "250-partial\r\n", 13), 13);
	st = stream_new(sv[0]);
	stream_set_timeout(st, 100);
	reply_init(&r);
	cr_assert_eq(reply_read(st, &r, why), WN_TEMP);
	cr_assert(strstr(buf_str(why), "timeout") != NULL, "%s",
	    buf_str(why));
	reply_free(&r);
	stream_free(st);
	close(sv[1]);
	buf_free(why);
}
