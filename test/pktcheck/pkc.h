/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * xenshm-pktcheck: shared configuration, counters and the log macro.
 *
 * The tool is split by job: pkc_frame (wire format, build and check one
 * frame), pkc_verify (per-flow classification), pkc_tx (sender loop),
 * pkc_rx (receiver loop), pkc_port (ethdev and mempool setup), pkc_args
 * (command line), pkc_report (progress, summary line, JSON), pkc_selftest
 * (proves the verifier can fail) and main (orchestration and exit status).
 */

#ifndef PKC_H
#define PKC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_ether.h>

/* One log macro for the whole tool; errors go to stderr, results to stdout. */
#define PKC_LOG(level, fmt, ...) \
	fprintf(stderr, "pktcheck: " #level ": " fmt "\n", ##__VA_ARGS__)

#define PKC_EXIT_PASS	0
#define PKC_EXIT_FAIL	1
#define PKC_EXIT_USAGE	2

#define PKC_MAX_SIZES	16
#define PKC_MAX_QUEUES	16
#define PKC_BURST_MAX	256

/* Fault injection on the sender side: proves the receiver reports faults. */
struct pkc_inject {
	uint64_t drop_every;	/* consume a seq but never send it */
	uint64_t dup_every;	/* send the frame twice */
	uint64_t corrupt_every;	/* flip a payload byte after checksumming */
	uint64_t reorder_every;	/* hold a frame back behind its successor */
	uint64_t pause_ms;	/* stop sending for this long ... */
	uint64_t pause_after;	/* ... once this many seqs were generated */
};

struct pkc_conf {
	int tx_port;			/* -1: no sender */
	int rx_port;			/* -1: no receiver */
	bool ring_pair;		/* two crossed net_ring ports */
	bool selftest;
	bool single_lcore;		/* never run rx on a worker lcore */

	uint16_t sizes[PKC_MAX_SIZES];	/* frame length without FCS */
	unsigned int nb_sizes;
	uint32_t flows;
	uint32_t flow_base;
	uint64_t rate_pps;		/* 0: as fast as possible */
	uint64_t count;			/* 0: unlimited */
	double duration_s;		/* 0: unlimited */
	uint16_t txq;
	uint16_t rxq;
	uint16_t burst;

	/* encapsulation */
	struct rte_ether_addr src_mac;
	bool src_mac_set;
	struct rte_ether_addr dst_mac;
	int vlan;			/* -1: untagged */
	uint16_t ethertype;
	bool udp;			/* IPv4/UDP instead of raw ethertype */

	/* receiver */
	uint32_t window;		/* seqs remembered per flow (pow2) */
	uint32_t max_flows;
	bool late_join;		/* loss counted from first seq */
	bool verify_payload;
	uint32_t idle_timeout_ms;	/* 0: none */
	uint32_t drain_ms;		/* same-process drain after tx ends */
	uint32_t link_wait_ms;

	/* resources */
	uint32_t mbuf_data_room;
	uint32_t nb_mbufs;

	/* reporting and verdict */
	uint32_t report_ms;		/* 0: no progress lines */
	const char *json_path;
	int64_t expect_max_gap_ms;	/* -1: not checked */
	int64_t expect_min_rx;		/* -1: not checked */
	int64_t expect_max_lost;	/* -1: not checked */

	uint32_t session;		/* sender id, random unless given */
	bool session_set;

	struct pkc_inject inject;
};

/*
 * Counters another lcore reads for progress lines.  Each field has a single
 * writer (the tx or the rx lcore) that stores with relaxed order; readers
 * load relaxed.  No ordering is needed: they are statistics only.
 */
struct pkc_live {
	atomic_uint_fast64_t tx;
	atomic_uint_fast64_t rx;
	atomic_uint_fast64_t reordered;
	atomic_uint_fast64_t duplicated;
	atomic_uint_fast64_t corrupted;
	atomic_uint_fast64_t foreign;
};

/* Set from the signal handler: 1 = stop sending and drain, 2 = stop now. */
extern atomic_int pkc_stop_level;

static inline int
pkc_stop_requested(void)
{
	return atomic_load_explicit(&pkc_stop_level, memory_order_relaxed);
}

/* pkc_args.c */
void pkc_conf_defaults(struct pkc_conf *conf);
int pkc_parse_args(struct pkc_conf *conf, int argc, char **argv);
void pkc_usage(const char *prgname, FILE *out);

#endif /* PKC_H */
