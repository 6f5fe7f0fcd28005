/* Checks of the cgroup namespace and limits (see check.c). */
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

#include "cgroup/cgroup.h"
#include "util/xalloc.h"

/* Each line of /proc/PID/cgroup: "ID:CONTROLLERS:PATH". */
int
chk_cgroup_root(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	FILE *f = chk_level_file(e, "cgroup");
	char line[512];
	int bad = 0;

	if (!f)
		return chk_say(why, n, "cannot read /proc/self/cgroup");
	while (!bad && fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ':');

		p = p ? strchr(p + 1, ':') : NULL;
		if (p && strcmp(p + 1, "/\n") != 0) {
			line[strcspn(line, "\n")] = '\0';
			bad = 1;
		}
	}
	fclose(f);
	if (!bad)
		return 1;
	return chk_say(why, n, "/proc/self/cgroup shows '%s': the cgroup namespace's root is elsewhere", line);
}

/* The level's file for a controller, where the cgroup module finds the
 * level's cgroup (as run and doctor do): the controller's v1 hierarchy,
 * else cgroup v2, through the level's own mounts. */
static int
cgroup_file(const struct lesson_env *e, const char *ctl, const char *v2file, const char *v1file,
	    char *path, size_t n)
{
	struct cg_where *w = xmalloc(sizeof(*w));
	const char *dir;
	int rc = -1;

	if (cg_where_proc(e->procfd, e->pid, w, NULL) == 0 && (dir = cg_where_ctl(w, ctl)) &&
	    snprintf(path, n, "%s/%s", dir, cg_where_v1(w, ctl) ? v1file : v2file) < (int)n)
		rc = access(path, R_OK);
	free(w);
	return rc;
}

int
chk_cgroup_limit(const struct lesson_env *e, int argc, char **argv, char *why, size_t n)
{
	bool mem = strcmp(argv[0], "memory") == 0;
	char path[PATH_MAX], buf[64] = "";
	long long want, have;
	struct nsx_err err;
	FILE *f;

	if (mem ? parse_memory(argv[1], &want, &err) < 0 : parse_pids(argv[1], &want, &err) < 0)
		return chk_say(why, n, "%s", err.msg);
	if (cgroup_file(e, argv[0], mem ? "memory.max" : "pids.max",
			mem ? "memory.limit_in_bytes" : "pids.max", path, sizeof(path)) < 0)
		return chk_say(why, n, "this shell's %s cgroup cannot be read here", argv[0]);
	f = fopen(path, "re");
	if (!f || !fgets(buf, sizeof(buf), f)) {
		if (f)
			fclose(f);
		return chk_say(why, n, "cannot read %s", path);
	}
	fclose(f);
	have = strncmp(buf, "max", 3) == 0 ? -1 : atoll(buf);
	if (have == want)
		return 1;
	buf[strcspn(buf, "\n")] = '\0';
	return chk_say(why, n, "%s says %s, not %lld", path, buf, want);
}
