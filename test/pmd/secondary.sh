#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# secondary.sh: DPDK secondary processes on xenshm ports of running
# testpmds (a guest txonly, a DomS rxonly), with Debian's own tools:
#   1. dpdk-proc-info reads both ports' stats and xstats (the driver's own
#      xstats included) while traffic runs
#   2. dpdk-dumpcap captures 1000 frames from each port; the pcapng file
#      holds 1000 packets of the size sent
#   3. the primaries go on forwarding after the secondaries exit, and
#      nothing in them was disabled
# The tools cannot load a PMD with -d, so they get the PMDs by LD_PRELOAD
# (a PMD registers itself from its constructor, as a built-in one does).
# They also preload the DPDK drivers testpmd links (mempool_dpaa, ...):
# mempool drivers get their ops index in the order they register, and a
# pool dumpcap creates is used by the primary's pdump with the primary's
# table.  Without that, Debian's dumpcap captures nothing from any port of
# Debian's testpmd (measured with net_null: 0 received, all "dropped").
# Secondaries share the primaries' memory, so the primaries run on 2 MB
# hugepages (the test reserves 96 and gives them back; without them it is
# skipped, saying so).

. "${XENSHM_TEST_LIB:-$(dirname "$0")/../lib}/xenshm-test.sh"
xt_init secondary
PROCINFO=/usr/bin/dpdk-proc-info
DUMPCAP=/usr/bin/dpdk-dumpcap
[ -x "$PROCINFO" ] && [ -x "$DUMPCAP" ] ||
	xt_skip "$PROCINFO or $DUMPCAP missing (apt-get install dpdk)"
SOCK=$XT_DIR/g0.sock
PAGES=96
PRIMARY_LIBS=$(ldd "$XT_TESTPMD" | awk '/\/pmds-[0-9.]*\// {print $3}' | tr '\n' ' ')

HUGE_BEFORE=
HUGE_MNT=$XT_DIR/huge
huge_restore() {
	mountpoint -q "$HUGE_MNT" && umount "$HUGE_MNT"
	[ -n "$HUGE_BEFORE" ] && echo "$HUGE_BEFORE" >/proc/sys/vm/nr_hugepages
	return 0
}
XT_CLEANUP_HOOKS+=(huge_restore)
HUGE_BEFORE=$(cat /proc/sys/vm/nr_hugepages)
echo $((HUGE_BEFORE + PAGES)) >/proc/sys/vm/nr_hugepages 2>/dev/null
free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
# only when the pages could really be added (never borrow others')
[ "$(cat /proc/sys/vm/nr_hugepages)" -ge $((HUGE_BEFORE + PAGES)) ] &&
	[ "$free" -ge "$PAGES" ] && mkdir -p "$HUGE_MNT" &&
	mount -t hugetlbfs -o pagesize=2M nodev "$HUGE_MNT" ||
	xt_skip "cannot reserve $PAGES free 2 MB hugepages ($free free)"

XT_MEM="--huge-dir $HUGE_MNT -m 32"
ARGS="--nb-cores=1 --total-num-mbufs=4096 --txpkts=200"
xt_testpmd G 0 1 "-d $GUEST_SO --vdev net_xenshm_guest0,path=$SOCK" \
	"$ARGS --forward-mode=txonly"
xt_testpmd D 1 0 "-d $DOMS_SO --vdev net_xenshm0,path=$SOCK" \
	"$ARGS --forward-mode=rxonly"
xt_sync G 30
xt_sync D 30
xt_wait_link G 0 up 30
xt_wait_link D 0 up 30
xt_cmd D start
xt_sync D
xt_cmd G start
xt_sync G

# tool ID ARGS...: run a secondary on testpmd ID's memory, output in
# $XT_DIR/ID.tool (a tool that hangs is killed after 60 s)
tool() {
	local id=$1
	shift
	LD_PRELOAD="$PRIMARY_LIBS $GUEST_SO $DOMS_SO" timeout 60 "$@" \
		>"$XT_DIR/$id.tool" 2>&1
}

# --- 1. dpdk-proc-info ------------------------------------------------
for s in "G net_xenshm_guest0 TX" "D net_xenshm0 RX"; do
	set -- $s
	# proc-info shows one of --stats and --xstats per run
	tool "$1" "$PROCINFO" --file-prefix "${XT_PREFIX[$1]}" --no-pci -- --stats ||
		{ cat "$XT_DIR/$1.tool"; xt_fail "$1: dpdk-proc-info --stats failed"; }
	n=$(sed -n "s/^ *$3-packets: *\([0-9]*\).*/\1/p" "$XT_DIR/$1.tool" | head -1)
	xt_check "$1: proc-info reads $2's $3-packets" "${n:-0}" -gt 0
	tool "$1" "$PROCINFO" --file-prefix "${XT_PREFIX[$1]}" --no-pci -- --xstats ||
		{ cat "$XT_DIR/$1.tool"; xt_fail "$1: dpdk-proc-info --xstats failed"; }
	for x in tx_ring_full tx_ring_full_drops peer_attaches port_disabled \
			err_desc_out_of_bounds; do
		grep -q "^ *$x: [0-9]" "$XT_DIR/$1.tool" ||
			{ cat "$XT_DIR/$1.tool"; xt_fail "$1: proc-info lacks xstat $x"; }
	done
	xt_log "ok: $1: dpdk-proc-info read port $2: $3-packets $n and the driver's xstats ($(grep -c '^ *[a-z0-9_]*: [0-9]' "$XT_DIR/$1.tool") values)"
done

# --- 2. dpdk-dumpcap --------------------------------------------------
pcap_count() { # FILE: packets in a pcapng file, and the longest one
	python3 - "$1" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
i = n = longest = 0
while i + 12 <= len(d):
    t, blen = struct.unpack_from("<II", d, i)
    if blen < 12:
        break
    if t == 6:  # enhanced packet block: original length at +24
        n += 1
        longest = max(longest, struct.unpack_from("<I", d, i + 24)[0])
    i += blen
print(n, longest)
PY
}
for s in "G net_xenshm_guest0" "D net_xenshm0"; do
	set -- $s
	tool "$1" "$DUMPCAP" --file-prefix "${XT_PREFIX[$1]}" -i "$2" -c 1000 \
		-w "$XT_DIR/$1.pcapng" ||
		{ cat "$XT_DIR/$1.tool"; xt_fail "$1: dpdk-dumpcap failed"; }
	read -r n len < <(pcap_count "$XT_DIR/$1.pcapng")
	# -c stops after the burst that reaches the count
	xt_check "$1: dumpcap captured 1000 packets from $2" "$n" -ge 1000
	xt_check "$1: captured packets are the 200-byte frames sent" "$len" -eq 200
	xt_log "ok: $1: dumpcap: $(grep "received/dropped" "$XT_DIR/$1.tool")"
done

# --- 3. the primaries are unharmed ------------------------------------
xt_xstats D 0
rx0=${XS[rx_good_packets]}
sleep 1
xt_xstats D 0
xt_check "DomS still receives after the secondaries left" "${XS[rx_good_packets]}" -gt "$rx0"
xt_check_clean D 0
xt_xstats G 0
xt_check_clean G 0
xt_cmd G stop
xt_cmd D stop
xt_quit G
xt_quit D
xt_log "PASS"
