/* cputime [-s COLSxROWS] [-t SECONDS] CMD [ARG...]: run CMD once and print
 *	WALL_US USER_US SYS_US MAXRSS_KB STATUS
 * on stdout: wall time from just before fork to the reaping wait4
 * (CLOCK_MONOTONIC), the user and system CPU time of CMD (all its threads,
 * and any children it waited for) and its peak resident set (ru_maxrss),
 * from wait4's rusage; its exit status (128+signal when killed).
 *
 * With -s, CMD runs on a new pseudo-terminal of that size, as its
 * controlling terminal (stdin, stdout and stderr; a session of its own);
 * this program reads and discards what CMD writes, and never types
 * anything. Without -s, stdout goes to /dev/null and stdin/stderr are left
 * alone, as with bench/timeit. The draining costs CMD nothing: only CMD's
 * own rusage is reported.
 *
 * CMD dies with this program (PR_SET_PDEATHSIG), is SIGKILLed by pid when
 * this program gets SIGINT, SIGTERM or SIGHUP, and after -t SECONDS
 * (default 600): then STATUS is 128+9 and this program exits 1.
 * Used by bench/view.sh. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	stop = sig;
}

static long long
us(const struct timeval *tv)
{
	return (long long)tv->tv_sec * 1000000 + tv->tv_usec;
}

static long long
now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static void
usage(void)
{
	fprintf(stderr, "usage: cputime [-s COLSxROWS] [-t SECONDS] CMD [ARG...]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct winsize ws = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	struct rusage ru;
	long long t0, t1, limit_us = 600LL * 1000000;
	int status = 0, master = -1, null, opt, timed_out = 0;
	char *slave_name = NULL;
	pid_t pid, parent = getpid();

	while ((opt = getopt(argc, argv, "+s:t:")) != -1) {
		if (opt == 's') {
			if (sscanf(optarg, "%hux%hu", &ws.ws_col, &ws.ws_row) != 2 || !ws.ws_col || !ws.ws_row)
				usage();
		} else if (opt == 't') {
			limit_us = (long long)(atof(optarg) * 1000000);
			if (limit_us <= 0)
				usage();
		} else
			usage();
	}
	if (optind >= argc)
		usage();
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0) {
		perror("cputime: /dev/null");
		return 2;
	}
	if (ws.ws_col) {
		master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0 ||
		    !(slave_name = ptsname(master))) {
			perror("cputime: pseudo-terminal");
			return 2;
		}
		slave_name = strdup(slave_name);
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	fflush(stdout);
	t0 = now_us();
	pid = fork();
	if (pid < 0) {
		perror("cputime: fork");
		return 2;
	}
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		if (master >= 0) {
			int s;

			setsid();
			s = open(slave_name, O_RDWR);
			if (s < 0 || ioctl(s, TIOCSCTTY, 0) < 0 || ioctl(s, TIOCSWINSZ, &ws) < 0) {
				perror("cputime: the pseudo-terminal's slave");
				_exit(127);
			}
			dup2(s, 0);
			dup2(s, 1);
			dup2(s, 2);
			if (s > 2)
				close(s);
		} else
			dup2(null, 1);
		execvp(argv[optind], argv + optind);
		perror(argv[optind]);
		_exit(127);
	}
	for (;;) {
		pid_t w = wait4(pid, &status, WNOHANG, &ru);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			perror("cputime: wait4");
			kill(pid, SIGKILL);
			return 2;
		}
		if (stop || now_us() - t0 > limit_us) {
			timed_out = !stop;
			kill(pid, SIGKILL);
			while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR)
				;
			break;
		}
		if (master >= 0) {
			/* drain what CMD writes; EIO once it has closed the slave */
			struct pollfd p = { .fd = master, .events = POLLIN };
			char buf[65536];

			if (poll(&p, 1, 20) > 0 && read(master, buf, sizeof(buf)) < 0 && errno == EIO)
				usleep(2000);
		} else
			usleep(5000);
	}
	t1 = now_us();
	if (stop) {
		fprintf(stderr, "cputime: interrupted; %s killed\n", argv[optind]);
		return 128 + stop;
	}
	if (timed_out)
		fprintf(stderr, "cputime: %s still ran after the time limit; killed\n", argv[optind]);
	printf("%lld %lld %lld %ld %d\n", t1 - t0, us(&ru.ru_utime), us(&ru.ru_stime), ru.ru_maxrss,
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return timed_out;
}
