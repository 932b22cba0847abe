/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Token bucket for the per-guest rate limit.  Plain C with the clock
 * passed in, so that the unit tests drive time by hand.
 *
 * Tokens are kept scaled by the clock rate 'hz' (cycles per second): a
 * bucket of rate R units/s gains R scaled tokens per cycle and one unit
 * costs hz scaled tokens.  This needs no division on the data path.
 * A bucket is owned by the one lcore that polls its rx queue: no atomics.
 */

#ifndef DS_TBUCKET_H
#define DS_TBUCKET_H

#include <stdbool.h>
#include <stdint.h>

struct ds_tbucket {
	uint64_t rate;		/* units per second; 0: unlimited */
	uint64_t hz;		/* clock cycles per second */
	uint64_t depth;		/* scaled: capacity */
	uint64_t tokens;	/* scaled: available */
	uint64_t last;		/* clock at the last refill */
};

/*
 * rate units/s, 'burst' units of capacity (at least one unit), clock
 * 'hz', starting full at time 'now'.
 */
static inline void
ds_tb_init(struct ds_tbucket *tb, uint64_t rate, uint64_t burst, uint64_t hz,
	   uint64_t now)
{
	tb->rate = rate;
	tb->hz = hz ? hz : 1;
	if (burst == 0)
		burst = 1;
	/* keep depth * hz inside 64 bits: cap the burst accordingly */
	if (burst > UINT64_MAX / 4 / tb->hz)
		burst = UINT64_MAX / 4 / tb->hz;
	tb->depth = burst * tb->hz;
	tb->tokens = tb->depth;
	tb->last = now;
}

/* Add what accrued since the last refill, never beyond the depth. */
static inline void
ds_tb_refill(struct ds_tbucket *tb, uint64_t now)
{
	uint64_t elapsed, missing;

	if (tb->rate == 0 || now <= tb->last)
		return;
	elapsed = now - tb->last;
	tb->last = now;
	missing = tb->depth - tb->tokens;
	/* elapsed * rate may overflow; compare by division instead */
	if (elapsed >= missing / tb->rate + 1)
		tb->tokens = tb->depth;
	else
		tb->tokens += elapsed * tb->rate;
}

/* Take n units if there are that many; true if taken. */
static inline bool
ds_tb_take(struct ds_tbucket *tb, uint64_t n)
{
	uint64_t need;

	if (tb->rate == 0)
		return true;
	if (n > tb->depth / tb->hz)
		return false;
	need = n * tb->hz;
	if (tb->tokens < need)
		return false;
	tb->tokens -= need;
	return true;
}

/* Give back n units taken by ds_tb_take (the other bucket said no). */
static inline void
ds_tb_untake(struct ds_tbucket *tb, uint64_t n)
{
	if (tb->rate == 0)
		return;
	tb->tokens += n * tb->hz;
	if (tb->tokens > tb->depth)
		tb->tokens = tb->depth;
}

/*
 * Capacity for a rate over 'ms' milliseconds, at least 'floor' units:
 * the burst a bucket absorbs.
 */
static inline uint64_t
ds_tb_burst(uint64_t rate, uint32_t ms, uint64_t floor)
{
	uint64_t b = rate / 1000 * ms + (rate % 1000) * ms / 1000;

	return b < floor ? floor : b;
}

#endif /* DS_TBUCKET_H */
