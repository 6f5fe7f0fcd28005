/* Lessons: plain-text lesson files (lessons/README.md), checks that read
 * the live kernel state of the student's level, and per-user progress.
 * Errors as values; nothing here prints. */
#ifndef NSX_LESSON_H
#define NSX_LESSON_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "model/nstype.h"
#include "util/err.h"

#define LESSON_MAXSTEPS 32

/* One term of a check: [!]NAME ARG... */
struct lesson_term {
	bool neg;
	int pred;		/* index in the predicate table (check.c) */
	int argc;
	char **argv;		/* for `sh`: one argument, the shell text */
};

struct lesson_explain {
	char *word;		/* the failing command's first word */
	char *text;
};

struct lesson_step {
	int line;
	char *title, *text, *check;
	char **tries, **hints, **solutions;
	int ntries, nhints, nsolutions;
	struct lesson_term *terms;
	int nterms;
	struct lesson_explain *explains;
	int nexplains;
};

struct lesson {
	char *path;
	char *name;		/* "uts" from 02-uts.lesson */
	int number;		/* 2 */
	char *title, *objective, *text;
	bool needs_root;
	char *rootless;		/* the rootless variant's name, or NULL */
	bool mystery;		/* setup: mystery */
	char **cleanups;
	int ncleanups;
	struct lesson_step *steps;
	int nsteps;
};

/* Lint messages: "FILE:LINE: what (expected what)", one per error. */
struct lesson_errs {
	char **msg;
	int n;
};
void lesson_errs_free(struct lesson_errs *e);

/* Parse a lesson file. Returns 0, or -1 when it has errors (all of them in
 * errs, when errs is not NULL; err holds the first). *l is freed on error. */
int lesson_load(const char *path, struct lesson *l, struct lesson_errs *errs, struct nsx_err *err);
/* The same from an open stream (path names it in messages and gives the
 * NN-name): the fuzzer feeds it memory through fmemopen. */
int lesson_load_file(FILE *f, const char *path, struct lesson *l, struct lesson_errs *errs,
		     struct nsx_err *err);
void lesson_free(struct lesson *l);

/* "02-uts.lesson" -> 2, "uts"; -1 when the name is not NN-name.lesson. */
int lesson_file_name(const char *base, int *number, char *name, size_t n);

/* Where lessons are: dir (--lessons) first, then $NSX_LESSONS (colon-
 * separated), then lessons/ beside the binary, then ../share/nsx/lessons
 * from it. Fills paths[] (malloc'ed, sorted by number then name) of every
 * *.lesson file found, the first of a name winning. As root, dir and
 * $NSX_LESSONS must be root's alone (trust_require), else an error. */
int lesson_find_all(const char *dir, char ***paths, int *n, struct nsx_err *err);
void lesson_paths_free(char **paths, int n);
/* The file of lesson ARG (a number or a name); for a number with a root and
 * a rootless lesson, the one this user can run (as root, only when root
 * alone can change it: lesson_trust). */
int lesson_find(const char *dir, const char *arg, char **path, struct nsx_err *err);
/* As root, 0 only when root alone can change the lesson file at path (and
 * every directory above it): its checks and cleanups run as root. */
int lesson_trust(const char *path, struct nsx_err *err);

/* ---- checks (check.c) ---- */

/* The level where the lesson started: what checks compare with. */
struct lesson_ref {
	long session;		/* PID (as the start sees it) of nsx's first level */
	unsigned long long session_start;	/* its starttime: a session is the pair */
	int depth;		/* level depth */
	pid_t pid;		/* the level's PID as nsx's start /proc sees it */
	uid_t uid;
	gid_t gid;
	unsigned long rootdev, rootino;
	unsigned long ns[NSX_NTYPES];
	char hostname[65];
};

/* The mystery process of `setup: mystery` (mystery.c). */
struct lesson_mystery {
	pid_t pid;
	unsigned long long start;	/* starttime, against PID reuse */
	char secret[32];
	unsigned long ns[NSX_NTYPES];
};

/* Where a check runs: this level, seen through nsx's start /proc. */
struct lesson_env {
	int procfd;
	pid_t pid;
	int depth;
	const struct lesson_ref *ref;
	const struct lesson_mystery *mystery;	/* NULL when none */
	int ref_mountinfo;	/* fd of the start's mountinfo, or -1 */
	/* the nsx container whose namespaces this level is in without its
	 * confinement (enter --unconfined), or NULL: `sh` checks do not run
	 * there (check.c, p_sh) */
	const char *unconfined_ctr;
	/* as root, at a level in namespaces entered from outside and not
	 * confined (trust_foreign says which), or NULL: nor there */
	const char *entered;
};

/* Why no `sh` check or cleanup line runs in e's level (NULL: they do). */
const char *lesson_no_programs(const struct lesson_env *e, char *buf, size_t n);

/* Capture the current level as the reference. */
int lesson_ref_capture(struct lesson_ref *r, int procfd, pid_t pid, int depth, long session,
		       struct nsx_err *err);

/* Validate one check's text; parse it into terms. Returns 0, or -1 with a
 * message in msg (no file or line: the caller adds them). */
int lesson_check_parse(const char *text, struct lesson_term **terms, int *n, char *msg, size_t len);
void lesson_terms_free(struct lesson_term *t, int n);

/* Evaluate a step's check: 1 when it holds, 0 when not (why: the first term
 * that failed, in words). */
int lesson_check(const struct lesson_step *s, const struct lesson_env *e, char *why, size_t n);

/* The predicate table, for help and lint. */
struct lesson_pred_info {
	const char *name, *args, *help;
};
const struct lesson_pred_info *lesson_pred(int i);	/* NULL past the end */

/* ---- the mystery process (mystery.c) ---- */

/* Start it (a child of this process, ended with it). */
int mystery_spawn(struct lesson_mystery *m, struct nsx_err *err);
bool mystery_alive(const struct lesson_mystery *m);
void mystery_stop(const struct lesson_mystery *m);

/* ---- progress (progress.c) ---- */

struct lesson_prog {
	char name[64];
	int step;			/* current, 0-based */
	int nsteps;
	unsigned char done[LESSON_MAXSTEPS];
	unsigned char hints[LESSON_MAXSTEPS];	/* hints shown, per step */
	int fails;			/* `lesson check` that failed */
	long started, updated;
};

struct progress {
	char current[64];		/* "" when no lesson is on */
	char *current_path;		/* its file */
	bool have_ref, have_mystery;
	struct lesson_ref ref;
	struct lesson_mystery mystery;
	struct lesson_prog *l;
	int n;
};

/* The per-user state directory ($XDG_STATE_HOME/nsx, ~/.local/state/nsx),
 * made private when missing. Opened once and kept (O_PATH, close-on-exec),
 * so that a level after pivot_root still reaches it. -1 with err. */
int progress_dirfd(struct nsx_err *err);
/* Read the progress file. A missing file is an empty progress. A corrupt
 * one is renamed to progress.bad, *corrupt set, and progress is empty. */
int progress_load(struct progress *p, bool *corrupt, struct nsx_err *err);
/* Read a progress file by path (lesson report); no repair. */
int progress_read_file(const char *path, struct progress *p, struct nsx_err *err);
int progress_save(const struct progress *p, struct nsx_err *err);
void progress_free(struct progress *p);
/* The record of a lesson, made when missing. */
struct lesson_prog *progress_lesson(struct progress *p, const char *name, int nsteps);
/* The lesson's scratch directory (its path in buf), made when missing. */
int progress_lab(const char *name, char *buf, size_t n, struct nsx_err *err);
/* Empty the lab (mounts under it detached first; never crosses into
 * another file system). */
int progress_lab_clear(const char *name, struct nsx_err *err);

#endif
