/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Ring benchmark: shmring SPSC ring against rte_ring SP/SC, same run.
 *
 * A producer on the main lcore and a consumer on the next lcore pass
 * 16-byte descriptors through (A) a shmring ring in an mmap'd region set
 * up exactly the way a guest and DomS set it up (shmring_layout,
 * shmring_region_init, shmring_region_check, shmring_prod_init /
 * shmring_cons_init), with every descriptor validated on dequeue as users
 * get it, and (B) an rte_ring SP/SC of 16-byte elements.  Rounds are
 * interleaved A B A B ... because this VM flips between speed regimes for
 * seconds at a time: only neighbouring rounds are comparable, so the
 * ratio is also reported as the median of the per-pair ratios.
 *
 * Both sides do the same work per descriptor: the producer writes a
 * sequence number into 'meta' of a valid descriptor, the consumer adds
 * 'meta' into a sum.  At the end of a round the consumer's count and sum
 * must equal what the producer sent (no loss, no duplicate), or the run
 * fails.  The rate is descriptors received / consumer's elapsed time.
 * After the rounds of each burst size, the one-core cost (cycles per
 * descriptor with both ends on one lcore) separates the ring code's CPU
 * cost from the cache-line transfers between the cores.
 *
 * Usage: ring_bench [EAL args] -- [-r rounds] [-t seconds] [-b b1,b2,...]
 *                                  [-s ring_size] [-k kind] [-v]
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_pause.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>
#include <rte_version.h>

#include "shmring_region.h"
#include "shmring_ring.h"

#define MAX_BURST	256
#define MAX_ROUNDS	64
#define MAX_BURSTS	8
#define PINGPONG_ITERS	20000

enum ring_kind { KIND_SHMRING, KIND_RTE_RING };

static const char *const kind_name[] = { "shmring", "rte_ring" };

/* What the two lcores share for one round. */
struct round {
	enum ring_kind kind;
	uint32_t burst;
	uint64_t dur_tsc;
	struct shmring_prod prod;
	struct shmring_cons cons;
	struct rte_ring *r;
	/* Control words, each on its own line so polling one does not
	 * disturb the other.  ready/go/stop: release by the writer, acquire
	 * by the poller (pairs named at each use).
	 */
	alignas(64) atomic_uint ready;
	alignas(64) atomic_uint go;
	alignas(64) atomic_uint stop;
	alignas(64) uint64_t t_go;
	uint64_t sent;
	uint64_t sent_sum;
	uint64_t prod_calls;	/* enqueue calls */
	uint64_t prod_short;	/* ... that took fewer than 'burst' */
	alignas(64) uint64_t recv;
	uint64_t recv_sum;
	uint64_t cons_calls;	/* dequeue calls */
	uint64_t cons_short;	/* ... that returned fewer than 'burst' */
	uint64_t t_end;
	int err;
};

/* Cache-line ping-pong between the lcores: shows the VM's regime. */
struct pingpong {
	alignas(64) atomic_uint ball;
	alignas(64) atomic_uint ready;
};

static struct {
	unsigned int rounds;
	double seconds;
	uint32_t bursts[MAX_BURSTS];
	unsigned int n_bursts;
	uint32_t ring_size;
	unsigned int kinds;	/* bit 0: shmring, bit 1: rte_ring */
	int verbose;
} opt = {
	.kinds = 3,
	.rounds = 7,
	.seconds = 1.5,
	.bursts = { 32 },
	.n_bursts = 1,
	.ring_size = 1024,
};

static void *region;
static size_t region_size;
static struct shmring_region_info region_info;
static struct shmring_params region_params;
static struct shmring_layout region_layout;

static void
wait_flag(atomic_uint *f)
{
	while (atomic_load_explicit(f, memory_order_acquire) == 0)
		rte_pause();
}

static int
consumer_main(void *arg)
{
	struct round *rd = arg;
	struct shmring_desc out[MAX_BURST];
	uint64_t n = 0, sum = 0, calls = 0, shorts = 0;
	uint32_t burst = rd->burst, k, i;
	int err = SHMRING_OK;

	/* ready: release, pairs with the producer's acquire in wait_flag */
	atomic_store_explicit(&rd->ready, 1, memory_order_release);
	/* go: acquire, pairs with the producer's release of go */
	wait_flag(&rd->go);
	for (;;) {
		if (rd->kind == KIND_SHMRING)
			k = shmring_dequeue_burst(&rd->cons, out, burst, &err);
		else
			k = rte_ring_dequeue_burst_elem(rd->r, out,
					sizeof(out[0]), burst, NULL);
		for (i = 0; i < k; i++)
			sum += out[i].meta;
		n += k;
		calls++;
		shorts += k < burst;
		if (err != SHMRING_OK)
			break;
		/* stop: acquire, pairs with the producer's release; the
		 * producer enqueues nothing after it, so one more empty
		 * dequeue after seeing it means the ring is drained.
		 */
		if (k == 0 &&
		    atomic_load_explicit(&rd->stop, memory_order_acquire)) {
			do {
				if (rd->kind == KIND_SHMRING)
					k = shmring_dequeue_burst(&rd->cons,
						out, burst, &err);
				else
					k = rte_ring_dequeue_burst_elem(rd->r,
						out, sizeof(out[0]), burst,
						NULL);
				for (i = 0; i < k; i++)
					sum += out[i].meta;
				n += k;
			} while (k != 0 && err == SHMRING_OK);
			break;
		}
	}
	rd->t_end = rte_rdtsc();
	rd->recv = n;
	rd->recv_sum = sum;
	rd->cons_calls = calls;
	rd->cons_short = shorts;
	rd->err = err;
	return 0;
}

static void
producer_main(struct round *rd)
{
	struct shmring_desc d[MAX_BURST];
	uint32_t burst = rd->burst, k, i, iter = 0;
	uint64_t seq = 0, sum = 0, end, calls = 0, shorts = 0;
	int err = SHMRING_OK;

	/* A valid descriptor: a 64-byte frame in a slot of ring 0. */
	for (i = 0; i < burst; i++) {
		d[i].offset = (i % opt.ring_size) *
			SHMRING_DEFAULT_SLOT_SIZE;
		d[i].len = 64;
		d[i].flags = 0;
		d[i].rsvd = 0;
		d[i].meta = 0;
	}
	/* ready: acquire, pairs with the consumer's release */
	wait_flag(&rd->ready);
	rd->t_go = rte_rdtsc();
	end = rd->t_go + rd->dur_tsc;
	/* go: release, pairs with the consumer's acquire */
	atomic_store_explicit(&rd->go, 1, memory_order_release);
	for (;;) {
		for (i = 0; i < burst; i++)
			d[i].meta = (uint32_t)(seq + i);
		if (rd->kind == KIND_SHMRING)
			k = shmring_enqueue_burst(&rd->prod, d, burst, &err);
		else
			k = rte_ring_enqueue_burst_elem(rd->r, d, sizeof(d[0]),
							burst, NULL);
		for (i = 0; i < k; i++)
			sum += (uint32_t)(seq + i);
		seq += k;
		calls++;
		shorts += k < burst;
		if (err != SHMRING_OK)
			break;
		if ((++iter & 15) == 0 && rte_rdtsc() >= end)
			break;
	}
	rd->sent = seq;
	rd->sent_sum = sum;
	rd->prod_calls = calls;
	rd->prod_short = shorts;
	/* stop: release, pairs with the consumer's acquire */
	atomic_store_explicit(&rd->stop, 1, memory_order_release);
	if (err != SHMRING_OK)
		rd->err = err;
}

static int
pong_main(void *arg)
{
	struct pingpong *pp = arg;
	unsigned int i;

	atomic_store_explicit(&pp->ready, 1, memory_order_release);
	for (i = 0; i < PINGPONG_ITERS; i++) {
		/* ball: odd from us, even from the main lcore; acq/rel pair */
		while (atomic_load_explicit(&pp->ball, memory_order_acquire) !=
		       2 * i + 1)
			;	/* no pause: measure the line, not the pause */
		atomic_store_explicit(&pp->ball, 2 * i + 2,
				      memory_order_release);
	}
	return 0;
}

/* Round trip of one cache line between the two lcores, ns. */
static double
pingpong_ns(unsigned int peer)
{
	static struct pingpong pp;
	uint64_t t0, t1;
	unsigned int i;

	atomic_store(&pp.ball, 0);
	atomic_store(&pp.ready, 0);
	if (rte_eal_remote_launch(pong_main, &pp, peer) != 0)
		return -1;
	wait_flag(&pp.ready);
	t0 = rte_rdtsc();
	for (i = 0; i < PINGPONG_ITERS; i++) {
		atomic_store_explicit(&pp.ball, 2 * i + 1,
				      memory_order_release);
		while (atomic_load_explicit(&pp.ball, memory_order_acquire) !=
		       2 * i + 2)
			;
	}
	t1 = rte_rdtsc();
	rte_eal_wait_lcore(peer);
	return (double)(t1 - t0) * 1e9 / rte_get_tsc_hz() / PINGPONG_ITERS;
}

/* A fresh shmring ring 0 in the (reused) mmap'd region. */
static int
shmring_setup(struct round *rd)
{
	char why[256];
	int rc;

	shmring_region_init(region, &region_params, &region_layout, 1);
	rc = shmring_region_check(region, region_size, &region_info, why,
				  sizeof(why));
	if (rc != SHMRING_OK) {
		fprintf(stderr, "region check: %s: %s\n",
			shmring_strerror(rc), why);
		return -1;
	}
	rc = shmring_prod_init(&rd->prod, region, &region_info, 0);
	if (rc == SHMRING_OK)
		rc = shmring_cons_init(&rd->cons, region, &region_info, 0);
	if (rc != SHMRING_OK) {
		fprintf(stderr, "ring init: %s\n", shmring_strerror(rc));
		return -1;
	}
	return 0;
}

/* What one round measured. */
struct round_result {
	double mdps;		/* Mdesc/s */
	double prod_short;	/* % of enqueue calls short of 'burst' */
	double cons_short;	/* % of dequeue calls short of 'burst' */
	double prod_avg;	/* descriptors per enqueue call */
	double cons_avg;	/* descriptors per dequeue call */
};

/* One timed round; returns 0, or -1 on failure. */
static int
run_round(enum ring_kind kind, uint32_t burst, unsigned int peer,
	  struct round_result *res)
{
	static struct round rd;
	uint64_t sent_sum;

	memset(&rd, 0, sizeof(rd));
	rd.kind = kind;
	rd.burst = burst;
	rd.dur_tsc = (uint64_t)(opt.seconds * rte_get_tsc_hz());
	if (kind == KIND_SHMRING) {
		if (shmring_setup(&rd) != 0)
			return -1;
	} else {
		rd.r = rte_ring_create_elem("bench_ring",
				sizeof(struct shmring_desc), opt.ring_size,
				rte_socket_id(),
				RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (rd.r == NULL) {
			fprintf(stderr, "rte_ring_create_elem: %s\n",
				rte_strerror(rte_errno));
			return -1;
		}
	}
	if (rte_eal_remote_launch(consumer_main, &rd, peer) != 0) {
		fprintf(stderr, "cannot launch consumer on lcore %u\n", peer);
		rte_ring_free(rd.r);
		return -1;
	}
	producer_main(&rd);
	rte_eal_wait_lcore(peer);
	rte_ring_free(rd.r);
	sent_sum = rd.sent_sum;
	if (rd.err != SHMRING_OK) {
		fprintf(stderr, "%s: ring error %s\n", kind_name[kind],
			shmring_strerror(rd.err));
		return -1;
	}
	if (rd.recv != rd.sent || rd.recv_sum != sent_sum) {
		fprintf(stderr, "%s: sent %" PRIu64 " (sum %" PRIu64
			") but received %" PRIu64 " (sum %" PRIu64 ")\n",
			kind_name[kind], rd.sent, sent_sum, rd.recv,
			rd.recv_sum);
		return -1;
	}
	res->mdps = (double)rd.recv /
		((double)(rd.t_end - rd.t_go) / rte_get_tsc_hz()) / 1e6;
	res->prod_short = rd.prod_calls ?
		100.0 * rd.prod_short / rd.prod_calls : 0;
	res->cons_short = rd.cons_calls ?
		100.0 * rd.cons_short / rd.cons_calls : 0;
	res->prod_avg = rd.prod_calls ? (double)rd.sent / rd.prod_calls : 0;
	res->cons_avg = rd.cons_calls ? (double)rd.recv / rd.cons_calls : 0;
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(const double *v, unsigned int n)
{
	double s[MAX_ROUNDS];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	return (n % 2) ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/*
 * CPU cost of the ring operations without the second core: one lcore
 * enqueues a burst and dequeues it again, 'SC_BURSTS' times per trial.
 * The minimum over trials filters out preemption by other work on the box
 * and leaves cycles per descriptor (enqueue + dequeue + the same per-
 * descriptor work as the two-core rounds).  This is the part the ring's
 * code decides; the two-core rate adds cache-line transfers.
 */
#define SC_BURSTS	1000
#define SC_TRIALS	300

static int
single_core_cost(enum ring_kind kind, uint32_t burst, double *min_cyc,
		 double *med_cyc)
{
	static double trial[SC_TRIALS];
	struct shmring_desc d[MAX_BURST], out[MAX_BURST];
	static struct round rd;
	uint64_t sum = 0, t0;
	uint32_t i, j, k, t;
	int err = SHMRING_OK;

	memset(&rd, 0, sizeof(rd));
	if (kind == KIND_SHMRING) {
		if (shmring_setup(&rd) != 0)
			return -1;
	} else {
		rd.r = rte_ring_create_elem("bench_ring_sc",
				sizeof(struct shmring_desc), opt.ring_size,
				rte_socket_id(),
				RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (rd.r == NULL)
			return -1;
	}
	for (i = 0; i < burst; i++) {
		d[i].offset = (i % opt.ring_size) * SHMRING_DEFAULT_SLOT_SIZE;
		d[i].len = 64;
		d[i].flags = 0;
		d[i].rsvd = 0;
		d[i].meta = 0;
	}
	for (t = 0; t < SC_TRIALS; t++) {
		t0 = rte_rdtsc();
		for (j = 0; j < SC_BURSTS; j++) {
			for (i = 0; i < burst; i++)
				d[i].meta = j + i;
			if (kind == KIND_SHMRING) {
				k = shmring_enqueue_burst(&rd.prod, d, burst,
							  &err);
				k = shmring_dequeue_burst(&rd.cons, out, k,
							  &err);
			} else {
				k = rte_ring_enqueue_burst_elem(rd.r, d,
						sizeof(d[0]), burst, NULL);
				k = rte_ring_dequeue_burst_elem(rd.r, out,
						sizeof(out[0]), k, NULL);
			}
			for (i = 0; i < k; i++)
				sum += out[i].meta;
		}
		trial[t] = (double)(rte_rdtsc() - t0) / SC_BURSTS / burst;
	}
	rte_ring_free(rd.r);
	if (err != SHMRING_OK || sum == 0)
		return -1;
	qsort(trial, SC_TRIALS, sizeof(trial[0]), cmp_double);
	*min_cyc = trial[0];
	*med_cyc = trial[SC_TRIALS / 2];
	return 0;
}

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [EAL args] -- [-r rounds(5..%d)] [-t seconds] "
		"[-b burst[,burst...]] [-s ring_size] [-k both|shmring|"
		"rte_ring] [-v]\n"
		"  -k: run one kind only (for profiling)\n"
		"  -v: also print, per round, the %% of enqueue calls that "
		"found the ring too\n      full for a whole burst, of "
		"dequeue calls that found less than a burst,\n      and "
		"the mean descriptors per call (empty polls are cheap and "
		"many:\n      these are call counts, not time)\n",
		prog, MAX_ROUNDS);
}

static int
parse_args(int argc, char **argv)
{
	char *tok, *save = NULL;
	int c;

	while ((c = getopt(argc, argv, "r:t:b:s:k:vh")) != -1) {
		switch (c) {
		case 'k':
			if (strcmp(optarg, "both") == 0)
				opt.kinds = 3;
			else if (strcmp(optarg, "shmring") == 0)
				opt.kinds = 1;
			else if (strcmp(optarg, "rte_ring") == 0)
				opt.kinds = 2;
			else
				return -1;
			break;
		case 'v':
			opt.verbose = 1;
			break;
		case 'r':
			opt.rounds = (unsigned int)atoi(optarg);
			break;
		case 't':
			opt.seconds = atof(optarg);
			break;
		case 's':
			opt.ring_size = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'b':
			opt.n_bursts = 0;
			for (tok = strtok_r(optarg, ",", &save); tok != NULL;
			     tok = strtok_r(NULL, ",", &save)) {
				if (opt.n_bursts == MAX_BURSTS)
					return -1;
				opt.bursts[opt.n_bursts++] =
					(uint32_t)strtoul(tok, NULL, 0);
			}
			break;
		default:
			return -1;
		}
	}
	if (opt.rounds < 1 || opt.rounds > MAX_ROUNDS ||
	    opt.seconds <= 0 || opt.n_bursts == 0)
		return -1;
	for (c = 0; c < (int)opt.n_bursts; c++)
		if (opt.bursts[c] == 0 || opt.bursts[c] > MAX_BURST)
			return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	double rate[2][MAX_ROUNDS], ratio[MAX_ROUNDS], rtt;
	unsigned int peer, b, r;
	int ret, fail = 0;
	char why[256];

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	argc -= ret;
	argv += ret;
	if (parse_args(argc, argv) != 0) {
		usage(argv[0]);
		return 2;
	}
	peer = rte_get_next_lcore(rte_lcore_id(), 1, 0);
	if (peer >= RTE_MAX_LCORE) {
		fprintf(stderr, "need two lcores (e.g. --lcores 0@0,1@1)\n");
		return 2;
	}

	memset(&region_params, 0, sizeof(region_params));
	region_params.n_qp = 1;
	region_params.ring_size = opt.ring_size;
	region_params.slot_size = SHMRING_DEFAULT_SLOT_SIZE;
	region_params.mtu = SHMRING_DEFAULT_MTU;
	if (shmring_params_check(&region_params, why, sizeof(why)) != 0 ||
	    shmring_layout(&region_params, &region_layout) != 0) {
		fprintf(stderr, "bad ring size %u: %s\n", opt.ring_size, why);
		return 2;
	}
	region_size = region_layout.region_size;
	region = mmap(NULL, region_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED) {
		perror("mmap");
		return 1;
	}

	printf("# ring_bench: %s; producer lcore %u (cpu %d), consumer lcore "
	       "%u (cpu %d)\n", rte_version(), rte_lcore_id(),
	       rte_lcore_to_cpu_id(rte_lcore_id()), peer,
	       rte_lcore_to_cpu_id(peer));
	printf("# %u descriptors x %zu B per ring (rte_ring usable %u); "
	       "%u rounds x %.2f s each, interleaved shmring, rte_ring\n",
	       opt.ring_size, sizeof(struct shmring_desc), opt.ring_size - 1,
	       opt.rounds, opt.seconds);
	printf("# shmring: mmap'd %zu-byte region, dequeue validates each "
	       "descriptor; rte_ring: rte_ring_create_elem(esize 16, "
	       "SP_ENQ|SC_DEQ)\n", region_size);
	printf("# rate = descriptors received / consumer time, Mdesc/s; "
	       "rtt = cache-line round trip between the lcores before the "
	       "pair\n");

	for (b = 0; b < opt.n_bursts; b++) {
		uint32_t burst = opt.bursts[b];
		struct round_result res[2];
		double ms, mr, mratio;
		unsigned int k;

		printf("%-6s %-5s %7s %10s %10s %7s\n", "burst", "round",
		       "rtt_ns", "shmring", "rte_ring", "ratio");
		for (r = 0; r < opt.rounds; r++) {
			rtt = pingpong_ns(peer);
			memset(res, 0, sizeof(res));
			for (k = 0; k < 2; k++) {
				if (!(opt.kinds & (1u << k)))
					continue;
				if (run_round(k, burst, peer, &res[k]) != 0) {
					fail = 1;
					goto out;
				}
			}
			rate[0][r] = res[0].mdps;
			rate[1][r] = res[1].mdps;
			ratio[r] = res[1].mdps > 0 ?
				res[0].mdps / res[1].mdps : 0;
			printf("%-6u %-5u %7.0f %10.2f %10.2f %7.3f\n", burst,
			       r + 1, rtt, rate[0][r], rate[1][r], ratio[r]);
			if (opt.verbose)
				printf("#   enq/deq calls short of a burst: "
				       "shmring %.0f%%/%.0f%%, rte_ring "
				       "%.0f%%/%.0f%%; descs per enq/deq call: "
				       "shmring %.1f/%.1f, rte_ring %.1f/%.1f\n",
				       res[0].prod_short, res[0].cons_short,
				       res[1].prod_short, res[1].cons_short,
				       res[0].prod_avg, res[0].cons_avg,
				       res[1].prod_avg, res[1].cons_avg);
			fflush(stdout);
		}
		ms = median(rate[0], opt.rounds);
		mr = median(rate[1], opt.rounds);
		mratio = median(ratio, opt.rounds);
		printf("median burst %u: shmring %.2f Mdesc/s, rte_ring %.2f "
		       "Mdesc/s, ratio of medians %.3f, median of pair ratios "
		       "%.3f", burst, ms, mr, mr > 0 ? ms / mr : 0, mratio);
		if (burst == 32 && opt.kinds == 3)
			printf(" (issue 2 target: >= 0.8: %s)",
			       mratio >= 0.8 ? "met" : "MISSED");
		printf("\n");
		printf("RESULT ring burst=%u shmring=%.3f rte_ring=%.3f "
		       "ratio=%.3f\n", burst, ms, mr, mratio);
		if (opt.kinds == 3) {
			double c[2][2];

			if (single_core_cost(KIND_SHMRING, burst, &c[0][0],
					     &c[0][1]) == 0 &&
			    single_core_cost(KIND_RTE_RING, burst, &c[1][0],
					     &c[1][1]) == 0)
				printf("one-core cost burst %u (enqueue+dequeue "
				       "on lcore %u, TSC cycles per descriptor, "
				       "min/median of %u trials): shmring "
				       "%.2f/%.2f, rte_ring %.2f/%.2f\n",
				       burst, rte_lcore_id(), SC_TRIALS,
				       c[0][0], c[0][1], c[1][0], c[1][1]);
		}
		fflush(stdout);
	}
out:
	munmap(region, region_size);
	rte_eal_cleanup();
	return fail;
}
