/*
 * mock_winnowd.h - a scripted SMTP/LMTP server standing in for winnowd
 *
 * A thread on a unix socket that answers each connection from a script:
 * its greeting, the LHLO/EHLO reply, MAIL, each RCPT, DATA and the replies
 * after the final dot (one per accepted recipient after LHLO, one after
 * EHLO), optionally late.  A NULL reply means the usual 2xx (354 for
 * DATA); MOCK_HANGUP closes the connection at that point instead.  Every
 * byte received is recorded.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_MOCK_WINNOWD_H
#define WINNOW_MOCK_WINNOWD_H

#define MOCK_MAX	16
#define MOCK_HANGUP	""

struct mock_winnowd_script {
	const char	*greeting;
	const char	*hello;
	const char	*mail;
	const char	*rcpt[MOCK_MAX];	/* per RCPT, in order */
	const char	*data;
	const char	*final[MOCK_MAX];	/* per reply after the dot */
	unsigned int	 final_delay_ms;	/* wait before those */
};

struct mock_winnowd;

/* Listen at path and serve connections by script (copied). */
struct mock_winnowd	*mock_winnowd_start(const char *path,
			    const struct mock_winnowd_script *);

/* Everything received so far (NUL-terminated copy; caller frees). */
char		*mock_winnowd_received(struct mock_winnowd *);

/* Connections served so far. */
unsigned int	 mock_winnowd_sessions(struct mock_winnowd *);

/* Stop listening (sessions in progress end with their clients). */
void		 mock_winnowd_stop(struct mock_winnowd *);

#endif /* WINNOW_MOCK_WINNOWD_H */
