/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/* Mempool and ethdev setup, plus an in-process crossed pair of ring ports. */

#ifndef PKC_PORT_H
#define PKC_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mempool.h>

#include "pkc.h"

struct rte_mempool *pkc_mempool_create(const struct pkc_conf *conf);

/*
 * Configure and start a port.  use_rx/use_tx say which directions this run
 * drives; the unused one gets one queue if the PMD has any, because some
 * PMDs refuse zero.
 */
int pkc_port_setup(uint16_t port, bool use_rx, bool use_tx,
		const struct pkc_conf *conf, struct rte_mempool *mp,
		uint16_t max_frame);

/* Wait up to ms for link up; returns true if the link is up. */
bool pkc_port_wait_link(uint16_t port, uint32_t ms);

void pkc_port_close(uint16_t port);

/*
 * Two net_ring ports whose tx feeds the other's rx, nb_q queues each.
 * Returns -ENOTSUP when built without librte_net_ring.
 */
int pkc_ring_pair(uint16_t nb_q, uint16_t *port_a, uint16_t *port_b);

#endif /* PKC_PORT_H */
