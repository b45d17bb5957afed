/*
 * accuracy_eval.c - k-fold cross-validation of the content stage
 *
 *	accuracy_eval [-k folds] [-s seed] [-b bits] [-p passes]
 *	    [-r rule_weights] -o outdir corpusdir
 *	accuracy_eval -t model.out [-s seed] [-b bits] [-p passes] corpusdir
 *	accuracy_eval -a altdir ... -o outdir corpusdir
 *
 * corpusdir holds ham/ and spam/ (any depth; one message per file, or
 * mboxes).  Messages are split into k folds, stratified by class, with a
 * seeded shuffle.  For each fold a new, empty model learns the other k-1
 * folds in one shuffled, interleaved order (the same learner `winnowctl
 * learn` runs), is saved with the atomic writer, mapped by content_load()
 * exactly as winnowd maps it, and every held-out message goes through the
 * whole content stage (content_check) and the verdict.  No message is ever
 * scored by a model that learned it.
 *
 * Learning goes over the messages CONTENT_LEARN_PASSES times (content.h;
 * -p to change it), each pass in a new shuffled order, as the shipped
 * model is built.
 *
 * Output in outdir: scores.tsv (one row per message: class, fold, learner
 * margin, points, status per level, file, and the points of everything
 * but the learner, which bench/calibrate.py reads), roc-learner.dat and
 * roc-points.dat (false-positive rate, true-positive rate), rules.tsv (how often each rule
 * fired on ham and spam) and summary.txt, which is also printed.
 *
 * With -t the tool instead learns the whole corpus into one model file
 * (used to build the shipped content DB, data/content.model).
 *
 * With -a, altdir holds another form of every message under the same
 * relative name (bench/office-gen.py mail: its text moved into a Word
 * attachment); each held-out message's twin is scored too, by the same
 * fold's model, once with [content] office_text = yes and once with no,
 * and office.txt compares the three statuses at the standard level.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/stat.h>

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "log.h"
#include "status.h"
#include "xalloc.h"

#include "findings.h"
#include "verdict.h"

#include "content.h"
#include "mailsrc.h"

/* The shipped word lists, from the source tree (bench/accuracy runs at
 * its top). */
#define ACC_WORDS	"obscene_words = data/obscene-en.txt " \
			"data/obscene-ru.txt\n"

struct msg {
	char		*name;
	char		*data;
	size_t		 len;
	int		 spam;
	int		 fold;
	double		 margin;	/* learner, held out */
	double		 points;	/* verdict points, held out */
	double		 rank;		/* points without the clamp */
	double		 rules;		/* points without the learner */
	enum spam_status st[DETECTION_LEVEL_COUNT];
	enum spam_status st_noprob;	/* standard, probable_spam = off */
	char		*alt;		/* -a: its twin, or NULL */
	size_t		 altlen;
	enum spam_status alt_st[2];	/* the twin at standard, office_text
					 * = no [0], yes [1] */
};

struct rulestat {
	char		 name[FINDINGS_NAME_MAX];
	unsigned int	 ham, spam;
};

static struct msg *msgs;
static size_t	 nmsgs, capmsgs;
static struct rulestat rstat[64];
static size_t	 nrstat;
static double	 learn_cpu, check_cpu;
static const char *rule_weights = "";	/* -r: [content] rule_weights */
static size_t	 nlearned, nchecked;
static const char *alt_dir;		/* -a */

/* cpu_now - process CPU seconds */

static double
cpu_now(void)
{
	struct timespec	 ts;

	(void)clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

/* rnd - xorshift64* */

static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (*s * 2685821657736338717ULL);
}

/* shuffle - Fisher-Yates over indices */

static void
shuffle(size_t *a, size_t n, uint64_t *seed)
{
	size_t	 i, j, t;

	for (i = n; i > 1; i--) {
		j = (size_t)(rnd(seed) % i);
		t = a[i - 1];
		a[i - 1] = a[j];
		a[j] = t;
	}
}

/* load_class - read every message under dir */

static void
load_class(const char *dir, int spam)
{
	struct mailsrc	*ms;
	struct buf	*why = buf_new(128);
	const char	*data, *name;
	size_t		 len;
	int		 r;

	if ((ms = mailsrc_open(dir, why)) == NULL)
		log_fatal("%s", buf_str(why));
	while ((r = mailsrc_next(ms, &data, &len, &name, why)) != 0) {
		if (r < 0) {
			log_warn("%s", buf_str(why));
			buf_reset(why);
			continue;
		}
		if (nmsgs == capmsgs) {
			capmsgs = capmsgs ? capmsgs * 2 : 1024;
			msgs = xreallocarray(msgs, capmsgs, sizeof(*msgs));
		}
		memset(&msgs[nmsgs], 0, sizeof(msgs[nmsgs]));
		msgs[nmsgs].name = xstrdup(name);
		msgs[nmsgs].data = xmemdup(data, len);
		msgs[nmsgs].len = len;
		msgs[nmsgs].spam = spam;
		nmsgs++;
	}
	mailsrc_close(ms);
	buf_free(why);
}

/* assign_folds - stratified: each class shuffled, then dealt round-robin */

static void
assign_folds(int k, uint64_t seed)
{
	size_t	*idx = xcalloc(nmsgs, sizeof(*idx)), n, i;
	int	 c;

	for (c = 0; c <= 1; c++) {
		for (i = n = 0; i < nmsgs; i++)
			if (msgs[i].spam == c)
				idx[n++] = i;
		shuffle(idx, n, &seed);
		for (i = 0; i < n; i++)
			msgs[idx[i]].fold = (int)(i % (size_t)k);
	}
	free(idx);
}

/* learn_set - learn the messages not in fold (all if fold < 0) */

static void
learn_set(const char *path, int fold, unsigned int bits, int passes,
    uint64_t seed)
{
	struct content_learner *l;
	struct buf	*why = buf_new(128);
	size_t		*idx = xcalloc(nmsgs, sizeof(*idx)), n = 0, i;
	double		 t0;
	int		 p;

	(void)unlink(path);
	if ((l = content_learner_open(path, NULL, bits, why)) == NULL)
		log_fatal("%s", buf_str(why));
	for (i = 0; i < nmsgs; i++)
		if (msgs[i].fold != fold)
			idx[n++] = i;
	for (p = 0; p < passes; p++) {
		shuffle(idx, n, &seed);
		for (i = 0; i < n; i++) {
			t0 = cpu_now();
			if (p == 0)
				(void)content_learner_learn(l,
				    msgs[idx[i]].data, msgs[idx[i]].len,
				    msgs[idx[i]].spam);
			else
				(void)content_learner_learn_again(l,
				    msgs[idx[i]].data, msgs[idx[i]].len,
				    msgs[idx[i]].spam);
			learn_cpu += cpu_now() - t0;
			nlearned++;
		}
	}
	if (content_learner_commit(l, why) != WN_OK)
		log_fatal("%s", buf_str(why));
	content_learner_close(l);
	free(idx);
	buf_free(why);
}

/* base_load - [content] with the source tree's word lists and no model
 * (winnowd reads files only where the configuration says) */

static void
base_load(void)
{
	struct buf	*why = buf_new(64);
	char		 path[] = "/tmp/accuracy_eval.XXXXXX";
	FILE		*fp;
	int		 fd;

	if ((fd = mkstemp(path)) < 0 || (fp = fdopen(fd, "w")) == NULL)
		log_fatal("%s: %s", path, strerror(errno));
	(void)fprintf(fp, "[content]\nmodel =\ndefault_model =\n%s",
	    ACC_WORDS);
	(void)fclose(fp);
	if (conf_load(path, why) != WN_OK || content_load(why) != WN_OK)
		log_fatal("%s", buf_str(why));
	(void)unlink(path);
	buf_free(why);
}

/* load_model - point [content] at a model file and content_load() it */

static void
load_model(const char *dir, const char *model)
{
	struct buf	*why = buf_new(128);
	char		 path[1024];
	FILE		*fp;

	(void)snprintf(path, sizeof(path), "%s/fold.conf", dir);
	if ((fp = fopen(path, "w")) == NULL)
		log_fatal("%s: %s", path, strerror(errno));
	(void)fprintf(fp, "[content]\nmodel = %s\ndefault_model = %s\n"
	    "model_check_interval = 0\nrule_weights = %s\n%s", model, model,
	    rule_weights, ACC_WORDS);
	(void)fclose(fp);
	if (conf_load(path, why) != WN_OK)
		log_fatal("%s", buf_str(why));
	if (content_load(why) != WN_OK)
		log_fatal("%s", buf_str(why));
	buf_free(why);
}

/* load_alt - the twins of the messages under alt_dir (-a) */

static void
load_alt(const char *corpus)
{
	struct buf	*why = buf_new(64);
	char		 path[2048];
	size_t		 i, cl = strlen(corpus), n = 0;
	FILE		*fp;
	long		 sz;

	for (i = 0; i < nmsgs; i++) {
		if (strncmp(msgs[i].name, corpus, cl) != 0)
			continue;
		(void)snprintf(path, sizeof(path), "%s%s", alt_dir,
		    msgs[i].name + cl);
		if ((fp = fopen(path, "rb")) == NULL)
			continue;
		if (fseek(fp, 0, SEEK_END) == 0 && (sz = ftell(fp)) > 0 &&
		    fseek(fp, 0, SEEK_SET) == 0) {
			msgs[i].alt = xmalloc((size_t)sz);
			msgs[i].altlen = fread(msgs[i].alt, 1, (size_t)sz, fp);
			n++;
		}
		(void)fclose(fp);
	}
	(void)fprintf(stderr, "%zu twins under %s\n", n, alt_dir);
	buf_free(why);
}

/* office_conf - reload [content] with office_text on or off */

static void
office_conf(const char *dir, const char *model, int on)
{
	struct buf	*why = buf_new(128);
	char		 path[1024];
	FILE		*fp;

	(void)snprintf(path, sizeof(path), "%s/fold-office.conf", dir);
	if ((fp = fopen(path, "w")) == NULL)
		log_fatal("%s: %s", path, strerror(errno));
	(void)fprintf(fp, "[content]\nmodel = %s\ndefault_model = %s\n"
	    "model_check_interval = 0\nrule_weights = %s\noffice_text = %s\n"
	    "%s", model, model, rule_weights, on ? "yes" : "no", ACC_WORDS);
	(void)fclose(fp);
	if (conf_load(path, why) != WN_OK || content_load(why) != WN_OK)
		log_fatal("%s", buf_str(why));
	buf_free(why);
}

/* test_alt - the fold's twins, with office_text off and on */

static void
test_alt(const char *dir, const char *model, int fold)
{
	struct findings	*f;
	struct msg_view	 v;
	struct buf	*why = buf_new(64);
	size_t		 i;
	int		 on;

	for (on = 0; on <= 1; on++) {
		office_conf(dir, model, on);
		for (i = 0; i < nmsgs; i++) {
			if (msgs[i].fold != fold || msgs[i].alt == NULL)
				continue;
			content_view_init(&v, msgs[i].alt, msgs[i].altlen);
			f = findings_new();
			(void)content_check(&v, f, why);
			msgs[i].alt_st[on] = verdict_spam(f,
			    DETECTION_STANDARD, 1);
			findings_free(f);
		}
	}
	buf_free(why);
}

/* report_alt - office.txt: the three statuses at standard */

static void
report_alt(const char *out)
{
	static const char *const col[3] = { "original",
	    "Word, office_text=no", "Word, office_text=yes" };
	size_t		 c[2][3][3], n[2] = { 0, 0 }, i;
	char		 path[1024];
	FILE		*fp;
	int		 cls, k, s;
	enum spam_status st;

	memset(c, 0, sizeof(c));
	for (i = 0; i < nmsgs; i++) {
		if (msgs[i].alt == NULL)
			continue;
		cls = msgs[i].spam;
		n[cls]++;
		for (k = 0; k < 3; k++) {
			st = k == 0 ? msgs[i].st[DETECTION_STANDARD] :
			    msgs[i].alt_st[k - 1];
			s = st == SPAM_SPAM ? 0 : st == SPAM_PROBABLE ? 1 : 2;
			c[cls][k][s]++;
		}
	}
	(void)snprintf(path, sizeof(path), "%s/office.txt", out);
	fp = fopen(path, "w");
	for (cls = 0; cls <= 1; cls++)
		for (k = 0; k < 3; k++) {
			(void)printf("%-4s %-22s spam %5zu (%6.2f%%)  probable "
			    "%4zu (%5.2f%%)  other %5zu  of %zu\n", cls ? "spam" :
			    "ham", col[k], c[cls][k][0], 100.0 * c[cls][k][0] /
			    (double)(n[cls] ? n[cls] : 1), c[cls][k][1],
			    100.0 * c[cls][k][1] / (double)(n[cls] ? n[cls] :
			    1), c[cls][k][2], n[cls]);
			if (fp != NULL)
				(void)fprintf(fp, "%s\t%s\t%zu\t%zu\t%zu\n",
				    cls ? "spam" : "ham", col[k],
				    c[cls][k][0], c[cls][k][1], c[cls][k][2]);
		}
	if (fp != NULL)
		(void)fclose(fp);
}

/* rule_count - tally a fired rule */

static void
rule_count(const char *name, int spam)
{
	size_t	 i;

	for (i = 0; i < nrstat; i++)
		if (strcmp(rstat[i].name, name) == 0)
			break;
	if (i == nrstat) {
		if (nrstat == sizeof(rstat) / sizeof(rstat[0]))
			return;
		(void)snprintf(rstat[nrstat].name, sizeof(rstat[0].name), "%s",
		    name);
		nrstat++;
	}
	if (spam)
		rstat[i].spam++;
	else
		rstat[i].ham++;
}

/* test_fold - score the held-out fold with the whole content stage */

static void
test_fold(const char *model, int fold)
{
	struct content_learner *l;
	struct findings	*f;
	struct msg_view	 v;
	struct buf	*why = buf_new(128);
	size_t		 i;
	unsigned int	 j;
	double		 t0;
	int		 lv;

	/* the learner's margin, for the learner-only ROC */
	if ((l = content_learner_open(model, NULL, 0, why)) == NULL)
		log_fatal("%s", buf_str(why));
	for (i = 0; i < nmsgs; i++) {
		if (msgs[i].fold != fold)
			continue;
		msgs[i].margin = content_learner_margin(l, msgs[i].data,
		    msgs[i].len);
		content_view_init(&v, msgs[i].data, msgs[i].len);
		f = findings_new();
		t0 = cpu_now();
		(void)content_check(&v, f, why);
		check_cpu += cpu_now() - t0;
		nchecked++;
		msgs[i].points = verdict_points(f);
		msgs[i].rules = msgs[i].points -
		    verdict_learner_points(f->spam_score);
		msgs[i].rank = msgs[i].rules;
		if (f->spam_score > 0.0 && f->spam_score < 1.0)
			msgs[i].rank += VERDICT_LEARNER_SCALE *
			    log(f->spam_score / (1.0 - f->spam_score));
		else
			msgs[i].rank += verdict_learner_points(f->spam_score);
		for (lv = 0; lv < DETECTION_LEVEL_COUNT; lv++)
			msgs[i].st[lv] = verdict_spam(f,
			    (enum detection_level)lv, 1);
		msgs[i].st_noprob = verdict_spam(f, DETECTION_STANDARD, 0);
		for (j = 0; j < f->rules.count && j < FINDINGS_MAX_ITEMS; j++)
			rule_count(f->rules.item[j].name, msgs[i].spam);
		findings_free(f);
	}
	content_learner_close(l);
	buf_free(why);
}

/* score_of - the score a ROC is drawn for */

static double
score_of(const struct msg *m, int which)
{
	return (which == 0 ? m->margin : m->rank);
}

static int	 sort_which;

/* cmp_desc - sort messages by score, highest first */

static int
cmp_desc(const void *a, const void *b)
{
	double	 x = score_of(*(struct msg *const *)a, sort_which);
	double	 y = score_of(*(struct msg *const *)b, sort_which);

	return (x < y ? 1 : x > y ? -1 : 0);
}

struct rocres {
	double	 one_minus_auc_pct;
	double	 fpr_at_95;		/* % of ham at 95 % spam recall */
	double	 recall_at_01;		/* % of spam at <= 0.1 % ham */
};

/* roc - AUC (ties count half), operating points, and the curve file */

static struct rocres
roc(int which, const char *datpath)
{
	struct msg	**v = xcalloc(nmsgs, sizeof(*v));
	struct rocres	 r;
	size_t		 i, j, nspam = 0, nham = 0, tp = 0, fp = 0, ts, th;
	double		 auc = 0.0, s, best95 = 100.0, bestrec = 0.0;
	FILE		*fpo;

	for (i = 0; i < nmsgs; i++) {
		v[i] = &msgs[i];
		if (msgs[i].spam)
			nspam++;
		else
			nham++;
	}
	sort_which = which;
	qsort(v, nmsgs, sizeof(*v), cmp_desc);
	fpo = fopen(datpath, "w");
	if (fpo != NULL)
		(void)fprintf(fpo, "# fpr tpr (%s)\n0 0\n",
		    which == 0 ? "learner margin" :
		    "verdict points, unclamped");
	for (i = 0; i < nmsgs; i = j) {
		s = score_of(v[i], which);
		ts = th = 0;
		for (j = i; j < nmsgs && score_of(v[j], which) == s; j++) {
			if (v[j]->spam)
				ts++;
			else
				th++;
		}
		/* ham in this tie group rank below the spam before it and
		 * half of the spam in it */
		auc += (double)th * ((double)tp + (double)ts / 2.0);
		tp += ts;
		fp += th;
		if (fpo != NULL)
			(void)fprintf(fpo, "%.8f %.8f\n",
			    (double)fp / (double)nham,
			    (double)tp / (double)nspam);
		if ((double)tp >= 0.95 * (double)nspam &&
		    100.0 * (double)fp / (double)nham < best95)
			best95 = 100.0 * (double)fp / (double)nham;
		if ((double)fp <= 0.001 * (double)nham &&
		    100.0 * (double)tp / (double)nspam > bestrec)
			bestrec = 100.0 * (double)tp / (double)nspam;
	}
	if (fpo != NULL)
		(void)fclose(fpo);
	/* auc so far counts (ham, spam) pairs ranked correctly */
	r.one_minus_auc_pct = 100.0 * (1.0 - auc / ((double)nham *
	    (double)nspam));
	r.fpr_at_95 = best95;
	r.recall_at_01 = bestrec;
	free(v);
	return (r);
}

/* report - print and save the summary */

static void
report(const char *out, int k, uint64_t seed, int passes)
{
	struct rocres	 rl, rp;
	char		 path[1024];
	FILE		*fp, *sfp;
	size_t		 i, nham = 0, nspam = 0;
	size_t		 c[2][SPAM_STATUS_COUNT][DETECTION_LEVEL_COUNT];
	size_t		 np[2] = { 0, 0 };
	int		 lv, pass;

	memset(c, 0, sizeof(c));
	for (i = 0; i < nmsgs; i++) {
		if (msgs[i].spam)
			nspam++;
		else
			nham++;
		for (lv = 0; lv < DETECTION_LEVEL_COUNT; lv++)
			c[msgs[i].spam][msgs[i].st[lv]][lv]++;
		if (msgs[i].st_noprob == SPAM_SPAM)
			np[msgs[i].spam]++;
	}
	(void)snprintf(path, sizeof(path), "%s/roc-learner.dat", out);
	rl = roc(0, path);
	(void)snprintf(path, sizeof(path), "%s/roc-points.dat", out);
	rp = roc(1, path);

	(void)snprintf(path, sizeof(path), "%s/scores.tsv", out);
	if ((fp = fopen(path, "w")) != NULL) {
		(void)fprintf(fp, "class\tfold\tmargin\tpoints\tminimum\t"
		    "standard\thigh\tmaximum\tfile\trules\n");
		for (i = 0; i < nmsgs; i++) {
			(void)fprintf(fp, "%s\t%d\t%.4f\t%.2f",
			    msgs[i].spam ? "spam" : "ham", msgs[i].fold,
			    msgs[i].margin, msgs[i].points);
			for (lv = 0; lv < DETECTION_LEVEL_COUNT; lv++)
				(void)fprintf(fp, "\t%s",
				    findings_spam_name(msgs[i].st[lv]));
			(void)fprintf(fp, "\t%s\t%.2f\n", msgs[i].name,
			    msgs[i].rules);
		}
		(void)fclose(fp);
	}
	(void)snprintf(path, sizeof(path), "%s/rules.tsv", out);
	if ((fp = fopen(path, "w")) != NULL) {
		(void)fprintf(fp, "rule\tham\tham%%\tspam\tspam%%\n");
		for (i = 0; i < nrstat; i++)
			(void)fprintf(fp, "%s\t%u\t%.2f\t%u\t%.2f\n",
			    rstat[i].name, rstat[i].ham,
			    100.0 * rstat[i].ham / (double)nham,
			    rstat[i].spam, 100.0 * rstat[i].spam /
			    (double)nspam);
		(void)fclose(fp);
	}

	(void)snprintf(path, sizeof(path), "%s/summary.txt", out);
	sfp = fopen(path, "w");
	for (pass = 0; pass < 2; pass++) {
		fp = pass == 0 ? stdout : sfp;
		if (fp == NULL)
			continue;
		(void)fprintf(fp, "content stage, %d-fold cross-validation "
		    "(seed %llu, %d pass%s), %zu ham + %zu spam\n", k,
		    (unsigned long long)seed, passes, passes > 1 ? "es" : "",
		    nham, nspam);
		(void)fprintf(fp, "\n%-22s %10s %14s %16s\n", "", "(1-AUC) %",
		    "FPR @95% rec.", "recall @0.1% FPR");
		(void)fprintf(fp, "%-22s %10.4f %13.3f%% %15.2f%%\n",
		    "learner alone", rl.one_minus_auc_pct, rl.fpr_at_95,
		    rl.recall_at_01);
		(void)fprintf(fp, "%-22s %10.4f %13.3f%% %15.2f%%\n",
		    "learner + rules", rp.one_minus_auc_pct, rp.fpr_at_95,
		    rp.recall_at_01);
		(void)fprintf(fp, "\nstatus by detection level (ham | spam):\n"
		    "%-9s %9s %9s %9s %9s | %9s %9s %9s\n", "level",
		    "spam", "probable", "formal", "ham ok", "spam", "probable",
		    "formal");
		for (lv = 0; lv < DETECTION_LEVEL_COUNT; lv++) {
			size_t	hs = c[0][SPAM_SPAM][lv];
			size_t	hp = c[0][SPAM_PROBABLE][lv];
			size_t	hf = c[0][SPAM_FORMAL][lv];
			size_t	ss = c[1][SPAM_SPAM][lv];
			size_t	sp = c[1][SPAM_PROBABLE][lv];
			size_t	sf = c[1][SPAM_FORMAL][lv];

			(void)fprintf(fp, "%-9s %8.3f%% %8.3f%% %8.3f%% "
			    "%8.2f%% | %8.2f%% %8.2f%% %8.2f%%\n",
			    verdict_level_name((enum detection_level)lv),
			    100.0 * hs / nham, 100.0 * hp / nham,
			    100.0 * hf / nham,
			    100.0 * (nham - hs - hp) / nham,
			    100.0 * ss / nspam, 100.0 * sp / nspam,
			    100.0 * sf / nspam);
		}
		(void)fprintf(fp, "standard with probable_spam = off: ham "
		    "marked spam %.3f%% (%zu), spam caught %.2f%%\n",
		    100.0 * np[0] / nham, np[0], 100.0 * np[1] / nspam);
		(void)fprintf(fp, "\ncontent stage CPU (cross-validation "
		    "runs): learn %.3f ms/msg (%zu), check %.3f ms/msg "
		    "(%zu)\n", 1000.0 * learn_cpu / (double)nlearned,
		    nlearned, 1000.0 * check_cpu / (double)nchecked,
		    nchecked);
	}
	if (sfp != NULL)
		(void)fclose(sfp);
}

/* usage - how to call it */

static void
usage(void)
{
	(void)fprintf(stderr, "usage: accuracy_eval [-k folds] [-s seed] "
	    "[-b bits] [-p passes] [-r rule_weights] [-a altdir] -o outdir "
	    "corpusdir\n"
	    "       accuracy_eval -t model [-s seed] [-b bits] [-p passes] "
	    "corpusdir\n");
	exit(64);
}

int
main(int argc, char **argv)
{
	const char	*out = NULL, *train = NULL;
	char		 path[1024], model[1100];
	uint64_t	 seed = 20260101;
	unsigned int	 bits = 0;
	int		 k = 5, passes = CONTENT_LEARN_PASSES, ch, fold;

	log_init("accuracy_eval");
	while ((ch = getopt(argc, argv, "a:b:k:o:p:r:s:t:")) != -1) {
		switch (ch) {
		case 'a':
			alt_dir = optarg;
			break;
		case 'b':
			bits = (unsigned int)atoi(optarg);
			break;
		case 'k':
			k = atoi(optarg);
			break;
		case 'o':
			out = optarg;
			break;
		case 'p':
			passes = atoi(optarg);
			break;
		case 'r':
			rule_weights = optarg;
			break;
		case 's':
			seed = strtoull(optarg, NULL, 10);
			break;
		case 't':
			train = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1 || (out == NULL && train == NULL) || k < 2 ||
	    passes < 1)
		usage();
	content_conf_register();
	(void)snprintf(path, sizeof(path), "%s/ham", argv[0]);
	load_class(path, 0);
	(void)snprintf(path, sizeof(path), "%s/spam", argv[0]);
	load_class(path, 1);
	if (alt_dir != NULL)
		load_alt(argv[0]);
	base_load();
	if (train != NULL) {
		learn_set(train, -1, bits, passes, seed);
		(void)printf("learned %zu messages into %s (%.3f ms/msg)\n",
		    nlearned, train, 1000.0 * learn_cpu / (double)nlearned);
		return (0);
	}
	(void)mkdir(out, 0755);
	assign_folds(k, seed);
	for (fold = 0; fold < k; fold++) {
		(void)snprintf(model, sizeof(model), "%s/fold.model", out);
		learn_set(model, fold, bits, passes, seed + (uint64_t)fold);
		load_model(out, model);
		test_fold(model, fold);
		if (alt_dir != NULL)
			test_alt(out, model, fold);
		(void)fprintf(stderr, "fold %d/%d done\n", fold + 1, k);
	}
	(void)unlink(model);
	(void)snprintf(model, sizeof(model), "%s/fold.model.lock", out);
	(void)unlink(model);
	report(out, k, seed, passes);
	if (alt_dir != NULL)
		report_alt(out);
	return (0);
}
