/*
 * ctl_classify.c - winnowctl classify: status, score and the reasons
 *
 * Runs the same content stage winnowd runs (content_check) and the same
 * verdict (verdict_spam_opts) on messages from files, and shows what
 * decided: the points, the classifier's probability, the rules that fired,
 * and the features of the message that pushed hardest towards spam and
 * towards ham.  Network checks (DNSBL, SURBL, UDS) do not run here.
 *
 * SPDX-License-Identifier: MIT
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "status.h"

/* policy */
#include "findings.h"
#include "mail.h"
#include "verdict.h"

/* content */
#include "content.h"
#include "mailsrc.h"

/* ctl */
#include "ctl_content.h"

#define CLASSIFY_TOP_DEFAULT	10
#define CLASSIFY_TOP_MAX	100

static const char ctl_classify_help[] =
"Usage: winnowctl classify [-b|-e] [-l LEVEL] [-n N] [--no-probable]\n"
"                          [-s SENDER] [-m MODEL] FILE|DIR|MBOX...\n"
"\n"
"Run winnow's content analysis on messages and say what it makes of them:\n"
"the spam status at a detection level, the score in points, the\n"
"classifier's spam probability, the named rules that fired, and the\n"
"features of the message that weighed most towards spam and towards ham.\n"
"The network checks (DNSBL, SURBL, UDS) do not run, so a message winnowd\n"
"blacklists may show a lower score here.\n"
"\n"
"The score is in points: 100 points is spam beyond doubt.  The classifier\n"
"gives 20 points per unit of log-odds (p = 0.92 is +50), each rule\n"
"adds its weight.  At the standard level 50 points make spam and 30 probable\n"
"spam (minimum 100/70, high 35/20, maximum 20/10).  GTUBE is always spam;\n"
"formal mail (bounces, receipts, auto-replies) is formal unless the score\n"
"reaches 100.\n"
"\n"
"Each argument is a message file, an mbox, or a directory of messages.\n"
"With one message the full explanation is printed; with several, one line\n"
"each (status, points, name) unless -e is given.\n"
"\n"
"Options:\n"
"  -l, --level LEVEL   minimum, standard (default), high or maximum\n"
"      --no-probable   fold probable spam into not-detected, as a group\n"
"                      with probable_spam = off does\n"
"  -n, --top N         features to show each way (default 10, max 100)\n"
"  -e, --explain       full explanation for every message\n"
"  -b, --brief         one line per message, even for one message\n"
"  -s, --sender ADDR   the envelope sender (\"\" for <>); without it the\n"
"                      Return-Path header stands in\n"
"  -m, --model FILE    use this model file instead of the [content] one\n"
"  -h, --help          this text\n"
"\n"
"Exit status: 0 done; 64 usage error; 66 an input could not be read;\n"
"65 the model given with -m is damaged; 78 configuration error.\n"
"\n"
"Example:\n"
"  winnowctl classify -l high message.eml\n";

struct ctl_classify_opts {
	enum detection_level level;
	int		 probable;
	int		 explain;	/* 1 full, 0 one line, -1 by count */
	size_t		 top;
	const char	*sender;
};

/* ctl_classify_rules - the rules line */

static void
ctl_classify_rules(const struct findings *f)
{
	unsigned int	 i, n;

	n = f->rules.count < FINDINGS_MAX_ITEMS ? f->rules.count :
	    FINDINGS_MAX_ITEMS;
	(void)printf("  rules:       ");
	if (n == 0)
		(void)printf("none");
	for (i = 0; i < n; i++) {
		(void)printf("%s%s", i ? " " : "", f->rules.item[i].name);
		if (f->rules.item[i].detail[0] != '\0')
			(void)printf("[%s]", f->rules.item[i].detail);
		(void)printf("(%+d)", f->rules.item[i].weight);
	}
	if (f->rules.count > n)
		(void)printf(" and %u more", f->rules.count - n);
	(void)printf("\n");
}

/* ctl_classify_features - the strongest features each way */

static void
ctl_classify_features(struct content_msg *cm, size_t top)
{
	struct content_contrib *sp, *hm;
	size_t		 ns = top, nh = top, i;
	char		 safe[FINDINGS_NAME_MAX * 4 + 1];
	struct buf	*b = buf_new(128);

	sp = calloc(top + 1, sizeof(*sp));
	hm = calloc(top + 1, sizeof(*hm));
	if (sp == NULL || hm == NULL)
		log_fatal("out of memory");
	(void)content_explain(cm, sp, &ns, hm, &nh);
	(void)printf("  toward spam:%s\n", ns ? "" : " (none)");
	for (i = 0; i < ns; i++) {
		buf_reset(b);
		buf_append_safe(b, sp[i].name, strlen(sp[i].name));
		(void)snprintf(safe, sizeof(safe), "%s", buf_str(b));
		(void)printf("    %+8.4f  %s\n", sp[i].weight, safe);
	}
	(void)printf("  toward ham:%s\n", nh ? "" : " (none)");
	for (i = 0; i < nh; i++) {
		buf_reset(b);
		buf_append_safe(b, hm[i].name, strlen(hm[i].name));
		(void)snprintf(safe, sizeof(safe), "%s", buf_str(b));
		(void)printf("    %+8.4f  %s\n", hm[i].weight, safe);
	}
	free(sp);
	free(hm);
	buf_free(b);
}

/* ctl_classify_one - classify and print one message */

static void
ctl_classify_one(const struct ctl_classify_opts *o, const char *name,
    const char *data, size_t len, int explain)
{
	struct verdict_opts vo = { o->level, o->probable,
	    VERDICT_EASTERN_AS_CONTENT, NULL, NULL, 0, 0 };
	struct content_model_info mi;
	struct content_msg *cm;
	struct findings	*f = findings_new();
	struct msg_view	 v;
	struct mail	*ml;
	struct buf	*why = buf_new(64), *hdr = buf_new(128);
	enum spam_status st;
	double		 pts, spam, probable;

	content_view_init(&v, data, len);
	v.sender = o->sender;
	v.mail = ml = mail_new(data, len, NULL);	/* as winnowd does */
	cm = content_parse(&v);
	v.text = content_text(cm, &v.text_len);
	(void)content_analyze(cm, &v, f, why);
	st = verdict_spam_opts(f, &vo);
	pts = verdict_points_opts(f, &vo);
	if (!explain) {
		(void)printf("%-14s %7.1f  %s\n", findings_spam_name(st), pts,
		    name);
		goto out;
	}
	verdict_thresholds(o->level, &spam, &probable);
	content_model_info(&mi);
	(void)printf("%s\n", name);
	(void)printf("  status:      %s (%s level: spam from %.0f points, "
	    "probable spam from %.0f%s)\n", findings_spam_name(st),
	    verdict_level_name(o->level), spam, probable,
	    o->probable ? "" : ", folded into not-detected");
	(void)printf("  score:       %.1f points\n", pts);
	if (f->spam_score >= 0.0)
		(void)printf("  classifier:  p(spam) = %.4f, %+.1f points "
		    "(model %s, learned %llu spam + %llu ham)\n",
		    f->spam_score, verdict_learner_points(f->spam_score),
		    mi.path, (unsigned long long)mi.nspam,
		    (unsigned long long)mi.nham);
	else
		(void)printf("  classifier:  no model loaded\n");
	ctl_classify_rules(f);
	(void)printf("  signs:       gtube %s, formal %s, obscene %s, "
	    "eastern %s; analysis %s\n", f->gtube ? "yes" : "no",
	    f->formal ? "yes" : "no", f->obscene ? "yes" : "no",
	    f->eastern ? "yes" : "no", findings_state_name(f->content_state));
	if (f->spam_score >= 0.0 && o->top > 0)
		ctl_classify_features(cm, o->top);
	verdict_render_headers(f, st, pts, hdr);
	(void)printf("  headers:\n    %.*s",
	    (int)(strchr(buf_str(hdr), '\r') - buf_str(hdr)), buf_str(hdr));
	(void)printf("\n    %s", strchr(buf_str(hdr), '\n') + 1);
	/* What winnowd writes for a group with the spam checks (the network
	 * checks do not run here). */
	buf_reset(hdr);
	findings_render_checks(f, 0, 1, NULL, f->spam_score >= 0.0 ?
	    verdict_learner_points(f->spam_score) : NAN, hdr);
	(void)printf("    X-Winnow-Checks: %s\n", buf_str(hdr));
out:
	content_msg_free(cm);
	mail_free(ml);
	findings_free(f);
	buf_free(why);
	buf_free(hdr);
}

/* ctl_classify_path - every message of one input */

static int
ctl_classify_path(const struct ctl_classify_opts *o, const char *path,
    int single)
{
	struct mailsrc	*ms;
	struct buf	*why = buf_new(128);
	const char	*data, *name;
	size_t		 len;
	int		 n, rc = EX_OK, count = 0, explain;

	if ((ms = mailsrc_open(path, why)) == NULL) {
		(void)fprintf(stderr, "winnowctl classify: %s\n",
		    buf_str(why));
		buf_free(why);
		return (EX_NOINPUT);
	}
	explain = o->explain >= 0 ? o->explain : single &&
	    mailsrc_files(ms) == 1;
	while ((n = mailsrc_next(ms, &data, &len, &name, why)) != 0) {
		if (n < 0) {
			(void)fprintf(stderr, "winnowctl classify: %s\n",
			    buf_str(why));
			buf_reset(why);
			rc = EX_NOINPUT;
			continue;
		}
		if (explain && count++ > 0)
			(void)printf("\n");
		ctl_classify_one(o, name, data, len, explain);
	}
	mailsrc_close(ms);
	buf_free(why);
	return (rc);
}

/* ctl_classify_main - winnowctl classify */

int
ctl_classify_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "level", required_argument, NULL, 'l' },
		{ "no-probable", no_argument, NULL, 'P' },
		{ "top", required_argument, NULL, 'n' },
		{ "explain", no_argument, NULL, 'e' },
		{ "brief", no_argument, NULL, 'b' },
		{ "sender", required_argument, NULL, 's' },
		{ "model", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct ctl_classify_opts o = { DETECTION_STANDARD, 1, -1,
	    CLASSIFY_TOP_DEFAULT, NULL };
	struct buf	*why;
	const char	*model = NULL;
	char		*end;
	int		 c, i, rc = EX_OK, prc;
	unsigned long	 n;

	optind = 0;
	while ((c = getopt_long(argc, argv, "l:n:ebs:m:h", opts, NULL)) !=
	    -1) {
		switch (c) {
		case 'l':
			if (verdict_level_parse(optarg, &o.level) < 0) {
				(void)fprintf(stderr, "winnowctl classify: "
				    "level is minimum, standard, high or "
				    "maximum\n");
				return (EX_USAGE);
			}
			break;
		case 'P':
			o.probable = 0;
			break;
		case 'n':
			n = strtoul(optarg, &end, 10);
			if (*end != '\0' || n > CLASSIFY_TOP_MAX) {
				(void)fprintf(stderr, "winnowctl classify: "
				    "--top takes 0..%d\n", CLASSIFY_TOP_MAX);
				return (EX_USAGE);
			}
			o.top = n;
			break;
		case 'e':
			o.explain = 1;
			break;
		case 'b':
			o.explain = 0;
			break;
		case 's':
			o.sender = optarg;
			break;
		case 'm':
			model = optarg;
			break;
		case 'h':
			(void)fputs(ctl_classify_help, stdout);
			return (EX_OK);
		default:
			(void)fputs(ctl_classify_help, stderr);
			return (EX_USAGE);
		}
	}
	if (optind >= argc) {
		(void)fprintf(stderr, "winnowctl classify: name a message "
		    "(winnowctl classify --help)\n");
		return (EX_USAGE);
	}
	why = buf_new(128);
	if (content_load(why) != WN_OK) {
		(void)fprintf(stderr, "winnowctl classify: %s\n",
		    buf_str(why));
		buf_free(why);
		return (EX_CONFIG);
	}
	if (model != NULL && content_load_model(model, why) != WN_OK) {
		(void)fprintf(stderr, "winnowctl classify: %s\n",
		    buf_str(why));
		buf_free(why);
		content_unload();
		return (EX_DATAERR);
	}
	buf_free(why);
	for (i = optind; i < argc; i++) {
		prc = ctl_classify_path(&o, argv[i], argc - optind == 1);
		if (prc != EX_OK)
			rc = prc;
	}
	content_unload();
	return (rc);
}
