#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# The verdict and summary of test/soak/soak.sh, from what it left in its
# run directory:
#   sw.tsv       one line per doms-switch incarnation
#   churn.tsv    churn guest generations (start, stop, exit)
#   samples.tsv  t name pid fds rss_kb anon_kb shmem_kb region_kb of the
#                long-lived guests (region_kb: resident in the shared ring
#                regions, from smaps)
#   *.json       xenshm-pktcheck results; *.log their output
#   fails.txt    failures the shell script saw itself
# Exit 0 when every check passed.
#
# usage: report.py DIR SECONDS KILL_EVERY WARMUP FD_TOL RSS_TOL_KB
#                  ALLOW_REORDER SAN RATE
import glob
import json
import os
import re
import statistics
import sys

(d, secs, kill_every, warmup, fd_tol, rss_tol, allow_reorder, san,
 rate) = sys.argv[1:10]
secs, kill_every, warmup = int(secs), int(kill_every), int(warmup)
fd_tol, rss_tol, rate = int(fd_tol), int(rss_tol), int(rate)
allow_reorder = allow_reorder == "1"
LONG = ["la_tx", "la_rx", "lb_rx", "lc_tx"]
STALL_MAX_S = 60
fails = []


def fail(msg):
    fails.append(msg)


def lines(name):
    try:
        with open(os.path.join(d, name)) as f:
            return [l.split() for l in f if l.strip()]
    except OSError:
        return []


def load(name):
    try:
        with open(os.path.join(d, name)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def med(xs):
    return statistics.median(xs) if xs else None


for l in lines("fails.txt"):
    fail(" ".join(l))

# ------------------------------------------------------------ doms-switch
inc = []
for l in lines("sw.tsv"):
    n, pid, t0, t1, rc, how, up, fds, rss, anon, shm, samp, linked = l[:13]
    inc.append(dict(n=int(n), pid=int(pid), t0=int(t0), t1=int(t1),
                    rc=int(rc), how=how, up=int(up),
                    fds=None if fds == "-" else int(fds),
                    rss=None if rss == "-" else int(rss),
                    anon=None if anon in ("-", "") else int(anon),
                    shm=None if shm in ("-", "") else int(shm),
                    samp=None if samp in ("-", "") else int(samp),
                    linked=set() if linked == "-" else set(linked.split(",")),
                    exit_ms=int(l[13]) if len(l) > 13 else None))
kills = [i for i in inc if i["how"] == "killed"]
selfx = [i for i in inc if i["how"] == "self"]
for i in selfx:
    fail("doms-switch incarnation %d (pid %d) ended by itself, status %d: "
         "see sw/%d.log" % (i["n"], i["pid"], i["rc"], i["n"]))
for i in kills:
    if i["rc"] != 137:
        fail("doms-switch incarnation %d (pid %d) SIGKILLed but status %d"
             % (i["n"], i["pid"], i["rc"]))
if not inc or inc[-1]["how"] != "term":
    fail("the last doms-switch did not end through the final SIGTERM")
elif inc[-1]["rc"] != 0:
    fail("the last doms-switch ended with status %d on SIGTERM (sw/%d.log)"
         % (inc[-1]["rc"], inc[-1]["n"]))

# re-attach: a long-lived guest absent from 3 consecutive incarnations in
# which another long-lived guest did link up
for g in LONG:
    streak, worst, where = 0, 0, None
    for i in inc:
        if g in i["linked"]:
            streak = 0
        elif i["linked"] & set(LONG):
            streak += 1
            if streak > worst:
                worst, where = streak, i["n"]
    if worst >= 3:
        fail("%s did not re-attach in %d consecutive incarnations (up to "
             "sw/%d.log) in which other guests did" % (g, worst, where))
ups = sorted(i["up"] for i in kills if i["up"] >= 0)

# telemetry taken just before each SIGKILL (sw/N.tel): the workers' longest
# loop gap (a descheduled or stalled worker) and what every port did
tel = {}
drops_total = {}
fwd_total = 0
for i in kills:
    try:
        with open(os.path.join(d, "sw", "%d.tel" % i["n"])) as f:
            replies = {}
            for ln in f:
                ln = ln.strip()
                if ln.startswith("{"):
                    replies.update(json.loads(ln))
    except (OSError, ValueError):
        continue
    lc = replies.get("/doms_switch/lcores", {})
    gaps = [w.get("max_loop_gap_us", 0) for w in lc.values()
            if isinstance(w, dict)]
    ports = replies.get("/doms_switch/ports", {})
    fwd = sum(p.get("tx_pkts", 0) for p in ports.values())
    fwd_total += fwd
    for k, v in replies.get("/doms_switch/drops", {}).get("total",
                                                          {}).items():
        drops_total[k] = drops_total.get(k, 0) + v
    tel[i["n"]] = dict(gap_ms=max(gaps) / 1000 if gaps else None, fwd=fwd)
    if replies.get("/doms_switch/drops", {}).get("total", {}).get(
            "isolation_guard", 0):
        fail("doms-switch incarnation %d: isolation_guard drops" % i["n"])
all_up_before_kill = len(ups)

# ------------------------------------------------------------ churn
gens = {}       # (name, g) -> dict
for l in lines("churn.tsv"):
    name, g, pid, t = l[0], int(l[1]), int(l[2]), int(l[3])
    e = gens.setdefault((name, g), dict(pid=pid, start=None, how=None,
                                        rc=None))
    if l[4] == "start":
        e["start"] = t
    elif l[4] in ("kill", "int"):
        e["how"] = l[4]
    elif l[4] == "exit":
        e["rc"] = int(l[5])

# ------------------------------------------------------------ counters
BAD = ["corrupted", "duplicated", "bad_len", "bad_csum", "bad_payload",
       "foreign", "untracked"]
ORDER = ["reordered", "stale"]


def check_counters(tag, r):
    for k in BAD + ([] if allow_reorder else ORDER):
        if r.get(k, 0) != 0:
            fail("%s: %s = %d" % (tag, k, r[k]))


rows = []       # guest, role, lifetimes, sent, rx, lost, corr, dup, reord
res = {}
for g in LONG:
    r = load(g + ".json")
    res[g] = r
    if r is None:
        fail("%s: no result (%s.json)" % (g, g))
        continue
    check_counters(g, r)
rcs = {l[0]: int(l[1]) for l in lines("long-rc.tsv")}
for g in LONG:
    if rcs.get(g) != 0:
        fail("%s: exit status %s (0 expected: pktcheck's own verdict)"
             % (g, rcs.get(g)))

lb = res.get("lb_rx") or {}
lb_sessions = {}
for f in lb.get("flows", []):
    s = lb_sessions.setdefault(f["session"], dict(rx=0, lost=0, hi=-1))
    s["rx"] += f["rx"]
    s["lost"] += f["lost"]

cb = dict(gens=0, killed=0, sent=0, sent_known=0, rx=0)
cc = dict(gens=0, rx=0, lost=0, corrupted=0, duplicated=0, reordered=0,
          stale=0)
for (name, g), e in sorted(gens.items()):
    tag = "%s.%d" % (name, g)
    if e["rc"] is None:
        fail("%s (pid %d): no exit status recorded" % (tag, e["pid"]))
        continue
    r = load(tag + ".json")
    if name == "cb_tx":
        cb["gens"] += 1
        sess = lb_sessions.get(0x0B000000 + g, {}).get("rx", 0)
        cb["rx"] += sess
        if e["how"] == "kill":
            cb["killed"] += 1
            if e["rc"] != 137:
                fail("%s: SIGKILLed but status %d" % (tag, e["rc"]))
        else:
            if e["rc"] != 0 or r is None:
                fail("%s: stopped with SIGINT: status %d, result %s"
                     % (tag, e["rc"], "missing" if r is None else "ok"))
            if r is not None:
                cb["sent"] += r["tx"]
                cb["sent_known"] += 1
        if sess == 0:
            fail("%s: lb_rx received nothing of its session (never attached?)"
                 % tag)
    else:
        cc["gens"] += 1
        if e["rc"] != 0 or r is None:
            fail("%s: status %d, result %s" % (tag, e["rc"],
                 "missing" if r is None else "ok"))
        if r is None:
            continue
        check_counters(tag, r)
        for k in ("rx", "lost", "corrupted", "duplicated", "reordered",
                  "stale"):
            cc[k] += r[k]
        if r["rx"] == 0:
            fail("%s: received nothing (never attached?)" % tag)


def stream_row(guest, role, life, r, sent=None):
    if r is None:
        rows.append([guest, role, life] + ["?"] * 7)
        return
    rows.append([guest, role, life,
                 r["tx"] if sent is None else sent,
                 r["rx"] if "rx" in role else "-",
                 r["lost"] if "rx" in role else "-",
                 r["corrupted"], r["duplicated"], r["reordered"],
                 r["stale"]])


stream_row("la_tx", "tx", "whole run", res["la_tx"])
stream_row("la_rx", "rx (from la_tx)", "whole run", res["la_rx"])
rows.append(["cb_tx", "tx", "%d gens (%d SIGKILLed)" % (cb["gens"],
             cb["killed"]), "%d (+%d gens unknown)" % (cb["sent"],
             cb["gens"] - cb["sent_known"]), "-", "-", "-", "-", "-", "-"])
stream_row("lb_rx", "rx (from cb_tx)", "whole run", res["lb_rx"])
stream_row("lc_tx", "tx", "whole run", res["lc_tx"])
rows.append(["cc_rx", "rx (from lc_tx)", "%d gens" % cc["gens"], "-",
             cc["rx"], cc["lost"], cc["corrupted"], cc["duplicated"],
             cc["reordered"], cc["stale"]])

# ------------------------------------------------------------ stalls
def longest_stall(log):
    """longest time without a new frame, and the longest gap between two
    of the receiver's own progress lines (1 s apart when it runs: longer
    means the process itself was not scheduled)"""
    try:
        text = open(os.path.join(d, log)).read()
    except OSError:
        return None
    last_t, last_rx, worst, at = None, 0, 0.0, 0.0
    prev, own, own_at = None, 0.0, 0.0
    for m in re.finditer(r"^pktcheck: progress t=([\d.]+) tx=\d+ rx=(\d+)",
                         text, re.M):
        t, rx = float(m.group(1)), int(m.group(2))
        if prev is not None and t - prev > own:
            own, own_at = round(t - prev, 1), prev
        prev = t
        if rx > last_rx:
            if last_t is not None and t - last_t > worst:
                worst, at = round(t - last_t, 1), last_t
            last_t, last_rx = t, rx
    return worst, at, own, own_at


stalls = {}
for g in ("la_rx", "lb_rx"):
    stalls[g] = longest_stall(g + ".log") or (None, None, None, None)
    if stalls[g][0] is None or stalls[g][0] > STALL_MAX_S:
        fail("%s: no frame for %s s in a row (from t=%s s of its clock)"
             % (g, stalls[g][0], stalls[g][1]))

# ------------------------------------------------------------ fd / RSS
# judged: fds, and "own" memory = VmRSS - resident in the shared regions
samples = {}
for l in lines("samples.tsv"):
    t, g, pid, fds, rss, anon, shm, reg = [int(x) if i != 1 else x
                                           for i, x in enumerate(l[:8])]
    samples.setdefault(g, []).append(dict(t=t, fds=fds, rss=rss, anon=anon,
                                          reg=reg, own=rss - reg))


def cell(s):
    return "%d/%d/%d" % (s["fds"], s["rss"], s["own"])


def judge(who, ss, k, what, keys):
    """ss: samples after the warm-up, in time order; k: median width"""
    names = {"fds": (fd_tol, "fds"), "rss": (rss_tol, "VmRSS (KiB)"),
             "own": (rss_tol, "VmRSS - regions (KiB)"),
             "anon": (rss_tol, "RssAnon (KiB)")}
    for key in keys:
        tol, name = names[key]
        vals = [s[key] for s in ss if s[key] is not None]
        if len(vals) < 2 * k:
            continue
        b, e = med(vals[:k]), med(vals[-k:])
        if e - b > tol:
            fail("%s: %s grew from %d to %d %s (medians of %d; tolerance "
                 "%d)" % (who, name, b, e, what, k, tol))


table = []
for g in LONG:
    ss = samples.get(g, [])
    if len(ss) < 4:
        fail("%s: only %d fd/RSS samples" % (g, len(ss)))
        continue
    after = [s for s in ss if s["t"] >= warmup]
    if len(after) < 6:
        after = ss[len(ss) // 2:]
    mid = min(ss, key=lambda s: abs(s["t"] - (ss[0]["t"] + ss[-1]["t"]) / 2))
    k = min(3, len(after) // 2)
    table.append([g, "%d..%d s" % (ss[0]["t"], ss[-1]["t"]), cell(ss[0]),
                  cell(after[0]), cell(mid), cell(ss[-1]),
                  "%+d/%+d/%+d" % (after[-1]["fds"] - after[0]["fds"],
                                   after[-1]["rss"] - after[0]["rss"],
                                   after[-1]["own"] - after[0]["own"]),
                  "%d/%d" % (ss[-1]["reg"], ss[-1]["anon"])])
    # VmRSS itself once the rings had time to wrap (regions resident)
    judge(g, after, k, "after the warm-up",
          ["fds", "own", "anon"] + (["rss"] if warmup >= 60 else []))

swk = [dict(t=(i["t0"] - inc[0]["t0"]) // 1000, fds=i["fds"], rss=i["rss"],
            anon=i["anon"], shm=i["shm"], own=i["rss"] - i["shm"],
            reg=i["shm"])
       for i in kills if i["fds"] is not None and i["shm"] is not None]
if len(swk) >= 6:
    after = [s for s in swk if s["t"] >= warmup]
    if len(after) < 10:
        after = swk[len(swk) // 2:]
    mid = swk[len(swk) // 2]
    k = min(5, len(after) // 2)
    table.append(["doms-switch", "%d kills" % len(swk), cell(swk[0]),
                  cell(after[0]), cell(mid), cell(swk[-1]),
                  "%+d/%+d/%+d" % (swk[-1]["fds"] - after[0]["fds"],
                                   swk[-1]["rss"] - after[0]["rss"],
                                   swk[-1]["own"] - after[0]["own"]),
                  "%d/%d" % (swk[-1]["reg"], swk[-1]["anon"])])
    judge("doms-switch (at the SIGKILLs)", after, k,
          "over the incarnations", ["fds", "anon"])
elif secs >= 60:
    fail("doms-switch: only %d incarnations with fd/RSS samples" % len(swk))

# ------------------------------------------------------------ sanitizers
SAN_RE = re.compile(r"ERROR: AddressSanitizer|ERROR: LeakSanitizer|"
                    r"runtime error:|UndefinedBehaviorSanitizer|"
                    r"AddressSanitizer:DEADLYSIGNAL")
san_hits = []
for p in sorted(glob.glob(os.path.join(d, "*.log")) +
                glob.glob(os.path.join(d, "sw", "*.log"))):
    try:
        with open(p, errors="replace") as f:
            for ln in f:
                if SAN_RE.search(ln):
                    san_hits.append("%s: %s" % (os.path.relpath(p, d),
                                                ln.strip()))
                    break
    except OSError:
        pass
for h in san_hits:
    fail("sanitizer report: " + h)

# ------------------------------------------------------------ summary


def table_print(head, body):
    w = [max(len(str(r[i])) for r in [head] + body) for i in range(len(head))]
    for r in [head] + body:
        print("  " + "  ".join(str(c).rjust(w[i]) if i else
                               str(c).ljust(w[i]) for i, c in enumerate(r)))


def first_line(name):
    try:
        with open(os.path.join(d, name)) as f:
            for l in f:
                if "load average" in l:
                    return l.strip()
    except OSError:
        pass
    return "?"


dur = (inc[-1]["t1"] - inc[0]["t0"]) / 1000 if inc else 0
print()
print("=== xenshm soak%s ===" % (" (ASan/UBSan)" if san == "1" else ""))
print("kill/churn phase     %d s (whole run %.0f s); %d frames/s per sender"
      % (secs, dur, rate))
print("doms-switch          %d SIGKILLs (every %d s after each start), %d "
      "incarnations, %d ended by themselves, last SIGTERM status %s"
      % (len(kills), kill_every, len(inc), len(selfx),
         inc[-1]["rc"] if inc else "?"))
ki = sorted(b["t1"] - a["t1"] for a, b in zip(kills, kills[1:]))
if ki:
    print("kill interval        median %d ms, max %d ms (kill -> restart -> "
          "%d s -> kill; longer when the box stalls)"
          % (ki[len(ki) // 2], ki[-1], kill_every))
ex = sorted(i["exit_ms"] for i in kills if i["exit_ms"] is not None)
if ex:
    print("exit after SIGKILL   median %d ms, max %d ms (incarnation %d; the "
          "next start waits until the killed one is reaped)"
          % (ex[len(ex) // 2], ex[-1], max((i for i in kills if i["exit_ms"]
                                            is not None),
                                           key=lambda i: i["exit_ms"])["n"]))
if ups:
    print("re-attach            all 4 long-lived guests up before the kill "
          "in %d/%d incarnations; start -> all up: median %d ms, p90 %d ms,"
          " max %d ms" % (all_up_before_kill, len(kills), ups[len(ups) // 2],
                          ups[int(len(ups) * 0.9)], ups[-1]))
for g in LONG:
    print("  %-6s linked up in %d/%d incarnations" %
          (g, sum(1 for i in inc if g in i["linked"]), len(inc)))
if tel:
    gl = sorted((t["gap_ms"], n) for n, t in tel.items()
                if t["gap_ms"] is not None)
    print("worker loop gap      longest per incarnation (telemetry before the"
          " kill, %d of %d): median %.0f ms, max %.0f ms (incarnation %d);"
          " frames forwarded %d (counted until those snapshots)"
          % (len(tel), len(kills), gl[len(gl) // 2][0], gl[-1][0], gl[-1][1],
             fwd_total))
    print("switch drops         " + ", ".join(
        "%s %d" % kv for kv in sorted(drops_total.items()) if kv[1]))
print("churn                cb_tx %d attach/leave cycles (%d SIGKILLed, %d "
      "SIGINT), cc_rx %d cycles (SIGINT)"
      % (cb["gens"], cb["killed"], cb["gens"] - cb["killed"], cc["gens"]))
for g in ("la_rx", "lb_rx"):
    print("longest rx stall     %s: %s s without a frame (from its t=%s s); "
          "the process itself unscheduled for up to %s s (from its t=%s s)"
          % ((g,) + stalls[g]))
kern = lines("dmesg.txt")
print("kernel during the run %s" % ("; ".join(" ".join(l) for l in kern[:3])
                                    if kern else "nothing (dmesg: no lockup,"
                                    " hung task, OOM, segfault)"))
print()
print("frames per guest (lost = as counted by that receiver; frames sent "
      "while DomS restarts are dropped by design):")
table_print(["guest", "role", "life", "sent", "received", "lost",
             "corrupted", "duplicated", "reordered", "stale"], rows)
if res.get("la_tx") and res.get("la_rx"):
    s, r = res["la_tx"]["tx"], res["la_rx"]["rx"]
    print("  stream la_tx -> la_rx: %d of %d delivered (%.1f%%)"
          % (r, s, 100.0 * r / s if s else 0))
if cb["sent_known"]:
    print("  stream cb_tx -> lb_rx: %d received of all generations (sent "
          "count known for %d of %d)" % (cb["rx"], cb["sent_known"],
                                         cb["gens"]))
if res.get("lc_tx"):
    s = res["lc_tx"]["tx"]
    print("  stream lc_tx -> cc_rx: %d of %d delivered (%.1f%%; no "
          "receiver during the churn gaps)" % (cc["rx"], s,
                                              100.0 * cc["rx"] / s if s else 0))
print()
print("fd count / VmRSS KiB / own KiB (guests: VmRSS minus the shared ring "
      "regions; doms-switch: VmRSS minus RssShmem); warm-up %d s; growth "
      "judged as the median of the last samples - median of the first ones "
      "after the warm-up, tolerance %d fds, %d KiB (guests: fds, own, "
      "RssAnon%s; doms-switch, sampled at each SIGKILL: fds, RssAnon):"
      % (warmup, fd_tol, rss_tol, ", VmRSS" if warmup >= 60 else ""))
table_print(["process", "samples", "start", "after warm-up", "middle",
             "end", "growth (end-warm)", "regions|shmem/anon at end"], table)
sm = sorted(i["samp"] for i in kills if i["samp"] is not None)
if sm:
    print("  (sampling doms-switch before a kill took median %d ms, max %d ms)"
          % (sm[len(sm) // 2], sm[-1]))
print()
print("box: start  " + first_line("box-start.txt"))
print("box: end    " + first_line("box-end.txt"))
print()
if fails:
    print("FAILED checks (%d):" % len(fails))
    for f in fails:
        print("  - " + f)
    sys.exit(1)
print("all checks passed: 0 corrupted, 0 duplicated, long-lived guests "
      "kept their PIDs, fds/RSS flat")
sys.exit(0)
