/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Receiver: polls every rx queue of one port, hands each frame to the
 * verifier and tracks timing: first and last frame of ours and the longest
 * gap between two of ours (an outage, e.g. while a switch restarts).
 */

#ifndef PKC_RX_H
#define PKC_RX_H

#include <stdbool.h>
#include <stdint.h>

#include "pkc.h"
#include "pkc_verify.h"

struct pkc_receiver {
	const struct pkc_conf *conf;
	struct pkc_verifier v;
	uint16_t port;
	uint16_t nb_q;
	bool seen;		/* got at least one frame of ours */
	uint64_t first_tsc;
	uint64_t last_tsc;
	uint64_t max_gap_tsc;
	struct pkc_live *live;
};

int pkc_receiver_init(struct pkc_receiver *r, const struct pkc_conf *conf,
		uint16_t port, struct pkc_live *live);

/* One pass over all queues; returns frames of ours (valid or corrupted). */
uint32_t pkc_receiver_poll(struct pkc_receiver *r, uint64_t now);

void pkc_receiver_free(struct pkc_receiver *r);

#endif /* PKC_RX_H */
