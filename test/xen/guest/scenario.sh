#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# The real-Xen scenario, run in Dom0 by dom0-init.sh.  Dom0 only creates
# and destroys domains and writes xenstore (xl, xenshm-ctl): every packet
# goes between the guests and DomS through granted pages.
#
# Phases (XS_PHASES, default "xchk switch"):
#   xchk    the transport alone: xguest runs xenshm-xen-check guest, xdoms
#           echoes, for it and for hguest, in one loop; hguest then attacks
#           its own xenstore keys (junk, epoch flips, permissions, a forged
#           backend-id) while xguest must keep its echoes; then the DomS
#           process is killed, and xdoms is destroyed and created again
#           while xguest runs.
#   switch  DPDK: sdoms runs doms-switch, which finds the guests Dom0
#           assigned to it in xenstore; sguest1 sends with pktcheck over
#           net_xenshm_guest, sguest2 receives and checks; sdoms is
#           destroyed and created again while both guests keep running.
#   pmd     the same with Debian's dpdk-testpmd (io forwarding, two
#           net_xenshm ports given the guests' domain ids) as DomS.
#   smoke   the test bed alone: three idle domUs.
# Each stage has a time limit; a stage that misses it fails the test.
# XS_BREAK=corrupt|devid breaks the data path on purpose (must FAIL).
set -u
export PATH=/xenshm/bin:$PATH
R=/xenshm/results
CON=/var/log/xen/console
PHASES=$(echo "${XS_PHASES:-xchk,switch}" | tr "+," "  ")
BREAK=${XS_BREAK:-none}
VERDICT=$R/scenario-verdict.txt
STAGE=init
STAGE_T0=0
declare -A DOMID

now() { cut -d' ' -f1 /proc/uptime; }
# Arithmetic on seconds with awk (the Dom0 image has no bc).
since() { awk -v a="$(now)" -v b="$1" 'BEGIN { printf "%.1f", a - b }'; }
diff_s() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a - b }'; }
gt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a > b) }'; }
say() { echo "XS t=$(now) $*"; }

stage() {
	STAGE=$1
	STAGE_T0=$(now)
	say "STAGE $STAGE: $2"
}
stage_done() {
	local d
	d=$(since "$STAGE_T0")
	printf 'XS-STAGE-TIME %-28s %6.1f s\n' "$STAGE" "$d"
	printf '%-28s %6.1f s\n' "$STAGE" "$d" >> $R/stage-times.txt
	case $STAGE in *-boot) slow_from_boot "$d" ;; esac
}

# Every deadline below is scaled by SLOW.  Booting the phase's domains is
# the same work every run, about 30 s under QEMU (TCG) on a quiet 2-core
# host; a run that boots slower is on a loaded host, where everything
# after is slower by about as much (one CI run booted in 200 s and then
# missed a 60 s deadline with traffic flowing).  Only deadlines scale:
# what is checked, and the bounds on what DomS may do, stay the same.
SLOW=1
BOOT_QUIET_S=30
slow_from_boot() { # BOOT_SECONDS
	SLOW=$(awk -v d="$1" -v q=$BOOT_QUIET_S -v s=$SLOW 'BEGIN {
		f = int(d / q + 0.999); if (f < s) f = s; if (f > 8) f = 8
		if (f < 1) f = 1; print f }')
	say "deadlines scaled by $SLOW (boot took $1 s, $BOOT_QUIET_S s when quiet)"
}
# scaled SECONDS: a deadline in seconds, times SLOW
scaled() { echo $(($1 * SLOW)); }
con() { tr -d '\r' < "$CON/guest-$1.log" 2>/dev/null; }
dump() {
	local n
	for n in "$@"; do
		[ -f "$CON/guest-$n.log" ] || continue
		# Periodic status lines only in their last three.
		echo "----- console of $n (last 60 other lines) -----"
		con "$n" | grep -avE '^XCHK (guest|doms) t=|^pktcheck: progress|Port statistics|^  (RX|TX)-|^  #+|^ *$' |
			tail -n 60
		echo "----- $n: last status lines -----"
		con "$n" | grep -aE '^XCHK (guest|doms) t=|^pktcheck: progress' | tail -n 3
	done
	echo "----- xenstore xenshm -----"
	xenstore-ls -f /local/domain 2>/dev/null | grep -E 'xenshm' | head -n 80
	xenshm-ctl list 2>&1
}
fail() {
	say "FAIL in stage $STAGE: $*"
	echo "stage $STAGE: $*" >> $VERDICT
	dump xguest xdoms hguest guest1 guest2 doms sguest1 sguest2 sdoms
	xl list
	exit 1
}

# Dom0 shares its CPU with the guests: its polling must stay light (no
# xl and no whole-log pipelines every half second).
# wait_log NAME REGEX SECONDS [MIN_COUNT]: wait until the console of NAME
# has at least MIN_COUNT (default 1) lines matching REGEX.
wait_log() {
	local n=$1 re=$2 lim=$(scaled "$3") want=${4:-1} t0 i=0
	t0=$(now)
	while [ "$(count_log "$n" "$re")" -lt "$want" ]; do
		gt "$(since "$t0")" "$lim" && return 1
		i=$((i + 1))
		if [ $((i % 10)) = 0 ] && gone "$n"; then
			sleep 1
			[ "$(count_log "$n" "$re")" -ge "$want" ]
			return $?
		fi
		sleep 1
	done
	return 0
}
count_log() {
	local c
	c=$(grep -acE -- "$2" "$CON/guest-$1.log" 2>/dev/null)
	echo "${c:-0}"
}
# Last value of key=N on the last line of NAME's console matching REGEX
# (only the end of the log is read).
last_val() {
	tail -n 400 "$CON/guest-$1.log" 2>/dev/null | tr -d '\r' |
		grep -aE -- "$2" | tail -n1 | tr ' ' '\n' |
		sed -n "s/^$3=\([0-9]*\).*/\1/p" | tail -n1
}

mkcfg() { # TEMPLATE NAME ROLE ARGS
	sed -e "s|@NAME@|$2|" -e "s|@ROLE@|$3|" -e "s|@ARGS@|$4|" \
		/xenshm/$1.cfg.in > /tmp/$2.cfg
}
create() { # NAME
	xl -vv create /tmp/$1.cfg > $R/xl-create-$1.log 2>&1 ||
		{ grep -E 'error|panic|XZ|decompress|memory' \
			$R/xl-create-$1.log | tail -n 30; free -m;
		  dmesg | tail -n 20; fail "xl create $1"; }
	DOMID[$1]=$(xl domid "$1")
	say "created $1 domid=${DOMID[$1]}"
}
stop_role() { # NAME: ask the domain's program to finish (SIGINT)
	xenstore-write /local/domain/${DOMID[$1]}/data/xenshm-stop 1
}
gone() { ! xl domid "$1" >/dev/null 2>&1; }
wait_gone() { # NAME SECONDS
	local i
	for i in $(seq 1 $(($(scaled "$2") * 2))); do
		gone "$1" && return 0
		sleep 0.5
	done
	return 1
}
destroy_all() {
	local n
	for n in doms guest1 guest2 xdoms xguest hguest sdoms sguest1 sguest2; do
		gone $n || xl destroy $n
	done
}

# Wait until the value of KEY on NAME's REGEX lines exceeds MIN.
wait_val_above() { # NAME REGEX KEY MIN SECONDS
	local t0 v
	t0=$(now)
	while :; do
		v=$(last_val "$1" "$2" "$3")
		[ -n "$v" ] && [ "$v" -gt "$4" ] && return 0
		gt "$(since "$t0")" "$(scaled "$5")" && return 1
		sleep 1
	done
}

# -------------------------------------------------------------- hostile
# hguest runs a real endpoint and, on request, attacks its own frontend
# keys (domu-init.sh attack_*).  DomS serves it and xguest from one loop.
ATTACK_SEQ=0
attack() { # NAME SECONDS: have hguest run an attack, wait until it is done
	local h=${DOMID[hguest]} t0 d
	ATTACK_SEQ=$((ATTACK_SEQ + 1))
	xenstore-write /local/domain/$h/data/xenshm-attack "$ATTACK_SEQ $1"
	t0=$(now)
	while :; do
		d=$(xenstore-read /local/domain/$h/data/xenshm-attack-done 2>/dev/null)
		[ "$d" = "$ATTACK_SEQ" ] && return 0
		gt "$(since "$t0")" "$(scaled "$2")" && return 1
		sleep 1
	done
}
# A DomS port's counter: port_val GUEST KEY
port_val() { last_val xdoms "^XCHK doms t=.* port=$1 " "$2"; }
# Snapshot before an attack: the good port, the hostile port, DomS.
snap() {
	S_RX=$(last_val xguest '^XCHK guest ' rx)
	S_GDOWN=$(count_log xguest 'XCHK-EVENT guest .*PEER_DOWN')
	S_PDOWN=$(port_val "$G1" downs)
	S_HUP=$(port_val "$HG" ups)
	S_HDOWN=$(port_val "$HG" downs)
	S_HREJ=$(port_val "$HG" rejects)
	S_DSTAT=$(count_log xdoms "^XCHK doms t=.* port=$G1 ")
	S_T=$(now)
}
# After an attack: DomS lives (same process, still reporting), only the
# hostile port was hurt (and it was counted), xguest kept its echoes.
hostile_check() { # ATTACK MAX_MAPS
	local rx hup hdown hrej pdown maps t
	# DomS's next status lines, and xguest's echoes going on: waited for
	# (a loaded host is slow), then checked below.
	wait_log xdoms "^XCHK doms t=.* port=$G1 " 10 $((S_DSTAT + 3))
	wait_val_above xguest '^XCHK guest ' rx $((S_RX + 100)) 10
	sleep 2	# one more status line from everybody
	[ "$(count_log xdoms 'role restarted|role exit')" = 0 ] &&
		[ "$(count_log xdoms 'XCHK doms pid=')" = 1 ] ||
		fail "$1: the DomS process died or was restarted"
	t=$(count_log xdoms "^XCHK doms t=.* port=$G1 ")
	[ "$t" -ge $((S_DSTAT + 3)) ] ||
		fail "$1: DomS stopped reporting ($S_DSTAT -> $t status lines)"
	pdown=$(port_val "$G1" downs)
	[ "$pdown" = "$S_PDOWN" ] ||
		fail "$1: the good guest's port went down on DomS ($S_PDOWN -> $pdown)"
	[ "$(count_log xguest 'XCHK-EVENT guest .*PEER_DOWN')" = "$S_GDOWN" ] ||
		fail "$1: xguest saw DomS go away"
	rx=$(last_val xguest '^XCHK guest ' rx)
	[ -n "$rx" ] && [ "$rx" -gt $((S_RX + 100)) ] ||
		fail "$1: xguest's echoes stalled (rx $S_RX -> $rx)"
	hup=$(port_val "$HG" ups)
	hdown=$(port_val "$HG" downs)
	hrej=$(port_val "$HG" rejects)
	[ $((hdown + hrej)) -gt $((S_HDOWN + S_HREJ)) ] ||
		fail "$1: the hostile port was not counted (downs $S_HDOWN -> $hdown, rejects $S_HREJ -> $hrej)"
	maps=$(( (hup - S_HUP) + (hrej - S_HREJ) ))
	[ -z "${2:-}" ] || [ "$maps" -le "$2" ] ||
		fail "$1: DomS attached or refused the hostile guest $maps times in $(since "$S_T") s (at most $2 allowed)"
	echo "XS-HOSTILE $1: $(since "$S_T") s; hostile port ups +$((hup - S_HUP)) downs +$((hdown - S_HDOWN)) rejects +$((hrej - S_HREJ)); good port downs +0, xguest rx +$((rx - S_RX)); DomS poll_max_us good/hostile $(port_val "$G1" poll_max_us)/$(port_val "$HG" poll_max_us)" |
		tee -a $R/stage-times.txt
}
# Wait until DomS has the hostile guest attached again (it re-offers).
hostile_up() { # SECONDS
	local t0
	t0=$(now)
	while ! tail -n 30 "$CON/guest-xdoms.log" | tr -d '\r' |
		grep -aq "^XCHK doms t=.* port=$HG UP "; do
		gt "$(since "$t0")" "$(scaled "$1")" && return 1
		sleep 1
	done
}

# ------------------------------------------------------------------ xchk
phase_xchk() {
	local devid=0 opt="" g1 pid1 pid2 down0 up0 rx0 t_destroy t_down
	local t_create t_up rx1 refs0 refs1 ds out

	[ "$BREAK" = devid ] && devid=1
	[ "$BREAK" = corrupt ] && opt="xsopt=corrupt"

	stage xchk-boot "xguest (checker), hguest (hostile), xdoms (DomS, echo)"
	mkcfg guest xguest xchk-guest ""
	create xguest
	g1=${DOMID[xguest]}
	G1=$g1
	mkcfg guest hguest xchk-hostile ""
	create hguest
	HG=${DOMID[hguest]}
	mkcfg doms xdoms xchk-doms "xsguest=$g1 xsguest2=$HG $opt"
	create xdoms
	ds=${DOMID[xdoms]}
	xenshm-ctl connect xguest $devid xdoms || fail "xenshm-ctl connect"
	xenshm-ctl connect hguest 0 xdoms || fail "xenshm-ctl connect hguest"
	xenshm-ctl daemon > $R/ctl-daemon.log 2>&1 &
	CTL_PID=$!
	wait_log xguest 'XCHK guest pid=' 60 || fail "xguest checker did not start"
	wait_log hguest 'XCHK guest pid=' 60 || fail "hguest did not start"
	wait_log xdoms 'XCHK doms pid=' 60 || fail "DomS echo did not start"
	stage_done

	stage xchk-connect "DomS maps xguest's and hguest's regions"
	wait_log xguest 'XCHK-EVENT guest .*PEER_UP' 60 ||
		fail "xguest never saw DomS attach"
	wait_val_above xguest '^XCHK guest ' rx 300 60 ||
		fail "no echo traffic xguest <-> DomS"
	hostile_up 180 || fail "DomS never attached hguest"
	say "traffic: $(con xguest | grep '^XCHK guest ' | tail -n1)"
	stage_done

	# A hostile guest in its own domain writes what it likes into its
	# frontend directory.  DomS must live, lose (and count) that port
	# only, and keep echoing for xguest from the same loop.
	stage xchk-hostile-junk "hguest writes junk, oversized and rapidly rewritten keys"
	snap
	attack junk 240 || fail "hguest's junk attack did not finish"
	hostile_check junk
	stage_done

	stage xchk-hostile-flip "hguest flips its offer's epoch every 50 ms for 20 s"
	hostile_up 180 || fail "hguest did not come back after the junk"
	snap
	attack flip 240 || fail "hguest's epoch flipping did not finish"
	# Unbounded, DomS would map it about every 50 ms (hundreds of
	# times); the hold-off (100 ms doubling to 10 s) allows about 10.
	hostile_check flip 30
	stage_done

	stage xchk-hostile-perms "hguest takes DomS's read access away, then lets everybody write"
	hostile_up 180 || fail "hguest did not come back after the epoch flips"
	snap
	attack perms 180 || fail "hguest's permission attack did not finish"
	hostile_check perms
	stage_done

	stage xchk-hostile-forge "hguest forges backend-id; Dom0 disconnects it"
	hostile_up 180 || fail "hguest did not come back after the permissions"
	snap
	attack forge 120 || fail "hguest's forgery did not finish"
	# Dom0 must take xdoms's backend offline, whatever the guest says.
	out=$(xenshm-ctl disconnect hguest 0 2>&1)
	say "disconnect: $out"
	echo "$out" | grep -q "backend in domain $ds offline" ||
		fail "xenshm-ctl did not take DomS $ds's backend offline: $out"
	xenstore-exists /local/domain/$ds/backend/xenshm/$HG/0 2>/dev/null &&
		fail "hguest's backend directory in DomS survived the disconnect"
	hostile_check forge
	# DomS has since seen the port go down and written its state: into a
	# directory Dom0 removed, a plain write would have created it again.
	xenstore-exists /local/domain/$ds/backend/xenshm/$HG/0 2>/dev/null &&
		fail "DomS brought hguest's backend directory back after the disconnect: $(xenstore-ls /local/domain/$ds/backend/xenshm/$HG 2>&1 | head -n 5)"
	stage_done

	stage xchk-doms-kill "SIGKILL the DomS process, start it again in the same domain"
	# Same domain, same domain id: the guest must keep its grants (the
	# new process maps the same refs) and notice the death through the
	# unmap notification on the DomS live byte.
	refs0=$(xenstore-read /local/domain/$g1/device/xenshm/0/ref-dir)
	down0=$(count_log xguest 'XCHK-EVENT guest .*PEER_DOWN')
	up0=$(count_log xguest 'XCHK-EVENT guest .*PEER_UP')
	t_destroy=$(now)
	xenstore-write /local/domain/${DOMID[xdoms]}/data/xenshm-kill 1
	wait_log xguest 'XCHK-EVENT guest .*PEER_DOWN' 30 $((down0 + 1)) ||
		fail "xguest did not notice the DomS process dying"
	t_down=$(now)
	con xguest | grep 'XCHK-EVENT guest .*PEER_DOWN' | tail -n1 |
		grep -q 'live byte is 0' ||
		fail "the DomS death was not seen through its live byte: $(con xguest | grep 'PEER_DOWN' | tail -n1)"
	rx0=$(last_val xguest '^XCHK guest ' rx)
	wait_log xguest 'XCHK-EVENT guest .*PEER_UP' 60 $((up0 + 1)) ||
		fail "xguest never re-attached to the restarted DomS process"
	wait_val_above xguest '^XCHK guest ' rx $((rx0 + 100)) 60 ||
		fail "echoes did not resume after the DomS process restart"
	t_up=$(now)
	refs1=$(xenstore-read /local/domain/$g1/device/xenshm/0/ref-dir)
	[ -n "$refs0" ] && [ "$refs0" = "$refs1" ] ||
		fail "the grant refs changed across a DomS process restart ($refs0 / $refs1)"
	echo "XS-RECOVERY xchk-kill: kill->noticed $(diff_s $t_down $t_destroy) s," \
		"kill->traffic $(diff_s $t_up $t_destroy) s (same refs: $refs1)" |
		tee -a $R/stage-times.txt
	stage_done

	stage xchk-doms-restart "xl destroy xdoms; xl create xdoms"
	down0=$(count_log xguest 'XCHK-EVENT guest .*PEER_DOWN')
	up0=$(count_log xguest 'XCHK-EVENT guest .*PEER_UP')
	t_destroy=$(now)
	xl destroy xdoms || fail "xl destroy xdoms"
	wait_log xguest 'XCHK-EVENT guest .*PEER_DOWN' 30 $((down0 + 1)) ||
		fail "xguest did not notice DomS going away"
	t_down=$(now)
	rx0=$(last_val xguest '^XCHK guest ' rx)
	say "xguest saw DomS go after $(since $t_destroy) s (rx=$rx0)"
	t_create=$(now)
	create xdoms
	wait_log xguest 'XCHK-EVENT guest .*PEER_UP' 120 $((up0 + 1)) ||
		fail "xguest never re-attached to the new DomS"
	wait_val_above xguest '^XCHK guest ' rx $((rx0 + 100)) 60 ||
		fail "traffic did not resume after the DomS restart"
	t_up=$(now)
	echo "XS-RECOVERY xchk: destroy->noticed $(diff_s $t_down $t_destroy) s," \
		"create->traffic $(diff_s $t_up $t_create) s," \
		"destroy->traffic $(diff_s $t_up $t_destroy) s" |
		tee -a $R/stage-times.txt
	stage_done

	stage xchk-verdict "stop the checker, collect its verdict"
	sleep 3
	stop_role xguest
	wait_log xguest 'XCHK-VERDICT guest' 30 || fail "no verdict from xguest"
	wait_log xguest 'role exit' 30 || fail "xguest program did not exit"
	say "xguest: $(con xguest | grep 'XCHK-VERDICT guest')"
	pid1=$(con xguest | grep -m1 'role pid=' | sed 's/.*pid=//')
	pid2=$(con xguest | grep 'role exit' | tail -n1 | sed 's/.*pid=//')
	[ "$(count_log xguest 'role pid=')" = 1 ] && [ "$pid1" = "$pid2" ] ||
		fail "xguest's program was restarted (pids $pid1 / $pid2)"
	con xguest | grep -q 'XCHK-VERDICT guest PASS' ||
		fail "xguest: $(con xguest | grep 'XCHK-VERDICT guest')"
	stop_role xdoms
	kill $CTL_PID 2>/dev/null
	wait_gone xguest 30
	destroy_all
	wait_gone xdoms 30
	xenshm-ctl disconnect ${DOMID[xguest]} $devid --force >/dev/null 2>&1
	stage_done
	echo "xchk: xguest <-> DomS echo checked, DomS restarted, same guest process" >> $VERDICT
}

# ------------------------------------------------------------------- pmd
# phase_dpdk PHASE PREFIX DOMS_ROLE DOMS_WHAT
phase_dpdk() {
	local ph=$1 pf=$2 role=$3 what=$4
	local G1=${pf}guest1 G2=${pf}guest2 DS=${pf}doms
	local devid2=0 opt="" g1 g2 n rx0 t_destroy t_down t_create t_up
	local pid1 pid2 sum
	. /xenshm/have.env
	if [ -z "$pmd_guest" ] || [ -z "$pmd_doms" ] || [ -z "$pktcheck" ]; then
		STAGE=$ph-prereq
		fail "not built: need guest-pmd, drivers/net/xenshm and test/pktcheck"
	fi
	if [ "$role" = switch-doms ] && [ -z "$switch" ]; then
		STAGE=$ph-prereq
		fail "not built: app/doms-switch"
	fi
	[ "$BREAK" = devid ] && devid2=1
	[ "$BREAK" = corrupt ] && opt="xsopt=corrupt"

	stage $ph-boot "$G1 (pktcheck sender), $G2 (pktcheck receiver), $DS ($what)"
	mkcfg guest $G1 pkc-tx "$opt"
	create $G1
	mkcfg guest $G2 pkc-rx ""
	create $G2
	g1=${DOMID[$G1]}
	g2=${DOMID[$G2]}
	mkcfg doms $DS $role "xsg1=$g1 xsg2=$g2"
	create $DS
	xenshm-ctl connect $G1 0 $DS || fail "xenshm-ctl connect $G1"
	xenshm-ctl connect $G2 $devid2 $DS || fail "xenshm-ctl connect $G2"
	xenshm-ctl daemon > $R/ctl-daemon-$ph.log 2>&1 &
	CTL_PID=$!
	for n in $G1 $G2; do
		wait_log $n 'role pid=' 60 || fail "$n did not start its program"
	done
	wait_log $DS 'role pid=' 60 || fail "$DS did not start $what"
	stage_done

	stage $ph-traffic "$G1 -> $DS -> $G2, checked by pktcheck"
	wait_val_above $G2 'pktcheck: progress' rx 500 300 ||
		fail "$G2 received no traffic through $DS"
	say "$G2: $(con $G2 | grep 'pktcheck: progress' | tail -n1)"
	# Where the memory goes: each guest granted its region to DomS.
	for n in $G1 $G2; do
		say "$n device granted-to: $(xenstore-read /local/domain/${DOMID[$n]}/device/xenshm/0/granted-to 2>&1)," \
			"DomS is ${DOMID[$DS]}; vifs: $(xl network-list $n 2>/dev/null | tail -n +2 | wc -l)"
	done
	stage_done

	stage $ph-doms-restart "xl destroy $DS; xl create $DS; guests keep running"
	t_destroy=$(now)
	xl destroy $DS || fail "xl destroy $DS"
	wait_log $G2 'DomS left|went away' 30 ||
		fail "$G2's PMD did not notice DomS going away"
	t_down=$(now)
	sleep 2
	rx0=$(last_val $G2 'pktcheck: progress' rx)
	say "DomS gone; $G2 rx=$rx0"
	t_create=$(now)
	create $DS
	wait_val_above $G2 'pktcheck: progress' rx $((rx0 + 500)) 300 ||
		fail "traffic did not resume after the DomS restart"
	t_up=$(now)
	echo "XS-RECOVERY $ph: destroy->noticed $(diff_s $t_down $t_destroy) s," \
		"create->traffic $(diff_s $t_up $t_create) s," \
		"destroy->traffic $(diff_s $t_up $t_destroy) s" |
		tee -a $R/stage-times.txt
	say "$G2: $(con $G2 | grep 'pktcheck: progress' | tail -n1)"
	stage_done

	stage $ph-verdict "stop sender then receiver; pktcheck verdicts; same processes"
	sleep 3
	stop_role $G1
	wait_log $G1 'role exit' 60 || fail "$G1's pktcheck did not exit"
	sleep 2
	stop_role $G2
	wait_log $G2 'role exit' 60 || fail "$G2's pktcheck did not exit"
	for n in $G1 $G2; do
		sum=$(con $n | grep -E '^pktcheck: tx=' | tail -n1)
		say "$n summary: $sum"
		pid1=$(con $n | grep -m1 'role pid=' | sed 's/.*pid=//')
		pid2=$(con $n | grep 'role exit' | tail -n1 | sed 's/.*pid=//')
		[ "$(count_log $n 'role pid=')" = 1 ] && [ "$pid1" = "$pid2" ] ||
			fail "$n's program was restarted (pids $pid1 / $pid2)"
		echo "$sum" | grep -q 'result=PASS' ||
			fail "$n: pktcheck says $(echo "$sum" | grep -o 'result=[A-Z]*'): $(con $n | grep 'pktcheck: FAIL' | head -n3 | tr '\n' ' ')"
		con $n | grep -q 'role exit rc=0' || fail "$n: pktcheck exit status not 0"
	done
	echo "XS-RESULT $ph $G2 $(con $G2 | grep -E '^pktcheck: tx=' | tail -n1 |
		grep -oE '(rx|lost|duplicated|corrupted|max_gap_ms)=[0-9.]+' | tr '\n' ' ')" |
		tee -a $R/stage-times.txt
	stop_role $DS
	kill $CTL_PID 2>/dev/null
	wait_gone $G1 30
	wait_gone $G2 30
	destroy_all
	stage_done
	echo "$ph: $G1 -> $DS ($what) -> $G2 checked by pktcheck, DomS restarted, same guest processes" >> $VERDICT
}

# ----------------------------------------------------------------- smoke
# The test bed alone: three idle domains, and Dom0 still sane after.
phase_smoke() {
	local sum0 sum1 n
	stage smoke "three idle domUs"
	sum0=$(md5sum < /xenshm/vmlinuz)
	for n in guest1 doms guest2; do
		if [ $n = doms ]; then mkcfg doms doms idle ""
		else mkcfg guest $n idle ""; fi
		create $n
		sum1=$(md5sum < /xenshm/vmlinuz)
		[ "$sum0" = "$sum1" ] || fail "vmlinuz reads differently after creating $n"
	done
	xl list
	for n in guest1 doms guest2; do
		wait_log $n 'role pid=' 60 || fail "$n did not start"
	done
	destroy_all
	stage_done
}

say "scenario phases: $PHASES, break: $BREAK"
for p in $PHASES; do
	case $p in
	smoke) phase_smoke ;;
	xchk) phase_xchk ;;
	pmd) phase_dpdk pmd "" pmd-doms testpmd ;;
	switch) phase_dpdk switch s switch-doms doms-switch ;;
	*) fail "unknown phase $p" ;;
	esac
done
echo "all phases passed ($PHASES)" >> $VERDICT
exit 0
