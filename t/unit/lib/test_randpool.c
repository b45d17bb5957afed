/* test_randpool.c - unit tests for lib/randpool.c */

#include <sys/wait.h>

#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "randpool.h"

/* Every byte value turns up, nothing repeats a block, and draws that
 * cross a refill (odd sizes over several pools) are filled whole. */
Test(randpool, bytes_look_random_across_refills)
{
	static unsigned char	 big[65536];
	unsigned char		 a[40], b[40];
	int			 seen[256] = { 0 }, i, missing = 0;
	size_t			 off, n;

	for (off = 0; off < sizeof(big); off += n) {
		n = 1 + off % 37;
		if (n > sizeof(big) - off)
			n = sizeof(big) - off;
		randpool_bytes(big + off, n);
	}
	for (off = 0; off < sizeof(big); off++)
		seen[big[off]]++;
	for (i = 0; i < 256; i++)
		if (seen[i] < 128 || seen[i] > 400)
			missing++;
	cr_assert_eq(missing, 0, "byte counts far from uniform");
	randpool_bytes(a, sizeof(a));
	randpool_bytes(b, sizeof(b));
	cr_assert_neq(memcmp(a, b, sizeof(a)), 0);
	randpool_bytes(big, 1000);			/* more than a pool */
	cr_assert_neq(memcmp(big, big + 256, 256), 0);
}

/* A child forked after the parent drew does not get the parent's next
 * bytes. */
Test(randpool, a_forked_child_draws_its_own)
{
	unsigned char	 mine[32], theirs[32];
	int		 fds[2], st;
	pid_t		 pid;

	(void)randpool_u16();			/* the pool is full now */
	cr_assert_eq(pipe(fds), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		randpool_bytes(theirs, sizeof(theirs));
		_exit(write(fds[1], theirs, sizeof(theirs)) ==
		    (ssize_t)sizeof(theirs) ? 0 : 1);
	}
	randpool_bytes(mine, sizeof(mine));
	cr_assert_eq(read(fds[0], theirs, sizeof(theirs)),
	    (ssize_t)sizeof(theirs));
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_assert_neq(memcmp(mine, theirs, sizeof(mine)), 0,
	    "parent and child drew the same bytes");
}
