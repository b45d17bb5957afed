/*
 * ctl_uds.h - winnowctl uds, and UDS reports from winnowctl learn
 *
 * ctl_uds_main follows ctl.h.  The learn hooks: ctl_uds_learn_open() when
 * the learning starts (NULL, after saying why unless quiet, when [uds]
 * cannot take reports: no servers, no client in the key file), then one
 * ctl_uds_learn_msg() per message learned, and ctl_uds_learn_close() at
 * the end, which prints a summary and returns -1 when some server did not
 * answer or refused.  A NULL handle makes both no-ops.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_CTL_UDS_H
#define WINNOW_CTL_UDS_H

#include <stddef.h>

struct uds_sigset;
struct ctl_uds_learn;

/* winnowctl uds COMMAND ... */
int	ctl_uds_main(int argc, char **argv);

/* The items of a message, as winnowd signs it (after uds_load and
 * content_load). */
void	ctl_uds_sign(const char *data, size_t len, struct uds_sigset *);

struct ctl_uds_learn *ctl_uds_learn_open(int spam, int quiet);
void	ctl_uds_learn_msg(struct ctl_uds_learn *, const char *data,
	    size_t len);
int	ctl_uds_learn_close(struct ctl_uds_learn *, int quiet);

#endif /* WINNOW_CTL_UDS_H */
