/* test_formal.c - unit tests for content/formal.c */

#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "findings.h"
#include "content_private.h"

static struct content_limits lim = { 20, 200, 8 * 1024 * 1024, 0, 0 };
static struct content_msg *cm;

static void
setup(void)
{
	mime_init();
	html_init();
}

static void
teardown(void)
{
	mime_free(cm);
	cm = NULL;
}

TestSuite(formal, .init = setup, .fini = teardown);

/* formal - run formal detection with an envelope sender (NULL: none) */
static int
formal(const char *msg, const char *sender)
{
	struct msg_view	 v;

	memset(&v, 0, sizeof(v));
	v.sender = sender;
	mime_free(cm);
	cm = mime_parse(msg, strlen(msg), &lim);
	return (formal_detect(cm, &v));
}

static int
fired(enum rule_id id)
{
	return ((cm->rules & (1ULL << id)) != 0);
}

Test(formal, delivery_status_report)
{
	cr_assert(formal("From: MAILER-DAEMON@mx.example.com\nSubject: "
	    "Undelivered Mail Returned to Sender\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=delivery-status; "
	    "boundary=r\n\n--r\nContent-Type: text/plain\n\nsorry\n--r\n"
	    "Content-Type: message/delivery-status\n\nReporting-MTA: dns; "
	    "mx.example.com\n\nFinal-Recipient: rfc822; x@example.org\n"
	    "Action: failed\nStatus: 5.1.1\n--r--\n", ""));
	cr_assert(fired(RULE_FORMAL_DSN));
	cr_assert(fired(RULE_FORMAL_NULL_SENDER));
	cr_assert(strstr(buf_str(cm->text), "Action: failed") != NULL);
}

Test(formal, read_receipt)
{
	cr_assert(formal("From: bob@example.com\nSubject: Read: hello\n"
	    "MIME-Version: 1.0\nContent-Type: multipart/report; "
	    "report-type=disposition-notification; boundary=r\n\n--r\n"
	    "Content-Type: text/plain\n\nread\n--r\nContent-Type: "
	    "message/disposition-notification\n\nFinal-Recipient: rfc822; "
	    "bob@example.com\nDisposition: manual-action/MDN-sent-manually; "
	    "displayed\n--r--\n", NULL));
	cr_assert(fired(RULE_FORMAL_MDN));
	cr_assert_not(fired(RULE_FORMAL_DSN));
}

Test(formal, auto_submitted)
{
	cr_assert(formal("From: robot@example.com\nAuto-Submitted: "
	    "auto-generated\nSubject: nightly report\n\nok\n", NULL));
	cr_assert(fired(RULE_FORMAL_AUTO));
	cr_assert_str_eq(cm->detail[RULE_FORMAL_AUTO], "auto-generated");
	cr_assert_not(formal("From: me@example.com\nAuto-Submitted: no\n"
	    "Subject: hand written\n\nhi\n", NULL));
}

Test(formal, null_sender_from_envelope_or_return_path)
{
	cr_assert(formal("Subject: x\n\nx\n", ""));
	cr_assert(fired(RULE_FORMAL_NULL_SENDER));
	cr_assert(formal("Return-Path: <>\nSubject: x\n\nx\n", NULL));
	cr_assert_not(formal("Return-Path: <a@example.com>\nSubject: x\n\nx\n",
	    NULL));
	/* the envelope wins over a header */
	cr_assert_not(formal("Return-Path: <>\nSubject: x\n\nx\n",
	    "a@example.com"));
}

Test(formal, vacation_replies)
{
	cr_assert(formal("From: boss@example.com\nSubject: Out of Office: "
	    "your mail\n\naway\n", "boss@example.com"));
	cr_assert(fired(RULE_FORMAL_AUTOREPLY));
	cr_assert(formal("From: boss@example.com\nSubject: Automatic reply: "
	    "x\n\naway\n", "boss@example.com"));
	cr_assert(formal("From: boss@example.com\nX-Autoreply: yes\n"
	    "Subject: Re: x\n\naway\n", "boss@example.com"));
	cr_assert(formal("From: boss@example.com\nPrecedence: auto_reply\n"
	    "Subject: Re: x\n\naway\n", "boss@example.com"));
	cr_assert_not(formal("From: boss@example.com\nSubject: Re: are you "
	    "out of office tomorrow?\n\n?\n", "boss@example.com"));
}

Test(formal, virus_notification)
{
	cr_assert(formal("From: virusalert@gw.example.com\nSubject: VIRUS "
	    "(W32/Netsky) IN MAIL FROM YOU\n\nblocked\n", "x@gw.example.com"));
	cr_assert(fired(RULE_FORMAL_VIRUS));
	cr_assert(formal("From: postmaster@gw.example.com\nSubject: Infected "
	    "attachment removed\n\nblocked\n", "x@gw.example.com"));
	/* spam about viruses from an ordinary sender is not a notice */
	cr_assert_not(formal("From: deals@shop.example.com\nSubject: Protect "
	    "your PC from every virus!\n\nbuy\n", "deals@shop.example.com"));
}

Test(formal, bounce_without_a_report)
{
	cr_assert(formal("From: Mail Delivery Subsystem <MAILER-DAEMON@"
	    "example.com>\nSubject: Returned mail: see transcript\n\n"
	    "----- The following addresses had permanent fatal errors\n",
	    "x@example.com"));
	cr_assert(fired(RULE_FORMAL_DSN));
	/* the same subject from anyone else is just a subject */
	cr_assert_not(formal("From: friend@example.com\nSubject: Returned "
	    "mail: see transcript\n\nhi\n", "friend@example.com"));
}

Test(formal, ordinary_mail_is_not_formal)
{
	cr_assert_not(formal("From: friend@example.com\nTo: me@example.org\n"
	    "Subject: lunch?\n\nAt noon?\n", "friend@example.com"));
	cr_assert_eq(cm->rules, 0);
}
