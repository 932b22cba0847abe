# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# Shared by the attack tests that run doms-switch (sourced after
# test/switch/lib.sh): telemetry through tel.py (one session per question).

XA=${XA_BIN:?set by meson}
ERR_H=${XA_ERR_H:-}
XA_DIR=$(dirname "${BASH_SOURCE[0]}")

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
