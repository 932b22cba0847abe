#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Run meson's test suites of the given build directories and print one
# line "N passed, N failed" over all of them.  Exit 0 only if none failed.
# An argument DIR:SUITE runs only that suite of DIR.
set -uo pipefail
pass=0 fail=0 failed=()
for arg in "$@"; do
	# DIR, or DIR:SUITE for one suite only (build-fuzz:fuzz)
	b=${arg%%:*} suite=()
	[ "$b" != "$arg" ] && suite=(--suite "${arg#*:}")
	echo "=== meson test -C $b ${suite[*]}"
	# a run that registers no test writes no log: never count the last one
	rm -f "$b/meson-logs/testlog.json"
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
	# Name what failed, with its time: CI keeps only the tail of this output.
	mapfile -t -O "${#failed[@]}" failed < <(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    t = json.loads(l)
    if t["result"] not in ("OK", "EXPECTEDFAIL"):
        why = [x for x in (t.get("stdout") or "").splitlines() if x.strip()][-3:]
        print("%s: %s %s after %.1f s | %s" % (sys.argv[2], t["name"],
              t["result"], t["duration"], " | ".join(why)[-400:]))' "$log" "$b")
done
for f in "${failed[@]}"; do echo "FAILED $f"; done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
