#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# Take the commands the fresh-machine test runs out of the documentation,
# so that what the docs tell an operator is what the test executes.  A
# block is marked with an HTML comment on the line before its fence:
#
#   <!-- vm-test: NAME -->
#   ```sh
#   commands...
#   ```
#
# Each marked block becomes OUTDIR/NAME.sh, verbatim.  A marker not
# followed by a ```sh fence, an unterminated block, or a NAME used twice
# is an error: a doc edit must not silently drop a step from the test.
#
#   test/vm/extract-docs.sh OUTDIR FILE.md...
set -euo pipefail
outdir=${1:?usage: extract-docs.sh OUTDIR FILE.md...}
shift
mkdir -p "$outdir"
for md in "$@"; do
	awk -v out="$outdir" -v md="$md" '
	function fail(msg) { printf "extract-docs: %s:%d: %s\n", md, FNR, msg > "/dev/stderr"; bad = 1; exit 1 }
	/^<!-- vm-test: [A-Za-z0-9_-]+ -->$/ {
		if (name != "") fail("marker inside block " name)
		name = $3; want = 1; next
	}
	want && /^```sh$/ {
		file = out "/" name ".sh"
		if ((getline dummy < file) >= 0) fail("block " name " appears twice")
		print "# from " md " (vm-test: " name ")" > file
		want = 0; inblock = 1; next
	}
	want { fail("vm-test: " name " is not followed by a ```sh block") }
	inblock && /^```$/ { close(file); inblock = 0; name = ""; next }
	inblock { print > file }
	END {
		if (bad) exit 1
		if (want || inblock) { printf "extract-docs: %s: block %s not closed\n", md, name > "/dev/stderr"; exit 1 }
	}' "$md"
done
ls "$outdir"
