/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * xenshm-hostile-peer: a peer that breaks the ring protocol on purpose, to
 * show that the other side's port survives it (test/pmd/hostile.sh).
 *
 * Role "guest": shares a region over the host transport like
 * net_xenshm_guest does, waits for DomS, sends a few good frames on g2d
 * ring 0, then writes what MODE says into its rings.  Afterwards it waits
 * for DomS to leave (a DomS that disabled the port unmaps the region and
 * closes the connection): exit 0 if DomS left, 2 if it did not within the
 * timeout, 1 on a setup error.
 *
 * Role "doms": attaches to a guest's region like net_xenshm does, sends
 * good frames on d2g ring 0, then attacks.  It stays attached (so the
 * guest sees the attack, not a disconnect) until SIGTERM or the timeout,
 * then leaves; exit 0, or 1 on a setup error.
 *
 * Both roles wait until the peer has consumed the good frames before they
 * attack, so a victim that is slow to start (a loaded machine) is still
 * attacked while it polls; exit 3 if it never consumes them.
 *
 * usage: xenshm-hostile-peer guest|doms PATH MODE [TIMEOUT_S]
 */

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "shmring_endpoint.h"
#include "shmring_region.h"
#include "shmring_ring.h"

#define GOOD_FRAMES	100
#define FRAME_LEN	64

static const char *const modes[] = {
	"desc-oob", "desc-zero", "desc-too-long", "bad-flags",
	"chain-truncated", "chain-too-long", "frame-too-long", "prod-ahead",
	"cons-ahead", "attach-prod-ahead", "garbage", "no-consume", NULL
};

static struct shmring_guest_ep *ep;
static struct shmring_doms_ep *dep;
static bool doms_role;
static struct shmring_prod tx;		/* ring 0 of our direction */
static struct shmring_region_info info;
static void *base;

static volatile sig_atomic_t stop_requested;

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Poll the endpoint until 'want' happens or timeout; 1 if it happened. */
static int
wait_event(int want, unsigned int timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;
	char why[SHMRING_WHY_MAX];
	int ev;

	while (now_ms() < end) {
		why[0] = '\0';
		ev = doms_role ? shmring_doms_poll(dep, why, sizeof(why)) :
			shmring_guest_poll(ep, why, sizeof(why));
		if (ev == want) {
			printf("hostile: event %d: %s\n", ev, why);
			return 1;
		}
		if (ev == SHMRING_EV_PEER_REJECTED)
			printf("hostile: rejected: %s\n", why);
		usleep(2000);
	}
	return 0;
}

/* Good frames through the normal producer API, as many as fit. */
static unsigned int
send_good(unsigned int n)
{
	unsigned int i, sent = 0;
	int err = SHMRING_OK;
	uint32_t off;

	while (sent < n) {
		uint32_t room = shmring_prod_free(&tx, 1, &err);

		if (room == 0)
			break;
		for (i = 0; i < room && sent + i < n; i++) {
			uint8_t *buf = shmring_prod_slot(&tx, i, &off);
			struct shmring_desc *d = shmring_prod_desc(&tx, i);

			memset(buf, 0xff, 6);		/* broadcast dst */
			memset(buf + 6, 0x02, 6);
			buf[12] = 0x88;
			buf[13] = 0xb5;			/* local experimental */
			memset(buf + 14, (int)(sent + i), FRAME_LEN - 14);
			d->offset = off;
			d->len = FRAME_LEN;
			d->flags = 0;
			d->rsvd = 0;
			d->meta = 0;
		}
		shmring_prod_commit(&tx, i);
		sent += i;
	}
	return sent;
}

/* Publish 'n' descriptors the caller wrote at tx positions 0..n-1. */
static void
put_desc(unsigned int i, uint32_t offset, uint32_t len, uint16_t flags)
{
	struct shmring_desc *d = shmring_prod_desc(&tx, i);

	d->offset = offset;
	d->len = len;
	d->flags = flags;
	d->rsvd = 0;
	d->meta = 0;
}

static struct shmring_ring_hdr *
ring_hdr(unsigned int r)
{
	return (struct shmring_ring_hdr *)((uint8_t *)base +
		info.layout.rings_offset +
		(uint64_t)r * info.layout.ring_stride);
}

/* Our producing ring and the ring we consume (whose cons we write). */
static unsigned int
tx_ring_no(void)
{
	return doms_role ? shmring_ring_d2g(0) : shmring_ring_g2d(0);
}

static unsigned int
rx_ring_no(void)
{
	return doms_role ? shmring_ring_g2d(0) : shmring_ring_d2g(0);
}

static void
attack(const char *mode)
{
	uint32_t off, slot = info.params.slot_size;
	unsigned int i;

	if (strcmp(mode, "desc-oob") == 0) {
		put_desc(0, (uint32_t)(info.layout.buf_size - 10), FRAME_LEN, 0);
		shmring_prod_commit(&tx, 1);
	} else if (strcmp(mode, "desc-zero") == 0) {
		shmring_prod_slot(&tx, 0, &off);
		put_desc(0, off, 0, 0);
		shmring_prod_commit(&tx, 1);
	} else if (strcmp(mode, "desc-too-long") == 0) {
		shmring_prod_slot(&tx, 0, &off);
		put_desc(0, off, slot + 1, 0);
		shmring_prod_commit(&tx, 1);
	} else if (strcmp(mode, "bad-flags") == 0) {
		shmring_prod_slot(&tx, 0, &off);
		put_desc(0, off, FRAME_LEN, 0x8);
		shmring_prod_commit(&tx, 1);
	} else if (strcmp(mode, "chain-truncated") == 0) {
		shmring_prod_slot(&tx, 0, &off);
		put_desc(0, off, FRAME_LEN, SHMRING_DESC_F_NEXT);
		shmring_prod_commit(&tx, 1);
	} else if (strcmp(mode, "chain-too-long") == 0) {
		for (i = 0; i < SHMRING_MAX_SEGS + 1; i++) {
			shmring_prod_slot(&tx, i, &off);
			put_desc(i, off, 10, SHMRING_DESC_F_NEXT);
		}
		put_desc(i, off, 10, 0);
		shmring_prod_commit(&tx, i + 1);
	} else if (strcmp(mode, "frame-too-long") == 0) {
		shmring_prod_slot(&tx, 0, &off);
		put_desc(0, off, slot, SHMRING_DESC_F_NEXT);
		shmring_prod_slot(&tx, 1, &off);
		put_desc(1, off, slot, 0);
		shmring_prod_commit(&tx, 2);
	} else if (strcmp(mode, "prod-ahead") == 0) {
		shmring_store_release(&ring_hdr(tx_ring_no())->prod,
				      tx.prod + info.params.ring_size + 5);
	} else if (strcmp(mode, "cons-ahead") == 0) {
		/*
		 * Claim to have consumed far more than the peer produced on
		 * the ring we consume, then make the peer transmit (it
		 * forwards what it gets) until it re-reads our index.
		 */
		shmring_store_release(&ring_hdr(rx_ring_no())->cons,
				      0x80000000u);
		for (i = 0; i < 40; i++) {
			send_good(64);
			usleep(2000);
		}
	} else if (strcmp(mode, "garbage") == 0) {
		struct shmring_ring_hdr *h = ring_hdr(tx_ring_no());
		uint8_t *r = (uint8_t *)h;
		size_t len = SHMRING_RING_HDR_SIZE + (size_t)info.params.ring_size *
			sizeof(struct shmring_desc);
		uint32_t cons = shmring_load_acquire(&h->cons);

		/* Random bytes over the whole ring, indices included... */
		srand((unsigned int)time(NULL) ^ (unsigned int)getpid());
		for (i = 0; i < len; i++)
			r[i] = (uint8_t)rand();
		/*
		 * ...then a producer index DomS accepts (1..64 ahead of where
		 * it consumed), so that it reads random descriptors.
		 */
		shmring_store_release(&h->prod, cons + 1 + (uint32_t)rand() % 64);
	}
}

static int
usage(const char *prg)
{
	int i;

	fprintf(stderr, "usage: %s guest|doms PATH MODE [TIMEOUT_S]\nmodes:",
		prg);
	for (i = 0; modes[i] != NULL; i++)
		fprintf(stderr, " %s", modes[i]);
	fprintf(stderr, "\n(attach-prod-ahead: guest role only)\n");
	return 1;
}

/* Set up the role's endpoint and wait for the peer; 0 when attached. */
static int
attach(const char *path, const char *mode, unsigned int timeout_s)
{
	struct shmring_endpoint_cfg cfg = { .transport = SHMRING_TRANSPORT_HOST,
					    .peer_uid = SHMRING_UID_ANY };
	struct shmring_params pa = {
		.features = SHMRING_F_MULTI_SEG, .n_qp = 1,
		.ring_size = SHMRING_DEFAULT_RING_SIZE,
		.slot_size = SHMRING_DEFAULT_SLOT_SIZE,
		.mtu = SHMRING_DEFAULT_MTU,
		.mac = { 0x02, 0, 0, 0, 0x0b, 0xad },
	};
	char why[SHMRING_WHY_MAX];
	int rc;

	snprintf(cfg.path, sizeof(cfg.path), "%s", path);
	if (doms_role) {
		rc = shmring_doms_open(&dep, &cfg, NULL, why, sizeof(why));
		if (rc != SHMRING_OK) {
			fprintf(stderr, "hostile: open: %s\n", why);
			return 1;
		}
		printf("hostile: DomS role, mode %s, looking for %s\n", mode,
		       path);
		if (!wait_event(SHMRING_EV_PEER_UP, timeout_s * 1000)) {
			fprintf(stderr, "hostile: no guest found\n");
			return 1;
		}
		base = shmring_doms_base(dep);
		info = *shmring_doms_info(dep);
	} else {
		rc = shmring_guest_open(&ep, &cfg, &pa, why, sizeof(why));
		if (rc != SHMRING_OK) {
			fprintf(stderr, "hostile: open: %s\n", why);
			return 1;
		}
		base = shmring_guest_base(ep);
		info = *shmring_guest_info(ep);
		if (strcmp(mode, "attach-prod-ahead") == 0)
			/* Bad indices before DomS even maps the region. */
			shmring_store_release(&ring_hdr(tx_ring_no())->prod,
					      info.params.ring_size + 5);
		printf("hostile: guest role, mode %s, waiting on %s\n", mode,
		       path);
		if (!wait_event(SHMRING_EV_PEER_UP, timeout_s * 1000)) {
			fprintf(stderr, "hostile: no DomS came\n");
			return 1;
		}
	}
	if (shmring_prod_init(&tx, base, &info, tx_ring_no()) != SHMRING_OK &&
	    strcmp(mode, "attach-prod-ahead") != 0) {
		fprintf(stderr, "hostile: ring %u invalid\n", tx_ring_no());
		return 1;
	}
	return 0;
}

static void
leave(void)
{
	if (doms_role) {
		shmring_doms_detach(dep);
		shmring_doms_close(dep);
	} else {
		shmring_guest_close(ep);
	}
}

/* Wait until the peer's consumer index reaches our producer index. */
static int
wait_consumed(unsigned int timeout_ms)
{
	struct shmring_ring_hdr *h = ring_hdr(tx_ring_no());
	uint64_t end = now_ms() + timeout_ms;

	while (now_ms() < end) {
		if (shmring_load_acquire(&h->cons) == tx.prod)
			return 1;
		if (doms_role)
			shmring_doms_poll(dep, NULL, 0);
		else
			shmring_guest_poll(ep, NULL, 0);
		usleep(2000);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	unsigned int timeout_s = argc > 4 ? (unsigned int)atoi(argv[4]) : 10;
	const char *mode;
	int i;

	if (argc < 4 || (strcmp(argv[1], "guest") != 0 &&
			 strcmp(argv[1], "doms") != 0))
		return usage(argv[0]);
	doms_role = strcmp(argv[1], "doms") == 0;
	mode = argv[3];
	for (i = 0; modes[i] != NULL; i++)
		if (strcmp(modes[i], mode) == 0)
			break;
	if (modes[i] == NULL || (doms_role &&
				 strcmp(mode, "attach-prod-ahead") == 0))
		return usage(argv[0]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	if (attach(argv[2], mode, timeout_s) != 0)
		return 1;
	if (strcmp(mode, "attach-prod-ahead") != 0) {
		printf("hostile: sent %u good frames\n", send_good(GOOD_FRAMES));
		if (!wait_consumed(timeout_s * 1000)) {
			printf("hostile: the peer did not consume them\n");
			leave();
			return 3;
		}
		printf("hostile: the peer consumed them\n");
		if (strcmp(mode, "no-consume") == 0) {
			/* Keep the peer sending into our full ring a while. */
			for (i = 0; i < 100; i++) {
				send_good(64);
				usleep(10 * 1000);
			}
			printf("hostile: done, never consumed\n");
			leave();
			return 0;
		}
		attack(mode);
		printf("hostile: attack %s written\n", mode);
	}
	if (doms_role) {
		/* Stay so the guest sees the attack, not a disconnect. */
		uint64_t end = now_ms() + timeout_s * 1000ull;

		while (!stop_requested && now_ms() < end) {
			shmring_doms_poll(dep, NULL, 0);
			usleep(5000);
		}
		leave();
		return 0;
	}
	if (!wait_event(SHMRING_EV_PEER_DOWN, timeout_s * 1000)) {
		printf("hostile: DomS did not leave in %u s\n", timeout_s);
		leave();
		return 2;
	}
	leave();
	return 0;
}
