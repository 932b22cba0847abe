#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# Build the plain Debian 12 machine the fresh-machine test boots: a
# debootstrap of bookworm (default variant: what a minimal install has)
# with systemd, the stock kernel, openssh-server and nothing of ours, as a
# raw ext4 disk image plus the kernel and initramfs to boot it directly.
# Everything comes from the Debian archive this machine's apt already
# uses.  Cached: the key hashes this script, the mirror and the candidate
# versions of the kernel and systemd, so a second run finds the image and a
# package update rebuilds it.  Every test run boots a copy-on-write overlay,
# so the cached image stays fresh.
#
#   test/vm/mk-image.sh          prints the directory of the built image
#   XENSHM_VM_CACHE=/some/dir    cache root (default /var/cache/xenshm/vm-images)
set -euo pipefail
cache=${XENSHM_VM_CACHE:-/var/cache/xenshm/vm-images}

log() { echo "mk-image: $*" >&2; }
die() { echo "mk-image: ERROR: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot)"
for t in debootstrap apt-cache mkfs.ext4 ssh-keygen; do
	command -v "$t" >/dev/null ||
		die "$t missing; run: XENSHM_DEPS_VM=1 scripts/deps.sh"
done

# The Debian archive apt already uses (first non-security URI).
apt_mirror() {
	{ { cat /etc/apt/sources.list.d/*.sources 2>/dev/null || true; } |
		awk '/^URIs:/{print $2}'
	  { cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		2>/dev/null || true; } | awk '$1=="deb"{print $2}'
	} | grep -v security | grep debian | head -n1 || true
}
mirror=${XENSHM_MIRROR:-$(apt_mirror)}
[ -n "$mirror" ] || die "no Debian mirror found in the apt sources"
security=${mirror%/debian}/debian-security

candidate() {
	apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/{print $2; exit}'
}
kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
	awk '/Depends: linux-image-/{print $2; exit}')
[ -n "$kpkg" ] || die "cannot resolve linux-image-amd64 (apt-get update?)"
key_in="$(sha256sum < "$0" | cut -d' ' -f1) $mirror $kpkg=$(candidate "$kpkg")
systemd=$(candidate systemd) openssh-server=$(candidate openssh-server)"
key=$(echo "$key_in" | sha256sum | cut -c1-16)
out=$cache/debian12-$key

if [ -f "$out/.done" ]; then
	log "cached image $out"
	echo "$out"
	exit 0
fi
mkdir -p "$cache"
# One builder at a time; a second one waits and then finds the result.
exec 9> "$cache/.image.lock"
flock 9
if [ -f "$out/.done" ]; then
	echo "$out"
	exit 0
fi

t0=$(date +%s)
step() { log "$(( $(date +%s) - t0 ))s $*"; }
w=$out.tmp
r=$w/rootfs
cleanup() {
	for m in proc sys dev; do
		mountpoint -q "$r/$m" 2>/dev/null && umount -l "$r/$m"
	done
	return 0
}
trap cleanup EXIT
rm -rf "$w"
mkdir -p "$w"
echo "$key_in" > "$w/key.txt"
log "building $out ($kpkg, from $mirror)"

# 1. A plain bookworm: the default variant (required + important), as the
#    installer's minimal system has it, plus the kernel and sshd.
debootstrap --include=systemd-sysv,linux-image-amd64,openssh-server,ca-certificates \
	bookworm "$r" "$mirror" > "$w/debootstrap.log" 2>&1 ||
	{ tail -20 "$w/debootstrap.log" >&2; die "debootstrap failed"; }
step "debootstrap"

# 2. What any installed machine has configured: apt sources, fstab,
#    hostname, a DHCP-configured NIC, a root login for the test's key.
cat > "$r/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
EOF
echo '/dev/vda / ext4 errors=remount-ro 0 1' > "$r/etc/fstab"
echo xenshm-vm > "$r/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\txenshm-vm\n' > "$r/etc/hosts"
cat > "$r/etc/systemd/network/20-wired.network" <<'EOF'
[Match]
Name=en*

[Network]
DHCP=yes
EOF
# QEMU's user network: its DNS forwarder.
echo 'nameserver 10.0.2.3' > "$r/etc/resolv.conf"
chroot "$r" systemctl enable systemd-networkd >/dev/null 2>&1
# apt-daily and its upgrade timer take the dpkg lock at random moments,
# which a test that installs packages cannot tell from a bug.
chroot "$r" systemctl mask apt-daily.timer apt-daily-upgrade.timer \
	>/dev/null 2>&1
# man-db's index rebuild after every install costs minutes under TCG.
echo 'man-db man-db/auto-update boolean false' |
	chroot "$r" debconf-set-selections
rm -f "$r/var/lib/man-db/auto-update"
ssh-keygen -q -t ed25519 -N '' -C xenshm-vm-test -f "$w/id_ed25519"
install -d -m 0700 "$r/root/.ssh"
install -m 0600 "$w/id_ed25519.pub" "$r/root/.ssh/authorized_keys"
chroot "$r" apt-get clean
step "configured"

# 3. Boot files and the disk.  2 GiB free for what the test installs.
cp "$r"/boot/vmlinuz-* "$w/vmlinuz"
cp "$r"/boot/initrd.img-* "$w/initrd.img"
sz=$(( $(du -sm "$r" | cut -f1) + 2048 ))
mkfs.ext4 -q -F -L xenshm-vm -d "$r" "$w/disk.img" "${sz}M" >/dev/null
rm -rf "$r"
step "disk.img ${sz} MiB"

touch "$w/.done"
rm -rf "$out"
mv "$w" "$out"
trap - EXIT
# Images built from older inputs are of no use any more.
for old in "$cache"/debian12-*; do
	[ "$old" = "$out" ] || rm -rf "$old"
done
echo "$out"
