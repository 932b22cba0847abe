/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Port tables: build a snapshot of the attached ports (poll lists per
 * worker, flood lists per tenant), publish it, retire the previous one
 * after an RCU grace period.  Control thread only, under sw->lock.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>

#include "ds_switch.h"

static bool
port_in_tenant(const struct ds_port *p, uint16_t tenant)
{
	if (p->kind == DS_PORT_GUEST)
		return p->tenant == tenant;
	return (p->carries[tenant >> 3] >> (tenant & 7)) & 1;
}

struct ds_table *
ds_table_build(struct ds_switch *sw)
{
	uint16_t nw = sw->n_workers, nt = sw->n_tenants ? sw->n_tenants : 1;
	uint32_t n_owned = (uint32_t)sw->cfg->n_guests + sw->pins.n;
	uint32_t n_polls = 0, n_flood = 0, *fill;
	struct ds_table *t;
	uint16_t s, q, w, ti;
	size_t size;
	char *mem;

	for (s = 0; s < DS_MAX_PORTS; s++) {
		const struct ds_port *p = sw->ports[s];

		if (p == NULL)
			continue;
		n_polls += p->nb_rxq;
		for (ti = 0; ti < nt; ti++)
			n_flood += port_in_tenant(p, ti);
	}
	size = sizeof(*t) + sizeof(uint64_t) * (n_owned + 1) +
	       sizeof(uint32_t) * (nw + 1) +
	       sizeof(struct ds_poll) * (n_polls + 1) +
	       sizeof(uint32_t) * (nt + 1) + sizeof(uint16_t) * (n_flood + 1);
	mem = rte_zmalloc("ds_table", size, RTE_CACHE_LINE_SIZE);
	fill = calloc(nw + 1, sizeof(*fill));
	if (mem == NULL || fill == NULL) {
		rte_free(mem);
		free(fill);
		return NULL;
	}
	t = (struct ds_table *)mem;
	mem += sizeof(*t);
	t->owned = (uint64_t *)mem;	/* 8-byte aligned: right after *t */
	mem += sizeof(uint64_t) * (n_owned + 1);
	t->poll_off = (uint32_t *)mem;
	mem += sizeof(uint32_t) * (nw + 1);
	t->polls = (struct ds_poll *)mem;
	mem += sizeof(struct ds_poll) * (n_polls + 1);
	t->flood_off = (uint32_t *)mem;
	mem += sizeof(uint32_t) * (nt + 1);
	t->flood = (uint16_t *)mem;

	t->version = ++sw->table_version;
	t->n_workers = nw;
	t->n_tenants = nt;
	memcpy(t->ports, sw->ports, sizeof(t->ports));
	RTE_BUILD_BUG_ON(DS_OWNER_KEY(1, 2) != DS_FDB_KEY(1, 2));
	t->n_owned = ds_owned_keys(sw->cfg, &sw->pins, t->owned, n_owned);

	/* poll lists: count per worker, prefix sums, then fill */
	for (s = 0; s < DS_MAX_PORTS; s++) {
		const struct ds_port *p = sw->ports[s];

		if (p == NULL)
			continue;
		for (q = 0; q < p->nb_rxq; q++)
			t->poll_off[p->rxq_worker[q] + 1]++;
	}
	for (w = 0; w < nw; w++)
		t->poll_off[w + 1] += t->poll_off[w];
	for (s = 0; s < DS_MAX_PORTS; s++) {
		const struct ds_port *p = sw->ports[s];

		if (p == NULL)
			continue;
		for (q = 0; q < p->nb_rxq; q++) {
			w = p->rxq_worker[q];
			t->polls[t->poll_off[w] + fill[w]++] =
				(struct ds_poll){ .slot = s, .queue = q };
		}
	}
	free(fill);

	/* flood lists: every port of each tenant, by slot */
	for (ti = 0; ti < nt; ti++) {
		t->flood_off[ti + 1] = t->flood_off[ti];
		for (s = 0; s < DS_MAX_PORTS; s++) {
			const struct ds_port *p = sw->ports[s];

			if (p != NULL && port_in_tenant(p, ti))
				t->flood[t->flood_off[ti + 1]++] = s;
		}
	}
	return t;
}

/*
 * Swap in t, wait until no worker can still hold the old table, free it.
 * After this returns, a port absent from t is touched by no worker.
 */
void
ds_table_publish(struct ds_switch *sw, struct ds_table *t)
{
	struct ds_table *old;

	/* release: pairs with the acquire load in ds_worker_main() */
	old = atomic_exchange_explicit(&sw->table, t, memory_order_acq_rel);
	rte_rcu_qsbr_synchronize(sw->qs, RTE_QSBR_THRID_INVALID);
	rte_free(old);
}

void
ds_table_log(const struct ds_switch *sw, const struct ds_table *t)
{
	uint16_t w;

	for (w = 0; w < t->n_workers; w++) {
		char line[512];
		size_t o = 0;
		uint32_t i;

		line[0] = '\0';
		for (i = t->poll_off[w]; i < t->poll_off[w + 1]; i++) {
			const struct ds_port *p = t->ports[t->polls[i].slot];
			int r = snprintf(line + o, sizeof(line) - o, " %s:%u",
					 p->name, t->polls[i].queue);

			if (r < 0 || (size_t)r >= sizeof(line) - o) {
				snprintf(line + sizeof(line) - 5, 5, " ...");
				break;
			}
			o += r;
		}
		DS_LOG(INFO, "lcore %u polls:%s", sw->workers[w]->lcore_id,
		       o ? line : " (nothing)");
	}
}
