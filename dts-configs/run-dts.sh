#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# make dts: run TestSuite_xenshm.py under DPDK's own test framework (DTS,
# DPDK 24.11) on this machine as SUT and TG node, over SSH to localhost.
#   1. DTS from DPDK 24.11's source (get-dts.sh, cached)
#   2. installs what Debian has of DTS's needs (sshd, sudo, Python modules),
#      then checks every precondition and lists all that fail at once:
#      Python modules of DTS's pyproject.toml, the four PCI ports, the SUT's
#      DPDK 24.11 build, PMDs built for that DPDK
#   3. stages the PMDs and xenshm-peer.sh under /opt/xenshm-dts, starts a
#      private sshd on 127.0.0.1 (local-sshd.sh; stopped at exit)
#   4. writes conf.yaml from conf.yaml.in, puts the suite into dts/tests/,
#      runs DTS and prints its result summary
# Ends with "make dts: PASS", "make dts: FAIL" (exit 1) or
# "make dts: NOT RUN: <why>" (exit 2).  When DTS cannot run, it runs the
# suite's scenarios on tap ports without DTS (check-topology.sh) and says
# how that went; its failure makes the exit 1.  Knobs: dts-configs/README.md.
# Usage: run-dts.sh BUILD_DIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: run-dts.sh BUILD_DIR}
build=$(cd "$build" && pwd)
cache=${XENSHM_SRC_CACHE:-/var/cache/xenshm}
dts_home=$cache/dts
stage=/opt/xenshm-dts
ssh_port=${DTS_SSH_PORT:-2222}
sut_host=${DTS_SUT_HOST:-127.0.0.1:$ssh_port}
tg_host=${DTS_TG_HOST:-127.0.0.1:$ssh_port}
pmd_build=${XENSHM_DTS_BUILD:-$build}
# Debian's interpreter, which the python3-* packages below serve (a python3
# earlier in PATH, e.g. pyenv's, has modules of its own or none)
py=${DTS_PYTHON:-/usr/bin/python3}
guest_so=$pmd_build/guest-pmd/librte_net_xenshm_guest.so
doms_so=$pmd_build/drivers/net/xenshm/librte_net_xenshm.so
work=
sshd_pid=
blockers=()

not_run() {
	echo "make dts: NOT RUN: $*"
	exit 2
}

cleanup() {
	if [ -n "$sshd_pid" ]; then
		# not our child (local-sshd.sh started it): poll until it is gone
		kill "$sshd_pid" 2>/dev/null
		for _ in $(seq 1 50); do
			kill -0 "$sshd_pid" 2>/dev/null || break
			sleep 0.1
		done
	fi
	# the guest testpmd, should a failed suite have left it
	[ -x "$stage/xenshm-peer.sh" ] && XENSHM_DTS_PMDS=$stage/pmds "$stage/xenshm-peer.sh" stop >/dev/null 2>&1
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" = 0 ] || not_run "needs root (DTS logs in as root; DPDK; /opt staging)"

# --- 1. DTS --------------------------------------------------------------
if ! "$here/get-dts.sh" "$dts_home"; then
	blockers+=("DTS: no DPDK 24.11 source (set DTS_SRC=/path/to/dpdk-24.11 or its tarball)")
fi
dts=$dts_home/dts

# --- 2. dependencies and preconditions ------------------------------------
# What DTS needs on the nodes and the DTS host, as far as this Debian has it
# (python3-aenum and pydantic 2 are Debian 13's; the check below says so).
# On a stock Debian, installing openssh-server starts the system's sshd.
pkgs=(openssh-server openssh-client sudo pciutils binutils python3-yaml
      python3-fabric python3-paramiko python3-scapy python3-typing-extensions
      python3-aenum python3-pydantic)
missing=()
for p in "${pkgs[@]}"; do
	# (no "| grep -q": under pipefail its early exit fails the pipeline)
	[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] && continue
	case "$(apt-cache policy "$p" 2>/dev/null | sed -n 's/^ *Candidate: //p')" in
	[0-9]*) missing+=("$p") ;;
	esac
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "run-dts: installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null || blockers+=("apt-get install ${missing[*]} failed")
fi

# Python modules DTS declares (dts/pyproject.toml, [tool.poetry.dependencies]);
# without the file, what DPDK 24.11's DTS lists as far as known.
py_missing=$("$py" - "$dts/pyproject.toml" <<'PY'
import importlib, sys
names = ["PyYAML", "fabric", "scapy", "typing_extensions", "aenum", "pydantic"]
try:
    import tomllib
    with open(sys.argv[1], "rb") as f:
        names = list(tomllib.load(f)["tool"]["poetry"]["dependencies"])
except (OSError, ImportError, KeyError):
    pass
module = {"PyYAML": "yaml", "python": None}
missing = []
if sys.version_info < (3, 10):
    missing.append("python3>=3.10")
for name in names:
    mod = module.get(name, name.replace("-", "_").lower())
    if mod is None or name.startswith("types-") or name == "pydocstyle":
        continue  # the interpreter itself, type stubs, the docstring linter
    try:
        m = importlib.import_module(mod)
    except ImportError:
        missing.append(name)
        continue
    if name == "pydantic" and int(m.VERSION.split(".")[0]) < 2:
        missing.append(f"pydantic>=2 (have {m.VERSION})")
print(" ".join(missing))
PY
)
[ -z "$py_missing" ] || blockers+=("$py $("$py" -V 2>&1 | cut -d' ' -f2) lacks DTS's modules: $py_missing (Debian 13 has them: python3-yaml python3-fabric python3-scapy python3-typing-extensions python3-aenum python3-pydantic; Debian 12 has no pydantic 2 and no aenum)")

# Four PCI ports: SUT port 0/1 cabled to TG port 0/1.  DTS 24.11 knows
# only PCI ports (its PortConfig), so veth or tap devices cannot stand in.
for v in DTS_SUT_PCI0 DTS_SUT_PCI1 DTS_TG_PCI0 DTS_TG_PCI1; do
	if [ -z "${!v:-}" ]; then
		blockers+=("$v not set: DTS 24.11 needs two PCI ports on each node, cabled SUT<->TG ($(lspci -D 2>/dev/null | grep -ci ethernet) Ethernet PCI device(s) here: $(lspci -D 2>/dev/null | awk '/Ethernet/ {print $1}' | tr '\n' ' '))")
	elif [ ! -e "/sys/bus/pci/devices/${!v}" ]; then
		blockers+=("$v=${!v}: no such PCI device")
	fi
done

# The SUT's DPDK: a built 24.11 tree (DTS runs <tree>/<build>/app/dpdk-testpmd).
tree=${DTS_DPDK_TREE:-}
bdir=${DTS_DPDK_BUILD_DIR:-build}
testpmd=$tree/$bdir/app/dpdk-testpmd
if [ -z "$tree" ]; then
	blockers+=("DTS_DPDK_TREE not set: DTS needs the SUT's DPDK 24.11 tree built in DTS_DPDK_BUILD_DIR (default build)")
elif [ ! -x "$testpmd" ]; then
	blockers+=("$testpmd: not found or not executable")
else
	case "$(cat "$tree/VERSION" 2>/dev/null)" in
	24.11*) ;;
	*) blockers+=("$tree is DPDK $(cat "$tree/VERSION" 2>/dev/null), not 24.11") ;;
	esac
	# the PMDs bind to DPDK's internal driver API: same ethdev ABI as testpmd
	abi() { readelf -d "$1" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(librte_ethdev\.so\.[0-9.]*\)\].*/\1/p'; }
	want=$(abi "$testpmd")
	for so in "$guest_so" "$doms_so"; do
		if [ ! -f "$so" ]; then
			blockers+=("$so not built")
		elif [ -n "$want" ] && [ "$(abi "$so")" != "$want" ]; then
			blockers+=("$(basename "$so") links $(abi "$so"), the SUT's testpmd $want: build the PMDs against the SUT's DPDK (XENSHM_DTS_BUILD=<that build dir>)")
		fi
	done
fi

if [ ${#blockers[@]} -gt 0 ]; then
	echo "run-dts: cannot run DTS here:"
	printf '  - %s\n' "${blockers[@]}"
	# what can run: the suite's topology and scenarios on tap ports, with
	# this machine's testpmd and the PMDs of BUILD_DIR, without DTS
	echo "run-dts: the suite's scenarios without DTS, on tap ports (check-topology.sh):"
	if "$here/check-topology.sh" "$build"; then
		not_run "${#blockers[@]} precondition(s) missing (listed above; dts-configs/README.md); without DTS, on tap ports: PASS"
	fi
	echo "make dts: NOT RUN: ${#blockers[@]} precondition(s) missing; without DTS, on tap ports: FAIL"
	exit 1
fi

# --- 3. staging and sshd -------------------------------------------------
work=$(mktemp -d /tmp/xenshm-dts.XXXXXX) || exit 1
chmod 700 "$work"
install -d -m 0755 "$stage" "$stage/pmds"
install -m 0644 "$guest_so" "$doms_so" "$stage/pmds/"
install -m 0755 "$here/xenshm-peer.sh" "$stage/"

# DTS logs in with the keys in ~/.ssh of whoever runs it: it gets a HOME of
# its own (local-sshd.sh makes the key there) rather than root's.
if [ "$sut_host" = "127.0.0.1:$ssh_port" ] || [ "$tg_host" = "127.0.0.1:$ssh_port" ]; then
	sshd_pid=$("$here/local-sshd.sh" "$work" "$ssh_port") || not_run "no private sshd (above)"
else
	mkdir -p "$work/home/.ssh"
	chmod 700 "$work/home" "$work/home/.ssh"
	ssh-keygen -q -t ed25519 -N '' -f "$work/home/.ssh/id_ed25519"
	echo "run-dts: nodes $sut_host and $tg_host: add $work/home/.ssh/id_ed25519.pub to their root's authorized_keys"
fi

# --- 4. DTS --------------------------------------------------------------
sed -e "s|@DPDK_TREE@|$tree|" -e "s|@DPDK_BUILD_DIR@|$bdir|" \
	-e "s|@SUT_HOST@|$sut_host|" -e "s|@TG_HOST@|$tg_host|" \
	-e "s|@SUT_LCORES@|${DTS_SUT_LCORES:-0-1}|" \
	-e "s|@SUT_HUGEPAGES@|${DTS_SUT_HUGEPAGES:-256}|" \
	-e "s|@SUT_PCI0@|$DTS_SUT_PCI0|" -e "s|@SUT_PCI1@|$DTS_SUT_PCI1|" \
	-e "s|@TG_PCI0@|$DTS_TG_PCI0|" -e "s|@TG_PCI1@|$DTS_TG_PCI1|" \
	-e "s|@SUT_DPDK_DRIVER@|${DTS_SUT_DPDK_DRIVER:-vfio-pci}|" \
	-e "s|@SUT_OS_DRIVER@|${DTS_SUT_OS_DRIVER:-virtio-pci}|" \
	-e "s|@TG_OS_DRIVER@|${DTS_TG_OS_DRIVER:-virtio-pci}|" \
	"$here/conf.yaml.in" > "$work/conf.yaml"
# DTS finds suites only in its own tests/ package (tests.TestSuite_<name>)
install -m 0644 "$here/tests/TestSuite_xenshm.py" "$dts/tests/"

echo "run-dts: DTS $(cat "$dts_home/VERSION"), config $work/conf.yaml, output $work/output"
(cd "$dts" && HOME=$work/home DTS_CFG_FILE=$work/conf.yaml DTS_OUTPUT_DIR=$work/output \
	XENSHM_DTS_PMDS=$stage/pmds XENSHM_DTS_PEER=$stage/xenshm-peer.sh \
	XENSHM_DTS_SOCKET=/run/xenshm-dts/vm1.sock XENSHM_DTS_TESTPMD=$testpmd \
	nice -n 10 "$py" main.py)
rc=$?
echo "run-dts: DTS exited $rc; summary:"
if [ -f "$work/output/results_summary.txt" ]; then
	cat "$work/output/results_summary.txt"
else
	tail -n 30 "$work/output/dts.log" 2>/dev/null
fi
if [ $rc -eq 0 ]; then
	echo "make dts: PASS"
else
	echo "make dts: FAIL (logs in $work/output)"
	exit 1
fi
