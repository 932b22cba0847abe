#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
"""Write the seed corpus of each fuzz target into test/fuzz/corpus/<target>/.

A few valid inputs per target, in each harness's input format (see the
comment at the top of test/fuzz/fuzz_<target>.c), so that the fuzzer
starts from messages, headers, rings, nodes, frames and files the code
accepts.  The output is committed; run this again after changing an
input format.  Layouts follow lib/shmring/shmring_layout() and
docs/protocol.md.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, 'corpus')

PAGE, CL, RING_HDR, DESC = 4096, 64, 128, 16
MSG_MAGIC, REGION_MAGIC, VERSION = 0x43485358, 0x52485358, 1
HELLO, OFFER, ACCEPT, REJECT = 1, 2, 3, 4
MULTI_SEG = 1


def up(v, a):
    return (v + a - 1) // a * a


def layout(n_qp, ring, slot):
    stride = up(RING_HDR + ring * DESC, CL)
    buf_off = up(PAGE + 2 * n_qp * stride, PAGE)
    buf = 2 * n_qp * ring * slot
    return PAGE, stride, buf_off, buf, up(buf_off + buf, PAGE)


def msg(mtype, body, version=VERSION):
    m = struct.pack('<IHHII', MSG_MAGIC, mtype, version, 0, 0) + body
    return m + bytes(128 - len(m))


def hello(qp=16, ring=32768, slot=65536, mtu=9600, region=1 << 30):
    return msg(HELLO, struct.pack('<IHHIIIIQ', MULTI_SEG, qp, 0, ring, slot,
                                  mtu, 0, region))


def offer(feat, qp, ring, slot, mtu, epoch=2):
    return msg(OFFER, struct.pack('<IHHIIIIQ', feat, qp, 0, ring, slot, mtu,
                                  epoch, layout(qp, ring, slot)[4]))


def params(feat, qp, ring, slot, mtu):
    # shmring_params as fuzz_handshake reads it, then the region size
    return struct.pack('<IHIII', feat, qp, ring, slot, mtu) + \
        struct.pack('<Q', layout(qp, ring, slot)[4])


def limits(qp=16, ring=32768, slot=65536, mtu=9600, region=1 << 30):
    return struct.pack('<HIIIQ', qp, ring, slot, mtu, region)


def region_hdr(feat, qp, ring, slot, mtu, epoch=2, mac=b'\x02\0\0\0\1\1'):
    ro, stride, bo, bs, size = layout(qp, ring, slot)
    h = struct.pack('<IIIIQHHIIIIIQQ', REGION_MAGIC, VERSION, feat, PAGE,
                    size, qp, 0, ring, slot, mtu, ro, stride, bo, bs)
    h += mac + bytes(2)
    h += bytes(128 - len(h))
    guest = struct.pack('<BxxxIQ', 2, epoch, 0) + bytes(48)
    doms = bytes(64)
    return h + guest + doms


def write(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


def handshake():
    ctx = bytes([OFFER]) + params(1, 1, 1024, 2048, 1500) + limits()
    write('handshake', 'hello', hello() + bytes([HELLO]) +
          params(1, 1, 1024, 2048, 1500) + limits())
    write('handshake', 'hello-small', hello(1, 64, 256, 68, 64 << 10) +
          bytes([OFFER]) + params(0, 1, 64, 256, 68) + limits())
    write('handshake', 'offer', offer(1, 1, 1024, 2048, 1500) + ctx)
    write('handshake', 'offer-4qp', offer(0, 4, 256, 2048, 1500) + ctx)
    write('handshake', 'offer-jumbo', offer(1, 2, 512, 1024, 9000) + ctx)
    write('handshake', 'accept', msg(ACCEPT, struct.pack('<II', 3, 0)) +
          bytes([ACCEPT]))
    write('handshake', 'reject', msg(REJECT, struct.pack('<II', 14, 0) +
                                     b'queue pairs 17 not in 1..16\0') +
          bytes([OFFER]))
    write('handshake', 'reject-v9', msg(REJECT, struct.pack('<II', 24, 0) +
                                        b'version\0', version=9))
    write('handshake', 'short', hello()[:100])


def region():
    for name, p in [('default', (1, 1, 1024, 2048, 1500)),
                    ('small', (0, 1, 64, 256, 68)),
                    ('2qp', (1, 2, 256, 1024, 1500)),
                    ('jumbo', (1, 1, 128, 2048, 9600)),
                    ('16qp', (0, 16, 64, 2048, 1500))]:
        write('region', name, region_hdr(*p) + bytes([3]))
    # explicit mapped size and OFFER (mode 0)
    feat, qp, ring, slot, mtu = 1, 1, 64, 512, 1500
    size = layout(qp, ring, slot)[4]
    write('region', 'explicit', region_hdr(feat, qp, ring, slot, mtu) +
          bytes([0]) + struct.pack('<Q', size) +
          struct.pack('<IHHIIIIQ', feat, qp, 0, ring, slot, mtu, 2, size))


def ring():
    # set-up: b0 (bit0: 2 qp, bit1: MULTI_SEG, >>2: ring), b1 (ring size,
    # slot size), mtu u16, start index u32; then operations
    def desc(k, off, ln, flags):
        return bytes([0, k]) + struct.pack('<IIHHI', off, ln, flags, 0, 0)

    def pub(n):
        return bytes([2, n - 1])

    def rx(n):
        return bytes([4, n - 1])

    one = b''.join(desc(k, k * 256, 60 + k, 0) for k in range(4))
    write('ring', 'frames', bytes([0, 0]) + struct.pack('<HI', 1400, 0) +
          one + pub(4) + rx(8))
    chain = desc(0, 0, 256, 1) + desc(1, 256, 256, 1) + desc(2, 512, 100, 0)
    write('ring', 'chain', bytes([2, 0]) + struct.pack('<HI', 600, 0) +
          chain + pub(3) + rx(4) + bytes([5, 8]))
    write('ring', 'wrap', bytes([1 | 4, 1]) +
          struct.pack('<HI', 100, 0xfffffffe) + one + pub(4) +
          bytes([5, 2]) + rx(4) + bytes([9, 10, 8, 0, 3, 9, 20]))
    write('ring', 'restart', bytes([3, 2]) + struct.pack('<HI', 2000, 7) +
          one + pub(4) + bytes([6]) + struct.pack('<I', 9) + bytes([7]) +
          rx(4))
    write('ring', 'hostile', bytes([0, 0]) + struct.pack('<HI', 1400, 0) +
          bytes([3]) + struct.pack('<I', 1000) + rx(8) +
          desc(0, 0xfffffff8, 16, 0) + pub(1) + rx(1))


def xenstore():
    def rec(op, arg, val):
        return bytes([op]) + struct.pack('<Q', arg) + bytes([len(val)]) + val

    write('xenstore', 'numbers', rec(0, 1 << 30, b'1073741824') +
          rec(1, 0xffffffff, b'4294967295') + rec(0, 10, b'11') +
          rec(1, 255, b'007'))
    write('xenstore', 'strings', rec(2, 64, b'/local/domain/3/device') +
          rec(2, 4, b'abc') + rec(2, 4, b'abcd'))
    write('xenstore', 'lists', rec(3, 4, b'8 9 10 4294967295') +
          rec(3, 1, b'12') + rec(3, 0, b'') + rec(3, 2, b'1  2'))
    write('xenstore', 'key', rec(4, 20, b'42'))
    guests = b'3\x005\x00junk\x00'
    devs = b'0\x001\x00'
    write('xenstore', 'assigned', rec(5, 8 << 2, b'0') +
          bytes([len(guests)]) + guests + bytes([len(devs)]) + devs)
    write('xenstore', 'perms-tree', rec(6, 100, b'ring-ref\x00state\x00'))
    write('xenstore', 'controlled', rec(7, 3, struct.pack('<IIII', 3, 1,
                                                          0, 2)))


def classify():
    def frame(dst, src, etype, payload=b'\0' * 46, tag=None):
        f = dst + src
        if tag is not None:
            f += struct.pack('>HH', 0x8100, tag)
        return f + struct.pack('>H', etype) + payload

    mac = b'\x02\0\0\0\1\1'
    other = b'\x02\0\0\0\1\2'
    bcast = b'\xff' * 6

    def rec(f, dt=1, headroom=4):
        return struct.pack('<HHB', dt, len(f), headroom) + f

    def setup(b0, pps=0, bps=0, vlans=(100, 200, 0, 0), carries=0xf):
        return bytes([b0]) + mac + struct.pack('<IIHI', pps, bps, 20, 0) + \
            bytes([carries]) + b''.join(struct.pack('<H', v) for v in vlans)

    frames = rec(frame(bcast, mac, 0x0806)) + rec(frame(other, mac, 0x0800))
    # guest, strict / learn-first / off
    write('classify', 'guest-strict', setup(0) + frames +
          rec(frame(bcast, other, 0x0800)) +
          rec(frame(bcast, mac, 0x0800, tag=5)))
    write('classify', 'guest-learn', setup(2) + rec(frame(bcast, other,
                                                           0x0800)) + frames)
    write('classify', 'guest-pinned', setup(2 | 0x10) + frames +
          rec(frame(bcast, other, 0x0800)))
    write('classify', 'guest-off-vlan', setup(4 | 8) + frames +
          rec(frame(bcast, other, 0x0800, tag=7)))
    write('classify', 'guest-rate', setup(0, pps=1000, bps=800000) +
          frames * 8 + rec(frame(other, mac, 0x0800), dt=5001) + frames)
    # uplink: tagged for tenants 0 and 1, one untagged, one foreign vlan
    write('classify', 'uplink', setup(1) +
          rec(frame(bcast, other, 0x0800, tag=100)) +
          rec(frame(mac, other, 0x0800, tag=0x2000 | 200)) +
          rec(frame(mac, other, 0x0800)) +
          rec(frame(mac, other, 0x0800, tag=300)) +
          rec(frame(mac, bcast, 0x0800, tag=100)))


CONFIG = {
    'minimal': """[tenant t]
[guest vm1]
tenant = t
""",
    'tenants': """[global]
guest-dir = /run/xenshm/guests
default-tenant = red
aging-time = 60
mtu = 9000
rx-desc = 2048
peer-uid = 1000
guest-devargs = "net_xenshm_{name},path={socket},queues={queues}{,peer-uid}"

[tenant red]
vlan = 100
max-macs = 64

[tenant blue]
vlan = 200

[guest vm1]
tenant = red
mac = 02:00:00:00:01:01 ; pinned
rate-pps = 1M
rate-bps = 10G
rate-burst-ms = 50

[guest vm2]
tenant = blue
mac = learn
queues = 4
lcores = 1,2
anti-spoof = yes
allow-vlan = no

[guest vm3]
tenant = blue
socket = /tmp/vm3.sock
anti-spoof = no
max-macs = 8
peer-uid = any

[uplink phys]
devargs = net_af_packet0,iface=eth1
tenants = red, blue
queues = 2
""",
    'xen': """[eal]
args = -l 0,1 --no-pci
[global]
guest-dir =
[tenant t]
vlan = 7
[guest dom3]
tenant = t
xen-domid = 3
xen-devid = 0
[guest static]
tenant = t
devargs = net_xenshm_static,path=/run/s.sock
[uplink up]
port = 0000:01:00.0
tenants = all
\0global.burst=16\0guest:dom3.rate-pps=10k\0tenant:t.max-macs=99""",
}


def config():
    with open(os.path.join(HERE, '../../app/doms-switch/'
                           'doms-switch.conf.example'), 'rb') as f:
        write('config', 'example', f.read())
    for name, text in CONFIG.items():
        write('config', name, text.encode())


def main():
    handshake()
    region()
    ring()
    xenstore()
    classify()
    config()
    return 0


if __name__ == '__main__':
    sys.exit(main())
