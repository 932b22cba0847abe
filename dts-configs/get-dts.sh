#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# Put DPDK's test framework (DTS, the dts/ folder of the DPDK 24.11 source)
# into OUTDIR/dts.  Source, in this order:
#   DTS_SRC=PATH   a DPDK 24.11 source tree or tarball the operator has;
#   otherwise      Debian trixie's dpdk source package, fetched with a
#                  private apt state (one deb-src line for trixie; nothing
#                  in /etc is touched), only dts/ unpacked.
# Cached: a second run with the same source does nothing.
# Usage: get-dts.sh OUTDIR     (OUTDIR/dts/main.py afterwards)
set -euo pipefail
out=${1:?usage: get-dts.sh OUTDIR}
cache=${XENSHM_SRC_CACHE:-/var/cache/xenshm}
mkdir -p "$out"

# the DPDK version of a source tree (its VERSION file)
need_2411() {
	case "$1" in
	24.11*) ;;
	*) echo "get-dts: $2 is DPDK $1; DTS of DPDK 24.11 is needed" >&2; exit 1 ;;
	esac
}

if [ -n "${DTS_SRC:-}" ]; then
	tag="local:$(readlink -f "$DTS_SRC")"
	[ "$(cat "$out/.source" 2>/dev/null)" = "$tag" ] && [ -f "$out/dts/main.py" ] && exit 0
	rm -rf "$out/dts" "$out/.source" "$out/VERSION"
	if [ -d "$DTS_SRC" ]; then
		[ -f "$DTS_SRC/dts/main.py" ] || { echo "get-dts: no dts/main.py in $DTS_SRC" >&2; exit 1; }
		need_2411 "$(cat "$DTS_SRC/VERSION")" "$DTS_SRC"
		cp -a "$DTS_SRC/dts" "$out/"
		cp "$DTS_SRC/VERSION" "$out/VERSION"
	else
		top=$(tar -tf "$DTS_SRC" | head -n1 | cut -d/ -f1)
		tar -C "$out" -xf "$DTS_SRC" --strip-components=1 "$top/dts" "$top/VERSION"
		need_2411 "$(cat "$out/VERSION")" "$DTS_SRC"
	fi
	echo "$tag" > "$out/.source"
	echo "get-dts: DTS of DPDK $(cat "$out/VERSION") from $DTS_SRC in $out/dts"
	exit 0
fi

[ -f "$out/dts/main.py" ] && [ "$(cut -d: -f1 "$out/.source" 2>/dev/null)" = debian ] && exit 0

apt_state="$cache/dts-apt"
mkdir -p "$apt_state/parts" "$apt_state/lists/partial" \
	"$apt_state/cache/archives/partial" "$cache/src-trixie"
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" \
	> "$apt_state/sources.list"
apto=(-o "Dir::Etc::SourceList=$apt_state/sources.list"
      -o "Dir::Etc::SourceParts=$apt_state/parts"
      -o "Dir::State::Lists=$apt_state/lists"
      -o "Dir::Cache=$apt_state/cache")
orig=$(ls "$cache/src-trixie"/dpdk_24.11*.orig.tar.xz 2>/dev/null | tail -n1 || true)
if [ -z "$orig" ]; then
	echo "get-dts: fetching Debian trixie's dpdk source package"
	apt-get "${apto[@]}" update -qq
	if ! (cd "$cache/src-trixie" && apt-get "${apto[@]}" source -qq --download-only dpdk/trixie); then
		echo "get-dts: Debian's archive did not serve trixie's dpdk source package (see the" >&2
		echo "get-dts: apt errors above).  Give a DPDK 24.11 source: DTS_SRC=/path/to/dpdk-24.11[.tar.xz]" >&2
		exit 1
	fi
	orig=$(ls "$cache/src-trixie"/dpdk_24.11*.orig.tar.xz | tail -n1)
fi
top=$(tar -tJf "$orig" | head -n1 | cut -d/ -f1)
rm -rf "$out/dts" "$out/.source" "$out/VERSION"
# only dts/ and VERSION (DTS is plain Python; Debian's patches do not touch it)
tar -C "$out" -xJf "$orig" --strip-components=1 "$top/dts" "$top/VERSION"
need_2411 "$(cat "$out/VERSION")" "$orig"
echo "debian:$(basename "$orig")" > "$out/.source"
echo "get-dts: DTS of DPDK $(cat "$out/VERSION") (Debian trixie) in $out/dts"
