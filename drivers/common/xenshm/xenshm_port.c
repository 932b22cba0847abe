/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * The port around a region, for both sides: set up the ring ends of this
 * side's direction, switch the data path on and off, wait until it has
 * left the region, disable the port when the peer breaks the protocol,
 * and report the link with LSC events.
 */

#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_pause.h>

#include "xenshm_common.h"

/* Read by dp_enter() on every burst; written once before any port exists. */
bool xenshm_fence_asym;

static int
membarrier(int cmd)
{
	return (int)syscall(__NR_membarrier, cmd, 0);
}

/* Register for the expedited private membarrier once per process. */
static void
fence_setup(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	xenshm_fence_asym =
		membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0;
}

void
xenshm_port_init(struct xenshm_port *p, struct rte_eth_dev *dev,
		 int logtype, bool guest_side)
{
	unsigned int r;

	fence_setup();
	p->dev = dev;
	p->logtype = logtype;
	p->guest_side = guest_side;
	p->link_speed = XENSHM_DEFAULT_SPEED;
	snprintf(p->name, sizeof(p->name), "%s", dev->data->name);
	rte_spinlock_init(&p->ctl_lock);
	for (r = 0; r < SHMRING_MAX_QUEUE_PAIRS; r++)
		rte_spinlock_init(&p->tx_ring[r].lock);
	atomic_store_explicit(&p->dp_state, XENSHM_DP_DOWN,
			      memory_order_relaxed);
	atomic_store_explicit(&p->broken, 0, memory_order_relaxed);
}

/*
 * Set up this side's ring ends of every queue pair of a region whose
 * header has been validated ('info').  The indices come from the shared
 * rings and are checked (shmring_prod_init/cons_init); a failure is the
 * peer's doing.  Returns SHMRING_OK or the error, with the ring in *ring.
 * The data path stays off; xenshm_port_dp_set() turns it on.
 */
int
xenshm_port_map(struct xenshm_port *p, void *base,
		const struct shmring_region_info *info, unsigned int *ring)
{
	const struct shmring_params *pa = &info->params;
	unsigned int q, rx, tx;
	int rc;

	for (q = 0; q < pa->n_qp; q++) {
		rx = xenshm_rx_ring_no(p, q);
		tx = xenshm_tx_ring_no(p, q);
		*ring = rx;
		rc = shmring_cons_init(&p->rx_ring[q].c, base, info, rx);
		if (rc != SHMRING_OK)
			return rc;
		*ring = tx;
		rc = shmring_prod_init(&p->tx_ring[q].p, base, info, tx);
		if (rc != SHMRING_OK)
			return rc;
	}
	p->n_qp = pa->n_qp;
	p->slot_size = pa->slot_size;
	p->multi_seg = (pa->features & SHMRING_F_MULTI_SEG) != 0;
	p->tx_max_frame = shmring_max_frame(pa->mtu);
	p->mapped = true;
	return SHMRING_OK;
}

void
xenshm_port_unmap(struct xenshm_port *p)
{
	p->mapped = false;
	memset(p->rx_ring, 0, sizeof(p->rx_ring));
	for (unsigned int r = 0; r < SHMRING_MAX_QUEUE_PAIRS; r++) {
		memset(&p->tx_ring[r].p, 0, sizeof(p->tx_ring[r].p));
		rte_spinlock_init(&p->tx_ring[r].lock);
	}
}

/*
 * Switch the data path.  Up: Q3, the store (seq_cst, so also a
 * release) publishes the ring ends, n_qp and queue counts written before
 * it to the burst functions' acquire (seq_cst) load in dp_enter().  Down: Q2, seq_cst store; the
 * caller then waits with xenshm_port_quiesced() before unmapping.
 */
void
xenshm_port_dp_set(struct xenshm_port *p, bool up)
{
	if (up && p->mapped && p->started &&
	    !atomic_load_explicit(&p->broken, memory_order_relaxed)) {
		atomic_store_explicit(&p->dp_state, XENSHM_DP_UP,
				      memory_order_seq_cst);
		/*
		 * Q5: a burst may have failed the port between the check
		 * above and the store; xenshm_port_fail() sets broken and
		 * then DOWN, all seq_cst, so either this load sees broken or
		 * its DOWN lands after our UP.
		 */
		if (!atomic_load_explicit(&p->broken, memory_order_seq_cst))
			return;
	}
	atomic_store_explicit(&p->dp_state, XENSHM_DP_DOWN,
			      memory_order_seq_cst);
}

/*
 * True when no lcore is inside a burst of this port.  Q2: the caller
 * stored DOWN before; the membarrier makes every running thread execute a
 * full barrier, so a burst either saw DOWN or its in_use store is visible
 * to the loads below (with the fallback, seq_cst on both sides does it).
 * The acquire loads pair with dp_leave() (Q4), so the bursts' accesses to
 * the region happen before a following unmap.
 */
bool
xenshm_port_quiesced(struct xenshm_port *p)
{
	struct rte_eth_dev_data *d = p->dev->data;
	uint16_t i;

	if (xenshm_fence_asym &&
	    membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) != 0)
		return false;

	for (i = 0; i < d->nb_rx_queues; i++) {
		struct xenshm_rxq *q = d->rx_queues[i];

		if (q != NULL && atomic_load_explicit(&q->in_use,
						      memory_order_seq_cst))
			return false;
	}
	for (i = 0; i < d->nb_tx_queues; i++) {
		struct xenshm_txq *q = d->tx_queues[i];

		if (q != NULL && atomic_load_explicit(&q->in_use,
						      memory_order_seq_cst))
			return false;
	}
	return true;
}

/*
 * Wait until the bursts have left (dev_stop/close only: the application
 * has stopped calling them, so this is at most one burst's time).
 */
void
xenshm_port_quiesce_wait(struct xenshm_port *p)
{
	uint64_t warn = rte_get_timer_cycles() + rte_get_timer_hz();
	bool warned = false;

	while (!xenshm_port_quiesced(p)) {
		if (!warned && rte_get_timer_cycles() > warn) {
			XENSHM_LOG(p, WARNING,
				   "an lcore is still inside rx/tx burst after 1 s; waiting");
			warned = true;
		}
		rte_delay_us_sleep(100);
	}
}

/*
 * The peer broke the protocol on region ring 'ring': count the kind,
 * disable the port, log once.  Called from the data path, so it does
 * nothing slow but the one log line; the control path sees 'broken',
 * takes the link down (LSC) and, on DomS, unmaps the region.
 */
void
xenshm_port_fail(struct xenshm_port *p, int err, unsigned int ring)
{
	if (err <= SHMRING_OK || err >= SHMRING_E_MAX)
		err = SHMRING_E_CONFIG;
	atomic_fetch_add_explicit(&p->err[err], 1, memory_order_relaxed);
	/* Q5 (see xenshm_port_dp_set): broken first, then DOWN. */
	if (atomic_exchange_explicit(&p->broken, 1,
				     memory_order_seq_cst) == 0) {
		atomic_store_explicit(&p->dp_state, XENSHM_DP_DOWN,
				      memory_order_seq_cst);
		XENSHM_LOG(p, ERR,
			   "peer broke the ring protocol on ring %u (%s): "
			   "%s (%s); port disabled", ring,
			   ring % 2 == 0 ? "guest to DomS" : "DomS to guest",
			   shmring_errname(err), shmring_strerror(err));
	}
}

/* A handshake refused the peer (or the peer us) with 'err'. */
void
xenshm_port_count_reject(struct xenshm_port *p, int err)
{
	p->ctl.rejects++;
	if (err >= XENSHM_REJ_FIRST && err < SHMRING_E_MAX)
		p->ctl.reject_by[err - XENSHM_REJ_FIRST]++;
}

bool
xenshm_port_is_broken(struct xenshm_port *p)
{
	return atomic_load_explicit(&p->broken, memory_order_relaxed) != 0;
}

/*
 * Report the link; raise RTE_ETH_EVENT_INTR_LSC on a change when the
 * application asked for LSC interrupts.  Called from the control path
 * without the control lock held (the callback is application code).
 */
void
xenshm_port_link_set(struct xenshm_port *p, bool up)
{
	struct rte_eth_dev *dev = p->dev;
	struct rte_eth_link link = {
		.link_speed = up ? p->link_speed : RTE_ETH_SPEED_NUM_NONE,
		.link_duplex = RTE_ETH_LINK_FULL_DUPLEX,
		.link_autoneg = RTE_ETH_LINK_FIXED,
		.link_status = up ? RTE_ETH_LINK_UP : RTE_ETH_LINK_DOWN,
	};

	if (rte_eth_linkstatus_set(dev, &link) != 0)
		return;		/* unchanged */
	XENSHM_LOG(p, INFO, "link %s", up ? "up" : "down");
	if (dev->data->dev_conf.intr_conf.lsc)
		rte_eth_dev_callback_process(dev, RTE_ETH_EVENT_INTR_LSC, NULL);
}

/* Say how ethdev queues map to rings when the counts differ. */
void
xenshm_port_log_mapping(struct xenshm_port *p)
{
	if (p->nb_rxq == p->n_qp && p->nb_txq == p->n_qp)
		return;
	XENSHM_LOG(p, NOTICE,
		   "%u rx / %u tx ethdev queues over %u queue pairs: rx queue "
		   "i polls pairs i, i+%u, ...%s; tx queue j uses pair j %% %u%s",
		   p->nb_rxq, p->nb_txq, p->n_qp, p->nb_rxq,
		   p->nb_rxq > p->n_qp ? " (queues >= pairs stay idle)" : "",
		   p->n_qp,
		   p->nb_txq > p->n_qp ? " (shared rings take a lock)" : "");
}

void
xenshm_port_queues_state(struct rte_eth_dev *dev, uint8_t state)
{
	uint16_t i;

	for (i = 0; i < dev->data->nb_rx_queues; i++)
		dev->data->rx_queue_state[i] = state;
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		dev->data->tx_queue_state[i] = state;
}

void
xenshm_port_release_queues(struct rte_eth_dev *dev)
{
	uint16_t i;

	for (i = 0; i < dev->data->nb_rx_queues; i++)
		xenshm_rx_queue_release(dev, i);
	for (i = 0; i < dev->data->nb_tx_queues; i++)
		xenshm_tx_queue_release(dev, i);
}

/*
 * At start: warn when a frame of the configured MTU does not fit one
 * mbuf and the application did not enable scatter; such frames would be
 * dropped (rx_q*_oversize_drops), which is what a NIC does too.
 */
void
xenshm_port_check_rx(struct xenshm_port *p)
{
	struct rte_eth_dev_data *d = p->dev->data;
	uint32_t frame = (uint32_t)d->mtu + SHMRING_L2_OVERHEAD;
	bool scatter = false;
	uint16_t i;

	for (i = 0; i < d->nb_rx_queues; i++) {
		const struct xenshm_rxq *q = d->rx_queues[i];

		if (q == NULL)
			continue;
		scatter |= q->scatter;
		if (!q->scatter && frame > q->seg_room)
			XENSHM_LOG(p, WARNING,
				   "rx queue %u: %u-byte frames (MTU %u) do not "
				   "fit %u-byte mbufs and scatter is off: they "
				   "will be dropped", i, frame, d->mtu,
				   q->seg_room);
	}
	d->scattered_rx = scatter;
}
