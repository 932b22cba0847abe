/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * WP unit: the consumer functions of lib/shmring/include/shmring_ring.h against
 * the contracts in contracts.h, for every consumer state that satisfies
 * cons_ok: any ring size (only mask + 1 descriptor entries readable),
 * any slot size up to 64 KiB, any buffer-area size, any private and
 * shared index, any descriptor the peer wrote (the descriptor fetch and
 * both index loads are volatile: WP gives them arbitrary values).
 *
 * run.sh compiles this file against a copy of shmring_ring.h that
 * weave.py made: the same code plus the loop invariants.  WP proves
 * the contracts and, with -wp-rte, that no statement of these functions
 * has a run-time error (invalid memory access, signed overflow, ...).
 */

#include "logic.h"
#include "shmring_ring.h"
#include "contracts.h"
