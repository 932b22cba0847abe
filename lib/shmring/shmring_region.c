/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

#include <stdio.h>
#include <string.h>

#include "shmring_region.h"
#include "shmring_why.h"

static inline uint64_t
align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/*
 * Copy shared memory with volatile reads, so each byte is fetched once.
 * The stores go through memcpy: 'dst' is a struct, and storing to it
 * through a uint64_t pointer would break strict aliasing (gcc -O2 then
 * treats the struct's fields as never written).
 */
static void
copy_once(void *dst, const void *src, size_t len)
{
	const volatile uint64_t *s = src;
	uint8_t *d = dst;
	uint64_t w;
	size_t i;

	for (i = 0; i < len / sizeof(uint64_t); i++) {
		w = s[i];
		memcpy(d + i * sizeof(w), &w, sizeof(w));
	}
}

static inline bool
is_pow2(uint32_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

int
shmring_params_check(const struct shmring_params *p, char *why,
		     size_t why_len)
{
	uint64_t frame_room;

	if (p->features & ~SHMRING_F_KNOWN) {
		WHY("unknown feature bits 0x%x", p->features & ~SHMRING_F_KNOWN);
		return SHMRING_E_HDR_FEATURES;
	}
	if (p->n_qp == 0 || p->n_qp > SHMRING_MAX_QUEUE_PAIRS) {
		WHY("queue pairs %u not in 1..%u", p->n_qp,
		    SHMRING_MAX_QUEUE_PAIRS);
		return SHMRING_E_HDR_QUEUES;
	}
	if (!is_pow2(p->ring_size) || p->ring_size < SHMRING_MIN_RING_SIZE ||
	    p->ring_size > SHMRING_MAX_RING_SIZE) {
		WHY("ring size %u is not a power of two in %u..%u",
		    p->ring_size, SHMRING_MIN_RING_SIZE, SHMRING_MAX_RING_SIZE);
		return SHMRING_E_HDR_RING_SIZE;
	}
	if (p->slot_size < SHMRING_MIN_SLOT_SIZE ||
	    p->slot_size > SHMRING_MAX_SLOT_SIZE ||
	    p->slot_size % SHMRING_CACHE_LINE != 0) {
		WHY("slot size %u not a multiple of %u in %u..%u",
		    p->slot_size, SHMRING_CACHE_LINE, SHMRING_MIN_SLOT_SIZE,
		    SHMRING_MAX_SLOT_SIZE);
		return SHMRING_E_HDR_SLOT_SIZE;
	}
	if (p->mtu < SHMRING_MIN_MTU || p->mtu > SHMRING_MAX_MTU) {
		WHY("MTU %u not in %u..%u", p->mtu, SHMRING_MIN_MTU,
		    SHMRING_MAX_MTU);
		return SHMRING_E_HDR_MTU;
	}
	/* A frame must fit in the chain the consumer accepts. */
	frame_room = (uint64_t)p->slot_size *
		((p->features & SHMRING_F_MULTI_SEG) ? SHMRING_MAX_SEGS : 1);
	if (shmring_max_frame(p->mtu) > frame_room) {
		WHY("MTU %u needs %u-byte frames, more than %llu bytes of %s",
		    p->mtu, shmring_max_frame(p->mtu),
		    (unsigned long long)frame_room,
		    (p->features & SHMRING_F_MULTI_SEG) ?
		    "a maximal chain" : "one slot (multi-seg is off)");
		return SHMRING_E_HDR_MTU;
	}
	return SHMRING_OK;
}

int
shmring_layout(const struct shmring_params *p, struct shmring_layout *l)
{
	uint64_t n_rings, stride, rings_end, buf;

	if (shmring_params_check(p, NULL, 0) != SHMRING_OK)
		return SHMRING_E_CONFIG;
	n_rings = 2ull * p->n_qp;
	stride = align_up(SHMRING_RING_HDR_SIZE +
			  (uint64_t)p->ring_size * sizeof(struct shmring_desc),
			  SHMRING_CACHE_LINE);
	rings_end = SHMRING_PAGE_SIZE + n_rings * stride;
	buf = n_rings * p->ring_size * p->slot_size;
	l->rings_offset = SHMRING_PAGE_SIZE;
	l->ring_stride = (uint32_t)stride;
	l->buf_offset = align_up(rings_end, SHMRING_PAGE_SIZE);
	l->buf_size = buf;
	l->region_size = align_up(l->buf_offset + buf, SHMRING_PAGE_SIZE);
	if (l->region_size > SHMRING_MAX_REGION_SIZE)
		return SHMRING_E_HDR_SIZE;
	return SHMRING_OK;
}

void
shmring_region_init(void *base, const struct shmring_params *p,
		    const struct shmring_layout *l, uint32_t epoch)
{
	struct shmring_region_hdr *h = base;

	/* Rings start at zero; the buffer area needs no initialisation. */
	memset(base, 0, l->buf_offset);
	h->magic = SHMRING_MAGIC;
	h->version = SHMRING_VERSION;
	h->features = p->features;
	h->hdr_size = SHMRING_PAGE_SIZE;
	h->region_size = l->region_size;
	h->n_qp = p->n_qp;
	h->ring_size = p->ring_size;
	h->slot_size = p->slot_size;
	h->mtu = p->mtu;
	h->rings_offset = l->rings_offset;
	h->ring_stride = l->ring_stride;
	h->buf_offset = l->buf_offset;
	h->buf_size = l->buf_size;
	memcpy(h->mac, p->mac, sizeof(h->mac));
	h->guest.epoch = epoch;
	h->guest.live = SHMRING_SIDE_INIT;
}

int
shmring_region_check(const void *base, uint64_t mapped_size,
		     struct shmring_region_info *info, char *why,
		     size_t why_len)
{
	struct shmring_region_hdr h;
	struct shmring_layout want;
	int rc;

	if (mapped_size < SHMRING_PAGE_SIZE) {
		WHY("region of %llu bytes cannot hold the header",
		    (unsigned long long)mapped_size);
		return SHMRING_E_HDR_SIZE;
	}
	/* One copy; every check below reads the private copy only. */
	copy_once(&h, base, sizeof(h));

	if (h.magic != SHMRING_MAGIC) {
		WHY("magic 0x%08x, expected 0x%08x", h.magic, SHMRING_MAGIC);
		return SHMRING_E_HDR_MAGIC;
	}
	if (h.version != SHMRING_VERSION) {
		WHY("version %u, this side speaks %u", h.version,
		    SHMRING_VERSION);
		return SHMRING_E_HDR_VERSION;
	}
	if (h.hdr_size != SHMRING_PAGE_SIZE || h.region_size != mapped_size) {
		WHY("header says %u/%llu bytes, mapped %llu", h.hdr_size,
		    (unsigned long long)h.region_size,
		    (unsigned long long)mapped_size);
		return SHMRING_E_HDR_SIZE;
	}
	memset(&info->params, 0, sizeof(info->params));
	info->params.features = h.features;
	info->params.n_qp = h.n_qp;
	info->params.ring_size = h.ring_size;
	info->params.slot_size = h.slot_size;
	info->params.mtu = h.mtu;
	memcpy(info->params.mac, h.mac, sizeof(h.mac));
	rc = shmring_params_check(&info->params, why, why_len);
	if (rc != SHMRING_OK)
		return rc;
	/*
	 * The layout is a function of the params: recompute it and demand
	 * the header agrees, rather than trusting the peer's offsets.
	 */
	rc = shmring_layout(&info->params, &want);
	if (rc != SHMRING_OK || h.rings_offset != want.rings_offset ||
	    h.ring_stride != want.ring_stride ||
	    h.buf_offset != want.buf_offset || h.buf_size != want.buf_size ||
	    want.region_size != mapped_size) {
		WHY("layout (rings %u+%u*n, buffers %llu+%llu, %llu bytes) "
		    "differs from the canonical one for these params",
		    h.rings_offset, h.ring_stride,
		    (unsigned long long)h.buf_offset,
		    (unsigned long long)h.buf_size,
		    (unsigned long long)mapped_size);
		return SHMRING_E_HDR_LAYOUT;
	}
	info->layout = want;
	return SHMRING_OK;
}

static struct shmring_ring_hdr *
ring_hdr(void *base, const struct shmring_region_info *info, unsigned int r)
{
	return (struct shmring_ring_hdr *)((uint8_t *)base +
		info->layout.rings_offset +
		(uint64_t)r * info->layout.ring_stride);
}

/* Read both shared indices once; check prod - cons <= ring size. */
static int
ring_indices(const struct shmring_ring_hdr *rh, uint32_t size,
	     uint32_t *prod, uint32_t *cons)
{
	*prod = shmring_load_acquire(&rh->prod);
	*cons = shmring_load_acquire(&rh->cons);
	if (*prod - *cons > size)
		return SHMRING_E_RING_PROD_AHEAD;
	return SHMRING_OK;
}

int
shmring_prod_init(struct shmring_prod *p, void *base,
		  const struct shmring_region_info *info, unsigned int ring)
{
	const struct shmring_params *pa = &info->params;
	struct shmring_ring_hdr *rh;
	uint64_t slots_off;

	if (ring >= 2u * pa->n_qp)
		return SHMRING_E_CONFIG;
	rh = ring_hdr(base, info, ring);
	memset(p, 0, sizeof(*p));
	p->hdr = rh;
	p->desc = (struct shmring_desc *)(rh + 1);
	p->size = pa->ring_size;
	p->mask = pa->ring_size - 1;
	p->slot_size = pa->slot_size;
	slots_off = (uint64_t)ring * pa->ring_size * pa->slot_size;
	p->slots_off = (uint32_t)slots_off;
	p->slots = (uint8_t *)base + info->layout.buf_offset + slots_off;
	if (ring_indices(rh, p->size, &p->prod, &p->cons_seen) != SHMRING_OK)
		return SHMRING_E_RING_CONS_AHEAD;
	return SHMRING_OK;
}

int
shmring_cons_init(struct shmring_cons *c, void *base,
		  const struct shmring_region_info *info, unsigned int ring)
{
	const struct shmring_params *pa = &info->params;
	struct shmring_ring_hdr *rh;

	if (ring >= 2u * pa->n_qp)
		return SHMRING_E_CONFIG;
	rh = ring_hdr(base, info, ring);
	memset(c, 0, sizeof(*c));
	c->hdr = rh;
	c->desc = (const struct shmring_desc *)(rh + 1);
	c->buf = (const uint8_t *)base + info->layout.buf_offset;
	c->buf_size = info->layout.buf_size;
	c->size = pa->ring_size;
	c->mask = pa->ring_size - 1;
	c->slot_size = pa->slot_size;
	c->max_frame = shmring_max_frame(pa->mtu);
	c->flags_ok = (pa->features & SHMRING_F_MULTI_SEG) ?
		SHMRING_DESC_F_KNOWN : 0;
	return ring_indices(rh, c->size, &c->prod_seen, &c->cons);
}
