# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors

"""xenshm test suite: the net_xenshm (switch domain) PMD under DPDK's DTS 24.11.

The SUT's testpmd (DTS's :class:`TestPmdShell`) is the switch domain. Besides the two
PCI ports DTS allows, it has one virtual device, ``net_xenshm0``, attached to the region of
a guest. The guest is a second testpmd on the SUT node, started and stopped by
``xenshm-peer.sh`` (dts-configs/), which sends every frame back to the switch domain::

    TG egress -> SUT port 0 -> testpmd -> port 2 (net_xenshm0) -> ring -> guest testpmd
    TG ingress <- SUT port 1 <- testpmd <- port 2 (net_xenshm0) <- ring <-------'

testpmd forwards ``--port-topology=chained --portlist=0,2,1``: port 0 to port 2, port 2 to
port 1. A frame that reaches the TG's ingress port has crossed the shared-memory ring in
both directions.

The runner (dts-configs/run-dts.sh) exports, for this suite:

    XENSHM_DTS_PMDS      directory of the PMDs on the SUT node
    XENSHM_DTS_PEER      path of xenshm-peer.sh on the SUT node
    XENSHM_DTS_SOCKET    the guest's socket path on the SUT node
    XENSHM_DTS_TESTPMD   the testpmd the guest runs (the SUT's DPDK, which the PMDs
                         were built for)
    XENSHM_DTS_PEER_LCORES  the guest testpmd's EAL --lcores
"""

import os
import re
import time

from scapy.layers.inet import IP, UDP  # type: ignore[import-untyped]
from scapy.layers.l2 import Ether  # type: ignore[import-untyped]
from scapy.packet import Packet, Raw  # type: ignore[import-untyped]

from framework.params import Params
from framework.params.testpmd import PortTopology, SimpleForwardingModes
from framework.remote_session.testpmd_shell import TestPmdShell
from framework.test_suite import TestSuite, func_test
from framework.testbed_model.virtual_device import VirtualDevice

#: testpmd's port id of net_xenshm0: EAL probes the allowed PCI ports first.
XENSHM_PORT = 2
#: How long the switch domain may take to attach to, or notice the loss of, the guest.
#: It retries every 10 ms, backing off to 250 ms (docs/pmd.md, "Life cycle").
LINK_TIMEOUT_S = 10.0
#: The guest's MTU in the jumbo test; DomS accepts up to its max-mtu (9600 by default).
JUMBO_MTU = 9000
#: Ethernet header and two VLAN tags on top of the MTU (docs/pmd.md, guest devargs).
L2_OVERHEAD = 22


class TestXenshm(TestSuite):
    """net_xenshm ports: link, forwarding both ways, jumbo frames, peer restart."""

    def set_up_suite(self) -> None:
        """Read where the runner put things on the SUT node; no guest is running.

        Setup:
            Stop a guest left over from an earlier run.
        """
        self.pmds = os.environ.get("XENSHM_DTS_PMDS", "/opt/xenshm-dts/pmds")
        self.peer = os.environ.get("XENSHM_DTS_PEER", "/opt/xenshm-dts/xenshm-peer.sh")
        self.socket = os.environ.get("XENSHM_DTS_SOCKET", "/run/xenshm-dts/vm1.sock")
        # passed on to xenshm-peer.sh, which runs on the SUT node
        self.peer_env = {
            name: os.environ[name]
            for name in ("XENSHM_DTS_PMDS", "XENSHM_DTS_TESTPMD", "XENSHM_DTS_PEER_LCORES")
            if name in os.environ
        }
        self._peer("stop")

    def tear_down_test_case(self) -> None:
        """Teardown: stop the guest, so that each test case starts without one."""
        self._peer("stop")

    def tear_down_suite(self) -> None:
        """Teardown: stop the guest and put the TG's MTUs back."""
        self._peer("stop")
        self.tg_node.main_session.configure_port_mtu(1500, self._tg_port_egress)
        self.tg_node.main_session.configure_port_mtu(1500, self._tg_port_ingress)

    # ---------------------------------------------------------------- helpers

    def _peer(self, action: str, *args: str) -> str:
        """Run xenshm-peer.sh on the SUT node; its output, or a failed test case."""
        env = [f"{name}={value}" for name, value in self.peer_env.items()]
        command = " ".join(["env", *env, self.peer, action, *args])
        # the nodes log in as root (conf.yaml), so no sudo is needed
        result = self.sut_node.main_session.send_command(command, timeout=60)
        self.verify(
            result.return_code == 0,
            f"xenshm-peer.sh {action} failed: {result.stdout} {result.stderr}",
        )
        return result.stdout

    def _doms_testpmd(self, jumbo: bool = False) -> TestPmdShell:
        """The switch domain's testpmd: PCI ports 0 and 1, net_xenshm0 as port 2."""
        params: dict = {}
        if jumbo:
            params = dict(
                max_pkt_len=JUMBO_MTU + L2_OVERHEAD,
                mbuf_size=[2048],
                enable_scatter=True,
                tx_offloads=0x00008000,  # RTE_ETH_TX_OFFLOAD_MULTI_SEGS
            )
        return TestPmdShell(
            self.sut_node,
            vdevs=[VirtualDevice(f"net_xenshm0,path={self.socket}")],
            other_eal_param=Params.from_str(f"-d {self.pmds}/librte_net_xenshm.so"),
            forward_mode=SimpleForwardingModes.io,
            port_topology=PortTopology.chained,
            portlist="0,2,1",
            # testpmd's mlockall() stalls the PMD's control alarm at start-up
            # (docs/pmd.md, "Limits")
            lock_all_memory=False,
            **params,
        )

    def _wait_link(self, testpmd: TestPmdShell, up: bool) -> None:
        """Wait until net_xenshm0's link is `up` (or down); fail after LINK_TIMEOUT_S."""
        deadline = time.monotonic() + LINK_TIMEOUT_S
        while testpmd.show_port_info(XENSHM_PORT).is_link_up != up:
            self.verify(
                time.monotonic() < deadline,
                f"net_xenshm0 link not {'up' if up else 'down'} after {LINK_TIMEOUT_S} s",
            )
            time.sleep(0.1)

    def _marked_packets(self, tag: str, count: int, frame_len: int = 128) -> list[Packet]:
        """`count` UDP frames of `frame_len` bytes (no CRC), each with a unique marker."""
        packets = []
        for i in range(count):
            marker = f"xenshm-dts-{tag}-{i:04d}-".encode()
            head = Ether() / IP() / UDP(sport=4000, dport=4001)
            fill = frame_len - len(head) - len(marker)
            # a pattern that depends on the position, so a mangled byte shows
            payload = marker + bytes((i + k) & 0xFF for k in range(max(fill, 0)))
            packets.append(head / Raw(load=payload))
        return packets

    def _returned(self, sent: list[Packet], received: list[Packet]) -> int:
        """How many of `sent` came back with their payload intact."""
        received_payloads = [bytes(p[Raw].load) for p in received if Raw in p]
        return sum(1 for p in sent if bytes(p[Raw].load) in received_payloads)

    def _xstat(self, testpmd: TestPmdShell, name: str) -> int:
        """One extended statistic of net_xenshm0 (docs/pmd.md, "Statistics")."""
        output = testpmd.send_command(f"show port xstats {XENSHM_PORT}")
        match = re.search(rf"^\s*{name}:\s+(\d+)", output, re.MULTILINE)
        self.verify(match is not None, f"net_xenshm0 has no xstat {name}")
        return int(match.group(1))

    def _forward_round(self, testpmd: TestPmdShell, tag: str, count: int = 16) -> None:
        """Send `count` frames through the guest and back; all must return intact."""
        before = testpmd.show_port_stats(XENSHM_PORT)
        sent = self._marked_packets(tag, count)
        received = self.send_packets_and_capture(sent, duration=2)
        returned = self._returned(sent, received)
        self.verify(returned == count, f"{tag}: {returned} of {count} frames came back")
        after = testpmd.show_port_stats(XENSHM_PORT)
        # the TG's kernel may send frames of its own (IPv6 ND), hence >=
        self.verify(
            after.tx_packets - before.tx_packets >= count,
            f"{tag}: net_xenshm0 sent {after.tx_packets - before.tx_packets} to the guest",
        )
        self.verify(
            after.rx_packets - before.rx_packets >= count,
            f"{tag}: net_xenshm0 received {after.rx_packets - before.rx_packets} from the guest",
        )

    # ------------------------------------------------------------- test cases

    @func_test
    def test_link_follows_peer(self) -> None:
        """The DomS port's link is up exactly while a guest is attached.

        Steps:
            Start testpmd with net_xenshm0 and no guest; start the guest; stop it
            cleanly; start it again.
        Verify:
            Link down, then up, then down, then up (each within LINK_TIMEOUT_S).
        """
        with self._doms_testpmd() as testpmd:
            testpmd.start()
            self._wait_link(testpmd, up=False)
            self._peer("start", self.socket)
            self._wait_link(testpmd, up=True)
            self._peer("stop")
            self._wait_link(testpmd, up=False)
            self._peer("start", self.socket)
            self._wait_link(testpmd, up=True)
            testpmd.stop()

    @func_test
    def test_forward_both_ways(self) -> None:
        """Frames cross the ring DomS to guest and guest to DomS, unchanged.

        Steps:
            Start the guest and testpmd; send 16 marked frames from the TG.
        Verify:
            All 16 return to the TG's ingress port with their payload intact; net_xenshm0
            counted at least 16 sent to and 16 received from the guest.
        """
        self._peer("start", self.socket)
        with self._doms_testpmd() as testpmd:
            testpmd.start()
            self._wait_link(testpmd, up=True)
            self._forward_round(testpmd, "fwd")
            testpmd.stop()

    @func_test
    def test_jumbo_frames(self) -> None:
        """Frames up to the region's MTU cross the ring as mbuf chains.

        Steps:
            Guest with ``mtu=9000``; testpmd with 2048-byte mbufs, scatter Rx and
            multi-segment Tx; TG MTU 9000. Send frames of 1518, 2049, 4096 and
            9014 bytes (the largest a 9000-byte MTU allows without VLAN tags).
        Verify:
            Every frame returns with its length and payload intact.
        """
        self.tg_node.main_session.configure_port_mtu(JUMBO_MTU, self._tg_port_egress)
        self.tg_node.main_session.configure_port_mtu(JUMBO_MTU, self._tg_port_ingress)
        self._peer("start", self.socket, str(JUMBO_MTU))
        with self._doms_testpmd(jumbo=True) as testpmd:
            testpmd.start()
            self._wait_link(testpmd, up=True)
            for frame_len in (1518, 2049, 4096, JUMBO_MTU + 14):
                sent = self._marked_packets(f"jumbo{frame_len}", 1, frame_len)
                received = self.send_packets_and_capture(sent, duration=2)
                same_len = [p for p in received if len(p) == frame_len]
                self.verify(
                    self._returned(sent, same_len) == 1,
                    f"a {frame_len}-byte frame did not come back intact "
                    f"(received lengths {[len(p) for p in received]})",
                )
            testpmd.stop()

    @func_test
    def test_peer_restart(self) -> None:
        """A guest that is killed and started again gets traffic again by itself.

        Steps:
            Forward through the guest; SIGKILL it; send while it is gone; start a new
            guest on the same socket; forward again. testpmd is never restarted.
        Verify:
            Link goes down after the kill, nothing returns while the guest is gone, the
            link comes back up, all frames return again, and net_xenshm0 counted one
            reconnect.
        """
        self._peer("start", self.socket)
        with self._doms_testpmd() as testpmd:
            testpmd.start()
            self._wait_link(testpmd, up=True)
            self._forward_round(testpmd, "before")
            self._peer("kill")
            self._wait_link(testpmd, up=False)
            gone = self._marked_packets("gone", 8)
            returned = self._returned(gone, self.send_packets_and_capture(gone, duration=1))
            self.verify(returned == 0, f"{returned} frames came back with no guest running")
            self._peer("start", self.socket)
            self._wait_link(testpmd, up=True)
            self._forward_round(testpmd, "after")
            reconnects = self._xstat(testpmd, "reconnects")
            self.verify(reconnects == 1, f"net_xenshm0 counted {reconnects} reconnects, not 1")
            testpmd.stop()
