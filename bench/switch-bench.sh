#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# Switch benchmark (make bench, part 3).  The same guests through three
# DomS switches, all on net_xenshm ports, interleaved round by round:
#   doms    doms-switch (L2 learning, tenants, anti-spoof on: the
#           guests' MACs are configured, so frames are unicast)
#   ovs     ovs-vswitchd-dpdk, netdev bridge, two type=dpdk net_xenshm
#           ports, flows in_port=1->2, 2->1 (cheaper than NORMAL)
#   testpmd dpdk-testpmd io forwarding between two net_xenshm ports (the
#           floor: no switching work at all)
# Topologies:
#   pair    guest A (testpmd txonly) -> switch -> guest B (testpmd
#           rxonly); metric: B's rx rate.  The switch has CPU 1; both
#           guests share CPU 0: with two CPUs this is OVERSUBSCRIBED and
#           the guests, not the switch, may set the pace.
#   loop    one guest process with two ports, testpmd mac forwarding
#           (each port sends to the other's MAC, with its own as source),
#           seeded with LOOP_SEED bursts per port that then circulate
#           guest -> switch -> guest; metric: the guest's rx rate, both
#           ports.  Fewer frames in flight than any ring holds, so the
#           loop never drops.  One guest core (CPU 0), one switch core
#           (CPU 1): not oversubscribed.
# A benchmark, never a test: it asserts no speed; the exit status only
# says whether it could run.
#
# usage: bench/switch-bench.sh <builddir> [outdir]
# env:   ROUNDS=5 SIZES="64 1518" TOPOS="pair loop" SWITCHES="doms ovs testpmd"
#        WARMUP=1 WINDOW=3 (s), CPU_G=0 CPU_S=1, LOOP_SEED=16 (bursts),
#        GUEST_RING=8192 (guest ring-size), plus bench/lib.sh's knobs
set -u
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] || { echo "usage: $0 <builddir> [outdir]" >&2; exit 2; }
BUILD=$(cd "$1" && pwd) || exit 2
OUT=${2:-$BUILD/bench-results/switch-$(date +%Y%m%d-%H%M%S)}
ROUNDS=${ROUNDS:-5}
SIZES=${SIZES:-"64 1518"}
TOPOS=${TOPOS:-"pair loop"}
SWITCHES=${SWITCHES:-"doms ovs testpmd"}
CPU_G=${CPU_G:-0}
CPU_S=${CPU_S:-1}
LOOP_SEED=${LOOP_SEED:-16}
GUEST_RING=${GUEST_RING:-8192}
# shellcheck source=bench/lib.sh
. "$here/lib.sh"	# hugepages, PMD staging, bench_wait_quiet, ...
mkdir -p "$OUT" || exit 1
DS_BIN=$BUILD/app/doms-switch/doms-switch
VSWITCHD=/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk
RUN=/run/xenshm-swbench.$$
M1=02:00:00:5b:00:01
M2=02:00:00:5b:00:02
GPIDS=()	# guest testpmds
SPID=""		# doms-switch or switch testpmd
OVSD=$RUN/ovs
OVS_UP=0

cleanup() {
	local p
	stop_all
	bench_huge_teardown
	rm -rf "$RUN"
	for p in "${GPIDS[@]}" $SPID; do kill -9 "$p" 2>/dev/null; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" = 0 ] || bench_die "needs root"
[ -x "$DS_BIN" ] || bench_die "$DS_BIN not built"
bench_stage_pmds || bench_die "the xenshm PMDs are not built"
bench_huge_setup
mkdir -p "$RUN"

# --- processes driven through fifos --------------------------------------
# tp_start NAME CPU EAL-ARGS... -- APP-ARGS...: testpmd -i with stdin
# from $RUN/NAME.in (kept open on an fd), log $OUT/cur.NAME.log
declare -A TP_FD TP_LOG TP_PID
tp_start() {
	local name=$1 cpu=$2 fd
	shift 2
	local log=$RUN/$name.log
	rm -f "$RUN/$name.in" "$log"
	mkfifo "$RUN/$name.in"
	stdbuf -oL -eL "$TESTPMD" --lcores "0@$cpu,1@$cpu" --no-pci \
		--huge-dir "$HUGEDIR" --file-prefix "${BTAG}$name" "$@" \
		<"$RUN/$name.in" >"$log" 2>&1 &
	TP_PID[$name]=$!
	exec {fd}>"$RUN/$name.in"
	TP_FD[$name]=$fd
	TP_LOG[$name]=$log
	bench_wait_prompt "${TP_PID[$name]}" "$log"
}
tp_cmd() { echo "$2" >&"${TP_FD[$1]}"; }
tp_stop() {
	local name=$1 pid=${TP_PID[$1]:-} i
	[ -n "$pid" ] || return 0
	tp_cmd "$name" quit 2>/dev/null
	eval "exec ${TP_FD[$name]}>&-"
	for ((i = 0; i < 40; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	unset "TP_PID[$name]"
}
tp_link_up() {	# NAME NPORTS: every port up?
	local name=$1 n=$2
	tp_cmd "$name" "show port info all"
	sleep 0.3
	[ "$(grep -c "Link status: up" "${TP_LOG[$name]}")" -ge "$n" ]
}
# RX-packets of every port, summed, from the latest "show port stats all"
tp_rx_total() {
	local name=$1 nports=$2 before
	before=$(grep -c "RX-packets:" "${TP_LOG[$name]}")
	tp_cmd "$name" "show port stats all"
	for _ in $(seq 50); do
		[ "$(grep -c "RX-packets:" "${TP_LOG[$name]}")" -ge $((before + nports)) ] && break
		sleep 0.02
	done
	grep -o "RX-packets: *[0-9]*" "${TP_LOG[$name]}" | tail -n "$nports" |
		awk '{ s += $2 } END { print s + 0 }'
}

# --- the switches ----------------------------------------------------------
sw_start() {	# SWITCH: DomS side for sockets $RUN/g1.sock, $RUN/g2.sock
	case $1 in
	doms)
		cat >"$RUN/doms.conf" <<EOF
[global]
guest-dir = $RUN/guests
mbufs = 16384
[tenant bench]
[guest g1]
tenant = bench
socket = $RUN/g1.sock
mac = $M1
[guest g2]
tenant = bench
socket = $RUN/g2.sock
mac = $M2
EOF
		mkdir -p "$RUN/guests"
		"$DS_BIN" -c "$RUN/doms.conf" --pmd "$XENSHM_DOMS_SO" -- \
			--lcores "0@$CPU_S,1@$CPU_S" --no-pci --huge-dir "$HUGEDIR" \
			--file-prefix "${BTAG}sw" >"$RUN/doms.log" 2>&1 &
		SPID=$! ;;
	testpmd)
		tp_start sw "$CPU_S" -d "$XENSHM_DOMS_SO" \
			--vdev "net_xenshm0,path=$RUN/g1.sock" \
			--vdev "net_xenshm1,path=$RUN/g2.sock" \
			-- -i --forward-mode=io --burst="$BURST" \
			--total-num-mbufs="$NB_MBUF"
		tp_cmd sw start ;;
	ovs) ovs_start ;;
	esac
}
sw_stop() {
	case $1 in
	doms)
		[ -n "$SPID" ] && { kill -TERM "$SPID"; wait "$SPID"; }
		SPID="" ;;
	testpmd) tp_stop sw ;;
	ovs) ovs_stop ;;
	esac
	bench_huge_clean_files
}
sw_ready() {	# both switch ports up
	case $1 in
	doms)
		echo /doms_switch/ports | dpdk-telemetry.py -f "${BTAG}sw" 2>/dev/null |
			python3 -c 'import json,sys; d=list(json.load(sys.stdin).values())[0]; sys.exit(0 if all(d.get(p,{}).get("link")=="up" for p in ("g1","g2")) else 1)' 2>/dev/null ;;
	testpmd) tp_link_up sw 2 ;;
	ovs)
		[ "$($VSCTL get Interface p1 link_state 2>/dev/null)" = up ] &&
		[ "$($VSCTL get Interface p2 link_state 2>/dev/null)" = up ] ;;
	esac
}

VSCTL="ovs-vsctl --db=unix:$OVSD/run/db.sock --timeout=20"
ovs_start() {
	export OVS_RUNDIR=$OVSD/run OVS_LOGDIR=$OVSD/log OVS_DBDIR=$OVSD/db \
		OVS_SYSCONFDIR=$OVSD/etc
	rm -rf "$OVSD"
	mkdir -p "$OVSD"/run "$OVSD"/log "$OVSD"/db "$OVSD"/etc
	ovsdb-tool create "$OVSD/db/conf.db" \
		/usr/share/openvswitch/vswitch.ovsschema
	ovsdb-server "$OVSD/db/conf.db" --remote=punix:"$OVSD/run/db.sock" \
		--pidfile="$OVSD/run/ovsdb-server.pid" \
		--log-file="$OVSD/log/ovsdb-server.log" -vconsole:off --detach \
		--no-chdir
	$VSCTL --no-wait init
	# the whole switch on CPU_S: its main thread and its one PMD thread
	$VSCTL --no-wait set Open_vSwitch . other_config:dpdk-init=true \
		"other_config:dpdk-lcore-mask=$(printf 0x%x $((1 << CPU_S)))" \
		"other_config:pmd-cpu-mask=$(printf 0x%x $((1 << CPU_S)))" \
		other_config:per-port-memory=true \
		other_config:dpdk-socket-mem=512 \
		"other_config:dpdk-extra=--no-pci -d $XENSHM_DOMS_SO --huge-dir $HUGEDIR --file-prefix ${BTAG}ovs"
	"$VSWITCHD" "unix:$OVSD/run/db.sock" \
		--pidfile="$OVSD/run/ovs-vswitchd.pid" \
		--log-file="$OVSD/log/ovs-vswitchd.log" \
		--unixctl="$OVSD/run/ovs-vswitchd.ctl" -vconsole:off --detach \
		--no-chdir --mlockall
	OVS_UP=1
	for _ in $(seq 60); do
		[ "$($VSCTL get Open_vSwitch . dpdk_initialized 2>/dev/null)" = true ] && break
		sleep 0.5
	done
	$VSCTL add-br br0 -- set bridge br0 datapath_type=netdev
	$VSCTL add-port br0 p1 -- set Interface p1 type=dpdk ofport_request=1 \
		"options:dpdk-devargs=net_xenshm0,path=$RUN/g1.sock"
	$VSCTL add-port br0 p2 -- set Interface p2 type=dpdk ofport_request=2 \
		"options:dpdk-devargs=net_xenshm1,path=$RUN/g2.sock"
	ovs-ofctl del-flows br0
	ovs-ofctl add-flow br0 in_port=1,actions=output:2
	ovs-ofctl add-flow br0 in_port=2,actions=output:1
}
ovs_stop() {
	local pf pid
	[ "$OVS_UP" = 1 ] || return 0
	ovs-appctl -t "$OVSD/run/ovs-vswitchd.ctl" --timeout=10 exit --cleanup \
		>/dev/null 2>&1
	for pf in ovs-vswitchd ovsdb-server; do
		pid=$(cat "$OVSD/run/$pf.pid" 2>/dev/null) || continue
		kill -TERM "$pid" 2>/dev/null
		for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null
	done
	OVS_UP=0
}

# --- guests ----------------------------------------------------------------
g_start() {	# TOPO SIZE
	local gargs=(-- -i --burst="$BURST" --total-num-mbufs="$NB_MBUF")
	case $1 in
	pair)
		# B first: the receiver is ready when A starts
		tp_start gB "$CPU_G" -d "$XENSHM_GUEST_SO" \
			--vdev "net_xenshm_guest0,path=$RUN/g2.sock,mac=$M2,ring-size=$GUEST_RING" \
			"${gargs[@]}" --forward-mode=rxonly
		tp_start gA "$CPU_G" -d "$XENSHM_GUEST_SO" \
			--vdev "net_xenshm_guest0,path=$RUN/g1.sock,mac=$M1,ring-size=$GUEST_RING" \
			"${gargs[@]}" --forward-mode=txonly --txpkts="$2" \
			--eth-peer="0,$M2" ;;
	loop)
		tp_start gL "$CPU_G" -d "$XENSHM_GUEST_SO" \
			--vdev "net_xenshm_guest0,path=$RUN/g1.sock,mac=$M1,ring-size=$GUEST_RING" \
			--vdev "net_xenshm_guest1,path=$RUN/g2.sock,mac=$M2,ring-size=$GUEST_RING" \
			"${gargs[@]}" --forward-mode=mac --txpkts="$2" \
			--eth-peer="0,$M2" --eth-peer="1,$M1" ;;
	esac
}
g_stop() { tp_stop gA; tp_stop gB; tp_stop gL; }
stop_all() {
	g_stop
	for s in doms testpmd ovs; do sw_stop $s 2>/dev/null; done
}

# One measurement: prints Mpps (or "FAIL reason").
measure() {	# SWITCH TOPO SIZE
	local sw=$1 topo=$2 size=$3 rxname nports t0 t1 r0 r1 i ok=0
	g_start "$topo" "$size"	# the guests own the regions: first
	sw_start "$sw"
	for ((i = 0; i < 100; i++)); do
		sw_ready "$sw" && { ok=1; break; }
		sleep 0.2
	done
	if [ $ok = 0 ]; then
		echo "FAIL link"
		stop_all
		return
	fi
	if [ "$topo" = pair ]; then
		rxname=gB nports=1
		tp_cmd gB start
		tp_cmd gA start
	else
		rxname=gL nports=2
		# txonly seeds (source: the port's MAC, destination: the peer)
		tp_cmd gL "start tx_first $LOOP_SEED"
	fi
	sleep "$WARMUP"
	r0=$(tp_rx_total $rxname $nports)
	t0=$(date +%s.%N)
	sleep "$WINDOW"
	r1=$(tp_rx_total $rxname $nports)
	t1=$(date +%s.%N)
	if [ "$sw" = doms ]; then
		echo /doms_switch/drops | dpdk-telemetry.py -f "${BTAG}sw" \
			>>"$OUT/doms-drops.log" 2>/dev/null
	fi
	stop_all
	awk -v a="$r0" -v b="$r1" -v t0="$t0" -v t1="$t1" \
		'BEGIN { printf "%.3f\n", (b - a) / (t1 - t0) / 1e6 }'
}

echo "# switch-bench: $ROUNDS rounds, sizes $SIZES, topologies $TOPOS, switches $SWITCHES"
echo "# switch on CPU $CPU_S, guests on CPU $CPU_G; window ${WINDOW}s after ${WARMUP}s warm-up"
echo "# pair: two guest processes share CPU $CPU_G -> OVERSUBSCRIBED on this 2-CPU box"
echo "# loop: one guest process (CPU $CPU_G) and one switch core (CPU $CPU_S): not oversubscribed"
echo "# guest rings: $GUEST_RING slots; loop: $LOOP_SEED bursts of $BURST seeded per port"
RES=$OUT/samples.txt
: >"$RES"
for ((r = 1; r <= ROUNDS; r++)); do
	for size in $SIZES; do
		for topo in $TOPOS; do
			# rotate the order each round (A B C, B C A, ...)
			set -- $SWITCHES
			for ((k = 0; k < r - 1; k++)); do set -- "${@:2}" "$1"; done
			for sw in "$@"; do
				bench_wait_quiet || true
				v=$(measure "$sw" "$topo" "$size")
				echo "round $r $topo $size $sw $v" | tee -a "$RES"
			done
		done
	done
done

echo
echo "# medians (Mpps) and median ratios of the per-round values"
python3 - "$RES" "$SWITCHES" <<'EOF'
import statistics, sys
from collections import defaultdict
rows = [l.split() for l in open(sys.argv[1]) if l.startswith("round")]
sws = sys.argv[2].split()
val = defaultdict(dict)     # (topo, size) -> {(round, sw): mpps}
for _, r, topo, size, sw, v, *rest in rows:
    try:
        val[(topo, int(size))][(int(r), sw)] = float(v)
    except ValueError:
        pass
print("%-5s %5s " % ("topo", "size") + " ".join("%9s" % s for s in sws) +
      "  " + " ".join("%14s" % ("doms/" + s) for s in sws if s != "doms"))
for (topo, size) in sorted(val):
    d = val[(topo, size)]
    rounds = sorted({r for r, _ in d})
    med = {}
    for s in sws:
        xs = [d[(r, s)] for r in rounds if (r, s) in d]
        med[s] = statistics.median(xs) if xs else float("nan")
    ratios = []
    for s in sws:
        if s == "doms":
            continue
        rs = [d[(r, "doms")] / d[(r, s)] for r in rounds
              if (r, "doms") in d and (r, s) in d and d[(r, s)] > 0]
        ratios.append("%14s" % ("%.2f" % statistics.median(rs) if rs else "-"))
    note = "  (oversubscribed)" if topo == "pair" else ""
    print("%-5s %5d " % (topo, size) + " ".join("%9.3f" % med[s] for s in sws)
          + "  " + " ".join(ratios) + note)
EOF
echo "# samples: $RES"
exit 0
