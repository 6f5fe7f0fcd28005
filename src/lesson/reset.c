/* Reset (session.h): the lesson's cleanup lines, run in the student's
 * shell through the front end's run-line callback, then its lab emptied and
 * its steps begun again where it started. */
#define _GNU_SOURCE
#include "lesson/session.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The lesson's cleanup lines, at this level; an `exit` among them does
 * not end the shell. They run programs: not where those would be a
 * container's with all the user's privileges (lesson_no_programs), which
 * says so, before its caller silences what the lines print. */
static bool
cleanups_allowed(const struct lesson_session *s)
{
	struct lesson_env e = lesson_env_of(s);
	struct nsx_err err;
	char why[300];

	if (!s->les->ncleanups || !lesson_no_programs(&e, why, sizeof(why)))
		return true;
	nsx_error(&err, 0, "the lesson's cleanup lines were %s", why);
	fflush(stdout);		/* the warning after what stdout holds */
	lesson_warn(s, &err);
	return false;
}

bool
lesson_cleanups_run(struct lesson_session *s, lesson_run_line_fn run, void *arg)
{
	if (!cleanups_allowed(s))
		return false;
	for (int i = 0; i < s->les->ncleanups; i++)
		run(arg, s->les->cleanups[i]);
	return true;
}

/* The lesson's own cleanup lines; their output and complaints (nothing
 * to remove) are no news. false: not run here (cleanups_allowed). */
static bool
cleanups_run_quietly(struct lesson_session *s, lesson_run_line_fn run, void *arg)
{
	int saved_out, saved_err, null;
	bool ran;

	if (!cleanups_allowed(s))
		return false;
	fflush(NULL);
	saved_out = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	saved_err = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	if ((null = open("/dev/null", O_WRONLY | O_CLOEXEC)) >= 0) {
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		close(null);
	}
	ran = lesson_cleanups_run(s, run, arg);
	fflush(NULL);
	if (saved_out >= 0) {
		dup2(saved_out, STDOUT_FILENO);
		close(saved_out);
	}
	if (saved_err >= 0) {
		dup2(saved_err, STDERR_FILENO);
		close(saved_err);
	}
	return ran;
}

/* At the start level: undo what the lesson made and begin again. */
int
lesson_reset(struct lesson_session *s, lesson_run_line_fn run, void *arg, bool *cleaned,
	     struct nsx_err *err)
{
	struct nsx_err e;
	int r = lesson_current(s, err);

	*cleaned = false;
	if (r <= 0)
		return r;
	lesson_set_env(s);
	if (s->prog.have_mystery)
		mystery_stop(&s->prog.mystery);
	s->prog.have_mystery = false;
	*cleaned = cleanups_run_quietly(s, run, arg);
	if (progress_lab_clear(s->les->name, &e) < 0)
		lesson_warn(s, &e);
	memset(s->lp->done, 0, sizeof(s->lp->done));
	memset(s->lp->hints, 0, sizeof(s->lp->hints));
	s->lp->step = 0;
	s->lp->fails = 0;
	s->lp->started = s->lp->updated = (long)time(NULL);
	if (lesson_capture_ref(s, true, &e) < 0)
		lesson_warn(s, &e);
	if (lesson_ensure_mystery(s, &e) < 0)
		lesson_warn(s, &e);
	lesson_set_env(s);
	if (lesson_save(s, &e) < 0)
		lesson_warn(s, &e);
	return 1;
}
