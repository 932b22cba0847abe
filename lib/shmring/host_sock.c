/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * The host transport's socket and message layer, used by both sides:
 * one 128-byte message per SOCK_SEQPACKET datagram, fds as SCM_RIGHTS,
 * every socket non-blocking, every send MSG_NOSIGNAL, every fd that
 * arrives either handed over or closed.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "host_sock.h"
#include "shmring_why.h"

/* Larger than a message, so that a longer one shows as such. */
#define HOST_RECV_BUF		(2 * SHMRING_MSG_SIZE)
#define HOST_EINTR_RETRIES	4

uint64_t
host_sock_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void
host_sock_close_fds(const int *fds, int n)
{
	int i;

	for (i = 0; i < n; i++)
		close(fds[i]);
}

int
host_sock_check_path(const char *path, char *why, size_t why_len)
{
	size_t n = strnlen(path, SHMRING_PATH_MAX);

	if (n == 0 || n >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		WHY("socket path must be 1..%zu bytes",
		    sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
		return SHMRING_E_CONFIG;
	}
	return SHMRING_OK;
}

void
host_sock_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	/* host_sock_check_path() bounded the length. */
	memcpy(sa->sun_path, path, strnlen(path, sizeof(sa->sun_path) - 1));
}

/* Send one message, with 'fd' attached unless it is -1. */
int
host_sock_send(int sock, const struct shmring_msg *m, int fd, const char *peer,
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
int
host_sock_recv(int sock, int flags, struct shmring_msg *m, int *fds, int max_fds,
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
	host_sock_close_fds(got, n_got);
	return rc;
}

/* Did we judge the peer's message (then it deserves a REJECT)? */
bool
host_sock_peer_at_fault(int rc)
{
	return rc != SHMRING_OK && rc != SHMRING_E_SYSTEM &&
	       rc != SHMRING_E_NO_PEER && rc != SHMRING_E_MSG_REJECTED &&
	       rc != SHMRING_E_TIMEOUT;
}

/* Best effort: the peer may already be gone, and we close anyway. */
void
host_sock_reject(int sock, int code, const char *reason)
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
int
host_sock_watch(int sock, const char *peer, char *why, size_t why_len)
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
		rc = host_sock_recv(sock, MSG_DONTWAIT, &m, fds, HOST_MAX_FDS, &n,
			      peer, sub, sizeof(sub));
		if (rc == HOST_AGAIN)
			return SHMRING_OK;
		if (rc == SHMRING_OK) {
			host_sock_close_fds(fds, n);
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
