#define _GNU_SOURCE
#include "repl/split.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

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
				if (c == '"' && *q == '\\' && q[1] && strchr("$`\"\\\n", q[1]))
					q++;
				else if (c == '"' && (*q == '$' || *q == '`'))
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
		} else {
			if (strchr("|&<>()$`*?[", c))
				sg.shell = true;
			buf_put(&w, c);
		}
	}
	free(w.s);
	return 0;
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
