/* lesson: guided lessons whose steps are checked against the live kernel
 * state of the level the student is in. The front end of the lesson
 * engine (src/lesson: session.h, verify.h, report.h): one table of
 * subcommands, which also gives `help lesson` its list and the shell its
 * completion; each parses its arguments and prints. After every line the
 * student types, the shell's hook (lesson_after_line) re-checks the
 * current step and moves on when it holds. */
#define _GNU_SOURCE
#include "cmd/cmd.h"

#include <errno.h>
#include <langinfo.h>
#include <libsmartcols.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lesson/lesson.h"
#include "lesson/report.h"
#include "lesson/session.h"
#include "lesson/verify.h"
#include "util/safe.h"
#include "util/xalloc.h"

extern const struct nsx_cmd cmd_lesson;

/* Everything one lesson command works on: the engine's session, and the
 * shell it runs in. */
struct lctx {
	struct nsx_shell *sh;
	struct lesson_session s;
	int mode;		/* report: 't' table, 'j' JSON, 'c' CSV */
};

static const char *
mark_done(void)
{
	const char *cs = nl_langinfo(CODESET);

	return cs && strcmp(cs, "UTF-8") == 0 ? "\u2713" : "+";
}

static const char *
mark_fail(void)
{
	const char *cs = nl_langinfo(CODESET);

	return cs && strcmp(cs, "UTF-8") == 0 ? "\u2717" : "x";
}

/* A small semantic palette, on a terminal only and not with NO_COLOR:
 * the step's title, commands to type, a pass, a failure, a planned failure. */
enum { C_TITLE, C_CMD, C_PASS, C_FAIL, C_NOTE, C_OFF };

static const char *
col(int what)
{
	static const char *const seq[] = { "\033[1m", "\033[36m", "\033[1;32m", "\033[1;31m",
					   "\033[33m", "\033[0m" };
	static int on = -1;

	if (on < 0)
		on = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	return on ? seq[what] : "";
}

/* ---- the session, from the shell ---- */

static void
warn_print(const struct nsx_err *err)
{
	nsx_err_print("lesson", err);
}

/* The level the shell is in, as the engine sees it. */
static struct lesson_level
level_of(const struct nsx_shell *sh)
{
	const struct level_rec *lv = &sh->levels[sh->depth];

	return (struct lesson_level){
		.procfd = sh->start_procfd,
		.pid = lv->pid_start,
		.depth = sh->depth,
		.session = (long)sh->levels[0].pid_start,
		.session_start = sh->session_start,
		.oneshot = sh->oneshot,
		.ctr = lv->ctr[0] ? lv->ctr : NULL,
		.confined = lv->confined,
	};
}

static void
ctx_init(struct lctx *c, struct nsx_shell *sh, const char *dir)
{
	struct lesson_level lv = level_of(sh);

	c->sh = sh;
	c->mode = 't';
	lesson_session_init(&c->s, &lv, dir, warn_print);
}

/* A cleanup line, run by the shell; the level it leaves the shell in is
 * the one the session goes on in. */
static int
run_line(void *arg, const char *line)
{
	struct lctx *c = arg;
	int status = c->sh->run_line(c->sh, line);

	c->s.lv = level_of(c->sh);
	return status;
}

static void
current_err_print(int r, const struct nsx_err *err)
{
	if (r == -1)
		nsx_err_print("lesson", err);
	else if (r == -2)
		nsx_warn("lesson", "the current lesson cannot be loaded: %s (fix it, or start another)",
			 err->msg);
}

/* The lesson in progress, when there is one: 1, 0 for none, -1 on error. */
static int
load_current(struct lctx *c, bool quiet)
{
	struct nsx_err err;
	int r = lesson_current(&c->s, &err);

	if (!quiet)
		current_err_print(r, &err);
	return r < 0 ? -1 : r;
}

static int
save(struct lctx *c)
{
	struct nsx_err err;

	if (lesson_save(&c->s, &err) < 0) {
		nsx_err_print("lesson", &err);
		return -1;
	}
	return 0;
}

/* ---- showing ---- */

static void
print_block(const char *text, const char *indent)
{
	const char *s = text;

	while (s && *s) {
		size_t n = strcspn(s, "\n");

		printf("%s%.*s\n", n ? indent : "", (int)n, s);
		s += n;
		if (*s)
			s++;
	}
}

static void
show_step(const struct lctx *c)
{
	const struct lesson *l = c->s.les;
	int i = c->s.lp->step;
	const struct lesson_step *s = &l->steps[i];

	printf("\n%s-- Lesson %d (%s), step %d of %d: %s%s %s\n", col(C_TITLE), l->number, l->name, i + 1,
	       l->nsteps, s->title, col(C_OFF), c->s.lp->done[i] ? mark_done() : "");
	if (s->text) {
		putchar('\n');
		print_block(s->text, "  ");
	}
	if (s->ntries) {
		printf("\n  Try:\n");
		for (int k = 0; k < s->ntries; k++)
			printf("    %s%s%s\n", col(C_CMD), s->tries[k], col(C_OFF));
	}
	printf("\n  (checked after every command; 'lesson hint' for a hint)\n");
	fflush(stdout);
}

static void
show_intro(const struct lctx *c)
{
	const struct lesson *l = c->s.les;

	printf("%s== Lesson %d: %s%s\n", col(C_TITLE), l->number, l->title, col(C_OFF));
	printf("   Objective: %s\n", l->objective);
	if (l->text) {
		putchar('\n');
		print_block(l->text, "  ");
	}
}

/* The step passed: record it, say so, show the next one. */
static void
step_passed(struct lctx *c)
{
	const struct lesson *l = c->s.les;
	int i = c->s.lp->step;
	bool more = lesson_step_done(&c->s);

	printf("%s%s Step %d of %d done: %s%s\n", col(C_PASS), mark_done(), i + 1, l->nsteps,
	       l->steps[i].title, col(C_OFF));
	if (more) {
		lesson_step_advance(&c->s);
		save(c);
		show_step(c);
		return;
	}
	printf("\n%s%s Lesson %d (%s) complete.%s", col(C_PASS), mark_done(), l->number, l->name, col(C_OFF));
	lesson_step_advance(&c->s);
	save(c);
	printf(" 'lesson list' shows what comes next.\n");
	fflush(stdout);
}

/* ---- subcommands ---- */

static int
need_lesson(struct lctx *c)
{
	int r = load_current(c, false);

	if (r == 0)
		fprintf(stderr, "nsx: lesson: no lesson is started ('lesson list', then 'lesson start 1')\n");
	if (r <= 0)
		return -1;
	lesson_ensure_ref(&c->s);
	lesson_set_env(&c->s);
	return 0;
}

static int
sub_show(struct lctx *c, int argc, char **argv)
{
	struct nsx_err err;
	int r;

	if (need_lesson(c) < 0)
		return 1;
	r = lesson_ensure_mystery(&c->s, &err);
	if (r < 0)
		nsx_err_print("lesson", &err);
	else if (r > 0)
		printf("(a process named 'mystery' is running now: find it)\n");
	lesson_set_env(&c->s);
	save(c);
	show_step(c);
	return 0;
}

static int
sub_list(struct lctx *c, int argc, char **argv)
{
	const struct progress *p = &c->s.prog;
	char **paths;
	int n;
	struct nsx_err err;

	if (lesson_find_all(c->s.dir, &paths, &n, &err) < 0) {
		nsx_err_print("lesson", &err);
		return 1;
	}
	if (!n) {
		fprintf(stderr, "nsx: lesson: no lessons found (install them, or use --lessons DIR or NSX_LESSONS)\n");
		return 1;
	}
	lesson_progress_open(&c->s, &err);
	printf("   # %-14s %-8s %-9s %s\n", "NAME", "NEEDS", "DONE", "TITLE");
	for (int i = 0; i < n; i++) {
		struct lesson l;
		struct lesson_errs errs;

		if (lesson_load(paths[i], &l, &errs, &err) < 0) {
			printf("   - %-14s %-8s %-9s (broken: %s)\n", strrchr(paths[i], '/') + 1, "-", "-",
			       errs.n ? errs.msg[0] : err.msg);
			lesson_errs_free(&errs);
			continue;
		}
		const struct lesson_prog *lp = NULL;
		char done[LESSON_MAXSTEPS * 4 + 1] = "";
		size_t len = 0;

		for (int k = 0; k < p->n; k++)
			if (strcmp(p->l[k].name, l.name) == 0)
				lp = &p->l[k];
		for (int s = 0; s < l.nsteps; s++)
			len += (size_t)snprintf(done + len, sizeof(done) - len, "%s",
						lp && s < lp->nsteps && lp->done[s] ? mark_done() : ".");
		printf(" %s%2d %-14s %-8s %s%*s %s\n", strcmp(p->current, l.name) == 0 ? ">" : " ",
		       l.number, l.name, l.needs_root ? "root" : "rootless", done,
		       l.nsteps < 9 ? 9 - l.nsteps : 0, "", l.title);
		lesson_free(&l);
	}
	lesson_paths_free(paths, n);
	return 0;
}

static int
sub_start(struct lctx *c, int argc, char **argv)
{
	struct lesson_errs errs;
	struct nsx_err err;
	struct lesson l;
	char *path;
	int rc;

	if (lesson_find(c->s.dir, argv[0], &path, &err) < 0) {
		nsx_err_print("lesson", &err);
		return 1;
	}
	if (lesson_load(path, &l, &errs, &err) < 0) {
		nsx_warn("lesson", "%s is broken: %s (%d error%s; 'lesson lint %s' lists them)",
			 path, errs.n ? errs.msg[0] : err.msg, errs.n, errs.n == 1 ? "" : "s", path);
		lesson_errs_free(&errs);
		free(path);
		return 1;
	}
	if (l.needs_root && geteuid() != 0) {
		fprintf(stderr, "nsx: lesson: lesson %d (%s) needs root%s%s%s\n", l.number, l.name,
			l.rootless ? "; as a normal user, take its rootless variant: lesson start " : "",
			l.rootless ? l.rootless : "", l.rootless ? "" : " (run nsx as root)");
		lesson_free(&l);
		free(path);
		return 1;
	}
	if (lesson_progress_open(&c->s, &err) < 0) {
		nsx_err_print("lesson", &err);
		lesson_free(&l);
		free(path);
		return 1;
	}
	rc = lesson_begin(&c->s, l.name, path, &err);
	lesson_free(&l);
	if (rc < 0) {
		nsx_err_print("lesson", &err);
		return 1;
	}
	show_intro(c);
	if (c->s.les->mystery)
		printf("\n  (a process named 'mystery' is running now: find it)\n");
	show_step(c);
	return 0;
}

static int
move(struct lctx *c, int delta)
{
	if (need_lesson(c) < 0)
		return 1;
	if (lesson_step_move(&c->s, delta) < 0) {
		fprintf(stderr, "nsx: lesson: %s (steps 1 to %d)\n",
			delta < 0 ? "this is the first step" : "this is the last step", c->s.les->nsteps);
		return 1;
	}
	save(c);
	show_step(c);
	return 0;
}

static int
sub_next(struct lctx *c, int argc, char **argv)
{
	return move(c, 1);
}

static int
sub_back(struct lctx *c, int argc, char **argv)
{
	return move(c, -1);
}

static int
sub_check(struct lctx *c, int argc, char **argv)
{
	const struct lesson_step *s;
	const struct lesson_prog *lp;
	char why[512];

	if (need_lesson(c) < 0)
		return 1;
	if (lesson_step_check(&c->s, why, sizeof(why))) {
		step_passed(c);
		return 0;
	}
	lesson_step_failed(&c->s);
	save(c);
	lp = c->s.lp;
	s = &c->s.les->steps[lp->step];
	/* why quotes live values: a hostname, an interface, a mount point */
	printf("%s%s Not yet:%s ", col(C_FAIL), mark_fail(), col(C_OFF));
	safe_fputs(why, stdout);
	printf(".\n");
	if (lp->hints[lp->step] < s->nhints)
		printf("  'lesson hint' gives a hint (%d left).\n", s->nhints - lp->hints[lp->step]);
	else
		printf("  'lesson solution' shows the commands that solve this step.\n");
	return 1;
}

static int
sub_hint(struct lctx *c, int argc, char **argv)
{
	const struct lesson_step *s;
	bool more;
	int h;

	if (need_lesson(c) < 0)
		return 1;
	s = &c->s.les->steps[c->s.lp->step];
	h = lesson_hint_take(&c->s, &more);
	if (!more)
		printf("No more hints for this step: 'lesson solution' shows the answer.\n");
	printf("Hint %d of %d:\n", h + 1, s->nhints);
	print_block(s->hints[h], "  ");
	save(c);
	return 0;
}

static int
sub_solution(struct lctx *c, int argc, char **argv)
{
	const struct lesson_step *s;

	if (need_lesson(c) < 0)
		return 1;
	s = &c->s.les->steps[c->s.lp->step];
	printf("A solution for step %d (%s):\n", c->s.lp->step + 1, s->title);
	for (int i = 0; i < s->nsolutions; i++)
		printf("    %s%s%s\n", col(C_CMD), s->solutions[i], col(C_OFF));
	lesson_solution_taken(&c->s);
	save(c);
	return 0;
}

static int
sub_status(struct lctx *c, int argc, char **argv)
{
	const struct lesson *l;
	const struct lesson_prog *lp;
	int ndone = 0, nh = 0;

	if (need_lesson(c) < 0)
		return 1;
	l = c->s.les;
	lp = c->s.lp;
	for (int i = 0; i < l->nsteps; i++) {
		ndone += lp->done[i];
		nh += lp->hints[i];
	}
	printf("lesson %d (%s): %s\n", l->number, l->name, l->title);
	printf("step %d of %d: %s\n", lp->step + 1, l->nsteps, l->steps[lp->step].title);
	printf("done: %d of %d steps; hints shown: %d; failed checks: %d\n", ndone, l->nsteps, nh,
	       lp->fails);
	printf("started at level %d; you are at level %d\n", c->s.ref->depth, c->sh->depth);
	printf("lab: %s\n", getenv("NSX_LAB") ? getenv("NSX_LAB") : "-");
	if (l->mystery)
		printf("mystery process: %s\n", c->s.prog.have_mystery && mystery_alive(&c->s.prog.mystery) ?
		       "running" : "not running ('lesson' starts it)");
	return 0;
}

/* ---- reset: leave the lesson's levels, then clean up at its start ---- */

/* At the start level: undo what the lesson made and begin again. */
static void
reset_here(struct nsx_shell *sh)
{
	struct lctx c;
	struct nsx_err err;
	bool cleaned;
	int r;

	ctx_init(&c, sh, NULL);
	r = lesson_reset(&c.s, run_line, &c, &cleaned, &err);
	/* an `exit` among the cleanup lines does not end the shell */
	if (cleaned)
		sh->quit = false;
	current_err_print(r, &err);
	if (r > 0) {
		printf("Lesson %d (%s) is reset: its levels%s are gone, its lab is empty.\n",
		       c.s.les->number, c.s.les->name,
		       c.s.les->ncleanups && cleaned ? " and what its cleanup lists" : "");
		show_step(&c);
	}
	lesson_session_free(&c.s);
}

static int
sub_reset(struct lctx *c, int argc, char **argv)
{
	struct nsx_shell *sh = c->sh;
	int start;

	if (need_lesson(c) < 0)
		return 1;
	start = c->s.prog.ref.depth;
	if (lesson_ref_ours(&c->s) && sh->depth > start && sh->unwind) {
		/* every level below the start exits after this command; the
		 * start level then finishes the reset (lesson_after_line) */
		*sh->unwind = start + 1;
		sh->quit = true;
		sh->exit_status = 0;
		printf("Leaving %d level%s to where the lesson started ...\n", sh->depth - start,
		       sh->depth - start == 1 ? "" : "s");
		return 0;
	}
	lesson_session_free(&c->s);
	reset_here(sh);
	return 0;
}

/* ---- report ---- */

/* A field of another user's progress file, encoded (util/safe.h) then
 * quoted as CSV wants. */
static void
csv_field(const char *raw, bool last)
{
	char *s = safe_encode(raw, 0), *f = s;

	if (strpbrk(s, ",\"")) {
		putchar('"');
		for (; *s; s++) {
			if (*s == '"')
				putchar('"');
			putchar(*s);
		}
		putchar('"');
	} else
		fputs(s, stdout);
	putchar(last ? '\n' : ',');
	free(f);
}

static const char *const report_cols[] = { "USER", "LESSON", "DONE", "STEPS", "HINTS", "FAILS",
					   "COMPLETE", "UPDATED" };
#define REPORT_NCOLS ((int)(sizeof(report_cols) / sizeof(report_cols[0])))

static struct libscols_table *
report_table(int mode)
{
	struct libscols_table *tab = scols_new_table();

	if (!tab)
		return NULL;
	scols_table_enable_json(tab, mode == 'j');
	scols_table_set_name(tab, "progress");
	for (int i = 0; i < REPORT_NCOLS; i++) {
		struct libscols_column *cl = scols_table_new_column(tab, report_cols[i], 0,
								    i >= 2 && i <= 5 ? SCOLS_FL_RIGHT : 0);

		if (cl && i >= 2 && i <= 5)
			scols_column_set_json_type(cl, SCOLS_JSON_NUMBER);
		if (cl && i == 6)
			scols_column_set_json_type(cl, SCOLS_JSON_BOOLEAN);
	}
	return tab;
}

/* One row into tab, or as CSV when tab is NULL. */
static void
report_row(struct libscols_table *tab, int mode, const struct lesson_report_row *r)
{
	char v[6][32];
	struct tm tm;
	time_t t = r->updated;

	snprintf(v[0], 32, "%d", r->done);
	snprintf(v[1], 32, "%d", r->steps);
	snprintf(v[2], 32, "%d", r->hints);
	snprintf(v[3], 32, "%d", r->fails);
	/* libsmartcols prints "0" as JSON false */
	snprintf(v[4], 32, "%s", r->complete ? (mode == 'j' ? "1" : "true") : (mode == 'j' ? "0" : "false"));
	strftime(v[5], 32, "%Y-%m-%dT%H:%M:%S", localtime_r(&t, &tm));
	const char *row[] = { r->user, r->lesson, v[0], v[1], v[2], v[3], v[4], v[5] };

	if (!tab) {
		for (int k = 0; k < REPORT_NCOLS; k++)
			csv_field(row[k], k == REPORT_NCOLS - 1);
		return;
	}
	struct libscols_line *ln = scols_table_new_line(tab, NULL);

	for (int k = 0; ln && k < REPORT_NCOLS; k++)
		out_cell(tab, ln, (size_t)k, row[k]);
}

static int
sub_report(struct lctx *c, int nfiles, char **files)
{
	struct libscols_table *tab = NULL;
	char own[PATH_MAX], *ownv[1] = { own };
	int rc = 0;
	struct nsx_err err;

	if (!nfiles) {
		if (lesson_report_own(own, sizeof(own), &err) < 0) {
			nsx_err_print("lesson", &err);
			return 1;
		}
		files = ownv;
		nfiles = 1;
	}
	if (c->mode == 'c') {
		for (int i = 0; i < REPORT_NCOLS; i++)
			csv_field(report_cols[i], i == REPORT_NCOLS - 1);
	} else if (!(tab = report_table(c->mode)))
		return cmd_fail(&cmd_lesson, "cannot create the output table");
	for (int f = 0; f < nfiles; f++) {
		struct lesson_report_row *rows;
		int n;

		if (lesson_report_read(files[f], &rows, &n, &err) < 0) {
			if (!(err.errnum == ENOENT && files[f] == own))
				nsx_err_print("lesson report", &err), rc = 1;
			continue;
		}
		for (int i = 0; i < n; i++)
			report_row(tab, c->mode, &rows[i]);
		free(rows);
	}
	if (tab) {
		out_print(tab);
		scols_unref_table(tab);
	}
	return rc;
}

/* ---- lint ---- */

static int
sub_lint(struct lctx *c, int n, char **files)
{
	int bad = 0;

	if (!n) {
		fprintf(stderr, "nsx: lesson: lint needs lesson files (lesson lint lessons/*.lesson)\n");
		return 1;
	}
	for (int i = 0; i < n; i++) {
		struct lesson_errs errs;
		struct nsx_err err;
		struct lesson l;

		if (lesson_load(files[i], &l, &errs, &err) < 0) {
			/* they quote the file: an instructor lints students' */
			for (int k = 0; k < errs.n; k++) {
				safe_fputs(errs.msg[k], stderr);
				fputc('\n', stderr);
			}
			if (!errs.n) {
				safe_fputs(err.msg, stderr);
				fputc('\n', stderr);
			}
			lesson_errs_free(&errs);
			bad = 1;
			continue;
		}
		printf("%s: ok, %d step%s\n", files[i], l.nsteps, l.nsteps == 1 ? "" : "s");
		lesson_free(&l);
	}
	return bad;
}

/* ---- verify ---- */

static void
print_log_tail(int log)
{
	char buf[8192], *p = lesson_verify_log_tail(log, buf, sizeof(buf));

	if (!p)
		return;
	printf("        | what the session printed (last lines):\n");
	for (char *s = strtok(p, "\n"); s; s = strtok(NULL, "\n")) {
		fputs("        | ", stdout);
		safe_fputs(s, stdout);
		putchar('\n');
	}
}

/* What verifying l found (in the child that verified it). */
static void
verify_report(const struct lesson *l, const struct lesson_verify_res *r)
{
	char label[96];
	bool bad = false;

	snprintf(label, sizeof(label), "%02d-%s", l->number, l->name);
	if (r->setup_failed) {
		printf("FAILED  %s: %s\n", label, r->err.msg);
		return;
	}
	for (int k = 0; k < l->nsteps; k++) {
		const struct lesson_verify_check *before = &r->check[k][0], *after = &r->check[k][1];

		if (before->seen && before->held)
			printf("FAILED  %s step %d (%s): the check already holds before its solution "
			       "(it must fail then, or the step teaches nothing)\n", label, k + 1,
			       l->steps[k].title);
		if (after->seen && !after->held)
			printf("FAILED  %s step %d (%s): the check fails after its solution: %s\n", label,
			       k + 1, l->steps[k].title, after->why);
		bad = bad || (before->seen && before->held) || (after->seen && !after->held);
	}
	for (int k = 0; k < l->nsteps && !bad; k++)
		if (!r->check[k][0].seen || !r->check[k][1].seen) {
			printf("FAILED  %s step %d (%s): no result: the session ended early%s\n", label, k + 1,
			       l->steps[k].title, r->timed_out ? " (timed out)" : "");
			bad = true;
		}
	if (bad)
		print_log_tail(r->log);
	else
		printf("ok      %s: %d step%s, each check fails before its solution and holds after it\n",
		       label, l->nsteps, l->nsteps == 1 ? "" : "s");
}

/* The lesson at path, when it can be verified here: 1 (l loaded), 0 when
 * it is skipped, -1 when it failed (said). */
static int
verify_load(const char *path, struct lesson *l)
{
	struct lesson_errs errs;
	struct nsx_err err;

	if (lesson_trust(path, &err) < 0) {
		fputs("FAILED  ", stdout);
		safe_fputs(err.msg, stdout);
		putchar('\n');
		return -1;
	}
	if (lesson_load(path, l, &errs, &err) < 0) {
		printf("FAILED  %s: ", path);
		safe_fputs(errs.n ? errs.msg[0] : err.msg, stdout);
		putchar('\n');
		lesson_errs_free(&errs);
		return -1;
	}
	if (l->needs_root && geteuid() != 0) {
		printf("skipped %02d-%s: needs root\n", l->number, l->name);
		lesson_free(l);
		return 0;
	}
	return 1;
}

static int
sub_verify(struct lctx *c, int argc, char **argv)
{
	char **paths;
	int n, failed = 0, ran = 0;
	struct nsx_err err;

	if (argc) {
		char *path;

		if (lesson_find(c->s.dir, argv[0], &path, &err) < 0) {
			nsx_err_print("lesson", &err);
			return 1;
		}
		paths = xcalloc(2, sizeof(char *));
		paths[0] = path;
		n = 1;
	} else if (lesson_find_all(c->s.dir, &paths, &n, &err) < 0) {
		nsx_err_print("lesson", &err);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		struct lesson l;
		int r = verify_load(paths[i], &l);

		if (r <= 0) {
			failed += r < 0;
			continue;
		}
		r = lesson_verify(&l, verify_report, &err);
		if (r < 0)
			printf("FAILED  %02d-%s: %s\n", l.number, l.name, err.msg);
		failed += r != 0;
		ran += r >= 0;
		lesson_free(&l);
	}
	lesson_paths_free(paths, n);
	printf("%d lesson%s verified, %d failed\n", ran, ran == 1 ? "" : "s", failed);
	return failed ? 1 : 0;
}

/* The hidden subcommands the scratch nsx of `lesson verify` runs. */
static int
sub_verify_begin(struct lctx *c, int argc, char **argv)
{
	struct nsx_err err;

	if (lesson_verify_begin(&c->s, argv[0], &err) < 0) {
		nsx_err_print("lesson", &err);
		return 1;
	}
	return 0;
}

static int
sub_verify_expect(struct lctx *c, int argc, char **argv)
{
	if (lesson_verify_fd() < 0 || need_lesson(c) < 0)
		return 1;
	return lesson_verify_expect(&c->s, argv[0], argv[1]) < 0;
}

static int
sub_verify_cleanup(struct lctx *c, int argc, char **argv)
{
	if (lesson_verify_cleanup(&c->s, run_line, c))
		c->sh->quit = false;
	return 0;
}

/* ---- the command ---- */

/* The subcommands: what runs them, what `help lesson` says of them (no
 * usage: not listed) and what completion offers (all but _hidden ones). */
static const struct lesson_sub {
	const char *name;
	int min, max;		/* operands; max < 0: any number */
	int (*run)(struct lctx *c, int argc, char **argv);
	const char *usage;	/* the left column of its help line, or NULL */
	const char *summary;	/* the right one; a '\n' goes on below it */
} subs[] = {
	{ "show", 0, 0, sub_show, "lesson", "show the current step again" },
	{ "list", 0, 0, sub_list, "lesson list", "every lesson, with a mark per step done" },
	{ "start", 1, 1, sub_start, "lesson start N|NAME", "begin a lesson (at step 1; done marks stay)" },
	{ "next", 0, 0, sub_next, "lesson next, back", "move to the next or the previous step" },
	{ "back", 0, 0, sub_back, NULL, NULL },
	{ "check", 0, 0, sub_check, "lesson check", "check the current step now, and say why not" },
	{ "hint", 0, 0, sub_hint, "lesson hint", "the next hint (more detail each time)" },
	{ "solution", 0, 0, sub_solution, "lesson solution", "the commands that solve the current step" },
	{ "reset", 0, 0, sub_reset, "lesson reset",
	  "leave the lesson's levels, run its cleanup, empty\nits lab directory, and begin again" },
	{ "status", 0, 0, sub_status, "lesson status", "where you are in the lesson" },
	{ "report", 0, -1, sub_report, "lesson report [--json|--csv] [FILE...]",
	  "progress as a table (own, or the progress files\n"
	  "of students: /home/*/.local/state/nsx/progress)" },
	{ "lint", 0, -1, sub_lint, "lesson lint FILE...", "check lesson files, every error with its line" },
	{ "verify", 0, 1, sub_verify, "lesson verify [N|NAME]",
	  "run every step of every lesson in a scratch\n"
	  "environment: each check must fail before its\n"
	  "solution and hold after it" },
	{ "_verify-begin", 1, 1, sub_verify_begin, NULL, NULL },
	{ "_verify-expect", 2, 2, sub_verify_expect, NULL, NULL },
	{ "_verify-cleanup", 0, -1, sub_verify_cleanup, NULL, NULL },
};
#define NSUBS (sizeof(subs) / sizeof(subs[0]))

enum { OPT_LESSONS = 256, OPT_JSON, OPT_CSV };

static const struct nsx_opt lesson_opts[] = {
	{ "lessons", OPT_LESSONS, ARG_REQUIRED, "DIR", COMP_FILE, "look for lessons in DIR first" },
	{ "json", OPT_JSON, ARG_NONE, NULL, COMP_NONE, "report: JSON" },
	{ "csv", OPT_CSV, ARG_NONE, NULL, COMP_NONE, "report: CSV" },
	{ NULL, 0, 0, NULL, 0, NULL },
};

/* Run sub with its operands: 0/1, or 1 after one line when they are not
 * what it takes (a _hidden one: an unknown subcommand). */
static int
sub_run(const struct lesson_sub *sub, struct lctx *c, int argc, char **argv)
{
	if (sub->max >= 0 && (argc < sub->min || argc > sub->max)) {
		if (sub->name[0] == '_')
			return cmd_fail(&cmd_lesson, "unknown subcommand '%s' (see 'help lesson')", sub->name);
		fprintf(stderr, "nsx: lesson: %s takes %s\n", sub->name,
			sub->max == 0 ? "no arguments" :
			sub->min == 1 && sub->max == 1 ? "one argument (a number or a name)" :
			"at most one argument");
		return 1;
	}
	return sub->run(c, argc, argv);
}

static const struct lesson_sub *
sub_find(const char *name)
{
	for (size_t i = 0; i < NSUBS; i++)
		if (strcmp(subs[i].name, name) == 0)
			return &subs[i];
	return NULL;
}

static int
lesson_run(struct nsx_shell *sh, int argc, char **argv)
{
	struct cmd_getopt g = { .in_order = false };
	const struct lesson_sub *sub;
	const char *name, *dir = NULL;
	struct lctx c;
	int opt, mode = 't', rc, have;

	while ((opt = cmd_getopt(&cmd_lesson, argc, argv, &g)) != -1) {
		switch (opt) {
		case OPT_LESSONS:
			dir = g.optarg;
			break;
		case OPT_JSON:
			mode = 'j';
			break;
		case OPT_CSV:
			mode = 'c';
			break;
		case 'h':
			cmd_print_help(&cmd_lesson, stdout);
			return 0;
		default:
			return 1;
		}
	}
	have = g.optind < argc;
	name = have ? argv[g.optind] : "show";
	if (mode != 't' && strcmp(name, "report") != 0) {
		fprintf(stderr, "nsx: lesson: --json and --csv are for 'lesson report'\n");
		return 1;
	}
	ctx_init(&c, sh, dir);
	c.mode = mode;
	if ((sub = sub_find(name)))
		rc = sub_run(sub, &c, argc - g.optind - have, argv + g.optind + have);
	else
		rc = cmd_fail(&cmd_lesson, "unknown subcommand '%s' (see 'help lesson')", name);
	lesson_session_free(&c.s);
	fflush(stdout);
	return rc;
}

/* ---- the shell's hooks ---- */

/* A step whose `sh` check cannot run at this level (lesson_no_programs)
 * cannot pass here: say so, once per level, not after every line. */
static void
note_no_programs(const struct lctx *c, const struct lesson_step *s)
{
	static pid_t noted;
	struct lesson_env e = lesson_env_of(&c->s);
	char why[300];

	if (noted == getpid() || !lesson_no_programs(&e, why, sizeof(why)) || !lesson_step_runs_sh(s))
		return;
	printf("\n  %sThis step's check is %s.%s\n", col(C_NOTE), why, col(C_OFF));
	noted = getpid();
}

/* After every line the student typed: finish a `lesson reset` that is
 * leaving levels, explain a planned failure, re-check the current step
 * and move on when it holds. */
static void
lesson_after_line(struct nsx_shell *sh, const char *line, int status)
{
	const struct lesson_explain *x;
	const struct lesson_step *s;
	struct lctx c;
	char why[512];

	if (sh->unwind && *sh->unwind) {
		if (sh->depth > *sh->unwind - 1) {
			sh->quit = true;
			sh->exit_status = 0;
			return;
		}
		*sh->unwind = 0;
		reset_here(sh);
		return;
	}
	if (lesson_verify_fd() >= 0 || lesson_line_runs(line, "lesson") || sh->quit)
		return;
	ctx_init(&c, sh, NULL);
	if (load_current(&c, true) <= 0)
		goto out;
	lesson_ensure_ref(&c.s);
	lesson_set_env(&c.s);
	s = &c.s.les->steps[c.s.lp->step];
	/* a planned failure: explain what the kernel just refused */
	if (status != 0 && (x = lesson_explain_find(s, line))) {
		printf("\n  %sExpected: '%s' failed here, and that is this step's lesson:%s\n",
		       col(C_NOTE), x->word, col(C_OFF));
		print_block(x->text, "  ");
		putchar('\n');
	}
	if (lesson_step_check(&c.s, why, sizeof(why)))
		step_passed(&c);
	else
		note_no_programs(&c, s);
out:
	lesson_session_free(&c.s);
	fflush(stdout);
}

/* At the shell's start: the lesson's variables, and a line saying where
 * the lesson in progress continues. */
static void
lesson_shell_start(struct nsx_shell *sh)
{
	struct lctx c;

	ctx_init(&c, sh, NULL);
	if (lesson_verify_fd() >= 0 || load_current(&c, true) <= 0) {
		lesson_session_free(&c.s);
		return;
	}
	lesson_ensure_ref(&c.s);
	lesson_set_env(&c.s);
	save(&c);
	if (sh->interactive)
		printf("Lesson %d (%s) continues at step %d of %d: %s ('lesson' shows it)\n",
		       c.s.les->number, c.s.les->name, c.s.lp->step + 1, c.s.les->nsteps,
		       c.s.les->steps[c.s.lp->step].title);
	lesson_session_free(&c.s);
}

/* Completion: the subcommands of the table (not the _hidden ones), and
 * the names of the lessons there are. */
static void
lesson_complete(void (*add)(const char *word))
{
	struct nsx_err err;
	char **paths, name[64];
	int n, number;

	for (size_t i = 0; i < NSUBS; i++)
		if (subs[i].name[0] != '_')
			add(subs[i].name);
	if (lesson_find_all(NULL, &paths, &n, &err) < 0)
		return;
	for (int i = 0; i < n; i++)
		if (lesson_file_name(strrchr(paths[i], '/') + 1, &number, name, sizeof(name)) == 0)
			add(name);
	lesson_paths_free(paths, n);
}

/* `help lesson` after its options: the checks there are, then what a
 * lesson is, a line per subcommand of the table, where lessons are. */
static void
lesson_help_more(FILE *out)
{
	fputs("\nChecks a lesson can use (lessons/README.md explains the format):\n", out);
	for (int i = 0; lesson_pred(i); i++) {
		const struct lesson_pred_info *p = lesson_pred(i);
		char head[64];

		snprintf(head, sizeof(head), "%s %s", p->name, p->args);
		fprintf(out, "  %-32s %s\n", head, p->help);
	}
	fputs("\n"
	      "A lesson is a list of steps. Each step explains a piece of the kernel,\n"
	      "shows commands to try, and has a check that reads the real state of the\n"
	      "level you are in (its namespaces, hostname, mounts, maps, interfaces,\n"
	      "cgroup). The shell re-checks the step after every command you type and\n"
	      "moves on when it holds. Progress is kept per user ($XDG_STATE_HOME/nsx,\n"
	      "~/.local/state/nsx) and survives restarts.\n"
	      "\n", out);
	for (size_t i = 0; i < NSUBS; i++) {
		const char *u = subs[i].usage, *s = subs[i].summary;
		size_t n = s ? strcspn(s, "\n") : 0;

		if (!u)
			continue;
		if (strlen(u) <= 20)
			fprintf(out, "  %-20s %.*s\n", u, (int)n, s);
		else
			fprintf(out, "  %s\n%23s%.*s\n", u, "", (int)n, s);
		for (s += n; *s; s += n) {
			n = strcspn(++s, "\n");
			fprintf(out, "%23s%.*s\n", "", (int)n, s);
		}
	}
	fputs("\n"
	      "Lessons are found in --lessons DIR, $NSX_LESSONS, lessons/ beside nsx,\n"
	      "and PREFIX/share/nsx/lessons. While a lesson runs, $NSX_LAB is its\n"
	      "scratch directory.\n"
	      "\n"
	      "Examples:\n"
	      "  lesson list\n"
	      "  lesson start 2\n"
	      "  lesson hint\n"
	      "  nsx lesson report --csv /home/*/.local/state/nsx/progress\n", out);
}

const struct nsx_cmd cmd_lesson = {
	.name = "lesson",
	.summary = "guided lessons, each step checked against the live kernel state",
	.usage = "lesson [options] [SUBCOMMAND [ARG...]]",
	/* .help: lesson_help_more prints it, its subcommands from the table */
	.help_more = lesson_help_more,
	.opts = lesson_opts,
	.args = COMP_LESSON,
	.run = lesson_run,
	.complete = lesson_complete,
	.shell_start = lesson_shell_start,
	.after_line = lesson_after_line,
};
