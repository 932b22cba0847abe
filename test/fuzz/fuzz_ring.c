/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * The consumer side of a ring (shmring_ring.h) against a hostile
 * producer, and a producer against a hostile consumer.
 *
 * The harness plays the peer: it owns a real region (one allocation of
 * exactly region_size bytes), writes descriptors and indices where the
 * peer may, and drives the library's consumer end of ring r and producer
 * end of ring r ^ 1 (the two directions of one queue pair) the way the
 * PMDs do.  Everything of the region these two ends have no business
 * touching (the header page, the other rings, the gaps) is poisoned, so
 * ASan stops any access there, and any access past the region.
 *
 * The harness keeps its own model of the ring (it wrote every byte the
 * consumer may read) and checks each answer against docs/protocol.md,
 * section 7: an accepted frame is exactly the published descriptors at
 * the consumer position, each inside the buffer area, chained by NEXT,
 * at most 64, no longer than MTU + 22; a refused one is refused with the
 * code of the first rule broken, in the documented order (a chain only
 * with MULTI_SEG); the private
 * indices never run past the validated peer index, and the shared
 * consumer index is only ever written from the private one.
 *
 * Input: 8 bytes of set-up (queue pairs, ring, sizes, MTU, start index),
 * then a script of operations, one opcode byte and its operands each.
 */

#include <stdbool.h>
#include <sanitizer/asan_interface.h>

#include "fuzz.h"
#include "fuzz_layout.h"
#include "shmring_region.h"

#define MAX_OPS		1024

struct ring_fz {
	struct shmring_region_info info;
	uint8_t *base;
	struct shmring_ring_hdr *ch;	/* consumer's ring (peer produces) */
	struct shmring_desc *cdesc;
	struct shmring_ring_hdr *ph;	/* producer's ring (peer consumes) */
	struct shmring_cons c;
	struct shmring_prod p;
	uint32_t peer_prod;		/* what the peer last published */
};

/*
 * One region per shape, allocated once and kept: freeing and allocating
 * megabytes on every input keeps ASan's large allocator and quarantine
 * busy (a few hundred executions a second, and multi-second stalls in
 * madvise on a loaded box).  2 x 3 x 13 shapes of at most ~1 MiB each.
 */
#define N_SHAPES	(2 * 3 * 13)
static uint8_t *regions[N_SHAPES];

static uint8_t *
region_get(unsigned int shape, uint64_t len)
{
	if (regions[shape] == NULL) {
		regions[shape] = malloc(len);
		FZ_CHECK(regions[shape] != NULL, "malloc %llu",
			 (unsigned long long)len);
	}
	ASAN_UNPOISON_MEMORY_REGION(regions[shape], len);
	return regions[shape];
}

static struct shmring_ring_hdr *
ring_at(const struct ring_fz *f, unsigned int r)
{
	return (struct shmring_ring_hdr *)(f->base +
		f->info.layout.rings_offset +
		(uint64_t)r * f->info.layout.ring_stride);
}

/* Spec model of one descriptor (protocol.md 7, in the order given). */
static int
model_desc(const struct ring_fz *f, const struct shmring_desc *d)
{
	if (d->len == 0)
		return SHMRING_E_DESC_ZERO_LEN;
	if (d->len > f->info.params.slot_size)
		return SHMRING_E_DESC_TOO_LONG;
	if ((uint64_t)d->offset + d->len > f->info.layout.buf_size)
		return SHMRING_E_DESC_OUT_OF_BOUNDS;
	/* NEXT only when the region has MULTI_SEG */
	if (d->flags & ~((f->info.params.features & SHMRING_F_MULTI_SEG) ?
			 SHMRING_DESC_F_NEXT : 0))
		return SHMRING_E_DESC_BAD_FLAGS;
	return SHMRING_OK;
}

/* Spec model of the frame starting i past the consumer position. */
static uint32_t
model_frame(const struct ring_fz *f, uint32_t i, uint32_t avail,
	    uint32_t *len, int *err)
{
	uint32_t n = 0, total = 0, mask = f->info.params.ring_size - 1;

	for (;;) {
		const struct shmring_desc *d;

		if (i + n >= avail) {
			*err = SHMRING_E_DESC_CHAIN_TRUNCATED;
			return 0;
		}
		if (n == SHMRING_MAX_SEGS) {
			*err = SHMRING_E_DESC_CHAIN_TOO_LONG;
			return 0;
		}
		d = &f->cdesc[(f->c.cons + i + n) & mask];
		*err = model_desc(f, d);
		if (*err != SHMRING_OK)
			return 0;
		total += d->len;
		if (total > shmring_max_frame(f->info.params.mtu)) {
			*err = SHMRING_E_FRAME_TOO_LONG;
			return 0;
		}
		n++;
		if (!(d->flags & SHMRING_DESC_F_NEXT))
			break;
	}
	*len = total;
	return n;
}

/* Segments the consumer accepted: check them and read every byte. */
static void
check_segs(const struct ring_fz *f, uint32_t i, const struct shmring_desc *segs,
	   uint32_t nd, uint32_t len)
{
	uint32_t k, sum = 0, mask = f->info.params.ring_size - 1;
	volatile uint8_t sink = 0;

	FZ_CHECK(nd >= 1 && nd <= SHMRING_MAX_SEGS, "%u segments", nd);
	for (k = 0; k < nd; k++) {
		const struct shmring_desc *s = &segs[k];
		const uint8_t *d = shmring_cons_data(&f->c, s);
		uint32_t b;

		FZ_CHECK(!memcmp(s, &f->cdesc[(f->c.cons + i + k) & mask],
				 sizeof(*s)), "segment %u is not what the "
			 "producer published there", k);
		FZ_CHECK(s->len >= 1 && s->len <= f->info.params.slot_size,
			 "len %u", s->len);
		FZ_CHECK((uint64_t)s->offset + s->len <=
			 f->info.layout.buf_size, "segment %u+%u outside",
			 s->offset, s->len);
		FZ_CHECK(d >= f->base + f->info.layout.buf_offset &&
			 d + s->len <= f->base + f->info.layout.buf_offset +
			 f->info.layout.buf_size, "data pointer outside");
		FZ_CHECK(!!(s->flags & SHMRING_DESC_F_NEXT) == (k + 1 < nd),
			 "chain flags");
		/* What rx_copy() does: every byte of the segment. */
		for (b = 0; b < s->len; b++)
			sink ^= d[b];
		sum += s->len;
	}
	(void)sink;
	FZ_CHECK(sum == len && len <= shmring_max_frame(f->info.params.mtu),
		 "frame length %u, segments say %u", len, sum);
}

static void
check_cons_state(const struct ring_fz *f)
{
	FZ_CHECK(f->c.prod_seen - f->c.cons <= f->c.size,
		 "consumer at %u, believes producer at %u", f->c.cons,
		 f->c.prod_seen);
}

/* Consumer avail as the library computes it, per the spec. */
static uint32_t
model_avail(const struct ring_fz *f, uint32_t want, int *err)
{
	uint32_t cached = f->c.prod_seen - f->c.cons;

	*err = SHMRING_OK;
	if (cached >= want)
		return cached;
	if (f->ch->prod - f->c.cons > f->c.size) {
		*err = SHMRING_E_RING_PROD_AHEAD;
		return 0;
	}
	return f->ch->prod - f->c.cons;
}

/* The PMD's rx: frames until n, the end or an error; then release. */
static void
op_rx(struct ring_fz *f, uint32_t n)
{
	struct shmring_desc segs[SHMRING_MAX_SEGS];
	uint32_t avail, mavail, used = 0, got = 0, old = f->c.cons;
	uint32_t old_seen = f->c.prod_seen;
	int err = SHMRING_OK, merr;

	mavail = model_avail(f, n, &merr);
	avail = shmring_cons_avail(&f->c, n, &err);
	FZ_CHECK(err == merr && avail == mavail, "avail %u err %d, spec "
		 "says %u err %d", avail, err, mavail, merr);
	if (err != SHMRING_OK) {
		FZ_CHECK(f->c.prod_seen == old_seen && f->c.cons == old,
			 "a refused index changed the consumer");
		return;
	}
	check_cons_state(f);
	while (got < n && used < avail) {
		uint32_t len = 0, mlen = 0, nd, mnd;

		mnd = model_frame(f, used, avail, &mlen, &merr);
		err = SHMRING_OK;
		nd = shmring_cons_frame(&f->c, used, avail, segs, &len, &err);
		FZ_CHECK(nd == mnd, "frame of %u descriptors, spec says %u "
			 "(err %d, spec %d)", nd, mnd, err, merr);
		if (nd == 0) {
			FZ_CHECK(err == merr, "refused with %s, spec says %s",
				 shmring_errname(err), shmring_errname(merr));
			break;
		}
		FZ_CHECK(len == mlen, "length");
		FZ_CHECK(used + nd <= avail, "frame past the producer");
		check_segs(f, used, segs, nd, len);
		used += nd;
		got++;
	}
	if (used > 0)
		shmring_cons_release(&f->c, used);
	FZ_CHECK(f->c.cons == old + used, "consumer moved by %u, used %u",
		 f->c.cons - old, used);
	FZ_CHECK(f->ch->cons == f->c.cons || used == 0,
		 "shared consumer index is not the private one");
	check_cons_state(f);
}

/* The reference burst helper. */
static void
op_dequeue(struct ring_fz *f, uint32_t n)
{
	struct shmring_desc out[256];
	uint32_t mavail, i, k, got, old = f->c.cons, mask = f->c.mask;
	int err = SHMRING_OK, merr, mbad = SHMRING_OK;

	mavail = model_avail(f, n, &merr);
	got = shmring_dequeue_burst(&f->c, out, n, &err);
	if (merr != SHMRING_OK) {
		FZ_CHECK(got == 0 && err == merr, "dequeue past a bad index");
		return;
	}
	if (n > mavail)
		n = mavail;
	for (i = 0; i < n; i++) {
		mbad = model_desc(f, &f->cdesc[(old + i) & mask]);
		if (mbad != SHMRING_OK)
			break;
	}
	FZ_CHECK(got == i, "dequeued %u, spec says %u", got, i);
	FZ_CHECK(err == mbad, "dequeue err %d, spec %d", err, mbad);
	for (k = 0; k < got; k++)
		FZ_CHECK(!memcmp(&out[k], &f->cdesc[(old + k) & mask],
				 sizeof(out[k])), "descriptor %u differs", k);
	FZ_CHECK(f->c.cons == old + got, "consumer moved");
	FZ_CHECK(got == 0 || f->ch->cons == f->c.cons, "shared cons");
	check_cons_state(f);
}

/* A restarted DomS: indices come from the (hostile) shared ring. */
static void
op_restart(struct ring_fz *f, unsigned int r)
{
	uint32_t prod = f->ch->prod, cons = f->ch->cons;
	int rc;

	rc = shmring_cons_init(&f->c, f->base, &f->info, r);
	if (prod - cons > f->info.params.ring_size) {
		FZ_CHECK(rc == SHMRING_E_RING_PROD_AHEAD, "bad indices %u/%u "
			 "accepted (%d)", prod, cons, rc);
		/* The PMD would fail the port; carry on from a sane ring. */
		f->ch->cons = prod;
		rc = shmring_cons_init(&f->c, f->base, &f->info, r);
	}
	FZ_CHECK(rc == SHMRING_OK, "cons_init %d", rc);
	FZ_CHECK(f->c.cons == f->ch->cons && f->c.prod_seen == f->ch->prod,
		 "restart indices");
	check_cons_state(f);
}

/* Our producer on the other ring, whose consumer is the hostile peer. */
static void
op_tx(struct ring_fz *f, uint32_t n)
{
	struct shmring_desc in[256];
	uint32_t got, old = f->p.prod, cons = f->ph->cons;
	uint32_t cached_free = f->p.size - (f->p.prod - f->p.cons_seen);
	int err = SHMRING_OK;

	memset(in, 0, n * sizeof(in[0]));
	got = shmring_enqueue_burst(&f->p, in, n, &err);
	FZ_CHECK(got <= n, "enqueued more than asked");
	if (cached_free < n && f->p.prod - cons > f->p.size)
		FZ_CHECK(err == SHMRING_E_RING_CONS_AHEAD && got == 0,
			 "cons %u ahead of prod %u not refused", cons, old);
	else if (err == SHMRING_OK)
		FZ_CHECK(got == (n < f->p.size - (old - f->p.cons_seen) ? n :
			 f->p.size - (old - f->p.cons_seen)), "enqueued %u", got);
	/* Never past what the consumer freed, as far as we checked it. */
	FZ_CHECK(f->p.prod - f->p.cons_seen <= f->p.size,
		 "producer %u overran the consumer at %u", f->p.prod,
		 f->p.cons_seen);
	FZ_CHECK(f->p.prod == old + got, "producer moved");
	FZ_CHECK(got == 0 || f->ph->prod == f->p.prod, "shared prod");
}

static void
poison_region(const struct ring_fz *f, unsigned int rc, unsigned int rp)
{
	const struct shmring_layout *l = &f->info.layout;
	uint64_t ring_bytes = SHMRING_RING_HDR_SIZE +
		(uint64_t)f->info.params.ring_size * sizeof(struct shmring_desc);

	ASAN_POISON_MEMORY_REGION(f->base, l->buf_offset);
	ASAN_UNPOISON_MEMORY_REGION(ring_at(f, rc), ring_bytes);
	ASAN_UNPOISON_MEMORY_REGION(ring_at(f, rp), ring_bytes);
	/* The slack between region end and buffer end is poisoned too. */
	ASAN_POISON_MEMORY_REGION(f->base + l->buf_offset + l->buf_size,
				  l->region_size - l->buf_offset - l->buf_size);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	struct shmring_params pa;
	struct ring_fz f;
	unsigned int r, rp, ops;
	uint32_t start, max_mtu, mask;
	uint8_t b0, b1;

	/* Set-up: small shapes, so that a region stays well under 2 MiB. */
	b0 = fz_u8(&in);
	b1 = fz_u8(&in);
	memset(&pa, 0, sizeof(pa));
	pa.n_qp = 1 + (b0 & 1);
	pa.features = (b0 & 2) ? SHMRING_F_MULTI_SEG : 0;
	pa.ring_size = SHMRING_MIN_RING_SIZE << (b1 % 3);
	pa.slot_size = SHMRING_MIN_SLOT_SIZE +
		SHMRING_CACHE_LINE * ((b1 >> 2) % 13);
	max_mtu = (pa.features & SHMRING_F_MULTI_SEG) ? SHMRING_MAX_MTU :
		pa.slot_size - SHMRING_L2_OVERHEAD;
	if (max_mtu > SHMRING_MAX_MTU)
		max_mtu = SHMRING_MAX_MTU;
	pa.mtu = SHMRING_MIN_MTU + fz_u16(&in) % (max_mtu - SHMRING_MIN_MTU + 1);
	start = fz_u32(&in);
	FZ_CHECK(shmring_params_check(&pa, NULL, 0) == SHMRING_OK, "params");

	memset(&f, 0, sizeof(f));
	f.info.params = pa;
	FZ_CHECK(shmring_layout(&pa, &f.info.layout) == SHMRING_OK, "layout");
	fz_check_layout(&pa, &f.info.layout);
	/* the layout depends on queue pairs, ring size and slot size only */
	f.base = region_get(((b0 & 1) * 3 + b1 % 3) * 13 + (b1 >> 2) % 13,
			    f.info.layout.region_size);
	shmring_region_init(f.base, &pa, &f.info.layout, 1);
	r = (b0 >> 2) % (2u * pa.n_qp);
	rp = r ^ 1;
	f.ch = ring_at(&f, r);
	f.cdesc = (struct shmring_desc *)(f.ch + 1);
	f.ph = ring_at(&f, rp);
	/* Free-running indices from anywhere, to cross the u32 wrap. */
	f.ch->prod = f.ch->cons = start;
	f.ph->prod = f.ph->cons = ~start;
	f.peer_prod = start;
	poison_region(&f, r, rp);
	FZ_CHECK(shmring_cons_init(&f.c, f.base, &f.info, r) == SHMRING_OK,
		 "cons_init");
	FZ_CHECK(shmring_prod_init(&f.p, f.base, &f.info, rp) == SHMRING_OK,
		 "prod_init");
	mask = pa.ring_size - 1;

	for (ops = 0; in.left > 0 && ops < MAX_OPS; ops++) {
		uint8_t op = fz_u8(&in);
		struct shmring_desc *d;
		uint32_t k;

		switch (op % 10) {
		case 0:	/* peer writes a raw descriptor */
			k = fz_u8(&in);
			d = &f.cdesc[(f.peer_prod + k) & mask];
			fz_bytes(&in, d, sizeof(*d));
			break;
		case 1:	/* peer writes a plausible descriptor */
			k = fz_u8(&in);
			d = &f.cdesc[(f.peer_prod + k) & mask];
			memset(d, 0, sizeof(*d));
			d->offset = fz_u32(&in) % (uint32_t)(f.info.layout.buf_size + 64);
			d->len = 1 + fz_u16(&in) % (pa.slot_size + 8);
			d->flags = fz_u8(&in) & 3;
			break;
		case 2:	/* peer publishes some descriptors */
			f.peer_prod += 1 + fz_u8(&in) % pa.ring_size;
			shmring_store_release(&f.ch->prod, f.peer_prod);
			break;
		case 3:	/* peer writes any producer index */
			f.peer_prod = fz_u32(&in);
			shmring_store_release(&f.ch->prod, f.peer_prod);
			break;
		case 4:
			op_rx(&f, 1 + fz_u8(&in) % 64);
			break;
		case 5:
			op_dequeue(&f, fz_u8(&in));
			break;
		case 6:	/* peer scribbles on our consumer index */
			f.ch->cons = fz_u32(&in);
			break;
		case 7:
			op_restart(&f, r);
			f.peer_prod = f.ch->prod;
			break;
		case 8:	/* peer (consumer of ring rp) moves its index */
			f.ph->cons = (fz_u8(&in) & 1) ? fz_u32(&in) :
				f.p.prod - fz_u8(&in) % (pa.ring_size + 2);
			break;
		case 9:
			op_tx(&f, fz_u8(&in));
			break;
		}
	}
	ASAN_UNPOISON_MEMORY_REGION(f.base, f.info.layout.region_size);
	return 0;
}
