/*
 * stats_conf.h - [stats] and [monitor]: where the figures live, when to
 * raise an alert
 *
 * Both winnowd and winnowctl register these sections (winnowctl reads the
 * same files the daemon writes, and "winnowctl monitor" and "winnowctl
 * status" judge by the same thresholds the daemon's alerts use).  Set by
 * conf_load; read-only afterwards.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_STATS_CONF_H
#define WINNOW_STATS_CONF_H

struct stats_conf {
	char		*dir;		/* "": spool_dir/stats */
	char		*memory_dir;	/* the live file's memory: a tmpfs */
	unsigned int	 history;	/* entries in the verdict ring */
	unsigned int	 flush_interval;	/* ms between rollups */
	unsigned int	 compact_interval;	/* ms between compactions */
};

struct monitor_conf {
	char		*alert_to;	/* "": no mail */
	char		*alert_from;	/* "": winnow@myhostname */
	char		*template;	/* "": the built-in text */
	unsigned int	 digest_hour;	/* 0..23 local time; 24 never */
	unsigned int	 interval;	/* ms between evaluations */
	unsigned int	 av_database_max_age;	/* ms; 0 off */
	unsigned int	 model_max_age;		/* ms; 0 off */
	unsigned int	 all_busy_for;		/* ms; 0 off */
	unsigned int	 downstream_tempfail_rate;	/* percent; 0 off */
	unsigned int	 dns_timeout_rate;	/* percent; 0 off */
	unsigned int	 infected_share;	/* percent; 0 off */
	unsigned int	 min_messages;	/* below this, no rate is judged */
	unsigned int	 outq_max_age;		/* ms; 0 off */
	unsigned int	 child_crashes;		/* in 5 minutes; 0 off */
	int		 check_off;	/* a check a group needs is off */
};

extern struct stats_conf stats_conf;
extern struct monitor_conf monitor_conf;

/* Register [stats] and [monitor]. */
void		 stats_conf_register(void);

/* The statistics directory: [stats] dir, or spool_dir/stats (a static
 * buffer). */
const char	*stats_conf_dir(const char *spool_dir);

#endif /* WINNOW_STATS_CONF_H */
