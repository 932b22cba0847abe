/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Ring semantics (empty, full, wrap of the free-running indices, every
 * burst size) and every rule the consumer and the producer enforce on
 * what the peer writes, each with its own error code.  Single process:
 * both ends of a ring over a region in ordinary memory.
 */

#include <stdlib.h>
#include <string.h>

#include "shmring_endpoint.h"
#include "tst.h"

struct reg {
	void *base;
	struct shmring_region_info info;
	struct shmring_prod p;
	struct shmring_cons c;
};

static struct shmring_params
params(uint32_t ring_size, uint32_t slot_size, uint32_t mtu,
       uint32_t features)
{
	struct shmring_params p = {
		.features = features,
		.n_qp = 1,
		.ring_size = ring_size,
		.slot_size = slot_size,
		.mtu = mtu,
		.mac = { 0x02, 0, 0, 0, 0, 1 },
	};
	return p;
}

static struct shmring_ring_hdr *
ring0(struct reg *r)
{
	return (struct shmring_ring_hdr *)((uint8_t *)r->base +
					    r->info.layout.rings_offset);
}

/*
 * A region with ring 0's shared indices at 'start' (written before the
 * ends are set up, as a restarted peer would find them).
 */
static void
reg_open(struct reg *r, const struct shmring_params *pa, uint32_t start)
{
	struct shmring_layout l;
	char why[SHMRING_WHY_MAX] = "";

	memset(r, 0, sizeof(*r));
	CHECK_RC(shmring_layout(pa, &l), SHMRING_OK);
	r->base = aligned_alloc(SHMRING_PAGE_SIZE, l.region_size);
	if (r->base == NULL)
		abort();
	/* The buffer area starts as garbage: nobody may rely on zeroes. */
	memset(r->base, 0xa5, l.region_size);
	shmring_region_init(r->base, pa, &l, 1);
	CHECK_RC(shmring_region_check(r->base, l.region_size, &r->info, why,
				      sizeof(why)), SHMRING_OK);
	ring0(r)->prod = start;
	ring0(r)->cons = start;
	CHECK_RC(shmring_prod_init(&r->p, r->base, &r->info, 0), SHMRING_OK);
	CHECK_RC(shmring_cons_init(&r->c, r->base, &r->info, 0), SHMRING_OK);
}

static void
reg_close(struct reg *r)
{
	free(r->base);
}

static struct shmring_desc
desc(uint32_t off, uint32_t len, uint16_t flags, uint32_t meta)
{
	struct shmring_desc d = {
		.offset = off, .len = len, .flags = flags, .meta = meta,
	};
	return d;
}

/* Publish one raw descriptor at the producer position (no checks). */
static void
put_raw(struct reg *r, struct shmring_desc d)
{
	*shmring_prod_desc(&r->p, 0) = d;
	shmring_prod_commit(&r->p, 1);
}

static void
test_empty(void)
{
	struct shmring_params pa = params(64, 256, 200, 0);
	struct shmring_desc out[4];
	struct reg r;
	int err = SHMRING_OK;

	reg_open(&r, &pa, 0);
	CHECK_EQ(shmring_cons_avail(&r.c, 1, &err), 0);
	CHECK_EQ(shmring_dequeue_burst(&r.c, out, 4, &err), 0);
	CHECK_EQ(shmring_prod_free(&r.p, 64, &err), 64);
	CHECK_RC(err, SHMRING_OK);
	reg_close(&r);
}

static void
test_full(void)
{
	struct shmring_params pa = params(64, 256, 200, 0);
	struct shmring_desc in[64], out[64];
	struct reg r;
	int err = SHMRING_OK;
	uint32_t i, n;

	reg_open(&r, &pa, 0);
	for (i = 0; i < 64; i++)
		in[i] = desc(i * 256, 60, 0, i);
	CHECK_EQ(shmring_enqueue_burst(&r.p, in, 64, &err), 64);
	CHECK_EQ(shmring_prod_free(&r.p, 1, &err), 0);
	CHECK_EQ(shmring_enqueue_burst(&r.p, in, 1, &err), 0);
	CHECK_EQ(shmring_cons_avail(&r.c, 64, &err), 64);
	/* Partly drain, then the producer sees exactly that much room. */
	n = shmring_dequeue_burst(&r.c, out, 10, &err);
	CHECK_EQ(n, 10);
	CHECK_EQ(shmring_prod_free(&r.p, 11, &err), 10);
	CHECK_EQ(shmring_enqueue_burst(&r.p, in, 20, &err), 10);
	CHECK_EQ(shmring_dequeue_burst(&r.c, out, 64, &err), 64);
	for (i = 0; i < 54; i++)
		CHECK_EQ(out[i].meta, i + 10);
	for (i = 54; i < 64; i++)
		CHECK_EQ(out[i].meta, i - 54);
	CHECK_EQ(shmring_prod_free(&r.p, 64, &err), 64);
	CHECK_RC(err, SHMRING_OK);
	reg_close(&r);
}

/*
 * Run 'rounds' bursts of varying sizes through the ring, with data in
 * the slots, checking order, descriptor and payload.
 */
static void
pump(struct reg *r, unsigned int rounds, uint32_t *seq_in, uint32_t *seq_out)
{
	struct shmring_desc in[64], out[64];
	uint32_t i, n, k, off, size = r->info.params.ring_size;
	uint8_t *slot;
	const uint8_t *data;
	unsigned int round;
	int err = SHMRING_OK;

	for (round = 0; round < rounds; round++) {
		n = 1 + (round * 7) % size;
		if (n > 64)
			n = 64;
		k = shmring_prod_free(&r->p, n, &err);
		if (n > k)
			n = k;
		for (i = 0; i < n; i++) {
			slot = shmring_prod_slot(&r->p, i, &off);
			memcpy(slot, seq_in, sizeof(*seq_in));
			in[i] = desc(off, 4, 0, (*seq_in)++);
		}
		CHECK_EQ(shmring_enqueue_burst(&r->p, in, n, &err), n);
		/* Dequeue in other chunks than enqueued. */
		k = 1 + (round * 5) % 64;
		n = shmring_dequeue_burst(&r->c, out, k, &err);
		for (i = 0; i < n; i++) {
			CHECK_EQ(out[i].meta, *seq_out);
			data = shmring_cons_data(&r->c, &out[i]);
			CHECK(memcmp(data, seq_out, 4) == 0);
			(*seq_out)++;
		}
	}
	/* Drain. */
	while ((n = shmring_dequeue_burst(&r->c, out, 64, &err)) > 0)
		for (i = 0; i < n; i++)
			CHECK_EQ(out[i].meta, (*seq_out)++);
	CHECK_RC(err, SHMRING_OK);
	CHECK_EQ(*seq_in, *seq_out);
}

static void
test_wrap(void)
{
	static const uint32_t starts[] = {
		UINT32_MAX - 100, UINT32_MAX - 63, UINT32_MAX, 0x7fffffffu - 5,
	};
	struct shmring_params pa = params(64, 256, 200, 0);
	struct shmring_desc in[64];
	uint32_t s_in = 0, s_out = 0, i;
	unsigned int k;
	struct reg r;
	int err = SHMRING_OK;

	for (k = 0; k < sizeof(starts) / sizeof(starts[0]); k++) {
		reg_open(&r, &pa, starts[k]);
		CHECK_EQ(r.p.prod, starts[k]);
		CHECK_EQ(r.c.cons, starts[k]);
		/* Full and empty across the wrap. */
		for (i = 0; i < 64; i++)
			in[i] = desc(i * 256, 8, 0, i);
		CHECK_EQ(shmring_enqueue_burst(&r.p, in, 64, &err), 64);
		CHECK_EQ(shmring_prod_free(&r.p, 1, &err), 0);
		CHECK_EQ(shmring_cons_avail(&r.c, 1, &err), 64);
		CHECK_EQ(shmring_dequeue_burst(&r.c, in, 64, &err), 64);
		for (i = 0; i < 64; i++)
			CHECK_EQ(in[i].meta, i);
		CHECK_EQ(shmring_prod_free(&r.p, 64, &err), 64);
		pump(&r, 1000, &s_in, &s_out);
		/* The private indices really went past UINT32_MAX. */
		CHECK(r.p.prod - starts[k] > 1000);
		if (starts[k] > UINT32_MAX - 1000)
			CHECK(r.p.prod < starts[k]);
		CHECK_RC(err, SHMRING_OK);
		reg_close(&r);
	}
}

/* Every burst size 1..ring size, whole bursts in and out, with data. */
static void
test_bursts(void)
{
	struct shmring_params pa = params(256, 256, 200, 0);
	struct shmring_desc *in, *out;
	uint32_t n, i, off, seq = 0, want = 0;
	const uint32_t size = 256;
	uint8_t *slot;
	struct reg r;
	int err = SHMRING_OK;

	in = calloc(size, sizeof(*in));
	out = calloc(size, sizeof(*out));
	if (in == NULL || out == NULL)
		abort();
	for (i = 0; i < size; i++)
		in[i] = desc(0, 16, 0, 0);	/* valid filler */
	reg_open(&r, &pa, UINT32_MAX - 3000);
	for (n = 1; n <= size; n++) {
		CHECK_EQ(shmring_prod_free(&r.p, size, &err), size);
		for (i = 0; i < n; i++) {
			slot = shmring_prod_slot(&r.p, i, &off);
			memset(slot, (int)(seq & 0xff), 16);
			in[i] = desc(off, 16, 0, seq++);
		}
		CHECK_EQ(shmring_enqueue_burst(&r.p, in, n, &err), n);
		/* One more than fits is cut to what fits. */
		if (n < size) {
			CHECK_EQ(shmring_enqueue_burst(&r.p, in, size - n + 1,
						       &err), size - n);
			CHECK_EQ(shmring_cons_avail(&r.c, size, &err), size);
		}
		CHECK_EQ(shmring_dequeue_burst(&r.c, out, n, &err), n);
		for (i = 0; i < n; i++) {
			const uint8_t *d = shmring_cons_data(&r.c, &out[i]);

			CHECK_EQ(out[i].meta, want);
			CHECK_EQ(d[0], want & 0xff);
			CHECK_EQ(d[15], want & 0xff);
			want++;
		}
		if (n < size) {
			/* Drop the filler copies of 'in' again. */
			CHECK_EQ(shmring_dequeue_burst(&r.c, out, size, &err),
				 size - n);
		}
	}
	CHECK_RC(err, SHMRING_OK);
	reg_close(&r);
	free(in);
	free(out);
}

/* A producer index the consumer must not believe. */
static void
test_prod_ahead(void)
{
	static const uint32_t bad[] = { 65, 1000, UINT32_MAX, 0x80000000u };
	struct shmring_params pa = params(64, 256, 200, 0);
	struct shmring_desc out[4];
	unsigned int k;
	struct reg r;
	int err;

	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		reg_open(&r, &pa, 5);
		ring0(&r)->prod = 5 + bad[k];	/* also "behind" (wraps) */
		err = SHMRING_OK;
		CHECK_EQ(shmring_cons_avail(&r.c, 1, &err), 0);
		CHECK_RC(err, SHMRING_E_RING_PROD_AHEAD);
		err = SHMRING_OK;
		CHECK_EQ(shmring_dequeue_burst(&r.c, out, 4, &err), 0);
		CHECK_RC(err, SHMRING_E_RING_PROD_AHEAD);
		/* Nothing was consumed on the strength of it. */
		CHECK_EQ(ring0(&r)->cons, 5);
		reg_close(&r);
	}
	/* Exactly a full ring is fine. */
	reg_open(&r, &pa, 5);
	ring0(&r)->prod = 5 + 64;
	err = SHMRING_OK;
	CHECK_EQ(shmring_cons_avail(&r.c, 1, &err), 64);
	CHECK_RC(err, SHMRING_OK);
	reg_close(&r);
}

/* A consumer index the producer must not believe. */
static void
test_cons_ahead(void)
{
	struct shmring_params pa = params(64, 256, 200, 0);
	struct shmring_desc in[64];
	struct reg r;
	uint32_t i;
	int err;

	for (i = 0; i < 64; i++)
		in[i] = desc(0, 1, 0, 0);
	/* Consumer claims to have consumed more than was produced. */
	reg_open(&r, &pa, 100);
	err = SHMRING_OK;
	CHECK_EQ(shmring_enqueue_burst(&r.p, in, 10, &err), 10);
	ring0(&r)->cons = 100 + 11;
	CHECK_EQ(shmring_prod_free(&r.p, 64, &err), 0);
	CHECK_RC(err, SHMRING_E_RING_CONS_AHEAD);
	err = SHMRING_OK;
	CHECK_EQ(shmring_enqueue_burst(&r.p, in, 64, &err), 0);
	CHECK_RC(err, SHMRING_E_RING_CONS_AHEAD);
	CHECK_EQ(ring0(&r)->prod, 110);	/* nothing more published */
	/* Consumer index moved backwards by more than the ring. */
	ring0(&r)->cons = 110 - 65;
	err = SHMRING_OK;
	CHECK_EQ(shmring_prod_free(&r.p, 64, &err), 0);
	CHECK_RC(err, SHMRING_E_RING_CONS_AHEAD);
	reg_close(&r);

	/* Set-up refuses indices that are already inconsistent. */
	reg_open(&r, &pa, 0);
	ring0(&r)->prod = 10;
	ring0(&r)->cons = 11;
	CHECK_RC(shmring_prod_init(&r.p, r.base, &r.info, 0),
		 SHMRING_E_RING_CONS_AHEAD);
	CHECK_RC(shmring_cons_init(&r.c, r.base, &r.info, 0),
		 SHMRING_E_RING_PROD_AHEAD);
	ring0(&r)->prod = 200;
	ring0(&r)->cons = 200 - 65;
	CHECK_RC(shmring_prod_init(&r.p, r.base, &r.info, 0),
		 SHMRING_E_RING_CONS_AHEAD);
	CHECK_RC(shmring_cons_init(&r.c, r.base, &r.info, 0),
		 SHMRING_E_RING_PROD_AHEAD);
	/* Ring numbers beyond the queue pairs. */
	CHECK_RC(shmring_prod_init(&r.p, r.base, &r.info, 2),
		 SHMRING_E_CONFIG);
	CHECK_RC(shmring_cons_init(&r.c, r.base, &r.info, 2),
		 SHMRING_E_CONFIG);
	reg_close(&r);
}

/* One bad descriptor, published alone: dequeue and frame both reject. */
static void
expect_bad_desc(const struct shmring_params *pa, struct shmring_desc d,
		int code, const char *what)
{
	struct shmring_desc out[2], segs[SHMRING_MAX_SEGS];
	uint32_t flen = 0;
	struct reg r;
	int err = SHMRING_OK;

	reg_open(&r, pa, UINT32_MAX - 1);
	put_raw(&r, d);
	CHECK_EQ(shmring_dequeue_burst(&r.c, out, 2, &err), 0);
	if (err != code)
		TST_FAIL("%s: dequeue gave %s, expected %s", what,
			 shmring_errname(err), shmring_errname(code));
	CHECK_EQ(ring0(&r)->cons, UINT32_MAX - 1);	/* not consumed */
	err = SHMRING_OK;
	CHECK_EQ(shmring_cons_frame(&r.c, 0, 1, segs, &flen, &err), 0);
	if (err != code)
		TST_FAIL("%s: frame gave %s, expected %s", what,
			 shmring_errname(err), shmring_errname(code));
	reg_close(&r);
}

static void
expect_good_desc(const struct shmring_params *pa, struct shmring_desc d,
		 const char *what)
{
	struct shmring_desc out[2];
	struct reg r;
	int err = SHMRING_OK;

	reg_open(&r, pa, 0);
	put_raw(&r, d);
	CHECK_EQ(shmring_dequeue_burst(&r.c, out, 2, &err), 1);
	if (err != SHMRING_OK)
		TST_FAIL("%s: rejected with %s", what, shmring_errname(err));
	reg_close(&r);
}

static void
test_desc_rules(void)
{
	struct shmring_params pa = params(64, 256, 200, 0);
	struct shmring_layout l;
	uint32_t bs;

	shmring_layout(&pa, &l);
	bs = (uint32_t)l.buf_size;	/* 2 * 64 * 256 */

	expect_bad_desc(&pa, desc(0, 0, 0, 0), SHMRING_E_DESC_ZERO_LEN,
			"zero length");
	expect_bad_desc(&pa, desc(0, 257, 0, 0), SHMRING_E_DESC_TOO_LONG,
			"slot_size + 1");
	expect_bad_desc(&pa, desc(0, 0x10040, 0, 0), SHMRING_E_DESC_TOO_LONG,
			"length with high bits (no 16-bit truncation)");
	expect_bad_desc(&pa, desc(bs - 8, 16, 0, 0),
			SHMRING_E_DESC_OUT_OF_BOUNDS, "runs past the end");
	expect_bad_desc(&pa, desc(bs, 1, 0, 0), SHMRING_E_DESC_OUT_OF_BOUNDS,
			"starts at the end");
	/* In 32 bits 0xfffffff8 + 16 wraps to 8 and would pass. */
	expect_bad_desc(&pa, desc(0xfffffff8u, 16, 0, 0),
			SHMRING_E_DESC_OUT_OF_BOUNDS, "u32 offset+len overflow");
	expect_bad_desc(&pa, desc(UINT32_MAX, 1, 0, 0),
			SHMRING_E_DESC_OUT_OF_BOUNDS, "offset UINT32_MAX");
	expect_bad_desc(&pa, desc(0, 8, 0x2, 0), SHMRING_E_DESC_BAD_FLAGS,
			"flag bit 1");
	expect_bad_desc(&pa, desc(0, 8, 0x8000, 0), SHMRING_E_DESC_BAD_FLAGS,
			"flag bit 15");
	/* pa has no MULTI_SEG: a chain is a protocol error, not a frame. */
	expect_bad_desc(&pa, desc(0, 8, SHMRING_DESC_F_NEXT, 0),
			SHMRING_E_DESC_BAD_FLAGS, "NEXT without MULTI_SEG");

	/* The edges that are allowed. */
	expect_good_desc(&pa, desc(bs - 256, 256, 0, 0), "last full slot");
	expect_good_desc(&pa, desc(bs - 1, 1, 0, 0), "last byte");
	expect_good_desc(&pa, desc(0, 1, 0, 0xffffffffu), "meta is opaque");
	/* Not slot-aligned is allowed: the bounds are the buffer area's. */
	expect_good_desc(&pa, desc(3, 200, 0, 0), "unaligned offset");
}

static void
test_chains(void)
{
	struct shmring_params pa = params(128, 256, 1500, SHMRING_F_MULTI_SEG);
	struct shmring_desc segs[SHMRING_MAX_SEGS];
	uint32_t i, flen = 0;
	struct reg r;
	int err;

	/* 64 segments is the longest chain. */
	reg_open(&r, &pa, UINT32_MAX - 20);
	for (i = 0; i < SHMRING_MAX_SEGS; i++)
		put_raw(&r, desc(i * 256, 1, i + 1 < SHMRING_MAX_SEGS ?
				 SHMRING_DESC_F_NEXT : 0, i));
	err = SHMRING_OK;
	CHECK_EQ(shmring_cons_avail(&r.c, 64, &err), 64);
	CHECK_EQ(shmring_cons_frame(&r.c, 0, 64, segs, &flen, &err), 64);
	CHECK_RC(err, SHMRING_OK);
	CHECK_EQ(flen, 64);
	CHECK_EQ(segs[63].meta, 63);
	reg_close(&r);

	/* 65 linked: too long, even though all are published. */
	reg_open(&r, &pa, 0);
	for (i = 0; i <= SHMRING_MAX_SEGS; i++)
		put_raw(&r, desc(i * 256, 1, SHMRING_DESC_F_NEXT, i));
	put_raw(&r, desc(0, 1, 0, 0));
	err = SHMRING_OK;
	CHECK_EQ(shmring_cons_avail(&r.c, 66, &err), 66);
	CHECK_EQ(shmring_cons_frame(&r.c, 0, 66, segs, &flen, &err), 0);
	CHECK_RC(err, SHMRING_E_DESC_CHAIN_TOO_LONG);
	reg_close(&r);

	/* Frame too long: 256 * 6 = 1536 > 1500 + 22. */
	reg_open(&r, &pa, 0);
	for (i = 0; i < 6; i++)
		put_raw(&r, desc(i * 256, 256, i < 5 ? SHMRING_DESC_F_NEXT : 0,
				 0));
	err = SHMRING_OK;
	CHECK_EQ(shmring_cons_frame(&r.c, 0, 6, segs, &flen, &err), 0);
	CHECK_RC(err, SHMRING_E_FRAME_TOO_LONG);
	reg_close(&r);

	/* Exactly MTU + 22 = 1522 is fine: 5 * 256 + 242. */
	reg_open(&r, &pa, 0);
	for (i = 0; i < 5; i++)
		put_raw(&r, desc(i * 256, 256, SHMRING_DESC_F_NEXT, 0));
	put_raw(&r, desc(5 * 256, 242, 0, 0));
	err = SHMRING_OK;
	CHECK_EQ(shmring_cons_frame(&r.c, 0, 6, segs, &flen, &err), 6);
	CHECK_RC(err, SHMRING_OK);
	CHECK_EQ(flen, 1522);
	/* The same frame seen with one descriptor fewer published: the
	 * chain runs past the producer index. */
	CHECK_EQ(shmring_cons_frame(&r.c, 0, 5, segs, &flen, &err), 0);
	CHECK_RC(err, SHMRING_E_DESC_CHAIN_TRUNCATED);
	reg_close(&r);

	/* A bad segment inside a chain is caught with its own code. */
	reg_open(&r, &pa, 0);
	put_raw(&r, desc(0, 100, SHMRING_DESC_F_NEXT, 0));
	put_raw(&r, desc(0, 0, 0, 0));
	err = SHMRING_OK;
	CHECK_EQ(shmring_cons_frame(&r.c, 0, 2, segs, &flen, &err), 0);
	CHECK_RC(err, SHMRING_E_DESC_ZERO_LEN);
	reg_close(&r);

	/* Single-slot frames (no multi-seg): MTU + 22 is the bound too. */
	pa = params(64, 256, 200, 0);
	reg_open(&r, &pa, 0);
	put_raw(&r, desc(0, 223, 0, 0));
	err = SHMRING_OK;
	CHECK_EQ(shmring_cons_frame(&r.c, 0, 1, segs, &flen, &err), 0);
	CHECK_RC(err, SHMRING_E_FRAME_TOO_LONG);
	reg_close(&r);
}

/* Dequeue hands out the good descriptors before a bad one, no more. */
static void
test_dequeue_stops(void)
{
	struct shmring_params pa = params(64, 256, 200, 0);
	struct shmring_desc out[8];
	struct reg r;
	int err = SHMRING_OK;

	reg_open(&r, &pa, 0);
	put_raw(&r, desc(0, 10, 0, 1));
	put_raw(&r, desc(256, 10, 0, 2));
	put_raw(&r, desc(512, 0, 0, 3));
	put_raw(&r, desc(768, 10, 0, 4));
	CHECK_EQ(shmring_dequeue_burst(&r.c, out, 8, &err), 2);
	CHECK_RC(err, SHMRING_E_DESC_ZERO_LEN);
	CHECK_EQ(out[1].meta, 2);
	CHECK_EQ(ring0(&r)->cons, 2);
	reg_close(&r);
}

/* Every error code has a distinct name and a text. */
static void
test_err_names(void)
{
	int i, j;

	for (i = 0; i < SHMRING_E_MAX; i++) {
		CHECK(shmring_strerror(i) != NULL);
		CHECK(strcmp(shmring_errname(i), "UNKNOWN") != 0);
		for (j = 0; j < i; j++)
			if (strcmp(shmring_errname(i), shmring_errname(j)) == 0)
				TST_FAIL("codes %d and %d share a name", i, j);
	}
	CHECK(strcmp(shmring_errname(-1), "UNKNOWN") == 0);
	CHECK(strcmp(shmring_errname(SHMRING_E_MAX), "UNKNOWN") == 0);
	CHECK(strcmp(shmring_strerror(SHMRING_E_MAX), "unknown error") == 0);
}

int
main(void)
{
	tst_watchdog(60);
	tst_run("ring empty", test_empty);
	tst_run("ring full", test_full);
	tst_run("ring wrap of free-running indices", test_wrap);
	tst_run("ring bursts of every size", test_bursts);
	tst_run("reject producer index ahead", test_prod_ahead);
	tst_run("reject consumer index ahead", test_cons_ahead);
	tst_run("reject bad descriptors", test_desc_rules);
	tst_run("descriptor chains and frame length", test_chains);
	tst_run("dequeue stops at a bad descriptor", test_dequeue_stops);
	tst_run("error names", test_err_names);
	return tst_done();
}
