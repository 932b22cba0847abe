# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# Phase "install": on the fresh machine, record every file (the purge
# phase compares against it), then install our packages the way the README
# says (block "install", run from the directory holding the .debs).
PHASE=install
. guest/lib.sh

note "$(. /etc/os-release; echo "$PRETTY_NAME"), kernel $(uname -r), $(nproc) vCPUs, $(awk '/MemTotal/{print int($2/1024)}' /proc/meminfo) MiB"
grep -q sse4_2 /proc/cpuinfo || fail "the vCPU has no SSE4.2 (DPDK needs it): run QEMU with -cpu max"
snapshot > "$ST/files-before.txt"
dpkg-query -W -f '${Package}\n' | sort > "$ST/pkgs-before.txt"

t0=$(now_ms)
DOC_CWD=$VT/debs doc install
fig "install_ms=$(( $(now_ms) - t0 ))"
# What the install brought: our packages, and every package they pulled in.
dpkg-query -W -f '${Package}\n' | sort > "$ST/pkgs-after-install.txt"
comm -13 "$ST/pkgs-before.txt" "$ST/pkgs-after-install.txt" > "$ST/pkgs-new.txt"
for d in debs/*.deb; do dpkg-deb -f "$d" Package; done | sort -u > "$ST/ours.txt"
note "installed: $(tr '\n' ' ' < "$ST/ours.txt")"
note "pulled in: $(grep -cvxF -f "$ST/ours.txt" "$ST/pkgs-new.txt") other packages"
for p in $(cat "$ST/ours.txt"); do
	dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		fail "package $p is not installed"
done
# Test tooling: the libraries xenshm-pktcheck needs beyond ours.
apt-get install -y -q --no-install-recommends $(cat bin/pktcheck-deps.txt) > "$ST/pktcheck-deps.log" 2>&1 ||
	{ tail "$ST/pktcheck-deps.log"; fail "cannot install xenshm-pktcheck's libraries"; }
"$PKC" --no-pci --no-huge -m 256 --file-prefix vmtest-selftest -- --selftest > "$ST/selftest.log" 2>&1 ||
	{ tail "$ST/selftest.log"; fail "xenshm-pktcheck --selftest failed in the VM"; }
pass "$(wc -l < "$ST/ours.txt") packages installed"
