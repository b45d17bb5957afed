/*
 * milter_wire.h - the packets of the milter protocol (version 6)
 *
 * Sendmail's mail filter protocol, as Sendmail (INPUT_MAIL_FILTER) and
 * Postfix (smtpd_milters) speak it: every packet is a 4-byte big-endian
 * length, then that many bytes - a command byte and its data.  Strings in
 * the data end in NUL; numbers are 4-byte big-endian.  The MTA sends
 * SMFIC_* commands, the filter answers SMFIR_* replies.
 *
 * This module only frames and unframes: milter_wire_parse() takes one
 * packet off a buffer without trusting a single length (a length that is 0,
 * over the limit, or lies about what follows is an error with why), and the
 * pack functions append replies to a buffer.  What a packet means is the
 * session's business (milter.c).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WINNOW_MILTER_WIRE_H
#define WINNOW_MILTER_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"

#define MILTER_VERSION		6

/* Commands from the MTA. */
#define SMFIC_ABORT	'A'	/* forget the message */
#define SMFIC_BODY	'B'	/* a body chunk */
#define SMFIC_CONNECT	'C'	/* host\0 family port(2) addr\0 */
#define SMFIC_MACRO	'D'	/* stage name\0value\0... */
#define SMFIC_BODYEOB	'E'	/* end of message */
#define SMFIC_HELO	'H'	/* helo\0 */
#define SMFIC_QUIT_NC	'K'	/* quit, a new connection follows */
#define SMFIC_HEADER	'L'	/* name\0value\0 */
#define SMFIC_MAIL	'M'	/* <sender>\0 args\0... */
#define SMFIC_EOH	'N'	/* end of headers */
#define SMFIC_OPTNEG	'O'	/* version actions protocol */
#define SMFIC_QUIT	'Q'
#define SMFIC_RCPT	'R'	/* <rcpt>\0 args\0... */
#define SMFIC_DATA	'T'
#define SMFIC_UNKNOWN	'U'	/* an unknown SMTP command\0 */

/* Replies of the filter. */
#define SMFIR_ADDRCPT	'+'
#define SMFIR_DELRCPT	'-'
#define SMFIR_ACCEPT	'a'
#define SMFIR_REPLBODY	'b'
#define SMFIR_CONTINUE	'c'
#define SMFIR_DISCARD	'd'
#define SMFIR_ADDHEADER	'h'
#define SMFIR_INSHEADER	'i'
#define SMFIR_SETSYMLIST 'l'
#define SMFIR_CHGHEADER	'm'
#define SMFIR_PROGRESS	'p'
#define SMFIR_QUARANTINE 'q'
#define SMFIR_REJECT	'r'
#define SMFIR_TEMPFAIL	't'
#define SMFIR_REPLYCODE	'y'
#define SMFIR_OPTNEG	'O'

/* Actions a filter may take (SMFIF_*), offered by the MTA. */
#define SMFIF_ADDHDRS	0x0001
#define SMFIF_CHGBODY	0x0002
#define SMFIF_ADDRCPT	0x0004
#define SMFIF_DELRCPT	0x0008
#define SMFIF_CHGHDRS	0x0010
#define SMFIF_QUARANTINE 0x0020
#define SMFIF_CHGFROM	0x0040
#define SMFIF_ADDRCPT_PAR 0x0080
#define SMFIF_SETSYMLIST 0x0100

/* Protocol steps (SMFIP_*): what the MTA need not send, or need not wait
 * for a reply to. */
#define SMFIP_NOCONNECT	0x00000001
#define SMFIP_NOHELO	0x00000002
#define SMFIP_NOMAIL	0x00000004
#define SMFIP_NORCPT	0x00000008
#define SMFIP_NOBODY	0x00000010
#define SMFIP_NOHDRS	0x00000020
#define SMFIP_NOEOH	0x00000040
#define SMFIP_NR_HDR	0x00000080
#define SMFIP_NOUNKNOWN	0x00000100
#define SMFIP_NODATA	0x00000200
#define SMFIP_SKIP	0x00000400
#define SMFIP_RCPT_REJ	0x00000800
#define SMFIP_NR_CONN	0x00001000
#define SMFIP_NR_HELO	0x00002000
#define SMFIP_NR_MAIL	0x00004000
#define SMFIP_NR_RCPT	0x00008000
#define SMFIP_NR_DATA	0x00010000
#define SMFIP_NR_UNKN	0x00020000
#define SMFIP_NR_EOH	0x00040000
#define SMFIP_NR_BODY	0x00080000
#define SMFIP_HDR_LEADSPC 0x00100000

/* Macro stages of SMFIR_SETSYMLIST. */
#define SMFIM_CONNECT	0
#define SMFIM_HELO	1
#define SMFIM_ENVFROM	2
#define SMFIM_ENVRCPT	3
#define SMFIM_DATA	4
#define SMFIM_EOM	5
#define SMFIM_EOH	6

/* The most body bytes in one SMFIR_REPLBODY (libmilter's MILTER_CHUNK_SIZE
 * is 65535 too). */
#define MILTER_CHUNK	65535

/* The longest packet we accept by default: a body chunk is at most 64 KiB;
 * a header or a macro packet is bounded by the MTA's own line limits. */
#define MILTER_PKT_MAX	(1024 * 1024)

/* One packet, pointing into the buffer it was parsed from. */
struct milter_pkt {
	int		 cmd;
	const char	*data;
	size_t		 len;
};

/* Take one packet from the len bytes at p: returns the bytes it used, 0
 * when more are needed, or -1 when the packet is malformed (a length of 0
 * or over max) with why. */
ssize_t	milter_wire_parse(const char *p, size_t len, size_t max,
	    struct milter_pkt *, struct buf *why);

/* Split data into NUL-terminated strings: up to max of them into v;
 * returns how many, or -1 when the data does not end in NUL or holds more
 * than max. */
int	milter_wire_strings(const char *data, size_t len, const char **v,
	    int max);

/* A 4-byte big-endian number at p. */
uint32_t milter_wire_u32(const char *p);

/* Append a reply: a command with data. */
void	milter_wire_pack(struct buf *, int cmd, const void *, size_t);

/* Append a reply whose data is strings (each with its NUL), NULL ended. */
void	milter_wire_pack_str(struct buf *, int cmd, ...);

/* Append a reply whose data is a number, then strings (NULL ended). */
void	milter_wire_pack_u32_str(struct buf *, int cmd, uint32_t, ...);

#endif /* WINNOW_MILTER_WIRE_H */
