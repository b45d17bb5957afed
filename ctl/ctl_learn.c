/*
 * ctl_learn.c - winnowctl learn: teach the content classifier
 *
 * Reads messages from files, mboxes and directory trees (mailsrc.h) and
 * learns each into the model file with content_learner_*: the model is
 * locked for the whole run, learnt in memory, and written back atomically
 * (temporary file, fsync, rename), so a running winnowd never sees a
 * half-written model and picks the new one up within model_check_interval.
 * A long run is saved every --save-every messages, and SIGINT/SIGTERM stop
 * it after the current message with everything learnt so far saved.
 *
 * SPDX-License-Identifier: MIT
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

/* lib */
#include "buf.h"
#include "log.h"
#include "status.h"
#include "timeutil.h"

/* content */
#include "content.h"
#include "mailsrc.h"

/* uds */
#include "uds.h"

/* ctl */
#include "ctl_content.h"
#include "ctl_share.h"
#include "ctl_uds.h"

#define LEARN_SAVE_EVERY	10000	/* messages between saves */
#define LEARN_BAR_WIDTH		30

static const char ctl_learn_help[] =
"Usage: winnowctl learn --spam|--ham [-q] [-m MODEL] [--new [--bits N]]\n"
"                       [--save-every N] [--no-keep] FILE|DIR|MBOX...\n"
"       winnowctl learn --rebuild [-q] [-m MODEL] [--new [--bits N]]\n"
"\n"
"Teach winnow's content classifier that the given messages are spam\n"
"(--spam) or legitimate mail (--ham).  Learning is incremental: every\n"
"message adjusts the model a little, and a message the model already\n"
"classifies well by a clear margin leaves it unchanged, so learning the\n"
"same mailbox twice does no harm.\n"
"\n"
"Each argument is a message file (with or without an mbox \"From \" line),\n"
"an mbox holding many messages, or a directory: every file below it is\n"
"read, in name order (Maildir cur/ and new/, MH folders, unpacked\n"
"corpora).  Hidden files are skipped.\n"
"\n"
"The model is the [content] model file (default /var/lib/winnow/\n"
"content.model).  If it does not exist yet, learning starts from the\n"
"shipped model ([content] default_model) so local learning refines it;\n"
"--new starts from an empty model instead.  The model has a fixed size\n"
"and does not grow as it learns.  It is locked while winnowctl learn runs\n"
"(a second learner waits) and replaced atomically when saved: winnowd\n"
"children map the new file within [content] model_check_interval, no\n"
"reload needed.\n"
"\n"
"Every message learned is also kept in [content] samples_dir (spam/,\n"
"ham/; at most samples_max of each, the oldest going first; learning a\n"
"message as the other class moves it).  --rebuild makes the model again\n"
"from the shipped model (or, with --new, from an empty one) and every\n"
"kept sample in the order they were learned, three times over as the\n"
"shipped model was built: what a new winnow version whose tokenizer\n"
"changed asks for.  The quarantine (winnowctl quarantine\n"
"learn, release --learn-ham) and the report addresses of winnowd\n"
"([policy] report_spam, report_ham) keep their samples there too.\n"
"\n"
"Options:\n"
"  --spam            the messages are spam\n"
"  --ham             the messages are not spam\n"
"  -m, --model FILE  learn into FILE instead of the [content] model\n"
"      --new         start from an empty model if FILE does not exist\n"
"      --bits N      size of a new empty model: 2^N weights (12..26,\n"
"                    default 20, i.e. 4 MiB)\n"
"      --save-every N  save after every N messages (default 10000)\n"
"      --no-keep     do not keep the messages in samples_dir\n"
"      --rebuild     learn the kept samples into a fresh model\n"
"      --no-uds      do not report the messages to UDS\n"
"  -q, --quiet       no progress bar and no summary\n"
"  -h, --help        this text\n"
"\n"
"When [uds] names servers and its key_file a client, every message is\n"
"also reported to UDS: learned as spam, its signatures are added (winnowctl\n"
"uds add); learned as ham, its signatures and the spam signatures like\n"
"them become ham-confirmed (winnowctl uds ham).\n"
"\n"
"With [fleet] redis set, every message learned is also appended to the\n"
"fleet's learning stream, so every node's model learns it within\n"
"[fleet] learn_interval and model_check_interval; when Redis is away it is\n"
"learned here and kept in [stats] dir/fleet/learn/ until winnowd's fleet\n"
"process sends it (winnowctl model list shows the fleet's versions).\n"
"\n"
"A progress bar is drawn on standard error when it is a terminal.\n"
"Interrupting (Ctrl-C, SIGTERM) stops after the current message and saves\n"
"what was learned.\n"
"\n"
"Exit status: 0 all learned and saved; 64 usage error; 66 an input could\n"
"not be read (the others were learned); 65 the existing model is damaged\n"
"or of another version (nothing learned); 73 the model could not be\n"
"saved, or a message could neither go to the fleet nor be kept for it; 75\n"
"interrupted (what was learned is saved); 69 learned and saved,\n"
"but a UDS server did not take every report.\n"
"\n"
"Examples:\n"
"  winnowctl learn --spam ~/Maildir/.Junk/cur\n"
"  winnowctl learn --ham /var/mail/archive.mbox\n";

static volatile sig_atomic_t ctl_learn_stop;

/* ctl_learn_signal - stop after the current message */

static void
ctl_learn_signal(int sig)
{
	(void)sig;
	ctl_learn_stop = 1;
}

struct ctl_learn_run {
	struct content_learner *l;
	struct ctl_uds_learn *uds;	/* reports to UDS, or NULL */
	struct ctl_share *share;	/* to the fleet, or NULL */
	const char	*model;
	int		 spam;
	int		 keep;		/* keep samples */
	unsigned long	 kept_failed;
	int		 bar;		/* draw the progress bar */
	unsigned long	 save_every;
	unsigned long	 seen, changed, unsaved;
	uint64_t	 start_ms, drawn_ms;
	int		 inputs, input;
	int		 pass;		/* --rebuild: the pass, from 0 */
};

/* ctl_learn_bar - draw the progress bar (stderr is a terminal) */

static void
ctl_learn_bar(struct ctl_learn_run *r, double frac, int final)
{
	uint64_t	 now = time_now_ms();
	double		 el, eta;
	int		 i, fill;

	if (!r->bar || (!final && now - r->drawn_ms < 100))
		return;
	r->drawn_ms = now;
	if (frac < 0.0)
		frac = 0.0;
	if (frac > 1.0)
		frac = 1.0;
	frac = ((double)r->input + frac) / (double)r->inputs;
	fill = (int)(frac * LEARN_BAR_WIDTH + 0.5);
	el = (double)(now - r->start_ms) / 1000.0;
	eta = frac > 0.01 ? el / frac - el : 0.0;
	(void)fputc('\r', stderr);
	(void)fputc('[', stderr);
	for (i = 0; i < LEARN_BAR_WIDTH; i++)
		(void)fputc(i < fill ? '#' : '.', stderr);
	(void)fprintf(stderr, "] %3d%%  %lu msgs  %lu changed  ",
	    (int)(frac * 100.0 + 0.5), r->seen, r->changed);
	if (final)
		(void)fprintf(stderr, "%.1fs       \n", el);
	else
		(void)fprintf(stderr, "ETA %d:%02d   ", (int)eta / 60,
		    (int)eta % 60);
	(void)fflush(stderr);
}

/* ctl_learn_save - write the model */

static int
ctl_learn_save(struct ctl_learn_run *r)
{
	struct buf	*why = buf_new(128);
	int		 rc;

	rc = content_learner_commit(r->l, why);
	if (rc != WN_OK) {
		if (r->bar)
			(void)fputc('\n', stderr);
		(void)fprintf(stderr, "winnowctl learn: %s\n", buf_str(why));
	} else
		r->unsaved = 0;
	buf_free(why);
	return (rc);
}

/* ctl_learn_keep - keep a learned message as a sample */

static void
ctl_learn_keep(struct ctl_learn_run *r, const char *data, size_t len,
    int spam)
{
	struct buf	*why;

	if (!r->keep)
		return;
	why = buf_new(64);
	if (content_sample_keep(data, len, spam, why) != WN_OK &&
	    r->kept_failed++ == 0)
		(void)fprintf(stderr, "%swinnowctl learn: cannot keep the "
		    "sample (the model still learns it): %s\n",
		    r->bar ? "\n" : "", buf_str(why));
	buf_free(why);
}

/* ctl_learn_prune - samples_max per class after a run */

static void
ctl_learn_prune(void)
{
	struct buf	*why = buf_new(64);
	size_t		 n;

	if (content_samples_prune(&n, why) != WN_OK)
		(void)fprintf(stderr, "winnowctl learn: samples: %s\n",
		    buf_str(why));
	buf_free(why);
}

/* ctl_learn_sample - learn one kept sample (--rebuild) */

static int
ctl_learn_sample(const char *data, size_t len, int spam, void *arg)
{
	struct ctl_learn_run *r = arg;

	if (r->pass > 0) {
		(void)content_learner_learn_again(r->l, data, len, spam);
		return (ctl_learn_stop ? 1 : 0);
	}
	r->changed += content_learner_learn(r->l, data, len, spam);
	r->seen++;
	r->unsaved++;
	return (ctl_learn_stop ? 1 : 0);
}

/* ctl_learn_rebuild - the model again from the shipped one and the kept
 * samples, CONTENT_LEARN_PASSES times over in the order they were learned
 * (as many passes as the shipped model had, so local weights are on its
 * scale; bounded by samples_max per class); saved once, at the end, so
 * winnowd never maps a half-made model */

static int
ctl_learn_rebuild(struct ctl_learn_run *r, const char *base,
    unsigned int bits)
{
	struct buf	*why = buf_new(128);
	size_t		 n;
	int		 rc = EX_OK;

	if (content_learner_reset(r->l, base, bits, why) != WN_OK) {
		(void)fprintf(stderr, "winnowctl learn: %s\n", buf_str(why));
		buf_free(why);
		return (EX_DATAERR);
	}
	for (r->pass = 0; r->pass < CONTENT_LEARN_PASSES && !ctl_learn_stop;
	    r->pass++)
		if (content_samples_each(ctl_learn_sample, r, &n, why) !=
		    WN_OK) {
			(void)fprintf(stderr, "winnowctl learn: samples: %s\n",
			    buf_str(why));
			rc = EX_NOINPUT;
			break;
		}
	buf_free(why);
	if (ctl_learn_stop) {
		(void)fprintf(stderr, "winnowctl learn: interrupted: the "
		    "model is left as it was\n");
		return (EX_TEMPFAIL);
	}
	if (ctl_learn_save(r) != WN_OK)
		return (EX_CANTCREAT);
	return (rc);
}

/* ctl_learn_one_uds - report one learned message to UDS as winnowctl
 * learn does (spam: its signatures added; ham: they and the spam
 * signatures like them become ham-confirmed); quiet when [uds] takes no
 * reports, a warning when it should and cannot */

static void
ctl_learn_one_uds(const char *data, size_t len, int spam)
{
	struct ctl_uds_learn *u;
	struct buf	*why = buf_new(128);

	if (uds_load(why) != WN_OK) {
		(void)fprintf(stderr, "winnowctl: uds: not reported: %s\n",
		    buf_str(why));
		buf_free(why);
		return;
	}
	buf_free(why);
	if ((u = ctl_uds_learn_open(spam, 0)) != NULL) {
		ctl_uds_learn_msg(u, data, len);
		(void)ctl_uds_learn_close(u, 0);
	}
	uds_unload();
}

/* ctl_learn_one - learn one message into the model, keep it as a sample
 * and report it to UDS (winnowctl quarantine learn, release --learn-ham) */

int
ctl_learn_one(const char *data, size_t len, int spam, const char *what)
{
	struct ctl_learn_run r;
	struct buf	*why = buf_new(128);
	int		 rc = EX_OK;

	memset(&r, 0, sizeof(r));
	r.keep = 1;
	if (content_load(why) != WN_OK) {
		(void)fprintf(stderr, "winnowctl: %s\n", buf_str(why));
		buf_free(why);
		return (EX_CONFIG);
	}
	r.model = content_model_path();
	if ((r.l = content_learner_open(r.model, content_default_model_path(),
	    0, why)) == NULL) {
		(void)fprintf(stderr, "winnowctl: %s\n", buf_str(why));
		buf_free(why);
		content_unload();
		return (EX_DATAERR);
	}
	(void)content_learner_learn(r.l, data, len, spam);
	if (ctl_learn_save(&r) != WN_OK)
		rc = EX_CANTCREAT;
	else {
		ctl_learn_keep(&r, data, len, spam);
		ctl_learn_prune();
		(void)printf("%s: learned as %s into %s\n", what,
		    spam ? "spam" : "ham", r.model);
		log_info("%s: learned as %s", what, spam ? "spam" : "ham");
	}
	if (rc == EX_OK) {
		ctl_learn_one_uds(data, len, spam);
		r.share = ctl_share_open();
		ctl_share_msg(r.share, data, len, spam);
		if (ctl_share_close(r.share, 0) < 0)
			rc = EX_CANTCREAT;
	}
	content_learner_close(r.l);
	content_unload();
	buf_free(why);
	return (rc);
}

/* ctl_learn_path - learn every message of one input */

static int
ctl_learn_path(struct ctl_learn_run *r, const char *path)
{
	struct mailsrc	*ms;
	struct buf	*why = buf_new(128);
	const char	*data, *name;
	size_t		 len;
	int		 n, rc = EX_OK;

	if ((ms = mailsrc_open(path, why)) == NULL) {
		(void)fprintf(stderr, "%swinnowctl learn: %s\n",
		    r->bar ? "\n" : "", buf_str(why));
		buf_free(why);
		return (EX_NOINPUT);
	}
	while (!ctl_learn_stop &&
	    (n = mailsrc_next(ms, &data, &len, &name, why)) != 0) {
		if (n < 0) {
			(void)fprintf(stderr, "%swinnowctl learn: %s\n",
			    r->bar ? "\n" : "", buf_str(why));
			buf_reset(why);
			rc = EX_NOINPUT;
			continue;
		}
		r->changed += content_learner_learn(r->l, data, len, r->spam);
		ctl_uds_learn_msg(r->uds, data, len);
		ctl_share_msg(r->share, data, len, r->spam);
		r->seen++;
		ctl_learn_keep(r, data, len, r->spam);
		r->unsaved++;
		if (r->unsaved >= r->save_every &&
		    ctl_learn_save(r) != WN_OK) {
			rc = EX_CANTCREAT;
			break;
		}
		ctl_learn_bar(r, mailsrc_progress(ms), 0);
	}
	mailsrc_close(ms);
	buf_free(why);
	return (rc);
}

/* ctl_learn_main - winnowctl learn */

int
ctl_learn_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "spam", no_argument, NULL, 'S' },
		{ "ham", no_argument, NULL, 'H' },
		{ "model", required_argument, NULL, 'm' },
		{ "new", no_argument, NULL, 'N' },
		{ "bits", required_argument, NULL, 'B' },
		{ "save-every", required_argument, NULL, 'E' },
		{ "no-keep", no_argument, NULL, 'K' },
		{ "rebuild", no_argument, NULL, 'R' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "no-uds", no_argument, NULL, 'U' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct ctl_learn_run r;
	struct sigaction sa, oint, oterm;
	struct buf	*why;
	const char	*base;
	uint64_t	 ns, nh;
	unsigned int	 bits = 0;
	int		 c, spam = -1, quiet = 0, fresh = 0, rc = EX_OK, prc;
	int		 rebuild = 0;
	int		 nouds = 0;
	char		*end;

	memset(&r, 0, sizeof(r));
	r.save_every = LEARN_SAVE_EVERY;
	r.keep = 1;
	optind = 0;
	while ((c = getopt_long(argc, argv, "m:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'S':
		case 'H':
			if (spam >= 0 && spam != (c == 'S')) {
				(void)fprintf(stderr, "winnowctl learn: "
				    "--spam and --ham exclude each other\n");
				return (EX_USAGE);
			}
			spam = c == 'S';
			break;
		case 'm':
			r.model = optarg;
			break;
		case 'N':
			fresh = 1;
			break;
		case 'B':
			bits = (unsigned int)strtoul(optarg, &end, 10);
			if (*end != '\0' || bits < 12 || bits > 26) {
				(void)fprintf(stderr, "winnowctl learn: "
				    "--bits takes 12..26\n");
				return (EX_USAGE);
			}
			break;
		case 'E':
			r.save_every = strtoul(optarg, &end, 10);
			if (*end != '\0' || r.save_every == 0) {
				(void)fprintf(stderr, "winnowctl learn: "
				    "--save-every takes a positive number\n");
				return (EX_USAGE);
			}
			break;
		case 'K':
			r.keep = 0;
			break;
		case 'R':
			rebuild = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'U':
			nouds = 1;
			break;
		case 'h':
			(void)fputs(ctl_learn_help, stdout);
			return (EX_OK);
		default:
			(void)fputs(ctl_learn_help, stderr);
			return (EX_USAGE);
		}
	}
	if (rebuild && (spam >= 0 || optind < argc)) {
		(void)fprintf(stderr, "winnowctl learn: --rebuild learns the "
		    "kept samples: no --spam, --ham or files\n");
		return (EX_USAGE);
	}
	if (!rebuild && (spam < 0 || optind >= argc)) {
		(void)fprintf(stderr, "winnowctl learn: say --spam or --ham "
		    "and name what to learn (winnowctl learn --help)\n");
		return (EX_USAGE);
	}
	why = buf_new(128);
	if (content_load(why) != WN_OK) {
		(void)fprintf(stderr, "winnowctl learn: %s\n", buf_str(why));
		buf_free(why);
		return (EX_CONFIG);
	}
	if (r.model == NULL)
		r.model = content_model_path();
	base = fresh ? NULL : content_default_model_path();
	if ((r.l = content_learner_open(r.model, base, bits, why)) == NULL) {
		(void)fprintf(stderr, "winnowctl learn: %s\n", buf_str(why));
		buf_free(why);
		content_unload();
		return (EX_DATAERR);
	}
	/* --rebuild: the samples were reported when they were learned. */
	if (!nouds && !rebuild && uds_load(why) != WN_OK) {
		(void)fprintf(stderr, "winnowctl learn: %s (--no-uds learns "
		    "without UDS)\n", buf_str(why));
		buf_free(why);
		content_learner_close(r.l);
		content_unload();
		return (EX_CONFIG);
	}
	buf_free(why);
	r.uds = nouds || rebuild ? NULL : ctl_uds_learn_open(spam, quiet);
	r.spam = spam;
	r.share = rebuild ? NULL : ctl_share_open();
	r.bar = !quiet && isatty(STDERR_FILENO);
	if (rebuild) {
		rc = ctl_learn_rebuild(&r, base, bits);
		content_learner_counts(r.l, &ns, &nh);
		if (!quiet)
			(void)printf("rebuilt %s from %s and %lu kept "
			    "sample%s; it has learned %llu spam and %llu ham "
			    "in all\n", r.model, base ? base : "an empty model",
			    r.seen, r.seen == 1 ? "" : "s",
			    (unsigned long long)ns, (unsigned long long)nh);
		content_learner_close(r.l);
		content_unload();
		return (rc);
	}
	r.start_ms = time_now_ms();
	r.inputs = argc - optind;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ctl_learn_signal;
	(void)sigaction(SIGINT, &sa, &oint);
	(void)sigaction(SIGTERM, &sa, &oterm);
	for (r.input = 0; r.input < r.inputs && !ctl_learn_stop; r.input++) {
		prc = ctl_learn_path(&r, argv[optind + r.input]);
		if (prc == EX_CANTCREAT) {
			rc = prc;
			break;
		}
		if (prc != EX_OK)
			rc = prc;
	}
	r.input = r.inputs - 1;
	ctl_learn_bar(&r, 1.0, 1);
	if (rc != EX_CANTCREAT && ctl_learn_save(&r) != WN_OK)
		rc = EX_CANTCREAT;
	if (r.keep)
		ctl_learn_prune();
	if (ctl_learn_stop && rc == EX_OK)
		rc = EX_TEMPFAIL;
	(void)sigaction(SIGINT, &oint, NULL);
	(void)sigaction(SIGTERM, &oterm, NULL);
	content_learner_counts(r.l, &ns, &nh);
	if (!quiet)
		(void)printf("%s %lu %s message%s (%lu changed the model) "
		    "into %s%s; it has learned %llu spam and %llu ham in all\n",
		    rc == EX_CANTCREAT ? "could not save" : "learned", r.seen,
		    spam ? "spam" : "ham", r.seen == 1 ? "" : "s", r.changed,
		    r.model, ctl_learn_stop ? " (interrupted)" : "",
		    (unsigned long long)ns, (unsigned long long)nh);
	if (ctl_uds_learn_close(r.uds, quiet) < 0 && rc == EX_OK)
		rc = EX_UNAVAILABLE;
	if (ctl_share_close(r.share, quiet) < 0 && rc == EX_OK)
		rc = EX_CANTCREAT;
	content_learner_close(r.l);
	content_unload();
	return (rc);
}
