/* `lesson report`'s rows (report.h). */
#include "lesson/report.h"

#include <pwd.h>
#include <stdio.h>
#include <sys/stat.h>

#include "lesson/lesson.h"
#include "util/xalloc.h"

int
lesson_report_own(char *path, size_t n, struct nsx_err *err)
{
	int dfd = progress_dirfd(err);

	if (dfd < 0)
		return -1;
	snprintf(path, n, "/proc/self/fd/%d/progress", dfd);
	return 0;
}

/* The owner of the file at path: its name, else its uid. */
static void
owner_name(const char *path, char *user, size_t n)
{
	struct stat st = { .st_uid = (uid_t)-1 };
	struct passwd *pw;

	if (stat(path, &st) == 0 && (pw = getpwuid(st.st_uid)))
		snprintf(user, n, "%s", pw->pw_name);
	else
		snprintf(user, n, "%u", (unsigned)st.st_uid);
}

int
lesson_report_read(const char *path, struct lesson_report_row **rows, int *n, struct nsx_err *err)
{
	struct progress p;
	char user[64];

	*rows = NULL;
	*n = 0;
	if (progress_read_file(path, &p, err) < 0)
		return -1;
	owner_name(path, user, sizeof(user));
	if (p.n)
		*rows = xcalloc((size_t)p.n, sizeof(**rows));
	for (int i = 0; i < p.n; i++) {
		const struct lesson_prog *lp = &p.l[i];
		struct lesson_report_row *r = &(*rows)[i];

		snprintf(r->user, sizeof(r->user), "%s", user);
		snprintf(r->lesson, sizeof(r->lesson), "%s", lp->name);
		for (int s = 0; s < lp->nsteps; s++) {
			r->done += lp->done[s];
			r->hints += lp->hints[s];
		}
		r->steps = lp->nsteps;
		r->fails = lp->fails;
		r->complete = r->done == lp->nsteps;
		r->updated = lp->updated;
	}
	*n = p.n;
	progress_free(&p);
	return 0;
}
