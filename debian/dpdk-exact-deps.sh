#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# Print "dpdk:Exact=PKG (= VERSION), ..." for every DPDK library a PMD in
# the package tree DIR links (DT_NEEDED librte_*): the installed package
# that holds the library, at its installed version.  A PMD uses DPDK's
# internal driver API, so any other DPDK build may break it.
set -eu
dir=${1:?usage: dpdk-exact-deps.sh PACKAGE-TREE}
deps=
for so in $(find "$dir" -name 'librte_*.so' -type f); do
	for lib in $(objdump -p "$so" | awk '$1 == "NEEDED" && $2 ~ /^librte_/ {print $2}'); do
		path=$(ldconfig -p | awk -v l="$lib" '$1 == l {print $NF; exit}')
		[ -n "$path" ] || { echo "$0: $lib not found" >&2; exit 1; }
		pkg=$(dpkg-query -S "$(readlink -f "$path")" | head -n1 | cut -d: -f1)
		ver=$(dpkg-query -W -f='${Version}' "$pkg")
		deps="$deps${deps:+, }$pkg (= $ver)"
	done
done
[ -n "$deps" ] || { echo "$0: no librte_* library linked in $dir" >&2; exit 1; }
echo "dpdk:Exact=$(echo "$deps" | tr ',' '\n' | sed 's/^ *//' | sort -u | paste -sd, | sed 's/,/, /g')"
