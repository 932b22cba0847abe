/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Xen discovery: a guest is present while Dom0 keeps its device under
 * this domain's backend directory, /local/domain/<doms>/backend/xenshm/
 * <guest>/<devid> (xenshm-ctl connect; docs/xen.md).  The listing comes
 * from the Xen transport (shmring_xen_assigned); each entry becomes a
 * net_xenshm port with transport=xen, named after its [guest] section
 * (xen-domid, xen-devid) or, with default-tenant, "dom<id>_<devid>".
 *
 * No xenstore watch: the control thread's periodic scan (scan-interval-ms)
 * picks changes up, which keeps this source stateless.  Outside a Xen
 * domain open() fails and the source is simply not used.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ds_discovery.h"
#include "shmring_xen.h"

#define DS_XEN_MAX_PEERS	DS_MAX_GUESTS

struct ds_disc_source {
	const struct ds_config *cfg;
	struct shmring_xen_peer peers[DS_XEN_MAX_PEERS];
};

static struct ds_disc_source *
xen_open(const struct ds_config *cfg)
{
	struct ds_disc_source *s;
	char why[160];

	if (shmring_xen_assigned(NULL, 0, why, sizeof(why)) < 0) {
		errno = ENODEV;	/* not a Xen domain, or no xenstore */
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->cfg = cfg;
	return s;
}

static bool
xen_changed(struct ds_disc_source *s)
{
	(void)s;
	return false;	/* the periodic scan is enough */
}

static void
xen_scan(struct ds_disc_source *s, ds_disc_found_cb found,
	 ds_disc_skip_cb skip, void *arg)
{
	const struct ds_config *cfg = s->cfg;
	char why[160];
	int n, i, k;

	n = shmring_xen_assigned(s->peers, DS_XEN_MAX_PEERS, why, sizeof(why));
	if (n < 0) {
		skip("xenstore", why, arg);
		return;
	}
	if (n > DS_XEN_MAX_PEERS) {
		skip("xenstore", "more devices assigned than doms-switch "
		     "serves; the rest are ignored", arg);
		n = DS_XEN_MAX_PEERS;
	}
	for (i = 0; i < n; i++) {
		const struct shmring_xen_peer *p = &s->peers[i];
		struct ds_disc_entry e;

		memset(&e, 0, sizeof(e));
		e.guest_idx = -1;
		for (k = 0; k < cfg->n_guests; k++) {
			const struct ds_guest_cfg *g = &cfg->guests[k];

			if (g->xen && g->xen_domid == p->domid &&
			    g->xen_devid == p->devid) {
				e.guest_idx = k;
				break;
			}
		}
		if (e.guest_idx >= 0)
			snprintf(e.name, sizeof(e.name), "%s",
				 cfg->guests[e.guest_idx].name);
		else
			snprintf(e.name, sizeof(e.name), "dom%u_%u", p->domid,
				 p->devid);
		snprintf(e.devargs, sizeof(e.devargs),
			 "net_xenshm_port_%s,transport=xen,domid=%u,devid=%u",
			 e.name, p->domid, p->devid);
		found(&e, arg);
	}
}

static void
xen_close(struct ds_disc_source *s)
{
	free(s);
}

const struct ds_disc_ops ds_disc_xen_ops = {
	.name = "xen",
	.open = xen_open,
	.changed = xen_changed,
	.scan = xen_scan,
	.close = xen_close,
};
