/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * shmring_endpoint.c picks a transport's ops by kind; the handshake and
 * region targets use only its pure helpers (limits, header verification)
 * and never open an endpoint.  An empty host transport keeps them from
 * linking the socket code, which has nothing to fuzz here.
 */

#include "shmring_transport.h"

const struct shmring_transport_ops shmring_transport_host_ops;
