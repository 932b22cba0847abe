/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Host transport, DomS side: connect to the guest's socket, HELLO, then
 * (on a later poll: never waiting) the OFFER and its memfd, checked
 * before anything is mapped, then ACCEPT; afterwards watch the socket
 * for the guest's end.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include "host_sock.h"
#include "shmring_why.h"

enum host_doms_state {
	DOMS_IDLE,		/* not connected: poll() tries to attach */
	DOMS_WAIT_OFFER,	/* HELLO sent; the guest's turn */
	DOMS_UP,		/* mapped and guest present */
	DOMS_DOWN,		/* guest gone, still mapped until detach() */
};

struct host_doms {
	int sock;
	enum host_doms_state state;
	uint64_t deadline_ms;	/* DOMS_WAIT_OFFER: when the guest is late */
};

int
host_doms_open(struct shmring_doms_ep *ep, char *why, size_t why_len)
{
	struct host_doms *d;
	int rc;

	rc = host_sock_check_path(ep->cfg.path, why, why_len);
	if (rc != SHMRING_OK)
		return rc;
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		WHY("out of memory for the host transport");
		return SHMRING_E_SYSTEM;
	}
	d->sock = -1;
	d->state = DOMS_IDLE;
	ep->priv = d;
	return SHMRING_OK;
}

/* Connect without blocking.  -1 with *ev set when there is no guest. */
static int
doms_connect(struct shmring_doms_ep *ep, int *ev, char *why, size_t why_len)
{
	struct sockaddr_un sa;
	int sock;

	sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK,
		      0);
	if (sock < 0) {
		WHY("cannot create a socket: %m");
		ep->last_err = SHMRING_E_SYSTEM;
		*ev = SHMRING_EV_PEER_REJECTED;
		return -1;
	}
	host_sock_addr(&sa, ep->cfg.path);
	if (connect(sock, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return sock;
	/* Not there yet, or its backlog is full: the caller retries. */
	if (errno == ENOENT || errno == ECONNREFUSED || errno == EAGAIN ||
	    errno == EINPROGRESS) {
		WHY("no guest listening on %s yet (%m)", ep->cfg.path);
		ep->last_err = SHMRING_E_NO_PEER;
		*ev = SHMRING_EV_NONE;
	} else {
		WHY("cannot connect to %s: %m", ep->cfg.path);
		ep->last_err = SHMRING_E_SYSTEM;
		*ev = SHMRING_EV_PEER_REJECTED;
	}
	close(sock);
	return -1;
}

/*
 * Check the guest's memory fd before mapping it.  Seals first: once
 * SHRINK and GROW are on, the size we read cannot change (a shrunk file
 * would SIGBUS our mapping), and WRITE or FUTURE_WRITE would refuse our
 * writable mapping.  Then the file system: only shmem, whose holes read
 * as zero pages; hugetlbfs would SIGBUS us on a punched hole when no
 * huge page is free (see the top of this file).  Then the size.
 */
static int
doms_check_fd(int fd, uint64_t size, char *why, size_t why_len)
{
	struct statfs sfs;
	struct stat st;
	int seals;

	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0) {
		WHY("the guest's region fd cannot be sealed (%m): not a memfd");
		return SHMRING_E_FD_NOT_SEALED;
	}
	if ((seals & HOST_REQUIRED_SEALS) != HOST_REQUIRED_SEALS ||
	    (seals & HOST_FORBIDDEN_SEALS) != 0) {
		WHY("the guest's memfd has seals 0x%x; it needs SHRINK, GROW "
		    "and SEAL (0x%x) and neither WRITE nor FUTURE_WRITE",
		    (unsigned int)seals, (unsigned int)HOST_REQUIRED_SEALS);
		return SHMRING_E_FD_NOT_SEALED;
	}
	if (fstatfs(fd, &sfs) != 0 || fstat(fd, &st) != 0) {
		WHY("cannot stat the guest's memfd: %m");
		return SHMRING_E_SYSTEM;
	}
	if ((unsigned long)sfs.f_type != TMPFS_MAGIC) {
		WHY("the guest's memfd is on file system 0x%lx, not shmem "
		    "(0x%lx): hugetlbfs and other memory could fault DomS",
		    (unsigned long)sfs.f_type, (unsigned long)TMPFS_MAGIC);
		return SHMRING_E_FD_KIND;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < 0 ||
	    (uint64_t)st.st_size != size) {
		WHY("the guest's memfd holds %lld bytes, the offer says %llu",
		    (long long)st.st_size, (unsigned long long)size);
		return SHMRING_E_FD_SIZE;
	}
	return SHMRING_OK;
}

/* Give up the handshake in progress; REJECT if we judged the guest. */
static int
doms_fail(struct shmring_doms_ep *ep, int rc, const char *why)
{
	struct host_doms *d = ep->priv;

	if (host_sock_peer_at_fault(rc))
		host_sock_reject(d->sock, rc, why);
	close(d->sock);
	d->sock = -1;
	d->state = DOMS_IDLE;
	ep->handshaking = false;
	ep->last_err = rc;
	return SHMRING_EV_PEER_REJECTED;
}

/*
 * First step: connect, check who listens, send HELLO.  The guest answers
 * on its own time; doms_offer() takes it from there.
 */
static int
doms_hello(struct shmring_doms_ep *ep, char *why, size_t why_len)
{
	struct host_doms *d = ep->priv;
	struct shmring_msg m, r;
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	int ev, rc, n;

	d->sock = doms_connect(ep, &ev, why, why_len);
	if (d->sock < 0)
		return ev;
	if (ep->cfg.peer_uid != SHMRING_UID_ANY) {
		if (getsockopt(d->sock, SOL_SOCKET, SO_PEERCRED, &cred,
			       &cl) != 0) {
			WHY("cannot read the guest's credentials: %m");
			return doms_fail(ep, SHMRING_E_SYSTEM, why);
		}
		if (cred.uid != ep->cfg.peer_uid) {
			WHY("guest pid %d runs as uid %u; only uid %u is served",
			    (int)cred.pid, (unsigned int)cred.uid,
			    ep->cfg.peer_uid);
			return doms_fail(ep, SHMRING_E_PEER_CRED, why);
		}
	}
	shmring_msg_hello(&m, &ep->limits);
	rc = host_sock_send(d->sock, &m, -1, "guest", why, why_len);
	if (rc != SHMRING_OK) {
		/* It may have refused us before reading: show its reason. */
		if (host_sock_recv(d->sock, MSG_DONTWAIT, &r, NULL, 0, &n, "guest",
			     NULL, 0) == SHMRING_OK &&
		    shmring_msg_expect(&r, SHMRING_MSG_HELLO, why, why_len) ==
		    SHMRING_E_MSG_REJECTED)
			rc = SHMRING_E_MSG_REJECTED;
		return doms_fail(ep, rc, why);
	}
	d->state = DOMS_WAIT_OFFER;
	d->deadline_ms = host_sock_now_ms() + HOST_STEP_TIMEOUT_MS;
	ep->handshaking = true;
	return SHMRING_EV_NONE;
}

/* Map and check what an OFFER brought; ACCEPT if it is all good. */
static int
doms_map(struct shmring_doms_ep *ep, const struct shmring_msg_offer *offer,
	 int fd, char *why, size_t why_len)
{
	struct host_doms *d = ep->priv;
	struct shmring_region_info info;
	uint64_t size = offer->region_size;
	struct shmring_msg m;
	void *base;
	int rc;

	rc = shmring_offer_check(offer, &ep->limits, &info, why, why_len);
	if (rc == SHMRING_OK)
		rc = doms_check_fd(fd, size, why, why_len);
	if (rc != SHMRING_OK)
		return rc;
	base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED) {
		WHY("cannot map the guest's %llu-byte region: %m",
		    (unsigned long long)size);
		return SHMRING_E_SYSTEM;
	}
	rc = shmring_ep_doms_verify(base, size, offer, &info, why, why_len);
	if (rc != SHMRING_OK) {
		munmap(base, size);
		return rc;
	}
	shmring_ep_doms_claim(ep, base);
	shmring_msg_accept(&m, ep->epoch);
	rc = host_sock_send(d->sock, &m, -1, "guest", why, why_len);
	if (rc != SHMRING_OK) {
		shmring_ep_doms_release(base);
		munmap(base, size);
		return rc;
	}
	ep->base = base;
	ep->info = info;
	ep->peer_epoch = offer->guest_epoch;
	return SHMRING_OK;
}

/* Second step: the guest's OFFER, if it came. */
static int
doms_offer(struct shmring_doms_ep *ep, char *why, size_t why_len)
{
	struct host_doms *d = ep->priv;
	struct shmring_msg m;
	int rc, nfd = 0, fd = -1;

	rc = host_sock_recv(d->sock, MSG_DONTWAIT, &m, &fd, 1, &nfd, "guest", why,
		      why_len);
	if (rc == HOST_AGAIN) {
		if (host_sock_now_ms() < d->deadline_ms)
			return SHMRING_EV_NONE;
		WHY("no OFFER from the guest at %s within %d ms",
		    ep->cfg.path, HOST_STEP_TIMEOUT_MS);
		return doms_fail(ep, SHMRING_E_TIMEOUT, why);
	}
	if (rc == SHMRING_OK)
		rc = shmring_msg_expect(&m, SHMRING_MSG_OFFER, why, why_len);
	if (rc == SHMRING_OK && nfd == 0) {
		WHY("the guest's OFFER carries no memory file descriptor");
		rc = SHMRING_E_FD_MISSING;
	}
	if (rc == SHMRING_OK)
		rc = doms_map(ep, &m.u.offer, fd, why, why_len);
	if (nfd > 0)
		close(fd);	/* a mapping keeps the memory */
	if (rc != SHMRING_OK)
		return doms_fail(ep, rc, why);
	d->state = DOMS_UP;
	ep->handshaking = false;
	ep->attached = true;
	ep->last_err = SHMRING_OK;
	WHY("attached to the guest at %s (guest epoch %u, DomS epoch %u)",
	    ep->cfg.path, ep->peer_epoch, ep->epoch);
	return SHMRING_EV_PEER_UP;
}

int
host_doms_poll(struct shmring_doms_ep *ep, char *why, size_t why_len)
{
	struct host_doms *d = ep->priv;
	int rc;

	switch (d->state) {
	case DOMS_IDLE:
		return doms_hello(ep, why, why_len);
	case DOMS_WAIT_OFFER:
		return doms_offer(ep, why, why_len);
	case DOMS_UP:
		rc = host_sock_watch(d->sock, "guest", why, why_len);
		if (rc == SHMRING_OK)
			return SHMRING_EV_NONE;
		/* Keep the mapping: the data path may still be in it. */
		d->state = DOMS_DOWN;
		ep->attached = false;
		ep->last_err = rc;
		return SHMRING_EV_PEER_DOWN;
	case DOMS_DOWN:
		break;
	}
	return SHMRING_EV_NONE;
}

void
host_doms_detach(struct shmring_doms_ep *ep)
{
	struct host_doms *d = ep->priv;

	if (ep->base != NULL) {
		shmring_ep_doms_release(ep->base);
		munmap(ep->base, ep->info.layout.region_size);
		ep->base = NULL;
	}
	if (d->sock >= 0) {
		close(d->sock);
		d->sock = -1;
	}
	d->state = DOMS_IDLE;
	ep->handshaking = false;
	ep->attached = false;
}

void
host_doms_close(struct shmring_doms_ep *ep)
{
	if (ep->priv == NULL)
		return;
	host_doms_detach(ep);
	free(ep->priv);
	ep->priv = NULL;
}
