/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * FDB writer side: learning, moves, aging, flushes and the deferred reuse
 * of hash positions.  Only the control thread calls these.
 */

#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "ds_fdb.h"

int
ds_fdb_create(struct ds_fdb *f, const char *name, uint32_t size,
	      uint16_t n_tenants, struct rte_rcu_qsbr *qs, int socket)
{
	struct rte_hash_parameters p = {
		.name = name,
		.entries = size,
		.key_len = sizeof(uint64_t),
		.hash_func = rte_hash_crc,
		.hash_func_init_val = 0,
		.socket_id = socket,
		/* lock-free readers; no MULTI_WRITER: one writer */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	int32_t max_id;

	memset(f, 0, sizeof(*f));
	f->h = rte_hash_create(&p);
	if (f->h == NULL)
		return -rte_errno;
	max_id = rte_hash_max_key_id(f->h);
	if (max_id < 0)
		goto fail;
	f->n_slots = (uint32_t)max_id + 1;
	f->slots = rte_zmalloc_socket("ds_fdb_slots",
				      sizeof(*f->slots) * f->n_slots,
				      RTE_CACHE_LINE_SIZE, socket);
	f->pend_cap = f->n_slots;
	f->pend = rte_zmalloc_socket("ds_fdb_pend",
				     sizeof(*f->pend) * f->pend_cap, 0, socket);
	f->n_tenants = n_tenants ? n_tenants : 1;
	f->per_tenant = rte_zmalloc_socket("ds_fdb_tenants",
					   sizeof(uint32_t) * f->n_tenants, 0,
					   socket);
	if (f->slots == NULL || f->pend == NULL || f->per_tenant == NULL)
		goto fail;
	f->qs = qs;
	return 0;
fail:
	ds_fdb_free(f);
	return -ENOMEM;
}

void
ds_fdb_free(struct ds_fdb *f)
{
	rte_hash_free(f->h);
	rte_free(f->slots);
	rte_free(f->pend);
	rte_free(f->per_tenant);
	memset(f, 0, sizeof(*f));
}

static void
count_ref(struct ds_fdb *f, uint64_t key, uint32_t ref, int delta)
{
	uint16_t t = DS_FDB_KEY_TENANT(key);

	f->per_port[DS_REF_SLOT(ref) % DS_FDB_MAX_PORTS] += delta;
	if (t < f->n_tenants)
		f->per_tenant[t] += delta;
	f->count += delta;
}

enum ds_learn_res
ds_fdb_learn(struct ds_fdb *f, uint64_t key, uint32_t ref, bool is_static,
	     uint32_t port_limit, uint32_t tenant_limit, uint64_t now)
{
	uint16_t t = DS_FDB_KEY_TENANT(key);
	uint16_t slot = DS_REF_SLOT(ref) % DS_FDB_MAX_PORTS;
	struct ds_fdb_slot *s;
	uint32_t old;
	int32_t pos;

	pos = rte_hash_lookup(f->h, &key);
	if (pos >= 0) {
		s = &f->slots[pos];
		old = atomic_load_explicit(&s->ref, memory_order_relaxed);
		if (old == ref) {
			if (is_static)
				s->is_static = 1;
			atomic_store_explicit(&s->seen, now,
					      memory_order_relaxed);
			return DS_LEARN_REFRESHED;
		}
		if (s->is_static && !is_static) {
			f->st.static_denied++;
			return DS_LEARN_STATIC_DENIED;
		}
		if (!is_static && f->per_port[slot] >= port_limit) {
			f->st.port_limit++;
			return DS_LEARN_PORT_LIMIT;
		}
		count_ref(f, key, old, -1);
		count_ref(f, key, ref, +1);
		s->is_static = is_static;
		atomic_store_explicit(&s->seen, now, memory_order_relaxed);
		/* release: pairs with the acquire in ds_fdb_ref() */
		atomic_store_explicit(&s->ref, ref, memory_order_release);
		f->st.moved++;
		return DS_LEARN_MOVED;
	}
	if (!is_static && f->per_port[slot] >= port_limit) {
		f->st.port_limit++;
		return DS_LEARN_PORT_LIMIT;
	}
	if (t < f->n_tenants && f->per_tenant[t] >= tenant_limit) {
		f->st.tenant_limit++;
		return DS_LEARN_TENANT_LIMIT;
	}
	pos = rte_hash_add_key(f->h, &key);
	if (pos < 0 || (uint32_t)pos >= f->n_slots) {
		f->st.table_full++;
		return DS_LEARN_FULL;
	}
	/*
	 * The key is visible to readers from here on; until the store
	 * below they read ref 0 (cleared at delete, or never set) and
	 * treat the MAC as unknown.
	 */
	s = &f->slots[pos];
	s->is_static = is_static;
	atomic_store_explicit(&s->seen, now, memory_order_relaxed);
	/* release: pairs with the acquire in ds_fdb_ref() */
	atomic_store_explicit(&s->ref, ref, memory_order_release);
	count_ref(f, key, ref, +1);
	f->st.learned++;
	return DS_LEARN_ADDED;
}

/* Delete at a known position; its reuse waits for a grace period. */
static void
delete_pos(struct ds_fdb *f, uint64_t key, int32_t pos)
{
	struct ds_fdb_slot *s = &f->slots[pos];
	uint32_t old = atomic_load_explicit(&s->ref, memory_order_relaxed);
	uint32_t tail;

	/* readers that still hold 'pos' now see a miss */
	atomic_store_explicit(&s->ref, 0, memory_order_release);
	s->is_static = 0;
	if (old != 0)
		count_ref(f, key, old, -1);
	if (rte_hash_del_key(f->h, &key) < 0)
		return;
	if (f->pend_n == f->pend_cap) {
		/* cannot happen: at most n_slots keys exist at once */
		return;
	}
	tail = (f->pend_head + f->pend_n) % f->pend_cap;
	f->pend[tail].pos = pos;
	f->pend[tail].token = f->qs ? rte_rcu_qsbr_start(f->qs) : 0;
	f->pend_n++;
}

int
ds_fdb_get(const struct ds_fdb *f, uint64_t key, uint32_t *ref,
	   bool *is_static)
{
	int32_t pos = rte_hash_lookup(f->h, &key);

	if (pos < 0 || (uint32_t)pos >= f->n_slots)
		return -ENOENT;
	*ref = atomic_load_explicit(&f->slots[pos].ref, memory_order_relaxed);
	*is_static = f->slots[pos].is_static != 0;
	return *ref != 0 ? 0 : -ENOENT;
}

int
ds_fdb_delete(struct ds_fdb *f, uint64_t key)
{
	int32_t pos = rte_hash_lookup(f->h, &key);

	if (pos < 0)
		return -ENOENT;
	delete_pos(f, key, pos);
	return 0;
}

void
ds_fdb_reclaim(struct ds_fdb *f)
{
	while (f->pend_n > 0) {
		struct ds_fdb_pending *p = &f->pend[f->pend_head];

		/* tokens grow in FIFO order: stop at the first not done */
		if (f->qs != NULL &&
		    rte_rcu_qsbr_check(f->qs, p->token, false) != 1)
			break;
		rte_hash_free_key_with_position(f->h, p->pos);
		f->pend_head = (f->pend_head + 1) % f->pend_cap;
		f->pend_n--;
	}
}

/* Collect then delete, so that deletion never races the iterator. */
#define DS_FDB_BATCH 1024

struct victim {
	uint64_t key;
	int32_t pos;
};

static uint32_t
delete_where(struct ds_fdb *f, bool (*match)(const struct ds_fdb_slot *,
					      const void *),
	     const void *arg)
{
	struct victim v[DS_FDB_BATCH];
	uint32_t total = 0;

	for (;;) {
		uint32_t next = 0, n = 0, i;
		const void *k;
		void *data;
		int32_t pos;

		while (n < DS_FDB_BATCH &&
		       (pos = rte_hash_iterate(f->h, &k, &data, &next)) >= 0) {
			if ((uint32_t)pos < f->n_slots &&
			    match(&f->slots[pos], arg)) {
				v[n].key = *(const uint64_t *)k;
				v[n].pos = pos;
				n++;
			}
		}
		for (i = 0; i < n; i++)
			delete_pos(f, v[i].key, v[i].pos);
		total += n;
		if (n < DS_FDB_BATCH)
			return total;
	}
}

struct age_arg {
	uint64_t now;
	uint64_t max_age;
};

static bool
match_aged(const struct ds_fdb_slot *s, const void *arg)
{
	const struct age_arg *a = arg;
	uint64_t seen = atomic_load_explicit(&s->seen, memory_order_relaxed);

	return !s->is_static && a->now > seen && a->now - seen > a->max_age;
}

uint32_t
ds_fdb_age(struct ds_fdb *f, uint64_t now, uint64_t max_age)
{
	struct age_arg a = { now, max_age };
	uint32_t n = delete_where(f, match_aged, &a);

	f->st.aged += n;
	return n;
}

static bool
match_slot(const struct ds_fdb_slot *s, const void *arg)
{
	uint32_t ref = atomic_load_explicit(&s->ref, memory_order_relaxed);

	return ref != 0 && DS_REF_SLOT(ref) == *(const uint16_t *)arg;
}

uint32_t
ds_fdb_flush_slot(struct ds_fdb *f, uint16_t slot)
{
	uint32_t n = delete_where(f, match_slot, &slot);

	f->st.flushed += n;
	return n;
}

void
ds_fdb_walk(const struct ds_fdb *f, ds_fdb_walk_cb cb, void *arg)
{
	uint32_t next = 0;
	const void *k;
	void *data;
	int32_t pos;

	while ((pos = rte_hash_iterate(f->h, &k, &data, &next)) >= 0) {
		const struct ds_fdb_slot *s;
		uint32_t ref;

		if ((uint32_t)pos >= f->n_slots)
			continue;
		s = &f->slots[pos];
		ref = atomic_load_explicit(&s->ref, memory_order_relaxed);
		if (ref == 0)
			continue;
		if (cb(*(const uint64_t *)k, ref, s->is_static != 0,
		       atomic_load_explicit(&s->seen, memory_order_relaxed),
		       arg) != 0)
			return;
	}
}
