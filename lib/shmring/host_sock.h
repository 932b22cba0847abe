/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Internal to the host transport: what its two sides share (the socket
 * and message layer in host_sock.c) and the entry points of each side
 * (transport_host_guest.c, transport_host_doms.c) that transport_host.c
 * puts in the ops table.
 */

#ifndef SHMRING_HOST_SOCK_H
#define SHMRING_HOST_SOCK_H

#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/un.h>

#include "shmring_transport.h"

#define HOST_STEP_TIMEOUT_MS	1000	/* the peer's time to answer a step */
#define HOST_MAX_FDS		4	/* fds taken from one message */
#define HOST_BACKLOG		4
#define HOST_REQUIRED_SEALS	(F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE	0x0010
#endif
/* Seals that forbid the writable mapping DomS needs. */
#define HOST_FORBIDDEN_SEALS	(F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)

/* host_sock_recv() result when nothing is there yet. */
#define HOST_AGAIN		(-1)

uint64_t host_sock_now_ms(void);
void host_sock_close_fds(const int *fds, int n);
/* SHMRING_E_CONFIG unless 'path' fits sun_path. */
int host_sock_check_path(const char *path, char *why, size_t why_len);
void host_sock_addr(struct sockaddr_un *sa, const char *path);
/* Send one message, with 'fd' attached unless it is -1; never waits. */
int host_sock_send(int sock, const struct shmring_msg *m, int fd,
		   const char *peer, char *why, size_t why_len);
/*
 * Receive and decode one message; up to 'max_fds' fds that came with it
 * go to fds[].  SHMRING_OK, HOST_AGAIN or SHMRING_E_*; on anything but
 * SHMRING_OK no fd is left open.
 */
int host_sock_recv(int sock, int flags, struct shmring_msg *m, int *fds,
		   int max_fds, int *n_fds, const char *peer, char *why,
		   size_t why_len);
/* Did we judge the peer's message (then it deserves a REJECT)? */
bool host_sock_peer_at_fault(int rc);
/* Best effort REJECT; the caller closes. */
void host_sock_reject(int sock, int code, const char *reason);
/* Attached: SHMRING_OK while the peer is there, else why it is not. */
int host_sock_watch(int sock, const char *peer, char *why, size_t why_len);

int host_guest_open(struct shmring_guest_ep *ep, char *why, size_t why_len);
int host_guest_poll(struct shmring_guest_ep *ep, char *why, size_t why_len);
void host_guest_close(struct shmring_guest_ep *ep);
int host_doms_open(struct shmring_doms_ep *ep, char *why, size_t why_len);
int host_doms_poll(struct shmring_doms_ep *ep, char *why, size_t why_len);
void host_doms_detach(struct shmring_doms_ep *ep);
void host_doms_close(struct shmring_doms_ep *ep);

#endif /* SHMRING_HOST_SOCK_H */
