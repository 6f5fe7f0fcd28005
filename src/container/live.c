/* A running container's first process, found safely (live.h). */
#define _GNU_SOURCE
#include "container/live.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/model.h"
#include "sys/sys.h"

int
live_ident(pid_t pid, struct ctr_state *s)
{
	s->pid_start = proc_starttime(-1, pid, NULL);
	/* 0 where it cannot be read: a normal user may not read the links of
	 * a container's init, which is not dumpable (its start time, yes) */
	s->pidns = proc_ns_ino(-1, pid, NSX_PID);
	/* 0 before Linux 5.6: then all read start times in the one there is */
	s->timens = proc_ns_ino(-1, 0, NSX_TIME);
	if (!s->pid_start) {
		errno = ESRCH;
		return -1;
	}
	return 0;
}

/* proc_pidfd_if's check: pid is the process s recorded */
static bool
live_is(pid_t pid, const void *arg)
{
	const struct ctr_state *s = arg;
	struct ctr_state now;

	if (live_ident(pid, &now) < 0)
		return false;
	/* a time namespace moves start times by its boottime offset: they
	 * compare only when read in the same one; the pid namespace, created
	 * with the process, where it can be read. One of them at least. */
	if (now.pidns ? now.pidns != s->pidns : now.timens != s->timens)
		return false;
	return now.timens != s->timens || now.pid_start == s->pid_start;
}

int
live_pidfd(const struct ctr_state *s, struct nsx_err *err)
{
	int fd;

	if (!s->pidns)
		return nsx_error(err, EINVAL, "container '%s' was started by an older nsx: its record "
				 "cannot tell its process from another with its PID (run it again)", s->name);
	if ((fd = proc_pidfd_if(s->pid, live_is, s)) >= 0)
		return fd;
	if (errno == ENOSYS)
		return nsx_error(err, ENOSYS, "container '%s': pidfd_open is missing (Linux 5.3)", s->name);
	return nsx_error(err, ESRCH, "container '%s': PID %d is not its first process any more (it "
			 "ended, or this shell is in another pid namespace): not entering it",
			 s->name, (int)s->pid);
}

int
live_ns_open(const struct ctr_state *s, int type, struct nsx_err *err)
{
	char path[64];
	int pfd = live_pidfd(s, err), fd;

	if (pfd < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)s->pid, nstype_table[type].name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		nsx_error(err, errno, "container '%s': %s: %s", s->name, path, strerror(errno));
	else if (sys_pidfd_exited(pfd) != 0) {
		/* opened after it ended: maybe another process's with its PID */
		close(fd);
		fd = -1;
		nsx_error(err, ESRCH, "container '%s' has ended", s->name);
	}
	close(pfd);
	return fd;
}

/* s's mount namespace: its first process's, read while the pidfd holds it */
static unsigned long
live_mntns(const struct ctr_state *s)
{
	struct nsx_err err;
	int fd = live_ns_open(s, NSX_MNT, &err);
	unsigned long ino;

	if (fd < 0)
		return 0;
	ino = sys_fd_ino(fd);
	close(fd);
	return ino;
}

int
live_find(const unsigned long ino[NSX_NTYPES], struct ctr_state *s, struct nsx_err *err)
{
	struct ctr_state *v;
	int n, found = 0;

	if (state_list(&v, &n, err) < 0)
		return -1;
	for (int i = 0; i < n && !found; i++) {
		/* the pid namespace is in the record; verified with the PID */
		if ((ino[NSX_PID] && ino[NSX_PID] == v[i].pidns && live_mntns(&v[i])) ||
		    (ino[NSX_MNT] && ino[NSX_MNT] == live_mntns(&v[i]))) {
			*s = v[i];
			found = 1;
		}
	}
	free(v);
	return found;
}
