/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * The one data path of both PMDs.  One copy per side: rx copies a frame
 * from the peer's slots into mbufs, tx copies mbufs into this side's
 * slots.  No syscall, no lock unless tx queues share a ring.
 *
 * Everything the peer wrote is read through shmring_ring.h, which reads
 * each shared index and descriptor once and validates it.  A validation
 * error disables the port (xenshm_port_fail): the frames before it in the
 * burst are still good and are delivered.
 *
 * Region lifetime vs. the data path (DomS unmaps when the guest goes
 * away): each queue raises its in_use flag while it is inside a burst and
 * only then looks at dp_state.  The control path lowers dp_state first
 * and waits for in_use to drop before it unmaps (xenshm_port.c).
 */

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>
#include <rte_prefetch.h>

#include "xenshm_common.h"

/* Frames one ring gives per burst call (bounds the stack). */
#define XENSHM_RX_BURST_MAX	64

/*
 * Enter the region.  Q1: the store of in_use and the load of dp_state
 * must not be reordered (a store-load, Dekker-style handshake with the
 * control path's store of dp_state = DOWN and load of in_use, Q2 in
 * xenshm_port.c).  With the asymmetric fence (xenshm_port.c registers
 * membarrier(2) PRIVATE_EXPEDITED) the control path pays for the full
 * barrier on every lcore with one system call when it drains, and this
 * side needs only a compiler barrier: no locked instruction per burst.
 * Without membarrier, a seq_cst exchange does it here.  The acquire load
 * also pairs with the store-release of dp_state = UP (Q3) that publishes
 * the ring set-up.
 */
static __rte_always_inline bool
dp_enter(struct xenshm_port *p, _Atomic uint32_t *in_use)
{
	if (likely(xenshm_fence_asym)) {
		atomic_store_explicit(in_use, 1, memory_order_relaxed);
		atomic_signal_fence(memory_order_seq_cst);
	} else {
		atomic_exchange_explicit(in_use, 1, memory_order_seq_cst);
	}
	if (likely(atomic_load_explicit(&p->dp_state, memory_order_acquire) ==
		   XENSHM_DP_UP))
		return true;
	atomic_store_explicit(in_use, 0, memory_order_release);
	return false;
}

/* Q4: release pairs with the control path's acquire load of in_use. */
static __rte_always_inline void
dp_leave(_Atomic uint32_t *in_use)
{
	atomic_store_explicit(in_use, 0, memory_order_release);
}

/*
 * Copy one validated frame (segs[0..nd)) into the mbuf chain headed by
 * 'm'.  Returns 0, -ENOBUFS when a further segment could not be allocated
 * (the chain is freed by the caller; the frame stays in the ring).
 */
static int
rx_copy(struct xenshm_rxq *q, const struct shmring_cons *c,
	const struct shmring_desc *segs, uint32_t nd, uint32_t len,
	struct rte_mbuf *m)
{
	struct rte_mbuf *cur = m;
	uint32_t room = q->seg_room;
	uint32_t i;

	for (i = 0; i < nd; i++) {
		const uint8_t *src = shmring_cons_data(c, &segs[i]);
		uint32_t left = segs[i].len;

		while (left > 0) {
			uint32_t chunk;

			if (room == 0) {
				struct rte_mbuf *nm = rte_pktmbuf_alloc(q->mp);

				if (unlikely(nm == NULL))
					return -ENOBUFS;
				cur->next = nm;
				cur = nm;
				m->nb_segs++;
				room = q->seg_room;
			}
			chunk = RTE_MIN(left, room);
			rte_memcpy(rte_pktmbuf_mtod_offset(cur, uint8_t *,
							   cur->data_len),
				   src, chunk);
			cur->data_len += chunk;
			room -= chunk;
			src += chunk;
			left -= chunk;
		}
	}
	m->pkt_len = len;
	m->port = q->port_id;
	return 0;
}

/*
 * Receive up to n frames from the ring of queue pair qp.  Releases what it
 * consumed.
 */
static uint16_t
rx_ring(struct xenshm_rxq *q, struct shmring_cons *c, unsigned int qp,
	struct rte_mbuf **pkts, uint16_t n)
{
	struct xenshm_port *p = q->port;
	struct shmring_desc segs[SHMRING_MAX_SEGS];
	struct rte_mbuf *heads[XENSHM_RX_BURST_MAX];
	uint32_t avail, used = 0, nheads, h = 0;
	uint16_t got = 0;
	uint64_t bytes = 0;
	int err = SHMRING_OK;

	if (n > XENSHM_RX_BURST_MAX)
		n = XENSHM_RX_BURST_MAX;
	avail = shmring_cons_avail(c, n, &err);
	if (unlikely(err != SHMRING_OK)) {
		q->st.errors++;
		xenshm_port_fail(p, err, xenshm_rx_ring_no(p, qp));
		return 0;
	}
	if (avail == 0)
		return 0;
	/* At most one head per descriptor; frames have >= 1 descriptor. */
	nheads = RTE_MIN(avail, (uint32_t)n);
	if (unlikely(rte_pktmbuf_alloc_bulk(q->mp, heads, nheads) != 0)) {
		q->st.nombuf++;
		return 0;
	}
	while (got < n && used < avail) {
		uint32_t len, nd;
		struct rte_mbuf *m;

		nd = shmring_cons_frame(c, used, avail, segs, &len, &err);
		if (unlikely(nd == 0)) {
			q->st.errors++;
			xenshm_port_fail(p, err, xenshm_rx_ring_no(p, qp));
			break;
		}
		if (unlikely(len > q->seg_room && !q->scatter)) {
			/* The application did not enable scatter. */
			q->st.oversize++;
			used += nd;
			continue;
		}
		m = heads[h];
		if (unlikely(rx_copy(q, c, segs, nd, len, m) != 0)) {
			/*
			 * Leave the frame in the ring and retry next burst;
			 * the partial chain goes back with the unused heads.
			 */
			q->st.nombuf++;
			break;
		}
		h++;
		pkts[got++] = m;
		bytes += len;
		used += nd;
	}
	/* Release before the mbufs reach the application (restartable DomS). */
	if (used > 0)
		shmring_cons_release(c, used);
	if (h < nheads)
		rte_pktmbuf_free_bulk(&heads[h], nheads - h);
	q->st.pkts += got;
	q->st.bytes += bytes;
	return got;
}

uint16_t
xenshm_rx_burst(void *queue, struct rte_mbuf **pkts, uint16_t n)
{
	struct xenshm_rxq *q = queue;
	struct xenshm_port *p = q->port;
	unsigned int n_qp, nb_rxq, nrings, k, qp;
	uint16_t got = 0;

	if (unlikely(!dp_enter(p, &q->in_use)))
		return 0;
	n_qp = p->n_qp;
	nb_rxq = p->nb_rxq;
	if (unlikely(q->qid >= n_qp || nb_rxq == 0))
		goto out;
	if (likely(nb_rxq >= n_qp)) {
		/* One pair per queue: no division on the common path. */
		got = rx_ring(q, &p->rx_ring[q->qid].c, q->qid, pkts, n);
		goto out;
	}
	/* This queue's pairs: qid, qid + nb_rxq, ... below n_qp. */
	nrings = (n_qp - q->qid + nb_rxq - 1) / nb_rxq;
	if (q->rr >= nrings)
		q->rr = 0;
	for (k = 0; k < nrings && got < n; k++) {
		qp = q->qid + ((q->rr + k) % nrings) * nb_rxq;
		got += rx_ring(q, &p->rx_ring[qp].c, qp, pkts + got, n - got);
		if (unlikely(atomic_load_explicit(&p->broken,
						  memory_order_relaxed)))
			break;
	}
	q->rr++;
out:
	dp_leave(&q->in_use);
	return got;
}

/* Bytes of an mbuf chain (the segments, not a possibly stale pkt_len). */
static __rte_always_inline uint32_t
tx_len(const struct rte_mbuf *m)
{
	uint32_t len = 0;

	if (likely(m->next == NULL))
		return m->data_len;
	for (; m != NULL; m = m->next)
		len += m->data_len;
	return len;
}

/* Write descriptor i past the producer position with one 16-byte store. */
static __rte_always_inline void
tx_desc(struct shmring_prod *pr, uint32_t i, uint32_t off, uint32_t len,
	uint16_t flags)
{
	const struct shmring_desc d = {
		.offset = off, .len = len, .flags = flags, .rsvd = 0, .meta = 0,
	};

	*shmring_prod_desc(pr, i) = d;
}

/* Copy an mbuf chain into slots i, i+1, ... and chain them with NEXT. */
static void
tx_copy(struct shmring_prod *pr, uint32_t i, const struct rte_mbuf *m)
{
	const uint32_t slot = pr->slot_size;
	uint32_t off, fill = 0;
	uint8_t *dst = shmring_prod_slot(pr, i, &off);

	for (; m != NULL; m = m->next) {
		const uint8_t *src = rte_pktmbuf_mtod(m, const uint8_t *);
		uint32_t left = m->data_len;

		while (left > 0) {
			uint32_t chunk;

			if (fill == slot) {
				tx_desc(pr, i, off, fill, SHMRING_DESC_F_NEXT);
				i++;
				dst = shmring_prod_slot(pr, i, &off);
				fill = 0;
			}
			chunk = RTE_MIN(left, slot - fill);
			rte_memcpy(dst + fill, src, chunk);
			fill += chunk;
			src += chunk;
			left -= chunk;
		}
	}
	tx_desc(pr, i, off, fill, 0);
}

/*
 * Produce into the ring of queue pair qp.  Returns how many of pkts[] it
 * consumed (copied, or dropped and counted); the caller frees those.  When
 * the peer's ring is full, a backpressure port stops there and leaves the
 * rest to the application (counted in tx_ring_full); a drop port drops
 * them (tx_ring_full_drops).
 */
static uint16_t
tx_ring(struct xenshm_txq *q, struct shmring_prod *pr, unsigned int qp,
	struct rte_mbuf **pkts, uint16_t n)
{
	struct xenshm_port *p = q->port;
	const uint32_t slot = p->slot_size;
	uint32_t free_slots, used = 0;
	uint64_t bytes = 0, sent = 0;
	int err = SHMRING_OK;
	uint16_t i, done = n;

	free_slots = shmring_prod_free(pr, n, &err);
	for (i = 0; i < n && err == SHMRING_OK; i++) {
		uint32_t len = tx_len(pkts[i]);
		uint32_t ns = 1;

		if (unlikely(len == 0 || len > p->tx_max_frame)) {
			q->st.too_long++;
			continue;
		}
		if (unlikely(len > slot)) {
			ns = (len + slot - 1) / slot;
			if (!p->multi_seg) {
				q->st.too_long++;
				continue;
			}
		}
		if (unlikely(used + ns > free_slots)) {
			/* Refresh the consumer index once before giving up. */
			free_slots = shmring_prod_free(pr, used + ns, &err);
			if (err != SHMRING_OK)
				break;
			if (used + ns > free_slots) {
				if (p->tx_drop_on_full) {
					/*
					 * Drop rather than wait: a peer that
					 * stops consuming must never stall
					 * this sender (DomS's default).
					 */
					q->st.ring_full += n - i;
				} else {
					/* The application keeps the rest. */
					q->st.full_returned += n - i;
					done = i;
				}
				break;
			}
		}
		tx_copy(pr, used, pkts[i]);
		used += ns;
		sent++;
		bytes += len;
	}
	if (unlikely(err != SHMRING_OK)) {
		q->st.errors++;
		q->st.link_down += n - i;
		xenshm_port_fail(p, err, xenshm_tx_ring_no(p, qp));
	}
	/* P1 (shmring_ring.h): one store-release of prod per burst. */
	if (used > 0)
		shmring_prod_commit(pr, used);
	q->st.pkts += sent;
	q->st.bytes += bytes;
	return done;
}

uint16_t
xenshm_tx_burst(void *queue, struct rte_mbuf **pkts, uint16_t n)
{
	struct xenshm_txq *q = queue;
	struct xenshm_port *p = q->port;
	struct xenshm_tx_ring *tr;
	unsigned int n_qp, qp;
	uint16_t done;
	bool shared;

	/* No peer: drop, whatever the mode (no stale frames in the ring). */
	if (unlikely(!dp_enter(p, &q->in_use))) {
		q->st.link_down += n;
		rte_pktmbuf_free_bulk(pkts, n);
		return n;
	}
	n_qp = p->n_qp;
	qp = likely(q->qid < n_qp) ? q->qid : q->qid % n_qp;
	tr = &p->tx_ring[qp];
	/* Pair qp's ring is shared when tx queue qp + n_qp exists too. */
	shared = qp + n_qp < p->nb_txq;
	if (shared)
		rte_spinlock_lock(&tr->lock);
	done = tx_ring(q, &tr->p, qp, pkts, n);
	if (shared)
		rte_spinlock_unlock(&tr->lock);
	dp_leave(&q->in_use);
	/* Copied or dropped, those mbufs go back to their pool. */
	rte_pktmbuf_free_bulk(pkts, done);
	return done;
}
