#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# Where the cycles go in the xenshm rx and tx paths: runs a testpmd pair
# (bench/lib.sh), lets traffic warm up, then samples each testpmd with
# "perf record -e cpu-clock" (this VM has no hardware counters; cpu-clock
# is a timer sample, good enough to rank functions) and prints the top
# symbols of each side.  Anchor cases can be profiled the same way for
# comparison (their Debian .so files are stripped: internal functions show
# as addresses inside the DSO).
#
# usage: bench/profile.sh <builddir> [case ...]   (default: xenshm-g2d
#        xenshm-d2g; cases as in bench/lib.sh, e.g. memif-g2d vhost-g2d)
# env:   SIZE=64 SECONDS_PROF=5 TOP=25 WARMUP=1 OUT=<builddir>/bench-results/profile-<ts>
# perf itself runs on the same two CPUs: the rates while sampling are a
# little lower than in the benchmark.
set -u
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] || { echo "usage: $0 <builddir> [case ...]" >&2; exit 2; }
BUILD=$(cd "$1" && pwd) || exit 2
shift
PCASES=${*:-"xenshm-g2d xenshm-d2g"}
SIZE=${SIZE:-64}
SECONDS_PROF=${SECONDS_PROF:-5}
TOP=${TOP:-25}
OUT=${OUT:-$BUILD/bench-results/profile-$(date +%Y%m%d-%H%M%S)}
# Burst-size histograms tell a busy side (full bursts) from one that
# polls an almost empty ring (bursts of 0-2), i.e. who sets the pace.
TP_EXTRA=${TP_EXTRA:---record-burst-stats}
# shellcheck source=bench/lib.sh
. "$here/lib.sh"

[ "$(id -u)" = 0 ] || bench_die "needs root"
PERF=$(command -v perf) || bench_die "perf not found (apt-get install linux-perf)"
mkdir -p "$OUT" || exit 1
cleanup() {
	[ -n "${PA:-}${PB:-}" ] && bench_pair_stop
	bench_watchdog_stop
	bench_huge_teardown
}
trap 'cleanup; exit 130' INT TERM
trap cleanup EXIT
bench_huge_setup
bench_watchdog_start
bench_stage_pmds || bench_log "xenshm PMDs not built: only anchor cases can run"

echo "# profile: ${SECONDS_PROF}s of perf cpu-clock samples per process, ${SIZE}-byte frames -> $OUT"
for c in $PCASES; do
	bench_have_case "$c" || { echo "## $c: skipped (PMD not built)"; continue; }
	pfx=$OUT/$c-$SIZE
	if ! bench_pair_start "$c" "$SIZE" "$pfx"; then
		echo "## $c: link did not come up (logs $pfx.*)"; continue
	fi
	bench_send A start; bench_send B start
	sleep "$WARMUP"
	bench_send A "show port stats 0"; bench_send B "show port stats 0"
	"$PERF" record -q -e cpu-clock -F 4999 -p "$PA" -o "$pfx.A.perf" \
		-- sleep "$SECONDS_PROF" > /dev/null 2>&1 &
	ra=$!
	"$PERF" record -q -e cpu-clock -F 4999 -p "$PB" -o "$pfx.B.perf" \
		-- sleep "$SECONDS_PROF" > /dev/null 2>&1 &
	rb=$!
	wait $ra $rb
	bench_send A "show port stats 0"; bench_send B "show port stats 0"
	bench_send A "show port xstats 0"; bench_send B "show port xstats 0"
	sleep 0.3
	bench_send A stop; bench_send B stop	# prints the burst histograms
	sleep 0.5
	bench_pair_stop
	for side in A B; do
		case $side in A) role="switch side (cpu $CPU_A)" ;; B) role="guest side (cpu $CPU_B)" ;; esac
		log=$pfx.$side.log
		echo
		mode=$(sed -n "s/^$side: .*--forward-mode=\([a-z]*\).*/\1/p" "$pfx.cmd")
		echo "## $c $SIZE B, $role, $mode," \
			"Rx-pps $(grep -o 'Rx-pps: *[0-9]*' "$log" | tail -1 | awk '{print $2}')," \
			"Tx-pps $(grep -o 'Tx-pps: *[0-9]*' "$log" | tail -1 | awk '{print $2}')"
		echo "# bursts (testpmd --record-burst-stats) and non-zero drop/error xstats:"
		grep -E "RX-bursts|TX-bursts" "$log" | tail -2 | sed 's/^ */    /'
		awk '/NIC extended statistics/ {x = 1} x && $2 ~ /^[1-9]/ &&
			$1 ~ /full|drop|err|miss|nombuf|fail/ {print "    " $0}' "$log" | sort -u | head -8
		echo "# by DSO:"
		"$PERF" report -q -i "$pfx.$side.perf" --stdio --no-children \
			-F overhead,dso --percent-limit 1 2> /dev/null |
			grep -v '^$' | head -n 8
		echo "# by symbol (samples at bare addresses in stripped DSOs summed per DSO):"
		"$PERF" report -q -i "$pfx.$side.perf" --stdio --no-children \
			-F overhead,dso,sym 2> /dev/null | awk -v top="$TOP" '
			NF >= 4 && $4 ~ /^0x[0-9a-f]+$/ { sub("%", "", $1); s[$2] += $1; next }
			NF >= 4 && n < top { print; n++ }
			END { for (d in s) printf "    %5.2f%%  %s  [.] (stripped: no symbols)\n", s[d], d }' |
			sort -t% -k1 -rn | head -n "$TOP"
	done
done
echo
echo "# perf data and logs: $OUT (perf report -i <file>.perf)"
