/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Single-producer/single-consumer rings over shared memory.
 *
 * Each side keeps its own index in private memory (struct shmring_prod,
 * struct shmring_cons) and only ever *writes* it to the shared ring; it
 * never reads its own index back, because the peer could have changed it.
 * The peer's index is read once per refresh into a local, checked against
 * the ring size, and only then used.  Descriptors are fetched once into
 * private copies (XSA-155: no double fetch) and validated before use.
 *
 * Memory ordering (acquire/release only, no lock, no syscall):
 *   producer: write slot data and descriptors, then store-release prod  (P1)
 *   consumer: load-acquire prod (C1), read descriptors and slot data,
 *             then store-release cons (C2)
 *   producer: load-acquire cons (P2) before reusing the freed slots
 * P1 pairs with C1; C2 pairs with P2.
 */

#ifndef SHMRING_RING_H
#define SHMRING_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "shmring_err.h"
#include "shmring_wire.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Producer end of one ring; private to the producing process. */
struct shmring_prod {
	struct shmring_ring_hdr *hdr;	/* shared */
	struct shmring_desc *desc;	/* shared, ring_size entries */
	uint8_t *slots;			/* this ring's default slots */
	uint32_t slots_off;		/* offset of 'slots' in the buffer area */
	uint32_t mask;
	uint32_t size;
	uint32_t slot_size;
	uint32_t prod;			/* private: next index to publish */
	uint32_t cons_seen;		/* last validated consumer index */
};

/* Consumer end of one ring; private to the consuming process. */
struct shmring_cons {
	struct shmring_ring_hdr *hdr;	/* shared */
	const struct shmring_desc *desc; /* shared, ring_size entries */
	const uint8_t *buf;		/* start of the whole buffer area */
	uint64_t buf_size;
	uint32_t mask;
	uint32_t size;
	uint32_t slot_size;
	uint32_t max_frame;		/* longest frame accepted, bytes */
	uint32_t flags_ok;		/* descriptor flags allowed: NEXT only
					 * with SHMRING_F_MULTI_SEG */
	uint32_t cons;			/* private: next index to consume */
	uint32_t prod_seen;		/* last validated producer index */
};

/* The only accesses to shared indices.  C11 atomics on the wire words. */
static inline uint32_t
shmring_load_acquire(const uint32_t *p)
{
	return atomic_load_explicit((const _Atomic uint32_t *)p,
				    memory_order_acquire);
}

static inline void
shmring_store_release(uint32_t *p, uint32_t v)
{
	atomic_store_explicit((_Atomic uint32_t *)p, v, memory_order_release);
}

/*
 * Free slots for the producer.  Uses the cached consumer index while it
 * shows at least 'want' free slots, so an uncongested producer does not
 * touch the consumer's cache line on every burst.
 */
static inline uint32_t
shmring_prod_free(struct shmring_prod *p, uint32_t want, int *err)
{
	uint32_t free_slots = p->size - (p->prod - p->cons_seen);
	uint32_t cons, used;

	if (free_slots >= want)
		return free_slots;
	/* P2: pairs with the consumer's store-release of cons (C2). */
	cons = shmring_load_acquire(&p->hdr->cons);
	used = p->prod - cons;
	if (used > p->size) {
		*err = SHMRING_E_RING_CONS_AHEAD;
		return 0;
	}
	p->cons_seen = cons;
	return p->size - used;
}

static inline struct shmring_desc *
shmring_prod_desc(const struct shmring_prod *p, uint32_t i)
{
	return &p->desc[(p->prod + i) & p->mask];
}

/* Default slot buffer of the i-th index past the producer's position. */
static inline uint8_t *
shmring_prod_slot(const struct shmring_prod *p, uint32_t i, uint32_t *off)
{
	uint32_t s = (p->prod + i) & p->mask;

	*off = p->slots_off + s * p->slot_size;
	return p->slots + (size_t)s * p->slot_size;
}

/* Publish n filled descriptors. */
static inline void
shmring_prod_commit(struct shmring_prod *p, uint32_t n)
{
	p->prod += n;
	/* P1: pairs with the consumer's load-acquire of prod (C1). */
	shmring_store_release(&p->hdr->prod, p->prod);
}

/*
 * Published, unconsumed descriptors.  Re-reads the producer index only
 * when the cached one shows fewer than 'want'.
 */
static inline uint32_t
shmring_cons_avail(struct shmring_cons *c, uint32_t want, int *err)
{
	uint32_t avail = c->prod_seen - c->cons;
	uint32_t prod;

	if (avail >= want)
		return avail;
	/* C1: pairs with the producer's store-release of prod (P1). */
	prod = shmring_load_acquire(&c->hdr->prod);
	avail = prod - c->cons;
	if (avail > c->size) {
		*err = SHMRING_E_RING_PROD_AHEAD;
		return 0;
	}
	c->prod_seen = prod;
	return avail;
}

/* Copy one shared descriptor into private memory with exactly one read. */
static inline void
shmring_desc_fetch(const struct shmring_desc *src, struct shmring_desc *dst)
{
	const volatile uint64_t *s = (const volatile uint64_t *)src;
	uint64_t w[2];

	w[0] = s[0];
	w[1] = s[1];
	memcpy(dst, w, sizeof(*dst));
}

/* Validate a private descriptor copy against the consumer's limits. */
static inline int
shmring_desc_check(const struct shmring_cons *c, const struct shmring_desc *d)
{
	if (d->len == 0)
		return SHMRING_E_DESC_ZERO_LEN;
	if (d->len > c->slot_size)
		return SHMRING_E_DESC_TOO_LONG;
	if ((uint64_t)d->offset + d->len > c->buf_size)
		return SHMRING_E_DESC_OUT_OF_BOUNDS;
	if (d->flags & ~c->flags_ok)
		return SHMRING_E_DESC_BAD_FLAGS;
	return SHMRING_OK;
}

/* Address of a validated descriptor's data in the buffer area. */
static inline const uint8_t *
shmring_cons_data(const struct shmring_cons *c, const struct shmring_desc *d)
{
	return c->buf + d->offset;
}

/*
 * Fetch and validate the frame that starts 'i' descriptors past the
 * consumer position, where 'avail' descriptors are published.  Fills
 * segs[] (at most SHMRING_MAX_SEGS) and returns the number of
 * descriptors of the frame, or 0 with *err set.  The loop is bounded by
 * 'avail' and SHMRING_MAX_SEGS.
 */
static inline uint32_t
shmring_cons_frame(const struct shmring_cons *c, uint32_t i, uint32_t avail,
		   struct shmring_desc *segs, uint32_t *frame_len, int *err)
{
	uint32_t n = 0, total = 0;
	int rc;

	for (;;) {
		if (i + n >= avail) {
			*err = SHMRING_E_DESC_CHAIN_TRUNCATED;
			return 0;
		}
		if (n == SHMRING_MAX_SEGS) {
			*err = SHMRING_E_DESC_CHAIN_TOO_LONG;
			return 0;
		}
		shmring_desc_fetch(&c->desc[(c->cons + i + n) & c->mask],
				   &segs[n]);
		rc = shmring_desc_check(c, &segs[n]);
		if (rc != SHMRING_OK) {
			*err = rc;
			return 0;
		}
		total += segs[n].len;	/* <= 64 * 64 KiB: no overflow */
		if (total > c->max_frame) {
			*err = SHMRING_E_FRAME_TOO_LONG;
			return 0;
		}
		if (!(segs[n++].flags & SHMRING_DESC_F_NEXT))
			break;
	}
	*frame_len = total;
	return n;
}

/* Give n consumed descriptors (and their slots) back to the producer. */
static inline void
shmring_cons_release(struct shmring_cons *c, uint32_t n)
{
	c->cons += n;
	/* C2: pairs with the producer's load-acquire of cons (P2). */
	shmring_store_release(&c->hdr->cons, c->cons);
}

/*
 * Burst helpers for plain descriptor passing (tests, benchmark, simple
 * users).  Enqueue copies n descriptors as one burst; dequeue fetches and
 * validates each.  On a validation error, dequeue consumes the good
 * descriptors before the bad one and reports the error in *err.
 */
static inline uint32_t
shmring_enqueue_burst(struct shmring_prod *p, const struct shmring_desc *in,
		      uint32_t n, int *err)
{
	uint32_t free_slots = shmring_prod_free(p, n, err);
	uint32_t i, idx, first;

	if (n > free_slots)
		n = free_slots;
	idx = p->prod & p->mask;
	first = p->size - idx;
	if (first > n)
		first = n;
	memcpy(&p->desc[idx], in, first * sizeof(*in));
	for (i = first; i < n; i++)
		p->desc[i - first] = in[i];
	if (n)
		shmring_prod_commit(p, n);
	return n;
}

static inline uint32_t
shmring_dequeue_burst(struct shmring_cons *c, struct shmring_desc *out,
		      uint32_t n, int *err)
{
	uint32_t avail = shmring_cons_avail(c, n, err);
	uint32_t i;
	int rc;

	if (n > avail)
		n = avail;
	for (i = 0; i < n; i++) {
		shmring_desc_fetch(&c->desc[(c->cons + i) & c->mask], &out[i]);
		rc = shmring_desc_check(c, &out[i]);
		if (rc != SHMRING_OK) {
			*err = rc;
			break;
		}
	}
	if (i)
		shmring_cons_release(c, i);
	return i;
}

#ifdef __cplusplus
}
#endif

#endif /* SHMRING_RING_H */
