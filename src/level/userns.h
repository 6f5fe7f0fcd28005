/* Why a user namespace cannot be made or used here, as one line that names
 * the fix, instead of a bare EPERM or ENOSPC: the distributions' switches
 * (Debian's kernel.unprivileged_userns_clone, Ubuntu 23.10+'s
 * kernel.apparmor_restrict_unprivileged_userns, under which unshare works
 * but the namespace has no capabilities, so its uid_map and mounts fail),
 * the limits (user.max_user_namespaces, 0 or reached), and newuidmap and
 * newgidmap for maps of more than one ID. The one place that knows it:
 * levels (unshare), run and doctor ask here. Reads files, never prints. */
#ifndef NSX_USERNS_H
#define NSX_USERNS_H

#include <stdbool.h>
#include <stddef.h>

#include "model/nstype.h"
#include "util/err.h"

enum userns_sysctl {
	USERNS_CLONE,		/* kernel.unprivileged_userns_clone (Debian/Ubuntu patch) */
	USERNS_MAX,		/* user.max_user_namespaces, 0 = disabled */
	USERNS_APPARMOR,	/* kernel.apparmor_restrict_unprivileged_userns (Ubuntu 23.10+) */
	USERNS_NSYSCTL
};

struct userns_sys {
	long v[USERNS_NSYSCTL];		/* -1: the file is absent */
	long maxns[NSX_NTYPES];		/* user.max_TYPE_namespaces, -1 absent (for
					 * user: v[USERNS_MAX] is the one asked) */
	bool init_userns;		/* read in the initial user namespace: its
					 * limits are the ones that count */
	bool aa_restricted;		/* this process's AppArmor label is one the
					 * restriction applies to: "unconfined", or
					 * "unprivileged_userns" (where it has put a
					 * new user namespace); false without
					 * AppArmor or under a profile of its own */
};

/* The sysctls as files under dir (a /proc/sys tree: "kernel/...",
 * "user/..."); dir NULL: /proc/sys, or NSX_TEST_SYSCTL_DIR in a test
 * build. Read in the user namespace they are to explain: a new user
 * namespace starts with no limits of its own (its parents' still count).
 * The AppArmor label comes from /proc/self/attr/apparmor/current, or from
 * the file "apparmor-label" in a dir given (a fixture); a fixture counts
 * as the initial user namespace. */
void userns_sys_read(const char *dir, struct userns_sys *s);

/* "kernel.unprivileged_userns_clone" ... */
const char *userns_sysctl_name(enum userns_sysctl i);

/* Where the failure came. */
enum userns_step {
	USERNS_MAKE,	/* unshare/clone with CLONE_NEWUSER (and the other types) */
	USERNS_USE,	/* a step that needs its capabilities: its maps, mounts, hostname */
};

struct userns_why {
	char cause[200];	/* "AppArmor restricts unprivileged user namespaces here (...=1)" */
	char fix[160];		/* "ask root for an AppArmor profile for nsx, or sysctl -w ...=0" */
};

/* Do the sysctls s explain err at step? flags: the CLONE_NEW* asked for;
 * privileged: CAP_SYS_ADMIN on the host (root outside any user namespace),
 * which Debian's and Ubuntu's switches do not restrict. true and w filled,
 * or false: they do not (the caller's own words stand). */
bool userns_explain(const struct userns_sys *s, enum userns_step step, int flags, int err,
		    bool privileged, struct userns_why *w);

/* For an error that just happened in this process: read the sysctls and,
 * when they explain err->errnum, make err->msg "WHAT: CAUSE: FIX". */
bool userns_explain_err(struct nsx_err *err, const char *what, enum userns_step step, int flags,
			bool privileged);

/* newuidmap or newgidmap as execvp(3) would find it ($PATH, else
 * /bin:/usr/bin), a regular executable file: its path in buf, 0; or -1. */
int userns_tool_find(const char *tool, char *buf, size_t n);

/* What to do when newuidmap/newgidmap is missing: run, unshare and
 * doctor say the same. */
#define USERNS_TOOL_FIX "ask root to install the uidmap package (apt-get install uidmap; " \
	"Fedora: shadow-utils)"

/* The error for a map (OPT: "--uid-map 1:100000:65536") that needs TOOL
 * when TOOL is missing: what is missing and what to do, in one line. */
int userns_tool_missing(struct nsx_err *err, const char *tool, const char *opt);

#endif
