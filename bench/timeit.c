/* timeit [-m] CMD [ARG...]: run CMD once with stdout on /dev/null and print
 *	WALL_US USER_US SYS_US STATUS
 * (with -m: WALL_US USER_US SYS_US MAXRSS_KB STATUS, the child's peak
 * resident set as wait4 reports it)
 * on stdout: wall time from just before fork to the reaping wait4
 * (CLOCK_MONOTONIC), the child's user and system CPU time (all its threads)
 * and its exit status (128+signal when killed). stderr is left alone.
 * Used by bench/ls.sh; the fork+exec cost is included, as `time` would. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long
us(const struct timeval *tv)
{
	return (long long)tv->tv_sec * 1000000 + tv->tv_usec;
}

int
main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct rusage ru;
	int status, null, rss = 0;
	pid_t pid;

	if (argc > 1 && strcmp(argv[1], "-m") == 0) {
		rss = 1;
		argv++;
		argc--;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: timeit [-m] CMD [ARG...]\n");
		return 2;
	}
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null < 0) {
		perror("timeit: /dev/null");
		return 2;
	}
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0) {
		perror("timeit: fork");
		return 2;
	}
	if (pid == 0) {
		dup2(null, 1);
		execvp(argv[1], argv + 1);
		perror(argv[1]);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("timeit: wait4");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%lld %lld %lld ",
	       (long long)(t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000,
	       us(&ru.ru_utime), us(&ru.ru_stime));
	if (rss)
		printf("%ld ", ru.ru_maxrss);
	printf("%d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return 0;
}
