/*
 * control_conf.h - [control]: where the control API listens and how it
 * knows who asks
 *
 * winnowd's control process serves it (server/control.c); winnowctl
 * registers the section too, for "winnowctl control-secret" (the secret
 * file) and "winnowctl --url" (the secret it sends when it can read it).
 * Set by conf_load; read-only afterwards.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_CONTROL_CONF_H
#define WINNOW_CONTROL_CONF_H

#include <stddef.h>

struct control_conf {
	char		*listen;	/* "" none */
	int		 allow_remote;	/* a listener off loopback is allowed */
	char		*secret_file;	/* the bearer token, 0640 */
	unsigned int	 session_lifetime;	/* ms */
	unsigned int	 login_failures;	/* per minute and client */
	size_t		 max_body;	/* bytes of a request body */
	char		*web_dir;	/* the dashboard's static files */
	char		*chart_js;	/* Debian's libjs-chart.js */
	char		*allowed_hosts;	/* Host: names besides loopback */
	int		 public_metrics;	/* /metrics without a token */
	unsigned int	 job_timeout;	/* ms a scan or a command may take */
};

extern struct control_conf control_conf;

/* Register [control]. */
void	control_conf_register(void);

#endif /* WINNOW_CONTROL_CONF_H */
