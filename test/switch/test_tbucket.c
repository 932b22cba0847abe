/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Unit test of the rate limiter's token bucket with a hand-driven clock:
 * burst capacity, refill rate, no overflow at extreme rates, the
 * two-bucket give-back.  No DPDK.
 */

#include <stdio.h>

#include "ds_tbucket.h"
#include "ds_check.h"

#define HZ 2000000000ull	/* a 2 GHz clock */

static unsigned int
drain(struct ds_tbucket *tb, uint64_t cost, unsigned int max)
{
	unsigned int n = 0;

	while (n < max && ds_tb_take(tb, cost))
		n++;
	return n;
}

int
main(void)
{
	struct ds_tbucket tb, tb2;
	uint64_t now = 1000, total;
	unsigned int n, i;

	/* 1000 pps, burst 20: 20 at once, then one per millisecond */
	ds_tb_init(&tb, 1000, 20, HZ, now);
	n = drain(&tb, 1, 1000);
	CHECK(n == 20, "burst %u, want 20", n);
	now += HZ / 1000;	/* 1 ms */
	ds_tb_refill(&tb, now);
	n = drain(&tb, 1, 1000);
	CHECK(n == 1, "after 1 ms %u, want 1", n);
	now += HZ / 2;		/* 500 ms: 500 accrue, capped at 20 */
	ds_tb_refill(&tb, now);
	n = drain(&tb, 1, 1000);
	CHECK(n == 20, "capped at the burst: %u", n);

	/* over 10 s of 100 us steps: 1000 pps gives 10000 (+ burst) */
	total = 0;
	for (i = 0; i < 100000; i++) {
		now += HZ / 10000;
		ds_tb_refill(&tb, now);
		total += drain(&tb, 1, 1000);
	}
	CHECK(total >= 9990 && total <= 10020, "10 s at 1000 pps: %lu",
	      (unsigned long)total);

	/* bytes: 1 MB/s, burst 9000: a 9000-byte frame fits, a 9001 never */
	ds_tb_init(&tb, 1000000, 9000, HZ, now);
	CHECK(ds_tb_take(&tb, 9000), "a full-burst frame passes");
	CHECK(!ds_tb_take(&tb, 1), "then empty");
	now += HZ;
	ds_tb_refill(&tb, now);
	CHECK(!ds_tb_take(&tb, 9001), "larger than the bucket never passes");

	/* unlimited */
	ds_tb_init(&tb, 0, 0, HZ, now);
	CHECK(drain(&tb, 1, 100000) == 100000, "rate 0 is unlimited");

	/* extreme: 100 Gbit/s in bytes, idle for an hour: no overflow */
	ds_tb_init(&tb, 12500000000ull, ds_tb_burst(12500000000ull, 20, 1),
		   HZ, now);
	drain(&tb, 9000, 1000000);
	now += HZ * 3600;
	ds_tb_refill(&tb, now);
	n = drain(&tb, 9000, 1000000);
	CHECK(n == 12500000000ull / 50 / 9000, "refill after an hour: %u", n);

	/* clock going backwards does nothing */
	ds_tb_init(&tb, 10, 1, HZ, now);
	CHECK(ds_tb_take(&tb, 1), "first");
	ds_tb_refill(&tb, now - HZ);
	CHECK(!ds_tb_take(&tb, 1), "no tokens from a clock going back");

	/* give-back: packets bucket refunds when the bytes bucket says no */
	ds_tb_init(&tb, 100, 2, HZ, now);
	ds_tb_init(&tb2, 100, 100, HZ, now);
	CHECK(ds_tb_take(&tb, 1) && ds_tb_take(&tb2, 100), "both ok");
	CHECK(ds_tb_take(&tb, 1), "pps ok");
	CHECK(!ds_tb_take(&tb2, 100), "bytes empty");
	ds_tb_untake(&tb, 1);
	CHECK(ds_tb_take(&tb, 1), "the refunded token is there");
	ds_tb_untake(&tb, 1000);
	CHECK(drain(&tb, 1, 100) == 2, "untake never exceeds the depth");

	/* ds_tb_burst */
	CHECK(ds_tb_burst(1000, 20, 1) == 20, "burst of 1000/s over 20 ms");
	CHECK(ds_tb_burst(10, 20, 1) == 1, "floor");
	CHECK(ds_tb_burst(1500, 1, 1) == 1, "1.5 -> 1");

	if (failures != 0) {
		fprintf(stderr, "%d check(s) failed\n", failures);
		return 1;
	}
	printf("tbucket: all checks passed\n");
	return 0;
}
