/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "pkc_tx.h"

/* How long frames the port refuses are retried once sending stopped. */
#define PKC_FLUSH_MS	1000

enum pkc_inj {
	PKC_INJ_NONE,
	PKC_INJ_DROP,
	PKC_INJ_CORRUPT,
	PKC_INJ_DUP,
	PKC_INJ_REORDER,
};

int
pkc_sender_init(struct pkc_sender *s, const struct pkc_conf *conf,
		const struct pkc_encap *enc, struct rte_mempool *mp,
		uint16_t port, uint32_t session, struct pkc_live *live)
{
	memset(s, 0, sizeof(*s));
	s->conf = conf;
	s->enc = *enc;
	s->mp = mp;
	s->port = port;
	s->nb_q = conf->txq;
	s->session = session;
	s->live = live;
	s->hz = rte_get_tsc_hz();
	s->depth = RTE_MAX((double)conf->burst, conf->rate_pps / 100.0);
	s->flows = calloc(conf->flows, sizeof(*s->flows));
	s->q = calloc(s->nb_q, sizeof(*s->q));
	s->scratch = malloc(PKC_FRAME_MAX);
	if (s->flows == NULL || s->q == NULL || s->scratch == NULL) {
		pkc_sender_free(s);
		return -ENOMEM;
	}
	return 0;
}

static void
pkc_txq_push(struct pkc_txq_buf *q, struct rte_mbuf *m, uint32_t fidx,
		uint64_t seq)
{
	q->pkts[q->n] = m;
	q->fidx[q->n] = fidx;
	q->seq[q->n] = seq;
	q->n++;
}

/* Which fault, if any, frame number idx (1-based) gets; one per frame. */
static enum pkc_inj
pkc_inject_pick(const struct pkc_inject *in, uint64_t idx)
{
	if (in->drop_every != 0 && idx % in->drop_every == 0)
		return PKC_INJ_DROP;
	if (in->corrupt_every != 0 && idx % in->corrupt_every == 0)
		return PKC_INJ_CORRUPT;
	if (in->dup_every != 0 && idx % in->dup_every == 0)
		return PKC_INJ_DUP;
	if (in->reorder_every != 0 && idx % in->reorder_every == 0)
		return PKC_INJ_REORDER;
	return PKC_INJ_NONE;
}

/* Build up to budget new seqs; returns how many seqs were consumed. */
static uint32_t
pkc_sender_generate(struct pkc_sender *s, uint32_t budget, uint64_t now)
{
	const struct pkc_conf *c = s->conf;
	struct rte_mbuf *m, *dup;
	struct pkc_txq_buf *q;
	enum pkc_inj inj;
	uint32_t fidx, flow, done = 0;
	uint64_t seq;
	uint16_t len;

	while (done < budget) {
		if (c->inject.pause_ms != 0 && !s->pause_done &&
				s->generated >= c->inject.pause_after) {
			s->pause_done = true;
			s->pause_until = now + c->inject.pause_ms * s->hz / 1000;
			break;
		}
		fidx = s->next_fidx;
		q = &s->q[fidx % s->nb_q];
		if (q->n >= c->burst)
			break;	/* that queue is backed up: retry first */
		seq = s->flows[fidx].next_seq;
		flow = c->flow_base + fidx;
		/* sizes rotate per seq, staggered per flow */
		len = c->sizes[(seq + fidx) % c->nb_sizes];
		inj = pkc_inject_pick(&c->inject, s->generated + 1);
		if (inj == PKC_INJ_REORDER && s->has_held)
			inj = PKC_INJ_NONE;

		if (inj == PKC_INJ_DROP) {
			/* the seq is gone for good, as if the wire ate it */
			s->inj_drop++;
			s->flows[fidx].sent = seq + 1;
			goto consumed;
		}
		m = pkc_frame_mbuf(&s->enc, s->mp, s->scratch, len,
				s->session, flow, seq);
		if (m == NULL) {
			s->alloc_fail++;
			break;	/* pool empty: frames in flight come back */
		}
		dup = NULL;
		if (inj == PKC_INJ_DUP) {
			dup = pkc_frame_mbuf(&s->enc, s->mp, s->scratch, len,
					s->session, flow, seq);
			if (dup == NULL) {
				rte_pktmbuf_free(m);
				s->alloc_fail++;
				break;
			}
			s->inj_dup++;
		} else if (inj == PKC_INJ_CORRUPT) {
			pkc_frame_corrupt(m);
			s->inj_corrupt++;
		}

		if (inj == PKC_INJ_REORDER) {
			s->has_held = true;
			s->held = m;
			s->held_fidx = fidx;
			s->held_seq = seq;
			goto consumed;
		}
		pkc_txq_push(q, m, fidx, seq);
		if (dup != NULL)
			pkc_txq_push(q, dup, fidx, seq);
		/* release behind a clean successor so it is surely reordered */
		if (s->has_held && s->held_fidx == fidx &&
				inj == PKC_INJ_NONE) {
			pkc_txq_push(q, s->held, fidx, s->held_seq);
			s->has_held = false;
			s->inj_reorder++;
		}
consumed:
		s->flows[fidx].next_seq++;
		s->generated++;
		s->next_fidx = fidx + 1 == c->flows ? 0 : fidx + 1;
		done++;
		if (c->count != 0 && s->generated >= c->count)
			break;
	}
	return done;
}

static void
pkc_sender_flush(struct pkc_sender *s)
{
	struct pkc_txq_buf *q;
	struct pkc_tx_flow *f;
	uint16_t qi, i, sent;

	for (qi = 0; qi < s->nb_q; qi++) {
		q = &s->q[qi];
		if (q->n == 0)
			continue;
		sent = rte_eth_tx_burst(s->port, qi, q->pkts, q->n);
		for (i = 0; i < sent; i++) {
			f = &s->flows[q->fidx[i]];
			if (q->seq[i] + 1 > f->sent)
				f->sent = q->seq[i] + 1;
			s->tx_bytes += q->pkts[i]->pkt_len;
		}
		s->tx += sent;
		if (sent == q->n) {
			q->n = 0;
			continue;
		}
		q->n -= sent;
		memmove(q->pkts, q->pkts + sent, q->n * sizeof(q->pkts[0]));
		memmove(q->fidx, q->fidx + sent, q->n * sizeof(q->fidx[0]));
		memmove(q->seq, q->seq + sent, q->n * sizeof(q->seq[0]));
	}
}

static bool
pkc_sender_idle(const struct pkc_sender *s)
{
	uint16_t qi;

	if (s->has_held)
		return false;
	for (qi = 0; qi < s->nb_q; qi++)
		if (s->q[qi].n != 0)
			return false;
	return true;
}

/* Free whatever the port never took; those seqs count as not sent. */
static void
pkc_sender_drop_pending(struct pkc_sender *s)
{
	uint16_t qi;

	for (qi = 0; qi < s->nb_q; qi++) {
		s->unsent += s->q[qi].n;
		rte_pktmbuf_free_bulk(s->q[qi].pkts, s->q[qi].n);
		s->q[qi].n = 0;
	}
	if (s->has_held) {
		s->unsent++;
		rte_pktmbuf_free(s->held);
		s->has_held = false;
	}
}

static void
pkc_sender_stop_generating(struct pkc_sender *s, uint64_t now)
{
	struct pkc_txq_buf *q;

	s->gen_done = true;
	s->gen_done_tsc = now;
	if (s->has_held) {
		/* no successor will come: send it in order, not counted */
		q = &s->q[s->held_fidx % s->nb_q];
		pkc_txq_push(q, s->held, s->held_fidx, s->held_seq);
		s->has_held = false;
	}
}

bool
pkc_sender_poll(struct pkc_sender *s, uint64_t now)
{
	const struct pkc_conf *c = s->conf;
	uint32_t budget;
	double add;

	if (s->done)
		return false;
	if (!s->started) {
		s->started = true;
		s->start_tsc = now;
		s->last_tsc = now;
		if (c->duration_s > 0)
			s->stop_tsc = now + (uint64_t)(c->duration_s * s->hz);
	}

	if (!s->gen_done && (pkc_stop_requested() ||
			(c->count != 0 && s->generated >= c->count) ||
			(s->stop_tsc != 0 && now >= s->stop_tsc)))
		pkc_sender_stop_generating(s, now);

	if (!s->gen_done && now >= s->pause_until) {
		budget = c->burst;
		if (c->rate_pps != 0) {
			/*
			 * Bucket depth: 10 ms of traffic (at least a burst).
			 * Deep enough to make up for being descheduled on a
			 * busy host, shallow enough that a long stall does not
			 * turn into a line-rate storm.
			 */
			add = (double)(now - s->last_tsc) * c->rate_pps / s->hz;
			s->tokens = RTE_MIN(s->tokens + add, s->depth);
			budget = RTE_MIN(budget, (uint32_t)s->tokens);
		}
		if (c->count != 0)
			budget = RTE_MIN((uint64_t)budget,
					c->count - s->generated);
		if (budget > 0)
			s->tokens -= pkc_sender_generate(s, budget, now);
	}
	s->last_tsc = now;

	pkc_sender_flush(s);
	atomic_store_explicit(&s->live->tx, s->tx, memory_order_relaxed);

	if (s->gen_done && (pkc_sender_idle(s) || pkc_stop_requested() >= 2 ||
			now - s->gen_done_tsc > PKC_FLUSH_MS * s->hz / 1000)) {
		pkc_sender_drop_pending(s);
		s->done = true;
		s->end_tsc = now;
	}
	return !s->done;
}

void
pkc_sender_free(struct pkc_sender *s)
{
	if (s->q != NULL)
		pkc_sender_drop_pending(s);
	free(s->flows);
	free(s->q);
	free(s->scratch);
	s->flows = NULL;
	s->q = NULL;
	s->scratch = NULL;
}
