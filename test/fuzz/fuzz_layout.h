/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * What every layout the library computes or accepts must satisfy,
 * written from docs/protocol.md ("The region") rather than from
 * shmring_layout(): header page first, then 2 * n_qp rings that do not
 * overlap, then a page-aligned buffer area of one slot per descriptor,
 * all inside a region of whole pages of at most 4 GiB.
 */

#ifndef XENSHM_FUZZ_LAYOUT_H
#define XENSHM_FUZZ_LAYOUT_H

#include "fuzz.h"
#include "shmring_region.h"

static inline void
fz_check_layout(const struct shmring_params *p, const struct shmring_layout *l)
{
	uint64_t n_rings = 2ull * p->n_qp;
	uint64_t ring_bytes = SHMRING_RING_HDR_SIZE +
		(uint64_t)p->ring_size * sizeof(struct shmring_desc);

	FZ_CHECK(l->rings_offset >= SHMRING_PAGE_SIZE, "rings in the header");
	FZ_CHECK(l->ring_stride >= ring_bytes &&
		 l->ring_stride % SHMRING_CACHE_LINE == 0,
		 "stride %u for %llu ring bytes", l->ring_stride,
		 (unsigned long long)ring_bytes);
	FZ_CHECK(l->rings_offset + n_rings * l->ring_stride <= l->buf_offset,
		 "rings overlap the buffer area");
	FZ_CHECK(l->buf_offset % SHMRING_PAGE_SIZE == 0, "buffers unaligned");
	FZ_CHECK(l->buf_size == n_rings * p->ring_size * p->slot_size,
		 "buffer area is not one slot per descriptor");
	FZ_CHECK(l->buf_offset + l->buf_size <= l->region_size,
		 "buffer area past the region");
	FZ_CHECK(l->region_size % SHMRING_PAGE_SIZE == 0 &&
		 l->region_size <= SHMRING_MAX_REGION_SIZE,
		 "region size %llu", (unsigned long long)l->region_size);
}

#endif /* XENSHM_FUZZ_LAYOUT_H */
