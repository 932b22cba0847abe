#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# tel.py FILE_PREFIX [PORT...]: one DPDK telemetry session with a
# doms-switch, printed as key=value lines (for the attack tests, which
# ask many times on a loaded machine; dpdk-telemetry.py per value is
# too slow there):
#   PORT.link PORT.port_id PORT.tx_pkts PORT.rx_pkts PORT.present
#   PORT.x.<xstat>     the PMD's xstats (/ethdev/xstats,<port_id>)
#   PORT.d.<reason>    doms-switch drops of the port
#   ports              the names of all ports
#   @N.x.<xstat>       for a name @N: ethdev port N's xstats (any DPDK
#                      application, e.g. xenshm-pktcheck)
import json
import socket
import sys

prefix, names = sys.argv[1], sys.argv[2:]
path = "/var/run/dpdk/%s/dpdk_telemetry.v2" % prefix
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.settimeout(20)
s.connect(path)
info = json.loads(s.recv(16384).decode())
maxlen = info.get("max_output_len", 16384)


def q(cmd):
    s.send(cmd.encode())
    return list(json.loads(s.recv(maxlen).decode()).values())[0]


ports = q("/doms_switch/ports") or {}
print("ports=%s" % ",".join(sorted(ports)))
drops = (q("/doms_switch/drops") or {}).get("ports", {})
for n in names:
    if n.startswith("@"):
        for k, v in (q("/ethdev/xstats,%d" % int(n[1:])) or {}).items():
            print("%s.x.%s=%s" % (n, k, v))
        continue
    p = ports.get(n)
    print("%s.present=%d" % (n, p is not None))
    if p is None:
        continue
    for k in ("link", "port_id", "tx_pkts", "rx_pkts"):
        print("%s.%s=%s" % (n, k, p.get(k)))
    for k, v in (q("/ethdev/xstats,%d" % p["port_id"]) or {}).items():
        print("%s.x.%s=%s" % (n, k, v))
    for k, v in drops.get(n, {}).items():
        print("%s.d.%s=%s" % (n, k, v))
