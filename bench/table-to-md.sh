#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# Turn one benchmark results directory into markdown: the machine it ran
# on, the PMD table (median Mpps per transport, direction and frame size,
# and the median per-round ratios xenshm/memif and xenshm/vhost), then the
# full text of plot.py, the switch benchmark's medians and the ring
# benchmark's RESULT lines as printed.  Nothing is measured here.
#
# usage: bench/table-to-md.sh <results-dir> [--into <file.md>]
#   <results-dir>  <builddir>/bench-results/<timestamp> (make bench), or
#                  the outdir of bench/pmd-bench.sh alone
#   --into FILE    replace the block between the line that starts with
#                  "<!-- bench-table:" and "<!-- bench-table: end -->" in
#                  FILE (docs/line-rate.md) instead of printing
set -u
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] || { echo "usage: $0 <results-dir> [--into <file.md>]" >&2; exit 2; }
RES=${1%/}
INTO=""
if [ $# -ge 2 ]; then
	if [ "$2" != --into ] || [ $# -ne 3 ]; then
		echo "usage: $0 <results-dir> [--into <file.md>]" >&2; exit 2
	fi
	INTO=$3
fi
PY=/usr/bin/python3
[ -x $PY ] || PY=python3

if [ -f "$RES/pmd/pmd.tsv" ]; then PMD=$RES/pmd; else PMD=$RES; fi
[ -f "$PMD/pmd.tsv" ] || { echo "table-to-md: no pmd.tsv in $RES or $RES/pmd" >&2; exit 1; }
MACHINE=$RES/machine.txt
[ -f "$MACHINE" ] || MACHINE=$PMD/machine.txt

render() {
	echo "<!-- bench-table: filled from $RES by bench/table-to-md.sh -->"
	echo
	echo "Results directory: \`$RES\`"
	echo
	if [ -f "$MACHINE" ]; then
		echo "| machine | |"
		echo "| --- | --- |"
		sed 's/|/\\|/g; s/^\([^:]*\): *\(.*\)$/| \1 | \2 |/' "$MACHINE"
	else
		echo "Machine: not recorded (this results directory predates machine.txt)."
	fi
	echo
	# The pmd-bench header lines (date, DPDK, cpus, burst, windows).
	grep '^#' "$PMD/pmd.tsv" | sed 's/^# */    /'
	echo
	"$PY" - "$here" "$PMD/pmd.tsv" <<'EOF'
import sys
sys.path.insert(0, sys.argv[1])
import plot  # the same parser and median as the printed table

runs, notes, foreign, rtt = plot.load(sys.argv[2])
sizes = sorted({s for (_, s) in list(runs) + list(notes)})
rounds = sorted({r for v in runs.values() for r in v})
print(f"PMD benchmark, testpmd to testpmd, one core per side: Mpps, median "
      f"over {len(rounds)} round(s) (min-max); ratio = median of the "
      f"per-round ratios.")
print()
cols = ["xenshm", "memif", "memifzc", "vhost"]
print("| direction | frame | " + " | ".join(plot.LABELS[t] for t in cols) +
      " | xenshm / memif copy | xenshm / vhost |")
print("| --- | ---: |" + " ---: |" * (len(cols) + 2))
for d in plot.DIRS:
    for s in sizes:
        if not any((f"{t}-{d}", s) in runs or (f"{t}-{d}", s) in notes
                   for t in cols):
            continue
        cells = []
        for t in cols:
            v = list(runs.get((f"{t}-{d}", s), {}).values())
            if v:
                cells.append(f"{plot.med(v):.2f} ({min(v):.2f}-{max(v):.2f})")
            else:
                cells.append(notes.get((f"{t}-{d}", s), ["-"])[0])
        x = runs.get((f"xenshm-{d}", s), {})
        for a in ("memif", "vhost"):
            y = runs.get((f"{a}-{d}", s), {})
            pr = [x[r] / y[r] for r in x if r in y and y[r] > 0]
            cells.append(f"{plot.med(pr):.2f}" if pr else "-")
        print(f"| {plot.DIR_TITLES[d]} | {s} B | " +
              " | ".join(cells) + " |")
allf = [f for v in foreign.values() for f in v.values()]
if allf:
    print()
    print(f"{len(allf)} runs; CPU used by other work during a run: median "
          f"{plot.med(allf):.0f} %, {sum(f > plot.FOREIGN_MAX for f in allf)}"
          f" run(s) above {plot.FOREIGN_MAX} % (distorted).")
EOF
	echo
	echo "<details><summary>plot.py output (ratios over quiet rounds, targets)</summary>"
	echo
	echo '```text'
	"$PY" "$here/plot.py" "$PMD/pmd.tsv"
	echo '```'
	echo
	echo "</details>"
	if [ -f "$RES/switch.txt" ]; then
		echo
		echo "Switch benchmark (Mpps medians, bench/switch-bench.sh):"
		echo
		echo '```text'
		sed -n '/^# medians/,/^# samples/p' "$RES/switch.txt" | grep -v '^# samples'
		echo '```'
	fi
	if [ -f "$RES/ring.txt" ]; then
		echo
		echo "Ring benchmark (Mdesc/s, ring_bench):"
		echo
		echo '```text'
		grep -h '^median burst\|^one-core cost' "$RES/ring.txt"
		echo '```'
	fi
	echo
	echo "<!-- bench-table: end -->"
}

if [ -z "$INTO" ]; then
	render
	exit 0
fi
[ -f "$INTO" ] || { echo "table-to-md: $INTO not found" >&2; exit 1; }
if ! grep -q '^<!-- bench-table:' "$INTO" || ! grep -q '^<!-- bench-table: end -->' "$INTO"; then
	echo "table-to-md: $INTO has no <!-- bench-table: ... --> ... <!-- bench-table: end --> block" >&2
	exit 1
fi
tmp=$(mktemp) || exit 1
render > "$tmp" || { rm -f "$tmp"; exit 1; }
# Print everything outside the old block; the new block where it began.
awk -v new="$tmp" '
	/^<!-- bench-table: end -->/ { skip = 0; next }
	/^<!-- bench-table:/ && !done { while ((getline l < new) > 0) print l; skip = 1; done = 1; next }
	!skip' "$INTO" > "$INTO.new" && mv "$INTO.new" "$INTO"
rc=$?
rm -f "$tmp"
[ $rc = 0 ] && echo "table-to-md: $INTO updated from $RES"
exit $rc
