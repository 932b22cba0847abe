/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Internal: small xenstore helpers for the Xen transport and the Dom0
 * control tool.  Everything read from xenstore is treated as input from
 * whoever may write that node: values are bounded and parsed strictly
 * (decimal digits only, no sign, no overflow, a maximum).
 */

#ifndef SHMRING_XEN_STORE_H
#define SHMRING_XEN_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xenstore.h>

/* Longest xenstore path we build (xenstored allows 3072 bytes). */
#define XST_PATH_MAX	256
/* Longest value we accept from a node we read (refs lists are longer). */
#define XST_VALUE_MAX	4096
/* Transactions that keep failing with EAGAIN give up after this. */
#define XST_TX_RETRIES	16

/* Result of a read. */
enum xst_rc {
	XST_OK = 0,
	XST_MISSING = -1,	/* no such node (or no permission) */
	XST_INVALID = -2,	/* present but not a value we accept */
};

/* snprintf into a path buffer; false if it did not fit. */
bool xst_path(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* This domain's id ("domid" relative to our home); false on failure. */
bool xst_self_domid(struct xs_handle *xs, uint32_t *domid);

/* Read a decimal number 0..max.  enum xst_rc. */
int xst_read_u64(struct xs_handle *xs, xs_transaction_t t, const char *path,
		 uint64_t max, uint64_t *out);
int xst_read_u32(struct xs_handle *xs, xs_transaction_t t, const char *path,
		 uint32_t max, uint32_t *out);
/* Read a string of at most len - 1 printable bytes.  enum xst_rc. */
int xst_read_str(struct xs_handle *xs, xs_transaction_t t, const char *path,
		 char *buf, size_t len);
/*
 * Read a list of exactly 'n' space-separated decimal u32 values into
 * 'out'.  More, fewer, or anything else is XST_INVALID.
 */
int xst_read_u32_list(struct xs_handle *xs, xs_transaction_t t,
		      const char *path, uint32_t *out, unsigned int n);

bool xst_write_u64(struct xs_handle *xs, xs_transaction_t t,
		   const char *path, uint64_t v);
bool xst_write_str(struct xs_handle *xs, xs_transaction_t t,
		   const char *path, const char *s);
/* Write "dir/key" = value. */
bool xst_write_key_u64(struct xs_handle *xs, xs_transaction_t t,
		       const char *dir, const char *key, uint64_t v);
bool xst_write_key_str(struct xs_handle *xs, xs_transaction_t t,
		       const char *dir, const char *key, const char *s);
int xst_read_key_u32(struct xs_handle *xs, xs_transaction_t t,
		     const char *dir, const char *key, uint32_t max,
		     uint32_t *out);
int xst_read_key_u64(struct xs_handle *xs, xs_transaction_t t,
		     const char *dir, const char *key, uint64_t max,
		     uint64_t *out);

/*
 * Run 'fn' inside a transaction and commit; retry the whole thing while
 * the commit fails with EAGAIN (someone else wrote meanwhile), at most
 * XST_TX_RETRIES times.  'fn' returns 0 to commit or non-zero to abort;
 * that value is returned.  -1 with errno set if xenstore itself failed.
 */
int xst_transaction(struct xs_handle *xs,
		    int (*fn)(struct xs_handle *xs, xs_transaction_t t,
			      void *arg),
		    void *arg);
/* The same with at most 'tries' attempts (a peer writing in a loop makes
 * every read transaction of its keys fail with EAGAIN). */
int xst_transaction_n(struct xs_handle *xs,
		      int (*fn)(struct xs_handle *xs, xs_transaction_t t,
				void *arg),
		      void *arg, unsigned int tries);

/*
 * Set the permissions of 'path' and of every node below it (at most
 * 'max_nodes' nodes, 4 levels) to 'perms'.  XST_OK; XST_INVALID if the
 * tree has more nodes than that (a guest can fill its own directory);
 * XST_MISSING if xenstore refused (errno).
 */
int xst_set_perms_tree(struct xs_handle *xs, xs_transaction_t t,
		       const char *path, struct xs_permissions *perms,
		       unsigned int n_perms, unsigned int max_nodes);

/*
 * Is 'path' controlled by domain 'dom' alone: owned by it, and nobody
 * else granted write access (xs_get_permissions: the first entry is the
 * owner and everyone's default, the others per-domain grants)?  Dom0
 * can write everything anyway and is not counted.  XST_OK if so,
 * XST_INVALID if someone else controls it, XST_MISSING if there is no
 * such node.  'owner' (may be NULL) receives the owner.
 */
int xst_controlled_by(struct xs_handle *xs, xs_transaction_t t,
		      const char *path, uint32_t dom, uint32_t *owner);

/*
 * Consume every pending watch event without blocking.  Returns how many
 * there were (0 if none).
 */
unsigned int xst_drain_watches(struct xs_handle *xs);

/* Monotonic clock, nanoseconds. */
uint64_t xst_now_ns(void);

#endif /* SHMRING_XEN_STORE_H */
