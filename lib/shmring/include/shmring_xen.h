/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * The Xen transport's public side: the xenstore layout it shares with
 * the Dom0 control tool (tools/xenshm-ctl) and helpers a DomS can use to
 * find the guests Dom0 assigned to it.  docs/xen.md describes the same
 * keys for people.
 *
 * Split-driver layout, as for a vif:
 *
 *   frontend  /local/domain/<guest>/device/xenshm/<devid>/
 *             owner guest, DomS may read, nobody else
 *     backend, backend-id     written by Dom0 (xenshm-ctl connect)
 *     state                   guest, XenbusState
 *     granted-to              guest: the domain the refs are granted to
 *     epoch, features, queues, ring-size, slot-size, mtu, region-size
 *                             guest: the offer (what OFFER carries on
 *                             the host transport)
 *     ref-dir                 guest: grant refs of the directory pages,
 *                             space separated; the directory pages hold
 *                             the region's refs, 1024 per page (u32)
 *     error                   guest: why it refused the backend
 *
 *   backend   /local/domain/<doms>/backend/xenshm/<guest>/<devid>/
 *             owner DomS, the guest may read, nobody else
 *     frontend, frontend-id, online
 *                             written by Dom0
 *     state                   DomS, XenbusState
 *     features, max-queues, max-ring-size, max-slot-size, max-mtu,
 *     max-region-size         DomS: its limits (the host HELLO)
 *     error                   DomS: why it refused the last offer
 *
 *   Dom0 only: /tool/xenshm/<guest>/<devid> = name of the DomS domain,
 *   what "xenshm-ctl daemon" re-applies when that domain is re-created;
 *     backend-id              the DomS domain whose backend directory
 *                             Dom0 created (the only place Dom0 reads
 *                             it from: the frontend's copy is the
 *                             guest's to change)
 *
 * Key names as C constants: shmring_xs_keys.h.
 */

#ifndef SHMRING_XEN_H
#define SHMRING_XEN_H

#include <stddef.h>
#include <stdint.h>

#include "shmring_xs_keys.h"

#ifdef __cplusplus
extern "C" {
#endif

/* cfg.peer_domid on the guest: follow whatever DomS Dom0 assigned. */
#define SHMRING_XEN_DOMID_ANY	UINT32_MAX
/* Largest domain id a real domain can have (DOMID_FIRST_RESERVED - 1). */
#define SHMRING_XEN_DOMID_MAX	0x7fefu
/* Device numbers per guest. */
#define SHMRING_XEN_DEVID_MAX	255u
/* Grant refs a directory page holds. */
#define SHMRING_XEN_REFS_PER_PAGE	(4096u / sizeof(uint32_t))

/* Directory formats and key names: shmring_xs_keys.h. */

/* XenbusState values (xen/include/public/io/xenbus.h). */
enum shmring_xenbus_state {
	SHMRING_XB_UNKNOWN = 0,
	SHMRING_XB_INITIALISING = 1,
	SHMRING_XB_INITWAIT = 2,
	SHMRING_XB_INITIALISED = 3,
	SHMRING_XB_CONNECTED = 4,
	SHMRING_XB_CLOSING = 5,
	SHMRING_XB_CLOSED = 6,
};

/* Name of a XenbusState ("Connected"); never NULL. */
const char *shmring_xenbus_state_name(unsigned int state);

/* A (guest, device) pair assigned to this DomS. */
struct shmring_xen_peer {
	uint32_t domid;
	uint32_t devid;
};

/*
 * DomS: list the devices Dom0 assigned to the calling domain (the
 * directories under its backend/xenshm).  Fills at most 'max' entries,
 * sorted by (domid, devid), and returns how many there are in all
 * (possibly more than 'max': then call again with a larger array), or
 * -1 with a sentence in 'why'.
 */
int shmring_xen_assigned(struct shmring_xen_peer *out, unsigned int max,
			 char *why, size_t why_len);

#ifdef __cplusplus
}
#endif

#endif /* SHMRING_XEN_H */
