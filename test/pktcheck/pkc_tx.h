/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Sender: round-robin over flows, one seq counter per flow, a token bucket
 * when --rate is given, optional fault injection.  Frames the port does
 * not take stay queued (in order) and are retried, so back pressure never
 * shows up as loss.  Flow f always uses tx queue f % txq, which keeps each
 * flow in order even with several queues.
 */

#ifndef PKC_TX_H
#define PKC_TX_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "pkc.h"
#include "pkc_frame.h"

/* room for a burst plus a duplicate and a released held-back frame */
#define PKC_PEND_MAX	(PKC_BURST_MAX + 4)

struct pkc_txq_buf {
	uint16_t n;
	struct rte_mbuf *pkts[PKC_PEND_MAX];
	uint32_t fidx[PKC_PEND_MAX];	/* index into pkc_sender.flows */
	uint64_t seq[PKC_PEND_MAX];
};

struct pkc_tx_flow {
	uint64_t next_seq;
	uint64_t sent;		/* 1 + highest seq the port accepted */
};

struct pkc_sender {
	const struct pkc_conf *conf;
	struct pkc_encap enc;
	struct rte_mempool *mp;
	uint16_t port;
	uint16_t nb_q;
	uint32_t session;
	struct pkc_tx_flow *flows;
	uint32_t next_fidx;
	uint8_t *scratch;
	struct pkc_txq_buf *q;

	/* reorder injection: one frame held back behind its successor */
	bool has_held;
	struct rte_mbuf *held;
	uint32_t held_fidx;
	uint64_t held_seq;

	double tokens;
	double depth;		/* token bucket size */
	uint64_t hz;
	uint64_t last_tsc;
	uint64_t start_tsc;
	uint64_t stop_tsc;	/* --duration deadline, 0: none */
	uint64_t gen_done_tsc;
	uint64_t end_tsc;
	uint64_t pause_until;
	bool pause_done;
	bool started;
	bool gen_done;		/* no new seqs, still flushing */
	bool done;

	uint64_t generated;	/* seqs consumed */
	uint64_t tx;		/* frames the port accepted */
	uint64_t tx_bytes;
	uint64_t alloc_fail;
	uint64_t unsent;	/* freed at the end, never accepted */
	uint64_t inj_drop;
	uint64_t inj_dup;
	uint64_t inj_corrupt;
	uint64_t inj_reorder;

	struct pkc_live *live;
};

int pkc_sender_init(struct pkc_sender *s, const struct pkc_conf *conf,
		const struct pkc_encap *enc, struct rte_mempool *mp,
		uint16_t port, uint32_t session, struct pkc_live *live);

/* One iteration; returns false once everything was sent (or given up). */
bool pkc_sender_poll(struct pkc_sender *s, uint64_t now);

void pkc_sender_free(struct pkc_sender *s);

#endif /* PKC_TX_H */
