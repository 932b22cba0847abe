/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Host transport, guest side: the region (a shmem memfd, sealed), the
 * listening socket, and the handshakes of the DomS processes that
 * connect, each a small state machine that never waits (host_pending).
 */

#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host_sock.h"
#include "shmring_why.h"

/* Handshakes in progress at once, and connections taken per poll. */
#define HOST_MAX_PENDING	4
#define HOST_ACCEPTS_PER_POLL	4

/*
 * Guest: one connection between accept() and ACCEPT (or its refusal).
 * A connection the guest refuses (credentials) still gets its HELLO read
 * before the REJECT, because closing a UNIX socket with unread data
 * makes the peer's receive fail with ECONNRESET instead of showing the
 * reason.
 */
enum host_pend_state {
	PEND_FREE,
	PEND_HELLO,		/* waiting for HELLO */
	PEND_ACCEPT,		/* OFFER sent, waiting for ACCEPT */
	PEND_REFUSE,		/* waiting for HELLO, then REJECT refuse_code */
};

struct host_pending {
	int sock;
	enum host_pend_state state;
	uint64_t deadline_ms;
	int refuse_code;
	char refuse_why[SHMRING_WHY_MAX];
};

struct host_guest {
	int memfd;		/* the region; passed with every OFFER */
	int listen_fd;
	int conn_fd;		/* the attached DomS, -1 if none */
	dev_t sock_dev;		/* our socket file, so close() unlinks */
	ino_t sock_ino;		/* only ours and not a successor's */
	struct host_pending pend[HOST_MAX_PENDING];
};

/*
 * The region: a shmem memfd, sized, sealed and mapped.  Nothing is left
 * on error.  Never MFD_HUGETLB: DomS refuses hugetlbfs (see the top of
 * this file).  MAP_POPULATE faults every page in now, so the region's
 * memory is the guest's own from the start rather than allocated by
 * DomS's first touch of an untouched page.
 */
static int
region_create(uint64_t size, int *fdp, void **basep, char *why,
	      size_t why_len)
{
	void *base;
	int fd;

	fd = memfd_create("xenshm-region", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) {
		WHY("cannot create the region memfd: %m");
		return SHMRING_E_SYSTEM;
	}
	if (ftruncate(fd, (off_t)size) != 0) {
		WHY("cannot size the region memfd to %llu bytes: %m",
		    (unsigned long long)size);
		goto fail;
	}
	/* DomS refuses a file that could still shrink or grow. */
	if (fcntl(fd, F_ADD_SEALS, HOST_REQUIRED_SEALS) != 0) {
		WHY("cannot seal the region memfd: %m");
		goto fail;
	}
	base = mmap(NULL, size, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_POPULATE, fd, 0);
	if (base == MAP_FAILED) {
		WHY("cannot map the %llu-byte region: %m",
		    (unsigned long long)size);
		goto fail;
	}
	*fdp = fd;
	*basep = base;
	return SHMRING_OK;
fail:
	close(fd);
	return SHMRING_E_SYSTEM;
}

/*
 * A socket file left by a dead guest is removed; one a live process still
 * listens on is not ours to take, and neither is anything that is not a
 * socket.
 */
static int
clear_stale_socket(const char *path, char *why, size_t why_len)
{
	struct sockaddr_un sa;
	struct stat st;
	int probe, rc;

	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return SHMRING_OK;
		WHY("cannot look at %s: %m", path);
		return SHMRING_E_SYSTEM;
	}
	if (!S_ISSOCK(st.st_mode)) {
		WHY("%s exists and is not a socket; not touching it", path);
		return SHMRING_E_CONFIG;
	}
	probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK,
		       0);
	if (probe < 0) {
		WHY("cannot create a socket: %m");
		return SHMRING_E_SYSTEM;
	}
	host_sock_addr(&sa, path);
	rc = connect(probe, (struct sockaddr *)&sa, sizeof(sa));
	if (rc == 0 || errno == EAGAIN) {
		WHY("%s is in use by a live listener (another guest?)", path);
		rc = SHMRING_E_CONFIG;
	} else if (errno == ECONNREFUSED) {
		/* Nobody listens: a dead guest's file. */
		if (unlink(path) != 0 && errno != ENOENT) {
			WHY("cannot remove the stale socket %s: %m", path);
			rc = SHMRING_E_SYSTEM;
		} else {
			rc = SHMRING_OK;
		}
	} else {
		WHY("%s is a socket this side cannot use (%m); not touching "
		    "it", path);
		rc = SHMRING_E_CONFIG;
	}
	close(probe);
	return rc;
}

/*
 * Create the directories above the socket that are missing (mode 0755,
 * like mkdir -p), so that path=/run/xenshm/vm1.sock works on a machine
 * where nothing made /run/xenshm yet.  Existing ones are left as they are.
 */
static int
make_socket_dir(const char *path, char *why, size_t why_len)
{
	char dir[SHMRING_PATH_MAX];
	char *p, c;

	snprintf(dir, sizeof(dir), "%s", path);
	p = strrchr(dir, '/');
	if (p == NULL || p == dir)
		return SHMRING_OK;	/* relative name, or in "/" */
	*p = '\0';
	for (p = dir + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		c = *p;
		*p = '\0';
		if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
			WHY("cannot create %s, the directory of socket %s: %m",
			    dir, path);
			return SHMRING_E_SYSTEM;
		}
		*p = c;
		if (c == '\0')
			return SHMRING_OK;
	}
}

static int
listen_on(struct host_guest *g, const char *path, char *why, size_t why_len)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd, rc;

	rc = make_socket_dir(path, why, why_len);
	if (rc != SHMRING_OK)
		return rc;
	rc = clear_stale_socket(path, why, why_len);
	if (rc != SHMRING_OK)
		return rc;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		WHY("cannot create the listening socket: %m");
		return SHMRING_E_SYSTEM;
	}
	host_sock_addr(&sa, path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		WHY("cannot bind %s: %m", path);
		goto fail;
	}
	if (listen(fd, HOST_BACKLOG) != 0) {
		WHY("cannot listen on %s: %m", path);
		goto fail_unlink;
	}
	if (stat(path, &st) != 0) {
		WHY("cannot look at %s after binding it: %m", path);
		goto fail_unlink;
	}
	g->sock_dev = st.st_dev;
	g->sock_ino = st.st_ino;
	g->listen_fd = fd;
	return SHMRING_OK;

fail_unlink:
	unlink(path);
fail:
	close(fd);
	return SHMRING_E_SYSTEM;
}

int
host_guest_open(struct shmring_guest_ep *ep, char *why, size_t why_len)
{
	uint64_t size = ep->info.layout.region_size;
	struct host_guest *g;
	int rc, i;

	rc = host_sock_check_path(ep->cfg.path, why, why_len);
	if (rc != SHMRING_OK)
		return rc;
	g = calloc(1, sizeof(*g));
	if (g == NULL) {
		WHY("out of memory for the host transport");
		return SHMRING_E_SYSTEM;
	}
	g->memfd = -1;
	g->listen_fd = -1;
	g->conn_fd = -1;
	for (i = 0; i < HOST_MAX_PENDING; i++)
		g->pend[i].state = PEND_FREE;

	rc = region_create(size, &g->memfd, &ep->base, why, why_len);
	if (rc != SHMRING_OK)
		goto fail_free;
	shmring_ep_guest_region_init(ep);
	rc = listen_on(g, ep->cfg.path, why, why_len);
	if (rc != SHMRING_OK)
		goto fail_region;
	ep->priv = g;
	return SHMRING_OK;

fail_region:
	munmap(ep->base, size);
	ep->base = NULL;
	close(g->memfd);
fail_free:
	free(g);
	return rc;
}

static void
pend_free(struct host_pending *pe)
{
	close(pe->sock);
	pe->sock = -1;
	pe->state = PEND_FREE;
}

/* Is a handshake past HELLO, or a DomS attached?  Then others are BUSY. */
static bool
guest_taken(const struct host_guest *g)
{
	int i;

	if (g->conn_fd >= 0)
		return true;
	for (i = 0; i < HOST_MAX_PENDING; i++)
		if (g->pend[i].state == PEND_ACCEPT)
			return true;
	return false;
}

/* End a pending handshake the peer failed; REJECT if we judged it. */
static int
pend_fail(struct shmring_guest_ep *ep, struct host_pending *pe, int rc,
	  char *why)
{
	if (host_sock_peer_at_fault(rc))
		host_sock_reject(pe->sock, rc, why);
	pend_free(pe);
	ep->last_err = rc;
	return SHMRING_EV_PEER_REJECTED;
}

/* PEND_HELLO got a message: check it and answer with OFFER. */
static int
pend_hello(struct shmring_guest_ep *ep, struct host_pending *pe,
	   const struct shmring_msg *in, char *why, size_t why_len)
{
	struct host_guest *g = ep->priv;
	struct shmring_msg m;
	uint32_t epoch;
	int rc;

	rc = shmring_msg_expect(in, SHMRING_MSG_HELLO, why, why_len);
	if (rc == SHMRING_OK)
		rc = shmring_hello_check(&in->u.hello, &ep->info.params,
					 ep->info.layout.region_size, why,
					 why_len);
	if (rc != SHMRING_OK)
		return pend_fail(ep, pe, rc, why);
	/* One DomS at a time; a second one must not disturb the first. */
	if (guest_taken(g)) {
		WHY("a DomS is already attached to this guest; refusing "
		    "another one");
		return pend_fail(ep, pe, SHMRING_E_BUSY, why);
	}
	/* A new attach: a new epoch, in the header before the OFFER. */
	epoch = shmring_ep_guest_bump_epoch(ep);
	shmring_msg_offer(&m, &ep->info.params, ep->info.layout.region_size,
			  epoch);
	rc = host_sock_send(pe->sock, &m, g->memfd, "DomS", why, why_len);
	if (rc != SHMRING_OK) {
		pend_free(pe);
		ep->last_err = rc;
		return SHMRING_EV_PEER_REJECTED;
	}
	pe->state = PEND_ACCEPT;
	pe->deadline_ms = host_sock_now_ms() + HOST_STEP_TIMEOUT_MS;
	return SHMRING_EV_NONE;
}

/* PEND_ACCEPT got a message: ACCEPT makes this DomS the attached one. */
static int
pend_accept(struct shmring_guest_ep *ep, struct host_pending *pe,
	    const struct shmring_msg *in, char *why, size_t why_len)
{
	struct shmring_region_hdr *h = ep->base;
	struct host_guest *g = ep->priv;
	int rc;

	rc = shmring_msg_expect(in, SHMRING_MSG_ACCEPT, why, why_len);
	if (rc != SHMRING_OK)
		return pend_fail(ep, pe, rc, why);
	ep->peer_epoch = in->u.accept.doms_epoch;
	g->conn_fd = pe->sock;
	pe->sock = -1;
	pe->state = PEND_FREE;
	ep->attached = true;
	ep->last_err = SHMRING_OK;
	shmring_side_set_live(&h->guest, SHMRING_SIDE_CONNECTED);
	WHY("DomS attached (guest epoch %u, DomS epoch %u)", ep->epoch,
	    ep->peer_epoch);
	return SHMRING_EV_PEER_UP;
}

/* Move one pending handshake on as far as the peer's messages allow. */
static int
pend_step(struct shmring_guest_ep *ep, struct host_pending *pe,
	  uint64_t now, char *why, size_t why_len)
{
	struct shmring_msg m;
	int rc, nfd;

	rc = host_sock_recv(pe->sock, MSG_DONTWAIT, &m, NULL, 0, &nfd, "DomS", why,
		      why_len);
	if (pe->state == PEND_REFUSE) {
		/* Its HELLO (or its silence) is all we waited for. */
		if (rc == HOST_AGAIN && now < pe->deadline_ms)
			return SHMRING_EV_NONE;
		if (rc != HOST_AGAIN)
			host_sock_reject(pe->sock, pe->refuse_code, pe->refuse_why);
		pend_free(pe);
		return SHMRING_EV_NONE;	/* counted when refused */
	}
	if (rc == HOST_AGAIN) {
		if (now < pe->deadline_ms)
			return SHMRING_EV_NONE;
		WHY("no %s from DomS within %d ms; dropped that connection",
		    pe->state == PEND_HELLO ? "HELLO" : "ACCEPT",
		    HOST_STEP_TIMEOUT_MS);
		return pend_fail(ep, pe, SHMRING_E_TIMEOUT, why);
	}
	if (rc != SHMRING_OK)
		return pend_fail(ep, pe, rc, why);
	if (pe->state == PEND_HELLO)
		return pend_hello(ep, pe, &m, why, why_len);
	return pend_accept(ep, pe, &m, why, why_len);
}

/*
 * A slot for a new connection.  When all are taken, the one that has
 * waited longest for its HELLO goes: an honest DomS sends HELLO right
 * after connect(), so only a silent peer can sit in PEND_HELLO.
 */
static struct host_pending *
pend_slot(struct host_guest *g)
{
	struct host_pending *pe, *oldest = NULL;
	int i;

	for (i = 0; i < HOST_MAX_PENDING; i++) {
		pe = &g->pend[i];
		if (pe->state == PEND_FREE)
			return pe;
		if (pe->state != PEND_ACCEPT &&
		    (oldest == NULL || pe->deadline_ms < oldest->deadline_ms))
			oldest = pe;
	}
	if (oldest != NULL)
		pend_free(oldest);
	return oldest;
}

/* A just-accepted connection: check who it is and start its handshake. */
static int
pend_start(struct shmring_guest_ep *ep, int sock, uint64_t now, char *why,
	   size_t why_len)
{
	struct host_guest *g = ep->priv;
	struct host_pending *pe = pend_slot(g);
	struct ucred cred;
	socklen_t cl = sizeof(cred);

	if (pe == NULL) {
		/* Every slot is mid-handshake (PEND_ACCEPT): cannot happen
		 * with one at a time past HELLO, but never leak the fd. */
		close(sock);
		return SHMRING_EV_NONE;
	}
	pe->sock = sock;
	pe->state = PEND_HELLO;
	pe->deadline_ms = now + HOST_STEP_TIMEOUT_MS;
	if (ep->cfg.peer_uid == SHMRING_UID_ANY)
		return pend_step(ep, pe, now, why, why_len);
	if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &cl) != 0) {
		WHY("cannot read the DomS's credentials: %m");
		pend_free(pe);
		ep->last_err = SHMRING_E_SYSTEM;
		return SHMRING_EV_PEER_REJECTED;
	}
	if (cred.uid == ep->cfg.peer_uid)
		return pend_step(ep, pe, now, why, why_len);
	WHY("DomS pid %d runs as uid %u; only uid %u may attach",
	    (int)cred.pid, (unsigned int)cred.uid, ep->cfg.peer_uid);
	pe->state = PEND_REFUSE;
	pe->refuse_code = SHMRING_E_PEER_CRED;
	snprintf(pe->refuse_why, sizeof(pe->refuse_why), "%s", why);
	ep->last_err = SHMRING_E_PEER_CRED;
	(void)pend_step(ep, pe, now, NULL, 0);
	return SHMRING_EV_PEER_REJECTED;
}

int
host_guest_poll(struct shmring_guest_ep *ep, char *why, size_t why_len)
{
	struct host_guest *g = ep->priv;
	uint64_t now = host_sock_now_ms();
	int sock, rc, ev, i;

	if (g->conn_fd >= 0) {
		rc = host_sock_watch(g->conn_fd, "DomS", why, why_len);
		if (rc != SHMRING_OK) {
			close(g->conn_fd);
			g->conn_fd = -1;
			ep->attached = false;
			ep->last_err = rc;
			return SHMRING_EV_PEER_DOWN;
		}
	}
	for (i = 0; i < HOST_MAX_PENDING; i++) {
		if (g->pend[i].state == PEND_FREE)
			continue;
		ev = pend_step(ep, &g->pend[i], now, why, why_len);
		if (ev != SHMRING_EV_NONE)
			return ev;
	}
	for (i = 0; i < HOST_ACCEPTS_PER_POLL; i++) {
		sock = accept4(g->listen_fd, NULL, NULL,
			       SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (sock < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR || errno == ECONNABORTED)
				return SHMRING_EV_NONE;
			WHY("cannot accept a DomS on %s: %m", ep->cfg.path);
			ep->last_err = SHMRING_E_SYSTEM;
			return SHMRING_EV_PEER_REJECTED;
		}
		ev = pend_start(ep, sock, now, why, why_len);
		if (ev != SHMRING_EV_NONE)
			return ev;
	}
	return SHMRING_EV_NONE;
}

void
host_guest_close(struct shmring_guest_ep *ep)
{
	struct shmring_region_hdr *h = ep->base;
	struct host_guest *g = ep->priv;
	struct stat st;
	int i;

	if (g == NULL)
		return;
	shmring_side_set_live(&h->guest, SHMRING_SIDE_GONE);
	if (g->conn_fd >= 0)
		close(g->conn_fd);
	for (i = 0; i < HOST_MAX_PENDING; i++)
		if (g->pend[i].state != PEND_FREE)
			pend_free(&g->pend[i]);
	/* Unlink the file we bound, not one a successor bound since. */
	if (stat(ep->cfg.path, &st) == 0 && st.st_dev == g->sock_dev &&
	    st.st_ino == g->sock_ino)
		unlink(ep->cfg.path);
	close(g->listen_fd);
	munmap(ep->base, ep->info.layout.region_size);
	close(g->memfd);
	free(g);
	ep->priv = NULL;
	ep->base = NULL;
	ep->attached = false;
}
