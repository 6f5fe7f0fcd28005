/* The shell-line splitter of the REPL and of `nsx -c`: quotes, backslashes,
 * comments, `;` and newlines, $NAME and $$, and what is passed to /bin/sh. */
#include "fuzz.h"

#include "repl/split.h"

static void
check_line(const struct line *l)
{
	for (size_t i = 0; i < l->nsegs; i++) {
		const struct seg *s = &l->segs[i];

		/* a line for sh needs only its text; an nsx command or a
		 * program its words (repl.c runs argv[0]) */
		fz_assert(s->text);
		if (s->shell)
			continue;
		fz_assert(s->argc > 0 && s->argv && s->argv[s->argc] == NULL);
		for (int j = 0; j < s->argc; j++)
			fz_assert(s->argv[j]);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fz_str(data, size);
	struct nsx_err err = { 0 };
	struct line l;

	if (line_split(s, &l, &err) == 0) {
		check_line(&l);
		line_free(&l);
	} else
		fz_assert(err.msg[0]);
	/* as the REPL does: segments raw first, each split again just before it runs */
	if (line_split_raw(s, &l, &err) == 0) {
		check_line(&l);
		for (size_t i = 0; i < l.nsegs; i++) {
			struct line again;

			if (line_split(l.segs[i].text, &again, &err) == 0) {
				check_line(&again);
				line_free(&again);
			}
		}
		line_free(&l);
	}
	free(s);
	return 0;
}
