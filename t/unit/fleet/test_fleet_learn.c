/* test_fleet_learn.c - unit tests for fleet/fleet_learn.c (parking; the
 * stream itself is test_651_fleet_learn's, with a real Redis) */

#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "fleet_learn.h"
#include "fleet_model.h"
#include "status.h"
#include "testutil.h"

/* names - the files of dir, sorted, into out; their count */

static int
names(const char *dir, char out[][256], int max)
{
	struct dirent	**de;
	int		 n, i, k = 0;

	n = scandir(dir, &de, NULL, alphasort);
	cr_assert(n >= 0);
	for (i = 0; i < n; i++) {
		if (de[i]->d_name[0] != '.' && k < max)
			(void)snprintf(out[k++], 256, "%s", de[i]->d_name);
		free(de[i]);
	}
	free(de);
	return (k);
}

Test(fleet_learn, park_makes_the_directory_and_keeps_order)
{
	struct buf	*why = buf_new(64);
	char		 stats[4096], dir[4200], path[4700], got[8][256];
	char		*data;
	size_t		 len;
	int		 n;

	(void)snprintf(stats, sizeof(stats), "%s/stats", tu_tmpdir());
	cr_assert_eq(mkdir(stats, 0755), 0);
	fleet_learn_dir(stats, dir, sizeof(dir));
	cr_assert(strstr(dir, "/stats/fleet/learn") != NULL);
	cr_assert_eq(fleet_learn_park(dir, "Subject: a\n\nA\n", 14, 1, why),
	    WN_OK, "%s", buf_str(why));
	usleep(2000);
	cr_assert_eq(fleet_learn_park(dir, "Subject: b\n\nB\n", 14, 0, why),
	    WN_OK, "%s", buf_str(why));
	n = names(dir, got, 8);
	cr_assert_eq(n, 2);
	/* oldest first by name, the class in the suffix */
	cr_assert(strstr(got[0], ".spam") != NULL, "%s", got[0]);
	cr_assert(strstr(got[1], ".ham") != NULL, "%s", got[1]);
	(void)snprintf(path, sizeof(path), "%s/%s", dir, got[0]);
	data = tu_read_file(path, &len);
	cr_assert_eq(len, 14);
	cr_assert_eq(memcmp(data, "Subject: a\n\nA\n", 14), 0);
	free(data);
	buf_free(why);
}

Test(fleet_learn, park_fails_without_the_stats_directory)
{
	struct buf	*why = buf_new(64);
	char		 dir[4200];

	fleet_learn_dir("/nonexistent/stats", dir, sizeof(dir));
	cr_assert_eq(fleet_learn_park(dir, "x", 1, 1, why), WN_TEMP);
	cr_assert(strstr(buf_str(why), "/nonexistent/stats") != NULL);
	buf_free(why);
}

Test(fleet_learn, add_refuses_what_is_too_large)
{
	struct buf	*why = buf_new(64);

	/* refused before a byte is sent: no connection is needed */
	cr_assert_eq(fleet_learn_add(NULL, "", (size_t)FLEET_LEARN_MAX + 1,
	    1, "n1", why), WN_PERM);
	cr_assert(strstr(buf_str(why), "larger") != NULL);
	buf_free(why);
}
