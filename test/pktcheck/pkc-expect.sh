#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# Run a command (normally xenshm-pktcheck), then check its exit status and
# the fields of its final "pktcheck: tx=..." summary line.
#
#   pkc-expect.sh 'exit=1 duplicated==inj_dup lost==inj_drop+inj_corrupt' \
#       -- xenshm-pktcheck EAL-args -- app-args
#
# A condition is KEY OP EXPR with OP one of = == <= >= < > and EXPR a sum
# of numbers and summary keys.  "exit" is the command's exit status.  When
# the only conditions are on "exit", no summary line is required.
set -u

conds=$1
shift
[ "${1:-}" = "--" ] && shift

out=$(mktemp "${TMPDIR:-/tmp}/pkc-expect.XXXXXX") || exit 1
trap 'rm -f "$out"' EXIT

"$@" >"$out"
rc=$?
cat "$out"

summary=$(grep '^pktcheck: tx=' "$out" | tail -n 1)
need_summary=0
for c in $conds; do
	case $c in
	exit[=\<\>]*) ;;
	*) need_summary=1 ;;
	esac
done
if [ $need_summary -eq 1 ] && [ -z "$summary" ]; then
	echo "pkc-expect: FAIL: no summary line (exit status $rc)"
	exit 1
fi

printf 'exit=%s %s\n' "$rc" "${summary#pktcheck: }" | awk -v conds="$conds" '
function val(e,    n, i, t, s) {
	n = split(e, t, "+")
	s = 0
	for (i = 1; i <= n; i++) {
		if (t[i] ~ /^[0-9.]+$/)
			s += t[i]
		else if (t[i] in f)
			s += f[t[i]]
		else {
			print "pkc-expect: FAIL: unknown key " t[i]
			bad = 1
		}
	}
	return s
}
{
	for (i = 1; i <= NF; i++) {
		split($i, kv, "=")
		f[kv[1]] = kv[2]
	}
	n = split(conds, c, " ")
	for (i = 1; i <= n; i++) {
		if (!match(c[i], /(<=|>=|==|=|<|>)/)) {
			print "pkc-expect: FAIL: bad condition " c[i]
			bad = 1
			continue
		}
		op = substr(c[i], RSTART, RLENGTH)
		l = val(substr(c[i], 1, RSTART - 1))
		r = val(substr(c[i], RSTART + RLENGTH))
		if (op == "=" || op == "==") ok = (l == r)
		else if (op == "<=") ok = (l <= r)
		else if (op == ">=") ok = (l >= r)
		else if (op == "<") ok = (l < r)
		else ok = (l > r)
		if (!ok) {
			printf "pkc-expect: FAIL: %s (left %s, right %s)\n", \
				c[i], l, r
			bad = 1
		}
	}
	exit bad
}'
st=$?
[ $st -eq 0 ] && echo "pkc-expect: all conditions hold: $conds"
exit $st
