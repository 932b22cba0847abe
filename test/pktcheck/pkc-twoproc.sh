#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# Sender and receiver in different processes (each its own DPDK primary):
# senders write frames through net_pcap into files, receivers read them
# back through net_pcap (which hands 9000-byte frames up as mbuf chains).
#
#   pkc-twoproc.sh PKTCHECK_BINARY PKC_EXPECT_SCRIPT
set -eu

bin=$1
expect=$2
dir=$(mktemp -d "${TMPDIR:-/tmp}/pkc-twoproc.XXXXXX")
trap 'rm -rf "$dir"' EXIT

eal="--no-huge -m 256 --no-pci --no-shconf --no-telemetry -l 0
	--log-level=lib.eal:error --log-level=pmd.net.pcap:error"

echo "== sender 1: clean, 3 flows from id 100, mixed sizes"
"$expect" 'exit=0 tx=3000 unsent=0' -- "$bin" $eal --file-prefix pkc-2p-a \
	--vdev=net_pcap0,tx_pcap="$dir/clean.pcap" -- \
	--tx-port 0 --sizes 64,1518,9000 --flows 3 --flow-base 100 \
	--count 3000

echo "== receiver: the clean capture, nothing missing"
ok='exit=0 rx=3000 lost=0 flows=3 foreign=0 corrupted=0 rx_chained=1000'
"$expect" "$ok" -- "$bin" $eal --file-prefix pkc-2p-r \
	--vdev=net_pcap0,rx_pcap="$dir/clean.pcap" -- \
	--rx-port 0 --sizes 9000 --idle-timeout 300 --duration 10 \
	--expect-min-rx 3000 --expect-max-lost 0

# 1000 seqs, dup every 50th, drop every 70th; drop wins on 350 and 700:
# 18 duplicated, 14 lost, 1000 - 14 + 18 = 1004 frames on the wire.
echo "== sender 2: flow 200, duplicates and drops injected"
"$expect" 'exit=0 tx=1004 inj_dup=18 inj_drop=14' -- "$bin" $eal \
	--file-prefix pkc-2p-b --vdev=net_pcap0,tx_pcap="$dir/faulty.pcap" -- \
	--tx-port 0 --size 256 --flow-base 200 --count 1000 \
	--inject dup=50,drop=70

echo "== receiver: both captures on two rx queues, must fail"
"$expect" 'exit=1 rx=4004 duplicated=18 lost=14 flows=4 reordered=0' -- \
	"$bin" $eal --file-prefix pkc-2p-r \
	--vdev=net_pcap0,rx_pcap="$dir/clean.pcap",rx_pcap="$dir/faulty.pcap" \
	-- --rx-port 0 --rxq 2 --sizes 9000 --idle-timeout 300 --duration 10 \
	--json "$dir/both.json"

echo "== JSON: per-flow counters add up to the totals"
python3 - "$dir/both.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
flows = d["flows"]
assert d["result"] == "fail", d["result"]
assert len(flows) == 4, flows
for k in ("rx", "lost", "duplicated", "reordered", "corrupted"):
    s = sum(f[k] for f in flows)
    assert s == d[k], (k, s, d[k])
ids = sorted(f["flow"] for f in flows)
assert ids == [100, 101, 102, 200], ids
assert len({f["session"] for f in flows}) == 2, "two sender sessions"
print("json ok:", {k: d[k] for k in ("rx", "lost", "duplicated")})
PY
