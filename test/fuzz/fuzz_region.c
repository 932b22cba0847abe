/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * The region-header check DomS runs on a freshly mapped guest region
 * (shmring_ep_doms_verify: shmring_region_check, then the match against
 * the OFFER), with the header, the mapped size and the OFFER all chosen
 * by a hostile guest.
 *
 * Input: 256 header bytes; one mode byte (bit 0: the mapped size is the
 * header's own region_size, as with an honest fd; bit 1: the OFFER is
 * the one the header implies, else 32 raw bytes follow); the rest feeds
 * the mapped size and the OFFER.
 *
 * The header lives in an allocation of exactly sizeof(header) bytes:
 * the check promises to read nothing past it, and ASan holds it to that.
 *
 * Properties of an accepted region:
 *  - the private copy equals the header, and matches the OFFER;
 *  - the layout is the canonical one and satisfies fz_check_layout();
 *  - on a real allocation of exactly region_size bytes (small regions),
 *    producer and consumer ends of every ring set up from it, and their
 *    descriptors and slots, lie inside the region (ASan checks each
 *    touch), and the default slots of the rings do not overlap.
 */

#include <stdbool.h>

#include "fuzz.h"
#include "fuzz_layout.h"
#include "shmring_handshake.h"
#include "shmring_transport.h"

/* Regions up to this size are also allocated and walked. */
#define WALK_MAX	(1u << 20)

static void
walk_rings(const struct shmring_region_hdr *hdr,
	   const struct shmring_region_info *info)
{
	const struct shmring_params *pa = &info->params;
	uint64_t size = info->layout.region_size;
	uint8_t *base = malloc(size);
	unsigned int r, nr = 2u * pa->n_qp;
	uint64_t slots_end = 0;

	FZ_CHECK(base != NULL, "malloc %llu", (unsigned long long)size);
	/* Only the header and the ring indices are read; zero rings. */
	memset(base, 0, info->layout.buf_offset);
	memcpy(base, hdr, sizeof(*hdr));
	for (r = 0; r < nr; r++) {
		struct shmring_prod p;
		struct shmring_cons c;
		uint64_t off;

		FZ_CHECK(shmring_prod_init(&p, base, info, r) == SHMRING_OK,
			 "prod_init ring %u", r);
		FZ_CHECK(shmring_cons_init(&c, base, info, r) == SHMRING_OK,
			 "cons_init ring %u", r);
		/* First and last descriptor, ring header: writable. */
		p.desc[0].meta = 0;
		p.desc[pa->ring_size - 1].meta = 0;
		shmring_prod_commit(&p, 0);
		shmring_cons_release(&c, 0);
		/* The ring ends before the buffer area. */
		off = (uint64_t)((uint8_t *)&p.desc[pa->ring_size] - base);
		FZ_CHECK(off <= info->layout.buf_offset,
			 "ring %u ends at %llu, buffers at %llu", r,
			 (unsigned long long)off,
			 (unsigned long long)info->layout.buf_offset);
		/* Default slots: in order, inside the buffer area. */
		off = (uint64_t)(p.slots - base);
		FZ_CHECK(off == info->layout.buf_offset + slots_end,
			 "ring %u slots at %llu", r, (unsigned long long)off);
		p.slots[0] = 1;
		p.slots[(size_t)pa->ring_size * pa->slot_size - 1] = 1;
		slots_end += (uint64_t)pa->ring_size * pa->slot_size;
		FZ_CHECK(slots_end <= c.buf_size, "slots past the area");
		/* The consumer's view of the whole buffer area. */
		FZ_CHECK(c.buf == base + info->layout.buf_offset &&
			 c.buf_size == info->layout.buf_size, "cons view");
		(void)*(volatile const uint8_t *)&c.buf[c.buf_size - 1];
		FZ_CHECK(c.max_frame == shmring_max_frame(pa->mtu), "max_frame");
	}
	free(base);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	struct shmring_region_hdr *hdr, h;
	struct shmring_region_info info;
	struct shmring_msg_offer offer;
	char why[SHMRING_WHY_MAX];
	uint64_t mapped;
	uint8_t mode;
	int rc;

	hdr = malloc(sizeof(*hdr));
	FZ_CHECK(hdr != NULL, "malloc");
	fz_bytes(&in, hdr, sizeof(*hdr));
	h = *hdr;
	mode = fz_u8(&in);
	mapped = (mode & 1) ? h.region_size : fz_u64(&in);
	if (mode & 2) {
		memset(&offer, 0, sizeof(offer));
		offer.features = h.features;
		offer.n_qp = h.n_qp;
		offer.ring_size = h.ring_size;
		offer.slot_size = h.slot_size;
		offer.mtu = h.mtu;
		offer.guest_epoch = h.guest.epoch;
		offer.region_size = mapped;
	} else {
		fz_bytes(&in, &offer, sizeof(offer));
	}

	why[0] = '\0';
	rc = shmring_ep_doms_verify(hdr, mapped, &offer, &info, why,
				    sizeof(why));
	FZ_CHECK(!memcmp(hdr, &h, sizeof(h)), "the check wrote the header");
	FZ_SAY("region: %s %s\n", shmring_errname(rc), why);
	if (rc != SHMRING_OK) {
		FZ_CHECK(rc >= SHMRING_E_HDR_MAGIC &&
			 rc <= SHMRING_E_HDR_MISMATCH, "rc %d", rc);
		FZ_CHECK(fz_printable(why, sizeof(why)), "why: %s", why);
		free(hdr);
		return 0;
	}

	FZ_CHECK(h.magic == SHMRING_MAGIC && h.version == SHMRING_VERSION &&
		 h.hdr_size == SHMRING_PAGE_SIZE, "identity fields");
	FZ_CHECK(h.region_size == mapped &&
		 info.layout.region_size == mapped, "size vs mapping");
	FZ_CHECK(info.params.features == h.features &&
		 info.params.n_qp == h.n_qp &&
		 info.params.ring_size == h.ring_size &&
		 info.params.slot_size == h.slot_size &&
		 info.params.mtu == h.mtu &&
		 !memcmp(info.params.mac, h.mac, 6), "params differ");
	FZ_CHECK(info.layout.rings_offset == h.rings_offset &&
		 info.layout.ring_stride == h.ring_stride &&
		 info.layout.buf_offset == h.buf_offset &&
		 info.layout.buf_size == h.buf_size, "layout differs");
	FZ_CHECK(offer.features == h.features && offer.n_qp == h.n_qp &&
		 offer.ring_size == h.ring_size &&
		 offer.slot_size == h.slot_size && offer.mtu == h.mtu &&
		 offer.region_size == mapped &&
		 offer.guest_epoch == h.guest.epoch, "offer mismatch passed");
	FZ_CHECK(shmring_params_check(&info.params, NULL, 0) == SHMRING_OK,
		 "params");
	fz_check_layout(&info.params, &info.layout);
	if (mapped <= WALK_MAX)
		walk_rings(&h, &info);
	free(hdr);
	return 0;
}
