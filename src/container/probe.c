/* NSX_TEST_UNPACK_PROBE (probe.h): the ways out of the unpacking child's
 * confinement that a code-execution bug in libarchive or a decompressor
 * would try first:
 *  - create PATH by its path (Landlock, or a root that is the tree alone,
 *    must refuse: EACCES, ENOENT);
 *  - chmod PATH's directory to the mode it has (a no-op that tells whether
 *    chmod reaches outside the tree: Landlock does not cover it);
 *  - through every directory fd the child holds, climb with "../" and
 *    create PATH, or open the host's proc/sys/kernel/core_pattern for
 *    writing (never written: opening it is the proof); an fd of the host's
 *    /proc leads there directly. /proc/self/fd is not there to walk in a
 *    root that is the tree, so every fd number below the limit is tried;
 *  - its capabilities, no_new_privs and seccomp mode, as the kernel has
 *    them. */
#define _GNU_SOURCE
#include "container/probe.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "util/testhook.h"

#define PROBE_UP	64	/* "../" enough to reach / from any fd */
#define PROBE_FDS	4096	/* fd numbers tried, at most */

struct probe {
	char *out;
	size_t n, len;
	unsigned dirs;		/* directory fds tried */
	unsigned out_fds;	/* of them, ones that lead out */
};

static void __attribute__((format(printf, 2, 3)))
probe_say(struct probe *p, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (p->len >= p->n)
		return;
	va_start(ap, fmt);
	r = vsnprintf(p->out + p->len, p->n - p->len, fmt, ap);
	va_end(ap);
	if (r > 0)
		p->len += (size_t)r;
}

static const char *
probe_result(int rc)
{
	return rc == 0 ? "allowed" : strerror(errno);
}

/* The host's /proc, reached: an fd on procfs. */
static bool
probe_is_proc(int fd)
{
	struct statfs sf;

	return fstatfs(fd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
}

/* Does dir fd lead out of the confinement? PATH made through it (EEXIST:
 * it reached PATH that another fd made), or the host's core_pattern open
 * for writing. */
static void
probe_fd(struct probe *p, int fd, const char *path)
{
	char up[3 * PROBE_UP + PATH_MAX], *q = up;
	const char *how = NULL;
	int f;

	for (int i = 0; i < PROBE_UP; i++, q += 3)
		memcpy(q, "../", 3);
	snprintf(q, sizeof(up) - (size_t)(q - up), "%s", path + 1);
	f = openat(fd, up, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (f >= 0 || errno == EEXIST)
		how = "made PATH";
	if (f >= 0)
		close(f);
	snprintf(q, sizeof(up) - (size_t)(q - up), "proc/sys/kernel/core_pattern");
	f = probe_is_proc(fd) ? openat(fd, "sys/kernel/core_pattern", O_WRONLY | O_CLOEXEC)
			      : openat(fd, up, O_WRONLY | O_CLOEXEC);
	if (f >= 0 && probe_is_proc(f))
		how = how ? "made PATH, core_pattern writable" : "core_pattern writable";
	if (f >= 0)
		close(f);
	if (how)
		probe_say(p, "%sfd %d (%s)", p->out_fds++ ? ", " : "", fd, how);
}

static void
probe_fds(struct probe *p, const char *path)
{
	struct rlimit rl;
	int max = PROBE_FDS;
	size_t mark;
	struct stat st;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)max)
		max = (int)rl.rlim_cur;
	probe_say(p, "; fds leading out: ");
	mark = p->len;
	for (int fd = 0; fd < max; fd++)
		if (fcntl(fd, F_GETFD) >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
			p->dirs++;
			probe_fd(p, fd, path);
		}
	if (p->len == mark)
		probe_say(p, "none");
	probe_say(p, " (of %u directory fds)", p->dirs);
}

/* CapEff as /proc/PID/status shows it, NoNewPrivs, Seccomp (2: a filter) */
static void
probe_creds(struct probe *p)
{
	cap_t caps = cap_get_proc();
	uint64_t eff = 0;

	for (cap_value_t v = 0; caps && v < 64 && CAP_IS_SUPPORTED(v); v++) {
		cap_flag_value_t on = CAP_CLEAR;

		if (cap_get_flag(caps, v, CAP_EFFECTIVE, &on) == 0 && on == CAP_SET)
			eff |= UINT64_C(1) << v;
	}
	if (caps)
		cap_free(caps);
	probe_say(p, "; uid %u, CapEff %016llx, NoNewPrivs %d, Seccomp %d", (unsigned)geteuid(),
		  (unsigned long long)eff, prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0),
		  prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
}

void
probe_unpacker(char *out, size_t n)
{
	const char *path = testhook("NSX_TEST_UNPACK_PROBE");
	struct probe p = { out, n, 0, 0, 0 };
	char dir[PATH_MAX];
	struct stat st;
	int fd, rc;

	out[0] = '\0';
	if (!path || path[0] != '/')
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	probe_say(&p, "create PATH: %s", fd >= 0 ? "made" : strerror(errno));
	if (fd >= 0)
		close(fd);
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	rc = stat(*dir ? dir : "/", &st);
	if (rc == 0)
		rc = chmod(*dir ? dir : "/", st.st_mode & 07777);
	probe_say(&p, "; chmod its directory: %s", probe_result(rc));
	probe_fds(&p, path);
	probe_creds(&p);
}
