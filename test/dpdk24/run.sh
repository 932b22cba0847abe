#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# run.sh [BUILD_DIR]: build xenshm against Debian 13's DPDK 24.11 and run
# its DPDK suites there ("make test-dpdk24").  The trixie chroot
# (mkchroot.sh, cached in $XENSHM_DPDK24_ROOT) sees this source tree at
# the same path, so the same meson.build files build in BUILD_DIR
# (default build-dpdk24) with -Dwerror=true: any warning, deprecated calls
# included, fails the build.  Then scripts/run-tests.sh runs the suites
# in $XENSHM_DPDK24_SUITES against trixie's dpdk-testpmd, ovs-vswitchd-dpdk
# and dpdk-telemetry.py, and ends with "N passed, N failed".
#
# Everything runs in a private mount namespace: /proc, /sys, /dev and the
# source tree are bound into the chroot and a fresh tmpfs is its /run, so
# nothing stays mounted when this script ends, however it ends.  Logs of a
# failed test stay in the chroot's /tmp.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd -P)
build=${1:-build-dpdk24}
root=${XENSHM_DPDK24_ROOT:-/var/cache/xenshm/trixie-chroot}
suites=${XENSHM_DPDK24_SUITES:-pktcheck pmd switch}

if [ "${XENSHM_DPDK24_INNER:-}" != 1 ]; then
	[ "$(id -u)" = 0 ] || { echo "test-dpdk24: needs root (chroot, mounts)" >&2; exit 1; }
	"$here/test/dpdk24/mkchroot.sh" "$root"
	exec unshare --mount --propagation private -- \
		env XENSHM_DPDK24_INNER=1 "$0" "$@"
fi

# --- in the private mount namespace -----------------------------------
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --rbind /dev "$root/dev"
mount -t tmpfs -o mode=0755 tmpfs "$root/run"
mkdir -p "$root$here"
mount --bind "$here" "$root$here"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true

# A DPDK source tree given for the driver SDK headers (get-dpdk-sdk.sh)
# is seen inside at the same path.
dpdk_src=${XENSHM_DPDK_SRC:-}
if [ -n "$dpdk_src" ]; then
	dpdk_src=$(cd "$dpdk_src" && pwd -P)
	mkdir -p "$root$dpdk_src"
	mount --bind -o ro "$dpdk_src" "$root$dpdk_src"
fi

# Inside: the driver SDK headers (into the chroot's own cache, never the
# host's .deps), configure, build, run.  Without the headers the PMDs are
# not built, the suites that need them are not registered, and that
# counts as one failure: the run cannot pass without them.
chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
	LANG=C.UTF-8 TERM="${TERM:-dumb}" \
	XENSHM_TEST_ARGS="${XENSHM_TEST_ARGS:-}" XENSHM_DPDK_SRC="$dpdk_src" \
	bash -uo pipefail -c '
	src=$1 build=$2 suites=$3
	cd "$src" || exit 1
	echo "test-dpdk24: DPDK $(pkg-config --modversion libdpdk)," \
		"gcc $(gcc -dumpfullversion), meson $(meson --version)"
	sdk=/var/cache/xenshm/dpdk-sdk/include
	have_sdk=yes dpdk_opt=enabled
	scripts/get-dpdk-sdk.sh "$sdk" || have_sdk=no dpdk_opt=auto
	# has_header() results are cached: configure anew when that changes
	if [ "$(cat "$build/.xenshm-sdk" 2>/dev/null)" != "$have_sdk" ]; then
		meson setup --wipe "$build" -Dwerror=true -Ddpdk=$dpdk_opt \
			-Ddpdk_sdk_include="$sdk" >/tmp/xenshm-dpdk24-setup.log 2>&1 ||
		meson setup "$build" -Dwerror=true -Ddpdk=$dpdk_opt \
			-Ddpdk_sdk_include="$sdk" >/tmp/xenshm-dpdk24-setup.log 2>&1 || {
			tail -n 30 /tmp/xenshm-dpdk24-setup.log
			echo "test-dpdk24: meson setup failed"
			exit 1
		}
		rm -f /tmp/xenshm-dpdk24-setup.log
		echo "$have_sdk" >"$build/.xenshm-sdk"
	fi
	log=$build/meson-logs/ninja.log
	if ! ninja -k 0 -C "$build" >"$log" 2>&1; then
		grep -E -A3 "error|warning" "$log" | head -n 60
		echo "test-dpdk24: build failed (whole log: $log)"
		exit 1
	fi
	echo "test-dpdk24: built with -Werror, $(grep -c "warning:" "$log") warnings"
	missing=0
	for so in drivers/net/xenshm/librte_net_xenshm.so \
		  guest-pmd/librte_net_xenshm_guest.so; do
		[ -f "$build/$so" ] || missing=1
	done
	args=()
	for s in $suites; do
		# suite pmd exists only with the PMDs (counted below)
		[ "$s" = pmd ] && [ "$missing" = 1 ] && continue
		args+=("$build:$s")
	done
	scripts/run-tests.sh "${args[@]}" | tee "$build/meson-logs/dpdk24.log"
	rc=${PIPESTATUS[0]}
	[ "$missing" = 0 ] && exit "$rc"
	# one more failure than run-tests.sh counted: the PMDs themselves
	last=$(tail -n 1 "$build/meson-logs/dpdk24.log")
	p=${last%% passed*} f=${last#*passed, } f=${f%% failed*}
	echo "FAILED the PMDs were not built against DPDK" \
		"$(pkg-config --modversion libdpdk): no driver SDK headers" \
		"(scripts/get-dpdk-sdk.sh), so their tests did not run"
	echo "$p passed, $((f + 1)) failed"
	exit 1
' bash "$here" "$build" "$suites"
