/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Endpoints: how the two sides find, share and lose a region.
 *
 * A transport moves a region from the guest to DomS and tells each side
 * when the other comes and goes.  Two transports implement the same
 * interface (struct shmring_transport_ops, shmring_transport.h):
 *
 *   host  guest: memfd (sealed), UNIX socket listener, fd over SCM_RIGHTS
 *         DomS : connect, SO_PEERCRED, fstat/F_GET_SEALS, mmap
 *   xen   guest: xengntshr pages granted to DomS, xenstore frontend dir
 *         DomS : xenstore watch, xengnttab_map_domain_grant_refs
 *
 * Neither side ever blocks: *_poll() is called from a control thread
 * that may serve many endpoints; it does what the peer's messages so far
 * allow, never waits for the peer, and reports what changed.  A peer
 * that does not answer a handshake step in time loses that handshake
 * (SHMRING_E_TIMEOUT); a silent peer costs its own endpoint only.
 *
 * Ownership and life cycle:
 *   guest: open -> region exists -> poll() ... PEER_UP ... PEER_DOWN ...
 *          The region and the rendezvous outlive any number of DomS
 *          incarnations; close() destroys both.
 *   DomS : open -> poll() retries attach until a guest answers -> PEER_UP
 *          (base/info valid) ... poll() reports PEER_DOWN -> the caller
 *          quiesces its data path, then calls detach() (unmaps) -> poll()
 *          retries again.
 */

#ifndef SHMRING_ENDPOINT_H
#define SHMRING_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shmring_region.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SHMRING_PATH_MAX	108	/* sun_path */
#define SHMRING_WHY_MAX		160
#define SHMRING_UID_ANY		UINT32_MAX

enum shmring_transport_kind {
	SHMRING_TRANSPORT_HOST = 0,
	SHMRING_TRANSPORT_XEN = 1,
};

/* Where an endpoint meets its peer. */
struct shmring_endpoint_cfg {
	enum shmring_transport_kind transport;
	/* host: UNIX socket path the guest listens on */
	char path[SHMRING_PATH_MAX];
	/* host: uid allowed at the other end (SHMRING_UID_ANY: no check) */
	uint32_t peer_uid;
	/* xen: the other side's domain id, and the device number */
	uint32_t peer_domid;
	uint32_t devid;
};

/* What DomS accepts from a guest; anything larger is rejected. */
struct shmring_limits {
	uint16_t max_qp;
	uint32_t max_ring_size;
	uint32_t max_slot_size;
	uint32_t max_mtu;
	uint64_t max_region_size;
};

enum shmring_event {
	SHMRING_EV_NONE = 0,	/* nothing changed */
	SHMRING_EV_PEER_UP,	/* a peer attached; rings may be used */
	SHMRING_EV_PEER_DOWN,	/* the peer left or died */
	SHMRING_EV_PEER_REJECTED, /* a peer tried and was refused (why) */
};

struct shmring_guest_ep;
struct shmring_doms_ep;

/*
 * Guest side.  open() creates and initialises the region and starts
 * listening; it returns SHMRING_OK or an error with a sentence in 'why'.
 */
int shmring_guest_open(struct shmring_guest_ep **ep,
		       const struct shmring_endpoint_cfg *cfg,
		       const struct shmring_params *params,
		       char *why, size_t why_len);
/* One bounded step; returns an enum shmring_event.  'why' explains a
 * rejection or a disconnect. */
int shmring_guest_poll(struct shmring_guest_ep *ep, char *why,
		       size_t why_len);
void *shmring_guest_base(const struct shmring_guest_ep *ep);
const struct shmring_region_info *
shmring_guest_info(const struct shmring_guest_ep *ep);
bool shmring_guest_peer_attached(const struct shmring_guest_ep *ep);
/* SHMRING_E_* of the last failed step (SHMRING_OK after PEER_UP), so a
 * caller can count rejections and disconnects by cause. */
int shmring_guest_last_error(const struct shmring_guest_ep *ep);
/*
 * After PEER_DOWN: the caller's data path has left the region (no burst
 * is inside it, none enters before the next PEER_UP).  The Xen
 * transport moves the region to a re-created DomS only after this; the
 * next poll() does the move.  _pending() says whether the endpoint is
 * waiting for it (never on the host transport, nor while attached).
 */
bool shmring_guest_quiesce_pending(const struct shmring_guest_ep *ep);
void shmring_guest_quiesced(struct shmring_guest_ep *ep);
void shmring_guest_close(struct shmring_guest_ep *ep);

/* DomS side.  'limits' may be NULL for shmring_limits_default(). */
int shmring_doms_open(struct shmring_doms_ep **ep,
		      const struct shmring_endpoint_cfg *cfg,
		      const struct shmring_limits *limits,
		      char *why, size_t why_len);
int shmring_doms_poll(struct shmring_doms_ep *ep, char *why, size_t why_len);
void *shmring_doms_base(const struct shmring_doms_ep *ep);
const struct shmring_region_info *
shmring_doms_info(const struct shmring_doms_ep *ep);
bool shmring_doms_attached(const struct shmring_doms_ep *ep);
/* A handshake is waiting for the guest's answer: poll again soon rather
 * than after a back-off. */
bool shmring_doms_handshaking(const struct shmring_doms_ep *ep);
/* SHMRING_E_* of the last failed step (SHMRING_OK after PEER_UP). */
int shmring_doms_last_error(const struct shmring_doms_ep *ep);
/* Unmap the region after the caller stopped touching it. */
void shmring_doms_detach(struct shmring_doms_ep *ep);
void shmring_doms_close(struct shmring_doms_ep *ep);

/* Sensible limits for a DomS (what the PMD uses unless told otherwise). */
void shmring_limits_default(struct shmring_limits *l);

#ifdef __cplusplus
}
#endif

#endif /* SHMRING_ENDPOINT_H */
