/*
 * fleet_quar.h - the fleet's quarantine index: what every node's
 * quarantine holds, as the fleet's Redis keeps it
 *
 *	winnow:fleet:quar:NODE	hash: field the entry's id, value what
 *				"winnowctl quarantine list" shows of it:
 *
 *	v1 time=S size=N releases=N from=TEXT to=TEXT status=TEXT
 *	subject=TEXT upstream=TEXT
 *
 * TEXT is percent-encoded: '%', space, control characters and DEL as %XX,
 * other bytes (UTF-8 in a Subject) as they are; to is the recipients with
 * ", " between, status each recipient's spam status, "/AV" when it has
 * one, with spaces between (as "list" prints them).  Unknown words are
 * ignored (a newer node's).  Only the node's fleet process writes its
 * hash (server/fleet_quar.c); anyone may read it, so everything read back
 * is checked here (fuzz/fuzz_fleet.c): a foreign or damaged value costs
 * that entry only.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_FLEET_QUAR_H
#define WINNOW_FLEET_QUAR_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct quar_info;

#define FLEET_QID_MAX		80	/* an id, with its NUL */
#define FLEET_QVALUE_MAX	16384	/* a value longer is damaged */

struct fleet_qent {
	char		 id[FLEET_QID_MAX];
	int64_t		 time;		/* received, Unix seconds */
	uint64_t	 size;
	unsigned int	 releases;
	char		*from;		/* "" for <> */
	char		*to;
	char		*status;
	char		*subject;
	char		*upstream;	/* "" if unknown */
};

/* The quarantine hash of a node. */
void		 fleet_key_quar(const char *node, char *, size_t);

/* An entry's summary from its info file (fleet_qent_free it). */
void		 fleet_qent_from_info(const struct quar_info *,
		    struct fleet_qent *);

/* An entry's value (not its id: that is the field). */
void		 fleet_qent_format(const struct fleet_qent *, struct buf *out);

/* Parse a field (the id, idlen bytes) and its value (len bytes) into e
 * (fresh; fleet_qent_free it either way); 0, or -1 with why. */
int		 fleet_qent_parse(const char *id, size_t idlen, const char *,
		    size_t len, struct fleet_qent *e, struct buf *why);

void		 fleet_qent_free(struct fleet_qent *);

#endif /* WINNOW_FLEET_QUAR_H */
