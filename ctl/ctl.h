/*
 * ctl.h - winnowctl's subcommands
 *
 * Each subcommand is a function int NAME_main(int argc, char **argv) with
 * argv[0] the subcommand's name; it prints its own --help, returns a
 * sysexits(3) code, and is listed once in ctl_commands[] (winnowctl.c).
 * The configuration is loaded before a subcommand runs (-c FILE).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_CTL_H
#define WINNOW_CTL_H

struct ctl_command {
	const char	*name;
	int		(*main)(int, char **);
	const char	*summary;	/* one line for winnowctl help */
};

extern const struct ctl_command ctl_commands[];

/* The subcommands (one file each: ctl_NAME.c). */
int	ctl_quarantine_main(int, char **);
int	ctl_archive_main(int, char **);

int	ctl_stats_main(int, char **);		/* ctl_stats.c */
int	ctl_history_main(int, char **);		/* ctl_stats.c */
int	ctl_fleet_main(int, char **);		/* ctl_fleet.c */
int	ctl_fforget_main(const char *node);	/* ctl_fforget.c */
/* The fleet's Redis for winnowctl CMD, or NULL said on stderr as
 * "winnowctl CMD: why" (ctl_fleet.c). */
struct redisContext;
struct redisContext *ctl_fleet_open(const char *cmd);
int	ctl_model_main(int, char **);		/* ctl_model.c */
/* stats --fleet and history --fleet (ctl_fleet.c). */
struct squery;
int	ctl_fleet_stats(const struct squery *, const char *format);
int	ctl_fleet_history(long n, int json);
int	ctl_status_main(int, char **);		/* ctl_status.c */
int	ctl_monitor_main(int, char **);		/* ctl_status.c */
int	ctl_template_main(int, char **);

int	ctl_secret_main(int, char **);		/* ctl_secret.c */
int	ctl_reload_main(int, char **);		/* ctl_remote.c */

/* A command through the control API (--url, ctl_remote.c). */
int	ctl_remote_main(const char *cmd, int, char **);
extern const char	*ctl_url;
extern const char	*ctl_token;	/* NULL: WINNOW_TOKEN, the secret */
extern const char	*ctl_from_node;	/* a fleet request's X-Winnow-Node:
					 * this node's name (the audit) */

/* One request, its answer printed as it is; an exit status of winnowctl
 * quarantine from the HTTP status (ctl_remote.c). */
struct json_t;
int	ctl_remote_raw(const char *method, const char *path,
	    struct json_t *body);

/* quarantine list --fleet, and show/release/delete/learn --node
 * (ctl_fquar.c): an exit status, or -1 for ctl_fquar_node when the node
 * is this one. */
int	ctl_fquar_list(int, char **);
int	ctl_fquar_node(const char *node, int raw, int, char **);

/* The control API request of "quarantine CMD ID [OPTIONS]", for --node
 * (ctl_fquar.c) and for release and learn through --url (ctl_remote.c):
 * CMD show, release (--to, --force), delete, learn (--spam|--ham), and
 * with --raw only message and explain; body is NULL or the caller's. */
struct buf;
struct ctl_fq_request {
	const char	*method;	/* GET or POST */
	char		 path[512];	/* /api/v1/quarantine/ID... */
	struct json_t	*body;		/* a POST's, or NULL */
	int		 raw_only;	/* no command of ours prints it */
	int		 more_ids;	/* delete: IDs after the first */
};
int	ctl_fquar_request(int, char **, struct ctl_fq_request *,
	    struct buf *why);

/* The configuration file winnowctl was told to use (NULL: defaults). */
extern const char	*ctl_config_path;

#endif /* WINNOW_CTL_H */
