/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Region layout: computing it (guest), writing the header (guest), and
 * checking a header written by someone else (DomS, and tests).
 */

#ifndef SHMRING_REGION_H
#define SHMRING_REGION_H

#include <stdbool.h>
#include <stdint.h>

#include "shmring_ring.h"
#include "shmring_wire.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a guest asks for; also what the handshake carries. */
struct shmring_params {
	uint32_t features;	/* SHMRING_F_* */
	uint16_t n_qp;		/* queue pairs */
	uint32_t ring_size;	/* descriptors per ring, power of two */
	uint32_t slot_size;	/* bytes per slot, multiple of 64 */
	uint32_t mtu;		/* L3 MTU */
	uint8_t mac[6];		/* guest MAC */
};

/* Where things are; derived from the params by shmring_layout(). */
struct shmring_layout {
	uint32_t rings_offset;
	uint32_t ring_stride;
	uint64_t buf_offset;
	uint64_t buf_size;
	uint64_t region_size;
};

/* Private, validated copy of a region's header. */
struct shmring_region_info {
	struct shmring_params params;
	struct shmring_layout layout;
};

/* Defaults: they fit Xen's default grant budget (see docs/xen.md). */
#define SHMRING_DEFAULT_RING_SIZE	1024u
#define SHMRING_DEFAULT_SLOT_SIZE	2048u
#define SHMRING_DEFAULT_MTU		1500u

/* Ring numbers of queue pair q. */
static inline unsigned int shmring_ring_g2d(unsigned int q) { return 2 * q; }
static inline unsigned int shmring_ring_d2g(unsigned int q) { return 2 * q + 1; }

/*
 * Check params against the protocol limits.  Returns SHMRING_OK or an
 * SHMRING_E_HDR_* code; 'why' (may be NULL) receives a sentence.
 */
int shmring_params_check(const struct shmring_params *p, char *why,
			 size_t why_len);

/* Compute the layout of valid params.  Returns SHMRING_OK or an error. */
int shmring_layout(const struct shmring_params *p, struct shmring_layout *l);

/* Frame length (bytes) a given MTU allows. */
static inline uint32_t shmring_max_frame(uint32_t mtu)
{
	return mtu + SHMRING_L2_OVERHEAD;
}

/*
 * Guest: write a fresh header and zero the rings of a region of
 * l->region_size bytes at 'base'.  The guest's side line gets 'epoch'.
 */
void shmring_region_init(void *base, const struct shmring_params *p,
			 const struct shmring_layout *l, uint32_t epoch);

/*
 * Peer: copy the header at 'base' (mapped_size bytes are mapped) once,
 * validate the copy and return it in 'info'.  Nothing past the header is
 * read.  Returns SHMRING_OK or an SHMRING_E_HDR_* code, with a sentence in
 * 'why'.
 */
int shmring_region_check(const void *base, uint64_t mapped_size,
			 struct shmring_region_info *info, char *why,
			 size_t why_len);

/*
 * Set up a producer or a consumer end of ring 'ring' of a region whose
 * validated info is 'info'.  Both indices are taken from the shared ring:
 * zero on a fresh region, or where a previous incarnation of this side
 * stopped (a restarted DomS carries on from there, so nothing published
 * is delivered twice).  They are checked before use.  Returns SHMRING_OK
 * or an SHMRING_E_RING_* code.
 */
int shmring_prod_init(struct shmring_prod *p, void *base,
		      const struct shmring_region_info *info, unsigned int ring);
int shmring_cons_init(struct shmring_cons *c, void *base,
		      const struct shmring_region_info *info, unsigned int ring);

#ifdef __cplusplus
}
#endif

#endif /* SHMRING_REGION_H */
