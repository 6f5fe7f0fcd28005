/* One cgroup per container, with its limits: cgroup v2 where it is mounted
 * (the unified hierarchy with the controllers enabled), cgroup v1
 * controllers otherwise. Created as "nsx-NAME" under nsx's own cgroup, or
 * on v2 beside it, under TOP/nsx, or (a user's) in a scope systemd
 * delegates to nsx when nsx's own cgroup cannot have children with
 * controllers (see cg_v2_place); removed when the container
 * ends. This module alone decides what is available: run (cg_plan),
 * doctor (cg_usable) and the lesson checks (cg_where_proc) ask it. Errors
 * as values; nothing prints. */
#ifndef NSX_CGROUP_H
#define NSX_CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "util/err.h"
#include "util/parse.h"

/* -1: not limited */
struct cg_limits {
	long long memory;	/* bytes */
	long long pids;
	long long cpus_milli;	/* 1.5 CPUs = 1500 */
};

#define CG_UNLIMITED { -1, -1, -1 }

bool cg_limited(const struct cg_limits *lim);

#define CG_MAXDIRS 4

/* Controllers, as bits of nsx_cgroup.ctl (the names clash with none of
 * doctor/doctor.h's CG_V1/CG_V2). */
enum { CG_CTL_MEMORY = 1, CG_CTL_PIDS = 2, CG_CTL_CPU = 4 };

/* cg_destroy and cg_read_memory need only v2, ndirs and dir (what a state
 * record keeps); ctl and lim are for cg_attach in the process that made it. */
struct nsx_cgroup {
	bool v2;
	int ndirs;
	char dir[CG_MAXDIRS][PATH_MAX];	/* v2: one; v1: one per controller used */
	unsigned ctl[CG_MAXDIRS];	/* CG_CTL_* limited through dir[i] */
	struct cg_limits lim;		/* what cg_create wrote */
	/* cg_usable only: dir[0] is in the scope systemd would give nsx,
	 * and says so in words rather than as a path */
	bool scope;
};

/* Make nsx-NAME in each hierarchy a limit needs (v2: the one unified dir,
 * enabling the controllers in the parent's cgroup.subtree_control; v1: the
 * memory, pids and cpu controllers), and write the limits. With no limits
 * it still makes one (v2 dir, or v1 pids) so the container has its own
 * cgroup. EACCES (rootless, not delegated) and "controller not available"
 * come back as errors naming the controller; on any error no nsx-NAME is
 * left. The v2 parent is chosen by cg_v2_place: no process but nsx itself
 * is ever moved. */
int cg_create(struct nsx_cgroup *cg, const char *name, const struct cg_limits *lim,
	      struct nsx_err *err);
/* cg_create in two halves, for a caller that records the dirs before they
 * exist (so that dying in between leaves nothing unrecorded): cg_plan
 * chooses the dirs (cg->dir, ndirs) and readies their parents as above,
 * making no nsx-NAME; cg_make makes them and writes the limits, or on
 * failure removes what it made. */
int cg_plan(struct nsx_cgroup *cg, const char *name, const struct cg_limits *lim,
	    struct nsx_err *err);
int cg_make(const struct nsx_cgroup *cg, struct nsx_err *err);

/* Could cg_plan + cg_make give a container the controllers in need
 * (CG_CTL_* bits) here and now? The same choice as cg_plan, every step
 * checked and none taken (nothing is made, written or moved): 0 and the
 * directory nsx-NAME would go in (where systemd would be asked for a
 * scope: words that say so), or -1 and the error cg_plan would give. */
int cg_usable(unsigned need, char *parent, size_t n, struct nsx_err *err);

/* Move pid into every dir of cg. A dir that a concurrent cg_sweep took for
 * a stale one (it was empty) is made again, with its limits, first. */
int cg_attach(const struct nsx_cgroup *cg, pid_t pid, struct nsx_err *err);

/* For enter: cgroup.procs of each dir of cg (as a record names them),
 * opened for writing here, where those paths mean what run meant: after
 * setns into the container's mount namespace they would name its files.
 * Only nsx-* dirs on a cgroup file system. fds[i] for i < cg->ndirs; on
 * error none is left open. */
int cg_enter_open(const struct nsx_cgroup *cg, int fds[CG_MAXDIRS], struct nsx_err *err);
/* Move the calling process into the cgroup of each of the n fds. */
int cg_enter(const int *fds, int n, struct nsx_err *err);

/* Kill what is still in it (cgroup.kill on v2 5.14+, else SIGKILL each PID
 * of cgroup.procs, its sub-cgroups' too, until empty, at most ~2 s) and
 * rmdir each dir, sub-cgroups first. Safe to call twice (ndirs becomes 0).
 * Refuses a dir that is not an "nsx-*" dir on a cgroup file system. */
int cg_destroy(struct nsx_cgroup *cg, struct nsx_err *err);

/* Remove stale nsx-* cgroups under nsx's own cgroup in each hierarchy (and
 * under v2's TOP/nsx, and for a user beside nsx's own cgroup in a parent
 * that user owns, where CG_IN_PARENT puts them): those owned by our effective UID, empty, sub-cgroups
 * included (a run killed with SIGKILL), and for which keep(dir, data) says
 * false (NULL: none is kept). A populated one belongs to a running
 * container and stays; so does one of another owner. keep is asked last,
 * after the dir was seen: what it reads then (records written before
 * their cgroups) is at least as new as the dir. Returns how many nsx-*
 * directories were removed (one per hierarchy; sub-cgroups not counted). */
int cg_sweep(bool (*keep)(const char *dir, void *data), void *data);

/* The memory limit the kernel has for cg (bytes), -1 when none: for `ps`. */
long long cg_read_memory(const struct nsx_cgroup *cg);

/* How many processes the OOM killer killed in cg (v2: memory.events
 * oom_kill, its sub-cgroups' included; v1: memory.oom_control oom_kill,
 * Linux 4.13), read before cg_destroy. 0 none; -1 when it cannot tell
 * (v1 without oom_kill: *hit says whether memory.failcnt counted the
 * limit being reached). */
long long cg_oom_kills(const struct nsx_cgroup *cg, bool *hit);

/* "32M", "1G", "512K", "1000": bytes in the largest unit that divides them. */
void cg_size_text(long long bytes, char *buf, size_t n);

/* Where nsx's own cgroup is, as directories, in each mounted hierarchy.
 * The path in /proc/self/cgroup is joined to the mount point of a mount of
 * that hierarchy whose root (mountinfo field 4) contains it, so a cgroup
 * namespace or a bind-mounted subtree works; no /sys/fs/cgroup layout is
 * assumed. A v2 dir that is nsx's own leaf (OWN/nsx.leaf) counts as OWN. */
#define CG_MAXV1 16
struct cg_where {
	char v2[PATH_MAX];		/* "" when no cgroup2 mount holds it */
	/* that mount's mount point; where none holds it, the first cgroup2
	 * mount's ("" none) */
	char v2mnt[PATH_MAX];
	/* the v2 line of /proc/PID/cgroup as written (a path outside the
	 * reader's cgroup namespace keeps its "/.."), nsx's leaf stripped */
	char v2path[PATH_MAX];
	bool v1mounted;			/* a v1 hierarchy with a controller is mounted */
	/* the top of v2 that mount shows (the root cgroup, or a cgroup
	 * namespace's root): its mount point; "" when it shows a subtree */
	char v2top[PATH_MAX];
	int nv1;
	struct cg_v1 {
		char ctls[128];		/* "memory", "cpu,cpuacct", "name=systemd" */
		char dir[PATH_MAX];
	} v1[CG_MAXV1];
};

/* Which cgroup file systems are mounted, as doctor says it: cgroup2
 * alone (v2), v1 hierarchies with controllers alone (v1), both (hybrid:
 * systemd's hybrid layout, or a v1 controller mounted on a v2 host), or
 * none. A v1 hierarchy that is only a name (name=systemd) does not count. */
enum cg_mode { CG_MODE_NONE, CG_MODE_V1, CG_MODE_V2, CG_MODE_HYBRID };
enum cg_mode cg_mode(const struct cg_where *w);

/* The cgroup a /proc/PID/cgroup text (TEXT) names, as written there (a
 * path outside the reader's cgroup namespace keeps its "/.."): the v2
 * line's ("0::PATH"), else the first line's. false when there is none. */
bool cg_text_path(const char *text, char *buf, size_t n);

/* From the text of /proc/PID/cgroup and /proc/PID/mountinfo (tests feed
 * fixtures): the number of hierarchies found. */
int cg_where_parse(FILE *cgroup, FILE *mountinfo, struct cg_where *w);
int cg_where_self(struct cg_where *w, struct nsx_err *err);
/* The same for process pid, from procfd's /proc/PID/cgroup and mountinfo:
 * paths as that process sees them (its cgroup and mount namespace). */
int cg_where_proc(int procfd, pid_t pid, struct cg_where *w, struct nsx_err *err);
/* The v1 dir of a controller ("memory"), NULL when not mounted. */
const char *cg_where_v1(const struct cg_where *w, const char *ctl);
/* Where w's process finds the files of a controller: its v1 hierarchy's
 * dir, else its v2 dir; NULL when neither is mounted. */
const char *cg_where_ctl(const struct cg_where *w, const char *ctl);

/* What a container sees at /sys/fs/cgroup (inside its own cgroup
 * namespace): its cgroup as the root of the tree, read-only. */
enum cg_fs {
	CG_FS_NONE,	/* nothing mounted (why says why) */
	CG_FS_V2,	/* cgroup2, mounted from inside its cgroup namespace */
	CG_FS_V1,	/* a tmpfs with one bind of its cgroup per v1 hierarchy */
};
struct cg_view {
	enum cg_fs fs;
	int n;
	struct cg_bind {
		char name[128];		/* "memory", "cpu,cpuacct", "systemd" */
		char dir[PATH_MAX];	/* the container's cgroup in it */
	} bind[CG_MAXV1];
	char why[160];
};
/* made: the container's cgroup (ndirs 0: none of its own; the v1 binds
 * are then nsx's own cgroups, the roots of the container's cgroup
 * namespace), or NULL to say beforehand, for the plan, what lim will
 * give. v2 when the container's cgroup is on v2 (or no v1 hierarchy has
 * a controller), v1 otherwise. */
void cg_view(const struct nsx_cgroup *made, const struct cg_limits *lim, struct cg_view *v);

/* The v2 leaf nsx moves itself into when it is alone in its cgroup, and
 * the v2 parent for containers under the top. Not "nsx-*": no container
 * can have these names and cg_sweep leaves them alone. */
#define CG_LEAF "nsx.leaf"
#define CG_TOPDIR "nsx"

/* Where cg_create makes nsx-NAME on cgroup v2; OWN is nsx's own cgroup. */
enum cg_place {
	CG_IN_OWN,	/* OWN/nsx-NAME */
	CG_IN_LEAF,	/* nsx moves into OWN/nsx.leaf, then OWN/nsx-NAME */
	CG_IN_TOP,	/* TOP/nsx/nsx-NAME; nothing moves */
	CG_IN_PARENT,	/* PARENT/nsx-NAME beside OWN (a user's delegated parent) */
	CG_IN_SCOPE,	/* nsx moves into a scope systemd delegates to it (scope.h),
			 * then SCOPE/nsx.leaf, and SCOPE/nsx-NAME */
	CG_REFUSE,	/* an error: nothing moves, nothing is made */
};

/* The choice, from what cg_create read: busy, whether OWN has processes
 * (none: its controllers can go to its children); OWN's
 * cgroup.procs (0 for a process our PID namespace cannot see); nsx's PID
 * and effective UID; parent_ours, whether OWN's parent cgroup (inside
 * nsx's mount of v2) is owned by that UID; systemd, whether the user's
 * systemd manager answers (asked only when the answer matters). Pure: the
 * tests call it with made-up values. */
enum cg_place cg_v2_place(bool busy, const pid_t *procs, size_t n, pid_t self, uid_t euid,
			  bool parent_ours, bool systemd);

#endif
