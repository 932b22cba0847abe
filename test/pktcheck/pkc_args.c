/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "pkc.h"
#include "pkc_frame.h"

enum {
	OPT_TX_PORT = 256,
	OPT_RX_PORT,
	OPT_RING_PAIR,
	OPT_SIZE,
	OPT_SIZES,
	OPT_FLOWS,
	OPT_FLOW_BASE,
	OPT_RATE,
	OPT_COUNT,
	OPT_DURATION,
	OPT_TXQ,
	OPT_RXQ,
	OPT_BURST,
	OPT_SRC_MAC,
	OPT_DST_MAC,
	OPT_VLAN,
	OPT_ETHERTYPE,
	OPT_UDP,
	OPT_WINDOW,
	OPT_MAX_FLOWS,
	OPT_LATE_JOIN,
	OPT_NO_PAYLOAD_CHECK,
	OPT_IDLE_TIMEOUT,
	OPT_DRAIN_MS,
	OPT_LINK_WAIT,
	OPT_MBUF_SIZE,
	OPT_MBUFS,
	OPT_REPORT,
	OPT_JSON,
	OPT_MAX_GAP,
	OPT_MIN_RX,
	OPT_MAX_LOST,
	OPT_SESSION,
	OPT_INJECT,
	OPT_SELFTEST,
	OPT_SINGLE_LCORE,
	OPT_HELP,
};

static const struct option pkc_opts[] = {
	{ "tx-port", required_argument, NULL, OPT_TX_PORT },
	{ "rx-port", required_argument, NULL, OPT_RX_PORT },
	{ "ring-pair", no_argument, NULL, OPT_RING_PAIR },
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "sizes", required_argument, NULL, OPT_SIZES },
	{ "flows", required_argument, NULL, OPT_FLOWS },
	{ "flow-base", required_argument, NULL, OPT_FLOW_BASE },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "txq", required_argument, NULL, OPT_TXQ },
	{ "rxq", required_argument, NULL, OPT_RXQ },
	{ "burst", required_argument, NULL, OPT_BURST },
	{ "src-mac", required_argument, NULL, OPT_SRC_MAC },
	{ "dst-mac", required_argument, NULL, OPT_DST_MAC },
	{ "vlan", required_argument, NULL, OPT_VLAN },
	{ "ethertype", required_argument, NULL, OPT_ETHERTYPE },
	{ "udp", no_argument, NULL, OPT_UDP },
	{ "window", required_argument, NULL, OPT_WINDOW },
	{ "max-flows", required_argument, NULL, OPT_MAX_FLOWS },
	{ "late-join", no_argument, NULL, OPT_LATE_JOIN },
	{ "no-payload-check", no_argument, NULL, OPT_NO_PAYLOAD_CHECK },
	{ "idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT },
	{ "drain-ms", required_argument, NULL, OPT_DRAIN_MS },
	{ "link-wait", required_argument, NULL, OPT_LINK_WAIT },
	{ "mbuf-size", required_argument, NULL, OPT_MBUF_SIZE },
	{ "mbufs", required_argument, NULL, OPT_MBUFS },
	{ "report-interval", required_argument, NULL, OPT_REPORT },
	{ "json", required_argument, NULL, OPT_JSON },
	{ "expect-max-gap-ms", required_argument, NULL, OPT_MAX_GAP },
	{ "expect-min-rx", required_argument, NULL, OPT_MIN_RX },
	{ "expect-max-lost", required_argument, NULL, OPT_MAX_LOST },
	{ "session", required_argument, NULL, OPT_SESSION },
	{ "inject", required_argument, NULL, OPT_INJECT },
	{ "selftest", no_argument, NULL, OPT_SELFTEST },
	{ "single-lcore", no_argument, NULL, OPT_SINGLE_LCORE },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

void
pkc_usage(const char *prgname, FILE *out)
{
	fprintf(out,
"usage: %s [EAL args] -- [options]\n"
"ports (at least one of --tx-port, --rx-port, --ring-pair, --selftest):\n"
"  --tx-port N            send on port N\n"
"  --rx-port N            verify frames received on port N\n"
"  --ring-pair            create two crossed net_ring ports in-process and\n"
"                         use them as tx/rx (defaults for unset ports)\n"
"  --txq N / --rxq N      queues to use (1..%u, default 1); flow f uses\n"
"                         tx queue f %% txq\n"
"traffic:\n"
"  --size N               frame length without FCS (%u..%u, default 64)\n"
"  --sizes A,B,...        mixed sizes, rotating per frame (up to %u)\n"
"  --flows N              flows to send round-robin (default 1)\n"
"  --flow-base N          first flow id (disjoint ids for several senders)\n"
"  --rate PPS             token bucket rate, 0 = as fast as possible\n"
"  --count N              seqs to send (rx-only: stop after N frames)\n"
"  --duration SEC         send (rx-only: receive) for SEC seconds\n"
"  --burst N              burst size (1..%u, default 32)\n"
"  --src-mac / --dst-mac  MAC addresses (default: port MAC / broadcast)\n"
"  --vlan ID              add an 802.1Q tag\n"
"  --ethertype HEX        ethertype (default 0x%04x)\n"
"  --udp                  IPv4/UDP to port %u instead of a raw ethertype\n"
"  --session N            sender id (default random)\n"
"  --inject SPEC          faults: drop=N,dup=N,corrupt=N,reorder=N (every\n"
"                         Nth frame), pause=MS@N (stop MS after N frames)\n"
"receiver:\n"
"  --window N             reorder/duplicate window per flow, power of 2\n"
"                         (default 16384)\n"
"  --max-flows N          flows tracked (default 4096)\n"
"  --late-join            count loss from the first seq seen, not 0\n"
"  --no-payload-check     check CRC only, not the payload pattern\n"
"  --idle-timeout MS      stop once traffic was seen and then stopped for MS\n"
"                         (same process: drain time after sending)\n"
"  --drain-ms MS          wait for in-flight frames (default 500): same\n"
"                         process, after sending; send-only, before closing\n"
"  --link-wait MS         wait for link up before starting (default 3000)\n"
"resources:\n"
"  --mbuf-size N          mbuf data room incl. headroom (default %u);\n"
"                         smaller than a frame means multi-segment mbufs\n"
"  --mbufs N              mbufs in the pool (default 16383)\n"
"output and verdict:\n"
"  --report-interval MS   one progress line every MS\n"
"  --json FILE            final counters as JSON\n"
"  --expect-max-gap-ms N  fail if the longest gap between frames exceeds N\n"
"  --expect-min-rx N      fail if fewer than N frames were received\n"
"  --expect-max-lost N    fail if more than N frames were lost\n"
"  --selftest             feed crafted frames to the verifier and check it\n"
"  --single-lcore         never run the receiver on a worker lcore\n"
"exit status: 0 pass, 1 fail (corrupted or duplicated frames or a failed\n"
"--expect-*), 2 usage or setup error\n",
		prgname, PKC_MAX_QUEUES, PKC_FRAME_MIN, PKC_FRAME_MAX,
		PKC_MAX_SIZES, PKC_BURST_MAX, PKC_ETHERTYPE_DEFAULT,
		PKC_UDP_PORT, RTE_MBUF_DEFAULT_BUF_SIZE);
}

void
pkc_conf_defaults(struct pkc_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->tx_port = -1;
	conf->rx_port = -1;
	conf->sizes[0] = 64;
	conf->nb_sizes = 1;
	conf->flows = 1;
	conf->txq = 1;
	conf->rxq = 1;
	conf->burst = 32;
	memset(&conf->dst_mac, 0xff, sizeof(conf->dst_mac));
	conf->vlan = -1;
	conf->ethertype = PKC_ETHERTYPE_DEFAULT;
	conf->window = 16384;
	conf->max_flows = 4096;
	conf->verify_payload = true;
	conf->drain_ms = 500;
	conf->link_wait_ms = 3000;
	conf->mbuf_data_room = RTE_MBUF_DEFAULT_BUF_SIZE;
	conf->nb_mbufs = 16383;
	conf->expect_max_gap_ms = -1;
	conf->expect_min_rx = -1;
	conf->expect_max_lost = -1;
}

/* Whole-string unsigned number in [min, max]; base 0 accepts 0x... */
static int
pkc_parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max,
		uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (s[0] == '-' || s[0] == '\0')
		goto bad;
	v = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	PKC_LOG(ERR, "--%s: '%s' is not a number in [%" PRIu64 ", %" PRIu64
			"]", opt, s, min, max);
	return -EINVAL;
}

static int
pkc_parse_sizes(const char *s, struct pkc_conf *conf)
{
	char buf[256], *tok, *save = NULL;
	uint64_t v;

	if (strlen(s) >= sizeof(buf)) {
		PKC_LOG(ERR, "--sizes: list too long");
		return -EINVAL;
	}
	strcpy(buf, s);
	conf->nb_sizes = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
			tok = strtok_r(NULL, ",", &save)) {
		if (conf->nb_sizes == PKC_MAX_SIZES) {
			PKC_LOG(ERR, "--sizes: at most %u sizes", PKC_MAX_SIZES);
			return -EINVAL;
		}
		if (pkc_parse_u64("sizes", tok, PKC_FRAME_MIN, PKC_FRAME_MAX,
				&v) != 0)
			return -EINVAL;
		conf->sizes[conf->nb_sizes++] = (uint16_t)v;
	}
	if (conf->nb_sizes == 0) {
		PKC_LOG(ERR, "--sizes: empty list");
		return -EINVAL;
	}
	return 0;
}

static int
pkc_parse_inject(const char *s, struct pkc_inject *in)
{
	char buf[256], *tok, *save = NULL, *val, *at;
	uint64_t *dst;

	if (strlen(s) >= sizeof(buf)) {
		PKC_LOG(ERR, "--inject: spec too long");
		return -EINVAL;
	}
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
			tok = strtok_r(NULL, ",", &save)) {
		val = strchr(tok, '=');
		if (val == NULL)
			goto bad;
		*val++ = '\0';
		if (strcmp(tok, "pause") == 0) {
			at = strchr(val, '@');
			if (at == NULL)
				goto bad;
			*at++ = '\0';
			if (pkc_parse_u64("inject pause", val, 1, 3600000,
					&in->pause_ms) != 0 ||
					pkc_parse_u64("inject pause", at, 0,
					UINT64_MAX, &in->pause_after) != 0)
				return -EINVAL;
			continue;
		}
		if (strcmp(tok, "drop") == 0)
			dst = &in->drop_every;
		else if (strcmp(tok, "dup") == 0)
			dst = &in->dup_every;
		else if (strcmp(tok, "corrupt") == 0)
			dst = &in->corrupt_every;
		else if (strcmp(tok, "reorder") == 0)
			dst = &in->reorder_every;
		else
			goto bad;
		if (pkc_parse_u64("inject", val, 1, UINT64_MAX, dst) != 0)
			return -EINVAL;
	}
	return 0;
bad:
	PKC_LOG(ERR, "--inject: expected drop=N,dup=N,corrupt=N,reorder=N,"
			"pause=MS@N, got '%s'", s);
	return -EINVAL;
}

static int
pkc_parse_mac(const char *opt, const char *s, struct rte_ether_addr *mac)
{
	if (rte_ether_unformat_addr(s, mac) != 0) {
		PKC_LOG(ERR, "--%s: '%s' is not a MAC address", opt, s);
		return -EINVAL;
	}
	return 0;
}

/* Cross-option checks once everything is known. */
static int
pkc_conf_check(struct pkc_conf *conf)
{
	struct pkc_encap enc = {
		.vlan = conf->vlan,
		.udp = conf->udp,
	};
	uint16_t min = pkc_frame_min_len(&enc);
	unsigned int i;

	if (!conf->selftest && !conf->ring_pair && conf->tx_port < 0 &&
			conf->rx_port < 0) {
		PKC_LOG(ERR, "need --tx-port, --rx-port, --ring-pair or "
				"--selftest");
		return -EINVAL;
	}
	for (i = 0; i < conf->nb_sizes; i++) {
		if (conf->sizes[i] < min) {
			PKC_LOG(ERR, "size %u too small: this encapsulation "
					"needs at least %u bytes",
					conf->sizes[i], min);
			return -EINVAL;
		}
	}
	if (conf->ring_pair && conf->txq != conf->rxq) {
		/* ring i joins tx queue i to rx queue i */
		PKC_LOG(ERR, "--ring-pair needs --txq equal to --rxq");
		return -EINVAL;
	}
	if ((uint64_t)conf->flow_base + conf->flows > (1ull << 32)) {
		PKC_LOG(ERR, "--flow-base + --flows exceeds 32-bit flow ids");
		return -EINVAL;
	}
	if (conf->mbuf_data_room < RTE_PKTMBUF_HEADROOM + 64) {
		PKC_LOG(ERR, "--mbuf-size must be at least %u",
				RTE_PKTMBUF_HEADROOM + 64);
		return -EINVAL;
	}
	return 0;
}

int
pkc_parse_args(struct pkc_conf *conf, int argc, char **argv)
{
	uint64_t v;
	char *end;
	int opt;

#define NUM(name, min, max) \
	do { \
		if (pkc_parse_u64(name, optarg, min, max, &v) != 0) \
			return -EINVAL; \
	} while (0)

	while ((opt = getopt_long(argc, argv, "", pkc_opts, NULL)) != -1) {
		switch (opt) {
		case OPT_TX_PORT:
			NUM("tx-port", 0, RTE_MAX_ETHPORTS - 1);
			conf->tx_port = (int)v;
			break;
		case OPT_RX_PORT:
			NUM("rx-port", 0, RTE_MAX_ETHPORTS - 1);
			conf->rx_port = (int)v;
			break;
		case OPT_RING_PAIR:
			conf->ring_pair = true;
			break;
		case OPT_SIZE:
			NUM("size", PKC_FRAME_MIN, PKC_FRAME_MAX);
			conf->sizes[0] = (uint16_t)v;
			conf->nb_sizes = 1;
			break;
		case OPT_SIZES:
			if (pkc_parse_sizes(optarg, conf) != 0)
				return -EINVAL;
			break;
		case OPT_FLOWS:
			NUM("flows", 1, 1u << 20);
			conf->flows = (uint32_t)v;
			break;
		case OPT_FLOW_BASE:
			NUM("flow-base", 0, UINT32_MAX);
			conf->flow_base = (uint32_t)v;
			break;
		case OPT_RATE:
			NUM("rate", 0, 1000000000);
			conf->rate_pps = v;
			break;
		case OPT_COUNT:
			NUM("count", 1, UINT64_MAX);
			conf->count = v;
			break;
		case OPT_DURATION:
			errno = 0;
			conf->duration_s = strtod(optarg, &end);
			if (errno != 0 || *end != '\0' ||
					!(conf->duration_s > 0) ||
					conf->duration_s > 1e7) {
				PKC_LOG(ERR, "--duration: '%s' is not a positive"
						" number of seconds", optarg);
				return -EINVAL;
			}
			break;
		case OPT_TXQ:
			NUM("txq", 1, PKC_MAX_QUEUES);
			conf->txq = (uint16_t)v;
			break;
		case OPT_RXQ:
			NUM("rxq", 1, PKC_MAX_QUEUES);
			conf->rxq = (uint16_t)v;
			break;
		case OPT_BURST:
			NUM("burst", 1, PKC_BURST_MAX);
			conf->burst = (uint16_t)v;
			break;
		case OPT_SRC_MAC:
			if (pkc_parse_mac("src-mac", optarg,
					&conf->src_mac) != 0)
				return -EINVAL;
			conf->src_mac_set = true;
			break;
		case OPT_DST_MAC:
			if (pkc_parse_mac("dst-mac", optarg,
					&conf->dst_mac) != 0)
				return -EINVAL;
			break;
		case OPT_VLAN:
			NUM("vlan", 0, 4095);
			conf->vlan = (int)v;
			break;
		case OPT_ETHERTYPE:
			/* below 0x600 it would be an 802.3 length field */
			NUM("ethertype", 0x600, 0xffff);
			if (v == RTE_ETHER_TYPE_VLAN ||
					v == RTE_ETHER_TYPE_QINQ ||
					v == RTE_ETHER_TYPE_IPV4) {
				PKC_LOG(ERR, "--ethertype: 0x%04" PRIx64
						" is reserved here (use --vlan"
						" or --udp)", v);
				return -EINVAL;
			}
			conf->ethertype = (uint16_t)v;
			break;
		case OPT_UDP:
			conf->udp = true;
			break;
		case OPT_WINDOW:
			NUM("window", 64, 1u << 24);
			if (!rte_is_power_of_2((uint32_t)v)) {
				PKC_LOG(ERR, "--window must be a power of 2");
				return -EINVAL;
			}
			conf->window = (uint32_t)v;
			break;
		case OPT_MAX_FLOWS:
			NUM("max-flows", 1, 1u << 20);
			conf->max_flows = (uint32_t)v;
			break;
		case OPT_LATE_JOIN:
			conf->late_join = true;
			break;
		case OPT_NO_PAYLOAD_CHECK:
			conf->verify_payload = false;
			break;
		case OPT_IDLE_TIMEOUT:
			NUM("idle-timeout", 1, 86400000);
			conf->idle_timeout_ms = (uint32_t)v;
			break;
		case OPT_DRAIN_MS:
			NUM("drain-ms", 0, 86400000);
			conf->drain_ms = (uint32_t)v;
			break;
		case OPT_LINK_WAIT:
			NUM("link-wait", 0, 86400000);
			conf->link_wait_ms = (uint32_t)v;
			break;
		case OPT_MBUF_SIZE:
			NUM("mbuf-size", 0, UINT16_MAX);
			conf->mbuf_data_room = (uint32_t)v;
			break;
		case OPT_MBUFS:
			NUM("mbufs", 1024, 1u << 24);
			conf->nb_mbufs = (uint32_t)v;
			break;
		case OPT_REPORT:
			NUM("report-interval", 1, 86400000);
			conf->report_ms = (uint32_t)v;
			break;
		case OPT_JSON:
			conf->json_path = optarg;
			break;
		case OPT_MAX_GAP:
			NUM("expect-max-gap-ms", 0, INT64_MAX);
			conf->expect_max_gap_ms = (int64_t)v;
			break;
		case OPT_MIN_RX:
			NUM("expect-min-rx", 0, INT64_MAX);
			conf->expect_min_rx = (int64_t)v;
			break;
		case OPT_MAX_LOST:
			NUM("expect-max-lost", 0, INT64_MAX);
			conf->expect_max_lost = (int64_t)v;
			break;
		case OPT_SESSION:
			NUM("session", 0, UINT32_MAX);
			conf->session = (uint32_t)v;
			conf->session_set = true;
			break;
		case OPT_INJECT:
			if (pkc_parse_inject(optarg, &conf->inject) != 0)
				return -EINVAL;
			break;
		case OPT_SELFTEST:
			conf->selftest = true;
			break;
		case OPT_SINGLE_LCORE:
			conf->single_lcore = true;
			break;
		case OPT_HELP:
			pkc_usage(argv[0], stdout);
			return 1;
		default:
			return -EINVAL;
		}
	}
#undef NUM
	if (optind != argc) {
		PKC_LOG(ERR, "unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	return pkc_conf_check(conf);
}
