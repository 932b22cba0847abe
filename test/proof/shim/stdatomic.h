/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Frama-C only: stands in for <stdatomic.h> when test/proof/run.sh
 * analyses lib/shmring.  Never used by a compiler build.
 *
 * It maps the two atomic operations lib/shmring uses onto one volatile
 * access of the same object:
 *
 *   atomic_load_explicit(p, o)      ->  *(volatile T *)p        (read)
 *   atomic_store_explicit(p, v, o)  ->  *(volatile T *)p = v    (write)
 *
 * Why this is sound for the property proved here (no access outside the
 * region, no run-time error): an atomic load or store of *p touches
 * exactly the sizeof(*p) bytes at p, and so does the volatile access, so
 * Eva's and WP's validity checks are the same checks.  Both tools treat
 * a volatile read as returning any value of its type, which includes
 * every value a concurrent peer could have stored; the memory order only
 * restricts *which* value is seen, never *where* the access goes.  What
 * the shim gives up (and what is not claimed): anything about ordering,
 * visibility or data races between the two sides.
 */

#ifndef XENSHM_PROOF_STDATOMIC_H
#define XENSHM_PROOF_STDATOMIC_H
/*
 * run.sh force-includes this file (-include) before anything else; this
 * guard keeps Frama-C's own <stdatomic.h> (which turns the operations
 * into calls of unspecified functions) out.
 */
#define __FC_STDATOMIC

/* The C11 qualifier carries no information for a bounds proof. */
#define _Atomic

typedef enum {
	memory_order_relaxed,
	memory_order_consume,
	memory_order_acquire,
	memory_order_release,
	memory_order_acq_rel,
	memory_order_seq_cst
} memory_order;

#define atomic_load_explicit(p, o) \
	(*(volatile __typeof__(*(p)) *)(p))
#define atomic_store_explicit(p, v, o) \
	((void)(*(volatile __typeof__(*(p)) *)(p) = (v)))
#define atomic_load(p)		atomic_load_explicit(p, memory_order_seq_cst)
#define atomic_store(p, v)	atomic_store_explicit(p, v, memory_order_seq_cst)

#endif
