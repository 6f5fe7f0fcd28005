/* A lesson session: the lesson in progress (parsed once and cached), its
 * progress record, the level its checks compare with, the variables it
 * gives the shell, and its step flow. The engine behind the lesson command
 * and the shell's hooks (src/cmd/lesson.c): it knows the level the student
 * is in only through struct lesson_level, and the shell only through a
 * run-line callback (reset.c). Errors as values; a problem that stops
 * nothing goes to the session's warn hook, in the order it happens.
 * Nothing here prints. */
#ifndef NSX_LESSON_SESSION_H
#define NSX_LESSON_SESSION_H

#include <stdbool.h>
#include <sys/types.h>

#include "lesson/lesson.h"
#include "util/err.h"

/* The level the student is in, as the front end reads it from its shell. */
struct lesson_level {
	int procfd;		/* /proc as nsx started: PIDs as seen from there */
	pid_t pid;		/* this level's PID, as the start sees it */
	int depth;		/* 0: where nsx started */
	long session;		/* PID of nsx's first level, as the start sees it */
	unsigned long long session_start;	/* its start time: a session is the pair */
	bool oneshot;		/* `nsx lesson ...`: nothing runs after this command */
	const char *ctr;	/* the nsx container whose namespaces it is in, or NULL */
	bool confined;		/* ... held to that container's confinement */
};

/* Called with a problem that stops nothing (a progress file set aside or
 * not saved, a start not captured, a mystery not started): the front end
 * prints it. */
typedef void (*lesson_warn_fn)(const struct nsx_err *err);

/* Everything one lesson command works on. Zero it, then set lv, dir and
 * warn (lesson_session_init); free with lesson_session_free. */
struct lesson_session {
	struct lesson_level lv;
	const char *dir;	/* --lessons, or NULL */
	lesson_warn_fn warn;	/* NULL: such problems are dropped */
	struct progress prog;
	const struct lesson *les;	/* the cache's: not to be freed */
	/* what checks compare with: &prog.ref when this session owns the
	 * lesson's start, else tmpref (another live nsx session owns it, or
	 * this is a one-shot `nsx lesson ...`): captured here, never saved */
	struct lesson_ref *ref, tmpref;
	struct lesson_prog *lp;	/* the current lesson's record */
};

void lesson_session_init(struct lesson_session *s, const struct lesson_level *lv, const char *dir,
			 lesson_warn_fn warn);
/* Free what the session read (its progress); the cached lesson stays. */
void lesson_session_free(struct lesson_session *s);
/* Hand err to the session's warn hook, when it has one. */
void lesson_warn(const struct lesson_session *s, const struct nsx_err *err);

/* ---- loading ---- */

/* Read the progress file into s->prog: 0, or -1 with err. A corrupt file
 * is set aside (progress_load) and said through warn: progress is empty. */
int lesson_progress_open(struct lesson_session *s, struct nsx_err *err);
/* The lesson in progress, when there is one (progress read, the lesson
 * loaded, s->les and s->lp set): 1; 0 when none is started; -1 when the
 * progress cannot be read, -2 when the lesson's file cannot be loaded,
 * with the cause in err. */
int lesson_current(struct lesson_session *s, struct nsx_err *err);
/* The lesson at path, parsed once and kept (a level after pivot_root can
 * no longer open the file, and levels are forks that inherit it); parsed
 * again when the file changed. As root, the file must be root's alone
 * (lesson_trust). NULL with err. The lesson belongs to the cache. */
const struct lesson *lesson_cache_load(const char *path, struct nsx_err *err);

/* ---- the lesson's start: what checks compare with ---- */

/* This level becomes the lesson's start: into s->prog.ref (saved with the
 * progress) with keep, else into s->tmpref for this command only. -1 with
 * err when the level's namespaces cannot be read. */
int lesson_capture_ref(struct lesson_session *s, bool keep, struct nsx_err *err);
/* Which start the checks compare with: the session that owns it keeps it;
 * another nsx running at the same time compares with where it is without
 * taking it over; a start left by an nsx that has ended is taken over
 * here. A capture that fails goes to warn. */
void lesson_ensure_ref(struct lesson_session *s);
/* Does this session own the lesson's start (prog.ref)? */
bool lesson_ref_ours(const struct lesson_session *s);

/* $NSX_LAB, $NSX_LESSON, $NSX_UID and $NSX_MYSTERY_PID for the lesson in
 * progress (s->les set). */
void lesson_set_env(const struct lesson_session *s);
/* Start the lesson's mystery process when it has one and it is not
 * running: 1 when started now, 0 when nothing was to do, -1 with err. */
int lesson_ensure_mystery(struct lesson_session *s, struct nsx_err *err);
/* Write the progress: 0, or -1 with err. */
int lesson_save(struct lesson_session *s, struct nsx_err *err);

/* Where a check runs: this level, against the session's start. */
struct lesson_env lesson_env_of(const struct lesson_session *s);

/* ---- step flow (the caller saves) ---- */

/* Begin lesson name, whose file is path (malloc'ed, taken over), at step
 * 1: the last lesson's mystery ends, this level becomes its start, its
 * mystery starts (a failure goes to warn), its variables are set, progress
 * is saved. s->prog must be read (lesson_progress_open). -1 with err. */
int lesson_begin(struct lesson_session *s, const char *name, char *path, struct nsx_err *err);
/* The current step holds: it is marked done. true when a step follows. */
bool lesson_step_done(struct lesson_session *s);
/* After lesson_step_done: on to the next step, or, after the last one,
 * the lesson is no longer in progress. */
void lesson_step_advance(struct lesson_session *s);
/* Move delta steps: 0, or -1 (nothing changed) past the first or last. */
int lesson_step_move(struct lesson_session *s, int delta);
/* Check the current step: 1 when it holds, 0 when not (why in words). */
int lesson_step_check(const struct lesson_session *s, char *why, size_t n);
/* A `lesson check` that failed, for the instructor's report. */
void lesson_step_failed(struct lesson_session *s);
/* The hint to show for the current step (its index), counted as shown;
 * *more false when every hint was shown before (the last one again). */
int lesson_hint_take(struct lesson_session *s, bool *more);
/* The solution was shown: it counts as every hint used. */
void lesson_solution_taken(struct lesson_session *s);

/* ---- lines the student typed ---- */

/* Does line run the command word: its first word without a directory,
 * after nsx's `!` and a `sudo` (`/usr/bin/unshare -p` and `sudo unshare
 * -p` are unshare's failure)? */
bool lesson_line_runs(const char *line, const char *word);
/* The explanation of step s for the failure of line, or NULL. */
const struct lesson_explain *lesson_explain_find(const struct lesson_step *s, const char *line);
/* Does step s's check run a program (an `sh` term)? */
bool lesson_step_runs_sh(const struct lesson_step *s);

/* ---- reset (reset.c) ---- */

/* Run one line in the student's shell, as typed (a cleanup line). */
typedef int (*lesson_run_line_fn)(void *arg, const char *line);

/* The lesson's cleanup lines, at this level, through run; an `exit` among
 * them does not end the shell (the caller clears its quit). They run
 * programs: not where those would be a container's with all the user's
 * privileges (lesson_no_programs), which is said through warn, and false
 * is returned. */
bool lesson_cleanups_run(struct lesson_session *s, lesson_run_line_fn run, void *arg);
/* At the lesson's start level: stop its mystery, run its cleanup lines
 * with their output silenced (lesson_cleanups_run: *cleaned says whether
 * they ran), empty its lab, forget its steps and hints, make this level
 * its start again, start its mystery, save. Returns as lesson_current
 * (1: reset); what fails after the lesson is loaded goes to warn. */
int lesson_reset(struct lesson_session *s, lesson_run_line_fn run, void *arg, bool *cleaned,
		 struct nsx_err *err);

#endif
