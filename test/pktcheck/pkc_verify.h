/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Receiver-side classification.  Flows are keyed by (session, flow id), so
 * two sender processes, or one sender restarted, never look like
 * duplicates of each other.  Per flow the verifier keeps the highest seq
 * seen and a bitmap of the last `window` seqs:
 *
 *   seq > highest                      in order (a jump leaves a hole)
 *   highest - window < seq <= highest  reordered if its bit is clear,
 *                                      duplicated if set
 *   seq <= highest - window            stale: too old to tell; counted as
 *                                      reordered, a duplicate this late
 *                                      would be missed
 *
 * lost = max(sender's count if known, highest + 1) - base - distinct seqs,
 * evaluated at the end so reordered frames that arrive late are not lost.
 */

#ifndef PKC_VERIFY_H
#define PKC_VERIFY_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "pkc.h"

struct pkc_counters {
	uint64_t rx;		/* valid frames, duplicates included */
	uint64_t rx_bytes;
	uint64_t rx_chained;	/* valid frames that were mbuf chains */
	uint64_t in_order;
	uint64_t reordered;	/* stale ones included */
	uint64_t duplicated;
	uint64_t stale;
	uint64_t corrupted;	/* bad_len + bad_csum + bad_payload */
	uint64_t bad_len;
	uint64_t bad_csum;
	uint64_t bad_payload;
	uint64_t foreign;	/* not pktcheck frames */
	uint64_t untracked;	/* valid but flow table full */
};

struct pkc_flow {
	bool used;
	bool seen;
	uint32_t session;
	uint32_t id;
	uint64_t base;		/* first seq that counts */
	uint64_t hi;		/* highest seq seen */
	uint64_t distinct;	/* distinct seqs seen */
	uint64_t expect;	/* seqs the sender emitted, 0: unknown */
	uint64_t rx;
	uint64_t reordered;
	uint64_t duplicated;
	uint64_t stale;
	uint64_t corrupted;
	uint64_t *bits;		/* window bits, index seq & (window - 1) */
};

enum pkc_class {
	PKC_C_IN_ORDER,
	PKC_C_REORDERED,
	PKC_C_DUPLICATE,
	PKC_C_STALE,
	PKC_C_CORRUPT,
	PKC_C_FOREIGN,
	PKC_C_UNTRACKED,
};

struct pkc_verifier {
	uint32_t window;
	uint32_t max_flows;
	uint32_t nb_flows;
	uint32_t tbl_size;	/* power of two, >= 2 * max_flows */
	bool late_join;
	bool verify_payload;
	uint16_t ethertype;
	struct pkc_flow *tbl;
	struct pkc_counters tot;
};

int pkc_verifier_init(struct pkc_verifier *v, const struct pkc_conf *conf);
void pkc_verifier_free(struct pkc_verifier *v);

/* Classify one received frame (the caller frees it). */
enum pkc_class pkc_verifier_frame(struct pkc_verifier *v,
		const struct rte_mbuf *m);

/* Tell the verifier how many seqs a same-process sender emitted. */
int pkc_verifier_expect(struct pkc_verifier *v, uint32_t session,
		uint32_t flow, uint64_t sent);

uint64_t pkc_flow_lost(const struct pkc_flow *f);
uint64_t pkc_verifier_lost(const struct pkc_verifier *v);

#endif /* PKC_VERIFY_H */
