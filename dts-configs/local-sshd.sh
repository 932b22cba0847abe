#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright(c) 2026 The xenshm authors
#
# local-sshd.sh WORKDIR PORT: a private sshd on 127.0.0.1:PORT through which
# DTS logs into this machine as root (its SUT and TG node).  Everything it
# uses is in WORKDIR: host key, config, log, and the client key in
# WORKDIR/home/.ssh/id_ed25519 (run DTS with HOME=WORKDIR/home: paramiko
# looks for keys in ~/.ssh).  Nothing in /etc or root's ~ is touched.
# Starts sshd in the background, waits until a key login works, prints its
# PID on stdout; the caller stops it (kill PID).  Exit 1 if it cannot.
set -euo pipefail
work=${1:?usage: local-sshd.sh WORKDIR PORT}
port=${2:?usage: local-sshd.sh WORKDIR PORT}
[ -x /usr/sbin/sshd ] || { echo "local-sshd: /usr/sbin/sshd missing (openssh-server)" >&2; exit 1; }
mkdir -p "$work/home/.ssh"
chmod 700 "$work/home" "$work/home/.ssh"
[ -f "$work/home/.ssh/id_ed25519" ] ||
	ssh-keygen -q -t ed25519 -N '' -f "$work/home/.ssh/id_ed25519"
[ -f "$work/host_key" ] || ssh-keygen -q -t ed25519 -N '' -f "$work/host_key"
cp "$work/home/.ssh/id_ed25519.pub" "$work/authorized_keys"
cat > "$work/sshd_config" <<CFG
Port $port
ListenAddress 127.0.0.1
HostKey $work/host_key
AuthorizedKeysFile $work/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PidFile none
StrictModes no
Subsystem sftp internal-sftp
CFG
# privilege separation directory (Debian's unit creates it)
mkdir -p /run/sshd
/usr/sbin/sshd -D -f "$work/sshd_config" -E "$work/sshd.log" </dev/null >/dev/null 2>&1 &
pid=$!
end=$((SECONDS + 20))
until ssh -q -i "$work/home/.ssh/id_ed25519" -p "$port" -o BatchMode=yes \
	-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null root@127.0.0.1 true </dev/null; do
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "local-sshd: sshd exited:" >&2
		cat "$work/sshd.log" >&2
		exit 1
	fi
	if [ $SECONDS -ge $end ]; then
		kill "$pid"
		echo "local-sshd: no key login to 127.0.0.1:$port in 20 s" >&2
		exit 1
	fi
	sleep 0.2
done
echo "$pid"
