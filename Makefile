# SPDX-License-Identifier: BSD-3-Clause
# The user's entry points.  Each target runs what it depends on, so on a
# fresh Debian 12 machine (as root) "make demo" or "make test" alone does
# the whole set-up.  The real work is in meson and scripts/.

BUILD      ?= build
BUILD_SAN  ?= build-san
BUILD_FUZZ ?= build-fuzz
BUILD_SOAK ?= build-soak
BUILD_SOAK_SAN ?= build-soak-san
BUILD_DEB  ?= build-deb
BUILD_DPDK24 ?= build-dpdk24
PREFIX     ?= /usr/local
MESON_OPTS ?=

.PHONY: all deps test-deps build build-san build-fuzz fuzz test test-xen demo bench \
	install clean soak soak-san prove dts deb deb-smoke test-multihost test-dpdk24 test-vm

all: build

deps:
	scripts/deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) --prefix=$(PREFIX) $(MESON_OPTS)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

# The protocol library and its tests again, with ASan and UBSan.
$(BUILD_SAN)/build.ninja:
	meson setup $(BUILD_SAN) -Dbuildtype=debug -Db_sanitize=address,undefined \
		-Db_lundef=false -Ddpdk=disabled $(MESON_OPTS)

build-san: deps $(BUILD_SAN)/build.ninja
	ninja -C $(BUILD_SAN)

# libFuzzer targets (test/fuzz), clang only; make test runs suite 'fuzz'.
$(BUILD_FUZZ)/build.ninja:
	CC=clang meson setup $(BUILD_FUZZ) -Dbuildtype=debugoptimized \
		-Dfuzz=enabled -Ddpdk=disabled -Dxen=disabled -Db_lundef=false \
		$(MESON_OPTS)

build-fuzz: deps $(BUILD_FUZZ)/build.ninja
	ninja -C $(BUILD_FUZZ)

# The long run: 10^7 executions per target, one after the other.
fuzz: build-fuzz
	test/fuzz/run-fuzz.sh --long $(BUILD_FUZZ) $${FUZZ_RUNS:-10000000}

# The real-Xen test (suite 'xen') needs QEMU and debootstrap as well, and
# the proof (suite 'proof') Frama-C and its provers.  Installed before the
# builds: meson registers those suites only where it finds their tools.
test-deps:
	XENSHM_DEPS_XEN=1 XENSHM_DEPS_PROVE=1 scripts/deps.sh

test: test-deps build build-san build-fuzz
	scripts/run-tests.sh $(BUILD) $(BUILD_SAN) $(BUILD_FUZZ):fuzz

test-xen: build
	XENSHM_DEPS_XEN=1 scripts/deps.sh
	test/xen/run-xen-test.sh $(BUILD)

# The fresh-machine test (test/vm/): a plain Debian 12 VM under QEMU (TCG)
# gets the packages ("make deb") and runs the README's and docs/ovs-dpdk.md's
# marked command blocks as they are; 4 to 10 minutes under TCG, not part of
# "make test" or CI.
test-vm: build deb
	XENSHM_DEPS_VM=1 scripts/deps.sh
	test/vm/run-vm-test.sh $(BUILD) $(BUILD_DEB)

demo: build
	scripts/demo.sh $(BUILD)

# Soak, not part of "make test" (test/soak/soak.sh: SOAK_SECONDS=600 and
# other knobs): traffic through doms-switch SIGKILLed every 5 s, guests
# coming and going, fd/RSS checked.  soak-san: doms-switch, both PMDs and
# xenshm-pktcheck built with ASan/UBSan.  Own build dirs: a soak keeps
# restarting the switch binary for 10 minutes.
$(BUILD_SOAK)/build.ninja:
	meson setup $(BUILD_SOAK) $(MESON_OPTS)

$(BUILD_SOAK_SAN)/build.ninja:
	meson setup $(BUILD_SOAK_SAN) -Dbuildtype=debugoptimized \
		-Db_sanitize=address,undefined -Db_lundef=false $(MESON_OPTS)

soak: deps $(BUILD_SOAK)/build.ninja
	ninja -C $(BUILD_SOAK)
	test/soak/soak.sh $(BUILD_SOAK)

soak-san: deps $(BUILD_SOAK_SAN)/build.ninja
	ninja -C $(BUILD_SOAK_SAN)
	SOAK_SAN=1 test/soak/soak.sh $(BUILD_SOAK_SAN)

# Two simulated hosts (network namespaces), each with OVS-DPDK as DomS
# and two guests: tenants on VXLAN VNIs, then OVN logical switches
# (docs/multihost.md).  Not part of "make test" and not run by CI: it
# keeps both CPUs busy for 3 to 5 minutes.  The OVN part runs only where
# Debian's ovn-central and ovn-host are installed (deps.sh does not
# install them: on a machine with systemd they start their services).
test-multihost: build
	XENSHM_DEPS_MULTIHOST=1 scripts/deps.sh
	@r=PASS; test/multihost/multihost.sh $(BUILD) || r=FAIL; \
	test/multihost/ovn.sh $(BUILD); rc=$$?; \
	if [ $$rc = 77 ]; then o="OVN part skipped (see above)"; \
	elif [ $$rc != 0 ]; then r=FAIL o="OVN part failed"; else o="OVN part passed"; fi; \
	echo "test-multihost: $$r ($$o)"; [ $$r = PASS ]

# DPDK 24.11 (Debian 13), not part of "make test" and not run by CI: a
# trixie chroot made once under /var/cache/xenshm (test/dpdk24/) builds
# this tree with -Dwerror=true into $(BUILD_DPDK24) and runs the suites
# pktcheck, pmd and switch there (XENSHM_DPDK24_SUITES picks others).
test-dpdk24:
	test/dpdk24/run.sh $(BUILD_DPDK24)

bench: build
	XENSHM_DEPS_BENCH=1 scripts/deps.sh
	bench/run.sh $(BUILD)

# Machine-checked proof (Frama-C) that the region-header check and the
# ring consumer never access memory outside the region: test/proof/.
prove:
	XENSHM_DEPS_PROVE=1 scripts/deps.sh
	test/proof/run.sh $(BUILD)/proof

# DPDK's own test framework (DTS 24.11) with dts-configs/TestSuite_xenshm.py:
# SUT and TG on this machine over SSH; needs four PCI ports, Python modules
# of Debian 13 and the SUT's DPDK 24.11 (dts-configs/README.md).  Not part
# of "make test"; prints the DTS summary and PASS, FAIL or NOT RUN.
dts: build
	dts-configs/run-dts.sh $(BUILD)

install: build
	meson install -C $(BUILD)

# Debian packages (debian/): the tree, with the DPDK driver SDK headers
# "make deps" fetched into .deps/, is copied to $(BUILD_DEB)/src and built
# there with dpkg-buildpackage, so the .debs land in $(BUILD_DEB)/ and the
# work tree stays clean.  lintian (if installed) must find no error or
# warning; "apt install ./$(BUILD_DEB)/*.deb" installs all six packages.
deb:
	XENSHM_DEPS_DEB=1 scripts/deps.sh
	rm -rf $(BUILD_DEB) && mkdir -p $(BUILD_DEB)/src
	tar --exclude-vcs --exclude='./build*' --exclude='./$(BUILD_DEB)' \
		-cf - . | tar -C $(BUILD_DEB)/src -xf -
	cd $(BUILD_DEB)/src && dpkg-buildpackage -us -uc -b
	if command -v lintian >/dev/null; then \
		lintian --fail-on error,warning --info $(BUILD_DEB)/*.changes; fi
	mkdir -p $(BUILD_DEB)/dbgsym && mv $(BUILD_DEB)/*-dbgsym_*.deb $(BUILD_DEB)/dbgsym/
	@echo "deb: packages in $(BUILD_DEB)/ (debug symbols in $(BUILD_DEB)/dbgsym/):" && \
		ls -1 $(BUILD_DEB)/*.deb

# Installs the packages on this machine, runs testpmd with both PMDs from
# DPDK's plugin directory, purges them (test/install/deb-smoke.sh).  It
# changes the machine: not part of "make test" or CI.
deb-smoke:
	test/install/deb-smoke.sh $(BUILD_DEB)

clean:
	rm -rf $(BUILD) $(BUILD_SAN) $(BUILD_FUZZ) $(BUILD_SOAK) $(BUILD_SOAK_SAN) \
		$(BUILD_DEB) $(BUILD_DPDK24)
