/* The lesson file format (what `lesson lint` checks): keys, continuation
 * lines, steps with their hints, solutions, explains and checks, and the
 * check language itself (predicates, arguments, "and", quotes). */
#define _GNU_SOURCE
#include "fuzz.h"

#include <stdio.h>

#include "lesson/lesson.h"

static void
check_lesson(const struct lesson *l)
{
	fz_assert(l->title && l->objective && l->nsteps > 0);
	for (int i = 0; i < l->nsteps; i++) {
		const struct lesson_step *s = &l->steps[i];

		fz_assert(s->check && s->nterms > 0 && s->nhints > 0 && s->nsolutions > 0);
		for (int j = 0; j < s->nhints; j++)
			fz_assert(s->hints[j]);
		for (int j = 0; j < s->nsolutions; j++)
			fz_assert(s->solutions[j]);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f = fmemopen((void *)data, size, "r");
	struct lesson_errs errs;
	struct lesson_term *terms;
	struct nsx_err err = { 0 };
	struct lesson l;
	char msg[300], *s;
	int n;

	if (f) {
		if (lesson_load_file(f, "tests/fuzz/01-fuzz.lesson", &l, &errs, &err) == 0) {
			check_lesson(&l);
			lesson_free(&l);
		} else
			fz_assert(errs.n > 0 && err.msg[0]);
		lesson_errs_free(&errs);
		fclose(f);
	}
	/* the input as one check: line */
	s = fz_str(data, size);
	if (lesson_check_parse(s, &terms, &n, msg, sizeof(msg)) == 0)
		lesson_terms_free(terms, n);
	else
		fz_assert(msg[0]);
	free(s);
	return 0;
}
