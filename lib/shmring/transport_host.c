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
 *
 * Files: host_sock.c (messages and sockets, both sides),
 * transport_host_guest.c, transport_host_doms.c.
 */

#include "host_sock.h"

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
