#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# dpdk-dumpcap on a running doms-switch: guest a streams to guest b
# through the switch, and dumpcap (a DPDK secondary process, served by the
# switch's pdump, docs/pmd.md "Secondary processes") captures frames from
# port a while it forwards.  The capture must hold at least 200 of a's
# frames (source MAC a, destination b), and b must keep receiving after
# dumpcap has left.  The switch runs on 2 MB hugepages (a secondary shares
# the primary's memory): the test reserves 64 and gives them back, and is
# skipped, saying so, when it cannot.
T_NAME=dumpcap
. "$(dirname "$0")/lib.sh"

DUMPCAP=/usr/bin/dpdk-dumpcap
[ -x "$DUMPCAP" ] || { echo "SKIP: $DUMPCAP missing (apt-get install dpdk)"; exit 77; }
PAGES=64
HUGE=$RUN/huge
HUGE_BEFORE=$(cat /proc/sys/vm/nr_hugepages)
huge_restore() {
	mountpoint -q "$HUGE" && umount "$HUGE"
	echo "$HUGE_BEFORE" >/proc/sys/vm/nr_hugepages
	return 0
}
# processes first, then their hugepages
trap 'cleanup; huge_restore' EXIT
echo $((HUGE_BEFORE + PAGES)) >/proc/sys/vm/nr_hugepages 2>/dev/null
free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
# only when the pages could really be added (never borrow others')
if ! { [ "$(cat /proc/sys/vm/nr_hugepages)" -ge $((HUGE_BEFORE + PAGES)) ] &&
	[ "$free" -ge "$PAGES" ] && mkdir -p "$HUGE" &&
	mount -t hugetlbfs -o pagesize=2M nodev "$HUGE"; }; then
	echo "SKIP: cannot reserve $PAGES free 2 MB hugepages ($free free)"
	exit 77
fi
SW_EAL="-l 0,1 --huge-dir $HUGE -m 64 --no-pci"

MA=02:00:00:00:0f:01 MB=02:00:00:00:0f:02
cat >"$RUN/sw.conf" <<CONF
[global]
guest-dir = $RUN/guests
mbufs = 4096
[tenant red]
[guest a]
tenant = red
mac = $MA
[guest b]
tenant = red
mac = $MB
CONF
start_switch "$RUN/sw.conf"

U=$RUN/stop
guest b $MB --recv 120000 --until "$U"
guest a $MA --recv 120000 --until "$U" --pps 5000 \
	--send "tag=to_b,src=$MA,dst=$MB,count=400000"
for p in a b; do
	wait_for 30 "port $p up" port_up $p || die "port $p not up"
done
b_rx() { tel_get /doms_switch/ports "d['b']['tx_pkts']"; }
wait_for 30 "frames to b" test "$(b_rx)" -gt 0 2>/dev/null ||
	die "b gets nothing from a"

# The mempool drivers the switch links must register in the same order
# in dumpcap (docs/pmd.md, "Secondary processes"), and dumpcap takes no -d.
pre="$(ldd "$DS_BIN" | awk '/\/pmds-[0-9.]*\// {print $3}' | tr '\n' ' ') $D_PMD"
LD_PRELOAD="$pre" timeout 60 "$DUMPCAP" --file-prefix "$PFX-sw" \
	-i net_xenshm_port_a -c 200 -w "$RUN/a.pcapng" >"$RUN/dumpcap.log" 2>&1 ||
	{ cat "$RUN/dumpcap.log"; die "dpdk-dumpcap failed"; }
log "dumpcap: $(grep "received/dropped" "$RUN/dumpcap.log")"
read -r n from_a < <(python3 - "$RUN/a.pcapng" "$MA" "$MB" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
src = bytes.fromhex(sys.argv[2].replace(":", ""))
dst = bytes.fromhex(sys.argv[3].replace(":", ""))
i = n = ok = 0
while i + 12 <= len(d):
    t, blen = struct.unpack_from("<II", d, i)
    if blen < 12:
        break
    if t == 6:  # enhanced packet block: packet data at +28
        n += 1
        ok += d[i + 28:i + 34] == dst and d[i + 34:i + 40] == src
    i += blen
print(n, ok)
PY
)
expect "frames captured on port a" "$n" -ge 200
expect "all of them a's frames to b" "$from_a" -eq "$n"
b0=$(b_rx)
sleep 1
expect "b still receives after dumpcap left" "$(b_rx)" -gt "$b0"
touch "$U"
reap b 20
reap a 1	# still sending: stopped
[ "$T_FAILS" = 0 ] || exit 1
log "PASS: dumpcap captured $n frames from doms-switch port a"
