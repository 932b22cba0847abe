/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * The shmring protocol as docs/protocol.md states it, written from that
 * text alone: byte offsets, constants and error numbers.  Nothing here
 * comes from lib/shmring, on purpose: xenshm-attack is a second
 * implementation, so where it and the reference disagree one of them (or
 * the document) is wrong.
 */

#ifndef XA_PROTO_H
#define XA_PROTO_H

#include <stdint.h>
#include <string.h>

/* Section 1: constants */
#define XA_REGION_MAGIC		0x52485358u	/* "XSHR" */
#define XA_MSG_MAGIC		0x43485358u	/* "XSHC" */
#define XA_VERSION		1u
#define XA_PAGE			4096u
#define XA_CACHE_LINE		64u
#define XA_MIN_RING		64u
#define XA_MAX_RING		32768u
#define XA_MIN_SLOT		256u
#define XA_MAX_SLOT		65536u
#define XA_MAX_QP		16u
#define XA_MIN_MTU		68u
#define XA_MAX_MTU		9600u
#define XA_L2_OVERHEAD		22u
#define XA_MAX_SEGS		64u
#define XA_MAX_REGION		(1ull << 32)
#define XA_F_MULTI_SEG		(1u << 0)
#define XA_DESC_F_NEXT		(1u << 0)

/* Section 3: region header, byte offsets */
#define XA_H_MAGIC		0
#define XA_H_VERSION		4
#define XA_H_FEATURES		8
#define XA_H_HDR_SIZE		12
#define XA_H_REGION_SIZE	16	/* u64 */
#define XA_H_N_QP		24	/* u16 */
#define XA_H_RSVD0		26	/* u16 */
#define XA_H_RING_SIZE		28
#define XA_H_SLOT_SIZE		32
#define XA_H_MTU		36
#define XA_H_RINGS_OFFSET	40
#define XA_H_RING_STRIDE	44
#define XA_H_BUF_OFFSET		48	/* u64 */
#define XA_H_BUF_SIZE		56	/* u64 */
#define XA_H_MAC		64	/* 6 bytes */
#define XA_H_GUEST		128	/* side line */
#define XA_H_DOMS		192	/* side line */
/* side line */
#define XA_S_LIVE		0	/* u8 */
#define XA_S_EPOCH		4	/* u32 */
#define XA_S_HEARTBEAT		8	/* u64 */
#define XA_LIVE_GONE		0
#define XA_LIVE_CONNECTED	1
#define XA_LIVE_INIT		2

/* Section 4: ring and descriptor */
#define XA_R_PROD		0
#define XA_R_CONS		64
#define XA_R_DESC		128
#define XA_DESC_SIZE		16
#define XA_D_OFFSET		0
#define XA_D_LEN		4
#define XA_D_FLAGS		8	/* u16 */
#define XA_D_RSVD		10	/* u16 */
#define XA_D_META		12

/* Section 8: messages */
#define XA_MSG_SIZE		128
#define XA_M_MAGIC		0
#define XA_M_TYPE		4	/* u16 */
#define XA_M_VERSION		6	/* u16 */
#define XA_M_RSVD		8	/* 2 x u32 */
#define XA_T_HELLO		1
#define XA_T_OFFER		2
#define XA_T_ACCEPT		3
#define XA_T_REJECT		4
/* HELLO */
#define XA_HE_FEATURES		16
#define XA_HE_MAX_QP		20	/* u16 */
#define XA_HE_RSVD0		22	/* u16 */
#define XA_HE_MAX_RING		24
#define XA_HE_MAX_SLOT		28
#define XA_HE_MAX_MTU		32
#define XA_HE_RSVD1		36
#define XA_HE_MAX_REGION	40	/* u64 */
#define XA_HE_END		48
/* OFFER */
#define XA_OF_FEATURES		16
#define XA_OF_N_QP		20	/* u16 */
#define XA_OF_RSVD0		22	/* u16 */
#define XA_OF_RING		24
#define XA_OF_SLOT		28
#define XA_OF_MTU		32
#define XA_OF_EPOCH		36
#define XA_OF_REGION		40	/* u64 */
#define XA_OF_END		48
/* ACCEPT */
#define XA_AC_EPOCH		16
#define XA_AC_RSVD0		20
#define XA_AC_END		24
/* REJECT */
#define XA_RJ_CODE		16
#define XA_RJ_RSVD0		20
#define XA_RJ_REASON		24
#define XA_RJ_REASON_LEN	104

/* Section 7: error numbers (wire ABI), as the document lists them. */
#define XA_ERRORS(X)							\
	X(RING_PROD_AHEAD, 1) X(RING_CONS_AHEAD, 2) X(DESC_ZERO_LEN, 3)	\
	X(DESC_TOO_LONG, 4) X(DESC_OUT_OF_BOUNDS, 5) X(DESC_BAD_FLAGS, 6) \
	X(DESC_CHAIN_TRUNCATED, 7) X(DESC_CHAIN_TOO_LONG, 8)		\
	X(FRAME_TOO_LONG, 9) X(HDR_MAGIC, 10) X(HDR_VERSION, 11)	\
	X(HDR_FEATURES, 12) X(HDR_SIZE, 13) X(HDR_QUEUES, 14)		\
	X(HDR_RING_SIZE, 15) X(HDR_SLOT_SIZE, 16) X(HDR_MTU, 17)	\
	X(HDR_LAYOUT, 18) X(HDR_MISMATCH, 19) X(MSG_TRUNCATED, 20)	\
	X(MSG_BAD, 21) X(MSG_MAGIC, 22) X(MSG_TYPE, 23) X(MSG_VERSION, 24) \
	X(MSG_REJECTED, 25) X(FD_MISSING, 26) X(FD_NOT_SEALED, 27)	\
	X(FD_SIZE, 28) X(PEER_CRED, 29) X(BUSY, 30) X(SYSTEM, 31)	\
	X(NO_PEER, 32) X(CONFIG, 33) X(FD_KIND, 34) X(TIMEOUT, 35)

/* Little-endian accessors (section 1: integers are little-endian). */
static inline void xa_put8(uint8_t *b, size_t o, uint8_t v) { b[o] = v; }
static inline void
xa_put16(uint8_t *b, size_t o, uint16_t v)
{
	b[o] = (uint8_t)v;
	b[o + 1] = (uint8_t)(v >> 8);
}
static inline void
xa_put32(uint8_t *b, size_t o, uint32_t v)
{
	xa_put16(b, o, (uint16_t)v);
	xa_put16(b, o + 2, (uint16_t)(v >> 16));
}
static inline void
xa_put64(uint8_t *b, size_t o, uint64_t v)
{
	xa_put32(b, o, (uint32_t)v);
	xa_put32(b, o + 4, (uint32_t)(v >> 32));
}
static inline uint16_t
xa_get16(const uint8_t *b, size_t o)
{
	return (uint16_t)(b[o] | (uint16_t)b[o + 1] << 8);
}
static inline uint32_t
xa_get32(const uint8_t *b, size_t o)
{
	return xa_get16(b, o) | (uint32_t)xa_get16(b, o + 2) << 16;
}
static inline uint64_t
xa_get64(const uint8_t *b, size_t o)
{
	return xa_get32(b, o) | (uint64_t)xa_get32(b, o + 4) << 32;
}

/* Section 2: the layout is a function of (n_qp, ring_size, slot_size). */
struct xa_layout {
	uint32_t n_qp, ring_size, slot_size, mtu, features;
	uint32_t rings_offset, ring_stride;
	uint64_t buf_offset, buf_size, region_size;
};

static inline uint64_t
xa_align(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

static inline void
xa_layout_calc(struct xa_layout *l)
{
	uint64_t n_rings = 2ull * l->n_qp;

	l->rings_offset = XA_PAGE;
	l->ring_stride = (uint32_t)xa_align(128 + 16ull * l->ring_size, 64);
	l->buf_offset = xa_align(l->rings_offset + n_rings * l->ring_stride,
				 XA_PAGE);
	l->buf_size = n_rings * l->ring_size * l->slot_size;
	l->region_size = xa_align(l->buf_offset + l->buf_size, XA_PAGE);
}

#endif /* XA_PROTO_H */
