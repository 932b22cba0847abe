#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# Sender and receiver as two live DPDK processes joined by net_memif: the
# receiver (memif server) waits for link, the sender (client) connects,
# sends, lingers, then both stop on their own (idle timeout, count).
#
#   pkc-live.sh PKTCHECK_BINARY PKC_EXPECT_SCRIPT
#
# Two problems of Debian's 22.11.11 memif PMD shape this test; both were
# found with this tool (see docs/pktcheck.md):
# - a memif server crashes in rx burst when the client disconnects while
#   it polls: the sender therefore lingers (--drain-ms 3000) well past the
#   receiver's idle timeout (500 ms), so the receiver is gone first;
# - memif tx of frames spanning several memif buffers overwrites slots
#   still owned by the peer when its ring fills: frames stay at 1518
#   bytes, one 2048-byte memif buffer each.
set -u

bin=$1
expect=$2
dir=$(mktemp -d "${TMPDIR:-/tmp}/pkc-live.XXXXXX")
rxpid=
cleanup() {
	[ -n "$rxpid" ] && kill "$rxpid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT

sock="$dir/memif.sock"
eal="--no-huge -m 256 --no-pci --no-shconf --no-telemetry -l 0
	--log-level=lib.eal:error --log-level=pmd.net.memif:error"
memif="socket=$sock,socket-abstract=no"

"$expect" 'exit=0 rx=40000 lost=0 flows=4 foreign=0 corrupted=0' -- \
	"$bin" $eal --file-prefix pkc-live-rx \
	--vdev=net_memif0,role=server,"$memif" -- \
	--rx-port 0 --sizes 64,1518 --link-wait 10000 --idle-timeout 500 \
	--duration 20 --expect-min-rx 40000 --expect-max-lost 0 \
	>"$dir/rx.log" 2>&1 &
rxpid=$!

i=0
while [ ! -S "$sock" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done

"$expect" 'exit=0 tx=40000 unsent=0' -- "$bin" $eal \
	--file-prefix pkc-live-tx --vdev=net_memif0,role=client,"$memif" -- \
	--tx-port 0 --sizes 64,1518 --flows 4 --flow-base 10 --count 40000 \
	--link-wait 10000 --drain-ms 3000
txst=$?

wait "$rxpid"
rxst=$?
rxpid=
echo "== receiver"
cat "$dir/rx.log"
[ $txst -eq 0 ] && [ $rxst -eq 0 ]
