/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Host transport: both sides are processes of one Linux host.
 *
 * The guest puts its region in a memfd, seals it so it can never shrink
 * or grow (a mapping of a shrunk file would SIGBUS DomS), and listens on
 * a UNIX SOCK_SEQPACKET socket.  DomS connects, checks who listens
 * (SO_PEERCRED), sends HELLO and receives OFFER with the memfd
 * (SCM_RIGHTS).  It checks seals and size before it maps anything and
 * the header before it answers ACCEPT.  The connection then stays open
 * with nothing on it: its end-of-file is how each side learns that the
 * other is gone, including after SIGKILL.
 *
 * Every socket operation of a handshake has a HOST_STEP_TIMEOUT_MS
 * timeout, so a poll never blocks longer than a few of those, whatever
 * the peer does.  Every fd is CLOEXEC, every send is MSG_NOSIGNAL, and
 * every fd that arrives is either kept or closed.
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
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "shmring_transport.h"

#define WHY(...) do {							\
		if (why != NULL && why_len > 0)				\
			snprintf(why, why_len, __VA_ARGS__);		\
	} while (0)

#define HOST_STEP_TIMEOUT_MS	1000	/* per send or receive */
#define HOST_MAX_FDS		4	/* fds taken from one message */
/* Larger than a message, so that a longer one shows as such. */
#define HOST_RECV_BUF		(2 * SHMRING_MSG_SIZE)
#define HOST_BACKLOG		4
#define HOST_EINTR_RETRIES	4
#define HOST_REQUIRED_SEALS	(F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)
#define HOST_HUGE_PAGE		(2ull << 20)
#ifndef MFD_HUGE_2MB
/* log2(2 MiB) << MFD_HUGE_SHIFT */
#define MFD_HUGE_2MB		(21u << 26)
#endif

/* recv_msg() result when nothing is there (timeout or MSG_DONTWAIT). */
#define HOST_AGAIN		(-1)

struct host_guest {
	int memfd;		/* the region; passed with every OFFER */
	int listen_fd;
	int conn_fd;		/* the attached DomS, -1 if none */
	dev_t sock_dev;		/* our socket file, so close() unlinks */
	ino_t sock_ino;		/* only ours and not a successor's */
	bool hugetlb;
};

enum host_doms_state {
	DOMS_IDLE,		/* not connected: poll() tries to attach */
	DOMS_UP,		/* mapped and guest present */
	DOMS_DOWN,		/* guest gone, still mapped until detach() */
};

struct host_doms {
	int sock;
	enum host_doms_state state;
};

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

static int
set_blocking_with_timeouts(int sock, char *why, size_t why_len)
{
	struct timeval tv = {
		.tv_sec = HOST_STEP_TIMEOUT_MS / 1000,
		.tv_usec = (HOST_STEP_TIMEOUT_MS % 1000) * 1000,
	};
	int fl = fcntl(sock, F_GETFL);

	if (fl < 0 || fcntl(sock, F_SETFL, fl & ~O_NONBLOCK) != 0 ||
	    setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0) {
		WHY("cannot set up the control socket: %m");
		return SHMRING_E_SYSTEM;
	}
	return SHMRING_OK;
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
		WHY("%s did not take %s within %d ms", peer,
		    shmring_msg_type_name(m->hdr.type), HOST_STEP_TIMEOUT_MS);
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
 * Returns SHMRING_OK, HOST_AGAIN (nothing within the timeout) or an
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

/* recv_msg() for a handshake step: a timeout is an error. */
static int
recv_step(int sock, struct shmring_msg *m, int *fds, int max_fds,
	  int *n_fds, const char *peer, unsigned int want, char *why,
	  size_t why_len)
{
	int rc = recv_msg(sock, 0, m, fds, max_fds, n_fds, peer, why,
			  why_len);

	if (rc == HOST_AGAIN) {
		WHY("no %s from %s within %d ms", shmring_msg_type_name(want),
		    peer, HOST_STEP_TIMEOUT_MS);
		return SHMRING_E_SYSTEM;
	}
	return rc;
}

/* Did we judge the peer's message (then it deserves a REJECT)? */
static bool
peer_at_fault(int rc)
{
	return rc != SHMRING_OK && rc != SHMRING_E_SYSTEM &&
	       rc != SHMRING_E_NO_PEER && rc != SHMRING_E_MSG_REJECTED;
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
 * Refuse a peer that speaks first (a DomS, with HELLO): read that message
 * before answering, because closing a UNIX socket with unread data makes
 * the peer's next receive fail with ECONNRESET instead of showing our
 * REJECT.  Bounded by one receive timeout.
 */
static void
refuse_speaker(int sock, int code, const char *reason)
{
	struct shmring_msg m;
	int fds[HOST_MAX_FDS], n;

	if (recv_msg(sock, 0, &m, fds, HOST_MAX_FDS, &n, "peer", NULL, 0) ==
	    SHMRING_OK)
		close_fds(fds, n);
	send_reject(sock, code, reason);
	close(sock);
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

/* One memfd attempt: create, size, seal, map.  Nothing left on error. */
static int
region_try(uint64_t size, unsigned int huge, int *fdp, void **basep,
	   char *why, size_t why_len)
{
	void *base;
	int fd;

	fd = memfd_create("xenshm-region",
			  MFD_CLOEXEC | MFD_ALLOW_SEALING | huge);
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
	base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
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

static int
region_create(struct host_guest *g, uint64_t size, void **basep, char *why,
	      size_t why_len)
{
	/*
	 * 2 MiB pages spare both sides TLB misses.  The header's size must
	 * equal the file's, so only a region of whole huge pages can use
	 * them; without free huge pages mmap fails and 4 KiB pages do.
	 */
	if (size % HOST_HUGE_PAGE == 0 &&
	    region_try(size, MFD_HUGETLB | MFD_HUGE_2MB, &g->memfd, basep,
		       NULL, 0) == SHMRING_OK) {
		g->hugetlb = true;
		return SHMRING_OK;
	}
	return region_try(size, 0, &g->memfd, basep, why, why_len);
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
	int rc;

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

	rc = region_create(g, size, &ep->base, why, why_len);
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

/*
 * Guest side of one handshake on a just-accepted connection.  Owns 'sock':
 * keeps it on PEER_UP, closes it otherwise.
 */
static int
guest_handshake(struct shmring_guest_ep *ep, int sock, char *why,
		size_t why_len)
{
	struct shmring_region_hdr *h = ep->base;
	struct host_guest *g = ep->priv;
	struct shmring_msg m;
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	uint32_t epoch;
	int rc, nfd;

	rc = set_blocking_with_timeouts(sock, why, why_len);
	if (rc != SHMRING_OK)
		goto out_close;
	if (ep->cfg.peer_uid != SHMRING_UID_ANY) {
		if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &cl) != 0) {
			WHY("cannot read the DomS's credentials: %m");
			rc = SHMRING_E_SYSTEM;
			goto out_close;
		}
		if (cred.uid != ep->cfg.peer_uid) {
			WHY("DomS pid %d runs as uid %u; only uid %u may attach",
			    (int)cred.pid, (unsigned int)cred.uid,
			    ep->cfg.peer_uid);
			rc = SHMRING_E_PEER_CRED;
			goto out_refuse;
		}
	}
	/* One DomS at a time; a second one must not disturb the first. */
	if (g->conn_fd >= 0) {
		WHY("a DomS is already attached to this guest; refusing "
		    "another one");
		rc = SHMRING_E_BUSY;
		goto out_refuse;
	}

	rc = recv_step(sock, &m, NULL, 0, &nfd, "DomS", SHMRING_MSG_HELLO,
		       why, why_len);
	if (rc == SHMRING_OK)
		rc = shmring_msg_expect(&m, SHMRING_MSG_HELLO, why, why_len);
	if (rc == SHMRING_OK)
		rc = shmring_hello_check(&m.u.hello, &ep->info.params,
					 ep->info.layout.region_size, why,
					 why_len);
	if (rc != SHMRING_OK)
		goto out_reject;

	/* A new attach: a new epoch, in the header before the OFFER. */
	epoch = shmring_ep_guest_bump_epoch(ep);
	shmring_msg_offer(&m, &ep->info.params, ep->info.layout.region_size,
			  epoch);
	rc = send_msg(sock, &m, g->memfd, "DomS", why, why_len);
	if (rc != SHMRING_OK)
		goto out_close;

	rc = recv_step(sock, &m, NULL, 0, &nfd, "DomS", SHMRING_MSG_ACCEPT,
		       why, why_len);
	if (rc == SHMRING_OK)
		rc = shmring_msg_expect(&m, SHMRING_MSG_ACCEPT, why, why_len);
	if (rc != SHMRING_OK)
		goto out_reject;

	ep->peer_epoch = m.u.accept.doms_epoch;
	g->conn_fd = sock;
	ep->attached = true;
	ep->last_err = SHMRING_OK;
	shmring_side_set_live(&h->guest, SHMRING_SIDE_CONNECTED);
	WHY("DomS attached (guest epoch %u, DomS epoch %u)", epoch,
	    ep->peer_epoch);
	return SHMRING_EV_PEER_UP;

out_refuse:
	ep->last_err = rc;
	refuse_speaker(sock, rc, why);
	return SHMRING_EV_PEER_REJECTED;
out_reject:
	if (peer_at_fault(rc))
		send_reject(sock, rc, why);
out_close:
	ep->last_err = rc;
	close(sock);
	return SHMRING_EV_PEER_REJECTED;
}

static int
host_guest_poll(struct shmring_guest_ep *ep, char *why, size_t why_len)
{
	struct host_guest *g = ep->priv;
	int sock, rc;

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
	sock = accept4(g->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (sock < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR || errno == ECONNABORTED)
			return SHMRING_EV_NONE;
		WHY("cannot accept a DomS on %s: %m", ep->cfg.path);
		ep->last_err = SHMRING_E_SYSTEM;
		return SHMRING_EV_PEER_REJECTED;
	}
	return guest_handshake(ep, sock, why, why_len);
}

static void
host_guest_close(struct shmring_guest_ep *ep)
{
	struct shmring_region_hdr *h = ep->base;
	struct host_guest *g = ep->priv;
	struct stat st;

	if (g == NULL)
		return;
	shmring_side_set_live(&h->guest, SHMRING_SIDE_GONE);
	if (g->conn_fd >= 0)
		close(g->conn_fd);
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
 * Check the guest's memory fd before mapping it: sealed against shrinking
 * (else the guest could truncate it under our mapping and SIGBUS us),
 * growing and further sealing, and exactly the size offered.  Seals first:
 * once SHRINK and GROW are on, the size we read cannot change.
 */
static int
doms_check_fd(int fd, uint64_t size, char *why, size_t why_len)
{
	struct stat st;
	int seals;

	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0) {
		WHY("the guest's region fd cannot be sealed (%m): not a memfd");
		return SHMRING_E_FD_NOT_SEALED;
	}
	if ((seals & HOST_REQUIRED_SEALS) != HOST_REQUIRED_SEALS) {
		WHY("the guest's memfd has seals 0x%x; it needs SHRINK, GROW "
		    "and SEAL (0x%x)", (unsigned int)seals,
		    (unsigned int)HOST_REQUIRED_SEALS);
		return SHMRING_E_FD_NOT_SEALED;
	}
	if (fstat(fd, &st) != 0) {
		WHY("cannot stat the guest's memfd: %m");
		return SHMRING_E_SYSTEM;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < 0 ||
	    (uint64_t)st.st_size != size) {
		WHY("the guest's memfd holds %lld bytes, the offer says %llu",
		    (long long)st.st_size, (unsigned long long)size);
		return SHMRING_E_FD_SIZE;
	}
	return SHMRING_OK;
}

/* DomS side of one handshake; one bounded step. */
static int
doms_attach(struct shmring_doms_ep *ep, char *why, size_t why_len)
{
	struct host_doms *d = ep->priv;
	struct shmring_region_info info;
	struct shmring_msg_offer offer;
	struct shmring_msg m, r;
	void *base = MAP_FAILED;
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	int sock, ev, rc, nfd = 0, fd = -1, n;
	uint64_t size = 0;

	sock = doms_connect(ep, &ev, why, why_len);
	if (sock < 0)
		return ev;
	rc = set_blocking_with_timeouts(sock, why, why_len);
	if (rc != SHMRING_OK)
		goto out;
	if (ep->cfg.peer_uid != SHMRING_UID_ANY) {
		if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &cl) != 0) {
			WHY("cannot read the guest's credentials: %m");
			rc = SHMRING_E_SYSTEM;
			goto out;
		}
		if (cred.uid != ep->cfg.peer_uid) {
			WHY("guest pid %d runs as uid %u; only uid %u is served",
			    (int)cred.pid, (unsigned int)cred.uid,
			    ep->cfg.peer_uid);
			rc = SHMRING_E_PEER_CRED;
			goto out_reject;
		}
	}

	shmring_msg_hello(&m, &ep->limits);
	rc = send_msg(sock, &m, -1, "guest", why, why_len);
	if (rc != SHMRING_OK) {
		/* It may have refused us before reading: show its reason. */
		if (recv_msg(sock, MSG_DONTWAIT, &r, NULL, 0, &n, "guest",
			     NULL, 0) == SHMRING_OK &&
		    shmring_msg_expect(&r, SHMRING_MSG_HELLO, why, why_len) ==
		    SHMRING_E_MSG_REJECTED)
			rc = SHMRING_E_MSG_REJECTED;
		goto out;
	}

	rc = recv_step(sock, &m, &fd, 1, &nfd, "guest", SHMRING_MSG_OFFER,
		       why, why_len);
	if (rc == SHMRING_OK)
		rc = shmring_msg_expect(&m, SHMRING_MSG_OFFER, why, why_len);
	if (rc != SHMRING_OK)
		goto out_reject;
	if (nfd == 0) {
		WHY("the guest's OFFER carries no memory file descriptor");
		rc = SHMRING_E_FD_MISSING;
		goto out_reject;
	}
	offer = m.u.offer;
	rc = shmring_offer_check(&offer, &ep->limits, &info, why, why_len);
	if (rc != SHMRING_OK)
		goto out_reject;
	size = offer.region_size;
	rc = doms_check_fd(fd, size, why, why_len);
	if (rc != SHMRING_OK)
		goto out_reject;
	base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED) {
		WHY("cannot map the guest's %llu-byte region: %m",
		    (unsigned long long)size);
		rc = SHMRING_E_SYSTEM;
		goto out_reject;
	}
	close(fd);	/* the mapping keeps the memory */
	fd = -1;
	rc = shmring_ep_doms_verify(base, size, &offer, &info, why, why_len);
	if (rc != SHMRING_OK)
		goto out_reject;

	shmring_ep_doms_claim(ep, base);
	shmring_msg_accept(&m, ep->epoch);
	rc = send_msg(sock, &m, -1, "guest", why, why_len);
	if (rc != SHMRING_OK) {
		shmring_ep_doms_release(base);
		goto out;
	}
	d->sock = sock;
	d->state = DOMS_UP;
	ep->base = base;
	ep->info = info;
	ep->peer_epoch = offer.guest_epoch;
	ep->attached = true;
	ep->last_err = SHMRING_OK;
	WHY("attached to the guest at %s (guest epoch %u, DomS epoch %u)",
	    ep->cfg.path, ep->peer_epoch, ep->epoch);
	return SHMRING_EV_PEER_UP;

out_reject:
	if (peer_at_fault(rc))
		send_reject(sock, rc, why);
out:
	if (base != MAP_FAILED)
		munmap(base, size);
	if (fd >= 0)
		close(fd);
	close(sock);
	ep->last_err = rc;
	return SHMRING_EV_PEER_REJECTED;
}

static int
host_doms_poll(struct shmring_doms_ep *ep, char *why, size_t why_len)
{
	struct host_doms *d = ep->priv;
	int rc;

	switch (d->state) {
	case DOMS_IDLE:
		return doms_attach(ep, why, why_len);
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
