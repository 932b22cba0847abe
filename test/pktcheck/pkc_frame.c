/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

#include <string.h>

#include <rte_hash_crc.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "pkc_frame.h"

#define PKC_GOLDEN	0x9e3779b97f4a7c15ull

/* RFC 2544 benchmark addresses: never routed, safe to emit anywhere. */
#define PKC_IP_SRC	RTE_IPV4(198, 18, 0, 1)
#define PKC_IP_DST	RTE_IPV4(198, 19, 0, 1)

typedef void (*pkc_chunk_fn)(void *arg, const uint8_t *p, uint32_t n,
		uint32_t pos);

uint32_t
pkc_crc(const void *data, uint32_t len, uint32_t crc)
{
	return rte_hash_crc(data, len, crc);
}

/* splitmix64 finaliser: cheap and every input bit affects every output. */
static inline uint64_t
pkc_mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint64_t
pkc_pattern_seed(uint32_t session, uint32_t flow, uint64_t seq)
{
	return pkc_mix64((((uint64_t)session << 32) | flow) ^
			pkc_mix64(seq + PKC_GOLDEN));
}

/* Word k of the pattern; counter based so any offset can be checked. */
static inline uint64_t
pkc_pattern_word(uint64_t seed, uint64_t k)
{
	return rte_cpu_to_le_64(pkc_mix64(seed + (k + 1) * PKC_GOLDEN));
}

void
pkc_pattern_fill(uint64_t seed, uint8_t *dst, uint32_t len)
{
	uint64_t k, w;

	for (k = 0; (k + 1) * 8 <= len; k++) {
		w = pkc_pattern_word(seed, k);
		memcpy(dst + k * 8, &w, 8);
	}
	if (len % 8 != 0) {
		w = pkc_pattern_word(seed, k);
		memcpy(dst + k * 8, &w, len % 8);
	}
}

/* True when p[0..n) equals the pattern at payload offset pos. */
static bool
pkc_pattern_equal(uint64_t seed, const uint8_t *p, uint32_t n, uint32_t pos)
{
	uint64_t w;
	uint32_t b, m;

	uint64_t x;

	/* word-aligned stretch: one 8-byte compare per pattern word */
	if (pos % 8 == 0) {
		for (; n >= 8; p += 8, pos += 8, n -= 8) {
			memcpy(&x, p, 8);
			if (x != pkc_pattern_word(seed, pos / 8))
				return false;
		}
	}
	while (n > 0) {
		w = pkc_pattern_word(seed, pos / 8);
		b = pos % 8;
		m = RTE_MIN(8 - b, n);
		if (memcmp(p, (const uint8_t *)&w + b, m) != 0)
			return false;
		p += m;
		pos += m;
		n -= m;
	}
	return true;
}

uint16_t
pkc_encap_len(const struct pkc_encap *enc)
{
	uint16_t len = RTE_ETHER_HDR_LEN;

	if (enc->vlan >= 0)
		len += sizeof(struct rte_vlan_hdr);
	if (enc->udp)
		len += sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_udp_hdr);
	return len;
}

uint16_t
pkc_frame_min_len(const struct pkc_encap *enc)
{
	return RTE_MAX(PKC_FRAME_MIN,
			pkc_encap_len(enc) + (int)sizeof(struct pkc_hdr));
}

void
pkc_frame_write(const struct pkc_encap *enc, uint8_t *buf, uint16_t len,
		uint32_t session, uint32_t flow, uint64_t seq)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	uint16_t off = RTE_ETHER_HDR_LEN;
	uint16_t l3type = enc->udp ? RTE_ETHER_TYPE_IPV4 : enc->ethertype;
	struct pkc_hdr h;
	uint16_t plen;
	uint32_t crc;

	rte_ether_addr_copy(&enc->dst, &eth->dst_addr);
	rte_ether_addr_copy(&enc->src, &eth->src_addr);
	if (enc->vlan >= 0) {
		struct rte_vlan_hdr *vh = (struct rte_vlan_hdr *)(buf + off);

		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
		vh->vlan_tci = rte_cpu_to_be_16((uint16_t)enc->vlan);
		vh->eth_proto = rte_cpu_to_be_16(l3type);
		off += sizeof(*vh);
	} else {
		eth->ether_type = rte_cpu_to_be_16(l3type);
	}

	if (enc->udp) {
		struct rte_ipv4_hdr ip;
		struct rte_udp_hdr udp;

		memset(&ip, 0, sizeof(ip));
		ip.version_ihl = RTE_IPV4_VHL_DEF;
		ip.total_length = rte_cpu_to_be_16(len - off);
		ip.packet_id = rte_cpu_to_be_16((uint16_t)seq);
		ip.fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		ip.time_to_live = 64;
		ip.next_proto_id = IPPROTO_UDP;
		ip.src_addr = rte_cpu_to_be_32(PKC_IP_SRC);
		ip.dst_addr = rte_cpu_to_be_32(PKC_IP_DST);
		ip.hdr_checksum = rte_ipv4_cksum(&ip);
		memcpy(buf + off, &ip, sizeof(ip));
		off += sizeof(ip);

		/* source port spreads flows over RSS queues */
		udp.src_port = rte_cpu_to_be_16(49152 + (flow & 0x3fff));
		udp.dst_port = rte_cpu_to_be_16(PKC_UDP_PORT);
		udp.dgram_len = rte_cpu_to_be_16(len - off);
		udp.dgram_cksum = 0;	/* optional in IPv4 */
		memcpy(buf + off, &udp, sizeof(udp));
		off += sizeof(udp);
	}

	plen = len - off - sizeof(h);
	h.magic = rte_cpu_to_be_32(PKC_MAGIC);
	h.version = PKC_VERSION;
	h.hdr_len = sizeof(h);
	h.payload_len = rte_cpu_to_be_16(plen);
	h.session = rte_cpu_to_be_32(session);
	h.flow = rte_cpu_to_be_32(flow);
	h.seq = rte_cpu_to_be_64(seq);
	h.csum = 0;

	pkc_pattern_fill(pkc_pattern_seed(session, flow, seq),
			buf + off + sizeof(h), plen);
	crc = pkc_crc(&h, sizeof(h), UINT32_MAX);
	crc = pkc_crc(buf + off + sizeof(h), plen, crc);
	h.csum = rte_cpu_to_be_32(~crc);
	memcpy(buf + off, &h, sizeof(h));
}

struct rte_mbuf *
pkc_frame_mbuf(const struct pkc_encap *enc, struct rte_mempool *mp,
		uint8_t *scratch, uint16_t len, uint32_t session, uint32_t flow,
		uint64_t seq)
{
	struct rte_mbuf *m, *seg, *next;
	uint16_t done, n;

	m = rte_pktmbuf_alloc(mp);
	if (m == NULL)
		return NULL;

	if (len <= rte_pktmbuf_tailroom(m)) {
		/* common case: build in place, no copy */
		pkc_frame_write(enc, rte_pktmbuf_mtod(m, uint8_t *), len,
				session, flow, seq);
		m->data_len = len;
		m->pkt_len = len;
		return m;
	}

	/* frame larger than a segment: build linear, scatter into a chain */
	pkc_frame_write(enc, scratch, len, session, flow, seq);
	seg = m;
	done = 0;
	for (;;) {
		n = RTE_MIN((uint16_t)rte_pktmbuf_tailroom(seg),
				(uint16_t)(len - done));
		memcpy(rte_pktmbuf_mtod(seg, uint8_t *), scratch + done, n);
		seg->data_len = n;
		done += n;
		if (done == len)
			break;
		next = rte_pktmbuf_alloc(mp);
		if (next == NULL) {
			rte_pktmbuf_free(m);
			return NULL;
		}
		seg->next = next;
		seg = next;
		m->nb_segs++;
	}
	m->pkt_len = len;
	return m;
}

void
pkc_frame_corrupt(struct rte_mbuf *m)
{
	struct rte_mbuf *last = rte_pktmbuf_lastseg(m);

	if (last->data_len > 0)
		rte_pktmbuf_mtod(last, uint8_t *)[last->data_len - 1] ^= 0x5a;
}

/*
 * Visit [off, off + len) of a chain.  Bounded by nb_segs and by the chain
 * itself: a PMD bug (short chain, wrong nb_segs) yields -1, not a crash.
 */
static int
pkc_mbuf_walk(const struct rte_mbuf *m, uint32_t off, uint32_t len,
		pkc_chunk_fn fn, void *arg)
{
	const struct rte_mbuf *seg = m;
	unsigned int segs = m->nb_segs;
	uint32_t pos = 0, n;

	if ((uint64_t)off + len > m->pkt_len)
		return -1;
	while (len > 0 && seg != NULL && segs-- > 0) {
		if (off >= seg->data_len) {
			off -= seg->data_len;
			seg = seg->next;
			continue;
		}
		n = RTE_MIN((uint32_t)seg->data_len - off, len);
		fn(arg, rte_pktmbuf_mtod_offset(seg, const uint8_t *, off),
				n, pos);
		pos += n;
		len -= n;
		off = 0;
		seg = seg->next;
	}
	return len == 0 ? 0 : -1;
}

static void
pkc_copy_chunk(void *arg, const uint8_t *p, uint32_t n, uint32_t pos)
{
	memcpy((uint8_t *)arg + pos, p, n);
}

static int
pkc_mbuf_copy(const struct rte_mbuf *m, uint32_t off, uint32_t len, void *dst)
{
	return pkc_mbuf_walk(m, off, len, pkc_copy_chunk, dst);
}

struct pkc_payload_ctx {
	uint64_t seed;
	uint32_t crc;
	bool verify;
	bool pattern_ok;
};

static void
pkc_payload_chunk(void *arg, const uint8_t *p, uint32_t n, uint32_t pos)
{
	struct pkc_payload_ctx *c = arg;

	c->crc = pkc_crc(p, n, c->crc);
	if (c->verify && c->pattern_ok)
		c->pattern_ok = pkc_pattern_equal(c->seed, p, n, pos);
}

/* Find the pkc_hdr offset; 0 when the frame is not ours. */
static uint32_t
pkc_frame_locate(const struct rte_mbuf *m, uint16_t ethertype)
{
	uint32_t off = RTE_ETHER_HDR_LEN - 2;
	rte_be16_t be;
	uint16_t type;
	int tags;

	for (tags = 0; ; tags++) {
		if (pkc_mbuf_copy(m, off, 2, &be) != 0)
			return 0;
		type = rte_be_to_cpu_16(be);
		off += 2;
		if ((type != RTE_ETHER_TYPE_VLAN && type != RTE_ETHER_TYPE_QINQ)
				|| tags == 2)
			break;
		off += 2;	/* skip TCI, read the inner type */
	}

	if (type == RTE_ETHER_TYPE_IPV4) {
		struct rte_ipv4_hdr ip;
		struct rte_udp_hdr udp;
		uint32_t ihl;

		if (pkc_mbuf_copy(m, off, sizeof(ip), &ip) != 0)
			return 0;
		ihl = (ip.version_ihl & RTE_IPV4_HDR_IHL_MASK) * 4;
		if ((ip.version_ihl >> 4) != 4 || ihl < sizeof(ip) ||
				ip.next_proto_id != IPPROTO_UDP)
			return 0;
		off += ihl;
		if (pkc_mbuf_copy(m, off, sizeof(udp), &udp) != 0 ||
				udp.dst_port != rte_cpu_to_be_16(PKC_UDP_PORT))
			return 0;
		return off + sizeof(udp);
	}
	return type == ethertype ? off : 0;
}

enum pkc_verdict
pkc_frame_check(const struct rte_mbuf *m, uint16_t ethertype,
		bool verify_payload, struct pkc_frame_info *info)
{
	struct pkc_payload_ctx c;
	struct pkc_hdr h;
	uint32_t off, need, csum;

	off = pkc_frame_locate(m, ethertype);
	if (off == 0 || pkc_mbuf_copy(m, off, sizeof(h), &h) != 0 ||
			h.magic != rte_cpu_to_be_32(PKC_MAGIC))
		return PKC_V_FOREIGN;

	info->session = rte_be_to_cpu_32(h.session);
	info->flow = rte_be_to_cpu_32(h.flow);
	info->seq = rte_be_to_cpu_64(h.seq);
	info->payload_len = rte_be_to_cpu_16(h.payload_len);

	if (h.version != PKC_VERSION || h.hdr_len != sizeof(h))
		return PKC_V_BAD_LEN;
	need = off + sizeof(h) + info->payload_len;
	/* a switch that strips a tag may pad back up to the minimum */
	if (m->pkt_len != need &&
			!(m->pkt_len > need && m->pkt_len <= PKC_FRAME_MIN))
		return PKC_V_BAD_LEN;

	csum = rte_be_to_cpu_32(h.csum);
	h.csum = 0;
	c.seed = pkc_pattern_seed(info->session, info->flow, info->seq);
	c.crc = pkc_crc(&h, sizeof(h), UINT32_MAX);
	c.verify = verify_payload;
	c.pattern_ok = true;
	if (pkc_mbuf_walk(m, off + sizeof(h), info->payload_len,
			pkc_payload_chunk, &c) != 0)
		return PKC_V_BAD_LEN;	/* chain shorter than pkt_len */
	if (~c.crc != csum)
		return PKC_V_BAD_CSUM;
	if (!c.pattern_ok)
		return PKC_V_BAD_PAYLOAD;
	return PKC_V_OK;
}
