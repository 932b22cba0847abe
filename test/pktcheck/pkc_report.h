/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/* Progress lines, the final summary line and the JSON file. */

#ifndef PKC_REPORT_H
#define PKC_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "pkc.h"
#include "pkc_verify.h"

struct pkc_result {
	uint64_t tx;
	uint64_t tx_bytes;
	uint64_t generated;
	uint64_t unsent;
	uint64_t alloc_fail;
	uint64_t inj_drop;
	uint64_t inj_dup;
	uint64_t inj_corrupt;
	uint64_t inj_reorder;
	struct pkc_counters c;	/* receiver totals */
	uint64_t lost;
	uint64_t flows;
	double max_gap_ms;
	double tx_mpps;
	double rx_mpps;
	double mpps;		/* rx rate, tx rate when nothing receives */
	double rx_gbps;
	double duration_s;
	uint32_t session;
	bool has_tx;
	bool has_rx;
	bool pass;
};

struct pkc_progress {
	uint64_t last_tsc;
	uint64_t last_tx;
	uint64_t last_rx;
};

/* Print a progress line if interval_ms elapsed since the previous one. */
void pkc_report_progress(struct pkc_progress *p, const struct pkc_live *live,
		uint64_t now, uint64_t start, uint64_t hz,
		uint32_t interval_ms);

/* "pktcheck: tx=... rx=... lost=..." on stdout, one line. */
void pkc_report_summary(const struct pkc_result *r);

/* Totals and per-flow counters; v may be NULL (no receiver). */
int pkc_report_json(const char *path, const struct pkc_result *r,
		const struct pkc_verifier *v);

#endif /* PKC_REPORT_H */
