#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# make bench: the ring benchmark, then the PMD benchmark, then (when it
# exists) the switch benchmark.  Everything printed is also written to
# <builddir>/bench-results/<timestamp>/.  A benchmark, never a test: it
# asserts no speed and its exit code only says whether it could run.
#
# usage: bench/run.sh <builddir>
# env:   BENCH="ring pmd switch"  which parts to run
#        RING_ROUNDS=7 RING_SECONDS=1.5 RING_BURSTS=32,8,128
#        (PMD knobs: see bench/pmd-bench.sh and bench/lib.sh)
set -u
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] || { echo "usage: $0 <builddir>" >&2; exit 2; }
BUILD=$(cd "$1" && pwd) || exit 2
BENCH=${BENCH:-"ring pmd switch"}
RING_ROUNDS=${RING_ROUNDS:-7}
RING_SECONDS=${RING_SECONDS:-1.5}
RING_BURSTS=${RING_BURSTS:-32,8,128}
# shellcheck source=bench/lib.sh
. "$here/lib.sh"	# bench_wait_quiet
RES=$BUILD/bench-results/$(date +%Y%m%d-%H%M%S)
mkdir -p "$RES" || exit 1
rc=0

echo "# xenshm benchmarks -> $RES"
echo "# $(date -Is) $(uname -r) $(nproc) cpus; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# A VM (and a small box) can switch speed regimes for seconds at a time;"
echo "# only the interleaved ratios below are meaningful, never one absolute"
echo "# figure.  Other work on the box distorts everything (foreign%)."
bench_machine > "$RES/machine.txt"
sed 's/^/# /' "$RES/machine.txt"

# Build what the benchmarks run (make bench has built it already).
ninja -C "$BUILD" > "$RES/ninja.log" 2>&1 ||
	echo "# warning: ninja -C $BUILD failed (see $RES/ninja.log); running what exists"

case " $BENCH " in *" ring "*)
	echo
	echo "## 1. ring benchmark: shmring vs rte_ring SP/SC (16-byte descriptors, lcores on cpu 0 and 1)"
	if [ -x "$BUILD/bench/ring_bench" ]; then
		bench_wait_quiet ||
			echo "# warning: the box stayed busy for ${QUIET_WAIT}s; running anyway"
		"$BUILD/bench/ring_bench" --lcores 0@0,1@1 --no-huge -m 64 \
			--no-shconf --no-telemetry --no-pci \
			--log-level=lib.eal:warning -- -r "$RING_ROUNDS" \
			-t "$RING_SECONDS" -b "$RING_BURSTS" -v 2>&1 |
			tee "$RES/ring.txt"
		[ "${PIPESTATUS[0]}" = 0 ] || rc=1
	else
		echo "ring_bench not built (needs libdpdk)"; rc=1
	fi
esac

case " $BENCH " in *" pmd "*)
	echo
	echo "## 2. PMD benchmark: testpmd to testpmd, xenshm vs memif vs virtio-user/vhost"
	"$here/pmd-bench.sh" "$BUILD" "$RES/pmd" 2>&1 | tee "$RES/pmd.txt"
	[ "${PIPESTATUS[0]}" = 0 ] || rc=1
esac

case " $BENCH " in *" switch "*)
	echo
	echo "## 3. switch benchmark"
	# Hook: a bench/switch-bench.sh <builddir> <outdir> (doms-switch and
	# OVS-DPDK between guest testpmds) runs here once it exists.
	if [ -x "$here/switch-bench.sh" ]; then
		"$here/switch-bench.sh" "$BUILD" "$RES/switch" 2>&1 |
			tee "$RES/switch.txt"
		[ "${PIPESTATUS[0]}" = 0 ] || rc=1
	else
		echo "not yet: bench/switch-bench.sh does not exist"
	fi
esac

echo
echo "# summary"
grep -h "^RESULT\|^median burst" "$RES/ring.txt" 2>/dev/null
[ -f "$RES/pmd.txt" ] && sed -n '/^xenshm \/ anchor/,$p' "$RES/pmd.txt" | grep -v "^# pmd-bench"
echo "# results: $RES"
exit $rc
