#!/bin/busybox sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# Dom0's initramfs: load virtio-blk and ext4, mount the root disk (vda) and
# the test payload disk (vdb, at /xenshm), then hand over to the payload's
# dom0-init.sh.  Kept tiny on purpose: the payload changes with every
# build, this does not.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
echo "XT-TIME $(cut -d' ' -f1 /proc/uptime) dom0 initramfs"
for m in $(cat /mods/order); do insmod /mods/$m 2>/dev/null; done
i=0
while { [ ! -b /dev/vda ] || [ ! -b /dev/vdb ]; } && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
fail() {
	echo "XT-RESULT FAIL dom0 stage 1: $*"
	echo "XT-DONE"
	sleep 2
	poweroff -f
}
mount -t ext4 -o rw /dev/vda /newroot || fail "cannot mount /dev/vda"
mount -t ext4 -o rw /dev/vdb /newroot/xenshm || fail "cannot mount /dev/vdb"
mount --move /proc /newroot/proc
mount --move /sys /newroot/sys
mount --move /dev /newroot/dev
exec switch_root /newroot /xenshm/dom0-init.sh
