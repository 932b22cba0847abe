/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * ethdev ops that are the same for the guest and the DomS port: queues,
 * device info, MTU, stats and xstats.  Start/stop/close and the control
 * path differ and live in each PMD.
 */

#include <inttypes.h>
#include <stdio.h>

#include <rte_malloc.h>

#include "xenshm_common.h"

int
xenshm_dev_configure(struct rte_eth_dev *dev)
{
	struct xenshm_port *p = xenshm_port_of(dev);

	if (dev->data->dev_conf.intr_conf.rxq) {
		XENSHM_LOG(p, ERR, "rx queue interrupts are not supported "
			   "(the rings are polled)");
		return -ENOTSUP;
	}
	return 0;
}

int
xenshm_dev_infos_get(struct rte_eth_dev *dev, struct rte_eth_dev_info *info)
{
	struct xenshm_port *p = xenshm_port_of(dev);

	info->if_index = 0;
	info->max_mac_addrs = 1;
	info->max_rx_queues = XENSHM_MAX_QUEUES;
	info->max_tx_queues = XENSHM_MAX_QUEUES;
	info->min_mtu = p->min_mtu;
	info->max_mtu = p->max_mtu;
	/* Frames carry L2 header + two VLAN tags, no CRC. */
	info->max_rx_pktlen = (uint32_t)p->max_mtu + SHMRING_L2_OVERHEAD;
	info->min_rx_bufsize = XENSHM_MIN_RX_BUF;
	info->rx_offload_capa = RTE_ETH_RX_OFFLOAD_SCATTER;
	info->tx_offload_capa = RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	info->rx_queue_offload_capa = RTE_ETH_RX_OFFLOAD_SCATTER;
	info->tx_queue_offload_capa = RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	info->flow_type_rss_offloads = 0;
	/* One fixed speed (0 when speed= is not a standard one). */
	info->speed_capa = rte_eth_speed_bitflag(p->link_speed,
						 RTE_ETH_LINK_FULL_DUPLEX);
	if (info->speed_capa != 0)
		info->speed_capa |= RTE_ETH_LINK_SPEED_FIXED;
	/* The ring size is the region's; nb_desc of queue setup is ignored. */
	info->default_rxportconf.ring_size = SHMRING_DEFAULT_RING_SIZE;
	info->default_txportconf.ring_size = SHMRING_DEFAULT_RING_SIZE;
	info->default_rxportconf.burst_size = 32;
	info->default_txportconf.burst_size = 32;
	info->default_rxportconf.nb_queues = 1;
	info->default_txportconf.nb_queues = 1;
	return 0;
}

int
xenshm_rx_queue_setup(struct rte_eth_dev *dev, uint16_t qid,
		      uint16_t nb_desc, unsigned int socket,
		      const struct rte_eth_rxconf *conf,
		      struct rte_mempool *mp)
{
	struct xenshm_port *p = xenshm_port_of(dev);
	uint32_t room = rte_pktmbuf_data_room_size(mp);
	uint64_t offloads = conf->offloads |
		dev->data->dev_conf.rxmode.offloads;
	struct xenshm_rxq *q;

	RTE_SET_USED(nb_desc);
	if (room < RTE_PKTMBUF_HEADROOM + XENSHM_MIN_RX_BUF) {
		XENSHM_LOG(p, ERR, "rx queue %u: mempool %s has %u-byte mbufs, "
			   "need at least %u", qid, mp->name, room,
			   RTE_PKTMBUF_HEADROOM + XENSHM_MIN_RX_BUF);
		return -EINVAL;
	}
	q = rte_zmalloc_socket("xenshm_rxq", sizeof(*q), RTE_CACHE_LINE_SIZE,
			       socket);
	if (q == NULL)
		return -ENOMEM;
	q->port = p;
	q->mp = mp;
	q->qid = qid;
	q->port_id = dev->data->port_id;
	q->seg_room = RTE_MIN(room - RTE_PKTMBUF_HEADROOM,
			      (uint32_t)UINT16_MAX);
	q->scatter = (offloads & RTE_ETH_RX_OFFLOAD_SCATTER) != 0;
	dev->data->rx_queues[qid] = q;
	return 0;
}

int
xenshm_tx_queue_setup(struct rte_eth_dev *dev, uint16_t qid,
		      uint16_t nb_desc, unsigned int socket,
		      const struct rte_eth_txconf *conf)
{
	struct xenshm_port *p = xenshm_port_of(dev);
	struct xenshm_txq *q;

	RTE_SET_USED(nb_desc);
	RTE_SET_USED(conf);
	q = rte_zmalloc_socket("xenshm_txq", sizeof(*q), RTE_CACHE_LINE_SIZE,
			       socket);
	if (q == NULL)
		return -ENOMEM;
	q->port = p;
	q->qid = qid;
	q->port_id = dev->data->port_id;
	dev->data->tx_queues[qid] = q;
	return 0;
}

void
xenshm_rx_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
	rte_free(dev->data->rx_queues[qid]);
	dev->data->rx_queues[qid] = NULL;
}

void
xenshm_tx_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
	rte_free(dev->data->tx_queues[qid]);
	dev->data->tx_queues[qid] = NULL;
}

/* The control path keeps dev_link current; nothing to ask here. */
int
xenshm_link_update(struct rte_eth_dev *dev, int wait)
{
	RTE_SET_USED(dev);
	RTE_SET_USED(wait);
	return 0;
}

/*
 * ethdev already checked min_mtu..max_mtu: the protocol's range on the
 * guest (whose PMD then moves the region to the new MTU), what DomS
 * accepts from a guest (max-mtu=) on DomS.  A frame the peer would reject
 * is dropped at tx and counted in tx_q*_too_long_drops.
 */
int
xenshm_mtu_set(struct rte_eth_dev *dev, uint16_t mtu)
{
	struct xenshm_port *p = xenshm_port_of(dev);

	if (mtu < p->min_mtu || mtu > p->max_mtu) {
		XENSHM_LOG(p, ERR, "MTU %u not in %u..%u", mtu, p->min_mtu,
			   p->max_mtu);
		return -EINVAL;
	}
	return 0;
}

int
xenshm_mac_addr_set(struct rte_eth_dev *dev, struct rte_ether_addr *a)
{
	RTE_SET_USED(dev);
	RTE_SET_USED(a);
	return 0;
}

/* Promiscuous and all-multicast: the ring carries every frame anyway. */
int
xenshm_accept(struct rte_eth_dev *dev)
{
	RTE_SET_USED(dev);
	return 0;
}

static void
rxq_stats(const struct xenshm_rxq *q, struct xenshm_rxq_stats *s)
{
	s->pkts = q->st.pkts - q->base.pkts;
	s->bytes = q->st.bytes - q->base.bytes;
	s->nombuf = q->st.nombuf - q->base.nombuf;
	s->oversize = q->st.oversize - q->base.oversize;
	s->errors = q->st.errors - q->base.errors;
}

static void
txq_stats(const struct xenshm_txq *q, struct xenshm_txq_stats *s)
{
	s->pkts = q->st.pkts - q->base.pkts;
	s->bytes = q->st.bytes - q->base.bytes;
	s->ring_full = q->st.ring_full - q->base.ring_full;
	s->full_returned = q->st.full_returned - q->base.full_returned;
	s->link_down = q->st.link_down - q->base.link_down;
	s->too_long = q->st.too_long - q->base.too_long;
	s->errors = q->st.errors - q->base.errors;
}

/* qs: the per-queue counters, NULL if not wanted (xenshm_compat.h) */
static int
stats_fill(struct rte_eth_dev *dev, struct rte_eth_stats *st,
	   xenshm_qstats_t *qs)
{
	struct xenshm_rxq_stats r;
	struct xenshm_txq_stats t;
	uint16_t i;

	st->rx_nombuf = 0;
	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		const struct xenshm_rxq *q = dev->data->rx_queues[i];

		if (q == NULL)
			continue;
		rxq_stats(q, &r);
		st->ipackets += r.pkts;
		st->ibytes += r.bytes;
		st->ierrors += r.oversize + r.errors;
		st->rx_nombuf += r.nombuf;
		if (qs != NULL && i < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			qs->q_ipackets[i] = r.pkts;
			qs->q_ibytes[i] = r.bytes;
			qs->q_errors[i] = r.oversize + r.errors;
		}
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		const struct xenshm_txq *q = dev->data->tx_queues[i];

		if (q == NULL)
			continue;
		txq_stats(q, &t);
		st->opackets += t.pkts;
		st->obytes += t.bytes;
		/* Every dropped mbuf is an output error, whatever the cause. */
		st->oerrors += t.ring_full + t.link_down + t.too_long;
		if (qs != NULL && i < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			qs->q_opackets[i] = t.pkts;
			qs->q_obytes[i] = t.bytes;
		}
	}
	return 0;
}

#ifdef XENSHM_HAVE_QUEUE_STATS_ARG
int
xenshm_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *st,
		 struct eth_queue_stats *qs)
{
	return stats_fill(dev, st, qs);
}
#else
int
xenshm_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *st)
{
	return stats_fill(dev, st, st);
}
#endif

int
xenshm_stats_reset(struct rte_eth_dev *dev)
{
	uint16_t i;

	/* Snapshots: the lcores own the counters, so never write them. */
	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		struct xenshm_rxq *q = dev->data->rx_queues[i];

		if (q != NULL)
			q->base = q->st;
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		struct xenshm_txq *q = dev->data->tx_queues[i];

		if (q != NULL)
			q->base = q->st;
	}
	return 0;
}

/*
 * The driver xstats, in this order (docs/pmd.md lists them):
 *   port:     tx_ring_full tx_ring_full_drops tx_link_down_drops
 *             tx_too_long_drops rx_oversize_drops peer_attaches
 *             reconnects peer_detaches peer_rejects peer_flaps
 *             port_disabled
 *   errors:   err_<kind> for each data-path validation rule
 *   rejects:  reject_<kind> for each code a handshake refuses a peer with
 *   rx queue: rx_q<i>_nombuf rx_q<i>_oversize_drops rx_q<i>_validation_errors
 *   tx queue: tx_q<i>_ring_full_drops tx_q<i>_link_down_drops
 *             tx_q<i>_too_long_drops tx_q<i>_validation_errors
 * rx_q<i>_packets/bytes/errors and tx_q<i>_packets/bytes come from ethdev
 * (RTE_ETH_DEV_AUTOFILL_QUEUE_XSTATS).  One walker writes names and values
 * so that the two can never disagree.
 */
#define XSTATS_PORT	11
#define XSTATS_RXQ	3
#define XSTATS_TXQ	5

struct xstat_walk {
	struct rte_eth_xstat_name *names;
	struct rte_eth_xstat *vals;
	unsigned int size;
	unsigned int i;
};

static void
xstat_put(struct xstat_walk *w, uint64_t v, const char *fmt, ...)
	__rte_format_printf(3, 4);

static void
xstat_put(struct xstat_walk *w, uint64_t v, const char *fmt, ...)
{
	va_list ap;

	if (w->i < w->size) {
		if (w->names != NULL) {
			va_start(ap, fmt);
			vsnprintf(w->names[w->i].name,
				  sizeof(w->names[w->i].name), fmt, ap);
			va_end(ap);
		}
		if (w->vals != NULL) {
			w->vals[w->i].id = w->i;
			w->vals[w->i].value = v;
		}
	}
	w->i++;
}

static void
lower(char *dst, size_t len, const char *src)
{
	size_t i;

	for (i = 0; i + 1 < len && src[i] != '\0'; i++)
		dst[i] = (src[i] >= 'A' && src[i] <= 'Z') ?
			src[i] - 'A' + 'a' : src[i];
	dst[i] = '\0';
}

static unsigned int
xstats_walk(struct rte_eth_dev *dev, struct xstat_walk *w)
{
	struct xenshm_port *p = xenshm_port_of(dev);
	struct xenshm_rxq_stats r, rsum = { 0 };
	struct xenshm_txq_stats t, tsum = { 0 };
	char kind[RTE_ETH_XSTATS_NAME_SIZE];
	uint16_t i;
	int e;

	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		if (dev->data->rx_queues[i] == NULL)
			continue;
		rxq_stats(dev->data->rx_queues[i], &r);
		rsum.oversize += r.oversize;
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		if (dev->data->tx_queues[i] == NULL)
			continue;
		txq_stats(dev->data->tx_queues[i], &t);
		tsum.ring_full += t.ring_full;
		tsum.full_returned += t.full_returned;
		tsum.link_down += t.link_down;
		tsum.too_long += t.too_long;
	}
	/* Handed back to the application: not an error, not a drop. */
	xstat_put(w, tsum.full_returned, "tx_ring_full");
	xstat_put(w, tsum.ring_full, "tx_ring_full_drops");
	xstat_put(w, tsum.link_down, "tx_link_down_drops");
	xstat_put(w, tsum.too_long, "tx_too_long_drops");
	xstat_put(w, rsum.oversize, "rx_oversize_drops");
	xstat_put(w, p->ctl.attaches - p->ctl_base.attaches, "peer_attaches");
	xstat_put(w, p->ctl.reconnects - p->ctl_base.reconnects, "reconnects");
	xstat_put(w, p->ctl.detaches - p->ctl_base.detaches, "peer_detaches");
	xstat_put(w, p->ctl.rejects - p->ctl_base.rejects, "peer_rejects");
	xstat_put(w, p->ctl.flaps - p->ctl_base.flaps, "peer_flaps");
	xstat_put(w, xenshm_port_is_broken(p), "port_disabled");
	for (e = XENSHM_DP_ERR_FIRST; e <= XENSHM_DP_ERR_LAST; e++) {
		lower(kind, sizeof(kind), shmring_errname(e));
		xstat_put(w, atomic_load_explicit(&p->err[e],
						  memory_order_relaxed) -
			  p->err_base[e], "err_%s", kind);
	}
	for (e = 0; e < XENSHM_REJ_COUNT; e++) {
		lower(kind, sizeof(kind), shmring_errname(XENSHM_REJ_FIRST + e));
		xstat_put(w, p->ctl.reject_by[e] - p->ctl_base.reject_by[e],
			  "reject_%s", kind);
	}
	for (i = 0; i < dev->data->nb_rx_queues; i++) {
		memset(&r, 0, sizeof(r));
		if (dev->data->rx_queues[i] != NULL)
			rxq_stats(dev->data->rx_queues[i], &r);
		xstat_put(w, r.nombuf, "rx_q%u_nombuf", i);
		xstat_put(w, r.oversize, "rx_q%u_oversize_drops", i);
		xstat_put(w, r.errors, "rx_q%u_validation_errors", i);
	}
	for (i = 0; i < dev->data->nb_tx_queues; i++) {
		memset(&t, 0, sizeof(t));
		if (dev->data->tx_queues[i] != NULL)
			txq_stats(dev->data->tx_queues[i], &t);
		xstat_put(w, t.full_returned, "tx_q%u_ring_full", i);
		xstat_put(w, t.ring_full, "tx_q%u_ring_full_drops", i);
		xstat_put(w, t.link_down, "tx_q%u_link_down_drops", i);
		xstat_put(w, t.too_long, "tx_q%u_too_long_drops", i);
		xstat_put(w, t.errors, "tx_q%u_validation_errors", i);
	}
	return w->i;
}

static unsigned int
xstats_count(struct rte_eth_dev *dev)
{
	return XSTATS_PORT + XENSHM_DP_ERR_COUNT + XENSHM_REJ_COUNT +
		dev->data->nb_rx_queues * XSTATS_RXQ +
		dev->data->nb_tx_queues * XSTATS_TXQ;
}

int
xenshm_xstats_get_names(struct rte_eth_dev *dev,
			struct rte_eth_xstat_name *names, unsigned int size)
{
	struct xstat_walk w = { .names = names, .size = size };
	unsigned int n = xstats_count(dev);

	if (names == NULL || size < n)
		return n;
	return xstats_walk(dev, &w);
}

int
xenshm_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xs,
		  unsigned int n)
{
	struct xstat_walk w = { .vals = xs, .size = n };
	unsigned int count = xstats_count(dev);

	if (xs == NULL || n < count)
		return count;
	return xstats_walk(dev, &w);
}

int
xenshm_xstats_reset(struct rte_eth_dev *dev)
{
	struct xenshm_port *p = xenshm_port_of(dev);
	int e;

	xenshm_stats_reset(dev);
	for (e = 0; e < SHMRING_E_MAX; e++)
		p->err_base[e] = atomic_load_explicit(&p->err[e],
						      memory_order_relaxed);
	p->ctl_base = p->ctl;
	return 0;
}
