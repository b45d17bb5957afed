/* test_template.c - unit tests for policy/template.c: parsing, errors with
 * line numbers, rendering, header safety */

#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "template.h"
#include "testutil.h"

static struct buf	*why, *hdr, *body;
static const char	*vars[TEMPLATE_NVARS];

static void
setup(void)
{
	why = buf_new(128);
	hdr = buf_new(256);
	body = buf_new(256);
	memset(vars, 0, sizeof(vars));
	vars[TEMPLATE_SENDER] = "s@x.test";
	vars[TEMPLATE_STATUS] = "spam";
	vars[TEMPLATE_ACTION] = "quarantine";
	vars[TEMPLATE_QUEUE_ID] = "ABC";
}

static void
teardown(void)
{
	buf_free(why);
	buf_free(hdr);
	buf_free(body);
}

TestSuite(template, .init = setup, .fini = teardown);

/* ok - a template that must parse */

static struct template *
ok(const char *text)
{
	struct template	*t;

	buf_reset(why);
	t = template_parse(text, strlen(text), "t", 0, why);
	cr_assert_not_null(t, "%s", buf_str(why));
	return (t);
}

/* bad - one that must not, with "t:LINE: reason" */

static void
bad(const char *text, int line, const char *reason)
{
	char	 want[64];

	buf_reset(why);
	cr_assert_null(template_parse(text, strlen(text), "t", 0, why), "%s",
	    text);
	(void)snprintf(want, sizeof(want), "t:%d: ", line);
	cr_assert(strncmp(buf_str(why), want, strlen(want)) == 0, "%s: %s",
	    want, buf_str(why));
	cr_assert(strstr(buf_str(why), reason) != NULL, "%s: %s", reason,
	    buf_str(why));
}

/* run - render into hdr and body */

static void
run(const struct template *t)
{
	buf_reset(hdr);
	buf_reset(body);
	template_render(t, vars, hdr, body);
}

Test(template, macros_and_dollars)
{
	struct template	*t = ok("# comment\nSubject: ${status} from "
	    "${sender}\n\nCost: $$5, a $ sign, id ${ queue_id }.\n");

	run(t);
	cr_assert_str_eq(buf_str(hdr), "Subject: spam from s@x.test\r\n");
	cr_assert_str_eq(buf_str(body), "Cost: $5, a $ sign, id ABC.\r\n");
	cr_assert(template_has_field(t, "subject"));
	cr_assert_not(template_has_field(t, "From"));
	template_free(t);
}

Test(template, conditionals)
{
	struct template	*t = ok("Subject: x\n\n"
	    "${if virus}virus ${virus}${else}no virus${endif}\n"
	    "${if action=QUARANTINE}held\n${endif}"
	    "${if status = ham}ham${else}${if status=spam}spam${endif}"
	    "${endif}\n");

	run(t);
	cr_assert_str_eq(buf_str(body), "no virus\r\nheld\r\nspam\r\n");
	vars[TEMPLATE_VIRUS] = "EICAR";
	vars[TEMPLATE_ACTION] = "accept";
	run(t);
	cr_assert_str_eq(buf_str(body), "virus EICAR\r\nspam\r\n");
	template_free(t);
}

Test(template, syntax_errors_name_their_line)
{
	bad("Subject: x\n\nok\n${nope}\n", 4, "unknown macro ${nope}");
	bad("Subject: x\n\nline\n${if virus}\nmore\n", 4,
	    "${if} is not closed");
	bad("Subject: x\n\n\n\n${else}\n", 5, "${else} without ${if}");
	bad("Subject: x\n\n${endif}\n", 3, "${endif} without ${if}");
	bad("Subject: x\n\n${if virus}a${else}b${else}c${endif}\n", 3,
	    "second ${else}");
	bad("Subject: x\n\nopen ${status\n", 3, "unterminated");
	bad("Subject: x\n\n${if}\n", 3, "needs a macro");
	bad("Subject: x\n\n${if nope}x${endif}\n", 3, "unknown macro");
	bad("Subject: ${if virus}x\n\nbody\n", 1, "in its header field");
	bad("Subject: x\nTo: someone\n\nbody\n", 2, "written by winnow");
	bad("Subject: x\nsubject: y\n\nbody\n", 2, "set twice");
	bad("Subject: x\nnot a header\n\nbody\n", 2, "not a header field");
	bad(" continued\nSubject: x\n\nbody\n", 1, "continuation");
	bad("Subject: x\nbody without a blank line\n", 2, "not a header");
	bad("Subject: x\n", 2, "no empty line");
	bad("Subject: x\n\nbad \x01 byte\n", 3, "control character");
	bad("Subject: x\n\n${if virus}${if virus}${if virus}${if virus}"
	    "${if virus}${if virus}${if virus}${if virus}${if virus}\n", 3,
	    "nested deeper");
}

Test(template, long_lines_refused)
{
	struct buf	*t = buf_new(2048);
	size_t		 i;

	buf_puts(t, "Subject: x\n\nshort\n");
	for (i = 0; i < 1000; i++)
		buf_putc(t, 'a');
	buf_puts(t, "\n");
	bad(buf_str(t), 4, "longer than 998");
	buf_free(t);
}

Test(template, values_never_break_a_header)
{
	struct template	*t = ok("Subject: about ${subject}\nX-Who: "
	    "${sender}\n\n${subject}\n");
	const char	*p;

	vars[TEMPLATE_SUBJECT] = "hi\r\nBcc: victim@x.test\r\n\r\nbody";
	vars[TEMPLATE_SENDER] = "a\nb\rc\x01";
	run(t);
	/* Every line of the header starts a field or continues one. */
	for (p = buf_str(hdr); *p != '\0'; p = strstr(p, "\r\n") + 2)
		cr_assert(strncmp(p, "Subject:", 8) == 0 ||
		    strncmp(p, "X-Who:", 6) == 0 || *p == ' ' || *p == '\t',
		    "%s", buf_str(hdr));
	cr_assert_null(strstr(buf_str(hdr), "\nBcc"));
	cr_assert_null(strchr(buf_str(body), '\x01'));
	cr_assert_null(strstr(buf_str(body), "\r\nBcc"));
	template_free(t);
}

Test(template, eight_bit_headers_are_encoded)
{
	struct template	*t = ok("Subject: ${subject}\n\nx\n");
	const char	*p;

	vars[TEMPLATE_SUBJECT] = "Gr\xc3\xbc\xc3\x9f" "e aus K\xc3\xb6ln, "
	    "eine sehr lange Betreffzeile mit Umlauten \xc3\xa4\xc3\xb6\xc3\xbc"
	    " die gefaltet werden muss";
	run(t);
	cr_assert(strncmp(buf_str(hdr), "Subject: =?UTF-8?B?", 19) == 0, "%s",
	    buf_str(hdr));
	for (p = buf_str(hdr); *p; p++)
		cr_assert(((unsigned char)*p & 0x80) == 0);
	cr_assert(strstr(buf_str(hdr), "?=\r\n =?UTF-8?B?") != NULL, "%s",
	    buf_str(hdr));
	template_free(t);
}

Test(template, long_plain_headers_fold)
{
	struct template	*t = ok("Subject: ${recipients}\n\nx\n");
	struct buf	*r = buf_new(2048);
	const char	*p, *nl;
	int		 i;

	for (i = 0; i < 60; i++)
		buf_printf(r, "%suser%d@example.com", i ? ", " : "", i);
	vars[TEMPLATE_RECIPIENTS] = buf_str(r);
	run(t);
	for (p = buf_str(hdr); (nl = strstr(p, "\r\n")) != NULL; p = nl + 2)
		cr_assert_leq(nl - p, 998);
	cr_assert(strstr(buf_str(hdr), "...") != NULL);	/* truncated */
	cr_assert_leq(buf_len(hdr), 1100);
	template_free(t);
	buf_free(r);
}

Test(template, body_lines_wrap_below_998)
{
	struct template	*t = ok("Subject: x\n\n[${subject}]\n");
	char		 big[TEMPLATE_VAR_MAX + 500];
	const char	*p, *nl;

	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	vars[TEMPLATE_SUBJECT] = big;
	run(t);
	for (p = buf_str(body); (nl = strstr(p, "\r\n")) != NULL; p = nl + 2)
		cr_assert_leq(nl - p, 998);
	template_free(t);
}

Test(template, one_line)
{
	struct template	*t;
	struct buf	*out = buf_new(64);

	t = template_parse("5.7.1 refused (${status}${if virus}: ${virus}"
	    "${endif})\n", 55, "r", 1, why);
	cr_assert_not_null(t, "%s", buf_str(why));
	vars[TEMPLATE_VIRUS] = "Evil\r\n250 ok";
	template_render_line(t, vars, out);
	cr_assert_str_eq(buf_str(out),
	    "5.7.1 refused (spam: Evil\\r\\n250 ok)");
	template_free(t);
	buf_reset(why);
	cr_assert_null(template_parse("a\nb", 3, "r", 1, why));
	cr_assert(strstr(buf_str(why), "line break") != NULL);
	buf_free(out);
}

Test(template, load_from_file)
{
	const char	*p = tu_write_file("n.tmpl", "Subject: s\r\n\r\nb\r\n");
	struct template	*t = template_load(p, 0, why);

	cr_assert_not_null(t, "%s", buf_str(why));
	run(t);
	cr_assert_str_eq(buf_str(body), "b\r\n");
	template_free(t);
	cr_assert_null(template_load(p, 4, why));
	cr_assert(strstr(buf_str(why), "max_file_size") != NULL);
	cr_assert_null(template_load("/nonexistent.tmpl", 0, why));
	buf_reset(why);
	cr_assert_null(template_load("/dev/zero", 0, why));
	cr_assert(strstr(buf_str(why), "not a regular file") != NULL);
}

Test(template, var_names)
{
	cr_assert_eq(template_var_find("queue_id", 8), TEMPLATE_QUEUE_ID);
	cr_assert_eq(template_var_find("QUEUE_ID", 8), TEMPLATE_QUEUE_ID);
	cr_assert_eq(template_var_find("queue", 5), -1);
	cr_assert_str_eq(template_var_name(TEMPLATE_CLIENT), "client");
}
