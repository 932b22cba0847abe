# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# Phase "purge": the README's removal block (apt remove --purge of our
# packages) must leave nothing of ours behind.  Compared with the file
# list taken before the install phase: every file that is new and not
# owned by a package still installed (OVS, the DPDK runtime our packages
# pulled in) is a leftover, except the churn any machine has (logs, apt
# and dpkg state, caches, this test's own files) and what the operator
# wrote by hand following the docs (the hugepages sysctl file).
PHASE=purge
. guest/lib.sh

[ -s "$ST/files-before.txt" ] || fail "no file list from the install phase"
doc remove
for p in $(cat "$ST/ours.txt"); do
	s=$(dpkg-query -W -f '${Status}' "$p" 2>/dev/null)
	[ -z "$s" ] || [ "${s%not-installed}" != "$s" ] ||
		fail "package $p is still known to dpkg: $s"
done
snapshot > "$ST/files-after.txt"
# Owned by a package still installed.  dpkg knows /lib/..., the file
# system walk sees /usr/lib/... (usrmerge): both names count.
dpkg-query -L $(dpkg-query -W -f '${Package} ') 2>/dev/null |
	sed -E 'p; s#^/(lib|lib64|bin|sbin)/#/usr/\1/#' | sort -u > "$ST/owned.txt"
# Churn: state every running Debian machine changes; what other packages'
# maintainer scripts make (byte-compiled Python, machine-id, lock
# directories); OVS's own runtime state; this test's files (its guest
# processes use EAL prefix vmtest-*); what the operator wrote by hand
# following the docs (the hugepages sysctl file).
churn='^/(var/log|var/cache|var/lib/apt|var/lib/dpkg|var/lib/systemd|var/lib/ucf|var/lib/dhcp|var/backups|var/tmp|tmp|root|var/lib/openvswitch|etc/openvswitch|run/openvswitch|run/systemd|run/udev|run/log|run/user|run/lock|run/sshd|run/network|run/dbus|run/uuidd|run/adduser|var/lib/private|run/credentials|usr/local/lib/python3[.0-9]*|etc/python3[.0-9]*)(/|$)'
churn+='|^/etc/alternatives/|^/var/lib/python(/|$)|__pycache__|\.pyc$|^/etc/ld\.so\.cache$|^/var/lib/dbus/machine-id$|^/run/utmp$'
churn+='|^/run/dpdk$|^/run/dpdk/(vmtest-[^/]*|rte)(/|$)|^/etc/sysctl\.d/80-hugepages\.conf$'
comm -13 "$ST/files-before.txt" "$ST/files-after.txt" | grep -vxF -f "$ST/owned.txt" |
	grep -vE "$churn" > "$ST/new-unowned.txt"
# Links that enable a service, an init script or an alternative still
# installed are the business of that package.
while read -r f; do
	case $f in
	/etc/systemd/system/*.wants|/etc/systemd/system/*.requires) continue ;;
	/etc/systemd/system/*|/etc/rc[0-6S].d/*)
		[ -L "$f" ] && [ -e "$f" ] && continue ;;
	esac
	[ -L "$f" ] && case $(readlink "$f") in /etc/alternatives/*) continue ;; esac
	echo "$f"
done < "$ST/new-unowned.txt" > "$ST/leftovers.txt"
comm -23 "$ST/files-before.txt" "$ST/files-after.txt" | grep -vE "$churn" > "$ST/vanished.txt"
fig "leftover_files=$(wc -l < "$ST/leftovers.txt") vanished_files=$(wc -l < "$ST/vanished.txt")"
sed 's/^/  leftover| /' "$ST/leftovers.txt" | head -n 40
sed 's/^/  vanished| /' "$ST/vanished.txt" | head -n 20
[ -s "$ST/leftovers.txt" ] && fail "$(wc -l < "$ST/leftovers.txt") files left behind (first: $(head -n1 "$ST/leftovers.txt"))"
[ -s "$ST/vanished.txt" ] && fail "$(wc -l < "$ST/vanished.txt") files that were there before are gone (first: $(head -n1 "$ST/vanished.txt"))"
pass "nothing left behind ($(wc -l < "$ST/files-after.txt") files compared)"
