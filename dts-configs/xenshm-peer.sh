#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# The guest end of the DTS topology, run on the SUT node by
# TestSuite_xenshm.py: one dpdk-testpmd with a net_xenshm_guest port that
# sends every frame it receives back to the switch domain (io forwarding,
# loop topology).  DTS itself starts only the DomS end (its TestPmdShell).
#
#   xenshm-peer.sh start SOCKET [MTU]  start it; returns once the guest
#                                      offers its region on SOCKET
#   xenshm-peer.sh stop                SIGTERM, wait for a clean exit
#   xenshm-peer.sh kill                SIGKILL (a crashed guest)
#   xenshm-peer.sh status              "running PID" or "stopped"
#
# Environment (the runner exports them over DTS's SSH command):
#   XENSHM_DTS_STATE   state dir (pid, log)         default /run/xenshm-dts
#   XENSHM_DTS_PMDS    dir with librte_net_xenshm_guest.so (not below a
#                      world-writable dir: EAL refuses it)
#                                                   default /opt/xenshm-dts/pmds
#   XENSHM_DTS_TESTPMD testpmd of the DPDK the PMDs were built for
#                                                   default dpdk-testpmd
#   XENSHM_DTS_PEER_LCORES  EAL --lcores of the peer   default 0@0,1@1
# Only the process recorded in the pid file is ever signalled.
set -euo pipefail
state=${XENSHM_DTS_STATE:-/run/xenshm-dts}
pmds=${XENSHM_DTS_PMDS:-/opt/xenshm-dts/pmds}
testpmd=${XENSHM_DTS_TESTPMD:-dpdk-testpmd}
lcores=${XENSHM_DTS_PEER_LCORES:-0@0,1@1}
pidfile=$state/peer.pid
log=$state/peer.log
prefix=xenshm-dts-peer

peer_pid() {
	local pid
	pid=$(cat "$pidfile" 2>/dev/null) || return 1
	kill -0 "$pid" 2>/dev/null || return 1
	echo "$pid"
}

# wait (up to $2 s) until process $1 is gone; it is our child's grandchild,
# so poll instead of wait(1)
wait_gone() {
	local end=$((SECONDS + $2))
	while kill -0 "$1" 2>/dev/null; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.05
	done
}

start() {
	local sock=${1:?start needs SOCKET} mtu=${2:-1500} pid end
	if pid=$(peer_pid); then
		echo "xenshm-peer: already running (pid $pid)" >&2
		exit 1
	fi
	# the guest PMD does not create the socket's directory
	mkdir -p "$state" "$(dirname "$sock")"
	rm -f "$sock"
	# --stats-period keeps a non-interactive testpmd running until SIGTERM
	# without reading stdin; --no-mlockall: see docs/pmd.md "Limits".
	# line-buffered: the log is how readiness is seen
	setsid stdbuf -oL -eL "$testpmd" --lcores "$lcores" --no-huge -m 512 --no-pci \
		--file-prefix "$prefix" -d "$pmds/librte_net_xenshm_guest.so" \
		--vdev "net_xenshm_guest0,path=$sock,mtu=$mtu" \
		-- --forward-mode=io --port-topology=loop \
		--no-mlockall --stats-period 3600 --total-num-mbufs=16384 \
		--max-pkt-len=$((mtu + 22)) --enable-scatter --mbuf-size=2176 \
		</dev/null >"$log" 2>&1 &
	pid=$!
	echo "$pid" > "$pidfile"
	# ready when the guest has created its region and listens on SOCKET
	end=$((SECONDS + 30))
	until [ -S "$sock" ] && grep -q "start packet forwarding" "$log"; do
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "xenshm-peer: testpmd exited; its log:" >&2
			tail -n 20 "$log" >&2
			exit 1
		fi
		if [ $SECONDS -ge $end ]; then
			echo "xenshm-peer: not ready in 30 s; its log:" >&2
			tail -n 20 "$log" >&2
			exit 1
		fi
		sleep 0.05
	done
	echo "running $pid"
}

stop() {
	local sig=$1 pid
	pid=$(peer_pid) || { rm -f "$pidfile"; echo stopped; return 0; }
	kill "-$sig" "$pid"
	wait_gone "$pid" 20 || { kill -KILL "$pid"; wait_gone "$pid" 5; }
	rm -f "$pidfile"
	# a SIGKILLed primary leaves its runtime dir behind
	rm -rf "/var/run/dpdk/$prefix"
	echo stopped
}

case "${1:-}" in
start) shift; start "$@" ;;
stop) stop TERM ;;
kill) stop KILL ;;
status) if pid=$(peer_pid); then echo "running $pid"; else echo stopped; fi ;;
*) echo "usage: xenshm-peer.sh start SOCKET [MTU] | stop | kill | status" >&2; exit 2 ;;
esac
