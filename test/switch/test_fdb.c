/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Unit test of the doms-switch FDB (rte_hash, lock-free readers): learn,
 * tenant separation, moves, static entries, limits, aging, flushes, the
 * deferred reuse of positions, and a reader thread racing the writer that
 * must never see another key's entry.  Needs EAL (--no-huge), no PMD.
 */

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "ds_fdb.h"
#include "ds_check.h"

#define MAC(n)	(0x020000000000ull | (n))

static int32_t
lookup(struct ds_fdb *f, uint64_t key)
{
	const void *k = &key;
	int32_t pos;

	ds_fdb_lookup_bulk(f, &k, 1, &pos);
	return pos;
}

static uint32_t
ref_of(struct ds_fdb *f, uint64_t key)
{
	int32_t pos = lookup(f, key);

	return pos < 0 ? 0 : ds_fdb_ref(f, pos);
}

static void
test_basic(struct rte_rcu_qsbr *qs)
{
	struct ds_fdb f;
	uint64_t k0 = DS_FDB_KEY(0, MAC(1)), k1 = DS_FDB_KEY(1, MAC(1));
	uint32_t a = DS_REF(1, 1), b = DS_REF(2, 1), ref;
	bool st;
	int i, rc;

	CHECK(ds_fdb_create(&f, "t_basic", 1024, 4, qs, SOCKET_ID_ANY) == 0,
	      "create");
	CHECK(lookup(&f, k0) < 0, "empty table misses");
	CHECK(ds_fdb_learn(&f, k0, a, false, 100, 100, 1000) == DS_LEARN_ADDED,
	      "add");
	CHECK(ref_of(&f, k0) == a, "found with its port");
	/* the same MAC in another tenant is another entry */
	CHECK(lookup(&f, k1) < 0, "tenant 1 does not see tenant 0's MAC");
	CHECK(ds_fdb_learn(&f, k1, b, false, 100, 100, 1000) == DS_LEARN_ADDED,
	      "same MAC, tenant 1");
	CHECK(ref_of(&f, k0) == a && ref_of(&f, k1) == b, "both kept apart");
	CHECK(f.per_tenant[0] == 1 && f.per_tenant[1] == 1 && f.count == 2,
	      "counts by tenant");
	/* refresh, move */
	CHECK(ds_fdb_learn(&f, k0, a, false, 100, 100, 2000) ==
	      DS_LEARN_REFRESHED, "refresh");
	CHECK(ds_fdb_learn(&f, k0, b, false, 100, 100, 2000) == DS_LEARN_MOVED,
	      "move");
	CHECK(ref_of(&f, k0) == b && f.per_port[1] == 0 && f.per_port[2] == 2,
	      "moved, per-port counts follow");
	/* static entries are not taken by learning, only by config */
	CHECK(ds_fdb_learn(&f, k0, a, true, 100, 100, 2000) == DS_LEARN_MOVED,
	      "static install");
	CHECK(ds_fdb_get(&f, k0, &ref, &st) == 0 && st && ref == a, "get");
	CHECK(ds_fdb_learn(&f, k0, b, false, 100, 100, 2000) ==
	      DS_LEARN_STATIC_DENIED && ref_of(&f, k0) == a,
	      "dynamic learn cannot take a static MAC");
	/* aging: dynamic entry k1 (seen 1000) goes, static k0 stays */
	CHECK(ds_fdb_age(&f, 100000, 5000) == 1, "one aged");
	CHECK(lookup(&f, k1) < 0 && ref_of(&f, k0) == a, "static survives");
	/* touched entries are not aged */
	ds_fdb_learn(&f, k1, b, false, 100, 100, 100000);
	i = lookup(&f, k1);
	ds_fdb_touch(&f, i, 200000, 10);
	CHECK(ds_fdb_age(&f, 203000, 5000) == 0, "touched entry kept");
	CHECK(ds_fdb_age(&f, 206000, 5000) == 1, "then aged");
	/* per-port limit, per-tenant limit */
	for (i = 0; i < 5; i++)
		ds_fdb_learn(&f, DS_FDB_KEY(2, MAC(100 + i)), DS_REF(7, 1),
			     false, 3, 100, 1);
	CHECK(f.per_port[7] == 3 && f.st.port_limit == 2, "port limit 3: %u",
	      f.per_port[7]);
	for (i = 0; i < 5; i++)
		ds_fdb_learn(&f, DS_FDB_KEY(3, MAC(200 + i)), DS_REF(8 + i, 1),
			     false, 100, 2, 1);
	CHECK(f.per_tenant[3] == 2 && f.st.tenant_limit == 3,
	      "tenant limit 2: %u", f.per_tenant[3]);
	/* flush a port */
	CHECK(ds_fdb_flush_slot(&f, 7) == 3 && f.per_port[7] == 0, "flush");
	CHECK(lookup(&f, DS_FDB_KEY(2, MAC(100))) < 0, "flushed gone");
	/* delete leaves ref 0 at the old position until reclaimed */
	i = lookup(&f, k0);
	CHECK(ds_fdb_delete(&f, k0) == 0 && ds_fdb_ref(&f, i) == 0,
	      "a stale position reads as a miss");
	rc = ds_fdb_delete(&f, k0);
	CHECK(rc != 0, "double delete");
	ds_fdb_free(&f);
}

/* Positions come back only after every reader passed a quiescent state. */
static void
test_grace(struct rte_rcu_qsbr *qs)
{
	struct ds_fdb f;
	uint64_t k = DS_FDB_KEY(0, MAC(9));

	CHECK(ds_fdb_create(&f, "t_grace", 128, 1, qs, SOCKET_ID_ANY) == 0,
	      "create");
	rte_rcu_qsbr_thread_online(qs, 0);
	ds_fdb_learn(&f, k, DS_REF(1, 1), false, 10, 10, 1);
	ds_fdb_delete(&f, k);
	ds_fdb_reclaim(&f);
	CHECK(f.pend_n == 1, "held while reader 0 is in a read section");
	rte_rcu_qsbr_quiescent(qs, 0);
	ds_fdb_reclaim(&f);
	CHECK(f.pend_n == 0, "reclaimed after its quiescent state");
	rte_rcu_qsbr_thread_offline(qs, 0);
	ds_fdb_free(&f);
}

/* A table of 64 fills up and says so. */
static void
test_full(struct rte_rcu_qsbr *qs)
{
	struct ds_fdb f;
	int i, full = 0, added = 0;

	CHECK(ds_fdb_create(&f, "t_full", 64, 1, qs, SOCKET_ID_ANY) == 0,
	      "create");
	for (i = 0; i < 200; i++) {
		enum ds_learn_res r = ds_fdb_learn(&f, DS_FDB_KEY(0, MAC(i)),
						   DS_REF(1, 1), false,
						   1000, 1000, 1);
		added += r == DS_LEARN_ADDED;
		full += r == DS_LEARN_FULL;
	}
	CHECK(added >= 32 && added <= 64 && full == 200 - added &&
	      f.st.table_full == (uint64_t)full, "added %d full %d", added,
	      full);
	ds_fdb_free(&f);
}

/* ---- a reader racing the writer ---- */

#define RACE_KEYS	64

static struct ds_fdb race;
static volatile int race_stop, race_started;
static uint64_t race_lookups, race_bad, race_hits;

static void *
reader(void *arg)
{
	struct rte_rcu_qsbr *qs = arg;
	uint64_t keys[RACE_KEYS];
	const void *kp[RACE_KEYS];
	int32_t pos[RACE_KEYS];
	int i;

	for (i = 0; i < RACE_KEYS; i++) {
		keys[i] = DS_FDB_KEY(i % 3, MAC(i));
		kp[i] = &keys[i];
	}
	rte_rcu_qsbr_thread_online(qs, 1);
	race_started = 1;
	while (!race_stop) {
		ds_fdb_lookup_bulk(&race, kp, RACE_KEYS, pos);
		/* a worker uses positions a while after the lookup (the
		 * rest of its burst): widen that window */
		rte_delay_us_block(20);
		for (i = 0; i < RACE_KEYS; i++) {
			uint32_t ref;

			if (pos[i] < 0)
				continue;
			ref = ds_fdb_ref(&race, pos[i]);
			race_hits += ref != 0;
			/* key i is only ever learnt on slot i */
			if (ref != 0 && DS_REF_SLOT(ref) != i)
				race_bad++;
		}
		race_lookups += RACE_KEYS;
		rte_rcu_qsbr_quiescent(qs, 1);
	}
	rte_rcu_qsbr_thread_offline(qs, 1);
	return NULL;
}

static void
test_race(struct rte_rcu_qsbr *qs)
{
	uint64_t round, t = 1, end;
	pthread_t th;
	int i;

	/* few spare positions, so that a freed one is reused soon */
	CHECK(ds_fdb_create(&race, "t_race", 80, 3, qs, SOCKET_ID_ANY) == 0,
	      "create");
	pthread_create(&th, NULL, reader, qs);
	while (!race_started)
		rte_pause();
	end = rte_get_timer_cycles() + rte_get_timer_hz() / 2;
	for (round = 0; rte_get_timer_cycles() < end; round++) {
		for (i = 0; i < RACE_KEYS; i++) {
			uint64_t k = DS_FDB_KEY(i % 3, MAC(i));

			switch ((round + i) % 4) {
			case 0:
			case 1:
				/* new generation of slot i: a move */
				ds_fdb_learn(&race, k,
					     DS_REF(i, 1 + (round & 0xff)),
					     false, 1000, 1000, t);
				break;
			case 2:
				ds_fdb_delete(&race, k);
				break;
			default:
				break;
			}
		}
		t += 10;
		if (round % 16 == 0)
			ds_fdb_age(&race, t, 50);
		ds_fdb_reclaim(&race);
		/* like the control thread, never let deletions starve adds */
		if (race.pend_n > 16) {
			rte_rcu_qsbr_synchronize(qs, RTE_QSBR_THRID_INVALID);
			ds_fdb_reclaim(&race);
		}
	}
	race_stop = 1;
	pthread_join(th, NULL);
	ds_fdb_reclaim(&race);
	CHECK(race_bad == 0, "reader saw %lu refs of another key",
	      (unsigned long)race_bad);
	CHECK(race_hits > 0, "reader found entries (%lu lookups)",
	      (unsigned long)race_lookups);
	printf("race: %lu writer rounds, %lu lookups, %lu hits, %lu wrong\n",
	       (unsigned long)round, (unsigned long)race_lookups,
	       (unsigned long)race_hits, (unsigned long)race_bad);
	ds_fdb_free(&race);
}

int
main(int argc, char **argv)
{
	struct rte_rcu_qsbr *qs;

	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	qs = rte_zmalloc(NULL, rte_rcu_qsbr_get_memsize(2), 64);
	if (qs == NULL || rte_rcu_qsbr_init(qs, 2) != 0) {
		fprintf(stderr, "qsbr\n");
		return 1;
	}
	rte_rcu_qsbr_thread_register(qs, 0);
	rte_rcu_qsbr_thread_register(qs, 1);
	test_basic(qs);
	test_grace(qs);
	test_full(qs);
	test_race(qs);
	rte_free(qs);
	rte_eal_cleanup();
	if (failures != 0) {
		fprintf(stderr, "%d check(s) failed\n", failures);
		return 1;
	}
	printf("fdb: all checks passed\n");
	return 0;
}
