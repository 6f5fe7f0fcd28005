/* frames.so: an LD_PRELOAD shim that gives htop before 3.3 what 3.3's
 * `-n/--max-iterations N` does: quit after N frames. Used by bench/view.sh
 * when the installed htop has no -n (Debian 12 ships 3.2.2).
 *
 * htop's main loop (ScreenManager_run) is: scan /proc when the delay has
 * passed, draw a frame, wgetch() (halfdelay: a timeout of one delay). With
 * nothing typed, every wgetch() follows one scan and one frame. htop 3.3's
 * -n N quits right after the N-th frame, before its wgetch(); this shim
 * ends htop at its N-th call of wgetch(), before it waits: the same point.
 * It ends it with SIGTERM to itself: htop's handler restores the terminal
 * and exits 0, as after q.
 *
 * Environment: NSX_BENCH_FRAMES=N (required: nothing happens without it);
 * NSX_BENCH_LOG=FILE: when it stops the program, appends
 * "frames N scans S" to FILE, S being the number of fopen("/proc/stat")
 * after the first (htop reads it once at start for btime, then once per
 * scan: 3.2 scans twice before its loop, so S = N + 2).
 * Build: cc -O2 -shared -fPIC -o frames.so frames.c -ldl */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct _win_st WINDOW;

static long limit = -1, frames, scans;
static int (*real_wgetch)(WINDOW *);
static FILE *(*real_fopen)(const char *, const char *);

__attribute__((constructor)) static void
frames_init(void)
{
	const char *n = getenv("NSX_BENCH_FRAMES");

	if (n && atol(n) > 0)
		limit = atol(n);
	real_wgetch = (int (*)(WINDOW *))dlsym(RTLD_NEXT, "wgetch");
	real_fopen = (FILE * (*)(const char *, const char *)) dlsym(RTLD_NEXT, "fopen");
}

FILE *
fopen(const char *path, const char *mode)
{
	if (path && strcmp(path, "/proc/stat") == 0)
		scans++;
	return real_fopen(path, mode);
}

int
wgetch(WINDOW *w)
{
	if (limit > 0 && ++frames >= limit) {
		const char *log = getenv("NSX_BENCH_LOG");

		if (log) {
			char line[64];
			int fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
			int len = snprintf(line, sizeof(line), "frames %ld scans %ld\n", frames,
					   scans > 0 ? scans - 1 : 0);

			if (fd >= 0) {
				if (write(fd, line, (size_t)len) < 0) {
					/* nothing to be done: the count is only a check */
				}
				close(fd);
			}
		}
		limit = -1;
		raise(SIGTERM);
	}
	return real_wgetch(w);
}
