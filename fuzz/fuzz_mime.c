/*
 * fuzz_mime.c - the whole content path on one untrusted message
 *
 * The message index and content's walk of it (every part, attached and
 * encoded messages), charset conversion, HTML (libxml2), RTF and enriched
 * text extraction, the named rules, formal detection, the tokenizer and
 * the learner's scoring: all that a message from the network reaches
 * before the verdict.  Limits are
 * small so the fuzzer also walks the limit paths.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "findings.h"
#include "content_private.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct model *fuzz_model;
static struct wordlist *fuzz_words;
static struct tok_list fuzz_tl;
static struct learner_vec fuzz_vec;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct content_limits lim = { 8, 64, 256 * 1024, 0 };
	struct content_msg *cm;
	struct msg_view	 v;

	if (fuzz_model == NULL) {
		mime_init();
		html_init();
		fuzz_model = model_new(MODEL_BITS_MIN);
		fuzz_words = wordlist_from_text("fuck*\nshit\n"
		    "\xd0\xb1\xd0\xbb\xd1\x8f\xd0\xb4*\n");
		tok_init(&fuzz_tl, 1);
	}
	memset(&v, 0, sizeof(v));
	v.sender = size > 0 && data[0] == 'F' ? "" : NULL;
	cm = mime_parse((const char *)data, size, &lim);
	rules_run(cm, &v, fuzz_words);
	(void)formal_detect(cm, &v);
	tok_reset(&fuzz_tl);
	tok_message(cm, &fuzz_tl);
	learner_vec(fuzz_model, &fuzz_tl, &fuzz_vec);
	(void)learner_margin(fuzz_model, &fuzz_vec);
	if (!g_utf8_validate(cm->text->data, (gssize)cm->text->len, NULL) ||
	    memchr(cm->text->data, '\0', cm->text->len) != NULL)
		__builtin_trap();	/* the text must be clean UTF-8 */
	mime_free(cm);
	return (0);
}
