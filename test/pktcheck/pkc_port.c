/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#ifdef PKC_HAVE_NET_RING
#include <rte_eth_ring.h>
#endif

#include "pkc_port.h"

#define PKC_NB_DESC	1024
#define PKC_POOL_CACHE	256

struct rte_mempool *
pkc_mempool_create(const struct pkc_conf *conf)
{
	struct rte_mempool *mp;

	mp = rte_pktmbuf_pool_create("pkc_pool", conf->nb_mbufs,
			PKC_POOL_CACHE, 0, conf->mbuf_data_room, SOCKET_ID_ANY);
	if (mp == NULL)
		PKC_LOG(ERR, "cannot create mbuf pool (%u x %u bytes): %s",
				conf->nb_mbufs, conf->mbuf_data_room,
				rte_strerror(rte_errno));
	return mp;
}

/*
 * Largest MTU ethdev will accept, mirroring its own check: max_mtu when
 * the PMD sets one, else max_rx_pktlen minus Ethernet header and CRC.
 */
static uint32_t
pkc_port_max_mtu(const struct rte_eth_dev_info *info)
{
	uint32_t from_len = 0;

	if (info->max_rx_pktlen > RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN)
		from_len = info->max_rx_pktlen - RTE_ETHER_HDR_LEN -
				RTE_ETHER_CRC_LEN;
	return RTE_MIN((uint32_t)info->max_mtu, from_len);
}

int
pkc_port_setup(uint16_t port, bool use_rx, bool use_tx,
		const struct pkc_conf *conf, struct rte_mempool *mp,
		uint16_t max_frame)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf pc;
	uint16_t nb_rxq, nb_txq, nb_rxd = PKC_NB_DESC, nb_txd = PKC_NB_DESC;
	uint32_t seg_room, mtu, mtu_max;
	int socket, ret;
	uint16_t q;

	if (!rte_eth_dev_is_valid_port(port)) {
		PKC_LOG(ERR, "port %u does not exist (%u ports available)",
				port, rte_eth_dev_count_avail());
		return -ENODEV;
	}
	ret = rte_eth_dev_info_get(port, &info);
	if (ret != 0) {
		PKC_LOG(ERR, "port %u: cannot get device info: %s", port,
				strerror(-ret));
		return ret;
	}

	nb_rxq = use_rx ? conf->rxq : RTE_MIN(info.max_rx_queues, 1);
	nb_txq = use_tx ? conf->txq : RTE_MIN(info.max_tx_queues, 1);
	if (nb_rxq > info.max_rx_queues || nb_txq > info.max_tx_queues) {
		PKC_LOG(ERR, "port %u (%s) supports %u rx / %u tx queues, "
				"%u / %u requested", port, info.driver_name,
				info.max_rx_queues, info.max_tx_queues,
				nb_rxq, nb_txq);
		return -EINVAL;
	}

	memset(&pc, 0, sizeof(pc));
	if (max_frame > RTE_ETHER_MAX_LEN) {
		mtu = max_frame - RTE_ETHER_HDR_LEN;
		mtu_max = pkc_port_max_mtu(&info);
		if (mtu > mtu_max) {
			/* some PMDs (memif) still pass chained frames */
			PKC_LOG(WARNING, "port %u (%s): MTU %u above the "
					"device maximum %u, using that; larger "
					"frames may be dropped", port,
					info.driver_name, mtu, mtu_max);
			mtu = mtu_max;
		}
		if (mtu > RTE_ETHER_MTU)
			pc.rxmode.mtu = mtu;
	}
	seg_room = rte_pktmbuf_data_room_size(mp) - RTE_PKTMBUF_HEADROOM;
	if (max_frame > seg_room) {
		/* frames span several mbufs in both directions */
		if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER)
			pc.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
		else if (use_rx)
			PKC_LOG(WARNING, "port %u: no rx scatter, frames above "
					"%u bytes may be dropped", port,
					seg_room);
		if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
			pc.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
		else if (use_tx)
			PKC_LOG(WARNING, "port %u: no multi-segment tx offload "
					"advertised, sending chains anyway",
					port);
	}

	ret = rte_eth_dev_configure(port, nb_rxq, nb_txq, &pc);
	if (ret != 0) {
		PKC_LOG(ERR, "port %u: configure (%u rxq, %u txq, mtu %u): %s",
				port, nb_rxq, nb_txq, pc.rxmode.mtu,
				strerror(-ret));
		return ret;
	}
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rxd, &nb_txd);
	if (ret != 0) {
		PKC_LOG(ERR, "port %u: descriptor counts: %s", port,
				strerror(-ret));
		return ret;
	}
	socket = rte_eth_dev_socket_id(port);
	for (q = 0; q < nb_rxq; q++) {
		ret = rte_eth_rx_queue_setup(port, q, nb_rxd, socket, NULL, mp);
		if (ret != 0) {
			PKC_LOG(ERR, "port %u: rx queue %u setup: %s", port, q,
					strerror(-ret));
			return ret;
		}
	}
	for (q = 0; q < nb_txq; q++) {
		ret = rte_eth_tx_queue_setup(port, q, nb_txd, socket, NULL);
		if (ret != 0) {
			PKC_LOG(ERR, "port %u: tx queue %u setup: %s", port, q,
					strerror(-ret));
			return ret;
		}
	}
	ret = rte_eth_dev_start(port);
	if (ret != 0) {
		PKC_LOG(ERR, "port %u: start: %s", port, strerror(-ret));
		return ret;
	}
	/* frames addressed to other MACs must still reach the checker */
	if (use_rx) {
		ret = rte_eth_promiscuous_enable(port);
		if (ret != 0 && ret != -ENOTSUP)
			PKC_LOG(WARNING, "port %u: promiscuous mode: %s", port,
					strerror(-ret));
	}
	return 0;
}

bool
pkc_port_wait_link(uint16_t port, uint32_t ms)
{
	struct rte_eth_link link;
	uint32_t waited = 0;

	for (;;) {
		memset(&link, 0, sizeof(link));
		if (rte_eth_link_get_nowait(port, &link) == 0 &&
				link.link_status == RTE_ETH_LINK_UP)
			return true;
		if (waited >= ms || pkc_stop_requested())
			return false;
		rte_delay_us_sleep(10 * 1000);
		waited += 10;
	}
}

void
pkc_port_close(uint16_t port)
{
	int ret;

	ret = rte_eth_dev_stop(port);
	if (ret != 0)
		PKC_LOG(WARNING, "port %u: stop: %s", port, strerror(-ret));
	/* closing flushes PMDs that buffer output (net_pcap tx files) */
	rte_eth_dev_close(port);
}

#ifdef PKC_HAVE_NET_RING
int
pkc_ring_pair(uint16_t nb_q, uint16_t *port_a, uint16_t *port_b)
{
	struct rte_ring *ab[PKC_MAX_QUEUES], *ba[PKC_MAX_QUEUES];
	char name[RTE_RING_NAMESIZE];
	int a, b;
	uint16_t i;

	for (i = 0; i < nb_q; i++) {
		/* one producer lcore and one consumer lcore per ring */
		snprintf(name, sizeof(name), "pkc_ab%u", i);
		ab[i] = rte_ring_create(name, PKC_NB_DESC, SOCKET_ID_ANY,
				RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "pkc_ba%u", i);
		ba[i] = rte_ring_create(name, PKC_NB_DESC, SOCKET_ID_ANY,
				RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (ab[i] == NULL || ba[i] == NULL) {
			PKC_LOG(ERR, "ring pair: cannot create rings: %s",
					rte_strerror(rte_errno));
			return -ENOMEM;
		}
	}
	a = rte_eth_from_rings("pkc_a", ba, nb_q, ab, nb_q, SOCKET_ID_ANY);
	b = rte_eth_from_rings("pkc_b", ab, nb_q, ba, nb_q, SOCKET_ID_ANY);
	if (a < 0 || b < 0) {
		PKC_LOG(ERR, "ring pair: cannot create ports: %s",
				rte_strerror(rte_errno));
		return -ENODEV;
	}
	*port_a = (uint16_t)a;
	*port_b = (uint16_t)b;
	return 0;
}
#else
int
pkc_ring_pair(uint16_t nb_q, uint16_t *port_a, uint16_t *port_b)
{
	RTE_SET_USED(nb_q);
	RTE_SET_USED(port_a);
	RTE_SET_USED(port_b);
	PKC_LOG(ERR, "--ring-pair needs librte_net_ring at build time");
	return -ENOTSUP;
}
#endif
