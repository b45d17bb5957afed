/*
 * featdump.c - the learner's distinct features of every message
 *
 *	featdump corpusdir/ham corpusdir/spam > feats.tsv
 *
 * One line per message: its name as bench/accuracy's scores.tsv writes it,
 * then the 64-bit hash of each feature tok_message() gives, in hex, with
 * the TOK_META_REPEAT copies of a non-text feature left out (a second
 * scorer that counts features must see each once).  Experiment tool for
 * bench/nb-combine.py (issue 16); rules_run() runs without obscene words.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "log.h"

#include "content_private.h"
#include "mailsrc.h"

/* featdump_copy - whether a feature name is a repeat ("... #2".."#8") */

static int
featdump_copy(const char *nm)
{
	size_t	 l = strlen(nm);

	return (l > 3 && nm[l - 2] == '#' && nm[l - 3] == ' ');
}

/* featdump_dir - print the features of every message under dir */

static void
featdump_dir(const char *dir)
{
	struct content_limits lim = { 20, 200, 8 * 1024 * 1024, 0, 0 };
	struct buf	*why = buf_new(64);
	struct mailsrc	*ms;
	struct content_msg *cm;
	struct tok_list	 tl;
	const char	*data, *name;
	size_t		 len, i;
	int		 r;

	if ((ms = mailsrc_open(dir, why)) == NULL)
		log_fatal("%s", buf_str(why));
	tok_init(&tl, 1);
	while ((r = mailsrc_next(ms, &data, &len, &name, why)) != 0) {
		if (r < 0)
			continue;
		cm = mime_parse(data, len, &lim);
		rules_run(cm, NULL, NULL);
		(void)formal_detect(cm, NULL);
		tok_reset(&tl);
		tok_message(cm, &tl);
		(void)printf("%s", name);
		for (i = 0; i < tl.n; i++)
			if (!featdump_copy(tl.namebuf->data + tl.noff[i]))
				(void)printf("\t%016llx",
				    (unsigned long long)tl.h[i]);
		(void)printf("\n");
		mime_free(cm);
	}
	tok_free(&tl);
	mailsrc_close(ms);
	buf_free(why);
}

int
main(int argc, char **argv)
{
	int	 i;

	log_init("featdump");
	mime_init();
	html_init();
	for (i = 1; i < argc; i++)
		featdump_dir(argv[i]);
	return (0);
}
