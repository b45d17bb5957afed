/* test_proctitle.c - unit tests for lib/proctitle.c */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "proctitle.h"

extern char	**environ;

/* cmdline - what /proc says our command line is */

static void
cmdline(char *buf, size_t len)
{
	ssize_t	 n;
	int	 fd = open("/proc/self/cmdline", O_RDONLY);

	cr_assert(fd >= 0);
	n = read(fd, buf, len - 1);
	(void)close(fd);
	cr_assert(n > 0);
	buf[n] = '\0';
}

Test(proctitle, over_argv_and_the_environment)
{
	char	 area[256], *argv[4], got[512];
	char	*env[3];

	/* one block as the kernel lays it out: argv, then environ */
	memset(area, 0, sizeof(area));
	memcpy(area, "prog\0-c\0x.conf\0A=1\0B=22", 24);
	argv[0] = area;
	argv[1] = area + 5;
	argv[2] = area + 8;
	argv[3] = NULL;
	env[0] = area + 15;
	env[1] = area + 19;
	env[2] = NULL;
	environ = env;
	proctitle_init(3, argv);
	cr_assert_str_eq(argv[1], "-c", "the options are copies");
	cr_assert_neq(argv[1], area + 5);
	cr_assert_str_eq(getenv("B"), "22", "the environment moved");
	proctitle_set("winnowd: child busy %s %.1fs", "ABC", 1.25);
	cr_assert_str_eq(area, "winnowd: child busy AB", "cut to the block");
	cr_assert_eq(area[22], '\0');
	proctitle_set("x");
	cr_assert_str_eq(area, "x");
	cr_assert_eq(area[5], '\0', "the rest is cleared");
	cmdline(got, sizeof(got));	/* our own is not touched */
}

Test(proctitle, set_before_init_does_nothing)
{
	proctitle_set("nothing %d", 1);
}
