/*
 * conf.h - the INI configuration file and the parameter tables
 *
 * Every module declares its parameters in one table (name, type, default,
 * bounds, help) and registers it with conf_register() under its section
 * name.  conf_load() reads the file with libinih, checks every line against
 * the tables, and reports every problem as "file:line: text".  Only when the
 * whole file is valid does it assign the values (defaults for the rest), so
 * a failed reload leaves the running configuration untouched.
 *
 * Sections whose keys are free-form ([dnsbl] zone = rating, [group NAME])
 * register a handler instead of a table; the handler sees every entry twice:
 * once to validate (apply == 0), once to apply.
 *
 * Syntax: "[section]", "name = value", whole-line comments starting with '#'
 * or ';', continuation lines starting with white space (joined with one
 * space).  There are no inline comments: ';' is a list separator in values.
 * A value in double quotes keeps its leading and trailing spaces.  A line
 * with a control character other than tab (a NUL, a bare CR, ...) is an
 * error; a UTF-8 byte order mark at the start of the file is skipped.
 *
 * Durations take units ms, s, m, h, d (a bare number means seconds); sizes
 * take k, M, G (powers of 1024; a bare number means bytes).
 *
 * The tables and their targets belong to the master, which loads the file
 * before forking; children only read the globals.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_CONF_H
#define WINNOW_CONF_H

#include <stddef.h>
#include <stdio.h>

#include "buf.h"

enum conf_type {
	CONF_STR,	/* char **, xstrdup'd */
	CONF_UINT,	/* unsigned int * */
	CONF_BOOL,	/* int *: yes/no, true/false, on/off, 1/0 */
	CONF_TIME,	/* unsigned int *, milliseconds */
	CONF_SIZE,	/* size_t *, bytes */
	CONF_ENUM,	/* int *, index into names */
};

/* Extra validation of a parameter's text; fill why and return -1 if bad. */
typedef int	conf_check_fn(const char *value, struct buf *why);

struct conf_param {
	const char		*name;
	enum conf_type		 type;
	const char		*def;		/* default value, as text */
	void			*target;	/* see enum conf_type */
	unsigned long long	 min, max;	/* bounds (UINT, TIME in ms, SIZE) */
	const char *const	*names;		/* CONF_ENUM: NULL-terminated */
	conf_check_fn		*check;		/* optional */
	const char		*help;		/* one line, for winnowd -d */
};

/* One "name = value" line of the file. */
struct conf_entry {
	const char	*section;
	const char	*name;
	const char	*value;
	const char	*file;
	int		 line;
};

struct conf_errors;

/* Handler for a free-form section: validate (apply == 0) or apply the n
 * entries of every section it matched, reporting with conf_error(). */
typedef void	conf_section_fn(const struct conf_entry *, size_t n, int apply,
		    struct conf_errors *);

struct conf_section {
	const char		*name;		/* "server", or "group " prefix */
	int			 prefix;	/* match sections starting with name */
	const struct conf_param	*params;	/* NULL-name terminated, or NULL */
	conf_section_fn		*handler;	/* for free-form sections */
	const char		*help;		/* one line, for winnowd -d */
};

/* Register a section; its targets are set to their defaults at once.  A
 * section may be registered more than once (by different modules): its
 * keys are then looked up in every table registered under its name. */
void	conf_register(const struct conf_section *);

/* For a program that reads only part of winnow.conf (winnow-pipe,
 * winnowctl): sections and keys nobody registered belong to another
 * program of the suite and are skipped, not reported ("winnowd -t" checks
 * the whole file).  Off by default. */
void	conf_set_partial(int);

/* A check of the whole configuration against the machine (winnowd: can
 * its user reach spool_dir, run the exec: program), run by conf_load once
 * every line is valid and before anything is applied, so a refused reload
 * changes nothing.  It reads the values with conf_value(); on failure it
 * returns -1 with the reason in why, which becomes an error of the file. */
typedef int	conf_final_fn(struct buf *why);
void	conf_set_final_check(conf_final_fn *);

/* The text of a parameter: while the final check runs, the value the file
 * gives it (or its default); otherwise the value in force.  NULL if no
 * table has it. */
const char *conf_value(const char *section, const char *name);

/* Make section.name a deprecated spelling of to_section.to_name: setting
 * it warns (conf_warnings) and sets the new key too, unless the file sets
 * that one as well; its value must suit both.  The old key keeps its own
 * table entry (and target). */
void	conf_deprecate(const char *section, const char *name,
	    const char *to_section, const char *to_name);

/* Warnings of the last file applied: "file:line: text" lines, "" if none
 * (deprecated keys). */
const char *conf_warnings(void);

/* Whether the last file applied sets a key of a table. */
int	conf_is_set(const char *section, const char *name);

/* Read path (NULL: defaults only) and, if it is valid, apply it.  Returns
 * WN_OK, or WN_PERM with one "file:line: text" per problem in errors (or
 * WN_TEMP when the file cannot be read). */
int	conf_load(const char *path, struct buf *errors);

/* Report a problem with one entry (for section handlers). */
void	conf_error(struct conf_errors *, const struct conf_entry *,
	    const char *, ...) __attribute__((format(printf, 3, 4)));

/* Print the configuration as INI: every parameter with its default
 * (defaults != 0, winnowd -d) or only those the file sets to something
 * other than the default (winnowd -n; "5m" for a default of "300s" is no
 * change). */
void	conf_print(FILE *, int defaults);

/* Print every registered section and parameter in a form for programs
 * (winnowd --dump-params; scripts/gen-man makes winnow.conf(5) of it):
 * one tab-separated line per section and per parameter, described at
 * conf_dump() in conf.c. */
void	conf_dump(FILE *);

/* Forget every registration and free stored values (tests, exit). */
void	conf_reset(void);

/* Value parsers, also for modules that parse free-form sections. */
int	conf_parse_uint(const char *, unsigned long long min,
	    unsigned long long max, unsigned int *, struct buf *why);
int	conf_parse_bool(const char *, int *, struct buf *why);
int	conf_parse_time(const char *, unsigned long long min,
	    unsigned long long max, unsigned int *ms, struct buf *why);
int	conf_parse_size(const char *, unsigned long long min,
	    unsigned long long max, size_t *, struct buf *why);
int	conf_parse_enum(const char *, const char *const *names, int *,
	    struct buf *why);

/* Split a list value at spaces, commas and semicolons; returns the number of
 * items and a NULL-terminated array of copies (free with conf_list_free). */
size_t	conf_list_split(const char *, char ***);
void	conf_list_free(char **);

/* Split at white space only (command lines); same result format. */
size_t	conf_words_split(const char *, char ***);

#endif /* WINNOW_CONF_H */
