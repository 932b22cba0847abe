/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Telemetry commands (usable with dpdk-telemetry.py -f <file-prefix>).
 * DPDK 22.11 accepts only A-Z a-z 0-9 _ / in a command, hence doms_switch:
 *   /doms_switch/info          version, config, uptime, attach counters
 *   /doms_switch/ports[,NAME]  every port, or one in detail
 *   /doms_switch/fdb[,NAME]    MAC table, optionally one tenant or port
 *   /doms_switch/tenants       tenants, their vlan, ports and MAC count
 *   /doms_switch/drops         drop counters by reason: totals, per port
 *   /doms_switch/lcores        which lcore polls which (port, queue)
 * They run on EAL's telemetry thread and read state under sw->lock, so
 * they see a consistent set of ports.  Dict keys may only hold
 * A-Z a-z 0-9 _ /, which is why port and tenant names are limited to that.
 */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_telemetry.h>
#include <rte_version.h>

#include "ds_switch.h"

/* DPDK 23.03 added the _uint adder and deprecated _u64; 22.11 has only
 * _u64.  The code uses the current name. */
#if RTE_VERSION < RTE_VERSION_NUM(23, 3, 0, 0)
#define rte_tel_data_add_dict_uint rte_tel_data_add_dict_u64
#endif

#define DS_TEL_FDB_MAX	100	/* entries per reply: 16 KiB output limit */

static struct ds_switch *tel_sw;

static void
mac_str(uint64_t mac48, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x",
		 (unsigned int)(mac48 >> 40) & 0xff,
		 (unsigned int)(mac48 >> 32) & 0xff,
		 (unsigned int)(mac48 >> 24) & 0xff,
		 (unsigned int)(mac48 >> 16) & 0xff,
		 (unsigned int)(mac48 >> 8) & 0xff,
		 (unsigned int)mac48 & 0xff);
}

static const char *
tenant_name(const struct ds_switch *sw, uint16_t t)
{
	return t < sw->cfg->n_tenants ? sw->cfg->tenants[t].name : "?";
}

static uint64_t
drops_total(const struct ds_ctrs *c)
{
	uint64_t n = 0;
	int d;

	for (d = 0; d < DS_DROP_MAX; d++)
		n += c->drop[d];
	return n;
}

/* The guest's MAC as policed: configured, locked, or none yet. */
static void
port_mac(const struct ds_port *p, char *buf, size_t len)
{
	uint64_t lm;

	if (p->kind != DS_PORT_GUEST) {
		snprintf(buf, len, "-");
		return;
	}
	if (p->spoof == DS_SPOOF_STRICT) {
		mac_str(p->mac48, buf, len);
		return;
	}
	lm = atomic_load_explicit(&((struct ds_port *)p)->locked_mac,
				  memory_order_relaxed);
	if (p->spoof == DS_SPOOF_LEARN_FIRST && lm != 0)
		mac_str(lm & 0xffffffffffffull, buf, len);
	else
		snprintf(buf, len, "any");
}

static void
port_summary(const struct ds_switch *sw, const struct ds_port *p,
	     struct rte_tel_data *d, bool detail)
{
	struct rte_eth_stats es;
	struct ds_ctrs c;
	char buf[64];
	int dr;

	ds_port_collect(sw, p, &c);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "kind", p->kind == DS_PORT_GUEST ?
				     "guest" : "uplink");
	rte_tel_data_add_dict_int(d, "port_id", p->port_id);
	rte_tel_data_add_dict_string(d, "device", p->devname);
	if (p->kind == DS_PORT_GUEST) {
		rte_tel_data_add_dict_string(d, "tenant",
					     tenant_name(sw, p->tenant));
		port_mac(p, buf, sizeof(buf));
		rte_tel_data_add_dict_string(d, "mac", buf);
		rte_tel_data_add_dict_string(d, "anti_spoof",
					     ds_spoof_mode_str(p->spoof));
	}
	rte_tel_data_add_dict_string(d, "link", p->link_up ? "up" : "down");
	rte_tel_data_add_dict_int(d, "rx_queues", p->nb_rxq);
	rte_tel_data_add_dict_int(d, "tx_queues", p->nb_txq);
	rte_tel_data_add_dict_uint(d, "rx_pkts", c.rx_pkts);
	rte_tel_data_add_dict_uint(d, "tx_pkts", c.tx_pkts);
	rte_tel_data_add_dict_uint(d, "drops", drops_total(&c));
	rte_tel_data_add_dict_uint(d, "fdb_entries",
				   sw->fdb.per_port[p->slot]);
	/* what the PMD itself dropped: a PMD that never refuses a burst
	 * (net_xenshm) counts a full peer ring here, not in tx_full */
	memset(&es, 0, sizeof(es));
	rte_eth_stats_get(p->port_id, &es);
	rte_tel_data_add_dict_uint(d, "pmd_tx_dropped", es.oerrors);
	if (!detail)
		return;
	rte_tel_data_add_dict_uint(d, "pmd_ipackets", es.ipackets);
	rte_tel_data_add_dict_uint(d, "pmd_opackets", es.opackets);
	rte_tel_data_add_dict_uint(d, "pmd_ierrors", es.ierrors);
	rte_tel_data_add_dict_uint(d, "pmd_imissed", es.imissed);
	rte_tel_data_add_dict_uint(d, "pmd_rx_nombuf", es.rx_nombuf);
	rte_tel_data_add_dict_string(d, "devargs", p->devargs);
	if (p->socket[0] != '\0')
		rte_tel_data_add_dict_string(d, "socket", p->socket);
	rte_tel_data_add_dict_string(d, "origin", p->kind == DS_PORT_UPLINK ?
				     "config" : p->dynamic ? "guest-dir" :
				     p->from_socket ? "config+socket" :
				     "config+devargs");
	rte_tel_data_add_dict_uint(d, "rx_bytes", c.rx_bytes);
	rte_tel_data_add_dict_uint(d, "tx_bytes", c.tx_bytes);
	rte_tel_data_add_dict_uint(d, "flooded", c.flooded);
	rte_tel_data_add_dict_uint(d, "rate_pps", p->rate_pps);
	rte_tel_data_add_dict_uint(d, "rate_bps", p->rate_bps);
	rte_tel_data_add_dict_uint(d, "max_macs", p->max_macs);
	rte_tel_data_add_dict_uint(d, "attached_s",
				   (rte_rdtsc() - p->attached_tsc) / sw->hz);
	if (p->absent_since != 0)
		rte_tel_data_add_dict_uint(d, "socket_gone_ms",
			(rte_rdtsc() - p->absent_since) * 1000 / sw->hz);
	for (dr = 0; dr < DS_DROP_MAX; dr++) {
		snprintf(buf, sizeof(buf), "drop_%s", ds_drop_names[dr]);
		rte_tel_data_add_dict_uint(d, buf, c.drop[dr]);
	}
}

static int
tel_ports(const char *cmd __rte_unused, const char *params,
	  struct rte_tel_data *d)
{
	struct ds_switch *sw = tel_sw;
	uint16_t s;

	pthread_mutex_lock(&sw->lock);
	if (params != NULL && params[0] != '\0') {
		struct ds_port *p = ds_port_find(sw, params);

		if (p == NULL) {
			pthread_mutex_unlock(&sw->lock);
			return -1;
		}
		port_summary(sw, p, d, true);
		pthread_mutex_unlock(&sw->lock);
		return 0;
	}
	rte_tel_data_start_dict(d);
	for (s = 0; s < DS_MAX_PORTS; s++) {
		struct rte_tel_data *c;

		if (sw->ports[s] == NULL)
			continue;
		c = rte_tel_data_alloc();
		if (c == NULL)
			break;
		port_summary(sw, sw->ports[s], c, false);
		rte_tel_data_add_dict_container(d, sw->ports[s]->name, c, 0);
	}
	pthread_mutex_unlock(&sw->lock);
	return 0;
}

struct fdb_dump {
	struct ds_switch *sw;
	struct rte_tel_data *entries;
	const char *filter;
	uint64_t now;
	uint32_t matched, shown;
};

static int
fdb_one(uint64_t key, uint32_t ref, bool is_static, uint64_t seen,
	void *arg)
{
	struct fdb_dump *fd = arg;
	struct ds_switch *sw = fd->sw;
	struct ds_port *p = sw->ports[DS_REF_SLOT(ref) % DS_MAX_PORTS];
	const char *port = (p != NULL && p->ref == ref) ? p->name : "(gone)";
	const char *tenant = tenant_name(sw, DS_FDB_KEY_TENANT(key));
	struct rte_tel_data *e;
	char buf[32];

	if (fd->filter != NULL && strcmp(fd->filter, port) != 0 &&
	    strcmp(fd->filter, tenant) != 0)
		return 0;
	fd->matched++;
	if (fd->shown >= DS_TEL_FDB_MAX)
		return 0;
	e = rte_tel_data_alloc();
	if (e == NULL)
		return -1;
	rte_tel_data_start_dict(e);
	rte_tel_data_add_dict_string(e, "tenant", tenant);
	mac_str(DS_FDB_KEY_MAC(key), buf, sizeof(buf));
	rte_tel_data_add_dict_string(e, "mac", buf);
	rte_tel_data_add_dict_string(e, "port", port);
	rte_tel_data_add_dict_int(e, "static", is_static);
	rte_tel_data_add_dict_uint(e, "age_ms", fd->now > seen ?
				   (fd->now - seen) * 1000 / sw->hz : 0);
	snprintf(buf, sizeof(buf), "%u", fd->shown++);
	rte_tel_data_add_dict_container(fd->entries, buf, e, 0);
	return 0;
}

static int
tel_fdb(const char *cmd __rte_unused, const char *params,
	struct rte_tel_data *d)
{
	struct ds_switch *sw = tel_sw;
	struct fdb_dump fd = {
		.sw = sw,
		.filter = (params != NULL && params[0] != '\0') ? params :
			  NULL,
		.now = rte_rdtsc(),
	};

	fd.entries = rte_tel_data_alloc();
	if (fd.entries == NULL)
		return -1;
	rte_tel_data_start_dict(fd.entries);
	pthread_mutex_lock(&sw->lock);
	ds_fdb_walk(&sw->fdb, fdb_one, &fd);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_uint(d, "total", sw->fdb.count);
	rte_tel_data_add_dict_uint(d, "matched", fd.matched);
	rte_tel_data_add_dict_uint(d, "shown", fd.shown);
	rte_tel_data_add_dict_uint(d, "capacity", sw->cfg->global.fdb_size);
	rte_tel_data_add_dict_uint(d, "aging_time_s", sw->cfg->global.aging_s);
	pthread_mutex_unlock(&sw->lock);
	rte_tel_data_add_dict_container(d, "entries", fd.entries, 0);
	return 0;
}

static int
tel_tenants(const char *cmd __rte_unused, const char *params __rte_unused,
	    struct rte_tel_data *d)
{
	struct ds_switch *sw = tel_sw;
	int t;

	pthread_mutex_lock(&sw->lock);
	rte_tel_data_start_dict(d);
	for (t = 0; t < sw->cfg->n_tenants && t < RTE_TEL_MAX_DICT_ENTRIES;
	     t++) {
		const struct ds_tenant_cfg *tc = &sw->cfg->tenants[t];
		struct rte_tel_data *c = rte_tel_data_alloc();
		struct rte_tel_data *ports = rte_tel_data_alloc();
		uint16_t s;

		if (c == NULL || ports == NULL) {
			rte_tel_data_free(c);
			rte_tel_data_free(ports);
			break;
		}
		rte_tel_data_start_array(ports, RTE_TEL_STRING_VAL);
		for (s = 0; s < DS_MAX_PORTS; s++) {
			const struct ds_port *p = sw->ports[s];

			if (p == NULL)
				continue;
			if ((p->kind == DS_PORT_GUEST && p->tenant == t) ||
			    (p->kind == DS_PORT_UPLINK &&
			     ((p->carries[t >> 3] >> (t & 7)) & 1)))
				rte_tel_data_add_array_string(ports, p->name);
		}
		rte_tel_data_start_dict(c);
		rte_tel_data_add_dict_int(c, "id", t);
		rte_tel_data_add_dict_int(c, "vlan", tc->vlan);
		rte_tel_data_add_dict_uint(c, "fdb_entries",
					   sw->fdb.per_tenant[t]);
		rte_tel_data_add_dict_uint(c, "max_macs", tc->max_macs);
		rte_tel_data_add_dict_container(c, "ports", ports, 0);
		rte_tel_data_add_dict_container(d, tc->name, c, 0);
	}
	pthread_mutex_unlock(&sw->lock);
	return 0;
}

static int
tel_drops(const char *cmd __rte_unused, const char *params __rte_unused,
	  struct rte_tel_data *d)
{
	struct ds_switch *sw = tel_sw;
	struct rte_tel_data *tot, *ctl, *per;
	uint64_t sum[DS_DROP_MAX] = { 0 }, learn_dropped = 0;
	uint64_t pmd_tx_dropped;
	struct rte_eth_stats es;
	uint16_t s, w;
	int dr;

	tot = rte_tel_data_alloc();
	ctl = rte_tel_data_alloc();
	per = rte_tel_data_alloc();
	if (tot == NULL || ctl == NULL || per == NULL) {
		rte_tel_data_free(tot);
		rte_tel_data_free(ctl);
		rte_tel_data_free(per);
		return -1;
	}
	rte_tel_data_start_dict(per);
	pthread_mutex_lock(&sw->lock);
	for (dr = 0; dr < DS_DROP_MAX; dr++)
		sum[dr] = sw->retired.drop[dr];
	pmd_tx_dropped = sw->retired.pmd_tx_dropped;
	for (s = 0; s < DS_MAX_PORTS; s++) {
		const struct ds_port *p = sw->ports[s];
		struct rte_tel_data *pc;
		struct ds_ctrs c;

		if (p == NULL)
			continue;
		ds_port_collect(sw, p, &c);
		pc = rte_tel_data_alloc();
		if (pc == NULL)
			break;
		rte_tel_data_start_dict(pc);
		/* non-zero reasons only: replies are limited to 16 KiB */
		for (dr = 0; dr < DS_DROP_MAX; dr++) {
			sum[dr] += c.drop[dr];
			if (c.drop[dr] != 0)
				rte_tel_data_add_dict_uint(pc,
					ds_drop_names[dr], c.drop[dr]);
		}
		memset(&es, 0, sizeof(es));
		if (rte_eth_stats_get(p->port_id, &es) == 0 &&
		    es.oerrors != 0)
			rte_tel_data_add_dict_uint(pc, "pmd_tx_dropped",
						   es.oerrors);
		pmd_tx_dropped += es.oerrors;
		rte_tel_data_add_dict_container(per, p->name, pc, 0);
	}
	for (w = 0; w < sw->n_workers; w++)
		learn_dropped += atomic_load_explicit(
			&sw->workers[w]->learn_dropped, memory_order_relaxed);
	rte_tel_data_start_dict(ctl);
	rte_tel_data_add_dict_uint(ctl, "learn_queue_full", learn_dropped);
	rte_tel_data_add_dict_uint(ctl, "fdb_full", sw->fdb.st.table_full);
	rte_tel_data_add_dict_uint(ctl, "fdb_port_limit",
				   sw->fdb.st.port_limit);
	rte_tel_data_add_dict_uint(ctl, "fdb_tenant_limit",
				   sw->fdb.st.tenant_limit);
	rte_tel_data_add_dict_uint(ctl, "fdb_static_denied",
				   sw->fdb.st.static_denied);
	rte_tel_data_add_dict_uint(ctl, "mac_claims", sw->own.claimed);
	rte_tel_data_add_dict_uint(ctl, "mac_claims_denied", sw->own.denied);
	rte_tel_data_add_dict_uint(ctl, "pins", sw->pins.n);
	rte_tel_data_add_dict_uint(ctl, "pins_restored", sw->own.restored);
	rte_tel_data_add_dict_uint(ctl, "pins_refused", sw->own.refused);
	rte_tel_data_add_dict_uint(ctl, "pins_expired", sw->own.expired);
	rte_tel_data_add_dict_uint(ctl, "pins_save_errors",
				   sw->own.save_errors);
	pthread_mutex_unlock(&sw->lock);

	rte_tel_data_start_dict(tot);
	for (dr = 0; dr < DS_DROP_MAX; dr++)
		rte_tel_data_add_dict_uint(tot, ds_drop_names[dr], sum[dr]);
	rte_tel_data_add_dict_uint(tot, "pmd_tx_dropped", pmd_tx_dropped);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_container(d, "total", tot, 0);
	rte_tel_data_add_dict_container(d, "control", ctl, 0);
	rte_tel_data_add_dict_container(d, "ports", per, 0);
	return 0;
}

static int
tel_lcores(const char *cmd __rte_unused, const char *params __rte_unused,
	   struct rte_tel_data *d)
{
	struct ds_switch *sw = tel_sw;
	const struct ds_table *t;
	uint16_t w;

	pthread_mutex_lock(&sw->lock);
	/* the control thread swaps tables under the lock: t stays valid */
	t = atomic_load_explicit(&sw->table, memory_order_acquire);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "main_lcore", rte_get_main_lcore());
	for (w = 0; w < sw->n_workers; w++) {
		const struct ds_worker *wk = sw->workers[w];
		struct rte_tel_data *c = rte_tel_data_alloc();
		struct rte_tel_data *polls = rte_tel_data_alloc();
		char key[32];
		uint32_t i;

		if (c == NULL || polls == NULL) {
			rte_tel_data_free(c);
			rte_tel_data_free(polls);
			break;
		}
		rte_tel_data_start_array(polls, RTE_TEL_STRING_VAL);
		for (i = t->poll_off[w]; i < t->poll_off[w + 1]; i++) {
			char pq[DS_NAME_MAX + 8];

			snprintf(pq, sizeof(pq), "%s:%u",
				 t->ports[t->polls[i].slot]->name,
				 t->polls[i].queue);
			rte_tel_data_add_array_string(polls, pq);
		}
		rte_tel_data_start_dict(c);
		rte_tel_data_add_dict_int(c, "worker", w);
		rte_tel_data_add_dict_uint(c, "loops", atomic_load_explicit(
				&wk->loops, memory_order_relaxed));
		rte_tel_data_add_dict_uint(c, "busy_loops",
			atomic_load_explicit(&wk->busy_loops,
					     memory_order_relaxed));
		rte_tel_data_add_dict_uint(c, "max_loop_gap_us",
			atomic_load_explicit(&wk->max_gap_tsc,
					     memory_order_relaxed) * 1000000 /
			sw->hz);
		rte_tel_data_add_dict_uint(c, "table_version",
			atomic_load_explicit(&wk->table_version,
					     memory_order_relaxed));
		rte_tel_data_add_dict_container(c, "polls", polls, 0);
		snprintf(key, sizeof(key), "lcore_%u", wk->lcore_id);
		rte_tel_data_add_dict_container(d, key, c, 0);
	}
	pthread_mutex_unlock(&sw->lock);
	return 0;
}

static int
tel_info(const char *cmd __rte_unused, const char *params __rte_unused,
	 struct rte_tel_data *d)
{
	struct ds_switch *sw = tel_sw;
	uint64_t rx = 0, tx = 0;
	uint16_t s, n = 0;

	pthread_mutex_lock(&sw->lock);
	for (s = 0; s < DS_MAX_PORTS; s++) {
		struct ds_ctrs c;

		if (sw->ports[s] == NULL)
			continue;
		n++;
		ds_port_collect(sw, sw->ports[s], &c);
		rx += c.rx_pkts;
		tx += c.tx_pkts;
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "version", DS_VERSION);
	rte_tel_data_add_dict_string(d, "dpdk", rte_version());
	rte_tel_data_add_dict_string(d, "config", sw->cfg->file);
	rte_tel_data_add_dict_string(d, "guest_dir",
				     sw->cfg->global.guest_dir);
	rte_tel_data_add_dict_string(d, "pmd", sw->pmd_path[0] ?
				     sw->pmd_path : "(not loaded by us)");
	rte_tel_data_add_dict_string(d, "state_file", sw->state_path[0] ?
				     sw->state_path : "(none)");
	rte_tel_data_add_dict_uint(d, "uptime_ms",
			(rte_rdtsc() - sw->start_tsc) * 1000 / sw->hz);
	rte_tel_data_add_dict_int(d, "ports", n);
	rte_tel_data_add_dict_int(d, "workers", sw->n_workers);
	rte_tel_data_add_dict_uint(d, "attaches", sw->attaches);
	rte_tel_data_add_dict_uint(d, "detaches", sw->detaches);
	rte_tel_data_add_dict_uint(d, "attach_failures", sw->attach_failures);
	rte_tel_data_add_dict_uint(d, "table_version", sw->table_version);
	rte_tel_data_add_dict_uint(d, "rx_pkts", rx + sw->retired.rx_pkts);
	rte_tel_data_add_dict_uint(d, "tx_pkts", tx + sw->retired.tx_pkts);
	pthread_mutex_unlock(&sw->lock);
	return 0;
}

int
ds_telemetry_register(struct ds_switch *sw)
{
	static const struct {
		const char *cmd;
		telemetry_cb fn;
		const char *help;
	} cmds[] = {
		{ "/doms_switch/info", tel_info,
		  "doms-switch version, config, uptime and totals." },
		{ "/doms_switch/ports", tel_ports,
		  "Ports with state and counters. Parameter: a port name "
		  "for every detail of one port." },
		{ "/doms_switch/fdb", tel_fdb,
		  "MAC table (first 100 entries). Parameter: a tenant or "
		  "port name to filter." },
		{ "/doms_switch/tenants", tel_tenants,
		  "Tenants: vlan, ports, MAC count." },
		{ "/doms_switch/drops", tel_drops,
		  "Dropped frames by reason: totals, control, per port." },
		{ "/doms_switch/lcores", tel_lcores,
		  "Worker lcores and the (port:queue) pairs each polls." },
	};
	size_t i;
	int rc;

	tel_sw = sw;
	for (i = 0; i < RTE_DIM(cmds); i++) {
		rc = rte_telemetry_register_cmd(cmds[i].cmd, cmds[i].fn,
						cmds[i].help);
		if (rc != 0) {
			DS_LOG(ERR, "telemetry command %s: %s", cmds[i].cmd,
			       rte_strerror(-rc));
			return rc;
		}
	}
	return 0;
}
