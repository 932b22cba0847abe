#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# The xenshm demo ("make demo"): doms-switch between two guest DPDK
# processes on the host transport, SIGKILLed in the middle of the run and
# started again, the way systemd's Restart=always would.
#
#   guest A (xenshm-pktcheck, sender) --net_xenshm_guest--+
#                                                         |  doms-switch
#   guest B (xenshm-pktcheck, checker) --net_xenshm_guest-+  (net_xenshm)
#
# Prints throughput, the outage in milliseconds and the lost, corrupted
# and duplicated frames.  Exit 0 when nothing was corrupted or duplicated
# (and traffic flowed again after the restart).
#
# usage: scripts/demo.sh [BUILD_DIR]
# Environment knobs (all optional):
#   XENSHM_DEMO_RATE=pps     offered load (default 500000)
#   XENSHM_DEMO_SECONDS=s    length of the run (default 12)
#   XENSHM_DEMO_SIZE=bytes   frame size (default 64)
#   XENSHM_DEMO_MEM=auto|huge|nohuge   EAL memory (default auto: hugepages
#                            when enough are free and hugetlbfs is mounted)
set -uo pipefail

B=${1:-build}
RATE=${XENSHM_DEMO_RATE:-500000}
SECS=${XENSHM_DEMO_SECONDS:-12}
SIZE=${XENSHM_DEMO_SIZE:-64}
MEM=${XENSHM_DEMO_MEM:-auto}

SW_BIN=$B/app/doms-switch/doms-switch
PKC_BIN=$B/test/pktcheck/xenshm-pktcheck
G_SO=$B/guest-pmd/librte_net_xenshm_guest.so
D_SO=$B/drivers/net/xenshm/librte_net_xenshm.so

say() { printf 'demo: %s\n' "$*"; }
die() { printf 'demo: error: %s\n' "$*" >&2; exit 2; }

for f in "$SW_BIN" "$PKC_BIN" "$G_SO" "$D_SO"; do
	[ -e "$f" ] || die "$f is missing: build first (make build, or ninja -C $B)"
done
[ "$(id -u)" = 0 ] || die "run as root (DPDK, hugepages, /run)"
command -v python3 >/dev/null || die "python3 is needed for the report"

ID=$$
RUN=/run/xenshm-demo-$ID
STAGE=/opt/xenshm-demo/$ID
PFX=xsdemo-$ID
PIDS=()
SW_PID=

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		for _ in $(seq 50); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -rf "$RUN" "$STAGE" /var/run/dpdk/"$PFX"-*
	rmdir /opt/xenshm-demo 2>/dev/null
	true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# EAL refuses "-d plugin.so" below a world-writable directory (/tmp):
# stage the PMDs in a root-owned 0755 directory.
install -d -m 0755 "$STAGE" && install -m 0644 "$G_SO" "$D_SO" "$STAGE/" ||
	die "cannot stage the PMDs in $STAGE"
mkdir -p "$RUN/guests" || die "cannot create $RUN"

# Memory: hugepages when there are enough (3 processes), else --no-huge.
huge_free_mb() {
	awk '/^HugePages_Free:/ { f = $2 } /^Hugepagesize:/ { s = $2 }
	     END { print int(f * s / 1024) }' /proc/meminfo
}
if [ "$MEM" = auto ]; then
	if [ "$(huge_free_mb)" -ge 768 ] && grep -q hugetlbfs /proc/mounts; then
		MEM=huge
	else
		MEM=nohuge
	fi
fi
case $MEM in
huge)
	# --huge-unlink: a SIGKILLed process leaves no hugepage file behind
	SW_MEM="--huge-unlink"
	G_MEM="--huge-unlink"
	MEM_TXT="hugepages ($(huge_free_mb) MB free before start)"
	;;
nohuge)
	SW_MEM="--no-huge -m 256"
	G_MEM="--no-huge -m 160"
	MEM_TXT="no hugepages (--no-huge)"
	;;
*) die "XENSHM_DEMO_MEM must be auto, huge or nohuge" ;;
esac

MAC_A=02:00:00:00:de:0a
MAC_B=02:00:00:00:de:0b
cat >"$RUN/doms-switch.conf" <<EOF
# written by scripts/demo.sh
[global]
guest-dir = $RUN/guests
detach-grace-ms = 2000
mbufs = 16384

[tenant demo]
vlan = 100

[guest guest_a]
tenant = demo
mac = $MAC_A

[guest guest_b]
tenant = demo
mac = $MAC_B
EOF

# doms-switch: main lcore 0 (control), worker lcore 1 (forwarding).
SW_CMD=("$SW_BIN" -c "$RUN/doms-switch.conf" --pmd "$STAGE/$(basename "$D_SO")"
	-- -l 0,1 --no-pci $SW_MEM --file-prefix "$PFX-sw")

tel() {
	echo "$1" | timeout 5 dpdk-telemetry.py -f "$PFX-sw" 2>/dev/null
}
ports_up() {
	tel /doms_switch/ports | python3 -c '
import json, sys
try:
    d = list(json.load(sys.stdin).values())[0]
except Exception:
    sys.exit(1)
sys.exit(0 if all(d.get(p, {}).get("link") == "up"
                  for p in ("guest_a", "guest_b")) else 1)'
}
now_ms() { date +%s%3N; }
wait_until() {	# SECONDS COMMAND...
	local end=$((SECONDS + $1))
	shift
	while [ $SECONDS -lt $end ]; do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}
start_switch() {
	"${SW_CMD[@]}" >>"$RUN/doms-switch.log" 2>&1 &
	SW_PID=$!
	PIDS+=("$SW_PID")
}

# The guests: each a DPDK process with one net_xenshm_guest port, big
# rings so that a guest descheduled for a while (two cores, three busy
# processes) does not lose frames for that alone.
guest() {	# NAME MAC pktcheck-options...
	local name=$1 mac=$2
	shift 2
	"$PKC_BIN" -l 0 --no-pci $G_MEM --file-prefix "$PFX-$name" \
		--log-level=lib.eal:error -d "$STAGE/$(basename "$G_SO")" \
		--vdev "net_xenshm_guest0,path=$RUN/guests/$name.sock,mac=$mac,ring-size=32768" \
		-- --json "$RUN/$name.json" "$@" >"$RUN/$name.log" 2>&1 &
	PIDS+=("$!")
	eval "PID_$name=$!"
}

say "xenshm demo: doms-switch + 2 guest processes, host transport, $MEM_TXT"
say "offered load ${RATE} frames/s of ${SIZE} bytes for ${SECS} s; doms-switch is SIGKILLed after about $((SECS / 3)) s"
start_switch
wait_until 30 tel /doms_switch/info >/dev/null ||
	{ cat "$RUN/doms-switch.log"; die "doms-switch did not start"; }

guest guest_b "$MAC_B" --rx-port 0 --duration $((SECS + 60)) --size "$SIZE"
guest guest_a "$MAC_A" --tx-port 0 --src-mac "$MAC_A" --dst-mac "$MAC_B" \
	--rate "$RATE" --duration "$SECS" --size "$SIZE" --link-wait 30000
wait_until 30 ports_up ||
	{ tail -20 "$RUN"/*.log; die "the guests did not attach"; }
say "both guests attached; traffic flows"

sleep $((SECS / 3))
tel /doms_switch/ports >"$RUN/ports-before.json"
t_kill=$(now_ms)
kill -KILL "$SW_PID"
wait "$SW_PID" 2>/dev/null
say "doms-switch (pid $SW_PID) killed with SIGKILL; starting it again"
start_switch
wait_until 30 tel /doms_switch/info >/dev/null
t_tel=$(now_ms)
restarted=yes
wait_until 30 ports_up || restarted=no
t_up=$(now_ms)
say "doms-switch (pid $SW_PID) up again: telemetry after $((t_tel - t_kill)) ms, both guests re-attached after $((t_up - t_kill)) ms"

# the sender stops by itself; then stop the checker (it reports on SIGINT)
for _ in $(seq $((SECS * 10 + 300))); do
	kill -0 "$PID_guest_a" 2>/dev/null || break
	sleep 0.1
done
wait "$PID_guest_a" 2>/dev/null
sleep 1
kill -INT "$PID_guest_b" 2>/dev/null
for _ in $(seq 100); do
	kill -0 "$PID_guest_b" 2>/dev/null || break
	sleep 0.1
done
wait "$PID_guest_b" 2>/dev/null
tel /doms_switch/ports >"$RUN/ports-after.json"

python3 - "$RUN" "$RATE" "$SIZE" "$restarted" "$((t_up - t_kill))" <<'EOF'
import json, sys

run, rate, size, restarted, reattach_ms = sys.argv[1:6]
try:
    a = json.load(open(run + "/guest_a.json"))
    b = json.load(open(run + "/guest_b.json"))
except (OSError, ValueError) as e:
    print("demo: no result from a guest (%s)" % e)
    sys.exit(1)
secs = a.get("duration_s") or 1.0
rx = b["rx"]
mpps = rx / secs / 1e6
gbps = b["rx_bytes"] * 8 / secs / 1e9
highest = max((f["highest_seq"] for f in b.get("flows", [])), default=-1)
resumed = restarted == "yes" and highest >= a["tx"] - 1 - int(rate) // 2
print()
print("=== xenshm demo report ===")
print("sent by guest A        %12d frames (%s bytes, offered %.3f Mpps)"
      % (a["tx"], size, int(rate) / 1e6))
print("received by guest B    %12d frames" % rx)
print("throughput             %12.3f Mpps  %.3f Gbit/s (mean over the run,"
      " outage included)" % (mpps, gbps))
print("outage (longest gap)   %12.1f ms" % b["max_gap_ms"])
print("doms-switch restart    %12s ms  (SIGKILL -> both guests attached"
      " again, as seen by polling telemetry)" % reattach_ms)
print("lost                   %12d frames" % b["lost"])
print("corrupted              %12d frames" % b["corrupted"])
print("duplicated             %12d frames" % b["duplicated"])
print("reordered              %12d frames" % b["reordered"])
print("forwarding resumed     %12s" % ("yes" if resumed else "NO"))
ok = b["corrupted"] == 0 and b["duplicated"] == 0 and rx > 0 and resumed
print("result                 %12s" % ("PASS" if ok else "FAIL"))
print("(2 cores: doms-switch's worker on CPU 1, both guests on CPU 0; the"
      " box is oversubscribed, so throughput here is not a benchmark:"
      " see make bench)")
sys.exit(0 if ok else 1)
EOF
rc=$?
[ $rc -ne 0 ] && { say "doms-switch log:"; tail -20 "$RUN/doms-switch.log"; }
exit $rc
