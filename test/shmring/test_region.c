/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Region header rules: a header a guest wrote is checked field by field
 * by shmring_region_check(), each broken rule with its own code and a
 * sentence; and the layout is the one docs/protocol.md describes.
 */

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "shmring_endpoint.h"
#include "tst.h"

static const struct shmring_params base_params = {
	.features = 0,
	.n_qp = 2,
	.ring_size = 256,
	.slot_size = 2048,
	.mtu = 1500,
	.mac = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 },
};

static struct shmring_layout base_layout;
static uint8_t *region;

/* A fresh valid region, then 'mutate' breaks one thing in the header. */
static int
check_with(void (*mutate)(struct shmring_region_hdr *h), uint64_t mapped,
	   const char *name, int want)
{
	struct shmring_region_info info;
	char why[SHMRING_WHY_MAX] = "";
	int rc;

	shmring_region_init(region, &base_params, &base_layout, 7);
	if (mutate != NULL)
		mutate((struct shmring_region_hdr *)region);
	rc = shmring_region_check(region, mapped, &info, why, sizeof(why));
	if (rc != want)
		TST_FAIL("%s: got %s (%s), expected %s", name,
			 shmring_errname(rc), why, shmring_errname(want));
	if (want != SHMRING_OK && why[0] == '\0')
		TST_FAIL("%s: no reason given", name);
	return rc;
}

#define MUT(name, stmt)							\
	static void name(struct shmring_region_hdr *h) { stmt; }

MUT(m_magic, h->magic ^= 1)
MUT(m_version0, h->version = 0)
MUT(m_version2, h->version = 2)
MUT(m_features, h->features = 1u << 5)
MUT(m_features_hi, h->features = 0x80000000u)
MUT(m_hdr_size, h->hdr_size = 8192)
MUT(m_region_bigger, h->region_size += 4096)
MUT(m_region_smaller, h->region_size -= 4096)
MUT(m_qp0, h->n_qp = 0)
MUT(m_qp17, h->n_qp = 17)
MUT(m_qp_max, h->n_qp = 0xffff)
MUT(m_ring0, h->ring_size = 0)
MUT(m_ring_npow2, h->ring_size = 96)
MUT(m_ring_small, h->ring_size = 32)
MUT(m_ring_big, h->ring_size = 65536)
MUT(m_ring_huge, h->ring_size = 0x80000000u)
MUT(m_slot_small, h->slot_size = 192)
MUT(m_slot_unaligned, h->slot_size = 2000)
MUT(m_slot_big, h->slot_size = 65536 + 64)
MUT(m_mtu_small, h->mtu = 67)
MUT(m_mtu_big, h->mtu = 9601)
MUT(m_mtu_frame, h->mtu = 2048)	/* 2070-byte frames, 2048-byte slots */
MUT(m_rings_off, h->rings_offset = 8192)
MUT(m_stride, h->ring_stride += 64)
MUT(m_stride_small, h->ring_stride = 64)
MUT(m_buf_off, h->buf_offset -= 4096)
MUT(m_buf_off_far, h->buf_offset = 1ull << 40)
MUT(m_buf_size, h->buf_size += 1)
MUT(m_buf_size_huge, h->buf_size = UINT64_MAX)
/* Smaller rings than the layout was made for: region too big for them. */
MUT(m_layout_params, h->ring_size = 128)
MUT(m_multiseg_ok, h->features = SHMRING_F_MULTI_SEG)

static void
test_header_rules(void)
{
	uint64_t sz = base_layout.region_size;

	check_with(NULL, sz, "valid", SHMRING_OK);
	check_with(m_magic, sz, "magic", SHMRING_E_HDR_MAGIC);
	check_with(m_version0, sz, "version 0", SHMRING_E_HDR_VERSION);
	check_with(m_version2, sz, "version 2", SHMRING_E_HDR_VERSION);
	check_with(m_features, sz, "unknown feature", SHMRING_E_HDR_FEATURES);
	check_with(m_features_hi, sz, "feature bit 31",
		   SHMRING_E_HDR_FEATURES);
	check_with(m_hdr_size, sz, "hdr_size", SHMRING_E_HDR_SIZE);
	check_with(m_region_bigger, sz, "region_size > mapped",
		   SHMRING_E_HDR_SIZE);
	check_with(m_region_smaller, sz, "region_size < mapped",
		   SHMRING_E_HDR_SIZE);
	check_with(NULL, 4095, "mapped less than a page", SHMRING_E_HDR_SIZE);
	check_with(NULL, sz - 4096, "mapped less than the header says",
		   SHMRING_E_HDR_SIZE);
	check_with(m_qp0, sz, "no queue pairs", SHMRING_E_HDR_QUEUES);
	check_with(m_qp17, sz, "17 queue pairs", SHMRING_E_HDR_QUEUES);
	check_with(m_qp_max, sz, "65535 queue pairs", SHMRING_E_HDR_QUEUES);
	check_with(m_ring0, sz, "ring size 0", SHMRING_E_HDR_RING_SIZE);
	check_with(m_ring_npow2, sz, "ring size 96", SHMRING_E_HDR_RING_SIZE);
	check_with(m_ring_small, sz, "ring size 32", SHMRING_E_HDR_RING_SIZE);
	check_with(m_ring_big, sz, "ring size 65536", SHMRING_E_HDR_RING_SIZE);
	check_with(m_ring_huge, sz, "ring size 2^31", SHMRING_E_HDR_RING_SIZE);
	check_with(m_slot_small, sz, "slot 192", SHMRING_E_HDR_SLOT_SIZE);
	check_with(m_slot_unaligned, sz, "slot 2000", SHMRING_E_HDR_SLOT_SIZE);
	check_with(m_slot_big, sz, "slot 65600", SHMRING_E_HDR_SLOT_SIZE);
	check_with(m_mtu_small, sz, "MTU 67", SHMRING_E_HDR_MTU);
	check_with(m_mtu_big, sz, "MTU 9601", SHMRING_E_HDR_MTU);
	check_with(m_mtu_frame, sz, "frame larger than a slot",
		   SHMRING_E_HDR_MTU);
	check_with(m_rings_off, sz, "rings_offset", SHMRING_E_HDR_LAYOUT);
	check_with(m_stride, sz, "ring_stride larger", SHMRING_E_HDR_LAYOUT);
	check_with(m_stride_small, sz, "rings overlap",
		   SHMRING_E_HDR_LAYOUT);
	check_with(m_buf_off, sz, "buffers overlap rings",
		   SHMRING_E_HDR_LAYOUT);
	check_with(m_buf_off_far, sz, "buffers past the end",
		   SHMRING_E_HDR_LAYOUT);
	check_with(m_buf_size, sz, "buf_size", SHMRING_E_HDR_LAYOUT);
	check_with(m_buf_size_huge, sz, "buf_size huge", SHMRING_E_HDR_LAYOUT);
	check_with(m_layout_params, sz, "params need a smaller region",
		   SHMRING_E_HDR_LAYOUT);
	/* Multi-seg changes nothing in the layout: still valid. */
	check_with(m_multiseg_ok, sz, "multi-seg on", SHMRING_OK);
}

/* What region_check returns is the header, copied and complete. */
static void
test_info(void)
{
	struct shmring_region_info info;
	const struct shmring_region_hdr *h;
	char why[SHMRING_WHY_MAX];

	shmring_region_init(region, &base_params, &base_layout, 42);
	CHECK_RC(shmring_region_check(region, base_layout.region_size, &info,
				      why, sizeof(why)), SHMRING_OK);
	CHECK(memcmp(&info.layout, &base_layout, sizeof(base_layout)) == 0);
	CHECK_EQ(info.params.n_qp, 2);
	CHECK_EQ(info.params.ring_size, 256);
	CHECK_EQ(info.params.slot_size, 2048);
	CHECK_EQ(info.params.mtu, 1500);
	CHECK(memcmp(info.params.mac, base_params.mac, 6) == 0);
	h = (const struct shmring_region_hdr *)region;
	CHECK_EQ(h->guest.epoch, 42);
	CHECK_EQ(h->guest.live, SHMRING_SIDE_INIT);
	CHECK_EQ(h->doms.live, SHMRING_SIDE_GONE);
	CHECK_EQ(h->doms.epoch, 0);
}

/* The worked example of docs/protocol.md, and the wire offsets. */
static void
test_layout(void)
{
	struct shmring_params p = {
		.n_qp = 1, .ring_size = 1024, .slot_size = 2048, .mtu = 1500,
	};
	struct shmring_layout l;

	CHECK_RC(shmring_layout(&p, &l), SHMRING_OK);
	CHECK_EQ(l.rings_offset, 4096);
	CHECK_EQ(l.ring_stride, 128 + 1024 * 16);
	CHECK_EQ(l.buf_offset, 40960);
	CHECK_EQ(l.buf_size, 2 * 1024 * 2048);
	CHECK_EQ(l.region_size, 40960 + 4194304);

	/* Largest: 16 pairs of 32768 x 64 KiB slots is 64 GiB: refused. */
	p.n_qp = 16;
	p.ring_size = 32768;
	p.slot_size = 65536;
	CHECK_RC(shmring_layout(&p, &l), SHMRING_E_HDR_SIZE);
	/* Invalid params have no layout. */
	p.ring_size = 100;
	CHECK_RC(shmring_layout(&p, &l), SHMRING_E_CONFIG);

	/* Offsets docs/protocol.md states. */
	CHECK_EQ(offsetof(struct shmring_region_hdr, magic), 0);
	CHECK_EQ(offsetof(struct shmring_region_hdr, version), 4);
	CHECK_EQ(offsetof(struct shmring_region_hdr, features), 8);
	CHECK_EQ(offsetof(struct shmring_region_hdr, hdr_size), 12);
	CHECK_EQ(offsetof(struct shmring_region_hdr, region_size), 16);
	CHECK_EQ(offsetof(struct shmring_region_hdr, n_qp), 24);
	CHECK_EQ(offsetof(struct shmring_region_hdr, ring_size), 28);
	CHECK_EQ(offsetof(struct shmring_region_hdr, slot_size), 32);
	CHECK_EQ(offsetof(struct shmring_region_hdr, mtu), 36);
	CHECK_EQ(offsetof(struct shmring_region_hdr, rings_offset), 40);
	CHECK_EQ(offsetof(struct shmring_region_hdr, ring_stride), 44);
	CHECK_EQ(offsetof(struct shmring_region_hdr, buf_offset), 48);
	CHECK_EQ(offsetof(struct shmring_region_hdr, buf_size), 56);
	CHECK_EQ(offsetof(struct shmring_region_hdr, mac), 64);
	CHECK_EQ(offsetof(struct shmring_region_hdr, guest), 128);
	CHECK_EQ(offsetof(struct shmring_region_hdr, doms), 192);
	CHECK_EQ(SHMRING_HDR_GUEST_LIVE_OFFSET, 128);
	CHECK_EQ(SHMRING_HDR_DOMS_LIVE_OFFSET, 192);
	CHECK_EQ(offsetof(struct shmring_side, epoch), 4);
	CHECK_EQ(offsetof(struct shmring_side, heartbeat), 8);
	CHECK_EQ(offsetof(struct shmring_ring_hdr, cons), 64);
	CHECK_EQ(offsetof(struct shmring_desc, len), 4);
	CHECK_EQ(offsetof(struct shmring_desc, flags), 8);
	CHECK_EQ(offsetof(struct shmring_desc, meta), 12);
}

/* params_check directly, with the sentences the handshake forwards. */
static void
test_params(void)
{
	struct shmring_params p = base_params;
	char why[SHMRING_WHY_MAX] = "";

	CHECK_RC(shmring_params_check(&p, why, sizeof(why)), SHMRING_OK);
	p.ring_size = 3;
	CHECK_RC(shmring_params_check(&p, why, sizeof(why)),
		 SHMRING_E_HDR_RING_SIZE);
	CHECK_STR(why, "ring size 3");
	CHECK_STR(why, "power of two");
	p = base_params;
	p.mtu = 9000;
	CHECK_RC(shmring_params_check(&p, why, sizeof(why)), SHMRING_E_HDR_MTU);
	CHECK_STR(why, "multi-seg is off");
	p.features = SHMRING_F_MULTI_SEG;
	CHECK_RC(shmring_params_check(&p, why, sizeof(why)), SHMRING_OK);
	/* NULL why is allowed. */
	p.n_qp = 0;
	CHECK_RC(shmring_params_check(&p, NULL, 0), SHMRING_E_HDR_QUEUES);
}

int
main(void)
{
	tst_watchdog(60);
	if (shmring_layout(&base_params, &base_layout) != SHMRING_OK)
		return 1;
	region = aligned_alloc(SHMRING_PAGE_SIZE, base_layout.region_size);
	if (region == NULL)
		return 1;
	tst_run("region header rules", test_header_rules);
	tst_run("region info is the header", test_info);
	tst_run("region layout and wire offsets", test_layout);
	tst_run("params check", test_params);
	free(region);
	return tst_done();
}
