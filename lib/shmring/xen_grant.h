/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Internal: the memory side of the Xen transport.
 *
 * Guest: the region lives at one virtual address for the life of the
 * endpoint.  It starts as anonymous memory (nobody to grant it to yet);
 * granting it to a DomS allocates gntalloc pages for that domain, copies
 * the region into them and moves them over the old address with
 * mremap(), so the data path's pointers stay valid.  The same grant refs
 * then stay valid for as long as the region is granted to that domain,
 * so a restarted DomS process maps exactly what its predecessor mapped
 * (as with libxenvchan).  A DomS domain re-created by the toolstack has a
 * new domain id; only then are the pages granted afresh.
 *
 * The header page is shared on its own with an unmap notification on the
 * guest's live byte: when the guest process dies, the kernel zeroes it,
 * and DomS sees the guest line go GONE.  The grant refs of the region are
 * listed in 'directory' pages (1024 refs each) granted read-only, so only
 * the directory refs travel through xenstore.
 *
 * DomS: maps the directory read-only, copies the refs out once, unmaps
 * it, then maps the region in one contiguous range, plus the header page
 * a second time with an unmap notification on the DomS live byte, so
 * that the guest learns when the DomS process dies.
 */

#ifndef SHMRING_XEN_GRANT_H
#define SHMRING_XEN_GRANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xengnttab.h>

/* The guest's region and what it is granted as. */
struct xg_region {
	xengntshr_handle *gs;
	uint8_t *base;		/* fixed for the life of the region */
	uint32_t npages;
	uint32_t *refs;		/* npages: refs of the region pages */
	uint32_t ndir;
	uint32_t *dir;		/* ndir directory pages, shared RO */
	uint32_t *dir_refs;	/* ndir */
	uint32_t granted_to;	/* SHMRING_XEN_DOMID_ANY: not granted */
	bool broken;		/* a failed move left the region unusable */
};

/* Directory pages needed for 'npages' region pages. */
static inline uint32_t
xg_dir_pages(uint32_t npages)
{
	return (npages + 1023u) / 1024u;
}

/*
 * Reserve the region (anonymous, zeroed) and open /dev/xen/gntalloc.
 * Checks the gntalloc grant limit against what a re-grant needs.
 * 0, or -1 with a sentence in 'why'.
 */
int xg_region_open(struct xg_region *r, uint64_t size, char *why,
		   size_t why_len);

/*
 * Grant the region (and a fresh directory) to 'domid', keeping its
 * address and contents.  The caller guarantees nobody touches the region
 * meanwhile.  0, or -1 with a sentence in 'why' (the old grants stay).
 */
int xg_region_grant(struct xg_region *r, uint32_t domid, char *why,
		    size_t why_len);

/* Unshare everything and free. */
void xg_region_close(struct xg_region *r);

/* DomS: a mapped guest region. */
struct xd_map {
	uint8_t *base;
	uint32_t npages;
	uint8_t *hdr_notify;	/* second mapping of page 0, with notify */
};

/*
 * Map the region of 'npages' pages that domain 'domid' lists in the
 * directory pages 'dir_refs' (xg_dir_pages(npages) of them).
 * 0, or -1 with a sentence in 'why'.
 */
int xd_map_region(xengnttab_handle *gt, uint32_t domid,
		  const uint32_t *dir_refs, uint32_t npages,
		  struct xd_map *m, char *why, size_t why_len);

/* Unmap; the notify mapping last, so its zeroed byte is the last word. */
void xd_unmap_region(xengnttab_handle *gt, struct xd_map *m);

#endif /* SHMRING_XEN_GRANT_H */
