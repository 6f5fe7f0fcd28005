/* doctor's facts (doctor.h): probes in forked children (unshare of each
 * namespace type, an unprivileged user namespace with its maps), and
 * files in /proc, /sys and /etc (the kernel, newuidmap, subordinate ids,
 * the cgroup layout) with what the userns and cgroup modules decide from
 * them. Changes nothing on the host. */
#define _GNU_SOURCE
#include "doctor/doctor.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "container/unpack.h"
#include "util/file.h"
#include "util/xalloc.h"

#define NOBODY 65534		/* the unprivileged user root tests with */
#define PROBE_TIMEOUT_MS 5000	/* a probe child that takes longer is killed */

/* ---- gathering: probes in forked children ---- */

struct probe_res {
	int step;		/* enum doctor_step that failed, STEP_NONE if none */
	int err;
};

/* Run fn in a forked child and read its result from a pipe. A child that
 * does not answer within PROBE_TIMEOUT_MS is killed by its PID; the child
 * is always reaped before this returns, so doctor leaves no process. */
static void
probe_run(void (*fn)(int arg, struct probe_res *r), int arg, struct probe_res *res)
{
	struct pollfd pfd = { .events = POLLIN };
	ssize_t got = -1;
	int p[2], n, st;
	pid_t pid;

	*res = (struct probe_res){ STEP_CHILD, 0 };
	if (pipe2(p, O_CLOEXEC) < 0) {
		res->err = errno;
		return;
	}
	fflush(NULL);	/* or the child's exit could repeat buffered output */
	pid = fork();
	if (pid == 0) {
		struct probe_res r = { STEP_NONE, 0 };

		close(p[0]);
		fn(arg, &r);
		if (write(p[1], &r, sizeof(r)) != (ssize_t)sizeof(r))
			_exit(2);
		_exit(0);
	}
	close(p[1]);
	if (pid < 0) {
		res->err = errno;
		close(p[0]);
		return;
	}
	pfd.fd = p[0];
	do
		n = poll(&pfd, 1, PROBE_TIMEOUT_MS);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		got = read(p[0], res, sizeof(*res));
	else
		kill(pid, SIGKILL);	/* hung: only this child, by its PID */
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (got != (ssize_t)sizeof(*res))
		*res = (struct probe_res){ STEP_CHILD, n == 0 ? ETIMEDOUT : ECHILD };
}

static void
probe_unshare(int flags, struct probe_res *r)
{
	if (unshare(flags) < 0) {
		r->step = STEP_UNSHARE;
		r->err = errno;
	}
}

static int
write_proc_self(const char *name, const char *text)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/%s", name);
	return file_write_once(path, text);
}

#define STEP_FAIL(r, s) do { (r)->step = (s); (r)->err = errno; return; } while (0)

/* What a rootless nsx does: a user namespace and a one-ID map. As root the
 * child first becomes nobody, so that the answer is what students get. */
static void
probe_userns(int arg, struct probe_res *r)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	char map[64];

	if (uid == 0) {
		if (setgroups(0, NULL) < 0 || setgid(NOBODY) < 0 || setuid(NOBODY) < 0)
			STEP_FAIL(r, STEP_SETUID);
		/* changing uid cleared "dumpable", which makes /proc/self/uid_map
		 * root's: without this the write fails with EACCES for that
		 * reason alone */
		prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
		uid = NOBODY;
		gid = NOBODY;
	}
	if (unshare(CLONE_NEWUSER) < 0)
		STEP_FAIL(r, STEP_UNSHARE);
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
	if (write_proc_self("uid_map", map) < 0)
		STEP_FAIL(r, STEP_UIDMAP);
	/* setgroups exists since 3.19; before it gid_map needs no "deny" */
	if (write_proc_self("setgroups", "deny") < 0 && errno != ENOENT)
		STEP_FAIL(r, STEP_SETGROUPS);
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
	if (write_proc_self("gid_map", map) < 0)
		STEP_FAIL(r, STEP_GIDMAP);
	(void)arg;
}

static void
gather_ns(struct doctor_facts *f)
{
	for (int t = 0; t < NSX_NTYPES; t++) {
		int flag = nstype_table[t].clone_flag;
		struct probe_res r;
		char path[64];

		snprintf(path, sizeof(path), "/proc/self/ns/%s", nstype_table[t].name);
		f->ns[t].link = access(path, F_OK) == 0;
		probe_run(probe_unshare, flag, &r);
		f->ns[t].err_alone = r.err;
		f->ns[t].err_user = -1;
		/* rootless: with a user namespace, as unshare -r and nsx do */
		if (r.err && f->uid != 0 && t != NSX_USER) {
			probe_run(probe_unshare, flag | CLONE_NEWUSER, &r);
			f->ns[t].err_user = r.err;
		}
	}
}

static void
gather_userns(struct doctor_facts *f)
{
	struct probe_res r;

	probe_run(probe_userns, 0, &r);
	f->userns.uid = f->uid == 0 ? NOBODY : f->uid;
	f->userns.step = r.step;
	f->userns.err = r.err;
}

/* ---- gathering: files ---- */

/* Read a small file into buf (NUL-terminated, trailing newline removed).
 * Returns the length, or -1 with errno. */
static ssize_t
read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return n;
}

static void
gather_kernel(struct doctor_facts *f)
{
	struct utsname u;

	if (uname(&u) < 0)
		snprintf(u.release, sizeof(u.release), "unknown");
	snprintf(f->release, sizeof(f->release), "%s", u.release);
	if (sscanf(f->release, "%d.%d", &f->kmajor, &f->kminor) != 2)
		f->kmajor = f->kminor = 0;
}

/* newuidmap and newgidmap where run and unshare would find them */
static void
gather_idmap(struct doctor_facts *f)
{
	static const char *const tool[2] = { "newuidmap", "newgidmap" };

	for (int i = 0; i < 2; i++) {
		char path[PATH_MAX];
		struct stat st;

		f->idmap[i].path[0] = '\0';
		if (userns_tool_find(tool[i], path, sizeof(path)) < 0 || stat(path, &st) < 0)
			continue;
		snprintf(f->idmap[i].path, sizeof(f->idmap[i].path), "%.63s", path);
		f->idmap[i].setuid = st.st_uid == 0 && (st.st_mode & S_ISUID);
		/* Fedora and others give them cap_setuid/cap_setgid instead */
		f->idmap[i].fcaps = getxattr(path, "security.capability", NULL, 0) > 0;
	}
}

/* /etc/subuid: "NAME-or-UID:START:COUNT" lines. */
static void
gather_subid(struct doctor_facts *f)
{
	static const char *const file[2] = { "/etc/subuid", "/etc/subgid" };
	char uidstr[16];

	snprintf(uidstr, sizeof(uidstr), "%u", (unsigned)f->uid);
	for (int i = 0; i < 2; i++) {
		FILE *fp = fopen(file[i], "re");
		char line[256];

		f->subid[i].readable = fp != NULL;
		f->subid[i].found = false;
		while (fp && fgets(line, sizeof(line), fp)) {
			char *colon = strchr(line, ':');

			if (!colon)
				continue;
			*colon = '\0';
			if (strcmp(line, f->user) != 0 && strcmp(line, uidstr) != 0)
				continue;
			if (sscanf(colon + 1, "%lu:%lu", &f->subid[i].start, &f->subid[i].count) == 2) {
				f->subid[i].found = true;
				break;
			}
		}
		if (fp)
			fclose(fp);
	}
}

void
doctor_words_add(char *list, size_t size, const char *word)
{
	size_t len = strlen(list);

	snprintf(list + len, size - len, "%s%s", len ? " " : "", word);
}

/* What run --memory/--pids/--cpus would get here, as the cgroup module
 * decides it for run: all three together, and each alone. */
static void
gather_cgroup_limits(struct doctor_facts *f)
{
	static const unsigned bit[DOC_NCTRL] = { CG_CTL_MEMORY, CG_CTL_PIDS, CG_CTL_CPU };
	char where[PATH_MAX];
	unsigned all = 0;
	struct nsx_err err;

	for (int k = 0; k < DOC_NCTRL; k++) {
		f->cg.alone[k] = cg_usable(bit[k], where, sizeof(where), &err) == 0;
		all |= bit[k];
	}
	f->cg.all = cg_usable(all, where, sizeof(where), &err) == 0;
	snprintf(f->cg.where, sizeof(f->cg.where), "%.255s", f->cg.all ? where : "");
	snprintf(f->cg.why, sizeof(f->cg.why), "%s", f->cg.all ? "" : err.msg);
}

/* Where nsx's cgroup is, and which hierarchies hold the controllers: the
 * cgroup module's answer (cg_where, cg_mode), the one run acts on. */
static void
gather_cgroup(struct doctor_facts *f)
{
	static const enum doctor_cgmode mode[] = {
		[CG_MODE_NONE] = CG_NONE, [CG_MODE_V1] = CG_V1,
		[CG_MODE_V2] = CG_V2, [CG_MODE_HYBRID] = CG_HYBRID,
	};
	struct cg_where *w = xmalloc(sizeof(*w));
	struct nsx_err err;
	char path[PATH_MAX + 32];

	memset(&f->cg, 0, sizeof(f->cg));
	if (cg_where_self(w, &err) < 0 || (f->cg.mode = mode[cg_mode(w)]) == CG_NONE) {
		free(w);
		return;
	}
	snprintf(f->cg.v2mnt, sizeof(f->cg.v2mnt), "%s", w->v2mnt);
	snprintf(f->cg.v2path, sizeof(f->cg.v2path), "%s", w->v2path);
	for (int i = 0; i < w->nv1; i++)
		for (char *save = NULL, *c = strtok_r(w->v1[i].ctls, ",", &save); c;
		     c = strtok_r(NULL, ",", &save))
			if (strncmp(c, "name=", 5) != 0)
				doctor_words_add(f->cg.v1ctrls, sizeof(f->cg.v1ctrls), c);
	if (w->v2[0]) {
		snprintf(path, sizeof(path), "%s/cgroup.controllers", w->v2);
		read_small(path, f->cg.v2ctrls, sizeof(f->cg.v2ctrls));
		snprintf(path, sizeof(path), "%s/cgroup.subtree_control", w->v2);
		read_small(path, f->cg.v2subtree, sizeof(f->cg.v2subtree));
	}
	free(w);
	gather_cgroup_limits(f);
}

/* "Seccomp: 2" in /proc/self/status: a filter (a container's, usually) may
 * be what refuses unshare. */
static int
gather_seccomp(void)
{
	FILE *fp = fopen("/proc/self/status", "re");
	char line[128];
	int mode = -1;

	while (fp && fgets(line, sizeof(line), fp))
		if (sscanf(line, "Seccomp: %d", &mode) == 1)
			break;
	if (fp)
		fclose(fp);
	return mode;
}

void
doctor_gather(struct doctor_facts *f)
{
	struct passwd *pw;

	memset(f, 0, sizeof(*f));
	f->uid = getuid();
	f->gid = getgid();
	pw = getpwuid(f->uid);
	if (pw)
		snprintf(f->user, sizeof(f->user), "%s", pw->pw_name);
	else
		snprintf(f->user, sizeof(f->user), "%u", (unsigned)f->uid);
	f->seccomp = gather_seccomp();
	gather_kernel(f);
	gather_ns(f);
	gather_userns(f);
	userns_sys_read(NULL, &f->sys);
	gather_idmap(f);
	gather_subid(f);
	gather_cgroup(f);
	f->landlock_abi = unpack_landlock_abi();
}
