/* test_findings_json.c - unit tests for findings/findings_json.c */

#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "buf.h"
#include "findings.h"

Test(findings_json, what_the_checks_found_as_valid_utf8)
{
	struct findings	*f = findings_new();
	json_t		*j;
	char		*s;

	f->gtube = 1;
	f->content_state = CHECK_DONE;
	f->av = AV_INFECTED;
	findings_add(&f->viruses, "Eicar\xff", "part 1", 0);
	j = findings_json(f);
	cr_assert_not_null(j);
	s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	cr_assert_not_null(s);
	cr_assert(strstr(s, "\"gtube\":true") != NULL, "%s", s);
	cr_assert(strstr(s, "\"av\":\"infected\"") != NULL, "%s", s);
	cr_assert(strstr(s, "\"name\":\"Eicar?\"") != NULL, "%s", s);
	free(s);
	json_decref(j);
	findings_free(f);
}
