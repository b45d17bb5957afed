/* test_log.c - unit tests for lib/log.c: levels and the journal */

#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "log.h"
#include "testutil.h"

Test(log, levels_and_overrides)
{
	struct buf	*why = buf_new(64);

	cr_assert(log_enabled("dnsbl", LOG_LV_INFO));
	cr_assert_not(log_enabled("dnsbl", LOG_LV_DEBUG));
	cr_assert_eq(log_set_levels("warning, dnsbl=debug smtp=error", why),
	    0, "%s", buf_str(why));
	cr_assert(log_enabled("dnsbl", LOG_LV_DEBUG));
	cr_assert_not(log_enabled("smtp", LOG_LV_WARN));
	cr_assert(log_enabled("smtp", LOG_LV_ERROR));
	cr_assert_not(log_enabled("policy", LOG_LV_NOTICE));
	cr_assert(log_enabled(NULL, LOG_LV_WARN));
	log_verbose = 1;
	cr_assert(log_enabled("smtp", LOG_LV_DEBUG), "-v says everything");
	log_verbose = 0;
	buf_free(why);
}

Test(log, bad_levels_change_nothing)
{
	struct buf	*why = buf_new(64);

	cr_assert_eq(log_set_levels("notice", why), 0);
	cr_assert_eq(log_set_levels("loud", why), -1);
	cr_assert(strstr(buf_str(why), "loud") != NULL);
	cr_assert_eq(log_set_levels("info, dnsbl=chatty", why), -1);
	cr_assert_eq(log_set_levels("info, info", why), -1);
	cr_assert_eq(log_set_levels("=debug", why), -1);
	cr_assert_not(log_enabled(NULL, LOG_LV_INFO), "still notice");
	buf_free(why);
}

/* capture - run fn with stderr in a file; returns what was written */

static char *
capture(const char *name, int journal)
{
	char		 path[512], env[64];
	struct stat	 st;
	size_t		 len;
	int		 fd, saved;

	(void)snprintf(path, sizeof(path), "%s/%s", tu_tmpdir(), name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	cr_assert(fd >= 0);
	saved = dup(2);
	(void)dup2(fd, 2);
	cr_assert_eq(fstat(fd, &st), 0);
	(void)snprintf(env, sizeof(env), "%llu:%llu",
	    (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
	if (journal)
		(void)setenv("JOURNAL_STREAM", env, 1);
	else
		(void)unsetenv("JOURNAL_STREAM");
	log_init("winnowd/test");
	log_to_stderr();
	log_warn("careful %d", 1);
	log_debug("not shown");
	(void)fflush(stderr);
	(void)dup2(saved, 2);
	(void)close(saved);
	(void)close(fd);
	return (tu_read_file(path, &len));
}

Test(log, journal_gets_priorities_and_no_timestamp)
{
	char	*out = capture("j", 1);

	cr_assert(strncmp(out, "<4>winnowd/test[", 16) == 0, "%s", out);
	cr_assert(strstr(out, "]: warning: careful 1\n") != NULL, "%s", out);
	cr_assert(strstr(out, "not shown") == NULL);
	free(out);
	out = capture("t", 0);
	cr_assert(out[0] != '<', "%s", out);
	cr_assert(strstr(out, " winnowd/test[") != NULL, "%s", out);
	free(out);
}
