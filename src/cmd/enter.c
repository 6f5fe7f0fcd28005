/* enter: step into the namespaces of a process, a namespace file or a
 * namespace inode, as a new level (nsenter's rules, a pidfd where the
 * kernel has one). `nsx enter TARGET -- CMD` runs CMD there. */
#define _GNU_SOURCE
#include "cmd/cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container/live.h"
#include "container/state.h"
#include "model/model.h"
#include "repl/repl.h"
#include "sys/sys.h"
#include "util/trust.h"
#include "util/xalloc.h"

enum { OPT_ROOT = 256, OPT_WD, OPT_UNCONFINED };

static const struct nsx_opt enter_opts[] = {
	{ "root", OPT_ROOT, ARG_NONE, NULL, COMP_NONE,
	  "take the target's root directory too (nsenter -r)" },
	{ "wd", OPT_WD, ARG_NONE, NULL, COMP_NONE,
	  "take the target's working directory too (nsenter -w)" },
	{ "unconfined", OPT_UNCONFINED, ARG_NONE, NULL, COMP_NONE,
	  "into a container: keep all your privileges (its programs get them too)" },
	{ NULL, 0, 0, NULL, 0, NULL },
};

struct target {
	pid_t pid;		/* a process, or 0 */
	int pidfd;		/* its pidfd (from before its namespaces were read), or -1 */
	int fd;			/* a namespace fd (file or inode target), or -1 */
	int type;		/* its type */
	char name[PATH_MAX + 32];
	unsigned long ino[NSX_NTYPES];	/* its namespaces (of a file: its one) */
	bool ctr;		/* an nsx container's (by name, or recognised: live_find) */
	struct ctr_state st;	/* then its record */
};

extern const struct nsx_cmd cmd_enter;

/* An nsfs fd: which type is it? */
static int
fd_nstype(int fd)
{
	int flag = sys_ns_get_nstype(fd);

	return flag < 0 ? -1 : nstype_from_clone(flag);
}

static int
target_file(struct target *tg, const char *path)
{
	tg->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (tg->fd < 0)
		return cmd_fail(&cmd_enter, "%s: %s", path, strerror(errno));
	if ((tg->type = fd_nstype(tg->fd)) < 0) {
		close(tg->fd);
		return cmd_fail(&cmd_enter, "%s is not a namespace file (give /proc/PID/ns/TYPE, "
				"a bind-mounted one, or /run/netns/NAME)", path);
	}
	snprintf(tg->name, sizeof(tg->name), "%s", path);
	return 0;
}

/* An inode as `ls` prints it: open it through whatever holds it. */
static int
target_inode(struct target *tg, unsigned long ino)
{
	struct nsx_model m;
	struct nsx_err err;
	struct nsx_ns *ns;
	int rc = 0;

	if (model_open(&m, NULL, &err) < 0 ||
	    model_scan(&m, NSX_ALLTYPES, SCAN_FDS | SCAN_MOUNTS | SCAN_CHILDREN, &err) < 0) {
		nsx_err_print("enter", &err);
		model_close(&m);
		return 1;
	}
	if (!(ns = model_ns(&m, ino)))
		rc = cmd_fail(&cmd_enter, "no namespace %lu (run 'ls' to see them)", ino);
	else if ((tg->fd = model_ns_open(&m, ns)) < 0)
		rc = cmd_fail(&cmd_enter, "cannot open namespace %lu: %s", ino, strerror(errno));
	else {
		tg->type = ns->type;
		snprintf(tg->name, sizeof(tg->name), "%s:[%lu]", nstype_table[ns->type].name, ino);
	}
	model_close(&m);
	return rc;
}

static int
target_parse(struct target *tg, const char *arg)
{
	char *end;
	unsigned long v;

	memset(tg, 0, sizeof(*tg));
	tg->pidfd = -1;
	tg->fd = -1;
	errno = 0;
	v = strtoul(arg, &end, 10);
	if (!errno && end != arg && !*end && *arg != '-') {
		/* PIDs stop at 4194304; namespace inodes start near 4026531830 */
		if (v > 4194304)
			return target_inode(tg, v);
		if (v == 0)
			return cmd_fail(&cmd_enter, "invalid PID '0'");
		tg->pid = (pid_t)v;
		/* pinned before its namespaces are read: what is entered is
		 * the process they were read from, or nothing */
		tg->pidfd = sys_pidfd_open(tg->pid, 0);
		snprintf(tg->name, sizeof(tg->name), "%lu", v);
		return 0;
	}
	if (!strchr(arg, '/')) {
		char path[PATH_MAX];
		struct nsx_err err;

		/* `enter web` for a container of `run --name web`: its first
		 * process pinned, then checked to be the one run recorded */
		if (state_read(arg, &tg->st, &err) == 0) {
			if ((tg->pidfd = live_pidfd(&tg->st, &err)) < 0)
				return cmd_fail(&cmd_enter, "%s", err.msg);
			tg->pid = tg->st.pid;
			tg->ctr = true;
			snprintf(tg->name, sizeof(tg->name), "%s", arg);
			return 0;
		}
		/* `enter blue` for an ip netns */
		snprintf(path, sizeof(path), "/run/netns/%s", arg);
		if (access(path, F_OK) == 0)
			return target_file(tg, path);
		if (err.errnum != ENOENT)
			return cmd_fail(&cmd_enter, "%s", err.msg);
		return cmd_fail(&cmd_enter, "'%s' is not a PID, a namespace inode, a namespace "
				"file, a container name (see 'nsx ps') or an ip netns name", arg);
	}
	return target_file(tg, arg);
}

/* Is the target a process we can enter? Kernel threads have no user space
 * to enter into, and a PID may not exist. */
static int
check_pid(pid_t pid, unsigned long ino[NSX_NTYPES])
{
	struct nsx_err err;
	char path[64], buf[8];
	int fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return cmd_fail(&cmd_enter, "cannot open /proc: %s", strerror(errno));
	rc = proc_ns_inodes(fd, pid, ino, &err);
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	close(fd);
	if (rc < 0) {
		nsx_err_print("enter", &err);
		return 1;
	}
	if (readlink(path, buf, sizeof(buf)) < 0 && errno == ENOENT)
		return cmd_fail(&cmd_enter, "%d is a kernel thread: it has no namespaces of its own to enter",
				(int)pid);
	return 0;
}

static int
plan_pid(struct nsx_shell *sh, struct level_req *r, struct target *tg, unsigned types)
{
	unsigned long *ino = tg->ino, self[NSX_NTYPES];
	bool explicit = types != 0;

	if (check_pid(tg->pid, ino))
		return 1;
	if (tg->pidfd >= 0 && sys_pidfd_exited(tg->pidfd) != 0)
		return cmd_fail(&cmd_enter, "process %d has ended", (int)tg->pid);
	if (level_self_ns(sh, self) < 0)
		return cmd_fail(&cmd_enter, "cannot read this shell's namespaces");
	for (int t = 0; t < NSX_NTYPES; t++) {
		bool want = explicit ? (types & (1u << t)) : (ino[t] && ino[t] != self[t]);

		if (!want)
			continue;
		/* setns into one's own user namespace is EINVAL, and would hand
		 * back dropped capabilities: never (nsenter -a skips it too) */
		if (t == NSX_USER && ino[t] == self[t]) {
			if (explicit)
				return cmd_fail(&cmd_enter, "you are already in user namespace %lu", ino[t]);
			continue;
		}
		/* one we are in already, even when named: entering it changes
		 * nothing, and `levels` would list it as new */
		if (ino[t] == self[t])
			continue;
		r->enter_flags |= nstype_table[t].clone_flag;
	}
	if (!r->enter_flags)
		return cmd_fail(&cmd_enter, "process %d is in the same namespaces as this shell already",
				(int)tg->pid);
	r->target_pid = tg->pid;
	if (r->pidfd < 0) {
		/* before Linux 5.8: one fd per type */
		for (int t = 0; t < NSX_NTYPES; t++) {
			char path[64];

			if (!(r->enter_flags & nstype_table[t].clone_flag))
				continue;
			snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)tg->pid, nstype_table[t].name);
			if ((r->nsfd[t] = open(path, O_RDONLY | O_CLOEXEC)) < 0)
				return cmd_fail(&cmd_enter, "%s: %s", path, strerror(errno));
		}
	}
	return 0;
}

/* A namespace file or inode: one type, and not one this shell is in
 * already (setns into one's own user namespace is EINVAL; into any other
 * it would only make a level that changes nothing). */
static int
plan_file(struct nsx_shell *sh, const struct target *tg, unsigned types)
{
	unsigned long self[NSX_NTYPES], ino = sys_fd_ino(tg->fd);

	if (types && types != (1u << tg->type))
		return cmd_fail(&cmd_enter, "%s is a %s namespace: no other type can be entered through it",
				tg->name, nstype_table[tg->type].name);
	if (level_self_ns(sh, self) < 0 || !ino || self[tg->type] != ino)
		return 0;
	if (tg->type == NSX_USER)
		return cmd_fail(&cmd_enter, "you are already in user namespace %lu", ino);
	return cmd_fail(&cmd_enter, "this shell is in %s namespace %lu already", nstype_table[tg->type].name,
			ino);
}

/* A container's pid namespace is never joined without its mount
 * namespace, as `runc exec` joins all of them: a level in its pid
 * namespace is seen by the container's root, which (once the level has
 * the container's capabilities, and after exec) may open its
 * /proc/PID/root and cwd: with the host's mount namespace, the host's
 * files, as root. So `enter web pid` is `enter web mnt pid` (setns into a
 * mount namespace also moves root and cwd into it), and a process in its
 * pid namespace but not in its mount namespace (`nsenter -t PID -p`) is
 * refused as a target: it would bring the host's mounts, root and cwd.
 * Without its pid namespace the container's processes cannot see the
 * level (no /proc entry, so no ptrace and no /proc/PID/root; no signal):
 * uts, ipc, net, cgroup and time alone share the hostname, SysV IPC
 * objects and sockets (data that the level's programs choose to read or
 * to offer, as they would with a service of the container; uid 0 there is
 * the container's root, so a program must not hand its shm or messages
 * to "uid 0" and expect root alone), and a view of cgroups and clocks. */
static int
plan_ctr_mnt(struct nsx_shell *sh, struct level_req *r, const struct target *tg)
{
	unsigned long self[NSX_NTYPES], mnt;
	struct nsx_err err;
	int fd;

	if (!(r->enter_flags & CLONE_NEWPID))
		return 0;
	if ((fd = live_ns_open(&tg->st, NSX_MNT, &err)) < 0)
		return cmd_fail(&cmd_enter, "%s", err.msg);
	mnt = sys_fd_ino(fd);
	if (tg->pid && tg->ino[NSX_MNT] != mnt) {
		close(fd);
		return cmd_fail(&cmd_enter, "process %d is in the pid namespace of container '%s' but not in "
				"its mount namespace: its root would reach this level's files; enter '%s' "
				"itself", (int)tg->pid, tg->st.name, tg->st.name);
	}
	if ((r->enter_flags & CLONE_NEWNS) || (level_self_ns(sh, self) == 0 && self[NSX_MNT] == mnt)) {
		close(fd);
		return 0;
	}
	r->enter_flags |= CLONE_NEWNS;
	/* a pidfd's setns takes the target's, which is the container's */
	if (r->pidfd >= 0)
		close(fd);
	else
		r->nsfd[NSX_MNT] = fd;
	return 0;
}

/* An nsx container's namespaces are entered: by its name, or by a PID,
 * file or inode into its mount namespace (its programs) or its pid
 * namespace (where its processes see the level's). The level then takes
 * on the container's confinement, as `runc exec` does, unless
 * --unconfined: its programs would run with all of this shell's
 * privileges, and (as root) lesson checks would run them as root too. */
static int
plan_container(struct nsx_shell *sh, struct level_req *r, struct target *tg, bool unconfined)
{
	unsigned long ino[NSX_NTYPES] = { 0 };
	struct nsx_err err;
	int found = 0;

	for (int t = 0; t < NSX_NTYPES && !tg->ctr; t++)
		if ((t == NSX_MNT || t == NSX_PID) && (r->enter_flags & nstype_table[t].clone_flag))
			ino[t] = tg->ino[t];
	if (!tg->ctr && (ino[NSX_MNT] || ino[NSX_PID]) && (found = live_find(ino, &tg->st, &err)) < 0)
		return cmd_fail(&cmd_enter, "%s", err.msg);
	tg->ctr |= found;
	if (!tg->ctr)
		return 0;
	if (plan_ctr_mnt(sh, r, tg))
		return 1;
	r->ctr = tg->st.name;
	if (unconfined) {
		nsx_warn("enter", "--unconfined: the programs of container '%s' run here with all your "
			 "privileges (no capability drop, no seccomp filter, outside its cgroup)", r->ctr);
		return 0;
	}
	r->confined = true;
	r->confine = tg->st.confine;
	if (cg_enter_open(&tg->st.cg, r->cgfd, &err) < 0)
		return cmd_fail(&cmd_enter, "%s", err.msg);
	r->ncg = tg->st.cg.ndirs;
	return 0;
}

static int
plan_dirs(struct level_req *r, const struct target *tg, bool root, bool wd)
{
	char path[64];

	if ((root || wd) && !tg->pid)
		return cmd_fail(&cmd_enter, "--root and --wd need a process as the target");
	if (root) {
		snprintf(path, sizeof(path), "/proc/%d/root", (int)tg->pid);
		if ((r->root_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
			return cmd_fail(&cmd_enter, "cannot open %s: %s", path, strerror(errno));
	}
	if (wd) {
		snprintf(path, sizeof(path), "/proc/%d/cwd", (int)tg->pid);
		if ((r->wd_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
			return cmd_fail(&cmd_enter, "cannot open %s: %s", path, strerror(errno));
	}
	return 0;
}

/* The inode of the user namespace owning namespace fd (0 if unknown). */
static unsigned long
owner_of(int fd)
{
	int ofd = sys_ns_get_userns(fd);
	unsigned long ino;

	if (ofd < 0)
		return 0;
	ino = sys_fd_ino(ofd);
	close(ofd);
	return ino;
}

/* The uid that made the user namespace owning namespace fd of type t
 * (of a user namespace, the uid that made it), as seen here; -1 unknown. */
static long long
owner_uid_of(int fd, int t)
{
	int ufd = t == NSX_USER ? fd : sys_ns_get_userns(fd);
	uid_t uid;
	int rc;

	if (ufd < 0)
		return -1;
	rc = sys_ns_get_owner_uid(ufd, &uid);
	if (ufd != fd)
		close(ufd);
	return rc < 0 ? -1 : (long long)uid;
}

/* As root, into namespaces another user made (a student's, through their
 * user namespace): one line before the level opens. The host's root keeps
 * its uid there, and with it every root-owned file: the programs it runs
 * there are that user's (their mount namespace) and run as root. An nsx
 * container of root's says what it is held to instead. */
static void
warn_owner(const struct level_req *r, const struct target *tg)
{
	long long owner = -1;

	if (!trust_root() || r->ctr)
		return;
	for (int t = 0; t < NSX_NTYPES && owner <= 0; t++) {
		char path[64];
		int fd = r->nsfd[t];

		if (!(r->enter_flags & nstype_table[t].clone_flag))
			continue;
		if (fd < 0 && tg->pid) {
			snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)tg->pid, nstype_table[t].name);
			fd = open(path, O_RDONLY | O_CLOEXEC);
		}
		if (fd < 0)
			continue;
		owner = owner_uid_of(fd, t);
		if (fd != r->nsfd[t])
			close(fd);
	}
	if (owner <= 0)
		return;
	if (r->enter_flags & (CLONE_NEWNS | CLONE_NEWUSER))
		nsx_warn("enter", "the namespaces of %s%s belong to uid %lld: the programs at this level are "
			 "that user's, and run as root; nsx takes no path there and runs no lesson check",
			 tg->pid ? "process " : "", tg->name, owner);
	else
		nsx_warn("enter", "the namespaces of %s%s belong to uid %lld: what you run at this level "
			 "runs as root among that user's processes", tg->pid ? "process " : "", tg->name, owner);
}

/* EPERM from setns: say which user namespace owns what was refused, and
 * where this shell has its capabilities. */
static void
explain_eperm(struct nsx_shell *sh, const struct level_req *r, struct nsx_err *err)
{
	unsigned long self[NSX_NTYPES];
	char path[64];
	pid_t pid = r->pidfd >= 0 ? r->target_pid : 0;

	if (level_self_ns(sh, self) < 0)
		return;
	for (int t = 0; t < NSX_NTYPES; t++) {
		unsigned long owner, ino;
		int fd = r->nsfd[t];

		if (!(r->enter_flags & nstype_table[t].clone_flag) || t == NSX_USER)
			continue;
		if (fd < 0 && pid) {
			snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, nstype_table[t].name);
			fd = open(path, O_RDONLY | O_CLOEXEC);
		}
		if (fd < 0)
			continue;
		owner = owner_of(fd);
		/* with a pidfd there is no nsfd: the one opened here names it */
		ino = sys_fd_ino(fd);
		if (fd != r->nsfd[t])
			close(fd);
		if (owner) {
			/* replace the generic hint with the precise one */
			char *hint = strstr(err->msg, " (");

			if (hint)
				*hint = '\0';
			if (owner == self[NSX_USER])
				snprintf(err->msg + strlen(err->msg), sizeof(err->msg) - strlen(err->msg),
					 " (%s:[%lu] is owned by user:[%lu], this shell's own user "
					 "namespace, where it lacks CAP_SYS_ADMIN: run as root)",
					 nstype_table[t].name, ino, owner);
			else
				snprintf(err->msg + strlen(err->msg), sizeof(err->msg) - strlen(err->msg),
					 " (%s:[%lu] is owned by user:[%lu]; this shell has capabilities only "
					 "in user:[%lu]: enter user:[%lu] too, or run as root)",
					 nstype_table[t].name, ino, owner, self[NSX_USER], owner);
			return;
		}
	}
}

static int
enter_go(struct nsx_shell *sh, struct level_req *r, int argc, char **argv, int cmd_at)
{
	struct nsx_err err;
	int status, rc;

	/* `nsx enter ... -- CMD`: this process becomes the level and CMD */
	if (sh->oneshot && cmd_at < argc)
		rc = level_exec(sh, r, argv + cmd_at, repl_become, &err);
	else
		rc = 0;
	if (rc == 0)
		rc = level_open(sh, r, &status, &err);
	if (rc < 0) {
		if (err.errnum == EPERM)
			explain_eperm(sh, r, &err);
		level_req_close(r);
		nsx_err_print("enter", &err);
		return 1;
	}
	if (rc == 1) {
		level_req_close(r);
		return status;
	}
	if (cmd_at < argc)
		repl_become(sh, argv + cmd_at);
	if (r->confined)
		/* the level's first line: where it is, and held to what */
		printf("Level %d: in container '%s', confined as its own processes are (%d capabilities%s%s%s); "
		       "'levels' shows it, 'exit' comes back.\n", sh->depth, r->ctr,
		       confine_ncaps(&r->confine), r->confine.nnp ? ", no_new_privs" : "",
		       r->confine.seccomp ? ", seccomp filter" : "", r->ncg ? ", its cgroup" : "");
	return 0;
}

static int
enter_run(struct nsx_shell *sh, int argc, char **argv)
{
	struct level_req r = { .pidfd = -1, .root_fd = -1, .wd_fd = -1, .enter = true };
	struct cmd_getopt g = { 0 };
	struct target tg;
	bool root = false, wd = false, unconfined = false;
	unsigned types = 0;
	int c, nargs, i;

	for (int t = 0; t < NSX_NTYPES; t++)
		r.nsfd[t] = -1;
	level_req_cmd(&r, argc, argv);
	nargs = cmd_dashdash(argc, argv);
	while ((c = cmd_getopt(&cmd_enter, nargs, argv, &g)) != -1) {
		if (c == 'h') {
			cmd_print_help(&cmd_enter, stdout);
			return 0;
		}
		if (c == OPT_ROOT)
			root = true;
		else if (c == OPT_WD)
			wd = true;
		else if (c == OPT_UNCONFINED)
			unconfined = true;
		else
			return 1;
	}
	if (g.optind >= nargs)
		return cmd_fail(&cmd_enter, "enter what? (a PID, a namespace inode or file; see 'help enter')");
	for (i = g.optind + 1; i < nargs; i++) {
		int t = nstype_from_name(argv[i]);

		if (t < 0)
			return cmd_fail(&cmd_enter, "unknown namespace type '%s' (%s)", argv[i], nstype_names());
		types |= 1u << t;
	}
	if (target_parse(&tg, argv[g.optind]))
		return 1;
	r.pidfd = tg.pidfd;
	if (tg.fd >= 0) {
		if (plan_file(sh, &tg, types)) {
			close(tg.fd);
			return 1;
		}
		r.nsfd[tg.type] = tg.fd;
		r.enter_flags = nstype_table[tg.type].clone_flag;
		tg.ino[tg.type] = sys_fd_ino(tg.fd);
	} else if (plan_pid(sh, &r, &tg, types)) {
		level_req_close(&r);
		return 1;
	}
	/* nsenter: user namespace first when we gain rights there, else last */
	r.user_first = geteuid() != 0;
	if (plan_dirs(&r, &tg, root, wd) || plan_container(sh, &r, &tg, unconfined)) {
		level_req_close(&r);
		return 1;
	}
	level_req_types(&r, r.enter_flags);
	warn_owner(&r, &tg);
	return enter_go(sh, &r, argc, argv, nargs + 1);
}

const struct nsx_cmd cmd_enter = {
	.name = "enter",
	.summary = "step into the namespaces of a process or a namespace file (a new level)",
	.usage = "enter [--root] [--wd] [--unconfined] TARGET [TYPE...] [-- CMD [ARG...]]",
	.help =
	"TARGET is a PID, a container's name (see 'nsx ps'), a namespace file\n"
	"(/proc/PID/ns/TYPE, a bind-mounted one, /run/netns/NAME or just NAME),\n"
	"or a namespace inode as `ls` prints it.\n"
	"For a PID the default is every type in which it differs from this shell.\n"
	"The shell forks and the new level setns()s into them; `exit` comes back.\n"
	"\n"
	"Into a container you started with 'run' (by its name, or a PID, file or\n"
	"inode in its mount or pid namespace), the level is confined as its own\n"
	"processes are, as `runc exec` does: its capabilities, no_new_privs, its\n"
	"seccomp filter and its cgroup (limits included), not dumpable; what runs\n"
	"there gets fds 0-2 only. The programs there are the container's, which\n"
	"nobody should run with all of root's privileges: --unconfined does, and\n"
	"says so. The container's PID is pinned and checked first: a PID reused\n"
	"by another process is refused, never entered. Its pid namespace is never\n"
	"joined without its mount namespace, as `runc exec` joins them all\n"
	"(`enter web pid` is `enter web mnt pid`): its root would otherwise reach\n"
	"this host's files through the level's /proc/PID/root.\n"
	"\n"
	"As root, into namespaces another user made (a student's): one line says\n"
	"so, as the programs there are theirs and run as root. At a level in a\n"
	"mount or user namespace entered from outside (theirs, a container's),\n"
	"nsx takes no path from the environment or an option, and runs no lesson\n"
	"check program unless the level is confined.\n"
	"\n"
	"Examples:\n"
	"  enter 1234                every namespace of 1234 that differs from ours\n"
	"  enter 1234 net uts        only its network and UTS namespaces\n"
	"  enter --root --wd 1234    also its root and working directory\n"
	"  enter /run/netns/blue     a namespace made by `ip netns add blue`\n"
	"  enter web                 the container of `run --name web`, confined\n"
	"  enter --unconfined web    the same with all your privileges (beware)\n"
	"  enter 4026532288 -- ip a  run one command in a namespace, by inode\n",
	.opts = enter_opts,
	.args = COMP_PID,
	.args_rest = COMP_NSTYPE,
	.run = enter_run,
};
