#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# attack-doms-switch: xenshm-attack plays hostile guests against one
# doms-switch process (net_xenshm ports) while two good guests stream
# through it (xenshm-pktcheck a -> b, broadcast in tenant red, so the
# hostile ports in red get frames on their d2g rings too).
#
#  1. handshake: one hostile guest socket, one connection per attack
#     (every OFFER field, message sizes, fds of every kind, seals, every
#     header field, silence, close mid-way, a second OFFER).  Each attack
#     must get the REJECT code the document names; the port counts them
#     (peer_rejects) and is never disabled.
#  2. data path: one fresh socket (port) per attack; after an honest
#     attach the guest breaks one ring rule.  The port must count exactly
#     that kind (err_*), be disabled (port_disabled) and unmap the region
#     (the guest sees DomS leave).  index-wrap and punch-hole must NOT
#     disable anything (the hole reads as zeros: bad_src_mac drops).
#  3. flapping: attach/leave in a loop; the reconnect back-off must grow.
#  4. a flood: 16 hostile guests at once, each running handshake attacks.
#  5. last, as it killed DomS before: a hugetlbfs memfd (REJECT FD_KIND
#     expected; if DomS maps it, the attacker takes every free huge page
#     and punches the region).
# After every phase: doms-switch lives, a and b stay up and clean, b keeps
# receiving; at the end pktcheck: 0 corrupted, 0 duplicated.
T_NAME=attack-doms-switch
: "${XS_FRAMES:=unused}" "${TAPIO:=unused}"
export XS_FRAMES TAPIO
. "$(dirname "$0")/../switch/lib.sh"
. "$(dirname "$0")/lib.sh"
G=$RUN/guests
HP_ADDED=0
hp_restore() {	# give back the huge pages phase 5 added
	[ "$HP_ADDED" -gt 0 ] || return 0
	echo $(($(cat /proc/sys/vm/nr_hugepages) - HP_ADDED)) \
		>/proc/sys/vm/nr_hugepages 2>/dev/null
	HP_ADDED=0
}
trap 'hp_restore; cleanup' EXIT

MA=02:00:00:00:0a:01 MB=02:00:00:00:0a:02
cat >"$RUN/sw.conf" <<CONF
[global]
guest-dir = $G
default-tenant = red
detach-grace-ms = 300
mbufs = 16384
[tenant red]
[guest a]
tenant = red
mac = $MA
[guest b]
tenant = red
mac = $MB
CONF
start_switch "$RUN/sw.conf"

alive() {
	kill -0 "$SW_PID" 2>/dev/null && return 0
	fail "doms-switch died"
	tail -30 "$RUN/switch.log"
	return 1
}
errsum() {	# PORT: sum of err_* xstats in T
	local k s=0
	[ "${T[$1.present]:-0}" = 1 ] || { echo "?"; return; }
	for k in "${!T[@]}"; do
		[[ $k == "$1".x.err_* ]] && s=$((s + T[$k]))
	done
	echo $s
}
rejsum() {	# PORT: sum of reject_* xstats in T
	local k s=0
	for k in "${!T[@]}"; do
		[[ $k == "$1".x.reject_* ]] && s=$((s + T[$k]))
	done
	echo $s
}
good_ports_ok() {	# WHAT: a and b up, clean, b receiving since $B0
	local p
	snap a b || { fail "$1: no telemetry"; return; }
	for p in a b; do
		expect "$1: port $p link up" "$([ "$(t $p.link)" = up ] && echo 1 || echo 0)" -eq 1
		expect "$1: port $p errors" "$(errsum $p)" -eq 0
		expect "$1: port $p not disabled" "$(t $p.x.port_disabled)" -eq 0
	done
	expect "$1: b kept receiving (DomS tx to b)" "$(t b.tx_pkts)" -gt "$B0"
	B0=$(t b.tx_pkts)
}

# xa NAME LOGFILE ARGS...: run the tool in the foreground (bounded)
xa() {
	local log=$1
	shift
	timeout -k 5 "${XA_LIMIT:-200}" "$XA" -e "$ERR_H" "$@" >"$log" 2>&1
	local rc=$?
	grep -E '^(RESULT|SPEC-FAIL|SUMMARY|  )' "$log" | sed 's/^/    /'
	return $rc
}

pktcheck_guest b $MB --rx-port 0 --late-join
wait_for 30 "port b up" port_up b || die "port b not up"
pktcheck_guest a $MA --tx-port 0 --src-mac $MA --rate 2000 --link-wait 10000
wait_for 30 "port a up" port_up a || die "port a not up"
b_rx() { snap b >/dev/null && [ "$(t b.tx_pkts)" -gt 0 ] 2>/dev/null; }
wait_for 30 "b receiving" b_rx || die "b receives nothing"
B0=$(t b.tx_pkts)

# ---- 1: handshake attacks on one socket -----------------------------------
mapfile -t HS < <("$XA" list | awk '$1 == "guest" && $2 ~ /^(offer|fd|hdr)-/ &&
	$2 != "fd-hugetlb" { print $2 }')
HS+=(close-mid silent double-offer offer-magic)
log "phase 1: ${#HS[@]} handshake attacks on $G/evil_hs.sock"
xa "$RUN/hs.log" -k -m 02:00:00:ee:00:01 guest "$G/evil_hs.sock" "${HS[@]}"
rc=$?
expect "handshake attacks: tool exit (0: every attack got its answer)" $rc -eq 0
alive || finish
n_acc=$(grep -c '^RESULT .* PASS: .*\(attached\|disconnected after\)' "$RUN/hs.log")
snap evil_hs
expect "evil_hs: refusals counted (peer_rejects >= attacks - accepted)" \
	"$(t evil_hs.x.peer_rejects)" -ge $((${#HS[@]} - n_acc - 2))
expect "evil_hs: refusals counted by kind (sum of reject_*)" \
	"$(rejsum evil_hs)" -eq "$(t evil_hs.x.peer_rejects)"
# every REJECT code the tool received is in reject_<kind>
while read -r code n; do
	k=$(echo "$code" | tr 'A-Z' 'a-z')
	expect "evil_hs: reject_$k" "$(t "evil_hs.x.reject_$k")" -ge "$n"
done < <(sed -n 's/^RESULT .* got REJECT \([A-Z_]*\) .*/\1/p' "$RUN/hs.log" |
	sort | uniq -c | awk '{ print $2, $1 }')
expect "evil_hs: reject_timeout (the silent attack)" "$(t evil_hs.x.reject_timeout)" -ge 1
expect "evil_hs: reject_msg_rejected (our REJECT)" "$(t evil_hs.x.reject_msg_rejected)" -ge 1
expect "evil_hs: never disabled" "$(t evil_hs.x.port_disabled)" -eq 0
expect "evil_hs: no data-path error" "$(errsum evil_hs)" -eq 0
rm -f "$G/evil_hs.sock"
good_ports_ok "after handshake attacks"

# ---- 2: data-path attacks, one port each -----------------------------------
log "phase 2: data-path attacks"
i=0
while read -r _ name kind _; do
	i=$((i + 1))
	sock=$G/evil_dp$i.sock
	xa "$RUN/dp-$name.log" -k -t 20 -m "02:00:00:ee:01:$(printf %02x $i)" \
		guest "$sock" "$name"
	rc=$?
	alive || finish
	expect "$name: tool verdict" $rc -eq 0
	P=evil_dp$i
	snap $P
	case $name in
	index-wrap)
		expect "$name: not disabled" "$(t $P.x.port_disabled)" -eq 0
		expect "$name: no error" "$(errsum $P)" -eq 0
		;;
	punch-hole)
		expect "$name: not disabled" "$(t $P.x.port_disabled)" -eq 0
		expect "$name: no error" "$(errsum $P)" -eq 0
		expect "$name: zeros read from the hole (bad_src_mac drops)" \
			"$(t $P.d.bad_src_mac)" -ge 8
		;;
	*)
		expect "$name: port disabled" "$(t $P.x.port_disabled)" -eq 1
		expect "$name: one error counted" "$(errsum $P)" -eq 1
		if [ "$kind" != any ]; then
			k=$(echo "$kind" | tr 'A-Z' 'a-z')
			expect "$name: err_$k" "$(t "$P.x.err_$k")" -eq 1
		fi
		;;
	esac
	rm -f "$sock"
done < <("$XA" list | awk '$1 == "guest" && $3 ~ /^([A-Z_]+|any)$/ &&
	$3 !~ /^(REJECT|EOF|REFUSED|ACCEPT)/ { print }
	$1 == "guest" && ($2 == "index-wrap" || $2 == "punch-hole") { print }')
expect "data-path attacks run" "$i" -ge 15
good_ports_ok "after data-path attacks"

# ---- 3: flapping ----------------------------------------------------------
log "phase 3: flapping"
xa "$RUN/flap.log" -k -f 100 -m 02:00:00:ee:02:01 guest "$G/evil_flap.sock" flap
expect "flap: reconnect back-off grows (flap damping)" $? -eq 0
alive || finish
snap evil_flap
log "evil_flap: attaches $(t evil_flap.x.peer_attaches) detaches $(t evil_flap.x.peer_detaches) flaps $(t evil_flap.x.peer_flaps)"
expect "evil_flap: flaps counted (peer_flaps)" "$(t evil_flap.x.peer_flaps)" -ge 8
rm -f "$G/evil_flap.sock"
good_ports_ok "after flapping"

# ---- 4: a flood of hostile guests -----------------------------------------
log "phase 4: 16 hostile guests at once"
fl=()
for n in $(seq 1 16); do
	XA_LIMIT=120 xa "$RUN/flood$n.log" -m "02:00:00:ee:03:$(printf %02x "$n")" \
		guest "$G/evil_fl$n.sock" offer-version fd-none hdr-magic \
		offer-long >/dev/null &
	fl+=($!)
done
for p in "${fl[@]}"; do wait "$p"; done
nok=$(grep -l '^SUMMARY pass=4 fail=0' "$RUN"/flood*.log | wc -l)
expect "flood: hostile guests whose 4 attacks were all refused right" $nok -eq 16
alive || finish
good_ports_ok "after the flood"

# ---- 5: hugetlbfs memfd ---------------------------------------------------
# (4 more pages, given back afterwards; other tests on this machine may
# change the count meanwhile, so take back only what was added)
HP0=$(cat /proc/sys/vm/nr_hugepages)
echo $((HP0 + 4)) >/proc/sys/vm/nr_hugepages 2>/dev/null
HP_ADDED=$(($(cat /proc/sys/vm/nr_hugepages) - HP0))
free=$(awk '/HugePages_Free/ { print $2 }' /proc/meminfo)
if [ "${free:-0}" -ge 2 ]; then
	log "phase 5: hugetlbfs memfd ($free free 2 MiB pages)"
	xa "$RUN/huge.log" -m 02:00:00:ee:04:01 guest "$G/evil_huge.sock" fd-hugetlb
	expect "fd-hugetlb: REJECT FD_KIND" $? -eq 0
	if ! kill -0 "$SW_PID" 2>/dev/null; then
		wait "$SW_PID"
		fail "doms-switch died (exit $?) after the hugetlbfs punch"
		tail -5 "$RUN/switch.log"
	fi
else
	fail "phase 5 not run: cannot reserve 2 MiB huge pages"
fi
hp_restore
alive || finish
good_ports_ok "after the hugetlbfs attack"

# ---- the good stream ------------------------------------------------------
kill -INT "$GPID_a"
reap a 30
kill -INT "$GPID_b"
reap b 30
log "pktcheck a: $(tail -1 "$RUN/a.log")"
log "pktcheck b: $(tail -1 "$RUN/b.log")"
expect "a sent" "$(j "$RUN/a.pkc.json" "d['tx']")" -gt 1000
expect "b received" "$(j "$RUN/b.pkc.json" "d['rx']")" -gt 1000
expect "b: corrupted" "$(j "$RUN/b.pkc.json" "d['corrupted']")" -eq 0
expect "b: duplicated" "$(j "$RUN/b.pkc.json" "d['duplicated']")" -eq 0
log "b: lost $(j "$RUN/b.pkc.json" "d['lost']") (not asserted: CPU contention), foreign $(j "$RUN/b.pkc.json" "d['foreign']") (the hostile guests' broadcasts)"
finish
