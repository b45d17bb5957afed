/*
 * client_conf.h - [client]: winnow-pipe, the MTA-side client of winnowd
 *
 * winnow-pipe reads the same winnow.conf as winnowd: [client] for itself,
 * smtp/'s part of [server] for its session side (limits, timeouts, forward
 * for the unfiltered paths) and [policy] filter_size_limit.  The table
 * lives here, below both programs, so winnowd registers it too ("winnowd
 * -t" checks the whole file) without linking winnow-pipe's code.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_CLIENT_CONF_H
#define WINNOW_CLIENT_CONF_H

enum client_on_error {
	CLIENT_ON_ERROR_TEMPFAIL,
	CLIENT_ON_ERROR_REJECT,
	CLIENT_ON_ERROR_ACCEPT,
};

struct client_conf {
	char		*connect_to;		/* winnowd: tcp: or unix: */
	unsigned int	 connect_timeout;	/* ms: connect and greeting */
	unsigned int	 command_timeout;	/* ms: each reply before DATA
						 * ends */
	unsigned int	 data_timeout;		/* ms: the final replies */
	int		 on_error;		/* enum client_on_error */
	char		*default_domain;	/* qualifies bare addresses */
	char		*spool_dir;		/* for large messages */
	char		*listen;		/* socket mode: listeners */
	unsigned int	 max_connections;	/* socket mode: sessions */
};

extern struct client_conf	 client_conf;

/* Register [client]; call before conf_load (server_register_all does). */
void	client_conf_register(void);

#endif /* WINNOW_CLIENT_CONF_H */
