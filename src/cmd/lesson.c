/* lesson: guided lessons whose steps are checked against the live kernel
 * state of the level the student is in (src/lesson). After every command
 * the student types, the shell re-checks the current step (its hook
 * lesson_after_line, in the command's table entry) and moves on when it
 * holds. */
#define _GNU_SOURCE
#include "cmd/cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <libsmartcols.h>
#include <limits.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lesson/lesson.h"
#include "model/model.h"
#include "util/safe.h"
#include "util/trust.h"
#include "util/xalloc.h"

extern const struct nsx_cmd cmd_lesson;

/* Everything one lesson command works on. */
struct lctx {
	struct nsx_shell *sh;
	const char *dir;	/* --lessons */
	struct progress prog;
	const struct lesson *les;	/* the cache's */
	/* what checks compare with: &prog.ref when this session owns the
	 * lesson's start, else tmpref (another live nsx session owns it, or
	 * this is a one-shot `nsx lesson ...`): captured here, never saved */
	struct lesson_ref *ref, tmpref;
	struct lesson_prog *lp;	/* the current lesson's record */
};

/* The start's mountinfo, opened where the lesson started and inherited by
 * the levels below it: their own mounts are compared with it. */
static int ref_mountinfo = -1;

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

static long
session_id(const struct nsx_shell *sh)
{
	return (long)sh->levels[0].pid_start;
}

/* The session is nsx's first level: its PID and start time, against reuse. */
static unsigned long long
session_start(const struct nsx_shell *sh)
{
	return sh->session_start;
}

/* Is the session that owns the lesson's start still running? Start times
 * read in a time namespace are moved by its boottime offset: undo it. */
static bool
session_alive(const struct nsx_shell *sh, const struct lesson_ref *r)
{
	unsigned long long t = proc_starttime(sh->start_procfd, (pid_t)r->session, NULL);
	long long sec = 0, nsec = 0, off = 0;
	char clock[32];
	FILE *f;

	if (!t)
		return false;
	if ((f = fopen("/proc/self/timens_offsets", "re"))) {
		while (fscanf(f, "%31s %lld %lld", clock, &sec, &nsec) == 3)
			if (strcmp(clock, "boottime") == 0)
				off = sec * sysconf(_SC_CLK_TCK) + nsec / (1000000000LL / sysconf(_SC_CLK_TCK));
		fclose(f);
	}
	return t - (unsigned long long)off == r->session_start || t == r->session_start;
}

static bool
ref_is_ours(const struct lctx *c)
{
	return c->prog.have_ref && c->prog.ref.session == session_id(c->sh) &&
	       c->prog.ref.session_start == session_start(c->sh);
}

/* ---- loading ---- */

/* As root, a level in namespaces entered from outside (trust_foreign):
 * why, or NULL. Paths there name what their maker mounted: no lesson is
 * loaded, no lab made, no mystery started there; only the lesson loaded
 * before is checked. */
static const char *
entered_here(void)
{
	return trust_root() ? trust_foreign() : NULL;
}

/* The current lesson, parsed once and kept: a level after pivot_root can
 * no longer open the file, and levels are forks that inherit this. */
static struct lesson cache;
static struct timespec cache_mtime;

static const struct lesson *
cache_load(const char *path, struct nsx_err *err)
{
	struct stat st;
	bool have = cache.path && strcmp(cache.path, path) == 0;

	/* the path here is another's: the lesson loaded before, or none */
	if (have && entered_here())
		return &cache;
	if (stat(path, &st) < 0) {
		if (have)
			return &cache;
		nsx_error(err, errno, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (have && st.st_mtim.tv_sec == cache_mtime.tv_sec && st.st_mtim.tv_nsec == cache_mtime.tv_nsec)
		return &cache;
	/* also a path from the progress file: as root, root's alone */
	if (lesson_trust(path, err) < 0)
		return NULL;
	if (cache.path)
		lesson_free(&cache);
	if (lesson_load(path, &cache, NULL, err) < 0)
		return NULL;
	cache_mtime = st.st_mtim;
	return &cache;
}

static void
ctx_free(struct lctx *c)
{
	progress_free(&c->prog);
	c->les = NULL;
	c->lp = NULL;
}

static int
load_progress(struct lctx *c, bool quiet)
{
	struct nsx_err err;
	bool corrupt;

	if (progress_load(&c->prog, &corrupt, &err) < 0) {
		if (!quiet)
			nsx_err_print("lesson", &err);
		return -1;
	}
	if (corrupt)
		nsx_err_print("lesson", &err);
	return 0;
}

/* The lesson in progress, when there is one: 1, 0 for none, -1 on error. */
static int
load_current(struct lctx *c, bool quiet)
{
	struct nsx_err err;

	if (load_progress(c, quiet) < 0)
		return -1;
	if (!c->prog.current[0] || !c->prog.current_path)
		return 0;
	c->les = cache_load(c->prog.current_path, &err);
	if (!c->les) {
		if (!quiet)
			nsx_warn("lesson", "the current lesson cannot be loaded: %s "
				 "(fix it, or start another)", err.msg);
		return -1;
	}
	c->lp = progress_lesson(&c->prog, c->les->name, c->les->nsteps);
	if (c->lp->step >= c->les->nsteps)
		c->lp->step = c->les->nsteps - 1;
	return 1;
}

static void
set_env(const struct lctx *c)
{
	char lab[PATH_MAX], uid[16];
	struct nsx_err err;

	/* a level after chroot cannot reach the lab to make it: it keeps the
	 * value nsx set before (levels are forks), but never one nsx did not
	 * set (from the caller's environment): cleanups unmount under it */
	static bool lab_set;

	/* nor where the path is another's (made there by root, it would be
	 * theirs to point anywhere) */
	if (!entered_here() && progress_lab(c->les->name, lab, sizeof(lab), &err) == 0)
		lab_set = setenv("NSX_LAB", lab, 1) == 0;
	else if (!lab_set)
		unsetenv("NSX_LAB");
	setenv("NSX_LESSON", c->les->name, 1);
	snprintf(uid, sizeof(uid), "%u", (unsigned)(c->prog.have_ref ? c->prog.ref.uid : getuid()));
	setenv("NSX_UID", uid, 1);
	if (c->prog.have_mystery) {
		char pid[16];

		snprintf(pid, sizeof(pid), "%d", (int)c->prog.mystery.pid);
		setenv("NSX_MYSTERY_PID", pid, 1);
	} else
		unsetenv("NSX_MYSTERY_PID");
}

static void
open_ref_mountinfo(const struct lctx *c)
{
	char path[64];

	if (ref_mountinfo >= 0)
		close(ref_mountinfo);
	snprintf(path, sizeof(path), "%d/mountinfo", (int)c->prog.ref.pid);
	ref_mountinfo = openat(c->sh->start_procfd, path, O_RDONLY | O_CLOEXEC);
}

/* This level becomes the lesson's start: into prog.ref (saved), or, with
 * keep false, into tmpref for this command only. */
static int
capture_ref_into(struct lctx *c, bool keep)
{
	struct nsx_shell *sh = c->sh;
	struct lesson_ref *r = keep ? &c->prog.ref : &c->tmpref;
	struct nsx_err err;

	if (lesson_ref_capture(r, sh->start_procfd, sh->levels[sh->depth].pid_start, sh->depth,
			       session_id(sh), &err) < 0) {
		nsx_err_print("lesson", &err);
		return -1;
	}
	r->session_start = session_start(sh);
	c->ref = r;
	if (keep) {
		c->prog.have_ref = true;
		open_ref_mountinfo(c);
	}
	return 0;
}

static int
capture_ref(struct lctx *c)
{
	return capture_ref_into(c, true);
}

/* Which start the checks compare with. The session that owns it keeps it;
 * another nsx running at the same time (a second terminal, a one-shot
 * `nsx lesson hint`) compares with where it is, without taking it over; a
 * progress file from an nsx that has ended: the level the student is in
 * now becomes the lesson's start. */
static void
ensure_ref(struct lctx *c)
{
	const struct lesson_ref *r = &c->prog.ref;

	if (ref_is_ours(c)) {
		c->ref = &c->prog.ref;
		if (ref_mountinfo < 0 && c->sh->depth >= r->depth)
			open_ref_mountinfo(c);
		return;
	}
	if (c->sh->oneshot || (c->prog.have_ref && session_alive(c->sh, r))) {
		capture_ref_into(c, false);
		return;
	}
	capture_ref(c);
}

static int
save(struct lctx *c)
{
	struct nsx_err err;

	if (progress_save(&c->prog, &err) < 0) {
		nsx_err_print("lesson", &err);
		return -1;
	}
	return 0;
}

static void
ensure_mystery(struct lctx *c, bool quiet)
{
	struct nsx_err err;

	/* it makes /srv/mystery: not in a mount namespace that is another's */
	if (!c->les->mystery || (c->prog.have_mystery && mystery_alive(&c->prog.mystery)) || entered_here())
		return;
	if (mystery_spawn(&c->prog.mystery, &err) < 0) {
		nsx_err_print("lesson", &err);
		c->prog.have_mystery = false;
		return;
	}
	c->prog.have_mystery = true;
	if (!quiet)
		printf("(a process named 'mystery' is running now: find it)\n");
}

/* The container this level is in without its confinement, or NULL. */
static const char *
unconfined_ctr(const struct nsx_shell *sh)
{
	const struct level_rec *lv = &sh->levels[sh->depth];

	return lv->ctr[0] && !lv->confined ? lv->ctr : NULL;
}

/* ... and its programs would run as root, unconfined: a confined level
 * (a container of root's, entered without --unconfined) runs them held to
 * the container's confinement, as its own processes are. */
static const char *
entered_unconfined(const struct nsx_shell *sh)
{
	const struct level_rec *lv = &sh->levels[sh->depth];

	return lv->ctr[0] && lv->confined ? NULL : entered_here();
}

static struct lesson_env
env_of(struct lctx *c)
{
	struct nsx_shell *sh = c->sh;

	return (struct lesson_env){
		.procfd = sh->start_procfd,
		.pid = sh->levels[sh->depth].pid_start,
		.depth = sh->depth,
		.ref = c->ref ? c->ref : &c->prog.ref,
		.mystery = c->prog.have_mystery ? &c->prog.mystery : NULL,
		/* the start's mounts are known only for our own start */
		.ref_mountinfo = c->ref == &c->tmpref ? -1 : ref_mountinfo,
		.unconfined_ctr = unconfined_ctr(sh),
		.entered = entered_unconfined(sh),
	};
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
	const struct lesson *l = c->les;
	int i = c->lp->step;
	const struct lesson_step *s = &l->steps[i];

	printf("\n%s-- Lesson %d (%s), step %d of %d: %s%s %s\n", col(C_TITLE), l->number, l->name, i + 1,
	       l->nsteps, s->title, col(C_OFF), c->lp->done[i] ? mark_done() : "");
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
	const struct lesson *l = c->les;

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
	int i = c->lp->step;

	c->lp->done[i] = 1;
	c->lp->updated = (long)time(NULL);
	printf("%s%s Step %d of %d done: %s%s\n", col(C_PASS), mark_done(), i + 1, c->les->nsteps,
	       c->les->steps[i].title, col(C_OFF));
	if (i + 1 < c->les->nsteps) {
		c->lp->step = i + 1;
		save(c);
		show_step(c);
		return;
	}
	printf("\n%s%s Lesson %d (%s) complete.%s", col(C_PASS), mark_done(), c->les->number, c->les->name,
	       col(C_OFF));
	c->prog.current[0] = '\0';
	free(c->prog.current_path);
	c->prog.current_path = NULL;
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
	ensure_ref(c);
	set_env(c);
	return 0;
}

static int
sub_show(struct lctx *c)
{
	if (need_lesson(c) < 0)
		return 1;
	ensure_mystery(c, false);
	set_env(c);
	save(c);
	show_step(c);
	return 0;
}

static int
sub_list(struct lctx *c)
{
	char **paths;
	int n;
	struct nsx_err err;

	if (lesson_find_all(c->dir, &paths, &n, &err) < 0) {
		nsx_err_print("lesson", &err);
		return 1;
	}
	if (!n) {
		fprintf(stderr, "nsx: lesson: no lessons found (install them, or use --lessons DIR or NSX_LESSONS)\n");
		return 1;
	}
	load_progress(c, true);
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
		struct lesson_prog *lp = NULL;
		char done[LESSON_MAXSTEPS * 4 + 1] = "";
		size_t len = 0;

		for (int k = 0; k < c->prog.n; k++)
			if (strcmp(c->prog.l[k].name, l.name) == 0)
				lp = &c->prog.l[k];
		for (int s = 0; s < l.nsteps; s++)
			len += (size_t)snprintf(done + len, sizeof(done) - len, "%s",
						lp && s < lp->nsteps && lp->done[s] ? mark_done() : ".");
		printf(" %s%2d %-14s %-8s %s%*s %s\n", strcmp(c->prog.current, l.name) == 0 ? ">" : " ",
		       l.number, l.name, l.needs_root ? "root" : "rootless", done,
		       l.nsteps < 9 ? 9 - l.nsteps : 0, "", l.title);
		lesson_free(&l);
	}
	lesson_paths_free(paths, n);
	return 0;
}

static int
sub_start(struct lctx *c, const char *arg)
{
	struct lesson_errs errs;
	struct nsx_err err;
	struct lesson l;
	char *path;

	if (lesson_find(c->dir, arg, &path, &err) < 0) {
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
	if (load_progress(c, false) < 0) {
		lesson_free(&l);
		free(path);
		return 1;
	}
	/* the lesson before this one: its mystery goes */
	if (c->prog.have_mystery)
		mystery_stop(&c->prog.mystery);
	c->prog.have_mystery = false;
	snprintf(c->prog.current, sizeof(c->prog.current), "%s", l.name);
	free(c->prog.current_path);
	c->prog.current_path = path;
	lesson_free(&l);
	c->les = cache_load(path, &err);
	if (!c->les) {
		nsx_err_print("lesson", &err);
		return 1;
	}
	if (capture_ref(c) < 0)
		return 1;
	c->lp = progress_lesson(&c->prog, c->les->name, c->les->nsteps);
	c->lp->step = 0;
	c->lp->updated = (long)time(NULL);
	ensure_mystery(c, true);
	set_env(c);
	if (save(c) < 0)
		return 1;
	show_intro(c);
	if (c->les->mystery)
		printf("\n  (a process named 'mystery' is running now: find it)\n");
	show_step(c);
	return 0;
}

static int
sub_move(struct lctx *c, int delta)
{
	int to;

	if (need_lesson(c) < 0)
		return 1;
	to = c->lp->step + delta;
	if (to < 0 || to >= c->les->nsteps) {
		fprintf(stderr, "nsx: lesson: %s (steps 1 to %d)\n",
			to < 0 ? "this is the first step" : "this is the last step", c->les->nsteps);
		return 1;
	}
	c->lp->step = to;
	save(c);
	show_step(c);
	return 0;
}

static int
sub_check(struct lctx *c)
{
	struct lesson_env e;
	char why[512];
	const struct lesson_step *s;

	if (need_lesson(c) < 0)
		return 1;
	e = env_of(c);
	s = &c->les->steps[c->lp->step];
	if (lesson_check(s, &e, why, sizeof(why))) {
		step_passed(c);
		return 0;
	}
	c->lp->fails++;
	save(c);
	/* why quotes live values: a hostname, an interface, a mount point */
	printf("%s%s Not yet:%s ", col(C_FAIL), mark_fail(), col(C_OFF));
	safe_fputs(why, stdout);
	printf(".\n");
	if (c->lp->hints[c->lp->step] < s->nhints)
		printf("  'lesson hint' gives a hint (%d left).\n", s->nhints - c->lp->hints[c->lp->step]);
	else
		printf("  'lesson solution' shows the commands that solve this step.\n");
	return 1;
}

static int
sub_hint(struct lctx *c)
{
	const struct lesson_step *s;
	int h;

	if (need_lesson(c) < 0)
		return 1;
	s = &c->les->steps[c->lp->step];
	h = c->lp->hints[c->lp->step];
	if (h >= s->nhints) {
		printf("No more hints for this step: 'lesson solution' shows the answer.\n");
		h = s->nhints - 1;
	} else
		c->lp->hints[c->lp->step] = (unsigned char)(h + 1);
	printf("Hint %d of %d:\n", h + 1, s->nhints);
	print_block(s->hints[h], "  ");
	save(c);
	return 0;
}

static int
sub_solution(struct lctx *c)
{
	const struct lesson_step *s;

	if (need_lesson(c) < 0)
		return 1;
	s = &c->les->steps[c->lp->step];
	printf("A solution for step %d (%s):\n", c->lp->step + 1, s->title);
	for (int i = 0; i < s->nsolutions; i++)
		printf("    %s%s%s\n", col(C_CMD), s->solutions[i], col(C_OFF));
	/* a solution counts as every hint used, for the instructor's report */
	c->lp->hints[c->lp->step] = (unsigned char)(s->nhints < 9 ? s->nhints + 1 : 9);
	save(c);
	return 0;
}

static int
sub_status(struct lctx *c)
{
	int ndone = 0, nh = 0;

	if (need_lesson(c) < 0)
		return 1;
	for (int i = 0; i < c->les->nsteps; i++) {
		ndone += c->lp->done[i];
		nh += c->lp->hints[i];
	}
	printf("lesson %d (%s): %s\n", c->les->number, c->les->name, c->les->title);
	printf("step %d of %d: %s\n", c->lp->step + 1, c->les->nsteps, c->les->steps[c->lp->step].title);
	printf("done: %d of %d steps; hints shown: %d; failed checks: %d\n", ndone, c->les->nsteps, nh,
	       c->lp->fails);
	printf("started at level %d; you are at level %d\n", c->ref->depth, c->sh->depth);
	printf("lab: %s\n", getenv("NSX_LAB") ? getenv("NSX_LAB") : "-");
	if (c->les->mystery)
		printf("mystery process: %s\n", c->prog.have_mystery && mystery_alive(&c->prog.mystery) ?
		       "running" : "not running ('lesson' starts it)");
	return 0;
}

/* ---- reset: leave the lesson's levels, then clean up at its start ---- */

/* The lesson's cleanup lines, at this level (through the shell's
 * run_line); an `exit` among them does not end the shell. They run programs: not where those would be a
 * container's with all the user's privileges (lesson_no_programs), which
 * says so, before its caller silences what the lines print. */
static bool
cleanups_allowed(const struct nsx_shell *sh, const struct lesson *l)
{
	struct lesson_env e = { .unconfined_ctr = unconfined_ctr(sh), .entered = entered_unconfined(sh) };
	char why[300];

	if (!l->ncleanups || !lesson_no_programs(&e, why, sizeof(why)))
		return true;
	nsx_warn("lesson", "the lesson's cleanup lines were %s", why);
	return false;
}

static void
run_cleanups(struct nsx_shell *sh, const struct lesson *l)
{
	for (int i = 0; i < l->ncleanups; i++)
		sh->run_line(sh, l->cleanups[i]);
	sh->quit = false;
}

/* The lesson's own cleanup lines; their output and complaints (nothing
 * to remove) are no news. false: not run here (cleanups_allowed). */
static bool
run_cleanups_quietly(struct nsx_shell *sh, const struct lesson *l)
{
	int saved_out, saved_err, null;

	if (!cleanups_allowed(sh, l))
		return false;
	fflush(NULL);
	saved_out = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	saved_err = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	if ((null = open("/dev/null", O_WRONLY | O_CLOEXEC)) >= 0) {
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		close(null);
	}
	run_cleanups(sh, l);
	fflush(NULL);
	if (saved_out >= 0) {
		dup2(saved_out, STDOUT_FILENO);
		close(saved_out);
	}
	if (saved_err >= 0) {
		dup2(saved_err, STDERR_FILENO);
		close(saved_err);
	}
	return true;
}

/* At the start level: undo what the lesson made and begin again. */
static void
reset_here(struct nsx_shell *sh)
{
	struct lctx c = { .sh = sh };
	struct nsx_err err;
	bool cleaned;

	if (load_current(&c, false) <= 0) {
		ctx_free(&c);
		return;
	}
	set_env(&c);
	if (c.prog.have_mystery)
		mystery_stop(&c.prog.mystery);
	c.prog.have_mystery = false;
	cleaned = run_cleanups_quietly(sh, c.les);
	if (progress_lab_clear(c.les->name, &err) < 0)
		nsx_err_print("lesson", &err);
	memset(c.lp->done, 0, sizeof(c.lp->done));
	memset(c.lp->hints, 0, sizeof(c.lp->hints));
	c.lp->step = 0;
	c.lp->fails = 0;
	c.lp->started = c.lp->updated = (long)time(NULL);
	capture_ref(&c);
	ensure_mystery(&c, true);
	set_env(&c);
	save(&c);
	printf("Lesson %d (%s) is reset: its levels%s are gone, its lab is empty.\n", c.les->number,
	       c.les->name, c.les->ncleanups && cleaned ? " and what its cleanup lists" : "");
	show_step(&c);
	ctx_free(&c);
}

static int
sub_reset(struct lctx *c)
{
	struct nsx_shell *sh = c->sh;

	if (need_lesson(c) < 0)
		return 1;
	if (ref_is_ours(c) && sh->depth > c->prog.ref.depth && sh->unwind) {
		/* every level below the start exits after this command; the
		 * start level then finishes the reset (lesson_after_line) */
		*sh->unwind = c->prog.ref.depth + 1;
		sh->quit = true;
		sh->exit_status = 0;
		printf("Leaving %d level%s to where the lesson started ...\n", sh->depth - c->prog.ref.depth,
		       sh->depth - c->prog.ref.depth == 1 ? "" : "s");
		return 0;
	}
	ctx_free(c);
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

static int
sub_report(struct lctx *c, int mode, int nfiles, char **files)
{
	static const char *const cols[] = { "USER", "LESSON", "DONE", "STEPS", "HINTS", "FAILS",
					    "COMPLETE", "UPDATED" };
	struct libscols_table *tab = NULL;
	char own[PATH_MAX], *ownv[1] = { own };
	int rc = 0, ncols = (int)(sizeof(cols) / sizeof(cols[0]));
	struct nsx_err err;

	if (!nfiles) {
		int dfd = progress_dirfd(&err);

		if (dfd < 0) {
			nsx_err_print("lesson", &err);
			return 1;
		}
		snprintf(own, sizeof(own), "/proc/self/fd/%d/progress", dfd);
		files = ownv;
		nfiles = 1;
	}
	if (mode == 'c') {
		for (int i = 0; i < ncols; i++)
			csv_field(cols[i], i == ncols - 1);
	} else {
		tab = scols_new_table();
		if (!tab)
			return cmd_fail(&cmd_lesson, "cannot create the output table");
		scols_table_enable_json(tab, mode == 'j');
		scols_table_set_name(tab, "progress");
		for (int i = 0; i < ncols; i++) {
			struct libscols_column *cl = scols_table_new_column(tab, cols[i], 0,
									    i >= 2 && i <= 5 ? SCOLS_FL_RIGHT : 0);

			if (cl && i >= 2 && i <= 5)
				scols_column_set_json_type(cl, SCOLS_JSON_NUMBER);
			if (cl && i == 6)
				scols_column_set_json_type(cl, SCOLS_JSON_BOOLEAN);
		}
	}
	for (int f = 0; f < nfiles; f++) {
		struct progress p;
		struct stat st = { .st_uid = (uid_t)-1 };
		char user[64];

		if (progress_read_file(files[f], &p, &err) < 0) {
			if (!(errno == ENOENT && files[f] == own))
				nsx_err_print("lesson report", &err), rc = 1;
			continue;
		}
		if (stat(files[f], &st) == 0 && getpwuid(st.st_uid))
			snprintf(user, sizeof(user), "%s", getpwuid(st.st_uid)->pw_name);
		else
			snprintf(user, sizeof(user), "%u", (unsigned)st.st_uid);
		for (int i = 0; i < p.n; i++) {
			const struct lesson_prog *lp = &p.l[i];
			int done = 0, hints = 0;
			char v[6][32];
			struct tm tm;
			time_t t = lp->updated;

			for (int s = 0; s < lp->nsteps; s++) {
				done += lp->done[s];
				hints += lp->hints[s];
			}
			snprintf(v[0], 32, "%d", done);
			snprintf(v[1], 32, "%d", lp->nsteps);
			snprintf(v[2], 32, "%d", hints);
			snprintf(v[3], 32, "%d", lp->fails);
			/* libsmartcols prints "0" as JSON false */
			snprintf(v[4], 32, "%s", done == lp->nsteps ? (mode == 'j' ? "1" : "true") :
				 (mode == 'j' ? "0" : "false"));
			strftime(v[5], 32, "%Y-%m-%dT%H:%M:%S", localtime_r(&t, &tm));
			const char *row[] = { user, lp->name, v[0], v[1], v[2], v[3], v[4], v[5] };

			if (mode == 'c') {
				for (int k = 0; k < ncols; k++)
					csv_field(row[k], k == ncols - 1);
			} else {
				struct libscols_line *ln = scols_table_new_line(tab, NULL);

				for (int k = 0; ln && k < ncols; k++)
					out_cell(tab, ln, (size_t)k, row[k]);
			}
		}
		progress_free(&p);
	}
	if (tab) {
		out_print(tab);
		scols_unref_table(tab);
	}
	return rc;
}

/* ---- lint ---- */

static int
sub_lint(int n, char **files)
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

#define VERIFY_TIMEOUT 300	/* seconds per lesson */

/* NSX_VERIFY_FD is not a test hook but how `lesson verify` (a feature)
 * hears from its scratch shell: only a pipe it inherited, never a file or
 * terminal that happens to be open at that number. */
static int
verify_fd(void)
{
	const char *s = getenv("NSX_VERIFY_FD");
	struct stat st;
	int fd = s ? atoi(s) : -1;

	return fd > STDERR_FILENO && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode) ? fd : -1;
}

/* `_verify-begin PATH`: the lesson starts here, silently. */
static int
sub_verify_begin(struct lctx *c, const char *path)
{
	struct nsx_err err;

	c->les = cache_load(path, &err);
	if (!c->les) {
		nsx_err_print("lesson", &err);
		return 1;
	}
	snprintf(c->prog.current, sizeof(c->prog.current), "%s", c->les->name);
	c->prog.current_path = xstrdup(path);
	capture_ref(c);
	c->lp = progress_lesson(&c->prog, c->les->name, c->les->nsteps);
	ensure_mystery(c, true);
	set_env(c);
	return save(c) < 0;
}

/* `_verify-expect K pass|fail`: check step K here; the result goes to
 * NSX_VERIFY_FD as "K pass|fail 1|0 why". */
static int
sub_verify_expect(struct lctx *c, const char *k, const char *want)
{
	int step = atoi(k) - 1, fd = verify_fd();
	char why[512], enc[600], line[700];
	struct lesson_env e;
	int r;

	if (fd < 0 || need_lesson(c) < 0 || step < 0 || step >= c->les->nsteps)
		return 1;
	e = env_of(c);
	r = lesson_check(&c->les->steps[step], &e, why, sizeof(why));
	/* encoded here, printed as it is by verify_child: one line whatever
	 * the live values it quotes hold */
	safe_encode_buf(why, strlen(why), enc, sizeof(enc), 0);
	snprintf(line, sizeof(line), "%d %s %d %s\n", step + 1, want, r, r ? "-" : enc);
	if (write(fd, line, strlen(line)) < 0)
		return 1;
	return 0;
}

static int
sub_verify_cleanup(struct lctx *c)
{
	if (load_current(c, true) <= 0)
		return 0;
	set_env(c);
	if (c->prog.have_mystery)
		mystery_stop(&c->prog.mystery);
	if (cleanups_allowed(c->sh, c->les))
		run_cleanups(c->sh, c->les);
	return 0;
}

/* The script a scratch nsx reads: per step, the check must fail, then the
 * solution runs, then it must pass. */
static int
verify_script(const struct lesson *l)
{
	int fd = memfd_create("nsx-verify-script", MFD_CLOEXEC);
	FILE *f;

	if (fd < 0 || !(f = fdopen(dup(fd), "w"))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	fprintf(f, "lesson _verify-begin '%s'\n", l->path);
	for (int i = 0; i < l->nsteps; i++) {
		fprintf(f, "lesson _verify-expect %d fail\n", i + 1);
		for (int k = 0; k < l->steps[i].nsolutions; k++)
			fprintf(f, "%s\n", l->steps[i].solutions[k]);
		fprintf(f, "lesson _verify-expect %d pass\n", i + 1);
	}
	fclose(f);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* Run nsx on script (an fd) with output to log and results to res; kill
 * its process group after VERIFY_TIMEOUT seconds. Returns its status. */
static int
verify_nsx(int script, int log, int res, bool *timed_out)
{
	char fdnum[16];
	pid_t p;
	int st = 0;

	fflush(NULL);
	p = fork();
	if (p < 0)
		return -1;
	if (p == 0) {
		setpgid(0, 0);
		dup2(script, 0);
		dup2(log, 1);
		dup2(log, 2);
		if (res >= 0) {
			int r = dup(res);	/* without close-on-exec */

			snprintf(fdnum, sizeof(fdnum), "%d", r);
			setenv("NSX_VERIFY_FD", fdnum, 1);
		}
		execl("/proc/self/exe", "nsx", (char *)NULL);
		_exit(127);
	}
	setpgid(p, p);
	for (int waited = 0;; waited++) {
		pid_t r = waitpid(p, &st, WNOHANG);

		if (r == p)
			break;
		if (r < 0 && errno != EINTR)
			return -1;
		if (waited >= VERIFY_TIMEOUT * 20) {
			*timed_out = true;
			kill(-p, SIGKILL);
			waitpid(p, &st, 0);
			break;
		}
		usleep(50000);
	}
	kill(-p, SIGKILL);	/* what the lesson left running */
	return st;
}

/* Root: scratch mount, network, UTS and IPC namespaces, and a tmpfs on
 * tmp, so nothing a lesson does reaches the host. A normal user: tmp, a
 * directory of its own, for state and lab. */
static int
verify_scratch(const char *tmp)
{
	char state[PATH_MAX];

	if (geteuid() == 0 &&
	    (unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC) < 0 ||
	     mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	     mount("nsx-verify", tmp, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") < 0))
		return -1;
	snprintf(state, sizeof(state), "%s/state", tmp);
	if (mkdir(state, 0700) < 0)
		return -1;
	setenv("XDG_STATE_HOME", state, 1);
	/* and what `run` keeps: its cache and records go with the scratch */
	snprintf(state, sizeof(state), "%s/cache", tmp);
	if (mkdir(state, 0700) < 0)
		return -1;
	setenv("NSX_CACHE_DIR", state, 1);
	snprintf(state, sizeof(state), "%s/run", tmp);
	if (mkdir(state, 0700) < 0)
		return -1;
	setenv("NSX_STATE_DIR", state, 1);
	return 0;
}

static void
remove_tree(const char *dir)
{
	pid_t p = fork();

	if (p == 0) {
		execlp("rm", "rm", "-rf", "--one-file-system", dir, (char *)NULL);
		_exit(127);
	}
	if (p > 0)
		waitpid(p, NULL, 0);
}

static void
print_log_tail(int log)
{
	char buf[8192];
	off_t end = lseek(log, 0, SEEK_END);
	off_t from = end > (off_t)sizeof(buf) - 1 ? end - (off_t)sizeof(buf) + 1 : 0;
	ssize_t got = pread(log, buf, sizeof(buf) - 1, from);
	int lines = 0;
	char *p;

	if (got <= 0)
		return;
	buf[got] = '\0';
	/* the last 15 lines */
	for (p = buf + got; p > buf; p--)
		if (p[-1] == '\n' && p != buf + got && ++lines == 16)
			break;
	printf("        | what the session printed (last lines):\n");
	for (char *s = strtok(p, "\n"); s; s = strtok(NULL, "\n")) {
		fputs("        | ", stdout);
		safe_fputs(s, stdout);
		putchar('\n');
	}
}

/* In a child of `lesson verify`: one lesson; 0 when it verified. */
static int
verify_child(const struct lesson *l, const char *tmp)
{
	char label[96], *line = NULL;
	int script, log, pfd[2], got = 0, bad = 0, rc;
	bool timed_out = false;
	size_t cap = 0;
	FILE *rf;
	bool passed[LESSON_MAXSTEPS][2] = { { false } }, seen[LESSON_MAXSTEPS][2] = { { false } };

	snprintf(label, sizeof(label), "%02d-%s", l->number, l->name);
	if (verify_scratch(tmp) < 0) {
		printf("FAILED  %s: cannot make a scratch environment: %s\n", label, strerror(errno));
		return 1;
	}
	script = verify_script(l);
	log = memfd_create("nsx-verify-log", MFD_CLOEXEC);
	if (script < 0 || log < 0 || pipe2(pfd, O_CLOEXEC) < 0) {
		printf("FAILED  %s: %s\n", label, strerror(errno));
		return 1;
	}
	rc = verify_nsx(script, log, pfd[1], &timed_out);
	close(pfd[1]);
	/* the lesson's cleanup, where it ran */
	close(script);
	script = memfd_create("nsx-verify-cleanup", MFD_CLOEXEC);
	if (script >= 0) {
		dprintf(script, "lesson _verify-cleanup\n");
		lseek(script, 0, SEEK_SET);
		verify_nsx(script, log, -1, &(bool){ false });
		close(script);
	}
	rf = fdopen(pfd[0], "r");
	while (rf && getline(&line, &cap, rf) >= 0) {
		int k, r;
		char want[8], why[600] = "";

		if (sscanf(line, "%d %7s %d %599[^\n]", &k, want, &r, why) < 3 || k < 1 || k > l->nsteps)
			continue;
		int pass = strcmp(want, "pass") == 0;

		seen[k - 1][pass] = true;
		passed[k - 1][pass] = r;
		got++;
		if (pass && !r) {
			printf("FAILED  %s step %d (%s): the check fails after its solution: %s\n", label, k,
			       l->steps[k - 1].title, why);
			bad = 1;
		} else if (!pass && r) {
			printf("FAILED  %s step %d (%s): the check already holds before its solution "
			       "(it must fail then, or the step teaches nothing)\n", label, k,
			       l->steps[k - 1].title);
			bad = 1;
		}
	}
	free(line);
	if (rf)
		fclose(rf);
	for (int k = 0; k < l->nsteps && !bad; k++)
		if (!seen[k][0] || !seen[k][1]) {
			printf("FAILED  %s step %d (%s): no result: the session ended early%s\n", label, k + 1,
			       l->steps[k].title, timed_out ? " (timed out)" : "");
			bad = 1;
		}
	(void)rc;
	(void)passed;
	if (bad)
		print_log_tail(log);
	else
		printf("ok      %s: %d step%s, each check fails before its solution and holds after it\n",
		       label, l->nsteps, l->nsteps == 1 ? "" : "s");
	close(log);
	return bad;
}

static int
sub_verify(struct lctx *c, const char *which)
{
	char **paths;
	int n, failed = 0, ran = 0;
	struct nsx_err err;

	if (which) {
		char *path;

		if (lesson_find(c->dir, which, &path, &err) < 0) {
			nsx_err_print("lesson", &err);
			return 1;
		}
		paths = xcalloc(2, sizeof(char *));
		paths[0] = path;
		n = 1;
	} else if (lesson_find_all(c->dir, &paths, &n, &err) < 0) {
		nsx_err_print("lesson", &err);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		struct lesson_errs errs;
		struct lesson l;
		pid_t p;
		int st;

		if (lesson_trust(paths[i], &err) < 0) {
			fputs("FAILED  ", stdout);
			safe_fputs(err.msg, stdout);
			putchar('\n');
			failed++;
			continue;
		}
		if (lesson_load(paths[i], &l, &errs, &err) < 0) {
			printf("FAILED  %s: ", paths[i]);
			safe_fputs(errs.n ? errs.msg[0] : err.msg, stdout);
			putchar('\n');
			lesson_errs_free(&errs);
			failed++;
			continue;
		}
		if (l.needs_root && geteuid() != 0) {
			printf("skipped %02d-%s: needs root\n", l.number, l.name);
			lesson_free(&l);
			continue;
		}
		char tmp[] = "/tmp/nsx-verify-XXXXXX";

		if (!mkdtemp(tmp)) {
			printf("FAILED  %02d-%s: mkdtemp: %s\n", l.number, l.name, strerror(errno));
			failed++;
			lesson_free(&l);
			continue;
		}
		fflush(stdout);
		p = fork();
		if (p == 0) {
			int r = verify_child(&l, tmp);

			fflush(NULL);
			_exit(r ? 1 : 0);
		}
		while (p > 0 && waitpid(p, &st, 0) < 0 && errno == EINTR)
			;
		fflush(stdout);
		/* as root the scratch tmpfs went with its namespace */
		remove_tree(tmp);
		if (p < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			failed++;
		ran++;
		lesson_free(&l);
	}
	lesson_paths_free(paths, n);
	printf("%d lesson%s verified, %d failed\n", ran, ran == 1 ? "" : "s", failed);
	return failed ? 1 : 0;
}

/* ---- the command ---- */

enum { OPT_LESSONS = 256, OPT_JSON, OPT_CSV };

static const struct nsx_opt lesson_opts[] = {
	{ "lessons", OPT_LESSONS, ARG_REQUIRED, "DIR", COMP_FILE, "look for lessons in DIR first" },
	{ "json", OPT_JSON, ARG_NONE, NULL, COMP_NONE, "report: JSON" },
	{ "csv", OPT_CSV, ARG_NONE, NULL, COMP_NONE, "report: CSV" },
	{ NULL, 0, 0, NULL, 0, NULL },
};

static int
want_args(const char *sub, int have, int min, int max)
{
	if (have >= min && have <= max)
		return 0;
	fprintf(stderr, "nsx: lesson: %s takes %s\n", sub,
		max == 0 ? "no arguments" : min == 1 && max == 1 ? "one argument (a number or a name)" :
		"at most one argument");
	return -1;
}

static int
lesson_run(struct nsx_shell *sh, int argc, char **argv)
{
	struct cmd_getopt g = { .in_order = false };
	struct lctx c = { .sh = sh };
	int opt, mode = 't', rc, na;
	const char *sub;
	char **av;

	while ((opt = cmd_getopt(&cmd_lesson, argc, argv, &g)) != -1) {
		switch (opt) {
		case OPT_LESSONS:
			c.dir = g.optarg;
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
	sub = g.optind < argc ? argv[g.optind] : "show";
	av = argv + g.optind + (g.optind < argc);
	na = argc - g.optind - (g.optind < argc);
	if (mode != 't' && strcmp(sub, "report") != 0) {
		fprintf(stderr, "nsx: lesson: --json and --csv are for 'lesson report'\n");
		return 1;
	}
	if (strcmp(sub, "show") == 0 && !want_args(sub, na, 0, 0))
		rc = sub_show(&c);
	else if (strcmp(sub, "list") == 0 && !want_args(sub, na, 0, 0))
		rc = sub_list(&c);
	else if (strcmp(sub, "start") == 0 && !want_args(sub, na, 1, 1))
		rc = sub_start(&c, av[0]);
	else if (strcmp(sub, "next") == 0 && !want_args(sub, na, 0, 0))
		rc = sub_move(&c, 1);
	else if (strcmp(sub, "back") == 0 && !want_args(sub, na, 0, 0))
		rc = sub_move(&c, -1);
	else if (strcmp(sub, "check") == 0 && !want_args(sub, na, 0, 0))
		rc = sub_check(&c);
	else if (strcmp(sub, "hint") == 0 && !want_args(sub, na, 0, 0))
		rc = sub_hint(&c);
	else if (strcmp(sub, "solution") == 0 && !want_args(sub, na, 0, 0))
		rc = sub_solution(&c);
	else if (strcmp(sub, "reset") == 0 && !want_args(sub, na, 0, 0))
		rc = sub_reset(&c);
	else if (strcmp(sub, "status") == 0 && !want_args(sub, na, 0, 0))
		rc = sub_status(&c);
	else if (strcmp(sub, "report") == 0)
		rc = sub_report(&c, mode, na, av);
	else if (strcmp(sub, "lint") == 0)
		rc = sub_lint(na, av);
	else if (strcmp(sub, "verify") == 0 && !want_args(sub, na, 0, 1))
		rc = sub_verify(&c, na ? av[0] : NULL);
	else if (strcmp(sub, "_verify-begin") == 0 && na == 1)
		rc = sub_verify_begin(&c, av[0]);
	else if (strcmp(sub, "_verify-expect") == 0 && na == 2)
		rc = sub_verify_expect(&c, av[0], av[1]);
	else if (strcmp(sub, "_verify-cleanup") == 0)
		rc = sub_verify_cleanup(&c);
	else if (strchr("_", sub[0]) || !strstr(" show list start next back check hint solution reset "
						"status report lint verify ", sub))
		rc = cmd_fail(&cmd_lesson, "unknown subcommand '%s' (see 'help lesson')", sub);
	else
		rc = 1;
	ctx_free(&c);
	fflush(stdout);
	return rc;
}

/* ---- the shell's hooks ---- */

static bool
word_is(const char *line, const char *word)
{
	size_t n = strlen(word);

	return strncmp(line, word, n) == 0 && (line[n] == '\0' || line[n] == ' ' || line[n] == '\t' ||
					       line[n] == ';');
}

/* The command a line runs: its first word without a directory, after
 * nsx's `!` and a `sudo` (`/usr/bin/unshare -p` and `sudo unshare -p` are
 * unshare's failure). */
static bool
first_word_is(const char *line, const char *word)
{
	line += strspn(line, " \t!");
	if (word_is(line, "sudo"))
		line += 4 + strspn(line + 4, " \t");
	for (const char *p = line; *p && *p != ' ' && *p != '\t'; p++)
		if (*p == '/')
			line = p + 1;
	return word_is(line, word);
}

/* A step whose `sh` check cannot run at this level (lesson_no_programs)
 * cannot pass here: say so, once per level, not after every line. */
static void
note_no_programs(const struct lesson_step *s, const struct lesson_env *e)
{
	static pid_t noted;
	char why[300];

	if (noted == getpid() || !lesson_no_programs(e, why, sizeof(why)))
		return;
	for (int i = 0; i < s->nterms; i++)
		if (strcmp(lesson_pred(s->terms[i].pred)->name, "sh") == 0) {
			printf("\n  %sThis step's check is %s.%s\n", col(C_NOTE), why, col(C_OFF));
			noted = getpid();
			return;
		}
}

/* After every line the student typed: finish a `lesson reset` that is
 * leaving levels, explain a planned failure, re-check the current step
 * and move on when it holds. */
static void
lesson_after_line(struct nsx_shell *sh, const char *line, int status)
{
	struct lctx c = { .sh = sh };
	struct lesson_env e;
	const struct lesson_step *s;
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
	if (verify_fd() >= 0 || first_word_is(line, "lesson") || sh->quit)
		return;
	if (load_current(&c, true) <= 0)
		goto out;
	ensure_ref(&c);
	set_env(&c);
	s = &c.les->steps[c.lp->step];
	/* a planned failure: explain what the kernel just refused */
	for (int i = 0; status != 0 && i < s->nexplains; i++)
		if (first_word_is(line, s->explains[i].word)) {
			printf("\n  %sExpected: '%s' failed here, and that is this step's lesson:%s\n",
			       col(C_NOTE), s->explains[i].word, col(C_OFF));
			print_block(s->explains[i].text, "  ");
			putchar('\n');
			break;
		}
	e = env_of(&c);
	if (lesson_check(s, &e, why, sizeof(why)))
		step_passed(&c);
	else
		note_no_programs(s, &e);
out:
	ctx_free(&c);
	fflush(stdout);
}

/* At the shell's start: the lesson's variables, and a line saying where
 * the lesson in progress continues. */
static void
lesson_shell_start(struct nsx_shell *sh)
{
	struct lctx c = { .sh = sh };

	if (verify_fd() >= 0 || load_current(&c, true) <= 0) {
		ctx_free(&c);
		return;
	}
	ensure_ref(&c);
	set_env(&c);
	save(&c);
	if (sh->interactive)
		printf("Lesson %d (%s) continues at step %d of %d: %s ('lesson' shows it)\n", c.les->number,
		       c.les->name, c.lp->step + 1, c.les->nsteps, c.les->steps[c.lp->step].title);
	ctx_free(&c);
}

/* Completion: the subcommands, and the names of the lessons there are. */
static void
lesson_complete(void (*add)(const char *word))
{
	static const char *const subs[] = { "show", "list", "start", "next", "back", "check", "hint",
					    "solution", "reset", "status", "report", "lint", "verify" };
	struct nsx_err err;
	char **paths, name[64];
	int n, number;

	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		add(subs[i]);
	if (lesson_find_all(NULL, &paths, &n, &err) < 0)
		return;
	for (int i = 0; i < n; i++)
		if (lesson_file_name(strrchr(paths[i], '/') + 1, &number, name, sizeof(name)) == 0)
			add(name);
	lesson_paths_free(paths, n);
}

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
}

const struct nsx_cmd cmd_lesson = {
	.name = "lesson",
	.summary = "guided lessons, each step checked against the live kernel state",
	.usage = "lesson [options] [SUBCOMMAND [ARG...]]",
	.help =
	"A lesson is a list of steps. Each step explains a piece of the kernel,\n"
	"shows commands to try, and has a check that reads the real state of the\n"
	"level you are in (its namespaces, hostname, mounts, maps, interfaces,\n"
	"cgroup). The shell re-checks the step after every command you type and\n"
	"moves on when it holds. Progress is kept per user ($XDG_STATE_HOME/nsx,\n"
	"~/.local/state/nsx) and survives restarts.\n"
	"\n"
	"  lesson               show the current step again\n"
	"  lesson list          every lesson, with a mark per step done\n"
	"  lesson start N|NAME  begin a lesson (at step 1; done marks stay)\n"
	"  lesson next, back    move to the next or the previous step\n"
	"  lesson check         check the current step now, and say why not\n"
	"  lesson hint          the next hint (more detail each time)\n"
	"  lesson solution      the commands that solve the current step\n"
	"  lesson reset         leave the lesson's levels, run its cleanup, empty\n"
	"                       its lab directory, and begin again\n"
	"  lesson status        where you are in the lesson\n"
	"  lesson report [--json|--csv] [FILE...]\n"
	"                       progress as a table (own, or the progress files\n"
	"                       of students: /home/*/.local/state/nsx/progress)\n"
	"  lesson lint FILE...  check lesson files, every error with its line\n"
	"  lesson verify [N|NAME]\n"
	"                       run every step of every lesson in a scratch\n"
	"                       environment: each check must fail before its\n"
	"                       solution and hold after it\n"
	"\n"
	"Lessons are found in --lessons DIR, $NSX_LESSONS, lessons/ beside nsx,\n"
	"and PREFIX/share/nsx/lessons. While a lesson runs, $NSX_LAB is its\n"
	"scratch directory.\n"
	"\n"
	"Examples:\n"
	"  lesson list\n"
	"  lesson start 2\n"
	"  lesson hint\n"
	"  nsx lesson report --csv /home/*/.local/state/nsx/progress\n",
	.help_more = lesson_help_more,
	.opts = lesson_opts,
	.args = COMP_LESSON,
	.run = lesson_run,
	.complete = lesson_complete,
	.shell_start = lesson_shell_start,
	.after_line = lesson_after_line,
};
