/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Attaching and detaching ports at run time.  Control thread only, under
 * sw->lock.  An attach probes the device (rte_dev_probe), configures and
 * starts it, then publishes a table that includes it; a detach publishes
 * a table without it, waits for the grace period, and only then stops,
 * closes and removes the device.  The other ports are never stopped.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>

#include "ds_switch.h"

struct ds_port *
ds_port_find(struct ds_switch *sw, const char *name)
{
	uint16_t s;

	for (s = 0; s < DS_MAX_PORTS; s++)
		if (sw->ports[s] != NULL && !strcmp(sw->ports[s]->name, name))
			return sw->ports[s];
	return NULL;
}

void
ds_port_collect(const struct ds_switch *sw, const struct ds_port *p,
		struct ds_ctrs *sum)
{
	uint16_t w;
	int d;

	memset(sum, 0, sizeof(*sum));
	for (w = 0; w < sw->n_workers; w++) {
		const struct ds_ctrs *c = &sw->workers[w]->ctrs[p->slot];

#define ADD(f) atomic_store_explicit(&sum->f, \
		atomic_load_explicit(&sum->f, memory_order_relaxed) + \
		atomic_load_explicit(&c->f, memory_order_relaxed), \
		memory_order_relaxed)
		ADD(rx_pkts);
		ADD(rx_bytes);
		ADD(tx_pkts);
		ADD(tx_bytes);
		ADD(flooded);
		for (d = 0; d < DS_DROP_MAX; d++)
			ADD(drop[d]);
#undef ADD
	}
}

/* Fold a leaving port's counters into the totals and zero its slot. */
static void
retire_counters(struct ds_switch *sw, struct ds_port *p)
{
	struct rte_eth_stats es;
	struct ds_ctrs sum;
	uint16_t w;
	int d;

	ds_port_collect(sw, p, &sum);
	if (rte_eth_stats_get(p->port_id, &es) == 0)
		sw->retired.pmd_tx_dropped += es.oerrors;
	sw->retired.rx_pkts += sum.rx_pkts;
	sw->retired.tx_pkts += sum.tx_pkts;
	for (d = 0; d < DS_DROP_MAX; d++)
		sw->retired.drop[d] += sum.drop[d];
	/* no worker touches the slot: it is in no published table */
	for (w = 0; w < sw->n_workers; w++)
		memset(&sw->workers[w]->ctrs[p->slot], 0,
		       sizeof(struct ds_ctrs));
}

static int
free_slot(struct ds_switch *sw)
{
	uint16_t s;

	for (s = 0; s < DS_MAX_PORTS; s++)
		if (sw->ports[s] == NULL)
			return s;
	return -1;
}

/*
 * Give each rx queue of p to a worker: the configured lcores, else the
 * worker polling the fewest queues so far (ties: lowest lcore).
 */
static int
place_queues(struct ds_switch *sw, struct ds_port *p,
	     const struct ds_port_cfg *pc, char *why, size_t why_len)
{
	uint32_t load[DS_MAX_WORKERS] = { 0 };
	uint16_t s, q, w;

	for (s = 0; s < DS_MAX_PORTS; s++) {
		const struct ds_port *o = sw->ports[s];

		if (o == NULL || o == p)
			continue;
		for (q = 0; q < o->nb_rxq; q++)
			load[o->rxq_worker[q]]++;
	}
	for (q = 0; q < p->nb_rxq; q++) {
		if (pc->n_lcores > 0) {
			int lc = pc->lcores[q % pc->n_lcores];

			if (lc < 0 || lc >= RTE_MAX_LCORE ||
			    sw->worker_of_lcore[lc] < 0) {
				snprintf(why, why_len, "lcore %d is not a "
					 "worker lcore of this process", lc);
				return -1;
			}
			p->rxq_worker[q] = sw->worker_of_lcore[lc];
		} else {
			uint16_t best = 0;

			for (w = 1; w < sw->n_workers; w++)
				if (load[w] < load[best])
					best = w;
			p->rxq_worker[q] = best;
		}
		load[p->rxq_worker[q]]++;
	}
	return 0;
}

/* Configure and start a probed port for switching. */
static int
port_setup(struct ds_switch *sw, struct ds_port *p, uint16_t want_rxq,
	   char *why, size_t why_len)
{
	const struct ds_global_cfg *g = &sw->cfg->global;
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t rxd = g->rx_desc, txd = g->tx_desc, q, w;
	uint32_t room = rte_pktmbuf_data_room_size(sw->pool) -
			RTE_PKTMBUF_HEADROOM;
	int rc, socket = rte_eth_dev_socket_id(p->port_id);

	if (socket < 0)
		socket = (int)rte_socket_id();
	rc = rte_eth_dev_info_get(p->port_id, &info);
	if (rc != 0) {
		snprintf(why, why_len, "dev_info: %s", rte_strerror(-rc));
		return rc;
	}
	p->nb_rxq = RTE_MIN(want_rxq, info.max_rx_queues);
	p->nb_txq = RTE_MIN(sw->n_workers, info.max_tx_queues);
	if (p->nb_rxq == 0 || p->nb_txq == 0) {
		snprintf(why, why_len, "the port has no rx or tx queue");
		return -EINVAL;
	}
	if (p->nb_rxq < want_rxq)
		DS_LOG(WARNING, "%s: %u rx queues asked, the port has %u",
		       p->name, want_rxq, p->nb_rxq);
	/* a worker has its own tx queue, else shares one under a lock */
	p->txq_shared = p->nb_txq < sw->n_workers;
	for (w = 0; w < sw->n_workers; w++)
		p->txq_of[w] = w % p->nb_txq;
	for (q = 0; q < DS_MAX_QUEUES; q++)
		rte_spinlock_init(&p->txq_lock[q]);

	memset(&conf, 0, sizeof(conf));
	if (g->mtu >= info.min_mtu && g->mtu <= info.max_mtu)
		conf.rxmode.mtu = g->mtu;
	else
		DS_LOG(WARNING, "%s: mtu %u outside the port's %u..%u, "
		       "keeping its default", p->name, g->mtu, info.min_mtu,
		       info.max_mtu);
	if ((uint32_t)g->mtu + RTE_ETHER_HDR_LEN + 2 * RTE_VLAN_HLEN > room &&
	    (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER))
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;

	rc = rte_eth_dev_configure(p->port_id, p->nb_rxq, p->nb_txq, &conf);
	if (rc != 0) {
		snprintf(why, why_len, "configure(%u rxq, %u txq): %s",
			 p->nb_rxq, p->nb_txq, rte_strerror(-rc));
		return rc;
	}
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &rxd, &txd);
	if (rc != 0) {
		snprintf(why, why_len, "descriptors: %s", rte_strerror(-rc));
		return rc;
	}
	for (q = 0; q < p->nb_rxq; q++) {
		rc = rte_eth_rx_queue_setup(p->port_id, q, rxd, socket, NULL,
					    sw->pool);
		if (rc != 0) {
			snprintf(why, why_len, "rx queue %u: %s", q,
				 rte_strerror(-rc));
			return rc;
		}
	}
	for (q = 0; q < p->nb_txq; q++) {
		rc = rte_eth_tx_queue_setup(p->port_id, q, txd, socket, NULL);
		if (rc != 0) {
			snprintf(why, why_len, "tx queue %u: %s", q,
				 rte_strerror(-rc));
			return rc;
		}
	}
	/* a switch port receives for every MAC behind it */
	rc = rte_eth_promiscuous_enable(p->port_id);
	if (rc != 0 && rc != -ENOTSUP)
		DS_LOG(WARNING, "%s: promiscuous mode: %s", p->name,
		       rte_strerror(-rc));
	rc = rte_eth_dev_start(p->port_id);
	if (rc != 0) {
		snprintf(why, why_len, "start: %s", rte_strerror(-rc));
		return rc;
	}
	return 0;
}

static void
init_rate(struct ds_switch *sw, struct ds_port *p, uint32_t burst_ms)
{
	uint64_t now = rte_rdtsc();
	uint64_t pps = p->rate_pps, bytes = p->rate_bps / 8;
	uint64_t max_frame = sw->cfg->global.mtu + RTE_ETHER_HDR_LEN +
			     2 * RTE_VLAN_HLEN;
	uint16_t q;

	/* the limit is shared evenly among the port's rx queues */
	for (q = 0; q < p->nb_rxq; q++) {
		uint64_t qp = pps ? RTE_MAX(pps / p->nb_rxq, 1ull) : 0;
		uint64_t qb = bytes ? RTE_MAX(bytes / p->nb_rxq, 1ull) : 0;

		ds_tb_init(&p->rxq[q].pps, qp, ds_tb_burst(qp, burst_ms, 1),
			   sw->hz, now);
		ds_tb_init(&p->rxq[q].bytes, qb,
			   ds_tb_burst(qb, burst_ms, max_frame), sw->hz, now);
	}
}

/* The part of devargs before the first comma: the device name. */
static void
devname_of(const char *devargs, char *out, size_t len)
{
	size_t n = strcspn(devargs, ",");

	if (n >= len)
		n = len - 1;
	memcpy(out, devargs, n);
	out[n] = '\0';
}

static struct ds_port *
port_new(struct ds_switch *sw, const char *name, int *slot)
{
	struct ds_port *p;

	*slot = free_slot(sw);
	if (*slot < 0) {
		DS_LOG(ERR, "%s: no free port slot (max %d ports)", name,
		       DS_MAX_PORTS);
		return NULL;
	}
	p = rte_zmalloc("ds_port", sizeof(*p), RTE_CACHE_LINE_SIZE);
	if (p == NULL) {
		DS_LOG(ERR, "%s: out of memory", name);
		return NULL;
	}
	p->slot = *slot;
	/* a new generation: stale FDB refs to the slot stop matching */
	if (++sw->slot_gen[*slot] == 0)
		sw->slot_gen[*slot] = 1;
	p->gen = sw->slot_gen[*slot];
	p->ref = DS_REF(p->slot, p->gen);
	p->port_id = RTE_MAX_ETHPORTS;
	snprintf(p->name, sizeof(p->name), "%s", name);
	return p;
}

/* Probe devargs (or find an EAL-probed port); fills port_id. */
static int
port_probe(struct ds_switch *sw, struct ds_port *p, const char *devargs,
	   bool hotplug, char *why, size_t why_len)
{
	int rc;

	devname_of(devargs, p->devname, sizeof(p->devname));
	snprintf(p->devargs, sizeof(p->devargs), "%s", devargs);
	if (hotplug) {
		if (rte_eth_dev_get_port_by_name(p->devname,
						 &p->port_id) == 0) {
			snprintf(why, why_len, "a port named %s exists "
				 "already", p->devname);
			return -EEXIST;
		}
		rc = rte_dev_probe(devargs);
		if (rc != 0) {
			snprintf(why, why_len, "rte_dev_probe(%s): %s%s",
				 devargs, rte_strerror(-rc),
				 (!strncmp(devargs, "net_xenshm", 10) &&
				  !sw->xenshm_pmd_loaded) ?
				 " (net_xenshm PMD not loaded: set "
				 "[global] pmd= or --pmd)" : "");
			return rc;
		}
		p->hotplugged = true;
	}
	rc = rte_eth_dev_get_port_by_name(p->devname, &p->port_id);
	if (rc != 0) {
		snprintf(why, why_len, "no ethdev named %s%s", p->devname,
			 hotplug ? " after probing (one device, several "
			 "ports?)" : " (not probed by EAL?)");
		return -ENODEV;
	}
	return 0;
}

static void
port_teardown(struct ds_port *p)
{
	struct rte_eth_dev_info info;
	struct rte_device *dev = NULL;
	int rc;

	if (p->port_id >= RTE_MAX_ETHPORTS)
		return;
	if (rte_eth_dev_info_get(p->port_id, &info) == 0)
		dev = info.device;
	rc = rte_eth_dev_stop(p->port_id);
	if (rc != 0)
		DS_LOG(WARNING, "%s: stop: %s", p->name, rte_strerror(-rc));
	if (!p->hotplugged)
		return;		/* EAL's port: stopped, left for EAL */
	rte_eth_dev_close(p->port_id);
	if (dev != NULL) {
		rc = rte_dev_remove(dev);
		if (rc != 0)
			DS_LOG(WARNING, "%s: remove %s: %s", p->name,
			       p->devname, rte_strerror(-rc));
	}
}

/* Install p: zero its counters, publish a table that includes it. */
static int
port_publish(struct ds_switch *sw, struct ds_port *p)
{
	struct ds_table *t;
	uint16_t w;

	for (w = 0; w < sw->n_workers; w++)
		memset(&sw->workers[w]->ctrs[p->slot], 0,
		       sizeof(struct ds_ctrs));
	sw->ports[p->slot] = p;
	t = ds_table_build(sw);
	if (t == NULL) {
		sw->ports[p->slot] = NULL;
		return -ENOMEM;
	}
	ds_table_publish(sw, t);
	p->attached_tsc = rte_rdtsc();
	sw->attaches++;
	ds_table_log(sw, t);
	return 0;
}

static void
log_placement(const struct ds_port *p, const struct ds_switch *sw)
{
	char line[256];
	size_t o = 0;
	uint16_t q;

	line[0] = '\0';
	for (q = 0; q < p->nb_rxq && o < sizeof(line) - 16; q++)
		o += snprintf(line + o, sizeof(line) - o, "%s%u->lcore %u",
			      q ? ", " : "", q,
			      sw->workers[p->rxq_worker[q]]->lcore_id);
	DS_LOG(INFO, "%s: port %u (%s), rx queues %s, %u tx queues%s",
	       p->name, p->port_id, p->devname, line, p->nb_txq,
	       p->txq_shared ? " (shared by workers)" : "");
}

/*
 * A learn-first guest that had pinned its MAC before a restart gets it
 * back before its first frame is polled: the port is published already
 * pinned (other guests were kept off the MAC since the start by the
 * table's owned keys).
 */
static void
restore_pin(struct ds_switch *sw, struct ds_port *p)
{
	int i = ds_pins_by_guest(&sw->pins, p->name);
	struct ds_pin *pin;

	if (i < 0 || p->spoof != DS_SPOOF_LEARN_FIRST)
		return;
	pin = &sw->pins.pin[i];
	if (pin->tenant != p->tenant) {
		/* validated at load; a dynamic guest may have moved */
		ds_pins_del(&sw->pins, i);
		ds_pins_changed(sw);
		return;
	}
	atomic_store_explicit(&p->locked_mac, DS_MAC_LOCKED | pin->mac48,
			      memory_order_relaxed);
}

/* The port of a restored pin is attached: the pin no longer expires. */
static void
pin_attached(struct ds_switch *sw, const struct ds_port *p)
{
	int i = ds_pins_by_guest(&sw->pins, p->name);

	if (i < 0 || !sw->pins.pin[i].waiting)
		return;
	sw->pins.pin[i].waiting = false;
	sw->own.restored++;
}

/*
 * A learn-first pin lasts as long as its port, and across a shutdown or
 * a crash (the next process restores it).  Returns whether it released
 * one, into *old.
 */
static bool
release_pin(struct ds_switch *sw, struct ds_port *p, struct ds_pin *old)
{
	int i;

	if (p->kind != DS_PORT_GUEST ||
	    atomic_load_explicit(&sw->quit, memory_order_relaxed))
		return false;
	i = ds_pins_by_guest(&sw->pins, p->name);
	if (i < 0)
		return false;
	*old = sw->pins.pin[i];
	ds_pins_del(&sw->pins, i);
	return true;
}

int
ds_port_attach_guest(struct ds_switch *sw, const struct ds_guest_cfg *g,
		     bool from_socket)
{
	char devargs[DS_DEVARGS_MAX], why[256] = "";
	struct ds_port *p;
	int slot, rc;
	uint64_t lm;

	if (ds_config_guest_devargs(sw->cfg, g, devargs,
				    sizeof(devargs)) != 0) {
		DS_LOG(ERR, "guest %s: devargs longer than %d bytes", g->name,
		       DS_DEVARGS_MAX - 1);
		return -EINVAL;
	}
	p = port_new(sw, g->name, &slot);
	if (p == NULL)
		return -ENOSPC;
	p->kind = DS_PORT_GUEST;
	p->tenant = (uint16_t)g->tenant;
	p->spoof = g->spoof;
	p->allow_vlan = g->allow_vlan;
	p->max_macs = g->port.max_macs;
	p->rate_pps = g->rate_pps;
	p->rate_bps = g->rate_bps;
	p->dynamic = g->dynamic;
	p->from_socket = from_socket;
	snprintf(p->socket, sizeof(p->socket), "%s", g->socket);
	if (g->mac_set)
		p->mac48 = ((uint64_t)g->mac[0] << 40) |
			   ((uint64_t)g->mac[1] << 32) |
			   ((uint64_t)g->mac[2] << 24) |
			   ((uint64_t)g->mac[3] << 16) |
			   ((uint64_t)g->mac[4] << 8) | g->mac[5];

	rc = port_probe(sw, p, devargs, true, why, sizeof(why));
	if (rc == 0)
		rc = port_setup(sw, p, g->port.queues, why, sizeof(why));
	if (rc == 0)
		rc = place_queues(sw, p, &g->port, why, sizeof(why));
	if (rc == 0) {
		init_rate(sw, p, g->rate_burst_ms);
		restore_pin(sw, p);
		rc = port_publish(sw, p);
		if (rc != 0)
			snprintf(why, sizeof(why), "out of memory");
	}
	if (rc != 0) {
		DS_LOG(ERR, "guest %s: cannot attach: %s", g->name, why);
		port_teardown(p);
		rte_free(p);
		sw->attach_failures++;
		return rc;
	}
	if (p->spoof == DS_SPOOF_STRICT)
		ds_fdb_learn(&sw->fdb, DS_FDB_KEY(p->tenant, p->mac48), p->ref,
			     true, UINT32_MAX, UINT32_MAX, rte_rdtsc());
	pin_attached(sw, p);
	lm = atomic_load_explicit(&p->locked_mac, memory_order_relaxed);
	if (p->spoof == DS_SPOOF_LEARN_FIRST && lm != 0)
		ds_fdb_learn(&sw->fdb, DS_FDB_KEY(p->tenant,
						  lm & ~DS_MAC_LOCKED),
			     p->ref, true, UINT32_MAX, UINT32_MAX,
			     rte_rdtsc());
	log_placement(p, sw);
	DS_LOG(NOTICE, "guest %s attached: tenant %s, %s, anti-spoof %s, "
	       "rate %" PRIu64 " pps / %" PRIu64 " bit/s", g->name,
	       sw->cfg->tenants[g->tenant].name, devargs,
	       ds_spoof_mode_str(p->spoof), p->rate_pps, p->rate_bps);
	return 0;
}

int
ds_port_attach_uplink(struct ds_switch *sw, int ui)
{
	const struct ds_uplink_cfg *u = &sw->cfg->uplinks[ui];
	bool hotplug = u->devargs[0] != '\0';
	char why[256] = "";
	struct ds_port *p;
	int slot, rc, i;

	p = port_new(sw, u->name, &slot);
	if (p == NULL)
		return -ENOSPC;
	p->kind = DS_PORT_UPLINK;
	p->tenant = DS_TENANT_NONE;
	p->max_macs = u->port_cfg.max_macs;
	p->uplink_cfg = ui;
	for (i = 0; i < u->n_tenants; i++)
		p->carries[u->tenants[i] >> 3] |= 1u << (u->tenants[i] & 7);

	rc = port_probe(sw, p, hotplug ? u->devargs : u->port, hotplug, why,
			sizeof(why));
	if (rc == 0)
		rc = port_setup(sw, p, u->port_cfg.queues, why, sizeof(why));
	if (rc == 0)
		rc = place_queues(sw, p, &u->port_cfg, why, sizeof(why));
	if (rc == 0) {
		rc = port_publish(sw, p);
		if (rc != 0)
			snprintf(why, sizeof(why), "out of memory");
	}
	if (rc != 0) {
		DS_LOG(ERR, "uplink %s: cannot attach: %s", u->name, why);
		port_teardown(p);
		rte_free(p);
		sw->attach_failures++;
		return rc;
	}
	log_placement(p, sw);
	DS_LOG(NOTICE, "uplink %s attached: %s, %d tenant(s) tagged",
	       u->name, hotplug ? u->devargs : u->port, u->n_tenants);
	return 0;
}

void
ds_port_detach(struct ds_switch *sw, struct ds_port *p, const char *why)
{
	struct ds_table *t;
	uint32_t flushed;
	struct ds_pin old;
	bool released;

	sw->ports[p->slot] = NULL;
	/* the table must not list the released MAC as owned any more */
	released = release_pin(sw, p, &old);
	t = ds_table_build(sw);
	if (t == NULL) {
		/* keep it; the caller retries at the next scan */
		sw->ports[p->slot] = p;
		if (released)
			ds_pins_set(&sw->pins, old.guest, old.tenant,
				    old.mac48);
		DS_LOG(ERR, "%s: cannot detach now: out of memory", p->name);
		return;
	}
	/* after this, no worker polls p or transmits to it */
	ds_table_publish(sw, t);
	flushed = ds_fdb_flush_slot(&sw->fdb, p->slot);
	retire_counters(sw, p);
	port_teardown(p);
	sw->detaches++;
	DS_LOG(NOTICE, "%s detached (%s); %u FDB entries flushed", p->name,
	       why, flushed);
	if (released && sw->state_path[0] != '\0' &&
	    ds_pins_save(sw->state_path, &sw->pins, sw->cfg) != 0)
		sw->own.save_errors++;
	ds_table_log(sw, t);
	rte_free(p);
}

void
ds_port_update_links(struct ds_switch *sw)
{
	uint16_t s;

	for (s = 0; s < DS_MAX_PORTS; s++) {
		struct ds_port *p = sw->ports[s];
		struct rte_eth_link link;

		if (p == NULL)
			continue;
		memset(&link, 0, sizeof(link));
		if (rte_eth_link_get_nowait(p->port_id, &link) != 0)
			continue;
		if ((link.link_status != 0) != p->link_up) {
			p->link_up = link.link_status != 0;
			DS_LOG(INFO, "%s: link %s", p->name,
			       p->link_up ? "up" : "down");
		}
	}
}
