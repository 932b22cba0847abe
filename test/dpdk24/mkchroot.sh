#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# mkchroot.sh ROOT: a Debian 13 (trixie) chroot with DPDK 24.11 and what
# xenshm builds and tests with, made once and reused.  debootstrap from
# Debian's archive, then apt inside; a stamp holding the package list
# makes a second run a no-op, and a longer list installs only what is
# new.  Needs root and debootstrap.  Services never start inside
# (policy-rc.d), so installing openvswitch-switch-dpdk starts nothing.
set -euo pipefail
root=${1:?usage: mkchroot.sh ROOT}
mirror=${XENSHM_TRIXIE_MIRROR:-http://deb.debian.org/debian}
secmirror=${XENSHM_TRIXIE_SECURITY:-http://deb.debian.org/debian-security}

# Build and test dependencies: scripts/deps.sh's list for trixie, without
# clang/libFuzzer (the fuzz suite is not run here), plus xz-utils for the
# source tarball get-dpdk-sdk.sh unpacks when dpdk-dev lacks the SDK.
pkgs=(build-essential meson ninja-build pkg-config python3 python3-pyelftools
      dpdk dpdk-dev libdpdk-dev libxen-dev openvswitch-switch-dpdk
      iproute2 procps psmisc util-linux xz-utils ca-certificates)
want=$(printf '%s\n' "${pkgs[@]}" | sort)
stamp=$root/.xenshm-chroot

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
	exit 0
fi
[ "$(id -u)" = 0 ] || { echo "mkchroot: needs root" >&2; exit 1; }

if [ ! -x "$root/usr/bin/apt-get" ]; then
	command -v debootstrap >/dev/null || {
		echo "mkchroot: installing debootstrap"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
	}
	if [ -e "$root" ] && [ -n "$(ls -A "$root")" ]; then
		echo "mkchroot: $root exists and is no chroot; remove it first" >&2
		exit 1
	fi
	echo "mkchroot: debootstrap trixie into $root (a few minutes, once)"
	rm -rf "$root" "$root.tmp"
	mkdir -p "$(dirname "$root")"
	debootstrap --variant=minbase trixie "$root.tmp" "$mirror" \
		>"$root.debootstrap.log" 2>&1 || {
		tail -n 20 "$root.debootstrap.log" >&2
		echo "mkchroot: debootstrap failed (log: $root.debootstrap.log)" >&2
		exit 1
	}
	mv "$root.tmp" "$root"
	cat >"$root/etc/apt/sources.list" <<-EOF
	deb $mirror trixie main
	deb $mirror trixie-updates main
	deb $secmirror trixie-security main
	EOF
	# no daemon may start while packages install
	printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
	chmod 0755 "$root/usr/sbin/policy-rc.d"
fi

# apt inside: its own mount namespace, so /proc goes away with it
echo "mkchroot: installing into $root: $(echo "$want" | tr '\n' ' ')"
unshare --mount --propagation private -- bash -euo pipefail -c '
	root=$1; shift
	mount -t proc proc "$root/proc"
	cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
	chroot "$root" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 \
		sh -c "apt-get update -qq && apt-get install -y -qq \
			--no-install-recommends \"\$@\" && apt-get clean" \
		sh "$@"
' sh "$root" "${pkgs[@]}" >"$root.install.log" 2>&1 || {
	tail -n 20 "$root.install.log" >&2
	echo "mkchroot: apt-get install failed (log: $root.install.log)" >&2
	exit 1
}
echo "$want" >"$stamp"
chroot "$root" dpkg-query -W -f='mkchroot: ${Package} ${Version}\n' libdpdk-dev dpdk meson gcc
