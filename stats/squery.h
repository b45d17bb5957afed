/*
 * squery.h - statistics for a period: buckets, totals, text, CSV, JSON
 *
 * What "winnowctl stats" prints and what the control API's
 * /api/v1/stats answers come from here, so both give the same figures:
 * the store's records (sstore.h) plus what the live file has counted but
 * not yet written (live.h), read consistently.
 *
 * Periods (squery_period):
 *	hour	the last 60 minutes, by minute
 *	day	the last 24 hours, by hour
 *	week	the last 7 days, by day
 *	month	the last 30 days, by day
 *	year	the last 12 months, by calendar month
 *	RANGE	FROM..TO, each YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC), TO may be
 *		"now"; by minute up to 3 hours, by hour up to 3 days, by day
 *		up to 100 days, by month beyond
 * Every period ends with the current bucket (which includes what was
 * counted a moment ago).  Times are UTC.
 *
 * Groupings: status (spam status), av (AV status), action, group; units:
 * messages, recipients, bytes (tally.h says how a message counts).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_SQUERY_H
#define WINNOW_SQUERY_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct json_t;
struct live;
struct svec;

enum { SQ_MINUTE = 0, SQ_HOUR, SQ_DAY, SQ_MONTH };
enum { SQ_BY_STATUS = 0, SQ_BY_AV, SQ_BY_ACTION, SQ_BY_GROUP };
enum { SQ_MESSAGES = 0, SQ_RECIPIENTS, SQ_BYTES };

#define SQUERY_MAX_BUCKETS	100000

struct squery {
	char		 name[64];	/* "day", or the range as given */
	int64_t		 from, to;	/* [from, to), unix time */
	int		 step;		/* SQ_MINUTE .. SQ_MONTH */
	int		 by;
	int		 unit;
};

/* Parse a period at time now; 0, or -1 with why (naming the choices). */
int		 squery_period(const char *, int64_t now, struct squery *,
		    struct buf *why);

/* Parse --by and --unit values; 0, or -1 with why. */
int		 squery_by(const char *, int *, struct buf *why);
int		 squery_unit(const char *, int *, struct buf *why);

/* The figures of a period: counters per bucket and in all. */
struct sseries {
	size_t		 n;		/* buckets */
	int64_t		*t;		/* start of each */
	struct svec	**v;		/* counters of each */
	struct svec	*total;
	struct buf	*problems;	/* what was wrong with the store */
};

/* Read the store at path and (when l is not NULL) the counters not yet
 * in it.  NULL with why when the store cannot be read at all; damaged
 * records only land in problems. */
struct sseries	*squery_run(const struct squery *, const char *store_path,
		    const struct live *l, struct buf *why);
void		 squery_free(struct sseries *);

/* The figures of a period from records found elsewhere (a fleet's):
 * empty buckets, then the counters of each record (res, ts) added. */
struct sseries	*squery_series(const struct squery *);
void		 squery_put(const struct squery *, struct sseries *, int64_t ts,
		    const struct svec *);

/* The figures as a table: one column per value of the grouping. */
struct stable {
	size_t		 ncols;
	char		**cols;
	size_t		 nrows;
	int64_t		*t;
	uint64_t	*cell;		/* nrows x ncols */
	uint64_t	*total;		/* per column */
	uint64_t	*rowtotal;	/* per row */
	uint64_t	 grand;
	uint64_t	 received;	/* messages through the filter */
};

struct stable	*squery_table(const struct squery *, const struct sseries *);
void		 squery_table_free(struct stable *);

/* Render the table. */
void		 squery_text(const struct squery *, const struct stable *,
		    struct buf *out);
void		 squery_csv(const struct squery *, const struct stable *,
		    struct buf *out);
struct json_t	*squery_json(const struct squery *, const struct stable *,
		    const struct buf *problems);

/* A time as "2024-05-01T10:00:00Z" (or shorter for the step). */
void		 squery_time(int64_t, int step, char *, size_t);

#endif /* WINNOW_SQUERY_H */
