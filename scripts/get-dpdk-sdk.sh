#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Fetch the DPDK driver SDK headers (ethdev_driver.h, ethdev_vdev.h,
# bus_vdev_driver.h, bus_driver.h, dev_driver.h) of exactly the installed
# libdpdk-dev version from Debian's source package.  Debian builds DPDK
# without -Denable_driver_sdk=true, so an out-of-tree PMD needs them.
# The source is fetched with a private apt state (the system's apt sources
# turned into deb-src lines); nothing in /etc is touched and nothing is
# committed.   Usage: get-dpdk-sdk.sh OUTDIR
# Also DPDK's pmdinfogen (buildtools/), into OUTDIR/../buildtools: the
# build runs it on each PMD as DPDK's own drivers/meson.build does, so
# that dpdk-pmdinfo.py lists our PMDs.
# Cache: $XENSHM_SRC_CACHE, else /var/cache/xenshm when that is writable
# (root), else ${XDG_CACHE_HOME:-$HOME/.cache}/xenshm (a non-root build).
# XENSHM_DPDK_SRC=DIR takes both from an unpacked DPDK source tree of the
# same upstream release instead, for a machine whose archive mirror does
# not serve the source package.
set -euo pipefail
out=${1:?usage: get-dpdk-sdk.sh OUTDIR}
tools="$(dirname "$out")/buildtools"
ver=$(dpkg-query -W -f='${Version}' libdpdk-dev)
up=${ver%%-*}
stamp="$out/.version"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$ver" ] &&
   [ -f "$tools/pmdinfogen.py" ]; then
	exit 0
fi

# A directory we can create and write, or nothing.
writable() {
	mkdir -p "$1" 2>/dev/null && [ -w "$1" ]
}
cache=${XENSHM_SRC_CACHE:-}
if [ -z "$cache" ]; then
	cache=/var/cache/xenshm
	if ! writable "$cache"; then
		cache=${XDG_CACHE_HOME:-$HOME/.cache}/xenshm
	fi
fi
if ! writable "$cache"; then
	echo "get-dpdk-sdk: cannot write the source cache $cache;" \
	     "set XENSHM_SRC_CACHE to a writable directory" >&2
	exit 1
fi
apt_state="$cache/apt"
mkdir -p "$apt_state/parts" "$apt_state/lists/partial" \
	"$apt_state/cache/archives/partial" "$cache/src" "$out"
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] && sed 's/^Types:.*/Types: deb-src/' "$f" && echo
done > "$apt_state/parts/system.sources"
{ cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true; } |
	awk '$1=="deb"{$1="deb-src"; print}' > "$apt_state/sources.list"
apto=(-o "Dir::Etc::SourceList=$apt_state/sources.list"
      -o "Dir::Etc::SourceParts=$apt_state/parts"
      -o "Dir::State::Lists=$apt_state/lists"
      -o "Dir::Cache=$apt_state/cache")
src="$cache/src/dpdk-stable-$up"
if [ -n "${XENSHM_DPDK_SRC:-}" ]; then
	src=$XENSHM_DPDK_SRC
	[ "$(cat "$src/VERSION" 2>/dev/null)" = "$up" ] || {
		echo "get-dpdk-sdk: $src/VERSION is not $up" >&2
		exit 1
	}
elif [ ! -f "$src/lib/ethdev/ethdev_driver.h" ]; then
	echo "get-dpdk-sdk: fetching Debian source of dpdk $ver"
	apt-get "${apto[@]}" update -qq
	(cd "$cache/src" && apt-get "${apto[@]}" source -qq --download-only "dpdk=$ver") || {
		echo "get-dpdk-sdk: cannot fetch the source of dpdk $ver;" \
		     "XENSHM_DPDK_SRC=DIR takes an unpacked DPDK $up tree" >&2
		exit 1
	}
	rm -rf "$src"
	# only the upstream tarball: the headers are not patched by Debian
	tar -C "$cache/src" -xf "$cache/src/dpdk_$up.orig.tar.xz"
	[ -d "$src" ] || src=$(find "$cache/src" -maxdepth 1 -type d -name "dpdk*-$up" | head -n1)
fi
for f in lib/ethdev/ethdev_driver.h lib/ethdev/ethdev_vdev.h \
	 drivers/bus/vdev/bus_vdev_driver.h lib/eal/include/bus_driver.h \
	 lib/eal/include/dev_driver.h; do
	install -m 0644 "$src/$f" "$out/"
done
mkdir -p "$tools"
for f in pmdinfogen.py coff.py gen-pmdinfo-cfile.py; do
	install -m 0644 "$src/buildtools/$f" "$tools/"
done
echo "$ver" > "$stamp"
echo "get-dpdk-sdk: driver SDK headers of DPDK $ver in $out, pmdinfogen in $tools"
