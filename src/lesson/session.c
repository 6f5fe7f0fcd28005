/* A lesson session (session.h): the cached lesson, the progress record,
 * the lesson's start, its variables and mystery, and its step flow. */
#define _GNU_SOURCE
#include "lesson/session.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "model/model.h"
#include "util/trust.h"

/* The start's mountinfo, opened where the lesson started and inherited by
 * the levels below it: their own mounts are compared with it. */
static int ref_mountinfo = -1;

void
lesson_session_init(struct lesson_session *s, const struct lesson_level *lv, const char *dir,
		    lesson_warn_fn warn)
{
	memset(s, 0, sizeof(*s));
	s->lv = *lv;
	s->dir = dir;
	s->warn = warn;
}

void
lesson_session_free(struct lesson_session *s)
{
	progress_free(&s->prog);
	s->les = NULL;
	s->lp = NULL;
}

void
lesson_warn(const struct lesson_session *s, const struct nsx_err *err)
{
	if (s->warn)
		s->warn(err);
}

/* Is the session that owns the lesson's start still running? Start times
 * read in a time namespace are moved by its boottime offset: undo it. */
static bool
session_alive(const struct lesson_level *lv, const struct lesson_ref *r)
{
	unsigned long long t = proc_starttime(lv->procfd, (pid_t)r->session, NULL);
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

/* The session is nsx's first level: its PID and start time, against reuse. */
bool
lesson_ref_ours(const struct lesson_session *s)
{
	return s->prog.have_ref && s->prog.ref.session == s->lv.session &&
	       s->prog.ref.session_start == s->lv.session_start;
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

const struct lesson *
lesson_cache_load(const char *path, struct nsx_err *err)
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

int
lesson_progress_open(struct lesson_session *s, struct nsx_err *err)
{
	bool corrupt;

	if (progress_load(&s->prog, &corrupt, err) < 0)
		return -1;
	if (corrupt)
		lesson_warn(s, err);
	return 0;
}

int
lesson_current(struct lesson_session *s, struct nsx_err *err)
{
	if (lesson_progress_open(s, err) < 0)
		return -1;
	if (!s->prog.current[0] || !s->prog.current_path)
		return 0;
	s->les = lesson_cache_load(s->prog.current_path, err);
	if (!s->les)
		return -2;
	s->lp = progress_lesson(&s->prog, s->les->name, s->les->nsteps);
	if (s->lp->step >= s->les->nsteps)
		s->lp->step = s->les->nsteps - 1;
	return 1;
}

void
lesson_set_env(const struct lesson_session *s)
{
	char lab[PATH_MAX], uid[16];
	struct nsx_err err;

	/* a level after chroot cannot reach the lab to make it: it keeps the
	 * value nsx set before (levels are forks), but never one nsx did not
	 * set (from the caller's environment): cleanups unmount under it */
	static bool lab_set;

	/* nor where the path is another's (made there by root, it would be
	 * theirs to point anywhere) */
	if (!entered_here() && progress_lab(s->les->name, lab, sizeof(lab), &err) == 0)
		lab_set = setenv("NSX_LAB", lab, 1) == 0;
	else if (!lab_set)
		unsetenv("NSX_LAB");
	setenv("NSX_LESSON", s->les->name, 1);
	snprintf(uid, sizeof(uid), "%u", (unsigned)(s->prog.have_ref ? s->prog.ref.uid : getuid()));
	setenv("NSX_UID", uid, 1);
	if (s->prog.have_mystery) {
		char pid[16];

		snprintf(pid, sizeof(pid), "%d", (int)s->prog.mystery.pid);
		setenv("NSX_MYSTERY_PID", pid, 1);
	} else
		unsetenv("NSX_MYSTERY_PID");
}

/* ---- the lesson's start ---- */

static void
open_ref_mountinfo(const struct lesson_session *s)
{
	char path[64];

	if (ref_mountinfo >= 0)
		close(ref_mountinfo);
	snprintf(path, sizeof(path), "%d/mountinfo", (int)s->prog.ref.pid);
	ref_mountinfo = openat(s->lv.procfd, path, O_RDONLY | O_CLOEXEC);
}

int
lesson_capture_ref(struct lesson_session *s, bool keep, struct nsx_err *err)
{
	struct lesson_ref *r = keep ? &s->prog.ref : &s->tmpref;

	if (lesson_ref_capture(r, s->lv.procfd, s->lv.pid, s->lv.depth, s->lv.session, err) < 0)
		return -1;
	r->session_start = s->lv.session_start;
	s->ref = r;
	if (keep) {
		s->prog.have_ref = true;
		open_ref_mountinfo(s);
	}
	return 0;
}

/* Which start the checks compare with. The session that owns it keeps it;
 * another nsx running at the same time (a second terminal, a one-shot
 * `nsx lesson hint`) compares with where it is, without taking it over; a
 * progress file from an nsx that has ended: the level the student is in
 * now becomes the lesson's start. */
void
lesson_ensure_ref(struct lesson_session *s)
{
	const struct lesson_ref *r = &s->prog.ref;
	struct nsx_err err;
	bool keep = true;

	if (lesson_ref_ours(s)) {
		s->ref = &s->prog.ref;
		if (ref_mountinfo < 0 && s->lv.depth >= r->depth)
			open_ref_mountinfo(s);
		return;
	}
	if (s->lv.oneshot || (s->prog.have_ref && session_alive(&s->lv, r)))
		keep = false;
	if (lesson_capture_ref(s, keep, &err) < 0)
		lesson_warn(s, &err);
}

int
lesson_save(struct lesson_session *s, struct nsx_err *err)
{
	return progress_save(&s->prog, err);
}

int
lesson_ensure_mystery(struct lesson_session *s, struct nsx_err *err)
{
	/* it makes /srv/mystery: not in a mount namespace that is another's */
	if (!s->les->mystery || (s->prog.have_mystery && mystery_alive(&s->prog.mystery)) ||
	    entered_here())
		return 0;
	if (mystery_spawn(&s->prog.mystery, err) < 0) {
		s->prog.have_mystery = false;
		return -1;
	}
	s->prog.have_mystery = true;
	return 1;
}

/* ... and its programs would run as root, unconfined: a confined level
 * (a container of root's, entered without --unconfined) runs them held to
 * the container's confinement, as its own processes are. */
static const char *
entered_unconfined(const struct lesson_level *lv)
{
	return lv->ctr && lv->confined ? NULL : entered_here();
}

struct lesson_env
lesson_env_of(const struct lesson_session *s)
{
	return (struct lesson_env){
		.procfd = s->lv.procfd,
		.pid = s->lv.pid,
		.depth = s->lv.depth,
		.ref = s->ref ? s->ref : &s->prog.ref,
		.mystery = s->prog.have_mystery ? &s->prog.mystery : NULL,
		/* the start's mounts are known only for our own start */
		.ref_mountinfo = s->ref == &s->tmpref ? -1 : ref_mountinfo,
		/* the container this level is in without its confinement */
		.unconfined_ctr = s->lv.ctr && !s->lv.confined ? s->lv.ctr : NULL,
		.entered = entered_unconfined(&s->lv),
	};
}

/* ---- step flow ---- */

int
lesson_begin(struct lesson_session *s, const char *name, char *path, struct nsx_err *err)
{
	struct nsx_err merr;

	/* the lesson before this one: its mystery goes */
	if (s->prog.have_mystery)
		mystery_stop(&s->prog.mystery);
	s->prog.have_mystery = false;
	snprintf(s->prog.current, sizeof(s->prog.current), "%s", name);
	free(s->prog.current_path);
	s->prog.current_path = path;
	s->les = lesson_cache_load(path, err);
	if (!s->les)
		return -1;
	if (lesson_capture_ref(s, true, err) < 0)
		return -1;
	s->lp = progress_lesson(&s->prog, s->les->name, s->les->nsteps);
	s->lp->step = 0;
	s->lp->updated = (long)time(NULL);
	if (lesson_ensure_mystery(s, &merr) < 0)
		lesson_warn(s, &merr);
	lesson_set_env(s);
	return lesson_save(s, err);
}

bool
lesson_step_done(struct lesson_session *s)
{
	int i = s->lp->step;

	s->lp->done[i] = 1;
	s->lp->updated = (long)time(NULL);
	return i + 1 < s->les->nsteps;
}

void
lesson_step_advance(struct lesson_session *s)
{
	if (s->lp->step + 1 < s->les->nsteps) {
		s->lp->step++;
		return;
	}
	s->prog.current[0] = '\0';
	free(s->prog.current_path);
	s->prog.current_path = NULL;
}

int
lesson_step_move(struct lesson_session *s, int delta)
{
	int to = s->lp->step + delta;

	if (to < 0 || to >= s->les->nsteps)
		return -1;
	s->lp->step = to;
	return 0;
}

int
lesson_step_check(const struct lesson_session *s, char *why, size_t n)
{
	struct lesson_env e = lesson_env_of(s);

	return lesson_check(&s->les->steps[s->lp->step], &e, why, n);
}

void
lesson_step_failed(struct lesson_session *s)
{
	s->lp->fails++;
}

int
lesson_hint_take(struct lesson_session *s, bool *more)
{
	const struct lesson_step *st = &s->les->steps[s->lp->step];
	int h = s->lp->hints[s->lp->step];

	*more = h < st->nhints;
	if (!*more)
		return st->nhints - 1;
	s->lp->hints[s->lp->step] = (unsigned char)(h + 1);
	return h;
}

void
lesson_solution_taken(struct lesson_session *s)
{
	const struct lesson_step *st = &s->les->steps[s->lp->step];

	/* a solution counts as every hint used, for the instructor's report */
	s->lp->hints[s->lp->step] = (unsigned char)(st->nhints < 9 ? st->nhints + 1 : 9);
}

/* ---- lines the student typed ---- */

static bool
word_is(const char *line, const char *word)
{
	size_t n = strlen(word);

	return strncmp(line, word, n) == 0 && (line[n] == '\0' || line[n] == ' ' || line[n] == '\t' ||
					       line[n] == ';');
}

bool
lesson_line_runs(const char *line, const char *word)
{
	line += strspn(line, " \t!");
	if (word_is(line, "sudo"))
		line += 4 + strspn(line + 4, " \t");
	for (const char *p = line; *p && *p != ' ' && *p != '\t'; p++)
		if (*p == '/')
			line = p + 1;
	return word_is(line, word);
}

const struct lesson_explain *
lesson_explain_find(const struct lesson_step *s, const char *line)
{
	for (int i = 0; i < s->nexplains; i++)
		if (lesson_line_runs(line, s->explains[i].word))
			return &s->explains[i];
	return NULL;
}

bool
lesson_step_runs_sh(const struct lesson_step *s)
{
	for (int i = 0; i < s->nterms; i++)
		if (strcmp(lesson_pred(s->terms[i].pred)->name, "sh") == 0)
			return true;
	return false;
}
