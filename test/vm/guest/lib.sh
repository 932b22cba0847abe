# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# Shared by the phase scripts that run inside the test VM (sourced, with
# the payload directory /root/vm-test as the working directory).
# Conventions: "VM-FIG key=value" is a figure the host collects,
# "VM-NOTE text" a remark it prints, and the last line of a phase is
# "VM-PHASE <name> PASS|FAIL <why>".
set -uo pipefail
export DEBIAN_FRONTEND=noninteractive
VT=/root/vm-test
PKC=$VT/bin/xenshm-pktcheck
ST=/var/tmp/vm-test		# state kept between phases (same boot)
mkdir -p "$ST"
PHASE=${PHASE:?}
PIDS=()

fig() { echo "VM-FIG $*"; }
note() { echo "VM-NOTE $*"; }
pass() { echo "VM-PHASE $PHASE PASS $*"; exit 0; }
fail() {
	echo "VM-PHASE $PHASE FAIL $*"
	exit 1
}
# The guest processes this phase started die with it, pass or fail.
phase_cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do
		for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
	done
}
trap phase_cleanup EXIT
now_ms() { date +%s%3N; }

# Run the documented block NAME (extracted from the docs) as the docs show
# it: bash, stop at the first failing command, each command echoed.
doc() {
	local name=$1 f=$VT/docs/$1.sh
	[ -f "$f" ] || fail "no documented block '$name' (marker <!-- vm-test: $name --> missing)"
	echo "---- doc block $name: $(head -n1 "$f" | sed 's/^# //')"
	(cd "${DOC_CWD:-$VT}" && bash -e -x "$f") 2>&1 | sed 's/^/  doc| /'
	local rc=${PIPESTATUS[0]}
	[ "$rc" = 0 ] || fail "documented block '$name' failed (exit $rc)"
}

# wait_until SECONDS COMMAND...: poll, never a fixed sleep.
wait_until() {
	local end=$((SECONDS + $1))
	shift
	while [ $SECONDS -lt $end ]; do
		"$@" && return 0
		sleep 0.2
	done
	return 1
}

# ---- guest processes: xenshm-pktcheck on a net_xenshm_guest port ----
# The guest PMD comes from the package (DPDK's plugin directory), so no -d.
# --no-huge: the guests stand for VMs and keep the hugepages for DomS.
MAC1=02:00:00:00:01:01
MAC2=02:00:00:00:01:02
RATE=${VM_RATE:-5000}		# frames/s: TCG runs DPDK 50-100x slower
guest_start() {	# NAME MAC pktcheck-options...
	local name=$1 mac=$2
	shift 2
	"$PKC" -l 0 --no-pci --no-huge -m 256 --file-prefix "vmtest-$name" \
		--log-level=lib.eal:error \
		--vdev "net_xenshm_guest0,path=/run/xenshm/guests/$name.sock,mac=$mac,ring-size=4096" \
		-- "$@" > "$ST/$name.log" 2>&1 &
	PIDS+=("$!")
	eval "PID_$name=$!"
}
# The receiver's frame count from its latest progress line.
rx_of() {	# NAME
	awk '/^pktcheck: progress/ { for (i = 1; i <= NF; i++) if ($i ~ /^rx=/) r = substr($i, 4) }
	     END { print r + 0 }' "$ST/$1.log"
}
rx_above() { [ "$(rx_of "$1")" -gt "$2" ]; }
# Start receiver vm2 and sender vm1 -> vm2; wait until frames arrive.
traffic_start() {
	guest_start vm2 "$MAC2" --rx-port 0 --late-join --report-interval 200 \
		--link-wait 300000
	guest_start vm1 "$MAC1" --tx-port 0 --src-mac "$MAC1" --dst-mac "$MAC2" \
		--rate "$RATE" --link-wait 300000 --drain-ms 1000
	wait_until 300 rx_above vm2 $((RATE)) || {
		tail -n 5 "$ST/vm1.log" "$ST/vm2.log"
		fail "no traffic from vm1 to vm2 within 300 s"
	}
}
# SIGINT the sender, then the receiver; print the receiver's summary.
traffic_stop() {
	local p
	kill -INT "$PID_vm1" 2>/dev/null
	wait_until 60 eval '! kill -0 $PID_vm1 2>/dev/null'
	# The sender drained its ring (--drain-ms): the receiver has it all
	# once its count stops moving.
	local last=-1 cur
	while cur=$(rx_of vm2); [ "$cur" != "$last" ]; do
		last=$cur
		sleep 1
	done
	kill -INT "$PID_vm2" 2>/dev/null
	wait_until 60 eval '! kill -0 $PID_vm2 2>/dev/null'
	grep -m1 '^pktcheck: tx=' "$ST/vm1.log" | sed 's/^/  vm1| /'
	grep -m1 '^pktcheck: tx=' "$ST/vm2.log" | sed 's/^/  vm2| /'
}
# summary_of NAME KEY: a value from the final summary line.
summary_of() {
	grep -m1 '^pktcheck: tx=' "$ST/$1.log" | tr ' ' '\n' |
		awk -F= -v k="$2" '$1 == k { print $2 }'
}

# Every file of the machine but the virtual file systems, one a line.
snapshot() {
	find / /run -xdev \( -path /proc -o -path /sys -o -path /dev \) -prune \
		-o -print 2>/dev/null | sort -u
}
