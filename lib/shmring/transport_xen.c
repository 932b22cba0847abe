/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Xen transport: guest and DomS are separate Xen domains.
 *
 * The guest's region is granted to the DomS domain page by page
 * (xen_grant.c); the rendezvous is xenstore, laid out like a split
 * driver (shmring_xen.h): Dom0 creates a frontend directory under the
 * guest and a backend directory under DomS (tools/xenshm-ctl), the DomS
 * publishes its limits and goes to InitWait (the host transport's
 * HELLO), the guest grants its region, writes the offer and goes to
 * Initialised (OFFER), DomS maps, checks and claims the region and goes
 * to Connected (ACCEPT).  Rejections leave a sentence in the rejecting
 * side's "error" key.
 *
 * Each side learns that the other is gone in two ways:
 *  - the live byte of the other side's line in the header, which the
 *    kernel zeroes through the unmap notification when a process dies
 *    (checked on every poll: a memory load);
 *  - xenstore: a state that leaves Connected, a directory that vanishes
 *    (a destroyed domain's whole tree goes), a new offer or a new DomS
 *    assignment.  Watches make that prompt; every XEN_RECHECK_MS the
 *    state is read again anyway, so a lost watch only delays.
 *
 * A DomS process restarted in the same domain maps the very same grant
 * refs (they are constant while the region stays granted to that
 * domain).  A DomS domain re-created by the toolstack has a new domain
 * id: Dom0 re-assigns the device (xenshm-ctl), and the guest grants its
 * region afresh to the new domain, at the same address, with the rings
 * where they were.  It does so only after its caller said, with
 * shmring_guest_quiesced(), that no burst is in the region any more:
 * the move copies the region and replaces its pages.
 *
 * A guest is hostile to DomS, and DomS serves many guests from one
 * control thread.  Mapping a region costs a thousand grant mappings, so
 * a guest that makes DomS map and drop its region over and over (epoch
 * flips, a header that disagrees with its offer, a live byte it clears,
 * malformed offers) is held off: after each such detach or refusal,
 * this endpoint does not map again for a hold-off that doubles each
 * time (XEN_HOLD_MIN_MS to XEN_HOLD_MAX_MS), and that only resets once
 * the guest stayed attached for XEN_STABLE_MS.  Only Dom0's doing
 * (online=0, the backend directory removed) does not count.
 *
 * Every poll does a bounded amount of work: memory loads, and when
 * something changed or the recheck period passed, a few xenstore
 * requests and at most one map or one grant.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shmring_transport.h"
#include "shmring_xen.h"
#include "xen_grant.h"
#include "xen_store.h"

#define WHY(...) do {							\
		if (why != NULL && why_len > 0)				\
			snprintf(why, why_len, __VA_ARGS__);		\
	} while (0)

/* Re-read xenstore this often even without a watch event ... */
#define XEN_RECHECK_MS		500
/* ... and no more often than this however many events come (a peer
 * writing its keys in a loop must not make us hammer xenstore). */
#define XEN_MIN_CHECK_MS	50
/*
 * DomS: after a guest-caused detach or a refused offer, the region is
 * not mapped again for a hold-off that starts here and doubles each time
 * up to the maximum; it goes back to the start only after the guest has
 * stayed attached for XEN_STABLE_MS.  A guest flipping its offer thus
 * costs DomS one map per XEN_HOLD_MAX_MS at most, instead of one per
 * XEN_MIN_CHECK_MS, and a legitimate restart waits XEN_HOLD_MIN_MS.
 */
/*
 * DomS reads a guest's keys in a transaction, which fails (EAGAIN) when
 * the guest wrote meanwhile: a guest writing in a loop would make every
 * attempt fail.  This many, then the guest's offer counts as refused.
 */
#define XEN_DOMS_TX_TRIES	4
#define XEN_HOLD_MIN_MS		100u
#define XEN_HOLD_MAX_MS		10000u
#define XEN_STABLE_MS		10000u
#define MS			1000000ull

/* A side line's live byte; pairs with shmring_side_set_live() (release). */
static inline uint8_t
side_live(const struct shmring_side *s)
{
	return atomic_load_explicit((const _Atomic uint8_t *)&s->live,
				    memory_order_acquire);
}

/* Report each distinct refusal once, not on every poll. */
static int
rejected_once(char *last, size_t last_len, const char *why)
{
	if (why == NULL || strncmp(last, why, last_len) == 0)
		return SHMRING_EV_NONE;
	snprintf(last, last_len, "%s", why);
	return SHMRING_EV_PEER_REJECTED;
}

/* ---------------------------------------------------------------- guest */

struct xen_guest {
	struct xs_handle *xs;
	struct xg_region r;
	uint32_t self;			/* our domain id */
	uint32_t backend;		/* DomS Dom0 assigned, or ANY */
	char fe[XST_PATH_MAX];		/* our frontend directory */
	char be[XST_PATH_MAX];		/* assigned backend directory */
	bool published;			/* offer for granted_to written */
	bool dirty;			/* a watch fired */
	uint64_t next_check_ns;
	uint64_t last_check_ns;
	char last_reject[SHMRING_WHY_MAX];
};

static void
guest_set_state(struct xen_guest *g, enum shmring_xenbus_state s)
{
	xst_write_key_u64(g->xs, XBT_NULL, g->fe, SHMRING_XS_STATE, s);
}

/* Watch the backend directory of DomS 'b' instead of the previous one. */
static void
guest_follow_backend(struct xen_guest *g, uint32_t b, uint32_t devid)
{
	if (g->backend != SHMRING_XEN_DOMID_ANY)
		xs_unwatch(g->xs, g->be, "be");
	g->backend = b;
	g->be[0] = '\0';
	if (b == SHMRING_XEN_DOMID_ANY)
		return;
	/* Our own idea of the path: the "backend" key is only a hint. */
	xst_path(g->be, sizeof(g->be), SHMRING_XEN_BE_FMT, b, g->self, devid);
	xs_watch(g->xs, g->be, "be");
}

/* The DomS went away; 'why' already says how. */
static int
guest_down(struct shmring_guest_ep *ep, int err)
{
	struct xen_guest *g = ep->priv;

	ep->attached = false;
	ep->last_err = err;
	/* guest.live stays CONNECTED: we are still here (protocol.md 10). */
	/* Our offer still stands for a DomS that comes back. */
	if (g->published)
		guest_set_state(g, SHMRING_XB_INITIALISED);
	g->dirty = true;
	/* The caller's bursts may still be in the region. */
	ep->quiesce_pending = true;
	return SHMRING_EV_PEER_DOWN;
}

static int
guest_reject(struct shmring_guest_ep *ep, int err, const char *why)
{
	struct xen_guest *g = ep->priv;

	ep->last_err = err;
	return rejected_once(g->last_reject, sizeof(g->last_reject), why);
}

struct guest_offer_tx {
	struct shmring_guest_ep *ep;
	char refs[XST_VALUE_MAX];
};

static int
guest_offer_tx(struct xs_handle *xs, xs_transaction_t t, void *arg)
{
	struct guest_offer_tx *o = arg;
	struct shmring_guest_ep *ep = o->ep;
	const struct shmring_params *p = &ep->info.params;
	struct xen_guest *g = ep->priv;
	const char *fe = g->fe;
	char err_path[XST_PATH_MAX];

	if (!xst_write_key_u64(xs, t, fe, SHMRING_XS_GRANTED_TO,
			       g->r.granted_to) ||
	    !xst_write_key_u64(xs, t, fe, SHMRING_XS_EPOCH, ep->epoch) ||
	    !xst_write_key_u64(xs, t, fe, SHMRING_XS_FEATURES, p->features) ||
	    !xst_write_key_u64(xs, t, fe, SHMRING_XS_QUEUES, p->n_qp) ||
	    !xst_write_key_u64(xs, t, fe, SHMRING_XS_RING_SIZE,
			       p->ring_size) ||
	    !xst_write_key_u64(xs, t, fe, SHMRING_XS_SLOT_SIZE,
			       p->slot_size) ||
	    !xst_write_key_u64(xs, t, fe, SHMRING_XS_MTU, p->mtu) ||
	    !xst_write_key_u64(xs, t, fe, SHMRING_XS_REGION_SIZE,
			       ep->info.layout.region_size) ||
	    !xst_write_key_str(xs, t, fe, SHMRING_XS_REF_DIR, o->refs) ||
	    !xst_write_key_u64(xs, t, fe, SHMRING_XS_STATE,
			       SHMRING_XB_INITIALISED))
		return -1;
	if (xst_path(err_path, sizeof(err_path), "%s/" SHMRING_XS_ERROR, fe))
		xs_rm(xs, t, err_path);
	return 0;
}

/* Write the offer for the current grant, all keys in one transaction. */
static int
guest_publish(struct shmring_guest_ep *ep, char *why, size_t why_len)
{
	struct xen_guest *g = ep->priv;
	struct guest_offer_tx o = { .ep = ep };
	size_t off = 0;
	uint32_t i;

	for (i = 0; i < g->r.ndir; i++) {
		int n = snprintf(o.refs + off, sizeof(o.refs) - off, "%s%u",
				 i ? " " : "", g->r.dir_refs[i]);

		if (n < 0 || (size_t)n >= sizeof(o.refs) - off) {
			WHY("%u directory refs do not fit in one xenstore "
			    "value", g->r.ndir);
			return SHMRING_E_CONFIG;
		}
		off += (size_t)n;
	}
	/* A new offer, a new epoch: DomS checks the header carries it. */
	shmring_ep_guest_bump_epoch(ep);
	if (xst_transaction(g->xs, guest_offer_tx, &o) != 0) {
		WHY("cannot write the offer to %s: %s", g->fe,
		    strerror(errno));
		return SHMRING_E_SYSTEM;
	}
	g->published = true;
	return SHMRING_OK;
}

struct backend_view {
	uint32_t state;
	bool have_limits;
	struct shmring_msg_hello hello;
};

/* Backend state and limits, read as one snapshot. */
static void
guest_read_backend(struct xen_guest *g, struct backend_view *v)
{
	struct xs_handle *xs = g->xs;
	uint32_t qp, f, rs, ss, mtu;
	xs_transaction_t t;
	unsigned int tries;
	uint64_t reg;

	for (tries = 0; tries < XST_TX_RETRIES; tries++) {
		memset(v, 0, sizeof(*v));
		t = xs_transaction_start(xs);
		if (t == XBT_NULL)
			return;
		if (xst_read_key_u32(xs, t, g->be, SHMRING_XS_STATE, 255,
				     &v->state) != XST_OK)
			v->state = SHMRING_XB_UNKNOWN;
		v->have_limits =
			xst_read_key_u32(xs, t, g->be, SHMRING_XS_FEATURES,
					 UINT32_MAX, &f) == XST_OK &&
			xst_read_key_u32(xs, t, g->be, SHMRING_XS_MAX_QUEUES,
					 UINT16_MAX, &qp) == XST_OK &&
			xst_read_key_u32(xs, t, g->be,
					 SHMRING_XS_MAX_RING_SIZE,
					 UINT32_MAX, &rs) == XST_OK &&
			xst_read_key_u32(xs, t, g->be,
					 SHMRING_XS_MAX_SLOT_SIZE,
					 UINT32_MAX, &ss) == XST_OK &&
			xst_read_key_u32(xs, t, g->be, SHMRING_XS_MAX_MTU,
					 UINT32_MAX, &mtu) == XST_OK &&
			xst_read_key_u64(xs, t, g->be,
					 SHMRING_XS_MAX_REGION_SIZE,
					 UINT64_MAX, &reg) == XST_OK;
		if (v->have_limits) {
			v->hello.features = f;
			v->hello.max_qp = (uint16_t)qp;
			v->hello.max_ring_size = rs;
			v->hello.max_slot_size = ss;
			v->hello.max_mtu = mtu;
			v->hello.max_region_size = reg;
		}
		if (xs_transaction_end(xs, t, false) || errno != EAGAIN)
			return;
	}
}

static int
guest_reconcile(struct shmring_guest_ep *ep, char *why, size_t why_len)
{
	struct shmring_region_hdr *h = ep->base;
	struct xen_guest *g = ep->priv;
	struct backend_view bv;
	uint32_t b;
	int rc;

	if (xst_read_key_u32(g->xs, XBT_NULL, g->fe, SHMRING_XS_BACKEND_ID,
			     SHMRING_XEN_DOMID_MAX, &b) != XST_OK) {
		if (g->backend != SHMRING_XEN_DOMID_ANY)
			guest_follow_backend(g, SHMRING_XEN_DOMID_ANY, 0);
		/* The directory, and our offer with it, is gone. */
		g->published = false;
		if (ep->attached) {
			WHY("device %u disconnected by Dom0", ep->cfg.devid);
			return guest_down(ep, SHMRING_E_NO_PEER);
		}
		WHY("%s is not assigned to a DomS yet (xenshm-ctl connect)",
		    g->fe);
		ep->last_err = SHMRING_E_NO_PEER;
		return SHMRING_EV_NONE;
	}
	if (ep->cfg.peer_domid != SHMRING_XEN_DOMID_ANY &&
	    b != ep->cfg.peer_domid) {
		if (ep->attached) {
			WHY("device moved to DomS %u, configured for %u", b,
			    ep->cfg.peer_domid);
			return guest_down(ep, SHMRING_E_CONFIG);
		}
		WHY("Dom0 assigned this device to DomS %u, but it is "
		    "configured for DomS %u (backend=)", b,
		    ep->cfg.peer_domid);
		return guest_reject(ep, SHMRING_E_CONFIG, why);
	}
	if (b != g->backend)
		guest_follow_backend(g, b, ep->cfg.devid);
	guest_read_backend(g, &bv);

	if (ep->attached) {
		if (g->r.granted_to != b) {
			WHY("device moved from DomS %u to DomS %u",
			    g->r.granted_to, b);
			return guest_down(ep, SHMRING_E_NO_PEER);
		}
		if (bv.state != SHMRING_XB_CONNECTED) {
			WHY("DomS %u left (backend state %s)", b,
			    shmring_xenbus_state_name(bv.state));
			return guest_down(ep, SHMRING_E_NO_PEER);
		}
		return SHMRING_EV_NONE;
	}

	if (g->r.granted_to != b) {
		/*
		 * The move copies the region into new pages and maps them
		 * over it: no burst of the caller may be in it any more.
		 */
		if (ep->quiesce_pending) {
			WHY("region to be moved to DomS %u once the data path "
			    "has stopped (shmring_guest_quiesced)", b);
			ep->last_err = SHMRING_E_NO_PEER;
			return SHMRING_EV_NONE;
		}
		/* Stale keys must not be taken for an offer meanwhile. */
		guest_set_state(g, SHMRING_XB_INITIALISING);
		g->published = false;
		if (xg_region_grant(&g->r, b, why, why_len) != 0)
			return guest_reject(ep, SHMRING_E_SYSTEM, why);
	}
	if (bv.state != SHMRING_XB_INITWAIT &&
	    bv.state != SHMRING_XB_CONNECTED) {
		WHY("waiting for DomS %u (backend state %s)", b,
		    shmring_xenbus_state_name(bv.state));
		ep->last_err = SHMRING_E_NO_PEER;
		return SHMRING_EV_NONE;
	}
	if (!bv.have_limits) {
		WHY("DomS %u has not published its limits", b);
		ep->last_err = SHMRING_E_NO_PEER;
		return SHMRING_EV_NONE;
	}
	rc = shmring_hello_check(&bv.hello, &ep->info.params,
				 ep->info.layout.region_size, why, why_len);
	if (rc != SHMRING_OK) {
		if (why != NULL)
			xst_write_key_str(g->xs, XBT_NULL, g->fe,
					  SHMRING_XS_ERROR, why);
		return guest_reject(ep, rc, why);
	}
	/* Dom0 may have wiped the directory meanwhile: offer again. */
	if (g->published) {
		uint32_t e;

		if (xst_read_key_u32(g->xs, XBT_NULL, g->fe, SHMRING_XS_EPOCH,
				     UINT32_MAX, &e) != XST_OK ||
		    e != ep->epoch)
			g->published = false;
	}
	if (!g->published) {
		rc = guest_publish(ep, why, why_len);
		if (rc != SHMRING_OK)
			return guest_reject(ep, rc, why);
	}
	if (bv.state == SHMRING_XB_CONNECTED &&
	    side_live(&h->doms) == SHMRING_SIDE_CONNECTED) {
		/* Pairs with the DomS's store-release of its epoch. */
		ep->peer_epoch = shmring_load_acquire(&h->doms.epoch);
		ep->attached = true;
		ep->last_err = SHMRING_OK;
		g->last_reject[0] = '\0';
		shmring_side_set_live(&h->guest, SHMRING_SIDE_CONNECTED);
		guest_set_state(g, SHMRING_XB_CONNECTED);
		WHY("DomS %u attached (guest epoch %u, DomS epoch %u)", b,
		    ep->epoch, ep->peer_epoch);
		return SHMRING_EV_PEER_UP;
	}
	WHY("offer published to DomS %u, waiting for it to map", b);
	return SHMRING_EV_NONE;
}

static int
xen_guest_poll(struct shmring_guest_ep *ep, char *why, size_t why_len)
{
	struct shmring_region_hdr *h = ep->base;
	struct xen_guest *g = ep->priv;
	uint64_t now;

	if (ep->attached) {
		uint8_t live = side_live(&h->doms);
		uint32_t e = shmring_load_acquire(&h->doms.epoch);

		if (live != SHMRING_SIDE_CONNECTED) {
			WHY("DomS %u went away (its live byte is %u)",
			    g->backend, live);
			return guest_down(ep, SHMRING_E_NO_PEER);
		}
		if (e != ep->peer_epoch) {
			WHY("DomS %u came back as a new incarnation (epoch "
			    "%u -> %u)", g->backend, ep->peer_epoch, e);
			return guest_down(ep, SHMRING_E_NO_PEER);
		}
	}
	now = xst_now_ns();
	if (xst_drain_watches(g->xs) > 0)
		g->dirty = true;
	if (now < g->last_check_ns + XEN_MIN_CHECK_MS * MS ||
	    (!g->dirty && now < g->next_check_ns))
		return SHMRING_EV_NONE;
	g->dirty = false;
	g->last_check_ns = now;
	g->next_check_ns = now + XEN_RECHECK_MS * MS;
	return guest_reconcile(ep, why, why_len);
}

static int
xen_guest_open(struct shmring_guest_ep *ep, char *why, size_t why_len)
{
	struct xen_guest *g;

	if (ep->cfg.devid > SHMRING_XEN_DEVID_MAX ||
	    (ep->cfg.peer_domid != SHMRING_XEN_DOMID_ANY &&
	     ep->cfg.peer_domid > SHMRING_XEN_DOMID_MAX)) {
		WHY("xen: devid %u (max %u) or backend domain %u invalid",
		    ep->cfg.devid, SHMRING_XEN_DEVID_MAX, ep->cfg.peer_domid);
		return SHMRING_E_CONFIG;
	}
	if (ep->info.layout.region_size > SHMRING_XEN_REGION_MAX) {
		WHY("xen: a region of %llu bytes needs more than %u directory "
		    "pages; at most %llu bytes can be offered through "
		    "xenstore (fewer queues, ring-size or slot-size)",
		    (unsigned long long)ep->info.layout.region_size,
		    SHMRING_XEN_DIR_PAGES_MAX,
		    (unsigned long long)SHMRING_XEN_REGION_MAX);
		return SHMRING_E_CONFIG;
	}
	g = calloc(1, sizeof(*g));
	if (g == NULL) {
		WHY("out of memory for the xen transport");
		return SHMRING_E_SYSTEM;
	}
	g->backend = SHMRING_XEN_DOMID_ANY;
	g->dirty = true;
	g->xs = xs_open(0);
	if (g->xs == NULL) {
		WHY("cannot open xenstore: %s (is this a Xen domain with "
		    "/dev/xen/xenbus?)", strerror(errno));
		free(g);
		return SHMRING_E_SYSTEM;
	}
	if (!xst_self_domid(g->xs, &g->self)) {
		WHY("cannot read this domain's id from xenstore");
		goto fail_xs;
	}
	xst_path(g->fe, sizeof(g->fe), SHMRING_XEN_FE_FMT, g->self,
		 ep->cfg.devid);
	if (xg_region_open(&g->r, ep->info.layout.region_size, why,
			   why_len) != 0)
		goto fail_xs;
	ep->base = g->r.base;
	ep->priv = g;
	shmring_ep_guest_region_init(ep);
	/* The frontend directory is Dom0's to create; watch it either way. */
	xs_watch(g->xs, g->fe, "fe");
	return SHMRING_OK;

fail_xs:
	xs_close(g->xs);
	free(g);
	return SHMRING_E_SYSTEM;
}

static void
xen_guest_close(struct shmring_guest_ep *ep)
{
	struct shmring_region_hdr *h = ep->base;
	struct xen_guest *g = ep->priv;

	if (g == NULL)
		return;
	shmring_side_set_live(&h->guest, SHMRING_SIDE_GONE);
	/* Tell DomS, unless Dom0 already removed the directory. */
	if (g->published)
		guest_set_state(g, SHMRING_XB_CLOSED);
	xs_unwatch(g->xs, g->fe, "fe");
	if (g->backend != SHMRING_XEN_DOMID_ANY)
		xs_unwatch(g->xs, g->be, "be");
	xg_region_close(&g->r);
	xs_close(g->xs);
	free(g);
	ep->priv = NULL;
	ep->base = NULL;
	ep->attached = false;
}

/* The caller's data path left the region: a move may be waiting. */
static void
xen_guest_quiesced(struct shmring_guest_ep *ep)
{
	struct xen_guest *g = ep->priv;

	g->dirty = true;	/* look again at the next poll */
}

/* ----------------------------------------------------------------- DomS */

enum xen_doms_state {
	XD_IDLE,	/* not mapped: poll() looks for an offer */
	XD_UP,		/* mapped, guest there */
	XD_DOWN,	/* guest gone, mapped until detach() */
};

struct xen_doms {
	struct xs_handle *xs;
	xengnttab_handle *gt;
	uint32_t self;
	char fe[XST_PATH_MAX];
	char be[XST_PATH_MAX];
	enum xen_doms_state state;
	struct xd_map map;
	uint32_t offer_epoch;		/* fe epoch of the mapped offer */
	bool limits_written;
	bool dirty;
	uint64_t next_check_ns;
	uint64_t last_check_ns;
	/* Hold-off against a flapping guest (see XEN_HOLD_MIN_MS). */
	uint32_t flaps;			/* in a row, since it was stable */
	uint32_t hold_ms;		/* the current hold-off */
	bool hold_at_detach;		/* start it when detach() unmaps */
	uint64_t hold_until_ns;		/* no map before this */
	uint64_t up_since_ns;		/* attached since */
};

/*
 * The guest made us drop its region or refuse its offer: the next map
 * waits for a hold-off twice as long as the last one.  Returns it (ms).
 */
static uint32_t
doms_flap(struct xen_doms *d, uint64_t now, bool after_detach)
{
	uint32_t ms = XEN_HOLD_MIN_MS;
	uint32_t i;

	if (d->flaps < UINT32_MAX)
		d->flaps++;
	for (i = 1; i < d->flaps && ms < XEN_HOLD_MAX_MS; i++)
		ms *= 2;
	if (ms > XEN_HOLD_MAX_MS)
		ms = XEN_HOLD_MAX_MS;
	d->hold_ms = ms;
	d->hold_at_detach = after_detach;
	d->hold_until_ns = now + (uint64_t)ms * MS;
	return ms;
}

/* What the guest offers, read as one xenstore snapshot. */
struct fe_view {
	uint32_t state;
	uint32_t granted_to;
	uint32_t epoch;
	struct shmring_msg_offer offer;
	uint32_t dir_refs[SHMRING_XEN_DIR_PAGES_MAX];
	uint32_t ndir;
	int rc;			/* XST_OK when every key was valid */
	uint64_t max_region;	/* our limit, and what xenstore can carry */
	const char *fe;
};

static int
doms_read_offer_tx(struct xs_handle *xs, xs_transaction_t t, void *arg)
{
	struct fe_view *v = arg;
	const char *fe = v->fe;
	uint32_t qp = 0, f = 0, ring = 0, slot = 0, mtu = 0, pages;
	char p[XST_PATH_MAX];
	uint64_t rs = 0;

	v->rc = XST_MISSING;
	v->ndir = 0;
	if (xst_read_key_u32(xs, t, fe, SHMRING_XS_STATE, 255,
			     &v->state) != XST_OK)
		v->state = SHMRING_XB_UNKNOWN;
	if (v->state != SHMRING_XB_INITIALISED &&
	    v->state != SHMRING_XB_CONNECTED)
		return 0;
	if (xst_read_key_u32(xs, t, fe, SHMRING_XS_GRANTED_TO,
			     SHMRING_XEN_DOMID_MAX, &v->granted_to) != XST_OK ||
	    xst_read_key_u32(xs, t, fe, SHMRING_XS_EPOCH, UINT32_MAX,
			     &v->epoch) != XST_OK ||
	    xst_read_key_u32(xs, t, fe, SHMRING_XS_FEATURES, UINT32_MAX,
			     &f) != XST_OK ||
	    xst_read_key_u32(xs, t, fe, SHMRING_XS_QUEUES, UINT16_MAX,
			     &qp) != XST_OK ||
	    xst_read_key_u32(xs, t, fe, SHMRING_XS_RING_SIZE, UINT32_MAX,
			     &ring) != XST_OK ||
	    xst_read_key_u32(xs, t, fe, SHMRING_XS_SLOT_SIZE, UINT32_MAX,
			     &slot) != XST_OK ||
	    xst_read_key_u32(xs, t, fe, SHMRING_XS_MTU, UINT32_MAX,
			     &mtu) != XST_OK ||
	    xst_read_key_u64(xs, t, fe, SHMRING_XS_REGION_SIZE,
			     v->max_region, &rs) != XST_OK) {
		v->rc = XST_INVALID;
		return 0;
	}
	v->offer.features = f;
	v->offer.n_qp = (uint16_t)qp;
	v->offer.ring_size = ring;
	v->offer.slot_size = slot;
	v->offer.mtu = mtu;
	v->offer.guest_epoch = v->epoch;
	v->offer.region_size = rs;
	/*
	 * The number of refs follows from the size, which is already
	 * bounded by our limit: never allocate what the guest claims.
	 */
	if (rs == 0 || rs % SHMRING_PAGE_SIZE != 0) {
		v->rc = XST_INVALID;
		return 0;
	}
	pages = (uint32_t)(rs / SHMRING_PAGE_SIZE);
	v->ndir = xg_dir_pages(pages);
	if (v->ndir > SHMRING_XEN_DIR_PAGES_MAX ||
	    !xst_path(p, sizeof(p), "%s/" SHMRING_XS_REF_DIR, fe) ||
	    xst_read_u32_list(xs, t, p, v->dir_refs, v->ndir) != XST_OK) {
		v->rc = XST_INVALID;
		return 0;
	}
	v->rc = XST_OK;
	return 0;
}

/*
 * Our backend directory belongs to Dom0: it creates it (xenshm-ctl
 * connect) and removes it (disconnect).  xenstore creates missing parents
 * on a write, so a plain write racing that removal would bring the
 * directory back, and a guest could look served by a DomS it was moved
 * away from.  Every write of ours checks that Dom0's "online" key is
 * still there, in the same transaction.
 */
struct be_write {
	struct xen_doms *d;
	const char *key;
	const char *val;
};

static int
doms_be_write_tx(struct xs_handle *xs, xs_transaction_t t, void *arg)
{
	const struct be_write *w = arg;
	uint32_t online;

	if (xst_read_key_u32(xs, t, w->d->be, SHMRING_XS_ONLINE, 1,
			     &online) != XST_OK)
		return 1;	/* gone: write nothing */
	return xst_write_key_str(xs, t, w->d->be, w->key, w->val) ? 0 : -1;
}

static bool
doms_be_write(struct xen_doms *d, const char *key, const char *val)
{
	struct be_write w = { .d = d, .key = key, .val = val };

	return xst_transaction(d->xs, doms_be_write_tx, &w) == 0;
}

static void
doms_set_state(struct xen_doms *d, enum shmring_xenbus_state s)
{
	char v[12];

	snprintf(v, sizeof(v), "%u", (unsigned int)s);
	doms_be_write(d, SHMRING_XS_STATE, v);
}

/* The largest region we map over Xen: our limit, and ref-dir's. */
static uint64_t
doms_max_region(const struct shmring_doms_ep *ep)
{
	return ep->limits.max_region_size < SHMRING_XEN_REGION_MAX ?
		ep->limits.max_region_size : SHMRING_XEN_REGION_MAX;
}

static int
doms_limits_tx(struct xs_handle *xs, xs_transaction_t t, void *arg)
{
	struct shmring_doms_ep *ep = arg;
	struct xen_doms *d = ep->priv;
	const struct shmring_limits *l = &ep->limits;
	uint32_t online;

	/* Only into a directory Dom0 still has (see doms_be_write). */
	if (xst_read_key_u32(xs, t, d->be, SHMRING_XS_ONLINE, 1,
			     &online) != XST_OK)
		return -1;
	if (!xst_write_key_u64(xs, t, d->be, SHMRING_XS_FEATURES,
			       SHMRING_F_KNOWN) ||
	    !xst_write_key_u64(xs, t, d->be, SHMRING_XS_MAX_QUEUES,
			       l->max_qp) ||
	    !xst_write_key_u64(xs, t, d->be, SHMRING_XS_MAX_RING_SIZE,
			       l->max_ring_size) ||
	    !xst_write_key_u64(xs, t, d->be, SHMRING_XS_MAX_SLOT_SIZE,
			       l->max_slot_size) ||
	    !xst_write_key_u64(xs, t, d->be, SHMRING_XS_MAX_MTU,
			       l->max_mtu) ||
	    !xst_write_key_u64(xs, t, d->be, SHMRING_XS_MAX_REGION_SIZE,
			       doms_max_region(ep)) ||
	    !xst_write_key_u64(xs, t, d->be, SHMRING_XS_STATE,
			       SHMRING_XB_INITWAIT))
		return -1;
	return 0;
}

/*
 * Refuse the guest's offer: the sentence goes to our error key and to
 * the caller (PEER_REJECTED, every time: the hold-off bounds how often),
 * and the next attempt waits for the hold-off.
 */
static int
doms_reject(struct shmring_doms_ep *ep, int err, char *why, size_t why_len)
{
	struct xen_doms *d = ep->priv;
	uint32_t ms = doms_flap(d, xst_now_ns(), false);
	size_t n;

	ep->last_err = err;
	if (why != NULL && why_len > 0) {
		n = strlen(why);
		if (n < why_len)
			snprintf(why + n, why_len - n, " (refusal %u in a row; "
				 "next look in %u ms)", d->flaps, ms);
		doms_be_write(d, SHMRING_XS_ERROR, why);
	}
	return SHMRING_EV_PEER_REJECTED;
}

static int
doms_attach(struct shmring_doms_ep *ep, char *why, size_t why_len)
{
	struct xen_doms *d = ep->priv;
	uint32_t guest = ep->cfg.peer_domid;
	struct shmring_region_info info;
	struct shmring_region_hdr *h;
	uint32_t online, st;
	struct fe_view v;
	char p[XST_PATH_MAX];
	int rc;

	if (xst_read_key_u32(d->xs, XBT_NULL, d->be, SHMRING_XS_ONLINE, 1,
			     &online) != XST_OK) {
		WHY("guest %u device %u is not assigned to this domain "
		    "(no %s; run xenshm-ctl connect in Dom0)", guest,
		    ep->cfg.devid, d->be);
		d->limits_written = false;
		ep->last_err = SHMRING_E_NO_PEER;
		return SHMRING_EV_NONE;
	}
	if (online == 0) {
		WHY("guest %u device %u is being disconnected by Dom0",
		    guest, ep->cfg.devid);
		doms_set_state(d, SHMRING_XB_CLOSED);
		ep->last_err = SHMRING_E_NO_PEER;
		return SHMRING_EV_NONE;
	}
	/* Publish our limits (HELLO) and wait for an offer (InitWait). */
	if (xst_read_key_u32(d->xs, XBT_NULL, d->be, SHMRING_XS_STATE, 255,
			     &st) != XST_OK || st != SHMRING_XB_INITWAIT ||
	    !d->limits_written) {
		if (xst_transaction(d->xs, doms_limits_tx, ep) != 0) {
			WHY("cannot write our limits to %s: %s", d->be,
			    strerror(errno));
			ep->last_err = SHMRING_E_SYSTEM;
			return SHMRING_EV_NONE;
		}
		d->limits_written = true;
	}

	memset(&v, 0, sizeof(v));
	v.max_region = doms_max_region(ep);
	v.fe = d->fe;
	if (xst_transaction_n(d->xs, doms_read_offer_tx, &v,
			      XEN_DOMS_TX_TRIES) != 0) {
		if (errno == EAGAIN) {
			WHY("guest %u rewrites %s faster than it can be read",
			    guest, d->fe);
			return doms_reject(ep, SHMRING_E_MSG_BAD, why,
					   why_len);
		}
		WHY("cannot read %s: %s", d->fe, strerror(errno));
		ep->last_err = SHMRING_E_SYSTEM;
		return SHMRING_EV_NONE;
	}
	if (v.rc == XST_MISSING) {
		WHY("waiting for an offer from guest %u (frontend state %s)",
		    guest, shmring_xenbus_state_name(v.state));
		ep->last_err = SHMRING_E_NO_PEER;
		return SHMRING_EV_NONE;
	}
	if (v.rc == XST_INVALID) {
		WHY("guest %u wrote a malformed or oversized offer in %s",
		    guest, d->fe);
		return doms_reject(ep, SHMRING_E_MSG_BAD, why, why_len);
	}
	if (v.granted_to != d->self) {
		WHY("guest %u has not granted its region to us (domain %u) "
		    "yet", guest, d->self);
		ep->last_err = SHMRING_E_NO_PEER;
		return SHMRING_EV_NONE;
	}

	rc = shmring_offer_check(&v.offer, &ep->limits, &info, why, why_len);
	if (rc != SHMRING_OK)
		return doms_reject(ep, rc, why, why_len);
	if (xd_map_region(d->gt, guest, v.dir_refs,
			  (uint32_t)(v.offer.region_size / SHMRING_PAGE_SIZE),
			  &d->map, why, why_len) != 0)
		return doms_reject(ep, SHMRING_E_SYSTEM, why, why_len);
	/* The same header rules as on the host transport. */
	rc = shmring_ep_doms_verify(d->map.base, v.offer.region_size,
				    &v.offer, &ep->info, why, why_len);
	h = (struct shmring_region_hdr *)d->map.base;
	if (rc == SHMRING_OK && side_live(&h->guest) == SHMRING_SIDE_GONE) {
		WHY("guest %u's region says it is gone", guest);
		rc = SHMRING_E_NO_PEER;
	}
	if (rc != SHMRING_OK) {
		xd_unmap_region(d->gt, &d->map);
		return doms_reject(ep, rc, why, why_len);
	}
	shmring_ep_doms_claim(ep, d->map.base);
	ep->base = d->map.base;
	ep->peer_epoch = v.epoch;
	ep->attached = true;
	ep->last_err = SHMRING_OK;
	d->offer_epoch = v.epoch;
	d->state = XD_UP;
	d->up_since_ns = xst_now_ns();
	if (xst_path(p, sizeof(p), "%s/" SHMRING_XS_ERROR, d->be))
		xs_rm(d->xs, XBT_NULL, p);
	doms_set_state(d, SHMRING_XB_CONNECTED);
	WHY("attached to guest %u device %u: %u pages (guest epoch %u, "
	    "DomS epoch %u)", guest, ep->cfg.devid, d->map.npages,
	    ep->peer_epoch, ep->epoch);
	return SHMRING_EV_PEER_UP;
}

/*
 * The guest went away; 'why' already says how.  'by_guest': the guest's
 * doing (it counts towards the hold-off), not Dom0's.
 */
static int
doms_down(struct shmring_doms_ep *ep, bool by_guest, char *why,
	  size_t why_len)
{
	struct xen_doms *d = ep->priv;
	uint64_t now = xst_now_ns();
	size_t n;

	/* Keep the mapping: the data path may still be in it. */
	d->state = XD_DOWN;
	ep->attached = false;
	ep->last_err = SHMRING_E_NO_PEER;
	if (now - d->up_since_ns >= (uint64_t)XEN_STABLE_MS * MS)
		d->flaps = 0;	/* it had settled: a fresh start */
	if (by_guest) {
		uint32_t ms = doms_flap(d, now, true);

		if (why != NULL && d->flaps > 1 && (n = strlen(why)) < why_len)
			snprintf(why + n, why_len - n, " (left %u times in a "
				 "row; next map in %u ms)", d->flaps, ms);
	}
	return SHMRING_EV_PEER_DOWN;
}

/* What tells DomS that the guest still offers the region it mapped. */
struct up_view {
	const struct xen_doms *d;
	int online;		/* -1: no backend directory */
	uint32_t state, epoch, granted_to;
	bool have_offer;	/* epoch and granted-to valid */
};

static int
doms_check_tx(struct xs_handle *xs, xs_transaction_t t, void *arg)
{
	struct up_view *v = arg;
	const struct xen_doms *d = v->d;
	uint32_t online;

	v->online = -1;
	v->have_offer = false;
	if (xst_read_key_u32(xs, t, d->be, SHMRING_XS_ONLINE, 1,
			     &online) == XST_OK)
		v->online = (int)online;
	if (xst_read_key_u32(xs, t, d->fe, SHMRING_XS_STATE, 255,
			     &v->state) != XST_OK)
		v->state = SHMRING_XB_UNKNOWN;
	v->have_offer =
		xst_read_key_u32(xs, t, d->fe, SHMRING_XS_EPOCH, UINT32_MAX,
				 &v->epoch) == XST_OK &&
		xst_read_key_u32(xs, t, d->fe, SHMRING_XS_GRANTED_TO,
				 SHMRING_XEN_DOMID_MAX,
				 &v->granted_to) == XST_OK;
	return 0;
}

/* Attached: is the guest still there and still offering this region? */
static int
doms_check_up(struct shmring_doms_ep *ep, char *why, size_t why_len)
{
	struct xen_doms *d = ep->priv;
	uint32_t g = ep->cfg.peer_domid;
	struct up_view v = { .d = d };

	/*
	 * One snapshot of both directories, like the offer.  A guest that
	 * keeps it from being taken costs XEN_DOMS_TX_TRIES attempts per
	 * check, a check per XEN_MIN_CHECK_MS at most; it stays attached
	 * until the snapshot shows it left.
	 */
	if (xst_transaction_n(d->xs, doms_check_tx, &v,
			      XEN_DOMS_TX_TRIES) != 0)
		return SHMRING_EV_NONE;
	if (v.online != 1) {
		WHY("guest %u device %u disconnected by Dom0", g,
		    ep->cfg.devid);
		return doms_down(ep, false, why, why_len);
	}
	if (v.state != SHMRING_XB_INITIALISED &&
	    v.state != SHMRING_XB_CONNECTED) {
		WHY("guest %u left (frontend state %s; gone if Unknown)", g,
		    shmring_xenbus_state_name(v.state));
		return doms_down(ep, true, why, why_len);
	}
	if (!v.have_offer || v.epoch != d->offer_epoch ||
	    v.granted_to != d->self) {
		WHY("guest %u withdrew the offer we mapped (epoch %u)", g,
		    d->offer_epoch);
		return doms_down(ep, true, why, why_len);
	}
	return SHMRING_EV_NONE;
}

static int
xen_doms_poll(struct shmring_doms_ep *ep, char *why, size_t why_len)
{
	struct xen_doms *d = ep->priv;
	uint64_t now;

	if (d->state == XD_DOWN)
		return SHMRING_EV_NONE;
	if (d->state == XD_UP) {
		const struct shmring_region_hdr *h =
			(const struct shmring_region_hdr *)d->map.base;
		uint8_t live = side_live(&h->guest);

		if (live == SHMRING_SIDE_GONE) {
			WHY("guest %u's process went away (its live byte is "
			    "0)", ep->cfg.peer_domid);
			return doms_down(ep, true, why, why_len);
		}
	}
	now = xst_now_ns();
	if (xst_drain_watches(d->xs) > 0)
		d->dirty = true;
	if (d->state == XD_IDLE && now < d->hold_until_ns) {
		/* Cheap: no xenstore, no grant table until it ends. */
		WHY("guest %u left or was refused %u times in a row: not "
		    "mapping its region before a %u ms hold-off ends",
		    ep->cfg.peer_domid, d->flaps, d->hold_ms);
		ep->last_err = SHMRING_E_NO_PEER;
		d->dirty = true;	/* look right after it */
		return SHMRING_EV_NONE;
	}
	if (now < d->last_check_ns + XEN_MIN_CHECK_MS * MS ||
	    (!d->dirty && now < d->next_check_ns))
		return SHMRING_EV_NONE;
	d->dirty = false;
	d->last_check_ns = now;
	d->next_check_ns = now + XEN_RECHECK_MS * MS;
	if (d->state == XD_UP)
		return doms_check_up(ep, why, why_len);
	return doms_attach(ep, why, why_len);
}

static int
xen_doms_open(struct shmring_doms_ep *ep, char *why, size_t why_len)
{
	struct xen_doms *d;
	uint32_t guest = ep->cfg.peer_domid;

	if (guest > SHMRING_XEN_DOMID_MAX ||
	    ep->cfg.devid > SHMRING_XEN_DEVID_MAX) {
		WHY("xen: guest domain %u or devid %u invalid (max %u/%u)",
		    guest, ep->cfg.devid, SHMRING_XEN_DOMID_MAX,
		    SHMRING_XEN_DEVID_MAX);
		return SHMRING_E_CONFIG;
	}
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		WHY("out of memory for the xen transport");
		return SHMRING_E_SYSTEM;
	}
	d->dirty = true;
	d->xs = xs_open(0);
	if (d->xs == NULL) {
		WHY("cannot open xenstore: %s (is this a Xen domain with "
		    "/dev/xen/xenbus?)", strerror(errno));
		free(d);
		return SHMRING_E_SYSTEM;
	}
	if (!xst_self_domid(d->xs, &d->self)) {
		WHY("cannot read this domain's id from xenstore");
		goto fail;
	}
	if (d->self == guest) {
		WHY("xen: domain %u cannot be its own DomS", guest);
		goto fail;
	}
	d->gt = xengnttab_open(NULL, 0);
	if (d->gt == NULL) {
		WHY("cannot open /dev/xen/gntdev: %s (load xen-gntdev)",
		    strerror(errno));
		goto fail;
	}
	xst_path(d->fe, sizeof(d->fe), SHMRING_XEN_FE_FMT, guest,
		 ep->cfg.devid);
	xst_path(d->be, sizeof(d->be), SHMRING_XEN_BE_FMT, d->self, guest,
		 ep->cfg.devid);
	xs_watch(d->xs, d->be, "be");
	xs_watch(d->xs, d->fe, "fe");
	ep->priv = d;
	return SHMRING_OK;

fail:
	xs_close(d->xs);
	free(d);
	return SHMRING_E_SYSTEM;
}

static void
xen_doms_detach(struct shmring_doms_ep *ep)
{
	struct xen_doms *d = ep->priv;
	uint32_t online = 0;

	if (ep->base != NULL) {
		shmring_ep_doms_release(ep->base);
		xd_unmap_region(d->gt, &d->map);
		ep->base = NULL;
	}
	ep->attached = false;
	d->state = XD_IDLE;
	d->dirty = true;
	/* The hold-off runs from the unmap, not from PEER_DOWN. */
	if (d->hold_at_detach) {
		d->hold_at_detach = false;
		d->hold_until_ns = xst_now_ns() + (uint64_t)d->hold_ms * MS;
	}
	if (xst_read_key_u32(d->xs, XBT_NULL, d->be, SHMRING_XS_ONLINE, 1,
			     &online) == XST_OK)
		doms_set_state(d, online ? SHMRING_XB_INITWAIT :
			       SHMRING_XB_CLOSED);
}

static void
xen_doms_close(struct shmring_doms_ep *ep)
{
	struct xen_doms *d = ep->priv;

	if (d == NULL)
		return;
	xen_doms_detach(ep);
	/* Tell the guest we are gone (only if Dom0 still has us assigned). */
	doms_set_state(d, SHMRING_XB_CLOSED);
	xs_unwatch(d->xs, d->be, "be");
	xs_unwatch(d->xs, d->fe, "fe");
	xengnttab_close(d->gt);
	xs_close(d->xs);
	free(d);
	ep->priv = NULL;
}

const struct shmring_transport_ops shmring_transport_xen_ops = {
	.name = "xen",
	.guest_open = xen_guest_open,
	.guest_poll = xen_guest_poll,
	.guest_close = xen_guest_close,
	.guest_quiesced = xen_guest_quiesced,
	.doms_open = xen_doms_open,
	.doms_poll = xen_doms_poll,
	.doms_detach = xen_doms_detach,
	.doms_close = xen_doms_close,
};
