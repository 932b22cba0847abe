/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * The xenstore value parsers of lib/shmring/xen_store.c, over a stub
 * libxenstore whose nodes hold whatever the fuzzer says.  In a real
 * deployment those nodes are written by the guest (its frontend
 * directory) or by Dom0: xen_store.c treats them as hostile input.
 *
 * xen_store.c is compiled unchanged; the stub below replaces the few
 * libxenstore calls it makes (xs_read and xs_directory return private
 * heap copies, as libxenstore does, so ASan sees their exact bounds).
 *
 * Input: records of (opcode, operands, value); the value is the node's
 * content (length byte 0xff: no such node).
 *
 * Properties, against a model written from xen_store.h's promises:
 *  - numbers: decimal digits only, no sign or blank, at most 20 digits,
 *    no overflow, at most 'max'; the value is the decimal one;
 *  - strings: at most len - 1 printable bytes, copied exactly;
 *  - lists: exactly n space-separated numbers, nothing else;
 *  - a NUL inside a value, or a value over its bound, is XST_INVALID;
 *  - shmring_xen_assigned() counts every valid (guest, device) pair and
 *    returns at most 'max' of them, sorted, each one a valid pair;
 *  - xst_set_perms_tree() over a tree a guest filled: never more nodes
 *    than its budget, never deeper than 4 levels, never a path over
 *    XST_PATH_MAX; XST_OK exactly when it covered the whole tree;
 *  - xst_controlled_by(): the owner and the writers decide, Dom0 aside.
 */

#include <stdbool.h>
#include <xenstore.h>

#include "fuzz.h"
#include "shmring_xen.h"
#include "xen_store.h"

/* ---- the stub libxenstore -------------------------------------------- */

#define STUB_TREE_ROOT	"/local/domain/7/device/xenshm/0"

struct xs_handle {
	int unused;
};

static struct xs_handle stub_handle;
static const uint8_t *stub_val;		/* NULL: the node does not exist */
static size_t stub_len;
static const char *stub_domid;		/* "domid" node for assigned() */
static char **stub_guests, **stub_devs;
static unsigned int stub_n_guests, stub_n_devs;
static bool stub_tree;			/* xs_directory: the perms tree */
static unsigned int stub_set_calls, stub_set_fail_at;
static unsigned int stub_set_depth_max;
static const struct xs_permissions *stub_perms;	/* NULL: no node */
static unsigned int stub_n_perms;

struct xs_handle *
xs_open(unsigned long flags)
{
	(void)flags;
	return &stub_handle;
}

void
xs_close(struct xs_handle *h)
{
	(void)h;
}

void *
xs_read(struct xs_handle *h, xs_transaction_t t, const char *path,
	unsigned int *len)
{
	const uint8_t *v = stub_val;
	size_t n = stub_len;
	char *copy;

	(void)h;
	(void)t;
	if (stub_domid != NULL && !strcmp(path, "domid")) {
		v = (const uint8_t *)stub_domid;
		n = strlen(stub_domid);
	}
	if (v == NULL)
		return NULL;
	/* libxenstore: a fresh copy with a NUL after the value */
	copy = malloc(n + 1);
	FZ_CHECK(copy != NULL, "malloc");
	memcpy(copy, v, n);
	copy[n] = '\0';
	*len = (unsigned int)n;
	return copy;
}

/* One block, the pointers then the strings, freed with one free(). */
static char **
dir_copy(char **ents, unsigned int n, unsigned int *num)
{
	size_t bytes = n * sizeof(char *);
	unsigned int i;
	char **out, *s;

	for (i = 0; i < n; i++)
		bytes += strlen(ents[i]) + 1;
	out = malloc(bytes ? bytes : 1);
	FZ_CHECK(out != NULL, "malloc");
	s = (char *)(out + n);
	for (i = 0; i < n; i++) {
		out[i] = s;
		strcpy(s, ents[i]);
		s += strlen(ents[i]) + 1;
	}
	*num = n;
	return out;
}

char **
xs_directory(struct xs_handle *h, xs_transaction_t t, const char *path,
	     unsigned int *num)
{
	(void)h;
	(void)t;
	/* The perms tree: every node lists the same children. */
	if (stub_tree)
		return stub_devs ? dir_copy(stub_devs, stub_n_devs, num) : NULL;
	/* The backend root lists guests; below it, each lists devices. */
	if (strstr(path, "/backend/xenshm/") == NULL)
		return stub_guests ? dir_copy(stub_guests, stub_n_guests, num) :
			NULL;
	return stub_devs ? dir_copy(stub_devs, stub_n_devs, num) : NULL;
}

bool
xs_write(struct xs_handle *h, xs_transaction_t t, const char *path,
	 const void *data, unsigned int len)
{
	(void)h; (void)t; (void)path; (void)data; (void)len;
	return true;
}

bool
xs_set_permissions(struct xs_handle *h, xs_transaction_t t,
		   const char *path, struct xs_permissions *perms,
		   unsigned int num_perms)
{
	const char *c;
	unsigned int depth = 0;

	(void)h; (void)t; (void)perms; (void)num_perms;
	FZ_CHECK(strlen(path) < XST_PATH_MAX, "path of %zu bytes",
		 strlen(path));
	for (c = path + strlen(STUB_TREE_ROOT); *c != '\0'; c++)
		depth += *c == '/';
	if (depth > stub_set_depth_max)
		stub_set_depth_max = depth;
	return ++stub_set_calls != stub_set_fail_at;
}

struct xs_permissions *
xs_get_permissions(struct xs_handle *h, xs_transaction_t t,
		   const char *path, unsigned int *num)
{
	struct xs_permissions *p;

	(void)h; (void)t; (void)path;
	if (stub_perms == NULL)
		return NULL;
	p = malloc(stub_n_perms * sizeof(*p) + 1);
	FZ_CHECK(p != NULL, "malloc");
	memcpy(p, stub_perms, stub_n_perms * sizeof(*p));
	*num = stub_n_perms;
	return p;
}

int
xs_fileno(struct xs_handle *h)
{
	(void)h;
	return -1;
}

char **
xs_check_watch(struct xs_handle *h)
{
	(void)h;
	return NULL;
}

xs_transaction_t
xs_transaction_start(struct xs_handle *h)
{
	(void)h;
	return 1;
}

bool
xs_transaction_end(struct xs_handle *h, xs_transaction_t t, bool abort)
{
	(void)h; (void)t; (void)abort;
	return true;
}

/* ---- the model ------------------------------------------------------- */

/* Strict decimal 0..max of exactly these bytes; false otherwise. */
static bool
model_num(const uint8_t *s, size_t len, uint64_t max, uint64_t *out)
{
	unsigned __int128 v = 0;
	size_t i;

	if (len == 0 || len > 20)
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	if (v > UINT64_MAX || v > max)
		return false;
	*out = (uint64_t)v;
	return true;
}

static int
model_read_num(uint64_t max, uint64_t *out)
{
	if (stub_val == NULL)
		return XST_MISSING;
	if (stub_len > 20 || memchr(stub_val, '\0', stub_len) != NULL)
		return XST_INVALID;
	return model_num(stub_val, stub_len, max, out) ? XST_OK : XST_INVALID;
}

static void
fz_read_u64(uint64_t max)
{
	uint64_t got = 0xdead, want = 0;
	int rc = xst_read_u64(&stub_handle, XBT_NULL, "/x", max, &got);
	int mrc = model_read_num(max, &want);

	FZ_CHECK(rc == mrc, "read_u64 rc %d, model %d", rc, mrc);
	if (rc == XST_OK)
		FZ_CHECK(got == want && got <= max, "read_u64 %llu, want %llu",
			 (unsigned long long)got, (unsigned long long)want);
	else
		FZ_CHECK(got == 0xdead, "a refused value was stored");
}

static void
fz_read_u32(uint32_t max)
{
	uint32_t got = 0xdead;
	uint64_t want = 0;
	int rc = xst_read_u32(&stub_handle, XBT_NULL, "/x", max, &got);
	int mrc = model_read_num(max, &want);

	FZ_CHECK(rc == mrc, "read_u32 rc %d, model %d", rc, mrc);
	if (rc == XST_OK)
		FZ_CHECK(got == want && got <= max, "read_u32 %u", got);
}

static void
fz_read_str(size_t len)
{
	char *buf = malloc(len ? len : 1);	/* exactly len: ASan bound */
	int rc, mrc = XST_OK;
	size_t i;

	FZ_CHECK(buf != NULL, "malloc");
	rc = xst_read_str(&stub_handle, XBT_NULL, "/x", buf, len);
	if (stub_val == NULL)
		mrc = len == 0 ? XST_INVALID : XST_MISSING;
	else if (len == 0 || stub_len > len - 1)
		mrc = XST_INVALID;
	else
		for (i = 0; i < stub_len; i++)
			if (stub_val[i] < 0x20 || stub_val[i] > 0x7e)
				mrc = XST_INVALID;
	FZ_CHECK(rc == mrc, "read_str(%zu) rc %d, model %d", len, rc, mrc);
	if (rc == XST_OK)
		FZ_CHECK(strlen(buf) == stub_len &&
			 !memcmp(buf, stub_val, stub_len), "string differs");
	free(buf);
}

static void
fz_read_list(unsigned int n)
{
	uint32_t out[64], want[64];
	unsigned int got = 0;
	size_t i, tok = 0;
	int rc, mrc = XST_OK;
	uint64_t v;

	rc = xst_read_u32_list(&stub_handle, XBT_NULL, "/x", out, n);
	if (stub_val == NULL) {
		mrc = XST_MISSING;
	} else if (stub_len > (size_t)n * 11 ||
		   memchr(stub_val, '\0', stub_len) != NULL) {
		mrc = XST_INVALID;
	} else if (stub_len > 0) {
		/* tokens separated by exactly one blank */
		for (i = 0; i <= stub_len && mrc == XST_OK; i++) {
			if (i < stub_len && stub_val[i] != ' ')
				continue;
			if (got == n || !model_num(stub_val + tok, i - tok,
						   UINT32_MAX, &v))
				mrc = XST_INVALID;
			else
				want[got++] = (uint32_t)v;
			tok = i + 1;
		}
	}
	if (mrc == XST_OK && got != n)
		mrc = XST_INVALID;
	FZ_CHECK(rc == mrc, "list of %u: rc %d, model %d", n, rc, mrc);
	if (rc == XST_OK)
		for (i = 0; i < n; i++)
			FZ_CHECK(out[i] == want[i], "list[%zu] %u, want %u",
				 i, out[i], want[i]);
}

static void
fz_assigned(unsigned int max)
{
	struct shmring_xen_peer out[16];
	unsigned int i, j, total = 0;
	uint64_t self, g, d;
	char why[160];
	int n;

	n = shmring_xen_assigned(out, max, why, sizeof(why));
	if (!model_num((const uint8_t *)stub_domid, strlen(stub_domid),
		       SHMRING_XEN_DOMID_MAX, &self)) {
		FZ_CHECK(n == -1, "bad domid accepted");
		FZ_CHECK(fz_printable(why, sizeof(why)), "why");
		return;
	}
	for (i = 0; stub_guests && i < stub_n_guests; i++) {
		if (!model_num((const uint8_t *)stub_guests[i],
			       strlen(stub_guests[i]), SHMRING_XEN_DOMID_MAX,
			       &g))
			continue;
		for (j = 0; stub_devs && j < stub_n_devs; j++)
			total += model_num((const uint8_t *)stub_devs[j],
					   strlen(stub_devs[j]),
					   SHMRING_XEN_DEVID_MAX, &d);
	}
	FZ_CHECK(n == (int)total, "assigned %d, model %u", n, total);
	for (i = 0; i < (total < max ? total : max); i++) {
		FZ_CHECK(out[i].domid <= SHMRING_XEN_DOMID_MAX &&
			 out[i].devid <= SHMRING_XEN_DEVID_MAX, "range");
		if (i > 0)
			FZ_CHECK(out[i - 1].domid < out[i].domid ||
				 (out[i - 1].domid == out[i].domid &&
				  out[i - 1].devid <= out[i].devid),
				 "not sorted at %u", i);
	}
}

/* A guest's directory tree: every node has the same children. */
static void
fz_perms_tree(unsigned int max_nodes, unsigned int fail_at)
{
	struct xs_permissions perms[2] = { { 7, XS_PERM_NONE },
					   { 0, XS_PERM_READ } };
	uint64_t total = 1, level = 1;
	size_t longest = 0;
	unsigned int i;
	bool fits;
	int rc;

	stub_tree = true;
	stub_set_calls = 0;
	stub_set_fail_at = fail_at;
	stub_set_depth_max = 0;
	rc = xst_set_perms_tree(&stub_handle, XBT_NULL, STUB_TREE_ROOT, perms,
				2, max_nodes);
	stub_tree = false;
	for (i = 0; stub_devs && i < stub_n_devs; i++)
		if (strlen(stub_devs[i]) > longest)
			longest = strlen(stub_devs[i]);
	/* four levels below the node */
	for (i = 0; i < 4 && stub_devs; i++) {
		level *= stub_n_devs;
		total += level;
	}
	fits = stub_n_devs == 0 || !stub_devs ||
		strlen(STUB_TREE_ROOT) + 4 * (longest + 1) < XST_PATH_MAX;
	FZ_CHECK(stub_set_calls <= max_nodes, "%u nodes set, budget %u",
		 stub_set_calls, max_nodes);
	FZ_CHECK(stub_set_depth_max <= 4, "depth %u", stub_set_depth_max);
	FZ_CHECK(rc == XST_OK || rc == XST_INVALID || rc == XST_MISSING,
		 "rc %d", rc);
	if (rc == XST_OK)
		FZ_CHECK(stub_set_calls == total, "OK after %u of %llu nodes",
			 stub_set_calls, (unsigned long long)total);
	if (rc == XST_MISSING)
		FZ_CHECK(fail_at != 0 && stub_set_calls == fail_at,
			 "MISSING without a xenstore error");
	if (total <= max_nodes && fits && (fail_at == 0 || fail_at > total))
		FZ_CHECK(rc == XST_OK, "a tree of %llu nodes refused (%d)",
			 (unsigned long long)total, rc);
}

/* Owner and writers of a node, as docs in xen_store.h put it. */
static void
fz_controlled(const struct xs_permissions *p, unsigned int n, uint32_t dom)
{
	uint32_t owner = 0xdeadbeef;
	unsigned int i;
	int rc, mrc;

	stub_perms = p;
	stub_n_perms = n;
	rc = xst_controlled_by(&stub_handle, XBT_NULL, "/x", dom, &owner);
	stub_perms = NULL;
	if (p == NULL) {
		mrc = XST_MISSING;
	} else if (n == 0) {
		mrc = XST_INVALID;
	} else {
		/* owner dom; nobody else may write: not by default
		 * (entry 0), not by a grant; Dom0 does not count */
		mrc = p[0].id == dom && !(p[0].perms & XS_PERM_WRITE) ?
			XST_OK : XST_INVALID;
		for (i = 1; i < n; i++)
			if (p[i].id != dom && p[i].id != 0 &&
			    (p[i].perms & XS_PERM_WRITE))
				mrc = XST_INVALID;
	}
	FZ_CHECK(rc == mrc, "controlled_by %d, model %d", rc, mrc);
	if (p != NULL && n > 0)
		FZ_CHECK(owner == p[0].id, "owner %u, first entry %u", owner,
			 p[0].id);
}

/* ---- driver ---------------------------------------------------------- */

/* A NUL-separated blob as a directory listing (at most 32 entries). */
static unsigned int
split(char *blob, size_t len, char **ents)
{
	unsigned int n = 0;
	size_t i = 0;

	while (i < len && n < 32) {
		ents[n++] = blob + i;
		i += strlen(blob + i) + 1;
	}
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	uint8_t val[256];
	char gblob[257], dblob[257], dom[24];
	char *gents[32], *dents[32];
	unsigned int rec;
	size_t i;

	for (rec = 0; in.left > 0 && rec < 64; rec++) {
		uint8_t op = fz_u8(&in), vl;
		uint64_t arg = fz_u64(&in);

		vl = fz_u8(&in);
		stub_len = vl == 0xff ? 0 : vl;
		fz_bytes(&in, val, stub_len);
		stub_val = vl == 0xff ? NULL : val;
		switch (op % 8) {
		case 0:
			fz_read_u64(arg);
			break;
		case 1:
			fz_read_u32((uint32_t)arg);
			break;
		case 2:
			fz_read_str(arg % 300);
			break;
		case 3:
			fz_read_list(arg % 65);
			break;
		case 4:	/* the same, through the "dir/key" path builder */
			{
				uint32_t got;
				uint64_t want;
				char dir[XST_PATH_MAX + 8];
				int rc, mrc = model_read_num(UINT32_MAX, &want);

				memset(dir, 'd', sizeof(dir));
				dir[arg % sizeof(dir)] = '\0';
				rc = xst_read_key_u32(&stub_handle, XBT_NULL,
						      dir, "k", UINT32_MAX,
						      &got);
				if (strlen(dir) + 2 >= XST_PATH_MAX)
					mrc = XST_INVALID;
				FZ_CHECK(rc == mrc, "key read %d, model %d",
					 rc, mrc);
			}
			break;
		case 5:	/* value: the domid; then two listings follow */
			snprintf(dom, sizeof(dom), "%.*s",
				 (int)(stub_len < 23 ? stub_len : 23),
				 (const char *)val);
			stub_domid = dom;
			vl = fz_u8(&in);
			memset(gblob, 0, sizeof(gblob));
			fz_bytes(&in, gblob, vl);
			stub_n_guests = split(gblob, vl, gents);
			stub_guests = (arg & 1) ? NULL : gents;
			vl = fz_u8(&in);
			memset(dblob, 0, sizeof(dblob));
			fz_bytes(&in, dblob, vl);
			stub_n_devs = split(dblob, vl, dents);
			stub_devs = (arg & 2) ? NULL : dents;
			fz_assigned((arg >> 2) % 17);
			stub_domid = NULL;
			break;
		case 6:	/* value: the children of every node of a tree */
			memset(dblob, 0, sizeof(dblob));
			memcpy(dblob, val, stub_len);
			/* xenstore names are path components: no '/' */
			for (i = 0; i < stub_len; i++)
				if (dblob[i] == '/')
					dblob[i] = '_';
			stub_n_devs = split(dblob, stub_len, dents);
			stub_devs = vl == 0xff ? NULL : dents;
			fz_perms_tree(arg % 2000, (arg >> 16) % 64);
			break;
		case 7:	/* value: the node's permission entries */
			{
				struct xs_permissions p[32];
				unsigned int n = (unsigned int)(stub_len / 8);

				memcpy(p, val, n * sizeof(p[0]));
				fz_controlled(vl == 0xff ? NULL : p, n,
					      (uint32_t)arg % 8);
			}
			break;
		}
	}
	return 0;
}
