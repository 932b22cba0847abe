/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Frames for the two-process tests: sequence-numbered, of a length and
 * content that follow from the sequence number, so that a receiver can
 * tell a lost frame (a gap), a duplicate (a number seen again) and a
 * corrupted one (wrong length or content) apart.
 *
 *   word 0      sequence number (u64)
 *   word i > 0  seq * K + i
 *
 * Frames longer than a slot go out as descriptor chains (NEXT), each
 * segment in the default slot of its ring index.
 */

#ifndef SHMRING_TEST_TRAFFIC_H
#define SHMRING_TEST_TRAFFIC_H

#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>

#include "shmring_endpoint.h"

#define TRAFFIC_K	0x9e3779b97f4a7c15ull

/* Region both two-process tests use: frames up to 1522 bytes, chains. */
static const struct shmring_params traffic_params = {
	.features = SHMRING_F_MULTI_SEG,
	.n_qp = 1,
	.ring_size = 1024,
	.slot_size = 512,
	.mtu = 1500,
	.mac = { 0x02, 0, 0, 0, 0, 0x99 },
};

/* 16..128 bytes mostly, one frame in 16 up to the MTU's frame size. */
static inline uint32_t
traffic_len(uint64_t seq, uint32_t max_frame)
{
	uint64_t h = (seq + 1) * TRAFFIC_K;
	uint32_t span;

	if ((h >> 60) == 0)
		span = (max_frame & ~7u) - 16;
	else
		span = 112;
	return 16 + (uint32_t)((h >> 24) % (span / 8 + 1)) * 8;
}

static inline void
traffic_fill(uint8_t *dst, uint64_t seq, uint32_t word0, uint32_t nwords)
{
	uint64_t w;
	uint32_t i;

	for (i = 0; i < nwords; i++) {
		w = word0 + i == 0 ? seq : seq * TRAFFIC_K + word0 + i;
		memcpy(dst + (size_t)i * 8, &w, 8);
	}
}

/* Check a whole frame in private memory; returns its seq or -1. */
static inline int64_t
traffic_check(const uint8_t *frame, uint32_t len, uint32_t max_frame)
{
	uint64_t seq, w;
	uint32_t i;

	if (len < 16 || len % 8 != 0)
		return -1;
	memcpy(&seq, frame, 8);
	if (seq >= (1ull << 62) || traffic_len(seq, max_frame) != len)
		return -1;
	for (i = 1; i < len / 8; i++) {
		memcpy(&w, frame + (size_t)i * 8, 8);
		if (w != seq * TRAFFIC_K + i)
			return -1;
	}
	return (int64_t)seq;
}

/*
 * Publish frames *seq, *seq+1, ... while they fit, at most 'max_frames',
 * with one release of the producer index.  Returns frames published.
 */
static inline uint32_t
traffic_tx(struct shmring_prod *p, uint64_t *seq, uint32_t max_frames,
	   uint32_t max_frame, int *err)
{
	uint32_t free_slots = shmring_prod_free(p, p->size, err);
	uint32_t used = 0, frames = 0, len, nseg, s, seglen, off;
	struct shmring_desc *d;

	while (frames < max_frames) {
		len = traffic_len(*seq, max_frame);
		nseg = (len + p->slot_size - 1) / p->slot_size;
		if (used + nseg > free_slots)
			break;
		for (s = 0; s < nseg; s++) {
			seglen = len - s * p->slot_size;
			if (seglen > p->slot_size)
				seglen = p->slot_size;
			traffic_fill(shmring_prod_slot(p, used + s, &off), *seq,
				     s * p->slot_size / 8, seglen / 8);
			d = shmring_prod_desc(p, used + s);
			d->offset = off;
			d->len = seglen;
			d->flags = s + 1 < nseg ? SHMRING_DESC_F_NEXT : 0;
			d->rsvd = 0;
			d->meta = 0;
		}
		used += nseg;
		frames++;
		(*seq)++;
	}
	if (used)
		shmring_prod_commit(p, used);
	return frames;
}

/* Publish one frame from private memory as a chain; false if no room. */
static inline bool
traffic_tx_copy(struct shmring_prod *p, const uint8_t *frame, uint32_t len,
		uint32_t *used, uint32_t free_slots)
{
	uint32_t nseg = (len + p->slot_size - 1) / p->slot_size;
	uint32_t s, seglen, off;
	struct shmring_desc *d;

	if (*used + nseg > free_slots)
		return false;
	for (s = 0; s < nseg; s++) {
		seglen = len - s * p->slot_size;
		if (seglen > p->slot_size)
			seglen = p->slot_size;
		memcpy(shmring_prod_slot(p, *used + s, &off),
		       frame + (size_t)s * p->slot_size, seglen);
		d = shmring_prod_desc(p, *used + s);
		d->offset = off;
		d->len = seglen;
		d->flags = s + 1 < nseg ? SHMRING_DESC_F_NEXT : 0;
		d->rsvd = 0;
		d->meta = 0;
	}
	*used += nseg;
	return true;
}

/*
 * Fetch (validated) the frame starting 'i' descriptors past the consumer
 * position into private memory 'out' (max_frame bytes).  Returns the
 * number of descriptors it used, 0 with *err on a rule violation.
 */
static inline uint32_t
traffic_rx_copy(const struct shmring_cons *c, uint32_t i, uint32_t avail,
		uint8_t *out, uint32_t *len, int *err)
{
	struct shmring_desc segs[SHMRING_MAX_SEGS];
	uint32_t n, s, pos = 0;

	n = shmring_cons_frame(c, i, avail, segs, len, err);
	for (s = 0; s < n; s++) {
		memcpy(out + pos, shmring_cons_data(c, &segs[s]), segs[s].len);
		pos += segs[s].len;
	}
	return n;
}

/* Children die with the test process, whatever kills it. */
static inline void
traffic_child_setup(void)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/* Yield the CPU when nothing moved: two spinning processes, two CPUs. */
static inline void
traffic_idle(unsigned int *idle)
{
	if (++(*idle) > 64) {
		sched_yield();
		*idle = 0;
	}
}

#endif /* SHMRING_TEST_TRAFFIC_H */
