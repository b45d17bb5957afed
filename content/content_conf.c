/*
 * content_conf.c - the [content] section: name, type, default, bounds
 *
 * The model path is where learning writes and what the filter maps first;
 * when that file does not exist yet, the shipped model (default_model,
 * installed under DATADIR) is mapped instead, and `winnowctl learn` starts
 * its first local model from it.  Word lists default to the shipped ones.
 * Every file is used from the path configured here and nowhere else (no
 * source tree, no working directory): a build that is not installed names
 * data/ in its configuration, as the tests and benchmarks do.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stddef.h>

/* lib */
#include "buf.h"
#include "conf.h"

#include "content_private.h"

#ifndef DATADIR
#define DATADIR	"/usr/local/share/winnow"
#endif
#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR "/var/lib/winnow"
#endif

struct content_conf content_conf;

static const char *const content_eastern_names[] = {
	"allowed", "suspicious", NULL
};

/* content_conf_rules - check rules_off and rule_weights at load time */

static int
content_conf_rules_off(const char *value, struct buf *why)
{
	struct rules_conf rc;

	return (rules_configure(&rc, value, NULL, why));
}

/* content_conf_weights - check rule_weights */

static int
content_conf_weights(const char *value, struct buf *why)
{
	struct rules_conf rc;

	return (rules_configure(&rc, NULL, value, why));
}

static const struct conf_param content_params[] = {
	{ "enable", CONF_BOOL, "yes", &content_conf.enable, 0, 0, NULL, NULL,
	    "run MIME analysis, rules and the classifier" },
	{ "model", CONF_STR, LOCALSTATEDIR "/content.model",
	    &content_conf.model, 0, 0, NULL, NULL,
	    "learned model: mapped first, written by winnowctl learn" },
	{ "default_model", CONF_STR, DATADIR "/content.model",
	    &content_conf.default_model, 0, 0, NULL, NULL,
	    "shipped model used until a learned model exists (read from "
	    "this path only)" },
	{ "obscene_words", CONF_STR, DATADIR "/obscene-en.txt "
	    DATADIR "/obscene-ru.txt", &content_conf.obscene_words, 0, 0,
	    NULL, NULL, "obscene word list files (empty: rule off)" },
	{ "max_depth", CONF_UINT, "20", &content_conf.max_depth, 1, 100,
	    NULL, NULL, "MIME nesting levels indexed, for every check (the "
	    "limit of content and AV; [av] max_mime_depth is an old name)" },
	{ "max_parts", CONF_UINT, "200", &content_conf.max_parts, 1, 100000,
	    NULL, NULL, "MIME leaf parts indexed per message, for every check "
	    "(past it: rule MIME_LIMIT, AV error status; [av] max_mime_parts "
	    "is an old name)" },
	{ "max_decoded_size", CONF_SIZE, "8M", &content_conf.max_decoded_size,
	    1024, 1ULL << 30, NULL, NULL,
	    "decoded bytes examined per message" },
	{ "office_text", CONF_BOOL, "yes", &content_conf.office_text, 0, 0,
	    NULL, NULL, "read the text of Microsoft Word attachments (.doc: "
	    "Word 6 to 2003, .docx) within max_decoded_size, as the old "
	    "products' \"check MS Word files\"" },
	{ "eastern", CONF_ENUM, "allowed", &content_conf.eastern, 0, 0,
	    content_eastern_names, NULL,
	    "CJK/Thai text: allowed, or suspicious (rule EASTERN weighs in)" },
	{ "rules_off", CONF_STR, "", &content_conf.rules_off, 0, 0, NULL,
	    content_conf_rules_off, "rule names switched off" },
	{ "rule_weights", CONF_STR, "", &content_conf.rule_weights, 0, 0,
	    NULL, content_conf_weights,
	    "weight overrides, NAME:points, e.g. SUBJ_ID:0 HTML_ONLY:5" },
	{ "model_check_interval", CONF_TIME, "10s",
	    &content_conf.model_check_ms, 0, 3600000, NULL, NULL,
	    "how often children look for a newly learned model (0: never)" },
	{ "samples_dir", CONF_STR, LOCALSTATEDIR "/samples",
	    &content_conf.samples_dir, 0, 0, NULL, NULL,
	    "where every learned message is kept (spam/, ham/) so that "
	    "winnowctl learn --rebuild can make the model again; empty: none" },
	{ "samples_max", CONF_UINT, "10000", &content_conf.samples_max, 0,
	    10000000, NULL, NULL, "samples kept per class, the oldest "
	    "removed first (0: none)" },
	{ NULL, 0, NULL, NULL, 0, 0, NULL, NULL, NULL }
};

static const struct conf_section content_section = {
	"content", 0, content_params, NULL,
	"MIME to text, header rules, formal mail, the spam classifier"
};

/* content_conf_register - register [content]; declare the rule names
 * (so [group] rules_off and rule_weights can be checked) */

void
content_conf_register(void)
{
	static const char *names[RULE_COUNT];
	size_t		 i;

	for (i = 0; i < RULE_COUNT; i++)
		names[i] = rules_table[i].name;
	findings_rules_declare(names, RULE_COUNT);
	conf_register(&content_section);
}
