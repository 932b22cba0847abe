/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * The driver-facing DPDK API differences between the releases the PMDs
 * build against (22.11 in Debian 12, 24.11 in Debian 13, 25.11), in one
 * place.  The rest of the code is written against the newest form.
 */

#ifndef XENSHM_COMPAT_H
#define XENSHM_COMPAT_H

#include <rte_version.h>
#include <ethdev_driver.h>

/*
 * stats_get: from 25.11 ethdev hands the per-queue counters to the driver
 * in a struct of their own (struct eth_queue_stats, possibly NULL);
 * before, they are the q_* arrays of struct rte_eth_stats itself.  The
 * field names are the same, so one filler serves both.  (Written from
 * 25.11's eth_stats_get_t; no 25.11 driver SDK was at hand to compile it.)
 */
#if RTE_VERSION >= RTE_VERSION_NUM(25, 11, 0, 0)
#define XENSHM_HAVE_QUEUE_STATS_ARG 1
typedef struct eth_queue_stats xenshm_qstats_t;
#else
typedef struct rte_eth_stats xenshm_qstats_t;
#endif

#endif /* XENSHM_COMPAT_H */
