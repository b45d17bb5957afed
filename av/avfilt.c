/*
 * avfilt.c - the attachment filter: file name, declared type, real type, size
 *
 * A part is filtered when its file name, its declared MIME type or its
 * real type (what libmagic sees in the decoded bytes) matches a glob of
 * the include lists, or when it is larger than max_size once decoded;
 * unless one of the exclude lists matches it, which always wins.
 *
 * Globs are fnmatch(3) patterns matched without regard to case, so
 * "*.exe" catches "INVOICE.PDF.EXE" and "*.pdf.exe" or "*.*.exe" catch
 * double extensions.  Names are matched on their last path component with
 * trailing dots and white space removed, the forms Windows ignores when it
 * opens a file ("invoice.exe. " runs as invoice.exe).
 *
 * SPDX-License-Identifier: MIT
 */
#include <fnmatch.h>
#include <string.h>

#include <magic.h>

/* lib */
#include "buf.h"
#include "log.h"

/* av */
#include "av_private.h"

static magic_t	 avfilt_magic;
static int	 avfilt_magic_failed;

/* avfilt_glob - case-insensitive fnmatch */

int
avfilt_glob(const char *pattern, const char *s)
{
	return (fnmatch(pattern, s, FNM_CASEFOLD) == 0);
}

/* avfilt_norm_name - last path component without trailing dots/blanks */

void
avfilt_norm_name(const char *name, struct buf *out)
{
	const char	*base = name, *p;
	size_t		 len;

	for (p = name; *p != '\0'; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	len = strlen(base);
	while (len > 0 && (base[len - 1] == '.' || base[len - 1] == ' ' ||
	    base[len - 1] == '\t'))
		len--;
	buf_append(out, base, len);
}

/* avfilt_any - the first glob of a list that matches s, or NULL */

static const char *
avfilt_any(char *const *globs, const char *s)
{
	size_t	 i;

	if (globs == NULL || s == NULL)
		return (NULL);
	for (i = 0; globs[i] != NULL; i++)
		if (avfilt_glob(globs[i], s))
			return (globs[i]);
	return (NULL);
}

/* avfilt_active - does this option set filter anything? */

int
avfilt_active(const struct av_opts *o)
{
	size_t	 i;

	for (i = 0; i < AVFILT_KINDS; i++)
		if (o->incl[i] != NULL)
			return (1);
	return (o->max_size > 0);
}

/* avfilt_needs_real - is the real type (libmagic) needed? */

int
avfilt_needs_real(const struct av_opts *o)
{
	return (o->incl[AVFILT_REAL] != NULL || o->excl[AVFILT_REAL] != NULL);
}

/* avfilt_match - is a part filtered?  reason gets "name(*.exe)" etc. */

int
avfilt_match(const struct av_opts *o, const struct avfilt_info *in,
    struct buf *reason)
{
	static const char *const kinds[AVFILT_KINDS] = { "name", "type",
	    "real" };
	const char	*val[AVFILT_KINDS], *g = NULL;
	struct buf	*name = buf_new(64);
	size_t		 i;
	int		 hit = 0;

	if (in->name != NULL) {
		avfilt_norm_name(in->name, name);
		val[AVFILT_NAME] = buf_str(name);
	} else
		val[AVFILT_NAME] = NULL;
	val[AVFILT_TYPE] = in->type;
	val[AVFILT_REAL] = in->real;

	for (i = 0; i < AVFILT_KINDS && !hit; i++) {
		if ((g = avfilt_any(o->incl[i], val[i])) != NULL) {
			buf_printf(reason, "%s(%s)", kinds[i], g);
			hit = 1;
		}
	}
	if (!hit && o->max_size > 0 && in->size > o->max_size) {
		buf_printf(reason, "size(>%zu)", o->max_size);
		hit = 1;
	}
	for (i = 0; i < AVFILT_KINDS && hit; i++)
		if (avfilt_any(o->excl[i], val[i]) != NULL)
			hit = 0;
	if (!hit)
		buf_reset(reason);
	buf_free(name);
	return (hit);
}

/* avfilt_magic_init - open libmagic once per process (master or child) */

void
avfilt_magic_init(void)
{
	size_t	 max;

	if (avfilt_magic != NULL || avfilt_magic_failed)
		return;
	if ((avfilt_magic = magic_open(MAGIC_MIME_TYPE |
	    MAGIC_NO_CHECK_COMPRESS | MAGIC_NO_CHECK_ENCODING)) == NULL ||
	    magic_load(avfilt_magic, NULL) != 0) {
		log_warn("av: libmagic: %s; real-type filtering is off",
		    avfilt_magic != NULL ? magic_error(avfilt_magic) :
		    "cannot open");
		if (avfilt_magic != NULL)
			magic_close(avfilt_magic);
		avfilt_magic = NULL;
		avfilt_magic_failed = 1;
		return;
	}
	max = avconf.magic_bytes > 0 ? avconf.magic_bytes : 256 * 1024;
	(void)magic_setparam(avfilt_magic, MAGIC_PARAM_BYTES_MAX, &max);
}

/* avfilt_real_type - libmagic's MIME type of some bytes ("" if unknown) */

void
avfilt_real_type(const void *data, size_t len, struct buf *out)
{
	const char	*t;
	size_t		 max;

	avfilt_magic_init();
	if (avfilt_magic == NULL)
		return;
	max = avconf.magic_bytes > 0 ? avconf.magic_bytes : 256 * 1024;
	if (len > max)
		len = max;
	if ((t = magic_buffer(avfilt_magic, data, len)) != NULL)
		buf_puts(out, t);
}
