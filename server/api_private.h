/*
 * api_private.h - the route handlers of the control API's files
 *
 * api.c holds the table; api_quar.c the quarantine, scan and learn;
 * api_admin.c reload, the configuration and the list files.  Private to
 * server/.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_API_PRIVATE_H
#define WINNOW_API_PRIVATE_H

#include <jansson.h>

#include "control.h"

struct history_entry;
struct sstatus_where;

/* api.c */
void	api_where(struct sstatus_where *);
int	api_hist_entry(json_int_t seq, struct history_entry *);

/* An argv for ctljob_command: the strings up to NULL, copied. */
char	**api_argv(const char *, ...);
char	**api_argv_add(char **, const char *);

/* winnowctl [-c CONFIG], for more arguments. */
char	**api_ctl(void);

/* api_fleet.c */
void	api_fleet_nodes(struct control_req *);
void	api_fleet_stats(struct control_req *, const char *period,
	    const char *by, const char *unit);
void	api_fleet_history(struct control_req *, long n);
/* winnowctl [-c CONFIG] [--fleet-password-stdin], and running it with
 * the password ([fleet] password_file may be root's only) */
char	**api_fleet_ctl(void);
void	api_fleet_json(struct control_req *, char **argv, ctljob_map_fn *);
void	api_fleet_body(struct control_req *, char **argv, ctljob_map_fn *,
	    const char *type, size_t max);

/* api_quar.c */
/* winnowctl quarantine CMD ID --node NODE --raw after argv, with the
 * body's "to" and "force" (release) or "as" (learn) as its options. */
char	**api_quar_node_argv(char **argv, const char *cmd, const char *id,
	    const char *node, json_t *body);
void	api_quar_list(struct control_req *);
void	api_quar_show(struct control_req *);
void	api_quar_message(struct control_req *);
void	api_quar_release(struct control_req *);
void	api_quar_delete(struct control_req *);
void	api_quar_learn(struct control_req *);
void	api_quar_explain(struct control_req *);
void	api_scan(struct control_req *);
void	api_learn(struct control_req *);

/* api_admin.c */
void	api_reload(struct control_req *);
void	api_config(struct control_req *);
void	api_config_check(struct control_req *);
void	api_lists(struct control_req *);
void	api_lists_save(struct control_req *);

#endif /* WINNOW_API_PRIVATE_H */
