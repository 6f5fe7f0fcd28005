/* rootfs: the built-in busybox tree (built once, reused, warm in
 * microseconds), --rootfs checks, --image tarballs in each compression,
 * hostile tarballs (.., absolute, through a symlink, through a hard link),
 * OCI layouts (two layers, whiteouts, opaque dirs, a nested index, missing
 * and corrupt blobs) and the rootless path. Everything happens under one
 * mkdtemp directory (NSX_CACHE_DIR points into it), removed at exit. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <archive_entry.h>
#include <dlfcn.h>

#include "tap.h"
#include "container/rootfs.h"
#include "container/untar.h"
#include "util/archive_dl.h"

static char top[64] = "/tmp/nsx-rootfs-test.XXXXXX";
static bool made;	/* top exists: remove it at exit */

/* Paths from a small ring of buffers, so several can be live at once. */
static const char * __attribute__((format(printf, 1, 2)))
P(const char *fmt, ...)
{
	static char ring[64][PATH_MAX];
	static unsigned i;
	char *buf = ring[i++ % 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, PATH_MAX, fmt, ap);
	va_end(ap);
	return buf;
}

static int __attribute__((format(printf, 1, 2)))
sh(const char *fmt, ...)
{
	char cmd[4 * PATH_MAX];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	fflush(stdout);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* stdout of a command, trailing newline removed */
static const char * __attribute__((format(printf, 1, 2)))
run(const char *fmt, ...)
{
	static char out[8192];
	char cmd[4 * PATH_MAX];
	size_t n;
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	fflush(stdout);
	out[0] = '\0';
	if (!(f = popen(cmd, "r")))
		return out;
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	pclose(f);
	while (n > 0 && out[n - 1] == '\n')
		out[--n] = '\0';
	return out;
}

static const char *
slurp(const char *path)
{
	static char buf[65536];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

static void
put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			perror(path);
		close(fd);
	}
}

static const char *
sha256_of(const char *path)
{
	static char hex[65];

	snprintf(hex, sizeof(hex), "%s", run("sha256sum '%s' | cut -c1-64", path));
	return hex;
}

static bool
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static int
count(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    strncmp(e->d_name, prefix, strlen(prefix)) == 0)
			n++;
	if (d)
		closedir(d);
	return n;
}

static bool
isdir(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static mode_t
mode_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

/* The sidecar of tree says path has mode, uid and gid. */
static void
meta_says(const char *tree, const char *path, unsigned mode, unsigned uid, unsigned gid,
	  const char *what)
{
	struct rootfs_meta m;
	struct nsx_err err = { 0 };
	bool found = false;

	if (rootfs_meta_load(tree, &m, &err) < 0) {
		ok(0, "%s (%s)", what, err.msg);
		return;
	}
	for (size_t i = 0; i < m.n; i++)
		if (strcmp(m.rec[i].path, path) == 0)
			found = m.rec[i].mode == mode && m.rec[i].uid == uid && m.rec[i].gid == gid;
	ok(found, "%s", what);
	rootfs_meta_free(&m);
}

static ino_t
ino_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_ino : 0;
}

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* ---- a tiny ustar writer: the hostile members tar(1) will not make ---- */

/* an octal header field of width w, NUL-terminated */
static void
oct(unsigned char *dst, int w, unsigned long long v)
{
	char tmp[32];

	snprintf(tmp, sizeof(tmp), "%0*llo", w - 1, v);
	memcpy(dst, tmp, (size_t)w);
	dst[w - 1] = '\0';
}

static void
tar_add(FILE *f, const char *name, char type, const char *link, const char *data)
{
	unsigned char h[512] = { 0 };
	size_t len = data ? strlen(data) : 0;
	unsigned sum = 0;

	snprintf((char *)h, 100, "%s", name);
	oct(h + 100, 8, type == '5' ? 0755 : 0644);
	oct(h + 108, 8, 0);
	oct(h + 116, 8, 0);
	oct(h + 124, 12, len);
	oct(h + 136, 12, 1700000000);
	h[156] = (unsigned char)type;
	if (link)
		snprintf((char *)h + 157, 100, "%s", link);
	memcpy(h + 257, "ustar\0" "00", 8);
	oct(h + 329, 8, type == '3' ? 1 : 0);
	oct(h + 337, 8, type == '3' ? 3 : 0);
	memset(h + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	oct(h + 148, 7, sum);
	fwrite(h, 1, 512, f);
	if (len) {
		static const char zero[512];

		fwrite(data, 1, len, f);
		fwrite(zero, 1, (512 - len % 512) % 512, f);
	}
}

/* members: name, type, link, data; ends with a NULL name */
struct member {
	const char *name;
	char type;
	const char *link, *data;
};

static void
tar_write(const char *path, const struct member *m)
{
	static const char zero[1024];
	FILE *f = fopen(path, "w");

	for (; f && m->name; m++)
		tar_add(f, m->name, m->type, m->link, m->data);
	if (f) {
		fwrite(zero, 1, sizeof(zero), f);
		fclose(f);
	}
}

static void
cleanup(void)
{
	if (made && !getenv("KEEP") && sh("rm -rf '%s'", top) != 0)
		printf("# could not remove %s\n", top);
}

/* ---- the cache directory ---- */

static void
cache_dir(void)
{
	char buf[PATH_MAX];
	struct nsx_err err = { 0 };

	setenv("NSX_CACHE_DIR", P("%s/deep/er/cache/", top), 1);
	is_int(rootfs_cache_dir(buf, sizeof(buf), &err), 0, "NSX_CACHE_DIR: accepted (%s)", err.msg);
	is_str(buf, P("%s/deep/er/cache", top), "NSX_CACHE_DIR: used, trailing / dropped");
	ok(isdir(buf), "NSX_CACHE_DIR: created with its parents");
	setenv("NSX_CACHE_DIR", "relative/cache", 1);
	is_int(rootfs_cache_dir(buf, sizeof(buf), &err), -1, "relative NSX_CACHE_DIR: refused");
	ok(strstr(err.msg, "not an absolute path") != NULL, "... saying so (%s)", err.msg);
	setenv("NSX_CACHE_DIR", P("%s/cache", top), 1);
}

/* ---- the built-in busybox tree ---- */

static void
builtin_contents(const char *rfs)
{
	char link[64] = "";
	ino_t bb = ino_of(P("%s/bin/busybox", rfs));

	ok(readlink(P("%s/bin/sh", rfs), link, sizeof(link) - 1) > 0 && strcmp(link, "busybox") == 0,
	   "bin/sh -> busybox (relative symlink)");
	ok(bb != 0, "bin/busybox is there");
	ok(sh("cmp -s /bin/busybox '%s/bin/busybox'", rfs) == 0, "bin/busybox is a copy of /bin/busybox");
	ok(mode_of(P("%s/bin/busybox", rfs)) == 0755, "bin/busybox is 0755");
	for (const char *const *p = (const char *const[]){ "bin/sh", "bin/true", "bin/hostname",
		"sbin/ip", "usr/bin/env", "usr/sbin/chroot", "bin/mount", NULL }; *p; p++)
		ok(ino_of(P("%s/%s", rfs, *p)) == bb, "%s resolves to busybox", *p);
	ok(strstr(slurp(P("%s/etc/passwd", rfs)), "root:x:0:0:root:/root:/bin/sh\n") != NULL,
	   "/etc/passwd has root");
	ok(strstr(slurp(P("%s/etc/passwd", rfs)), "nobody:x:65534:65534:") != NULL,
	   "/etc/passwd has nobody 65534");
	ok(strstr(slurp(P("%s/etc/group", rfs)), "tty:x:5:") != NULL &&
	   strstr(slurp(P("%s/etc/group", rfs)), "nogroup:x:65534:") != NULL &&
	   strstr(slurp(P("%s/etc/group", rfs)), "root:x:0:") != NULL,
	   "/etc/group has root, tty 5, nogroup 65534");
	ok(exists(P("%s/etc/hostname", rfs)), "/etc/hostname");
	is_int(mode_of(P("%s/tmp", rfs)), 0755, "/tmp is 0755 in the cache: nobody plants files there");
	meta_says(rfs, "tmp", 01777, 0, 0, "/tmp is 1777 in the sidecar, for the container");
	is_int(mode_of(P("%s/root", rfs)), 0700, "/root is 0700");
	is_int(mode_of(rfs), 0755, "the tree's root is 0755");
	for (const char *const *p = (const char *const[]){ "proc", "dev", "sys", NULL }; *p; p++)
		ok(isdir(P("%s/%s", rfs, *p)) && count(P("%s/%s", rfs, *p), "") == 0,
		   "/%s is an empty directory", *p);
	is_str(run("'%s/bin/sh' -c 'echo hi from $(basename $0)'", rfs), "hi from sh",
	       "its /bin/sh runs");
	if (geteuid() == 0)
		is_str(run("chroot '%s' /bin/sh -c 'cat /etc/hostname; test -x /sbin/ip && /usr/bin/env true && echo ip'"
			   " 2>&1", rfs), "nsx\nip", "it works as a root: chroot, /bin/sh, /sbin/ip");
	else
		skip("chroot needs root");
}

static void
builtin(void)
{
	char path[PATH_MAX], again[PATH_MAX];
	struct nsx_err err = { 0 };
	double t0, t1, t2;
	ino_t ino;
	int i, rc = 0;

	t0 = now_us();
	is_int(rootfs_builtin(path, sizeof(path), &err), 0, "builtin: built (%s)", err.msg);
	t1 = now_us();
	is_str(path, P("%s/cache/rootfs/busybox-%.16s.v2/root", top, sha256_of("/bin/busybox")),
	       "builtin: CACHE/rootfs/busybox-<sha256 of busybox, 16 hex>.v2/root");
	printf("# cold build: %.1f ms\n", (t1 - t0) / 1e3);
	builtin_contents(path);
	is_int(count(P("%s/cache/rootfs", top), ".tmp-"), 0, "builtin: no temporary directory left");
	ino = ino_of(path);

	is_int(rootfs_builtin(again, sizeof(again), &err), 0, "builtin again: ok");
	is_str(again, path, "builtin again: the same tree");
	is_int(ino_of(again), ino, "builtin again: not rebuilt");
	t1 = now_us();
	for (i = 0; i < 1000; i++)
		rc |= rootfs_builtin(again, sizeof(again), &err);
	t2 = now_us();
	is_int(rc, 0, "builtin: 1000 warm calls ok");
	printf("# warm rootfs_builtin: %.2f us/call\n", (t2 - t1) / 1000);
	ok((t2 - t1) / 1000 < 500, "builtin warm path: microseconds, not a hash (%.1f us)",
	   (t2 - t1) / 1000);

	is_int(sh("rm -rf '%s/cache/stamps'", top), 0, "(stamps removed)");
	is_int(rootfs_builtin(again, sizeof(again), &err), 0, "builtin without its stamp: ok");
	ok(strcmp(again, path) == 0 && ino_of(again) == ino,
	   "builtin without its stamp: found by hash, not rebuilt");
	ok(count(P("%s/cache/stamps", top), "") == 1, "builtin: stamp written again");

	setenv("NSX_BUSYBOX", P("%s/no-busybox", top), 1);
	is_int(rootfs_builtin(again, sizeof(again), &err), -1, "no busybox: an error");
	ok(strstr(err.msg, "busybox-static is not installed") && strstr(err.msg, "make deps") &&
	   strstr(err.msg, "--rootfs/--image"), "no busybox: says what to install (%s)", err.msg);
	setenv("NSX_BUSYBOX", "/bin/true", 1);
	is_int(rootfs_builtin(again, sizeof(again), &err), -1, "dynamic busybox: an error");
	ok(strstr(err.msg, "dynamically linked") && strstr(err.msg, "busybox-static"),
	   "dynamic busybox: refused, says why (%s)", err.msg);
	is_int(count(P("%s/cache/rootfs", top), ""), 1, "failed builds left nothing");
	unsetenv("NSX_BUSYBOX");
}

/* Four processes build at once into an empty cache: one rename wins, the
 * others use its tree, nothing is left behind. */
static void
builtin_race(void)
{
	char want[PATH_MAX] = "", got[4][PATH_MAX];
	int p[2], nok = 0;

	setenv("NSX_CACHE_DIR", P("%s/race", top), 1);
	if (pipe(p) < 0)
		return;
	for (int i = 0; i < 4; i++)
		if (fork() == 0) {
			char buf[PATH_MAX] = "";
			struct nsx_err err = { 0 };

			if (rootfs_builtin(buf, sizeof(buf), &err) < 0)
				snprintf(buf, sizeof(buf), "ERROR %s", err.msg);
			if (write(p[1], buf, sizeof(buf)) < 0)
				_exit(1);
			_exit(0);
		}
	close(p[1]);
	for (int i = 0; i < 4; i++)
		if (read(p[0], got[i], PATH_MAX) == PATH_MAX && strncmp(got[i], "ERROR", 5) != 0)
			nok++;
	close(p[0]);
	while (wait(NULL) > 0)
		;
	snprintf(want, sizeof(want), "%s/race/rootfs/busybox-%.16s.v2/root", top, sha256_of("/bin/busybox"));
	is_int(nok, 4, "concurrent builds: all four succeed");
	ok(strcmp(got[0], want) == 0 && strcmp(got[1], want) == 0 && strcmp(got[2], want) == 0 &&
	   strcmp(got[3], want) == 0, "concurrent builds: the same tree");
	is_int(count(P("%s/race/rootfs", top), ""), 1, "concurrent builds: one tree, no temporaries");
	setenv("NSX_CACHE_DIR", P("%s/cache", top), 1);
}

/* ---- --rootfs DIR ---- */

static void
check_err(const char *dir, const char *want, const char *what)
{
	struct nsx_err err = { 0 };

	is_int(rootfs_check_dir(dir, &err), -1, "check_dir %s: refused", what);
	ok(strstr(err.msg, want) != NULL, "check_dir %s: '%s' (%s)", what, want, err.msg);
}

static void
check_dir(void)
{
	struct nsx_err err = { 0 };
	char rfs[PATH_MAX];

	mkdir(P("%s/empty", top), 0755);
	put(P("%s/afile", top), "x\n");
	check_err(P("%s/nope", top), P("rootfs %s/nope does not exist", top), "missing");
	check_err(P("%s/afile", top), P("rootfs %s/afile is not a directory", top), "a file");
	check_err("/", "the host's / cannot be a container's rootfs: give a directory tree such "
		  "as debootstrap's output", "/");
	check_err("//.", "the host's / cannot be", "//.");
	check_err(P("%s/empty", top), P("rootfs %s/empty is empty", top), "empty");
	rootfs_builtin(rfs, sizeof(rfs), &err);
	is_int(rootfs_check_dir(rfs, &err), 0, "check_dir: the builtin tree passes (%s)", err.msg);
}

/* ---- tarballs ---- */

static void
tar_fixture(void)
{
	const char *s = P("%s/src", top);

	sh("mkdir -p %s/bin %s/etc %s/ro %s/deep/a/b/c", s, s, s, s);
	put(P("%s/bin/hello", s), "#!/bin/sh\necho hello\n");
	chmod(P("%s/bin/hello", s), 0755);
	put(P("%s/etc/conf", s), "conf\n");
	chmod(P("%s/etc/conf", s), 0640);
	put(P("%s/ro/inside", s), "inside\n");
	put(P("%s/deep/a/b/c/leaf", s), "leaf\n");
	chmod(P("%s/ro", s), 0555);
	symlink("bin/hello", P("%s/link", s));
	link(P("%s/etc/conf", s), P("%s/hard", s));
	sh("cd %s && tar -C src -cf a.tar . && tar -C src -czf a.tar.gz . && "
	   "tar -C src -cJf a.tar.xz . && tar -C src --zstd -cf a.tar.zst . && "
	   "tar -C src -cf b.tar bin etc link hard", top);
}

static void
tarball(const char *name)
{
	char path[PATH_MAX], again[PATH_MAX];
	struct rootfs_stats st;
	struct nsx_err err = { 0 };
	char file[PATH_MAX];

	snprintf(file, sizeof(file), "%s/%s", top, name);
	is_int(rootfs_image_ex(file, NULL, &st, path, sizeof(path), &err), 0, "%s: unpacked (%s)", name, err.msg);
	ok(st.unpacked, "%s: stats say unpacked now", name);
	is_str(path, P("%s/cache/images/%s.v2/root", top, sha256_of(file)), "%s: CACHE/images/<sha256>.v2/root", name);
	is_str(slurp(P("%s/bin/hello", path)), "#!/bin/sh\necho hello\n", "%s: file content", name);
	is_int(mode_of(P("%s/bin/hello", path)), 0755, "%s: mode kept", name);
	is_int(mode_of(P("%s/etc/conf", path)), 0640, "%s: mode 0640 kept", name);
	ok(ino_of(P("%s/hard", path)) == ino_of(P("%s/etc/conf", path)), "%s: hard link kept", name);
	is_str(run("readlink '%s/link'", path), "bin/hello", "%s: symlink kept", name);
	if (strcmp(name, "b.tar") != 0) {
		is_int(mode_of(P("%s/ro", path)), 0555, "%s: read-only dir kept", name);
		ok(exists(P("%s/deep/a/b/c/leaf", path)), "%s: deep file", name);
	}
	is_int(count(P("%s/cache/images", top), ".tmp-"), 0, "%s: no temporary left", name);
	is_int(rootfs_image_ex(file, NULL, &st, again, sizeof(again), &err), 0, "%s again: ok", name);
	ok(strcmp(again, path) == 0 && !st.unpacked, "%s again: from the cache", name);
}

/* An error that names the file, says want, and leaves the cache as it was. */
static void
image_err(const char *src, const char *want, const char *what)
{
	char path[PATH_MAX];
	struct nsx_err err = { 0 };
	int before = count(P("%s/cache/images", top), "");

	is_int(rootfs_image(src, path, sizeof(path), &err), -1, "%s: an error", what);
	ok(strstr(err.msg, want) != NULL, "%s: says '%s' (%s)", what, want, err.msg);
	ok(strstr(err.msg, src) != NULL, "%s: names %s", what, src);
	is_int(count(P("%s/cache/images", top), ""), before, "%s: nothing left in the cache", what);
}

static void
broken_tarballs(void)
{
	sh("cd %s && head -c 5000 /dev/urandom > junk.bin && head -c $(( $(stat -c %%s a.tar.gz) / 2 ))"
	   " a.tar.gz > cut.tar.gz && : > zero.tar && mkdir -p big && head -c 300000 /dev/urandom > big/f"
	   " && tar -C big -cf big.tar . && head -c 150000 big.tar > cut.tar && "
	   "head -c $(( $(stat -c %%s a.tar.xz) - 40 )) a.tar.xz > cut.tar.xz", top);
	image_err(P("%s/junk.bin", top), "corrupt or truncated archive: ", "random bytes");
	image_err(P("%s/cut.tar.gz", top), "corrupt or truncated archive: ", "truncated .tar.gz");
	image_err(P("%s/cut.tar", top), "corrupt or truncated archive: ", "truncated .tar");
	image_err(P("%s/cut.tar.xz", top), "corrupt or truncated archive: ", "truncated .tar.xz");
	image_err(P("%s/zero.tar", top), "the archive has no members", "empty file");
	image_err(P("%s/missing.tar", top), P("%s/missing.tar does not exist", top), "missing file");
	mkdir(P("%s/notoci", top), 0755);
	image_err(P("%s/notoci", top), "not a tarball or an OCI image layout (no index.json)",
		  "a directory without index.json");
}

/* file's bytes include s at a header (512-byte block) name or link field */
static bool
holds(const char *file, const char *s)
{
	static char buf[65536];
	int fd = open(file, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf));

	if (fd >= 0)
		close(fd);
	for (ssize_t off = 0; off + 512 <= n; off += 512)
		if (strncmp(buf + off, s, 100) == 0 || strncmp(buf + off + 157, s, 100) == 0)
			return true;
	return false;
}

/* A build killed by SIGKILL leaves a .tmp- dir nobody holds locked: the
 * next slow path removes it, and leaves one that is locked (a build under
 * way, however old) or a few seconds old (made, not locked yet). */
static void
sweep(void)
{
	const char *images = P("%s/cache/images", top);
	char path[PATH_MAX];
	struct nsx_err err = { 0 };
	int busy;

	sh("mkdir -p '%s/.tmp-stale/d' '%s/.tmp-fresh' '%s/.tmp-busy' && chmod 0500 '%s/.tmp-stale/d' && "
	   "touch -d '10 seconds ago' '%s/.tmp-stale' && touch -d '2 days ago' '%s/.tmp-busy' && "
	   "tar -C '%s/src' -cf '%s/sweep.tar' etc",
	   images, images, images, images, images, images, top, top);
	busy = open(P("%s/.tmp-busy", images), O_RDONLY | O_DIRECTORY);
	ok(busy >= 0 && flock(busy, LOCK_EX) == 0, "sweep: .tmp-busy locked, as a build holds it");
	is_int(rootfs_image(P("%s/sweep.tar", top), path, sizeof(path), &err), 0,
	       "sweep: a new image unpacked (%s)", err.msg);
	ok(!exists(P("%s/.tmp-stale", images)), "sweep: an unlocked .tmp- dir 10 s old is removed");
	ok(exists(P("%s/.tmp-fresh", images)), "sweep: a fresh .tmp- dir is left alone");
	ok(exists(P("%s/.tmp-busy", images)), "sweep: a locked .tmp- dir 2 days old is left alone");
	close(busy);
	rmdir(P("%s/.tmp-fresh", images));
	rmdir(P("%s/.tmp-busy", images));
}

/* Hostile tarballs: each must fail, write nothing outside, leave nothing. */
static void
evil(const char *name, const struct member *m, const char *inside, const char *want,
     const char *what)
{
	char file[PATH_MAX];

	snprintf(file, sizeof(file), "%s/%s", top, name);
	tar_write(file, m);
	/* the raw header: GNU tar's listing strips "../" and "/" from links,
	 * and ignores a hard link's data (libarchive writes it: the attack) */
	ok(holds(file, inside),
	   "%s: the tarball really holds '%s'", what, inside);
	image_err(file, want, what);
}

static void
evil_tarballs(void)
{
	char out[PATH_MAX / 2], abs[PATH_MAX], victim[PATH_MAX];

	snprintf(out, sizeof(out), "%s/outside", top);
	mkdir(out, 0755);
	snprintf(victim, sizeof(victim), "%s/victim", out);
	put(victim, "original\n");
	evil("dotdot.tar", (struct member[]){ { "ok", '0', NULL, "fine\n" },
		{ "../evil", '0', NULL, "pwned\n" }, { NULL, 0, NULL, NULL } },
	     "../evil", "member '../evil' is outside the tree", "'../evil' member");
	ok(!exists(P("%s/cache/evil", top)) && !exists(P("%s/cache/images/evil", top)),
	   "'../evil': nothing written outside");

	evil("mid.tar", (struct member[]){ { "a/../../../mid-evil", '0', NULL, "pwned\n" },
		{ NULL, 0, NULL, NULL } }, "a/../../../mid-evil", "is outside the tree", "'a/../..' member");
	ok(!exists(P("%s/mid-evil", top)), "'a/../..': nothing written outside");

	snprintf(abs, sizeof(abs), "%s/abs-evil", out);
	evil("abs.tar", (struct member[]){ { abs, '0', NULL, "pwned\n" }, { NULL, 0, NULL, NULL } },
	     abs, "is outside the tree", "absolute member");
	ok(!exists(abs), "absolute member: nothing written at %s", abs);

	evil("symlink.tar", (struct member[]){ { "link", '2', out, NULL },
		{ "link/pwned", '0', NULL, "pwned\n" }, { NULL, 0, NULL, NULL } },
	     "link/pwned", "member 'link/pwned' refused: Cannot extract through symlink",
	     "write through an absolute symlink");
	ok(!exists(P("%s/pwned", out)), "symlink attack: nothing written outside");

	evil("relsym.tar", (struct member[]){ { "d/up", '2', "../../../../outside", NULL },
		{ "d/up/pwned2", '0', NULL, "pwned\n" }, { NULL, 0, NULL, NULL } },
	     "d/up/pwned2", "refused: Cannot extract through symlink", "write through a relative symlink");
	ok(!exists(P("%s/pwned2", out)), "relative symlink attack: nothing written outside");

	/* (its hard link carries data, which libarchive takes for the next
	 * header: the first pass, which reads every header before anything
	 * is written, finds it damaged) */
	evil("hardsym.tar", (struct member[]){ { "s", '2', out, NULL },
		{ "h", '1', "s/victim", "pwned\n" }, { NULL, 0, NULL, NULL } },
	     "s/victim", "corrupt or truncated archive", "hard link through a symlink");
	evil("harddot.tar", (struct member[]){ { "h", '1', "../../../outside/victim", NULL },
		{ NULL, 0, NULL, NULL } }, "../../../outside/victim", "hard link to '../../../outside/victim'",
	     "hard link to ../");
	evil("hardabs.tar", (struct member[]){ { "h", '1', victim, NULL }, { NULL, 0, NULL, NULL } },
	     victim, "outside the tree: refused", "hard link to an absolute path");
	is_str(slurp(victim), "original\n", "hard link attacks: the victim is unchanged");
	is_int(count(out, ""), 1, "no attack wrote anything in the outside dir");
}

/* Device nodes: never made, even as root (any user could open them in
 * root's cache), only counted. */
static void
devices_as_root(void)
{
	char path[PATH_MAX];
	struct rootfs_stats st;
	struct nsx_err err = { 0 };
	struct stat sb;
	bool made;

	tar_write(P("%s/dev.tar", top), (struct member[]){ { "file", '0', NULL, "f\n" },
		{ "dev/", '5', NULL, NULL }, { "dev/null", '3', NULL, NULL }, { NULL, 0, NULL, NULL } });
	if (geteuid() != 0) {
		skip("device nodes as root: not root");
		return;
	}
	is_int(rootfs_image_ex(P("%s/dev.tar", top), NULL, &st, path, sizeof(path), &err), 0,
	       "devices as root: unpacked (%s)", err.msg);
	made = lstat(P("%s/dev/null", path), &sb) == 0;
	ok(!made && st.devices_skipped == 1, "devices as root: not made (%d), counted (%u)", made,
	   st.devices_skipped);
}

/* Owners and modes: the cache keeps none of the archive's owners, no
 * setuid/setgid/sticky bit, nothing group- or other-writable; the sidecar
 * keeps what the container must see. */
static void
owners_and_modes(void)
{
	char path[PATH_MAX];
	struct nsx_err err = { 0 };
	struct stat sb;

	if (geteuid() != 0) {
		skip("owners: chown in the fixture needs root");
		return;
	}
	sh("cd '%s' && rm -rf own && mkdir -p own/var/www own/tmp && echo hi >own/var/www/index.html && "
	   "echo x >own/suid && chown -R 33:33 own/var/www own/suid && chmod 2775 own/var/www && "
	   "chmod 0666 own/var/www/index.html && chmod 1777 own/tmp && chmod 6755 own/suid && "
	   "tar -C own --numeric-owner -cf own.tar .", top);
	is_int(rootfs_image(P("%s/own.tar", top), path, sizeof(path), &err), 0, "owners: unpacked (%s)",
	       err.msg);
	ok(lstat(P("%s/var/www", path), &sb) == 0 && sb.st_uid == 0 && sb.st_gid == 0,
	   "owners: www-data's directory is root's in the cache");
	is_int(mode_of(P("%s/var/www", path)), 0755, "owners: 2775 is 0755 in the cache");
	is_int(mode_of(P("%s/var/www/index.html", path)), 0644, "owners: 0666 is 0644 in the cache");
	is_int(mode_of(P("%s/tmp", path)), 0755, "owners: 1777 is 0755 in the cache");
	is_int(mode_of(P("%s/suid", path)), 0755, "owners: 6755 is 0755 in the cache");
	meta_says(path, "var/www", 02775, 33, 33, "owners: the sidecar says var/www 2775 33:33");
	meta_says(path, "var/www/index.html", 0666, 33, 33, "owners: ... index.html 0666 33:33");
	meta_says(path, "tmp", 01777, 0, 0, "owners: ... tmp 1777");
	meta_says(path, "suid", 0755, 33, 33, "owners: ... suid 0755 33:33: setuid and setgid are dropped");
	is_int(mode_of(P("%s/..", path)), 0755, "owners: the published tree's directory is 0755");
}

/* The bounds, each refused before anything is written, with what to do. */
static void
limits(void)
{
	struct rootfs_limits lim = { 0 };
	char path[PATH_MAX];
	struct nsx_err err = { 0 };
	int before;

	sh("cd '%s' && rm -rf lim && mkdir -p lim/a/b/c && for i in 1 2 3 4 5; do echo $i >lim/f$i; done && "
	   "truncate -s 3M lim/big && tar -C lim -cf lim.tar .", top);
	before = count(P("%s/cache/images", top), "");
	lim.entries = 5;
	is_int(rootfs_image_ex(P("%s/lim.tar", top), &lim, NULL, path, sizeof(path), &err), -1,
	       "limits: 11 members over 5: an error");
	ok(strstr(err.msg, "more than 5 members") && strstr(err.msg, "--image-max-entries"),
	   "limits: ... says so and how to raise it (%s)", err.msg);
	lim = (struct rootfs_limits){ .depth = 2 };
	is_int(rootfs_image_ex(P("%s/lim.tar", top), &lim, NULL, path, sizeof(path), &err), -1,
	       "limits: 3 deep over 2: an error");
	ok(strstr(err.msg, "3 levels deep") && strstr(err.msg, "--image-max-depth"),
	   "limits: ... says so and how to raise it (%s)", err.msg);
	lim = (struct rootfs_limits){ .bytes = 1 << 20 };
	is_int(rootfs_image_ex(P("%s/lim.tar", top), &lim, NULL, path, sizeof(path), &err), -1,
	       "limits: 3 MiB over 1 MiB: an error");
	ok(strstr(err.msg, "more than 1.0 MiB") && strstr(err.msg, "--image-max-bytes"),
	   "limits: ... says so and how to raise it (%s)", err.msg);
	is_int(count(P("%s/cache/images", top), ""), before, "limits: nothing left in the cache");
	lim = (struct rootfs_limits){ .entries = 11, .depth = 3, .bytes = 4 << 20 };
	is_int(rootfs_image_ex(P("%s/lim.tar", top), &lim, NULL, path, sizeof(path), &err), 0,
	       "limits: raised to fit: unpacked (%s)", err.msg);
}

/* ---- OCI layouts ---- */

/* Move file into layout/blobs/sha256/<its sha256>; the hex into hex. */
static void
blob(const char *layout, const char *file, char hex[65])
{
	snprintf(hex, 65, "%s", sha256_of(file));
	sh("mkdir -p '%s/blobs/sha256' && mv '%s' '%s/blobs/sha256/%s'", layout, file, layout, hex);
}

static long
blob_size(const char *layout, const char *hex)
{
	struct stat st;

	return stat(P("%s/blobs/sha256/%s", layout, hex), &st) == 0 ? (long)st.st_size : -1;
}

static const char *
arch(void)
{
	struct utsname u;

	uname(&u);
	return strcmp(u.machine, "aarch64") == 0 ? "arm64" : "amd64";
}

struct layout {
	char dir[PATH_MAX];
	char l1[65], l2[65], manifest[65];
};

/* Two layers: the first a gzip tarball made by tar(1); the second zstd,
 * with whiteouts (one of them through a symlink to a host directory), an
 * opaque dir, and a file replacing a directory. salt makes a distinct
 * manifest; extra adds a member to layer 2; nested wraps the manifest in an
 * image index whose first entry is for another architecture. */
static void
make_layout(struct layout *L, const char *name, int salt, const struct member *extra, bool nested)
{
	const char *d = L->dir;
	char cfg[65], idx[65], json[4096], out[PATH_MAX];
	struct member l2[16] = {
		{ "etc/", '5', NULL, NULL }, { "etc/.wh.gone", '0', NULL, NULL },
		{ "opq/", '5', NULL, NULL }, { "opq/.wh..wh..opq", '0', NULL, NULL },
		{ "opq/new", '0', NULL, "new\n" }, { "newfile", '0', NULL, "newfile\n" },
		{ "repl", '0', NULL, "now a file\n" },
		{ "lnk/.wh.victim", '0', NULL, NULL }, { "lnk/.wh..wh..opq", '0', NULL, NULL },
	};
	int n = 9;

	snprintf(L->dir, sizeof(L->dir), "%s/%s", top, name);
	snprintf(out, sizeof(out), "%s/outside", top);
	for (; extra && extra->name; extra++)
		l2[n++] = *extra;
	l2[n].name = NULL;
	sh("rm -rf '%s' && mkdir -p '%s/l1/etc' '%s/l1/opq/sub' '%s/l1/repl/inner'", d, d, d, d);
	put(P("%s/l1/etc/keep", d), "keep\n");
	put(P("%s/l1/etc/gone", d), "gone\n");
	put(P("%s/l1/opq/old1", d), "old\n");
	put(P("%s/l1/opq/sub/old2", d), "old\n");
	put(P("%s/l1/repl/inner/x", d), "x\n");
	symlink(out, P("%s/l1/lnk", d));
	sh("cd '%s' && tar -C l1 --numeric-owner -czf layer1 . && rm -rf l1", d);
	tar_write(P("%s/layer2.tar", d), l2);
	sh("cd '%s' && zstd -q --rm -o layer2 layer2.tar", d);
	blob(d, P("%s/layer1", d), L->l1);
	blob(d, P("%s/layer2", d), L->l2);
	put(P("%s/config", d), "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":"
	    "{\"type\":\"layers\",\"diff_ids\":[]}}");
	blob(d, P("%s/config", d), cfg);
	snprintf(json, sizeof(json),
		 "{\n  \"schemaVersion\": 2,\n  \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",\n"
		 "  \"config\": {\"mediaType\": \"application/vnd.oci.image.config.v1+json\", "
		 "\"digest\": \"sha256:%s\", \"size\": %ld},\n  \"layers\": [\n"
		 "    {\"mediaType\": \"application/vnd.oci.image.layer.v1.tar+gzip\", \"digest\": \"sha256:%s\", \"size\": %ld},\n"
		 "    {\"mediaType\": \"application/vnd.oci.image.layer.v1.tar+zstd\", \"digest\": \"sha256:%s\", \"size\": %ld}\n"
		 "  ],\n  \"annotations\": {\"salt\": \"%d \\u00e9\\ud83d\\ude00\"}\n}\n",
		 cfg, blob_size(d, cfg), L->l1, blob_size(d, L->l1), L->l2, blob_size(d, L->l2), salt);
	put(P("%s/manifest", d), json);
	blob(d, P("%s/manifest", d), L->manifest);
	snprintf(json, sizeof(json), "{\"schemaVersion\":2,\"manifests\":["
		 "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:%s\","
		 "\"size\":1,\"platform\":{\"architecture\":\"mips64le\",\"os\":\"linux\"}},"
		 "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:%s\","
		 "\"size\":%ld,\"platform\":{\"architecture\":\"%s\",\"os\":\"linux\"}}]}",
		 "0000000000000000000000000000000000000000000000000000000000000000",
		 L->manifest, blob_size(d, L->manifest), arch());
	if (nested) {
		put(P("%s/index", d), json);
		blob(d, P("%s/index", d), idx);
		snprintf(json, sizeof(json), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
			 "\"application/vnd.oci.image.index.v1+json\",\"digest\":\"sha256:%s\",\"size\":%ld}]}",
			 idx, blob_size(d, idx));
	} else
		snprintf(json, sizeof(json), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
			 "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:%s\","
			 "\"size\":%ld,\"platform\":{\"architecture\":\"%s\",\"os\":\"linux\"}}]}",
			 L->manifest, blob_size(d, L->manifest), arch());
	put(P("%s/index.json", d), json);
	put(P("%s/oci-layout", d), "{\"imageLayoutVersion\":\"1.0.0\"}");
}

static void
oci_contents(const char *what, const char *path)
{
	is_str(slurp(P("%s/etc/keep", path)), "keep\n", "%s: layer 1 file kept", what);
	ok(!exists(P("%s/etc/gone", path)), "%s: .wh.gone deleted etc/gone", what);
	ok(!exists(P("%s/opq/old1", path)) && !exists(P("%s/opq/sub", path)),
	   "%s: opaque dir emptied of layer 1", what);
	is_str(slurp(P("%s/opq/new", path)), "new\n", "%s: opaque dir keeps layer 2's file", what);
	is_str(slurp(P("%s/newfile", path)), "newfile\n", "%s: layer 2 file", what);
	is_str(slurp(P("%s/repl", path)), "now a file\n", "%s: a file replaced a directory", what);
	ok(!exists(P("%s/etc/.wh.gone", path)) && !exists(P("%s/opq/.wh..wh..opq", path)),
	   "%s: whiteout markers not written", what);
	is_str(slurp(P("%s/outside/victim", top)), "original\n",
	       "%s: whiteout through a symlink did not delete outside", what);
	is_int(count(P("%s/outside", top), ""), 1, "%s: opaque through a symlink did not empty outside", what);
	is_str(run("readlink '%s/lnk'", path), P("%s/outside", top), "%s: the symlink itself stays", what);
}

static void
oci(void)
{
	char path[PATH_MAX], again[PATH_MAX];
	struct rootfs_stats st;
	struct nsx_err err = { 0 };
	struct layout L;

	make_layout(&L, "oci1", 1, NULL, false);
	is_int(rootfs_image_ex(L.dir, NULL, &st, path, sizeof(path), &err), 0, "OCI: unpacked (%s)", err.msg);
	is_str(path, P("%s/cache/images/%s.v2/root", top, L.manifest), "OCI: CACHE/images/<manifest digest>.v2/root");
	oci_contents("OCI", path);
	is_int(rootfs_image_ex(L.dir, NULL, &st, again, sizeof(again), &err), 0, "OCI again: ok");
	ok(strcmp(path, again) == 0 && !st.unpacked, "OCI again: from the cache");

	make_layout(&L, "oci2", 2, NULL, true);
	is_int(rootfs_image_ex(L.dir, NULL, &st, path, sizeof(path), &err), 0,
	       "OCI nested index, other arch listed first: unpacked (%s)", err.msg);
	is_str(path, P("%s/cache/images/%s.v2/root", top, L.manifest), "OCI nested: picked linux/%s", arch());
	oci_contents("OCI nested", path);

	make_layout(&L, "oci3", 3, NULL, false);
	unlink(P("%s/blobs/sha256/%s", L.dir, L.l2));
	image_err(L.dir, P("OCI layout %s: blob sha256:%s is missing", L.dir, L.l2), "OCI missing blob");

	make_layout(&L, "oci4", 4, NULL, false);
	sh("echo >> '%s/blobs/sha256/%s'", L.dir, L.l1);
	image_err(L.dir, P("OCI layout %s: blob sha256:%s: digest mismatch", L.dir, L.l1),
		  "OCI corrupt layer");

	make_layout(&L, "oci5", 5, NULL, false);
	sh("echo '{}' > '%s/blobs/sha256/%s'", L.dir, L.manifest);
	image_err(L.dir, P("blob sha256:%s: digest mismatch", L.manifest), "OCI corrupt manifest");

	make_layout(&L, "oci6", 6, (struct member[]){ { ".wh..", '0', NULL, NULL },
		{ NULL, 0, NULL, NULL } }, false);
	image_err(L.dir, "whiteout '.wh..' refused", "OCI whiteout of '..'");
	ok(exists(P("%s/cache/images", top)) && count(P("%s/cache/images", top), "") > 0,
	   "OCI whiteout of '..': the cache is intact");

	make_layout(&L, "oci7", 7, (struct member[]){ { "../../escape", '0', NULL, "x\n" },
		{ NULL, 0, NULL, NULL } }, false);
	image_err(L.dir, "member '../../escape' is outside the tree", "OCI layer with '..'");

	make_layout(&L, "oci8", 8, NULL, false);
	put(P("%s/index.json", L.dir), "{\"manifests\": [ {\"digest\": \"sha256:12\"");
	image_err(L.dir, "index.json is not valid JSON", "OCI broken index.json");
}

/* ---- not root: XDG cache 0700, devices skipped, owners not kept ---- */

struct nonroot {
	int cache_rc, image_rc;
	char cache[PATH_MAX], home_cache[PATH_MAX], err[1024];
	mode_t cache_mode, home_mode;
	unsigned skipped;
	bool file, device;
	uid_t owner;
};

static void
nonroot_child(int fd)
{
	struct nonroot r = { 0 };
	struct rootfs_stats st = { 0 };
	struct nsx_err err = { 0 };
	char path[PATH_MAX];
	struct stat sb;

	if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
	    setresuid(65534, 65534, 65534) < 0)
		_exit(2);
	unsetenv("NSX_CACHE_DIR");
	setenv("XDG_CACHE_HOME", P("%s/xdg", top), 1);
	r.cache_rc = rootfs_cache_dir(r.cache, sizeof(r.cache), &err);
	r.cache_mode = mode_of(r.cache);
	r.image_rc = rootfs_image_ex(P("%s/dev.tar", top), NULL, &st, path, sizeof(path), &err);
	snprintf(r.err, sizeof(r.err), "%s", err.msg);
	r.skipped = st.devices_skipped;
	r.file = exists(P("%s/file", path));
	r.device = exists(P("%s/dev/null", path));
	r.owner = lstat(P("%s/file", path), &sb) == 0 ? sb.st_uid : 0;
	unsetenv("XDG_CACHE_HOME");
	setenv("HOME", P("%s/home", top), 1);
	rootfs_cache_dir(r.home_cache, sizeof(r.home_cache), &err);
	r.home_mode = mode_of(r.home_cache);
	if (write(fd, &r, sizeof(r)) < 0)
		_exit(1);
	_exit(0);
}

static void
nonroot(void)
{
	struct nonroot r = { 0 };
	int p[2];
	pid_t pid;

	if (geteuid() != 0) {
		skip("the rootless checks switch to uid 65534: needs root");
		return;
	}
	chmod(top, 0755);
	sh("mkdir -p '%s/xdg' '%s/home' && chown 65534:65534 '%s/xdg' '%s/home' && chmod 0644 '%s/dev.tar'",
	   top, top, top, top, top);
	if (pipe(p) < 0 || (pid = fork()) < 0)
		return;
	if (pid == 0) {
		close(p[0]);
		nonroot_child(p[1]);
	}
	close(p[1]);
	is_int(read(p[0], &r, sizeof(r)), sizeof(r), "rootless: the child reported");
	close(p[0]);
	waitpid(pid, NULL, 0);
	is_int(r.cache_rc, 0, "rootless: a cache dir");
	is_str(r.cache, P("%s/xdg/nsx", top), "rootless: $XDG_CACHE_HOME/nsx");
	is_int(r.cache_mode, 0700, "rootless: made 0700");
	is_str(r.home_cache, P("%s/home/.cache/nsx", top), "rootless without XDG: ~/.cache/nsx");
	is_int(r.home_mode, 0700, "rootless: ~/.cache/nsx made 0700");
	is_int(r.image_rc, 0, "rootless: a tarball with a device unpacks (%s)", r.err);
	ok(r.file && !r.device, "rootless: the file is there, the device is not");
	is_int(r.skipped, 1, "rootless: one device counted as skipped");
	is_int(r.owner, 65534, "rootless: files are ours, owners not kept");
}

/* ---- the free-space estimate of a member (untar_disk) ----
 * A sparse member's extents count, never more than its size: libarchive
 * 3.6 drops extents past the size it has, but not past a size set after
 * them, and older ones check nothing; three members of 2^63 would have
 * wrapped the cache's sum round to a small number. */

static void
disk_estimate(void)
{
	void *lib = dlopen("libarchive.so.13", RTLD_NOW | RTLD_LOCAL);
	struct archive_entry *(*e_new)(void);
	void (*e_size)(struct archive_entry *, la_int64_t);
	void (*e_sparse)(struct archive_entry *, la_int64_t, la_int64_t);
	void (*e_free)(struct archive_entry *);
	struct archive_entry *e;
	struct nsx_err err;

	if (!lib || archive_dl_load(&err) < 0) {
		skip("libarchive.so.13 is not installed");
		return;
	}
	*(void **)&e_new = dlsym(lib, "archive_entry_new");
	*(void **)&e_size = dlsym(lib, "archive_entry_set_size");
	*(void **)&e_sparse = dlsym(lib, "archive_entry_sparse_add_entry");
	*(void **)&e_free = dlsym(lib, "archive_entry_free");
	e = e_new();
	e_size(e, 4096);
	is_int(untar_disk(e), 4096, "disk estimate: a plain member of 4096 bytes takes 4096");
	e_sparse(e, 0, 256);
	e_sparse(e, 1024, 256);
	is_int(untar_disk(e), 512, "... a sparse one, its two extents of 256");
	e_free(e);
	e = e_new();
	e_size(e, INT64_MAX);
	e_sparse(e, 0, 256);	/* not adjacent: libarchive would merge them */
	e_sparse(e, 1024, INT64_C(1) << 62);
	e_sparse(e, (INT64_C(1) << 62) + 2048, INT64_C(1) << 61);
	e_size(e, 4096);
	ok(untar_disk(e) <= 4096, "... extents of 1.5 x 2^62 bytes in a member of 4096: at most 4096 (%llu)",
	   untar_disk(e));
	e_free(e);
	dlclose(lib);
}

int
main(void)
{
	if (!mkdtemp(top)) {
		perror("mkdtemp");
		return 1;
	}
	made = true;
	atexit(cleanup);
	setenv("NSX_CACHE_DIR", P("%s/cache", top), 1);
	unsetenv("NSX_BUSYBOX");
	cache_dir();
	if (access("/bin/busybox", X_OK) == 0) {
		builtin();
		builtin_race();
	} else
		skip("/bin/busybox (busybox-static) is not installed");
	check_dir();
	tar_fixture();
	tarball("a.tar");
	tarball("a.tar.gz");
	tarball("a.tar.xz");
	tarball("a.tar.zst");
	tarball("b.tar");
	sweep();
	broken_tarballs();
	evil_tarballs();
	devices_as_root();
	owners_and_modes();
	limits();
	oci();
	nonroot();
	disk_estimate();
	return done_testing();
}
