/* Running containers by name: one small record per container in a state
 * directory (/run/nsx as root; $XDG_RUNTIME_DIR/nsx or /tmp/nsx-UID
 * otherwise, UID the host uid; NSX_STATE_DIR overrides it). `ps` lists them, `enter NAME`
 * finds the container's PID, and a run killed with SIGKILL leaves a record
 * nobody holds locked: the next run or `ps` removes what it names (cgroup,
 * veth) and the record. */
#ifndef NSX_STATE_H
#define NSX_STATE_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "cgroup/cgroup.h"
#include "container/confine.h"
#include "util/err.h"

#define STATE_NAME_MAX 48

struct ctr_state {
	char name[STATE_NAME_MAX + 1];
	pid_t nsx_pid;			/* the nsx run process (the parent) */
	pid_t pid;			/* the container's PID 1, as seen here; 0 before clone */
	char rootfs[PATH_MAX];		/* the directory the container runs on */
	char source[PATH_MAX];		/* "built-in busybox", the --rootfs dir, the --image */
	char ns[96];			/* "user,mnt,uts,ipc,pid,net,cgroup" */
	char limits[96];		/* "memory=64M pids=10", or "" */
	char net[64];			/* "none", "host", "veth 10.200.0.2/30" */
	char veth[16];			/* host end, "" */
	struct nsx_cgroup cg;
	time_t created;
	/* who pid is (container/live.h): its start time as read in time
	 * namespace timens, and its pid namespace; against PID reuse */
	unsigned long long pid_start;
	unsigned long pidns, timens;
	/* what its command is held to; enter holds levels in it to the same
	 * (a record without it, of an older nsx, reads as the default) */
	struct ctr_confine confine;
};

/* "a-z0-9.-", 1..48 bytes, starting with a letter or digit: also a valid
 * hostname, a file name and part of a cgroup name. */
int state_check_name(const char *name, struct nsx_err *err);

/* Claim name for this process: fails when a live container has it. A
 * record left by a dead run is cleaned up and reclaimed. The record stays
 * open and flock()ed by this process until state_remove(): that lock is
 * what tells a live run from a dead one's leftovers. */
int state_claim(struct ctr_state *s, struct nsx_err *err);

/* Write this process's record again (after the cgroup, after clone). */
int state_write(const struct ctr_state *s, struct nsx_err *err);

void state_remove(const char *name);

/* Read one by name: ENOENT when there is no such running container. */
int state_read(const char *name, struct ctr_state *s, struct nsx_err *err);

/* All live containers (dead runs' records are reaped on the way), sorted by
 * creation time; *out is malloc'd. */
int state_list(struct ctr_state **out, int *n, struct nsx_err *err);

#endif
