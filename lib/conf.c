/*
 * conf.c - the INI configuration file and the parameter tables
 *
 * libinih does the INI syntax; this file adds what an admin needs around it:
 * line numbers on every error, all errors at once (not just the first),
 * unknown sections and parameters named (with a suggestion for typos),
 * bounds and units checked, and a load that is all-or-nothing.
 *
 * The file is read into memory and fed to ini_parse_stream() line by line
 * through conf_reader(), which counts lines and flags lines that are neither
 * a section, a "name = value", a comment nor a continuation, and lines
 * with a control character (a NUL would end a value silently; a CR would
 * reach the greeting).  A UTF-8 byte order mark at the start is skipped.
 *
 * SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* external */
#include <ini.h>

/* lib */
#include "buf.h"
#include "conf.h"
#include "log.h"
#include "status.h"
#include "xalloc.h"

#define CONF_MAX_LINE	(1024 * 1024)	/* longest line we accept */

/* Where one reported problem sits in the output, to sort them by line. */
struct conf_errmark {
	int		 line;		/* 0: about the whole file */
	size_t		 start, end;	/* its text in out */
};

struct conf_errors {
	struct buf	*out;		/* "file:line: text\n" lines */
	unsigned int	 count;
	const char	*file;
	struct conf_errmark *marks;	/* one per problem, in report order */
	size_t		 nmarks;
};

/* A registered section and the text of its current values. */
struct conf_reg {
	const struct conf_section *sec;
	size_t		 nparams;
	char		**text;		/* current value text per param */
	int		*set;		/* 1 if the text came from the file */
	const char	**staged;	/* during conf_load: text from the file */
	int		*staged_line;
};

static struct conf_reg	*conf_regs;
static size_t		 conf_nregs;
static int		 conf_partial;	/* skip what nobody registered */
static conf_final_fn	*conf_final;	/* whole-file check before apply */
static int		 conf_in_final;	/* conf_value() reads staged text */

/* Entries of the last applied file, kept for conf_print (free-form part). */
static struct conf_entry *conf_applied;
static size_t		 conf_napplied;

/* Deprecated names: "section", "name" stand for "section", "name". */
struct conf_alias {
	char		*section, *name;
	char		*to_section, *to_name;
};

static struct conf_alias *conf_aliases;
static size_t		 conf_naliases;

/* Warnings of the last conf_load() that applied ("file:line: text\n"). */
static struct buf	*conf_warn;

/* State of one conf_load() pass over a file. */
struct conf_loader {
	const char	*file;
	const char	*data;
	size_t		 len, pos;
	int		 lineno;	/* line being read */
	int		 cont;		/* current line starts with white space */
	int		 in_section;	/* a [section] line has been seen */
	char		*section;	/* current section name */
	struct conf_entry *ents;
	size_t		 nents, cap;
	struct conf_entry *secs;	/* [section] lines: name and line */
	size_t		 nsecs;
	struct conf_errors err;
	struct buf	*warn;		/* warnings, kept when it applies */
};

/* conf_errors_mark - note where the problem just written sits */

static void
conf_errors_mark(struct conf_errors *err, int line, size_t start)
{
	struct conf_errmark *m;

	err->marks = xreallocarray(err->marks, err->nmarks + 1,
	    sizeof(*err->marks));
	m = &err->marks[err->nmarks++];
	m->line = line;
	m->start = start;
	m->end = buf_len(err->out);
	err->count++;
}

/* conf_errmark_cmp - by line, then in the order reported (qsort) */

static int
conf_errmark_cmp(const void *a, const void *b)
{
	const struct conf_errmark *x = a, *y = b;

	if (x->line != y->line)
		return (x->line < y->line ? -1 : 1);
	return (x->start < y->start ? -1 : x->start > y->start);
}

/* conf_errors_sort - rewrite the reported problems in line order (the
 * file is checked in several passes: syntax, then keys, then sections'
 * handlers; an admin reads it top to bottom) */

static void
conf_errors_sort(struct conf_errors *err)
{
	struct buf	*sorted;
	size_t		 i, base;

	if (err->nmarks < 2) {
		free(err->marks);
		err->marks = NULL;
		err->nmarks = 0;
		return;
	}
	base = err->marks[0].start;
	qsort(err->marks, err->nmarks, sizeof(*err->marks), conf_errmark_cmp);
	sorted = buf_new(buf_len(err->out) - base + 1);
	for (i = 0; i < err->nmarks; i++)
		buf_append(sorted, err->out->data + err->marks[i].start,
		    err->marks[i].end - err->marks[i].start);
	buf_truncate(err->out, base);
	buf_append(err->out, buf_str(sorted), buf_len(sorted));
	buf_free(sorted);
	free(err->marks);
	err->marks = NULL;
	err->nmarks = 0;
}

/* conf_error - report one problem at an entry */

void
conf_error(struct conf_errors *err, const struct conf_entry *e,
    const char *fmt, ...)
{
	va_list	 ap;
	size_t	 start = buf_len(err->out);

	if (e != NULL)
		buf_printf(err->out, "%s:%d: ", e->file, e->line);
	else
		buf_printf(err->out, "%s: ", err->file);
	va_start(ap, fmt);
	buf_vprintf(err->out, fmt, ap);
	va_end(ap);
	buf_putc(err->out, '\n');
	conf_errors_mark(err, e ? e->line : 0, start);
}

/* conf_error_at - report a problem at a line that has no entry */

static void
conf_error_at(struct conf_loader *ld, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
conf_error_at(struct conf_loader *ld, int line, const char *fmt, ...)
{
	va_list	 ap;
	size_t	 start = buf_len(ld->err.out);

	buf_printf(ld->err.out, "%s:%d: ", ld->file, line);
	va_start(ap, fmt);
	buf_vprintf(ld->err.out, fmt, ap);
	va_end(ap);
	buf_putc(ld->err.out, '\n');
	conf_errors_mark(&ld->err, line, start);
}

/* conf_parse_ull - parse a decimal number and return where it ended */

static int
conf_parse_ull(const char *s, unsigned long long *v, const char **end)
{
	char	*ep;

	while (isspace((unsigned char)*s))
		s++;
	if (!isdigit((unsigned char)*s))
		return (-1);
	errno = 0;
	*v = strtoull(s, &ep, 10);
	if (errno == ERANGE)
		return (-1);
	while (isspace((unsigned char)*ep))
		ep++;
	*end = ep;
	return (0);
}

/* conf_parse_uint - an unsigned number within bounds */

int
conf_parse_uint(const char *s, unsigned long long min, unsigned long long max,
    unsigned int *v, struct buf *why)
{
	unsigned long long n;
	const char	*end;

	if (conf_parse_ull(s, &n, &end) < 0 || *end != '\0') {
		buf_printf(why, "\"%s\" is not a number", s);
		return (-1);
	}
	if (max == 0 || max > UINT_MAX)
		max = UINT_MAX;
	if (n < min || n > max) {
		buf_printf(why, "%llu is out of range (%llu..%llu)", n, min,
		    max);
		return (-1);
	}
	*v = (unsigned int)n;
	return (0);
}

/* conf_parse_bool - yes/no and friends */

int
conf_parse_bool(const char *s, int *v, struct buf *why)
{
	static const char *const yes[] = { "yes", "true", "on", "1", NULL };
	static const char *const no[] = { "no", "false", "off", "0", NULL };
	size_t	 i;

	for (i = 0; yes[i] != NULL; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*v = 1;
			return (0);
		}
		if (strcasecmp(s, no[i]) == 0) {
			*v = 0;
			return (0);
		}
	}
	buf_printf(why, "\"%s\" is not yes or no", s);
	return (-1);
}

/* conf_unit - find a unit suffix in a table; returns its multiplier */

static unsigned long long
conf_unit(const char *u, const char *const *names,
    const unsigned long long *mult, unsigned long long dflt)
{
	size_t	 i;

	if (*u == '\0')
		return (dflt);
	for (i = 0; names[i] != NULL; i++)
		if (strcasecmp(u, names[i]) == 0)
			return (mult[i]);
	return (0);
}

/* conf_parse_time - a duration with a unit, in milliseconds */

int
conf_parse_time(const char *s, unsigned long long min, unsigned long long max,
    unsigned int *ms, struct buf *why)
{
	static const char *const names[] = { "ms", "s", "m", "h", "d", NULL };
	static const unsigned long long mult[] = {
		1, 1000, 60000, 3600000, 86400000
	};
	unsigned long long n, m;
	const char	*end;

	if (conf_parse_ull(s, &n, &end) < 0 ||
	    (m = conf_unit(end, names, mult, 1000)) == 0) {
		buf_printf(why, "\"%s\" is not a duration (e.g. 500ms, 30s, "
		    "5m, 1h, 1d)", s);
		return (-1);
	}
	if (max == 0 || max > UINT_MAX)
		max = UINT_MAX;
	if (n > max / m || n * m < min || n * m > max) {
		buf_printf(why, "\"%s\" is out of range (%llums..%llums)", s,
		    min, max);
		return (-1);
	}
	*ms = (unsigned int)(n * m);
	return (0);
}

/* conf_parse_size - a size with a unit, in bytes */

int
conf_parse_size(const char *s, unsigned long long min, unsigned long long max,
    size_t *v, struct buf *why)
{
	static const char *const names[] = {
		"b", "k", "kb", "m", "mb", "g", "gb", NULL
	};
	static const unsigned long long mult[] = {
		1, 1ULL << 10, 1ULL << 10, 1ULL << 20, 1ULL << 20, 1ULL << 30,
		1ULL << 30
	};
	unsigned long long n, m;
	const char	*end;

	if (conf_parse_ull(s, &n, &end) < 0 ||
	    (m = conf_unit(end, names, mult, 1)) == 0) {
		buf_printf(why, "\"%s\" is not a size (e.g. 4096, 64k, 10M, "
		    "1G)", s);
		return (-1);
	}
	if (max == 0 || max > SIZE_MAX)
		max = SIZE_MAX;
	if (n > max / m || n * m < min || n * m > max) {
		buf_printf(why, "\"%s\" is out of range (%llu..%llu bytes)", s,
		    min, max);
		return (-1);
	}
	*v = (size_t)(n * m);
	return (0);
}

/* conf_parse_enum - one of a list of names */

int
conf_parse_enum(const char *s, const char *const *names, int *v,
    struct buf *why)
{
	int	 i;

	for (i = 0; names[i] != NULL; i++) {
		if (strcasecmp(s, names[i]) == 0) {
			*v = i;
			return (0);
		}
	}
	buf_printf(why, "\"%s\" is not one of:", s);
	for (i = 0; names[i] != NULL; i++)
		buf_printf(why, " %s", names[i]);
	return (-1);
}

/* conf_param_parse - check text for a parameter; assign it when apply */

static int
conf_param_parse(const struct conf_param *p, const char *text, int apply,
    struct buf *why)
{
	unsigned int	 u;
	size_t		 z;
	int		 i, rc;

	switch (p->type) {
	case CONF_STR:
		rc = 0;
		if (apply) {
			free(*(char **)p->target);
			*(char **)p->target = xstrdup(text);
		}
		break;
	case CONF_UINT:
		if ((rc = conf_parse_uint(text, p->min, p->max, &u, why)) == 0 &&
		    apply)
			*(unsigned int *)p->target = u;
		break;
	case CONF_BOOL:
		if ((rc = conf_parse_bool(text, &i, why)) == 0 && apply)
			*(int *)p->target = i;
		break;
	case CONF_TIME:
		if ((rc = conf_parse_time(text, p->min, p->max, &u, why)) == 0 &&
		    apply)
			*(unsigned int *)p->target = u;
		break;
	case CONF_SIZE:
		if ((rc = conf_parse_size(text, p->min, p->max, &z, why)) == 0 &&
		    apply)
			*(size_t *)p->target = z;
		break;
	case CONF_ENUM:
		if ((rc = conf_parse_enum(text, p->names, &i, why)) == 0 &&
		    apply)
			*(int *)p->target = i;
		break;
	default:
		log_panic("conf_param_parse: %s: bad type %d", p->name,
		    (int)p->type);
	}
	if (rc == 0 && p->check != NULL && p->check(text, why) < 0)
		rc = -1;
	return (rc);
}

/* conf_reg_defaults - set every parameter of a section to its default */

static void
conf_reg_defaults(struct conf_reg *r)
{
	struct buf	*why = buf_new(64);
	size_t		 i;

	for (i = 0; i < r->nparams; i++) {
		const struct conf_param *p = &r->sec->params[i];

		if (conf_param_parse(p, p->def, 1, why) < 0)
			log_panic("conf: [%s] %s: bad default \"%s\": %s",
			    r->sec->name, p->name, p->def, buf_str(why));
		free(r->text[i]);
		r->text[i] = xstrdup(p->def);
		r->set[i] = 0;
	}
	buf_free(why);
}

/* conf_register - add a section and apply its defaults */

void
conf_register(const struct conf_section *sec)
{
	struct conf_reg	*r;
	struct conf_errors err;
	size_t		 n = 0;

	memset(&err, 0, sizeof(err));
	err.file = "defaults";
	conf_regs = xreallocarray(conf_regs, conf_nregs + 1,
	    sizeof(*conf_regs));
	r = &conf_regs[conf_nregs++];
	memset(r, 0, sizeof(*r));
	r->sec = sec;
	if (sec->params != NULL)
		while (sec->params[n].name != NULL)
			n++;
	r->nparams = n;
	r->text = xcalloc(n + 1, sizeof(*r->text));
	r->set = xcalloc(n + 1, sizeof(*r->set));
	r->staged = xcalloc(n + 1, sizeof(*r->staged));
	r->staged_line = xcalloc(n + 1, sizeof(*r->staged_line));
	conf_reg_defaults(r);
	if (sec->handler != NULL) {
		err.out = buf_new(64);
		sec->handler(NULL, 0, 1, &err);
		buf_free(err.out);
		free(err.marks);
	}
}

/* conf_set_partial - skip sections and keys nobody registered */

void
conf_set_partial(int on)
{
	conf_partial = on;
}

/* conf_deprecate - name a key an old spelling of another */

void
conf_deprecate(const char *section, const char *name, const char *to_section,
    const char *to_name)
{
	struct conf_alias *a;

	conf_aliases = xreallocarray(conf_aliases, conf_naliases + 1,
	    sizeof(*conf_aliases));
	a = &conf_aliases[conf_naliases++];
	a->section = xstrdup(section);
	a->name = xstrdup(name);
	a->to_section = xstrdup(to_section);
	a->to_name = xstrdup(to_name);
}

/* conf_alias_find - the alias a key is, or NULL */

static const struct conf_alias *
conf_alias_find(const char *section, const char *name)
{
	size_t	 i;

	for (i = 0; i < conf_naliases; i++)
		if (strcasecmp(conf_aliases[i].section, section) == 0 &&
		    strcasecmp(conf_aliases[i].name, name) == 0)
			return (&conf_aliases[i]);
	return (NULL);
}

/* conf_warnings - what the last applied file did that still works but
 * should change ("" if nothing) */

const char *
conf_warnings(void)
{
	return (buf_str(conf_warn));
}

/* conf_reg_matches - whether a registration serves a section name: the
 * exact name, else (when no registration has it exactly) a prefix */

static int
conf_reg_matches(const struct conf_reg *r, const char *name)
{
	size_t	 i;

	if (!r->sec->prefix)
		return (strcasecmp(r->sec->name, name) == 0);
	for (i = 0; i < conf_nregs; i++)
		if (!conf_regs[i].sec->prefix &&
		    strcasecmp(conf_regs[i].sec->name, name) == 0)
			return (0);
	return (strncasecmp(r->sec->name, name, strlen(r->sec->name)) == 0);
}

/* conf_reg_find - the first registration that serves a section name */

static struct conf_reg *
conf_reg_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < conf_nregs; i++)
		if (conf_reg_matches(&conf_regs[i], name))
			return (&conf_regs[i]);
	return (NULL);
}

/* conf_param_find - the registration and index of a section's key; the
 * registration is NULL when no table has it */

static struct conf_reg *
conf_param_find(const char *section, const char *name, size_t *j_r)
{
	struct conf_reg	*r;
	size_t		 i, j;

	for (i = 0; i < conf_nregs; i++) {
		r = &conf_regs[i];
		if (r->sec->params == NULL || !conf_reg_matches(r, section))
			continue;
		for (j = 0; j < r->nparams; j++)
			if (strcasecmp(r->sec->params[j].name, name) == 0) {
				*j_r = j;
				return (r);
			}
	}
	return (NULL);
}

/* conf_set_final_check - the check of the whole file before it applies */

void
conf_set_final_check(conf_final_fn *fn)
{
	conf_final = fn;
}

/* conf_value - a parameter's text: staged during the final check */

const char *
conf_value(const char *section, const char *name)
{
	struct conf_reg	*r;
	size_t		 j;

	if ((r = conf_param_find(section, name, &j)) == NULL)
		return (NULL);
	if (!conf_in_final)
		return (r->text[j]);
	return (r->staged[j] ? r->staged[j] : r->sec->params[j].def);
}

/* conf_run_final - the final check, its complaint an error of the file */

static void
conf_run_final(struct conf_loader *ld)
{
	struct buf	*why;

	if (conf_final == NULL || ld->err.count > 0)
		return;
	why = buf_new(256);
	conf_in_final = 1;
	if (conf_final(why) < 0)
		conf_error(&ld->err, NULL, "%s", buf_str(why));
	conf_in_final = 0;
	buf_free(why);
}

/* conf_is_set - whether the applied file set a key */

int
conf_is_set(const char *section, const char *name)
{
	struct conf_reg	*r;
	size_t		 j;

	if ((r = conf_param_find(section, name, &j)) == NULL)
		return (0);
	return (r->set[j]);
}

/* conf_has_handler - whether a handler takes a section's free-form keys */

static int
conf_has_handler(const char *section)
{
	size_t	 i;

	for (i = 0; i < conf_nregs; i++)
		if (conf_regs[i].sec->handler != NULL &&
		    conf_reg_matches(&conf_regs[i], section))
			return (1);
	return (0);
}

/* conf_distance - edit distance, for "did you mean" (short strings only) */

static size_t
conf_distance(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b), i, j;
	size_t	 row[64], prev, tmp;

	if (la >= 63 || lb >= 63)
		return (SIZE_MAX);
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			row[j] = prev + (tolower((unsigned char)a[i - 1]) !=
			    tolower((unsigned char)b[j - 1]));
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			if (tmp + 1 < row[j])
				row[j] = tmp + 1;
			prev = tmp;
		}
	}
	return (row[lb]);
}

/* conf_suggest - the closest parameter name of a section, or NULL */

static const char *
conf_suggest(const char *section, const char *name)
{
	const struct conf_reg *r;
	const char	*best = NULL;
	size_t		 i, k, d, bestd = 3;

	for (k = 0; k < conf_nregs; k++) {
		r = &conf_regs[k];
		if (!conf_reg_matches(r, section))
			continue;
		for (i = 0; i < r->nparams; i++) {
			d = conf_distance(name, r->sec->params[i].name);
			if (d < bestd) {
				bestd = d;
				best = r->sec->params[i].name;
			}
		}
	}
	return (best);
}

/* conf_suggest_section - the closest section name, or NULL; for a prefix
 * section ("group NAME") the first word is compared and the rest kept */

static char *
conf_suggest_section(const char *name)
{
	const struct conf_section *sec;
	struct buf	*out;
	const char	*rest;
	char		 word[64], want[64];
	size_t		 k, d, bestd = 3, wl;
	char		*best = NULL;

	wl = strcspn(name, " \t");
	if (wl >= sizeof(word))
		return (NULL);
	memcpy(word, name, wl);
	word[wl] = '\0';
	rest = name + wl + strspn(name + wl, " \t");
	for (k = 0; k < conf_nregs; k++) {
		sec = conf_regs[k].sec;
		if (snprintf(want, sizeof(want), "%s", sec->name) >=
		    (int)sizeof(want))
			continue;
		want[strcspn(want, " ")] = '\0';
		d = conf_distance(sec->prefix ? word : name, want);
		if (d >= bestd || d >= strlen(want))
			continue;
		bestd = d;
		out = buf_new(64);
		if (sec->prefix)
			buf_printf(out, "%s %s", want, *rest ? rest : "NAME");
		else
			buf_puts(out, want);
		free(best);
		best = buf_finish(out);
	}
	return (best);
}

/* conf_line_controls - flag a control character in a line: a NUL would
 * silently end the value there (inih reads C strings), and a CR, an
 * escape or the like would go on into a greeting, a header or a log line.
 * Tab is white space; the CR of a CRLF line end is the line end.  -1 when
 * the line has one (reported). */

static int
conf_line_controls(struct conf_loader *ld, const char *line, size_t len)
{
	size_t		 i;
	unsigned char	 c;

	while (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	for (i = 0; i < len; i++) {
		c = (unsigned char)line[i];
		if (c == '\0') {
			conf_error_at(ld, ld->lineno, "a NUL byte in the line "
			    "(column %zu): it would cut the value short", i + 1);
			return (-1);
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			conf_error_at(ld, ld->lineno, "control character 0x%02X "
			    "in the line (column %zu): only tab is allowed",
			    c, i + 1);
			return (-1);
		}
	}
	return (0);
}

/* conf_line_check - flag a line inih would not understand */

static void
conf_line_check(struct conf_loader *ld, const char *line, size_t len)
{
	const char	*p = line, *end = line + len, *close;

	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	if (p == end || *p == '#' || *p == ';')
		return;
	if (conf_line_controls(ld, line, len) < 0)
		return;
	if (p != line && ld->nents > 0)
		return;			/* continuation of a value */
	if (*p == '[') {
		close = memchr(p, ']', (size_t)(end - p));
		if (close == NULL || close == p + 1) {
			conf_error_at(ld, ld->lineno, "bad section header "
			    "(expected [name])");
			return;
		}
		ld->in_section = 1;
		ld->secs = xreallocarray(ld->secs, ld->nsecs + 1,
		    sizeof(*ld->secs));
		memset(&ld->secs[ld->nsecs], 0, sizeof(*ld->secs));
		ld->secs[ld->nsecs].section = xstrndup(p + 1,
		    (size_t)(close - p - 1));
		ld->secs[ld->nsecs].file = ld->file;
		ld->secs[ld->nsecs].line = ld->lineno;
		ld->nsecs++;
		return;
	}
	if (memchr(p, '=', (size_t)(end - p)) == NULL &&
	    memchr(p, ':', (size_t)(end - p)) == NULL) {
		conf_error_at(ld, ld->lineno, "syntax error (expected "
		    "\"name = value\" or \"[section]\")");
		return;
	}
	if (!ld->in_section)
		conf_error_at(ld, ld->lineno, "parameter before the first "
		    "[section]");
}

/* conf_reader - inih reader: hand out one line (or part of it) */

static char *
conf_reader(char *str, int num, void *stream)
{
	struct conf_loader *ld = stream;
	const char	*start, *nl;
	size_t		 n, avail;

	if (ld->pos >= ld->len || num < 2)
		return (NULL);
	start = ld->data + ld->pos;
	avail = ld->len - ld->pos;
	if (ld->pos == 0 || ld->data[ld->pos - 1] == '\n') {
		/* A new line starts: count it and look at it whole. */
		ld->lineno++;
		nl = memchr(start, '\n', avail);
		n = nl ? (size_t)(nl - start) + 1 : avail;
		ld->cont = (*start == ' ' || *start == '\t');
		if (n > CONF_MAX_LINE)
			conf_error_at(ld, ld->lineno, "line longer than %d "
			    "bytes", CONF_MAX_LINE);
		conf_line_check(ld, start, n);
	}
	nl = memchr(start, '\n', avail);
	n = nl ? (size_t)(nl - start) + 1 : avail;
	if (n > (size_t)num - 1)
		n = (size_t)num - 1;
	memcpy(str, start, n);
	str[n] = '\0';
	ld->pos += n;
	return (str);
}

/* conf_unquote - strip one pair of surrounding double quotes in place */

static void
conf_unquote(char *v)
{
	size_t	 len = strlen(v);

	if (len >= 2 && v[0] == '"' && v[len - 1] == '"') {
		memmove(v, v + 1, len - 2);
		v[len - 2] = '\0';
	}
}

/* conf_handler - inih callback: record one "name = value" */

static int
conf_handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct conf_loader *ld = user;
	struct conf_entry *e, *last;
	struct buf	*jb;
	size_t		 i;

	last = ld->nents ? &ld->ents[ld->nents - 1] : NULL;
	if (ld->cont && last != NULL && strcmp(last->section, section) == 0 &&
	    strcmp(last->name, name) == 0) {
		jb = buf_new(strlen(last->value) + strlen(value) + 2);
		buf_printf(jb, "%s %s", last->value, value);
		free((char *)last->value);
		last->value = buf_finish(jb);
		return (1);
	}
	for (i = 0; i < ld->nents; i++) {
		e = &ld->ents[i];
		if (strcmp(e->section, section) == 0 &&
		    strcmp(e->name, name) == 0) {
			conf_error_at(ld, ld->lineno, "[%s] %s is set again "
			    "(first at line %d)", section, name, e->line);
			return (1);
		}
	}
	if (ld->nents == ld->cap) {
		ld->cap = ld->cap ? ld->cap * 2 : 32;
		ld->ents = xreallocarray(ld->ents, ld->cap, sizeof(*ld->ents));
	}
	e = &ld->ents[ld->nents++];
	e->section = xstrdup(section);
	e->name = xstrdup(name);
	e->value = xstrdup(value);
	e->file = ld->file;
	e->line = ld->lineno;
	return (1);
}

/* conf_entries_free - free an entry array */

static void
conf_entries_free(struct conf_entry *ents, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free((char *)ents[i].section);
		free((char *)ents[i].name);
		free((char *)ents[i].value);
	}
	free(ents);
}

/* conf_read - read the whole file into memory */

static int
conf_read(const char *path, char **data, size_t *len, struct buf *errors)
{
	FILE		*fp;
	struct buf	*b;
	size_t		 n;

	if ((fp = fopen(path, "r")) == NULL) {
		buf_printf(errors, "%s: cannot open: %s\n", path,
		    strerror(errno));
		return (WN_TEMP);
	}
	b = buf_new(8192);
	while ((n = fread(buf_reserve(b, 8192), 1, 8192, fp)) > 0)
		buf_commit(b, n);
	if (ferror(fp)) {
		buf_printf(errors, "%s: read error: %s\n", path,
		    strerror(errno));
		(void)fclose(fp);
		buf_free(b);
		return (WN_TEMP);
	}
	(void)fclose(fp);
	*len = buf_len(b);
	*data = buf_finish(b);
	return (WN_OK);
}

/* conf_alias_check - a deprecated key: a warning, and its value must suit
 * the key it stands for; -1 if it does not */

static int
conf_alias_check(struct conf_loader *ld, const struct conf_entry *e)
{
	const struct conf_alias *a;
	struct conf_reg	*to;
	struct buf	*why;
	size_t		 k;
	int		 rc = 0;

	if ((a = conf_alias_find(e->section, e->name)) == NULL)
		return (0);
	buf_printf(ld->warn, "%s:%d: [%s] %s is deprecated: use [%s] %s\n",
	    ld->file, e->line, e->section, e->name, a->to_section, a->to_name);
	if ((to = conf_param_find(a->to_section, a->to_name, &k)) == NULL)
		return (0);
	why = buf_new(64);
	if (conf_param_parse(&to->sec->params[k], e->value, 0, why) < 0) {
		conf_error(&ld->err, e, "[%s] %s (as [%s] %s): %s",
		    e->section, e->name, a->to_section, a->to_name,
		    buf_str(why));
		rc = -1;
	}
	buf_free(why);
	return (rc);
}

/* conf_validate - check every entry against the tables and handlers */

static void
conf_validate(struct conf_loader *ld)
{
	struct buf	*why = buf_new(128);
	struct conf_reg	*r;
	const char	*sugg;
	char		*ssugg;
	size_t		 i, j;

	for (i = 0; i < conf_nregs; i++)
		memset(conf_regs[i].staged, 0,
		    conf_regs[i].nparams * sizeof(*conf_regs[i].staged));
	for (i = 0; i < ld->nsecs; i++) {
		if (conf_reg_find(ld->secs[i].section) != NULL ||
		    conf_partial)
			continue;
		ssugg = conf_suggest_section(ld->secs[i].section);
		conf_error(&ld->err, &ld->secs[i], "unknown section [%s]%s%s%s",
		    ld->secs[i].section, ssugg ? " (did you mean [" : "",
		    ssugg ? ssugg : "", ssugg ? "]?)" : "");
		free(ssugg);
	}
	for (i = 0; i < ld->nents; i++) {
		struct conf_entry *e = &ld->ents[i];

		conf_unquote((char *)e->value);
		if (conf_reg_find(e->section) == NULL)
			continue;	/* reported at its [section] line */
		if ((r = conf_param_find(e->section, e->name, &j)) == NULL) {
			if (conf_has_handler(e->section) || conf_partial)
				continue;	/* handler's or not ours */
			sugg = conf_suggest(e->section, e->name);
			conf_error(&ld->err, e, "unknown parameter \"%s\" in "
			    "[%s]%s%s%s", e->name, e->section,
			    sugg ? " (did you mean \"" : "", sugg ? sugg : "",
			    sugg ? "\"?)" : "");
			continue;
		}
		buf_reset(why);
		if (conf_param_parse(&r->sec->params[j], e->value, 0, why) < 0) {
			conf_error(&ld->err, e, "[%s] %s: %s", e->section,
			    e->name, buf_str(why));
			continue;
		}
		if (conf_alias_check(ld, e) < 0)
			continue;
		r->staged[j] = e->value;
		r->staged_line[j] = e->line;
	}
	buf_free(why);
}

/* conf_run_handlers - give each free-form section its entries */

static void
conf_run_handlers(struct conf_loader *ld, int apply)
{
	struct conf_entry *mine;
	size_t		 i, j, n;

	mine = xcalloc(ld->nents + 1, sizeof(*mine));
	for (i = 0; i < conf_nregs; i++) {
		if (conf_regs[i].sec->handler == NULL)
			continue;
		for (j = n = 0; j < ld->nents; j++)
			if (conf_reg_matches(&conf_regs[i],
			    ld->ents[j].section))
				mine[n++] = ld->ents[j];
		conf_regs[i].sec->handler(mine, n, apply, &ld->err);
	}
	free(mine);
}

/* conf_apply_aliases - a deprecated key set in the file sets the key it
 * stands for, unless the file sets that one too */

static void
conf_apply_aliases(struct buf *why)
{
	const struct conf_alias *a;
	struct conf_reg	*r, *to;
	size_t		 i, j, k;

	for (i = 0; i < conf_naliases; i++) {
		a = &conf_aliases[i];
		if ((r = conf_param_find(a->section, a->name, &j)) == NULL ||
		    !r->set[j] || (to = conf_param_find(a->to_section,
		    a->to_name, &k)) == NULL || to->set[k])
			continue;
		if (conf_param_parse(&to->sec->params[k], r->text[j], 1,
		    why) < 0)
			log_panic("conf_apply: [%s] %s: %s", a->to_section,
			    a->to_name, buf_str(why));
	}
}

/* conf_apply - assign staged values (or defaults) to every target */

static void
conf_apply(void)
{
	struct buf	*why = buf_new(64);
	struct conf_reg	*r;
	size_t		 i, j;

	for (i = 0; i < conf_nregs; i++) {
		r = &conf_regs[i];
		conf_reg_defaults(r);
		for (j = 0; j < r->nparams; j++) {
			if (r->staged[j] == NULL)
				continue;
			if (conf_param_parse(&r->sec->params[j], r->staged[j],
			    1, why) < 0)
				log_panic("conf_apply: %s: %s",
				    r->sec->params[j].name, buf_str(why));
			free(r->text[j]);
			r->text[j] = xstrdup(r->staged[j]);
			r->set[j] = 1;
		}
	}
	conf_apply_aliases(why);
	buf_free(why);
}

/* conf_load - read, check and (if valid) apply a configuration file */

int
conf_load(const char *path, struct buf *errors)
{
	struct conf_loader ld;
	char		*data = NULL;
	size_t		 len = 0, i;
	int		 rc;

	memset(&ld, 0, sizeof(ld));
	ld.file = path ? path : "(built-in defaults)";
	ld.warn = buf_new(64);
	ld.err.out = errors ? errors : buf_new(256);
	ld.err.file = ld.file;
	if (path != NULL && (rc = conf_read(path, &data, &len, ld.err.out)) !=
	    WN_OK)
		goto out;
	ld.data = data ? data : "";
	ld.len = len;
	/* A UTF-8 byte order mark (some editors write one) is not text. */
	if (ld.len >= 3 && memcmp(ld.data, "\xef\xbb\xbf", 3) == 0) {
		ld.data += 3;
		ld.len -= 3;
	}

	ini_allow_inline_comments = 0;
	ini_use_stack = 0;
	ini_allow_realloc = 1;
	ini_max_line = CONF_MAX_LINE + 3;
	rc = ini_parse_stream(conf_reader, &ld, conf_handler, &ld);
	if (rc > 0 && ld.err.count == 0)
		conf_error_at(&ld, rc, "syntax error");
	else if (rc < 0)
		conf_error(&ld.err, NULL, "cannot parse (out of memory)");

	conf_validate(&ld);
	conf_run_handlers(&ld, 0);
	conf_run_final(&ld);
	if (ld.err.count > 0) {
		rc = WN_PERM;
		goto out;
	}
	conf_apply();
	conf_run_handlers(&ld, 1);
	if (ld.err.count > 0)
		log_panic("conf_load: a section handler failed while applying "
		    "entries it had accepted");
	conf_entries_free(conf_applied, conf_napplied);
	conf_applied = ld.ents;
	conf_napplied = ld.nents;
	ld.ents = NULL;
	ld.nents = 0;
	buf_free(conf_warn);
	conf_warn = ld.warn;
	ld.warn = NULL;
	rc = WN_OK;
out:
	conf_errors_sort(&ld.err);
	conf_entries_free(ld.ents, ld.nents);
	for (i = 0; i < ld.nsecs; i++)
		free((char *)ld.secs[i].section);
	free(ld.secs);
	free(data);
	buf_free(ld.warn);
	if (errors == NULL)
		buf_free(ld.err.out);
	return (rc);
}

/* conf_param_value - a parameter's text as a number to compare (string
 * parameters compare as text); -1 if it does not parse */

static int
conf_param_value(const struct conf_param *p, const char *text,
    unsigned long long *v)
{
	unsigned int	 u;
	size_t		 z;
	int		 i, rc = -1;

	switch (p->type) {
	case CONF_UINT:
		if ((rc = conf_parse_uint(text, p->min, p->max, &u, NULL)) == 0)
			*v = u;
		break;
	case CONF_TIME:
		if ((rc = conf_parse_time(text, p->min, p->max, &u, NULL)) == 0)
			*v = u;
		break;
	case CONF_SIZE:
		if ((rc = conf_parse_size(text, p->min, p->max, &z, NULL)) == 0)
			*v = z;
		break;
	case CONF_BOOL:
		if ((rc = conf_parse_bool(text, &i, NULL)) == 0)
			*v = (unsigned long long)i;
		break;
	case CONF_ENUM:
		if ((rc = conf_parse_enum(text, p->names, &i, NULL)) == 0)
			*v = (unsigned long long)i;
		break;
	default:
		break;
	}
	return (rc);
}

/* conf_param_is_default - whether text means the same as the default:
 * "300s" is "5m", "Yes" is "yes" (winnowd -n shows only real changes) */

static int
conf_param_is_default(const struct conf_param *p, const char *text)
{
	unsigned long long a, b;

	if (p->type == CONF_STR)
		return (strcmp(text, p->def) == 0);
	if (conf_param_value(p, text, &a) < 0 ||
	    conf_param_value(p, p->def, &b) < 0)
		return (strcmp(text, p->def) == 0);
	return (a == b);
}

/* conf_print_reg - one registration's keys (after shown others of its
 * section); returns the new count shown */

static size_t
conf_print_reg(FILE *fp, const struct conf_reg *r, int defaults,
    size_t shown)
{
	const struct conf_param *p;
	size_t		 j;

	for (j = 0; j < r->nparams; j++) {
		p = &r->sec->params[j];
		if (!defaults && (!r->set[j] ||
		    conf_param_is_default(p, r->text[j])))
			continue;
		if (defaults && conf_alias_find(r->sec->name, p->name) != NULL)
			continue;	/* an old name: not a default to show */
		if (shown++ == 0) {
			(void)fprintf(fp, "[%s]\n", r->sec->name);
			if (defaults && r->sec->help)
				(void)fprintf(fp, "# %s\n", r->sec->help);
		}
		if (defaults && p->help != NULL)
			(void)fprintf(fp, "# %s\n", p->help);
		(void)fprintf(fp, "%s = %s\n", p->name,
		    defaults ? p->def : r->text[j]);
	}
	return (shown);
}

/* conf_print - print the configuration as INI */

void
conf_print(FILE *fp, int defaults)
{
	const struct conf_reg *r;
	size_t		 i, k, shown;
	const char	*last;

	for (i = 0; i < conf_nregs; i++) {
		/* A section registered several times prints once, at its
		 * first registration, with every table's keys. */
		for (k = 0; k < i; k++)
			if (strcasecmp(conf_regs[k].sec->name,
			    conf_regs[i].sec->name) == 0)
				break;
		if (k < i)
			continue;
		for (k = i, shown = 0; k < conf_nregs; k++) {
			r = &conf_regs[k];
			if (strcasecmp(r->sec->name, conf_regs[i].sec->name))
				continue;
			shown = conf_print_reg(fp, r, defaults, shown);
		}
		if (shown)
			(void)fputc('\n', fp);
	}
	if (defaults)
		return;
	last = NULL;
	for (i = 0; i < conf_napplied; i++) {
		const struct conf_entry *e = &conf_applied[i];

		r = conf_reg_find(e->section);
		if (r == NULL || r->sec->params != NULL)
			continue;
		if (last == NULL || strcmp(last, e->section) != 0)
			(void)fprintf(fp, "%s[%s]\n", last ? "\n" : "",
			    e->section);
		(void)fprintf(fp, "%s = %s\n", e->name, e->value);
		last = e->section;
	}
	if (last != NULL)
		(void)fputc('\n', fp);
}

/* conf_dump_param - one parameter as a line of conf_dump */

static void
conf_dump_param(FILE *fp, const char *section, const struct conf_param *p)
{
	static const char *const types[] = {
		[CONF_STR] = "string", [CONF_UINT] = "number",
		[CONF_BOOL] = "bool", [CONF_TIME] = "duration",
		[CONF_SIZE] = "size", [CONF_ENUM] = "enum",
	};
	size_t	 i;

	(void)fprintf(fp, "param\t%s\t%s\t%s\t%s\t", section, p->name,
	    types[p->type], p->def);
	if (p->type == CONF_UINT || p->type == CONF_TIME ||
	    p->type == CONF_SIZE)
		(void)fprintf(fp, "%llu\t%llu\t", p->min, p->max);
	else
		(void)fputs("\t\t", fp);
	for (i = 0; p->type == CONF_ENUM && p->names[i] != NULL; i++)
		(void)fprintf(fp, "%s%s", i ? "|" : "", p->names[i]);
	(void)fprintf(fp, "\t%s\n", p->help ? p->help : "");
}

/* conf_dump - every section and parameter, one per line, for programs
 * (the man page generator): "section" NAME PREFIX HELP and "param"
 * SECTION NAME TYPE DEFAULT MIN MAX VALUES HELP, separated by tabs;
 * MIN and MAX are in milliseconds for durations and bytes for sizes,
 * a MAX of 0 means none, VALUES are an enum's names joined by "|" */

void
conf_dump(FILE *fp)
{
	const struct conf_reg *r;
	size_t		 i, j, k;

	for (i = 0; i < conf_nregs; i++) {
		for (k = 0; k < i; k++)
			if (strcasecmp(conf_regs[k].sec->name,
			    conf_regs[i].sec->name) == 0)
				break;
		if (k < i)
			continue;
		(void)fprintf(fp, "section\t%s\t%d\t%s\n",
		    conf_regs[i].sec->name, conf_regs[i].sec->prefix,
		    conf_regs[i].sec->help ? conf_regs[i].sec->help : "");
		for (k = i; k < conf_nregs; k++) {
			r = &conf_regs[k];
			if (strcasecmp(r->sec->name, conf_regs[i].sec->name))
				continue;
			for (j = 0; j < r->nparams; j++)
				conf_dump_param(fp, r->sec->name,
				    &r->sec->params[j]);
		}
	}
}

/* conf_reset - forget every registration */

void
conf_reset(void)
{
	size_t	 i, j;

	for (i = 0; i < conf_nregs; i++) {
		for (j = 0; j < conf_regs[i].nparams; j++)
			free(conf_regs[i].text[j]);
		free(conf_regs[i].text);
		free(conf_regs[i].set);
		free(conf_regs[i].staged);
		free(conf_regs[i].staged_line);
	}
	free(conf_regs);
	conf_regs = NULL;
	conf_nregs = 0;
	conf_entries_free(conf_applied, conf_napplied);
	conf_applied = NULL;
	conf_napplied = 0;
	conf_partial = 0;
	conf_final = NULL;
	for (i = 0; i < conf_naliases; i++) {
		free(conf_aliases[i].section);
		free(conf_aliases[i].name);
		free(conf_aliases[i].to_section);
		free(conf_aliases[i].to_name);
	}
	free(conf_aliases);
	conf_aliases = NULL;
	conf_naliases = 0;
	buf_free(conf_warn);
	conf_warn = NULL;
}

/* conf_split - split a string at any of the separator bytes */

static size_t
conf_split(const char *s, const char *sep, char ***out)
{
	char		**v = NULL;
	size_t		 n = 0, len;

	for (;;) {
		s += strspn(s, sep);
		if (*s == '\0')
			break;
		len = strcspn(s, sep);
		v = xreallocarray(v, n + 2, sizeof(*v));
		v[n++] = xstrndup(s, len);
		s += len;
	}
	if (v == NULL)
		v = xcalloc(1, sizeof(*v));
	v[n] = NULL;
	*out = v;
	return (n);
}

/* conf_list_split - split a list at spaces, commas and semicolons */

size_t
conf_list_split(const char *s, char ***out)
{
	return (conf_split(s, " \t\r\n,;", out));
}

/* conf_words_split - split at white space */

size_t
conf_words_split(const char *s, char ***out)
{
	return (conf_split(s, " \t\r\n", out));
}

/* conf_list_free - free a conf_list_split result */

void
conf_list_free(char **v)
{
	size_t	 i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}
