/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Secondary processes (dpdk-proc-info, dpdk-dumpcap, dpdk-pdump) on a
 * port of a running primary.  A secondary sees the port's shared ethdev
 * data (stats, xstats, link, info: everything lives in DPDK's shared
 * memory) but not the region: the region is mapped in the primary only,
 * at an address the secondary does not have, and the endpoint (sockets,
 * grants) is the primary's.  So a secondary gets read-only ops and no
 * data path: its rx/tx bursts return 0.  Packet capture needs no data
 * path here: dumpcap asks the primary's pdump server, whose rx/tx
 * callbacks run in the primary's bursts.
 */

#include <rte_bus_vdev.h>
#include <bus_vdev_driver.h>

#include "xenshm_common.h"

static int
secondary_close(struct rte_eth_dev *dev)
{
	RTE_SET_USED(dev);
	return 0;	/* the port and its region are the primary's */
}

/* Nothing here touches the region, the endpoint or the control alarm. */
static const struct eth_dev_ops secondary_ops = {
	.dev_infos_get = xenshm_dev_infos_get,
	.link_update = xenshm_link_update,
	.promiscuous_enable = xenshm_accept,
	.promiscuous_disable = xenshm_accept,
	.allmulticast_enable = xenshm_accept,
	.allmulticast_disable = xenshm_accept,
	.stats_get = xenshm_stats_get,
	.stats_reset = xenshm_stats_reset,
	.xstats_get = xenshm_xstats_get,
	.xstats_get_names = xenshm_xstats_get_names,
	.xstats_reset = xenshm_xstats_reset,
	.dev_close = secondary_close,
};

int
xenshm_probe_secondary(struct rte_vdev_device *vdev, int logtype)
{
	const char *name = rte_vdev_device_name(vdev);
	struct rte_eth_dev *dev;

	dev = rte_eth_dev_attach_secondary(name);
	if (dev == NULL) {
		rte_log(RTE_LOG_ERR, logtype, "%s: no such port in the "
			"primary process\n", name);
		return -ENODEV;
	}
	dev->dev_ops = &secondary_ops;
	dev->device = &vdev->device;
	dev->rx_pkt_burst = rte_eth_pkt_burst_dummy;
	dev->tx_pkt_burst = rte_eth_pkt_burst_dummy;
	rte_eth_dev_probing_finish(dev);
	rte_log(RTE_LOG_INFO, logtype, "%s: port %u attached in a secondary "
		"process (stats, xstats and info; no rx/tx)\n", name,
		dev->data->port_id);
	return 0;
}

/* Forget the port in this process only; the primary keeps it running. */
int
xenshm_remove_secondary(struct rte_vdev_device *vdev)
{
	struct rte_eth_dev *dev;

	dev = rte_eth_dev_allocated(rte_vdev_device_name(vdev));
	if (dev == NULL)
		return 0;
	return rte_eth_dev_release_port(dev);
}
