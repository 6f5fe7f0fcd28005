/* What keeps a namespace alive, and how namespaces relate: owner user
 * namespaces (NS_GET_USERNS) and parent pid/user namespaces (NS_GET_PARENT).
 * Each needs an fd of the namespace, opened once per namespace through its
 * lowest process or any holder, never once per process as lsns does. */
#define _GNU_SOURCE
#include "model/internal.h"
#include "model/mountinfo.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys/sys.h"
#include "util/xalloc.h"

static int
open_verified(int dirfd, const char *path, unsigned long ino)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return -1;
	/* the process may have changed namespaces or gone, its pid reused */
	if (sys_fd_ino(fd) != ino) {
		close(fd);
		errno = ESTALE;
		return -1;
	}
	return fd;
}

/* A process in the mount namespace mntns, to reach paths as it sees them. */
static pid_t
mntns_rep(const struct nsx_model *m, unsigned long mntns)
{
	const struct nsx_ns *ns = model_ns(m, mntns);

	return ns ? ns->rep : 0;
}

static int
open_holder(const struct nsx_model *m, const struct nsx_ns *ns, const struct nsx_holder *h)
{
	const char *name = nstype_table[ns->type].name;
	char path[PATH_MAX + 64];
	pid_t rep;

	switch (h->kind) {
	case HOLD_FD:
		snprintf(path, sizeof(path), "%d/fd/%d", (int)h->pid, h->fd);
		return open_verified(m->procfd, path, ns->ino);
	case HOLD_CHILDREN:
		snprintf(path, sizeof(path), "%d/ns/%s_for_children", (int)h->pid, name);
		return open_verified(m->procfd, path, ns->ino);
	case HOLD_THREAD:
		snprintf(path, sizeof(path), "%d/task/%d/ns/%s", (int)h->pid, (int)h->tid, name);
		return open_verified(m->procfd, path, ns->ino);
	case HOLD_MOUNT:
		if (m->real_proc && h->mntns == m->self_mntns)
			return open_verified(AT_FDCWD, h->path, ns->ino);
		/* a mount in another mount namespace: reach it through the root
		 * of a process that lives there */
		rep = mntns_rep(m, h->mntns);
		if (!rep)
			rep = h->pid;	/* mnt not scanned: the pid it was read through */
		if (!rep)
			return -1;
		snprintf(path, sizeof(path), "%d/root%s", (int)rep, h->path);
		return open_verified(m->procfd, path, ns->ino);
	}
	return -1;
}

int
model_ns_open(const struct nsx_model *m, const struct nsx_ns *ns)
{
	char path[48];
	int fd;

	if (ns->rep) {
		snprintf(path, sizeof(path), "%d/ns/%s", (int)ns->rep, nstype_table[ns->type].name);
		fd = open_verified(m->procfd, path, ns->ino);
		if (fd >= 0)
			return fd;
	}
	for (const struct nsx_holder *h = ns->holders; h; h = h->next)
		if ((fd = open_holder(m, ns, h)) >= 0)
			return fd;
	errno = ENOENT;
	return -1;
}

/* Fill owner/parent/owner_uid of ns from an fd of it; add ghosts. */
static void
relate_fd(struct nsx_model *m, struct nsx_ns *ns, int fd, bool ghosts)
{
	int ofd, pfd = -1;
	uid_t uid;

	ns->flags |= NSF_RELATED;
	/* EPERM: the owner is outside our user namespace (its top for us) */
	ofd = sys_ns_get_userns(fd);
	if (ofd >= 0)
		ns->owner = sys_fd_ino(ofd);
	if (ns->type == NSX_PID || ns->type == NSX_USER) {
		pfd = sys_ns_get_parent(fd);
		if (pfd >= 0)
			ns->parent = sys_fd_ino(pfd);
	}
	/* NS_GET_OWNER_UID only works on user namespaces (EINVAL otherwise):
	 * lsns reports root for every other process-less namespace; the uid
	 * that matters is the creator of the owning user namespace. */
	if (ns->type == NSX_USER) {
		if (sys_ns_get_owner_uid(fd, &uid) == 0) {
			ns->owner_uid = uid;
			ns->flags |= NSF_OWNER_UID;
		}
	} else if (ofd >= 0 && sys_ns_get_owner_uid(ofd, &uid) == 0) {
		ns->owner_uid = uid;
		ns->flags |= NSF_OWNER_UID;
	}
	if (ghosts) {
		if (pfd >= 0 && ns->parent && !model_ns(m, ns->parent)) {
			struct nsx_ns *g = model_ns_add(m, ns->type, ns->parent);

			g->flags |= NSF_GHOST;
			relate_fd(m, g, pfd, ghosts);
		}
		if (ofd >= 0 && ns->owner && !model_ns(m, ns->owner)) {
			struct nsx_ns *g = model_ns_add(m, NSX_USER, ns->owner);

			g->flags |= NSF_GHOST;
			relate_fd(m, g, ofd, ghosts);
		}
	}
	if (pfd >= 0)
		close(pfd);
	if (ofd >= 0)
		close(ofd);
}

/* An incremental scan: what the previous one read (it never changes). */
static bool
related_from_prev(struct nsx_model *m, struct nsx_ns *ns, bool ghosts)
{
	const struct model_rel *r = model_prev_rel(m, ns->ino, ns->type);

	if (!r)
		return false;
	ns->flags |= NSF_RELATED | r->flags;
	ns->owner = r->owner;
	ns->parent = r->parent;
	ns->owner_uid = r->owner_uid;
	if (!ghosts)
		return true;
	if (ns->parent && ns->parent != ns->ino && !model_ns(m, ns->parent)) {
		struct nsx_ns *g = model_ns_add(m, ns->type, ns->parent);

		g->flags |= NSF_GHOST;
		model_relate(m, g, ghosts);
	}
	if (ns->owner && ns->owner != ns->ino && !model_ns(m, ns->owner)) {
		struct nsx_ns *g = model_ns_add(m, NSX_USER, ns->owner);

		g->flags |= NSF_GHOST;
		model_relate(m, g, ghosts);
	}
	return true;
}

void
model_relate(struct nsx_model *m, struct nsx_ns *ns, bool ghosts)
{
	int fd;

	if (ns->flags & NSF_RELATED)
		return;
	if (related_from_prev(m, ns, ghosts))
		return;
	fd = model_ns_open(m, ns);
	if (fd < 0) {
		ns->flags |= NSF_RELATED;	/* tried; unknown stays 0 */
		return;
	}
	relate_fd(m, ns, fd, ghosts);
	close(fd);
}

void
model_relate_all(struct nsx_model *m, bool ghosts)
{
	/* relating may append ghosts to nsv: they are related as they are
	 * added, and the loop bound is re-read */
	for (size_t i = 0; i < m->nns; i++)
		model_relate(m, m->nsv[i], ghosts);
	for (size_t i = 0; i < m->nns; i++) {
		struct nsx_ns *ns = m->nsv[i], *o;

		if (ns->owner && ns->owner != ns->ino && (o = model_ns(m, ns->owner)))
			o->nowned++;
		if (ns->parent && ns->parent != ns->ino && (o = model_ns(m, ns->parent)))
			o->nchildren++;
	}
}

/* ---- bind mounts ---- */

static void
scan_mountinfo(struct nsx_model *m, unsigned long mntns, pid_t rep)
{
	char path[32];
	char *line = NULL;
	size_t cap = 0;
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "%d/mountinfo", (int)rep);
	fd = openat(m->procfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !(f = fdopen(fd, "r"))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while (getline(&line, &cap, f) > 0) {
		char mp[PATH_MAX];
		unsigned long ino;
		int type;

		if (mountinfo_nsfs(line, &type, &ino, mp, sizeof(mp)) != 1)
			continue;
		if (!(m->types & (1u << type)))
			continue;
		model_hold(model_ns_add(m, type, ino), &(struct nsx_holder){
			.kind = HOLD_MOUNT, .pid = rep, .mntns = mntns, .path = xstrdup(mp) });
	}
	free(line);
	fclose(f);
}

void
model_scan_mounts(struct nsx_model *m)
{
	unsigned long *seen = xcalloc(m->nprocs + 1, sizeof(*seen));
	size_t nseen = 0;

	/* every mount namespace, through its lowest process (procs are in pid
	 * order); from the procs, not m->nsv: mnt need not be a scanned type */
	for (size_t i = 0; i < m->nprocs; i++) {
		unsigned long mnt = m->procs[i].ns[NSX_MNT];
		size_t j;

		for (j = 0; j < nseen && seen[j] != mnt; j++)
			;
		if (!mnt || j < nseen)
			continue;
		seen[nseen++] = mnt;
		scan_mountinfo(m, mnt, m->procs[i].pid);
	}
	free(seen);
}

/* ---- how it is held, in words ---- */

char *
model_ns_held(const struct nsx_model *m, const struct nsx_ns *ns)
{
	char buf[512];
	size_t len = 0;
	int shown = 0, more = 0;

#define ADD(...) do { \
		if (shown >= 3) { more++; break; } \
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s", shown++ ? ", " : ""); \
		if (len < sizeof(buf)) \
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, __VA_ARGS__); \
		if (len >= sizeof(buf)) len = sizeof(buf) - 1; \
	} while (0)

	buf[0] = '\0';
	if (ns->nprocs)
		ADD("%u process%s", ns->nprocs, ns->nprocs == 1 ? "" : "es");
	for (const struct nsx_holder *h = ns->holders; h; h = h->next) {
		switch (h->kind) {
		case HOLD_FD:
			ADD("fd %d of %d", h->fd, (int)h->pid);
			break;
		case HOLD_MOUNT:
			if (h->mntns == m->self_mntns)
				ADD("mount %s", h->path);
			else
				ADD("mount %s in mnt:%lu", h->path, h->mntns);
			break;
		case HOLD_CHILDREN:
			ADD("%s_for_children of %d", nstype_table[ns->type].name, (int)h->pid);
			break;
		case HOLD_THREAD:
			ADD("thread %d of %d", (int)h->tid, (int)h->pid);
			break;
		}
	}
	if (ns->nchildren)
		ADD("parent of %u", ns->nchildren);
	if (ns->nowned)
		ADD("owner of %u", ns->nowned);
	if (more && len + 16 < sizeof(buf))
		snprintf(buf + len, sizeof(buf) - len, ", +%d more", more);
#undef ADD
	if (!buf[0])
		return xstrdup((ns->flags & NSF_GHOST) ? "ancestor" : "unknown");
	return xstrdup(buf);
}
