/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * The forwarding database: (tenant, MAC) -> port, in an rte_hash created
 * with RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF.
 *
 * One writer, many readers.  Workers only read: they look keys up in bulk
 * and refresh an entry's "seen" time.  Everything that changes the table
 * (learning, moves, aging, flushes) runs on the control thread, which
 * workers feed with learn requests through a ring.  So the hash needs no
 * writer lock and a worker never waits for one.
 *
 * The tenant is part of the key: a lookup in tenant T can only find an
 * entry learnt in tenant T.  Isolation does not depend on a check that
 * could be forgotten.
 *
 * An entry's port lives beside the hash, in slots[] indexed by the
 * position rte_hash returns.  A position is reused only after every
 * worker passed a quiescent state (rte_rcu_qsbr) since the key was
 * deleted, so a worker holding a stale position still reads the slot of
 * a deleted key (ref 0: a miss), never someone else's entry.
 */

#ifndef DS_FDB_H
#define DS_FDB_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_hash.h>
#include <rte_rcu_qsbr.h>

/* A key is the tenant id over a 48-bit MAC, in one 64-bit word. */
#define DS_FDB_KEY(tenant, mac48) \
	(((uint64_t)(tenant) << 48) | ((mac48) & 0xffffffffffffull))
#define DS_FDB_KEY_TENANT(k)	((uint16_t)((k) >> 48))
#define DS_FDB_KEY_MAC(k)	((k) & 0xffffffffffffull)

/* A port reference: generation over slot; never 0 (generations start at 1). */
#define DS_REF(slot, gen)	(((uint32_t)(gen) << 16) | (slot))
#define DS_REF_SLOT(ref)	((uint16_t)((ref) & 0xffff))
#define DS_REF_GEN(ref)		((uint16_t)((ref) >> 16))

#define DS_FDB_MAX_PORTS	256

struct ds_fdb_slot {
	/* 0: no entry; else the port.  Control stores with release after
	 * setting is_static; workers load with acquire (ds_fdb_ref). */
	_Atomic uint32_t ref;
	uint8_t is_static;
	uint8_t pad[3];
	/* tsc of the last frame from this MAC; workers store relaxed,
	 * control reads relaxed for aging: a stale value only delays aging */
	_Atomic uint64_t seen;
};

struct ds_fdb_pending {
	int32_t pos;
	uint64_t token;
};

struct ds_fdb_stats {
	uint64_t learned;
	uint64_t moved;
	uint64_t aged;
	uint64_t flushed;
	uint64_t table_full;
	uint64_t port_limit;	/* a port hit its max-macs */
	uint64_t tenant_limit;	/* a tenant hit its max-macs */
	uint64_t static_denied;	/* a frame tried to take a static MAC */
};

struct ds_fdb {
	struct rte_hash *h;
	struct ds_fdb_slot *slots;
	uint32_t n_slots;
	uint32_t count;
	uint32_t per_port[DS_FDB_MAX_PORTS];
	uint32_t *per_tenant;
	uint16_t n_tenants;
	struct rte_rcu_qsbr *qs;
	/* deleted positions waiting for a grace period (FIFO) */
	struct ds_fdb_pending *pend;
	uint32_t pend_cap, pend_head, pend_n;
	struct ds_fdb_stats st;
};

enum ds_learn_res {
	DS_LEARN_ADDED = 0,
	DS_LEARN_MOVED,
	DS_LEARN_REFRESHED,
	DS_LEARN_STATIC_DENIED,
	DS_LEARN_FULL,
	DS_LEARN_PORT_LIMIT,
	DS_LEARN_TENANT_LIMIT,
};

/* qs: the workers' RCU variable (deferred position reuse). */
int ds_fdb_create(struct ds_fdb *f, const char *name, uint32_t size,
		  uint16_t n_tenants, struct rte_rcu_qsbr *qs, int socket);
void ds_fdb_free(struct ds_fdb *f);

/* ---- readers (workers) ---- */

/* keys: n (<= RTE_HASH_LOOKUP_BULK_MAX) pointers; pos[i] < 0 on a miss. */
static inline void
ds_fdb_lookup_bulk(const struct ds_fdb *f, const void **keys, uint32_t n,
		   int32_t *pos)
{
	rte_hash_lookup_bulk(f->h, keys, n, pos);
}

static inline uint32_t
ds_fdb_ref(const struct ds_fdb *f, int32_t pos)
{
	/* acquire: pairs with the release store in ds_fdb_learn() */
	return atomic_load_explicit(&f->slots[pos].ref, memory_order_acquire);
}

static inline bool
ds_fdb_is_static(const struct ds_fdb *f, int32_t pos)
{
	return f->slots[pos].is_static != 0;
}

/* Refresh "seen", at most every 'every' cycles to spare the cache line. */
static inline void
ds_fdb_touch(struct ds_fdb *f, int32_t pos, uint64_t now, uint64_t every)
{
	struct ds_fdb_slot *s = &f->slots[pos];
	uint64_t seen = atomic_load_explicit(&s->seen, memory_order_relaxed);

	if (now - seen > every)
		atomic_store_explicit(&s->seen, now, memory_order_relaxed);
}

/* ---- the writer (control thread) ---- */

/*
 * Learn key -> ref.  Limits: entries per port slot and per tenant.
 * A static entry is only replaced by another static learn.
 */
enum ds_learn_res ds_fdb_learn(struct ds_fdb *f, uint64_t key, uint32_t ref,
			       bool is_static, uint32_t port_limit,
			       uint32_t tenant_limit, uint64_t now);

/* Current entry of a key: 0 with ref and is_static, or -ENOENT. */
int ds_fdb_get(const struct ds_fdb *f, uint64_t key, uint32_t *ref,
	       bool *is_static);

/* Delete one key; 0 or -ENOENT. */
int ds_fdb_delete(struct ds_fdb *f, uint64_t key);

/* Delete dynamic entries not seen for max_age cycles; returns how many. */
uint32_t ds_fdb_age(struct ds_fdb *f, uint64_t now, uint64_t max_age);

/* Delete every entry pointing at a port slot; returns how many. */
uint32_t ds_fdb_flush_slot(struct ds_fdb *f, uint16_t slot);

/* Give back deleted positions whose grace period ended. */
void ds_fdb_reclaim(struct ds_fdb *f);

/* Walk the entries (control thread or under the control lock). */
typedef int (*ds_fdb_walk_cb)(uint64_t key, uint32_t ref, bool is_static,
			      uint64_t seen, void *arg);
void ds_fdb_walk(const struct ds_fdb *f, ds_fdb_walk_cb cb, void *arg);

#endif /* DS_FDB_H */
