/*
 * proctitle.h - what ps shows for a process ("winnowd: child idle")
 *
 * The setproctitle of the BSDs, done as Postfix and nginx do it on Linux:
 * the title is written over the memory of argv (and of the environment
 * strings that follow it, which are copied elsewhere first), so ps and
 * /proc/PID/cmdline show it.  proctitle_init() must run in main() before
 * anything keeps a pointer into argv or environ; a title longer than that
 * memory is cut.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_PROCTITLE_H
#define WINNOW_PROCTITLE_H

/* Take over argv's memory (main's argc and argv). */
void	proctitle_init(int argc, char **argv);

/* Set the title ("winnowd: master"); a no-op before proctitle_init. */
void	proctitle_set(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

#endif /* WINNOW_PROCTITLE_H */
