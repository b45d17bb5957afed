/* test_prom.c - unit tests for stats/prom.c */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "conf.h"
#include "prom.h"
#include "sstatus.h"
#include "stats_conf.h"
#include "svec.h"
#include "tally.h"

Test(prom, label_escapes)
{
	struct buf	*b = buf_new(64);

	prom_label(b, "a\"b\\c\nd");
	cr_assert_str_eq(buf_str(b), "a\\\"b\\\\c\\nd");
	buf_free(b);
}

/* line - whether the exposition has this exact line */

static int
line(const struct buf *b, const char *l)
{
	const char	*p = buf_str(b);
	size_t		 n = strlen(l);

	while ((p = strstr(p, l)) != NULL) {
		if ((p == buf_str(b) || p[-1] == '\n') && p[n] == '\n')
			return (1);
		p++;
	}
	return (0);
}

Test(prom, exposition)
{
	struct svec	*v = svec_new();
	struct sstatus	 s;
	struct buf	*b = buf_new(4096);
	unsigned int	 g = svec_group(v, "sa\"les");

	conf_reset();
	stats_conf_register();
	memset(&s, 0, sizeof(s));
	s.live_ok = s.master_alive = 1;
	s.busy = 2;
	s.idle = 3;
	s.info.max_children = 9;
	svec_add(v, SKEY_CELL(SM_MSGS, g, 2, 0, 5), 7);
	svec_add(v, SKEY(SM_MSG_LAT, 0, 0, 0), 3);
	svec_add(v, SKEY(SM_MSG_LAT, 8, 0, 0), 1);
	svec_add(v, SKEY(SM_MSG_LAT_SUM, 0, 0, 0), 2500000);
	svec_add(v, SKEY(SM_REPLY, 5, SREPLY_SESSION, 0), 4);
	prom_render(v, &s, b);
	cr_assert(line(b, "winnow_messages_total{group=\"sa\\\"les\","
	    "status=\"spam\",av=\"not-scanned\",action=\"quarantine\"} 7"),
	    "%s", buf_str(b));
	cr_assert(line(b, "winnow_message_duration_seconds_bucket{le=\"0.005\"}"
	    " 3"));
	cr_assert(line(b, "winnow_message_duration_seconds_bucket{le=\"2.5\"}"
	    " 4"));
	cr_assert(line(b, "winnow_message_duration_seconds_bucket{le=\"+Inf\"}"
	    " 4"));
	cr_assert(line(b, "winnow_message_duration_seconds_sum 2.500000"));
	cr_assert(line(b, "winnow_message_duration_seconds_count 4"));
	cr_assert(line(b, "winnow_replies_total{class=\"5xx\",source="
	    "\"session\"} 4"));
	cr_assert(line(b, "winnow_children{state=\"busy\"} 2"));
	cr_assert(line(b, "winnow_up 1"));
	cr_assert(line(b, "# TYPE winnow_check_duration_seconds histogram"));
	/* each metric family declared once, its samples right after it */
	{
		char	 fam[128] = "", seen[64][128], name[128];
		size_t	 nseen = 0, k, len;
		char	*copy = strdup(buf_str(b)), *ln, *save = NULL;

		for (ln = strtok_r(copy, "\n", &save); ln != NULL;
		    ln = strtok_r(NULL, "\n", &save)) {
			if (sscanf(ln, "# TYPE %127s", name) == 1) {
				for (k = 0; k < nseen; k++)
					cr_assert_str_neq(seen[k], name);
				cr_assert(nseen < 64);
				(void)snprintf(seen[nseen++], 128, "%s", name);
				(void)snprintf(fam, sizeof(fam), "%s", name);
				continue;
			}
			if (ln[0] == '#')
				continue;
			len = strcspn(ln, "{ ");
			cr_assert(strncmp(ln, fam, strlen(fam)) == 0 &&
			    (len == strlen(fam) || ln[strlen(fam)] == '_'),
			    "%s outside its family %s", ln, fam);
		}
		free(copy);
	}
	svec_free(v);
	buf_free(b);
}
