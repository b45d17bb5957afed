/*
 * av_bench.c - measurements of the AV module for bench/av-bench
 *
 *   av_bench CONF scan FILE...     av_check() per message (LF made CRLF):
 *                                  median, p90, p99, mean, msgs/s, statuses
 *                                  (AV_BENCH_EACH set: each message's ms)
 *   av_bench CONF compile N        av_engine_load() N times: median, min
 *   av_bench CONF mem NCHILD MSG   the master loads the engine and forks
 *                                  NCHILD children that each scan MSG once
 *                                  and wait; Rss, Pss and private bytes of
 *                                  the master, each child and each child's
 *                                  scan process, from /proc/PID/smaps_rollup
 *
 * CONF is a winnow configuration file with an [av] section.  Timing uses
 * the monotonic clock around the library call, nothing else.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/* lib */
#include "buf.h"
#include "conf.h"
#include "log.h"
#include "status.h"
#include "timeutil.h"
#include "xalloc.h"

/* policy */
#include "findings.h"

/* av */
#include "av.h"

/* bench_read - a file with bare LF made CRLF */

static int
bench_read(const char *path, struct buf *out)
{
	char	 blk[65536];
	size_t	 n, i;
	int	 prev = 0;
	FILE	*fp;

	if ((fp = fopen(path, "rb")) == NULL)
		return (-1);
	while ((n = fread(blk, 1, sizeof(blk), fp)) > 0) {
		for (i = 0; i < n; i++) {
			if (blk[i] == '\n' && prev != '\r')
				buf_putc(out, '\r');
			buf_putc(out, blk[i]);
			prev = blk[i];
		}
	}
	(void)fclose(fp);
	return (0);
}

/* bench_view - a msg_view over a buffer */

static void
bench_view(struct msg_view *v, const struct buf *m)
{
	static const char *const rcpts[] = { "rcpt@example.net", NULL };
	const char	*e;

	memset(v, 0, sizeof(*v));
	v->queue_id = "BENCH";
	v->sender = "sender@example.org";
	v->rcpts = rcpts;
	v->nrcpts = 1;
	v->data = m->data;
	v->len = m->len;
	e = memmem(m->data, m->len, "\r\n\r\n", 4);
	v->header_len = e != NULL ? (size_t)(e - m->data) + 4 : m->len;
}

/* bench_cmp - order doubles */

static int
bench_cmp(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

/* bench_pct - a percentile of sorted values */

static double
bench_pct(const double *v, size_t n, double p)
{
	size_t	 i = (size_t)(p * (double)(n - 1) + 0.5);

	return (n == 0 ? 0 : v[i < n ? i : n - 1]);
}

/* bench_cpu_ms - CPU time of this process and its reaped children */

static double
bench_cpu_ms(void)
{
	struct rusage	 a, b;

	(void)getrusage(RUSAGE_SELF, &a);
	(void)getrusage(RUSAGE_CHILDREN, &b);
	return ((double)(a.ru_utime.tv_sec + a.ru_stime.tv_sec +
	    b.ru_utime.tv_sec + b.ru_stime.tv_sec) * 1000.0 +
	    (double)(a.ru_utime.tv_usec + a.ru_stime.tv_usec +
	    b.ru_utime.tv_usec + b.ru_stime.tv_usec) / 1000.0);
}

/* bench_scan - time av_check over files */

static int
bench_scan(int argc, char **argv)
{
	struct findings	*f = findings_new();
	struct buf	*m = buf_new(65536), *why = buf_new(128);
	struct msg_view	 v;
	unsigned int	 st[AV_STATUS_COUNT] = { 0 };
	struct av_scan_stats ss;
	unsigned long long objs = 0, scans = 0, hits = 0;
	double		*t, sum = 0, cpu0;
	uint64_t	 t0, bytes = 0;
	size_t		 n = 0;
	int		 i;

	t = xcalloc((size_t)argc, sizeof(*t));
	cpu0 = bench_cpu_ms();
	av_child_init();
	for (i = 0; i < argc; i++) {
		buf_reset(m);
		if (bench_read(argv[i], m) < 0)
			continue;
		bench_view(&v, m);
		buf_reset(why);
		t0 = time_now_us();
		(void)av_check(&v, f, why);
		t[n] = (double)(time_now_us() - t0) / 1000.0;
		if (getenv("AV_BENCH_EACH") != NULL)	/* one line a message */
			printf("%.3f ms %s\n", t[n], argv[i]);
		sum += t[n++];
		bytes += m->len;
		st[f->av]++;
		av_last_stats(&ss);
		objs += ss.objects;
		scans += ss.scans;
		hits += ss.hits;
	}
	qsort(t, n, sizeof(*t), bench_cmp);
	printf("messages %zu  bytes/msg %.0f  median %.3f ms  p90 %.3f ms  "
	    "p99 %.3f ms  max %.3f ms  mean %.3f ms  msgs/s %.1f\n", n,
	    n ? (double)bytes / (double)n : 0, bench_pct(t, n, 0.5),
	    bench_pct(t, n, 0.9), bench_pct(t, n, 0.99),
	    n ? t[n - 1] : 0, n ? sum / (double)n : 0,
	    sum > 0 ? (double)n / (sum / 1000.0) : 0);
	printf("statuses:");
	for (i = 0; i < AV_STATUS_COUNT; i++)
		if (st[i] > 0)
			printf(" %s=%u", findings_av_name((enum av_status)i),
			    st[i]);
	printf("\n");
	av_child_exit();		/* reaps the scan process: its CPU counts */
	printf("objects/msg %.2f  handed to libclamav/msg %.2f  from the "
	    "cache/msg %.2f  CPU %.1f ms (%.3f ms/msg, this process and the "
	    "scan process)\n", n ? (double)objs / n : 0,
	    n ? (double)scans / n : 0, n ? (double)hits / n : 0,
	    bench_cpu_ms() - cpu0, n ? (bench_cpu_ms() - cpu0) / n : 0);
	free(t);
	findings_free(f);
	buf_free(m);
	buf_free(why);
	return (0);
}

/* bench_compile - time engine builds */

static int
bench_compile(int runs)
{
	struct av_engine *e;
	struct buf	*why = buf_new(128);
	double		*t = xcalloc((size_t)runs, sizeof(*t));
	uint64_t	 t0;
	unsigned int	 sigs = 0;
	int		 i;

	for (i = 0; i < runs; i++) {
		t0 = time_now_us();
		if ((e = av_engine_load(why)) == NULL) {
			fprintf(stderr, "load: %s\n", buf_str(why));
			return (1);
		}
		t[i] = (double)(time_now_us() - t0) / 1000.0;
		av_engine_install(e);
		sigs = av_signatures();
	}
	qsort(t, (size_t)runs, sizeof(*t), bench_cmp);
	printf("signatures %u  runs %d  median %.1f ms  min %.1f ms  "
	    "max %.1f ms\n", sigs, runs, bench_pct(t, (size_t)runs, 0.5), t[0],
	    t[runs - 1]);
	free(t);
	buf_free(why);
	return (0);
}

/* bench_smaps - Rss, Pss and private kB of a process */

static void
bench_smaps(pid_t pid, long *rss, long *pss, long *priv)
{
	char	 path[64], line[256];
	long	 v, pc = 0, pd = 0;
	FILE	*fp;

	*rss = *pss = *priv = -1;
	(void)snprintf(path, sizeof(path), "/proc/%ld/smaps_rollup",
	    (long)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (sscanf(line, "Rss: %ld kB", &v) == 1)
			*rss = v;
		else if (sscanf(line, "Pss: %ld kB", &v) == 1)
			*pss = v;
		else if (sscanf(line, "Private_Clean: %ld kB", &v) == 1)
			pc = v;
		else if (sscanf(line, "Private_Dirty: %ld kB", &v) == 1)
			pd = v;
	}
	*priv = pc + pd;
	(void)fclose(fp);
}

/* bench_kid - the first child process of pid (its scan process) */

static pid_t
bench_kid(pid_t pid)
{
	char	 path[96];
	long	 kid = 0;
	FILE	*fp;

	(void)snprintf(path, sizeof(path), "/proc/%ld/task/%ld/children",
	    (long)pid, (long)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return (0);
	if (fscanf(fp, "%ld", &kid) != 1)
		kid = 0;
	(void)fclose(fp);
	return ((pid_t)kid);
}

/* bench_mem - memory of a master and children sharing the engine */

static int
bench_mem(int nchild, const char *msgpath)
{
	struct buf	*m = buf_new(65536), *why = buf_new(128);
	struct findings	*f = findings_new();
	struct msg_view	 v;
	pid_t		*kids = xcalloc((size_t)nchild, sizeof(*kids)), scan;
	long		 rss, pss, priv, sum_pss = 0;
	int		 i, fds[2];
	char		 c;

	if (bench_read(msgpath, m) < 0 || pipe(fds) < 0)
		return (1);
	bench_view(&v, m);
	bench_smaps(getpid(), &rss, &pss, &priv);
	printf("master alone: rss %ld kB  pss %ld kB  private %ld kB  "
	    "(%u signatures)\n", rss, pss, priv, av_signatures());
	for (i = 0; i < nchild; i++) {
		if ((kids[i] = fork()) == 0) {
			av_child_init();
			(void)av_check(&v, f, why);
			(void)write(fds[1], "x", 1);
			(void)pause();
			_exit(0);
		}
	}
	for (i = 0; i < nchild; i++)
		(void)read(fds[0], &c, 1);
	usleep(100000);
	bench_smaps(getpid(), &rss, &pss, &priv);
	printf("master:      rss %ld kB  pss %ld kB  private %ld kB\n", rss,
	    pss, priv);
	sum_pss += pss;
	for (i = 0; i < nchild; i++) {
		bench_smaps(kids[i], &rss, &pss, &priv);
		printf("child %d:     rss %ld kB  pss %ld kB  private %ld kB\n",
		    i + 1, rss, pss, priv);
		sum_pss += pss;
		if ((scan = bench_kid(kids[i])) > 0) {
			bench_smaps(scan, &rss, &pss, &priv);
			printf("  its scan process: rss %ld kB  pss %ld kB  "
			    "private %ld kB\n", rss, pss, priv);
			sum_pss += pss;
		}
	}
	printf("total pss of master + %d children and their scan processes: "
	    "%ld kB\n", nchild, sum_pss);
	for (i = 0; i < nchild; i++) {
		(void)kill(kids[i], SIGTERM);
		(void)waitpid(kids[i], NULL, 0);
	}
	free(kids);
	findings_free(f);
	buf_free(m);
	buf_free(why);
	return (0);
}

/* main - parse the command and run it */

int
main(int argc, char **argv)
{
	struct buf	*why = buf_new(256);
	int		 rc;

	log_init("av_bench");
	log_to_stderr();
	if (argc < 3) {
		fprintf(stderr, "usage: av_bench CONF scan FILE... | compile N "
		    "| mem NCHILD MSG\n");
		return (64);
	}
	av_conf_register();
	if (conf_load(argv[1], why) != WN_OK) {
		fprintf(stderr, "%s", buf_str(why));
		return (78);
	}
	if (strcmp(argv[2], "compile") == 0)
		rc = bench_compile(argc > 3 ? atoi(argv[3]) : 3);
	else if (av_load(why) != WN_OK) {
		fprintf(stderr, "av_load: %s\n", buf_str(why));
		rc = 1;
	} else if (strcmp(argv[2], "scan") == 0)
		rc = bench_scan(argc - 3, argv + 3);
	else if (strcmp(argv[2], "mem") == 0 && argc == 5)
		rc = bench_mem(atoi(argv[3]), argv[4]);
	else {
		fprintf(stderr, "av_bench: unknown command %s\n", argv[2]);
		rc = 64;
	}
	av_unload();
	buf_free(why);
	return (rc);
}
