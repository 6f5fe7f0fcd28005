/* lesson: guided lessons whose steps are checked against the live kernel
 * state of the level the student is in. The front end of the lesson
 * engine (src/lesson): one table of subcommands, which also gives `help
 * lesson` its list and the shell its completion, and the shell's hooks:
 * after every line the student types, the current step is re-checked and
 * the lesson moves on when it holds. The subcommands are in lesson_step.c
 * (a student's) and lesson_teach.c (report, lint, verify). */
#define _GNU_SOURCE
#include "cmd/lesson_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lesson/lesson.h"
#include "lesson/verify.h"

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

void
lcmd_init(struct lctx *c, struct nsx_shell *sh, const char *dir)
{
	struct lesson_level lv = level_of(sh);

	c->sh = sh;
	c->mode = 't';
	lesson_session_init(&c->s, &lv, dir, warn_print);
}

/* A cleanup line, run by the shell; the level it leaves the shell in is
 * the one the session goes on in. */
int
lcmd_run_line(void *arg, const char *line)
{
	struct lctx *c = arg;
	int status = c->sh->run_line(c->sh, line);

	c->s.lv = level_of(c->sh);
	return status;
}

void
lcmd_current_err(int r, const struct nsx_err *err)
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
		lcmd_current_err(r, &err);
	return r < 0 ? -1 : r;
}

int
lcmd_save(struct lctx *c)
{
	struct nsx_err err;

	if (lesson_save(&c->s, &err) < 0) {
		nsx_err_print("lesson", &err);
		return -1;
	}
	return 0;
}

int
lcmd_need(struct lctx *c)
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
	{ "show", 0, 0, lcmd_show, "lesson", "show the current step again" },
	{ "list", 0, 0, lcmd_list, "lesson list", "every lesson, with a mark per step done" },
	{ "start", 1, 1, lcmd_start, "lesson start N|NAME", "begin a lesson (at step 1; done marks stay)" },
	{ "next", 0, 0, lcmd_next, "lesson next, back", "move to the next or the previous step" },
	{ "back", 0, 0, lcmd_back, NULL, NULL },
	{ "check", 0, 0, lcmd_check, "lesson check", "check the current step now, and say why not" },
	{ "hint", 0, 0, lcmd_hint, "lesson hint", "the next hint (more detail each time)" },
	{ "solution", 0, 0, lcmd_solution, "lesson solution", "the commands that solve the current step" },
	{ "reset", 0, 0, lcmd_reset, "lesson reset",
	  "leave the lesson's levels, run its cleanup, empty\nits lab directory, and begin again" },
	{ "status", 0, 0, lcmd_status, "lesson status", "where you are in the lesson" },
	{ "report", 0, -1, lcmd_report, "lesson report [--json|--csv] [FILE...]",
	  "progress as a table (own, or the progress files\n"
	  "of students: /home/*/.local/state/nsx/progress)" },
	{ "lint", 0, -1, lcmd_lint, "lesson lint FILE...", "check lesson files, every error with its line" },
	{ "verify", 0, 1, lcmd_verify, "lesson verify [N|NAME]",
	  "run every step of every lesson in a scratch\n"
	  "environment: each check must fail before its\n"
	  "solution and hold after it" },
	{ "_verify-begin", 1, 1, lcmd_verify_begin, NULL, NULL },
	{ "_verify-expect", 2, 2, lcmd_verify_expect, NULL, NULL },
	{ "_verify-cleanup", 0, -1, lcmd_verify_cleanup, NULL, NULL },
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
	lcmd_init(&c, sh, dir);
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
	printf("\n  %sThis step's check is %s.%s\n", lcmd_col(C_NOTE), why, lcmd_col(C_OFF));
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
		lcmd_reset_here(sh);
		return;
	}
	if (lesson_verify_fd() >= 0 || lesson_line_runs(line, "lesson") || sh->quit)
		return;
	lcmd_init(&c, sh, NULL);
	if (load_current(&c, true) <= 0)
		goto out;
	lesson_ensure_ref(&c.s);
	lesson_set_env(&c.s);
	s = &c.s.les->steps[c.s.lp->step];
	/* a planned failure: explain what the kernel just refused */
	if (status != 0 && (x = lesson_explain_find(s, line))) {
		printf("\n  %sExpected: '%s' failed here, and that is this step's lesson:%s\n",
		       lcmd_col(C_NOTE), x->word, lcmd_col(C_OFF));
		lcmd_print_block(x->text, "  ");
		putchar('\n');
	}
	if (lesson_step_check(&c.s, why, sizeof(why)))
		lcmd_step_passed(&c);
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

	lcmd_init(&c, sh, NULL);
	if (lesson_verify_fd() >= 0 || load_current(&c, true) <= 0) {
		lesson_session_free(&c.s);
		return;
	}
	lesson_ensure_ref(&c.s);
	lesson_set_env(&c.s);
	lcmd_save(&c);
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
