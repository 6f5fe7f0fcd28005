/* Runs a fuzz harness over its seed corpus and over the crashes found and
 * fixed (tests/fuzz/{corpus,crashes}/NAME), one TAP line per file: a
 * regression crashes (or, under `make asan`, trips a sanitizer) and prove
 * sees the test die. Built with the normal compiler by `make test`. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int tests;

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (!f)
		return NULL;
	do {
		if (n == cap)
			buf = realloc(buf, cap = cap ? 2 * cap : 4096);
		r = fread(buf + n, 1, cap - n, f);
		n += r;
	} while (r > 0);
	fclose(f);
	*len = n;
	return buf;
}

static int
run_dir(const char *top, const char *kind, const char *name)
{
	char dir[4096], path[8192];
	struct dirent **ents;
	int n, failed = 0;

	snprintf(dir, sizeof(dir), "%s/tests/fuzz/%s/%s", top, kind, name);
	n = scandir(dir, &ents, NULL, NULL);
	if (n < 0)
		return strcmp(kind, "corpus") == 0;	/* no seeds is an error */
	qsort(ents, (size_t)n, sizeof(*ents), cmp);
	for (int i = 0; i < n; i++) {
		unsigned char *buf;
		size_t len = 0;

		if (ents[i]->d_name[0] == '.') {
			free(ents[i]);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		buf = slurp(path, &len);
		if (!buf) {
			printf("not ok %d - %s/%s/%s: unreadable\n", ++tests, kind, name, ents[i]->d_name);
			failed = 1;
		} else {
			/* flushed first: a crash leaves the name of the file that made it */
			printf("# %s/%s/%s (%zu bytes)\n", kind, name, ents[i]->d_name, len);
			fflush(stdout);
			LLVMFuzzerTestOneInput(buf, len);
			printf("ok %d - %s %s/%s/%s\n", ++tests, name, kind, name, ents[i]->d_name);
		}
		fflush(stdout);
		free(buf);
		free(ents[i]);
	}
	free(ents);
	return failed;
}

int
main(int argc, char **argv)
{
	const char *top = getenv("NSX_TOP");
	int failed;

	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	if (!top)
		top = ".";
	failed = run_dir(top, "corpus", FUZZ_NAME);
	failed |= run_dir(top, "crashes", FUZZ_NAME);
	printf("1..%d\n", tests);
	return failed;
}
