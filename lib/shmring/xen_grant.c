/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "shmring_wire.h"
#include "shmring_xen.h"
#include "xen_grant.h"

#define WHY(...) do {							\
		if (why != NULL && why_len > 0)				\
			snprintf(why, why_len, __VA_ARGS__);		\
	} while (0)

#define PG	SHMRING_PAGE_SIZE
#define GNTALLOC_LIMIT_PATH "/sys/module/xen_gntalloc/parameters/limit"

/* The gntalloc driver's per-guest grant limit (module parameter). */
static long
gntalloc_limit(void)
{
	FILE *f = fopen(GNTALLOC_LIMIT_PATH, "r");
	long v = -1;

	if (f == NULL)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* A sentence for a failed grant allocation. */
static void
grant_failure(int err, uint32_t domid, uint32_t count, char *why,
	      size_t why_len)
{
	if (err == ENOSPC || err == ENOMEM)
		WHY("cannot grant %u pages to domain %u: %s; the guest's "
		    "grant table (xl.cfg max_grant_frames, Xen "
		    "gnttab_max_frames) or the gntalloc limit (%s) is "
		    "exhausted, see docs/xen.md", count, domid,
		    strerror(err), GNTALLOC_LIMIT_PATH);
	else
		WHY("cannot grant %u pages to domain %u: %s", count, domid,
		    strerror(err));
}

int
xg_region_open(struct xg_region *r, uint64_t size, char *why,
	       size_t why_len)
{
	uint64_t need;
	long limit;
	void *b;

	memset(r, 0, sizeof(*r));
	r->granted_to = SHMRING_XEN_DOMID_ANY;
	if (size == 0 || size % PG != 0 || size / PG > UINT32_MAX) {
		WHY("region size %llu is not a whole number of pages",
		    (unsigned long long)size);
		return -1;
	}
	r->npages = (uint32_t)(size / PG);
	r->ndir = xg_dir_pages(r->npages);
	/*
	 * Moving the region to a new DomS holds the old and the new grants
	 * at once: check now rather than fail at that moment.
	 */
	need = 2ull * (r->npages + r->ndir);
	limit = gntalloc_limit();
	if (limit >= 0 && (uint64_t)limit < need) {
		WHY("the region needs %llu grants (twice %u pages while it "
		    "moves to a new DomS) but xen-gntalloc allows %ld: raise "
		    "it (echo %llu > %s, or modprobe xen-gntalloc limit=%llu)",
		    (unsigned long long)need, r->npages + r->ndir, limit,
		    (unsigned long long)need, GNTALLOC_LIMIT_PATH,
		    (unsigned long long)need);
		return -1;
	}
	r->gs = xengntshr_open(NULL, 0);
	if (r->gs == NULL) {
		WHY("cannot open /dev/xen/gntalloc: %s (is this a Xen guest "
		    "with the xen-gntalloc module loaded?)", strerror(errno));
		return -1;
	}
	r->refs = calloc(r->npages, sizeof(*r->refs));
	r->dir_refs = calloc(r->ndir, sizeof(*r->dir_refs));
	b = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r->refs == NULL || r->dir_refs == NULL || b == MAP_FAILED) {
		WHY("out of memory for a region of %llu bytes",
		    (unsigned long long)size);
		if (b != MAP_FAILED)
			munmap(b, size);
		xengntshr_close(r->gs);
		free(r->refs);
		free(r->dir_refs);
		memset(r, 0, sizeof(*r));
		return -1;
	}
	r->base = b;
	return 0;
}

/*
 * Move a mapping of 'len' bytes from 'from' over 'to'.  mremap() with
 * MREMAP_FIXED replaces whatever was at 'to' (the anonymous start, or
 * the pages granted to the previous DomS, which gntalloc then releases).
 */
static int
move_over(void *from, size_t len, void *to)
{
	void *p = mremap(from, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, to);

	return p == to ? 0 : -1;
}

int
xg_region_grant(struct xg_region *r, uint32_t domid, char *why,
		size_t why_len)
{
	uint32_t *refs = NULL, *dir_refs = NULL, *dir = NULL;
	uint8_t *hdr = NULL, *rest = NULL;
	uint32_t ref0, i;
	int err;

	if (r->broken) {
		WHY("the region was lost in an earlier failed move");
		return -1;
	}
	refs = calloc(r->npages, sizeof(*refs));
	dir_refs = calloc(r->ndir, sizeof(*dir_refs));
	if (refs == NULL || dir_refs == NULL) {
		WHY("out of memory for %u grant refs", r->npages);
		goto fail;
	}
	/* Page 0: the header, with the unmap notification on our byte. */
	hdr = xengntshr_share_page_notify(r->gs, domid, &ref0, 1,
					  SHMRING_HDR_GUEST_LIVE_OFFSET,
					  (evtchn_port_t)-1);
	if (hdr == NULL) {
		grant_failure(errno, domid, 1, why, why_len);
		goto fail;
	}
	refs[0] = ref0;
	if (r->npages > 1) {
		rest = xengntshr_share_pages(r->gs, domid, (int)r->npages - 1,
					     refs + 1, 1);
		if (rest == NULL) {
			grant_failure(errno, domid, r->npages - 1, why,
				      why_len);
			goto fail;
		}
	}
	/* The directory: DomS only reads it. */
	dir = xengntshr_share_pages(r->gs, domid, (int)r->ndir, dir_refs, 0);
	if (dir == NULL) {
		grant_failure(errno, domid, r->ndir, why, why_len);
		goto fail;
	}
	memset(dir, 0, (size_t)r->ndir * PG);
	for (i = 0; i < r->npages; i++)
		dir[i] = refs[i];

	/* Carry the contents over: rings resume where they stopped. */
	memcpy(hdr, r->base, PG);
	if (rest != NULL)
		memcpy(rest, r->base + PG, (size_t)(r->npages - 1) * PG);
	if (move_over(hdr, PG, r->base) != 0) {
		err = errno;
		WHY("cannot move the granted header page into place: %s",
		    strerror(err));
		goto fail;
	}
	hdr = NULL;	/* now at r->base */
	if (rest != NULL &&
	    move_over(rest, (size_t)(r->npages - 1) * PG, r->base + PG) != 0) {
		err = errno;
		/*
		 * Page 0 is new, the others were unmapped by the failed
		 * call: there is no region any more.  Keep the address
		 * mapped (zeroed) so nobody faults, and refuse to go on.
		 */
		mmap(r->base, (size_t)r->npages * PG, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		r->broken = true;
		WHY("cannot move the granted pages into place: %s; the "
		    "region is lost", strerror(err));
		rest = NULL;
		goto fail;
	}
	if (r->dir != NULL)
		xengntshr_unshare(r->gs, r->dir, r->ndir);
	r->dir = dir;
	free(r->refs);
	free(r->dir_refs);
	r->refs = refs;
	r->dir_refs = dir_refs;
	r->granted_to = domid;
	return 0;

fail:
	if (dir != NULL)
		xengntshr_unshare(r->gs, dir, r->ndir);
	if (rest != NULL)
		xengntshr_unshare(r->gs, rest, r->npages - 1);
	if (hdr != NULL)
		xengntshr_unshare(r->gs, hdr, 1);
	free(refs);
	free(dir_refs);
	return -1;
}

void
xg_region_close(struct xg_region *r)
{
	if (r->base != NULL) {
		/* The region may be two gntalloc mappings or anonymous
		 * memory: munmap covers both (xengntshr_unshare is munmap). */
		munmap(r->base, (size_t)r->npages * PG);
	}
	if (r->dir != NULL)
		xengntshr_unshare(r->gs, r->dir, r->ndir);
	if (r->gs != NULL)
		xengntshr_close(r->gs);
	free(r->refs);
	free(r->dir_refs);
	memset(r, 0, sizeof(*r));
}

int
xd_map_region(xengnttab_handle *gt, uint32_t domid,
	      const uint32_t *dir_refs, uint32_t npages, struct xd_map *m,
	      char *why, size_t why_len)
{
	uint32_t ndir = xg_dir_pages(npages);
	const volatile uint32_t *dir;
	uint32_t *refs, i;
	int err;

	memset(m, 0, sizeof(*m));
	refs = malloc((size_t)npages * sizeof(*refs));
	if (refs == NULL) {
		WHY("out of memory for %u grant refs", npages);
		return -1;
	}
	dir = xengnttab_map_domain_grant_refs(gt, ndir, domid,
					      (uint32_t *)dir_refs, PROT_READ);
	if (dir == NULL) {
		WHY("cannot map the %u directory pages of domain %u: %s "
		    "(refs not granted to this domain?)", ndir, domid,
		    strerror(errno));
		free(refs);
		return -1;
	}
	/* One read of each ref into private memory; only the copy is used. */
	for (i = 0; i < npages; i++)
		refs[i] = dir[i];
	xengnttab_unmap(gt, (void *)(uintptr_t)dir, ndir);

	m->base = xengnttab_map_domain_grant_refs(gt, npages, domid, refs,
						  PROT_READ | PROT_WRITE);
	if (m->base == NULL) {
		err = errno;
		WHY("cannot map the %u pages of domain %u: %s (bad refs, or "
		    "this domain's maptrack table is full: raise "
		    "max_maptrack_frames in its xl.cfg, see docs/xen.md)",
		    npages, domid, strerror(err));
		free(refs);
		return -1;
	}
	m->npages = npages;
	/*
	 * Page 0 again, with an unmap notification on the DomS live byte:
	 * if this process dies, the kernel zeroes it as it unmaps.
	 */
	m->hdr_notify = xengnttab_map_grant_ref_notify(gt, domid, refs[0],
			PROT_READ | PROT_WRITE, SHMRING_HDR_DOMS_LIVE_OFFSET,
			(evtchn_port_t)-1);
	free(refs);
	if (m->hdr_notify == NULL) {
		err = errno;
		WHY("cannot map the header page of domain %u for the unmap "
		    "notification: %s", domid, strerror(err));
		xengnttab_unmap(gt, m->base, npages);
		memset(m, 0, sizeof(*m));
		return -1;
	}
	return 0;
}

void
xd_unmap_region(xengnttab_handle *gt, struct xd_map *m)
{
	if (m->base != NULL)
		xengnttab_unmap(gt, m->base, m->npages);
	if (m->hdr_notify != NULL)
		xengnttab_unmap(gt, m->hdr_notify, 1);
	memset(m, 0, sizeof(*m));
}
