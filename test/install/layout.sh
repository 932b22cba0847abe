#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# "meson install" into a scratch DESTDIR, then check what landed:
#  - the PMDs in pmd_install_dir, each with a PMD_INFO_STRING naming its
#    driver and devargs (dpdk-pmdinfo.py), exporting no symbol;
#  - libshmring.so.0 exporting exactly lib/shmring/shmring.map's list, which
#    must be the functions the public headers declare; shmring.pc and the
#    headers build a program that runs;
#  - units that systemd-analyze verify accepts, tmpfiles.d, man pages that
#    man renders without a warning.
set -uo pipefail
fail() { echo "FAIL: $*"; exit 1; }
ok() { echo "ok: $*"; }

tmp=$(mktemp -d /tmp/xenshm-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/root
meson install -C "$MESON_BUILD_ROOT" --destdir "$dest" --no-rebuild \
	--quiet >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; fail "meson install"; }
(cd "$dest" && find . -type f -o -type l | sort) >"$tmp/files"
sed 's/^/  /' "$tmp/files"

need() { [ -e "$dest$1" ] || fail "not installed: $1"; }

# --- PMDs
for drv in net_xenshm net_xenshm_guest; do
	so=$dest$XI_PMD_DIR/librte_$drv.so
	need "$XI_PMD_DIR/librte_$drv.so"
	exported=$(nm -D --defined-only "$so" | awk '$2 ~ /[A-Z]/ && $3 != "" {print $3}' |
		grep -v '^_\(init\|fini\|edata\|end\|_bss_start\)$' || true)
	[ -z "$exported" ] || fail "$drv exports symbols: $exported"
	if [ "$XI_HAVE_PMDINFO" = 1 ]; then
		info=$(dpdk-pmdinfo.py "$so") || fail "dpdk-pmdinfo.py $so"
		python3 - "$drv" "$info" <<'PY' || fail "$drv: dpdk-pmdinfo.py says: $info"
import json, sys
drv, out = sys.argv[1], json.loads(sys.argv[2])
names = [d["name"] for d in out]
assert names == [drv], names
assert "path=<socket>" in out[0]["params"], out[0]
PY
		ok "dpdk-pmdinfo.py $drv: $info"
	else
		echo "note: built without pmdinfogen (make deps fetches it): no PMD_INFO_STRING check"
	fi
done

# --- libshmring: exports == shmring.map == public header declarations
lib=$(grep -E '/libshmring\.so\.0\.' "$tmp/files" | head -n1)
[ -n "$lib" ] || fail "no libshmring.so.0.* installed"
lib=$dest/${lib#./}
soname=$(objdump -p "$lib" | awk '$1 == "SONAME" {print $2}')
[ "$soname" = libshmring.so.0 ] || fail "soname is '$soname'"
nm -D --defined-only "$lib" | awk '$2 == "T" {sub(/@.*/, "", $3); print $3}' | sort >"$tmp/exported"
sed -n 's/^[[:space:]]*\(shmring_[a-z0-9_]*\);/\1/p' "$XI_SHMRING_MAP" | sort >"$tmp/map"
# functions the headers declare: "type name(" or "name(" after a type line,
# minus static inline ones
cat "$XI_SHMRING_INCLUDE"/*.h | awk '
	/^shmring_[a-z0-9_]*\(/ { if (prev !~ /static/) print; prev = $0; next }
	/^[a-z].*[ *]shmring_[a-z0-9_]*\(/ { if ($0 !~ /^(static|typedef)/) print }
	{ prev = $0 }' | grep -o 'shmring_[a-z0-9_]*(' | tr -d '(' | sort -u >"$tmp/declared"
[ -s "$tmp/declared" ] || fail "found no function declared in $XI_SHMRING_INCLUDE"
if [ "$XI_HAVE_XEN" != 1 ]; then
	grep -v 'xen' "$tmp/map" >"$tmp/map.x" && mv "$tmp/map.x" "$tmp/map"
	grep -v 'xen' "$tmp/declared" >"$tmp/declared.x" && mv "$tmp/declared.x" "$tmp/declared"
fi
diff -u "$tmp/map" "$tmp/exported" || fail "libshmring exports differ from shmring.map"
diff -u "$tmp/declared" "$tmp/map" || fail "shmring.map differs from the functions lib/shmring/include declares"
ok "libshmring.so.0 exports the $(wc -l <"$tmp/exported") functions the headers declare"

pc=$(grep '/shmring\.pc$' "$tmp/files" | head -n1)
[ -n "$pc" ] || fail "no shmring.pc"
pcdir=$(dirname "$dest/${pc#./}")
cat >"$tmp/use.c" <<'C'
#include <shmring_endpoint.h>
#include <shmring_err.h>
#include <shmring_handshake.h>
#include <shmring_region.h>
#include <shmring_xen.h>
#include <stdio.h>
#include <string.h>
int main(void)
{
	struct shmring_limits l;

	shmring_limits_default(&l);
	return strcmp(shmring_errname(SHMRING_OK), "") == 0;
}
C
flags=$(PKG_CONFIG_SYSROOT_DIR=$dest PKG_CONFIG_PATH=$pcdir pkg-config --cflags --libs shmring) ||
	fail "pkg-config shmring"
libdir=$(dirname "$lib")
# shellcheck disable=SC2086
cc -std=c11 -Wall -Werror -o "$tmp/use" "$tmp/use.c" $flags -Wl,-rpath,"$libdir" ||
	fail "a program using shmring.pc does not build ($flags)"
"$tmp/use" || fail "a program linked with the installed libshmring failed"
ok "shmring.pc: $flags"

# --- systemd
need "$XI_UNIT_DIR/doms-switch.service"
need "$XI_TMPFILES_DIR/xenshm.conf"
units=("$dest$XI_UNIT_DIR/doms-switch.service")
[ "$XI_HAVE_XEN" = 1 ] && units+=("$dest$XI_UNIT_DIR/xenshm-ctl.service")
grep -q '^StartLimitIntervalSec=0' <(sed -n '/^\[Unit\]/,/^\[/p' "${units[0]}") ||
	fail "StartLimitIntervalSec=0 is not in [Unit]"
grep -q '^Type=notify' "${units[0]}" || fail "doms-switch.service is not Type=notify"
if command -v systemd-analyze >/dev/null; then
	# verify wants ExecStart's binary: the installed one, seen from $dest
	for u in "${units[@]}"; do
		sed "s|^ExecStart=/|ExecStart=$dest/|" "$u" >"$tmp/$(basename "$u")"
		out=$(SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no \
			"$tmp/$(basename "$u")" 2>&1)
		# units it points at that do not exist here are not our problem
		bad=$(echo "$out" | grep -v 'xenstored.service\|xen.service\|proc-xen.mount\|^$' || true)
		[ -z "$bad" ] || fail "systemd-analyze verify $(basename "$u"): $bad"
		ok "systemd-analyze verify $(basename "$u")"
	done
fi
grep -q '^d /run/xenshm/guests[[:space:]]*3770 root xenshm' "$dest$XI_TMPFILES_DIR/xenshm.conf" ||
	fail "tmpfiles.d: /run/xenshm/guests is not 3770 root:xenshm"

# --- man pages
pages=(man8/doms-switch.8 man7/net_xenshm.7 man7/net_xenshm_guest.7)
[ "$XI_HAVE_XEN" = 1 ] && pages+=(man8/xenshm-ctl.8)
for p in "${pages[@]}"; do
	f=$(grep "/man/$p\$" "$tmp/files" | head -n1)
	[ -n "$f" ] || fail "man page $p not installed"
	if command -v man >/dev/null; then
		w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$dest/${f#./}" 2>&1 >/dev/null)
		[ -z "$w" ] || fail "man $p: $w"
	fi
done
ok "man pages: ${pages[*]}"
echo "PASS"
