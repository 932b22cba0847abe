#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# Build the part of the real-Xen test bed that does not depend on our code:
# Debian's Xen 4.17 hypervisor and 6.1 kernel (extracted with dpkg-deb, never
# installed on the host), a debootstrap'ed Dom0 root file system holding the
# Xen toolstack and the DPDK runtime, its ext4 image and the tiny initramfs
# that mounts it.  Everything comes from the Debian archive this machine's
# apt already uses.  The result is cached: the key hashes this script, the
# mirror and the candidate versions of the packages that go in, so a second
# run finds it and a package update rebuilds it.
#
#   test/xen/mk-base.sh            prints the directory of the built base
#   XENSHM_XEN_CACHE=/some/dir     cache root (default /var/cache/xenshm/xen-images)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${XENSHM_XEN_CACHE:-/var/cache/xenshm/xen-images}

log() { echo "mk-base: $*" >&2; }
die() { echo "mk-base: ERROR: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot)"
for t in debootstrap dpkg-deb apt-get mkfs.ext4 cpio gzip busybox modprobe depmod; do
	command -v "$t" >/dev/null ||
		die "$t missing; run: XENSHM_DEPS_XEN=1 scripts/deps.sh"
done
[ -x /bin/busybox ] || die "/bin/busybox missing (busybox-static)"

# The Debian archive apt already uses (first non-security URI).
apt_mirror() {
	{ { cat /etc/apt/sources.list.d/*.sources 2>/dev/null || true; } |
		awk '/^URIs:/{print $2}'
	  { cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		2>/dev/null || true; } | awk '$1=="deb"{print $2}'
	} | grep -v security | head -n1 || true
}
mirror=${XENSHM_MIRROR:-$(apt_mirror)}
[ -n "$mirror" ] || die "no Debian mirror found in the apt sources"

candidate() {
	apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/{print $2; exit}'
}
kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
	awk '/Depends: linux-image-/{print $2; exit}')
[ -n "$kpkg" ] || die "cannot resolve linux-image-amd64 (apt-get update?)"
kver=${kpkg#linux-image-}
xenpkg=xen-hypervisor-4.17-amd64
key_in="$(cat "$0" "$here/guest/dom0-stage1.sh" | sha256sum | cut -d' ' -f1) $mirror $kpkg=$(candidate "$kpkg")
$xenpkg=$(candidate $xenpkg) xen-utils-4.17=$(candidate xen-utils-4.17)
dpdk-dev=$(candidate dpdk-dev) $(dpkg --print-architecture)"
key=$(echo "$key_in" | sha256sum | cut -c1-16)
out=$cache/base-$key

if [ -f "$out/.done" ]; then
	log "cached base $out"
	echo "$out"
	exit 0
fi
mkdir -p "$cache"
# One builder at a time; a second one waits and then finds the result.
exec 9> "$cache/.base.lock"
flock 9
if [ -f "$out/.done" ]; then
	echo "$out"
	exit 0
fi

t0=$(date +%s)
step() { log "$(( $(date +%s) - t0 ))s $*"; }
w=$out.tmp
cleanup() {
	mountpoint -q "$w/rootfs/proc" 2>/dev/null && umount "$w/rootfs/proc"
	return 0
}
trap cleanup EXIT
rm -rf "$w"
mkdir -p "$w"/{debs,extract}
echo "$key_in" > "$w/key.txt"
log "building base $out (kernel $kver, from $mirror)"

# 1. Hypervisor and kernel, extracted only.
# (_apt cannot write here: download as root, without the warning.)
(cd "$w/debs" && apt-get download -q -o APT::Sandbox::User=root \
	"$kpkg" "$xenpkg" dpdk-dev > "$w/download.log" 2>&1) ||
	{ cat "$w/download.log" >&2; die "apt-get download $kpkg $xenpkg dpdk-dev failed"; }
dpkg-deb -x "$w"/debs/${kpkg}_*.deb "$w/extract"
dpkg-deb -x "$w"/debs/${xenpkg}_*.deb "$w/extract"
depmod -b "$w/extract" "$kver"
# QEMU's multiboot loader wants the plain ELF, not the gzip.
gunzip -c "$w"/extract/boot/xen-4.17-amd64.gz > "$w/xen.elf"
cp "$w/extract/boot/vmlinuz-$kver" "$w/vmlinuz"
echo "$kver" > "$w/kver"
step "kernel $kver and Xen 4.17 extracted"

# 2. Dom0 root file system: the toolstack and the DPDK runtime (the domU
#    initramfs is later assembled from this tree too).
debootstrap --variant=minbase \
	--include=xen-utils-4.17,xenstore-utils,kmod,iproute2,busybox,procps \
	bookworm "$w/rootfs" "$mirror" > "$w/debootstrap.log" 2>&1 ||
	{ tail -20 "$w/debootstrap.log" >&2; die "debootstrap failed"; }
step "debootstrap"
# dpdk-testpmd ships in dpdk-dev, which pulls every -dev package: install
# only its runtime dependencies and take the binary out of the .deb.
deps=$(apt-cache depends dpdk-dev |
	awk '$1=="Depends:" && $2 !~ /^</ {print $2}' |
	grep -v -e '^libdpdk-dev$' -e '^python3$')
cp /etc/resolv.conf "$w/rootfs/etc/resolv.conf"
mount -t proc proc "$w/rootfs/proc"
chroot "$w/rootfs" apt-get -qq update > "$w/apt.log" 2>&1
DEBIAN_FRONTEND=noninteractive chroot "$w/rootfs" apt-get install -y -qq \
	--no-install-recommends $deps >> "$w/apt.log" 2>&1 ||
	{ tail -20 "$w/apt.log" >&2; die "DPDK runtime install"; }
chroot "$w/rootfs" apt-get clean
umount "$w/rootfs/proc"
dpkg-deb --fsys-tarfile "$w"/debs/dpdk-dev_*.deb |
	tar -x -C "$w/rootfs" ./usr/bin/dpdk-testpmd
step "DPDK runtime and dpdk-testpmd"

# Kernel modules: the whole tree of the Xen and storage drivers both kinds
# of domain need (the domU initramfs takes its subset at payload time).
mods_deps() {
	local m
	for m in "$@"; do
		modprobe -d "$w/extract" -S "$kver" --show-depends "$m" \
			2>/dev/null | awk '/^insmod/{print $2}' |
			sed "s|.*/lib/modules/$kver/||"
	done | awk '!seen[$0]++'
}
m=$w/rootfs/lib/modules/$kver
rm -rf "$m" && mkdir -p "$m"
for f in $(mods_deps xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs \
		xen-blkback xen-netback loop virtio_blk virtio_pci ext4); do
	install -D -m644 "$w/extract/lib/modules/$kver/$f" "$m/$f"
done
cp "$w"/extract/lib/modules/$kver/modules.{order,builtin,builtin.modinfo} "$m/"
depmod -b "$w/rootfs" "$kver"
rm -rf "$w"/rootfs/usr/share/{doc,man,locale,info}/* \
	"$w"/rootfs/var/cache/apt/*.bin
echo xen-dom0 > "$w/rootfs/etc/hostname"
mkdir -p "$w/rootfs/xenshm"

# 3. Dom0's first stage: virtio-blk + ext4, then the real root.
b=$w/dom0-initrd
mkdir -p "$b"/{bin,proc,sys,dev,newroot,mods}
cp /bin/busybox "$b/bin/"
: > "$b/mods/order"
for f in $(mods_deps virtio_pci virtio_blk ext4); do
	cp "$w/extract/lib/modules/$kver/$f" "$b/mods/"
	basename "$f" >> "$b/mods/order"
done
install -m755 "$here/guest/dom0-stage1.sh" "$b/init"
(cd "$b" && find . | cpio -o -H newc --quiet | gzip -1) > "$w/dom0-initrd.gz"
rm -rf "$b"

# 4. The Dom0 disk (no loop mount needed).
sz=$(( $(du -sm "$w/rootfs" | cut -f1) * 13 / 10 + 200 ))
mkfs.ext4 -q -F -L xendom0 -d "$w/rootfs" "$w/dom0.img" "${sz}M" >/dev/null
rm -rf "$w/debs" "$w/extract"
step "dom0.img ${sz} MiB"

touch "$w/.done"
rm -rf "$out"
mv "$w" "$out"
trap - EXIT
# Bases built from older inputs are of no use any more (1 GiB each).
for old in "$cache"/base-*; do
	[ "$old" = "$out" ] || rm -rf "$old"
done
echo "$out"
