/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Host transport: both sides are processes of one Linux host.
 *
 * The guest puts its region in a shmem memfd, seals it so it can never
 * shrink or grow, and listens on a UNIX SOCK_SEQPACKET socket.  DomS
 * connects, checks who listens (SO_PEERCRED), sends HELLO and receives
 * OFFER with the memfd (SCM_RIGHTS).  It checks seals, file system and
 * size before it maps anything and the header before it answers ACCEPT.
 * The connection then stays open with nothing on it: its end-of-file is
 * how each side learns that the other is gone, including after SIGKILL.
 *
 * Memory the peer controls must never fault DomS to death.  A shrunk
 * file would SIGBUS a mapping past its end (the seals stop that), and
 * the guest can always punch holes into its file (no seal stops
 * FALLOC_FL_PUNCH_HOLE short of F_SEAL_WRITE, which would forbid DomS's
 * writable mapping).  On shmem a hole reads as a fresh zero page; on
 * hugetlbfs refilling it needs a free huge page and SIGBUSes without
 * one.  So DomS accepts only shmem (TMPFS_MAGIC) files, never hugetlbfs
 * or anything else, and the guest creates nothing else.
 *
 * Nothing here ever waits for the peer.  Both sides are non-blocking
 * state machines: each poll does what the peer's last message allows
 * and returns; a step the peer does not answer within
 * HOST_STEP_TIMEOUT_MS ends that handshake (TIMEOUT), and costs no other
 * endpoint anything.  Every fd is CLOEXEC, every send is MSG_NOSIGNAL,
 * and every fd that arrives is either kept or closed.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <linux/magic.h>

#include "shmring_transport.h"

#define WHY(...) do {							\
		if (why != NULL && why_len > 0)				\
			snprintf(why, why_len, __VA_ARGS__);		\
	} while (0)

#define HOST_STEP_TIMEOUT_MS	1000	/* the peer's time to answer a step */
#define HOST_MAX_FDS		4	/* fds taken from one message */
/* Larger than a message, so that a longer one shows as such. */
#define HOST_RECV_BUF		(2 * SHMRING_MSG_SIZE)
#define HOST_BACKLOG		4
#define HOST_EINTR_RETRIES	4
#define HOST_REQUIRED_SEALS	(F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE	0x0010
#endif
/* Seals that forbid the writable mapping DomS needs. */
#define HOST_FORBIDDEN_SEALS	(F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)
/* Guest: handshakes in progress at once, and connections taken per poll. */
#define HOST_MAX_PENDING	4
#define HOST_ACCEPTS_PER_POLL	4

/* recv_msg() result when nothing is there yet. */
#define HOST_AGAIN		(-1)

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

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void
close_fds(const int *fds, int n)
{
	int i;

	for (i = 0; i < n; i++)
		close(fds[i]);
}

static int
check_path(const char *path, char *why, size_t why_len)
{
	size_t n = strnlen(path, SHMRING_PATH_MAX);

	if (n == 0 || n >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		WHY("socket path must be 1..%zu bytes",
		    sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
		return SHMRING_E_CONFIG;
	}
	return SHMRING_OK;
}

static void
fill_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	/* check_path() bounded the length. */
	memcpy(sa->sun_path, path, strnlen(path, sizeof(sa->sun_path) - 1));
}

/* Send one message, with 'fd' attached unless it is -1. */
static int
send_msg(int sock, const struct shmring_msg *m, int fd, const char *peer,
	 char *why, size_t why_len)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = {
		.iov_base = (void *)(uintptr_t)m,
		.iov_len = sizeof(*m),
	};
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;
	ssize_t n = -1;
	int i;

	if (fd >= 0) {
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	for (i = 0; i < HOST_EINTR_RETRIES; i++) {
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
		if (n >= 0 || errno != EINTR)
			break;
	}
	if (n == (ssize_t)sizeof(*m))
		return SHMRING_OK;
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		WHY("%s does not read: no room for %s", peer,
		    shmring_msg_type_name(m->hdr.type));
	else if (n < 0)
		WHY("cannot send %s to %s: %m",
		    shmring_msg_type_name(m->hdr.type), peer);
	else
		WHY("%s took %zd of the %zu bytes of %s", peer, n, sizeof(*m),
		    shmring_msg_type_name(m->hdr.type));
	return SHMRING_E_SYSTEM;
}

/*
 * Receive one message into a private buffer and decode it.  Every fd that
 * arrives with it is taken: up to 'max_fds' are handed to the caller in
 * fds[], any more make the message bad and all of them are closed.  A
 * message arriving with more fds than HOST_MAX_FDS is cut by the kernel
 * (MSG_CTRUNC, which closes the rest) and rejected too.
 * Returns SHMRING_OK, HOST_AGAIN (nothing there yet) or an
 * SHMRING_E_* code; on anything but SHMRING_OK no fd is left open.
 */
static int
recv_msg(int sock, int flags, struct shmring_msg *m, int *fds, int max_fds,
	 int *n_fds, const char *peer, char *why, size_t why_len)
{
	uint8_t buf[HOST_RECV_BUF];
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * HOST_MAX_FDS)];
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
		.msg_controllen = sizeof(ctl.buf),
	};
	int got[HOST_MAX_FDS];
	int n_got = 0, rc, i, k, fd;
	struct cmsghdr *c;
	ssize_t n = -1;

	*n_fds = 0;
	for (i = 0; i < HOST_EINTR_RETRIES; i++) {
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | flags);
		if (n >= 0 || errno != EINTR)
			break;
	}
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return HOST_AGAIN;
		WHY("cannot receive from %s: %m", peer);
		return SHMRING_E_SYSTEM;
	}
	/* Take every fd that came, before judging anything else. */
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (i = 0; i < k; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			if (n_got < HOST_MAX_FDS)
				got[n_got++] = fd;
			else
				close(fd);
		}
	}
	if (mh.msg_flags & MSG_CTRUNC) {
		WHY("%s sent more than %d file descriptors with one message",
		    peer, HOST_MAX_FDS);
		rc = SHMRING_E_MSG_BAD;
		goto drop;
	}
	if (n == 0) {
		WHY("%s closed the connection", peer);
		rc = SHMRING_E_NO_PEER;
		goto drop;
	}
	/* MSG_TRUNC: longer than buf, so longer than 128: decode says so. */
	rc = shmring_msg_decode(buf, (size_t)n, m, why, why_len);
	if (rc != SHMRING_OK)
		goto drop;
	if (n_got > max_fds) {
		WHY("%s sent %s with %d file descriptors, expected %s", peer,
		    shmring_msg_type_name(m->hdr.type), n_got,
		    max_fds == 0 ? "none" : "one");
		rc = SHMRING_E_MSG_BAD;
		goto drop;
	}
	for (i = 0; i < n_got; i++)
		fds[i] = got[i];
	*n_fds = n_got;
	return SHMRING_OK;

drop:
	close_fds(got, n_got);
	return rc;
}

/* Did we judge the peer's message (then it deserves a REJECT)? */
static bool
peer_at_fault(int rc)
{
	return rc != SHMRING_OK && rc != SHMRING_E_SYSTEM &&
	       rc != SHMRING_E_NO_PEER && rc != SHMRING_E_MSG_REJECTED &&
	       rc != SHMRING_E_TIMEOUT;
}

/* Best effort: the peer may already be gone, and we close anyway. */
static void
send_reject(int sock, int code, const char *reason)
{
	struct shmring_msg m;

	shmring_msg_reject(&m, code, reason);
	(void)send(sock, &m, sizeof(m), MSG_NOSIGNAL | MSG_DONTWAIT);
}

/*
 * Attached: has the peer gone?  One non-blocking look.  The connection
 * carries nothing after ACCEPT, so anything that arrives is either the
 * peer's REJECT (it leaves) or a protocol error (we leave).
 */
static int
watch_peer(int sock, const char *peer, char *why, size_t why_len)
{
	struct pollfd pfd = { .fd = sock, .events = POLLIN | POLLRDHUP };
	char sub[SHMRING_WHY_MAX];
	struct shmring_msg m;
	int fds[HOST_MAX_FDS];
	int n, rc;

	if (poll(&pfd, 1, 0) <= 0)
		return SHMRING_OK;	/* nothing, or EINTR: look next time */
	if (pfd.revents & POLLIN) {
		sub[0] = '\0';
		rc = recv_msg(sock, MSG_DONTWAIT, &m, fds, HOST_MAX_FDS, &n,
			      peer, sub, sizeof(sub));
		if (rc == HOST_AGAIN)
			return SHMRING_OK;
		if (rc == SHMRING_OK) {
			close_fds(fds, n);
			rc = shmring_msg_expect(&m, SHMRING_MSG_REJECT, sub,
						sizeof(sub));
			if (rc == SHMRING_E_MSG_REJECTED) {
				WHY("%s left: %s", peer, sub);
				return SHMRING_E_NO_PEER;
			}
			WHY("%s sent %s after ACCEPT; disconnecting", peer,
			    shmring_msg_type_name(m.hdr.type));
			return SHMRING_E_MSG_TYPE;
		}
		WHY("%s", sub);
		return rc;
	}
	WHY("%s hung up", peer);
	return SHMRING_E_NO_PEER;
}

/* ---------------------------------------------------------------- guest */

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
	fill_addr(&sa, path);
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

static int
listen_on(struct host_guest *g, const char *path, char *why, size_t why_len)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd, rc;

	rc = clear_stale_socket(path, why, why_len);
	if (rc != SHMRING_OK)
		return rc;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		WHY("cannot create the listening socket: %m");
		return SHMRING_E_SYSTEM;
	}
	fill_addr(&sa, path);
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

static int
host_guest_open(struct shmring_guest_ep *ep, char *why, size_t why_len)
{
	uint64_t size = ep->info.layout.region_size;
	struct host_guest *g;
	int rc, i;

	rc = check_path(ep->cfg.path, why, why_len);
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
	if (peer_at_fault(rc))
		send_reject(pe->sock, rc, why);
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
	rc = send_msg(pe->sock, &m, g->memfd, "DomS", why, why_len);
	if (rc != SHMRING_OK) {
		pend_free(pe);
		ep->last_err = rc;
		return SHMRING_EV_PEER_REJECTED;
	}
	pe->state = PEND_ACCEPT;
	pe->deadline_ms = now_ms() + HOST_STEP_TIMEOUT_MS;
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

	rc = recv_msg(pe->sock, MSG_DONTWAIT, &m, NULL, 0, &nfd, "DomS", why,
		      why_len);
	if (pe->state == PEND_REFUSE) {
		/* Its HELLO (or its silence) is all we waited for. */
		if (rc == HOST_AGAIN && now < pe->deadline_ms)
			return SHMRING_EV_NONE;
		if (rc != HOST_AGAIN)
			send_reject(pe->sock, pe->refuse_code, pe->refuse_why);
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

static int
host_guest_poll(struct shmring_guest_ep *ep, char *why, size_t why_len)
{
	struct host_guest *g = ep->priv;
	uint64_t now = now_ms();
	int sock, rc, ev, i;

	if (g->conn_fd >= 0) {
		rc = watch_peer(g->conn_fd, "DomS", why, why_len);
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

static void
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

/* ----------------------------------------------------------------- DomS */

static int
host_doms_open(struct shmring_doms_ep *ep, char *why, size_t why_len)
{
	struct host_doms *d;
	int rc;

	rc = check_path(ep->cfg.path, why, why_len);
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
	fill_addr(&sa, ep->cfg.path);
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

	if (peer_at_fault(rc))
		send_reject(d->sock, rc, why);
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
	rc = send_msg(d->sock, &m, -1, "guest", why, why_len);
	if (rc != SHMRING_OK) {
		/* It may have refused us before reading: show its reason. */
		if (recv_msg(d->sock, MSG_DONTWAIT, &r, NULL, 0, &n, "guest",
			     NULL, 0) == SHMRING_OK &&
		    shmring_msg_expect(&r, SHMRING_MSG_HELLO, why, why_len) ==
		    SHMRING_E_MSG_REJECTED)
			rc = SHMRING_E_MSG_REJECTED;
		return doms_fail(ep, rc, why);
	}
	d->state = DOMS_WAIT_OFFER;
	d->deadline_ms = now_ms() + HOST_STEP_TIMEOUT_MS;
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
	rc = send_msg(d->sock, &m, -1, "guest", why, why_len);
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

	rc = recv_msg(d->sock, MSG_DONTWAIT, &m, &fd, 1, &nfd, "guest", why,
		      why_len);
	if (rc == HOST_AGAIN) {
		if (now_ms() < d->deadline_ms)
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

static int
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
		rc = watch_peer(d->sock, "guest", why, why_len);
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

static void
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

static void
host_doms_close(struct shmring_doms_ep *ep)
{
	if (ep->priv == NULL)
		return;
	host_doms_detach(ep);
	free(ep->priv);
	ep->priv = NULL;
}

const struct shmring_transport_ops shmring_transport_host_ops = {
	.name = "host",
	.guest_open = host_guest_open,
	.guest_poll = host_guest_poll,
	.guest_close = host_guest_close,
	.doms_open = host_doms_open,
	.doms_poll = host_doms_poll,
	.doms_detach = host_doms_detach,
	.doms_close = host_doms_close,
};
