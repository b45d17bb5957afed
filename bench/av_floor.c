/*
 * av_floor.c - the floor of the AV stage: bare libclamav over the objects
 * of each message, once, and libclamav's own parse of the raw message
 *
 *   av_floor [-m] DBDIR FILE...
 *
 * For each message (LF made CRLF, as winnowd gets it over SMTP):
 *
 *   raw	cl_scanmap on the raw message with every parser on, as
 *		winnowd's scan did before issue 19 (libclamav's own mail
 *		parser, its temporary files): objects libclamav scanned
 *		(its pre-scan callback, every layer) and CPU time
 *   floor	cl_scanmap on each object the message index (mail/) decodes:
 *		every leaf part, then the raw message without the mail
 *		parser; the same counts - what winnowd's AV stage cannot go
 *		below without scanning less
 *
 * and whether the two found the same (infected or not: every name is
 * compared on the message level).  Prints the per-message medians and
 * totals, the CPU time from getrusage around the calls, and every message
 * whose verdicts differ.  No cache: each object of each message is
 * scanned, libclamav's own clean cache is off (with it on, the raw pass
 * had already scanned the parts its mail parser extracted, and it answered
 * about half the floor's objects: every floor figure quoted before
 * 7 December 2026, 12:00 UTC, was low by that).  The engine options are
 * winnowd's defaults (av.c).
 *
 * -m runs libclamav with the scan process's malloc settings (avhelp.c:
 * freed memory kept, not trimmed and faulted in again for every object),
 * which is how winnowd runs it; without -m, glibc's defaults.  Built with
 * av/avsscanf.c (bench/pipeline.sh's av_floor_fast), libclamav's calls of
 * sscanf take winnowd's fast path too.
 *
 * SPDX-License-Identifier: MIT
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <clamav.h>

/* lib */
#include "buf.h"
#include "xalloc.h"

/* mail */
#include "mail.h"

/* av: the scan process's malloc settings */
#include "av_private.h"

struct floor_ctx {
	unsigned int	 objects;
	int		 infected;
};

/* floor_cpu_us - CPU time of this process (user + system), microseconds */

static double
floor_cpu_us(void)
{
	struct rusage	 ru;

	(void)getrusage(RUSAGE_SELF, &ru);
	return ((double)ru.ru_utime.tv_sec * 1e6 + ru.ru_utime.tv_usec +
	    (double)ru.ru_stime.tv_sec * 1e6 + ru.ru_stime.tv_usec);
}

/* floor_prescan - count each object */

static cl_error_t
floor_prescan(int fd, const char *type, void *arg)
{
	struct floor_ctx *c = arg;

	(void)fd;
	(void)type;
	c->objects++;
	return (CL_CLEAN);
}

/* floor_found - every name (all-match mode) */

static void
floor_found(int fd, const char *name, void *arg)
{
	struct floor_ctx *c = arg;

	(void)fd;
	if (strncmp(name, "Heuristics.Limits.", 18) != 0)
		c->infected = 1;
}

/* floor_scan - one object */

static void
floor_scan(struct cl_engine *e, const void *p, size_t len, int mail,
    struct floor_ctx *c)
{
	struct cl_scan_options o;
	const char	*vn = NULL;
	cl_fmap_t	*map;

	if (len == 0)
		return;
	memset(&o, 0, sizeof(o));
	o.general = CL_SCAN_GENERAL_ALLMATCHES | CL_SCAN_GENERAL_HEURISTICS;
	o.parse = ~(unsigned int)0;
	if (!mail)
		o.parse &= ~(unsigned int)CL_SCAN_PARSE_MAIL;
	o.heuristic = CL_SCAN_HEURISTIC_EXCEEDS_MAX |
	    CL_SCAN_HEURISTIC_ENCRYPTED_ARCHIVE |
	    CL_SCAN_HEURISTIC_ENCRYPTED_DOC;
	if ((map = cl_fmap_open_memory(p, len)) == NULL)
		return;
	(void)cl_scanmap_callback(map, NULL, &vn, NULL, e, &o, c);
	cl_fmap_close(map);
}

/* floor_read - a file with bare LF made CRLF */

static int
floor_read(const char *path, struct buf *out)
{
	char	 blk[65536];
	size_t	 n, i;
	int	 prev = 0;
	FILE	*fp;

	if ((fp = fopen(path, "rb")) == NULL)
		return (-1);
	while ((n = fread(blk, 1, sizeof(blk), fp)) > 0)
		for (i = 0; i < n; i++) {
			if (blk[i] == '\n' && prev != '\r')
				buf_putc(out, '\r');
			buf_putc(out, blk[i]);
			prev = blk[i];
		}
	(void)fclose(fp);
	return (0);
}

/* floor_cmp - for qsort of doubles */

static int
floor_cmp(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

/* floor_median - the median of n values (sorted in place) */

static double
floor_median(double *v, size_t n)
{
	if (n == 0)
		return (0);
	qsort(v, n, sizeof(*v), floor_cmp);
	return (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2);
}

int
main(int argc, char **argv)
{
	struct floor_ctx raw, obj;
	struct cl_engine *e;
	struct mail	*ml;
	struct buf	*m, *d;
	unsigned int	 sigs = 0, i, p, differ = 0, n = 0;
	unsigned long long objs_raw = 0, objs_floor = 0, scans_floor = 0;
	double		*us_raw, *us_floor, t0, tot_raw = 0, tot_floor = 0;

	if (argc > 1 && strcmp(argv[1], "-m") == 0) {
		(void)mallopt(M_TRIM_THRESHOLD, AVHELP_TRIM_THRESHOLD);
		(void)mallopt(M_MMAP_THRESHOLD, AVHELP_MMAP_THRESHOLD);
		argv++;
		argc--;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: av_floor [-m] DBDIR FILE...\n");
		return (2);
	}
	if (cl_init(CL_INIT_DEFAULT) != CL_SUCCESS ||
	    (e = cl_engine_new()) == NULL ||
	    cl_engine_set_num(e, CL_ENGINE_DISABLE_CACHE, 1) != CL_SUCCESS ||
	    cl_load(argv[1], e, &sigs, CL_DB_STDOPT) != CL_SUCCESS ||
	    cl_engine_compile(e) != CL_SUCCESS) {
		fprintf(stderr, "av_floor: cannot load %s\n", argv[1]);
		return (1);
	}
	cl_engine_set_clcb_pre_scan(e, floor_prescan);
	cl_engine_set_clcb_virus_found(e, floor_found);
	us_raw = xcalloc((size_t)argc, sizeof(*us_raw));
	us_floor = xcalloc((size_t)argc, sizeof(*us_floor));
	m = buf_new(65536);
	d = buf_new(65536);
	for (i = 2; i < (unsigned int)argc; i++) {
		buf_reset(m);
		if (floor_read(argv[i], m) < 0)
			continue;
		memset(&raw, 0, sizeof(raw));
		memset(&obj, 0, sizeof(obj));
		t0 = floor_cpu_us();
		floor_scan(e, m->data, m->len, 1, &raw);
		us_raw[n] = floor_cpu_us() - t0;

		t0 = floor_cpu_us();
		ml = mail_new(m->data, m->len, NULL);
		for (p = 0; p < ml->nparts; p++) {
			if (!(ml->part[p].flags & MAIL_PART_LEAF) ||
			    (ml->part[p].flags & MAIL_PART_NO_BODY))
				continue;
			buf_reset(d);
			(void)maildec_part(ml, p, d, 0);
			if (d->len > 0)
				scans_floor++;
			floor_scan(e, d->data, d->len, 1, &obj);
		}
		floor_scan(e, m->data, m->len, !ml->message ||
		    ml->problems != 0, &obj);
		scans_floor++;
		mail_free(ml);
		us_floor[n] = floor_cpu_us() - t0;

		tot_raw += us_raw[n];
		tot_floor += us_floor[n];
		objs_raw += raw.objects;
		objs_floor += obj.objects;
		if (raw.infected != obj.infected) {
			differ++;
			printf("differ: %s: raw %s, objects %s\n", argv[i],
			    raw.infected ? "infected" : "clean",
			    obj.infected ? "infected" : "clean");
		}
		n++;
	}
	printf("messages: %u, signatures: %u\n", n, sigs);
	printf("raw (libclamav's mail parser): %.2f objects/message, median "
	    "%.3f ms, total %.1f ms CPU\n", n ? (double)objs_raw / n : 0,
	    floor_median(us_raw, n) / 1000, tot_raw / 1000);
	printf("floor (index objects, once): %.2f objects/message (%.2f "
	    "handed over), median %.3f ms, total %.1f ms CPU\n",
	    n ? (double)objs_floor / n : 0, n ? (double)scans_floor / n : 0,
	    floor_median(us_floor, n) / 1000, tot_floor / 1000);
	printf("verdicts that differ: %u\n", differ);
	buf_free(m);
	buf_free(d);
	free(us_raw);
	free(us_floor);
	(void)cl_engine_free(e);
	return (differ != 0);
}
