/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Eva harness 2: the data path of both sides on whole regions of fixed
 * geometry (instances), with a peer that may write any byte of the
 * region at any moment.
 *
 * The region of each instance is a 'volatile' array: Eva then gives
 * every read of it, through any pointer, an arbitrary value of the type
 * read, even two reads of the same byte in one function.  That is a
 * peer that writes concurrently, all the time, anything (it also means a
 * double fetch cannot hide behind a value read earlier).  Only the
 * geometry is fixed: the header that the region check accepts says
 * n_qp/ring_size/slot_size/mtu/features of the instance; the indices,
 * descriptors, slot data and the rest of the header are arbitrary.
 *
 * For every ring of the region, both ends are set up (shmring_cons_init,
 * shmring_prod_init read the indices the peer left) and then driven in
 * an unbounded loop of arbitrary operations with arbitrary arguments:
 * cons_avail + a frame walk (cons_frame) + release, dequeue_burst;
 * prod_free + writing the first and last byte of the default slot and
 * the descriptor of every free entry + commit.  Eva must show no alarm (no out-of-bounds access, no
 * uninitialised read, no undefined arithmetic) and that the contract of
 * each consumer function holds on entry at every call: that contract is
 * the precondition under which test/proof/ring_wp.c proves, for any
 * geometry, that a validated segment lies inside the buffer area.
 */

#include <stdint.h>
#include <string.h>
#include "__fc_builtin.h"

#include "shmring_region.h"
#include "contracts.h"

static uint32_t
nondet_u32(void)
{
	return Frama_C_unsigned_int_interval(0, UINT32_MAX);
}

/* One consumer end, driven forever with arbitrary requests. */
static void
drive_cons(struct shmring_cons *c)
{
	struct shmring_desc segs[SHMRING_MAX_SEGS];
	struct shmring_desc out[SHMRING_MAX_SEGS];
	uint32_t avail, used, nd, len, n;
	int err;

	while (Frama_C_nondet(0, 1)) {
		err = SHMRING_OK;
		if (Frama_C_nondet(0, 1)) {
			/* The PMD's rx path: avail, frames, release. */
			avail = shmring_cons_avail(c, nondet_u32(), &err);
			if (err != SHMRING_OK)
				return;		/* the port stops */
			used = 0;
			while (used < avail && Frama_C_nondet(0, 1)) {
				nd = shmring_cons_frame(c, used, avail, segs,
							&len, &err);
				if (nd == 0)
					return;
				used += nd;
			}
			if (used > 0)
				shmring_cons_release(c, used);
		} else {
			n = Frama_C_unsigned_int_interval(0,
							  SHMRING_MAX_SEGS);
			shmring_dequeue_burst(c, out, n, &err);
			if (err != SHMRING_OK)
				return;
		}
	}
}

/*
 * One producer end: the PMD's tx path, which fills whole default slots.
 * (Not shmring_enqueue_burst(): its wrap-around copy is in bounds only
 * because of the producer's private invariant prod - cons_seen <=
 * ring_size, which Eva, being non-relational, cannot track.  See
 * README.md, "What is left".)
 */
static void
drive_prod(struct shmring_prod *p)
{
	uint32_t free_slots, i, off, n;
	int err;

	while (Frama_C_nondet(0, 1)) {
		err = SHMRING_OK;
		free_slots = shmring_prod_free(p, nondet_u32(), &err);
		if (err != SHMRING_OK)
			return;
		n = Frama_C_unsigned_int_interval(0, free_slots);
		for (i = 0; i < n; i++) {
			uint8_t *s = shmring_prod_slot(p, i, &off);
			struct shmring_desc *d = shmring_prod_desc(p, i);

			/* Every byte of the slot may be written. */
			s[0] = 1;
			s[p->slot_size - 1] = 1;
			d->offset = off;
			d->len = p->slot_size;
			d->flags = 0;
		}
		shmring_prod_commit(p, n);
	}
}

static void
run_instance(volatile uint8_t *region, uint64_t region_size,
	     uint32_t features, uint16_t n_qp, uint32_t ring_size,
	     uint32_t slot_size, uint32_t mtu)
{
	struct shmring_region_info info;
	struct shmring_cons c;
	struct shmring_prod p;
	unsigned int r;

	/*
	 * What shmring_region_check() returns when it accepts a header of
	 * this geometry: the header's params, and the layout it recomputes
	 * from them with shmring_layout(), whose region_size must equal the
	 * mapped size (region_check's last test).  The check itself is
	 * proved for every header in hdr_check.c; it is not rerun here
	 * because the region is volatile (every read of it is arbitrary).
	 */
	info.params.features = features;
	info.params.n_qp = n_qp;
	info.params.ring_size = ring_size;
	info.params.slot_size = slot_size;
	info.params.mtu = mtu;
	Frama_C_make_unknown((char *)info.params.mac, sizeof(info.params.mac));
	if (shmring_params_check(&info.params, NULL, 0) != SHMRING_OK ||
	    shmring_layout(&info.params, &info.layout) != SHMRING_OK ||
	    info.layout.region_size != region_size)
		return;
	/* run.sh demands one of these per instance: the instance is real. */
	Frama_C_show_each_instance_accepted(region_size, info.layout.buf_size);
	for (r = 0; r < 2u * n_qp; r++) {
		if (shmring_cons_init(&c, (void *)region, &info, r) == SHMRING_OK)
			drive_cons(&c);
		if (shmring_prod_init(&p, (void *)region, &info, r) == SHMRING_OK)
			drive_prod(&p);
	}
}

/*
 * Instances: the smallest ring and slot, chains of up to 38 segments,
 * 16 queue pairs, the largest ring, and a 2 GiB buffer area with the
 * largest slot.  Sizes are the canonical layout (docs/protocol.md 2).
 */
#define REGION_A  270336ull		/* 1 qp, 64 x 2048 */
#define REGION_B  40960ull		/* 1 qp, 64 x 256, multi-seg, MTU 9600 */
#define REGION_C  67641344ull		/* 16 qp, 1024 x 2048 */
#define REGION_D  17833984ull		/* 1 qp, 32768 x 256 */
#define REGION_E  2148016128ull		/* 1 qp, 16384 x 65536, multi-seg */

static volatile uint8_t region_a[REGION_A];
static volatile uint8_t region_b[REGION_B];
static volatile uint8_t region_c[REGION_C];
static volatile uint8_t region_d[REGION_D];
static volatile uint8_t region_e[REGION_E];

int
main(void)
{
	run_instance(region_a, REGION_A, 0, 1, 64, 2048, 1500);
	run_instance(region_b, REGION_B, SHMRING_F_MULTI_SEG, 1, 64, 256, 9600);
	run_instance(region_c, REGION_C, 0, 16, 1024, 2048, 1500);
	run_instance(region_d, REGION_D, 0, 1, 32768, 256, 200);
	run_instance(region_e, REGION_E, SHMRING_F_MULTI_SEG, 1, 16384, 65536,
		     9600);
	return 0;
}
