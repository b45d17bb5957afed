/*
 * ctl_content.h - winnowctl learn and winnowctl classify
 *
 * Both follow ctl.h: argv[0] is the subcommand's name, they print their
 * own --help and return a sysexits(3) code.  winnowctl's main has
 * registered every section (content_conf_register() among them) and loaded
 * the configuration before calling them; they then call content_load()
 * themselves, so the [content] model, default_model and obscene_words
 * settings apply.
 *
 * For ctl_commands[]:
 *	{ "learn", ctl_learn_main, "learn messages as spam or ham" },
 *	{ "classify", ctl_classify_main,
 *	    "classify messages and explain why" },
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_CTL_CONTENT_H
#define WINNOW_CTL_CONTENT_H

/* winnowctl learn --spam|--ham [options] FILE|DIR|MBOX... */
int	ctl_learn_main(int argc, char **argv);

/* Learn one message as spam or ham into the [content] model and keep it
 * as a sample; what names it in the output.  A sysexits(3) code. */
int	ctl_learn_one(const char *data, size_t len, int spam,
	    const char *what);

/* winnowctl classify [options] FILE|DIR|MBOX... */
int	ctl_classify_main(int argc, char **argv);

#endif /* WINNOW_CTL_CONTENT_H */
