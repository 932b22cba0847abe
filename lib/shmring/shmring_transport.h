/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Internal: what a transport implements and the endpoint state it shares
 * with the generic code in shmring_endpoint.c.  Not installed; only the
 * files of lib/shmring include it.
 *
 * A transport is one static const struct shmring_transport_ops.  The
 * generic code owns the endpoint structs below: it validates the config
 * and the params, computes the layout, and keeps the fields every
 * transport reports through (base, info, attached, last_err).  Whatever
 * a transport needs beyond that (sockets, memfd, grant handles, xenstore
 * watches, event channels) lives behind 'priv', which the transport
 * allocates in *_open() and frees in *_close().
 *
 * How the two transports fill the ops:
 *
 *               host (transport_host.c)        xen (transport_xen.c)
 * guest_open    memfd + seals + mmap,          xengntshr_share_pages(),
 *               listen on cfg->path            refs + params in xenstore
 * guest_poll    accept, HELLO/OFFER/ACCEPT,    backend state in xenstore,
 *               EOF on the socket = DomS gone  doms.live zeroed by unmap
 *                                              notify = DomS gone
 * doms_open     remember path and limits       xs_open, watch frontend dir
 * doms_poll     connect, SO_PEERCRED, fd       read refs, map with
 *               checks, mmap, header check     xengnttab_map_domain_grant_refs,
 *                                              header check
 * doms_detach   munmap, close socket           xengnttab_unmap, unbind
 *
 * No poll ever waits for the peer: a transport keeps each handshake as
 * state, does what the peer's messages so far allow and returns; a peer
 * that does not answer in time loses its handshake (SHMRING_E_TIMEOUT).
 * So a silent or slow peer costs its own endpoint only.  Both sides use the helpers at the end of
 * this file for the parts that do not depend on the transport, so the
 * header rules, the handshake rules and the side lines are the same on
 * both.
 */

#ifndef SHMRING_TRANSPORT_H
#define SHMRING_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shmring_endpoint.h"
#include "shmring_handshake.h"

struct shmring_guest_ep {
	const struct shmring_transport_ops *ops;
	struct shmring_endpoint_cfg cfg;
	struct shmring_region_info info;	/* own params and layout */
	void *base;		/* the region; set by ops->guest_open */
	uint32_t epoch;		/* last value written to the guest line */
	uint32_t peer_epoch;	/* DomS epoch of the attached peer */
	bool attached;		/* between PEER_UP and PEER_DOWN */
	/* set by a transport at PEER_DOWN when it must know the caller's
	 * data path has left the region; cleared by shmring_guest_quiesced() */
	bool quiesce_pending;
	int last_err;		/* SHMRING_E_* of the last failure */
	void *priv;		/* transport state */
};

struct shmring_doms_ep {
	const struct shmring_transport_ops *ops;
	struct shmring_endpoint_cfg cfg;
	struct shmring_limits limits;
	struct shmring_region_info info;	/* valid while base != NULL */
	void *base;		/* mapped region, NULL when detached */
	uint32_t epoch;		/* our epoch in the doms line */
	uint32_t peer_epoch;	/* guest epoch of the mapped region */
	bool attached;		/* between PEER_UP and PEER_DOWN */
	bool handshaking;	/* a handshake waits for the guest */
	int last_err;		/* SHMRING_E_* of the last failure */
	void *priv;		/* transport state */
};

struct shmring_transport_ops {
	const char *name;

	/*
	 * Allocate and map the region (ep->info already holds the params
	 * and the layout), write its header with
	 * shmring_ep_guest_region_init(), and make it findable.  On error
	 * nothing is left behind and a sentence is in 'why'.
	 */
	int (*guest_open)(struct shmring_guest_ep *ep, char *why,
			  size_t why_len);
	/* One bounded step; returns an enum shmring_event. */
	int (*guest_poll)(struct shmring_guest_ep *ep, char *why,
			  size_t why_len);
	/* Withdraw the region and free priv. */
	void (*guest_close)(struct shmring_guest_ep *ep);
	/* Optional: the caller's data path has left the region after the
	 * PEER_DOWN that set ep->quiesce_pending (the Xen transport may then
	 * move the region). */
	void (*guest_quiesced)(struct shmring_guest_ep *ep);

	/* Prepare to look for a guest; no peer is contacted yet. */
	int (*doms_open)(struct shmring_doms_ep *ep, char *why,
			 size_t why_len);
	/*
	 * One step that never waits.  Detached: try to attach; while the
	 * guest has yet to answer, ep->handshaking is true and the caller
	 * should poll again soon; on success ep->base and ep->info are
	 * valid and PEER_UP is returned.  Attached: report
	 * PEER_DOWN once when the guest goes; the mapping stays until
	 * doms_detach().
	 */
	int (*doms_poll)(struct shmring_doms_ep *ep, char *why,
			 size_t why_len);
	/* Unmap and forget the peer; the next poll looks for one again. */
	void (*doms_detach)(struct shmring_doms_ep *ep);
	/* Detach if needed and free priv. */
	void (*doms_close)(struct shmring_doms_ep *ep);
};

extern const struct shmring_transport_ops shmring_transport_host_ops;
#ifdef SHMRING_HAVE_XEN
extern const struct shmring_transport_ops shmring_transport_xen_ops;
#endif

/*
 * Helpers every transport uses (shmring_endpoint.c).
 */

/* Guest: write a fresh header into ep->base with ep->epoch. */
void shmring_ep_guest_region_init(struct shmring_guest_ep *ep);

/* Guest: bump ep->epoch and publish it in the guest line. */
uint32_t shmring_ep_guest_bump_epoch(struct shmring_guest_ep *ep);

/* Set a side line's live byte (store-release; see protocol.md). */
void shmring_side_set_live(struct shmring_side *s, uint8_t state);

/*
 * DomS: check the header of a freshly mapped region of 'size' bytes at
 * 'base' against the protocol and against the offer it came with.  On
 * success 'info' holds the validated copy.  SHMRING_E_HDR_* otherwise.
 */
int shmring_ep_doms_verify(const void *base, uint64_t size,
			   const struct shmring_msg_offer *offer,
			   struct shmring_region_info *info,
			   char *why, size_t why_len);

/*
 * DomS: claim the doms line of a verified region: epoch = previous + 1,
 * live = CONNECTED.  Returns the new epoch (also in ep->epoch).
 */
uint32_t shmring_ep_doms_claim(struct shmring_doms_ep *ep, void *base);

/* DomS: mark the doms line GONE before unmapping. */
void shmring_ep_doms_release(void *base);

#endif /* SHMRING_TRANSPORT_H */
