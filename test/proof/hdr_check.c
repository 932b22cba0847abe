/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Eva harness 1: the region-header check DomS runs on a region a hostile
 * guest wrote (shmring_ep_doms_verify() -> shmring_region_check() ->
 * shmring_params_check(), shmring_layout(), shmring_offer_match()).
 *
 * General, not an instance: every byte of the header page, every field
 * of the OFFER and the mapped size are arbitrary (Eva: the whole range of
 * their type).  Two cases cover every mapped size:
 *
 *   size in [0, 4095]:     base is NULL, so any read of the region at
 *                          all would be an alarm.  Proves the check
 *                          touches nothing before it knows the header fits.
 *   size in [4096, 2^64):  base is a 4096-byte page of unknown bytes.  The
 *                          real mapping is at least that long, so a read
 *                          that Eva proves inside the page is inside the
 *                          region.  Proves every read lies in page 0.
 *
 * Writes go only to the caller's private info and 'why' buffers, whose
 * bounds Eva checks too.  On success, the ranges the data path relies on
 * (slot size, MTU, ring size, ...) are asserted and must be proved.
 */

#include <stdint.h>
#include <string.h>
#include "__fc_builtin.h"

#include "shmring_transport.h"

static uint8_t page0[SHMRING_PAGE_SIZE];

static void
any_offer(struct shmring_msg_offer *o)
{
	Frama_C_make_unknown((char *)o, sizeof(*o));
}

void
proof_hdr_small(void)
{
	struct shmring_msg_offer offer;
	struct shmring_region_info info;
	char why[SHMRING_WHY_MAX];
	uint64_t size = Frama_C_unsigned_long_long_interval(0,
					SHMRING_PAGE_SIZE - 1);

	any_offer(&offer);
	shmring_ep_doms_verify(NULL, size, &offer, &info, why, sizeof(why));
}

void
proof_hdr_page(void)
{
	struct shmring_msg_offer offer;
	struct shmring_region_info info;
	char why[SHMRING_WHY_MAX];
	uint64_t size = Frama_C_unsigned_long_long_interval(SHMRING_PAGE_SIZE,
							    UINT64_MAX);
	int rc;

	Frama_C_make_unknown((char *)page0, sizeof(page0));
	any_offer(&offer);
	rc = shmring_ep_doms_verify(page0, size, &offer, &info, why,
				    sizeof(why));
	if (rc == SHMRING_OK) {
		/*
		 * What the data path takes from an accepted header, for every
		 * header: the ranges cons_ok (contracts.h) needs and the
		 * layout's fixed parts.
		 */
		/*@ assert accepted_params:
			1 <= info.params.n_qp <= 16 &&
			64 <= info.params.ring_size <= 32768 &&
			256 <= info.params.slot_size <= 65536 &&
			info.params.slot_size % 64 == 0 &&
			68 <= info.params.mtu <= 9600; */
		/*@ assert accepted_layout:
			info.layout.rings_offset == 4096 &&
			info.layout.region_size <= 4294967296 &&
			info.layout.buf_offset >= 4096; */
	}
	Frama_C_show_each_verify_rc(rc);
}

int
main(void)
{
	proof_hdr_small();
	proof_hdr_page();
	return 0;
}
