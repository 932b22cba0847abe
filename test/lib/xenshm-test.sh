# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# Helpers for tests that drive Debian's dpdk-testpmd (and OVS) with the
# xenshm PMDs.  Source it, then call xt_init first.
#
#   xt_init NAME              root/testpmd/PMD checks (exit 77 if a real
#                             precondition is missing), work dir, EXIT trap,
#                             PMDs staged under /opt/xenshm-test/pmds
#   xt_testpmd ID CPU_MAIN CPU_FWD "EAL ARGS" "TESTPMD ARGS"
#                             start an interactive testpmd fed by a fifo
#                             (memory: $XT_MEM, default --no-huge -m 512;
#                             --no-mlockall: testpmd's mlockall() right after
#                             EAL init holds the mm lock while it faults in
#                             all memory, which stalls the PMD's control
#                             alarm for about a second at start-up, long
#                             enough for a DomS's first handshake to time
#                             out; docs/pmd.md "Limits")
#   xt_cmd ID CMD...          send one command line
#   xt_sync ID [TIMEOUT]      wait until every command sent so far ran
#   xt_xstats ID PORT         "show port xstats PORT" into XS[name]=value
#   xt_link ID PORT           echo up|down (show port info)
#   xt_wait_link ID PORT up|down TIMEOUT
#   xt_kill9 ID / xt_quit ID  end one process (SIGKILL / quit command)
#   xt_fail MSG               print MSG and the logs' tails, exit 1
#   xt_check COND_TEXT A OP B numeric assertion with a readable message
#   xt_forget PID             drop a PID from XT_EXTRA_PIDS once it was
#                             reaped (wait): pid_max may be 32768, and the
#                             cleanup must not SIGKILL a reused PID
#   xt_proc_usage PID         echo "FDS RSS_KB ANON_KB SHMEM_KB" of a live
#                             process (VmRSS, RssAnon, RssShmem; nothing if
#                             it is gone; no smaps, no mmap lock taken)
#   xt_proc_rss_in PID RE     echo the KiB resident in its mappings whose
#                             path matches the awk regex RE (smaps)
#   xt_proc_start PID         echo its start time (ticks since boot): with the
#                             PID, identifies one process across a long run
#
# Every process started here is recorded by PID and killed by PID on exit;
# nothing is ever killed by name.  Each testpmd has its own --file-prefix.

set -uo pipefail

XT_TESTPMD=${XT_TESTPMD:-/usr/bin/dpdk-testpmd}
XT_STAGE_ROOT=/opt/xenshm-test/pmds
declare -A XT_PID XT_FD XT_LOG XT_PREFIX
declare -A XS
XT_NAME=
XT_DIR=
XT_STAGE=
XT_EXTRA_PIDS=()
XT_CLEANUP_HOOKS=()
# EAL memory options of the next xt_testpmd (no hugepages needed)
XT_MEM="--no-huge -m 512"

xt_log() { echo "[$(date +%T.%3N)] $XT_NAME: $*"; }

xt_skip() {
	echo "SKIP: $XT_NAME: $*"
	exit 77
}

xt_now_ms() { date +%s%3N; }

xt_cleanup() {
	local rc=$? id pid h
	trap - EXIT
	for id in "${!XT_PID[@]}"; do
		pid=${XT_PID[$id]}
		if kill -0 "$pid" 2>/dev/null; then
			kill -9 "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
		fi
		rm -rf "/var/run/dpdk/${XT_PREFIX[$id]}"
	done
	for pid in "${XT_EXTRA_PIDS[@]}"; do
		if kill -0 "$pid" 2>/dev/null; then
			kill -9 "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
		fi
	done
	# hooks after the processes are gone (mounts they used, services)
	# (in a subshell: a hook that fails, even on an unset variable
	# under set -u, must not cut the cleanup short)
	for h in "${XT_CLEANUP_HOOKS[@]}"; do
		("$h") || true
	done
	[ -n "$XT_STAGE" ] && rm -rf "$XT_STAGE"
	if [ -n "$XT_DIR" ]; then
		if [ "$rc" = 0 ] || [ "$rc" = 77 ]; then
			rm -rf "$XT_DIR"
		else
			echo "logs kept in $XT_DIR"
		fi
	fi
	exit "$rc"
}

# Copy a PMD to a root-owned 0755 directory: EAL refuses "-d" below a
# world-writable one (/tmp), and the build dir may be under /tmp.
xt_stage() {
	local so=$1
	install -m 0644 "$so" "$XT_STAGE/$(basename "$so")" || return 1
	echo "$XT_STAGE/$(basename "$so")"
}

xt_init() {
	XT_NAME=$1
	[ "$(id -u)" = 0 ] || xt_skip "needs root (DPDK, /opt staging)"
	[ -x "$XT_TESTPMD" ] || xt_skip "$XT_TESTPMD missing (apt-get install dpdk)"
	[ "$(nproc)" -ge 2 ] || xt_skip "needs 2 CPUs"
	: "${XENSHM_GUEST_PMD:?set by meson}" "${XENSHM_DOMS_PMD:?set by meson}"
	[ -f "$XENSHM_GUEST_PMD" ] && [ -f "$XENSHM_DOMS_PMD" ] ||
		{ echo "PMDs not built: $XENSHM_GUEST_PMD $XENSHM_DOMS_PMD"; exit 1; }
	XT_DIR=$(mktemp -d "/tmp/xenshm-$XT_NAME.XXXXXX") || exit 1
	chmod 755 "$XT_DIR"
	trap xt_cleanup EXIT
	trap 'exit 130' INT TERM
	mkdir -p "$XT_STAGE_ROOT" && chmod 755 /opt/xenshm-test "$XT_STAGE_ROOT"
	XT_STAGE=$(mktemp -d "$XT_STAGE_ROOT/$XT_NAME.XXXXXX") || exit 1
	chmod 755 "$XT_STAGE"
	GUEST_SO=$(xt_stage "$XENSHM_GUEST_PMD") || exit 1
	DOMS_SO=$(xt_stage "$XENSHM_DOMS_PMD") || exit 1
	XT_LOGLEVEL="--log-level=pmd.net.xenshm*:info"
}

# xt_testpmd ID CPU_MAIN CPU_FWD "EAL ARGS" "TESTPMD ARGS"
# EAL ARGS must include the -d and --vdev options.
xt_testpmd() {
	local id=$1 cm=$2 cf=$3 eal=$4 app=$5 fifo fd
	XT_PREFIX[$id]=xt$$_$id
	XT_LOG[$id]=$XT_DIR/$id.log
	fifo=$XT_DIR/$id.in
	rm -f "$fifo"
	mkfifo "$fifo"
	# shellcheck disable=SC2086
	stdbuf -oL -eL "$XT_TESTPMD" --lcores "0@$cm,1@$cf" $XT_MEM \
		--no-pci --file-prefix "${XT_PREFIX[$id]}" $XT_LOGLEVEL $eal \
		-- -i --port-topology=loop --no-mlockall $app \
		<"$fifo" >>"${XT_LOG[$id]}" 2>&1 &
	XT_PID[$id]=$!
	exec {fd}>"$fifo"
	XT_FD[$id]=$fd
	echo "=== $(date +%T.%3N) started pid ${XT_PID[$id]}: testpmd $eal -- $app" \
		>>"${XT_LOG[$id]}.cmds"
}

xt_cmd() {
	local id=$1
	shift
	echo "$(date +%T.%3N) $*" >>"${XT_LOG[$id]}.cmds"
	echo "$*" >&"${XT_FD[$id]}" ||
		xt_fail "$id: cannot send '$*' (process gone?)"
}

# An unknown command prints "Command not found" after the echoed input:
# a unique unknown word tells when testpmd has run everything before it.
# No state is kept in the shell, so this works from subshells too.
# The default deadline (60 s) is only reached on a badly loaded box: a
# testpmd descheduled for 20 s under load average 20 has been seen.
xt_sync() {
	local id=$1 t=${2:-60} tok end
	tok=xt_sync_${RANDOM}_$(date +%N)
	xt_cmd "$id" "$tok"
	end=$(($(xt_now_ms) + t * 1000))
	while :; do
		awk -v t="$tok" 'index($0, t) { seen = 1 }
			seen && /^Command not found/ { found = 1; exit }
			END { exit !found }' "${XT_LOG[$id]}" && return 0
		kill -0 "${XT_PID[$id]}" 2>/dev/null ||
			xt_fail "$id: testpmd exited"
		[ "$(xt_now_ms)" -lt "$end" ] || xt_fail "$id: no answer in ${t}s"
		sleep 0.02
	done
}

# Run one command; its output (what the log got between two syncs) is
# left in $XT_DIR/ID.out.
xt_run() {
	local id=$1 off
	shift
	xt_sync "$id"
	off=$(stat -c %s "${XT_LOG[$id]}")
	xt_cmd "$id" "$*"
	xt_sync "$id"
	tail -c +$((off + 1)) "${XT_LOG[$id]}" >"$XT_DIR/$id.out"
}

xt_xstats() {
	local id=$1 port=$2 k v
	XS=()
	xt_run "$id" "show port xstats $port"
	while IFS=': ' read -r k v; do
		[[ $k =~ ^[a-z][a-z0-9_]*$ && $v =~ ^[0-9]+$ ]] && XS[$k]=$v
	done < <(tr -d '\r' <"$XT_DIR/$id.out" |
		sed -n '/NIC extended statistics/,$p')
	[ -n "${XS[rx_good_packets]:-}" ] ||
		xt_fail "$id: no xstats for port $port"
}

xt_link() {
	xt_run "$1" "show port info $2"
	sed -n 's/^Link status: *\([a-z]*\).*/\1/p' "$XT_DIR/$1.out" | tail -1
}

xt_wait_link() {
	local id=$1 port=$2 want=$3 t=$4 end
	end=$(($(xt_now_ms) + t * 1000))
	while [ "$(xt_link "$id" "$port")" != "$want" ]; do
		[ "$(xt_now_ms)" -lt "$end" ] ||
			xt_fail "$id: port $port link not $want after ${t}s"
		sleep 0.1
	done
}

xt_kill9() {
	local id=$1
	kill -9 "${XT_PID[$id]}" 2>/dev/null
	wait "${XT_PID[$id]}" 2>/dev/null
	exec {XT_FD[$id]}>&-
	rm -rf "/var/run/dpdk/${XT_PREFIX[$id]}"
	unset "XT_PID[$id]"
}

xt_quit() {
	local id=$1 i
	xt_cmd "$id" "quit"
	for i in $(seq 1 100); do
		kill -0 "${XT_PID[$id]}" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "${XT_PID[$id]}" 2>/dev/null; then
		xt_log "$id did not quit in 10 s; killing it"
		kill -9 "${XT_PID[$id]}"
	fi
	wait "${XT_PID[$id]}" 2>/dev/null
	exec {XT_FD[$id]}>&-
	rm -rf "/var/run/dpdk/${XT_PREFIX[$id]}"
	unset "XT_PID[$id]"
}

# Print the ring indices and side lines of every region a process has
# open (host transport memfds), for failure reports.
xt_dump_rings() {
	local pid=$1 fd
	for fd in /proc/"$pid"/fd/*; do
		[[ $(readlink "$fd" 2>/dev/null) == /memfd:xenshm-region* ]] || continue
		python3 - "$fd" <<'PY' || true
import mmap, struct, sys
with open(sys.argv[1], "rb") as f:
    m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    magic, ver, feat, hsz, rsize, nqp, _, rs, ss, mtu, ro, st = \
        struct.unpack_from("<IIIIQHHIIIII", m, 0)
    gl, ge = struct.unpack_from("<B3xI", m, 128)
    dl, de = struct.unpack_from("<B3xI", m, 192)
    print("  region %s: n_qp=%d ring=%d slot=%d mtu=%d guest live=%d "
          "epoch=%d doms live=%d epoch=%d" % (sys.argv[1], nqp, rs, ss, mtu,
                                             gl, ge, dl, de))
    for r in range(2 * nqp):
        p, = struct.unpack_from("<I", m, ro + r * st)
        c, = struct.unpack_from("<I", m, ro + r * st + 64)
        print("    ring %d (%s q%d): prod=%d cons=%d in ring=%d" %
              (r, "g2d" if r % 2 == 0 else "d2g", r // 2, p, c,
               (p - c) & 0xffffffff))
PY
	done
}

xt_fail() {
	local id
	echo "FAIL: $XT_NAME: $*"
	for id in "${!XT_PID[@]}"; do
		kill -0 "${XT_PID[$id]}" 2>/dev/null &&
			xt_dump_rings "${XT_PID[$id]}" | sed "s/^/$id:/"
	done
	for id in "${!XT_LOG[@]}"; do
		echo "----- last lines of $id (${XT_LOG[$id]})"
		tail -n 40 "${XT_LOG[$id]}" 2>/dev/null
	done
	exit 1
}

# xt_check "what" A OP B   (OP: -eq -ne -gt -ge -lt -le)
xt_check() {
	local what=$1 a=$2 op=$3 b=$4
	if [ "$a" "$op" "$b" ]; then
		xt_log "ok: $what ($a $op $b)"
	else
		xt_fail "$what: expected $a $op $b"
	fi
}

# The xenshm-specific error/disable xstats must all be zero.
xt_check_clean() {
	local id=$1 port=$2 k
	for k in "${!XS[@]}"; do
		case $k in
		err_*|port_disabled|*_validation_errors)
			[ "${XS[$k]}" = 0 ] ||
				xt_fail "$id port $port: $k = ${XS[$k]}"
			;;
		esac
	done
}

# Forget a PID of XT_EXTRA_PIDS after it was reaped: the kernel may give
# the number to another process, which the EXIT cleanup must not kill.
xt_forget() {
	local p keep=()
	for p in "${XT_EXTRA_PIDS[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	XT_EXTRA_PIDS=("${keep[@]}")
}

# Open fds and resident memory of one process: "FDS RSS_KB ANON_KB
# SHMEM_KB" (VmRSS; RssAnon, which leaves out shared memory such as DPDK's
# --no-huge memfd and mapped guest regions; RssShmem, those), nothing if
# the process is gone.  For leak checks over long runs (test/soak).
xt_proc_usage() {
	local pid=$1 fds rss
	fds=$(ls /proc/"$pid"/fd 2>/dev/null | wc -l)
	rss=$(awk '/^VmRSS:/ { r = $2 } /^RssAnon:/ { a = $2 }
		/^RssShmem:/ { s = $2 }
		END { if (r != "") print r, a, s }' /proc/"$pid"/status 2>/dev/null)
	[ -n "$rss" ] && echo "$fds $rss"
}

# KiB resident in the mappings of a process whose path matches an awk
# regex, e.g. the shared xenshm regions: "memfd:xenshm-region".  Nothing if
# the process is gone.  Reading smaps holds the process's mmap lock: a
# thread of it that page-faults meanwhile waits (seconds on a busy box).
xt_proc_rss_in() {
	awk -v re="$2" '/^[0-9a-f]+-[0-9a-f]+ / { m = ($6 ~ re) }
		m && /^Rss:/ { k += $2 } END { print k + 0 }' \
		/proc/"$1"/smaps 2>/dev/null
}

# Start time of a process in clock ticks since boot (field 22 of
# /proc/PID/stat, after the parenthesised command name).
xt_proc_start() {
	local stat
	stat=$(cat /proc/"$1"/stat 2>/dev/null) || return 1
	stat=${stat##*) }
	set -- $stat
	echo "${20}"
}
