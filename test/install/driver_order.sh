#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# Both PMDs in one process, the DomS one registered first (as EAL may do
# when it loads both from DPDK's plugin directory in readdir() order):
# net_xenshm_guest0 must still be probed by net_xenshm_guest, whose name
# the vdev bus would otherwise match by the prefix "net_xenshm", and
# net_xenshm0 by net_xenshm.  The guest's socket is in directories that do
# not exist yet: the PMD must create them (0755), as README's
# path=/run/xenshm/vm1.sock needs on a fresh machine.

. "${XENSHM_TEST_LIB:-$(dirname "$0")/../lib}/xenshm-test.sh"
xt_init install-driver-order

# driver_of DEVICE: the driver of the port named DEVICE ("" if no port)
driver_of() {
	xt_run P "show port summary all"
	tr -d '\r' <"$XT_DIR/P.out" | awk -v dev="$1" '$3 == dev { print $4 }'
}

n=0
for order in "$DOMS_SO $GUEST_SO" "$GUEST_SO $DOMS_SO"; do
	set -- $order
	n=$((n + 1))
	sock=$XT_DIR/new$n/sub/g.sock
	xt_testpmd P 0 1 "-d $1 -d $2 --vdev net_xenshm_guest0,path=$sock \
		--vdev net_xenshm0,path=$XT_DIR/other.sock" "--nb-cores=1 --total-num-mbufs=8192"
	xt_sync P 60
	g=$(driver_of net_xenshm_guest0)
	d=$(driver_of net_xenshm0)
	xt_log "-d $(basename "$1") -d $(basename "$2"): net_xenshm_guest0 by '$g', net_xenshm0 by '$d'"
	[ -n "$g" ] || xt_fail "no port net_xenshm_guest0 (probe failed?)"
	[ "$g" = net_xenshm_guest ] || xt_fail "net_xenshm_guest0 probed by '$g'"
	[ "$d" = net_xenshm ] || xt_fail "net_xenshm0 probed by '$d'"
	mode=$(stat -c %a "$XT_DIR/new$n" "$XT_DIR/new$n/sub" | paste -sd' ')
	want=$(printf '%o' $((0755 & ~$(umask))))
	[ "$mode" = "$want $want" ] ||
		xt_fail "socket directories: mode '$mode', not created 0755 (umask $(umask))?"
	[ -S "$sock" ] || xt_fail "no guest socket $sock"
	xt_quit P
done
echo PASS
