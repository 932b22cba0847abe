/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Readiness for systemd (Type=notify): the sd_notify(3) datagram, written
 * here instead of linking libsystemd for one sendmsg().  Without
 * NOTIFY_SOCKET (not started by systemd) it does nothing.
 */

#ifndef DS_NOTIFY_H
#define DS_NOTIFY_H

/*
 * Send 'state' ("READY=1", "STOPPING=1", "STATUS=...", newline-separated)
 * to $NOTIFY_SOCKET.  0 when sent or when there is no NOTIFY_SOCKET,
 * -errno when it could not be sent.
 */
int ds_notify(const char *state);

#endif /* DS_NOTIFY_H */
