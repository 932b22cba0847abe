/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "pkc_frame.h"
#include "pkc_verify.h"

int
pkc_verifier_init(struct pkc_verifier *v, const struct pkc_conf *conf)
{
	memset(v, 0, sizeof(*v));
	if (!rte_is_power_of_2(conf->window) || conf->window < 64 ||
			conf->max_flows == 0)
		return -EINVAL;
	v->window = conf->window;
	v->max_flows = conf->max_flows;
	v->tbl_size = rte_align32pow2(conf->max_flows * 2);
	v->late_join = conf->late_join;
	v->verify_payload = conf->verify_payload;
	v->ethertype = conf->ethertype;
	v->tbl = calloc(v->tbl_size, sizeof(*v->tbl));
	return v->tbl == NULL ? -ENOMEM : 0;
}

void
pkc_verifier_free(struct pkc_verifier *v)
{
	uint32_t i;

	if (v->tbl == NULL)
		return;
	for (i = 0; i < v->tbl_size; i++)
		free(v->tbl[i].bits);
	free(v->tbl);
	v->tbl = NULL;
}

static inline uint32_t
pkc_flow_hash(uint32_t session, uint32_t flow)
{
	uint64_t z = ((uint64_t)session << 32 | flow) * 0x9e3779b97f4a7c15ull;

	return (uint32_t)(z >> 32);
}

/* Open addressing, linear probing; the table is never more than half full. */
static struct pkc_flow *
pkc_flow_lookup(struct pkc_verifier *v, uint32_t session, uint32_t flow,
		bool create)
{
	uint32_t mask = v->tbl_size - 1;
	uint32_t i = pkc_flow_hash(session, flow) & mask;
	struct pkc_flow *f;

	for (;;) {
		f = &v->tbl[i];
		if (!f->used)
			break;
		if (f->session == session && f->id == flow)
			return f;
		i = (i + 1) & mask;
	}
	if (!create || v->nb_flows >= v->max_flows)
		return NULL;
	f->bits = calloc(v->window / 64, sizeof(uint64_t));
	if (f->bits == NULL)
		return NULL;
	f->used = true;
	f->session = session;
	f->id = flow;
	v->nb_flows++;
	return f;
}

static inline bool
pkc_bit_test(const struct pkc_flow *f, uint32_t mask, uint64_t seq)
{
	uint32_t idx = seq & mask;

	return (f->bits[idx / 64] >> (idx % 64)) & 1;
}

static inline void
pkc_bit_set(struct pkc_flow *f, uint32_t mask, uint64_t seq)
{
	uint32_t idx = seq & mask;

	f->bits[idx / 64] |= 1ull << (idx % 64);
}

/* Forget n seqs from `from` on: they are new slots of the moving window. */
static void
pkc_bits_clear(struct pkc_flow *f, uint32_t window, uint64_t from, uint64_t n)
{
	uint32_t mask = window - 1, idx, b, m;
	uint64_t msk;

	if (n >= window) {
		memset(f->bits, 0, window / 8);
		return;
	}
	while (n > 0) {
		idx = from & mask;
		b = idx % 64;
		m = RTE_MIN(64 - b, (uint32_t)n);
		msk = m == 64 ? ~0ull : ((1ull << m) - 1) << b;
		f->bits[idx / 64] &= ~msk;
		from += m;
		n -= m;
	}
}

static enum pkc_class
pkc_flow_classify(struct pkc_verifier *v, struct pkc_flow *f, uint64_t seq)
{
	uint32_t mask = v->window - 1;

	if (!f->seen) {
		f->seen = true;
		f->hi = seq;
		f->base = v->late_join ? seq : 0;
		pkc_bit_set(f, mask, seq);
		f->distinct++;
		return PKC_C_IN_ORDER;
	}
	if (v->late_join && seq < f->base)
		f->base = seq;	/* an earlier frame overtaken by the first */

	if (seq > f->hi) {
		pkc_bits_clear(f, v->window, f->hi + 1, seq - f->hi);
		f->hi = seq;
		pkc_bit_set(f, mask, seq);
		f->distinct++;
		return PKC_C_IN_ORDER;
	}
	if (f->hi - seq >= v->window) {
		f->distinct++;
		return PKC_C_STALE;
	}
	if (pkc_bit_test(f, mask, seq))
		return PKC_C_DUPLICATE;
	pkc_bit_set(f, mask, seq);
	f->distinct++;
	return PKC_C_REORDERED;
}

enum pkc_class
pkc_verifier_frame(struct pkc_verifier *v, const struct rte_mbuf *m)
{
	struct pkc_counters *t = &v->tot;
	struct pkc_frame_info fi;
	enum pkc_verdict verdict;
	enum pkc_class cls;
	struct pkc_flow *f;

	verdict = pkc_frame_check(m, v->ethertype, v->verify_payload, &fi);
	switch (verdict) {
	case PKC_V_OK:
		break;
	case PKC_V_FOREIGN:
		t->foreign++;
		return PKC_C_FOREIGN;
	default:
		t->corrupted++;
		if (verdict == PKC_V_BAD_LEN)
			t->bad_len++;
		else if (verdict == PKC_V_BAD_CSUM)
			t->bad_csum++;
		else
			t->bad_payload++;
		/* ids in a corrupted frame are a hint: never create a flow */
		f = pkc_flow_lookup(v, fi.session, fi.flow, false);
		if (f != NULL)
			f->corrupted++;
		return PKC_C_CORRUPT;
	}

	t->rx++;
	t->rx_bytes += m->pkt_len;
	if (m->nb_segs > 1)
		t->rx_chained++;
	f = pkc_flow_lookup(v, fi.session, fi.flow, true);
	if (f == NULL) {
		t->untracked++;
		return PKC_C_UNTRACKED;
	}
	f->rx++;
	cls = pkc_flow_classify(v, f, fi.seq);
	switch (cls) {
	case PKC_C_IN_ORDER:
		t->in_order++;
		break;
	case PKC_C_STALE:
	case PKC_C_REORDERED:
		/* a stale frame is also counted as reordered */
		if (cls == PKC_C_STALE) {
			t->stale++;
			f->stale++;
		}
		t->reordered++;
		f->reordered++;
		break;
	case PKC_C_DUPLICATE:
		t->duplicated++;
		f->duplicated++;
		break;
	default:
		break;
	}
	return cls;
}

int
pkc_verifier_expect(struct pkc_verifier *v, uint32_t session, uint32_t flow,
		uint64_t sent)
{
	struct pkc_flow *f = pkc_flow_lookup(v, session, flow, true);

	if (f == NULL)
		return -ENOSPC;
	f->expect = sent;
	return 0;
}

uint64_t
pkc_flow_lost(const struct pkc_flow *f)
{
	uint64_t end = f->expect, span;

	if (f->seen && f->hi + 1 > end)
		end = f->hi + 1;
	span = end > f->base ? end - f->base : 0;
	return span > f->distinct ? span - f->distinct : 0;
}

uint64_t
pkc_verifier_lost(const struct pkc_verifier *v)
{
	uint64_t lost = 0;
	uint32_t i;

	for (i = 0; i < v->tbl_size; i++)
		if (v->tbl[i].used)
			lost += pkc_flow_lost(&v->tbl[i]);
	return lost;
}
