/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * xenshm-pktcheck: send frames carrying (session, flow, seq, CRC32C) on one
 * port and verify them on another, in one process or two.  See
 * docs/pktcheck.md.
 */

#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_random.h>

#include "pkc.h"
#include "pkc_port.h"
#include "pkc_report.h"
#include "pkc_rx.h"
#include "pkc_selftest.h"
#include "pkc_tx.h"

atomic_int pkc_stop_level;

struct pkc_run {
	struct pkc_conf conf;
	struct rte_mempool *mp;
	bool has_tx;
	bool has_rx;
	uint16_t tx_port;
	uint16_t rx_port;
	struct pkc_sender tx;
	struct pkc_receiver rx;
	struct pkc_live live;
	struct pkc_progress prog;
	uint64_t hz;
	uint64_t start_tsc;
	uint64_t end_tsc;
	uint64_t drain_tsc;

	/*
	 * tx -> rx hand-over.  The tx side writes tx_done_tsc and tx_total,
	 * then sets tx_done with release; the rx side reads them only after
	 * an acquire load of tx_done returned true.
	 */
	atomic_bool tx_done;
	uint64_t tx_done_tsc;
	uint64_t tx_total;

	/*
	 * rx lcore -> main.  The rx lcore sets rx_done with release after its
	 * last poll; main reads receiver state after an acquire load of it
	 * (and rte_eal_wait_lcore).
	 */
	atomic_bool rx_done;
};

static void
pkc_signal(int sig)
{
	RTE_SET_USED(sig);
	atomic_fetch_add_explicit(&pkc_stop_level, 1, memory_order_relaxed);
}

static void
pkc_tx_finished(struct pkc_run *run, uint64_t now)
{
	run->tx_done_tsc = now;
	run->tx_total = run->tx.tx;
	/* release: pairs with the acquire in pkc_rx_should_stop() */
	atomic_store_explicit(&run->tx_done, true, memory_order_release);
}

static bool
pkc_rx_should_stop(struct pkc_run *run, uint64_t now)
{
	const struct pkc_conf *c = &run->conf;
	const struct pkc_receiver *r = &run->rx;
	uint64_t ours = r->v.tot.rx + r->v.tot.corrupted, last;
	int level = pkc_stop_requested();

	if (level >= 2)
		return true;
	if (run->has_tx) {
		/* acquire: pairs with the release in pkc_tx_finished() */
		if (!atomic_load_explicit(&run->tx_done, memory_order_acquire))
			return false;
		if (ours >= run->tx_total)
			return true;	/* everything sent came back */
		/* now may predate tx_done_tsc (taken on another lcore) */
		last = RTE_MAX(run->tx_done_tsc, r->last_tsc);
		return now > last && now - last >= run->drain_tsc;
	}
	if (level >= 1)
		return true;
	if (c->duration_s > 0 &&
			now - run->start_tsc >= c->duration_s * run->hz)
		return true;
	if (c->count != 0 && r->v.tot.rx >= c->count)
		return true;
	if (c->idle_timeout_ms != 0 && r->seen &&
			now - r->last_tsc >=
			(uint64_t)c->idle_timeout_ms * run->hz / 1000)
		return true;
	return false;
}

static int
pkc_rx_lcore(void *arg)
{
	struct pkc_run *run = arg;
	uint64_t now;

	for (;;) {
		now = rte_rdtsc();
		pkc_receiver_poll(&run->rx, now);
		if (pkc_rx_should_stop(run, now))
			break;
	}
	/* release: pairs with the acquire in pkc_run_two_lcores() */
	atomic_store_explicit(&run->rx_done, true, memory_order_release);
	return 0;
}

/* Sender on the main lcore, receiver on a worker. */
static void
pkc_run_two_lcores(struct pkc_run *run, unsigned int worker)
{
	uint64_t now;

	rte_eal_remote_launch(pkc_rx_lcore, run, worker);
	do {
		now = rte_rdtsc();
		pkc_report_progress(&run->prog, &run->live, now,
				run->start_tsc, run->hz, run->conf.report_ms);
	} while (pkc_sender_poll(&run->tx, now));
	pkc_tx_finished(run, now);

	/* acquire: pairs with the release at the end of pkc_rx_lcore() */
	while (!atomic_load_explicit(&run->rx_done, memory_order_acquire)) {
		pkc_report_progress(&run->prog, &run->live, rte_rdtsc(),
				run->start_tsc, run->hz, run->conf.report_ms);
		rte_delay_us_sleep(1000);
	}
	rte_eal_wait_lcore(worker);
}

/* Everything on the calling lcore, alternating tx and rx. */
static void
pkc_run_one_lcore(struct pkc_run *run)
{
	bool tx_active = run->has_tx;
	uint64_t now;

	for (;;) {
		now = rte_rdtsc();
		if (tx_active && !pkc_sender_poll(&run->tx, now)) {
			tx_active = false;
			pkc_tx_finished(run, now);
		}
		if (run->has_rx) {
			pkc_receiver_poll(&run->rx, now);
			if (pkc_rx_should_stop(run, now))
				break;
		} else if (!tx_active) {
			break;
		}
		pkc_report_progress(&run->prog, &run->live, now,
				run->start_tsc, run->hz, run->conf.report_ms);
	}
}

static void
pkc_collect(struct pkc_run *run, struct pkc_result *r)
{
	const struct pkc_conf *c = &run->conf;
	const struct pkc_sender *s = &run->tx;
	struct pkc_receiver *rx = &run->rx;
	double dt;
	uint32_t f;

	memset(r, 0, sizeof(*r));
	r->has_tx = run->has_tx;
	r->has_rx = run->has_rx;
	r->session = run->has_tx ? c->session : 0;
	r->duration_s = (double)(run->end_tsc - run->start_tsc) / run->hz;
	if (run->has_tx) {
		r->tx = s->tx;
		r->tx_bytes = s->tx_bytes;
		r->generated = s->generated;
		r->unsent = s->unsent;
		r->alloc_fail = s->alloc_fail;
		r->inj_drop = s->inj_drop;
		r->inj_dup = s->inj_dup;
		r->inj_corrupt = s->inj_corrupt;
		r->inj_reorder = s->inj_reorder;
		if (s->end_tsc > s->start_tsc)
			r->tx_mpps = s->tx / ((double)(s->end_tsc -
					s->start_tsc) / run->hz) / 1e6;
	}
	if (run->has_rx) {
		/* same process: the sender knows the tail the rx never saw */
		for (f = 0; run->has_tx && f < c->flows; f++) {
			if (s->flows[f].sent == 0)
				continue;
			if (pkc_verifier_expect(&rx->v, c->session,
					c->flow_base + f,
					s->flows[f].sent) != 0)
				PKC_LOG(WARNING, "flow table full: loss of flow"
						" %u not counted",
						c->flow_base + f);
		}
		r->c = rx->v.tot;
		r->lost = pkc_verifier_lost(&rx->v);
		r->flows = rx->v.nb_flows;
		r->max_gap_ms = (double)rx->max_gap_tsc * 1000 / run->hz;
		if (rx->last_tsc > rx->first_tsc) {
			dt = (double)(rx->last_tsc - rx->first_tsc) / run->hz;
			r->rx_mpps = r->c.rx / dt / 1e6;
			r->rx_gbps = r->c.rx_bytes * 8 / dt / 1e9;
		}
	}
	r->mpps = run->has_rx ? r->rx_mpps : r->tx_mpps;
}

/* Decide pass or fail; every reason is printed. */
static void
pkc_verdict(const struct pkc_conf *c, struct pkc_result *r)
{
	r->pass = true;
	if (r->c.corrupted != 0) {
		PKC_LOG(FAIL, "%" PRIu64 " corrupted frames", r->c.corrupted);
		r->pass = false;
	}
	if (r->c.duplicated != 0) {
		PKC_LOG(FAIL, "%" PRIu64 " duplicated frames",
				r->c.duplicated);
		r->pass = false;
	}
	if (r->has_tx && r->tx == 0 && !pkc_stop_requested()) {
		PKC_LOG(FAIL, "no frame was accepted by the tx port");
		r->pass = false;
	}
	if (!r->has_rx)
		return;
	if (c->expect_min_rx >= 0 && r->c.rx < (uint64_t)c->expect_min_rx) {
		PKC_LOG(FAIL, "received %" PRIu64 " frames, expected at least"
				" %" PRId64, r->c.rx, c->expect_min_rx);
		r->pass = false;
	}
	if (c->expect_max_lost >= 0 && r->lost > (uint64_t)c->expect_max_lost) {
		PKC_LOG(FAIL, "lost %" PRIu64 " frames, at most %" PRId64
				" allowed", r->lost, c->expect_max_lost);
		r->pass = false;
	}
	if (c->expect_max_gap_ms >= 0 &&
			r->max_gap_ms > (double)c->expect_max_gap_ms) {
		PKC_LOG(FAIL, "longest gap %.3f ms, at most %" PRId64
				" ms allowed", r->max_gap_ms,
				c->expect_max_gap_ms);
		r->pass = false;
	}
	if (r->c.untracked != 0)
		PKC_LOG(WARNING, "%" PRIu64 " frames of untracked flows "
				"(raise --max-flows)", r->c.untracked);
}

static int
pkc_setup_ports(struct pkc_run *run)
{
	struct pkc_conf *c = &run->conf;
	uint16_t a, b, max_frame = 0;
	unsigned int i;
	int ret;

	if (c->ring_pair) {
		ret = pkc_ring_pair(RTE_MAX(c->txq, c->rxq), &a, &b);
		if (ret != 0)
			return ret;
		if (c->tx_port < 0)
			c->tx_port = a;
		if (c->rx_port < 0)
			c->rx_port = b;
	}
	run->has_tx = c->tx_port >= 0;
	run->has_rx = c->rx_port >= 0;
	run->tx_port = (uint16_t)c->tx_port;
	run->rx_port = (uint16_t)c->rx_port;
	for (i = 0; i < c->nb_sizes; i++)
		max_frame = RTE_MAX(max_frame, c->sizes[i]);

	run->mp = pkc_mempool_create(c);
	if (run->mp == NULL)
		return -ENOMEM;
	if (run->has_tx && run->has_rx && run->tx_port == run->rx_port)
		return pkc_port_setup(run->tx_port, true, true, c, run->mp,
				max_frame);
	if (run->has_tx) {
		ret = pkc_port_setup(run->tx_port, false, true, c, run->mp,
				max_frame);
		if (ret != 0)
			return ret;
	}
	if (run->has_rx) {
		ret = pkc_port_setup(run->rx_port, true, false, c, run->mp,
				max_frame);
		if (ret != 0) {
			if (run->has_tx)
				pkc_port_close(run->tx_port);
			return ret;
		}
	}
	return 0;
}

static void
pkc_close_ports(struct pkc_run *run)
{
	if (run->has_tx)
		pkc_port_close(run->tx_port);
	if (run->has_rx && !(run->has_tx && run->tx_port == run->rx_port))
		pkc_port_close(run->rx_port);
}

static int
pkc_start(struct pkc_run *run)
{
	struct pkc_conf *c = &run->conf;
	struct pkc_encap enc;
	int ret;

	if (run->has_tx && !pkc_port_wait_link(run->tx_port, c->link_wait_ms))
		PKC_LOG(WARNING, "port %u: link down, sending anyway",
				run->tx_port);
	if (run->has_rx && run->rx_port != run->tx_port &&
			!pkc_port_wait_link(run->rx_port, c->link_wait_ms))
		PKC_LOG(WARNING, "port %u: link down, receiving anyway",
				run->rx_port);

	if (run->has_tx) {
		memset(&enc, 0, sizeof(enc));
		enc.dst = c->dst_mac;
		if (c->src_mac_set)
			enc.src = c->src_mac;
		else if (rte_eth_macaddr_get(run->tx_port, &enc.src) != 0)
			rte_eth_random_addr(enc.src.addr_bytes);
		enc.vlan = c->vlan;
		enc.ethertype = c->ethertype;
		enc.udp = c->udp;
		ret = pkc_sender_init(&run->tx, c, &enc, run->mp,
				run->tx_port, c->session, &run->live);
		if (ret != 0)
			return ret;
	}
	if (run->has_rx) {
		ret = pkc_receiver_init(&run->rx, c, run->rx_port, &run->live);
		if (ret != 0)
			return ret;
	}
	return 0;
}

static void
pkc_run(struct pkc_run *run)
{
	const struct pkc_conf *c = &run->conf;
	unsigned int worker = rte_get_next_lcore(-1, 1, 0);
	uint32_t drain = c->idle_timeout_ms != 0 ? c->idle_timeout_ms :
			c->drain_ms;

	run->hz = rte_get_tsc_hz();
	run->drain_tsc = (uint64_t)drain * run->hz / 1000;
	run->start_tsc = rte_rdtsc();
	if (run->has_tx && run->has_rx && !c->single_lcore &&
			worker < RTE_MAX_LCORE)
		pkc_run_two_lcores(run, worker);
	else
		pkc_run_one_lcore(run);
	run->end_tsc = rte_rdtsc();
}

/*
 * Send-only: keep the port open for drain_ms after the last frame.  Closing
 * it at once can take frames still in a shared ring (memif, xenshm) away
 * before the peer read them, and the peer cannot tell that tail loss.
 */
static void
pkc_linger(const struct pkc_run *run)
{
	uint32_t waited;

	if (!run->has_tx || run->has_rx)
		return;
	for (waited = 0; waited < run->conf.drain_ms; waited += 10) {
		if (pkc_stop_requested() >= 2)
			break;
		rte_delay_us_sleep(10 * 1000);
	}
}

/* Split "EAL args -- app args" and parse the app part before EAL starts. */
static int
pkc_split_args(int argc, char **argv, struct pkc_conf *conf, int *eal_argc)
{
	char **app_argv;
	int i, sep = argc, ret;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			sep = i;
			break;
		}
	}
	*eal_argc = sep;
	app_argv = calloc(argc - sep + 1, sizeof(*app_argv));
	if (app_argv == NULL)
		return -ENOMEM;
	app_argv[0] = argv[0];
	for (i = sep + 1; i < argc; i++)
		app_argv[i - sep] = argv[i];
	ret = pkc_parse_args(conf, argc - sep, app_argv);
	free(app_argv);
	return ret;
}

int
main(int argc, char **argv)
{
	static struct pkc_run run;
	struct pkc_result res;
	struct sigaction sa;
	int eal_argc, ret, status;

	pkc_conf_defaults(&run.conf);
	ret = pkc_split_args(argc, argv, &run.conf, &eal_argc);
	if (ret == 1)
		return PKC_EXIT_PASS;	/* --help */
	if (ret != 0) {
		pkc_usage(argv[0], stderr);
		return PKC_EXIT_USAGE;
	}

	ret = rte_eal_init(eal_argc, argv);
	if (ret < 0) {
		PKC_LOG(ERR, "EAL initialisation failed: %s",
				rte_strerror(rte_errno));
		return PKC_EXIT_USAGE;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = pkc_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (run.conf.selftest) {
		status = pkc_selftest(&run.conf) == 0 ? PKC_EXIT_PASS :
				PKC_EXIT_FAIL;
		rte_eal_cleanup();
		return status;
	}

	if (!run.conf.session_set)
		run.conf.session = (uint32_t)(rte_rand() ^
				((uint64_t)getpid() << 16) ^ rte_rdtsc());

	if (pkc_setup_ports(&run) != 0) {
		rte_eal_cleanup();
		return PKC_EXIT_USAGE;
	}
	if (pkc_start(&run) != 0) {
		PKC_LOG(ERR, "out of memory");
		status = PKC_EXIT_USAGE;
		goto out;
	}

	pkc_run(&run);
	pkc_linger(&run);
	pkc_collect(&run, &res);
	pkc_verdict(&run.conf, &res);
	pkc_report_summary(&res);
	status = res.pass ? PKC_EXIT_PASS : PKC_EXIT_FAIL;
	if (run.conf.json_path != NULL &&
			pkc_report_json(run.conf.json_path, &res,
			run.has_rx ? &run.rx.v : NULL) != 0)
		status = PKC_EXIT_FAIL;
out:
	/* release mbufs still held before the ports go away */
	if (run.has_tx)
		pkc_sender_free(&run.tx);
	if (run.has_rx)
		pkc_receiver_free(&run.rx);
	pkc_close_ports(&run);
	rte_mempool_free(run.mp);
	rte_eal_cleanup();
	return status;
}
