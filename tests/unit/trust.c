/* trust: the path check root applies to every path it takes from the
 * environment or an option (crafted trees: group- and world-writable
 * directories, /tmp-like sticky ones, another user's file, directory and
 * symlink, links through them, loops, relative paths, ".."), the ownership
 * check of per-user directories, and reading uid_map for the host uid. The
 * trees need root (chown to another uid); as another user those cases are
 * skipped. Everything is under one mkdtemp directory, removed at exit. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "util/trust.h"

#define OTHER 4242	/* a uid that is not root's */

static char top[64] = "/tmp/nsx-trust-test.XXXXXX";

static const char * __attribute__((format(printf, 1, 2)))
P(const char *fmt, ...)
{
	static char ring[16][PATH_MAX];
	static unsigned i;
	char *buf = ring[i++ % 16];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, PATH_MAX, fmt, ap);
	va_end(ap);
	return buf;
}

/* mkdir/creat/symlink at top/rel with mode and owner; 0 on success */
static int
mk(const char *rel, char type, mode_t mode, uid_t uid, const char *target)
{
	const char *p = P("%s/%s", top, rel);
	int rc;

	if (type == 'd')
		rc = mkdir(p, 0700);
	else if (type == 'l')
		rc = symlink(target, p);
	else {
		int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

		rc = fd < 0 ? -1 : close(fd);
	}
	if (rc == 0 && type != 'l')
		rc = chmod(p, mode);
	if (rc == 0)
		rc = lchown(p, uid, uid);
	if (rc < 0)
		printf("# cannot make %s: %s\n", p, strerror(errno));
	return rc;
}

/* trust_path(top/rel) as root: passes, or fails with a message holding want */
static void
path_is(const char *rel, const char *want, const char *what)
{
	struct nsx_err err = { 0 };
	const char *p = rel[0] == '/' || rel[0] == '.' ? rel : P("%s/%s", top, rel);
	int rc = trust_path(p, 0, &err);

	if (!want) {
		if (!ok(rc == 0, "%s: %s", what, p))
			printf("#   refused: %s\n", err.msg);
		return;
	}
	if (!ok(rc < 0 && strstr(err.msg, want), "%s: %s refused", what, p))
		printf("#   rc %d, message '%s', want '%s'\n", rc, rc < 0 ? err.msg : "", want);
}

static int
tree(void)
{
	return mk("ok", 'd', 0755, 0, NULL) || mk("ok/file", 'f', 0644, 0, NULL) ||
	       mk("ok/gwfile", 'f', 0664, 0, NULL) || mk("gw", 'd', 0775, 0, NULL) ||
	       mk("gw/file", 'f', 0644, 0, NULL) || mk("ow", 'd', 0757, 0, NULL) ||
	       mk("sticky", 'd', 01777, 0, NULL) || mk("sticky/rootdir", 'd', 0755, 0, NULL) ||
	       mk("sticky/rootdir/file", 'f', 0644, 0, NULL) ||
	       mk("sticky/userfile", 'f', 0644, OTHER, NULL) ||
	       mk("sticky/userlink", 'l', 0, OTHER, P("%s/ok", top)) ||
	       mk("user", 'd', 0755, OTHER, NULL) || mk("user/file", 'f', 0644, 0, NULL) ||
	       mk("to-user", 'l', 0, 0, "user/file") || mk("to-ok", 'l', 0, 0, "ok") ||
	       mk("to-ok-abs", 'l', 0, 0, P("%s/ok/file", top)) || mk("loop", 'l', 0, 0, "loop") ||
	       mk("to-sticky", 'l', 0, 0, "sticky");
}

static void
paths(void)
{
	path_is("", NULL, "the scratch directory (root's, 0700, in sticky /tmp)");
	path_is("/", NULL, "/");
	path_is("ok/file", NULL, "a root file in root directories");
	path_is("ok//./file", NULL, "// and . are nothing");
	path_is("ok/missing/deeper", NULL, "a missing tail under a directory only root can write");
	path_is("ok/gwfile", "ok/gwfile is writable by its group (mode 0664)", "a group-writable file");
	path_is("gw/file", "gw is writable by its group (mode 0775)", "a group-writable directory");
	path_is("ow/missing", "ow is writable by others (mode 0757)", "a world-writable directory");
	path_is("sticky/rootdir/file", NULL, "root's directory in a sticky one (as /tmp)");
	path_is("sticky", "sticky is writable by group and others (mode 1777)",
		"a sticky directory itself");
	path_is("sticky/missing", "sticky/missing does not exist, and group and others can make it first",
		"a missing name in a sticky directory (another user could make it first)");
	path_is("sticky/userfile", "sticky/userfile is owned by uid 4242", "another user's file");
	path_is("sticky/userlink/file", "sticky/userlink (a symlink) is owned by uid 4242",
		"another user's symlink to root's directory");
	path_is("user/file", "/user is owned by uid 4242", "root's file in another user's directory");
	path_is("to-user", "/user is owned by uid 4242", "a root symlink into another user's directory");
	path_is("user/../ok/file", "/user is owned by uid 4242", "through another user's directory and ..");
	path_is("to-ok/file", NULL, "a relative root symlink to root's directory");
	path_is("to-ok-abs", NULL, "an absolute root symlink to root's file");
	path_is("to-ok/..", NULL, ".. after a link: its target's parent");
	path_is("to-sticky/..", NULL, ".. out of a sticky directory");
	path_is("to-sticky", "sticky is writable by group and others", "a link to a sticky directory");
	path_is("loop/x", "too many levels of symbolic links", "a symlink loop");
	path_is("ok/file/x", "ok/file is not a directory", "a file in the middle");
	path_is("/dev/null", NULL, "/dev/null (INPUTRC=/dev/null): writes change nothing");
	path_is("/dev/null/x", "is not a directory", "a name under /dev/null");
	if (chdir(P("%s/ok", top)) == 0)
		path_is("./file", NULL, "a relative path from root's directory");
	if (chdir(P("%s/user", top)) == 0)
		path_is("./file", "/user is owned by uid 4242", "a relative path from another user's directory");
	if (chdir("/") < 0)
		ok(0, "chdir /");
}

static void
require(void)
{
	struct nsx_err err = { 0 };
	int rc;

	rc = trust_require("NSX_X=/y", P("%s/user/file", top), "unset it", &err);
	is_int(rc, trust_root() ? -1 : 0, "trust_require refuses only as root");
	if (rc < 0 && !ok(strstr(err.msg, "NSX_X=/y: ") == err.msg &&
			  strstr(err.msg, "/user is owned by uid 4242: as root, nsx only uses paths that root "
					  "alone can change; unset it"), "... in one line: what, why, what to do"))
		printf("#   got '%s'\n", err.msg);
	is_int(trust_env("NSX_X", P("%s/ok/file", top), &err), 0, "trust_env passes root's file");
}

static void
dirs_ours(void)
{
	struct nsx_err err = { 0 };

	if (mk("mine", 'd', 0700, 0, NULL) || mk("wide", 'd', 0755, 0, NULL))
		return;
	is_int(trust_dir_ours(P("%s/mine", top), 077, "x", &err), 0, "a 0700 directory of ours");
	ok(trust_dir_ours(P("%s/user", top), 077, "do this", &err) < 0 &&
	   strstr(err.msg, "belongs to another user (uid 4242 here)") && strstr(err.msg, "do this"),
	   "another user's directory (made first): refused, with what to do");
	ok(trust_dir_ours(P("%s/wide", top), 077, "x", &err) < 0 && strstr(err.msg, "chmod 0700"),
	   "a directory open to others, for a state directory: refused");
	is_int(trust_dir_ours(P("%s/wide", top), 022, "x", &err), 0, "... readable is fine where only writes matter");
	ok(trust_dir_ours(P("%s/to-ok", top), 077, "x", &err) < 0 && strstr(err.msg, "symbolic link"),
	   "a symlink to a directory of ours: refused");
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
	maps();
	if (geteuid() != 0) {
		skip("the path checks need root (files of another uid)");
		return done_testing();
	}
	if (!mkdtemp(top)) {
		ok(0, "mkdtemp %s: %s", top, strerror(errno));
		return done_testing();
	}
	if (tree() == 0) {
		paths();
		require();
		dirs_ours();
	} else
		ok(0, "make the tree");
	if (system(P("rm -rf '%s'", top)) != 0)
		ok(0, "rm -rf %s", top);
	return done_testing();
}
