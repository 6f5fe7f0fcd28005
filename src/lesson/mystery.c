/* The mystery process of `setup: mystery`: a process in UTS, IPC and mount
 * namespaces of its own (and a user namespace when its user is not root),
 * with a random hostname and a secret word on a tmpfs only its mount
 * namespace has. The student finds it and enters it, as nsenter's users
 * do with a container. */
#define _GNU_SOURCE
#include "lesson/lesson.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "model/model.h"
#include "sys/sys.h"
#include "util/title.h"

/* P_PIDFD (Linux 5.4) is in glibc's idtype_t only since 2.36 */
#define P_PIDFD_ ((idtype_t)3)

static const char *const words[] = {
	"amber", "basalt", "cobalt", "dune", "ember", "fjord", "garnet", "harbor",
	"indigo", "juniper", "kestrel", "lagoon", "magnet", "nectar", "onyx", "pepper",
	"quartz", "raven", "saffron", "tundra", "umber", "velvet", "walnut", "zephyr",
};

static unsigned
rnd(void)
{
	unsigned v = 0;

	if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
		v = (unsigned)getpid() * 2654435761u ^ (unsigned)time(NULL);
	return v;
}

static int
write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* In the child: make the namespaces and the secret; 0 or an errno. */
static int
mystery_setup(const char *host, const char *secret)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	char map[64];

	if (uid != 0) {
		if (unshare(CLONE_NEWUSER) < 0)
			return errno;
		snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)uid);
		if (write_text("/proc/self/uid_map", map) < 0)
			return errno;
		if (write_text("/proc/self/setgroups", "deny") < 0 && errno != ENOENT)
			return errno;
		snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)gid);
		if (write_text("/proc/self/gid_map", map) < 0)
			return errno;
	}
	if (unshare(CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNS) < 0)
		return errno;
	/* before the tmpfs: it must not propagate to the student's namespace */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return errno;
	if (sethostname(host, strlen(host)) < 0)
		return errno;
	mkdir("/srv", 0755);
	if (mount("mystery", "/srv", "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0755") < 0)
		return errno;
	if (mkdir("/srv/mystery", 0755) < 0 || write_text("/srv/mystery/secret", secret) < 0)
		return errno;
	return 0;
}

int
mystery_spawn(struct lesson_mystery *m, struct nsx_err *err)
{
	char host[32], secret[40];
	int pfd[2], e = 0;
	pid_t c;

	memset(m, 0, sizeof(*m));
	snprintf(host, sizeof(host), "mystery-%04u", rnd() % 10000);
	snprintf(m->secret, sizeof(m->secret), "%s-%04u",
		 words[rnd() % (sizeof(words) / sizeof(words[0]))], rnd() % 10000);
	snprintf(secret, sizeof(secret), "%s\n", m->secret);
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return nsx_error(err, errno, "pipe: %s", strerror(errno));
	fflush(NULL);
	pid_t parent = getpid();

	c = fork();
	if (c < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return nsx_error(err, errno, "fork: %s", strerror(errno));
	}
	if (c == 0) {
		int null = open("/dev/null", O_RDWR);

		close(pfd[0]);
		/* it ends with the shell level that started it (and at once
		 * when that died before the prctl) */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		setpgid(0, 0);
		e = mystery_setup(host, secret);
		if (write(pfd[1], &e, sizeof(e)) != (ssize_t)sizeof(e) || e)
			_exit(1);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		close_range(3, ~0U, 0);
		if (chdir("/") < 0)
			_exit(1);
		prctl(PR_SET_NAME, "mystery");
		title_set("mystery");
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_DFL);
		for (;;)
			pause();
	}
	close(pfd[1]);
	if (read(pfd[0], &e, sizeof(e)) != (ssize_t)sizeof(e))
		e = EIO;
	close(pfd[0]);
	if (e) {
		kill(c, SIGKILL);
		waitpid(c, NULL, 0);
		return nsx_error(err, e, "cannot start the mystery process: %s", strerror(e));
	}
	m->pid = c;
	m->start = proc_starttime(-1, c, NULL);
	for (int t = 0; t < NSX_NTYPES; t++) {
		char path[64];
		struct stat st;

		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)c, nstype_table[t].name);
		if (stat(path, &st) == 0)
			m->ns[t] = st.st_ino;
	}
	return 0;
}

bool
mystery_alive(const struct lesson_mystery *m)
{
	char state = 0;

	if (m->pid <= 0 || proc_starttime(-1, m->pid, &state) != m->start)
		return false;
	if (state == 'Z') {
		/* killed: reap it when it is ours (else its parent level will) */
		waitpid(m->pid, NULL, WNOHANG);
		return false;
	}
	return true;
}

static bool
mystery_is(pid_t pid, const void *arg)
{
	const struct lesson_mystery *m = arg;

	return m->start && proc_starttime(-1, pid, NULL) == m->start;
}

void
mystery_stop(const struct lesson_mystery *m)
{
	/* through a pidfd of the process that was checked: its PID, freed
	 * between a check and kill(2), could be another process's by then */
	int fd = m->pid > 0 ? proc_pidfd_if(m->pid, mystery_is, m) : -1;
	siginfo_t si;

	if (fd < 0)
		return;
	/* ours: wait for it, so no zombie stays; another level's: ECHILD at
	 * once (waitid on the pidfd, Linux 5.4: never another child of ours) */
	if (sys_pidfd_send_signal(fd, SIGKILL) == 0)
		while (waitid(P_PIDFD_, (id_t)fd, &si, WEXITED) < 0 && errno == EINTR)
			;
	close(fd);
}
