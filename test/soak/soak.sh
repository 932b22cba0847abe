#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# Soak ("make soak", "make soak-san"; not part of "make test" or CI).
#
# Traffic through doms-switch for SOAK_SECONDS (default 600) while
#   * doms-switch is SIGKILLed SOAK_KILL_EVERY s (default 5) after every
#     start and started again at once by a supervising loop (what systemd's
#     Restart=always does), and
#   * two "churn" guests are restarted every SOAK_CHURN_EVERY s (default
#     20): their ports attach and leave, while four long-lived guests keep
#     running the whole time.
#
#   tenant ta:  la_tx (long) --------> la_rx (long)    sizes 64,1514,9000
#   tenant tb:  cb_tx (churn sender) -> lb_rx (long)   a new session per
#               generation; every other generation SIGKILLed, the others
#               stopped with SIGINT (socket removed: the port is detached)
#   tenant tc:  lc_tx (long) --------> cc_rx (churn receiver, --late-join,
#               stopped with SIGINT so that its counters are kept)
#
# Every guest is xenshm-pktcheck on net_xenshm_guest; each pair has its own
# tenant, so that a frame flooded while its destination is not attached yet
# never reaches another checker.  The run fails when
#   * any checker saw a corrupted or duplicated frame (also bad_len,
#     bad_csum, bad_payload; reordered and stale unless SOAK_ALLOW_REORDER=1),
#   * a long-lived guest exited or is another process at the end (PID and
#     start time compared),
#   * the fd count or resident memory of a long-lived guest, or of
#     doms-switch across its incarnations, grew by more than SOAK_FD_TOL /
#     SOAK_RSS_TOL_KB after the warm-up (sampled every SOAK_SAMPLE_EVERY s;
#     doms-switch just before each SIGKILL).  Guests: fds, VmRSS minus
#     what is resident of the shared ring regions (memfd xenshm-region, a
#     fixed-size mapping of 128 MiB whose pages become resident as the
#     rings wrap), RssAnon, and VmRSS itself when the warm-up is at least
#     60 s (enough for the rings to wrap).  doms-switch (a new process
#     every 5 s, so this is about state that outlives an incarnation):
#     fds and RssAnon; its VmRSS is printed,
#   * doms-switch exited by itself (crash, sanitizer abort), or did not end
#     cleanly on SIGTERM at the end,
#   * a long-lived guest did not re-attach in 3 consecutive incarnations in
#     which another long-lived guest did, or not all of them re-attached
#     after the last restart, or a long-lived stream stalled for 60 s,
#   * a churn generation never got a frame through (never attached),
#   * a sanitizer reported anything in any log (soak-san: ASan, UBSan, and
#     LeakSanitizer at every clean exit).
# Losses are reported, not asserted: a frame in flight when DomS is killed,
# or sent while it restarts, is dropped by design.
#
# usage: test/soak/soak.sh BUILD_DIR
# Environment (all optional):
#   SOAK_SECONDS=600       length of the kill/churn phase
#   SOAK_KILL_EVERY=5      seconds from each doms-switch start to its SIGKILL
#   SOAK_CHURN_EVERY=20    life of a churn guest generation (s)
#   SOAK_CHURN_GAP=2       pause before the next generation (s; longer than
#                          detach-grace-ms so a clean stop detaches the port)
#   SOAK_SAMPLE_EVERY=5    fd/VmRSS sampling period of the long-lived guests
#   SOAK_WARMUP=           seconds not judged for growth (default
#                          min(120, SOAK_SECONDS/4); under ASan the bounded
#                          quarantine fills in about a minute)
#   SOAK_FD_TOL=2          fds a process may gain after the warm-up
#   SOAK_RSS_TOL_KB=4096   VmRSS (KiB) a process may gain after the warm-up
#                          (16384 with SOAK_SAN=1: the ASan allocator)
#   SOAK_RATE=2000         frames/s of each sender
#   SOAK_CPUS=0-1          CPUs every DPDK thread may run on (not pinned)
#   SOAK_SAN=0|1           sanitizer variant: ASAN_OPTIONS/UBSAN_OPTIONS set
#                          (the build dir decides what is instrumented)
#   SOAK_ALLOW_REORDER=0|1 reordered/stale frames only reported
#   SOAK_KEEP=DIR          copy the run directory (logs, tsv, json) there
set -uo pipefail

B=${1:?usage: $0 BUILD_DIR}
B=$(cd "$B" && pwd) || exit 2
HERE=$(cd "$(dirname "$0")" && pwd)
export XENSHM_GUEST_PMD=$B/guest-pmd/librte_net_xenshm_guest.so
export XENSHM_DOMS_PMD=$B/drivers/net/xenshm/librte_net_xenshm.so
SOAK_SAN=${SOAK_SAN:-0}
# shellcheck source=../lib/xenshm-test.sh
. "$HERE/../lib/xenshm-test.sh"
[ "$SOAK_SAN" = 1 ] && xt_init soak-san || xt_init soak

SECS=${SOAK_SECONDS:-600}
KILL_EVERY=${SOAK_KILL_EVERY:-5}
CHURN_EVERY=${SOAK_CHURN_EVERY:-20}
CHURN_GAP=${SOAK_CHURN_GAP:-2}
SAMPLE_EVERY=${SOAK_SAMPLE_EVERY:-5}
WARMUP=${SOAK_WARMUP:-$((SECS / 4 < 120 ? SECS / 4 : 120))}
RATE=${SOAK_RATE:-2000}
CPUS=${SOAK_CPUS:-0-1}
RING=32768

for f in "$B/app/doms-switch/doms-switch" "$B/test/pktcheck/xenshm-pktcheck"; do
	[ -x "$f" ] || xt_fail "$f not built"
done
# Our own copies: the switch is started ~120 times, and another "ninja"
# in the build dir must not change the binary in the middle of the run.
install -m 0755 "$B/app/doms-switch/doms-switch" "$B/test/pktcheck/xenshm-pktcheck" \
	"$XT_STAGE/" || xt_fail "cannot stage the binaries"
SW_BIN=$XT_STAGE/doms-switch
PKC=$XT_STAGE/xenshm-pktcheck

RSS_TOL=${SOAK_RSS_TOL_KB:-4096}
if [ "$SOAK_SAN" = 1 ]; then
	# LeakSanitizer runs at every clean exit: each guest stopped with
	# SIGINT and the last doms-switch (SIGTERM); doms-switch and the
	# guests exit without a leak report (checked, DPDK 22.11), so a
	# report fails the soak.  The quarantine of freed memory is bounded
	# (2 MiB): the EAL allocates and frees on every alarm.  The ASan
	# allocator still grows RssAnon by a few MiB over 10 minutes in every
	# guest, decelerating, while LSan finds nothing and the same guests
	# without ASan stay flat: the memory tolerance is 16 MiB here.
	export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:quarantine_size_mb=2:print_summary=1}
	RSS_TOL=${SOAK_RSS_TOL_KB:-16384}
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:suppressions=$HERE/ubsan.supp}
	xt_log "ASAN_OPTIONS=$ASAN_OPTIONS UBSAN_OPTIONS=$UBSAN_OPTIONS"
fi

PFX=soak$$
GDIR=$XT_DIR/guests
mkdir -p "$GDIR" "$XT_DIR/sw"
NOKILL=$XT_DIR/no-kill
STOPALL=$XT_DIR/stop-all
FAILS=$XT_DIR/fails.txt
: >"$FAILS"
touch "$NOKILL"
soak_fail() { xt_log "FAIL: $*"; echo "$*" >>"$FAILS"; }
now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }

LONG="la_tx la_rx lb_rx lc_tx"
CHURN="cb_tx cc_rx"
declare -A MAC=([la_tx]=02:00:00:50:0a:01 [la_rx]=02:00:00:50:0a:02
	[cb_tx]=02:00:00:50:0b:01 [lb_rx]=02:00:00:50:0b:02
	[lc_tx]=02:00:00:50:0c:01 [cc_rx]=02:00:00:50:0c:02)
declare -A TENANT=([la_tx]=ta [la_rx]=ta [cb_tx]=tb [lb_rx]=tb [lc_tx]=tc
	[cc_rx]=tc)

{
	echo "# written by test/soak/soak.sh"
	echo "[global]"
	echo "guest-dir = $GDIR"
	echo "detach-grace-ms = 500"
	echo "mbufs = 16384"
	echo "mtu = 9000"
	echo "[tenant ta]"
	echo "[tenant tb]"
	echo "[tenant tc]"
	for g in $LONG $CHURN; do
		printf '[guest %s]\ntenant = %s\nmac = %s\n' "$g" "${TENANT[$g]}" "${MAC[$g]}"
	done
} >"$XT_DIR/sw.conf"

# ---------------------------------------------------------------- doms-switch
# The supervisor: starts doms-switch again whenever it ends, until
# $STOPALL exists.  While $NOKILL does not exist it SIGKILLs each
# incarnation KILL_EVERY s after its start, sampling its fds and VmRSS
# just before.  One line per incarnation in sw.tsv:
#   n pid start_ms end_ms rc how up_ms fds rss_kb anon_kb shmem_kb samp_ms
#   linked_up exit_ms
# fds/memory from /proc/PID/status (smaps would hold the switch's mmap
# lock while its worker faults into freshly mapped guest regions);
# samp_ms: sampling to SIGKILL; end_ms: when it was reaped; exit_ms: from
# the SIGKILL to the reaping.  The next start waits for the reaping: a
# killed doms-switch was seen to take 10-23 s to exit on a busy box, its
# last thread in D state in inotify_release -> fsnotify_destroy_group ->
# __flush_work (the kernel's fsnotify mark destruction).
# how: killed (by us), term (final SIGTERM), self (ended by itself);
# up_ms: from start until every long-lived guest's link was up (-1: never).
SW_EAL="--lcores 0@($CPUS),1@($CPUS) --no-huge -m 512 --no-pci"
REGION_RE="memfd:xenshm-region"
LONG_RE="^doms-switch: (${LONG// /|}): link up"
supervise() {
	local n=0 pid t0 t rc how up fds rss anon shm samp u linked log tel tk te
	trap - EXIT INT TERM
	while [ ! -e "$STOPALL" ]; do
		n=$((n + 1))
		log=$XT_DIR/sw/$n.log
		t0=$(now_ms)
		# shellcheck disable=SC2086
		"$SW_BIN" -c "$XT_DIR/sw.conf" --pmd "$DOMS_SO" -- $SW_EAL \
			--file-prefix "$PFX-sw" >"$log" 2>&1 &
		pid=$!
		echo "$pid" >"$XT_DIR/sw.pid"
		echo "$n" >"$XT_DIR/sw.cur"
		how=self up=-1 fds=- rss=- anon=- shm=- samp=- tel=0 tk=
		while kill -0 "$pid" 2>/dev/null; do
			t=$(now_ms)
			if [ "$up" = -1 ] && [ "$(grep -oE "$LONG_RE" "$log" |
				sort -u | wc -l)" = 4 ]; then
				up=$((t - t0))
			fi
			if [ -e "$STOPALL" ]; then
				how=term
				kill -TERM "$pid" 2>/dev/null
				break
			fi
			# what the workers and ports did, 1.5 s before the kill
			# (evidence for stalls); in the background, so that a
			# slow python does not delay the kill
			if [ $tel = 0 ] && [ ! -e "$NOKILL" ] &&
				[ $((t - t0)) -ge $((KILL_EVERY * 1000 - 1500)) ]; then
				tel=1
				printf '/doms_switch/lcores\n/doms_switch/ports\n/doms_switch/drops\n' |
					timeout 3 dpdk-telemetry.py -f "$PFX-sw" \
					>"$XT_DIR/sw/$n.tel" 2>&1 &
			fi
			if [ ! -e "$NOKILL" ] && [ $((t - t0)) -ge $((KILL_EVERY * 1000)) ]; then
				u=$(xt_proc_usage "$pid") && read -r fds rss anon shm <<<"$u"
				how=killed
				kill -KILL "$pid" 2>/dev/null
				tk=$(now_ms)
				samp=$((tk - t))
				break
			fi
			sleep 0.1
		done
		if [ "$how" = term ]; then
			u=$(xt_proc_usage "$pid") && read -r fds rss anon shm <<<"$u"
		fi
		wait "$pid" 2>/dev/null
		rc=$?
		linked=$(grep -oE "^doms-switch: [A-Za-z0-9_]+: link up" "$log" |
			awk '{ print $2 }' | tr -d : | sort -u | paste -sd, -)
		te=$(now_ms)
		echo "$n $pid $t0 $te $rc $how $up $fds $rss $anon $shm $samp" \
			"${linked:--} ${tk:+$((te - tk))}" >>"$XT_DIR/sw.tsv"
		[ "$how" = self ] && [ ! -e "$STOPALL" ] && sleep 0.5
	done
}
sw_pid() { cat "$XT_DIR/sw.pid" 2>/dev/null; }
sw_log() { echo "$XT_DIR/sw/$(cat "$XT_DIR/sw.cur" 2>/dev/null).log"; }
# all_up NAME...: each linked up in the current incarnation
all_up() {
	local re
	re="^doms-switch: ($(echo "$@" | tr ' ' '|')): link up"
	[ "$(grep -oE "$re" "$(sw_log)" 2>/dev/null | sort -u | wc -l)" = $# ]
}
wait_all_up() {	# SECONDS NAME...
	local end=$(($(now_ms) + $1 * 1000))
	shift
	while [ "$(now_ms)" -lt "$end" ]; do
		all_up "$@" && return 0
		sleep 0.2
	done
	return 1
}
# frames received so far by the pktcheck of log TAG.log (progress lines)
rx_of() {
	grep -h "^pktcheck: progress" "$XT_DIR/$1.log" 2>/dev/null | tail -1 |
		tr ' ' '\n' | sed -n 's/^rx=//p'
}
# The supervisor is killed by PID on exit (XT_EXTRA_PIDS); the switch it
# started is not its child from the cleanup's view: end it here.
soak_cleanup() {
	local p
	touch "$STOPALL"
	p=$(sw_pid)
	if [ -n "$p" ] && grep -q "^$SW_BIN" "/proc/$p/cmdline" 2>/dev/null; then
		kill -KILL "$p"
	fi
	rm -rf /var/run/dpdk/"$PFX"-*
}
XT_CLEANUP_HOOKS+=(soak_cleanup)

# ---------------------------------------------------------------- guests
declare -A PID GEN STATE T_STATE
GUEST_EAL="--lcores 0@($CPUS) --no-huge -m 256 --no-pci --log-level=lib.eal:error"
# start_guest NAME TAG pktcheck-options...: log TAG.log, result TAG.json
start_guest() {
	local name=$1 tag=$2
	shift 2
	# shellcheck disable=SC2086
	"$PKC" $GUEST_EAL --file-prefix "$PFX-$name" -d "$GUEST_SO" \
		--vdev "net_xenshm_guest0,path=$GDIR/$name.sock,mac=${MAC[$name]},ring-size=$RING,mtu=9000" \
		-- --json "$XT_DIR/$tag.json" --report-interval 1000 "$@" \
		>"$XT_DIR/$tag.log" 2>&1 &
	PID[$name]=$!
	XT_EXTRA_PIDS+=("$!")
}
sender_args() {	# NAME DST session
	echo "--tx-port 0 --src-mac ${MAC[$1]} --dst-mac ${MAC[$2]} --rate $RATE" \
		"--session $3 --link-wait 60000 --drain-ms 1000"
}
start_churn() {	# NAME
	local name=$1 g
	g=$((${GEN[$name]:-0} + 1))
	GEN[$name]=$g
	case $name in
	cb_tx)
		# shellcheck disable=SC2046
		start_guest cb_tx "cb_tx.$g" $(sender_args cb_tx lb_rx $((0x0B000000 + g))) \
			--sizes 64,512 --flows 2 ;;
	cc_rx)
		start_guest cc_rx "cc_rx.$g" --rx-port 0 --late-join --link-wait 60000 ;;
	esac
	STATE[$name]=run
	T_STATE[$name]=$(now_ms)
	echo "$name $g ${PID[$name]} ${T_STATE[$name]} start" >>"$XT_DIR/churn.tsv"
}
# one step of a churn guest's life: run -> stopping -> gap -> run ...
churn_step() {	# NAME NOW_MS LIFE_MS
	local name=$1 now=$2 life=$3 g=${GEN[$1]} pid=${PID[$1]} rc how
	case ${STATE[$name]} in
	run)
		[ $((now - T_STATE[$name])) -ge "$life" ] || return
		# cb_tx: every other generation dies by SIGKILL (socket left
		# behind, port stays); the others and cc_rx stop cleanly
		if [ "$name" = cb_tx ] && [ $((g % 2)) = 1 ]; then
			how=kill
			kill -KILL "$pid" 2>/dev/null
		else
			how=int
			kill -INT "$pid" 2>/dev/null
		fi
		echo "$name $g $pid $now $how" >>"$XT_DIR/churn.tsv"
		STATE[$name]=stopping
		T_STATE[$name]=$now
		;;
	stopping)
		if kill -0 "$pid" 2>/dev/null; then
			if [ $((now - T_STATE[$name])) -ge 60000 ]; then
				soak_fail "$name.$g (pid $pid) did not end 60 s after SIGINT"
				kill -KILL "$pid" 2>/dev/null
			fi
			return
		fi
		wait "$pid" 2>/dev/null
		rc=$?
		xt_forget "$pid"
		echo "$name $g $pid $now exit $rc" >>"$XT_DIR/churn.tsv"
		STATE[$name]=gap
		T_STATE[$name]=$now
		;;
	gap)
		[ $((now - T_STATE[$name])) -ge $((CHURN_GAP * 1000)) ] &&
			start_churn "$name"
		;;
	esac
}

sample_long() {	# T_S
	local g u
	for g in $LONG; do
		u=$(xt_proc_usage "${PID[$g]}") || continue
		echo "$1 $g ${PID[$g]} $u $(xt_proc_rss_in "${PID[$g]}" "$REGION_RE")" \
			>>"$XT_DIR/samples.tsv"
	done
}

# ---------------------------------------------------------------- run
xt_log "build $B, san=$SOAK_SAN, ${SECS}s, SIGKILL every ${KILL_EVERY}s, churn every ${CHURN_EVERY}s, ${RATE} frames/s per sender, CPUs $CPUS, logs in $XT_DIR"
{
	echo "# other processes on the box at the start (top CPU users)"
	uptime
	ps -eo pid,user,etime,pcpu,rss,args --sort=-pcpu | cut -c1-200 | head -25
} >"$XT_DIR/box-start.txt"

DMESG0=$(dmesg 2>/dev/null | wc -l)
supervise &
SUP_PID=$!
XT_EXTRA_PIDS+=("$SUP_PID")
XT_LOG[doms-switch-first]=$XT_DIR/sw/1.log

start_guest la_rx la_rx --rx-port 0 --sizes 64,1514,9000 --link-wait 60000
start_guest lb_rx lb_rx --rx-port 0 --link-wait 60000
# shellcheck disable=SC2046
start_guest la_tx la_tx $(sender_args la_tx la_rx $((0x0A000001))) \
	--sizes 64,1514,9000 --flows 4
# shellcheck disable=SC2046
start_guest lc_tx lc_tx $(sender_args lc_tx cc_rx $((0x0C000001))) \
	--sizes 64,512 --flows 2
for g in $LONG; do XT_LOG[$g]=$XT_DIR/$g.log; done
# shellcheck disable=SC2086
wait_all_up 120 $LONG || xt_fail "the long-lived guests did not attach in 120 s"
start_churn cb_tx
start_churn cc_rx
# the first cc_rx generation lives half as long: the two churn guests
# alternate
T_STATE[cc_rx]=$(($(now_ms) - CHURN_EVERY * 500))
xt_log "all long-lived guests attached; traffic flows; kills and churn start"

declare -A START_ID
for g in $LONG; do
	START_ID[$g]="${PID[$g]}:$(xt_proc_start "${PID[$g]}")"
done
rm -f "$NOKILL"
T0=$(now_ms)
next_sample=0
next_log=60
while :; do
	now=$(now_ms)
	el=$(((now - T0) / 1000))
	[ "$el" -ge "$SECS" ] && break
	if [ $(((now - T0))) -ge $((next_sample * 1000)) ]; then
		sample_long "$el"
		next_sample=$((next_sample + SAMPLE_EVERY))
	fi
	for g in $LONG; do
		kill -0 "${PID[$g]}" 2>/dev/null && continue
		soak_fail "long-lived guest $g (pid ${PID[$g]}) ended after ${el}s"
		break 2
	done
	kill -0 "$SUP_PID" 2>/dev/null || { soak_fail "supervisor died"; break; }
	churn_step cb_tx "$now" $((CHURN_EVERY * 1000))
	churn_step cc_rx "$now" $((CHURN_EVERY * 1000))
	if [ "$el" -ge "$next_log" ]; then
		xt_log "t=${el}s: doms-switch incarnations $(wc -l <"$XT_DIR/sw.tsv" 2>/dev/null || echo 0), cb_tx gen ${GEN[cb_tx]}, cc_rx gen ${GEN[cc_rx]}, load $(cut -d' ' -f1-3 /proc/loadavg)"
		next_log=$((next_log + 60))
	fi
	sleep 0.5
done
T1=$(now_ms)
touch "$NOKILL"
xt_log "kill/churn phase over after $(((T1 - T0) / 1000))s; waiting for the last incarnation to attach everybody"
# every long-lived guest and the churn generations still running must be
# attached by the last incarnation, and their streams must flow again
final=($LONG)
rxtags=(la_rx)
[ "${STATE[cb_tx]}" = run ] && final+=(cb_tx) && rxtags+=(lb_rx)
[ "${STATE[cc_rx]}" = run ] && final+=(cc_rx) && rxtags+=("cc_rx.${GEN[cc_rx]}")
if wait_all_up 90 "${final[@]}"; then
	xt_log "the last incarnation ($(sw_log)) attached ${final[*]}"
else
	soak_fail "not all of ${final[*]} attached 90 s after the last restart ($(sw_log))"
fi
declare -A RX0
for t in "${rxtags[@]}"; do RX0[$t]=$(rx_of "$t"); done
end=$(($(now_ms) + 30000))
for t in "${rxtags[@]}"; do
	while [ "$(rx_of "$t")" = "${RX0[$t]}" ] && [ "$(now_ms)" -lt "$end" ]; do
		sleep 0.5
	done
	[ "$(rx_of "$t")" != "${RX0[$t]}" ] ||
		soak_fail "$t received nothing in 30 s after the last restart (rx ${RX0[$t]})"
done
sample_long $((($(now_ms) - T0) / 1000))

for g in $LONG; do
	id="${PID[$g]}:$(xt_proc_start "${PID[$g]}")"
	if [ "$id" != "${START_ID[$g]}" ]; then
		soak_fail "$g: pid:starttime ${START_ID[$g]} at the start, $id at the end"
	fi
	echo "$g ${START_ID[$g]} $id" >>"$XT_DIR/identity.tsv"
done

# the end: churn guests and senders stop (SIGINT: drain, summary), then
# the receivers, then the switch (SIGTERM: it must end cleanly)
for g in $CHURN; do
	if [ "${STATE[$g]}" = run ]; then
		kill -INT "${PID[$g]}" 2>/dev/null
		echo "$g ${GEN[$g]} ${PID[$g]} $(now_ms) int" >>"$XT_DIR/churn.tsv"
		STATE[$g]=stopping
		T_STATE[$g]=$(now_ms)
	fi
done
for g in la_tx lc_tx; do kill -INT "${PID[$g]}" 2>/dev/null; done
end_pid() {	# PID WHAT -> rc (reaped: no longer killed by the cleanup)
	local p=$1 what=$2 i rc
	for i in $(seq 600); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$p" 2>/dev/null; then
		soak_fail "$what (pid $p) did not end in 60 s"
		kill -KILL "$p"
	fi
	wait "$p" 2>/dev/null
	rc=$?
	xt_forget "$p"
	return $rc
}
for g in $CHURN; do
	if [ "${STATE[$g]}" = stopping ]; then
		end_pid "${PID[$g]}" "$g.${GEN[$g]}"
		echo "$g ${GEN[$g]} ${PID[$g]} $(now_ms) exit $?" >>"$XT_DIR/churn.tsv"
	fi
done
for g in la_tx lc_tx; do
	end_pid "${PID[$g]}" "$g"
	echo "$g $?" >>"$XT_DIR/long-rc.tsv"
done
sleep 2
for g in la_rx lb_rx; do
	kill -INT "${PID[$g]}" 2>/dev/null
	end_pid "${PID[$g]}" "$g"
	echo "$g $?" >>"$XT_DIR/long-rc.tsv"
done
touch "$STOPALL"
end_pid "$SUP_PID" "the supervisor"
{
	echo "# other processes on the box at the end (top CPU users)"
	uptime
	ps -eo pid,user,etime,pcpu,rss,args --sort=-pcpu | cut -c1-200 | head -25
} >"$XT_DIR/box-end.txt"
# kernel trouble during the run (a stalled box explains stalled guests)
dmesg 2>/dev/null | tail -n +$((DMESG0 + 1)) |
	grep -E "BUG|lockup|hung|stall|Out of memory|oom-kill|segfault|general protection" \
	>"$XT_DIR/dmesg.txt"

python3 "$HERE/report.py" "$XT_DIR" "$SECS" "$KILL_EVERY" "$WARMUP" \
	"${SOAK_FD_TOL:-2}" "$RSS_TOL" "${SOAK_ALLOW_REORDER:-0}" \
	"$SOAK_SAN" "$RATE"
rc=$?
if [ -n "${SOAK_KEEP:-}" ]; then
	mkdir -p "$SOAK_KEEP" && cp -a "$XT_DIR"/. "$SOAK_KEEP"/ &&
		xt_log "run directory copied to $SOAK_KEEP"
fi
if [ $rc -ne 0 ]; then
	# keep the logs (xt_cleanup keeps XT_DIR when the exit status is not 0)
	echo "soak: FAIL (logs in $XT_DIR)"
	exit 1
fi
echo "soak: PASS"
exit 0
