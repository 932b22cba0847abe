/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * xs-frames: crafted frames for the doms-switch tests.  On one DPDK port
 * (a net_xenshm_guest port in a guest, or anything else) it sends frames
 * described on the command line (any source and destination MAC, an
 * optional 802.1Q tag), receives at the same time, and prints one JSON
 * line: frames sent and received per tag, the vlan each tag arrived with,
 * and frames that were not ours.  It judges nothing: the test scripts do.
 *
 *   xs-frames [EAL args] -- --send tag=bc,src=02:..:0a,dst=ff:ff:ff:ff:ff:ff
 *             --send tag=spoof,src=02:..:99,dst=02:..:0b,count=50
 *             --pps 20000 --recv 1000
 *
 * Payload: ethertype 0x88b6, "XSFR", the tag (16 bytes), a sequence no.
 */

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#define XF_MAX_SPECS	32
#define XF_TAG_LEN	16
#define XF_ETHERTYPE	0x88b6
#define XF_MAGIC	"XSFR"
#define XF_MAX_LEN	9000
#define XF_BURST	32

struct xf_spec {
	char tag[XF_TAG_LEN];
	struct rte_ether_addr src, dst;
	uint32_t count;
	uint32_t len;
	int vlan;		/* -1: untagged */
	uint16_t type;
	char when[256];		/* wait for this file before sending */
	uint64_t sent;
	uint64_t rcvd;
	int rx_vlan;		/* outer vlan of the last one received, -1 */
};

struct xf_conf {
	uint16_t port;
	uint32_t link_wait_ms;
	uint64_t pps;
	uint32_t send_delay_ms;
	uint32_t recv_ms;
	bool stall;
	uint32_t mbufs;
	const char *done;	/* touch DONE.<tag> after each spec */
	const char *until;	/* stop receiving once this file exists */
	int n_specs;
	struct xf_spec specs[XF_MAX_SPECS];
	/* received tags that match no spec of ours (sent by others) */
	int n_foreign;
	struct xf_spec foreign[XF_MAX_SPECS];
	uint64_t rx_other, rx_total, tx_unsent;
};

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int
parse_mac(const char *s, struct rte_ether_addr *a)
{
	return rte_ether_unformat_addr(s, a);
}

static int
parse_spec(char *arg, struct xf_spec *sp)
{
	char *tok, *save = NULL;

	memset(sp, 0, sizeof(*sp));
	sp->count = 1;
	sp->len = 64;
	sp->vlan = -1;
	sp->rx_vlan = -1;
	sp->type = XF_ETHERTYPE;
	memset(&sp->dst, 0xff, sizeof(sp->dst));
	sp->src.addr_bytes[0] = 0x02;
	for (tok = strtok_r(arg, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		char *v;

		if (eq == NULL)
			return -1;
		*eq = '\0';
		v = eq + 1;
		if (!strcmp(tok, "tag")) {
			if (strlen(v) == 0 || strlen(v) >= XF_TAG_LEN)
				return -1;
			snprintf(sp->tag, sizeof(sp->tag), "%s", v);
		} else if (!strcmp(tok, "src")) {
			if (parse_mac(v, &sp->src) != 0)
				return -1;
		} else if (!strcmp(tok, "dst")) {
			if (parse_mac(v, &sp->dst) != 0)
				return -1;
		} else if (!strcmp(tok, "count")) {
			sp->count = (uint32_t)strtoul(v, NULL, 0);
		} else if (!strcmp(tok, "len")) {
			sp->len = (uint32_t)strtoul(v, NULL, 0);
			if (sp->len < 60 || sp->len > XF_MAX_LEN)
				return -1;
		} else if (!strcmp(tok, "vlan")) {
			sp->vlan = atoi(v);
			if (sp->vlan < 0 || sp->vlan > 4095)
				return -1;
		} else if (!strcmp(tok, "when")) {
			snprintf(sp->when, sizeof(sp->when), "%s", v);
		} else if (!strcmp(tok, "type")) {
			sp->type = (uint16_t)strtoul(v, NULL, 16);
		} else {
			return -1;
		}
	}
	return sp->tag[0] != '\0' ? 0 : -1;
}

static void
usage(const char *prg)
{
	fprintf(stderr,
		"usage: %s [EAL args] -- [--port N] [--send SPEC]...\n"
		"       [--pps N] [--send-delay MS] [--recv MS] [--stall]\n"
		"       [--link-wait MS]\n"
		"       [--done PREFIX] [--until FILE]\n"
		"SPEC: tag=NAME,src=MAC,dst=MAC[,count=N][,len=N][,vlan=N]"
		"[,type=HEX][,when=FILE]\n"
		"  when=FILE: send this spec once FILE exists\n"
		"  --done PREFIX: create PREFIX.<tag> when a spec is sent\n"
		"  --recv MS: receive MS after sending (with --until: at most\n"
		"  MS, ending early once FILE exists)\n", prg);
}

static int
parse_args(int argc, char **argv, struct xf_conf *c)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "send", required_argument, NULL, 's' },
		{ "pps", required_argument, NULL, 'r' },
		{ "send-delay", required_argument, NULL, 'd' },
		{ "recv", required_argument, NULL, 'R' },
		{ "stall", no_argument, NULL, 'S' },
		{ "link-wait", required_argument, NULL, 'l' },
		{ "mbufs", required_argument, NULL, 'm' },
		{ "done", required_argument, NULL, 'D' },
		{ "until", required_argument, NULL, 'U' },
		{ NULL, 0, NULL, 0 },
	};
	int o;

	c->link_wait_ms = 5000;
	c->pps = 10000;
	c->mbufs = 8191;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'p':
			c->port = (uint16_t)atoi(optarg);
			break;
		case 's':
			if (c->n_specs == XF_MAX_SPECS ||
			    parse_spec(optarg, &c->specs[c->n_specs]) != 0) {
				fprintf(stderr, "xs-frames: bad --send\n");
				return -1;
			}
			c->n_specs++;
			break;
		case 'r':
			c->pps = strtoull(optarg, NULL, 0);
			break;
		case 'd':
			c->send_delay_ms = (uint32_t)atoi(optarg);
			break;
		case 'R':
			c->recv_ms = (uint32_t)atoi(optarg);
			break;
		case 'S':
			c->stall = true;
			break;
		case 'l':
			c->link_wait_ms = (uint32_t)atoi(optarg);
			break;
		case 'm':
			c->mbufs = (uint32_t)atoi(optarg);
			break;
		case 'D':
			c->done = optarg;
			break;
		case 'U':
			c->until = optarg;
			break;
		default:
			usage(argv[0]);
			return -1;
		}
	}
	return 0;
}

static struct rte_mbuf *
build(struct rte_mempool *mp, struct xf_spec *sp, uint32_t seq)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	struct rte_ether_hdr *eh;
	uint8_t *p;
	uint32_t off;

	if (m == NULL)
		return NULL;
	p = (uint8_t *)rte_pktmbuf_append(m, sp->len);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(p, 0, sp->len);
	eh = (struct rte_ether_hdr *)p;
	eh->dst_addr = sp->dst;
	eh->src_addr = sp->src;
	off = sizeof(*eh);
	if (sp->vlan >= 0) {
		struct rte_vlan_hdr *vh = (struct rte_vlan_hdr *)(p + off);

		eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
		vh->vlan_tci = rte_cpu_to_be_16((uint16_t)sp->vlan);
		vh->eth_proto = rte_cpu_to_be_16(sp->type);
		off += sizeof(*vh);
	} else {
		eh->ether_type = rte_cpu_to_be_16(sp->type);
	}
	memcpy(p + off, XF_MAGIC, 4);
	memcpy(p + off + 4, sp->tag, XF_TAG_LEN);
	memcpy(p + off + 4 + XF_TAG_LEN, &seq, sizeof(seq));
	return m;
}

static struct xf_spec *
find_tag(struct xf_conf *c, const char *tag)
{
	int i;

	for (i = 0; i < c->n_specs; i++)
		if (!strncmp(c->specs[i].tag, tag, XF_TAG_LEN))
			return &c->specs[i];
	for (i = 0; i < c->n_foreign; i++)
		if (!strncmp(c->foreign[i].tag, tag, XF_TAG_LEN))
			return &c->foreign[i];
	if (c->n_foreign == XF_MAX_SPECS)
		return NULL;
	memset(&c->foreign[c->n_foreign], 0, sizeof(c->foreign[0]));
	memcpy(c->foreign[c->n_foreign].tag, tag, XF_TAG_LEN - 1);
	c->foreign[c->n_foreign].rx_vlan = -1;
	return &c->foreign[c->n_foreign++];
}

static void
classify(struct xf_conf *c, struct rte_mbuf *m)
{
	char buf[sizeof(struct rte_ether_hdr) + 8 + 4 + XF_TAG_LEN];
	const uint8_t *p;
	uint32_t off = 12;
	uint16_t type;
	int vlan = -1, depth;
	struct xf_spec *sp;
	char tag[XF_TAG_LEN];

	c->rx_total++;
	p = rte_pktmbuf_read(m, 0, sizeof(buf), buf);
	if (p == NULL) {
		c->rx_other++;
		return;
	}
	type = (uint16_t)(p[off] << 8 | p[off + 1]);
	for (depth = 0; depth < 2 && (type == RTE_ETHER_TYPE_VLAN ||
				      type == RTE_ETHER_TYPE_QINQ); depth++) {
		if (vlan < 0)
			vlan = (p[off + 2] << 8 | p[off + 3]) & 0xfff;
		off += 4;
		type = (uint16_t)(p[off] << 8 | p[off + 1]);
	}
	off += 2;
	if (type != XF_ETHERTYPE || memcmp(p + off, XF_MAGIC, 4) != 0) {
		c->rx_other++;
		return;
	}
	memcpy(tag, p + off + 4, XF_TAG_LEN);
	tag[XF_TAG_LEN - 1] = '\0';
	sp = find_tag(c, tag);
	if (sp == NULL) {
		c->rx_other++;
		return;
	}
	sp->rcvd++;
	sp->rx_vlan = vlan;
}

static void
poll_rx(struct xf_conf *c)
{
	struct rte_mbuf *pkts[XF_BURST];
	uint16_t n, i;

	if (c->stall)
		return;
	n = rte_eth_rx_burst(c->port, 0, pkts, XF_BURST);
	for (i = 0; i < n; i++) {
		classify(c, pkts[i]);
		rte_pktmbuf_free(pkts[i]);
	}
}

static bool
file_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static void
touch(const char *prefix, const char *tag)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s.%s", prefix, tag);
	f = fopen(path, "w");
	if (f != NULL)
		fclose(f);
}

static void
print_json(const struct xf_conf *c, bool link)
{
	int i;

	printf("{\"link\": %d, \"tx\": {", link);
	for (i = 0; i < c->n_specs; i++)
		printf("%s\"%s\": %lu", i ? ", " : "", c->specs[i].tag,
		       (unsigned long)c->specs[i].sent);
	printf("}, \"rx\": {");
	for (i = 0; i < c->n_specs + c->n_foreign; i++) {
		const struct xf_spec *sp = i < c->n_specs ? &c->specs[i] :
					   &c->foreign[i - c->n_specs];

		printf("%s\"%s\": %lu", i ? ", " : "", sp->tag,
		       (unsigned long)sp->rcvd);
	}
	printf("}, \"rx_vlan\": {");
	for (i = 0; i < c->n_specs + c->n_foreign; i++) {
		const struct xf_spec *sp = i < c->n_specs ? &c->specs[i] :
					   &c->foreign[i - c->n_specs];

		printf("%s\"%s\": %d", i ? ", " : "", sp->tag, sp->rx_vlan);
	}
	printf("}, \"rx_other\": %lu, \"rx_total\": %lu, \"tx_unsent\": %lu}\n",
	       (unsigned long)c->rx_other, (unsigned long)c->rx_total,
	       (unsigned long)c->tx_unsent);
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	static struct xf_conf c;
	struct rte_eth_conf pconf;
	struct rte_mempool *mp;
	struct rte_eth_link link;
	uint64_t hz, t, deadline, gap, next_tx;
	bool up = false;
	int ret, i;
	uint32_t seq = 0;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "xs-frames: EAL init failed\n");
		return 2;
	}
	if (parse_args(argc - ret, argv + ret, &c) != 0)
		return 2;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (!rte_eth_dev_is_valid_port(c.port)) {
		fprintf(stderr, "xs-frames: no port %u\n", c.port);
		return 2;
	}
	mp = rte_pktmbuf_pool_create("xf_mbufs", c.mbufs, 256, 0,
				     RTE_MBUF_DEFAULT_BUF_SIZE,
				     (int)rte_socket_id());
	memset(&pconf, 0, sizeof(pconf));
	if (mp == NULL ||
	    rte_eth_dev_configure(c.port, 1, 1, &pconf) != 0 ||
	    rte_eth_rx_queue_setup(c.port, 0, 1024, rte_socket_id(), NULL,
				   mp) != 0 ||
	    rte_eth_tx_queue_setup(c.port, 0, 1024, rte_socket_id(),
				   NULL) != 0 ||
	    rte_eth_dev_start(c.port) != 0) {
		fprintf(stderr, "xs-frames: port %u setup failed\n", c.port);
		return 2;
	}
	rte_eth_promiscuous_enable(c.port);

	hz = rte_get_timer_hz();
	deadline = rte_get_timer_cycles() + hz / 1000 * c.link_wait_ms;
	while (!stop && rte_get_timer_cycles() < deadline) {
		memset(&link, 0, sizeof(link));
		if (rte_eth_link_get_nowait(c.port, &link) == 0 &&
		    link.link_status) {
			up = true;
			break;
		}
		poll_rx(&c);
		rte_delay_us_sleep(1000);
	}
	if (!up)
		fprintf(stderr, "xs-frames: link of port %u not up after %u "
			"ms\n", c.port, c.link_wait_ms);

	deadline = rte_get_timer_cycles() + hz / 1000 * c.send_delay_ms;
	while (!stop && rte_get_timer_cycles() < deadline)
		poll_rx(&c);

	/* send every spec in turn, paced; keep receiving meanwhile */
	gap = c.pps ? hz / c.pps : 0;
	for (i = 0; i < c.n_specs && !stop; i++) {
		struct xf_spec *sp = &c.specs[i];
		uint32_t tried = 0;

		while (sp->when[0] != '\0' && !stop && !file_exists(sp->when)) {
			poll_rx(&c);
			rte_delay_us_sleep(200);
		}
		next_tx = rte_get_timer_cycles();
		while (tried < sp->count && !stop) {
			struct rte_mbuf *m;

			t = rte_get_timer_cycles();
			if (t < next_tx) {
				poll_rx(&c);
				continue;
			}
			next_tx += gap;
			if (next_tx + hz / 100 < t)
				next_tx = t;	/* no catch-up bursts */
			tried++;
			m = build(mp, sp, seq++);
			if (m == NULL || rte_eth_tx_burst(c.port, 0, &m,
							  1) != 1) {
				rte_pktmbuf_free(m);
				c.tx_unsent++;
				continue;
			}
			sp->sent++;
		}
		if (c.done != NULL)
			touch(c.done, sp->tag);
	}
	deadline = rte_get_timer_cycles() + hz / 1000 * c.recv_ms;
	while (!stop && rte_get_timer_cycles() < deadline) {
		if (c.until != NULL && file_exists(c.until))
			break;
		poll_rx(&c);
		if (c.stall)
			rte_delay_us_sleep(1000);
	}
	print_json(&c, up);
	rte_eth_dev_stop(c.port);
	rte_eth_dev_close(c.port);
	rte_eal_cleanup();
	return 0;
}
