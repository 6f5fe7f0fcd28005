/* Levels: every namespace change opens a nested shell process (a level);
 * `exit` or Ctrl-D ends it and the student is back where they were, as with
 * nested shells. The parent waits; the child unshares (or enters), is set up
 * step by step, and carries on with the REPL. */
#ifndef NSX_LEVEL_H
#define NSX_LEVEL_H

#include <stdbool.h>
#include <sys/types.h>

#include "container/state.h"
#include "level/idmap.h"
#include "model/nstype.h"
#include "util/err.h"

struct nsx_shell;

/* What a new level is to be: the plan `unshare` builds from its options. */
struct level_req {
	int flags;		/* CLONE_NEW* to unshare */
	struct idmaps maps;	/* of a new user namespace (level/idmap.h) */
	const char *hostname;
	bool mount_proc;
	unsigned long propagation;	/* MS_PRIVATE, MS_SLAVE, MS_SHARED or 0 */
	const char *root, *wd;
	long long monotonic, boottime;	/* time namespace offsets, seconds */
	char what[64];		/* "uts,pid": for the level list */
	char cmd[160];		/* the command that made it */

	/* enter: setns instead of unshare (flags then unused) */
	bool enter;
	int enter_flags;	/* CLONE_NEW* entered */
	int pidfd;		/* >= 0: setns(pidfd, enter_flags) in one call */
	pid_t target_pid;	/* the process entered, for messages */
	int nsfd[NSX_NTYPES];	/* per type, -1 when not entered */
	bool user_first;	/* per-type order: user first (unprivileged) */
	int root_fd, wd_fd;	/* >= 0: chroot to / chdir to (nsenter -r/-w) */

	/* enter into an nsx container's namespaces: the level is not
	 * dumpable, and when confined it takes on the container's
	 * confinement as `runc exec` does: its cgroup (joined before setns),
	 * then its capabilities, no_new_privs and seccomp filter */
	const char *ctr;	/* the container's name; NULL: none */
	bool confined;		/* false: --unconfined */
	struct ctr_confine confine;
	int cgfd[CG_MAXDIRS];	/* cgroup.procs of its cgroup dirs (cg_enter_open) */
	int ncg;		/* how many */
};

/* r->what from CLONE_NEW* flags ("uts,pid"), r->cmd from the command as
 * typed (call it before getopt reorders argv): what `levels` shows. */
void level_req_types(struct level_req *r, int flags);
void level_req_cmd(struct level_req *r, int argc, char **argv);
/* Close the fds an enter request holds (the >= 0 ones). */
void level_req_close(const struct level_req *r);

/* Fork a new level. Returns 0 in the new level (a child process, now in its
 * namespaces), 1 in the caller once that level has ended (*status: its exit
 * status), or -1 with err when the level could not be made: then nothing has
 * changed. */
int level_open(struct nsx_shell *sh, const struct level_req *r, int *status, struct nsx_err *err);

/* For `nsx unshare ... -- CMD` (a subcommand, nothing to come back to):
 * make the level in this very process, as unshare(1) and nsenter(1) do,
 * and hand it to run(), which execs CMD or exits with its status. Saves
 * the fork a level costs. Returns 0 without doing anything when a map
 * needs a helper process (then level_open is the way), -1 with err when
 * unshare/setns was refused (nothing changed); otherwise never returns: a
 * later setup error is one line and exit status 1. */
int level_exec(struct nsx_shell *sh, const struct level_req *r, char **argv,
	       void (*run)(struct nsx_shell *sh, char **argv), struct nsx_err *err);

/* Per level, as `levels` lists them. */
struct level_rec {
	pid_t pid_start;	/* the level's PID as seen where nsx started */
	pid_t pid_inner;	/* as seen from inside (1 in a new pid namespace) */
	char what[64];
	char cmd[160];
	/* the nsx container whose namespaces it is in ("" none), inherited
	 * by the levels opened in it, and whether it is held to its
	 * confinement: lessons run no program where it is not */
	char ctr[STATE_NAME_MAX + 1];
	bool confined;
};

#define LEVEL_MAX 32

/* The namespace inodes of this process, through the proc nsx started with
 * (it works after --root and with /proc remounted). */
int level_self_ns(const struct nsx_shell *sh, unsigned long ino[NSX_NTYPES]);

/* "uts,pid": the types whose namespace differs from where nsx started. */
void level_diff(const struct nsx_shell *sh, char *buf, size_t n);

/* Reap exited children: a level that is PID 1 of a pid namespace inherits
 * every orphan in it. */
void level_reap(const struct nsx_shell *sh);

#endif
