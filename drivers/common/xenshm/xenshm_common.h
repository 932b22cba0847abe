/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * What net_xenshm_guest and net_xenshm (DomS) share: the one data path
 * (xenshm_rxtx.c), the ethdev ops that are identical on both sides
 * (xenshm_ethdev.c), the port state machine around a mapped region
 * (xenshm_port.c) and devargs helpers (xenshm_devargs.c).
 *
 * Each PMD's private data starts with a struct xenshm_port, so the common
 * ops can take dev->data->dev_private as one.  The side-specific part
 * (endpoint, control alarm) stays in the PMD.
 *
 * Queue mapping (docs/pmd.md, "Queue mapping"): the region has n_qp queue
 * pairs, the ethdev has nb_rxq rx and nb_txq tx queues, chosen by the
 * application.
 *   rx queue i polls its direction's rings i, i + nb_rxq, i + 2*nb_rxq, ...
 *     (below n_qp); every ring has exactly one consumer, an rx queue
 *     >= n_qp polls nothing.
 *   tx queue j produces into ring j % n_qp; a ring shared by several tx
 *     queues (nb_txq > n_qp) is guarded by a spinlock, a ring with one tx
 *     queue is not.
 */

#ifndef XENSHM_COMMON_H
#define XENSHM_COMMON_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_spinlock.h>
#include <ethdev_driver.h>

#include "xenshm_compat.h"
#include "shmring_endpoint.h"
#include "shmring_err.h"
#include "shmring_region.h"
#include "shmring_ring.h"

/* ethdev queues per direction; more than the region's pairs is allowed. */
#define XENSHM_MAX_QUEUES	32
/* Control work period (alarm), microseconds. */
#define XENSHM_CTRL_PERIOD_US	10000
/* Smallest mbuf data room accepted for rx (bytes after the headroom). */
#define XENSHM_MIN_RX_BUF	64

/* The data-path error kinds, in shmring_err.h order. */
#define XENSHM_DP_ERR_FIRST	SHMRING_E_RING_PROD_AHEAD
#define XENSHM_DP_ERR_LAST	SHMRING_E_FRAME_TOO_LONG
#define XENSHM_DP_ERR_COUNT	(XENSHM_DP_ERR_LAST - XENSHM_DP_ERR_FIRST + 1)
/* Codes a handshake can refuse a peer with: one reject_<kind> xstat each. */
#define XENSHM_REJ_FIRST	SHMRING_E_HDR_MAGIC
#define XENSHM_REJ_COUNT	(SHMRING_E_MAX - XENSHM_REJ_FIRST)

/* One log macro for the common code: it logs under the owning PMD's type. */
#define XENSHM_LOG(port, level, fmt, ...)				\
	rte_log(RTE_LOG_ ## level, (port)->logtype, "%s: " fmt "\n",	\
		(port)->name, ##__VA_ARGS__)

struct xenshm_port;

/* Per rx queue counters; written by the polling lcore only. */
struct xenshm_rxq_stats {
	uint64_t pkts;
	uint64_t bytes;
	uint64_t nombuf;	/* mbuf allocation failed, frame left in ring */
	uint64_t oversize;	/* frame > one mbuf and scatter is off: drop */
	uint64_t errors;	/* validation errors seen by this queue */
};

/* Per tx queue counters; written by the transmitting lcore only. */
struct xenshm_txq_stats {
	uint64_t pkts;
	uint64_t bytes;
	uint64_t ring_full;	/* peer's ring full: dropped */
	uint64_t full_returned;	/* peer's ring full: left to the application */
	uint64_t link_down;	/* no peer (or port disabled): dropped */
	uint64_t too_long;	/* longer than the peer accepts, or empty */
	uint64_t errors;	/* validation errors seen by this queue */
};

struct xenshm_rxq {
	struct xenshm_port *port;
	struct rte_mempool *mp;
	uint16_t qid;
	uint16_t port_id;
	uint16_t seg_room;	/* data bytes per mbuf */
	bool scatter;		/* multi-segment mbufs allowed */
	uint16_t rr;		/* round-robin start among this queue's rings */
	/* 1 while this queue's lcore is inside the burst function */
	_Atomic uint32_t in_use;
	struct xenshm_rxq_stats st;
	struct xenshm_rxq_stats base;	/* snapshot taken by stats reset */
} __rte_cache_aligned;

struct xenshm_txq {
	struct xenshm_port *port;
	uint16_t qid;
	uint16_t port_id;
	_Atomic uint32_t in_use;
	struct xenshm_txq_stats st;
	struct xenshm_txq_stats base;
} __rte_cache_aligned;

/* Each ring end on its own cache line: one lcore writes each. */
struct xenshm_rx_ring {
	struct shmring_cons c;
} __rte_cache_aligned;

struct xenshm_tx_ring {
	struct shmring_prod p;
	rte_spinlock_t lock;	/* taken only when tx queues share the ring */
} __rte_cache_aligned;

enum xenshm_dp_state {
	XENSHM_DP_DOWN = 0,	/* data path must not touch the region */
	XENSHM_DP_UP = 1,	/* rings mapped, peer attached, port started */
};

/* Counters kept by the control path. */
struct xenshm_ctl_stats {
	uint64_t attaches;	/* peer attached (first time + reconnects) */
	uint64_t reconnects;	/* attaches after the first one */
	uint64_t detaches;	/* peer left or died */
	uint64_t rejects;	/* a peer tried and was refused */
	uint64_t reject_by[XENSHM_REJ_COUNT];	/* rejects by SHMRING_E_* */
	uint64_t flaps;		/* peer left soon after attaching */
};

struct xenshm_port {
	/* Read by the data path on every burst. */
	_Atomic uint32_t dp_state;	/* enum xenshm_dp_state */
	_Atomic uint32_t broken;	/* peer broke the protocol: sticky */
	uint16_t n_qp;			/* queue pairs of the mapped region */
	uint16_t nb_rxq;		/* ethdev queues at dev_start */
	uint16_t nb_txq;
	bool multi_seg;			/* peer accepts NEXT chains */
	bool tx_drop_on_full;		/* tx-full=drop (else backpressure) */
	uint32_t slot_size;
	uint32_t tx_max_frame;		/* longest frame the peer accepts */

	struct xenshm_rx_ring rx_ring[SHMRING_MAX_QUEUE_PAIRS];
	struct xenshm_tx_ring tx_ring[SHMRING_MAX_QUEUE_PAIRS];

	/* Control and configuration. */
	bool guest_side;		/* guest: tx g2d, rx d2g */
	bool mapped;			/* ring ends point into a region */
	bool started;
	int logtype;
	struct rte_eth_dev *dev;
	char name[RTE_ETH_NAME_MAX_LEN];
	uint16_t min_mtu;
	uint16_t max_mtu;		/* what dev_info and mtu_set allow */
	uint32_t link_speed;		/* Mbps reported while up (speed=) */
	rte_spinlock_t ctl_lock;	/* control path vs ethdev ops */

	/* Validation errors by kind (data path and attach), relaxed atomics. */
	_Atomic uint64_t err[SHMRING_E_MAX];
	uint64_t err_base[SHMRING_E_MAX];
	struct xenshm_ctl_stats ctl;
	struct xenshm_ctl_stats ctl_base;
};

static inline struct xenshm_port *
xenshm_port_of(struct rte_eth_dev *dev)
{
	return dev->data->dev_private;
}

/* Region ring numbers (shmring_region.h) of queue pair q on this side. */
static inline unsigned int
xenshm_rx_ring_no(const struct xenshm_port *p, unsigned int q)
{
	return p->guest_side ? shmring_ring_d2g(q) : shmring_ring_g2d(q);
}

static inline unsigned int
xenshm_tx_ring_no(const struct xenshm_port *p, unsigned int q)
{
	return p->guest_side ? shmring_ring_g2d(q) : shmring_ring_d2g(q);
}

/* xenshm_rxtx.c: the data path of both PMDs. */
uint16_t xenshm_rx_burst(void *queue, struct rte_mbuf **pkts, uint16_t n);
uint16_t xenshm_tx_burst(void *queue, struct rte_mbuf **pkts, uint16_t n);

/* xenshm_port.c: the port around a region. */
void xenshm_port_init(struct xenshm_port *p, struct rte_eth_dev *dev,
		      int logtype, bool guest_side);
int xenshm_port_map(struct xenshm_port *p, void *base,
		    const struct shmring_region_info *info, unsigned int *ring);
void xenshm_port_unmap(struct xenshm_port *p);
void xenshm_port_dp_set(struct xenshm_port *p, bool up);
/* True when membarrier(2) lets dp_enter() skip its locked instruction. */
extern bool xenshm_fence_asym;
bool xenshm_port_quiesced(struct xenshm_port *p);
void xenshm_port_quiesce_wait(struct xenshm_port *p);
void xenshm_port_fail(struct xenshm_port *p, int err, unsigned int ring);
void xenshm_port_count_reject(struct xenshm_port *p, int err);
bool xenshm_port_is_broken(struct xenshm_port *p);
void xenshm_port_link_set(struct xenshm_port *p, bool up);
void xenshm_port_log_mapping(struct xenshm_port *p);
void xenshm_port_check_rx(struct xenshm_port *p);
void xenshm_port_queues_state(struct rte_eth_dev *dev, uint8_t state);
void xenshm_port_release_queues(struct rte_eth_dev *dev);

/* xenshm_ethdev.c: ethdev ops identical on both sides. */
int xenshm_dev_configure(struct rte_eth_dev *dev);
int xenshm_dev_infos_get(struct rte_eth_dev *dev,
			 struct rte_eth_dev_info *info);
int xenshm_rx_queue_setup(struct rte_eth_dev *dev, uint16_t qid,
			  uint16_t nb_desc, unsigned int socket,
			  const struct rte_eth_rxconf *conf,
			  struct rte_mempool *mp);
int xenshm_tx_queue_setup(struct rte_eth_dev *dev, uint16_t qid,
			  uint16_t nb_desc, unsigned int socket,
			  const struct rte_eth_txconf *conf);
void xenshm_rx_queue_release(struct rte_eth_dev *dev, uint16_t qid);
void xenshm_tx_queue_release(struct rte_eth_dev *dev, uint16_t qid);
int xenshm_link_update(struct rte_eth_dev *dev, int wait);
int xenshm_mtu_set(struct rte_eth_dev *dev, uint16_t mtu);
int xenshm_mac_addr_set(struct rte_eth_dev *dev, struct rte_ether_addr *a);
int xenshm_accept(struct rte_eth_dev *dev);
#ifdef XENSHM_HAVE_QUEUE_STATS_ARG
int xenshm_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *st,
		     struct eth_queue_stats *qs);
#else
int xenshm_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *st);
#endif
int xenshm_stats_reset(struct rte_eth_dev *dev);
int xenshm_xstats_get_names(struct rte_eth_dev *dev,
			    struct rte_eth_xstat_name *names,
			    unsigned int size);
int xenshm_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xs,
		      unsigned int n);
int xenshm_xstats_reset(struct rte_eth_dev *dev);

/* xenshm_secondary.c: a port of the primary, seen from a secondary. */
struct rte_vdev_device;
int xenshm_probe_secondary(struct rte_vdev_device *vdev, int logtype);
int xenshm_remove_secondary(struct rte_vdev_device *vdev);

/* xenshm_devargs.c: devargs parsing shared by both probes. */
struct rte_kvargs;
struct rte_kvargs *xenshm_kvargs_parse(int logtype, const char *drv,
				       const char *args,
				       const char *const valid[]);
int xenshm_kv_u32(int logtype, const char *drv, struct rte_kvargs *kv,
		  const char *key, uint32_t min, uint32_t max, uint32_t *out);
int xenshm_kv_mac(int logtype, const char *drv, struct rte_kvargs *kv,
		  const char *key, struct rte_ether_addr *out, bool *given);
int xenshm_kv_str(int logtype, const char *drv, struct rte_kvargs *kv,
		  const char *key, char *out, size_t out_len);
int xenshm_kv_transport(int logtype, const char *drv, struct rte_kvargs *kv,
			enum shmring_transport_kind *out);
/* tx-full=drop|backpressure and speed=<Mbps>, the same on both sides. */
#define XENSHM_KEY_TX_FULL	"tx-full"
#define XENSHM_KEY_SPEED	"speed"
/* A memory copy has no line rate; 10G is what vhost-user reports too. */
#define XENSHM_DEFAULT_SPEED	RTE_ETH_SPEED_NUM_10G
int xenshm_kv_tx_full(int logtype, const char *drv, struct rte_kvargs *kv,
		      bool *drop);
int xenshm_kv_speed(int logtype, const char *drv, struct rte_kvargs *kv,
		    uint32_t *mbps);


/*
 * The ethdev ops both PMDs share; each driver's static const table adds
 * its own configure, MTU set, start, stop and close (the life cycles
 * differ: the guest owns the region and follows the MTU with it, DomS
 * maps and reconnects).
 */
#define XENSHM_COMMON_ETH_OPS \
	.dev_infos_get = xenshm_dev_infos_get, \
	.rx_queue_setup = xenshm_rx_queue_setup, \
	.tx_queue_setup = xenshm_tx_queue_setup, \
	.rx_queue_release = xenshm_rx_queue_release, \
	.tx_queue_release = xenshm_tx_queue_release, \
	.link_update = xenshm_link_update, \
	.mac_addr_set = xenshm_mac_addr_set, \
	.promiscuous_enable = xenshm_accept, \
	.promiscuous_disable = xenshm_accept, \
	.allmulticast_enable = xenshm_accept, \
	.allmulticast_disable = xenshm_accept, \
	.stats_get = xenshm_stats_get, \
	.stats_reset = xenshm_stats_reset, \
	.xstats_get = xenshm_xstats_get, \
	.xstats_get_names = xenshm_xstats_get_names, \
	.xstats_reset = xenshm_xstats_reset

#endif /* XENSHM_COMMON_H */
