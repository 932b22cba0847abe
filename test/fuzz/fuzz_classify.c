/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * The doms-switch ingress classifier: what ds_datapath.c decides about a
 * frame before any table lookup (malformed, guest policing: tagged,
 * bad source, spoofed, rate limited; uplink: vlan tag, tenant, bad
 * source), and the vlan tag handling on the way out.
 *
 * ds_datapath.c is included as it is, so the harness calls its static
 * functions (police_guest, tag_strip, tag_insert, mac48, carries) on
 * hand-made mbufs: no EAL, no mempool.  Each frame sits in a buffer of
 * exactly headroom + length bytes, so ASan stops any read or write
 * outside the frame.  ingress() below strings the checks together in the
 * order process_burst() does; process_burst() itself needs an EAL, the
 * FDB and ports (left to the end-to-end tests in test/switch).
 *
 * Input: one port's configuration (guest or uplink, anti-spoof mode,
 * allow-vlan, MAC, rate limits, the tenants' vlans), then frames, each
 * with the clock's advance, a headroom and the bytes.
 *
 * Properties (docs/doms-switch.md):
 *  - a guest frame passes only with a unicast non-zero source, untagged
 *    unless allow-vlan, and with the one source its anti-spoof mode
 *    allows: the configured MAC (strict); in learn-first the MAC the
 *    control thread pinned, and before that any, as a claim (which
 *    process_burst() judges against the FDB: not covered here); a
 *    worker never pins;
 *  - a frame that breaks no rule is dropped by the rate limit at most;
 *    the limit never lets through more packets or bytes than the bucket
 *    depth plus the rate times the time elapsed;
 *  - policing does not modify the frame;
 *  - an uplink frame passes only with an 802.1Q tag of a tenant the
 *    uplink carries, and a valid source; the tag comes off exactly (the
 *    frame is the original without bytes 12..15), and tagging it again
 *    for the tenant gives back the tagged frame.
 */

#include "../../app/doms-switch/ds_datapath.c"

#include "fuzz.h"

#define HZ		1000000ull	/* the virtual clock: 1 MHz */
#define N_TENANTS	4u
#define MAX_FRAME	(9600u + 22u)

static struct ds_switch sw;
static struct ds_port port;

struct run {
	uint64_t now, start;
	uint64_t pkts, bytes;		/* accepted, while rate limited */
	uint64_t locked;		/* learn-first: the pin (fixed) */
	uint16_t vlan_of[N_TENANTS];
};

/* A one-segment direct mbuf over exactly headroom + len bytes. */
static struct rte_mbuf *
mbuf_make(const uint8_t *frame, uint16_t len, uint16_t headroom)
{
	struct rte_mbuf *m = calloc(1, sizeof(*m));
	uint8_t *buf = malloc((size_t)headroom + len);

	FZ_CHECK(m != NULL && buf != NULL, "malloc");
	memcpy(buf + headroom, frame, len);
	m->buf_addr = buf;
	m->buf_len = headroom + len;
	m->data_off = headroom;
	m->data_len = len;
	m->pkt_len = len;
	m->nb_segs = 1;
	m->next = NULL;
	rte_mbuf_refcnt_set(m, 1);
	return m;
}

static void
mbuf_free(struct rte_mbuf *m)
{
	free(m->buf_addr);
	free(m);
}

/* process_burst()'s per-frame decisions, up to the FDB lookup. */
static enum ds_drop
ingress(struct rte_mbuf *mb, bool limited, uint16_t *tenant, uint8_t *use,
	uint64_t *src)
{
	struct ds_rxq_state *rq = &port.rxq[0];
	struct rte_ether_hdr *eh;
	enum ds_drop why;

	*use = SRC_LEARN;
	if (rte_pktmbuf_data_len(mb) < sizeof(*eh))
		return DS_DROP_MALFORMED;
	if (port.kind == DS_PORT_GUEST) {
		eh = rte_pktmbuf_mtod(mb, struct rte_ether_hdr *);
		*src = mac48(&eh->src_addr);
		why = police_guest(&port, rq, limited, eh, mb->pkt_len, *src,
				   use);
		if (why != DS_DROP_MAX)
			return why;
		*tenant = port.tenant;
	} else {
		int vid = tag_strip(mb);

		if (vid <= 0 || sw.vlan_to_tenant[vid] == DS_TENANT_NONE ||
		    !carries(&port, sw.vlan_to_tenant[vid]))
			return DS_DROP_UPLINK_VLAN;
		*tenant = sw.vlan_to_tenant[vid];
		eh = rte_pktmbuf_mtod(mb, struct rte_ether_hdr *);
		*src = mac48(&eh->src_addr);
		if ((*src & MAC_MCAST_BIT) || *src == 0)
			return DS_DROP_BAD_SRC;
	}
	return DS_DROP_MAX;
}

static uint64_t
bytes_mac48(const uint8_t *b)
{
	return ((uint64_t)b[0] << 40) | ((uint64_t)b[1] << 32) |
	       ((uint64_t)b[2] << 24) | ((uint64_t)b[3] << 16) |
	       ((uint64_t)b[4] << 8) | b[5];
}

static void
check_guest(struct run *r, const uint8_t *f, uint16_t len,
	    struct rte_mbuf *mb, enum ds_drop why, uint8_t use, bool limited)
{
	uint16_t type = len >= 14 ? (uint16_t)(f[12] << 8 | f[13]) : 0;
	bool tagged = type == 0x8100 || type == 0x88a8 || type == 0x9100;
	uint64_t src = len >= 12 ? bytes_mac48(f + 6) : 0;
	bool src_ok = !(src & MAC_MCAST_BIT) && src != 0;
	bool spoof_ok;

	FZ_CHECK(rte_pktmbuf_data_len(mb) == len &&
		 !memcmp(rte_pktmbuf_mtod(mb, uint8_t *), f, len),
		 "policing changed the frame");
	/* Only the control thread pins a MAC. */
	FZ_CHECK(atomic_load(&port.locked_mac) == r->locked,
		 "a worker changed the pinned MAC");
	if (len < 14) {
		FZ_CHECK(why == DS_DROP_MALFORMED, "short frame: %d", why);
		return;
	}
	switch (port.spoof) {
	case DS_SPOOF_STRICT:
		spoof_ok = src == port.mac48;
		break;
	case DS_SPOOF_LEARN_FIRST:
		/* Against the pin; before there is one, any source is a
		 * claim, judged after the FDB lookup (claim_propose()). */
		spoof_ok = r->locked == 0 ||
			(r->locked & ~DS_MAC_LOCKED) == src;
		break;
	default:
		spoof_ok = true;
	}
	if (why == DS_DROP_MAX) {
		FZ_CHECK(!tagged || port.allow_vlan, "tagged frame passed");
		FZ_CHECK(src_ok, "source %llx passed",
			 (unsigned long long)src);
		FZ_CHECK(spoof_ok, "spoofed source %llx passed (mode %d)",
			 (unsigned long long)src, port.spoof);
		switch (port.spoof) {
		case DS_SPOOF_STRICT:
			FZ_CHECK(use == SRC_PINNED, "strict: use %u", use);
			break;
		case DS_SPOOF_LEARN_FIRST:
			if (r->locked != 0) {
				FZ_CHECK(use == SRC_PINNED, "pinned: use %u",
					 use);
			} else {
				FZ_CHECK(use == SRC_CLAIM, "claim: use %u", use);
			}
			break;
		default:
			FZ_CHECK(use == SRC_LEARN, "off: use %u", use);
		}
		if (limited) {
			r->pkts++;
			r->bytes += len;
		}
	} else if ((!tagged || port.allow_vlan) && src_ok && spoof_ok) {
		FZ_CHECK(why == DS_DROP_RATE && limited,
			 "a good frame dropped as %s", ds_drop_names[why]);
	}
}

static void
check_uplink(struct run *r, const uint8_t *f, uint16_t len,
	     struct rte_mbuf *mb, enum ds_drop why, uint16_t tenant)
{
	bool tagged = len >= 18 && f[12] == 0x81 && f[13] == 0x00;
	uint16_t vid = tagged ? ((f[14] << 8 | f[15]) & 0xfff) : 0;
	const uint8_t *d;
	uint16_t t;

	(void)r;
	if (len < 14) {
		FZ_CHECK(why == DS_DROP_MALFORMED, "short frame: %d", why);
		return;
	}
	d = rte_pktmbuf_mtod(mb, const uint8_t *);
	if (!tagged) {
		FZ_CHECK(why == DS_DROP_UPLINK_VLAN, "untagged: %d", why);
		FZ_CHECK(rte_pktmbuf_data_len(mb) == len && !memcmp(d, f, len),
			 "an untagged frame changed");
		return;
	}
	/* tag_strip: the frame without bytes 12..15 */
	FZ_CHECK(rte_pktmbuf_data_len(mb) == len - 4 &&
		 mb->pkt_len == len - 4u && !memcmp(d, f, 12) &&
		 !memcmp(d + 12, f + 16, len - 16u), "strip is not exact");
	t = sw.vlan_to_tenant[vid];
	if (vid == 0 || t == DS_TENANT_NONE || !carries(&port, t)) {
		FZ_CHECK(why == DS_DROP_UPLINK_VLAN, "vlan %u: %d", vid, why);
		return;
	}
	if (why == DS_DROP_BAD_SRC) {
		uint64_t src = bytes_mac48(f + 6);

		FZ_CHECK((src & MAC_MCAST_BIT) || src == 0, "good src refused");
		return;
	}
	FZ_CHECK(why == DS_DROP_MAX && tenant == t, "tenant %u, vlan says %u",
		 tenant, t);
	FZ_CHECK(sw.tenant_vlan[tenant] == vid, "tenant's vlan");
	/* Out again through an uplink: tag_insert gives back the frame
	 * with the tenant's tag (PCP/DEI are not kept). */
	FZ_CHECK(tag_insert(&sw, &mb, sw.tenant_vlan[tenant]) == 0,
		 "tag_insert");
	d = rte_pktmbuf_mtod(mb, const uint8_t *);
	FZ_CHECK(rte_pktmbuf_data_len(mb) == len &&
		 !memcmp(d, f, 14) && d[14] == (f[14] & 0x0f) &&
		 d[15] == f[15] && !memcmp(d + 16, f + 16, len - 16u),
		 "tag round trip");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	uint8_t frame[MAX_FRAME];
	struct run r;
	uint8_t b0, mac[6];
	uint64_t pps, bps, depth_p, depth_b;
	uint32_t burst_ms, i;
	bool limited;

	memset(&r, 0, sizeof(r));
	memset(&port, 0, sizeof(port));
	/* Port set-up, as ds_port.c does it for queue 0. */
	b0 = fz_u8(&in);
	port.kind = (b0 & 1) ? DS_PORT_UPLINK : DS_PORT_GUEST;
	port.spoof = (enum ds_spoof_mode)((b0 >> 1) % 3);
	port.allow_vlan = (b0 >> 3) & 1;
	fz_bytes(&in, mac, sizeof(mac));
	port.mac48 = bytes_mac48(mac);
	/* learn-first: maybe a MAC the control thread pinned already */
	if (port.spoof == DS_SPOOF_LEARN_FIRST && (b0 & 0x10))
		r.locked = DS_MAC_LOCKED | port.mac48;
	atomic_store(&port.locked_mac, r.locked);
	port.tenant = 0;
	pps = fz_u32(&in) % 2000001;
	bps = (uint64_t)fz_u32(&in) * 8;
	burst_ms = 1 + fz_u16(&in) % 10000;
	limited = port.kind == DS_PORT_GUEST && (pps != 0 || bps != 0);
	port.rate_pps = pps;
	port.rate_bps = bps;
	r.now = r.start = fz_u32(&in);
	ds_tb_init(&port.rxq[0].pps, pps, ds_tb_burst(pps, burst_ms, 1), HZ,
		   r.now);
	ds_tb_init(&port.rxq[0].bytes, bps / 8,
		   ds_tb_burst(bps / 8, burst_ms, MAX_FRAME), HZ, r.now);
	depth_p = port.rxq[0].pps.depth;
	depth_b = port.rxq[0].bytes.depth;

	/* Tenants and their vlans; the uplink carries some of them. */
	memset(sw.vlan_to_tenant, 0xff, sizeof(sw.vlan_to_tenant));
	b0 = fz_u8(&in);
	for (i = 0; i < N_TENANTS; i++) {
		uint16_t v = fz_u16(&in) % 4095;

		if (v == 0 || sw.vlan_to_tenant[v] != DS_TENANT_NONE)
			continue;
		sw.vlan_to_tenant[v] = (uint16_t)i;
		sw.tenant_vlan[i] = v;
		if (b0 & (1u << i))
			port.carries[i >> 3] |= 1u << (i & 7);
	}

	while (in.left > 0) {
		uint32_t dt = fz_u16(&in);
		uint16_t len = fz_u16(&in) % 1600;
		/* even: a PMD puts frames at RTE_PKTMBUF_HEADROOM, and
		 * struct rte_ether_hdr is 2-byte aligned */
		uint16_t headroom = 2 * (fz_u8(&in) % 5);
		struct rte_mbuf *mb;
		uint16_t tenant = DS_TENANT_NONE;
		enum ds_drop why;
		uint64_t src = 0;
		uint8_t use;

		/* A new burst: time moves on, buckets refill. */
		if (dt & 1) {
			r.now += dt;
			if (limited) {
				ds_tb_refill(&port.rxq[0].pps, r.now);
				ds_tb_refill(&port.rxq[0].bytes, r.now);
			}
		}
		if (len > in.left)
			len = (uint16_t)in.left;
		fz_bytes(&in, frame, len);
		mb = mbuf_make(frame, len, headroom);
		why = ingress(mb, limited, &tenant, &use, &src);
		if (port.kind == DS_PORT_GUEST)
			check_guest(&r, frame, len, mb, why, use, limited);
		else
			check_uplink(&r, frame, len, mb, why, tenant);
		mbuf_free(mb);
	}

	/* The buckets never gave more than depth + rate * time. */
	if (limited && pps != 0)
		FZ_CHECK(r.pkts * HZ <= depth_p + pps * (r.now - r.start),
			 "%llu packets passed a %llu pps limit in %llu us",
			 (unsigned long long)r.pkts, (unsigned long long)pps,
			 (unsigned long long)(r.now - r.start));
	if (limited && bps != 0)
		FZ_CHECK(r.bytes * HZ <= depth_b + bps / 8 * (r.now - r.start),
			 "%llu bytes passed a %llu B/s limit",
			 (unsigned long long)r.bytes,
			 (unsigned long long)(bps / 8));
	return 0;
}
