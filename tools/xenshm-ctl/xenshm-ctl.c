/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * xenshm-ctl: Dom0's part of the Xen transport, the way xl attaches a
 * vif.  It only writes xenstore: no packet ever passes through Dom0.
 *
 *   xenshm-ctl connect GUEST DEVID DOMS   assign guest's device to DomS
 *   xenshm-ctl disconnect GUEST DEVID [--force]
 *   xenshm-ctl list
 *   xenshm-ctl daemon [--once]            re-assign when a DomS domain
 *                                         is re-created (new domain id)
 *
 * GUEST and DOMS are domain names or ids.  "connect" creates the
 * frontend directory under the guest (owner: the guest; DomS may read)
 * and the backend directory under DomS (owner: DomS; the guest may
 * read), nobody else has access, and records the assignment by DomS
 * *name* under /tool/xenshm (Dom0 only), which is what "daemon" re-applies
 * when a DomS of that name appears with a new domain id.
 *
 * What Dom0 acts on comes only from nodes Dom0 controls: its record
 * under /tool/xenshm (checked to be owned by Dom0 and writable by
 * nobody else), the backend directories themselves (found under each
 * domain, checked to be owned by that domain) and the toolstack's
 * domain names.  Nothing in the frontend directory, which the guest owns
 * and can rewrite (backend-id included), decides which backend Dom0
 * takes offline, removes or leaves in place.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>

#include "shmring_xen.h"
#include "xen_store.h"

#define NAME_MAX_LEN	64
#define WAIT_CLOSED_MS	5000
#define DAEMON_RECHECK_MS 2000
/* Nodes of a frontend directory Dom0 re-permissions; a guest that made
 * more gets its directory wiped and re-created on connect. */
#define FE_NODES_MAX	64
/* Backend directories of one device Dom0 handles at once (normally 1). */
#define BE_MAX		16

#define LOG(...) do {							\
		printf("xenshm-ctl: " __VA_ARGS__);			\
		printf("\n");						\
		fflush(stdout);						\
	} while (0)
#define ERR(...) do {							\
		fprintf(stderr, "xenshm-ctl: error: " __VA_ARGS__);	\
		fprintf(stderr, "\n");					\
	} while (0)

static struct xs_handle *xs;
static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/*
 * Name of domain 'id', or "" if it has none, does not exist, or the name
 * node is not the toolstack's (owned by Dom0, nobody else may write).
 */
static void
domain_name(uint32_t id, char *buf, size_t len)
{
	char p[XST_PATH_MAX];

	buf[0] = '\0';
	if (!xst_path(p, sizeof(p), SHMRING_XEN_DOM_NAME_FMT, id) ||
	    xst_controlled_by(xs, XBT_NULL, p, 0, NULL) != XST_OK ||
	    xst_read_str(xs, XBT_NULL, p, buf, len) != XST_OK)
		buf[0] = '\0';
}

static bool
domain_exists(uint32_t id)
{
	char p[XST_PATH_MAX];
	uint32_t d;

	return xst_path(p, sizeof(p), SHMRING_XEN_DOM_ID_FMT, id) &&
		xst_read_u32(xs, XBT_NULL, p, SHMRING_XEN_DOMID_MAX, &d) ==
		XST_OK;
}

/*
 * The DomS Dom0 recorded for (g, n): the record's backend-id, trusted
 * only if Dom0 alone controls it.  XST_OK, or why not.
 */
static int
record_backend(xs_transaction_t t, uint32_t g, uint32_t n, uint32_t *doms)
{
	char p[XST_PATH_MAX];
	int rc;

	if (!xst_path(p, sizeof(p), SHMRING_XEN_TOOL_FMT "/"
		      SHMRING_XS_TOOL_BACKEND_ID, g, n))
		return XST_INVALID;
	rc = xst_controlled_by(xs, t, p, 0, NULL);
	if (rc != XST_OK)
		return rc;
	return xst_read_u32(xs, t, p, SHMRING_XEN_DOMID_MAX, doms);
}

/*
 * Every domain that has a backend directory for guest g's device n:
 * Dom0 looks under each domain itself, trusting no pointer the guest
 * could have written.  Fills at most 'max' ids, returns how many.
 */
static unsigned int
find_backends(struct xs_handle *h, xs_transaction_t t, uint32_t g,
	      uint32_t n, uint32_t *out, unsigned int max)
{
	char p[XST_PATH_MAX];
	unsigned int i, num = 0, found = 0;
	char **ents;
	char *end;

	ents = xs_directory(h, t, SHMRING_XEN_DOM_ROOT, &num);
	for (i = 0; ents != NULL && i < num && found < max; i++) {
		unsigned long d = strtoul(ents[i], &end, 10);
		unsigned int k = 0;
		char **sub;

		if (*ents[i] == '\0' || *end != '\0' ||
		    d > SHMRING_XEN_DOMID_MAX ||
		    !xst_path(p, sizeof(p), SHMRING_XEN_BE_FMT,
			      (uint32_t)d, g, n))
			continue;
		sub = xs_directory(h, t, p, &k);
		if (sub == NULL)
			continue;	/* no such directory */
		free(sub);
		out[found++] = (uint32_t)d;
	}
	free(ents);
	return found;
}

/*
 * Domain id of a name or a number.  A name held by several domains
 * (one dying, one new) resolves to the newest, the highest id.
 */
static int
resolve(const char *arg, uint32_t *id)
{
	unsigned int i, n = 0;
	char name[NAME_MAX_LEN];
	char **ents;
	char *end;
	unsigned long v;
	bool found = false;

	v = strtoul(arg, &end, 10);
	if (*arg != '\0' && *end == '\0') {
		if (v > SHMRING_XEN_DOMID_MAX || !domain_exists((uint32_t)v))
			return -1;
		*id = (uint32_t)v;
		return 0;
	}
	ents = xs_directory(xs, XBT_NULL, SHMRING_XEN_DOM_ROOT, &n);
	for (i = 0; ents != NULL && i < n; i++) {
		v = strtoul(ents[i], &end, 10);
		if (*end != '\0' || v > SHMRING_XEN_DOMID_MAX)
			continue;
		domain_name((uint32_t)v, name, sizeof(name));
		if (strcmp(name, arg) == 0 && (!found || v > *id)) {
			*id = (uint32_t)v;
			found = true;
		}
	}
	free(ents);
	return found ? 0 : -1;
}

struct assign {
	uint32_t guest, devid, doms;
	const char *doms_name;
};

static int
connect_tx(struct xs_handle *h, xs_transaction_t t, void *arg)
{
	const struct assign *a = arg;
	char fe[XST_PATH_MAX], be[XST_PATH_MAX], p[XST_PATH_MAX];
	struct xs_permissions fe_perms[2] = {
		{ .id = a->guest, .perms = XS_PERM_NONE },
		{ .id = a->doms, .perms = XS_PERM_READ },
	};
	struct xs_permissions be_perms[2] = {
		{ .id = a->doms, .perms = XS_PERM_NONE },
		{ .id = a->guest, .perms = XS_PERM_READ },
	};
	struct xs_permissions be_parent[1] = {
		{ .id = a->doms, .perms = XS_PERM_NONE },
	};
	uint32_t bes[BE_MAX], st;
	unsigned int i, nbe;
	int rc;

	xst_path(fe, sizeof(fe), SHMRING_XEN_FE_FMT, a->guest, a->devid);
	xst_path(be, sizeof(be), SHMRING_XEN_BE_FMT, a->doms, a->guest,
		 a->devid);
	/*
	 * One DomS per device: every other backend directory of it goes,
	 * wherever it is.  Found by looking, never from the frontend's
	 * backend-id, which the guest can rewrite to keep an old DomS.
	 */
	nbe = find_backends(h, t, a->guest, a->devid, bes, BE_MAX);
	for (i = 0; i < nbe; i++) {
		if (bes[i] != a->doms &&
		    xst_path(p, sizeof(p), SHMRING_XEN_BE_FMT, bes[i],
			     a->guest, a->devid) &&
		    !xs_rm(h, t, p))
			return -1;
	}

	for (i = 0; i < 2; i++) {
		if (!xs_mkdir(h, t, fe) ||
		    !xst_write_key_str(h, t, fe, SHMRING_XS_BACKEND, be) ||
		    !xst_write_key_u64(h, t, fe, SHMRING_XS_BACKEND_ID,
				       a->doms))
			return -1;
		if (xst_read_key_u32(h, t, fe, SHMRING_XS_STATE, 255,
				     &st) != XST_OK &&
		    !xst_write_key_u64(h, t, fe, SHMRING_XS_STATE,
				       SHMRING_XB_INITIALISING))
			return -1;
		/* Every node, including what the guest wrote for the old
		 * DomS. */
		rc = xst_set_perms_tree(h, t, fe, fe_perms, 2, FE_NODES_MAX);
		if (rc != XST_INVALID)
			break;
		/* The guest filled its directory: it starts afresh (and
		 * offers again), Dom0 is not held up by it. */
		if (!xs_rm(h, t, fe))
			return -1;
	}
	if (rc != XST_OK)
		return -1;

	if (!xs_mkdir(h, t, be) ||
	    !xst_write_key_str(h, t, be, SHMRING_XS_FRONTEND, fe) ||
	    !xst_write_key_u64(h, t, be, SHMRING_XS_FRONTEND_ID, a->guest) ||
	    !xst_write_key_u64(h, t, be, SHMRING_XS_ONLINE, 1))
		return -1;
	if (xst_read_key_u32(h, t, be, SHMRING_XS_STATE, 255, &st) != XST_OK &&
	    !xst_write_key_u64(h, t, be, SHMRING_XS_STATE,
			       SHMRING_XB_INITIALISING))
		return -1;
	if (xst_set_perms_tree(h, t, be, be_perms, 2, FE_NODES_MAX) != XST_OK)
		return -1;
	/* The guest may read its own backend dir, not its siblings. */
	xst_path(p, sizeof(p), SHMRING_XEN_BE_GUEST_FMT, a->doms, a->guest);
	if (!xs_set_permissions(h, t, p, be_parent, 1))
		return -1;
	xst_path(p, sizeof(p), SHMRING_XEN_BE_ROOT_FMT, a->doms);
	if (!xs_set_permissions(h, t, p, be_parent, 1))
		return -1;

	/* Dom0's own record, by DomS name and id, for "daemon" and
	 * "disconnect" (/tool is Dom0's alone). */
	xst_path(p, sizeof(p), SHMRING_XEN_TOOL_FMT, a->guest, a->devid);
	if (!xst_write_str(h, t, p, a->doms_name) ||
	    !xst_write_key_u64(h, t, p, SHMRING_XS_TOOL_BACKEND_ID, a->doms))
		return -1;
	return 0;
}

static int
do_connect(uint32_t guest, uint32_t devid, uint32_t doms)
{
	char name[NAME_MAX_LEN], idbuf[16];
	struct assign a = { guest, devid, doms, name };

	if (guest == doms) {
		ERR("a domain cannot be its own DomS");
		return 1;
	}
	domain_name(doms, name, sizeof(name));
	if (name[0] == '\0') {
		snprintf(idbuf, sizeof(idbuf), "%u", doms);
		a.doms_name = idbuf;
	}
	if (xst_transaction(xs, connect_tx, &a) != 0) {
		ERR("cannot connect guest %u device %u to domain %u: %s",
		    guest, devid, doms, strerror(errno));
		return 1;
	}
	LOG("connected guest %u device %u to DomS %s (domain %u)", guest,
	    devid, a.doms_name, doms);
	return 0;
}

static int
offline_tx(struct xs_handle *h, xs_transaction_t t, void *arg)
{
	const char *be = arg;
	uint32_t online;

	if (xst_read_key_u32(h, t, be, SHMRING_XS_ONLINE, 1,
			     &online) != XST_OK)
		return 1;	/* nothing to take offline */
	if (!xst_write_key_u64(h, t, be, SHMRING_XS_ONLINE, 0) ||
	    !xst_write_key_u64(h, t, be, SHMRING_XS_STATE,
			       SHMRING_XB_CLOSING))
		return -1;
	return 0;
}

/*
 * Take every backend directory of guest g's device n offline, give each
 * DomS up to WAIT_CLOSED_MS to answer Closed (unless 'force'), then
 * remove them.  Returns how many there were.
 */
static unsigned int
backends_down(uint32_t g, uint32_t n, bool force)
{
	char be[XST_PATH_MAX];
	uint32_t bes[BE_MAX], st;
	unsigned int i, nbe, open;
	int w;

	nbe = find_backends(xs, XBT_NULL, g, n, bes, BE_MAX);
	for (i = 0; i < nbe; i++) {
		xst_path(be, sizeof(be), SHMRING_XEN_BE_FMT, bes[i], g, n);
		xst_transaction(xs, offline_tx, be);
	}
	/* Give a live DomS the chance to unmap first (it writes Closed);
	 * a dead one cannot, and we go on after a while. */
	for (w = 0; !force && nbe > 0 && w < WAIT_CLOSED_MS / 100; w++) {
		for (i = 0, open = 0; i < nbe; i++) {
			xst_path(be, sizeof(be), SHMRING_XEN_BE_FMT, bes[i],
				 g, n);
			if (xst_read_key_u32(xs, XBT_NULL, be,
					     SHMRING_XS_STATE, 255,
					     &st) == XST_OK &&
			    st != SHMRING_XB_CLOSED)
				open++;
		}
		if (open == 0)
			break;
		if (w == WAIT_CLOSED_MS / 100 - 1)
			LOG("%u DomS did not acknowledge within %d ms; "
			    "removing anyway", open, WAIT_CLOSED_MS);
		usleep(100000);
	}
	for (i = 0; i < nbe; i++) {
		xst_path(be, sizeof(be), SHMRING_XEN_BE_FMT, bes[i], g, n);
		xs_rm(xs, XBT_NULL, be);
		LOG("guest %u device %u: took the backend in domain %u "
		    "offline and removed it", g, n, bes[i]);
	}
	return nbe;
}

static int
do_disconnect(uint32_t guest, uint32_t devid, bool force)
{
	char fe[XST_PATH_MAX], p[XST_PATH_MAX];
	unsigned int nbe;

	xst_path(fe, sizeof(fe), SHMRING_XEN_FE_FMT, guest, devid);
	xst_path(p, sizeof(p), SHMRING_XEN_TOOL_FMT, guest, devid);
	xs_rm(xs, XBT_NULL, p);
	nbe = backends_down(guest, devid, force);
	xs_rm(xs, XBT_NULL, fe);
	if (nbe == 0)
		LOG("guest %u device %u was not connected", guest, devid);
	else
		LOG("disconnected guest %u device %u", guest, devid);
	return 0;
}

/* Call fn for every recorded assignment. */
static void
for_each_assignment(void (*fn)(uint32_t g, uint32_t n, const char *doms))
{
	char p[XST_PATH_MAX], name[NAME_MAX_LEN];
	unsigned int i, j, n_g = 0, n_d;
	char **gs, **ds;

	gs = xs_directory(xs, XBT_NULL, SHMRING_XEN_TOOL_ROOT, &n_g);
	for (i = 0; gs != NULL && i < n_g; i++) {
		uint32_t g, dv;
		char *end;

		g = (uint32_t)strtoul(gs[i], &end, 10);
		if (*end != '\0' || g > SHMRING_XEN_DOMID_MAX)
			continue;
		xst_path(p, sizeof(p), SHMRING_XEN_TOOL_GUEST_FMT, g);
		n_d = 0;
		ds = xs_directory(xs, XBT_NULL, p, &n_d);
		if (ds != NULL && n_d == 0) {
			xs_rm(xs, XBT_NULL, p);	/* empty: tidy */
		}
		for (j = 0; ds != NULL && j < n_d; j++) {
			dv = (uint32_t)strtoul(ds[j], &end, 10);
			if (*end != '\0' || dv > SHMRING_XEN_DEVID_MAX)
				continue;
			xst_path(p, sizeof(p), SHMRING_XEN_TOOL_FMT, g, dv);
			if (xst_controlled_by(xs, XBT_NULL, p, 0,
					      NULL) != XST_OK ||
			    xst_read_str(xs, XBT_NULL, p, name,
					 sizeof(name)) != XST_OK)
				continue;
			fn(g, dv, name);
		}
		free(ds);
	}
	free(gs);
}

static void
list_one(uint32_t g, uint32_t n, const char *doms)
{
	char fe[XST_PATH_MAX], be[XST_PATH_MAX], gname[NAME_MAX_LEN];
	uint32_t b = UINT32_MAX, fs = 0, bs = 0;

	domain_name(g, gname, sizeof(gname));
	xst_path(fe, sizeof(fe), SHMRING_XEN_FE_FMT, g, n);
	if (record_backend(XBT_NULL, g, n, &b) == XST_OK) {
		xst_path(be, sizeof(be), SHMRING_XEN_BE_FMT, b, g, n);
		xst_read_key_u32(xs, XBT_NULL, be, SHMRING_XS_STATE, 255,
				 &bs);
	}
	/* The frontend state is the guest's word: shown, not acted on. */
	xst_read_key_u32(xs, XBT_NULL, fe, SHMRING_XS_STATE, 255, &fs);
	printf("guest %u (%s) device %u -> DomS %s (domain %d): "
	       "frontend %s, backend %s\n", g, gname[0] ? gname : "?", n,
	       doms, b == UINT32_MAX ? -1 : (int)b,
	       shmring_xenbus_state_name(fs), shmring_xenbus_state_name(bs));
}

/* Daemon: bring one assignment in line with the domains that exist. */
static void
reconcile_one(uint32_t g, uint32_t n, const char *doms)
{
	char be[XST_PATH_MAX], p[XST_PATH_MAX];
	uint32_t d, b, online;

	if (!domain_exists(g)) {
		/* The guest is gone: drop the record and its backends. */
		xst_path(p, sizeof(p), SHMRING_XEN_TOOL_FMT, g, n);
		xs_rm(xs, XBT_NULL, p);
		backends_down(g, n, true);
		LOG("guest %u is gone: forgot its device %u", g, n);
		return;
	}
	if (resolve(doms, &d) != 0)
		return;		/* DomS not running: nothing to do yet */
	/* In place: Dom0's record names d, and d's backend directory is
	 * there and d's own.  Nothing the guest wrote counts. */
	xst_path(be, sizeof(be), SHMRING_XEN_BE_FMT, d, g, n);
	if (record_backend(XBT_NULL, g, n, &b) == XST_OK && b == d &&
	    xst_controlled_by(xs, XBT_NULL, be, d, NULL) == XST_OK &&
	    xst_read_key_u32(xs, XBT_NULL, be, SHMRING_XS_ONLINE, 1,
			     &online) == XST_OK)
		return;
	LOG("DomS %s is domain %u now: re-assigning guest %u device %u", doms,
	    d, g, n);
	do_connect(g, n, d);
}

static int
do_daemon(bool once)
{
	struct pollfd pfd;

	for_each_assignment(reconcile_one);
	if (once)
		return 0;
	if (!xs_watch(xs, "@introduceDomain", "intro") ||
	    !xs_watch(xs, "@releaseDomain", "release") ||
	    !xs_watch(xs, SHMRING_XEN_TOOL_ROOT, "tool")) {
		ERR("cannot set xenstore watches: %s", strerror(errno));
		return 1;
	}
	LOG("daemon: watching for DomS domains (pid %d)", (int)getpid());
	pfd.fd = xs_fileno(xs);
	pfd.events = POLLIN;
	while (!stop) {
		int r = poll(&pfd, 1, DAEMON_RECHECK_MS);

		if (r < 0 && errno != EINTR)
			break;
		xst_drain_watches(xs);
		for_each_assignment(reconcile_one);
	}
	return 0;
}

static uint32_t
domain_arg(const char *s)
{
	uint32_t id;

	if (resolve(s, &id) != 0) {
		ERR("no domain '%s'", s);
		exit(1);
	}
	return id;
}

static uint32_t
devid_arg(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v > SHMRING_XEN_DEVID_MAX) {
		ERR("bad device number '%s' (0..%u)", s,
		    SHMRING_XEN_DEVID_MAX);
		exit(2);
	}
	return (uint32_t)v;
}

static void
usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s connect GUEST DEVID DOMS\n"
		"       %s disconnect GUEST DEVID [--force]\n"
		"       %s list\n"
		"       %s daemon [--once]\n"
		"GUEST and DOMS are domain names or ids; run in Dom0.\n",
		argv0, argv0, argv0, argv0);
	exit(2);
}

int
main(int argc, char **argv)
{
	int rc = 2;

	if (argc < 2)
		usage(argv[0]);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	xs = xs_open(0);
	if (xs == NULL) {
		ERR("cannot open xenstore: %s (run in Dom0 as root, with "
		    "xenstored up)", strerror(errno));
		return 1;
	}
	if (strcmp(argv[1], "connect") == 0 && argc == 5) {
		rc = do_connect(domain_arg(argv[2]), devid_arg(argv[3]),
				domain_arg(argv[4]));
	} else if (strcmp(argv[1], "disconnect") == 0 &&
		   (argc == 4 || (argc == 5 &&
				  strcmp(argv[4], "--force") == 0))) {
		uint32_t g;
		char *end;

		/* A dead guest's id no longer resolves: take numbers. */
		g = (uint32_t)strtoul(argv[2], &end, 10);
		if (*end != '\0')
			g = domain_arg(argv[2]);
		rc = do_disconnect(g, devid_arg(argv[3]), argc == 5);
	} else if (strcmp(argv[1], "list") == 0 && argc == 2) {
		for_each_assignment(list_one);
		rc = 0;
	} else if (strcmp(argv[1], "daemon") == 0 &&
		   (argc == 2 || (argc == 3 &&
				  strcmp(argv[2], "--once") == 0))) {
		rc = do_daemon(argc == 3);
	} else {
		usage(argv[0]);
	}
	xs_close(xs);
	return rc;
}
