#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Run meson's test suites of the given build directories and print one
# line "N passed, N failed" over all of them.  Exit 0 only if none failed.
set -uo pipefail
pass=0 fail=0
for b in "$@"; do
	echo "=== meson test -C $b"
	meson test -C "$b" --print-errorlogs --num-processes 1 \
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
