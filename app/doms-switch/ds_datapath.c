/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * The worker: poll the (port, queue) pairs this lcore owns, police guest
 * frames, look MACs up, forward or flood within the tenant, transmit.
 *
 * Never waits: a destination that does not take a burst loses the rest
 * of it (counted as tx_full on that port) and the worker goes on, so one
 * stalled guest cannot slow the others.  Nothing is buffered across
 * loop iterations: every tx buffer is flushed before the worker reports a
 * quiescent state, which is what lets the control thread retire a port
 * table (and the ports it dropped) right after the grace period.
 */

#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "ds_switch.h"

const char *const ds_drop_names[DS_DROP_MAX] = {
	[DS_DROP_MALFORMED] = "malformed",
	[DS_DROP_BAD_SRC] = "bad_src_mac",
	[DS_DROP_SPOOFED] = "spoofed",
	[DS_DROP_TAGGED] = "guest_tagged",
	[DS_DROP_RATE] = "rate_limited",
	[DS_DROP_UPLINK_VLAN] = "uplink_bad_vlan",
	[DS_DROP_TX_FULL] = "tx_full",
	[DS_DROP_NO_MBUF] = "no_mbuf",
	[DS_DROP_SAME_PORT] = "same_port",
	[DS_DROP_NO_DEST] = "no_destination",
	[DS_DROP_SPLIT_HORIZON] = "uplink_to_uplink",
	[DS_DROP_ISOLATION] = "isolation_guard",
};

#define MAC_MCAST_BIT	(1ull << 40)	/* I/G bit of the first octet */
#define TPID_8021Q	RTE_BE16(RTE_ETHER_TYPE_VLAN)
#define TPID_8021AD	RTE_BE16(RTE_ETHER_TYPE_QINQ)
#define TPID_9100	RTE_BE16(RTE_ETHER_TYPE_QINQ1)
#define VLAN_HLEN	4u

static inline uint64_t
mac48(const struct rte_ether_addr *a)
{
	const uint8_t *b = a->addr_bytes;

	return ((uint64_t)b[0] << 40) | ((uint64_t)b[1] << 32) |
	       ((uint64_t)b[2] << 24) | ((uint64_t)b[3] << 16) |
	       ((uint64_t)b[4] << 8) | b[5];
}

static inline bool
carries(const struct ds_port *p, uint16_t tenant)
{
	return (p->carries[tenant >> 3] >> (tenant & 7)) & 1;
}

static inline struct ds_port *
port_of_ref(const struct ds_table *t, uint32_t ref)
{
	struct ds_port *p = t->ports[DS_REF_SLOT(ref) % DS_MAX_PORTS];

	return (p != NULL && p->gen == DS_REF_GEN(ref)) ? p : NULL;
}

static inline void
drop(struct ds_worker *w, uint16_t slot, enum ds_drop why,
     struct rte_mbuf *m)
{
	ds_ctr_add(&w->ctrs[slot].drop[why], 1);
	rte_pktmbuf_free(m);
}

/* ---- transmit --------------------------------------------------------- */

static void
tx_flush(struct ds_worker *w, const struct ds_table *t, uint16_t slot)
{
	struct ds_txbuf *b = &w->txb[slot];
	struct ds_port *p = t->ports[slot];
	uint32_t lens[DS_TXBUF];
	uint64_t bytes = 0;
	uint16_t q, sent, i;

	if (b->n == 0)
		return;
	/* the PMD may free an mbuf as soon as it took it: read lengths now */
	for (i = 0; i < b->n; i++)
		lens[i] = b->pkts[i]->pkt_len;
	q = p->txq_of[w->idx];
	if (p->txq_shared)
		rte_spinlock_lock(&p->txq_lock[q]);
	sent = rte_eth_tx_burst(p->port_id, q, b->pkts, b->n);
	if (p->txq_shared)
		rte_spinlock_unlock(&p->txq_lock[q]);
	for (i = 0; i < sent; i++)
		bytes += lens[i];
	ds_ctr_add(&w->ctrs[slot].tx_pkts, sent);
	ds_ctr_add(&w->ctrs[slot].tx_bytes, bytes);
	if (sent < b->n) {
		/* a full peer ring: drop, never retry (would stall us) */
		ds_ctr_add(&w->ctrs[slot].drop[DS_DROP_TX_FULL], b->n - sent);
		rte_pktmbuf_free_bulk(&b->pkts[sent], b->n - sent);
	}
	b->n = 0;
}

static void
tx_flush_all(struct ds_worker *w, const struct ds_table *t)
{
	uint16_t i;

	for (i = 0; i < w->n_dirty; i++) {
		uint16_t slot = w->dirty[i];

		tx_flush(w, t, slot);
		w->txb[slot].dirty = false;
	}
	w->n_dirty = 0;
}

static inline void
tx_enqueue(struct ds_worker *w, const struct ds_table *t, uint16_t slot,
	   struct rte_mbuf *m)
{
	struct ds_txbuf *b = &w->txb[slot];

	if (!b->dirty) {
		b->dirty = true;
		w->dirty[w->n_dirty++] = slot;
	}
	b->pkts[b->n++] = m;
	if (b->n == DS_TXBUF)
		tx_flush(w, t, slot);
}

/* Put the tenant's 802.1Q tag in front; copies a shared or foreign mbuf. */
static int
tag_insert(struct ds_switch *sw, struct rte_mbuf **mp, uint16_t vid)
{
	struct rte_mbuf *m = *mp;
	struct rte_vlan_hdr *vh;
	char *p;

	if (!RTE_MBUF_DIRECT(m) || rte_mbuf_refcnt_read(m) > 1 ||
	    rte_pktmbuf_headroom(m) < VLAN_HLEN ||
	    rte_pktmbuf_data_len(m) < 2 * RTE_ETHER_ADDR_LEN) {
		struct rte_mbuf *c = rte_pktmbuf_copy(m, sw->pool, 0,
						      UINT32_MAX);

		if (c == NULL || rte_pktmbuf_headroom(c) < VLAN_HLEN ||
		    rte_pktmbuf_data_len(c) < 2 * RTE_ETHER_ADDR_LEN) {
			rte_pktmbuf_free(c);
			return -1;
		}
		rte_pktmbuf_free(m);
		*mp = m = c;
	}
	p = rte_pktmbuf_prepend(m, VLAN_HLEN);
	if (p == NULL)
		return -1;
	/* dst and src move to the front; TPID and TCI fill the gap; the
	 * original ethertype stays where it was, now after the tag */
	memmove(p, p + VLAN_HLEN, 2 * RTE_ETHER_ADDR_LEN);
	*(rte_be16_t *)(p + 2 * RTE_ETHER_ADDR_LEN) = TPID_8021Q;
	vh = (struct rte_vlan_hdr *)(p + sizeof(struct rte_ether_hdr));
	vh->vlan_tci = rte_cpu_to_be_16(vid);
	RTE_BUILD_BUG_ON(sizeof(struct rte_vlan_hdr) != VLAN_HLEN);
	return 0;
}

/* Remove the outer 802.1Q tag; returns the vlan id, or -1 if none. */
static inline int
tag_strip(struct rte_mbuf *m)
{
	struct rte_ether_hdr *eh;
	struct rte_vlan_hdr *vh;
	int vid;

	if (rte_pktmbuf_data_len(m) < sizeof(*eh) + sizeof(*vh))
		return -1;
	eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	if (eh->ether_type != TPID_8021Q)
		return -1;
	vh = (struct rte_vlan_hdr *)(eh + 1);
	vid = rte_be_to_cpu_16(vh->vlan_tci) & RTE_VLAN_ID_MASK;
	memmove((char *)eh + VLAN_HLEN, eh, 2 * RTE_ETHER_ADDR_LEN);
	rte_pktmbuf_adj(m, VLAN_HLEN);
	m->ol_flags &= ~(RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED);
	return vid;
}

/* Deliver to one port of the tenant, with the last isolation guards. */
static void
send_to(struct ds_switch *sw, struct ds_worker *w, const struct ds_table *t,
	const struct ds_port *in, struct ds_port *out, uint16_t tenant,
	struct rte_mbuf *m)
{
	if (out == in) {
		drop(w, in->slot, DS_DROP_SAME_PORT, m);
		return;
	}
	if (out->kind == DS_PORT_UPLINK) {
		if (in->kind == DS_PORT_UPLINK) {
			drop(w, in->slot, DS_DROP_SPLIT_HORIZON, m);
			return;
		}
		if (!carries(out, tenant)) {
			drop(w, in->slot, DS_DROP_ISOLATION, m);
			return;
		}
		if (tag_insert(sw, &m, sw->tenant_vlan[tenant]) != 0) {
			drop(w, out->slot, DS_DROP_NO_MBUF, m);
			return;
		}
	} else if (out->tenant != tenant) {
		drop(w, in->slot, DS_DROP_ISOLATION, m);
		return;
	}
	tx_enqueue(w, t, out->slot, m);
}

/* Broadcast, multicast and unknown unicast: every other port of the
 * tenant, and never from one uplink to another. */
static void
flood(struct ds_switch *sw, struct ds_worker *w, const struct ds_table *t,
      const struct ds_port *in, uint16_t tenant, struct rte_mbuf *m)
{
	const uint16_t *list = t->flood + t->flood_off[tenant];
	uint32_t n = t->flood_off[tenant + 1] - t->flood_off[tenant];
	uint16_t dest[DS_MAX_PORTS];
	uint32_t i, k = 0;

	for (i = 0; i < n; i++) {
		struct ds_port *p = t->ports[list[i]];

		if (p == NULL || p == in ||
		    (in->kind == DS_PORT_UPLINK && p->kind == DS_PORT_UPLINK))
			continue;
		dest[k++] = list[i];
	}
	if (k == 0) {
		drop(w, in->slot, DS_DROP_NO_DEST, m);
		return;
	}
	ds_ctr_add(&w->ctrs[in->slot].flooded, 1);
	for (i = 0; i + 1 < k; i++) {
		struct rte_mbuf *c = rte_pktmbuf_copy(m, sw->pool, 0,
						      UINT32_MAX);

		if (c == NULL) {
			ds_ctr_add(&w->ctrs[dest[i]].drop[DS_DROP_NO_MBUF], 1);
			continue;
		}
		send_to(sw, w, t, in, t->ports[dest[i]], tenant, c);
	}
	send_to(sw, w, t, in, t->ports[dest[k - 1]], tenant, m);
}

/* ---- learning --------------------------------------------------------- */

static inline void
learn_request(struct ds_switch *sw, struct ds_worker *w, uint64_t key,
	      uint32_t ref, uint32_t flags, uint64_t now)
{
	uint32_t h = (uint32_t)(key ^ (key >> 21) ^ (key >> 43));
	struct ds_learn_cache *c = &w->lcache[h & (DS_LEARN_CACHE - 1)];
	struct ds_learn_req r = { .key = key, .ref = ref, .flags = flags };

	/* the same request again before the control thread acted on it */
	if (c->key == key && c->ref == ref && now - c->tsc < sw->learn_repeat)
		return;
	c->key = key;
	c->ref = ref;
	c->tsc = now;
	if (rte_ring_mp_enqueue_elem(sw->learn_ring, &r, sizeof(r)) != 0)
		ds_ctr_add(&w->learn_dropped, 1);
}

/* ---- ingress ---------------------------------------------------------- */

/* What a guest frame's source MAC asks of the FDB. */
enum src_use {
	SRC_LEARN = 0,	/* learn it (anti-spoof=no, uplinks) */
	SRC_PINNED,	/* the port's own pinned MAC: keep it static */
	SRC_CLAIM,	/* learn-first, nothing pinned yet: ask to claim it */
};

/*
 * Guest frame policing: returns the drop reason or DS_DROP_MAX to accept,
 * and in *use what the source MAC is to the FDB.
 */
static inline enum ds_drop
police_guest(struct ds_port *in, struct ds_rxq_state *rq, bool limited,
	     const struct rte_ether_hdr *eh, uint32_t len, uint64_t src,
	     uint8_t *use)
{
	uint64_t lm;

	*use = SRC_LEARN;
	if (!in->allow_vlan && (eh->ether_type == TPID_8021Q ||
				eh->ether_type == TPID_8021AD ||
				eh->ether_type == TPID_9100))
		return DS_DROP_TAGGED;
	if ((src & MAC_MCAST_BIT) || src == 0)
		return DS_DROP_BAD_SRC;
	switch (in->spoof) {
	case DS_SPOOF_STRICT:
		if (src != in->mac48)
			return DS_DROP_SPOOFED;
		*use = SRC_PINNED;
		break;
	case DS_SPOOF_LEARN_FIRST:
		/*
		 * Only the control thread pins a MAC, after checking that
		 * nobody else has it; until then every frame is a claim,
		 * judged against the FDB and the owned keys in
		 * process_burst() (claim_propose()).
		 */
		lm = atomic_load_explicit(&in->locked_mac,
					  memory_order_relaxed);
		if (lm != 0) {
			if ((lm & ~DS_MAC_LOCKED) != src)
				return DS_DROP_SPOOFED;
			*use = SRC_PINNED;
			break;
		}
		*use = SRC_CLAIM;	/* judged after the FDB lookup */
		break;
	case DS_SPOOF_OFF:
		break;
	}
	if (limited) {
		if (!ds_tb_take(&rq->pps, 1))
			return DS_DROP_RATE;
		if (!ds_tb_take(&rq->bytes, len)) {
			ds_tb_untake(&rq->pps, 1);
			return DS_DROP_RATE;
		}
	}
	return DS_DROP_MAX;
}

/*
 * Whether a guest may use a source MAC it does not own (a claim, or
 * anti-spoof=no): not if another live port has it in the FDB (a claim),
 * or holds it pinned (anyone), or if it is owned by configuration or by
 * a pin whose guest is not attached (t->owned).  The control thread
 * checks claims again; this check is what keeps such frames from being
 * forwarded meanwhile.
 */
static inline bool
src_taken(struct ds_switch *sw, const struct ds_table *t,
	  const struct ds_port *in, uint8_t use, uint64_t key, int32_t pos)
{
	if (pos >= 0) {
		uint32_t ref = ds_fdb_ref(&sw->fdb, pos);

		if (ref == in->ref)
			return false;
		if (ref != 0 && port_of_ref(t, ref) != NULL &&
		    (use == SRC_CLAIM || ds_fdb_is_static(&sw->fdb, pos)))
			return true;
	}
	return ds_keys_has(t->owned, t->n_owned, key);
}

/*
 * A learn-first guest that is not pinned yet proposes a free source MAC;
 * one claim at a time, the first such MAC wins (from any of the port's
 * queues) until the control thread grants it or, rarely, refuses it.
 */
static inline bool
claim_propose(struct ds_port *in, uint64_t key)
{
	uint64_t want = DS_MAC_LOCKED | DS_FDB_KEY_MAC(key);
	uint64_t cur = atomic_load_explicit(&in->claiming_mac,
					    memory_order_relaxed);

	/* relaxed: the value itself is all that is shared */
	if (cur == 0 &&
	    atomic_compare_exchange_strong_explicit(&in->claiming_mac, &cur,
						    want, memory_order_relaxed,
						    memory_order_relaxed))
		return true;
	return cur == want;
}

static void
process_burst(struct ds_switch *sw, struct ds_worker *w,
	      const struct ds_table *t, struct ds_port *in, uint16_t q,
	      struct rte_mbuf **pkts, uint16_t n, uint64_t now)
{
	uint64_t ksrc[DS_BURST_MAX], kdst[DS_BURST_MAX];
	const void *psrc[DS_BURST_MAX], *pdst[DS_BURST_MAX];
	int32_t pos_src[DS_BURST_MAX], pos_dst[DS_BURST_MAX];
	uint16_t ten[DS_BURST_MAX];
	uint8_t use[DS_BURST_MAX];
	struct rte_mbuf *ok[DS_BURST_MAX];
	struct ds_rxq_state *rq = &in->rxq[q];
	bool guest = in->kind == DS_PORT_GUEST;
	bool limited = guest && (in->rate_pps != 0 || in->rate_bps != 0);
	uint64_t bytes = 0;
	uint16_t i, m = 0;

	if (limited) {
		ds_tb_refill(&rq->pps, now);
		ds_tb_refill(&rq->bytes, now);
	}
	for (i = 0; i < n; i++) {
		struct rte_mbuf *mb = pkts[i];
		struct rte_ether_hdr *eh;
		enum ds_drop why;
		uint16_t tenant;
		uint64_t src;

		bytes += mb->pkt_len;
		if (rte_pktmbuf_data_len(mb) < sizeof(*eh)) {
			drop(w, in->slot, DS_DROP_MALFORMED, mb);
			continue;
		}
		if (guest) {
			eh = rte_pktmbuf_mtod(mb, struct rte_ether_hdr *);
			src = mac48(&eh->src_addr);
			why = police_guest(in, rq, limited, eh, mb->pkt_len,
					   src, &use[m]);
			if (why != DS_DROP_MAX) {
				drop(w, in->slot, why, mb);
				continue;
			}
			tenant = in->tenant;
		} else {
			int vid = tag_strip(mb);

			if (vid <= 0 ||
			    sw->vlan_to_tenant[vid] == DS_TENANT_NONE ||
			    !carries(in, sw->vlan_to_tenant[vid])) {
				drop(w, in->slot, DS_DROP_UPLINK_VLAN, mb);
				continue;
			}
			tenant = sw->vlan_to_tenant[vid];
			eh = rte_pktmbuf_mtod(mb, struct rte_ether_hdr *);
			src = mac48(&eh->src_addr);
			if ((src & MAC_MCAST_BIT) || src == 0) {
				drop(w, in->slot, DS_DROP_BAD_SRC, mb);
				continue;
			}
			use[m] = SRC_LEARN;
		}
		ten[m] = tenant;
		ksrc[m] = DS_FDB_KEY(tenant, src);
		kdst[m] = DS_FDB_KEY(tenant, mac48(&eh->dst_addr));
		psrc[m] = &ksrc[m];
		pdst[m] = &kdst[m];
		ok[m++] = mb;
	}
	ds_ctr_add(&w->ctrs[in->slot].rx_pkts, n);
	ds_ctr_add(&w->ctrs[in->slot].rx_bytes, bytes);
	if (m == 0)
		return;

	ds_fdb_lookup_bulk(&sw->fdb, psrc, m, pos_src);
	ds_fdb_lookup_bulk(&sw->fdb, pdst, m, pos_dst);

	for (i = 0; i < m; i++) {
		struct ds_port *out = NULL;
		uint32_t ref;

		/* learning: ask the control thread, never write here */
		if (use[i] != SRC_PINNED && guest &&
		    (src_taken(sw, t, in, use[i], ksrc[i], pos_src[i]) ||
		     (use[i] == SRC_CLAIM && !claim_propose(in, ksrc[i])))) {
			drop(w, in->slot, DS_DROP_SPOOFED, ok[i]);
			continue;
		}
		if (use[i] == SRC_CLAIM) {
			learn_request(sw, w, ksrc[i], in->ref,
				      DS_LEARN_F_CLAIM, now);
		} else if (pos_src[i] < 0) {
			learn_request(sw, w, ksrc[i], in->ref,
				      use[i] == SRC_PINNED ?
				      DS_LEARN_F_STATIC : 0, now);
		} else {
			ref = ds_fdb_ref(&sw->fdb, pos_src[i]);
			if (ref == in->ref) {
				if (use[i] == SRC_PINNED &&
				    !ds_fdb_is_static(&sw->fdb, pos_src[i]))
					learn_request(sw, w, ksrc[i], in->ref,
						      DS_LEARN_F_STATIC, now);
				ds_fdb_touch(&sw->fdb, pos_src[i], now,
					     sw->fdb_touch_every);
			} else if (ref != 0 && port_of_ref(t, ref) != NULL &&
				   ds_fdb_is_static(&sw->fdb, pos_src[i])) {
				/* another live port owns this MAC for good */
				drop(w, in->slot, DS_DROP_SPOOFED, ok[i]);
				continue;
			} else {
				learn_request(sw, w, ksrc[i], in->ref,
					      use[i] == SRC_PINNED ?
					      DS_LEARN_F_STATIC : 0, now);
			}
		}

		if (!(DS_FDB_KEY_MAC(kdst[i]) & MAC_MCAST_BIT) &&
		    pos_dst[i] >= 0) {
			ref = ds_fdb_ref(&sw->fdb, pos_dst[i]);
			if (ref != 0)
				out = port_of_ref(t, ref);
		}
		if (out != NULL)
			send_to(sw, w, t, in, out, ten[i], ok[i]);
		else
			flood(sw, w, t, in, ten[i], ok[i]);
	}
}

/* ---- the loop --------------------------------------------------------- */

int
ds_worker_main(void *arg)
{
	struct ds_switch *sw = arg;
	unsigned int lcore = rte_lcore_id();
	struct ds_worker *w = sw->workers[sw->worker_of_lcore[lcore]];
	struct rte_mbuf *pkts[DS_BURST_MAX];
	uint16_t burst = sw->burst;
	uint64_t last = rte_rdtsc(), max_gap = 0;

	rte_rcu_qsbr_thread_online(sw->qs, w->idx);
	while (!atomic_load_explicit(&sw->quit, memory_order_relaxed)) {
		/* acquire: pairs with the release in ds_table_publish() */
		const struct ds_table *t = atomic_load_explicit(&sw->table,
							memory_order_acquire);
		const struct ds_poll *p = t->polls + t->poll_off[w->idx];
		uint32_t np = t->poll_off[w->idx + 1] - t->poll_off[w->idx];
		uint64_t now = rte_rdtsc();
		uint32_t i, busy = 0;

		/* a stalled worker (preempted, or waiting on something it
		 * must never wait on) shows here: /doms_switch/lcores */
		if (now - last > max_gap) {
			max_gap = now - last;
			atomic_store_explicit(&w->max_gap_tsc, max_gap,
					      memory_order_relaxed);
		}
		last = now;

		for (i = 0; i < np; i++) {
			struct ds_port *in = t->ports[p[i].slot];
			uint16_t nb;

			nb = rte_eth_rx_burst(in->port_id, p[i].queue, pkts,
					      burst);
			if (nb == 0)
				continue;
			busy += nb;
			process_burst(sw, w, t, in, p[i].queue, pkts, nb, now);
		}
		tx_flush_all(w, t);
		atomic_store_explicit(&w->table_version, t->version,
				      memory_order_relaxed);
		/* nothing of table t is held past this point */
		rte_rcu_qsbr_quiescent(sw->qs, w->idx);
		ds_ctr_add(&w->loops, 1);
		if (busy != 0)
			ds_ctr_add(&w->busy_loops, 1);
		else if (np == 0)
			usleep(100);	/* no queue to poll: yield the core */
	}
	rte_rcu_qsbr_thread_offline(sw->qs, w->idx);
	return 0;
}
