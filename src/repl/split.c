#define _GNU_SOURCE
#include "repl/split.h"

#include <ctype.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/xalloc.h"

struct buf {
	char *s;
	size_t len, cap;
};

static void
buf_put(struct buf *b, char c)
{
	if (b->len + 2 > b->cap) {
		b->cap = b->cap ? 2 * b->cap : 32;
		b->s = xrealloc(b->s, b->cap);
	}
	b->s[b->len++] = c;
	b->s[b->len] = '\0';
}

static void
seg_push_word(struct seg *sg, struct buf *w)
{
	sg->argv = xreallocarray(sg->argv, (size_t)sg->argc + 2, sizeof(char *));
	sg->argv[sg->argc++] = w->s ? w->s : xstrdup("");
	sg->argv[sg->argc] = NULL;
	*w = (struct buf){ 0 };
}

/* sh's reserved words that open compound commands: hand the rest of the
 * line to sh, `;`s and all. */
static bool
is_compound(const char *s)
{
	static const char *const words[] = { "if", "for", "while", "until", "case", "{", "(" };
	size_t n = strcspn(s, " \t\n;");

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i]) == n && strncmp(s, words[i], n) == 0)
			return true;
	return *s == '(';
}

/* $$, $NAME and ${NAME} at p, as sh expands them: the value goes into w
 * and the length of the reference is returned. 0 leaves it to sh: other
 * forms ($(...), $?, ${X:-y}) and unset variables (sh drops an empty
 * unquoted word, which one argv cannot say). $$ is this shell's PID: in
 * a level, the level's own, as `echo $$` shows in a nested sh. */
/* off in line_split_raw: the words are not wanted, only the segments */
static bool expanding = true;

static size_t
var_expand(const char *p, struct buf *w)
{
	char name[128];
	const char *v;
	size_t k = 1, len;
	bool brace = p[1] == '{';

	if (!expanding)
		return 0;
	if (p[1] == '$') {
		char pid[16];

		snprintf(pid, sizeof(pid), "%d", (int)getpid());
		for (char *c = pid; *c; c++)
			buf_put(w, *c);
		return 2;
	}
	if (brace)
		k++;
	if (!(isalpha((unsigned char)p[k]) || p[k] == '_'))
		return 0;
	len = k;
	while (isalnum((unsigned char)p[len]) || p[len] == '_')
		len++;
	if (brace && p[len] != '}')
		return 0;
	if (len - k >= sizeof(name))
		return 0;
	memcpy(name, p + k, len - k);
	name[len - k] = '\0';
	v = getenv(name);
	if (!v || !*v)
		return 0;
	for (; *v; v++)
		buf_put(w, *v);
	return len + (brace ? 1 : 0);
}

/* A line for sh with $$ outside single quotes made this shell's PID: sh
 * would say its own, a process that is gone when the line is done
 * (`echo $$ > cgroup.procs` is meant to move the shell the student is in). */
static char *
pid_subst(const char *s)
{
	struct buf b = { 0 };
	bool sq = false, dq = false;

	for (; *s; s++) {
		if (*s == '\\' && !sq && s[1]) {
			buf_put(&b, *s++);
			buf_put(&b, *s);
			continue;
		}
		if (*s == '\'' && !dq)
			sq = !sq;
		else if (*s == '"' && !sq)
			dq = !dq;
		if (!sq && s[0] == '$' && s[1] == '$') {
			var_expand(s, &b);
			s++;
			continue;
		}
		buf_put(&b, *s);
	}
	return b.s ? b.s : xstrdup("");
}

static bool
is_assignment(const char *w, size_t len)
{
	size_t i = 0;

	if (!len || !(isalpha((unsigned char)w[0]) || w[0] == '_'))
		return false;
	while (i < len && (isalnum((unsigned char)w[i]) || w[i] == '_'))
		i++;
	return i < len && w[i] == '=';
}

static void
line_add(struct line *l, struct seg *sg, const char *start, const char *end)
{
	while (end > start && isspace((unsigned char)end[-1]))
		end--;
	if (sg->argc == 0 && !sg->shell) {
		free(sg->argv);
		*sg = (struct seg){ 0 };
		return;
	}
	sg->text = xstrndup(start, (size_t)(end - start));
	if (expanding && sg->shell && strstr(sg->text, "$$")) {
		char *t = pid_subst(sg->text);

		free(sg->text);
		sg->text = t;
	}
	l->segs = xreallocarray(l->segs, l->nsegs + 1, sizeof(*l->segs));
	l->segs[l->nsegs++] = *sg;
	*sg = (struct seg){ 0 };
}

int
line_split(const char *s, struct line *out, struct nsx_err *err)
{
	struct seg sg = { 0 };
	struct buf w = { 0 };
	const char *start = NULL, *wstart = NULL;
	bool inword = false;
	size_t k;

	*out = (struct line){ 0 };
	for (const char *p = s;; p++) {
		char c = *p;

		if (!start) {
			while (*p == ' ' || *p == '\t')
				p++;
			c = *p;
			if (c == '!' && p[1] && p[1] != ' ' && p[1] != '\t' && p[1] != '=') {
				sg.external = true;
				p++;
				c = *p;
			}
			start = p;
			/* `! cmd` is sh's negation: sh runs it */
			if (c == '!' && (p[1] == ' ' || p[1] == '\t'))
				sg.shell = true;
			if (c && is_compound(p)) {
				/* the rest of the line is one sh command */
				sg.shell = true;
				line_add(out, &sg, start, start + strlen(start));
				break;
			}
		}
		if (c == '\0' || c == ';' || c == '\n') {
			if (inword) {
				if (sg.argc == 0 && is_assignment(wstart, (size_t)(p - wstart)))
					sg.shell = true;
				seg_push_word(&sg, &w);
			}
			inword = false;
			line_add(out, &sg, start, p);
			start = NULL;
			if (c == '\0')
				break;
			continue;
		}
		if (c == ' ' || c == '\t') {
			if (inword) {
				if (sg.argc == 0 && is_assignment(wstart, (size_t)(p - wstart)))
					sg.shell = true;
				seg_push_word(&sg, &w);
			}
			inword = false;
			continue;
		}
		if (c == '#' && !inword) {
			/* a comment runs to the end of the line */
			while (p[1] && p[1] != '\n')
				p++;
			continue;
		}
		if (!inword) {
			inword = true;
			wstart = p;
			buf_put(&w, 'x');
			w.len = 0;
			w.s[0] = '\0';
			if (c == '~')
				sg.shell = true;
		}
		if (c == '\\') {
			if (!p[1]) {
				line_free(out);
				free(w.s);
				for (int i = 0; i < sg.argc; i++)
					free(sg.argv[i]);
				free(sg.argv);
				return nsx_error(err, 0, "a backslash ends the line (nothing to escape)");
			}
			if (p[1] != '\n')
				buf_put(&w, p[1]);
			p++;
		} else if (c == '\'' || c == '"') {
			const char *q = p + 1;

			for (; *q && *q != c; q++) {
				size_t k;

				if (c == '"' && *q == '\\' && q[1] && strchr("$`\"\\\n", q[1]))
					q++;
				else if (c == '"' && *q == '$' && (k = var_expand(q, &w)) > 0) {
					q += k - 1;
					continue;
				} else if (c == '"' && (*q == '$' || *q == '`'))
					sg.shell = true;
				buf_put(&w, *q);
			}
			if (!*q) {
				line_free(out);
				free(w.s);
				for (int i = 0; i < sg.argc; i++)
					free(sg.argv[i]);
				free(sg.argv);
				return nsx_error(err, 0, "unterminated %s quote",
						 c == '"' ? "double" : "single");
			}
			p = q;
		} else if (c == '$' && (k = var_expand(p, &w)) > 0) {
			p += k - 1;
		} else {
			if (strchr("|&<>()$`*?[", c))
				sg.shell = true;
			buf_put(&w, c);
		}
	}
	free(w.s);
	return 0;
}

int
line_split_raw(const char *s, struct line *out, struct nsx_err *err)
{
	int r;

	expanding = false;
	r = line_split(s, out, err);
	expanding = true;
	return r;
}

void
line_free(struct line *l)
{
	for (size_t i = 0; i < l->nsegs; i++) {
		for (int j = 0; j < l->segs[i].argc; j++)
			free(l->segs[i].argv[j]);
		free(l->segs[i].argv);
		free(l->segs[i].text);
	}
	free(l->segs);
	*l = (struct line){ 0 };
}
