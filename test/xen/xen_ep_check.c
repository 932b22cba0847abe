/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * xenshm-xen-check: the Xen transport end to end, without DPDK.
 *
 *   xenshm-xen-check guest DEVID [BACKEND|any] [SECONDS]
 *   xenshm-xen-check doms  GUEST[,GUEST...] DEVID [SECONDS]
 *   xenshm-xen-check attack junk|flip|perms|forge DEVID
 *                          (a hostile guest's attacks on its own
 *                          frontend keys, run inside the guest)
 *
 * The guest sends numbered frames (a pattern derived from the number) on
 * queue pair 0; DomS echoes every frame it gets back to the guest; the
 * guest checks each echo: pattern intact, numbers strictly increasing
 * (a gap is a frame lost while DomS was away, allowed; a number seen
 * again or going back is a duplicate, not allowed).  Both sides print a
 * status line every second and a verdict at the end:
 *   XCHK <side> ... tx=N rx=N bad=N dup=N gap=N ups=N downs=N
 *   XCHK-VERDICT <side> PASS|FAIL <reason>
 * The guest passes if it received echoes and saw no bad frame and no
 * duplicate.  XENSHM_XCHK_CORRUPT=1 in DomS's environment flips a byte
 * in every 100th echo: the guest must then FAIL (shows the check bites).
 *
 * Single-threaded: the transport poll and the data path run in one loop,
 * so "quiesce after PEER_DOWN" is simply not touching the rings.
 */

#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "shmring_endpoint.h"
#include "shmring_err.h"
#include "shmring_region.h"
#include "shmring_ring.h"
#include "shmring_xen.h"
#include "shmring_xs_keys.h"
#include "xen_store.h"

#define POLL_PERIOD_NS	10000000ull	/* transport poll every 10 ms */
#define BURST		16
#define PPS		2000		/* frames per second offered */

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double
uptime(void)
{
	return now_ns() / 1e9;
}

/* Frame n: 8-byte number, then bytes (n * 31 + i) & 0xff; 60..1400 B. */
static uint32_t
frame_len(uint64_t n)
{
	return 60 + (uint32_t)((n * 7919) % 1341);
}

static void
frame_fill(uint8_t *p, uint64_t n, uint32_t len)
{
	uint32_t i;

	memcpy(p, &n, sizeof(n));
	for (i = sizeof(n); i < len; i++)
		p[i] = (uint8_t)(n * 31 + i);
}

static int
frame_ok(const uint8_t *p, uint32_t len, uint64_t *n)
{
	uint32_t i;

	if (len < sizeof(*n))
		return 0;
	memcpy(n, p, sizeof(*n));
	if (len != frame_len(*n))
		return 0;
	for (i = sizeof(*n); i < len; i++)
		if (p[i] != (uint8_t)(*n * 31 + i))
			return 0;
	return 1;
}

struct stats {
	uint64_t tx, rx, bad, dup, gap, ups, downs, rejects, ring_err;
};

static void
print_stats(const char *side, const struct stats *s, bool up)
{
	printf("XCHK %s t=%.1f %s tx=%llu rx=%llu bad=%llu dup=%llu gap=%llu "
	       "ups=%llu downs=%llu rejects=%llu ring_err=%llu\n", side,
	       uptime(), up ? "UP" : "DOWN", (unsigned long long)s->tx,
	       (unsigned long long)s->rx, (unsigned long long)s->bad,
	       (unsigned long long)s->dup, (unsigned long long)s->gap,
	       (unsigned long long)s->ups, (unsigned long long)s->downs,
	       (unsigned long long)s->rejects,
	       (unsigned long long)s->ring_err);
	fflush(stdout);
}

/* What the endpoint is waiting for, printed when it changes. */
static void
print_state(const char *side, const char *why)
{
	static char last[2][SHMRING_WHY_MAX];
	char *l = last[side[0] == 'g' ? 0 : 1];

	if (why[0] == '\0' || strcmp(l, why) == 0)
		return;
	snprintf(l, SHMRING_WHY_MAX, "%s", why);
	printf("XCHK-STATE %s t=%.1f %s\n", side, uptime(), why);
	fflush(stdout);
}

static void
print_event(const char *side, int ev, const char *why)
{
	static const char *const names[] = {
		"NONE", "PEER_UP", "PEER_DOWN", "PEER_REJECTED",
	};

	printf("XCHK-EVENT %s t=%.1f %s: %s\n", side, uptime(),
	       ev >= 0 && ev <= 3 ? names[ev] : "?", why);
	fflush(stdout);
}

/* ---------------------------------------------------------------- guest */

static int
run_guest(uint32_t devid, uint32_t backend, unsigned int seconds)
{
	struct shmring_endpoint_cfg cfg = {
		.transport = SHMRING_TRANSPORT_XEN,
		.peer_domid = backend,
		.devid = devid,
	};
	struct shmring_params par = {
		.features = 0,
		.n_qp = 1,
		.ring_size = SHMRING_DEFAULT_RING_SIZE,
		.slot_size = SHMRING_DEFAULT_SLOT_SIZE,
		.mtu = SHMRING_DEFAULT_MTU,
		.mac = { 0x02, 0, 0, 0, 0, 1 },
	};
	char why[SHMRING_WHY_MAX] = "";
	struct shmring_guest_ep *ep;
	struct shmring_prod tx;
	struct shmring_cons rx;
	struct stats s = { 0 };
	uint64_t next_seq = 0, last_rx = 0, t_poll = 0, t_stat, t_end;
	uint64_t credit_t;
	double credit = 0;
	bool up = false, rings = false, got_any = false;
	int rc;

	rc = shmring_guest_open(&ep, &cfg, &par, why, sizeof(why));
	if (rc != SHMRING_OK) {
		printf("XCHK-VERDICT guest FAIL open: %s: %s\n",
		       shmring_strerror(rc), why);
		return 1;
	}
	printf("XCHK guest pid=%d devid=%u backend=%d region=%llu bytes\n",
	       (int)getpid(), devid, backend == SHMRING_XEN_DOMID_ANY ? -1 :
	       (int)backend,
	       (unsigned long long)shmring_guest_info(ep)->layout.region_size);
	t_stat = now_ns() + 1000000000ull;
	t_end = seconds ? now_ns() + seconds * 1000000000ull : UINT64_MAX;
	credit_t = now_ns();
	while (!stop && now_ns() < t_end) {
		uint64_t now = now_ns();
		int err = SHMRING_OK;
		uint32_t i, n, avail;

		if (now >= t_poll) {
			t_poll = now + POLL_PERIOD_NS;
			why[0] = '\0';
			rc = shmring_guest_poll(ep, why, sizeof(why));
			if (rc != SHMRING_EV_NONE)
				print_event("guest", rc, why);
			else
				print_state("guest", why);
			if (rc == SHMRING_EV_PEER_UP) {
				const struct shmring_region_info *info =
					shmring_guest_info(ep);
				void *base = shmring_guest_base(ep);

				/* The indices carry on from the region. */
				if (shmring_prod_init(&tx, base, info,
					shmring_ring_g2d(0)) != SHMRING_OK ||
				    shmring_cons_init(&rx, base, info,
					shmring_ring_d2g(0)) != SHMRING_OK) {
					s.ring_err++;
					rings = false;
				} else {
					rings = true;
				}
				up = true;
				s.ups++;
			} else if (rc == SHMRING_EV_PEER_DOWN) {
				up = false;
				s.downs++;
				/* One thread: no burst is running now. */
				shmring_guest_quiesced(ep);
			} else if (rc == SHMRING_EV_PEER_REJECTED) {
				s.rejects++;
			}
		}
		if (now >= t_stat) {
			t_stat = now + 1000000000ull;
			print_stats("guest", &s, up);
		}
		credit += (now - credit_t) * (PPS / 1e9);
		credit_t = now;
		if (credit > BURST)
			credit = BURST;
		if (!up || !rings) {
			usleep(1000);
			continue;
		}
		/* send */
		n = (uint32_t)credit;
		avail = shmring_prod_free(&tx, n, &err);
		if (err != SHMRING_OK) {
			s.ring_err++;
			rings = false;
			continue;
		}
		if (n > avail)
			n = avail;
		for (i = 0; i < n; i++) {
			struct shmring_desc *d = shmring_prod_desc(&tx, i);
			uint32_t off, len = frame_len(next_seq);
			uint8_t *p = shmring_prod_slot(&tx, i, &off);

			frame_fill(p, next_seq, len);
			d->offset = off;
			d->len = len;
			d->flags = 0;
			d->rsvd = 0;
			d->meta = 0;
			next_seq++;
		}
		if (n) {
			shmring_prod_commit(&tx, n);
			s.tx += n;
			credit -= n;
		}
		/* receive echoes */
		avail = shmring_cons_avail(&rx, BURST, &err);
		if (err != SHMRING_OK) {
			s.ring_err++;
			rings = false;
			continue;
		}
		for (i = 0; i < avail && i < BURST; i++) {
			struct shmring_desc d;
			uint64_t seq;

			shmring_desc_fetch(&rx.desc[(rx.cons + i) & rx.mask],
					   &d);
			if (shmring_desc_check(&rx, &d) != SHMRING_OK ||
			    !frame_ok(shmring_cons_data(&rx, &d), d.len,
				      &seq)) {
				s.bad++;
				continue;
			}
			if (got_any && seq <= last_rx)
				s.dup++;
			else if (got_any && seq != last_rx + 1)
				s.gap++;
			last_rx = seq;
			got_any = true;
			s.rx++;
		}
		if (i)
			shmring_cons_release(&rx, i);
		if (n == 0 && i == 0)
			usleep(1000);
	}
	print_stats("guest", &s, up);
	shmring_guest_close(ep);
	if (s.rx == 0) {
		printf("XCHK-VERDICT guest FAIL no echo received\n");
		return 1;
	}
	if (s.bad || s.dup || s.ring_err) {
		printf("XCHK-VERDICT guest FAIL bad=%llu dup=%llu "
		       "ring_err=%llu\n", (unsigned long long)s.bad,
		       (unsigned long long)s.dup,
		       (unsigned long long)s.ring_err);
		return 1;
	}
	printf("XCHK-VERDICT guest PASS rx=%llu gap=%llu ups=%llu\n",
	       (unsigned long long)s.rx, (unsigned long long)s.gap,
	       (unsigned long long)s.ups);
	return 0;
}

/* ----------------------------------------------------------------- DomS */

/*
 * DomS serves up to MAX_PORTS guests from ONE loop, as a PMD's control
 * alarm does: whatever one port's poll costs (a map, xenstore), every
 * other port waits for it.  Each stats line says how long the longest
 * poll of that port took in the last second (poll_max_us), so a test
 * can see a hostile guest cost the others nothing.
 */
#define MAX_PORTS	4

struct doms_port {
	uint32_t guest, devid;
	struct shmring_doms_ep *ep;
	struct shmring_cons rx;
	struct shmring_prod tx;
	struct stats s;
	bool up;
	uint64_t echoed;
	uint64_t poll_max_ns;
	char side[24];		/* "doms" or "doms port=G" */
	char state[SHMRING_WHY_MAX];	/* last state printed */
};

static void
doms_port_poll(struct doms_port *pt)
{
	char why[SHMRING_WHY_MAX] = "";
	uint64_t t0 = now_ns(), dt;
	int rc;

	rc = shmring_doms_poll(pt->ep, why, sizeof(why));
	dt = now_ns() - t0;
	if (dt > pt->poll_max_ns)
		pt->poll_max_ns = dt;
	if (rc != SHMRING_EV_NONE) {
		print_event(pt->side, rc, why);
	} else if (why[0] != '\0' && strcmp(pt->state, why) != 0) {
		snprintf(pt->state, sizeof(pt->state), "%s", why);
		printf("XCHK-STATE %s t=%.1f %s\n", pt->side, uptime(), why);
		fflush(stdout);
	}
	if (rc == SHMRING_EV_PEER_UP) {
		const struct shmring_region_info *info =
			shmring_doms_info(pt->ep);
		void *base = shmring_doms_base(pt->ep);

		if (shmring_cons_init(&pt->rx, base, info,
				      shmring_ring_g2d(0)) != SHMRING_OK ||
		    shmring_prod_init(&pt->tx, base, info,
				      shmring_ring_d2g(0)) != SHMRING_OK) {
			pt->s.ring_err++;
			shmring_doms_detach(pt->ep);
		} else {
			pt->up = true;
			pt->s.ups++;
		}
	} else if (rc == SHMRING_EV_PEER_DOWN) {
		pt->up = false;
		pt->s.downs++;
		shmring_doms_detach(pt->ep);
	} else if (rc == SHMRING_EV_PEER_REJECTED) {
		pt->s.rejects++;
	}
}

/* Echo one burst; false if there was nothing to do. */
static bool
doms_port_echo(struct doms_port *pt, bool corrupt)
{
	int err = SHMRING_OK;
	uint32_t i, n, room;

	if (!pt->up)
		return false;
	n = shmring_cons_avail(&pt->rx, BURST, &err);
	if (err == SHMRING_OK)
		room = shmring_prod_free(&pt->tx, n, &err);
	else
		room = 0;
	if (err != SHMRING_OK) {
		/* A broken peer: drop it, as a PMD disables a port. */
		pt->s.ring_err++;
		pt->up = false;
		shmring_doms_detach(pt->ep);
		return false;
	}
	if (n > room)
		n = room;
	if (n > BURST)
		n = BURST;
	for (i = 0; i < n; i++) {
		struct shmring_desc d, *o;
		uint32_t off;
		uint8_t *p;

		shmring_desc_fetch(&pt->rx.desc[(pt->rx.cons + i) &
						pt->rx.mask], &d);
		if (shmring_desc_check(&pt->rx, &d) != SHMRING_OK ||
		    d.flags != 0) {
			pt->s.bad++;
			d.len = 0;
		}
		o = shmring_prod_desc(&pt->tx, i);
		p = shmring_prod_slot(&pt->tx, i, &off);
		if (d.len > 0)
			memcpy(p, shmring_cons_data(&pt->rx, &d), d.len);
		else
			p[0] = 0, d.len = 1;	/* a visible reject */
		if (corrupt && ++pt->echoed % 100 == 0)
			p[d.len - 1] ^= 0x5a;
		o->offset = off;
		o->len = d.len;
		o->flags = 0;
		o->rsvd = 0;
		o->meta = 0;
	}
	if (n == 0)
		return false;
	/*
	 * Release the guest's frames before publishing the echoes: if we
	 * die in between, frames are lost, never delivered twice.
	 */
	shmring_cons_release(&pt->rx, n);
	shmring_prod_commit(&pt->tx, n);
	pt->s.rx += n;
	pt->s.tx += n;
	return true;
}

static void
doms_port_stats(struct doms_port *pt, unsigned int nports)
{
	struct stats *s = &pt->s;

	/* One port: the line the scenario always parsed. */
	if (nports == 1) {
		print_stats("doms", s, pt->up);
		return;
	}
	printf("XCHK doms t=%.1f port=%u %s tx=%llu rx=%llu bad=%llu "
	       "ups=%llu downs=%llu rejects=%llu ring_err=%llu "
	       "poll_max_us=%llu\n", uptime(), pt->guest,
	       pt->up ? "UP" : "DOWN", (unsigned long long)s->tx,
	       (unsigned long long)s->rx, (unsigned long long)s->bad,
	       (unsigned long long)s->ups, (unsigned long long)s->downs,
	       (unsigned long long)s->rejects,
	       (unsigned long long)s->ring_err,
	       (unsigned long long)(pt->poll_max_ns / 1000));
	fflush(stdout);
	pt->poll_max_ns = 0;
}

static int
run_doms(const uint32_t *guests, unsigned int nports, uint32_t devid,
	 unsigned int seconds)
{
	struct doms_port ports[MAX_PORTS];
	char why[SHMRING_WHY_MAX] = "";
	uint64_t t_poll = 0, t_stat, t_end, total = 0;
	unsigned int i;
	bool corrupt, busy;
	int rc;

	corrupt = getenv("XENSHM_XCHK_CORRUPT") != NULL &&
		strcmp(getenv("XENSHM_XCHK_CORRUPT"), "1") == 0;
	memset(ports, 0, sizeof(ports));
	for (i = 0; i < nports; i++) {
		struct shmring_endpoint_cfg cfg = {
			.transport = SHMRING_TRANSPORT_XEN,
			.peer_domid = guests[i],
			.devid = devid,
		};
		struct doms_port *pt = &ports[i];

		pt->guest = guests[i];
		pt->devid = devid;
		if (nports == 1)
			snprintf(pt->side, sizeof(pt->side), "doms");
		else
			snprintf(pt->side, sizeof(pt->side), "doms port=%u",
				 guests[i]);
		rc = shmring_doms_open(&pt->ep, &cfg, NULL, why, sizeof(why));
		if (rc != SHMRING_OK) {
			printf("XCHK-VERDICT doms FAIL open port %u: %s: %s\n",
			       guests[i], shmring_strerror(rc), why);
			return 1;
		}
	}
	printf("XCHK doms pid=%d guest=%u devid=%u ports=%u%s\n",
	       (int)getpid(), guests[0], devid, nports,
	       corrupt ? " CORRUPTING every 100th echo" : "");
	t_stat = now_ns() + 1000000000ull;
	t_end = seconds ? now_ns() + seconds * 1000000000ull : UINT64_MAX;
	while (!stop && now_ns() < t_end) {
		uint64_t now = now_ns();

		if (now >= t_poll) {
			t_poll = now + POLL_PERIOD_NS;
			for (i = 0; i < nports; i++)
				doms_port_poll(&ports[i]);
		}
		if (now >= t_stat) {
			t_stat = now + 1000000000ull;
			for (i = 0; i < nports; i++)
				doms_port_stats(&ports[i], nports);
		}
		busy = false;
		for (i = 0; i < nports; i++)
			busy |= doms_port_echo(&ports[i], corrupt);
		if (!busy)
			usleep(1000);
	}
	for (i = 0; i < nports; i++) {
		doms_port_stats(&ports[i], nports);
		total += ports[i].s.rx;
		shmring_doms_close(ports[i].ep);
	}
	printf("XCHK-VERDICT doms %s echoed=%llu ups=%llu\n",
	       total ? "PASS" : "FAIL", (unsigned long long)total,
	       (unsigned long long)ports[0].s.ups);
	return total ? 0 : 1;
}

/* ------------------------------------------------------------- attacks */

/*
 * A hostile guest: attacks on its own frontend directory, run from
 * inside the guest domain (everything in that directory is the guest's
 * to write).  In C rather than with xenstore-write in a shell loop, so
 * the pace does not depend on how fast a starved domU forks.
 */
static bool
xs_put(struct xs_handle *xs, const char *fe, const char *key,
       const char *val, uint64_t *fails)
{
	char p[XST_PATH_MAX];

	if (!xst_path(p, sizeof(p), "%s/%s", fe, key) ||
	    !xs_write(xs, XBT_NULL, p, val, strlen(val))) {
		(*fails)++;
		return false;
	}
	return true;
}

/* Set 'fe' and every node directly in it to 'perms'. */
static void
chmod_fe(struct xs_handle *xs, const char *fe, struct xs_permissions *perms,
	 unsigned int n, uint64_t *fails)
{
	char p[XST_PATH_MAX];
	unsigned int i, num = 0;
	char **ents;

	if (!xs_set_permissions(xs, XBT_NULL, fe, perms, n))
		(*fails)++;
	ents = xs_directory(xs, XBT_NULL, fe, &num);
	for (i = 0; ents != NULL && i < num; i++) {
		if (!xst_path(p, sizeof(p), "%s/%s", fe, ents[i]) ||
		    !xs_set_permissions(xs, XBT_NULL, p, perms, n))
			(*fails)++;
	}
	free(ents);
}

static int
run_attack(const char *name, uint32_t devid)
{
	char fe[XST_PATH_MAX], big[2001], huge[5001], val[32];
	uint64_t rounds = 0, fails = 0, t_end;
	struct xs_handle *xs;
	uint32_t self, doms = 0, e;

	xs = xs_open(0);
	if (xs == NULL || !xst_self_domid(xs, &self)) {
		printf("XCHK-ATTACK %s FAIL cannot open xenstore\n", name);
		return 1;
	}
	xst_path(fe, sizeof(fe), SHMRING_XEN_FE_FMT, self, devid);
	memset(big, '9', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memset(huge, '7', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	xst_read_key_u32(xs, XBT_NULL, fe, SHMRING_XS_BACKEND_ID,
			 SHMRING_XEN_DOMID_MAX, &doms);

	if (strcmp(name, "junk") == 0) {
		/* Junk, oversized (2000 digits; 5000 is over xenstored's
		 * limit and fails), rewritten as fast as xenstored takes it:
		 * at least 6 s and 50 rounds. */
		t_end = now_ns() + 6000000000ull;
		while (!stop && (now_ns() < t_end || rounds < 50)) {
			xs_put(xs, fe, SHMRING_XS_QUEUES, "1x", &fails);
			xs_put(xs, fe, SHMRING_XS_RING_SIZE, "-1", &fails);
			xs_put(xs, fe, SHMRING_XS_REGION_SIZE, big, &fails);
			xs_put(xs, fe, SHMRING_XS_REF_DIR, big, &fails);
			xs_put(xs, fe, SHMRING_XS_REF_DIR, huge, &fails);
			xs_put(xs, fe, SHMRING_XS_EPOCH, "", &fails);
			xs_put(xs, fe, SHMRING_XS_STATE, "3", &fails);
			xs_put(xs, fe, SHMRING_XS_REF_DIR, "1 2 3 junk", &fails);
			xs_put(xs, fe, SHMRING_XS_REGION_SIZE, "4096", &fails);
			xs_put(xs, fe, SHMRING_XS_MTU, "99999999999", &fails);
			xs_put(xs, fe, SHMRING_XS_GRANTED_TO, "99999", &fails);
			xs_put(xs, fe, SHMRING_XS_EPOCH, "4294967296", &fails);
			xs_put(xs, fe, SHMRING_XS_STATE, "4 ", &fails);
			rounds++;
		}
	} else if (strcmp(name, "flip") == 0) {
		/* The offer's epoch, changed every 50 ms for 20 s: DomS sees
		 * the offer it mapped withdrawn, and a new one whose epoch
		 * the region's header does not carry. */
		t_end = now_ns() + 20000000000ull;
		while (!stop && now_ns() < t_end) {
			if (xst_read_key_u32(xs, XBT_NULL, fe, SHMRING_XS_EPOCH,
					     UINT32_MAX, &e) != XST_OK)
				e = 1;
			snprintf(val, sizeof(val), "%u", (e + 7) % 1000000u);
			xs_put(xs, fe, SHMRING_XS_EPOCH, val, &fails);
			rounds++;
			usleep(50000);
		}
	} else if (strcmp(name, "perms") == 0) {
		struct xs_permissions mine[1] = {
			{ .id = self, .perms = XS_PERM_NONE },
		};
		struct xs_permissions all[1] = {
			{ .id = self, .perms = XS_PERM_READ | XS_PERM_WRITE },
		};
		struct xs_permissions ok[2] = {
			{ .id = self, .perms = XS_PERM_NONE },
			{ .id = doms, .perms = XS_PERM_READ },
		};

		/* DomS may not read, then everybody may write. */
		chmod_fe(xs, fe, mine, 1, &fails);
		sleep(5);
		chmod_fe(xs, fe, all, 1, &fails);
		sleep(3);
		chmod_fe(xs, fe, ok, 2, &fails);
		rounds = 3;
	} else if (strcmp(name, "forge") == 0) {
		char be[XST_PATH_MAX];

		/* Point Dom0's backend pointers somewhere else. */
		xst_path(be, sizeof(be), SHMRING_XEN_BE_FMT, 0u, self, devid);
		xs_put(xs, fe, SHMRING_XS_BACKEND_ID, "0", &fails);
		xs_put(xs, fe, SHMRING_XS_BACKEND, be, &fails);
		rounds = 1;
	} else {
		printf("XCHK-ATTACK %s FAIL unknown attack\n", name);
		xs_close(xs);
		return 2;
	}
	printf("XCHK-ATTACK %s done rounds=%llu failed_writes=%llu "
	       "(DomS %u)\n", name, (unsigned long long)rounds,
	       (unsigned long long)fails, doms);
	xs_close(xs);
	return 0;
}

static uint32_t
arg_u32(const char *s, const char *what)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v > UINT32_MAX) {
		fprintf(stderr, "bad %s '%s'\n", what, s);
		exit(2);
	}
	return (uint32_t)v;
}

int
main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (argc >= 3 && strcmp(argv[1], "guest") == 0) {
		uint32_t be = SHMRING_XEN_DOMID_ANY;

		if (argc >= 4 && strcmp(argv[3], "any") != 0)
			be = arg_u32(argv[3], "backend");
		return run_guest(arg_u32(argv[2], "devid"), be,
				 argc >= 5 ? arg_u32(argv[4], "seconds") : 0);
	}
	if (argc >= 4 && strcmp(argv[1], "attack") == 0)
		return run_attack(argv[2], arg_u32(argv[3], "devid"));
	if (argc >= 4 && strcmp(argv[1], "doms") == 0) {
		uint32_t guests[MAX_PORTS];
		unsigned int n = 0;
		char *list = argv[2], *tok, *save = NULL;

		/* GUEST or GUEST,GUEST,...: one port each, one loop. */
		for (tok = strtok_r(list, ",", &save); tok != NULL;
		     tok = strtok_r(NULL, ",", &save)) {
			if (n == MAX_PORTS) {
				fprintf(stderr, "at most %u guests\n",
					MAX_PORTS);
				return 2;
			}
			guests[n++] = arg_u32(tok, "guest");
		}
		if (n == 0)
			return 2;
		return run_doms(guests, n, arg_u32(argv[3], "devid"),
				argc >= 5 ? arg_u32(argv[4], "seconds") : 0);
	}
	fprintf(stderr,
		"usage: %s guest DEVID [BACKEND|any] [SECONDS]\n"
		"       %s doms GUEST[,GUEST...] DEVID [SECONDS]\n"
		"       %s attack junk|flip|perms|forge DEVID\n", argv[0],
		argv[0], argv[0]);
	return 2;
}
