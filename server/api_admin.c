/*
 * api_admin.c - the control API's reload, configuration and list routes
 *
 *   POST /api/v1/reload          ask the master to reload (SIGHUP's
 *                                work); 202 at once, the new generation
 *                                and the result show in /api/v1/status
 *   GET  /api/v1/config          the settings that differ from the
 *                                defaults (winnowd -n) and the last
 *                                reload's result
 *   POST /api/v1/config/check    {"text": FILE}: winnowd -t on a proposed
 *                                file (or, without text, on the current
 *                                one): {"exit", "output"}; 422 if invalid
 *   GET  /api/v1/lists           every white and black list, group
 *                                recipients and senders, and the files
 *                                they name (file:PATH) with their text
 *   POST /api/v1/lists           {"path", "text"}: replace one of those
 *                                files - validated first (a bad item is
 *                                refused, 400, and the running
 *                                configuration keeps serving), then
 *                                written atomically, then a reload
 *
 * The control process runs as the children's user, so a list file it may
 * replace is one in a directory that user may write to (INSTALL says how
 * to allow it); otherwise the answer says so.  Nothing here writes
 * winnow.conf itself.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

/* lib */
#include "buf.h"
#include "conf.h"
#include "log.h"
#include "xalloc.h"

/* policy */
#include "mask.h"
#include "policy.h"

/* smtp */
#include "smtp_conf.h"

/* stats */
#include "live.h"
#include "sjson.h"
#include "sstatus.h"

/* server */
#include "api_private.h"
#include "control.h"
#include "server.h"

#define API_LIST_FILE_MAX	(4 * 1024 * 1024)

/* api_generation - the master's configuration generation and the last
 * reload's result into j */

static void
api_generation(json_t *j)
{
	struct sstatus_where w;
	struct sstatus	 s;

	api_where(&w);
	sstatus_gather(&s, server_live, &w);
	(void)json_object_set_new(j, "generation",
	    json_integer(s.info.generation));
	(void)json_object_set_new(j, "reload_ok",
	    json_boolean(s.info.reload_ok));
	(void)json_object_set_new(j, "reload_text",
	    sjson_str(s.info.reload_text));
}

/* api_reload - POST /api/v1/reload */

void
api_reload(struct control_req *r)
{
	json_t	*j = json_pack("{s:s}", "reload", "asked");

	api_generation(j);
	log_notice("control: reload asked by %s", r->peer);
	r->reload = 1;
	r->status = MHD_HTTP_ACCEPTED;
	api_json(r, j);
}

/* api_conf_text - winnowd -n of the configuration in force */

static char *
api_conf_text(void)
{
	char	*text = NULL;
	size_t	 len = 0;
	FILE	*fp = open_memstream(&text, &len);

	if (fp == NULL)
		return (xstrdup(""));
	conf_print(fp, 0);
	(void)fclose(fp);
	return (text);
}

/* api_config - GET /api/v1/config */

void
api_config(struct control_req *r)
{
	char	*text = api_conf_text();
	json_t	*j;

	j = json_pack("{s:o, s:o}", "file", control_config() ?
	    sjson_str(control_config()) : json_null(), "text", sjson_str(text));
	api_generation(j);
	free(text);
	api_json(r, j);
}

/* api_check_map - winnowd -t's exit status as HTTP */

static int
api_check_map(int ex)
{
	return (ex == EX_OK ? MHD_HTTP_OK : ex == EX_CONFIG ?
	    MHD_HTTP_UNPROCESSABLE_CONTENT : MHD_HTTP_INTERNAL_SERVER_ERROR);
}

/* api_config_check - POST /api/v1/config/check */

void
api_config_check(struct control_req *r)
{
	const char	*text;
	char		 path[4096], **argv;
	size_t		 len, off = 0;
	ssize_t		 n;
	json_t		*j;
	int		 fd;

	if ((j = api_body(r)) == NULL)
		return;
	text = json_string_value(json_object_get(j, "text"));
	if (text == NULL) {
		argv = control_config() != NULL ? api_argv(control_winnowd(),
		    "-t", "-c", control_config(), NULL) :
		    api_argv(control_winnowd(), "-t", NULL);
		ctljob_command(r, argv, NULL, 0, NULL, api_check_map);
		json_decref(j);
		return;
	}
	len = json_string_length(json_object_get(j, "text"));
	(void)snprintf(path, sizeof(path), "%s/control-check-XXXXXX",
	    smtp_conf.spool_dir);
	if ((fd = mkstemp(path)) < 0) {
		api_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, strerror(errno));
		json_decref(j);
		return;
	}
	while (off < len && (n = write(fd, text + off, len - off)) > 0)
		off += (size_t)n;
	(void)close(fd);
	argv = api_argv(control_winnowd(), "-t", "-c", path, NULL);
	ctljob_command(r, argv, NULL, 0, path, api_check_map);
	json_decref(j);
}

struct api_list_key {
	char		*section;
	char		*key;
	char		*value;
};

/* api_list_keys - every list key of the configuration in force (from
 * winnowd -n's text), into an array; returns the count */

static size_t
api_list_keys(struct api_list_key **keys_r)
{
	static const char *const keys[] = { "whitelist", "blacklist",
	    "recipients", "senders", NULL };
	struct api_list_key *k = NULL;
	char		*text = api_conf_text(), *line, *save, *eq, *sect = NULL;
	size_t		 n = 0, i, len;

	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		len = strlen(line);
		if (line[0] == '[' && line[len - 1] == ']') {
			free(sect);
			sect = xstrdup(line + 1);
			sect[len - 2] = '\0';
			continue;
		}
		if (sect == NULL || (eq = strstr(line, " = ")) == NULL)
			continue;
		*eq = '\0';
		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(line, keys[i]) == 0)
				break;
		if (keys[i] == NULL || (strcmp(sect, "policy") != 0 &&
		    strncmp(sect, "group ", 6) != 0))
			continue;
		k = xreallocarray(k, n + 1, sizeof(*k));
		k[n].section = xstrdup(sect);
		k[n].key = xstrdup(line);
		k[n].value = xstrdup(eq + 3);
		n++;
	}
	free(sect);
	free(text);
	*keys_r = k;
	return (n);
}

/* api_list_keys_free - free them */

static void
api_list_keys_free(struct api_list_key *k, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(k[i].section);
		free(k[i].key);
		free(k[i].value);
	}
	free(k);
}

/* api_list_files - the file: items of a value, as a JSON array */

static json_t *
api_list_files(const char *value)
{
	json_t	*a = json_array();
	char	**items;
	size_t	 n, i;

	n = conf_list_split(value, &items);
	for (i = 0; i < n; i++)
		if (strncasecmp(items[i], "file:", 5) == 0)
			(void)json_array_append_new(a, sjson_str(items[i] + 5));
	conf_list_free(items);
	return (a);
}

/* api_file_json - a list file's text and whether we may replace it */

static json_t *
api_file_json(const char *path, const char *key)
{
	struct stat	 st;
	json_t		*j;
	char		*text = NULL, *dir;
	FILE		*fp;
	size_t		 len;

	dir = xstrdup(path);
	/* Replaced by a rename in its directory: that is what must be
	 * writable, not the file. */
	j = json_pack("{s:o, s:s, s:b}", "path", sjson_str(path), "key", key,
	    "writable", access(dirname(dir), W_OK) == 0);
	free(dir);
	if (stat(path, &st) < 0 || st.st_size > API_LIST_FILE_MAX ||
	    (fp = fopen(path, "r")) == NULL) {
		(void)json_object_set_new(j, "error", sjson_str(strerror(
		    errno ? errno : EFBIG)));
		return (j);
	}
	text = xmalloc((size_t)st.st_size + 1);
	len = fread(text, 1, (size_t)st.st_size, fp);
	(void)fclose(fp);
	(void)json_object_set_new(j, "text", json_stringn_nocheck(text, len));
	free(text);
	return (j);
}

/* api_lists - GET /api/v1/lists */

void
api_lists(struct control_req *r)
{
	struct api_list_key *k;
	json_t		*lists = json_array(), *files = json_array(), *f, *p;
	size_t		 n = api_list_keys(&k), i, x;

	for (i = 0; i < n; i++) {
		f = api_list_files(k[i].value);
		(void)json_array_append_new(lists, json_pack("{s:s, s:s, s:o, "
		    "s:O}", "section", k[i].section, "key", k[i].key, "value",
		    sjson_str(k[i].value), "files", f));
		json_array_foreach(f, x, p)
			(void)json_array_append_new(files, api_file_json(
			    json_string_value(p), k[i].key));
	}
	api_list_keys_free(k, n);
	api_json(r, json_pack("{s:o, s:o}", "lists", lists, "files", files));
}

/* api_list_key_of - the key naming a file (NULL: none does) */

static const char *
api_list_key_of(const char *path, struct api_list_key *k, size_t n)
{
	json_t		*f, *p;
	size_t		 i, x;
	const char	*key = NULL;

	for (i = 0; i < n && key == NULL; i++) {
		f = api_list_files(k[i].value);
		json_array_foreach(f, x, p)
			if (strcmp(json_string_value(p), path) == 0)
				key = k[i].key;
		json_decref(f);
	}
	return (key);
}

/* api_list_write - the new text into a temporary file beside path;
 * its name, or NULL with why */

static char *
api_list_write(const char *path, const char *text, size_t len,
    struct buf *why)
{
	struct stat	 st;
	char		*tmp;
	size_t		 off = 0;
	ssize_t		 n;
	int		 fd;

	tmp = xmalloc(strlen(path) + 32);
	(void)sprintf(tmp, "%s.winnow-XXXXXX", path);
	if ((fd = mkstemp(tmp)) < 0) {
		buf_printf(why, "cannot write beside %s: %s (the control "
		    "process runs as the children's user: let it write to "
		    "that directory to edit lists here)", path,
		    strerror(errno));
		free(tmp);
		return (NULL);
	}
	if (stat(path, &st) == 0)
		(void)fchmod(fd, st.st_mode & 07777);
	else
		(void)fchmod(fd, 0644);
	while (off < len && (n = write(fd, text + off, len - off)) > 0)
		off += (size_t)n;
	if (off < len || fsync(fd) < 0) {
		buf_printf(why, "cannot write %s: %s", tmp, strerror(errno));
		(void)close(fd);
		(void)unlink(tmp);
		free(tmp);
		return (NULL);
	}
	(void)close(fd);
	return (tmp);
}

/* api_list_check - whether the file parses as the key's list; 0, or -1
 * with why naming path (not the temporary file) */

static int
api_list_check(const char *tmp, const char *path, const char *key,
    struct buf *why)
{
	struct mask_list *ml;
	struct buf	*b = buf_new(128), *item = buf_new(128);
	const char	*p, *at;
	int		 flags = MASK_ALLOW_FILE;

	if (strcmp(key, "recipients") != 0)
		flags |= MASK_ALLOW_IP;
	buf_printf(item, "file:%s", tmp);
	ml = mask_list_parse(buf_str(item), policy_conf.default_domain, flags,
	    policy_conf.max_file_size, b);
	mask_list_free(ml);
	if (ml == NULL) {
		/* "TMP:LINE: reason" reads "PATH:LINE: reason" */
		for (p = buf_str(b); (at = strstr(p, tmp)) != NULL;
		    p = at + strlen(tmp)) {
			buf_append(why, p, (size_t)(at - p));
			buf_puts(why, path);
		}
		buf_puts(why, p);
	}
	buf_free(b);
	buf_free(item);
	return (ml == NULL ? -1 : 0);
}

/* api_lists_save - POST /api/v1/lists {"path", "text"} */

void
api_lists_save(struct control_req *r)
{
	struct api_list_key *k;
	struct buf	*why = buf_new(128);
	const char	*path, *text, *key;
	char		*tmp = NULL, *dir;
	size_t		 n = 0;
	json_t		*j;
	int		 dfd;

	if ((j = api_body(r)) == NULL) {
		buf_free(why);
		return;
	}
	path = json_string_value(json_object_get(j, "path"));
	text = json_string_value(json_object_get(j, "text"));
	n = api_list_keys(&k);
	if (path == NULL || text == NULL) {
		api_error(r, MHD_HTTP_BAD_REQUEST, "send {\"path\": a list "
		    "file, \"text\": its new text}");
		goto out;
	}
	if ((key = api_list_key_of(path, k, n)) == NULL) {
		api_error(r, MHD_HTTP_FORBIDDEN, "that file is not a list "
		    "(file:) of the configuration in force");
		goto out;
	}
	if ((tmp = api_list_write(path, text, json_string_length(
	    json_object_get(j, "text")), why)) == NULL) {
		api_error(r, MHD_HTTP_FORBIDDEN, buf_str(why));
		goto out;
	}
	if (api_list_check(tmp, path, key, why) < 0) {
		(void)unlink(tmp);
		api_error(r, MHD_HTTP_BAD_REQUEST, buf_str(why));
		goto out;
	}
	if (rename(tmp, path) < 0) {
		buf_printf(why, "cannot replace %s: %s", path, strerror(errno));
		(void)unlink(tmp);
		api_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, buf_str(why));
		goto out;
	}
	dir = xstrdup(path);
	if ((dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY)) >= 0) {
		(void)fsync(dfd);
		(void)close(dfd);
	}
	free(dir);
	log_notice("control: %s replaced by %s (%s); reloading", path,
	    r->peer, key);
	r->reload = 1;
	api_json(r, json_pack("{s:o, s:s}", "saved", sjson_str(path), "reload",
	    "asked"));
out:
	free(tmp);
	api_list_keys_free(k, n);
	json_decref(j);
	buf_free(why);
}
