#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# The attack tool's own checks (no DPDK, no root): the document's layout
# example, the error table (the document's numbers against
# lib/shmring/include/shmring_err.h when given), unique attack names, a menu.
set -euo pipefail
XA=${1:?xenshm-attack}
"$XA" selftest
"$XA" -e "$(dirname "$0")/../../lib/shmring/include/shmring_err.h" selftest
n=$("$XA" list | wc -l)
echo "menu: $n attacks"
[ "$n" -ge 100 ]
