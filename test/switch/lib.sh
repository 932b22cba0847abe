# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# Shared helpers of the doms-switch tests (sourced).  Each test runs its
# own doms-switch and guests with unique file prefixes, a private run
# directory and its own staged PMD copies, and kills exactly the PIDs it
# started when it ends, however it ends.
#
# Environment (set by meson): DS_BIN, XS_FRAMES, PKTCHECK, GUEST_PMD,
# DOMS_PMD, TAPIO.

set -uo pipefail

T_NAME=${T_NAME:-$(basename "$0" .sh)}
T_ID="$T_NAME-$$"
RUN=/run/xs-swtest-$T_ID
STAGE=/opt/xenshm-test/pmds/sw-$T_ID
PFX=xsw-$T_ID
PIDS=()
T_FAILS=0
T_START=$(date +%s.%N)

log() {
	printf '[%s] %s\n' "$(awk -v a="$(date +%s.%N)" -v b="$T_START" \
		'BEGIN { printf "%6.2f", a - b }')" "$*"
}
fail() { log "FAIL: $*"; T_FAILS=$((T_FAILS + 1)); }
die() { log "FATAL: $*"; exit 1; }

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		for _ in $(seq 50); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	if [ -n "${T_KEEP:-}" ]; then
		log "kept $RUN"
	else
		rm -rf "$RUN"
	fi
	rm -rf "$STAGE" /var/run/dpdk/"$PFX"*
	rmdir /opt/xenshm-test/pmds /opt/xenshm-test 2>/dev/null
	[ -n "${T_TAP:-}" ] && ip link del "$T_TAP" 2>/dev/null
	true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for v in DS_BIN XS_FRAMES PKTCHECK GUEST_PMD DOMS_PMD TAPIO; do
	[ -n "${!v:-}" ] || die "$v is not set (run through meson test)"
done
[ "$(id -u)" = 0 ] || { echo "needs root (DPDK, /run, tap)"; exit 77; }

mkdir -p "$RUN/guests" || die "cannot create $RUN"
# EAL refuses -d below a world-writable directory (/tmp): stage under /opt
install -d -m 0755 "$STAGE" || die "cannot create $STAGE"
install -m 0644 "$GUEST_PMD" "$DOMS_PMD" "$STAGE/"
G_PMD=$STAGE/$(basename "$GUEST_PMD")
D_PMD=$STAGE/$(basename "$DOMS_PMD")

# The switch: main lcore 0 (control), worker lcore 1.  Extra args after
# the config go to doms-switch before '--'.
SW_EAL=${SW_EAL:-"-l 0,1 --no-huge -m 256 --no-pci"}
SW_PID=
start_switch() {
	local conf=$1
	shift
	# shellcheck disable=SC2086
	"$DS_BIN" -c "$conf" --pmd "$D_PMD" "$@" -- $SW_EAL \
		--file-prefix "$PFX-sw" >>"$RUN/switch.log" 2>&1 &
	SW_PID=$!
	PIDS+=("$SW_PID")
	# EAL start-up alone can take 20 s on a loaded machine.
	wait_for "${SW_START_WAIT:-90}" "switch telemetry" sw_up || {
		cat "$RUN/switch.log"
		die "doms-switch did not come up"
	}
}

tel() {
	echo "$1" | timeout 10 dpdk-telemetry.py -f "$PFX-sw" 2>/dev/null
}
tel_ok() { tel /doms_switch/info | grep -q '"version"'; }
sw_up() {
	kill -0 "$SW_PID" 2>/dev/null || die "doms-switch exited"
	tel_ok
}

# jq-like: tel_get CMD 'python expression on d (the reply value)'
tel_get() {
	tel "$1" | python3 -c '
import json, sys
line = sys.stdin.read().strip()
if not line:
    sys.exit(1)
reply = json.loads(line)
d = list(reply.values())[0]
r = eval(sys.argv[1])
print(r if not isinstance(r, (dict, list)) else json.dumps(r))
' "$2" 2>/dev/null
}

# wait_for SECONDS WHAT COMMAND...: poll until COMMAND succeeds
wait_for() {
	local secs=$1 what=$2
	shift 2
	local end=$((SECONDS + secs))
	while [ $SECONDS -lt $end ]; do
		"$@" && return 0
		sleep 0.2
	done
	log "timeout ($secs s) waiting for $what"
	return 1
}

port_up() {
	[ "$(tel_get /doms_switch/ports "d.get('$1', {}).get('link')")" = up ]
}
port_absent() {
	[ "$(tel_get /doms_switch/ports "'$1' in d")" = False ]
}
fdb_port_of() {	# MAC -> port name or "none"
	tel_get /doms_switch/fdb "next((e['port'] for e in d['entries'].values() if e['mac'] == '$1'), 'none')"
}
fdb_has() { [ "$(fdb_port_of "$1")" = "$2" ]; }
drops_of() {	# PORT REASON
	tel_get /doms_switch/drops "d['ports'].get('$1', {}).get('$2', 0)"
}

# A guest process: xs-frames on net_xenshm_guest at $RUN/guests/NAME.sock.
#   guest NAME MAC [xs-frames options...]   -> JSON in $RUN/NAME.json
guest() {
	local name=$1 mac=$2
	shift 2
	"$XS_FRAMES" -l 0 --no-huge -m 128 --no-pci --file-prefix "$PFX-$name" \
		--log-level=lib.eal:error -d "$G_PMD" \
		--vdev "net_xenshm_guest0,path=$RUN/guests/$name.sock,mac=$mac${GUEST_DEVARGS:-}" \
		-- --mbufs 4095 "$@" >"$RUN/$name.json" 2>"$RUN/$name.log" &
	PIDS+=("$!")
	eval "GPID_$name=$!"
}

# A packet-checker guest: pktcheck NAME MAC [pktcheck options...]
pktcheck_guest() {
	local name=$1 mac=$2
	shift 2
	"$PKTCHECK" -l 0 --no-huge -m 256 --no-pci --file-prefix "$PFX-$name" \
		--log-level=lib.eal:error -d "$G_PMD" \
		--vdev "net_xenshm_guest0,path=$RUN/guests/$name.sock,mac=$mac${GUEST_DEVARGS:-}" \
		-- --json "$RUN/$name.pkc.json" "$@" >"$RUN/$name.log" 2>&1 &
	PIDS+=("$!")
	eval "GPID_$name=$!"
}

# Wait for a guest process to end by itself (seconds), else kill it.
reap() {
	local name=$1 secs=${2:-30} pidvar="GPID_$1"
	local pid=${!pidvar}
	local end=$((SECONDS + secs))
	while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $end ]; do
		sleep 0.2
	done
	if kill -0 "$pid" 2>/dev/null; then
		log "$name did not end in $secs s: killed"
		kill -KILL "$pid"
	fi
	wait "$pid" 2>/dev/null
}

# j FILE 'expression on d' -> value
j() {
	python3 -c '
import json, sys
text = open(sys.argv[1]).read().strip()
try:
    d = json.loads(text)
except ValueError:
    d = json.loads(text.splitlines()[-1])
print(eval(sys.argv[2]))
' "$1" "$2" 2>/dev/null || echo "?"
}

# expect WHAT ACTUAL OP EXPECTED   (OP: -eq -ne -ge -le -gt -lt)
expect() {
	local what=$1 actual=$2 op=$3 want=$4
	if [ "$actual" = "?" ] || ! [ "$actual" "$op" "$want" ] 2>/dev/null; then
		fail "$what: got $actual, want $op $want"
	else
		log "ok: $what = $actual ($op $want)"
	fi
}

finish() {
	if [ "$T_FAILS" -ne 0 ]; then
		log "$T_NAME: $T_FAILS failure(s); switch log:"
		tail -40 "$RUN/switch.log"
		exit 1
	fi
	log "$T_NAME: PASS"
	exit 0
}
