#define _GNU_SOURCE
#include "container/state.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "container/net.h"
#include "util/xalloc.h"

/* Records are run-time state: on a tmpfs, gone at reboot, and cheap to
 * write (/run on an ext4 made each run's create, rename and unlink cost
 * a journal commit). Where /run is not a tmpfs, root's go to /dev/shm. */
static int
state_root_dir(char *buf, size_t n, struct nsx_err *err)
{
	struct statfs sf;
	struct stat st;

	if (statfs("/run", &sf) == 0 && sf.f_type == TMPFS_MAGIC) {
		snprintf(buf, n, "/run/nsx");
		return 0;
	}
	/* /dev/shm is everyone's: the directory must be ours, not a planted one */
	snprintf(buf, n, "/dev/shm/nsx-run");
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return nsx_error(err, errno, "cannot make the state directory %s: %s", buf, strerror(errno));
	if (lstat(buf, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 077))
		return nsx_error(err, EPERM, "%s is not a directory of root's alone: remove it", buf);
	return 0;
}

static int
state_dir(char *buf, size_t n, struct nsx_err *err)
{
	const char *env = getenv("NSX_STATE_DIR"), *xdg = getenv("XDG_RUNTIME_DIR");

	if (env && *env)
		snprintf(buf, n, "%s", env);
	else if (geteuid() == 0) {
		if (state_root_dir(buf, n, err) < 0)
			return -1;
	} else if (xdg && *xdg)
		snprintf(buf, n, "%s/nsx", xdg);
	else
		snprintf(buf, n, "/tmp/nsx-%u", (unsigned)geteuid());
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return nsx_error(err, errno, "cannot make the state directory %s: %s", buf, strerror(errno));
	return 0;
}

static void
state_path(const char *dir, const char *name, char *buf, size_t n)
{
	snprintf(buf, n, "%s/%s", dir, name);
}

int
state_check_name(const char *name, struct nsx_err *err)
{
	size_t len = strlen(name);

	if (len == 0 || len > STATE_NAME_MAX || !isalnum((unsigned char)name[0]))
		return nsx_error(err, EINVAL, "invalid name '%s' (1 to %d of a-z 0-9 . _ -, "
				 "starting with a letter or digit)", name, STATE_NAME_MAX);
	for (const char *p = name; *p; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && !strchr("._-", *p))
			return nsx_error(err, EINVAL, "invalid name '%s' (1 to %d of a-z 0-9 . _ -, "
					 "starting with a letter or digit)", name, STATE_NAME_MAX);
	return 0;
}

unsigned long long
state_proc_start(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return 0;
	buf[len] = '\0';
	/* the command may hold spaces and parentheses: fields start after the
	 * last ')'; a zombie has died (its record is for the taking) */
	if (!(p = strrchr(buf, ')')) || p[1] != ' ' || p[2] == 'Z')
		return 0;
	p += 2;
	for (int field = 3; field < 22 && p; field++)
		if ((p = strchr(p, ' ')))
			p++;
	if (p)
		start = strtoull(p, NULL, 10);
	return start;
}

static bool
state_alive(const struct ctr_state *s)
{
	return s->nsx_pid > 0 && s->nsx_start && state_proc_start(s->nsx_pid) == s->nsx_start;
}

static void
state_format(const struct ctr_state *s, FILE *f)
{
	fprintf(f, "name=%s\nnsx_pid=%d\nnsx_start=%llu\npid=%d\nrootfs=%s\nsource=%s\n"
		"ns=%s\nlimits=%s\nnet=%s\nveth=%s\ncreated=%lld\ncgroup_v2=%d\n",
		s->name, (int)s->nsx_pid, s->nsx_start, (int)s->pid, s->rootfs, s->source,
		s->ns, s->limits, s->net, s->veth, (long long)s->created, s->cg.v2);
	for (int i = 0; i < s->cg.ndirs; i++)
		fprintf(f, "cgroup=%s\n", s->cg.dir[i]);
}

static void
state_field(struct ctr_state *s, const char *key, const char *v)
{
	struct { const char *key; char *dst; size_t size; } strs[] = {
		{ "name", s->name, sizeof(s->name) },
		{ "rootfs", s->rootfs, sizeof(s->rootfs) },
		{ "source", s->source, sizeof(s->source) },
		{ "ns", s->ns, sizeof(s->ns) },
		{ "limits", s->limits, sizeof(s->limits) },
		{ "net", s->net, sizeof(s->net) },
		{ "veth", s->veth, sizeof(s->veth) },
	};

	for (size_t i = 0; i < ARRAY_SIZE(strs); i++)
		if (strcmp(key, strs[i].key) == 0) {
			snprintf(strs[i].dst, strs[i].size, "%s", v);
			return;
		}
	if (strcmp(key, "nsx_pid") == 0)
		s->nsx_pid = atoi(v);
	else if (strcmp(key, "nsx_start") == 0)
		s->nsx_start = strtoull(v, NULL, 10);
	else if (strcmp(key, "pid") == 0)
		s->pid = atoi(v);
	else if (strcmp(key, "created") == 0)
		s->created = (time_t)strtoll(v, NULL, 10);
	else if (strcmp(key, "cgroup_v2") == 0)
		s->cg.v2 = atoi(v) != 0;
	else if (strcmp(key, "cgroup") == 0 && s->cg.ndirs < CG_MAXDIRS)
		snprintf(s->cg.dir[s->cg.ndirs++], PATH_MAX, "%s", v);
}

static int
state_load(const char *path, struct ctr_state *s)
{
	char line[PATH_MAX + 32];
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	memset(s, 0, sizeof(*s));
	while (fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '=');

		line[strcspn(line, "\n")] = '\0';
		if (!eq)
			continue;
		*eq = '\0';
		state_field(s, line, eq + 1);
	}
	fclose(f);
	return s->name[0] ? 0 : -1;
}

static int
state_store(const char *path, const struct ctr_state *s, int flags, struct nsx_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0644);
	FILE *f;

	if (fd < 0)
		return -1;
	if (!(f = fdopen(fd, "w"))) {
		close(fd);
		return nsx_error(err, errno, "%s: %s", path, strerror(errno));
	}
	state_format(s, f);
	if (fclose(f) != 0)
		return nsx_error(err, errno, "%s: %s", path, strerror(errno));
	return 0;
}

void
state_reap(const struct ctr_state *s)
{
	struct nsx_cgroup cg = s->cg;
	char dir[PATH_MAX], path[PATH_MAX + STATE_NAME_MAX + 2];

	/* a cgroup that cannot go yet keeps its record: the next look retries */
	if (cg.ndirs && cg_destroy(&cg, NULL) < 0)
		return;
	if (s->veth[0])
		net_link_delete(s->veth, NULL);
	if (state_dir(dir, sizeof(dir), NULL) == 0) {
		state_path(dir, s->name, path, sizeof(path));
		unlink(path);
	}
}

int
state_claim(struct ctr_state *s, struct nsx_err *err)
{
	char dir[PATH_MAX], path[PATH_MAX + STATE_NAME_MAX + 2];
	struct ctr_state old;

	if (state_dir(dir, sizeof(dir), err) < 0)
		return -1;
	state_path(dir, s->name, path, sizeof(path));
	s->nsx_pid = getpid();
	s->nsx_start = state_proc_start(s->nsx_pid);
	for (int tries = 0; tries < 2; tries++) {
		if (state_store(path, s, O_EXCL, err) == 0)
			return 0;
		if (errno != EEXIST)
			return nsx_error(err, errno, "cannot record the container in %s: %s", dir, strerror(errno));
		if (state_load(path, &old) == 0 && state_alive(&old))
			break;
		/* a run that died with SIGKILL: clean up after it, take the name */
		if (state_load(path, &old) == 0)
			state_reap(&old);
		else
			unlink(path);
	}
	return nsx_error(err, EEXIST, "a container named '%s' is running (see 'nsx ps'; choose another --name)",
			 s->name);
}

int
state_write(const struct ctr_state *s, struct nsx_err *err)
{
	char dir[PATH_MAX], path[PATH_MAX + STATE_NAME_MAX + 2], tmp[PATH_MAX + STATE_NAME_MAX + 16];

	if (state_dir(dir, sizeof(dir), err) < 0)
		return -1;
	state_path(dir, s->name, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s/.%s.new", dir, s->name);
	if (state_store(tmp, s, O_TRUNC, err) < 0)
		return nsx_error(err, errno, "cannot record the container: %s", strerror(errno));
	if (rename(tmp, path) < 0) {
		unlink(tmp);
		return nsx_error(err, errno, "cannot record the container: %s", strerror(errno));
	}
	return 0;
}

void
state_remove(const char *name)
{
	char dir[PATH_MAX], path[PATH_MAX + STATE_NAME_MAX + 2];

	if (state_dir(dir, sizeof(dir), NULL) == 0) {
		state_path(dir, name, path, sizeof(path));
		unlink(path);
	}
}

int
state_read(const char *name, struct ctr_state *s, struct nsx_err *err)
{
	char dir[PATH_MAX], path[PATH_MAX + STATE_NAME_MAX + 2];

	if (state_check_name(name, NULL) < 0 || state_dir(dir, sizeof(dir), err) < 0)
		return nsx_error(err, ENOENT, "no container named '%s'", name);
	state_path(dir, name, path, sizeof(path));
	if (state_load(path, s) < 0)
		return nsx_error(err, ENOENT, "no container named '%s' (see 'nsx ps')", name);
	if (!state_alive(s)) {
		state_reap(s);
		return nsx_error(err, ENOENT, "no container named '%s' (its run has ended)", name);
	}
	if (s->pid <= 0)
		return nsx_error(err, EAGAIN, "container '%s' is still being set up", name);
	return 0;
}

static int
state_cmp(const void *a, const void *b)
{
	const struct ctr_state *x = a, *y = b;

	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	return strcmp(x->name, y->name);
}

int
state_list(struct ctr_state **out, int *n, struct nsx_err *err)
{
	char dir[PATH_MAX], path[PATH_MAX + 300];
	struct ctr_state *v = NULL;
	struct dirent *d;
	int cap = 0;
	DIR *dp;

	*n = 0;
	if (state_dir(dir, sizeof(dir), err) < 0)
		return -1;
	if (!(dp = opendir(dir)))
		return nsx_error(err, errno, "%s: %s", dir, strerror(errno));
	while ((d = readdir(dp))) {
		struct ctr_state s;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		if (state_load(path, &s) < 0)
			continue;
		if (!state_alive(&s)) {
			state_reap(&s);
			continue;
		}
		if (*n == cap)
			v = xreallocarray(v, (size_t)(cap = cap ? 2 * cap : 8), sizeof(*v));
		v[(*n)++] = s;
	}
	closedir(dp);
	if (*n)
		qsort(v, (size_t)*n, sizeof(*v), state_cmp);
	*out = v;
	return 0;
}
