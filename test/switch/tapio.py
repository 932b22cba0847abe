#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
"""The far end of a doms-switch uplink, from the kernel side of its tap.

Sends crafted frames (the xs-frames format: ethertype 0x88b6, "XSFR",
a 16-byte tag) on a Linux interface, tagged or not, receives at the same
time, and prints one JSON line like xs-frames does: frames sent and
received per tag, the vlan each tag arrived with, other frames.

  tapio.py --iface xsup0 --send tag=u100,vlan=100,dst=ff:ff:ff:ff:ff:ff \
           --done /run/x/done.up --until /run/x/stop --max-s 60

The kernel moves a received 802.1Q tag out of the frame into packet
metadata; PACKET_AUXDATA gives it back, so the vlan is reported either way.
"""
import argparse
import json
import os
import select
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_AUXDATA = 8
TP_STATUS_VLAN_VALID = 1 << 4
XF_TYPE = 0x88B6
MAGIC = b"XSFR"
TAG_LEN = 16


def mac(s):
    b = bytes(int(x, 16) for x in s.split(":"))
    if len(b) != 6:
        raise ValueError(s)
    return b


def parse_spec(text):
    spec = {"count": 1, "len": 64, "vlan": None, "when": None,
            "src": "02:00:00:00:fe:01", "dst": "ff:ff:ff:ff:ff:ff"}
    for kv in text.split(","):
        k, v = kv.split("=", 1)
        if k in ("count", "len"):
            spec[k] = int(v)
        elif k == "vlan":
            spec[k] = int(v)
        elif k in ("tag", "src", "dst", "when"):
            spec[k] = v
        else:
            raise ValueError("unknown key " + k)
    if not spec.get("tag") or len(spec["tag"]) >= TAG_LEN:
        raise ValueError("tag")
    return spec


def build(spec, seq):
    hdr = mac(spec["dst"]) + mac(spec["src"])
    if spec["vlan"] is not None:
        hdr += struct.pack("!HH", 0x8100, spec["vlan"])
    hdr += struct.pack("!H", XF_TYPE)
    tag = spec["tag"].encode().ljust(TAG_LEN, b"\0")
    frame = hdr + MAGIC + tag + struct.pack("<I", seq)
    return frame.ljust(spec["len"], b"\0")


def classify(data, aux_vlan, res):
    res["rx_total"] += 1
    vlan = aux_vlan
    off = 12
    if len(data) < off + 2:
        res["rx_other"] += 1
        return
    etype = struct.unpack_from("!H", data, off)[0]
    depth = 0
    while etype in (0x8100, 0x88A8) and depth < 2 and len(data) >= off + 6:
        if vlan is None:
            vlan = struct.unpack_from("!H", data, off + 2)[0] & 0xFFF
        off += 4
        etype = struct.unpack_from("!H", data, off)[0]
        depth += 1
    off += 2
    if etype != XF_TYPE or data[off:off + 4] != MAGIC:
        res["rx_other"] += 1
        return
    tag = data[off + 4:off + 4 + TAG_LEN].split(b"\0")[0].decode(
        errors="replace")
    res["rx"][tag] = res["rx"].get(tag, 0) + 1
    res["rx_vlan"][tag] = -1 if vlan is None else vlan


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iface", required=True)
    ap.add_argument("--send", action="append", default=[])
    ap.add_argument("--pps", type=float, default=2000)
    ap.add_argument("--done", help="create DONE.<tag> after each spec")
    ap.add_argument("--ready", help="create this file once receiving")
    ap.add_argument("--until", help="stop once this file exists")
    ap.add_argument("--max-s", type=float, default=60)
    ap.add_argument("--recv-s", type=float, default=1.0,
                    help="receive this long after sending (no --until)")
    args = ap.parse_args()
    specs = [parse_spec(s) for s in args.send]

    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                         socket.htons(ETH_P_ALL))
    sock.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    sock.bind((args.iface, 0))
    sock.setblocking(False)
    if args.ready:
        open(args.ready, "w").close()
    res = {"tx": {}, "rx": {}, "rx_vlan": {}, "rx_other": 0, "rx_total": 0}
    start = time.monotonic()
    deadline = start + args.max_s
    gap = 1.0 / args.pps if args.pps > 0 else 0
    seq = 0
    cmsg_space = socket.CMSG_SPACE(struct.calcsize("IIIHHHH"))

    def receive(wait):
        r, _, _ = select.select([sock], [], [], wait)
        if not r:
            return
        while True:
            try:
                data, anc, _, addr = sock.recvmsg(65536, cmsg_space)
            except BlockingIOError:
                return
            if addr[2] == socket.PACKET_OUTGOING:
                continue        # our own sends
            vlan = None
            for level, typ, cdata in anc:
                if level == SOL_PACKET and typ == PACKET_AUXDATA:
                    (status, _l, _s, _m, _n, tci,
                     _tpid) = struct.unpack("IIIHHHH", cdata[:20])
                    if status & TP_STATUS_VLAN_VALID:
                        vlan = tci & 0xFFF
            classify(data, vlan, res)

    for spec in specs:
        while spec["when"] and not os.path.exists(spec["when"]):
            if time.monotonic() > deadline:
                break
            receive(0.01)
        sent = 0
        for _ in range(spec["count"]):
            sock.send(build(spec, seq))
            seq += 1
            sent += 1
            receive(gap)
        res["tx"][spec["tag"]] = sent
        if args.done:
            open(args.done + "." + spec["tag"], "w").close()
    end = time.monotonic() + args.recv_s
    while time.monotonic() < deadline:
        if args.until:
            if os.path.exists(args.until):
                break
        elif time.monotonic() > end:
            break
        receive(0.01)
    print(json.dumps(res), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
