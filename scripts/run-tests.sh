#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Run meson's test suites of the given build directories and print one
# line "N passed, N failed" over all of them.  Exit 0 only if none failed.
# An argument DIR:SUITE runs only that suite of DIR.
set -uo pipefail
pass=0 fail=0
for arg in "$@"; do
	# DIR, or DIR:SUITE for one suite only (build-fuzz:fuzz)
	b=${arg%%:*} suite=()
	[ "$b" != "$arg" ] && suite=(--suite "${arg#*:}")
	echo "=== meson test -C $b ${suite[*]}"
	meson test -C "$b" "${suite[@]}" --print-errorlogs --num-processes 1 \
		${XENSHM_TEST_ARGS:-}
	log="$b/meson-logs/testlog.json"
	[ -f "$log" ] || { fail=$((fail + 1)); continue; }
	p=$(python3 -c 'import json,sys
n=0
for l in open(sys.argv[1]):
    n += json.loads(l)["result"] in ("OK","EXPECTEDFAIL")
print(n)' "$log")
	t=$(grep -c . "$log")
	pass=$((pass + p))
	fail=$((fail + t - p))
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
