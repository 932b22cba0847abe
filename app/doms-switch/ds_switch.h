/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * doms-switch: the shared state of the control thread and the workers.
 *
 * Threads:
 *   workers (one per EAL worker lcore) poll their (port, queue) pairs and
 *     forward; they read the port table and the FDB, never write them;
 *   the control thread (the main lcore) attaches and detaches ports,
 *     learns and ages MACs, and swaps port tables;
 *   the telemetry thread (EAL's) reads state under sw->lock.
 *
 * Port tables are immutable once published.  A change builds a new table,
 * publishes it with one atomic pointer store, waits until every worker
 * passed a quiescent state (rte_rcu_qsbr), and only then frees the old
 * table and tears down a removed port.  Workers never block on the
 * control thread and never see a half-built table.
 */

#ifndef DS_SWITCH_H
#define DS_SWITCH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include <rte_spinlock.h>

#include "ds_config.h"
#include "ds_fdb.h"
#include "ds_owner.h"
#include "ds_tbucket.h"

extern int ds_logtype;
/* The one log macro of doms-switch. */
#define DS_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, ds_logtype, "doms-switch: " fmt "\n", \
		##__VA_ARGS__)

#define DS_MAX_PORTS		DS_FDB_MAX_PORTS
#define DS_MAX_WORKERS		64
#define DS_BURST_MAX		64	/* RTE_HASH_LOOKUP_BULK_MAX */
#define DS_TXBUF		64
#define DS_TENANT_NONE		0xffff
#define DS_LEARN_CACHE		64	/* per worker, power of two */
#define DS_MAC_LOCKED		(1ull << 63)	/* locked_mac: MAC pinned */

enum ds_port_kind {
	DS_PORT_GUEST = 0,
	DS_PORT_UPLINK,
};

/* Why a frame was dropped; counted per port (docs/doms-switch.md). */
enum ds_drop {
	DS_DROP_MALFORMED = 0,	/* shorter than an Ethernet header */
	DS_DROP_BAD_SRC,	/* multicast or zero source MAC */
	DS_DROP_SPOOFED,	/* source MAC not the guest's, or someone's */
	DS_DROP_TAGGED,		/* guest sent 802.1Q/802.1ad, not allowed */
	DS_DROP_RATE,		/* over the guest's rate limit */
	DS_DROP_UPLINK_VLAN,	/* uplink frame untagged or foreign vlan */
	DS_DROP_TX_FULL,	/* destination did not take it (stalled) */
	DS_DROP_NO_MBUF,	/* no mbuf for a flood copy or a tag */
	DS_DROP_SAME_PORT,	/* destination is the ingress port */
	DS_DROP_NO_DEST,	/* nobody else in the tenant */
	DS_DROP_SPLIT_HORIZON,	/* uplink to uplink is never bridged */
	DS_DROP_ISOLATION,	/* guard: destination in another tenant */
	DS_DROP_MAX,
};

extern const char *const ds_drop_names[DS_DROP_MAX];

/*
 * Per-port counters of one worker.  Single writer (that worker), relaxed
 * stores; readers (telemetry) load relaxed.  Statistics only.
 */
struct ds_ctrs {
	_Atomic uint64_t rx_pkts;
	_Atomic uint64_t rx_bytes;
	_Atomic uint64_t tx_pkts;
	_Atomic uint64_t tx_bytes;
	_Atomic uint64_t flooded;	/* frames this port sent to a flood */
	_Atomic uint64_t drop[DS_DROP_MAX];
};

static inline void
ds_ctr_add(_Atomic uint64_t *c, uint64_t n)
{
	/* one writer: a plain load + store, no locked instruction */
	atomic_store_explicit(c, atomic_load_explicit(c,
			      memory_order_relaxed) + n, memory_order_relaxed);
}

/* An rx queue's rate-limit buckets; only its polling lcore touches them. */
struct ds_rxq_state {
	struct ds_tbucket pps;
	struct ds_tbucket bytes;
} __rte_cache_aligned;

struct ds_port {
	/* read by workers */
	uint16_t slot;
	uint16_t gen;
	uint32_t ref;			/* DS_REF(slot, gen) */
	uint16_t port_id;
	enum ds_port_kind kind;
	uint16_t tenant;		/* guest: its tenant */
	enum ds_spoof_mode spoof;
	bool allow_vlan;
	uint64_t mac48;			/* guest: configured MAC, if strict */
	/* learn-first: 0 until the control thread granted a claim (or
	 * restored the guest's pin at attach), then DS_MAC_LOCKED | mac48;
	 * set once, by the control thread only */
	_Atomic uint64_t locked_mac;
	/* learn-first, not pinned yet: the MAC whose claim is in flight,
	 * DS_MAC_LOCKED | mac48, set by compare-and-swap from any of the
	 * port's queues (the first free source MAC wins), cleared by the
	 * control thread if it refuses the claim; 0: none */
	_Atomic uint64_t claiming_mac;
	uint8_t carries[DS_MAX_TENANTS / 8];	/* uplink: tenant bitmap */
	uint16_t nb_rxq;
	uint16_t nb_txq;
	uint16_t txq_of[DS_MAX_WORKERS];	/* worker index -> tx queue */
	bool txq_shared;		/* take txq_lock before tx_burst */
	rte_spinlock_t txq_lock[DS_MAX_QUEUES];
	struct ds_rxq_state rxq[DS_MAX_QUEUES];

	/* control and telemetry */
	char name[DS_NAME_MAX];
	char devname[RTE_ETH_NAME_MAX_LEN];
	char devargs[DS_DEVARGS_MAX];
	char socket[DS_PATH_MAX];	/* guest: rendezvous, "" if none */
	bool hotplugged;		/* we probed it: we remove it */
	bool dynamic;			/* guest without a section */
	bool from_socket;		/* follows its socket's presence */
	uint16_t rxq_worker[DS_MAX_QUEUES];	/* rx queue -> worker index */
	uint32_t max_macs;
	uint64_t rate_pps, rate_bps;
	int uplink_cfg;			/* uplink: index in the config */
	uint64_t attached_tsc;
	uint64_t absent_since;		/* tsc when its socket vanished, 0 */
	bool link_up;
	bool claim_logged;		/* a refused MAC claim was logged */
} __rte_cache_aligned;

struct ds_poll {
	uint16_t slot;
	uint16_t queue;
};

/*
 * An immutable snapshot of the ports: published whole, retired after a
 * grace period.  Variable-sized arrays follow the struct.
 */
struct ds_table {
	uint64_t version;
	uint16_t n_workers;
	uint16_t n_tenants;
	struct ds_port *ports[DS_MAX_PORTS];	/* by slot, NULL: free */
	uint32_t *poll_off;	/* [n_workers + 1] into polls */
	struct ds_poll *polls;
	uint32_t *flood_off;	/* [n_tenants + 1] into flood */
	uint16_t *flood;	/* slots of every port of a tenant */
	/* owned (tenant, MAC) keys, attached owner or not: configured
	 * mac= and learn-first pins; sorted (ds_keys_has) */
	uint64_t *owned;
	uint32_t n_owned;
};

struct ds_txbuf {
	uint16_t n;
	bool dirty;
	struct rte_mbuf *pkts[DS_TXBUF];
};

struct ds_learn_req {
	uint64_t key;
	uint32_t ref;
	uint32_t flags;		/* DS_LEARN_F_* */
};
#define DS_LEARN_F_STATIC	1u	/* the port's own pinned MAC */
#define DS_LEARN_F_CLAIM	2u	/* learn-first: may it pin this MAC? */

struct ds_learn_cache {
	uint64_t key;
	uint32_t ref;
	uint64_t tsc;
};

struct ds_worker {
	unsigned int lcore_id;
	uint16_t idx;
	struct ds_ctrs ctrs[DS_MAX_PORTS];	/* by port slot */
	struct ds_txbuf txb[DS_MAX_PORTS];
	uint16_t dirty[DS_MAX_PORTS];
	uint16_t n_dirty;
	struct ds_learn_cache lcache[DS_LEARN_CACHE];
	_Atomic uint64_t loops;
	_Atomic uint64_t busy_loops;
	_Atomic uint64_t learn_dropped;	/* learn ring full */
	_Atomic uint64_t max_gap_tsc;	/* longest time between two loops */
	_Atomic uint64_t table_version;	/* last table this worker used */
} __rte_cache_aligned;

/* Counters of ports that left, so that totals survive a detach. */
struct ds_retired {
	uint64_t rx_pkts, tx_pkts, drop[DS_DROP_MAX];
	uint64_t pmd_tx_dropped;
};

struct ds_switch {
	struct ds_config *cfg;
	uint64_t hz;
	/* release store by the control thread (ds_table_publish), acquire
	 * load by the workers at the top of each loop */
	_Atomic(struct ds_table *) table;
	struct rte_rcu_qsbr *qs;
	struct ds_fdb fdb;
	struct rte_ring *learn_ring;
	struct rte_mempool *pool;
	uint16_t n_workers;
	struct ds_worker *workers[DS_MAX_WORKERS];
	uint16_t vlan_to_tenant[4096];
	uint16_t tenant_vlan[DS_MAX_TENANTS];
	uint16_t n_tenants;
	uint16_t burst;
	int16_t worker_of_lcore[RTE_MAX_LCORE];	/* -1: not a worker */
	uint64_t fdb_touch_every;	/* cycles between seen refreshes */
	uint64_t learn_repeat;		/* cycles before a learn is resent */

	/* control thread state, and what telemetry reads, under lock */
	pthread_mutex_t lock;
	struct ds_port *ports[DS_MAX_PORTS];
	uint16_t slot_gen[DS_MAX_PORTS];
	uint64_t table_version;
	struct ds_retired retired;
	uint64_t attaches, detaches, attach_failures;
	/* MAC ownership (ds_owner.h): learn-first pins, kept in state_path */
	struct ds_pins pins;
	char state_path[DS_PATH_MAX * 2];	/* "": not kept */
	bool pins_armed;		/* restored pins' expiry started */
	struct {
		uint64_t claimed;	/* learn-first claims granted */
		uint64_t denied;	/* claims refused (ds_claim) */
		uint64_t restored;	/* pins read from the state file */
		uint64_t refused;	/* state file lines refused */
		uint64_t expired;	/* restored, guest never came back */
		uint64_t save_errors;	/* state file not written */
	} own;
	uint64_t start_tsc;
	_Atomic bool quit;
	struct ds_discovery *disc;
	bool xenshm_pmd_loaded;
	char pmd_path[DS_PATH_MAX * 2];
};

/* ds_datapath.c */
int ds_worker_main(void *arg);	/* lcore entry; arg: struct ds_switch */

/* ds_table.c */
struct ds_table *ds_table_build(struct ds_switch *sw);
void ds_table_publish(struct ds_switch *sw, struct ds_table *t);
void ds_table_log(const struct ds_switch *sw, const struct ds_table *t);

/* ds_port.c */
int ds_port_attach_guest(struct ds_switch *sw, const struct ds_guest_cfg *g,
			 bool from_socket);
int ds_port_attach_uplink(struct ds_switch *sw, int uplink_idx);
void ds_port_detach(struct ds_switch *sw, struct ds_port *p,
		    const char *why);
struct ds_port *ds_port_find(struct ds_switch *sw, const char *name);
void ds_port_collect(const struct ds_switch *sw, const struct ds_port *p,
		     struct ds_ctrs *sum);
void ds_port_update_links(struct ds_switch *sw);

/* ds_control.c */
void ds_pins_changed(struct ds_switch *sw);
int ds_control_init(struct ds_switch *sw);
void ds_control_learn(struct ds_switch *sw);
void ds_control_run(struct ds_switch *sw);
void ds_control_fini(struct ds_switch *sw);

/* ds_telemetry.c */
int ds_telemetry_register(struct ds_switch *sw);

#endif /* DS_SWITCH_H */
