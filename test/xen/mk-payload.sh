#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# Build the part of the real-Xen test bed that carries our code: a small
# ext4 disk (Dom0 mounts it at /xenshm) holding Dom0's test driver, the
# domain configurations, xenshm-ctl, the domU kernel and the domU
# initramfs (busybox, the Xen modules, our programs and PMDs, DPDK's
# testpmd and every shared library they need, taken from the base's
# Debian root file system).  Cached by a hash of all of that.
#
#   test/xen/mk-payload.sh BUILDDIR BASEDIR   prints the payload image path
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: mk-payload.sh BUILDDIR BASEDIR}" && pwd)
base=${2:?usage: mk-payload.sh BUILDDIR BASEDIR}
cache=${XENSHM_XEN_CACHE:-/var/cache/xenshm/xen-images}
rootfs=$base/rootfs
kver=$(cat "$base/kver")

log() { echo "mk-payload: $*" >&2; }
die() { echo "mk-payload: ERROR: $*" >&2; exit 1; }

# Our artefacts.  The transport checker and the control tool are needed;
# the PMDs and the packet checker join when the build has them.
need() {
	[ -x "$1" ] || [ -f "$1" ] || die "$1 missing: build first (ninja -C $build)"
	echo "$1"
}
xchk=$(need "$build/test/xen/xenshm-xen-check")
ctl=$(need "$build/tools/xenshm-ctl/xenshm-ctl")
pmd_guest=$(find "$build/guest-pmd" -maxdepth 2 -name 'librte_net_xenshm_guest.so' 2>/dev/null | head -n1 || true)
pmd_doms=$(find "$build/drivers/net/xenshm" -maxdepth 2 -name 'librte_net_xenshm.so' 2>/dev/null | head -n1 || true)
pktcheck=$(find "$build/test/pktcheck" -maxdepth 2 -type f -name 'xenshm-pktcheck' 2>/dev/null | head -n1 || true)
switch=$(find "$build/app/doms-switch" -maxdepth 2 -type f -perm -u+x -name 'doms-switch' 2>/dev/null | head -n1 || true)

inputs=("$0" "$here"/guest/* "$xchk" "$ctl" "$base/key.txt")
for f in "$pmd_guest" "$pmd_doms" "$pktcheck" "$switch"; do
	[ -n "$f" ] && inputs+=("$f")
done
key=$( { for f in "${inputs[@]}"; do echo "$f"; sha256sum < "$f"; done; } |
	sha256sum | cut -c1-16)
img=$cache/payload-$key.img
if [ -f "$img" ]; then
	log "cached payload $img"
	echo "$img"
	exit 0
fi
mkdir -p "$cache"
w=$(mktemp -d "$cache/payload-work.XXXXXX")
stage=$rootfs/tmp/xenshm-stage.$$
cleanup() { rm -rf "$w" "$stage"; }
trap cleanup EXIT

# ---- domU initramfs ---------------------------------------------------
D=$w/initrd
mkdir -p "$D"/{bin,sbin,proc,sys,dev,run,tmp,mods,etc,usr/bin,usr/local/bin,usr/lib,usr/lib64}
ln -s usr/lib "$D/lib"
ln -s usr/lib64 "$D/lib64"
cp /bin/busybox "$D/bin/"
install -m755 "$here/guest/domu-init.sh" "$D/init"

# Xen user-space drivers, with their dependencies, in load order.
: > "$D/mods/order"
for f in $(for m in xen-evtchn xen-gntdev xen-gntalloc xenfs; do
		modprobe -d "$rootfs" -S "$kver" --show-depends "$m" |
			awk '/^insmod/{print $2}'
	   done | awk '!seen[$0]++'); do
	cp "$rootfs/${f#$rootfs}" "$D/mods/" 2>/dev/null || cp "$f" "$D/mods/"
	basename "$f" >> "$D/mods/order"
done

# Programs and plugins, staged inside the rootfs so ldd resolves there.
mkdir -p "$stage"
bins=(/usr/bin/dpdk-testpmd /usr/bin/xenstore)
install -m755 "$xchk" "$D/usr/local/bin/xenshm-xen-check"
cp "$xchk" "$stage/"
if [ -n "$pktcheck" ]; then
	install -m755 "$pktcheck" "$D/usr/local/bin/xenshm-pktcheck"
	cp "$pktcheck" "$stage/"
fi
if [ -n "$switch" ]; then
	install -m755 "$switch" "$D/usr/local/bin/xenshm-doms-switch"
	cp "$switch" "$stage/"
fi
install -d -m755 "$D/opt/xenshm/pmds"
for p in "$pmd_guest" "$pmd_doms"; do
	[ -n "$p" ] || continue
	install -m644 "$p" "$D/opt/xenshm/pmds/"
	cp "$p" "$stage/"
done
cp "$rootfs/usr/bin/dpdk-testpmd" "$D/usr/bin/"
cp -a "$rootfs/usr/bin/xenstore" "$D/usr/bin/"
for t in read write rm list exists ls watch chmod; do
	ln -sf xenstore "$D/usr/bin/xenstore-$t"
done
# EAL loads every plugin in its default directory: only the needed ones.
PMDDIR=usr/lib/x86_64-linux-gnu/dpdk/pmds-23.0
DEPDIR=usr/lib/xenshm-deps	# domu-init.sh puts it in LD_LIBRARY_PATH
mkdir -p "$D/$PMDDIR" "$D/$DEPDIR"
for p in librte_mempool_ring librte_bus_vdev librte_net_null librte_net_ring; do
	cp -a "$rootfs/$PMDDIR/$p".so* "$D/$PMDDIR/" 2>/dev/null || true
done
{
	for b in "${bins[@]}" $(cd "$D" && ls $PMDDIR/*.so.* 2>/dev/null); do
		chroot "$rootfs" ldd "/${b#/}"
	done
	for b in "$stage"/*; do
		chroot "$rootfs" ldd "/tmp/$(basename "$stage")/$(basename "$b")"
	done
} > "$w/ldd.txt"
if grep -q 'not found' "$w/ldd.txt"; then
	grep 'not found' "$w/ldd.txt" >&2
	die "a program or PMD needs a library the Debian image lacks"
fi
{
	cat "$w/ldd.txt"
	# dlopen()ed by pthread_cancel when testpmd exits
	echo " /lib/x86_64-linux-gnu/libgcc_s.so.1"
} | awk '/=>/ && $3 ~ /^\// {print $3} $1 ~ /^\/lib/ {print $1}' |
	sort -u | while read -r lib; do
		real=$(chroot "$rootfs" readlink -f "$lib")
		case $real in
		/$PMDDIR/*)
			# Linked by testpmd, but EAL must not load it as a
			# plugin: keep it out of the plugin directory (the
			# programs find it through LD_LIBRARY_PATH).
			base_n=$(basename "$real")
			if [ ! -e "$D/$PMDDIR/$base_n" ]; then
				install -D -m755 "$rootfs$real" "$D/$DEPDIR/$base_n"
				ln -sf "$base_n" "$D/$DEPDIR/$(basename "$lib")"
				continue
			fi ;;
		esac
		install -D -m755 "$rootfs$real" "$D$real"
		[ -e "$D$lib" ] || { mkdir -p "$D$(dirname "$lib")"; ln -s "$real" "$D$lib"; }
	done
(cd "$D" && find . | cpio -o -H newc --quiet | gzip -1) > "$w/domu-initrd.gz"
log "domU initramfs $(du -h "$w/domu-initrd.gz" | cut -f1)" \
    "(pmds: ${pmd_guest:+guest }${pmd_doms:+doms }${pktcheck:+pktcheck }${switch:+switch})"

# ---- the payload disk ---------------------------------------------------
P=$w/payload
mkdir -p "$P/results" "$P/bin"
cp "$base/vmlinuz" "$P/vmlinuz"
mv "$w/domu-initrd.gz" "$P/domu-initrd.gz"
install -m755 "$ctl" "$P/bin/xenshm-ctl"
install -m755 "$here/guest/dom0-init.sh" "$P/dom0-init.sh"
install -m755 "$here/guest/scenario.sh" "$P/scenario.sh"
cp "$here"/guest/*.cfg.in "$P/" 2>/dev/null || true
{
	echo "pmd_guest=${pmd_guest:+1}"
	echo "pmd_doms=${pmd_doms:+1}"
	echo "pktcheck=${pktcheck:+1}"
	echo "switch=${switch:+1}"
} > "$P/have.env"
sz=$(( $(du -sm "$P" | cut -f1) + 64 ))
mkfs.ext4 -q -F -L xenshm -d "$P" "$w/payload.img" "${sz}M" >/dev/null
mv "$w/payload.img" "$img"
log "payload $img (${sz} MiB)"
# Keep the four newest payloads.
ls -t "$cache"/payload-*.img 2>/dev/null | tail -n +5 | xargs -r rm -f
echo "$img"
