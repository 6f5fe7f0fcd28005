/* doctor: a preflight check for classroom machines, below the command
 * layer. Gathering the facts (gather.c: forks probes, reads /proc, /sys
 * and /etc) is kept apart from judging them (judge.c: pure functions over
 * the facts, tested with made-up facts in tests/unit/doctor.c); printing
 * the items and the command are cmd/doctor.c's. Nothing here prints. */
#ifndef NSX_DOCTOR_DOCTOR_H
#define NSX_DOCTOR_DOCTOR_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "level/userns.h"
#include "model/nstype.h"

enum doctor_status { DOC_OK, DOC_INFO, DOC_WARN, DOC_FAIL };

/* One line of the report: "ok    what" or "FAIL  what (fix: fix)". */
struct doctor_item {
	enum doctor_status status;
	char what[1400];	/* may quote a cgroup module's error (1024) */
	char fix[200];		/* empty when status is ok or info */
};

/* The steps of the unprivileged user namespace probe, in order. */
enum doctor_step {
	STEP_NONE,		/* every step worked */
	STEP_CHILD,		/* fork failed, or the child died or hung */
	STEP_SETUID,		/* as root: becoming the test user */
	STEP_UNSHARE,		/* unshare(CLONE_NEWUSER) */
	STEP_UIDMAP,		/* write "0 UID 1" to /proc/self/uid_map */
	STEP_SETGROUPS,		/* write "deny" to /proc/self/setgroups */
	STEP_GIDMAP,		/* write "0 GID 1" to /proc/self/gid_map */
};

enum doctor_cgmode { CG_NONE, CG_V1, CG_V2, CG_HYBRID };

/* The controllers `nsx run --memory/--pids/--cpus` needs. */
enum { DOC_CG_MEMORY, DOC_CG_PIDS, DOC_CG_CPU, DOC_NCTRL };

struct doctor_facts {
	uid_t uid;
	gid_t gid;
	char user[64];			/* name of uid, or its number */

	int seccomp;			/* Seccomp: of /proc/self/status, 2 = filter, -1 unknown */
	char release[65];		/* uname -r */
	int kmajor, kminor;

	struct {
		bool link;		/* /proc/self/ns/TYPE exists */
		int err_alone;		/* errno of unshare(CLONE_NEWTYPE), 0 = works */
		int err_user;		/* ... | CLONE_NEWUSER; -1 = not tried */
	} ns[NSX_NTYPES];

	/* the sysctls that decide whether unprivileged user namespaces
	 * work (USERNS_CLONE, USERNS_MAX, USERNS_APPARMOR), as the module
	 * that explains run's and unshare's failures reads them */
	struct userns_sys sys;

	int landlock_abi;		/* 0: none (or NSX_TEST_NO_LANDLOCK) */

	struct {
		uid_t uid;		/* the unprivileged uid that was tried */
		enum doctor_step step;	/* the step that failed */
		int err;
	} userns;

	struct {
		char path[64];		/* empty when not found */
		bool setuid;		/* owned by root with S_ISUID */
		bool fcaps;		/* has a security.capability xattr */
	} idmap[2];			/* newuidmap, newgidmap */

	struct {
		bool readable;		/* /etc/subuid (/etc/subgid) could be read */
		bool found;		/* has an entry for user or uid */
		unsigned long start, count;
	} subid[2];			/* subuid, subgid */

	struct {
		enum doctor_cgmode mode;
		char v2mnt[PATH_MAX];	/* where cgroup2 is mounted, or "" */
		char v2path[PATH_MAX];	/* this process's v2 cgroup ("0::PATH") */
		char v1ctrls[256];	/* v1 controllers, space-separated */
		char v2ctrls[256];	/* cgroup.controllers of its v2 cgroup */
		char v2subtree[256];	/* cgroup.subtree_control of it */
		/* what run --memory/--pids/--cpus gets, as the cgroup module
		 * decides for run (cg_usable): all three, and each alone */
		bool all, alone[DOC_NCTRL];
		char where[256];	/* where nsx-NAME goes (all) */
		char why[1024];		/* run's error when not all */
	} cg;
};

/* Probe the running system. Forks short-lived children (reaped before it
 * returns) and changes nothing on the host. */
void doctor_gather(struct doctor_facts *f);

/* How many items doctor_eval makes: one per check of its table. */
#define DOCTOR_NCHECKS 20

/* Judge the facts: fills up to max items, returns how many. */
size_t doctor_eval(const struct doctor_facts *f, struct doctor_item *items, size_t max);

/* Append word to the space-separated list (NUL-terminated, size bytes),
 * cut to fit. */
void doctor_words_add(char *list, size_t size, const char *word);

#endif
