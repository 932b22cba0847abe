#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# Both PMDs in one process, the DomS one registered first (as EAL may do
# when it loads both from DPDK's plugin directory in readdir() order):
# net_xenshm_guest0 must still be probed by net_xenshm_guest, whose name
# the vdev bus would otherwise match by the prefix "net_xenshm", and
# net_xenshm0 by net_xenshm.

. "${XENSHM_TEST_LIB:-$(dirname "$0")/../lib}/xenshm-test.sh"
xt_init install-driver-order

driver_of() {
	xt_run P "show port info $1"
	sed -n 's/^Driver name: *//p' "$XT_DIR/P.out" | tr -d '\r' | tail -1
}

for order in "$DOMS_SO $GUEST_SO" "$GUEST_SO $DOMS_SO"; do
	set -- $order
	xt_testpmd P 0 1 "-d $1 -d $2 --vdev net_xenshm_guest0,path=$XT_DIR/g.sock \
		--vdev net_xenshm0,path=$XT_DIR/other.sock" "--nb-cores=1 --total-num-mbufs=8192"
	xt_sync P 60
	g=$(driver_of 0)
	d=$(driver_of 1)
	xt_log "-d $(basename "$1") -d $(basename "$2"): port 0 $g, port 1 $d"
	[ "$g" = net_xenshm_guest ] || xt_fail "net_xenshm_guest0 probed by '$g'"
	[ "$d" = net_xenshm ] || xt_fail "net_xenshm0 probed by '$d'"
	xt_quit P
done
echo PASS
