/* seccomp.c: the container's seccomp filter. The filter cannot be removed,
 * so the test process never has it: each call runs in two forked children,
 * one without the filter and one with it (no_new_privs, then
 * seccomp_apply), and reports its result as its exit status. A call the
 * filter denies must fail there with the filter's errno (or die of SIGSYS)
 * and not without it; when it already fails that way without the filter
 * (not root, an outer sandbox) the check would prove nothing and is
 * skipped. A call the filter allows must give the same result with and
 * without it. The denied calls get arguments that make them fail or do
 * nothing without the filter: no kexec image, module, swap or accounting
 * file of the host is touched. Children always _exit: they never run
 * ASan's leak check under the filter. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/keyctl.h>
#include <linux/seccomp.h>

#include "tap.h"
#include "container/seccomp.h"
#include "util/xalloc.h"

#ifndef __NR_io_uring_setup	/* headers older than Linux 5.1 */
#define __NR_io_uring_setup 425
#define __NR_io_uring_enter 426
#define __NR_io_uring_register 427
#endif

/* A child's result: 0 (the call worked), an errno, SIG(n) when it was
 * killed, or one of these */
#define SIG(n) (1000 + (n))
enum { R_APPLY = 250, R_SETUP = 251, R_WRONG = 252, R_NONE = 253 };

#define RET(call) ((call) < 0 ? errno : 0)

/* a path no test can create: the calls that take one fail with ENOENT */
#define NOFILE "/proc/nsx-seccomp-no-such-file"

static const char *
rname(int r, char *buf, size_t n)
{
	const char *s;

	if (r == 0)
		return "success";
	if (r >= SIG(0))
		snprintf(buf, n, "killed by SIG%s", sigabbrev_np(r - SIG(0)) ?: "?");
	else if (r == R_APPLY)
		snprintf(buf, n, "seccomp_apply failed");
	else if (r == R_SETUP)
		snprintf(buf, n, "the probe's setup failed");
	else if (r == R_WRONG)
		snprintf(buf, n, "a wrong result");
	else if (r == R_NONE)
		snprintf(buf, n, "no result");
	else
		snprintf(buf, n, "%s", (s = strerrorname_np(r)) ? s : "errno ?");
	return buf;
}

/* ---- the child ---- */

static int
child(int (*probe)(void), bool filtered)
{
	struct nsx_err err = { 0 };

	/* a child the filter kills leaves no core file */
	prctl(PR_SET_DUMPABLE, 0);
	if (filtered) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			return R_SETUP;
		if (seccomp_apply(&err) < 0) {
			dprintf(STDOUT_FILENO, "# seccomp_apply: %s\n", err.msg);
			return R_APPLY;
		}
	}
	return probe();
}

/* The result comes over a pipe, not as the exit status: a sanitizer's
 * report exits 1, which is EPERM's number */
static int
run(int (*probe)(void), bool filtered)
{
	int fd[2], r = R_NONE, st;
	pid_t pid;

	fflush(stdout);
	if (pipe2(fd, O_CLOEXEC) < 0)
		return R_SETUP;
	if ((pid = fork()) < 0) {
		close(fd[0]);
		close(fd[1]);
		return R_SETUP;
	}
	if (pid == 0) {
		close(fd[0]);
		r = child(probe, filtered);
		_exit(write(fd[1], &r, sizeof(r)) == sizeof(r) ? 0 : 1);
	}
	close(fd[1]);
	if (read(fd[0], &r, sizeof(r)) != sizeof(r))
		r = R_NONE;
	close(fd[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return R_SETUP;
	if (r == R_NONE && WIFSIGNALED(st))
		return SIG(WTERMSIG(st));
	if (r == R_NONE)
		printf("# the child exited %d without a result\n", WEXITSTATUS(st));
	return r;
}

/* ---- probes: each returns a result, see above ---- */

static int
p_getpid(void)
{
	return syscall(SYS_getpid) > 0 ? 0 : R_WRONG;
}

static int
p_pipe_rw(void)
{
	int fd[2];
	char c = 0;

	if (pipe(fd) < 0)
		return errno;
	if (write(fd[1], "x", 1) != 1)
		return errno ? errno : R_WRONG;
	if (read(fd[0], &c, 1) != 1)
		return errno ? errno : R_WRONG;
	return c == 'x' ? 0 : R_WRONG;
}

/* glibc's fork is a plain clone(SIGCHLD|...) */
static int
p_fork(void)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return errno;
	if (pid == 0)
		_exit(7);
	if (waitpid(pid, &st, 0) < 0)
		return errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 7 ? 0 : R_WRONG;
}

static void *
thread_fn(void *arg)
{
	return arg;
}

/* glibc 2.34+ creates threads with clone3 and falls back to clone on
 * ENOSYS: this is the fallback the filter counts on */
static int
p_thread(void)
{
	pthread_t t;
	void *r = NULL;
	int e;

	if ((e = pthread_create(&t, NULL, thread_fn, (void *)p_thread)) != 0)
		return e;
	if ((e = pthread_join(t, &r)) != 0)
		return e;
	return r == (void *)p_thread ? 0 : R_WRONG;
}

static int
p_unshare_uts(void)
{
	return RET(unshare(CLONE_NEWUTS));
}

static int
p_unshare_user(void)
{
	return RET(unshare(CLONE_NEWUSER));
}

/* the flags are a mask test, not equality: CLONE_NEWUSER with others */
static int
p_unshare_user_ns(void)
{
	return RET(unshare(CLONE_NEWUSER | CLONE_NEWNS));
}

/* the raw call, as glibc's clone() or a static binary would make it */
static int
p_clone_user(void)
{
	long pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0L, 0L, 0L, 0L);
	int st;

	if (pid < 0)
		return errno;
	if (pid == 0)
		_exit(0);
	waitpid((pid_t)pid, &st, 0);
	return 0;
}

/* NULL args of size 0: EINVAL from the kernel, before anything is made */
static int
p_clone3(void)
{
#ifdef SYS_clone3
	return RET(syscall(SYS_clone3, NULL, 0L));
#else
	return R_SETUP;
#endif
}

static int
p_keyctl(void)
{
	return RET(syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0L));
}

/* no callout: ENOKEY without the filter, no upcall */
static int
p_request_key(void)
{
	return RET(syscall(SYS_request_key, "user", "nsx-seccomp-no-such-key", NULL, 0L));
}

/* a map of type 0 (unspec): EINVAL */
static int
p_bpf(void)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	return RET(syscall(SYS_bpf, BPF_MAP_CREATE, &a, sizeof(a)));
}

static int
p_perf(void)
{
	return RET(syscall(SYS_perf_event_open, NULL, 0L, -1L, -1L, 0L));
}

static int
p_userfaultfd(void)
{
	return RET(syscall(SYS_userfaultfd, O_CLOEXEC));
}

static int
p_open_by_handle(void)
{
	return RET(syscall(SYS_open_by_handle_at, -1L, NULL, (long)O_RDONLY));
}

/* more segments than the kernel takes: EINVAL before any image changes
 * (0 segments would unload the loaded one) */
static int
p_kexec_load(void)
{
	return RET(syscall(SYS_kexec_load, 0L, 1000L, NULL, 0L));
}

/* shorter than an ELF header: ENOEXEC */
static int
p_init_module(void)
{
	return RET(syscall(SYS_init_module, NULL, 0L, ""));
}

static int
p_finit_module(void)
{
	return RET(syscall(SYS_finit_module, -1L, "", 0L));
}

static int
p_delete_module(void)
{
	return RET(syscall(SYS_delete_module, "nsx_seccomp_no_such_module", (long)O_NONBLOCK));
}

/* bad magic: EINVAL, checked before anything happens */
static int
p_reboot(void)
{
	return RET(syscall(SYS_reboot, 0L, 0L, 0L, NULL));
}

static int
p_swapon(void)
{
	return RET(syscall(SYS_swapon, NOFILE, 0L));
}

static int
p_swapoff(void)
{
	return RET(syscall(SYS_swapoff, NOFILE));
}

/* a file that cannot be opened: accounting stays as it is (NULL would
 * turn it off) */
static int
p_acct(void)
{
	return RET(syscall(SYS_acct, NOFILE));
}

/* no device: ENODEV */
static int
p_quotactl(void)
{
	return RET(syscall(SYS_quotactl, 0L, NULL, 0L, NULL));
}

/* gone from the kernel in 6.10 (ENOSYS), still in the table */
static int
p_lookup_dcookie(void)
{
#ifdef SYS_lookup_dcookie
	return RET(syscall(SYS_lookup_dcookie, 0L, NULL, 0L));
#else
	return R_SETUP;
#endif
}

/* NULL parameters: EFAULT without the filter, no ring made */
static int
p_io_uring_setup(void)
{
	return RET(syscall(__NR_io_uring_setup, 1L, NULL));
}

/* no such ring: EBADF */
static int
p_io_uring_enter(void)
{
	return RET(syscall(__NR_io_uring_enter, -1L, 0L, 0L, 0L, NULL, 0L));
}

static int
p_io_uring_register(void)
{
	return RET(syscall(__NR_io_uring_register, -1L, 0L, NULL, 0L));
}

/* personality(p): the old value, or an error; the child's own only */
static int
pers(unsigned long p)
{
	return RET(syscall(SYS_personality, p));
}

static int p_pers_linux(void) { return pers(PER_LINUX); }
static int p_pers_query(void) { return pers(0xffffffffUL); }
static int p_pers_linux32(void) { return pers(PER_LINUX32); }
static int p_pers_uname26(void) { return pers(UNAME26 | PER_LINUX32); }
static int p_pers_bsd(void) { return pers(PER_BSD); }
static int p_pers_rie(void) { return pers(READ_IMPLIES_EXEC); }
static int p_pers_norandom(void) { return pers(ADDR_NO_RANDOMIZE); }
/* the kernel reads an unsigned int: bits above 31 must not get PER_BSD past */
static int p_pers_bsd_high(void) { return pers(1UL << 32 | PER_BSD); }

/* A pty of our own as our controlling terminal: TIOCSTI on it works
 * without the filter (on any other terminal it needs CAP_SYS_ADMIN) */
static int
own_pty(void)
{
	int m, s;

	if ((m = posix_openpt(O_RDWR | O_NOCTTY)) < 0 || grantpt(m) < 0 || unlockpt(m) < 0)
		return -1;
	if (setsid() < 0 || (s = open(ptsname(m), O_RDWR)) < 0)
		return -1;
	if (ioctl(s, TIOCSCTTY, 0) < 0)
		return -1;
	return s;
}

static int
p_tiocsti(void)
{
	char c = 'x';
	int s = own_pty();

	return s < 0 ? R_SETUP : RET(ioctl(s, TIOCSTI, &c));
}

/* the kernel reads the request as an unsigned int: bits above 31 must not
 * get TIOCSTI past the filter */
static int
p_tiocsti_high(void)
{
	char c = 'x';
	int s = own_pty();

	return s < 0 ? R_SETUP : RET(ioctl(s, (unsigned long)TIOCSTI | 1UL << 32, &c));
}

/* subcode 0 is no subcode: harmless (and a pty is no VT) */
static int
p_tioclinux(void)
{
	char sub = 0;
	int s = own_pty();

	return s < 0 ? R_SETUP : RET(ioctl(s, TIOCLINUX, &sub));
}

/* other ioctls pass */
static int
p_tiocgwinsz(void)
{
	struct winsize ws;
	int s = own_pty();

	return s < 0 ? R_SETUP : RET(ioctl(s, TIOCGWINSZ, &ws));
}

#ifdef __x86_64__
/* i386's getpid (20) through int 0x80: the other ABI. Without it the
 * kernel sends SIGSEGV: its default action, not a sanitizer's handler
 * (set by the raw call, which no sanitizer intercepts). */
static int
p_i386(void)
{
	struct { void *handler; unsigned long flags; void *restorer; unsigned long mask; } dfl = { 0 };
	long r = 20;

	if (syscall(SYS_rt_sigaction, SIGSEGV, &dfl, NULL, sizeof(dfl.mask)) < 0)
		return R_SETUP;

	__asm__ volatile("int $0x80" : "+a"(r) : : "r8", "r9", "r10", "r11", "memory");
	return r > 0 ? 0 : (int)-r;
}

/* x32's getpid: ENOSYS without the filter on kernels built without x32 */
static int
p_x32(void)
{
	return RET(syscall(SYS_getpid | 0x40000000L));
}
#endif

/* ---- the checks ---- */

/* want: 0 for a call the filter allows, else what the filter makes of it */
static const struct probe {
	const char *name;
	int (*fn)(void);
	int want;
} probes[] = {
	{ "getpid", p_getpid, 0 },
	{ "pipe, write, read", p_pipe_rw, 0 },
	{ "fork (clone without CLONE_NEWUSER)", p_fork, 0 },
	{ "pthread_create (clone3, then clone)", p_thread, 0 },
	{ "unshare(CLONE_NEWUTS)", p_unshare_uts, 0 },
	{ "ioctl TIOCGWINSZ", p_tiocgwinsz, 0 },
	{ "unshare(CLONE_NEWUSER)", p_unshare_user, EPERM },
	{ "unshare(CLONE_NEWUSER|CLONE_NEWNS)", p_unshare_user_ns, EPERM },
	{ "clone(CLONE_NEWUSER|SIGCHLD)", p_clone_user, EPERM },
	{ "clone3", p_clone3, ENOSYS },
	{ "keyctl(KEYCTL_GET_KEYRING_ID)", p_keyctl, EPERM },
	{ "request_key", p_request_key, EPERM },
	{ "bpf(BPF_MAP_CREATE)", p_bpf, EPERM },
	{ "perf_event_open", p_perf, EPERM },
	{ "userfaultfd", p_userfaultfd, EPERM },
	{ "open_by_handle_at", p_open_by_handle, EPERM },
	{ "kexec_load", p_kexec_load, EPERM },
	{ "init_module", p_init_module, EPERM },
	{ "finit_module", p_finit_module, EPERM },
	{ "delete_module", p_delete_module, EPERM },
	{ "reboot", p_reboot, EPERM },
	{ "swapon", p_swapon, EPERM },
	{ "swapoff", p_swapoff, EPERM },
	{ "acct", p_acct, EPERM },
	{ "quotactl", p_quotactl, EPERM },
	{ "lookup_dcookie", p_lookup_dcookie, EPERM },
	{ "ioctl TIOCSTI on our own controlling pty", p_tiocsti, EPERM },
	{ "ioctl TIOCSTI with bits above 31 set", p_tiocsti_high, EPERM },
	{ "ioctl TIOCLINUX", p_tioclinux, EPERM },
	{ "io_uring_setup", p_io_uring_setup, ENOSYS },
	{ "io_uring_enter", p_io_uring_enter, ENOSYS },
	{ "io_uring_register", p_io_uring_register, ENOSYS },
	{ "personality(PER_LINUX)", p_pers_linux, 0 },
	{ "personality(0xffffffff), the query", p_pers_query, 0 },
	{ "personality(PER_LINUX32)", p_pers_linux32, 0 },
	{ "personality(UNAME26|PER_LINUX32)", p_pers_uname26, 0 },
	{ "personality(PER_BSD)", p_pers_bsd, EPERM },
	{ "personality(READ_IMPLIES_EXEC)", p_pers_rie, EPERM },
	{ "personality(ADDR_NO_RANDOMIZE)", p_pers_norandom, EPERM },
	{ "personality(PER_BSD) with bit 32 set", p_pers_bsd_high, EPERM },
#ifdef __x86_64__
	{ "an i386 syscall (int 0x80)", p_i386, SIG(SIGSYS) },
	{ "an x32 syscall", p_x32, EPERM },
#endif
};

static void
check(const struct probe *p)
{
	int off = run(p->fn, false), on = run(p->fn, true);
	char b1[64], b2[64], b3[64], why[256];

	if (p->want == 0) {
		is_int(on, off, "%s: allowed, %s as without the filter", p->name, rname(off, b1, sizeof(b1)));
		return;
	}
	if (p->want == SIG(SIGSYS) && off >= SIG(0)) {
		/* no i386 ABI in this kernel (ia32_emulation=0, or not built):
		 * there is no other ABI to reach, nothing for the filter to do;
		 * not a feature nsx needs, so a plain skip even in CI */
		printf("ok %d # SKIP %s: %s without the filter: this kernel has no such ABI\n",
		       ++tap_n, p->name, rname(off, b1, sizeof(b1)));
		return;
	}
	if (off == p->want || off >= SIG(0) || off == R_SETUP) {
		snprintf(why, sizeof(why), "%s: %s without the filter already", p->name,
			 rname(off, b1, sizeof(b1)));
		skip(why);
		return;
	}
	if (!ok(on == p->want, "%s: %s with the filter, %s without", p->name,
		rname(p->want, b1, sizeof(b1)), rname(off, b2, sizeof(b2))))
		printf("#   got %s\n", rname(on, b3, sizeof(b3)));
}

/* the kernel's own view: "Seccomp: 2" (filter mode) in /proc/self/status */
static int
p_status(void)
{
	char line[256];
	int mode = R_WRONG;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Seccomp: %d", &mode) == 1)
			break;
	fclose(f);
	return mode;
}

static void
status(void)
{
	int off = run(p_status, false), on = run(p_status, true);

	is_int(on, SECCOMP_MODE_FILTER, "Seccomp: %d in /proc/self/status with the filter", on);
	if (off == SECCOMP_MODE_FILTER)
		skip("the test already runs under a seccomp filter");
	else
		is_int(off, 0, "Seccomp: %d without it", off);
}

/* Without no_new_privs and without CAP_SYS_ADMIN the kernel refuses a
 * filter (it would restrict a setuid program the process runs) */
static int
p_no_nnp(void)
{
	struct nsx_err err = { 0 };
	cap_value_t admin = CAP_SYS_ADMIN;
	cap_t c = cap_get_proc();

	if (!c || cap_set_flag(c, CAP_EFFECTIVE, 1, &admin, CAP_CLEAR) < 0 || cap_set_proc(c) < 0)
		return R_SETUP;
	cap_free(c);
	if (seccomp_apply(&err) == 0)
		return R_WRONG;
	dprintf(STDOUT_FILENO, "# %s\n", err.msg);
	return err.errnum == EACCES && strstr(err.msg, "no_new_privs") ? 0 : R_WRONG;
}

static void
no_nnp(void)
{
	char b[64];
	int r;

	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1) {
		skip("no_new_privs is already set on the test");
		return;
	}
	r = run(p_no_nnp, false);
	ok(r == 0, "without no_new_privs or CAP_SYS_ADMIN: EACCES, the message says so (%s)",
	   rname(r, b, sizeof(b)));
}

int
main(void)
{
	struct nsx_err err = { 0 };

#if !(defined(__x86_64__) && !defined(__ILP32__)) && !defined(__aarch64__)
	is_int(seccomp_apply(&err), -1, "no filter for this architecture");
	is_str(err.msg, "seccomp: no filter for this architecture", "and it says so");
	return done_testing();
#endif
	(void)err;
	status();
	for (size_t i = 0; i < ARRAY_SIZE(probes); i++)
		check(&probes[i]);
	no_nnp();
	return done_testing();
}
