/*
 * content.c - life cycle, the check entry points and learning
 *
 * The master builds one struct content_db (mapped model, word lists, rule
 * switches) in content_load() before forking; children inherit it.  A
 * reload builds a complete new content_db and only then swaps it in, so a
 * bad reload leaves the running one alone.  Children look for a newly
 * learned model file every model_check_interval and map it when the path
 * names a new file (learning renames a new file into place), so learning
 * takes effect without a reload and no child ever sees a half-written
 * model.
 *
 * Per message, content_parse() walks the message's index (mail/, built
 * once for all the checks; the view carries it) and extracts the text;
 * content_analyze() runs rules, formal detection and the classifier over
 * the same walk.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* lib */
#include "buf.h"
#include "conf.h"
#include "log.h"
#include "status.h"
#include "timeutil.h"
#include "xalloc.h"

/* policy */
#include "findings.h"

#include "content_private.h"

#define CONTENT_FORMAL_RULES	(1ULL << RULE_FORMAL_DSN | \
	1ULL << RULE_FORMAL_MDN | 1ULL << RULE_FORMAL_AUTO | \
	1ULL << RULE_FORMAL_NULL_SENDER | 1ULL << RULE_FORMAL_AUTOREPLY | \
	1ULL << RULE_FORMAL_VIRUS)

struct content_db {
	struct model	*model;		/* read-only mapping, or NULL */
	struct wordlist	*obscene;	/* or NULL */
	struct rules_conf rules;
};

struct content_learner {
	struct model	*m;
	char		*path;
	int		 lockfd;
	struct tok_list	 tl;
	struct learner_vec v;
	uint64_t	 nspam, nham;	/* this session */
};

static struct content_db *content_db;
static struct content_limits content_lim = { 20, 200, 8 * 1024 * 1024, 0,
    0 };
static uint64_t	 content_next_check;
static struct tok_list content_tl;
static struct learner_vec content_vec;

/* content_map_model - the learned model if there is one, else the
 * shipped one; NULL (classifier off) if neither maps */

static struct model *
content_map_model(void)
{
	struct model	*m;
	struct buf	*why = buf_new(128);

	if (content_conf.model != NULL && *content_conf.model != '\0' &&
	    access(content_conf.model, F_OK) == 0) {
		if ((m = model_map(content_conf.model, why)) != NULL)
			goto out;
		log_warn("content: %s; using the default model",
		    buf_str(why));
		buf_reset(why);
	}
	if (content_conf.default_model == NULL ||
	    *content_conf.default_model == '\0') {
		m = NULL;
		goto out;
	}
	/* Only the configured path: a daemon that found a model somewhere
	 * else (a source tree, the working directory) would classify with a
	 * model nobody chose. */
	if ((m = model_map(content_conf.default_model, why)) == NULL)
		log_error("content: %s; the classifier is off until a model "
		    "is learned (winnowctl learn) or [content] default_model "
		    "names one", buf_str(why));
out:
	buf_free(why);
	return (m);
}

/* content_load_words - the obscene word lists, as configured */

static struct wordlist *
content_load_words(const char *paths, int *err, struct buf *why)
{
	struct wordlist	*wl = NULL;
	char		**items = NULL;
	size_t		 n;

	*err = 0;
	n = conf_list_split(paths ? paths : "", &items);
	conf_list_free(items);
	if (n > 0 && (wl = wordlist_load(paths, why)) == NULL) {
		buf_puts(why, " ([content] obscene_words)");
		*err = 1;
	}
	return (wl);
}

/* content_db_free - release one content_db */

static void
content_db_free(struct content_db *db)
{
	if (db == NULL)
		return;
	model_free(db->model);
	wordlist_free(db->obscene);
	free(db);
}

/* content_load - build the shared data, then swap it in */

int
content_load(struct buf *why)
{
	struct content_db *db;
	int		 err;

	mime_init();
	html_init();
	db = xcalloc(1, sizeof(*db));
	if (rules_configure(&db->rules, content_conf.rules_off,
	    content_conf.rule_weights, why) < 0) {
		content_db_free(db);
		return (WN_PERM);
	}
	db->obscene = content_load_words(content_conf.obscene_words, &err,
	    why);
	if (err) {
		content_db_free(db);
		return (WN_PERM);
	}
	db->model = content_map_model();
	content_lim.max_depth = content_conf.max_depth;
	content_lim.max_parts = content_conf.max_parts;
	content_lim.max_decoded = content_conf.max_decoded_size;
	content_lim.office_off = !content_conf.office_text;
	/* the one set of MIME limits: the message index is built with them */
	mail_limits.max_parts = content_conf.max_parts;
	mail_limits.max_depth = content_conf.max_depth;
	content_db_free(content_db);
	content_db = db;
	content_next_check = time_now_ms() + content_conf.model_check_ms;
	return (WN_OK);
}

/* content_load_model - map one given model file */

int
content_load_model(const char *path, struct buf *why)
{
	struct model	*m;

	if (content_db == NULL)
		log_panic("content_load_model: content_load() was not called");
	if ((m = model_map(path, why)) == NULL)
		return (WN_PERM);
	model_free(content_db->model);
	content_db->model = m;
	return (WN_OK);
}

/* content_child_init - per-child state after fork */

void
content_child_init(void)
{
	tok_reset(&content_tl);
	content_next_check = time_now_ms() + content_conf.model_check_ms;
}

/* content_unload - release everything */

void
content_unload(void)
{
	content_db_free(content_db);
	content_db = NULL;
	tok_free(&content_tl);
	learner_vec_free(&content_vec);
}

/* content_refresh - map a newly learned model file when there is one */

static void
content_refresh(void)
{
	struct model	*m;
	struct buf	*why;
	uint64_t	 now;

	if (content_db == NULL || content_conf.model_check_ms == 0 ||
	    content_conf.model == NULL || *content_conf.model == '\0')
		return;
	now = time_now_ms();
	if (now < content_next_check)
		return;
	content_next_check = now + content_conf.model_check_ms;
	if (content_db->model != NULL && strcmp(content_db->model->path,
	    content_conf.model) == 0 &&
	    !model_changed(content_db->model, content_conf.model))
		return;
	if (access(content_conf.model, F_OK) != 0)
		return;
	why = buf_new(128);
	if ((m = model_map(content_conf.model, why)) == NULL)
		log_warn("content: %s; keeping the current model",
		    buf_str(why));
	else {
		log_info("content: mapped the newly learned model %s",
		    content_conf.model);
		model_free(content_db->model);
		content_db->model = m;
	}
	buf_free(why);
}

/* content_parse - the text extraction from the message's index */

struct content_msg *
content_parse(const struct msg_view *view)
{
	struct content_limits lim = content_lim;
	struct content_msg *cm;

	lim.deadline_ms = view->deadline_ms;
	cm = view->mail != NULL ? mime_parse_mail(view->mail, &lim) :
	    mime_parse(view->data, view->len, &lim);
	return (cm);
}

/* content_text - the decoded text for msg_view.text */

const char *
content_text(const struct content_msg *cm, size_t *len_r)
{
	*len_r = cm->text->len;
	return (cm->text->data);
}

/* content_msg_free - free a parsed message */

void
content_msg_free(struct content_msg *cm)
{
	mime_free(cm);
}

/* content_score - the classifier's margin for a parsed message */

static int
content_score(struct content_msg *cm, double *margin)
{
	if (content_db == NULL || content_db->model == NULL)
		return (-1);
	tok_reset(&content_tl);
	tok_message(cm, &content_tl);
	learner_vec(content_db->model, &content_tl, &content_vec);
	*margin = learner_margin(content_db->model, &content_vec);
	return (0);
}

/* content_findings - copy fired rules into findings per the switches */

static void
content_findings(struct content_msg *cm, struct findings *f)
{
	const struct rules_conf *rc = &content_db->rules;
	int	 i;

	for (i = 0; i < RULE_COUNT; i++) {
		if ((cm->rules & (1ULL << i)) == 0 || !rc->on[i])
			continue;
		if (i == RULE_EASTERN &&
		    content_conf.eastern != CONTENT_EASTERN_SUSPICIOUS)
			continue;
		findings_add(&f->rules, rules_table[i].name, cm->detail[i],
		    rc->weight[i]);
		f->rules_score += rc->weight[i];
		if (i == RULE_GTUBE)
			f->gtube = 1;
		else if (i == RULE_OBSCENE)
			f->obscene = 1;
		else if ((1ULL << i) & CONTENT_FORMAL_RULES)
			f->formal = 1;
	}
	f->eastern = cm->eastern;
	f->eastern_langs = cm->eastern ? cm->eastern_langs : 0;
}

/* content_analyze - rules, formal detection and the classifier */

int
content_analyze(struct content_msg *cm, const struct msg_view *view,
    struct findings *f, struct buf *why)
{
	double	 margin;

	(void)why;
	if (!content_conf.enable) {
		f->content_state = CHECK_NOT_RUN;
		return (WN_OK);
	}
	if (content_db == NULL)
		log_panic("content_analyze: content_load() was not called");
	content_refresh();
	rules_run(cm, view, content_db->obscene);
	(void)formal_detect(cm, view);
	content_findings(cm, f);
	f->spam_score = content_score(cm, &margin) == 0 ?
	    learner_spam_prob(margin) : -1.0;
	f->content_state = cm->limits & CM_LIMIT_TIME ? CHECK_TIMEOUT :
	    cm->limits ? CHECK_LIMIT : CHECK_DONE;
	if (cm->limits & CM_LIMIT_TIME)
		log_info("%s: content: the message's deadline passed, the rest "
		    "of the message was not analysed",
		    view->queue_id ? view->queue_id : "-");
	else if (cm->limits)
		log_info("%s: content: %s reached, the rest of the message "
		    "was not analysed (raise [content] %s to see more)",
		    view->queue_id ? view->queue_id : "-",
		    cm->detail[RULE_MIME_LIMIT], cm->detail[RULE_MIME_LIMIT]);
	return (WN_OK);
}

/* content_check - parse, analyse and free in one call */

int
content_check(const struct msg_view *view, struct findings *f,
    struct buf *why)
{
	struct content_msg *cm;
	int		 rc;

	cm = content_parse(view);
	rc = content_analyze(cm, view, f, why);
	content_msg_free(cm);
	return (rc);
}

/* content_view_init - a view of a message read from a file */

void
content_view_init(struct msg_view *v, const char *data, size_t len)
{
	static const char *const none[] = { NULL };

	memset(v, 0, sizeof(*v));
	v->queue_id = "-";
	v->rcpts = none;
	v->data = data;
	v->len = len;
	v->header_len = mailhdr_len(data, len);
}

/* content_contrib_cmp - larger weights first */

static int
content_contrib_cmp(const void *a, const void *b)
{
	double	 x = ((const struct content_contrib *)a)->weight;
	double	 y = ((const struct content_contrib *)b)->weight;

	return (x < y ? 1 : x > y ? -1 : 0);
}

/* content_explain - the features that weighed most, each way */

double
content_explain(const struct content_msg *cm, struct content_contrib *spam,
    size_t *nspam, struct content_contrib *ham, size_t *nham)
{
	struct tok_list	 tl;
	struct learner_vec v;
	struct content_contrib *all;
	const struct model *m;
	double		 x, margin;
	size_t		 i, ns = 0, nh = 0;

	if (content_db == NULL || (m = content_db->model) == NULL) {
		*nspam = *nham = 0;
		return (0.0);
	}
	tok_init(&tl, 1);
	memset(&v, 0, sizeof(v));
	tok_message(cm, &tl);
	learner_vec(m, &tl, &v);
	margin = learner_margin(m, &v);
	x = learner_xval(v.n);
	all = xcalloc(v.n + 1, sizeof(*all));
	for (i = 0; i < v.n; i++) {
		(void)snprintf(all[i].name, sizeof(all[i].name), "%s",
		    tl.namebuf->data + tl.noff[v.src[i]]);
		all[i].weight = m->w[v.idx[i]] * x;
	}
	qsort(all, v.n, sizeof(*all), content_contrib_cmp);
	for (i = 0; i < v.n && ns < *nspam && all[i].weight > 0; i++)
		spam[ns++] = all[i];
	for (i = v.n; i > 0 && nh < *nham && all[i - 1].weight < 0; i--)
		ham[nh++] = all[i - 1];
	*nspam = ns;
	*nham = nh;
	free(all);
	learner_vec_free(&v);
	tok_free(&tl);
	return (margin);
}

/* content_model_info - what the loaded model is */

void
content_model_info(struct content_model_info *info)
{
	const struct model *m;

	memset(info, 0, sizeof(*info));
	if (content_db == NULL || (m = content_db->model) == NULL)
		return;
	info->path = m->path;
	info->bits = m->bits;
	info->nspam = m->hdr->nspam;
	info->nham = m->hdr->nham;
	info->mtime = m->hdr->mtime;
}

/* content_model_path - where learning writes */

const char *
content_model_path(void)
{
	return (content_conf.model);
}

/* content_default_model_path - the shipped model, NULL if none is set */

const char *
content_default_model_path(void)
{
	if (content_conf.default_model == NULL ||
	    content_conf.default_model[0] == '\0')
		return (NULL);
	return (content_conf.default_model);
}

/* content_learner_open - lock, then load the model to learn into */

struct content_learner *
content_learner_open(const char *path, const char *base, unsigned int bits,
    struct buf *why)
{
	struct content_learner *l;
	char		*lock;
	size_t		 n;

	mime_init();
	html_init();
	l = xcalloc(1, sizeof(*l));
	l->path = xstrdup(path);
	n = strlen(path) + 8;
	lock = xmalloc(n);
	(void)snprintf(lock, n, "%s.lock", path);
	if ((l->lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0 ||
	    flock(l->lockfd, LOCK_EX) < 0) {
		buf_printf(why, "%s: %s", lock, strerror(errno));
		free(lock);
		if (l->lockfd >= 0)
			(void)close(l->lockfd);
		free(l->path);
		free(l);
		return (NULL);
	}
	free(lock);
	if (access(path, F_OK) == 0)
		l->m = model_load(path, why);
	else if (base != NULL && access(base, F_OK) == 0)
		l->m = model_load(base, why);
	else
		l->m = model_new(bits ? bits : MODEL_BITS_DEFAULT);
	if (l->m == NULL) {
		content_learner_close(l);
		return (NULL);
	}
	tok_init(&l->tl, 0);
	return (l);
}

/* content_learner_reset - start again from base or an empty model */

int
content_learner_reset(struct content_learner *l, const char *base,
    unsigned int bits, struct buf *why)
{
	struct model	*m;

	if (base != NULL && access(base, F_OK) == 0)
		m = model_load(base, why);
	else
		m = model_new(bits ? bits : MODEL_BITS_DEFAULT);
	if (m == NULL)
		return (WN_PERM);
	model_free(l->m);
	l->m = m;
	return (WN_OK);
}

/* content_learner_prepare - parse and featurise a raw message */

static void
content_learner_prepare(struct content_learner *l, const char *data,
    size_t len)
{
	struct content_msg *cm;

	cm = mime_parse(data, len, &content_lim);
	rules_run(cm, NULL, content_db ? content_db->obscene : NULL);
	(void)formal_detect(cm, NULL);
	tok_reset(&l->tl);
	tok_message(cm, &l->tl);
	learner_vec(l->m, &l->tl, &l->v);
	mime_free(cm);
}

/* content_learner_learn - learn one message */

int
content_learner_learn(struct content_learner *l, const char *data,
    size_t len, int spam)
{
	int	 steps;

	content_learner_prepare(l, data, len);
	steps = learner_update(l->m, &l->v, spam);
	if (spam) {
		l->m->hdr->nspam++;
		l->nspam++;
	} else {
		l->m->hdr->nham++;
		l->nham++;
	}
	return (steps > 0);
}

/* content_learner_learn_again - a later pass over a message already
 * counted: the same steps, the counts left alone */

int
content_learner_learn_again(struct content_learner *l, const char *data,
    size_t len, int spam)
{
	content_learner_prepare(l, data, len);
	return (learner_update(l->m, &l->v, spam) > 0);
}

/* content_learner_margin - score a message with the learner's model */

double
content_learner_margin(struct content_learner *l, const char *data,
    size_t len)
{
	content_learner_prepare(l, data, len);
	return (learner_margin(l->m, &l->v));
}

/* content_learner_commit - write the model atomically */

int
content_learner_commit(struct content_learner *l, struct buf *why)
{
	l->m->hdr->mtime = (int64_t)time(NULL);
	return (model_save(l->m, l->path, why));
}

/* content_learner_counts - messages learned */

void
content_learner_counts(const struct content_learner *l, uint64_t *nspam,
    uint64_t *nham)
{
	*nspam = l->m ? l->m->hdr->nspam : 0;
	*nham = l->m ? l->m->hdr->nham : 0;
}

/* content_learner_bytes - the learner's model as file bytes */

void
content_learner_bytes(const struct content_learner *l, const void **data_r,
    size_t *len_r)
{
	*data_r = l->m->hdr;
	*len_r = l->m->size;
}

/* content_model_install - put another model's bytes in place of path */

int
content_model_install(const char *path, const void *data, size_t len,
    struct buf *why)
{
	struct model	*m;
	char		*lock;
	size_t		 n;
	int		 fd, rc;

	if ((m = model_from_bytes(data, len, path, why)) == NULL)
		return (WN_PERM);
	n = strlen(path) + 8;
	lock = xmalloc(n);
	(void)snprintf(lock, n, "%s.lock", path);
	/* A lock file root's winnowctl made is read-only to winnowd; flock
	 * needs no write access. */
	if ((fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0 &&
	    errno == EACCES)
		fd = open(lock, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		buf_printf(why, "%s: %s", lock, strerror(errno));
		if (fd >= 0)
			(void)close(fd);
		free(lock);
		model_free(m);
		return (WN_TEMP);
	}
	free(lock);
	rc = model_save(m, path, why);
	(void)close(fd);
	model_free(m);
	return (rc);
}

/* content_learner_close - release the learner and its lock */

void
content_learner_close(struct content_learner *l)
{
	if (l == NULL)
		return;
	model_free(l->m);
	tok_free(&l->tl);
	learner_vec_free(&l->v);
	if (l->lockfd >= 0)
		(void)close(l->lockfd);
	free(l->path);
	free(l);
}
