/* trust: the path check root applies to every path it takes from the
 * environment or an option (crafted trees: group- and world-writable
 * directories, /tmp-like sticky ones, another user's file, directory and
 * symlink, links through them, loops, relative paths, ".."), the ownership
 * check of per-user directories, reading uid_map for the host uid, root
 * after setns into a student's user namespace, and a / that cannot be
 * lstat'ed. The
 * trees need root (chown to another uid); as another user those cases are
 * skipped. Everything is under one mkdtemp directory, removed at exit. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "util/trust.h"

#define OTHER 4242	/* a uid that is not root's */

static char top[64] = "/tmp/nsx-trust-test.XXXXXX";

/* top/rel, in one of two buffers (two may be live at once) */
static const char *
at(const char *rel)
{
	static char buf[2][PATH_MAX];
	static unsigned i;
	char *b = buf[i++ % 2];

	snprintf(b, PATH_MAX, "%s/%s", top, rel);
	return b;
}

/* The crafted tree: d a directory, f a file, l a symlink (a target
 * starting with @/ is under top), each with its mode and owner. */
static const struct {
	const char *rel;
	char type;
	mode_t mode;
	uid_t uid;
	const char *target;
} tree[] = {
	{ "ok", 'd', 0755, 0, NULL },
	{ "ok/file", 'f', 0644, 0, NULL },
	{ "ok/gwfile", 'f', 0664, 0, NULL },
	{ "gw", 'd', 0775, 0, NULL },
	{ "gw/file", 'f', 0644, 0, NULL },
	{ "ow", 'd', 0757, 0, NULL },
	{ "sticky", 'd', 01777, 0, NULL },
	{ "sticky/rootdir", 'd', 0755, 0, NULL },
	{ "sticky/rootdir/file", 'f', 0644, 0, NULL },
	{ "sticky/userfile", 'f', 0644, OTHER, NULL },
	{ "sticky/userlink", 'l', 0, OTHER, "@/ok" },
	{ "user", 'd', 0755, OTHER, NULL },
	{ "user/file", 'f', 0644, 0, NULL },
	{ "to-user", 'l', 0, 0, "user/file" },
	{ "to-ok", 'l', 0, 0, "ok" },
	{ "to-ok-abs", 'l', 0, 0, "@/ok/file" },
	{ "loop", 'l', 0, 0, "loop" },
	{ "to-sticky", 'l', 0, 0, "sticky" },
	{ "mine", 'd', 0700, 0, NULL },
	{ "wide", 'd', 0755, 0, NULL },
};

static int
make_tree(void)
{
	for (size_t i = 0; i < sizeof(tree) / sizeof(tree[0]); i++) {
		const char *p = at(tree[i].rel), *t = tree[i].target;
		int rc, fd;

		if (tree[i].type == 'd')
			rc = mkdir(p, 0700);
		else if (tree[i].type == 'l')
			rc = symlink(t[0] == '@' ? at(t + 2) : t, p);
		else
			rc = (fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0 ? -1 : close(fd);
		if (rc == 0 && tree[i].type != 'l')
			rc = chmod(p, tree[i].mode);
		if (rc == 0)
			rc = lchown(p, tree[i].uid, tree[i].uid);
		if (rc < 0) {
			ok(0, "make %s: %s", p, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* What trust_path says of top/rel (or an absolute or ./ path) as root:
 * want NULL, that it passes; else a part of the message it fails with. */
static const struct {
	const char *rel, *want, *what;
} cases[] = {
	{ "", NULL, "the scratch directory (root's, 0700, in sticky /tmp)" },
	{ "/", NULL, "/" },
	{ "ok/file", NULL, "a root file in root directories" },
	{ "ok//./file", NULL, "// and . are nothing" },
	{ "ok/missing/deeper", NULL, "a missing tail under a directory only root can write" },
	{ "ok/gwfile", "ok/gwfile is writable by its group (mode 0664)", "a group-writable file" },
	{ "gw/file", "gw is writable by its group (mode 0775)", "a group-writable directory" },
	{ "ow/missing", "ow is writable by others (mode 0757)", "a world-writable directory" },
	{ "sticky/rootdir/file", NULL, "root's directory in a sticky one (as /tmp)" },
	{ "sticky", "sticky is writable by group and others (mode 1777)", "a sticky directory itself" },
	{ "sticky/missing", "sticky/missing does not exist, and group and others can make it first",
	  "a missing name in a sticky directory (another user could make it first)" },
	{ "sticky/userfile", "sticky/userfile is owned by uid 4242", "another user's file" },
	{ "sticky/userlink/file", "sticky/userlink (a symlink) is owned by uid 4242",
	  "another user's symlink to root's directory" },
	{ "user/file", "/user is owned by uid 4242", "root's file in another user's directory" },
	{ "to-user", "/user is owned by uid 4242", "a root symlink into another user's directory" },
	{ "user/../ok/file", "/user is owned by uid 4242", "through another user's directory and .." },
	{ "to-ok/file", NULL, "a relative root symlink to root's directory" },
	{ "to-ok-abs", NULL, "an absolute root symlink to root's file" },
	{ "to-ok/..", NULL, ".. after a link: its target's parent" },
	{ "to-sticky/..", NULL, ".. out of a sticky directory" },
	{ "to-sticky", "sticky is writable by group and others", "a link to a sticky directory" },
	{ "loop/x", "too many levels of symbolic links", "a symlink loop" },
	{ "ok/file/x", "ok/file is not a directory", "a file in the middle" },
	{ "/dev/null", NULL, "/dev/null (INPUTRC=/dev/null): writes change nothing" },
	{ "/dev/null/x", "is not a directory", "a name under /dev/null" },
};

static void
path_is(const char *rel, const char *want, const char *what)
{
	struct nsx_err err = { 0 };
	const char *p = rel[0] == '/' || rel[0] == '.' ? rel : at(rel);
	int rc = trust_path(p, 0, &err);

	if (!want) {
		if (!ok(rc == 0, "%s: %s", what, p))
			printf("#   refused: %s\n", err.msg);
	} else if (!ok(rc < 0 && strstr(err.msg, want), "%s: %s refused", what, p))
		printf("#   rc %d, message '%s', want '%s'\n", rc, rc < 0 ? err.msg : "", want);
}

static void
paths(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		path_is(cases[i].rel, cases[i].want, cases[i].what);
	/* relative: from the working directory, checked from / */
	if (chdir(at("ok")) == 0)
		path_is("./file", NULL, "a relative path from root's directory");
	if (chdir(at("user")) == 0)
		path_is("./file", "/user is owned by uid 4242", "a relative path from another user's directory");
	if (chdir("/") < 0)
		ok(0, "chdir /");
}

static void
require(void)
{
	struct nsx_err err = { 0 };
	int rc;

	rc = trust_require("NSX_X=/y", at("user/file"), "unset it", &err);
	is_int(rc, -1, "trust_require refuses, as root, a file in another user's directory");
	if (rc < 0 && !ok(strstr(err.msg, "NSX_X=/y: ") == err.msg &&
			  strstr(err.msg, "/user is owned by uid 4242: as root, nsx only uses paths that root "
					  "alone can change; unset it"), "... in one line: what, why, what to do"))
		printf("#   got '%s'\n", err.msg);
	is_int(trust_env("NSX_X", at("ok/file"), &err), 0, "trust_env passes root's file");
}

static void
dirs_ours(void)
{
	struct nsx_err err = { 0 };

	is_int(trust_dir_ours(at("mine"), 077, "x", &err), 0, "a 0700 directory of ours");
	ok(trust_dir_ours(at("user"), 077, "do this", &err) < 0 &&
	   strstr(err.msg, "belongs to another user (uid 4242 here)") && strstr(err.msg, "do this"),
	   "another user's directory (made first): refused, with what to do");
	ok(trust_dir_ours(at("wide"), 077, "x", &err) < 0 && strstr(err.msg, "chmod 0700"),
	   "a directory open to others, for a state directory: refused");
	is_int(trust_dir_ours(at("wide"), 022, "x", &err), 0, "... readable is fine where only writes matter");
	ok(trust_dir_ours(at("to-ok"), 077, "x", &err) < 0 && strstr(err.msg, "symbolic link"),
	   "a symlink to a directory of ours: refused");
}

/* A child's check, by its exit status: 0 passed, else which failed. */
static int
child_status(pid_t c)
{
	int st;

	while (waitpid(c, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* A student's user namespace (uid OTHER, mapped to 0 in it, as `unshare
 * -Ur` makes it), held by a child until *hold is closed: its pid, or -1. */
static pid_t
student_userns(int *hold)
{
	int ready[2], wait_[2];
	char c;
	pid_t pid;

	if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(wait_, O_CLOEXEC) < 0)
		return -1;
	if ((pid = fork()) == 0) {
		char map[32];
		int fd;

		close(ready[0]);
		close(wait_[1]);
		/* dumpable again after the uid change: its /proc/self files
		 * are its own, uid_map with them */
		if (setresgid(OTHER, OTHER, OTHER) < 0 || setresuid(OTHER, OTHER, OTHER) < 0 ||
		    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0 || unshare(CLONE_NEWUSER) < 0)
			_exit(1);
		snprintf(map, sizeof(map), "0 %d 1\n", OTHER);
		fd = open("/proc/self/uid_map", O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, map, strlen(map)) < 0)
			_exit(1);
		if (write(ready[1], "r", 1) != 1 || read(wait_[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(ready[1]);
	close(wait_[0]);
	*hold = wait_[1];
	if (pid < 0 || read(ready[0], &c, 1) != 1) {
		close(ready[0]);
		return -1;
	}
	close(ready[0]);
	return pid;
}

/* Host root that setns'es into a student's user namespace reads euid
 * 65534 there, yet still owns every file root owns: it stays root, and
 * as owners there cannot be told (root's files show as 65534 too), no
 * path passes. */
static void
root_after_setns(void)
{
	char path[64];
	int hold = -1, fd;
	pid_t stu, c;

	ok(trust_root(), "root at start: trust_root");
	if ((stu = student_userns(&hold)) < 0) {
		skip("cannot make a user namespace as another uid");
		if (hold >= 0)
			close(hold);
		return;
	}
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)stu);
	if ((c = fork()) == 0) {
		struct nsx_err err = { 0 };

		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWUSER) < 0)
			_exit(10);
		if (geteuid() == 0)
			_exit(11);	/* not the case this tests */
		/* each check a bit of the status */
		_exit((trust_root() ? 0 : 1) |
		      (trust_require("NSX_X=/y", at("ok/file"), "unset it", &err) == 0 ? 2 :
		       strstr(err.msg, "root's files do not show as uid 0") ? 0 : 4));
	}
	int st = child_status(c);

	close(hold);
	child_status(stu);
	if (st >= 10) {
		skip("setns into the student's user namespace failed");
		return;
	}
	ok(!(st & 1), "after setns into a student's user namespace (euid 65534 there): still root");
	ok(!(st & 6), "... and trust_require refuses there, saying why (status %d)", st);
}

/* lstat("/") fails (a seccomp filter makes every stat EACCES): trust_path
 * says so, rather than leaving err as it was. */
static void
root_unreadable(void)
{
	static const int nrs[] = {
#ifdef __NR_newfstatat
		__NR_newfstatat,
#endif
#ifdef __NR_fstatat64
		__NR_fstatat64,
#endif
#ifdef __NR_lstat
		__NR_lstat,
#endif
#ifdef __NR_stat
		__NR_stat,
#endif
		__NR_statx,
	};
	struct sock_filter f[2 + 2 * sizeof(nrs) / sizeof(nrs[0])];
	struct sock_fprog prog = { .filter = f };
	size_t n = 0;
	pid_t c;

	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	for (size_t i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++) {
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nrs[i], 0, 1);
		f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES);
	}
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	prog.len = (unsigned short)n;
	if ((c = fork()) == 0) {
		struct nsx_err err;

		memset(&err, 'x', sizeof(err));
		err.msg[sizeof(err.msg) - 1] = '\0';
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
			_exit(10);
		if (trust_require("NSX_X=/y", "/y", "unset it", &err) == 0)
			_exit(1);
		if (!strstr(err.msg, "NSX_X=/y: /: Permission denied: as root"))
			_exit(2);
		_exit(0);
	}
	int st = child_status(c);

	if (st == 10)
		skip("no seccomp filter");
	else
		is_int(st, 0, "lstat(\"/\") refused: trust_require's line says '/: Permission denied'");
}

static void
maps(void)
{
	is_int(trust_map_outer("0 1000 1\n", 0), 1000, "uid_map '0 1000 1': 0 is 1000 outside");
	is_int(trust_map_outer("0 1000 1\n", 1), -1, "... 1 is not mapped");
	is_int(trust_map_outer("         0       1000          1\n", 0), 1000, "the kernel's padding");
	is_int(trust_map_outer("0 0 4294967295\n", 1234), 1234, "the initial namespace: the identity");
	is_int(trust_map_outer("0 1000 1\n1 100000 65536\n", 70), 100069, "a second line");
	is_int(trust_map_outer("", 0), -1, "an empty map");
}

int
main(void)
{
	char cmd[128];

	maps();
	if (geteuid() != 0) {
		skip("the path checks need root (files of another uid)");
		return done_testing();
	}
	if (!mkdtemp(top)) {
		ok(0, "mkdtemp %s: %s", top, strerror(errno));
		return done_testing();
	}
	if (make_tree() == 0) {
		paths();
		require();
		dirs_ours();
		root_after_setns();
		root_unreadable();
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	if (system(cmd) != 0)
		ok(0, "%s", cmd);
	return done_testing();
}
