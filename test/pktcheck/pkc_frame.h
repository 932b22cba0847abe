/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Wire format of a pktcheck frame and the code that builds and checks one.
 *
 *   Ethernet [802.1Q tag] (ethertype | IPv4 + UDP to PKC_UDP_PORT)
 *   struct pkc_hdr
 *   payload: payload_len bytes derived from (session, flow, seq)
 *
 * All header fields are big endian.  csum is CRC32C (rte_hash_crc) over the
 * pkc_hdr with csum set to zero followed by the payload.  L2/L3 headers are
 * not covered: switches may rewrite MACs or add and strip VLAN tags.
 */

#ifndef PKC_FRAME_H
#define PKC_FRAME_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#define PKC_MAGIC		0x58504b43u	/* "XPKC" */
#define PKC_VERSION		1
/* IEEE 802 local experimental ethertype */
#define PKC_ETHERTYPE_DEFAULT	0x88b5
#define PKC_UDP_PORT		47000
#define PKC_FRAME_MIN		60		/* without FCS */
#define PKC_FRAME_MAX		9216

struct pkc_hdr {
	rte_be32_t magic;
	uint8_t version;
	uint8_t hdr_len;	/* sizeof(struct pkc_hdr) */
	rte_be16_t payload_len;
	rte_be32_t session;	/* random per sender process */
	rte_be32_t flow;
	rte_be64_t seq;
	rte_be32_t csum;
} __rte_packed;

/* How frames are encapsulated; the receiver accepts either L3 choice. */
struct pkc_encap {
	struct rte_ether_addr dst;
	struct rte_ether_addr src;
	int vlan;		/* -1: untagged, else VLAN id */
	uint16_t ethertype;	/* used when !udp */
	bool udp;
};

/* What pkc_frame_check() found. */
enum pkc_verdict {
	PKC_V_OK,
	PKC_V_FOREIGN,		/* not ours: other type or no magic */
	PKC_V_BAD_LEN,		/* header or mbuf length inconsistent */
	PKC_V_BAD_CSUM,		/* CRC32C mismatch */
	PKC_V_BAD_PAYLOAD,	/* CRC fine but bytes differ from pattern */
};

struct pkc_frame_info {
	uint32_t session;
	uint32_t flow;
	uint64_t seq;
	uint16_t payload_len;
};

/* Bytes in front of the pkc_hdr for this encapsulation. */
uint16_t pkc_encap_len(const struct pkc_encap *enc);

/* Smallest frame this encapsulation can carry (at least PKC_FRAME_MIN). */
uint16_t pkc_frame_min_len(const struct pkc_encap *enc);

/* Write a complete frame of len bytes into a linear buffer. */
void pkc_frame_write(const struct pkc_encap *enc, uint8_t *buf, uint16_t len,
		uint32_t session, uint32_t flow, uint64_t seq);

/*
 * Allocate and fill an mbuf (chain if len exceeds one segment's room).
 * scratch must hold PKC_FRAME_MAX bytes; it is used for chains only.
 * Returns NULL when the pool is empty.
 */
struct rte_mbuf *pkc_frame_mbuf(const struct pkc_encap *enc,
		struct rte_mempool *mp, uint8_t *scratch, uint16_t len,
		uint32_t session, uint32_t flow, uint64_t seq);

/* Flip one payload byte (the last one) after the checksum was computed. */
void pkc_frame_corrupt(struct rte_mbuf *m);

/*
 * Parse and verify a received frame (single or multi segment).  Accepts
 * up to two VLAN tags, the configured ethertype or IPv4/UDP to
 * PKC_UDP_PORT.  info is filled for PKC_V_OK and, as an untrusted hint,
 * for the corrupted verdicts.
 */
enum pkc_verdict pkc_frame_check(const struct rte_mbuf *m, uint16_t ethertype,
		bool verify_payload, struct pkc_frame_info *info);

/* CRC32C over a linear buffer, the same function the frame checksum uses. */
uint32_t pkc_crc(const void *data, uint32_t len, uint32_t crc);

/*
 * Payload pattern: byte i of the payload of (session, flow, seq).  Exposed
 * so the selftest can build frames whose CRC is right but content wrong.
 */
uint64_t pkc_pattern_seed(uint32_t session, uint32_t flow, uint64_t seq);
void pkc_pattern_fill(uint64_t seed, uint8_t *dst, uint32_t len);

#endif /* PKC_FRAME_H */
