/* Lesson files: `key: value` lines, indented continuations, a step per
 * `step:` (lessons/README.md). Every error is collected with its line, so
 * `lesson lint` reports them all at once. */
#define _GNU_SOURCE
#include "lesson/lesson.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/trust.h"
#include "util/xalloc.h"

/* Where a key may appear and how often. */
enum { K_LESSON = 1, K_STEP = 2, K_ONCE = 4, K_MULTILINE = 8 };

struct key {
	const char *name;
	int flags;
};

static const struct key keys[] = {
	{ "title", K_LESSON | K_ONCE },
	{ "objective", K_LESSON | K_ONCE | K_MULTILINE },
	{ "needs", K_LESSON | K_ONCE },
	{ "rootless", K_LESSON | K_ONCE },
	{ "setup", K_LESSON | K_ONCE },
	{ "cleanup", K_LESSON },
	{ "text", K_LESSON | K_STEP | K_ONCE | K_MULTILINE },
	{ "step", K_LESSON | K_STEP },
	{ "try", K_STEP },
	{ "check", K_STEP | K_ONCE | K_MULTILINE },
	{ "hint", K_STEP | K_MULTILINE },
	{ "solution", K_STEP },
	{ "explain", K_STEP | K_MULTILINE },
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

struct parser {
	const char *path;
	struct lesson *l;
	struct lesson_errs *errs;
	struct nsx_err *err;
	int nerr;
	/* the key being continued */
	const struct key *cur;
	char **value;		/* where its text goes */
	int cur_line;
	bool seen[NKEYS];	/* K_ONCE keys, per lesson or per step */
};

static void __attribute__((format(printf, 3, 4)))
perr(struct parser *p, int line, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->nerr++ == 0)
		nsx_error(p->err, EINVAL, "%s:%d: %s", p->path, line, msg);
	if (p->errs) {
		p->errs->msg = xreallocarray(p->errs->msg, (size_t)p->errs->n + 1, sizeof(char *));
		p->errs->msg[p->errs->n++] = xasprintf("%s:%d: %s", p->path, line, msg);
	}
}

static void
strv_add(char ***v, int *n, char *s)
{
	*v = xreallocarray(*v, (size_t)*n + 1, sizeof(char *));
	(*v)[(*n)++] = s;
}

static void
strv_free(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static const char *
key_list(void)
{
	return "title, objective, needs, rootless, setup, cleanup, text, step, try, check, "
	       "hint, solution, explain";
}

static struct lesson_step *
cur_step(struct parser *p)
{
	return p->l->nsteps ? &p->l->steps[p->l->nsteps - 1] : NULL;
}

/* A new key on line ln with its value: where does its text go? */
static void
key_start(struct parser *p, const struct key *k, char *value, int ln)
{
	struct lesson *l = p->l;
	struct lesson_step *s = cur_step(p);
	size_t ki = (size_t)(k - keys);

	p->cur = k;
	p->cur_line = ln;
	p->value = NULL;
	if (strcmp(k->name, "step") == 0) {
		if (l->nsteps == LESSON_MAXSTEPS) {
			perr(p, ln, "too many steps (%d at most): split the lesson", LESSON_MAXSTEPS);
			free(value);
			return;
		}
		l->steps = xreallocarray(l->steps, (size_t)l->nsteps + 1, sizeof(*l->steps));
		s = &l->steps[l->nsteps++];
		memset(s, 0, sizeof(*s));
		s->line = ln;
		s->title = value;
		for (size_t i = 0; i < NKEYS; i++)
			if (keys[i].flags & K_STEP)
				p->seen[i] = false;
		if (!*value)
			perr(p, ln, "step: needs a title (step: Open a new UTS namespace)");
		return;
	}
	if (s && !(k->flags & K_STEP)) {
		perr(p, ln, "'%s:' belongs before the first step (it is about the whole lesson)", k->name);
		free(value);
		return;
	}
	if (!s && !(k->flags & K_LESSON)) {
		perr(p, ln, "'%s:' belongs in a step (after a 'step:' line)", k->name);
		free(value);
		return;
	}
	if ((k->flags & K_ONCE) && p->seen[ki]) {
		perr(p, ln, "a second '%s:' (one is allowed%s)", k->name, s ? " per step" : "");
		free(value);
		return;
	}
	p->seen[ki] = true;
	if (!*value && !(k->flags & K_MULTILINE))
		perr(p, ln, "'%s:' is empty", k->name);

	char ***v = NULL;
	int *vn = NULL;

	if (!s) {
		if (strcmp(k->name, "title") == 0)
			p->value = &l->title;
		else if (strcmp(k->name, "objective") == 0)
			p->value = &l->objective;
		else if (strcmp(k->name, "text") == 0)
			p->value = &l->text;
		else if (strcmp(k->name, "rootless") == 0)
			p->value = &l->rootless;
		else if (strcmp(k->name, "cleanup") == 0)
			v = &l->cleanups, vn = &l->ncleanups;
		else if (strcmp(k->name, "needs") == 0) {
			if (strcmp(value, "root") == 0)
				l->needs_root = true;
			else if (strcmp(value, "rootless") != 0)
				perr(p, ln, "needs: '%s' (expected root or rootless)", value);
		} else if (strcmp(k->name, "setup") == 0) {
			if (strcmp(value, "mystery") == 0)
				l->mystery = true;
			else
				perr(p, ln, "setup: '%s' (the one built-in setup is mystery)", value);
		}
	} else {
		if (strcmp(k->name, "text") == 0)
			p->value = &s->text;
		else if (strcmp(k->name, "check") == 0)
			p->value = &s->check;
		else if (strcmp(k->name, "try") == 0)
			v = &s->tries, vn = &s->ntries;
		else if (strcmp(k->name, "hint") == 0)
			v = &s->hints, vn = &s->nhints;
		else if (strcmp(k->name, "solution") == 0)
			v = &s->solutions, vn = &s->nsolutions;
		else if (strcmp(k->name, "explain") == 0) {
			s->explains = xreallocarray(s->explains, (size_t)s->nexplains + 1, sizeof(*s->explains));
			s->explains[s->nexplains] = (struct lesson_explain){ .word = value, .text = xstrdup("") };
			p->value = &s->explains[s->nexplains++].text;
			if (!*value || strchr(value, ' '))
				perr(p, ln, "explain: takes one word, the command it is about (explain: pivot_root)");
			return;
		}
	}
	if (v) {
		strv_add(v, vn, value);
		p->value = &(*v)[*vn - 1];
	} else if (p->value)
		*p->value = value;
	else
		free(value);
}

/* An indented line: more of the current key's text. */
static void
key_continue(struct parser *p, const char *text, int ln)
{
	if (!p->cur || !p->value) {
		if (!p->cur)
			perr(p, ln, "an indented line continues nothing (put it right under a key, "
			     "with no empty line between)");
		return;
	}
	if (!(p->cur->flags & K_MULTILINE)) {
		perr(p, ln, "'%s:' is one line (write another '%s:' line instead)", p->cur->name,
		     p->cur->name);
		return;
	}
	char *old = *p->value;
	/* a check continues with a blank, prose with a line break */
	const char *sep = strcmp(p->cur->name, "check") == 0 ? " " : "\n";

	*p->value = *old ? xasprintf("%s%s%s", old, sep, text) : xstrdup(text);
	free(old);
}

static void
parse_line(struct parser *p, char *line, int ln)
{
	size_t len = strlen(line);

	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	if (line[0] == '#')
		return;
	if (len == 0) {
		p->cur = NULL;	/* an empty line ends a continuation */
		return;
	}
	if (line[0] == ' ' || line[0] == '\t') {
		const char *t = line[0] == '\t' ? line + 1 : line + strspn(line, " ") ;

		/* two spaces of indentation are taken off; more stay (code) */
		if (line[0] == ' ')
			t = line + (strncmp(line, "  ", 2) == 0 ? 2 : 1);
		if (strspn(line, " \t") == len)
			t = "";
		key_continue(p, t, ln);
		return;
	}
	char *colon = strchr(line, ':');
	size_t klen = colon ? (size_t)(colon - line) : 0;

	if (!colon || strspn(line, "abcdefghijklmnopqrstuvwxyz") != klen) {
		perr(p, ln, "expected 'key: value' or an indented continuation line");
		p->cur = NULL;
		return;
	}
	for (size_t i = 0; i < NKEYS; i++) {
		if (strlen(keys[i].name) == klen && strncmp(keys[i].name, line, klen) == 0) {
			char *v = colon + 1;

			v += strspn(v, " \t");
			size_t vl = strlen(v);

			while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
				v[--vl] = '\0';
			key_start(p, &keys[i], xstrdup(v), ln);
			return;
		}
	}
	*colon = '\0';
	perr(p, ln, "unknown key '%s:' (expected one of: %s)", line, key_list());
	p->cur = NULL;
}

/* What only the whole file can tell. */
static void
parse_finish(struct parser *p, int last)
{
	struct lesson *l = p->l;

	if (!l->title)
		perr(p, 1, "no 'title:' (every lesson has one)");
	if (!l->objective)
		perr(p, 1, "no 'objective:' (one line: what the student can do afterwards)");
	if (!p->seen[2])
		perr(p, 1, "no 'needs:' (root or rootless)");
	if (!l->nsteps)
		perr(p, last, "no 'step:' (a lesson has at least one)");
	for (int i = 0; i < l->nsteps; i++) {
		struct lesson_step *s = &l->steps[i];
		char msg[300];

		if (!s->check)
			perr(p, s->line, "step %d has no 'check:' (what must be true when it is done)", i + 1);
		else if (lesson_check_parse(s->check, &s->terms, &s->nterms, msg, sizeof(msg)) < 0)
			perr(p, s->line, "step %d: check: %s", i + 1, msg);
		if (!s->nhints)
			perr(p, s->line, "step %d has no 'hint:' (at least one)", i + 1);
		if (!s->nsolutions)
			perr(p, s->line, "step %d has no 'solution:' (the commands that make the check pass)",
			     i + 1);
		for (int j = 0; j < s->nexplains; j++)
			if (!*s->explains[j].text)
				perr(p, s->line, "step %d: explain: %s has no text (indented lines under it)",
				     i + 1, s->explains[j].word);
	}
}

int
lesson_file_name(const char *base, int *number, char *name, size_t n)
{
	const char *dash = strchr(base, '-'), *dot = strrchr(base, '.');
	size_t len;

	if (!dash || dash == base || !dot || strcmp(dot, ".lesson") != 0 || dot <= dash + 1)
		return -1;
	for (const char *c = base; c < dash; c++)
		if (!isdigit((unsigned char)*c))
			return -1;
	len = (size_t)(dot - dash - 1);
	if (len >= n || len >= 48)
		return -1;
	for (const char *c = dash + 1; c < dot; c++)
		if (!islower((unsigned char)*c) && !isdigit((unsigned char)*c) && *c != '-')
			return -1;
	*number = atoi(base);
	memcpy(name, dash + 1, len);
	name[len] = '\0';
	return 0;
}

int
lesson_load(const char *path, struct lesson *l, struct lesson_errs *errs, struct nsx_err *err)
{
	FILE *f = fopen(path, "re");
	int rc;

	if (!f) {
		struct parser p = { .path = path, .l = l, .errs = errs, .err = err };

		memset(l, 0, sizeof(*l));
		if (errs)
			*errs = (struct lesson_errs){ 0 };
		perr(&p, 0, "%s", strerror(errno));
		return -1;
	}
	rc = lesson_load_file(f, path, l, errs, err);
	fclose(f);
	return rc;
}

int
lesson_load_file(FILE *f, const char *path, struct lesson *l, struct lesson_errs *errs,
		 struct nsx_err *err)
{
	struct parser p = { .path = path, .l = l, .errs = errs, .err = err };
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char name[64], *line = NULL;
	size_t cap = 0;
	int ln = 0;

	memset(l, 0, sizeof(*l));
	if (errs)
		*errs = (struct lesson_errs){ 0 };
	l->path = xstrdup(path);
	if (lesson_file_name(base, &l->number, name, sizeof(name)) < 0)
		perr(&p, 0, "the file name must be NN-name.lesson (02-uts.lesson: a number, a dash, "
		     "a lowercase name)");
	else
		l->name = xstrdup(name);
	while (getline(&line, &cap, f) >= 0)
		parse_line(&p, line, ++ln);
	free(line);
	parse_finish(&p, ln);
	if (p.nerr) {
		lesson_free(l);
		return -1;
	}
	return 0;
}

void
lesson_free(struct lesson *l)
{
	for (int i = 0; i < l->nsteps; i++) {
		struct lesson_step *s = &l->steps[i];

		free(s->title);
		free(s->text);
		free(s->check);
		strv_free(s->tries, s->ntries);
		strv_free(s->hints, s->nhints);
		strv_free(s->solutions, s->nsolutions);
		lesson_terms_free(s->terms, s->nterms);
		for (int j = 0; j < s->nexplains; j++) {
			free(s->explains[j].word);
			free(s->explains[j].text);
		}
		free(s->explains);
	}
	free(l->steps);
	strv_free(l->cleanups, l->ncleanups);
	free(l->path);
	free(l->name);
	free(l->title);
	free(l->objective);
	free(l->text);
	free(l->rootless);
	memset(l, 0, sizeof(*l));
}

void
lesson_errs_free(struct lesson_errs *e)
{
	strv_free(e->msg, e->n);
	*e = (struct lesson_errs){ 0 };
}

/* ---- finding lessons ---- */

struct found {
	char *path;
	int number;
	int dir;		/* which directory: the first given wins a number */
	char name[64];
};

static int
found_cmp(const void *a, const void *b)
{
	const struct found *x = a, *y = b;

	if (x->number != y->number)
		return x->number < y->number ? -1 : 1;
	if (x->dir != y->dir)
		return x->dir < y->dir ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void
scan_dir(const char *rel, struct found **v, int *n)
{
	static int ndirs;
	/* absolute: the path is kept in progress and read from other
	 * working directories */
	char *dir = realpath(rel, NULL);
	DIR *d = dir ? opendir(dir) : NULL;
	struct dirent *e;

	if (!d) {
		free(dir);
		return;
	}
	ndirs++;
	while ((e = readdir(d))) {
		struct found f = { .dir = ndirs };
		bool dup = false;

		if (lesson_file_name(e->d_name, &f.number, f.name, sizeof(f.name)) < 0)
			continue;
		/* the first directory that has a name wins (--lessons over installed) */
		for (int i = 0; i < *n && !dup; i++)
			dup = strcmp((*v)[i].name, f.name) == 0;
		if (dup)
			continue;
		f.path = xasprintf("%s/%s", dir, e->d_name);
		*v = xreallocarray(*v, (size_t)*n + 1, sizeof(**v));
		(*v)[(*n)++] = f;
	}
	closedir(d);
	free(dir);
}

/* lessons/ beside the binary (a source tree), ../share/nsx/lessons (an install) */
static void
scan_exe_dirs(struct found **v, int *n)
{
	char exe[PATH_MAX], *slash, *dir;
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	struct stat st;

	if (len <= 0)
		return;
	exe[len] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return;
	*slash = '\0';
	dir = xasprintf("%s/lessons", exe);
	if (stat(dir, &st) == 0)
		scan_dir(dir, v, n);
	free(dir);
	dir = xasprintf("%s/../share/nsx/lessons", exe);
	scan_dir(dir, v, n);
	free(dir);
}

int
lesson_trust(const char *path, struct nsx_err *err)
{
	char label[PATH_MAX + 8];

	snprintf(label, sizeof(label), "lesson %s", path);
	return trust_require(label, path, "copy it into a directory that root owns, or take the "
			     "lesson as a normal user", err);
}

/* As root, --lessons and every directory of NSX_LESSONS: a lesson's
 * checks and cleanups run as the caller. */
static int
lesson_dirs_trusted(const char *dir, const char *env, struct nsx_err *err)
{
	char label[PATH_MAX + 16];

	snprintf(label, sizeof(label), "--lessons %s", dir ? dir : "");
	if (dir && trust_require(label, dir, "use a directory that root owns", err) < 0)
		return -1;
	return trust_env_list("NSX_LESSONS", env, err);
}

int
lesson_find_all(const char *dir, char ***paths, int *np, struct nsx_err *err)
{
	struct found *v = NULL;
	int n = 0;
	const char *env = getenv("NSX_LESSONS");
	struct stat st;

	if (dir && (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)))
		return nsx_error(err, errno ? errno : ENOTDIR, "--lessons %s: not a directory", dir);
	if (lesson_dirs_trusted(dir, env, err) < 0)
		return -1;
	if (dir)
		scan_dir(dir, &v, &n);
	if (env && *env) {
		char *copy = xstrdup(env), *save = NULL;

		for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save))
			scan_dir(d, &v, &n);
		free(copy);
	}
	scan_exe_dirs(&v, &n);
	qsort(v, (size_t)n, sizeof(*v), found_cmp);
	*paths = xcalloc((size_t)n + 1, sizeof(char *));
	for (int i = 0; i < n; i++)
		(*paths)[i] = v[i].path;
	free(v);
	*np = n;
	return 0;
}

void
lesson_paths_free(char **paths, int n)
{
	strv_free(paths, n);
}

/* Can this user do the lesson at path? (A broken one counts as yes: the
 * caller then reports what is wrong with it.) */
static bool
runnable(const char *path)
{
	struct lesson l;
	bool ok;

	if (geteuid() == 0 || lesson_load(path, &l, NULL, &(struct nsx_err){ 0 }) < 0)
		return true;
	ok = !l.needs_root;
	lesson_free(&l);
	return ok;
}

int
lesson_find(const char *dir, const char *arg, char **path, struct nsx_err *err)
{
	char **paths, name[64], *end;
	int n, number, want_num = -1, pick = -1, first = -1;
	long v;

	if (lesson_find_all(dir, &paths, &n, err) < 0)
		return -1;
	errno = 0;
	v = strtol(arg, &end, 10);
	if (!errno && end != arg && !*end && v >= 0 && v < 10000)
		want_num = (int)v;
	for (int i = 0; i < n && pick < 0; i++) {
		if (lesson_file_name(strrchr(paths[i], '/') + 1, &number, name, sizeof(name)) < 0)
			continue;
		if (want_num < 0 && strcmp(name, arg) == 0)
			pick = i;
		/* a number shared by a root lesson and its rootless variant:
		 * the first one this user can do */
		if (want_num >= 0 && number == want_num) {
			if (first < 0)
				first = i;
			if (runnable(paths[i]))
				pick = i;
		}
	}
	if (pick < 0)
		pick = first;
	if (pick < 0 || lesson_trust(paths[pick], err) < 0) {
		lesson_paths_free(paths, n);
		return pick < 0 ? nsx_error(err, ENOENT, "no lesson '%s' (see 'lesson list')", arg) : -1;
	}
	*path = xstrdup(paths[pick]);
	lesson_paths_free(paths, n);
	return 0;
}
