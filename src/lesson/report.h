/* `lesson report`: the rows of progress files (a student's own, or an
 * instructor's pick of students' files, each another user's input: read by
 * progress_read_file, which refuses FIFOs and files over 1 MiB). Nothing
 * here prints: src/cmd/lesson.c makes the table or CSV. */
#ifndef NSX_LESSON_REPORT_H
#define NSX_LESSON_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

/* One lesson of one progress file. */
struct lesson_report_row {
	char user[64];		/* the file's owner: a name, else the uid */
	char lesson[64];	/* as the file has it: print it safe */
	int done, steps, hints, fails;
	bool complete;		/* every step done */
	long updated;		/* time(2) of the last change */
};

/* The user's own progress file, as a path that reaches it from any level
 * (through the state directory opened at the start). -1 with err. */
int lesson_report_own(char *path, size_t n, struct nsx_err *err);
/* The rows of the progress file at path: *rows (malloc'ed, the caller
 * frees it; NULL when none) and *n. -1 with err, whose errnum is ENOENT
 * when there is no such file. */
int lesson_report_read(const char *path, struct lesson_report_row **rows, int *n, struct nsx_err *err);

#endif
