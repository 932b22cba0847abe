#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Run libFuzzer targets and print one summary line per target:
#   fuzz NAME: N executions in T s (R exec/s), F findings
#
#   run-fuzz.sh --short NAME EXE SEEDS    a short pass (meson test, suite
#                                         'fuzz'): XENSHM_FUZZ_RUNS runs
#                                         (20000) or 10 s, what comes first
#   run-fuzz.sh --long BUILD RUNS [NAME...]
#                                         "make fuzz": RUNS executions of
#                                         each target (all if no NAME), one
#                                         after the other, under nice
#
# The committed seeds (test/fuzz/corpus/NAME, and regression inputs in
# test/fuzz/crashes/NAME) are only read: new inputs go to
# BUILD/test/fuzz/corpus-NAME (kept between long runs) or to a scratch
# directory (short runs).  A finding is saved as
# BUILD/test/fuzz/artifacts-NAME/crash-* (or leak-, timeout-, oom-); the
# log of the last run is beside it.  XENSHM_FUZZ_ARGS adds libFuzzer
# options to long runs (e.g. -max_total_time=600).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
nice_cmd=()

# run NAME EXE WORKDIR ARTIFACTS LIBFUZZER-ARGS...
run() {
	local name=$1 exe=$2 work=$3 art=$4
	shift 4
	local log="$art/last.log" seeds=("$here/corpus/$name")
	local t0 t1 rc n secs rate
	mkdir -p "$work" "$art"
	# Earlier findings are replayed first, then fuzzed from.
	[ -d "$here/crashes/$name" ] && seeds+=("$here/crashes/$name")
	t0=$(date +%s.%N)
	"${nice_cmd[@]}" "$exe" "$work" "${seeds[@]}" \
		-artifact_prefix="$art/" -print_final_stats=1 -timeout=10 \
		-error_exitcode=1 \
		"$@" >"$log" 2>&1
	rc=$?
	t1=$(date +%s.%N)
	n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	if [ -z "$n" ]; then	# a crash ends the run before the stats
		n=$(grep -ao '^#[0-9]*' "$log" | tail -1 | tr -d '#')
	fi
	n=${n:-0}
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
	rate=$(awk -v n="$n" -v s="$secs" 'BEGIN { printf "%d", n / (s + 0.001) }')
	# libFuzzer stops at the first finding: 0 or 1 per run
	printf 'fuzz %s: %s executions in %s s (%s exec/s), %s findings\n' \
		"$name" "$n" "$secs" "$rate" "$((rc != 0 ? 1 : 0))"
	if [ "$rc" -ne 0 ]; then
		grep -am1 -A30 'property failed\|^==[0-9]*==ERROR\|runtime error' \
			"$log" | head -40
		grep -a 'Test unit written to' "$log"
		echo "fuzz $name: full log in $log"
	fi
	return "$rc"
}

case "${1:-}" in
--short)
	[ $# -eq 4 ] || { echo "usage: $0 --short NAME EXE SEEDS" >&2; exit 2; }
	name=$2 exe=$3
	scratch=$(mktemp -d)
	trap 'rm -rf "$scratch"' EXIT
	run "$name" "$exe" "$scratch" "$(dirname "$exe")/artifacts-$name" \
		-runs="${XENSHM_FUZZ_RUNS:-20000}" -max_total_time=10
	;;
--long)
	[ $# -ge 3 ] || { echo "usage: $0 --long BUILD RUNS [NAME...]" >&2
		exit 2; }
	build=$2 runs=$3
	shift 3
	# a shared box: long runs give way to everything else
	nice_cmd=(nice -n 10)
	dir="$build/test/fuzz"
	names=("$@")
	if [ ${#names[@]} -eq 0 ]; then
		for e in "$dir"/fuzz_*; do
			[ -f "$e" ] && [ -x "$e" ] && names+=("${e##*/fuzz_}")
		done
	fi
	fail=0
	summary=()
	for name in "${names[@]}"; do
		out=$(run "$name" "$dir/fuzz_$name" "$dir/corpus-$name" \
			"$dir/artifacts-$name" -runs="$runs" \
			${XENSHM_FUZZ_ARGS:-}) || fail=$((fail + 1))
		echo "$out"
		summary+=("$(echo "$out" | head -1)")
	done
	echo "=== fuzz summary ($runs runs per target)"
	printf '%s\n' "${summary[@]}"
	[ "$fail" -eq 0 ]
	;;
*)
	sed -n '2,/^set /p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
	exit 2
	;;
esac
