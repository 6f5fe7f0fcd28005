/* Checks of namespaces, ids and capabilities, System V IPC, time offsets,
 * pinned namespaces and the mystery process (see check.c). */
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

static int
types_cmp(const struct lesson_env *e, int argc, char **argv, const unsigned long *other,
	  bool want_same, const char *whose, char *why, size_t n)
{
	unsigned long ino[NSX_NTYPES];

	if (chk_self_ns(e, ino) < 0)
		return chk_say(why, n, "cannot read this level's namespaces");
	for (int i = 0; i < argc; i++) {
		int t = nstype_from_name(argv[i]);
		bool same = ino[t] == other[t];

		if (same != want_same)
			return chk_say(why, n, "the %s namespace is %s %s (%lu)", argv[i],
				   same ? "still" : "not", whose, ino[t]);
	}
	return 1;
}

int
chk_ns_new(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	return types_cmp(e, argc, argv, e->ref->ns, false, "the one the lesson started in", why, n);
}

int
chk_ns_same(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	return types_cmp(e, argc, argv, e->ref->ns, true, "the one the lesson started in", why, n);
}

int
chk_depth(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	int want = atoi(argv[0]), d = e->depth - e->ref->depth;

	if (d == want)
		return 1;
	if (d < 0)
		return chk_say(why, n, "you are above the level where the lesson started");
	return chk_say(why, n, "you are %d level%s below the lesson's start, not %d (exit leaves one)",
		   d, d == 1 ? "" : "s", want);
}

int
chk_hostname(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	char h[65] = "";

	gethostname(h, sizeof(h) - 1);
	if (strcmp(h, argv[0]) == 0)
		return 1;
	return chk_say(why, n, "the hostname is '%s', not '%s'", h, argv[0]);
}

int
chk_hostname_unchanged(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	char h[65] = "";

	gethostname(h, sizeof(h) - 1);
	if (strcmp(h, e->ref->hostname) == 0)
		return 1;
	return chk_say(why, n, "the hostname is '%s', not '%s' as when the lesson started", h,
		   e->ref->hostname);
}

int
chk_pid1(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	if (getpid() == 1)
		return 1;
	return chk_say(why, n, "this shell is PID %d of its pid namespace, not 1", (int)getpid());
}

static unsigned long
id_arg(const struct lesson_env *e, const char *s, bool gid)
{
	if (strcmp(s, "me") == 0)
		return gid ? e->ref->gid : e->ref->uid;
	return strtoul(s, NULL, 10);
}

int
chk_uid(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	unsigned long want = id_arg(e, argv[0], false);

	if (getuid() == want)
		return 1;
	return chk_say(why, n, "this shell's user id is %u, not %lu", (unsigned)getuid(), want);
}

int
chk_gid(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	unsigned long want = id_arg(e, argv[0], true);

	if (getgid() == want)
		return 1;
	return chk_say(why, n, "this shell's group id is %u, not %lu", (unsigned)getgid(), want);
}

static int
map_has(const struct lesson_env *e, const char *file, char **argv, bool gid, char *why, size_t n)
{
	unsigned long want[3] = { id_arg(e, argv[0], gid), id_arg(e, argv[1], gid), id_arg(e, argv[2], gid) };
	unsigned long a, b, c;
	FILE *f = chk_level_file(e, file);
	bool any = false, hit = false;

	if (!f)
		return chk_say(why, n, "cannot read %s", file);
	while (!hit && fscanf(f, "%lu %lu %lu", &a, &b, &c) == 3) {
		any = true;
		hit = a == want[0] && b == want[1] && c == want[2];
	}
	fclose(f);
	if (hit)
		return 1;
	if (!any)
		return chk_say(why, n, "%s is empty: nothing is mapped yet", file);
	return chk_say(why, n, "%s has no line '%lu %lu %lu'", file, want[0], want[1], want[2]);
}

int
chk_uid_map(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	return map_has(e, "uid_map", argv, false, why, n);
}

int
chk_gid_map(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	return map_has(e, "gid_map", argv, true, why, n);
}

int
chk_cap_value(const char *name)
{
	char buf[64];
	cap_value_t v;

	snprintf(buf, sizeof(buf), "%s%s", strncmp(name, "cap_", 4) ? "cap_" : "", name);
	return cap_from_name(buf, &v) == 0 ? (int)v : -1;
}

int
chk_cap(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	cap_t c = cap_get_proc();
	cap_flag_value_t v = CAP_CLEAR;

	if (c) {
		cap_get_flag(c, (cap_value_t)chk_cap_value(argv[0]), CAP_EFFECTIVE, &v);
		cap_free(c);
	}
	if (v == CAP_SET)
		return 1;
	return chk_say(why, n, "this shell does not have CAP_%s", argv[0]);
}

static int
sysvipc_count(const struct lesson_env *e, const char *file)
{
	char path[64], *line = NULL;
	size_t cap = 0;
	int k = -1, fd;
	FILE *f;

	/* /proc/sysvipc shows the IPC namespace of the process reading it */
	snprintf(path, sizeof(path), "sysvipc/%s", file);
	fd = openat(e->procfd, path, O_RDONLY | O_CLOEXEC);
	f = fd < 0 ? NULL : fdopen(fd, "re");
	if (!f)
		return -1;
	while (getline(&line, &cap, f) >= 0)
		k++;
	free(line);
	fclose(f);
	return k;
}

int
chk_msgq(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	if (sysvipc_count(e, "msg") > 0)
		return 1;
	return chk_say(why, n, "this IPC namespace has no message queue");
}

int
chk_shm(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	if (sysvipc_count(e, "shm") > 0)
		return 1;
	return chk_say(why, n, "this IPC namespace has no shared memory segment");
}

int
chk_time_offset(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	FILE *f = chk_level_file(e, "timens_offsets");
	char clock[32];
	long long sec, nsec, want = atoll(argv[1]), have = 0;

	if (!f)
		return chk_say(why, n, "cannot read timens_offsets (a kernel without time namespaces?)");
	while (fscanf(f, "%31s %lld %lld", clock, &sec, &nsec) == 3)
		if (strcmp(clock, argv[0]) == 0)
			have = sec;
	fclose(f);
	if (have == want)
		return 1;
	return chk_say(why, n, "the %s offset of this time namespace is %lld s, not %lld", argv[0], have, want);
}

int
chk_pinned(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	int want = nstype_from_name(argv[0]), type, hit = 0;
	FILE *f = chk_level_file(e, "mountinfo");
	char *line = NULL, path[PATH_MAX];
	unsigned long ino;
	size_t cap = 0;

	if (!f)
		return chk_say(why, n, "cannot read this level's mounts");
	/* with a PATH, that mount: docker's and `ip netns` pins elsewhere
	 * on the machine are not the student's */
	while (!hit && getline(&line, &cap, f) >= 0)
		hit = mountinfo_nsfs(line, &type, &ino, path, sizeof(path)) == 1 && type == want &&
		      ino != e->ref->ns[want] && (argc < 2 || strcmp(path, argv[1]) == 0);
	free(line);
	fclose(f);
	if (hit)
		return 1;
	if (argc > 1)
		return chk_say(why, n, "no %s namespace is bind-mounted on %s here", argv[0], argv[1]);
	return chk_say(why, n, "no %s namespace is kept by a bind mount here (see 'pin')", argv[0]);
}

int
chk_mystery_ns(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	if (!e->mystery || !mystery_alive(e->mystery))
		return chk_say(why, n, "the mystery process is not running ('lesson' starts it again)");
	return types_cmp(e, argc, argv, e->mystery->ns, true, "the mystery process's", why, n);
}

int
chk_mystery_secret(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	char *t;
	int r;

	if (!e->mystery)
		return chk_say(why, n, "this lesson has no mystery process");
	t = chk_file_text(argv[0], 256);
	if (!t)
		return chk_say(why, n, "%s: %s", argv[0], strerror(errno));
	t[strcspn(t, "\n")] = '\0';
	r = strcmp(t, e->mystery->secret) == 0;
	free(t);
	return r ? 1 : chk_say(why, n, "%s does not hold the mystery's secret", argv[0]);
}
