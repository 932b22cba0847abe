#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Install what xenshm builds, tests and runs with (Debian 12), and fetch the
# DPDK driver SDK headers Debian's libdpdk-dev lacks.  Idempotent: a second
# run installs nothing.  Needs root for apt.
#   scripts/deps.sh            build + test dependencies
#   XENSHM_DEPS_XEN=1 ...      also what the real-Xen test needs (qemu, ...)
#   XENSHM_DEPS_PROVE=1 ...    also Frama-C and its provers (make prove)
#   XENSHM_DEPS_DEB=1 ...      also what "make deb" needs (debhelper, lintian)
#   XENSHM_DEPS_MULTIHOST=1 .. also tcpdump (make test-multihost)
#   XENSHM_DEPS_VM=1 ...       also what the fresh-machine VM test needs
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

pkgs=(build-essential meson ninja-build pkg-config python3 python3-pyelftools
      dpdk dpdk-dev libdpdk-dev libxen-dev openvswitch-switch-dpdk
      iproute2 procps psmisc util-linux
      clang clang-14 libclang-rt-14-dev)	# libFuzzer: make build-fuzz
if [ "${XENSHM_DEPS_XEN:-0}" = 1 ]; then
	pkgs+=(qemu-system-x86 qemu-utils debootstrap busybox-static cpio
	       e2fsprogs kmod bc)
fi
if [ "${XENSHM_DEPS_VM:-0}" = 1 ]; then	# test/vm (make test-vm)
	pkgs+=(qemu-system-x86 qemu-utils debootstrap e2fsprogs openssh-client
	       iproute2)
fi
if [ "${XENSHM_DEPS_BENCH:-0}" = 1 ]; then
	pkgs+=(python3-matplotlib linux-perf)
fi
if [ "${XENSHM_DEPS_DEB:-0}" = 1 ]; then
	pkgs+=(debhelper dpkg-dev fakeroot lintian systemd man-db)
fi
if [ "${XENSHM_DEPS_MULTIHOST:-0}" = 1 ]; then
	pkgs+=(tcpdump)	# make test-multihost (OVN: see docs/multihost.md)
fi
if [ "${XENSHM_DEPS_PROVE:-0}" = 1 ]; then
	pkgs+=(frama-c-base why3 cvc4 z3)	# test/proof/run.sh
fi

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "deps: missing packages: ${missing[*]}; run as root" >&2
		exit 1
	fi
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

"$here/scripts/get-dpdk-sdk.sh" "$here/.deps/dpdk-sdk/include"
