/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "pkc_frame.h"
#include "pkc_selftest.h"
#include "pkc_verify.h"

#define ST_SESSION	0x5e55
#define ST_FLOW		7
#define ST_SEG_ROOM	128	/* tiny segments: 9000 bytes = 71 mbufs */

struct st_ctx {
	struct pkc_conf conf;
	struct pkc_encap enc;
	struct rte_mempool *small;	/* forces chains */
	struct rte_mempool *big;	/* one segment per frame */
	uint8_t *scratch;
	unsigned int checks;
	unsigned int failures;
};

#define ST_EXPECT(st, what, got, want) \
	st_expect(st, __LINE__, what, (uint64_t)(got), (uint64_t)(want))

static void
st_expect(struct st_ctx *st, int line, const char *what, uint64_t got,
		uint64_t want)
{
	st->checks++;
	if (got == want)
		return;
	st->failures++;
	printf("selftest: FAIL line %d: %s: got %" PRIu64 ", want %" PRIu64
			"\n", line, what, got, want);
}

static void
st_case(struct st_ctx *st, const char *name, unsigned int failures_before)
{
	printf("selftest: %s %s\n",
			st->failures == failures_before ? "ok  " : "FAIL", name);
}

static struct rte_mbuf *
st_frame(struct st_ctx *st, struct rte_mempool *mp, uint16_t len,
		uint32_t session, uint32_t flow, uint64_t seq)
{
	struct rte_mbuf *m;

	m = pkc_frame_mbuf(&st->enc, mp, st->scratch, len, session, flow,
			seq);
	if (m == NULL) {
		printf("selftest: FAIL: mbuf pool empty\n");
		abort();
	}
	return m;
}

/* Classify and free. */
static enum pkc_class
st_feed(struct pkc_verifier *v, struct rte_mbuf *m)
{
	enum pkc_class c = pkc_verifier_frame(v, m);

	rte_pktmbuf_free(m);
	return c;
}

static enum pkc_class
st_seq(struct st_ctx *st, struct pkc_verifier *v, uint64_t seq)
{
	return st_feed(v, st_frame(st, st->big, 128, ST_SESSION, ST_FLOW,
			seq));
}

static void
st_verifier(struct st_ctx *st, struct pkc_verifier *v, uint32_t window,
		uint32_t max_flows, bool late_join)
{
	struct pkc_conf c = st->conf;

	c.window = window;
	c.max_flows = max_flows;
	c.late_join = late_join;
	if (pkc_verifier_init(v, &c) != 0) {
		printf("selftest: FAIL: verifier init\n");
		abort();
	}
}

/* Pointer to byte off of a chain (off must be inside it). */
static uint8_t *
st_byte(struct rte_mbuf *m, uint32_t off)
{
	while (off >= m->data_len) {
		off -= m->data_len;
		m = m->next;
	}
	return rte_pktmbuf_mtod_offset(m, uint8_t *, off);
}

static void
st_crc_and_segments(struct st_ctx *st)
{
	unsigned int before = st->failures;
	struct pkc_frame_info fi;
	struct rte_mbuf *chain, *lin;
	uint8_t *buf = malloc(PKC_FRAME_MAX);
	uint16_t len;

	for (len = 60; len <= PKC_FRAME_MAX; len += len < 200 ? 1 : 997) {
		chain = st_frame(st, st->small, len, ST_SESSION, 3, len);
		lin = st_frame(st, st->big, len, ST_SESSION, 3, len);
		pkc_frame_write(&st->enc, buf, len, ST_SESSION, 3, len);
		ST_EXPECT(st, "linear mbuf equals reference", memcmp(buf,
				rte_pktmbuf_mtod(lin, uint8_t *), len), 0);
		ST_EXPECT(st, "chain length", chain->pkt_len, len);
		ST_EXPECT(st, "chain segments", chain->nb_segs,
				(len + ST_SEG_ROOM - 1) / ST_SEG_ROOM);
		ST_EXPECT(st, "chain verdict",
				pkc_frame_check(chain, st->conf.ethertype,
				true, &fi), PKC_V_OK);
		ST_EXPECT(st, "chain seq", fi.seq, len);
		ST_EXPECT(st, "linear verdict",
				pkc_frame_check(lin, st->conf.ethertype, true,
				&fi), PKC_V_OK);
		rte_pktmbuf_free(chain);
		rte_pktmbuf_free(lin);
	}
	free(buf);
	st_case(st, "CRC32C and pattern equal on chains and linear frames, "
			"60..9216 bytes", before);
}

static void
st_in_order(struct st_ctx *st)
{
	static const uint16_t sizes[] = {
		60, 61, 64, 127, 1518, 129, 9000, 9216,
	};
	unsigned int before = st->failures, i, chains = 0;
	struct pkc_verifier v;

	st_verifier(st, &v, 16384, 16, false);
	for (i = 0; i < RTE_DIM(sizes); i++) {
		/* odd ones from the small pool: chains when > 128 bytes */
		if (i % 2 && sizes[i] > ST_SEG_ROOM)
			chains++;
		ST_EXPECT(st, "in-order class", st_feed(&v, st_frame(st,
				i % 2 ? st->small : st->big, sizes[i],
				ST_SESSION, ST_FLOW, i)), PKC_C_IN_ORDER);
	}
	ST_EXPECT(st, "rx", v.tot.rx, RTE_DIM(sizes));
	ST_EXPECT(st, "in_order", v.tot.in_order, RTE_DIM(sizes));
	ST_EXPECT(st, "rx_chained", v.tot.rx_chained, chains);
	ST_EXPECT(st, "chains exercised", chains, 2);
	ST_EXPECT(st, "lost", pkc_verifier_lost(&v), 0);
	ST_EXPECT(st, "corrupted", v.tot.corrupted, 0);
	ST_EXPECT(st, "flows", v.nb_flows, 1);
	pkc_verifier_free(&v);
	st_case(st, "in-order frames of mixed sizes and segment counts",
			before);
}

static void
st_duplicate(struct st_ctx *st)
{
	unsigned int before = st->failures;
	struct pkc_verifier v;

	st_verifier(st, &v, 16384, 16, false);
	st_seq(st, &v, 0);
	st_seq(st, &v, 1);
	ST_EXPECT(st, "repeat of highest", st_seq(st, &v, 1), PKC_C_DUPLICATE);
	st_seq(st, &v, 2);
	ST_EXPECT(st, "repeat of older", st_seq(st, &v, 0), PKC_C_DUPLICATE);
	ST_EXPECT(st, "duplicated", v.tot.duplicated, 2);
	ST_EXPECT(st, "reordered", v.tot.reordered, 0);
	ST_EXPECT(st, "rx", v.tot.rx, 5);
	ST_EXPECT(st, "lost", pkc_verifier_lost(&v), 0);
	pkc_verifier_free(&v);
	st_case(st, "duplicated frames", before);
}

static void
st_reorder(struct st_ctx *st)
{
	unsigned int before = st->failures;
	struct pkc_verifier v;

	st_verifier(st, &v, 16384, 16, false);
	st_seq(st, &v, 0);
	st_seq(st, &v, 2);
	ST_EXPECT(st, "late frame", st_seq(st, &v, 1), PKC_C_REORDERED);
	ST_EXPECT(st, "next", st_seq(st, &v, 3), PKC_C_IN_ORDER);
	ST_EXPECT(st, "reordered", v.tot.reordered, 1);
	ST_EXPECT(st, "duplicated", v.tot.duplicated, 0);
	ST_EXPECT(st, "lost", pkc_verifier_lost(&v), 0);
	pkc_verifier_free(&v);
	st_case(st, "reordered frame is not lost and not duplicated", before);
}

static void
st_loss(struct st_ctx *st)
{
	unsigned int before = st->failures;
	struct pkc_verifier v;

	st_verifier(st, &v, 16384, 16, false);
	st_seq(st, &v, 0);
	st_seq(st, &v, 1);
	st_seq(st, &v, 3);
	ST_EXPECT(st, "hole", pkc_verifier_lost(&v), 1);
	/* the sender says it emitted 0..4: seq 4 is a tail loss */
	ST_EXPECT(st, "expect", pkc_verifier_expect(&v, ST_SESSION, ST_FLOW,
			5), 0);
	ST_EXPECT(st, "hole and tail", pkc_verifier_lost(&v), 2);
	/* a flow the receiver never saw is entirely lost */
	ST_EXPECT(st, "expect unseen", pkc_verifier_expect(&v, ST_SESSION,
			ST_FLOW + 1, 10), 0);
	ST_EXPECT(st, "unseen flow", pkc_verifier_lost(&v), 12);
	/* without a sender count, a first frame above 0 means loss */
	pkc_verifier_free(&v);
	st_verifier(st, &v, 16384, 16, false);
	st_seq(st, &v, 5);
	ST_EXPECT(st, "head loss", pkc_verifier_lost(&v), 5);
	pkc_verifier_free(&v);
	st_case(st, "lost frames: holes, tail, silent flow, head", before);
}

static void
st_corrupt(struct st_ctx *st)
{
	unsigned int before = st->failures;
	struct pkc_verifier v;
	struct rte_mbuf *m;
	uint32_t off;

	st_verifier(st, &v, 16384, 16, false);
	st_seq(st, &v, 0);

	/* one bit in the middle of a 71-segment chain */
	m = st_frame(st, st->small, 9000, ST_SESSION, ST_FLOW, 1);
	*st_byte(m, 4500) ^= 0x01;
	ST_EXPECT(st, "payload bit", st_feed(&v, m), PKC_C_CORRUPT);

	/* last byte of the last segment, as --inject corrupt does */
	m = st_frame(st, st->small, 1518, ST_SESSION, ST_FLOW, 2);
	pkc_frame_corrupt(m);
	ST_EXPECT(st, "last byte", st_feed(&v, m), PKC_C_CORRUPT);

	/* header: low byte of seq, so it still parses as flow 7 */
	off = RTE_ETHER_HDR_LEN + offsetof(struct pkc_hdr, seq) + 7;
	m = st_frame(st, st->big, 256, ST_SESSION, ST_FLOW, 3);
	*st_byte(m, off) ^= 0x04;
	ST_EXPECT(st, "seq field", st_feed(&v, m), PKC_C_CORRUPT);

	/* checksum field itself */
	off = RTE_ETHER_HDR_LEN + offsetof(struct pkc_hdr, csum);
	m = st_frame(st, st->big, 256, ST_SESSION, ST_FLOW, 4);
	*st_byte(m, off) ^= 0x80;
	ST_EXPECT(st, "csum field", st_feed(&v, m), PKC_C_CORRUPT);

	ST_EXPECT(st, "bad_csum", v.tot.bad_csum, 4);
	ST_EXPECT(st, "corrupted", v.tot.corrupted, 4);
	ST_EXPECT(st, "only the clean frame is rx", v.tot.rx, 1);
	ST_EXPECT(st, "corrupted seqs are not received", pkc_verifier_expect(
			&v, ST_SESSION, ST_FLOW, 5), 0);
	ST_EXPECT(st, "lost", pkc_verifier_lost(&v), 4);
	pkc_verifier_free(&v);
	st_case(st, "corrupted payload, last byte, seq and csum fields",
			before);
}

static void
st_bad_length(struct st_ctx *st)
{
	unsigned int before = st->failures;
	struct pkc_verifier v;
	struct rte_mbuf *m;
	rte_be16_t plen;
	uint8_t *p;
	uint16_t segs;

	st_verifier(st, &v, 16384, 16, false);

	m = st_frame(st, st->small, 1000, ST_SESSION, ST_FLOW, 0);
	rte_pktmbuf_trim(m, 1);
	ST_EXPECT(st, "truncated", st_feed(&v, m), PKC_C_CORRUPT);

	/* header and pkt_len agree but the chain is 8 bytes short */
	m = st_frame(st, st->small, 1000, ST_SESSION, ST_FLOW, 1);
	p = st_byte(m, RTE_ETHER_HDR_LEN + offsetof(struct pkc_hdr,
			payload_len));
	memcpy(&plen, p, 2);
	plen = rte_cpu_to_be_16(rte_be_to_cpu_16(plen) + 8);
	memcpy(p, &plen, 2);
	m->pkt_len += 8;
	ST_EXPECT(st, "short chain", st_feed(&v, m), PKC_C_CORRUPT);

	/* nb_segs understates the chain: must not be trusted past it */
	m = st_frame(st, st->small, 1000, ST_SESSION, ST_FLOW, 2);
	segs = m->nb_segs;
	m->nb_segs = 2;
	ST_EXPECT(st, "nb_segs lie", pkc_verifier_frame(&v, m),
			PKC_C_CORRUPT);
	m->nb_segs = segs;
	rte_pktmbuf_free(m);

	/* a switch stripped the tag of a 60-byte frame and padded it back */
	st->enc.vlan = 5;
	m = st_frame(st, st->big, 60, ST_SESSION, ST_FLOW, 3);
	st->enc.vlan = -1;
	p = rte_pktmbuf_mtod(m, uint8_t *);
	memmove(p + 12, p + 16, 60 - 16);
	memset(p + 56, 0, 4);
	ST_EXPECT(st, "tag stripped and padded", st_feed(&v, m),
			PKC_C_IN_ORDER);

	ST_EXPECT(st, "bad_len", v.tot.bad_len, 3);
	ST_EXPECT(st, "bad_csum", v.tot.bad_csum, 0);
	pkc_verifier_free(&v);
	st_case(st, "lengths: truncated, short chain, lying nb_segs, padding",
			before);
}

static void
st_bad_payload(struct st_ctx *st)
{
	unsigned int before = st->failures;
	struct pkc_verifier v;
	struct pkc_hdr h;
	struct rte_mbuf *m;
	uint32_t off = RTE_ETHER_HDR_LEN, plen, crc;
	uint8_t *p;

	/* right CRC over wrong bytes: only the pattern check sees it */
	m = st_frame(st, st->big, 512, ST_SESSION, ST_FLOW, 0);
	p = rte_pktmbuf_mtod(m, uint8_t *);
	memcpy(&h, p + off, sizeof(h));
	plen = rte_be_to_cpu_16(h.payload_len);
	p[off + sizeof(h) + 100] ^= 0xff;
	h.csum = 0;
	crc = pkc_crc(&h, sizeof(h), UINT32_MAX);
	crc = pkc_crc(p + off + sizeof(h), plen, crc);
	h.csum = rte_cpu_to_be_32(~crc);
	memcpy(p + off, &h, sizeof(h));

	st_verifier(st, &v, 16384, 16, false);
	ST_EXPECT(st, "pattern", pkc_verifier_frame(&v, m), PKC_C_CORRUPT);
	ST_EXPECT(st, "bad_payload", v.tot.bad_payload, 1);
	pkc_verifier_free(&v);

	st->conf.verify_payload = false;
	st_verifier(st, &v, 16384, 16, false);
	ST_EXPECT(st, "crc only", pkc_verifier_frame(&v, m),
			PKC_C_IN_ORDER);
	pkc_verifier_free(&v);
	st->conf.verify_payload = true;
	rte_pktmbuf_free(m);
	st_case(st, "payload pattern mismatch behind a valid CRC", before);
}

static void
st_foreign(struct st_ctx *st)
{
	unsigned int before = st->failures;
	struct pkc_verifier v;
	struct rte_ether_hdr *eth;
	struct rte_mbuf *m;

	st_verifier(st, &v, 16384, 16, false);

	m = st_frame(st, st->big, 128, ST_SESSION, ST_FLOW, 0);
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	ST_EXPECT(st, "other ethertype", st_feed(&v, m), PKC_C_FOREIGN);

	m = st_frame(st, st->big, 128, ST_SESSION, ST_FLOW, 0);
	*st_byte(m, RTE_ETHER_HDR_LEN) ^= 0x10;
	ST_EXPECT(st, "bad magic", st_feed(&v, m), PKC_C_FOREIGN);

	m = st_frame(st, st->big, 128, ST_SESSION, ST_FLOW, 0);
	rte_pktmbuf_trim(m, 128 - 13);
	ST_EXPECT(st, "13-byte runt", st_feed(&v, m), PKC_C_FOREIGN);

	m = st_frame(st, st->big, 128, ST_SESSION, ST_FLOW, 0);
	rte_pktmbuf_trim(m, 128 - 30);
	ST_EXPECT(st, "header cut off", st_feed(&v, m), PKC_C_FOREIGN);

	ST_EXPECT(st, "foreign", v.tot.foreign, 4);
	ST_EXPECT(st, "rx", v.tot.rx, 0);
	ST_EXPECT(st, "corrupted", v.tot.corrupted, 0);
	ST_EXPECT(st, "no flow created", v.nb_flows, 0);
	pkc_verifier_free(&v);
	st_case(st, "foreign frames are counted apart", before);
}

static void
st_encaps(struct st_ctx *st)
{
	unsigned int before = st->failures;
	struct pkc_encap saved = st->enc;
	struct pkc_verifier v;
	struct rte_mbuf *m;
	uint16_t off;

	st_verifier(st, &v, 16384, 16, false);
	st->enc.vlan = 100;
	ST_EXPECT(st, "vlan", st_feed(&v, st_frame(st, st->small, 60,
			ST_SESSION, ST_FLOW, 0)), PKC_C_IN_ORDER);
	st->enc.udp = true;
	ST_EXPECT(st, "min len vlan+udp", pkc_frame_min_len(&st->enc), 74);
	ST_EXPECT(st, "vlan udp", st_feed(&v, st_frame(st, st->small, 9000,
			ST_SESSION, ST_FLOW, 1)), PKC_C_IN_ORDER);
	st->enc.vlan = -1;
	ST_EXPECT(st, "udp", st_feed(&v, st_frame(st, st->big, 70,
			ST_SESSION, ST_FLOW, 2)), PKC_C_IN_ORDER);

	/* UDP to another port is somebody else's traffic */
	m = st_frame(st, st->big, 128, ST_SESSION, ST_FLOW, 3);
	off = RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr) +
			offsetof(struct rte_udp_hdr, dst_port);
	*st_byte(m, off) ^= 0x01;
	ST_EXPECT(st, "other udp port", st_feed(&v, m), PKC_C_FOREIGN);
	st->enc = saved;
	ST_EXPECT(st, "lost", pkc_verifier_lost(&v), 0);
	pkc_verifier_free(&v);
	st_case(st, "VLAN, IPv4/UDP and VLAN+UDP encapsulations", before);
}

static void
st_window(struct st_ctx *st)
{
	unsigned int before = st->failures;
	struct pkc_verifier v;
	uint64_t s;

	st_verifier(st, &v, 64, 16, false);
	for (s = 0; s <= 10; s++)
		st_seq(st, &v, s);
	/* 74 shares bit 10 with seq 10: the jump must clear it */
	ST_EXPECT(st, "jump", st_seq(st, &v, 74), PKC_C_IN_ORDER);
	ST_EXPECT(st, "oldest in window", st_seq(st, &v, 11),
			PKC_C_REORDERED);
	/* 69 reuses the slot of seq 5: new, not a duplicate of 5 */
	ST_EXPECT(st, "reused slot", st_seq(st, &v, 69), PKC_C_REORDERED);
	ST_EXPECT(st, "repeat after jump", st_seq(st, &v, 74),
			PKC_C_DUPLICATE);
	ST_EXPECT(st, "behind the window", st_seq(st, &v, 5), PKC_C_STALE);
	ST_EXPECT(st, "stale", v.tot.stale, 1);
	ST_EXPECT(st, "reordered incl. stale", v.tot.reordered, 3);
	ST_EXPECT(st, "duplicated", v.tot.duplicated, 1);
	/*
	 * 0..11, 69 and 74 seen: 12..68 and 70..73 (61) lost; the stale 5
	 * is counted as distinct again, a documented blind spot.
	 */
	ST_EXPECT(st, "lost", pkc_verifier_lost(&v), 61 - 1);
	pkc_verifier_free(&v);

	/* a jump that clears whole 64-bit words of the window */
	st_verifier(st, &v, 128, 16, false);
	for (s = 0; s < 128; s++)
		st_seq(st, &v, s);
	ST_EXPECT(st, "long jump", st_seq(st, &v, 200), PKC_C_IN_ORDER);
	ST_EXPECT(st, "slot of a full cleared word", st_seq(st, &v, 150),
			PKC_C_REORDERED);
	ST_EXPECT(st, "slot of a partly cleared word", st_seq(st, &v, 195),
			PKC_C_REORDERED);
	ST_EXPECT(st, "duplicated", v.tot.duplicated, 0);
	pkc_verifier_free(&v);
	st_case(st, "window wrap, jump and stale frames", before);
}

static void
st_flows(struct st_ctx *st)
{
	unsigned int before = st->failures;
	struct pkc_verifier v;

	st_verifier(st, &v, 16384, 2, false);
	st_feed(&v, st_frame(st, st->big, 64, 1, ST_FLOW, 0));
	st_feed(&v, st_frame(st, st->big, 64, 1, ST_FLOW, 1));
	/* a restarted sender (new session) reusing flow id and seqs */
	ST_EXPECT(st, "other session", st_feed(&v, st_frame(st, st->big, 64,
			2, ST_FLOW, 0)), PKC_C_IN_ORDER);
	ST_EXPECT(st, "table full", st_feed(&v, st_frame(st, st->big, 64,
			3, ST_FLOW, 0)), PKC_C_UNTRACKED);
	ST_EXPECT(st, "duplicated", v.tot.duplicated, 0);
	ST_EXPECT(st, "untracked", v.tot.untracked, 1);
	ST_EXPECT(st, "flows", v.nb_flows, 2);
	pkc_verifier_free(&v);
	st_case(st, "flows keyed by session, table limit", before);
}

static void
st_late_join(struct st_ctx *st)
{
	unsigned int before = st->failures;
	struct pkc_verifier v;

	st_verifier(st, &v, 16384, 16, true);
	st_seq(st, &v, 1000);
	st_seq(st, &v, 1001);
	ST_EXPECT(st, "overtaken", st_seq(st, &v, 999), PKC_C_REORDERED);
	ST_EXPECT(st, "late join lost", pkc_verifier_lost(&v), 0);
	pkc_verifier_free(&v);
	st_verifier(st, &v, 16384, 16, false);
	st_seq(st, &v, 1000);
	st_seq(st, &v, 1001);
	st_seq(st, &v, 999);
	ST_EXPECT(st, "from zero lost", pkc_verifier_lost(&v), 999);
	pkc_verifier_free(&v);
	st_case(st, "--late-join counts loss from the first seq", before);
}

int
pkc_selftest(const struct pkc_conf *conf)
{
	struct st_ctx st;

	memset(&st, 0, sizeof(st));
	st.conf = *conf;
	st.enc.dst = conf->dst_mac;
	rte_eth_random_addr(st.enc.src.addr_bytes);
	st.enc.vlan = -1;
	st.enc.ethertype = conf->ethertype;
	st.small = rte_pktmbuf_pool_create("pkc_st_small", 2047, 0, 0,
			RTE_PKTMBUF_HEADROOM + ST_SEG_ROOM, SOCKET_ID_ANY);
	st.big = rte_pktmbuf_pool_create("pkc_st_big", 63, 0, 0,
			RTE_PKTMBUF_HEADROOM + PKC_FRAME_MAX, SOCKET_ID_ANY);
	st.scratch = malloc(PKC_FRAME_MAX);
	if (st.small == NULL || st.big == NULL || st.scratch == NULL) {
		PKC_LOG(ERR, "selftest: cannot allocate mbuf pools");
		return -1;
	}

	st_crc_and_segments(&st);
	st_in_order(&st);
	st_duplicate(&st);
	st_reorder(&st);
	st_loss(&st);
	st_corrupt(&st);
	st_bad_length(&st);
	st_bad_payload(&st);
	st_foreign(&st);
	st_encaps(&st);
	st_window(&st);
	st_flows(&st);
	st_late_join(&st);

	ST_EXPECT(&st, "small pool leak", rte_mempool_avail_count(st.small),
			2047);
	ST_EXPECT(&st, "big pool leak", rte_mempool_avail_count(st.big), 63);
	printf("pktcheck: selftest checks=%u failed=%u result=%s\n",
			st.checks, st.failures, st.failures ? "FAIL" : "PASS");
	free(st.scratch);
	rte_mempool_free(st.small);
	rte_mempool_free(st.big);
	return st.failures == 0 ? 0 : -1;
}
