/* lesson's subcommands for a student (lesson_int.h): the current step
 * shown, the lessons listed, a lesson begun, moved through, checked, hinted,
 * solved, reset. */
#define _GNU_SOURCE
#include "cmd/lesson_int.h"

#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lesson/lesson.h"
#include "util/safe.h"

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

/* The palette (lesson_int.h). */
const char *
lcmd_col(int what)
{
	static const char *const seq[] = { "\033[1m", "\033[36m", "\033[1;32m", "\033[1;31m",
					   "\033[33m", "\033[0m" };
	static int on = -1;

	if (on < 0)
		on = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	return on ? seq[what] : "";
}

/* ---- showing ---- */

void
lcmd_print_block(const char *text, const char *indent)
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

	printf("\n%s-- Lesson %d (%s), step %d of %d: %s%s %s\n", lcmd_col(C_TITLE), l->number, l->name, i + 1,
	       l->nsteps, s->title, lcmd_col(C_OFF), c->s.lp->done[i] ? mark_done() : "");
	if (s->text) {
		putchar('\n');
		lcmd_print_block(s->text, "  ");
	}
	if (s->ntries) {
		printf("\n  Try:\n");
		for (int k = 0; k < s->ntries; k++)
			printf("    %s%s%s\n", lcmd_col(C_CMD), s->tries[k], lcmd_col(C_OFF));
	}
	printf("\n  (checked after every command; 'lesson hint' for a hint)\n");
	fflush(stdout);
}

static void
show_intro(const struct lctx *c)
{
	const struct lesson *l = c->s.les;

	printf("%s== Lesson %d: %s%s\n", lcmd_col(C_TITLE), l->number, l->title, lcmd_col(C_OFF));
	printf("   Objective: %s\n", l->objective);
	if (l->text) {
		putchar('\n');
		lcmd_print_block(l->text, "  ");
	}
}

/* The step passed: record it, say so, show the next one. */
void
lcmd_step_passed(struct lctx *c)
{
	const struct lesson *l = c->s.les;
	int i = c->s.lp->step;
	bool more = lesson_step_done(&c->s);

	printf("%s%s Step %d of %d done: %s%s\n", lcmd_col(C_PASS), mark_done(), i + 1, l->nsteps,
	       l->steps[i].title, lcmd_col(C_OFF));
	if (more) {
		lesson_step_advance(&c->s);
		lcmd_save(c);
		show_step(c);
		return;
	}
	printf("\n%s%s Lesson %d (%s) complete.%s", lcmd_col(C_PASS), mark_done(), l->number, l->name, lcmd_col(C_OFF));
	lesson_step_advance(&c->s);
	lcmd_save(c);
	printf(" 'lesson list' shows what comes next.\n");
	fflush(stdout);
}

/* ---- subcommands ---- */

int
lcmd_show(struct lctx *c, int argc, char **argv)
{
	struct nsx_err err;
	int r;

	if (lcmd_need(c) < 0)
		return 1;
	r = lesson_ensure_mystery(&c->s, &err);
	if (r < 0)
		nsx_err_print("lesson", &err);
	else if (r > 0)
		printf("(a process named 'mystery' is running now: find it)\n");
	lesson_set_env(&c->s);
	lcmd_save(c);
	show_step(c);
	return 0;
}

int
lcmd_list(struct lctx *c, int argc, char **argv)
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

int
lcmd_start(struct lctx *c, int argc, char **argv)
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
	if (lcmd_need(c) < 0)
		return 1;
	if (lesson_step_move(&c->s, delta) < 0) {
		fprintf(stderr, "nsx: lesson: %s (steps 1 to %d)\n",
			delta < 0 ? "this is the first step" : "this is the last step", c->s.les->nsteps);
		return 1;
	}
	lcmd_save(c);
	show_step(c);
	return 0;
}

int
lcmd_next(struct lctx *c, int argc, char **argv)
{
	return move(c, 1);
}

int
lcmd_back(struct lctx *c, int argc, char **argv)
{
	return move(c, -1);
}

int
lcmd_check(struct lctx *c, int argc, char **argv)
{
	const struct lesson_step *s;
	const struct lesson_prog *lp;
	char why[512];

	if (lcmd_need(c) < 0)
		return 1;
	if (lesson_step_check(&c->s, why, sizeof(why))) {
		lcmd_step_passed(c);
		return 0;
	}
	lesson_step_failed(&c->s);
	lcmd_save(c);
	lp = c->s.lp;
	s = &c->s.les->steps[lp->step];
	/* why quotes live values: a hostname, an interface, a mount point */
	printf("%s%s Not yet:%s ", lcmd_col(C_FAIL), mark_fail(), lcmd_col(C_OFF));
	safe_fputs(why, stdout);
	printf(".\n");
	if (lp->hints[lp->step] < s->nhints)
		printf("  'lesson hint' gives a hint (%d left).\n", s->nhints - lp->hints[lp->step]);
	else
		printf("  'lesson solution' shows the commands that solve this step.\n");
	return 1;
}

int
lcmd_hint(struct lctx *c, int argc, char **argv)
{
	const struct lesson_step *s;
	bool more;
	int h;

	if (lcmd_need(c) < 0)
		return 1;
	s = &c->s.les->steps[c->s.lp->step];
	h = lesson_hint_take(&c->s, &more);
	if (!more)
		printf("No more hints for this step: 'lesson solution' shows the answer.\n");
	printf("Hint %d of %d:\n", h + 1, s->nhints);
	lcmd_print_block(s->hints[h], "  ");
	lcmd_save(c);
	return 0;
}

int
lcmd_solution(struct lctx *c, int argc, char **argv)
{
	const struct lesson_step *s;

	if (lcmd_need(c) < 0)
		return 1;
	s = &c->s.les->steps[c->s.lp->step];
	printf("A solution for step %d (%s):\n", c->s.lp->step + 1, s->title);
	for (int i = 0; i < s->nsolutions; i++)
		printf("    %s%s%s\n", lcmd_col(C_CMD), s->solutions[i], lcmd_col(C_OFF));
	lesson_solution_taken(&c->s);
	lcmd_save(c);
	return 0;
}

int
lcmd_status(struct lctx *c, int argc, char **argv)
{
	const struct lesson *l;
	const struct lesson_prog *lp;
	int ndone = 0, nh = 0;

	if (lcmd_need(c) < 0)
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
void
lcmd_reset_here(struct nsx_shell *sh)
{
	struct lctx c;
	struct nsx_err err;
	bool cleaned;
	int r;

	lcmd_init(&c, sh, NULL);
	r = lesson_reset(&c.s, lcmd_run_line, &c, &cleaned, &err);
	/* an `exit` among the cleanup lines does not end the shell */
	if (cleaned)
		sh->quit = false;
	lcmd_current_err(r, &err);
	if (r > 0) {
		printf("Lesson %d (%s) is reset: its levels%s are gone, its lab is empty.\n",
		       c.s.les->number, c.s.les->name,
		       c.s.les->ncleanups && cleaned ? " and what its cleanup lists" : "");
		show_step(&c);
	}
	lesson_session_free(&c.s);
}

int
lcmd_reset(struct lctx *c, int argc, char **argv)
{
	struct nsx_shell *sh = c->sh;
	int start;

	if (lcmd_need(c) < 0)
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
	lcmd_reset_here(sh);
	return 0;
}

