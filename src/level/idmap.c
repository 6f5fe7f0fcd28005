/* uid/gid maps (see idmap.h). */
#define _GNU_SOURCE
#include "level/idmap.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "level/userns.h"
#include "sys/sys.h"
#include "util/file.h"

void
idmap_who_now(struct idmap_who *w)
{
	w->uid = geteuid();
	w->gid = getegid();
	w->priv = w->uid == 0 && sys_in_init_userns();
}

static void
map_text(const struct idmap *m, int n, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%lu %lu %lu\n",
					m[i].inner, m[i].outer, m[i].count);
}

/* A map the kernel lets us write ourselves: as root, or one line mapping
 * our own id. Anything else goes through the setuid newuidmap(1). */
static bool
map_direct(const struct idmap *m, int n, unsigned long self, bool root)
{
	return root || (n == 1 && m[0].count == 1 && m[0].outer == self);
}

static int
run_idmap_tool(const char *tool, pid_t pid, const struct idmap *m, int n, struct nsx_err *err)
{
	char *argv[3 + 3 * IDMAP_MAX + 1];
	char num[3 * IDMAP_MAX + 1][24], why[256], bin[PATH_MAX];
	int k = 0, st, pfd[2];
	ssize_t got;
	pid_t c;

	argv[k++] = (char *)tool;
	snprintf(num[0], sizeof(num[0]), "%d", (int)pid);
	argv[k++] = num[0];
	for (int i = 0; i < n; i++) {
		snprintf(num[1 + 3 * i], 24, "%lu", m[i].inner);
		snprintf(num[2 + 3 * i], 24, "%lu", m[i].outer);
		snprintf(num[3 + 3 * i], 24, "%lu", m[i].count);
		argv[k++] = num[1 + 3 * i];
		argv[k++] = num[2 + 3 * i];
		argv[k++] = num[3 + 3 * i];
	}
	argv[k] = NULL;
	if (userns_tool_find(tool, bin, sizeof(bin)) < 0)
		return userns_tool_missing(err, tool, "a map of more than one ID");
	/* the tool's own complaint becomes part of our one line */
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return nsx_error(err, errno, "pipe: %s", strerror(errno));
	c = fork();
	if (c == 0) {
		dup2(pfd[1], STDERR_FILENO);
		execv(bin, argv);
		_exit(errno == ENOENT ? 127 : 126);
	}
	close(pfd[1]);
	got = c < 0 ? -1 : read(pfd[0], why, sizeof(why) - 1);
	close(pfd[0]);
	why[got > 0 ? got : 0] = '\0';
	why[strcspn(why, "\n")] = '\0';
	if (c < 0 || waitpid(c, &st, 0) < 0 || !WIFEXITED(st))
		return nsx_error(err, EPERM, "%s failed", tool);
	if (WEXITSTATUS(st) == 127)
		return userns_tool_missing(err, tool, "a map of more than one ID");
	/* EINVAL from the kernel: ranges that overlap or do not parse; else
	 * most often ranges /etc/subuid does not grant */
	if (WEXITSTATUS(st) != 0 && strstr(why, "Invalid argument"))
		return nsx_error(err, EINVAL, "%s refused the map: %s (overlapping ranges?)", tool, why);
	if (WEXITSTATUS(st) != 0)
		return nsx_error(err, EPERM, "%s refused the map%s%s (is it in /etc/sub%cid for you? see 'doctor')",
				 tool, *why ? ": " : "", why, tool[3] == 'u' ? 'u' : 'g');
	return 0;
}

/* "0 0 1\n0 5 1\n" as "0 0 1, 0 5 1": the kernel takes or refuses a map as a
 * whole (overlapping lines are refused), so the message shows all of it */
static const char *
map_oneline(const char *text, char *buf, size_t size)
{
	size_t len = 0;

	for (const char *p = text; *p && len + 3 < size; p++) {
		if (*p != '\n')
			buf[len++] = *p;
		else if (p[1]) {
			buf[len++] = ',';
			buf[len++] = ' ';
		}
	}
	buf[len] = '\0';
	return buf;
}

/* The kernel refused a map we wrote (or the setgroups before it). */
static int
map_refused(struct nsx_err *err, const char *what, const char *text, bool priv)
{
	char shown[600], full[700];
	int e = errno;

	snprintf(full, sizeof(full), "the kernel refused %s%s%s%s", what, text ? " '" : "",
		 text ? map_oneline(text, shown, sizeof(shown)) : "", text ? "'" : "");
	nsx_error(err, e, "%s: %s", full, strerror(e));
	userns_explain_err(err, full, USERNS_USE, CLONE_NEWUSER, priv);
	return -1;
}

int
idmap_write(const struct idmaps *r, pid_t pid, const struct idmap_who *who, struct nsx_err *err)
{
	char path[64], text[512];
	struct idmap_who now;

	if (!who) {
		idmap_who_now(&now);
		who = &now;
	}
	if (r->nuid) {
		snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
		map_text(r->uidmap, r->nuid, text, sizeof(text));
		if (map_direct(r->uidmap, r->nuid, who->uid, who->uid == 0 && pid != getpid())) {
			if (file_write_once(path, text) < 0)
				return map_refused(err, "uid map", text, who->priv);
		} else if (run_idmap_tool("newuidmap", pid, r->uidmap, r->nuid, err) < 0)
			return -1;
	}
	if (r->ngid) {
		/* An unprivileged process may write gid_map only after denying
		 * setgroups, or it could drop groups it was denied by (CVE-2014-8989). */
		/* writing our own map, we lack CAP_SETGID above us: deny too */
		if (r->deny_setgroups || pid == getpid()) {
			snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
			if (file_write_once(path, "deny") < 0 && errno != ENOENT)
				return map_refused(err, "'deny' in setgroups", NULL, who->priv);
		}
		snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
		map_text(r->gidmap, r->ngid, text, sizeof(text));
		if (map_direct(r->gidmap, r->ngid, who->gid, who->uid == 0 && pid != getpid())) {
			if (file_write_once(path, text) < 0)
				return map_refused(err, "gid map", text, who->priv);
		} else if (run_idmap_tool("newgidmap", pid, r->gidmap, r->ngid, err) < 0)
			return -1;
	}
	return 0;
}

/* The first range of m that is not the caller's own id, as typed. */
static const char *
idmap_text(const char *opt, const struct idmap *m, int n, char *buf, size_t size)
{
	int i = 0;

	while (i < n - 1 && m[i].count == 1)
		i++;
	snprintf(buf, size, "%s %lu:%lu:%lu", opt, m[i].inner, m[i].outer, m[i].count);
	return buf;
}

int
idmap_check_tools(const struct idmaps *r, const char *uopt, const char *gopt, struct nsx_err *err)
{
	bool root = geteuid() == 0;
	char bin[PATH_MAX], opt[96];

	if (r->nuid && !map_direct(r->uidmap, r->nuid, geteuid(), root) &&
	    userns_tool_find("newuidmap", bin, sizeof(bin)) < 0)
		return userns_tool_missing(err, "newuidmap", idmap_text(uopt, r->uidmap, r->nuid, opt, sizeof(opt)));
	if (r->ngid && !map_direct(r->gidmap, r->ngid, getegid(), root) &&
	    userns_tool_find("newgidmap", bin, sizeof(bin)) < 0)
		return userns_tool_missing(err, "newgidmap", idmap_text(gopt, r->gidmap, r->ngid, opt, sizeof(opt)));
	return 0;
}

int
idmap_parse(const char *s, struct idmap *m)
{
	char *end;

	errno = 0;
	m->inner = strtoul(s, &end, 10);
	if (errno || end == s || *end != ':' || *s == '-')
		return -1;
	s = end + 1;
	m->outer = strtoul(s, &end, 10);
	if (errno || end == s || *end != ':' || *s == '-')
		return -1;
	s = end + 1;
	m->count = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || m->count == 0 ||
	    m->inner + m->count < m->inner || m->outer + m->count < m->outer ||
	    m->inner + m->count > 4294967295UL || m->outer + m->count > 4294967295UL)
		return -1;
	return 0;
}
