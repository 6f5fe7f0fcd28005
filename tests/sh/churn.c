/* The churn of tests/sh/churn.sh: processes in new uts and ipc namespaces
 * (every tenth in a new net namespace too), each living 1-9 ms, up to 20
 * at a time, started as fast as they end. Writes the number started so far
 * to argv[1] every 100 or so (through argv[1].new, renamed). Runs until
 * killed. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void
child(unsigned long n)
{
	int flags = CLONE_NEWUTS | CLONE_NEWIPC | (n % 10 == 0 ? CLONE_NEWNET : 0);
	struct timespec ts = { 0, (long)(1 + n % 9) * 1000000L };

	if (unshare(flags) < 0)
		_exit(1);
	nanosleep(&ts, NULL);
	_exit(0);
}

int
main(int argc, char **argv)
{
	unsigned long n = 0, mark = 100;
	int live = 0;
	FILE *f;

	char tmp[4096];

	if (argc != 2 || snprintf(tmp, sizeof(tmp), "%s.new", argv[1]) >= (int)sizeof(tmp))
		return 2;
	for (;;) {
		while (live < 20) {
			pid_t p = fork();

			if (p == 0)
				child(n);
			if (p > 0)
				live++, n++;
			if (p < 0)
				break;
		}
		if (wait(NULL) > 0)
			live--;
		/* a new file renamed over the count: a reader never sees it
		 * truncated (fopen "w" in place was read as empty, now and then) */
		if (n >= mark && (f = fopen(tmp, "w"))) {
			mark += 100;
			fprintf(f, "%lu\n", n);
			if (fclose(f) == 0)
				rename(tmp, argv[1]);
		}
	}
}
