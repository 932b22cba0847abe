# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# Phase "switch": doms-switch as the packaged systemd service, set up as
# the README says; two guest processes (xenshm-pktcheck on
# net_xenshm_guest: vm1 sends, vm2 checks every frame) exchange traffic
# through it.  Then SIGKILL the service: Restart= must bring it back and
# traffic must resume by itself, with nothing corrupted or duplicated.
PHASE=switch
. guest/lib.sh

doc hugepages
doc switch-start
wait_until 120 systemctl is-active --quiet doms-switch ||
	{ journalctl -u doms-switch --no-pager | tail -n 30; fail "doms-switch is not active"; }
traffic_start
note "traffic flows: vm1 -> doms-switch -> vm2 at $RATE frames/s"

pid0=$(systemctl show -p MainPID --value doms-switch)
n0=$(systemctl show -p NRestarts --value doms-switch)
rx0=$(rx_of vm2)
t0=$(now_ms)
systemctl kill -s KILL doms-switch
restarted() {
	local p
	p=$(systemctl show -p MainPID --value doms-switch)
	[ "$p" != 0 ] && [ "$p" != "$pid0" ] && systemctl is-active --quiet doms-switch
}
wait_until 120 restarted || {
	journalctl -u doms-switch --no-pager | tail -n 30
	fail "systemd did not restart doms-switch within 120 s of the SIGKILL"
}
t_restart=$(now_ms)
pid1=$(systemctl show -p MainPID --value doms-switch)
n1=$(systemctl show -p NRestarts --value doms-switch)
# Resumed: vm2 receives frames again (one second's worth past what it had
# when the new process was there).
rx1=$(rx_of vm2)
wait_until 300 rx_above vm2 $((rx1 + RATE)) || {
	journalctl -u doms-switch --no-pager | tail -n 30
	fail "traffic did not resume within 300 s after the restart"
}
t_resume=$(now_ms)
traffic_stop
journalctl -u doms-switch --no-pager -o short-precise > "$ST/doms-switch.journal"
# Each log line once (DPDK logs to stdout and syslog; the unit keeps one).
dups=$(grep 'doms-switch\[' "$ST/doms-switch.journal" | sort | uniq -d | wc -l)
fig "journal_duplicate_lines=$dups"
# ... and nothing lost: EAL's first lines (before its log init) and the
# switch's own.
grep -q 'EAL: Detected CPU lcores' "$ST/doms-switch.journal" &&
	grep -q 'doms-switch: started:' "$ST/doms-switch.journal" ||
	fail "doms-switch's log is not in the journal (journalctl -u doms-switch)"

corrupted=$(summary_of vm2 corrupted)
duplicated=$(summary_of vm2 duplicated)
fig "restart_ms=$((t_restart - t0))"
fig "resumed_ms=$((t_resume - t0))"
fig "max_gap_ms=$(summary_of vm2 max_gap_ms)"
fig "sent=$(summary_of vm1 tx) received=$(summary_of vm2 rx) lost=$(summary_of vm2 lost) corrupted=$corrupted duplicated=$duplicated reordered=$(summary_of vm2 reordered)"
note "doms-switch pid $pid0 -> $pid1, NRestarts $n0 -> $n1"
[ "$n1" -gt "$n0" ] || fail "NRestarts did not grow ($n0 -> $n1)"
[ "$corrupted" = 0 ] && [ "$duplicated" = 0 ] ||
	fail "corrupted=$corrupted duplicated=$duplicated"
[ "$(summary_of vm2 result)" = PASS ] || fail "the checker says FAIL: $(grep 'FAIL' "$ST/vm2.log" | head -n3)"
[ "$dups" = 0 ] || fail "$dups log lines of doms-switch reach the journal twice"
pass "SIGKILL -> restarted in $((t_restart - t0)) ms, traffic resumed, gap $(summary_of vm2 max_gap_ms) ms"
