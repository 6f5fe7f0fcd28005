/* Per-process facts read on demand: only for the processes a column shows. */
#define _GNU_SOURCE
#include "model/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys/sys.h"
#include "util/xalloc.h"

ssize_t
proc_read(int procfd, const char *path, char *buf, size_t size)
{
	int fd = openat(procfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	size_t len = 0;

	if (fd < 0)
		return -errno;
	while (len + 1 < size) {
		ssize_t n = read(fd, buf + len, size - 1 - len);

		if (n < 0) {
			int e = errno;

			close(fd);
			return -e;
		}
		len += (size_t)n;
		/* /proc's stat, cmdline and comm give all they have in one read:
		 * a short read is the end, no second call to learn it */
		if ((size_t)n < size - 1 - (len - (size_t)n))
			break;
	}
	close(fd);
	buf[len] = '\0';
	return (ssize_t)len;
}

pid_t
model_proc_ppid(const struct nsx_model *m, struct nsx_proc *p)
{
	char path[32], buf[1024];
	pid_t ppid;

	if (p->ppid >= 0)
		return p->ppid;
	snprintf(path, sizeof(path), "%d/stat", (int)p->pid);
	if (proc_read(m->procfd, path, buf, sizeof(buf)) < 0 || (ppid = proc_stat_ppid(buf)) < 0)
		return -1;
	p->ppid = ppid;
	return p->ppid;
}

pid_t
proc_stat_ppid(const char *stat)
{
	const char *s;
	long ppid;

	/* "pid (comm) state ppid ...": comm may hold spaces and parentheses */
	s = strrchr(stat, ')');
	if (!s || sscanf(s, ") %*c %ld", &ppid) != 1)
		return -1;
	return (pid_t)ppid;
}

int
model_proc_uid(const struct nsx_model *m, struct nsx_proc *p, uid_t *uid)
{
	char path[16];
	struct stat st;

	if (!p->have_uid) {
		/* The owner of /proc/PID is the process's effective uid (root for
		 * a non-dumpable process), as lsns and ps report it. */
		snprintf(path, sizeof(path), "%d", (int)p->pid);
		if (fstatat(m->procfd, path, &st, 0) < 0)
			return -1;
		p->uid = st.st_uid;
		p->have_uid = true;
	}
	*uid = p->uid;
	return 0;
}

char *
model_proc_comm(const struct nsx_model *m, pid_t pid)
{
	char path[32], buf[64];
	ssize_t n;

	snprintf(path, sizeof(path), "%d/comm", (int)pid);
	n = proc_read(m->procfd, path, buf, sizeof(buf));
	if (n < 0)
		return NULL;
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return xstrdup(buf);
}

char *
model_proc_cmdline(const struct nsx_model *m, pid_t pid)
{
	char path[32], buf[BUFSIZ];
	ssize_t n;

	snprintf(path, sizeof(path), "%d/cmdline", (int)pid);
	n = proc_read(m->procfd, path, buf, sizeof(buf));
	/* kernel threads and zombies have an empty cmdline: their comm it is */
	if (n <= 0)
		return model_proc_comm(m, pid);
	while (n > 0 && buf[n - 1] == '\0')
		n--;
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[n] = '\0';
	return xstrdup(buf);
}

const char *
model_proc_command(const struct nsx_model *m, struct nsx_proc *p)
{
	if (!p->cmdline) {
		p->cmdline = model_proc_cmdline(m, p->pid);
		if (!p->cmdline)
			p->cmdline = xstrdup("");
	}
	return p->cmdline;
}

/* One namespace link of pid (0: "self", this process as that proc sees
 * it) through procfd (< 0: /proc): 0 and *ino, or -1 and errno. */
static int
ns_link(int procfd, pid_t pid, int t, unsigned long *ino)
{
	char path[48], buf[64];
	ssize_t n;
	int type;

	if (pid)
		snprintf(path, sizeof(path), "%s%d/ns/%s", procfd < 0 ? "/proc/" : "", (int)pid,
			 nstype_table[t].name);
	else
		snprintf(path, sizeof(path), "%sself/ns/%s", procfd < 0 ? "/proc/" : "", nstype_table[t].name);
	n = readlinkat(procfd < 0 ? AT_FDCWD : procfd, path, buf, sizeof(buf));
	if (n < 0)
		return -1;
	if (nstype_parse_link(buf, (size_t)n, &type, ino) < 0 || type != t) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

unsigned long
proc_ns_ino(int procfd, pid_t pid, int type)
{
	unsigned long ino;

	return ns_link(procfd, pid, type, &ino) < 0 ? 0 : ino;
}

int
proc_ns_inodes(int procfd, pid_t pid, unsigned long ino[NSX_NTYPES], struct nsx_err *err)
{
	int got = 0, last = 0;

	for (int t = 0; t < NSX_NTYPES; t++) {
		ino[t] = 0;
		if (ns_link(procfd, pid, t, &ino[t]) < 0) {
			ino[t] = 0;
			last = errno;
			continue;
		}
		got++;
	}
	if (got)
		return 0;
	if (last == EACCES || last == EPERM)
		return nsx_error(err, last, "cannot read the namespaces of process %d: "
				 "permission denied (run as root)", (int)pid);
	return nsx_error(err, ESRCH, "no such process: %d", (int)pid);
}

unsigned long long
proc_starttime(int procfd, pid_t pid, char *state)
{
	char path[32], buf[1024], *p;
	unsigned long long v = 0;

	snprintf(path, sizeof(path), "%s%d/stat", procfd < 0 ? "/proc/" : "", (int)pid);
	if (proc_read(procfd < 0 ? AT_FDCWD : procfd, path, buf, sizeof(buf)) <= 0)
		return 0;
	/* fields counted after the command name's closing ')': 3 is the
	 * state, 22 the start time */
	if ((p = strrchr(buf, ')')) && p[1] == ' ') {
		p += 2;
		if (state)
			*state = *p;
		for (int i = 3; i < 22 && p; i++)
			p = strchr(p, ' ') ? strchr(p, ' ') + 1 : NULL;
		if (p)
			v = strtoull(p, NULL, 10);
	}
	return v;
}

int
proc_pidfd_if(pid_t pid, bool (*is_it)(pid_t pid, const void *arg), const void *arg)
{
	int fd = sys_pidfd_open(pid, 0);

	if (fd < 0)
		return -1;
	if (is_it(pid, arg) && sys_pidfd_exited(fd) == 0)
		return fd;
	close(fd);
	errno = ESRCH;
	return -1;
}
