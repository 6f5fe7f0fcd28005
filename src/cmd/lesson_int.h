/* Shared between the files of the lesson command only (lesson.c: the
 * subcommand table, parsing, help, completion and the shell's hooks;
 * lesson_step.c: the student's subcommands and how a step is shown;
 * lesson_teach.c: report, lint and verify, for instructors and lesson
 * authors). What they print comes from the engine, src/lesson. */
#ifndef NSX_CMD_LESSON_INT_H
#define NSX_CMD_LESSON_INT_H

#include <stdbool.h>

#include "cmd/cmd.h"
#include "lesson/session.h"

extern const struct nsx_cmd cmd_lesson;

/* Everything one lesson command works on: the engine's session, and the
 * shell it runs in. */
struct lctx {
	struct nsx_shell *sh;
	struct lesson_session s;
	int mode;		/* report: 't' table, 'j' JSON, 'c' CSV */
};

/* ---- the session, from the shell (lesson.c) ---- */

/* A session of the level sh is in, with lessons from dir (--lessons) first;
 * what goes wrong along the way is printed. Free with lesson_session_free. */
void lcmd_init(struct lctx *c, struct nsx_shell *sh, const char *dir);
/* The engine's run-line callback (arg: the lctx): the shell runs a
 * cleanup line, and the session goes on in the level it leaves. */
int lcmd_run_line(void *arg, const char *line);
/* Print what lesson_current returned r for, when it is an error. */
void lcmd_current_err(int r, const struct nsx_err *err);
/* The lesson in progress, its start and variables, for a subcommand that
 * needs one: 0, or -1 after one line (none started, or it cannot load). */
int lcmd_need(struct lctx *c);
/* Save the progress: 0, or -1 after one line. */
int lcmd_save(struct lctx *c);

/* ---- showing (lesson_step.c) ---- */

/* A small semantic palette, on a terminal only and not with NO_COLOR:
 * the step's title, commands to type, a pass, a failure, a planned failure. */
enum { C_TITLE, C_CMD, C_PASS, C_FAIL, C_NOTE, C_OFF };
const char *lcmd_col(int what);
/* text, each line but the empty ones after indent. */
void lcmd_print_block(const char *text, const char *indent);
/* The current step holds: record it, say so, show the next one. */
void lcmd_step_passed(struct lctx *c);
/* At the lesson's start level: reset it (lesson_reset) and say so. */
void lcmd_reset_here(struct nsx_shell *sh);

/* ---- subcommands: the operands after the subcommand's name; they
 * return the exit status (lesson_step.c, then lesson_teach.c) ---- */

int lcmd_show(struct lctx *c, int argc, char **argv);
int lcmd_list(struct lctx *c, int argc, char **argv);
int lcmd_start(struct lctx *c, int argc, char **argv);
int lcmd_next(struct lctx *c, int argc, char **argv);
int lcmd_back(struct lctx *c, int argc, char **argv);
int lcmd_check(struct lctx *c, int argc, char **argv);
int lcmd_hint(struct lctx *c, int argc, char **argv);
int lcmd_solution(struct lctx *c, int argc, char **argv);
int lcmd_status(struct lctx *c, int argc, char **argv);
int lcmd_reset(struct lctx *c, int argc, char **argv);

int lcmd_report(struct lctx *c, int argc, char **argv);
int lcmd_lint(struct lctx *c, int argc, char **argv);
int lcmd_verify(struct lctx *c, int argc, char **argv);
/* the hidden ones the scratch nsx of `lesson verify` runs */
int lcmd_verify_begin(struct lctx *c, int argc, char **argv);
int lcmd_verify_expect(struct lctx *c, int argc, char **argv);
int lcmd_verify_cleanup(struct lctx *c, int argc, char **argv);

#endif
