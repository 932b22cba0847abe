# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# Shared by pmd-bench.sh and profile.sh (sourced, not run): hugepages,
# staging of the xenshm PMDs, and one testpmd-to-testpmd pair per case.
#
# Roles: process A is the switch side (DomS net_xenshm / memif server /
# net_vhost) pinned to CPU_A; process B is the guest side
# (net_xenshm_guest / memif client / net_virtio_user) pinned to CPU_B.
# Each process is one main lcore + one forwarding lcore on the SAME CPU
# (--lcores 0@CPU,1@CPU): the main lcore blocks on stdin and wakes only
# when we send a command, so the forwarding lcore has the CPU to itself.
#
# Cases: <transport>-<direction>
#   transport: xenshm | memif (copy) | memifzc (client zero-copy) | vhost
#   direction: g2d   B txonly -> A rxonly   (guest -> switch)
#              d2g   A txonly -> B rxonly   (switch -> guest)
#              bidir B and A both flowgen: each sends and drains what
#                    it receives; metric = A rx + B rx (delivered both ways)
#                    (BIDIR_MODE=macswap: B flowgen, A macswap, metric B rx)
#
# Needs: BUILD, OUT set by the caller.  Knobs (env, defaults):
#   CPU_A=1 CPU_B=0 TESTPMD=dpdk-testpmd NB_MBUF=16384 BURST=32
#   HUGEDIR=/run/xenshm-bench-huge HUGE_PAGES=1024 (2 MiB pages wanted)
#   PMD_STAGE=/opt/xenshm-bench/pmds  BIDIR_MODE=flowgen
#   TP_EXTRA="" (more testpmd application arguments, e.g. --record-burst-stats)
#   WARMUP=1 WINDOW=3 (s)  LINK_TIMEOUT=15 (s)
#   PAIR_MAX=120 (s): watchdog, a pair living longer is killed
#   QUIET_WAIT=20 (s): before each run, wait up to this long for the rest
#   of the box to use < QUIET_PCT=15 % of the CPUs (other helpers, builds)

CPU_A=${CPU_A:-1}
CPU_B=${CPU_B:-0}
TESTPMD=${TESTPMD:-dpdk-testpmd}
NB_MBUF=${NB_MBUF:-16384}
BURST=${BURST:-32}
HUGEDIR=${HUGEDIR:-/run/xenshm-bench-huge}
HUGE_PAGES=${HUGE_PAGES:-1024}
PMD_STAGE=${PMD_STAGE:-/opt/xenshm-bench/pmds}
BIDIR_MODE=${BIDIR_MODE:-flowgen}
WARMUP=${WARMUP:-1}
WINDOW=${WINDOW:-3}
LINK_TIMEOUT=${LINK_TIMEOUT:-15}
QUIET_WAIT=${QUIET_WAIT:-20}
QUIET_PCT=${QUIET_PCT:-15}

# A testpmd that crashed (or was killed) closes its stdin fifo; writing a
# command to it then raises SIGPIPE, which would kill the whole script.
# Trapped (not ignored, so children do not inherit SIG_IGN): the write
# just fails.
trap ':' PIPE

# Per-invocation names, so concurrent users of the machine do not collide.
BTAG=xsb$$
SOCKDIR=/run/xenshm-bench.$$

bench_log() { echo "[$(date +%T)] $*" >&2; }
bench_die() { echo "bench: $*" >&2; exit 1; }

# --- the machine ---------------------------------------------------------
# "key: value" lines describing where a result came from, so that a table
# pasted elsewhere (docs/line-rate.md, bench/table-to-md.sh) carries them.
bench_machine() {
	local gov virt iso
	gov=$(cat /sys/devices/system/cpu/cpu"$CPU_A"/cpufreq/scaling_governor 2>/dev/null) ||
		gov="none (no cpufreq: a VM or a fixed clock)"
	virt=$(systemd-detect-virt 2>/dev/null) || virt=none
	iso=$(tr ' ' '\n' < /proc/cmdline | grep -E '^(isolcpus|nohz_full|rcu_nocbs)=' | tr '\n' ' ')
	echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "commit: $(git -C "$(dirname "${BASH_SOURCE[0]}")" describe --always --dirty 2>/dev/null || echo unknown)"
	echo "cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -n1)"
	echo "cpus: $(nproc) online; $(lscpu | sed -n 's/^Thread(s) per core: *//p') thread(s) per core; NUMA nodes $(lscpu | sed -n 's/^NUMA node(s): *//p')"
	echo "hypervisor: $(lscpu | sed -n 's/^Hypervisor vendor: *//p' | head -n1)${virt:+ (systemd-detect-virt: $virt)}"
	echo "pinning: switch side cpu $CPU_A, guest side cpu $CPU_B${iso:+; $iso}"
	echo "governor: $gov"
	echo "memory: $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo); 2 MiB hugepages total $(cat /proc/sys/vm/nr_hugepages)"
	echo "os: $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)"
	echo "dpdk: $(pkg-config --modversion libdpdk 2>/dev/null || echo unknown) ($(command -v "$TESTPMD"))"
	echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
}

# --- hugepages -----------------------------------------------------------
HUGE_MOUNTED=0
HUGE_OLD_NR=""

bench_huge_setup() {
	local nr free
	nr=$(cat /proc/sys/vm/nr_hugepages)
	free=$(awk '/HugePages_Free/{print $2}' /proc/meminfo)
	if [ "$free" -lt "$HUGE_PAGES" ]; then
		HUGE_OLD_NR=$nr
		echo $((nr + HUGE_PAGES - free)) > /proc/sys/vm/nr_hugepages
		free=$(awk '/HugePages_Free/{print $2}' /proc/meminfo)
		bench_log "nr_hugepages $nr -> $(cat /proc/sys/vm/nr_hugepages) ($free free)"
		[ "$free" -ge 256 ] || bench_die "only $free free 2 MiB hugepages"
	fi
	if ! mount | grep -q " $HUGEDIR type hugetlbfs"; then
		mkdir -p "$HUGEDIR"
		mount -t hugetlbfs -o pagesize=2M nodev "$HUGEDIR" ||
			bench_die "cannot mount hugetlbfs at $HUGEDIR"
		HUGE_MOUNTED=1
	fi
}

bench_huge_clean_files() {
	rm -f "$HUGEDIR"/${BTAG}*map_* 2>/dev/null
	rm -rf /var/run/dpdk/${BTAG}* 2>/dev/null
}

bench_huge_teardown() {
	bench_huge_clean_files
	if [ "$HUGE_MOUNTED" = 1 ]; then
		umount "$HUGEDIR" 2>/dev/null && rmdir "$HUGEDIR" 2>/dev/null
		HUGE_MOUNTED=0
	fi
	if [ -n "$HUGE_OLD_NR" ]; then
		echo "$HUGE_OLD_NR" > /proc/sys/vm/nr_hugepages
		HUGE_OLD_NR=""
	fi
}

# --- xenshm PMDs ---------------------------------------------------------
# EAL refuses -d from a world-writable directory (or one under it), so
# copy the .so files from the build tree to a root-owned 0755 directory.
XENSHM_GUEST_SO=""
XENSHM_DOMS_SO=""

bench_stage_pmds() {
	local g=$BUILD/guest-pmd/librte_net_xenshm_guest.so
	local d=$BUILD/drivers/net/xenshm/librte_net_xenshm.so
	local f
	XENSHM_GUEST_SO=""
	XENSHM_DOMS_SO=""
	[ -f "$g" ] && [ -f "$d" ] || return 1
	install -d -m 0755 -o root -g root "$PMD_STAGE"
	# A shared common library, if the PMDs are split that way, goes along.
	for f in "$g" "$d" "$BUILD"/drivers/common/xenshm/*.so; do
		[ -f "$f" ] && install -m 0644 -o root -g root "$f" "$PMD_STAGE/"
	done
	XENSHM_GUEST_SO=$PMD_STAGE/$(basename "$g")
	XENSHM_DOMS_SO=$PMD_STAGE/$(basename "$d")
	return 0
}

bench_have_case() { # case -> 0 if it can run here
	case $1 in
	xenshm-*) [ -n "$XENSHM_GUEST_SO" ] ;;
	*) return 0 ;;
	esac
}

# --- watchdog ------------------------------------------------------------
# One background process per script: a pair that outlives its deadline
# (PAIR_MAX s: a hung testpmd, or the shell stuck waiting on one) is
# killed with SIGKILL, so the script moves on and that run says FAIL.
PAIR_MAX=${PAIR_MAX:-120}
WD_FILE=""
WD_PID=""

bench_watchdog_start() {
	WD_FILE=/run/xenshm-bench.$$.wd
	rm -f "$WD_FILE"
	(
		while kill -0 $$ 2>/dev/null; do
			sleep 1
			[ -f "$WD_FILE" ] || continue
			read -r dl pids < "$WD_FILE" 2>/dev/null || continue
			if [ "$EPOCHSECONDS" -ge "${dl:-0}" ]; then
				echo "bench: watchdog: killing pair $pids after ${PAIR_MAX}s" >&2
				kill -9 $pids 2>/dev/null
				rm -f "$WD_FILE"
			fi
		done
	) &
	WD_PID=$!
}

bench_watchdog_stop() {
	[ -n "$WD_PID" ] && kill "$WD_PID" 2>/dev/null
	[ -n "$WD_FILE" ] && rm -f "$WD_FILE"
	WD_PID=""
}

# --- one pair ------------------------------------------------------------
PA="" PB="" LA="" LB="" PAIR_METRIC=""

# cpu busy/total jiffies of the whole box, and of given pids
bench_cpu_sample() { awk '/^cpu /{b=$2+$3+$4+$7+$8+$9; print b, b+$5+$6}' /proc/stat; }
bench_proc_jiffies() {
	local s=0 p
	for p in "$@"; do
		[ -r /proc/$p/stat ] && s=$((s + $(awk '{print $14+$15}' /proc/$p/stat)))
	done
	echo $s
}

# Wait (at most QUIET_WAIT s) until the box is busy < QUIET_PCT % over 1 s.
# Prints nothing; returns 1 if it never got quiet (the run goes ahead and
# its foreign% column tells the story).
bench_wait_quiet() {
	local i b0 t0 b1 t1
	for ((i = 0; i < QUIET_WAIT; i++)); do
		read -r b0 t0 <<< "$(bench_cpu_sample)"; sleep 1
		read -r b1 t1 <<< "$(bench_cpu_sample)"
		[ $(((b1 - b0) * 100)) -lt $(((t1 - t0) * QUIET_PCT)) ] && return 0
	done
	return 1
}

bench_send() { # A|B command
	if [ "$1" = A ]; then echo "$2" >&7; else echo "$2" >&8; fi 2>/dev/null
}

bench_wait_prompt() { # pid log -> 0 once testpmd's prompt is printed
	local i
	for ((i = 0; i < 100; i++)); do
		kill -0 "$1" 2>/dev/null || return 1
		grep -qs "testpmd> " "$2" && return 0
		sleep 0.1
	done
	return 1
}

# Start the pair for <case> <size> with logs <prefix>.{A,B}.log.  Sets PA
# PB LA LB PAIR_METRIC (A, B or AB: whose rx is the metric).  Returns
# non-zero (after stopping what it started) if links do not come up.
bench_pair_start() {
	local c=$1 size=$2 pfx=$3
	local tr=${c%%-*} dir=${c#*-}
	local devA devB ldA="" ldB="" sfA="" sfB="" fwdA fwdB txA="" txB=""
	local sock=$SOCKDIR/$tr.sock first
	mkdir -p "$SOCKDIR"
	rm -f "$sock"
	case $tr in
	xenshm)
		devA="net_xenshm0,path=$sock"
		devB="net_xenshm_guest0,path=$sock"
		ldA="-d $XENSHM_DOMS_SO"; ldB="-d $XENSHM_GUEST_SO"
		first=B ;;	# the guest owns the region and listens
	memif|memifzc)
		devA="net_memif0,role=server,socket=$sock,socket-abstract=no"
		devB="net_memif0,role=client,socket=$sock,socket-abstract=no"
		if [ $tr = memifzc ]; then
			devB="$devB,zero-copy=yes"
			sfB="--single-file-segments"
		fi
		first=A ;;
	vhost)
		devA="net_vhost0,iface=$sock,queues=1"
		devB="net_virtio_user0,path=$sock,queues=1,queue_size=1024"
		sfB="--single-file-segments"	# vhost maps the whole heap
		first=A ;;
	*) bench_log "unknown transport $tr"; return 2 ;;
	esac
	case $dir in
	g2d) fwdA=rxonly; fwdB=txonly; PAIR_METRIC=A
	     txB="--txpkts=$size" ;;
	d2g) fwdA=txonly; fwdB=rxonly; PAIR_METRIC=B
	     txA="--txpkts=$size" ;;
	bidir)
		# flowgen takes 4 bytes off --txpkts for the FCS it assumes.
		fwdB=flowgen; txB="--txpkts=$((size + 4))"
		if [ "$BIDIR_MODE" = macswap ]; then
			fwdA=macswap; PAIR_METRIC=B
		else
			fwdA=flowgen; txA="--txpkts=$((size + 4))"
			PAIR_METRIC=AB
		fi ;;
	*) bench_log "unknown direction $dir"; return 2 ;;
	esac
	LA=$pfx.A.log LB=$pfx.B.log
	rm -f "$pfx".A.in "$pfx".B.in
	mkfifo "$pfx".A.in "$pfx".B.in

	local argsA argsB
	# shellcheck disable=SC2206
	argsA=(--lcores "0@$CPU_A,1@$CPU_A" --file-prefix ${BTAG}A
		--huge-dir "$HUGEDIR" --no-pci $sfA $ldA --vdev "$devA"
		-- -i --forward-mode=$fwdA $txA --burst=$BURST
		--total-num-mbufs=$NB_MBUF ${TP_EXTRA:-})
	# shellcheck disable=SC2206
	argsB=(--lcores "0@$CPU_B,1@$CPU_B" --file-prefix ${BTAG}B
		--huge-dir "$HUGEDIR" --no-pci $sfB $ldB --vdev "$devB"
		-- -i --forward-mode=$fwdB $txB --burst=$BURST
		--total-num-mbufs=$NB_MBUF ${TP_EXTRA:-})
	echo "A: $TESTPMD ${argsA[*]}" > "$pfx".cmd
	echo "B: $TESTPMD ${argsB[*]}" >> "$pfx".cmd

	_start_A() {
		stdbuf -oL -eL "$TESTPMD" "${argsA[@]}" < "$pfx".A.in \
			> "$LA" 2>&1 &
		PA=$!; exec 7> "$pfx".A.in
	}
	_start_B() {
		stdbuf -oL -eL "$TESTPMD" "${argsB[@]}" < "$pfx".B.in \
			> "$LB" 2>&1 &
		PB=$!; exec 8> "$pfx".B.in
	}
	PA="" PB="" PAIR_CMD=$pfx.cmd
	if [ $first = A ]; then
		_start_A; bench_wait_prompt $PA "$LA" && { _start_B; bench_wait_prompt $PB "$LB"; }
	else
		_start_B; bench_wait_prompt $PB "$LB" && { _start_A; bench_wait_prompt $PA "$LA"; }
	fi
	echo "pids: A=$PA B=$PB" >> "$pfx".cmd
	[ -n "$WD_FILE" ] && echo "$((EPOCHSECONDS + PAIR_MAX)) $PA $PB" > "$WD_FILE"
	local i up=0 t0=$SECONDS
	while [ $((SECONDS - t0)) -lt "$LINK_TIMEOUT" ]; do
		[ -n "$PA" ] && [ -n "$PB" ] || break
		kill -0 $PA 2>/dev/null && kill -0 $PB 2>/dev/null || break
		bench_send A "show port info 0"; bench_send B "show port info 0"
		sleep 0.3
		if grep -qs "Link status: up" "$LA" && grep -qs "Link status: up" "$LB"; then
			up=1; break
		fi
	done
	rm -f "$pfx".A.in "$pfx".B.in	# fds 7/8 keep the fifos open
	if [ $up = 0 ]; then
		bench_pair_stop
		return 1
	fi
	return 0
}

bench_pair_stop() {
	local i p
	[ -n "$WD_FILE" ] && rm -f "$WD_FILE"
	# The guest side (client of memif and vhost) leaves first, while its
	# peer still answers: virtio-user's close waits for the vhost side.
	if [ -n "$PB" ]; then
		bench_send B quit 2>/dev/null
		for ((i = 0; i < 20; i++)); do
			kill -0 $PB 2>/dev/null || break
			sleep 0.25
		done
	fi
	[ -n "$PA" ] && bench_send A quit 2>/dev/null
	exec 7>&- 8>&-
	for ((i = 0; i < 40; i++)); do
		kill -0 $PA 2>/dev/null || kill -0 $PB 2>/dev/null || break
		sleep 0.25
	done
	for p in $PA $PB; do kill "$p" 2>/dev/null; done
	sleep 0.2
	for p in $PA $PB; do kill -9 "$p" 2>/dev/null; done
	# Exit status of each side, into the .cmd file (a crash of an anchor
	# PMD at stop/quit would otherwise only show as a bash message).
	local st=""
	[ -n "$PA" ] && { wait "$PA" 2>/dev/null; st="A=$?"; }
	[ -n "$PB" ] && { wait "$PB" 2>/dev/null; st="$st B=$?"; }
	[ -n "${PAIR_CMD:-}" ] && echo "exit status (>128: signal): $st" >> "$PAIR_CMD"
	PA="" PB=""
	bench_huge_clean_files
	rm -rf "$SOCKDIR"
}

# "r1,r2,..." Mpps of the WINDOW 1-s samples in a testpmd log
bench_log_rates() {
	awk -v w="$WINDOW" '$1 == "Rx-pps:" { n++; if (n >= 2 && n <= w + 1)
		printf "%s%.4f", (n > 2 ? "," : ""), $2 / 1e6 }' "$1"
}

# bytes per received frame over the window (Rx-bps / Rx-pps / 8)
bench_log_bpp() {
	awk -v w="$WINDOW" '$1 == "Rx-pps:" { n++; if (n >= 2 && n <= w + 1) {
		p += $2; b += $4 } } END { printf "%.0f", p ? b / p / 8 : 0 }' "$1"
}

# Run traffic on a started pair: start both (receiver first), WARMUP s,
# then one "show port stats" per second for WINDOW s.  Prints
#   metric_mpps a_rx_mpps b_rx_mpps foreign_cpu% bytes_per_frame persec
# where persec is the comma list of per-second metric samples.
bench_pair_measure() {
	local k b0 t0 b1 t1 j0 j1 foreign
	bench_send A start; bench_send B start
	sleep "$WARMUP"
	bench_send A "show port stats 0"; bench_send B "show port stats 0"
	read -r b0 t0 <<< "$(bench_cpu_sample)"; j0=$(bench_proc_jiffies $PA $PB)
	for ((k = 1; k <= WINDOW; k++)); do
		sleep 1
		bench_send A "show port stats 0"; bench_send B "show port stats 0"
	done
	read -r b1 t1 <<< "$(bench_cpu_sample)"; j1=$(bench_proc_jiffies $PA $PB)
	foreign=$(( ((b1 - b0) - (j1 - j0)) * 100 / (t1 - t0 > 0 ? t1 - t0 : 1) ))
	[ $foreign -lt 0 ] && foreign=0
	bench_send A stop; bench_send B stop
	# A loaded box can leave testpmd seconds behind its stdin: wait (max
	# 10 s) until both logs hold all WINDOW + 1 samples before parsing.
	for ((k = 0; k < 40; k++)); do
		[ "$(grep -c "Rx-pps:" "$LA")" -gt "$WINDOW" ] &&
			[ "$(grep -c "Rx-pps:" "$LB")" -gt "$WINDOW" ] && break
		sleep 0.25
	done
	sleep 0.2
	# Occurrence 1 of Rx-pps closes the warm-up; 2..WINDOW+1 are 1-s rates.
	# testpmd prints "Rx-pps: <pps> Rx-bps: <bps>" on one line.
	local pa pb bpp
	pa=$(bench_log_rates "$LA")
	pb=$(bench_log_rates "$LB")
	# bytes per received frame over the window, as the receiving PMD counts
	if [ "$PAIR_METRIC" = B ]; then bpp=$(bench_log_bpp "$LB"); else bpp=$(bench_log_bpp "$LA"); fi
	/usr/bin/awk -v pa="$pa" -v pb="$pb" -v m="$PAIR_METRIC" -v f="$foreign" -v bpp="$bpp" 'BEGIN{
		na = split(pa, a, ","); nb = split(pb, b, ",")
		n = (m == "B") ? nb : na; if (m == "AB" && nb < n) n = nb
		for (i = 1; i <= n; i++) {
			v = (m == "A") ? a[i] : (m == "B") ? b[i] : a[i] + b[i]
			per = per (i > 1 ? "," : "") sprintf("%.3f", v); s += v
		}
		for (i = 1; i <= na; i++) sa += a[i]
		for (i = 1; i <= nb; i++) sb += b[i]
		if (n == 0) { print "FAIL no-samples"; exit }
		printf "%.3f %.3f %.3f %d %s %s\n", s / n, na ? sa / na : 0,
			nb ? sb / nb : 0, f, bpp, per }'
}
