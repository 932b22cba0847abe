/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * ACSL contracts of the consumer half of lib/shmring/include/shmring_ring.h.
 * Frama-C only (run.sh); lib/ stays free of annotations.  Frama-C merges
 * a contract written on a later declaration of a function with the
 * function's definition, so these bind the real functions.
 *
 *   ring_wp.c   proves with WP that each function satisfies its contract
 *               for ANY consumer state that satisfies cons_ok (any ring
 *               size, slot size, buffer-area size, any index and any
 *               descriptor value), including the absence of run-time
 *               errors (-wp-rte).
 *   ring_eva.c  proves with Eva that, on whole regions of the instance
 *               geometries, every call meets these preconditions
 *               (cons_ok is what shmring_cons_init establishes).
 *
 * "shared" below is the memory the peer can write: the ring header
 * (prod, cons) and the ring's descriptor array.  The private state 'c'
 * and the caller's outputs must not overlap it; in the code they are
 * the consumer's own memory.
 */

#ifndef XENSHM_PROOF_CONTRACTS_H
#define XENSHM_PROOF_CONTRACTS_H

#include "logic.h"
#include "shmring_ring.h"

/*@
  // The state shmring_cons_init() leaves: pointers into a validated
  // region, limits taken from a validated header.
  // (\valid_read: the ring functions take 'c' as const where they
  // do not change it; those that do also require \valid(c).)
  predicate cons_ok(struct shmring_cons *c) =
	\valid_read(c) &&
	\valid(c->hdr) &&
	\valid_read(c->desc + (0 .. c->mask)) &&
	\valid_read(c->buf + (0 .. c->buf_size - 1)) &&
	1 <= c->slot_size <= 65536 &&
	c->max_frame <= 9622 &&
	\separated(c, c->hdr, c->desc + (0 .. c->mask));

  // What a descriptor copy that passed shmring_desc_check() guarantees
  // for memory safety (the flags rule is checked but not needed here).
  // ACSL arithmetic is on mathematical integers: offset + len cannot
  // wrap here, so this is the real bound.
  predicate seg_ok(struct shmring_cons *c,
		       struct shmring_desc *d) =
	1 <= d->len <= c->slot_size &&
	d->offset + d->len <= c->buf_size;

  // What the consumer may read for a segment: every byte of it.
  predicate seg_readable(struct shmring_cons *c,
			     struct shmring_desc *d) =
	\valid_read(c->buf + d->offset + (0 .. d->len - 1));
*/

/*@ requires \valid_read(p);
    assigns \nothing;
*/
static inline uint32_t shmring_load_acquire(const uint32_t *p);

/*@ requires \valid(p);
    assigns *p;
*/
static inline void shmring_store_release(uint32_t *p, uint32_t v);

/*@ requires cons_ok(c) && \valid(c);
    requires \valid(err) && \separated(err, c, c->hdr,
					c->desc + (0 .. c->mask));
    assigns c->prod_seen, *err;
    ensures cons_ok(c);
*/
static inline uint32_t shmring_cons_avail(struct shmring_cons *c,
					  uint32_t want, int *err);

/* The body (two 8-byte volatile loads, one memcpy) is checked by Eva. */
/*@ requires fetch_src: \valid_read(src);
    requires fetch_dst: \valid(dst);
    requires fetch_sep: \separated(src, dst);
    assigns *dst;
*/
static inline void shmring_desc_fetch(const struct shmring_desc *src,
				      struct shmring_desc *dst);

/*@ requires \valid_read(c) && \valid_read(d);
    assigns \nothing;
    ensures \result == SHMRING_OK ==> seg_ok(c, d);
*/
static inline int shmring_desc_check(const struct shmring_cons *c,
				     const struct shmring_desc *d);

/*@ requires cons_ok(c) && \valid_read(d) && seg_ok(c, d);
    assigns \result \from c->buf, d->offset;
    ensures \result == c->buf + d->offset;
    ensures \valid_read(\result + (0 .. d->len - 1));
*/
static inline const uint8_t *shmring_cons_data(const struct shmring_cons *c,
					       const struct shmring_desc *d);

/*@ requires cons_ok(c);
    requires \valid(segs + (0 .. 63)) && \valid(frame_len) && \valid(err);
    requires \separated(segs + (0 .. 63), frame_len, err, c, c->hdr,
			c->desc + (0 .. c->mask));
    assigns segs[0 .. 63], *frame_len, *err;
    ensures \result <= 64;
    ensures \forall integer k; 0 <= k < \result ==>
		seg_ok(c, segs + k) && seg_readable(c, segs + k);
    ensures \result > 0 ==> *frame_len <= c->max_frame;
    ensures \result > 0 ==> (segs[\result - 1].flags & 1) == 0;
*/
static inline uint32_t shmring_cons_frame(const struct shmring_cons *c,
					  uint32_t i, uint32_t avail,
					  struct shmring_desc *segs,
					  uint32_t *frame_len, int *err);

/*@ requires cons_ok(c) && \valid(c);
    assigns c->cons, c->hdr->cons;
    ensures cons_ok(c);
*/
static inline void shmring_cons_release(struct shmring_cons *c, uint32_t n);

/*@ requires cons_ok(c) && \valid(c);
    requires \valid(out + (0 .. n - 1)) && \valid(err);
    requires \separated(out + (0 .. n - 1), err, c, c->hdr,
			c->desc + (0 .. c->mask));
    assigns out[0 .. n - 1], *err, c->prod_seen, c->cons, c->hdr->cons;
    ensures cons_ok(c);
    ensures \result <= n;
    ensures \forall integer k; 0 <= k < \result ==>
		seg_ok(c, out + k) && seg_readable(c, out + k);
*/
static inline uint32_t shmring_dequeue_burst(struct shmring_cons *c,
					     struct shmring_desc *out,
					     uint32_t n, int *err);

#endif
