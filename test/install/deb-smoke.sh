#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# deb-smoke.sh DEBDIR: install the packages "make deb" built, prove them,
# purge them.  It changes this machine (apt), so it is not part of
# "make test"; "make deb-smoke" runs it.  Needs root and 2 CPUs.
#  1. apt install DEBDIR/*.deb
#  2. dpdk-pmdinfo.py lists both PMDs from DPDK's plugin directory
#  3. Debian's dpdk-testpmd, README's commands (no -d), socket in
#     /run/xenshm which is removed first (the guest PMD must create it):
#     guest txonly -> DomS rxonly, then the reverse; frames must flow
#  4. systemd-analyze verify on the installed units
#  5. apt purge: no file of ours left (dpkg -S, find)
set -uo pipefail
DEBDIR=$(cd "${1:?usage: deb-smoke.sh DEBDIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
pkgs=(libshmring0 libshmring-dev dpdk-pmd-xenshm-guest dpdk-pmd-xenshm
      xenshm-doms-switch xenshm-tools)

purge() {
	apt-get remove --purge -y -qq "${pkgs[@]}" >/dev/null 2>&1 || true
}
step() { echo; echo "=== $*"; }

step "1. apt install $DEBDIR/*.deb"
apt-get install -y -qq "$DEBDIR"/*.deb || { echo "FAIL: apt install"; exit 1; }
trap purge EXIT
for p in "${pkgs[@]}"; do
	echo "$p $(dpkg-query -W -f='${Version}' "$p"): $(dpkg -L "$p" | grep -v '/$' |
		xargs -r -n1 sh -c '[ -d "$0" ] || echo "$0"' | tr '\n' ' ')"
done
echo "dpdk-pmd-xenshm Depends: $(dpkg-query -W -f='${Depends}' dpdk-pmd-xenshm)"
pmds=$(dirname "$(dpkg -L dpdk-pmd-xenshm | grep 'librte_net_xenshm\.so$')")
echo "plugin directory: $pmds"
echo "guest socket directory (tmpfiles.d): $(stat -c '%A %U:%G %n' /run/xenshm/guests)"
[ "$(stat -c '%a %U:%G' /run/xenshm/guests)" = "3770 root:xenshm" ] ||
	{ echo "FAIL: /run/xenshm/guests is not 3770 root:xenshm"; exit 1; }
# a guest process of another user: allowed with group xenshm, not without
bind_as() {	# bind_as GROUPS NAME: bind a socket there as user nobody
	setpriv --reuid=nobody --regid=nogroup --groups="$1" /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.bind("/run/xenshm/guests/" + sys.argv[1])' "$2" 2>/dev/null
}
bind_as xenshm smoke-member.sock ||
	{ echo "FAIL: a user in group xenshm cannot create its socket"; exit 1; }
bind_as nogroup smoke-other.sock &&
	{ echo "FAIL: a user outside group xenshm created a socket"; exit 1; }
echo "nobody with group xenshm: socket $(stat -c '%U:%G' /run/xenshm/guests/smoke-member.sock); without: refused"
rm -f /run/xenshm/guests/smoke-member.sock

step "2. dpdk-pmdinfo.py"
dpdk-pmdinfo.py "$pmds"/librte_net_xenshm_guest.so "$pmds"/librte_net_xenshm.so |
	tee /tmp/deb-smoke-pmdinfo.$$
for d in net_xenshm net_xenshm_guest; do
	grep -q "\"name\": \"$d\"" /tmp/deb-smoke-pmdinfo.$$ ||
		{ echo "FAIL: dpdk-pmdinfo.py does not list $d"; exit 1; }
done
rm -f /tmp/deb-smoke-pmdinfo.$$

step "3. dpdk-testpmd without -d, path=/run/xenshm/vm1.sock"
# xt_init wants PMD paths (it stages copies we do not use: no -d below)
export XENSHM_GUEST_PMD=$pmds/librte_net_xenshm_guest.so
export XENSHM_DOMS_PMD=$pmds/librte_net_xenshm.so
(
	. "$here/../lib/xenshm-test.sh"
	xt_init deb-smoke
	# a machine where nothing created /run/xenshm (no tmpfiles run)
	rmdir /run/xenshm/guests /run/xenshm 2>/dev/null
	[ -e /run/xenshm ] && xt_fail "/run/xenshm is in use; not removing it"
	XT_LOGLEVEL="--log-level=lib.eal:debug"
	xt_testpmd G 0 1 "--vdev net_xenshm_guest0,path=/run/xenshm/vm1.sock" \
		"--nb-cores=1 --txpkts=64 --total-num-mbufs=16384"
	xt_testpmd D 1 0 "--vdev net_xenshm0,path=/run/xenshm/vm1.sock" \
		"--nb-cores=1 --txpkts=64 --total-num-mbufs=16384"
	xt_sync G 60
	xt_sync D 60
	for id in G D; do
		grep -o "open shared lib $pmds/librte_net_xenshm[a-z_]*\.so" \
			"${XT_LOG[$id]}" | sort -u | sed "s/^/$id: EAL: /"
	done
	ls -ld /run/xenshm
	xt_wait_link G 0 up 30
	xt_wait_link D 0 up 30
	xt_log "both links up"
	flow() {	# flow TX RX: TX txonly, RX rxonly, until RX got 100000
		local tx=$1 rx=$2 end
		xt_cmd "$rx" "set fwd rxonly"; xt_cmd "$rx" "start"
		xt_cmd "$tx" "set fwd txonly"; xt_cmd "$tx" "start"
		xt_sync "$tx"; xt_sync "$rx"
		end=$(($(xt_now_ms) + 60000))
		while :; do
			xt_xstats "$rx" 0
			[ "${XS[rx_good_packets]}" -ge 100000 ] && break
			[ "$(xt_now_ms)" -lt "$end" ] ||
				xt_fail "$rx received ${XS[rx_good_packets]} in 60 s"
			sleep 0.2
		done
		xt_cmd "$tx" "stop"; xt_sync "$tx"
		xt_cmd "$rx" "stop"; xt_sync "$rx"
		xt_xstats "$rx" 0
		xt_log "ok: $tx -> $rx: $rx rx_good_packets ${XS[rx_good_packets]}"
		xt_xstats "$tx" 0
		xt_log "    $tx tx_good_packets ${XS[tx_good_packets]}, dropped (ring full) ${XS[tx_ring_full_drops]:-0}"
	}
	flow G D
	flow D G
	xt_quit G
	xt_quit D
	[ -S /run/xenshm/vm1.sock ] && xt_fail "the guest left its socket behind"
	exit 0
) || exit 1

step "4. systemd-analyze verify"
for u in doms-switch.service xenshm-ctl.service; do
	out=$(systemd-analyze verify --man=no "/lib/systemd/system/$u" 2>&1 |
		grep -v 'xenstored.service\|xen.service\|proc-xen.mount')
	echo "$u: ${out:-no complaint}"
	[ -z "$out" ] || { echo "FAIL: systemd-analyze verify $u"; exit 1; }
done

step "5. apt remove --purge"
files=$(for p in "${pkgs[@]}"; do dpkg -L "$p"; done | sort -u)
trap - EXIT
apt-get remove --purge -y -qq "${pkgs[@]}" || { echo "FAIL: purge"; exit 1; }
left=
for f in $files; do
	[ -d "$f" ] && continue
	[ -e "$f" ] && left="$left $f"
done
for f in /etc/xenshm /run/xenshm "$pmds"/librte_net_xenshm*; do
	[ -e "$f" ] && left="$left $f"
done
still=$(dpkg -l "${pkgs[@]}" 2>/dev/null | awk '/^[a-z][a-z] / && $1 != "un" {print $2}')
echo "dpkg -l after purge: ${still:-none}"
echo "files left: ${left:-none}"
echo "dpkg -S xenshm: $(dpkg -S xenshm 2>&1 | head -3)"
[ -z "$left" ] && [ -z "$still" ] || { echo "FAIL: left behind"; exit 1; }
echo "(the system group xenshm stays, as Debian leaves system groups: $(getent group xenshm))"
echo PASS
