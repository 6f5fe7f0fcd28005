/* A running container's first process, found safely. A record names a
 * PID, and by the time it is used that PID may be another process's (the
 * container ended, the PID was reused): the process is pinned with a pidfd
 * and then checked against what run recorded about it. Errors as values;
 * nothing prints. */
#ifndef NSX_LIVE_H
#define NSX_LIVE_H

#include <sys/types.h>

#include "container/state.h"
#include "model/nstype.h"
#include "util/err.h"

/* What tells pid from a later process with its PID: its start time, the
 * time namespace we read that in, its pid namespace (0 when we may not
 * read it); into s (pid_start, timens, pidns). For run, after clone. -1
 * and errno when pid is gone. */
int live_ident(pid_t pid, struct ctr_state *s);

/* A pidfd for s->pid, checked to be the first process of the container s
 * records (its pid namespace where we may read it, and its start time
 * when read in the same time namespace as run's; one of them at least):
 * -1 with err, one line, when it is gone or it is another process now. */
int live_pidfd(const struct ctr_state *s, struct nsx_err *err);

/* s's namespace of type, opened (O_RDONLY|O_CLOEXEC) through its first
 * process, pinned and checked as live_pidfd does, and still that process
 * once it is open: -1 with err otherwise. */
int live_ns_open(const struct ctr_state *s, int type, struct nsx_err *err);

/* Of this user's running containers, the one whose mount or pid namespace
 * is among ino (as proc_ns_inodes fills it, 0 for a type not given): 1 and
 * *s, 0 when none is, -1 with err. The namespaces through which a
 * container reaches a process: its programs, or the process itself. */
int live_find(const unsigned long ino[NSX_NTYPES], struct ctr_state *s, struct nsx_err *err);

#endif
