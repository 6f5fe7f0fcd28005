/* Whom nsx works for, and which paths it may trust: see trust.h. */
#define _GNU_SOURCE
#include "util/trust.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "sys/sys.h"
#include "util/xalloc.h"

/* the kernel's own limit on symlinks in one lookup (MAXSYMLINKS) */
#define TRUST_MAXLINKS 40

/* Who we are. root: decided once, at the first look (trust_init, at
 * start), and kept by every level (they are forks): a process that
 * started as the host's root keeps the host's uid 0 whatever euid it
 * reads later (in a user namespace it entered, root is the overflow uid
 * 65534, yet owns every file root owns), and never starts as root later.
 * host: computed again when the euid changes (setuid, or a level that
 * unshared a user namespace); exact: host was seen in the initial user
 * namespace, so a level of ours below it is still that user. foreign:
 * why this level's paths are not the start's (trust_entered). */
static struct {
	bool known, root, exact;
	uid_t euid, host;
	char foreign[192];
} me;

long long
trust_map_outer(const char *map, unsigned long id)
{
	unsigned long inner, outer, count;
	int n;

	for (const char *p = map; sscanf(p, "%lu %lu %lu%n", &inner, &outer, &count, &n) == 3;) {
		if (id >= inner && id - inner < count)
			return (long long)(outer + (id - inner));
		p += n;
	}
	return -1;
}

/* NSX_HOST_UID as an outer nsx exported it, or -1 */
static long long
host_uid_env(void)
{
	const char *s = getenv("NSX_HOST_UID");
	char *end;
	unsigned long v;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	return errno || *end || v >= 4294967295UL ? -1 : (long long)v;
}

/* In a user namespace, is our root the host's? uid_map shows one level
 * only; but a file of the host's uid 0 shows as 0 only where that uid is
 * mapped to 0 (root's own `unshare -r`, at any depth), and as the overflow
 * uid in a namespace a normal user made. procfs's sysctl directories are
 * always the host root's, whatever the root filesystem. Without /proc:
 * root, the strict side. */
static bool
host_root_is_root(void)
{
	struct stat st;

	return stat("/proc/sys/kernel", &st) < 0 || st.st_uid == 0;
}

/* host (and exact) from the euid and uid_map; returns whether this is
 * root with the host's privileges as seen now */
static bool
trust_compute(void)
{
	char map[4096];
	uid_t eu = geteuid();
	int fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, map, sizeof(map) - 1);
	long long outer;

	if (fd >= 0)
		close(fd);
	me.euid = eu;
	/* no uid_map (no user namespaces, or no /proc: then root stays root,
	 * the safe side), or the initial namespace: the ids are the host's */
	if (n <= 0 || (map[n] = '\0', sys_uid_map_is_init(map))) {
		me.host = eu;
		me.exact = true;
		return eu == 0;
	}
	if (me.exact)	/* a level of ours, below where we saw the host */
		return eu == 0 && host_root_is_root();
	me.host = eu;
	outer = trust_map_outer(map, eu);
	/* The outer uid is exact one level below the host. Where it is 0 we
	 * are under a namespace that maps root (an nsx level, a nested
	 * unshare -r): only an outer nsx could know, so take what it exported.
	 * Anywhere else NSX_HOST_UID is ignored: a student cannot name
	 * another's directory that way, and root's value, kept by `su`
	 * without -, does not mislead the student below. */
	if (outer == 0 && host_uid_env() >= 0)
		me.host = (uid_t)host_uid_env();
	else if (outer >= 0)
		me.host = (uid_t)outer;
	return eu == 0 && host_root_is_root();
}

/* The first look decides root; later ones follow the euid for host. */
static void
trust_look(void)
{
	uid_t r, e, s;

	if (!me.known) {
		me.root = trust_compute();
		me.known = true;
	} else if (me.euid != geteuid()) {
		trust_compute();
		/* root given up for good where the ids are the host's (all
		 * three ids set to a user's, as a test's child or a privilege
		 * drop does): that process cannot become root again. Unlike a
		 * setns into a student's user namespace, where the ids read
		 * 65534 while the host's uid 0 is kept. */
		if (me.root && me.exact && getresuid(&r, &e, &s) == 0 && r && e && s &&
		    me.host == e)
			me.root = false;
	}
}

void
trust_init(void)
{
	char v[16];

	trust_look();
	snprintf(v, sizeof(v), "%u", (unsigned)me.host);
	setenv("NSX_HOST_UID", v, 1);
}

bool
trust_root(void)
{
	trust_look();
	return me.root;
}

uid_t
trust_host_uid(void)
{
	trust_look();
	return me.host;
}

void
trust_entered(const char *why)
{
	snprintf(me.foreign, sizeof(me.foreign), "%s", why);
}

const char *
trust_foreign(void)
{
	return me.foreign[0] ? me.foreign : NULL;
}

/* ---- the path check ---- */

static const char *
writers(mode_t mode)
{
	return (mode & 022) == 022 ? "group and others" : mode & 002 ? "others" : "its group";
}

/* One component p (lstat'ed as st); last: nothing comes after it, so a
 * sticky directory is no excuse. */
static int
component_ok(const char *p, const struct stat *st, uid_t owner, bool last, struct nsx_err *err)
{
	if (st->st_uid != owner)
		return nsx_error(err, EPERM, "%s%s is owned by uid %u", p,
				 S_ISLNK(st->st_mode) ? " (a symlink)" : "", (unsigned)st->st_uid);
	if (S_ISLNK(st->st_mode))
		return 0;	/* its mode means nothing; its directory's was checked */
	/* /dev/null (INPUTRC=/dev/null): writing to it changes nothing */
	if (last && S_ISCHR(st->st_mode) && st->st_rdev == makedev(1, 3))
		return 0;
	if (!(st->st_mode & 022))
		return 0;
	/* /tmp: others may add names, but not rename or remove owner's */
	if (!last && S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX))
		return 0;
	return nsx_error(err, EPERM, "%s is writable by %s (mode %04o)", p, writers(st->st_mode),
			 (unsigned)(st->st_mode & 07777));
}

/* rest = head + "/" + rest, in place */
static int
prepend(char *rest, size_t n, const char *head, size_t hlen)
{
	size_t rlen = strlen(rest);

	if (hlen + 1 + rlen + 1 > n)
		return -1;
	memmove(rest + hlen + 1, rest, rlen + 1);
	memcpy(rest, head, hlen);
	rest[hlen] = '/';
	return 0;
}

/* The next component of *rest ("" at the end), and *rest past it. */
static const char *
next_name(char **rest, char *name, size_t n)
{
	char *p = *rest;
	size_t len;

	while (*p == '/')
		p++;
	len = strcspn(p, "/");
	snprintf(name, n, "%.*s", (int)(len < n ? len : n - 1), p);
	*rest = p + len;
	return name;
}

/* A component that does not exist: root will make it (and what follows)
 * unless others can make it first in dir. */
static int
missing_ok(const char *dir, const char *p, struct nsx_err *err)
{
	struct stat st;

	if (lstat(dir, &st) < 0)
		return nsx_error(err, errno, "%s: %s", dir, strerror(errno));
	if (st.st_mode & 022)
		return nsx_error(err, EPERM, "%s does not exist, and %s can make it first in %s "
				 "(mode %04o)", p, writers(st.st_mode), dir, (unsigned)(st.st_mode & 07777));
	return 0;
}

/* Follow the link at p: its target goes before what is left. */
static int
follow(const char *p, char *done, char *rest, size_t rest_n, int *links, struct nsx_err *err)
{
	char target[PATH_MAX];
	ssize_t len;

	if (++*links > TRUST_MAXLINKS)
		return nsx_error(err, ELOOP, "%s: too many levels of symbolic links", p);
	len = readlink(p, target, sizeof(target) - 1);
	if (len < 0)
		return nsx_error(err, errno, "%s: %s", p, strerror(errno));
	target[len] = '\0';
	if (prepend(rest, rest_n, target, (size_t)len) < 0)
		return nsx_error(err, ENAMETOOLONG, "%s: the path is too long", p);
	if (target[0] == '/')
		done[0] = '\0';
	return 0;
}

int
trust_path(const char *path, uid_t owner, struct nsx_err *err)
{
	char done[PATH_MAX] = "", cand[PATH_MAX], name[NAME_MAX + 1], buf[2 * PATH_MAX];
	char *rest = buf;
	struct stat st;
	int links = 0;
	bool last;

	if (!*path)
		return nsx_error(err, EINVAL, "an empty path");
	/* a relative path: from the working directory, checked from / too */
	if (path[0] != '/' && !getcwd(done, sizeof(done)))
		return nsx_error(err, errno, "the working directory: %s", strerror(errno));
	if (snprintf(buf, sizeof(buf), "%s/%s", done, path) >= (int)sizeof(buf))
		return nsx_error(err, ENAMETOOLONG, "%s: the path is too long", path);
	done[0] = '\0';		/* "" is / */
	if (lstat("/", &st) < 0)
		return nsx_error(err, errno, "/: %s", strerror(errno));
	if (component_ok("/", &st, owner, false, err) < 0)
		return -1;
	while (*next_name(&rest, name, sizeof(name))) {
		if (strcmp(name, ".") == 0)
			continue;
		if (strcmp(name, "..") == 0) {	/* done has no links: its parent is textual */
			char *slash = strrchr(done, '/');

			if (slash)
				*slash = '\0';
			continue;
		}
		if (snprintf(cand, sizeof(cand), "%s/%s", done, name) >= (int)sizeof(cand))
			return nsx_error(err, ENAMETOOLONG, "%s: the path is too long", path);
		if (lstat(cand, &st) < 0)
			return errno == ENOENT ? missing_ok(done[0] ? done : "/", cand, err)
					       : nsx_error(err, errno, "%s: %s", cand, strerror(errno));
		last = !rest[strspn(rest, "/")];
		if (!last && !S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode))
			return nsx_error(err, ENOTDIR, "%s is not a directory", cand);
		if (component_ok(cand, &st, owner, last, err) < 0)
			return -1;
		if (S_ISLNK(st.st_mode)) {
			memmove(buf, rest, strlen(rest) + 1);
			rest = buf;
			if (follow(cand, done, rest, sizeof(buf), &links, err) < 0)
				return -1;
			continue;
		}
		memcpy(done, cand, strlen(cand) + 1);
	}
	/* what the path names, with no sticky excuse (also after "..") */
	if (lstat(done[0] ? done : "/", &st) < 0)
		return nsx_error(err, errno, "%s: %s", done[0] ? done : "/", strerror(errno));
	return component_ok(done[0] ? done : "/", &st, owner, true, err);
}

/* As root, where no path can be trusted at all: -1 and err naming label. */
static int
trust_nowhere(const char *label, struct nsx_err *err)
{
	/* a file's owner seen here is not the host's (a student's uid 0 is
	 * root's), nor its path where nsx started (their mounts) */
	if (me.foreign[0])
		return nsx_error(err, EPERM, "%s: %s, where another decides what a path names and "
				 "who owns it: as root, nsx takes no path there; give it where nsx started "
				 "(exit back first)", label, me.foreign);
	/* root's own user namespace that does not map root to 0: root's files
	 * show as the overflow uid, as everyone's unmapped do */
	if (!host_root_is_root())
		return nsx_error(err, EPERM, "%s: root's files do not show as uid 0 in this user "
				 "namespace, so their owners cannot be told apart: as root, nsx takes no path "
				 "there; give it where root is uid 0 (before 'unshare user', or with --map-root)",
				 label);
	return 0;
}

int
trust_require(const char *label, const char *path, const char *todo, struct nsx_err *err)
{
	struct nsx_err why;

	if (!trust_root())
		return 0;
	if (trust_nowhere(label, err) < 0)
		return -1;
	if (trust_path(path, 0, &why) == 0)
		return 0;
	return nsx_error(err, why.errnum, "%s: %s: as root, nsx only uses paths that root alone "
			 "can change; %s", label, why.msg, todo);
}

int
trust_env(const char *var, const char *path, struct nsx_err *err)
{
	char label[PATH_MAX + 64];

	snprintf(label, sizeof(label), "%s=%s", var, path);
	return trust_require(label, path, "unset it, or use a path that root owns", err);
}

int
trust_env_list(const char *var, const char *list, struct nsx_err *err)
{
	char *copy, *save = NULL;
	int rc = 0;

	if (!list || !*list || !trust_root())
		return 0;
	copy = xstrdup(list);
	for (char *d = strtok_r(copy, ":", &save); d && rc == 0; d = strtok_r(NULL, ":", &save))
		rc = trust_env(var, d, err);
	free(copy);
	return rc;
}

int
trust_dir_ours(const char *dir, mode_t forbid, const char *todo, struct nsx_err *err)
{
	struct stat st;

	if (lstat(dir, &st) < 0)
		return nsx_error(err, errno, "%s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return nsx_error(err, ENOTDIR, "%s is not a directory%s: nsx will not use it; %s", dir,
				 S_ISLNK(st.st_mode) ? " but a symbolic link" : "", todo);
	/* inside a user namespace another user's shows as the overflow uid */
	if (st.st_uid != geteuid())
		return nsx_error(err, EPERM, "%s belongs to another user (uid %u here), who made it "
				 "first: nsx will not use it; %s", dir, (unsigned)st.st_uid, todo);
	if (st.st_mode & forbid)
		return nsx_error(err, EPERM, "%s is open to others (mode %04o): nsx will not use it; "
				 "chmod %04o it", dir, (unsigned)(st.st_mode & 07777),
				 (unsigned)(st.st_mode & 07777 & ~forbid));
	return 0;
}

/* ---- per-user directories ---- */

const char *
trust_home(char *label, size_t n)
{
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (home && home[0] == '/') {
		snprintf(label, n, "HOME=%s", home);
		return home;
	}
	pw = getpwuid(trust_host_uid());
	if (!pw || !pw->pw_dir || pw->pw_dir[0] != '/')
		return NULL;
	snprintf(label, n, "the home of uid %u (%s)", (unsigned)trust_host_uid(), pw->pw_dir);
	return pw->pw_dir;
}

/* mkdir -p, each new directory mode */
static void
mkdirs(char *path, mode_t mode)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(path, mode);
		*p = '/';
	}
	mkdir(path, mode);
}

int
trust_state_home(char *buf, size_t n, struct nsx_err *err)
{
	const char *xdg = getenv("XDG_STATE_HOME"), *home, *todo;
	char label[PATH_MAX + 64];
	int len;

	if (xdg && xdg[0] == '/') {	/* XDG: a relative value is ignored */
		snprintf(label, sizeof(label), "XDG_STATE_HOME=%s", xdg);
		len = snprintf(buf, n, "%s/nsx", xdg);
		todo = "unset it, or use a directory that root owns";
	} else if ((home = trust_home(label, sizeof(label)))) {
		len = snprintf(buf, n, "%s/.local/state/nsx", home);
		todo = "run nsx with root's own HOME (su -, sudo -H), or set XDG_STATE_HOME to a "
		       "directory that root owns";
	} else
		return nsx_error(err, ENOENT, "no place for history and progress: set HOME or XDG_STATE_HOME");
	if (len < 0 || (size_t)len >= n)
		return nsx_error(err, ENAMETOOLONG, "%s: the path is too long", label);
	/* checked before anything is made there */
	if (trust_require(label, buf, todo, err) < 0)
		return -1;
	mkdirs(buf, 0700);
	return trust_dir_ours(buf, 022, "set XDG_STATE_HOME to a directory of yours", err);
}

int
trust_terminal(struct nsx_err *err)
{
	const char *ti = getenv("TERMINFO"), *dirs = getenv("TERMINFO_DIRS"), *home;
	char label[PATH_MAX + 64], path[PATH_MAX + 16];

	if (!trust_root())
		return 0;
	/* also the system's terminfo: its entries are written to the terminal */
	if (trust_nowhere("the terminal's terminfo", err) < 0)
		return -1;
	if (ti && *ti && trust_env("TERMINFO", ti, err) < 0)
		return -1;
	if (trust_env_list("TERMINFO_DIRS", dirs, err) < 0)
		return -1;
	if (!(home = trust_home(label, sizeof(label))))
		return 0;
	snprintf(path, sizeof(path), "%s/.terminfo", home);
	return trust_require(label, path, "run nsx with root's own HOME (su -, sudo -H)", err);
}
