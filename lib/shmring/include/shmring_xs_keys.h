/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * The xenstore names of the Xen transport, in one place: the transport
 * (transport_xen.c, xen_store.c), the Dom0 control tool
 * (tools/xenshm-ctl) and the real-Xen test use these and nothing else.
 * docs/xen.md section 1 describes the same layout for people, with who
 * may write each key.
 *
 *   frontend  SHMRING_XEN_FE_FMT (guest, devid)
 *             owner: the guest; DomS may read.  Everything in it is
 *             guest-controlled, including what Dom0 wrote there
 *             (backend, backend-id): only the guest may act on those.
 *   backend   SHMRING_XEN_BE_FMT (doms, guest, devid)
 *             owner: DomS; the guest may read.
 *   record    SHMRING_XEN_TOOL_FMT (guest, devid)
 *             Dom0 only: the assignment xenshm-ctl acts on.
 */

#ifndef SHMRING_XS_KEYS_H
#define SHMRING_XS_KEYS_H

/* ---- directories ---- */
#define SHMRING_XEN_DOM_ROOT	"/local/domain"
#define SHMRING_XEN_FE_FMT	"/local/domain/%u/device/xenshm/%u"
#define SHMRING_XEN_BE_FMT	"/local/domain/%u/backend/xenshm/%u/%u"
#define SHMRING_XEN_BE_GUEST_FMT "/local/domain/%u/backend/xenshm/%u"
#define SHMRING_XEN_BE_ROOT_FMT	"/local/domain/%u/backend/xenshm"
#define SHMRING_XEN_TOOL_ROOT	"/tool/xenshm"
#define SHMRING_XEN_TOOL_GUEST_FMT SHMRING_XEN_TOOL_ROOT "/%u"
/* Value: the DomS domain's name (what "daemon" re-applies). */
#define SHMRING_XEN_TOOL_FMT	SHMRING_XEN_TOOL_ROOT "/%u/%u"
/* Domain information the toolstack writes (owner Dom0). */
#define SHMRING_XEN_DOM_NAME_FMT "/local/domain/%u/name"
#define SHMRING_XEN_DOM_ID_FMT	"/local/domain/%u/domid"

/* ---- keys in both device directories ---- */
#define SHMRING_XS_STATE	"state"		/* XenbusState */
#define SHMRING_XS_FEATURES	"features"
#define SHMRING_XS_ERROR	"error"		/* why this side refused */

/* ---- frontend: written by Dom0 (but guest-owned) ---- */
#define SHMRING_XS_BACKEND	"backend"	/* backend directory */
#define SHMRING_XS_BACKEND_ID	"backend-id"	/* DomS domain id */

/* ---- frontend: written by the guest (the offer) ---- */
#define SHMRING_XS_GRANTED_TO	"granted-to"
#define SHMRING_XS_EPOCH	"epoch"
#define SHMRING_XS_QUEUES	"queues"
#define SHMRING_XS_RING_SIZE	"ring-size"
#define SHMRING_XS_SLOT_SIZE	"slot-size"
#define SHMRING_XS_MTU		"mtu"
#define SHMRING_XS_REGION_SIZE	"region-size"
#define SHMRING_XS_REF_DIR	"ref-dir"

/* ---- backend: written by Dom0 ---- */
#define SHMRING_XS_FRONTEND	"frontend"
#define SHMRING_XS_FRONTEND_ID	"frontend-id"
#define SHMRING_XS_ONLINE	"online"

/* ---- backend: written by DomS (its limits, the HELLO) ---- */
#define SHMRING_XS_MAX_QUEUES	"max-queues"
#define SHMRING_XS_MAX_RING_SIZE "max-ring-size"
#define SHMRING_XS_MAX_SLOT_SIZE "max-slot-size"
#define SHMRING_XS_MAX_MTU	"max-mtu"
#define SHMRING_XS_MAX_REGION_SIZE "max-region-size"

/* ---- Dom0's record: children of SHMRING_XEN_TOOL_FMT ---- */
/* The DomS domain id whose backend directory xenshm-ctl created. */
#define SHMRING_XS_TOOL_BACKEND_ID "backend-id"

/*
 * ref-dir: the grant refs of the directory pages, decimal, one blank
 * between them.  A directory page lists 1024 region refs, so a region
 * of at most SHMRING_XEN_DIR_PAGES_MAX directory pages (1 GiB) can be
 * offered over Xen, and the value is at most SHMRING_XEN_REF_DIR_LEN_MAX
 * bytes (10 digits and a blank per ref), far below the 4096-byte
 * xenstore message limit.  Longer values are refused unparsed.
 */
#define SHMRING_XEN_DIR_PAGES_MAX	256u
#define SHMRING_XEN_REGION_MAX \
	((unsigned long long)SHMRING_XEN_DIR_PAGES_MAX * 1024u * 4096u)
#define SHMRING_XEN_REF_DIR_LEN_MAX	(SHMRING_XEN_DIR_PAGES_MAX * 11u - 1u)

#endif /* SHMRING_XS_KEYS_H */
