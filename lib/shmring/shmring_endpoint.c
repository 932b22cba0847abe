/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * The public endpoint API: checks what the caller gave, picks the
 * transport's ops and keeps the state all transports share.  The
 * transport-specific work is in transport_host.c and transport_xen.c.
 */

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shmring_transport.h"
#include "shmring_why.h"

/* The guest line's epoch at creation; each OFFER then adds one. */
#define GUEST_FIRST_EPOCH	1u

static const struct shmring_transport_ops *
transport_ops(enum shmring_transport_kind kind, char *why, size_t why_len)
{
	switch (kind) {
	case SHMRING_TRANSPORT_HOST:
		return &shmring_transport_host_ops;
	case SHMRING_TRANSPORT_XEN:
#ifdef SHMRING_HAVE_XEN
		return &shmring_transport_xen_ops;
#else
		WHY("the xen transport is not available: shmring was built "
		    "without Xen support (install libxen-dev and rebuild, or "
		    "use the host transport)");
		return NULL;
#endif
	}
	WHY("unknown transport %d", (int)kind);
	return NULL;
}

void
shmring_limits_default(struct shmring_limits *l)
{
	l->max_qp = SHMRING_MAX_QUEUE_PAIRS;
	l->max_ring_size = SHMRING_MAX_RING_SIZE;
	l->max_slot_size = SHMRING_MAX_SLOT_SIZE;
	l->max_mtu = SHMRING_MAX_MTU;
	/* Bounds what one guest can make DomS map (and Xen maptrack use). */
	l->max_region_size = 1ull << 30;
}

/* ---- guest ---- */

int
shmring_guest_open(struct shmring_guest_ep **epp,
		   const struct shmring_endpoint_cfg *cfg,
		   const struct shmring_params *params,
		   char *why, size_t why_len)
{
	const struct shmring_transport_ops *ops;
	struct shmring_guest_ep *ep;
	int rc;

	*epp = NULL;
	ops = transport_ops(cfg->transport, why, why_len);
	if (ops == NULL)
		return SHMRING_E_CONFIG;
	rc = shmring_params_check(params, why, why_len);
	if (rc != SHMRING_OK)
		return rc;
	ep = calloc(1, sizeof(*ep));
	if (ep == NULL) {
		WHY("out of memory for the guest endpoint");
		return SHMRING_E_SYSTEM;
	}
	ep->ops = ops;
	ep->cfg = *cfg;
	ep->info.params = *params;
	rc = shmring_layout(params, &ep->info.layout);
	if (rc != SHMRING_OK) {
		WHY("queue pairs x ring size x slot size need more than the "
		    "%llu bytes a region may have",
		    (unsigned long long)SHMRING_MAX_REGION_SIZE);
		free(ep);
		return rc;
	}
	ep->epoch = GUEST_FIRST_EPOCH;
	rc = ops->guest_open(ep, why, why_len);
	if (rc != SHMRING_OK) {
		free(ep);
		return rc;
	}
	*epp = ep;
	return SHMRING_OK;
}

int
shmring_guest_poll(struct shmring_guest_ep *ep, char *why, size_t why_len)
{
	char local[SHMRING_WHY_MAX];

	/* The sentence also goes to the peer in REJECT: always have one. */
	if (why == NULL || why_len == 0) {
		why = local;
		why_len = sizeof(local);
	}
	why[0] = '\0';
	return ep->ops->guest_poll(ep, why, why_len);
}

void *
shmring_guest_base(const struct shmring_guest_ep *ep)
{
	return ep->base;
}

const struct shmring_region_info *
shmring_guest_info(const struct shmring_guest_ep *ep)
{
	return &ep->info;
}

bool
shmring_guest_peer_attached(const struct shmring_guest_ep *ep)
{
	return ep->attached;
}

int
shmring_guest_last_error(const struct shmring_guest_ep *ep)
{
	return ep->last_err;
}

void
shmring_guest_close(struct shmring_guest_ep *ep)
{
	if (ep == NULL)
		return;
	ep->ops->guest_close(ep);
	free(ep);
}

/* ---- DomS ---- */

int
shmring_doms_open(struct shmring_doms_ep **epp,
		  const struct shmring_endpoint_cfg *cfg,
		  const struct shmring_limits *limits,
		  char *why, size_t why_len)
{
	const struct shmring_transport_ops *ops;
	struct shmring_limits def;
	struct shmring_doms_ep *ep;
	int rc;

	*epp = NULL;
	ops = transport_ops(cfg->transport, why, why_len);
	if (ops == NULL)
		return SHMRING_E_CONFIG;
	if (limits == NULL) {
		shmring_limits_default(&def);
		limits = &def;
	}
	rc = shmring_limits_check(limits, why, why_len);
	if (rc != SHMRING_OK)
		return rc;
	ep = calloc(1, sizeof(*ep));
	if (ep == NULL) {
		WHY("out of memory for the DomS endpoint");
		return SHMRING_E_SYSTEM;
	}
	ep->ops = ops;
	ep->cfg = *cfg;
	ep->limits = *limits;
	rc = ops->doms_open(ep, why, why_len);
	if (rc != SHMRING_OK) {
		free(ep);
		return rc;
	}
	*epp = ep;
	return SHMRING_OK;
}

int
shmring_doms_poll(struct shmring_doms_ep *ep, char *why, size_t why_len)
{
	char local[SHMRING_WHY_MAX];

	if (why == NULL || why_len == 0) {
		why = local;
		why_len = sizeof(local);
	}
	why[0] = '\0';
	return ep->ops->doms_poll(ep, why, why_len);
}

void *
shmring_doms_base(const struct shmring_doms_ep *ep)
{
	return ep->base;
}

const struct shmring_region_info *
shmring_doms_info(const struct shmring_doms_ep *ep)
{
	return ep->base != NULL ? &ep->info : NULL;
}

bool
shmring_doms_attached(const struct shmring_doms_ep *ep)
{
	return ep->attached;
}

bool
shmring_guest_quiesce_pending(const struct shmring_guest_ep *ep)
{
	return ep->quiesce_pending && !ep->attached;
}

void
shmring_guest_quiesced(struct shmring_guest_ep *ep)
{
	if (!shmring_guest_quiesce_pending(ep))
		return;
	ep->quiesce_pending = false;
	if (ep->ops->guest_quiesced != NULL)
		ep->ops->guest_quiesced(ep);
}

bool
shmring_doms_handshaking(const struct shmring_doms_ep *ep)
{
	return ep->handshaking;
}

int
shmring_doms_last_error(const struct shmring_doms_ep *ep)
{
	return ep->last_err;
}

void
shmring_doms_detach(struct shmring_doms_ep *ep)
{
	ep->ops->doms_detach(ep);
}

void
shmring_doms_close(struct shmring_doms_ep *ep)
{
	if (ep == NULL)
		return;
	ep->ops->doms_close(ep);
	free(ep);
}

/* ---- helpers for the transports ---- */

void
shmring_side_set_live(struct shmring_side *s, uint8_t state)
{
	/*
	 * Release: everything this side wrote before (its epoch, on attach
	 * its ring indices) is visible to a peer that load-acquires 'live'.
	 */
	atomic_store_explicit((_Atomic uint8_t *)&s->live, state,
			      memory_order_release);
}

void
shmring_ep_guest_region_init(struct shmring_guest_ep *ep)
{
	shmring_region_init(ep->base, &ep->info.params, &ep->info.layout,
			    ep->epoch);
}

uint32_t
shmring_ep_guest_bump_epoch(struct shmring_guest_ep *ep)
{
	struct shmring_region_hdr *h = ep->base;

	/* The guest never reads its line back: its own copy is the truth. */
	ep->epoch++;
	shmring_store_release(&h->guest.epoch, ep->epoch);
	return ep->epoch;
}

int
shmring_ep_doms_verify(const void *base, uint64_t size,
		       const struct shmring_msg_offer *offer,
		       struct shmring_region_info *info,
		       char *why, size_t why_len)
{
	const struct shmring_region_hdr *h = base;
	uint32_t guest_epoch;
	int rc;

	rc = shmring_region_check(base, size, info, why, why_len);
	if (rc != SHMRING_OK)
		return rc;
	/* Read once; pairs with the guest's store-release before OFFER. */
	guest_epoch = shmring_load_acquire(&h->guest.epoch);
	return shmring_offer_match(offer, info, guest_epoch, why, why_len);
}

uint32_t
shmring_ep_doms_claim(struct shmring_doms_ep *ep, void *base)
{
	struct shmring_region_hdr *h = base;

	/*
	 * A restarted DomS does not know its old epoch: take the one in the
	 * region (guest-writable, so only ever informational) and add one.
	 */
	ep->epoch = shmring_load_acquire(&h->doms.epoch) + 1;
	shmring_store_release(&h->doms.epoch, ep->epoch);
	shmring_side_set_live(&h->doms, SHMRING_SIDE_CONNECTED);
	return ep->epoch;
}

void
shmring_ep_doms_release(void *base)
{
	struct shmring_region_hdr *h = base;

	shmring_side_set_live(&h->doms, SHMRING_SIDE_GONE);
}
