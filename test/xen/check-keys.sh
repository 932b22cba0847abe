#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# The real-Xen test's shell scripts name xenstore keys of the xenshm
# device directories as literals; each must be one of the names in
# lib/shmring/include/shmring_xs_keys.h, the one list the transport and
# xenshm-ctl use.  Runs without Xen (suite xen-keys).
#   test/xen/check-keys.sh SRCDIR
set -uo pipefail
src=${1:?usage: check-keys.sh SRCDIR}
hdr=$src/lib/shmring/include/shmring_xs_keys.h
known=$(sed -n 's/^#define SHMRING_XS_[A-Z_]*[[:space:]]*"\([a-z-]*\)".*/\1/p' "$hdr" | sort -u)
[ -n "$known" ] || { echo "check-keys: no key names in $hdr"; exit 1; }
bad=0
for f in "$src"/test/xen/guest/*.sh; do
	# .../device/xenshm/<devid>/<key> and .../backend/xenshm/<g>/<devid>/<key>
	for k in $(grep -oE '(device/xenshm/[^/ "]+|backend/xenshm/[^/ "]+/[^/ "]+)/[a-z][a-z-]*' "$f" |
		   sed 's|.*/||' | sort -u); do
		if ! grep -qx -- "$k" <<< "$known"; then
			echo "check-keys: $f uses key '$k', not in $hdr"
			bad=1
		fi
	done
done
[ $bad = 0 ] && echo "check-keys: the test scripts use only keys of shmring_xs_keys.h"
exit $bad
