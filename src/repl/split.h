/* Splitting a shell line into commands and words, as sh does for quotes and
 * backslashes; lines that need more of sh (pipes, redirections, globs,
 * variables, compound commands) are marked to run through /bin/sh. */
#ifndef NSX_SPLIT_H
#define NSX_SPLIT_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

struct seg {
	char **argv;		/* NULL-terminated, quotes removed */
	int argc;
	char *text;		/* the segment as typed, for /bin/sh -c */
	bool shell;		/* needs /bin/sh: |, <, >, &, $, `, globs, ... */
	bool external;		/* `!cmd`: never an nsx command */
};

struct line {
	struct seg *segs;
	size_t nsegs;
};

/* Split at unquoted `;` and newlines; drop `#` comments. Returns 0, or -1
 * with err for an unterminated quote or a trailing backslash. */
int line_split(const char *s, struct line *out, struct nsx_err *err);
/* The same, but $NAME and $$ are left as typed: the segments of a line
 * are found first, and each is split again (line_split) just before it
 * runs, because one that opens a level runs the rest in another process,
 * with another PID. */
int line_split_raw(const char *s, struct line *out, struct nsx_err *err);
void line_free(struct line *l);

#endif
