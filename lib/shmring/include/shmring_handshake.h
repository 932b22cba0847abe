/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Handshake: the four control messages a guest and DomS exchange before
 * DomS maps a region.  The messages are fixed-size byte blocks and do not
 * depend on how they travel (a UNIX socket for the host transport); the
 * memory itself travels beside them (an fd with OFFER on the host).
 *
 *   DomS  --- HELLO  (version, DomS limits, features) --->  guest
 *   DomS  <-- OFFER  (params, region size, guest epoch) --  guest  [+ fd]
 *   DomS  --- ACCEPT (DomS epoch) ------------------------>  guest
 *         or REJECT (code, reason) in either direction, then close.
 *
 * Receiving is two steps.  shmring_msg_decode() copies the received
 * bytes once into a private struct and checks the framing (size, magic,
 * type, version, reserved fields); the *_check() functions then judge the
 * contents against this side's limits.  Every failure has its own
 * SHMRING_E_* code and a sentence in 'why'.
 *
 * docs/protocol.md ("Handshake") draws the same bytes.
 */

#ifndef SHMRING_HANDSHAKE_H
#define SHMRING_HANDSHAKE_H

#include <stddef.h>
#include <stdint.h>

#include "shmring_endpoint.h"
#include "shmring_region.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SHMRING_MSG_MAGIC	0x43485358u	/* "XSHC" little-endian */
#define SHMRING_MSG_SIZE	128u
/* Bytes of REJECT text, the terminating NUL included. */
#define SHMRING_MSG_REASON_MAX	104u

enum shmring_msg_type {
	SHMRING_MSG_HELLO = 1,	/* DomS -> guest */
	SHMRING_MSG_OFFER = 2,	/* guest -> DomS, carries the region */
	SHMRING_MSG_ACCEPT = 3,	/* DomS -> guest */
	SHMRING_MSG_REJECT = 4,	/* either way; the sender then closes */
};

/* Common header, 16 bytes. */
struct shmring_msg_hdr {
	uint32_t magic;		/* SHMRING_MSG_MAGIC */
	uint16_t type;		/* enum shmring_msg_type */
	uint16_t version;	/* sender's SHMRING_VERSION */
	uint32_t rsvd[2];	/* zero */
} __attribute__((packed));

/* HELLO: what DomS accepts.  The guest checks its region fits. */
struct shmring_msg_hello {
	uint32_t features;	/* SHMRING_F_* DomS understands */
	uint16_t max_qp;
	uint16_t rsvd0;		/* zero */
	uint32_t max_ring_size;
	uint32_t max_slot_size;
	uint32_t max_mtu;
	uint32_t rsvd1;		/* zero */
	uint64_t max_region_size;
} __attribute__((packed));

/* OFFER: the region the guest shares; must match its header exactly. */
struct shmring_msg_offer {
	uint32_t features;
	uint16_t n_qp;
	uint16_t rsvd0;		/* zero */
	uint32_t ring_size;
	uint32_t slot_size;
	uint32_t mtu;
	uint32_t guest_epoch;	/* equals the header's guest.epoch */
	uint64_t region_size;	/* bytes; equals the fd's size */
} __attribute__((packed));

/* ACCEPT: DomS mapped the region and wrote its side line. */
struct shmring_msg_accept {
	uint32_t doms_epoch;	/* equals the header's doms.epoch */
	uint32_t rsvd0;		/* zero */
} __attribute__((packed));

/* REJECT: layout frozen across versions so any peer can read it. */
struct shmring_msg_reject {
	uint32_t code;		/* SHMRING_E_* of the rule broken */
	uint32_t rsvd0;		/* zero */
	char reason[SHMRING_MSG_REASON_MAX];	/* NUL-terminated text */
} __attribute__((packed));

struct shmring_msg {
	struct shmring_msg_hdr hdr;
	union {
		struct shmring_msg_hello hello;
		struct shmring_msg_offer offer;
		struct shmring_msg_accept accept;
		struct shmring_msg_reject reject;
		uint8_t raw[SHMRING_MSG_SIZE - sizeof(struct shmring_msg_hdr)];
	} u;
} __attribute__((packed));

_Static_assert(sizeof(struct shmring_msg_hdr) == 16, "msg header is 16");
_Static_assert(sizeof(struct shmring_msg_hello) == 32, "HELLO body is 32");
_Static_assert(sizeof(struct shmring_msg_offer) == 32, "OFFER body is 32");
_Static_assert(sizeof(struct shmring_msg_accept) == 8, "ACCEPT body is 8");
_Static_assert(sizeof(struct shmring_msg_reject) == 112, "REJECT body 112");
_Static_assert(sizeof(struct shmring_msg) == SHMRING_MSG_SIZE,
	       "a control message is 128 bytes");
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the shmring wire format is little-endian"
#endif

/* Name of a message type for messages ("HELLO"); never NULL. */
const char *shmring_msg_type_name(unsigned int type);

/* Encoders: fill all 128 bytes (reserved bytes zero). */
void shmring_msg_hello(struct shmring_msg *m,
		       const struct shmring_limits *limits);
void shmring_msg_offer(struct shmring_msg *m, const struct shmring_params *p,
		       uint64_t region_size, uint32_t guest_epoch);
void shmring_msg_accept(struct shmring_msg *m, uint32_t doms_epoch);
/* 'reason' is cut to fit and always NUL-terminated. */
void shmring_msg_reject(struct shmring_msg *m, int code, const char *reason);

/*
 * Copy 'len' received bytes once into 'out' and check the framing:
 *   len < 128                        SHMRING_E_MSG_TRUNCATED
 *   len > 128                        SHMRING_E_MSG_BAD
 *   magic                            SHMRING_E_MSG_MAGIC
 *   type not HELLO..REJECT           SHMRING_E_MSG_TYPE
 *   version (except REJECT)          SHMRING_E_MSG_VERSION
 *   reserved bytes not zero, REJECT text without NUL
 *                                    SHMRING_E_MSG_BAD
 * 'out' is only meaningful on SHMRING_OK.
 */
int shmring_msg_decode(const void *buf, size_t len, struct shmring_msg *out,
		       char *why, size_t why_len);

/*
 * A decoded message must be of type 'want'.  A REJECT gives
 * SHMRING_E_MSG_REJECTED with the peer's code and (sanitised) reason in
 * 'why'; another type gives SHMRING_E_MSG_TYPE.
 */
int shmring_msg_expect(const struct shmring_msg *m, unsigned int want,
		       char *why, size_t why_len);

/*
 * Guest: does a region with params 'p' and 'region_size' bytes fit the
 * limits and features of the HELLO 'h'?  SHMRING_E_HDR_* on failure.
 */
int shmring_hello_check(const struct shmring_msg_hello *h,
			const struct shmring_params *p, uint64_t region_size,
			char *why, size_t why_len);

/*
 * DomS: judge an OFFER against the protocol and 'limits'.  On success
 * 'info' holds the params and the canonical layout the region must have.
 */
int shmring_offer_check(const struct shmring_msg_offer *o,
			const struct shmring_limits *limits,
			struct shmring_region_info *info,
			char *why, size_t why_len);

/*
 * DomS: the header check of the mapped region gave 'hdr'; it must
 * describe exactly what the OFFER said, and the guest epoch in the
 * header must be the offer's.  SHMRING_E_HDR_MISMATCH otherwise.
 */
int shmring_offer_match(const struct shmring_msg_offer *o,
			const struct shmring_region_info *hdr,
			uint32_t hdr_guest_epoch, char *why, size_t why_len);

/* Limits a DomS may be configured with: at least one region must fit. */
int shmring_limits_check(const struct shmring_limits *l, char *why,
			 size_t why_len);

#ifdef __cplusplus
}
#endif

#endif /* SHMRING_HANDSHAKE_H */
