/*
 * content.h - the content classifier: MIME to text, rules, formal mail and
 * a learner over hashed features
 *
 * What it does with one message: every part of the message index (mail/,
 * built once per message for all the checks and carried in msg_view.mail)
 * is walked (attached messages too) within max_depth / max_parts /
 * max_decoded_size;
 * text parts, HTML (libxml2's HTML parser, visible text only), RTF and
 * enriched text become UTF-8; named rules look at headers and at the signs
 * the extraction found; formal mail (DSN, MDN, auto-replies, virus notices)
 * is recognised; an online logistic-regression model over hashed words,
 * word pairs, character 4-grams, header and URL features gives the spam
 * probability.  The model is one fixed-size file, mapped read-only and
 * shared by all children; learning writes a new file and renames it over
 * the old one, so a reader never sees a half-written model.
 *
 * Life cycle (findings.h):
 *	content_conf_register()		master, at start-up: [content]
 *	content_load(why)		master, after conf_load(), before fork:
 *					iconv/libxml2 init, maps the model,
 *					loads the word lists; on reload it
 *					builds anew and then swaps
 *	content_child_init()		each child after fork
 * Per message:
 *	cm = content_parse(view)	walk of the index, text extraction
 *	view->text = content_text(cm, &view->text_len)
 *	... other checks read view->text (URLs for SURBL) ...
 *	content_analyze(cm, view, findings, why)   rules, formal, classifier
 *	content_msg_free(cm)
 * or, in one call: content_check(view, findings, why).
 *
 * Errors: content_analyze/content_check return WN_OK, also when a limit was
 * hit (content_state is then CHECK_LIMIT and the rule MIME_LIMIT names the
 * parameter) or view->deadline_ms passed during the MIME walk
 * (CHECK_TIMEOUT, MIME_LIMIT "deadline"); what was extracted until then is
 * still analysed.  Nothing in a message makes them fail.  Allocation
 * failure is fatal.
 *
 * Memory: a content_msg owns its text; content_text() stays valid until
 * content_msg_free().  The model and word lists belong to the module.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_CONTENT_H
#define WINNOW_CONTENT_H

#include <stddef.h>
#include <stdint.h>

/* lib */
#include "buf.h"

/* policy */
#include "findings.h"

struct content_msg;
struct content_learner;

/* Register the [content] section (master, at start-up). */
void		 content_conf_register(void);

/* Build the shared read-only data from the loaded configuration: map the
 * model (model, else default_model, else the source tree's data/ for
 * development), load the word lists, apply the rule switches.  On a second
 * call (reload) the new data replaces the old only if all of it loaded.
 * WN_OK, or WN_PERM with why (bad rule name, unreadable word list). */
int		 content_load(struct buf *why);

/* Map a specific model file in place of the configured one (tools:
 * winnowctl classify -m, benchmarks); after content_load().  WN_OK, or
 * WN_PERM with why (missing, damaged or foreign file). */
int		 content_load_model(const char *path, struct buf *why);

/* Per-child set-up after fork (fresh scratch space, model re-checks). */
void		 content_child_init(void);

/* Release everything content_load() built (exit, tests). */
void		 content_unload(void);

/* Walk a message's index (view->mail; NULL: indexed here from view->data)
 * and extract its text.  Never fails: what is not a message is read as
 * plain text.  The index must outlive the result. */
struct content_msg *content_parse(const struct msg_view *);

/* The decoded text (UTF-8, LF line ends, link targets on lines of their
 * own after each HTML part) for msg_view.text. */
const char	*content_text(const struct content_msg *, size_t *len_r);

/* Run the rules, formal detection and the classifier on a parsed message
 * and fill the content part of findings. */
int		 content_analyze(struct content_msg *, const struct msg_view *,
		    struct findings *, struct buf *why);

/* Free a parsed message.  NULL is a no-op. */
void		 content_msg_free(struct content_msg *);

/* content_parse + content_analyze + content_msg_free, in one call. */
int		 content_check(const struct msg_view *, struct findings *,
		    struct buf *why);

/* Fill a view for a message read from a file (no envelope, no index: set
 * view->mail to share one): finds the header end.  data must outlive the
 * view. */
void		 content_view_init(struct msg_view *, const char *data,
		    size_t len);

/* One feature's part in the classifier's decision. */
struct content_contrib {
	char		 name[FINDINGS_NAME_MAX];	/* "word:free" */
	double		 weight;			/* log-odds added */
};

/* The n features that pushed hardest towards spam (weight > 0, largest
 * first) into spam[], and towards ham into ham[]; returns the margin, or 0
 * with *nspam = *nham = 0 when no model is loaded. */
double		 content_explain(const struct content_msg *,
		    struct content_contrib *spam, size_t *nspam,
		    struct content_contrib *ham, size_t *nham);

/* What the loaded model is. */
struct content_model_info {
	const char	*path;		/* NULL when no model is loaded */
	unsigned int	 bits;
	uint64_t	 nspam, nham;
	int64_t		 mtime;
};
void		 content_model_info(struct content_model_info *);

/* Open a model for learning: takes an exclusive lock beside path, then
 * starts from path if it exists, else from base (e.g. the shipped model,
 * NULL for none), else from an empty model of 2^bits weights (0: the
 * default size).  NULL with why on failure. */
struct content_learner *content_learner_open(const char *path,
		    const char *base, unsigned int bits, struct buf *why);

/* Passes over the messages when a model is built from many at once (the
 * shipped model, winnowctl learn --rebuild, bench/accuracy): three ranked
 * better than one in cross-validation (content/README.md); each pass
 * costs as much as the first. */
#define CONTENT_LEARN_PASSES	3

/* Learn one raw message (file bytes) as spam or ham.  Returns 1 if the
 * model changed, 0 if it already knew the message well enough. */
int		 content_learner_learn(struct content_learner *,
		    const char *data, size_t len, int spam);

/* The same for a later pass over a message this build already learned:
 * it is not counted again (the model's counts stay messages, not steps). */
int		 content_learner_learn_again(struct content_learner *,
		    const char *data, size_t len, int spam);

/* Margin of a raw message under the learner's current model. */
double		 content_learner_margin(struct content_learner *,
		    const char *data, size_t len);

/* Write the model atomically (temporary file, fsync, rename). */
int		 content_learner_commit(struct content_learner *,
		    struct buf *why);

/* Messages learned in this session and in the model's life. */
void		 content_learner_counts(const struct content_learner *,
		    uint64_t *nspam, uint64_t *nham);

/* The learner's model as the bytes of its file (valid until the next
 * learn or close; the checksum is that of the last commit). */
void		 content_learner_bytes(const struct content_learner *,
		    const void **data_r, size_t *len_r);

/* Replace the model file path with len bytes of another model (a fleet's
 * version), checked first, under the learners' lock, atomically: WN_OK,
 * WN_PERM with why (not a model of this version), WN_TEMP with why. */
int		 content_model_install(const char *path, const void *data,
		    size_t len, struct buf *why);

/* Drop the learner and its lock without saving.  NULL is a no-op. */
void		 content_learner_close(struct content_learner *);

/* Start a learner over from base (NULL: an empty model of 2^bits
 * weights), forgetting what it had: winnowctl learn --rebuild. */
int		 content_learner_reset(struct content_learner *,
		    const char *base, unsigned int bits, struct buf *why);

/* Keep a learned message in [content] samples_dir (spam/ or ham/, one
 * file per message named by a hash of it; the other class loses it):
 * WN_OK, also when samples are off, or WN_TEMP with why. */
int		 content_sample_keep(const char *data, size_t len, int spam,
		    struct buf *why);

/* Remove the oldest samples beyond samples_max in each class. */
int		 content_samples_prune(size_t *removed_r, struct buf *why);

/* Every kept sample, oldest first (fn returns non-zero to stop); *n_r
 * counts them.  WN_TEMP with why when some could not be read. */
typedef int	 content_sample_fn(const char *data, size_t len, int spam,
		    void *arg);
int		 content_samples_each(content_sample_fn *, void *arg,
		    size_t *n_r, struct buf *why);

/* The current model path from [content] (model parameter). */
const char	*content_model_path(void);

/* The shipped model path that a new learned model starts from. */
const char	*content_default_model_path(void);

#endif /* WINNOW_CONTENT_H */
