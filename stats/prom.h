/*
 * prom.h - the Prometheus text exposition of winnowd's figures
 *
 * Counters are cumulative since the master started (the live file's
 * counters, live_counted), which is what Prometheus expects of a counter:
 * it notices a restart by the drop and rate() stays right.  Gauges come
 * from a gathered status (sstatus.h).  Names and labels follow the
 * Prometheus conventions: a winnow_ prefix, _total for counters, base
 * units (seconds, bytes), histograms as _bucket{le=...}, _sum, _count.
 * The whole list is in prom.c; the control process serves it at /metrics.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_PROM_H
#define WINNOW_PROM_H

#include "buf.h"

struct sstatus;
struct svec;

/* Append the exposition (text format 0.0.4) to out. */
void	prom_render(const struct svec *counted, const struct sstatus *,
	    struct buf *out);

/* A label value escaped as the format wants (\\, \", \n). */
void	prom_label(struct buf *out, const char *);

#endif /* WINNOW_PROM_H */
