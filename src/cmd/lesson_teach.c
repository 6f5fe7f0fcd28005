/* lesson's subcommands for instructors and lesson authors (lesson_int.h):
 * report (progress files as a table, JSON or CSV), lint (lesson files) and
 * verify (every lesson's steps in a scratch environment), and the hidden
 * ones verify's scratch nsx runs. */
#define _GNU_SOURCE
#include "cmd/lesson_int.h"

#include <errno.h>
#include <libsmartcols.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lesson/lesson.h"
#include "lesson/report.h"
#include "lesson/verify.h"
#include "util/safe.h"
#include "util/xalloc.h"

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

static const char *const report_cols[] = { "USER", "LESSON", "DONE", "STEPS", "HINTS", "FAILS",
					   "COMPLETE", "UPDATED" };
#define REPORT_NCOLS ((int)(sizeof(report_cols) / sizeof(report_cols[0])))

static struct libscols_table *
report_table(int mode)
{
	struct libscols_table *tab = scols_new_table();

	if (!tab)
		return NULL;
	scols_table_enable_json(tab, mode == 'j');
	scols_table_set_name(tab, "progress");
	for (int i = 0; i < REPORT_NCOLS; i++) {
		struct libscols_column *cl = scols_table_new_column(tab, report_cols[i], 0,
								    i >= 2 && i <= 5 ? SCOLS_FL_RIGHT : 0);

		if (cl && i >= 2 && i <= 5)
			scols_column_set_json_type(cl, SCOLS_JSON_NUMBER);
		if (cl && i == 6)
			scols_column_set_json_type(cl, SCOLS_JSON_BOOLEAN);
	}
	return tab;
}

/* One row into tab, or as CSV when tab is NULL. */
static void
report_row(struct libscols_table *tab, int mode, const struct lesson_report_row *r)
{
	char v[6][32];
	struct tm tm;
	time_t t = r->updated;

	snprintf(v[0], 32, "%d", r->done);
	snprintf(v[1], 32, "%d", r->steps);
	snprintf(v[2], 32, "%d", r->hints);
	snprintf(v[3], 32, "%d", r->fails);
	/* libsmartcols prints "0" as JSON false */
	snprintf(v[4], 32, "%s", r->complete ? (mode == 'j' ? "1" : "true") : (mode == 'j' ? "0" : "false"));
	strftime(v[5], 32, "%Y-%m-%dT%H:%M:%S", localtime_r(&t, &tm));
	const char *row[] = { r->user, r->lesson, v[0], v[1], v[2], v[3], v[4], v[5] };

	if (!tab) {
		for (int k = 0; k < REPORT_NCOLS; k++)
			csv_field(row[k], k == REPORT_NCOLS - 1);
		return;
	}
	struct libscols_line *ln = scols_table_new_line(tab, NULL);

	for (int k = 0; ln && k < REPORT_NCOLS; k++)
		out_cell(tab, ln, (size_t)k, row[k]);
}

int
lcmd_report(struct lctx *c, int nfiles, char **files)
{
	struct libscols_table *tab = NULL;
	char own[PATH_MAX], *ownv[1] = { own };
	int rc = 0;
	struct nsx_err err;

	if (!nfiles) {
		if (lesson_report_own(own, sizeof(own), &err) < 0) {
			nsx_err_print("lesson", &err);
			return 1;
		}
		files = ownv;
		nfiles = 1;
	}
	if (c->mode == 'c') {
		for (int i = 0; i < REPORT_NCOLS; i++)
			csv_field(report_cols[i], i == REPORT_NCOLS - 1);
	} else if (!(tab = report_table(c->mode)))
		return cmd_fail(&cmd_lesson, "cannot create the output table");
	for (int f = 0; f < nfiles; f++) {
		struct lesson_report_row *rows;
		int n;

		if (lesson_report_read(files[f], &rows, &n, &err) < 0) {
			if (!(err.errnum == ENOENT && files[f] == own))
				nsx_err_print("lesson report", &err), rc = 1;
			continue;
		}
		for (int i = 0; i < n; i++)
			report_row(tab, c->mode, &rows[i]);
		free(rows);
	}
	if (tab) {
		out_print(tab);
		scols_unref_table(tab);
	}
	return rc;
}

/* ---- lint ---- */

int
lcmd_lint(struct lctx *c, int n, char **files)
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

static void
print_log_tail(int log)
{
	char buf[8192], *p = lesson_verify_log_tail(log, buf, sizeof(buf));

	if (!p)
		return;
	printf("        | what the session printed (last lines):\n");
	for (char *s = strtok(p, "\n"); s; s = strtok(NULL, "\n")) {
		fputs("        | ", stdout);
		safe_fputs(s, stdout);
		putchar('\n');
	}
}

/* What verifying l found (in the child that verified it). */
static void
verify_report(const struct lesson *l, const struct lesson_verify_res *r)
{
	char label[96];
	bool bad = false;

	snprintf(label, sizeof(label), "%02d-%s", l->number, l->name);
	if (r->setup_failed) {
		printf("FAILED  %s: %s\n", label, r->err.msg);
		return;
	}
	for (int k = 0; k < l->nsteps; k++) {
		const struct lesson_verify_check *before = &r->check[k][0], *after = &r->check[k][1];

		if (before->seen && before->held)
			printf("FAILED  %s step %d (%s): the check already holds before its solution "
			       "(it must fail then, or the step teaches nothing)\n", label, k + 1,
			       l->steps[k].title);
		if (after->seen && !after->held)
			printf("FAILED  %s step %d (%s): the check fails after its solution: %s\n", label,
			       k + 1, l->steps[k].title, after->why);
		bad = bad || (before->seen && before->held) || (after->seen && !after->held);
	}
	for (int k = 0; k < l->nsteps && !bad; k++)
		if (!r->check[k][0].seen || !r->check[k][1].seen) {
			printf("FAILED  %s step %d (%s): no result: the session ended early%s\n", label, k + 1,
			       l->steps[k].title, r->timed_out ? " (timed out)" : "");
			bad = true;
		}
	if (bad)
		print_log_tail(r->log);
	else
		printf("ok      %s: %d step%s, each check fails before its solution and holds after it\n",
		       label, l->nsteps, l->nsteps == 1 ? "" : "s");
}

/* The lesson at path, when it can be verified here: 1 (l loaded), 0 when
 * it is skipped, -1 when it failed (said). */
static int
verify_load(const char *path, struct lesson *l)
{
	struct lesson_errs errs;
	struct nsx_err err;

	if (lesson_trust(path, &err) < 0) {
		fputs("FAILED  ", stdout);
		safe_fputs(err.msg, stdout);
		putchar('\n');
		return -1;
	}
	if (lesson_load(path, l, &errs, &err) < 0) {
		printf("FAILED  %s: ", path);
		safe_fputs(errs.n ? errs.msg[0] : err.msg, stdout);
		putchar('\n');
		lesson_errs_free(&errs);
		return -1;
	}
	if (l->needs_root && geteuid() != 0) {
		printf("skipped %02d-%s: needs root\n", l->number, l->name);
		lesson_free(l);
		return 0;
	}
	return 1;
}

int
lcmd_verify(struct lctx *c, int argc, char **argv)
{
	char **paths;
	int n, failed = 0, ran = 0;
	struct nsx_err err;

	if (argc) {
		char *path;

		if (lesson_find(c->s.dir, argv[0], &path, &err) < 0) {
			nsx_err_print("lesson", &err);
			return 1;
		}
		paths = xcalloc(2, sizeof(char *));
		paths[0] = path;
		n = 1;
	} else if (lesson_find_all(c->s.dir, &paths, &n, &err) < 0) {
		nsx_err_print("lesson", &err);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		struct lesson l;
		int r = verify_load(paths[i], &l);

		if (r <= 0) {
			failed += r < 0;
			continue;
		}
		r = lesson_verify(&l, verify_report, &err);
		if (r < 0)
			printf("FAILED  %02d-%s: %s\n", l.number, l.name, err.msg);
		failed += r != 0;
		ran += r >= 0;
		lesson_free(&l);
	}
	lesson_paths_free(paths, n);
	printf("%d lesson%s verified, %d failed\n", ran, ran == 1 ? "" : "s", failed);
	return failed ? 1 : 0;
}

/* The hidden subcommands the scratch nsx of `lesson verify` runs. */
int
lcmd_verify_begin(struct lctx *c, int argc, char **argv)
{
	struct nsx_err err;

	if (lesson_verify_begin(&c->s, argv[0], &err) < 0) {
		nsx_err_print("lesson", &err);
		return 1;
	}
	return 0;
}

int
lcmd_verify_expect(struct lctx *c, int argc, char **argv)
{
	if (lesson_verify_fd() < 0 || lcmd_need(c) < 0)
		return 1;
	return lesson_verify_expect(&c->s, argv[0], argv[1]) < 0;
}

int
lcmd_verify_cleanup(struct lctx *c, int argc, char **argv)
{
	if (lesson_verify_cleanup(&c->s, lcmd_run_line, c))
		c->sh->quit = false;
	return 0;
}

