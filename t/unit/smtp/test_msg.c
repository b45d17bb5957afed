/* test_msg.c - unit tests for smtp/msg.c: queue ids */

#include <sys/wait.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "msg.h"

/* Ids end in the process id (5 hex digits); a child forked after the
 * parent made one ends in its own, and ids never repeat. */
Test(msg, qids_carry_the_pid_and_a_fork_its_own)
{
	char	 a[32], b[32], want[8], theirs[32];
	int	 fds[2], st;
	pid_t	 pid;

	qid_new(a, sizeof(a));
	qid_new(b, sizeof(b));
	cr_assert_eq(strlen(a), 15);
	cr_assert_str_neq(a, b);
	(void)snprintf(want, sizeof(want), "%05X",
	    (unsigned)getpid() & 0xFFFFF);
	cr_assert_str_eq(a + 10, want);
	cr_assert_eq(pipe(fds), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		qid_new(theirs, sizeof(theirs));
		_exit(write(fds[1], theirs, sizeof(theirs)) ==
		    (ssize_t)sizeof(theirs) ? 0 : 1);
	}
	cr_assert_eq(read(fds[0], theirs, sizeof(theirs)),
	    (ssize_t)sizeof(theirs));
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	(void)snprintf(want, sizeof(want), "%05X", (unsigned)pid & 0xFFFFF);
	cr_assert_str_eq(theirs + 10, want, "child's id %s", theirs);
}
