/*
 * uds_wire.c - pack and unpack UDS datagrams (the format is in uds_wire.h)
 *
 * Two tiny cursors do all the work: a writer that refuses to pass the end
 * of its UDS_WIRE_MAX buffer and a reader that refuses to read past the
 * datagram; either remembers that it failed, so the code reads as the
 * format does and checks once at the end.  Counts are checked against
 * their limits before anything is stored, and a datagram must be used up
 * exactly: trailing bytes are an error, not something to ignore.
 *
 * The MAC of a write is keyed BLAKE2b (libsodium's crypto_generichash)
 * with a 16-byte output over every byte in front of it, and compared in
 * constant time.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stddef.h>
#include <string.h>

/* external */
#include <sodium.h>

/* lib */
#include "buf.h"
#include "status.h"

/* uds */
#include "uds_wire.h"

struct wcur {
	uint8_t		*p;
	size_t		 len;
	int		 bad;
};

struct rcur {
	const uint8_t	*p;
	size_t		 len, off;
	int		 bad;
};

/* w_bytes, w_u8, w_u16, w_u32, w_u64 - append, bounded */

static void
w_bytes(struct wcur *w, const void *src, size_t n)
{
	if (w->bad || n > UDS_WIRE_MAX - w->len) {
		w->bad = 1;
		return;
	}
	memcpy(w->p + w->len, src, n);
	w->len += n;
}

static void
w_u8(struct wcur *w, unsigned int v)
{
	uint8_t	 b = (uint8_t)v;

	w_bytes(w, &b, 1);
}

static void
w_u16(struct wcur *w, unsigned int v)
{
	uint8_t	 b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	w_bytes(w, b, 2);
}

static void
w_u32(struct wcur *w, uint32_t v)
{
	uint8_t	 b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
		    (uint8_t)(v >> 8), (uint8_t)v };

	w_bytes(w, b, 4);
}

static void
w_u64(struct wcur *w, uint64_t v)
{
	w_u32(w, (uint32_t)(v >> 32));
	w_u32(w, (uint32_t)v);
}

/* r_bytes, r_u8, r_u16, r_u32, r_u64 - take from the datagram, bounded */

static const uint8_t *
r_bytes(struct rcur *r, size_t n)
{
	const uint8_t	*p;

	if (r->bad || n > r->len - r->off) {
		r->bad = 1;
		return (NULL);
	}
	p = r->p + r->off;
	r->off += n;
	return (p);
}

static unsigned int
r_u8(struct rcur *r)
{
	const uint8_t	*p = r_bytes(r, 1);

	return (p == NULL ? 0 : p[0]);
}

static unsigned int
r_u16(struct rcur *r)
{
	const uint8_t	*p = r_bytes(r, 2);

	return (p == NULL ? 0 : (unsigned int)p[0] << 8 | p[1]);
}

static uint32_t
r_u32(struct rcur *r)
{
	const uint8_t	*p = r_bytes(r, 4);

	if (p == NULL)
		return (0);
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

static uint64_t
r_u64(struct rcur *r)
{
	uint64_t	 hi = r_u32(r);

	return (hi << 32 | r_u32(r));
}

/* uds_wire_op_writes - whether an operation changes the store */

int
uds_wire_op_writes(unsigned int op)
{
	return (op == UDS_OP_ADD || op == UDS_OP_DELETE || op == UDS_OP_HAM);
}

/* uds_wire_name_ok - a client name: 1..32 of [A-Za-z0-9._-] */

static int
uds_wire_name_ok(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0 || n > UDS_WIRE_NAME_MAX)
		return (0);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '-'))
			return (0);
	}
	return (1);
}

/* uds_wire_header - the 8 bytes every packet starts with */

static void
uds_wire_header(struct wcur *w, unsigned int op, uint32_t id)
{
	w_bytes(w, "WU", 2);
	w_u8(w, UDS_WIRE_VERSION);
	w_u8(w, op);
	w_u32(w, id);
}

/* uds_wire_mac - the MAC of n bytes under key */

static void
uds_wire_mac(const uint8_t *p, size_t n, const uint8_t *key,
    uint8_t mac[UDS_MAC_LEN])
{
	(void)crypto_generichash(mac, UDS_MAC_LEN, p, n, key, UDS_KEY_LEN);
}

/* uds_wire_pack_req - a request as a datagram */

int
uds_wire_pack_req(const struct uds_req *q, const uint8_t *key, uint8_t *out,
    struct buf *why)
{
	struct wcur	 w = { out, 0, 0 };
	uint8_t		 mac[UDS_MAC_LEN];
	size_t		 i, j, nl;
	int		 writes = uds_wire_op_writes(q->op);

	if (q->op < UDS_OP_CHECK || q->op > UDS_OP_PING) {
		buf_printf(why, "unknown operation %u", q->op);
		return (-1);
	}
	if (q->nitems > UDS_WIRE_MAX_ITEMS) {
		buf_printf(why, "%u items (at most %d)", q->nitems,
		    UDS_WIRE_MAX_ITEMS);
		return (-1);
	}
	uds_wire_header(&w, q->op, q->id);
	if (writes) {
		w_u8(&w, q->flag);
		w_u16(&w, q->weight);
	}
	if (q->op == UDS_OP_CHECK || writes) {
		w_u8(&w, q->nitems);
		for (i = 0; i < q->nitems; i++) {
			const struct uds_item *it = &q->item[i];

			if (it->nshingles > UDS_SHINGLES) {
				buf_printf(why, "%u shingles", it->nshingles);
				return (-1);
			}
			w_u8(&w, it->kind);
			w_u8(&w, it->nshingles);
			w_bytes(&w, it->digest, UDS_DIGEST_LEN);
			for (j = 0; j < it->nshingles; j++)
				w_u64(&w, it->shingle[j]);
		}
	}
	if (writes) {
		nl = strnlen(q->client, sizeof(q->client));
		if (!uds_wire_name_ok(q->client, nl) || key == NULL) {
			buf_printf(why, "a write needs a client name of 1..%d "
			    "letters, digits, '.', '_', '-' and its key",
			    UDS_WIRE_NAME_MAX);
			return (-1);
		}
		w_u8(&w, nl);
		w_bytes(&w, q->client, nl);
		w_u32(&w, q->time);
		if (!w.bad) {
			uds_wire_mac(out, w.len, key, mac);
			w_bytes(&w, mac, sizeof(mac));
		}
	}
	if (w.bad) {
		buf_printf(why, "the request does not fit in %d bytes",
		    UDS_WIRE_MAX);
		return (-1);
	}
	return ((int)w.len);
}

/* uds_wire_peek - the header alone */

int
uds_wire_peek(const uint8_t *p, size_t len, unsigned int *op_r,
    uint32_t *id_r, unsigned int *version_r)
{
	struct rcur	 r = { p, len, 0, 0 };
	const uint8_t	*m = r_bytes(&r, 2);
	unsigned int	 v;

	*version_r = 0;
	if (m == NULL || m[0] != 'W' || m[1] != 'U')
		return (-1);
	v = r_u8(&r);
	*op_r = r_u8(&r);
	*id_r = r_u32(&r);
	if (r.bad)
		return (-1);
	*version_r = v;
	return (v == UDS_WIRE_VERSION ? 0 : -1);
}

/* uds_wire_items - nitems items from the datagram */

static int
uds_wire_items(struct rcur *r, struct uds_req *q, struct buf *why)
{
	const uint8_t	*d;
	size_t		 i, j;

	q->nitems = (uint8_t)r_u8(r);
	if (q->nitems > UDS_WIRE_MAX_ITEMS) {
		buf_printf(why, "%u items (at most %d)", q->nitems,
		    UDS_WIRE_MAX_ITEMS);
		return (WN_PERM);
	}
	for (i = 0; i < q->nitems && !r->bad; i++) {
		struct uds_item *it = &q->item[i];

		it->kind = (uint8_t)r_u8(r);
		it->nshingles = (uint8_t)r_u8(r);
		if (r->bad)
			break;
		if (it->kind < UDS_KIND_TEXT || it->kind > UDS_KIND_MAX) {
			buf_printf(why, "item %zu: unknown kind %u", i,
			    it->kind);
			return (WN_PERM);
		}
		if (it->nshingles != 0 && (it->nshingles != UDS_SHINGLES ||
		    it->kind != UDS_KIND_TEXT)) {
			buf_printf(why, "item %zu: %u shingles on a %s item",
			    i, it->nshingles, uds_wire_kind_name(it->kind));
			return (WN_PERM);
		}
		if ((d = r_bytes(r, UDS_DIGEST_LEN)) != NULL)
			memcpy(it->digest, d, UDS_DIGEST_LEN);
		for (j = 0; j < it->nshingles; j++)
			it->shingle[j] = r_u64(r);
	}
	return (WN_OK);
}

/* uds_wire_unpack_req - a datagram as a request */

int
uds_wire_unpack_req(const uint8_t *p, size_t len, struct uds_req *q,
    struct buf *why)
{
	struct rcur	 r = { p, len, 0, 0 };
	const uint8_t	*b;
	unsigned int	 op, version, nl;
	uint32_t	 id;

	/* every field but the item array, which is written as it is read
	 * (4 KiB not cleared per datagram) */
	memset(q, 0, offsetof(struct uds_req, item));
	memset(q->client, 0, sizeof(q->client));
	q->time = 0;
	q->mac_off = 0;
	memset(q->mac, 0, sizeof(q->mac));
	if (len > UDS_WIRE_MAX) {
		buf_printf(why, "%zu bytes (at most %d)", len, UDS_WIRE_MAX);
		return (WN_PERM);
	}
	if (uds_wire_peek(p, len, &op, &id, &version) < 0) {
		if (version != 0)
			buf_printf(why, "wire version %u (ours is %d)",
			    version, UDS_WIRE_VERSION);
		else
			buf_printf(why, "%s", "not a UDS packet");
		return (WN_PERM);
	}
	r.off = UDS_WIRE_HEADER;
	q->op = (uint8_t)op;
	q->id = id;
	if (op < UDS_OP_CHECK || op > UDS_OP_PING) {
		buf_printf(why, "unknown operation %u", op);
		return (WN_PERM);
	}
	if (uds_wire_op_writes(op)) {
		q->flag = (uint8_t)r_u8(&r);
		q->weight = (uint16_t)r_u16(&r);
		if (!r.bad && q->flag > UDS_FLAG_HAM) {
			buf_printf(why, "unknown flag %u", q->flag);
			return (WN_PERM);
		}
	}
	if ((op == UDS_OP_CHECK || uds_wire_op_writes(op)) &&
	    uds_wire_items(&r, q, why) != WN_OK)
		return (WN_PERM);
	if (uds_wire_op_writes(op) && !r.bad) {
		nl = r_u8(&r);
		b = r_bytes(&r, nl);
		if (b != NULL && !uds_wire_name_ok((const char *)b, nl)) {
			buf_printf(why, "%s", "bad client name");
			return (WN_PERM);
		}
		if (b != NULL)
			memcpy(q->client, b, nl);
		q->time = r_u32(&r);
		q->mac_off = r.off;
		if ((b = r_bytes(&r, UDS_MAC_LEN)) != NULL)
			memcpy(q->mac, b, UDS_MAC_LEN);
	}
	if (r.bad) {
		buf_printf(why, "truncated %s request (%zu bytes)",
		    uds_wire_op_name(op), len);
		return (WN_PERM);
	}
	if (r.off != len) {
		buf_printf(why, "%zu bytes after the %s request",
		    len - r.off, uds_wire_op_name(op));
		return (WN_PERM);
	}
	return (WN_OK);
}

/* uds_wire_verify - whether a write's MAC is right */

int
uds_wire_verify(const uint8_t *pkt, const struct uds_req *q,
    const uint8_t *key)
{
	uint8_t	 mac[UDS_MAC_LEN];

	if (!uds_wire_op_writes(q->op) || q->mac_off == 0)
		return (0);
	uds_wire_mac(pkt, q->mac_off, key, mac);
	return (sodium_memcmp(mac, q->mac, UDS_MAC_LEN) == 0);
}

/* uds_wire_pack_reply - a reply as a datagram */

int
uds_wire_pack_reply(const struct uds_reply *a, uint8_t *out)
{
	struct wcur	 w = { out, 0, 0 };
	size_t		 i, n;

	uds_wire_header(&w, a->op | UDS_OP_REPLY, a->id);
	w_u8(&w, a->status);
	if (a->status != UDS_ST_OK)
		return ((int)w.len);
	switch (a->op) {
	case UDS_OP_STATS:
		n = a->nstats > UDS_WIRE_MAX_STATS ? UDS_WIRE_MAX_STATS :
		    a->nstats;
		w_u8(&w, n);
		for (i = 0; i < n; i++) {
			w_u8(&w, a->stat[i].id);
			w_u64(&w, a->stat[i].value);
		}
		break;
	case UDS_OP_PING:
		w_u8(&w, a->store_up);
		break;
	default:
		n = a->nitems > UDS_WIRE_MAX_ITEMS ? UDS_WIRE_MAX_ITEMS :
		    a->nitems;
		w_u8(&w, n);
		for (i = 0; i < n; i++) {
			w_u8(&w, a->item[i].result);
			w_u8(&w, a->item[i].votes);
			w_u8(&w, a->item[i].flag);
			w_u8(&w, 0);
			w_u32(&w, a->item[i].count);
			w_u32(&w, a->item[i].hits);
		}
		break;
	}
	return ((int)w.len);	/* at most 8 + 2 + 16 * 12: always fits */
}

/* uds_wire_unpack_reply - a datagram as a reply */

int
uds_wire_unpack_reply(const uint8_t *p, size_t len, struct uds_reply *a,
    struct buf *why)
{
	struct rcur	 r = { p, len, 0, 0 };
	unsigned int	 op, version;
	size_t		 i;

	memset(a, 0, sizeof(*a));
	if (len > UDS_WIRE_MAX || uds_wire_peek(p, len, &op, &a->id,
	    &version) < 0 || !(op & UDS_OP_REPLY)) {
		buf_printf(why, "%s", "not a UDS reply of our version");
		return (WN_PERM);
	}
	r.off = UDS_WIRE_HEADER;
	a->op = (uint8_t)(op & ~UDS_OP_REPLY);
	a->status = (uint8_t)r_u8(&r);
	if (!r.bad && a->status > UDS_ST_MAX) {
		buf_printf(why, "unknown status %u", a->status);
		return (WN_PERM);
	}
	if (!r.bad && a->status == UDS_ST_OK) {
		switch (a->op) {
		case UDS_OP_STATS:
			a->nstats = (uint8_t)r_u8(&r);
			if (a->nstats > UDS_WIRE_MAX_STATS) {
				buf_printf(why, "%u counters", a->nstats);
				return (WN_PERM);
			}
			for (i = 0; i < a->nstats; i++) {
				a->stat[i].id = (uint8_t)r_u8(&r);
				a->stat[i].value = r_u64(&r);
			}
			break;
		case UDS_OP_PING:
			a->store_up = (uint8_t)r_u8(&r);
			break;
		case UDS_OP_CHECK:
		case UDS_OP_ADD:
		case UDS_OP_DELETE:
		case UDS_OP_HAM:
			a->nitems = (uint8_t)r_u8(&r);
			if (a->nitems > UDS_WIRE_MAX_ITEMS) {
				buf_printf(why, "%u items", a->nitems);
				return (WN_PERM);
			}
			for (i = 0; i < a->nitems && !r.bad; i++) {
				a->item[i].result = (uint8_t)r_u8(&r);
				a->item[i].votes = (uint8_t)r_u8(&r);
				a->item[i].flag = (uint8_t)r_u8(&r);
				if (r_u8(&r) != 0 && !r.bad) {
					buf_printf(why, "item %zu: reserved "
					    "byte not zero", i);
					return (WN_PERM);
				}
				a->item[i].count = r_u32(&r);
				a->item[i].hits = r_u32(&r);
				if (!r.bad && a->item[i].result > UDS_R_MAX) {
					buf_printf(why, "unknown result %u",
					    a->item[i].result);
					return (WN_PERM);
				}
			}
			break;
		default:
			buf_printf(why, "reply to unknown operation %u",
			    a->op);
			return (WN_PERM);
		}
	}
	if (r.bad || r.off != len) {
		buf_printf(why, "%s %s reply (%zu bytes)", r.bad ?
		    "truncated" : "overlong", uds_wire_op_name(a->op), len);
		return (WN_PERM);
	}
	return (WN_OK);
}

/* uds_wire_name - a name from a table, "?" when out of range */

static const char *
uds_wire_name(const char *const *names, size_t n, unsigned int i)
{
	return (i < n && names[i] != NULL ? names[i] : "?");
}

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* uds_wire_op_name - an operation's name */

const char *
uds_wire_op_name(unsigned int op)
{
	static const char *const n[] = { NULL, "check", "add", "delete",
	    "ham", "stats", "ping" };

	return (uds_wire_name(n, NELEM(n), op));
}

/* uds_wire_kind_name - an item kind's name */

const char *
uds_wire_kind_name(unsigned int kind)
{
	static const char *const n[] = { NULL, "text", "links", "attachment",
	    "image" };

	return (uds_wire_name(n, NELEM(n), kind));
}

/* uds_wire_status_name - a reply status's name */

const char *
uds_wire_status_name(unsigned int st)
{
	static const char *const n[] = { "ok", "denied", "rate-limited",
	    "bad request", "store unavailable", "other wire version" };

	return (uds_wire_name(n, NELEM(n), st));
}

/* uds_wire_result_name - an item result's name */

const char *
uds_wire_result_name(unsigned int res)
{
	static const char *const n[] = { "miss", "hit", "below-threshold",
	    "ham", "unknown" };

	return (uds_wire_name(n, NELEM(n), res));
}

/* uds_wire_stat_name - a STATS counter's name */

const char *
uds_wire_stat_name(unsigned int id)
{
	static const char *const n[] = { NULL, "uptime", "signatures",
	    "shingles", "checks", "hits", "writes", "denied", "rate_limited",
	    "bad_packets", "unavailable", "expired", "store_up" };

	return (uds_wire_name(n, NELEM(n), id));
}
