/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shmring_xen.h"
#include "xen_store.h"

static const char *const xenbus_state_names[] = {
	[SHMRING_XB_UNKNOWN] = "Unknown",
	[SHMRING_XB_INITIALISING] = "Initialising",
	[SHMRING_XB_INITWAIT] = "InitWait",
	[SHMRING_XB_INITIALISED] = "Initialised",
	[SHMRING_XB_CONNECTED] = "Connected",
	[SHMRING_XB_CLOSING] = "Closing",
	[SHMRING_XB_CLOSED] = "Closed",
};

const char *
shmring_xenbus_state_name(unsigned int state)
{
	if (state < sizeof(xenbus_state_names) / sizeof(xenbus_state_names[0]))
		return xenbus_state_names[state];
	return "invalid";
}

uint64_t
xst_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

bool
xst_path(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n >= 0 && (size_t)n < len;
}

/*
 * Fetch a node into a private, NUL-terminated buffer of at most
 * 'max' bytes.  xs_read() gives us a fresh copy; we only bound it.
 */
static int
read_raw(struct xs_handle *xs, xs_transaction_t t, const char *path,
	 char **out, size_t max)
{
	unsigned int len = 0;
	char *v;

	v = xs_read(xs, t, path, &len);
	if (v == NULL)
		return XST_MISSING;
	if (len > max || memchr(v, '\0', len) != NULL) {
		free(v);
		return XST_INVALID;
	}
	*out = v;	/* libxenstore NUL-terminates the copy */
	return XST_OK;
}

/* Strict decimal: 1..20 digits, no sign or blanks, value <= max. */
static int
parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 20)
		return XST_INVALID;
	for (i = 0; i < len; i++) {
		unsigned int d;

		if (s[i] < '0' || s[i] > '9')
			return XST_INVALID;
		d = (unsigned int)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return XST_INVALID;
		v = v * 10 + d;
	}
	if (v > max)
		return XST_INVALID;
	*out = v;
	return XST_OK;
}

int
xst_read_u64(struct xs_handle *xs, xs_transaction_t t, const char *path,
	     uint64_t max, uint64_t *out)
{
	char *v;
	int rc;

	rc = read_raw(xs, t, path, &v, 20);
	if (rc != XST_OK)
		return rc;
	rc = parse_u64(v, strlen(v), max, out);
	free(v);
	return rc;
}

int
xst_read_u32(struct xs_handle *xs, xs_transaction_t t, const char *path,
	     uint32_t max, uint32_t *out)
{
	uint64_t v;
	int rc;

	rc = xst_read_u64(xs, t, path, max, &v);
	if (rc == XST_OK)
		*out = (uint32_t)v;
	return rc;
}

int
xst_read_str(struct xs_handle *xs, xs_transaction_t t, const char *path,
	     char *buf, size_t len)
{
	size_t i, n;
	char *v;
	int rc;

	if (len == 0)
		return XST_INVALID;
	rc = read_raw(xs, t, path, &v, len - 1);
	if (rc != XST_OK)
		return rc;
	n = strlen(v);
	for (i = 0; i < n; i++) {
		if (v[i] < 0x20 || v[i] > 0x7e) {
			free(v);
			return XST_INVALID;
		}
	}
	memcpy(buf, v, n + 1);
	free(v);
	return XST_OK;
}

int
xst_read_u32_list(struct xs_handle *xs, xs_transaction_t t,
		  const char *path, uint32_t *out, unsigned int n)
{
	unsigned int got = 0;
	const char *p;
	char *v;
	int rc;

	/* Each value takes at most 10 digits and one blank. */
	rc = read_raw(xs, t, path, &v, (size_t)n * 11);
	if (rc != XST_OK)
		return rc;
	p = v;
	rc = XST_OK;
	while (*p != '\0') {
		uint64_t x;
		size_t l = strcspn(p, " ");

		if (got == n || parse_u64(p, l, UINT32_MAX, &x) != XST_OK) {
			rc = XST_INVALID;
			break;
		}
		out[got++] = (uint32_t)x;
		p += l;
		if (*p == ' ') {
			p++;
			if (*p == '\0') {	/* trailing blank */
				rc = XST_INVALID;
				break;
			}
		}
	}
	free(v);
	if (rc == XST_OK && got != n)
		rc = XST_INVALID;
	return rc;
}

bool
xst_write_str(struct xs_handle *xs, xs_transaction_t t, const char *path,
	      const char *s)
{
	return xs_write(xs, t, path, s, strlen(s));
}

bool
xst_write_u64(struct xs_handle *xs, xs_transaction_t t, const char *path,
	      uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	return xst_write_str(xs, t, path, buf);
}

bool
xst_write_key_u64(struct xs_handle *xs, xs_transaction_t t,
		  const char *dir, const char *key, uint64_t v)
{
	char p[XST_PATH_MAX];

	return xst_path(p, sizeof(p), "%s/%s", dir, key) &&
		xst_write_u64(xs, t, p, v);
}

bool
xst_write_key_str(struct xs_handle *xs, xs_transaction_t t,
		  const char *dir, const char *key, const char *s)
{
	char p[XST_PATH_MAX];

	return xst_path(p, sizeof(p), "%s/%s", dir, key) &&
		xst_write_str(xs, t, p, s);
}

int
xst_read_key_u32(struct xs_handle *xs, xs_transaction_t t, const char *dir,
		 const char *key, uint32_t max, uint32_t *out)
{
	char p[XST_PATH_MAX];

	if (!xst_path(p, sizeof(p), "%s/%s", dir, key))
		return XST_INVALID;
	return xst_read_u32(xs, t, p, max, out);
}

int
xst_read_key_u64(struct xs_handle *xs, xs_transaction_t t, const char *dir,
		 const char *key, uint64_t max, uint64_t *out)
{
	char p[XST_PATH_MAX];

	if (!xst_path(p, sizeof(p), "%s/%s", dir, key))
		return XST_INVALID;
	return xst_read_u64(xs, t, p, max, out);
}

bool
xst_self_domid(struct xs_handle *xs, uint32_t *domid)
{
	/* A relative path is resolved in /local/domain/<caller>. */
	return xst_read_u32(xs, XBT_NULL, "domid", SHMRING_XEN_DOMID_MAX,
			    domid) == XST_OK;
}

int
xst_transaction(struct xs_handle *xs,
		int (*fn)(struct xs_handle *xs, xs_transaction_t t, void *arg),
		void *arg)
{
	return xst_transaction_n(xs, fn, arg, XST_TX_RETRIES);
}

int
xst_transaction_n(struct xs_handle *xs,
		  int (*fn)(struct xs_handle *xs, xs_transaction_t t,
			    void *arg),
		  void *arg, unsigned int tries)
{
	unsigned int i;
	int rc;

	for (i = 0; i < tries; i++) {
		xs_transaction_t t = xs_transaction_start(xs);

		if (t == XBT_NULL)
			return -1;
		rc = fn(xs, t, arg);
		if (rc != 0) {
			xs_transaction_end(xs, t, true);
			return rc;
		}
		if (xs_transaction_end(xs, t, false))
			return 0;
		if (errno != EAGAIN)
			return -1;
	}
	errno = EAGAIN;
	return -1;
}

/* 1 when the node budget ran out, -1 on a xenstore error, 0 done. */
static int
perms_rec(struct xs_handle *xs, xs_transaction_t t, const char *path,
	  struct xs_permissions *perms, unsigned int n_perms,
	  unsigned int depth, unsigned int *budget)
{
	char child[XST_PATH_MAX];
	unsigned int i, num = 0;
	char **ents;
	int rc = 0;

	if (*budget == 0)
		return 1;
	(*budget)--;
	if (!xs_set_permissions(xs, t, path, perms, n_perms))
		return -1;
	if (depth == 0)
		return 0;
	ents = xs_directory(xs, t, path, &num);
	if (ents == NULL)
		return 0;	/* a leaf */
	for (i = 0; i < num && rc == 0; i++) {
		if (!xst_path(child, sizeof(child), "%s/%s", path, ents[i]))
			rc = 1;	/* a name we would not build: junk */
		else
			rc = perms_rec(xs, t, child, perms, n_perms,
				       depth - 1, budget);
	}
	free(ents);
	return rc;
}

int
xst_set_perms_tree(struct xs_handle *xs, xs_transaction_t t,
		   const char *path, struct xs_permissions *perms,
		   unsigned int n_perms, unsigned int max_nodes)
{
	unsigned int budget = max_nodes;
	int rc = perms_rec(xs, t, path, perms, n_perms, 4, &budget);

	return rc == 0 ? XST_OK : rc > 0 ? XST_INVALID : XST_MISSING;
}

int
xst_controlled_by(struct xs_handle *xs, xs_transaction_t t,
		  const char *path, uint32_t dom, uint32_t *owner)
{
	struct xs_permissions *p;
	unsigned int i, n = 0;
	int rc = XST_OK;

	p = xs_get_permissions(xs, t, path, &n);
	if (p == NULL)
		return XST_MISSING;
	if (n == 0) {
		free(p);
		return XST_INVALID;
	}
	if (owner != NULL)
		*owner = p[0].id;
	if (p[0].id != dom || (p[0].perms & XS_PERM_WRITE))
		rc = XST_INVALID;
	for (i = 1; i < n && rc == XST_OK; i++) {
		if (p[i].id != dom && p[i].id != 0 &&
		    (p[i].perms & XS_PERM_WRITE))
			rc = XST_INVALID;
	}
	free(p);
	return rc;
}

unsigned int
xst_drain_watches(struct xs_handle *xs)
{
	struct pollfd pfd = { .fd = xs_fileno(xs), .events = POLLIN };
	unsigned int n = 0;
	char **ev;

	if (pfd.fd < 0 || poll(&pfd, 1, 0) <= 0)
		return 0;
	/* Bounded: a peer writing in a loop must not keep us here. */
	while (n < 1024 && (ev = xs_check_watch(xs)) != NULL) {
		free(ev);
		n++;
	}
	return n;
}

int
shmring_xen_assigned(struct shmring_xen_peer *out, unsigned int max,
		     char *why, size_t why_len)
{
	char root[XST_PATH_MAX], dir[XST_PATH_MAX];
	unsigned int i, j, n_g = 0, n_d, total = 0;
	struct xs_handle *xs;
	char **guests, **devs;
	uint32_t self;

	xs = xs_open(0);
	if (xs == NULL) {
		if (why != NULL && why_len > 0)
			snprintf(why, why_len, "cannot open xenstore: %s",
				 strerror(errno));
		return -1;
	}
	if (!xst_self_domid(xs, &self)) {
		if (why != NULL && why_len > 0)
			snprintf(why, why_len, "cannot read our domain id "
				 "from xenstore");
		xs_close(xs);
		return -1;
	}
	xst_path(root, sizeof(root), SHMRING_XEN_BE_ROOT_FMT, self);
	guests = xs_directory(xs, XBT_NULL, root, &n_g);
	for (i = 0; guests != NULL && i < n_g; i++) {
		uint64_t g, d;

		if (parse_u64(guests[i], strlen(guests[i]),
			      SHMRING_XEN_DOMID_MAX, &g) != XST_OK)
			continue;
		if (!xst_path(dir, sizeof(dir), "%s/%s", root, guests[i]))
			continue;
		n_d = 0;
		devs = xs_directory(xs, XBT_NULL, dir, &n_d);
		for (j = 0; devs != NULL && j < n_d; j++) {
			unsigned int k;

			if (parse_u64(devs[j], strlen(devs[j]),
				      SHMRING_XEN_DEVID_MAX, &d) != XST_OK)
				continue;
			/* insertion sort into the caller's array */
			if (total < max) {
				k = total;
				while (k > 0 && (out[k - 1].domid > g ||
				       (out[k - 1].domid == g &&
					out[k - 1].devid > d))) {
					out[k] = out[k - 1];
					k--;
				}
				out[k].domid = (uint32_t)g;
				out[k].devid = (uint32_t)d;
			}
			total++;
		}
		free(devs);
	}
	free(guests);
	xs_close(xs);
	return (int)total;
}
