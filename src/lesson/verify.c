/* The verify harness (verify.h): a scratch nsx runs each lesson's steps
 * and their solutions, and reports every check through a pipe. */
#define _GNU_SOURCE
#include "lesson/verify.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/safe.h"
#include "util/xalloc.h"

#define VERIFY_TIMEOUT 300	/* seconds per lesson */

/* NSX_VERIFY_FD is not a test hook but how `lesson verify` (a feature)
 * hears from its scratch shell: only a pipe it inherited, never a file or
 * terminal that happens to be open at that number. */
int
lesson_verify_fd(void)
{
	const char *s = getenv("NSX_VERIFY_FD");
	struct stat st;
	int fd = s ? atoi(s) : -1;

	return fd > STDERR_FILENO && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode) ? fd : -1;
}

/* ---- in the scratch nsx ---- */

int
lesson_verify_begin(struct lesson_session *s, const char *path, struct nsx_err *err)
{
	struct nsx_err e;

	s->les = lesson_cache_load(path, err);
	if (!s->les)
		return -1;
	snprintf(s->prog.current, sizeof(s->prog.current), "%s", s->les->name);
	s->prog.current_path = xstrdup(path);
	if (lesson_capture_ref(s, true, &e) < 0)
		lesson_warn(s, &e);
	s->lp = progress_lesson(&s->prog, s->les->name, s->les->nsteps);
	if (lesson_ensure_mystery(s, &e) < 0)
		lesson_warn(s, &e);
	lesson_set_env(s);
	return lesson_save(s, err);
}

int
lesson_verify_expect(struct lesson_session *s, const char *k, const char *want)
{
	int step = atoi(k) - 1, fd = lesson_verify_fd();
	char why[512], enc[600], line[700];
	struct lesson_env e;
	int r;

	if (fd < 0 || step < 0 || step >= s->les->nsteps)
		return -1;
	e = lesson_env_of(s);
	r = lesson_check(&s->les->steps[step], &e, why, sizeof(why));
	/* encoded here, printed as it is by `lesson verify`: one line
	 * whatever the live values it quotes hold */
	safe_encode_buf(why, strlen(why), enc, sizeof(enc), 0);
	snprintf(line, sizeof(line), "%d %s %d %s\n", step + 1, want, r, r ? "-" : enc);
	if (write(fd, line, strlen(line)) < 0)
		return -1;
	return 0;
}

bool
lesson_verify_cleanup(struct lesson_session *s, lesson_run_line_fn run, void *arg)
{
	struct nsx_err err;

	if (lesson_current(s, &err) <= 0)
		return false;
	lesson_set_env(s);
	if (s->prog.have_mystery)
		mystery_stop(&s->prog.mystery);
	return lesson_cleanups_run(s, run, arg);
}

/* ---- in `lesson verify` ---- */

/* The script a scratch nsx reads: per step, the check must fail, then the
 * solution runs, then it must pass. */
static int
verify_script(const struct lesson *l)
{
	int fd = memfd_create("nsx-verify-script", MFD_CLOEXEC);
	FILE *f;

	if (fd < 0 || !(f = fdopen(dup(fd), "w"))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	fprintf(f, "lesson _verify-begin '%s'\n", l->path);
	for (int i = 0; i < l->nsteps; i++) {
		fprintf(f, "lesson _verify-expect %d fail\n", i + 1);
		for (int k = 0; k < l->steps[i].nsolutions; k++)
			fprintf(f, "%s\n", l->steps[i].solutions[k]);
		fprintf(f, "lesson _verify-expect %d pass\n", i + 1);
	}
	fclose(f);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* Run nsx on script (an fd) with output to log and results to res; kill
 * its process group after VERIFY_TIMEOUT seconds. Returns its status. */
static int
verify_nsx(int script, int log, int res, bool *timed_out)
{
	char fdnum[16];
	pid_t p;
	int st = 0;

	fflush(NULL);
	p = fork();
	if (p < 0)
		return -1;
	if (p == 0) {
		setpgid(0, 0);
		dup2(script, 0);
		dup2(log, 1);
		dup2(log, 2);
		if (res >= 0) {
			int r = dup(res);	/* without close-on-exec */

			snprintf(fdnum, sizeof(fdnum), "%d", r);
			setenv("NSX_VERIFY_FD", fdnum, 1);
		}
		execl("/proc/self/exe", "nsx", (char *)NULL);
		_exit(127);
	}
	setpgid(p, p);
	for (int waited = 0;; waited++) {
		pid_t r = waitpid(p, &st, WNOHANG);

		if (r == p)
			break;
		if (r < 0 && errno != EINTR)
			return -1;
		if (waited >= VERIFY_TIMEOUT * 20) {
			*timed_out = true;
			kill(-p, SIGKILL);
			waitpid(p, &st, 0);
			break;
		}
		usleep(50000);
	}
	kill(-p, SIGKILL);	/* what the lesson left running */
	return st;
}

/* Root: scratch mount, network, UTS and IPC namespaces, and a tmpfs on
 * tmp, so nothing a lesson does reaches the host. A normal user: tmp, a
 * directory of its own, for state and lab. */
static int
verify_scratch(const char *tmp)
{
	char state[PATH_MAX];

	if (geteuid() == 0 &&
	    (unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC) < 0 ||
	     mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	     mount("nsx-verify", tmp, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") < 0))
		return -1;
	snprintf(state, sizeof(state), "%s/state", tmp);
	if (mkdir(state, 0700) < 0)
		return -1;
	setenv("XDG_STATE_HOME", state, 1);
	/* and what `run` keeps: its cache and records go with the scratch */
	snprintf(state, sizeof(state), "%s/cache", tmp);
	if (mkdir(state, 0700) < 0)
		return -1;
	setenv("NSX_CACHE_DIR", state, 1);
	snprintf(state, sizeof(state), "%s/run", tmp);
	if (mkdir(state, 0700) < 0)
		return -1;
	setenv("NSX_STATE_DIR", state, 1);
	return 0;
}

static void
remove_tree(const char *dir)
{
	pid_t p = fork();

	if (p == 0) {
		execlp("rm", "rm", "-rf", "--one-file-system", dir, (char *)NULL);
		_exit(127);
	}
	if (p > 0)
		waitpid(p, NULL, 0);
}

char *
lesson_verify_log_tail(int log, char *buf, size_t n)
{
	off_t end = lseek(log, 0, SEEK_END);
	off_t from = end > (off_t)n - 1 ? end - (off_t)n + 1 : 0;
	ssize_t got = pread(log, buf, n - 1, from);
	int lines = 0;
	char *p;

	if (got <= 0)
		return NULL;
	buf[got] = '\0';
	/* the last 15 lines */
	for (p = buf + got; p > buf; p--)
		if (p[-1] == '\n' && p != buf + got && ++lines == 16)
			break;
	return p;
}

/* The results the scratch nsx wrote to the pipe rf: "K pass|fail 1|0 why". */
static void
verify_read(const struct lesson *l, FILE *rf, struct lesson_verify_res *res)
{
	char *line = NULL;
	size_t cap = 0;

	while (rf && getline(&line, &cap, rf) >= 0) {
		struct lesson_verify_check *c;
		int k, r;
		char want[8], why[600] = "";

		if (sscanf(line, "%d %7s %d %599[^\n]", &k, want, &r, why) < 3 || k < 1 || k > l->nsteps)
			continue;
		c = &res->check[k - 1][strcmp(want, "pass") == 0];
		c->seen = true;
		c->held = r;
		snprintf(c->why, sizeof(c->why), "%s", why);
	}
	free(line);
}

/* Did every check fail before its solution and hold after it? */
static bool
verify_ok(const struct lesson *l, const struct lesson_verify_res *res)
{
	for (int k = 0; k < l->nsteps; k++)
		if (!res->check[k][0].seen || res->check[k][0].held || !res->check[k][1].seen ||
		    !res->check[k][1].held)
			return false;
	return true;
}

/* In a child of `lesson verify`: one lesson, into res. */
static void
verify_child(const struct lesson *l, const char *tmp, struct lesson_verify_res *res)
{
	int script, pfd[2];
	FILE *rf;

	res->log = -1;
	if (verify_scratch(tmp) < 0) {
		res->setup_failed = true;
		nsx_error(&res->err, errno, "cannot make a scratch environment: %s", strerror(errno));
		return;
	}
	script = verify_script(l);
	res->log = memfd_create("nsx-verify-log", MFD_CLOEXEC);
	if (script < 0 || res->log < 0 || pipe2(pfd, O_CLOEXEC) < 0) {
		res->setup_failed = true;
		nsx_error(&res->err, errno, "%s", strerror(errno));
		return;
	}
	verify_nsx(script, res->log, pfd[1], &res->timed_out);
	close(pfd[1]);
	/* the lesson's cleanup, where it ran */
	close(script);
	script = memfd_create("nsx-verify-cleanup", MFD_CLOEXEC);
	if (script >= 0) {
		dprintf(script, "lesson _verify-cleanup\n");
		lseek(script, 0, SEEK_SET);
		verify_nsx(script, res->log, -1, &(bool){ false });
		close(script);
	}
	rf = fdopen(pfd[0], "r");
	verify_read(l, rf, res);
	if (rf)
		fclose(rf);
	res->ok = verify_ok(l, res);
}

int
lesson_verify(const struct lesson *l, lesson_verify_report_fn report, struct nsx_err *err)
{
	char tmp[] = "/tmp/nsx-verify-XXXXXX";
	pid_t p;
	int st;

	if (!mkdtemp(tmp))
		return nsx_error(err, errno, "mkdtemp: %s", strerror(errno));
	fflush(stdout);
	p = fork();
	if (p == 0) {
		/* a child's own memory: a result of 32 steps is some 40 KiB */
		struct lesson_verify_res *res = xcalloc(1, sizeof(*res));

		verify_child(l, tmp, res);
		report(l, res);
		fflush(NULL);
		_exit(res->ok ? 0 : 1);
	}
	while (p > 0 && waitpid(p, &st, 0) < 0 && errno == EINTR)
		;
	fflush(stdout);
	/* as root the scratch tmpfs went with its namespace */
	remove_tree(tmp);
	return p < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0 ? 1 : 0;
}
