#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# PMD benchmark: testpmd to testpmd over xenshm, net_memif (copy and
# zero-copy) and virtio-user -> vhost, interleaved round by round
# (round 1: every case once, round 2: every case once, ...), so that each
# ratio compares runs that were seconds apart; this VM changes speed
# regime for seconds at a time, and only neighbours are comparable.
#
# usage: bench/pmd-bench.sh <builddir> [outdir]
# env:   ROUNDS=5 SIZES="64 512 1518" CASES="..." (see bench/lib.sh for the
#        case names and the other knobs: CPU_A, CPU_B, WARMUP, WINDOW, ...)
# Writes <outdir>/pmd.tsv (one line per run), <outdir>/pmd.png, the logs
# of every testpmd, and prints the table.  Needs root (hugepages).
set -u
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] || { echo "usage: $0 <builddir> [outdir]" >&2; exit 2; }
BUILD=$(cd "$1" && pwd) || exit 2
OUT=${2:-$BUILD/bench-results/pmd-$(date +%Y%m%d-%H%M%S)}
ROUNDS=${ROUNDS:-5}
SIZES=${SIZES:-"64 512 1518"}
CASES=${CASES:-"xenshm-g2d memif-g2d memifzc-g2d vhost-g2d
	xenshm-d2g memif-d2g memifzc-d2g vhost-d2g
	xenshm-bidir memif-bidir memifzc-bidir vhost-bidir"}
# shellcheck source=bench/lib.sh
. "$here/lib.sh"

[ "$(id -u)" = 0 ] || bench_die "needs root (hugepages, /opt staging)"
command -v "$TESTPMD" > /dev/null || bench_die "$TESTPMD not found (apt-get install dpdk)"
mkdir -p "$OUT/logs" || exit 1
bench_machine > "$OUT/machine.txt"
TSV=$OUT/pmd.tsv

cleanup() {
	[ -n "${PA:-}${PB:-}" ] && bench_pair_stop
	bench_watchdog_stop
	bench_huge_teardown
	rm -rf "$SOCKDIR"
}
trap 'cleanup; exit 130' INT TERM
trap cleanup EXIT

bench_huge_setup
bench_watchdog_start
if bench_stage_pmds; then
	bench_log "xenshm PMDs staged in $PMD_STAGE"
else
	bench_log "xenshm PMDs not built in $BUILD (guest-pmd/, drivers/net/xenshm/): xenshm rows skipped"
fi

RTT=$BUILD/bench/cpu_rtt
rtt_ns() { if [ -x "$RTT" ]; then "$RTT" "$CPU_A" "$CPU_B" 20000 2>/dev/null || echo -; else echo -; fi; }

{
	echo "# pmd-bench $(date -Is) DPDK $(pkg-config --modversion libdpdk 2>/dev/null) host $(uname -r) cpus $(nproc)"
	echo "# A (switch side) cpu $CPU_A, B (guest side) cpu $CPU_B; burst $BURST; warm-up ${WARMUP}s; window ${WINDOW}s; bidir=$BIDIR_MODE"
	printf "case\tsize\tround\tmpps\ta_rx_mpps\tb_rx_mpps\tforeign_cpu_pct\tbytes_per_frame\trtt_ns\tpersec\n"
} > "$TSV"

echo "# pmd-bench: results in $OUT"
echo "# $ROUNDS rounds x sizes [$SIZES] x cases [$(echo $CASES)]"
echo "# per run: ${WARMUP}s warm-up, then the receiver's Rx-pps from 'show port stats 0' once a second for ${WINDOW}s"
echo "# other load on the box (foreign%) and the cpu$CPU_A<->cpu$CPU_B cache-line round trip (rtt) are shown per run"
printf "%-14s %5s %5s %9s %9s %9s %8s %6s  %s\n" case size round Mpps A_rx B_rx foreign% rtt_ns per-second
for ((r = 1; r <= ROUNDS; r++)); do
	for s in $SIZES; do
		for c in $CASES; do
			if ! bench_have_case "$c"; then
				printf "%s\t%s\t%s\tSKIP\n" "$c" "$s" "$r" >> "$TSV"
				continue
			fi
			bench_wait_quiet
			rtt=$(rtt_ns)
			pfx=$OUT/logs/$c-$s-r$r
			if bench_pair_start "$c" "$s" "$pfx"; then
				res=$(bench_pair_measure)
				bench_pair_stop
			else
				res="FAIL link-down"
			fi
			case $res in
			FAIL*)
				printf "%s\t%s\t%s\t%s\n" "$c" "$s" "$r" "$res" >> "$TSV"
				printf "%-14s %5s %5s %s (logs %s.*)\n" "$c" "$s" "$r" "$res" "$pfx" ;;
			*)
				set -- $res
				printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" \
					"$c" "$s" "$r" "$1" "$2" "$3" "$4" "$5" "$rtt" "$6" >> "$TSV"
				printf "%-14s %5s %5s %9s %9s %9s %8s %6s  %s\n" \
					"$c" "$s" "$r" "$1" "$2" "$3" "$4" "$rtt" "$6" ;;
			esac
		done
	done
done

PY=/usr/bin/python3
[ -x $PY ] || PY=python3
echo
$PY "$here/plot.py" "$TSV" "$OUT/pmd.png"
echo "# pmd-bench: table/plot/logs in $OUT"
