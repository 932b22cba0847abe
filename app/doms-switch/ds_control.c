/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * The control thread: the FDB's only writer (learn requests from the
 * workers, aging, reclaim), and the place where ports come and go
 * (discovery, retries with back-off, detach after a grace period).
 * Runs on the main lcore; every step is bounded and non-blocking except
 * the RCU grace period of a table swap, which lasts one worker loop.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ring_elem.h>

#include "ds_discovery.h"
#include "ds_switch.h"

#define DS_ATTEMPTS		512
#define DS_LEARN_BUDGET		8192	/* requests per control step */
#define DS_RETRY_MIN_MS		250
#define DS_RETRY_MAX_MS		30000
#define DS_REFUSED_RELOG_S	300
#define DS_MAX_SOURCES		2

/* Back-off and log-once state for a name we failed to attach. */
struct ds_attempt {
	char name[DS_NAME_MAX];
	uint64_t next_try;
	uint32_t delay_ms;
	uint64_t logged_at;	/* refusal last logged, 0: never */
	uint64_t used;		/* tsc, for replacement */
};

struct ds_discovery {
	const struct ds_disc_ops *ops[DS_MAX_SOURCES];
	struct ds_disc_source *src[DS_MAX_SOURCES];
	int n_src;
	struct ds_attempt att[DS_ATTEMPTS];
};

struct scan_ctx {
	struct ds_switch *sw;
	uint64_t now;
	bool seen[DS_MAX_PORTS];
};

static struct ds_discovery disc_state;

static uint64_t
ms_to_tsc(const struct ds_switch *sw, uint64_t ms)
{
	return sw->hz / 1000 * ms;
}

static struct ds_attempt *
attempt_get(struct ds_switch *sw, const char *name, uint64_t now)
{
	struct ds_discovery *d = sw->disc;
	struct ds_attempt *oldest = &d->att[0];
	int i;

	for (i = 0; i < DS_ATTEMPTS; i++) {
		if (!strcmp(d->att[i].name, name)) {
			d->att[i].used = now;
			return &d->att[i];
		}
		if (d->att[i].used < oldest->used)
			oldest = &d->att[i];
	}
	memset(oldest, 0, sizeof(*oldest));
	snprintf(oldest->name, sizeof(oldest->name), "%s", name);
	oldest->used = now;
	return oldest;
}

static void
attempt_clear(struct ds_switch *sw, const char *name)
{
	int i;

	for (i = 0; i < DS_ATTEMPTS; i++)
		if (!strcmp(sw->disc->att[i].name, name))
			memset(&sw->disc->att[i], 0, sizeof(sw->disc->att[i]));
}

static void
attempt_failed(struct ds_switch *sw, struct ds_attempt *a, uint64_t now)
{
	a->delay_ms = a->delay_ms ? RTE_MIN(a->delay_ms * 2,
					    (uint32_t)DS_RETRY_MAX_MS) :
				    DS_RETRY_MIN_MS;
	a->next_try = now + ms_to_tsc(sw, a->delay_ms);
}

/* Log a refusal once, then again only every few minutes. */
static void
log_refusal(struct ds_switch *sw, struct ds_attempt *a, uint64_t now,
	    const char *what, const char *why)
{
	if (a->logged_at != 0 &&
	    now - a->logged_at < ms_to_tsc(sw, DS_REFUSED_RELOG_S * 1000ull))
		return;
	a->logged_at = now;
	DS_LOG(WARNING, "ignoring %s: %s", what, why);
}

/* ---- MAC ownership ---------------------------------------------------- */

/* Publish the new owned keys and keep the pins for the next start. */
void
ds_pins_changed(struct ds_switch *sw)
{
	struct ds_table *t = ds_table_build(sw);
	int rc;

	if (t != NULL)
		ds_table_publish(sw, t);
	else
		DS_LOG(ERR, "out of memory: owned MACs not republished");
	if (sw->state_path[0] == '\0')
		return;
	rc = ds_pins_save(sw->state_path, &sw->pins, sw->cfg);
	if (rc != 0) {
		sw->own.save_errors++;
		DS_LOG(ERR, "cannot write %s: %s; pins are not kept across "
		       "a restart", sw->state_path, strerror(-rc));
	}
}

static enum ds_fdb_owner
fdb_owner(struct ds_switch *sw, uint64_t key, const struct ds_port *p)
{
	struct ds_port *o;
	uint32_t ref;
	bool st;

	if (ds_fdb_get(&sw->fdb, key, &ref, &st) != 0)
		return DS_FDB_OWNER_NONE;
	if (ref == p->ref)
		return DS_FDB_OWNER_SELF;
	o = sw->ports[DS_REF_SLOT(ref) % DS_MAX_PORTS];
	return (o != NULL && o->ref == ref) ? DS_FDB_OWNER_OTHER :
					       DS_FDB_OWNER_NONE;
}

/* The claim of mac is over: the guest's next source MAC may claim. */
static void
claim_clear(struct ds_port *p, uint64_t mac)
{
	uint64_t want = DS_MAC_LOCKED | mac;

	atomic_compare_exchange_strong_explicit(&p->claiming_mac, &want, 0,
						memory_order_relaxed,
						memory_order_relaxed);
}

static void
log_mac(const struct ds_port *p, const char *what, uint64_t mac,
	const char *why)
{
	DS_LOG(NOTICE, "%s: %s %02x:%02x:%02x:%02x:%02x:%02x%s%s", p->name,
	       what, (unsigned int)(mac >> 40) & 0xff,
	       (unsigned int)(mac >> 32) & 0xff,
	       (unsigned int)(mac >> 24) & 0xff,
	       (unsigned int)(mac >> 16) & 0xff,
	       (unsigned int)(mac >> 8) & 0xff, (unsigned int)mac & 0xff,
	       why ? ": " : "", why ? why : "");
}

/* Install the pin: static FDB entry first, then what the workers see. */
static int
claim_grant(struct ds_switch *sw, struct ds_port *p, uint64_t key,
	    uint64_t now)
{
	uint16_t t = DS_FDB_KEY_TENANT(key);
	uint64_t mac = DS_FDB_KEY_MAC(key);
	enum ds_learn_res lr;

	lr = ds_fdb_learn(&sw->fdb, key, p->ref, true, UINT32_MAX,
			  sw->cfg->tenants[t].max_macs, now);
	if (lr != DS_LEARN_ADDED && lr != DS_LEARN_MOVED &&
	    lr != DS_LEARN_REFRESHED)
		return -ENOSPC;		/* FDB or tenant full */
	if (ds_pins_set(&sw->pins, p->name, t, mac) != 0) {
		ds_fdb_delete(&sw->fdb, key);
		return -ENOSPC;
	}
	atomic_store_explicit(&p->locked_mac, DS_MAC_LOCKED | mac,
			      memory_order_release);
	sw->own.claimed++;
	log_mac(p, "pinned to its first MAC", mac, NULL);
	ds_pins_changed(sw);
	return 0;
}

/*
 * A learn-first guest's first source MAC: pin it if nobody else in the
 * tenant has or had it (ds_claim_decide), else the guest stays unpinned
 * and may claim another MAC.
 */
static void
claim(struct ds_switch *sw, struct ds_port *p, uint64_t key, uint64_t now)
{
	uint16_t t = DS_FDB_KEY_TENANT(key);
	uint64_t mac = DS_FDB_KEY_MAC(key);
	enum ds_claim c;

	if (p->kind != DS_PORT_GUEST || p->spoof != DS_SPOOF_LEARN_FIRST ||
	    atomic_load_explicit(&p->locked_mac, memory_order_relaxed) != 0)
		return;		/* pinned since the worker asked */
	c = ds_claim_decide(sw->cfg, &sw->pins, p->name, t, mac,
			    fdb_owner(sw, key, p));
	if (c == DS_CLAIM_GRANTED && claim_grant(sw, p, key, now) == 0)
		return;
	sw->own.denied++;
	claim_clear(p, mac);
	/* once per port: a hostile guest must not flood the log */
	if (!p->claim_logged) {
		p->claim_logged = true;
		log_mac(p, "refused to pin", mac, c == DS_CLAIM_GRANTED ?
			"FDB full" : ds_claim_str(c));
	}
}

/* A guest's MAC that is not its own must not be owned by someone else. */
static bool
learn_allowed(struct ds_switch *sw, const struct ds_port *p, uint64_t key)
{
	const struct ds_table *t;

	if (p->kind != DS_PORT_GUEST)
		return true;	/* uplinks are trusted trunks */
	t = atomic_load_explicit(&sw->table, memory_order_relaxed);
	return !ds_keys_has(t->owned, t->n_owned, key);
}

/*
 * Restored pins whose guest did not come back within detach-grace-ms of
 * the first scan are released, as a port whose socket vanished would be.
 */
static void
pins_expire(struct ds_switch *sw, uint64_t now)
{
	uint64_t grace = ms_to_tsc(sw, sw->cfg->global.detach_grace_ms);
	bool changed = false;
	int i;

	for (i = 0; i < sw->pins.n; i++) {
		struct ds_pin *pin = &sw->pins.pin[i];

		if (!pin->waiting)
			continue;
		if (!sw->pins_armed) {
			pin->expires = now + grace;
			continue;
		}
		if (now < pin->expires)
			continue;
		DS_LOG(NOTICE, "%s: did not come back; its learn-first MAC "
		       "pin is released", pin->guest);
		ds_pins_del(&sw->pins, i--);
		sw->own.expired++;
		changed = true;
	}
	sw->pins_armed = true;
	if (changed)
		ds_pins_changed(sw);
}

/* ---- learning --------------------------------------------------------- */

void
ds_control_learn(struct ds_switch *sw)
{
	struct ds_learn_req r[64];
	uint64_t now = rte_rdtsc();
	unsigned int n, i, total = 0;

	do {
		n = rte_ring_sc_dequeue_burst_elem(sw->learn_ring, r,
						   sizeof(r[0]), RTE_DIM(r),
						   NULL);
		for (i = 0; i < n; i++) {
			struct ds_port *p = sw->ports[DS_REF_SLOT(r[i].ref) %
						      DS_MAX_PORTS];
			uint16_t t = DS_FDB_KEY_TENANT(r[i].key);
			bool pin = r[i].flags & DS_LEARN_F_STATIC;
			uint32_t tlimit;

			/* the port left since the worker asked */
			if (p == NULL || p->ref != r[i].ref ||
			    t >= sw->n_tenants)
				continue;
			if (r[i].flags & DS_LEARN_F_CLAIM) {
				claim(sw, p, r[i].key, now);
				continue;
			}
			tlimit = sw->cfg->tenants[t].max_macs;
			if (pin) {
				uint32_t owner;
				bool st;

				/* a live port's pinned MAC is never taken */
				if (ds_fdb_get(&sw->fdb, r[i].key, &owner,
					       &st) == 0 && st &&
				    owner != p->ref) {
					struct ds_port *o = sw->ports[
						DS_REF_SLOT(owner) %
						DS_MAX_PORTS];

					if (o != NULL && o->ref == owner) {
						sw->fdb.st.static_denied++;
						continue;
					}
				}
			} else if (!learn_allowed(sw, p, r[i].key)) {
				sw->fdb.st.static_denied++;
				continue;
			}
			ds_fdb_learn(&sw->fdb, r[i].key, r[i].ref, pin,
				     p->max_macs, tlimit, now);
		}
		total += n;
	} while (n == RTE_DIM(r) && total < DS_LEARN_BUDGET);
}

/* ---- discovery -------------------------------------------------------- */

static void
found_guest(const struct ds_disc_entry *e, void *arg)
{
	struct scan_ctx *c = arg;
	struct ds_switch *sw = c->sw;
	struct ds_guest_cfg g;
	struct ds_attempt *a;
	struct ds_port *p;
	char why[256];

	p = ds_port_find(sw, e->name);
	if (p != NULL) {
		if (p->kind != DS_PORT_GUEST) {
			a = attempt_get(sw, e->name, c->now);
			log_refusal(sw, a, c->now, e->name,
				    "an uplink has that name");
			return;
		}
		c->seen[p->slot] = true;
		if (p->absent_since != 0)
			DS_LOG(INFO, "%s: socket is back", p->name);
		p->absent_since = 0;
		return;
	}
	a = attempt_get(sw, e->name, c->now);
	if (c->now < a->next_try)
		return;
	if (e->guest_idx >= 0) {
		g = sw->cfg->guests[e->guest_idx];
	} else if (ds_config_dynamic_guest(sw->cfg, e->name, e->socket, &g,
					   why, sizeof(why)) != 0) {
		char what[DS_PATH_MAX + 16];

		snprintf(what, sizeof(what), "guest socket %s", e->socket);
		log_refusal(sw, a, c->now, what, why);
		return;
	}
	if (e->devargs[0] != '\0')
		snprintf(g.devargs, sizeof(g.devargs), "%s", e->devargs);
	if (ds_port_attach_guest(sw, &g, true) != 0) {
		attempt_failed(sw, a, c->now);
		return;
	}
	attempt_clear(sw, e->name);
	p = ds_port_find(sw, e->name);
	if (p != NULL)
		c->seen[p->slot] = true;
}

static void
skipped(const char *what, const char *why, void *arg)
{
	struct scan_ctx *c = arg;
	struct ds_attempt *a = attempt_get(c->sw, what, c->now);
	char msg[DS_PATH_MAX + 32];

	snprintf(msg, sizeof(msg), "%s in guest-dir", what);
	log_refusal(c->sw, a, c->now, msg, why);
}

/* Ports that are wanted whatever the sources say: uplinks, devargs= guests. */
static void
attach_static(struct ds_switch *sw, uint64_t now)
{
	const struct ds_config *cfg = sw->cfg;
	struct ds_attempt *a;
	int i;

	for (i = 0; i < cfg->n_uplinks; i++) {
		if (ds_port_find(sw, cfg->uplinks[i].name) != NULL)
			continue;
		a = attempt_get(sw, cfg->uplinks[i].name, now);
		if (now < a->next_try)
			continue;
		if (ds_port_attach_uplink(sw, i) == 0)
			attempt_clear(sw, cfg->uplinks[i].name);
		else
			attempt_failed(sw, a, now);
	}
	for (i = 0; i < cfg->n_guests; i++) {
		const struct ds_guest_cfg *g = &cfg->guests[i];

		if (g->devargs[0] == '\0' || ds_port_find(sw, g->name) != NULL)
			continue;
		a = attempt_get(sw, g->name, now);
		if (now < a->next_try)
			continue;
		if (ds_port_attach_guest(sw, g, false) == 0)
			attempt_clear(sw, g->name);
		else
			attempt_failed(sw, a, now);
	}
}

/* Returns true while some port waits out its grace period. */
static bool
scan(struct ds_switch *sw, uint64_t now)
{
	struct ds_discovery *d = sw->disc;
	uint64_t grace = ms_to_tsc(sw, sw->cfg->global.detach_grace_ms);
	struct scan_ctx c;
	bool waiting = false;
	uint16_t s;
	int i;

	memset(&c, 0, sizeof(c));
	c.sw = sw;
	c.now = now;
	attach_static(sw, now);
	for (i = 0; i < d->n_src; i++)
		d->ops[i]->scan(d->src[i], found_guest, skipped, &c);
	for (s = 0; s < DS_MAX_PORTS; s++) {
		struct ds_port *p = sw->ports[s];

		if (p == NULL || !p->from_socket || c.seen[s])
			continue;
		if (p->absent_since == 0) {
			p->absent_since = now;
			DS_LOG(INFO, "%s: socket %s is gone; detaching in "
			       "%u ms unless it comes back", p->name,
			       p->socket, sw->cfg->global.detach_grace_ms);
		}
		if (now - p->absent_since >= grace)
			ds_port_detach(sw, p, "its socket is gone");
		else
			waiting = true;
	}
	return waiting;
}

int
ds_control_init(struct ds_switch *sw)
{
	struct ds_discovery *d = &disc_state;
	const struct ds_disc_ops *all[] = {
		&ds_disc_host_ops,
#ifdef DS_HAVE_XEN
		&ds_disc_xen_ops,
#endif
	};
	size_t i;

	memset(d, 0, sizeof(*d));
	sw->disc = d;
	for (i = 0; i < RTE_DIM(all) && d->n_src < DS_MAX_SOURCES; i++) {
		struct ds_disc_source *s = all[i]->open(sw->cfg);

		if (s == NULL) {
			DS_LOG(INFO, "discovery source %s not used: %s",
			       all[i]->name, strerror(errno));
			continue;
		}
		d->ops[d->n_src] = all[i];
		d->src[d->n_src++] = s;
		DS_LOG(INFO, "discovery source %s active", all[i]->name);
	}
	return 0;
}

void
ds_control_fini(struct ds_switch *sw)
{
	struct ds_discovery *d = sw->disc;
	int i;

	if (d == NULL)
		return;
	for (i = 0; i < d->n_src; i++)
		d->ops[i]->close(d->src[i]);
	d->n_src = 0;
}

void
ds_control_run(struct ds_switch *sw)
{
	struct ds_discovery *d = sw->disc;
	uint64_t next_scan = 0, next_link = 0, next_age = 0;
	uint64_t scan_every = ms_to_tsc(sw, sw->cfg->global.scan_interval_ms);
	uint64_t max_age = sw->hz * sw->cfg->global.aging_s;
	bool waiting = false;

	while (!atomic_load_explicit(&sw->quit, memory_order_relaxed)) {
		uint64_t now = rte_rdtsc();
		bool changed = false;
		int i;

		pthread_mutex_lock(&sw->lock);
		ds_control_learn(sw);
		for (i = 0; i < d->n_src; i++)
			changed |= d->ops[i]->changed(d->src[i]);
		if (changed || now >= next_scan) {
			waiting = scan(sw, now);
			pins_expire(sw, now);
			next_scan = now + (waiting ?
				RTE_MIN(scan_every, ms_to_tsc(sw, 100)) :
				scan_every);
		}
		if (now >= next_link) {
			ds_port_update_links(sw);
			next_link = now + ms_to_tsc(sw, 200);
		}
		if (now >= next_age) {
			uint32_t n = ds_fdb_age(&sw->fdb, now, max_age);

			if (n != 0)
				DS_LOG(DEBUG, "aged out %u FDB entries", n);
			/* a tenth of the aging time, at most a second */
			next_age = now + RTE_MIN(sw->hz, max_age / 10 + 1);
		}
		ds_fdb_reclaim(&sw->fdb);
		pthread_mutex_unlock(&sw->lock);
		usleep(1000);
	}
}
