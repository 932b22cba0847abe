/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

#include <string.h>

#include <rte_ethdev.h>

#include "pkc_rx.h"

int
pkc_receiver_init(struct pkc_receiver *r, const struct pkc_conf *conf,
		uint16_t port, struct pkc_live *live)
{
	memset(r, 0, sizeof(*r));
	r->conf = conf;
	r->port = port;
	r->nb_q = conf->rxq;
	r->live = live;
	return pkc_verifier_init(&r->v, conf);
}

static void
pkc_receiver_publish(const struct pkc_receiver *r)
{
	const struct pkc_counters *t = &r->v.tot;
	struct pkc_live *l = r->live;

	atomic_store_explicit(&l->rx, t->rx, memory_order_relaxed);
	atomic_store_explicit(&l->reordered, t->reordered,
			memory_order_relaxed);
	atomic_store_explicit(&l->duplicated, t->duplicated,
			memory_order_relaxed);
	atomic_store_explicit(&l->corrupted, t->corrupted,
			memory_order_relaxed);
	atomic_store_explicit(&l->foreign, t->foreign, memory_order_relaxed);
}

uint32_t
pkc_receiver_poll(struct pkc_receiver *r, uint64_t now)
{
	struct rte_mbuf *pkts[PKC_BURST_MAX];
	uint32_t ours = 0, got = 0;
	uint16_t qi, n, i;

	for (qi = 0; qi < r->nb_q; qi++) {
		n = rte_eth_rx_burst(r->port, qi, pkts, r->conf->burst);
		for (i = 0; i < n; i++) {
			if (pkc_verifier_frame(&r->v, pkts[i]) !=
					PKC_C_FOREIGN)
				ours++;
		}
		if (n > 0)
			rte_pktmbuf_free_bulk(pkts, n);
		got += n;
	}
	if (ours > 0) {
		if (!r->seen) {
			r->seen = true;
			r->first_tsc = now;
		} else if (now - r->last_tsc > r->max_gap_tsc) {
			r->max_gap_tsc = now - r->last_tsc;
		}
		r->last_tsc = now;
	}
	if (got > 0)
		pkc_receiver_publish(r);
	return ours;
}

void
pkc_receiver_free(struct pkc_receiver *r)
{
	pkc_verifier_free(&r->v);
}
