/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Step 5 of run.sh: the link from an accepted header to cons_ok
 * (contracts.h), for EVERY geometry, by exhaustive execution rather than
 * by Frama-C.  For each (n_qp, ring_size, slot_size) that
 * shmring_params_check() and shmring_layout() accept (all 163 360
 * combinations are tried), it builds the info shmring_region_check()
 * returns on success, runs the library's own shmring_cons_init() and
 * shmring_prod_init() on every ring, and checks that the pointers they
 * produce satisfy the memory part of cons_ok:
 *
 *   hdr[0 .. 127], desc[0 .. mask], buf[0 .. buf_size-1] (and, for the
 *   producer, its ring_size default slots) lie inside
 *   [base, base + region_size), and the rings end before the buffer area.
 *
 * The MTU and the features do not enter any pointer; their ranges are
 * proved for every header in step 1.  The region is one lazily mapped
 * 4 GiB + 4 KiB area (MAP_NORESERVE): the init functions read only the
 * ring indices, which are zero pages.
 *
 * This is a proof by exhaustion of a finite domain, executed by the C
 * compiler's translation of lib/shmring/shmring_region.c, not a Frama-C
 * proof.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "shmring_region.h"

static const uint8_t *lo, *hi;	/* the region of the current geometry */
static unsigned long bad;

static void
in_region(const char *what, const void *p, uint64_t len,
	  const struct shmring_params *pa, unsigned int r)
{
	const uint8_t *b = p;

	if (b < lo || b > hi || len > (uint64_t)(hi - b)) {
		if (bad++ < 10)
			fprintf(stderr, "layout_all: n_qp %u ring %u slot %u, "
				"ring %u: %s [%p, +%llu) outside [%p, %p)\n",
				pa->n_qp, pa->ring_size, pa->slot_size, r,
				what, p, (unsigned long long)len,
				(const void *)lo, (const void *)hi);
	}
}

int
main(void)
{
	const uint64_t map_size = SHMRING_MAX_REGION_SIZE + SHMRING_PAGE_SIZE;
	unsigned long tried = 0, accepted = 0, rings = 0;
	struct shmring_region_info info;
	struct shmring_cons c;
	struct shmring_prod p;
	uint32_t rs, ss;
	unsigned int n, r;
	uint8_t *base;

	base = mmap(NULL, map_size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED) {
		perror("layout_all: mmap");
		return 2;
	}
	for (n = 1; n <= SHMRING_MAX_QUEUE_PAIRS; n++)
	for (rs = SHMRING_MIN_RING_SIZE; rs <= SHMRING_MAX_RING_SIZE; rs *= 2)
	for (ss = SHMRING_MIN_SLOT_SIZE; ss <= SHMRING_MAX_SLOT_SIZE;
	     ss += SHMRING_CACHE_LINE) {
		struct shmring_params *pa = &info.params;

		tried++;
		*pa = (struct shmring_params){ .features = 0, .n_qp = n,
			.ring_size = rs, .slot_size = ss,
			.mtu = SHMRING_MIN_MTU };
		if (shmring_params_check(pa, NULL, 0) != SHMRING_OK) {
			fprintf(stderr, "layout_all: params refused\n");
			return 1;
		}
		if (shmring_layout(pa, &info.layout) != SHMRING_OK)
			continue;	/* more than 4 GiB: the header is refused */
		accepted++;
		lo = base;
		hi = base + info.layout.region_size;
		for (r = 0; r < 2u * n; r++) {
			rings++;
			if (shmring_cons_init(&c, base, &info, r) != SHMRING_OK ||
			    shmring_prod_init(&p, base, &info, r) != SHMRING_OK) {
				fprintf(stderr, "layout_all: init refused\n");
				return 1;
			}
			in_region("cons hdr", c.hdr, sizeof(*c.hdr), pa, r);
			in_region("cons desc", c.desc,
				  ((uint64_t)c.mask + 1) * sizeof(*c.desc), pa, r);
			in_region("cons buf", c.buf, c.buf_size, pa, r);
			in_region("prod hdr", p.hdr, sizeof(*p.hdr), pa, r);
			in_region("prod desc", p.desc,
				  ((uint64_t)p.mask + 1) * sizeof(*p.desc), pa, r);
			in_region("prod slots", p.slots,
				  (uint64_t)p.size * p.slot_size, pa, r);
			/* rings end where the buffer area begins, at the latest */
			if ((const uint8_t *)(c.desc + c.mask + 1) > c.buf ||
			    c.slot_size != ss || c.mask != rs - 1 ||
			    c.buf_size != info.layout.buf_size)
				in_region("ring/buffer overlap", c.buf, ~0ull,
					  pa, r);
		}
	}
	printf("layout_all: %lu geometries tried, %lu accepted, %lu rings: "
	       "%lu outside the region\n", tried, accepted, rings, bad);
	return bad != 0;
}
