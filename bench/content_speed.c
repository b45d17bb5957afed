/*
 * content_speed.c - CPU per message of the content stage, learning cost,
 * memory of children sharing the model
 *
 *	content_speed [-c children] [-r rounds] [-m model] corpusdir
 *
 * 1. Check: every message of corpusdir (ham/ and spam/, or any tree) goes
 *    through the whole content stage as winnowd runs it (content_parse,
 *    which is the MIME walk and text extraction, then content_analyze:
 *    rules, formal detection, tokenizer, classifier).  The thread CPU time
 *    of each message is taken; rounds repeat the corpus (after one warm-up
 *    pass) and the median and 99th percentile are reported.  The same is
 *    done first for content_parse alone: the MIME stage.
 * 2. Learn: every message is learned into a private copy of the model;
 *    CPU per message, and the model file's size before and after.
 * 3. Memory: the model is mapped (content_load) before forking the
 *    children, as winnowd's master does; each child checks the whole corpus,
 *    then reports /proc/self/smaps_rollup (RSS, PSS, shared) and the RSS of
 *    the model mapping itself.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
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

#include "content.h"
#include "mailsrc.h"

struct msg {
	char	*data;
	size_t	 len;
	int	 spam;
};

static struct msg *msgs;
static size_t	 nmsgs, capmsgs;

/* cpu_ns - thread CPU time */

static uint64_t
cpu_ns(void)
{
	struct timespec	 ts;

	(void)clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
}

/* load - every message under dir */

static void
load(const char *dir)
{
	struct mailsrc	*ms;
	struct buf	*why = buf_new(128);
	const char	*data, *name;
	size_t		 len;
	int		 r;

	if ((ms = mailsrc_open(dir, why)) == NULL)
		log_fatal("%s", buf_str(why));
	while ((r = mailsrc_next(ms, &data, &len, &name, why)) != 0) {
		if (r < 0)
			continue;
		if (nmsgs == capmsgs) {
			capmsgs = capmsgs ? capmsgs * 2 : 1024;
			msgs = xreallocarray(msgs, capmsgs, sizeof(*msgs));
		}
		msgs[nmsgs].data = xmemdup(data, len);
		msgs[nmsgs].len = len;
		msgs[nmsgs].spam = strstr(name, "spam") != NULL;
		nmsgs++;
	}
	mailsrc_close(ms);
	buf_free(why);
}

/* cmp_u64 - ascending */

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	 x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

/* check_one - the content stage on one message (only its MIME part,
 * content_parse, if mime_only) */

static void
check_one(const struct msg *m, int mime_only)
{
	struct content_msg *cm;
	struct findings	*f = findings_new();
	struct msg_view	 v;
	struct buf	*why = buf_new(16);

	content_view_init(&v, m->data, m->len);
	cm = content_parse(&v);
	if (!mime_only) {
		v.text = content_text(cm, &v.text_len);
		(void)content_analyze(cm, &v, f, why);
	}
	content_msg_free(cm);
	findings_free(f);
	buf_free(why);
}

/* bench_check - per-message CPU of the content stage, or of its MIME
 * stage */

static void
bench_check(int rounds, int mime_only)
{
	uint64_t	*t, t0, sum = 0;
	size_t		 i, n = 0, total = nmsgs * (size_t)rounds;
	int		 r;

	t = xcalloc(total, sizeof(*t));
	for (i = 0; i < nmsgs; i++)
		check_one(&msgs[i], mime_only);	/* warm-up */
	for (r = 0; r < rounds; r++)
		for (i = 0; i < nmsgs; i++) {
			t0 = cpu_ns();
			check_one(&msgs[i], mime_only);
			t[n] = cpu_ns() - t0;
			sum += t[n++];
		}
	qsort(t, n, sizeof(*t), cmp_u64);
	(void)printf("%s, %zu messages x %d rounds:\n"
	    "  median %.3f ms, p90 %.3f ms, p99 %.3f ms, max %.3f ms, "
	    "mean %.3f ms\n  => %.0f messages/s per core (from the mean)\n",
	    mime_only ? "mime stage (content_parse: the MIME walk and text "
	    "extraction)" : "check (whole content stage)",
	    nmsgs, rounds, t[n / 2] / 1e6, t[n * 90 / 100] / 1e6,
	    t[n * 99 / 100] / 1e6, t[n - 1] / 1e6, sum / (double)n / 1e6,
	    1e9 / (sum / (double)n));
	free(t);
}

/* bench_learn - per-message CPU of learning, and the model's size */

static void
bench_learn(const char *model)
{
	struct content_learner *l;
	struct buf	*why = buf_new(128);
	struct stat	 st;
	char		 path[] = "/tmp/content_speed.XXXXXX";
	char		 file[64];
	uint64_t	*t, t0, sum = 0;
	size_t		 i;
	off_t		 before;
	int		 fd;

	if ((fd = mkstemp(path)) < 0)
		log_fatal("mkstemp failed");
	(void)close(fd);
	(void)unlink(path);
	(void)snprintf(file, sizeof(file), "%s", path);
	if ((l = content_learner_open(file, model, 0, why)) == NULL)
		log_fatal("%s", buf_str(why));
	if (content_learner_commit(l, why) != WN_OK)
		log_fatal("%s", buf_str(why));
	(void)stat(file, &st);
	before = st.st_size;
	t = xcalloc(nmsgs, sizeof(*t));
	for (i = 0; i < nmsgs; i++) {
		t0 = cpu_ns();
		(void)content_learner_learn(l, msgs[i].data, msgs[i].len,
		    msgs[i].spam);
		t[i] = cpu_ns() - t0;
		sum += t[i];
	}
	t0 = cpu_ns();
	if (content_learner_commit(l, why) != WN_OK)
		log_fatal("%s", buf_str(why));
	(void)stat(file, &st);
	qsort(t, nmsgs, sizeof(*t), cmp_u64);
	(void)printf("learn, %zu messages:\n  median %.3f ms, p99 %.3f ms, "
	    "mean %.3f ms; saving the model (atomic) %.1f ms CPU\n"
	    "  model file %lld bytes before, %lld bytes after learning %zu "
	    "messages (fixed size)\n", nmsgs, t[nmsgs / 2] / 1e6,
	    t[nmsgs * 99 / 100] / 1e6, sum / (double)nmsgs / 1e6,
	    (cpu_ns() - t0) / 1e6, (long long)before, (long long)st.st_size,
	    nmsgs);
	content_learner_close(l);
	(void)unlink(file);
	(void)snprintf(file, sizeof(file), "%s.lock", path);
	(void)unlink(file);
	free(t);
	buf_free(why);
}

/* smaps_field - a "Name: N kB" field of a smaps text, in kB */

static long
smaps_field(const char *text, const char *name)
{
	const char	*p = strstr(text, name);

	return (p ? strtol(p + strlen(name), NULL, 10) : -1);
}

/* child_report - check the corpus read from disk (as a child reads its
 * spool), then report memory to the parent */

static void
child_report(int fd, const char *dir)
{
	struct mailsrc	*ms;
	struct buf	*why = buf_new(64);
	struct msg	 m;
	const char	*data, *name;
	char		 buf[65536], line[512];
	FILE		*fp;
	size_t		 n, len;
	unsigned long	 lo, hi;
	long		 model_rss = 0, v, count = 0;
	int		 in_model = 0, r;

	if ((ms = mailsrc_open(dir, why)) == NULL)
		_exit(1);
	while ((r = mailsrc_next(ms, &data, &len, &name, why)) != 0) {
		if (r < 0)
			continue;
		m.data = (char *)(uintptr_t)data;
		m.len = len;
		check_one(&m, 0);
		count++;
	}
	mailsrc_close(ms);
	buf_free(why);
	/* RSS of the model mapping itself */
	if ((fp = fopen("/proc/self/smaps", "r")) != NULL) {
		while (fgets(line, sizeof(line), fp) != NULL) {
			if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
				in_model = strstr(line, ".model") != NULL;
			else if (in_model && strncmp(line, "Rss:", 4) == 0 &&
			    (v = strtol(line + 4, NULL, 10)) > 0)
				model_rss += v;
		}
		(void)fclose(fp);
	}
	fp = fopen("/proc/self/smaps_rollup", "r");
	n = fp ? fread(buf, 1, sizeof(buf) - 1, fp) : 0;
	buf[n] = '\0';
	if (fp)
		(void)fclose(fp);
	(void)snprintf(line, sizeof(line), "%ld %ld %ld %ld %ld %ld\n", count,
	    smaps_field(buf, "Rss:"), smaps_field(buf, "Pss:"),
	    smaps_field(buf, "Shared_Clean:"), smaps_field(buf,
	    "Private_Dirty:"), model_rss);
	(void)write(fd, line, strlen(line));
}

/* bench_children - memory of children that share the mapped model */

static void
bench_children(int nchild, const char *dir)
{
	int		 p[2], i, st;
	pid_t		 pid;
	char		 buf[4096];
	ssize_t		 n;
	size_t		 off = 0;
	long		 rss, pss, shared, dirty, model, count;
	char		*s;

	if (pipe(p) < 0)
		log_fatal("pipe failed");
	for (i = 0; i < nchild; i++) {
		if ((pid = fork()) < 0)
			log_fatal("fork failed");
		if (pid == 0) {
			(void)close(p[0]);
			content_child_init();
			child_report(p[1], dir);
			_exit(0);
		}
	}
	(void)close(p[1]);
	while ((n = read(p[0], buf + off, sizeof(buf) - 1 - off)) > 0)
		off += (size_t)n;
	buf[off] = '\0';
	while (wait(&st) > 0)
		;
	(void)printf("memory, %d children forked after the model was mapped, "
	    "each reading and checking the corpus from disk (kB):\n", nchild);
	for (s = strtok(buf, "\n"), i = 1; s != NULL; s = strtok(NULL, "\n"),
	    i++) {
		if (sscanf(s, "%ld %ld %ld %ld %ld %ld", &count, &rss, &pss,
		    &shared, &dirty, &model) != 6)
			continue;
		(void)printf("  child %d (%ld messages): RSS %ld, PSS %ld, "
		    "shared clean %ld, private dirty %ld; model mapping "
		    "resident %ld\n", i, count, rss, pss, shared, dirty, model);
	}
}

int
main(int argc, char **argv)
{
	struct buf	*why = buf_new(128);
	const char	*model = NULL;
	int		 ch, rounds = 3, nchild = 4;

	log_init("content_speed");
	while ((ch = getopt(argc, argv, "c:m:r:")) != -1) {
		switch (ch) {
		case 'c':
			nchild = atoi(optarg);
			break;
		case 'm':
			model = optarg;
			break;
		case 'r':
			rounds = atoi(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 1 || rounds < 1 || nchild < 1)
		goto usage;
	content_conf_register();
	/* The shipped model and word lists from the source tree (bench/
	 * content-speed runs at its top): winnowd reads files only where the
	 * configuration says. */
	{
		char	 path[] = "/tmp/content_speed.conf.XXXXXX";
		FILE	*fp;
		int	 fd;

		if ((fd = mkstemp(path)) < 0 || (fp = fdopen(fd, "w")) == NULL)
			log_fatal("%s: %s", path, strerror(errno));
		(void)fprintf(fp, "[content]\nmodel =\n"
		    "default_model = data/content.model\nobscene_words = "
		    "data/obscene-en.txt data/obscene-ru.txt\n");
		(void)fclose(fp);
		if (conf_load(path, why) != WN_OK || content_load(why) != WN_OK)
			log_fatal("%s", buf_str(why));
		(void)unlink(path);
	}
	if (model != NULL && content_load_model(model, why) != WN_OK)
		log_fatal("%s", buf_str(why));
	/* children first, before the corpus is loaded into this process */
	bench_children(nchild, argv[optind]);
	load(argv[optind]);
	bench_check(rounds, 1);
	bench_check(rounds, 0);
	bench_learn(model != NULL ? model : content_default_model_path());
	return (0);
usage:
	(void)fprintf(stderr, "usage: content_speed [-c children] "
	    "[-r rounds] [-m model] corpusdir\n");
	return (64);
}
