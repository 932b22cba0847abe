# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# Shared by the attack tests that run doms-switch (sourced after
# test/switch/lib.sh): a start that waits longer on a loaded machine, and
# telemetry through tel.py (one session per question).

XA=${XA_BIN:?set by meson}
ERR_H=${XA_ERR_H:-}
XA_DIR=$(dirname "${BASH_SOURCE[0]}")

sw_ready() {
	kill -0 "$SW_PID" 2>/dev/null || die "doms-switch exited"
	python3 "$XA_DIR/tel.py" "$PFX-sw" >/dev/null 2>&1
}
# (replaces test/switch/lib.sh's: EAL start-up alone can take 20 s here)
start_switch() {
	local conf=$1
	shift
	# shellcheck disable=SC2086
	"$DS_BIN" -c "$conf" --pmd "$D_PMD" "$@" -- $SW_EAL \
		--file-prefix "$PFX-sw" >>"$RUN/switch.log" 2>&1 &
	SW_PID=$!
	PIDS+=("$SW_PID")
	wait_for 90 "switch telemetry" sw_ready || {
		cat "$RUN/switch.log"
		die "doms-switch did not come up"
	}
}

# snap PORT...: one telemetry session into T[] (see tel.py)
declare -A T
snap() {
	local k v
	T=()
	while IFS='=' read -r k v; do
		T[$k]=$v
	done < <(python3 "$XA_DIR/tel.py" "$PFX-sw" "$@" 2>"$RUN/tel.err")
	[ -n "${T[ports]+x}" ] || {
		log "telemetry: $(tail -1 "$RUN/tel.err")"
		return 1
	}
}
t() { echo "${T[$1]:-?}"; }
