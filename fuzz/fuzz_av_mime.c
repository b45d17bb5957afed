/*
 * fuzz_av_mime.c - the av/ view of the message index, attachment filter,
 * remove, the part list sent to the scan process, and result records on
 * untrusted bytes
 *
 * Per input: index it (limits as in production) and list its leaves, pack
 * and unpack that list as the scan process would get it (it must come back
 * the same), decode every leaf, run the filter, flag the filtered parts and
 * every third one, run remove, and check remove's promise: the bytes before
 * the first replaced part and after the last one are the input's own.  The
 * same bytes also go through the part-list and scan-result record parsers
 * and the header renderer.
 * libclamav itself is not run here (it has its own fuzzers upstream and
 * would make each input take milliseconds); libmagic neither.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* lib */
#include "buf.h"
#include "conf.h"
#include "log.h"
#include "status.h"

/* policy */
#include "findings.h"

/* av */
#include "av.h"
#include "av_private.h"

static struct av_opts	*fz_opts;

/* fz_init - configuration and filter rules, once */

static void
fz_init(void)
{
	struct buf	*why = buf_new(64);

	log_to_stderr();
	av_conf_register();
	fz_opts = av_opts_copy(av_opts_default());
	if (av_opts_set(fz_opts, "filter_names", "*.exe *.pdf.* *.sc?", why) ||
	    av_opts_set(fz_opts, "filter_types", "application/x-ms*", why) ||
	    av_opts_set(fz_opts, "filter_real_types", "image/*", why) ||
	    av_opts_set(fz_opts, "filter_max_size", "4k", why) ||
	    av_opts_set(fz_opts, "filter_exclude_names", "*.txt", why) ||
	    av_opts_set(fz_opts, "remove_notice", "--{file} {type} {status} "
	    "{names} {part} {unknown}", why))
		abort();
	buf_free(why);
}

/* fz_list - the leaves as the scan process gets them: packed, unpacked,
 * and the same as the child's */

static struct avmime *
fz_list(const char *data, size_t len)
{
	struct msg_view	 v;
	struct avmime	*m, *u;
	struct buf	*b = buf_new(256);
	size_t		 i, used;

	memset(&v, 0, sizeof(v));
	v.data = data;
	v.len = len;
	m = avmime_view(&v);
	avmime_pack(m, b);
	if ((u = avmime_unpack((const unsigned char *)b->data, b->len, &used,
	    data, len)) == NULL || used != b->len || u->nparts != m->nparts ||
	    u->limit != m->limit || u->editable != m->editable)
		abort();
	for (i = 0; i < m->nparts; i++)
		if (u->part[i].body_end != m->part[i].body_end ||
		    u->part[i].hdr_start != m->part[i].hdr_start ||
		    strcmp(u->part[i].section, m->part[i].section) != 0 ||
		    strcmp(u->part[i].ctype, m->part[i].ctype) != 0 ||
		    (u->part[i].filename == NULL) !=
		    (m->part[i].filename == NULL))
			abort();
	avmime_free(u);
	buf_free(b);
	return (m);
}

/* fz_walk - list, decode, filter; fill the findings like a scan */

static void
fz_walk(const char *data, size_t len, struct findings *f)
{
	struct avfilt_info in;
	struct avmime	*m;
	struct buf	*d = buf_new(256), *reason = buf_new(64);
	size_t		 i;

	m = fz_list(data, len);
	avscan_reset(f);
	f->av_state = CHECK_DONE;
	f->av_nparts = (unsigned int)m->nparts;
	for (i = 0; i < m->nparts; i++) {
		buf_reset(d);
		buf_reset(reason);
		(void)avmime_decode(m, i, d);
		in.name = m->part[i].filename;
		in.type = m->part[i].ctype;
		in.real = m->part[i].ctype;	/* no libmagic here */
		in.size = d->len;
		if (avfilt_match(fz_opts, &in, reason)) {
			f->av_part[i] = AV_FILTERED;
			findings_add(&f->viruses, buf_str(reason),
			    m->part[i].section, AV_FILTERED);
		} else if (i % 3 == 0)
			f->av_part[i] = AV_INFECTED;
	}
	avscan_finish(f);
	avmime_free(m);
	buf_free(d);
	buf_free(reason);
}

/* fz_check_remove - remove keeps the bytes around the replaced parts */

static void
fz_check_remove(const char *data, size_t len, const struct findings *f)
{
	struct msg_view	 v;
	struct avmime	*m;
	struct buf	*out = buf_new(len + 256), *why = buf_new(64);
	size_t		 i, first = len, last = 0;
	int		 flagged = 0;

	memset(&v, 0, sizeof(v));
	v.data = data;
	v.len = len;
	if (av_remove_parts_opts(&v, fz_opts, f, out, why) == WN_OK) {
		m = avmime_view(&v);
		for (i = 0; i < m->nparts; i++) {
			if (f->av_part[i] == AV_NOT_SCANNED)
				continue;
			if (!flagged++)
				first = m->part[i].hdr_start;
			last = m->part[i].body_end;
		}
		if (!flagged && (out->len != len ||
		    memcmp(out->data, data, len) != 0))
			abort();
		if (flagged && (out->len < first + (len - last) ||
		    memcmp(out->data, data, first) != 0 ||
		    memcmp(out->data + out->len - (len - last), data + last,
		    len - last) != 0))
			abort();
		avmime_free(m);
	}
	buf_free(out);
	buf_free(why);
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* LLVMFuzzerTestOneInput - one input */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct findings	*f, *g;
	struct buf	*h = buf_new(256), *why = buf_new(64);
	size_t		 i;

	if (fz_opts == NULL)
		fz_init();
	if (len > 1024 * 1024)
		return (0);
	f = findings_new();
	fz_walk((const char *)data, len, f);
	fz_check_remove((const char *)data, len, f);
	/* What the scan found goes into X-Winnow-Virus: header-safe. */
	findings_render_viruses(f, h);
	for (i = 0; i < h->len; i++)
		if ((unsigned char)h->data[i] < 0x20 && h->data[i] != '\t')
			abort();

	avmime_free(avmime_unpack(data, len, &i, (const char *)data, len));
	g = findings_new();
	(void)avscan_unpack(data, len, g, why);
	avscan_finish(g);
	buf_reset(h);
	findings_render_viruses(g, h);
	findings_free(g);
	findings_free(f);
	buf_free(h);
	buf_free(why);
	return (0);
}
