/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The xenshm authors
 */

/*
 * Host-transport discovery: a guest is present while its UNIX socket
 * exists.  Guests are the configured ones (their socket=, default
 * guest-dir/NAME.sock) and, with [global] default-tenant, any other
 * NAME.sock that appears in guest-dir.  inotify makes a change visible at
 * once; the caller also scans periodically, so a missed event (or a
 * guest-dir created later) costs one scan interval, not correctness.
 */

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ds_discovery.h"

struct ds_disc_source {
	const struct ds_config *cfg;
	int ifd;	/* inotify, -1 if unavailable */
	int wd;		/* watch on guest-dir, -1 until it exists */
};

static bool
is_socket(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

static void
watch_dir(struct ds_disc_source *s)
{
	const char *dir = s->cfg->global.guest_dir;

	if (s->ifd < 0 || s->wd >= 0 || dir[0] == '\0')
		return;
	s->wd = inotify_add_watch(s->ifd, dir, IN_CREATE | IN_DELETE |
				  IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB |
				  IN_DELETE_SELF | IN_MOVE_SELF);
}

static struct ds_disc_source *
host_open(const struct ds_config *cfg)
{
	struct ds_disc_source *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->cfg = cfg;
	s->wd = -1;
	s->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	watch_dir(s);
	return s;
}

static bool
host_changed(struct ds_disc_source *s)
{
	char buf[4096] __attribute__((aligned(8)));
	bool changed = false;
	ssize_t n;

	if (s->ifd < 0)
		return false;
	if (s->wd < 0) {
		watch_dir(s);
		return s->wd >= 0;	/* the directory just appeared */
	}
	while ((n = read(s->ifd, buf, sizeof(buf))) > 0) {
		char *p = buf;

		changed = true;
		while (p < buf + n) {
			const struct inotify_event *ev = (const void *)p;

			if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF |
					IN_IGNORED)) {
				/* re-created later: watch the new one */
				inotify_rm_watch(s->ifd, s->wd);
				s->wd = -1;
			}
			p += sizeof(*ev) + ev->len;
		}
	}
	return changed;
}

static bool
socket_configured(const struct ds_config *cfg, const char *path)
{
	int i;

	for (i = 0; i < cfg->n_guests; i++)
		if (cfg->guests[i].devargs[0] == '\0' && !cfg->guests[i].xen &&
		    !strcmp(cfg->guests[i].socket, path))
			return true;
	return false;
}

static void
host_scan(struct ds_disc_source *s, ds_disc_found_cb found,
	  ds_disc_skip_cb skip, void *arg)
{
	const struct ds_config *cfg = s->cfg;
	const char *dir = cfg->global.guest_dir;
	struct ds_disc_entry e;
	struct dirent *de;
	DIR *d;
	int i;

	/* configured guests on the host transport */
	for (i = 0; i < cfg->n_guests; i++) {
		const struct ds_guest_cfg *g = &cfg->guests[i];

		if (g->devargs[0] != '\0' || g->xen || !is_socket(g->socket))
			continue;
		memset(&e, 0, sizeof(e));
		snprintf(e.name, sizeof(e.name), "%s", g->name);
		snprintf(e.socket, sizeof(e.socket), "%s", g->socket);
		e.guest_idx = i;
		found(&e, arg);
	}
	/* unconfigured sockets in guest-dir */
	if (dir[0] == '\0')
		return;
	d = opendir(dir);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char path[PATH_MAX];
		size_t n = strlen(de->d_name);

		if (n <= 5 || strcmp(de->d_name + n - 5, ".sock") != 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >=
		    DS_PATH_MAX) {
			skip(de->d_name, "socket path too long", arg);
			continue;
		}
		if (socket_configured(cfg, path) || !is_socket(path))
			continue;
		memset(&e, 0, sizeof(e));
		if (n - 5 >= sizeof(e.name)) {
			skip(de->d_name, "name too long for a port", arg);
			continue;
		}
		memcpy(e.name, de->d_name, n - 5);
		e.name[n - 5] = '\0';
		if (!ds_name_ok(e.name)) {
			skip(de->d_name, "name is not A-Z a-z 0-9 _", arg);
			continue;
		}
		if (ds_config_guest(cfg, e.name) >= 0) {
			/* the section names another socket for this guest */
			skip(de->d_name, "its [guest] section names another "
			     "socket", arg);
			continue;
		}
		/* the length was checked above */
		memcpy(e.socket, path, DS_PATH_MAX - 1);
		e.socket[DS_PATH_MAX - 1] = '\0';
		e.guest_idx = -1;
		found(&e, arg);
	}
	closedir(d);
}

static void
host_close(struct ds_disc_source *s)
{
	if (s == NULL)
		return;
	if (s->ifd >= 0)
		close(s->ifd);
	free(s);
}

const struct ds_disc_ops ds_disc_host_ops = {
	.name = "host",
	.open = host_open,
	.changed = host_changed,
	.scan = host_scan,
	.close = host_close,
};
