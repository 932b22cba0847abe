#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
"""Table and plot of the PMD benchmark.

usage: plot.py <pmd.tsv> [out.png]

Reads the per-run lines pmd-bench.sh writes (case, size, round, Mpps, ...),
prints the median Mpps of every case and size with the range over rounds,
then, for each pair (xenshm against memif copy and against virtio-user ->
vhost, same direction and size), the median over rounds of the per-round
ratio (rounds are interleaved, so each ratio compares runs seconds apart),
next to the issue's target where one applies, with memif zero-copy beside.
Writes a PNG of median Mpps by frame size (one panel per direction) when
matplotlib is available (python3-matplotlib); the table needs nothing.
"""

import os
import statistics
import sys
from collections import defaultdict

TRANSPORTS = ["xenshm", "memif", "memifzc", "vhost"]
COLORS = {"xenshm": "tab:red", "memif": "tab:blue",
          "memifzc": "tab:cyan", "vhost": "tab:green"}
LABELS = {
    "xenshm": "xenshm",
    "memif": "memif copy",
    "memifzc": "memif zero-copy",
    "vhost": "virtio-user/vhost",
}
DIRS = ["g2d", "d2g", "bidir"]
DIR_TITLES = {
    "g2d": "guest -> switch (one way)",
    "d2g": "switch -> guest (one way)",
    "bidir": "bidirectional (A rx + B rx)",
}
# issue 3 targets: (direction, size) -> {anchor: minimum xenshm/anchor}
TARGETS = {
    ("g2d", 64): {"memif": 1.5, "vhost": 1.2},
    ("d2g", 64): {"memif": 1.5, "vhost": 1.2},
    ("g2d", 1518): {"memif": 1.0, "vhost": 1.0},
    ("d2g", 1518): {"memif": 1.0, "vhost": 1.0},
}
for _s in (64, 512, 1518):
    TARGETS[("bidir", _s)] = {"memif": 1.3, "vhost": 1.3}


# A run during which the rest of the box used more than this share of the
# CPUs (foreign_cpu_pct) is "noisy"; ratios are also shown over the rounds
# where both runs of the pair were quiet.
FOREIGN_MAX = int(os.environ.get("FOREIGN_MAX", "20"))
# cpu_rtt (ns) below this: the VM's fast regime, above: the slow one.  On
# this VM the round trip sits near 80-130 or near 400-550 ns.
RTT_SPLIT = int(os.environ.get("RTT_SPLIT", "250"))


def load(path):
    """-> runs[(case, size)][round] = Mpps, notes[(case, size)] = [...],
    foreign[(case, size)][round] = % of the box used by others,
    rtt[(case, size)][round] = ns (cpu_rtt before the run) or None"""
    runs = defaultdict(dict)
    notes = defaultdict(list)
    foreign = defaultdict(dict)
    rtt = defaultdict(dict)
    with open(path) as f:
        for line in f:
            if line.startswith("#") or line.startswith("case\t"):
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 4:
                continue
            case, size, rnd, val = cols[0], int(cols[1]), int(cols[2]), cols[3]
            try:
                runs[(case, size)][rnd] = float(val)
            except ValueError:
                notes[(case, size)].append(val)
                continue
            if len(cols) > 6:
                foreign[(case, size)][rnd] = int(cols[6])
            if len(cols) > 8:
                try:
                    rtt[(case, size)][rnd] = int(cols[8])
                except ValueError:
                    rtt[(case, size)][rnd] = None
    return runs, notes, foreign, rtt


def med(vals):
    return statistics.median(vals) if vals else None


def fmt(v, width=7, prec=2):
    return f"{v:{width}.{prec}f}" if v is not None else f"{'-':>{width}}"


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    runs, notes, foreign, rtt = load(sys.argv[1])
    sizes = sorted({s for (_, s) in list(runs) + list(notes)})
    cases = [f"{t}-{d}" for d in DIRS for t in TRANSPORTS
             if any((f"{t}-{d}", s) in runs or (f"{t}-{d}", s) in notes
                    for s in sizes)]

    print("Mpps: median over rounds [min..max] (n rounds)")
    print(f"{'case':<15}" + "".join(f"{s:>26}" for s in sizes))
    for c in cases:
        row = f"{c:<15}"
        for s in sizes:
            v = list(runs.get((c, s), {}).values())
            if v:
                cell = f"{med(v):.2f} [{min(v):.2f}..{max(v):.2f}] ({len(v)})"
            elif notes.get((c, s)):
                cell = notes[(c, s)][0]
            else:
                cell = "-"
            row += f"{cell:>26}"
        print(row)
    allf = [f for d in foreign.values() for f in d.values()]
    if allf:
        print(f"runs: {len(allf)}; foreign CPU % median {med(allf):.0f}, "
              f"{sum(f > FOREIGN_MAX for f in allf)} runs above "
              f"{FOREIGN_MAX}% (distorted: other work shared the CPUs)")

    print()
    print("xenshm / anchor: median over rounds of the per-round ratio "
          "(ratio of medians in parentheses;")
    print(f"  qR/N: median ratio over the N rounds where both runs had "
          f"foreign CPU <= {FOREIGN_MAX}%;")
    print(f"  mR/N: the same, and both runs in the same speed regime "
          f"(cpu_rtt both below or both above {RTT_SPLIT} ns));")
    print("  target from issue 3, judged on the all-rounds median")
    missed = 0
    for d in DIRS:
        for s in sizes:
            x = runs.get((f"xenshm-{d}", s), {})
            line = f"{d:<6}{s:>5} B "
            for anchor in ("memif", "vhost"):
                a = runs.get((f"{anchor}-{d}", s), {})
                pair = [x[r] / a[r] for r in x if r in a and a[r] > 0]
                fx = foreign.get((f"xenshm-{d}", s), {})
                fa = foreign.get((f"{anchor}-{d}", s), {})
                qpair = [x[r] / a[r] for r in x if r in a and a[r] > 0 and
                         fx.get(r, 100) <= FOREIGN_MAX and
                         fa.get(r, 100) <= FOREIGN_MAX]
                # quiet and both runs in the same speed regime
                rx = rtt.get((f"xenshm-{d}", s), {})
                ra = rtt.get((f"{anchor}-{d}", s), {})
                mpair = [x[r] / a[r] for r in x if r in a and a[r] > 0 and
                         fx.get(r, 100) <= FOREIGN_MAX and
                         fa.get(r, 100) <= FOREIGN_MAX and
                         rx.get(r) is not None and ra.get(r) is not None and
                         (rx[r] < RTT_SPLIT) == (ra[r] < RTT_SPLIT)]
                tgt = TARGETS.get((d, s), {}).get(anchor)
                if pair:
                    mr = med(pair)
                    rom = med(list(x.values())) / med(list(a.values())) \
                        if med(list(a.values())) else 0
                    verdict = ""
                    if tgt is not None:
                        ok = mr >= tgt
                        missed += not ok
                        verdict = f" >={tgt}: {'met' if ok else 'MISSED'}"
                    q = f" q{med(qpair):.2f}/{len(qpair)}" if qpair else ""
                    q += (f" m{med(mpair):.2f}/{len(mpair)}" if mpair
                          else "")
                    cell = (f"/{LABELS[anchor]} {mr:.2f} ({rom:.2f}){q}"
                            f"{verdict}")
                else:
                    cell = f"/{LABELS[anchor]} -"
                line += f"  {cell:<60}"
            zc = med(list(runs.get((f"memifzc-{d}", s), {}).values()))
            xm = med(list(x.values()))
            line += f"  xenshm {fmt(xm, 1)} Mpps, memif-zc {fmt(zc, 1)} Mpps"
            print(line)
    if missed:
        print(f"{missed} target(s) missed")

    if len(sys.argv) < 3:
        return 0
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("plot: matplotlib missing (apt-get install python3-matplotlib);"
              " no PNG written", file=sys.stderr)
        return 0
    fig, axes = plt.subplots(1, len(DIRS), figsize=(15, 4.8), sharey=True)
    for ax, d in zip(axes, DIRS):
        for t in TRANSPORTS:
            c = f"{t}-{d}"
            xs, ys, lo, hi = [], [], [], []
            for s in sizes:
                v = list(runs.get((c, s), {}).values())
                if v:
                    m = med(v)
                    xs.append(s)
                    ys.append(m)
                    lo.append(m - min(v))
                    hi.append(max(v) - m)
            if xs:
                ax.errorbar(xs, ys, yerr=[lo, hi], marker="o", capsize=3,
                            color=COLORS[t], label=LABELS[t])
        ax.set_title(DIR_TITLES[d])
        ax.set_xlabel("frame size (bytes)")
        ax.set_xscale("log")
        ax.set_xticks(sizes)
        ax.minorticks_off()
        ax.set_xticklabels([str(s) for s in sizes])
        ax.grid(True, alpha=0.3)
    axes[0].set_ylabel("Mpps (median over rounds; bars: min..max)")
    handles = {}
    for ax in axes:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(lab, h)
    axes[0].legend(handles.values(), handles.keys())
    fig.suptitle("testpmd to testpmd, one core per process "
                 "(2-vCPU VM, shared and noisy: compare within a figure)")
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=100)
    print(f"plot: {sys.argv[2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
