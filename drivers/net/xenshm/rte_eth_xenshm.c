/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * net_xenshm: the switch domain's (DomS) end of a guest's shmring region.
 *
 * From dev_start to dev_stop an EAL alarm runs the connection by itself:
 *
 *   CONNECTING --PEER_UP, rings valid--> ATTACHED --PEER_DOWN--> DRAINING
 *       ^   (retry with back-off:                 (data path off;
 *       |    10 ms doubling to                     wait until no lcore
 *       |    reconnect-max-ms)                     is inside a burst)
 *       +------------- detach (unmap) <----------------+
 *         (at once after a stable link; after a flap, with back-off)
 *
 * Handshakes never wait for the guest: a step the guest has yet to
 * answer is polled again next period, and a guest that stays silent
 * loses its handshake after a second (lib/shmring), so one silent guest
 * never delays another port's control work on the shared alarm thread.
 *
 * A guest that breaks the ring protocol sends the port to DRAINING and
 * then DISABLED (no reconnect) until the application stops and starts
 * the port; everything the guest wrote is validated again then.
 *
 * The region belongs to the guest and may be unmapped under us only by
 * us: the data path raises a per-queue in_use flag around each burst
 * (drivers/common/xenshm/xenshm_rxtx.c), the control path lowers
 * dp_state and waits for the flags before shmring_doms_detach().
 */

#include <errno.h>
#include <string.h>

#include <rte_alarm.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_kvargs.h>
#include <rte_malloc.h>
#include <ethdev_driver.h>
#include <ethdev_vdev.h>
#include <bus_vdev_driver.h>

#include "xenshm_common.h"


RTE_LOG_REGISTER_DEFAULT(doms_logtype, NOTICE);
#define DOMS_LOG(level, fmt, ...)					\
	rte_log(RTE_LOG_ ## level, doms_logtype, fmt "\n", ##__VA_ARGS__)

#define KEY_PATH		"path"
#define KEY_TRANSPORT		"transport"
#define KEY_DOMID		"domid"
#define KEY_DEVID		"devid"
#define KEY_PEER_UID		"peer-uid"
#define KEY_MAC			"mac"
#define KEY_MAX_QUEUES		"max-queues"
#define KEY_MAX_RING_SIZE	"max-ring-size"
#define KEY_MAX_SLOT_SIZE	"max-slot-size"
#define KEY_MAX_MTU		"max-mtu"
#define KEY_MAX_REGION_MB	"max-region-mb"
#define KEY_RECONNECT_MAX_MS	"reconnect-max-ms"

static const char *const valid_keys[] = {
	KEY_PATH, KEY_TRANSPORT, KEY_DOMID, KEY_DEVID, KEY_PEER_UID, KEY_MAC,
	KEY_MAX_QUEUES, KEY_MAX_RING_SIZE, KEY_MAX_SLOT_SIZE, KEY_MAX_MTU,
	KEY_MAX_REGION_MB, KEY_RECONNECT_MAX_MS, XENSHM_KEY_TX_FULL,
	XENSHM_KEY_SPEED, NULL
};

#define BACKOFF_MIN_MS		10u
#define BACKOFF_MAX_MS		250u
#define REJECT_LOG_PERIOD_S	5
#define FLAP_STABLE_MS		1000u

enum doms_state {
	DOMS_IDLE,		/* port stopped */
	DOMS_CONNECTING,	/* looking for the guest */
	DOMS_ATTACHED,		/* region mapped, data path on */
	DOMS_DRAINING,		/* data path off, waiting to unmap */
	DOMS_DISABLED,		/* the guest broke the protocol */
};

struct doms_priv {
	struct xenshm_port port;	/* first: the common code's view */
	struct shmring_doms_ep *ep;
	struct shmring_endpoint_cfg cfg;
	struct shmring_limits limits;
	enum doms_state state;
	uint32_t backoff_ms;
	uint32_t backoff_max_ms;
	uint64_t next_try;		/* timer cycles */
	uint64_t attached_at;		/* timer cycles of the last attach */
	uint64_t next_reject_log;	/* timer cycles */
	uint32_t last_mtu;		/* the guest's MTU at the last attach */
	bool closed;
};

static void doms_ctl(void *arg);

static uint64_t
ms_to_cycles(uint32_t ms)
{
	return rte_get_timer_hz() * ms / 1000;
}

static void
doms_ctl_arm(struct rte_eth_dev *dev)
{
	int rc = rte_eal_alarm_set(XENSHM_CTRL_PERIOD_US, doms_ctl, dev);

	if (rc != 0)
		DOMS_LOG(ERR, "%s: cannot arm the control alarm (%d); the "
			 "port will not connect", dev->data->name, rc);
}

static void
doms_backoff(struct doms_priv *d, uint64_t now)
{
	d->next_try = now + ms_to_cycles(d->backoff_ms);
	d->backoff_ms = RTE_MIN(d->backoff_ms * 2, d->backoff_max_ms);
}

/*
 * The guest left (or its region was found bad) and the region is
 * unmapped.  After a link that stayed up, look for the guest's successor
 * at once.  A guest that leaves within FLAP_STABLE_MS of attaching is
 * flapping (a restart loop, or epoch games on Xen): each attach maps its
 * whole region on the control thread every port shares, so its retries
 * back off like refusals do, up to reconnect-max-ms.
 */
static void
doms_after_leave(struct doms_priv *d, uint64_t now)
{
	if (now - d->attached_at >= ms_to_cycles(FLAP_STABLE_MS)) {
		d->backoff_ms = BACKOFF_MIN_MS;
		d->next_try = now;
		return;
	}
	d->port.ctl.flaps++;
	doms_backoff(d, now);
}

/* The guest answered: set up the rings and switch the data path on. */
static void
doms_attach(struct doms_priv *d)
{
	struct xenshm_port *p = &d->port;
	const struct shmring_region_info *info = shmring_doms_info(d->ep);
	const struct shmring_params *pa;
	unsigned int ring = 0;
	int rc;

	if (info == NULL) {
		/* The library said PEER_UP without a mapping: its bug. */
		XENSHM_LOG(p, ERR, "PEER_UP without a mapped region");
		shmring_doms_detach(d->ep);
		d->state = DOMS_CONNECTING;
		return;
	}
	pa = &info->params;
	rc = xenshm_port_map(p, shmring_doms_base(d->ep), info, &ring);
	if (rc != SHMRING_OK) {
		/* Shared indices out of range: the guest's doing. */
		xenshm_port_fail(p, rc, ring);
		d->state = DOMS_DRAINING;
		return;
	}
	if (p->ctl.attaches++ > 0)
		p->ctl.reconnects++;
	d->state = DOMS_ATTACHED;
	d->attached_at = rte_get_timer_cycles();
	xenshm_port_dp_set(p, true);
	XENSHM_LOG(p, INFO, "guest attached: %u queue pair(s), %u x %u-byte "
		   "slots per ring, MTU %u, MAC " RTE_ETHER_ADDR_PRT_FMT,
		   pa->n_qp, pa->ring_size, pa->slot_size, pa->mtu,
		   pa->mac[0], pa->mac[1], pa->mac[2], pa->mac[3], pa->mac[4],
		   pa->mac[5]);
	if (d->last_mtu != 0 && d->last_mtu != pa->mtu)
		XENSHM_LOG(p, NOTICE, "the guest's MTU is now %u (was %u)",
			   pa->mtu, d->last_mtu);
	d->last_mtu = pa->mtu;
	if (pa->mtu < p->dev->data->mtu)
		XENSHM_LOG(p, NOTICE, "guest MTU %u < port MTU %u: longer "
			   "frames are dropped (tx_too_long_drops)", pa->mtu,
			   p->dev->data->mtu);
	xenshm_port_log_mapping(p);
}

static void
doms_reject_log(struct doms_priv *d, const char *why)
{
	uint64_t now = rte_get_timer_cycles();

	if (now < d->next_reject_log)
		return;
	d->next_reject_log = now + REJECT_LOG_PERIOD_S * rte_get_timer_hz();
	XENSHM_LOG(&d->port, NOTICE, "guest refused: %s", why);
}

/* One control step from the EAL alarm thread. */
static void
doms_ctl(void *arg)
{
	struct rte_eth_dev *dev = arg;
	struct doms_priv *d = dev->data->dev_private;
	struct xenshm_port *p = &d->port;
	uint64_t now = rte_get_timer_cycles();
	char why[SHMRING_WHY_MAX];
	bool link;
	int ev, i;

	rte_spinlock_lock(&p->ctl_lock);
	if (d->closed || !p->started) {
		rte_spinlock_unlock(&p->ctl_lock);
		return;
	}
	if (d->state == DOMS_CONNECTING && now >= d->next_try) {
		/* A few bounded steps: connect and handshake in one period. */
		for (i = 0; i < 4 && d->state == DOMS_CONNECTING; i++) {
			why[0] = '\0';
			ev = shmring_doms_poll(d->ep, why, sizeof(why));
			if (ev == SHMRING_EV_PEER_UP) {
				doms_attach(d);
			} else if (ev == SHMRING_EV_PEER_REJECTED) {
				xenshm_port_count_reject(p,
					shmring_doms_last_error(d->ep));
				doms_reject_log(d, why);
				doms_backoff(d, now);
				break;
			} else if (ev == SHMRING_EV_NONE) {
				/* No guest yet: back off.  A handshake
				 * waiting for the guest: next period. */
				if (!shmring_doms_attached(d->ep) &&
				    !shmring_doms_handshaking(d->ep))
					doms_backoff(d, now);
				break;
			}
		}
	} else if (d->state == DOMS_ATTACHED) {
		if (xenshm_port_is_broken(p)) {
			d->state = DOMS_DRAINING;
		} else {
			why[0] = '\0';
			ev = shmring_doms_poll(d->ep, why, sizeof(why));
			if (ev == SHMRING_EV_PEER_DOWN) {
				p->ctl.detaches++;
				XENSHM_LOG(p, INFO, "guest left%s%s",
					   why[0] ? ": " : "", why);
				d->state = DOMS_DRAINING;
			}
		}
	}
	if (d->state == DOMS_DRAINING) {
		xenshm_port_dp_set(p, false);
		if (xenshm_port_quiesced(p)) {
			xenshm_port_unmap(p);
			shmring_doms_detach(d->ep);
			if (xenshm_port_is_broken(p)) {
				XENSHM_LOG(p, ERR, "guest region unmapped; the "
					   "port stays down until it is "
					   "stopped and started again");
				d->state = DOMS_DISABLED;
			} else {
				d->state = DOMS_CONNECTING;
				doms_after_leave(d, now);
			}
		}
	}
	link = d->state == DOMS_ATTACHED;
	rte_spinlock_unlock(&p->ctl_lock);
	xenshm_port_link_set(p, link);
	doms_ctl_arm(dev);
}

static int
doms_dev_start(struct rte_eth_dev *dev)
{
	struct doms_priv *d = dev->data->dev_private;
	struct xenshm_port *p = &d->port;

	rte_spinlock_lock(&p->ctl_lock);
	p->nb_rxq = dev->data->nb_rx_queues;
	p->nb_txq = dev->data->nb_tx_queues;
	p->started = true;
	/* A new start validates a new attach from scratch. */
	atomic_store_explicit(&p->broken, 0, memory_order_seq_cst);
	d->state = DOMS_CONNECTING;
	d->backoff_ms = BACKOFF_MIN_MS;
	d->next_try = rte_get_timer_cycles();
	xenshm_port_check_rx(p);
	xenshm_port_queues_state(dev, RTE_ETH_QUEUE_STATE_STARTED);
	rte_spinlock_unlock(&p->ctl_lock);
	doms_ctl_arm(dev);
	return 0;
}

/* Leave the region (the guest sees DomS go) and stop looking for it. */
static void
doms_disconnect(struct doms_priv *d)
{
	struct xenshm_port *p = &d->port;

	rte_eal_alarm_cancel(doms_ctl, p->dev);
	xenshm_port_dp_set(p, false);
	xenshm_port_quiesce_wait(p);
	if (p->mapped)
		xenshm_port_unmap(p);
	if (d->ep != NULL && shmring_doms_info(d->ep) != NULL)
		shmring_doms_detach(d->ep);
	d->state = DOMS_IDLE;
}

static int
doms_dev_stop(struct rte_eth_dev *dev)
{
	struct doms_priv *d = dev->data->dev_private;
	struct xenshm_port *p = &d->port;

	rte_spinlock_lock(&p->ctl_lock);
	p->started = false;
	xenshm_port_dp_set(p, false);
	rte_spinlock_unlock(&p->ctl_lock);
	doms_disconnect(d);
	xenshm_port_link_set(p, false);
	xenshm_port_queues_state(dev, RTE_ETH_QUEUE_STATE_STOPPED);
	return 0;
}

static int
doms_dev_close(struct rte_eth_dev *dev)
{
	struct doms_priv *d = dev->data->dev_private;
	struct xenshm_port *p = &d->port;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return 0;
	rte_spinlock_lock(&p->ctl_lock);
	d->closed = true;
	p->started = false;
	rte_spinlock_unlock(&p->ctl_lock);
	doms_disconnect(d);
	shmring_doms_close(d->ep);
	d->ep = NULL;
	xenshm_port_release_queues(dev);
	return 0;
}

static const struct eth_dev_ops doms_ops = {
	XENSHM_COMMON_ETH_OPS,
	.dev_configure = xenshm_dev_configure,
	.mtu_set = xenshm_mtu_set,
	.dev_start = doms_dev_start,
	.dev_stop = doms_dev_stop,
	.dev_close = doms_dev_close,
};

static int
doms_parse(const char *name, const char *args,
	   struct shmring_endpoint_cfg *cfg, struct shmring_limits *lim,
	   uint32_t *backoff_max, struct rte_ether_addr *mac, bool *have_mac,
	   bool *tx_drop, uint32_t *speed)
{
	uint32_t uid = SHMRING_UID_ANY, domid = UINT32_MAX, devid = 0;
	uint32_t qp, ring, slot, mtu, region_mb;
	struct rte_kvargs *kv;
	int rc, has_path, has_domid, has_devid, has_uid;

	kv = xenshm_kvargs_parse(doms_logtype, name, args, valid_keys);
	if (kv == NULL)
		return -EINVAL;
	memset(cfg, 0, sizeof(*cfg));
	shmring_limits_default(lim);
	qp = lim->max_qp;
	ring = lim->max_ring_size;
	slot = lim->max_slot_size;
	mtu = lim->max_mtu;
	region_mb = (uint32_t)(lim->max_region_size >> 20);
	*backoff_max = BACKOFF_MAX_MS;
	rc = xenshm_kv_transport(doms_logtype, name, kv, &cfg->transport);
	if (rc < 0)
		goto out;
	has_path = xenshm_kv_str(doms_logtype, name, kv, KEY_PATH, cfg->path,
				 sizeof(cfg->path));
	has_domid = xenshm_kv_u32(doms_logtype, name, kv, KEY_DOMID, 0,
				  UINT16_MAX - 1, &domid);
	has_devid = xenshm_kv_u32(doms_logtype, name, kv, KEY_DEVID, 0,
				  INT32_MAX, &devid);
	has_uid = xenshm_kv_u32(doms_logtype, name, kv, KEY_PEER_UID, 0,
				UINT32_MAX - 1, &uid);
	rc = -EINVAL;
	if (has_path < 0 || has_domid < 0 || has_devid < 0 || has_uid < 0)
		goto out;
	if (xenshm_kv_u32(doms_logtype, name, kv, KEY_MAX_QUEUES, 1,
			  SHMRING_MAX_QUEUE_PAIRS, &qp) < 0 ||
	    xenshm_kv_u32(doms_logtype, name, kv, KEY_MAX_RING_SIZE,
			  SHMRING_MIN_RING_SIZE, SHMRING_MAX_RING_SIZE,
			  &ring) < 0 ||
	    xenshm_kv_u32(doms_logtype, name, kv, KEY_MAX_SLOT_SIZE,
			  SHMRING_MIN_SLOT_SIZE, SHMRING_MAX_SLOT_SIZE,
			  &slot) < 0 ||
	    xenshm_kv_u32(doms_logtype, name, kv, KEY_MAX_MTU,
			  SHMRING_MIN_MTU, SHMRING_MAX_MTU, &mtu) < 0 ||
	    xenshm_kv_u32(doms_logtype, name, kv, KEY_MAX_REGION_MB, 1,
			  SHMRING_MAX_REGION_SIZE >> 20, &region_mb) < 0 ||
	    xenshm_kv_u32(doms_logtype, name, kv, KEY_RECONNECT_MAX_MS,
			  BACKOFF_MIN_MS, 60000, backoff_max) < 0 ||
	    xenshm_kv_mac(doms_logtype, name, kv, KEY_MAC, mac, have_mac) < 0 ||
	    xenshm_kv_tx_full(doms_logtype, name, kv, tx_drop) < 0 ||
	    xenshm_kv_speed(doms_logtype, name, kv, speed) < 0)
		goto out;
	if (cfg->transport == SHMRING_TRANSPORT_HOST) {
		if (has_path != 0) {
			DOMS_LOG(ERR, "%s: transport=host needs path=<socket> "
				 "(the guest's)", name);
			goto out;
		}
		if (has_domid == 0 || has_devid == 0) {
			DOMS_LOG(ERR, "%s: domid= and devid= are for "
				 "transport=xen", name);
			goto out;
		}
	} else {
		if (has_domid != 0) {
			DOMS_LOG(ERR, "%s: transport=xen needs domid=<guest "
				 "domid>", name);
			goto out;
		}
		if (has_path == 0 || has_uid == 0) {
			DOMS_LOG(ERR, "%s: path= and peer-uid= are for "
				 "transport=host", name);
			goto out;
		}
	}
	cfg->peer_uid = uid;
	cfg->peer_domid = domid;
	cfg->devid = devid;
	lim->max_qp = qp;
	lim->max_ring_size = ring;
	lim->max_slot_size = slot;
	lim->max_mtu = mtu;
	lim->max_region_size = (uint64_t)region_mb << 20;
	rc = 0;
out:
	rte_kvargs_free(kv);
	return rc;
}

static int
doms_probe(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	struct shmring_endpoint_cfg cfg;
	struct shmring_limits lim;
	struct rte_ether_addr mac;
	char why[SHMRING_WHY_MAX];
	struct rte_eth_dev *dev;
	struct doms_priv *d;
	struct xenshm_port *p;
	uint32_t backoff_max;
	/* A stalled guest must never hold DomS up: drop by default. */
	bool have_mac, tx_drop = true;
	uint32_t speed = XENSHM_DEFAULT_SPEED;
	int rc;

	/* Stats, xstats and info only: the mapping is the primary's. */
	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return xenshm_probe_secondary(vdev, doms_logtype);
	DOMS_LOG(INFO, "%s: probing '%s'", name,
		 rte_vdev_device_args(vdev) ? rte_vdev_device_args(vdev) : "");
	rc = doms_parse(name, rte_vdev_device_args(vdev), &cfg, &lim,
			&backoff_max, &mac, &have_mac, &tx_drop, &speed);
	if (rc != 0)
		return rc;
	if (!have_mac)
		rte_eth_random_addr(mac.addr_bytes);

	if (vdev->device.numa_node == SOCKET_ID_ANY)
		vdev->device.numa_node = rte_socket_id();
	dev = rte_eth_vdev_allocate(vdev, sizeof(*d));
	if (dev == NULL)
		return -ENOMEM;
	d = dev->data->dev_private;
	p = &d->port;
	dev->data->mac_addrs = rte_zmalloc(name, sizeof(mac), 0);
	if (dev->data->mac_addrs == NULL) {
		rte_eth_dev_release_port(dev);
		return -ENOMEM;
	}
	rte_ether_addr_copy(&mac, dev->data->mac_addrs);
	xenshm_port_init(p, dev, doms_logtype, false);
	p->min_mtu = SHMRING_MIN_MTU;
	p->max_mtu = lim.max_mtu;
	p->tx_drop_on_full = tx_drop;
	p->link_speed = speed;
	d->cfg = cfg;
	d->limits = lim;
	d->backoff_max_ms = backoff_max;
	d->state = DOMS_IDLE;

	/* Contacts nobody yet; checks the config and the limits. */
	rc = shmring_doms_open(&d->ep, &cfg, &lim, why, sizeof(why));
	if (rc != SHMRING_OK) {
		DOMS_LOG(ERR, "%s: %s (%s)", name, why, shmring_errname(rc));
		rte_eth_dev_release_port(dev);
		return rc == SHMRING_E_SYSTEM ? -EIO : -EINVAL;
	}

	dev->dev_ops = &doms_ops;
	dev->rx_pkt_burst = xenshm_rx_burst;
	dev->tx_pkt_burst = xenshm_tx_burst;
	dev->data->dev_flags |= RTE_ETH_DEV_INTR_LSC |
		RTE_ETH_DEV_AUTOFILL_QUEUE_XSTATS;
	dev->data->promiscuous = 1;
	dev->data->all_multicast = 1;
	xenshm_port_link_set(p, false);
	rte_eth_dev_probing_finish(dev);
	if (cfg.transport == SHMRING_TRANSPORT_HOST)
		XENSHM_LOG(p, NOTICE, "port %u: guest socket %s",
			   dev->data->port_id, cfg.path);
	else
		XENSHM_LOG(p, NOTICE, "port %u: guest domain %u device %u",
			   dev->data->port_id, cfg.peer_domid, cfg.devid);
	return 0;
}

static int
doms_remove(struct rte_vdev_device *vdev)
{
	struct rte_eth_dev *dev;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return xenshm_remove_secondary(vdev);
	dev = rte_eth_dev_allocated(rte_vdev_device_name(vdev));
	if (dev == NULL)
		return 0;	/* already closed by the application */
	if (dev->data->dev_started)
		rte_eth_dev_stop(dev->data->port_id);
	return rte_eth_dev_close(dev->data->port_id);
}

static struct rte_vdev_driver doms_drv = {
	.probe = doms_probe,
	.remove = doms_remove,
};

RTE_PMD_REGISTER_VDEV(net_xenshm, doms_drv);
RTE_PMD_REGISTER_PARAM_STRING(net_xenshm,
	"path=<socket> "
	"transport=host|xen "
	"domid=<guest domid> "
	"devid=<int> "
	"peer-uid=<uid> "
	"mac=<xx:xx:xx:xx:xx:xx> "
	"max-queues=<1-16> "
	"max-ring-size=<64-32768> "
	"max-slot-size=<256-65536> "
	"max-mtu=<68-9600> "
	"max-region-mb=<1-4096> "
	"reconnect-max-ms=<10-60000> "
	"tx-full=drop|backpressure "
	"speed=<Mbps>");
