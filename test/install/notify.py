#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# doms-switch under Type=notify: with NOTIFY_SOCKET set, it must send
# READY=1 once it forwards (and not exit), and STOPPING=1 on SIGTERM before
# exiting 0.  A datagram socket stands in for systemd.
#   notify.py DOMS_SWITCH_BINARY DOMS_PMD
import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ds, pmd = sys.argv[1], sys.argv[2]
if os.geteuid() != 0:
    print("SKIP: needs root (DPDK)")
    sys.exit(77)

# EAL refuses a plugin below a world-writable directory (a build tree
# under /tmp, say): load a copy staged where the test PMDs are staged.
stage_root = "/opt/xenshm-test/pmds"
os.makedirs(stage_root, mode=0o755, exist_ok=True)
stage = tempfile.mkdtemp(prefix="notify.", dir=stage_root)
os.chmod(stage, 0o755)
staged_pmd = os.path.join(stage, os.path.basename(pmd))
shutil.copy(pmd, staged_pmd)
atexit.register(shutil.rmtree, stage, True)

tmp = tempfile.mkdtemp(prefix="xenshm-notify.")
atexit.register(shutil.rmtree, tmp, True)
sock_path = os.path.join(tmp, "notify")
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(sock_path)
conf = os.path.join(tmp, "ds.conf")
with open(conf, "w") as f:
    f.write("[global]\nguest-dir = %s\n" % os.path.join(tmp, "guests"))
log = open(os.path.join(tmp, "ds.log"), "w+")
env = dict(os.environ, NOTIFY_SOCKET=sock_path)
prefix = "xi-notify-%d" % os.getpid()
proc = subprocess.Popen(
    [ds, "-c", conf, "--pmd", staged_pmd, "--", "--no-huge", "-m", "256", "--no-pci",
     "--lcores", "0@0,1@%d" % (1 if os.cpu_count() > 1 else 0),
     "--file-prefix", prefix, "--log-level=lib.eal:error"],
    env=env, stdout=log, stderr=subprocess.STDOUT)


def fail(msg):
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    log.seek(0)
    print(log.read()[-3000:])
    print("FAIL: " + msg)
    sys.exit(1)


def wait_msg(want, secs):
    """Datagrams until one has the line 'want'; fail after secs."""
    end = time.monotonic() + secs
    got = []
    while time.monotonic() < end:
        sock.settimeout(0.5)
        try:
            msg = sock.recv(4096).decode()
        except socket.timeout:
            if proc.poll() is not None and want != "STOPPING=1":
                fail("doms-switch exited (%d) before %s" % (proc.returncode, want))
            continue
        got.append(msg)
        if want in msg.split("\n"):
            return got
    fail("no %s within %d s (got %r)" % (want, secs, got))


t0 = time.monotonic()
wait_msg("READY=1", 120)
print("ok: READY=1 after %.1f s" % (time.monotonic() - t0))
log.flush()
log.seek(0)
if "started:" not in log.read():
    fail("READY=1 came before doms-switch logged 'started'")
if proc.poll() is not None:
    fail("doms-switch exited right after READY=1")
proc.send_signal(signal.SIGTERM)
wait_msg("STOPPING=1", 30)
try:
    rc = proc.wait(30)
except subprocess.TimeoutExpired:
    fail("doms-switch did not exit 30 s after SIGTERM")
if rc != 0:
    fail("doms-switch exit status %d after SIGTERM" % rc)
print("ok: STOPPING=1, exit 0")

# Without NOTIFY_SOCKET nothing is sent and nothing fails: covered by every
# other switch test, which runs doms-switch without it.
sock.close()
subprocess.run(["rm", "-rf", tmp])
print("PASS")
