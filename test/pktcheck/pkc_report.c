/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "pkc_report.h"

void
pkc_report_progress(struct pkc_progress *p, const struct pkc_live *live,
		uint64_t now, uint64_t start, uint64_t hz,
		uint32_t interval_ms)
{
	uint64_t tx, rx;
	double dt;

	if (interval_ms == 0)
		return;
	if (p->last_tsc == 0)
		p->last_tsc = start;
	if (now - p->last_tsc < (uint64_t)interval_ms * hz / 1000)
		return;
	tx = atomic_load_explicit(&live->tx, memory_order_relaxed);
	rx = atomic_load_explicit(&live->rx, memory_order_relaxed);
	dt = (double)(now - p->last_tsc) / hz;
	printf("pktcheck: progress t=%.1f tx=%" PRIu64 " rx=%" PRIu64
		" reordered=%" PRIu64 " duplicated=%" PRIu64
		" corrupted=%" PRIu64 " foreign=%" PRIu64
		" tx_mpps=%.3f rx_mpps=%.3f\n",
		(double)(now - start) / hz, tx, rx,
		(uint64_t)atomic_load_explicit(&live->reordered,
				memory_order_relaxed),
		(uint64_t)atomic_load_explicit(&live->duplicated,
				memory_order_relaxed),
		(uint64_t)atomic_load_explicit(&live->corrupted,
				memory_order_relaxed),
		(uint64_t)atomic_load_explicit(&live->foreign,
				memory_order_relaxed),
		(tx - p->last_tx) / dt / 1e6, (rx - p->last_rx) / dt / 1e6);
	fflush(stdout);
	p->last_tsc = now;
	p->last_tx = tx;
	p->last_rx = rx;
}

void
pkc_report_summary(const struct pkc_result *r)
{
	const struct pkc_counters *c = &r->c;

	/* stable key order: scripts split on spaces and '=' */
	printf("pktcheck: tx=%" PRIu64 " rx=%" PRIu64 " lost=%" PRIu64
		" reordered=%" PRIu64 " duplicated=%" PRIu64
		" corrupted=%" PRIu64 " foreign=%" PRIu64
		" max_gap_ms=%.3f mpps=%.3f"
		" tx_mpps=%.3f rx_mpps=%.3f rx_gbps=%.3f"
		" stale=%" PRIu64 " untracked=%" PRIu64
		" bad_len=%" PRIu64 " bad_csum=%" PRIu64
		" bad_payload=%" PRIu64 " flows=%" PRIu64
		" unsent=%" PRIu64 " inj_drop=%" PRIu64 " inj_dup=%" PRIu64
		" inj_corrupt=%" PRIu64 " inj_reorder=%" PRIu64
		" rx_chained=%" PRIu64
		" session=%" PRIu32 " duration_s=%.3f result=%s\n",
		r->tx, c->rx, r->lost, c->reordered, c->duplicated,
		c->corrupted, c->foreign, r->max_gap_ms, r->mpps,
		r->tx_mpps, r->rx_mpps, r->rx_gbps,
		c->stale, c->untracked, c->bad_len, c->bad_csum,
		c->bad_payload, r->flows, r->unsent, r->inj_drop, r->inj_dup,
		r->inj_corrupt, r->inj_reorder, c->rx_chained, r->session,
		r->duration_s,
		r->pass ? "PASS" : "FAIL");
	fflush(stdout);
}

static int
pkc_flow_cmp(const void *a, const void *b)
{
	const struct pkc_flow *fa = *(const struct pkc_flow * const *)a;
	const struct pkc_flow *fb = *(const struct pkc_flow * const *)b;

	if (fa->session != fb->session)
		return fa->session < fb->session ? -1 : 1;
	if (fa->id != fb->id)
		return fa->id < fb->id ? -1 : 1;
	return 0;
}

static void
pkc_json_flows(FILE *f, const struct pkc_verifier *v)
{
	const struct pkc_flow **list;
	const struct pkc_flow *fl;
	uint32_t i, n = 0;

	fprintf(f, "  \"flows\": [");
	list = calloc(v->nb_flows + 1, sizeof(*list));
	if (list == NULL) {
		fprintf(f, "]\n");
		return;
	}
	for (i = 0; i < v->tbl_size; i++)
		if (v->tbl[i].used)
			list[n++] = &v->tbl[i];
	qsort(list, n, sizeof(*list), pkc_flow_cmp);
	for (i = 0; i < n; i++) {
		fl = list[i];
		fprintf(f, "%s\n    {\"session\": %" PRIu32
			", \"flow\": %" PRIu32 ", \"rx\": %" PRIu64
			", \"expected\": %" PRIu64 ", \"highest_seq\": %" PRId64
			", \"lost\": %" PRIu64 ", \"reordered\": %" PRIu64
			", \"duplicated\": %" PRIu64 ", \"stale\": %" PRIu64
			", \"corrupted\": %" PRIu64 "}",
			i == 0 ? "" : ",", fl->session, fl->id, fl->rx,
			fl->expect, fl->seen ? (int64_t)fl->hi : -1,
			pkc_flow_lost(fl), fl->reordered, fl->duplicated,
			fl->stale, fl->corrupted);
	}
	fprintf(f, "%s]\n", n > 0 ? "\n  " : "");
	free(list);
}

int
pkc_report_json(const char *path, const struct pkc_result *r,
		const struct pkc_verifier *v)
{
	const struct pkc_counters *c = &r->c;
	FILE *f;
	int err;

	f = fopen(path, "w");
	if (f == NULL) {
		err = errno;
		PKC_LOG(ERR, "cannot write %s: %s", path, strerror(err));
		return -err;
	}
	fprintf(f, "{\n"
		"  \"result\": \"%s\",\n"
		"  \"session\": %" PRIu32 ",\n"
		"  \"tx\": %" PRIu64 ",\n  \"tx_bytes\": %" PRIu64 ",\n"
		"  \"generated\": %" PRIu64 ",\n  \"unsent\": %" PRIu64 ",\n"
		"  \"alloc_fail\": %" PRIu64 ",\n"
		"  \"rx\": %" PRIu64 ",\n  \"rx_bytes\": %" PRIu64 ",\n"
		"  \"rx_chained\": %" PRIu64 ",\n"
		"  \"lost\": %" PRIu64 ",\n  \"in_order\": %" PRIu64 ",\n"
		"  \"reordered\": %" PRIu64 ",\n  \"duplicated\": %" PRIu64 ",\n"
		"  \"stale\": %" PRIu64 ",\n  \"corrupted\": %" PRIu64 ",\n"
		"  \"bad_len\": %" PRIu64 ",\n  \"bad_csum\": %" PRIu64 ",\n"
		"  \"bad_payload\": %" PRIu64 ",\n  \"foreign\": %" PRIu64 ",\n"
		"  \"untracked\": %" PRIu64 ",\n"
		"  \"inject\": {\"drop\": %" PRIu64 ", \"dup\": %" PRIu64
		", \"corrupt\": %" PRIu64 ", \"reorder\": %" PRIu64 "},\n"
		"  \"max_gap_ms\": %.3f,\n  \"mpps\": %.6f,\n"
		"  \"tx_mpps\": %.6f,\n  \"rx_mpps\": %.6f,\n"
		"  \"rx_gbps\": %.6f,\n  \"duration_s\": %.3f,\n",
		r->pass ? "pass" : "fail", r->session,
		r->tx, r->tx_bytes, r->generated, r->unsent, r->alloc_fail,
		c->rx, c->rx_bytes, c->rx_chained, r->lost, c->in_order,
		c->reordered,
		c->duplicated, c->stale, c->corrupted, c->bad_len,
		c->bad_csum, c->bad_payload, c->foreign, c->untracked,
		r->inj_drop, r->inj_dup, r->inj_corrupt, r->inj_reorder,
		r->max_gap_ms, r->mpps, r->tx_mpps, r->rx_mpps, r->rx_gbps,
		r->duration_s);
	if (v != NULL)
		pkc_json_flows(f, v);
	else
		fprintf(f, "  \"flows\": []\n");
	fprintf(f, "}\n");
	if (fclose(f) != 0) {
		err = errno;
		PKC_LOG(ERR, "cannot write %s: %s", path, strerror(err));
		return -err;
	}
	return 0;
}
