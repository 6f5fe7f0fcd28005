/* `lesson verify`: every step of a lesson run in a scratch environment by
 * a scratch nsx reading a script (per step: the check must fail, then the
 * solution runs, then it must hold), which reports each check through a
 * pipe ($NSX_VERIFY_FD) from the hidden subcommands _verify-begin,
 * _verify-expect and _verify-cleanup. Nothing here prints: the front end
 * (src/cmd/lesson.c) prints what lesson_verify found. */
#ifndef NSX_LESSON_VERIFY_H
#define NSX_LESSON_VERIFY_H

#include <stdbool.h>

#include "lesson/lesson.h"
#include "lesson/session.h"
#include "util/err.h"

/* The pipe this nsx reports to, when it is the scratch nsx of a `lesson
 * verify` (a pipe it inherited at $NSX_VERIFY_FD, never a file or terminal
 * that happens to be open at that number): its fd, else -1. */
int lesson_verify_fd(void);

/* ---- in the scratch nsx ---- */

/* `_verify-begin PATH`: the lesson starts here, silently (a capture or a
 * mystery that fails goes to warn). -1 with err when the lesson cannot be
 * loaded or the progress saved. */
int lesson_verify_begin(struct lesson_session *s, const char *path, struct nsx_err *err);
/* `_verify-expect K pass|fail`: check step K (the lesson in progress,
 * loaded and its start ensured) and write "K pass|fail 1|0 why" to
 * lesson_verify_fd(). -1 when K is not a step or the pipe is gone. */
int lesson_verify_expect(struct lesson_session *s, const char *k, const char *want);
/* `_verify-cleanup`: the lesson's mystery ends and its cleanup lines run
 * through run (lesson_cleanups_run). true when they ran (the caller clears
 * its shell's quit). */
bool lesson_verify_cleanup(struct lesson_session *s, lesson_run_line_fn run, void *arg);

/* ---- in `lesson verify` ---- */

/* What verifying one lesson found. */
struct lesson_verify_res {
	bool setup_failed;	/* no scratch environment: err says why */
	struct nsx_err err;
	bool timed_out;		/* the scratch nsx was killed after 300 s */
	/* per step, [0] the check before its solution, [1] after it */
	struct lesson_verify_check {
		bool seen;	/* reported at all */
		bool held;
		char why[600];	/* why it failed, encoded (util/safe.h) */
	} check[LESSON_MAXSTEPS][2];
	int log;		/* memfd of what the scratch nsx printed */
	bool ok;		/* every check failed before and held after */
};

/* Called in the child that verified the lesson, before it exits. */
typedef void (*lesson_verify_report_fn)(const struct lesson *l, const struct lesson_verify_res *r);

/* Verify lesson l in a child of its own (root: in scratch mount, network,
 * UTS and IPC namespaces; all: with a state, cache and run directory of
 * its own under a new /tmp/nsx-verify-XXXXXX, removed after), which hands
 * what it found to report. 0 when it verified, 1 when not; -1 with err
 * when no scratch directory could be made (nothing ran). */
int lesson_verify(const struct lesson *l, lesson_verify_report_fn report, struct nsx_err *err);

/* The last 15 lines of what the scratch nsx printed, read into buf (size
 * n) from log: a pointer into buf, or NULL when it printed nothing. */
char *lesson_verify_log_tail(int log, char *buf, size_t n);

#endif
