/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * net_xenshm_guest: the guest's end of a shmring region.
 *
 * The guest creates and owns the region at probe and keeps it until the
 * port is closed, whatever DomS does: DomS instances come and go (crash,
 * upgrade), the rings and their indices stay, and the next DomS carries
 * on where the last one stopped.  The link is up only while the port is
 * started and a DomS is attached; while it is not, tx drops and counts
 * (tx_link_down_drops) instead of filling the ring with stale frames.
 *
 * Control work (accepting DomS, noticing it left) runs from an EAL alarm
 * every XENSHM_CTRL_PERIOD_US, never on the data path.  The data path is
 * drivers/common/xenshm.
 *
 * The region's MTU is the larger of the mtu= devarg and the port's MTU.
 * DomS reads it once per attach, so a new MTU needs a new attach: the
 * guest shares a fresh region with it (as a restarted guest would) and
 * DomS, seeing the old one go, attaches to the new one.  The link goes
 * down once; frames still in the old rings are lost.
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


RTE_LOG_REGISTER_DEFAULT(guest_logtype, NOTICE);
#define GUEST_LOG(level, fmt, ...)					\
	rte_log(RTE_LOG_ ## level, guest_logtype, fmt "\n", ##__VA_ARGS__)

#define KEY_PATH	"path"
#define KEY_TRANSPORT	"transport"
#define KEY_BACKEND	"backend"
#define KEY_DEVID	"devid"
#define KEY_QUEUES	"queues"
#define KEY_RING_SIZE	"ring-size"
#define KEY_SLOT_SIZE	"slot-size"
#define KEY_MTU		"mtu"
#define KEY_MAC		"mac"
#define KEY_PEER_UID	"peer-uid"

static const char *const valid_keys[] = {
	KEY_PATH, KEY_TRANSPORT, KEY_BACKEND, KEY_DEVID, KEY_QUEUES,
	KEY_RING_SIZE, KEY_SLOT_SIZE, KEY_MTU, KEY_MAC, KEY_PEER_UID,
	XENSHM_KEY_TX_FULL, XENSHM_KEY_SPEED, NULL
};

/* At most one rejection log line per this many seconds. */
#define REJECT_LOG_PERIOD_S	5

struct guest_priv {
	struct xenshm_port port;	/* first: the common code's view */
	struct shmring_guest_ep *ep;	/* NULL only if a new region failed */
	struct shmring_endpoint_cfg cfg;
	struct shmring_params params;	/* of the region shared now */
	uint32_t base_mtu;		/* mtu= devarg: the region's least */
	bool peer_up;			/* a DomS is attached */
	bool closed;
	bool renewing;			/* the region is being replaced */
	uint64_t next_reject_log;	/* timer cycles */
};

static void guest_ctl(void *arg);

static void
guest_ctl_arm(struct rte_eth_dev *dev)
{
	int rc = rte_eal_alarm_set(XENSHM_CTRL_PERIOD_US, guest_ctl, dev);

	if (rc != 0)
		GUEST_LOG(ERR, "%s: cannot arm the control alarm (%d); the "
			  "port will not notice DomS", dev->data->name, rc);
}

static void
guest_reject_log(struct guest_priv *g, const char *why)
{
	uint64_t now = rte_get_timer_cycles();

	if (now < g->next_reject_log)
		return;
	g->next_reject_log = now + REJECT_LOG_PERIOD_S * rte_get_timer_hz();
	XENSHM_LOG(&g->port, NOTICE, "refused a DomS: %s", why);
}

/*
 * Control step, from the EAL alarm thread: run the endpoint's state
 * machine, follow DomS with the data path and the link.
 */
static void
guest_ctl(void *arg)
{
	struct rte_eth_dev *dev = arg;
	struct guest_priv *g = dev->data->dev_private;
	struct xenshm_port *p = &g->port;
	char why[SHMRING_WHY_MAX];
	bool link;
	int i, ev;

	rte_spinlock_lock(&p->ctl_lock);
	if (g->closed) {
		rte_spinlock_unlock(&p->ctl_lock);
		return;
	}
	if (g->renewing || g->ep == NULL) {
		/* guest_region_renew() owns the endpoint for now. */
		rte_spinlock_unlock(&p->ctl_lock);
		guest_ctl_arm(dev);
		return;
	}
	/* A few bounded steps, so a handshake needs no extra periods. */
	for (i = 0; i < 4; i++) {
		why[0] = '\0';
		ev = shmring_guest_poll(g->ep, why, sizeof(why));
		if (ev == SHMRING_EV_NONE)
			break;
		switch (ev) {
		case SHMRING_EV_PEER_UP:
			g->peer_up = true;
			if (p->ctl.attaches++ > 0)
				p->ctl.reconnects++;
			XENSHM_LOG(p, INFO, "DomS attached");
			break;
		case SHMRING_EV_PEER_DOWN:
			g->peer_up = false;
			p->ctl.detaches++;
			XENSHM_LOG(p, INFO, "DomS left%s%s", why[0] ? ": " : "",
				   why);
			break;
		case SHMRING_EV_PEER_REJECTED:
			xenshm_port_count_reject(p,
				shmring_guest_last_error(g->ep));
			guest_reject_log(g, why);
			break;
		default:
			break;
		}
	}
	xenshm_port_dp_set(p, g->peer_up);
	if (shmring_guest_quiesce_pending(g->ep) && xenshm_port_quiesced(p))
		shmring_guest_quiesced(g->ep);	/* the region may move now */
	link = p->started && g->peer_up && !xenshm_port_is_broken(p);
	rte_spinlock_unlock(&p->ctl_lock);
	xenshm_port_link_set(p, link);
	guest_ctl_arm(dev);
}

/* Share a region with 'pa'; the port's ring ends point into it. */
static int
guest_region_open(struct guest_priv *g, const struct shmring_params *pa)
{
	struct xenshm_port *p = &g->port;
	char why[SHMRING_WHY_MAX];
	unsigned int ring;
	int rc;

	rc = shmring_guest_open(&g->ep, &g->cfg, pa, why, sizeof(why));
	if (rc != SHMRING_OK) {
		XENSHM_LOG(p, ERR, "cannot share a region: %s (%s)", why,
			   shmring_errname(rc));
		g->ep = NULL;
		return rc == SHMRING_E_SYSTEM ? -EIO : -EINVAL;
	}
	/* Our own fresh region: this cannot fail short of a library bug. */
	rc = xenshm_port_map(p, shmring_guest_base(g->ep),
			     shmring_guest_info(g->ep), &ring);
	if (rc != SHMRING_OK) {
		XENSHM_LOG(p, ERR, "ring %u of the new region: %s", ring,
			   shmring_strerror(rc));
		shmring_guest_close(g->ep);
		g->ep = NULL;
		return -EIO;
	}
	g->params = *pa;
	return 0;
}

/*
 * Replace the region by one with MTU 'mtu' (control thread, from
 * dev_configure or mtu_set).  DomS sees the old region go (a detach) and
 * attaches to the new one by itself; the link is down in between.
 */
static int
guest_region_renew(struct rte_eth_dev *dev, uint32_t mtu)
{
	struct guest_priv *g = dev->data->dev_private;
	struct xenshm_port *p = &g->port;
	struct shmring_params pa = g->params;
	char why[SHMRING_WHY_MAX];
	uint32_t old = g->params.mtu;
	int rc;

	pa.mtu = mtu;
	if (shmring_params_check(&pa, why, sizeof(why)) != SHMRING_OK) {
		XENSHM_LOG(p, ERR, "MTU %u: %s", mtu, why);
		return -EINVAL;
	}
	rte_spinlock_lock(&p->ctl_lock);
	g->renewing = true;
	xenshm_port_dp_set(p, false);
	rte_spinlock_unlock(&p->ctl_lock);
	/*
	 * From here the alarm leaves the endpoint and the ring ends alone
	 * (it sees 'renewing'), the other ethdev ops run on this thread, and
	 * once quiesced no burst is inside the region: no lock needed while
	 * the region is replaced (which maps and faults in megabytes).
	 */
	xenshm_port_quiesce_wait(p);
	xenshm_port_unmap(p);
	if (g->ep != NULL)
		shmring_guest_close(g->ep);
	g->ep = NULL;
	rc = guest_region_open(g, &pa);
	if (rc != 0 && guest_region_open(g, &g->params) != 0)
		XENSHM_LOG(p, ERR, "no region shared any more: the port stays "
			   "down until it is closed and probed again");

	rte_spinlock_lock(&p->ctl_lock);
	if (g->peer_up) {
		g->peer_up = false;
		p->ctl.detaches++;
	}
	g->renewing = false;
	rte_spinlock_unlock(&p->ctl_lock);
	xenshm_port_link_set(p, false);
	if (rc == 0)
		XENSHM_LOG(p, NOTICE, "MTU %u -> %u: shared a new region; the "
			   "link is down until DomS attaches it", old, mtu);
	return rc;
}

/* The region follows the port's MTU above the mtu= devarg. */
static int
guest_mtu_follow(struct rte_eth_dev *dev, uint16_t mtu)
{
	struct guest_priv *g = dev->data->dev_private;
	uint32_t want = RTE_MAX((uint32_t)mtu, g->base_mtu);

	if (want == g->params.mtu)
		return 0;
	return guest_region_renew(dev, want);
}

/* ethdev has set dev->data->mtu from rxmode.mtu (--max-pkt-len). */
static int
guest_dev_configure(struct rte_eth_dev *dev)
{
	int rc = xenshm_dev_configure(dev);

	if (rc != 0)
		return rc;
	return guest_mtu_follow(dev, dev->data->mtu);
}

static int
guest_mtu_set(struct rte_eth_dev *dev, uint16_t mtu)
{
	int rc = xenshm_mtu_set(dev, mtu);

	if (rc != 0)
		return rc;
	return guest_mtu_follow(dev, mtu);
}

static int
guest_dev_start(struct rte_eth_dev *dev)
{
	struct guest_priv *g = dev->data->dev_private;
	struct xenshm_port *p = &g->port;
	bool link;

	rte_spinlock_lock(&p->ctl_lock);
	p->nb_rxq = dev->data->nb_rx_queues;
	p->nb_txq = dev->data->nb_tx_queues;
	p->started = true;
	xenshm_port_check_rx(p);
	xenshm_port_log_mapping(p);
	xenshm_port_queues_state(dev, RTE_ETH_QUEUE_STATE_STARTED);
	xenshm_port_dp_set(p, g->peer_up);
	link = g->peer_up && !xenshm_port_is_broken(p);
	rte_spinlock_unlock(&p->ctl_lock);
	xenshm_port_link_set(p, link);
	if (xenshm_port_is_broken(p))
		XENSHM_LOG(p, WARNING, "started, but disabled since a DomS "
			   "broke the ring protocol; close and re-create the "
			   "port to share a fresh region");
	return 0;
}

static int
guest_dev_stop(struct rte_eth_dev *dev)
{
	struct guest_priv *g = dev->data->dev_private;
	struct xenshm_port *p = &g->port;

	rte_spinlock_lock(&p->ctl_lock);
	p->started = false;
	xenshm_port_dp_set(p, false);
	rte_spinlock_unlock(&p->ctl_lock);
	xenshm_port_quiesce_wait(p);
	xenshm_port_link_set(p, false);
	xenshm_port_queues_state(dev, RTE_ETH_QUEUE_STATE_STOPPED);
	return 0;
}

/* Withdraw the region: DomS sees the guest leave and unmaps. */
static int
guest_dev_close(struct rte_eth_dev *dev)
{
	struct guest_priv *g = dev->data->dev_private;
	struct xenshm_port *p = &g->port;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return 0;
	rte_spinlock_lock(&p->ctl_lock);
	g->closed = true;
	rte_spinlock_unlock(&p->ctl_lock);
	/* Waits for a running callback; removes re-armed ones. */
	rte_eal_alarm_cancel(guest_ctl, dev);
	xenshm_port_dp_set(p, false);
	xenshm_port_quiesce_wait(p);
	xenshm_port_unmap(p);
	if (g->ep != NULL)
		shmring_guest_close(g->ep);
	g->ep = NULL;
	xenshm_port_release_queues(dev);
	return 0;
}

static const struct eth_dev_ops guest_ops = {
	XENSHM_COMMON_ETH_OPS,
	.dev_configure = guest_dev_configure,
	.mtu_set = guest_mtu_set,
	.dev_start = guest_dev_start,
	.dev_stop = guest_dev_stop,
	.dev_close = guest_dev_close,
};

/* devargs -> endpoint config and region params, with a clear error. */
static int
guest_parse(const char *name, const char *args,
	    struct shmring_endpoint_cfg *cfg, struct shmring_params *pa,
	    struct rte_ether_addr *mac, bool *have_mac, bool *tx_drop,
	    uint32_t *speed)
{
	uint32_t queues = 1, ring = SHMRING_DEFAULT_RING_SIZE;
	uint32_t slot = SHMRING_DEFAULT_SLOT_SIZE, mtu = SHMRING_DEFAULT_MTU;
	uint32_t uid = SHMRING_UID_ANY, backend = UINT32_MAX, devid = 0;
	char why[SHMRING_WHY_MAX];
	struct rte_kvargs *kv;
	int rc, has_path, has_backend, has_devid, has_uid;

	kv = xenshm_kvargs_parse(guest_logtype, name, args, valid_keys);
	if (kv == NULL)
		return -EINVAL;
	memset(cfg, 0, sizeof(*cfg));
	rc = xenshm_kv_transport(guest_logtype, name, kv, &cfg->transport);
	if (rc < 0)
		goto out;
	has_path = xenshm_kv_str(guest_logtype, name, kv, KEY_PATH, cfg->path,
				 sizeof(cfg->path));
	/* backend=any: follow the DomS Dom0 assigns (docs/xen.md). */
	if (rte_kvargs_get(kv, KEY_BACKEND) != NULL &&
	    strcmp(rte_kvargs_get(kv, KEY_BACKEND), "any") == 0)
		has_backend = 0;	/* backend stays UINT32_MAX: any */
	else
		has_backend = xenshm_kv_u32(guest_logtype, name, kv,
					    KEY_BACKEND, 0, UINT16_MAX - 1,
					    &backend);
	has_devid = xenshm_kv_u32(guest_logtype, name, kv, KEY_DEVID, 0,
				  INT32_MAX, &devid);
	has_uid = xenshm_kv_u32(guest_logtype, name, kv, KEY_PEER_UID, 0,
				UINT32_MAX - 1, &uid);
	rc = -EINVAL;
	if (has_path < 0 || has_backend < 0 || has_devid < 0 || has_uid < 0)
		goto out;
	if (xenshm_kv_u32(guest_logtype, name, kv, KEY_QUEUES, 1,
			  SHMRING_MAX_QUEUE_PAIRS, &queues) < 0 ||
	    xenshm_kv_u32(guest_logtype, name, kv, KEY_RING_SIZE,
			  SHMRING_MIN_RING_SIZE, SHMRING_MAX_RING_SIZE,
			  &ring) < 0 ||
	    xenshm_kv_u32(guest_logtype, name, kv, KEY_SLOT_SIZE,
			  SHMRING_MIN_SLOT_SIZE, SHMRING_MAX_SLOT_SIZE,
			  &slot) < 0 ||
	    xenshm_kv_u32(guest_logtype, name, kv, KEY_MTU, SHMRING_MIN_MTU,
			  SHMRING_MAX_MTU, &mtu) < 0 ||
	    xenshm_kv_mac(guest_logtype, name, kv, KEY_MAC, mac,
			  have_mac) < 0 ||
	    xenshm_kv_tx_full(guest_logtype, name, kv, tx_drop) < 0 ||
	    xenshm_kv_speed(guest_logtype, name, kv, speed) < 0)
		goto out;
	if (cfg->transport == SHMRING_TRANSPORT_HOST) {
		if (has_path != 0) {
			GUEST_LOG(ERR, "%s: transport=host needs path=<socket>",
				  name);
			goto out;
		}
		if (has_backend == 0 || has_devid == 0) {
			GUEST_LOG(ERR, "%s: backend= and devid= are for "
				  "transport=xen", name);
			goto out;
		}
	} else {
		if (has_backend != 0) {
			GUEST_LOG(ERR, "%s: transport=xen needs "
				  "backend=<DomS domid>", name);
			goto out;
		}
		if (has_path == 0 || has_uid == 0) {
			GUEST_LOG(ERR, "%s: path= and peer-uid= are for "
				  "transport=host", name);
			goto out;
		}
	}
	cfg->peer_uid = uid;
	cfg->peer_domid = backend;
	cfg->devid = devid;

	memset(pa, 0, sizeof(*pa));
	pa->features = SHMRING_F_MULTI_SEG;
	pa->n_qp = queues;
	pa->ring_size = ring;
	pa->slot_size = slot;
	pa->mtu = mtu;
	if (shmring_params_check(pa, why, sizeof(why)) != SHMRING_OK) {
		GUEST_LOG(ERR, "%s: invalid devargs (queues=%u ring-size=%u "
			  "slot-size=%u mtu=%u): %s", name, queues, ring,
			  slot, mtu, why);
		goto out;
	}
	rc = 0;
out:
	rte_kvargs_free(kv);
	return rc;
}

static int
guest_probe(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	struct shmring_endpoint_cfg cfg;
	struct shmring_params pa;
	struct shmring_params top;
	struct rte_ether_addr mac;
	char why[SHMRING_WHY_MAX];
	struct rte_eth_dev *dev;
	struct guest_priv *g;
	struct xenshm_port *p;
	bool have_mac, tx_drop = false;	/* a guest backpressures */
	uint32_t speed = XENSHM_DEFAULT_SPEED;
	int rc;

	/* Stats, xstats and info only: the region is the primary's. */
	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return xenshm_probe_secondary(vdev, guest_logtype);
	GUEST_LOG(INFO, "%s: probing '%s'", name,
		  rte_vdev_device_args(vdev) ? rte_vdev_device_args(vdev) : "");
	rc = guest_parse(name, rte_vdev_device_args(vdev), &cfg, &pa, &mac,
			 &have_mac, &tx_drop, &speed);
	if (rc != 0)
		return rc;
	if (!have_mac)
		rte_eth_random_addr(mac.addr_bytes);
	rte_ether_addr_copy(&mac, (struct rte_ether_addr *)pa.mac);

	if (vdev->device.numa_node == SOCKET_ID_ANY)
		vdev->device.numa_node = rte_socket_id();
	dev = rte_eth_vdev_allocate(vdev, sizeof(*g));
	if (dev == NULL)
		return -ENOMEM;
	g = dev->data->dev_private;
	p = &g->port;
	dev->data->mac_addrs = rte_zmalloc(name, sizeof(mac), 0);
	if (dev->data->mac_addrs == NULL) {
		rte_eth_dev_release_port(dev);
		return -ENOMEM;
	}
	rte_ether_addr_copy(&mac, dev->data->mac_addrs);
	xenshm_port_init(p, dev, guest_logtype, true);
	/*
	 * The port's MTU may go up to the protocol's, since the region
	 * follows it (with multi-seg, any slot size carries 9600).
	 */
	top = pa;
	top.mtu = SHMRING_MAX_MTU;
	p->min_mtu = SHMRING_MIN_MTU;
	p->max_mtu = shmring_params_check(&top, why, sizeof(why)) ==
		SHMRING_OK ? SHMRING_MAX_MTU : pa.mtu;
	p->tx_drop_on_full = tx_drop;
	p->link_speed = speed;
	g->cfg = cfg;
	g->params = pa;
	g->base_mtu = pa.mtu;

	rc = guest_region_open(g, &pa);
	if (rc != 0) {
		rte_eth_dev_release_port(dev);
		return rc;
	}

	dev->dev_ops = &guest_ops;
	dev->rx_pkt_burst = xenshm_rx_burst;
	dev->tx_pkt_burst = xenshm_tx_burst;
	dev->data->dev_flags |= RTE_ETH_DEV_INTR_LSC |
		RTE_ETH_DEV_AUTOFILL_QUEUE_XSTATS;
	dev->data->mtu = RTE_MIN(pa.mtu, (uint32_t)RTE_ETHER_MTU);
	dev->data->promiscuous = 1;
	dev->data->all_multicast = 1;
	xenshm_port_link_set(p, false);
	rte_eth_dev_probing_finish(dev);
	guest_ctl_arm(dev);
	XENSHM_LOG(p, NOTICE, "port %u: %u queue pair(s), %u x %u-byte slots "
		   "per ring, MTU %u, %s transport%s%s", dev->data->port_id,
		   pa.n_qp, pa.ring_size, pa.slot_size, pa.mtu,
		   cfg.transport == SHMRING_TRANSPORT_HOST ? "host" : "xen",
		   cfg.transport == SHMRING_TRANSPORT_HOST ? " at " : "",
		   cfg.transport == SHMRING_TRANSPORT_HOST ? cfg.path : "");
	return 0;
}

static int
guest_remove(struct rte_vdev_device *vdev)
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

static struct rte_vdev_driver guest_drv = {
	.probe = guest_probe,
	.remove = guest_remove,
};

RTE_PMD_REGISTER_VDEV(net_xenshm_guest, guest_drv);

/*
 * EAL's vdev bus gives a device to the first registered driver whose
 * name is a prefix of the device's name.  "net_xenshm" is a prefix of
 * "net_xenshm_guest0": were the DomS driver registered first, it would
 * take the guest's devices.  That happens whenever both PMDs sit in
 * DPDK's plugin directory (the Debian packages), which EAL loads in
 * readdir() order.  So, after our registration above (a constructor with
 * a priority runs before one without), move this driver ahead of every
 * net_xenshm driver: re-append, in their order, the drivers from the first
 * net_xenshm one up to this one.  Each kind keeps its own order, so a
 * driver given with -d still comes before the installed one of its kind.
 */
TAILQ_HEAD(guest_vdev_drivers, rte_vdev_driver);

static void __attribute__((constructor))
guest_drv_before_doms(void)
{
	struct rte_vdev_driver *d, *first = NULL, *next;

	for (d = TAILQ_PREV(&guest_drv, guest_vdev_drivers, next); d != NULL;
	     d = TAILQ_PREV(d, guest_vdev_drivers, next))
		if (strcmp(d->driver.name, "net_xenshm") == 0)
			first = d;
	for (d = first; d != NULL && d != &guest_drv; d = next) {
		next = TAILQ_NEXT(d, next);
		rte_vdev_unregister(d);
		rte_vdev_register(d);
	}
}
RTE_PMD_REGISTER_PARAM_STRING(net_xenshm_guest,
	"path=<socket> "
	"transport=host|xen "
	"backend=<DomS domid>|any "
	"devid=<int> "
	"queues=<1-16> "
	"ring-size=<64-32768, power of 2> "
	"slot-size=<256-65536, multiple of 64> "
	"mtu=<68-9600> "
	"mac=<xx:xx:xx:xx:xx:xx> "
	"peer-uid=<uid> "
	"tx-full=backpressure|drop "
	"speed=<Mbps>");
