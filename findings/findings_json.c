/*
 * findings_json.c - what the checks found, as JSON
 *
 * The quarantine's info files, the history and the control API show the
 * findings of a message; they all use this one rendering.  Names and
 * details come from the message, so they are made valid UTF-8 first.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>

#include <jansson.h>

/* lib */
#include "buf.h"

/* findings */
#include "findings.h"

/* findings_jstr - a JSON string from untrusted text */

static json_t *
findings_jstr(const char *s)
{
	char	*u = str_utf8(s);
	json_t	*j = json_string(u);

	free(u);
	return (j);
}

/* findings_jlist - a findings list as a JSON array */

static json_t *
findings_jlist(const struct finding_list *l)
{
	json_t		*a = json_array(), *o;
	unsigned int	 i, n = l->count < FINDINGS_MAX_ITEMS ? l->count :
			    FINDINGS_MAX_ITEMS;

	for (i = 0; i < n; i++) {
		o = json_object();
		json_object_set_new(o, "name", findings_jstr(l->item[i].name));
		json_object_set_new(o, "detail", findings_jstr(l->item[i].detail));
		json_object_set_new(o, "weight",
		    json_integer(l->item[i].weight));
		json_array_append_new(a, o);
	}
	return (a);
}

/* findings_json - what the checks found, as a JSON object */

json_t *
findings_json(const struct findings *f)
{
	json_t	*o = json_object();

	json_object_set_new(o, "dns", json_string(findings_state_name(
	    f->dns_state)));
	json_object_set_new(o, "dnsbl_rating", json_integer(f->dnsbl_rating));
	json_object_set_new(o, "dnsbl", findings_jlist(&f->dnsbl));
	json_object_set_new(o, "rdns", json_integer(f->rdns));
	json_object_set_new(o, "spf", json_integer(f->spf));
	json_object_set_new(o, "surbl_rating", json_integer(f->surbl_rating));
	json_object_set_new(o, "surbl", findings_jlist(&f->surbl));
	json_object_set_new(o, "uds", json_string(findings_state_name(
	    f->uds_state)));
	json_object_set_new(o, "uds_score", json_integer(f->uds_score));
	if (f->uds.count > 0)
		json_object_set_new(o, "uds_matched",
		    findings_jlist(&f->uds));
	json_object_set_new(o, "content", json_string(findings_state_name(
	    f->content_state)));
	json_object_set_new(o, "gtube", json_boolean(f->gtube));
	json_object_set_new(o, "formal", json_boolean(f->formal));
	if (f->obscene)
		json_object_set_new(o, "obscene", json_true());
	if (f->eastern_langs != 0) {
		struct buf *l = buf_new(16);

		findings_render_langs(f->eastern_langs, l);
		json_object_set_new(o, "eastern", json_string(buf_str(l)));
		buf_free(l);
	}
	json_object_set_new(o, "spam_score", json_real(f->spam_score));
	json_object_set_new(o, "rules_score", json_integer(f->rules_score));
	json_object_set_new(o, "rules", findings_jlist(&f->rules));
	json_object_set_new(o, "av", json_string(findings_av_name(f->av)));
	json_object_set_new(o, "viruses", findings_jlist(&f->viruses));
	return (o);
}
