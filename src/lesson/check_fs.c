/* Checks of mounts, the root (chroot or pivot_root), /proc and files
 * (see check.c). */
#define _GNU_SOURCE
#include "lesson/check_int.h"

#include <ctype.h>
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "model/model.h"
#include "model/mountinfo.h"
#include "sys/sys.h"
#include "util/xalloc.h"

/* One mountinfo line, split. */
struct mnt {
	int id, parent;
	char root[PATH_MAX], point[PATH_MAX];
	char opt[256];		/* optional fields: shared:N master:N ... */
	char fstype[64];
};

static int
mnt_parse(char *line, struct mnt *m)
{
	struct mountinfo mi;

	if (mountinfo_parse(line, &mi) < 0 || strlen(mi.root) >= sizeof(m->root) ||
	    strlen(mi.target) >= sizeof(m->point))
		return -1;
	m->id = mi.id;
	m->parent = mi.parent;
	strcpy(m->root, mi.root);
	strcpy(m->point, mi.target);
	snprintf(m->opt, sizeof(m->opt), "%s", mi.optional);
	snprintf(m->fstype, sizeof(m->fstype), "%s", mi.fstype);
	return 0;
}

/* Mounts of f, one callback per line; the callback returns nonzero to stop. */
static int
mnt_each(FILE *f, int (*fn)(const struct mnt *m, void *arg), void *arg)
{
	char *line = NULL;
	size_t cap = 0;
	struct mnt m;
	int r = 0;

	while (!r && getline(&line, &cap, f) >= 0)
		if (mnt_parse(line, &m) == 0)
			r = fn(&m, arg);
	free(line);
	return r;
}

struct mnt_find {
	const char *path;
	struct mnt found;
	bool any;
};

static int
mnt_at(const struct mnt *m, void *arg)
{
	struct mnt_find *q = arg;

	/* the last mount on a point is the one on top */
	if (strcmp(m->point, q->path) == 0) {
		q->found = *m;
		q->any = true;
	}
	return 0;
}

/* The top mount on path in this level (1), none (0), or -1. */
static int
mount_here(const struct lesson_env *e, const char *path, struct mnt *out)
{
	struct mnt_find q = { .path = path };
	FILE *f = chk_level_file(e, "mountinfo");

	if (!f)
		return -1;
	mnt_each(f, mnt_at, &q);
	fclose(f);
	if (q.any && out)
		*out = q.found;
	return q.any;
}

int
chk_proc_own(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	char buf[32];
	ssize_t len = readlink("/proc/self", buf, sizeof(buf) - 1);

	if (len <= 0)
		return chk_say(why, n, "no proc is mounted on /proc here");
	buf[len] = '\0';
	if (atoi(buf) == (int)getpid())
		return 1;
	return chk_say(why, n, "/proc shows another pid namespace (there this shell is %s, here %d): "
		   "mount a new proc", buf, (int)getpid());
}

int
chk_mount(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	struct mnt m;
	int r = mount_here(e, argv[0], &m);

	if (r < 0)
		return chk_say(why, n, "cannot read this level's mounts");
	if (!r)
		return chk_say(why, n, "nothing is mounted on %s here", argv[0]);
	if (argc > 1 && strcmp(m.fstype, argv[1]) != 0)
		return chk_say(why, n, "%s is a %s mount, not %s", argv[0], m.fstype, argv[1]);
	return 1;
}

int
chk_mount_hidden(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	struct mnt_find q = { .path = argv[0] };
	FILE *f;
	int fd;

	if (!chk_mount(e, 1, argv, why, n))
		return 0;
	if (e->ref_mountinfo < 0)
		return chk_say(why, n, "the mounts where the lesson started cannot be read");
	fd = dup(e->ref_mountinfo);
	f = fd < 0 ? NULL : fdopen(fd, "re");
	if (!f) {
		if (fd >= 0)
			close(fd);
		return chk_say(why, n, "the mounts where the lesson started cannot be read");
	}
	rewind(f);
	mnt_each(f, mnt_at, &q);
	fclose(f);
	if (q.any)
		return chk_say(why, n, "%s is mounted where the lesson started too: the mount propagated "
			   "(or was made there)", argv[0]);
	return 1;
}

struct under {
	const char *path;
	size_t len;
	char hit[PATH_MAX];
};

static int
mnt_under(const struct mnt *m, void *arg)
{
	struct under *u = arg;

	if (strncmp(m->point, u->path, u->len) == 0 &&
	    (m->point[u->len] == '\0' || m->point[u->len] == '/' || u->path[u->len - 1] == '/')) {
		snprintf(u->hit, sizeof(u->hit), "%s", m->point);
		return 1;
	}
	return 0;
}

int
chk_no_mount_under(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	struct under u = { .path = argv[0], .len = strlen(argv[0]) };
	FILE *f = chk_level_file(e, "mountinfo");

	if (!f)
		return chk_say(why, n, "cannot read this level's mounts");
	mnt_each(f, mnt_under, &u);
	fclose(f);
	if (!u.hit[0])
		return 1;
	return chk_say(why, n, "%s is still mounted", u.hit);
}

int
chk_propagation(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	struct mnt m;
	const char *mode;
	int r = mount_here(e, argv[0], &m);

	if (r <= 0)
		return chk_say(why, n, "nothing is mounted on %s here", argv[0]);
	if (strstr(m.opt, "shared:"))
		mode = strstr(m.opt, "master:") ? "shared and slave" : "shared";
	else if (strstr(m.opt, "master:"))
		mode = "slave";
	else if (strstr(m.opt, "unbindable"))
		mode = "unbindable";
	else
		mode = "private";
	if (strstr(mode, argv[1]))
		return 1;
	return chk_say(why, n, "%s is %s, not %s", argv[0], mode, argv[1]);
}

static int
root_differs(const struct lesson_env *e, char *why, size_t n)
{
	struct stat st;

	if (stat("/", &st) < 0)
		return chk_say(why, n, "cannot stat /");
	if (st.st_dev == e->ref->rootdev && st.st_ino == e->ref->rootino)
		return chk_say(why, n, "/ is the same directory as when the lesson started");
	return 1;
}

int
chk_chrooted(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	return root_differs(e, why, n);
}

/* The classic chroot escape, tried in a child: chroot into a subdirectory
 * while the working directory stays outside it, climb with "..", chroot
 * there. It reaches the start's / only when / is a chroot, not a new root
 * made by pivot_root. Needs CAP_SYS_CHROOT; -1 when it cannot be tried. */
static int
escapes_to_start(const struct lesson_env *e)
{
	pid_t c = fork();
	int st = 0;

	if (c < 0)
		return -1;
	if (c == 0) {
		DIR *d = opendir("/");
		struct dirent *de;
		struct stat s;
		const char *sub = NULL;

		/* any directory under /: nothing is written */
		while (d && (de = readdir(d)))
			if (de->d_type == DT_DIR && strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
				sub = de->d_name;
				break;
			}
		if (!sub || chdir("/") < 0 || chroot(sub) < 0)
			_exit(2);
		for (int i = 0; i < 256; i++)
			if (chdir("..") < 0)
				break;
		if (chroot(".") < 0 || stat("/", &s) < 0)
			_exit(2);
		_exit(s.st_dev == e->ref->rootdev && s.st_ino == e->ref->rootino ? 0 : 1);
	}
	while (waitpid(c, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) < 2 ? WEXITSTATUS(st) == 0 : -1;
}

int
chk_pivoted(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	int r;

	if (!root_differs(e, why, n))
		return 0;
	/* the escape is the proof where it can be tried (CAP_SYS_CHROOT);
	 * else a chroot onto a directory that is no mount point is told by
	 * mountinfo, which then has no "/" line */
	switch (escapes_to_start(e)) {
	case 1:
		return chk_say(why, n, "/ is a chroot: climbing out of it with .. reaches the old root");
	case 0:
		return 1;
	}
	r = mount_here(e, "/", NULL);
	if (r <= 0)
		return chk_say(why, n, "/ is another directory, but not a mount point: a chroot, not pivot_root");
	return 1;
}

int
chk_exists(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	struct stat st;

	if (lstat(argv[0], &st) == 0)
		return 1;
	return chk_say(why, n, "%s: %s", argv[0], strerror(errno));
}

int
chk_dir(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	struct stat st;

	if (stat(argv[0], &st) == 0 && S_ISDIR(st.st_mode))
		return 1;
	return chk_say(why, n, "%s is not a directory", argv[0]);
}

int
chk_symlink(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	char buf[PATH_MAX];
	ssize_t len = readlink(argv[0], buf, sizeof(buf) - 1);

	if (len < 0)
		return chk_say(why, n, "%s is not a symlink", argv[0]);
	buf[len] = '\0';
	if (strcmp(buf, argv[1]) == 0)
		return 1;
	return chk_say(why, n, "%s points to %s, not %s", argv[0], buf, argv[1]);
}

int
chk_chardev(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	struct stat st;

	if (stat(argv[0], &st) < 0)
		return chk_say(why, n, "%s: %s", argv[0], strerror(errno));
	if (S_ISCHR(st.st_mode) && major(st.st_rdev) == (unsigned)atoi(argv[1]) &&
	    minor(st.st_rdev) == (unsigned)atoi(argv[2]))
		return 1;
	if (!S_ISCHR(st.st_mode))
		return chk_say(why, n, "%s is not a character device", argv[0]);
	return chk_say(why, n, "%s is device %u:%u, not %s:%s", argv[0], major(st.st_rdev),
		   minor(st.st_rdev), argv[1], argv[2]);
}

/* An ELF file with no PT_INTERP program header: the kernel runs it
 * without ld.so, so it needs no library in the rootfs. */
int
chk_static_elf(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	int fd = open(argv[0], O_RDONLY | O_CLOEXEC);
	unsigned char id[EI_NIDENT];
	int interp = -1;

	if (fd < 0)
		return chk_say(why, n, "%s: %s", argv[0], strerror(errno));
	if (pread(fd, id, sizeof(id), 0) == (ssize_t)sizeof(id) && memcmp(id, ELFMAG, SELFMAG) == 0) {
		if (id[EI_CLASS] == ELFCLASS64) {
			Elf64_Ehdr h;
			Elf64_Phdr ph;

			if (pread(fd, &h, sizeof(h), 0) == (ssize_t)sizeof(h)) {
				interp = 0;
				for (int i = 0; i < h.e_phnum && i < 256; i++)
					if (pread(fd, &ph, sizeof(ph), (off_t)(h.e_phoff + (Elf64_Off)i * h.e_phentsize)) ==
					    (ssize_t)sizeof(ph) && ph.p_type == PT_INTERP)
						interp = 1;
			}
		} else if (id[EI_CLASS] == ELFCLASS32) {
			Elf32_Ehdr h;
			Elf32_Phdr ph;

			if (pread(fd, &h, sizeof(h), 0) == (ssize_t)sizeof(h)) {
				interp = 0;
				for (int i = 0; i < h.e_phnum && i < 256; i++)
					if (pread(fd, &ph, sizeof(ph), (off_t)(h.e_phoff + (Elf32_Off)i * h.e_phentsize)) ==
					    (ssize_t)sizeof(ph) && ph.p_type == PT_INTERP)
						interp = 1;
			}
		}
	}
	close(fd);
	if (interp == 0)
		return 1;
	if (interp < 0)
		return chk_say(why, n, "%s is not an ELF program", argv[0]);
	return chk_say(why, n, "%s is linked dynamically (it needs ld.so and its libraries)", argv[0]);
}

char *
chk_file_text(const char *path, size_t max)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t len;

	if (!f)
		return NULL;
	buf = xmalloc(max + 1);
	len = fread(buf, 1, max, f);
	buf[len] = '\0';
	fclose(f);
	return buf;
}

int
chk_contains(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	char *t = chk_file_text(argv[0], 1 << 16);
	int r;

	if (!t)
		return chk_say(why, n, "%s: %s", argv[0], strerror(errno));
	r = strstr(t, argv[1]) != NULL;
	free(t);
	return r ? 1 : chk_say(why, n, "%s does not contain '%s'", argv[0], argv[1]);
}
