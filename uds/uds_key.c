/*
 * uds_key.c - the UDS key file: the site's hashing key, a client's secret
 *
 *	# winnow UDS keys (mode 0600, readable by root only)
 *	hash_key = 64 hex digits	the site's hashing key: the same on
 *					every winnowd, winnowctl and reporter
 *					that uses one UDS store
 *	client = mx1			this host's name at winnow-udsd and
 *	secret = 64 hex digits		its secret (winnow-udsd's clients
 *					file has the same line), for writes
 *
 * hash_key is required; client and secret go together or not at all (a
 * host without them can only ask).  `winnowctl uds keygen` writes such a
 * file.  Every problem is reported as FILE:LINE, and a file that anyone
 * but its owner may read is refused: the secret signs writes, and the
 * hashing key is what keeps digests from telling what a text said.
 *
 * SPDX-License-Identifier: MIT
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* external */
#include <sodium.h>

/* lib */
#include "buf.h"
#include "status.h"

/* uds */
#include "uds.h"
#include "uds_private.h"

#define KEY_FILE_MAX	4096

/* The key of every site without a key file: "winnow public UDS key",
 * hashed.  It is public, so digests made with it hide nothing from
 * anyone who has the text. */
static const char key_default_seed[] = "winnow public UDS key 1";

/* uds_key_default - the public hashing key */

void
uds_key_default(struct uds_keyfile *k)
{
	memset(k, 0, sizeof(*k));
	(void)crypto_generichash(k->hash_key, sizeof(k->hash_key),
	    (const unsigned char *)key_default_seed,
	    sizeof(key_default_seed) - 1, NULL, 0);
}

/* uds_key_hex - 64 hex digits into 32 bytes */

int
uds_key_hex(const char *s, size_t n, uint8_t *out)
{
	size_t	 got;

	if (n != UDS_KEY_LEN * 2)
		return (-1);
	if (sodium_hex2bin(out, UDS_KEY_LEN, s, n, NULL, &got, NULL) != 0 ||
	    got != UDS_KEY_LEN)
		return (-1);
	return (0);
}

/* key_trim - a range without blanks at either end */

static void
key_trim(const char **p, const char **e)
{
	while (*p < *e && (**p == ' ' || **p == '\t' || **p == '\r'))
		(*p)++;
	while (*e > *p && ((*e)[-1] == ' ' || (*e)[-1] == '\t' ||
	    (*e)[-1] == '\r'))
		(*e)--;
}

/* key_line - one "name = value" line */

static int
key_line(const char *name, size_t nl, const char *val, size_t vl,
    struct uds_keyfile *k, int *have, struct buf *why)
{
	size_t	 i;

	if (nl == 8 && strncmp(name, "hash_key", 8) == 0) {
		if (uds_key_hex(val, vl, k->hash_key) < 0) {
			buf_printf(why, "%s", "hash_key must be 64 hex digits");
			return (-1);
		}
		*have |= 1;
	} else if (nl == 6 && strncmp(name, "secret", 6) == 0) {
		if (uds_key_hex(val, vl, k->secret) < 0) {
			buf_printf(why, "%s", "secret must be 64 hex digits");
			return (-1);
		}
		*have |= 2;
	} else if (nl == 6 && strncmp(name, "client", 6) == 0) {
		for (i = 0; i < vl; i++)
			if (!((val[i] >= 'a' && val[i] <= 'z') ||
			    (val[i] >= 'A' && val[i] <= 'Z') ||
			    (val[i] >= '0' && val[i] <= '9') || val[i] == '.' ||
			    val[i] == '_' || val[i] == '-'))
				break;
		if (vl == 0 || vl > UDS_WIRE_NAME_MAX || i < vl) {
			buf_printf(why, "client must be 1..%d letters, digits, "
			    "'.', '_' or '-'", UDS_WIRE_NAME_MAX);
			return (-1);
		}
		memcpy(k->client, val, vl);
		k->client[vl] = '\0';
		*have |= 4;
	} else {
		buf_printf(why, "unknown key \"%.*s\" (hash_key, client, "
		    "secret)", (int)(nl > 40 ? 40 : nl), name);
		return (-1);
	}
	return (0);
}

/* uds_key_parse - a key file's text */

int
uds_key_parse(const char *text, size_t len, const char *path,
    struct uds_keyfile *k, struct buf *why)
{
	const char	*p = text, *end = text + len, *eol, *eq, *np, *ne,
			*vp, *ve;
	struct buf	*lwhy = buf_new(64);
	int		 line = 0, have = 0;

	memset(k, 0, sizeof(*k));
	for (; p < end; p = eol + 1) {
		line++;
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		np = p;
		ne = eol;
		key_trim(&np, &ne);
		if (np == ne || *np == '#' || *np == ';')
			continue;
		if ((eq = memchr(np, '=', (size_t)(ne - np))) == NULL) {
			buf_printf(why, "%s:%d: not \"name = value\"", path,
			    line);
			goto bad;
		}
		vp = eq + 1;
		ve = ne;
		ne = eq;
		key_trim(&np, &ne);
		key_trim(&vp, &ve);
		buf_reset(lwhy);
		if (key_line(np, (size_t)(ne - np), vp, (size_t)(ve - vp), k,
		    &have, lwhy) < 0) {
			buf_printf(why, "%s:%d: %s", path, line,
			    buf_str(lwhy));
			goto bad;
		}
	}
	if (!(have & 1)) {
		buf_printf(why, "%s: no hash_key", path);
		goto bad;
	}
	if ((have & 6) != 0 && (have & 6) != 6) {
		buf_printf(why, "%s: client and secret go together", path);
		goto bad;
	}
	k->have_client = (have & 6) == 6;
	buf_free(lwhy);
	return (WN_OK);
bad:
	buf_free(lwhy);
	sodium_memzero(k, sizeof(*k));
	return (WN_PERM);
}

/* uds_key_read - read and parse a key file, refusing one others can read */

int
uds_key_read(const char *path, struct uds_keyfile *k, struct buf *why)
{
	char		 text[KEY_FILE_MAX];
	struct stat	 sb;
	ssize_t		 n;
	int		 fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		buf_printf(why, "%s: %s", path, strerror(errno));
		return (errno == ENOENT || errno == EACCES ? WN_PERM : WN_TEMP);
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		buf_printf(why, "%s: not a regular file", path);
		(void)close(fd);
		return (WN_PERM);
	}
	if (sb.st_mode & (S_IRWXG | S_IRWXO)) {
		buf_printf(why, "%s: mode %03o lets others read the keys "
		    "(chmod 600 it)", path, (unsigned int)sb.st_mode & 0777);
		(void)close(fd);
		return (WN_PERM);
	}
	n = read(fd, text, sizeof(text));
	(void)close(fd);
	if (n < 0) {
		buf_printf(why, "%s: %s", path, strerror(errno));
		return (WN_TEMP);
	}
	if ((size_t)n == sizeof(text)) {
		buf_printf(why, "%s: longer than %d bytes", path,
		    KEY_FILE_MAX - 1);
		return (WN_PERM);
	}
	rc = uds_key_parse(text, (size_t)n, path, k, why);
	sodium_memzero(text, sizeof(text));
	return (rc);
}

/* uds_hash_key_read - only the hashing key of a key file */

int
uds_hash_key_read(const char *path, uint8_t *key, struct buf *why)
{
	struct uds_keyfile k;
	int		 rc;

	if ((rc = uds_key_read(path, &k, why)) == WN_OK)
		memcpy(key, k.hash_key, UDS_KEY_LEN);
	sodium_memzero(&k, sizeof(k));
	return (rc);
}
