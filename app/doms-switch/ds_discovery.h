/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Guest discovery: who is there right now.  A source lists the guests
 * that are present; the control thread attaches the new ones and detaches
 * those gone for longer than detach-grace-ms.
 *
 * Sources:
 *   host  sockets in [global] guest-dir (inotify, plus a periodic scan),
 *         and the socket= of every configured guest
 *   xen   entries of DomS's xenstore backend directory (ds_disc_xen.c)
 *
 * A source is plain C with no DPDK, so that it can be unit tested.
 */

#ifndef DS_DISCOVERY_H
#define DS_DISCOVERY_H

#include <stdbool.h>

#include "ds_config.h"

/* One present guest. */
struct ds_disc_entry {
	char name[DS_NAME_MAX];
	char socket[DS_PATH_MAX];	/* host transport rendezvous, or "" */
	char devargs[DS_DEVARGS_MAX];	/* full devargs, or "" (template) */
	int guest_idx;			/* [guest] section, -1: none */
};

typedef void (*ds_disc_found_cb)(const struct ds_disc_entry *e, void *arg);
/* A name the source saw but will not report (why), e.g. bad names. */
typedef void (*ds_disc_skip_cb)(const char *what, const char *why,
				void *arg);

struct ds_disc_source;

struct ds_disc_ops {
	const char *name;
	/* NULL with errno set when the source cannot run here */
	struct ds_disc_source *(*open)(const struct ds_config *cfg);
	/* true when something may have changed (cheap, non-blocking) */
	bool (*changed)(struct ds_disc_source *s);
	/* report every present guest */
	void (*scan)(struct ds_disc_source *s, ds_disc_found_cb found,
		     ds_disc_skip_cb skip, void *arg);
	void (*close)(struct ds_disc_source *s);
};

extern const struct ds_disc_ops ds_disc_host_ops;
#ifdef DS_HAVE_XEN
extern const struct ds_disc_ops ds_disc_xen_ops;
#endif

#endif /* DS_DISCOVERY_H */
