/* nsx run: a container is a plan, then its execution. plan_build() checks
 * every option and writes down the setup steps in the order they run, each
 * with one line of why; `nsx run --dry-run` prints that list, the lessons
 * use it as their backbone, and container_run() executes exactly it. */
#ifndef NSX_PLAN_H
#define NSX_PLAN_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "cgroup/cgroup.h"
#include "container/confine.h"
#include "net/net.h"
#include "container/rootfs.h"
#include "container/state.h"
#include "level/idmap.h"
#include "util/err.h"

enum run_net { RUN_NET_NONE, RUN_NET_HOST, RUN_NET_VETH };

/* What the user asked for (src/cmd/run.c fills it from the options). */
struct run_opts {
	const char *name;		/* NULL: generated */
	const char *hostname;		/* NULL: the name */
	const char *rootfs;		/* --rootfs DIR */
	const char *image;		/* --image FILE|DIR */
	struct rootfs_limits img_lim;	/* --image-max-*: 0 the defaults */
	bool rw;			/* write to the rootfs itself */
	bool no_init;			/* CMD is PID 1 */
	bool user;			/* a user namespace even as root */
	bool time_ns;			/* --time */
	bool dry_run;
	int share;			/* CLONE_NEW* kept from the host (--share) */
	struct idmap uidmap[IDMAP_MAX], gidmap[IDMAP_MAX];
	int nuid, ngid;
	struct cg_limits lim;
	bool limits_try;		/* --limits=try: a limit not applied is a note */
	enum run_net net;
	const char *cidr;		/* --net=veth:CIDR, or NULL */
	char **argv;			/* CMD ARG..., NULL: /bin/sh */
};

/* Who runs a step: nsx itself (the parent), the container's first process
 * (PID 1 of the new pid namespace, before pivot_root and after), or the
 * command's own process just before execve. */
enum step_where { AT_PARENT, AT_CHILD, AT_PAYLOAD };

enum step_id {
	ST_ROOTFS, ST_NAME, ST_CGROUP, ST_CLONE, ST_MAPS, ST_ATTACH, ST_VETH, ST_GO,
	ST_IDS, ST_CGROUPNS, ST_PROPAGATION, ST_LAYER, ST_PROC, ST_DEV, ST_SYS,
	ST_CGROUPFS, ST_MASK, ST_READONLY, ST_PIVOT, ST_HOSTNAME, ST_NET, ST_INIT,
	ST_SESSION, ST_CAPS, ST_NNP, ST_FDS, ST_SECCOMP, ST_EXEC,
	ST_NSTEPS
};

/* room for every kind once, and for the repeats options add */
#define PLAN_MAXSTEPS (2 * ST_NSTEPS)

struct plan_step {
	enum step_id id;
	enum step_where where;
	const char *name;		/* "pivot": NSX_TEST_STOP_AT takes these */
	char what[200];			/* what it does, with this run's values */
	const char *why;		/* one line */
};

struct plan {
	struct run_opts o;
	char name[STATE_NAME_MAX + 1];
	char hostname[65];
	char rootfs[PATH_MAX];		/* the directory (empty until resolved) */
	int rootfd;			/* it, opened once and checked (plan_prepare), or -1 */
	char source[PATH_MAX];		/* for ps: where it came from */
	struct rootfs_meta meta;	/* a cache tree's sidecar (plan_prepare) */
	struct rootfs_stats rstats;	/* what unpacking the image did */
	/* in a user namespace, where the container's tmpfs keeps no user.*
	 * xattrs (Linux < 6.6): its layer on disk, made by nsx before the
	 * clone (step_rootfs), taken by the child (step_layer) only then */
	struct rootfs_layer layer;
	char layer_why[256];		/* no layer on disk: why, for the note */
	int flags;			/* CLONE_NEW* made by the clone */
	bool userns, cgroupns, rootless;
	struct idmaps maps;		/* uid/gid maps for idmap_write() */
	struct cidr4 cidr;		/* RUN_NET_VETH */
	/* what the command is held to (capabilities, no_new_privs, seccomp);
	 * recorded, so that `enter NAME` holds its levels to the same */
	struct ctr_confine confine;
	/* what it sees at /sys/fs/cgroup: foreseen by plan_build, then (nsx,
	 * before the clone) made exact with the cgroup it got */
	struct cg_view cgview;
	/* the operations, in the order they run: a list options append to
	 * (bubblewrap's SetupOp list), so that a kind may come more than
	 * once (a second bind mount is a second entry) */
	int nsteps;
	struct plan_step steps[PLAN_MAXSTEPS];
};

/* Check the options and write the plan. Nothing is created: a bad option is
 * one error and no change. The rootfs is only located (p->rootfs stays
 * empty for the built-in one and images until plan_prepare). */
int plan_build(struct plan *p, const struct run_opts *o, struct nsx_err *err);

/* Build or unpack the rootfs (cache), open it (p->rootfd) and check it:
 * the first step that writes anything, and the one --dry-run skips. The
 * container is set up on that fd, never on the path again: a symlink
 * swapped in later changes nothing. */
int plan_prepare(struct plan *p, struct nsx_err *err);

const char *plan_step_name(enum step_id id);

/* The container shares nsx's network namespace (--net host, --share net):
 * it then keeps no CAP_NET_RAW. */
bool plan_host_net(const struct plan *p);

/* "memory=64M pids=20 cpus=0.50": the limits, for the plan and for ps. */
void plan_limits_text(const struct cg_limits *l, char *buf, size_t n);

/* "user,mnt,uts,...": every namespace the container gets, cgroup and time too. */
void plan_ns_list(const struct plan *p, char *buf, size_t n);

/* Run the container to its end. Returns the exit status nsx run exits
 * with: CMD's, 128+N when a signal killed it, 125 for nsx's own failure
 * (err filled), 126 not executable, 127 not found (err filled too). */
int container_run(struct plan *p, struct nsx_err *err);

#endif
