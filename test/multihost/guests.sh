# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# guests.sh: the guests of test/multihost and what the tests read from
# them, sourced after hosts.sh.  A guest is a xenshm-pktcheck process on
# net_xenshm_guest (socket $XT_DIR/SOCKET.sock); all guests poll on CPU 0.
# Every frame carries pktcheck's session id (one per process), flow, seq
# and CRC, so a receiver's per-flow JSON tells which sender each frame
# came from.  Uses B (build dir), RATE, COUNT, SIZES of the test.
#
#   pkc ID SOCKET "ARGS"     start a guest (log pk-ID.log, JSON ID.json)
#   pkc_end ID wait|int T    wait for it to exit (or SIGINT it); PK_RC
#   pkv ID KEY               a field of its summary line
#   pk_rx_now ID             rx of its last progress line
#   from_session RX SESSION  "frames flow-ids" receiver RX got from SESSION
#   send ID SOCKET BASE      sender: 4 flows from id BASE, COUNT at RATE
#   settle H RX... -- TX...  wait until the senders TX exited (all sent),
#                            H's OVS sent nothing more to the receivers
#                            RX (also H's port names) for 1 s and each
#                            of them got all its port sent
#   wire_start H FILTER      tcpdump on host H's end of the wire
#   wire_stop                stop it; WIRE_VNI[vni]=frames (decimal),
#                            WIRE_FRAMES (total), WIRE_DROPS (tcpdump's);
#                            two frames per VNI printed as tcpdump
#                            decodes them

PKC=$B/test/pktcheck/xenshm-pktcheck
[ -x "$PKC" ] || xt_fail "$PKC not built"
command -v tcpdump >/dev/null || xt_skip "tcpdump missing (apt-get install tcpdump)"

declare -A PK_PID PK_LOG WIRE_VNI
# EAL's runtime dirs of guests the EXIT trap had to kill
pk_down() { rm -rf /var/run/dpdk/mh$$_*; return 0; }
XT_CLEANUP_HOOKS+=(pk_down)
pkc() {
	local id=$1
	PK_LOG[$id]=$XT_DIR/pk-$id.log
	XT_LOG[pk-$id]=${PK_LOG[$id]}
	# shellcheck disable=SC2086
	stdbuf -oL -eL "$PKC" --lcores 0@0 --no-huge -m 256 --no-pci \
		--file-prefix "mh$$_$id" -d "$GUEST_SO" \
		--vdev "net_xenshm_guest0,path=$XT_DIR/$2.sock" \
		-- $3 --json "$XT_DIR/$id.json" >>"${PK_LOG[$id]}" 2>&1 &
	PK_PID[$id]=$!
	XT_EXTRA_PIDS+=("$!")
}

pkc_end() {
	local id=$1 end
	[ "$2" = int ] && kill -INT "${PK_PID[$id]}" 2>/dev/null
	end=$(($(xt_now_ms) + $3 * 1000))
	while kill -0 "${PK_PID[$id]}" 2>/dev/null; do
		[ "$(xt_now_ms)" -lt "$end" ] || xt_fail "pktcheck $id did not end"
		sleep 0.05
	done
	wait "${PK_PID[$id]}"
	PK_RC=$?
	xt_forget "${PK_PID[$id]}"
	rm -rf "/var/run/dpdk/mh$$_$id"
}

pkv() {
	grep "^pktcheck: tx=" "${PK_LOG[$1]}" | tail -1 | tr ' ' '\n' |
		sed -n "s/^$2=//p"
}

pk_rx_now() {
	local v
	v=$(grep "^pktcheck: progress" "${PK_LOG[$1]}" | tail -1 | tr ' ' '\n' |
		sed -n 's/^rx=//p')
	echo "${v:-0}"
}

from_session() {
	python3 - "$XT_DIR/$1.json" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
f = [x for x in d["flows"] if x["session"] == int(sys.argv[2])]
print(sum(x["rx"] for x in f), " ".join(str(x["flow"]) for x in f) or "-")
PY
}

# pktcheck's --link-wait holds the first frame until OVS attached the port
send() {
	pkc "$1" "$2" "--tx-port 0 --flows 4 --flow-base $3 --sizes $SIZES \
--count $COUNT --rate $RATE --link-wait 30000 --drain-ms 1000"
}

settle() {
	local h=$1 rx=() id prev=-1 now end ok
	shift
	while [ "$1" != -- ]; do rx+=("$1"); shift; done
	shift
	for id in "$@"; do
		# generous: on a loaded machine a guest at nice 10 gets a
		# small share of CPU 0 and sends far below RATE
		pkc_end "$id" wait $((COUNT * 10 / RATE + 120))
		xt_check "$id: sender exit status" "$PK_RC" -eq 0
		xt_check "$id: sent all" "$(pkv "$id" tx)" -eq "$COUNT"
	done
	# done when OVS sent nothing more for 1 s and each receiver has
	# printed (progress line) all that its port put into its ring
	end=$(($(xt_now_ms) + 60000))
	while [ "$(xt_now_ms)" -lt "$end" ]; do
		now=
		for id in "${rx[@]}"; do
			now+="$(mh_port_stat "$h" br-int "$id" tx pkts)/$(pk_rx_now "$id") "
		done
		if [ "$now" = "$prev" ]; then
			ok=1
			for id in "${rx[@]}"; do
				[ "$(mh_port_stat "$h" br-int "$id" tx pkts)" = "$(pk_rx_now "$id")" ] ||
					ok=0
			done
			[ $ok = 1 ] && return 0
		fi
		prev=$now
		sleep 1
	done
	xt_log "receivers not settled after 60 s (OVS port tx/checker rx): $now"
}

wire_start() {
	local end
	# not through mh_in: $! must be tcpdump itself (ip netns exec
	# execs it), not a subshell that would not pass SIGINT on
	ip netns exec "${MH_NS[$1]}" tcpdump -i "${MH_WIRE_IF[$1]}" -nn -s 96 -U \
		-w "$XT_DIR/wire.pcap" "$2" >"$XT_DIR/tcpdump.log" 2>&1 &
	WIRE_PID=$!
	XT_EXTRA_PIDS+=("$WIRE_PID")
	XT_LOG[tcpdump]=$XT_DIR/tcpdump.log
	end=$(($(xt_now_ms) + 10000))
	until grep -q "listening on" "$XT_DIR/tcpdump.log"; do
		[ "$(xt_now_ms)" -lt "$end" ] || xt_fail "tcpdump did not start"
		sleep 0.05
	done
}

# tcpdump decodes VXLAN (UDP 4789) as "vni 100" and Geneve (UDP 6081) as
# "vni 0x1"
wire_stop() {
	local n v
	kill -INT "$WIRE_PID" 2>/dev/null
	wait "$WIRE_PID" 2>/dev/null
	xt_forget "$WIRE_PID"
	tcpdump -nn -r "$XT_DIR/wire.pcap" 2>/dev/null >"$XT_DIR/wire.txt"
	WIRE_VNI=()
	while read -r n v; do
		WIRE_VNI[$((v))]=$n
	done < <(grep -o 'vni [0-9a-fx]*' "$XT_DIR/wire.txt" | awk '{ print $2 }' |
		sort | uniq -c)
	WIRE_FRAMES=0
	for v in "${!WIRE_VNI[@]}"; do
		WIRE_FRAMES=$((WIRE_FRAMES + WIRE_VNI[$v]))
		grep -m2 -A1 -E "vni ($v|$(printf '0x%x' "$v"))([^0-9a-fx]|\$)" \
			"$XT_DIR/wire.txt" | sed 's/^/  wire: /'
	done
	WIRE_DROPS=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' \
		"$XT_DIR/tcpdump.log")
}
