/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * shmring wire format: the bytes two mutually distrusting peers share.
 *
 * This header is the whole ABI between a guest and the switch domain
 * (DomS).  It holds no pointer: each side maps the region at its own
 * address, so every reference is an offset from the start of the region
 * (or of the buffer area).  docs/protocol.md draws the same structures and
 * states the ordering rules; keep the two in step.
 *
 * The guest creates the region, fills the header and owns the memory.
 * DomS maps it and treats every byte of it as hostile input.
 *
 *  Region (4 KiB pages, not necessarily physically contiguous):
 *
 *  0        4096                         buf_offset            region_size
 *  +--------+--------+--------+---...---+-------------------...-+
 *  | header | ring 0 | ring 1 |         | buffer area            |
 *  +--------+--------+--------+---...---+-------------------...-+
 *            \_ queue pair 0 _/
 *            ring 2q   : guest -> DomS (g2d), guest produces
 *            ring 2q+1 : DomS -> guest (d2g), DomS produces
 *
 *  Ring r, at rings_offset + r * ring_stride:
 *
 *  +0    prod   (u32, producer writes, consumer reads)  own cache line
 *  +64   cons   (u32, consumer writes, producer reads)  own cache line
 *  +128  desc[ring_size]  (16 bytes each, producer writes)
 *
 *  Descriptor (16 bytes):
 *
 *   0       4       8      10      12      16
 *   +-------+-------+-------+-------+-------+
 *   |offset |  len  | flags | rsvd  | meta  |
 *   +-------+-------+-------+-------+-------+
 *   offset: from buf_offset, u32; offset + len <= buf_size (64-bit sum)
 *   len   : bytes of this segment, 1 .. slot_size
 *   flags : SHMRING_DESC_F_NEXT when the frame continues in the next slot
 *   meta  : opaque to the protocol; zero unless a feature defines it
 */

#ifndef SHMRING_WIRE_H
#define SHMRING_WIRE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SHMRING_MAGIC		0x52485358u	/* "XSHR" little-endian */
#define SHMRING_VERSION		1u
#define SHMRING_PAGE_SIZE	4096u
#define SHMRING_CACHE_LINE	64u

/* Feature bits offered by the guest in the header and the handshake. */
#define SHMRING_F_MULTI_SEG	(1u << 0)	/* frames may span slots (NEXT) */
#define SHMRING_F_KNOWN		(SHMRING_F_MULTI_SEG)

/* Limits both sides enforce on the header and the handshake. */
#define SHMRING_MIN_RING_SIZE	64u
#define SHMRING_MAX_RING_SIZE	32768u
#define SHMRING_MIN_SLOT_SIZE	256u
#define SHMRING_MAX_SLOT_SIZE	65536u
#define SHMRING_MAX_QUEUE_PAIRS	16u
#define SHMRING_MIN_MTU		68u
#define SHMRING_MAX_MTU		9600u
/* A frame is at most MTU + L2 header + two VLAN tags. */
#define SHMRING_L2_OVERHEAD	22u
#define SHMRING_MAX_FRAME	(SHMRING_MAX_MTU + SHMRING_L2_OVERHEAD)
/* Bound on descriptors per frame; the consumer stops a chain here. */
#define SHMRING_MAX_SEGS	64u
#define SHMRING_MAX_REGION_SIZE	(1ull << 32)

/* Descriptor flags. */
#define SHMRING_DESC_F_NEXT	(1u << 0)
#define SHMRING_DESC_F_KNOWN	(SHMRING_DESC_F_NEXT)

struct shmring_desc {
	uint32_t offset;	/* producer: from buf_offset */
	uint32_t len;		/* producer: segment length */
	uint16_t flags;		/* producer: SHMRING_DESC_F_* */
	uint16_t rsvd;		/* producer: zero */
	uint32_t meta;		/* producer: zero unless a feature says */
};

/*
 * Ring header.  prod and cons sit on separate cache lines so that the
 * producer's and the consumer's stores never share a line.
 * Indices are free-running u32; slot = index & (ring_size - 1).
 */
struct shmring_ring_hdr {
	uint32_t prod;				/* producer writes */
	uint8_t pad0[SHMRING_CACHE_LINE - sizeof(uint32_t)];
	uint32_t cons;				/* consumer writes */
	uint8_t pad1[SHMRING_CACHE_LINE - sizeof(uint32_t)];
	/* struct shmring_desc desc[ring_size] follows */
};

#define SHMRING_RING_HDR_SIZE	(2u * SHMRING_CACHE_LINE)

/* Liveness states of one side, in the header's per-side cache line. */
enum shmring_side_state {
	SHMRING_SIDE_GONE = 0,		/* never attached, or left/died */
	SHMRING_SIDE_CONNECTED = 1,	/* attached and polling */
	SHMRING_SIDE_INIT = 2,		/* setting up */
};

/*
 * Per-side liveness line.  'live' is one byte on purpose: Xen's unmap
 * notification zeroes exactly one byte when a process dies.
 */
struct shmring_side {
	uint8_t live;		/* enum shmring_side_state, owner writes */
	uint8_t pad0[3];
	uint32_t epoch;		/* owner: +1 at every attach/create */
	uint64_t heartbeat;	/* owner: advances while alive (optional) */
	uint8_t pad1[SHMRING_CACHE_LINE - 16];
};

/*
 * Region header, page 0.  The guest writes every field before it offers
 * the region; afterwards only the 'doms' line may be written by DomS and
 * only the 'guest' line by the guest.  DomS copies the header once into a
 * private struct and validates that copy (shmring_region_check()).
 */
struct shmring_region_hdr {
	uint32_t magic;		/* SHMRING_MAGIC */
	uint32_t version;	/* SHMRING_VERSION */
	uint32_t features;	/* SHMRING_F_* */
	uint32_t hdr_size;	/* SHMRING_PAGE_SIZE */
	uint64_t region_size;	/* bytes, multiple of 4 KiB */
	uint16_t n_qp;		/* queue pairs, 1..SHMRING_MAX_QUEUE_PAIRS */
	uint16_t rsvd0;
	uint32_t ring_size;	/* descriptors per ring, power of two */
	uint32_t slot_size;	/* bytes per buffer slot, multiple of 64 */
	uint32_t mtu;		/* guest MTU (L3) */
	uint32_t rings_offset;	/* offset of ring 0 */
	uint32_t ring_stride;	/* bytes from ring r to ring r+1 */
	uint64_t buf_offset;	/* offset of the buffer area */
	uint64_t buf_size;	/* bytes of buffer area */
	uint8_t mac[6];		/* guest's MAC address */
	uint8_t rsvd1[2];
	uint8_t pad[SHMRING_CACHE_LINE * 2 - 72];
	struct shmring_side guest;	/* guest writes */
	struct shmring_side doms;	/* DomS writes */
};

#define SHMRING_HDR_GUEST_LIVE_OFFSET \
	(offsetof(struct shmring_region_hdr, guest) + \
	 offsetof(struct shmring_side, live))
#define SHMRING_HDR_DOMS_LIVE_OFFSET \
	(offsetof(struct shmring_region_hdr, doms) + \
	 offsetof(struct shmring_side, live))

/* Compile-time checks of the wire layout: a change here breaks the ABI. */
_Static_assert(sizeof(struct shmring_desc) == 16, "desc is 16 bytes");
_Static_assert(sizeof(struct shmring_ring_hdr) == SHMRING_RING_HDR_SIZE,
	       "ring header is two cache lines");
_Static_assert(sizeof(struct shmring_side) == SHMRING_CACHE_LINE,
	       "side line is one cache line");
_Static_assert(offsetof(struct shmring_region_hdr, guest) == 128,
	       "guest line at 128");
_Static_assert(sizeof(struct shmring_region_hdr) == 256, "header is 256");

#ifdef __cplusplus
}
#endif

#endif /* SHMRING_WIRE_H */
