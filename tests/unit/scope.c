/* The systemd scope module (src/cgroup/scope.c) where no manager
 * answers, as on this machine: the line that says where it looked, with
 * the runtime directory's path escaped in the D-Bus address (a listener
 * on that path sees the connection), and scope_enter changing nothing.
 * The manager answering is tests/vm/systemd.t's: `systemd --user` runs in
 * the VM, with its D-Bus session bus. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "cgroup/scope.h"

static char dir[64], cg[4096];

static void
own_cgroup(char *out, size_t n)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	size_t got = f ? fread(out, 1, n - 1, f) : 0;

	out[got] = '\0';
	if (f)
		fclose(f);
}

/* Nothing at either place: both named, with their errors. */
static void
t_none(void)
{
	struct nsx_err err = { 0 };
	char want[512], what[64] = "", cgroup[256] = "";

	setenv("XDG_RUNTIME_DIR", dir, 1);
	setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/nsx-bus", 1);
	is_int(scope_reachable(what, sizeof(what), cgroup, sizeof(cgroup), &err), -1,
	       "no manager: not reachable");
	snprintf(want, sizeof(want), "no systemd user manager answers (%s/systemd/private: No such "
		 "file or directory; session bus: No such file or directory)", dir);
	is_str(err.msg, want, "the line names systemd's own socket and the session bus");
	is_str(what, "", "... and no version");
	is_str(cgroup, "", "... and no cgroup");

	unsetenv("XDG_RUNTIME_DIR");
	scope_reachable(what, sizeof(what), cgroup, sizeof(cgroup), &err);
	snprintf(want, sizeof(want), "/run/user/%u/systemd/private", (unsigned)getuid());
	ok(strstr(err.msg, want) != NULL, "XDG_RUNTIME_DIR unset: /run/user/UID (%s)", err.msg);

	setenv("XDG_RUNTIME_DIR", dir, 1);
	memset(&err, 0, sizeof(err));
	is_int(scope_enter(&err), -1, "scope_enter: -1");
	ok(strstr(err.msg, "no systemd user manager answers") != NULL, "... saying why: %s", err.msg);
	{
		char now[4096];

		own_cgroup(now, sizeof(now));
		is_str(now, cg, "... and nsx is where it was");
	}
}

/* A listener at DIR/systemd/private that takes one connection and closes
 * it: the escaped address ("a b%c" as a%20b%25c) reaches it. */
static void
t_escaped(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct nsx_err err = { 0 };
	char what[64], cgroup[256];
	int s, status;
	pid_t pid;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/systemd", dir);
	mkdir(sa.sun_path, 0700);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/systemd/private", dir);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, 1) < 0) {
		skip("a unix socket in a temporary directory");
		return;
	}
	if ((pid = fork()) == 0) {
		int c = accept(s, NULL, NULL);

		_exit(c >= 0 ? 0 : 1);	/* closes it */
	}
	close(s);
	is_int(scope_reachable(what, sizeof(what), cgroup, sizeof(cgroup), &err), -1,
	       "a peer that hangs up: not reachable");
	/* hung up while the call was made, or already while connecting */
	ok(strstr(err.msg, "systemd's user manager: reading its version and cgroup") ||
	   (strstr(err.msg, "/systemd/private: ") && !strstr(err.msg, "private: No such file")),
	   "... it was reached, through the escaped path, and said so: %s", err.msg);
	waitpid(pid, &status, 0);
	is_int(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0, "the listener saw the connection");
	unlink(sa.sun_path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/systemd", dir);
	rmdir(sa.sun_path);
}

int
main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/nsx-scope a b%%c.XXXXXX");
	if (!mkdtemp(dir)) {
		skip("mkdtemp");
		return done_testing();
	}
	signal(SIGPIPE, SIG_IGN);
	own_cgroup(cg, sizeof(cg));
	t_none();
	t_escaped();
	rmdir(dir);
	return done_testing();
}
