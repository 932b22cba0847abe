# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# hosts.sh: simulated hosts for test/multihost, sourced after
# test/lib/xenshm-test.sh (xt_init done).  A "host" is a network namespace
# with its own ovsdb-server and Debian's ovs-vswitchd-dpdk (own database,
# run directory, unixctl socket and EAL --file-prefix), i.e. one DomS.  Two
# hosts are joined by a veth pair, the "wire": each end sits in one host's
# namespace and is taken by that host's OVS as a DPDK port (net_af_packet)
# on bridge br-phy, whose LOCAL port holds the host's tunnel endpoint IP.
#
#   mh_host H IP MAC      start host H (ovsdb-server + ovs-vswitchd-dpdk in
#                         namespace MH_NS[H]); br-phy gets IP/24 and MAC
#   mh_wire H1 H2         veth between the two hosts, one DPDK port "wire"
#                         on each br-phy
#   mh_vsctl H ...        ovs-vsctl on H's database
#   mh_ofctl H CMD BR ... ovs-ofctl on H's bridge BR (its .mgmt socket)
#   mh_appctl H ...       ovs-appctl on H's ovs-vswitchd
#   mh_in H CMD...        run CMD in H's network namespace
#   mh_wait_link H PORT T until OVS reports PORT's link_state up (T s)
#   mh_port_stat H BR PORT rx|tx pkts|drop|errs   live port counter
#   mh_where_lost H tx|rx GUEST...  one line of live port counters:
#                         tx (sending host): each GUEST port's rx, the
#                         wire's tx and drops; rx (receiving host): the
#                         wire's rx, each GUEST port's tx and drops
#                         (drop + errs: net_xenshm counts a frame
#                         dropped at a full guest ring in oerrors)
#
# Both OVS PMD threads are pinned to CPU 1 (pmd-cpu-mask=0x2): on a 2-CPU
# machine the two "hosts" are oversubscribed by design; guests poll on
# CPU 0.  Memory: --no-huge -m MH_OVS_MEM (default 512) each, with
# per-port-memory (OVS's shared pool would ask for 256K mbufs, ~1 GiB).
# Every process, namespace and veth is removed by an XT_CLEANUP_HOOKS entry.

VSWITCHD=/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk
[ -x "$VSWITCHD" ] || xt_skip "$VSWITCHD missing (apt-get install openvswitch-switch-dpdk)"
for c in ovsdb-tool ovsdb-server ovs-vsctl ovs-ofctl ovs-appctl ip; do
	command -v $c >/dev/null || xt_skip "$c missing"
done
[ -c /dev/net/tun ] || xt_skip "/dev/net/tun missing (the netdev datapath needs taps)"
[ -f "$(ls /usr/lib/x86_64-linux-gnu/dpdk/pmds-*/librte_net_af_packet.so 2>/dev/null |
	head -1)" ] || xt_skip "DPDK's net_af_packet PMD missing (package dpdk)"

MH_OVS_MEM=${MH_OVS_MEM:-512}
# frames in each af_packet ring (default 512): the two PMD threads share
# one CPU, and the kernel drops what arrives on the wire while the
# receiving PMD is off the CPU and its ring is full; 4096 is 100 ms at
# 40000 frames/s
MH_WIRE_FRAMES=${MH_WIRE_FRAMES:-4096}
# OVS 3.1's load-based PMD sleep (microseconds, 0 = busy poll): a PMD
# thread that finds (almost) nothing sleeps up to this long per iteration,
# so the two hosts' PMD threads leave each other (and the rest of this
# shared machine) the CPU when there is little traffic
MH_PMD_MAXSLEEP=${MH_PMD_MAXSLEEP:-500}
MH_HOSTS=()
MH_WIRES=()
declare -A MH_NS MH_DIR MH_CTL MH_IP MH_MAC

mh_vsctl() { local h=$1; shift; ovs-vsctl --db="unix:${MH_DIR[$h]}/run/db.sock" --timeout=20 "$@"; }
mh_ofctl() { local h=$1 cmd=$2 br=$3; shift 3; ovs-ofctl "$cmd" "unix:${MH_DIR[$h]}/run/$br.mgmt" "$@"; }
mh_appctl() { local h=$1; shift; ovs-appctl -t "${MH_CTL[$h]}" --timeout=20 "$@"; }
mh_in() { local h=$1; shift; ip netns exec "${MH_NS[$h]}" "$@"; }

# Stop every host: OVS first (exit --cleanup removes its taps and DPDK
# ports), then the namespaces, which takes their veth ends with them.
mh_down() {
	local h pf pid i
	for h in "${MH_HOSTS[@]}"; do
		[ -f "${MH_DIR[$h]}/run/ovs-vswitchd.pid" ] &&
			mh_appctl "$h" --timeout=10 exit --cleanup >/dev/null 2>&1
		for pf in ovs-vswitchd ovsdb-server; do
			[ -f "${MH_DIR[$h]}/run/$pf.pid" ] || continue
			pid=$(cat "${MH_DIR[$h]}/run/$pf.pid")
			[ "$pf" = ovsdb-server ] && kill -TERM "$pid" 2>/dev/null
			for i in $(seq 1 40); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.25
			done
			kill -9 "$pid" 2>/dev/null
		done
		rm -rf "/var/run/dpdk/${MH_NS[$h]}"
		ip netns del "${MH_NS[$h]}" 2>/dev/null
	done
	for i in "${MH_WIRES[@]}"; do
		ip link del "$i" 2>/dev/null
	done
	return 0
}
XT_CLEANUP_HOOKS+=(mh_down)

# mh_host H IP MAC
mh_host() {
	local h=$1 d i
	d=$XT_DIR/host-$h
	MH_NS[$h]=mh$$$h
	MH_DIR[$h]=$d
	MH_CTL[$h]=$d/run/ovs-vswitchd.ctl
	MH_IP[$h]=$2
	MH_MAC[$h]=$3
	MH_HOSTS+=("$h")
	mkdir -p "$d"/{run,log,db,etc}
	ip netns add "${MH_NS[$h]}" || xt_skip "cannot create a network namespace"
	# no IPv6 chatter (router solicitations, MLD) on the wire
	mh_in "$h" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	mh_in "$h" ip link set lo up
	ovsdb-tool create "$d/db/conf.db" /usr/share/openvswitch/vswitch.ovsschema ||
		xt_fail "$h: ovsdb-tool create"
	ovsdb-server "$d/db/conf.db" --remote=punix:"$d/run/db.sock" \
		--pidfile="$d/run/ovsdb-server.pid" \
		--unixctl="$d/run/ovsdb-server.ctl" \
		--log-file="$d/log/ovsdb-server.log" -vconsole:off --detach \
		--no-chdir || xt_fail "$h: ovsdb-server did not start"
	mh_vsctl "$h" --no-wait init
	# --no-huge needs --legacy-mem (OVS appends --in-memory otherwise,
	# which EAL refuses with --no-huge); --no-pci: never touch the
	# machine's NICs.  net_af_packet comes from DPDK's plugin directory.
	mh_vsctl "$h" --no-wait set Open_vSwitch . other_config:dpdk-init=true \
		other_config:dpdk-lcore-mask=0x1 other_config:pmd-cpu-mask=0x2 \
		other_config:per-port-memory=true \
		other_config:pmd-maxsleep="$MH_PMD_MAXSLEEP" \
		"other_config:dpdk-extra=--no-pci -d $DOMS_SO --no-huge -m $MH_OVS_MEM --legacy-mem --file-prefix ${MH_NS[$h]} --log-level=pmd.net.xenshm:info"
	# OVS_RUNDIR: the bridges' .mgmt sockets go to the host's run dir
	OVS_RUNDIR=$d/run OVS_LOGDIR=$d/log OVS_DBDIR=$d/db OVS_SYSCONFDIR=$d/etc \
		ip netns exec "${MH_NS[$h]}" "$VSWITCHD" "unix:$d/run/db.sock" \
		--pidfile="$d/run/ovs-vswitchd.pid" \
		--log-file="$d/log/ovs-vswitchd.log" --unixctl="${MH_CTL[$h]}" \
		-vconsole:off --detach --no-chdir ||
		xt_fail "$h: ovs-vswitchd-dpdk did not start"
	XT_LOG[ovs-$h]=$d/log/ovs-vswitchd.log
	for i in $(seq 1 120); do
		[ "$(mh_vsctl "$h" get Open_vSwitch . dpdk_initialized 2>/dev/null)" = true ] &&
			break
		sleep 0.5
	done
	[ "$(mh_vsctl "$h" get Open_vSwitch . dpdk_initialized)" = true ] ||
		xt_fail "$h: OVS DPDK not initialized"
	# br-phy: the underlay bridge; its LOCAL port (a tap in the
	# namespace) is the tunnel endpoint, with a fixed MAC so the other
	# host's static neighbour entry stays right
	mh_vsctl "$h" add-br br-phy -- set bridge br-phy datapath_type=netdev \
		other_config:hwaddr="${MH_MAC[$h]}"
	for i in $(seq 1 100); do
		mh_in "$h" ip link show br-phy >/dev/null 2>&1 && break
		sleep 0.1
	done
	mh_in "$h" ip addr add "${MH_IP[$h]}/24" dev br-phy ||
		xt_fail "$h: br-phy has no tap in ${MH_NS[$h]}"
	mh_in "$h" ip link set br-phy up
	xt_log "$h: OVS up in netns ${MH_NS[$h]}, br-phy ${MH_IP[$h]} ${MH_MAC[$h]}"
}

# mh_wire H1 H2: veth between the hosts; each end becomes DPDK port
# "wire" (net_af_packet) of its host's br-phy, and each host learns the
# other's tunnel endpoint: a route (from the kernel, or added) and a
# static neighbour entry (no ARP needed before the first frame).
mh_wire() {
	local h1=$1 h2=$2 e1 e2 h e peer
	e1=mh$$$h1$h2 e2=mh$$$h2$h1
	ip link add "$e1" type veth peer name "$e2" || xt_fail "cannot create veth"
	MH_WIRES+=("$e1")
	ip link set "$e1" netns "${MH_NS[$h1]}" || xt_fail "veth to ${MH_NS[$h1]}"
	ip link set "$e2" netns "${MH_NS[$h2]}" || xt_fail "veth to ${MH_NS[$h2]}"
	MH_WIRE_IF[$h1]=$e1
	MH_WIRE_IF[$h2]=$e2
	for h in "$h1" "$h2"; do
		e=${MH_WIRE_IF[$h]}
		[ "$h" = "$h1" ] && peer=$h2 || peer=$h1
		mh_in "$h" ip link set "$e" up
		mh_vsctl "$h" add-port br-phy wire -- set Interface wire type=dpdk \
			"options:dpdk-devargs=net_af_packet0,iface=$e,framecnt=$MH_WIRE_FRAMES"
		mh_vsctl "$h" get Interface wire error 2>/dev/null | grep -q '^\[\]$' ||
			xt_fail "$h: wire port: $(mh_vsctl "$h" get Interface wire error)"
		mh_appctl "$h" ovs/route/show | grep -q "${MH_IP[$peer]%.*}\." ||
			mh_appctl "$h" ovs/route/add "${MH_IP[$h]%.*}.0/24" br-phy >/dev/null
		mh_appctl "$h" tnl/arp/set br-phy "${MH_IP[$peer]}" "${MH_MAC[$peer]}" \
			>/dev/null || xt_fail "$h: tnl/arp/set"
	done
	xt_log "wire: $e1 ($h1) <-> $e2 ($h2), net_af_packet ports, $(mh_vsctl "$h1" get Interface wire status:driver_name)"
}
declare -A MH_WIRE_IF

# mh_wait_link H PORT TIMEOUT
mh_wait_link() {
	local h=$1 p=$2 end
	end=$(($(xt_now_ms) + $3 * 1000))
	until [ "$(mh_vsctl "$h" get Interface "$p" link_state 2>/dev/null)" = up ]; do
		[ "$(xt_now_ms)" -lt "$end" ] ||
			xt_fail "$h: OVS port $p link_state $(mh_vsctl "$h" get Interface "$p" link_state)"
		sleep 0.1
	done
}

# mh_port_stat H BR PORT rx|tx KEY: from ovs-ofctl dump-ports (live; the
# database's statistics column lags by up to 5 s)
mh_port_stat() {
	mh_ofctl "$1" dump-ports "$2" "$3" | tr -d ',' |
		awk -v d="$4" -v k="$5" '{ for (i = 1; i <= NF; i++) {
			if ($i == d) on = 1
			else if ($i == "rx" || $i == "tx") on = 0
			if (on && index($i, k "=") == 1) { print substr($i, length(k) + 2); exit }
		} }'
}

mh_where_lost() {
	local h=$1 dir=$2 g line
	shift 2
	if [ "$dir" = tx ]; then
		line="host $h:"
		for g in "$@"; do
			line+=" $g rx $(mh_port_stat "$h" br-int "$g" rx pkts),"
		done
		line+=" wire tx $(mh_port_stat "$h" br-phy wire tx pkts) + $(($(mh_port_stat "$h" br-phy wire tx drop) + $(mh_port_stat "$h" br-phy wire tx errs))) dropped"
	else
		line="host $h: wire rx $(mh_port_stat "$h" br-phy wire rx pkts)"
		for g in "$@"; do
			line+=", $g tx $(mh_port_stat "$h" br-int "$g" tx pkts) + $(($(mh_port_stat "$h" br-int "$g" tx drop) + $(mh_port_stat "$h" br-int "$g" tx errs))) dropped"
		done
	fi
	xt_log "$line"
}
