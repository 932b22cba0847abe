#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
"""Send marked frames on one interface and count those that come back on another.

What DTS's scapy traffic generator does in TestSuite_xenshm.py, for
check-topology.sh, which puts tap interfaces where DTS needs PCI ports.

    tap-traffic.py --tx IF --rx IF --tag TAG [--count N] [--len BYTES] [--wait S]

Prints "returned R of N" (R: frames whose payload came back byte for byte);
exit 0 whatever R is: the caller decides what it expects.
"""

import argparse
import threading

from scapy.all import IP, UDP, AsyncSniffer, Ether, Raw, sendp  # type: ignore[import-untyped]

MARK = b"xenshm-dts-"


def marked_frames(tag: str, count: int, frame_len: int) -> list:
    """`count` UDP frames of `frame_len` bytes, each with a unique marker and pattern."""
    frames = []
    for i in range(count):
        marker = MARK + f"{tag}-{i:04d}-".encode()
        head = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(
            src="192.0.2.1", dst="192.0.2.2"
        ) / UDP(sport=4000, dport=4001)
        fill = max(frame_len - len(head) - len(marker), 0)
        frames.append(head / Raw(load=marker + bytes((i + k) & 0xFF for k in range(fill))))
    return frames


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tx", required=True)
    parser.add_argument("--rx", required=True)
    parser.add_argument("--tag", required=True)
    parser.add_argument("--count", type=int, default=16)
    parser.add_argument("--len", type=int, default=128)
    parser.add_argument("--wait", type=float, default=3.0, help="longest wait for the frames")
    args = parser.parse_args()

    frames = marked_frames(args.tag, args.count, args.len)
    wanted = {bytes(f[Raw].load) for f in frames}
    got: set[bytes] = set()
    all_back = threading.Event()
    started = threading.Event()

    def on_frame(pkt) -> None:
        load = bytes(pkt[Raw].load)
        if load in wanted:
            got.add(load)
            if len(got) == len(wanted):
                all_back.set()

    sniffer = AsyncSniffer(
        iface=args.rx,
        lfilter=lambda p: Raw in p and bytes(p[Raw].load).startswith(MARK),
        prn=on_frame,
        store=False,
        started_callback=started.set,
    )
    sniffer.start()
    started.wait(5)
    sendp(frames, iface=args.tx, verbose=False)
    all_back.wait(args.wait)
    sniffer.stop()
    print(f"returned {len(got)} of {len(frames)}")


if __name__ == "__main__":
    main()
