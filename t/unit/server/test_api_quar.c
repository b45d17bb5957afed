/* test_api_quar.c - unit tests for server/api_quar.c: the command that
 * sends a request of another node's entry on (?node=NODE) */

#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "conf.h"
#include "xalloc.h"

#include "api_private.h"

TestSuite(api_quar);

/* joined - argv's words with single spaces */

static char *
joined(char **v)
{
	static char	 text[512];
	size_t		 i, n = 0;

	text[0] = '\0';
	for (i = 0; v[i] != NULL && n < sizeof(text); i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s%s",
		    i > 0 ? " " : "", v[i]);
	cr_assert_lt(n, sizeof(text));
	conf_list_free(v);
	return (text);
}

Test(api_quar, node_argv_without_body)
{
	cr_assert_str_eq(joined(api_quar_node_argv(api_argv("winnowctl",
	    NULL), "message", "Q1", "node2", NULL)), "winnowctl quarantine "
	    "message Q1 --node node2 --raw");
	cr_assert_str_eq(joined(api_quar_node_argv(api_argv("winnowctl",
	    NULL), "explain", "Q1", "node2", NULL)), "winnowctl quarantine "
	    "explain Q1 --node node2 --raw");
}

Test(api_quar, node_argv_of_a_release)
{
	json_t	*b = json_pack("{s:s, s:b}", "to", "x@y.example", "force", 1);

	cr_assert_str_eq(joined(api_quar_node_argv(api_argv("winnowctl",
	    NULL), "release", "Q1", "node2", b)), "winnowctl quarantine "
	    "release Q1 --node node2 --raw --to x@y.example --force");
	json_decref(b);
	b = json_pack("{s:s, s:b}", "to", "", "force", 0);
	cr_assert_str_eq(joined(api_quar_node_argv(api_argv("winnowctl",
	    NULL), "release", "Q1", "node2", b)), "winnowctl quarantine "
	    "release Q1 --node node2 --raw");
	json_decref(b);
}

Test(api_quar, node_argv_of_learning)
{
	json_t	*b = json_pack("{s:s}", "as", "spam");

	cr_assert_str_eq(joined(api_quar_node_argv(api_argv("winnowctl",
	    NULL), "learn", "Q1", "node2", b)), "winnowctl quarantine "
	    "learn Q1 --node node2 --raw --spam");
	json_decref(b);
	b = json_pack("{s:s}", "as", "ham");
	cr_assert_str_eq(joined(api_quar_node_argv(api_argv("winnowctl",
	    NULL), "learn", "Q1", "node2", b)), "winnowctl quarantine "
	    "learn Q1 --node node2 --raw --ham");
	json_decref(b);
	/* anything else is no option: the caller answered 400 already */
	b = json_pack("{s:s}", "as", "--force");
	cr_assert_str_eq(joined(api_quar_node_argv(api_argv("winnowctl",
	    NULL), "learn", "Q1", "node2", b)), "winnowctl quarantine "
	    "learn Q1 --node node2 --raw");
	json_decref(b);
}
