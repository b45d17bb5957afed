/*
 * uds_conf.c - [uds] and uds_load(): keys and servers, built in the master
 *
 * uds_load() builds a complete new struct uds_state - the key file read
 * (as root, before the children drop privileges), every site key derived,
 * every server resolved with its shared record - and only then replaces
 * the old one, so a reload with a bad key file or a server name that does
 * not resolve changes nothing.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

/* external */
#include <sodium.h>

/* lib */
#include "buf.h"
#include "conf.h"
#include "log.h"
#include "status.h"
#include "xalloc.h"

/* uds */
#include "uds.h"
#include "uds_private.h"
#include "uds_sig.h"

struct uds_conf	 uds_conf;
struct uds_state *uds_state;

static const struct conf_param uds_params[] = {
	{ "enable", CONF_BOOL, "no", &uds_conf.enable, 0, 0, NULL, NULL,
	    "ask the UDS servers whether a message is known spam (the "
	    "per-group switch is [group] uds)" },
	{ "servers", CONF_STR, "", &uds_conf.servers, 0, 0, NULL,
	    uds_srv_check, "winnow-udsd servers, HOST[:PORT] ... ([V6]:PORT; "
	    "port 7060 if none); the fastest that answers is asked" },
	{ "write_servers", CONF_STR, "", &uds_conf.write_servers, 0, 0, NULL,
	    uds_srv_check, "where winnowctl learn and winnowctl uds add "
	    "send signatures (empty: every server; name one server when they "
	    "share a Redis store)" },
	{ "timeout", CONF_TIME, "2s", &uds_conf.timeout_ms, 50, 60000, NULL,
	    NULL, "longest wait for an answer per message (the message's "
	    "deadline too); then uds=timeout and no points" },
	{ "server_timeout", CONF_TIME, "500ms", &uds_conf.server_timeout_ms,
	    10, 60000, NULL, NULL, "wait for one server before asking the "
	    "next (and leaving the first alone until reprobe)" },
	{ "reprobe", CONF_TIME, "30s", &uds_conf.reprobe_ms, 1000, 86400000,
	    NULL, NULL, "how long a server that timed out is left alone "
	    "before one child probes it again" },
	{ "key_file", CONF_STR, "", &uds_conf.key_file, 0, 0, NULL, NULL,
	    "hash_key (the site's, shared by every client of a store), "
	    "client and secret (for writes); winnowctl uds keygen makes one. "
	    "Empty: the public key, no writes" },
	{ "max_points", CONF_UINT, "60", &uds_conf.max_points, 0, 100, NULL,
	    NULL, "points of a certain match (a near one gets fewer); 50 "
	    "makes spam at the standard level" },
	{ NULL }
};

static const struct conf_section uds_section = {
	"uds", 0, uds_params, NULL, "the UDS fuzzy-signature service "
	    "(winnow-udsd)"
};

/* uds_conf_register - register [uds] */

void
uds_conf_register(void)
{
	conf_register(&uds_section);
}

/* uds_state_free - free a state; NULL is a no-op */

static void
uds_state_free(struct uds_state *st)
{
	if (st == NULL)
		return;
	if (st->writers != st->servers)
		uds_srv_free(st->writers);
	uds_srv_free(st->servers);
	if (st->sigkey != NULL)
		sodium_memzero(st->sigkey, sizeof(*st->sigkey));
	free(st->sigkey);
	sodium_memzero(&st->key, sizeof(st->key));
	free(st);
}

/* uds_load - build keys and servers from [uds], then swap them in */

int
uds_load(struct buf *why)
{
	struct uds_state *st;
	const struct uds_srvset *old = uds_state ? uds_state->servers : NULL;
	/* a program that did not register [uds] (a tool, a test) has none */
	const char	*kf = uds_conf.key_file ? uds_conf.key_file : "";
	const char	*srv = uds_conf.servers ? uds_conf.servers : "";
	const char	*wsrv = uds_conf.write_servers ?
			    uds_conf.write_servers : "";

	if (sodium_init() < 0) {
		buf_printf(why, "%s", "uds: libsodium does not initialise");
		return (WN_PERM);
	}
	uds_norm_init();
	if (uds_conf.enable && srv[0] == '\0') {
		buf_printf(why, "%s", "[uds] enable = yes needs servers");
		return (WN_PERM);
	}
	st = xcalloc(1, sizeof(*st));
	if (kf[0] != '\0') {
		if (uds_key_read(kf, &st->key, why) != WN_OK) {
			uds_state_free(st);
			return (WN_PERM);
		}
	} else
		uds_key_default(&st->key);
	st->sigkey = xmalloc(sizeof(*st->sigkey));
	uds_sigkey_derive(st->sigkey, st->key.hash_key);
	if ((st->servers = uds_srv_new(srv, old, why)) == NULL) {
		uds_state_free(st);
		return (WN_PERM);
	}
	if (wsrv[0] == '\0')
		st->writers = st->servers;
	else if ((st->writers = uds_srv_new(wsrv, NULL, why)) == NULL) {
		uds_state_free(st);
		return (WN_PERM);
	}
	uds_state_free(uds_state);
	uds_state = st;
	return (WN_OK);
}

/* uds_unload - release the state */

void
uds_unload(void)
{
	uds_state_free(uds_state);
	uds_state = NULL;
}

/* uds_child_init - a child's own sockets are made on first use */

void
uds_child_init(void)
{
	if (uds_state == NULL)
		return;
	uds_srv_close(uds_state->servers);
	if (uds_state->writers != uds_state->servers)
		uds_srv_close(uds_state->writers);
}

/* uds_enabled - whether the check runs */

int
uds_enabled(void)
{
	return (uds_conf.enable && uds_state != NULL &&
	    uds_state->servers->n > 0);
}

/* uds_max_points - [uds] max_points */

unsigned int
uds_max_points(void)
{
	return (uds_conf.max_points);
}

/* uds_can_write - servers and a client secret */

int
uds_can_write(struct buf *why)
{
	if (uds_state == NULL || uds_state->servers->n == 0)
		return (0);
	if (!uds_state->key.have_client) {
		buf_printf(why, "[uds] key_file (%s) has no client and secret",
		    uds_conf.key_file != NULL && uds_conf.key_file[0] != '\0' ?
		    uds_conf.key_file : "not set");
		return (0);
	}
	return (1);
}
