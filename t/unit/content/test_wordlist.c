/* test_wordlist.c - unit tests for content/wordlist.c */

#include <string.h>

#include <criterion/criterion.h>

#include "buf.h"
#include "content_private.h"
#include "testutil.h"

static unsigned int
count(const struct wordlist *wl, const char *text)
{
	return (wordlist_count(wl, text, strlen(text), NULL, 0));
}

Test(wordlist, exact_words_and_stems)
{
	struct wordlist	*wl = wordlist_from_text("# comment\nshit\nfuck*\n"
	    "  spaced  \n\n");

	cr_assert_eq(wordlist_size(wl), 3);
	cr_assert_eq(count(wl, "Shit happens"), 1);
	cr_assert_eq(count(wl, "shitake"), 0);
	cr_assert_eq(count(wl, "FUCKING fucker fuck"), 3);
	cr_assert_eq(count(wl, "afuck"), 0);
	cr_assert_eq(count(wl, "spaced out"), 1);
	cr_assert_eq(count(wl, ""), 0);
	wordlist_free(wl);
}

Test(wordlist, cyrillic_case_and_yo)
{
	/* list: "ёб*" is read as "еб*" */
	struct wordlist	*wl = wordlist_from_text(
	    "\xd1\x91\xd0\xb1*\n\xd0\xb1\xd0\xbb\xd1\x8f\n");
	char	 first[64];

	/* "ЕБАТЬ" upper case, "Ёбаный" with ё */
	cr_assert_eq(count(wl, "\xd0\x95\xd0\x91\xd0\x90\xd0\xa2\xd0\xac"), 1);
	cr_assert_eq(wordlist_count(wl, "x \xd0\x81\xd0\xb1\xd0\xb0\xd0\xbd"
	    "\xd1\x8b\xd0\xb9 y", 16, first, sizeof(first)), 1);
	cr_assert_str_eq(first, "\xd0\x81\xd0\xb1\xd0\xb0\xd0\xbd\xd1\x8b"
	    "\xd0\xb9");
	/* "небо" (sky) has the root inside, not at the start */
	cr_assert_eq(count(wl, "\xd0\xbd\xd0\xb5\xd0\xb1\xd0\xbe"), 0);
	cr_assert_eq(count(wl, "\xd0\x91\xd0\xbb\xd1\x8f!"), 1);
	wordlist_free(wl);
}

Test(wordlist, invalid_utf8_is_skipped)
{
	struct wordlist	*wl = wordlist_from_text("bad\n");

	cr_assert_eq(count(wl, "\xff\xfe bad \xc3"), 1);
	wordlist_free(wl);
}

Test(wordlist, load_files_and_missing_file)
{
	struct buf	*why = buf_new(64);
	struct wordlist	*wl;
	char		 paths[1024];

	(void)snprintf(paths, sizeof(paths), "%s",
	    tu_write_file("a.txt", "one\n"));
	(void)snprintf(paths + strlen(paths), sizeof(paths) - strlen(paths),
	    " %s", tu_write_file("b.txt", "two*\n"));
	wl = wordlist_load(paths, why);
	cr_assert_not_null(wl, "%s", buf_str(why));
	cr_assert_eq(count(wl, "one twofold"), 2);
	wordlist_free(wl);
	cr_assert_null(wordlist_load("/nonexistent/list.txt", why));
	cr_assert(strstr(buf_str(why), "/nonexistent/list.txt") != NULL);
	buf_free(why);
}

Test(wordlist, shipped_lists_load)
{
	struct buf	*why = buf_new(64);
	struct wordlist	*wl;
	char		 paths[2048];

	(void)snprintf(paths, sizeof(paths), "%s/data/obscene-en.txt "
	    "%s/data/obscene-ru.txt", tu_srcdir(), tu_srcdir());
	wl = wordlist_load(paths, why);
	cr_assert_not_null(wl, "%s", buf_str(why));
	cr_assert_gt(wordlist_size(wl), 100);
	cr_assert_eq(count(wl, "The weather in Scunthorpe is fine, I assume "
	    "the analysis of the cocktail was shiitake."), 0);
	wordlist_free(wl);
	buf_free(why);
}
